//! `[phase_noise]` keys: the Wiener and the pole-zero models.

use crate::scenario::resolve;
use crate::scenario::tests::{err, GOOD};

/// `[phase_noise]` (Wiener, the default model): time-domain OFDM only, 0 < linewidth ≤ the
/// subcarrier spacing; resolves to the per-sample increment √(2πβ/(N·Δf)).
#[test]
fn phase_noise_keys_are_checked() {
    let ofdm = |domain: &str, pn: &str| {
        GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
            + "[ofdm]\ncarrier_ghz = 28\nsubcarrier_spacing_khz = 30\nnum_subcarriers = 96\n"
            + domain
            + "\n[pilots]\nsymbols = [2]\n[phase_noise]\n"
            + pn
            + "\n"
    };
    let time = "domain = \"time\"";
    let r = resolve(&ofdm(time, "linewidth_hz = 1000"), "s.toml").unwrap_or_else(|e| panic!("{e}"));
    let o = r.link.ofdm.unwrap();
    assert_eq!(
        o.phase_noise,
        Some(crate::link::PhaseNoiseSpec::Wiener {
            linewidth_hz: 1000.0
        })
    );
    let expected = (std::f64::consts::TAU * 1000.0 / (128.0 * 30e3)).sqrt();
    assert!((o.phase_increment_std() - expected).abs() < 1e-15);
    let e = err(&ofdm("", "linewidth_hz = 1000"));
    assert_eq!(e.key, "phase_noise", "{e}");
    assert!(e.message.contains("domain = \"time\""), "{e}");
    let e = err(&format!("{GOOD}[phase_noise]\nlinewidth_hz = 1000\n"));
    assert_eq!(e.key, "phase_noise", "{e}");
    assert!(e.message.contains("[ofdm]"), "{e}");
    for (pn, key, what) in [
        (
            "linewidth_hz = 0.0",
            "phase_noise.linewidth_hz",
            "0 < linewidth_hz ≤ 30000",
        ),
        (
            "linewidth_hz = -5.0",
            "phase_noise.linewidth_hz",
            "0 < linewidth_hz",
        ),
        (
            "linewidth_hz = 30001.0",
            "phase_noise.linewidth_hz",
            "subcarrier spacing",
        ),
        (
            "linewidth_hz = nan",
            "phase_noise.linewidth_hz",
            "0 < linewidth_hz",
        ),
        (
            "model = \"tr38803\"\nlinewidth_hz = 1.0",
            "phase_noise.model",
            "wiener",
        ),
        ("", "phase_noise.linewidth_hz", "required"),
        (
            "linewidth_hz = 1.0\nlevel_dbc = 3",
            "phase_noise.level_dbc",
            "unknown field",
        ),
    ] {
        let e = err(&ofdm(time, pn));
        assert_eq!(e.key, key, "{pn}: {e}");
        assert!(e.message.contains(what), "{pn}: {e}");
    }
    // The location points into the file: the value of linewidth_hz.
    let text = ofdm(time, "linewidth_hz = -5.0");
    let e = err(&text);
    let line = text
        .lines()
        .position(|l| l.starts_with("linewidth_hz"))
        .unwrap()
        + 1;
    assert_eq!((e.line, e.column), (line, 16), "{e}");
}

