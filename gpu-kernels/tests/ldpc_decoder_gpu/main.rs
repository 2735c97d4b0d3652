//! The WGSL LDPC decoder against the CPU decoder on the same noisy LLRs (lavapipe in CI):
//! hard decisions and convergence flags must be equal on at least 99.9% of the blocks, for
//! every algorithm, with and without early stop, both base graphs and all 51 lifting sizes.

use gpu_kernels::{test_context, DecoderKernel, DecoderTuning, GpuContext, GpuLdpcDecoder};
use sim_core::ldpc::{
    lifting_sizes, BaseGraphId, DecoderAlgorithm, DecoderSettings, DecoderWorkspace, LdpcDecoder,
    LiftedCode,
};
use sim_core::rng::{BlockRng, Stream};

mod registers;

const ALGORITHMS: [DecoderAlgorithm; 4] = [
    DecoderAlgorithm::Bp,
    DecoderAlgorithm::LayeredBp,
    DecoderAlgorithm::MinSum,
    DecoderAlgorithm::LayeredMinSum,
];

/// `n` random codewords of (bg, z) through BPSK + AWGN at `ebno_db` (code rate `rate`), as
/// channel LLRs over the first `cols` columns (the 2Z punctured bits get 0).
fn noisy_llrs(
    bg: BaseGraphId,
    z: usize,
    cols: usize,
    n: usize,
    ebno_db: f64,
    rate: f64,
) -> Vec<f32> {
    let code = LiftedCode::get(bg, z);
    let sigma2 = 1.0 / (2.0 * rate * 10f64.powf(ebno_db / 10.0));
    let mut out = Vec::with_capacity(n * cols * z);
    for b in 0..n {
        let rng = BlockRng::new(21, z as u32, b as u32);
        let mut x = vec![0u8; code.cols() * z];
        rng.bits(Stream::Bits, &mut x[..bg.info_cols() * z]);
        code.encode_in_place(&mut x);
        let mut noise = vec![[0f32; 2]; (cols * z).div_ceil(2)];
        rng.complex_gaussian(Stream::Noise, (2.0 * sigma2) as f32, &mut noise);
        out.extend(
            x[..cols * z]
                .iter()
                .enumerate()
                .map(|(i, &bit)| match i < 2 * z {
                    true => 0.0,
                    false => 2.0 * ((1.0 - 2.0 * bit as f32) + noise[i / 2][i % 2]) / sigma2 as f32,
                }),
        );
    }
    out
}

/// Decodes `n` blocks on both devices; returns (blocks that differ, CPU-unconverged blocks).
fn compare(
    ctx: &GpuContext,
    bg: BaseGraphId,
    z: usize,
    used_cols: usize,
    settings: DecoderSettings,
    ebno_db: f64,
    n: usize,
) -> (usize, usize) {
    compare_kernel(
        ctx,
        bg,
        z,
        used_cols,
        settings,
        ebno_db,
        n,
        None,
        Default::default(),
    )
}

/// [`compare`] with the GPU kernel forced (`None`: the one `GpuLdpcDecoder::new` picks).
#[allow(clippy::too_many_arguments)]
fn compare_kernel(
    ctx: &GpuContext,
    bg: BaseGraphId,
    z: usize,
    used_cols: usize,
    settings: DecoderSettings,
    ebno_db: f64,
    n: usize,
    kernel: Option<DecoderKernel>,
    tuning: DecoderTuning,
) -> (usize, usize) {
    let code = LiftedCode::get(bg, z);
    let rate = (bg.info_cols() * z) as f64 / ((used_cols - 2) * z) as f64;
    let cpu = LdpcDecoder::new(code, (used_cols - 2) * z, settings);
    let cols = cpu.cols();
    let llr = noisy_llrs(bg, z, cols, n, ebno_db, rate);
    let out_bits = bg.info_cols() * z;
    let gpu = match kernel {
        None => GpuLdpcDecoder::new(ctx, &cpu, out_bits).unwrap(),
        Some(k) => GpuLdpcDecoder::with_tuning(ctx, &cpu, out_bits, k, tuning).unwrap(),
    };
    let g = gpu.decode(ctx, &llr, n).unwrap();
    let mut ws = DecoderWorkspace::default();
    let mut hard = vec![0u8; out_bits];
    let (mut differ, mut unconverged) = (0, 0);
    for b in 0..n {
        let o = cpu.decode(&llr[b * cols * z..(b + 1) * cols * z], &mut hard, &mut ws);
        let same = (0..out_bits).all(|i| g.bit(b, i) == hard[i])
            && g.converged[b] == o.converged
            && (!settings.early_stop || g.iterations[b] as usize == o.iterations);
        differ += (!same) as usize;
        unconverged += (!o.converged) as usize;
    }
    (differ, unconverged)
}

