// 5G NR LDPC layered decoders generated for one pruned graph, with the whole decoder state
// on-chip: normalized/offset min-sum (the algorithm, order of rows and comparisons, and
// roundings of ldpc_layered_min_sum.wgsl) and sum-product (layered BP, as the global-memory
// kernel ldpc_decoder.wgsl runs it), both as the CPU decoder (sim-core/src/ldpc/decoder.rs),
// but
//
// * one invocation per lane r < Z of the block: it updates check r of every row block, so a
//   check's messages (min-sum: compressed as the two scaled magnitudes, the index of the
//   smallest input and the signs; BP: one per edge) live in that invocation's registers from
//   one iteration to the next instead of global memory;
// * an extension parity column (degree 1) is read and written only by the one check lane that
//   touches it, so its posterior lives in a register of that invocation too; only the columns
//   of degree > 1 (CORE_COLS) share their posterior in workgroup memory;
// * the host generates the row updates as straight-line code (ldpc_codegen.rs): each
//   edge's column, shift and index are constants, the check's inputs stay in registers between
//   the min search and the write-back (read once from workgroup memory), and consecutive rows
//   with no common core column share one barrier.
//
// Global memory is read once per block (the channel LLRs) and written once (hard decisions).
// The generated code replaces the marker lines STATE (declarations and initial values of the
// per-invocation state), ROWS (one iteration: every row, barriers between groups) and
// SYNDROME (sets `bad` when one of the lane's checks is unsatisfied).
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

var<workgroup> post: array<f32, CORE_WORDS>;
var<workgroup> unsatisfied: atomic<u32>;

const BIG: f32 = 3.4028235e38;
const SIGN: u32 = 0x80000000u;

// (l + s) mod Z for l, s < Z.
fn wrap(l: u32, s: u32) -> u32 {
    let v = l + s;
    return select(v, v - Z, v >= Z);
}

// The magnitude of a message whose smallest other input is m: scaled, offset and clipped as
// the CPU does (applied to both minima before selecting one: the same bits).
fn magnitude(m: f32) -> f32 {
    return min(max(params.scaling * m - params.offset, 0.0), params.llr_clip);
}

// The message the last update of a check sent on edge k: magnitude m2 on the edge of the
// smallest input, m1 elsewhere; `packed` holds that edge's index (bits 0-4) and the signs
// (bit 5 + k).
fn message(m1: f32, m2: f32, packed: u32, k: u32) -> f32 {
    let mag = select(m1, m2, (packed & 31u) == k);
    let sbit = ((packed >> (5u + k)) & 1u) << 31u;
    return bitcast<f32>(bitcast<u32>(mag) | sbit);
}

// The min-sum search over a check's inputs: the two smallest magnitudes, the first edge of the
// smallest, the product of the signs.
struct Track {
    min1: f32,
    min2: f32,
    arg: u32,
    sign: u32,
}

fn track(s: Track, t: f32, k: u32) -> Track {
    let a = abs(t);
    let smaller = a < s.min1;
    return Track(select(s.min1, a, smaller), select(min(s.min2, a), s.min1, smaller),
                 select(s.arg, k, smaller), s.sign ^ (bitcast<u32>(t) & SIGN));
}

// The new message on edge k (input t) of a check searched into `s`, magnitudes n1 and n2.
fn answer(s: Track, n1: f32, n2: f32, t: f32, k: u32) -> f32 {
    let sbit = s.sign ^ (bitcast<u32>(t) & SIGN);
    return bitcast<f32>(bitcast<u32>(select(n1, n2, s.arg == k)) | sbit);
}

// Its sign in the packed state.
fn sign_bit(s: Track, t: f32, k: u32) -> u32 {
    return ((s.sign ^ bitcast<u32>(t)) >> 31u) << (5u + k);
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
        post[i] = clamp(channel[base_v + i], -clip, clip);
    }
//@STATE@
    workgroupBarrier();
    var it = 0u;
    var converged = false;
    loop {
        if (it >= params.iterations) {
            break;
        }
        it += 1u;
//@ROWS@
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
            if (i < params.out_bits && post[i] < 0.0) {
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
