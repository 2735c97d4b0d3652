//! Clustered delay line models CDL-A…E of TR 38.901 §7.7.1 for antenna arrays, with
//! delay-spread scaling (§7.7.3) and per-ray Doppler from the UE velocity.
//!
//! Tables come from `channels/data/tr38901_cdl.csv` and `tr38901_cdl_params.csv` (copied from
//! 3GPP). Per slot, following §7.7.1 steps 1–3: each non-LOS cluster has M = 20 rays with
//! the offsets αₘ of Table 7.5-3 scaled by the cluster spreads (c_ASD, c_ASA, c_ZSD,
//! c_ZSA); the AOD, ZOA and ZOD offsets are coupled to the AOA offsets by random
//! permutations; each ray gets four random initial phases (Φθθ, Φθφ, Φφθ, Φφφ) and the
//! model's cross-polarization ratio κ (XPR). Elements are linearly polarized with slant ζ
//! (polarization model 2 of §7.3.2: F_θ = √A·cos ζ, F_φ = √A·sin ζ; V: ζ = 0, H: 90°,
//! cross: ±45°). The LOS cluster of CDL-D/E is one ray with the polarization matrix
//! diag(1, −1). Cluster powers are normalized to a total of one. The optional angle scaling
//! of §7.7.5.1 ([`CdlModel::scale_angles`]) maps every ray angle linearly about the model's
//! circular mean (Annex A spread of all rays) to a desired spread and mean.
//!
//! Coefficient of cluster n between receive port u and transmit port s at time t (TR 38.901
//! eq. 7.5-22): Σₘ √(Pₙ/M) F_rx(θ_ZOA, φ_AOA)ᵀ [e^{jΦθθ} κ^{−½}e^{jΦθφ}; κ^{−½}e^{jΦφθ} e^{jΦφφ}]
//! F_tx(θ_ZOD, φ_AOD) e^{j2π r̂_rx·d_u} e^{j2π r̂_tx·d_s} e^{j2π r̂_UE·v̄ t/λ}, with port positions
//! d in wavelengths.

use sim_core::data::data_fields;
use sim_core::rng::{u32_to_open01, BlockRng, Stream};
use sim_core::Cf32;
use std::f64::consts::{PI, TAU};

pub use crate::antenna::{Array, ElementPattern, Polarization};

const CDL_CSV: &str = include_str!("../data/tr38901_cdl.csv");
const CDL_PARAMS_CSV: &str = include_str!("../data/tr38901_cdl_params.csv");

/// TR 38.901 Table 7.5-3: ray offset angles within a cluster for a unit rms angle spread.
pub const RAY_OFFSETS: [f64; 10] = [
    0.0447, 0.1413, 0.2492, 0.3715, 0.5129, 0.6797, 0.8844, 1.1481, 1.5195, 2.1551,
];
/// Rays per cluster.
pub const RAYS: usize = 20;
/// Uniform draws a non-LOS cluster takes from the slot's fading stream (three Fisher-Yates
/// couplings, then four phases per ray); a LOS cluster takes one.
pub const NLOS_UNIFORMS: usize = 3 * (RAYS - 1) + 4 * RAYS;

/// One cluster of a CDL table (angles in degrees, power linear and normalized).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cluster {
    pub delay_s: f64,
    pub power: f64,
    pub aod: f64,
    pub aoa: f64,
    pub zod: f64,
    pub zoa: f64,
    pub los: bool,
    /// 0: a whole cluster (20 rays). 1, 2, 3: sub-cluster k of a cluster split by TR 38.901
    /// §7.5 step 11 (the stochastic models' two strongest); the three follow each other,
    /// share the parent's angles and draws, and hold the rays of [`SUBCLUSTER_RAYS`].
    pub group: u8,
}

/// TR 38.901 Table 7.5-5: the rays (0-based m, offsets ±α as in [`RAY_OFFSETS`] order
/// 1, 2, …, 20) of sub-clusters 1, 2 and 3 of a split cluster.
pub const SUBCLUSTER_RAYS: [&[usize]; 3] = [
    &[0, 1, 2, 3, 4, 5, 6, 7, 18, 19],
    &[8, 9, 10, 11, 16, 17],
    &[12, 13, 14, 15],
];
const ALL_RAYS: [usize; RAYS] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
];

