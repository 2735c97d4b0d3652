//! Transport-block parameters: base graph choice (TS 38.212 §7.2.2), code block segmentation
//! and lifting size (§5.2.2), and rate-matching output lengths (§5.4.2.1).

use super::base_graph::{lifting_sizes, BaseGraphId};
use crate::crc::CrcPoly;
use serde::Serialize;

/// Everything fixed about how one transport block is coded.
#[derive(Debug, Clone, Serialize)]
pub struct TbCodeParams {
    /// A: payload bits of the transport block.
    pub tb_size: usize,
    /// CRC attached to the transport block (None: no TB CRC).
    pub tb_crc: Option<CrcPoly>,
    /// B = A + L_TB.
    pub b: usize,
    pub base_graph: BaseGraphId,
    /// C: number of code blocks.
    pub num_code_blocks: usize,
    /// True when C > 1: each code block carries CRC24B.
    pub cb_crc: bool,
    /// K': bits per code block before fillers (data + code-block CRC).
    pub k_prime: usize,
    /// K_b: systematic base columns used (§5.2.2).
    pub kb: usize,
    /// Z_c.
    pub lifting_size: usize,
    /// K: code block length with fillers (22 Z or 10 Z).
    pub k: usize,
    /// F = K − K' filler bits.
    pub fillers: usize,
    /// N: encoder output length (66 Z or 50 Z); also N_cb (no limited-buffer rate matching).
    pub n: usize,
    /// Q_m: bits per modulation symbol.
    pub bits_per_symbol: usize,
    /// G: coded bits of the whole transport block after rate matching.
    pub g: usize,
    /// E_r for each code block.
    pub e: Vec<usize>,
    /// Redundancy version 0..3.
    pub rv: usize,
}

/// Why a transport block cannot be coded as asked.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamError(pub String);

/// The base-graph rule of TS 38.212 §7.2.2 from payload A and target rate R.
pub fn select_base_graph(tb_size: usize, rate: f64) -> BaseGraphId {
    if tb_size <= 292 || (tb_size <= 3824 && rate <= 0.67) || rate <= 0.25 {
        BaseGraphId::Bg2
    } else {
        BaseGraphId::Bg1
    }
}

/// The transport-block CRC of TS 38.212 §7.2.1: 24A above 3824 bits, else 16.
pub fn default_tb_crc(tb_size: usize) -> CrcPoly {
    if tb_size > 3824 {
        CrcPoly::Crc24A
    } else {
        CrcPoly::Crc16
    }
}

impl TbCodeParams {
    /// * `tb_size` — A; `g` — total coded bits (a multiple of `bits_per_symbol`).
    pub fn new(
        tb_size: usize,
        tb_crc: Option<CrcPoly>,
        base_graph: BaseGraphId,
        g: usize,
        bits_per_symbol: usize,
        rv: usize,
    ) -> Result<Self, ParamError> {
        if tb_size == 0 {
            return Err(ParamError("info_bits must be at least 1".into()));
        }
        let b = tb_size + tb_crc.map_or(0, |c| c.parity_bits());
        // §5.2.2 code block segmentation.
        let k_cb = base_graph.max_code_block();
        let (c, l) = if b <= k_cb {
            (1, 0)
        } else {
            (b.div_ceil(k_cb - 24), 24)
        };
        let b_prime = b + c * l;
        if !b_prime.is_multiple_of(c) {
            return Err(ParamError(format!(
                "A + CRC = {b} bits split into C = {c} code blocks of equal size only when \
                 B + 24·C is divisible by C (TS 38.212 §5.2.2); choose info_bits so that it is, \
                 e.g. {} or {}",
                tb_size - (b_prime % c),
                tb_size + (c - b_prime % c)
            )));
        }
        let k_prime = b_prime / c;
        let kb = match base_graph {
            BaseGraphId::Bg1 => 22,
            BaseGraphId::Bg2 if b > 640 => 10,
            BaseGraphId::Bg2 if b > 560 => 9,
            BaseGraphId::Bg2 if b > 192 => 8,
            BaseGraphId::Bg2 => 6,
        };
        let z = lifting_sizes()
            .iter()
            .map(|&(z, _)| z)
            .find(|&z| kb * z >= k_prime)
            .ok_or_else(|| ParamError(format!("K' = {k_prime} exceeds the largest code block")))?;
        let k = base_graph.info_cols() * z;
        let n = (base_graph.cols() - 2) * z;
        if !g.is_multiple_of(bits_per_symbol) {
            return Err(ParamError(format!(
                "coded bits G = {g} must be a multiple of the bits per symbol Q_m = {bits_per_symbol}"
            )));
        }
        // §5.4.2.1 with one layer and all code blocks scheduled.
        let per = g / bits_per_symbol;
        let e: Vec<usize> = (0..c)
            .map(|j| {
                if j < c - per % c {
                    bits_per_symbol * (per / c)
                } else {
                    bits_per_symbol * per.div_ceil(c)
                }
            })
            .collect();
        if e.contains(&0) {
            return Err(ParamError(format!(
                "coded bits G = {g} leave a code block with no bits (C = {c})"
            )));
        }
        if rv > 3 {
            return Err(ParamError(format!(
                "redundancy version {rv} is not in 0..=3"
            )));
        }
        Ok(TbCodeParams {
            tb_size,
            tb_crc,
            b,
            base_graph,
            num_code_blocks: c,
            cb_crc: c > 1,
            k_prime,
            kb,
            lifting_size: z,
            k,
            fillers: k - k_prime,
            n,
            bits_per_symbol,
            g,
            e,
            rv,
        })
    }

