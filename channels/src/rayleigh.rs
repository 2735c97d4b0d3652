//! Flat Rayleigh fading: h ~ CN(0, 1), one coefficient per symbol ("fast", ideal
//! interleaving) or per transport block ("block").

use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::Fading;
use sim_core::Cf32;

/// Fills `h` (`[symbols]`) with the block's fading coefficients.
pub fn rayleigh_coefficients(rng: &BlockRng, fading: Fading, h: &mut [Cf32]) {
    match fading {
        Fading::Fast => rng.complex_gaussian(Stream::Fading, 1.0, h),
        Fading::Block => {
            let mut one = [[0f32; 2]; 1];
            rng.complex_gaussian(Stream::Fading, 1.0, &mut one);
            h.iter_mut().for_each(|v| *v = one[0]);
        }
    }
}

/// y = h · x, element-wise (`[symbols]` each).
pub fn apply_flat(h: &[Cf32], x: &[Cf32], y: &mut [Cf32]) {
    for ((o, a), b) in y.iter_mut().zip(h).zip(x) {
        *o = [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// |h|² is exponential with mean 1: mean within 4σ (σ = 1/√n) and P(|h|² < 0.1) =
    /// 1 − e^{−0.1} within 4σ of a binomial proportion.
    #[test]
    fn rayleigh_power_distribution() {
        let n = 100_000;
        let mut h = vec![[0f32; 2]; n];
        rayleigh_coefficients(&BlockRng::new(3, 0, 0), Fading::Fast, &mut h);
        let p: Vec<f64> = h
            .iter()
            .map(|v| (v[0] * v[0] + v[1] * v[1]) as f64)
            .collect();
        let mean = p.iter().sum::<f64>() / n as f64;
        assert!((mean - 1.0).abs() < 4.0 / (n as f64).sqrt());
        let frac = p.iter().filter(|&&x| x < 0.1).count() as f64 / n as f64;
        let expect = 1.0 - (-0.1f64).exp();
        assert!((frac - expect).abs() < 4.0 * (expect * (1.0 - expect) / n as f64).sqrt());
    }

    #[test]
    fn block_fading_is_constant() {
        let mut h = vec![[0f32; 2]; 10];
        rayleigh_coefficients(&BlockRng::new(3, 0, 0), Fading::Block, &mut h);
        assert!(h.iter().all(|v| *v == h[0]));
    }
}
