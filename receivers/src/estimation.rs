//! Pilot-based channel estimation for OFDM slots: least squares at Kronecker pilots (known
//! QPSK on every subcarrier of the pilot symbols), then interpolation in time.

use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::{Extrapolation, Interpolation};
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

/// LS estimates of the channel from one transmit stream on the pilot symbols, with their
/// noise-induced error variance.
///
/// The stream sends its pilots on the subcarriers `set` (ascending) and nothing on the
/// others (the layers' sets are disjoint). There ĥ = y·p* (|p| = 1, error variance N0);
/// between two members ĥ is interpolated linearly in frequency (variance
/// ((1 − w)² + w²)·N0), and beyond the outer ones held or continued linearly
/// (`extrapolation`, the same variance formula with w outside [0, 1]).
///
/// * `y` — `[symbols, subcarriers]` received grid of one antenna;
/// * `pilots` — `[pilot symbols, subcarriers]` pilot values;
/// * returns `[pilot symbols, subcarriers]` estimates and variances.
#[allow(clippy::too_many_arguments)]
pub fn ls_at_pilots(
    y: &[Cf32],
    pilots: &[Cf32],
    pilot_symbols: &[usize],
    nsc: usize,
    set: &[usize],
    no: f32,
    cdm_pairs: bool,
    extrapolation: Extrapolation,
) -> (Vec<Cf32>, Vec<f32>) {
    let mut h = Vec::with_capacity(pilot_symbols.len() * nsc);
    let mut var = Vec::with_capacity(pilot_symbols.len() * nsc);
    // With code-division multiplexing (w_f = ±1 over pairs of the set), averaging the pair's
    // LS values cancels the other port of the group and halves the noise (the channel is
    // taken as equal on the two subcarriers).
    let member_var = if cdm_pairs { no / 2.0 } else { no };
    let mut raw = vec![[0f32; 2]; set.len()];
    for (j, &sym) in pilot_symbols.iter().enumerate() {
        for (r, &k) in raw.iter_mut().zip(set) {
            let (v, p) = (y[sym * nsc + k], pilots[j * nsc + k]);
            *r = [v[0] * p[0] + v[1] * p[1], v[1] * p[0] - v[0] * p[1]];
        }
        if cdm_pairs {
            for pair in raw.chunks_exact_mut(2) {
                let m = [
                    (pair[0][0] + pair[1][0]) / 2.0,
                    (pair[0][1] + pair[1][1]) / 2.0,
                ];
                pair[0] = m;
                pair[1] = m;
            }
        }
        for k in 0..nsc {
            let (i0, i1, w) = frequency_weights(set, k, extrapolation);
            let (a, b) = (raw[i0], raw[i1]);
            h.push([(1.0 - w) * a[0] + w * b[0], (1.0 - w) * a[1] + w * b[1]]);
            var.push(((1.0 - w) * (1.0 - w) + w * w) * member_var);
        }
    }
    (h, var)
}

/// Fills every symbol of the grid from the pilot-symbol estimates; the error variance of a
/// weighted sum is (1 − w)²·v₀ + w²·v₁.
///
/// * `at_pilots`, `var_at_pilots` — `[pilot symbols, subcarriers]`; writes `h_hat` and
///   `err_var` `[symbols, subcarriers]`.
#[allow(clippy::too_many_arguments)]
pub fn time_interpolate(
    at_pilots: &[Cf32],
    var_at_pilots: &[f32],
    pilot_symbols: &[usize],
    nsym: usize,
    nsc: usize,
    interpolation: Interpolation,
    extrapolation: Extrapolation,
    h_hat: &mut [Cf32],
    err_var: &mut [f32],
) {
    for sym in 0..nsym {
        let (j0, j1, w) = time_weights(pilot_symbols, sym, interpolation, extrapolation);
        for k in 0..nsc {
            let (a, b) = (at_pilots[j0 * nsc + k], at_pilots[j1 * nsc + k]);
            h_hat[sym * nsc + k] = [(1.0 - w) * a[0] + w * b[0], (1.0 - w) * a[1] + w * b[1]];
            let (v0, v1) = (var_at_pilots[j0 * nsc + k], var_at_pilots[j1 * nsc + k]);
            err_var[sym * nsc + k] = (1.0 - w) * (1.0 - w) * v0 + w * w * v1;
        }
    }
}

