//! Codebook precoding of TS 38.211 §6.3.1.5 (PUSCH, transform precoding disabled): the
//! precoding matrix W (antenna ports × layers) that maps the layers' symbols onto the
//! transmit antenna ports, z = W·x per resource element, chosen by its TPMI.
//!
//! The tables are data (`data/ts38211_pusch_precoding.csv`, with their source), not code.
//! W is used as tabulated: its total power ‖W‖²_F is 1 for the TPMIs that use every port and
//! less for those that leave ports silent (the standard's normalization).

use crate::data::data_fields;
use crate::Cf32;
use serde::Serialize;

const TABLE: &str = include_str!("../data/ts38211_pusch_precoding.csv");

/// One precoding matrix of the tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Precoder {
    /// The 38.211 table it comes from, e.g. "6.3.1.5-5".
    pub table: &'static str,
    pub ports: usize,
    pub layers: usize,
    pub tpmi: usize,
    /// `[ports, layers]` row-major: w[p · layers + l] weights layer l on port p.
    pub w: Vec<Cf32>,
}

fn entry(s: &str, scale: f32) -> Option<Cf32> {
    Some(match s {
        "0" => [0.0, 0.0],
        "1" => [scale, 0.0],
        "-1" => [-scale, 0.0],
        "j" => [0.0, scale],
        "-j" => [0.0, -scale],
        _ => return None,
    })
}

/// Every precoding matrix of the tables, in file order.
pub fn codebook() -> Vec<Precoder> {
    data_fields(TABLE)
        .map(|f| {
            let num = |i: usize| f[i].parse::<usize>().expect("precoding table number");
            let (ports, layers, tpmi, norm) = (num(1), num(2), num(3), num(4));
            let scale = 1.0 / (norm as f32).sqrt();
            let rows: Vec<&str> = f[5].split(';').collect();
            assert_eq!(rows.len(), ports, "precoding table: ports of TPMI {tpmi}");
            let w: Vec<Cf32> = rows
                .iter()
                .flat_map(|r| r.split_whitespace())
                .map(|e| entry(e, scale).expect("precoding table entry"))
                .collect();
            assert_eq!(
                w.len(),
                ports * layers,
                "precoding table: size of TPMI {tpmi}"
            );
            Precoder {
                table: f[0],
                ports,
                layers,
                tpmi,
                w,
            }
        })
        .collect()
}

/// The TPMIs for `layers` layers on `ports` ports: (table, count), or `None` where the
/// standard has no codebook (ports other than 2 and 4, more layers than ports).
pub fn tpmi_range(ports: usize, layers: usize) -> Option<(&'static str, usize)> {
    let all = codebook();
    let of: Vec<&Precoder> = all
        .iter()
        .filter(|p| p.ports == ports && p.layers == layers)
        .collect();
    of.first().map(|p| (p.table, of.len()))
}

/// The precoding matrix for `layers` layers on `ports` ports with this TPMI.
pub fn precoder(ports: usize, layers: usize, tpmi: usize) -> Option<Precoder> {
    codebook()
        .into_iter()
        .find(|p| p.ports == ports && p.layers == layers && p.tpmi == tpmi)
}

