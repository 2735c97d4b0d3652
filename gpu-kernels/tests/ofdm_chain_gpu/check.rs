//! The slot-by-slot comparison of the GPU OFDM chain with the CPU reference that every test
//! of this binary runs.

use gpu_kernels::{GpuContext, GpuLinkChain};
use receivers::ofdm_chain::{simulate_slot, OfdmPrepared, OfdmScratch};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::resolve;
use sim_core::{Cf32, Constellation};

pub const SEED: u64 = 11;

/// An OFDM scenario: 48 subcarriers (4 PRBs), 14 symbols, LDPC R = 1/2 unless `code` says.
pub fn scenario(body: &str, code: &str) -> String {
    format!(
        "name = \"t\"\nseed = {SEED}\n[code]\n{code}\n[ofdm]\ncarrier_ghz = 4.0\n\
         subcarrier_spacing_khz = 30\nprbs = 4\nsymbols = 14\n{body}\n"
    )
}

pub const LDPC_QPSK: &str = "info_bits = 288\ncoded_bits = 576\ncrc = \"none\"\n\
     decoder = { algorithm = \"bp\", iterations = 10, early_stop = true }\n\
     [modulation]\nscheme = \"qpsk\"";

/// Largest |a − b| / max(1, |b|) over two complex arrays.
pub fn worst_complex(a: &[[f32; 2]], b: &[Cf32]) -> f64 {
    assert_eq!(a.len(), b.len(), "lengths");
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let d = ((x[0] - y[0]) as f64).hypot((x[1] - y[1]) as f64);
            d / (y[0] as f64).hypot(y[1] as f64).max(1.0)
        })
        .fold(0.0, f64::max)
}

/// Runs `slots` slots of the first point on the GPU (traced) and the CPU and compares.
pub fn check_slots(ctx: &GpuContext, text: &str, slots: usize) {
    let run = resolve(text, "test.toml").unwrap_or_else(|e| panic!("{e}"));
    let link = &run.link;
    let point = run.points[0];
    let o = link.ofdm.as_ref().expect("OFDM");
    let mut chain = GpuLinkChain::new(ctx, link).unwrap();
    let first = 300;
    let t = chain.run_traced(ctx, &point, SEED, first, slots).unwrap();
    let prep = OfdmPrepared::new(o);
    let codec = link.codec();
    let constellation = Constellation::new(link.modulation);
    let mut s = OfdmScratch::default();
    let (nsym, nsc, nrx, nl) = (o.symbols, o.subcarriers, o.rx_antennas, o.layers);
    let links = nrx * nl;
    let npilot = o.pilot_symbols.len();
    let g = link.coded_bits * o.codewords;
    let b_len = t.b.len() / (slots * o.codewords);
    let (mut worst_h, mut worst_y, mut worst_hp, mut worst_llr) = (0f64, 0f64, 0f64, 0f64);
    let mut same_outcomes = 0;
    for slot in 0..slots {
        let rng = BlockRng::new(SEED, point.index, (first + slot as u64) as u32);
        let cpu = simulate_slot(
            link,
            &prep,
            codec.as_ref(),
            &constellation,
            &point,
            &rng,
            &mut s,
        );
        let tr = s.trace();
        // Bits: code word c takes bits c·A … of the slot's stream.
        let mut a = vec![0u8; link.info_bits * o.codewords];
        rng.bits(Stream::Bits, &mut a);
        for c in 0..o.codewords {
            let tb = slot * o.codewords + c;
            let gpu: Vec<u8> = t.b[tb * b_len..tb * b_len + link.info_bits]
                .iter()
                .map(|&v| v as u8)
                .collect();
            assert_eq!(
                gpu,
                a[c * link.info_bits..(c + 1) * link.info_bits],
                "slot {slot} code word {c} bits"
            );
        }
        if !tr.coeffs.is_empty() {
            let per = tr.coeffs.len();
            worst_h = worst_h.max(worst_complex(
                &t.coeffs[slot * per..(slot + 1) * per],
                tr.coeffs,
            ));
        }
        let per = nrx * nsym * nsc;
        worst_y = worst_y.max(worst_complex(&t.y[slot * per..(slot + 1) * per], tr.y));
        if o.estimator != sim_core::scenario::schema::Estimator::Perfect {
            for l in 0..links {
                for (j, &ps) in o.pilot_symbols.iter().enumerate() {
                    for k in 0..nsc {
                        let v = t.hp[((slot * links + l) * npilot + j) * nsc + k];
                        let at = l * nsym * nsc + ps * nsc + k;
                        worst_hp = worst_hp.max(worst_complex(&[[v[0], v[1]]], &[tr.h_hat[at]]));
                        assert!(
                            (v[2] - tr.err_var[at]).abs() <= 1e-6 * tr.err_var[at].max(1e-3),
                            "error variance {} vs {}",
                            v[2],
                            tr.err_var[at]
                        );
                    }
                }
            }
        }
        for (x, y) in t.llr[slot * g..(slot + 1) * g].iter().zip(tr.llr) {
            worst_llr = worst_llr.max(((x - y).abs() / y.abs().max(1.0)) as f64);
        }
        // Decisions (which code words failed, CRC); bit counts of failed code words may differ
        // (a decoder that fails is chaotic in its input).
        let gpu = t.outcomes[slot];
        same_outcomes += (gpu.codeword_errors == cpu.codeword_errors
            && gpu.crc_fail == cpu.crc_fail
            && (cpu.codeword_errors > 0 || gpu == cpu)) as usize;
    }
    eprintln!(
        "worst relative differences: coefficients {worst_h:.2e}, grid {worst_y:.2e}, pilot \
         estimates {worst_hp:.2e}, LLRs {worst_llr:.2e}; outcomes equal on {same_outcomes}/{slots}"
    );
    assert!(worst_h < 2e-5, "coefficients {worst_h:e}");
    assert!(worst_y < 2e-5, "received grid {worst_y:e}");
    assert!(worst_hp < 2e-5, "pilot estimates {worst_hp:e}");
    // f32 Gauss-Jordan on the GPU vs f64 on the CPU: ill-conditioned MIMO channels lose digits.
    let llr_tolerance = if nl == 1 { 1e-4 } else { 1e-2 };
    assert!(worst_llr < llr_tolerance, "LLRs {worst_llr:e}");
    assert!(
        same_outcomes + slots / 20 >= slots,
        "outcomes equal on {same_outcomes}/{slots} slots"
    );
}
