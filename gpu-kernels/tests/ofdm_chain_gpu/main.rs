//! The WGSL OFDM stages against the CPU reference chain (receivers::ofdm_chain), slot by slot
//! on random data (lavapipe in CI): TDL path coefficients, received grids, LS estimates at the
//! pilot symbols and channel LLRs within tolerance (the GPU computes in f32 with polynomial
//! sin/cos, the CPU partly in f64), TB bits bit-exact, and per-slot outcomes equal on almost
//! every slot; then a short sweep point's BLER inside the CPU run's 95% interval.

mod channel_features;
mod check;

use check::{check_slots, scenario, LDPC_QPSK, SEED};
use gpu_kernels::{test_context, GpuContext, GpuExecutor};
use receivers::CpuExecutor;
use sim_core::engine::{run_point, Executor};
use sim_core::scenario::resolve;
use sim_core::scenario::schema::StopConfig;

/// High mobility (TDL-C, 500 km/h), 1×2, one DMRS symbol, LS + nearest, LMMSE.
#[test]
fn tdl_c_high_speed_simo_dmrs_ls() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 0\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"C\"\ndelay_spread_ns = 300\n\
         speed_kmh = 500\n[receiver]\nestimator = \"ls\"\ninterpolation = \"nearest\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [6.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 24);
}

/// LOS taps (TDL-D), 4 layers on 4 antennas, DMRS type 1 with CDM pairs, LS + linear with
/// linear extrapolation (in time beyond the two DMRS symbols, in frequency beyond the combs'
/// outer subcarriers), ZF, 16-QAM max-log.
#[test]
fn tdl_d_4x4_cdm_ls_zf() {
    let Some(ctx) = test_context() else { return };
    let code = "info_bits = 576\ncoded_bits = 1152\ncrc = \"none\"\n\
         decoder = { algorithm = \"layered-min-sum\", iterations = 8 }\n\
         [modulation]\nscheme = \"16qam\"\ndemapper = \"max-log\"";
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 1\n\
         [antennas]\ntx = 4\nrx = 4\nlayers = 4\n[channel]\nmodel = \"tdl\"\nprofile = \"D\"\n\
         delay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\nestimator = \"ls\"\n\
         interpolation = \"linear\"\nextrapolation = \"linear\"\nequalizer = \"zf\"\n\
         [sweep]\nsnr_db = [16.0]";
    check_slots(&ctx, &scenario(body, code), 8);
}

