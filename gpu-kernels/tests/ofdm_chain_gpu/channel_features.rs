//! Channel features on the GPU against the CPU: K-factor scaling (TR 38.901 §7.7.6), the
//! TR 38.811 NTN-TDL profiles, a Doppler shift common to every tap or ray, and time-domain
//! paths longer than a symbol (TDL and the scenario models), path loss and shadow fading.

use super::check::{check_slots, scenario, LDPC_QPSK};
use gpu_kernels::test_context;

/// NTN-TDL-C rescaled to K = 5 dB with a 2 kHz common shift (frequency domain, 1×2, one
/// DMRS symbol, LS + linear), and NTN-TDL-D with a 9 kHz shift in the time domain (the
/// shift's ICI in the received grid) with perfect CSI: coefficients, grids, estimates and
/// LLRs as for the other TDL links.
#[test]
fn ntn_tdl_with_k_factor_and_doppler_shift() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"dmrs\"\ndmrs_type = 1\nadditional_positions = 0\n\
         [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"NTN-TDL-C\"\n\
         delay_spread_ns = 100\nspeed_kmh = 3\nk_factor_db = 5.0\ndoppler_shift_hz = 2000.0\n\
         [receiver]\nestimator = \"ls\"\ninterpolation = \"linear\"\nequalizer = \"lmmse\"\n\
         [sweep]\nsnr_db = [4.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 12);
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n\
         [channel]\nmodel = \"tdl\"\nprofile = \"NTN-TDL-D\"\ndelay_spread_ns = 300\n\
         speed_kmh = 120\ndoppler_shift_hz = -9000.0\n[receiver]\nestimator = \"perfect\"\n\
         [sweep]\nsnr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
}

/// The common shift on the ray-based models: CDL-B 2×2 downlink with a −1.5 kHz shift (LS)
/// and UMa NLOS 1×2 with 800 Hz (perfect CSI), frequency domain.
#[test]
fn cdl_and_scenario_model_with_doppler_shift() {
    let Some(ctx) = test_context() else { return };
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\ntx = 2\nrx = 2\nlayers = 2\n\
         [channel]\nmodel = \"cdl\"\nprofile = \"B\"\ndelay_spread_ns = 100\nspeed_kmh = 30\n\
         doppler_shift_hz = -1500.0\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [14.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
    let body = "[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n[channel]\n\
         model = \"uma\"\ncondition = \"nlos\"\nspeed_kmh = 3\ndoppler_shift_hz = 800.0\n\
         [receiver]\nestimator = \"perfect\"\n[sweep]\nsnr_db = [6.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
}

/// Path loss and shadow fading on a scenario model (UMi, LOS drawn per slot, O2I on UMa):
/// each drop's paths carry its loss relative to the reference (host-drawn drops), so the
/// coefficients, grids, LS estimates and LLRs follow the CPU's slot by slot.
#[test]
fn scenario_model_with_pathloss() {
    let Some(ctx) = test_context() else { return };
    for channel in [
        "model = \"umi\"\ncondition = \"los-probability\"\ndistance_m = 60",
        "model = \"uma\"\ncondition = \"o2i\"\ndistance_m = 150",
    ] {
        let body = format!(
            "[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n[channel]\n{channel}\n\
             speed_kmh = 3\npathloss = true\n[receiver]\nestimator = \"ls\"\n\
             [sweep]\nsnr_db = [8.0]"
        );
        check_slots(&ctx, &scenario(&body, LDPC_QPSK), 6);
    }
}

/// Paths several symbols long in the time domain: TDL-A 1 µs at 480 kHz (longest delay
/// 9.7 µs, four symbols of 2.2 µs back: each window sums the IFFTs of the symbols it
/// reaches), and UMa NLOS drops at 960 kHz (per-slot delays from the drop records, many
/// beyond the 1.1 µs symbol), LS + linear; the TDL case with perfect CSI (the ISI in the
/// noise variance); and UMa NLOS normalized per slot, perfect CSI; the grids, estimates and
/// LLRs as for the others.
#[test]
fn time_domain_scenario_models_and_long_delays() {
    let Some(ctx) = test_context() else { return };
    let wide = |text: String, khz: u32| {
        let from = "carrier_ghz = 4.0\nsubcarrier_spacing_khz = 30\n";
        assert!(text.contains(from));
        text.replace(
            from,
            &format!("carrier_ghz = 28.0\nsubcarrier_spacing_khz = {khz}\n"),
        )
    };
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n\
         [channel]\nmodel = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 1000\n\
         speed_kmh = 30\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &wide(scenario(body, LDPC_QPSK), 480), 4);
    // Perfect CSI: the detector's noise variance adds the ICI and the ISI of every path past
    // the CP, per symbol (symbol 0 has only silence before it).
    let perfect = body.replace("\"ls\"", "\"perfect\"");
    check_slots(&ctx, &wide(scenario(&perfect, LDPC_QPSK), 480), 4);
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n\
         [channel]\nmodel = \"uma\"\ncondition = \"nlos\"\nspeed_kmh = 30\n[receiver]\n\
         estimator = \"ls\"\n[sweep]\nsnr_db = [10.0]";
    check_slots(&ctx, &wide(scenario(body, LDPC_QPSK), 960), 6);
    // Normalized per slot (the window-averaged channel to unit energy; the coefficient grid
    // and ICI power scaled with it), 38.901 elements, perfect CSI, at 30 kHz.
    let body = "domain = \"time\"\n[pilots]\npattern = \"kronecker\"\n[antennas]\nrx = 2\n\
         pattern = \"38.901\"\n[channel]\nmodel = \"uma\"\ncondition = \"nlos\"\n\
         speed_kmh = 120\nnormalize = true\n[receiver]\nestimator = \"perfect\"\n[sweep]\n\
         snr_db = [8.0]";
    check_slots(&ctx, &scenario(body, LDPC_QPSK), 6);
}
