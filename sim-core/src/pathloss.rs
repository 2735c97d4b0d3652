//! TR 38.901 §7.4 large-scale propagation of the scenario models: the path loss of Table
//! 7.4.1-1 (UMa, UMi street canyon, RMa, InH office; LOS and NLOS, with breakpoints), the
//! O2I building penetration loss of §7.4.3 (low- and high-loss models), the LOS
//! probability of Table 7.4.2-1, and the thermal noise of a link budget.
//!
//! These are the deterministic parts: `channels` draws the random ones per slot (shadow
//! fading correlated with the other large-scale parameters, UMa's effective environment
//! height, the indoor distance and the penetration loss's deviation). Frequencies are in
//! GHz, distances and heights in m, losses in dB. RMa takes the table's default average
//! building height h = 5 m and street width W = 20 m.

use crate::scenario::schema::{O2iLoss, PropagationCondition};

/// A TR 38.901 §7.2 scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Uma,
    Umi,
    Rma,
    Inh,
}

/// Where the UE is relative to the BS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    pub distance_2d_m: f64,
    pub bs_height_m: f64,
    pub ue_height_m: f64,
}

impl Geometry {
    /// d_3D.
    pub fn distance_3d_m(&self) -> f64 {
        self.distance_2d_m
            .hypot(self.bs_height_m - self.ue_height_m)
    }
}

const C: f64 = 299_792_458.0;
/// RMa's average building height and street width (the table's defaults).
const RMA_H: f64 = 5.0;
const RMA_W: f64 = 20.0;
/// Thermal noise density at 290 K, dBm/Hz.
pub const THERMAL_NOISE_DBM_HZ: f64 = -174.0;

/// TR 38.901 Table 7.4.2-1: the probability that an outdoor UE `d_2d` m from the BS at height
/// `h_ut` has a LOS path (InH: the mixed office).
pub fn los_probability(s: Site, d_2d: f64, h_ut: f64) -> f64 {
    match s {
        Site::Rma if d_2d <= 10.0 => 1.0,
        Site::Rma => (-(d_2d - 10.0) / 1000.0).exp(),
        Site::Umi | Site::Uma if d_2d <= 18.0 => 1.0,
        Site::Umi => 18.0 / d_2d + (-d_2d / 36.0).exp() * (1.0 - 18.0 / d_2d),
        Site::Uma => {
            (18.0 / d_2d + (-d_2d / 63.0).exp() * (1.0 - 18.0 / d_2d))
                * (1.0 + uma_environment_c(d_2d, h_ut))
        }
        Site::Inh if d_2d <= 1.2 => 1.0,
        Site::Inh if d_2d < 6.5 => (-(d_2d - 1.2) / 4.7).exp(),
        Site::Inh => (-(d_2d - 6.5) / 32.6).exp() * 0.32,
    }
}

/// UMa's C(d_2D, h_UT) of Table 7.4.1-1 note 1 (also the height term of the UMa LOS
/// probability, Table 7.4.2-1): the effective environment height h_E is 1 m with probability
/// 1/(1 + C), else drawn from {12, 15, …, h_UT − 1.5}.
pub fn uma_environment_c(d_2d: f64, h_ut: f64) -> f64 {
    if h_ut < 13.0 || d_2d <= 18.0 {
        return 0.0;
    }
    ((h_ut - 13.0) / 10.0).powf(1.5) * 1.25 * (d_2d / 100.0).powi(3) * (-d_2d / 150.0).exp()
}

/// The UMa h_E for a uniform `u` ∈ [0, 1) once h_E ≠ 1 m was drawn: one of {12, 15, …,
/// h_UT − 1.5} with equal probability.
pub fn uma_environment_height(h_ut: f64, u: f64) -> f64 {
    // At least {12}: C > 0 from h_UT 13 m, where the set would be empty below 13.5 m.
    let n = (((h_ut - 13.5) / 3.0).floor().max(0.0) as usize) + 1;
    12.0 + 3.0 * ((u * n as f64).floor() as usize).min(n - 1) as f64
}

