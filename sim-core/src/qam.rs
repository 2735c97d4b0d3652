//! Modulation mapping of TS 38.211 §5.1 (π/2-BPSK, BPSK, QPSK, 16/64/256/1024-QAM Gray maps) and
//! soft demapping (exact log-MAP "app" and "max-log").
//!
//! The square QAM maps of §5.1 are separable: even bits b0, b2, ... set the in-phase
//! amplitude and odd bits the quadrature one, each a Gray-labelled PAM. With circular
//! Gaussian noise the exact bit LLR therefore only needs the PAM of its own dimension.

use crate::fastmath::{exp_f32, ln_f32};
use serde::{Deserialize, Serialize};

/// A complex baseband sample, `[re, im]`.
pub type Cf32 = [f32; 2];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Modulation {
    /// TS 38.211 §5.1.2: BPSK with odd symbols turned by π/2 (PUSCH with transform precoding).
    #[serde(rename = "pi2-bpsk")]
    Pi2Bpsk,
    #[serde(rename = "bpsk")]
    Bpsk,
    #[serde(rename = "qpsk")]
    Qpsk,
    #[serde(rename = "16qam")]
    Qam16,
    #[serde(rename = "64qam")]
    Qam64,
    #[serde(rename = "256qam")]
    Qam256,
    #[serde(rename = "1024qam")]
    Qam1024,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DemapperKind {
    /// Exact log-MAP (log-sum-exp over the constellation).
    App,
    /// Max-log approximation.
    MaxLog,
}

impl Modulation {
    /// Q_m: bits per symbol.
    pub fn bits_per_symbol(self) -> usize {
        match self {
            Modulation::Pi2Bpsk | Modulation::Bpsk => 1,
            Modulation::Qpsk => 2,
            Modulation::Qam16 => 4,
            Modulation::Qam64 => 6,
            Modulation::Qam256 => 8,
            Modulation::Qam1024 => 10,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Modulation::Pi2Bpsk => "pi2-bpsk",
            Modulation::Bpsk => "bpsk",
            Modulation::Qpsk => "qpsk",
            Modulation::Qam16 => "16qam",
            Modulation::Qam64 => "64qam",
            Modulation::Qam256 => "256qam",
            Modulation::Qam1024 => "1024qam",
        }
    }

    /// Bits per real dimension (BPSK repeats its bit on both).
    fn bits_per_dim(self) -> usize {
        self.bits_per_symbol().div_ceil(2)
    }
}

/// The per-dimension PAM of a modulation, with unit average symbol energy.
#[derive(Debug, Clone)]
pub struct Constellation {
    pub modulation: Modulation,
    /// `levels[label]`: amplitude of the PAM point whose dimension bits, MSB first
    /// (b0, b2, b4, ... for I), spell `label`.
    pub levels: Vec<f32>,
    m: usize,
}

impl Constellation {
    pub fn new(modulation: Modulation) -> Self {
        let m = modulation.bits_per_dim();
        let norm = match modulation {
            Modulation::Pi2Bpsk | Modulation::Bpsk | Modulation::Qpsk => std::f64::consts::SQRT_2,
            _ => {
                let big_m = (1usize << (2 * m)) as f64;
                (2.0 * (big_m - 1.0) / 3.0).sqrt()
            }
        };
        let levels = (0..1usize << m)
            .map(|label| {
                // TS 38.211 §5.1.3-5.1.7: (1−2b0)[2^{m−1} − (1−2b2)[2^{m−2} − ...]].
                let bit = |t: usize| ((label >> (m - 1 - t)) & 1) as f64;
                let mut v = 1.0 - 2.0 * bit(m - 1);
                for t in (0..m - 1).rev() {
                    v = (1.0 - 2.0 * bit(t)) * ((1usize << (m - 1 - t)) as f64 - v);
                }
                (v / norm) as f32
            })
            .collect();
        Constellation {
            modulation,
            levels,
            m,
        }
    }

    pub fn bits_per_symbol(&self) -> usize {
        self.modulation.bits_per_symbol()
    }

    /// * `bits` — `[n · Q_m]` (0/1) → `out` — `[n]` symbols.
    ///
    /// π/2-BPSK counts the symbol index i from the start of `bits` (map one code word per
    /// call).
    pub fn map(&self, bits: &[u8], out: &mut [Cf32]) {
        let qm = self.bits_per_symbol();
        if qm == 1 {
            let turn = self.modulation == Modulation::Pi2Bpsk;
            for (i, (o, &b)) in out.iter_mut().zip(bits).enumerate() {
                let v = self.levels[b as usize];
                // e^{jπ/2 (i mod 2)}·(v + jv): j(v + jv) = −v + jv on odd i.
                *o = match turn && i % 2 == 1 {
                    true => [-v, v],
                    false => [v, v],
                };
            }
            return;
        }
        for (o, sb) in out.iter_mut().zip(bits.chunks_exact(qm)) {
            let (mut li, mut lq) = (0usize, 0usize);
            for t in 0..self.m {
                li = (li << 1) | sb[2 * t] as usize;
                lq = (lq << 1) | sb[2 * t + 1] as usize;
            }
            *o = [self.levels[li], self.levels[lq]];
        }
    }

    /// LLRs (ln P(b=0)/P(b=1)) of one dimension's `m` bits from the real value `y`
    /// observed with noise variance `var_dim` per real dimension.
    #[inline]
    fn demap_dim(&self, y: f32, var_dim: f32, kind: DemapperKind, out: &mut [f32]) {
        let inv = 0.5 / var_dim;
        let n = self.levels.len();
        let mut metric = [0f32; 32];
        for (mt, &a) in metric.iter_mut().zip(&self.levels) {
            *mt = -(y - a) * (y - a) * inv;
        }
        for (t, o) in out.iter_mut().enumerate().take(self.m) {
            let shift = self.m - 1 - t;
            let (mut max0, mut max1) = (f32::NEG_INFINITY, f32::NEG_INFINITY);
            for (label, &mt) in metric[..n].iter().enumerate() {
                if (label >> shift) & 1 == 0 {
                    max0 = max0.max(mt);
                } else {
                    max1 = max1.max(mt);
                }
            }
            if kind == DemapperKind::MaxLog || n == 2 {
                // With two points per dimension max-log is exact.
                *o = max0 - max1;
                continue;
            }
            let (mut s0, mut s1) = (0f32, 0f32);
            for (label, &mt) in metric[..n].iter().enumerate() {
                if (label >> shift) & 1 == 0 {
                    s0 += exp_f32(mt - max0);
                } else {
                    s1 += exp_f32(mt - max1);
                }
            }
            *o = (max0 - max1) + ln_f32(s0) - ln_f32(s1);
        }
    }

    /// Undoes π/2-BPSK's turn of symbol `i` of its code word (before [`Self::demap`]): a
    /// multiplication by −j on odd i; other modulations pass through.
    #[inline]
    pub fn unturn(&self, y: Cf32, i: usize) -> Cf32 {
        match self.modulation == Modulation::Pi2Bpsk && i % 2 == 1 {
            true => [y[1], -y[0]],
            false => y,
        }
    }

    /// Soft demapping of one symbol (π/2-BPSK: after [`Self::unturn`]).
    ///
    /// * `y` — equalized symbol, `no` — complex noise variance N0 on it,
    /// * `out` — `[Q_m]` LLRs, positive means bit 0.
    #[inline]
    pub fn demap(&self, y: Cf32, no: f32, kind: DemapperKind, out: &mut [f32]) {
        let var_dim = 0.5 * no;
        if self.bits_per_symbol() == 1 {
            let (mut a, mut b) = ([0f32; 1], [0f32; 1]);
            self.demap_dim(y[0], var_dim, kind, &mut a);
            self.demap_dim(y[1], var_dim, kind, &mut b);
            out[0] = a[0] + b[0];
            return;
        }
        let mut li = [0f32; 5];
        let mut lq = [0f32; 5];
        self.demap_dim(y[0], var_dim, kind, &mut li[..self.m]);
        self.demap_dim(y[1], var_dim, kind, &mut lq[..self.m]);
        for t in 0..self.m {
            out[2 * t] = li[t];
            out[2 * t + 1] = lq[t];
        }
    }

    /// Probability that each bit's hard decision is wrong over AWGN, averaged over
    /// bits and equiprobable symbols: the exact closed form with Q-functions over the
    /// decision regions of each dimension (midpoints between adjacent levels).
    ///
    /// * `es_no` — Es/N0 (linear).
    pub fn awgn_ber(&self, es_no: f64) -> f64 {
        let sigma = (0.5 / es_no).sqrt(); // per real dimension, Es = 1
        let q = |x: f64| 0.5 * libm::erfc(x / std::f64::consts::SQRT_2);
        if self.bits_per_symbol() == 1 {
            // Both dimensions carry the bit: the decision uses y_I + y_Q.
            return q((2.0 * es_no).sqrt());
        }
        let n = self.levels.len();
        let mut sorted: Vec<(f64, usize)> = self
            .levels
            .iter()
            .enumerate()
            .map(|(l, &a)| (a as f64, l))
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut total = 0.0;
        for &(a, label) in &sorted {
            // P(y falls in the region of sorted point k) for transmitted level a.
            for (k, &(_, lk)) in sorted.iter().enumerate() {
                let lo = if k == 0 {
                    f64::NEG_INFINITY
                } else {
                    0.5 * (sorted[k - 1].0 + sorted[k].0)
                };
                let hi = if k == n - 1 {
                    f64::INFINITY
                } else {
                    0.5 * (sorted[k].0 + sorted[k + 1].0)
                };
                let p = q((lo - a) / sigma) - q((hi - a) / sigma);
                let wrong = (label ^ lk).count_ones() as f64;
                total += p * wrong;
            }
        }
        total / (n * self.m) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_follow_ts38211_and_have_unit_energy() {
        let c = Constellation::new(Modulation::Qam16);
        let mut s = [[0f32; 2]; 1];
        // b = 0,0,0,0 → (1 + j)/√10 ; b0 = 1 flips I; b2 = 1 moves to amplitude 3.
        c.map(&[0, 0, 0, 0], &mut s);
        assert!((s[0][0] - 1.0 / 10f32.sqrt()).abs() < 1e-6 && (s[0][1] - s[0][0]).abs() < 1e-6);
        c.map(&[1, 0, 1, 0], &mut s);
        assert!((s[0][0] + 3.0 / 10f32.sqrt()).abs() < 1e-6);
        for m in [
            Modulation::Bpsk,
            Modulation::Qpsk,
            Modulation::Qam16,
            Modulation::Qam64,
            Modulation::Qam256,
            Modulation::Qam1024,
        ] {
            let c = Constellation::new(m);
            let e: f32 = c.levels.iter().map(|a| a * a).sum::<f32>() / c.levels.len() as f32;
            assert!((2.0 * e - 1.0).abs() < 1e-5, "{m:?} energy {}", 2.0 * e);
            // Gray: adjacent levels differ in one bit.
            let mut s: Vec<(f32, usize)> = c.levels.iter().copied().zip(0..).collect();
            s.sort_by(|a, b| a.0.total_cmp(&b.0));
            for w in s.windows(2) {
                assert_eq!((w[0].1 ^ w[1].1).count_ones(), 1, "{m:?} not Gray");
            }
        }
    }

    /// TS 38.211 §5.1.2: d(i) = e^{jπ/2 (i mod 2)}/√2 · [(1 − 2b(i)) + j(1 − 2b(i))];
    /// consecutive symbols are a quarter turn apart, and unturning gives BPSK back.
    #[test]
    fn pi2_bpsk_turns_odd_symbols() {
        let c = Constellation::new(Modulation::Pi2Bpsk);
        let r = std::f32::consts::FRAC_1_SQRT_2;
        let mut s = [[0f32; 2]; 4];
        c.map(&[0, 0, 1, 1], &mut s);
        let want = [[r, r], [-r, r], [-r, -r], [r, -r]];
        for (i, (g, w)) in s.iter().zip(want).enumerate() {
            assert!(
                (g[0] - w[0]).abs() < 1e-6 && (g[1] - w[1]).abs() < 1e-6,
                "{i}: {g:?}"
            );
            let mut llr = [0f32];
            c.demap(c.unturn(*g, i), 0.5, DemapperKind::App, &mut llr);
            assert_eq!(llr[0] > 0.0, i < 2, "symbol {i}: LLR {}", llr[0]);
        }
        let bpsk = Constellation::new(Modulation::Bpsk);
        assert_eq!(c.awgn_ber(2.0), bpsk.awgn_ber(2.0));
    }

    /// The geometric closed form reproduces the textbook Gray 16-QAM expression
    /// P_b = ¼[3Q(a) + 2Q(3a) − Q(5a)], a = √(Es/(5 N0)); 1e-6 relative: levels are f32.
    #[test]
    fn awgn_ber_matches_textbook_16qam() {
        let q = |x: f64| 0.5 * libm::erfc(x / std::f64::consts::SQRT_2);
        let c = Constellation::new(Modulation::Qam16);
        for snr_db in [0.0, 6.0, 12.0, 18.0] {
            let es_no = 10f64.powf(snr_db / 10.0);
            let a = (es_no / 5.0).sqrt();
            let textbook = 0.25 * (3.0 * q(a) + 2.0 * q(3.0 * a) - q(5.0 * a));
            let got = c.awgn_ber(es_no);
            assert!(
                (got - textbook).abs() <= 1e-6 * textbook,
                "{snr_db} dB: {got} vs {textbook}"
            );
        }
    }

    /// APP LLRs equal a brute-force log-MAP over the full 2-D constellation.
    #[test]
    fn app_demapper_matches_brute_force() {
        for m in [Modulation::Qpsk, Modulation::Qam16, Modulation::Qam64] {
            let c = Constellation::new(m);
            let qm = c.bits_per_symbol();
            let points: Vec<(Vec<u8>, Cf32)> = (0..1usize << qm)
                .map(|v| {
                    let bits: Vec<u8> = (0..qm).map(|t| ((v >> t) & 1) as u8).collect();
                    let mut s = [[0f32; 2]; 1];
                    c.map(&bits, &mut s);
                    (bits, s[0])
                })
                .collect();
            let no = 0.3f64;
            for y in [[0.1f32, -0.7], [1.2, 0.05], [-0.33, 0.9]] {
                let mut llr = vec![0f32; qm];
                c.demap(y, no as f32, DemapperKind::App, &mut llr);
                for t in 0..qm {
                    let (mut p0, mut p1) = (0f64, 0f64);
                    for (bits, s) in &points {
                        let d = (y[0] - s[0]) as f64 * (y[0] - s[0]) as f64
                            + (y[1] - s[1]) as f64 * (y[1] - s[1]) as f64;
                        let p = (-d / no).exp();
                        if bits[t] == 0 {
                            p0 += p
                        } else {
                            p1 += p
                        }
                    }
                    let exact = (p0 / p1).ln();
                    assert!(
                        (llr[t] as f64 - exact).abs() < 1e-3 * exact.abs().max(1.0),
                        "{m:?} bit {t}: {} vs {exact}",
                        llr[t]
                    );
                }
            }
        }
    }
}
