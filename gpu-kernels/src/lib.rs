//! ferrolink's GPU runtime on wgpu (Vulkan on Linux).
//!
//! * [`adapter`]: adapter discovery and the device choice rule (`ferrolink devices`, `--device`).
//! * [`context`]: device, queue and buffer helpers.
//! * [`chain_params`]: the chain uniform (host twin of `shaders/chain_params.wgsl`).
//! * [`ldpc_decoder`]: the WGSL LDPC decoder (`shaders/ldpc_decoder.wgsl`), the same
//!   algorithms as the CPU decoders.
//! * [`ldpc_encoder`]: the WGSL LDPC encoder (`shaders/ldpc_encoder.wgsl`).
//! * [`link_chain`]: the whole coded link of one scenario as one submission per batch
//!   (`shaders/link_chain.wgsl` around the encoder and decoder).
//! * [`ofdm_chain`]: the tables of the OFDM stages (`shaders/ofdm_chain.wgsl`: TDL channel,
//!   received grid, LS estimation, ZF/LMMSE detection and demapping).
//! * [`pipeline_cache`]: the persistent Vulkan pipeline cache (faster second start).
//! * [`gpu_executor`]: the [`sim_core::engine::Executor`] that `--device gpu|auto` runs.
//!
//! Every kernel is tested against the CPU reference on lavapipe (`tests/`).

pub mod adapter;
pub mod chain_params;
pub mod context;
pub mod gpu_executor;
mod ldpc_codegen;
pub mod ldpc_decoder;
pub mod ldpc_encoder;
mod ldpc_layout;
pub mod link_chain;
pub mod neural;
pub mod neural_chain;
pub mod ofdm_chain;
pub mod pipeline_cache;

pub use adapter::{choose, list_adapters, neural_device, AdapterSummary, DeviceChoice};
pub use context::{GpuContext, GpuError};
pub use gpu_executor::GpuExecutor;
pub use ldpc_decoder::{
    DecoderBuffers, DecoderKernel, DecoderTuning, GpuDecodeOutput, GpuLdpcDecoder,
};
pub use ldpc_encoder::GpuLdpcEncoder;
pub use link_chain::{ChainTrace, GpuLinkChain};

/// For tests: the lavapipe/GPU context, or a panic explaining how to get one. Set
/// `FERROLINK_SKIP_GPU_TESTS=1` to skip GPU tests on a machine without Vulkan (returns None).
pub fn test_context() -> Option<GpuContext> {
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_some() {
        return None;
    }
    match GpuContext::new(true) {
        Ok(c) => Some(c),
        Err(e) => panic!(
            "{e}\nGPU tests need a Vulkan adapter: `apt-get install mesa-vulkan-drivers` gives \
             lavapipe (what CI uses); or set FERROLINK_SKIP_GPU_TESTS=1 to skip them"
        ),
    }
}
