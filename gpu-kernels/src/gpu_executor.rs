//! The GPU [`Executor`]: runs every batch of a link through [`GpuLinkChain`] on one wgpu
//! device, with the batch size chosen from the device's memory limits.
//!
//! Double buffering: before waiting for a batch's outcomes, the executor queues the next
//! one (the rest of the request, or the blocks the engine's [`Executor::prefetch`] hint
//! names), so the GPU works on batch i + 1 while the host reads batch i and applies the stop
//! rule. Each batch copies its outcomes into its own staging buffer; the working buffers are
//! reused in queue order. Outcomes that arrive ahead of a request are kept on the host for
//! the next call; ones the engine never asks for (a point that stopped) are dropped. Block i
//! draws the same numbers in any batch, so none of this changes a counter.

use crate::context::{GpuContext, GpuError};
use crate::link_chain::{GpuLinkChain, InFlight};
use sim_core::engine::{ExecError, Executor};
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::BlockOutcome;
use std::collections::VecDeque;

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
    /// The point the queued and ready outcomes below belong to: (link text, point index,
    /// N0 bits, seed).
    stream: Option<(String, u32, u32, u64)>,
    /// Batches queued on the GPU, contiguous and in block order (at most two).
    in_flight: VecDeque<InFlight>,
    /// Outcomes already read back, of blocks `ready_first ..`.
    ready: VecDeque<BlockOutcome>,
    ready_first: u64,
    /// The engine's hint: (first block, count) it will probably ask for next.
    hint: Option<(u32, u64, u64, usize)>,
}

impl GpuExecutor {
    /// Opens the best adapter; a software one (lavapipe) only when `allow_software`.
    pub fn new(allow_software: bool) -> Result<Self, GpuError> {
        Ok(GpuExecutor {
            ctx: GpuContext::new(allow_software)?,
            cached: None,
            memory_cap: None,
            stream: None,
            in_flight: VecDeque::new(),
            ready: VecDeque::new(),
            ready_first: 0,
            hint: None,
        })
    }

    pub fn context(&self) -> &GpuContext {
        &self.ctx
    }

    /// [`GpuContext::set_generated_decoders`] for the chains built from now on: drops the
    /// cached chain and anything queued, so the next batch builds the chain again.
    pub fn set_generated_decoders(&mut self, on: bool) {
        self.ctx.set_generated_decoders(on);
        self.cached = None;
        self.stream = None;
        self.in_flight.clear();
        self.ready.clear();
        self.hint = None;
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

    fn prefetch(&mut self, point: &PointSpec, seed: u64, first_block: u64, count: usize) {
        self.hint = Some((point.index, seed, first_block, count));
    }

    fn run_batch(
        &mut self,
        link: &LinkSpec,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, ExecError> {
        let stream = (format!("{link:?}"), point.index, point.no.to_bits(), seed);
        if self.stream.as_ref() != Some(&stream) {
            self.discard();
            self.stream = Some(stream);
        }
        let hint = self
            .hint
            .take()
            .filter(|h| (h.0, h.1) == (point.index, seed))
            .map(|h| (h.2, h.3));
        let end = first_block + count as u64;
        let mut cap = self.max_batch(link).map_err(exec_error)?;
        let mut out = Vec::with_capacity(count);
        let mut pos = first_block;
        while pos < end {
            // Outcomes read back ahead of this request.
            if !self.ready.is_empty() && self.ready_first == pos {
                let n = self.ready.len().min((end - pos) as usize);
                out.extend(self.ready.drain(..n));
                self.ready_first += n as u64;
                pos += n as u64;
                continue;
            }
            if self.in_flight.front().map(|f| f.first_block) != Some(pos) {
                // Nothing queued starts here (first call, or the engine jumped): start over.
                self.discard();
            }
            // Keep two batches queued: the rest of the request, else the hinted blocks.
            let covered = self.in_flight.back().map_or(pos, |f| f.end());
            let next = if covered < end {
                Some((covered, (end - covered) as usize))
            } else {
                hint.filter(|&(h, n)| h <= covered && covered < h + n as u64)
                    .map(|(h, n)| (covered, (h + n as u64 - covered) as usize))
            };
            if let Some((at, n)) = next.filter(|_| self.in_flight.len() < 2) {
                let n = n.min(cap);
                let chain = chain_for(&self.ctx, &mut self.cached, link).map_err(exec_error)?;
                match chain.start(&self.ctx, point, seed, at, n) {
                    Ok(f) => self.in_flight.push_back(f),
                    // Out of device memory: free the buffers and retry with half the batch
                    // (the blocks' results do not depend on the batch size).
                    Err(GpuError::OutOfMemory(msg)) if n > 1 => {
                        self.in_flight.clear();
                        chain.release_buffers();
                        cap = n / 2;
                        self.memory_cap = Some(cap);
                        eprintln!(
                            "warning: GPU out of memory at {n} blocks per batch ({msg}); using {cap}"
                        );
                        continue;
                    }
                    Err(e) => return Err(exec_error(e)),
                }
                if self.in_flight.len() < 2 {
                    continue;
                }
            }
            // Read the oldest batch while the GPU runs the newer one.
            let f = self.in_flight.pop_front().expect("a batch is queued");
            let chain = chain_for(&self.ctx, &mut self.cached, link).map_err(exec_error)?;
            self.ready_first = f.first_block;
            self.ready = chain.finish(&self.ctx, f).map_err(exec_error)?.into();
        }
        Ok(out)
    }
}

impl GpuExecutor {
    /// Drops queued batches and read-ahead outcomes (their GPU work is wasted).
    fn discard(&mut self) {
        self.in_flight.clear();
        self.ready.clear();
    }
}
