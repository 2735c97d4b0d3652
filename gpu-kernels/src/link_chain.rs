//! Host side of `shaders/link_chain.wgsl`: the whole coded link of one [`LinkSpec`] on the
//! GPU. A batch is one queue submission (source → LDPC encoder → symbols → rate recovery →
//! LDPC decoder → outcome); only the per-block outcomes (16 bytes each) come back.

use crate::context::{grid, GpuContext, GpuError};
use crate::ldpc_decoder::{DecoderBuffers, GpuLdpcDecoder};
use crate::ldpc_encoder::GpuLdpcEncoder;
use sim_core::ldpc::rate_match::FILLER_LLR;
use sim_core::ldpc::{LiftedCode, RateMatcher};
use sim_core::link::{Coding, LinkSpec, PointSpec};
use sim_core::scenario::schema::{ChannelModel, Fading};
use sim_core::{BlockOutcome, Constellation, DemapperKind, Modulation};

const SHADER: &str = concat!(
    include_str!("../shaders/chain_params.wgsl"),
    include_str!("../shaders/fastmath.wgsl"),
    include_str!("../shaders/philox.wgsl"),
    include_str!("../shaders/link_chain.wgsl")
);
/// Threads per workgroup of the per-item chain kernels (`WG` in the shader).
const WG: u64 = 64;

/// The `Chain` uniform (field order and layout must match `chain_params.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
struct ChainParams {
    seed_lo: u32,
    seed_hi: u32,
    point: u32,
    first_block: u32,
    count: u32,
    a_len: u32,
    b_len: u32,
    num_cb: u32,
    cb_data: u32,
    k_prime: u32,
    cb_crc: u32,
    tb_crc: u32,
    z: u32,
    kb: u32,
    x_stride: u32,
    e_lo: u32,
    e_hi: u32,
    cb_lo: u32,
    g_len: u32,
    qm: u32,
    m_dim: u32,
    bpsk: u32,
    channel: u32,
    demapper: u32,
    coded: u32,
    out_words: u32,
    filler_start: u32,
    filler_end: u32,
    ext_rows: u32,
    words32: u32,
    no: f32,
    noise_scale: f32,
    fading_scale: f32,
    filler_llr: f32,
    pad: [u32; 2],
}

/// The LDPC part of a chain.
struct Coder {
    encoder: GpuLdpcEncoder,
    decoder: GpuLdpcDecoder,
}

/// Bytes per transport block of the chain's own batch buffers.
struct TbBytes {
    b: u64,
    x: u64,
    llr: u64,
    llr_x: u64,
    outcome: u64,
}

/// Buffers of one batch size.
struct BatchBuffers {
    capacity: usize,
    b: wgpu::Buffer,
    x: wgpu::Buffer,
    llr: wgpu::Buffer,
    llr_x: wgpu::Buffer,
    /// Held with the bind groups that use them.
    _decoder: Option<DecoderBuffers>,
    outcomes: wgpu::Buffer,
    chain_bind: wgpu::BindGroup,
    encoder_bind: Option<wgpu::BindGroup>,
    decoder_bind: Option<wgpu::BindGroup>,
}

/// Every intermediate of a batch, read back (for the agreement tests).
#[derive(Debug, Clone)]
pub struct ChainTrace {
    /// `[count, B]` TB bits with CRC.
    pub b: Vec<u32>,
    /// `[count · C, x_stride]` codeword bits (the first `x_stride` of the lifted codeword).
    pub x: Vec<u32>,
    /// `[count, G]` channel LLRs.
    pub llr: Vec<f32>,
    /// `[count · C, x_stride]` decoder input LLRs.
    pub llr_x: Vec<f32>,
    pub outcomes: Vec<BlockOutcome>,
    pub x_stride: usize,
}

/// The GPU pipeline of one link.
pub struct GpuLinkChain {
    base: ChainParams,
    layout: wgpu::BindGroupLayout,
    pipelines: [wgpu::ComputePipeline; 4],
    statics: [wgpu::Buffer; 4],
    uniform: wgpu::Buffer,
    coder: Option<Coder>,
    batch: Option<BatchBuffers>,
}

