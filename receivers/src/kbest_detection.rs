//! K-best MIMO detection with soft outputs (`[receiver] equalizer = "kbest"`, `kbest_paths =
//! K`), as Sionna's `KBestDetector` (output "bit", complex domain, `List2LLRSimple`):
//!
//! 1. The columns of H are ordered by ascending norm (so the strongest layer sits at the
//!    root of the tree and is decided first), and H = QR turns ‖y − Hx‖² into a sum of one
//!    term per layer, each depending on the layers at and above it ([`crate::qr_tree`]).
//! 2. Breadth first from the root, every surviving path is extended by all M symbols of the
//!    next layer and the K extensions of smallest partial distance d = ‖Qᴴy − Rx‖²/N0 survive
//!    (ties broken by parent and symbol index, so the list is deterministic).
//! 3. The K full paths x_k with distances d_k give the LLR of bit j of layer l:
//!    * `demapper = "max-log"` (Sionna's `List2LLRSimple`): L = min_{k: b=1} d_k − min_{k: b=0} d_k,
//!    * `demapper = "app"`: L = ln Σ_{k: b=0} e^{−d_k} − ln Σ_{k: b=1} e^{−d_k} over the list,
//!
//!    a bit with no counter-hypothesis in the list gets ±`kbest_llr_clip` (toward the value
//!    the whole list agrees on), and every LLR is clipped to that magnitude.
//!
//! With K = M^L the list is every hypothesis and the LLRs are [`crate::ml_detection`]'s
//! (clipped); K = 1 is sorted-QR successive interference cancellation with hard outputs.
//! Sionna's reference: Fincke–Pohst style breadth-first search, its Eq. 4–5 [FT2015].

use crate::qr_tree::{indexed_points, node_distance, Triangular, C64};
use sim_core::qam::{Constellation, DemapperKind, Modulation};
use sim_core::Cf32;
use std::cmp::Ordering;

/// Below this a bit class's APP sum (relative to the best path) falls back to max-log.
const TINY: f64 = 1e-30;

/// One resource element's K-best search, reusable across resource elements.
pub struct KBestDetector {
    modulation: Modulation,
    kind: DemapperKind,
    paths: usize,
    clip: f64,
    /// The constellation's points, indexed by their bits (MSB first).
    points: Vec<C64>,
    qm: usize,
    /// Column i of the factored matrix is column `order[i]` of H (ascending norm).
    order: Vec<usize>,
    norms: Vec<f64>,
    tri: Triangular,
    /// Surviving paths: `[count, N_L]` symbol indices by tree level (levels at and above the
    /// last one visited are set) and their distances; `next_*` is the level being built.
    sym: Vec<u16>,
    dist: Vec<f64>,
    next_sym: Vec<u16>,
    next_dist: Vec<f64>,
    /// Extensions of the current level: (distance, parent · M + symbol).
    cand: Vec<(f64, u32)>,
}

impl KBestDetector {
    /// A detector keeping `paths` (≥ 1) paths per layer, with LLRs clipped at `llr_clip`.
    pub fn new(
        constellation: &Constellation,
        kind: DemapperKind,
        paths: usize,
        llr_clip: f32,
    ) -> Self {
        assert!(paths >= 1 && llr_clip > 0.0);
        KBestDetector {
            modulation: constellation.modulation,
            kind,
            paths,
            clip: llr_clip as f64,
            points: indexed_points(constellation),
            qm: constellation.bits_per_symbol(),
            order: Vec::new(),
            norms: Vec::new(),
            tri: Triangular::default(),
            sym: Vec::new(),
            dist: Vec::new(),
            next_sym: Vec::new(),
            next_dist: Vec::new(),
            cand: Vec::new(),
        }
    }

    /// Whether this detector was built for these settings.
    pub fn is_for(
        &self,
        constellation: &Constellation,
        kind: DemapperKind,
        paths: usize,
        llr_clip: f32,
    ) -> bool {
        self.modulation == constellation.modulation
            && self.kind == kind
            && self.paths == paths
            && self.clip == llr_clip as f64
    }

