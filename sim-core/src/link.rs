//! A resolved link: every parameter of the chain fixed, as executors consume it.

use crate::ldpc::{DecoderSettings, TbCodeParams, TransportCodec};
use crate::qam::{DemapperKind, Modulation};
use crate::scenario::schema::{
    AntennaPattern, ChannelModel, EqualizerKind, Estimator, Extrapolation, Fading, Interpolation,
    PolarizationChoice,
};
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
    /// The OFDM slot that carries the code words; `None` for the single-carrier link.
    pub ofdm: Option<OfdmSpec>,
    /// HARQ with soft combining (`[harq]`); `None`: one transmission per transport block.
    pub harq: Option<HarqSpec>,
}

/// HARQ as resolved: up to `max_transmissions` transmissions of a transport block, the
/// redundancy version of transmission t being `rv_sequence[t mod len]`; each one over a new
/// channel and noise realization, the receiver adding its LLRs into the code blocks' circular
/// buffers (incremental redundancy; chase combining when the RVs repeat) and stopping at the
/// first CRC pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HarqSpec {
    pub max_transmissions: usize,
    pub rv_sequence: Vec<usize>,
}

/// NR PDSCH DMRS as resolved (TS 38.211 §7.4.1.1.2): layer t uses port 1000 + t when there
/// are more layers than CDM groups (two ports per group, told apart by the frequency cover
/// w_f = ±1), else one CDM group per layer (ports 1000, 1002, 1004).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DmrsSpec {
    pub config_type: u8,
    pub n_id: u32,
}

/// Time-domain OFDM: FFT size N and CP length in samples (round(CP fraction · N)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeDomain {
    pub fft_size: usize,
    pub cp_len: usize,
}

/// Oscillator phase noise as resolved (`[phase_noise]`): the received samples of a slot are
/// rotated by e^{jφ(n)}, φ(0) = 0 (channels/src/phase_noise.rs, phase_noise_tones.rs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PhaseNoiseSpec {
    /// A Wiener walk: φ(n) = φ(n − 1) + √(2π·β·T_s)·w_{n−1}, w i.i.d. N(0, 1), β the 3-dB
    /// linewidth (Hz) of its Lorentzian spectrum.
    Wiener { linewidth_hz: f64 },
    /// A stationary Gaussian phase with a multi-pole/zero spectrum (TR 38.803 §6.1.10).
    PoleZero(crate::phase_noise_spectrum::PoleZeroSpectrum),
}

impl PhaseNoiseSpec {
    /// Wiener: standard deviation (rad) of the phase increment over one sample of
    /// `sample_period_s`; 0 for the pole-zero model.
    pub fn increment_std(&self, sample_period_s: f64) -> f64 {
        match self {
            Self::Wiener { linewidth_hz } => {
                (std::f64::consts::TAU * linewidth_hz * sample_period_s).sqrt()
            }
            Self::PoleZero(_) => 0.0,
        }
    }
}

/// PT-RS as resolved (`[pilots] ptrs = true`, TS 38.211 §7.4.1.2; positions and values in
/// `sim_core::ptrs`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PtrsSpec {
    /// L_PT-RS (1, 2, 4) and K_PT-RS (2, 4 PRBs).
    pub time_density: usize,
    pub frequency_density: usize,
    /// OFDM symbols carrying PT-RS, ascending (never a DMRS symbol).
    pub symbols: Vec<usize>,
    /// Subcarriers carrying PT-RS on those symbols, ascending.
    pub subcarriers: Vec<usize>,
    /// β_PT-RS = √layers (TS 38.214 Table 4.1-2, epre-Ratio 0): the PT-RS resource element
    /// carries the energy of a data resource element of all layers.
    pub amplitude: f32,
}

/// Where the occupied subcarriers sit in frequency. The grid of W = g₀ + K + dc + g₁
/// subcarriers has its DC at grid index ⌊W/2⌋ (Sionna's convention); grid index i is at
/// baseband frequency (i − ⌊W/2⌋)·Δf. The first g₀ and the last g₁ are guard carriers; with a
/// DC null, grid index ⌊W/2⌋ is empty too and the occupied subcarriers skip it. Without
/// guards or DC null, occupied subcarrier k is at (k − ⌊K/2⌋)·Δf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubcarrierLayout {
    /// Baseband offset (in subcarriers) of occupied subcarrier 0: g₀ − ⌊W/2⌋.
    pub first: i64,
    /// Occupied subcarriers k ≥ `dc_from` sit one further up (past the DC null); K without one.
    pub dc_from: usize,
    pub subcarriers: usize,
}

