//! Belief-propagation decoders for the lifted 5G LDPC codes.
//!
//! * flooding sum-product ("bp", the exact boxplus through φ, as Sionna's "boxplus-phi"),
//! * layered sum-product ("layered-bp"),
//! * flooding and layered min-sum with normalization (scaling α) and/or offset β.
//!
//! Messages are processed one base-graph edge block at a time over its Z lifted edges, so
//! the inner loops run over contiguous lanes and vectorize. The graph is pruned to the
//! columns that carry transmitted bits: an untransmitted degree-1 parity node has LLR 0 and
//! its check then sends 0 everywhere, so pruning it changes no message (exact).
//!
//! LLR convention: L = ln P(b=0)/P(b=1) (positive means 0).

use super::lifted::{EdgeBlock, LiftedCode};
use crate::fastmath::phi;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Check-node rule and schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecoderAlgorithm {
    /// Flooding sum-product.
    Bp,
    /// Layered (row-block serial) sum-product.
    LayeredBp,
    /// Flooding min-sum (normalized / offset).
    MinSum,
    /// Layered min-sum (normalized / offset).
    LayeredMinSum,
}

impl DecoderAlgorithm {
    pub const NAMES: &'static [&'static str] = &["bp", "layered-bp", "min-sum", "layered-min-sum"];
    fn layered(self) -> bool {
        matches!(self, Self::LayeredBp | Self::LayeredMinSum)
    }
    fn min_sum(self) -> bool {
        matches!(self, Self::MinSum | Self::LayeredMinSum)
    }
}

/// Decoder settings (a scenario's `[code.decoder]`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DecoderSettings {
    pub algorithm: DecoderAlgorithm,
    /// Maximum iterations (a layered iteration visits every row block once).
    pub iterations: usize,
    /// Stop as soon as the hard decisions satisfy every check.
    pub early_stop: bool,
    /// Min-sum normalization α (1 = plain min-sum).
    pub scaling: f32,
    /// Min-sum offset β (0 = none).
    pub offset: f32,
    /// Magnitude clip of the channel LLRs and of the check-to-variable messages.
    pub llr_clip: f32,
}

impl Default for DecoderSettings {
    fn default() -> Self {
        DecoderSettings {
            algorithm: DecoderAlgorithm::Bp,
            iterations: 20,
            early_stop: true,
            scaling: 0.75,
            offset: 0.0,
            llr_clip: 20.0,
        }
    }
}

/// A decoder for one code block shape: the lifted code pruned to `cols` columns.
#[derive(Debug, Clone)]
pub struct LdpcDecoder {
    code: Arc<LiftedCode>,
    settings: DecoderSettings,
    z: usize,
    /// Columns kept (all columns that carry a transmitted bit, at least K_b + 4).
    cols: usize,
    rows: usize,
    edges: Vec<EdgeBlock>,
    row_start: Vec<usize>,
    max_degree: usize,
}

/// Per-thread working memory of a decoder (reused across blocks).
#[derive(Debug, Default)]
pub struct DecoderWorkspace {
    posterior: Vec<f32>,
    next: Vec<f32>,
    c2v: Vec<f32>,
    t: Vec<f32>,
    s: Vec<f32>,
    acc: Vec<f32>,
    acc2: Vec<f32>,
    sign: Vec<u32>,
    idx: Vec<u32>,
    hard: Vec<u8>,
    syndrome: Vec<u8>,
}

/// What a decode returns besides the hard decisions.
#[derive(Debug, Clone, Copy)]
pub struct DecodeOutcome {
    pub iterations: usize,
    /// True when the final hard decisions satisfy every kept check.
    pub converged: bool,
}

