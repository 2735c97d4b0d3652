//! The chain's batch buffers: what one batch size holds, its bytes per engine block, and
//! (re)allocation.

use super::GpuLinkChain;
use crate::context::{GpuContext, GpuError};
use crate::ldpc_decoder::DecoderBuffers;
use crate::neural_chain::NeuralBuffers;

/// Bytes per transport block of the chain's own batch buffers.
pub(super) struct TbBytes {
    pub(super) b: u64,
    pub(super) x: u64,
    pub(super) llr: u64,
    pub(super) llr_x: u64,
    pub(super) outcome: u64,
    pub(super) done: u64,
    pub(super) cb_out: u64,
}

/// Buffers of one batch size.
pub(super) struct BatchBuffers {
    /// Engine blocks (slots of an OFDM link).
    pub(super) capacity: usize,
    pub(super) b: wgpu::Buffer,
    pub(super) x: wgpu::Buffer,
    pub(super) llr: wgpu::Buffer,
    pub(super) llr_x: wgpu::Buffer,
    /// OFDM: path coefficients, received grids, pilot estimates, time-domain coefficient
    /// grid and ICI power, DFT-s-OFDM spread symbols, PT-RS phases, a scenario model's
    /// per-slot paths.
    pub(super) ofdm: [wgpu::Buffer; 8],
    pub(super) neural: Option<NeuralBuffers>,
    pub(super) outcomes: wgpu::Buffer,
    /// The chain bind group of each transmission (its uniform).
    pub(super) chain_binds: Vec<wgpu::BindGroup>,
    pub(super) encoder_bind: Option<wgpu::BindGroup>,
    /// Per decoder of [`Coder::decoders`].
    pub(super) decoders: Vec<DecoderStage>,
}

/// A decoder's batch state: its buffers (the hard decisions and iteration counts shared by
/// all, so the outcome kernel reads whichever decoded last), and for a decoder narrower than
/// the combined buffers its own input with the gather that fills it.
pub(super) struct DecoderStage {
    /// Held with the bind groups that use them.
    pub(super) buffers: DecoderBuffers,
    pub(super) _input: Option<wgpu::Buffer>,
    pub(super) bind: wgpu::BindGroup,
    /// The gather's uniform (blocks, source and destination strides) and bind group.
    pub(super) gather: Option<(wgpu::Buffer, wgpu::BindGroup)>,
}

impl GpuLinkChain {
    /// Bytes of batch buffers per engine block (transport block, or OFDM slot), and of the
    /// largest single buffer per block.
    pub fn bytes_per_block(&self) -> (u64, u64) {
        let c = self.base.num_cb as u64;
        let cw = self.base.cw as u64;
        // Every decoder's state, and a narrower HARQ decoder's own input.
        let dec = self.coder.as_ref().map_or((0, 0), |k| {
            k.decoders.iter().fold((0, 0), |(sum, big), (stride, d)| {
                let input = match *stride == self.base.x_stride as usize {
                    true => 0,
                    false => 4 * *stride as u64,
                };
                (
                    sum + d.bytes_per_block() + input,
                    big.max(d.largest_binding_per_block()),
                )
            })
        });
        let t = self.tb_bytes();
        let ofdm = self.ofdm_bytes_per_slot();
        let net = self
            .neural
            .as_ref()
            .map_or((0, 0), |n| (n.bytes_per_slot, n.largest_per_slot));
        let total = cw * (t.b + t.x + t.llr + t.llr_x + t.outcome + t.done + t.cb_out + c * dec.0)
            + ofdm.iter().sum::<u64>()
            + net.0;
        let largest = ofdm.into_iter().max().unwrap_or(0).max(net.1);
        (total, (cw * (c * dec.1).max(t.x).max(t.llr)).max(largest))
    }

    /// Bytes per slot of the OFDM batch buffers (`OfdmTables::bytes_per_slot`), a scenario
    /// model's drops once per HARQ transmission.
    pub(super) fn ofdm_bytes_per_slot(&self) -> [u64; 8] {
        let mut b = self.ofdm.as_ref().map_or([0; 8], |o| o.bytes_per_slot());
        b[7] *= self.uniforms.len() as u64;
        b
    }

    /// Bytes per transport block of each chain buffer (the decoder's come on top).
    pub(super) fn tb_bytes(&self) -> TbBytes {
        let p = &self.base;
        let x = 4 * p.num_cb as u64 * p.x_stride as u64;
        TbBytes {
            b: 4 * p.b_len as u64,
            x,
            llr: 4 * p.g_len as u64,
            llr_x: x,
            // One outcome per transmission.
            outcome: 16 * self.uniforms.len() as u64,
            done: 4 * p.num_cb as u64,
            cb_out: 16 * p.num_cb as u64,
        }
    }

