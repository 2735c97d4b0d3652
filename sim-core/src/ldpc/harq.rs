//! HARQ with soft combining over the TS 38.212 chain: one [`TransportCodec`] per
//! transmission, with that transmission's redundancy version (k0 of Table 5.4.2.1-2) and a
//! decoder covering every circular-buffer position the transmissions so far have sent.

use super::decoder::DecoderSettings;
use super::params::TbCodeParams;
use super::transport::TransportCodec;

/// The codecs of a transport block's transmissions.
#[derive(Debug, Clone)]
pub struct HarqCodec {
    codecs: Vec<TransportCodec>,
}

impl HarqCodec {
    /// Transmission t uses RV `rv_sequence[t mod len]`, t < `max_transmissions`.
    pub fn new(
        params: &TbCodeParams,
        settings: DecoderSettings,
        max_transmissions: usize,
        rv_sequence: &[usize],
    ) -> Self {
        let mut used = 0;
        let codecs = (0..max_transmissions)
            .map(|t| {
                let mut p = params.clone();
                p.rv = rv_sequence[t % rv_sequence.len()];
                let codec = TransportCodec::covering(p, settings, used);
                used = used.max(codec.used_len());
                codec
            })
            .collect();
        HarqCodec { codecs }
    }

    /// The codec of transmission `t` (its RV's rate matcher, the decoder of the combined
    /// buffer after it).
    pub fn transmission(&self, t: usize) -> &TransportCodec {
        &self.codecs[t]
    }

    pub fn max_transmissions(&self) -> usize {
        self.codecs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crc::CrcPoly;
    use crate::ldpc::base_graph::BaseGraphId;
    use crate::ldpc::transport::CodecWorkspace;
    use crate::rng::{BlockRng, Stream};

    /// Transmissions of `blocks` BPSK blocks at `es_n0_db` per coded bit through `harq`:
    /// (blocks the first transmission decoded, blocks decoded within all transmissions); the
    /// first transmission's decisions are checked against the plain codec's.
    fn run(p: &TbCodeParams, harq: &HarqCodec, es_n0_db: f64, blocks: usize) -> (usize, usize) {
        let plain = TransportCodec::new(p.clone(), DecoderSettings::default());
        let mut ws = CodecWorkspace::default();
        let sigma2 = 10f64.powf(-es_n0_db / 10.0) as f32;
        let g = p.g;
        let (mut first_ok, mut ok) = (0, 0);
        for blk in 0..blocks {
            let rng = BlockRng::new(3, 0, blk as u32);
            let mut a = vec![0u8; p.tb_size];
            rng.bits(Stream::Bits, &mut a);
            let mut b = Vec::new();
            plain.attach_tb_crc(&a, &mut b);
            let mut soft = Vec::new();
            for t in 0..harq.max_transmissions() {
                let codec = harq.transmission(t);
                let mut f = vec![0u8; g];
                codec.encode(&b, &mut f, &mut ws);
                let mut noise = vec![[0f32; 2]; g.div_ceil(2)];
                rng.retransmission(t as u32).complex_gaussian(
                    Stream::Noise,
                    2.0 * sigma2,
                    &mut noise,
                );
                let llr: Vec<f32> = f
                    .iter()
                    .enumerate()
                    .map(|(i, &x)| 2.0 * ((1.0 - 2.0 * x as f32) + noise[i / 2][i % 2]) / sigma2)
                    .collect();
                codec.combine(&llr, &mut soft, t == 0, &mut ws);
                let mut b_hat = vec![0u8; p.b];
                let o = codec.decode_soft(&soft, &mut b_hat, &mut ws);
                if t == 0 {
                    let mut b_plain = vec![0u8; p.b];
                    let q = plain.decode(&llr, &mut b_plain, &mut ws);
                    assert_eq!((b_plain == b_hat, q.crc_ok), (true, o.crc_ok));
                    first_ok += (o.crc_ok && b_hat == b) as usize;
                }
                if o.crc_ok {
                    ok += (b_hat == b) as usize;
                    break;
                }
            }
        }
        (first_ok, ok)
    }

    /// Incremental redundancy (RVs 0, 2, 3, 1) decodes a rate-0.84 block that one
    /// transmission at −1 dB cannot (four transmissions send new parity: rate 0.21 in all);
    /// chase combining (RV 0 four times) gains the 6 dB of four times the energy on a rate-1/2
    /// block at −4 dB; the first transmission decides as the plain codec does.
    #[test]
    fn combining_recovers_what_one_transmission_cannot() {
        let crc = Some(CrcPoly::Crc16);
        let settings = DecoderSettings::default();
        let high = TbCodeParams::new(2000, crc, BaseGraphId::Bg2, 2400, 2, 0).unwrap();
        let ir = HarqCodec::new(&high, settings, 4, &[0, 2, 3, 1]);
        let (first, ok) = run(&high, &ir, -1.0, 40);
        assert!(
            first <= 4 && ok >= 36,
            "IR: first {first}, in all {ok} of 40"
        );
        let half = TbCodeParams::new(1000, crc, BaseGraphId::Bg2, 2032, 2, 0).unwrap();
        let chase = HarqCodec::new(&half, settings, 4, &[0]);
        let (first, ok) = run(&half, &chase, -4.0, 40);
        assert!(
            first <= 4 && ok >= 36,
            "chase: first {first}, in all {ok} of 40"
        );
    }
}
