//! Large-scale parameters of the TR 38.901 §7.5 stochastic models (UMa, UMi street canyon,
//! RMa, InH office) for one link: the log-normal distributions of the delay and angle
//! spreads and the Ricean K-factor at a carrier frequency and geometry, their
//! cross-correlation, and the per-cluster constants of the fast-fading steps.
//!
//! Table 7.5-6 comes from `channels/data/tr38901_lsp/*.json` (copied from
//! `../shared/reference`, v19.2; μ = a·log10(b + f_c) + c with f_c in GHz, c_DS =
//! max(a, b − c·log10 f_c) ns). The distance- and height-dependent ZSD and ZOD offset of
//! Tables 7.5-7 (UMa), 7.5-8 (UMi), 7.5-9 (RMa) and 7.5-10 (InH) are formulas, written in
//! [`zsd`]. Frequencies below the tables' floors are raised to them (Table 7.5-6 notes:
//! UMa and InH 6 GHz, UMi 2 GHz). The shadow fading's correlation with the others is kept
//! as one more row of the square root, with SF last ([`LspParams::sf_row`]): the drops draw
//! it only with path loss (`crate::stochastic`), and the other LSPs are the same either way.

use std::collections::BTreeMap;

pub use sim_core::pathloss::{los_probability, Geometry, Site as Scenario};

/// Propagation condition of the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Los,
    Nlos,
    /// Outdoor BS to indoor UE (NLOS; arrival zenith angles about 90°).
    O2i,
}

/// The order of the correlated LSPs; LOS links draw K first, the others start at DS.
pub const LSP_NAMES: [&str; 6] = ["K", "DS", "ASD", "ASA", "ZSD", "ZSA"];

/// Everything the fast-fading steps need for one (scenario, condition, f_c, geometry).
#[derive(Debug, Clone, PartialEq)]
pub struct LspParams {
    /// (μ, σ) of log10 of DS (s), ASD, ASA, ZSD, ZSA (degrees).
    pub ds: [f64; 2],
    pub asd: [f64; 2],
    pub asa: [f64; 2],
    pub zsd: [f64; 2],
    pub zsa: [f64; 2],
    /// (μ, σ) of the K-factor, dB (LOS only).
    pub k_db: [f64; 2],
    /// μ_offset,ZOD, degrees.
    pub zod_offset_deg: f64,
    /// Delay scaling r_τ, per-cluster shadowing ζ (dB), cluster count N.
    pub r_tau: f64,
    pub zeta_db: f64,
    pub clusters: usize,
    /// Intra-cluster delay spread c_DS (s) and angle spreads c_ASD, c_ASA, c_ZSA (degrees).
    pub c_ds_s: f64,
    pub c_asd: f64,
    pub c_asa: f64,
    pub c_zsa: f64,
    /// (μ, σ) of the per-ray cross-polarization ratio, dB.
    pub xpr_db: [f64; 2],
    /// C_φ^NLOS and C_θ^NLOS of Tables 7.5-2 and 7.5-4 for `clusters`.
    pub c_phi: f64,
    pub c_theta: f64,
    /// Lower-triangular square root of the LSPs' correlation matrix, over
    /// `LSP_NAMES[first..]` (first = 0 with LOS, 1 otherwise).
    pub sqrt_corr: Vec<Vec<f64>>,
    /// The shadow fading's row of the square root with SF appended last (one longer than
    /// `sqrt_corr`'s rows: SF = σ_SF·(row·[z, z_SF]) for the drop's LSP normals z, the
    /// others' rows unchanged) and σ_SF of the table, dB.
    pub sf_row: Vec<f64>,
    pub sigma_sf_db: f64,
    /// RMa LOS: σ_SF before and after the breakpoint (Table 7.4.1-1: 4 and 6 dB), which
    /// replace `sigma_sf_db`.
    pub sigma_sf_los_db: Option<[f64; 2]>,
}

