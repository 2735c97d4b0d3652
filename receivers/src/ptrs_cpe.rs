//! Common-phase-error compensation with PT-RS (TS 38.211 §7.4.1.2): the phase of each PT-RS
//! symbol relative to the channel estimate, as the unit phasor c_l = z/|z| of
//! z = Σ_r Σ_k y_{r,l,k}·(ĥ_{r,0,l,k}·p_k)* over the receive antennas and PT-RS subcarriers
//! (layer 0 carries the PT-RS; the other layers send nothing there); c = 1 on the DMRS
//! symbols (the estimate's own phase); the other symbols interpolate the phasors of the
//! nearest such symbols on either side linearly and renormalize (nlerp: within 0.2° of
//! interpolating the angle for steps below 0.5 rad, with no unwrapping and no trigonometry),
//! or take the nearest one's beyond the first and last. Every link's estimate on symbol l is
//! then multiplied by c_l, so the detector sees the phase the oscillator had there.
//! `shaders/ptrs.wgsl` `ofdm_ptrs_cpe` is its GPU twin.

use crate::ofdm_chain::OfdmScratch;
use crate::ofdm_prepared::OfdmPrepared;
use sim_core::link::OfdmSpec;
use sim_core::Cf32;

/// c of every symbol of the slot from the received grid `y` `[rx, symbols · subcarriers]`
/// and the estimates `h_hat` `[rx · layers + t, symbols · subcarriers]` (layer 0's used);
/// `out` `[symbols]` unit phasors. Without PT-RS, ones.
pub fn common_phase(
    o: &OfdmSpec,
    ptrs_values: &[Cf32],
    y: &[Cf32],
    h_hat: &[Cf32],
    out: &mut [[f64; 2]],
) {
    out.iter_mut().for_each(|v| *v = [1.0, 0.0]);
    let Some(p) = &o.ptrs else { return };
    let (nsc, nl) = (o.subcarriers, o.layers);
    let n_re = o.symbols * nsc;
    let mut is_ref = vec![false; o.symbols];
    for &l in &o.pilot_symbols {
        is_ref[l] = true;
    }
    for &l in &p.symbols {
        let mut z = [0f64; 2];
        for r in 0..o.rx_antennas {
            for &k in &p.subcarriers {
                let i = l * nsc + k;
                let (yv, h, x) = (y[r * n_re + i], h_hat[r * nl * n_re + i], ptrs_values[k]);
                let hx = [h[0] * x[0] - h[1] * x[1], h[0] * x[1] + h[1] * x[0]];
                z[0] += (yv[0] * hx[0] + yv[1] * hx[1]) as f64;
                z[1] += (yv[1] * hx[0] - yv[0] * hx[1]) as f64;
            }
        }
        let n = z[0].hypot(z[1]);
        if n > 0.0 {
            out[l] = [z[0] / n, z[1] / n];
        }
        is_ref[l] = true;
    }
    for l in 0..o.symbols {
        if is_ref[l] {
            continue;
        }
        let before = (0..l).rev().find(|&j| is_ref[j]);
        let after = (l + 1..o.symbols).find(|&j| is_ref[j]);
        out[l] = match (before, after) {
            (None, Some(a)) => out[a],
            (Some(b), None) => out[b],
            (Some(b), Some(a)) => {
                let w = (l - b) as f64 / (a - b) as f64;
                let v = [
                    (1.0 - w) * out[b][0] + w * out[a][0],
                    (1.0 - w) * out[b][1] + w * out[a][1],
                ];
                let n = v[0].hypot(v[1]);
                if n > 0.0 {
                    [v[0] / n, v[1] / n]
                } else {
                    [1.0, 0.0]
                }
            }
            (None, None) => [1.0, 0.0],
        };
    }
}

