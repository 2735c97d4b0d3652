//! `ferrolink bench`: throughput of the LDPC decoders and of the whole link chain on this
//! machine, as information bits per second. Figures go into BENCHMARKS.md.

use anyhow::{Context, Result};
use gpu_kernels::neural::ConvKernel;
use gpu_kernels::GpuExecutor;
use rayon::prelude::*;
use receivers::neural::NeuralDevice;
use receivers::CpuExecutor;
use sim_core::engine::Executor;
use sim_core::ldpc::{
    BaseGraphId, CodecWorkspace, DecoderAlgorithm, DecoderSettings, TbCodeParams, TransportCodec,
};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::resolve;
use std::path::Path;
use std::time::{Duration, Instant};

pub(crate) struct Row {
    pub name: String,
    pub settings: String,
    pub blocks: u64,
    pub seconds: f64,
    pub info_bits_per_s: f64,
}

/// Runs `work(first, count)` until `min_time` has passed, on batches growing from 16 up to
/// `max_batch` (`ramp`, for the CPU) or on full batches (the GPU, whose rate depends on the
/// batch); the warm-up call runs a full batch so buffers and pipelines exist before timing.
fn measure(
    min_time: Duration,
    max_batch: u64,
    ramp: bool,
    mut work: impl FnMut(u64, u64, Option<u64>),
) -> (u64, f64) {
    // Warm-up: code tables, thread pool, caches, GPU buffers.
    work(0, if ramp { max_batch.min(4096) } else { max_batch }, None);
    let start = Instant::now();
    let mut done = 0u64;
    let mut batch = if ramp {
        16u64.min(max_batch)
    } else {
        max_batch
    };
    while start.elapsed() < min_time {
        // The size of the next batch, for executors that queue it early (as the engine hints).
        let next = (batch * 2).min(max_batch);
        work(done, batch, Some(next));
        done += batch;
        batch = next;
    }
    (done, start.elapsed().as_secs_f64())
}

/// Decoder alone on noisy LLRs of real codewords (BPSK-equivalent AWGN at `ebno_db`).
fn decoder_row(
    name: &str,
    bg: BaseGraphId,
    a: usize,
    g: usize,
    settings: DecoderSettings,
    ebno_db: f64,
    min_time: Duration,
) -> Row {
    let params = TbCodeParams::new(a, None, bg, g, 2, 0).expect("benchmark code is valid");
    let codec = TransportCodec::new(params.clone(), settings);
    let rate = a as f64 / g as f64;
    let sigma2 = 1.0 / (2.0 * rate * 10f64.powf(ebno_db / 10.0));
    let sets: Vec<Vec<f32>> = (0..32u32)
        .map(|i| {
            let rng = BlockRng::new(99, 0, i);
            let mut bits = vec![0u8; a];
            rng.bits(Stream::Bits, &mut bits);
            let mut b = Vec::new();
            codec.attach_tb_crc(&bits, &mut b);
            let mut f = vec![0u8; g];
            codec.encode(&b, &mut f, &mut CodecWorkspace::default());
            let mut noise = vec![[0f32; 2]; g.div_ceil(2)];
            rng.complex_gaussian(Stream::Noise, (2.0 * sigma2) as f32, &mut noise);
            f.iter()
                .enumerate()
                .map(|(k, &c)| {
                    let y = (1.0 - 2.0 * c as f32) + noise[k / 2][k % 2];
                    2.0 * y / sigma2 as f32
                })
                .collect()
        })
        .collect();
    let (blocks, seconds) = measure(min_time, 4096, true, |first, count, _| {
        (first..first + count).into_par_iter().for_each_init(
            || (CodecWorkspace::default(), vec![0u8; params.b]),
            |(ws, out), i| {
                codec.decode(&sets[(i % 32) as usize], out, ws);
            },
        );
    });
    Row {
        name: name.into(),
        settings: format!(
            "{bg:?} Z={} K={} G={} {:?} {} it{}, Eb/N0 {ebno_db} dB, {} threads",
            params.lifting_size,
            params.k,
            g,
            settings.algorithm,
            settings.iterations,
            if settings.early_stop {
                " early-stop"
            } else {
                " fixed"
            },
            rayon::current_num_threads()
        ),
        blocks,
        seconds,
        info_bits_per_s: blocks as f64 * a as f64 / seconds,
    }
}

