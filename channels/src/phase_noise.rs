//! Oscillator phase noise of the time-domain OFDM chain (`[phase_noise]`): a Wiener process,
//! the phase of a free-running oscillator whose spectrum is a Lorentzian of 3-dB linewidth β.
//! Over a sample of period T_s its increment is N(0, 2π·β·T_s); the slot's phase starts at 0
//! (a constant offset is part of the channel any estimator sees), so within a slot it drifts
//! as a random walk: a common phase error per OFDM symbol, and inter-carrier interference
//! from its change within the symbol. One process per slot, common to every receive antenna.
//!
//! Increment i of a slot is component i mod 4 of draw ⌊i/4⌋ of [`Stream::PhaseNoise`] (two
//! Box-Muller pairs, as `shaders/td_ofdm.wgsl` `pn_draw`), so the GPU forms any stretch of
//! the walk without the ones before it. The increments are rounded to multiples of 2^−16
//! (of a unit normal: a relative change of 10⁻⁵, far below anything the link notices) and
//! summed as integers, so the GPU's parallel sums and the CPU's sequential ones are the same
//! walk, not two f32 roundings of it.

use sim_core::rng::{box_muller, BlockRng, Stream};
use sim_core::Cf32;

/// Units of an increment per unit normal.
const INCREMENT_UNITS: f64 = 65536.0;

/// The four standard normal increments of draw `j` (increments 4j … 4j + 3) in units of
/// 2^−16, rounded half to even (WGSL `round`).
pub fn increments(rng: &BlockRng, j: u32) -> [i64; 4] {
    let r = rng.draw(Stream::PhaseNoise, j);
    let (a, b) = (box_muller(r[0], r[1]), box_muller(r[2], r[3]));
    [a[0], a[1], b[0], b[1]].map(|w| (w * INCREMENT_UNITS as f32).round_ties_even() as i64)
}

/// φ(n) for every sample n of `out`: φ(0) = 0, φ(n) = σ·Σ_{i<n} w_i, σ = `increment_std`.
pub fn wiener_phase(rng: &BlockRng, increment_std: f64, out: &mut [f64]) {
    let mut sum = 0i64;
    let mut w = [0i64; 4];
    let scale = increment_std / INCREMENT_UNITS;
    for (n, v) in out.iter_mut().enumerate() {
        *v = scale * sum as f64;
        if n % 4 == 0 {
            w = increments(rng, (n / 4) as u32);
        }
        sum += w[n % 4];
    }
}

