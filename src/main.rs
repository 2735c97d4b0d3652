//! `ferrolink`: the command line of the simulator (run a scenario sweep, validate a scenario,
//! list compute devices, benchmark).

mod bench;
mod bench_gpu;
mod bench_neural;
mod outer_sweep;
mod plot;
mod sweep;
mod train;
mod validate;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "ferrolink",
    version,
    about = "Link-level simulator for 5G-Advanced and 6G PHY"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario's sweep; writes points.parquet, points.csv, bler.svg and bler.png.
    Run {
        scenario: PathBuf,
        /// Set a scenario key before resolving it, e.g. `--set code.mcs=13` (repeatable; a
        /// dotted key and a TOML value, bare words as strings).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Output folder; results go to OUT/<scenario name>/.
        #[arg(long, default_value = "results")]
        out: PathBuf,
        /// Executor: auto (a real GPU if one is usable, else CPU), cpu or gpu.
        #[arg(long, default_value = "auto", value_parser = ["auto", "cpu", "gpu"])]
        device: String,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Smoke run: at most 1000 blocks and 20 block errors per point.
        #[arg(long)]
        quick: bool,
        /// Ignore finished points from an earlier run of the same scenario.
        #[arg(long)]
        fresh: bool,
        /// Run only the points whose index ≡ I (mod N), e.g. `--shard 3/8` (0-based I), and
        /// write their checkpoints; `--merge` joins the shards' outputs afterwards.
        #[arg(long, value_name = "I/N", value_parser = parse_shard, conflicts_with = "merge")]
        shard: Option<(usize, usize)>,
        /// Build the tables and plots from the checkpoints of finished shards only (fails if a
        /// needed point is missing); the result equals a single-machine run.
        #[arg(long, conflicts_with = "fresh")]
        merge: bool,
    },
    /// Train a neural receiver on the scenario's slots ([training]); writes OUT/model.bpk,
    /// the training curve and checkpoints.
    Train {
        scenario: PathBuf,
        /// Set a scenario key before resolving it, e.g. `--set code.mcs=13` (repeatable; a
        /// dotted key and a TOML value, bare words as strings).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Model folder, e.g. models/NAME.
        #[arg(long)]
        out: PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Continue from OUT/checkpoint.
        #[arg(long, conflicts_with = "fresh")]
        resume: bool,
        /// Discard OUT/checkpoint and start over.
        #[arg(long)]
        fresh: bool,
        /// Overrides [training] steps.
        #[arg(long)]
        steps: Option<usize>,
        /// Fine-tune: start from this model folder's weights (same network shape) instead of
        /// a random initialization; fresh Adam state and schedule, slots continuing its stream.
        #[arg(long)]
        init: Option<PathBuf>,
        /// Where burn trains: auto (a real GPU if one is usable, else CPU), cpu or gpu (any
        /// adapter, lavapipe included).
        #[arg(long, default_value = "auto", value_parser = ["auto", "cpu", "gpu"])]
        device: String,
    },
    /// Parse and check a scenario; print the resolved parameters.
    Validate {
        scenario: PathBuf,
        /// Set a scenario key before resolving it, e.g. `--set code.mcs=13` (repeatable; a
        /// dotted key and a TOML value, bare words as strings).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// List compute adapters and say which one `--device auto` picks.
    Devices,
    /// Measure decoder and end-to-end throughput on this machine.
    Bench {
        /// Also write the report as JSON into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Shorter measurements (for smoke tests).
        #[arg(long)]
        quick: bool,
        /// GPU rows: auto (a real GPU if one opens), gpu (any adapter, lavapipe included;
        /// its figures mean nothing), cpu (none).
        #[arg(long, default_value = "auto", value_parser = ["auto", "cpu", "gpu"])]
        device: String,
        /// Only the GPU rows (for short runs on a lent GPU machine).
        #[arg(long)]
        gpu_only: bool,
        /// Minimum measured time per row, in seconds (default 3, 0.2 with --quick).
        #[arg(long)]
        seconds: Option<f64>,
        /// Also measure other launch shapes of the GPU decoders (workgroup sizes, row groups).
        #[arg(long)]
        tune: bool,
    },
}

/// `I/N` with 0 ≤ I < N.
fn parse_shard(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}`: expected I/N with 0 <= I < N, e.g. 0/4");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if n == 0 || i >= n {
        return Err(bad());
    }
    Ok((i, n))
}

/// How a command failed: bad input exits 2, anything else 1.
pub enum Failure {
    BadInput(String),
    Runtime(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Runtime(e)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            set,
            out,
            device,
            seed,
            quick,
            fresh,
            shard,
            merge,
        } => sweep::run(&sweep::RunArgs {
            scenario,
            set,
            out,
            device,
            seed,
            quick,
            fresh,
            shard,
            merge,
        }),
        Command::Train {
            scenario,
            set,
            out,
            seed,
            resume,
            fresh,
            steps,
            init,
            device,
        } => train::run(&train::TrainArgs {
            scenario,
            set,
            out,
            seed,
            resume,
            fresh,
            steps,
            init,
            device,
        }),
        Command::Validate { scenario, set } => validate::validate(&scenario, &set),
        Command::Devices => devices(),
        Command::Bench {
            out,
            quick,
            device,
            gpu_only,
            seconds,
            tune,
        } => {
            let options = bench::Options {
                quick,
                device,
                gpu_only,
                seconds,
                tune,
            };
            bench::run(out.as_deref(), &options).map_err(Failure::Runtime)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Writes to stdout, ignoring a closed pipe (`ferrolink validate x.toml | head`).
pub fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

fn devices() -> Result<(), Failure> {
    let adapters = gpu_kernels::list_adapters();
    let mut out = String::new();
    if adapters.is_empty() {
        out += "no wgpu adapters found (Vulkan); install mesa-vulkan-drivers for lavapipe, or a GPU driver\n";
    }
    for (i, a) in adapters.iter().enumerate() {
        out += &format!(
            "{}\n",
            format_args!(
                "[{i}] {} ({:?}, {}) driver: {}; max storage binding {} MiB, max buffer {} MiB, \
                 workgroup memory {} KiB, subgroups {}",
                a.name,
                a.device_type,
                a.backend,
                a.driver,
                a.max_storage_buffer_binding >> 20,
                a.max_buffer_size >> 20,
                a.max_workgroup_memory >> 10,
                if a.subgroups { "yes" } else { "no" }
            )
        );
    }
    let choice = gpu_kernels::choose("auto", &adapters);
    out += &format!("--device auto uses: {}\n", sweep::describe_choice(&choice));
    emit(&out);
    Ok(())
}
