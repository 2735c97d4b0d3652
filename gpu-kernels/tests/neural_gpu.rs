//! The neural receiver's WGSL forward pass against burn's on the CPU, on random networks and
//! random inputs (lavapipe in CI).

use burn::tensor::{Device, Tensor, TensorData};
use gpu_kernels::neural::GpuNeuralReceiver;
use gpu_kernels::test_context;
use receivers::neural::NeuralShape;

fn uniform(state: &mut u64) -> f32 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    ((*state >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
}

fn check(shape: NeuralShape, symbols: usize, sc: usize, batch: usize, seed: u64) {
    let Some(ctx) = test_context() else { return };
    let device = Device::default();
    device.seed(seed);
    let model = shape.init(&device);
    let mut state = seed;
    let n_in = batch * shape.in_channels() * symbols * sc;
    let features: Vec<f32> = (0..n_in).map(|_| 3.0 * uniform(&mut state)).collect();
    let x = Tensor::<4>::from_data(
        TensorData::new(features.clone(), [batch, shape.in_channels(), symbols, sc]),
        &device,
    );
    let cpu: Vec<f32> = model.forward(x).into_data().try_to_vec::<f32>().unwrap();
    let mut gpu_net =
        GpuNeuralReceiver::new(&ctx, &model.export(&shape), symbols, sc, batch + 2).unwrap();
    let gpu = gpu_net.forward(&ctx, &features, batch).unwrap();
    assert_eq!(gpu.len(), cpu.len());
    let scale = cpu.iter().map(|v| v.abs() as f64).sum::<f64>() / cpu.len() as f64;
    let mut worst = 0f64;
    for (g, c) in gpu.iter().zip(&cpu) {
        let rel = (g - c).abs() as f64 / (c.abs() as f64).max(scale);
        worst = worst.max(rel);
    }
    assert!(worst < 1e-4, "worst relative difference {worst:.2e}");
}

#[test]
fn gpu_forward_matches_burn_cpu() {
    let shape = NeuralShape {
        rx_antennas: 2,
        layers: 1,
        bits_per_symbol: 2,
        depth: 2,
        width: 8,
        kernel: 3,
        dilations: vec![1, 3],
    };
    check(shape, 14, 24, 3, 11);
}

#[test]
fn gpu_forward_matches_burn_cpu_wide_kernel_mimo() {
    let shape = NeuralShape {
        rx_antennas: 2,
        layers: 2,
        bits_per_symbol: 4,
        depth: 3,
        width: 6,
        kernel: 5,
        dilations: vec![2],
    };
    check(shape, 7, 20, 2, 5);
}
