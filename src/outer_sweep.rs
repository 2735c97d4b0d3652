//! A `[sweep]` list of runs (`mcs = [I, J, …]`, or a `[channel]` key such as
//! `speed_kmh = [0, 60, 120]` or `profile = ["A", "C"]`): the scenario run once per entry,
//! each as its own run `<name>-<key><value>` (own folder, checkpoints, tables and plots;
//! resumable and shardable like any run), then joined in `<out>/<name>/`:
//! `points.parquet` / `points.csv` with a column named after the key first, `bler.svg/png`
//! with every entry's curve (against the entry itself when each run has one point and the key
//! is a number) and for OFDM links `throughput.svg/png` (for `mcs` with the envelope: the best
//! MCS at each SNR, what ideal link adaptation reaches). `mcs` crossed with a `[channel]`
//! list runs every pair (`<name>-mcs<I>-<key><value>`, columns `mcs` and the key).

use crate::sweep::{load_checked, run_single, Finished, RunArgs};
use crate::{plot, Failure};
use anyhow::Context;
use polars::prelude::{Column, DataFrame};
use sim_core::results::{table, write_tables};
use sim_core::scenario::outer_sweep::{OuterSweep, OuterValue};
use sim_core::scenario::Resolved;

/// A finished run of a list: its entry of every list (outer first) and its sweep.
pub type ListRun = (Vec<OuterValue>, Finished);

pub fn run(args: &RunArgs, run: &Resolved, sweep: &OuterSweep) -> Result<(), Failure> {
    let name = &run.scenario.name;
    // Every entry's run is loaded and checked before the first one starts.
    let mut runs = Vec::new();
    for i in 0..sweep.len() {
        let mut one = args.clone();
        let sub = sweep.run_name(name, i);
        one.set.extend(sweep.sets(i));
        let quoted = sub.replace('\\', "\\\\").replace('"', "\\\"");
        one.set.push(format!("name=\"{quoted}\""));
        let resolved = load_checked(&one.scenario, &one.set)?;
        runs.push((one, resolved));
    }
    let mut done: Vec<ListRun> = Vec::new();
    for (i, (one, resolved)) in runs.into_iter().enumerate() {
        eprintln!("{}: {}", sweep.entry_label(i), resolved.scenario.name);
        if let Some(f) = run_single(&one, resolved)? {
            let entry = sweep.entry(i).into_iter().map(|(_, v)| v.clone()).collect();
            done.push((entry, f));
        }
    }
    if args.shard.is_some() {
        return Ok(());
    }
    let dir = args.out.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut joined: Option<DataFrame> = None;
    for (entry, f) in &done {
        let mut df = table(&f.run, f.seed, &f.results).context("building the result table")?;
        let n = df.height();
        for (at, ((key, _), v)) in sweep.axes.iter().zip(entry).enumerate() {
            let key = (*key).into();
            let column = match v {
                OuterValue::Index(m) => Column::new(key, vec![*m as u32; n]),
                OuterValue::Number(x) => Column::new(key, vec![*x; n]),
                OuterValue::Text(t) => Column::new(key, vec![t.as_str(); n]),
            };
            df.insert_column(at, column)
                .context("adding a list's column")?;
        }
        match joined.as_mut() {
            None => joined = Some(df),
            Some(j) => {
                j.vstack_mut(&df).context("joining the tables")?;
            }
        }
    }
    let mut df = joined.expect("two or more runs");
    write_tables(&dir, &mut df, run, done[0].1.seed).context("writing the joined tables")?;
    plot::outer_plots(&dir, run, sweep, &done).context("plotting")?;
    let mut wrote = format!(
        "{0}/points.parquet, {0}/points.csv, {0}/bler.svg, {0}/bler.png",
        dir.display()
    );
    if run.link.ofdm.is_some() {
        wrote += &format!(", {0}/throughput.svg, {0}/throughput.png", dir.display());
    }
    eprintln!(
        "{} runs of {} joined: wrote {wrote} (each run in {}/{}/)",
        done.len(),
        sweep.keys_label(),
        args.out.display(),
        sweep.run_pattern(name)
    );
    Ok(())
}
