//! Maximum-likelihood MIMO detection with soft outputs (`[receiver] equalizer = "ml"`): for
//! y = H·x + n with N_L layers of an M-point constellation and noise CN(0, N0·I), the LLR of
//! bit j of layer l over all M^{N_L} joint hypotheses x,
//!
//! * APP: L = ln Σ_{x: b=0} e^{−‖y − Hx‖²/N0} − ln Σ_{x: b=1} e^{−‖y − Hx‖²/N0},
//! * max-log: L = min_{x: b=1} ‖y − Hx‖²/N0 − min_{x: b=0} ‖y − Hx‖²/N0,
//!
//! as Sionna's `MaximumLikelihoodDetector` (output "bit", "app" | "maxlog") computes them.
//!
//! The search is exhaustive but cheap per hypothesis: with H = QR (modified Gram-Schmidt),
//! ‖y − Hx‖² = ‖Qᴴy − Rx‖² + const, a sum of one term per layer that depends only on the
//! layers at and above it, so the hypotheses form a tree (layer N_L − 1 at the root) whose
//! partial distances are shared; each leaf costs one complex product. Every node passes the
//! minimum (APP: the sum of e^{d_min − d}) of its subtree to the table entry of its layer and
//! symbol, T[l][s] = min over the hypotheses with x_l = s; bit LLRs then come from T. APP
//! takes a second pass for the sums, offset by the first pass's overall minimum d_min; where
//! a bit's class sums fall below 1e-30 (more than ~69 nats from the best hypothesis) its LLR
//! is the max-log one. `shaders/ofdm_chain.wgsl` `ofdm_detect_ml` is the same algorithm.

use crate::qr_tree::{indexed_points, node_distance, Triangular, C64};
use sim_core::qam::{Constellation, DemapperKind, Modulation};
use sim_core::Cf32;

/// The most joint hypotheses M^{N_L} one resource element may have (e.g. 2 layers of
/// 256-QAM, 4 of 16-QAM).
pub use sim_core::scenario::schema::MAX_ML_HYPOTHESES as MAX_HYPOTHESES;

/// Below this a bit class's APP sum (relative to the best hypothesis) falls back to max-log.
const TINY: f64 = 1e-30;

/// The number of joint hypotheses of `layers` layers of `points`-point symbols, if it is at
/// most [`MAX_HYPOTHESES`].
pub fn hypotheses(points: usize, layers: usize) -> Option<usize> {
    points
        .checked_pow(layers as u32)
        .filter(|&n| n <= MAX_HYPOTHESES)
}

/// An ML detector for one constellation; keeps its scratch between resource elements.
pub struct MlDetector {
    modulation: Modulation,
    points: Vec<C64>,
    qm: usize,
    kind: DemapperKind,
    /// `[N_L · M]` max-log table T, then (APP) the sums S.
    min: Vec<f64>,
    sum: Vec<f64>,
    /// R and Qᴴy (columns in layer order).
    tri: Triangular,
    order: Vec<usize>,
    /// The symbols chosen at the layers above the node being visited.
    x: Vec<C64>,
}

impl MlDetector {
    /// The symbol of index s: its bits b_0 … b_{Q−1} (MSB first) mapped as TS 38.211 §5.1.
    pub fn new(constellation: &Constellation, kind: DemapperKind) -> Self {
        let modulation = constellation.modulation;
        let qm = constellation.bits_per_symbol();
        let points = indexed_points(constellation);
        MlDetector {
            modulation,
            points,
            qm,
            kind,
            min: Vec::new(),
            sum: Vec::new(),
            tri: Triangular::default(),
            order: Vec::new(),
            x: Vec::new(),
        }
    }

    /// Whether it was built for this constellation and demapper.
    pub fn is_for(&self, constellation: &Constellation, kind: DemapperKind) -> bool {
        self.modulation == constellation.modulation && self.kind == kind
    }