/// `[phase_noise] model = "pole-zero"`: a named set shifted to the carrier (set A at
/// 28 GHz: −79.4 + 20·log10(28/30)), or the six custom keys; the Wiener and pole-zero keys
/// don't mix; lowest_hz below a tenth of half the sample rate (128 × 30 kHz / 20 = 192 kHz).
#[test]
fn pole_zero_phase_noise_keys_are_checked() {
    use crate::link::PhaseNoiseSpec;
    let ofdm = |pn: &str| {
        GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
            + "[ofdm]\ncarrier_ghz = 28\nsubcarrier_spacing_khz = 30\nnum_subcarriers = 96\n\
               domain = \"time\"\n[pilots]\nsymbols = [2]\n[phase_noise]\nmodel = \"pole-zero\"\n"
            + pn
            + "\n"
    };
    let spec = |pn: &str| {
        let r = resolve(&ofdm(pn), "s.toml").unwrap_or_else(|e| panic!("{e}"));
        match r.link.ofdm.unwrap().phase_noise {
            Some(PhaseNoiseSpec::PoleZero(s)) => s,
            other => panic!("{other:?}"),
        }
    };
    let a = spec("parameter_set = \"A\"");
    assert!((a.psd0_dbc_hz - (-79.4 + 20.0 * (28.0f64 / 30.0).log10())).abs() < 1e-12);
    assert_eq!((a.zeros.len(), a.poles.len(), a.lowest_hz), (3, 3, 1.0));
    let c = spec(
        "psd0_dbc_hz = -70\nreference_ghz = 14\nzeros_hz = [1e6]\nzero_orders = [2]\n\
         poles_hz = [1e4, 1e5]\npole_orders = [2, 1]\nlowest_hz = 100",
    );
    assert!((c.psd0_dbc_hz - (-70.0 + 20.0 * 2f64.log10())).abs() < 1e-12);
    assert_eq!(c.zeros, vec![[1e6, 2.0]]);
    assert_eq!(c.poles, vec![[1e4, 2.0], [1e5, 1.0]]);
    assert_eq!(c.lowest_hz, 100.0);
    for (pn, key, what) in [
        ("parameter_set = \"D\"", "phase_noise.parameter_set", "`C`"),
        ("", "phase_noise.psd0_dbc_hz", "required"),
        (
            "parameter_set = \"A\"\nlinewidth_hz = 5.0",
            "phase_noise.linewidth_hz",
            "wiener",
        ),
        (
            "parameter_set = \"A\"\npoles_hz = [1.0]",
            "phase_noise.poles_hz",
            "either parameter_set",
        ),
        (
            "parameter_set = \"A\"\nlowest_hz = 192000.0",
            "phase_noise.lowest_hz",
            "0 < lowest_hz < 192000",
        ),
        (
            "psd0_dbc_hz = -70\nreference_ghz = 14\nzeros_hz = [1e6]\nzero_orders = [2, 2]\n\
             poles_hz = [1e4]\npole_orders = [2]",
            "phase_noise.zero_orders",
            "expected 1 orders",
        ),
        (
            "psd0_dbc_hz = -70\nreference_ghz = 14\nzeros_hz = [1e6]\nzero_orders = [2]\n\
             poles_hz = [-1e4]\npole_orders = [2]",
            "phase_noise.poles_hz",
            "> 0 Hz",
        ),
        (
            "psd0_dbc_hz = -70\nreference_ghz = 14\nzeros_hz = [1e6]\nzero_orders = [2]\n\
             poles_hz = [1e4]\npole_orders = [11]",
            "phase_noise.pole_orders",
            "0 ≤ α ≤ 10",
        ),
        (
            "psd0_dbc_hz = -70\nzeros_hz = [1e6]\nzero_orders = [2]\n\
             poles_hz = [1e4]\npole_orders = [2]",
            "phase_noise.reference_ghz",
            "required",
        ),
    ] {
        let e = err(&ofdm(pn));
        assert_eq!(e.key, key, "{pn}: {e}");
        assert!(e.message.contains(what), "{pn}: {e}");
    }
    let small = ofdm("parameter_set = \"B\"")
        .replace("domain = \"time\"", "domain = \"time\"\nfft_size = 96");
    let e = err(&small);
    assert_eq!(e.key, "phase_noise.model", "{e}");
    assert!(e.message.contains("fft_size ≥ 128"), "{e}");
    let wiener = ofdm("linewidth_hz = 5.0\nlowest_hz = 3.0").replace("model = \"pole-zero\"\n", "");
    let e = err(&wiener);
    assert_eq!(e.key, "phase_noise.lowest_hz", "{e}");
    assert!(e.message.contains("pole-zero"), "{e}");
}
