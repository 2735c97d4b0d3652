//! The Monte-Carlo engine: runs one sweep point through an [`Executor`] batch by batch and
//! stops it by rule.
//!
//! Executors return one [`BlockOutcome`] per block and block `i` of a point always draws the
//! same random numbers, so the engine can apply the stop rule block by block: the counters
//! of a point depend only on (scenario, seed, point), never on batch sizes, thread counts or
//! the device.

use crate::link::{LinkSpec, PointSpec};
use crate::scenario::schema::StopConfig;
use crate::stats::{BlockOutcome, Counters};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A failure of the device or runtime while simulating (not a bad scenario).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ExecError(pub String);

/// Something that simulates blocks of a link: the CPU reference chain or the GPU pipeline.
pub trait Executor {
    /// Names the device in result tables, e.g. "cpu (2 threads)".
    fn device_name(&self) -> String;
    /// Largest batch this executor wants per call for `link`.
    fn preferred_batch(&self, link: &LinkSpec) -> usize;
    /// Simulates blocks `first_block .. first_block + count` of `point`; outcomes in block order.
    fn run_batch(
        &mut self,
        link: &LinkSpec,
        point: &PointSpec,
        seed: u64,
        first_block: u64,
        count: usize,
    ) -> Result<Vec<BlockOutcome>, ExecError>;
    /// A hint: after the coming [`Executor::run_batch`], the engine will probably ask for
    /// blocks `first_block .. first_block + count` of the same point. An executor may start
    /// them early (the GPU queues them behind the current batch so it never waits on the
    /// host); results must not depend on whether or how it does.
    fn prefetch(&mut self, _point: &PointSpec, _seed: u64, _first_block: u64, _count: usize) {}
}

/// Why a point ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    BlockErrors,
    MaxBlocks,
}

/// The finished estimate of one point.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PointResult {
    pub index: u32,
    pub ebno_db: f64,
    pub snr_db: f64,
    /// With a link budget: the transmit power, dBm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_power_dbm: Option<f64>,
    pub counters: Counters,
    pub wall_s: f64,
    pub device: String,
    pub stopped_by: StopReason,
}

