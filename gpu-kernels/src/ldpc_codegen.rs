//! Generates the straight-line bodies of the decoders with the whole state on-chip for one
//! pruned graph: `shaders/ldpc_layered_registers.wgsl` (layered min-sum and layered BP) and
//! `shaders/ldpc_flooding_registers.wgsl` (flooding BP). Each invocation owns lane l of every
//! row: its per-invocation state (the rows' check messages, each extension column's
//! posterior), one iteration with the columns and shifts as constants, and the syndrome of
//! its checks.

use crate::ldpc_layout::{core_cols, row_groups};
use sim_core::ldpc::LdpcDecoder;
use std::fmt::Write;

const LAYERED: &str = include_str!("../shaders/ldpc_layered_registers.wgsl");
const FLOODING: &str = include_str!("../shaders/ldpc_flooding_registers.wgsl");

/// The layered kernel source for `decoder` (to be prefixed with the vote and common WGSL):
/// min-sum, or sum-product with `bp`.
pub(crate) fn layered_registers_source(decoder: &LdpcDecoder, bp: bool) -> String {
    let z = decoder.lifting_size();
    let core = core_cols(decoder);
    let rows = row_edges(decoder);
    let mut state = String::new();
    let mut e = 0;
    for (r, edges) in rows.iter().enumerate() {
        // Min-sum: the row's magnitudes and packed index/signs; BP: each edge's message; 0 =
        // the CPU's initial messages.
        match bp {
            false => w(
                &mut state,
                format_args!("    var a{r} = 0.0;\n    var b{r} = 0.0;\n    var p{r} = 0u;\n"),
            ),
            true => {
                for _ in edges {
                    w(&mut state, format_args!("    var m{e} = 0.0;\n"));
                    e += 1;
                }
            }
        }
        for &(col, shift) in edges.iter().filter(|e| e.0 >= core) {
            w(
                &mut state,
                format_args!(
                    "    var x{col} = 0.0;\n    if (act) {{\n        x{col} = {};\n    }}\n",
                    channel(col, shift, z)
                ),
            );
        }
    }
    let first = first_edges(&rows);
    let body = iteration(decoder, |body, r| match bp {
        false => layered_row(body, r, &rows[r], core, z),
        true => layered_bp_row(body, first[r], &rows[r], core, z),
    });
    fill(
        LAYERED,
        z,
        core,
        &state,
        &body,
        &syndrome(&rows, core, z, "post["),
    )
}

/// The index of each row's first edge (the edges numbered row after row).
fn first_edges(rows: &[Vec<(usize, usize)>]) -> Vec<usize> {
    rows.iter()
        .scan(0, |acc, r| {
            let first = *acc;
            *acc += r.len();
            Some(first)
        })
        .collect()
}

/// The flooding BP kernel source for `decoder` (to be prefixed with the vote and common
/// WGSL, which has `phi`).
pub(crate) fn flooding_registers_source(decoder: &LdpcDecoder) -> String {
    let z = decoder.lifting_size();
    let core = core_cols(decoder);
    let rows = row_edges(decoder);
    let mut state = String::new();
    let mut e = 0;
    for edges in &rows {
        for &(col, shift) in edges {
            // Each edge's message (0 = the CPU's initial messages); an extension column's
            // clamped channel LLR and posterior.
            w(&mut state, format_args!("    var m{e} = 0.0;\n"));
            e += 1;
            if col >= core {
                w(
                    &mut state,
                    format_args!(
                        "    var c{col} = 0.0;\n    if (act) {{\n        c{col} = {};\n    }}\n    \
                         var x{col} = c{col};\n",
                        channel(col, shift, z)
                    ),
                );
            }
        }
    }
    let first = first_edges(&rows);
    let body = iteration(decoder, |body, r| {
        flooding_row(body, first[r], &rows[r], core, z)
    });
    fill(
        FLOODING,
        z,
        core,
        &state,
        &body,
        &syndrome(&rows, core, z, "buf[cur + "),
    )
}

/// `template` with its constants and the generated parts.
fn fill(template: &str, z: usize, core: usize, state: &str, rows: &str, syndrome: &str) -> String {
    let header = format!(
        "const Z: u32 = {z}u;\nconst CORE_WORDS: u32 = {}u;\n",
        core * z
    );
    header
        + &template
            .replace("//@STATE@\n", state)
            .replace("//@ROWS@\n", rows)
            .replace("//@SYNDROME@\n", syndrome)
}

