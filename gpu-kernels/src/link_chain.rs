//! Host side of `shaders/link_chain.wgsl`: the whole coded link of one [`LinkSpec`] on the
//! GPU. A batch is one queue submission (source → LDPC encoder → symbols, or the OFDM stages
//! of `shaders/ofdm_chain.wgsl` → rate recovery → LDPC decoder → outcome); only the per-code
//! word outcomes (16 bytes each) come back.

use crate::chain_params::{ChainParams, Entry};
use crate::context::{grid, GpuContext, GpuError};
use crate::ldpc_decoder::{DecoderBuffers, GpuLdpcDecoder};
use crate::ldpc_encoder::GpuLdpcEncoder;
use crate::neural_chain::{NeuralBuffers, NeuralStage};
use crate::ofdm_chain::OfdmTables;
use sim_core::ldpc::rate_match::FILLER_LLR;
use sim_core::ldpc::{LiftedCode, RateMatcher};
use sim_core::link::{Coding, LinkSpec, PointSpec};
use sim_core::scenario::schema::{ChannelModel, Fading};
use sim_core::{Constellation, DemapperKind, Modulation};

mod outcomes;
mod trace;
pub use outcomes::InFlight;
pub use trace::ChainTrace;

const SHADER: &str = concat!(
    include_str!("../shaders/chain_params.wgsl"),
    include_str!("../shaders/fastmath.wgsl"),
    include_str!("../shaders/philox.wgsl"),
    include_str!("../shaders/link_chain.wgsl"),
    include_str!("../shaders/ofdm_chain.wgsl"),
    include_str!("../shaders/cdl_coeffs.wgsl"),
    include_str!("../shaders/td_ofdm.wgsl")
);
/// Threads per workgroup of the per-item chain kernels (`WG` in the shader).
const WG: u64 = 64;

/// The LDPC part of a chain.
/// Why the GPU chain cannot run `link` (the CPU executor can), or `None`.
pub fn unsupported(link: &LinkSpec) -> Option<String> {
    if link.harq.is_some() {
        return Some("HARQ retransmissions run on the CPU executor only (--device cpu)".into());
    }
    link.ofdm.as_ref().and_then(crate::ofdm_chain::unsupported)
}

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
    /// Engine blocks (slots of an OFDM link).
    capacity: usize,
    b: wgpu::Buffer,
    x: wgpu::Buffer,
    llr: wgpu::Buffer,
    llr_x: wgpu::Buffer,
    /// OFDM: path coefficients, received grids, pilot estimates, time-domain coefficient
    /// grid and ICI power.
    ofdm: [wgpu::Buffer; 5],
    /// Held with the bind groups that use them.
    _decoder: Option<DecoderBuffers>,
    neural: Option<NeuralBuffers>,
    outcomes: wgpu::Buffer,
    chain_bind: wgpu::BindGroup,
    encoder_bind: Option<wgpu::BindGroup>,
    decoder_bind: Option<wgpu::BindGroup>,
}

/// The GPU pipeline of one link.
pub struct GpuLinkChain {
    base: ChainParams,
    layout: wgpu::BindGroupLayout,
    pipelines: [wgpu::ComputePipeline; 12],
    statics: [wgpu::Buffer; 5],
    ofdm: Option<OfdmTables>,
    /// OFDM LMMSE estimation weights, and the noise variance (bits) they were made for.
    lmmse: wgpu::Buffer,
    lmmse_no: Option<u32>,
    uniform: wgpu::Buffer,
    coder: Option<Coder>,
    neural: Option<NeuralStage>,
    batch: Option<BatchBuffers>,
}