fn agreement(bg: BaseGraphId, z: usize, used_cols: usize, ebno_db: f64, n: usize) {
    let Some(ctx) = test_context() else { return };
    for algorithm in ALGORITHMS {
        for early_stop in [false, true] {
            let settings = DecoderSettings {
                algorithm,
                iterations: 12,
                early_stop,
                ..Default::default()
            };
            let (differ, unconverged) = compare(&ctx, bg, z, used_cols, settings, ebno_db, n);
            assert!(
                differ * 1000 <= n,
                "{algorithm:?} early_stop={early_stop}: {differ} of {n} blocks differ \
                 (CPU unconverged: {unconverged})"
            );
            // The case must exercise both outcomes, or agreement proves little.
            assert!(
                unconverged > 0 && unconverged < n,
                "{algorithm:?}: {unconverged} of {n} unconverged"
            );
        }
    }
}

#[test]
fn gpu_decoder_matches_cpu_bg2() {
    // BG2, Z = 52, R = 1/2 (22 columns kept), near the waterfall.
    agreement(BaseGraphId::Bg2, 52, 22, 1.6, 1000);
}

#[test]
fn gpu_decoder_matches_cpu_bg1() {
    // BG1, Z = 36, R = 1/2 (46 columns kept).
    agreement(BaseGraphId::Bg1, 36, 46, 1.8, 1000);
}

/// Every lifting size of both base graphs (a few blocks each, algorithms in turn).
#[test]
fn gpu_decoder_matches_cpu_every_lifting_size() {
    let Some(ctx) = test_context() else { return };
    let (mut differ, mut total) = (0, 0);
    for bg in [BaseGraphId::Bg1, BaseGraphId::Bg2] {
        for (i, &(z, _)) in lifting_sizes().iter().enumerate() {
            let settings = DecoderSettings {
                algorithm: ALGORITHMS[i % 4],
                iterations: 8,
                early_stop: i % 3 != 0,
                ..Default::default()
            };
            let n = 6;
            // Rate 2/3 at 2.5 dB: most blocks decode, some do not.
            let used_cols = bg.info_cols() * 3 / 2 + 2;
            let (d, _) = compare(&ctx, bg, z, used_cols, settings, 2.5, n);
            assert!(
                d <= 1,
                "{bg:?} Z={z} {settings:?}: {d} of {n} blocks differ"
            );
            differ += d;
            total += n;
        }
    }
    assert!(differ * 1000 <= total, "{differ} of {total} blocks differ");
}

/// Each flooding kernel (state in global memory, posterior on-chip, everything on-chip) on
/// the same blocks: each agrees with the CPU, and the automatic choice keeps the posterior
/// on-chip.
#[test]
fn every_flooding_kernel_matches_cpu() {
    let Some(ctx) = test_context() else { return };
    let limit = ctx.device.limits().max_compute_workgroup_storage_size;
    let kernels = [
        DecoderKernel::Global,
        DecoderKernel::FloodingPosteriorShared,
        DecoderKernel::FloodingShared,
    ];
    // BG2 Z = 52, R = 1/2: 22 columns, 77 edges (20.5 KiB of state: on-chip wherever the
    // adapter has the 32 KiB of workgroup memory that lavapipe and GPUs offer).
    assert!(limit >= 32 * 1024, "workgroup memory {limit} bytes");
    for algorithm in [DecoderAlgorithm::Bp, DecoderAlgorithm::MinSum] {
        for early_stop in [false, true] {
            let settings = DecoderSettings {
                algorithm,
                iterations: 12,
                early_stop,
                ..Default::default()
            };
            let code = LiftedCode::get(BaseGraphId::Bg2, 52);
            let cpu = LdpcDecoder::new(code, 20 * 52, settings);
            let auto = GpuLdpcDecoder::new(&ctx, &cpu, 520).unwrap();
            assert_eq!(auto.kernel(), DecoderKernel::FloodingPosteriorShared);
            for kernel in kernels {
                let (differ, unconverged) = compare_kernel(
                    &ctx,
                    BaseGraphId::Bg2,
                    52,
                    22,
                    settings,
                    1.6,
                    500,
                    Some(kernel),
                    DecoderTuning::default(),
                );
                assert!(
                    differ == 0 && unconverged > 0 && unconverged < 500,
                    "{kernel:?} {settings:?}: {differ} of 500 differ, {unconverged} unconverged"
                );
            }
        }
    }
    // BG1 Z = 384: its 26 core columns fit a GPU's 48 KiB (the 20 extension columns stay in
    // global memory), not lavapipe's 32.
    let code = LiftedCode::get(BaseGraphId::Bg1, 384);
    let cpu = LdpcDecoder::new(code, 44 * 384, DecoderSettings::default());
    let want = match 4 * 26 * 384 + 16 <= limit as usize {
        true => DecoderKernel::FloodingPosteriorShared,
        false => DecoderKernel::Global,
    };
    assert_eq!(
        GpuLdpcDecoder::new(&ctx, &cpu, 8448).unwrap().kernel(),
        want
    );
}