/// Width W of a resource grid of `subcarriers` occupied ones, `guard` carriers [below, above]
/// and an optional DC null (Sionna's `fft_size`).
/// Whether M subcarriers can be transform precoded (DFT-s-OFDM): M = 12 · n_PRB with n_PRB =
/// 2^a · 3^b · 5^c (TS 38.211 §6.3.1.4, TS 38.214 §6.1.2.2).
pub fn dft_s_ofdm_width(m: usize) -> bool {
    if m == 0 || !m.is_multiple_of(12) {
        return false;
    }
    let mut n = m / 12;
    for p in [2, 3, 5] {
        while n.is_multiple_of(p) {
            n /= p;
        }
    }
    n == 1
}

pub fn grid_width(subcarriers: usize, guard: [usize; 2], dc_null: bool) -> usize {
    guard[0] + subcarriers + usize::from(dc_null) + guard[1]
}

impl SubcarrierLayout {
    pub fn new(subcarriers: usize, guard: [usize; 2], dc_null: bool) -> Self {
        let dc = grid_width(subcarriers, guard, dc_null) / 2;
        SubcarrierLayout {
            first: guard[0] as i64 - dc as i64,
            // The DC null lies within the occupied band (checked when the scenario resolves).
            dc_from: if dc_null {
                dc.saturating_sub(guard[0]).min(subcarriers)
            } else {
                subcarriers
            },
            subcarriers,
        }
    }
    /// Baseband offset of occupied subcarrier `k` in subcarrier spacings.
    pub fn offset(&self, k: usize) -> i64 {
        self.first + k as i64 + i64::from(k >= self.dc_from)
    }
    /// Offsets of all occupied subcarriers, ascending.
    pub fn offsets(&self) -> Vec<i64> {
        (0..self.subcarriers).map(|k| self.offset(k)).collect()
    }
}

/// A TR 38.901 TDL or CDL channel as resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TdlSpec {
    /// TDL: "A" … "E" (TR 38.901) or "NTN-TDL-A" … "NTN-TDL-D" (TR 38.811); CDL: "A" … "E".
    pub profile: String,
    pub delay_spread_s: f64,
    /// CDL angle scaling (§7.7.5.1): desired spreads and means [AOD/ASD, AOA/ASA, ZOD/ZSD,
    /// ZOA/ZSA], degrees; `None` keeps the table's.
    pub angle_spreads_deg: Option<[f64; 4]>,
    pub mean_angles_deg: Option<[f64; 4]>,
    pub doppler_hz: f64,
    /// K-factor scaling of the LOS profiles D and E (§7.7.6: LOS power over all other
    /// paths), dB; `None` keeps the table's (D 8.98 dB, E 9.27 dB, TDL and CDL alike).
    pub k_factor_db: Option<f64>,
    /// A frequency shift common to every tap or ray, Hz (`doppler_shift_hz`: a satellite's
    /// Doppler left after pre-compensation, or a carrier frequency offset); 0: none.
    pub doppler_shift_hz: f64,
}

/// A TR 38.901 §7.5 scenario link as resolved (`channels::stochastic` draws its drops).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StochasticSpec {
    /// `Uma`, `Umi`, `Rma` or `Inh`.
    pub scenario: crate::scenario::schema::ChannelModel,
    pub condition: crate::scenario::schema::PropagationCondition,
    pub distance_2d_m: f64,
    pub bs_height_m: f64,
    pub ue_height_m: f64,
    pub ue_azimuth_deg: f64,
    pub doppler_hz: f64,
    /// A frequency shift common to every ray, Hz (`doppler_shift_hz`); 0: none.
    pub doppler_shift_hz: f64,
    /// `[channel] pathloss = true`: each drop's large-scale loss (TR 38.901 §7.4).
    pub pathloss: Option<PathLossSpec>,
}

