use super::*;
use crate::cdl::{ElementPattern, Polarization};
use std::f64::consts::TAU;

fn omni() -> Array {
    Array::ula(1, 0.5, ElementPattern::Omni)
}

fn model(s: Scenario, c: Condition) -> StochasticModel {
    let g = Geometry {
        distance_2d_m: 200.0,
        bs_height_m: if s == Scenario::Inh { 3.0 } else { 25.0 },
        ue_height_m: 1.5,
    };
    StochasticModel::new(s, c, 3.5, g, 20.0, 0.0, omni(), omni())
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64;
    (m, var.sqrt())
}

/// Step 4 over 20 000 drops: log10 DS of UMa NLOS has the table's mean (within 0.01) and
/// deviation (within 3%), and correlates with log10 ASD as the table says (0.4 ± 0.03);
/// the K-factor of UMa LOS has mean 9 dB and deviation 3.5 dB (within 0.1 dB and 3%).
#[test]
fn lsps_follow_the_table() {
    let m = model(Scenario::Uma, Condition::Nlos);
    let n = 20_000;
    let draws: Vec<Lsps> = (0..n).map(|b| m.drop(&BlockRng::new(3, 0, b)).1).collect();
    let lg_ds: Vec<f64> = draws.iter().map(|l| l.ds_s.log10()).collect();
    let lg_asd: Vec<f64> = draws.iter().map(|l| l.asd.log10()).collect();
    let (mu, sigma) = mean_std(&lg_ds);
    assert!(
        (mu - m.params.ds[0]).abs() < 0.01,
        "μ {mu} vs {}",
        m.params.ds[0]
    );
    assert!((sigma / m.params.ds[1] - 1.0).abs() < 0.03, "σ {sigma}");
    let (ma, sa) = mean_std(&lg_asd);
    let cov = lg_ds
        .iter()
        .zip(&lg_asd)
        .map(|(a, b)| (a - mu) * (b - ma))
        .sum::<f64>()
        / (n - 1) as f64;
    let rho = cov / (sigma * sa);
    assert!((rho - 0.4).abs() < 0.03, "ρ(DS, ASD) = {rho}");
    let m = model(Scenario::Uma, Condition::Los);
    let k: Vec<f64> = (0..n)
        .map(|b| m.drop(&BlockRng::new(4, 0, b)).1.k_db.expect("LOS"))
        .collect();
    let (mk, sk) = mean_std(&k);
    assert!(
        (mk - 9.0).abs() < 0.1 && (sk / 3.5 - 1.0).abs() < 0.03,
        "K {mk} ± {sk}"
    );
}

