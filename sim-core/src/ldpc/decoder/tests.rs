//! Tests of the CPU LDPC decoders.

use super::*;
use crate::ldpc::base_graph::BaseGraphId;

fn boxplus_exact(a: f64, b: f64) -> f64 {
    2.0 * ((a / 2.0).tanh() * (b / 2.0).tanh()).atanh()
}

/// The φ-domain check update equals the tanh rule (to f32 accuracy) on random inputs.
#[test]
fn boxplus_matches_tanh_rule() {
    let z = 7;
    let deg = 5;
    let t: Vec<f32> = (0..deg * z)
        .map(|i| ((i * 7919 % 113) as f32 / 113.0 - 0.5) * 12.0 + 0.01)
        .collect();
    let mut out = vec![0f32; deg * z];
    let (mut s, mut sum, mut sign) = (vec![0f32; deg * z], vec![0f32; z], vec![0u32; z]);
    check_boxplus(&t, &mut out, z, 20.0, &mut s, &mut sum, &mut sign);
    for k in 0..deg {
        for r in 0..z {
            let mut acc: Option<f64> = None;
            for j in (0..deg).filter(|&j| j != k) {
                let v = t[j * z + r] as f64;
                acc = Some(acc.map_or(v, |a| boxplus_exact(a, v)));
            }
            let exact = acc.unwrap();
            let got = out[k * z + r] as f64;
            assert!(
                (got - exact).abs() < 1e-4 * exact.abs().max(1.0),
                "{got} vs {exact}"
            );
        }
    }
}

/// The AVX2 path and the portable path give identical results on noisy input.
#[test]
fn simd_and_portable_paths_agree() {
    use crate::rng::{BlockRng, Stream};
    let code = LiftedCode::get(BaseGraphId::Bg1, 96);
    let z = 96;
    let mut x = vec![0u8; code.cols() * z];
    BlockRng::new(1, 0, 0).bits(Stream::Bits, &mut x[..22 * z]);
    code.encode_in_place(&mut x);
    let mut noise = vec![[0f32; 2]; x.len()];
    BlockRng::new(1, 0, 0).complex_gaussian(Stream::Noise, 1.6, &mut noise);
    let llr: Vec<f32> = x
        .iter()
        .zip(&noise)
        .map(|(&b, n)| 2.0 * ((1.0 - 2.0 * b as f32) + n[0]) / 0.8)
        .collect();
    for alg in [DecoderAlgorithm::Bp, DecoderAlgorithm::LayeredMinSum] {
        let s = DecoderSettings {
            algorithm: alg,
            early_stop: false,
            iterations: 7,
            ..Default::default()
        };
        let dec = LdpcDecoder::new(code.clone(), x.len() - 2 * z, s);
        let (mut a, mut b) = (vec![0u8; x.len()], vec![0u8; x.len()]);
        let (mut wa, mut wb) = (DecoderWorkspace::default(), DecoderWorkspace::default());
        dec.decode(&llr, &mut a, &mut wa);
        dec.decode_portable(&llr, &mut b, &mut wb);
        assert_eq!(a, b, "{alg:?}");
        assert_eq!(wa.posterior, wb.posterior, "{alg:?}");
    }
}

/// Noise-free input decodes to itself in one iteration for every algorithm.
#[test]
fn clean_codeword_converges() {
    let code = LiftedCode::get(BaseGraphId::Bg2, 52);
    let z = 52;
    let mut x = vec![0u8; code.cols() * z];
    for (i, b) in x[..10 * z].iter_mut().enumerate() {
        *b = ((i * 13 + i / 5) % 2) as u8;
    }
    code.encode_in_place(&mut x);
    for alg in [
        DecoderAlgorithm::Bp,
        DecoderAlgorithm::LayeredBp,
        DecoderAlgorithm::MinSum,
        DecoderAlgorithm::LayeredMinSum,
    ] {
        let s = DecoderSettings {
            algorithm: alg,
            ..Default::default()
        };
        let dec = LdpcDecoder::new(code.clone(), code.cols() * z - 2 * z, s);
        let llr: Vec<f32> = x.iter().map(|&b| if b == 0 { 3.0 } else { -3.0 }).collect();
        let mut out = vec![0u8; x.len()];
        let mut ws = DecoderWorkspace::default();
        let r = dec.decode(&llr, &mut out, &mut ws);
        assert!(r.converged && r.iterations == 1, "{alg:?}");
        assert_eq!(out, x);
    }
}

/// A block that reached a codeword stays there when iterations go on (no early stop),
/// for every schedule: this failed for the layered decoders when v2c was clipped.
#[test]
fn more_iterations_never_leave_a_codeword() {
    use crate::rng::{BlockRng, Stream};
    let (z, cols) = (52, 22);
    let code = LiftedCode::get(BaseGraphId::Bg2, z);
    // R = 10/20, Eb/N0 = 1.6 dB: near the waterfall, so many blocks converge late.
    let sigma2 = 1.0 / (2.0 * 0.5 * 10f64.powf(0.16)) as f32;
    for alg in [
        DecoderAlgorithm::Bp,
        DecoderAlgorithm::LayeredBp,
        DecoderAlgorithm::MinSum,
        DecoderAlgorithm::LayeredMinSum,
    ] {
        let settings = |early_stop| DecoderSettings {
            algorithm: alg,
            iterations: 25,
            early_stop,
            ..Default::default()
        };
        let early = LdpcDecoder::new(code.clone(), (cols - 2) * z, settings(true));
        let full = LdpcDecoder::new(code.clone(), (cols - 2) * z, settings(false));
        let mut ws = DecoderWorkspace::default();
        let mut converged = 0;
        for b in 0..150 {
            let rng = BlockRng::new(21, 0, b);
            let mut x = vec![0u8; code.cols() * z];
            rng.bits(Stream::Bits, &mut x[..10 * z]);
            code.encode_in_place(&mut x);
            let mut noise = vec![[0f32; 2]; cols * z / 2];
            rng.complex_gaussian(Stream::Noise, 2.0 * sigma2, &mut noise);
            let llr: Vec<f32> = (0..cols * z)
                .map(|i| match i < 2 * z {
                    true => 0.0,
                    false => 2.0 * ((1.0 - 2.0 * x[i] as f32) + noise[i / 2][i % 2]) / sigma2,
                })
                .collect();
            let (mut a, mut c) = (vec![0u8; cols * z], vec![0u8; cols * z]);
            let oa = early.decode(&llr, &mut a, &mut ws);
            let oc = full.decode(&llr, &mut c, &mut ws);
            if oa.converged {
                converged += 1;
                assert!(
                    oc.converged && a == c,
                    "{alg:?} block {b} left its codeword"
                );
            }
        }
        assert!(
            converged > 100,
            "{alg:?}: only {converged} of 150 converged"
        );
    }
}
