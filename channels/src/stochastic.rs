//! The TR 38.901 §7.5 fast-fading model for the UMa, UMi street-canyon, RMa and InH-office
//! scenarios, one BS–UE link: every slot is a new drop of large-scale parameters and
//! clusters (steps 4–7 and 11 here; the rays, their coupling, XPR and phases, steps 7–10,
//! and the coefficients of eq. 7.5-22 are [`CdlModel`]'s, which this builds per slot).
//!
//! Per slot (all draws from the slot's [`Stream::LargeScale`]):
//! 1. LSPs: correlated standard normals x = L·z (L the square root of the Table 7.5-6
//!    cross-correlations of K, DS, ASD, ASA, ZSD, ZSA), lg X = μ + σ·x; ASD and ASA capped at
//!    104°, ZSD and ZSA at 52° (step 4).
//! 2. Delays τ'ₙ = −r_τ·DS·ln Xₙ, sorted and shifted to start at 0 (eq. 7.5-1/2); with LOS,
//!    divided by C_τ(K) (eq. 7.5-3/4) for the coefficients.
//! 3. Powers P'ₙ = exp(−τₙ(r_τ − 1)/(r_τ·DS))·10^(−Zₙ/10), Zₙ ~ N(0, ζ²), normalized
//!    (eq. 7.5-5/6); clusters 25 dB below the strongest are removed and the rest renormalized.
//!    With LOS a specular ray of power K_R/(K_R + 1) joins at delay 0 and the clusters keep
//!    1/(K_R + 1) (eq. 7.5-8, 7.5-30).
//! 4. Angles (eq. 7.5-9 … 7.5-19): azimuths φ'ₙ = 2(AS/1.4)·√(−ln(Pₙ/max P))/C_φ, zeniths
//!    θ'ₙ = −ZS·ln(Pₙ/max P)/C_θ (C_φ, C_θ of the table's cluster count, K-scaled with LOS),
//!    random sign, N(0, (spread/7)²) jitter, centred on the LOS direction (with LOS: shifted
//!    so that cluster 1 points at it); ZOA about 90° for O2I; ZOD offset by μ_offset,ZOD.
//!    Ray offsets: c_ASD, c_ASA, c_ZSA and (3/8)·10^{μ_lgZSD} for ZOD (eq. 7.5-20).
//! 5. Step 11: the two strongest clusters split into three sub-clusters at delays
//!    +0, +1.28·c_DS, +2.56·c_DS with 10, 6 and 4 of their 20 rays (Table 7.5-5).
//!
//! Geometry (a link-level simplification of §7.2): the BS at height h_BS, the UE at h_UT,
//! d_2D away at azimuth `ue_azimuth_deg` from the BS array's boresight; the UE array faces
//! the BS (LOS arrival azimuth 0°) and moves along its boresight, towards the BS. Without
//! path loss every slot's channel has unit mean power, as the CDL tables (the sweep sets the
//! SNR); no spatial consistency between slots (each slot is an independent drop, as a Sionna
//! batch example).
//!
//! With `[channel] pathloss` ([`StochasticModel::with_pathloss`]) each drop's paths carry its
//! large-scale loss relative to the link's reference loss (`sim_core::pathloss`): the Table
//! 7.4.1-1 path loss of the drop's condition, less the shadow fading SF = σ_SF·x_SF (x_SF
//! correlated with the LSPs through the Table 7.5-6 SF correlations, appended last to their
//! square root so the other LSPs are drawn as without it; SF counts as a gain, as the
//! negative DS–SF correlation implies), plus for O2I the penetration loss of §7.4.3 (wall
//! loss of the low- or high-loss model, 0.5·d_2D-in, N(0, σ_P²) dB). UMa draws its
//! effective environment height h_E (Table 7.4.1-1 note 1). These draws come after all
//! others of the drop, so the channel shape of every slot is the same with and without path
//! loss. The LMMSE prior ([`StochasticModel::mean_pdp`]) then averages the drops' paths as
//! received, weighted by their gains.

use crate::cdl::{Array, CdlModel, Cluster, UniformDraws};
use crate::tr38901_lsp::{los_probability, Condition, Geometry, LspParams, Scenario};
use sim_core::pathloss::{
    los_db, nlos_db, o2i_indoor_max_m, rma_breakpoint_m, uma_environment_c, uma_environment_height,
};
use sim_core::rng::{u32_to_open01, BlockRng, Stream};
use sim_core::scenario::schema::O2iLoss;

