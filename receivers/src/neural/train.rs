//! Training on the simulator's own slots: every step draws a mini-batch of slots (each with
//! its own Eb/N0 and, where `[training]` gives ranges, speed, delay spread and profile),
//! runs the network with burn's autodiff, and takes an Adam step on the binary cross-entropy
//! of the coded bits. The learning rate warms up linearly, then decays on a cosine. Every
//! `validation_every` steps the validation BLER is measured through the decoder; every
//! `checkpoint_every` steps a resumable checkpoint is written.
//!
//! Reproducible: the model's initialization comes from the seed (Philox, not the backend's
//! global generator), and step `n`'s slots only
//! from (seed, n), so a resumed run takes the same steps as an uninterrupted one.
//!
//! Fine-tuning (`init`): the network starts from an existing model of the same shape, with a
//! fresh Adam state and this run's schedule (warm-up and cosine again); its slots continue
//! the starting model's stream (step n draws what step `total_steps + n` of the same seed
//! would), so with the same seed and batch it sees no slot twice.

use super::device::NeuralDevice;
use super::features::{in_channels, slot_features, slot_labels};
use super::infer::{simulate_slots, NeuralRunner};
use super::model::{NeuralReceiver, NeuralShape};
use super::weights::{load_model, save_model, InitFrom, ModelMeta, NeuralError, FORMAT_VERSION};
use crate::ofdm_chain::{transmit_and_receive, OfdmPrepared, OfdmScratch};
use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Bytes, Device, Tensor, TensorData};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::rng::{u32_to_open01, BlockRng, Stream};
use sim_core::scenario::schema::TrainingConfig;
use sim_core::scenario::Resolved;
use sim_core::Constellation;
use std::path::{Path, PathBuf};

/// Point indices of the training and validation slots' random streams (no sweep reaches
/// them).
pub const TRAIN_POINT: u32 = u32::MAX;
pub const VALIDATION_POINT: u32 = u32::MAX - 1;

/// One row of the training curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    pub step: usize,
    /// Mean binary cross-entropy of the step's coded bits, bits.
    pub loss: f64,
    pub learning_rate: f64,
    /// Validation BLER (code words) where measured at this step.
    pub validation_bler: Option<f64>,
}

/// What the caller hears of a training run.
pub trait TrainObserver {
    fn started(&mut self, first_step: usize, steps: usize, parameters: usize);
    fn step(&mut self, step: usize, loss: f64, learning_rate: f64);
    fn validated(&mut self, step: usize, ebno_db: f64, errors: u64, codewords: u64);
    fn checkpointed(&mut self, step: usize, curve: &[CurvePoint]);
}

/// Where a training run writes: `<out>/model.bpk` (the final model), `<out>/checkpoint/`;
/// `init`: the model folder a fine-tuning run starts from.
#[derive(Debug, Clone, Default)]
pub struct TrainPaths {
    pub out: PathBuf,
    pub init: Option<PathBuf>,
}

impl TrainPaths {
    pub fn checkpoint(&self) -> PathBuf {
        self.out.join("checkpoint")
    }
    fn checkpoint_new(&self) -> PathBuf {
        self.out.join("checkpoint-new")
    }
}

#[derive(Serialize, Deserialize)]
struct CheckpointState {
    /// Steps taken.
    step: usize,
    /// What fixes the training's slots and network (a checkpoint resumes only the same):
    /// see [`training_key`].
    scenario: String,
    seed: u64,
    curve: Vec<CurvePoint>,
    /// The parameters hash of the model the run was fine-tuned from.
    #[serde(default)]
    init: Option<String>,
}

/// What a checkpoint must match to be resumed: the resolved link, `[training]` without its
/// step budget and the Eb/N0 range drawn from. Sweep, stop and comments may change (a
/// resumed run may also get more steps: a warm restart of the cosine schedule).
pub fn training_key(run: &Resolved) -> String {
    let mut t = training_config(run);
    t.steps = 0;
    serde_json::json!({
        "link": run.link,
        "training": t,
        "ebno_db": t.ebno_db.unwrap_or_else(|| sweep_range(run)),
    })
    .to_string()
}

