//! `[channel]` of the scenario schema: the channel model and its keys (fading profiles,
//! mobility, the TR 38.901 scenario models' geometry and path loss).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChannelModel {
    Awgn,
    /// Flat Rayleigh fading, perfect CSI at the receiver.
    Rayleigh,
    /// TR 38.901 §7.7.2 tapped delay line (OFDM links).
    Tdl,
    /// TR 38.901 §7.7.1 clustered delay line (OFDM links).
    Cdl,
    /// TR 38.901 §7.5 stochastic model, urban macro (OFDM links; a new drop per slot).
    Uma,
    /// TR 38.901 §7.5 stochastic model, urban micro street canyon.
    Umi,
    /// TR 38.901 §7.5 stochastic model, rural macro.
    Rma,
    /// TR 38.901 §7.5 stochastic model, indoor hotspot (office).
    Inh,
}

impl ChannelModel {
    /// A TR 38.901 §7.5 scenario model (UMa, UMi, RMa, InH).
    pub fn is_stochastic(self) -> bool {
        matches!(self, Self::Uma | Self::Umi | Self::Rma | Self::Inh)
    }

    /// Between antenna arrays with angles (CDL or a scenario model): patterns, panels,
    /// polarization and direction apply.
    pub fn has_arrays(self) -> bool {
        self == Self::Cdl || self.is_stochastic()
    }

    /// A frequency-selective fading model of the OFDM link.
    pub fn is_ofdm_fading(self) -> bool {
        self == Self::Tdl || self.has_arrays()
    }
}

/// Propagation condition of a TR 38.901 scenario link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropagationCondition {
    Los,
    Nlos,
    /// Outdoor BS, indoor UE (UMa, UMi, RMa).
    O2i,
    /// LOS or NLOS drawn per slot with the LOS probability of TR 38.901 Table 7.4.2-1 at
    /// the distance and UE height (outdoor UE; InH: mixed office).
    LosProbability,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fading {
    /// A new coefficient for every symbol (ideal interleaving).
    Fast,
    /// One coefficient for the whole transport block.
    Block,
}

/// `[channel]`
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelConfig {
    pub model: ChannelModel,
    /// Rayleigh only; default "fast".
    pub fading: Option<Fading>,
    /// TDL/CDL profile "A" … "E" (default "A").
    pub profile: Option<String>,
    /// RMS delay spread the TDL table is scaled to, ns (TR 38.901 §7.7.3; default 100).
    pub delay_spread_ns: Option<f64>,
    /// UE speed, km/h: the maximum Doppler shift is v·f_c/c (default 0).
    pub speed_kmh: Option<f64>,
    /// TDL/CDL profiles "D" and "E": the desired K-factor, dB (TR 38.901 §7.7.6; default:
    /// the table's).
    pub k_factor_db: Option<f64>,
    /// TDL/CDL/scenario models: a frequency shift common to every tap or ray, Hz (a
    /// satellite's residual Doppler shift after pre-compensation, TR 38.811 §6.9.2, or a
    /// carrier frequency offset; default 0).
    pub doppler_shift_hz: Option<f64>,
    /// CDL: "downlink" (BS transmits; default) or "uplink" (UE transmits).
    pub direction: Option<LinkDirection>,
    /// CDL angle scaling (TR 38.901 §7.7.5.1): desired RMS angle spreads [ASD, ASA, ZSD,
    /// ZSA] and mean angles [AOD, AOA, ZOD, ZOA], degrees.
    pub angle_spreads_deg: Option<[f64; 4]>,
    pub mean_angles_deg: Option<[f64; 4]>,
    /// TDL/CDL in the frequency domain: scale each slot's channel to unit mean energy per
    /// resource element over all antenna pairs (Sionna's `normalize_channel = True`).
    pub normalize: Option<bool>,
    /// TR 38.901 scenario models ("uma", "umi", "rma", "inh"): "los", "nlos", "o2i" or
    /// "los-probability" (required).
    pub condition: Option<PropagationCondition>,
    /// Scenario models: BS–UE ground distance d_2D, m (default UMa 200, UMi 100, RMa 500,
    /// InH 20).
    pub distance_m: Option<f64>,
    /// Scenario models: BS and UE antenna heights, m (defaults: BS UMa 25, UMi 10, RMa 35,
    /// InH 3; UE 1.5, InH 1).
    pub bs_height_m: Option<f64>,
    pub ue_height_m: Option<f64>,
    /// Scenario models: the UE's azimuth from the BS array's boresight, degrees (default 0).
    pub ue_azimuth_deg: Option<f64>,
    /// Scenario models: each slot's channel carries the TR 38.901 §7.4.1 path loss and the
    /// drop's shadow fading (and O2I penetration), relative to the link's reference loss
    /// (the `snr_db` axis is the SNR at that loss; see `tx_power_dbm`).
    pub pathloss: Option<bool>,
    /// `condition = "o2i"` with `pathloss`: the building penetration model of TR 38.901
    /// Table 7.4.3-2, "low" (default) or "high".
    pub o2i_loss: Option<O2iLoss>,
}

/// TR 38.901 Table 7.4.3-2 O2I building penetration: low-loss (standard glass, concrete) or
/// high-loss (IRR glass, concrete) walls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum O2iLoss {
    Low,
    High,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LinkDirection {
    Downlink,
    Uplink,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig {
            model: ChannelModel::Awgn,
            fading: None,
            profile: None,
            delay_spread_ns: None,
            speed_kmh: None,
            k_factor_db: None,
            doppler_shift_hz: None,
            direction: None,
            angle_spreads_deg: None,
            mean_angles_deg: None,
            normalize: None,
            condition: None,
            distance_m: None,
            bs_height_m: None,
            ue_height_m: None,
            ue_azimuth_deg: None,
            pathloss: None,
            o2i_loss: None,
        }
    }
}
