//! Receivers of ferrolink and the CPU reference link chain.
//!
//! Today: perfect-CSI one-tap equalization of flat channels, soft demapping (exact APP and
//! max-log, from `sim_core::qam`), and [`CpuExecutor`], which runs the whole chain
//! (bits → CRC → LDPC → rate matching → QAM → channel → equalizer → demapper → decoder →
//! counters) for batches of blocks on all CPU cores. LS/LMMSE estimation, MIMO equalizers and
//! neural receivers follow with the OFDM link.

pub mod cpu_chain;
pub mod equalizer;

pub use cpu_chain::CpuExecutor;
