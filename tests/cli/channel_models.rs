//! Channel models from the command line: the TR 38.901 scenario models (UMa/UMi/RMa/InH),
//! K-factor scaling of the LOS TDL profiles, the TR 38.811 NTN-TDL profiles with a
//! common Doppler shift, and a scenario model in the time domain.

use super::{bin, read_table, repo, temp_dir, text};
use polars::prelude::DataFrame;
use std::path::Path;

/// Runs `scenario` (named `name`) with `--quick` and the `--set` overrides `set` on the CPU
/// into `out/cpu`, and, when `gpu` and unless GPU tests are skipped, on the GPU executor
/// (lavapipe here) into `out/gpu`, requiring the same blocks and block errors; returns the
/// CPU table.
fn run_on_devices(out: &Path, scenario: &str, name: &str, set: &[&str], gpu: bool) -> DataFrame {
    let run = |device: &str| {
        let mut cmd = bin();
        cmd.args(["run", scenario, "--quick", "--fresh", "--device", device]);
        for s in set {
            cmd.args(["--set", s]);
        }
        cmd.arg("--out").arg(out.join(device)).current_dir(repo(""));
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", text(&o));
        read_table(&out.join(device).join(name).join("points.parquet"))
    };
    let cpu = run("cpu");
    if gpu && std::env::var_os("FERROLINK_SKIP_GPU_TESTS").is_none() {
        let gpu = run("gpu");
        for col in ["blocks", "block_errors"] {
            assert_eq!(
                cpu.column(col).unwrap().as_materialized_series(),
                gpu.column(col).unwrap().as_materialized_series(),
                "{name} {col}: CPU vs GPU"
            );
        }
    }
    cpu
}

fn bler(table: &DataFrame, i: usize) -> f64 {
    table.column("bler").unwrap().f64().unwrap().get(i).unwrap()
}

/// The shipped UMa NLOS scenario (on 4 PRBs, so that lavapipe's loop limit is not reached)
/// runs on the CPU with its BLER falling from 6 to 8 dB, and the GPU executor (lavapipe here)
/// gives the same blocks and block errors.
#[test]
fn uma_scenario_runs_on_both_devices() {
    let out = temp_dir("uma");
    let name = "uma-nlos-1x2-mcs13-dmrs-ls";
    let set = ["ofdm.prbs=4", "sweep.snr_db=[6.0, 8.0]"];
    let cpu = run_on_devices(&out, &format!("scenarios/{name}.toml"), name, &set, true);
    let (low, high) = (bler(&cpu, 0), bler(&cpu, 1));
    assert!(
        low > 0.05 && high < low / 3.0,
        "BLER {low} at 6 dB, {high} at 8 dB"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// The shipped K-factor scenario (TDL-D, SISO, on 4 PRBs) with `--set channel.k_factor_db`:
/// at 12 dB SNR a K of 0 dB leaves a deep-fading BLER above 5% while K = 25 dB (nearly
/// AWGN) has none in 1000 slots; with K = 0 dB the GPU executor (lavapipe) gives the same
/// blocks and block errors as the CPU, so both scale the taps alike.
#[test]
fn k_factor_scaling_from_the_command_line() {
    let out = temp_dir("k-factor");
    let name = "tdl-d-siso-mcs13-k-factor";
    let scenario = format!("scenarios/{name}.toml");
    let set = |k: &'static str| ["ofdm.prbs=4", "sweep.snr_db=[8.0, 12.0]", k];
    let k0 = set("channel.k_factor_db=0");
    let rician = run_on_devices(&out.join("k0"), &scenario, name, &k0, true);
    assert!(
        bler(&rician, 1) > 0.05,
        "K = 0 dB: BLER {} at 12 dB",
        bler(&rician, 1)
    );
    let k25 = set("channel.k_factor_db=25");
    let strong = run_on_devices(&out.join("k25"), &scenario, name, &k25, false);
    assert!(
        bler(&strong, 1) < 0.01,
        "K = 25 dB: BLER {} at 12 dB",
        bler(&strong, 1)
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// The shipped NTN-TDL-C scenario (on 4 PRBs) with a 500 Hz residual Doppler shift: its
/// BLER falls from −1 to 3 dB SNR, and the CPU and the GPU executor (lavapipe) give the same
/// blocks and block errors.
#[test]
fn ntn_scenario_with_doppler_shift() {
    let out = temp_dir("ntn");
    let name = "ntn-tdl-c-2ghz-1x2-mcs4-dmrs-ls";
    let set = [
        "ofdm.prbs=4",
        "sweep.snr_db=[-1.0, 3.0]",
        "channel.doppler_shift_hz=500",
    ];
    let cpu = run_on_devices(&out, &format!("scenarios/{name}.toml"), name, &set, true);
    let (low, high) = (bler(&cpu, 0), bler(&cpu, 1));
    assert!(
        low > 0.1 && high < low / 3.0,
        "BLER {low} at -1 dB, {high} at 3 dB"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// The shipped inter-symbol-interference pair (UMi NLOS at 60 GHz, 480 kHz, on 4 PRBs) with
/// perfect CSI at 12 dB: the frequency-domain link, blind to delays past the 146 ns CP, has
/// (almost) no block errors, while the time-domain one, where each drop's late paths bring
/// in the earlier symbols, floors above 1%; the GPU executor (lavapipe) gives the time-domain
/// run's blocks and block errors.
#[test]
fn scenario_model_isi_in_the_time_domain() {
    let out = temp_dir("isi");
    let set = [
        "ofdm.prbs=4",
        "sweep.snr_db=[12.0]",
        "receiver.estimator=\"perfect\"",
    ];
    let run = |domain: &str, gpu: bool| {
        let name = format!("umi-nlos-60ghz-480khz-1x2-mcs13-{domain}");
        let scenario = format!("scenarios/{name}.toml");
        bler(
            &run_on_devices(&out.join(domain), &scenario, &name, &set, gpu),
            0,
        )
    };
    // validate estimates the ISI of the drops (the 10% worst above −10 dB here).
    let o = bin()
        .args([
            "validate",
            "scenarios/umi-nlos-60ghz-480khz-1x2-mcs13-time.toml",
        ])
        .current_dir(repo(""))
        .output()
        .unwrap();
    let msg = text(&o);
    assert!(
        o.status.success() && msg.contains("of 1000 drops") && msg.contains("reach past the CP"),
        "{msg}"
    );
    let time = run("time", true);
    let frequency = run("frequency", false);
    assert!(
        time > 0.01 && frequency < time / 5.0,
        "BLER at 12 dB: time domain {time}, frequency domain {frequency}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
