//! CPU inference: slots of a batch are generated and featurized in parallel, the network runs
//! once per chunk of slots (burn's CPU backend), then every slot is decoded in parallel.

use super::features::{in_channels, llrs_from_logits, slot_features};
use super::model::NeuralReceiver;
use super::weights::{load_model, ModelMeta, NeuralError};
use crate::ofdm_chain::{decode_slot, transmit_and_receive, OfdmPrepared, OfdmScratch};
use burn::tensor::{Device, Tensor, TensorData};
use rayon::prelude::*;
use sim_core::ldpc::TransportCodec;
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::rng::BlockRng;
use sim_core::{BlockOutcome, Constellation};
use std::path::Path;
use std::sync::Mutex;

/// Slots per network call.
pub const CHUNK_SLOTS: usize = 32;

/// A loaded network ready to run on the CPU.
pub struct NeuralRunner {
    model: Mutex<NeuralReceiver>,
    pub meta: ModelMeta,
    device: Device,
}

impl NeuralRunner {
    /// Loads a model folder and checks that it fits `link` (antennas, layers, modulation).
    pub fn load(dir: &Path, link: &LinkSpec) -> Result<Self, NeuralError> {
        let device = super::device::cpu();
        let (model, meta) = load_model(dir, &device)?;
        let o = link.ofdm.as_ref().ok_or_else(|| NeuralError::Mismatch {
            path: dir.to_path_buf(),
            message: "neural receivers need an OFDM link".into(),
        })?;
        let s = &meta.shape;
        let want = (o.rx_antennas, o.layers, link.modulation.bits_per_symbol());
        if (s.rx_antennas, s.layers, s.bits_per_symbol) != want {
            return Err(NeuralError::Mismatch {
                path: dir.to_path_buf(),
                message: format!(
                    "trained for {} receive antennas, {} layers, {} bits per symbol (scenario \
                     `{}`); this scenario has {}, {}, {}",
                    s.rx_antennas,
                    s.layers,
                    s.bits_per_symbol,
                    meta.scenario_name,
                    want.0,
                    want.1,
                    want.2
                ),
            });
        }
        Ok(Self::new(model, meta, device))
    }

    pub fn new(model: NeuralReceiver, meta: ModelMeta, device: Device) -> Self {
        NeuralRunner {
            model: Mutex::new(model),
            meta,
            device,
        }
    }

    /// The network's convolutions as plain arrays (for the WGSL forward pass).
    pub fn export(&self) -> Vec<super::model::ConvWeights> {
        let model = self.model.lock().expect("neural model");
        model.export(&self.meta.shape)
    }

    /// `[batch, in, symbols, subcarriers]` features → `[batch, out, symbols, subcarriers]`
    /// logits.
    pub fn forward(&self, features: Vec<f32>, batch: usize, symbols: usize, sc: usize) -> Vec<f32> {
        let c = self.meta.shape.in_channels();
        let x = Tensor::<4>::from_data(
            TensorData::new(features, [batch, c, symbols, sc]),
            &self.device,
        );
        let model = self.model.lock().expect("neural model");
        model
            .forward(x)
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 logits")
    }
}

/// Simulates `count` slots from block `first_block` through the neural receiver; block `i`
/// draws exactly what the classical chain's block `i` draws.
#[allow(clippy::too_many_arguments)]
pub fn simulate_slots(
    link: &LinkSpec,
    prep: &OfdmPrepared,
    codec: Option<&TransportCodec>,
    constellation: &Constellation,
    point: &PointSpec,
    seed: u64,
    first_block: u64,
    count: usize,
    runner: &NeuralRunner,
) -> Vec<BlockOutcome> {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let n_re = o.symbols * o.subcarriers;
    let c = in_channels(o.rx_antennas, o.layers);
    let per = runner.meta.shape.out_channels() * n_re;
    let mut out = Vec::with_capacity(count);
    for start in (0..count).step_by(CHUNK_SLOTS) {
        let n = CHUNK_SLOTS.min(count - start);
        let mut slots: Vec<(OfdmScratch, Vec<f32>)> = (0..n)
            .into_par_iter()
            .map(|i| {
                let rng =
                    BlockRng::new(seed, point.index, (first_block + (start + i) as u64) as u32);
                let mut s = OfdmScratch::default();
                transmit_and_receive(link, prep, codec, constellation, point, &rng, &mut s);
                let mut f = vec![0f32; c * n_re];
                slot_features(o, prep, point, &mut s, &mut f);
                (s, f)
            })
            .collect();
        let mut features = Vec::with_capacity(n * c * n_re);
        for (_, f) in &slots {
            features.extend_from_slice(f);
        }
        let logits = runner.forward(features, n, o.symbols, o.subcarriers);
        let outcomes: Vec<BlockOutcome> = slots
            .par_iter_mut()
            .enumerate()
            .map(|(i, (s, _))| {
                llrs_from_logits(link, &logits[i * per..(i + 1) * per], s);
                decode_slot(link, codec, s)
            })
            .collect();
        out.extend(outcomes);
    }
    out
}
