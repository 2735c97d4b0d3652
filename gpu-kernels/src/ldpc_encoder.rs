//! Host side of `shaders/ldpc_encoder.wgsl`: uploads the lifted graph and the core inverse of
//! one (base graph, Z) and records the encoding of a batch of code blocks in place.

use crate::context::{grid, GpuContext, GpuError};
use sim_core::ldpc::LiftedCode;

pub(crate) const SHADER: &str = concat!(
    include_str!("../shaders/chain_params.wgsl"),
    include_str!("../shaders/ldpc_encoder.wgsl")
);

/// The encoder kernel bound to one lifted code.
pub struct GpuLdpcEncoder {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    edges: wgpu::Buffer,
    row_start: wgpu::Buffer,
    core_inv: wgpu::Buffer,
    /// Core-inverse row length in 32-bit words.
    pub words32: u32,
}

impl GpuLdpcEncoder {
    /// Fails when the code's extension rows reach other extension columns (not so in the
    /// 5G base graphs; the kernel computes all extension rows in parallel).
    pub fn new(ctx: &GpuContext, code: &LiftedCode) -> Result<Self, GpuError> {
        let kb = code.base_graph.info_cols();
        if let Some(e) = code
            .edges
            .iter()
            .find(|e| e.row >= 4 && e.col >= kb + 4 && e.col != kb + e.row)
        {
            return Err(GpuError::Runtime(format!(
                "extension row {} depends on parity column {}: not a 5G base graph",
                e.row, e.col
            )));
        }
        let edge_data: Vec<[u32; 4]> = code
            .edges
            .iter()
            .map(|e| [e.row as u32, e.col as u32, e.shift as u32, 0])
            .collect();
        let row_start: Vec<u32> = code.row_start.iter().map(|&x| x as u32).collect();
        let (inverse, row_words) = code.core_inverse();
        let core_inv: Vec<u32> = inverse
            .iter()
            .flat_map(|&w| [w as u32, (w >> 32) as u32])
            .collect();
        // Bindings: chain params; edges, row_start, core_inv; x.
        let layout = ctx.layout("ldpc_encoder", 3, 1);
        let pipeline = ctx.pipeline("ldpc_encoder.wgsl", SHADER, "encode", &layout, &[]);
        Ok(GpuLdpcEncoder {
            pipeline,
            layout,
            edges: ctx.storage_from("encoder edges", &edge_data),
            row_start: ctx.storage_from("encoder row_start", &row_start),
            core_inv: ctx.storage_from("core inverse", &core_inv),
            words32: 2 * row_words as u32,
        })
    }

    /// The bind group encoding `x` (`[blocks, x_stride]` bits) with the chain's uniform.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        params: &wgpu::Buffer,
        x: &wgpu::Buffer,
    ) -> wgpu::BindGroup {
        ctx.bind(
            "ldpc_encoder",
            &self.layout,
            &[params, &self.edges, &self.row_start, &self.core_inv, x],
        )
    }

    /// Records the encoding of `blocks` code blocks.
    pub fn record(&self, pass: &mut wgpu::ComputePass, bind: &wgpu::BindGroup, blocks: usize) {
        let (x, y) = grid(blocks as u64);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bind, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }
}