impl GpuLinkChain {
    /// Builds the kernels and tables for `link`.
    ///
    /// LDPC links need the same E for every code block (one rate-matching table); others
    /// get a clear error (the CPU executor runs them).
    pub fn new(ctx: &GpuContext, link: &LinkSpec) -> Result<Self, GpuError> {
        if link.ofdm.is_some() {
            return Err(GpuError::Runtime(
                "OFDM links run on the CPU executor in this version: use --device cpu".into(),
            ));
        }
        let constellation = Constellation::new(link.modulation);
        let qm = link.modulation.bits_per_symbol();
        let mut base = ChainParams {
            a_len: link.info_bits as u32,
            b_len: link.info_bits as u32,
            num_cb: 1,
            g_len: link.coded_bits as u32,
            qm: qm as u32,
            m_dim: constellation.levels.len().trailing_zeros(),
            bpsk: (link.modulation == Modulation::Bpsk) as u32,
            channel: match (link.channel, link.fading) {
                (ChannelModel::Awgn, _) => 0,
                (ChannelModel::Rayleigh, Fading::Fast) => 1,
                (ChannelModel::Rayleigh, Fading::Block) => 2,
                (ChannelModel::Tdl | ChannelModel::Cdl, _) => {
                    return Err(GpuError::Runtime("TDL/CDL need an OFDM link".into()))
                }
            },
            demapper: (link.demapper == DemapperKind::MaxLog) as u32,
            fading_scale: 0.5f32.sqrt(),
            filler_llr: FILLER_LLR,
            ..Default::default()
        };
        let mut d_index = vec![0u32];
        let mut rec_start = vec![0u32, 0];
        let mut rec_e = vec![0u32];
        let mut coder = None;
        if let Coding::Ldpc { params, decoder } = &link.coding {
            let (e_lo, e_hi) = (params.e[0], params.e[params.e.len() - 1]);
            let cb_lo = params.e.iter().filter(|&&e| e == e_lo).count();
            if params.e[..cb_lo].iter().any(|&e| e != e_lo)
                || params.e[cb_lo..].iter().any(|&e| e != e_hi)
            {
                return Err(GpuError::Runtime(format!(
                    "rate-matching lengths {:?} are not E_lo… then E_hi… (TS 38.212 §5.4.2.1)",
                    params.e
                )));
            }
            let z = params.lifting_size;
            let code = LiftedCode::get(params.base_graph, z);
            let matchers = [
                RateMatcher::new(params, e_lo),
                RateMatcher::new(params, e_hi),
            ];
            let used = matchers.iter().map(|m| m.used_len()).max().unwrap_or(0);
            let dec = sim_core::ldpc::LdpcDecoder::new(code.clone(), used, *decoder);
            let x_stride = dec.cols() * z;
            let gpu_decoder = GpuLdpcDecoder::new(ctx, &dec, params.k_prime)?;
            let encoder = GpuLdpcEncoder::new(ctx, &code)?;
            // Per table, the CSR of the output bits of each d position in ascending order
            // (the CPU's summation order), tables back to back.
            let d_len = x_stride - 2 * z;
            d_index = Vec::new();
            rec_start = Vec::new();
            rec_e = Vec::new();
            for m in &matchers {
                let offset = rec_e.len() as u32;
                let mut counts = vec![0u32; d_len + 1];
                for &k in &m.d_index {
                    counts[k as usize + 1] += 1;
                }
                for k in 0..d_len {
                    counts[k + 1] += counts[k];
                }
                let mut fill = counts.clone();
                let mut table = vec![0u32; m.e];
                for (t, &k) in m.d_index.iter().enumerate() {
                    table[fill[k as usize] as usize] = t as u32;
                    fill[k as usize] += 1;
                }
                rec_start.extend(counts.iter().map(|&c| c + offset));
                rec_e.extend(table);
                d_index.extend(&m.d_index);
            }
            let fillers = params.filler_range();
            let kb = params.base_graph.info_cols();
            base = ChainParams {
                b_len: params.b as u32,
                num_cb: params.num_code_blocks as u32,
                cb_data: (params.k_prime - if params.cb_crc { 24 } else { 0 }) as u32,
                k_prime: params.k_prime as u32,
                cb_crc: params.cb_crc as u32,
                tb_crc: match params.tb_crc {
                    None => 0,
                    Some(sim_core::crc::CrcPoly::Crc24A) => 1,
                    Some(sim_core::crc::CrcPoly::Crc24B) => 2,
                    Some(sim_core::crc::CrcPoly::Crc16) => 3,
                },
                z: z as u32,
                kb: kb as u32,
                x_stride: x_stride as u32,
                e_lo: e_lo as u32,
                e_hi: e_hi as u32,
                cb_lo: cb_lo as u32,
                coded: 1,
                out_words: params.k_prime.div_ceil(32) as u32,
                filler_start: fillers.start as u32,
                filler_end: fillers.end as u32,
                ext_rows: (dec.cols() - kb - 4) as u32,
                words32: encoder.words32,
                ..base
            };
            coder = Some(Coder {
                encoder,
                decoder: gpu_decoder,
            });
        }
        // Bindings: params; levels, d_index, rec_start, rec_e; b, x, llr, llr_x, hard, iters,
        // outcomes (link_chain.wgsl header).
        let layout = ctx.layout("link_chain", 4, 7);
        let pipelines = ["tb_source", "symbols", "rate_recover", "outcome"]
            .map(|entry| ctx.pipeline("link_chain.wgsl", SHADER, entry, &layout, &[]));
        let statics = [
            ctx.storage_from("levels", &constellation.levels),
            ctx.storage_from("d_index", &d_index),
            ctx.storage_from("rec_start", &rec_start),
            ctx.storage_from("rec_e", &rec_e),
        ];
        let uniform = ctx.uniform("chain params", &base);
        Ok(GpuLinkChain {
            base,
            layout,
            pipelines,
            statics,
            uniform,
            coder,
            batch: None,
        })
    }

