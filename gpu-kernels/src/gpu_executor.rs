//! The GPU [`Executor`]: runs every batch of a link through [`GpuLinkChain`] on one wgpu
//! device, with the batch size chosen from the device's memory limits.

use crate::context::{GpuContext, GpuError};
use crate::link_chain::GpuLinkChain;
use sim_core::engine::{ExecError, Executor};
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::BlockOutcome;

/// Device memory a batch may use on a real GPU, and on a software adapter (lavapipe).
const GPU_BATCH_BYTES: u64 = 3 << 30;
const SOFTWARE_BATCH_BYTES: u64 = 64 << 20;

/// Simulates blocks on a GPU.
pub struct GpuExecutor {
    ctx: GpuContext,
    /// The link the cached chain was built for (its Debug text) and the chain.
    cached: Option<(String, GpuLinkChain)>,
    /// Batch cap learned from an out-of-memory failure (halved each time).
    memory_cap: Option<usize>,
}

impl GpuExecutor {
    /// Opens the best adapter; a software one (lavapipe) only when `allow_software`.
    pub fn new(allow_software: bool) -> Result<Self, GpuError> {
        Ok(GpuExecutor {
            ctx: GpuContext::new(allow_software)?,
            cached: None,
            memory_cap: None,
        })
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    fn budget(&self) -> u64 {
        if self.ctx.adapter.rank() == 0 {
            SOFTWARE_BATCH_BYTES
        } else {
            GPU_BATCH_BYTES
        }
    }

    /// Largest batch that fits the memory budget and the per-binding limit.
    pub fn max_batch(&mut self, link: &LinkSpec) -> Result<usize, GpuError> {
        let limits = self.ctx.device.limits();
        let max_binding = limits
            .max_storage_buffer_binding_size
            .min(limits.max_buffer_size);
        let budget = self.budget();
        let (total, largest) = chain_for(&self.ctx, &mut self.cached, link)?.bytes_per_block();
        let by_budget = budget / total.max(1);
        let by_binding = max_binding / largest.max(1);
        let cap = by_budget.min(by_binding).clamp(1, 1 << 20) as usize;
        Ok(self.memory_cap.map_or(cap, |m| m.min(cap)))
    }
}

/// The cached chain of `link`, built on first use.
fn chain_for<'a>(
    ctx: &GpuContext,
    cached: &'a mut Option<(String, GpuLinkChain)>,
    link: &LinkSpec,
) -> Result<&'a mut GpuLinkChain, GpuError> {
    let key = format!("{link:?}");
    if cached.as_ref().is_none_or(|(k, _)| *k != key) {
        *cached = Some((key, GpuLinkChain::new(ctx, link)?));
    }
    Ok(&mut cached.as_mut().expect("just built").1)
}

fn exec_error(e: GpuError) -> ExecError {
    ExecError(e.to_string())
}

impl Executor for GpuExecutor {
    fn device_name(&self) -> String {
        format!("gpu {}", self.ctx.adapter.name)
    }

    fn preferred_batch(&self, link: &LinkSpec) -> usize {
        // Estimated from the link's sizes (the chain may not be built yet): bits, LLRs and
        // codeword per TB plus about five decoder messages per codeword bit; run_batch
        // splits a larger request to what really fits.
        let n = link.coded_bits as u64 + 2 * link.info_bits as u64;
        let per_tb = 4 * (2 * link.info_bits as u64 + link.coded_bits as u64 + 8 * n);
        let per_block = per_tb * link.codewords() as u64;
        (self.budget() / per_block.max(1)).clamp(1, 1 << 20) as usize
    }

    fn run_batch(
        &mut self,
        link: &LinkSpec,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, ExecError> {
        let mut cap = self.max_batch(link).map_err(exec_error)?;
        let mut out = Vec::with_capacity(count);
        let mut done = 0;
        while done < count {
            let n = (count - done).min(cap);
            let chain = chain_for(&self.ctx, &mut self.cached, link).map_err(exec_error)?;
            match chain.run_batch(&self.ctx, point, seed, first_block + done as u64, n) {
                Ok(o) => {
                    out.extend(o);
                    done += n;
                }
                // Out of device memory: free the buffers and retry with half the batch (the
                // blocks' results do not depend on the batch size).
                Err(GpuError::OutOfMemory(msg)) if n > 1 => {
                    chain.release_buffers();
                    cap = n / 2;
                    self.memory_cap = Some(cap);
                    eprintln!(
                        "warning: GPU out of memory at {n} blocks per batch ({msg}); using {cap}"
                    );
                }
                Err(e) => return Err(exec_error(e)),
            }
        }
        Ok(out)
    }
}
