//! The neural receiver inside the GPU link chain (`shaders/neural_chain.wgsl`): the features
//! kernel builds the network's input planes from the chain's received grids and pilot
//! estimates, the WGSL network ([`GpuNeuralReceiver`]) runs on them, and the LLR kernel
//! writes −logit into the chain's channel LLRs for rate recovery.

use crate::context::{grid, GpuContext, GpuError};
use crate::neural::GpuNeuralReceiver;
use receivers::neural::model::ConvWeights;
use sim_core::link::LinkSpec;

const SHADER: &str = concat!(
    include_str!("../shaders/chain_params.wgsl"),
    include_str!("../shaders/neural_chain.wgsl")
);
/// Threads per workgroup of both kernels (`@workgroup_size` in the shader).
const WG: u64 = 64;

/// A neural receiver in the chain: its weights, the features and LLR kernels, and how much
/// memory the network's buffers take per slot.
pub struct NeuralStage {
    convs: Vec<ConvWeights>,
    layout: wgpu::BindGroupLayout,
    /// `neural_features`, `neural_llrs`.
    pipelines: [wgpu::ComputePipeline; 2],
    /// Bytes of network buffers per slot (input, three activations, output), and of the
    /// largest of them.
    pub bytes_per_slot: u64,
    pub largest_per_slot: u64,
}

/// The network of one batch size and the bind group of the neural kernels.
pub struct NeuralBuffers {
    pub net: GpuNeuralReceiver,
    bind: wgpu::BindGroup,
}

impl NeuralStage {
    /// Loads and checks the link's model (`[receiver] weights`) and builds the kernels.
    pub fn new(ctx: &GpuContext, link: &LinkSpec) -> Result<Self, GpuError> {
        let o = link.ofdm.as_ref().expect("an OFDM link");
        let dir = o.neural_weights.as_deref().expect("a neural link");
        let runner = receivers::neural::NeuralRunner::load(std::path::Path::new(dir), link)
            .map_err(|e| GpuError::Runtime(e.to_string()))?;
        let shape = &runner.meta.shape;
        let plane = (o.symbols * o.subcarriers) as u64;
        let channels = [shape.in_channels(), shape.width, shape.out_channels()];
        let bytes_per_slot = 4 * plane * (channels[0] + 3 * channels[1] + channels[2]) as u64;
        let largest_per_slot = 4 * plane * channels.into_iter().max().unwrap_or(0) as u64;
        // Bindings: params; otab, ygrid, hp, logits; features, llr (neural_chain.wgsl).
        let layout = ctx.layout("neural_chain", 4, 2);
        let pipelines = ["neural_features", "neural_llrs"]
            .map(|entry| ctx.pipeline("neural_chain.wgsl", SHADER, entry, &layout, &[]));
        Ok(NeuralStage {
            convs: runner.export(),
            layout,
            pipelines,
            bytes_per_slot,
            largest_per_slot,
        })
    }

    /// The network's buffers for `slots` slots of a `(symbols, subcarriers)` grid and the
    /// kernels' bind group over the chain's `[uniform, OFDM tables, received grids, pilot
    /// estimates]` and channel LLRs.
    pub fn buffers(
        &self,
        ctx: &GpuContext,
        (symbols, subcarriers): (usize, usize),
        slots: usize,
        [uniform, otab, ygrid, hp]: [&wgpu::Buffer; 4],
        llr: &wgpu::Buffer,
    ) -> Result<NeuralBuffers, GpuError> {
        let net = GpuNeuralReceiver::new(ctx, &self.convs, symbols, subcarriers, slots)?;
        let bind = ctx.bind(
            "neural_chain",
            &self.layout,
            &[uniform, otab, ygrid, hp, &net.output, &net.input, llr],
        );
        Ok(NeuralBuffers { net, bind })
    }

    fn record(
        &self,
        pass: &mut wgpu::ComputePass,
        bufs: &NeuralBuffers,
        kernel: usize,
        items: u64,
    ) {
        let (x, y) = grid(items.div_ceil(WG));
        pass.set_pipeline(&self.pipelines[kernel]);
        pass.set_bind_group(0, &bufs.bind, &[]);
        pass.dispatch_workgroups(x, y, 1);
    }

    /// `neural_features` over `items` = slots × resource elements.
    pub fn record_features(&self, pass: &mut wgpu::ComputePass, bufs: &NeuralBuffers, items: u64) {
        self.record(pass, bufs, 0, items);
    }

    /// `neural_llrs` over `items` = slots × data resource elements.
    pub fn record_llrs(&self, pass: &mut wgpu::ComputePass, bufs: &NeuralBuffers, items: u64) {
        self.record(pass, bufs, 1, items);
    }
}
