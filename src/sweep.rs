//! `ferrolink run`: a scenario's sweep from file to tables and plots,
//! one checkpointed point at a time.

use crate::{plot, Failure};
use anyhow::Context;
use gpu_kernels::{DeviceChoice, GpuExecutor};
use indicatif::{ProgressBar, ProgressStyle};
use receivers::CpuExecutor;
use sim_core::engine::{run_point, Executor, PointResult};
use sim_core::link::SweepVariable;
use sim_core::results::{fingerprint, table, write_tables, PointStore, VERSION};
use sim_core::scenario::location::locate;
use sim_core::scenario::schema::{StopConfig, QUICK_MAX_BLOCKS, QUICK_MIN_BLOCK_ERRORS};
use sim_core::scenario::{load_with, Resolved};
use sim_core::stats::bler_interval;
use std::path::{Path, PathBuf};

#[derive(Clone)]
pub struct RunArgs {
    pub scenario: PathBuf,
    /// `--set KEY=VALUE` overrides.
    pub set: Vec<String>,
    pub out: PathBuf,
    /// Run only the points with index ≡ I (mod N); no tables.
    pub shard: Option<(usize, usize)>,
    /// Tables from checkpoints only.
    pub merge: bool,
    pub device: String,
    pub seed: Option<u64>,
    pub quick: bool,
    pub fresh: bool,
}

pub fn describe_choice(c: &DeviceChoice) -> String {
    match c {
        DeviceChoice::Cpu => format!("cpu ({} threads)", rayon::current_num_threads()),
        DeviceChoice::Gpu(name) => format!("gpu {name}"),
    }
}

pub(crate) fn load_checked(path: &Path, sets: &[String]) -> Result<Resolved, Failure> {
    let run = load_with(path, sets).map_err(|e| Failure::BadInput(e.to_string()))?;
    if let Some(why) = run
        .link
        .ofdm
        .as_ref()
        .and_then(receivers::ofdm_chain::time_domain_problem)
    {
        return Err(Failure::BadInput(format!("{}: {why}", path.display())));
    }
    if let Some(dir) = run
        .link
        .ofdm
        .as_ref()
        .and_then(|o| o.neural_weights.as_ref())
    {
        if let Err(e) = receivers::neural::NeuralRunner::load(Path::new(dir), &run.link) {
            let at = locate(
                &run.source,
                &run.file,
                &["receiver", "weights"],
                e.to_string(),
            );
            return Err(Failure::BadInput(at.to_string()));
        }
    }
    Ok(run)
}

/// The executor for `--device`: `gpu` takes the best adapter, lavapipe included (slow; for
/// checks); `auto` takes a real GPU when one opens and the CPU otherwise; `cpu` the CPU.
fn executor(device: &str, link: &sim_core::link::LinkSpec) -> Result<Box<dyn Executor>, Failure> {
    if let Some(why) = gpu_kernels::link_chain::unsupported(link) {
        if device == "gpu" {
            return Err(Failure::Runtime(anyhow::anyhow!("--device gpu: {why}")));
        }
        if device == "auto" {
            eprintln!("note: {why}; running on the CPU");
        }
        return Ok(Box::new(CpuExecutor::new()));
    }
    match device {
        "gpu" => GpuExecutor::new(true)
            .map(|e| Box::new(e) as Box<dyn Executor>)
            .map_err(|e| Failure::Runtime(anyhow::anyhow!("--device gpu: {e}"))),
        "auto" => {
            let choice = gpu_kernels::choose("auto", &gpu_kernels::list_adapters());
            if let DeviceChoice::Gpu(name) = choice {
                match GpuExecutor::new(false) {
                    Ok(e) => return Ok(Box::new(e)),
                    Err(e) => eprintln!("warning: GPU {name} did not open ({e}); using the CPU"),
                }
            }
            Ok(Box::new(CpuExecutor::new()))
        }
        _ => Ok(Box::new(CpuExecutor::new())),
    }
}