impl StochasticSpec {
    /// The TR 38.901 site of the scenario model.
    pub fn site(&self) -> crate::pathloss::Site {
        use crate::pathloss::Site;
        use crate::scenario::schema::ChannelModel;
        match self.scenario {
            ChannelModel::Uma => Site::Uma,
            ChannelModel::Umi => Site::Umi,
            ChannelModel::Rma => Site::Rma,
            _ => Site::Inh,
        }
    }

    /// Where the UE is relative to the BS.
    pub fn geometry(&self) -> crate::pathloss::Geometry {
        crate::pathloss::Geometry {
            distance_2d_m: self.distance_2d_m,
            bs_height_m: self.bs_height_m,
            ue_height_m: self.ue_height_m,
        }
    }
}

/// The large-scale loss of a scenario link's drops: each drop's channel power is
/// 10^(−(loss − `reference_db`)/10) (`sim_core::pathloss::reference_db`: the loss without
/// shadowing), so the point's SNR is the SNR at the reference loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PathLossSpec {
    pub reference_db: f64,
    /// The O2I penetration model (`condition = "o2i"` only).
    pub o2i_loss: crate::scenario::schema::O2iLoss,
    /// With `[receiver] noise_figure_db`: the noise power over the occupied subcarriers, dBm
    /// (transmit power = SNR + `reference_db` + this).
    pub noise_dbm: Option<f64>,
}

/// An OFDM link: one engine block is one slot carrying `codewords` code words of the
/// `[code]` shape (each with its own CRC and LDPC code blocks).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfdmSpec {
    pub carrier_hz: f64,
    pub subcarrier_spacing_hz: f64,
    /// Occupied subcarriers (pilots and data), indexed k = 0 … K−1 everywhere in the chain.
    pub subcarriers: usize,
    /// Empty subcarriers below and above the occupied band.
    pub guard_carriers: [usize; 2],
    /// An empty subcarrier at DC inside the occupied band.
    pub dc_null: bool,
    /// DFT-s-OFDM (TS 38.211 §6.3.1.4): each data symbol's modulation symbols spread by the
    /// unitary DFT over all occupied subcarriers (one layer; the slot's data REs all carry
    /// the code word).
    pub transform_precoding: bool,
    pub symbols: usize,
    /// CP length over the useful symbol length (every symbol's, as the time-domain chain
    /// builds them: 144/2048 for the normal CP).
    pub cp_fraction: f64,
    /// CP time over useful time averaged over a half subframe, as TS 38.211 §5.3.1 spaces
    /// the symbols: the normal CP's first symbol of each 0.5 ms has 16κ more, so
    /// (144 + 16/7)/2048 = 1/14 and 14 symbols last exactly 1 ms/2^μ; otherwise
    /// `cp_fraction`. Slot duration and the CP's share of the energy use this one.
    pub mean_cp_fraction: f64,
    /// Time-domain simulation (IFFT, CP, time-varying channel, FFT); `None`: per resource
    /// element in frequency.
    pub time_domain: Option<TimeDomain>,
    /// Oscillator phase noise (time domain only); `None`: an ideal oscillator.
    pub phase_noise: Option<PhaseNoiseSpec>,
    /// OFDM symbols carrying pilots, ascending (no data on them).
    pub pilot_symbols: Vec<usize>,
    /// NR DMRS on the pilot symbols; `None`: Kronecker pilots.
    pub dmrs: Option<DmrsSpec>,
    /// PT-RS on data symbols (with DMRS); `None`: none.
    pub ptrs: Option<PtrsSpec>,
    pub rx_antennas: usize,
    /// Spatial layers (streams).
    pub layers: usize,
    /// Transmit antenna ports: `layers` without precoding (layer t from port t).
    pub tx_ports: usize,
    /// Codebook precoding (TS 38.211 §6.3.1.5): the layers reach the ports through W; the
    /// chain draws the channel of every (rx, port) pair and folds W into it, so estimation
    /// and detection see the effective (rx, layer) channel H·W, as with precoded pilots.
    pub precoder: Option<crate::precoding::Precoder>,
    /// TDL spatial correlation (tx α, rx β): the drawn (rx, port) links are mixed by
    /// R^{1/2} before precoding; `None`: i.i.d. links.
    pub correlation: Option<[f64; 2]>,
    /// TDL (i.i.d. per receive antenna); with `cdl` `None` too: AWGN (H = 1).
    pub tdl: Option<TdlSpec>,
    /// CDL between linear arrays of `antenna_pattern` elements `antenna_spacing` apart.
    pub cdl: Option<TdlSpec>,
    /// A TR 38.901 scenario model (UMa, UMi, RMa, InH) between the same arrays as CDL: a new
    /// drop of large-scale parameters and clusters every slot.
    pub stochastic: Option<StochasticSpec>,
    pub antenna_pattern: AntennaPattern,
    pub antenna_spacing: f64,
    /// CDL: panel rows of the transmit and receive arrays (1: linear).
    pub tx_rows: usize,
    pub rx_rows: usize,
    pub tx_polarization: PolarizationChoice,
    pub rx_polarization: PolarizationChoice,
    /// CDL: the UE transmits (the BS receives with the `rx` antennas).
    pub uplink: bool,
    /// Each slot's channel scaled to unit mean energy per RE over all antenna pairs.
    pub normalize: bool,
    pub estimator: Estimator,
    pub interpolation: Interpolation,
    pub extrapolation: Extrapolation,
    pub equalizer: EqualizerKind,
    /// `equalizer = "kbest"`: paths kept per layer (K) and the LLR clip (0 otherwise).
    pub kbest_paths: usize,
    pub kbest_llr_clip: f32,
    /// A neural receiver's model folder (`[receiver] kind = "neural"`); it replaces
    /// estimation, equalization and demapping.
    pub neural_weights: Option<String>,
    /// Code words per slot: as many as the data resource elements hold.
    pub codewords: usize,
}

