//! Host side of the LDPC decoder kernels: owns the bind group layout and pipeline, uploads
//! the pruned lifted graph of a CPU [`LdpcDecoder`], and decodes batches of code blocks.
//!
//! Two kernels, one binding layout: `shaders/ldpc_flooding.wgsl` (flooding BP and min-sum
//! with the posterior, and the messages when they fit, in workgroup memory) is used whenever
//! the block's posterior fits the adapter's workgroup memory; `shaders/ldpc_decoder.wgsl`
//! (state in global memory) runs the layered schedules and larger flooding shapes. Layered
//! min-sum has two kernels of its own: `shaders/ldpc_layered_min_sum.wgsl` (the default) and
//! `shaders/ldpc_layered_registers.wgsl`, generated per code shape
//! (`ldpc_codegen.rs`) with the whole state on-chip.

use crate::context::{grid, GpuContext, GpuError};
use crate::ldpc_codegen::{flooding_registers_source, layered_registers_source};
use crate::ldpc_layout::{core_cols, flooding_layout, max_degree, row_groups};
use sim_core::ldpc::{DecoderAlgorithm, LdpcDecoder};

mod traffic;

const COMMON: &str = concat!(
    include_str!("../shaders/loop_canary.wgsl"),
    include_str!("../shaders/ldpc_common.wgsl")
);
const SHADER: &str = include_str!("../shaders/ldpc_decoder.wgsl");
const FLOODING: &str = include_str!("../shaders/ldpc_flooding.wgsl");
const LAYERED_MIN_SUM: &str = include_str!("../shaders/ldpc_layered_min_sum.wgsl");
const VOTE: &str = include_str!("../shaders/ldpc_vote.wgsl");
const VOTE_SUBGROUP: &str = include_str!("../shaders/ldpc_vote_subgroup.wgsl");
/// Threads per workgroup of the global-memory kernel (one workgroup per code block).
pub const WG_SIZE: u32 = 128;
/// Threads per workgroup of the workgroup-memory flooding kernel: the most Vulkan allows.
/// On the H100 the rate grew with it (BP, BG2 Z = 104, 20 iterations: 251, 448, 594 and
/// 683 Mbit/s at 128, 256, 512 and 1024 threads): few workgroups fit an SM at once.
const FLOODING_WG_SIZE: u32 = 1024;
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
    /// 1: skip the blocks the `done` binding marks (HARQ early termination).
    skip_done: u32,
    pad: [u32; 2],
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

/// Bit of a block's iteration word that the decoder kernels set when the adapter cut their
/// loops short (`loops_cut` in `ldpc_common.wgsl`).
pub const LOOPS_CUT_BIT: u32 = 0x4000_0000;

/// The error for a decode (or a chain kernel: `invocation_cut` in `transport_block.wgsl`) whose
/// loops the adapter cut short.
pub fn loops_cut_error() -> GpuError {
    GpuError::Runtime(
        "the adapter cut the GPU kernels' loops short (llvmpipe/lavapipe ends a shader \
         invocation's loops after 65535 turns in all), so the result would be wrong: use a real \
         GPU, fewer decoder iterations, smaller code or transport blocks, or --device cpu"
            .into(),
    )
}