/// Runs one point until `stop.min_block_errors` block errors or `stop.max_blocks` blocks.
///
/// * `batch_cap` — upper bound on blocks per executor call (the scenario's `run.batch_blocks`).
/// * `progress` — called after every batch with the counters so far.
pub fn run_point(
    exec: &mut dyn Executor,
    link: &LinkSpec,
    point: &PointSpec,
    seed: u64,
    stop: &StopConfig,
    batch_cap: Option<usize>,
    progress: &mut dyn FnMut(&Counters),
) -> Result<PointResult, ExecError> {
    let start = Instant::now();
    let cap = batch_cap
        .unwrap_or_else(|| exec.preferred_batch(link))
        .max(1) as u64;
    let info_bits = link.block_info_bits() as u64;
    let cbs = link.code_blocks() as u64;
    let cw = link.codewords() as u64;
    let mut c = Counters::default();
    let mut next_block = 0u64;
    let stopped_by = loop {
        // Size the batch to what the stop rule still needs, so a point with BLER ≈ 1 does
        // not simulate a full batch for its last few errors.
        // In engine blocks (slots of `cw` code words for OFDM; the rule counts code words).
        let remaining = (stop.max_blocks - c.blocks).div_ceil(cw);
        let wanted = if c.block_errors == 0 {
            (next_block.max(16)) * 2
        } else {
            let need = stop.min_block_errors.saturating_sub(c.block_errors) as f64;
            (need / c.bler() * 1.1 / cw as f64).ceil() as u64 + 8
        };
        let count = wanted.clamp(1, cap).min(remaining);
        // Will the point need more after this batch? Not if it reaches the block budget or is
        // expected to bring the errors to the target (it was sized for that, not capped).
        // Else say what comes next.
        let expected = if c.blocks == 0 {
            0.0
        } else {
            c.block_errors as f64 + c.bler() * (count * cw) as f64
        };
        if remaining > count && expected < stop.min_block_errors as f64 {
            let then = if c.block_errors == 0 {
                (next_block + count).max(16) * 2
            } else {
                count
            };
            exec.prefetch(
                point,
                seed,
                next_block + count,
                then.clamp(1, cap).min(remaining - count) as usize,
            );
        }
        let outcomes = exec.run_batch(link, point, seed, next_block, count as usize)?;
        if outcomes.len() != count as usize {
            return Err(ExecError(format!(
                "executor returned {} outcomes for {count} blocks",
                outcomes.len()
            )));
        }
        let mut reason = None;
        for o in &outcomes {
            c.add(o, info_bits, cbs, cw);
            if c.block_errors >= stop.min_block_errors {
                reason = Some(StopReason::BlockErrors);
                break;
            }
            if c.blocks >= stop.max_blocks {
                reason = Some(StopReason::MaxBlocks);
                break;
            }
        }
        next_block += count;
        progress(&c);
        if let Some(r) = reason {
            break r;
        }
    };
    Ok(PointResult {
        index: point.index,
        ebno_db: point.ebno_db,
        snr_db: point.snr_db,
        tx_power_dbm: point.tx_power_dbm,
        counters: c,
        wall_s: start.elapsed().as_secs_f64(),
        device: exec.device_name(),
        stopped_by,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{BlockRng, Stream};

    /// A fake executor: block i is in error with probability 0.3, decided by the RNG.
    struct Coin;
    impl Executor for Coin {
        fn device_name(&self) -> String {
            "coin".into()
        }
        fn preferred_batch(&self, _: &LinkSpec) -> usize {
            1000
        }
        fn run_batch(
            &mut self,
            _: &LinkSpec,
            p: &PointSpec,
            seed: u64,
            first: u64,
            count: usize,
        ) -> Result<Vec<BlockOutcome>, ExecError> {
            Ok((first..first + count as u64)
                .map(|b| {
                    let r = BlockRng::new(seed, p.index, b as u32).draw(Stream::Bits, 0)[0];
                    let wrong = r < (0.3 * u32::MAX as f64) as u32;
                    BlockOutcome {
                        bit_errors: wrong as u32,
                        codeword_errors: wrong as u16,
                        ..Default::default()
                    }
                })
                .collect())
        }
    }

    /// Coin, recording the engine's prefetch hints and its requests.
    #[derive(Default)]
    struct Hinted {
        hints: Vec<Option<(u64, usize)>>,
        calls: Vec<(u64, usize)>,
        pending: Option<(u64, usize)>,
    }
    impl Executor for Hinted {
        fn device_name(&self) -> String {
            "hinted".into()
        }
        fn preferred_batch(&self, _: &LinkSpec) -> usize {
            64
        }
        fn prefetch(&mut self, _: &PointSpec, _: u64, first: u64, count: usize) {
            self.pending = Some((first, count));
        }
        fn run_batch(
            &mut self,
            l: &LinkSpec,
            p: &PointSpec,
            seed: u64,
            first: u64,
            count: usize,
        ) -> Result<Vec<BlockOutcome>, ExecError> {
            self.hints.push(self.pending.take());
            self.calls.push((first, count));
            Coin.run_batch(l, p, seed, first, count)
        }
    }

    /// The prefetch hint names where the next request starts, is given for every batch but
    /// the last one or two, and changes no counter.
    #[test]
    fn prefetch_hints_name_the_next_batch() {
        let stop = StopConfig {
            min_block_errors: 300,
            max_blocks: 100_000,
            min_bler: 0.0,
        };
        let p = PointSpec::new(2, 1.0, 1.0);
        let l = link();
        let mut h = Hinted::default();
        let a = run_point(&mut h, &l, &p, 9, &stop, None, &mut |_| {}).unwrap();
        let b = run_point(&mut Coin, &l, &p, 9, &stop, Some(64), &mut |_| {}).unwrap();
        assert_eq!(a.counters, b.counters);
        let n = h.calls.len();
        assert!(n > 10, "{n} batches");
        for i in 0..n - 1 {
            if let Some((first, _)) = h.hints[i] {
                assert_eq!(first, h.calls[i + 1].0, "hint {i}");
            }
        }
        let given = h.hints.iter().filter(|x| x.is_some()).count();
        assert!(given + 2 >= n, "hints on {given} of {n} batches");
        assert!(
            h.hints[n - 1].is_none(),
            "no hint on the batch that reaches the target"
        );
    }

    fn link() -> LinkSpec {
        crate::scenario::resolve(
            "name='x'\n[code]\nkind='none'\n[sweep]\nsnr_db=[1.0]\n",
            "x",
        )
        .unwrap()
        .link
    }

    /// The counters do not depend on the batch size.
    #[test]
    fn counters_independent_of_batch_size() {
        let stop = StopConfig {
            min_block_errors: 57,
            max_blocks: 100_000,
            min_bler: 0.0,
        };
        let p = PointSpec::new(4, 1.0, 1.0);
        let l = link();
        let a = run_point(&mut Coin, &l, &p, 9, &stop, Some(7), &mut |_| {}).unwrap();
        let b = run_point(&mut Coin, &l, &p, 9, &stop, Some(1000), &mut |_| {}).unwrap();
        assert_eq!(a.counters, b.counters);
        assert_eq!(a.counters.block_errors, 57);
        assert_eq!(a.stopped_by, StopReason::BlockErrors);
        let stop = StopConfig {
            max_blocks: 33,
            ..stop
        };
        let c = run_point(&mut Coin, &l, &p, 9, &stop, None, &mut |_| {}).unwrap();
        assert_eq!(
            (c.counters.blocks, c.stopped_by),
            (33, StopReason::MaxBlocks)
        );
    }
}
