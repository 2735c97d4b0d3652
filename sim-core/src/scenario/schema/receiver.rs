//! `[receiver]` and `[training]` of the scenario schema: the estimator, equalizer and
//! detector choices, and the neural receiver's shape and fitting.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Estimator {
    /// The true channel.
    Perfect,
    /// Least squares at the pilots, then interpolation.
    Ls,
    /// LS at the pilots, then LMMSE in frequency with the model's frequency correlation,
    /// then interpolation in time.
    Lmmse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Interpolation {
    /// Each data symbol takes the estimate of the nearest pilot symbol.
    Nearest,
    /// Linear in time between pilot symbols; beyond the first and last as `extrapolation`
    /// says.
    Linear,
}

/// How linear interpolation continues beyond the outer pilots (in time, and in frequency
/// beyond the outer pilot subcarriers of a comb).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Extrapolation {
    /// The outer pilot's estimate is held (less noise; lags a changing channel).
    Hold,
    /// The line through the two outer pilots is continued, as Sionna's `LinearInterpolator`
    /// does (tracks a linear drift; amplifies the noise beyond the pilots).
    Linear,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EqualizerKind {
    Zf,
    Lmmse,
    /// Maximum-likelihood detection with soft outputs over all M^L joint hypotheses
    /// (`receivers::ml_detection`; at most [`MAX_ML_HYPOTHESES`]).
    Ml,
    /// K-best tree search with soft outputs from the surviving list (`kbest_paths`,
    /// `kbest_llr_clip`; `receivers::kbest_detection`), as Sionna's `KBestDetector`.
    #[serde(rename = "kbest")]
    KBest,
}

/// The most joint hypotheses M^L `equalizer = "ml"` may list per resource element.
pub const MAX_ML_HYPOTHESES: usize = 65_536;

/// The most candidates K·M `equalizer = "kbest"` may rank at one layer.
pub const MAX_KBEST_CANDIDATES: usize = 65_536;

/// `kbest_llr_clip` when not given (Sionna's `List2LLRSimple` default).
pub const DEFAULT_KBEST_LLR_CLIP: f64 = 20.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReceiverKind {
    /// Channel estimation, equalization and demapping (`estimator`, `interpolation`,
    /// `equalizer`).
    Classical,
    /// A trained neural receiver (`weights`) maps the received grid to LLRs.
    Neural,
}

/// `[receiver]` (OFDM links).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReceiverConfig {
    pub kind: ReceiverKind,
    pub estimator: Estimator,
    pub interpolation: Interpolation,
    pub extrapolation: Extrapolation,
    pub equalizer: EqualizerKind,
    /// `equalizer = "kbest"`: the paths K kept at every layer of the tree (1 ..= M^L).
    pub kbest_paths: Option<usize>,
    /// `equalizer = "kbest"`: the magnitude of every LLR is clipped to this, and a bit whose
    /// counter-hypothesis left the list gets it (Sionna's `llr_clip_val`, 20).
    pub kbest_llr_clip: Option<f64>,
    /// `kind = "neural"`: the model folder written by `ferrolink train` (relative paths from
    /// the working directory).
    pub weights: Option<String>,
    /// The receiver's noise figure, dB: with `[sweep] tx_power_dbm`, the noise power is
    /// −174 dBm/Hz + 10·log10(occupied bandwidth) + this.
    pub noise_figure_db: Option<f64>,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            kind: ReceiverKind::Classical,
            estimator: Estimator::Perfect,
            interpolation: Interpolation::Linear,
            extrapolation: Extrapolation::Hold,
            equalizer: EqualizerKind::Lmmse,
            kbest_paths: None,
            kbest_llr_clip: None,
            weights: None,
            noise_figure_db: None,
        }
    }
}

/// `[training]`: the neural receiver's shape and how `ferrolink train` fits it. Every slot of
/// a mini-batch draws its Eb/N0 (and, where ranges are given, its speed and delay spread, and
/// its profile) uniformly.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingConfig {
    /// Residual blocks (two convolutions each).
    pub depth: usize,
    /// Feature channels of every hidden layer.
    pub width: usize,
    /// Odd kernel size, the same in time and frequency.
    pub kernel: usize,
    /// Frequency dilation of each residual block, cycled when shorter than `depth`.
    pub dilations: Vec<usize>,
    pub steps: usize,
    /// Slots per mini-batch.
    pub batch: usize,
    /// Adam's peak learning rate: linear warm-up, then cosine decay to `final_learning_rate`.
    pub learning_rate: f64,
    pub final_learning_rate: f64,
    pub warmup_steps: usize,
    /// Eb/N0 range of the training slots, dB (default: the sweep's range).
    pub ebno_db: Option<[f64; 2]>,
    /// Ranges of speed (km/h) and delay spread (ns); default: the scenario's values.
    pub speed_kmh: Option<[f64; 2]>,
    pub delay_spread_ns: Option<[f64; 2]>,
    /// TDL/CDL profiles to draw from (default: the scenario's).
    pub profiles: Option<Vec<String>>,
    /// Validation BLER every this many steps, on `validation_blocks` slots at
    /// `validation_ebno_db` (default: the middle of the training range).
    pub validation_every: usize,
    pub validation_blocks: usize,
    pub validation_ebno_db: Option<f64>,
    /// A resumable checkpoint every this many steps.
    pub checkpoint_every: usize,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        TrainingConfig {
            depth: 4,
            width: 32,
            kernel: 3,
            dilations: vec![1, 2, 4, 8],
            steps: 3000,
            batch: 16,
            learning_rate: 2e-3,
            final_learning_rate: 1e-4,
            warmup_steps: 100,
            ebno_db: None,
            speed_kmh: None,
            delay_spread_ns: None,
            profiles: None,
            validation_every: 250,
            validation_blocks: 200,
            validation_ebno_db: None,
            checkpoint_every: 250,
        }
    }
}
