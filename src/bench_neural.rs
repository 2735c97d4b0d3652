//! `ferrolink bench` rows of the neural receiver: the network's forward pass alone (CPU
//! burn; WGSL on a GPU) and the whole chain with it, on the Sionna anchor's shape (CDL-C,
//! 1×2, QPSK, 128 × 14 grid; width 32, 4 residual blocks, 3 × 3, dilations 1, 2, 4, 8), and
//! training steps (burn on the CPU or a GPU).
//! Weights are freshly initialized: throughput does not depend on them.

use crate::bench::Row;
use anyhow::{anyhow, Result};
use burn::optim::AdamConfig;
use gpu_kernels::neural::{ConvKernel, GpuNeuralReceiver};
use gpu_kernels::{GpuContext, GpuExecutor};
use receivers::neural::train::{shape_for, train_step, training_batch, training_config};
use receivers::neural::weights::save_model;
use receivers::neural::{ModelMeta, NeuralDevice, NeuralRunner, NeuralShape};
use receivers::CpuExecutor;
use sim_core::scenario::{resolve, Resolved};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const ANCHOR: &str = include_str!("../scenarios/cdl-c-10mps-1x2-qpsk-neural.toml");

/// The anchor scenario with its weights pointing at a fresh model in a temporary folder.
fn anchor() -> Result<(Resolved, NeuralShape, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("ferrolink-bench-neural-{}", std::process::id()));
    let text = ANCHOR
        .replace(
            "weights = \"models/cdl-c-10mps-1x2-qpsk\"",
            &format!("weights = {:?}", dir.display().to_string()),
        )
        .replace(
            "ebno_db = { start = -3.0, stop = 7.0, step = 0.5 }",
            "ebno_db = [4.0]",
        );
    let run = resolve(&text, "bench").map_err(|e| anyhow!("{e}"))?;
    let shape = shape_for(&run.link, &training_config(&run));
    let device = receivers::neural::device::cpu();
    device.seed(1);
    let meta = ModelMeta {
        format: 1,
        shape: shape.clone(),
        scenario_name: run.scenario.name.clone(),
        scenario: text,
        seed: 1,
        steps: 0,
        params_hash: String::new(),
        ferrolink_version: env!("CARGO_PKG_VERSION").into(),
        init: None,
    };
    save_model(&dir, &shape.init(&device), &meta)?;
    Ok((run, shape, dir))
}

fn features(shape: &NeuralShape, batch: usize) -> Vec<f32> {
    (0..batch * shape.in_channels() * 14 * 128)
        .map(|i| ((i * 7919) % 201) as f32 / 100.0 - 1.0)
        .collect()
}

fn row(name: &str, settings: String, slots: u64, seconds: f64, info_bits: usize) -> Row {
    Row {
        name: name.into(),
        settings: format!(
            "{settings}; {:.0} slots/s, {:.3e} REs/s",
            slots as f64 / seconds,
            slots as f64 * 14.0 * 128.0 / seconds
        ),
        blocks: slots,
        seconds,
        info_bits_per_s: slots as f64 * info_bits as f64 / seconds,
    }
}

/// CPU rows: burn's forward pass on batches of 32 grids, and the whole chain.
pub fn cpu_rows(t: Duration) -> Result<Vec<Row>> {
    let (run, shape, dir) = anchor()?;
    let runner = NeuralRunner::load(&dir, &run.link)?;
    let batch = 32;
    let x = features(&shape, batch);
    let _ = runner.forward(x.clone(), batch, 14, 128);
    let start = Instant::now();
    let mut slots = 0u64;
    while start.elapsed() < t {
        let _ = runner.forward(x.clone(), batch, 14, 128);
        slots += batch as u64;
    }
    let info = run.link.block_info_bits();
    let params = shape.parameters();
    let mut rows = vec![row(
        "neural inference cpu (burn)",
        format!("{params} parameters, batch {batch}"),
        slots,
        start.elapsed().as_secs_f64(),
        info,
    )];
    let mut cpu = CpuExecutor::new();
    rows.push(crate::bench::chain_row(
        "end-to-end cpu neural CDL-C 1x2",
        &run.source,
        &mut cpu,
        256,
        true,
        t,
    )?);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(rows)
}

