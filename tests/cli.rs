//! End-to-end runs of the `ferrolink` binary: outputs, resume, reproducibility, errors.

use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrolink"))
}

fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ferrolink-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn read_table(path: &Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap())
        .finish()
        .unwrap()
}

#[test]
fn quickstart_writes_tables_plots_and_resumes() {
    let out = temp_dir("quick");
    let run = || {
        bin()
            .args(["run", "scenarios/quickstart.toml", "--quick", "--out"])
            .arg(&out)
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first));
    let dir = out.join("quickstart");
    for f in ["points.parquet", "points.csv", "bler.svg", "bler.png"] {
        assert!(dir.join(f).metadata().unwrap().len() > 100, "{f} missing");
    }
    let df = read_table(&dir.join("points.parquet"));
    for col in [
        "ebno_db",
        "snr_db",
        "blocks",
        "block_errors",
        "bler",
        "bler_ci_low",
        "bler_ci_high",
        "ber",
        "info_bits_per_s",
        "device",
    ] {
        assert!(df.column(col).is_ok(), "column {col} missing");
    }
    assert!(df.height() >= 3);
    // The scenario text travels in the Parquet key-value metadata.
    let bytes = std::fs::read(dir.join("points.parquet")).unwrap();
    let needle = b"ferrolink.scenario_toml";
    assert!(bytes.windows(needle.len()).any(|w| w == needle));
    assert!(bytes.windows(18).any(|w| w == b"name = \"quickstart"));
    // A second run reuses every finished point and gives the same table.
    let second = run();
    assert!(second.status.success());
    assert!(
        text(&second).contains("resumed from the checkpoint"),
        "{}",
        text(&second)
    );
    let df2 = read_table(&dir.join("points.parquet"));
    assert_eq!(
        df.column("block_errors").unwrap().as_materialized_series(),
        df2.column("block_errors").unwrap().as_materialized_series()
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// Same scenario and seed give the same counters, on the CPU and on the GPU executor
/// (lavapipe here); another seed gives others.
#[test]
fn runs_are_reproducible() {
    let out = temp_dir("repro");
    let counters = |seed: &str, sub: &str, device: &str| {
        let o = bin()
            .args([
                "run",
                "scenarios/quickstart.toml",
                "--quick",
                "--fresh",
                "--device",
                device,
                "--seed",
                seed,
                "--out",
            ])
            .arg(out.join(sub))
            .current_dir(repo(""))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let df = read_table(&out.join(sub).join("quickstart/points.parquet"));
        let s = df
            .column("bit_errors")
            .unwrap()
            .as_materialized_series()
            .clone();
        s.u64().unwrap().into_no_null_iter().collect::<Vec<u64>>()
    };
    let a = counters("7", "a", "cpu");
    let b = counters("7", "b", "cpu");
    let c = counters("8", "c", "cpu");
    assert_eq!(a, b);
    assert_ne!(a, c);
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        assert_eq!(a, counters("7", "g", "gpu"), "GPU executor counters");
    }
    std::fs::remove_dir_all(&out).unwrap();
}

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
    // Time domain with paths longer than a symbol: refused, naming the file and the key.
    let good =
        std::fs::read_to_string(repo("scenarios/tdl-a-500kmh-15khz-64qam-time.toml")).unwrap();
    let path = dir.join("long.toml");
    std::fs::write(
        &path,
        good.replace("delay_spread_ns = 100", "delay_spread_ns = 9000"),
    )
    .unwrap();
    let o = bin().arg("validate").arg(&path).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let msg = text(&o);
    assert!(
        msg.contains("long.toml: channel.delay_spread_ns")
            && msg.contains("reaches past one OFDM symbol"),
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

#[test]
fn devices_and_bench_run() {
    let o = bin().arg("devices").output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("--device auto uses"));
    let o = bin().args(["bench", "--quick"]).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("end-to-end cpu"));
}

