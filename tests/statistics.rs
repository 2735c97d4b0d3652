//! Statistical checks of the whole CPU chain against theory and against published curves.
//! Every test uses a fixed seed; each states its tolerance.

mod common;

use common::{simulate, sionna_rows, stop};
use sim_core::engine::PointResult;
use sim_core::stats::{wilson_interval, Z95};
use sim_core::{Constellation, Modulation};

fn q(x: f64) -> f64 {
    0.5 * libm::erfc(x / std::f64::consts::SQRT_2)
}

/// Checks a measured BER against `theory` within 4 standard deviations. Bit errors inside a
/// symbol are correlated, so the binomial variance does not hold; with at most Q_m errors per
/// symbol, Var(BER estimate) ≤ p / n_symbols, which is what we use.
fn assert_ber(name: &str, r: &PointResult, bits_per_symbol: usize, theory: f64) {
    let n_sym = r.counters.bits as f64 / bits_per_symbol as f64;
    let sigma = (theory / n_sym).sqrt();
    let ber = r.counters.ber();
    assert!(
        (ber - theory).abs() < 4.0 * sigma,
        "{name}: BER {ber:.5e} vs theory {theory:.5e} (4σ = {:.2e}, {} bits)",
        4.0 * sigma,
        r.counters.bits
    );
}

fn uncoded(scheme: &str, channel: &str, sweep: &str, max_blocks: u64) -> Vec<PointResult> {
    let text = format!(
        "name = 'u'\nseed = 5\n[code]\nkind = 'none'\ninfo_bits = 1200\n[modulation]\nscheme = '{scheme}'\n\
         [channel]\nmodel = '{channel}'\n[sweep]\n{sweep}\n"
    );
    simulate(&text, stop(u64::MAX, max_blocks))
}

/// Uncoded BER over AWGN of every square map against the exact closed form (Q-functions over
/// the Gray-labelled decision regions), at three SNRs each.
#[test]
fn uncoded_awgn_ber_matches_closed_form() {
    let cases = [
        (Modulation::Bpsk, "bpsk", [0.0, 3.0, 6.0]),
        (Modulation::Qpsk, "qpsk", [3.0, 7.0, 10.0]),
        (Modulation::Qam16, "16qam", [8.0, 12.0, 15.0]),
        (Modulation::Qam64, "64qam", [14.0, 18.0, 21.0]),
        (Modulation::Qam256, "256qam", [20.0, 24.0, 27.0]),
    ];
    for (m, name, snrs) in cases {
        let sweep = format!("snr_db = {snrs:?}");
        let res = uncoded(name, "awgn", &sweep, 4000);
        let c = Constellation::new(m);
        for (r, snr) in res.iter().zip(snrs) {
            let theory = c.awgn_ber(10f64.powf(snr / 10.0));
            assert!(
                r.counters.bit_errors > 100,
                "{name} at {snr} dB: too few errors to test"
            );
            assert_ber(&format!("{name} {snr} dB"), r, m.bits_per_symbol(), theory);
        }
    }
    // The closed form itself, for BPSK: Q(√(2 Eb/N0)).
    let bpsk = Constellation::new(Modulation::Bpsk);
    assert!((bpsk.awgn_ber(10f64.powf(0.6)) - q((2.0 * 10f64.powf(0.6)).sqrt())).abs() < 1e-12);
}

/// BPSK over flat fast Rayleigh fading with perfect CSI: P_b = ½(1 − √(γ/(1+γ))).
#[test]
fn uncoded_bpsk_rayleigh_matches_closed_form() {
    let ebno = [0.0, 10.0, 20.0];
    let res = uncoded("bpsk", "rayleigh", &format!("ebno_db = {ebno:?}"), 4000);
    for (r, e) in res.iter().zip(ebno) {
        let g = 10f64.powf(e / 10.0);
        let theory = 0.5 * (1.0 - (g / (1.0 + g)).sqrt());
        assert_ber(&format!("bpsk rayleigh {e} dB"), r, 1, theory);
    }
}

const K1024: &str = r#"
name = "k1024"
seed = 3
[code]
info_bits = 1024
crc = "none"
rate = 0.5
decoder = { algorithm = "bp", iterations = 20, early_stop = true }
[modulation]
scheme = "qpsk"
[sweep]
ebno_db = [0.5, 2.0]
"#;

/// Flooding BP at K = 1024, R = 1/2, QPSK, AWGN: BLER ≤ 1e-2 at 2 dB and ≥ 0.5 at 0.5 dB,
/// each claimed with the 95% Wilson interval (upper bound resp. lower bound).
#[test]
fn bp_k1024_waterfall() {
    let res = simulate(K1024, stop(400, 3000));
    let (lo, _) = wilson_interval(res[0].counters.block_errors, res[0].counters.blocks, Z95);
    assert!(lo >= 0.5, "BLER at 0.5 dB: {:?}", res[0].counters);
    let (_, hi) = wilson_interval(res[1].counters.block_errors, res[1].counters.blocks, Z95);
    assert!(hi <= 1e-2, "BLER at 2.0 dB: {:?}", res[1].counters);
}

/// Every decoder family decodes the K = 1024 code at 2 dB; min-sum variants lose a little.
#[test]
fn other_decoders_work_at_2db() {
    for alg in ["layered-bp", "min-sum", "layered-min-sum"] {
        let text = K1024
            .replace("\"bp\"", &format!("\"{alg}\""))
            .replace("[0.5, 2.0]", "[2.0]");
        let res = simulate(&text, stop(50, 600));
        let bler = res[0].counters.bler();
        assert!(bler < 0.05, "{alg}: BLER {bler} at 2 dB");
    }
}

/// Agreement with NVIDIA Sionna 2.2 (shared/reference/sionna_reference_bler.csv,
/// `awgn_ldpc_16qam`: K = 4096, N = 8192, BG1, 16-QAM, BP 20 iterations, no early stop).
/// Tolerance: 4 standard deviations of the difference of two binomial estimates.
#[test]
fn matches_sionna_awgn_16qam() {
    let rows: Vec<(f64, f64, f64)> = sionna_rows("awgn_ldpc_16qam")
        .into_iter()
        .filter(|&(e, _, _)| (3.0..=3.5).contains(&e))
        .collect();
    assert_eq!(rows.len(), 3);
    let sweep: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/awgn-bg1-16qam-sionna.toml"
    ))
    .unwrap()
    .replace("[2.75, 3.0, 3.25, 3.5, 3.75]", &format!("{sweep:?}"));
    let res = simulate(&text, stop(150, 1500));
    for ((ebno, n_ref, p_ref), r) in rows.iter().zip(&res) {
        let (p, n) = (r.counters.bler(), r.counters.blocks as f64);
        let sigma = (p * (1.0 - p) / n + p_ref * (1.0 - p_ref) / n_ref)
            .sqrt()
            .max(1e-3);
        assert!(
            (p - p_ref).abs() < 4.0 * sigma,
            "Eb/N0 {ebno}: BLER {p:.4} ({} blocks) vs Sionna {p_ref:.4}",
            r.counters.blocks
        );
    }
}
