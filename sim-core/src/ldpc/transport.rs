//! A whole transport block through the LDPC chain of TS 38.212: TB CRC (§7.2.1), code block
//! segmentation and CB CRC (§5.2.2), LDPC encoding (§5.3.2), rate matching (§5.4.2) and code
//! block concatenation (§5.5); and the way back with LLRs.

use super::decoder::{DecoderSettings, DecoderWorkspace, LdpcDecoder};
use super::lifted::LiftedCode;
use super::params::TbCodeParams;
use super::rate_match::RateMatcher;
use crate::crc::CrcPoly;
use std::sync::Arc;

/// Encoder and decoder of one transport-block shape.
#[derive(Debug, Clone)]
pub struct TransportCodec {
    pub params: TbCodeParams,
    code: Arc<LiftedCode>,
    /// Rate matcher and decoder of each code block (shared when E is the same).
    matchers: Vec<Arc<RateMatcher>>,
    decoders: Vec<Arc<LdpcDecoder>>,
}

/// Scratch memory of one worker thread.
#[derive(Debug, Default)]
pub struct CodecWorkspace {
    x: Vec<u8>,
    llr_d: Vec<f32>,
    llr_x: Vec<f32>,
    decoder: DecoderWorkspace,
}

/// Per-block result of [`TransportCodec::decode`].
#[derive(Debug, Clone, Copy, Default)]
pub struct TbDecodeOutcome {
    /// Decoder iterations summed over code blocks.
    pub iterations: usize,
    /// Code blocks whose decoder stopped with unsatisfied checks.
    pub unconverged_blocks: usize,
    /// TB CRC (and, with C > 1, every CB CRC) passed; true when no CRC is attached.
    pub crc_ok: bool,
}

impl TransportCodec {
    pub fn new(params: TbCodeParams, settings: DecoderSettings) -> Self {
        Self::covering(params, settings, 0)
    }

    /// As [`Self::new`], the decoders kept to at least the first `used` positions of the
    /// circular buffer (beyond those its own rate matchers reach): the decoder of a HARQ
    /// transmission covers what every transmission so far has sent.
    pub fn covering(params: TbCodeParams, settings: DecoderSettings, used: usize) -> Self {
        let code = LiftedCode::get(params.base_graph, params.lifting_size);
        let mut matchers: Vec<Arc<RateMatcher>> = Vec::new();
        for &e in &params.e {
            match matchers.iter().position(|m| m.e == e) {
                Some(i) => matchers.push(matchers[i].clone()),
                None => matchers.push(Arc::new(RateMatcher::new(&params, e))),
            }
        }
        // One decoder for every code block, kept to the columns the longest E reaches (E
        // differs by at most Q_m bits between blocks, so this costs at most one column),
        // so that all code blocks of a transport block have one shape (as on the GPU).
        let used = matchers
            .iter()
            .map(|m| m.used_len())
            .max()
            .unwrap_or(0)
            .max(used);
        let decoder = Arc::new(LdpcDecoder::new(code.clone(), used, settings));
        let decoders = vec![decoder; matchers.len()];
        TransportCodec {
            params,
            code,
            matchers,
            decoders,
        }
    }

    /// Data bits per code block, K' − L.
    pub fn cb_data_bits(&self) -> usize {
        self.params.k_prime - if self.params.cb_crc { 24 } else { 0 }
    }

    /// The decoder of code block `r` (for benchmarks and diagnostics).
    pub fn decoder(&self, r: usize) -> &LdpcDecoder {
        &self.decoders[r]
    }

    /// Attaches the TB CRC: `a` `[A]` → `b` `[B]`.
    pub fn attach_tb_crc(&self, a: &[u8], b: &mut Vec<u8>) {
        b.clear();
        b.extend_from_slice(a);
        if let Some(crc) = self.params.tb_crc {
            crc.attach(b);
        }
    }

    /// * `b` — `[B]` TB bits with CRC → `f` — `[G]` rate-matched coded bits.
    pub fn encode(&self, b: &[u8], f: &mut [u8], ws: &mut CodecWorkspace) {
        let p = &self.params;
        let z = p.lifting_size;
        let data = self.cb_data_bits();
        ws.x.resize(self.code.cols() * z, 0);
        let mut offset = 0;
        for r in 0..p.num_code_blocks {
            ws.x.iter_mut().for_each(|v| *v = 0);
            ws.x[..data].copy_from_slice(&b[r * data..(r + 1) * data]);
            if p.cb_crc {
                let crc = CrcPoly::Crc24B.remainder(&ws.x[..data]);
                for i in 0..24 {
                    ws.x[data + i] = ((crc >> (23 - i)) & 1) as u8;
                }
            }
            self.code.encode_in_place(&mut ws.x);
            let m = &self.matchers[r];
            m.rate_match(&ws.x[2 * z..], &mut f[offset..offset + m.e]);
            offset += m.e;
        }
    }

    /// * `llr` — `[G]` channel LLRs (positive: bit 0) → `b_hat` — `[B]` decided TB bits.
    pub fn decode(
        &self,
        llr: &[f32],
        b_hat: &mut [u8],
        ws: &mut CodecWorkspace,
    ) -> TbDecodeOutcome {
        let p = &self.params;
        let mut out = TbDecodeOutcome {
            crc_ok: true,
            ..Default::default()
        };
        let mut llr_d = std::mem::take(&mut ws.llr_d);
        llr_d.resize(p.n, 0.0);
        let mut offset = 0;
        for r in 0..p.num_code_blocks {
            let m = &self.matchers[r];
            m.rate_recover(&llr[offset..offset + m.e], &mut llr_d);
            offset += m.e;
            self.decode_block(r, &llr_d, b_hat, ws, &mut out);
        }
        ws.llr_d = llr_d;
        self.check_tb_crc(b_hat, &mut out);
        out
    }

