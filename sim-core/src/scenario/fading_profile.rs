//! Resolution of the TDL/CDL keys of `[channel]` (profile: TR 38.901 or TR 38.811 NTN, delay
//! spread, speed, K-factor, CDL angle scaling) into the [`TdlSpec`] of an OFDM link, and the
//! check of the common Doppler shift every OFDM fading model takes.

use super::location::ScenarioError;
use super::schema::*;
use crate::link::TdlSpec;

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

/// The TR 38.901 profiles (TDL and CDL) and the TR 38.811 NTN profiles (TDL only).
pub(super) const TR38901_PROFILES: [&str; 5] = ["A", "B", "C", "D", "E"];
pub(super) const NTN_PROFILES: [&str; 4] = ["NTN-TDL-A", "NTN-TDL-B", "NTN-TDL-C", "NTN-TDL-D"];
const PROFILES: &str = "\"A\", \"B\", \"C\", \"D\", \"E\"";
/// The profiles with a specular LOS path.
const LOS_PROFILES: [&str; 4] = ["D", "E", "NTN-TDL-C", "NTN-TDL-D"];

/// `(tdl, cdl)`: the TDL or the CDL channel of an OFDM link (both `None` for AWGN and the
/// scenario models).
pub(super) fn build_tdl_cdl(
    s: &Scenario,
    o: &OfdmConfig,
    fail: &Fail,
) -> Result<(Option<TdlSpec>, Option<TdlSpec>), ScenarioError> {
    let ch = &s.channel;
    let shift = ch.doppler_shift_hz.unwrap_or(0.0);
    if ch.doppler_shift_hz.is_some() {
        if !ch.model.is_ofdm_fading() {
            return Err(fail(
                &["channel", "doppler_shift_hz"],
                "a common Doppler shift applies to the fading models of OFDM links (\"tdl\", \
                 \"cdl\", \"uma\", \"umi\", \"rma\", \"inh\")"
                    .into(),
            ));
        }
        let time = o.domain == SimulationDomain::Time;
        let limit = o.subcarrier_spacing_khz * 1e3 * if time { 0.5 } else { 0.1 };
        if !shift.is_finite() || shift.abs() > limit {
            return Err(fail(
                &["channel", "doppler_shift_hz"],
                if time {
                    format!("expected |shift| ≤ {limit} Hz (half the subcarrier spacing)")
                } else {
                    format!(
                        "expected |shift| ≤ {limit} Hz (a tenth of the subcarrier spacing) in the \
                         frequency domain, which leaves out inter-carrier interference; larger \
                         shifts (to half the spacing) need domain = \"time\""
                    )
                },
            ));
        }
    }
    let pair = match ch.model {
        ChannelModel::Awgn | ChannelModel::Uma | ChannelModel::Umi | ChannelModel::Rma | ChannelModel::Inh => (None, None),
        ChannelModel::Tdl | ChannelModel::Cdl => {
            let profile = ch.profile.clone().unwrap_or_else(|| "A".into());
            let ntn = NTN_PROFILES.contains(&profile.as_str());
            if ntn && ch.model == ChannelModel::Cdl {
                return Err(fail(
                    &["channel", "profile"],
                    format!(
                        "the TR 38.811 NTN profiles are tapped delay lines: use model = \"tdl\" \
                         (NTN-CDL is not modelled); CDL profiles: {PROFILES}"
                    ),
                ));
            }
            if !ntn && !TR38901_PROFILES.contains(&profile.as_str()) {
                return Err(fail(
                    &["channel", "profile"],
                    match ch.model {
                        ChannelModel::Tdl => format!(
                            "expected one of {PROFILES} (TR 38.901) or \"NTN-TDL-A\", \
                             \"NTN-TDL-B\", \"NTN-TDL-C\", \"NTN-TDL-D\" (TR 38.811)"
                        ),
                        _ => format!("expected one of {PROFILES}"),
                    },
                ));
            }
            let ds = ch.delay_spread_ns.unwrap_or(100.0);
            if !(ds > 0.0 && ds <= 10_000.0) {
                return Err(fail(
                    &["channel", "delay_spread_ns"],
                    "expected 0 < delay spread ≤ 10000 ns".into(),
                ));
            }
            let v = ch.speed_kmh.unwrap_or(0.0);
            if !(0.0..=1000.0).contains(&v) {
                return Err(fail(&["channel", "speed_kmh"], "expected 0 ..= 1000 km/h".into()));
            }
            let angles = [
                ("angle_spreads_deg", ch.angle_spreads_deg, 0.0..=180.0),
                ("mean_angles_deg", ch.mean_angles_deg, -360.0..=360.0),
            ];
            for (key, value, range) in angles {
                if value.is_some() && ch.model != ChannelModel::Cdl {
                    return Err(fail(
                        &["channel", key],
                        "angle scaling applies to model = \"cdl\" only".into(),
                    ));
                }
                if value.is_some_and(|v| v.iter().any(|x| !range.contains(x) || *x == 0.0 && key == "angle_spreads_deg")) {
                    return Err(fail(
                        &["channel", key],
                        format!(
                            "expected four angles in degrees [departure azimuth, arrival \
                             azimuth, departure zenith, arrival zenith], each in {range:?}{}",
                            if key == "angle_spreads_deg" { ", not 0" } else { "" }
                        ),
                    ));
                }
            }
            if let Some(k) = ch.k_factor_db {
                if !LOS_PROFILES.contains(&profile.as_str()) {
                    return Err(fail(
                        &["channel", "k_factor_db"],
                        format!(
                            "K-factor scaling (TR 38.901 §7.7.6) applies to the LOS profiles \
                             \"D\" and \"E\" (and \"NTN-TDL-C\", \"NTN-TDL-D\") only, not \
                             \"{profile}\""
                        ),
                    ));
                }
                if !(-30.0..=40.0).contains(&k) {
                    return Err(fail(
                        &["channel", "k_factor_db"],
                        "expected -30 ..= 40 dB".into(),
                    ));
                }
            }
            let spec = TdlSpec {
                profile,
                doppler_shift_hz: shift,
                k_factor_db: ch.k_factor_db,
                delay_spread_s: ds * 1e-9,
                angle_spreads_deg: ch.angle_spreads_deg,
                mean_angles_deg: ch.mean_angles_deg,
                doppler_hz: v / 3.6 * o.carrier_ghz * 1e9 / 299_792_458.0,
            };
            match ch.model {
                ChannelModel::Tdl => (Some(spec), None),
                _ => (None, Some(spec)),
            }
        }
        ChannelModel::Rayleigh => {
            return Err(fail(
                &["channel", "model"],
                "OFDM links take \"awgn\", \"tdl\" or \"cdl\" (a one-tap Rayleigh is TDL with a tiny delay spread)"
                    .into(),
            ))
        }
    };
    Ok(pair)
}