/// The clamped channel LLR of lane l's variable in column `col` shifted by `shift`.
fn channel(col: usize, shift: usize, z: usize) -> String {
    format!(
        "clamp(channel[base_v + {}], -clip, clip)",
        index(col, shift, z)
    )
}

/// Sets `bad` when one of lane l's checks is unsatisfied by the posterior (core columns in
/// the workgroup array opened by `core_array`, extension columns in registers).
fn syndrome(rows: &[Vec<(usize, usize)>], core: usize, z: usize, core_array: &str) -> String {
    let mut s = String::from("            if (act) {\n");
    for edges in rows {
        let parity: Vec<String> = edges
            .iter()
            .map(|&(col, shift)| match col < core {
                true => format!("neg({core_array}{}])", index(col, shift, z)),
                false => format!("neg(x{col})"),
            })
            .collect();
        w(
            &mut s,
            format_args!(
                "                bad = bad || ({}) != 0u;\n",
                parity.join(" ^ ")
            ),
        );
    }
    s.push_str("            }\n");
    s
}

/// Appends formatted text (writing to a String cannot fail).
fn w(s: &mut String, args: std::fmt::Arguments) {
    s.write_fmt(args).expect("writing to a String");
}

/// The block-relative index of lane l's variable in column `col` shifted by `shift`:
/// col · Z + (l + shift) mod Z.
fn index(col: usize, shift: usize, z: usize) -> String {
    match shift {
        0 => format!("{}u + l", col * z),
        s => format!("{}u + wrap(l, {s}u)", col * z),
    }
}

/// (column, shift) of each row's edges, in the CPU decoder's order.
fn row_edges(decoder: &LdpcDecoder) -> Vec<Vec<(usize, usize)>> {
    let (edges, rs) = (decoder.edges(), decoder.row_start());
    (0..decoder.rows())
        .map(|r| {
            edges[rs[r]..rs[r + 1]]
                .iter()
                .map(|e| (e.col, e.shift))
                .collect()
        })
        .collect()
}

/// One iteration: `row(body, r)` writes row r's update; groups of consecutive rows without a
/// common column (`row_groups` without limits: the extension columns are private to one
/// invocation anyway) share a barrier, which gives the row-by-row result.
fn iteration(decoder: &LdpcDecoder, mut row: impl FnMut(&mut String, usize)) -> String {
    let mut body = String::new();
    for g in row_groups(decoder, usize::MAX, usize::MAX).windows(2) {
        body.push_str("        if (act) {\n");
        for r in g[0]..g[1] {
            row(&mut body, r);
        }
        body.push_str("        }\n        workgroupBarrier();\n");
    }
    body
}

/// Emits the workgroup index `i{k}` of each core-column input of a row (lane l's variable in
/// the shifted column) and returns each input's expression: `{array}i{k}]` for a core column
/// (`array` opens the workgroup array), the register `x{col}` for an extension column.
fn inputs(
    s: &mut String,
    edges: &[(usize, usize)],
    core: usize,
    z: usize,
    array: &str,
) -> Vec<String> {
    edges
        .iter()
        .enumerate()
        .map(|(k, &(col, shift))| match col < core {
            true => {
                w(
                    s,
                    format_args!("                let i{k} = {};\n", index(col, shift, z)),
                );
                format!("{array}i{k}]")
            }
            false => format!("x{col}"),
        })
        .collect()
}

/// One row's layered min-sum check update for lane `l`: inputs = posterior − old message,
/// min search, new messages added back, state kept.
fn layered_row(s: &mut String, r: usize, edges: &[(usize, usize)], core: usize, z: usize) {
    s.push_str("            {\n");
    w(
        s,
        format_args!("                var tr = Track(BIG, BIG, 0u, 0u);\n"),
    );
    let vars = inputs(s, edges, core, z, "post[");
    for (k, var) in vars.iter().enumerate() {
        w(
            s,
            format_args!(
                "                let t{k} = {var} - message(a{r}, b{r}, p{r}, {k}u);\n                \
                 tr = track(tr, t{k}, {k}u);\n"
            ),
        );
    }
    w(
        s,
        format_args!(
            "                let n1 = magnitude(tr.min1);\n                let n2 = magnitude(tr.min2);\n"
        ),
    );
    let mut packed = vec!["tr.arg".to_string()];
    for (k, var) in vars.iter().enumerate() {
        w(
            s,
            format_args!("                {var} = t{k} + answer(tr, n1, n2, t{k}, {k}u);\n"),
        );
        packed.push(format!("sign_bit(tr, t{k}, {k}u)"));
    }
    w(
        s,
        format_args!(
            "                a{r} = n1;\n                b{r} = n2;\n                p{r} = {};\n            }}\n",
            packed.join(" | ")
        ),
    );
}