/// A TS 38.214 MCS slot (`mcs = 27` of the 256-QAM table, 4 layers, 4 PRBs, two DMRS
/// symbols): one transport block of TBS 16 896 bits (§5.1.3.2: N_info = 576 · 948/1024 · 8 · 4
/// = 17 064), segmented into 3 LDPC code blocks filling the slot, on both devices.
#[test]
fn mcs_slot_with_segmented_transport_block() {
    let Some(ctx) = test_context() else { return };
    let code = "mcs = 27\nmcs_table = \"qam256\"\n\
         decoder = { algorithm = \"layered-min-sum\", iterations = 8 }";
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 1\n\
         [antennas]\ntx = 4\nrx = 4\nlayers = 4\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
         delay_spread_ns = 30\n[receiver]\nestimator = \"perfect\"\n[sweep]\nsnr_db = [34.0]";
    let text = scenario(body, code);
    let run = resolve(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let sim_core::link::Coding::Ldpc { params, .. } = &run.link.coding else {
        panic!("coded")
    };
    assert_eq!((run.link.info_bits, params.num_code_blocks), (16_896, 3));
    check_slots(&ctx, &text, 6);
    // Limited-buffer rate matching with RV 2: N_cb = 7000 of N = 19 008 (Z = 288), k0 =
    // ⌊33 · 7000 / (66 · 288)⌋ · 288 = 3456, E = 6144 wrapping at N_cb.
    let limited = text.replace("mcs = 27", "mcs = 27\nn_ref = 7000\nredundancy_version = 2");
    let run = resolve(&limited, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let sim_core::link::Coding::Ldpc { params, .. } = &run.link.coding else {
        panic!("coded")
    };
    assert_eq!((params.ncb, params.k0(), params.e[0]), (7000, 3456, 6144));
    check_slots(&ctx, &limited, 6);
}

/// DFT-s-OFDM (transform precoding) against the CPU's rustfft chain: MCS 16 over TDL-A
/// 300 ns with LS + linear, MMSE-FDE and ZF despreading, frequency and time domain; MCS 0 of
/// Table 6.1.4.1-1 as π/2-BPSK (tp-pi2BPSK) with perfect CSI.
#[test]
fn dft_s_ofdm() {
    let Some(ctx) = test_context() else { return };
    let code = "mcs = 16\ndecoder = { algorithm = \"layered-min-sum\", iterations = 8 }";
    let body = |eq: &str, extra: &str| {
        format!(
            "transform_precoding = true\n{extra}\n[pilots]\npattern = \"dmrs\"\n\
             additional_positions = 1\n[antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\n\
             profile = \"A\"\ndelay_spread_ns = 300\nspeed_kmh = 30\n[receiver]\n\
             estimator = \"ls\"\ninterpolation = \"linear\"\nequalizer = \"{eq}\"\n\
             [sweep]\nsnr_db = [14.0]"
        )
    };
    check_slots(&ctx, &scenario(&body("lmmse", ""), code), 12);
    check_slots(&ctx, &scenario(&body("zf", ""), code), 12);
    let td = "cyclic_prefix = \"normal\"\ndomain = \"time\"\nfft_size = 64";
    check_slots(&ctx, &scenario(&body("lmmse", td), code), 6);
    let pi2 =
        "mcs = 0\ntp_pi2bpsk = true\ndecoder = { algorithm = \"layered-min-sum\", iterations = 8 }";
    let text = scenario(
        &body("lmmse", "")
            .replace("estimator = \"ls\"", "estimator = \"perfect\"")
            .replace("[14.0]", "[-6.0]"),
        pi2,
    );
    let run = resolve(&text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.link.modulation, sim_core::Modulation::Pi2Bpsk);
    check_slots(&ctx, &text, 12);
}

/// Perfect CSI on TDL-A with Kronecker pilots for 2 layers, and uncoded AWGN over OFDM.
#[test]
fn perfect_csi_and_awgn() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\nsymbols = [2, 11]\n[antennas]\ntx = 2\n\
         rx = 2\nlayers = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\n\
         speed_kmh = 3\n[receiver]\nestimator = \"perfect\"\nequalizer = \"lmmse\"\n\
         [sweep]\nsnr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 12);
    let uncoded = "info_bits = 576\n[modulation]\nscheme = \"64qam\"";
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 1\n[channel]\n\
         model = \"awgn\"\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [14.0]";
    check_slots(&ctx, &scenario(body, uncoded), 6);
}

/// `[channel] normalize` (unit channel energy per slot, the neural anchor's setting) on a CDL-C
/// uplink 1×2 and a TDL-A 2×2: the scaled coefficients agree.
#[test]
fn normalized_channel() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\npattern = \"38.901\"\n\
         rx_polarization = \"VH\"\n[channel]\nmodel = \"cdl\"\nprofile = \"C\"\n\
         delay_spread_ns = 100\nspeed_kmh = 36\ndirection = \"uplink\"\nnormalize = true\n\
         [receiver]\nestimator = \"ls\"\nequalizer = \"lmmse\"\n[sweep]\nsnr_db = [4.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 2\nlayers = 2\n\
         [channel]\nmodel = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\nnormalize = true\n\
         [receiver]\nestimator = \"perfect\"\nequalizer = \"lmmse\"\n[sweep]\nsnr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
}

/// CDL-C 2×2 (2 layers) downlink with 38.901 elements, V-pol, at 120 km/h, angles scaled
/// (§7.7.5.1); LS + linear, LMMSE.
#[test]
fn cdl_c_2x2_downlink_ls() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 2\nlayers = 2\n\
         pattern = \"38.901\"\n[channel]\nmodel = \"cdl\"\nprofile = \"C\"\n\
         delay_spread_ns = 300\nspeed_kmh = 120\nangle_spreads_deg = [5.0, 20.0, 3.0, 7.0]\n\
         mean_angles_deg = [10.0, -40.0, 100.0, 85.0]\n[receiver]\nestimator = \"ls\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [12.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
}