/// RMa's breakpoint distance d_BP = 2π·h_BS·h_UT·f_c/c.
pub fn rma_breakpoint_m(fc_ghz: f64, g: &Geometry) -> f64 {
    2.0 * std::f64::consts::PI * g.bs_height_m * g.ue_height_m * fc_ghz * 1e9 / C
}

/// The LOS path loss of Table 7.4.1-1 (`h_e`: UMa's and UMi's effective environment height,
/// 1 m except for a drawn UMa one).
pub fn los_db(s: Site, fc_ghz: f64, g: &Geometry, h_e: f64) -> f64 {
    let lg = f64::log10;
    let d3 = g.distance_3d_m();
    let (h_bs, h_ut) = (g.bs_height_m, g.ue_height_m);
    match s {
        Site::Uma | Site::Umi => {
            let bp = 4.0 * (h_bs - h_e) * (h_ut - h_e) * fc_ghz * 1e9 / C;
            let (a, near, far, fall) = if s == Site::Uma {
                (28.0, 22.0, 40.0, 9.0)
            } else {
                (32.4, 21.0, 40.0, 9.5)
            };
            if g.distance_2d_m <= bp {
                a + near * lg(d3) + 20.0 * lg(fc_ghz)
            } else {
                a + far * lg(d3) + 20.0 * lg(fc_ghz) - fall * lg(bp * bp + (h_bs - h_ut).powi(2))
            }
        }
        Site::Rma => {
            let pl1 = |d: f64| {
                20.0 * lg(40.0 * std::f64::consts::PI * d * fc_ghz / 3.0)
                    + (0.03 * RMA_H.powf(1.72)).min(10.0) * lg(d)
                    - (0.044 * RMA_H.powf(1.72)).min(14.77)
                    + 0.002 * lg(RMA_H) * d
            };
            let bp = rma_breakpoint_m(fc_ghz, g);
            if g.distance_2d_m <= bp {
                pl1(d3)
            } else {
                pl1(bp) + 40.0 * lg(d3 / bp)
            }
        }
        Site::Inh => 32.4 + 17.3 * lg(d3) + 20.0 * lg(fc_ghz),
    }
}

/// The NLOS path loss of Table 7.4.1-1: max(PL_LOS, PL'_NLOS).
pub fn nlos_db(s: Site, fc_ghz: f64, g: &Geometry, h_e: f64) -> f64 {
    let lg = f64::log10;
    let d3 = g.distance_3d_m();
    let (h_bs, h_ut) = (g.bs_height_m, g.ue_height_m);
    let own = match s {
        Site::Uma => 13.54 + 39.08 * lg(d3) + 20.0 * lg(fc_ghz) - 0.6 * (h_ut - 1.5),
        Site::Umi => 35.3 * lg(d3) + 22.4 + 21.3 * lg(fc_ghz) - 0.3 * (h_ut - 1.5),
        Site::Rma => {
            161.04 - 7.1 * lg(RMA_W) + 7.5 * lg(RMA_H)
                - (24.37 - 3.7 * (RMA_H / h_bs).powi(2)) * lg(h_bs)
                + (43.42 - 3.1 * lg(h_bs)) * (lg(d3) - 3.0)
                + 20.0 * lg(fc_ghz)
                - (3.2 * lg(11.75 * h_ut).powi(2) - 4.97)
        }
        Site::Inh => 38.3 * lg(d3) + 17.30 + 24.9 * lg(fc_ghz),
    };
    own.max(los_db(s, fc_ghz, g, h_e))
}

impl O2iLoss {
    /// The wall loss PL_tw of Table 7.4.3-2 from the materials of Table 7.4.3-1 (f in GHz):
    /// low loss 5 − 10·log10(0.3·10^(−L_glass/10) + 0.7·10^(−L_concrete/10)), high loss
    /// 5 − 10·log10(0.7·10^(−L_IRRglass/10) + 0.3·10^(−L_concrete/10)); L_glass = 2 + 0.2·f,
    /// L_IRRglass = 23 + 0.3·f, L_concrete = 5 + 4·f.
    pub fn wall_db(self, fc_ghz: f64) -> f64 {
        let concrete = 5.0 + 4.0 * fc_ghz;
        let (glass, share) = match self {
            O2iLoss::Low => (2.0 + 0.2 * fc_ghz, 0.3),
            O2iLoss::High => (23.0 + 0.3 * fc_ghz, 0.7),
        };
        let lin = |l: f64| 10f64.powf(-l / 10.0);
        5.0 - 10.0 * (share * lin(glass) + (1.0 - share) * lin(concrete)).log10()
    }

