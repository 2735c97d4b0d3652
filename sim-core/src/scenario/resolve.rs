//! Scenario text → checked [`Resolved`] scenario: every rule a value must meet, each failure
//! reported with file, line, column, key, value and what is accepted.

use super::location::{key_path_at, line_col, located, span_of, value_at, ScenarioError};
use super::schema::*;
use crate::crc::CrcPoly;
use crate::ldpc::{default_tb_crc, lbrm_n_ref, select_base_graph, BaseGraphId, TbCodeParams};
use crate::link::{Coding, LinkSpec, PointSpec, SweepVariable};
use std::path::Path;

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub scenario: Scenario,
    /// The file as written (stored in the results' metadata).
    pub source: String,
    pub file: String,
    pub link: LinkSpec,
    pub sweep_variable: SweepVariable,
    pub points: Vec<PointSpec>,
    /// A `[sweep]` list of runs (`mcs`, `speed_kmh`, `profile`, ...; two or more entries):
    /// one run per entry, joined; the link is the first entry's.
    pub outer: Option<super::outer_sweep::OuterSweep>,
}

/// Most points one sweep may have.
pub const MAX_POINTS: usize = 10_000;

/// Reads and resolves a scenario file.
pub fn load(path: &Path) -> Result<Resolved, ScenarioError> {
    super::overrides::load_with(path, &[])
}

/// Parses and resolves scenario `text`; `file` names it in errors.
pub fn resolve(text: &str, file: &str) -> Result<Resolved, ScenarioError> {
    let mut scenario: Scenario = toml::from_str(text).map_err(|e| serde_error(text, file, &e))?;
    let doc = toml_edit::Document::parse(text).map_err(|e| ScenarioError {
        file: file.into(),
        line: 1,
        column: 1,
        key: String::new(),
        value: String::new(),
        message: e.to_string(),
    })?;
    let fail = |path: &[&str], message: String| {
        let message = if text.is_empty() || span_of(&doc, path).is_some() {
            message
        } else {
            format!("{message} (the key is not set; this is its default)")
        };
        located(&doc, text, file, path, message)
    };
    check(&scenario, &fail)?;
    super::training::check_training(&scenario, &fail)?;
    let set = |path: &[&str]| span_of(&doc, path).is_some();
    let outer = super::outer_sweep::outer_sweep(&mut scenario, &fail, &set, &|one| {
        build_link(one, &fail, &set)
    })?;
    let mut link = build_link(&scenario, &fail, &set)?;
    super::link_rules::pi2_bpsk_rules(&scenario, &link, &fail)?;
    super::link_rules::ml_rules(&scenario, &link, &fail)?;
    super::link_rules::kbest_rules(&scenario, &link, &fail)?;
    link.harq = harq(&scenario, &link, &fail, &set)?;
    let (sweep_variable, points) = super::sweep_points::sweep_points(&scenario, &mut link, &fail)?;
    Ok(Resolved {
        scenario,
        source: text.to_string(),
        file: file.to_string(),
        link,
        sweep_variable,
        points,
        outer,
    })
}

fn serde_error(text: &str, file: &str, e: &toml::de::Error) -> ScenarioError {
    let span = e.span().unwrap_or(0..0);
    let (line, column) = line_col(text, span.start);
    let mut message = e.message().trim().to_string();
    let mut key = key_path_at(text, span.start);
    if let Some(missing) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.split('`').next())
    {
        key = if key.is_empty() {
            missing.to_string()
        } else {
            format!("{key}.{missing}")
        };
        message = "this key is required".into();
    }
    if message.contains("untagged enum SweepValues") {
        message =
            "expected a list of numbers [a, b, ..] or { start = .., stop = .., step = .. }".into();
    }
    let value = if span.is_empty()
        || message == "this key is required"
        || message.starts_with("unknown field")
    {
        String::new()
    } else {
        value_at(text, &span)
    };
    ScenarioError {
        file: file.into(),
        line,
        column,
        key,
        value,
        message,
    }
}

pub(super) type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

