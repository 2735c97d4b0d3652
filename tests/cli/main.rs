//! End-to-end runs of the `ferrolink` binary: outputs, resume, reproducibility, devices,
//! OFDM and sharded runs here; scenario errors and overrides, MCS runs and neural receivers
//! in the modules below.

use polars::prelude::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod channel_models;
mod link_budget;
mod mcs_runs;
mod neural;
mod run_lists;
mod scenario_errors;

pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrolink"))
}

pub(crate) fn repo(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(p)
}

pub(crate) fn temp_dir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ferrolink-test-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `ferrolink run --device cpu --out OUT SCENARIO ARGS..`, which must succeed.
pub(crate) fn run_on_cpu(out: &Path, scenario: &Path, args: &[&str]) -> Output {
    let o = bin()
        .args(["run", "--device", "cpu", "--out"])
        .arg(out)
        .arg(scenario)
        .args(args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    o
}

pub(crate) fn read_table(path: &Path) -> DataFrame {
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
    // A quick run of `scenario` on `device`, with `extra` arguments.
    let run_with = |device: &str, scenario: &str, extra: &[&str]| {
        bin()
            .args([
                "run", scenario, "--quick", "--fresh", "--device", device, "--out",
            ])
            .arg(out.join(device))
            .args(extra)
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let run = |device: &str, scenario: &str| run_with(device, scenario, &[]);
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
        // Shipped scenario `name` on both devices: the same blocks and block errors.
        let same_counters = |name: &str, extra: &[&str], what: &str| {
            for device in ["cpu", "gpu"] {
                let o = run_with(device, &format!("scenarios/{name}.toml"), extra);
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
                    "{what} {col}: CPU vs GPU"
                );
            }
        };
        // Time-domain OFDM (FFT kernels) too.
        same_counters("tdl-a-500kmh-15khz-64qam-time", &[], "time domain");
        // Phase noise (the Wiener walk summed in parallel on the GPU) and PT-RS: two points.
        same_counters(
            "tdl-a-28ghz-phase-noise-1dmrs-ptrs",
            &["--set", "sweep.ebno_db=[8.0, 14.0]"],
            "phase noise and PT-RS",
        );
        // The pole-zero spectrum's tones, drawn per slot and summed per sample on the GPU.
        same_counters(
            "tdl-a-28ghz-phase-noise-set-a-256qam-1dmrs",
            &["--set", "sweep.ebno_db=[26.0]"],
            "pole-zero phase noise",
        );
    }
    std::fs::remove_dir_all(&out).unwrap();
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