/// Mixes per-link arrays: `phys` holds `[links_in, inner]` values (e.g. path coefficients of
/// every drawn (rx, port) link), `out` gets `[rows, inner]` with row i = Σ_j m[i, j] ·
/// phys[j] (`m` is `[rows, links_in]`; zero weights are skipped).
pub fn mix_links(phys: &[Cf32], m: &[Cf32], rows: usize, inner: usize, out: &mut Vec<Cf32>) {
    let cols = phys.len() / inner.max(1);
    assert_eq!(m.len(), rows * cols, "mixing matrix");
    out.clear();
    out.resize(rows * inner, [0.0; 2]);
    for i in 0..rows {
        let dst = &mut out[i * inner..(i + 1) * inner];
        for j in 0..cols {
            let c = m[i * cols + j];
            if c == [0.0, 0.0] {
                continue;
            }
            let src = &phys[j * inner..(j + 1) * inner];
            for (d, v) in dst.iter_mut().zip(src) {
                d[0] += v[0] * c[0] - v[1] * c[1];
                d[1] += v[0] * c[1] + v[1] * c[0];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mix_links with M = I_rx ⊗ Wᵀ is H·W per receive antenna and inner index.
    #[test]
    fn mixing_by_the_precoder_is_the_matrix_product() {
        let w = precoder(4, 2, 17).unwrap();
        let (rx, inner) = (3, 5);
        let phys: Vec<Cf32> = (0..rx * 4 * inner)
            .map(|i| [(i as f32 * 0.37).sin(), (i as f32 * 0.91).cos()])
            .collect();
        let mut m = vec![[0.0; 2]; rx * 2 * rx * 4];
        for r in 0..rx {
            for l in 0..2 {
                for q in 0..4 {
                    m[(r * 2 + l) * rx * 4 + r * 4 + q] = w.w[q * 2 + l];
                }
            }
        }
        let mut out = Vec::new();
        mix_links(&phys, &m, rx * 2, inner, &mut out);
        for r in 0..rx {
            for l in 0..2 {
                for i in 0..inner {
                    let mut want = [0f64; 2];
                    for q in 0..4 {
                        let h = phys[(r * 4 + q) * inner + i];
                        let c = w.w[q * 2 + l];
                        want[0] += (h[0] * c[0] - h[1] * c[1]) as f64;
                        want[1] += (h[0] * c[1] + h[1] * c[0]) as f64;
                    }
                    let got = out[(r * 2 + l) * inner + i];
                    assert!((got[0] as f64 - want[0]).abs() < 1e-6);
                    assert!((got[1] as f64 - want[1]).abs() < 1e-6);
                }
            }
        }
    }

    fn inner(p: &Precoder, a: usize, b: usize) -> (f64, f64) {
        // w_aᴴ w_b over the ports.
        (0..p.ports).fold((0.0, 0.0), |(re, im), q| {
            let x = p.w[q * p.layers + a];
            let y = p.w[q * p.layers + b];
            (
                re + (x[0] * y[0] + x[1] * y[1]) as f64,
                im + (x[0] * y[1] - x[1] * y[0]) as f64,
            )
        })
    }

    /// Table sizes of §6.3.1.5.
    #[test]
    fn every_table_has_the_standard_number_of_tpmis() {
        for (ports, layers, table, n) in [
            (2, 1, "6.3.1.5-1", 6),
            (4, 1, "6.3.1.5-3", 28),
            (2, 2, "6.3.1.5-4", 3),
            (4, 2, "6.3.1.5-5", 22),
            (4, 3, "6.3.1.5-6", 7),
            (4, 4, "6.3.1.5-7", 5),
        ] {
            assert_eq!(tpmi_range(ports, layers), Some((table, n)), "{table}");
            for tpmi in 0..n {
                assert_eq!(precoder(ports, layers, tpmi).unwrap().tpmi, tpmi);
            }
            assert!(precoder(ports, layers, n).is_none());
        }
        for (ports, layers) in [(1, 1), (3, 1), (2, 3), (8, 2)] {
            assert_eq!(tpmi_range(ports, layers), None);
        }
        assert_eq!(codebook().len(), 6 + 28 + 3 + 22 + 7 + 5);
    }

    /// Every W has orthogonal columns (of equal power except the partially coherent 3-layer
    /// TPMIs 1 and 2), entries of one modulus or 0, total power 1 when every port transmits
    /// and less otherwise; no TPMI repeats within a table.
    #[test]
    fn matrices_are_orthogonal_equal_power_and_distinct() {
        let all = codebook();
        for p in &all {
            let mut total = 0.0;
            for a in 0..p.layers {
                total += inner(p, a, a).0;
                for b in 0..p.layers {
                    let (re, im) = inner(p, a, b);
                    let want = if a == b { re } else { 0.0 };
                    assert!(
                        (re - want).abs() < 1e-6 && im.abs() < 1e-6,
                        "{} TPMI {} columns {a}, {b}",
                        p.table,
                        p.tpmi
                    );
                }
            }
            let mags: Vec<f32> = p.w.iter().map(|c| c[0].hypot(c[1])).collect();
            let top = mags.iter().cloned().fold(0.0, f32::max);
            assert!(mags.iter().all(|&m| m == 0.0 || (m - top).abs() < 1e-6));
            let active = (0..p.ports)
                .filter(|&q| (0..p.layers).any(|l| mags[q * p.layers + l] > 0.0))
                .count();
            if active == p.ports {
                assert!((total - 1.0).abs() < 1e-6, "{} TPMI {}", p.table, p.tpmi);
            } else {
                assert!(total < 1.0 - 1e-6, "{} TPMI {}", p.table, p.tpmi);
            }
            let powers: Vec<f64> = (0..p.layers).map(|a| inner(p, a, a).0).collect();
            let unequal = powers.iter().any(|&x| (x - powers[0]).abs() > 1e-6);
            assert_eq!(
                unequal,
                p.layers == 3 && (p.tpmi == 1 || p.tpmi == 2),
                "{} TPMI {} column powers {powers:?}",
                p.table,
                p.tpmi
            );
            for q in all.iter().filter(|q| q.table == p.table && q.tpmi > p.tpmi) {
                assert_ne!(q.w, p.w, "{} TPMI {} and {}", p.table, p.tpmi, q.tpmi);
            }
        }
    }

    /// Spot values read from the standard's tables (independently of the data file).
    #[test]
    fn spot_values_from_the_standard() {
        let r2 = std::f32::consts::FRAC_1_SQRT_2;
        let close = |a: Cf32, b: Cf32| (a[0] - b[0]).abs() < 1e-6 && (a[1] - b[1]).abs() < 1e-6;
        // Table 6.3.1.5-1, TPMI 4: (1, j)ᵀ/√2.
        let w = precoder(2, 1, 4).unwrap().w;
        assert!(close(w[0], [r2, 0.0]) && close(w[1], [0.0, r2]));
        // Table 6.3.1.5-7, TPMI 1: W[0][0] = 1/(2√2), W[2][1] = −1/(2√2), W[1][2] = 1/(2√2).
        let s = 1.0 / (2.0 * 2f32.sqrt());
        let w = precoder(4, 4, 1).unwrap().w;
        assert!(close(w[0], [s, 0.0]) && close(w[2 * 4 + 1], [-s, 0.0]));
        assert!(close(w[4 + 2], [s, 0.0]));
        // TPMI 4: W[2][0] = j/4, W[3][1] = −j/4.
        let w = precoder(4, 4, 4).unwrap().w;
        assert!(close(w[2 * 4], [0.0, 0.25]) && close(w[3 * 4 + 1], [0.0, -0.25]));
        // Table 6.3.1.5-6, TPMI 6: W[2][0] = j/(2√3); TPMI 1: W[2][0] = 1/2, W[3][2] = 1/2.
        let w = precoder(4, 3, 6).unwrap().w;
        assert!(close(w[2 * 3], [0.0, 1.0 / (2.0 * 3f32.sqrt())]));
        let w = precoder(4, 3, 1).unwrap().w;
        assert!(close(w[2 * 3], [0.5, 0.0]) && close(w[3 * 3 + 2], [0.5, 0.0]));
        // Table 6.3.1.5-5, TPMI 20: port 1 carries −j/(2√2) on both layers.
        let w = precoder(4, 2, 20).unwrap().w;
        assert!(close(w[2], [0.0, -s]) && close(w[3], [0.0, -s]));
    }
}
