// 5G NR LDPC layered (normalized/offset) min-sum decoder with the posterior in workgroup
// memory and the check messages compressed: the algorithm of the layered min-sum schedule of
// ldpc_decoder.wgsl and of the CPU decoder (sim-core/src/ldpc/decoder.rs), the same order of
// rows, comparisons and roundings, but
//
// * only the columns of degree > 1 (CORE_COLS: BG1's 26 and BG2's 14 in every pruned graph)
//   keep their posterior in workgroup memory; an extension parity column is read by exactly
//   one row, so its posterior stays in the posterior buffer (one read and one write per
//   edge and iteration);
// * a check's outgoing messages are exact functions of the two smallest input magnitudes,
//   the position of the smallest and the output signs, so a check lane stores those 12 bytes
//   (planes min1, min2, index | signs << 5 of the c2v buffer, [block][row][plane][Z])
//   instead of degree × 4 bytes, and rebuilds the old message bit-exactly.
//
// One workgroup decodes one code block; row blocks in order, in groups of consecutive rows
// that share no column (updating such a group at once gives exactly the row-by-row result)
// with a barrier between groups, its threads striding over the group's checks (check r of
// row block i reads bit (r + shift) mod Z of column block j). row_start holds the rows'
// edge starts [rows + 1], then the group boundaries [GROUPS + 1] (row indices).
//
// Bindings: as ldpc_decoder.wgsl (posterior holds the extension columns; c2v holds the
// compressed messages).
// Prefixed with ldpc_vote(_subgroup).wgsl, ldpc_common.wgsl (Params, wrap_add) and by the host with
//   const CORE_COLS: u32    leading columns of degree > 1 (all output bits among them)
//   const POST_WORDS: u32   CORE_COLS · Z
//   const GROUPS: u32       row groups

override WG_SIZE: u32 = 384u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> col_start: array<u32>;
@group(0) @binding(4) var<storage, read> col_edges: array<u32>;
@group(0) @binding(5) var<storage, read> channel: array<f32>;
@group(0) @binding(6) var<storage, read_write> posterior: array<f32>;
@group(0) @binding(7) var<storage, read_write> c2v: array<u32>;
@group(0) @binding(8) var<storage, read_write> hard: array<u32>;
@group(0) @binding(9) var<storage, read_write> iterations_out: array<u32>;

var<workgroup> post: array<f32, POST_WORDS>;
var<workgroup> unsatisfied: atomic<u32>;

// A check lane's compressed messages.
struct Check {
    min1: f32,
    min2: f32,
    // bits 0-4: edge index of min1; bit 5 + k: sign of the message on edge k.
    packed: u32,
}

fn load_check(base_m: u32, row: u32, r: u32) -> Check {
    let z = params.z;
    let i = base_m + row * 3u * z + r;
    return Check(bitcast<f32>(c2v[i]), bitcast<f32>(c2v[i + z]), c2v[i + 2u * z]);
}

fn store_check(base_m: u32, row: u32, r: u32, c: Check) {
    let z = params.z;
    let i = base_m + row * 3u * z + r;
    c2v[i] = bitcast<u32>(c.min1);
    c2v[i + z] = bitcast<u32>(c.min2);
    c2v[i + 2u * z] = c.packed;
}

// The message of edge k of a check, as the check update wrote it.
fn message(c: Check, k: u32) -> f32 {
    let m = select(c.min1, c.min2, (c.packed & 31u) == k);
    let mag = min(max(params.scaling * m - params.offset, 0.0), params.llr_clip);
    let sbit = ((c.packed >> (5u + k)) & 1u) << 31u;
    return bitcast<f32>(bitcast<u32>(mag) | sbit);
}

// The posterior of variable v (column `col`) of the block at base_v.
fn variable(base_v: u32, col: u32, v: u32) -> f32 {
    if (col < CORE_COLS) {
        return post[v];
    }
    return posterior[base_v + v];
}

// Layered update of check r of row block `row`: v2c = posterior − old message, new messages
// by min-sum, posterior = v2c + new.
fn update(base_v: u32, base_m: u32, row: u32, r: u32) {
    let z = params.z;
    let clip = params.llr_clip;
    let e0 = row_start[row];
    let deg = row_start[row + 1u] - e0;
    let old = load_check(base_m, row, r);
    var sign = 0u;
    var min1 = 3.4028235e38;
    var min2 = 3.4028235e38;
    var arg = 0u;
    for (var k = 0u; k < deg; k++) {
        let ed = edges[e0 + k];
        let v = ed.y * z + wrap_add(r, ed.z, z);
        let tv = variable(base_v, ed.y, v) - message(old, k);
        let a = abs(tv);
        let smaller = a < min1;
        min2 = select(min(min2, a), min1, smaller);
        min1 = select(min1, a, smaller);
        arg = select(arg, k, smaller);
        sign ^= bitcast<u32>(tv) & 0x80000000u;
    }
    var packed = arg;
    for (var k = 0u; k < deg; k++) {
        let ed = edges[e0 + k];
        let v = ed.y * z + wrap_add(r, ed.z, z);
        let tv = variable(base_v, ed.y, v) - message(old, k);
        let m = select(min1, min2, arg == k);
        let mag = min(max(params.scaling * m - params.offset, 0.0), clip);
        let sbit = sign ^ (bitcast<u32>(tv) & 0x80000000u);
        packed |= (sbit >> 31u) << (5u + k);
        let p = tv + bitcast<f32>(bitcast<u32>(mag) | sbit);
        if (ed.y < CORE_COLS) {
            post[v] = p;
        } else {
            posterior[base_v + v] = p;
        }
    }
    store_check(base_m, row, r, Check(min1, min2, packed));
}

// Unsatisfied checks of the hard decisions, counted into `unsatisfied`.
fn syndrome(tid: u32, base_v: u32) {
    let z = params.z;
    // A uniform trip count: every invocation reaches vote_unsatisfied.
    for (var i0 = 0u; i0 < params.rows * z; i0 += WG_SIZE) {
        let i = i0 + tid;
        var parity = 0u;
        if (i < params.rows * z) {
            let row = i / z;
            let r = i - row * z;
            let e0 = row_start[row];
            for (var k = 0u; k < row_start[row + 1u] - e0; k++) {
                let ed = edges[e0 + k];
                let v = ed.y * z + wrap_add(r, ed.z, z);
                parity ^= select(0u, 1u, variable(base_v, ed.y, v) < 0.0);
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
    let base_v = block * params.cols * z;
    let base_m = block * params.rows * 3u * z;
    let clip = params.llr_clip;
    for (var i = tid; i < params.cols * z; i += WG_SIZE) {
        let p = clamp(channel[base_v + i], -clip, clip);
        if (i < CORE_COLS * z) {
            post[i] = p;
        } else {
            posterior[base_v + i] = p;
        }
    }
    for (var i = tid; i < params.rows * 3u * z; i += WG_SIZE) {
        c2v[base_m + i] = 0u;
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
        for (var g = 0u; g < GROUPS; g++) {
            let r0 = row_start[params.rows + 1u + g];
            let lanes = (row_start[params.rows + 2u + g] - r0) * z;
            for (var i = tid; i < lanes; i += WG_SIZE) {
                let dr = i / z;
                update(base_v, base_m, r0 + dr, i - dr * z);
            }
            workgroupBarrier();
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