impl OfdmSpec {
    /// Width of the resource grid: occupied subcarriers, guard carriers and the DC null
    /// (Sionna's `fft_size`).
    pub fn grid_width(&self) -> usize {
        grid_width(self.subcarriers, self.guard_carriers, self.dc_null)
    }
    /// The layout of the occupied subcarriers in the grid.
    pub fn layout(&self) -> SubcarrierLayout {
        SubcarrierLayout::new(self.subcarriers, self.guard_carriers, self.dc_null)
    }
    /// Standard deviation (rad) of the phase-noise increment per time-domain sample
    /// (T_s = 1/(N·Δf)); 0 without phase noise or in the frequency domain.
    pub fn phase_increment_std(&self) -> f64 {
        match (&self.phase_noise, self.time_domain) {
            (Some(pn), Some(td)) => {
                pn.increment_std(1.0 / (td.fft_size as f64 * self.subcarrier_spacing_hz))
            }
            _ => 0.0,
        }
    }
    /// Resource elements per slot that carry data: all subcarriers of non-pilot symbols but
    /// the PT-RS ones.
    pub fn data_res(&self) -> usize {
        (self.symbols - self.pilot_symbols.len()) * self.subcarriers - self.ptrs_res()
    }
    /// Subcarriers carrying layer `t`'s pilots on each pilot symbol: Kronecker k ≡ t (mod
    /// layers); DMRS type 1 k = 4n + 2k′ + Δ with Δ = t; type 2 k = 6n + k′ + Δ with Δ = 2t.
    pub fn pilot_subcarriers(&self, t: usize) -> Vec<usize> {
        let n = self.subcarriers;
        match &self.dmrs {
            None => (t..n).step_by(self.layers).collect(),
            Some(d) => {
                let (g, _) = self.dmrs_port(t);
                if d.config_type == 1 {
                    (g..n).step_by(2).collect()
                } else {
                    (0..n).filter(|k| (k % 6) / 2 == g).collect()
                }
            }
        }
    }
    /// DMRS: CDM groups of the configuration type (2 or 3).
    fn dmrs_groups(&self) -> usize {
        self.dmrs
            .as_ref()
            .map_or(0, |d| if d.config_type == 1 { 2 } else { 3 })
    }
    /// DMRS: two ports share each CDM group (the layers outnumber the groups).
    pub fn dmrs_cdm(&self) -> bool {
        self.dmrs.is_some() && self.layers > self.dmrs_groups()
    }
    /// DMRS: (CDM group, frequency cover sign of the second subcarrier of each pair) of layer t.
    pub fn dmrs_port(&self, t: usize) -> (usize, f32) {
        if self.dmrs_cdm() {
            (t / 2, if t.is_multiple_of(2) { 1.0 } else { -1.0 })
        } else {
            (t, 1.0)
        }
    }
    /// Pilot resource elements per slot that carry energy (all layers).
    pub fn pilot_res(&self) -> usize {
        let per_symbol: usize = (0..self.layers)
            .map(|t| self.pilot_subcarriers(t).len())
            .sum();
        self.pilot_symbols.len() * per_symbol
    }
    /// Data symbols per slot: data REs × layers.
    pub fn data_symbols(&self) -> usize {
        self.data_res() * self.layers
    }
    /// Slot duration, s (symbols with their CP, averaged over a half subframe: 1 ms/2^μ for
    /// 14 normal-CP symbols).
    pub fn slot_duration_s(&self) -> f64 {
        self.symbols as f64 * (1.0 + self.mean_cp_fraction) / self.subcarrier_spacing_hz
    }
    /// Start time of OFDM symbol `s` within the slot, s.
    pub fn symbol_time_s(&self, s: usize) -> f64 {
        s as f64 * (1.0 + self.cp_fraction) / self.subcarrier_spacing_hz
    }
}