impl LdpcDecoder {
    /// * `used_len` — codeword (d) positions `0..used_len` carry transmitted bits.
    pub fn new(code: Arc<LiftedCode>, used_len: usize, settings: DecoderSettings) -> Self {
        let z = code.lifting_size;
        let kb = code.base_graph.info_cols();
        let cols = (used_len + 2 * z).div_ceil(z).clamp(kb + 4, code.cols());
        let rows = cols - kb;
        let edges: Vec<EdgeBlock> = code.edges[..code.row_start[rows]].to_vec();
        let row_start = code.row_start[..=rows].to_vec();
        let max_degree = (0..rows)
            .map(|i| row_start[i + 1] - row_start[i])
            .max()
            .unwrap_or(0);
        LdpcDecoder {
            code,
            settings,
            z,
            cols,
            rows,
            edges,
            row_start,
            max_degree,
        }
    }

    /// Number of kept columns (the channel LLR vector must have `cols * Z` entries).
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn lifting_size(&self) -> usize {
        self.z
    }
    pub fn settings(&self) -> &DecoderSettings {
        &self.settings
    }
    /// Edge blocks of the kept rows, sorted by (row, column).
    pub fn edges(&self) -> &[EdgeBlock] {
        &self.edges
    }
    /// `edges()[row_start()[i]..row_start()[i + 1]]` belong to base row `i`.
    pub fn row_start(&self) -> &[usize] {
        &self.row_start
    }
    /// Lifted edges processed per iteration.
    pub fn edges_per_iteration(&self) -> usize {
        self.edges.len() * self.z
    }

    fn prepare(&self, ws: &mut DecoderWorkspace) {
        let n = self.cols * self.z;
        let lanes = self.max_degree * self.z;
        ws.posterior.resize(n, 0.0);
        ws.next.resize(n, 0.0);
        ws.c2v.clear();
        ws.c2v.resize(self.edges.len() * self.z, 0.0);
        ws.t.resize(lanes, 0.0);
        ws.s.resize(lanes, 0.0);
        ws.acc.resize(self.z, 0.0);
        ws.acc2.resize(self.z, 0.0);
        ws.sign.resize(self.z, 0);
        ws.idx.resize(self.z, 0);
        ws.hard.resize(n, 0);
        ws.syndrome.resize(self.z, 0);
    }

