//! The `[sweep]` axis of a scenario: its values (a list or a range), the quantity they step
//! (`ebno_db`, `snr_db`, or with a link budget `tx_power_dbm`) and the points they make.

use super::location::ScenarioError;
use super::resolve::{Fail, MAX_POINTS};
use super::schema::*;
use crate::link::{LinkSpec, PointSpec, SweepVariable};

/// The swept quantity and the points of `scenario` on `link` (which gains its link budget's
/// noise power here).
pub(super) fn sweep_points(
    scenario: &Scenario,
    link: &mut LinkSpec,
    fail: &Fail,
) -> Result<(SweepVariable, Vec<PointSpec>), ScenarioError> {
    link_budget(scenario, link, fail)?;
    let sw = &scenario.sweep;
    let (sweep_variable, values) = match (&sw.ebno_db, &sw.snr_db, &sw.tx_power_dbm) {
        (Some(v), None, None) => (SweepVariable::EbNoDb, sweep_values(v, "ebno_db", fail)?),
        (None, Some(v), None) => (SweepVariable::SnrDb, sweep_values(v, "snr_db", fail)?),
        (None, None, Some(v)) => {
            if link.tx_power_offset_db().is_none() {
                return Err(fail(
                    &["sweep", "tx_power_dbm"],
                    "a transmit-power axis needs a link budget: a scenario model with \
                     [channel] pathloss = true and [receiver] noise_figure_db"
                        .into(),
                ));
            }
            let v = sweep_values(v, "tx_power_dbm", fail)?;
            (SweepVariable::TxPowerDbm, v)
        }
        _ => {
            return Err(fail(
                &["sweep"],
                "give exactly one of `ebno_db`, `snr_db` or `tx_power_dbm`, each a list [..] \
                 or { start = .., stop = .., step = .. }"
                    .into(),
            ))
        }
    };
    let offset = link.ebno_to_snr_db();
    let tx_offset = link.tx_power_offset_db();
    let points = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            // With a budget every point carries its transmit power: the swept value itself
            // on a power axis, else the SNR plus the budget.
            let (mut p, tx) = match sweep_variable {
                SweepVariable::EbNoDb => {
                    let p = PointSpec::new(i as u32, v, v + offset);
                    (p, tx_offset.map(|o| p.snr_db + o))
                }
                SweepVariable::SnrDb => (
                    PointSpec::new(i as u32, v - offset, v),
                    tx_offset.map(|o| v + o),
                ),
                SweepVariable::TxPowerDbm => {
                    let snr = v - tx_offset.expect("checked");
                    (PointSpec::new(i as u32, snr - offset, snr), Some(v))
                }
            };
            p.tx_power_dbm = tx;
            p
        })
        .collect();
    Ok((sweep_variable, points))
}

/// `[receiver] noise_figure_db`: with `[channel] pathloss`, the noise power over the occupied
/// subcarriers (the link budget of a `tx_power_dbm` axis).
fn link_budget(s: &Scenario, link: &mut LinkSpec, fail: &Fail) -> Result<(), ScenarioError> {
    let Some(nf) = s.receiver.noise_figure_db else {
        return Ok(());
    };
    let path = ["receiver", "noise_figure_db"];
    let Some(o) = link.ofdm.as_mut() else {
        return Err(fail(
            &path,
            "applies to OFDM scenario models with pathloss".into(),
        ));
    };
    let band_hz = o.subcarriers as f64 * o.subcarrier_spacing_hz;
    let Some(pl) = o.stochastic.as_mut().and_then(|st| st.pathloss.as_mut()) else {
        return Err(fail(
            &path,
            "applies with a link budget: a scenario model (uma, umi, rma, inh) with \
             [channel] pathloss = true"
                .into(),
        ));
    };
    if !(0.0..=30.0).contains(&nf) {
        return Err(fail(&path, "expected 0 ..= 30 dB".into()));
    }
    pl.noise_dbm = Some(crate::pathloss::noise_dbm(band_hz, nf));
    Ok(())
}

fn sweep_values(v: &SweepValues, key: &str, fail: &Fail) -> Result<Vec<f64>, ScenarioError> {
    let path = ["sweep", key];
    let values = match v {
        SweepValues::List(l) => l.clone(),
        SweepValues::Range { start, stop, step } => {
            if step.is_nan()
                || *step <= 0.0
                || !start.is_finite()
                || !stop.is_finite()
                || stop < start
            {
                return Err(fail(&path, "expected start <= stop and step > 0".into()));
            }
            let n = ((stop - start) / step + 1e-9).floor() as usize + 1;
            if n > MAX_POINTS {
                return Err(fail(&path, format!("{n} points; at most {MAX_POINTS}")));
            }
            (0..n).map(|i| start + i as f64 * step).collect()
        }
    };
    if values.is_empty() || values.len() > MAX_POINTS {
        return Err(fail(&path, format!("expected 1 ..= {MAX_POINTS} values")));
    }
    if values.iter().any(|x| !x.is_finite() || x.abs() > 200.0) {
        return Err(fail(&path, "expected finite values within ±200 dB".into()));
    }
    Ok(values)
}