/// The zero-power placeholder path a drop is padded with (LOS-type: one draw).
const PAD: Cluster = Cluster {
    delay_s: 0.0,
    power: 0.0,
    aod: 0.0,
    aoa: 0.0,
    zod: 90.0,
    zoa: 90.0,
    los: true,
    group: 0,
};

/// A stochastic link model; [`StochasticModel::drop`] draws a slot's clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct StochasticModel {
    pub scenario: Scenario,
    pub condition: Condition,
    pub params: LspParams,
    /// Drawn LOS/NLOS condition (`condition` = LOS, `params` its parameters): the probability
    /// of LOS (TR 38.901 Table 7.4.2-1) and the NLOS parameters; `None`: always `condition`.
    pub los_probability: Option<(f64, LspParams)>,
    pub geometry: Geometry,
    /// LOS direction [AOD (BS frame), AOA (UE frame: 0), ZOD, ZOA], degrees.
    pub los_angles: [f64; 4],
    pub tx: Array,
    pub rx: Array,
    /// Maximum Doppler shift v/λ, Hz.
    pub doppler_hz: f64,
    /// A frequency shift common to every ray, Hz ([`CdlModel::shift_hz`]).
    pub shift_hz: f64,
    /// The UE transmits (the BS receives).
    pub uplink: bool,
    /// Each drop carries its path loss and shadow fading (`[channel] pathloss`).
    pub pathloss: Option<PathLoss>,
}

/// The large-scale loss of the drops: TR 38.901 §7.4 at `fc_ghz`, relative to `reference_db`
/// (a drop with exactly that loss has unit mean power).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathLoss {
    pub fc_ghz: f64,
    pub reference_db: f64,
    /// O2I links: the building penetration model.
    pub o2i_loss: O2iLoss,
}

/// The LSPs of one drop (spreads in s and degrees, K in dB; K is `None` without LOS).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lsps {
    pub ds_s: f64,
    pub asd: f64,
    pub asa: f64,
    pub zsd: f64,
    pub zsa: f64,
    pub k_db: Option<f64>,
    /// With path loss: the drop's shadow fading (a gain) and its whole loss (path loss −
    /// SF + O2I penetration), dB.
    pub sf_db: Option<f64>,
    pub loss_db: Option<f64>,
}

