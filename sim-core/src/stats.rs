//! Monte-Carlo counters and confidence intervals.

use serde::{Deserialize, Serialize};

/// Outcome of one simulated engine block (what an executor returns per block): a transport
/// block of the single-carrier link, or an OFDM slot with its code words.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockOutcome {
    /// Wrong payload (information) bits.
    pub bit_errors: u32,
    /// Code words (transport blocks of the `[code]` shape) with a wrong payload bit.
    pub codeword_errors: u16,
    /// Code blocks with at least one wrong bit.
    pub cb_errors: u16,
    /// The CRC check failed (TB CRC or any CB CRC).
    pub crc_fail: bool,
    /// Decoder iterations summed over the code blocks.
    pub iterations: u16,
    /// HARQ: transmissions the transport block took (0: no HARQ, one transmission).
    #[serde(default)]
    pub transmissions: u8,
    /// HARQ: code words wrong after the first transmission (with `transmissions` ≥ 1).
    #[serde(default)]
    pub first_errors: u16,
}

impl BlockOutcome {
    /// The outcome after one more HARQ transmission, `this` (its decision: errors, CRC,
    /// iterations): its errors and CRC, the iterations summed over the transmissions so far,
    /// one more transmission, and the first transmission's code-word errors kept. Starts from
    /// `BlockOutcome::default()` before the first (the CPU and GPU executors both merge so).
    pub fn after_transmission(self, this: BlockOutcome) -> BlockOutcome {
        BlockOutcome {
            iterations: self.iterations.saturating_add(this.iterations),
            transmissions: self.transmissions + 1,
            first_errors: match self.transmissions {
                0 => this.codeword_errors,
                _ => self.first_errors,
            },
            ..this
        }
    }
}

/// Counters of one sweep point, accumulated block by block.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Code words (transport blocks of the `[code]` shape): the unit of the BLER.
    pub blocks: u64,
    pub block_errors: u64,
    /// Engine blocks: = `blocks` for the single-carrier link, slots for OFDM.
    #[serde(default)]
    pub slots: u64,
    #[serde(default)]
    pub slot_errors: u64,
    /// Σ over engine blocks of (wrong code words in the block)²: with `block_errors` and
    /// `slots`, the between-slot variance that [`bler_interval`] needs (0 in checkpoints
    /// written before it existed).
    #[serde(default)]
    pub codeword_errors_sq: u64,
    pub code_blocks: u64,
    pub code_block_errors: u64,
    pub bits: u64,
    pub bit_errors: u64,
    pub crc_failures: u64,
    pub iterations: u64,
    /// Transmissions of all engine blocks (= `slots` without HARQ; 0 in checkpoints written
    /// before HARQ existed).
    #[serde(default)]
    pub transmissions: u64,
    /// Code words wrong after their first transmission (= `block_errors` without HARQ).
    #[serde(default)]
    pub first_tx_errors: u64,
}

impl Counters {
    /// Adds one engine block of `codewords` code words, `info_bits` payload bits and
    /// `code_blocks` LDPC code blocks in all.
    pub fn add(&mut self, o: &BlockOutcome, info_bits: u64, code_blocks: u64, codewords: u64) {
        self.blocks += codewords;
        self.block_errors += o.codeword_errors as u64;
        self.slots += 1;
        self.slot_errors += (o.codeword_errors > 0) as u64;
        self.codeword_errors_sq += (o.codeword_errors as u64).pow(2);
        self.code_blocks += code_blocks;
        self.code_block_errors += o.cb_errors as u64;
        self.bits += info_bits;
        self.bit_errors += o.bit_errors as u64;
        self.crc_failures += o.crc_fail as u64;
        self.iterations += o.iterations as u64;
        let harq = o.transmissions > 0;
        self.transmissions += if harq { o.transmissions as u64 } else { 1 };
        self.first_tx_errors += if harq {
            o.first_errors
        } else {
            o.codeword_errors
        } as u64;
    }

    /// BLER after the first transmission (= [`Counters::bler`] without HARQ).
    pub fn first_tx_bler(&self) -> f64 {
        ratio(self.first_tx_errors, self.blocks)
    }

    /// Transmissions per engine block (1 without HARQ).
    pub fn mean_transmissions(&self) -> f64 {
        match self.transmissions {
            0 => 1.0,
            t => t as f64 / self.slots.max(1) as f64,
        }
    }

    pub fn bler(&self) -> f64 {
        ratio(self.block_errors, self.blocks)
    }
    pub fn ber(&self) -> f64 {
        ratio(self.bit_errors, self.bits)
    }
    pub fn cbler(&self) -> f64 {
        ratio(self.code_block_errors, self.code_blocks)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        f64::NAN
    } else {
        a as f64 / b as f64
    }
}