#[cfg(test)]
mod tests {
    use crate::scenario::resolve;
    use crate::scenario::tests::{err, GOOD};

    fn ofdm(channel: &str) -> String {
        GOOD.replace("model = \"awgn\"", channel)
            + "[ofdm]\ncarrier_ghz = 3.5\nsubcarrier_spacing_khz = 30\nnum_subcarriers = 96\n\
               [pilots]\nsymbols = [2]\n"
    }

    /// `k_factor_db` (TR 38.901 §7.7.6): resolves for the LOS profiles D and E of TDL and
    /// CDL and NTN-TDL-C/D; other profiles, the scenario models, the single-carrier link and values outside
    /// −30…40 dB are errors at the key's line and column that say what is accepted.
    #[test]
    fn k_factor_keys_are_checked() {
        for (model, p) in [
            ("tdl", "D"),
            ("tdl", "E"),
            ("cdl", "D"),
            ("cdl", "E"),
            ("tdl", "NTN-TDL-C"),
            ("tdl", "NTN-TDL-D"),
        ] {
            {
                let text = ofdm(&format!(
                    "model = \"{model}\"\nprofile = \"{p}\"\nk_factor_db = 3.5"
                ));
                let r = resolve(&text, "s.toml").unwrap_or_else(|e| panic!("{e}"));
                let o = r.link.ofdm.unwrap();
                let spec = o.tdl.or(o.cdl).unwrap();
                assert_eq!(spec.k_factor_db, Some(3.5));
            }
        }
        let text = ofdm("model = \"tdl\"\nprofile = \"D\"");
        let o = resolve(&text, "s.toml").unwrap().link.ofdm.unwrap();
        assert_eq!(o.tdl.unwrap().k_factor_db, None);
        for (channel, needle) in [
            (
                "model = \"tdl\"\nprofile = \"A\"\nk_factor_db = 3.0",
                "only, not \"A\"",
            ),
            ("model = \"cdl\"\nk_factor_db = 3.0", "only, not \"A\""),
            (
                "model = \"tdl\"\nprofile = \"D\"\nk_factor_db = 41.0",
                "-30 ..= 40 dB",
            ),
            (
                "model = \"tdl\"\nprofile = \"E\"\nk_factor_db = nan",
                "-30 ..= 40 dB",
            ),
            (
                "model = \"uma\"\ncondition = \"los\"\nk_factor_db = 3.0",
                "Table 7.5-6",
            ),
            (
                "model = \"tdl\"\nprofile = \"NTN-TDL-B\"\nk_factor_db = 3.0",
                "\"NTN-TDL-C\", \"NTN-TDL-D\") only, not \"NTN-TDL-B\"",
            ),
        ] {
            let text = ofdm(channel);
            let e = err(&text);
            assert_eq!(e.key, "channel.k_factor_db", "{e}");
            assert!(e.message.contains(needle), "{e}");
            let line = text
                .lines()
                .position(|l| l.starts_with("k_factor_db"))
                .unwrap()
                + 1;
            assert_eq!((e.line, e.column), (line, 15), "{e}");
        }
        let e = err(&GOOD.replace("model = \"awgn\"", "model = \"awgn\"\nk_factor_db = 3.0"));
        assert_eq!(e.key, "channel.k_factor_db", "{e}");
    }

