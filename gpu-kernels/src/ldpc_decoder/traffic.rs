//! The decoder's memory model: global-memory traffic per iteration by kernel, and the
//! bytes of its buffers per code block.

use super::{DecoderKernel, GpuLdpcDecoder};

impl GpuLdpcDecoder {
    /// Global-memory bytes one iteration of one code block reads and writes, by the kernel's
    /// access pattern (a model, not a counter: caches may serve part of it). Global kernel,
    /// per edge and check lane: posterior read, message read and write, and (layered)
    /// posterior write, or (flooding) the variable update's message read; flooding adds a
    /// channel read and posterior write per variable. The workgroup-memory kernels move only
    /// what stays in global memory.
    pub fn traffic_per_iteration(&self) -> u64 {
        let p = &self.params;
        let edge_lanes = (p.num_edges * p.z) as u64;
        let var_lanes = (p.cols * p.z) as u64;
        match (self.kernel, p.algorithm) {
            (DecoderKernel::Global, 1 | 3) => 16 * edge_lanes,
            (DecoderKernel::Global, _) => 16 * edge_lanes + 8 * var_lanes,
            // Check phase: message read, parked value written and read, message written;
            // variable phase: message and channel read.
            // (Plus, for columns kept off-chip, a read per check and a write per iteration.)
            (DecoderKernel::FloodingPosteriorShared, _) => {
                20 * edge_lanes + 4 * var_lanes + self.off_chip_traffic()
            }
            (DecoderKernel::FloodingShared, _) => 4 * var_lanes + self.off_chip_traffic(),
            // Compressed messages read and written (12 bytes per check lane); extension
            // columns' posterior read twice and written once per edge.
            (DecoderKernel::LayeredMinSumShared, _) => {
                let ext = self.extension_edges as u64 * p.z as u64;
                24 * (p.rows * p.z) as u64 + 12 * ext
            }
            // State on-chip: nothing per iteration (channel read and hard decisions written
            // once per block).
            (DecoderKernel::LayeredMinSumRegisters | DecoderKernel::LayeredBpRegisters, _) => 0,
            // The core columns' channel LLRs, read again to restart the accumulation.
            (DecoderKernel::FloodingRegisters, _) => {
                4 * (p.cols as u64 - self.extension_edges as u64) * p.z as u64
            }
        }
    }

    /// Flooding kernels: bytes per iteration of the posterior columns kept in global memory
    /// (degree 1: one check read and one variable write each).
    fn off_chip_traffic(&self) -> u64 {
        match self.off_chip_columns {
            true => 8 * (self.extension_edges * self.params.z as usize) as u64,
            false => 0,
        }
    }

    /// Bytes of decoder buffers per code block (posterior, messages, outputs).
    pub fn bytes_per_block(&self) -> u64 {
        let p = &self.params;
        4 * (self.posterior_words() + self.message_words() + p.out_words as u64 + 1)
    }

    /// Bytes of the largest decoder buffer (the messages) per code block.
    pub fn largest_binding_per_block(&self) -> u64 {
        4 * self.message_words().max(self.posterior_words())
    }

    /// Floats of the global posterior buffer per block (none when it lives on-chip).
    pub(super) fn posterior_words(&self) -> u64 {
        // The on-chip kernels keep the columns that do not fit there (the whole width, for a
        // simple layout).
        match self.off_chip_columns {
            true => (self.params.cols * self.params.z) as u64,
            false => 0,
        }
    }

    /// Floats of the global message buffer per block (none when it lives on-chip).
    pub(super) fn message_words(&self) -> u64 {
        match self.kernel {
            DecoderKernel::FloodingShared
            | DecoderKernel::LayeredMinSumRegisters
            | DecoderKernel::FloodingRegisters
            | DecoderKernel::LayeredBpRegisters => 0,
            DecoderKernel::LayeredMinSumShared => 3 * (self.params.rows * self.params.z) as u64,
            _ => (self.params.num_edges * self.params.z) as u64,
        }
    }
}
