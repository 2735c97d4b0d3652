//! Spatial correlation of TDL links (TR 38.901 §7.7.5.2, the TDL extension with a correlation
//! matrix): antenna i and j of one side correlate as x^(((i − j)/(N − 1))²), the structure of
//! the TS 38.101-4 / TS 38.104 multi-antenna correlation matrices (α at the transmitter, β at
//! the receiver), and the links (r, t) as R_rx ⊗ R_tx. The i.i.d. TDL draws are mixed by
//! R^{1/2} = R_rx^{1/2} ⊗ R_tx^{1/2} (the symmetric square root).

/// The N × N correlation matrix of one side with coefficient `x` (row-major).
pub fn correlation_matrix(n: usize, x: f64) -> Vec<f64> {
    let mut r = vec![1.0; n * n];
    if n > 1 {
        for i in 0..n {
            for j in 0..n {
                let d = (i as f64 - j as f64) / (n - 1) as f64;
                r[i * n + j] = if i == j { 1.0 } else { x.powf(d * d) };
            }
        }
    }
    r
}

/// The symmetric square root S (S·S = A) of a symmetric positive semi-definite matrix, by
/// cyclic Jacobi eigendecomposition (negative rounding-level eigenvalues clamped to 0).
pub fn symmetric_sqrt(a: &[f64], n: usize) -> Vec<f64> {
    assert_eq!(a.len(), n * n, "square matrix");
    let mut m = a.to_vec();
    let mut v: Vec<f64> = (0..n * n)
        .map(|i| if i / n == i % n { 1.0 } else { 0.0 })
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..n * n)
            .filter(|i| i / n != i % n)
            .map(|i| m[i] * m[i])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = m[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                // Rotation zeroing m[p][q].
                let theta = (m[q * n + q] - m[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (mkp, mkq) = (m[k * n + p], m[k * n + q]);
                    m[k * n + p] = c * mkp - s * mkq;
                    m[k * n + q] = s * mkp + c * mkq;
                }
                for k in 0..n {
                    let (mpk, mqk) = (m[p * n + k], m[q * n + k]);
                    m[p * n + k] = c * mpk - s * mqk;
                    m[q * n + k] = s * mpk + c * mqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    // S = V diag(√λ) Vᵀ.
    let roots: Vec<f64> = (0..n).map(|i| m[i * n + i].max(0.0).sqrt()).collect();
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            s[i * n + j] = (0..n).map(|k| v[i * n + k] * roots[k] * v[j * n + k]).sum();
        }
    }
    s
}

/// R^{1/2} over the links r · ntx + t: `[(r, t), (r', t')]` = S_rx[r, r'] · S_tx[t, t'].
pub fn link_correlation_sqrt(nrx: usize, ntx: usize, rx: f64, tx: f64) -> Vec<f64> {
    let srx = symmetric_sqrt(&correlation_matrix(nrx, rx), nrx);
    let stx = symmetric_sqrt(&correlation_matrix(ntx, tx), ntx);
    let links = nrx * ntx;
    let mut out = vec![0.0; links * links];
    for r in 0..nrx {
        for t in 0..ntx {
            for r2 in 0..nrx {
                for t2 in 0..ntx {
                    out[(r * ntx + t) * links + r2 * ntx + t2] =
                        srx[r * nrx + r2] * stx[t * ntx + t2];
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 4-antenna matrix of TS 38.101-4: 1, x^(1/9), x^(4/9), x along the first row.
    #[test]
    fn four_antenna_structure() {
        let r = correlation_matrix(4, 0.9);
        let want = [1.0, 0.9f64.powf(1.0 / 9.0), 0.9f64.powf(4.0 / 9.0), 0.9];
        for (a, b) in r[..4].iter().zip(want) {
            assert!((a - b).abs() < 1e-12);
        }
        assert_eq!(correlation_matrix(2, 0.3), vec![1.0, 0.3, 0.3, 1.0]);
        assert_eq!(correlation_matrix(1, 0.7), vec![1.0]);
        assert_eq!(correlation_matrix(3, 0.0), {
            let mut i = vec![0.0; 9];
            i[0] = 1.0;
            i[4] = 1.0;
            i[8] = 1.0;
            i
        });
    }

    /// S·S = R and S symmetric, for every side size and a range of coefficients.
    #[test]
    fn square_root_squares_back() {
        for n in [1, 2, 3, 4, 8] {
            for x in [0.0, 0.3, 0.9, 0.99] {
                let r = correlation_matrix(n, x);
                let s = symmetric_sqrt(&r, n);
                for i in 0..n {
                    for j in 0..n {
                        let ss: f64 = (0..n).map(|k| s[i * n + k] * s[k * n + j]).sum();
                        assert!((ss - r[i * n + j]).abs() < 1e-9, "n {n} x {x} ({i}, {j})");
                        assert!((s[i * n + j] - s[j * n + i]).abs() < 1e-12);
                    }
                }
            }
        }
    }

    /// The link matrix squares to R_rx ⊗ R_tx.
    #[test]
    fn link_matrix_is_the_kronecker_root() {
        let (nrx, ntx) = (2, 4);
        let s = link_correlation_sqrt(nrx, ntx, 0.9, 0.3);
        let (rr, rt) = (correlation_matrix(nrx, 0.9), correlation_matrix(ntx, 0.3));
        let links = nrx * ntx;
        for i in 0..links {
            for j in 0..links {
                let ss: f64 = (0..links)
                    .map(|k| s[i * links + k] * s[k * links + j])
                    .sum();
                let want = rr[(i / ntx) * nrx + j / ntx] * rt[(i % ntx) * ntx + j % ntx];
                assert!((ss - want).abs() < 1e-9);
            }
        }
    }
}
