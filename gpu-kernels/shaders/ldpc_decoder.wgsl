// 5G NR LDPC belief-propagation decoder: the WGSL twin of sim-core/src/ldpc/decoder.rs.
//
// One workgroup decodes one code block; its WG_SIZE threads stride over the Z lanes of a
// base-graph row block (check r of row i reads bit (r + shift) mod Z of column block j).
// Schedules: flooding (all checks from the old posterior, then variable sums) and layered
// (row blocks in order, posterior updated in place). Check rules: sum-product through
// phi(x) = -ln tanh(x/2) (same clamping as the CPU), and normalized/offset min-sum.
// LLR convention: positive means bit 0.
//
// Bindings (group 0):
//   0 params      uniform  Params
//   1 edges       storage, read        array<vec4<u32>>  [num_edges]  (row, col, shift, 0), sorted by row
//   2 row_start   storage, read        array<u32>        [rows + 1]
//   3 col_start   storage, read        array<u32>        [cols + 1]
//   4 col_edges   storage, read        array<u32>        [num_edges]  edge ids grouped by column
//   5 channel     storage, read        array<f32>        [batch, cols * Z]
//   6 posterior   storage, read_write  array<f32>        [batch, cols * Z]
//   7 c2v         storage, read_write  array<f32>        [batch, num_edges * Z]
//   8 hard        storage, read_write  array<u32>        [batch, out_words]  hard decisions of bits 0..out_bits, packed LSB first
//   9 iterations  storage, read_write  array<u32>        [batch]  iterations run; bit 31 set when converged
//  10 done        storage, read_write  array<u32>        [batch]  HARQ: 1 = skip this block (ldpc_common.wgsl, declared there)
// Workgroup size: WG_SIZE (override, default 128); dispatch (x, y) workgroups, x·y ≥ num_blocks.
// Prefixed with ldpc_vote(_subgroup).wgsl (vote_unsatisfied) and ldpc_common.wgsl (Params, phi).

override WG_SIZE: u32 = 128u;
const MAX_DEGREE: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> col_start: array<u32>;
@group(0) @binding(4) var<storage, read> col_edges: array<u32>;
@group(0) @binding(5) var<storage, read> channel: array<f32>;
@group(0) @binding(6) var<storage, read_write> posterior: array<f32>;
@group(0) @binding(7) var<storage, read_write> c2v: array<f32>;
@group(0) @binding(8) var<storage, read_write> hard: array<atomic<u32>>;
@group(0) @binding(9) var<storage, read_write> iterations_out: array<u32>;

var<workgroup> unsatisfied: atomic<u32>;

fn is_layered() -> bool {
    return params.algorithm == 1u || params.algorithm == 3u;
}

fn is_min_sum() -> bool {
    return params.algorithm >= 2u;
}

// Check update of check r of row block `row`; layered writes the posterior back in place.
fn check_row(block: u32, row: u32, r: u32) {
    let z = params.z;
    let clip = params.llr_clip;
    let base_v = block * params.cols * z;
    let base_e = block * params.num_edges * z;
    let e0 = row_start[row];
    let deg = row_start[row + 1u] - e0;
    var t: array<f32, MAX_DEGREE>;
    var idx: array<u32, MAX_DEGREE>;
    var sum = 0.0;
    var sign = 0u;
    var min1 = 3.0e38;
    var min2 = 3.0e38;
    var arg = 0u;
    for (var k = 0u; k < deg; k++) {
        let e = edges[e0 + k];
        let v = base_v + e.y * z + (r + e.z) % z;
        idx[k] = v;
        let tv = posterior[v] - c2v[base_e + (e0 + k) * z + r];
        t[k] = tv;
        sign ^= bitcast<u32>(tv) & 0x80000000u;
        let a = abs(tv);
        if (is_min_sum()) {
            if (a < min1) {
                min2 = min1;
                min1 = a;
                arg = k;
            } else {
                min2 = min(min2, a);
            }
        } else {
            sum += phi(a);
        }
    }
    for (var k = 0u; k < deg; k++) {
        let tv = t[k];
        var mag: f32;
        if (is_min_sum()) {
            mag = min(max(params.scaling * select(min1, min2, k == arg) - params.offset, 0.0), clip);
        } else {
            mag = min(phi(sum - phi(abs(tv))), clip);
        }
        let sbit = sign ^ (bitcast<u32>(tv) & 0x80000000u);
        let msg = bitcast<f32>(bitcast<u32>(mag) | sbit);
        c2v[base_e + (e0 + k) * z + r] = msg;
        if (is_layered()) {
            posterior[idx[k]] = tv + msg;
        }
    }
}

