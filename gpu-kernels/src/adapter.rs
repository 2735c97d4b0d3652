//! Compute adapters and which one a run uses: discrete > integrated > (only when asked for
//! with `--device gpu`) a software rasterizer such as lavapipe.

use receivers::neural::{GpuKind, NeuralDevice};
use wgpu::{Backends, DeviceType, Instance, InstanceDescriptor};

/// What `ferrolink devices` prints about one adapter.
#[derive(Debug, Clone)]
pub struct AdapterSummary {
    pub name: String,
    pub backend: String,
    pub device_type: DeviceType,
    pub driver: String,
    pub max_storage_buffer_binding: u64,
    pub max_buffer_size: u64,
    /// Workgroup (shared) memory per workgroup, bytes: sizes the on-chip LDPC decoders.
    pub max_workgroup_memory: u32,
    /// wgpu's SUBGROUP feature (the LDPC decoders' syndrome vote uses it).
    pub subgroups: bool,
}

impl AdapterSummary {
    /// Rank for `auto`: real GPUs first; CPU rasterizers never picked by `auto`.
    pub fn rank(&self) -> u8 {
        match self.device_type {
            DeviceType::DiscreteGpu => 3,
            DeviceType::IntegratedGpu => 2,
            DeviceType::VirtualGpu => 1,
            DeviceType::Cpu | DeviceType::Other => 0,
        }
    }
}

/// All adapters wgpu finds on the backends of `WGPU_BACKEND` (default: Vulkan).
pub fn list_adapters() -> Vec<AdapterSummary> {
    let backends = Backends::from_env().unwrap_or(Backends::VULKAN);
    let instance = Instance::new(InstanceDescriptor {
        backends,
        ..InstanceDescriptor::new_without_display_handle()
    });
    let adapters = pollster::block_on(instance.enumerate_adapters(backends));
    adapters.iter().map(summarize).collect()
}

/// What wgpu reports about `a`: name, backend, type, driver and buffer limits.
pub fn summarize(a: &wgpu::Adapter) -> AdapterSummary {
    let info = a.get_info();
    let limits = a.limits();
    AdapterSummary {
        name: info.name,
        backend: format!("{:?}", info.backend),
        device_type: info.device_type,
        driver: format!("{} {}", info.driver, info.driver_info)
            .trim()
            .to_string(),
        max_storage_buffer_binding: limits.max_storage_buffer_binding_size,
        max_buffer_size: limits.max_buffer_size,
        max_workgroup_memory: limits.max_compute_workgroup_storage_size,
        subgroups: a.features().contains(wgpu::Features::SUBGROUP),
    }
}

/// The executor a run gets.
#[derive(Debug, Clone, PartialEq)]
pub enum DeviceChoice {
    Cpu,
    Gpu(String),
}

/// Applies the choice rule to `--device` (`auto`, `cpu`, `gpu`).
pub fn choose(requested: &str, adapters: &[AdapterSummary]) -> DeviceChoice {
    let best = adapters.iter().max_by_key(|a| a.rank());
    match requested {
        "cpu" => DeviceChoice::Cpu,
        "gpu" => best.map_or(DeviceChoice::Cpu, |a| DeviceChoice::Gpu(a.name.clone())),
        _ => match best {
            Some(a) if a.rank() >= 2 => DeviceChoice::Gpu(a.name.clone()),
            _ => DeviceChoice::Cpu,
        },
    }
}

/// The burn device `--device` asks for: the adapter the GPU executor's rule picks
/// ([`choose`]), as burn's wgpu backend names it, or burn's CPU backend.
pub fn neural_device(requested: &str) -> NeuralDevice {
    let adapters = list_adapters();
    let DeviceChoice::Gpu(name) = choose(requested, &adapters) else {
        return NeuralDevice::Cpu;
    };
    let Some(chosen) = adapters.iter().find(|a| a.name == name) else {
        return NeuralDevice::Cpu;
    };
    let kind = match chosen.device_type {
        DeviceType::DiscreteGpu => GpuKind::Discrete,
        DeviceType::IntegratedGpu => GpuKind::Integrated,
        DeviceType::VirtualGpu => GpuKind::Virtual,
        DeviceType::Cpu | DeviceType::Other => GpuKind::Software,
    };
    // burn numbers adapters within their type, in wgpu's enumeration order.
    let index = adapters
        .iter()
        .take_while(|a| a.name != name)
        .filter(|a| a.device_type == chosen.device_type)
        .count();
    NeuralDevice::Gpu { kind, index }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(name: &str, t: DeviceType) -> AdapterSummary {
        AdapterSummary {
            name: name.into(),
            backend: "Vulkan".into(),
            device_type: t,
            driver: String::new(),
            max_storage_buffer_binding: 0,
            max_buffer_size: 0,
            max_workgroup_memory: 0,
            subgroups: false,
        }
    }

    #[test]
    fn auto_prefers_discrete_and_skips_software() {
        let lav = a("llvmpipe", DeviceType::Cpu);
        let igpu = a("igpu", DeviceType::IntegratedGpu);
        let dgpu = a("H100", DeviceType::DiscreteGpu);
        assert_eq!(
            choose("auto", std::slice::from_ref(&lav)),
            DeviceChoice::Cpu
        );
        assert_eq!(
            choose("gpu", std::slice::from_ref(&lav)),
            DeviceChoice::Gpu("llvmpipe".into())
        );
        assert_eq!(
            choose("auto", &[lav, igpu, dgpu.clone()]),
            DeviceChoice::Gpu("H100".into())
        );
        assert_eq!(choose("cpu", &[dgpu]), DeviceChoice::Cpu);
    }
}
