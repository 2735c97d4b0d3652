//! Channel models of ferrolink. Today: AWGN and flat Rayleigh fading (fast or block), the
//! channels of the single-carrier link. TR 38.901 TDL/CDL, the stochastic UMi/UMa/RMa/InH
//! model, NTN and sub-THz follow with the OFDM link.
//!
//! Every model draws from the block's counter-based RNG ([`sim_core::rng::BlockRng`]), so a
//! block's channel and noise are the same on any executor.

pub mod awgn;
pub mod rayleigh;

pub use awgn::add_awgn;
pub use rayleigh::{apply_flat, rayleigh_coefficients};