/// Which decoder kernel runs, and where its state lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecoderKernel {
    /// `ldpc_decoder.wgsl`: posterior and messages in global memory (every schedule).
    Global,
    /// `ldpc_flooding.wgsl`: posterior in workgroup memory, messages in global memory.
    FloodingPosteriorShared,
    /// `ldpc_flooding.wgsl`: posterior and messages in workgroup memory.
    FloodingShared,
    /// `ldpc_layered_min_sum.wgsl`: layered min-sum, the posterior of the columns of degree
    /// > 1 in workgroup memory, messages compressed (two magnitudes, index, signs).
    LayeredMinSumShared,
    /// `ldpc_layered_registers.wgsl`: layered min-sum generated for the code shape, one
    /// invocation per lane of every row, the check messages and the extension columns'
    /// posterior in its registers, the core posterior in workgroup memory: no global-memory
    /// traffic per iteration. Forced only (benchmarks, tests) until timed on a real GPU.
    LayeredMinSumRegisters,
    /// `ldpc_flooding_registers.wgsl`: flooding BP generated for the code shape, one
    /// invocation per lane of every row, its messages and the extension columns' posterior
    /// in registers, the old and next core posterior in workgroup memory. Forced only
    /// (benchmarks, tests) until timed on a real GPU.
    FloodingRegisters,
    /// `ldpc_layered_registers.wgsl` for layered BP: each edge's message in a register, the
    /// core posterior in workgroup memory (the default for layered BP is `Global`). Forced
    /// only (benchmarks, tests) until timed on a real GPU.
    LayeredBpRegisters,
}

impl DecoderKernel {
    /// The fastest kernel that runs `decoder`'s shape and schedule, returning `out_bits`,
    /// within `limit` bytes of workgroup memory.
    pub fn choose(decoder: &LdpcDecoder, out_bits: usize, limit: u32) -> Self {
        let core_fits = core_fits(decoder, out_bits, limit);
        // Flooding: the messages stay in global memory even when they would fit on-chip: on
        // the H100 that ran faster (BP, BG2 Z = 104, 20 iterations: 857 against 684 Mbit/s),
        // since 40 KiB of workgroup memory per block leave too few blocks per SM.
        match decoder.settings().algorithm {
            DecoderAlgorithm::Bp | DecoderAlgorithm::MinSum if core_fits => {
                DecoderKernel::FloodingPosteriorShared
            }
            DecoderAlgorithm::LayeredMinSum if core_fits && max_degree(decoder) <= 27 => {
                DecoderKernel::LayeredMinSumShared
            }
            _ => DecoderKernel::Global,
        }
    }

    /// Whether this kernel can run `decoder`'s shape and schedule, returning `out_bits`,
    /// within `limit` bytes of workgroup memory and `max_threads` invocations per workgroup.
    pub fn fits(
        self,
        decoder: &LdpcDecoder,
        out_bits: usize,
        limit: u32,
        max_threads: u32,
    ) -> bool {
        let possible = Self::choose(decoder, out_bits, limit);
        match self {
            DecoderKernel::Global => true,
            DecoderKernel::FloodingShared => {
                let z = decoder.lifting_size();
                let (on_chip, msg) = flooding_layout(decoder, true, limit);
                possible == DecoderKernel::FloodingPosteriorShared
                    && 4 * (on_chip * z + msg) + 16 <= limit as usize
            }
            DecoderKernel::LayeredMinSumRegisters => {
                possible == DecoderKernel::LayeredMinSumShared
                    && decoder.lifting_size() <= max_threads as usize
            }
            DecoderKernel::FloodingRegisters => {
                // The old and the next core posterior.
                let z = decoder.lifting_size();
                decoder.settings().algorithm == DecoderAlgorithm::Bp
                    && core_fits(decoder, out_bits, limit)
                    && 8 * core_cols(decoder) * z + 16 <= limit as usize
                    && z <= max_threads as usize
            }
            DecoderKernel::LayeredBpRegisters => {
                decoder.settings().algorithm == DecoderAlgorithm::LayeredBp
                    && core_fits(decoder, out_bits, limit)
                    && decoder.lifting_size() <= max_threads as usize
            }
            k => possible == k,
        }
    }
}

/// Whether the posterior of `decoder`'s columns of degree > 1 fits `limit` bytes of
/// workgroup memory (4 bytes per float, plus the kernels' atomic counter) with every one of
/// the `out_bits` output bits among them.
fn core_fits(decoder: &LdpcDecoder, out_bits: usize, limit: u32) -> bool {
    let (z, core) = (decoder.lifting_size(), core_cols(decoder));
    4 * core * z + 16 <= limit as usize && out_bits <= core * z
}

