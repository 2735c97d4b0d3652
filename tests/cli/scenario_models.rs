//! The TR 38.901 scenario models (UMa/UMi/RMa/InH) from the command line.

use super::{bin, read_table, repo, temp_dir, text};

/// The shipped UMa NLOS scenario (on 4 PRBs, so that lavapipe's loop limit is not reached)
/// runs on the CPU with its BLER falling from 6 to 8 dB, and the GPU executor (lavapipe here)
/// gives the same blocks and block errors.
#[test]
fn uma_scenario_runs_on_both_devices() {
    let out = temp_dir("uma");
    let scenario = "scenarios/uma-nlos-1x2-mcs13-dmrs-ls.toml";
    let run = |device: &str, extra: &[&str]| {
        bin()
            .args(["run", scenario, "--quick", "--fresh", "--device", device])
            .args(["--set", "ofdm.prbs=4", "--set", "sweep.snr_db=[6.0, 8.0]"])
            .args(extra)
            .arg("--out")
            .arg(out.join(device))
            .current_dir(repo(""))
            .output()
            .unwrap()
    };
    let o = run("cpu", &[]);
    assert!(o.status.success(), "{}", text(&o));
    let cpu = read_table(&out.join("cpu/uma-nlos-1x2-mcs13-dmrs-ls/points.parquet"));
    let bler = cpu.column("bler").unwrap().f64().unwrap().clone();
    let (low, high) = (bler.get(0).unwrap(), bler.get(1).unwrap());
    assert!(
        low > 0.05 && high < low / 3.0,
        "BLER {low} at 6 dB, {high} at 8 dB"
    );
    if std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        let o = run("gpu", &[]);
        assert!(o.status.success(), "{}", text(&o));
        let gpu = read_table(&out.join("gpu/uma-nlos-1x2-mcs13-dmrs-ls/points.parquet"));
        for col in ["blocks", "block_errors"] {
            assert_eq!(
                cpu.column(col).unwrap().as_materialized_series(),
                gpu.column(col).unwrap().as_materialized_series(),
                "{col}: CPU vs GPU"
            );
        }
    }
    std::fs::remove_dir_all(&out).unwrap();
}