    /// σ_P of Table 7.4.3-2, dB.
    pub fn sigma_db(self) -> f64 {
        match self {
            O2iLoss::Low => 4.4,
            O2iLoss::High => 6.5,
        }
    }
}

/// The indoor distance d_2D-in is the smaller of two uniform draws on 0 … this (m).
pub fn o2i_indoor_max_m(s: Site) -> f64 {
    if s == Site::Rma {
        10.0
    } else {
        25.0
    }
}

/// The link's reference loss: the mean loss in dB of its drops without shadow fading (SF has
/// zero mean in dB): the condition's path loss (h_E = 1 m); O2I: the NLOS loss, the wall
/// loss and the mean indoor loss 0.5·E[d_2D-in]; LOS probability: the LOS and NLOS losses
/// weighted by Table 7.4.2-1. The `snr_db` axis is the SNR at this loss.
pub fn reference_db(
    s: Site,
    c: PropagationCondition,
    o2i: O2iLoss,
    fc_ghz: f64,
    g: &Geometry,
) -> f64 {
    let los = los_db(s, fc_ghz, g, 1.0);
    let nlos = nlos_db(s, fc_ghz, g, 1.0);
    match c {
        PropagationCondition::Los => los,
        PropagationCondition::Nlos => nlos,
        PropagationCondition::O2i => nlos + o2i.wall_db(fc_ghz) + 0.5 * o2i_indoor_max_m(s) / 3.0,
        PropagationCondition::LosProbability => {
            let p = los_probability(s, g.distance_2d_m, g.ue_height_m);
            p * los + (1.0 - p) * nlos
        }
    }
}

