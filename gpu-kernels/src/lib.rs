//! ferrolink's GPU runtime on wgpu (Vulkan on Linux).
//!
//! Today: adapter discovery and the device choice rule (`ferrolink devices`, `--device`).
//! The WGSL kernels of the link chain and the GPU executor are the next step (see the
//! README's roadmap); until then `--device gpu` reports that clearly and `auto` runs on the
//! CPU.

pub mod adapter;

pub use adapter::{choose, list_adapters, AdapterSummary, DeviceChoice};
