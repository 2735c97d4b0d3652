// 5G NR LDPC flooding decoder (sum-product and normalized/offset min-sum) with the decoder
// state in workgroup memory: the same algorithm, order of sums and clamping as the flooding
// schedule of ldpc_decoder.wgsl and of the CPU decoder (sim-core/src/ldpc/decoder.rs), but
// the posterior (and, when it fits, every check-to-variable message) of the block lives
// on-chip, so an iteration touches global memory only for the channel LLRs (and the
// messages when they do not fit).
//
// One workgroup decodes one code block. Check phase: its WG_SIZE threads stride over all
// rows·Z checks (check r of row block i reads bit (r + shift) mod Z of column block j) and
// read the old posterior; variable phase: they stride over the cols·Z variables and sum the
// channel LLR and the incoming messages in column-edge order.
//
// Bindings: as ldpc_decoder.wgsl (posterior holds the columns from POST_COLS on; c2v the
// messages without MSG_SHARED).
// Prefixed with ldpc_vote(_subgroup).wgsl, ldpc_common.wgsl (Params, phi, wrap_add) and by the host with
//   const POST_COLS: u32    leading columns whose posterior is on-chip: all of them, or, when
//                           they do not fit, those of degree > 1 (the rest, each read by one
//                           check only, stay in the posterior buffer)
//   const POST_WORDS: u32   workgroup floats for the posterior (POST_COLS·Z)
//   const MSG_WORDS: u32    workgroup floats for the messages (>= num_edges·Z, or 1)
//   const MSG_SHARED: bool  messages in workgroup memory (else in the c2v buffer)

override WG_SIZE: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> col_start: array<u32>;
@group(0) @binding(4) var<storage, read> col_edges: array<u32>;
@group(0) @binding(5) var<storage, read> channel: array<f32>;
@group(0) @binding(6) var<storage, read_write> posterior: array<f32>;
@group(0) @binding(7) var<storage, read_write> c2v: array<f32>;
@group(0) @binding(8) var<storage, read_write> hard: array<u32>;
@group(0) @binding(9) var<storage, read_write> iterations_out: array<u32>;

var<workgroup> post: array<f32, POST_WORDS>;
var<workgroup> msg_wg: array<f32, MSG_WORDS>;
var<workgroup> unsatisfied: atomic<u32>;

// Posterior of variable v (column `col`) of the block at base_v.
fn post_get(base_v: u32, col: u32, v: u32) -> f32 {
    if (col < POST_COLS) {
        return post[v];
    }
    return posterior[base_v + v];
}

fn post_set(base_v: u32, col: u32, v: u32, x: f32) {
    if (col < POST_COLS) {
        post[v] = x;
    } else {
        posterior[base_v + v] = x;
    }
}

fn msg_get(base_e: u32, i: u32) -> f32 {
    if (MSG_SHARED) {
        return msg_wg[i];
    }
    return c2v[base_e + i];
}

fn msg_set(base_e: u32, i: u32, v: f32) {
    if (MSG_SHARED) {
        msg_wg[i] = v;
    } else {
        c2v[base_e + i] = v;
    }
}

