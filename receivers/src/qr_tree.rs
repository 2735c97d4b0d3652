//! The common front of the tree-search MIMO detectors (ML, [`crate::ml_detection`]; K-best,
//! [`crate::kbest_detection`]): the constellation as indexed points, and y = H·x + n turned
//! into the triangular system Qᴴy = R·x + Qᴴn by H = QR (modified Gram-Schmidt, f64), so that
//! ‖y − Hx‖² = ‖Qᴴy − Rx‖² + const is a sum of one term per layer depending only on the
//! layers at and above it. `shaders/ml_detection.wgsl` (`qr_points`, `qr_factor`) is the
//! same in f32.

use sim_core::qam::Constellation;
use sim_core::Cf32;

pub(crate) type C64 = [f64; 2];

/// The points of a constellation by index: symbol s carries bits b_0 … b_{Q−1} of s, MSB
/// first, mapped as TS 38.211 §5.1.
pub(crate) fn indexed_points(constellation: &Constellation) -> Vec<C64> {
    let qm = constellation.bits_per_symbol();
    (0..1usize << qm)
        .map(|s| {
            let bits: Vec<u8> = (0..qm).map(|j| ((s >> (qm - 1 - j)) & 1) as u8).collect();
            let mut p = [[0f32; 2]];
            constellation.map(&bits, &mut p);
            [p[0][0] as f64, p[0][1] as f64]
        })
        .collect()
}

/// R (row-major `[N_L, N_L]`, upper triangular, real diagonal) and Qᴴy of one resource
/// element, for the columns of H taken in a given order.
#[derive(Default)]
pub(crate) struct Triangular {
    pub r: Vec<C64>,
    pub yt: Vec<C64>,
    q: Vec<C64>,
}

impl Triangular {
    /// Factors the `[nr, nl]` row-major `h` with its columns permuted: column i of Q·R is
    /// column `order[i]` of `h`. A column dependent on the earlier ones gets a zero q and a
    /// zero row of R (which the distances then ignore).
    pub fn factor(&mut self, h: &[Cf32], y: &[Cf32], order: &[usize]) {
        let (nr, nl) = (y.len(), order.len());
        let q = &mut self.q;
        q.clear();
        for row in 0..nr {
            for &col in order {
                let v = h[row * nl + col];
                q.push([v[0] as f64, v[1] as f64]);
            }
        }
        self.r.clear();
        self.r.resize(nl * nl, [0.0; 2]);
        self.yt.clear();
        for i in 0..nl {
            for k in 0..i {
                // r_ki = q_kᴴ v_i, v_i −= r_ki q_k.
                let mut acc = [0.0; 2];
                for row in 0..nr {
                    acc = add(acc, conj_mul(q[row * nl + k], q[row * nl + i]));
                }
                self.r[k * nl + i] = acc;
                for row in 0..nr {
                    let t = mul(acc, q[row * nl + k]);
                    q[row * nl + i] = sub(q[row * nl + i], t);
                }
            }
            let norm = (0..nr).map(|row| abs2(q[row * nl + i])).sum::<f64>().sqrt();
            let scale = if norm > 1e-150 { 1.0 / norm } else { 0.0 };
            for row in 0..nr {
                q[row * nl + i] = [q[row * nl + i][0] * scale, q[row * nl + i][1] * scale];
            }
            self.r[i * nl + i] = [if scale > 0.0 { norm } else { 0.0 }, 0.0];
            let mut acc = [0.0; 2];
            for row in 0..nr {
                acc = add(
                    acc,
                    conj_mul(q[row * nl + i], [y[row][0] as f64, y[row][1] as f64]),
                );
            }
            self.yt.push(acc);
        }
    }

    /// (Qᴴy)_level − Σ_{j > level} R_level,j x_j, with x_j = `symbol(j)`: the point the
    /// level's own term |c − R_ll x_level|² measures from.
    pub fn residual(&self, level: usize, symbol: impl Fn(usize) -> C64) -> C64 {
        let nl = self.yt.len();
        let mut c = self.yt[level];
        for j in level + 1..nl {
            c = sub(c, mul(self.r[level * nl + j], symbol(j)));
        }
        c
    }

    /// R_ll (real).
    pub fn diagonal(&self, level: usize) -> f64 {
        self.r[level * self.yt.len() + level][0]
    }
}

pub(crate) fn add(a: C64, b: C64) -> C64 {
    [a[0] + b[0], a[1] + b[1]]
}

pub(crate) fn sub(a: C64, b: C64) -> C64 {
    [a[0] - b[0], a[1] - b[1]]
}