/// Turns every link's estimate in `s` by its symbol's common phase (no-op without PT-RS).
pub fn compensate(o: &OfdmSpec, prep: &OfdmPrepared, s: &mut OfdmScratch) {
    if o.ptrs.is_none() {
        return;
    }
    let (nsym, nsc) = (o.symbols, o.subcarriers);
    let mut c = vec![[1f64, 0.0]; nsym];
    common_phase(o, &prep.ptrs, &s.y, &s.h_hat, &mut c);
    for link in s.h_hat.chunks_mut(nsym * nsc) {
        for (l, row) in link.chunks_mut(nsc).enumerate() {
            let (cs, sn) = (c[l][0] as f32, c[l][1] as f32);
            for h in row {
                *h = [h[0] * cs - h[1] * sn, h[0] * sn + h[1] * cs];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::scenario::resolve;

    /// A slot whose symbol l is received as y = ĥ·x·e^{jθ_l} on every RE (no noise), θ_l up
    /// to ±0.9 rad: the PT-RS symbols (L = 2 with DMRS on 2 and 11: 0, 4, 6, 8, 10, 13) get
    /// e^{jθ_l} exactly, the DMRS symbols 1, and the others the normalized linear
    /// interpolation of their neighbours' phasors (symbol 1: between 0 and the DMRS at 2).
    #[test]
    fn common_phase_of_ptrs_symbols() {
        let text = "name = \"t\"\n[code]\ninfo_bits = 288\ncoded_bits = 576\ncrc = \"none\"\n\
             [ofdm]\nprbs = 4\n[pilots]\npattern = \"dmrs\"\nptrs = true\nptrs_time_density = 2\n\
             [antennas]\nrx = 2\n[channel]\nmodel = \"tdl\"\nprofile = \"A\"\n\
             delay_spread_ns = 100\n[receiver]\nestimator = \"ls\"\n[sweep]\nsnr_db = [5.0]\n";
        let run = resolve(text, "t.toml").unwrap_or_else(|e| panic!("{e}"));
        let o = run.link.ofdm.unwrap();
        let p = o.ptrs.clone().unwrap();
        assert_eq!(p.symbols, vec![0, 4, 6, 8, 10, 13]);
        let prep = OfdmPrepared::new(&o);
        let (nsym, nsc) = (o.symbols, o.subcarriers);
        let n_re = nsym * nsc;
        let theta: Vec<f64> = (0..nsym).map(|l| 0.9 * ((l as f64) * 1.7).sin()).collect();
        let mut h_hat = vec![[0f32; 2]; 2 * n_re];
        let mut y = vec![[0f32; 2]; 2 * n_re];
        for r in 0..2 {
            for i in 0..n_re {
                let (l, k) = (i / nsc, i % nsc);
                let h = [
                    0.3 + 0.1 * r as f32 + 0.01 * k as f32,
                    -0.2 + 0.02 * l as f32,
                ];
                h_hat[r * n_re + i] = h;
                let x = prep.ptrs[k];
                let hx = [h[0] * x[0] - h[1] * x[1], h[0] * x[1] + h[1] * x[0]];
                let (sn, cs) = theta[l].sin_cos();
                let (sn, cs) = (sn as f32, cs as f32);
                y[r * n_re + i] = [hx[0] * cs - hx[1] * sn, hx[0] * sn + hx[1] * cs];
            }
        }
        let mut c = vec![[0f64; 2]; nsym];
        common_phase(&o, &prep.ptrs, &y, &h_hat, &mut c);
        let phasor = |t: f64| [t.cos(), t.sin()];
        let close = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]) < 1e-5;
        for &l in &p.symbols {
            assert!(close(c[l], phasor(theta[l])), "symbol {l}: {:?}", c[l]);
        }
        for l in [2, 11] {
            assert_eq!(c[l], [1.0, 0.0]);
        }
        let nlerp = |a: [f64; 2], b: [f64; 2], w: f64| {
            let v = [(1.0 - w) * a[0] + w * b[0], (1.0 - w) * a[1] + w * b[1]];
            let n = v[0].hypot(v[1]);
            [v[0] / n, v[1] / n]
        };
        let one = [1.0, 0.0];
        assert!(close(c[1], nlerp(phasor(theta[0]), one, 0.5)));
        assert!(close(c[3], nlerp(one, phasor(theta[4]), 0.5)));
        assert!(close(c[12], nlerp(one, phasor(theta[13]), 0.5)));
        // The other symbols are not left at 1.
        assert!(!close(c[5], one) && !close(c[9], one));
    }
}
