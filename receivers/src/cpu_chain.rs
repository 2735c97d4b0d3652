//! The CPU reference executor: the whole single-carrier link chain, one transport block per
//! task, blocks spread over all cores with rayon. Written for clarity; it is also the
//! fallback when no GPU is present.

use crate::equalizer::equalize_flat;
use crate::neural::infer::simulate_slots;
use crate::neural::NeuralRunner;
use crate::ofdm_chain::{simulate_slot, OfdmPrepared, OfdmScratch};
use channels::{add_awgn, apply_flat, rayleigh_coefficients};
use rayon::prelude::*;
use sim_core::engine::{ExecError, Executor};
use sim_core::ldpc::{CodecWorkspace, HarqCodec, TransportCodec};
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::ChannelModel;
use sim_core::{BlockOutcome, Cf32, Constellation};
use std::path::Path;
use std::sync::Arc;

/// Runs blocks on the CPU.
#[derive(Default)]
pub struct CpuExecutor {
    /// The link the cached codec was built for (its Debug text) and the codec.
    cached: Option<(String, Arc<Prepared>)>,
}

/// What a link needs built once: the transport-block codec, the constellation and, for
/// OFDM links, the channel model and pilots.
pub(crate) struct Prepared {
    pub(crate) codec: Option<TransportCodec>,
    /// `[harq]`: the codec of every transmission.
    pub(crate) harq: Option<HarqCodec>,
    pub(crate) constellation: Constellation,
    pub(crate) ofdm: Option<OfdmPrepared>,
    /// `[receiver] kind = "neural"`: the loaded network.
    neural: Option<NeuralRunner>,
}

/// Per-thread buffers.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) a: Vec<u8>,
    pub(crate) b: Vec<u8>,
    f: Vec<u8>,
    x: Vec<Cf32>,
    y: Vec<Cf32>,
    h: Vec<Cf32>,
    z: Vec<Cf32>,
    no_eff: Vec<f32>,
    noise: Vec<Cf32>,
    pub(crate) llr: Vec<f32>,
    pub(crate) b_hat: Vec<u8>,
    pub(crate) codec: CodecWorkspace,
    pub(crate) ofdm: OfdmScratch,
    /// HARQ: the code blocks' combined circular buffers.
    pub(crate) soft: Vec<Vec<f32>>,
}

impl CpuExecutor {
    pub fn new() -> Self {
        Self::default()
    }

    fn prepare(&mut self, link: &LinkSpec) -> Result<Arc<Prepared>, ExecError> {
        let key = format!("{link:?}");
        if let Some((k, p)) = &self.cached {
            if *k == key {
                return Ok(p.clone());
            }
        }
        let neural = match link.ofdm.as_ref().and_then(|o| o.neural_weights.as_ref()) {
            Some(dir) => Some(
                NeuralRunner::load(Path::new(dir), link).map_err(|e| ExecError(e.to_string()))?,
            ),
            None => None,
        };
        let codec = link.codec();
        let harq =
            match (&link.harq, &link.coding) {
                (Some(h), sim_core::link::Coding::Ldpc { params, decoder }) => Some(
                    HarqCodec::new(params, *decoder, h.max_transmissions, &h.rv_sequence),
                ),
                _ => None,
            };
        let p = Arc::new(Prepared {
            codec,
            harq,
            constellation: Constellation::new(link.modulation),
            ofdm: link.ofdm.as_ref().map(OfdmPrepared::new),
            neural,
        });
        self.cached = Some((key, p.clone()));
        Ok(p)
    }
}

/// Simulates one transport block end to end.
fn simulate_block(
    link: &LinkSpec,
    prep: &Prepared,
    point: &PointSpec,
    rng: &BlockRng,
    s: &mut Scratch,
) -> BlockOutcome {
    if let Some(op) = &prep.ofdm {
        let codec = prep.codec.as_ref();
        return simulate_slot(
            link,
            op,
            codec,
            &prep.constellation,
            point,
            rng,
            &mut s.ofdm,
        );
    }
    let a_len = link.info_bits;
    sc_transmit_receive(link, prep, prep.codec.as_ref(), point, rng, rng, s);
    match &prep.codec {
        None => {
            let bit_errors = s
                .llr
                .iter()
                .zip(&s.a)
                .filter(|(&l, &b)| ((l < 0.0) as u8) != b)
                .count() as u32;
            BlockOutcome {
                bit_errors,
                codeword_errors: (bit_errors > 0) as u16,
                cb_errors: (bit_errors > 0) as u16,
                crc_fail: false,
                ..Default::default()
            }
        }
        Some(codec) => {
            let p = &codec.params;
            s.b_hat.resize(p.b, 0);
            let o = codec.decode(&s.llr, &mut s.b_hat, &mut s.codec);
            let (bit_errors, cb_errors) = codec.count_errors(&s.b, &s.b_hat, a_len);
            BlockOutcome {
                bit_errors: bit_errors as u32,
                codeword_errors: (bit_errors > 0) as u16,
                cb_errors: cb_errors as u16,
                crc_fail: !o.crc_ok,
                iterations: o.iterations.min(u16::MAX as usize) as u16,
                ..Default::default()
            }
        }
    }
}

