//! `ferrolink bench` rows of the GPU (issue 3): the WGSL LDPC decoder alone on resident LLRs,
//! with its modelled memory traffic against the H100 ceiling, and the whole link chain.

use crate::bench::{chain_row, ofdm_variants, Report, Row, OFDM_CASE, REFERENCE_CASE};
use anyhow::Result;
use gpu_kernels::{DecoderKernel, DecoderTuning, GpuExecutor, GpuLdpcDecoder};
use sim_core::engine::Executor;
use sim_core::ldpc::{
    BaseGraphId, DecoderAlgorithm, DecoderSettings, TbCodeParams, TransportCodec,
};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::resolve;
use std::time::{Duration, Instant};

/// The memory ceiling of the H100 for WGSL (streaming kernel, bytes read + written), from
/// `../shared/gpu/README.md`: decoder rows report their modelled traffic against it.
const H100_CEILING_BYTES_PER_S: f64 = 2.78e12;

/// The WGSL decoder alone on resident LLRs: `batch` code blocks per dispatch, no transfers.
#[allow(clippy::too_many_arguments)]
fn gpu_decoder_row(
    exec: &GpuExecutor,
    bg: BaseGraphId,
    a: usize,
    g: usize,
    settings: DecoderSettings,
    batch: usize,
    kernel: Option<DecoderKernel>,
    tuning: DecoderTuning,
    min_time: Duration,
) -> Result<Row> {
    let ctx = exec.context();
    let params = TbCodeParams::new(a, None, bg, g, 2, 0).expect("benchmark code is valid");
    let codec = TransportCodec::new(params.clone(), settings);
    let dec = codec.decoder(0);
    let auto = DecoderKernel::choose(
        dec,
        params.k_prime,
        ctx.device.limits().max_compute_workgroup_storage_size,
    );
    let gpu =
        GpuLdpcDecoder::with_tuning(ctx, dec, params.k_prime, kernel.unwrap_or(auto), tuning)?;
    let (n, _) = gpu.shape();
    let rate = a as f64 / g as f64;
    let sigma2 = 1.0 / (2.0 * rate * 10f64.powf(1.5 / 10.0));
    // 64 noisy all-zero codewords (all-zero is a codeword), repeated over the batch.
    let sets: Vec<f32> = (0..64u32)
        .flat_map(|i| {
            let mut noise = vec![[0f32; 2]; n.div_ceil(2)];
            BlockRng::new(98, 0, i).complex_gaussian(
                Stream::Noise,
                (2.0 * sigma2) as f32,
                &mut noise,
            );
            let z = params.lifting_size;
            (0..n)
                .map(|k| match k < 2 * z {
                    true => 0.0,
                    false => 2.0 * (1.0 + noise[k / 2][k % 2]) / sigma2 as f32,
                })
                .collect::<Vec<f32>>()
        })
        .collect();
    let llr: Vec<f32> = (0..batch)
        .flat_map(|b| sets[(b % 64) * n..(b % 64 + 1) * n].to_vec())
        .collect();
    let chan = ctx.storage_from("bench llr", &llr);
    let bufs = gpu.buffers(ctx, batch);
    let bind = gpu.bind(ctx, &chan, &bufs);
    gpu.set_blocks(ctx, batch, false);
    let dispatch = || -> Result<()> {
        let mut enc = ctx.device.create_command_encoder(&Default::default());
        {
            let mut pass = enc.begin_compute_pass(&Default::default());
            gpu.record(&mut pass, &bind, batch);
        }
        ctx.queue.submit([enc.finish()]);
        ctx.wait()?;
        Ok(())
    };
    dispatch()?;
    let start = Instant::now();
    let mut dispatches = 0u64;
    while start.elapsed() < min_time {
        dispatch()?;
        dispatches += 1;
    }
    let seconds = start.elapsed().as_secs_f64();
    let blocks = dispatches * batch as u64;
    let traffic = (blocks * gpu.traffic_per_iteration() * settings.iterations as u64) as f64;
    let bytes_per_s = traffic / seconds;
    Ok(Row {
        name: "gpu ldpc-decoder".into(),
        settings: format!(
            "{bg:?} Z={} K={} G={g} {:?} {} it {}, Eb/N0 1.5 dB, batch {batch}, kernel {:?} \
             {tuning:?} (subgroups {}), modelled traffic {}{:.0} GB/s = {:.0}% of the H100 \
             ceiling, {}",
            params.lifting_size,
            params.k,
            settings.algorithm,
            settings.iterations,
            if settings.early_stop {
                "at most (early stop)"
            } else {
                "fixed"
            },
            gpu.kernel(),
            gpu.subgroups(),
            // Early-stopped blocks skip iterations the model counts.
            if settings.early_stop { "at most " } else { "" },
            bytes_per_s / 1e9,
            100.0 * bytes_per_s / H100_CEILING_BYTES_PER_S,
            exec.device_name()
        ),
        blocks,
        seconds,
        info_bits_per_s: blocks as f64 * a as f64 / seconds,
    })
}