// Flooding variable update: posterior = channel + sum of the incoming check messages.
fn variable_update(block: u32, col: u32, r: u32) {
    let z = params.z;
    let clip = params.llr_clip;
    let v = block * params.cols * z + col * z + r;
    var acc = clamp(channel[v], -clip, clip);
    for (var k = col_start[col]; k < col_start[col + 1u]; k++) {
        let eid = col_edges[k];
        let e = edges[eid];
        // Check c of this edge reads bit (c + shift) mod Z; bit r is read by c = r - shift.
        let c = (r + z - e.z) % z;
        acc += c2v[block * params.num_edges * z + eid * z + c];
    }
    posterior[v] = acc;
}

// Counts unsatisfied checks of the hard decisions of the posterior into `unsatisfied`.
fn syndrome(block: u32, tid: u32) {
    let z = params.z;
    let base_v = block * params.cols * z;
    for (var row = 0u; row < params.rows; row++) {
        // A uniform trip count: every invocation reaches vote_unsatisfied.
        for (var r0 = 0u; r0 < z; r0 += WG_SIZE) {
            let r = r0 + tid;
            var parity = 0u;
            if (r < z) {
                for (var e_i = row_start[row]; e_i < row_start[row + 1u]; e_i++) {
                    let e = edges[e_i];
                    parity ^= select(0u, 1u, posterior[base_v + e.y * z + (r + e.z) % z] < 0.0);
                }
            }
            vote_unsatisfied(parity != 0u, tid);
        }
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
    let base_v = block * n;
    let base_e = block * params.num_edges * z;
    for (var i = tid; i < n; i += WG_SIZE) {
        posterior[base_v + i] = clamp(channel[base_v + i], -params.llr_clip, params.llr_clip);
    }
    for (var i = tid; i < params.num_edges * z; i += WG_SIZE) {
        c2v[base_e + i] = 0.0;
    }
    for (var i = tid; i < params.out_words; i += WG_SIZE) {
        atomicStore(&hard[block * params.out_words + i], 0u);
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
        if (is_layered()) {
            for (var row = 0u; row < params.rows; row++) {
                for (var r = tid; r < z; r += WG_SIZE) {
                    check_row(block, row, r);
                }
                storageBarrier();
                workgroupBarrier();
            }
        } else {
            for (var row = 0u; row < params.rows; row++) {
                for (var r = tid; r < z; r += WG_SIZE) {
                    check_row(block, row, r);
                }
            }
            storageBarrier();
            workgroupBarrier();
            for (var i = tid; i < n; i += WG_SIZE) {
                variable_update(block, i / z, i % z);
            }
            storageBarrier();
            workgroupBarrier();
        }
        if (params.early_stop != 0u || it == params.iterations) {
            if (tid == 0u) {
                atomicStore(&unsatisfied, 0u);
            }
            workgroupBarrier();
            syndrome(block, tid);
            let bad = workgroupUniformLoad(&unsatisfied);
            converged = bad == 0u;
            if (converged && params.early_stop != 0u) {
                break;
            }
        }
    }
    for (var i = tid; i < params.out_bits; i += WG_SIZE) {
        if (posterior[base_v + i] < 0.0) {
            atomicOr(&hard[block * params.out_words + i / 32u], 1u << (i % 32u));
        }
    }
    let cut = loops_cut(tid);
    if (tid == 0u) {
        iterations_out[block] = it | select(0u, 0x80000000u, converged) | select(0u, 0x40000000u, cut);
    }
}
