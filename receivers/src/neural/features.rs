//! What the neural receiver sees of a slot and what it must say about it.
//!
//! Input channels, each a `[symbols, subcarriers]` plane (DeepRx-style: the received grid,
//! the raw pilot estimate and their product):
//! * per receive antenna r: Re y_r, Im y_r;
//! * per (r, layer t): Re, Im of the raw channel estimate ĥ_rt: least squares at t's pilots,
//!   linear in frequency between its pilot subcarriers, nearest pilot symbol in time;
//! * per (r, t): Re, Im of y_r · conj(ĥ_rt) / N0 (the matched-filter term at LLR scale: a
//!   linear map of it is already the max-ratio-combining receiver's LLR, so the network only
//!   has to learn the corrections);
//! * 1 on the pilot symbols, 0 elsewhere;
//! * log10(N0).
//!
//! Output channel t · Q_m + b is the logit of P(bit b of layer t's symbol = 1) at every RE;
//! only the data REs that carry a code word's bits are read. Data symbol i (in the chain's
//! order: data REs symbol by symbol, subcarrier by subcarrier, skipping pilot symbols, the
//! layers of a RE in turn) sits at data RE i / layers, layer i mod layers.

use crate::ofdm_chain::{estimate, OfdmPrepared, OfdmScratch};
use sim_core::link::{LinkSpec, OfdmSpec, PointSpec};
use sim_core::scenario::schema::{Estimator, Extrapolation, Interpolation};

/// Input channels for `rx` antennas and `layers` layers.
pub fn in_channels(rx: usize, layers: usize) -> usize {
    2 * rx + 4 * rx * layers + 2
}

/// The (symbol, subcarrier) of every data RE, in the chain's order.
pub fn data_res(o: &OfdmSpec) -> impl Iterator<Item = (usize, usize)> + '_ {
    (0..o.symbols)
        .filter(|s| !o.pilot_symbols.contains(s))
        .flat_map(move |s| (0..o.subcarriers).map(move |k| (s, k)))
}

/// Writes the `[in_channels, symbols, subcarriers]` features of the slot whose received grid
/// `s` holds (after [`crate::ofdm_chain::transmit_and_receive`]); overwrites the scratch's
/// channel estimate.
pub fn slot_features(
    o: &OfdmSpec,
    prep: &OfdmPrepared,
    point: &PointSpec,
    s: &mut OfdmScratch,
    out: &mut [f32],
) {
    let (nsym, nsc, nrx, nl) = (o.symbols, o.subcarriers, o.rx_antennas, o.layers);
    let n_re = nsym * nsc;
    assert_eq!(
        out.len(),
        in_channels(nrx, nl) * n_re,
        "feature buffer size"
    );
    let (ls, near, hold) = (Estimator::Ls, Interpolation::Nearest, Extrapolation::Hold);
    estimate(o, prep, point, ls, near, hold, s);
    let t = s.trace();
    let (y, h) = (t.y, t.h_hat);
    let mut plane = out.chunks_exact_mut(n_re);
    for r in 0..nrx {
        let (re, im) = (plane.next().unwrap(), plane.next().unwrap());
        for i in 0..n_re {
            [re[i], im[i]] = y[r * n_re + i];
        }
    }
    for l in 0..nrx * nl {
        let (re, im) = (plane.next().unwrap(), plane.next().unwrap());
        for i in 0..n_re {
            [re[i], im[i]] = h[l * n_re + i];
        }
    }
    let inv_no = 1.0 / point.no;
    for l in 0..nrx * nl {
        let r = l / nl;
        let (re, im) = (plane.next().unwrap(), plane.next().unwrap());
        for i in 0..n_re {
            let (a, b) = (y[r * n_re + i], h[l * n_re + i]);
            re[i] = (a[0] * b[0] + a[1] * b[1]) * inv_no;
            im[i] = (a[1] * b[0] - a[0] * b[1]) * inv_no;
        }
    }
    let pilots = plane.next().unwrap();
    for (sym, row) in pilots.chunks_exact_mut(nsc).enumerate() {
        row.fill(o.pilot_symbols.contains(&sym) as u8 as f32);
    }
    plane.next().unwrap().fill(point.no.log10());
}

/// Every coded bit of the slot as (its index in the code words' bits, its index in a
/// `[layers · Q_m, symbols, subcarriers]` plane stack): bit b of data symbol i sits at data
/// RE i / layers, layer i mod layers.
fn bit_positions(link: &LinkSpec) -> impl Iterator<Item = (usize, usize)> + '_ {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    let (qm, nl, n_re) = (
        link.modulation.bits_per_symbol(),
        o.layers,
        o.symbols * o.subcarriers,
    );
    let data_symbols = o.codewords * link.coded_bits / qm;
    data_res(o)
        .flat_map(move |(sym, k)| (0..nl).map(move |t| (t, sym * o.subcarriers + k)))
        .take(data_symbols)
        .enumerate()
        .flat_map(move |(i, (t, re))| (0..qm).map(move |b| (i * qm + b, (t * qm + b) * n_re + re)))
}

/// `[layers · Q_m, symbols, subcarriers]` targets (the coded bits, 0/1) and the mask of the
/// entries that carry one.
pub fn slot_labels(link: &LinkSpec, s: &OfdmScratch, labels: &mut [f32], mask: &mut [f32]) {
    labels.fill(0.0);
    mask.fill(0.0);
    for (bit, at) in bit_positions(link) {
        labels[at] = s.f[bit] as f32;
        mask[at] = 1.0;
    }
}

/// Fills the scratch's LLRs (LLR = −logit) from the network's `[layers · Q_m, symbols,
/// subcarriers]` output for this slot.
pub fn llrs_from_logits(link: &LinkSpec, logits: &[f32], s: &mut OfdmScratch) {
    let o = link.ofdm.as_ref().expect("an OFDM link");
    s.llr.resize(o.codewords * link.coded_bits, 0.0);
    for (bit, at) in bit_positions(link) {
        s.llr[bit] = -logits[at];
    }
}