/// The decoder row of the bench code (A, G) with the generated `kernel` forced, where it
/// runs that code on this adapter (its workgroup memory and invocations); none elsewhere.
#[allow(clippy::too_many_arguments)]
fn generated_row(
    exec: &GpuExecutor,
    report: &mut Report,
    kernel: DecoderKernel,
    bg: BaseGraphId,
    (a, g): (usize, usize),
    settings: DecoderSettings,
    batch: usize,
    t: Duration,
) {
    let params = TbCodeParams::new(a, None, bg, g, 2, 0).expect("benchmark code is valid");
    let codec = TransportCodec::new(params.clone(), settings);
    let lim = exec.context().device.limits();
    let threads = lim
        .max_compute_invocations_per_workgroup
        .min(lim.max_compute_workgroup_size_x);
    let limit = lim.max_compute_workgroup_storage_size;
    if kernel.fits(codec.decoder(0), params.k_prime, limit, threads) {
        let tuning = DecoderTuning::default();
        let row = gpu_decoder_row(exec, bg, a, g, settings, batch, Some(kernel), tuning, t);
        report.add("gpu ldpc-decoder", row);
    }
}

/// The GPU rows of issue 3: decoder alone and the whole chain.
pub(crate) fn gpu_rows(
    gpu: &mut GpuExecutor,
    quick: bool,
    tune: bool,
    t: Duration,
    report: &mut Report,
) {
    let software = gpu.context().adapter.rank() == 0;
    let scale = if quick || software { 1 } else { 64 };
    let fixed = |algorithm, iterations| DecoderSettings {
        algorithm,
        iterations,
        early_stop: false,
        ..DecoderSettings::default()
    };
    let name = "gpu ldpc-decoder";
    let global = Some(DecoderKernel::Global);
    let auto = DecoderTuning::default();
    let (bg1, bg2) = (BaseGraphId::Bg1, BaseGraphId::Bg2);
    for it in [5, 10, 20] {
        let s = fixed(DecoderAlgorithm::LayeredMinSum, it);
        let row = gpu_decoder_row(gpu, bg1, 8448, 16896, s, 128 * scale, None, auto, t);
        report.add(name, row);
    }
    // The generated kernels with the whole state on-chip (forced: not yet timed on a real
    // GPU; lavapipe has too little workgroup memory for Z = 384).
    for it in [5, 10, 20] {
        let s = fixed(DecoderAlgorithm::LayeredMinSum, it);
        let k = DecoderKernel::LayeredMinSumRegisters;
        generated_row(gpu, report, k, bg1, (8448, 16896), s, 128 * scale, t);
    }
    let s = fixed(DecoderAlgorithm::LayeredMinSum, 10);
    let row = gpu_decoder_row(gpu, bg1, 8448, 16896, s, 64 * scale, global, auto, t);
    report.add(name, row);
    // Layered BP: the global-memory kernel (its default) and the generated one.
    let s = fixed(DecoderAlgorithm::LayeredBp, 10);
    let row = gpu_decoder_row(gpu, bg1, 8448, 16896, s, 64 * scale, global, auto, t);
    report.add(name, row);
    let k = DecoderKernel::LayeredBpRegisters;
    generated_row(gpu, report, k, bg1, (8448, 16896), s, 128 * scale, t);
    for it in [5, 10, 20] {
        let s = fixed(DecoderAlgorithm::Bp, it);
        let row = gpu_decoder_row(gpu, bg1, 8448, 25344, s, 64 * scale, None, auto, t);
        report.add(name, row);
        let row = gpu_decoder_row(gpu, bg2, 1024, 2048, s, 512 * scale, None, auto, t);
        report.add(name, row);
    }
    let s = fixed(DecoderAlgorithm::Bp, 20);
    let row = gpu_decoder_row(gpu, bg2, 1024, 2048, s, 256 * scale, global, auto, t);
    report.add(name, row);
    // The OFDM reference case's code (BG2, Z = 384).
    let row = gpu_decoder_row(gpu, bg2, 3456, 6912, s, 128 * scale, None, auto, t);
    report.add(name, row);
    // The generated flooding BP kernel with the whole state on-chip, where it fits.
    let k = DecoderKernel::FloodingRegisters;
    for it in [5, 10, 20] {
        let s = fixed(DecoderAlgorithm::Bp, it);
        generated_row(gpu, report, k, bg2, (1024, 2048), s, 512 * scale, t);
    }
    generated_row(gpu, report, k, bg2, (3456, 6912), s, 128 * scale, t);
    if tune {
        // Launch shapes: threads per workgroup of the flooding kernels, row groups of the
        // layered one.
        for wg in [256, 512] {
            let tuning = DecoderTuning {
                workgroup: Some(wg),
                ..auto
            };
            let row = gpu_decoder_row(gpu, bg2, 1024, 2048, s, 512 * scale, None, tuning, t);
            report.add(name, row);
            let row = gpu_decoder_row(gpu, bg2, 3456, 6912, s, 128 * scale, None, tuning, t);
            report.add(name, row);
        }
        // The reference code with its messages on-chip too.
        let k = Some(DecoderKernel::FloodingShared);
        let row = gpu_decoder_row(gpu, bg2, 1024, 2048, s, 512 * scale, k, auto, t);
        report.add(name, row);
        let s = fixed(DecoderAlgorithm::LayeredMinSum, 10);
        // Z = 384: two rows make 768 lanes, the most a group holds (1024 threads).
        for (group, workgroup) in [(1, None), (2, Some(384)), (2, Some(1024))] {
            let tuning = DecoderTuning {
                row_group: Some(group),
                workgroup,
                ..auto
            };
            let row = gpu_decoder_row(gpu, bg1, 8448, 16896, s, 128 * scale, None, tuning, t);
            report.add(name, row);
        }
        // With early stop the syndrome is counted every iteration: subgroup vote (where the
        // adapter has subgroups) against the atomic fallback.
        let s = DecoderSettings {
            early_stop: true,
            ..s
        };
        for subgroups in [None, Some(false)] {
            let tuning = DecoderTuning { subgroups, ..auto };
            let row = gpu_decoder_row(gpu, bg1, 8448, 16896, s, 128 * scale, None, tuning, t);
            report.add(name, row);
        }
    }
    let early_stop = REFERENCE_CASE.replace("early_stop = false", "early_stop = true");
    let big = REFERENCE_CASE
        .replace("info_bits = 1024", "info_bits = 8448")
        .replace("coded_bits = 2048", "coded_bits = 16896")
        .replace("\"qpsk\"", "\"16qam\"")
        .replace("[1.5]", "[3.5]");
    let mut cases = vec![
        ("end-to-end gpu".to_string(), REFERENCE_CASE.to_string()),
        ("end-to-end gpu early-stop".into(), early_stop),
        ("end-to-end gpu K=8448 16-QAM".into(), big),
        ("end-to-end gpu OFDM TDL-A".into(), OFDM_CASE.to_string()),
    ];
    cases.extend(
        ofdm_variants()
            .into_iter()
            .map(|(name, text)| (format!("end-to-end gpu {name}"), text)),
    );
    for (name, text) in &cases {
        let row = gpu_chain_row(gpu, name, text, software, t);
        report.add(name, row);
    }
    // The same chains with the decoder kernels generated per code shape where they fit
    // (flooding BP for the reference cases' BG2 codes; not yet timed on a real GPU).
    gpu.set_generated_decoders(true);
    for (name, text) in cases.iter().filter(|c| !c.0.contains("K=8448")).take(4) {
        let name = format!("{name} (generated decoder)");
        let row = gpu_chain_row(gpu, &name, text, software, t);
        report.add(&name, row);
    }
    gpu.set_generated_decoders(false);
}

/// One end-to-end GPU row: the largest batch the device takes (capped at 65 536 code words),
/// the same batch every time after a warm-up.
fn gpu_chain_row(
    gpu: &mut GpuExecutor,
    name: &str,
    text: &str,
    software: bool,
    t: Duration,
) -> Result<Row> {
    let run = resolve(text, name).map_err(|e| anyhow::anyhow!("{e}"))?;
    // An OFDM block is a slot of four code words.
    let cap = (1 << 16) / run.link.codewords();
    let batch = gpu.max_batch(&run.link)?.min(if software {
        256 / run.link.codewords()
    } else {
        cap
    });
    chain_row(name, text, gpu, batch as u64, false, t)
}