fn check(s: &Scenario, fail: &Fail) -> Result<(), ScenarioError> {
    if s.name.trim().is_empty()
        || !s
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(fail(
            &["name"],
            "expected a non-empty name of letters, digits, '-', '_' or '.' (it names the output folder)"
                .into(),
        ));
    }
    let c = &s.code;
    if c.info_bits == 0 || c.info_bits > 1_000_000 {
        return Err(fail(
            &["code", "info_bits"],
            "expected 1 ..= 1000000 payload bits".into(),
        ));
    }
    if let Some(r) = c.rate {
        if !(r > 0.0 && r <= 0.95) {
            return Err(fail(
                &["code", "rate"],
                "expected a code rate in (0, 0.95]".into(),
            ));
        }
    }
    if c.rate.is_some() && c.coded_bits.is_some() {
        return Err(fail(
            &["code", "coded_bits"],
            "give `rate` or `coded_bits`, not both".into(),
        ));
    }
    if c.redundancy_version > 3 {
        return Err(fail(
            &["code", "redundancy_version"],
            "expected 0, 1, 2 or 3".into(),
        ));
    }
    let d = &c.decoder;
    if d.iterations == 0 || d.iterations > 1000 {
        return Err(fail(
            &["code", "decoder", "iterations"],
            "expected 1 ..= 1000".into(),
        ));
    }
    if !(d.scaling > 0.0 && d.scaling <= 1.0) {
        return Err(fail(
            &["code", "decoder", "scaling"],
            "expected a min-sum scaling in (0, 1]".into(),
        ));
    }
    if !(d.offset >= 0.0 && d.offset.is_finite()) {
        return Err(fail(
            &["code", "decoder", "offset"],
            "expected a min-sum offset ≥ 0".into(),
        ));
    }
    if !(d.llr_clip > 0.0 && d.llr_clip.is_finite()) {
        return Err(fail(
            &["code", "decoder", "llr_clip"],
            "expected a positive clip".into(),
        ));
    }
    if s.channel.model != ChannelModel::Rayleigh && s.channel.fading.is_some() {
        return Err(fail(
            &["channel", "fading"],
            "`fading` applies to model = \"rayleigh\" only".into(),
        ));
    }
    let st = &s.stop;
    if st.min_block_errors == 0 {
        return Err(fail(
            &["stop", "min_block_errors"],
            "expected at least 1".into(),
        ));
    }
    if st.max_blocks == 0 {
        return Err(fail(&["stop", "max_blocks"], "expected at least 1".into()));
    }
    if !(0.0..1.0).contains(&st.min_bler) {
        return Err(fail(
            &["stop", "min_bler"],
            "expected 0 <= min_bler < 1 (0 disables)".into(),
        ));
    }
    if s.run.batch_blocks == Some(0) {
        return Err(fail(&["run", "batch_blocks"], "expected at least 1".into()));
    }
    Ok(())
}