/// The whole chain through `exec` at one point of a scenario text, batches up to `max_batch`
/// (growing from 16 with `ramp`, else all of that size).
pub(crate) fn chain_row(
    name: &str,
    scenario: &str,
    exec: &mut dyn Executor,
    max_batch: u64,
    ramp: bool,
    min_time: Duration,
) -> Result<Row> {
    let run = resolve(scenario, name).map_err(|e| anyhow::anyhow!("{e}"))?;
    let point = run.points[0];
    let seed = run.scenario.seed;
    let mut err = None;
    let (blocks, seconds) = measure(min_time, max_batch, ramp, |first, count, next| {
        if let Some(n) = next {
            exec.prefetch(&point, seed, first + count, n as usize);
        }
        if let Err(e) = exec.run_batch(&run.link, &point, seed, first, count as usize) {
            err = Some(e);
        }
    });
    if let Some(e) = err {
        return Err(anyhow::anyhow!("{e}"));
    }
    Ok(Row {
        name: name.into(),
        settings: format!(
            "A={} G={} {} {:?}, Eb/N0 {} dB, batch ≤ {max_batch}, {}",
            run.link.info_bits,
            run.link.coded_bits,
            run.link.modulation.name(),
            run.link.channel,
            point.ebno_db,
            exec.device_name()
        ),
        blocks,
        seconds,
        info_bits_per_s: blocks as f64 * run.link.block_info_bits() as f64 / seconds,
    })
}

/// Issue 4's OFDM reference case: TDL-A 100 ns static SISO, 576 × 14 REs at 30 kHz, no CP,
/// Kronecker pilots on symbols 2 and 11, LS + linear interpolation, LMMSE, APP, 16-QAM, four
/// LDPC(6912, 3456) code words per slot, BP with 20 fixed iterations (Eb/N0 10 dB).
pub const OFDM_CASE: &str = r#"
name = "bench-ofdm-tdl-a"
[code]
info_bits = 3456
crc = "none"
coded_bits = 6912
base_graph = "bg2"
decoder = { algorithm = "bp", iterations = 20, early_stop = false }
[modulation]
scheme = "16qam"
demapper = "app"
[ofdm]
num_subcarriers = 576
cyclic_prefix = "none"
[pilots]
symbols = [2, 11]
[channel]
model = "tdl"
profile = "A"
delay_spread_ns = 100
[receiver]
estimator = "ls"
interpolation = "linear"
equalizer = "lmmse"
[sweep]
ebno_db = [10.0]
"#;

/// The issue's reference case: AWGN, K=1024, E=2048, QPSK, no CRC, BP, 20 fixed iterations.
pub const REFERENCE_CASE: &str = r#"
name = "bench-awgn-k1024"
[code]
info_bits = 1024
crc = "none"
coded_bits = 2048
decoder = { algorithm = "bp", iterations = 20, early_stop = false }
[modulation]
scheme = "qpsk"
demapper = "app"
[sweep]
ebno_db = [1.5]
"#;

