//! `[channel] normalize = true` in the time domain: each slot's window-averaged channel (the
//! diagonal, what perfect CSI knows) has unit mean energy per resource element, and the
//! waveform's path coefficients are scaled with it, so the received grid carries that energy.

use receivers::ofdm_chain::{simulate_slot, OfdmPrepared, OfdmScratch};
use sim_core::rng::BlockRng;
use sim_core::scenario::resolve;
use sim_core::Constellation;

/// Per slot: mean |ĥ|² over links and resource elements (perfect CSI), and mean |y|² over
/// receive antennas and resource elements (every RE loaded, noise 60 dB down).
fn energies(normalize: bool) -> Vec<(f64, f64)> {
    let text = format!(
        "name = \"n\"\nseed = 4\n[code]\ninfo_bits = 288\ncoded_bits = 576\ncrc = \"none\"\n\
         [modulation]\nscheme = \"qpsk\"\n[ofdm]\ncarrier_ghz = 3.5\nprbs = 4\n\
         domain = \"time\"\n[pilots]\nsymbols = [2, 11]\n[antennas]\nrx = 2\n\
         pattern = \"38.901\"\n[channel]\nmodel = \"uma\"\ncondition = \"nlos\"\n\
         speed_kmh = 30\nnormalize = {normalize}\n[receiver]\nestimator = \"perfect\"\n\
         [sweep]\nsnr_db = [60.0]\n"
    );
    let run = resolve(&text, "n.toml").unwrap_or_else(|e| panic!("{e}"));
    let link = &run.link;
    let prep = OfdmPrepared::new(link.ofdm.as_ref().unwrap());
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let mut s = OfdmScratch::default();
    let mean = |v: &[[f32; 2]]| {
        v.iter()
            .map(|c| (c[0] as f64).powi(2) + (c[1] as f64).powi(2))
            .sum::<f64>()
            / v.len() as f64
    };
    (0..12)
        .map(|slot| {
            let rng = BlockRng::new(4, 0, slot);
            let p = &run.points[0];
            simulate_slot(link, &prep, codec.as_ref(), &constellation, p, &rng, &mut s);
            let t = s.trace();
            (mean(t.h_hat), mean(t.y))
        })
        .collect()
}

#[test]
fn normalized_time_domain_slots_have_unit_energy() {
    let plain = energies(false);
    let normalized = energies(true);
    // Without normalization the drops' powers (and the 38.901 element gains) vary.
    let spread = plain.iter().map(|e| e.0).fold(0.0, f64::max)
        / plain.iter().map(|e| e.0).fold(f64::MAX, f64::min);
    assert!(
        spread > 1.5,
        "unnormalized slot energies spread only {spread}"
    );
    for (i, ((h, y), (h0, y0))) in normalized.iter().zip(&plain).enumerate() {
        assert!((h - 1.0).abs() < 1e-4, "slot {i}: mean |h|² {h}");
        // The same drop and noise: the received grid scales with the channel (ISI and ICI
        // included), so its energy ratio is the channel's.
        let ratio = (y / y0) / (h / h0);
        assert!(
            (ratio - 1.0).abs() < 1e-3,
            "slot {i}: y ratio / h ratio = {ratio}"
        );
        assert!((y - 1.0).abs() < 0.2, "slot {i}: mean |y|² {y}");
    }
}