/// Launch shape of a decoder kernel; `None` takes the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct DecoderTuning {
    /// Threads per workgroup.
    pub workgroup: Option<u32>,
    /// Layered kernel: at most this many consecutive rows without a common column are
    /// updated between two barriers (the result is the same as one row at a time).
    pub row_group: Option<usize>,
    /// Subgroup operations in the syndrome count (`ldpc_vote_subgroup.wgsl`): `None` uses
    /// them where the device has wgpu's SUBGROUP feature, `Some(false)` takes the atomic
    /// fallback (`ldpc_vote.wgsl`); `Some(true)` without the feature is an error.
    pub subgroups: Option<bool>,
}

/// Rows the layered kernel updates together at most.
const DEFAULT_ROW_GROUP: usize = 2;

/// The decoder kernel bound to one code shape.
pub struct GpuLdpcDecoder {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
    graph: [wgpu::Buffer; 4],
    params: Params,
    uniform: wgpu::Buffer,
    kernel: DecoderKernel,
    /// Edges into columns of degree 1 (the traffic model of the layered kernel).
    extension_edges: usize,
    /// Some posterior columns live in the global posterior buffer.
    off_chip_columns: bool,
    /// The syndrome vote uses subgroup operations.
    subgroups: bool,
}

/// The per-batch buffers of a decode: the decoder's state and its outputs.
pub struct DecoderBuffers {
    pub posterior: wgpu::Buffer,
    pub c2v: wgpu::Buffer,
    pub hard: wgpu::Buffer,
    pub iterations: wgpu::Buffer,
    /// Per block, 1 = skip it (read with [`GpuLdpcDecoder::set_blocks`]'s `skip_done`; a
    /// one-word placeholder until the link chain puts its HARQ flags here).
    pub done: wgpu::Buffer,
}

impl GpuLdpcDecoder {
    /// * `decoder` — the CPU decoder whose graph, pruning and settings to mirror;
    /// * `out_bits` — how many leading codeword bits to return.
    ///
    /// The kernel is [`DecoderKernel::choose`]'s, or a generated one where it fits when
    /// [`GpuContext::set_generated_decoders`] is on.
    pub fn new(ctx: &GpuContext, decoder: &LdpcDecoder, out_bits: usize) -> Result<Self, GpuError> {
        let lim = ctx.device.limits();
        let limit = lim.max_compute_workgroup_storage_size;
        let threads = lim
            .max_compute_invocations_per_workgroup
            .min(lim.max_compute_workgroup_size_x);
        let generated = [
            DecoderKernel::LayeredMinSumRegisters,
            DecoderKernel::FloodingRegisters,
            DecoderKernel::LayeredBpRegisters,
        ];
        let kernel = generated
            .into_iter()
            .filter(|k| ctx.generated_decoders() && k.fits(decoder, out_bits, limit, threads))
            .chain([DecoderKernel::choose(decoder, out_bits, limit)])
            .next()
            .expect("choose always gives a kernel");
        Self::with_kernel(ctx, decoder, out_bits, kernel)
    }

    /// As [`Self::new`] with the kernel given (for benchmarks and tests); a kernel that cannot
    /// run this shape (a layered schedule, or state beyond the workgroup memory) is an error.
    pub fn with_kernel(
        ctx: &GpuContext,
        decoder: &LdpcDecoder,
        out_bits: usize,
        kernel: DecoderKernel,
    ) -> Result<Self, GpuError> {
        Self::with_tuning(ctx, decoder, out_bits, kernel, DecoderTuning::default())
    }

