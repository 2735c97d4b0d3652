//! A wgpu device and queue for compute, with buffer helpers shared by the kernels.

use crate::adapter::AdapterSummary;
use std::sync::{Arc, Mutex};
use wgpu::util::DeviceExt;
use wgpu::{Backends, Instance, InstanceDescriptor};

/// Failures of the GPU runtime, turned into messages a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    #[error("no usable GPU adapter (Vulkan): {0}")]
    NoAdapter(String),
    #[error("GPU device request failed on {adapter}: {message}")]
    Device { adapter: String, message: String },
    #[error("GPU error: {0}")]
    Runtime(String),
    #[error("GPU out of memory: {0}")]
    OutOfMemory(String),
}

/// Workgroups `(x, y)` covering `groups` (x ≤ 65535, the per-dimension limit); kernels
/// compute their linear index as `wg.y · num_workgroups.x + wg.x` and skip the overhang.
pub fn grid(groups: u64) -> (u32, u32) {
    let x = groups.clamp(1, 65535);
    (x as u32, groups.div_ceil(x).max(1) as u32)
}

/// The compute device of a run.
pub struct GpuContext {
    pub device: wgpu::Device,
    pub queue: wgpu::Queue,
    pub adapter: AdapterSummary,
    /// Errors wgpu reported outside an error scope, and device loss (wgpu would otherwise
    /// panic on them); [`GpuContext::check`] turns them into a [`GpuError`].
    reported: Arc<Mutex<Vec<String>>>,
    /// The persistent pipeline cache and its file (`crate::pipeline_cache`), when the
    /// adapter supports one.
    cache: Option<(wgpu::PipelineCache, std::path::PathBuf)>,
    /// Decoders built from now on take the generated kernels with the whole state on-chip
    /// where they fit ([`GpuContext::set_generated_decoders`]).
    generated_decoders: std::sync::atomic::AtomicBool,
}

impl Drop for GpuContext {
    fn drop(&mut self) {
        if let Some((cache, path)) = &self.cache {
            crate::pipeline_cache::save(cache, path);
        }
    }
}

