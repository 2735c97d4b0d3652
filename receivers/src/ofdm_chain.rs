//! One OFDM slot through the CPU reference chain (frequency domain): the slot's code words
//! → QAM on the data resource elements, Kronecker QPSK pilots on the pilot symbols →
//! TDL, CDL (or AWGN) channel per receive antenna and resource element → noise → channel
//! estimate (perfect, or LS + interpolation) → single-stream combining/equalization → LLRs
//! → decoding of every code word.
//!
//! Resource elements are used symbol by symbol, subcarrier by subcarrier (frequency first),
//! skipping pilot symbols; code word c takes data REs [c·G/Q_m, (c+1)·G/Q_m). Data REs left
//! over carry nothing.

use crate::estimation::{ls_at_pilots, pilot_values, time_interpolate};
use channels::{Array, CdlModel, ElementPattern, TdlModel};
use sim_core::ldpc::{CodecWorkspace, TransportCodec};
use sim_core::link::{Coding, LinkSpec, OfdmSpec, PointSpec};
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::AntennaPattern;
use sim_core::scenario::schema::Estimator;
use sim_core::{BlockOutcome, Cf32, Constellation};

/// What an OFDM link needs built once.
pub struct OfdmPrepared {
    pub tdl: Option<TdlModel>,
    pub cdl: Option<CdlModel>,
    /// `[taps or clusters, subcarriers]` exp(−j2π f_k τ_l).
    pub phasors: Vec<Cf32>,
    /// `[pilot symbols, subcarriers]` known pilot values.
    pub pilots: Vec<Cf32>,
    /// `[symbols]` symbol start times (s).
    pub times: Vec<f64>,
}

impl OfdmPrepared {
    pub fn new(o: &OfdmSpec) -> Self {
        let tdl = o.tdl.as_ref().map(|t| {
            TdlModel::new(t.profile, t.delay_spread_s, t.doppler_hz).expect("profile checked")
        });
        let pattern = match o.antenna_pattern {
            AntennaPattern::Omni => ElementPattern::Omni,
            AntennaPattern::Tr38901 => ElementPattern::Tr38901,
        };
        let cdl = o.cdl.as_ref().map(|c| {
            let tx = Array::ula(1, o.antenna_spacing, pattern);
            let rx = Array::ula(o.rx_antennas, o.antenna_spacing, pattern);
            let mut m = CdlModel::new(c.profile, c.delay_spread_s, c.doppler_hz, tx, rx)
                .expect("profile checked");
            m.uplink = o.uplink;
            m
        });
        let k = o.subcarriers;
        let freqs: Vec<f64> = (0..k)
            .map(|i| (i as f64 - (k / 2) as f64) * o.subcarrier_spacing_hz)
            .collect();
        let delays: Vec<f64> = match (&tdl, &cdl) {
            (Some(m), _) => m.taps.iter().map(|t| t.delay_s).collect(),
            (_, Some(m)) => m.delays(),
            _ => Vec::new(),
        };
        let phasors = delays
            .iter()
            .flat_map(|&d| {
                freqs.iter().map(move |&f| {
                    let (s, c) = (-std::f64::consts::TAU * f * d).sin_cos();
                    [c as f32, s as f32]
                })
            })
            .collect();
        OfdmPrepared {
            tdl,
            cdl,
            phasors,
            pilots: pilot_values(o.pilot_symbols.len() * k),
            times: (0..o.symbols).map(|s| o.symbol_time_s(s)).collect(),
        }
    }
}

/// Per-thread buffers of the OFDM chain.
#[derive(Default)]
pub struct OfdmScratch {
    a: Vec<u8>,
    b: Vec<Vec<u8>>,
    f: Vec<u8>,
    x: Vec<Cf32>,
    coeffs: Vec<Cf32>,
    h: Vec<Cf32>,
    h_hat: Vec<Cf32>,
    err_var: Vec<f32>,
    y: Vec<Cf32>,
    noise: Vec<Cf32>,
    llr: Vec<f32>,
    b_hat: Vec<u8>,
    codec: CodecWorkspace,
}

fn cmul(a: Cf32, b: Cf32) -> Cf32 {
    [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]]
}