/// The single-carrier transmitter, channel and receiver up to the LLRs (`s.llr`): payload
/// from `payload_rng` (with its TB CRC in `s.b`), coded with `codec`, channel and noise from
/// `rng` (a HARQ retransmission's own streams).
pub(crate) fn sc_transmit_receive(
    link: &LinkSpec,
    prep: &Prepared,
    codec: Option<&TransportCodec>,
    point: &PointSpec,
    payload_rng: &BlockRng,
    rng: &BlockRng,
    s: &mut Scratch,
) {
    let a_len = link.info_bits;
    let g = link.coded_bits;
    let qm = link.modulation.bits_per_symbol();
    let n_sym = g / qm;
    s.a.resize(a_len, 0);
    payload_rng.bits(Stream::Bits, &mut s.a);
    // Transmitter.
    s.f.resize(g, 0);
    if let Some(codec) = codec {
        codec.attach_tb_crc(&s.a, &mut s.b);
        codec.encode(&s.b, &mut s.f, &mut s.codec);
    } else {
        s.f.copy_from_slice(&s.a);
    }
    s.x.resize(n_sym, [0.0; 2]);
    prep.constellation.map(&s.f, &mut s.x);
    // Channel and noise.
    s.y.resize(n_sym, [0.0; 2]);
    s.z.resize(n_sym, [0.0; 2]);
    s.no_eff.resize(n_sym, 0.0);
    match link.channel {
        ChannelModel::Awgn => {
            s.y.copy_from_slice(&s.x);
            add_awgn(rng, point.no, &mut s.y, &mut s.noise);
            s.z.copy_from_slice(&s.y);
            s.no_eff.iter_mut().for_each(|v| *v = point.no);
        }
        ChannelModel::Rayleigh => {
            s.h.resize(n_sym, [0.0; 2]);
            rayleigh_coefficients(rng, link.fading, &mut s.h);
            apply_flat(&s.h, &s.x, &mut s.y);
            add_awgn(rng, point.no, &mut s.y, &mut s.noise);
            equalize_flat(&s.y, &s.h, point.no, &mut s.z, &mut s.no_eff);
        }
        ChannelModel::Tdl
        | ChannelModel::Cdl
        | ChannelModel::Uma
        | ChannelModel::Umi
        | ChannelModel::Rma
        | ChannelModel::Inh => {
            unreachable!(
                "TDL/CDL/scenario links are OFDM links (the scenario check requires [ofdm])"
            )
        }
    }
    // Receiver.
    s.llr.resize(g, 0.0);
    for ((zv, &ne), out) in s.z.iter().zip(&s.no_eff).zip(s.llr.chunks_exact_mut(qm)) {
        prep.constellation.demap(*zv, ne, link.demapper, out);
    }
}

impl Executor for CpuExecutor {
    fn device_name(&self) -> String {
        format!("cpu ({} threads)", rayon::current_num_threads())
    }

    fn preferred_batch(&self, link: &LinkSpec) -> usize {
        // Enough blocks to keep every core busy for ~50 ms without overshooting the stop rule.
        let per_block_bits = link.coded_bits.max(1);
        (2_000_000 / per_block_bits).clamp(4 * rayon::current_num_threads(), 4096)
    }

    fn run_batch(
        &mut self,
        link: &LinkSpec,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, ExecError> {
        if first_block + count as u64 > u32::MAX as u64 {
            return Err(ExecError("more than 2^32 blocks in one point".into()));
        }
        let prep = self.prepare(link)?;
        if let (Some(runner), Some(op)) = (&prep.neural, &prep.ofdm) {
            return Ok(simulate_slots(
                link,
                op,
                prep.codec.as_ref(),
                &prep.constellation,
                point,
                seed,
                first_block,
                count,
                runner,
            ));
        }
        Ok((0..count as u64)
            .into_par_iter()
            .map_init(Scratch::default, |s, i| {
                let rng = BlockRng::new(seed, point.index, (first_block + i) as u32);
                match &prep.harq {
                    Some(harq) => crate::harq::simulate_harq(link, &prep, harq, point, &rng, s),
                    None => simulate_block(link, &prep, point, &rng, s),
                }
            })
            .collect())
    }
}