/// Flooding with only the core columns on-chip (BG1 Z = 208, R = 1/2: the 46 columns need
/// 38 KiB, the 26 core ones 21 KiB; lavapipe offers 32): agrees with the CPU.
#[test]
fn flooding_with_off_chip_extension_columns_matches_cpu() {
    let Some(ctx) = test_context() else { return };
    let limit = ctx.device.limits().max_compute_workgroup_storage_size as usize;
    let split = 4 * 46 * 208 + 16 > limit;
    for algorithm in [DecoderAlgorithm::Bp, DecoderAlgorithm::MinSum] {
        let settings = DecoderSettings {
            algorithm,
            iterations: 12,
            early_stop: algorithm == DecoderAlgorithm::MinSum,
            ..Default::default()
        };
        let kernel = Some(DecoderKernel::FloodingPosteriorShared);
        let tuning = DecoderTuning::default();
        let n = 200;
        let (differ, unconverged) = compare_kernel(
            &ctx,
            BaseGraphId::Bg1,
            208,
            46,
            settings,
            1.6,
            n,
            kernel,
            tuning,
        );
        assert!(
            differ * 1000 <= n && unconverged > 0 && unconverged < n,
            "{settings:?} (core only on-chip: {split}): {differ} of {n} differ, \
             {unconverged} unconverged"
        );
    }
}

/// The layered min-sum kernel with the posterior on-chip and compressed messages, forced and
/// chosen, against the CPU on both base graphs (with and without early stop, and with an
/// offset).
#[test]
fn layered_min_sum_kernel_matches_cpu() {
    let Some(ctx) = test_context() else { return };
    // BG1 Z = 384 needs 40 KiB of workgroup memory (GPUs have 48; lavapipe has 32).
    let big = ctx.device.limits().max_compute_workgroup_storage_size >= 26 * 384 * 4 + 16;
    let shapes = [
        (BaseGraphId::Bg1, 36, 46, 1.8),
        (BaseGraphId::Bg2, 52, 22, 1.6),
        (BaseGraphId::Bg1, 208, 46, 1.6),
        (BaseGraphId::Bg1, 384, 46, 1.6),
    ];
    for (bg, z, used_cols, ebno_db) in shapes.into_iter().filter(|s| big || s.1 < 384) {
        // Row groups of 1, 2 (the default) and 4 rows with no common column.
        for (early_stop, offset, group) in [(false, 0.0, 1), (true, 0.0, 2), (false, 0.25, 4)] {
            let settings = DecoderSettings {
                algorithm: DecoderAlgorithm::LayeredMinSum,
                iterations: 10,
                early_stop,
                offset,
                ..Default::default()
            };
            let code = LiftedCode::get(bg, z);
            let cpu = LdpcDecoder::new(code, (used_cols - 2) * z, settings);
            let out_bits = bg.info_cols() * z;
            let auto = GpuLdpcDecoder::new(&ctx, &cpu, out_bits).unwrap();
            assert_eq!(auto.kernel(), DecoderKernel::LayeredMinSumShared);
            let n = if z > 100 { 200 } else { 1000 };
            let kernel = Some(DecoderKernel::LayeredMinSumShared);
            let tuning = DecoderTuning {
                row_group: Some(group),
                ..Default::default()
            };
            let (differ, unconverged) =
                compare_kernel(&ctx, bg, z, used_cols, settings, ebno_db, n, kernel, tuning);
            assert!(
                differ * 1000 <= n && unconverged > 0 && unconverged < n,
                "{bg:?} Z={z} {settings:?} group {group}: {differ} of {n} differ, \
                 {unconverged} unconverged"
            );
        }
    }
}