/// Pilot rows around symbol `s` and the weight of the later one, as [`time_interpolate`] uses
/// them. Beyond the outer pilot symbols linear extrapolation takes the two outer ones with a
/// weight below 0 or above 1 (Sionna's `LinearInterpolator`); hold takes the outer one.
pub fn time_weights(
    pilot_symbols: &[usize],
    s: usize,
    interp: Interpolation,
    extrapolation: Extrapolation,
) -> (usize, usize, f32) {
    let last = pilot_symbols.len() - 1;
    if interp == Interpolation::Linear && extrapolation == Extrapolation::Linear && last > 0 {
        return line_through_neighbours(pilot_symbols, s);
    }
    let after = pilot_symbols.iter().position(|&p| p >= s).unwrap_or(last);
    let before = if pilot_symbols[after] > s && after > 0 {
        after - 1
    } else {
        after
    };
    match interp {
        Interpolation::Linear if before != after => {
            let (p0, p1) = (pilot_symbols[before], pilot_symbols[after]);
            (before, after, (s - p0) as f32 / (p1 - p0) as f32)
        }
        Interpolation::Linear => (after, after, 0.0),
        Interpolation::Nearest => {
            let d = |j: usize| pilot_symbols[j].abs_diff(s);
            let j = if d(before) <= d(after) { before } else { after };
            (j, j, 0.0)
        }
    }
}

/// Linear interpolation with linear extrapolation on an ascending list of at least two
/// positions (pilot symbols or a comb's subcarriers): the indices of the two positions around
/// `x` (the two outer ones beyond either end) and the weight of the later, below 0 or above 1
/// outside the list, as Sionna's `LinearInterpolator`.
fn line_through_neighbours(sorted: &[usize], x: usize) -> (usize, usize, f32) {
    let i1 = sorted
        .partition_point(|&p| p < x)
        .clamp(1, sorted.len() - 1);
    let (x0, x1) = (sorted[i1 - 1], sorted[i1]);
    (i1 - 1, i1, (x as f32 - x0 as f32) / (x1 - x0) as f32)
}

