//! NR PDSCH phase-tracking reference signals (TS 38.211 §7.4.1.2): which OFDM symbols and
//! subcarriers of a slot carry PT-RS, and their values. One PT-RS port, associated with the
//! lowest DMRS port (1000, layer 0): the PT-RS resource elements carry no data on any layer
//! (the code words are rate-matched around them) and, on the other layers, nothing.

use crate::link::{OfdmSpec, PtrsSpec};
use crate::Cf32;

/// The PT-RS symbols of a slot of `symbols` OFDM symbols with DMRS on `dmrs` (ascending) at
/// time density L (§7.4.1.2.2, the PDSCH starting at symbol 0): from l_ref = 0, symbol
/// l_ref + i·L for i = 0, 1, … unless a DMRS symbol lies in
/// [max(l_ref + (i − 1)·L + 1, l_ref), l_ref + i·L], which restarts the count from that DMRS
/// symbol (i = 1, l_ref = the DMRS symbol), as long as l_ref + i·L < `symbols`.
pub fn ptrs_symbols(symbols: usize, dmrs: &[usize], l: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut i, mut l_ref) = (0usize, 0usize);
    while l_ref + i * l < symbols {
        let from = (l_ref + i * l + 1).saturating_sub(l).max(l_ref);
        let to = l_ref + i * l;
        match dmrs.iter().rev().find(|&&d| (from..=to).contains(&d)) {
            Some(&d) => {
                i = 1;
                l_ref = d;
            }
            None => {
                out.push(l_ref + i * l);
                i += 1;
            }
        }
    }
    out
}

/// k_ref^RE of the PT-RS port associated with DMRS port 1000 (TS 38.211 Table 7.4.1.2.2-1),
/// by resourceElementOffset '00', '01', '10', '11' (0 … 3), for DMRS configuration type 1
/// and 2.
pub fn ptrs_re_offset(config_type: u8, re_offset: usize) -> usize {
    match config_type {
        1 => [0, 2, 6, 8][re_offset],
        _ => [0, 1, 6, 7][re_offset],
    }
}

/// The PT-RS subcarriers of `subcarriers` (N_RB = subcarriers / 12 PRBs) at frequency
/// density K PRBs: k = k_ref^RE + (i·K + k_ref^RB)·12 with n_RNTI = 0, so k_ref^RB = 0.
pub fn ptrs_subcarriers(
    subcarriers: usize,
    k: usize,
    config_type: u8,
    re_offset: usize,
) -> Vec<usize> {
    let k_re = ptrs_re_offset(config_type, re_offset);
    (0..)
        .map(|i| k_re + i * k * 12)
        .take_while(|&sc| sc < subcarriers)
        .collect()
}

/// The PT-RS value on subcarrier k: the DMRS sequence of the first DMRS symbol there,
/// r(2m + k′) (§7.4.1.2.1), times β_PT-RS; `dmrs_first_row` is layer 0's DMRS values of
/// the first pilot symbol (`dmrs::dmrs_values`' first row), which on port 1000 are r(2m + k′)
/// (w_f = w_t = 1).
pub fn ptrs_value(p: &PtrsSpec, dmrs_first_row: &[Cf32], k: usize) -> Cf32 {
    let v = dmrs_first_row[k];
    [p.amplitude * v[0], p.amplitude * v[1]]
}

impl PtrsSpec {
    /// PT-RS resource elements per slot.
    pub fn res(&self) -> usize {
        self.symbols.len() * self.subcarriers.len()
    }
}

impl OfdmSpec {
    /// Whether resource element (symbol `s`, subcarrier `k`) carries PT-RS.
    pub fn is_ptrs(&self, s: usize, k: usize) -> bool {
        self.ptrs.as_ref().is_some_and(|p| {
            p.symbols.binary_search(&s).is_ok() && p.subcarriers.binary_search(&k).is_ok()
        })
    }
    /// PT-RS resource elements per slot.
    pub fn ptrs_res(&self) -> usize {
        self.ptrs.as_ref().map_or(0, PtrsSpec::res)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §7.4.1.2.2 worked through for DMRS on symbols 2 and 11 (and 2 only): L = 1 puts PT-RS
    /// on every other symbol; L = 2 and 4 restart after each DMRS symbol.
    #[test]
    fn time_positions_follow_the_standard() {
        let all: Vec<usize> = (0..14).filter(|s| ![2, 11].contains(s)).collect();
        assert_eq!(ptrs_symbols(14, &[2, 11], 1), all);
        assert_eq!(ptrs_symbols(14, &[2, 11], 2), vec![0, 4, 6, 8, 10, 13]);
        assert_eq!(ptrs_symbols(14, &[2, 11], 4), vec![0, 6, 10]);
        assert_eq!(ptrs_symbols(14, &[2], 4), vec![0, 6, 10]);
        assert_eq!(ptrs_symbols(14, &[2], 2), vec![0, 4, 6, 8, 10, 12]);
        assert_eq!(ptrs_symbols(14, &[2, 5, 8, 11], 2), vec![0, 4, 7, 10, 13]);
        assert_eq!(ptrs_symbols(14, &[3, 7, 11], 1).len(), 11);
    }

    /// Table 7.4.1.2.2-1 (port 1000) and every K PRBs from k_ref^RE: 24 PRBs at K = 2 give 12
    /// PT-RS subcarriers 0, 24, …; type 2 offset '11' starts at 7.
    #[test]
    fn frequency_positions_follow_the_standard() {
        let k = ptrs_subcarriers(288, 2, 1, 0);
        assert_eq!(k.len(), 12);
        assert_eq!((k[0], k[1], k[11]), (0, 24, 264));
        assert_eq!(ptrs_subcarriers(288, 4, 1, 1)[..2], [2, 50]);
        assert_eq!(ptrs_subcarriers(288, 4, 2, 3)[..2], [7, 55]);
        assert_eq!(ptrs_subcarriers(60, 4, 1, 2), vec![6, 54]);
        // Every PT-RS subcarrier of port 1000 is one of its DMRS subcarriers.
        for t in [1u8, 2] {
            for off in 0..4 {
                let k = ptrs_re_offset(t, off);
                let dmrs = if t == 1 {
                    k.is_multiple_of(2)
                } else {
                    (k % 6) / 2 == 0
                };
                assert!(dmrs, "type {t} offset {off}: k {k}");
            }
        }
    }
}
