//! [`GpuLinkChain::run_traced`]: a batch with every intermediate buffer read back, for the
//! agreement tests against the CPU chain.

use super::GpuLinkChain;
use crate::context::{GpuContext, GpuError};
use sim_core::link::PointSpec;
use sim_core::BlockOutcome;

/// Every intermediate of a batch, read back (for the agreement tests).
#[derive(Debug, Clone)]
pub struct ChainTrace {
    /// `[count, B]` TB bits with CRC.
    pub b: Vec<u32>,
    /// `[count · C, x_stride]` codeword bits (the first `x_stride` of the lifted codeword).
    pub x: Vec<u32>,
    /// `[count, G]` channel LLRs.
    pub llr: Vec<f32>,
    /// `[count · C, x_stride]` decoder input LLRs.
    pub llr_x: Vec<f32>,
    pub outcomes: Vec<BlockOutcome>,
    pub x_stride: usize,
    /// OFDM: `[slots, links, symbols, paths]` path coefficients, `[slots, rx, symbols ·
    /// subcarriers]` received grids, `[slots, links, pilot symbols, subcarriers]` (ĥ, error
    /// variance, 0) at the pilot symbols; empty for single-carrier links.
    pub coeffs: Vec<[f32; 2]>,
    pub y: Vec<[f32; 2]>,
    pub hp: Vec<[f32; 4]>,
}

impl GpuLinkChain {
    /// [`Self::run_batch`] reading back every intermediate buffer too.
    pub fn run_traced(
        &mut self,
        ctx: &GpuContext,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<ChainTrace, GpuError> {
        let enc = self.submit(ctx, point, seed, first_block, count)?;
        ctx.queue.submit([enc.finish()]);
        let outcomes = self.outcomes(ctx, count)?;
        let bufs = self.batch.as_ref().expect("a batch was submitted");
        let (n, t) = ((count * self.base.cw as usize) as u64, self.tb_bytes());
        let per_slot = self.ofdm_bytes_per_slot();
        let slots = count as u64;
        Ok(ChainTrace {
            b: ctx.read_back_range(&bufs.b, n * t.b)?,
            x: ctx.read_back_range(&bufs.x, n * t.x)?,
            llr: ctx.read_back_range(&bufs.llr, n * t.llr)?,
            llr_x: ctx.read_back_range(&bufs.llr_x, n * t.llr_x)?,
            outcomes,
            x_stride: self.base.x_stride as usize,
            coeffs: ctx.read_back_range(&bufs.ofdm[0], slots * per_slot[0])?,
            y: ctx.read_back_range(&bufs.ofdm[1], slots * per_slot[1])?,
            hp: ctx.read_back_range(&bufs.ofdm[2], slots * per_slot[2])?,
        })
    }
}
