//! Bad scenarios exit 2 with their location; every shipped scenario validates; `--set`
//! overrides.

use crate::{bin, repo, temp_dir, text};

#[test]
fn bad_scenarios_exit_2_with_location() {
    let dir = temp_dir("bad");
    let cases = [
        (
            "model = \"awgn\"",
            "model = \"tdl\"",
            "channel.model = \"tdl\"",
        ),
        ("rate = 0.5", "rate = 1.5", "code.rate = 1.5"),
        (
            "scheme = \"qpsk\"",
            "scheme = \"8psk\"",
            "modulation.scheme = \"8psk\"",
        ),
        (
            "min_block_errors = 100",
            "min_block_erors = 100",
            "stop.min_block_erors",
        ),
    ];
    let ofdm_cases = [
        (
            "profile = \"A\"",
            "profile = \"F\"",
            "channel.profile = \"F\": expected one of",
        ),
        (
            "domain = \"frequency\"",
            "domain = \"time\"",
            "ofdm.domain = \"time\"",
        ),
        (
            "domain = \"frequency\"",
            "fft_size = 512\ndomain = \"frequency\"",
            "ofdm.fft_size = 512: the FFT size applies to domain = \"time\" only",
        ),
        ("rx = 1", "rx = 9", "antennas.rx = 9: expected 1 ..= 8"),
        (
            "profile = \"A\"",
            "angle_spreads_deg = [5.0, 20.0, 3.0, 7.0]\nprofile = \"A\"",
            "channel.angle_spreads_deg = [5.0, 20.0, 3.0, 7.0]: angle scaling applies to model = \"cdl\" only",
        ),
        (
            "rx = 1",
            "rx_rows = 2\nrx = 1",
            "antennas.rx_rows = 2: expected a divisor",
        ),
        (
            "symbols = [2, 11]",
            "symbols = [2, 14]",
            "pilots.symbols = [2, 14]",
        ),
        (
            "subcarrier_spacing_khz = 30",
            "subcarrier_spacing_khz = 20",
            "expected 15, 30, 60",
        ),
        (
            "domain = \"frequency\"",
            "dc_null = true\nguard_carriers = [0, 700]\ndomain = \"frequency\"",
            "ofdm.dc_null = true: the DC (grid index 638 of 1277) falls in a guard band",
        ),
        (
            "domain = \"frequency\"",
            "guard_carriers = [5000, 0]\ndomain = \"frequency\"",
            "ofdm.guard_carriers = [5000, 0]: expected [below, above] with 0 ..= 4096",
        ),
        (
            "estimator = \"perfect\"",
            "extrapolation = \"linear\"\ninterpolation = \"nearest\"\nestimator = \"ls\"",
            "receiver.extrapolation = \"linear\": extrapolation = \"linear\" continues linear interpolation",
        ),
        (
            "estimator = \"perfect\"",
            "extrapolation = \"quadratic\"\nestimator = \"perfect\"",
            "receiver.extrapolation = \"quadratic\": unknown variant `quadratic`, expected `hold` or `linear`",
        ),
    ];
    let files = [
        ("scenarios/quickstart.toml", &cases[..]),
        ("scenarios/tdl-a-siso-16qam-sionna.toml", &ofdm_cases[..]),
    ];
    for (file, cases) in files {
        let good = std::fs::read_to_string(repo(file)).unwrap();
        for &(from, to, expect) in cases {
            assert!(good.contains(from), "{from}");
            let path = dir.join("bad.toml");
            std::fs::write(&path, good.replace(from, to)).unwrap();
            let line = good[..good.find(from).unwrap()].matches('\n').count() + 1;
            let o = bin()
                .arg("run")
                .arg(&path)
                .arg("--out")
                .arg(&dir)
                .output()
                .unwrap();
            assert_eq!(o.status.code(), Some(2), "{}", text(&o));
            let msg = text(&o);
            let loc = format!("bad.toml:{line}:");
            assert!(
                msg.contains(&loc) && msg.contains(expect),
                "expected {loc} … {expect} in: {msg}"
            );
        }
    }
    let o = bin()
        .args(["validate", "no/such/file.toml"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no/such/file.toml"));
    // Time domain with paths longer than the slot (TDL-A 2 µs: 19.3 µs; 960 kHz: a slot of
    // 15.6 µs): refused, naming the file and the key.
    let good =
        std::fs::read_to_string(repo("scenarios/tdl-a-500kmh-15khz-64qam-time.toml")).unwrap();
    assert!(good.contains("subcarrier_spacing_khz = 15\n"));
    let path = dir.join("long.toml");
    std::fs::write(
        &path,
        good.replace("delay_spread_ns = 100", "delay_spread_ns = 2000")
            .replace(
                "subcarrier_spacing_khz = 15\n",
                "subcarrier_spacing_khz = 960\n",
            ),
    )
    .unwrap();
    let o = bin().arg("validate").arg(&path).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("long.toml: channel.delay_spread_ns")
            && msg.contains("reaches past the whole slot"),
        "{msg}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_shipped_scenario_validates() {
    for entry in std::fs::read_dir(repo("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let o = bin().arg("validate").arg(&path).output().unwrap();
            assert!(o.status.success(), "{}: {}", path.display(), text(&o));
        }
    }
    let o = bin()
        .args(["validate", "scenarios/quickstart.toml"])
        .current_dir(repo(""))
        .output()
        .unwrap();
    let t = text(&o);
    assert!(
        t.contains("Z = 104") && t.contains("BG2") && t.contains("G = 2048"),
        "{t}"
    );
}

/// `--set KEY=VALUE` changes a scenario key before it is resolved (validate shows it; an
/// override the scenario check rejects is located at the file's line; a malformed one and
/// an unknown key exit 2).
#[test]
fn set_overrides_scenario_keys() {
    let validate = |sets: &[&str]| {
        let mut c = bin();
        c.args(["validate", "scenarios/tdl-a-1x2-mcs13-dmrs-ls.toml"]);
        for s in sets {
            c.args(["--set", s]);
        }
        c.current_dir(repo("")).output().unwrap()
    };
    let o = validate(&["code.mcs=20", "ofdm.prbs=48", "name=mcs20"]);
    assert!(o.status.success(), "{}", text(&o));
    let t = text(&o);
    assert!(
        t.contains("scenario   mcs20") && t.contains("A = 23040"),
        "{t}"
    );
    let o = validate(&["code.mcs=40"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("tdl-a-1x2-mcs13-dmrs-ls.toml:12:7: code.mcs = 40"),
        "{}",
        text(&o)
    );
    for bad in ["code.mcs", "code.mcs_tabel=qam256", "code.mcs.x=1"] {
        let o = validate(&[bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", text(&o));
    }
}
