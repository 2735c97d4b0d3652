//! Neural receiver: features and labels line up, training lowers the loss, weights files
//! round-trip bit-exactly and bad ones are refused.

use receivers::neural::train::{training_batch, training_config};
use sim_core::scenario::resolve;

/// The link part of the tiny test scenario (shared with the CLI tests).
const LINK: &str = include_str!("data/tiny_neural_link.toml");

/// A small CDL-C 1×2 QPSK slot (32 subcarriers) with `[training]` at a fixed Eb/N0.
fn scenario(ebno: f64, extra: &str) -> String {
    format!(
        r#"name = "tiny-neural"
seed = 7
{LINK}
[training]
ebno_db = [{ebno}, {ebno}]
depth = 1
width = 8
{extra}
[sweep]
ebno_db = [0.0]
"#
    )
}

#[test]
fn matched_filter_feature_predicts_the_labels_at_high_snr() {
    let run = resolve(&scenario(25.0, ""), "tiny.toml").unwrap();
    let t = training_config(&run);
    let b = training_batch(&run, &t, 1, 0, 4);
    let (c, n_re) = (14, 14 * 32);
    let (mut agree, mut total) = (0usize, 0usize);
    for slot in 0..4 {
        let f = &b.features[slot * c * n_re..(slot + 1) * c * n_re];
        let y = &b.labels[slot * 2 * n_re..(slot + 1) * 2 * n_re];
        let m = &b.mask[slot * 2 * n_re..(slot + 1) * 2 * n_re];
        for i in 0..n_re {
            // Planes 8, 9 hold Re, Im of y·conj(ĥ) per antenna: 4 + 4 → planes 8..12 are
            // (Re, Im) of antenna 0 and 1; sum over antennas.
            let re = f[8 * n_re + i] + f[10 * n_re + i];
            let im = f[9 * n_re + i] + f[11 * n_re + i];
            for (bit, v) in [(0, re), (1, im)] {
                if m[bit * n_re + i] > 0.0 {
                    total += 1;
                    agree += ((v < 0.0) as u8 as f32 == y[bit * n_re + i]) as usize;
                }
            }
        }
    }
    assert_eq!(total, 4 * 768);
    assert!(agree as f64 > 0.99 * total as f64, "{agree}/{total}");
}

mod training {
    use super::*;
    use burn::optim::AdamConfig;
    use receivers::neural::train::{shape_for, train_step};

    /// A tiny network on high-SNR slots: the loss must fall well below its start.
    #[test]
    fn loss_falls() {
        let run = resolve(&scenario(8.0, ""), "tiny.toml").unwrap();
        let t = training_config(&run);
        let shape = shape_for(&run.link, &t);
        let device = receivers::neural::device::cpu().autodiff();
        let mut model = shape.init_seeded(3, &device);
        let mut optim = AdamConfig::new().init();
        let mut losses = Vec::new();
        for step in 0..60 {
            let b = training_batch(&run, &t, 1, step, 4);
            let (m, loss) = train_step(model, &mut optim, &b, &shape, (14, 32), 1e-2, &device);
            model = m;
            losses.push(loss);
        }
        eprintln!("{losses:?}");
        let first: f64 = losses[..5].iter().sum::<f64>() / 5.0;
        let last: f64 = losses[55..].iter().sum::<f64>() / 5.0;
        assert!(last < 0.5 * first, "loss {first} -> {last}");
    }
}

mod weights_files {
    use super::*;
    use burn::tensor::{Tensor, TensorData};
    use receivers::neural::train::{shape_for, train, CurvePoint, TrainObserver, TrainPaths};
    use receivers::neural::weights::{load_model, model_file, params_hash, save_model};
    use receivers::neural::{ModelMeta, NeuralDevice, NeuralError, NeuralRunner};
    use std::path::{Path, PathBuf};

