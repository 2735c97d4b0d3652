//! Training on burn's wgpu backend (what `ferrolink train --device gpu` uses; lavapipe in
//! CI) against burn's CPU backend: the same network and mini-batch give the same loss and
//! the same gradients, and Adam steps on the GPU lower the loss.

use burn::optim::AdamConfig;
use burn::tensor::{Device, Tensor};
use gpu_kernels::test_context;
use receivers::neural::train::{
    batch_loss, shape_for, train_step, training_batch, training_config,
};
use receivers::neural::{NeuralDevice, NeuralReceiver};
use sim_core::scenario::{load, Resolved};

/// The GPU burn trains on (`--device gpu`); `None` when GPU tests are skipped
/// ([`test_context`] decides, and says what to install when there is no adapter).
fn gpu() -> Option<Device> {
    test_context()?;
    let on = gpu_kernels::neural_device("gpu");
    assert!(
        matches!(on, NeuralDevice::Gpu { .. }),
        "an adapter opened, so --device gpu has one"
    );
    Some(on.device())
}

/// The shipped anchor link (CDL-C 1×2, 128 subcarriers) with a small network.
fn anchor() -> Resolved {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/cdl-c-10mps-1x2-qpsk-neural.toml"
    );
    let mut run = load(std::path::Path::new(path)).expect("the shipped anchor scenario");
    let mut t = training_config(&run);
    (t.depth, t.width, t.dilations) = (2, 8, vec![1, 2]);
    run.scenario.training = Some(t);
    run
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().try_to_vec::<f32>().expect("f32")
}

/// Loss and every parameter's gradient (weights, then biases, in forward order).
fn loss_and_gradients(
    model: &NeuralReceiver,
    run: &Resolved,
    device: &Device,
) -> (f32, Vec<Vec<f32>>) {
    let t = training_config(run);
    let shape = shape_for(&run.link, &t);
    let o = run.link.ofdm.as_ref().unwrap();
    let batch = training_batch(run, &t, 5, 0, 2);
    let loss = batch_loss(model, &batch, &shape, (o.symbols, o.subcarriers), device);
    let value = loss.clone().into_scalar::<f32>();
    let grads = loss.backward();
    let mut g = Vec::new();
    for c in model.convolutions() {
        g.push(values(
            c.weight.val().grad(&grads).expect("a weight gradient"),
        ));
        let bias = c.bias.as_ref().expect("a bias").val();
        g.push(values(bias.grad(&grads).expect("a bias gradient")));
    }
    (value, g)
}

#[test]
fn wgpu_loss_and_gradients_match_cpu() {
    let Some(gpu) = gpu() else { return };
    let run = anchor();
    let shape = shape_for(&run.link, &training_config(&run));
    let cpu = receivers::neural::device::cpu().autodiff();
    let gpu = gpu.autodiff();
    let (loss_c, grad_c) = loss_and_gradients(&shape.init_seeded(4, &cpu), &run, &cpu);
    let (loss_g, grad_g) = loss_and_gradients(&shape.init_seeded(4, &gpu), &run, &gpu);
    // f32 on both, sums in other orders: agreement to ~1e-6 is expected; 1e-4 is the bar the
    // forward passes are held to.
    let rel = (loss_g - loss_c).abs() / loss_c.abs();
    assert!(rel < 1e-4, "loss: GPU {loss_g}, CPU {loss_c}");
    assert_eq!(grad_c.len(), grad_g.len());
    for (i, (c, g)) in grad_c.iter().zip(&grad_g).enumerate() {
        assert_eq!(c.len(), g.len());
        // Relative to the tensor's largest gradient: single entries near zero may differ in
        // relative terms by their rounding alone.
        let scale = c.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-12);
        let worst = c
            .iter()
            .zip(g)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max)
            / scale;
        assert!(
            worst < 1e-4,
            "parameter tensor {i}: worst difference {worst:.2e} of its largest gradient"
        );
    }
}

#[test]
fn adam_steps_on_wgpu_lower_the_loss() {
    let Some(gpu) = gpu() else { return };
    let run = anchor();
    let t = training_config(&run);
    let shape = shape_for(&run.link, &t);
    let o = run.link.ofdm.as_ref().unwrap();
    let device = gpu.autodiff();
    let mut model = shape.init_seeded(3, &device);
    let mut optim = AdamConfig::new().init();
    let mut losses = Vec::new();
    // One fixed mini-batch: the loss must fall on it (the network can fit it).
    let batch = training_batch(&run, &t, 1, 0, 2);
    for _ in 0..20 {
        let (m, loss) = train_step(
            model,
            &mut optim,
            &batch,
            &shape,
            (o.symbols, o.subcarriers),
            1e-2,
            &device,
        );
        model = m;
        losses.push(loss);
    }
    eprintln!("{losses:?}");
    assert!(
        losses[19] < 0.8 * losses[0],
        "loss {} -> {}",
        losses[0],
        losses[19]
    );
}
