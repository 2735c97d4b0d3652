//! A persistent wgpu pipeline cache (Vulkan `VkPipelineCache`), so a second run skips the
//! driver's shader compilation: loaded when the device opens, saved atomically (temporary
//! file + rename) when the context is dropped.
//!
//! File: `$FERROLINK_PIPELINE_CACHE` if set (`off` disables the cache), else
//! `$XDG_CACHE_HOME/ferrolink/<adapter key>.bin` or `~/.cache/ferrolink/<adapter key>.bin`,
//! the key naming the adapter and driver (`wgpu::util::pipeline_cache_key`). A stale or
//! corrupt file is ignored (wgpu validates it and starts empty).

use std::path::PathBuf;

/// Where the cache of `info`'s adapter lives, or `None` (disabled or not Vulkan).
pub fn cache_path(info: &wgpu::AdapterInfo) -> Option<PathBuf> {
    match std::env::var_os("FERROLINK_PIPELINE_CACHE") {
        Some(v) if v == "off" => None,
        Some(v) => Some(PathBuf::from(v)),
        None => {
            let key = wgpu::util::pipeline_cache_key(info)?;
            let base = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
            Some(base.join("ferrolink").join(format!("{key}.bin")))
        }
    }
}

/// Opens the cache for `device` from `path` (empty when the file is missing or unusable).
pub fn open(device: &wgpu::Device, path: &std::path::Path) -> wgpu::PipelineCache {
    let data = std::fs::read(path).ok();
    // SAFETY: the data was written by `save` from `PipelineCache::get_data` of this adapter
    // key (or is rejected by wgpu's header check: `fallback` then starts an empty cache).
    unsafe {
        device.create_pipeline_cache(&wgpu::PipelineCacheDescriptor {
            label: Some("ferrolink pipelines"),
            data: data.as_deref(),
            fallback: true,
        })
    }
}

/// Writes the cache's data to `path` atomically; errors are reported, not fatal.
pub fn save(cache: &wgpu::PipelineCache, path: &std::path::Path) {
    let Some(data) = cache.get_data() else {
        return;
    };
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, &data)?;
        std::fs::rename(&tmp, path)
    };
    if let Err(e) = write() {
        eprintln!(
            "warning: could not save the GPU pipeline cache to {}: {e}",
            path.display()
        );
    }
}
