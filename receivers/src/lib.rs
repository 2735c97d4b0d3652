//! Receivers of ferrolink and the CPU reference link chain.
//!
//! Today: perfect-CSI one-tap equalization of flat channels, soft demapping (exact APP and
//! max-log, from `sim_core::qam`), OFDM pilot-based LS estimation with time interpolation
//! ([`estimation`]) and single-stream combining ([`ofdm_chain`]), and [`CpuExecutor`], which
//! runs the whole chain (bits → CRC → LDPC → rate matching → QAM [→ OFDM grid] → channel →
//! estimation/equalizer → demapper → decoder → counters) for batches of blocks on all CPU
//! cores; LMMSE estimation ([`lmmse_estimation`]), linear MIMO detection ([`mimo`]), ML detection
//! ([`ml_detection`]), K-best detection ([`kbest_detection`]) and neural
//! receivers (burn: model, features, weights, CPU inference, training: [`neural`]).

pub mod cpu_chain;
pub mod equalizer;
pub mod estimation;
mod harq;
pub mod kbest_detection;
pub mod lmmse_estimation;
pub mod mimo;
pub mod ml_detection;
pub mod neural;
pub mod ofdm_chain;
mod ofdm_detect;
pub mod ofdm_prepared;
pub mod ptrs_cpe;
mod qr_tree;
pub mod transform_precoding;

pub use cpu_chain::CpuExecutor;
