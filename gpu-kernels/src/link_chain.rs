//! Host side of `shaders/link_chain.wgsl`: the whole coded link of one [`LinkSpec`] on the
//! GPU. A batch is one queue submission (source → LDPC encoder → symbols, or the OFDM stages
//! of `shaders/ofdm_chain.wgsl` → rate recovery → LDPC decoder → outcome); only the per-code
//! word outcomes (16 bytes each) come back.

use crate::chain_params::{ChainParams, Entry};
use crate::context::{grid, GpuContext, GpuError};
use crate::ldpc_decoder::GpuLdpcDecoder;
use crate::ldpc_encoder::GpuLdpcEncoder;
use crate::neural_chain::NeuralStage;
use crate::ofdm_chain::OfdmTables;
use sim_core::ldpc::rate_match::FILLER_LLR;
use sim_core::ldpc::{HarqCodec, LiftedCode, RateMatcher, TransportCodec};
use sim_core::link::{Coding, LinkSpec, PointSpec};
use sim_core::scenario::schema::{ChannelModel, Fading};
use sim_core::{Constellation, DemapperKind, Modulation};

mod buffers;
mod outcomes;
mod rate_tables;
mod trace;
use buffers::BatchBuffers;
pub use outcomes::InFlight;
use rate_tables::RateTables;
pub use trace::ChainTrace;

const SHADER: &str = concat!(
    include_str!("../shaders/chain_params.wgsl"),
    include_str!("../shaders/fastmath.wgsl"),
    include_str!("../shaders/philox.wgsl"),
    include_str!("../shaders/loop_canary.wgsl"),
    include_str!("../shaders/link_chain.wgsl"),
    include_str!("../shaders/transport_block.wgsl"),
    include_str!("../shaders/ofdm_chain.wgsl"),
    include_str!("../shaders/ml_detection.wgsl"),
    include_str!("../shaders/kbest_detection.wgsl"),
    include_str!("../shaders/cdl_coeffs.wgsl"),
    include_str!("../shaders/td_ofdm.wgsl"),
    include_str!("../shaders/transform_precoding.wgsl"),
    include_str!("../shaders/ptrs.wgsl")
);
/// Threads per workgroup of the per-item chain kernels (`WG` in the shader).
const WG: u64 = 64;

/// Why the GPU chain cannot run `link` (the CPU executor can), or `None`.
pub fn unsupported(link: &LinkSpec) -> Option<String> {
    let qm = link.modulation.bits_per_symbol();
    link.ofdm
        .as_ref()
        .and_then(|o| crate::ofdm_chain::unsupported(o, qm))
}

/// The LDPC part of a chain.
struct Coder {
    encoder: GpuLdpcEncoder,
    /// The decoders (input stride cols · Z, decoder) of the transmissions, one per
    /// distinct HARQ covering, and which one each transmission uses.
    decoders: Vec<(usize, GpuLdpcDecoder)>,
    dec_of: Vec<usize>,
}

