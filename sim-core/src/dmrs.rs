//! NR DMRS (TS 38.211 §7.4.1.1 PDSCH; §6.4.1.1.1.2 PUSCH with transform precoding): the pilot
//! values of each layer on the pilot symbols.
//! Positions (which symbols and subcarriers) are resolved with the scenario
//! ([`OfdmSpec::pilot_subcarriers`], `pilot_symbols`).

use crate::link::{DmrsSpec, OfdmSpec};
use crate::Cf32;

/// NR PDSCH DMRS values of layer t (TS 38.211 §7.4.1.1): on pilot symbol l, subcarrier k of
/// the layer's CDM group λ carries w_f(k′)·r(m), r(m) = (1 − 2c(2m) + j(1 − 2c(2m + 1)))/√2 of
/// the Gold sequence with c_init = (2¹⁷(14·n_s + l + 1)(2N_ID + 1) + 2N_ID) mod 2³¹ (slot
/// n_s = 0, n_SCID = 0), where m = 2n + k′ (type 1: k = 4n + 2k′ + λ; type 2:
/// k = 6n + k′ + 2λ); w_f(k′) = (±1)^k′ by port, w_t = 1. Returns `[pilot symbols,
/// subcarriers]`, zero off the layer's subcarriers.
///
/// With transform precoding (DFT-s-OFDM, one layer, type 1) the sequence is instead the
/// low-PAPR r(m) = r̄_{u,0}(m) of length M_sc/2 (TS 38.211 §6.4.1.1.1.2: α = 0, δ = 1; group
/// u = N_ID mod 30, no group or sequence hopping) on subcarrier k = 2m + Δ of every pilot
/// symbol.
pub fn dmrs_values(o: &OfdmSpec, d: &DmrsSpec, t: usize) -> Vec<Cf32> {
    let nsc = o.subcarriers;
    if o.transform_precoding {
        let r = crate::low_papr::base_sequence(d.n_id as usize % 30, 0, nsc / 2)
            .expect("DFT-s-OFDM allocations are 12·n_PRB subcarriers");
        let mut out = vec![[0f32; 2]; o.pilot_symbols.len() * nsc];
        for j in 0..o.pilot_symbols.len() {
            for k in o.pilot_subcarriers(t) {
                out[j * nsc + k] = r[k / 2];
            }
        }
        return out;
    }
    let a = std::f32::consts::FRAC_1_SQRT_2;
    let mut out = vec![[0f32; 2]; o.pilot_symbols.len() * nsc];
    for (j, &l) in o.pilot_symbols.iter().enumerate() {
        let n_id = d.n_id as u64;
        let c_init =
            (((1u64 << 17) * (l as u64 + 1) * (2 * n_id + 1) + 2 * n_id) % (1 << 31)) as u32;
        let c = crate::gold::gold_sequence(c_init, 2 * nsc + 4);
        let (g, cover) = o.dmrs_port(t);
        for k in o.pilot_subcarriers(t) {
            let (m, k_prime) = if d.config_type == 1 {
                (k / 2, (k / 2) % 2)
            } else {
                (2 * (k / 6) + (k % 6 - 2 * g), k % 6 - 2 * g)
            };
            let w = if k_prime == 1 { cover } else { 1.0 };
            out[j * nsc + k] = [
                w * a * (1.0 - 2.0 * c[2 * m] as f32),
                w * a * (1.0 - 2.0 * c[2 * m + 1] as f32),
            ];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::resolve;

    fn ofdm(pilots: &str, layers: usize) -> OfdmSpec {
        let text = format!(
            "name = 't'\n[code]\ninfo_bits = 100\nrate = 0.5\n[ofdm]\nnum_subcarriers = 24\n\
             [pilots]\n{pilots}\n[antennas]\ntx = {layers}\nrx = {layers}\nlayers = {layers}\n\
             [channel]\nmodel = 'tdl'\n[sweep]\nsnr_db = [1.0]\n"
        );
        resolve(&text, "t.toml")
            .unwrap_or_else(|e| panic!("{e}"))
            .link
            .ofdm
            .unwrap()
    }

    /// DMRS (TS 38.211 §7.4.1.1.2): type 1 puts layer t on k ≡ t (mod 2), type 2 on
    /// k mod 6 ∈ {2t, 2t+1}; the layers' sets are disjoint; positions follow Table
    /// 7.4.1.1.2-3; values are unit-modulus QPSK on the sets and zero elsewhere.
    #[test]
    fn dmrs_layout_and_values() {
        let o = ofdm(
            "pattern = 'dmrs'\ndmrs_type = 1\nadditional_positions = 2",
            2,
        );
        assert_eq!(o.pilot_symbols, vec![2, 7, 11]);
        assert_eq!(
            o.pilot_subcarriers(0),
            (0..24).step_by(2).collect::<Vec<_>>()
        );
        assert_eq!(
            o.pilot_subcarriers(1),
            (1..24).step_by(2).collect::<Vec<_>>()
        );
        assert_eq!(o.pilot_res(), 3 * 24);
        let o2 = ofdm(
            "pattern = 'dmrs'\ndmrs_type = 2\nadditional_positions = 0",
            1,
        );
        assert_eq!(o2.pilot_symbols, vec![2]);
        assert_eq!(o2.pilot_subcarriers(0), vec![0, 1, 6, 7, 12, 13, 18, 19]);
        assert_eq!(o2.pilot_res(), 8);
        let v = dmrs_values(&o2, o2.dmrs.as_ref().unwrap(), 0);
        for (k, p) in v.iter().enumerate() {
            let mag = p[0] * p[0] + p[1] * p[1];
            let expect = if o2.pilot_subcarriers(0).contains(&k) {
                1.0
            } else {
                0.0
            };
            assert!((mag - expect).abs() < 1e-6, "k {k}");
        }
        // Different symbols get different sequences.
        let v1 = dmrs_values(&o, o.dmrs.as_ref().unwrap(), 0);
        assert_ne!(v1[..24], v1[24..48]);
        assert!(!o.dmrs_cdm());
        // Four layers on type 1: ports 1000-1003, two per CDM group with covers ±1.
        let o4 = ofdm("pattern = 'dmrs'\ndmrs_type = 1", 4);
        assert!(o4.dmrs_cdm());
        assert_eq!(o4.pilot_subcarriers(1), o4.pilot_subcarriers(0));
        assert_eq!(
            o4.pilot_subcarriers(3),
            (1..24).step_by(2).collect::<Vec<_>>()
        );
        let (p0, p1) = (
            dmrs_values(&o4, o4.dmrs.as_ref().unwrap(), 0),
            dmrs_values(&o4, o4.dmrs.as_ref().unwrap(), 1),
        );
        // Same sequence; the second port negates the k' = 1 subcarriers (k = 2, 6, 10, ...).
        assert_eq!(p0[0], p1[0]);
        assert_eq!(p0[2], [-p1[2][0], -p1[2][1]]);
        assert_eq!(o4.pilot_res(), 2 * 4 * 12);
        let kron = ofdm("pattern = 'kronecker'", 2);
        assert_eq!(kron.pilot_symbols, vec![2, 11]);
        assert_eq!(kron.pilot_res(), 2 * 24);
    }

    /// With transform precoding (TS 38.211 §6.4.1.1.1.2) the type-1 DMRS carries the
    /// low-PAPR sequence r̄_{u,0} of length M_sc/2, u = N_ID mod 30, on subcarriers 2m, the
    /// same on every pilot symbol: 24 subcarriers → Table 5.2.2.2-2 (length 12), N_ID 31 → u 1.
    #[test]
    fn transform_precoding_dmrs_is_low_papr() {
        let text = "name = 't'\n[code]\nmcs = 5\n[ofdm]\nnum_subcarriers = 24\n\
                    transform_precoding = true\n[pilots]\npattern = 'dmrs'\nn_id = 31\n\
                    additional_positions = 1\n[channel]\nmodel = 'tdl'\n[sweep]\nsnr_db = [1.0]\n";
        let o = resolve(text, "t.toml").unwrap().link.ofdm.unwrap();
        let v = dmrs_values(&o, o.dmrs.as_ref().unwrap(), 0);
        let r = crate::low_papr::base_sequence(1, 0, 12).unwrap();
        for j in 0..2 {
            for k in 0..24 {
                let want = if k % 2 == 0 { r[k / 2] } else { [0.0; 2] };
                assert_eq!(v[j * 24 + k], want, "symbol {j}, subcarrier {k}");
            }
        }
    }
}