/// A finished sweep: its scenario, seed, points and folder.
pub struct Finished {
    pub run: Resolved,
    pub seed: u64,
    pub results: Vec<PointResult>,
}

pub fn run(args: &RunArgs) -> Result<(), Failure> {
    let run = load_checked(&args.scenario, &args.set)?;
    if let Some(sweep) = run.outer.clone() {
        return crate::outer_sweep::run(args, &run, &sweep);
    }
    run_single(args, run).map(|_| ())
}

/// The sweep of `run` (loaded from `args`' scenario and overrides) with its tables and plots;
/// `None` for a shard (no tables).
pub fn run_single(args: &RunArgs, run: Resolved) -> Result<Option<Finished>, Failure> {
    let seed = args.seed.unwrap_or(run.scenario.seed);
    let mut stop = run.scenario.stop.clone();
    if args.quick {
        stop = StopConfig {
            max_blocks: stop.max_blocks.min(QUICK_MAX_BLOCKS),
            min_block_errors: stop.min_block_errors.min(QUICK_MIN_BLOCK_ERRORS),
            ..stop
        };
    }
    let mut exec: Box<dyn Executor> = if args.merge {
        Box::new(CpuExecutor::new()) // never runs a block: merge only reads checkpoints
    } else {
        executor(&args.device, &run.link)?
    };
    let dir = args.out.join(&run.scenario.name);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // A retrained network invalidates finished points.
    let weights = match run
        .link
        .ofdm
        .as_ref()
        .and_then(|o| o.neural_weights.as_ref())
    {
        Some(dir) => receivers::neural::weights::load_meta(Path::new(dir))
            .map(|m| m.params_hash)
            .map_err(|e| Failure::BadInput(e.to_string()))?,
        None => String::new(),
    };
    let fp = fingerprint(&[
        &run.source,
        &weights,
        &seed.to_string(),
        &format!("{}/{}", stop.min_block_errors, stop.max_blocks),
        VERSION,
    ]);
    let store = PointStore::open(&dir, fp).context("opening the checkpoint folder")?;
    eprintln!(
        "{}: {} points on {}; results in {}",
        run.scenario.name,
        run.points.len(),
        exec.device_name(),
        dir.display()
    );
    let mut results: Vec<PointResult> = Vec::new();
    // A shard runs all of its points: the min_bler rule is applied when merging, so the
    // merged table equals a single-machine run.
    let mine = |index: u32| args.shard.is_none_or(|(i, n)| index as usize % n == i);
    for point in run.points.iter().filter(|p| mine(p.index)) {
        let swept = match run.sweep_variable {
            SweepVariable::EbNoDb => format!("Eb/N0 {:6.2} dB", point.ebno_db),
            SweepVariable::SnrDb => format!("SNR {:6.2} dB", point.snr_db),
            SweepVariable::TxPowerDbm => format!(
                "{:6.2} dBm (SNR {:6.2} dB)",
                point.tx_power_dbm.unwrap_or(f64::NAN),
                point.snr_db
            ),
        };
        let stored = if args.fresh {
            None
        } else {
            store.load(point.index)
        };
        let result = match stored {
            Some(r) => {
                eprintln!("{swept}: resumed from the checkpoint");
                r
            }
            None if args.merge => {
                return Err(Failure::Runtime(anyhow::anyhow!(
                    "--merge: point {} ({swept}) has no checkpoint in {}; run its shard first",
                    point.index,
                    dir.display()
                )));
            }
            None => {
                let bar = progress_bar(&swept);
                let (min_err, max_blocks) = (stop.min_block_errors, stop.max_blocks);
                let r = run_point(
                    exec.as_mut(),
                    &run.link,
                    point,
                    seed,
                    &stop,
                    run.scenario.run.batch_blocks,
                    &mut |c| {
                        let frac = (c.block_errors as f64 / min_err as f64)
                            .max(c.blocks as f64 / max_blocks as f64);
                        bar.set_position((frac.min(1.0) * 1000.0) as u64);
                        bar.set_message(format!(
                            "blocks {} errors {}/{} BLER {:.3e}",
                            c.blocks,
                            c.block_errors,
                            min_err,
                            c.bler()
                        ));
                    },
                )
                .map_err(|e| Failure::Runtime(anyhow::anyhow!("point {}: {e}", point.index)))?;
                bar.finish_and_clear();
                store.save(&r).context("saving the point")?;
                r
            }
        };
        eprintln!("{}", point_line(&swept, &result));
        let below = result.counters.bler() < stop.min_bler;
        results.push(result);
        if below && args.shard.is_none() {
            eprintln!(
                "BLER below stop.min_bler = {}: sweep ends here",
                stop.min_bler
            );
            break;
        }
    }
    if let Some((i, n)) = args.shard {
        eprintln!(
            "shard {i}/{n}: {} points checkpointed in {}; when every shard has finished, \
             `ferrolink run {} --merge` writes the tables",
            results.len(),
            dir.display(),
            args.scenario.display()
        );
        return Ok(None);
    }
    let mut df = table(&run, seed, &results).context("building the result table")?;
    crate::emit(&format!("{}\n", summary_table(&run, &results)));
    write_tables(&dir, &mut df, &run, seed).context("writing the result tables")?;
    plot::bler_plot(&dir, &run, &results).context("plotting")?;
    let extra = match run.link.ofdm {
        Some(_) => format!(", {0}/throughput.svg, {0}/throughput.png", dir.display()),
        None => String::new(),
    };
    eprintln!(
        "wrote {0}/points.parquet, {0}/points.csv, {0}/bler.svg, {0}/bler.png{extra}",
        dir.display()
    );
    Ok(Some(Finished { run, seed, results }))
}

