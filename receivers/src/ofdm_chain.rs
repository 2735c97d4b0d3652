//! One OFDM slot through the CPU reference chain (frequency domain): the slot's code words
//! → QAM on the data resource elements, Kronecker QPSK pilots on the pilot symbols →
//! TDL, CDL (or AWGN) channel per receive antenna and resource element → noise → channel
//! estimate (perfect, or LS + interpolation) → single-stream combining/equalization → LLRs
//! → decoding of every code word.
//!
//! Resource elements are used symbol by symbol, subcarrier by subcarrier (frequency first),
//! skipping pilot symbols; code word c takes data REs [c·G/Q_m, (c+1)·G/Q_m). Data REs left
//! over carry nothing.

use crate::estimation::{ls_at_pilots, time_interpolate};
use crate::kbest_detection::KBestDetector;
use crate::ml_detection::MlDetector;
pub(crate) use crate::ofdm_detect::detect_slot;
use crate::transform_precoding::PrecoderScratch;
use channels::WaveformScratch;
use sim_core::ldpc::{CodecWorkspace, TransportCodec};
use sim_core::link::{Coding, LinkSpec, OfdmSpec, PointSpec};
use sim_core::precoding::mix_links;
use sim_core::rng::{BlockRng, Stream};
use sim_core::scenario::schema::{Estimator, Extrapolation, Interpolation};
use sim_core::{BlockOutcome, Cf32, Constellation};

pub use crate::ofdm_prepared::{time_domain_problem, OfdmPrepared};

/// Per-thread buffers of the OFDM chain.
#[derive(Default)]
pub struct OfdmScratch {
    pub(crate) a: Vec<u8>,
    pub(crate) b: Vec<Vec<u8>>,
    /// The slot's coded bits, code word after code word.
    pub(crate) f: Vec<u8>,
    mapped: Vec<Cf32>,
    x: Vec<Cf32>,
    coeffs: Vec<Cf32>,
    /// A scenario model's `[paths, subcarriers]` phasors of this slot's drop.
    phasors: Vec<Cf32>,
    /// Precoding / correlation: the `[rx · ports + port, times, paths]` coefficients drawn.
    phys: Vec<Cf32>,
    h: Vec<Cf32>,
    pub(crate) h_hat: Vec<Cf32>,
    pub(crate) err_var: Vec<f32>,
    pub(crate) y: Vec<Cf32>,
    noise: Vec<Cf32>,
    /// `[code words · G]` channel LLRs.
    pub(crate) llr: Vec<f32>,
    pub(crate) b_hat: Vec<u8>,
    pub(crate) codec: CodecWorkspace,
    /// Time domain: `[links, grid, paths]` coefficients, `[links, symbols]` ICI + ISI power and the
    /// FFT buffers.
    grid_coeffs: Vec<Cf32>,
    ici: Vec<f32>,
    wave: WaveformScratch,
    /// `[phase_noise]`: the slot's phase per sample.
    phase: Vec<f64>,
    /// DFT-s-OFDM: one symbol's equalized subcarriers and their variances, the DFT scratch.
    pub(crate) tp_z: Vec<Cf32>,
    pub(crate) tp_var: Vec<f32>,
    pub(crate) tp: PrecoderScratch,
    /// `equalizer = "ml"` / `"kbest"`: the detector (built on first use) and one RE's LLRs.
    pub(crate) ml: Option<MlDetector>,
    pub(crate) kbest: Option<KBestDetector>,
    pub(crate) ml_llr: Vec<f32>,
}

/// The intermediates of the last slot an [`OfdmScratch`] simulated (for agreement tests).
pub struct SlotTrace<'a> {
    /// `[rx · layers + tx, symbols, paths]` path coefficients (empty for AWGN).
    pub coeffs: &'a [Cf32],
    /// `[rx, symbols · subcarriers]` received grids.
    pub y: &'a [Cf32],
    /// `[rx · layers + tx, symbols · subcarriers]` channel estimates and error variances.
    pub h_hat: &'a [Cf32],
    pub err_var: &'a [f32],
    /// `[code words · G]` channel LLRs.
    pub llr: &'a [f32],
}

