//! Additive white Gaussian noise.

use sim_core::rng::{BlockRng, Stream};
use sim_core::Cf32;

/// y = x + n with n ~ CN(0, `no`), drawn from the block's noise stream.
///
/// * `y` — `[symbols]`, complex: holds x on entry and x + n on return.
pub fn add_awgn(rng: &BlockRng, no: f32, y: &mut [Cf32], noise: &mut Vec<Cf32>) {
    noise.resize(y.len(), [0.0; 2]);
    rng.complex_gaussian(Stream::Noise, no, noise);
    for (v, n) in y.iter_mut().zip(noise.iter()) {
        v[0] += n[0];
        v[1] += n[1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The empirical noise power matches N0 within 4 standard deviations (the variance of a
    /// |n|² estimate over n samples is N0²/n).
    #[test]
    fn noise_power_is_no() {
        let n = 200_000;
        let mut y = vec![[0f32; 2]; n];
        let mut scratch = Vec::new();
        add_awgn(&BlockRng::new(5, 1, 2), 0.25, &mut y, &mut scratch);
        let p = y
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1]) as f64)
            .sum::<f64>()
            / n as f64;
        assert!(
            (p - 0.25).abs() < 4.0 * 0.25 / (n as f64).sqrt(),
            "power {p}"
        );
    }
}
