//! The scenario file schema: plain serde structs, unknown keys rejected, every default here.

use crate::ldpc::DecoderSettings;
use crate::qam::{DemapperKind, Modulation};
use serde::{Deserialize, Serialize};

mod channel;
mod phase_noise;
mod receiver;
pub use channel::{
    ChannelConfig, ChannelModel, Fading, LinkDirection, O2iLoss, PropagationCondition,
};
pub use phase_noise::{PhaseNoiseConfig, PhaseNoiseModel, PoleZeroSetName};
pub use receiver::{
    EqualizerKind, Estimator, Extrapolation, Interpolation, ReceiverConfig, ReceiverKind,
    TrainingConfig, DEFAULT_KBEST_LLR_CLIP, MAX_KBEST_CANDIDATES, MAX_ML_HYPOTHESES,
};

/// A scenario file (`scenarios/*.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Names the output folder `<out>/<name>/`.
    pub name: String,
    /// Free text, shown by `validate` and stored with the results.
    #[serde(default)]
    pub description: String,
    /// Seed of the counter-based RNG; `--seed` overrides it.
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub code: CodeConfig,
    #[serde(default)]
    pub modulation: ModulationConfig,
    #[serde(default)]
    pub channel: ChannelConfig,
    /// An OFDM slot carries the code words (absent: the single-carrier link).
    pub ofdm: Option<OfdmConfig>,
    #[serde(default)]
    pub pilots: PilotsConfig,
    #[serde(default)]
    pub antennas: AntennasConfig,
    #[serde(default)]
    pub receiver: ReceiverConfig,
    /// `ferrolink train`: the neural receiver's shape and its training (OFDM links).
    pub training: Option<TrainingConfig>,
    pub sweep: SweepConfig,
    #[serde(default)]
    pub stop: StopConfig,
    #[serde(default)]
    pub run: RunConfig,
    /// HARQ retransmissions with soft combining (absent: none).
    pub harq: Option<HarqConfig>,
    /// Oscillator phase noise of the time-domain OFDM chain (absent: none).
    pub phase_noise: Option<PhaseNoiseConfig>,
}

/// `[harq]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HarqConfig {
    /// Transmissions of a transport block at most (the first included).
    pub max_transmissions: usize,
    /// Redundancy version of each transmission, cycled (TS 38.214 Table 5.1.2.1-2's 0, 2, 3,
    /// 1 by default; repeat one RV for chase combining).
    pub rv_sequence: Vec<usize>,
}

impl Default for HarqConfig {
    fn default() -> Self {
        HarqConfig {
            max_transmissions: 4,
            rv_sequence: vec![0, 2, 3, 1],
        }
    }
}

fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CodeKind {
    /// 5G NR LDPC with CRC, segmentation and rate matching (TS 38.212).
    Ldpc,
    /// Uncoded: the payload bits are mapped directly.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CrcChoice {
    /// TS 38.212 §7.2.1: CRC24A above 3824 payload bits, CRC16 otherwise.
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "24a")]
    Crc24A,
    #[serde(rename = "24b")]
    Crc24B,
    #[serde(rename = "16")]
    Crc16,
    #[serde(rename = "none")]
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BaseGraphChoice {
    /// TS 38.212 §7.2.2 from the payload size and the rate.
    Auto,
    Bg1,
    Bg2,
}

