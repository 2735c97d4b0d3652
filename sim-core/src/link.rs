//! A resolved link: every parameter of the chain fixed, as executors consume it.

use crate::ldpc::{DecoderSettings, TbCodeParams};
use crate::qam::{DemapperKind, Modulation};
use crate::scenario::schema::{ChannelModel, Fading};
use serde::Serialize;

/// Channel coding of the transport block.
#[derive(Debug, Clone, Serialize)]
pub enum Coding {
    Ldpc {
        params: TbCodeParams,
        decoder: DecoderSettings,
    },
    Uncoded,
}

/// The link chain of a scenario, independent of the sweep point.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSpec {
    /// A: payload bits per transport block.
    pub info_bits: usize,
    /// G: coded bits per transport block (= A when uncoded).
    pub coded_bits: usize,
    pub coding: Coding,
    pub modulation: Modulation,
    pub demapper: DemapperKind,
    pub channel: ChannelModel,
    pub fading: Fading,
}

impl LinkSpec {
    /// R = A / G.
    pub fn rate(&self) -> f64 {
        self.info_bits as f64 / self.coded_bits as f64
    }
    /// Modulation symbols per transport block.
    pub fn symbols(&self) -> usize {
        self.coded_bits / self.modulation.bits_per_symbol()
    }
    pub fn code_blocks(&self) -> usize {
        match &self.coding {
            Coding::Ldpc { params, .. } => params.num_code_blocks,
            Coding::Uncoded => 1,
        }
    }
    /// dB to add to Eb/N0 (per information bit) to get Es/N0 (per modulation symbol):
    /// 10·log10(R · Q_m). No pilot or cyclic-prefix overhead exists in this single-carrier
    /// link; OFDM links add theirs.
    pub fn ebno_to_snr_db(&self) -> f64 {
        10.0 * (self.rate() * self.modulation.bits_per_symbol() as f64).log10()
    }
}

/// Which quantity a sweep steps through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SweepVariable {
    EbNoDb,
    SnrDb,
}

impl SweepVariable {
    pub fn column(self) -> &'static str {
        match self {
            SweepVariable::EbNoDb => "ebno_db",
            SweepVariable::SnrDb => "snr_db",
        }
    }
}

/// One sweep point.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PointSpec {
    pub index: u32,
    /// Eb/N0 per information bit, dB.
    pub ebno_db: f64,
    /// Es/N0 per modulation symbol (= SNR with unit-energy symbols), dB.
    pub snr_db: f64,
    /// Complex noise variance N0 for unit symbol energy.
    pub no: f32,
}

impl PointSpec {
    pub fn new(index: u32, ebno_db: f64, snr_db: f64) -> Self {
        PointSpec {
            index,
            ebno_db,
            snr_db,
            no: 10f64.powf(-snr_db / 10.0) as f32,
        }
    }
}
