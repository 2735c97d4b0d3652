// llvmpipe (lavapipe) ends all loops of a shader invocation once they have turned 65535 times
// in all (Mesa's LP_MAX_TGSI_LOOP_ITERATIONS), which cuts a long kernel short without a word.
// A loop of `want` turns (a uniform value the compiler cannot fold) run at the end of a kernel
// shows whether anything before it was cut: true when it could not run its full count.
// Prefixed to the LDPC decoder kernels (ldpc_common.wgsl loops_cut) and the link chain
// (transport_block.wgsl invocation_cut).
fn loops_were_cut(want: u32) -> bool {
    var turns = 0u;
    for (var i = 0u; i < want; i++) {
        turns += 1u;
    }
    return turns != want;
}