/// Rotates each sample y(n) by e^{jφ(n)}.
pub fn rotate(phase: &[f64], y: &mut [Cf32]) {
    for (v, &p) in y.iter_mut().zip(phase) {
        let (s, c) = p.sin_cos();
        let (re, im) = (v[0] as f64, v[1] as f64);
        *v = [(re * c - im * s) as f32, (re * s + im * c) as f32];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walk's structure function: φ(n + m) − φ(n) has mean 0 and variance σ²·m at lags
    /// m = 1, 37, 1000 (within 4%, 6000 differences each, from 300 slots), and successive
    /// increments are uncorrelated (|ρ| < 0.03).
    #[test]
    fn phase_is_a_wiener_process() {
        let sigma = 0.01;
        let mut phase = vec![0f64; 21_000];
        for m in [1usize, 37, 1000] {
            let (mut sum, mut sq, mut count) = (0f64, 0f64, 0f64);
            let mut corr = 0f64;
            for block in 0..300 {
                wiener_phase(&BlockRng::new(5, 1, block), sigma, &mut phase);
                for i in 0..20 {
                    let n = i * 1000 + 3;
                    let d = phase[n + m] - phase[n];
                    sum += d;
                    sq += d * d;
                    count += 1.0;
                    let (a, b) = (phase[n + 1] - phase[n], phase[n + 2] - phase[n + 1]);
                    corr += a * b / (sigma * sigma);
                }
            }
            let (mean, var) = (sum / count, sq / count - (sum / count).powi(2));
            let expected = sigma * sigma * m as f64;
            assert!(
                mean.abs() < 4.0 * (expected / count).sqrt(),
                "lag {m}: mean {mean:e}"
            );
            assert!(
                (var / expected - 1.0).abs() < 0.04,
                "lag {m}: variance {var:e} vs σ²m = {expected:e}"
            );
            assert!(
                (corr / count).abs() < 0.03,
                "increment correlation {}",
                corr / count
            );
        }
    }

    /// Phase noise through the OFDM modulator and demodulator: with every subcarrier of a
    /// symbol loaded, Y_k = Σ_m J_{k−m}·X_m, J the spectrum of e^{jφ} over the FFT window, so
    /// the common phase error J₀ keeps E|J₀|² = (1/N)[1 + 2Σ_{d=1}^{N−1}(1 − d/N)e^{−σ²d/2}]
    /// of the power and the rest becomes ICI (Wiener: E e^{j(φ_m − φ_n)} = e^{−σ²|m−n|/2});
    /// 600 symbols at σ²N = 0.3 and 0.6: within 5% of the ICI power.
    #[test]
    fn common_phase_error_and_ici_match_theory() {
        let n = 64;
        for spread in [0.3, 0.6] {
            let var = spread / n as f64;
            let theory = ici_check::theory(n, |d| var * d as f64);
            let ici =
                ici_check::measured(n, 600, |rng, phase| wiener_phase(rng, var.sqrt(), phase));
            eprintln!("σ²N = {spread}: ICI {ici:.5}, theory {theory:.5}");
            assert!(
                (ici - theory).abs() < 0.05 * theory,
                "σ²N = {spread}: ICI {ici:.5} vs theory {theory:.5}"
            );
        }
    }
}

/// Test support: the inter-carrier interference of a phase process on a fully loaded OFDM
/// symbol, measured and in theory.
#[cfg(test)]
pub(crate) mod ici_check {
    use super::rotate;
    use crate::ofdm_waveform::{OfdmWaveform, WaveformScratch};
    use sim_core::rng::{BlockRng, Stream};

    /// 1 − E|J₀|², E|J₀|² = (1/N)[1 + 2Σ_{d=1}^{N−1}(1 − d/N)·e^{−D(d)/2}] for a Gaussian
    /// phase with structure function D(d) = E[φ(n + d) − φ(n)]² (d in samples).
    pub fn theory(n: usize, structure: impl Fn(usize) -> f64) -> f64 {
        let useful = (1.0
            + 2.0
                * (1..n)
                    .map(|d| (1.0 - d as f64 / n as f64) * (-structure(d) / 2.0).exp())
                    .sum::<f64>())
            / n as f64;
        1.0 - useful
    }

    /// The ICI power over `trials` symbols of N = `n` QPSK subcarriers at 30 kHz (CP 4), the
    /// phase of block b drawn by `phase` from BlockRng(3, 0, b): J₀ is measured from the grid
    /// as (1/N)Σ_k Y_k·X_k*, whose ICI part adds (1 − |J₀|²)/N on average (removed).
    pub fn measured(n: usize, trials: u32, mut phase: impl FnMut(&BlockRng, &mut [f64])) -> f64 {
        let w = OfdmWaveform::new(n, 1, n, 4);
        let mut useful = 0f64;
        let mut scratch = WaveformScratch::default();
        let mut ph = vec![0f64; w.samples()];
        for b in 0..trials {
            let rng = BlockRng::new(3, 0, b);
            let mut x = vec![[0f32; 2]; n];
            rng.complex_gaussian(Stream::Bits, 1.0, &mut x);
            let a = std::f32::consts::FRAC_1_SQRT_2;
            x.iter_mut()
                .for_each(|c| *c = [a * c[0].signum(), a * c[1].signum()]);
            let coeffs = vec![[1f32, 0.0]; w.grid_len()];
            let mut y = vec![[0f32; 2]; w.samples()];
            w.propagate(&x, 1, 1, &[0.0], 30e3, &coeffs, &mut y, &mut scratch);
            phase(&rng, &mut ph);
            rotate(&ph, &mut y);
            let mut grid = vec![[0f32; 2]; n];
            w.demodulate(&y, &mut grid, &mut scratch);
            let j0 = grid.iter().zip(&x).fold([0f64; 2], |acc, (yv, xv)| {
                let (yr, yi, xr, xi) = (yv[0] as f64, yv[1] as f64, xv[0] as f64, xv[1] as f64);
                [acc[0] + yr * xr + yi * xi, acc[1] + yi * xr - yr * xi]
            });
            let p = (j0[0] * j0[0] + j0[1] * j0[1]) / (n * n) as f64;
            // E p = u + (1 − u)/N for the useful power u.
            useful += (p - 1.0 / n as f64) / (1.0 - 1.0 / n as f64) / trials as f64;
        }
        1.0 - useful
    }
}
