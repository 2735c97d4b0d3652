//! The pole-zero oscillator phase noise (`[phase_noise] model = "pole-zero"`, TR 38.803
//! §6.1.10; the spectrum in `sim_core::phase_noise_spectrum`) as a stationary Gaussian phase
//! per slot: a sum of [`TONES`] sinusoids, one per log-spaced band of [lowest, f_s/2]. Each
//! slot, tone k takes a frequency drawn uniformly from its band and Gaussian in-phase and
//! quadrature amplitudes whose variance is the band's phase power 2∫ L(f) df, so the slot's
//! phase is Gaussian with the model's spectrum averaged over each band (a band spans a factor
//! (f_s/2 / lowest)^(1/64), about 1.33 from 1 Hz at 61 MHz). Phase variations slower than
//! `lowest_hz` are left out; φ(0) = 0 at the slot's first sample, as with the Wiener model (a
//! constant phase is part of the channel an estimator sees).
//!
//! Frequencies are multiples m of f_s/2^32, so the phase of tone k at sample n is
//! 2π·(m·n mod 2^32)/2^32, exact in 32-bit integers on both devices (`shaders/td_ofdm.wgsl`
//! `pn_tones`). Tone k's draws are draw k of [`Stream::PhaseNoise`]: a Box-Muller pair for the
//! amplitudes, the third word for the frequency.

use sim_core::phase_noise_spectrum::PoleZeroSpectrum;
use sim_core::rng::{box_muller, BlockRng, Stream};

/// Tones (log-spaced bands) per slot.
pub const TONES: usize = 64;

/// 2^32, the phase accumulator's modulus.
const WRAP: f64 = 4_294_967_296.0;

/// One band: frequencies m·f_s/2^32 for m in `m_lo` .. `m_lo + width`, amplitude standard
/// deviation √(band phase power) in rad.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    pub m_lo: u32,
    pub width: u32,
    pub std: f32,
}

/// The bands of `spectrum` at sample rate `sample_rate_hz`: [`TONES`] log-spaced bands from
/// max(lowest, 16·f_s/2^32) to f_s/2, each band's power by Simpson's rule (64 steps).
pub fn tones(spectrum: &PoleZeroSpectrum, sample_rate_hz: f64) -> Vec<Tone> {
    let unit = sample_rate_hz / WRAP;
    let lo = spectrum.lowest_hz.max(16.0 * unit);
    let step = (sample_rate_hz / 2.0 / lo).ln() / TONES as f64;
    (0..TONES)
        .map(|k| {
            let a = lo * (step * k as f64).exp();
            let b = if k + 1 == TONES {
                sample_rate_hz / 2.0
            } else {
                lo * (step * (k + 1) as f64).exp()
            };
            let m_lo = (a / unit).ceil() as u32;
            let m_hi = ((b / unit).ceil() as u32).max(m_lo + 1);
            Tone {
                m_lo,
                width: m_hi - m_lo,
                std: spectrum.phase_power(a, b, 64).sqrt() as f32,
            }
        })
        .collect()
}

/// Tone `k` of a slot: in-phase and quadrature amplitudes (rad) and its frequency index m.
pub fn draw(rng: &BlockRng, k: u32, tone: &Tone) -> ([f32; 2], u32) {
    let r = rng.draw(Stream::PhaseNoise, k);
    let g = box_muller(r[0], r[1]);
    (
        [g[0] * tone.std, g[1] * tone.std],
        tone.m_lo + r[2] % tone.width,
    )
}

/// φ(n) = Σ_k a_k·(cos θ_k(n) − 1) + b_k·sin θ_k(n), θ_k(n) = 2π·(m_k·n mod 2^32)/2^32, for
/// every sample n of `out` (a rotating phasor per tone, re-anchored every 1024 samples).
pub fn tone_phase(rng: &BlockRng, tones: &[Tone], out: &mut [f64]) {
    out.fill(0.0);
    for (k, t) in tones.iter().enumerate() {
        let ([a, b], m) = draw(rng, k as u32, t);
        let (a, b) = (a as f64, b as f64);
        let (s, c) = (std::f64::consts::TAU * m as f64 / WRAP).sin_cos();
        let (mut zr, mut zi) = (1.0, 0.0);
        for (n, v) in out.iter_mut().enumerate() {
            if n % 1024 == 0 {
                let turns = m.wrapping_mul(n as u32) as f64 / WRAP;
                (zi, zr) = (std::f64::consts::TAU * turns).sin_cos();
            }
            *v += a * (zr - 1.0) + b * zi;
            (zr, zi) = (zr * c - zi * s, zr * s + zi * c);
        }
    }
}

#[cfg(test)]
mod tests;
