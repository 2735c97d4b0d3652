//! Starting a batch, reading its outcomes back, and the engine-block outcomes of a slot.

use super::GpuLinkChain;
use crate::context::{GpuContext, GpuError};
use sim_core::link::PointSpec;
use sim_core::BlockOutcome;

impl GpuLinkChain {
    /// Queues one batch: blocks `first_block .. first_block + count` of `point`; its outcomes
    /// are copied into their own staging buffer at the end of the batch's commands, so the
    /// next batch may be queued (reusing the working buffers in queue order) before this one
    /// is read ([`GpuLinkChain::finish`]).
    pub fn start(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<InFlight, GpuError> {
        let bytes = (count * self.base.cw as usize) as u64 * self.tb_bytes().outcome;
        let staging = ctx.staging(bytes);
        let mut enc = self.submit(ctx, point, seed, first_block, count)?;
        let bufs = self.batch.as_ref().expect("a batch was recorded");
        enc.copy_buffer_to_buffer(&bufs.outcomes, 0, &staging, 0, bytes);
        ctx.queue.submit([enc.finish()]);
        Ok(InFlight {
            staging,
            count,
            first_block,
        })
    }

    /// Waits for a batch [`GpuLinkChain::start`] queued and returns its outcomes in order.
    pub fn finish(&self, ctx: &GpuContext, f: InFlight) -> Result<Vec<BlockOutcome>, GpuError> {
        let raw: Vec<[u32; 4]> = ctx.map_read(&f.staging)?;
        ctx.check()?;
        self.block_outcomes(&raw, f.count)
    }

    /// Outcomes of the `count` engine blocks of the last batch.
    pub(super) fn outcomes(
        &self,
        ctx: &GpuContext,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, GpuError> {
        let bufs = self.batch.as_ref().expect("a batch was submitted");
        let cw = self.base.cw as usize;
        let raw: Vec<[u32; 4]> = ctx.read_back_range(
            &bufs.outcomes,
            (count * cw) as u64 * self.tb_bytes().outcome,
        )?;
        ctx.check()?;
        self.block_outcomes(&raw, count)
    }

    /// Engine-block outcomes of `count` blocks from the raw rows (per transmission, `count ·
    /// cw` rows each). With HARQ (one transport block per engine block) a block's outcome is
    /// that of its first transmission whose CRC passed, or of the last, merged by
    /// `BlockOutcome::after_transmission` as the CPU's loop (`receivers/src/harq.rs`) does.
    /// A decode the adapter cut short is an error, not an outcome.
    fn block_outcomes(
        &self,
        raw: &[[u32; 4]],
        count: usize,
    ) -> Result<Vec<BlockOutcome>, GpuError> {
        let tbs = count * self.base.cw as usize;
        if raw[..tbs * self.uniforms.len()]
            .iter()
            .any(|o| o[2] & 2 != 0)
        {
            return Err(crate::ldpc_decoder::loops_cut_error());
        }
        if self.uniforms.len() == 1 || tbs == 0 {
            return Ok(self.slot_outcomes(&raw[..tbs]));
        }
        let each: Vec<Vec<BlockOutcome>> = raw
            .chunks_exact(tbs)
            .take(self.uniforms.len())
            .map(|rows| self.slot_outcomes(rows))
            .collect();
        Ok((0..tbs)
            .map(|blk| {
                let mut out = BlockOutcome::default();
                for this in each.iter().map(|t| t[blk]) {
                    out = out.after_transmission(this);
                    if !this.crc_fail {
                        break;
                    }
                }
                out
            })
            .collect())
    }

    /// Engine-block outcomes from the raw per-TB words: an OFDM slot sums its code words (as
    /// `receivers::ofdm_chain::simulate_slot`).
    fn slot_outcomes(&self, raw: &[[u32; 4]]) -> Vec<BlockOutcome> {
        let cw = self.base.cw as usize;
        raw.chunks_exact(cw)
            .map(|slot| {
                let mut out = BlockOutcome::default();
                for o in slot {
                    out.bit_errors += o[0];
                    out.codeword_errors += (o[0] > 0) as u16;
                    out.cb_errors = out
                        .cb_errors
                        .saturating_add(o[1].min(u16::MAX as u32) as u16);
                    out.crc_fail |= o[2] != 0;
                    out.iterations = out.iterations.saturating_add(o[3] as u16);
                }
                out
            })
            .collect()
    }

    /// Simulates blocks `first_block .. first_block + count` of `point`; outcomes in order.
    pub fn run_batch(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, GpuError> {
        let f = self.start(ctx, point, seed, first_block, count)?;
        self.finish(ctx, f)
    }
}

/// A batch queued on the GPU whose outcomes have not been read yet.
pub struct InFlight {
    staging: wgpu::Buffer,
    count: usize,
    pub first_block: u64,
}

impl InFlight {
    /// One past its last block.
    pub fn end(&self) -> u64 {
        self.first_block + self.count as u64
    }
}
