//! Checks of the PT-RS keys of `[pilots]` (`ptrs`, `ptrs_time_density`,
//! `ptrs_frequency_density`, `ptrs_re_offset`) and their resolution into a [`PtrsSpec`].

use super::location::ScenarioError;
use super::schema::*;
use crate::link::{DmrsSpec, PtrsSpec};
use crate::ptrs::{ptrs_subcarriers, ptrs_symbols};

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

/// The PT-RS of a slot of `subcarriers` × `symbols` with DMRS `dmrs` on `pilot_symbols`,
/// `layers` layers; `None` without `ptrs = true`.
pub(super) fn build_ptrs(
    s: &Scenario,
    o: &OfdmConfig,
    subcarriers: usize,
    pilot_symbols: &[usize],
    dmrs: Option<&DmrsSpec>,
    layers: usize,
    fail: &Fail,
) -> Result<Option<PtrsSpec>, ScenarioError> {
    let p = &s.pilots;
    if !p.ptrs {
        for (key, set) in [
            ("ptrs_time_density", p.ptrs_time_density.is_some()),
            ("ptrs_frequency_density", p.ptrs_frequency_density.is_some()),
            ("ptrs_re_offset", p.ptrs_re_offset.is_some()),
        ] {
            if set {
                return Err(fail(
                    &["pilots", key],
                    "applies with ptrs = true only".into(),
                ));
            }
        }
        return Ok(None);
    }
    let key = ["pilots", "ptrs"];
    let Some(d) = dmrs else {
        return Err(fail(
            &key,
            "PT-RS needs NR DMRS: pattern = \"dmrs\" (the PT-RS port follows DMRS port 1000)"
                .into(),
        ));
    };
    if o.transform_precoding {
        return Err(fail(
            &key,
            "PT-RS with transform precoding (pre-DFT PT-RS groups, TS 38.211 §6.4.1.2.2.2) is \
             not built"
                .into(),
        ));
    }
    if s.receiver.kind == ReceiverKind::Neural {
        return Err(fail(
            &key,
            "the neural receiver takes no PT-RS (it tracks the phase from the grid itself)".into(),
        ));
    }
    if !subcarriers.is_multiple_of(12) {
        return Err(fail(
            &key,
            format!(
                "PT-RS is placed per PRB: {subcarriers} subcarriers are not a multiple of 12 \
                 (give prbs = N)"
            ),
        ));
    }
    let l = p.ptrs_time_density.unwrap_or(1);
    if ![1, 2, 4].contains(&l) {
        return Err(fail(
            &["pilots", "ptrs_time_density"],
            "expected 1, 2 or 4 (L_PT-RS, TS 38.214 §5.1.6.3)".into(),
        ));
    }
    let k = p.ptrs_frequency_density.unwrap_or(2);
    if ![2, 4].contains(&k) {
        return Err(fail(
            &["pilots", "ptrs_frequency_density"],
            "expected 2 or 4 (K_PT-RS in PRBs, TS 38.214 §5.1.6.3)".into(),
        ));
    }
    let re_offset = p.ptrs_re_offset.unwrap_or(0);
    if re_offset > 3 {
        return Err(fail(
            &["pilots", "ptrs_re_offset"],
            "expected 0, 1, 2 or 3 (resourceElementOffset '00', '01', '10', '11')".into(),
        ));
    }
    let symbols = ptrs_symbols(o.symbols, pilot_symbols, l);
    if symbols.is_empty() {
        return Err(fail(
            &key,
            "no OFDM symbol of the slot is left for PT-RS".into(),
        ));
    }
    Ok(Some(PtrsSpec {
        time_density: l,
        frequency_density: k,
        symbols,
        subcarriers: ptrs_subcarriers(subcarriers, k, d.config_type, re_offset),
        amplitude: (layers as f32).sqrt(),
    }))
}
