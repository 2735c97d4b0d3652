//! Tests of the time-domain OFDM waveform.

use super::*;
use crate::tdl::{Tap, TdlModel};
use sim_core::rng::{BlockRng, Stream};

/// Random unit-energy QPSK on every resource element.
fn qpsk(n: usize, block: u32) -> Vec<Cf32> {
    let mut v = vec![[0f32; 2]; n];
    BlockRng::new(3, 0, block).complex_gaussian(Stream::Bits, 1.0, &mut v);
    let a = std::f32::consts::FRAC_1_SQRT_2;
    v.iter()
        .map(|c| [a * c[0].signum(), a * c[1].signum()])
        .collect()
}

/// Noise-free received grid of `x` over `model` (one antenna pair), the window-averaged
/// frequency response H_{s,k} = Σ_p ā_{p,s} e^{−j2π f_k τ_p}, and the mean predicted ICI
/// power per symbol.
fn through(
    w: &OfdmWaveform,
    model: &TdlModel,
    x: &[Cf32],
    block: u32,
) -> (Vec<Cf32>, Vec<Cf32>, f64) {
    let spacing = 30e3;
    let times = w.grid_times(spacing);
    let paths = model.taps.len();
    let mut c = vec![[0f32; 2]; times.len() * paths];
    model.coefficients(&BlockRng::new(9, 0, block), 0, &times, &mut c);
    let delays: Vec<f64> = model.taps.iter().map(|t| t.delay_s).collect();
    let mut y = vec![[0f32; 2]; w.samples()];
    let mut scratch = WaveformScratch::default();
    w.propagate(x, 1, 1, &delays, spacing, &c, &mut y, &mut scratch);
    let mut grid = vec![[0f32; 2]; w.symbols * w.subcarriers];
    w.demodulate(&y, &mut grid, &mut scratch);
    let mut avg = vec![[0f32; 2]; w.symbols * paths];
    let mut ici = vec![0f32; w.symbols];
    w.window_average(&c, 1, paths, &mut avg, &mut ici);
    let mut h = vec![[0f32; 2]; w.symbols * w.subcarriers];
    for s in 0..w.symbols {
        let freqs: Vec<f64> = w.offsets.iter().map(|o| o * spacing).collect();
        model.frequency_response(
            &avg[s * paths..(s + 1) * paths],
            &freqs,
            &mut h[s * w.subcarriers..(s + 1) * w.subcarriers],
        );
    }
    let ici = ici.iter().map(|&v| v as f64).sum::<f64>() / w.symbols as f64;
    (grid, h, ici)
}