impl GpuContext {
    /// Opens the best adapter: discrete > integrated > virtual; a software adapter
    /// (lavapipe) only when `allow_software`.
    pub fn new(allow_software: bool) -> Result<Self, GpuError> {
        let backends = Backends::from_env().unwrap_or(Backends::VULKAN);
        let instance = Instance::new(InstanceDescriptor {
            backends,
            ..InstanceDescriptor::new_without_display_handle()
        });
        let adapters = pollster::block_on(instance.enumerate_adapters(backends));
        let adapter = adapters
            .into_iter()
            .map(|a| (crate::adapter::summarize(&a), a))
            .filter(|(s, _)| allow_software || s.rank() >= 1)
            .max_by_key(|(s, _)| s.rank())
            .ok_or_else(|| {
                GpuError::NoAdapter(if allow_software {
                    "none found; install mesa-vulkan-drivers (lavapipe) or a GPU driver".into()
                } else {
                    "only software adapters found".into()
                })
            })?;
        let (summary, adapter) = adapter;
        let cache_path = adapter
            .features()
            .contains(wgpu::Features::PIPELINE_CACHE)
            .then(|| crate::pipeline_cache::cache_path(&adapter.get_info()))
            .flatten();
        let mut required_features = if cache_path.is_some() {
            wgpu::Features::PIPELINE_CACHE
        } else {
            wgpu::Features::empty()
        };
        // Subgroup operations where the adapter has them (the LDPC decoders' syndrome vote);
        // kernels fall back to workgroup atomics without them.
        required_features |= adapter.features() & wgpu::Features::SUBGROUP;
        let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
            label: Some("ferrolink"),
            required_limits: adapter.limits(),
            required_features,
            ..Default::default()
        }))
        .map_err(|e| GpuError::Device {
            adapter: summary.name.clone(),
            message: e.to_string(),
        })?;
        let reported: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = reported.clone();
        device.on_uncaptured_error(Arc::new(move |e: wgpu::Error| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(e.to_string());
        }));
        let sink = reported.clone();
        device.set_device_lost_callback(move |reason, message| {
            let text = format!("device lost ({reason:?}): {message}");
            sink.lock().unwrap_or_else(|p| p.into_inner()).push(text);
        });
        let cache = cache_path.map(|path| (crate::pipeline_cache::open(&device, &path), path));
        Ok(GpuContext {
            device,
            queue,
            adapter: summary,
            reported,
            cache,
            generated_decoders: false.into(),
        })
    }

    /// Makes the LDPC decoders built from now on ([`crate::GpuLdpcDecoder::new`]) take the
    /// kernels generated per code shape (`LayeredMinSumRegisters`, `FloodingRegisters`)
    /// where they fit; the same hard decisions, for benchmarks until timed on a real GPU.
    pub fn set_generated_decoders(&self, on: bool) {
        self.generated_decoders
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether [`GpuContext::set_generated_decoders`] is on.
    pub fn generated_decoders(&self) -> bool {
        self.generated_decoders
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The bind group layout every ferrolink kernel uses: binding 0 a uniform, then
    /// `read_only` read-only storage buffers, then `read_write` read-write ones.
    pub fn layout(&self, label: &str, read_only: u32, read_write: u32) -> wgpu::BindGroupLayout {
        let entry = |binding, ty| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::COMPUTE,
            ty: wgpu::BindingType::Buffer {
                ty,
                has_dynamic_offset: false,
                min_binding_size: None,
            },
            count: None,
        };
        use wgpu::BufferBindingType::{Storage, Uniform};
        let mut entries = vec![entry(0, Uniform)];
        entries.extend((1..=read_only).map(|i| entry(i, Storage { read_only: true })));
        let first_rw = read_only + 1;
        entries.extend(
            (first_rw..first_rw + read_write).map(|i| entry(i, Storage { read_only: false })),
        );
        self.device
            .create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
                label: Some(label),
                entries: &entries,
            })
    }

    /// A compute pipeline from WGSL `source`, entry point `entry`, one bind group `layout`.
    pub fn pipeline(
        &self,
        label: &str,
        source: &str,
        entry: &str,
        layout: &wgpu::BindGroupLayout,
        constants: &[(&str, f64)],
    ) -> wgpu::ComputePipeline {
        let module = self
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline_layout = self
            .device
            .create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
                label: Some(label),
                bind_group_layouts: &[Some(layout)],
                immediate_size: 0,
            });
        self.device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: Some(&pipeline_layout),
                module: &module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: self.cache.as_ref().map(|c| &c.0),
            })
    }

    /// A bind group of `buffers`, bound whole at bindings 0, 1, 2, ...
    pub fn bind(
        &self,
        label: &str,
        layout: &wgpu::BindGroupLayout,
        buffers: &[&wgpu::Buffer],
    ) -> wgpu::BindGroup {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry {
                binding: i as u32,
                resource: b.as_entire_binding(),
            })
            .collect();
        self.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout,
            entries: &entries,
        })
    }

    /// A uniform buffer holding `value`, writable later with `queue.write_buffer`.
    pub fn uniform<T: bytemuck::Pod>(&self, label: &str, value: &T) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::bytes_of(value),
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// A storage buffer initialized from `data`.
    pub fn storage_from<T: bytemuck::Pod>(&self, label: &str, data: &[T]) -> wgpu::Buffer {
        self.device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents: bytemuck::cast_slice(data),
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_SRC
                    | wgpu::BufferUsages::COPY_DST,
            })
    }

    /// An uninitialized storage buffer of `bytes` bytes (at least 4).
    pub fn storage(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE
                | wgpu::BufferUsages::COPY_SRC
                | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Whether the device has wgpu's SUBGROUP feature (requested whenever the adapter has it).
    pub fn subgroups(&self) -> bool {
        self.device.features().contains(wgpu::Features::SUBGROUP)
    }

    /// The errors wgpu reported since the last check (validation, internal, device lost), as
    /// one [`GpuError`].
    pub fn check(&self) -> Result<(), GpuError> {
        let mut errors = self.reported.lock().unwrap_or_else(|p| p.into_inner());
        if errors.is_empty() {
            return Ok(());
        }
        let text = errors.join("; ");
        errors.clear();
        Err(GpuError::Runtime(text))
    }

    /// Runs `f` (buffer creation) in an out-of-memory error scope.
    pub fn allocate<T>(&self, f: impl FnOnce() -> T) -> Result<T, GpuError> {
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
        let value = f();
        match pollster::block_on(scope.pop()) {
            Some(e) => Err(GpuError::OutOfMemory(e.to_string())),
            None => Ok(value),
        }
    }

    /// Waits until the queue has finished all submitted work.
    pub fn wait(&self) -> Result<(), GpuError> {
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| GpuError::Runtime(e.to_string()))
    }

    /// Copies `buffer` back to the host (waits for the queue).
    pub fn read_back<T: bytemuck::Pod>(&self, buffer: &wgpu::Buffer) -> Result<Vec<T>, GpuError> {
        self.read_back_range(buffer, buffer.size())
    }

    /// Copies the first `size` bytes of `buffer` back (`size` a multiple of 4; 0 gives none).
    pub fn read_back_range<T: bytemuck::Pod>(
        &self,
        buffer: &wgpu::Buffer,
        size: u64,
    ) -> Result<Vec<T>, GpuError> {
        if size == 0 {
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read back"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = self.device.create_command_encoder(&Default::default());
        enc.copy_buffer_to_buffer(buffer, 0, &staging, 0, size);
        self.queue.submit([enc.finish()]);
        self.map_read(&staging)
    }

    /// A `MAP_READ` buffer for [`GpuContext::map_read`] of `size` bytes.
    pub fn staging(&self, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("read back"),
            size: size.max(4),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Waits for the work queued so far and returns a staging buffer's contents.
    pub fn map_read<T: bytemuck::Pod>(&self, staging: &wgpu::Buffer) -> Result<Vec<T>, GpuError> {
        let slice = staging.slice(..);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Runtime(e.to_string()))?;
        rx.recv()
            .map_err(|e| GpuError::Runtime(e.to_string()))?
            .map_err(|e| GpuError::Runtime(e.to_string()))?;
        let view = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Runtime(e.to_string()))?;
        let data = bytemuck::cast_slice::<u8, T>(&view).to_vec();
        drop(view);
        staging.unmap();
        Ok(data)
    }
}
