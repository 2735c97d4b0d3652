//! Branch-free f32 `exp` and `ln` that the compiler can vectorize (std's call libm one value
//! at a time). Used by the sum-product decoder's φ function, where they run billions of times.
//! Accuracy: a few ulp over the ranges used (checked against std in the tests below).

const LN2_HI: f32 = 0.693_145_75;
const LN2_LO: f32 = 1.428_606_8e-6;
const LOG2E: f32 = std::f32::consts::LOG2_E;
/// 1.5 · 2²³: adding it rounds an f32 of magnitude < 2²² to an integer, kept in the low bits.
const ROUND_MAGIC: f32 = 12_582_912.0;

/// e^z (Cody-Waite range reduction, degree-7 Taylor polynomial). Inputs are clamped to
/// [−87, 88], so results below e^−87 ≈ 1.6e−38 come out as that value, not as a denormal.
#[inline(always)]
pub fn exp_f32(z: f32) -> f32 {
    let z = z.clamp(-87.0, 88.0);
    let k = z * LOG2E + ROUND_MAGIC;
    let n = k - ROUND_MAGIC;
    let ni = (k.to_bits() as i32).wrapping_sub(0x4B40_0000);
    let r = z - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    p * f32::from_bits(((ni + 127) << 23) as u32)
}

/// ln y for finite y > 0 (normal range): exponent split, then the atanh series on the
/// mantissa folded into [√½, √2).
#[inline(always)]
pub fn ln_f32(y: f32) -> f32 {
    let bits = y.to_bits();
    let mut e = ((bits >> 23) & 0xff) as i32 - 127;
    let mut m = f32::from_bits((bits & 0x007F_FFFF) | 0x3F80_0000);
    let big = m > std::f32::consts::SQRT_2;
    m = if big { m * 0.5 } else { m };
    e += big as i32;
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let s2 = s * s;
    let series = 1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0))));
    e as f32 * std::f32::consts::LN_2 + 2.0 * s * series
}

/// Input range of φ, as in Sionna's "boxplus-phi": below it φ would overflow, above it
/// e^x ± 1 is no longer distinguishable from e^x in f32.
pub const PHI_MIN: f32 = 8.5e-8;
pub const PHI_MAX: f32 = 16.635_532;

/// (sin 2πt, cos 2πt) from plain multiply-adds, so the CPU and the WGSL twin (philox.wgsl)
/// agree to rounding whatever the GPU's own sin/cos precision (Vulkan allows 2⁻¹¹ absolute).
/// Reduction to r ∈ [−π/4, π/4] by quarter turns is exact for the Box-Muller inputs
/// (multiples of 2⁻²⁵); Taylor series to r⁹ and r⁸ (error < 2e-9).
#[inline(always)]
pub fn sincos_turns(t: f32) -> (f32, f32) {
    let t = t - (t + 0.5).floor();
    let k = (4.0 * t + 0.5).floor();
    let r = (t - 0.25 * k) * std::f32::consts::TAU;
    let r2 = r * r;
    let s = r * (1.0 - r2 / 6.0 * (1.0 - r2 / 20.0 * (1.0 - r2 / 42.0 * (1.0 - r2 / 72.0))));
    let c = 1.0 - r2 / 2.0 * (1.0 - r2 / 12.0 * (1.0 - r2 / 30.0 * (1.0 - r2 / 56.0)));
    match (k as i32).rem_euclid(4) {
        0 => (s, c),
        1 => (c, -s),
        2 => (-s, -c),
        _ => (-c, s),
    }
}

/// φ(x) = −ln tanh(x/2) = ln((eˣ+1)/(eˣ−1)), the self-inverse map of the sum-product check
/// update, with x clamped to [`PHI_MIN`, `PHI_MAX`].
#[inline(always)]
pub fn phi(x: f32) -> f32 {
    let x = x.clamp(PHI_MIN, PHI_MAX);
    let t = exp_f32(-x);
    // 1 − e^{−x} by its series for small x, where the subtraction would cancel.
    let series =
        x * (1.0 - x / 2.0 * (1.0 - x / 3.0 * (1.0 - x / 4.0 * (1.0 - x / 5.0 * (1.0 - x / 6.0)))));
    let one_minus_t = if x < 0.25 { series } else { 1.0 - t };
    // φ = ln(1 + u) with u = 2t/(1−t); Goldberg's log1p keeps small u exact.
    let u = 2.0 * t / one_minus_t;
    let y = 1.0 + u;
    ln_f32(y) * (u / (y - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sincos_turns_matches_std() {
        for i in 0..=20_000 {
            let t = i as f32 / 20_000.0 - 0.3;
            let (s, c) = sincos_turns(t);
            let a = t as f64 * std::f64::consts::TAU;
            assert!((s as f64 - a.sin()).abs() < 3e-7, "sin 2π·{t}: {s}");
            assert!((c as f64 - a.cos()).abs() < 3e-7, "cos 2π·{t}: {c}");
        }
    }

    #[test]
    fn exp_ln_phi_match_std() {
        let mut x = -80.0f32;
        while x < 80.0 {
            let (a, b) = (exp_f32(x), x.exp());
            assert!(((a - b) / b).abs() < 1e-6, "exp({x}) = {a} vs {b}");
            x += 0.0137;
        }
        for x in [-1e4f32, -500.0, -88.5, f32::NEG_INFINITY] {
            let v = exp_f32(x);
            assert!((0.0..2e-38).contains(&v), "exp({x}) = {v}");
        }
        let mut y = 1e-30f32;
        while y < 1e30 {
            let (a, b) = (ln_f32(y), y.ln());
            assert!(
                (a - b).abs() < 1e-6 * b.abs().max(1.0),
                "ln({y}) = {a} vs {b}"
            );
            y *= 1.013;
        }
        let mut x = 1e-7f32;
        while x < 16.0 {
            let xd = x as f64;
            let exact = ((xd.exp() + 1.0) / (xd.exp() - 1.0)).ln();
            let a = phi(x) as f64;
            assert!(
                ((a - exact) / exact).abs() < 2e-5,
                "phi({x}) = {a} vs {exact}"
            );
            x *= 1.05;
        }
    }
}