/// Opens a BP check update of a row: each input t{k} (lane l's posterior of edge k, returned
/// as `inputs` gives it) minus its old message m{first + k}, its phi, the phi sum and the
/// sign product.
fn bp_inputs(
    s: &mut String,
    first: usize,
    edges: &[(usize, usize)],
    core: usize,
    z: usize,
    array: &str,
) -> Vec<String> {
    s.push_str("            {\n                var sum = 0.0;\n                var sign = 0u;\n");
    let vars = inputs(s, edges, core, z, array);
    for (k, var) in vars.iter().enumerate() {
        let e = first + k;
        w(
            s,
            format_args!(
                "                let t{k} = {var} - m{e};\n                let q{k} = phi(abs(t{k}));\n                \
                 sum += q{k};\n                sign ^= bitcast<u32>(t{k}) & SIGN;\n"
            ),
        );
    }
    vars
}

/// One row's flooding BP check update for lane `l` (its edges' messages are m{first}..):
/// inputs = old posterior − old message, phi sum, new messages added into the next posterior
/// (an extension column's: its channel LLR plus the message).
fn flooding_row(s: &mut String, first: usize, edges: &[(usize, usize)], core: usize, z: usize) {
    bp_inputs(s, first, edges, core, z, "buf[cur + ");
    for (k, &(col, _)) in edges.iter().enumerate() {
        let e = first + k;
        w(
            s,
            format_args!("                m{e} = reply(sum, q{k}, sign, t{k});\n"),
        );
        match col < core {
            true => w(
                s,
                format_args!("                buf[nxt + i{k}] += m{e};\n"),
            ),
            false => w(s, format_args!("                x{col} = c{col} + m{e};\n")),
        }
    }
    s.push_str("            }\n");
}

/// One row's layered BP check update for lane `l` (its edges' messages are m{first}..):
/// inputs = posterior − old message, phi sum, posterior = input + new message.
fn layered_bp_row(s: &mut String, first: usize, edges: &[(usize, usize)], core: usize, z: usize) {
    let vars = bp_inputs(s, first, edges, core, z, "post[");
    for (k, var) in vars.iter().enumerate() {
        let e = first + k;
        w(
            s,
            format_args!(
                "                m{e} = reply(sum, q{k}, sign, t{k});\n                {var} = t{k} + m{e};\n"
            ),
        );
    }
    s.push_str("            }\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::ldpc::{BaseGraphId, DecoderSettings, LiftedCode};

    /// Lines of `src` declaring `{prefix}N…` for a number N (the generated per-row, per-edge
    /// and per-column state).
    fn numbered_vars(src: &str, prefix: &str) -> usize {
        src.lines()
            .filter(|l| {
                l.strip_prefix(prefix)
                    .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
            })
            .count()
    }

    /// The generated sources have every marker replaced and the state of every row, edge and
    /// extension column.
    #[test]
    fn source_is_complete() {
        let dec = LdpcDecoder::new(
            LiftedCode::get(BaseGraphId::Bg1, 384),
            44 * 384,
            DecoderSettings::default(),
        );
        let src = flooding_registers_source(&dec);
        assert!(!src.contains("//@"));
        assert_eq!(numbered_vars(&src, "    var m"), dec.edges().len());
        assert_eq!(numbered_vars(&src, "    var c"), dec.rows() - 4);
        assert_eq!(src.matches("bad = bad ||").count(), dec.rows());
        let src = layered_registers_source(&dec, true);
        assert!(!src.contains("//@"));
        assert_eq!(numbered_vars(&src, "    var m"), dec.edges().len());
        let src = layered_registers_source(&dec, false);
        assert!(!src.contains("//@"));
        assert!(src.starts_with("const Z: u32 = 384u;"));
        for r in 0..dec.rows() {
            assert!(src.contains(&format!("var p{r} = 0u;")));
        }
        // One syndrome line per row; BG1's rows 4.. each own one extension column.
        assert_eq!(src.matches("bad = bad ||").count(), dec.rows());
        assert_eq!(numbered_vars(&src, "    var x"), dec.rows() - 4);
    }
}