/// Steps 5, 6 and 11 on every drop of every scenario: powers sum to one, the LOS ray has
/// K_R/(K_R + 1) and cluster 1 points at it, no cluster lies 25 dB below the strongest, the
/// two strongest clusters are split into three consecutive sub-clusters at +0, +1.28 c_DS,
/// +2.56 c_DS with powers 10 : 6 : 4, and every delay is ≥ 0 with the first NLOS one at 0.
#[test]
fn clusters_follow_the_steps() {
    for (s, c) in [
        (Scenario::Uma, Condition::Los),
        (Scenario::Uma, Condition::Nlos),
        (Scenario::Umi, Condition::O2i),
        (Scenario::Rma, Condition::Los),
        (Scenario::Inh, Condition::Nlos),
    ] {
        let m = model(s, c);
        for b in 0..200 {
            let (cdl, lsp) = m.drop(&BlockRng::new(5, 1, b));
            let total: f64 = cdl.clusters.iter().map(|x| x.power).sum();
            assert!((total - 1.0).abs() < 1e-9, "{s:?} {c:?}: {total}");
            assert_eq!(cdl.clusters.len(), m.max_paths());
            let pad = cdl.clusters.iter().position(|x| x.power == 0.0);
            let real = pad.unwrap_or(cdl.clusters.len());
            assert!(cdl.clusters[real..].iter().all(|x| x.power == 0.0 && x.los));
            let nlos: Vec<&Cluster> = cdl.clusters[..real].iter().filter(|x| !x.los).collect();
            if let Some(k) = lsp.k_db {
                let kr = 10f64.powf(k / 10.0);
                let los = &cdl.clusters[0];
                assert!(los.los && (los.power - kr / (kr + 1.0)).abs() < 1e-12);
                for (a, b) in [
                    (nlos[0].aoa, los.aoa),
                    (nlos[0].aod, los.aod),
                    (nlos[0].zoa, los.zoa),
                    (nlos[0].zod, los.zod),
                ] {
                    assert!(
                        (a - b).abs() < 1e-9,
                        "{s:?} {c:?}: cluster 1 {a} vs LOS {b}"
                    );
                }
            }
            assert_eq!(nlos[0].delay_s, 0.0);
            assert!(nlos.iter().all(|x| x.delay_s >= 0.0));
            // Whole clusters' powers (a split cluster's three parts together).
            let mut whole = Vec::new();
            let mut i = 0;
            while i < nlos.len() {
                if nlos[i].group == 1 {
                    let p = [nlos[i].power, nlos[i + 1].power, nlos[i + 2].power];
                    assert_eq!([nlos[i + 1].group, nlos[i + 2].group], [2, 3]);
                    assert!((p[1] / p[0] - 0.6).abs() < 1e-9 && (p[2] / p[0] - 0.4).abs() < 1e-9);
                    for (j, off) in [(1, 1.28), (2, 2.56)] {
                        let dt = nlos[i + j].delay_s - nlos[i].delay_s;
                        assert!((dt - off * m.params.c_ds_s).abs() < 1e-15);
                        assert_eq!(nlos[i + j].aoa, nlos[i].aoa);
                    }
                    whole.push((p.iter().sum::<f64>(), true));
                    i += 3;
                } else {
                    assert_eq!(nlos[i].group, 0);
                    whole.push((nlos[i].power, false));
                    i += 1;
                }
            }
            let strongest = whole.iter().map(|w| w.0).fold(0.0, f64::max);
            assert!(whole
                .iter()
                .all(|w| w.0 >= strongest * 10f64.powf(-2.5) * 0.999_999));
            let mut sorted = whole.clone();
            sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
            let splits = whole.iter().filter(|w| w.1).count();
            assert_eq!(splits, whole.len().min(2), "{s:?} {c:?}");
            assert!(
                sorted[..splits].iter().all(|w| w.1),
                "{s:?} {c:?}: not the strongest"
            );
        }
    }
}

/// The channel of a drop between omni elements has unit mean power (over 4000 drops,
/// within 3%), for LOS and NLOS; O2I arrivals centre on 90° zenith (power-weighted mean ZOA
/// within 2°).
#[test]
fn channel_power_is_one_and_o2i_arrives_horizontally() {
    for (s, c) in [
        (Scenario::Uma, Condition::Los),
        (Scenario::Umi, Condition::Nlos),
    ] {
        let m = model(s, c);
        let n = 4000;
        let mut acc = 0.0;
        for b in 0..n {
            let rng = BlockRng::new(6, 0, b);
            let (cdl, _) = m.drop(&rng);
            let mut h = vec![[0f32; 2]; cdl.clusters.len()];
            cdl.coefficients(&rng, &[0.0], &mut h);
            acc += h
                .iter()
                .map(|v| (v[0] * v[0] + v[1] * v[1]) as f64)
                .sum::<f64>();
        }
        let mean = acc / n as f64;
        assert!((mean - 1.0).abs() < 0.03, "{s:?} {c:?}: {mean}");
    }
    let m = model(Scenario::Uma, Condition::O2i);
    let (mut w, mut z) = (0.0, 0.0);
    for b in 0..2000 {
        let (cdl, _) = m.drop(&BlockRng::new(7, 0, b));
        for cl in &cdl.clusters {
            w += cl.power;
            z += cl.power * cl.zoa;
        }
    }
    assert!((z / w - 90.0).abs() < 2.0, "mean ZOA {}", z / w);
}