fn progress_bar(prefix: &str) -> ProgressBar {
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {msg} (ETA {eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix.to_string());
    bar
}

fn point_line(swept: &str, r: &PointResult) -> String {
    let c = &r.counters;
    format!(
        "{swept}: BLER {:.4e} ({}/{} blocks), BER {:.4e}, {:.2} Mbit/s, {:.1} s",
        c.bler(),
        c.block_errors,
        c.blocks,
        c.ber(),
        c.bits as f64 / r.wall_s.max(1e-9) / 1e6,
        r.wall_s
    )
}

fn summary_table(run: &Resolved, results: &[PointResult]) -> String {
    // A link budget leads with the transmit power.
    let budget = run.link.tx_power_offset_db().is_some();
    let mut s = if budget {
        format!("{:>8} ", "tx_dbm")
    } else {
        String::new()
    };
    s += &format!(
        "{:>8} {:>8} {:>10} {:>8} {:>11} {:>23} {:>11} {:>9}\n",
        "ebno_db", "snr_db", "blocks", "errors", "bler", "95% interval", "ber", "Mbit/s"
    );
    for r in results {
        let c = &r.counters;
        let (lo, hi) = bler_interval(c);
        if budget {
            s += &format!("{:>8.2} ", r.tx_power_dbm.unwrap_or(f64::NAN));
        }
        s += &format!(
            "{:>8.2} {:>8.2} {:>10} {:>8} {:>11.4e} [{:>9.3e}, {:>9.3e}] {:>11.4e} {:>9.3}\n",
            r.ebno_db,
            r.snr_db,
            c.blocks,
            c.block_errors,
            c.bler(),
            lo,
            hi,
            c.ber(),
            c.bits as f64 / r.wall_s.max(1e-9) / 1e6
        );
    }
    s.push_str(&format!(
        "scenario {} (Eb/N0 per information bit, SNR = Es/N0 per symbol)",
        run.scenario.name
    ));
    s
}
