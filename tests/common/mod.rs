//! Helpers shared by the statistical test files: running a scenario's points on the CPU and
//! reading the Sionna reference points.

use receivers::CpuExecutor;
use sim_core::data::data_fields;
use sim_core::engine::{run_point, PointResult};
use sim_core::scenario::resolve;
use sim_core::scenario::schema::StopConfig;

/// Runs every point of `scenario` with the given stop rule.
pub fn simulate(scenario: &str, stop: StopConfig) -> Vec<PointResult> {
    let run = resolve(scenario, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut exec = CpuExecutor::new();
    run.points
        .iter()
        .map(|p| {
            let seed = run.scenario.seed;
            run_point(&mut exec, &run.link, p, seed, &stop, None, &mut |_| {}).unwrap()
        })
        .collect()
}

/// A stop rule without the sweep-level `min_bler`.
pub fn stop(min_block_errors: u64, max_blocks: u64) -> StopConfig {
    StopConfig {
        min_block_errors,
        max_blocks,
        min_bler: 0.0,
    }
}

/// (Eb/N0 dB, blocks, BLER) of one scenario in shared/reference/sionna_reference_bler.csv.
pub fn sionna_rows(scenario: &str) -> Vec<(f64, f64, f64)> {
    data_fields(include_str!(
        "../../sim-core/data/sionna_reference_bler.csv"
    ))
    .filter(|f| f[0] == scenario)
    .map(|f| {
        (
            f[1].parse().unwrap(),
            f[3].parse().unwrap(),
            f[5].parse().unwrap(),
        )
    })
    .collect()
}