    /// `profile`: TDL takes "A" … "E" and the TR 38.811 "NTN-TDL-A" … "NTN-TDL-D"; CDL only
    /// "A" … "E" (an NTN profile with CDL is an error that says NTN-CDL is not modelled); an
    /// unknown profile lists the accepted ones.
    #[test]
    fn ntn_profiles_are_tdl_only() {
        for p in ["NTN-TDL-A", "NTN-TDL-B", "NTN-TDL-C", "NTN-TDL-D"] {
            let text = ofdm(&format!("model = \"tdl\"\nprofile = \"{p}\""));
            let o = resolve(&text, "s.toml").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(o.link.ofdm.unwrap().tdl.unwrap().profile, p);
        }
        let e = err(&ofdm("model = \"cdl\"\nprofile = \"NTN-TDL-A\""));
        assert_eq!(e.key, "channel.profile", "{e}");
        assert!(e.message.contains("NTN-CDL is not modelled"), "{e}");
        let e = err(&ofdm("model = \"tdl\"\nprofile = \"NTN-A\""));
        assert_eq!(e.key, "channel.profile", "{e}");
        assert!(e.message.contains("\"NTN-TDL-D\" (TR 38.811)"), "{e}");
        let e = err(&ofdm("model = \"cdl\"\nprofile = \"F\""));
        assert!(!e.message.contains("NTN"), "{e}");
    }

    /// `doppler_shift_hz`: TDL, CDL and the scenario models; in the frequency domain up to a
    /// tenth of the subcarrier spacing (the error points to `domain = "time"`), in the time
    /// domain up to half; AWGN OFDM links and the single-carrier link refuse it.
    #[test]
    fn doppler_shift_keys_are_checked() {
        let tdl = |shift: f64, domain: &str| {
            ofdm(&format!(
                "model = \"tdl\"\nprofile = \"NTN-TDL-A\"\ndoppler_shift_hz = {shift:?}"
            ))
            .replace(
                "num_subcarriers = 96\n",
                &format!("num_subcarriers = 96\n{domain}"),
            )
        };
        let time = "domain = \"time\"\n";
        for (shift, domain) in [(-3000.0, ""), (2500.0, ""), (15000.0, time)] {
            let r = resolve(&tdl(shift, domain), "s.toml").unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.link.ofdm.unwrap().tdl.unwrap().doppler_shift_hz, shift);
        }
        let o = resolve(&ofdm("model = \"tdl\""), "s.toml")
            .unwrap()
            .link
            .ofdm
            .unwrap();
        assert_eq!(o.tdl.unwrap().doppler_shift_hz, 0.0);
        let cdl = ofdm("model = \"cdl\"\ndoppler_shift_hz = -100.0");
        let o = resolve(&cdl, "s.toml").unwrap().link.ofdm.unwrap();
        assert_eq!(o.cdl.unwrap().doppler_shift_hz, -100.0);
        let uma = ofdm("model = \"uma\"\ncondition = \"nlos\"\ndoppler_shift_hz = 50.0");
        let o = resolve(&uma, "s.toml").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            o.link.ofdm.unwrap().stochastic.unwrap().doppler_shift_hz,
            50.0
        );
        for (text, needle) in [
            (tdl(3001.0, ""), "need domain = \"time\""),
            (tdl(-15001.0, time), "half the subcarrier spacing"),
            (
                ofdm("model = \"awgn\"\ndoppler_shift_hz = 10.0"),
                "fading models of OFDM links",
            ),
            (
                GOOD.replace(
                    "model = \"awgn\"",
                    "model = \"awgn\"\ndoppler_shift_hz = 1.0",
                ),
                "tdl",
            ),
        ] {
            let e = err(&text);
            assert_eq!(e.key, "channel.doppler_shift_hz", "{e}");
            assert!(e.message.contains(needle), "{e}");
        }
    }
}
