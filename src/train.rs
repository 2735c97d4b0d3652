//! `ferrolink train`: fits a neural receiver on the scenario's own slots (burn, on the CPU
//! or a GPU), shows a progress bar with the loss, and writes `<out>/model.bpk`, the training
//! curve (`training.parquet`, `training.csv`, `training.svg/png`) and resumable checkpoints.

use crate::{plot, Failure};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use polars::prelude::*;
use receivers::neural::train::{train, training_config, CurvePoint, TrainObserver, TrainPaths};
use std::path::{Path, PathBuf};

pub struct TrainArgs {
    pub scenario: PathBuf,
    /// `--set KEY=VALUE` overrides.
    pub set: Vec<String>,
    pub out: PathBuf,
    pub seed: Option<u64>,
    pub resume: bool,
    pub fresh: bool,
    /// Overrides `[training] steps`.
    pub steps: Option<usize>,
    /// `--init`: the model folder to fine-tune.
    pub init: Option<PathBuf>,
    /// `--device`: auto | cpu | gpu.
    pub device: String,
}

struct Bar {
    bar: ProgressBar,
    out: PathBuf,
    name: String,
}

impl Bar {
    /// A line above the bar, or on stderr when the bar is hidden (not a terminal: logs).
    fn say(&self, text: String) {
        if self.bar.is_hidden() {
            eprintln!("{text}");
        } else {
            self.bar.println(text);
        }
    }
}

impl TrainObserver for Bar {
    fn started(&mut self, first: usize, steps: usize, parameters: usize) {
        self.bar.set_length(steps as u64);
        self.bar.set_position(first as u64);
        self.say(format!(
            "{}: {parameters} parameters, steps {}..{steps}",
            self.name,
            first + 1
        ));
    }
    fn step(&mut self, step: usize, loss: f64, lr: f64) {
        self.bar.set_position(step as u64);
        self.bar
            .set_message(format!("loss {loss:.4} bits, lr {lr:.1e}"));
    }
    fn validated(&mut self, step: usize, ebno_db: f64, errors: u64, codewords: u64) {
        self.say(format!(
            "step {step}: validation BLER {:.3e} ({errors}/{codewords} code words at Eb/N0 \
             {ebno_db:.2} dB)",
            errors as f64 / codewords as f64
        ));
    }
    fn checkpointed(&mut self, _step: usize, curve: &[CurvePoint]) {
        if let Err(e) = write_curve(&self.out, &self.name, curve) {
            self.say(format!("warning: training curve not written: {e:#}"));
        }
    }
}

/// `training.parquet` / `.csv` (step, loss_bits, learning_rate, validation_bler) and the plot.
fn write_curve(out: &Path, name: &str, curve: &[CurvePoint]) -> anyhow::Result<()> {
    let mut df = df!(
        "step" => curve.iter().map(|p| p.step as u64).collect::<Vec<_>>(),
        "loss_bits" => curve.iter().map(|p| p.loss).collect::<Vec<_>>(),
        "learning_rate" => curve.iter().map(|p| p.learning_rate).collect::<Vec<_>>(),
        "validation_bler" => curve.iter().map(|p| p.validation_bler).collect::<Vec<_>>(),
    )?;
    for (ext, parquet) in [("parquet", true), ("csv", false)] {
        let path = out.join(format!("training.{ext}"));
        let tmp = out.join(format!(".training.{ext}.tmp"));
        let f = std::fs::File::create(&tmp).with_context(|| tmp.display().to_string())?;
        if parquet {
            ParquetWriter::new(f).finish(&mut df)?;
        } else {
            CsvWriter::new(f).finish(&mut df)?;
        }
        std::fs::rename(&tmp, &path).with_context(|| path.display().to_string())?;
    }
    plot::training_plot(out, name, curve)
}

pub fn run(args: &TrainArgs) -> Result<(), Failure> {
    let mut run = sim_core::scenario::load_with(&args.scenario, &args.set)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    if run.link.ofdm.is_none() {
        return Err(Failure::BadInput(format!(
            "{}: neural receivers need an [ofdm] section (they work on the resource grid)",
            args.scenario.display()
        )));
    }
    let mut t = training_config(&run);
    if let Some(n) = args.steps {
        if n == 0 {
            return Err(Failure::BadInput("--steps: expected at least 1".into()));
        }
        // (A warm-up longer than the run is shortened by the schedule itself, not here:
        // `[training]` stays what the checkpoint was keyed with, so a short run resumes.)
        t.steps = n;
    }
    run.scenario.training = Some(t);
    if let Some(init) = &args.init {
        let same = match (init.canonicalize(), args.out.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        };
        if same {
            return Err(Failure::BadInput(format!(
                "--out is the --init folder ({}): the fine-tuned model would overwrite the one \
                 it starts from; give --out another folder",
                init.display()
            )));
        }
    }
    let seed = args.seed.unwrap_or(run.scenario.seed);
    let paths = TrainPaths {
        out: args.out.clone(),
        init: args.init.clone(),
    };
    if args.fresh {
        let _ = std::fs::remove_dir_all(paths.checkpoint());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} steps {msg} (eta {eta})",
        )
        .expect("template")
        .progress_chars("=> "),
    );
    let mut obs = Bar {
        bar,
        out: args.out.clone(),
        name: run.scenario.name.clone(),
    };
    let on = gpu_kernels::neural_device(&args.device);
    obs.say(format!("training on {}", on.describe()));
    let curve = train(&run, seed, &paths, args.resume, on, &mut obs)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    obs.bar.finish();
    write_curve(&args.out, &run.scenario.name, &curve)?;
    eprintln!(
        "model: {} (use [receiver] kind = \"neural\", weights = \"{}\")",
        receivers::neural::weights::model_file(&args.out).display(),
        args.out.display()
    );
    Ok(())
}
