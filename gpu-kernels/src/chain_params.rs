//! The host twin of `shaders/chain_params.wgsl` (the uniform every chain kernel reads) and
//! the list of the chain's entry points.

/// The `Chain` uniform (field order and layout must match `chain_params.wgsl`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ChainParams {
    pub seed_lo: u32,
    pub seed_hi: u32,
    pub point: u32,
    pub first_block: u32,
    pub count: u32,
    pub a_len: u32,
    pub b_len: u32,
    pub num_cb: u32,
    pub cb_data: u32,
    pub k_prime: u32,
    pub cb_crc: u32,
    pub tb_crc: u32,
    pub z: u32,
    pub kb: u32,
    pub x_stride: u32,
    pub e_lo: u32,
    pub e_hi: u32,
    pub cb_lo: u32,
    pub g_len: u32,
    pub qm: u32,
    pub m_dim: u32,
    pub bpsk: u32,
    pub channel: u32,
    pub demapper: u32,
    pub coded: u32,
    pub out_words: u32,
    pub filler_start: u32,
    pub filler_end: u32,
    pub ext_rows: u32,
    pub words32: u32,
    pub no: f32,
    pub noise_scale: f32,
    pub fading_scale: f32,
    pub filler_llr: f32,
    pub ofdm: u32,
    pub cw: u32,
    pub nsym: u32,
    pub nsc: u32,
    pub nrx: u32,
    pub nl: u32,
    pub paths: u32,
    pub npilot: u32,
    pub data_syms: u32,
    pub estimator: u32,
    pub equalizer: u32,
    pub cdm: u32,
    pub o_psym: u32,
    pub o_dsym: u32,
    pub o_tint: u32,
    pub o_times: u32,
    pub o_phasor: u32,
    pub o_pilots: u32,
    pub o_fint: u32,
    pub o_taps: u32,
    pub doppler_hz: f32,
    pub o_srow: u32,
    pub fading_model: u32,
    pub o_cdl: u32,
    pub lmmse_stride: u32,
    pub td: u32,
    pub ntimes: u32,
    pub cp_len: u32,
    pub o_delays: u32,
    /// 1: scale each slot's channel to unit mean energy per RE (`[channel] normalize`).
    pub normalize: u32,
    /// Baseband offset of subcarrier 0 and the first subcarrier past a DC null
    /// (`sim_core::link::SubcarrierLayout`).
    pub sc_first: i32,
    pub sc_dc: u32,
    /// Transmit ports (nl without precoding); `mixed` 1: the (rx, layer) links mix the drawn
    /// (rx, port) links with the weights at `o_mix` (precoding, spatial correlation).
    pub ntx: u32,
    pub mixed: u32,
    pub o_mix: u32,
    /// HARQ transmission of this uniform: offsets of its rate-matching tables in `d_index`
    /// and `rec_start`, 1 when `rate_recover` adds into the combined buffers (`llr_x`), and
    /// the first `outcomes` entry it writes.
    pub d_base: u32,
    pub rec_base: u32,
    pub combine: u32,
    pub out_base: u32,
    /// 1: DFT-s-OFDM (transform precoding, `shaders/transform_precoding.wgsl`).
    pub tp: u32,
    /// `equalizer = "kbest"` (equalizer 3): paths kept per level and the LLR clip.
    pub kbest_paths: u32,
    pub kbest_clip: f32,
    /// Time domain: standard deviation (rad) of the phase-noise increment per sample
    /// (`[phase_noise]`, `shaders/td_ofdm.wgsl` `pn_window`); 0: none.
    pub pn_sigma: f32,
    /// Data REs per slot (PT-RS REs excluded).
    pub dres: u32,
    /// PT-RS (`shaders/ptrs.wgsl`): subcarriers per PT-RS symbol (0: none), the first one
    /// and their spacing; `o_dstart` `[data rows + 1]` first data RE of each data row,
    /// `o_ptrs` `[ptrs_n, 2]` their values. PT-RS rows have bit 30 in `o_srow`.
    pub ptrs_n: u32,
    pub ptrs_k0: u32,
    pub ptrs_step: u32,
    pub o_dstart: u32,
    pub o_ptrs: u32,
    /// Time domain, `[phase_noise] model = "pole-zero"` (`shaders/td_ofdm.wgsl`
    /// `pn_tone_table`): tones per slot (0: none) and their bands `[m_lo, width, σ]` at `o_pn`
    /// (`channels::phase_noise_tones`).
    pub pn_tones: u32,
    pub o_pn: u32,
    /// A frequency shift (Hz) common to every TDL tap and CDL/scenario-model ray
    /// (`[channel] doppler_shift_hz`).
    pub shift_hz: f32,
}