impl GpuLinkChain {
    /// Builds the kernels and tables for `link`.
    ///
    /// LDPC links need E_lo… then E_hi… (TS 38.212 §5.4.2.1); OFDM links a TDL or AWGN
    /// channel and perfect or LS estimation. Others get a clear error (the CPU executor runs
    /// them).
    pub fn new(ctx: &GpuContext, link: &LinkSpec) -> Result<Self, GpuError> {
        if let Some(why) = unsupported(link) {
            return Err(GpuError::Runtime(why));
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
                _ if link.ofdm.is_some() => 0,
                (ChannelModel::Awgn, _) => 0,
                (ChannelModel::Rayleigh, Fading::Fast) => 1,
                (ChannelModel::Rayleigh, Fading::Block) => 2,
                (ChannelModel::Tdl | ChannelModel::Cdl, _) => {
                    return Err(GpuError::Runtime("TDL/CDL need an OFDM link".into()))
                }
            },
            cw: 1,
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
        let mut neural = None;
        let ofdm = match &link.ofdm {
            Some(o) if o.neural_weights.is_some() => {
                neural = Some(NeuralStage::new(ctx, link)?);
                // The network's channel input: LS at the pilots, nearest pilot symbol in time
                // (receivers/src/neural/features.rs).
                let features = sim_core::link::OfdmSpec {
                    estimator: sim_core::scenario::schema::Estimator::Ls,
                    interpolation: sim_core::scenario::schema::Interpolation::Nearest,
                    extrapolation: sim_core::scenario::schema::Extrapolation::Hold,
                    neural_weights: None,
                    ..o.clone()
                };
                Some(OfdmTables::new(&features, link.coded_bits, qm, base)?)
            }
            Some(o) => Some(OfdmTables::new(o, link.coded_bits, qm, base)?),
            None => None,
        };
        if let Some(t) = &ofdm {
            base = t.fields;
        }
        // Bindings: params; levels, d_index, rec_start, rec_e, otab; b, x, llr, llr_x, hard,
        // iters, outcomes, coeffs, ygrid, hp (link_chain.wgsl header).
        let layout = ctx.layout("link_chain", 5, 13);
        // The FFT size sizes the time-domain kernel's workgroup memory.
        let fft_size = ofdm.as_ref().map_or(2, |t| t.fft_size);
        let limit = ctx.device.limits().max_compute_workgroup_storage_size;
        if 8 * fft_size > limit {
            return Err(GpuError::Runtime(format!(
                "fft_size {fft_size} needs {} bytes of workgroup memory; this adapter has {limit}",
                8 * fft_size
            )));
        }
        let source = format!(
            "const FFT_N: u32 = {fft_size}u;\nconst FFT_LOG: u32 = {}u;\n{SHADER}",
            fft_size.trailing_zeros()
        );
        let pipelines = [
            "tb_source",
            "symbols",
            "rate_recover",
            "outcome",
            "tdl_coeffs",
            "ofdm_receive",
            "ofdm_pilot_est",
            "ofdm_detect",
            "cdl_coeffs",
            "td_window",
            "td_receive",
            "ofdm_normalize",
        ]
        .map(|entry| ctx.pipeline("link_chain.wgsl", &source, entry, &layout, &[]));
        let statics = [
            ctx.storage_from("levels", &constellation.levels),
            ctx.storage_from("d_index", &d_index),
            ctx.storage_from("rec_start", &rec_start),
            ctx.storage_from("rec_e", &rec_e),
            ctx.storage_from("otab", ofdm.as_ref().map_or(&[0u32][..], |t| &t.words)),
        ];
        let uniform = ctx.uniform("chain params", &base);
        let lmmse = ctx.storage(
            "lmmse weights",
            4 * ofdm.as_ref().map_or(1, |t| t.lmmse_words()) as u64,
        );
        Ok(GpuLinkChain {
            base,
            layout,
            pipelines,
            statics,
            ofdm,
            lmmse,
            lmmse_no: None,
            uniform,
            coder,
            neural,
            batch: None,
        })
    }

    /// The LDPC decoder kernel of the chain (none for an uncoded link).
    pub fn decoder_kernel(&self) -> Option<crate::DecoderKernel> {
        self.coder.as_ref().map(|k| k.decoder.kernel())
    }