impl LinkSpec {
    /// The transport-block codec of an LDPC link (none for an uncoded one).
    pub fn codec(&self) -> Option<TransportCodec> {
        match &self.coding {
            Coding::Ldpc { params, decoder } => Some(TransportCodec::new(params.clone(), *decoder)),
            Coding::Uncoded => None,
        }
    }

    /// R = A / G.
    pub fn rate(&self) -> f64 {
        self.info_bits as f64 / self.coded_bits as f64
    }
    /// Modulation symbols per transport block.
    pub fn symbols(&self) -> usize {
        self.coded_bits / self.modulation.bits_per_symbol()
    }
    /// Code words per engine block: 1, or the code words of an OFDM slot.
    pub fn codewords(&self) -> usize {
        self.ofdm.as_ref().map_or(1, |o| o.codewords)
    }
    /// LDPC code blocks per engine block (all code words).
    pub fn code_blocks(&self) -> usize {
        self.codewords()
            * match &self.coding {
                Coding::Ldpc { params, .. } => params.num_code_blocks,
                Coding::Uncoded => 1,
            }
    }
    /// Payload bits per engine block (a transport block, or an OFDM slot).
    pub fn block_info_bits(&self) -> usize {
        self.info_bits * self.codewords()
    }
    /// The link budget: transmit power (dBm) − SNR (dB) = reference loss + noise power, with
    /// `[channel] pathloss` and `[receiver] noise_figure_db`.
    pub fn tx_power_offset_db(&self) -> Option<f64> {
        let pl = self.ofdm.as_ref()?.stochastic.as_ref()?.pathloss?;
        Some(pl.reference_db + pl.noise_dbm?)
    }

    /// dB to add to Eb/N0 (per information bit) to get Es/N0 (SNR per modulation symbol or
    /// resource element, unit symbol energy): 10·log10(R · Q_m) for the single-carrier link.
    /// An OFDM slot spends energy on every pilot and data resource element and on the cyclic
    /// prefix: 10·log10(info bits per slot / (energy-carrying REs · (1 + CP fraction))).
    pub fn ebno_to_snr_db(&self) -> f64 {
        match &self.ofdm {
            None => 10.0 * (self.rate() * self.modulation.bits_per_symbol() as f64).log10(),
            Some(o) => {
                // A PT-RS RE carries β² = layers (the energy of a data RE of all layers).
                let used =
                    self.codewords() * self.symbols() + o.pilot_res() + o.ptrs_res() * o.layers;
                10.0 * (self.block_info_bits() as f64 / (used as f64 * (1.0 + o.mean_cp_fraction)))
                    .log10()
            }
        }
    }
}

/// Which quantity a sweep steps through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SweepVariable {
    EbNoDb,
    SnrDb,
    /// Transmit power over the occupied subcarriers, dBm (a link budget).
    TxPowerDbm,
}

