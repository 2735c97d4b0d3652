//! The rate-matching tables of the chain's transmissions (`d_index`, `rec_start` and `rec_e`
//! of `link_chain.wgsl`), back to back: per transmission (one, or each HARQ transmission with
//! its RV) the E_lo table, then the E_hi one.

use sim_core::ldpc::RateMatcher;

/// The tables of every transmission, and where each transmission's begin.
#[derive(Default)]
pub(super) struct RateTables {
    pub d_index: Vec<u32>,
    pub rec_start: Vec<u32>,
    pub rec_e: Vec<u32>,
    /// Per transmission: its offsets into `d_index` and `rec_start` (`d_base`, `rec_base`).
    pub bases: Vec<(u32, u32)>,
}

impl RateTables {
    /// Placeholders of an uncoded link (one transmission, tables unused).
    pub fn uncoded() -> Self {
        RateTables {
            d_index: vec![0],
            rec_start: vec![0, 0],
            rec_e: vec![0],
            bases: vec![(0, 0)],
        }
    }

    /// Appends one transmission's matchers (E_lo, E_hi) over `d_len` codeword positions: the
    /// bit-selection maps, and per matcher the CSR of the output bits of each d position in
    /// ascending order (the CPU's summation order in `RateMatcher::rate_recover`).
    pub fn push(&mut self, matchers: &[RateMatcher; 2], d_len: usize) {
        self.bases
            .push((self.d_index.len() as u32, self.rec_start.len() as u32));
        for m in matchers {
            let offset = self.rec_e.len() as u32;
            let mut counts = vec![0u32; d_len + 1];
            for &k in &m.d_index {
                counts[k as usize + 1] += 1;
            }
            for k in 0..d_len {
                counts[k + 1] += counts[k];
            }
            let mut fill = counts.clone();
            let mut table = vec![0u32; m.e];
            for (t, &k) in m.d_index.iter().enumerate() {
                table[fill[k as usize] as usize] = t as u32;
                fill[k as usize] += 1;
            }
            self.rec_start.extend(counts.iter().map(|&c| c + offset));
            self.rec_e.extend(table);
            self.d_index.extend(&m.d_index);
        }
    }
}