/// Issue 4's other reported OFDM cases: CDL-C 2×2 with two layers, the same with ML
/// detection (256 joint hypotheses per resource element), and the reference case simulated in
/// the time domain (normal CP, N = 1024), there also with Wiener phase noise of 1 kHz and with
/// the TR 38.803 pole-zero spectrum (set C), and the CDL-C case over the TR 38.901 UMa NLOS
/// scenario model, in the frequency and the time domain.
pub(crate) fn ofdm_variants() -> [(&'static str, String); 8] {
    let cdl = OFDM_CASE
        .replace(
            "[channel]",
            "[antennas]\ntx = 2\nrx = 2\nlayers = 2\n[channel]",
        )
        .replace(
            "model = \"tdl\"\nprofile = \"A\"",
            "model = \"cdl\"\nprofile = \"C\"",
        );
    let time = OFDM_CASE.replace(
        "cyclic_prefix = \"none\"",
        "cyclic_prefix = \"normal\"\ndomain = \"time\"",
    );
    let phase_noise = time.replace("[sweep]", "[phase_noise]\nlinewidth_hz = 1000\n[sweep]");
    // The TR 38.803 pole-zero spectrum: 64 tones per slot summed at every sample.
    let pole_zero = time.replace(
        "[sweep]",
        "[phase_noise]\nmodel = \"pole-zero\"\nparameter_set = \"C\"\n[sweep]",
    );
    // A TR 38.901 scenario model: a new drop of LSPs and clusters per slot (drawn on the
    // host), otherwise the CDL-C 2×2 case.
    let uma = cdl.replace(
        "model = \"cdl\"\nprofile = \"C\"\ndelay_spread_ns = 100",
        "model = \"uma\"\ncondition = \"nlos\"",
    );
    // Each drop's delays through the waveform model (ISI from the earlier symbols).
    let uma_time = uma.replace(
        "cyclic_prefix = \"none\"",
        "cyclic_prefix = \"normal\"\ndomain = \"time\"",
    );
    let ml = cdl.replace("equalizer = \"lmmse\"", "equalizer = \"ml\"");
    let kbest = cdl.replace(
        "equalizer = \"lmmse\"",
        "equalizer = \"kbest\"\nkbest_paths = 16",
    );
    [
        ("OFDM CDL-C 2x2", cdl),
        ("OFDM CDL-C 2x2 ML", ml),
        ("OFDM CDL-C 2x2 K-best 16", kbest),
        ("OFDM TDL-A time domain", time),
        ("OFDM TDL-A time domain, phase noise", phase_noise),
        ("OFDM TDL-A time domain, pole-zero phase noise", pole_zero),
        ("OFDM UMa NLOS 2x2", uma),
        ("OFDM UMa NLOS 2x2 time domain", uma_time),
    ]
}

/// What `ferrolink bench` measures and for how long.
pub struct Options {
    pub quick: bool,
    pub device: String,
    pub gpu_only: bool,
    pub seconds: Option<f64>,
    pub tune: bool,
}

/// Rows printed as they are measured; a failing row is reported and the others still run.
pub(crate) struct Report {
    rows: Vec<Row>,
    failures: Vec<String>,
}

impl Report {
    fn new() -> Self {
        crate::emit(&format!(
            "{:<40} {:>12} {:>9} {:>10}  settings\n",
            "benchmark", "Mbit/s", "blocks", "seconds"
        ));
        Report {
            rows: Vec::new(),
            failures: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, name: &str, row: Result<Row>) {
        match row {
            Ok(r) => {
                crate::emit(&format!(
                    "{:<40} {:>12.3} {:>9} {:>10.2}  {}\n",
                    r.name,
                    r.info_bits_per_s / 1e6,
                    r.blocks,
                    r.seconds,
                    r.settings
                ));
                self.rows.push(r);
            }
            Err(e) => {
                eprintln!("{name}: failed: {e:#}");
                self.failures.push(format!("{name}: {e:#}"));
            }
        }
    }
}

pub fn run(out: Option<&Path>, options: &Options) -> Result<()> {
    let quick = options.quick;
    let default = if quick { 0.2 } else { 3.0 };
    let t = Duration::from_secs_f64(options.seconds.unwrap_or(default).max(0.01));
    let fixed = |algorithm, iterations| DecoderSettings {
        algorithm,
        iterations,
        early_stop: false,
        ..DecoderSettings::default()
    };
    let mut report = Report::new();
    if !options.gpu_only {
        let decoders = [
            (
                "ldpc-decoder bp",
                BaseGraphId::Bg2,
                1024,
                2048,
                DecoderAlgorithm::Bp,
                20,
            ),
            (
                "ldpc-decoder bp",
                BaseGraphId::Bg1,
                8448,
                16896,
                DecoderAlgorithm::Bp,
                20,
            ),
            (
                "ldpc-decoder layered-min-sum",
                BaseGraphId::Bg1,
                8448,
                16896,
                DecoderAlgorithm::LayeredMinSum,
                10,
            ),
        ];
        for (name, bg, a, g, algorithm, it) in decoders {
            let row = decoder_row(name, bg, a, g, fixed(algorithm, it), 1.5, t);
            report.add(name, Ok(row));
        }
        let mut cpu = CpuExecutor::new();
        let early_stop = REFERENCE_CASE.replace("early_stop = false", "early_stop = true");
        let mut cases = vec![
            (
                "end-to-end cpu".to_string(),
                REFERENCE_CASE.to_string(),
                4096,
            ),
            ("end-to-end cpu early-stop".into(), early_stop, 4096),
            (
                "end-to-end cpu OFDM TDL-A".into(),
                OFDM_CASE.to_string(),
                1024,
            ),
        ];
        cases.extend(
            ofdm_variants()
                .into_iter()
                .map(|(name, text)| (format!("end-to-end cpu {name}"), text, 1024)),
        );
        for (name, text, batch) in cases {
            let row = chain_row(&name, &text, &mut cpu, batch, true, t);
            report.add(&name, row);
        }
        match crate::bench_neural::cpu_rows(t) {
            Ok(rows) => rows.into_iter().for_each(|r| report.add("", Ok(r))),
            Err(e) => report.add("cpu neural", Err(e)),
        }
        let row = crate::bench_neural::training_row(NeuralDevice::Cpu, 32, 16, t);
        report.add("neural training cpu", row);
    }
    let gpu = match options.device.as_str() {
        "cpu" => None,
        "gpu" => Some(GpuExecutor::new(true)?),
        _ => GpuExecutor::new(false).ok(),
    };
    if let Some(mut gpu) = gpu {
        crate::bench_gpu::gpu_rows(&mut gpu, quick, options.tune, t, &mut report);
        let kernels = match options.tune {
            true => vec![ConvKernel::PerOutput, ConvKernel::Grouped],
            false => vec![ConvKernel::PerOutput],
        };
        for kernel in kernels {
            let row = crate::bench_neural::gpu_row(gpu.context(), quick, kernel, t);
            report.add("gpu neural inference", row);
        }
        let row = crate::bench_neural::gpu_chain_row(&mut gpu, quick, t);
        report.add("end-to-end gpu neural", row);
        // burn's wgpu backend on the adapter `--device` picks: the shipped network's
        // training, and a Sionna-sized one (128 channels, 64 slots per step).
        let on = gpu_kernels::neural_device(&options.device);
        let small = quick || gpu.context().adapter.rank() == 0;
        let shapes: &[(usize, usize)] = if small {
            &[(32, 2)]
        } else {
            &[(32, 16), (128, 64)]
        };
        if matches!(on, NeuralDevice::Gpu { .. }) {
            for &(width, batch) in shapes {
                let row = crate::bench_neural::training_row(on, width, batch, t);
                report.add("gpu neural training", row);
            }
        }
    }
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let json: Vec<serde_json::Value> = report
            .rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "benchmark": r.name, "settings": r.settings, "blocks": r.blocks,
                    "seconds": r.seconds, "info_bits_per_s": r.info_bits_per_s,
                })
            })
            .collect();
        let path = dir.join("bench.json");
        std::fs::write(&path, serde_json::to_string_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    match report.failures.is_empty() {
        true => Ok(()),
        false => Err(anyhow::anyhow!(
            "{} benchmark(s) failed:\n{}",
            report.failures.len(),
            report.failures.join("\n")
        )),
    }
}