/// GPU row: the WGSL forward pass on resident features, `batch` grids per submission.
pub fn gpu_row(ctx: &GpuContext, quick: bool, kernel: ConvKernel, t: Duration) -> Result<Row> {
    let (run, shape, dir) = anchor()?;
    let software = ctx.adapter.rank() == 0;
    let batch = if quick || software { 8 } else { 1024 };
    let model = {
        let device = receivers::neural::device::cpu();
        device.seed(1);
        shape.init(&device)
    };
    let mut net =
        GpuNeuralReceiver::with_kernel(ctx, &model.export(&shape), 14, 128, batch, kernel)?;
    let _ = net.forward(ctx, &features(&shape, batch), batch)?;
    let start = Instant::now();
    let mut slots = 0u64;
    while start.elapsed() < t {
        let mut encoder = ctx
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
        net.encode(ctx, &mut encoder, batch);
        ctx.queue.submit([encoder.finish()]);
        ctx.wait()?;
        slots += batch as u64;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(row(
        "gpu neural inference (WGSL)",
        format!(
            "{} parameters, batch {batch}, kernel {kernel:?}, {}",
            shape.parameters(),
            ctx.adapter.name
        ),
        slots,
        start.elapsed().as_secs_f64(),
        run.link.block_info_bits(),
    ))
}

/// GPU row: the whole anchor chain with the network on the GPU (features, WGSL network, LLRs,
/// decoder in one submission per batch).
pub fn gpu_chain_row(gpu: &mut GpuExecutor, quick: bool, t: Duration) -> Result<Row> {
    let (run, _, dir) = anchor()?;
    let software = gpu.context().adapter.rank() == 0;
    let cap = if quick || software { 8 } else { 4096 };
    let batch = gpu.max_batch(&run.link)?.min(cap);
    let row = crate::bench::chain_row(
        "end-to-end gpu neural CDL-C 1x2",
        &run.source,
        gpu,
        batch as u64,
        false,
        t,
    );
    let _ = std::fs::remove_dir_all(&dir);
    row
}

/// Training row: Adam steps (forward, backward, update; the loss read back each step) on a
/// fixed mini-batch of `batch` anchor slots, the anchor's network at `width` channels, on
/// burn's CPU or wgpu backend. Generating the slots (CPU) is not timed.
pub fn training_row(on: NeuralDevice, width: usize, batch: usize, t: Duration) -> Result<Row> {
    let (run, _, dir) = anchor()?;
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = training_config(&run);
    config.width = width;
    let shape = shape_for(&run.link, &config);
    let slots_batch = training_batch(&run, &config, 1, 0, batch);
    let device = on.device().autodiff();
    let mut model = shape.init_seeded(1, &device);
    let mut optim = AdamConfig::new().init();
    let grid = (14, 128);
    // The first step compiles the GPU kernels: not timed.
    (model, _) = train_step(model, &mut optim, &slots_batch, &shape, grid, 1e-3, &device);
    let start = Instant::now();
    let mut slots = 0u64;
    while start.elapsed() < t {
        (model, _) = train_step(model, &mut optim, &slots_batch, &shape, grid, 1e-3, &device);
        slots += batch as u64;
    }
    let name = match on {
        NeuralDevice::Cpu => "neural training cpu (burn)",
        NeuralDevice::Gpu { .. } => "gpu neural training (burn wgpu)",
    };
    Ok(row(
        name,
        format!(
            "{} parameters (width {width}), batch {batch}, one Adam step per batch, {}",
            shape.parameters(),
            on.describe()
        ),
        slots,
        start.elapsed().as_secs_f64(),
        run.link.block_info_bits(),
    ))
}
