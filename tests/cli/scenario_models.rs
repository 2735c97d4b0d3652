//! The TR 38.901 scenario models (UMa/UMi/RMa/InH) from the command line.

use super::{bin, read_table, repo, temp_dir, text};

/// The shipped UMa NLOS scenario runs on `--device auto` (on the CPU, with a note saying
/// why), its BLER falls from 4 to 12 dB SNR, and `--device gpu` is a clear error.
#[test]
fn uma_scenario_runs_on_the_cpu() {
    let out = temp_dir("uma");
    let scenario = "scenarios/uma-nlos-1x2-mcs13-dmrs-ls.toml";
    let o = bin()
        .args(["run", scenario, "--quick", "--device", "auto", "--set"])
        .arg("sweep.snr_db=[4.0, 12.0]")
        .arg("--out")
        .arg(&out)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("run on the CPU only"), "{}", text(&o));
    let df = read_table(&out.join("uma-nlos-1x2-mcs13-dmrs-ls/points.parquet"));
    let bler = df.column("bler").unwrap().f64().unwrap().clone();
    let (low, high) = (bler.get(0).unwrap(), bler.get(1).unwrap());
    assert!(
        low > 0.05 && high < low / 3.0,
        "BLER {low} at 4 dB, {high} at 12 dB"
    );
    let o = bin()
        .args(["run", scenario, "--quick", "--device", "gpu", "--out"])
        .arg(&out)
        .current_dir(repo(""))
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(text(&o).contains("--device cpu"), "{}", text(&o));
    std::fs::remove_dir_all(&out).unwrap();
}
