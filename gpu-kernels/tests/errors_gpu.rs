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