    /// Positions of the circular buffer the rate matchers reach (the decoders' pruning).
    pub fn used_len(&self) -> usize {
        self.matchers
            .iter()
            .map(|m| m.used_len())
            .max()
            .unwrap_or(0)
    }

    /// Soft combining: adds the code blocks' recovered LLRs of `llr` (`[G]`, this codec's
    /// RV) into their circular buffers `soft[r]` (`[N]` each; `fresh` starts them over), the
    /// filler positions kept at the known-bit LLR.
    pub fn combine(
        &self,
        llr: &[f32],
        soft: &mut Vec<Vec<f32>>,
        fresh: bool,
        ws: &mut CodecWorkspace,
    ) {
        let p = &self.params;
        soft.resize(p.num_code_blocks, Vec::new());
        ws.llr_d.resize(p.n, 0.0);
        let mut offset = 0;
        for (r, buf) in soft.iter_mut().enumerate() {
            let m = &self.matchers[r];
            m.rate_recover(&llr[offset..offset + m.e], &mut ws.llr_d);
            offset += m.e;
            if fresh || buf.len() != p.n {
                buf.clear();
                buf.extend_from_slice(&ws.llr_d);
            } else {
                for (b, &l) in buf.iter_mut().zip(&ws.llr_d) {
                    *b += l;
                }
                for x in &mut buf[p.filler_range()] {
                    *x = super::rate_match::FILLER_LLR;
                }
            }
        }
    }

    /// Decodes the transport block from combined circular buffers ([`Self::combine`]).
    pub fn decode_soft(
        &self,
        soft: &[Vec<f32>],
        b_hat: &mut [u8],
        ws: &mut CodecWorkspace,
    ) -> TbDecodeOutcome {
        let mut out = TbDecodeOutcome {
            crc_ok: true,
            ..Default::default()
        };
        for (r, buf) in soft.iter().enumerate().take(self.params.num_code_blocks) {
            self.decode_block(r, buf, b_hat, ws, &mut out);
        }
        self.check_tb_crc(b_hat, &mut out);
        out
    }

    /// Errors of decided TB bits `b_hat` against the sent `b` (`[B]`, payload first):
    /// (wrong payload bits among the first `a_len`, code blocks with a wrong data bit).
    pub fn count_errors(&self, b: &[u8], b_hat: &[u8], a_len: usize) -> (usize, usize) {
        let bits = b_hat[..a_len]
            .iter()
            .zip(&b[..a_len])
            .filter(|(x, y)| x != y)
            .count();
        let data = self.cb_data_bits();
        let blocks = (0..self.params.num_code_blocks)
            .filter(|r| b_hat[r * data..(r + 1) * data] != b[r * data..(r + 1) * data])
            .count();
        (bits, blocks)
    }

    /// Decodes code block `r` from its circular buffer `llr_d` (`[N]`) into `b_hat`.
    fn decode_block(
        &self,
        r: usize,
        llr_d: &[f32],
        b_hat: &mut [u8],
        ws: &mut CodecWorkspace,
        out: &mut TbDecodeOutcome,
    ) {
        let p = &self.params;
        let z = p.lifting_size;
        let data = self.cb_data_bits();
        let dec = &self.decoders[r];
        let len = dec.cols() * z;
        ws.llr_x.clear();
        ws.llr_x.resize(2 * z, 0.0);
        ws.llr_x.extend_from_slice(&llr_d[..len - 2 * z]);
        ws.x.resize(p.k_prime, 0);
        let o = dec.decode(&ws.llr_x, &mut ws.x[..p.k_prime], &mut ws.decoder);
        out.iterations += o.iterations;
        out.unconverged_blocks += (!o.converged) as usize;
        if p.cb_crc {
            out.crc_ok &= CrcPoly::Crc24B.check(&ws.x[..p.k_prime]);
        }
        b_hat[r * data..(r + 1) * data].copy_from_slice(&ws.x[..data]);
    }

    fn check_tb_crc(&self, b_hat: &[u8], out: &mut TbDecodeOutcome) {
        if let Some(crc) = self.params.tb_crc {
            out.crc_ok &= crc.check(&b_hat[..self.params.b]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldpc::base_graph::BaseGraphId;

    /// Noise-free LLRs decode to the transmitted bits, with segmentation and CRCs.
    #[test]
    fn encode_decode_noiseless() {
        for (a, bg, g, crc) in [
            (1024, BaseGraphId::Bg2, 2048, None),
            (9000, BaseGraphId::Bg1, 14000, Some(CrcPoly::Crc24A)),
            (3000, BaseGraphId::Bg2, 9000, Some(CrcPoly::Crc16)),
        ] {
            let p = TbCodeParams::new(a, crc, bg, g, 2, 0).unwrap();
            let codec = TransportCodec::new(p.clone(), DecoderSettings::default());
            let a_bits: Vec<u8> = (0..a).map(|i| ((i * 37 + i / 11) % 2) as u8).collect();
            let mut b = Vec::new();
            codec.attach_tb_crc(&a_bits, &mut b);
            let mut f = vec![0u8; g];
            let mut ws = CodecWorkspace::default();
            codec.encode(&b, &mut f, &mut ws);
            let llr: Vec<f32> = f.iter().map(|&x| 4.0 - 8.0 * x as f32).collect();
            let mut b_hat = vec![0u8; p.b];
            let o = codec.decode(&llr, &mut b_hat, &mut ws);
            assert!(o.crc_ok && o.unconverged_blocks == 0, "A={a}");
            assert_eq!(b_hat, b, "A={a}");
        }
    }
}