    /// Decodes one code block.
    ///
    /// * `channel` — `[cols * Z]` channel LLRs of the full codeword x (the 2Z punctured
    ///   systematic bits first, then d; punctured and unsent bits 0, fillers large positive).
    /// * `out` — hard decisions of x for the first `out.len()` positions (≤ cols · Z).
    pub fn decode(
        &self,
        channel: &[f32],
        out: &mut [u8],
        ws: &mut DecoderWorkspace,
    ) -> DecodeOutcome {
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the running CPU supports AVX2 (checked just above).
            return unsafe { self.decode_avx2(channel, out, ws) };
        }
        self.decode_portable(channel, out, ws)
    }

    /// The same code compiled for 8-lane AVX2. No FMA is enabled, and Rust never fuses
    /// a·b + c on its own, so both paths give bit-identical results.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn decode_avx2(
        &self,
        channel: &[f32],
        out: &mut [u8],
        ws: &mut DecoderWorkspace,
    ) -> DecodeOutcome {
        self.decode_portable(channel, out, ws)
    }

    #[inline(always)]
    fn decode_portable(
        &self,
        channel: &[f32],
        out: &mut [u8],
        ws: &mut DecoderWorkspace,
    ) -> DecodeOutcome {
        let z = self.z;
        assert_eq!(channel.len(), self.cols * z, "channel LLR length");
        self.prepare(ws);
        let clip = self.settings.llr_clip;
        for (p, &c) in ws.posterior.iter_mut().zip(channel) {
            *p = c.clamp(-clip, clip);
        }
        let mut iterations = 0;
        let mut converged = false;
        for _ in 0..self.settings.iterations {
            iterations += 1;
            if self.settings.algorithm.layered() {
                for row in 0..self.rows {
                    self.process_row(row, ws, true);
                }
            } else {
                for (n, &c) in ws.next.iter_mut().zip(channel) {
                    *n = c.clamp(-clip, clip);
                }
                for row in 0..self.rows {
                    self.process_row(row, ws, false);
                }
                std::mem::swap(&mut ws.posterior, &mut ws.next);
            }
            if self.settings.early_stop {
                self.hard_decide(ws);
                if self.code.satisfies(&ws.hard, self.rows, &mut ws.syndrome) {
                    converged = true;
                    break;
                }
            }
        }
        if !self.settings.early_stop {
            self.hard_decide(ws);
            converged = self.code.satisfies(&ws.hard, self.rows, &mut ws.syndrome);
        }
        let n = out.len().min(ws.hard.len());
        out[..n].copy_from_slice(&ws.hard[..n]);
        DecodeOutcome {
            iterations,
            converged,
        }
    }

    #[inline(always)]
    fn hard_decide(&self, ws: &mut DecoderWorkspace) {
        for (h, &l) in ws.hard.iter_mut().zip(&ws.posterior) {
            *h = (l < 0.0) as u8;
        }
    }

    /// One row block: variable-to-check messages, check update, write-back.
    /// Layered: read and update `posterior` in place. Flooding: read `posterior`, add the
    /// new check messages into `next`.
    #[inline(always)]
    fn process_row(&self, row: usize, ws: &mut DecoderWorkspace, layered: bool) {
        let z = self.z;
        let clip = self.settings.llr_clip;
        let row_edges = &self.edges[self.row_start[row]..self.row_start[row + 1]];
        let e0 = self.row_start[row];
        let deg = row_edges.len();
        // Gather v2c = posterior − old c2v. Not clipped: in the layered schedule a clipped
        // v2c written back as t + c2v breaks posterior = channel + Σ c2v, and the decoder
        // then drifts away from codewords it had reached. Bounded anyway, since the channel
        // LLRs and every c2v message are clipped.
        for (k, e) in row_edges.iter().enumerate() {
            let col = &ws.posterior[e.col * z..(e.col + 1) * z];
            let c2v = &ws.c2v[(e0 + k) * z..(e0 + k + 1) * z];
            let t = &mut ws.t[k * z..(k + 1) * z];
            let split = z - e.shift;
            let (t_a, t_b) = t.split_at_mut(split);
            let (c_a, c_b) = c2v.split_at(split);
            for ((o, &p), &c) in t_a.iter_mut().zip(&col[e.shift..]).zip(c_a) {
                *o = p - c;
            }
            for ((o, &p), &c) in t_b.iter_mut().zip(&col[..e.shift]).zip(c_b) {
                *o = p - c;
            }
        }
        let t = &ws.t[..deg * z];
        let new_c2v = &mut ws.c2v[e0 * z..(e0 + deg) * z];
        if self.settings.algorithm.min_sum() {
            check_min_sum(
                t,
                new_c2v,
                z,
                self.settings.scaling,
                self.settings.offset,
                clip,
                (&mut ws.acc, &mut ws.acc2, &mut ws.sign, &mut ws.idx),
            );
        } else {
            check_boxplus(t, new_c2v, z, clip, &mut ws.s, &mut ws.acc, &mut ws.sign);
        }
        // Write back.
        for (k, e) in row_edges.iter().enumerate() {
            let c2v = &ws.c2v[(e0 + k) * z..(e0 + k + 1) * z];
            let split = z - e.shift;
            let (c_a, c_b) = c2v.split_at(split);
            if layered {
                let t = &ws.t[k * z..(k + 1) * z];
                let (t_a, t_b) = t.split_at(split);
                let col = &mut ws.posterior[e.col * z..(e.col + 1) * z];
                let (lo, hi) = col.split_at_mut(e.shift);
                for ((p, &v), &c) in hi.iter_mut().zip(t_a).zip(c_a) {
                    *p = v + c;
                }
                for ((p, &v), &c) in lo.iter_mut().zip(t_b).zip(c_b) {
                    *p = v + c;
                }
            } else {
                let col = &mut ws.next[e.col * z..(e.col + 1) * z];
                let (lo, hi) = col.split_at_mut(e.shift);
                for (p, &c) in hi.iter_mut().zip(c_a) {
                    *p += c;
                }
                for (p, &c) in lo.iter_mut().zip(c_b) {
                    *p += c;
                }
            }
        }
    }
}

