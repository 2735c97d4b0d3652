//! One-tap equalization with perfect channel knowledge.

use sim_core::Cf32;

/// z = conj(h)·y / |h|², with the noise variance on z: N0 / |h|².
///
/// * `y`, `h` — `[symbols]`; writes `z` `[symbols]` and `no_eff` `[symbols]`.
pub fn equalize_flat(y: &[Cf32], h: &[Cf32], no: f32, z: &mut [Cf32], no_eff: &mut [f32]) {
    for (((zo, ne), yv), hv) in z.iter_mut().zip(no_eff.iter_mut()).zip(y).zip(h) {
        let g = (hv[0] * hv[0] + hv[1] * hv[1]).max(1e-30);
        *zo = [
            (hv[0] * yv[0] + hv[1] * yv[1]) / g,
            (hv[0] * yv[1] - hv[1] * yv[0]) / g,
        ];
        *ne = no / g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoes_the_channel() {
        let h = [[0.3f32, -1.2]];
        let x = [0.7f32, 0.1];
        let y = [[
            h[0][0] * x[0] - h[0][1] * x[1],
            h[0][0] * x[1] + h[0][1] * x[0],
        ]];
        let (mut z, mut ne) = ([[0f32; 2]], [0f32]);
        equalize_flat(&y, &h, 2.0, &mut z, &mut ne);
        assert!((z[0][0] - x[0]).abs() < 1e-6 && (z[0][1] - x[1]).abs() < 1e-6);
        assert!((ne[0] - 2.0 / (0.09 + 1.44)).abs() < 1e-6);
    }
}
