//! The WGSL LDPC decoder against the CPU decoder on the same noisy LLRs (lavapipe in CI):
//! hard decisions and convergence flags must be equal on at least 99.9% of the blocks, for
//! every algorithm, with and without early stop, both base graphs and all 51 lifting sizes.

use gpu_kernels::{test_context, GpuContext, GpuLdpcDecoder};
use sim_core::ldpc::{
    lifting_sizes, BaseGraphId, DecoderAlgorithm, DecoderSettings, DecoderWorkspace, LdpcDecoder,
    LiftedCode,
};
use sim_core::rng::{BlockRng, Stream};

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
    let code = LiftedCode::get(bg, z);
    let rate = (bg.info_cols() * z) as f64 / ((used_cols - 2) * z) as f64;
    let cpu = LdpcDecoder::new(code, (used_cols - 2) * z, settings);
    let cols = cpu.cols();
    let llr = noisy_llrs(bg, z, cols, n, ebno_db, rate);
    let out_bits = bg.info_cols() * z;
    let gpu = GpuLdpcDecoder::new(ctx, &cpu, out_bits).unwrap();
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
