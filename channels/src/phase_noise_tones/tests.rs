use super::*;
use crate::phase_noise::ici_check;
use sim_core::phase_noise_spectrum::SET_A;

/// Set A at 28 GHz, sampled at 512 × 120 kHz (an FR2 slot).
fn set_a() -> (PoleZeroSpectrum, f64) {
    (PoleZeroSpectrum::from_set(&SET_A, 28e9, 1.0), 512.0 * 120e3)
}

/// 4∫ L(f)·(1 − cos 2πfτ) df over [lowest, f_s/2], the structure function E[φ(t + τ) −
/// φ(t)]² of a stationary phase with the continuous spectrum: Simpson per log band, at least
/// 16 points per period of the cosine.
fn structure(s: &PoleZeroSpectrum, fs: f64, tau_s: f64) -> f64 {
    let step = (fs / 2.0 / s.lowest_hz).ln() / 256.0;
    (0..256)
        .map(|k| {
            let a = s.lowest_hz * (step * k as f64).exp();
            let b = s.lowest_hz * (step * (k + 1) as f64).exp();
            let n = (((b - a) * tau_s * 16.0).ceil() as usize).max(64) * 2;
            let h = (b - a) / n as f64;
            let g = |i: usize| {
                let f = a + h * i as f64;
                s.ssb(f) * (1.0 - (std::f64::consts::TAU * f * tau_s).cos())
            };
            let inner: f64 = (1..n)
                .map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * g(i))
                .sum();
            4.0 * h / 3.0 * (g(0) + inner + g(n))
        })
        .sum()
}

/// The bands tile [lowest, f_s/2] without gaps or overlaps, and their powers add up to the
/// spectrum's phase power over that range (within 0.1%).
#[test]
fn bands_tile_the_spectrum() {
    let (s, fs) = set_a();
    let t = tones(&s, fs);
    assert_eq!(t.len(), TONES);
    for w in t.windows(2) {
        assert_eq!(w[0].m_lo + w[0].width, w[1].m_lo);
    }
    let last = t[TONES - 1];
    assert_eq!(last.m_lo as u64 + last.width as u64, 1u64 << 31);
    let total: f64 = t.iter().map(|t| (t.std as f64).powi(2)).sum();
    let want = s.phase_power(1.0, fs / 2.0, 20_000);
    assert!((total / want - 1.0).abs() < 1e-3, "{total} vs {want}");
    eprintln!("set A at 28 GHz: {:.2}° rms", want.sqrt().to_degrees());
}

/// The generated phase is the model's: its structure function E[φ(n + τ) − φ(n)]² at lags
/// of 1, 37, 548 (a symbol with CP) and 7000 samples matches 4∫ L(f)(1 − cos 2πfτ) df of
/// the continuous spectrum within 6% (1500 slots, 10 differences each), with mean 0.
#[test]
fn phase_has_the_model_structure_function() {
    let (s, fs) = set_a();
    let t = tones(&s, fs);
    let len = 7672;
    let mut phase = vec![0f64; len];
    let lags = [1usize, 37, 548, 7000];
    let mut sums = [[0f64; 2]; 4];
    let slots = 1500;
    for b in 0..slots {
        tone_phase(&BlockRng::new(9, 2, b), &t, &mut phase);
        assert_eq!(phase[0], 0.0);
        for (i, &lag) in lags.iter().enumerate() {
            for j in 0..10 {
                let n = j * (len - lag) / 10;
                let d = phase[n + lag] - phase[n];
                sums[i][0] += d;
                sums[i][1] += d * d;
            }
        }
    }
    for (i, &lag) in lags.iter().enumerate() {
        let count = (slots * 10) as f64;
        let (mean, d2) = (sums[i][0] / count, sums[i][1] / count);
        let want = structure(&s, fs, lag as f64 / fs);
        eprintln!("lag {lag}: D = {d2:.4e}, theory {want:.4e}");
        assert!(
            (d2 / want - 1.0).abs() < 0.06,
            "lag {lag}: {d2:e} vs {want:e}"
        );
        assert!(
            mean.abs() < 5.0 * (want / count).sqrt(),
            "lag {lag}: mean {mean:e}"
        );
    }
}

/// Through the OFDM modulator and demodulator (64 subcarriers at 30 kHz, all loaded) the
/// common phase error keeps E|J₀|² = (1/N)[1 + 2Σ_{d=1}^{N−1}(1 − d/N)·e^{−D(d)/2}] of the
/// power, D the structure function of the spectrum (a Gaussian phase); the rest is ICI. A
/// one-pole spectrum (−55 dBc/Hz to 30 kHz, 0.3 rad² in all) and one three times stronger:
/// the measured ICI power within 5% of theory over 600 symbols (as the Wiener test).
#[test]
fn common_phase_error_and_ici_match_theory() {
    let n = 64;
    let fs = n as f64 * 30e3;
    for psd0 in [-55.0, -50.2] {
        let s = PoleZeroSpectrum {
            psd0_dbc_hz: psd0,
            zeros: vec![],
            poles: vec![[3e4, 2.0]],
            lowest_hz: 1.0,
        };
        let t = tones(&s, fs);
        let theory = ici_check::theory(n, |d| structure(&s, fs, d as f64 / fs));
        let ici = ici_check::measured(n, 600, |rng, phase| tone_phase(rng, &t, phase));
        eprintln!("PSD0 {psd0} dBc/Hz: ICI {ici:.5}, theory {theory:.5}");
        assert!(
            (ici - theory).abs() < 0.05 * theory,
            "PSD0 {psd0}: ICI {ici:.5} vs theory {theory:.5}"
        );
    }
}
