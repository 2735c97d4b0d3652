//! Neural receivers through the CLI: `train`, then `run` with the model.

use crate::{bin, read_table, temp_dir, text};

/// `train` writes a model, its curve and a checkpoint; `run` simulates with it; a missing or
/// absent model is a located error.
#[test]
fn neural_train_then_run() {
    let dir = temp_dir("neural");
    let model = dir.join("model");
    let scenario = format!(
        r#"name = "tiny-neural"
seed = 4
{link}normalize = true
[receiver]
kind = "neural"
weights = "{}"
[training]
depth = 1
width = 4
batch = 2
validation_blocks = 4
[sweep]
ebno_db = [10.0]
[stop]
max_blocks = 40
"#,
        model.display(),
        link = include_str!("../../receivers/tests/data/tiny_neural_link.toml")
    );
    let path = dir.join("tiny.toml");
    std::fs::write(&path, &scenario).unwrap();
    let o = bin()
        .arg("train")
        .arg(&path)
        .arg("--out")
        .arg(&model)
        .args(["--steps", "3"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    for f in [
        "model.bpk",
        "training.parquet",
        "training.csv",
        "training.svg",
    ] {
        assert!(model.join(f).is_file(), "{f}: {}", text(&o));
    }
    assert!(model.join("checkpoint/state.json").is_file());
    assert_eq!(read_table(&model.join("training.parquet")).height(), 3);
    // Fine-tuning into the starting model's own folder is refused (exit 2), the model kept.
    let before = std::fs::read(model.join("model.bpk")).unwrap();
    let o = bin()
        .arg("train")
        .arg(&path)
        .arg("--init")
        .arg(&model)
        .arg("--out")
        .arg(dir.join(".").join(model.file_name().unwrap()))
        .args(["--steps", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--out is the --init folder"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(model.join("model.bpk")).unwrap(), before);
    let o = bin()
        .arg("run")
        .arg(&path)
        .args(["--device", "cpu", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("another grid"), "{}", text(&o));
    let df = read_table(&dir.join("tiny-neural/points.parquet"));
    assert_eq!(df.height(), 1);
    // On a grid with a DC null the model still runs, with a warning naming the difference.
    let dc = dir.join("dc.toml");
    std::fs::write(
        &dc,
        scenario.replace(
            "cyclic_prefix = \"none\"",
            "cyclic_prefix = \"none\"\ndc_null = true",
        ),
    )
    .unwrap();
    let o = bin().args(["validate"]).arg(&dc).output().unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("the model was trained on another grid: DC null false (trained) vs true"),
        "{}",
        text(&o)
    );
    // The GPU chain runs the network too (lavapipe here): the same block counters.
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        let gpu_dir = dir.join("gpu");
        let o = bin()
            .arg("run")
            .arg(&path)
            .args(["--device", "gpu", "--out"])
            .arg(&gpu_dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        let gpu = read_table(&gpu_dir.join("tiny-neural/points.parquet"));
        for column in ["blocks", "block_errors"] {
            assert_eq!(
                df.column(column).unwrap().as_materialized_series(),
                gpu.column(column).unwrap().as_materialized_series(),
                "{column}: CPU vs GPU"
            );
        }
        // Training on the GPU (burn's wgpu backend), then resuming its checkpoint on the CPU.
        let gpu_model = dir.join("gpu-model");
        for (device, steps, resume) in [("gpu", "3", false), ("cpu", "4", true)] {
            let mut cmd = bin();
            cmd.arg("train").arg(&path).arg("--out").arg(&gpu_model);
            cmd.args(["--steps", steps, "--device", device]);
            if resume {
                cmd.arg("--resume");
            }
            let o = cmd.output().unwrap();
            assert!(o.status.success(), "{}", text(&o));
            let on = if resume {
                "training on CPU"
            } else {
                "training on GPU"
            };
            assert!(text(&o).contains(on), "{}", text(&o));
            assert!(gpu_model.join("model.bpk").is_file(), "{}", text(&o));
        }
        let curve = read_table(&gpu_model.join("training.parquet"));
        assert_eq!(curve.height(), 4);
    }
    // A model folder that does not exist, and a neural receiver without weights.
    let line = scenario[..scenario.find("weights =").unwrap()]
        .matches('\n')
        .count()
        + 1;
    for (to, expect) in [
        ("weights = \"no/such/model\"", "no such model folder"),
        ("", "receiver.weights: kind = \"neural\" needs `weights`"),
    ] {
        let bad = dir.join("bad.toml");
        let from = format!("weights = \"{}\"", model.display());
        std::fs::write(&bad, scenario.replace(&from, to)).unwrap();
        let o = bin().arg("validate").arg(&bad).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let msg = text(&o);
        assert!(msg.contains("bad.toml:") && msg.contains(expect), "{msg}");
        if !to.is_empty() {
            assert!(msg.contains(&format!("bad.toml:{line}:")), "{msg}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