    /// Drops the batch buffers (after an allocation failure, before a smaller batch).
    pub fn release_buffers(&mut self) {
        self.batch = None;
    }

    pub(super) fn ensure_capacity(
        &mut self,
        ctx: &GpuContext,
        count: usize,
    ) -> Result<(), GpuError> {
        if self.batch.as_ref().is_some_and(|b| b.capacity >= count) {
            return Ok(());
        }
        self.batch = None;
        let batch = ctx.allocate(|| self.make_buffers(ctx, count))??;
        self.batch = Some(batch);
        Ok(())
    }

    fn make_buffers(&self, ctx: &GpuContext, count: usize) -> Result<BatchBuffers, GpuError> {
        let p = &self.base;
        let ofdm = self.ofdm_bytes_per_slot();
        let ofdm = [
            "coeffs", "ygrid", "hp", "gridc", "ici", "spread", "cpe", "drops",
        ]
        .iter()
        .zip(ofdm)
        .map(|(label, bytes)| ctx.storage(label, (count as u64 * bytes).max(16)));
        let ofdm: [wgpu::Buffer; 8] = ofdm.collect::<Vec<_>>().try_into().expect("eight");
        let count = count * p.cw as usize;
        let (n, t) = (count as u64, self.tb_bytes());
        let b = ctx.storage("b", n * t.b);
        let x = ctx.storage("x", n * t.x);
        let llr = ctx.storage("llr", n * t.llr);
        let llr_x = ctx.storage("llr_x", n * t.llr_x);
        let outcomes = ctx.storage("outcomes", n * t.outcome);
        let done = ctx.storage("done", (n * t.done).max(4));
        let cb_out = ctx.storage("cb_out", (n * t.cb_out).max(16));
        let blocks = count * p.num_cb as usize;
        let mut decoders: Vec<DecoderStage> = Vec::new();
        for (stride, d) in self.coder.iter().flat_map(|k| &k.decoders) {
            let mut buffers = d.buffers(ctx, blocks);
            if let Some(first) = decoders.first() {
                buffers.hard = first.buffers.hard.clone();
                buffers.iterations = first.buffers.iterations.clone();
            }
            buffers.done = done.clone();
            let (input, gather) = match *stride == p.x_stride as usize {
                true => (None, None),
                false => {
                    let input = ctx.storage("harq decoder input", 4 * (blocks * stride) as u64);
                    let (_, layout) = self.gather.as_ref().expect("a gather pipeline");
                    let u = ctx.uniform("gather", &[blocks as u32, p.x_stride, *stride as u32, 0]);
                    let bind = ctx.bind("harq_gather", layout, &[&u, &llr_x, &input]);
                    (Some(input), Some((u, bind)))
                }
            };
            let bind = d.bind(ctx, input.as_ref().unwrap_or(&llr_x), &buffers);
            decoders.push(DecoderStage {
                buffers,
                _input: input,
                bind,
                gather,
            });
        }
        let placeholder = ctx.storage("unused", 4);
        let (hard, iters) = decoders.first().map_or((&placeholder, &placeholder), |d| {
            (&d.buffers.hard, &d.buffers.iterations)
        });
        let chain_binds = self
            .uniforms
            .iter()
            .map(|uniform| {
                ctx.bind(
                    "link_chain",
                    &self.layout,
                    &[
                        uniform,
                        &self.statics[0],
                        &self.statics[1],
                        &self.statics[2],
                        &self.statics[3],
                        &self.statics[4],
                        &b,
                        &x,
                        &llr,
                        &llr_x,
                        hard,
                        iters,
                        &outcomes,
                        &ofdm[0],
                        &ofdm[1],
                        &ofdm[2],
                        &self.lmmse,
                        &ofdm[3],
                        &ofdm[4],
                        &done,
                        &ofdm[5],
                        &cb_out,
                        &ofdm[6],
                        &ofdm[7],
                    ],
                )
            })
            .collect();
        let encoder_bind = self
            .coder
            .as_ref()
            .map(|k| k.encoder.bind(ctx, &self.uniforms[0], &x));
        let neural = match &self.neural {
            None => None,
            Some(stage) => Some(stage.buffers(
                ctx,
                (p.nsym as usize, p.nsc as usize),
                count / p.cw as usize,
                [&self.uniforms[0], &self.statics[4], &ofdm[1], &ofdm[2]],
                &llr,
            )?),
        };
        Ok(BatchBuffers {
            capacity: count / p.cw as usize,
            b,
            x,
            llr,
            llr_x,
            ofdm,
            neural,
            outcomes,
            chain_binds,
            encoder_bind,
            decoders,
        })
    }
}