    /// Bytes of batch buffers per engine block (transport block, or OFDM slot), and of the
    /// largest single buffer per block.
    pub fn bytes_per_block(&self) -> (u64, u64) {
        let c = self.base.num_cb as u64;
        let cw = self.base.cw as u64;
        let dec = self.coder.as_ref().map_or((0, 0), |k| {
            (
                k.decoder.bytes_per_block(),
                k.decoder.largest_binding_per_block(),
            )
        });
        let t = self.tb_bytes();
        let ofdm = self.ofdm.as_ref().map_or([0; 5], |o| o.bytes_per_slot());
        let net = self
            .neural
            .as_ref()
            .map_or((0, 0), |n| (n.bytes_per_slot, n.largest_per_slot));
        let total = cw * (t.b + t.x + t.llr + t.llr_x + t.outcome + c * dec.0)
            + ofdm.iter().sum::<u64>()
            + net.0;
        let largest = ofdm.into_iter().max().unwrap_or(0).max(net.1);
        (total, (cw * (c * dec.1).max(t.x).max(t.llr)).max(largest))
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
        let batch = ctx.allocate(|| self.make_buffers(ctx, count))??;
        self.batch = Some(batch);
        Ok(())
    }

    fn make_buffers(&self, ctx: &GpuContext, count: usize) -> Result<BatchBuffers, GpuError> {
        let p = &self.base;
        let ofdm = self.ofdm.as_ref().map_or([0; 5], |o| o.bytes_per_slot());
        let ofdm = ["coeffs", "ygrid", "hp", "gridc", "ici"]
            .iter()
            .zip(ofdm)
            .map(|(label, bytes)| ctx.storage(label, (count as u64 * bytes).max(16)));
        let ofdm: [wgpu::Buffer; 5] = ofdm.collect::<Vec<_>>().try_into().expect("five");
        let count = count * p.cw as usize;
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
                &self.statics[4],
                &b,
                &x,
                &llr,
                &llr_x,
                hard,
                iters,
                &outcomes,
                &ofdm[0],
                &ofdm[1],
                &ofdm[2],
                &self.lmmse,
                &ofdm[3],
                &ofdm[4],
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
        let neural = match &self.neural {
            None => None,
            Some(stage) => Some(stage.buffers(
                ctx,
                (p.nsym as usize, p.nsc as usize),
                count / p.cw as usize,
                [&self.uniform, &self.statics[4], &ofdm[1], &ofdm[2]],
                &llr,
            )?),
        };
        Ok(BatchBuffers {
            capacity: count / p.cw as usize,
            b,
            x,
            llr,
            llr_x,
            ofdm,
            _decoder: decoder,
            neural,
            outcomes,
            chain_bind,
            encoder_bind,
            decoder_bind,
        })
    }

