//! Weights files: `<folder>/model.bpk`, burn's record format (burnpack) with our metadata
//! under the key `ferrolink` (format version, network shape, training scenario, seed, steps,
//! a hash of the parameters). Loading checks all of it and says what is wrong.

use super::model::{NeuralReceiver, NeuralShape};
use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the metadata and layout; files of another version are refused.
pub const FORMAT_VERSION: u32 = 1;
const META_KEY: &str = "ferrolink";
const FILE: &str = "model.bpk";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: u32,
    pub shape: NeuralShape,
    /// The training scenario: its name and full text.
    pub scenario_name: String,
    pub scenario: String,
    pub seed: u64,
    /// Optimizer steps taken.
    pub steps: usize,
    /// FNV-1a 64 of the parameters' f32 bits, in forward order (hex).
    pub params_hash: String,
    pub ferrolink_version: String,
    /// The model this one was fine-tuned from (`ferrolink train --init`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<InitFrom>,
}

/// The starting point of a fine-tuned model (`ferrolink train --init DIR`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitFrom {
    /// The folder as given.
    pub folder: String,
    pub params_hash: String,
    pub scenario_name: String,
    pub seed: u64,
    /// Its optimizer steps in all (its own and those of the models it started from).
    pub steps: usize,
}

impl ModelMeta {
    /// Optimizer steps behind the parameters: this run's and those of the model it was
    /// fine-tuned from.
    pub fn total_steps(&self) -> usize {
        self.steps + self.init.as_ref().map_or(0, |i| i.steps)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NeuralError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{path}: not a ferrolink neural receiver ({message}); models are written by `ferrolink train SCENARIO --out DIR`")]
    NotAModel { path: PathBuf, message: String },
    #[error("{path}: weights format {found}, this ferrolink reads format {FORMAT_VERSION}; retrain with `ferrolink train`")]
    Version { path: PathBuf, found: u32 },
    #[error("{path}: corrupt weights: {message}")]
    Corrupt { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Mismatch { path: PathBuf, message: String },
}

/// The model file inside a model folder.
pub fn model_file(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

fn fnv1a(hash: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *hash ^= b as u64;
        *hash = hash.wrapping_mul(0x100_0000_01b3);
    }
}

/// Hash of every parameter's f32 bits (weights, then bias, convolution by convolution).
pub fn params_hash(model: &NeuralReceiver) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for c in model.convolutions() {
        let mut add = |v: Vec<f32>| v.iter().for_each(|x| fnv1a(&mut h, &x.to_le_bytes()));
        add(c
            .weight
            .val()
            .into_data()
            .try_to_vec::<f32>()
            .expect("f32 weights"));
        if let Some(b) = &c.bias {
            add(b.val().into_data().try_to_vec::<f32>().expect("f32 bias"));
        }
    }
    format!("{h:016x}")
}

/// Writes `model` with `meta` (its `params_hash` is filled in) to `<dir>/model.bpk`,
/// atomically (a temporary file renamed into place).
pub fn save_model(dir: &Path, model: &NeuralReceiver, meta: &ModelMeta) -> Result<(), NeuralError> {
    let path = model_file(dir);
    let io = |message: String| NeuralError::Io {
        path: path.clone(),
        message,
    };
    std::fs::create_dir_all(dir).map_err(|e| io(e.to_string()))?;
    let mut meta = meta.clone();
    meta.format = FORMAT_VERSION;
    meta.params_hash = params_hash(model);
    let bytes = model
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| io(e.to_string()))?;
    let tensors = burn_pack::Reader::from_bytes(bytes)
        .and_then(|r| r.into_tensors())
        .map_err(|e| io(e.to_string()))?;
    let json = serde_json::to_string(&meta).map_err(|e| io(e.to_string()))?;
    burn_pack::Writer::new(tensors)
        .with_metadata(META_KEY, &json)
        .auto_extension(false)
        .write_to_file(&path)
        .map_err(|e| io(e.to_string()))
}