/// Per-ray XPR (step 9): with a V transmit port and a V/H receive pair, the cross-polar
/// power over the co-polar one is E[1/κ] = 10^(−μ/10)·exp((σ·ln 10/10)²/2) of the table's
/// (μ, σ) in dB, within 6% over 3000 UMa NLOS drops.
#[test]
fn cross_polar_power_follows_the_per_ray_xpr() {
    let mut m = model(Scenario::Uma, Condition::Nlos);
    m.rx = Array::ula_polarized(1, 0.5, ElementPattern::Omni, Polarization::Vh);
    let (mut co, mut x) = (0.0, 0.0);
    for b in 0..3000 {
        let rng = BlockRng::new(9, 0, b);
        let (cdl, _) = m.drop(&rng);
        let nc = cdl.clusters.len();
        let mut h = vec![[0f32; 2]; 2 * nc];
        cdl.coefficients(&rng, &[0.0], &mut h);
        let p = |v: &[f32; 2]| (v[0] * v[0] + v[1] * v[1]) as f64;
        co += h[..nc].iter().map(p).sum::<f64>();
        x += h[nc..].iter().map(p).sum::<f64>();
    }
    let [mu, sigma] = m.params.xpr_db;
    let want = 10f64.powf(-mu / 10.0) * ((sigma * 10f64.ln() / 10.0).powi(2) / 2.0).exp();
    assert!((x / co / want - 1.0).abs() < 0.06, "{} vs {want}", x / co);
}

/// The mean PDP's frequency correlation Σ p·e^{−j2πΔfτ} is the generated channels'
/// E[H(f)·H*(f + Δf)] (omni elements, 4000 drops other than the PDP's own): within 0.03 at
/// Δf = 0.3, 1 and 3 MHz, for UMa NLOS and UMi LOS.
#[test]
fn mean_pdp_gives_the_frequency_correlation() {
    for (s, c) in [
        (Scenario::Uma, Condition::Nlos),
        (Scenario::Umi, Condition::Los),
    ] {
        let m = model(s, c);
        let pdp = m.mean_pdp(2000, 1e-9);
        let total: f64 = pdp.iter().map(|p| p.1).sum();
        assert!((total - 1.0).abs() < 1e-9);
        let n = 4000;
        for df in [0.3e6, 1e6, 3e6] {
            let want = pdp.iter().fold([0.0, 0.0], |a, &(d, p)| {
                let (sn, cs) = (-TAU * df * d).sin_cos();
                [a[0] + p * cs, a[1] + p * sn]
            });
            let mut acc = [0.0f64; 2];
            for b in 0..n {
                let rng = BlockRng::new(12, 3, b);
                let (cdl, _) = m.drop(&rng);
                let mut h = vec![[0f32; 2]; cdl.clusters.len()];
                cdl.coefficients(&rng, &[0.0], &mut h);
                // H(0)·H*(Δf) = Σ_n Σ_m c_n c_m* e^{+j2πΔf τ_m}; only n = m survives the mean.
                let (mut h0, mut h1) = ([0.0f64; 2], [0.0f64; 2]);
                for (v, cl) in h.iter().zip(&cdl.clusters) {
                    let (sn, cs) = (-TAU * df * cl.delay_s).sin_cos();
                    let v = [v[0] as f64, v[1] as f64];
                    h0 = [h0[0] + v[0], h0[1] + v[1]];
                    h1 = [h1[0] + v[0] * cs - v[1] * sn, h1[1] + v[0] * sn + v[1] * cs];
                }
                // E[H(Δf)·H*(0)].
                acc[0] += (h1[0] * h0[0] + h1[1] * h0[1]) / n as f64;
                acc[1] += (h1[1] * h0[0] - h1[0] * h0[1]) / n as f64;
            }
            let err = ((acc[0] - want[0]).powi(2) + (acc[1] - want[1]).powi(2)).sqrt();
            assert!(err < 0.03, "{s:?} {c:?} Δf {df}: {acc:?} vs {want:?}");
        }
    }
}