impl SweepVariable {
    pub fn column(self) -> &'static str {
        match self {
            SweepVariable::EbNoDb => "ebno_db",
            SweepVariable::SnrDb => "snr_db",
            SweepVariable::TxPowerDbm => "tx_power_dbm",
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
    /// With a link budget: the transmit power, dBm.
    pub tx_power_dbm: Option<f64>,
}

impl PointSpec {
    pub fn new(index: u32, ebno_db: f64, snr_db: f64) -> Self {
        PointSpec {
            index,
            ebno_db,
            snr_db,
            no: 10f64.powf(-snr_db / 10.0) as f32,
            tx_power_dbm: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::SubcarrierLayout;
    use crate::scenario::resolve;

    /// DFT-s-OFDM widths: 12 · {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, …} subcarriers; 7, 11, 13
    /// PRBs and non-multiples of 12 are not.
    #[test]
    fn dft_s_ofdm_widths() {
        let ok: Vec<usize> = (1..=30)
            .filter(|&n| super::dft_s_ofdm_width(12 * n))
            .collect();
        let want = [
            1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 18, 20, 24, 25, 27, 30,
        ];
        assert_eq!(ok, want);
        assert!(!super::dft_s_ofdm_width(100) && !super::dft_s_ofdm_width(0));
    }

    /// TS 38.211 §4.1/§5.3.1: a slot of 14 normal-CP symbols lasts 1 ms/2^μ exactly (the
    /// 16κ of each half subframe included); 12 extended-CP symbols at 60 kHz 0.25 ms.
    #[test]
    fn slot_lasts_one_ms_over_two_to_the_mu() {
        for mu in 0..=6 {
            for (cp, symbols, want) in [("normal", 14, 1e-3), ("extended", 12, 1e-3)] {
                if cp == "extended" && mu != 2 {
                    continue;
                }
                let text = format!(
                    "name = 't'\n[code]\ninfo_bits = 100\nrate = 0.5\n[ofdm]\n\
                     subcarrier_spacing_khz = {}\nnum_subcarriers = 24\nsymbols = {symbols}\n\
                     cyclic_prefix = '{cp}'\n[pilots]\nsymbols = [2]\n[sweep]\nsnr_db = [1.0]\n",
                    15 << mu
                );
                let link = resolve(&text, "t.toml")
                    .unwrap_or_else(|e| panic!("{e}"))
                    .link;
                let slot = link.ofdm.unwrap().slot_duration_s();
                let want = want / (1u32 << mu) as f64;
                assert!((slot - want).abs() < 1e-12 * want, "μ {mu} {cp}: {slot}");
            }
        }
    }

    /// Without guards or DC null, the occupied band is centred as before: k − ⌊K/2⌋.
    #[test]
    fn plain_layout_is_centred() {
        for k in [1, 12, 127, 128, 576] {
            let l = SubcarrierLayout::new(k, [0, 0], false);
            let want: Vec<i64> = (0..k as i64).map(|i| i - (k / 2) as i64).collect();
            assert_eq!(l.offsets(), want, "K = {k}");
        }
    }

    /// Sionna's layout with fft_size = 76, num_guard_carriers = [5, 6], dc_null: 64 effective
    /// subcarriers on grid indices 5 … 69 except the DC at 38.
    #[test]
    fn guards_and_dc_null_skip_their_grid_indices() {
        let l = SubcarrierLayout::new(64, [5, 6], true);
        let grid: Vec<i64> = l.offsets().iter().map(|o| o + 38).collect();
        let want: Vec<i64> = (5..70).filter(|&i| i != 38).collect();
        assert_eq!(grid, want);
        // Odd width, guard only above: W = 11, DC at 5, occupied 0 … 9 except 5.
        let l = SubcarrierLayout::new(9, [0, 1], true);
        let grid: Vec<i64> = l.offsets().iter().map(|o| o + 5).collect();
        assert_eq!(grid, vec![0, 1, 2, 3, 4, 6, 7, 8, 9]);
        // Guards without DC null shift nothing relative to the grid: W = 20, DC at 10.
        let l = SubcarrierLayout::new(12, [3, 5], false);
        assert_eq!(l.offsets(), (-7..5).collect::<Vec<i64>>());
    }
}