// Check r of row block `row`, in two passes over its edges. The first reads each input
// v2c = posterior − old message, gathers the sign and the phi sum (or the two smallest
// magnitudes) and parks phi(|v2c|) (min-sum: v2c) with the sign of v2c in the message slot;
// the second reads the slot back and writes the new message, so phi runs twice per edge and
// no per-thread arrays are needed. (Recomputing instead of parking, with the messages in
// global memory, ran slower on the H100: 756 against 857 Mbit/s for BG2 Z = 104.)
fn check(base_v: u32, base_e: u32, row: u32, r: u32) {
    let z = params.z;
    let clip = params.llr_clip;
    let min_sum = params.algorithm >= 2u;
    let e0 = row_start[row];
    let e1 = row_start[row + 1u];
    var sum = 0.0;
    var sign = 0u;
    var min1 = 3.0e38;
    var min2 = 3.0e38;
    var arg = 0u;
    for (var e = e0; e < e1; e++) {
        let ed = edges[e];
        let tv = post_get(base_v, ed.y, ed.y * z + wrap_add(r, ed.z, z)) - msg_get(base_e, e * z + r);
        let tbits = bitcast<u32>(tv) & 0x80000000u;
        sign ^= tbits;
        let a = abs(tv);
        var park = tv;
        if (min_sum) {
            if (a < min1) {
                min2 = min1;
                min1 = a;
                arg = e;
            } else {
                min2 = min(min2, a);
            }
        } else {
            let p = phi(a);
            sum += p;
            park = bitcast<f32>(bitcast<u32>(p) | tbits);
        }
        msg_set(base_e, e * z + r, park);
    }
    for (var e = e0; e < e1; e++) {
        let park = msg_get(base_e, e * z + r);
        var mag: f32;
        if (min_sum) {
            mag = min(max(params.scaling * select(min1, min2, e == arg) - params.offset, 0.0), clip);
        } else {
            mag = min(phi(sum - abs(park)), clip);
        }
        let sbit = sign ^ (bitcast<u32>(park) & 0x80000000u);
        msg_set(base_e, e * z + r, bitcast<f32>(bitcast<u32>(mag) | sbit));
    }
}

// Posterior of variable r of column block `col`: channel plus the incoming messages.
fn variable(base_v: u32, base_e: u32, col: u32, r: u32) -> f32 {
    let z = params.z;
    let clip = params.llr_clip;
    var acc = clamp(channel[base_v + col * z + r], -clip, clip);
    for (var k = col_start[col]; k < col_start[col + 1u]; k++) {
        let eid = col_edges[k];
        // Check c of this edge reads bit (c + shift) mod Z; bit r is read by c = r - shift.
        let c = wrap_add(r, z - edges[eid].z, z);
        acc += msg_get(base_e, eid * z + c);
    }
    return acc;
}

// Unsatisfied checks of the posterior's hard decisions, counted into `unsatisfied`.
fn syndrome(tid: u32, base_v: u32) {
    let z = params.z;
    // A uniform trip count: every invocation reaches vote_unsatisfied.
    for (var i0 = 0u; i0 < params.rows * z; i0 += WG_SIZE) {
        let i = i0 + tid;
        var parity = 0u;
        if (i < params.rows * z) {
            let row = i / z;
            let r = i - row * z;
            for (var e = row_start[row]; e < row_start[row + 1u]; e++) {
                let ed = edges[e];
                parity ^= select(0u, 1u, post_get(base_v, ed.y, ed.y * z + wrap_add(r, ed.z, z)) < 0.0);
            }
        }
        vote_unsatisfied(parity != 0u, tid);
    }
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
    let z = params.z;
    let n = params.cols * z;
    let checks = params.rows * z;
    let lanes = params.num_edges * z;
    let base_v = block * n;
    let base_e = select(block * lanes, 0u, MSG_SHARED);
    let clip = params.llr_clip;
    for (var i = tid; i < n; i += WG_SIZE) {
        post_set(base_v, i / z, i, clamp(channel[base_v + i], -clip, clip));
    }
    for (var i = tid; i < lanes; i += WG_SIZE) {
        msg_set(base_e, i, 0.0);
    }
    storageBarrier();
    workgroupBarrier();
    var it = 0u;
    var converged = false;
    loop {
        if (it >= params.iterations) {
            break;
        }
        it += 1u;
        for (var i = tid; i < checks; i += WG_SIZE) {
            let row = i / z;
            check(base_v, base_e, row, i - row * z);
        }
        storageBarrier();
        workgroupBarrier();
        for (var i = tid; i < n; i += WG_SIZE) {
            let col = i / z;
            post_set(base_v, col, i, variable(base_v, base_e, col, i - col * z));
        }
        storageBarrier();
        workgroupBarrier();
        if (params.early_stop != 0u || it == params.iterations) {
            if (tid == 0u) {
                atomicStore(&unsatisfied, 0u);
            }
            workgroupBarrier();
            syndrome(tid, base_v);
            let bad = workgroupUniformLoad(&unsatisfied);
            converged = bad == 0u;
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