impl StochasticModel {
    /// The model of `scenario`/`condition` at `fc_ghz` between the `tx` and `rx` arrays,
    /// the UE at azimuth `ue_azimuth_deg` of the BS.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: Scenario,
        condition: Condition,
        fc_ghz: f64,
        geometry: Geometry,
        ue_azimuth_deg: f64,
        doppler_hz: f64,
        tx: Array,
        rx: Array,
    ) -> Self {
        let elevation = (geometry.bs_height_m - geometry.ue_height_m)
            .atan2(geometry.distance_2d_m)
            .to_degrees();
        StochasticModel {
            scenario,
            condition,
            params: LspParams::new(scenario, condition, fc_ghz, &geometry),
            los_probability: None,
            geometry,
            los_angles: [ue_azimuth_deg, 0.0, 90.0 + elevation, 90.0 - elevation],
            tx,
            rx,
            doppler_hz,
            shift_hz: 0.0,
            uplink: false,
            pathloss: None,
        }
    }

    /// The same model with each drop's path loss and shadow fading (see the module text).
    pub fn with_pathloss(mut self, fc_ghz: f64, reference_db: f64, o2i_loss: O2iLoss) -> Self {
        self.pathloss = Some(PathLoss {
            fc_ghz,
            reference_db,
            o2i_loss,
        });
        self
    }

    /// Paths of every drop: the table's clusters, four more from the two splits, and the LOS
    /// ray; a drop with fewer (clusters removed at −25 dB) is padded with zero-power LOS-type
    /// paths at delay 0 (one draw each, after every real path's), so that both executors see
    /// the same path count in every slot.
    pub fn max_paths(&self) -> usize {
        let own = self.params.clusters + 4 + usize::from(self.condition == Condition::Los);
        self.los_probability
            .as_ref()
            .map_or(own, |(_, nlos)| own.max(nlos.clusters + 4))
    }

    /// The same model with the condition drawn per drop: LOS with the probability of TR
    /// 38.901 Table 7.4.2-1 at this geometry ([`los_probability`]), else NLOS.
    pub fn with_los_probability(mut self, fc_ghz: f64) -> Self {
        let g = self.geometry;
        self.condition = Condition::Los;
        self.params = LspParams::new(self.scenario, Condition::Los, fc_ghz, &g);
        let nlos = LspParams::new(self.scenario, Condition::Nlos, fc_ghz, &g);
        let p = los_probability(self.scenario, g.distance_2d_m, g.ue_height_m);
        self.los_probability = Some((p, nlos));
        self
    }

    /// The condition and parameters of the drop of `rng` (a drawn condition takes word 0 of
    /// the large-scale stream's last counter, apart from the LSP draws).
    fn drop_condition(&self, rng: &BlockRng) -> (Condition, &LspParams) {
        match &self.los_probability {
            None => (self.condition, &self.params),
            Some((p_los, nlos)) => {
                let u = u32_to_open01(rng.draw(Stream::LargeScale, u32::MAX)[0]) as f64;
                if u < *p_los {
                    (Condition::Los, &self.params)
                } else {
                    (Condition::Nlos, nlos)
                }
            }
        }
    }

    /// Step 4: the drop's LSPs (and the normals they came from).
    fn lsps(p: &LspParams, condition: Condition, d: &mut UniformDraws) -> (Lsps, Vec<f64>) {
        let l = &p.sqrt_corr;
        let z: Vec<f64> = (0..l.len()).map(|_| d.gaussian()).collect();
        let x: Vec<f64> = (0..l.len())
            .map(|i| (0..=i).map(|k| l[i][k] * z[k]).sum())
            .collect();
        let los = condition == Condition::Los;
        // x holds K first with LOS; DS, ASD, ASA, ZSD, ZSA follow.
        let at = |i: usize| x[if los { i } else { i - 1 }];
        let lognormal = |ms: [f64; 2], v: f64| 10f64.powf(ms[0] + ms[1] * v);
        let lsps = Lsps {
            ds_s: lognormal(p.ds, at(1)),
            asd: lognormal(p.asd, at(2)).min(104.0),
            asa: lognormal(p.asa, at(3)).min(104.0),
            zsd: lognormal(p.zsd, at(4)).min(52.0),
            zsa: lognormal(p.zsa, at(5)).min(52.0),
            k_db: los.then(|| p.k_db[0] + p.k_db[1] * x[0]),
            sf_db: None,
            loss_db: None,
        };
        (lsps, z)
    }

    /// The drop's shadow fading and whole loss (dB), from the LSP normals `z` and further
    /// draws of `d` (the SF normal, two uniforms for UMa's h_E, and for O2I two uniforms
    /// and a normal).
    fn drop_loss(
        &self,
        pl: &PathLoss,
        condition: Condition,
        p: &LspParams,
        z: &[f64],
        d: &mut UniformDraws,
    ) -> (f64, f64) {
        let g = &self.geometry;
        let z_sf = d.gaussian();
        let x: f64 = p
            .sf_row
            .iter()
            .zip(z.iter().chain([&z_sf]))
            .map(|(a, b)| a * b)
            .sum();
        let sigma = match p.sigma_sf_los_db {
            Some([_, far]) if g.distance_2d_m > rma_breakpoint_m(pl.fc_ghz, g) => far,
            Some([near, _]) => near,
            None => p.sigma_sf_db,
        };
        let sf = sigma * x;
        let (u, v) = (d.uniform(), d.uniform());
        let c = uma_environment_c(g.distance_2d_m, g.ue_height_m);
        let h_e = if self.scenario == Scenario::Uma && u >= 1.0 / (1.0 + c) {
            uma_environment_height(g.ue_height_m, v)
        } else {
            1.0
        };
        let base = if condition == Condition::Los {
            los_db(self.scenario, pl.fc_ghz, g, h_e)
        } else {
            nlos_db(self.scenario, pl.fc_ghz, g, h_e)
        };
        let o2i = if condition == Condition::O2i {
            let d_in = o2i_indoor_max_m(self.scenario) * d.uniform().min(d.uniform());
            pl.o2i_loss.wall_db(pl.fc_ghz) + 0.5 * d_in + pl.o2i_loss.sigma_db() * d.gaussian()
        } else {
            0.0
        };
        (sf, base + o2i - sf)
    }

    /// The clusters of one slot's drop as a CDL model (and the drop's LSPs).
    pub fn drop(&self, rng: &BlockRng) -> (CdlModel, Lsps) {
        let (condition, p) = self.drop_condition(rng);
        let mut d = UniformDraws::new(rng, Stream::LargeScale);
        let (mut lsp, z) = Self::lsps(p, condition, &mut d);
        let n = p.clusters;
        // Step 5: delays.
        let mut tau: Vec<f64> = (0..n)
            .map(|_| -p.r_tau * lsp.ds_s * d.uniform().ln())
            .collect();
        tau.sort_by(f64::total_cmp);
        let t0 = tau[0];
        tau.iter_mut().for_each(|t| *t -= t0);
        // Step 6: powers.
        let mut power: Vec<f64> = tau
            .iter()
            .map(|&t| {
                let z = p.zeta_db * d.gaussian();
                (-t * (p.r_tau - 1.0) / (p.r_tau * lsp.ds_s)).exp() * 10f64.powf(-z / 10.0)
            })
            .collect();
        let total: f64 = power.iter().sum();
        power.iter_mut().for_each(|x| *x /= total);
        let (k, kr) = match lsp.k_db {
            Some(k) => (k, 10f64.powf(k / 10.0)),
            None => (0.0, 0.0),
        };
        let los = lsp.k_db.is_some();
        // Powers for the angles (eq. 7.5-8): the LOS ray joins cluster 1.
        let angle_power: Vec<f64> = power
            .iter()
            .enumerate()
            .map(|(i, &x)| x / (kr + 1.0) + if i == 0 { kr / (kr + 1.0) } else { 0.0 })
            .collect();
        let max_p = angle_power.iter().copied().fold(0.0, f64::max);
        // Step 7: cluster angles.
        let c_phi = p.c_phi
            * if los {
                1.1035 - 0.028 * k - 0.002 * k * k + 0.0001 * k.powi(3)
            } else {
                1.0
            };
        let c_theta = p.c_theta
            * if los {
                1.3086 + 0.0339 * k - 0.0077 * k * k + 0.0002 * k.powi(3)
            } else {
                1.0
            };
        let [los_aod, los_aoa, los_zod, los_zoa] = self.los_angles;
        let mut angles = |spread: f64, centre: f64, los_dir: f64, azimuth: bool| -> Vec<f64> {
            let raw: Vec<f64> = angle_power
                .iter()
                .map(|&x| {
                    let r = (x / max_p).ln();
                    let base = if azimuth {
                        2.0 * (spread / 1.4) * (-r).sqrt() / c_phi
                    } else {
                        -spread * r / c_theta
                    };
                    let sign = if d.uniform() < 0.5 { -1.0 } else { 1.0 };
                    sign * base + spread / 7.0 * d.gaussian()
                })
                .collect();
            let shift = if los { los_dir - raw[0] } else { centre };
            raw.iter().map(|a| a + shift).collect()
        };
        let aoa = angles(lsp.asa, los_aoa, los_aoa, true);
        let aod = angles(lsp.asd, los_aod, los_aod, true);
        let zoa_centre = if condition == Condition::O2i {
            90.0
        } else {
            los_zoa
        };
        let zoa = angles(lsp.zsa, zoa_centre, los_zoa, false);
        let zod = angles(lsp.zsd, los_zod + p.zod_offset_deg, los_zod, false);
        // Remove clusters 25 dB below the strongest; the two strongest split (step 11).
        let strongest = power.iter().copied().fold(0.0, f64::max);
        let kept: Vec<usize> = (0..n)
            .filter(|&i| power[i] >= strongest * 10f64.powf(-2.5))
            .collect();
        let kept_total: f64 = kept.iter().map(|&i| power[i]).sum();
        let mut order = kept.clone();
        order.sort_by(|&a, &b| power[b].total_cmp(&power[a]));
        let split = &order[..order.len().min(2)];
        let c_tau = if los {
            0.7705 - 0.0433 * k + 0.0002 * k * k + 0.000017 * k.powi(3)
        } else {
            1.0
        };
        let mut clusters = Vec::with_capacity(kept.len() + 5);
        if los {
            clusters.push(Cluster {
                delay_s: 0.0,
                power: kr / (kr + 1.0),
                aod: los_aod,
                aoa: los_aoa,
                zod: los_zod,
                zoa: los_zoa,
                los: true,
                group: 0,
            });
        }
        for &i in &kept {
            let cluster = Cluster {
                delay_s: tau[i] / c_tau,
                power: power[i] / kept_total / (kr + 1.0),
                aod: aod[i],
                aoa: aoa[i],
                zod: zod[i],
                zoa: zoa[i],
                los: false,
                group: 0,
            };
            if split.contains(&i) {
                for (g, (offset, share)) in [(0.0, 10.0), (1.28, 6.0), (2.56, 4.0)]
                    .into_iter()
                    .enumerate()
                {
                    clusters.push(Cluster {
                        delay_s: cluster.delay_s + offset * p.c_ds_s,
                        power: cluster.power * share / 20.0,
                        group: g as u8 + 1,
                        ..cluster
                    });
                }
            } else {
                clusters.push(cluster);
            }
        }
        if let Some(pl) = &self.pathloss {
            let (sf, loss) = self.drop_loss(pl, condition, p, &z, &mut d);
            let gain = 10f64.powf(-(loss - pl.reference_db) / 10.0);
            clusters.iter_mut().for_each(|c| c.power *= gain);
            (lsp.sf_db, lsp.loss_db) = (Some(sf), Some(loss));
        }
        clusters.resize(self.max_paths(), PAD);
        (self.with_clusters(p, clusters), lsp)
    }

    /// The CDL model of a drop with `clusters`: the scenario's ray spreads (c_ASD, c_ASA,
    /// (3/8)·10^{μ_lgZSD}, c_ZSA), per-ray XPR, arrays, Doppler and direction.
    fn with_clusters(&self, p: &LspParams, clusters: Vec<Cluster>) -> CdlModel {
        CdlModel {
            profile: '-',
            clusters,
            spreads: [p.c_asd, p.c_asa, 0.375 * 10f64.powf(p.zsd[0]), p.c_zsa],
            xpr: 10f64.powf(p.xpr_db[0] / 10.0),
            xpr_sigma_db: p.xpr_db[1],
            tx: self.tx.clone(),
            rx: self.rx.clone(),
            doppler_hz: self.doppler_hz,
            shift_hz: self.shift_hz,
            uplink: self.uplink,
            angle_maps: Default::default(),
        }
    }

    /// What every drop shares, with [`Self::max_paths`] zero-power placeholder paths (the
    /// padding of a drop; the GPU chain's per-run table, whose paths come per slot).
    pub fn template(&self) -> CdlModel {
        self.with_clusters(&self.params, vec![PAD; self.max_paths()])
    }
}

impl StochasticModel {
    /// The ensemble-average power-delay profile: the paths of `drops` drops (drawn with a
    /// fixed key of their own, not the sweep's), powers averaged, merged into delay bins of
    /// `bin_s` (each bin at its power-weighted mean delay); powers sum to one. Its frequency
    /// correlation Σ p·e^{−j2πΔfτ} is the channel's E[H(f)·H*(f + Δf)] between omni elements,
    /// the prior LMMSE estimation uses.
    pub fn mean_pdp(&self, drops: u32, bin_s: f64) -> Vec<(f64, f64)> {
        let mut bins: std::collections::BTreeMap<u64, (f64, f64)> = Default::default();
        for b in 0..drops {
            let (m, _) = self.drop(&BlockRng::new(0x5eed_7a5e, u32::MAX, b));
            for c in &m.clusters {
                let e = bins.entry((c.delay_s / bin_s).round() as u64).or_default();
                e.0 += c.power;
                e.1 += c.power * c.delay_s;
            }
        }
        let total: f64 = bins.values().map(|e| e.0).sum();
        bins.values()
            .filter(|e| e.0 > 0.0)
            .map(|&(p, pt)| (pt / p, p / total))
            .collect()
    }
}

#[cfg(test)]
mod tests;
