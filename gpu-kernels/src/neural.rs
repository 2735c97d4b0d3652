//! The neural receiver's forward pass as WGSL (`shaders/neural_conv.wgsl`): the exported
//! weights of every convolution in one storage buffer, one dispatch per convolution over a
//! batch of grids, activations ping-ponging between device buffers. The reference is burn's
//! forward pass on the CPU (`receivers::neural`); `tests/neural_gpu.rs` compares them.

use crate::context::{grid, GpuContext, GpuError};
use receivers::neural::model::ConvWeights;

const SOURCE: &str = include_str!("../shaders/neural_conv.wgsl");

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ConvParams {
    batch: u32,
    cin: u32,
    cout: u32,
    symbols: u32,
    sc: u32,
    kernel: u32,
    dilation: u32,
    flags: u32,
    w_offset: u32,
    b_offset: u32,
    pad: [u32; 2],
}

const RELU_IN: u32 = 1;
const RESIDUAL: u32 = 2;

/// One dispatch: its uniform, bind group and output size per grid.
struct Layer {
    params: ConvParams,
    uniform: wgpu::Buffer,
    bind: wgpu::BindGroup,
}

/// Which convolution kernel runs (`shaders/neural_conv.wgsl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConvKernel {
    /// `conv`: one invocation per output value (measured on the H100).
    #[default]
    PerOutput,
    /// `conv_grouped`: one invocation per RE and 8 output channels (to be measured).
    Grouped,
}

/// A network on the GPU for grids of `symbols × subcarriers`, batches up to `max_batch`.
pub struct GpuNeuralReceiver {
    pipeline: wgpu::ComputePipeline,
    kernel: ConvKernel,
    layers: Vec<Layer>,
    /// `[max_batch, in, symbols, sc]` features (written by the host or a chain kernel).
    pub input: wgpu::Buffer,
    /// `[max_batch, out, symbols, sc]` logits.
    pub output: wgpu::Buffer,
    plane: usize,
    cin: usize,
    cout: usize,
    max_batch: usize,
}

impl GpuNeuralReceiver {
    /// Uploads `convs` (input convolution, residual pairs, output convolution, as
    /// `NeuralReceiver::export` gives them).
    pub fn new(
        ctx: &GpuContext,
        convs: &[ConvWeights],
        symbols: usize,
        sc: usize,
        max_batch: usize,
    ) -> Result<Self, GpuError> {
        Self::with_kernel(ctx, convs, symbols, sc, max_batch, ConvKernel::default())
    }

