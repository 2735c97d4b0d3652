//! HARQ on the CPU executor: a transport block is sent up to `max_transmissions` times, each
//! transmission with its redundancy version over its own channel and noise realization
//! (`BlockRng::retransmission`), the receiver adding the LLRs into the code blocks' circular
//! buffers (`TransportCodec::combine`) and decoding after each one until the CRC passes (the
//! ACK). Transmission 0 uses the block's own streams, so the first-transmission counters are
//! those of the same scenario without `[harq]`.

use crate::cpu_chain::{sc_transmit_receive, Prepared, Scratch};
use crate::ofdm_chain::{detect_slot, estimate, transmit_and_receive_with};
use sim_core::ldpc::{HarqCodec, TransportCodec};
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::rng::BlockRng;
use sim_core::BlockOutcome;

/// One transport block with HARQ (single-carrier or an OFDM slot of one code word).
pub(crate) fn simulate_harq(
    link: &LinkSpec,
    prep: &Prepared,
    harq: &HarqCodec,
    point: &PointSpec,
    rng: &BlockRng,
    s: &mut Scratch,
) -> BlockOutcome {
    let mut soft = std::mem::take(&mut s.soft);
    let mut out = BlockOutcome::default();
    for t in 0..harq.max_transmissions() {
        let codec = harq.transmission(t);
        let rng_t = rng.retransmission(t as u32);
        let (bit_errors, cb_errors, crc_ok, its) = match (&prep.ofdm, link.ofdm.as_ref()) {
            (Some(op), Some(o)) => {
                let os = &mut s.ofdm;
                transmit_and_receive_with(
                    link,
                    op,
                    Some(codec),
                    &prep.constellation,
                    point,
                    rng,
                    &rng_t,
                    os,
                );
                estimate(
                    o,
                    op,
                    point,
                    o.estimator,
                    o.interpolation,
                    o.extrapolation,
                    os,
                );
                detect_slot(link, op, &prep.constellation, point, os);
                codec.combine(&os.llr, &mut soft, t == 0, &mut os.codec);
                decide(
                    codec,
                    &soft,
                    &os.b[0],
                    link.info_bits,
                    &mut os.b_hat,
                    &mut os.codec,
                )
            }
            _ => {
                sc_transmit_receive(link, prep, Some(codec), point, rng, &rng_t, s);
                codec.combine(&s.llr, &mut soft, t == 0, &mut s.codec);
                decide(
                    codec,
                    &soft,
                    &s.b,
                    link.info_bits,
                    &mut s.b_hat,
                    &mut s.codec,
                )
            }
        };
        out = out.after_transmission(BlockOutcome {
            bit_errors,
            codeword_errors: (bit_errors > 0) as u16,
            cb_errors,
            crc_fail: !crc_ok,
            iterations: its.min(u16::MAX as usize) as u16,
            ..Default::default()
        });
        if crc_ok {
            break;
        }
    }
    s.soft = soft;
    out
}

/// Decodes the combined buffers against the sent TB bits `b` (payload `a_len` bits first):
/// (wrong payload bits, wrong code blocks, CRC passed, decoder iterations).
fn decide(
    codec: &TransportCodec,
    soft: &[Vec<f32>],
    b: &[u8],
    a_len: usize,
    b_hat: &mut Vec<u8>,
    ws: &mut sim_core::ldpc::CodecWorkspace,
) -> (u32, u16, bool, usize) {
    b_hat.resize(codec.params.b, 0);
    let d = codec.decode_soft(soft, b_hat, ws);
    let (bits, blocks) = codec.count_errors(b, b_hat, a_len);
    (bits as u32, blocks as u16, d.crc_ok, d.iterations)
}
