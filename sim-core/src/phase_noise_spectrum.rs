//! The multi-pole/zero oscillator phase-noise spectrum of TR 38.803 §6.1.10 (`[phase_noise]
//! model = "pole-zero"`): the single-sideband level
//!
//! L(f) = PSD0 · Π_n [1 + (f/f_z,n)^α_z,n] / Π_m [1 + (f/f_p,m)^α_p,m] · (f_c / f_ref)²,
//!
//! in dBc/Hz, with the parameter sets researchers use for FR2 (named as in MATLAB's 5G
//! Toolbox phase-noise examples): A and B measured oscillators at 30 and 60 GHz (R1-163984),
//! C the TR 38.803 model at 29.55 GHz. The phase's one-sided spectrum is S_φ(f) = 2·L(f).
//! The process that realizes it is `channels::phase_noise_tones`.

use serde::Serialize;

/// A multi-pole/zero spectrum, already shifted to the carrier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoleZeroSpectrum {
    /// PSD0 at the carrier: the set's value + 20·log10(f_c / f_ref), dBc/Hz.
    pub psd0_dbc_hz: f64,
    /// (f_z,n in Hz, α_z,n) of each zero.
    pub zeros: Vec<[f64; 2]>,
    /// (f_p,m in Hz, α_p,m) of each pole.
    pub poles: Vec<[f64; 2]>,
    /// The lowest frequency offset simulated (Hz): slower phase variations are left out.
    pub lowest_hz: f64,
}

/// A named parameter set: (f_ref Hz, PSD0 dBc/Hz, zeros, poles).
pub struct PoleZeroSet {
    pub reference_hz: f64,
    pub psd0_dbc_hz: f64,
    pub zeros: [[f64; 2]; 3],
    pub poles: [[f64; 2]; 3],
}

/// Set A: a 30 GHz oscillator of R1-163984.
pub const SET_A: PoleZeroSet = PoleZeroSet {
    reference_hz: 30e9,
    psd0_dbc_hz: -79.4,
    zeros: [[1.8e6, 2.0], [2.2e6, 2.0], [40e6, 2.0]],
    poles: [[0.1e6, 2.0], [0.2e6, 2.0], [8e6, 2.0]],
};

/// Set B: a 60 GHz oscillator of R1-163984.
pub const SET_B: PoleZeroSet = PoleZeroSet {
    reference_hz: 60e9,
    psd0_dbc_hz: -70.0,
    zeros: [[0.02e6, 2.0], [6e6, 2.0], [10e6, 2.0]],
    poles: [[0.005e6, 2.0], [0.4e6, 2.0], [0.6e6, 2.0]],
};

/// Set C: the TR 38.803 §6.1.10 model at 29.55 GHz.
pub const SET_C: PoleZeroSet = PoleZeroSet {
    reference_hz: 29.55e9,
    psd0_dbc_hz: 32.0,
    zeros: [[3e3, 2.37], [550e3, 2.7], [280e6, 2.53]],
    poles: [[1.0, 3.3], [1.6e6, 3.3], [30e6, 1.0]],
};

impl PoleZeroSpectrum {
    /// The spectrum of `set` at carrier `carrier_hz`.
    pub fn from_set(set: &PoleZeroSet, carrier_hz: f64, lowest_hz: f64) -> Self {
        Self {
            psd0_dbc_hz: set.psd0_dbc_hz + 20.0 * (carrier_hz / set.reference_hz).log10(),
            zeros: set.zeros.to_vec(),
            poles: set.poles.to_vec(),
            lowest_hz,
        }
    }

    /// L(f) in dBc/Hz at offset `f` Hz.
    pub fn ssb_dbc_hz(&self, f: f64) -> f64 {
        let term = |fc: f64, a: f64| 10.0 * (1.0 + (f / fc).powf(a)).log10();
        self.psd0_dbc_hz + self.zeros.iter().map(|z| term(z[0], z[1])).sum::<f64>()
            - self.poles.iter().map(|p| term(p[0], p[1])).sum::<f64>()
    }

