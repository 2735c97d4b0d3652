//! Checks of the time-domain OFDM keys (`[ofdm] domain`, `fft_size`) and of `[phase_noise]`,
//! and their resolution into [`TimeDomain`] and [`PhaseNoiseSpec`].

use super::location::ScenarioError;
use super::schema::*;
use crate::link::{PhaseNoiseSpec, TimeDomain};
use crate::phase_noise_spectrum::{PoleZeroSpectrum, SET_A, SET_B, SET_C};

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

/// `[phase_noise]` of an OFDM link: `ofdm` is (`time_domain` as resolved, the subcarrier
/// spacing, the carrier), both Hz; a single-carrier link calls it with `None`.
pub(super) fn build_phase_noise(
    s: &Scenario,
    ofdm: Option<(Option<TimeDomain>, f64, f64)>,
    fail: &Fail,
) -> Result<Option<PhaseNoiseSpec>, ScenarioError> {
    let Some(pn) = &s.phase_noise else {
        return Ok(None);
    };
    let time_domain = "phase noise rotates the received samples before the FFT, so it needs \
                       an [ofdm] section with domain = \"time\"";
    let (td, spacing_hz, carrier_hz) = match ofdm {
        None => return Err(fail(&["phase_noise"], time_domain.into())),
        Some((None, _, _)) => {
            return Err(fail(
                &["phase_noise"],
                format!("{time_domain} (this one simulates in the frequency domain)"),
            ))
        }
        Some((Some(td), spacing, carrier)) => (td, spacing, carrier),
    };
    let custom = [
        ("psd0_dbc_hz", pn.psd0_dbc_hz.is_some()),
        ("reference_ghz", pn.reference_ghz.is_some()),
        ("zeros_hz", pn.zeros_hz.is_some()),
        ("zero_orders", pn.zero_orders.is_some()),
        ("poles_hz", pn.poles_hz.is_some()),
        ("pole_orders", pn.pole_orders.is_some()),
    ];
    match pn.model {
        PhaseNoiseModel::Wiener => {
            let pole_zero = [
                ("parameter_set", pn.parameter_set.is_some()),
                ("lowest_hz", pn.lowest_hz.is_some()),
            ];
            if let Some((key, _)) = custom.iter().chain(&pole_zero).find(|(_, set)| *set) {
                return Err(fail(
                    &["phase_noise", key],
                    "applies to model = \"pole-zero\" only".into(),
                ));
            }
            let Some(linewidth_hz) = pn.linewidth_hz else {
                return Err(fail(
                    &["phase_noise", "linewidth_hz"],
                    "required with model = \"wiener\" (the default model)".into(),
                ));
            };
            if !(linewidth_hz > 0.0 && linewidth_hz <= spacing_hz) {
                return Err(fail(
                    &["phase_noise", "linewidth_hz"],
                    format!(
                        "expected 0 < linewidth_hz ≤ {spacing_hz} (the subcarrier spacing, Hz; a \
                         wider line leaves no OFDM symbol a common phase)"
                    ),
                ));
            }
            Ok(Some(PhaseNoiseSpec::Wiener { linewidth_hz }))
        }
        PhaseNoiseModel::PoleZero => {
            if pn.linewidth_hz.is_some() {
                return Err(fail(
                    &["phase_noise", "linewidth_hz"],
                    "applies to model = \"wiener\" only (the pole-zero model takes \
                     parameter_set or psd0_dbc_hz, reference_ghz, zeros_hz, zero_orders, \
                     poles_hz, pole_orders)"
                        .into(),
                ));
            }
            if td.fft_size < 128 {
                // The GPU keeps the 64 tones in the FFT's workgroup memory (2 words each).
                return Err(fail(
                    &["phase_noise", "model"],
                    format!(
                        "the pole-zero model needs [ofdm] fft_size ≥ 128 (this link has {})",
                        td.fft_size
                    ),
                ));
            }
            let half_rate = td.fft_size as f64 * spacing_hz / 2.0;
            let lowest_hz = pn.lowest_hz.unwrap_or(1.0);
            if !(lowest_hz > 0.0 && lowest_hz < half_rate / 10.0) {
                return Err(fail(
                    &["phase_noise", "lowest_hz"],
                    format!(
                        "expected 0 < lowest_hz < {} (a tenth of half the sample rate, Hz)",
                        half_rate / 10.0
                    ),
                ));
            }
            let spectrum = match pn.parameter_set {
                Some(name) => {
                    if let Some((key, _)) = custom.iter().find(|(_, set)| *set) {
                        return Err(fail(
                            &["phase_noise", key],
                            "give either parameter_set or the six custom keys (psd0_dbc_hz, \
                             reference_ghz, zeros_hz, zero_orders, poles_hz, pole_orders)"
                                .into(),
                        ));
                    }
                    let set = match name {
                        PoleZeroSetName::A => &SET_A,
                        PoleZeroSetName::B => &SET_B,
                        PoleZeroSetName::C => &SET_C,
                    };
                    PoleZeroSpectrum::from_set(set, carrier_hz, lowest_hz)
                }
                None => custom_spectrum(pn, carrier_hz, lowest_hz, fail)?,
            };
            Ok(Some(PhaseNoiseSpec::PoleZero(spectrum)))
        }
    }
}

