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
use sim_core::ldpc::{HarqCodec, LiftedCode, RateMatcher, TransportCodec};
use sim_core::link::{Coding, LinkSpec, PointSpec};
use sim_core::scenario::schema::{ChannelModel, Fading};
use sim_core::{Constellation, DemapperKind, Modulation};

mod outcomes;
mod rate_tables;
mod trace;
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
    include_str!("../shaders/transform_precoding.wgsl")
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

/// Bytes per transport block of the chain's own batch buffers.
struct TbBytes {
    b: u64,
    x: u64,
    llr: u64,
    llr_x: u64,
    outcome: u64,
    done: u64,
    cb_out: u64,
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
    ofdm: [wgpu::Buffer; 6],
    neural: Option<NeuralBuffers>,
    outcomes: wgpu::Buffer,
    /// The chain bind group of each transmission (its uniform).
    chain_binds: Vec<wgpu::BindGroup>,
    encoder_bind: Option<wgpu::BindGroup>,
    /// Per decoder of [`Coder::decoders`].
    decoders: Vec<DecoderStage>,
}

/// A decoder's batch state: its buffers (the hard decisions and iteration counts shared by
/// all, so the outcome kernel reads whichever decoded last), and for a decoder narrower than
/// the combined buffers its own input with the gather that fills it.
struct DecoderStage {
    /// Held with the bind groups that use them.
    buffers: DecoderBuffers,
    _input: Option<wgpu::Buffer>,
    bind: wgpu::BindGroup,
    /// The gather's uniform (blocks, source and destination strides) and bind group.
    gather: Option<(wgpu::Buffer, wgpu::BindGroup)>,
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
        // iters, outcomes, coeffs, ygrid, hp, lmmse, gridc, ici, done, spread, cb_out
        // (link_chain.wgsl header).
        let layout = ctx.layout("link_chain", 5, 16);
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

    /// Bytes of batch buffers per engine block (transport block, or OFDM slot), and of the
    /// largest single buffer per block.
    pub fn bytes_per_block(&self) -> (u64, u64) {
        let c = self.base.num_cb as u64;
        let cw = self.base.cw as u64;
        // Every decoder's state, and a narrower HARQ decoder's own input.
        let dec = self.coder.as_ref().map_or((0, 0), |k| {
            k.decoders.iter().fold((0, 0), |(sum, big), (stride, d)| {
                let input = match *stride == self.base.x_stride as usize {
                    true => 0,
                    false => 4 * *stride as u64,
                };
                (
                    sum + d.bytes_per_block() + input,
                    big.max(d.largest_binding_per_block()),
                )
            })
        });
        let t = self.tb_bytes();
        let ofdm = self.ofdm.as_ref().map_or([0; 6], |o| o.bytes_per_slot());
        let net = self
            .neural
            .as_ref()
            .map_or((0, 0), |n| (n.bytes_per_slot, n.largest_per_slot));
        let total = cw * (t.b + t.x + t.llr + t.llr_x + t.outcome + t.done + t.cb_out + c * dec.0)
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
            // One outcome per transmission.
            outcome: 16 * self.uniforms.len() as u64,
            done: 4 * p.num_cb as u64,
            cb_out: 16 * p.num_cb as u64,
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
        let ofdm = self.ofdm.as_ref().map_or([0; 6], |o| o.bytes_per_slot());
        let ofdm = ["coeffs", "ygrid", "hp", "gridc", "ici", "spread"]
            .iter()
            .zip(ofdm)
            .map(|(label, bytes)| ctx.storage(label, (count as u64 * bytes).max(16)));
        let ofdm: [wgpu::Buffer; 6] = ofdm.collect::<Vec<_>>().try_into().expect("six");
        let count = count * p.cw as usize;
        let (n, t) = (count as u64, self.tb_bytes());
        let b = ctx.storage("b", n * t.b);
        let x = ctx.storage("x", n * t.x);
        let llr = ctx.storage("llr", n * t.llr);
        let llr_x = ctx.storage("llr_x", n * t.llr_x);
        let outcomes = ctx.storage("outcomes", n * t.outcome);
        let done = ctx.storage("done", (n * t.done).max(4));
        let cb_out = ctx.storage("cb_out", (n * t.cb_out).max(16));
        let blocks = count * p.num_cb as usize;
        let mut decoders: Vec<DecoderStage> = Vec::new();
        for (stride, d) in self.coder.iter().flat_map(|k| &k.decoders) {
            let mut buffers = d.buffers(ctx, blocks);
            if let Some(first) = decoders.first() {
                buffers.hard = first.buffers.hard.clone();
                buffers.iterations = first.buffers.iterations.clone();
            }
            buffers.done = done.clone();
            let (input, gather) = match *stride == p.x_stride as usize {
                true => (None, None),
                false => {
                    let input = ctx.storage("harq decoder input", 4 * (blocks * stride) as u64);
                    let (_, layout) = self.gather.as_ref().expect("a gather pipeline");
                    let u = ctx.uniform("gather", &[blocks as u32, p.x_stride, *stride as u32, 0]);
                    let bind = ctx.bind("harq_gather", layout, &[&u, &llr_x, &input]);
                    (Some(input), Some((u, bind)))
                }
            };
            let bind = d.bind(ctx, input.as_ref().unwrap_or(&llr_x), &buffers);
            decoders.push(DecoderStage {
                buffers,
                _input: input,
                bind,
                gather,
            });
        }
        let placeholder = ctx.storage("unused", 4);
        let (hard, iters) = decoders.first().map_or((&placeholder, &placeholder), |d| {
            (&d.buffers.hard, &d.buffers.iterations)
        });
        let chain_binds = self
            .uniforms
            .iter()
            .map(|uniform| {
                ctx.bind(
                    "link_chain",
                    &self.layout,
                    &[
                        uniform,
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
                        &done,
                        &ofdm[5],
                        &cb_out,
                    ],
                )
            })
            .collect();
        let encoder_bind = self
            .coder
            .as_ref()
            .map(|k| k.encoder.bind(ctx, &self.uniforms[0], &x));
        let neural = match &self.neural {
            None => None,
            Some(stage) => Some(stage.buffers(
                ctx,
                (p.nsym as usize, p.nsc as usize),
                count / p.cw as usize,
                [&self.uniforms[0], &self.statics[4], &ofdm[1], &ofdm[2]],
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
            neural,
            outcomes,
            chain_binds,
            encoder_bind,
            decoders,
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
        let data_res = (p.nsym.saturating_sub(p.npilot) * p.nsc) as u64;
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
                        2 => run(&mut pass, Entry::CdlCoeffs, slots * links * p.paths as u64),
                        _ => {}
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
                        // Window averages and ICI power: perfect CSI only (as on the CPU).
                        if p.fading_model != 0 && p.estimator == 0 {
                            run(&mut pass, Entry::TdWindow, slots * links * p.nsym as u64);
                        }
                        one_per(&mut pass, Entry::TdReceive, slots * p.nsym as u64);
                    }
                    if p.estimator != 0 {
                        let at_pilots = (p.npilot * p.nsc) as u64;
                        run(&mut pass, Entry::OfdmPilotEst, slots * links * at_pilots);
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
