// 5G NR LDPC systematic encoder (TS 38.212 §5.3.2): the WGSL twin of
// LiftedCode::encode_in_place. One workgroup per code block:
//   1. λ = A·s over the four core rows (info columns only), bit-packed in workgroup memory;
//   2. core parity p = B⁻¹·λ, B⁻¹ precomputed on the host (GF(2), rows of `words32` words);
//   3. extension parity: row i ≥ 4 has an identity-like block on its own column kb + i only,
//      so every (row, lane) is independent.
// chain_params.wgsl is prepended (binding 0).
//
// Bindings (group 0):
//   0 p          uniform             Chain
//   1 edges      storage, read       array<vec4<u32>> [num_edges]  (row, col, shift, 0), sorted by row
//   2 row_start  storage, read       array<u32>  [rows + 1]
//   3 core_inv   storage, read       array<u32>  [4Z, words32]  B⁻¹, row k bit j = word j/32 bit j%32
//   4 x          storage, read_write array<u32>  [count · C, x_stride]  info bits in, parity out
// Workgroup size 256; dispatch (x, y) workgroups, x·y ≥ count · C.

@group(0) @binding(0) var<uniform> p: Chain;
@group(0) @binding(1) var<storage, read> edges: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> row_start: array<u32>;
@group(0) @binding(3) var<storage, read> core_inv: array<u32>;
@group(0) @binding(4) var<storage, read_write> x: array<u32>;

const ENC_WG: u32 = 256u;
// 4 · 384 / 32: λ words for the largest lifting size.
const LAMBDA_WORDS: u32 = 48u;

var<workgroup> lambda: array<atomic<u32>, LAMBDA_WORDS>;

@compute @workgroup_size(256)
fn encode(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let cb = wg.y * nwg.x + wg.x;
    if (cb >= p.count * p.num_cb) {
        return;
    }
    let tid = lid.x;
    let z = p.z;
    let kb = p.kb;
    let base = cb * p.x_stride;
    for (var w = tid; w < LAMBDA_WORDS; w += ENC_WG) {
        atomicStore(&lambda[w], 0u);
    }
    workgroupBarrier();
    for (var k = tid; k < 4u * z; k += ENC_WG) {
        let i = k / z;
        let r = k % z;
        var acc = 0u;
        for (var e = row_start[i]; e < row_start[i + 1u]; e++) {
            let ed = edges[e];
            if (ed.y < kb) {
                acc ^= x[base + ed.y * z + (r + ed.z) % z];
            }
        }
        if (acc != 0u) {
            atomicOr(&lambda[k / 32u], 1u << (k % 32u));
        }
    }
    workgroupBarrier();
    for (var k = tid; k < 4u * z; k += ENC_WG) {
        var ones = 0u;
        for (var w = 0u; w < p.words32; w++) {
            ones += countOneBits(core_inv[k * p.words32 + w] & atomicLoad(&lambda[w]));
        }
        x[base + kb * z + k] = ones & 1u;
    }
    storageBarrier();
    workgroupBarrier();
    for (var idx = tid; idx < p.ext_rows * z; idx += ENC_WG) {
        let i = 4u + idx / z;
        let r = idx % z;
        let own = kb + i;
        var acc = 0u;
        var own_shift = 0u;
        for (var e = row_start[i]; e < row_start[i + 1u]; e++) {
            let ed = edges[e];
            if (ed.y == own) {
                own_shift = ed.z;
            } else {
                acc ^= x[base + ed.y * z + (r + ed.z) % z];
            }
        }
        x[base + own * z + (r + own_shift) % z] = acc;
    }
}