    /// L(f) as a power ratio per Hz.
    pub fn ssb(&self, f: f64) -> f64 {
        10f64.powf(self.ssb_dbc_hz(f) / 10.0)
    }

    /// ∫ S_φ(f) df = 2∫ L(f) df over [a, b] (rad²): Simpson's rule in log f, `steps` (even)
    /// intervals.
    pub fn phase_power(&self, a: f64, b: f64, steps: usize) -> f64 {
        let (la, lb) = (a.ln(), b.ln());
        let h = (lb - la) / steps as f64;
        let g = |i: usize| {
            let f = (la + h * i as f64).exp();
            self.ssb(f) * f
        };
        let inner: f64 = (1..steps)
            .map(|i| if i % 2 == 1 { 4.0 } else { 2.0 } * g(i))
            .sum();
        2.0 * h / 3.0 * (g(0) + inner + g(steps))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// L(f) of the three sets against values worked by hand from the formula: set C at
    /// 29.55 GHz, 100 kHz: num = (1 + 33.33^2.37)(1 + 0.1818^2.7)(1 + …) = 4108,
    /// den = (1 + 10^16.5)(1 + 0.0625^3.3)(1 + 1/300) = 3.173e16 → 32 + 10·log10(num/den) =
    /// −96.88 dBc/Hz; set A far below its poles is PSD0 (−79.4 at 30 GHz, −79.4 +
    /// 20·log10(28/30) = −79.999 at 28 GHz, 1 Hz); set B at 60 GHz, 1 MHz: (1 + 50²)(1 +
    /// (1/6)²)(1 + 0.01) / ((1 + 200²)(1 + 2.5²)(1 + (5/3)²)) → −70 − 26.25 = −96.25.
    #[test]
    fn spectra_match_hand_worked_values() {
        let c = PoleZeroSpectrum::from_set(&SET_C, 29.55e9, 1.0);
        let num = (1.0 + (1e5f64 / 3e3).powf(2.37))
            * (1.0 + (1e5f64 / 550e3).powf(2.7))
            * (1.0 + (1e5f64 / 280e6).powf(2.53));
        let den =
            (1.0 + 1e5f64.powf(3.3)) * (1.0 + (1e5f64 / 1.6e6).powf(3.3)) * (1.0 + 1e5 / 30e6);
        let want = 32.0 + 10.0 * (num / den).log10();
        assert!((c.ssb_dbc_hz(1e5) - want).abs() < 1e-9);
        assert!((want + 96.878).abs() < 0.001, "{want}");
        let a = PoleZeroSpectrum::from_set(&SET_A, 28e9, 1.0);
        assert!(
            (a.ssb_dbc_hz(1.0) + 79.999).abs() < 1e-3,
            "{}",
            a.ssb_dbc_hz(1.0)
        );
        let b = PoleZeroSpectrum::from_set(&SET_B, 60e9, 1.0);
        let want_b = -70.0 + 10.0 * ((1.0 + 2500.0) * (1.0 + 1.0 / 36.0) * 1.01f64).log10()
            - 10.0 * ((1.0 + 40000.0) * (1.0 + 6.25) * (1.0 + 25.0 / 9.0f64)).log10();
        assert!((b.ssb_dbc_hz(1e6) - want_b).abs() < 1e-9);
        assert!((want_b + 96.253).abs() < 0.001, "{want_b}");
    }

    /// Simpson in log f integrates L(f) = PSD0/(1 + (f/f_p)²) (one pole, order 2) to its
    /// closed form 2·PSD0·f_p·(atan(b/f_p) − atan(a/f_p)).
    #[test]
    fn phase_power_integrates_a_single_pole() {
        let s = PoleZeroSpectrum {
            psd0_dbc_hz: -80.0,
            zeros: vec![],
            poles: vec![[1e5, 2.0]],
            lowest_hz: 1.0,
        };
        let exact = 2.0 * 1e-8 * 1e5 * ((3e7f64 / 1e5).atan() - (10f64 / 1e5).atan());
        let got = s.phase_power(10.0, 3e7, 2000);
        assert!((got / exact - 1.0).abs() < 1e-6, "{got} vs {exact}");
    }
}