fn table_text(s: Scenario, c: Condition) -> &'static str {
    use Condition::*;
    use Scenario::*;
    match (s, c) {
        (Uma, Los) => include_str!("../data/tr38901_lsp/UMa_LoS.json"),
        (Uma, Nlos) => include_str!("../data/tr38901_lsp/UMa_NLoS.json"),
        (Uma, O2i) => include_str!("../data/tr38901_lsp/UMa_O2I.json"),
        (Umi, Los) => include_str!("../data/tr38901_lsp/UMi_LoS.json"),
        (Umi, Nlos) => include_str!("../data/tr38901_lsp/UMi_NLoS.json"),
        (Umi, O2i) => include_str!("../data/tr38901_lsp/UMi_O2I.json"),
        (Rma, Los) => include_str!("../data/tr38901_lsp/RMa_LoS.json"),
        (Rma, Nlos) => include_str!("../data/tr38901_lsp/RMa_NLoS.json"),
        (Rma, O2i) => include_str!("../data/tr38901_lsp/RMa_O2I.json"),
        (Inh, Los) => include_str!("../data/tr38901_lsp/InH_LoS.json"),
        (Inh, Nlos | O2i) => include_str!("../data/tr38901_lsp/InH_NLoS.json"),
    }
}

/// The table of (`s`, `c`) as key → number.
pub fn table(s: Scenario, c: Condition) -> BTreeMap<String, f64> {
    serde_json::from_str(table_text(s, c)).expect("TR 38.901 LSP table")
}

/// The carrier frequency (GHz) the frequency-dependent entries are evaluated at.
pub fn table_frequency_ghz(s: Scenario, fc_ghz: f64) -> f64 {
    match s {
        Scenario::Uma | Scenario::Inh => fc_ghz.max(6.0),
        Scenario::Umi => fc_ghz.max(2.0),
        Scenario::Rma => fc_ghz,
    }
}

/// (μ, σ) of log10 ZSD and μ_offset,ZOD (degrees), Tables 7.5-7 … 7.5-10.
pub fn zsd(s: Scenario, c: Condition, fc: f64, g: &Geometry, sigma_table: f64) -> [f64; 3] {
    let (d, h_ut, h_bs) = (g.distance_2d_m, g.ue_height_m, g.bs_height_m);
    let los = c == Condition::Los;
    let lg = f64::log10;
    match s {
        Scenario::Uma if los => [
            (-2.1 * d / 1000.0 - 0.01 * (h_ut - 1.5) + 0.75).max(-0.5),
            sigma_table,
            0.0,
        ],
        Scenario::Uma => {
            let e = (0.208 * lg(fc) - 0.782) * lg(d.max(25.0)) - 0.13 * lg(fc) + 2.03
                - 0.07 * (h_ut - 1.5);
            [
                (-2.1 * d / 1000.0 - 0.01 * (h_ut - 1.5) + 0.9).max(-0.5),
                sigma_table,
                7.66 * lg(fc) - 5.96 - 10f64.powf(e),
            ]
        }
        Scenario::Umi if los => [
            (-14.8 * d / 1000.0 + 0.01 * (h_ut - h_bs).abs() + 0.83).max(-0.21),
            sigma_table,
            0.0,
        ],
        Scenario::Umi => [
            (-3.1 * d / 1000.0 + 0.01 * (h_ut - h_bs).max(0.0) + 0.2).max(-0.5),
            sigma_table,
            -(10f64.powf(-1.5 * lg(d.max(10.0)) + 3.3)),
        ],
        Scenario::Rma if los => [
            (-0.17 * d / 1000.0 - 0.01 * (h_ut - 1.5) + 0.22).max(-1.0),
            sigma_table,
            0.0,
        ],
        // The offset is the angle between the 35 m BS seen from 3.5 m and from 1.5 m, in
        // degrees like every angle of the model.
        Scenario::Rma => [
            (-0.19 * d / 1000.0 - 0.01 * (h_ut - 1.5) + 0.28).max(-1.0),
            sigma_table,
            ((35.0 - 3.5) / d).atan().to_degrees() - ((35.0 - 1.5) / d).atan().to_degrees(),
        ],
        Scenario::Inh if los => [
            -1.43 * lg(1.0 + fc) + 2.228,
            0.13 * lg(1.0 + fc) + 0.30,
            0.0,
        ],
        Scenario::Inh => [1.08, 0.36, 0.0],
    }
}

