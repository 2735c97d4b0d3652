//! A lifted LDPC parity-check matrix H (base graph × lifting size Z) and the systematic
//! encoder that fills in its parity bits (TS 38.212 §5.3.2).
//!
//! Circulant convention (§5.3.2): entry V at (i, j) is the Z×Z identity cyclically shifted
//! right by P = V mod Z, so check `r` of row block `i` reads bit `(r + P) mod Z` of column
//! block `j`.

use super::base_graph::{set_index, BaseGraph, BaseGraphId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One lifted edge block: base row, base column and cyclic shift P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeBlock {
    pub row: usize,
    pub col: usize,
    pub shift: usize,
}

/// acc[r] ^= col[(r + shift) mod Z] for all r, as two contiguous runs (no division).
#[inline]
fn xor_shifted(acc: &mut [u8], col: &[u8], shift: usize) {
    let z = acc.len();
    let (head, tail) = acc.split_at_mut(z - shift);
    for (a, &c) in head.iter_mut().zip(&col[shift..]) {
        *a ^= c;
    }
    for (a, &c) in tail.iter_mut().zip(&col[..shift]) {
        *a ^= c;
    }
}

/// H for one (base graph, Z), with everything the encoder needs precomputed.
#[derive(Debug)]
pub struct LiftedCode {
    pub base_graph: BaseGraphId,
    pub lifting_size: usize,
    /// Edge blocks sorted by (row, column).
    pub edges: Vec<EdgeBlock>,
    /// `edges[row_start[i]..row_start[i + 1]]` are the edge blocks of base row `i`.
    pub row_start: Vec<usize>,
    /// Inverse of the 4Z × 4Z core parity block, bit-packed rows of `core_words` words.
    core_inverse: Vec<u64>,
    core_words: usize,
}

impl LiftedCode {
    /// The lifted code for `(base_graph, z)`, built once and shared.
    ///
    /// Panics if `z` is not one of the 51 lifting sizes; callers validate Z first.
    pub fn get(base_graph: BaseGraphId, z: usize) -> Arc<LiftedCode> {
        type Cache = Mutex<HashMap<(BaseGraphId, usize), Arc<LiftedCode>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
        if let Some(c) = cache.lock().expect("code cache").get(&(base_graph, z)) {
            return c.clone();
        }
        let code = Arc::new(Self::build(base_graph, z));
        cache
            .lock()
            .expect("code cache")
            .insert((base_graph, z), code.clone());
        code
    }

    fn build(base_graph: BaseGraphId, z: usize) -> LiftedCode {
        let ils = set_index(z).expect("lifting size must be one of Table 5.3.2-1");
        let bg = BaseGraph::get(base_graph);
        let edges: Vec<EdgeBlock> = bg
            .entries
            .iter()
            .map(|e| EdgeBlock {
                row: e.row as usize,
                col: e.col as usize,
                shift: e.shift_by_set[ils] as usize % z,
            })
            .collect();
        let mut row_start = vec![0usize; base_graph.rows() + 1];
        for e in &edges {
            row_start[e.row + 1] += 1;
        }
        for i in 0..base_graph.rows() {
            row_start[i + 1] += row_start[i];
        }
        let mut code = LiftedCode {
            base_graph,
            lifting_size: z,
            edges,
            row_start,
            core_inverse: Vec::new(),
            core_words: 0,
        };
        code.invert_core();
        code
    }

    /// Columns of the full graph (68 or 52).
    pub fn cols(&self) -> usize {
        self.base_graph.cols()
    }

    /// B⁻¹ of the 4Z × 4Z core parity block: row `k` is
    /// `words[k * row_words..(k + 1) * row_words]`, bit `j` in word `j / 64` (for the GPU encoder).
    pub fn core_inverse(&self) -> (&[u64], usize) {
        (&self.core_inverse, self.core_words)
    }

    /// Edge blocks of base row `i`.
    pub fn row(&self, i: usize) -> &[EdgeBlock] {
        &self.edges[self.row_start[i]..self.row_start[i + 1]]
    }

    /// Gauss-Jordan over GF(2) on [B | I], B = rows 0..3 × the 4 core parity columns.
    fn invert_core(&mut self) {
        let z = self.lifting_size;
        let n = 4 * z;
        let kb = self.base_graph.info_cols();
        let words = n.div_ceil(64);
        let width = 2 * words;
        let mut m = vec![0u64; n * width];
        for i in 0..4 {
            for e in self.row(i).iter().filter(|e| e.col >= kb) {
                let jc = e.col - kb;
                for r in 0..z {
                    let c = jc * z + (r + e.shift) % z;
                    m[(i * z + r) * width + c / 64] ^= 1 << (c % 64);
                }
            }
        }
        for r in 0..n {
            m[r * width + words + r / 64] |= 1 << (r % 64);
        }
        for col in 0..n {
            let (w, b) = (col / 64, 1u64 << (col % 64));
            let pivot = (col..n)
                .find(|&r| m[r * width + w] & b != 0)
                .expect("the core parity block of a 5G base graph is invertible");
            if pivot != col {
                for k in 0..width {
                    m.swap(pivot * width + k, col * width + k);
                }
            }
            let pivot_row: Vec<u64> = m[col * width..(col + 1) * width].to_vec();
            for r in 0..n {
                if r != col && m[r * width + w] & b != 0 {
                    for k in w..width {
                        m[r * width + k] ^= pivot_row[k];
                    }
                }
            }
        }
        self.core_inverse = (0..n)
            .flat_map(|r| m[r * width + words..(r + 1) * width].to_vec())
            .collect();
        self.core_words = words;
    }

    /// Systematic encoding: `x[..kb*Z]` holds the information columns (fillers as 0);
    /// fills the parity columns so that H·x = 0.
    ///
    /// * `x` — `[cols * Z]` bits (0/1), all columns of the graph.
    pub fn encode_in_place(&self, x: &mut [u8]) {
        let z = self.lifting_size;
        let kb = self.base_graph.info_cols();
        debug_assert_eq!(x.len(), self.cols() * z);
        // λ = A·s for the four core rows, bit-packed.
        let n = 4 * z;
        let mut lambda = vec![0u64; self.core_words];
        let mut acc = vec![0u8; z];
        for i in 0..4 {
            acc.iter_mut().for_each(|a| *a = 0);
            for e in self.row(i).iter().filter(|e| e.col < kb) {
                xor_shifted(&mut acc, &x[e.col * z..(e.col + 1) * z], e.shift);
            }
            for (r, &bit) in acc.iter().enumerate() {
                let k = i * z + r;
                lambda[k / 64] ^= (bit as u64) << (k % 64);
            }
        }
        // Core parity p = B⁻¹ λ.
        for k in 0..n {
            let row = &self.core_inverse[k * self.core_words..(k + 1) * self.core_words];
            let parity = row
                .iter()
                .zip(&lambda)
                .map(|(a, b)| (a & b).count_ones())
                .sum::<u32>()
                & 1;
            x[kb * z + k] = parity as u8;
        }
        // Extension rows: each has one identity block on its own parity column.
        for i in 4..self.base_graph.rows() {
            let own = kb + i;
            acc.iter_mut().for_each(|a| *a = 0);
            let mut own_shift = 0;
            for e in self.row(i) {
                if e.col == own {
                    own_shift = e.shift;
                    continue;
                }
                xor_shifted(&mut acc, &x[e.col * z..(e.col + 1) * z], e.shift);
            }
            for (r, a) in acc.iter().enumerate() {
                x[own * z + (r + own_shift) % z] = *a;
            }
        }
    }

    /// Syndrome weight of `x` over base rows `0..rows` (0 means every check is satisfied).
    pub fn syndrome_weight(&self, x: &[u8], rows: usize) -> usize {
        let mut acc = vec![0u8; self.lifting_size];
        (0..rows).map(|i| self.row_syndrome(x, i, &mut acc)).sum()
    }

    /// True when `x` satisfies every check of base rows `0..rows`; stops at the first
    /// unsatisfied row block. `acc` is scratch of Z bytes.
    pub fn satisfies(&self, x: &[u8], rows: usize, acc: &mut [u8]) -> bool {
        (0..rows).all(|i| self.row_syndrome(x, i, acc) == 0)
    }

    fn row_syndrome(&self, x: &[u8], i: usize, acc: &mut [u8]) -> usize {
        let z = self.lifting_size;
        acc.iter_mut().for_each(|a| *a = 0);
        for e in self.row(i) {
            xor_shifted(acc, &x[e.col * z..(e.col + 1) * z], e.shift);
        }
        acc.iter().filter(|&&a| a != 0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ldpc::base_graph::lifting_sizes;
    use crate::rng::{BlockRng, Stream};

    /// H·x = 0 for random information words, both base graphs, all 51 lifting sizes.
    #[test]
    fn every_codeword_satisfies_all_checks() {
        for bg in [BaseGraphId::Bg1, BaseGraphId::Bg2] {
            for (t, &(z, _)) in lifting_sizes().iter().enumerate() {
                let code = LiftedCode::get(bg, z);
                let mut x = vec![0u8; code.cols() * z];
                for trial in 0..3u32 {
                    let k = bg.info_cols() * z;
                    BlockRng::new(11, t as u32, trial).bits(Stream::Bits, &mut x[..k]);
                    code.encode_in_place(&mut x);
                    assert_eq!(
                        code.syndrome_weight(&x, bg.rows()),
                        0,
                        "{bg:?} Z={z} trial {trial}"
                    );
                    // A single flipped bit must violate some check.
                    x[k + 3] ^= 1;
                    assert!(code.syndrome_weight(&x, bg.rows()) > 0);
                    x[k + 3] ^= 1;
                }
            }
        }
    }
}