/// Indices in `set` (ascending) of the members around subcarrier `k` and the weight of the
/// upper one, as [`ls_at_pilots`] interpolates (beyond the ends held, or continued through the
/// two outer members).
pub fn frequency_weights(
    set: &[usize],
    k: usize,
    extrapolation: Extrapolation,
) -> (usize, usize, f32) {
    if extrapolation == Extrapolation::Linear && set.len() > 1 {
        return line_through_neighbours(set, k);
    }
    let next = set.partition_point(|&m| m < k);
    let (i0, i1) = match (next.checked_sub(1), set.get(next)) {
        (_, Some(&hi)) if hi == k => (next, next),
        (Some(lo), Some(_)) => (lo, next),
        (Some(lo), None) => (lo, lo),
        (None, _) => (next, next),
    };
    let (k0, k1) = (set[i0], set[i1]);
    let w = if k1 > k0 {
        (k - k0) as f32 / (k1 - k0) as f32
    } else {
        0.0
    };
    (i0, i1, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Noise-free LS recovers the channel at the pilots; linear interpolation is exact for
    /// a channel linear in time and constant beyond the outer pilots, and with linear
    /// extrapolation exact on every symbol (error variance (1 − w)² + w² times N0 with
    /// w = −2/9 at symbol 0, as Sionna's line through pilots 2 and 11); nearest takes the
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
        let (at, var) = ls_at_pilots(
            &y,
            &pilots,
            &pilot_symbols,
            nsc,
            &(0..nsc).collect::<Vec<_>>(),
            0.5,
            false,
            Extrapolation::Hold,
        );
        let (mut hh, mut ev) = (vec![[0f32; 2]; nsym * nsc], vec![0f32; nsym * nsc]);
        let lin = Interpolation::Linear;
        for extrap in [Extrapolation::Hold, Extrapolation::Linear] {
            time_interpolate(
                &at,
                &var,
                &pilot_symbols,
                nsym,
                nsc,
                lin,
                extrap,
                &mut hh,
                &mut ev,
            );
            for s in 0..nsym {
                let truth = match extrap {
                    Extrapolation::Hold => s.clamp(2, 11),
                    Extrapolation::Linear => s,
                };
                for k in 0..nsc {
                    let (e, g) = (h(truth, k), hh[s * nsc + k]);
                    assert!(
                        (e[0] - g[0]).abs() < 1e-5 && (e[1] - g[1]).abs() < 1e-5,
                        "{extrap:?} s {s} k {k}"
                    );
                }
            }
            assert!((ev[2 * nsc] - 0.5).abs() < 1e-6);
            let w = 4.0 / 9.0f32; // symbol 6 between pilots 2 and 11
            assert!((ev[6 * nsc] - ((1.0 - w).powi(2) + w * w) * 0.5).abs() < 1e-6);
            let (w0, w13) = match extrap {
                Extrapolation::Hold => (0.0f32, 1.0f32),
                Extrapolation::Linear => (-2.0 / 9.0, 11.0 / 9.0),
            };
            for (s, w) in [(0, w0), (13, w13)] {
                let expect = ((1.0 - w).powi(2) + w * w) * 0.5;
                assert!((ev[s * nsc] - expect).abs() < 1e-6, "{extrap:?} s {s}");
            }
        }
        let near = Interpolation::Nearest;
        let hold = Extrapolation::Hold;
        time_interpolate(
            &at,
            &var,
            &pilot_symbols,
            nsym,
            nsc,
            near,
            hold,
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

    /// Two streams on orthogonal combs: stream 1's LS estimate on even subcarriers is the
    /// linear interpolation of its odd neighbours, exact for a channel linear in frequency.
    #[test]
    fn comb_pilots_interpolate_in_frequency() {
        let nsc = 8;
        let pilots = pilot_values(nsc);
        let h = |k: usize| [1.0 + 0.25 * k as f32, -0.5 * k as f32];
        // Stream 1 alone transmits on odd subcarriers of the one pilot symbol (symbol 0).
        let y: Vec<Cf32> = (0..nsc)
            .map(|k| match k % 2 {
                1 => {
                    let (a, p) = (h(k), pilots[k]);
                    [a[0] * p[0] - a[1] * p[1], a[0] * p[1] + a[1] * p[0]]
                }
                _ => [0.0, 0.0],
            })
            .collect();
        let comb = [1, 3, 5, 7];
        let ls = |e| ls_at_pilots(&y, &pilots, &[0], nsc, &comb, 1.0, false, e);
        let (est, var) = ls(Extrapolation::Hold);
        for k in 1..nsc {
            let e = h(k);
            assert!(
                (est[k][0] - e[0]).abs() < 1e-5 && (est[k][1] - e[1]).abs() < 1e-5,
                "k {k}"
            );
            let expect = if k % 2 == 1 { 1.0 } else { 0.5 };
            assert!((var[k] - expect).abs() < 1e-6, "k {k}");
        }
        // Below the first comb position: held constant, or (linear extrapolation) on the
        // line through subcarriers 1 and 3, w = −1/2: variance (1.5² + 0.5²)·N0.
        assert_eq!(est[0], est[1]);
        let (est, var) = ls(Extrapolation::Linear);
        for (k, g) in est.iter().enumerate() {
            let e = h(k);
            assert!(
                (g[0] - e[0]).abs() < 1e-5 && (g[1] - e[1]).abs() < 1e-5,
                "k {k}"
            );
        }
        assert!((var[0] - 2.5).abs() < 1e-6);
    }

    /// Two ports code-division multiplexed on the same pairs of subcarriers (w_f = [+1, +1]
    /// and [+1, −1]): averaging each pair's LS values separates them exactly when the
    /// channel is flat over the pair, and the error variance halves.
    #[test]
    fn cdm_pairs_separate_two_ports() {
        let nsc = 8;
        let set = [0usize, 2, 4, 6];
        let r = pilot_values(nsc);
        let (ha, hb) = ([0.8f32, -0.3], [-0.2f32, 0.5]);
        let mul = |a: Cf32, b: Cf32| [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
        // Port b's pilots carry the orthogonal cover −1 on the second member of each pair.
        let mut pb = r.clone();
        for (i, &k) in set.iter().enumerate() {
            if i % 2 == 1 {
                pb[k] = [-r[k][0], -r[k][1]];
            }
        }
        let y: Vec<Cf32> = (0..nsc)
            .map(|k| {
                let (a, b) = (mul(ha, r[k]), mul(hb, pb[k]));
                [a[0] + b[0], a[1] + b[1]]
            })
            .collect();
        for (pilots, h) in [(&r, ha), (&pb, hb)] {
            let (est, var) =
                ls_at_pilots(&y, pilots, &[0], nsc, &set, 1.0, true, Extrapolation::Hold);
            for &k in &set {
                assert!(
                    (est[k][0] - h[0]).abs() < 1e-5 && (est[k][1] - h[1]).abs() < 1e-5,
                    "k {k}"
                );
                assert!((var[k] - 0.5).abs() < 1e-6);
            }
        }
    }
}