/// Wilson score interval for a binomial proportion (Wilson 1927), at the normal quantile
/// `z` (1.959964 for 95%). Returns (low, high); (0, 1) when `n` is 0.
pub fn wilson_interval(successes: u64, n: u64, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    wilson_interval_f(successes as f64 / n as f64, n as f64, z)
}

/// The 95% interval of a point's BLER (code words). With one code word per engine block it is
/// the Wilson interval. The code words of an OFDM slot share a channel, so their errors are
/// correlated: the interval is then Wilson's for the effective sample size n/deff, with the
/// design effect deff = s²/(m·p(1 − p)) ≥ 1 of the cluster sample (s² the between-slot
/// variance of a slot's m code word errors). With no errors, all errors, or no recorded
/// squares (old checkpoints) it falls back to the slots as the sample size (deff = m, the
/// widest).
pub fn bler_interval(c: &Counters) -> (f64, f64) {
    let (n, slots) = (c.blocks, c.slots.max(1));
    if n == slots {
        return wilson_interval(c.block_errors, n, Z95);
    }
    let p = c.block_errors as f64 / n as f64;
    wilson_interval_f(p, n as f64 / design_effect(c), Z95)
}

/// The design effect deff of [`bler_interval`]: 1 with one code word per slot, m (the code
/// words per slot) when it cannot be estimated.
pub fn design_effect(c: &Counters) -> f64 {
    let (n, slots) = (c.blocks, c.slots.max(1));
    if n == slots {
        return 1.0;
    }
    let m = n as f64 / slots as f64;
    let p = c.block_errors as f64 / n as f64;
    if c.block_errors == 0 || c.block_errors == n || c.codeword_errors_sq < c.block_errors {
        m
    } else {
        let mean = c.block_errors as f64 / slots as f64;
        let s2 = (c.codeword_errors_sq as f64 - slots as f64 * mean * mean)
            / (slots as f64 - 1.0).max(1.0);
        (s2 / (m * p * (1.0 - p))).clamp(1.0, m)
    }
}

/// [`wilson_interval`] for a proportion `p` observed on a real-valued sample size `n`.
pub fn wilson_interval_f(p: f64, n: f64, z: f64) -> (f64, f64) {
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom;
    let low = if p == 0.0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if p == 1.0 {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (low, high)
}

/// Normal quantile of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_known_values() {
        // 10 of 100: the Wilson 95% interval is [0.0552, 0.1744] (standard tables).
        let (lo, hi) = wilson_interval(10, 100, Z95);
        assert!(
            (lo - 0.0552).abs() < 5e-4 && (hi - 0.1744).abs() < 5e-4,
            "{lo} {hi}"
        );
        let (lo, hi) = wilson_interval(0, 50, Z95);
        assert_eq!(lo, 0.0);
        assert!(hi > 0.06 && hi < 0.08);
    }

    /// Slots of m = 4 code words: when a slot's code words fail together the interval is the
    /// Wilson interval of the slots; when they fail independently it is (about) the Wilson
    /// interval of the code words; one code word per block is plain Wilson.
    #[test]
    fn bler_interval_accounts_for_slots() {
        let slots = 1000u64;
        let counters = |per_slot: &dyn Fn(u64) -> u16| {
            let mut c = Counters::default();
            for s in 0..slots {
                let o = BlockOutcome {
                    codeword_errors: per_slot(s),
                    ..Default::default()
                };
                c.add(&o, 400, 4, 4);
            }
            c
        };
        // 100 slots lose all four code words.
        let together = counters(&|s| if s % 10 == 0 { 4 } else { 0 });
        let (lo, hi) = bler_interval(&together);
        let (slo, shi) = wilson_interval(100, slots, Z95);
        assert!(
            (lo - slo).abs() < 1e-12 && (hi - shi).abs() < 1e-12,
            "{lo} {hi}"
        );
        // 400 single errors spread one per slot in 400 slots: less clustered than binomial,
        // clamped to deff = 1, the code words' Wilson interval.
        let spread = counters(&|s| (s % 5 < 2) as u16);
        let (lo, hi) = bler_interval(&spread);
        let (wlo, whi) = wilson_interval(400, 4 * slots, Z95);
        assert!((lo - wlo).abs() < 1e-12 && (hi - whi).abs() < 1e-12);
        // Old checkpoints (no squares): the slots' width.
        let old = Counters {
            codeword_errors_sq: 0,
            ..spread
        };
        let (lo, hi) = bler_interval(&old);
        assert!(hi - lo > 1.9 * (whi - wlo), "{lo} {hi}");
        // One code word per block: Wilson.
        let mut single = Counters::default();
        for s in 0..100u16 {
            let o = BlockOutcome {
                codeword_errors: (s % 10 == 0) as u16,
                ..Default::default()
            };
            single.add(&o, 100, 1, 1);
        }
        assert_eq!(bler_interval(&single), wilson_interval(10, 100, Z95));
    }
}
