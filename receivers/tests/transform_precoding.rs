//! DFT-s-OFDM (`[ofdm] transform_precoding = true`) on the CPU executor: over AWGN the
//! unitary spreading changes nothing statistically (the despread noise is white with the same
//! variance), so its BLER matches plain OFDM's within the Monte-Carlo intervals; over a
//! frequency-selective TDL with estimated channels the ZF and LMMSE despreading receivers
//! decode, LMMSE ahead of ZF and plain OFDM ahead of both; π/2-BPSK's uncoded BER is BPSK's;
//! the scenario rules reject what transform precoding cannot carry.

use receivers::CpuExecutor;
use sim_core::engine::Executor;
use sim_core::scenario::resolve;
use sim_core::stats::wilson_interval;

fn slot(extra_ofdm: &str, channel: &str, receiver: &str, snr_db: f64) -> String {
    format!(
        "name = \"t\"\n[code]\nmcs = 16\ndecoder = {{ algorithm = \"layered-min-sum\", iterations = 10 }}\n\
         [ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\nprbs = 6\n{extra_ofdm}\n\
         [pilots]\npattern = \"dmrs\"\nadditional_positions = 1\n[antennas]\nrx = 2\n\
         [channel]\n{channel}\n[receiver]\n{receiver}\n[sweep]\nsnr_db = [{snr_db}]\n"
    )
}