/// TR 38.901 scenario models (a drop per slot, its paths written by the host per batch):
/// UMa NLOS 1×2 with 38.901 elements and a dual-polarized (VH) receiver (per-ray XPR, split
/// clusters), LS; UMi LOS 2×2 with two layers at 60 km/h, uplink, normalized, perfect CSI;
/// InH NLOS 1×2 with LMMSE estimation (the model's mean PDP); UMa at 40 m with the LOS
/// condition drawn per slot (P_LOS 0.74: both tables' spreads in one batch), 16 slots.
#[test]
fn scenario_models() {
    let Some(ctx) = test_context() else { return };
    let bodies = [
        "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 1\nrx = 2\npattern = \"38.901\"\n\
         rx_polarization = \"VH\"\n[channel]\nmodel = \"uma\"\ncondition = \"nlos\"\n\
         speed_kmh = 30\n[receiver]\nestimator = \"ls\"\nequalizer = \"lmmse\"\n\
         [sweep]\nsnr_db = [8.0]",
        "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 2\nlayers = 2\n\
         [channel]\nmodel = \"umi\"\ncondition = \"los\"\nspeed_kmh = 60\n\
         direction = \"uplink\"\nnormalize = true\n[receiver]\nestimator = \"perfect\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [10.0]",
        "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 1\nrx = 2\n[channel]\n\
         model = \"inh\"\ncondition = \"nlos\"\n[receiver]\nestimator = \"lmmse\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [6.0]",
        "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 1\nrx = 2\n[channel]\n\
         model = \"uma\"\ncondition = \"los-probability\"\ndistance_m = 40\n\
         [receiver]\nestimator = \"ls\"\nequalizer = \"lmmse\"\n[sweep]\nsnr_db = [6.0]",
    ];
    for body in bodies {
        check_slots(&ctx, &scenario(body, LDPC_QPSK), 16);
    }
}

/// Maximum-likelihood detection (`ofdm_detect_ml` against receivers' `MlDetector`): 2 × 2
/// 16-QAM APP over TDL-A with LS estimates (the estimate's error in the noise), 4 × 4 QPSK
/// max-log with perfect CSI, and 3 layers of 16-QAM on 4 antennas, APP, over TDL-D.
#[test]
fn ml_detection() {
    let Some(ctx) = test_context() else { return };
    let cases = [
        ("16qam", "app", 2, 2, "A", "ls", 14.0),
        ("qpsk", "max-log", 4, 4, "C", "perfect", 6.0),
        ("16qam", "app", 3, 4, "D", "perfect", 14.0),
    ];
    for case in cases {
        check_tree_detector(&ctx, case, "equalizer = \"ml\"");
    }
}

/// K-best detection (`ofdm_detect_kbest` against receivers' `KBestDetector`): 4 × 4 16-QAM
/// APP keeping 16 paths with LS estimates, 2 × 2 64-QAM max-log keeping 8 (one of 4 096:
/// many bits without counter-hypothesis, so the clip shows), 3 layers of QPSK on 4 antennas
/// keeping all 64 (= ML), and one layer of 16-QAM keeping 4 (a clip of 12).
#[test]
fn kbest_detection() {
    let Some(ctx) = test_context() else { return };
    let cases = [
        ("16qam", "app", 4, 4, "A", "ls", 16, "", 16.0),
        ("64qam", "max-log", 2, 2, "C", "perfect", 8, "", 20.0),
        ("qpsk", "app", 3, 4, "D", "perfect", 64, "", 6.0),
        (
            "16qam",
            "max-log",
            1,
            2,
            "A",
            "perfect",
            4,
            "kbest_llr_clip = 12.0",
            10.0,
        ),
    ];
    for (scheme, demapper, layers, rx, profile, estimator, k, extra, snr) in cases {
        let case = (scheme, demapper, layers, rx, profile, estimator, snr);
        let receiver = format!("equalizer = \"kbest\"\nkbest_paths = {k}\n{extra}");
        check_tree_detector(&ctx, case, &receiver);
    }
}

/// A tree detector's case against the CPU: LDPC(1152, 576) with (scheme, demapper), `layers`
/// layers on `rx` antennas over TDL (profile) at 30 km/h with DMRS type 1 on two symbols,
/// the estimator and the `receiver` lines that choose the detector, at `snr` dB; 6 slots.
fn check_tree_detector(
    ctx: &GpuContext,
    (scheme, demapper, layers, rx, profile, estimator, snr): (
        &str,
        &str,
        usize,
        usize,
        &str,
        &str,
        f64,
    ),
    receiver: &str,
) {
    let code = format!(
        "info_bits = 576\ncoded_bits = 1152\ncrc = \"none\"\n\
         decoder = {{ algorithm = \"layered-min-sum\", iterations = 8 }}\n\
         [modulation]\nscheme = \"{scheme}\"\ndemapper = \"{demapper}\""
    );
    let body = format!(
        "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 1\n\
         [antennas]\ntx = {layers}\nrx = {rx}\nlayers = {layers}\n[channel]\nmodel = \"tdl\"\n\
         profile = \"{profile}\"\ndelay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\n\
         estimator = \"{estimator}\"\n{receiver}\n[sweep]\nsnr_db = [{snr}]"
    );
    check_slots(ctx, &scenario(&body, &code), 6);
}

