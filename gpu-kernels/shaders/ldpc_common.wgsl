// Shared by the LDPC decoder kernels (ldpc_decoder.wgsl, ldpc_flooding.wgsl, the generated
// ones): the Params uniform (mirrored by `Params` in gpu-kernels/src/ldpc_decoder.rs), the
// sum-product check function phi with the CPU decoder's clamping, the sum-product reply and
// the hard decision, and the HARQ skip of code blocks decoded earlier.

struct Params {
    z: u32,
    cols: u32,
    rows: u32,
    num_edges: u32,
    iterations: u32,
    // 0 = bp (flooding), 1 = layered-bp, 2 = min-sum (flooding), 3 = layered-min-sum
    algorithm: u32,
    early_stop: u32,
    out_bits: u32,
    out_words: u32,
    scaling: f32,
    offset: f32,
    llr_clip: f32,
    num_blocks: u32,
    // 1: skip the code blocks `done` marks (the link chain's HARQ early termination).
    skip_done: u32,
    pad1: u32,
    pad2: u32,
}

// Per code block: 1 when its transport block passed its CRC in an earlier HARQ transmission
// (written by transport_block.wgsl's outcome kernel); read only when params.skip_done is set (a
// one-word placeholder otherwise).
@group(0) @binding(10) var<storage, read_write> done: array<u32>;

const PHI_MIN: f32 = 8.5e-8;
const PHI_MAX: f32 = 16.635532;

// phi with the CPU's formula: ln(1 + u), u = 2t / (1 - t), t = e^-x; series for 1 - t at small x.
// The series multiplies by 1/k where the CPU divides by k (a division costs a special-function
// instruction on GPUs, the decoder's bottleneck; the results differ in the last bit at most,
// as the built-in exp and log already do).
fn phi(x_in: f32) -> f32 {
    let x = clamp(x_in, PHI_MIN, PHI_MAX);
    let t = exp(-x);
    let series = x * (1.0 - x * 0.5 * (1.0 - x * 0.33333334 * (1.0 - x * 0.25 * (1.0 - x * 0.2 * (1.0 - x * 0.16666667)))));
    let one_minus_t = select(1.0 - t, series, x < 0.25);
    let u = 2.0 * t / one_minus_t;
    let y = 1.0 + u;
    return log(y) * (u / (y - 1.0));
}

// (r + shift) mod z for r, shift < z, without an integer division.
fn wrap_add(r: u32, shift: u32, z: u32) -> u32 {
    let s = r + shift;
    return select(s, s - z, s >= z);
}

// The sum-product message on an edge with input t, phi(|t|) = q, of a check with phi sum `sum`
// and sign product `sign` (the sign bits of its inputs): the CPU's min(phi(sum − q), clip)
// with the sign of the other inputs.
fn reply(sum: f32, q: f32, sign: u32, t: f32) -> f32 {
    let mag = min(phi(sum - q), params.llr_clip);
    return bitcast<f32>(bitcast<u32>(mag) | (sign ^ (bitcast<u32>(t) & 0x80000000u)));
}

// 1 for a negative LLR (hard decision 1), as the CPU decides.
fn neg(x: f32) -> u32 {
    return select(0u, 1u, x < 0.0);
}

// The lavapipe loop limit (loop_canary.wgsl) checked over the workgroup: each kernel ends
// with this, reports a cut in any invocation as bit 30 of the block's iteration word, and the
// host refuses the result (GpuError). Called from uniform control flow.
fn loops_cut(tid: u32) -> bool {
    workgroupBarrier();
    if (tid == 0u) {
        atomicStore(&unsatisfied, 0u);
    }
    workgroupBarrier();
    if (loops_were_cut(params.out_words + 2u)) {
        atomicOr(&unsatisfied, 1u);
    }
    return workgroupUniformLoad(&unsatisfied) != 0u;
}

// HARQ early termination: true when `block` needs no decode in this transmission (its
// transport block passed already); the kernel then returns, leaving the block's hard
// decisions and iteration word as the passing transmission left them. Uniform over the
// workgroup; called from uniform control flow.
fn already_decoded(block: u32, tid: u32) -> bool {
    if (params.skip_done == 0u) {
        return false;
    }
    if (tid == 0u) {
        atomicStore(&unsatisfied, done[block]);
    }
    return workgroupUniformLoad(&unsatisfied) != 0u;
}
