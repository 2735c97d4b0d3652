//! MCS runs through the CLI: HARQ columns, and `[sweep] mcs` sweeps joined into one table.

use crate::{bin, read_table, repo, run_on_cpu, temp_dir, text};
use polars::prelude::*;

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
    run_on_cpu(&out, &scenario, &[]);
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
