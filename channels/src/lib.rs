//! Channel models of ferrolink: AWGN and flat Rayleigh fading (fast or block) for the
//! single-carrier link, and TR 38.901 TDL-A…E and TR 38.811 NTN-TDL-A…D ([`tdl`], with a
//! common Doppler shift) and CDL-A…E with antenna arrays ([`cdl`]) for OFDM, K-factor
//! scaling of the LOS profiles ([`k_factor`]), applied per resource element or, with
//! [`ofdm_waveform`], to the time-domain OFDM signal (ICI and ISI included), with oscillator
//! phase noise ([`phase_noise`]), and the TR 38.901 §7.5 stochastic UMa/UMi/RMa/InH model
//! ([`stochastic`], a new drop of large-scale parameters and clusters per slot). NTN-CDL and
//! sub-THz follow.
//!
//! Every model draws from the block's counter-based RNG ([`sim_core::rng::BlockRng`]), so a
//! block's channel and noise are the same on any executor.

pub mod antenna;
pub mod awgn;
pub mod cdl;
pub mod k_factor;
pub mod ofdm_waveform;
pub mod phase_noise;
pub mod phase_noise_tones;
pub mod rayleigh;
pub mod spatial_correlation;
pub mod stochastic;
pub mod tdl;
pub mod tr38901_lsp;

pub use awgn::add_awgn;
pub use cdl::{Array, CdlModel, ElementPattern, Polarization};
pub use ofdm_waveform::{OfdmWaveform, WaveformScratch};
pub use rayleigh::{apply_flat, rayleigh_coefficients};
pub use stochastic::StochasticModel;
pub use tdl::TdlModel;