    /// As [`Self::new`] with the convolution kernel given.
    pub fn with_kernel(
        ctx: &GpuContext,
        convs: &[ConvWeights],
        symbols: usize,
        sc: usize,
        max_batch: usize,
        kernel: ConvKernel,
    ) -> Result<Self, GpuError> {
        let n = convs.len();
        if n < 2 || !n.is_multiple_of(2) {
            return Err(GpuError::Runtime(format!(
                "a neural receiver has an input convolution, residual pairs and an output \
                 convolution; got {n} convolutions"
            )));
        }
        let (cin, width, cout) = (convs[0].cin, convs[0].cout, convs[n - 1].cout);
        let plane = symbols * sc;
        let mut all = Vec::new();
        let mut offsets = Vec::new();
        for c in convs {
            let w = all.len() as u32;
            all.extend_from_slice(&c.weight);
            let b = all.len() as u32;
            all.extend_from_slice(&c.bias);
            offsets.push((w, b));
        }
        let f32s = |channels: usize| (max_batch * channels * plane * 4) as u64;
        let (weights, input, h, output) = ctx.allocate(|| {
            (
                ctx.storage_from("neural weights", &all),
                ctx.storage("neural input", f32s(cin)),
                [
                    ctx.storage("neural h0", f32s(width)),
                    ctx.storage("neural h1", f32s(width)),
                    ctx.storage("neural h2", f32s(width)),
                ],
                ctx.storage("neural output", f32s(cout)),
            )
        })?;
        let layout = ctx.layout("neural conv", 3, 1);
        let entry = match kernel {
            ConvKernel::PerOutput => "conv",
            ConvKernel::Grouped => "conv_grouped",
        };
        let pipeline = ctx.pipeline("neural conv", SOURCE, entry, &layout, &[]);
        // (x, residual, y) of each convolution: input → h0; block: h0 → h1, h1 + h0 → h2,
        // then h2 plays h0 (the roles rotate); last: h_cur → output.
        let mut layers = Vec::with_capacity(n);
        let (mut cur, tmp, mut next) = (0usize, 1usize, 2usize);
        for (i, c) in convs.iter().enumerate() {
            let (x, res, y, flags) = if i == 0 {
                (&input, &input, &h[0], 0)
            } else if i == n - 1 {
                (&h[cur], &h[cur], &output, RELU_IN)
            } else if i % 2 == 1 {
                (&h[cur], &h[cur], &h[tmp], RELU_IN)
            } else {
                let l = (&h[tmp], &h[cur], &h[next], RELU_IN | RESIDUAL);
                (cur, next) = (next, cur);
                l
            };
            let params = ConvParams {
                batch: max_batch as u32,
                cin: c.cin as u32,
                cout: c.cout as u32,
                symbols: symbols as u32,
                sc: sc as u32,
                kernel: c.kernel as u32,
                dilation: c.dilation as u32,
                flags,
                w_offset: offsets[i].0,
                b_offset: offsets[i].1,
                pad: [0; 2],
            };
            let uniform = ctx.uniform("neural conv params", &params);
            let bind = ctx.bind("neural conv", &layout, &[&uniform, &weights, x, res, y]);
            layers.push(Layer {
                params,
                uniform,
                bind,
            });
        }
        Ok(GpuNeuralReceiver {
            pipeline,
            kernel,
            layers,
            input,
            output,
            plane,
            cin,
            cout,
            max_batch,
        })
    }

    /// Records the forward pass of `batch` grids from `input` to `output` (sets the layers'
    /// batch size through the queue first).
    pub fn encode(&mut self, ctx: &GpuContext, encoder: &mut wgpu::CommandEncoder, batch: usize) {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("neural receiver"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.pipeline);
        for l in &mut self.layers {
            if l.params.batch != batch as u32 {
                l.params.batch = batch as u32;
                ctx.queue
                    .write_buffer(&l.uniform, 0, bytemuck::bytes_of(&l.params));
            }
            let per_re = match self.kernel {
                ConvKernel::PerOutput => l.params.cout as usize,
                ConvKernel::Grouped => (l.params.cout as usize).div_ceil(8),
            };
            let groups = (batch * per_re * self.plane).div_ceil(64);
            let (x, y) = grid(groups as u64);
            pass.set_bind_group(0, &l.bind, &[]);
            pass.dispatch_workgroups(x, y, 1);
        }
    }

    /// Host round trip (tests, benchmarks): `[batch, in, symbols, sc]` features → logits.
    pub fn forward(
        &mut self,
        ctx: &GpuContext,
        features: &[f32],
        batch: usize,
    ) -> Result<Vec<f32>, GpuError> {
        if batch > self.max_batch || features.len() != batch * self.cin * self.plane {
            return Err(GpuError::Runtime(format!(
                "neural forward: {} features for {batch} grids (at most {}) of {} channels × {} REs",
                features.len(),
                self.max_batch,
                self.cin,
                self.plane
            )));
        }
        ctx.queue
            .write_buffer(&self.input, 0, bytemuck::cast_slice(features));
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("neural"),
            });
        self.encode(ctx, &mut encoder, batch);
        ctx.queue.submit([encoder.finish()]);
        ctx.check()?;
        ctx.read_back_range(&self.output, (batch * self.cout * self.plane * 4) as u64)
    }
}