/// The training configuration of `run` (its `[training]` or the defaults).
pub fn training_config(run: &Resolved) -> TrainingConfig {
    run.scenario.training.clone().unwrap_or_default()
}

/// The network shape `[training]` asks for on `link`.
pub fn shape_for(link: &LinkSpec, t: &TrainingConfig) -> NeuralShape {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    NeuralShape {
        rx_antennas: o.rx_antennas,
        layers: o.layers,
        bits_per_symbol: link.modulation.bits_per_symbol(),
        depth: t.depth,
        width: t.width,
        kernel: t.kernel,
        dilations: t.dilations.clone(),
    }
}

/// Learning rate of step `n` (0-based): linear warm-up to `learning_rate` over
/// `warmup_steps` (at most `steps − 1`, so a short run still decays), then cosine decay to
/// `final_learning_rate` at the last step.
pub fn learning_rate(t: &TrainingConfig, n: usize) -> f64 {
    let warmup = t.warmup_steps.min(t.steps.saturating_sub(1));
    if n < warmup {
        return t.learning_rate * (n + 1) as f64 / warmup as f64;
    }
    let span = (t.steps - warmup).max(1) as f64;
    let x = ((n - warmup) as f64 / span).min(1.0);
    t.final_learning_rate
        + 0.5 * (t.learning_rate - t.final_learning_rate) * (1.0 + (std::f64::consts::PI * x).cos())
}

