//! The launch layout the WGSL LDPC decoders derive from a code's pruned graph: which
//! columns' posteriors stay on-chip (flooding), the layered kernel's row groups, the core
//! columns and the largest check degree.

use sim_core::ldpc::LdpcDecoder;

/// Leading columns whose posterior the flooding kernel keeps on-chip, and the floats of
/// workgroup memory its messages take (1 when they stay in global memory): every column when
/// they fit `limit` bytes (with the messages, for `FloodingShared`), else the core ones.
pub(crate) fn flooding_layout(
    decoder: &LdpcDecoder,
    shared_messages: bool,
    limit: u32,
) -> (usize, usize) {
    let z = decoder.lifting_size();
    let msg = if shared_messages {
        decoder.edges().len() * z
    } else {
        1
    };
    let fits = |cols: usize| 4 * (cols * z + msg) + 16 <= limit as usize;
    match fits(decoder.cols()) {
        true => (decoder.cols(), msg),
        false => (core_cols(decoder), msg),
    }
}

/// Boundaries of the layered row groups: consecutive rows, at most `max` per group and at
/// most `max_lanes` check lanes (rows · Z), no column shared inside a group (so updating a
/// group at once gives exactly the row-by-row result). Starts with 0 and ends with the row
/// count.
pub(crate) fn row_groups(decoder: &LdpcDecoder, max: usize, max_lanes: usize) -> Vec<usize> {
    let z = decoder.lifting_size();
    let (edges, rs) = (decoder.edges(), decoder.row_start());
    let cols_of =
        |row: usize| -> Vec<usize> { edges[rs[row]..rs[row + 1]].iter().map(|e| e.col).collect() };
    let mut bounds = vec![0];
    let mut used: Vec<usize> = Vec::new();
    for row in 0..decoder.rows() {
        let start = *bounds.last().expect("starts with 0");
        let cols = cols_of(row);
        let full = row - start >= max.max(1) || (row - start + 1) * z > max_lanes;
        if row > start && (full || cols.iter().any(|c| used.contains(c))) {
            bounds.push(row);
            used.clear();
        }
        used.extend(cols);
    }
    bounds.push(decoder.rows());
    bounds
}

/// Leading columns of `decoder`'s pruned graph after which every column has degree 1.
pub(crate) fn core_cols(decoder: &LdpcDecoder) -> usize {
    let mut degree = vec![0usize; decoder.cols()];
    for e in decoder.edges() {
        degree[e.col] += 1;
    }
    degree.iter().rposition(|&d| d != 1).map_or(0, |c| c + 1)
}

/// The largest check degree of `decoder`'s pruned graph.
pub(crate) fn max_degree(decoder: &LdpcDecoder) -> usize {
    let rs = decoder.row_start();
    rs.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::ldpc::{BaseGraphId, DecoderSettings, LdpcDecoder, LiftedCode};

    /// Row groups cover every row once, in order, share no column inside a group, and do
    /// group rows where the graph allows it (BG1's extension rows; BG2's first 12 rows have
    /// no column-disjoint neighbours).
    #[test]
    fn row_groups_are_column_disjoint() {
        for (bg, z, kept) in [(BaseGraphId::Bg1, 384, 44), (BaseGraphId::Bg2, 104, 20)] {
            let code = LiftedCode::get(bg, z);
            let dec = LdpcDecoder::new(code, kept * z, DecoderSettings::default());
            let (edges, rs) = (dec.edges(), dec.row_start());
            // The shared-memory kernel's limits, and none (the generated kernels).
            for (max, lanes) in [(1, 1024), (2, 1024), (4, 1024), (usize::MAX, usize::MAX)] {
                let g = row_groups(&dec, max, lanes);
                assert_eq!((g[0], *g.last().unwrap()), (0, dec.rows()));
                assert!(g.windows(2).all(|w| w[0] < w[1] && w[1] - w[0] <= max));
                for w in g.windows(2) {
                    let mut cols: Vec<usize> =
                        edges[rs[w[0]]..rs[w[1]]].iter().map(|e| e.col).collect();
                    let n = cols.len();
                    cols.sort();
                    cols.dedup();
                    assert_eq!(cols.len(), n, "{bg:?} group {w:?} shares a column");
                }
                if max == 1 {
                    assert_eq!(g.len(), dec.rows() + 1);
                } else if bg == BaseGraphId::Bg1 {
                    assert!(
                        g.len() < dec.rows(),
                        "{bg:?} max {max}: {} groups",
                        g.len() - 1
                    );
                }
            }
        }
    }
}
