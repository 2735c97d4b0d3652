//! Host side of `shaders/ldpc_decoder.wgsl`: owns its bind group layout and pipeline, uploads
//! the pruned lifted graph of a CPU [`LdpcDecoder`], and decodes batches of code blocks.

use crate::context::{grid, GpuContext, GpuError};
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
    num_blocks: u32,
    pad: [u32; 3],
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
    uniform: wgpu::Buffer,
}

/// The per-batch buffers of a decode: the decoder's state and its outputs.
pub struct DecoderBuffers {
    pub posterior: wgpu::Buffer,
    pub c2v: wgpu::Buffer,
    pub hard: wgpu::Buffer,
    pub iterations: wgpu::Buffer,
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
            num_blocks: 0,
            pad: [0; 3],
        };
        // Bindings: params; edges, row_start, col_start, col_edges, channel; posterior, c2v,
        // hard, iterations.
        let layout = ctx.layout("ldpc_decoder", 5, 4);
        let pipeline = ctx.pipeline(
            "ldpc_decoder.wgsl",
            SHADER,
            "decode",
            &layout,
            &[("WG_SIZE", WG_SIZE as f64)],
        );
        let graph = [
            ctx.storage_from("edges", &edge_data),
            ctx.storage_from("row_start", &rs),
            ctx.storage_from("col_start", &col_start),
            ctx.storage_from("col_edges", &col_edges),
        ];
        let uniform = ctx.uniform("ldpc_decoder params", &params);
        Ok(GpuLdpcDecoder {
            pipeline,
            layout,
            graph,
            params,
            uniform,
        })
    }

    /// LLRs per code block (`cols · Z`) and packed output words per block.
    pub fn shape(&self) -> (usize, usize) {
        (
            (self.params.cols * self.params.z) as usize,
            self.params.out_words as usize,
        )
    }

    /// Bytes of decoder buffers per code block (posterior, messages, outputs).
    pub fn bytes_per_block(&self) -> u64 {
        let p = &self.params;
        4 * (p.cols * p.z + p.num_edges * p.z + p.out_words + 1) as u64
    }

    /// Bytes of the largest decoder buffer (the messages) per code block.
    pub fn largest_binding_per_block(&self) -> u64 {
        4 * (self.params.num_edges * self.params.z) as u64
    }

    /// Buffers for up to `blocks` code blocks.
    pub fn buffers(&self, ctx: &GpuContext, blocks: usize) -> DecoderBuffers {
        let p = &self.params;
        let b = blocks as u64;
        DecoderBuffers {
            posterior: ctx.storage("posterior", b * (p.cols * p.z) as u64 * 4),
            c2v: ctx.storage("c2v", b * (p.num_edges * p.z) as u64 * 4),
            hard: ctx.storage("hard", b * p.out_words as u64 * 4),
            iterations: ctx.storage("iterations", b * 4),
        }
    }

    /// The bind group decoding `channel` (`[blocks, cols · Z]` LLRs) into `bufs`.
    pub fn bind(
        &self,
        ctx: &GpuContext,
        channel: &wgpu::Buffer,
        bufs: &DecoderBuffers,
    ) -> wgpu::BindGroup {
        ctx.bind(
            "ldpc_decoder",
            &self.layout,
            &[
                &self.uniform,
                &self.graph[0],
                &self.graph[1],
                &self.graph[2],
                &self.graph[3],
                channel,
                &bufs.posterior,
                &bufs.c2v,
                &bufs.hard,
                &bufs.iterations,
            ],
        )
    }

    /// Sets the number of blocks the next submitted dispatch decodes (a queued write).
    pub fn set_blocks(&self, ctx: &GpuContext, blocks: usize) {
        let mut p = self.params;
        p.num_blocks = blocks as u32;
        ctx.queue
            .write_buffer(&self.uniform, 0, bytemuck::bytes_of(&p));
    }

    /// Records the decode of `blocks` code blocks into `pass` (after [`Self::set_blocks`]).
    pub fn record(&self, pass: &mut wgpu::ComputePass, bind: &wgpu::BindGroup, blocks: usize) {
        let (x, y) = grid(blocks as u64);
        pass.set_pipeline(&self.pipeline);
        pass.set_bind_group(0, bind, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// Decodes `batch` code blocks in one round trip (the link chain uses [`Self::record`]).
    ///
    /// * `channel` — `[batch, cols * Z]` channel LLRs, as the CPU decoder takes them.
    pub fn decode(
        &self,
        ctx: &GpuContext,
        channel: &[f32],
        batch: usize,
    ) -> Result<GpuDecodeOutput, GpuError> {
        let (n, out_words) = self.shape();
        if channel.len() != batch * n {
            return Err(GpuError::Runtime(format!(
                "channel LLRs: {} values for {batch} blocks of {n}",
                channel.len()
            )));
        }
        let chan = ctx.storage_from("channel", channel);
        let bufs = self.buffers(ctx, batch);
        let bind = self.bind(ctx, &chan, &bufs);
        self.set_blocks(ctx, batch);
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            self.record(&mut pass, &bind, batch);
        }
        ctx.queue.submit([enc.finish()]);
        let hard: Vec<u32> = ctx.read_back(&bufs.hard)?;
        let it: Vec<u32> = ctx.read_back(&bufs.iterations)?;
        Ok(GpuDecodeOutput {
            hard,
            out_words,
            iterations: it.iter().map(|&x| x & 0x7fff_ffff).collect(),
            converged: it.iter().map(|&x| x & 0x8000_0000 != 0).collect(),
        })
    }
}