/// Sum-product check update over `deg = t.len() / z` edges of Z lanes each:
/// out_e = (Π_{j≠e} sign t_j) · min(φ(Σ_{j≠e} φ(|t_j|)), clip).
#[inline(always)]
fn check_boxplus(
    t: &[f32],
    out: &mut [f32],
    z: usize,
    clip: f32,
    s: &mut [f32],
    sum: &mut [f32],
    sign: &mut [u32],
) {
    let deg = t.len() / z;
    sum.iter_mut().for_each(|x| *x = 0.0);
    sign.iter_mut().for_each(|x| *x = 0);
    for k in 0..deg {
        let tk = &t[k * z..(k + 1) * z];
        let sk = &mut s[k * z..(k + 1) * z];
        for (((sv, &tv), acc), sg) in sk
            .iter_mut()
            .zip(tk)
            .zip(sum.iter_mut())
            .zip(sign.iter_mut())
        {
            *sv = phi(tv.abs());
            *acc += *sv;
            *sg ^= tv.to_bits() & 0x8000_0000;
        }
    }
    for k in 0..deg {
        let tk = &t[k * z..(k + 1) * z];
        let sk = &s[k * z..(k + 1) * z];
        let ok = &mut out[k * z..(k + 1) * z];
        for ((((o, &tv), &sv), &acc), &sg) in ok
            .iter_mut()
            .zip(tk)
            .zip(sk)
            .zip(sum.iter())
            .zip(sign.iter())
        {
            let mag = phi(acc - sv).min(clip);
            let sbit = sg ^ (tv.to_bits() & 0x8000_0000);
            *o = f32::from_bits(mag.to_bits() | sbit);
        }
    }
}

/// Normalized/offset min-sum check update: out_e = sign · min(max(α·min_{j≠e}|t_j| − β, 0), clip).
#[inline(always)]
fn check_min_sum(
    t: &[f32],
    out: &mut [f32],
    z: usize,
    scaling: f32,
    offset: f32,
    clip: f32,
    scratch: (&mut [f32], &mut [f32], &mut [u32], &mut [u32]),
) {
    let (min1, min2, sign, idx) = scratch;
    let deg = t.len() / z;
    min1.iter_mut().for_each(|x| *x = f32::MAX);
    min2.iter_mut().for_each(|x| *x = f32::MAX);
    sign.iter_mut().for_each(|x| *x = 0);
    idx.iter_mut().for_each(|x| *x = 0);
    for k in 0..deg {
        let tk = &t[k * z..(k + 1) * z];
        let kk = k as u32;
        for ((((&tv, m1), m2), sg), ix) in tk
            .iter()
            .zip(min1.iter_mut())
            .zip(min2.iter_mut())
            .zip(sign.iter_mut())
            .zip(idx.iter_mut())
        {
            let a = tv.abs();
            let smaller = a < *m1;
            *m2 = if smaller { *m1 } else { m2.min(a) };
            *m1 = if smaller { a } else { *m1 };
            *ix = if smaller { kk } else { *ix };
            *sg ^= tv.to_bits() & 0x8000_0000;
        }
    }
    for k in 0..deg {
        let tk = &t[k * z..(k + 1) * z];
        let ok = &mut out[k * z..(k + 1) * z];
        let kk = k as u32;
        for (((((o, &tv), &m1), &m2), &sg), &ix) in ok
            .iter_mut()
            .zip(tk)
            .zip(min1.iter())
            .zip(min2.iter())
            .zip(sign.iter())
            .zip(idx.iter())
        {
            let m = if ix == kk { m2 } else { m1 };
            let mag = (scaling * m - offset).max(0.0).min(clip);
            let sbit = sg ^ (tv.to_bits() & 0x8000_0000);
            *o = f32::from_bits(mag.to_bits() | sbit);
        }
    }
}

#[cfg(test)]
mod tests;
