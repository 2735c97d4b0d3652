//! `ferrolink run` and `ferrolink validate`: a scenario's sweep from file to tables and plots,
//! one checkpointed point at a time.

use crate::{plot, Failure};
use anyhow::Context;
use gpu_kernels::{DeviceChoice, GpuExecutor};
use indicatif::{ProgressBar, ProgressStyle};
use receivers::CpuExecutor;
use sim_core::engine::{run_point, Executor, PointResult};
use sim_core::link::{Coding, SweepVariable};
use sim_core::results::{fingerprint, table, write_tables, PointStore, VERSION};
use sim_core::scenario::location::locate;
use sim_core::scenario::schema::PolarizationChoice;
use sim_core::scenario::schema::{StopConfig, QUICK_MAX_BLOCKS, QUICK_MIN_BLOCK_ERRORS};
use sim_core::scenario::{load_with, Resolved};
use sim_core::stats::bler_interval;
use std::fmt::Write as _;
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
    if run.mcs_sweep.len() > 1 {
        return crate::mcs_sweep::run(args, &run);
    }
    run_single(args).map(|_| ())
}

/// One scenario's sweep with its tables and plots; `None` for a shard (no tables).
pub fn run_single(args: &RunArgs) -> Result<Option<Finished>, Failure> {
    let run = load_checked(&args.scenario, &args.set)?;
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
    let mut s = format!(
        "{:>8} {:>8} {:>10} {:>8} {:>11} {:>23} {:>11} {:>9}\n",
        "ebno_db", "snr_db", "blocks", "errors", "bler", "95% interval", "ber", "Mbit/s"
    );
    for r in results {
        let c = &r.counters;
        let (lo, hi) = bler_interval(c);
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

pub fn validate(path: &Path, sets: &[String]) -> Result<(), Failure> {
    let run = load_checked(path, sets)?;
    let mut out = String::new();
    macro_rules! w {
        ($($t:tt)*) => {{
            let _ = writeln!(out, $($t)*);
        }};
    }
    let l = &run.link;
    w!("scenario   {} ({})", run.scenario.name, run.file);
    if !run.scenario.description.is_empty() {
        w!("           {}", run.scenario.description);
    }
    w!("seed       {}", run.scenario.seed);
    if let Some(mcs) = run.scenario.code.mcs {
        let c = &run.scenario.code;
        let tp = l.ofdm.as_ref().is_some_and(|o| o.transform_precoding);
        if let (table, Some(e)) = sim_core::mcs::mcs_entry(c.mcs_table, mcs, tp, c.tp_pi2bpsk) {
            w!(
                "mcs        {mcs} of TS 38.214 {} (\"{}\"{}): Q_m = {}, target rate {}/1024 = \
                 {:.4}; TBS (§5.1.3.2) = {} bits, xOverhead {}, S = {}",
                table.spec_table(),
                c.mcs_table.name(),
                match (tp, c.tp_pi2bpsk) {
                    (false, _) => "",
                    (true, false) => ", transform precoding",
                    (true, true) => ", transform precoding, tp-pi2BPSK",
                },
                e.qm,
                e.rate_x1024,
                e.rate(),
                l.info_bits,
                c.overhead_per_prb,
                c.tb_scaling
            );
        }
    }
    match &l.coding {
        Coding::Ldpc {
            params: p,
            decoder: d,
        } => {
            w!(
                "code       5G LDPC {}, A = {} payload bits, TB CRC {}, B = {}",
                p.base_graph.name(),
                p.tb_size,
                p.tb_crc.map_or("none".to_string(), |c| format!("{c:?}")),
                p.b
            );
            w!(
                "           C = {} code block(s), K' = {}, K = {}, Z = {}, K_b = {}, fillers F = {}, N = {}",
                p.num_code_blocks, p.k_prime, p.k, p.lifting_size, p.kb, p.fillers, p.n
            );
            let lo = p.e.iter().filter(|&&e| e == p.e[0]).count();
            let e = match p.e.len() - lo {
                0 => format!("{} × {}", lo, p.e[0]),
                hi => format!("{} × {} + {} × {}", lo, p.e[0], hi, p.e[lo]),
            };
            let ncb = match p.ncb < p.n {
                true => format!("N_cb = {} (limited buffer)", p.ncb),
                false => format!("N_cb = N = {}", p.ncb),
            };
            w!(
                "           G = {} coded bits on N_L = {} layer(s), E = {e}, {ncb}, rv = {}, rate A/G = {:.4}",
                p.g,
                p.layers,
                p.rv,
                l.rate()
            );
            w!(
                "decoder    {:?}, {} iterations, early stop {}, min-sum scaling {}, offset {}",
                d.algorithm,
                d.iterations,
                d.early_stop,
                d.scaling,
                d.offset
            );
        }
        Coding::Uncoded => {
            w!("code       uncoded, {} bits per block", l.info_bits);
        }
    }
    if let Some(h) = &l.harq {
        w!(
            "harq       up to {} transmissions, RVs {:?} (cycled), soft combining in the \
             circular buffer, each over a new channel and noise realization",
            h.max_transmissions,
            h.rv_sequence
        );
    }
    w!(
        "modulation {} (Q_m = {}), {} symbols per block, demapper {:?}",
        l.modulation.name(),
        l.modulation.bits_per_symbol(),
        l.symbols(),
        l.demapper
    );
    w!(
        "channel    {:?}{}",
        l.channel,
        match l.channel {
            sim_core::scenario::schema::ChannelModel::Rayleigh =>
                format!(" ({:?} fading, perfect CSI)", l.fading),
            _ => String::new(),
        }
    );
    if let Some(o) = &l.ofdm {
        w!(
            "ofdm       {} subcarriers × {} symbols at {} kHz, CP {:.4} of a symbol, slot {:.1} µs, \
             carrier {} GHz",
            o.subcarriers,
            o.symbols,
            o.subcarrier_spacing_hz / 1e3,
            o.cp_fraction,
            o.slot_duration_s() * 1e6,
            o.carrier_hz / 1e9
        );
        if o.grid_width() != o.subcarriers {
            w!(
                "grid       {} subcarriers wide: guard carriers {} below and {} above{}",
                o.grid_width(),
                o.guard_carriers[0],
                o.guard_carriers[1],
                if o.dc_null { ", DC null" } else { "" }
            );
        }
        if o.transform_precoding {
            w!(
                "waveform   DFT-s-OFDM: each data symbol spread by the unitary {}-point DFT \
                 (TS 38.211 §6.3.1.4), despread after equalization",
                o.subcarriers
            );
        }
        w!(
            "domain     {}",
            match o.time_domain {
                None => "frequency (channel per resource element at each symbol start)".into(),
                Some(t) => format!(
                    "time: FFT {}, CP {} samples, sample rate {:.3} MHz (ICI and ISI simulated)",
                    t.fft_size,
                    t.cp_len,
                    t.fft_size as f64 * o.subcarrier_spacing_hz / 1e6
                ),
            }
        );
        w!(
            "slot       {} on symbols {:?} ({} pilot REs); {} data REs; {} code words per slot; \
             {} layer(s), {} receive antenna(s)",
            match &o.dmrs {
                None => "Kronecker pilots".to_string(),
                Some(d) => format!("NR DMRS type {} (N_ID {})", d.config_type, d.n_id),
            },
            o.pilot_symbols,
            o.pilot_res(),
            o.data_res(),
            o.codewords,
            o.layers,
            o.rx_antennas
        );
        if let Some(p) = &o.precoder {
            w!(
                "precoding  TS 38.211 Table {} TPMI {}: {} layer(s) on {} ports, W = {} \
                 (rows: ports); total power ‖W‖² = {:.3}",
                p.table,
                p.tpmi,
                p.layers,
                p.ports,
                format_matrix(p),
                p.w.iter().map(|c| c[0] * c[0] + c[1] * c[1]).sum::<f32>()
            );
        }
        if let Some(t) = &o.tdl {
            w!(
                "tdl        TDL-{}, delay spread {:.1} ns, max Doppler {:.1} Hz, {}",
                t.profile,
                t.delay_spread_s * 1e9,
                t.doppler_hz,
                match o.correlation {
                    None => "i.i.d. per antenna pair".to_string(),
                    Some([a, b]) =>
                        format!("spatially correlated (TR 38.901 §7.7.5.2): tx α = {a}, rx β = {b}"),
                }
            );
        }
        if let Some(c) = &o.cdl {
            w!(
                "cdl        CDL-{}, delay spread {:.1} ns, max Doppler {:.1} Hz, {}; arrays of \
                 {:?} elements {} λ apart: tx {} × {} {:?}, rx {} × {} {:?}; angles {}",
                c.profile,
                c.delay_spread_s * 1e9,
                c.doppler_hz,
                if o.uplink { "uplink" } else { "downlink" },
                o.antenna_pattern,
                o.antenna_spacing,
                o.tx_rows,
                o.tx_ports / o.tx_rows / if o.tx_polarization == PolarizationChoice::V { 1 } else { 2 },
                o.tx_polarization,
                o.rx_rows,
                o.rx_antennas / o.rx_rows / if o.rx_polarization == PolarizationChoice::V { 1 } else { 2 },
                o.rx_polarization,
                match (c.angle_spreads_deg, c.mean_angles_deg) {
                    (None, None) => "as tabulated".to_string(),
                    (s, m) => format!("scaled (§7.7.5.1) to spreads {s:?}, means {m:?} (ASD/AOD, ASA/AOA, ZSD/ZOD, ZSA/ZOA, °)"),
                }
            );
        }
        match &o.neural_weights {
            Some(dir) => {
                let m = receivers::neural::weights::load_meta(Path::new(dir))
                    .map_err(|e| Failure::BadInput(e.to_string()))?;
                let s = &m.shape;
                w!(
                    "receiver   neural, {dir}: {} parameters (depth {}, width {}, kernel {}, \
                     dilations {:?}), trained {} steps on `{}` with seed {}",
                    s.parameters(),
                    s.depth,
                    s.width,
                    s.kernel,
                    s.dilations,
                    m.total_steps(),
                    m.scenario_name,
                    m.seed
                );
                if let Some(i) = &m.init {
                    w!(
                        "           fine-tuned for the last {} steps from {} ({}, {} steps on `{}`)",
                        m.steps,
                        i.folder,
                        i.params_hash,
                        i.steps,
                        i.scenario_name
                    );
                }
                if let Some(d) = receivers::neural::weights::grid_mismatch(&m, o) {
                    w!("warning    the model was trained on another grid: {d}");
                }
            }
            None => w!(
                "receiver   estimator {:?}, interpolation {:?} (extrapolation {:?}), equalizer {:?}",
                o.estimator,
                o.interpolation,
                o.extrapolation,
                o.equalizer
            ),
        }
    }
    w!(
        "sweep      {} points of {}; Es/N0 = Eb/N0 + {:.3} dB",
        run.points.len(),
        run.sweep_variable.column(),
        l.ebno_to_snr_db()
    );
    let st = &run.scenario.stop;
    w!(
        "stop       {} block errors or {} blocks per point; sweep ends below BLER {}",
        st.min_block_errors,
        st.max_blocks,
        st.min_bler
    );
    crate::emit(&out);
    Ok(())
}

/// A precoding matrix as `[a b; c d]` with entries like `0.5`, `-0.354j`.
fn format_matrix(p: &sim_core::precoding::Precoder) -> String {
    let entry = |c: &sim_core::Cf32| {
        let [re, im] = *c;
        if im == 0.0 {
            format!("{re:.3}")
        } else if re == 0.0 {
            format!("{im:.3}j")
        } else {
            format!("{re:.3}{im:+.3}j")
        }
    };
    let rows: Vec<String> =
        p.w.chunks(p.layers)
            .map(|r| r.iter().map(entry).collect::<Vec<_>>().join(" "))
            .collect();
    format!("[{}]", rows.join("; "))
}
