//! Where burn runs the network: its CPU backend (burn-flex, threads + SIMD) or its wgpu
//! backend (cubecl's WGSL kernels on Vulkan) on a GPU, for training and for the CPU
//! executor's inference alike. The GPU link chain does not use burn: it runs the exported
//! weights through ferrolink's own WGSL (`gpu-kernels/shaders/neural_conv.wgsl`).

use burn::backend::{WgpuBackend, WgpuDevice, WgpuDeviceKind};
use burn::tensor::Device;

/// The kind of wgpu adapter, as the adapter reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GpuKind {
    Discrete,
    Integrated,
    Virtual,
    /// A software rasterizer (lavapipe): correct, slow; for tests.
    Software,
}

/// A burn device ferrolink trains or infers on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeuralDevice {
    /// burn's CPU backend.
    Cpu,
    /// burn's wgpu backend on Vulkan: the `index`-th adapter of `kind` (in wgpu's
    /// enumeration order, which is the order `ferrolink devices` lists them in).
    Gpu { kind: GpuKind, index: usize },
}

impl NeuralDevice {
    /// The burn device (without autodiff).
    pub fn device(self) -> Device {
        match self {
            NeuralDevice::Cpu => Device::flex(),
            NeuralDevice::Gpu { kind, index } => {
                let kind = match kind {
                    GpuKind::Discrete => WgpuDeviceKind::DiscreteGpu(index),
                    GpuKind::Integrated => WgpuDeviceKind::IntegratedGpu(index),
                    GpuKind::Virtual => WgpuDeviceKind::VirtualGpu(index),
                    GpuKind::Software => WgpuDeviceKind::Cpu,
                };
                // Pinned to Vulkan, the API the link chain's own kernels use.
                Device::from(WgpuDevice::new(kind).on(WgpuBackend::Vulkan))
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            NeuralDevice::Cpu => "CPU (burn-flex)".into(),
            NeuralDevice::Gpu { kind, index } => {
                format!("GPU (burn wgpu on Vulkan, {kind:?} adapter {index})")
            }
        }
    }
}

/// burn's CPU device: what the CPU executor and the tests use by default.
pub fn cpu() -> Device {
    NeuralDevice::Cpu.device()
}
