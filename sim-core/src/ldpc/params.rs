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
    /// N: encoder output length (66 Z or 50 Z).
    pub n: usize,
    /// N_cb: circular buffer length, N or min(N, N_ref) with limited-buffer rate matching
    /// ([`TbCodeParams::with_limited_buffer`]).
    pub ncb: usize,
    /// N_L: layers the transport block is mapped onto (each E_r a multiple of N_L · Q_m).
    pub layers: usize,
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
        let e = split_e(g, bits_per_symbol, c)?;
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
            ncb: n,
            layers: 1,
            bits_per_symbol,
            g,
            e,
            rv,
        })
    }

    /// The transport block on `layers` layers (N_L of §5.4.2.1): E_r = N_L·Q_m·⌊G/(N_L·Q_m·C)⌋
    /// for the first C − mod(G/(N_L·Q_m), C) code blocks, N_L·Q_m·⌈…⌉ for the rest. G must
    /// be a multiple of N_L · Q_m.
    pub fn with_layers(mut self, layers: usize) -> Result<Self, ParamError> {
        let per = layers * self.bits_per_symbol;
        if layers == 0 || !self.g.is_multiple_of(per) {
            return Err(ParamError(format!(
                "coded bits G = {} are not a multiple of N_L · Q_m = {layers} · {}",
                self.g, self.bits_per_symbol
            )));
        }
        self.e = split_e(self.g, per, self.num_code_blocks)?;
        self.layers = layers;
        Ok(self)
    }

    /// Limited-buffer rate matching (§5.4.2.1, I_LBRM = 1): N_cb = min(N, `n_ref`). The
    /// buffer must hold every systematic bit (N_ref ≥ K − 2Z).
    pub fn with_limited_buffer(mut self, n_ref: usize) -> Result<Self, ParamError> {
        let systematic = self.k - 2 * self.lifting_size;
        if n_ref < systematic {
            return Err(ParamError(format!(
                "N_ref = {n_ref} is shorter than the code block's systematic part K − 2Z = \
                 {systematic} (K = {}, Z = {})",
                self.k, self.lifting_size
            )));
        }
        self.ncb = self.n.min(n_ref);
        Ok(self)
    }

    /// Code rate as simulated: payload bits over transmitted coded bits, A / G.
    pub fn rate(&self) -> f64 {
        self.tb_size as f64 / self.g as f64
    }

    /// k0 of TS 38.212 Table 5.4.2.1-2 for this redundancy version.
    pub fn k0(&self) -> usize {
        let z = self.lifting_size;
        let ncb = self.ncb;
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

/// N_ref of limited-buffer rate matching (§5.4.2.1): ⌊TBS_LBRM / (C · R_LBRM)⌋ with
/// R_LBRM = 2/3, for a transport block of C code blocks.
pub fn lbrm_n_ref(tbs_lbrm: usize, code_blocks: usize) -> usize {
    3 * tbs_lbrm / (2 * code_blocks)
}

/// §5.4.2.1's rate-matching output lengths of C code blocks sharing G coded bits in units of
/// `per` = N_L · Q_m bits (all code blocks scheduled).
fn split_e(g: usize, per: usize, c: usize) -> Result<Vec<usize>, ParamError> {
    let units = g / per;
    let e: Vec<usize> = (0..c)
        .map(|j| {
            if j < c - units % c {
                per * (units / c)
            } else {
                per * units.div_ceil(c)
            }
        })
        .collect();
    if e.contains(&0) {
        return Err(ParamError(format!(
            "coded bits G = {g} leave a code block with no bits (C = {c})"
        )));
    }
    Ok(e)
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

    /// §5.4.2.1 with N_L layers: G = 800 bits of 16-QAM in C = 3 code blocks. One layer:
    /// G/Q_m = 200 symbols, 200 mod 3 = 2 → E = 4·66, then 4·67 twice. Two layers:
    /// G/(N_L·Q_m) = 100, 100 mod 3 = 1 → E = 8·33 twice, then 8·34.
    #[test]
    fn layers_round_e_to_whole_symbols_on_every_layer() {
        let p =
            TbCodeParams::new(20496, Some(CrcPoly::Crc24A), BaseGraphId::Bg1, 800, 4, 0).unwrap();
        assert_eq!(p.e, vec![264, 268, 268]);
        let two = p.clone().with_layers(2).unwrap();
        assert_eq!((two.e, two.layers), (vec![264, 264, 272], 2));
        assert!(
            p.clone().with_layers(3).is_err(),
            "800 is not a multiple of 12"
        );
        assert!(p.with_layers(0).is_err());
    }

    /// Limited-buffer rate matching: N_ref = ⌊3·TBS_LBRM/(2C)⌋ (srsRAN's compute_N_ref
    /// agrees), N_cb = min(N, N_ref), and k0 of Table 5.4.2.1-2 scales with N_cb.
    #[test]
    fn limited_buffer_shortens_the_circular_buffer() {
        // The NR peak TB (1 277 992 bits, 152 code blocks of BG1 Z = 384).
        assert_eq!(lbrm_n_ref(1_277_992, 152), 12_611);
        assert_eq!(lbrm_n_ref(1_277_992, 1), 1_916_988);
        let p =
            TbCodeParams::new(8424, Some(CrcPoly::Crc24A), BaseGraphId::Bg1, 17000, 2, 2).unwrap();
        assert_eq!((p.lifting_size, p.n, p.ncb), (384, 25344, 25344));
        // Unlimited: k0(rv 2) = ⌊33·25344/(66·384)⌋·384 = 33·384.
        assert_eq!(p.k0(), 12672);
        let l = p.clone().with_limited_buffer(12611).unwrap();
        // ⌊33·12611/25344⌋ = 16 → 16·384.
        assert_eq!((l.ncb, l.k0()), (12611, 6144));
        // N_ref ≥ N leaves the buffer whole; shorter than K − 2Z = 7680 is refused.
        assert_eq!(p.clone().with_limited_buffer(30000).unwrap().ncb, 25344);
        assert!(p.with_limited_buffer(7679).is_err());
    }
}