/// A drawn condition: over 20 000 drops the share of LOS drops is Table 7.4.2-1's
/// probability (within 0.012, 3.5 standard deviations) for UMi at 40 m and UMa at 60 m with
/// a UE at 20 m height; each drop follows its condition's table (20 clusters + 4 in UMa
/// NLOS, 12 + 4 + LOS in UMa LOS, padded to 24).
#[test]
fn drawn_condition_follows_the_los_probability() {
    for (s, d, h) in [(Scenario::Umi, 40.0, 1.5), (Scenario::Uma, 60.0, 20.0)] {
        let g = Geometry {
            distance_2d_m: d,
            bs_height_m: 25.0,
            ue_height_m: h,
        };
        let m = StochasticModel::new(s, Condition::Nlos, 3.5, g, 0.0, 0.0, omni(), omni())
            .with_los_probability(3.5);
        let p = m.los_probability.as_ref().unwrap().0;
        assert_eq!(p, crate::tr38901_lsp::los_probability(s, d, h));
        let n = 20_000;
        let mut los = 0;
        for b in 0..n {
            let (cdl, lsp) = m.drop(&BlockRng::new(13, 0, b));
            assert_eq!(cdl.clusters.len(), m.max_paths());
            los += lsp.k_db.is_some() as usize;
            let real = cdl.clusters.iter().filter(|c| c.power > 0.0).count();
            if s == Scenario::Uma {
                assert_eq!(m.max_paths(), 24);
                assert!(real <= if lsp.k_db.is_some() { 17 } else { 24 });
                assert_eq!(cdl.clusters[0].los, lsp.k_db.is_some());
            }
        }
        let share = los as f64 / n as f64;
        assert!((share - p).abs() < 0.012, "{s:?}: LOS share {share} vs {p}");
    }
}