    /// LLRs of every bit of every layer of one resource element.
    ///
    /// * `h` — `[nr, nl]` channel (estimate), row-major; `y` — `[nr]`;
    /// * `no` — noise variance per receive antenna (plus any channel-estimate error);
    /// * `llr` — `[nl · Q_m]`: layer l's bits at `l · Q_m …` (positive means bit 0).
    pub fn detect(&mut self, h: &[Cf32], y: &[Cf32], no: f32, llr: &mut [f32]) {
        let (nr, qm) = (y.len(), self.qm);
        let nl = llr.len() / qm;
        assert!(h.len() == nr * nl && llr.len() == nl * qm && nl >= 1);
        self.search(h, y, no, nl);
        let count = self.dist.len();
        let d_min = self.dist[0];
        for level in 0..nl {
            let layer = self.order[level];
            for j in 0..qm {
                let shift = qm - 1 - j;
                let (mut m0, mut m1) = (f64::INFINITY, f64::INFINITY);
                let (mut s0, mut s1) = (0.0, 0.0);
                for k in 0..count {
                    let d = self.dist[k];
                    let e = if self.kind == DemapperKind::App {
                        (d_min - d).exp()
                    } else {
                        0.0
                    };
                    if (self.sym[k * nl + level] as usize >> shift) & 1 == 0 {
                        m0 = m0.min(d);
                        s0 += e;
                    } else {
                        m1 = m1.min(d);
                        s1 += e;
                    }
                }
                let v = if m1 == f64::INFINITY {
                    self.clip
                } else if m0 == f64::INFINITY {
                    -self.clip
                } else if self.kind == DemapperKind::App && s0 > TINY && s1 > TINY {
                    s0.ln() - s1.ln()
                } else {
                    m1 - m0
                };
                llr[layer * qm + j] = v.clamp(-self.clip, self.clip) as f32;
            }
        }
    }

    /// The surviving list of the last [`detect`](Self::detect), best first: each path's
    /// distance ‖Qᴴy − Rx‖²/N0 and its symbol indices in layer order.
    pub fn list(&self) -> Vec<(f64, Vec<usize>)> {
        let nl = self.order.len();
        (0..self.dist.len())
            .map(|k| {
                let mut x = vec![0; nl];
                for level in 0..nl {
                    x[self.order[level]] = self.sym[k * nl + level] as usize;
                }
                (self.dist[k], x)
            })
            .collect()
    }

    /// Sorted QR, then the breadth-first search; leaves the K best full paths, best first,
    /// in `sym` / `dist`.
    fn search(&mut self, h: &[Cf32], y: &[Cf32], no: f32, nl: usize) {
        let (nr, m) = (y.len(), self.points.len());
        self.norms.clear();
        self.norms.extend((0..nl).map(|c| {
            (0..nr)
                .map(|r| {
                    let v = h[r * nl + c];
                    (v[0] as f64).powi(2) + (v[1] as f64).powi(2)
                })
                .sum::<f64>()
        }));
        self.order.clear();
        self.order.extend(0..nl);
        let norms = &self.norms;
        self.order.sort_by(|&a, &b| norms[a].total_cmp(&norms[b]));
        self.tri.factor(h, y, &self.order);
        let inv_no = 1.0 / (no as f64).max(1e-30);
        self.sym.clear();
        self.sym.resize(nl, 0);
        self.dist.clear();
        self.dist.push(0.0);
        let by_distance = |a: &(f64, u32), b: &(f64, u32)| -> Ordering {
            a.0.total_cmp(&b.0).then(a.1.cmp(&b.1))
        };
        for level in (0..nl).rev() {
            let rd = self.tri.diagonal(level);
            self.cand.clear();
            for p in 0..self.dist.len() {
                let path = &self.sym[p * nl..(p + 1) * nl];
                let points = &self.points;
                let c = self.tri.residual(level, |j| points[path[j] as usize]);
                for (s, &point) in points.iter().enumerate() {
                    let d = self.dist[p] + node_distance(c, rd, point) * inv_no;
                    self.cand.push((d, (p * m + s) as u32));
                }
            }
            let keep = self.paths.min(self.cand.len());
            if keep < self.cand.len() {
                self.cand.select_nth_unstable_by(keep - 1, by_distance);
                self.cand.truncate(keep);
            }
            self.cand.sort_unstable_by(by_distance);
            self.next_sym.clear();
            self.next_dist.clear();
            for &(d, at) in &self.cand {
                let (parent, s) = (at as usize / m, at as usize % m);
                self.next_sym
                    .extend_from_slice(&self.sym[parent * nl..(parent + 1) * nl]);
                self.next_sym[self.next_dist.len() * nl + level] = s as u16;
                self.next_dist.push(d);
            }
            std::mem::swap(&mut self.sym, &mut self.next_sym);
            std::mem::swap(&mut self.dist, &mut self.next_dist);
        }
    }
}

#[cfg(test)]
#[path = "kbest_detection_tests.rs"]
mod tests;