pub(crate) fn mul(a: C64, b: C64) -> C64 {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

/// conj(a)·b.
pub(crate) fn conj_mul(a: C64, b: C64) -> C64 {
    [a[0] * b[0] + a[1] * b[1], a[0] * b[1] - a[1] * b[0]]
}

pub(crate) fn abs2(a: C64) -> f64 {
    a[0] * a[0] + a[1] * a[1]
}

/// |c − rd·p|², the distance term of one tree node.
pub(crate) fn node_distance(c: C64, rd: f64, p: C64) -> f64 {
    abs2([c[0] - rd * p[0], c[1] - rd * p[1]])
}

/// Helpers of the tree detectors' tests: random draws, y = Hx + n, and LLRs by listing
/// every hypothesis with ‖y − Hx‖² computed directly (no QR, no tree).
#[cfg(test)]
pub(crate) mod test_support {
    use super::{indexed_points, C64};
    use sim_core::qam::{Constellation, DemapperKind};
    use sim_core::rng::{BlockRng, Stream};
    use sim_core::Cf32;

    pub fn random(rng: &BlockRng, stream: Stream, variance: f32, n: usize) -> Vec<Cf32> {
        let mut v = vec![[0f32; 2]; n];
        rng.complex_gaussian(stream, variance, &mut v);
        v
    }

    /// y = Hx + n.
    pub fn observe(h: &[Cf32], x: &[Cf32], noise: &[Cf32]) -> Vec<Cf32> {
        let (nr, nl) = (noise.len(), x.len());
        (0..nr)
            .map(|r| {
                let mut acc = noise[r];
                for l in 0..nl {
                    let (a, b) = (h[r * nl + l], x[l]);
                    acc[0] += a[0] * b[0] - a[1] * b[1];
                    acc[1] += a[0] * b[1] + a[1] * b[0];
                }
                acc
            })
            .collect()
    }

    /// ‖y − Hx‖²/N0 for the hypothesis whose layer l carries point `symbol(l)`, in f64.
    pub fn metric(h: &[Cf32], y: &[Cf32], no: f32, x: &[C64]) -> f64 {
        let (nr, nl) = (y.len(), x.len());
        let mut e2 = 0.0;
        for r in 0..nr {
            let mut e = [y[r][0] as f64, y[r][1] as f64];
            for (l, p) in x.iter().enumerate() {
                let a = [h[r * nl + l][0] as f64, h[r * nl + l][1] as f64];
                e[0] -= a[0] * p[0] - a[1] * p[1];
                e[1] -= a[0] * p[1] + a[1] * p[0];
            }
            e2 += e[0] * e[0] + e[1] * e[1];
        }
        e2 / no as f64
    }

    /// The exact LLRs over all M^{N_L} hypotheses (layer l of hypothesis `hyp` is digit l
    /// of `hyp` in base M).
    pub fn brute_force(
        c: &Constellation,
        kind: DemapperKind,
        h: &[Cf32],
        y: &[Cf32],
        no: f32,
        nl: usize,
    ) -> Vec<f64> {
        let points = indexed_points(c);
        let (m, qm) = (points.len(), c.bits_per_symbol());
        let total = m.pow(nl as u32);
        let digit = |hyp: usize, l: usize| (hyp / m.pow(l as u32)) % m;
        let d: Vec<f64> = (0..total)
            .map(|hyp| {
                let x: Vec<C64> = (0..nl).map(|l| points[digit(hyp, l)]).collect();
                metric(h, y, no, &x)
            })
            .collect();
        let d_min = d.iter().cloned().fold(f64::INFINITY, f64::min);
        let mut out = Vec::new();
        for l in 0..nl {
            for j in 0..qm {
                let bit = |hyp: usize| (digit(hyp, l) >> (qm - 1 - j)) & 1;
                let class = |b: usize| (0..total).filter(move |&hyp| bit(hyp) == b);
                out.push(match kind {
                    DemapperKind::MaxLog => {
                        class(1).map(|i| d[i]).fold(f64::INFINITY, f64::min)
                            - class(0).map(|i| d[i]).fold(f64::INFINITY, f64::min)
                    }
                    DemapperKind::App => {
                        let s = |b| class(b).map(|i| (d_min - d[i]).exp()).sum::<f64>();
                        s(0).ln() - s(1).ln()
                    }
                });
            }
        }
        out
    }

    /// `detect` (H, y, N0 → LLRs) against [`brute_force`] on 20 random `nr × nl` channels
    /// drawn from (`seed`, `case`), with N0 from 0.2 to 0.6 so that many bits are uncertain:
    /// every LLR within 1e-5 (relative, absolute below 1).
    pub fn assert_exhaustive_llrs(
        c: &Constellation,
        kind: DemapperKind,
        (nr, nl): (usize, usize),
        (seed, case): (u64, u32),
        mut detect: impl FnMut(&[Cf32], &[Cf32], f32, &mut [f32]),
    ) {
        for trial in 0..20u32 {
            let rng = BlockRng::new(seed, case, trial);
            let h = random(&rng, Stream::Fading, 1.0, nr * nl);
            let y = random(&rng, Stream::Noise, 2.0, nr);
            let no = 0.2 + 0.1 * (trial % 5) as f32;
            let mut llr = vec![0f32; nl * c.bits_per_symbol()];
            detect(&h, &y, no, &mut llr);
            let want = brute_force(c, kind, &h, &y, no, nl);
            for (i, (&got, &w)) in llr.iter().zip(&want).enumerate() {
                assert!(
                    (got as f64 - w).abs() <= 1e-5 * w.abs().max(1.0),
                    "{:?} {nr}×{nl} {kind:?} trial {trial} bit {i}: {got} vs {w}",
                    c.modulation
                );
            }
        }
    }
}