    fn temp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("ferrolink-neural-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn saved(dir: &Path) -> (receivers::neural::NeuralReceiver, ModelMeta) {
        let run = resolve(&scenario(0.0, ""), "tiny.toml").unwrap();
        let shape = shape_for(&run.link, &training_config(&run));
        let device = receivers::neural::device::cpu();
        let model = shape.init_seeded(9, &device);
        // The seed alone fixes the initialization.
        assert_eq!(
            params_hash(&model),
            params_hash(&shape.init_seeded(9, &device))
        );
        assert_ne!(
            params_hash(&model),
            params_hash(&shape.init_seeded(10, &device))
        );
        let meta = ModelMeta {
            format: 1,
            shape,
            scenario_name: "tiny-neural".into(),
            scenario: run.source.clone(),
            seed: 9,
            steps: 0,
            params_hash: String::new(),
            ferrolink_version: "test".into(),
            init: None,
        };
        save_model(dir, &model, &meta).unwrap();
        (model, meta)
    }

    #[test]
    fn save_load_round_trips_bit_exactly() {
        let dir = temp("roundtrip");
        let (model, meta) = saved(&dir);
        let (loaded, m) = load_model(&dir, &receivers::neural::device::cpu()).unwrap();
        assert_eq!(m.shape, meta.shape);
        assert_eq!(m.scenario, meta.scenario);
        assert_eq!(m.params_hash, params_hash(&model));
        let (a, b) = (model.export(&meta.shape), loaded.export(&meta.shape));
        for (x, y) in a.iter().zip(&b) {
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&x.weight), bits(&y.weight));
            assert_eq!(bits(&x.bias), bits(&y.bias));
        }
        let input = || {
            let n = 2 * meta.shape.in_channels() * 14 * 32;
            let v: Vec<f32> = (0..n)
                .map(|i| ((i * 7919) % 101) as f32 / 50.0 - 1.0)
                .collect();
            Tensor::<4>::from_data(
                TensorData::new(v, [2, meta.shape.in_channels(), 14, 32]),
                &receivers::neural::device::cpu(),
            )
        };
        let out = |m: &receivers::neural::NeuralReceiver| {
            m.forward(input()).into_data().try_to_vec::<f32>().unwrap()
        };
        assert_eq!(out(&model), out(&loaded));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_files_are_refused_with_reasons() {
        let dir = temp("bad");
        saved(&dir);
        let device = receivers::neural::device::cpu();
        let err = |d: &Path| {
            load_model(d, &device)
                .map(|_| ())
                .expect_err("refused")
                .to_string()
        };
        // A flipped bit in the last parameter.
        let path = model_file(&dir);
        let mut bytes = std::fs::read(&path).unwrap();
        let n = bytes.len();
        bytes[n - 2] ^= 0x10;
        std::fs::write(&path, &bytes).unwrap();
        let e = err(&dir);
        assert!(e.contains("corrupt weights") && e.contains("hash"), "{e}");
        // Truncated.
        std::fs::write(&path, &bytes[..n / 2]).unwrap();
        let e = err(&dir);
        assert!(e.contains("model.bpk"), "{e}");
        // Not a burnpack file at all.
        std::fs::write(&path, b"hello").unwrap();
        assert!(err(&dir).contains("not a ferrolink neural receiver"));
        // No such folder.
        assert!(err(&dir.join("nope")).contains("no such model folder"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_model_for_other_antennas_is_refused() {
        let dir = temp("mismatch");
        saved(&dir);
        let text = scenario(0.0, "").replace("rx = 2", "rx = 4");
        let run = resolve(&text, "four.toml").unwrap();
        let Err(NeuralError::Mismatch { message, .. }) = NeuralRunner::load(&dir, &run.link) else {
            panic!("a 2-antenna model must not load for 4 antennas");
        };
        assert!(
            message.contains("2 receive antennas") && message.contains("4"),
            "{message}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    struct Quiet;
    impl TrainObserver for Quiet {
        fn started(&mut self, _: usize, _: usize, _: usize) {}
        fn step(&mut self, _: usize, _: f64, _: f64) {}
        fn validated(&mut self, _: usize, _: f64, _: u64, _: u64) {}
        fn checkpointed(&mut self, _: usize, _: &[CurvePoint]) {}
    }

    /// Four steps at once, or two and a resumed two: the same model, bit for bit.
    #[test]
    fn resumed_training_equals_uninterrupted() {
        let extra =
            "steps = 4\nbatch = 2\nwarmup_steps = 1\ncheckpoint_every = 2\nvalidation_blocks = 2";
        let run = resolve(&scenario(5.0, extra), "tiny.toml").unwrap();
        let whole = temp("whole");
        let curve = train(
            &run,
            3,
            &TrainPaths {
                out: whole.clone(),
                init: None,
            },
            false,
            NeuralDevice::Cpu,
            &mut Quiet,
        )
        .unwrap();
        assert_eq!(curve.len(), 4);
        let parts = temp("parts");
        // A run stopped after step 2 (its checkpoint), then resumed to step 4 (the first two
        // steps' learning rates are the same for both budgets).
        let mut two = resolve(&scenario(5.0, extra), "tiny.toml").unwrap();
        two.scenario.training.as_mut().unwrap().steps = 2;
        train(
            &two,
            3,
            &TrainPaths {
                out: parts.clone(),
                init: None,
            },
            false,
            NeuralDevice::Cpu,
            &mut Quiet,
        )
        .unwrap();
        let again = train(
            &run,
            3,
            &TrainPaths {
                out: parts.clone(),
                init: None,
            },
            true,
            NeuralDevice::Cpu,
            &mut Quiet,
        )
        .unwrap();
        assert_eq!(again.len(), 4);
        let device = receivers::neural::device::cpu();
        let (a, _) = load_model(&whole, &device).unwrap();
        let (b, _) = load_model(&parts, &device).unwrap();
        assert_eq!(params_hash(&a), params_hash(&b));
        // Without --resume an existing checkpoint is not overwritten.
        let e = train(
            &run,
            3,
            &TrainPaths {
                out: parts.clone(),
                init: None,
            },
            false,
            NeuralDevice::Cpu,
            &mut Quiet,
        )
        .unwrap_err();
        assert!(e.to_string().contains("--resume"), "{e}");
        let _ = std::fs::remove_dir_all(&whole);
        let _ = std::fs::remove_dir_all(&parts);
    }

    /// Fine-tuning starts from the given model's weights and continues its slot stream:
    /// its first step's loss is the loss an uninterrupted run has at that step.
    #[test]
    fn fine_tuning_starts_from_the_model_and_continues_its_stream() {
        let extra = "steps = 4\nbatch = 2\nwarmup_steps = 1\ncheckpoint_every = 4\n\
                     validation_blocks = 2";
        let run = resolve(&scenario(5.0, extra), "tiny.toml").unwrap();
        let go = |run: &sim_core::scenario::Resolved, out: &Path, init: Option<&Path>| {
            let paths = TrainPaths {
                out: out.to_path_buf(),
                init: init.map(Path::to_path_buf),
            };
            train(run, 3, &paths, false, NeuralDevice::Cpu, &mut Quiet)
        };
        let whole = temp("ft-whole");
        let four = go(&run, &whole, None).unwrap();
        let mut two = resolve(&scenario(5.0, extra), "tiny.toml").unwrap();
        two.scenario.training.as_mut().unwrap().steps = 2;
        let a = temp("ft-a");
        go(&two, &a, None).unwrap();
        let b = temp("ft-b");
        let tuned = go(&two, &b, Some(&a)).unwrap();
        // Weights after two steps (the same learning rates for both budgets), seed 3.
        assert_eq!(tuned[0].loss.to_bits(), four[2].loss.to_bits());
        let device = receivers::neural::device::cpu();
        let (ma, meta_a) = load_model(&a, &device).unwrap();
        let (_, meta_b) = load_model(&b, &device).unwrap();
        let from = meta_b
            .init
            .as_ref()
            .expect("the starting model is recorded");
        assert_eq!(from.params_hash, params_hash(&ma));
        assert_eq!((from.steps, meta_b.steps, meta_b.total_steps()), (2, 2, 4));
        assert!(meta_a.init.is_none());
        // A scratch run's first step has another loss (other weights, other slots).
        assert_ne!(tuned[0].loss.to_bits(), four[0].loss.to_bits());
        // Another network shape is refused, naming the model.
        let wide = resolve(
            &scenario(5.0, extra).replace("width = 8", "width = 4"),
            "w.toml",
        );
        let e = go(&wide.unwrap(), &temp("ft-c"), Some(&a)).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--init") && text.contains("same shape"),
            "{text}"
        );
        assert!(text.contains(&a.display().to_string()), "{text}");
        for d in [whole, a, b] {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}
