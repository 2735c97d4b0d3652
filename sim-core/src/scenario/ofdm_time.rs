//! Checks of the time-domain OFDM keys (`[ofdm] domain`, `fft_size`) and of `[phase_noise]`,
//! and their resolution into [`TimeDomain`] and [`PhaseNoiseSpec`].

use super::location::ScenarioError;
use super::schema::*;
use crate::link::{PhaseNoiseSpec, TimeDomain};

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

/// The FFT size and CP length of `domain = "time"` (`None` in the frequency domain) for a
/// grid `width` subcarriers wide with a CP of `cp_fraction` of the useful symbol.
pub(super) fn build_time_domain(
    o: &OfdmConfig,
    width: usize,
    cp_fraction: f64,
    fail: &Fail,
) -> Result<Option<TimeDomain>, ScenarioError> {
    match o.domain {
        SimulationDomain::Frequency => {
            if o.fft_size.is_some() {
                return Err(fail(
                    &["ofdm", "fft_size"],
                    "the FFT size applies to domain = \"time\" only".into(),
                ));
            }
            Ok(None)
        }
        SimulationDomain::Time => {
            if o.cyclic_prefix == CyclicPrefix::None {
                return Err(fail(
                    &["ofdm", "domain"],
                    "time-domain simulation needs cyclic_prefix = \"normal\" or \"extended\""
                        .into(),
                ));
            }
            let fft_size = o.fft_size.unwrap_or(width.next_power_of_two().max(128));
            if !(width..=65536).contains(&fft_size) {
                return Err(fail(
                    &["ofdm", "fft_size"],
                    format!(
                        "expected {width} (the subcarriers, guard carriers and DC null) ..= 65536"
                    ),
                ));
            }
            Ok(Some(TimeDomain {
                fft_size,
                cp_len: (cp_fraction * fft_size as f64).round() as usize,
            }))
        }
    }
}

/// `[phase_noise]` of an OFDM link (`time_domain` as resolved); `spacing_hz` the subcarrier
/// spacing. A single-carrier link calls it with `ofdm` `None`.
pub(super) fn build_phase_noise(
    s: &Scenario,
    ofdm: Option<(Option<TimeDomain>, f64)>,
    fail: &Fail,
) -> Result<Option<PhaseNoiseSpec>, ScenarioError> {
    let Some(pn) = &s.phase_noise else {
        return Ok(None);
    };
    let time_domain = "phase noise rotates the received samples before the FFT, so it needs \
                       an [ofdm] section with domain = \"time\"";
    let spacing_hz = match ofdm {
        None => return Err(fail(&["phase_noise"], time_domain.into())),
        Some((None, _)) => {
            return Err(fail(
                &["phase_noise"],
                format!("{time_domain} (this one simulates in the frequency domain)"),
            ))
        }
        Some((Some(_), spacing)) => spacing,
    };
    let PhaseNoiseModel::Wiener = pn.model;
    if !(pn.linewidth_hz > 0.0 && pn.linewidth_hz <= spacing_hz) {
        return Err(fail(
            &["phase_noise", "linewidth_hz"],
            format!(
                "expected 0 < linewidth_hz ≤ {spacing_hz} (the subcarrier spacing, Hz; a wider \
                 line leaves no OFDM symbol a common phase)"
            ),
        ));
    }
    Ok(Some(PhaseNoiseSpec {
        linewidth_hz: pn.linewidth_hz,
    }))
}