/// Lower-triangular L with L·Lᵀ = `c`, or `None` when `c` is not positive definite.
pub fn cholesky(c: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = c.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let d = c[i][i] - s;
                if d <= 0.0 {
                    return None;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (c[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// The cross-correlation matrix of the LSPs `names` in table `t` (`corrAvsB` or `corrBvsA`).
pub fn correlation(t: &BTreeMap<String, f64>, names: &[&str]) -> Vec<Vec<f64>> {
    names
        .iter()
        .map(|a| {
            names
                .iter()
                .map(|b| {
                    if a == b {
                        1.0
                    } else {
                        t.get(&format!("corr{a}vs{b}"))
                            .or_else(|| t.get(&format!("corr{b}vs{a}")))
                            .copied()
                            .unwrap_or_else(|| panic!("LSP correlation {a}/{b}"))
                    }
                })
                .collect()
        })
        .collect()
}

impl LspParams {
    /// The parameters of (`s`, `c`) at `fc_ghz` and geometry `g`.
    pub fn new(s: Scenario, c: Condition, fc_ghz: f64, g: &Geometry) -> Self {
        let t = table(s, c);
        let v = |k: &str| *t.get(k).unwrap_or_else(|| panic!("LSP table key {k}"));
        let fc = table_frequency_ghz(s, fc_ghz);
        let dist = |name: &str| {
            let f = |p: &str| {
                v(&format!("{p}{name}a")) * (v(&format!("{p}{name}b")) + fc).log10()
                    + v(&format!("{p}{name}c"))
            };
            [f("mu"), f("sigma")]
        };
        let [zsd_mu, zsd_sigma, zod_offset_deg] = zsd(s, c, fc, g, v("sigmaZSD"));
        let first = if c == Condition::Los { 0 } else { 1 };
        let names = &LSP_NAMES[first..];
        let corr = correlation(&t, names);
        let with_sf: Vec<&str> = names.iter().copied().chain(["SF"]).collect();
        let sf_row = cholesky(&correlation(&t, &with_sf))
            .expect("TR 38.901 LSP correlation with SF is positive definite")
            .pop()
            .expect("SF row");
        LspParams {
            ds: dist("DS"),
            asd: dist("ASD"),
            asa: dist("ASA"),
            zsd: [zsd_mu, zsd_sigma],
            zsa: dist("ZSA"),
            k_db: [v("muK"), v("sigmaK")],
            zod_offset_deg,
            r_tau: v("rTau"),
            zeta_db: v("zeta"),
            clusters: v("numClusters") as usize,
            c_ds_s: v("cDSa").max(v("cDSb") - v("cDSc") * fc.log10()) * 1e-9,
            c_asd: v("cASD"),
            c_asa: v("cASA"),
            c_zsa: v("cZSA"),
            xpr_db: [v("muXPR"), v("sigmaXPR")],
            c_phi: v("CPhiNLoS"),
            c_theta: v("CThetaNLoS"),
            sqrt_corr: cholesky(&corr).expect("TR 38.901 LSP correlation is positive definite"),
            sf_row,
            sigma_sf_db: v("sigmaSF"),
            sigma_sf_los_db: (s == Scenario::Rma && c == Condition::Los)
                .then(|| [v("sigmaSF1"), v("sigmaSF2")]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [(Scenario, Condition); 11] = [
        (Scenario::Uma, Condition::Los),
        (Scenario::Uma, Condition::Nlos),
        (Scenario::Uma, Condition::O2i),
        (Scenario::Umi, Condition::Los),
        (Scenario::Umi, Condition::Nlos),
        (Scenario::Umi, Condition::O2i),
        (Scenario::Rma, Condition::Los),
        (Scenario::Rma, Condition::Nlos),
        (Scenario::Rma, Condition::O2i),
        (Scenario::Inh, Condition::Los),
        (Scenario::Inh, Condition::Nlos),
    ];

    /// Every table loads, its correlation matrix has a square root that reproduces it, and
    /// the values the printed Table 7.5-6 gives at 3.5 GHz come out: UMa NLOS (f_c raised
    /// to 6 GHz) μ_lgDS = −0.134·log10 6 − 6.47, 20 clusters, c_DS = max(0.25, 6.5622 −
    /// 3.4084·log10 6) ns; UMi LOS μ_lgDS = −0.18·log10 4.5 − 7.28 (2 GHz floor not hit).
    #[test]
    fn tables_load_and_correlations_factor() {
        let g = Geometry {
            distance_2d_m: 200.0,
            bs_height_m: 25.0,
            ue_height_m: 1.5,
        };
        for (s, c) in ALL {
            let p = LspParams::new(s, c, 3.5, &g);
            let l = &p.sqrt_corr;
            let first = if c == Condition::Los { 0 } else { 1 };
            let corr = correlation(&table(s, c), &LSP_NAMES[first..]);
            assert_eq!(l.len(), 6 - first);
            for (i, row) in corr.iter().enumerate() {
                for (j, want) in row.iter().enumerate() {
                    let got: f64 = l[i].iter().zip(&l[j]).map(|(a, b)| a * b).sum();
                    assert!((got - want).abs() < 1e-12, "{s:?} {c:?} ({i}, {j})");
                }
            }
            // SF's row: unit norm, and its products with the others' rows are the table's
            // SF cross-correlations.
            let with_sf: Vec<&str> = LSP_NAMES[first..].iter().copied().chain(["SF"]).collect();
            let full = correlation(&table(s, c), &with_sf);
            assert_eq!(p.sf_row.len(), 7 - first);
            let norm: f64 = p.sf_row.iter().map(|x| x * x).sum();
            assert!((norm - 1.0).abs() < 1e-12, "{s:?} {c:?}");
            for (i, row) in l.iter().enumerate() {
                let got: f64 = row.iter().zip(&p.sf_row).map(|(a, b)| a * b).sum();
                assert!(
                    (got - full[6 - first][i]).abs() < 1e-12,
                    "{s:?} {c:?} SF/{i}"
                );
            }
            assert!(p.sigma_sf_db >= 3.0 && p.sigma_sf_db <= 8.1, "{s:?} {c:?}");
            assert!(
                p.ds[1] > 0.0 && p.asd[1] > 0.0 && p.zsd[1] > 0.0,
                "{s:?} {c:?}"
            );
            assert!(p.clusters >= 10 && p.c_ds_s > 0.0);
        }
        let uma = LspParams::new(Scenario::Uma, Condition::Nlos, 3.5, &g);
        assert!((uma.ds[0] - (-0.134 * 6f64.log10() - 6.47)).abs() < 1e-12);
        assert_eq!(uma.clusters, 20);
        let c_ds = (6.5622 - 3.4084 * 6f64.log10()).max(0.25) * 1e-9;
        assert!((uma.c_ds_s - c_ds).abs() < 1e-20);
        let umi = LspParams::new(Scenario::Umi, Condition::Los, 3.5, &g);
        assert!((umi.ds[0] - (-0.18 * 4.5f64.log10() - 7.28)).abs() < 1e-12);
        // Table 7.4.2-1 worked by hand: UMi 100 m 18/100 + e^(−100/36)·0.82; UMa 200 m with
        // a 20 m UE (C' = 0.7^1.5, (5/4)(d/100)³ = 10); RMa 500 m e^(−0.49); InH 20 m
        // 0.32·e^(−13.5/32.6); everything at or below its first break is 1.
        let umi = 0.18 + (-100.0f64 / 36.0).exp() * 0.82;
        assert!((los_probability(Scenario::Umi, 100.0, 1.5) - umi).abs() < 1e-12);
        let p_uma = (0.09 + (-200.0f64 / 63.0).exp() * 0.91)
            * (1.0 + 0.7f64.powf(1.5) * 10.0 * (-200.0f64 / 150.0).exp());
        assert!((los_probability(Scenario::Uma, 200.0, 20.0) - p_uma).abs() < 1e-12);
        assert!((los_probability(Scenario::Rma, 500.0, 1.5) - (-0.49f64).exp()).abs() < 1e-12);
        let inh = 0.32 * (-13.5f64 / 32.6).exp();
        assert!((los_probability(Scenario::Inh, 20.0, 1.0) - inh).abs() < 1e-12);
        for (s, d) in [
            (Scenario::Umi, 18.0),
            (Scenario::Uma, 10.0),
            (Scenario::Rma, 10.0),
            (Scenario::Inh, 1.2),
        ] {
            assert_eq!(los_probability(s, d, 1.5), 1.0);
        }
        // UMa NLOS ZSD at 200 m, 1.5 m: max(−0.5, −0.42 + 0.9) = 0.48.
        assert!((uma.zsd[0] - 0.48).abs() < 1e-12);
    }
}