/// CDL-D (a LOS cluster) uplink, dual-polarized arrays (cross-polarized UE port pair, VH
/// receive ports on a 2 × 1 panel), perfect CSI, ZF.
#[test]
fn cdl_d_dual_polarized_uplink_perfect() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 4\nlayers = 2\n\
         tx_polarization = \"cross\"\nrx_polarization = \"VH\"\nrx_rows = 2\n[channel]\nmodel = \"cdl\"\n\
         profile = \"D\"\ndelay_spread_ns = 100\nspeed_kmh = 30\ndirection = \"uplink\"\n\
         [receiver]\nestimator = \"perfect\"\nequalizer = \"zf\"\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
}

/// LMMSE channel estimation (windowed, model PDP) on TDL-B with DMRS type 2 and two layers,
/// and with four layers sharing CDM groups (the weights for half the noise).
#[test]
fn lmmse_estimation() {
    let Some(ctx) = test_context() else { return };
    for (layers, snr) in [(2, 10.0), (4, 18.0)] {
        let body = format!(
            "[pilots]\npattern = \"dmrs\"\ndmrs_type = {}\nadditional_positions = 1\n\
             [antennas]\ntx = {layers}\nrx = 4\nlayers = {layers}\n[channel]\nmodel = \"tdl\"\n\
             profile = \"B\"\ndelay_spread_ns = 300\nspeed_kmh = 60\n[receiver]\n\
             estimator = \"lmmse\"\nequalizer = \"lmmse\"\n[sweep]\nsnr_db = [{snr}]",
            if layers == 2 { 2 } else { 1 }
        );
        check_slots(&ctx, &scenario(&body, LDPC_QPSK), 6);
    }
}

/// Time-domain OFDM (IFFT, CP, time-varying multipath, FFT on the GPU in workgroup memory):
/// TDL-C at 500 km/h with one DMRS symbol and LS (N = 256); CDL-B 2×2 at 1 µs delay spread
/// (delays beyond the CP: the previous symbol's waveform) with perfect CSI and its ICI power;
/// uncoded AWGN. Coefficients here are the window averages; the grid is after the FFT.
#[test]
fn time_domain() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 0\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"C\"\ndelay_spread_ns = 300\n\
         speed_kmh = 500\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [8.0]";
    let td = |b: &str| b.replace("[pilots]", "domain = \"time\"\n[pilots]");
    check_slots(&ctx, &scenario(&td(body), LDPC_QPSK), 8);
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 2\nlayers = 2\n\
         [channel]\nmodel = \"cdl\"\nprofile = \"B\"\ndelay_spread_ns = 1000\nspeed_kmh = 120\n\
         [receiver]\nestimator = \"perfect\"\n[sweep]\nsnr_db = [14.0]";
    check_slots(&ctx, &scenario(&td(body), LDPC_QPSK), 6);
    let uncoded = "info_bits = 576\n[modulation]\nscheme = \"16qam\"";
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 1\n[channel]\n\
         model = \"awgn\"\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [12.0]";
    check_slots(&ctx, &scenario(&td(body), uncoded), 4);
}

/// Oscillator phase noise (`[phase_noise]`, a Wiener walk per slot summed in parallel chunks
/// on the GPU, sequentially in f64 on the CPU): TDL-A 1×2 with two DMRS symbols and LS at a
/// 3 kHz linewidth (N = 128), and uncoded 16-QAM over AWGN with perfect CSI at 10 kHz (its
/// received grid carries the whole common phase error and ICI); grids and LLRs as without.
#[test]
fn time_domain_phase_noise() {
    let Some(ctx) = test_context() else { return };
    let body = "domain = \"time\"\n[pilots]\npattern = \"dmrs\"\nadditional_positions = 1\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
         delay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\nestimator = \"ls\"\n\
         [phase_noise]\nlinewidth_hz = 3000\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let uncoded = "info_bits = 576\n[modulation]\nscheme = \"16qam\"";
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[channel]\n\
         model = \"awgn\"\n[receiver]\nestimator = \"perfect\"\n\
         [phase_noise]\nlinewidth_hz = 10000\n[sweep]\nsnr_db = [20.0]";
    check_slots(&ctx, &scenario(body, uncoded), 4);
}