/// The syndrome vote with subgroup operations (where the adapter has them) and with the
/// atomic fallback give the CPU's hard decisions, convergence flags and early-stop iteration
/// counts in every kernel (global for BP, the on-chip flooding and layered kernels that
/// min-sum and layered min-sum get).
#[test]
fn subgroup_vote_and_fallback_match_cpu() {
    let Some(ctx) = test_context() else { return };
    let (bg, z, used_cols) = (BaseGraphId::Bg2, 52, 22);
    let out_bits = bg.info_cols() * z;
    let limit = ctx.device.limits().max_compute_workgroup_storage_size;
    let mut modes = vec![Some(false)];
    if ctx.subgroups() {
        modes.push(Some(true));
    } else {
        eprintln!(
            "{}: no SUBGROUP feature; only the fallback runs",
            ctx.adapter.name
        );
        let cpu = LdpcDecoder::new(LiftedCode::get(bg, z), 20 * z, DecoderSettings::default());
        let tuning = DecoderTuning {
            subgroups: Some(true),
            ..Default::default()
        };
        let forced =
            GpuLdpcDecoder::with_tuning(&ctx, &cpu, out_bits, DecoderKernel::Global, tuning);
        assert!(
            forced.is_err(),
            "subgroups without the feature must be refused"
        );
    }
    for algorithm in [
        DecoderAlgorithm::Bp,
        DecoderAlgorithm::MinSum,
        DecoderAlgorithm::LayeredMinSum,
    ] {
        let settings = DecoderSettings {
            algorithm,
            iterations: 12,
            early_stop: true,
            ..Default::default()
        };
        let cpu = LdpcDecoder::new(LiftedCode::get(bg, z), (used_cols - 2) * z, settings);
        let kernel = match algorithm {
            DecoderAlgorithm::Bp => DecoderKernel::Global,
            _ => DecoderKernel::choose(&cpu, out_bits, limit),
        };
        assert!(
            algorithm == DecoderAlgorithm::Bp || kernel != DecoderKernel::Global,
            "{algorithm:?} should run on-chip"
        );
        for &subgroups in &modes {
            let tuning = DecoderTuning {
                subgroups,
                ..Default::default()
            };
            let n = 400;
            let (differ, unconverged) = compare_kernel(
                &ctx,
                bg,
                z,
                used_cols,
                settings,
                1.6,
                n,
                Some(kernel),
                tuning,
            );
            assert!(
                differ * 1000 <= n && unconverged > 0 && unconverged < n,
                "{kernel:?} {algorithm:?} subgroups {subgroups:?}: {differ} of {n} differ, \
                 {unconverged} unconverged"
            );
        }
    }
}

/// A decode whose loops the adapter cuts short is refused, not returned: llvmpipe (lavapipe)
/// ends all of a shader invocation's loops after 65535 turns in all, which the `Global`
/// kernel's flooding schedule reaches on a failing decode of a large BG1 code (Z = 320, 47
/// columns) after about 20 iterations; there the decode must be the clear error, and on a
/// GPU without such a limit the CPU's result.
#[test]
fn decode_cut_short_by_the_adapter_is_an_error() {
    let Some(ctx) = test_context() else { return };
    let (z, cols) = (320, 45);
    let settings = DecoderSettings {
        algorithm: DecoderAlgorithm::Bp,
        iterations: 30,
        early_stop: true,
        ..Default::default()
    };
    let code = LiftedCode::get(BaseGraphId::Bg1, z);
    let dec = LdpcDecoder::new(code, cols * z, settings);
    let n = dec.cols() * z;
    // All-zero codeword, BPSK at σ = 1.3: the decoder fails and runs all 30 iterations.
    let sigma = 1.3f32;
    let mut noise = vec![[0f32; 2]; n.div_ceil(2)];
    BlockRng::new(1, 0, 7).complex_gaussian(Stream::Noise, 2.0 * sigma * sigma, &mut noise);
    let chan: Vec<f32> = (0..n)
        .map(|i| match i < 2 * z {
            true => 0.0,
            false => 2.0 * (1.0 + noise[i / 2][i % 2]) / (sigma * sigma),
        })
        .collect();
    let gpu = GpuLdpcDecoder::with_kernel(&ctx, &dec, 640, DecoderKernel::Global)
        .unwrap()
        .decode(&ctx, &chan, 1);
    let mut cpu = vec![0u8; n];
    let outcome = dec.decode(&chan, &mut cpu, &mut Default::default());
    assert_eq!(outcome.iterations, 30);
    match gpu {
        Err(e) => assert!(e.to_string().contains("65535"), "{e}"),
        Ok(gpu) => {
            let differ = (0..640).filter(|&i| gpu.bit(0, i) != cpu[i]).count();
            assert_eq!((gpu.iterations[0], differ), (30, 0));
        }
    }
    // Ten iterations stay within the limit: the CPU's decisions.
    let short = LdpcDecoder::new(
        LiftedCode::get(BaseGraphId::Bg1, z),
        cols * z,
        DecoderSettings {
            iterations: 10,
            ..settings
        },
    );
    let gpu = GpuLdpcDecoder::with_kernel(&ctx, &short, 640, DecoderKernel::Global)
        .unwrap()
        .decode(&ctx, &chan, 1)
        .unwrap();
    short.decode(&chan, &mut cpu, &mut Default::default());
    assert!((0..640).all(|i| gpu.bit(0, i) == cpu[i]));
}