    /// As [`Self::with_kernel`] with the launch shape given (for benchmarks).
    pub fn with_tuning(
        ctx: &GpuContext,
        decoder: &LdpcDecoder,
        out_bits: usize,
        kernel: DecoderKernel,
        tuning: DecoderTuning,
    ) -> Result<Self, GpuError> {
        let z = decoder.lifting_size();
        let edges = decoder.edges();
        let row_start = decoder.row_start();
        let max_deg = max_degree(decoder);
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
        let mut rs: Vec<u32> = row_start.iter().map(|&x| x as u32).collect();
        // The layered kernel's row groups follow the row starts (see its header).
        let groups = row_groups(decoder, tuning.row_group.unwrap_or(DEFAULT_ROW_GROUP), 1024);
        rs.extend(groups.iter().map(|&g| g as u32));
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
            skip_done: 0,
            pad: [0; 2],
        };
        // Bindings: params; edges, row_start, col_start, col_edges, channel; posterior, c2v,
        // hard, iterations, done.
        let layout = ctx.layout("ldpc_decoder", 5, 5);
        let lim = ctx.device.limits();
        let limit = lim.max_compute_workgroup_storage_size;
        let max_wg = lim
            .max_compute_invocations_per_workgroup
            .min(lim.max_compute_workgroup_size_x);
        let fits = kernel.fits(decoder, out_bits, limit, max_wg);
        if !fits {
            return Err(GpuError::Runtime(format!(
                "decoder kernel {kernel:?} cannot run {:?} with {cols} × {} edges at Z = {z} \
                 in {limit} bytes of workgroup memory",
                s.algorithm,
                edges.len()
            )));
        }
        // Threads per workgroup within the adapter's limits.
        let fit = |wg: u32| wg.min(max_wg) as f64;
        let subgroups = match tuning.subgroups {
            Some(true) if !ctx.subgroups() => {
                return Err(GpuError::Runtime(format!(
                    "subgroup operations asked for, but {} lacks wgpu's SUBGROUP feature",
                    ctx.adapter.name
                )))
            }
            Some(on) => on,
            None => ctx.subgroups(),
        };
        let vote = if subgroups { VOTE_SUBGROUP } else { VOTE };
        let pipeline = match kernel {
            DecoderKernel::Global => ctx.pipeline(
                "ldpc_decoder.wgsl",
                &format!("{vote}{COMMON}{SHADER}"),
                "decode",
                &layout,
                &[("WG_SIZE", WG_SIZE as f64)],
            ),
            DecoderKernel::LayeredMinSumShared => {
                let core = core_cols(decoder);
                let widest = groups.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(1);
                let source = format!(
                    "{vote}const CORE_COLS: u32 = {core}u;\nconst POST_WORDS: u32 = {}u;\n\
                     const GROUPS: u32 = {}u;\n{COMMON}{LAYERED_MIN_SUM}",
                    core * z,
                    groups.len() - 1
                );
                let wg = (widest * z).next_multiple_of(32).clamp(64, 1024) as u32;
                ctx.pipeline(
                    "ldpc_layered_min_sum.wgsl",
                    &source,
                    "decode",
                    &layout,
                    &[("WG_SIZE", fit(tuning.workgroup.unwrap_or(wg)))],
                )
            }
            DecoderKernel::LayeredMinSumRegisters
            | DecoderKernel::FloodingRegisters
            | DecoderKernel::LayeredBpRegisters => {
                // One invocation per lane (at least a warp).
                let wg = (z.next_multiple_of(32) as u32).min(max_wg).max(z as u32);
                let (label, body) = match kernel {
                    DecoderKernel::FloodingRegisters => (
                        "ldpc_flooding_registers.wgsl",
                        flooding_registers_source(decoder),
                    ),
                    k => (
                        "ldpc_layered_registers.wgsl",
                        layered_registers_source(decoder, k == DecoderKernel::LayeredBpRegisters),
                    ),
                };
                ctx.pipeline(
                    label,
                    &format!("{vote}{COMMON}{body}"),
                    "decode",
                    &layout,
                    &[("WG_SIZE", wg as f64)],
                )
            }
            _ => {
                let shared = kernel == DecoderKernel::FloodingShared;
                let (on_chip, msg) = flooding_layout(decoder, shared, limit);
                let source = format!(
                    "{vote}const POST_COLS: u32 = {on_chip}u;\nconst POST_WORDS: u32 = {}u;\n\
                     const MSG_WORDS: u32 = {msg}u;\nconst MSG_SHARED: bool = {shared};\n\
                     {COMMON}{FLOODING}",
                    on_chip * z
                );
                ctx.pipeline(
                    "ldpc_flooding.wgsl",
                    &source,
                    "decode",
                    &layout,
                    &[("WG_SIZE", fit(tuning.workgroup.unwrap_or(FLOODING_WG_SIZE)))],
                )
            }
        };
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
            kernel,
            subgroups,
            extension_edges: {
                let core = core_cols(decoder);
                edges.iter().filter(|e| e.col >= core).count()
            },
            off_chip_columns: match kernel {
                DecoderKernel::Global | DecoderKernel::LayeredMinSumShared => true,
                DecoderKernel::LayeredMinSumRegisters
                | DecoderKernel::FloodingRegisters
                | DecoderKernel::LayeredBpRegisters => false,
                k => {
                    let shared = k == DecoderKernel::FloodingShared;
                    flooding_layout(decoder, shared, limit).0 < cols
                }
            },
        })
    }

    /// The kernel this decoder runs.
    pub fn kernel(&self) -> DecoderKernel {
        self.kernel
    }

    /// Whether the syndrome count uses subgroup operations ([`DecoderTuning::subgroups`]).
    pub fn subgroups(&self) -> bool {
        self.subgroups
    }

    /// LLRs per code block (`cols · Z`) and packed output words per block.
    pub fn shape(&self) -> (usize, usize) {
        (
            (self.params.cols * self.params.z) as usize,
            self.params.out_words as usize,
        )
    }

    /// Buffers for up to `blocks` code blocks (one float where a buffer is not used).
    pub fn buffers(&self, ctx: &GpuContext, blocks: usize) -> DecoderBuffers {
        let p = &self.params;
        let b = blocks as u64;
        DecoderBuffers {
            posterior: ctx.storage("posterior", (b * self.posterior_words()).max(1) * 4),
            c2v: ctx.storage("c2v", (b * self.message_words()).max(1) * 4),
            hard: ctx.storage("hard", b * p.out_words as u64 * 4),
            iterations: ctx.storage("iterations", b * 4),
            done: ctx.storage("done", 4),
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
                &bufs.done,
            ],
        )
    }

    /// Sets the number of blocks the next submitted dispatch decodes (a queued write), and
    /// whether it skips the blocks marked in [`DecoderBuffers::done`] (HARQ: their transport
    /// block passed in an earlier transmission; their hard decisions and iteration words are
    /// left as they are).
    pub fn set_blocks(&self, ctx: &GpuContext, blocks: usize, skip_done: bool) {
        let mut p = self.params;
        p.num_blocks = blocks as u32;
        p.skip_done = skip_done as u32;
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
        self.set_blocks(ctx, batch, false);
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            self.record(&mut pass, &bind, batch);
        }
        ctx.queue.submit([enc.finish()]);
        let hard: Vec<u32> = ctx.read_back(&bufs.hard)?;
        let it: Vec<u32> = ctx.read_back(&bufs.iterations)?;
        // A pipeline wgpu rejected leaves the buffers untouched: report it, not zeros.
        ctx.check()?;
        if it.iter().any(|&x| x & LOOPS_CUT_BIT != 0) {
            return Err(loops_cut_error());
        }
        Ok(GpuDecodeOutput {
            hard,
            out_words,
            iterations: it.iter().map(|&x| x & 0x3fff_ffff).collect(),
            converged: it.iter().map(|&x| x & 0x8000_0000 != 0).collect(),
        })
    }
}