    /// Bytes of batch buffers per transport block, and of the largest single buffer per TB.
    pub fn bytes_per_block(&self) -> (u64, u64) {
        let c = self.base.num_cb as u64;
        let dec = self.coder.as_ref().map_or((0, 0), |k| {
            (
                k.decoder.bytes_per_block(),
                k.decoder.largest_binding_per_block(),
            )
        });
        let t = self.tb_bytes();
        let total = t.b + t.x + t.llr + t.llr_x + t.outcome + c * dec.0;
        (total, (c * dec.1).max(t.x).max(t.llr))
    }

    /// Bytes per transport block of each chain buffer (the decoder's come on top).
    fn tb_bytes(&self) -> TbBytes {
        let p = &self.base;
        let x = 4 * p.num_cb as u64 * p.x_stride as u64;
        TbBytes {
            b: 4 * p.b_len as u64,
            x,
            llr: 4 * p.g_len as u64,
            llr_x: x,
            outcome: 16,
        }
    }

    /// Drops the batch buffers (after an allocation failure, before a smaller batch).
    pub fn release_buffers(&mut self) {
        self.batch = None;
    }

    fn ensure_capacity(&mut self, ctx: &GpuContext, count: usize) -> Result<(), GpuError> {
        if self.batch.as_ref().is_some_and(|b| b.capacity >= count) {
            return Ok(());
        }
        self.batch = None;
        let batch = ctx.allocate(|| self.make_buffers(ctx, count))?;
        self.batch = Some(batch);
        Ok(())
    }

    fn make_buffers(&self, ctx: &GpuContext, count: usize) -> BatchBuffers {
        let p = &self.base;
        let (n, t) = (count as u64, self.tb_bytes());
        let b = ctx.storage("b", n * t.b);
        let x = ctx.storage("x", n * t.x);
        let llr = ctx.storage("llr", n * t.llr);
        let llr_x = ctx.storage("llr_x", n * t.llr_x);
        let outcomes = ctx.storage("outcomes", n * t.outcome);
        let decoder = self
            .coder
            .as_ref()
            .map(|k| k.decoder.buffers(ctx, count * p.num_cb as usize));
        let placeholder = ctx.storage("unused", 4);
        let (hard, iters) = decoder
            .as_ref()
            .map_or((&placeholder, &placeholder), |d| (&d.hard, &d.iterations));
        let chain_bind = ctx.bind(
            "link_chain",
            &self.layout,
            &[
                &self.uniform,
                &self.statics[0],
                &self.statics[1],
                &self.statics[2],
                &self.statics[3],
                &b,
                &x,
                &llr,
                &llr_x,
                hard,
                iters,
                &outcomes,
            ],
        );
        let encoder_bind = self
            .coder
            .as_ref()
            .map(|k| k.encoder.bind(ctx, &self.uniform, &x));
        let decoder_bind = match (&self.coder, &decoder) {
            (Some(k), Some(d)) => Some(k.decoder.bind(ctx, &llr_x, d)),
            _ => None,
        };
        BatchBuffers {
            capacity: count,
            b,
            x,
            llr,
            llr_x,
            _decoder: decoder,
            outcomes,
            chain_bind,
            encoder_bind,
            decoder_bind,
        }
    }

