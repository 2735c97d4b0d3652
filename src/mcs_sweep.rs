//! `[sweep] mcs = [I, J, …]`: the scenario swept once per MCS index, each as its own run
//! `<name>-mcs<I>` (own folder, checkpoints, tables and plots; resumable and shardable like
//! any run), then joined in `<out>/<name>/`: `points.parquet` / `points.csv` with an `mcs`
//! column first, and for OFDM links `throughput.svg/png` with every MCS's curve and their
//! envelope (the best MCS at each SNR: what ideal link adaptation reaches).

use crate::sweep::{load_checked, run_single, Finished, RunArgs};
use crate::{plot, Failure};
use anyhow::Context;
use polars::prelude::{Column, DataFrame};
use sim_core::results::{table, write_tables};
use sim_core::scenario::Resolved;

pub fn run(args: &RunArgs, run: &Resolved) -> Result<(), Failure> {
    let name = &run.scenario.name;
    let mut done: Vec<(usize, Finished)> = Vec::new();
    for &m in &run.mcs_sweep {
        let mut one = args.clone();
        let sub = format!("{name}-mcs{m}");
        one.set.push(format!("sweep.mcs=[{m}]"));
        let quoted = sub.replace('\\', "\\\\").replace('"', "\\\"");
        one.set.push(format!("name=\"{quoted}\""));
        eprintln!("MCS {m}: {sub}");
        let resolved = load_checked(&one.scenario, &one.set)?;
        if let Some(f) = run_single(&one, resolved)? {
            done.push((m, f));
        }
    }
    if args.shard.is_some() {
        return Ok(());
    }
    let dir = args.out.join(name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut joined: Option<DataFrame> = None;
    for (m, f) in &done {
        let mut df = table(&f.run, f.seed, &f.results).context("building the result table")?;
        let n = df.height();
        df.insert_column(0, Column::new("mcs".into(), vec![*m as u32; n]))
            .context("adding the mcs column")?;
        match joined.as_mut() {
            None => joined = Some(df),
            Some(j) => {
                j.vstack_mut(&df).context("joining the MCS tables")?;
            }
        }
    }
    let mut df = joined.expect("two or more MCS ran");
    write_tables(&dir, &mut df, run, done[0].1.seed).context("writing the joined tables")?;
    let mut wrote = format!("{0}/points.parquet, {0}/points.csv", dir.display());
    if run.link.ofdm.is_some() {
        plot::mcs_throughput_plot(&dir, run, &done).context("plotting")?;
        wrote += &format!(", {0}/throughput.svg, {0}/throughput.png", dir.display());
    }
    eprintln!(
        "{} MCS joined: wrote {wrote} (each MCS's own run in {}/{name}-mcs<I>/)",
        done.len(),
        args.out.display()
    );
    Ok(())
}
