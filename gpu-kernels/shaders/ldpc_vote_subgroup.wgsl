// Counting unsatisfied checks into the workgroup's `unsatisfied` with subgroup operations
// (adapters with wgpu's SUBGROUP feature): the subgroup sums its votes and its first active
// invocation adds the sum, one atomic per subgroup instead of one per unsatisfied check. The
// same count as ldpc_vote.wgsl. Callers reach it in uniform control flow. (No `enable
// subgroups;`: naga 30 rejects the directive and takes the builtins with the device feature.)
fn vote_unsatisfied(bad: bool, tid: u32) {
    let n = subgroupAdd(select(0u, 1u, bad));
    let first = subgroupBroadcastFirst(tid);
    if (n != 0u && tid == first) {
        atomicAdd(&unsatisfied, n);
    }
}
