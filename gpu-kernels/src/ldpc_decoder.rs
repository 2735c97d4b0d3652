//! Host side of `shaders/ldpc_decoder.wgsl`: owns its bind group layout and pipeline, uploads
//! the pruned lifted graph of a CPU [`LdpcDecoder`], and decodes batches of code blocks.

use crate::context::{GpuContext, GpuError};
use sim_core::ldpc::{DecoderAlgorithm, LdpcDecoder};

const SHADER: &str = include_str!("../shaders/ldpc_decoder.wgsl");
/// Threads per workgroup (one workgroup per code block).
pub const WG_SIZE: u32 = 128;
/// Largest check degree the kernel's private arrays hold (BG1's largest row has 19).
const MAX_DEGREE: usize = 32;

/// The `Params` uniform of the shader (field order and layout must match).
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    z: u32,
    cols: u32,
    rows: u32,
    num_edges: u32,
    iterations: u32,
    algorithm: u32,
    early_stop: u32,
    out_bits: u32,
    out_words: u32,
    scaling: f32,
    offset: f32,
    llr_clip: f32,
}

/// Result of a GPU batch decode.
#[derive(Debug, Clone)]
pub struct GpuDecodeOutput {
    /// `[batch, out_words]` hard decisions of bits `0..out_bits`, packed LSB first.
    pub hard: Vec<u32>,
    pub out_words: usize,
    /// `[batch]` iterations run.
    pub iterations: Vec<u32>,
    /// `[batch]` final hard decisions satisfy every kept check.
    pub converged: Vec<bool>,
}

impl GpuDecodeOutput {
    /// Bit `i` of block `b`.
    pub fn bit(&self, b: usize, i: usize) -> u8 {
        ((self.hard[b * self.out_words + i / 32] >> (i % 32)) & 1) as u8
    }
}

/// The decoder kernel bound to one code shape.
pub struct GpuLdpcDecoder {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    graph: [wgpu::Buffer; 4],
    params: Params,
}

fn layout_entry(binding: u32, ty: wgpu::BufferBindingType) -> wgpu::BindGroupLayoutEntry {
    wgpu::BindGroupLayoutEntry {
        binding,
        visibility: wgpu::ShaderStages::COMPUTE,
        ty: wgpu::BindingType::Buffer {
            ty,
            has_dynamic_offset: false,
            min_binding_size: None,
        },
        count: None,
    }
}