/// Path loss and shadow fading over 20 000 drops (`with_pathloss`): UMi NLOS 200 m has SF of
/// mean 0 (± 0.15 dB) and the table's σ_SF 7.82 dB (± 3%), correlated with lg DS as Table
/// 7.5-6 says (−0.7 ± 0.03); its loss less SF is the Table 7.4.1-1 NLOS loss exactly, and
/// the drop's paths carry 10^(−(loss − reference)/10) of power, in the same shape as
/// without path loss (the other LSPs and every path drawn identically). UMa LOS with a 20 m
/// UE at 1 km draws h_E ≠ 1 m with probability C/(1 + C), uniform on {12, 15, 18} m, of
/// which only 18 m brings the breakpoint (654 m) below 1 km and changes the loss: in
/// C/(1 + C)/3 of the drops (± 0.015). O2I adds the wall loss and 0.5·d_2D-in + N(0, σ_P²)
/// dB, low- and high-loss: mean wall + 0.5·25/3, deviation √(σ_P² + 625/72) (± 0.12 dB,
/// ± 3%). Each condition's drops have the link's reference loss as their mean
/// (`sim_core::pathloss::reference_db`; UMi 200 m with the LOS probability: ± 0.3 dB).
#[test]
fn pathloss_and_shadow_fading_follow_the_tables() {
    use sim_core::pathloss::{los_db, nlos_db, reference_db, uma_environment_c};
    use sim_core::scenario::schema::{O2iLoss, PropagationCondition};
    let n = 20_000;
    let g = |d: f64, h_bs: f64, h_ut: f64| Geometry {
        distance_2d_m: d,
        bs_height_m: h_bs,
        ue_height_m: h_ut,
    };
    let at = |s, c, g| StochasticModel::new(s, c, 3.5, g, 0.0, 0.0, omni(), omni());
    let umi = g(200.0, 10.0, 1.5);
    let plain = at(Scenario::Umi, Condition::Nlos, umi);
    let nlos = nlos_db(Scenario::Umi, 3.5, &umi, 1.0);
    let m = plain.clone().with_pathloss(3.5, nlos - 3.0, O2iLoss::Low);
    let (mut sf, mut lg_ds) = (Vec::new(), Vec::new());
    for b in 0..n {
        let rng = BlockRng::new(21, 0, b);
        let (with, lsp) = m.drop(&rng);
        let (without, lsp0) = plain.drop(&rng);
        let (s, loss) = (lsp.sf_db.unwrap(), lsp.loss_db.unwrap());
        assert!((loss + s - nlos).abs() < 1e-9);
        assert_eq!(
            (lsp.ds_s, lsp.asa, lsp.zsd),
            (lsp0.ds_s, lsp0.asa, lsp0.zsd)
        );
        let gain = 10f64.powf(-(loss - (nlos - 3.0)) / 10.0);
        for (a, b) in with.clusters.iter().zip(&without.clusters) {
            assert_eq!((a.delay_s, a.aoa, a.zod), (b.delay_s, b.aoa, b.zod));
            assert!((a.power - b.power * gain).abs() <= 1e-12 * a.power.max(1e-30));
        }
        sf.push(s);
        lg_ds.push(lsp.ds_s.log10());
    }
    let (mu, sigma) = mean_std(&sf);
    assert!(
        mu.abs() < 0.15 && (sigma / 7.82 - 1.0).abs() < 0.03,
        "SF {mu} {sigma}"
    );
    let (m_ds, s_ds) = mean_std(&lg_ds);
    let corr = sf
        .iter()
        .zip(&lg_ds)
        .map(|(a, b)| (a - mu) * (b - m_ds))
        .sum::<f64>()
        / ((n - 1) as f64 * sigma * s_ds);
    assert!((corr + 0.7).abs() < 0.03, "corr(SF, lg DS) {corr}");

    let uma = g(1000.0, 25.0, 20.0);
    let m = at(Scenario::Uma, Condition::Los, uma).with_pathloss(3.5, 0.0, O2iLoss::Low);
    let plain_los = los_db(Scenario::Uma, 3.5, &uma, 1.0);
    let raised = (0..n)
        .filter(|&b| {
            let lsp = m.drop(&BlockRng::new(22, 0, b)).1;
            (lsp.loss_db.unwrap() + lsp.sf_db.unwrap() - plain_los).abs() > 1e-9
        })
        .count() as f64
        / n as f64;
    let c = uma_environment_c(1000.0, 20.0);
    assert!(
        (raised - c / (1.0 + c) / 3.0).abs() < 0.015,
        "h_E = 18 m in {raised}"
    );

    let o2i = g(200.0, 25.0, 1.5);
    let base = nlos_db(Scenario::Uma, 3.5, &o2i, 1.0);
    for model in [O2iLoss::Low, O2iLoss::High] {
        let m = at(Scenario::Uma, Condition::O2i, o2i).with_pathloss(3.5, 0.0, model);
        let extra: Vec<f64> = (0..n)
            .map(|b| {
                let lsp = m.drop(&BlockRng::new(23, 0, b)).1;
                lsp.loss_db.unwrap() + lsp.sf_db.unwrap() - base
            })
            .collect();
        let (mu, sigma) = mean_std(&extra);
        let want = model.wall_db(3.5) + 0.5 * 25.0 / 3.0;
        let want_sigma = (model.sigma_db().powi(2) + 625.0 / 72.0).sqrt();
        assert!((mu - want).abs() < 0.12, "O2I {model:?} {mu} vs {want}");
        assert!(
            (sigma / want_sigma - 1.0).abs() < 0.03,
            "O2I {model:?} σ {sigma} vs {want_sigma}"
        );
        let mean = mu + base;
        let o2i_ref = reference_db(Scenario::Uma, PropagationCondition::O2i, model, 3.5, &o2i);
        assert!((mean - o2i_ref).abs() < 0.12, "O2I {mean} vs {o2i_ref}");
    }

    let m = at(Scenario::Umi, Condition::Los, umi)
        .with_los_probability(3.5)
        .with_pathloss(3.5, 0.0, O2iLoss::Low);
    let losses: Vec<f64> = (0..n)
        .map(|b| m.drop(&BlockRng::new(24, 0, b)).1.loss_db.unwrap())
        .collect();
    let (mean, _) = mean_std(&losses);
    let los_p = PropagationCondition::LosProbability;
    let want = reference_db(Scenario::Umi, los_p, O2iLoss::Low, 3.5, &umi);
    assert!(
        (mean - want).abs() < 0.3,
        "UMi LOS probability {mean} vs {want}"
    );
}