/// `[code]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CodeConfig {
    pub kind: CodeKind,
    /// A: payload bits per transport block, before CRC.
    pub info_bits: usize,
    /// Transport-block CRC.
    pub crc: CrcChoice,
    /// Target code rate R = A / G (payload over transmitted coded bits).
    /// G = Q_m · round(A / (R · Q_m)). Give `rate` or `coded_bits`, not both.
    pub rate: Option<f64>,
    /// G: coded bits per transport block after rate matching (a multiple of Q_m).
    pub coded_bits: Option<usize>,
    pub base_graph: BaseGraphChoice,
    /// Redundancy version 0..3 (TS 38.212 Table 5.4.2.1-2).
    pub redundancy_version: usize,
    pub decoder: DecoderSettings,
    /// TS 38.214 MCS index: sets the modulation and target code rate from `mcs_table`, the
    /// payload from the TBS of the OFDM slot (§5.1.3.2) and G from its data resource elements.
    pub mcs: Option<usize>,
    pub mcs_table: crate::mcs::McsTable,
    /// N_oh^PRB of the TBS (xOverhead: 0, 6, 12 or 18 resource elements per PRB).
    pub overhead_per_prb: usize,
    /// Limited-buffer rate matching (TS 38.212 §5.4.2.1, I_LBRM = 1) with N_ref from
    /// TBS_LBRM (needs `mcs`).
    pub lbrm: bool,
    /// Limited-buffer rate matching with this N_ref (bits; MATLAB's LimitedBufferSize).
    pub n_ref: Option<usize>,
    /// tp-pi2BPSK (TS 38.214 §6.1.4.1): the q rows of Tables 6.1.4.1-1/-2 are π/2-BPSK
    /// (q = 1) instead of QPSK at half the rate (needs `mcs` and transform precoding).
    pub tp_pi2bpsk: bool,
    /// TB scaling S of TS 38.214 Table 5.1.3.2-2 in the TBS (1, 0.5 or 0.25; needs `mcs`).
    pub tb_scaling: f64,
}

impl Default for CodeConfig {
    fn default() -> Self {
        CodeConfig {
            kind: CodeKind::Ldpc,
            info_bits: 1024,
            crc: CrcChoice::Auto,
            rate: None,
            coded_bits: None,
            base_graph: BaseGraphChoice::Auto,
            redundancy_version: 0,
            decoder: DecoderSettings::default(),
            mcs: None,
            mcs_table: crate::mcs::McsTable::default(),
            overhead_per_prb: 0,
            lbrm: false,
            n_ref: None,
            tp_pi2bpsk: false,
            tb_scaling: 1.0,
        }
    }
}

/// Default target rate when neither `rate` nor `coded_bits` is given.
pub const DEFAULT_RATE: f64 = 0.5;

/// `[modulation]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModulationConfig {
    pub scheme: Modulation,
    pub demapper: DemapperKind,
}

