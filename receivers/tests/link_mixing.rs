//! Link mixing in the CPU chain (receivers::ofdm_chain, `OfdmPrepared::mix`): codebook
//! precoding folds W into the drawn (rx, port) channels exactly, and TDL spatial correlation
//! gives the drawn links the TS 38.101-4 correlation structure.

use receivers::ofdm_chain::{transmit_and_receive, OfdmPrepared, OfdmScratch};
use sim_core::rng::BlockRng;
use sim_core::scenario::resolve;
use sim_core::{Cf32, Constellation};

/// The path coefficients `[rx · layers + layer, symbols, paths]` of slots `slots` of the
/// scenario's first point, and the number of paths.
fn coefficients(text: &str, slots: std::ops::Range<u32>) -> (Vec<Vec<Cf32>>, usize) {
    let run = resolve(text, "p.toml").unwrap_or_else(|e| panic!("{e}"));
    let link = &run.link;
    let prep = OfdmPrepared::new(link.ofdm.as_ref().unwrap());
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let mut s = OfdmScratch::default();
    let p = run.points[0];
    let all = slots
        .map(|slot| {
            let rng = BlockRng::new(2, 0, slot);
            transmit_and_receive(
                link,
                &prep,
                codec.as_ref(),
                &constellation,
                &p,
                &rng,
                &mut s,
            );
            s.trace().coeffs.to_vec()
        })
        .collect();
    (all, prep.delays.len())
}

fn scenario(channel: &str, antennas: &str) -> String {
    format!(
        "name = \"p\"\nseed = 2\n[code]\ninfo_bits = 288\ncoded_bits = 576\n\
         crc = \"none\"\n[modulation]\nscheme = \"qpsk\"\n[ofdm]\nprbs = 4\n\
         [antennas]\n{antennas}\n[channel]\n{channel}\n[receiver]\nestimator = \"perfect\"\n\
         [sweep]\nsnr_db = [10.0]\n"
    )
}

const CDL: &str = "model = \"cdl\"\nprofile = \"C\"\nspeed_kmh = 30\ndirection = \"uplink\"";

/// The (rx, layer) path coefficients of a precoded CDL slot are exactly Σ_port W·(the
/// port's coefficients): 4-port VH TPMI 0 (I/2 on ports 0 and 1, the V-polarized
/// elements) gives half the coefficients of the 2-port V array (same elements, same
/// rays); 4-port V TPMI 14 is the linear combination of the 4-port unprecoded draw.
#[test]
fn precoded_coefficients_fold_w_into_the_port_channels() {
    let coeffs = |antennas: &str| coefficients(&scenario(CDL, antennas), 7..8).0.remove(0);
    let plain = coeffs("tx = 2\nrx = 2\nlayers = 2");
    let tpmi0 = coeffs(
        "tx = 4\nrx = 2\nlayers = 2\ntx_polarization = \"VH\"\nprecoding = \"codebook\"\n\
         tpmi = 0",
    );
    assert_eq!(plain.len(), tpmi0.len());
    assert!(plain.iter().any(|c| c[0] != 0.0));
    for (a, b) in plain.iter().zip(&tpmi0) {
        assert_eq!([a[0] * 0.5, a[1] * 0.5], *b);
    }
    let four = coeffs("tx = 4\nrx = 4\nlayers = 4");
    let tpmi14 = coeffs("tx = 4\nrx = 4\nlayers = 2\nprecoding = \"codebook\"\ntpmi = 14");
    let w = sim_core::precoding::precoder(4, 2, 14).unwrap();
    // The 4-layer unprecoded draw is the [rx · 4 + port] channel of the same array; the
    // chain sums the ports in order, skipping zero weights (none here), so equality is exact.
    let inner = four.len() / 16;
    let mut want = vec![[0f32; 2]; 4 * 2 * inner];
    for r in 0..4 {
        for l in 0..2 {
            for q in 0..4 {
                let c = w.w[q * 2 + l];
                for i in 0..inner {
                    let (v, d) = (
                        four[(r * 4 + q) * inner + i],
                        &mut want[(r * 2 + l) * inner + i],
                    );
                    d[0] += v[0] * c[0] - v[1] * c[1];
                    d[1] += v[0] * c[1] + v[1] * c[0];
                }
            }
        }
    }
    assert_eq!(want, tpmi14);
}

/// TDL spatial correlation (tx α = 0.3, rx β = 0.9, 2 ports to 4 antennas): over 1000
/// static TDL-A slots the normalized correlation E[h_i h_j*] / √(E|h_i|² E|h_j|²) of the path
/// coefficients of link pairs matches R_rx ⊗ R_tx (β^(1/9), β^(4/9), β between the receive
/// antennas, α between the ports) within 0.05, the powers stay 1 within 6%; without correlation the pairs are
/// uncorrelated (|ρ| < 0.05).
#[test]
fn spatially_correlated_tdl_links_have_the_kronecker_correlation() {
    const SLOTS: u32 = 1000;
    let tdl = "model = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100";
    let measure = |antennas: &str| {
        let text = scenario(tdl, antennas);
        let (nrx, ntx) = (4usize, 2usize);
        let links = nrx * ntx;
        let mut cross = vec![[0f64; 2]; links * links];
        let (all, paths) = coefficients(&text, 0..SLOTS);
        for c in &all {
            // Symbol 0 of every link (static channel: the other symbols repeat it).
            let nsym = c.len() / (links * paths);
            for i in 0..links {
                for j in 0..links {
                    for p in 0..paths {
                        let a = c[(i * nsym) * paths + p];
                        let b = c[(j * nsym) * paths + p];
                        let v = &mut cross[i * links + j];
                        v[0] += (a[0] * b[0] + a[1] * b[1]) as f64;
                        v[1] += (a[1] * b[0] - a[0] * b[1]) as f64;
                    }
                }
            }
        }
        (cross, SLOTS as f64, links)
    };
    let (cross, slots, links) = measure(
        "tx = 2\nrx = 4\nlayers = 2\ntx_correlation = 0.3\n\
         rx_correlation = 0.9",
    );
    let (a, b) = (0.3f64, 0.9f64);
    let side = |x: f64, d: usize, n: usize| x.powf((d as f64 / (n - 1) as f64).powi(2));
    for i in 0..links {
        let power = cross[i * links + i][0] / slots;
        assert!((power - 1.0).abs() < 0.06, "link {i} power {power}");
        for j in 0..links {
            let norm = (cross[i * links + i][0] * cross[j * links + j][0]).sqrt();
            let rho = cross[i * links + j][0] / norm;
            let want = side(b, (i / 2).abs_diff(j / 2), 4) * side(a, (i % 2).abs_diff(j % 2), 2);
            assert!(
                (rho - want).abs() < 0.05 && (cross[i * links + j][1] / norm).abs() < 0.05,
                "links {i}, {j}: ρ {rho:.3} vs {want:.3}"
            );
        }
    }
    let (cross, _, links) = measure("tx = 2\nrx = 4\nlayers = 2");
    for i in 0..links {
        for j in (0..links).filter(|&j| j != i) {
            let norm = (cross[i * links + i][0] * cross[j * links + j][0]).sqrt();
            let rho = cross[i * links + j][0].hypot(cross[i * links + j][1]) / norm;
            assert!(rho < 0.05, "i.i.d. links {i}, {j}: |ρ| {rho:.3}");
        }
    }
}