/// Simulates one slot; the outcome sums its code words (bit errors, wrong LDPC code blocks,
/// CRC failures, iterations).
pub fn simulate_slot(
    link: &LinkSpec,
    prep: &OfdmPrepared,
    codec: Option<&TransportCodec>,
    constellation: &Constellation,
    point: &PointSpec,
    rng: &BlockRng,
    s: &mut OfdmScratch,
) -> BlockOutcome {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let (nsym, nsc, nrx) = (o.symbols, o.subcarriers, o.rx_antennas);
    let qm = link.modulation.bits_per_symbol();
    let g = link.coded_bits;
    let a_len = link.info_bits;
    let cw = o.codewords;
    let n_re = nsym * nsc;
    // Transmitter: every code word's bits from one draw of the bits stream.
    s.a.resize(a_len * cw, 0);
    rng.bits(Stream::Bits, &mut s.a);
    s.f.resize(g * cw, 0);
    s.b.resize(cw, Vec::new());
    for c in 0..cw {
        let a = &s.a[c * a_len..(c + 1) * a_len];
        let f = &mut s.f[c * g..(c + 1) * g];
        match codec {
            Some(codec) => {
                codec.attach_tb_crc(a, &mut s.b[c]);
                codec.encode(&s.b[c], f, &mut s.codec);
            }
            None => {
                s.b[c].clear();
                s.b[c].extend_from_slice(a);
                f.copy_from_slice(a);
            }
        }
    }
    s.x.clear();
    s.x.resize(n_re, [0.0; 2]);
    let data_symbols = cw * g / qm;
    let mut mapped = vec![[0f32; 2]; data_symbols];
    constellation.map(&s.f, &mut mapped);
    let mut next = 0;
    let mut pilot_row = 0;
    for sym in 0..nsym {
        let row = &mut s.x[sym * nsc..(sym + 1) * nsc];
        if o.pilot_symbols.contains(&sym) {
            row.copy_from_slice(&prep.pilots[pilot_row * nsc..(pilot_row + 1) * nsc]);
            pilot_row += 1;
            continue;
        }
        let take = (data_symbols - next).min(nsc);
        row[..take].copy_from_slice(&mapped[next..next + take]);
        next += take;
    }
    // Channel: H[rx, symbol, subcarrier], constant within a symbol.
    s.h.resize(nrx * n_re, [0.0; 2]);
    // Path coefficients `[rx, symbols, paths]`, then H = Σ_paths coefficient · phasor.
    let paths = match (&prep.tdl, &prep.cdl) {
        (Some(m), _) => {
            let nt = m.taps.len();
            s.coeffs.resize(nrx * nsym * nt, [0.0; 2]);
            for r in 0..nrx {
                let block = &mut s.coeffs[r * nsym * nt..(r + 1) * nsym * nt];
                m.coefficients(rng, r, &prep.times, block);
            }
            nt
        }
        (_, Some(m)) => {
            let nc = m.clusters.len();
            s.coeffs.resize(nrx * nsym * nc, [0.0; 2]);
            m.coefficients(rng, &prep.times, &mut s.coeffs);
            nc
        }
        _ => 0,
    };
    if paths == 0 {
        s.h.iter_mut().for_each(|v| *v = [1.0, 0.0]);
    } else {
        for r in 0..nrx {
            for sym in 0..nsym {
                let hrow = &mut s.h[(r * nsym + sym) * nsc..(r * nsym + sym + 1) * nsc];
                hrow.iter_mut().for_each(|v| *v = [0.0; 2]);
                let at = (r * nsym + sym) * paths;
                for (l, c) in s.coeffs[at..at + paths].iter().enumerate() {
                    let ph = &prep.phasors[l * nsc..(l + 1) * nsc];
                    for (hv, p) in hrow.iter_mut().zip(ph) {
                        let t = cmul(*c, *p);
                        hv[0] += t[0];
                        hv[1] += t[1];
                    }
                }
            }
        }
    }
    // y = H·x + n on every antenna.
    s.y.resize(nrx * n_re, [0.0; 2]);
    s.noise.resize(nrx * n_re, [0.0; 2]);
    rng.complex_gaussian(Stream::Noise, point.no, &mut s.noise);
    for r in 0..nrx {
        for i in 0..n_re {
            let t = cmul(s.h[r * n_re + i], s.x[i]);
            let n = s.noise[r * n_re + i];
            s.y[r * n_re + i] = [t[0] + n[0], t[1] + n[1]];
        }
    }
    // Channel estimate and its error variance per RE.
    s.h_hat.resize(nrx * n_re, [0.0; 2]);
    s.err_var.resize(nrx * n_re, 0.0);
    match o.estimator {
        Estimator::Perfect | Estimator::Lmmse => {
            s.h_hat.copy_from_slice(&s.h);
            s.err_var.iter_mut().for_each(|v| *v = 0.0);
        }
        Estimator::Ls => {
            for r in 0..nrx {
                let range = r * n_re..(r + 1) * n_re;
                let at_pilots =
                    ls_at_pilots(&s.y[range.clone()], &prep.pilots, &o.pilot_symbols, nsc);
                time_interpolate(
                    &at_pilots,
                    &o.pilot_symbols,
                    nsym,
                    nsc,
                    o.interpolation,
                    point.no,
                    &mut s.h_hat[range.clone()],
                    &mut s.err_var[range],
                );
            }
        }
    }
    // Single stream: ZF and unbiased LMMSE are both maximum-ratio combining,
    // z = ĥᴴy / ‖ĥ‖², with post-equalization noise (N0 + σₑ²) / ‖ĥ‖².
    s.llr.resize(cw * g, 0.0);
    let mut re = 0;
    for sym in 0..nsym {
        if o.pilot_symbols.contains(&sym) {
            continue;
        }
        for k in 0..nsc {
            if re == data_symbols {
                break;
            }
            let i = sym * nsc + k;
            let (mut num, mut den, mut ev) = ([0f32; 2], 0f32, 0f32);
            for r in 0..nrx {
                let h = s.h_hat[r * n_re + i];
                let y = s.y[r * n_re + i];
                num[0] += h[0] * y[0] + h[1] * y[1];
                num[1] += h[0] * y[1] - h[1] * y[0];
                den += h[0] * h[0] + h[1] * h[1];
                ev += s.err_var[r * n_re + i];
            }
            let den = den.max(1e-30);
            let z = [num[0] / den, num[1] / den];
            let no_eff = (point.no + ev / nrx as f32) / den;
            constellation.demap(z, no_eff, link.demapper, &mut s.llr[re * qm..(re + 1) * qm]);
            re += 1;
        }
    }
    // Receiver: decode every code word.
    let mut out = BlockOutcome::default();
    for c in 0..cw {
        let llr = &s.llr[c * g..(c + 1) * g];
        let a = &s.a[c * a_len..(c + 1) * a_len];
        match (codec, &link.coding) {
            (Some(codec), Coding::Ldpc { params, .. }) => {
                s.b_hat.resize(params.b, 0);
                let d = codec.decode(llr, &mut s.b_hat, &mut s.codec);
                let errors = s.b_hat[..a_len]
                    .iter()
                    .zip(a)
                    .filter(|(x, y)| x != y)
                    .count();
                let data = codec.cb_data_bits();
                let wrong_cbs = (0..params.num_code_blocks)
                    .filter(|r| {
                        s.b_hat[r * data..(r + 1) * data] != s.b[c][r * data..(r + 1) * data]
                    })
                    .count();
                out.bit_errors += errors as u32;
                out.codeword_errors += (errors > 0) as u16;
                out.cb_errors = out.cb_errors.saturating_add(wrong_cbs as u16);
                out.crc_fail |= !d.crc_ok;
                out.iterations = out
                    .iterations
                    .saturating_add(d.iterations.min(u16::MAX as usize) as u16);
            }
            _ => {
                let errors = llr
                    .iter()
                    .zip(a)
                    .filter(|(&l, &b)| ((l < 0.0) as u8) != b)
                    .count();
                out.bit_errors += errors as u32;
                out.codeword_errors += (errors > 0) as u16;
                out.cb_errors = out.cb_errors.saturating_add((errors > 0) as u16);
            }
        }
    }
    out
}