/// Reads only the metadata of `<dir>/model.bpk`.
pub fn load_meta(dir: &Path) -> Result<ModelMeta, NeuralError> {
    let path = model_file(dir);
    if !path.is_file() {
        return Err(NeuralError::Io {
            message: if dir.is_dir() {
                format!("no {FILE} in this folder")
            } else {
                "no such model folder".into()
            },
            path: dir.to_path_buf(),
        });
    }
    let reader = burn_pack::Reader::from_file(&path).map_err(|e| NeuralError::NotAModel {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let Some(json) = reader.metadata().get(META_KEY) else {
        return Err(NeuralError::NotAModel {
            path,
            message: format!("a burnpack file without `{META_KEY}` metadata"),
        });
    };
    let format = serde_json::from_str::<serde_json::Value>(json)
        .ok()
        .and_then(|v| v.get("format")?.as_u64());
    match format {
        Some(f) if f == FORMAT_VERSION as u64 => {}
        Some(f) => {
            return Err(NeuralError::Version {
                path,
                found: f as u32,
            })
        }
        None => {
            return Err(NeuralError::Corrupt {
                path,
                message: "unreadable metadata".into(),
            })
        }
    }
    serde_json::from_str(json).map_err(|e| NeuralError::Corrupt {
        path,
        message: format!("metadata: {e}"),
    })
}

/// Loads the network of a model folder onto `device`, checking its metadata, every
/// parameter's shape and the parameters' hash.
pub fn load_model(dir: &Path, device: &Device) -> Result<(NeuralReceiver, ModelMeta), NeuralError> {
    let meta = load_meta(dir)?;
    let path = model_file(dir);
    let corrupt = |message: String| NeuralError::Corrupt {
        path: path.clone(),
        message,
    };
    let s = &meta.shape;
    if s.depth == 0 || s.width == 0 || s.kernel % 2 == 0 || s.dilations.is_empty() {
        return Err(corrupt(format!("impossible network shape {s:?}")));
    }
    let record = ModuleRecord::load(&path).map_err(|e| corrupt(e.to_string()))?;
    let model = s
        .init(device)
        .try_load_record(record)
        .map_err(|e| corrupt(e.to_string()))?;
    let hash = params_hash(&model);
    if hash != meta.params_hash {
        return Err(corrupt(format!(
            "parameters hash {hash}, the metadata says {}",
            meta.params_hash
        )));
    }
    Ok((model, meta))
}

/// How the resource grid of the model's training scenario differs from `o`'s (subcarrier
/// spacing, guard carriers, DC null, symbols, pilot symbols, pilot pattern), or `None` when
/// they agree or the training scenario no longer resolves. The network is convolutional, so
/// it runs on other grids, but its inputs then differ from what it learned (e.g. a DC null it
/// never saw is skipped as if the neighbours were adjacent).
pub fn grid_mismatch(meta: &ModelMeta, o: &sim_core::link::OfdmSpec) -> Option<String> {
    let trained = sim_core::scenario::resolve(&meta.scenario, &meta.scenario_name).ok()?;
    let t = trained.link.ofdm?;
    let mut d = Vec::new();
    let mut differ = |what: &str, a: String, b: String| {
        if a != b {
            d.push(format!("{what} {a} (trained) vs {b}"));
        }
    };
    differ(
        "subcarrier spacing kHz",
        format!("{}", t.subcarrier_spacing_hz / 1e3),
        format!("{}", o.subcarrier_spacing_hz / 1e3),
    );
    differ(
        "guard carriers",
        format!("{:?}", t.guard_carriers),
        format!("{:?}", o.guard_carriers),
    );
    differ("DC null", t.dc_null.to_string(), o.dc_null.to_string());
    differ("symbols", t.symbols.to_string(), o.symbols.to_string());
    differ(
        "pilot symbols",
        format!("{:?}", t.pilot_symbols),
        format!("{:?}", o.pilot_symbols),
    );
    differ("pilots", format!("{:?}", t.dmrs), format!("{:?}", o.dmrs));
    (!d.is_empty()).then(|| d.join(", "))
}