impl OfdmScratch {
    pub fn trace(&self) -> SlotTrace<'_> {
        SlotTrace {
            coeffs: &self.coeffs,
            y: &self.y,
            h_hat: &self.h_hat,
            err_var: &self.err_var,
            llr: &self.llr,
        }
    }
}

/// AWGN "channel" of link l = r · nl + t: receive antenna r hears layer r mod nl, gain 1.
fn awgn_gain(l: usize, nl: usize) -> Cf32 {
    if (l / nl) % nl == l % nl {
        [1.0, 0.0]
    } else {
        [0.0, 0.0]
    }
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
    transmit_and_receive(link, prep, codec, constellation, point, rng, s);
    estimate(
        o,
        prep,
        point,
        o.estimator,
        o.interpolation,
        o.extrapolation,
        s,
    );
    detect_slot(link, prep, constellation, point, s);
    decode_slot(link, codec, s)
}

/// The transmitter, the channel and the noise: fills the slot's payload (`a`), code words
/// (`f`), transmitted grid, true channel (where needed) and received grid `y`.
pub fn transmit_and_receive(
    link: &LinkSpec,
    prep: &OfdmPrepared,
    codec: Option<&TransportCodec>,
    constellation: &Constellation,
    point: &PointSpec,
    rng: &BlockRng,
    s: &mut OfdmScratch,
) {
    transmit_and_receive_with(link, prep, codec, constellation, point, rng, rng, s);
}