fn build_link(
    s: &Scenario,
    fail: &Fail,
    set: &dyn Fn(&[&str]) -> bool,
) -> Result<LinkSpec, ScenarioError> {
    if let Some(mcs) = s.code.mcs {
        return super::mcs_link::mcs_link(s, mcs, fail, set);
    }
    let c = &s.code;
    for key in ["mcs_table", "overhead_per_prb", "tb_scaling"] {
        if set(&["code", key]) {
            return Err(fail(&["code", key], "applies with `mcs` only".into()));
        }
    }
    let m = s.modulation.scheme;
    let qm = m.bits_per_symbol();
    let a = c.info_bits;
    let coding;
    let g;
    match c.kind {
        CodeKind::None => {
            if c.lbrm || c.n_ref.is_some() {
                let key = if c.lbrm { "lbrm" } else { "n_ref" };
                return Err(fail(
                    &["code", key],
                    "limited-buffer rate matching needs kind = \"ldpc\"".into(),
                ));
            }
            if c.rate.is_some() || c.coded_bits.is_some() {
                return Err(fail(
                    &["code", "kind"],
                    "an uncoded link takes no `rate` or `coded_bits`".into(),
                ));
            }
            if !matches!(c.crc, CrcChoice::None | CrcChoice::Auto) {
                return Err(fail(
                    &["code", "crc"],
                    "an uncoded link carries no CRC: use \"none\"".into(),
                ));
            }
            if !a.is_multiple_of(qm) {
                return Err(fail(
                    &["code", "info_bits"],
                    format!(
                        "uncoded {}: info_bits must be a multiple of {qm} bits per symbol",
                        m.name()
                    ),
                ));
            }
            g = a;
            coding = Coding::Uncoded;
        }
        CodeKind::Ldpc => {
            let (g_bits, rate) = match (c.coded_bits, c.rate) {
                (Some(g), _) => (g, a as f64 / g as f64),
                (None, r) => {
                    let r = r.unwrap_or(DEFAULT_RATE);
                    let symbols = (a as f64 / (r * qm as f64)).round().max(1.0) as usize;
                    (symbols * qm, r)
                }
            };
            if g_bits % qm != 0 || g_bits == 0 {
                return Err(fail(
                    &["code", "coded_bits"],
                    format!("expected a positive multiple of Q_m = {qm} ({})", m.name()),
                ));
            }
            if rate > 0.95 {
                return Err(fail(
                    &["code", "coded_bits"],
                    format!("gives rate A/G = {rate:.3}; expected ≤ 0.95"),
                ));
            }
            g = g_bits;
            // The simulator's own code words: one layer each, no TBS_LBRM.
            let tb = TbRequest {
                a,
                g,
                qm,
                rate,
                layers: 1,
                tbs_lbrm: None,
            };
            coding = ldpc_coding(s, tb, fail, &["code", "info_bits"])?;
        }
    }
    let ofdm = super::ofdm::build_ofdm(s, g / qm, fail)?;
    if let Some(o) = ofdm.as_ref().filter(|o| o.transform_precoding) {
        if o.codewords * g / qm != o.data_res() {
            return Err(fail(
                &["ofdm", "transform_precoding"],
                format!(
                    "DFT-s-OFDM spreads whole OFDM symbols, but the code words fill {} of the {} \
                     data resource elements: use `mcs` (one transport block filling the slot) \
                     or a [code] shape that fills it",
                    o.codewords * g / qm,
                    o.data_res()
                ),
            ));
        }
    }
    Ok(link_spec(s, a, g, coding, m, ofdm))
}

/// The link of payload `a` in `g` coded bits with the scenario's demapper and channel (HARQ
/// is attached afterwards).
pub(super) fn link_spec(
    s: &Scenario,
    a: usize,
    g: usize,
    coding: Coding,
    modulation: crate::qam::Modulation,
    ofdm: Option<crate::link::OfdmSpec>,
) -> LinkSpec {
    LinkSpec {
        info_bits: a,
        coded_bits: g,
        coding,
        modulation,
        demapper: s.modulation.demapper,
        channel: s.channel.model,
        fading: s.channel.fading.unwrap_or(Fading::Fast),
        ofdm,
        harq: None,
    }
}

/// The `[harq]` section checked against the link: an LDPC link with a CRC (the receiver's
/// acknowledgement), one transport block per slot, RVs 0 … 3, no `redundancy_version` next to
/// it, no neural receiver.
fn harq(
    s: &Scenario,
    link: &LinkSpec,
    fail: &Fail,
    set: &dyn Fn(&[&str]) -> bool,
) -> Result<Option<crate::link::HarqSpec>, ScenarioError> {
    let Some(h) = &s.harq else { return Ok(None) };
    if !(1..=16).contains(&h.max_transmissions) {
        return Err(fail(
            &["harq", "max_transmissions"],
            "expected 1 ..= 16 transmissions (the first included)".into(),
        ));
    }
    if h.rv_sequence.is_empty() || h.rv_sequence.len() > 16 || h.rv_sequence.iter().any(|&r| r > 3)
    {
        return Err(fail(
            &["harq", "rv_sequence"],
            "expected 1 ..= 16 redundancy versions, each 0, 1, 2 or 3 (e.g. [0, 2, 3, 1])".into(),
        ));
    }
    let Coding::Ldpc { params, .. } = &link.coding else {
        return Err(fail(
            &["harq"],
            "HARQ needs an LDPC code (kind = \"ldpc\")".into(),
        ));
    };
    if params.tb_crc.is_none() && !params.cb_crc {
        return Err(fail(
            &["code", "crc"],
            "HARQ acknowledges by the CRC: give the transport block one (\"auto\", \"24a\", \
             \"16\", ...), not \"none\""
                .into(),
        ));
    }
    if set(&["code", "redundancy_version"]) {
        return Err(fail(
            &["code", "redundancy_version"],
            "with [harq] the RVs come from `rv_sequence`: remove `redundancy_version`".into(),
        ));
    }
    if link.codewords() != 1 {
        return Err(fail(
            &["harq"],
            format!(
                "HARQ needs one transport block per slot; this [code] shape puts {} code words \
                 in it (use `mcs`, or `info_bits`/`coded_bits` that fill the slot)",
                link.codewords()
            ),
        ));
    }
    if link
        .ofdm
        .as_ref()
        .is_some_and(|o| o.neural_weights.is_some())
    {
        return Err(fail(
            &["harq"],
            "HARQ is not built for the neural receiver".into(),
        ));
    }
    Ok(Some(crate::link::HarqSpec {
        max_transmissions: h.max_transmissions,
        rv_sequence: h.rv_sequence.clone(),
    }))
}