/// The offsets ±αₘ of rays m = 0 … 19 in Table 7.5-3 order (+α₁, −α₁, +α₂, …).
pub fn signed_ray_offsets() -> [f64; RAYS] {
    std::array::from_fn(|m| RAY_OFFSETS[m / 2] * if m % 2 == 0 { 1.0 } else { -1.0 })
}

/// The rays of a cluster of `group` (0: all 20).
fn ray_indices(group: u8) -> &'static [usize] {
    match group {
        0 => &ALL_RAYS,
        k => SUBCLUSTER_RAYS[k as usize - 1],
    }
}

/// A CDL model scaled to a delay spread, between two arrays, with a UE speed.
#[derive(Debug, Clone, PartialEq)]
pub struct CdlModel {
    pub profile: char,
    pub clusters: Vec<Cluster>,
    /// c_ASD, c_ASA, c_ZSD, c_ZSA in degrees.
    pub spreads: [f64; 4],
    /// Cross-polarization power ratio κ (linear).
    pub xpr: f64,
    /// Per-ray XPR (TR 38.901 §7.5 step 9): each NLOS ray's κ is 10^((10·log10 xpr + σ·z)/10),
    /// z ~ N(0, 1), with σ this (dB); 0 (the CDL tables): every ray has `xpr`.
    pub xpr_sigma_db: f64,
    pub tx: Array,
    pub rx: Array,
    /// Maximum Doppler shift v/λ, Hz; the UE moves along +x (θ_v = 90°, φ_v = 0°).
    pub doppler_hz: f64,
    /// A frequency shift common to every ray (Hz): a satellite's residual Doppler shift or a
    /// carrier frequency offset; 0 by default.
    pub shift_hz: f64,
    /// The tables give departure angles at the base station and arrival angles at the UE.
    /// Downlink: tx = BS, rx = UE. Uplink: tx = UE, rx = BS, so the receiver sees the
    /// table's departure angles (and spreads) and the UE's motion sits on the transmit side.
    pub uplink: bool,
    /// Angle scaling (§7.7.5.1) of [AOD, AOA, ZOD, ZOA]: identity unless
    /// [`CdlModel::scale_angles`] was called.
    pub angle_maps: [AngleMap; 4],
}

/// TR 38.901 eq. 7.7-5: φ ↦ scale·wrap(φ − model mean) + desired mean (degrees).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AngleMap {
    pub scale: f64,
    pub model_mean: f64,
    pub desired_mean: f64,
}

impl Default for AngleMap {
    fn default() -> Self {
        AngleMap {
            scale: 1.0,
            model_mean: 0.0,
            desired_mean: 0.0,
        }
    }
}

impl AngleMap {
    /// The mapped angle (unchanged, bit for bit, by the identity map).
    pub fn apply(&self, phi: f64) -> f64 {
        if *self == AngleMap::default() {
            return phi;
        }
        self.scale * wrap_deg(phi - self.model_mean) + self.desired_mean
    }
}

/// Circular mean and angle spread (TR 38.901 Annex A, eq. A-1: √(−2 ln R) with R the
/// magnitude of the power-weighted mean phasor) of (angle °, power) pairs, degrees.
pub fn circular_spread(rays: &[(f64, f64)]) -> (f64, f64) {
    let total: f64 = rays.iter().map(|r| r.1).sum();
    let (s, c) = rays.iter().fold((0.0, 0.0), |(s, c), &(a, p)| {
        let (sn, cs) = a.to_radians().sin_cos();
        (s + p * sn, c + p * cs)
    });
    let r = (s * s + c * c).sqrt() / total;
    (
        s.atan2(c).to_degrees(),
        (-2.0 * r.ln()).max(0.0).sqrt().to_degrees(),
    )
}

pub(crate) fn wrap_deg(x: f64) -> f64 {
    (x + 180.0).rem_euclid(360.0) - 180.0
}

