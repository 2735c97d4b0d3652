//! Scenario files: schema ([`schema`]), checking and resolution into a runnable link and
//! sweep ([`resolve`]), and error locations ([`location`]).

mod fading_profile;
mod link_rules;
pub mod location;
mod mcs_link;
mod ofdm;
mod ofdm_time;
pub mod outer_sweep;
pub mod overrides;
mod ptrs;
pub mod resolve;
pub mod schema;
mod stochastic;
mod sweep_points;
mod training;

pub use location::ScenarioError;
pub use overrides::{apply_overrides, load_with};
pub use resolve::{load, resolve, Resolved};
pub use schema::Scenario;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::schema::EqualizerKind;

    pub(super) const GOOD: &str = r#"
name = "t"
seed = 3
[code]
info_bits = 1024
crc = "none"
rate = 0.5
decoder = { algorithm = "bp", iterations = 20, early_stop = false }
[modulation]
scheme = "qpsk"
[channel]
model = "awgn"
[sweep]
ebno_db = { start = 0.0, stop = 1.0, step = 0.5 }
"#;

    pub(super) fn err(text: &str) -> ScenarioError {
        resolve(text, "s.toml").expect_err("must be rejected")
    }

    #[test]
    fn good_scenario_resolves() {
        let r = resolve(GOOD, "s.toml").unwrap();
        assert_eq!(r.points.len(), 3);
        assert_eq!(r.link.coded_bits, 2048);
        // Eb/N0 → Es/N0: + 10 log10(0.5 · 2) = 0 dB.
        assert!((r.points[2].snr_db - 1.0).abs() < 1e-12);
    }

    #[test]
    fn unknown_variant_names_key_value_and_accepted() {
        let e = err(&GOOD.replace("model = \"awgn\"", "model = \"tdl-x\""));
        assert_eq!((e.line, e.column), (12, 9));
        assert_eq!(e.key, "channel.model");
        assert_eq!(e.value, "\"tdl-x\"");
        assert!(
            e.message.contains("awgn") && e.message.contains("rayleigh"),
            "{e}"
        );
        assert!(
            e.to_string()
                .starts_with("s.toml:12:9: channel.model = \"tdl-x\": "),
            "{e}"
        );
    }

    #[test]
    fn unknown_key_in_inline_table() {
        let e = err(&GOOD.replace("early_stop = false", "early_stopp = false"));
        assert_eq!(e.key, "code.decoder.early_stopp");
        assert!(e.message.contains("early_stop"), "{e}");
    }

    #[test]
    fn semantic_errors_have_locations() {
        let e = err(&GOOD.replace("rate = 0.5", "rate = 1.5"));
        assert_eq!(
            (e.key.as_str(), e.value.as_str(), e.line),
            ("code.rate", "1.5", 7)
        );
        assert!(e.message.contains("(0, 0.95]"));
        let e = err(&GOOD.replace("step = 0.5", "step = -0.5"));
        assert_eq!(e.key, "sweep.ebno_db");
        let e = err(&GOOD.replace("iterations = 20", "iterations = 0"));
        assert_eq!(
            (e.key.as_str(), e.value.as_str()),
            ("code.decoder.iterations", "0")
        );
        let e = err(&GOOD.replace("name = \"t\"", "name = \"a b\""));
        assert_eq!(e.key, "name");
    }

    #[test]
    fn missing_and_mistyped_values() {
        let e = err(&GOOD.replace(
            "[sweep]\nebno_db = { start = 0.0, stop = 1.0, step = 0.5 }",
            "",
        ));
        assert_eq!(e.key, "sweep");
        let e = err(&GOOD.replace("info_bits = 1024", "info_bits = \"many\""));
        assert_eq!(e.key, "code.info_bits");
        assert_eq!(e.line, 5);
        let e = err(&GOOD.replace("{ start = 0.0, stop = 1.0, step = 0.5 }", "\"high\""));
        assert!(e.message.contains("list of numbers"), "{e}");
        let e = err("name = \"x\"\n[sweep\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn training_and_neural_keys_are_checked() {
        // [training] needs an OFDM link.
        let e = err(&format!("{GOOD}[training]\nwidth = 8\n"));
        assert_eq!(e.key, "training");
        let ofdm = GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
            + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\nnum_subcarriers = 96\n\
               [pilots]\nsymbols = [2]\n";
        if let Err(e) = resolve(&ofdm, "s.toml") {
            panic!("{e}");
        }
        for (bad, key, what) in [
            ("kernel = 4", "training.kernel", "odd"),
            ("dilations = []", "training.dilations", "non-empty"),
            ("width = 0", "training.width", "1 ..= 256"),
            ("ebno_db = [5.0, 1.0]", "training.ebno_db", "low ≤ high"),
            ("profiles = [\"F\"]", "training.profiles", "\"A\""),
            (
                "warmup_steps = 10\nsteps = 10",
                "training.warmup_steps",
                "fewer",
            ),
            (
                "final_learning_rate = 1.0",
                "training.final_learning_rate",
                "≤ learning_rate",
            ),
        ] {
            let e = err(&format!("{ofdm}[training]\n{bad}\n"));
            assert_eq!(e.key, key, "{e}");
            assert!(e.message.contains(what), "{e}");
        }
        let e = err(&format!("{ofdm}[receiver]\nkind = \"neural\"\n"));
        assert_eq!(e.key, "receiver.weights");
        let e = err(&format!("{ofdm}[receiver]\nweights = \"m\"\n"));
        assert!(e.message.contains("kind = \"neural\" only"), "{e}");
    }

    /// `[antennas] precoding = "codebook"`: the TPMI's matrix of TS 38.211 §6.3.1.5 reaches
    /// the link; bad combinations name the key and what is accepted.
    #[test]
    fn codebook_precoding_keys_are_checked() {
        let ofdm = |antennas: &str| {
            GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
                + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\n\
                   num_subcarriers = 96\n[pilots]\nsymbols = [2]\n[antennas]\nrx = 2\n"
                + antennas
                + "\n"
        };
        let good = ofdm("tx = 4\nlayers = 2\nprecoding = \"codebook\"\ntpmi = 14");
        let r = resolve(&good, "s.toml").unwrap_or_else(|e| panic!("{e}"));
        let o = r.link.ofdm.unwrap();
        assert_eq!((o.tx_ports, o.layers), (4, 2));
        assert_eq!(o.precoder, crate::precoding::precoder(4, 2, 14));
        let plain = resolve(&ofdm("tx = 2\nlayers = 2"), "s.toml").unwrap();
        assert_eq!(plain.link.ofdm.unwrap().precoder, None);
        for (antennas, key, what) in [
            (
                "tx = 4\nlayers = 2",
                "antennas.tx",
                "precoding = \"codebook\"",
            ),
            (
                "tx = 4\nlayers = 2\nprecoding = \"codebook\"\ntpmi = 22",
                "antennas.tpmi",
                "expected 0 ..= 21 for 2 layer(s) on 4 ports (TS 38.211 Table 6.3.1.5-5)",
            ),
            (
                "tx = 2\nprecoding = \"codebook\"",
                "antennas.tpmi",
                "needs a tpmi: 0 ..= 5",
            ),
            (
                "tx = 3\nprecoding = \"codebook\"\ntpmi = 0",
                "antennas.tx",
                "tx = 2 or 4",
            ),
            (
                "tx = 1\ntpmi = 0",
                "antennas.tpmi",
                "precoding = \"codebook\" only",
            ),
            ("precoding = \"beam\"", "antennas.precoding", "codebook"),
        ] {
            let e = err(&ofdm(antennas));
            assert_eq!(e.key, key, "{e}");
            assert!(e.message.contains(what), "{e}");
        }
        let e = err(&good.replace("model = \"tdl\"", "model = \"awgn\""));
        assert_eq!(e.key, "antennas.precoding", "{e}");
        let e = err(&good.replace("model = \"tdl\"", "model = \"tdl\"\nnormalize = true"));
        assert_eq!(e.key, "channel.normalize", "{e}");
        // TDL spatial correlation: 0 ≤ x < 1, TDL only; zero is i.i.d.
        let corr = resolve(
            &ofdm("tx_correlation = 0.3\nrx_correlation = 0.9"),
            "s.toml",
        )
        .unwrap();
        assert_eq!(corr.link.ofdm.unwrap().correlation, Some([0.3, 0.9]));
        let zero = resolve(&ofdm("rx_correlation = 0.0"), "s.toml").unwrap();
        assert_eq!(zero.link.ofdm.unwrap().correlation, None);
        let e = err(&ofdm("rx_correlation = 1.0"));
        assert_eq!(e.key, "antennas.rx_correlation", "{e}");
        assert!(e.message.contains("0 ≤ correlation < 1"), "{e}");
        let e = err(&ofdm("tx_correlation = 0.5").replace("model = \"tdl\"", "model = \"cdl\""));
        assert_eq!(e.key, "antennas.tx_correlation", "{e}");
        assert!(e.message.contains("\"tdl\" only"), "{e}");
        let e = err(&ofdm(
            "tx = 4\nlayers = 2\nprecoding = \"codebook\"\ntpmi = 22",
        ));
        assert_eq!(
            e.line,
            good.lines().position(|l| l == "tpmi = 14").unwrap() + 1
        );
    }

    /// `[receiver] equalizer = "ml"`: up to 65 536 joint hypotheses, not with transform
    /// precoding; the error names the key and the count.
    #[test]
    fn ml_detection_keys_are_checked() {
        let ofdm = |antennas: &str, scheme: &str, extra: &str| {
            GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
                .replace("scheme = \"qpsk\"", &format!("scheme = \"{scheme}\""))
                + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\n\
                   num_subcarriers = 96\n"
                + extra
                + "\n[pilots]\nsymbols = [2]\n[antennas]\n"
                + antennas
                + "\n[receiver]\nequalizer = \"ml\"\n"
        };
        let four = "tx = 4\nrx = 4\nlayers = 4";
        let r = resolve(&ofdm(four, "16qam", ""), "s.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.link.ofdm.unwrap().equalizer, EqualizerKind::Ml);
        let e = err(&ofdm("tx = 3\nrx = 4\nlayers = 3", "256qam", ""));
        assert_eq!(e.key, "receiver.equalizer", "{e}");
        assert!(
            e.message.contains("256^3 = 16777216") && e.message.contains("65536"),
            "{e}"
        );
        // One code word of 16-QAM filling the 96 × 13 data resource elements.
        let tp = ofdm("rx = 2", "16qam", "transform_precoding = true")
            .replace("rate = 0.5", "coded_bits = 4992");
        let e = err(&tp);
        assert_eq!(e.key, "receiver.equalizer", "{e}");
        assert!(e.message.contains("DFT-s-OFDM"), "{e}");
        let e = err(&ofdm(four, "16qam", "").replace("\"ml\"", "\"mmse\""));
        assert!(e.message.contains("ml"), "{e}");
    }

    /// `[receiver] equalizer = "kbest"`: `kbest_paths` required, 1 ..= min(M^L, 65 536 / M),
    /// a positive `kbest_llr_clip`, both keys with K-best only, not with transform precoding.
    #[test]
    fn kbest_keys_are_checked() {
        let ofdm = |antennas: &str, scheme: &str, receiver: &str| {
            GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
                .replace("scheme = \"qpsk\"", &format!("scheme = \"{scheme}\""))
                + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\n\
                   num_subcarriers = 96\n[pilots]\nsymbols = [2]\n[antennas]\n"
                + antennas
                + "\n[receiver]\n"
                + receiver
        };
        let four = "tx = 4\nrx = 4\nlayers = 4";
        let kb = "equalizer = \"kbest\"\nkbest_paths = 32\n";
        let r = resolve(&ofdm(four, "64qam", kb), "s.toml").unwrap_or_else(|e| panic!("{e}"));
        let o = r.link.ofdm.unwrap();
        assert_eq!((o.equalizer, o.kbest_paths), (EqualizerKind::KBest, 32));
        assert_eq!(o.kbest_llr_clip, 20.0);
        let e = err(&ofdm(four, "64qam", "equalizer = \"kbest\"\n"));
        assert_eq!(e.key, "receiver.equalizer", "{e}");
        assert!(e.message.contains("kbest_paths"), "{e}");
        // One layer of QPSK: 4 hypotheses.
        let e = err(&ofdm("rx = 2", "qpsk", &kb.replace("32", "5")));
        assert_eq!(e.key, "receiver.kbest_paths", "{e}");
        assert!(e.message.contains("1 ..= 4"), "{e}");
        let e = err(&ofdm(four, "256qam", &kb.replace("32", "257")));
        assert!(e.message.contains("1 ..= 256"), "{e}");
        let e = err(&ofdm(four, "64qam", &kb.replace("32", "0")));
        assert_eq!(e.key, "receiver.kbest_paths", "{e}");
        let e = err(&ofdm(
            four,
            "64qam",
            &format!("{kb}kbest_llr_clip = -1.0\n"),
        ));
        assert_eq!(e.key, "receiver.kbest_llr_clip", "{e}");
        let e = err(&ofdm(four, "64qam", "kbest_paths = 8\n"));
        assert_eq!(e.key, "receiver.kbest_paths", "{e}");
        assert!(e.message.contains("kbest"), "{e}");
        let tp = ofdm("rx = 2", "16qam", kb)
            .replace("[pilots]", "transform_precoding = true\n[pilots]")
            .replace("rate = 0.5", "coded_bits = 4992");
        let e = err(&tp);
        assert_eq!(e.key, "receiver.equalizer", "{e}");
        assert!(e.message.contains("DFT-s-OFDM"), "{e}");
    }

    /// PT-RS keys of `[pilots]`: DMRS only, L ∈ {1, 2, 4}, K ∈ {2, 4}, offsets 0 … 3, whole
    /// PRBs, not with DFT-s-OFDM; the PT-RS REs leave the data (fewer code words or, with an
    /// MCS, a smaller G) and add to the pilot energy.
    #[test]
    fn ptrs_keys_are_checked() {
        let ofdm = |pilots: &str| {
            GOOD.replace("model = \"awgn\"", "model = \"tdl\"")
                .replace("info_bits = 1024", "info_bits = 288")
                + "[ofdm]\ncarrier_ghz = 28\nsubcarrier_spacing_khz = 120\nprbs = 24\n\
                   [pilots]\npattern = \"dmrs\"\n"
                + pilots
                + "\n"
        };
        let plain = resolve(&ofdm(""), "s.toml").unwrap().link.ofdm.unwrap();
        let r = resolve(&ofdm("ptrs = true\nptrs_time_density = 2"), "s.toml")
            .unwrap_or_else(|e| panic!("{e}"));
        let o = r.link.ofdm.as_ref().unwrap();
        let p = o.ptrs.as_ref().unwrap();
        assert_eq!(p.symbols, vec![0, 4, 6, 8, 10, 13]);
        assert_eq!(p.subcarriers.len(), 12);
        assert_eq!(o.data_res(), plain.data_res() - 6 * 12);
        assert!(o.is_ptrs(4, 24) && !o.is_ptrs(5, 24) && !o.is_ptrs(4, 25));
        for (pilots, key, what) in [
            (
                "pattern = \"kronecker\"\nptrs = true",
                "pilots.ptrs",
                "pattern = \"dmrs\"",
            ),
            (
                "ptrs = true\nptrs_time_density = 3",
                "pilots.ptrs_time_density",
                "1, 2 or 4",
            ),
            (
                "ptrs = true\nptrs_frequency_density = 1",
                "pilots.ptrs_frequency_density",
                "2 or 4",
            ),
            (
                "ptrs = true\nptrs_re_offset = 4",
                "pilots.ptrs_re_offset",
                "0, 1, 2 or 3",
            ),
            (
                "ptrs_time_density = 2",
                "pilots.ptrs_time_density",
                "ptrs = true",
            ),
        ] {
            let text = ofdm(pilots).replace("pattern = \"dmrs\"\npattern", "pattern");
            let e = err(&text);
            assert_eq!(e.key, key, "{pilots}: {e}");
            assert!(e.message.contains(what), "{pilots}: {e}");
        }
        let e = err(&ofdm("ptrs = true").replace("prbs = 24", "num_subcarriers = 100"));
        assert!(e.message.contains("multiple of 12"), "{e}");
        // An MCS slot: G counts the REs left for data (TBS as without PT-RS).
        let mcs = |pilots: &str| {
            let text = ofdm(pilots)
                .replace(
                    "info_bits = 288\ncrc = \"none\"\nrate = 0.5\n",
                    "mcs = 10\n",
                )
                .replace("scheme = \"qpsk\"\n", "");
            resolve(&text, "s.toml")
                .unwrap_or_else(|e| panic!("{e}"))
                .link
        };
        let (a, b) = (mcs(""), mcs("ptrs = true"));
        assert_eq!(a.info_bits, b.info_bits);
        let ptrs_res = b.ofdm.as_ref().unwrap().ptrs_res();
        assert_eq!(
            a.coded_bits - b.coded_bits,
            ptrs_res * 4,
            "16-QAM: 4 bits per RE"
        );
    }

    /// `[harq]`: ranges, an LDPC code with a CRC, one transport block per slot, no
    /// `redundancy_version` next to it; defaults (4 transmissions, RVs 0 2 3 1).
    #[test]
    fn harq_keys_are_checked() {
        let with_crc = GOOD.replace("crc = \"none\"", "crc = \"24a\"");
        let r = resolve(&format!("{with_crc}[harq]\n"), "s.toml").unwrap();
        let h = r.link.harq.expect("HARQ");
        assert_eq!((h.max_transmissions, h.rv_sequence), (4, vec![0, 2, 3, 1]));
        assert!(resolve(&with_crc, "s.toml").unwrap().link.harq.is_none());
        for (harq, key, what) in [
            (
                "max_transmissions = 0",
                "harq.max_transmissions",
                "1 ..= 16",
            ),
            (
                "max_transmissions = 17",
                "harq.max_transmissions",
                "1 ..= 16",
            ),
            ("rv_sequence = [0, 4]", "harq.rv_sequence", "0, 1, 2 or 3"),
            ("rv_sequence = []", "harq.rv_sequence", "0, 1, 2 or 3"),
            ("rv = [0]", "harq.rv", "unknown field"),
        ] {
            let e = err(&format!("{with_crc}[harq]\n{harq}\n"));
            assert_eq!(e.key, key, "{harq}: {e}");
            assert!(e.message.contains(what), "{harq}: {e}");
        }
        let e = err(&format!("{GOOD}[harq]\n"));
        assert_eq!(e.key, "code.crc", "{e}");
        assert!(e.message.contains("CRC"), "{e}");
        let rv = with_crc.replace("rate = 0.5", "rate = 0.5\nredundancy_version = 2");
        let e = err(&format!("{rv}[harq]\n"));
        assert_eq!(e.key, "code.redundancy_version", "{e}");
        let uncoded = "name = \"t\"\n[code]\nkind = \"none\"\n[sweep]\nsnr_db = [1.0]\n[harq]\n";
        assert_eq!(err(uncoded).key, "harq");
        // Three code words per OFDM slot: HARQ needs one transport block per slot.
        let ofdm = with_crc.replace("model = \"awgn\"", "model = \"tdl\"")
            + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\nnum_subcarriers = 288\n\
               [pilots]\nsymbols = [2]\n[harq]\n";
        let e = err(&ofdm);
        assert_eq!(e.key, "harq", "{e}");
        assert!(e.message.contains("one transport block per slot"), "{e}");
    }
}