impl Default for ModulationConfig {
    fn default() -> Self {
        ModulationConfig {
            scheme: Modulation::Qpsk,
            demapper: DemapperKind::App,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CyclicPrefix {
    /// TS 38.211 §5.3.1 normal CP: 144/2048 of the useful symbol (the longer first symbol
    /// of each half subframe is not modelled).
    Normal,
    /// Extended CP, 512/2048 (60 kHz only, 12 symbols per slot).
    Extended,
    /// No CP (frequency-domain simulation only).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SimulationDomain {
    /// Channel frequency response per resource element, constant within each OFDM symbol.
    Frequency,
    /// IFFT, CP, time-varying multipath, FFT (channels/src/ofdm_waveform.rs).
    Time,
}

/// `[ofdm]`: the resource grid of one slot (TS 38.211 §4.2, §5.3).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OfdmConfig {
    pub carrier_ghz: f64,
    /// 15 · 2^μ kHz, μ = 0 … 6.
    pub subcarrier_spacing_khz: f64,
    /// Occupied subcarriers (pilots and data; guard carriers and the DC null come on top);
    /// or give `prbs` (12 subcarriers each).
    pub num_subcarriers: Option<usize>,
    pub prbs: Option<usize>,
    /// Empty subcarriers `[below, above]` the occupied band (Sionna's `num_guard_carriers`).
    pub guard_carriers: [usize; 2],
    /// An empty subcarrier at DC, inside the occupied band (Sionna's `dc_null`).
    pub dc_null: bool,
    /// DFT-s-OFDM: transform precoding of TS 38.211 §6.3.1.4 on the data symbols (PUSCH).
    pub transform_precoding: bool,
    pub symbols: usize,
    pub cyclic_prefix: CyclicPrefix,
    pub domain: SimulationDomain,
    /// Time domain: FFT size (default the next power of two ≥ the subcarriers, at least 128).
    pub fft_size: Option<usize>,
}

impl Default for OfdmConfig {
    fn default() -> Self {
        OfdmConfig {
            carrier_ghz: 3.5,
            subcarrier_spacing_khz: 30.0,
            num_subcarriers: None,
            prbs: None,
            guard_carriers: [0, 0],
            dc_null: false,
            transform_precoding: false,
            symbols: 14,
            cyclic_prefix: CyclicPrefix::Normal,
            domain: SimulationDomain::Frequency,
            fft_size: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PilotPattern {
    /// Known QPSK pilots on every subcarrier of the listed OFDM symbols.
    Kronecker,
    /// NR PDSCH DMRS (TS 38.211 §7.4.1.1), mapping type A, single-symbol, one CDM group per
    /// layer (ports 1000, 1002, 1004: no code-division multiplexing), no data on DMRS symbols.
    Dmrs,
}

/// `[pilots]` (OFDM links).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PilotsConfig {
    pub pattern: PilotPattern,
    /// Kronecker: OFDM symbols (0-based) that carry pilots (default [2, 11]).
    pub symbols: Option<Vec<usize>>,
    /// DMRS configuration type 1 (comb 2) or 2 (pairs of adjacent subcarriers, 3 groups).
    pub dmrs_type: u8,
    /// DMRS: dmrs-AdditionalPosition 0 … 3 (Table 7.4.1.1.2-3).
    pub additional_positions: usize,
    /// DMRS: first DMRS symbol l₀ = dmrs-TypeA-Position, 2 or 3.
    pub type_a_position: usize,
    /// DMRS: scrambling identity N_ID (0 … 65535).
    pub n_id: u32,
    /// PT-RS (TS 38.211 §7.4.1.2) on the data symbols, with DMRS; the receiver estimates each
    /// PT-RS symbol's common phase error from them and removes it.
    pub ptrs: bool,
    /// PT-RS time density L_PT-RS: 1, 2 or 4 (default 1).
    pub ptrs_time_density: Option<usize>,
    /// PT-RS frequency density K_PT-RS: 2 or 4 PRBs (default 2).
    pub ptrs_frequency_density: Option<usize>,
    /// PT-RS resourceElementOffset '00', '01', '10', '11' as 0 … 3 (default 0).
    pub ptrs_re_offset: Option<usize>,
}

impl Default for PilotsConfig {
    fn default() -> Self {
        PilotsConfig {
            pattern: PilotPattern::Kronecker,
            symbols: None,
            dmrs_type: 1,
            additional_positions: 1,
            type_a_position: 2,
            n_id: 0,
            ptrs: false,
            ptrs_time_density: None,
            ptrs_frequency_density: None,
            ptrs_re_offset: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AntennaPattern {
    #[serde(rename = "omni")]
    Omni,
    /// TR 38.901 Table 7.3-1.
    #[serde(rename = "38.901")]
    Tr38901,
}

/// How the layers reach the transmit antenna ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PrecodingChoice {
    /// Layer t is sent from port t (tx = layers).
    #[serde(rename = "none")]
    None,
    /// TS 38.211 §6.3.1.5 codebook precoding (PUSCH, CP-OFDM): W of `tpmi`, 2 or 4 ports.
    #[serde(rename = "codebook")]
    Codebook,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolarizationChoice {
    /// One vertically polarized port per element.
    #[serde(rename = "V")]
    V,
    /// Two co-located ports per element, vertical and horizontal.
    #[serde(rename = "VH")]
    Vh,
    /// Two co-located ports per element, slanted ±45°.
    #[serde(rename = "cross")]
    Cross,
}

/// `[antennas]` (OFDM links).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AntennasConfig {
    pub tx: usize,
    pub rx: usize,
    pub layers: usize,
    /// CDL: element pattern of both arrays (vertically polarized).
    pub pattern: AntennaPattern,
    /// CDL: element spacing of the arrays (both ways for panels), wavelengths.
    pub spacing: f64,
    /// CDL: rows of the transmit / receive panel (TR 38.901 §7.3: a uniform planar array of
    /// rows × columns elements in the y-z plane); 1: a linear array along y.
    pub tx_rows: usize,
    pub rx_rows: usize,
    /// CDL: polarization of the transmit and receive arrays; dual ("VH", "cross") gives two
    /// ports per element, so that side's `tx` / `rx` counts ports and must be even.
    pub tx_polarization: PolarizationChoice,
    pub rx_polarization: PolarizationChoice,
    /// "none" (tx = layers) or "codebook" (tx = 2 or 4 ports, W of `tpmi`).
    pub precoding: PrecodingChoice,
    /// Codebook precoding: the transmitted precoding matrix indicator (TPMI).
    pub tpmi: Option<usize>,
    /// TDL: spatial correlation coefficient of the transmit / receive antennas (α / β of
    /// TS 38.101-4: antennas i, j correlate as x^(((i − j)/(N − 1))²)); 0: i.i.d.
    pub tx_correlation: Option<f64>,
    pub rx_correlation: Option<f64>,
}

impl Default for AntennasConfig {
    fn default() -> Self {
        AntennasConfig {
            tx: 1,
            rx: 1,
            layers: 1,
            pattern: AntennaPattern::Omni,
            spacing: 0.5,
            tx_rows: 1,
            rx_rows: 1,
            tx_polarization: PolarizationChoice::V,
            rx_polarization: PolarizationChoice::V,
            precoding: PrecodingChoice::None,
            tpmi: None,
            tx_correlation: None,
            rx_correlation: None,
        }
    }
}

/// Swept values: `{ start, stop, step }` (stop included) or an explicit list.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SweepValues {
    Range { start: f64, stop: f64, step: f64 },
    List(Vec<f64>),
}

/// `[sweep]`: exactly one of `ebno_db` (Eb/N0 per information bit) or `snr_db` (Es/N0 per
/// modulation symbol).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepConfig {
    pub ebno_db: Option<SweepValues>,
    pub snr_db: Option<SweepValues>,
    /// One sweep per MCS index (instead of `[code] mcs`): `ferrolink run` runs each as its own
    /// scenario `<name>-mcs<I>` and joins their tables and throughput curves.
    pub mcs: Option<Vec<usize>>,
    /// One sweep per value of a `[channel]` key (instead of the key there), each run as
    /// `<name>-<key><value>` and joined like `mcs` (see `outer_sweep`); one list per file.
    pub speed_kmh: Option<Vec<f64>>,
    pub delay_spread_ns: Option<Vec<f64>>,
    pub k_factor_db: Option<Vec<f64>>,
    pub doppler_shift_hz: Option<Vec<f64>>,
    pub distance_m: Option<Vec<f64>>,
    pub profile: Option<Vec<String>>,
    /// The transmit power (dBm over the occupied subcarriers) instead of `snr_db`: with
    /// `[channel] pathloss = true` and `[receiver] noise_figure_db` (a link budget).
    pub tx_power_dbm: Option<SweepValues>,
}

/// `[stop]`: when a point, and the sweep, end.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StopConfig {
    /// A point ends once this many transport blocks were in error...
    pub min_block_errors: u64,
    /// ...or after this many blocks.
    pub max_blocks: u64,
    /// The sweep ends after the first point whose BLER is below this (0: never).
    pub min_bler: f64,
}

impl Default for StopConfig {
    fn default() -> Self {
        StopConfig {
            min_block_errors: 100,
            max_blocks: 1_000_000,
            min_bler: 0.0,
        }
    }
}

/// `[run]`: execution settings that do not change the results.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Largest batch of transport blocks per executor call (default: chosen by the executor).
    pub batch_blocks: Option<usize>,
}

/// `--quick` caps: a smoke run of every point.
pub const QUICK_MAX_BLOCKS: u64 = 1000;
pub const QUICK_MIN_BLOCK_ERRORS: u64 = 20;
