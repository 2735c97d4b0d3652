//! Tests of [`super::KBestDetector`]: the full list is ML, the list is what a breadth-first
//! K-best search keeps, missing counter-hypotheses get the clip, and over Rayleigh MIMO
//! channels K-best sits between LMMSE and ML.

use super::*;
use crate::mimo::detect;
use crate::ml_detection::MlDetector;
use crate::qr_tree::test_support::{assert_exhaustive_llrs, metric, observe, random};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::EqualizerKind;

/// With K = M^L nothing is pruned: the LLRs are the exhaustive list's (a clip far above
/// every LLR), for both kinds, on random channels at noise levels where many bits are
/// uncertain.
#[test]
fn full_list_is_maximum_likelihood() {
    let cases = [
        (Modulation::Qam16, 3, 2),
        (Modulation::Qpsk, 4, 3),
        (Modulation::Qam64, 2, 2),
        (Modulation::Qpsk, 4, 4),
        (Modulation::Qam16, 2, 1),
    ];
    for (case, &(modulation, nr, nl)) in cases.iter().enumerate() {
        let c = Constellation::new(modulation);
        let k = (1usize << c.bits_per_symbol()).pow(nl as u32);
        for kind in [DemapperKind::App, DemapperKind::MaxLog] {
            let mut det = KBestDetector::new(&c, kind, k, 1e6);
            assert_exhaustive_llrs(&c, kind, (nr, nl), (17, case as u32), |h, y, no, llr| {
                det.detect(h, y, no, llr);
                assert_eq!(det.list().len(), k);
            });
        }
    }
}

/// The list of a pruned search (4 × 4 16-QAM, K = 8 of 65 536): K distinct hypotheses,
/// sorted, whose distances differ by exactly the differences of ‖y − Hx‖²/N0 computed
/// directly (the QR drops only a constant); every LLR is the max-log one over that list.
#[test]
fn the_list_is_ranked_by_the_true_metric() {
    let c = Constellation::new(Modulation::Qam16);
    let points = crate::qr_tree::indexed_points(&c);
    let (nr, nl, k, no) = (4, 4, 8, 0.3f32);
    let mut det = KBestDetector::new(&c, DemapperKind::MaxLog, k, 20.0);
    for trial in 0..50u32 {
        let rng = BlockRng::new(18, 0, trial);
        let h = random(&rng, Stream::Fading, 1.0, nr * nl);
        let y = random(&rng, Stream::Noise, 3.0, nr);
        let mut llr = vec![0f32; nl * 4];
        det.detect(&h, &y, no, &mut llr);
        let list = det.list();
        assert_eq!(list.len(), k);
        let direct = |x: &[usize]| {
            let x: Vec<C64> = x.iter().map(|&s| points[s]).collect();
            metric(&h, &y, no, &x)
        };
        let offset = direct(&list[0].1) - list[0].0;
        for w in list.windows(2) {
            assert!(w[0].0 <= w[1].0, "trial {trial}: not sorted");
            assert_ne!(w[0].1, w[1].1, "trial {trial}: repeated path");
        }
        for (d, x) in &list {
            let want = direct(x) - offset;
            assert!(
                (d - want).abs() <= 1e-9 * want.abs().max(1.0),
                "trial {trial}: {d} vs {want}"
            );
        }
        // Every LLR is what the list says (max-log over the list, clip where a class is
        // missing).
        for l in 0..nl {
            for j in 0..4 {
                let class = |b: usize| {
                    list.iter()
                        .filter(move |(_, x)| (x[l] >> (3 - j)) & 1 == b)
                        .map(|e| e.0)
                        .fold(f64::INFINITY, f64::min)
                };
                let (m0, m1) = (class(0), class(1));
                let want = if m1.is_infinite() {
                    20.0
                } else if m0.is_infinite() {
                    -20.0
                } else {
                    (m1 - m0).clamp(-20.0, 20.0)
                };
                let got = llr[l * 4 + j] as f64;
                assert!(
                    (got - want).abs() <= 1e-4 * want.abs().max(1.0),
                    "{got} vs {want}"
                );
            }
        }
    }
}