impl GpuLdpcDecoder {
    /// * `decoder` — the CPU decoder whose graph, pruning and settings to mirror;
    /// * `out_bits` — how many leading codeword bits to return.
    pub fn new(ctx: &GpuContext, decoder: &LdpcDecoder, out_bits: usize) -> Result<Self, GpuError> {
        let z = decoder.lifting_size();
        let edges = decoder.edges();
        let row_start = decoder.row_start();
        let max_deg = row_start.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
        if max_deg > MAX_DEGREE {
            return Err(GpuError::Runtime(format!(
                "check degree {max_deg} > {MAX_DEGREE}"
            )));
        }
        let cols = decoder.cols();
        let edge_data: Vec<[u32; 4]> = edges
            .iter()
            .map(|e| [e.row as u32, e.col as u32, e.shift as u32, 0])
            .collect();
        let rs: Vec<u32> = row_start.iter().map(|&x| x as u32).collect();
        let mut col_start = vec![0u32; cols + 1];
        for e in edges {
            col_start[e.col + 1] += 1;
        }
        for c in 0..cols {
            col_start[c + 1] += col_start[c];
        }
        let mut fill = col_start.clone();
        let mut col_edges = vec![0u32; edges.len()];
        for (i, e) in edges.iter().enumerate() {
            col_edges[fill[e.col] as usize] = i as u32;
            fill[e.col] += 1;
        }
        let s = decoder.settings();
        let params = Params {
            z: z as u32,
            cols: cols as u32,
            rows: decoder.rows() as u32,
            num_edges: edges.len() as u32,
            iterations: s.iterations as u32,
            algorithm: match s.algorithm {
                DecoderAlgorithm::Bp => 0,
                DecoderAlgorithm::LayeredBp => 1,
                DecoderAlgorithm::MinSum => 2,
                DecoderAlgorithm::LayeredMinSum => 3,
            },
            early_stop: s.early_stop as u32,
            out_bits: out_bits as u32,
            out_words: out_bits.div_ceil(32) as u32,
            scaling: s.scaling,
            offset: s.offset,
            llr_clip: s.llr_clip,
        };
        use wgpu::BufferBindingType::{Storage, Uniform};
        let ro = Storage { read_only: true };
        let rw = Storage { read_only: false };
        let layout = ctx
            .device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some("ldpc_decoder"),
                entries: &[
                    layout_entry(0, Uniform),
                    layout_entry(1, ro),
                    layout_entry(2, ro),
                    layout_entry(3, ro),
                    layout_entry(4, ro),
                    layout_entry(5, ro),
                    layout_entry(6, rw),
                    layout_entry(7, rw),
                    layout_entry(8, rw),
                    layout_entry(9, rw),
                ],
            });
        let module = ctx
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("ldpc_decoder.wgsl"),
                source: wgpu::ShaderSource::Wgsl(SHADER.into()),
            });
        let pipeline_layout = ctx
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some("ldpc_decoder"),
                bind_group_layouts: &[Some(&layout)],
                immediate_size: 0,
            });
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("ldpc_decoder"),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some("decode"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("WG_SIZE", WG_SIZE as f64)],
                    ..Default::default()
                },
                cache: None,
            });
        let graph = [
            ctx.storage_from("edges", &edge_data),
            ctx.storage_from("row_start", &rs),
            ctx.storage_from("col_start", &col_start),
            ctx.storage_from("col_edges", &col_edges),
        ];
        Ok(GpuLdpcDecoder {
            pipeline,
            layout,
            graph,
            params,
        })
    }

    /// Decodes `batch` code blocks.
    ///
    /// * `channel` — `[batch, cols * Z]` channel LLRs, as the CPU decoder takes them.
    pub fn decode(
        &self,
        ctx: &GpuContext,
        channel: &[f32],
        batch: usize,
    ) -> Result<GpuDecodeOutput, GpuError> {
        let p = &self.params;
        let n = (p.cols * p.z) as usize;
        if channel.len() != batch * n {
            return Err(GpuError::Runtime(format!(
                "channel LLRs: {} values for {batch} blocks of {n}",
                channel.len()
            )));
        }
        use wgpu::util::DeviceExt;
        let uniform = ctx
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("params"),
                contents: bytemuck::bytes_of(p),
                usage: wgpu::BufferUsages::UNIFORM,
            });
        let chan = ctx.storage_from("channel", channel);
        let posterior = ctx.storage("posterior", (batch * n * 4) as u64);
        let c2v = ctx.storage("c2v", (batch * (p.num_edges * p.z) as usize * 4) as u64);
        let hard = ctx.storage("hard", (batch * p.out_words as usize * 4) as u64);
        let iters = ctx.storage("iterations", (batch * 4) as u64);
        let buffers = [
            &uniform,
            &self.graph[0],
            &self.graph[1],
            &self.graph[2],
            &self.graph[3],
            &chan,
            &posterior,
            &c2v,
            &hard,
            &iters,
        ];
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("ldpc_decoder"),
            layout: &self.layout,
            entries: &entries,
        });
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &bind, &[]);
            pass.dispatch_workgroups(batch as u32, 1, 1);
        }
        ctx.queue.submit([enc.finish()]);
        let hard_words: Vec<u32> = ctx.read_back(&hard)?;
        let it: Vec<u32> = ctx.read_back(&iters)?;
        Ok(GpuDecodeOutput {
            hard: hard_words,
            out_words: p.out_words as usize,
            iterations: it.iter().map(|&x| x & 0x7fff_ffff).collect(),
            converged: it.iter().map(|&x| x & 0x8000_0000 != 0).collect(),
        })
    }
}