/// Pole-zero phase noise (`[phase_noise] model = "pole-zero"`: 64 tones per slot drawn by
/// one thread each into workgroup memory, summed per sample with the exact integer phase
/// m·n mod 2^32): the TDL-A 1×2 LS link with a strong custom spectrum (−60 dBc/Hz to a
/// 100 kHz pole, 0.3 rad²) and set A at 4 GHz on uncoded 16-QAM with perfect CSI at 20 dB;
/// grids and LLRs as without phase noise.
#[test]
fn time_domain_pole_zero_phase_noise() {
    let Some(ctx) = test_context() else { return };
    let body = "domain = \"time\"\n[pilots]\npattern = \"dmrs\"\nadditional_positions = 1\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
         delay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\nestimator = \"ls\"\n\
         [phase_noise]\nmodel = \"pole-zero\"\npsd0_dbc_hz = -60\nreference_ghz = 4\n\
         zeros_hz = [1e7]\nzero_orders = [1]\npoles_hz = [1e5]\npole_orders = [2]\n\
         [sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let uncoded = "info_bits = 576\n[modulation]\nscheme = \"16qam\"";
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[channel]\n\
         model = \"awgn\"\n[receiver]\nestimator = \"perfect\"\n\
         [phase_noise]\nmodel = \"pole-zero\"\nparameter_set = \"A\"\n[sweep]\nsnr_db = [20.0]";
    check_slots(&ctx, &scenario(body, uncoded), 4);
}

/// PT-RS (`[pilots] ptrs`): data rate-matched around the PT-RS REs, each symbol's common
/// phase error estimated from them and turned into the estimates (`ptrs.wgsl`): the phase-noise
/// link above with one DMRS symbol and PT-RS every symbol (K = 2, offset '01'); 2 layers with
/// perfect CSI and PT-RS every second symbol (frequency domain, type 2 DMRS); and every fourth
/// with LMMSE estimation and a 64-QAM code word that leaves part of the grid empty.
#[test]
fn ptrs_common_phase() {
    let Some(ctx) = test_context() else { return };
    let body = "domain = \"time\"\n[pilots]\npattern = \"dmrs\"\nadditional_positions = 0\n\
         ptrs = true\nptrs_re_offset = 1\n[antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\n\
         profile = \"A\"\ndelay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\n\
         estimator = \"ls\"\n[phase_noise]\nlinewidth_hz = 3000\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 2\nptrs = true\nptrs_time_density = 2\n\
         [antennas]\ntx = 2\nrx = 2\nlayers = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"B\"\n\
         delay_spread_ns = 100\nspeed_kmh = 60\n[receiver]\nestimator = \"perfect\"\n\
         [sweep]\nsnr_db = [14.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
    let code = "info_bits = 864\ncoded_bits = 1728\ncrc = \"none\"\n\
         decoder = { algorithm = \"bp\", iterations = 10, early_stop = true }\n\
         [modulation]\nscheme = \"64qam\"";
    let body = "[pilots]\npattern = \"dmrs\"\nptrs = true\nptrs_time_density = 4\n\
         ptrs_frequency_density = 4\n[antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\n\
         profile = \"C\"\ndelay_spread_ns = 300\nspeed_kmh = 120\n[receiver]\n\
         estimator = \"lmmse\"\n[sweep]\nsnr_db = [18.0]";
    check_slots(&ctx, &scenario(body, code), 6);
}

/// Guard carriers and a DC null (`[ofdm] guard_carriers`, `dc_null`): the occupied
/// subcarriers sit at their true frequencies in the path phasors (frequency domain) and in
/// the FFT bins (time domain, asymmetric guards 3 below and 6 above, N = 64 + 4 guard
/// bins left over): TDL-A 300 ns 1×2 with DMRS and LMMSE estimation, both domains.
#[test]
fn guard_carriers_and_dc_null() {
    let Some(ctx) = test_context() else { return };
    let body = "guard_carriers = [3, 6]\ndc_null = true\n[pilots]\npattern = \"dmrs\"\n\
         dmrs_type = 1\nadditional_positions = 1\n[antennas]\nrx = 2\n[channel]\n\
         model = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 300\nspeed_kmh = 60\n\
         [receiver]\nestimator = \"lmmse\"\nequalizer = \"lmmse\"\n[sweep]\nsnr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let td = body.replace(
        "dc_null = true",
        "dc_null = true\ndomain = \"time\"\nfft_size = 64",
    );
    check_slots(&ctx, &scenario(&td, LDPC_QPSK), 8);
}