/// An OFDM run writes the throughput plot and the OFDM columns; the GPU executor (lavapipe
/// here) gives the same code word and slot errors, in the frequency and the time domain.
#[test]
fn ofdm_run_writes_throughput() {
    let out = temp_dir("ofdm");
    let run = |device: &str, scenario: &str| {
        bin()
            .args([
                "run", scenario, "--quick", "--fresh", "--device", device, "--out",
            ])
            .arg(out.join(device))
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let o = run("cpu", "scenarios/tdl-c-500kmh-perfect.toml");
    assert!(o.status.success(), "{}", text(&o));
    let dir = out.join("cpu/tdl-c-500kmh-perfect");
    for f in ["throughput.svg", "throughput.png", "bler.png"] {
        assert!(dir.join(f).exists(), "{f}");
    }
    let df = read_table(&dir.join("points.parquet"));
    let tp = df.column("throughput_mbps").unwrap().f64().unwrap().clone();
    let slots = df.column("slots").unwrap().u64().unwrap().clone();
    let blocks = df.column("blocks").unwrap().u64().unwrap().clone();
    for i in 0..df.height() {
        // Two code words per slot in this scenario.
        assert_eq!(blocks.get(i).unwrap(), 2 * slots.get(i).unwrap());
        assert!(tp.get(i).unwrap() >= 0.0);
    }
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        let o = run("gpu", "scenarios/tdl-c-500kmh-perfect.toml");
        assert!(o.status.success(), "{}", text(&o));
        let g = read_table(&out.join("gpu/tdl-c-500kmh-perfect/points.parquet"));
        for col in ["blocks", "block_errors", "slots", "slot_errors"] {
            assert_eq!(
                df.column(col).unwrap().as_materialized_series(),
                g.column(col).unwrap().as_materialized_series(),
                "{col}: CPU vs GPU"
            );
        }
        // Time-domain OFDM (FFT kernels) too.
        let name = "tdl-a-500kmh-15khz-64qam-time";
        for device in ["cpu", "gpu"] {
            let o = run(device, &format!("scenarios/{name}.toml"));
            assert!(o.status.success(), "{}", text(&o));
        }
        let (c, g) = (
            read_table(&out.join(format!("cpu/{name}/points.parquet"))),
            read_table(&out.join(format!("gpu/{name}/points.parquet"))),
        );
        for col in ["blocks", "block_errors"] {
            assert_eq!(
                c.column(col).unwrap().as_materialized_series(),
                g.column(col).unwrap().as_materialized_series(),
                "time domain {col}: CPU vs GPU"
            );
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}

/// An MCS slot with HARQ through the CLI: the table has the HARQ columns (the residual BLER
/// never above the first transmission's, 1 ..= 4 transmissions, throughput per slot spent),
/// `--device gpu` agrees with the CPU (BLER in its interval), and the MCS twin without HARQ has the
/// first-transmission BLER as its BLER (one transmission).
#[test]
fn mcs_harq_run_writes_harq_columns() {
    let out = temp_dir("harq");
    let run_with = |device: &str, name: &str, sets: &[&str], sub: &str| {
        let mut c = bin();
        c.args([
            "run",
            &format!("scenarios/{name}.toml"),
            "--quick",
            "--fresh",
        ]);
        for kv in sets {
            c.args(["--set", kv]);
        }
        c.args(["--device", device, "--out"])
            .arg(out.join(sub))
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let run = |device: &str, name: &str| run_with(device, name, &[], device);
    let harq = "tdl-a-1x2-mcs13-dmrs-ls-harq";
    let o = run("cpu", harq);
    assert!(o.status.success(), "{}", text(&o));
    let df = read_table(&out.join(format!("cpu/{harq}/points.parquet")));
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        // Two low-SNR points (3 to 4 transmissions a block) with layered min-sum: the GPU's
        // residual BLER inside the CPU's 95% interval, its transmissions per block within 2%
        // (the OFDM chain's LLRs agree to ~1e-6, not bit for bit, so a block near the
        // threshold may pass one transmission earlier or later on one device).
        let sets = [
            "sweep.snr_db=[0.0, 2.0]",
            "code.decoder={ algorithm = \"layered-min-sum\", iterations = 10 }",
        ];
        let tables: Vec<_> = ["cpu", "gpu"]
            .iter()
            .map(|device| {
                let sub = format!("{device}-low");
                let o = run_with(device, harq, &sets, &sub);
                assert!(o.status.success(), "{}", text(&o));
                read_table(&out.join(format!("{sub}/{harq}/points.parquet")))
            })
            .collect();
        let get = |t: usize, name: &str, i: usize| {
            let c = tables[t]
                .column(name)
                .unwrap()
                .cast(&DataType::Float64)
                .unwrap();
            c.f64().unwrap().get(i).unwrap()
        };
        for i in 0..2 {
            let (errors, blocks) = (get(0, "block_errors", i), get(0, "blocks", i));
            let (lo, hi) = sim_core::stats::wilson_interval(errors as u64, blocks as u64, 1.959964);
            let gpu = get(1, "bler", i);
            assert!(
                (lo..=hi).contains(&gpu),
                "point {i}: GPU BLER {gpu} outside [{lo}, {hi}]"
            );
            let (c, g) = (
                get(0, "avg_transmissions", i),
                get(1, "avg_transmissions", i),
            );
            assert!(
                (c - g).abs() < 0.02 * c,
                "point {i}: transmissions CPU {c}, GPU {g}"
            );
        }
    }
    let col = |name: &str| df.column(name).unwrap().f64().unwrap().clone();
    let (bler, first, tx, tp) = (
        col("bler"),
        col("first_tx_bler"),
        col("avg_transmissions"),
        col("throughput_mbps"),
    );
    for i in 0..df.height() {
        let (b, f, t) = (
            bler.get(i).unwrap(),
            first.get(i).unwrap(),
            tx.get(i).unwrap(),
        );
        assert!(b <= f && (1.0..=4.0).contains(&t), "point {i}: {b} {f} {t}");
        // TBS 6528 bits per 0.5 ms slot.
        let expect = (1.0 - b) * 6528.0 / t / 500e-6 / 1e6;
        assert!(
            (tp.get(i).unwrap() - expect).abs() < 1e-3 * expect.max(1e-3),
            "point {i}"
        );
    }
    let plain = "tdl-a-1x2-mcs13-dmrs-ls";
    let o = run("cpu", plain);
    assert!(o.status.success(), "{}", text(&o));
    let p = read_table(&out.join(format!("cpu/{plain}/points.parquet")));
    assert_eq!(
        p.column("bler").unwrap().as_materialized_series(),
        p.column("first_tx_bler").unwrap().as_materialized_series()
    );
    let ones = p
        .column("avg_transmissions")
        .unwrap()
        .f64()
        .unwrap()
        .clone();
    assert!((0..p.height()).all(|i| ones.get(i) == Some(1.0)));
    std::fs::remove_dir_all(&out).unwrap();
}

/// `--set KEY=VALUE` changes a scenario key before it is resolved (validate shows it; an
/// override the scenario check rejects is located at the file's line; a malformed one and
/// an unknown key exit 2).
/// `[sweep] mcs = [..]`: one run per MCS in its own folder (`<name>-mcs<I>`), then the joined
/// table (an `mcs` column, every sub-run's rows) and the throughput plot with the envelope;
/// a list entry that does not resolve and `mcs` in both tables are exit-2 errors.
#[test]
fn mcs_sweep_runs_each_mcs_and_joins() {
    let out = temp_dir("mcs-sweep");
    let scenario = out.join("ms.toml");
    let toml_text =
        "name = \"ms\"\n[code]\ndecoder = { algorithm = \"layered-min-sum\", iterations = 6 }\n\
                [ofdm]\nprbs = 6\n[pilots]\npattern = \"dmrs\"\n[channel]\nmodel = \"awgn\"\n\
                [receiver]\nestimator = \"perfect\"\n[sweep]\nsnr_db = [0.0, 4.0, 8.0]\n\
                mcs = [2, 9]\n[stop]\nmin_block_errors = 10\nmax_blocks = 100\n";
    std::fs::write(&scenario, toml_text).unwrap();
    let o = bin()
        .args(["run", "--device", "cpu", "--out"])
        .arg(&out)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let joined = read_table(&out.join("ms/points.parquet"));
    let mcs = joined.column("mcs").unwrap().u32().unwrap().clone();
    let mut rows = 0;
    for m in [2u32, 9] {
        let sub = read_table(&out.join(format!("ms-mcs{m}/points.parquet")));
        let here: Vec<usize> = (0..joined.height())
            .filter(|&i| mcs.get(i) == Some(m))
            .collect();
        assert_eq!(here.len(), sub.height(), "MCS {m} rows");
        let blocks = joined.column("blocks").unwrap().u64().unwrap();
        let sub_blocks = sub.column("blocks").unwrap().u64().unwrap();
        for (j, &i) in here.iter().enumerate() {
            assert_eq!(blocks.get(i), sub_blocks.get(j), "MCS {m} point {j}");
        }
        rows += sub.height();
    }
    assert_eq!(joined.height(), rows);
    for f in ["ms/throughput.svg", "ms/throughput.png", "ms/points.csv"] {
        assert!(out.join(f).exists(), "{f}");
    }
    let fail = |extra: &str| {
        let bad = out.join("bad.toml");
        std::fs::write(&bad, toml_text.replace("mcs = [2, 9]", extra)).unwrap();
        let o = bin().arg("validate").arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        text(&o)
    };
    let e = fail("mcs = [2, 29]");
    assert!(e.contains("sweep.mcs") && e.contains("MCS 29"), "{e}");
    let both = toml_text.replace("[code]\n", "[code]\nmcs = 4\n");
    std::fs::write(out.join("both.toml"), both).unwrap();
    let o = bin()
        .arg("validate")
        .arg(out.join("both.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("not both"), "{}", text(&o));
    std::fs::remove_dir_all(&out).unwrap();
}

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

/// Two shards then `--merge` give the same counters as one whole run; `--merge` with a
/// shard missing fails; a bad `--shard` is a usage error.
#[test]
fn sharded_run_merges_to_the_whole_run() {
    let out = temp_dir("shards");
    let run = |dir: &str, extra: &[&str]| {
        let o = bin()
            .args([
                "run",
                "scenarios/quickstart.toml",
                "--quick",
                "--device",
                "cpu",
                "--out",
            ])
            .arg(out.join(dir))
            .args(extra)
            .current_dir(repo(""))
            .output()
            .unwrap();
        (o.status.code(), text(&o))
    };
    let (code, msg) = run("sharded", &["--shard", "1/2"]);
    assert_eq!(code, Some(0), "{msg}");
    let (code, msg) = run("sharded", &["--merge"]);
    assert_eq!(code, Some(1), "{msg}");
    assert!(msg.contains("no checkpoint"), "{msg}");
    assert_eq!(run("sharded", &["--shard", "0/2"]).0, Some(0));
    assert_eq!(run("sharded", &["--merge"]).0, Some(0));
    assert_eq!(run("whole", &[]).0, Some(0));
    let counters = |dir: &str| {
        let df = read_table(&out.join(dir).join("quickstart/points.parquet"));
        ["blocks", "block_errors", "bit_errors"].map(|c| {
            df.column(c)
                .unwrap()
                .u64()
                .unwrap()
                .into_no_null_iter()
                .collect::<Vec<u64>>()
        })
    };
    assert_eq!(counters("sharded"), counters("whole"));
    assert_eq!(run("x", &["--shard", "2/2"]).0, Some(2));
    std::fs::remove_dir_all(&out).unwrap();
}

/// `train` writes a model, its curve and a checkpoint; `run` simulates with it; a missing or
/// absent model is a located error.
#[test]
fn neural_train_then_run() {
    let dir = temp_dir("neural");
    let model = dir.join("model");
    let scenario = format!(
        r#"name = "tiny-neural"
seed = 4
{link}normalize = true
[receiver]
kind = "neural"
weights = "{}"
[training]
depth = 1
width = 4
batch = 2
validation_blocks = 4
[sweep]
ebno_db = [10.0]
[stop]
max_blocks = 40
"#,
        model.display(),
        link = include_str!("../receivers/tests/data/tiny_neural_link.toml")
    );
    let path = dir.join("tiny.toml");
    std::fs::write(&path, &scenario).unwrap();
    let o = bin()
        .arg("train")
        .arg(&path)
        .arg("--out")
        .arg(&model)
        .args(["--steps", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for f in [
        "model.bpk",
        "training.parquet",
        "training.csv",
        "training.svg",
    ] {
        assert!(model.join(f).is_file(), "{f}: {}", text(&o));
    }
    assert!(model.join("checkpoint/state.json").is_file());
    assert_eq!(read_table(&model.join("training.parquet")).height(), 3);
    // Fine-tuning into the starting model's own folder is refused (exit 2), the model kept.
    let before = std::fs::read(model.join("model.bpk")).unwrap();
    let o = bin()
        .arg("train")
        .arg(&path)
        .arg("--init")
        .arg(&model)
        .arg("--out")
        .arg(dir.join(".").join(model.file_name().unwrap()))
        .args(["--steps", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--out is the --init folder"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(model.join("model.bpk")).unwrap(), before);
    let o = bin()
        .arg("run")
        .arg(&path)
        .args(["--device", "cpu", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("another grid"), "{}", text(&o));
    let df = read_table(&dir.join("tiny-neural/points.parquet"));
    assert_eq!(df.height(), 1);
    // On a grid with a DC null the model still runs, with a warning naming the difference.
    let dc = dir.join("dc.toml");
    std::fs::write(
        &dc,
        scenario.replace(
            "cyclic_prefix = \"none\"",
            "cyclic_prefix = \"none\"\ndc_null = true",
        ),
    )
    .unwrap();
    let o = bin().args(["validate"]).arg(&dc).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the model was trained on another grid: DC null false (trained) vs true"),
        "{}",
        text(&o)
    );
    // The GPU chain runs the network too (lavapipe here): the same block counters.
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        let gpu_dir = dir.join("gpu");
        let o = bin()
            .arg("run")
            .arg(&path)
            .args(["--device", "gpu", "--out"])
            .arg(&gpu_dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let gpu = read_table(&gpu_dir.join("tiny-neural/points.parquet"));
        for column in ["blocks", "block_errors"] {
            assert_eq!(
                df.column(column).unwrap().as_materialized_series(),
                gpu.column(column).unwrap().as_materialized_series(),
                "{column}: CPU vs GPU"
            );
        }
        // Training on the GPU (burn's wgpu backend), then resuming its checkpoint on the CPU.
        let gpu_model = dir.join("gpu-model");
        for (device, steps, resume) in [("gpu", "3", false), ("cpu", "4", true)] {
            let mut cmd = bin();
            cmd.arg("train").arg(&path).arg("--out").arg(&gpu_model);
            cmd.args(["--steps", steps, "--device", device]);
            if resume {
                cmd.arg("--resume");
            }
            let o = cmd.output().unwrap();
            assert!(o.status.success(), "{}", text(&o));
            let on = if resume {
                "training on CPU"
            } else {
                "training on GPU"
            };
            assert!(text(&o).contains(on), "{}", text(&o));
            assert!(gpu_model.join("model.bpk").is_file(), "{}", text(&o));
        }
        let curve = read_table(&gpu_model.join("training.parquet"));
        assert_eq!(curve.height(), 4);
    }
    // A model folder that does not exist, and a neural receiver without weights.
    let line = scenario[..scenario.find("weights =").unwrap()]
        .matches('\n')
        .count()
        + 1;
    for (to, expect) in [
        ("weights = \"no/such/model\"", "no such model folder"),
        ("", "receiver.weights: kind = \"neural\" needs `weights`"),
    ] {
        let bad = dir.join("bad.toml");
        let from = format!("weights = \"{}\"", model.display());
        std::fs::write(&bad, scenario.replace(&from, to)).unwrap();
        let o = bin().arg("validate").arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let msg = text(&o);
        assert!(msg.contains("bad.toml:") && msg.contains(expect), "{msg}");
        if !to.is_empty() {
            assert!(msg.contains(&format!("bad.toml:{line}:")), "{msg}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
