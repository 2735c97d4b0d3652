//! The two 5G NR LDPC base graphs and lifting sizes (TS 38.212 §5.3.2, Tables 5.3.2-1..3),
//! loaded from the reference data in `sim-core/data/` (copied from `shared/reference/`).

use crate::data::data_lines;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

const BG1_CSV: &str = include_str!("../../data/ldpc_bg1.csv");
const BG2_CSV: &str = include_str!("../../data/ldpc_bg2.csv");
const LIFTING_CSV: &str = include_str!("../../data/ldpc_lifting_sizes.csv");

/// Which base graph (TS 38.212 §5.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BaseGraphId {
    Bg1,
    Bg2,
}

impl BaseGraphId {
    /// Rows (check-node blocks) of the base graph.
    pub fn rows(self) -> usize {
        match self {
            BaseGraphId::Bg1 => 46,
            BaseGraphId::Bg2 => 42,
        }
    }
    /// Columns (variable-node blocks).
    pub fn cols(self) -> usize {
        match self {
            BaseGraphId::Bg1 => 68,
            BaseGraphId::Bg2 => 52,
        }
    }
    /// Systematic columns K_b of the full graph (22 for BG1, 10 for BG2).
    pub fn info_cols(self) -> usize {
        self.cols() - self.rows()
    }
    /// Largest code block K_cb (TS 38.212 §5.2.2).
    pub fn max_code_block(self) -> usize {
        match self {
            BaseGraphId::Bg1 => 8448,
            BaseGraphId::Bg2 => 3840,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            BaseGraphId::Bg1 => "BG1",
            BaseGraphId::Bg2 => "BG2",
        }
    }
}

/// A nonzero entry of a base graph: row, column and the shift V for each set index iLS.
#[derive(Debug, Clone, Copy)]
pub struct BaseEntry {
    pub row: u16,
    pub col: u16,
    pub shift_by_set: [u16; 8],
}

/// A base graph: its nonzero entries sorted by (row, column).
#[derive(Debug)]
pub struct BaseGraph {
    pub id: BaseGraphId,
    pub entries: Vec<BaseEntry>,
}

fn parse_base_graph(id: BaseGraphId, csv: &str) -> BaseGraph {
    let mut entries: Vec<BaseEntry> = data_lines(csv)
        .map(|line| {
            let f: Vec<u16> = line
                .split(',')
                .map(|x| x.trim().parse().expect("reference base graph is numeric"))
                .collect();
            let mut shift_by_set = [0u16; 8];
            shift_by_set.copy_from_slice(&f[2..10]);
            BaseEntry {
                row: f[0],
                col: f[1],
                shift_by_set,
            }
        })
        .collect();
    entries.sort_by_key(|e| (e.row, e.col));
    BaseGraph { id, entries }
}

impl BaseGraph {
    /// The base graph, parsed once from the embedded table.
    pub fn get(id: BaseGraphId) -> &'static BaseGraph {
        static BG1: OnceLock<BaseGraph> = OnceLock::new();
        static BG2: OnceLock<BaseGraph> = OnceLock::new();
        match id {
            BaseGraphId::Bg1 => BG1.get_or_init(|| parse_base_graph(id, BG1_CSV)),
            BaseGraphId::Bg2 => BG2.get_or_init(|| parse_base_graph(id, BG2_CSV)),
        }
    }
}

/// The 51 lifting sizes of Table 5.3.2-1 with their set index iLS, ascending in Z.
pub fn lifting_sizes() -> &'static [(usize, usize)] {
    static SIZES: OnceLock<Vec<(usize, usize)>> = OnceLock::new();
    SIZES.get_or_init(|| {
        let mut v = Vec::new();
        for line in data_lines(LIFTING_CSV) {
            // ils,a,"z z z ..."
            let mut parts = line.splitn(3, ',');
            let ils: usize = parts
                .next()
                .and_then(|x| x.trim().parse().ok())
                .expect("iLS");
            let _a = parts.next();
            let zs = parts.next().expect("Z values").trim_matches('"');
            for z in zs.split_whitespace() {
                v.push((z.parse().expect("Z"), ils));
            }
        }
        v.sort_unstable();
        v
    })
}

/// Set index iLS of a lifting size, or `None` if `z` is not one of the 51 sizes.
pub fn set_index(z: usize) -> Option<usize> {
    lifting_sizes()
        .iter()
        .find(|&&(zz, _)| zz == z)
        .map(|&(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_the_published_sizes() {
        assert_eq!(BaseGraph::get(BaseGraphId::Bg1).entries.len(), 316);
        assert_eq!(BaseGraph::get(BaseGraphId::Bg2).entries.len(), 197);
        assert_eq!(lifting_sizes().len(), 51);
        assert_eq!(lifting_sizes().last(), Some(&(384, 1)));
        let e = BaseGraph::get(BaseGraphId::Bg1).entries[0];
        assert_eq!((e.row, e.col, e.shift_by_set[0]), (0, 0, 250));
        for id in [BaseGraphId::Bg1, BaseGraphId::Bg2] {
            for e in &BaseGraph::get(id).entries {
                assert!((e.row as usize) < id.rows() && (e.col as usize) < id.cols());
            }
        }
    }
}