/// (block errors, blocks) of `n` slots of the scenario's first point.
fn errors(text: &str, n: usize) -> (u64, u64) {
    let run = resolve(text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let out = CpuExecutor::new()
        .run_batch(&run.link, &run.points[0], 9, 0, n)
        .unwrap();
    let e = out.iter().filter(|o| o.codeword_errors > 0).count();
    (e as u64, n as u64)
}

#[test]
fn awgn_bler_equals_plain_ofdm() {
    let awgn = "model = \"awgn\"";
    let perfect = "estimator = \"perfect\"";
    let n = 600;
    let plain = errors(&slot("", awgn, perfect, 5.8), n);
    let spread = errors(&slot("transform_precoding = true", awgn, perfect, 5.8), n);
    let (lo, hi) = wilson_interval(plain.0, plain.1, 2.576);
    let (lo2, hi2) = wilson_interval(spread.0, spread.1, 2.576);
    eprintln!("AWGN BLER: OFDM {plain:?}, DFT-s-OFDM {spread:?}");
    assert!(
        plain.0 > 30 && plain.0 < n as u64 - 30,
        "the point must sit on the waterfall: {plain:?}"
    );
    assert!(
        lo2 <= hi && lo <= hi2,
        "intervals [{lo}, {hi}] and [{lo2}, {hi2}] apart"
    );
}

#[test]
fn tdl_ls_zf_and_lmmse_decode() {
    let tdl = "model = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 300\nspeed_kmh = 30";
    for eq in ["zf", "lmmse"] {
        let receiver =
            format!("estimator = \"ls\"\ninterpolation = \"linear\"\nequalizer = \"{eq}\"");
        let (low, n) = errors(
            &slot("transform_precoding = true", tdl, &receiver, 0.0),
            100,
        );
        let (high, _) = errors(
            &slot("transform_precoding = true", tdl, &receiver, 24.0),
            100,
        );
        eprintln!("{eq}: {low}/{n} errors at 0 dB, {high}/{n} at 24 dB");
        assert!(low > 50, "{eq}: 0 dB must fail mostly ({low}/{n})");
        assert!(high < 10, "{eq}: 24 dB must decode ({high}/{n})");
    }
    // Time domain (IFFT, CP, the channel's taps, FFT): decodes at 24 dB too.
    let td = "transform_precoding = true\ncyclic_prefix = \"normal\"\ndomain = \"time\"";
    let r = "estimator = \"ls\"\ninterpolation = \"linear\"\nequalizer = \"lmmse\"";
    let (high, n) = errors(&slot(td, tdl, r, 24.0), 50);
    assert!(high < 5, "time domain: {high}/{n} errors at 24 dB");
    // At 10 dB: MMSE despreading beats ZF's noise enhancement (paired slots), and plain
    // OFDM with LMMSE beats both (it keeps the per-subcarrier SNRs apart).
    let r =
        |eq: &str| format!("estimator = \"ls\"\ninterpolation = \"linear\"\nequalizer = \"{eq}\"");
    let zf = errors(
        &slot("transform_precoding = true", tdl, &r("zf"), 10.0),
        400,
    )
    .0;
    let mmse = errors(
        &slot("transform_precoding = true", tdl, &r("lmmse"), 10.0),
        400,
    )
    .0;
    let ofdm = errors(&slot("", tdl, &r("lmmse"), 10.0), 400).0;
    eprintln!("10 dB, 400 slots: ZF {zf}, LMMSE {mmse}, OFDM {ofdm} errors");
    assert!(
        zf > mmse && mmse > ofdm,
        "ZF {zf}, LMMSE {mmse}, OFDM {ofdm}"
    );
}

/// Uncoded π/2-BPSK (TS 38.211 §5.1.2) through DFT-s-OFDM over AWGN, one antenna, perfect
/// CSI: the BER is BPSK's Q(√(2 Es/N0)) (the quarter turns undone before demapping; without
/// that the odd symbols would be guesses), within 5%.
#[test]
fn pi2_bpsk_uncoded_ber_matches_closed_form() {
    let text = slot(
        "transform_precoding = true",
        "model = \"awgn\"",
        "estimator = \"perfect\"",
        3.0,
    )
    .replace("mcs = 16", "kind = \"none\"\ninfo_bits = 864")
    .replace("rx = 2", "rx = 1")
    .replace(
        "[antennas]",
        "[modulation]\nscheme = \"pi2-bpsk\"\n[antennas]",
    );
    let run = resolve(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(run.link.modulation, sim_core::Modulation::Pi2Bpsk);
    let n = 400;
    let out = CpuExecutor::new()
        .run_batch(&run.link, &run.points[0], 9, 0, n)
        .unwrap();
    let errors: u64 = out.iter().map(|o| o.bit_errors as u64).sum();
    let ber = errors as f64 / (n * 864) as f64;
    let theory = sim_core::Constellation::new(sim_core::Modulation::Bpsk).awgn_ber(10f64.powf(0.3));
    eprintln!("π/2-BPSK DFT-s-OFDM BER {ber:.5}, theory {theory:.5}");
    assert!((ber / theory - 1.0).abs() < 0.05, "BER {ber} vs {theory}");
}

#[test]
fn scenario_rules() {
    let awgn = "model = \"awgn\"";
    let tp = "transform_precoding = true";
    let e = |text: String| resolve(&text, "t.toml").expect_err("must be rejected");
    let x = e(slot(tp, awgn, "", 5.0).replace("prbs = 6", "prbs = 7"));
    assert_eq!(x.key, "ofdm.transform_precoding");
    assert!(x.message.contains("prbs = 6 or 8"), "{x}");
    let two = slot(tp, awgn, "", 5.0).replace("rx = 2", "tx = 2\nrx = 2\nlayers = 2");
    let x = e(two);
    assert!(x.message.contains("one layer"), "{x}");
    // A [code] shape that leaves data resource elements empty.
    let short = slot(tp, awgn, "", 5.0).replace("mcs = 16", "info_bits = 500\nrate = 0.5");
    let x = e(short);
    assert!(x.message.contains("whole OFDM symbols"), "{x}");
    let run = resolve(&slot(tp, awgn, "", 5.0), "t.toml").unwrap();
    assert_eq!(run.link.ofdm.map(|o| o.transform_precoding), Some(true));
    let type2 =
        slot(tp, awgn, "", 5.0).replace("pattern = \"dmrs\"", "pattern = \"dmrs\"\ndmrs_type = 2");
    assert_eq!(e(type2).key, "pilots.dmrs_type");
    // π/2-BPSK and tp-pi2BPSK need transform precoding; tp_pi2bpsk needs `mcs`.
    let x = e(
        slot("", awgn, "", 5.0).replace("[code]", "[modulation]\nscheme = \"pi2-bpsk\"\n[code]")
    );
    assert_eq!(x.key, "modulation.scheme");
    let x = e(slot("", awgn, "", 5.0).replace("mcs = 16", "mcs = 0\ntp_pi2bpsk = true"));
    assert_eq!(x.key, "code.tp_pi2bpsk");
    assert!(x.message.contains("transform_precoding = true"), "{x}");
    let uncoded = slot(tp, awgn, "", 5.0).replace(
        "mcs = 16",
        "kind = \"none\"\ninfo_bits = 864\ntp_pi2bpsk = true",
    );
    assert_eq!(e(uncoded).key, "code.tp_pi2bpsk");
}