    /// LLRs of every bit of the `nl` layers of one resource element.
    ///
    /// * `h` — `[nr, nl]` channel (estimate), row-major; `y` — `[nr]`;
    /// * `no` — noise variance per receive antenna (plus any channel-estimate error);
    /// * `llr` — `[nl · Q_m]`: layer l's bits at `l · Q_m …` (positive means bit 0).
    pub fn detect(&mut self, h: &[Cf32], y: &[Cf32], no: f32, llr: &mut [f32]) {
        let (nr, m, qm) = (y.len(), self.points.len(), self.qm);
        let nl = llr.len() / qm;
        assert!(h.len() == nr * nl && llr.len() == nl * qm && hypotheses(m, nl).is_some());
        self.order.clear();
        self.order.extend(0..nl);
        self.tri.factor(h, y, &self.order);
        let inv_no = 1.0 / (no as f64).max(1e-30);
        self.x.resize(nl, [0.0; 2]);
        self.min.clear();
        self.min.resize(nl * m, f64::INFINITY);
        let d_min = self.visit(nl - 1, 0.0, inv_no, None);
        let app = self.kind == DemapperKind::App;
        if app {
            self.sum.clear();
            self.sum.resize(nl * m, 0.0);
            self.visit(nl - 1, 0.0, inv_no, Some(d_min));
        }
        for l in 0..nl {
            for j in 0..qm {
                let shift = qm - 1 - j;
                let (mut m0, mut m1) = (f64::INFINITY, f64::INFINITY);
                let (mut s0, mut s1) = (0.0, 0.0);
                for s in 0..m {
                    let t = self.min[l * m + s];
                    let e = if app { self.sum[l * m + s] } else { 0.0 };
                    if (s >> shift) & 1 == 0 {
                        m0 = m0.min(t);
                        s0 += e;
                    } else {
                        m1 = m1.min(t);
                        s1 += e;
                    }
                }
                let v = if app && s0 > TINY && s1 > TINY {
                    s0.ln() - s1.ln()
                } else {
                    m1 - m0
                };
                llr[l * qm + j] = v as f32;
            }
        }
    }

