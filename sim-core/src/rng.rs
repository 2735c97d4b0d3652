//! Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as
//! easy as 1, 2, 3", SC 2011).
//!
//! Every draw is addressed, not sequenced: the key is the scenario seed and the counter is
//! `[index, stream, block, point]`, so any block of any sweep point can be regenerated alone
//! (sharding, resume, GPU threads) and the CPU and GPU executors draw the same numbers.

/// Philox multipliers and Weyl key increments (Salmon et al. 2011, Table 2).
const PHILOX_M0: u32 = 0xD251_1F53;
const PHILOX_M1: u32 = 0xCD9E_8D57;
const PHILOX_W0: u32 = 0x9E37_79B9;
const PHILOX_W1: u32 = 0xBB67_AE85;

/// One Philox4x32 bijection with 10 rounds.
///
/// * `counter` — `[u32; 4]`, `key` — `[u32; 2]`; returns 4 independent uniform `u32`.
#[inline]
pub fn philox4x32_10(counter: [u32; 4], key: [u32; 2]) -> [u32; 4] {
    let mut c = counter;
    let mut k = key;
    for round in 0..10 {
        if round > 0 {
            k[0] = k[0].wrapping_add(PHILOX_W0);
            k[1] = k[1].wrapping_add(PHILOX_W1);
        }
        let p0 = (PHILOX_M0 as u64) * (c[0] as u64);
        let p1 = (PHILOX_M1 as u64) * (c[2] as u64);
        let (hi0, lo0) = ((p0 >> 32) as u32, p0 as u32);
        let (hi1, lo1) = ((p1 >> 32) as u32, p1 as u32);
        c = [hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0];
    }
    c
}

/// What a stream of draws is used for; part of the counter so streams never overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Stream {
    /// Transmitted information bits.
    Bits = 0,
    /// Receiver noise.
    Noise = 1,
    /// Channel coefficients (fading).
    Fading = 2,
    /// Training-time draws (a slot's Eb/N0, speed, delay spread, profile).
    Training = 3,
    /// Oscillator phase noise (time-domain OFDM, `[phase_noise]`).
    PhaseNoise = 4,
    /// Large-scale parameters and clusters of a TR 38.901 §7.5 stochastic channel (a new
    /// drop per slot; `channels::stochastic`).
    LargeScale = 5,
}

/// The random numbers of one transport block of one sweep point.
#[derive(Debug, Clone, Copy)]
pub struct BlockRng {
    key: [u32; 2],
    point: u32,
    block: u32,
}

/// Uniform in (0, 1) from the top 24 bits of a `u32`: never 0, so `ln` is finite.
#[inline]
pub fn u32_to_open01(x: u32) -> f32 {
    ((x >> 8) as f32 + 0.5) * (1.0 / 16_777_216.0)
}

/// Box-Muller: two uniforms in (0,1) → two independent N(0, 1) samples.
#[inline]
pub fn box_muller(a: u32, b: u32) -> [f32; 2] {
    let u1 = u32_to_open01(a);
    let u2 = u32_to_open01(b);
    let r = (-2.0 * crate::fastmath::ln_f32(u1)).sqrt();
    let (s, c) = crate::fastmath::sincos_turns(u2);
    [r * c, r * s]
}

impl BlockRng {
    /// * `seed` — the scenario seed, `point` — sweep point index, `block` — block index in the point.
    pub fn new(seed: u64, point: u32, block: u32) -> Self {
        Self {
            key: [seed as u32, (seed >> 32) as u32],
            point,
            block,
        }
    }

    /// The streams of HARQ retransmission `t` ≥ 1 of this block: the point index with `t` in
    /// its top byte (sweep points stay below 2^24), so they never meet another block's;
    /// `t = 0` is the block itself.
    pub fn retransmission(&self, t: u32) -> Self {
        Self {
            point: self.point ^ (t << 24),
            ..*self
        }
    }

    /// Draw number `index` of `stream`: 4 uniform `u32`.
    #[inline]
    pub fn draw(&self, stream: Stream, index: u32) -> [u32; 4] {
        philox4x32_10([index, stream as u32, self.block, self.point], self.key)
    }

    /// `n` uniform random bits (0/1 bytes); bit `i` is bit `i % 32` of word `i / 32`.
    pub fn bits(&self, stream: Stream, out: &mut [u8]) {
        for (w, chunk) in out.chunks_mut(128).enumerate() {
            let r = self.draw(stream, w as u32);
            for (i, b) in chunk.iter_mut().enumerate() {
                *b = ((r[i / 32] >> (i % 32)) & 1) as u8;
            }
        }
    }

    /// Standard complex Gaussians CN(0, `variance`), written as (re, im) pairs.
    /// Sample `2j` and `2j+1` come from draw `j`, so any sample can be generated alone.
    pub fn complex_gaussian(&self, stream: Stream, variance: f32, out: &mut [[f32; 2]]) {
        let scale = (variance * 0.5).sqrt();
        for (j, pair) in out.chunks_mut(2).enumerate() {
            let r = self.draw(stream, j as u32);
            let g0 = box_muller(r[0], r[1]);
            let g1 = box_muller(r[2], r[3]);
            pair[0] = [g0[0] * scale, g0[1] * scale];
            if pair.len() > 1 {
                pair[1] = [g1[0] * scale, g1[1] * scale];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Known-answer vectors of the Random123 distribution (kat_vectors, philox4x32_10).
    #[test]
    fn philox_known_answers() {
        assert_eq!(
            philox4x32_10([0; 4], [0; 2]),
            [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]
        );
        assert_eq!(
            philox4x32_10([u32::MAX; 4], [u32::MAX; 2]),
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        );
        assert_eq!(
            philox4x32_10(
                [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344],
                [0xa409_3822, 0x299f_31d0]
            ),
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        );
    }

    /// Moments of the Gaussian stream: 200k samples, mean within 4 sigma of 0
    /// (sigma of the mean = sqrt(1/n)) and variance within 4 sigma (sqrt(2/n)).
    #[test]
    fn gaussian_moments() {
        let n = 100_000;
        let mut v = vec![[0f32; 2]; n];
        BlockRng::new(7, 0, 0).complex_gaussian(Stream::Noise, 2.0, &mut v);
        let xs: Vec<f64> = v.iter().flat_map(|c| [c[0] as f64, c[1] as f64]).collect();
        let m = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / xs.len() as f64;
        let nn = xs.len() as f64;
        assert!(m.abs() < 4.0 / nn.sqrt(), "mean {m}");
        assert!((var - 1.0).abs() < 4.0 * (2.0 / nn).sqrt(), "var {var}");
    }

    #[test]
    fn bits_are_balanced_and_streams_differ() {
        let rng = BlockRng::new(1, 2, 3);
        let mut a = vec![0u8; 100_000];
        let mut b = vec![0u8; 100_000];
        rng.bits(Stream::Bits, &mut a);
        rng.bits(Stream::Noise, &mut b);
        let ones = a.iter().map(|&x| x as f64).sum::<f64>();
        // 4 sigma of a Binomial(n, 1/2): 4 * sqrt(n)/2.
        assert!((ones - 50_000.0).abs() < 4.0 * 100_000f64.sqrt() / 2.0);
        assert_ne!(a, b);
    }
}
