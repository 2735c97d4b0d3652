// The uniform shared by link_chain.wgsl and ldpc_encoder.wgsl (host: link_chain.rs
// ChainParams, same field order). Sizes are per transport block (TB) or code block (CB).

struct Chain {
    seed_lo: u32,
    seed_hi: u32,
    point: u32,
    first_block: u32,
    count: u32,
    a_len: u32,
    b_len: u32,
    num_cb: u32,
    cb_data: u32,
    k_prime: u32,
    cb_crc: u32,
    // 0 none, 1 CRC24A, 2 CRC24B, 3 CRC16
    tb_crc: u32,
    z: u32,
    kb: u32,
    x_stride: u32,
    // Rate-matching lengths (TS 38.212 §5.4.2.1): the first cb_lo code blocks have e_lo bits,
    // the others e_hi (= e_lo + Q_m, or equal).
    e_lo: u32,
    e_hi: u32,
    cb_lo: u32,
    g_len: u32,
    qm: u32,
    m_dim: u32,
    bpsk: u32,
    // 0 AWGN, 1 Rayleigh fast fading, 2 Rayleigh block fading
    channel: u32,
    // 0 APP, 1 max-log
    demapper: u32,
    coded: u32,
    out_words: u32,
    filler_start: u32,
    filler_end: u32,
    ext_rows: u32,
    words32: u32,
    no: f32,
    noise_scale: f32,
    fading_scale: f32,
    filler_llr: f32,
    // OFDM (ofdm_chain.wgsl; ofdm = 0 for the single-carrier link, cw = 1). A batch holds
    // count / cw slots of cw code words (TBs) each.
    ofdm: u32,
    cw: u32,
    nsym: u32,
    nsc: u32,
    nrx: u32,
    nl: u32,
    // Channel paths (TDL taps); 0: AWGN (rx antenna r hears layer r mod nl).
    paths: u32,
    npilot: u32,
    // Data modulation symbols per slot (all code words).
    data_syms: u32,
    // 0 perfect CSI, 1 LS, 2 LMMSE (weights in `lmmse`, lmmse_stride words per (layer, k))
    estimator: u32,
    // 0 ZF, 1 LMMSE, 2 ML (ml_detection.wgsl; two or more layers)
    equalizer: u32,
    // DMRS with two ports per CDM group (LS averages subcarrier pairs).
    cdm: u32,
    // Word offsets into the `otab` tables (ofdm_chain.wgsl header).
    o_psym: u32,
    o_dsym: u32,
    o_tint: u32,
    o_times: u32,
    o_phasor: u32,
    o_pilots: u32,
    o_fint: u32,
    o_taps: u32,
    doppler_hz: f32,
    o_srow: u32,
    // 0 AWGN, 1 TDL, 2 CDL (cdl_coeffs.wgsl; its tables at o_cdl), 3 a TR 38.901 scenario
    // model (CDL's kernel; the paths of each slot in `drops`)
    fading_model: u32,
    o_cdl: u32,
    lmmse_stride: u32,
    // Time-domain OFDM (td_ofdm.wgsl): ntimes coefficient times per link (nsym, or the
    // waveform grid), CP length, path delays in samples at o_delays.
    td: u32,
    ntimes: u32,
    cp_len: u32,
    o_delays: u32,
    // Scale each slot's channel to unit mean energy per RE (ofdm_normalize).
    normalize: u32,
    // Subcarrier layout (sim-core SubcarrierLayout): subcarrier k sits at baseband offset
    // sc_first + k (+ 1 for k ≥ sc_dc, past a DC null); FFT bin offset mod N.
    sc_first: i32,
    sc_dc: u32,
    // Transmit ports (nl without precoding). Codebook precoding or TDL spatial correlation
    // (mixed = 1): the channel is drawn per (rx, port) pair, stream index r · ntx + port, and
    // mixed with M [nrx · nl, nrx · ntx, 2] at o_mix into the (rx, layer) coefficients
    // (ofdm_chain.wgsl; receivers OfdmPrepared::mix).
    ntx: u32,
    mixed: u32,
    o_mix: u32,
    // HARQ transmission (link_chain.rs): its rate-matching tables start at d_index[d_base]
    // and rec_start[rec_base]; combine = 1: rate_recover adds into llr_x (the combined
    // circular buffers, fillers kept); outcomes written from out_base.
    d_base: u32,
    rec_base: u32,
    combine: u32,
    out_base: u32,
    // 1: DFT-s-OFDM (transform_precoding.wgsl)
    tp: u32,
    // equalizer 3 (kbest_detection.wgsl): paths kept per level, LLR clip
    kbest_paths: u32,
    kbest_clip: f32,
    // time domain: standard deviation of the phase-noise increment per sample (0: none)
    pn_sigma: f32,
    // data REs per slot; PT-RS (ptrs.wgsl): count, first subcarrier and spacing of the PT-RS
    // subcarriers (ptrs_n = 0: none), first data RE of each data row [rows + 1], PT-RS values
    dres: u32,
    ptrs_n: u32,
    ptrs_k0: u32,
    ptrs_step: u32,
    o_dstart: u32,
    o_ptrs: u32,
    // time domain, pole-zero phase noise (td_ofdm.wgsl pn_tones): tones per slot (0: none),
    // their bands [m_lo, width, σ] at o_pn
    pn_tones: u32,
    o_pn: u32,
    // frequency shift (Hz) common to every TDL tap and CDL/scenario-model ray (doppler_shift_hz)
    shift_hz: f32,
}