/// [`transmit_and_receive`] with the payload bits drawn from `payload_rng` and everything
/// else (channel, noise) from `rng`: a HARQ retransmission resends the block's payload over
/// a new channel.
#[allow(clippy::too_many_arguments)]
pub fn transmit_and_receive_with(
    link: &LinkSpec,
    prep: &OfdmPrepared,
    codec: Option<&TransportCodec>,
    constellation: &Constellation,
    point: &PointSpec,
    payload_rng: &BlockRng,
    rng: &BlockRng,
    s: &mut OfdmScratch,
) {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let (nsym, nsc, nrx, nl) = (o.symbols, o.subcarriers, o.rx_antennas, o.layers);
    let qm = link.modulation.bits_per_symbol();
    let g = link.coded_bits;
    let a_len = link.info_bits;
    let cw = o.codewords;
    let n_re = nsym * nsc;
    // Transmitter: every code word's bits from one draw of the bits stream.
    s.a.resize(a_len * cw, 0);
    payload_rng.bits(Stream::Bits, &mut s.a);
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
    // x[layer, symbol, subcarrier]: data symbol i goes to data RE i / nl, layer i % nl;
    // layer t's pilots sit on its pilot subcarriers (`pilot_sets[t]`) of the pilot symbols.
    s.x.clear();
    s.x.resize(nl * n_re, [0.0; 2]);
    let data_symbols = cw * g / qm;
    s.mapped.resize(data_symbols, [0.0; 2]);
    // One code word per call: π/2-BPSK turns by the symbol index within its code word.
    for (f, m) in s.f.chunks(g).zip(s.mapped.chunks_mut(g / qm)) {
        constellation.map(f, m);
    }
    let mut next = 0;
    let mut pilot_row = 0;
    for sym in 0..nsym {
        if o.pilot_symbols.contains(&sym) {
            for (t, set) in prep.pilot_sets.iter().enumerate() {
                for &k in set {
                    s.x[t * n_re + sym * nsc + k] = prep.pilots[t][pilot_row * nsc + k];
                }
            }
            pilot_row += 1;
            continue;
        }
        for k in 0..nsc {
            // PT-RS (layer 0 only, no data on any layer there).
            if o.is_ptrs(sym, k) {
                s.x[sym * nsc + k] = prep.ptrs[k];
                continue;
            }
            for t in 0..nl {
                if next < data_symbols {
                    s.x[t * n_re + sym * nsc + k] = s.mapped[next];
                    next += 1;
                }
            }
        }
        // DFT-s-OFDM: the symbol's M = K modulation symbols spread over its subcarriers.
        if let Some(p) = &prep.precoder {
            p.spread(&mut s.x[sym * nsc..(sym + 1) * nsc], &mut s.tp);
        }
    }
    // Path coefficients `[rx, tx, symbols, paths]`, then H = Σ_paths coefficient · phasor.
    // Time domain: coefficients on the waveform's sample grid; H (their averages over each
    // symbol's FFT window, the ICI-free part) is only perfect CSI there, so only made for it.
    let links = nrx * nl;
    // With codebook precoding or spatial correlation the channel is drawn for every (rx,
    // port) pair (link index r · ports + port, the streams' index) into `phys`, then mixed
    // into the (rx, layer) links (`OfdmPrepared::mix`: R^{1/2}, then W).
    let ntx = o.tx_ports;
    // Time domain: H only for perfect CSI and for `normalize` (its energy).
    let needs_h = prep.waveform.is_none() || o.estimator == Estimator::Perfect || o.normalize;
    let times = match &prep.waveform {
        Some(_) => &prep.grid_times,
        None => &prep.times,
    };
    let nt_times = times.len();
    let fine = if prep.waveform.is_some() {
        &mut s.grid_coeffs
    } else {
        &mut s.coeffs
    };
    let drawn = if prep.mix.is_some() {
        &mut s.phys
    } else {
        &mut *fine
    };
    // A TR 38.901 scenario model: this slot's drop, with its own path delays.
    let drop = prep.stochastic.as_ref().map(|g| g.drop(rng).0);
    let drop_delays = drop.as_ref().map(|m| m.delays());
    if let Some(d) = &drop_delays {
        crate::ofdm_prepared::path_phasors(d, &prep.freqs, &mut s.phasors);
    }
    let phasors = if drop.is_some() {
        &s.phasors
    } else {
        &prep.phasors
    };
    let paths = match (&prep.tdl, prep.cdl.as_ref().or(drop.as_ref())) {
        (Some(m), _) => {
            let nt = m.taps.len();
            drawn.resize(nrx * ntx * nt_times * nt, [0.0; 2]);
            for l in 0..nrx * ntx {
                let block = &mut drawn[l * nt_times * nt..(l + 1) * nt_times * nt];
                m.coefficients(rng, l, times, block);
            }
            nt
        }
        (_, Some(m)) => {
            let nc = m.clusters.len();
            drawn.resize(nrx * ntx * nt_times * nc, [0.0; 2]);
            m.coefficients(rng, times, drawn);
            nc
        }
        _ => {
            drawn.clear();
            0
        }
    };
    if let Some(m) = &prep.mix {
        mix_links(&s.phys, m, links, nt_times * paths, fine);
    }
    // The path delays the waveform uses: a scenario model's slot has its drop's; AWGN one
    // path of delay 0 per link.
    let delays = match (&drop_delays, paths) {
        (_, 0) => &[0.0][..],
        (Some(d), _) => d,
        (None, _) => &prep.delays,
    };
    s.ici.clear();
    s.ici.resize(links * nsym, 0.0);
    if let Some(w) = &prep.waveform {
        if needs_h {
            s.coeffs.resize(links * nsym * paths, [0.0; 2]);
            w.window_average(&s.grid_coeffs, links, paths, &mut s.coeffs, &mut s.ici);
            // Paths past the CP: their inter-symbol interference joins the ICI power.
            if paths > 0 {
                w.add_isi(
                    delays,
                    o.subcarrier_spacing_hz,
                    links,
                    &s.coeffs,
                    &mut s.ici,
                );
            }
        } else {
            s.coeffs.clear();
        }
    }
    // h[(rx · nl + tx), symbol, subcarrier]
    s.h.resize(links * n_re, [0.0; 2]);
    if needs_h && paths == 0 {
        for l in 0..links {
            s.h[l * n_re..(l + 1) * n_re].fill(awgn_gain(l, nl));
        }
    } else if needs_h {
        for l in 0..links {
            for sym in 0..nsym {
                let hrow = &mut s.h[(l * nsym + sym) * nsc..(l * nsym + sym + 1) * nsc];
                hrow.iter_mut().for_each(|v| *v = [0.0; 2]);
                let at = (l * nsym + sym) * paths;
                for (p, c) in s.coeffs[at..at + paths].iter().enumerate() {
                    let ph = &phasors[p * nsc..(p + 1) * nsc];
                    for (hv, e) in hrow.iter_mut().zip(ph) {
                        let t = cmul(*c, *e);
                        hv[0] += t[0];
                        hv[1] += t[1];
                    }
                }
            }
        }
    }
    if o.normalize && paths > 0 {
        // Unit mean energy per RE over all antenna pairs of this slot (time domain: of the
        // window-averaged channel, the diagonal; the waveform's coefficients and the ICI
        // power scale with it).
        let energy: f64 = s.h.iter().map(|v| (v[0] * v[0] + v[1] * v[1]) as f64).sum();
        let scale = (1.0 / (energy / (links * n_re) as f64).max(1e-30).sqrt()) as f32;
        let grid = if prep.waveform.is_some() {
            &mut s.grid_coeffs[..]
        } else {
            &mut []
        };
        for v in s.h.iter_mut().chain(s.coeffs.iter_mut()).chain(grid) {
            *v = [v[0] * scale, v[1] * scale];
        }
        s.ici.iter_mut().for_each(|v| *v *= scale * scale);
    }
    s.y.resize(nrx * n_re, [0.0; 2]);
    match &prep.waveform {
        // y = Σ_t H_t·x_t + n on every antenna.
        None => {
            s.noise.resize(nrx * n_re, [0.0; 2]);
            rng.complex_gaussian(Stream::Noise, point.no, &mut s.noise);
            for r in 0..nrx {
                for i in 0..n_re {
                    let mut acc = s.noise[r * n_re + i];
                    for t in 0..nl {
                        let v = cmul(s.h[(r * nl + t) * n_re + i], s.x[t * n_re + i]);
                        acc[0] += v[0];
                        acc[1] += v[1];
                    }
                    s.y[r * n_re + i] = acc;
                }
            }
        }
        // Noise of variance N0 per sample (N0 per resource element after the unitary FFT),
        // the transmitted waveforms through the time-varying paths, CP removal and FFT.
        Some(w) => {
            let total = w.samples();
            s.noise.resize(nrx * total, [0.0; 2]);
            rng.complex_gaussian(Stream::Noise, point.no, &mut s.noise);
            if paths == 0 {
                // AWGN: one path of delay 0 per link.
                let grid = w.grid_len();
                s.grid_coeffs.clear();
                for l in 0..links {
                    s.grid_coeffs
                        .extend(std::iter::repeat_n(awgn_gain(l, nl), grid));
                }
            }
            w.propagate(
                &s.x,
                nl,
                nrx,
                delays,
                o.subcarrier_spacing_hz,
                &s.grid_coeffs,
                &mut s.noise,
                &mut s.wave,
            );
            let pn_std = o.phase_increment_std();
            if pn_std > 0.0 || !prep.phase_noise_tones.is_empty() {
                // One oscillator for every receive antenna, noise included.
                s.phase.resize(total, 0.0);
                if pn_std > 0.0 {
                    channels::phase_noise::wiener_phase(rng, pn_std, &mut s.phase);
                } else {
                    channels::phase_noise_tones::tone_phase(
                        rng,
                        &prep.phase_noise_tones,
                        &mut s.phase,
                    );
                }
                for r in 0..nrx {
                    let yr = &mut s.noise[r * total..(r + 1) * total];
                    channels::phase_noise::rotate(&s.phase, yr);
                }
            }
            for r in 0..nrx {
                w.demodulate(
                    &s.noise[r * total..(r + 1) * total],
                    &mut s.y[r * n_re..(r + 1) * n_re],
                    &mut s.wave,
                );
            }
        }
    }
}