    /// Queues one batch: blocks `first_block .. first_block + count` of `point`.
    fn submit(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<(), GpuError> {
        if first_block + count as u64 > u32::MAX as u64 {
            return Err(GpuError::Runtime(
                "more than 2^32 blocks in one point".into(),
            ));
        }
        self.ensure_capacity(ctx, count)?;
        let params = ChainParams {
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            point: point.index,
            first_block: first_block as u32,
            count: count as u32,
            no: point.no,
            noise_scale: (point.no * 0.5).sqrt(),
            ..self.base
        };
        ctx.queue
            .write_buffer(&self.uniform, 0, bytemuck::bytes_of(&params));
        let blocks = count * params.num_cb as usize;
        if let Some(k) = &self.coder {
            k.decoder.set_blocks(ctx, blocks);
        }
        let bufs = self.batch.as_ref().expect("buffers were just made");
        let n_sym = (params.g_len / params.qm) as u64;
        let groups = |items: u64| grid(items.div_ceil(WG));
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            let run = |pass: &mut wgpu::ComputePass, i: usize, items: u64| {
                let (x, y) = groups(items);
                pass.set_pipeline(&self.pipelines[i]);
                pass.set_bind_group(0, &bufs.chain_bind, &[]);
                pass.dispatch_workgroups(x, y, 1);
            };
            run(&mut pass, 0, count as u64);
            if let (Some(k), Some(bind)) = (&self.coder, &bufs.encoder_bind) {
                k.encoder.record(&mut pass, bind, blocks);
            }
            run(&mut pass, 1, count as u64 * n_sym);
            if let (Some(k), Some(bind)) = (&self.coder, &bufs.decoder_bind) {
                run(&mut pass, 2, blocks as u64 * params.x_stride as u64);
                k.decoder.record(&mut pass, bind, blocks);
            }
            run(&mut pass, 3, count as u64);
        }
        ctx.queue.submit([enc.finish()]);
        Ok(())
    }

    fn outcomes(&self, ctx: &GpuContext, count: usize) -> Result<Vec<BlockOutcome>, GpuError> {
        let bufs = self.batch.as_ref().expect("a batch was submitted");
        let raw: Vec<[u32; 4]> =
            ctx.read_back_range(&bufs.outcomes, count as u64 * self.tb_bytes().outcome)?;
        ctx.check()?;
        Ok(raw
            .iter()
            .map(|o| BlockOutcome {
                bit_errors: o[0],
                codeword_errors: (o[0] > 0) as u16,
                cb_errors: o[1].min(u16::MAX as u32) as u16,
                crc_fail: o[2] != 0,
                iterations: o[3] as u16,
            })
            .collect())
    }

    /// Simulates blocks `first_block .. first_block + count` of `point`; outcomes in order.
    pub fn run_batch(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, GpuError> {
        self.submit(ctx, point, seed, first_block, count)?;
        self.outcomes(ctx, count)
    }

    /// [`Self::run_batch`] reading back every intermediate buffer too.
    pub fn run_traced(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<ChainTrace, GpuError> {
        self.submit(ctx, point, seed, first_block, count)?;
        let outcomes = self.outcomes(ctx, count)?;
        let bufs = self.batch.as_ref().expect("a batch was submitted");
        let (n, t) = (count as u64, self.tb_bytes());
        Ok(ChainTrace {
            b: ctx.read_back_range(&bufs.b, n * t.b)?,
            x: ctx.read_back_range(&bufs.x, n * t.x)?,
            llr: ctx.read_back_range(&bufs.llr, n * t.llr)?,
            llr_x: ctx.read_back_range(&bufs.llr_x, n * t.llr_x)?,
            outcomes,
            x_stride: self.base.x_stride as usize,
        })
    }
}