/// The GPU pipeline of one link.
pub struct GpuLinkChain {
    base: ChainParams,
    layout: wgpu::BindGroupLayout,
    pipelines: [wgpu::ComputePipeline; Entry::ALL.len()],
    statics: [wgpu::Buffer; 5],
    ofdm: Option<OfdmTables>,
    /// OFDM LMMSE estimation weights, and the noise variance (bits) they were made for.
    lmmse: wgpu::Buffer,
    lmmse_no: Option<u32>,
    /// The chain uniform of each transmission (one without HARQ).
    uniforms: Vec<wgpu::Buffer>,
    /// Each transmission's (d_base, rec_base).
    bases: Vec<(u32, u32)>,
    /// HARQ: the pipeline copying the combined buffers into a narrower decoder's input.
    gather: Option<(wgpu::ComputePipeline, wgpu::BindGroupLayout)>,
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
            // 1 BPSK, 2 π/2-BPSK (odd symbols of a code word turned by j).
            bpsk: match link.modulation {
                Modulation::Bpsk => 1,
                Modulation::Pi2Bpsk => 2,
                _ => 0,
            },
            channel: match (link.channel, link.fading) {
                _ if link.ofdm.is_some() => 0,
                (ChannelModel::Awgn, _) => 0,
                (ChannelModel::Rayleigh, Fading::Fast) => 1,
                (ChannelModel::Rayleigh, Fading::Block) => 2,
                (
                    ChannelModel::Tdl
                    | ChannelModel::Cdl
                    | ChannelModel::Uma
                    | ChannelModel::Umi
                    | ChannelModel::Rma
                    | ChannelModel::Inh,
                    _,
                ) => {
                    return Err(GpuError::Runtime(
                        "TDL/CDL/scenario models need an OFDM link".into(),
                    ))
                }
            },
            cw: 1,
            demapper: (link.demapper == DemapperKind::MaxLog) as u32,
            fading_scale: 0.5f32.sqrt(),
            filler_llr: FILLER_LLR,
            ..Default::default()
        };
        let mut tables = RateTables::uncoded();
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
            // The codec of each transmission: the link's own, or HarqCodec's (its RV's rate
            // matching, a decoder covering every position sent so far), as on the CPU.
            let codecs: Vec<TransportCodec> = match &link.harq {
                None => vec![TransportCodec::new(params.clone(), *decoder)],
                Some(h) => {
                    let harq =
                        HarqCodec::new(params, *decoder, h.max_transmissions, &h.rv_sequence);
                    (0..harq.max_transmissions())
                        .map(|t| harq.transmission(t).clone())
                        .collect()
                }
            };
            // The codeword and the combined buffers are as wide as the widest decoder.
            let cols = codecs
                .iter()
                .map(|c| c.decoder(0).cols())
                .max()
                .unwrap_or(0);
            let x_stride = cols * z;
            let mut decoders: Vec<(usize, GpuLdpcDecoder)> = Vec::new();
            let mut dec_of = Vec::new();
            for c in &codecs {
                let d = c.decoder(0);
                let stride = d.cols() * z;
                if decoders.last().is_none_or(|(s, _)| *s != stride) {
                    decoders.push((stride, GpuLdpcDecoder::new(ctx, d, params.k_prime)?));
                }
                dec_of.push(decoders.len() - 1);
            }
            let encoder = GpuLdpcEncoder::new(ctx, &code)?;
            tables = RateTables::default();
            for c in &codecs {
                let m = [
                    RateMatcher::new(&c.params, e_lo),
                    RateMatcher::new(&c.params, e_hi),
                ];
                tables.push(&m, x_stride - 2 * z);
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
                ext_rows: (cols - kb - 4) as u32,
                words32: encoder.words32,
                ..base
            };
            coder = Some(Coder {
                encoder,
                decoders,
                dec_of,
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
        // iters, outcomes, coeffs, ygrid, hp, lmmse, gridc, ici, done, spread, cb_out, cpe
        // (link_chain.wgsl header).
        let layout = ctx.layout("link_chain", 5, 18);
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
        let pipelines = Entry::ALL
            .map(|entry| ctx.pipeline("link_chain.wgsl", &source, entry.name(), &layout, &[]));
        let statics = [
            ctx.storage_from("levels", &constellation.levels),
            ctx.storage_from("d_index", &tables.d_index),
            ctx.storage_from("rec_start", &tables.rec_start),
            ctx.storage_from("rec_e", &tables.rec_e),
            ctx.storage_from("otab", ofdm.as_ref().map_or(&[0u32][..], |t| &t.words)),
        ];
        // One uniform per transmission (its stream, tables, combining and outcome rows).
        let uniforms = tables
            .bases
            .iter()
            .map(|_| ctx.uniform("chain params", &base))
            .collect();
        let gather = coder
            .as_ref()
            .filter(|k| k.decoders.iter().any(|(s, _)| *s != base.x_stride as usize))
            .map(|_| {
                let layout = ctx.layout("harq_gather", 1, 1);
                let src = include_str!("../shaders/harq_gather.wgsl");
                let pipe = ctx.pipeline("harq_gather.wgsl", src, "gather", &layout, &[]);
                (pipe, layout)
            });
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
            uniforms,
            bases: tables.bases,
            gather,
            coder,
            neural,
            batch: None,
        })
    }

    /// The LDPC decoder kernel of the chain (none for an uncoded link).
    pub fn decoder_kernel(&self) -> Option<crate::DecoderKernel> {
        self.coder.as_ref().map(|k| k.decoders[0].1.kernel())
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
        // Transmission t > 0 (HARQ) draws its channel and noise from the streams of
        // BlockRng::retransmission(t), sends its RV's bits and adds into the buffers.
        for (t, (uniform, &(d_base, rec_base))) in self.uniforms.iter().zip(&self.bases).enumerate()
        {
            let own = ChainParams {
                point: point.index ^ ((t as u32) << 24),
                d_base,
                rec_base,
                combine: (t > 0) as u32,
                out_base: (t * tbs) as u32,
                ..params
            };
            ctx.queue.write_buffer(uniform, 0, bytemuck::bytes_of(&own));
        }
        // A scenario model: this batch's slots' paths, drawn on the host, one set per HARQ
        // transmission (its own drops, as BlockRng::retransmission draws them on the CPU).
        if params.fading_model == 3 {
            let ofdm = self.ofdm.as_ref().expect("OFDM");
            let records: Vec<u32> = (0..self.uniforms.len() as u32)
                .flat_map(|t| ofdm.drop_records(seed, point.index ^ (t << 24), first_block, count))
                .collect();
            let batch = self.batch.as_ref().expect("buffers were just made");
            ctx.queue
                .write_buffer(&batch.ofdm[7], 0, bytemuck::cast_slice(&records));
        }
        if params.estimator == 2 && self.lmmse_no != Some(point.no.to_bits()) {
            let table = self.ofdm.as_ref().expect("OFDM").lmmse_table(point.no);
            ctx.queue
                .write_buffer(&self.lmmse, 0, bytemuck::cast_slice(&table));
            self.lmmse_no = Some(point.no.to_bits());
        }
        let blocks = tbs * params.num_cb as usize;
        let BatchBuffers {
            chain_binds,
            encoder_bind,
            decoders,
            neural,
            ..
        } = self.batch.as_mut().expect("buffers were just made");
        // HARQ early termination: transmission t > 0 skips the transport blocks that passed
        // (link_chain.wgsl `done`), its decoders the code blocks of those.
        let harq = self.uniforms.len() > 1;
        if let Some(k) = &self.coder {
            for ((stride, d), stage) in k.decoders.iter().zip(decoders.iter()) {
                d.set_blocks(ctx, blocks, harq);
                if let Some((u, _)) = &stage.gather {
                    let g = [blocks as u32, params.x_stride, *stride as u32, 0];
                    ctx.queue.write_buffer(u, 0, bytemuck::cast_slice(&g));
                }
            }
        }
        let n_sym = (params.g_len / params.qm) as u64;
        let groups = |items: u64| grid(items.div_ceil(WG));
        let p = &params;
        let links = (p.nrx * p.nl) as u64;
        let data_res = p.dres as u64;
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        for (t, chain_bind) in chain_binds.iter().enumerate() {
            // `groups` workgroups of `entry` (one per slot, or per (slot, symbol)) ...
            let one_per = |pass: &mut wgpu::ComputePass, entry: Entry, groups: u64| {
                let (x, y) = grid(groups);
                pass.set_pipeline(&self.pipelines[entry as usize]);
                pass.set_bind_group(0, chain_bind, &[]);
                pass.dispatch_workgroups(x, y, 1);
            };
            // ... or enough WG-thread workgroups for `items` invocations.
            let run = |pass: &mut wgpu::ComputePass, entry: Entry, items: u64| {
                one_per(pass, entry, items.div_ceil(WG))
            };
            {
                let mut pass = enc.begin_compute_pass(&Default::default());
                if t == 0 {
                    let pieces = (params.a_len as u64).div_ceil(128);
                    run(&mut pass, Entry::TbBits, tbs as u64 * pieces);
                    one_per(&mut pass, Entry::TbCrc, tbs as u64);
                    if self.coder.is_some() {
                        run(&mut pass, Entry::CbSource, blocks as u64);
                    }
                    if let (Some(k), Some(bind)) = (&self.coder, &*encoder_bind) {
                        k.encoder.record(&mut pass, bind, blocks);
                    }
                }
                if params.ofdm == 0 {
                    run(&mut pass, Entry::Symbols, tbs as u64 * n_sym);
                } else {
                    match p.fading_model {
                        1 => run(&mut pass, Entry::TdlCoeffs, slots * links * p.paths as u64),
                        2 | 3 => run(&mut pass, Entry::CdlCoeffs, slots * links * p.paths as u64),
                        _ => {}
                    }
                    // Time domain: window averages and ICI power for perfect CSI and for
                    // `normalize` (its energy), as on the CPU.
                    let window = p.estimator == 0 || p.normalize != 0;
                    if p.td != 0 && p.fading_model != 0 && window {
                        run(&mut pass, Entry::TdWindow, slots * links * p.nsym as u64);
                    }
                    if p.normalize != 0 {
                        one_per(&mut pass, Entry::OfdmNormalize, slots);
                    }
                    if p.tp != 0 {
                        run(&mut pass, Entry::TpSpread, slots * data_res);
                    }
                    if p.td == 0 {
                        let res = (p.nsym * p.nsc) as u64;
                        run(&mut pass, Entry::OfdmReceive, slots * p.nrx as u64 * res);
                    } else {
                        one_per(&mut pass, Entry::TdReceive, slots * p.nsym as u64);
                    }
                    if p.estimator != 0 {
                        let at_pilots = (p.npilot * p.nsc) as u64;
                        run(&mut pass, Entry::OfdmPilotEst, slots * links * at_pilots);
                    }
                    if p.ptrs_n != 0 {
                        run(&mut pass, Entry::OfdmPtrsCpe, slots);
                    }
                    match (&self.neural, neural.as_ref()) {
                        (Some(stage), Some(n)) => {
                            stage.record_features(&mut pass, n, slots * (p.nsym * p.nsc) as u64)
                        }
                        _ if p.equalizer == 2 => {
                            run(&mut pass, Entry::OfdmDetectMl, slots * data_res)
                        }
                        _ if p.equalizer == 3 => {
                            run(&mut pass, Entry::OfdmDetectKBest, slots * data_res)
                        }
                        _ => run(&mut pass, Entry::OfdmDetect, slots * data_res),
                    }
                    if p.tp != 0 {
                        run(&mut pass, Entry::TpDespread, slots * data_res);
                    }
                }
            }
            if let Some(n) = neural.as_mut() {
                n.net.encode(ctx, &mut enc, slots as usize);
            }
            let mut pass = enc.begin_compute_pass(&Default::default());
            if let (Some(stage), Some(n)) = (&self.neural, neural.as_ref()) {
                stage.record_llrs(&mut pass, n, slots * data_res);
            }
            if let Some(k) = &self.coder {
                run(
                    &mut pass,
                    Entry::RateRecover,
                    blocks as u64 * params.x_stride as u64,
                );
                let i = k.dec_of[t];
                let (stride, decoder) = &k.decoders[i];
                let stage = &decoders[i];
                if let (Some((_, bind)), Some((pipe, _))) = (&stage.gather, &self.gather) {
                    let (x, y) = groups((blocks * stride) as u64);
                    pass.set_pipeline(pipe);
                    pass.set_bind_group(0, bind, &[]);
                    pass.dispatch_workgroups(x, y, 1);
                }
                decoder.record(&mut pass, &stage.bind, blocks);
            }
            if self.coder.is_some() {
                run(&mut pass, Entry::OutcomeCb, blocks as u64);
            }
            run(&mut pass, Entry::Outcome, tbs as u64);
        }
        Ok(enc)
    }
}