    /// Records one batch: blocks `first_block .. first_block + count` of `point` (the uniform
    /// and tables are written through the queue); the caller adds what must follow and
    /// submits the encoder (one submission per batch).
    fn submit(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<wgpu::CommandEncoder, GpuError> {
        if first_block + count as u64 > u32::MAX as u64 {
            return Err(GpuError::Runtime(
                "more than 2^32 blocks in one point".into(),
            ));
        }
        self.ensure_capacity(ctx, count)?;
        let slots = count as u64;
        let tbs = count * self.base.cw as usize;
        let params = ChainParams {
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            point: point.index,
            first_block: first_block as u32,
            count: tbs as u32,
            no: point.no,
            noise_scale: (point.no * 0.5).sqrt(),
            ..self.base
        };
        ctx.queue
            .write_buffer(&self.uniform, 0, bytemuck::bytes_of(&params));
        if params.estimator == 2 && self.lmmse_no != Some(point.no.to_bits()) {
            let table = self.ofdm.as_ref().expect("OFDM").lmmse_table(point.no);
            ctx.queue
                .write_buffer(&self.lmmse, 0, bytemuck::cast_slice(&table));
            self.lmmse_no = Some(point.no.to_bits());
        }
        let blocks = tbs * params.num_cb as usize;
        if let Some(k) = &self.coder {
            k.decoder.set_blocks(ctx, blocks);
        }
        let BatchBuffers {
            chain_bind,
            encoder_bind,
            decoder_bind,
            neural,
            ..
        } = self.batch.as_mut().expect("buffers were just made");
        let n_sym = (params.g_len / params.qm) as u64;
        let groups = |items: u64| grid(items.div_ceil(WG));
        let run = |pass: &mut wgpu::ComputePass, entry: Entry, items: u64| {
            let (x, y) = groups(items);
            pass.set_pipeline(&self.pipelines[entry as usize]);
            pass.set_bind_group(0, &*chain_bind, &[]);
            pass.dispatch_workgroups(x, y, 1);
        };
        let p = &params;
        let links = (p.nrx * p.nl) as u64;
        let data_res = (p.nsym.saturating_sub(p.npilot) * p.nsc) as u64;
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            run(&mut pass, Entry::TbSource, tbs as u64);
            if let (Some(k), Some(bind)) = (&self.coder, &*encoder_bind) {
                k.encoder.record(&mut pass, bind, blocks);
            }
            if params.ofdm == 0 {
                run(&mut pass, Entry::Symbols, tbs as u64 * n_sym);
            } else {
                match p.fading_model {
                    1 => run(&mut pass, Entry::TdlCoeffs, slots * links * p.paths as u64),
                    2 => run(&mut pass, Entry::CdlCoeffs, slots * links * p.paths as u64),
                    _ => {}
                }
                if p.normalize != 0 {
                    // One workgroup per slot.
                    let (x, y) = grid(slots);
                    pass.set_pipeline(&self.pipelines[Entry::OfdmNormalize as usize]);
                    pass.set_bind_group(0, &*chain_bind, &[]);
                    pass.dispatch_workgroups(x, y, 1);
                }
                if p.td == 0 {
                    let res = (p.nsym * p.nsc) as u64;
                    run(&mut pass, Entry::OfdmReceive, slots * p.nrx as u64 * res);
                } else {
                    // Window averages and ICI power: perfect CSI only (as on the CPU).
                    if p.fading_model != 0 && p.estimator == 0 {
                        run(&mut pass, Entry::TdWindow, slots * links * p.nsym as u64);
                    }
                    // One workgroup per (slot, symbol).
                    let (x, y) = grid(slots * p.nsym as u64);
                    pass.set_pipeline(&self.pipelines[Entry::TdReceive as usize]);
                    pass.set_bind_group(0, &*chain_bind, &[]);
                    pass.dispatch_workgroups(x, y, 1);
                }
                if p.estimator != 0 {
                    let at_pilots = (p.npilot * p.nsc) as u64;
                    run(&mut pass, Entry::OfdmPilotEst, slots * links * at_pilots);
                }
                match (&self.neural, neural.as_ref()) {
                    (Some(stage), Some(n)) => {
                        stage.record_features(&mut pass, n, slots * (p.nsym * p.nsc) as u64)
                    }
                    _ => run(&mut pass, Entry::OfdmDetect, slots * data_res),
                }
            }
        }
        if let Some(n) = neural.as_mut() {
            n.net.encode(ctx, &mut enc, slots as usize);
        }
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            if let (Some(stage), Some(n)) = (&self.neural, neural.as_ref()) {
                stage.record_llrs(&mut pass, n, slots * data_res);
            }
            if let (Some(k), Some(bind)) = (&self.coder, &*decoder_bind) {
                run(
                    &mut pass,
                    Entry::RateRecover,
                    blocks as u64 * params.x_stride as u64,
                );
                k.decoder.record(&mut pass, bind, blocks);
            }
            run(&mut pass, Entry::Outcome, tbs as u64);
        }
        Ok(enc)
    }
}
