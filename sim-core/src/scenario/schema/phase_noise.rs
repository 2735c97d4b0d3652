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
}

/// `[phase_noise]`: one phase-noise process per slot, common to every receive antenna (the
/// transmit and receive oscillators' noise lumped at the receiver), applied to the received
/// samples before the FFT (`[ofdm] domain = "time"` only).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhaseNoiseConfig {
    #[serde(default = "default_model")]
    pub model: PhaseNoiseModel,
    /// 3-dB linewidth β (Hz) of the oscillator's Lorentzian spectrum (both oscillators').
    pub linewidth_hz: f64,
}

fn default_model() -> PhaseNoiseModel {
    PhaseNoiseModel::Wiener
}