/// The kernels of the chain's shader module (`link_chain.wgsl`, `transport_block.wgsl`,
/// `ofdm_chain.wgsl`, `ml_detection.wgsl`, `kbest_detection.wgsl`, `cdl_coeffs.wgsl`, `td_ofdm.wgsl`, `transform_precoding.wgsl`,
/// `ptrs.wgsl`), in the
/// order of [`Entry::ALL`] (the chain's pipeline list).
#[derive(Clone, Copy)]
pub enum Entry {
    TbBits,
    Symbols,
    RateRecover,
    Outcome,
    TdlCoeffs,
    OfdmReceive,
    OfdmPilotEst,
    OfdmDetect,
    CdlCoeffs,
    TdWindow,
    TdReceive,
    OfdmNormalize,
    TpSpread,
    TpDespread,
    TbCrc,
    CbSource,
    OutcomeCb,
    OfdmDetectMl,
    OfdmDetectKBest,
    OfdmPtrsCpe,
}

impl Entry {
    /// Every entry point, in discriminant order (`entry as usize` indexes the pipelines).
    pub const ALL: [Entry; 20] = [
        Entry::TbBits,
        Entry::Symbols,
        Entry::RateRecover,
        Entry::Outcome,
        Entry::TdlCoeffs,
        Entry::OfdmReceive,
        Entry::OfdmPilotEst,
        Entry::OfdmDetect,
        Entry::CdlCoeffs,
        Entry::TdWindow,
        Entry::TdReceive,
        Entry::OfdmNormalize,
        Entry::TpSpread,
        Entry::TpDespread,
        Entry::TbCrc,
        Entry::CbSource,
        Entry::OutcomeCb,
        Entry::OfdmDetectMl,
        Entry::OfdmDetectKBest,
        Entry::OfdmPtrsCpe,
    ];

    /// Its function name in the shader module.
    pub fn name(self) -> &'static str {
        match self {
            Entry::TbBits => "tb_bits",
            Entry::Symbols => "symbols",
            Entry::RateRecover => "rate_recover",
            Entry::Outcome => "outcome",
            Entry::TdlCoeffs => "tdl_coeffs",
            Entry::OfdmReceive => "ofdm_receive",
            Entry::OfdmPilotEst => "ofdm_pilot_est",
            Entry::OfdmDetect => "ofdm_detect",
            Entry::CdlCoeffs => "cdl_coeffs",
            Entry::TdWindow => "td_window",
            Entry::TdReceive => "td_receive",
            Entry::OfdmNormalize => "ofdm_normalize",
            Entry::TpSpread => "tp_spread",
            Entry::TpDespread => "tp_despread",
            Entry::TbCrc => "tb_crc",
            Entry::CbSource => "cb_source",
            Entry::OutcomeCb => "outcome_cb",
            Entry::OfdmDetectMl => "ofdm_detect_ml",
            Entry::OfdmDetectKBest => "ofdm_detect_kbest",
            Entry::OfdmPtrsCpe => "ofdm_ptrs_cpe",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Entry;

    /// `Entry::ALL` lists every entry at its own index, so `entry as usize` finds its pipeline.
    #[test]
    fn entries_are_listed_in_order() {
        for (i, e) in Entry::ALL.iter().enumerate() {
            assert_eq!(*e as usize, i, "{}", e.name());
        }
    }
}