/// The LDPC coding of payload `a` into `g` coded bits of `qm` bits per symbol: the TB CRC and
/// base graph the scenario asks for (`auto`: TS 38.212 §7.2.1 and §7.2.2 with target rate
/// `rate`), segmentation and rate matching; a shape the code cannot take is an error at `key`.
pub(super) fn ldpc_coding(
    s: &Scenario,
    tb: TbRequest,
    fail: &Fail,
    key: &[&str],
) -> Result<Coding, ScenarioError> {
    let c = &s.code;
    let TbRequest { a, g, qm, rate, .. } = tb;
    let tb_crc = match c.crc {
        CrcChoice::Auto => Some(default_tb_crc(a)),
        CrcChoice::Crc24A => Some(CrcPoly::Crc24A),
        CrcChoice::Crc24B => Some(CrcPoly::Crc24B),
        CrcChoice::Crc16 => Some(CrcPoly::Crc16),
        CrcChoice::None => None,
    };
    let bg = match c.base_graph {
        BaseGraphChoice::Auto => select_base_graph(a, rate),
        BaseGraphChoice::Bg1 => BaseGraphId::Bg1,
        BaseGraphChoice::Bg2 => BaseGraphId::Bg2,
    };
    let mut params = TbCodeParams::new(a, tb_crc, bg, g, qm, c.redundancy_version)
        .map_err(|e| fail(key, e.0))?;
    if tb.layers > 1 {
        params = params.with_layers(tb.layers).map_err(|e| fail(key, e.0))?;
    }
    let n_ref =
        match (c.lbrm, c.n_ref, tb.tbs_lbrm) {
            (true, Some(_), _) => {
                return Err(fail(
                    &["code", "n_ref"],
                    "give lbrm = true (N_ref from TBS_LBRM) or n_ref = N_ref, not both".into(),
                ))
            }
            (true, None, None) => return Err(fail(
                &["code", "lbrm"],
                "lbrm = true takes N_ref from TBS_LBRM (TS 38.212 §5.4.2.1: the MCS table, the \
                 slot's PRBs and layers), so it needs `mcs`; otherwise give n_ref = N_ref bits"
                    .into(),
            )),
            (true, None, Some(t)) => Some((lbrm_n_ref(t, params.num_code_blocks), "lbrm")),
            (false, n, _) => n.map(|n| (n, "n_ref")),
        };
    if let Some((n, k)) = n_ref {
        params = params
            .with_limited_buffer(n)
            .map_err(|e| fail(&["code", k], e.0))?;
    }
    Ok(Coding::Ldpc {
        params,
        decoder: c.decoder,
    })
}

/// A transport block to code: payload A in G coded bits of Q_m-bit symbols at target `rate`
/// (for the base graph), the layers it spans (N_L) and, for an NR slot, TBS_LBRM of
/// limited-buffer rate matching.
#[derive(Debug, Clone, Copy)]
pub(super) struct TbRequest {
    pub a: usize,
    pub g: usize,
    pub qm: usize,
    pub rate: f64,
    pub layers: usize,
    pub tbs_lbrm: Option<usize>,
}
