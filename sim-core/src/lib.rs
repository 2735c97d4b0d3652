//! ferrolink's core: what a simulation is (scenario schema, validation, sweep plan), how it
//! runs (Monte-Carlo engine, stop rules, confidence intervals, counter-based RNG), the 5G PHY
//! blocks every link uses (CRC, LDPC coding with rate matching, QAM mapping and demapping),
//! and the result tables with their Parquet/CSV writers.
//!
//! Channel models live in `channels`, receivers and the CPU link chain in `receivers`, the
//! GPU executor in `gpu-kernels`; they plug into [`engine::Executor`].

pub mod crc;
pub mod data;
pub mod dmrs;
pub mod fastmath;
pub mod gold;
pub mod ldpc;
pub mod low_papr;
pub mod mcs;
pub mod pathloss;
pub mod phase_noise_spectrum;
pub mod precoding;
pub mod ptrs;
pub mod qam;
pub mod rng;
pub mod stats;

pub use qam::{Cf32, Constellation, DemapperKind, Modulation};
pub use stats::{bler_interval, wilson_interval, BlockOutcome, Counters};
pub mod engine;
pub mod link;
pub mod results;
pub mod scenario;