    /// Visits the subtree below the chosen symbols of the layers above `level` with partial
    /// distance `pd`; returns its minimum distance (or, with `app = Some(d_min)`, its sum of
    /// e^{d_min − d}) and folds each child's into the tables.
    fn visit(&mut self, level: usize, pd: f64, inv_no: f64, app: Option<f64>) -> f64 {
        let m = self.points.len();
        let c = self.tri.residual(level, |j| self.x[j]);
        let rd = self.tri.diagonal(level);
        let mut best = if app.is_some() { 0.0 } else { f64::INFINITY };
        for s in 0..m {
            let p = self.points[s];
            let d = pd + node_distance(c, rd, p) * inv_no;
            let v = if level == 0 {
                match app {
                    Some(d_min) => (d_min - d).exp(),
                    None => d,
                }
            } else {
                self.x[level] = p;
                self.visit(level - 1, d, inv_no, app)
            };
            let at = level * m + s;
            if app.is_some() {
                self.sum[at] += v;
                best += v;
            } else {
                self.min[at] = self.min[at].min(v);
                best = best.min(v);
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mimo::detect;
    use crate::qr_tree::test_support::{assert_exhaustive_llrs, observe, random};
    use sim_core::rng::{BlockRng, Stream};
    use sim_core::scenario::schema::EqualizerKind;

    /// The tree search gives the LLRs of the exhaustive list, for both kinds, on random
    /// channels of several shapes and constellations, at noise levels where many bits are
    /// uncertain.
    #[test]
    fn tree_search_equals_the_exhaustive_list() {
        let cases = [
            (Modulation::Qam16, 3, 2),
            (Modulation::Qpsk, 4, 3),
            (Modulation::Qam64, 2, 2),
            (Modulation::Qpsk, 4, 4),
            (Modulation::Bpsk, 2, 2),
            (Modulation::Qam16, 2, 2),
        ];
        for (case, &(modulation, nr, nl)) in cases.iter().enumerate() {
            let c = Constellation::new(modulation);
            for kind in [DemapperKind::App, DemapperKind::MaxLog] {
                let mut det = MlDetector::new(&c, kind);
                assert_exhaustive_llrs(&c, kind, (nr, nl), (7, case as u32), |h, y, no, llr| {
                    det.detect(h, y, no, llr)
                });
            }
        }
    }

    /// One layer: ML is the linear detector (maximum-ratio combining) followed by the
    /// symbol demapper, for both kinds.
    #[test]
    fn one_layer_is_combining_and_demapping() {
        let c = Constellation::new(Modulation::Qam64);
        for kind in [DemapperKind::App, DemapperKind::MaxLog] {
            let mut det = MlDetector::new(&c, kind);
            for trial in 0..50u32 {
                let rng = BlockRng::new(3, 1, trial);
                let h = random(&rng, Stream::Fading, 1.0, 2);
                let y = random(&rng, Stream::Noise, 1.0, 2);
                let no = 0.05;
                let mut llr = [0f32; 6];
                det.detect(&h, &y, no, &mut llr);
                let (mut z, mut var) = ([[0f32; 2]; 1], [0f32; 1]);
                detect(&h, &y, no, EqualizerKind::Zf, &mut z, &mut var);
                let mut want = [0f32; 6];
                c.demap(z[0], var[0], kind, &mut want);
                for (got, w) in llr.iter().zip(want) {
                    assert!(
                        (got - w).abs() <= 2e-3 * w.abs().max(1.0),
                        "{kind:?}: {got} vs {w}"
                    );
                }
            }
        }
    }

    /// A channel with orthogonal columns of equal norm decouples the layers: the joint ML
    /// LLRs equal each layer's zero-forcing output demapped alone.
    #[test]
    fn orthogonal_columns_decouple_the_layers() {
        let c = Constellation::new(Modulation::Qam16);
        let (a, b) = ([0.8f32, 0.3], [-0.2f32, 0.5]);
        // [[a, −b*], [b, a*]] (Alamouti's matrix): HᴴH = (|a|² + |b|²)·I.
        let h = [a, [-b[0], b[1]], b, [a[0], -a[1]]];
        for kind in [DemapperKind::App, DemapperKind::MaxLog] {
            let mut det = MlDetector::new(&c, kind);
            for trial in 0..50u32 {
                let rng = BlockRng::new(4, 2, trial);
                let y = random(&rng, Stream::Noise, 1.0, 2);
                let no = 0.1;
                let mut llr = [0f32; 8];
                det.detect(&h, &y, no, &mut llr);
                let (mut z, mut var) = ([[0f32; 2]; 2], [0f32; 2]);
                detect(&h, &y, no, EqualizerKind::Zf, &mut z, &mut var);
                for l in 0..2 {
                    let mut want = [0f32; 4];
                    c.demap(z[l], var[l], kind, &mut want);
                    for (got, w) in llr[4 * l..4 * l + 4].iter().zip(want) {
                        assert!(
                            (got - w).abs() <= 1e-3 * w.abs().max(1.0),
                            "{kind:?} layer {l}: {got} vs {w}"
                        );
                    }
                }
            }
        }
    }

    /// The APP LLRs are the true posteriors: over random 2×2 Rayleigh channels with 16-QAM
    /// on both layers, P(hard decision wrong | L) = 1/(1 + e^{|L|}), so the measured bit error
    /// rate equals the mean of 1/(1 + e^{|L|}) (200 000 bits; the BER's standard error is
    /// ~1% of it, the bound 5%). LMMSE + demapping, whose Gaussian treatment of the other
    /// layer is not exact, makes more errors on the same observations.
    #[test]
    fn app_llrs_are_calibrated_posteriors() {
        let c = Constellation::new(Modulation::Qam16);
        let mut det = MlDetector::new(&c, DemapperKind::App);
        let (nr, nl, no) = (2, 2, 0.1f32);
        let (mut errors, mut predicted, mut lmmse_errors, mut bits) = (0usize, 0f64, 0usize, 0);
        for trial in 0..25_000u32 {
            let rng = BlockRng::new(9, 3, trial);
            let h = random(&rng, Stream::Fading, 1.0, nr * nl);
            let noise = random(&rng, Stream::Noise, no, nr);
            let mut b = [0u8; 8];
            rng.bits(Stream::Bits, &mut b);
            let mut x = [[0f32; 2]; 2];
            c.map(&b, &mut x);
            let y = observe(&h, &x, &noise);
            let mut llr = [0f32; 8];
            det.detect(&h, &y, no, &mut llr);
            let (mut z, mut var) = ([[0f32; 2]; 2], [0f32; 2]);
            detect(&h, &y, no, EqualizerKind::Lmmse, &mut z, &mut var);
            let mut lin = [0f32; 8];
            for l in 0..2 {
                c.demap(z[l], var[l], DemapperKind::App, &mut lin[4 * l..4 * l + 4]);
            }
            for i in 0..8 {
                errors += ((llr[i] < 0.0) as u8 != b[i]) as usize;
                lmmse_errors += ((lin[i] < 0.0) as u8 != b[i]) as usize;
                predicted += 1.0 / (1.0 + (llr[i].abs() as f64).exp());
                bits += 1;
            }
        }
        let ber = errors as f64 / bits as f64;
        let want = predicted / bits as f64;
        let lmmse = lmmse_errors as f64 / bits as f64;
        assert!(
            (ber / want - 1.0).abs() < 0.05,
            "BER {ber} vs E[1/(1+e^|L|)] {want}"
        );
        assert!(lmmse > 1.1 * ber, "LMMSE BER {lmmse} vs ML {ber}");
    }

    #[test]
    fn hypothesis_limit() {
        assert_eq!(hypotheses(16, 4), Some(65_536));
        assert_eq!(hypotheses(256, 2), Some(65_536));
        assert_eq!(hypotheses(64, 3), None);
        assert_eq!(hypotheses(1024, 2), None);
    }
}
