//! Detection and demapping of an OFDM slot's data resource elements (the receiver step after
//! estimation in [`crate::ofdm_chain`]): per data RE (PT-RS ones skipped) linear ZF/LMMSE
//! detection, ML or K-best list detection, or DFT-s-OFDM despreading, then the demapper's
//! LLRs in the code words' order.

use crate::kbest_detection::KBestDetector;
use crate::mimo::detect;
use crate::ml_detection::MlDetector;
use crate::ofdm_chain::OfdmScratch;
use crate::ofdm_prepared::OfdmPrepared;
use sim_core::link::{LinkSpec, PointSpec};
use sim_core::scenario::schema::EqualizerKind;
use sim_core::Constellation;

/// Detection and demapping of every data RE into `s.llr`.
pub(crate) fn detect_slot(
    link: &LinkSpec,
    prep: &OfdmPrepared,
    constellation: &Constellation,
    point: &PointSpec,
    s: &mut OfdmScratch,
) {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let (nsym, nsc, nrx, nl) = (o.symbols, o.subcarriers, o.rx_antennas, o.layers);
    let qm = link.modulation.bits_per_symbol();
    let n_re = nsym * nsc;
    let (cw, g) = (o.codewords, link.coded_bits);
    let data_symbols = cw * g / qm;
    // Detection per data RE (one layer: both equalizers are maximum-ratio combining); the
    // estimate's error adds Σ_t σₑ²(r, t) of noise on antenna r (averaged over antennas).
    s.llr.resize(cw * g, 0.0);
    let (mut hm, mut yv) = (vec![[0f32; 2]; nrx * nl], vec![[0f32; 2]; nrx]);
    let (mut z, mut var) = (vec![[0f32; 2]; nl], vec![0f32; nl]);
    let mut sym_out = 0;
    'grid: for sym in 0..nsym {
        if o.pilot_symbols.contains(&sym) {
            continue;
        }
        for k in 0..nsc {
            if o.is_ptrs(sym, k) {
                continue;
            }
            if sym_out >= data_symbols {
                break 'grid;
            }
            let i = sym * nsc + k;
            let mut ev = 0f32;
            for r in 0..nrx {
                yv[r] = s.y[r * n_re + i];
                for t in 0..nl {
                    hm[r * nl + t] = s.h_hat[(r * nl + t) * n_re + i];
                    ev += s.err_var[(r * nl + t) * n_re + i];
                }
            }
            let no = point.no + ev / nrx as f32;
            let ml = o.equalizer == EqualizerKind::Ml && nl > 1;
            if ml || o.equalizer == EqualizerKind::KBest {
                // (One layer: ML is combining and demapping, the linear path below.)
                s.ml_llr.resize(nl * qm, 0.0);
                if ml {
                    let ml = match s.ml.take() {
                        Some(d) if d.is_for(constellation, link.demapper) => s.ml.insert(d),
                        _ => s.ml.insert(MlDetector::new(constellation, link.demapper)),
                    };
                    ml.detect(&hm, &yv, no, &mut s.ml_llr);
                } else {
                    let (k, clip) = (o.kbest_paths, o.kbest_llr_clip);
                    let kb = match s.kbest.take() {
                        Some(d) if d.is_for(constellation, link.demapper, k, clip) => {
                            s.kbest.insert(d)
                        }
                        _ => s.kbest.insert(KBestDetector::new(
                            constellation,
                            link.demapper,
                            k,
                            clip,
                        )),
                    };
                    kb.detect(&hm, &yv, no, &mut s.ml_llr);
                }
                let n = (data_symbols - sym_out).min(nl) * qm;
                s.llr[sym_out * qm..sym_out * qm + n].copy_from_slice(&s.ml_llr[..n]);
                sym_out += n / qm;
                continue;
            }
            detect(&hm, &yv, no, o.equalizer, &mut z, &mut var);
            if let Some(p) = &prep.precoder {
                // DFT-s-OFDM (one layer, every subcarrier data): despread the whole symbol
                // once its last subcarrier is equalized, then demap its M symbols.
                s.tp_z.push(z[0]);
                s.tp_var.push(var[0]);
                if k + 1 == nsc {
                    let lmmse = o.equalizer == EqualizerKind::Lmmse;
                    let v = p.despread(&mut s.tp_z, &s.tp_var, lmmse, &mut s.tp);
                    for &zm in &s.tp_z {
                        let out = &mut s.llr[sym_out * qm..(sym_out + 1) * qm];
                        let zm = constellation.unturn(zm, sym_out % (g / qm));
                        constellation.demap(zm, v, link.demapper, out);
                        sym_out += 1;
                    }
                    s.tp_z.clear();
                    s.tp_var.clear();
                }
                continue;
            }
            for t in 0..nl {
                if sym_out < data_symbols {
                    let out = &mut s.llr[sym_out * qm..(sym_out + 1) * qm];
                    constellation.demap(z[t], var[t], link.demapper, out);
                    sym_out += 1;
                }
            }
        }
    }
}
