//! Path loss, shadow fading and a link budget on a TR 38.901 scenario model: the shipped
//! UMi uplink over distance at 23 dBm, and `validate`'s budget line.

use crate::{bin, read_table, repo, run_on_cpu, temp_dir, text};

/// The shipped distance list at 50 and 600 m (short runs): the joined table carries the
/// transmit power, the reference loss (growing with distance) and the SNR they give
/// (23 dBm − loss − noise, the noise of 8.64 MHz behind a 5 dB noise figure, −99.6 dBm);
/// BLER is low near the BS (mostly LOS, SNR ≈ 36 dB at the reference) and high at 600 m
/// (SNR ≈ −9 dB). `validate` of the transmit-power twin prints the budget.
#[test]
fn distance_list_with_a_link_budget() {
    let out = temp_dir("link-budget");
    let scenario = repo("scenarios/umi-uplink-1x2-mcs13-pathloss-distance.toml");
    let sets = [
        "--set",
        "sweep.distance_m=[50, 600]",
        "--set",
        "stop.min_block_errors=40",
        "--set",
        "stop.max_blocks=300",
    ];
    run_on_cpu(&out, &scenario, &sets);
    let t = read_table(&out.join("umi-uplink-1x2-mcs13-pathloss-distance/points.parquet"));
    let f = |c: &str, i: usize| t.column(c).unwrap().f64().unwrap().get(i).unwrap();
    let noise = -174.0 + (288.0 * 30e3f64).log10() * 10.0 + 5.0;
    for i in 0..2 {
        assert_eq!(f("tx_power_dbm", i), 23.0);
        let snr = 23.0 - f("path_loss_db", i) - noise;
        assert!((f("snr_db", i) - snr).abs() < 1e-9, "row {i}");
    }
    assert!(f("path_loss_db", 1) > f("path_loss_db", 0) + 30.0);
    let (near, far) = (f("bler", 0), f("bler", 1));
    assert!(
        near < 0.1 && far > 0.4,
        "BLER {near} at 50 m, {far} at 600 m"
    );
    let o = bin()
        .arg("validate")
        .arg(repo(
            "scenarios/umi-uplink-1x2-mcs13-pathloss-tx-power.toml",
        ))
        .output()
        .unwrap();
    let s = text(&o);
    assert!(o.status.success(), "{s}");
    assert!(
        s.contains("reference loss 113.0 dB") && s.contains("= SNR (dB) +13.4 dB"),
        "{s}"
    );
}
