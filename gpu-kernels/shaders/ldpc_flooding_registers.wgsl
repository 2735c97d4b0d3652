// 5G NR LDPC flooding sum-product (BP) decoder generated for one pruned graph, with the whole
// decoder state on-chip: the algorithm, order of sums and clamping of ldpc_flooding.wgsl and
// of the CPU decoder (sim-core/src/ldpc/decoder.rs), but
//
// * one invocation per lane r < Z of the block: it updates check r of every row block, so the
//   check-to-variable messages of its checks live in its registers between iterations;
// * the posterior of the columns of degree > 1 (CORE_COLS) is in workgroup memory twice: the
//   old one that every check reads and the next one that the checks add their new messages
//   into, row after row (barriers between groups of rows with no common core column keep the
//   CPU's order of sums: channel first, then the rows in order); the two swap roles every
//   iteration and the spent one restarts from the channel LLRs;
// * an extension parity column (degree 1) is read only by the one check lane that touches
//   it: its channel LLR and posterior live in that invocation's registers.
//
// Global memory: the channel LLRs of the core columns are read once per iteration (to restart
// the accumulation), the rest once per block; hard decisions written once. The generated code
// replaces the marker lines STATE (declarations and initial values of the per-invocation
// state), ROWS (the check phase of one iteration) and SYNDROME (sets `bad` when one of the
// lane's checks is unsatisfied).
//
// Bindings: those of ldpc_decoder.wgsl that it needs (params, channel, hard, iterations, done).
// Prefixed with ldpc_vote(_subgroup).wgsl, ldpc_common.wgsl (Params, phi, reply, neg) and by
// the host with
//   const Z: u32            lifting size
//   const CORE_WORDS: u32   CORE_COLS · Z

override WG_SIZE: u32 = 384u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(5) var<storage, read> channel: array<f32>;
@group(0) @binding(8) var<storage, read_write> hard: array<u32>;
@group(0) @binding(9) var<storage, read_write> iterations_out: array<u32>;

// [old posterior | next posterior], the halves swapping every iteration.
var<workgroup> buf: array<f32, 2 * CORE_WORDS>;
var<workgroup> unsatisfied: atomic<u32>;

const SIGN: u32 = 0x80000000u;

// (l + s) mod Z for l, s < Z.
fn wrap(l: u32, s: u32) -> u32 {
    let v = l + s;
    return select(v, v - Z, v >= Z);
}

@compute @workgroup_size(WG_SIZE)
fn decode(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let block = wg.y * nwg.x + wg.x;
    if (block >= params.num_blocks) {
        return;
    }
    let tid = lid.x;
    if (already_decoded(block, tid)) {
        return;
    }
    let l = tid;
    let act = l < Z;
    let base_v = block * params.cols * Z;
    let clip = params.llr_clip;
    for (var i = tid; i < CORE_WORDS; i += WG_SIZE) {
        let c = clamp(channel[base_v + i], -clip, clip);
        buf[i] = c;
        buf[CORE_WORDS + i] = c;
    }
//@STATE@
    workgroupBarrier();
    // Offsets of the old and the next posterior in `buf`.
    var cur = 0u;
    var nxt = CORE_WORDS;
    var it = 0u;
    var converged = false;
    loop {
        if (it >= params.iterations) {
            break;
        }
        it += 1u;
//@ROWS@
        // The next posterior is complete; the old half restarts from the channel.
        for (var i = tid; i < CORE_WORDS; i += WG_SIZE) {
            buf[cur + i] = clamp(channel[base_v + i], -clip, clip);
        }
        let spent = cur;
        cur = nxt;
        nxt = spent;
        workgroupBarrier();
        if (params.early_stop != 0u || it == params.iterations) {
            if (tid == 0u) {
                atomicStore(&unsatisfied, 0u);
            }
            workgroupBarrier();
            var bad = false;
//@SYNDROME@
            vote_unsatisfied(bad, tid);
            let count = workgroupUniformLoad(&unsatisfied);
            converged = count == 0u;
            if (converged && params.early_stop != 0u) {
                break;
            }
        }
    }
    for (var w = tid; w < params.out_words; w += WG_SIZE) {
        var word = 0u;
        for (var b = 0u; b < 32u; b++) {
            let i = w * 32u + b;
            if (i < params.out_bits && buf[cur + i] < 0.0) {
                word |= 1u << b;
            }
        }
        hard[block * params.out_words + w] = word;
    }
    let cut = loops_cut(tid);
    if (tid == 0u) {
        iterations_out[block] = it | select(0u, 0x80000000u, converged) | select(0u, 0x40000000u, cut);
    }
}
