//! Linear MIMO detection per resource element: zero forcing and LMMSE for y = H·x + n with
//! N_R receive antennas and N_L ≤ 8 layers, unit-energy symbols, noise CN(0, N0·I).
//!
//! Outputs are unbiased per-layer estimates z_l = x_l + e_l with their error variance, as the
//! demapper takes them:
//! * ZF: z = (HᴴH)⁻¹Hᴴy, var_l = N0·[(HᴴH)⁻¹]_ll;
//! * LMMSE: x̂ = (HᴴH + N0·I)⁻¹Hᴴy, μ_l = [(HᴴH + N0·I)⁻¹HᴴH]_ll = 1 − N0·[(HᴴH + N0·I)⁻¹]_ll,
//!   z_l = x̂_l / μ_l, var_l = (1 − μ_l)/μ_l; the post-equalization SINR is
//!   1/[(I + HᴴH/N0)⁻¹]_ll − 1 = μ_l/(1 − μ_l).

use sim_core::scenario::schema::EqualizerKind;
use sim_core::Cf32;

/// Complex f64 as (re, im).
pub type C64 = [f64; 2];

/// Largest number of layers.
pub const MAX_LAYERS: usize = 8;

fn mul(a: C64, b: C64) -> C64 {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

fn conj_mul(a: C64, b: C64) -> C64 {
    [a[0] * b[0] + a[1] * b[1], a[0] * b[1] - a[1] * b[0]]
}

/// Inverts the `n × n` matrix `m` (row-major) in place by Gauss-Jordan elimination with
/// partial pivoting; false if it is singular.
fn invert(m: &mut [C64], n: usize) -> bool {
    let mut inv = vec![[0.0; 2]; n * n];
    for i in 0..n {
        inv[i * n + i] = [1.0, 0.0];
    }
    for col in 0..n {
        let norm = |v: C64| v[0] * v[0] + v[1] * v[1];
        let pivot = (col..n)
            .max_by(|&a, &b| norm(m[a * n + col]).total_cmp(&norm(m[b * n + col])))
            .expect("non-empty range");
        let p = m[pivot * n + col];
        let pn = norm(p);
        if pn < 1e-300 {
            return false;
        }
        for k in 0..n {
            m.swap(pivot * n + k, col * n + k);
            inv.swap(pivot * n + k, col * n + k);
        }
        let r = [p[0] / pn, -p[1] / pn];
        for k in 0..n {
            m[col * n + k] = mul(m[col * n + k], r);
            inv[col * n + k] = mul(inv[col * n + k], r);
        }
        for row in 0..n {
            if row == col {
                continue;
            }
            let f = m[row * n + col];
            if f == [0.0, 0.0] {
                continue;
            }
            for k in 0..n {
                let (a, b) = (mul(f, m[col * n + k]), mul(f, inv[col * n + k]));
                m[row * n + k] = [m[row * n + k][0] - a[0], m[row * n + k][1] - a[1]];
                inv[row * n + k] = [inv[row * n + k][0] - b[0], inv[row * n + k][1] - b[1]];
            }
        }
    }
    m.copy_from_slice(&inv);
    true
}

/// Detects the `nl` layers of one resource element.
///
/// * `h` — `[nr, nl]` channel (estimate), row-major; `y` — `[nr]`;
/// * `no` — noise variance per receive antenna (plus any channel-estimate error);
/// * writes `z` `[nl]` unbiased estimates and `var` `[nl]` their error variances.
pub fn detect(
    h: &[Cf32],
    y: &[Cf32],
    no: f32,
    kind: EqualizerKind,
    z: &mut [Cf32],
    var: &mut [f32],
) {
    let (nr, nl) = (y.len(), z.len());
    assert!(nl <= MAX_LAYERS && h.len() == nr * nl && var.len() == nl);
    let c = |v: Cf32| [v[0] as f64, v[1] as f64];
    let no = no as f64;
    // G = HᴴH (+ N0·I), b = Hᴴy.
    let mut g = vec![[0.0; 2]; nl * nl];
    let mut b = [[0.0; 2]; MAX_LAYERS];
    for r in 0..nr {
        for i in 0..nl {
            let hi = c(h[r * nl + i]);
            let t = conj_mul(hi, c(y[r]));
            b[i] = [b[i][0] + t[0], b[i][1] + t[1]];
            for j in 0..nl {
                let t = conj_mul(hi, c(h[r * nl + j]));
                g[i * nl + j] = [g[i * nl + j][0] + t[0], g[i * nl + j][1] + t[1]];
            }
        }
    }
    let lmmse = kind == EqualizerKind::Lmmse;
    if lmmse {
        for i in 0..nl {
            g[i * nl + i][0] += no;
        }
    }
    if !invert(&mut g, nl) {
        // A rank-deficient channel: nothing can be said about the layers.
        z.iter_mut().for_each(|v| *v = [0.0; 2]);
        var.iter_mut().for_each(|v| *v = 1e30);
        return;
    }
    for l in 0..nl {
        let mut x = [0.0; 2];
        for j in 0..nl {
            let t = mul(g[l * nl + j], b[j]);
            x = [x[0] + t[0], x[1] + t[1]];
        }
        let d = g[l * nl + l][0];
        if lmmse {
            let mu = (1.0 - no * d).max(1e-12);
            z[l] = [(x[0] / mu) as f32, (x[1] / mu) as f32];
            var[l] = ((1.0 - mu) / mu).max(1e-12) as f32;
        } else {
            z[l] = [x[0] as f32, x[1] as f32];
            var[l] = (no * d).max(1e-12) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::rng::{BlockRng, Stream};

    /// On a fixed 4 × 2 channel, the empirical mean squared error of the unbiased ZF and
    /// LMMSE outputs over 200,000 noisy observations matches the closed-form variance within
    /// 2% (the estimate's relative standard error is √(2/200000) ≈ 0.3%), and the LMMSE
    /// SINR μ/(1 − μ) equals 1/[(I + HᴴH/N0)⁻¹]_ll − 1 computed independently.
    #[test]
    fn post_equalization_error_matches_closed_form() {
        let (nr, nl) = (4, 2);
        let h: Vec<Cf32> = vec![
            [0.9, 0.1],
            [0.3, -0.5],
            [-0.2, 0.4],
            [0.7, 0.2],
            [0.1, -0.8],
            [0.5, 0.5],
            [0.6, 0.0],
            [-0.3, 0.2],
        ];
        let no = 0.3f32;
        let n = 200_000;
        for kind in [EqualizerKind::Zf, EqualizerKind::Lmmse] {
            let mut mse = [0f64; 2];
            let mut predicted = [0f32; 2];
            for i in 0..n {
                let rng = BlockRng::new(5, 0, i);
                let mut xs = [[0f32; 2]; 2];
                rng.complex_gaussian(Stream::Bits, 1.0, &mut xs);
                let mut noise = [[0f32; 2]; 4];
                rng.complex_gaussian(Stream::Noise, no, &mut noise);
                let y: Vec<Cf32> = (0..nr)
                    .map(|r| {
                        let mut acc = noise[r];
                        for l in 0..nl {
                            let (a, x) = (h[r * nl + l], xs[l]);
                            acc[0] += a[0] * x[0] - a[1] * x[1];
                            acc[1] += a[0] * x[1] + a[1] * x[0];
                        }
                        acc
                    })
                    .collect();
                let (mut z, mut var) = ([[0f32; 2]; 2], [0f32; 2]);
                detect(&h, &y, no, kind, &mut z, &mut var);
                predicted = var;
                for l in 0..nl {
                    let e = [(z[l][0] - xs[l][0]) as f64, (z[l][1] - xs[l][1]) as f64];
                    mse[l] += (e[0] * e[0] + e[1] * e[1]) / n as f64;
                }
            }
            for l in 0..nl {
                let rel = mse[l] / predicted[l] as f64 - 1.0;
                assert!(
                    rel.abs() < 0.02,
                    "{kind:?} layer {l}: MSE {} vs {}",
                    mse[l],
                    predicted[l]
                );
            }
            if kind == EqualizerKind::Lmmse {
                // Independent closed form: (I + HᴴH/N0)⁻¹.
                let mut m = vec![[0.0f64; 2]; 4];
                for i in 0..2 {
                    for j in 0..2 {
                        let mut acc = [if i == j { 1.0 } else { 0.0 }, 0.0];
                        for r in 0..nr {
                            let t = conj_mul(
                                [h[r * 2 + i][0] as f64, h[r * 2 + i][1] as f64],
                                [h[r * 2 + j][0] as f64, h[r * 2 + j][1] as f64],
                            );
                            acc = [acc[0] + t[0] / no as f64, acc[1] + t[1] / no as f64];
                        }
                        m[i * 2 + j] = acc;
                    }
                }
                assert!(invert(&mut m, 2));
                for l in 0..2 {
                    let sinr = 1.0 / m[l * 2 + l][0] - 1.0;
                    let got = 1.0 / predicted[l] as f64;
                    assert!(
                        (sinr / got - 1.0).abs() < 1e-4,
                        "layer {l}: {got} vs {sinr}"
                    );
                }
            }
        }
    }

    /// One layer: ZF and LMMSE both reduce to maximum-ratio combining.
    #[test]
    fn single_layer_is_mrc() {
        let h = [[0.6f32, -0.2], [0.1, 0.9]];
        let y = [[0.3f32, 0.1], [-0.4, 0.8]];
        let den = 0.36 + 0.04 + 0.01 + 0.81;
        let num = [
            0.6 * 0.3 - 0.2 * 0.1 + 0.1 * -0.4 + 0.9 * 0.8,
            0.6 * 0.1 + 0.2 * 0.3 + 0.1 * 0.8 - 0.9 * -0.4,
        ];
        for kind in [EqualizerKind::Zf, EqualizerKind::Lmmse] {
            let (mut z, mut var) = ([[0f32; 2]; 1], [0f32; 1]);
            detect(&h, &y, 0.5, kind, &mut z, &mut var);
            assert!(
                (z[0][0] - num[0] / den).abs() < 1e-5 && (z[0][1] - num[1] / den).abs() < 1e-5,
                "{kind:?}"
            );
            assert!((var[0] - 0.5 / den).abs() < 1e-5, "{kind:?}");
        }
    }
}
