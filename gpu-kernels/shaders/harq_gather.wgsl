// HARQ: the leading `dst_stride` LLRs of every code block's combined circular buffer
// (`src`, `src_stride` per block: the chain's llr_x, as wide as the last transmission's
// decoder) into the input of a transmission's decoder (`dst`, `dst_stride` per block: that
// decoder's cols · Z, as the CPU's HarqCodec prunes it).
//
// Bindings:
//   0 g      uniform                 Gather
//   1 src    storage, read           array<f32>  [blocks, src_stride]
//   2 dst    storage, read_write     array<f32>  [blocks, dst_stride]

struct Gather {
    blocks: u32,
    src_stride: u32,
    dst_stride: u32,
    pad: u32,
}

@group(0) @binding(0) var<uniform> g: Gather;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(64)
fn gather(@builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_id) lid: vec3<u32>) {
    let id = (wg.y * nwg.x + wg.x) * 64u + lid.x;
    if (id >= g.blocks * g.dst_stride) {
        return;
    }
    let blk = id / g.dst_stride;
    dst[id] = src[blk * g.src_stride + id % g.dst_stride];
}
