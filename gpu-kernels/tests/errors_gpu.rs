//! wgpu errors become [`GpuError`]s instead of panics (lavapipe in CI).

use gpu_kernels::{test_context, GpuError};

/// A copy past the end of a buffer is a validation error: `check` reports it once, and the
/// context stays usable.
#[test]
fn validation_errors_are_reported_not_panics() {
    let Some(ctx) = test_context() else { return };
    assert!(ctx.check().is_ok());
    let (a, b) = (ctx.storage("a", 16), ctx.storage("b", 16));
    let mut enc = ctx.device.create_command_encoder(&Default::default());
    enc.copy_buffer_to_buffer(&a, 0, &b, 8, 16);
    ctx.queue.submit([enc.finish()]);
    let _ = ctx.wait();
    match ctx.check() {
        Err(GpuError::Runtime(msg)) => assert!(!msg.is_empty()),
        other => panic!("expected a reported error, got {other:?}"),
    }
    assert!(ctx.check().is_ok(), "errors are cleared once reported");
    // Allocation inside the out-of-memory scope succeeds for a small buffer.
    let buf = ctx.allocate(|| ctx.storage("small", 64)).unwrap();
    assert_eq!(buf.size(), 64);
}

/// A link the GPU chain cannot run (here a time-domain FFT size that is not a power of two)
/// is refused with the way out (the CPU executor runs it).
#[test]
fn unsupported_link_is_refused_with_a_reason() {
    let text = "name = \"t\"\n[code]\ninfo_bits = 100\n[ofdm]\nprbs = 4\ndomain = \"time\"\n\
                fft_size = 96\n[channel]\nmodel = \"tdl\"\n[sweep]\nsnr_db = [1.0]\n";
    let run = sim_core::scenario::resolve(text, "t.toml").unwrap();
    let why = gpu_kernels::link_chain::unsupported(&run.link).expect("refused");
    assert!(why.contains("--device cpu"), "{why}");
    let Some(ctx) = test_context() else { return };
    match gpu_kernels::GpuLinkChain::new(&ctx, &run.link) {
        Err(GpuError::Runtime(msg)) => assert_eq!(msg, why),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("an unsupported chain was built"),
    }
}

/// A long transport block (102 416 bits, 13 code blocks) runs on every adapter: its source
/// and outcome stages are parallel over pieces and code blocks (transport_block.wgsl), so
/// lavapipe's loop limit no longer cuts them (it did, as one thread's loop per TB); the
/// outcomes equal the CPU's.
#[test]
fn long_transport_block_matches_the_cpu() {
    let text = "name = \"t\"\n[code]\ninfo_bits = 102416\ncrc = \"24a\"\nrate = 0.9\n\
                decoder = { algorithm = \"layered-min-sum\", iterations = 2 }\n\
                [channel]\nmodel = \"awgn\"\n[sweep]\nsnr_db = [30.0]\n";
    let run = sim_core::scenario::resolve(text, "t.toml").unwrap();
    let Some(ctx) = test_context() else { return };
    let mut chain = gpu_kernels::GpuLinkChain::new(&ctx, &run.link).unwrap();
    let gpu = chain.run_batch(&ctx, &run.points[0], 1, 0, 2).unwrap();
    use sim_core::engine::Executor;
    let cpu = receivers::CpuExecutor::new()
        .run_batch(&run.link, &run.points[0], 1, 0, 2)
        .unwrap();
    assert_eq!(format!("{gpu:?}"), format!("{cpu:?}"));
}

/// A block whose loops an adapter cuts short (lavapipe: 65535 loop turns per invocation,
/// reached by the uncoded outcome's per-bit loop over 102 400 bits) is the clear error, not
/// wrong counts; a GPU without that limit gives the CPU's outcomes.
#[test]
fn block_cut_short_by_the_adapter_is_an_error() {
    let text = "name = \"t\"\n[code]\nkind = \"none\"\ninfo_bits = 102400\n\
                [channel]\nmodel = \"awgn\"\n[sweep]\nsnr_db = [3.0]\n";
    let run = sim_core::scenario::resolve(text, "t.toml").unwrap();
    let Some(ctx) = test_context() else { return };
    let mut chain = gpu_kernels::GpuLinkChain::new(&ctx, &run.link).unwrap();
    match chain.run_batch(&ctx, &run.points[0], 1, 0, 2) {
        Err(e) => assert!(e.to_string().contains("65535"), "{e}"),
        Ok(gpu) => {
            assert!(
                !ctx.adapter.name.contains("llvmpipe"),
                "lavapipe's loop limit must have cut the 102 400-bit loop"
            );
            use sim_core::engine::Executor;
            let cpu = receivers::CpuExecutor::new()
                .run_batch(&run.link, &run.points[0], 1, 0, 2)
                .unwrap();
            assert_eq!(format!("{gpu:?}"), format!("{cpu:?}"));
        }
    }
}

/// ML detection of 4 layers of 16-QAM walks 65 536 hypotheses per resource element, past
/// lavapipe's 65535 loop turns: the walk marks its transport block and the run ends with that
/// reason instead of wrong LLRs; a GPU without the limit gives the CPU's outcomes.
#[test]
fn ml_walk_cut_short_by_the_adapter_is_an_error() {
    let text = "name = \"t\"\n[code]\nkind = \"none\"\ninfo_bits = 2496\n\
                [modulation]\nscheme = \"16qam\"\ndemapper = \"max-log\"\n\
                [ofdm]\nprbs = 1\n[pilots]\nsymbols = [2]\n\
                [antennas]\ntx = 4\nrx = 4\nlayers = 4\n\
                [channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
                [receiver]\nequalizer = \"ml\"\n[sweep]\nsnr_db = [20.0]\n";
    let run = sim_core::scenario::resolve(text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let Some(ctx) = test_context() else { return };
    let mut chain = gpu_kernels::GpuLinkChain::new(&ctx, &run.link).unwrap();
    match chain.run_batch(&ctx, &run.points[0], 1, 0, 1) {
        Err(e) => assert!(e.to_string().contains("65535"), "{e}"),
        Ok(gpu) => {
            assert!(
                !ctx.adapter.name.contains("llvmpipe"),
                "lavapipe's loop limit must have cut the 65 536-hypothesis walk"
            );
            use sim_core::engine::Executor;
            let cpu = receivers::CpuExecutor::new()
                .run_batch(&run.link, &run.points[0], 1, 0, 1)
                .unwrap();
            assert_eq!(format!("{gpu:?}"), format!("{cpu:?}"));
        }
    }
}
