//! The decoders generated per code shape with the whole state on-chip (`ldpc_codegen.rs`:
//! layered min-sum, flooding and layered BP "registers" kernels) against the CPU decoder.

use super::compare_kernel;
use gpu_kernels::{test_context, DecoderKernel, DecoderTuning};
use sim_core::ldpc::{
    lifting_sizes, BaseGraphId, DecoderAlgorithm, DecoderSettings, LdpcDecoder, LiftedCode,
};

/// `kernel` (a generated one) against the CPU decoder on each (base graph, Z, used columns,
/// Eb/N0) shape and each (early stop, offset, subgroup vote) variant, 10 iterations: at least
/// 99.9% of the blocks equal, some but not all unconverged. Shapes past this adapter's
/// workgroup memory are skipped only below the 48 KiB GPUs have (lavapipe has 32).
fn check_generated(
    kernel: DecoderKernel,
    algorithm: DecoderAlgorithm,
    shapes: &[(BaseGraphId, usize, usize, f64)],
    variants: &[(bool, f32, Option<bool>)],
) {
    let Some(ctx) = test_context() else { return };
    let limit = ctx.device.limits().max_compute_workgroup_storage_size;
    for &(bg, z, used_cols, ebno_db) in shapes {
        for &(early_stop, offset, subgroups) in variants {
            let settings = DecoderSettings {
                algorithm,
                iterations: 10,
                early_stop,
                offset,
                ..Default::default()
            };
            let cpu = LdpcDecoder::new(LiftedCode::get(bg, z), (used_cols - 2) * z, settings);
            if !kernel.fits(&cpu, bg.info_cols() * z, limit, 1024) {
                assert!(limit < 48 * 1024, "{kernel:?} {bg:?} Z={z} does not fit");
                continue;
            }
            let n = if z > 100 { 200 } else { 1000 };
            let tuning = DecoderTuning {
                subgroups,
                ..Default::default()
            };
            let (differ, unconverged) = compare_kernel(
                &ctx,
                bg,
                z,
                used_cols,
                settings,
                ebno_db,
                n,
                Some(kernel),
                tuning,
            );
            assert!(
                differ * 1000 <= n && unconverged > 0 && unconverged < n,
                "{kernel:?} {bg:?} Z={z} cols {used_cols} {settings:?}: {differ} of {n} differ, \
                 {unconverged} unconverged"
            );
        }
    }
}

/// The layered min-sum kernel generated per code shape with its state in registers
/// (`LayeredMinSumRegisters`): both base graphs, high and low rates (BG1 with every one of its
/// 46 rows), with and without early stop, with an offset, the atomic and subgroup votes.
#[test]
fn layered_registers_kernel_matches_cpu() {
    check_generated(
        DecoderKernel::LayeredMinSumRegisters,
        DecoderAlgorithm::LayeredMinSum,
        &[
            (BaseGraphId::Bg1, 36, 46, 1.8),
            (BaseGraphId::Bg2, 52, 22, 1.6),
            (BaseGraphId::Bg2, 384, 52, 0.6),
            (BaseGraphId::Bg1, 208, 46, 1.6),
            (BaseGraphId::Bg1, 208, 68, 0.9),
            (BaseGraphId::Bg1, 384, 46, 1.6),
        ],
        &[
            (false, 0.0, None),
            (true, 0.0, Some(false)),
            (true, 0.25, None),
        ],
    );
}

/// The flooding BP kernel generated per code shape (`FloodingRegisters`): both base graphs,
/// high and low rates, with and without early stop, both syndrome votes (the OFDM case's
/// BG2 Z = 352 needs more than lavapipe's workgroup memory).
#[test]
fn flooding_registers_kernel_matches_cpu() {
    check_generated(
        DecoderKernel::FloodingRegisters,
        DecoderAlgorithm::Bp,
        &[
            (BaseGraphId::Bg2, 104, 22, 1.5),
            (BaseGraphId::Bg2, 52, 52, 0.2),
            (BaseGraphId::Bg1, 36, 46, 1.4),
            (BaseGraphId::Bg1, 128, 68, 1.1),
            (BaseGraphId::Bg2, 352, 22, 1.4),
        ],
        &[
            (false, 0.0, None),
            (true, 0.0, Some(false)),
            (true, 0.0, None),
        ],
    );
}

/// The layered BP kernel generated per code shape (`LayeredBpRegisters`: each edge's message
/// in a register) against the CPU's layered sum-product, both base graphs, with and without
/// early stop.
#[test]
fn layered_bp_registers_kernel_matches_cpu() {
    check_generated(
        DecoderKernel::LayeredBpRegisters,
        DecoderAlgorithm::LayeredBp,
        &[
            (BaseGraphId::Bg2, 104, 22, 1.3),
            (BaseGraphId::Bg1, 36, 46, 1.2),
            (BaseGraphId::Bg1, 208, 68, 0.7),
            (BaseGraphId::Bg1, 384, 46, 1.2),
        ],
        &[(false, 0.0, None), (true, 0.0, None)],
    );
}

/// The generated kernels run every lifting size of both base graphs (each Z is its own
/// generated source): the CPU's hard decisions on noisy blocks, where the shape fits.
#[test]
fn register_kernels_every_lifting_size() {
    let Some(ctx) = test_context() else { return };
    let limit = ctx.device.limits().max_compute_workgroup_storage_size;
    let (mut differ, mut total) = (0, 0);
    for bg in [BaseGraphId::Bg1, BaseGraphId::Bg2] {
        for (i, &(z, _)) in lifting_sizes().iter().enumerate() {
            // The three kernels in turn.
            let (kernel, algorithm) = match i % 3 {
                0 => (
                    DecoderKernel::LayeredMinSumRegisters,
                    DecoderAlgorithm::LayeredMinSum,
                ),
                1 => (DecoderKernel::FloodingRegisters, DecoderAlgorithm::Bp),
                _ => (
                    DecoderKernel::LayeredBpRegisters,
                    DecoderAlgorithm::LayeredBp,
                ),
            };
            let settings = DecoderSettings {
                algorithm,
                iterations: 8,
                early_stop: true,
                ..Default::default()
            };
            let used_cols = bg.info_cols() + 10;
            let cpu = LdpcDecoder::new(LiftedCode::get(bg, z), (used_cols - 2) * z, settings);
            if !kernel.fits(&cpu, bg.info_cols() * z, limit, 1024) {
                continue;
            }
            let n = 20;
            let tuning = DecoderTuning::default();
            let (d, _) = compare_kernel(
                &ctx,
                bg,
                z,
                used_cols,
                settings,
                2.0,
                n,
                Some(kernel),
                tuning,
            );
            assert!(d <= 1, "{bg:?} Z={z} {kernel:?}: {d} of {n} differ");
            differ += d;
            total += n;
        }
    }
    assert!(total >= 1200, "only {total} blocks ran");
    assert!(differ * 1000 <= total, "{differ} of {total} blocks differ");
}