/// Unit vector toward zenith `theta`, azimuth `phi` (rad).
fn direction(theta: f64, phi: f64) -> [f64; 3] {
    [
        theta.sin() * phi.cos(),
        theta.sin() * phi.sin(),
        theta.cos(),
    ]
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// A zenith angle folded into [0°, 180°] (TR 38.901 eq. 7.5-15).
fn fold_zenith(theta_deg: f64) -> f64 {
    let t = theta_deg.rem_euclid(360.0);
    if t > 180.0 {
        360.0 - t
    } else {
        t
    }
}

/// Uniforms in (0, 1) of one slot's `stream`, in order (uniform i is word i mod 4 of draw
/// ⌊i/4⌋), and standard normals from them.
pub(crate) struct UniformDraws<'a> {
    rng: &'a BlockRng,
    stream: Stream,
    counter: u32,
    pending: Vec<f64>,
}

impl<'a> UniformDraws<'a> {
    pub(crate) fn new(rng: &'a BlockRng, stream: Stream) -> Self {
        UniformDraws {
            rng,
            stream,
            counter: 0,
            pending: Vec::new(),
        }
    }

    pub(crate) fn uniform(&mut self) -> f64 {
        if self.pending.is_empty() {
            let r = self.rng.draw(self.stream, self.counter);
            self.counter += 1;
            self.pending
                .extend(r.iter().rev().map(|&x| u32_to_open01(x) as f64));
        }
        self.pending.pop().expect("refilled")
    }

    /// A standard normal (Box–Muller, one per two uniforms).
    pub(crate) fn gaussian(&mut self) -> f64 {
        let (a, b) = (self.uniform(), self.uniform());
        (-2.0 * a.ln()).sqrt() * (TAU * b).cos()
    }
}

/// Per-slot ray parameters of one cluster, drawn once per slot and shared by all links.
#[derive(Clone, Copy)]
struct Ray {
    power: f64,
    aoa: f64,
    zoa: f64,
    aod: f64,
    zod: f64,
    /// Φθθ, Φθφ, Φφθ, Φφφ (LOS: the first only).
    phases: [f64; 4],
    /// κ^(−1/2) of this ray.
    cross: f64,
    los: bool,
}

impl CdlModel {
    /// `None` for an unknown profile.
    pub fn new(
        profile: char,
        delay_spread_s: f64,
        doppler_hz: f64,
        tx: Array,
        rx: Array,
    ) -> Option<Self> {
        let num = |s: &str| s.parse::<f64>().expect("CDL table number");
        let mut clusters: Vec<Cluster> = data_fields(CDL_CSV)
            .filter(|f| f.len() == 9 && f[0].starts_with(profile))
            .map(|f| Cluster {
                delay_s: num(f[2]) * delay_spread_s,
                power: 10f64.powf(num(f[3]) / 10.0),
                aod: num(f[4]),
                aoa: num(f[5]),
                zod: num(f[6]),
                zoa: num(f[7]),
                los: f[8] == "1",
                group: 0,
            })
            .collect();
        let p = data_fields(CDL_PARAMS_CSV).find(|f| f.len() == 6 && f[0].starts_with(profile))?;
        if clusters.is_empty() {
            return None;
        }
        let total: f64 = clusters.iter().map(|c| c.power).sum();
        clusters.iter_mut().for_each(|c| c.power /= total);
        Some(CdlModel {
            profile,
            clusters,
            spreads: [num(p[1]), num(p[2]), num(p[3]), num(p[4])],
            xpr: 10f64.powf(num(p[5]) / 10.0),
            xpr_sigma_db: 0.0,
            tx,
            rx,
            doppler_hz,
            shift_hz: 0.0,
            uplink: false,
            angle_maps: [AngleMap::default(); 4],
        })
    }