    /// Code rate as simulated: payload bits over transmitted coded bits, A / G.
    pub fn rate(&self) -> f64 {
        self.tb_size as f64 / self.g as f64
    }

    /// k0 of TS 38.212 Table 5.4.2.1-2 for this redundancy version (N_cb = N).
    pub fn k0(&self) -> usize {
        let z = self.lifting_size;
        let ncb = self.n;
        let (num, den) = match (self.base_graph, self.rv) {
            (_, 0) => (0, 1),
            (BaseGraphId::Bg1, 1) => (17, 66),
            (BaseGraphId::Bg1, 2) => (33, 66),
            (BaseGraphId::Bg1, _) => (56, 66),
            (BaseGraphId::Bg2, 1) => (13, 50),
            (BaseGraphId::Bg2, 2) => (25, 50),
            (BaseGraphId::Bg2, _) => (43, 50),
        };
        (num * ncb / (den * z)) * z
    }

    /// Positions in the codeword d (length N) that hold filler bits.
    pub fn filler_range(&self) -> std::ops::Range<usize> {
        let z = self.lifting_size;
        self.k_prime - 2 * z..self.k - 2 * z
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k1024_rate_half_is_bg2_z104() {
        let bg = select_base_graph(1024, 0.5);
        assert_eq!(bg, BaseGraphId::Bg2);
        let p = TbCodeParams::new(1024, None, bg, 2048, 2, 0).unwrap();
        assert_eq!(
            (p.num_code_blocks, p.kb, p.lifting_size, p.k),
            (1, 10, 104, 1040)
        );
        assert_eq!((p.fillers, p.n, p.e.clone()), (16, 5200, vec![2048]));
    }

    #[test]
    fn segmentation_of_a_large_block() {
        // A = 20496 + CRC24A = 20520 > 8448: C = ceil(20520 / 8424) = 3, K' = (20520 + 72) / 3.
        let p =
            TbCodeParams::new(20496, Some(CrcPoly::Crc24A), BaseGraphId::Bg1, 41184, 4, 0).unwrap();
        assert_eq!(p.num_code_blocks, 3);
        assert_eq!(p.k_prime, 6864);
        assert_eq!(p.lifting_size, 320);
        assert_eq!(p.e.iter().sum::<usize>(), 41184);
    }

    #[test]
    fn uneven_segmentation_is_an_error() {
        let e = TbCodeParams::new(20497, Some(CrcPoly::Crc24A), BaseGraphId::Bg1, 41184, 4, 0);
        assert!(e.is_err());
    }
}