/// The custom pole-zero spectrum: all six keys, matching lengths, positive frequencies,
/// orders in 0 ..= 10.
fn custom_spectrum(
    pn: &PhaseNoiseConfig,
    carrier_hz: f64,
    lowest_hz: f64,
    fail: &Fail,
) -> Result<PoleZeroSpectrum, ScenarioError> {
    let missing = |key: &str| {
        fail(
            &["phase_noise", key],
            "required with model = \"pole-zero\" unless parameter_set (\"A\", \"B\", \"C\") \
             is given"
                .into(),
        )
    };
    let psd0 = pn.psd0_dbc_hz.ok_or_else(|| missing("psd0_dbc_hz"))?;
    let reference_ghz = pn.reference_ghz.ok_or_else(|| missing("reference_ghz"))?;
    if !psd0.is_finite() {
        return Err(fail(
            &["phase_noise", "psd0_dbc_hz"],
            "expected a finite level, dBc/Hz".into(),
        ));
    }
    if !(reference_ghz > 0.0 && reference_ghz <= 300.0) {
        return Err(fail(
            &["phase_noise", "reference_ghz"],
            "expected 0 < reference_ghz ≤ 300".into(),
        ));
    }
    let mut pairs = Vec::new();
    for (fkey, okey, f, a) in [
        ("zeros_hz", "zero_orders", &pn.zeros_hz, &pn.zero_orders),
        ("poles_hz", "pole_orders", &pn.poles_hz, &pn.pole_orders),
    ] {
        let f = f.as_ref().ok_or_else(|| missing(fkey))?;
        let a = a.as_ref().ok_or_else(|| missing(okey))?;
        if f.len() > 8 || f.iter().any(|v| !(v.is_finite() && *v > 0.0)) {
            return Err(fail(
                &["phase_noise", fkey],
                "expected at most 8 frequencies, each > 0 Hz".into(),
            ));
        }
        if a.len() != f.len() {
            return Err(fail(
                &["phase_noise", okey],
                format!("expected {} orders, one per entry of {fkey}", f.len()),
            ));
        }
        if a.iter().any(|v| !(0.0..=10.0).contains(v)) {
            return Err(fail(
                &["phase_noise", okey],
                "expected orders 0 ≤ α ≤ 10".into(),
            ));
        }
        pairs.push(f.iter().zip(a).map(|(f, a)| [*f, *a]).collect::<Vec<_>>());
    }
    let poles = pairs.pop().unwrap_or_default();
    let zeros = pairs.pop().unwrap_or_default();
    Ok(PoleZeroSpectrum {
        psd0_dbc_hz: psd0 + 20.0 * (carrier_hz / (reference_ghz * 1e9)).log10(),
        zeros,
        poles,
        lowest_hz,
    })
}

#[cfg(test)]
mod tests;