    /// (angle °, power) of every ray in dimension `d` (0 AOD, 1 AOA, 2 ZOD, 3 ZOA), after
    /// the angle maps, zenith angles folded; LOS clusters are one ray.
    pub fn ray_angles(&self, d: usize) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        let all = signed_ray_offsets();
        for c in &self.clusters {
            let base = [c.aod, c.aoa, c.zod, c.zoa][d];
            let offsets: Vec<f64> = if c.los {
                vec![0.0]
            } else {
                ray_indices(c.group).iter().map(|&m| all[m]).collect()
            };
            let power = c.power / offsets.len() as f64;
            for o in offsets {
                let a = self.angle_maps[d].apply(base + self.spreads[d] * o);
                out.push((if d >= 2 { fold_zenith(a) } else { a }, power));
            }
        }
        out
    }

    /// TR 38.901 §7.7.5.1: scales the ray angles of each dimension [AOD, AOA, ZOD, ZOA]
    /// about the model's circular mean so that the spread becomes `spreads` (degrees), and
    /// moves the mean to `means`; `None` keeps the table's. The model's spread and mean are
    /// those of all rays (offsets included, Annex A).
    pub fn scale_angles(&mut self, spreads: Option<[f64; 4]>, means: Option<[f64; 4]>) {
        for d in 0..4 {
            self.angle_maps[d] = AngleMap::default();
            let (mean, spread) = circular_spread(&self.ray_angles(d));
            self.angle_maps[d] = AngleMap {
                scale: spreads.map_or(1.0, |s| s[d] / spread),
                model_mean: mean,
                desired_mean: means.map_or(mean, |m| m[d]),
            };
        }
    }

    /// Rays of every cluster for this slot (step 2: random coupling; random phases; with
    /// `xpr_sigma_db`, a random XPR per ray). A split cluster draws once, as its parent, at
    /// its first sub-cluster, and hands each sub-cluster its rays.
    fn rays(&self, rng: &BlockRng) -> Vec<Vec<Ray>> {
        let mut d = UniformDraws::new(rng, Stream::Fading);
        let offsets = signed_ray_offsets();
        let [c_asd, c_asa, c_zsd, c_zsa] = self.spreads;
        let [m_aod, m_aoa, m_zod, m_zoa] = self.angle_maps;
        let base_cross = 1.0 / self.xpr.sqrt();
        let mut out: Vec<Vec<Ray>> = Vec::with_capacity(self.clusters.len());
        for (i, c) in self.clusters.iter().enumerate() {
            if c.los {
                out.push(vec![Ray {
                    power: c.power,
                    aoa: m_aoa.apply(c.aoa),
                    zoa: fold_zenith(m_zoa.apply(c.zoa)),
                    aod: m_aod.apply(c.aod),
                    zod: fold_zenith(m_zod.apply(c.zod)),
                    phases: [TAU * d.uniform() - PI, 0.0, 0.0, 0.0],
                    cross: base_cross,
                    los: true,
                }]);
                continue;
            }
            if c.group > 1 {
                continue; // drawn with sub-cluster 1
            }
            let parent = self.parent_power(i);
            // Fisher-Yates permutations coupling AOD, ZOA and ZOD offsets to the AOA ones.
            let mut perms = [[0usize; RAYS]; 3];
            for perm in &mut perms {
                for (i, p) in perm.iter_mut().enumerate() {
                    *p = i;
                }
                for i in (1..RAYS).rev() {
                    let j = ((d.uniform() * (i + 1) as f64) as usize).min(i);
                    perm.swap(i, j);
                }
            }
            let mut rays: Vec<Ray> = (0..RAYS)
                .map(|m| Ray {
                    power: parent / RAYS as f64,
                    aoa: m_aoa.apply(c.aoa + c_asa * offsets[m]),
                    aod: m_aod.apply(c.aod + c_asd * offsets[perms[0][m]]),
                    zoa: fold_zenith(m_zoa.apply(c.zoa + c_zsa * offsets[perms[1][m]])),
                    zod: fold_zenith(m_zod.apply(c.zod + c_zsd * offsets[perms[2][m]])),
                    phases: [0; 4].map(|_| TAU * d.uniform() - PI),
                    cross: base_cross,
                    los: false,
                })
                .collect();
            if self.xpr_sigma_db > 0.0 {
                for ray in &mut rays {
                    let z = d.gaussian();
                    ray.cross =
                        10f64.powf(-(10.0 * self.xpr.log10() + self.xpr_sigma_db * z) / 20.0);
                }
            }
            if c.group == 0 {
                out.push(rays);
            } else {
                for subset in SUBCLUSTER_RAYS {
                    out.push(subset.iter().map(|&m| rays[m]).collect());
                }
            }
        }
        out
    }

    /// Cluster coefficients of every (rx, tx) element pair at `times` (s).
    ///
    /// * `out` — `[rx, tx, times, clusters]`, complex.
    pub fn coefficients(&self, rng: &BlockRng, times: &[f64], out: &mut [Cf32]) {
        let (nr, ns, nt, nc) = (
            self.rx.positions.len(),
            self.tx.positions.len(),
            times.len(),
            self.clusters.len(),
        );
        assert_eq!(out.len(), nr * ns * nt * nc, "coefficient buffer");
        let rays = self.rays(rng);
        let velocity = [self.doppler_hz, 0.0, 0.0];
        out.iter_mut().for_each(|v| *v = [0.0; 2]);
        for (n, cluster_rays) in rays.iter().enumerate() {
            for ray in cluster_rays {
                let ue = (ray.zoa.to_radians(), ray.aoa.to_radians());
                let bs = (ray.zod.to_radians(), ray.aod.to_radians());
                let (at_rx, at_tx) = if self.uplink { (bs, ue) } else { (ue, bs) };
                let (r_rx, r_tx) = (direction(at_rx.0, at_rx.1), direction(at_tx.0, at_tx.1));
                let gain = ray.power.sqrt()
                    * self.rx.pattern.field(at_rx.0, at_rx.1)
                    * self.tx.pattern.field(at_tx.0, at_tx.1);
                let doppler =
                    dot(if self.uplink { &r_tx } else { &r_rx }, &velocity) + self.shift_hz;
                let cross = ray.cross;
                for (u, du) in self.rx.positions.iter().enumerate() {
                    let (su, cu) = self.rx.slants[u].sin_cos();
                    for (s, ds) in self.tx.positions.iter().enumerate() {
                        let (ss, cs_) = self.tx.slants[s].sin_cos();
                        // F_rxᵀ · M · F_tx for unit-amplitude slanted ports.
                        let pol: [f64; 2] = if ray.los {
                            let (sn, cs) = ray.phases[0].sin_cos();
                            let a = cu * cs_ - su * ss;
                            [a * cs, a * sn]
                        } else {
                            let w = [cu * cs_, cu * ss * cross, su * cs_ * cross, su * ss];
                            let mut acc = [0.0; 2];
                            for (wk, ph) in w.iter().zip(&ray.phases) {
                                let (sn, cs) = ph.sin_cos();
                                acc = [acc[0] + wk * cs, acc[1] + wk * sn];
                            }
                            acc
                        };
                        let base = TAU * (dot(&r_rx, du) + dot(&r_tx, ds));
                        for (i, &t) in times.iter().enumerate() {
                            let (sn, cs) = (base + TAU * doppler * t).sin_cos();
                            let v = [pol[0] * cs - pol[1] * sn, pol[0] * sn + pol[1] * cs];
                            let o = &mut out[((u * ns + s) * nt + i) * nc + n];
                            o[0] += (gain * v[0]) as f32;
                            o[1] += (gain * v[1]) as f32;
                        }
                    }
                }
            }
        }
    }

    /// The power of cluster `i`'s parent: its own for a whole cluster, the three parts
    /// together for sub-cluster 1 of a split cluster (whose parts 2 and 3 follow it).
    pub fn parent_power(&self, i: usize) -> f64 {
        let parts = if self.clusters[i].group == 1 { 3 } else { 1 };
        self.clusters[i..i + parts].iter().map(|s| s.power).sum()
    }

    /// Cluster delays, s.
    pub fn delays(&self) -> Vec<f64> {
        self.clusters.iter().map(|c| c.delay_s).collect()
    }

    /// TR 38.901 §7.7.6: rescales the LOS profiles CDL-D/E to K-factor `k_db` (specular
    /// cluster power over all other clusters) and RMS delay spread `delay_spread_s`
    /// ([`crate::k_factor::scale_k_factor`]). Returns `false` for profiles without LOS.
    pub fn scale_k_factor(&mut self, k_db: f64, delay_spread_s: f64) -> bool {
        crate::k_factor::scale_paths(
            &mut self.clusters,
            |c| (c.delay_s, c.power, c.los),
            |c, d, p| (c.delay_s, c.power) = (d, p),
            k_db,
            delay_spread_s,
        )
    }
}

#[cfg(test)]
mod tests;