/// Link mixing: codebook precoding (TS 38.211 §6.3.1.5; the channel drawn per port, W
/// folded into the per-layer coefficients) and TDL spatial correlation (R^{1/2} over the
/// drawn links): TDL-A 4 ports, 2 layers (Table 6.3.1.5-5 TPMI 17) with LMMSE estimation;
/// CDL-C uplink from 4 cross-polarized ports, 1 layer (Table 6.3.1.5-3 TPMI 13), perfect CSI;
/// 2 ports, 1 layer (TPMI 4) in the time domain with LS; correlated TDL-B 2 × 4 (α 0.3, β
/// 0.9), unprecoded and with 2-layer TPMI 1.
#[test]
fn precoding_and_spatial_correlation() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 4\nrx = 2\nlayers = 2\n\
         precoding = \"codebook\"\ntpmi = 17\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
         delay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\nestimator = \"lmmse\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [14.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 4\nrx = 2\n\
         tx_polarization = \"cross\"\npattern = \"38.901\"\nprecoding = \"codebook\"\n\
         tpmi = 13\n[channel]\nmodel = \"cdl\"\nprofile = \"C\"\ndelay_spread_ns = 300\n\
         speed_kmh = 60\ndirection = \"uplink\"\n[receiver]\nestimator = \"perfect\"\n\
         [sweep]\nsnr_db = [6.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 8);
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\n\
         rx = 2\nprecoding = \"codebook\"\ntpmi = 4\n[channel]\nmodel = \"tdl\"\n\
         profile = \"C\"\ndelay_spread_ns = 300\nspeed_kmh = 200\n[receiver]\n\
         estimator = \"ls\"\n[sweep]\nsnr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 4\nlayers = 2\n\
         tx_correlation = 0.3\nrx_correlation = 0.9\n[channel]\nmodel = \"tdl\"\n\
         profile = \"B\"\ndelay_spread_ns = 100\nspeed_kmh = 30\n[receiver]\n\
         estimator = \"ls\"\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
    let precoded = body.replace(
        "rx_correlation = 0.9",
        "rx_correlation = 0.9\nprecoding = \"codebook\"\ntpmi = 1",
    );
    check_slots(&ctx, &scenario(&precoded, LDPC_QPSK), 6);
}

/// A short sweep point (TDL-C 500 km/h, LS) on both executors: the GPU BLER inside the CPU
/// run's 95% Wilson interval (the counters are usually identical).
#[test]
fn short_point_bler_agrees() {
    if test_context().is_none() {
        return;
    }
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 1\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"C\"\ndelay_spread_ns = 300\n\
         speed_kmh = 500\n[receiver]\nestimator = \"ls\"\ninterpolation = \"linear\"\n\
         equalizer = \"lmmse\"\n[sweep]\nsnr_db = [4.0]";
    let run = resolve(&scenario(body, LDPC_QPSK), "t.toml").unwrap();
    let stop = StopConfig {
        min_block_errors: 40,
        max_blocks: 400,
        ..run.scenario.stop.clone()
    };
    let mut gpu = GpuExecutor::new(true).unwrap();
    let mut cpu = CpuExecutor::new();
    let point = |e: &mut dyn Executor| {
        run_point(
            e,
            &run.link,
            &run.points[0],
            SEED,
            &stop,
            Some(64),
            &mut |_| {},
        )
        .unwrap()
        .counters
    };
    let (c, g) = (point(&mut cpu), point(&mut gpu));
    let (lo, hi) = sim_core::stats::wilson_interval(c.block_errors, c.blocks, 1.959964);
    eprintln!("CPU BLER {} [{lo}, {hi}], GPU BLER {}", c.bler(), g.bler());
    assert!(c.block_errors >= 40, "the point reaches its error target");
    assert!(
        (lo..=hi).contains(&g.bler()),
        "GPU BLER {} outside the CPU interval [{lo}, {hi}]",
        g.bler()
    );
}