fn cmul(a: Cf32, b: Cf32) -> Cf32 {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

/// Mean |Y − H·X|² over the grid, and mean |Y|².
fn residual(y: &[Cf32], h: &[Cf32], x: &[Cf32]) -> (f64, f64) {
    let mut e = 0f64;
    let mut p = 0f64;
    for ((yv, hv), xv) in y.iter().zip(h).zip(x) {
        let d = cmul(*hv, *xv);
        e += ((yv[0] - d[0]) as f64).powi(2) + ((yv[1] - d[1]) as f64).powi(2);
        p += (yv[0] as f64).powi(2) + (yv[1] as f64).powi(2);
    }
    (e / y.len() as f64, p / y.len() as f64)
}

/// A static channel whose delays lie within the CP is diagonal after the FFT: Y = H·X with
/// H the frequency response (TDL-A 100 ns: longest delay 0.97 µs, CP 2.3 µs), to float
/// precision; 600 of 1024 bins used.
#[test]
fn static_channel_within_cp_is_diagonal() {
    let w = OfdmWaveform::new(600, 14, 1024, 72);
    let model = TdlModel::new("A", 100e-9, 0.0).unwrap();
    let x = qpsk(14 * 600, 0);
    let (y, h, _) = through(&w, &model, &x, 0);
    let (e, p) = residual(&y, &h, &x);
    assert!(e / p < 1e-10, "relative residual {}", e / p);
}

/// The same with guard carriers and a DC null (576 occupied of a 623-wide grid, guards 40
/// below and 6 above, DC at grid index 311): each subcarrier is demodulated from its own
/// bin, and Y = H·X with H evaluated at the subcarrier's true frequency. H of the plain
/// centred band instead leaves a large residual (the test can fail).
#[test]
fn static_channel_with_guards_and_dc_null_is_diagonal() {
    let (k, width) = (576i64, 623i64);
    let offsets: Vec<i64> = (40..width - 6)
        .filter(|&i| i != width / 2)
        .map(|i| i - width / 2)
        .collect();
    assert_eq!(offsets.len() as i64, k);
    let w = OfdmWaveform::with_offsets(&offsets, 14, 1024, 72);
    let model = TdlModel::new("A", 100e-9, 0.0).unwrap();
    let x = qpsk(14 * k as usize, 1);
    let (y, h, _) = through(&w, &model, &x, 1);
    let (e, p) = residual(&y, &h, &x);
    assert!(e / p < 1e-10, "relative residual {}", e / p);
    // H of the plain centred band (offsets k − 288, 17 below) does not describe this grid.
    let plain = OfdmWaveform::new(k as usize, 14, 1024, 72);
    let (_, h_plain, _) = through(&plain, &model, &x, 1);
    let (e, p) = residual(&y, &h_plain, &x);
    assert!(e / p > 1e-3, "relative residual {}", e / p);
}

/// Inter-carrier interference of a flat Rayleigh channel with Clarke's spectrum, shifted
/// by a common frequency f_s: with all N subcarriers loaded, the useful power is
/// E|ā|² = (1/N)[1 + 2Σ_{d=1}^{N−1}(1 − d/N) J₀(2π f_D T_s d) cos(2π f_s T_s d)] and the
/// ICI power 1 − E|ā|² (Russell & Stüber 1995; with f_D = 0 it is the carrier-offset loss
/// 1 − (sin πε / (N sin(πε/N)))², ε = f_s·N·T_s). Measured over 400 symbols at
/// f_D·N·T_s = 0.1 and 0.2, at a pure offset ε = 0.1 and at both (0.1, 0.15): within 5%
/// of theory, and so is the mean of the per-symbol ICI power
/// [`OfdmWaveform::window_average`] predicts.
#[test]
fn ici_power_matches_theory() {
    let n = 64;
    let w = OfdmWaveform::new(n, 1, n, 4);
    for (norm_doppler, norm_shift) in [(0.1, 0.0), (0.2, 0.0), (0.0, 0.1), (0.1, 0.15)] {
        let fd = norm_doppler * 30e3;
        let fs = norm_shift * 30e3;
        let model = TdlModel {
            profile: "A".into(),
            taps: vec![Tap {
                delay_s: 0.0,
                power: 1.0,
                los: false,
            }],
            doppler_hz: fd,
            shift_hz: fs,
        };
        let ts = 1.0 / (n as f64 * 30e3);
        let useful = (1.0
            + 2.0
                * (1..n)
                    .map(|d| {
                        let tau = ts * d as f64;
                        (1.0 - d as f64 / n as f64)
                            * libm::j0(TAU * fd * tau)
                            * (TAU * fs * tau).cos()
                    })
                    .sum::<f64>())
            / n as f64;
        if norm_doppler == 0.0 {
            let e = std::f64::consts::PI * norm_shift;
            let closed = (e.sin() / (n as f64 * (e / n as f64).sin())).powi(2);
            assert!((useful - closed).abs() < 1e-12, "{useful} vs {closed}");
        }
        let theory = 1.0 - useful;
        let (mut ici, mut total, mut genie) = (0f64, 0f64, 0f64);
        let trials = 400;
        for b in 0..trials {
            let x = qpsk(n, b);
            let (y, h, predicted) = through(&w, &model, &x, b);
            let (e, p) = residual(&y, &h, &x);
            ici += e / trials as f64;
            total += p / trials as f64;
            genie += predicted / trials as f64;
        }
        let measured = ici / total;
        assert!(
            (measured - theory).abs() < 0.05 * theory,
            "f_D T = {norm_doppler}, f_s T = {norm_shift}: ICI {measured:.5} vs theory {theory:.5}"
        );
        // The per-slot ICI power that perfect CSI passes to the detector.
        assert!(
            (genie - theory).abs() < 0.05 * theory,
            "f_D T = {norm_doppler}, f_s T = {norm_shift}: window variance {genie:.5} vs theory {theory:.5}"
        );
    }
}

/// Delays beyond the CP leave inter-symbol interference: path p, d_p − L samples past the
/// CP, puts that many samples of the previous symbol (zero before the slot) in place of
/// the current one's in the FFT window: an error of energy 2·P_p·(d_p − L)·K/N (samples of
/// power K/N), whose spectrum, that of a burst much shorter than N, stays in the K
/// occupied bins: 2·P_p·(d_p − L)/N per resource element ([`isi_power`]; half for symbol
/// 0). TDL-A at 1 µs (longest delay 9.7 µs ≫ CP
/// 2.3 µs), averaged over 40 slots: the residual after window-averaged equalization
/// matches that within 15%.
#[test]
fn delays_beyond_cp_interfere() {
    let (k, n, l) = (600, 1024, 72);
    let w = OfdmWaveform::new(k, 14, n, l);
    let model = TdlModel::new("A", 1000e-9, 0.0).unwrap();
    let ts = 1.0 / (n as f64 * 30e3);
    let paths: Vec<(f64, f64)> = model
        .taps
        .iter()
        .map(|t| (t.delay_s / ts, t.power))
        .collect();
    // Symbol 0 has no earlier symbol: half the error.
    let theory = isi_power(&paths, l, n) * (13.0 + 0.5) / 14.0;
    let (mut e, mut p) = (0f64, 0f64);
    for b in 0..40 {
        let x = qpsk(14 * k, b);
        let (y, h, _) = through(&w, &model, &x, b);
        let r = residual(&y, &h, &x);
        e += r.0;
        p += r.1;
    }
    let measured = e / p;
    assert!(
        (measured - theory).abs() < 0.15 * theory,
        "residual {measured:.5} vs {theory:.5}"
    );
}

/// [`OfdmWaveform::add_isi`] per symbol against the measured residual of a static channel
/// (no ICI): TDL-A at 4 µs, 30 kHz, N = 1024, CP 72 (paths up to 38.8 µs, 1192 samples,
/// more than a symbol): symbol 0 has only silence before it and sees half the
/// interference of the later ones (the longest path also reaches a little before the slot
/// from symbol 1). Averaged over 40 slots, each symbol's error power matches the
/// prediction within 15% (measured: within 3%).
#[test]
fn isi_per_symbol_matches_add_isi() {
    let (k, n, l, spacing) = (600, 1024, 72, 30e3);
    let w = OfdmWaveform::new(k, 14, n, l);
    let model = TdlModel::new("A", 4000e-9, 0.0).unwrap();
    let paths = model.taps.len();
    let delays: Vec<f64> = model.taps.iter().map(|t| t.delay_s).collect();
    let times = w.grid_times(spacing);
    let freqs: Vec<f64> = w.offsets.iter().map(|o| o * spacing).collect();
    let (mut err, mut pred, mut power) = ([0f64; 14], [0f64; 14], [0f64; 14]);
    let mut scratch = WaveformScratch::default();
    for b in 0..40 {
        let x = qpsk(14 * k, b);
        let mut c = vec![[0f32; 2]; times.len() * paths];
        model.coefficients(&BlockRng::new(9, 0, b), 0, &times, &mut c);
        let mut y = vec![[0f32; 2]; w.samples()];
        w.propagate(&x, 1, 1, &delays, spacing, &c, &mut y, &mut scratch);
        let mut grid = vec![[0f32; 2]; 14 * k];
        w.demodulate(&y, &mut grid, &mut scratch);
        let mut avg = vec![[0f32; 2]; 14 * paths];
        let mut ici = vec![0f32; 14];
        w.window_average(&c, 1, paths, &mut avg, &mut ici);
        w.add_isi(&delays, spacing, 1, &avg, &mut ici);
        let mut h = vec![[0f32; 2]; k];
        for s in 0..14 {
            model.frequency_response(&avg[s * paths..(s + 1) * paths], &freqs, &mut h);
            let at = s * k..(s + 1) * k;
            let (e, _) = residual(&grid[at.clone()], &h, &x[at]);
            err[s] += e;
            pred[s] += ici[s] as f64;
            power[s] += h
                .iter()
                .map(|v| (v[0] * v[0] + v[1] * v[1]) as f64)
                .sum::<f64>()
                / k as f64;
        }
    }
    for s in [0, 1, 2, 7, 13] {
        let (m, p) = (err[s] / power[s], pred[s] / power[s]);
        assert!(
            (m - p).abs() < 0.15 * p,
            "symbol {s}: measured {m:.4} vs {p:.4}"
        );
    }
    assert!(err[0] < 0.7 * err[7], "symbol 0 has nothing before it");
}

/// `propagate` against the waveform evaluated sample by sample: y(i) = Σ_p a_p(i)·
/// x(i − d_p), x(j) = N^{−½} Σ_k X_{s',k} e^{j2π o_k (j − s'·L − L_CP)/N} for the symbol s'
/// that sample j (fractional) falls in, zero before the slot; delays from 0 to 3.4
/// symbols, time-varying coefficients, guard and DC gaps in the offsets.
#[test]
fn propagate_matches_direct_evaluation_for_long_delays() {
    let (n, l, nsym) = (64usize, 8usize, 6usize);
    let offsets: Vec<i64> = (-20..0).chain(1..21).collect();
    let w = OfdmWaveform::with_offsets(&offsets, nsym, n, l);
    let sym_len = n + l;
    let delays_samples = [0.0, 5.25, 13.5, 71.75, 72.0, 160.3, 245.0];
    let ts = 1.0 / (n as f64 * 30e3);
    let delays: Vec<f64> = delays_samples.iter().map(|d| d * ts).collect();
    let paths = delays.len();
    let x = qpsk(nsym * offsets.len(), 7);
    let mut c = vec![[0f32; 2]; w.grid_len() * paths];
    BlockRng::new(5, 0, 1).complex_gaussian(Stream::Fading, 1.0, &mut c);
    let mut y = vec![[0f32; 2]; w.samples()];
    let mut scratch = WaveformScratch::default();
    w.propagate(&x, 1, 1, &delays, 30e3, &c, &mut y, &mut scratch);
    let mut worst = 0f64;
    // The FFT-window samples (`propagate` leaves the CP ones alone).
    let window = |i: &usize| i % sym_len >= l;
    for (i, yv) in y.iter().enumerate().filter(|(i, _)| window(i)) {
        let mut acc = [0f64; 2];
        for (p, &tau) in delays.iter().enumerate() {
            // The delay in samples as `propagate` computes it (a sample exactly at a
            // symbol boundary then falls on the same side).
            let j = i as f64 - tau * n as f64 * 30e3;
            if j < 0.0 {
                continue;
            }
            let s = (j / sym_len as f64).floor() as usize;
            let u = j - (s * sym_len + l) as f64;
            let mut v = [0f64; 2];
            for (k, &o) in offsets.iter().enumerate() {
                let xv = x[s * offsets.len() + k];
                let (sn, cs) = (TAU * o as f64 * u / n as f64).sin_cos();
                v[0] += xv[0] as f64 * cs - xv[1] as f64 * sn;
                v[1] += xv[0] as f64 * sn + xv[1] as f64 * cs;
            }
            let a = OfdmWaveform::coefficient_at(&c[p..], paths, i);
            let (a0, a1) = (a[0] as f64, a[1] as f64);
            acc[0] += (a0 * v[0] - a1 * v[1]) / (n as f64).sqrt();
            acc[1] += (a0 * v[1] + a1 * v[0]) / (n as f64).sqrt();
        }
        let e = (yv[0] as f64 - acc[0]).hypot(yv[1] as f64 - acc[1]);
        worst = worst.max(e);
    }
    assert!(worst < 2e-5, "largest sample error {worst:e}");
    // The path at 245 samples (3.4 symbols) reaches symbol 0 from symbol 3 on only.
    assert_eq!(lag_symbols(245.0, l + 3, sym_len), 4);
    assert_eq!(lag_symbols(72.0, 0, sym_len), 1);
    assert_eq!(lag_symbols(5.25, 6, sym_len), 0);
}
