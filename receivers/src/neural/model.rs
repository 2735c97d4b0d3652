//! The neural receiver: a fully convolutional residual network over the resource grid
//! (time × frequency), in the spirit of DeepRx and Sionna's neural-receiver example.
//!
//! Input `[batch, in_channels, symbols, subcarriers]` (see [`super::features`]), then one
//! `kernel × kernel` convolution to `width` channels, `depth` residual blocks
//! x ← x + conv_b(relu(conv_a(relu(x)))) whose convolutions are dilated in frequency by the
//! block's dilation, then relu and a `kernel × kernel` convolution to one logit per bit of
//! every layer (`layers · bits_per_symbol` channels). Zero padding keeps the grid's size.
//! There is no normalization layer (a simplification against Sionna's layer norms; the
//! matched-filter features come at LLR scale instead, see [`super::features`]), so the same
//! forward pass is plain convolutions, ReLUs and sums on the GPU too.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::PaddingConfig2d;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use sim_core::rng::{philox4x32_10, u32_to_open01};

/// Everything that fixes the network's parameters' shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeuralShape {
    pub rx_antennas: usize,
    pub layers: usize,
    pub bits_per_symbol: usize,
    pub depth: usize,
    pub width: usize,
    pub kernel: usize,
    pub dilations: Vec<usize>,
}

impl NeuralShape {
    pub fn in_channels(&self) -> usize {
        super::features::in_channels(self.rx_antennas, self.layers)
    }
    pub fn out_channels(&self) -> usize {
        self.layers * self.bits_per_symbol
    }
    /// Frequency dilation of residual block `i`.
    pub fn dilation(&self, i: usize) -> usize {
        self.dilations[i % self.dilations.len()]
    }
    /// The convolutions in forward order: (in, out, frequency dilation).
    pub fn convolutions(&self) -> Vec<(usize, usize, usize)> {
        let w = self.width;
        let mut v = vec![(self.in_channels(), w, 1)];
        for i in 0..self.depth {
            v.extend([(w, w, self.dilation(i)), (w, w, self.dilation(i))]);
        }
        v.push((w, self.out_channels(), 1));
        v
    }
    /// Number of trainable parameters.
    pub fn parameters(&self) -> usize {
        let k2 = self.kernel * self.kernel;
        self.convolutions()
            .iter()
            .map(|&(i, o, _)| o * (i * k2 + 1))
            .sum()
    }

    fn conv(&self, channels: [usize; 2], dilation: usize, device: &Device) -> Conv2d {
        let (pt, pf) = ((self.kernel - 1) / 2, dilation * (self.kernel - 1) / 2);
        Conv2dConfig::new(channels, [self.kernel, self.kernel])
            .with_dilation([1, dilation])
            .with_padding(PaddingConfig2d::Explicit(pt, pf, pt, pf))
            .init(device)
    }

    /// A freshly initialized network whose parameters come from `seed` alone: every weight
    /// and bias uniform in ±1/√fan_in (fan_in = in channels · kernel²), drawn from Philox
    /// (not from the backend's global generator, which other threads may draw from too).
    pub fn init_seeded(&self, seed: u64, device: &Device) -> NeuralReceiver {
        let mut model = self.init(device);
        let key = [seed as u32, (seed >> 32) as u32];
        let k = self.kernel;
        let mut layer = 0u32;
        let mut fill = |c: &mut Conv2d, cin: usize, cout: usize| {
            let bound = 1.0 / ((cin * k * k) as f32).sqrt();
            let draw = |i: usize, which: u32| {
                let w = philox4x32_10([i as u32, layer, which, 0x6e6e], key)[0];
                (u32_to_open01(w) * 2.0 - 1.0) * bound
            };
            let w: Vec<f32> = (0..cout * cin * k * k).map(|i| draw(i, 0)).collect();
            c.weight = Param::from_data(TensorData::new(w, [cout, cin, k, k]), device);
            let b: Vec<f32> = (0..cout).map(|i| draw(i, 1)).collect();
            c.bias = Some(Param::from_data(TensorData::new(b, [cout]), device));
            layer += 1;
        };
        let convs = self.convolutions();
        let mut it = convs.iter();
        let mut next = || *it.next().expect("a convolution");
        let (i, o, _) = next();
        fill(&mut model.input, i, o);
        for b in &mut model.blocks {
            let (i, o, _) = next();
            fill(&mut b.a, i, o);
            let (i, o, _) = next();
            fill(&mut b.b, i, o);
        }
        let (i, o, _) = next();
        fill(&mut model.output, i, o);
        model
    }

    /// A freshly initialized network (burn's initializer and the backend's generator).
    pub fn init(&self, device: &Device) -> NeuralReceiver {
        let w = self.width;
        NeuralReceiver {
            input: self.conv([self.in_channels(), w], 1, device),
            blocks: (0..self.depth)
                .map(|i| ResBlock {
                    a: self.conv([w, w], self.dilation(i), device),
                    b: self.conv([w, w], self.dilation(i), device),
                })
                .collect(),
            output: self.conv([w, self.out_channels()], 1, device),
        }
    }
}

/// One convolution's parameters: `weight` `[cout, cin, kernel, kernel]` row-major, `bias`
/// `[cout]`, dilated by `dilation` in frequency.
#[derive(Debug, Clone, PartialEq)]
pub struct ConvWeights {
    pub cin: usize,
    pub cout: usize,
    pub kernel: usize,
    pub dilation: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

#[derive(Module, Debug)]
pub struct ResBlock {
    pub a: Conv2d,
    pub b: Conv2d,
}

#[derive(Module, Debug)]
pub struct NeuralReceiver {
    pub input: Conv2d,
    pub blocks: Vec<ResBlock>,
    pub output: Conv2d,
}

impl NeuralReceiver {
    /// `[batch, in_channels, symbols, subcarriers]` features → `[batch, layers · bits,
    /// symbols, subcarriers]` logits of P(bit = 1) (LLR = −logit).
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let mut x = self.input.forward(x);
        for b in &self.blocks {
            let r = b.b.forward(relu(b.a.forward(relu(x.clone()))));
            x = x + r;
        }
        self.output.forward(relu(x))
    }

    /// Every convolution's parameters in forward order, as plain arrays (for the GPU).
    pub fn export(&self, shape: &NeuralShape) -> Vec<ConvWeights> {
        self.convolutions()
            .iter()
            .zip(shape.convolutions())
            .map(|(c, (cin, cout, dilation))| ConvWeights {
                cin,
                cout,
                kernel: shape.kernel,
                dilation,
                weight: c
                    .weight
                    .val()
                    .into_data()
                    .try_to_vec::<f32>()
                    .expect("f32 weights"),
                bias: c.bias.as_ref().map_or(vec![0.0; cout], |b| {
                    b.val().into_data().try_to_vec::<f32>().expect("f32 bias")
                }),
            })
            .collect()
    }

    /// The convolutions in forward order (as [`NeuralShape::convolutions`] lists them).
    pub fn convolutions(&self) -> Vec<&Conv2d> {
        let mut v = vec![&self.input];
        for b in &self.blocks {
            v.extend([&b.a, &b.b]);
        }
        v.push(&self.output);
        v
    }
}
