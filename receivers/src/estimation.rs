//! Pilot-based channel estimation for OFDM slots: least squares at Kronecker pilots (known
//! QPSK on every subcarrier of the pilot symbols), then interpolation in time.

use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::Interpolation;
use sim_core::Cf32;

/// `n` unit-modulus QPSK pilot values, the same for every slot and run (a fixed Philox
/// sequence, so the receiver knows them).
pub fn pilot_values(n: usize) -> Vec<Cf32> {
    let mut bits = vec![0u8; 2 * n];
    BlockRng::new(0x5049_4C4F_5453, 0, 0).bits(Stream::Bits, &mut bits);
    let a = std::f32::consts::FRAC_1_SQRT_2;
    bits.chunks_exact(2)
        .map(|b| [a * (1.0 - 2.0 * b[0] as f32), a * (1.0 - 2.0 * b[1] as f32)])
        .collect()
}

/// LS estimates ĥ = y·p* at the pilot REs (|p| = 1).
///
/// * `y` — `[symbols, subcarriers]` received grid of one antenna;
/// * `pilots` — `[pilot symbols, subcarriers]`; returns `[pilot symbols, subcarriers]`.
pub fn ls_at_pilots(y: &[Cf32], pilots: &[Cf32], pilot_symbols: &[usize], nsc: usize) -> Vec<Cf32> {
    let mut out = Vec::with_capacity(pilot_symbols.len() * nsc);
    for (j, &sym) in pilot_symbols.iter().enumerate() {
        for k in 0..nsc {
            let (v, p) = (y[sym * nsc + k], pilots[j * nsc + k]);
            out.push([v[0] * p[0] + v[1] * p[1], v[1] * p[0] - v[0] * p[1]]);
        }
    }
    out
}

/// Fills every symbol of the grid from the pilot-symbol estimates, with the estimate's
/// noise-induced error variance (N0 at a pilot; ((1 − w)² + w²)·N0 between two).
///
/// * `at_pilots` — `[pilot symbols, subcarriers]`; writes `h_hat` and `err_var`
///   `[symbols, subcarriers]`.
#[allow(clippy::too_many_arguments)]
pub fn time_interpolate(
    at_pilots: &[Cf32],
    pilot_symbols: &[usize],
    nsym: usize,
    nsc: usize,
    interpolation: Interpolation,
    no: f32,
    h_hat: &mut [Cf32],
    err_var: &mut [f32],
) {
    let last = pilot_symbols.len() - 1;
    for sym in 0..nsym {
        // The pilot symbols around `sym` and the weight of the later one.
        let after = pilot_symbols.iter().position(|&p| p >= sym).unwrap_or(last);
        let before = if pilot_symbols[after] > sym && after > 0 {
            after - 1
        } else {
            after
        };
        let (j0, j1, w) = match interpolation {
            Interpolation::Linear if before != after => {
                let (p0, p1) = (pilot_symbols[before], pilot_symbols[after]);
                (before, after, (sym - p0) as f32 / (p1 - p0) as f32)
            }
            Interpolation::Linear => (after, after, 0.0),
            Interpolation::Nearest => {
                let d = |j: usize| pilot_symbols[j].abs_diff(sym);
                let j = if d(before) <= d(after) { before } else { after };
                (j, j, 0.0)
            }
        };
        let var = ((1.0 - w) * (1.0 - w) + w * w) * no;
        for k in 0..nsc {
            let (a, b) = (at_pilots[j0 * nsc + k], at_pilots[j1 * nsc + k]);
            h_hat[sym * nsc + k] = [(1.0 - w) * a[0] + w * b[0], (1.0 - w) * a[1] + w * b[1]];
            err_var[sym * nsc + k] = var;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise-free LS recovers the channel at the pilots; linear interpolation is exact for
    /// a channel linear in time and constant beyond the outer pilots; nearest takes the
    /// closer pilot symbol.
    #[test]
    fn ls_and_interpolation_on_known_channels() {
        let (nsym, nsc) = (14, 5);
        let pilot_symbols = [2, 11];
        let pilots = pilot_values(2 * nsc);
        assert!(pilots
            .iter()
            .all(|p| (p[0] * p[0] + p[1] * p[1] - 1.0).abs() < 1e-6));
        // h(s, k) = (0.1·s + k, −0.2·s): linear in the symbol index.
        let h = |s: usize, k: usize| [0.1 * s as f32 + k as f32, -0.2 * s as f32];
        let mut y = vec![[0f32; 2]; nsym * nsc];
        for (j, &s) in pilot_symbols.iter().enumerate() {
            for k in 0..nsc {
                let (hv, p) = (h(s, k), pilots[j * nsc + k]);
                y[s * nsc + k] = [hv[0] * p[0] - hv[1] * p[1], hv[0] * p[1] + hv[1] * p[0]];
            }
        }
        let at = ls_at_pilots(&y, &pilots, &pilot_symbols, nsc);
        let (mut hh, mut ev) = (vec![[0f32; 2]; nsym * nsc], vec![0f32; nsym * nsc]);
        time_interpolate(
            &at,
            &pilot_symbols,
            nsym,
            nsc,
            Interpolation::Linear,
            0.5,
            &mut hh,
            &mut ev,
        );
        for s in 0..nsym {
            let clamped = s.clamp(2, 11);
            for k in 0..nsc {
                let (e, g) = (h(clamped, k), hh[s * nsc + k]);
                assert!(
                    (e[0] - g[0]).abs() < 1e-5 && (e[1] - g[1]).abs() < 1e-5,
                    "s {s} k {k}"
                );
            }
        }
        assert!((ev[2 * nsc] - 0.5).abs() < 1e-6);
        let w = 4.0 / 9.0f32; // symbol 6 between pilots 2 and 11
        assert!((ev[6 * nsc] - ((1.0 - w).powi(2) + w * w) * 0.5).abs() < 1e-6);
        time_interpolate(
            &at,
            &pilot_symbols,
            nsym,
            nsc,
            Interpolation::Nearest,
            0.5,
            &mut hh,
            &mut ev,
        );
        for s in 0..nsym {
            let nearest = if s <= 6 { 2 } else { 11 };
            let (e, g) = (h(nearest, 3), hh[s * nsc + 3]);
            assert!(
                (e[0] - g[0]).abs() < 1e-5 && (e[1] - g[1]).abs() < 1e-5,
                "s {s}"
            );
        }
    }
}
