//! LDPC rate matching and its inverse (TS 38.212 §5.4.2): circular-buffer bit selection from
//! k0 skipping filler bits (§5.4.2.1), then the row-column bit interleaver (§5.4.2.2).

use super::params::TbCodeParams;

/// LLR given to known filler bits (value 0) before decoding; positive LLR means bit 0.
pub const FILLER_LLR: f32 = 1.0e4;

/// The position map of one code block: output bit `t` of rate matching is codeword bit
/// `d_index[t]`.
#[derive(Debug, Clone)]
pub struct RateMatcher {
    pub e: usize,
    pub d_index: Vec<u32>,
    /// Circular buffer length N_cb (N, or less with limited-buffer rate matching).
    pub n: usize,
    fillers: std::ops::Range<usize>,
}

impl RateMatcher {
    /// Builds the map for a code block with `e` output bits.
    pub fn new(p: &TbCodeParams, e: usize) -> Self {
        let ncb = p.ncb;
        let fillers = p.filler_range();
        // §5.4.2.1 bit selection.
        let mut selected = Vec::with_capacity(e);
        let mut j = 0usize;
        let k0 = p.k0();
        while selected.len() < e {
            let pos = (k0 + j) % ncb;
            if !fillers.contains(&pos) {
                selected.push(pos as u32);
            }
            j += 1;
        }
        // §5.4.2.2 interleaving: f[i + j·Qm] = e[i·E/Qm + j].
        let qm = p.bits_per_symbol;
        let per = e / qm;
        let mut d_index = vec![0u32; e];
        for jj in 0..per {
            for i in 0..qm {
                d_index[i + jj * qm] = selected[i * per + jj];
            }
        }
        RateMatcher {
            e,
            d_index,
            n: ncb,
            fillers,
        }
    }

    /// * `d` — `[N]` encoded bits → `f` — `[E]` rate-matched, interleaved bits.
    pub fn rate_match(&self, d: &[u8], f: &mut [u8]) {
        for (o, &i) in f.iter_mut().zip(&self.d_index) {
            *o = d[i as usize];
        }
    }

    /// Inverse: `llr_f` `[E]` → `llr_d` `[N]`. Repeated positions add up, punctured
    /// positions get 0 and filler positions [`FILLER_LLR`].
    pub fn rate_recover(&self, llr_f: &[f32], llr_d: &mut [f32]) {
        llr_d.iter_mut().for_each(|x| *x = 0.0);
        for (&l, &i) in llr_f.iter().zip(&self.d_index) {
            llr_d[i as usize] += l;
        }
        for x in &mut llr_d[self.fillers.clone()] {
            *x = FILLER_LLR;
        }
    }

    /// Highest codeword position that carries any transmitted bit, plus one.
    pub fn used_len(&self) -> usize {
        self.d_index
            .iter()
            .map(|&i| i as usize + 1)
            .max()
            .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldpc::base_graph::BaseGraphId;

    /// Rate-match → recover returns the codeword (as LLR signs) on every transmitted
    /// position, for all RVs, with puncturing (E < N) and repetition (E > N), and with a
    /// limited buffer (N_cb < N: nothing past N_cb is sent, repetition wraps at N_cb).
    #[test]
    fn rate_match_recover_round_trip() {
        for (bg, a, g, qm, n_ref) in [
            (BaseGraphId::Bg2, 1024, 2048, 2, None),
            (BaseGraphId::Bg1, 4096, 8192, 4, None),
            (BaseGraphId::Bg2, 200, 12000, 6, None),
            (BaseGraphId::Bg1, 4096, 8192, 4, Some(7000)),
            (BaseGraphId::Bg2, 200, 12000, 6, Some(500)),
        ] {
            for rv in 0..4 {
                let mut p = TbCodeParams::new(a, None, bg, g, qm, rv).unwrap();
                if let Some(n_ref) = n_ref {
                    p = p.with_limited_buffer(n_ref).unwrap();
                    assert_eq!(p.ncb, n_ref);
                }
                let rm = RateMatcher::new(&p, p.e[0]);
                let d: Vec<u8> = (0..p.n)
                    .map(|i| {
                        if p.filler_range().contains(&i) {
                            0
                        } else {
                            ((i * 31 + i / 7) % 2) as u8
                        }
                    })
                    .collect();
                let mut f = vec![0u8; rm.e];
                rm.rate_match(&d, &mut f);
                let llr: Vec<f32> = f.iter().map(|&b| 1.0 - 2.0 * b as f32).collect();
                let mut back = vec![0f32; p.n];
                rm.rate_recover(&llr, &mut back);
                let mut seen = 0;
                for (i, (&l, &bit)) in back.iter().zip(&d).enumerate() {
                    if l != 0.0 {
                        seen += 1;
                        assert_eq!(l < 0.0, bit == 1, "rv {rv} position {i}");
                    }
                }
                let expect = (p.ncb - p.fillers).min(rm.e) + p.fillers;
                assert_eq!(seen, expect, "rv {rv}");
                assert!(rm.used_len() <= p.ncb);
                // Bit t + (N_cb − F) of the output repeats bit t (the buffer wraps at N_cb).
                let period = p.ncb - p.fillers;
                let per = rm.e / qm;
                let out = |t: usize| t / per + t % per * qm;
                for t in 0..rm.e.saturating_sub(period) {
                    assert_eq!(rm.d_index[out(t)], rm.d_index[out(t + period)], "rv {rv}");
                }
            }
        }
    }
}