/// K = 1 keeps one path: every bit has no counter-hypothesis, so every LLR is ±clip with
/// the sign of the path's bit; the root is the strongest column.
#[test]
fn one_path_gives_clipped_hard_decisions() {
    let c = Constellation::new(Modulation::Qpsk);
    let mut det = KBestDetector::new(&c, DemapperKind::App, 1, 7.5);
    let rng = BlockRng::new(19, 0, 0);
    let mut h = random(&rng, Stream::Fading, 1.0, 3 * 2);
    for r in 0..3 {
        // Column 0 ten times stronger than column 1: it is decided first (the root).
        h[r * 2] = [h[r * 2][0] * 10.0, h[r * 2][1] * 10.0];
    }
    let y = random(&rng, Stream::Noise, 1.0, 3);
    let mut llr = [0f32; 4];
    det.detect(&h, &y, 0.5, &mut llr);
    assert_eq!(det.order, [1, 0]);
    let list = det.list();
    assert_eq!(list.len(), 1);
    for l in 0..2 {
        for j in 0..2 {
            let bit = (list[0].1[l] >> (1 - j)) & 1;
            assert_eq!(llr[l * 2 + j], if bit == 0 { 7.5 } else { -7.5 });
        }
    }
}

/// Over random 4 × 4 Rayleigh channels with 16-QAM on every layer (Eb/N0 such that LMMSE
/// makes ~3% bit errors): ML makes the fewest hard-decision errors, K-best with 32 paths
/// stays within 25% of it (its list nearly always holds the ML hypothesis), and LMMSE makes
/// at least 1.5× K-best's. 4 000 vectors, 64 000 bits: the BERs' standard errors are 3–6%
/// of them, so the bounds sit several standard errors from the measured ratios (about 1.05
/// and 3).
#[test]
fn kbest_sits_between_lmmse_and_ml() {
    let c = Constellation::new(Modulation::Qam16);
    let (nr, nl, no) = (4, 4, 0.05f32);
    let mut ml = MlDetector::new(&c, DemapperKind::MaxLog);
    let mut kb = KBestDetector::new(&c, DemapperKind::MaxLog, 32, 20.0);
    let (mut e_ml, mut e_kb, mut e_lin, mut bits) = (0usize, 0usize, 0usize, 0usize);
    let (mut z, mut var) = ([[0f32; 2]; 4], [0f32; 4]);
    for trial in 0..4_000u32 {
        let rng = BlockRng::new(20, 0, trial);
        let h = random(&rng, Stream::Fading, 1.0, nr * nl);
        let noise = random(&rng, Stream::Noise, no, nr);
        let mut b = [0u8; 16];
        rng.bits(Stream::Bits, &mut b);
        let mut x = [[0f32; 2]; 4];
        c.map(&b, &mut x);
        let y = observe(&h, &x, &noise);
        let (mut l_ml, mut l_kb, mut l_lin) = ([0f32; 16], [0f32; 16], [0f32; 16]);
        ml.detect(&h, &y, no, &mut l_ml);
        kb.detect(&h, &y, no, &mut l_kb);
        detect(&h, &y, no, EqualizerKind::Lmmse, &mut z, &mut var);
        for l in 0..nl {
            c.demap(
                z[l],
                var[l],
                DemapperKind::MaxLog,
                &mut l_lin[4 * l..4 * l + 4],
            );
        }
        for i in 0..16 {
            e_ml += ((l_ml[i] < 0.0) as u8 != b[i]) as usize;
            e_kb += ((l_kb[i] < 0.0) as u8 != b[i]) as usize;
            e_lin += ((l_lin[i] < 0.0) as u8 != b[i]) as usize;
            bits += 1;
        }
    }
    let ber = |e: usize| e as f64 / bits as f64;
    let (ml, kb, lin) = (ber(e_ml), ber(e_kb), ber(e_lin));
    assert!(ml <= kb * 1.02 && kb <= 1.25 * ml, "ML {ml} K-best {kb}");
    assert!(lin >= 1.5 * kb, "LMMSE {lin} K-best {kb}");
}
