//! `[phase_noise]` of the scenario schema: the oscillator phase noise of the time-domain
//! OFDM chain.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PhaseNoiseModel {
    /// A free-running oscillator: the phase is a Wiener process (a random walk whose
    /// increments over a time T have variance 2π·β·T), its spectrum a Lorentzian of 3-dB
    /// linewidth β (single-sideband L(f) = β/(2π f²) far from the carrier, f ≫ β).
    Wiener,
    /// The multi-pole/zero spectrum of TR 38.803 §6.1.10 (a PLL-locked oscillator): a named
    /// `parameter_set` or the six custom keys.
    PoleZero,
}

/// The named multi-pole/zero parameter sets (`sim_core::phase_noise_spectrum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PoleZeroSetName {
    /// R1-163984, a 30 GHz oscillator.
    A,
    /// R1-163984, a 60 GHz oscillator.
    B,
    /// TR 38.803 §6.1.10, 29.55 GHz.
    C,
}

/// `[phase_noise]`: one phase-noise process per slot, common to every receive antenna (the
/// transmit and receive oscillators' noise lumped at the receiver), applied to the received
/// samples before the FFT (`[ofdm] domain = "time"` only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseNoiseConfig {
    #[serde(default = "default_model")]
    pub model: PhaseNoiseModel,
    /// Wiener: 3-dB linewidth β (Hz) of the oscillator's Lorentzian spectrum (both
    /// oscillators').
    pub linewidth_hz: Option<f64>,
    /// Pole-zero: a named parameter set ("A", "B", "C").
    pub parameter_set: Option<PoleZeroSetName>,
    /// Pole-zero, custom: PSD0 (dBc/Hz) at `reference_ghz`, zero and pole frequencies (Hz)
    /// with their orders α.
    pub psd0_dbc_hz: Option<f64>,
    pub reference_ghz: Option<f64>,
    pub zeros_hz: Option<Vec<f64>>,
    pub zero_orders: Option<Vec<f64>>,
    pub poles_hz: Option<Vec<f64>>,
    pub pole_orders: Option<Vec<f64>>,
    /// Pole-zero: the lowest frequency offset simulated, Hz (default 1).
    pub lowest_hz: Option<f64>,
}

fn default_model() -> PhaseNoiseModel {
    PhaseNoiseModel::Wiener
}
