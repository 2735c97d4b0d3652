//! The neural receiver's WGSL forward pass against burn's on the CPU, on random networks and
//! random inputs (lavapipe in CI).

use burn::tensor::{Tensor, TensorData};
use gpu_kernels::neural::{ConvKernel, GpuNeuralReceiver};
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
    let device = receivers::neural::device::cpu();
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
    for kernel in [ConvKernel::PerOutput, ConvKernel::Grouped] {
        let convs = model.export(&shape);
        let mut gpu_net =
            GpuNeuralReceiver::with_kernel(&ctx, &convs, symbols, sc, batch + 2, kernel).unwrap();
        let gpu = gpu_net.forward(&ctx, &features, batch).unwrap();
        assert_eq!(gpu.len(), cpu.len());
        let scale = cpu.iter().map(|v| v.abs() as f64).sum::<f64>() / cpu.len() as f64;
        let mut worst = 0f64;
        for (g, c) in gpu.iter().zip(&cpu) {
            let rel = (g - c).abs() as f64 / (c.abs() as f64).max(scale);
            worst = worst.max(rel);
        }
        assert!(
            worst < 1e-4,
            "{kernel:?}: worst relative difference {worst:.2e}"
        );
    }
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

/// The neural receiver inside the GPU OFDM chain (features kernel, WGSL network, LLR gather,
/// decoder) against the CPU chain (features, burn, LLRs, decoder) on the shipped anchor model
/// and scenario (CDL-C 1×2 uplink, normalized channel): LLRs agree to the network's float
/// rounding and the slots' outcomes match.
#[test]
fn neural_chain_matches_cpu() {
    use gpu_kernels::GpuLinkChain;
    use receivers::neural::features::{in_channels, llrs_from_logits, slot_features};
    use receivers::neural::NeuralRunner;
    use receivers::ofdm_chain::{decode_slot, transmit_and_receive, OfdmPrepared, OfdmScratch};
    use sim_core::rng::BlockRng;
    use sim_core::scenario::resolve;
    use sim_core::Constellation;

    let Some(ctx) = test_context() else { return };
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let text =
        std::fs::read_to_string(format!("{root}/scenarios/cdl-c-10mps-1x2-qpsk-neural.toml"))
            .unwrap()
            .replace(
                "weights = \"models/",
                &format!("weights = \"{root}/models/"),
            )
            .replace(
                "ebno_db = { start = -3.0, stop = 7.0, step = 0.5 }",
                "ebno_db = [-0.5]",
            );
    let run = resolve(&text, "anchor.toml").unwrap_or_else(|e| panic!("{e}"));
    let link = &run.link;
    let o = link.ofdm.as_ref().unwrap();
    // Eb/N0 −0.5 dB: the shipped model's waterfall (3 of these 16 slots fail on the CPU).
    let point = run.points[0];
    let (seed, first, slots) = (run.scenario.seed, 40u64, 16usize);
    let mut chain = GpuLinkChain::new(&ctx, link).unwrap();
    let t = chain.run_traced(&ctx, &point, seed, first, slots).unwrap();

    let dir = o.neural_weights.as_deref().unwrap();
    let runner = NeuralRunner::load(std::path::Path::new(dir), link).unwrap();
    let prep = OfdmPrepared::new(o);
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let n_re = o.symbols * o.subcarriers;
    let c = in_channels(o.rx_antennas, o.layers);
    let g = link.coded_bits * o.codewords;
    let (mut worst, mut same, mut failed) = (0f64, 0, 0);
    for slot in 0..slots {
        let rng = BlockRng::new(seed, point.index, (first + slot as u64) as u32);
        let mut s = OfdmScratch::default();
        transmit_and_receive(
            link,
            &prep,
            codec.as_ref(),
            &constellation,
            &point,
            &rng,
            &mut s,
        );
        let mut f = vec![0f32; c * n_re];
        slot_features(o, &prep, &point, &mut s, &mut f);
        let logits = runner.forward(f, 1, o.symbols, o.subcarriers);
        llrs_from_logits(link, &logits, &mut s);
        let cpu = decode_slot(link, codec.as_ref(), &mut s);
        let scale = s.trace().llr.iter().map(|v| v.abs() as f64).sum::<f64>() / g as f64;
        for (x, y) in t.llr[slot * g..(slot + 1) * g].iter().zip(s.trace().llr) {
            worst = worst.max((x - y).abs() as f64 / (y.abs() as f64).max(scale));
        }
        let gpu = t.outcomes[slot];
        failed += (cpu.codeword_errors > 0) as usize;
        same += (gpu.codeword_errors == cpu.codeword_errors
            && (cpu.codeword_errors > 0 || gpu == cpu)) as usize;
    }
    eprintln!("neural chain: worst LLR difference {worst:.2e}, outcomes equal {same}/{slots}, CPU failed {failed}");
    assert!(worst < 1e-3, "LLRs differ by {worst:e}");
    assert!(same + 1 >= slots, "outcomes equal on {same}/{slots} slots");
    assert!(
        failed > 0 && failed < slots,
        "{failed} of {slots} failed: not the waterfall"
    );
}