/// Channel estimate and its error variance per RE, per (rx, tx), from `s.y` (perfect CSI: the
/// true channel that [`transmit_and_receive`] kept).
pub fn estimate(
    o: &OfdmSpec,
    prep: &OfdmPrepared,
    point: &PointSpec,
    estimator: Estimator,
    interpolation: Interpolation,
    extrapolation: Extrapolation,
    s: &mut OfdmScratch,
) {
    let (nsym, nsc, nrx, nl) = (o.symbols, o.subcarriers, o.rx_antennas, o.layers);
    let n_re = nsym * nsc;
    let links = nrx * nl;
    // Channel estimate and its error variance per RE, per (rx, tx).
    s.h_hat.resize(links * n_re, [0.0; 2]);
    s.err_var.resize(links * n_re, 0.0);
    match estimator {
        // Time domain: perfect CSI knows the diagonal and the ICI and ISI power of each link
        // and symbol (an error the detector adds to the noise, as for an estimate).
        Estimator::Perfect => {
            s.h_hat.copy_from_slice(&s.h);
            for (l, row) in s.err_var.chunks_mut(n_re).enumerate() {
                for (sym, v) in row.chunks_mut(nsc).enumerate() {
                    v.fill(s.ici[l * nsym + sym]);
                }
            }
        }
        Estimator::Ls | Estimator::Lmmse => {
            for r in 0..nrx {
                let yr = &s.y[r * n_re..(r + 1) * n_re];
                for t in 0..nl {
                    let set = &prep.pilot_sets[t];
                    let cdm = o.dmrs_cdm();
                    let (mut at, mut var) = ls_at_pilots(
                        yr,
                        &prep.pilots[t],
                        &o.pilot_symbols,
                        nsc,
                        set,
                        point.no,
                        cdm,
                        extrapolation,
                    );
                    if estimator == Estimator::Lmmse {
                        // LS at the comb positions → LMMSE over all subcarriers.
                        // CDM despreading halves the noise of the LS values (their pairwise
                        // correlation is ignored by the weights).
                        let no_ls = if cdm { point.no / 2.0 } else { point.no };
                        let w = prep.lmmse_weights(t, no_ls);
                        let mut row = vec![[0f32; 2]; nsc];
                        for j in 0..o.pilot_symbols.len() {
                            w.apply(&at[j * nsc..(j + 1) * nsc], &mut row);
                            at[j * nsc..(j + 1) * nsc].copy_from_slice(&row);
                            var[j * nsc..(j + 1) * nsc].copy_from_slice(&w.err_var);
                        }
                    }
                    let range = (r * nl + t) * n_re..(r * nl + t + 1) * n_re;
                    time_interpolate(
                        &at,
                        &var,
                        &o.pilot_symbols,
                        nsym,
                        nsc,
                        interpolation,
                        extrapolation,
                        &mut s.h_hat[range.clone()],
                        &mut s.err_var[range],
                    );
                }
            }
        }
    }
    // PT-RS: each symbol's common phase error, turned into the estimates.
    crate::ptrs_cpe::compensate(o, prep, s);
}

/// Decodes every code word of the slot from `s.llr`; the outcome sums them.
pub fn decode_slot(
    link: &LinkSpec,
    codec: Option<&TransportCodec>,
    s: &mut OfdmScratch,
) -> BlockOutcome {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let cw = o.codewords;
    let g = link.coded_bits;
    let a_len = link.info_bits;
    // Receiver: decode every code word.
    let mut out = BlockOutcome::default();
    for c in 0..cw {
        let llr = &s.llr[c * g..(c + 1) * g];
        let a = &s.a[c * a_len..(c + 1) * a_len];
        match (codec, &link.coding) {
            (Some(codec), Coding::Ldpc { params, .. }) => {
                s.b_hat.resize(params.b, 0);
                let d = codec.decode(llr, &mut s.b_hat, &mut s.codec);
                let (errors, wrong_cbs) = codec.count_errors(&s.b[c], &s.b_hat, a_len);
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