/// Thermal noise power over `bandwidth_hz` behind a receiver of noise figure `nf_db`, dBm.
pub fn noise_dbm(bandwidth_hz: f64, nf_db: f64) -> f64 {
    THERMAL_NOISE_DBM_HZ + 10.0 * bandwidth_hz.log10() + nf_db
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Received power at 0 dBm transmit power (so −path loss) of ns-3's TR 38.901
    /// propagation-loss test suite (nsnam ns-3-dev, src/propagation/test/
    /// three-gpp-propagation-loss-model-test-suite.cc; 5 GHz, UE 1.5 m; BS UMa 25 m, UMi 10
    /// m, RMa 35 m, InH 3 m; ±0.05 dB there), an implementation written independently.
    #[test]
    fn path_loss_matches_ns3_vectors() {
        // (distance, received dBm with LOS, with NLOS); NaN: no vector there.
        type Rows = &'static [(f64, f64, f64)];
        let cases: [(Site, f64, Rows); 4] = [
            (
                Site::Rma,
                35.0,
                &[
                    (10.0, -77.3784, -77.3784),
                    (100.0, -87.2965, -95.7718),
                    (1000.0, -108.5577, -133.5223),
                    (5000.0, f64::NAN, -160.5169),
                    (10000.0, -140.3896, f64::NAN),
                ],
            ),
            (
                Site::Uma,
                25.0,
                &[
                    (10.0, -72.9380, -82.5131),
                    (100.0, -86.2362, -106.1356),
                    (1000.0, -109.7252, -144.7641),
                    (5000.0, -137.6794, -172.0753),
                ],
            ),
            (
                Site::Umi,
                10.0,
                &[
                    (10.0, -69.8591, -76.7563),
                    (100.0, -88.4122, -107.9432),
                    (1000.0, -119.3114, -143.1886),
                    (5000.0, -147.2696, -167.8617),
                ],
            ),
            (
                Site::Inh,
                3.0,
                &[
                    (1.0, -50.8072, -50.8072),
                    (10.0, -63.7630, -73.1894),
                    (50.0, -75.7750, -99.7824),
                    (100.0, -80.9802, -111.3062),
                ],
            ),
        ];
        for (s, h_bs, rows) in cases {
            for &(d, rx_los, rx_nlos) in rows {
                let g = Geometry {
                    distance_2d_m: d,
                    bs_height_m: h_bs,
                    ue_height_m: 1.5,
                };
                for (want, got) in [
                    (rx_los, los_db(s, 5.0, &g, 1.0)),
                    (rx_nlos, nlos_db(s, 5.0, &g, 1.0)),
                ] {
                    if want.is_finite() {
                        assert!((got + want).abs() < 0.05, "{s:?} {d} m: {got} vs {}", -want);
                    }
                }
            }
        }
    }

    /// The LOS losses are continuous at their breakpoints (UMa/UMi: the far formula's
    /// −9·log10(d'_BP² + Δh²) term makes it exact; RMa by construction), and rise with
    /// distance on both sides.
    #[test]
    fn los_loss_is_continuous_at_the_breakpoint() {
        for (s, h_bs) in [(Site::Uma, 25.0), (Site::Umi, 10.0), (Site::Rma, 35.0)] {
            let fc = 3.5;
            let bp = match s {
                Site::Rma => rma_breakpoint_m(fc, &geom(1.0, h_bs)),
                _ => 4.0 * (h_bs - 1.0) * 0.5 * fc * 1e9 / C,
            };
            let near = los_db(s, fc, &geom(bp * (1.0 - 1e-9), h_bs), 1.0);
            let far = los_db(s, fc, &geom(bp * (1.0 + 1e-9), h_bs), 1.0);
            assert!(
                (near - far).abs() < 1e-3,
                "{s:?}: {near} vs {far} at {bp} m"
            );
            assert!(los_db(s, fc, &geom(bp * 2.0, h_bs), 1.0) > far + 5.0);
        }
    }

    fn geom(d: f64, h_bs: f64) -> Geometry {
        Geometry {
            distance_2d_m: d,
            bs_height_m: h_bs,
            ue_height_m: 1.5,
        }
    }

    /// The O2I wall losses at 3.5 GHz worked by hand: L_glass 2.7, L_IRRglass 24.05,
    /// L_concrete 19 dB; low 5 − 10·log10(0.3·10^−0.27 + 0.7·10^−1.9) = 5 − 10·log10(0.1611 +
    /// 0.0088) ≈ 12.70 dB, high 5 − 10·log10(0.7·10^−2.405 + 0.3·10^−1.9) = 5 −
    /// 10·log10(0.00276 + 0.00378) ≈ 26.85 dB. The UMa h_E draw covers
    /// {12, 15, …, h_UT − 1.5} evenly; C vanishes for low UEs and near the BS.
    #[test]
    fn o2i_wall_and_uma_environment_height() {
        let want = 5.0 - 10.0 * (0.3 * 10f64.powf(-0.27) + 0.7 * 10f64.powf(-1.9)).log10();
        assert!((O2iLoss::Low.wall_db(3.5) - want).abs() < 1e-12);
        assert!((want - 12.70).abs() < 0.01, "{want}");
        assert!((O2iLoss::High.wall_db(3.5) - 26.85).abs() < 0.01);
        let heights: Vec<f64> = (0..8)
            .map(|i| uma_environment_height(22.5, (i as f64 + 0.5) / 8.0))
            .collect();
        // h_UT 22.5: {12, 15, 18, 21}, two of eight quantiles each.
        assert_eq!(heights, [12.0, 12.0, 15.0, 15.0, 18.0, 18.0, 21.0, 21.0]);
        assert_eq!(uma_environment_c(200.0, 1.5), 0.0);
        assert_eq!(uma_environment_c(10.0, 20.0), 0.0);
        assert!(uma_environment_c(100.0, 23.0) > 0.5);
        assert!((noise_dbm(1e6, 7.0) - (-107.0)).abs() < 1e-12);
    }
}
