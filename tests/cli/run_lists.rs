//! `[sweep]` lists of runs over a `[channel]` key (`speed_kmh = [..]`, `profile = [..]`, ...):
//! one run per value, joined into one table and plot.

use crate::{bin, read_table, run_on_cpu, temp_dir, text};

const SLOT: &str = "name = \"sp\"\nseed = 5\n[code]\nmcs = 9\n\
    decoder = { algorithm = \"layered-min-sum\", iterations = 8 }\n\
    [ofdm]\nprbs = 4\n[pilots]\npattern = \"dmrs\"\nadditional_positions = 0\n\
    [channel]\nmodel = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\n\
    [receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [18.0]\nspeed_kmh = [0, 500]\n\
    [stop]\nmin_block_errors = 30\nmax_blocks = 150\n";

/// `speed_kmh = [0, 500]` at one SNR: each speed runs in its own folder, the joined table has a
/// `speed_kmh` column with each run's rows, an entry's counters equal those of the same
/// scenario with that speed in `[channel]` (a list entry is that single run), the held
/// one-DMRS estimate fails at 500 km/h and not at rest, and the BLER plot is written (against
/// the speed: one point per run); sharded runs merge into the whole run's table. Two lists,
/// or a key in both tables, are exit-2 errors.
#[test]
fn speed_list_runs_each_speed_and_joins() {
    let out = temp_dir("speed-list");
    let scenario = out.join("sp.toml");
    std::fs::write(&scenario, SLOT).unwrap();
    let run = |file: &std::path::Path| {
        let o = bin()
            .args(["run", "--device", "cpu", "--out"])
            .arg(&out)
            .arg(file)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
    };
    run(&scenario);
    let joined = read_table(&out.join("sp/points.parquet"));
    let speed = joined.column("speed_kmh").unwrap().f64().unwrap().clone();
    assert_eq!(
        (speed.len(), speed.get(0), speed.get(1)),
        (2, Some(0.0), Some(500.0))
    );
    let bler = joined.column("bler").unwrap().f64().unwrap().clone();
    let (rest, fast) = (bler.get(0).unwrap(), bler.get(1).unwrap());
    assert!(
        rest < 0.1 && fast > 0.5,
        "BLER {rest} at rest, {fast} at 500 km/h"
    );
    for (i, v) in ["0", "500"].iter().enumerate() {
        let sub = read_table(&out.join(format!("sp-speed_kmh{v}/points.parquet")));
        for col in ["blocks", "block_errors", "bit_errors"] {
            let a = joined.column(col).unwrap().u64().unwrap().get(i);
            assert_eq!(
                a,
                sub.column(col).unwrap().u64().unwrap().get(0),
                "{col} {v}"
            );
        }
    }
    // The 500 km/h entry is the single run with speed_kmh = 500 in [channel].
    let single = out.join("single.toml");
    let text500 = SLOT
        .replace("name = \"sp\"", "name = \"single\"")
        .replace("speed_kmh = [0, 500]\n", "")
        .replace(
            "delay_spread_ns = 100\n",
            "delay_spread_ns = 100\nspeed_kmh = 500\n",
        );
    std::fs::write(&single, text500).unwrap();
    run(&single);
    let one = read_table(&out.join("single/points.parquet"));
    for col in ["blocks", "block_errors", "bit_errors"] {
        let a = joined.column(col).unwrap().u64().unwrap().get(1);
        assert_eq!(a, one.column(col).unwrap().u64().unwrap().get(0), "{col}");
    }
    for f in ["bler.svg", "bler.png", "throughput.svg", "points.csv"] {
        assert!(out.join("sp").join(f).exists(), "{f}");
    }
    // Sharded: every shard runs its points of each entry; --merge joins them into the
    // table of the whole run.
    let two = ["--set", "sweep.snr_db=[14.0, 18.0]"];
    let sharded = out.join("sharded");
    for shard in ["0/2", "1/2", "merge"] {
        let mut c = bin();
        c.args(["run", "--device", "cpu"])
            .args(two)
            .arg("--out")
            .arg(&sharded);
        match shard {
            "merge" => c.arg("--merge"),
            s => c.args(["--shard", s]),
        };
        let o = c.arg(&scenario).output().unwrap();
        assert!(o.status.success(), "{shard}: {}", text(&o));
    }
    let whole = out.join("whole");
    let o = bin()
        .args(["run", "--device", "cpu"])
        .args(two)
        .arg("--out")
        .arg(&whole)
        .arg(&scenario)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let (a, b) = (
        read_table(&sharded.join("sp/points.parquet")),
        read_table(&whole.join("sp/points.parquet")),
    );
    assert_eq!(a.height(), 4);
    for col in [
        "speed_kmh",
        "snr_db",
        "blocks",
        "block_errors",
        "bit_errors",
    ] {
        assert!(
            a.column(col).unwrap().equals(b.column(col).unwrap()),
            "{col}"
        );
    }
    let fail = |bad_text: String| {
        let bad = out.join("bad.toml");
        std::fs::write(&bad, bad_text).unwrap();
        let o = bin().arg("validate").arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        text(&o)
    };
    let e = fail(SLOT.replace(
        "speed_kmh = [0, 500]",
        "speed_kmh = [0, 500]\nprofile = [\"A\", \"C\"]",
    ));
    assert!(
        e.contains("sweep.profile") && e.contains("one list of runs"),
        "{e}"
    );
    let e = fail(SLOT.replace("profile = \"A\"", "profile = \"A\"\nspeed_kmh = 3"));
    assert!(
        e.contains("sweep.speed_kmh") && e.contains("not both"),
        "{e}"
    );
    let e = fail(SLOT.replace("[0, 500]", "[0, 5000]"));
    assert!(
        e.contains("speed_kmh 5000: expected 0 ..= 1000 km/h"),
        "{e}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// `mcs = [5, 9]` crossed with `speed_kmh = [0, 500]` at one SNR: four runs
/// (`sp-mcs<I>-speed_kmh<v>`), joined with `mcs` and `speed_kmh` first, MCS outer; each row
/// is its run's table; the higher MCS fails more often; `validate` names both lists; plots
/// written.
#[test]
fn mcs_crossed_with_a_speed_list() {
    let out = temp_dir("mcs-speed");
    let scenario = out.join("sp.toml");
    let cross = SLOT
        .replace("mcs = 9\n", "")
        .replace("speed_kmh = [0, 500]", "speed_kmh = [0, 500]\nmcs = [5, 9]");
    std::fs::write(&scenario, cross).unwrap();
    let o = bin().arg("validate").arg(&scenario).output().unwrap();
    let v = text(&o);
    assert!(o.status.success(), "{v}");
    assert!(
        v.contains("mcs = [5, 9] × speed_kmh = [0, 500]: 4 runs"),
        "{v}"
    );
    run_on_cpu(&out, &scenario, &[]);
    let joined = read_table(&out.join("sp/points.parquet"));
    let names: Vec<&str> = joined
        .get_column_names()
        .into_iter()
        .take(2)
        .map(|n| n.as_str())
        .collect();
    assert_eq!(names, ["mcs", "speed_kmh"]);
    let mcs = joined.column("mcs").unwrap().u32().unwrap().clone();
    let speed = joined.column("speed_kmh").unwrap().f64().unwrap().clone();
    let rows: Vec<(u32, f64)> = (0..4)
        .map(|i| (mcs.get(i).unwrap(), speed.get(i).unwrap()))
        .collect();
    assert_eq!(rows, [(5, 0.0), (5, 500.0), (9, 0.0), (9, 500.0)]);
    for (i, (m, s)) in rows.iter().enumerate() {
        let sub = read_table(&out.join(format!("sp-mcs{m}-speed_kmh{s}/points.parquet")));
        for col in ["blocks", "block_errors", "bit_errors"] {
            let a = joined.column(col).unwrap().u64().unwrap().get(i);
            assert_eq!(
                a,
                sub.column(col).unwrap().u64().unwrap().get(0),
                "{col} {m} {s}"
            );
        }
    }
    let bler = joined.column("bler").unwrap().f64().unwrap().clone();
    assert!(
        bler.get(0).unwrap() <= bler.get(2).unwrap(),
        "MCS 5 {:?} vs MCS 9 {:?} at rest",
        bler.get(0),
        bler.get(2)
    );
    for f in ["bler.svg", "throughput.png", "points.csv"] {
        assert!(out.join("sp").join(f).exists(), "{f}");
    }
}