/// The sweep's Eb/N0 range (training default).
fn sweep_range(run: &Resolved) -> [f64; 2] {
    let v = run.points.iter().map(|p| p.ebno_db);
    [
        v.clone().fold(f64::INFINITY, f64::min),
        v.fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// The link one training slot uses and its point: Eb/N0, speed, delay spread and profile
/// drawn from `[training]`'s ranges with the slot's training stream.
fn training_slot(run: &Resolved, t: &TrainingConfig, rng: &BlockRng) -> (LinkSpec, PointSpec) {
    let u = rng
        .draw(Stream::Training, 0)
        .map(|w| u32_to_open01(w) as f64);
    let pick = |r: [f64; 2], u: f64| r[0] + (r[1] - r[0]) * u;
    let ebno = pick(t.ebno_db.unwrap_or_else(|| sweep_range(run)), u[0]);
    let mut link = run.link.clone();
    let o = link.ofdm.as_mut().expect("an OFDM link");
    let carrier = o.carrier_hz;
    if let Some(c) = o.tdl.as_mut().or(o.cdl.as_mut()) {
        if let Some(r) = t.speed_kmh {
            c.doppler_hz = pick(r, u[1]) / 3.6 * carrier / 299_792_458.0;
        }
        if let Some(r) = t.delay_spread_ns {
            c.delay_spread_s = pick(r, u[2]) * 1e-9;
        }
        if let Some(p) = &t.profiles {
            let i = ((u[3] * p.len() as f64) as usize).min(p.len() - 1);
            c.profile = p[i].clone();
        }
    }
    let offset = link.ebno_to_snr_db();
    (link, PointSpec::new(TRAIN_POINT, ebno, ebno + offset))
}

/// A mini-batch: features `[batch, in, T, F]`, labels and mask `[batch, out, T, F]`.
pub struct Batch {
    pub features: Vec<f32>,
    pub labels: Vec<f32>,
    pub mask: Vec<f32>,
    pub size: usize,
}

/// Step `step`'s mini-batch of `size` slots.
pub fn training_batch(
    run: &Resolved,
    t: &TrainingConfig,
    seed: u64,
    step: usize,
    size: usize,
) -> Batch {
    let link = &run.link;
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let n_re = o.symbols * o.subcarriers;
    let (c, oc) = (
        in_channels(o.rx_antennas, o.layers),
        o.layers * link.modulation.bits_per_symbol(),
    );
    let varied = t.speed_kmh.is_some() || t.delay_spread_ns.is_some() || t.profiles.is_some();
    let fixed = (!varied).then(|| OfdmPrepared::new(o));
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let slots: Vec<(Vec<f32>, Vec<f32>, Vec<f32>)> = (0..size)
        .into_par_iter()
        .map(|i| {
            let rng = BlockRng::new(seed, TRAIN_POINT, (step * size + i) as u32);
            let (l, point) = training_slot(run, t, &rng);
            let own;
            let prep = match &fixed {
                Some(p) => p,
                None => {
                    own = OfdmPrepared::new(l.ofdm.as_ref().expect("OFDM"));
                    &own
                }
            };
            let mut s = OfdmScratch::default();
            transmit_and_receive(
                &l,
                prep,
                codec.as_ref(),
                &constellation,
                &point,
                &rng,
                &mut s,
            );
            let mut f = vec![0f32; c * n_re];
            slot_features(l.ofdm.as_ref().expect("OFDM"), prep, &point, &mut s, &mut f);
            let (mut y, mut m) = (vec![0f32; oc * n_re], vec![0f32; oc * n_re]);
            slot_labels(&l, &s, &mut y, &mut m);
            (f, y, m)
        })
        .collect();
    let mut b = Batch {
        features: Vec::with_capacity(size * c * n_re),
        labels: Vec::with_capacity(size * oc * n_re),
        mask: Vec::with_capacity(size * oc * n_re),
        size,
    };
    for (f, y, m) in slots {
        b.features.extend(f);
        b.labels.extend(y);
        b.mask.extend(m);
    }
    b
}

/// Mean masked binary cross-entropy (nats) of `logits` against 0/1 `labels`:
/// max(z, 0) − z·y + ln(1 + e^−|z|).
pub fn bce_loss(logits: Tensor<4>, labels: Tensor<4>, mask: Tensor<4>, count: f32) -> Tensor<1> {
    let per =
        logits.clone().clamp_min(0.0) - logits.clone() * labels + logits.abs().neg().exp().log1p();
    (per * mask).sum().div_scalar(count)
}

/// The mini-batch's loss (nats, [`bce_loss`]) through `model` on `device`.
pub fn batch_loss(
    model: &NeuralReceiver,
    batch: &Batch,
    shape: &NeuralShape,
    (symbols, sc): (usize, usize),
    device: &Device,
) -> Tensor<1> {
    let dims = |c: usize| [batch.size, c, symbols, sc];
    let x = Tensor::<4>::from_data(
        TensorData::new(batch.features.clone(), dims(shape.in_channels())),
        device,
    );
    let oc = shape.out_channels();
    let y = Tensor::<4>::from_data(TensorData::new(batch.labels.clone(), dims(oc)), device);
    let count = batch.mask.iter().sum::<f32>().max(1.0);
    let m = Tensor::<4>::from_data(TensorData::new(batch.mask.clone(), dims(oc)), device);
    bce_loss(model.forward(x), y, m, count)
}

/// One forward/backward pass and Adam step; returns the loss (bits).
pub fn train_step(
    model: NeuralReceiver,
    optim: &mut ModuleOptimizer,
    batch: &Batch,
    shape: &NeuralShape,
    grid: (usize, usize),
    lr: f64,
    device: &Device,
) -> (NeuralReceiver, f64) {
    let loss = batch_loss(&model, batch, shape, grid, device);
    let value = loss.clone().into_scalar::<f32>() as f64 / std::f64::consts::LN_2;
    let grads = GradientsParams::from_grads(loss.backward(), &model);
    (optim.step(lr, model, grads), value)
}

fn io(path: &Path, e: impl ToString) -> NeuralError {
    NeuralError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn meta_for(
    run: &Resolved,
    shape: &NeuralShape,
    seed: u64,
    steps: usize,
    init: &Option<InitFrom>,
) -> ModelMeta {
    ModelMeta {
        format: FORMAT_VERSION,
        shape: shape.clone(),
        scenario_name: run.scenario.name.clone(),
        scenario: run.source.clone(),
        seed,
        steps,
        params_hash: String::new(),
        ferrolink_version: env!("CARGO_PKG_VERSION").into(),
        init: init.clone(),
    }
}

/// Validation: `blocks` slots of the scenario's own channel at `ebno_db` through the network
/// (on `device`, without autodiff) and the decoder; returns (code word errors, code words).
pub fn validate(
    run: &Resolved,
    model: &NeuralReceiver,
    meta: &ModelMeta,
    ebno_db: f64,
    blocks: usize,
    seed: u64,
    device: &Device,
) -> (u64, u64) {
    let link = &run.link;
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let prep = OfdmPrepared::new(o);
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let point = PointSpec::new(VALIDATION_POINT, ebno_db, ebno_db + link.ebno_to_snr_db());
    let runner = NeuralRunner::new(model.valid(), meta.clone(), device.clone());
    let outcomes = simulate_slots(
        link,
        &prep,
        codec.as_ref(),
        &constellation,
        &point,
        seed,
        0,
        blocks,
        &runner,
    );
    let errors = outcomes.iter().map(|o| o.codeword_errors as u64).sum();
    (errors, (blocks * o.codewords) as u64)
}

/// Trains the network `run`'s `[training]` describes on `on` and writes `<out>/model.bpk`;
/// with `resume`, continues from `<out>/checkpoint` (which may come from another device);
/// with `paths.init`, fine-tunes that model (see the module notes). Returns the training
/// curve.
pub fn train(
    run: &Resolved,
    seed: u64,
    paths: &TrainPaths,
    resume: bool,
    on: NeuralDevice,
    obs: &mut dyn TrainObserver,
) -> Result<Vec<CurvePoint>, NeuralError> {
    let t = training_config(run);
    let link = &run.link;
    let o = link.ofdm.as_ref().ok_or_else(|| NeuralError::Mismatch {
        path: PathBuf::from(&run.file),
        message: "neural receivers need an [ofdm] section".into(),
    })?;
    let shape = shape_for(link, &t);
    let base = on.device();
    let device = base.clone().autodiff();
    let start = match &paths.init {
        Some(dir) => Some(fine_tune_start(dir, &shape, &device)?),
        None => None,
    };
    let init = start.as_ref().map(|(_, i)| i.clone());
    let init_hash = init.as_ref().map(|i| i.params_hash.clone());
    // Fine-tuning continues the starting model's slot stream.
    let offset = init.as_ref().map_or(0, |i| i.steps);
    let ckpt = paths.checkpoint();
    if !ckpt.exists() && paths.checkpoint_new().exists() {
        // Killed between replacing the old checkpoint and renaming the new one.
        std::fs::rename(paths.checkpoint_new(), &ckpt).map_err(|e| io(&ckpt, e))?;
    }
    let (mut model, mut optim, mut curve, first) = if resume && ckpt.exists() {
        let text = std::fs::read_to_string(ckpt.join("state.json")).map_err(|e| io(&ckpt, e))?;
        let state: CheckpointState =
            serde_json::from_str(&text).map_err(|e| NeuralError::Corrupt {
                path: ckpt.join("state.json"),
                message: e.to_string(),
            })?;
        // (Checkpoints of the first format stored the scenario's text.)
        let same = state.scenario == training_key(run) || state.scenario == run.source;
        if !same || state.seed != seed {
            return Err(NeuralError::Mismatch {
                path: ckpt,
                message: "the checkpoint belongs to another link, [training] section or seed; \
                          train into another --out folder or pass --fresh"
                    .into(),
            });
        }
        if state.init != init_hash {
            return Err(NeuralError::Mismatch {
                path: ckpt,
                message: format!(
                    "the checkpoint's run started from {}, this one from {}; resume with the \
                     same --init, train into another --out folder or pass --fresh",
                    state.init.as_deref().unwrap_or("scratch"),
                    init_hash.as_deref().unwrap_or("scratch")
                ),
            });
        }
        let (model, _) = load_model(&ckpt, &device)?;
        let opt_path = ckpt.join("optimizer.bin");
        let bytes = std::fs::read(&opt_path).map_err(|e| io(&opt_path, e))?;
        let optim = AdamConfig::new()
            .init()
            .from_bytes(Bytes::from_bytes_vec(bytes))
            .map_err(|e| NeuralError::Corrupt {
                path: opt_path,
                message: e.to_string(),
            })?;
        (model, optim, state.curve, state.step)
    } else {
        if ckpt.exists() {
            return Err(NeuralError::Mismatch {
                path: ckpt,
                message: "a checkpoint of an earlier run is here: pass --resume to continue it \
                          or --fresh to start over"
                    .into(),
            });
        }
        let model = match start {
            Some((m, _)) => m,
            None => shape.init_seeded(seed, &device),
        };
        (model, AdamConfig::new().init(), Vec::new(), 0)
    };
    obs.started(first, t.steps, shape.parameters());
    let valid_ebno = t.validation_ebno_db.unwrap_or_else(|| {
        let r = t.ebno_db.unwrap_or_else(|| sweep_range(run));
        0.5 * (r[0] + r[1])
    });
    for n in first..t.steps {
        let lr = learning_rate(&t, n);
        let batch = training_batch(run, &t, seed, offset + n, t.batch);
        let (m, loss) = train_step(
            model,
            &mut optim,
            &batch,
            &shape,
            (o.symbols, o.subcarriers),
            lr,
            &device,
        );
        model = m;
        obs.step(n + 1, loss, lr);
        let mut point = CurvePoint {
            step: n + 1,
            loss,
            learning_rate: lr,
            validation_bler: None,
        };
        let last = n + 1 == t.steps;
        if (n + 1) % t.validation_every == 0 || last {
            let meta = meta_for(run, &shape, seed, n + 1, &init);
            let blocks = t.validation_blocks;
            let (e, c) = validate(run, &model, &meta, valid_ebno, blocks, seed, &base);
            obs.validated(n + 1, valid_ebno, e, c);
            point.validation_bler = Some(e as f64 / c as f64);
        }
        curve.push(point);
        if (n + 1) % t.checkpoint_every == 0 || last {
            let new = paths.checkpoint_new();
            let _ = std::fs::remove_dir_all(&new);
            save_model(&new, &model, &meta_for(run, &shape, seed, n + 1, &init))?;
            let bytes = optim.into_bytes().map_err(|e| io(&new, e))?;
            std::fs::write(new.join("optimizer.bin"), &*bytes).map_err(|e| io(&new, e))?;
            let state = CheckpointState {
                step: n + 1,
                scenario: training_key(run),
                seed,
                curve: curve.clone(),
                init: init_hash.clone(),
            };
            let json = serde_json::to_string(&state).map_err(|e| io(&new, e))?;
            std::fs::write(new.join("state.json"), json).map_err(|e| io(&new, e))?;
            if ckpt.exists() {
                std::fs::remove_dir_all(&ckpt).map_err(|e| io(&ckpt, e))?;
            }
            std::fs::rename(&new, &ckpt).map_err(|e| io(&ckpt, e))?;
            obs.checkpointed(n + 1, &curve);
        }
    }
    save_model(
        &paths.out,
        &model.valid(),
        &meta_for(run, &shape, seed, t.steps, &init),
    )?;
    Ok(curve)
}

/// The model a fine-tuning run starts from, on `device`: it must have the network shape
/// `[training]` and the link ask for.
fn fine_tune_start(
    dir: &Path,
    shape: &NeuralShape,
    device: &Device,
) -> Result<(NeuralReceiver, InitFrom), NeuralError> {
    let (model, meta) = load_model(dir, device)?;
    if meta.shape != *shape {
        return Err(NeuralError::Mismatch {
            path: dir.to_path_buf(),
            message: format!(
                "--init: the model's network is {:?}, this scenario's [training] and link ask \
                 for {:?}; fine-tuning needs the same shape (set [training] depth, width, \
                 kernel and dilations to the model's)",
                meta.shape, shape
            ),
        });
    }
    let from = InitFrom {
        folder: dir.display().to_string(),
        steps: meta.total_steps(),
        params_hash: meta.params_hash,
        scenario_name: meta.scenario_name,
        seed: meta.seed,
    };
    Ok((model, from))
}
