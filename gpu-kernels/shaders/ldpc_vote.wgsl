// Counting unsatisfied checks into the workgroup's `unsatisfied` (declared by each decoder
// kernel), without subgroup operations: one atomic per unsatisfied check. The host prepends
// this or ldpc_vote_subgroup.wgsl to the decoder kernels. Callers reach it in uniform
// control flow (every invocation, `bad` false for lanes past the end).
fn vote_unsatisfied(bad: bool, tid: u32) {
    if (bad) {
        atomicAdd(&unsatisfied, 1u);
    }
}
