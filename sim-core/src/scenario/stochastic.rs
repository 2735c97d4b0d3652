//! Checks of the TR 38.901 scenario-model keys of `[channel]` (`model = "uma" | "umi" |
//! "rma" | "inh"`, `condition`, `distance_m`, `bs_height_m`, `ue_height_m`,
//! `ue_azimuth_deg`) and their resolution into a [`StochasticSpec`].

use super::location::ScenarioError;
use super::schema::*;
use crate::link::{PathLossSpec, StochasticSpec};
use crate::pathloss::{reference_db, Geometry};

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

const MODELS: &str = "\"uma\", \"umi\", \"rma\" or \"inh\"";

/// The scenario model of `s`'s `[channel]` at `carrier_ghz`, or `None` for other models
/// (whose scenario-model keys are errors).
pub(super) fn build_stochastic(
    s: &Scenario,
    carrier_ghz: f64,
    fail: &Fail,
) -> Result<Option<StochasticSpec>, ScenarioError> {
    let ch = &s.channel;
    let own = [
        ("condition", ch.condition.is_some()),
        ("distance_m", ch.distance_m.is_some()),
        ("bs_height_m", ch.bs_height_m.is_some()),
        ("ue_height_m", ch.ue_height_m.is_some()),
        ("ue_azimuth_deg", ch.ue_azimuth_deg.is_some()),
        ("pathloss", ch.pathloss.is_some()),
        ("o2i_loss", ch.o2i_loss.is_some()),
    ];
    if !ch.model.is_stochastic() {
        if let Some((key, _)) = own.iter().find(|k| k.1) {
            return Err(fail(
                &["channel", key],
                format!("applies to the TR 38.901 scenario models ({MODELS}) only"),
            ));
        }
        return Ok(None);
    }
    for (key, set) in [
        ("profile", ch.profile.is_some()),
        ("delay_spread_ns", ch.delay_spread_ns.is_some()),
        ("k_factor_db", ch.k_factor_db.is_some()),
        ("angle_spreads_deg", ch.angle_spreads_deg.is_some()),
        ("mean_angles_deg", ch.mean_angles_deg.is_some()),
    ] {
        if set {
            return Err(fail(
                &["channel", key],
                "applies to model = \"tdl\" or \"cdl\": the scenario models draw their delay \
                 spread, K-factor and angle spreads from TR 38.901 Table 7.5-6 in every slot"
                    .into(),
            ));
        }
    }
    let Some(condition) = ch.condition else {
        return Err(fail(
            &["channel", "condition"],
            "the scenario models need a propagation condition: \"los\", \"nlos\", \"o2i\" or \
             \"los-probability\" (LOS drawn per slot with TR 38.901 Table 7.4.2-1)"
                .into(),
        ));
    };
    let model = ch.model;
    if model == ChannelModel::Inh && condition == PropagationCondition::O2i {
        return Err(fail(
            &["channel", "condition"],
            "model = \"inh\" takes \"los\" or \"nlos\" (O2I is an outdoor BS's)".into(),
        ));
    }
    let (distance, bs, ue, d_range) = match model {
        ChannelModel::Uma => (200.0, 25.0, 1.5, 10.0..=5000.0),
        ChannelModel::Umi => (100.0, 10.0, 1.5, 10.0..=5000.0),
        ChannelModel::Rma => (500.0, 35.0, 1.5, 10.0..=10_000.0),
        _ => (20.0, 3.0, 1.0, 1.0..=150.0),
    };
    let distance = ch.distance_m.unwrap_or(distance);
    if !d_range.contains(&distance) {
        return Err(fail(
            &["channel", "distance_m"],
            format!("expected {d_range:?} m for model = \"{}\"", name(model)),
        ));
    }
    let bs = ch.bs_height_m.unwrap_or(bs);
    let ue = ch.ue_height_m.unwrap_or(ue);
    for (key, h) in [("bs_height_m", bs), ("ue_height_m", ue)] {
        if !(0.5..=150.0).contains(&h) {
            return Err(fail(
                &["channel", key],
                "expected an antenna height of 0.5 ..= 150 m".into(),
            ));
        }
    }
    let azimuth = ch.ue_azimuth_deg.unwrap_or(0.0);
    if !(-180.0..=180.0).contains(&azimuth) {
        return Err(fail(
            &["channel", "ue_azimuth_deg"],
            "expected -180 ..= 180 degrees from the BS array's boresight".into(),
        ));
    }
    let v = ch.speed_kmh.unwrap_or(0.0);
    if !(0.0..=1000.0).contains(&v) {
        return Err(fail(
            &["channel", "speed_kmh"],
            "expected 0 ..= 1000 km/h".into(),
        ));
    }
    let mut spec = StochasticSpec {
        scenario: model,
        condition,
        distance_2d_m: distance,
        bs_height_m: bs,
        ue_height_m: ue,
        ue_azimuth_deg: azimuth,
        doppler_hz: v / 3.6 * carrier_ghz * 1e9 / 299_792_458.0,
        doppler_shift_hz: ch.doppler_shift_hz.unwrap_or(0.0),
        pathloss: None,
    };
    if ch.pathloss == Some(true) {
        let geometry = spec.geometry();
        pathloss_rules(model, &geometry, fail)?;
        if ch.normalize == Some(true) {
            return Err(fail(
                &["channel", "normalize"],
                "per-slot normalization would undo the path loss and shadow fading: leave \
                 out one of `normalize` and `pathloss`"
                    .into(),
            ));
        }
        let o2i_loss = ch.o2i_loss.unwrap_or(O2iLoss::Low);
        spec.pathloss = Some(PathLossSpec {
            reference_db: reference_db(spec.site(), condition, o2i_loss, carrier_ghz, &geometry),
            o2i_loss,
            noise_dbm: None,
        });
    }
    if ch.o2i_loss.is_some() && (spec.pathloss.is_none() || condition != PropagationCondition::O2i)
    {
        return Err(fail(
            &["channel", "o2i_loss"],
            "applies to condition = \"o2i\" with pathloss = true".into(),
        ));
    }
    Ok(Some(spec))
}

/// The heights Table 7.4.1-1's formulas hold for: UMa and UMi a UE of 1.5 ..= 22.5 m below
/// the BS, RMa a UE of 1 ..= 10 m and a BS of 10 ..= 150 m.
fn pathloss_rules(model: ChannelModel, g: &Geometry, fail: &Fail) -> Result<(), ScenarioError> {
    let (bs, ue) = (g.bs_height_m, g.ue_height_m);
    let (key, message) = match model {
        ChannelModel::Uma | ChannelModel::Umi if !(1.5..=22.5).contains(&ue) => (
            "ue_height_m",
            "with pathloss = true, expected 1.5 ..= 22.5 m (TR 38.901 Table 7.4.1-1)",
        ),
        ChannelModel::Uma | ChannelModel::Umi if bs <= ue => (
            "bs_height_m",
            "with pathloss = true, expected a BS above the UE (the table's 25 m for UMa, 10 m \
             for UMi)",
        ),
        ChannelModel::Rma if !(1.0..=10.0).contains(&ue) => (
            "ue_height_m",
            "with pathloss = true, expected 1 ..= 10 m for RMa (TR 38.901 Table 7.4.1-1)",
        ),
        ChannelModel::Rma if !(10.0..=150.0).contains(&bs) => (
            "bs_height_m",
            "with pathloss = true, expected 10 ..= 150 m for RMa (TR 38.901 Table 7.4.1-1)",
        ),
        _ => return Ok(()),
    };
    Err(fail(&["channel", key], message.into()))
}

/// The scenario key of `m`.
fn name(m: ChannelModel) -> &'static str {
    match m {
        ChannelModel::Uma => "uma",
        ChannelModel::Umi => "umi",
        ChannelModel::Rma => "rma",
        _ => "inh",
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::resolve;
    use crate::scenario::schema::{ChannelModel, PropagationCondition};

    fn text(channel: &str, extra: &str) -> String {
        format!(
            "name = 't'\n[code]\ninfo_bits = 500\nrate = 0.5\n[ofdm]\ncarrier_ghz = 3.5\n\
             num_subcarriers = 48\n{extra}\n[pilots]\nsymbols = [2, 11]\n[antennas]\ntx = 1\n\
             rx = 2\n[channel]\n{channel}\n[sweep]\nsnr_db = [1.0]\n"
        )
    }

    /// The scenario-model keys resolve with the per-scenario defaults (UMa: 200 m, BS 25 m,
    /// UE 1.5 m) and the Doppler of `speed_kmh`; bad values and keys that do not apply name
    /// the key and what is accepted.
    #[test]
    fn stochastic_keys_are_checked() {
        let r = resolve(
            &text("model = 'uma'\ncondition = 'nlos'\nspeed_kmh = 36", ""),
            "s.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let st = r.link.ofdm.unwrap().stochastic.unwrap();
        assert_eq!(st.scenario, ChannelModel::Uma);
        assert_eq!(st.condition, PropagationCondition::Nlos);
        assert_eq!(
            [st.distance_2d_m, st.bs_height_m, st.ue_height_m],
            [200.0, 25.0, 1.5]
        );
        assert!((st.doppler_hz - 10.0 * 3.5e9 / 299_792_458.0).abs() < 1e-9);
        let r = resolve(
            &text("model = 'inh'\ncondition = 'los-probability'", ""),
            "s.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let st = r.link.ofdm.unwrap().stochastic.unwrap();
        assert_eq!(st.condition, PropagationCondition::LosProbability);
        // The time domain takes them too (each slot's drop through the waveform model).
        let r = resolve(
            &text("model = 'umi'\ncondition = 'nlos'", "domain = 'time'"),
            "s.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let o = r.link.ofdm.unwrap();
        assert!(o.time_domain.is_some() && o.stochastic.is_some());
        assert_eq!(
            [st.distance_2d_m, st.bs_height_m, st.ue_height_m],
            [20.0, 3.0, 1.0]
        );
        let cases = [
            (
                "model = 'uma'",
                "",
                "channel.condition",
                "\"o2i\" or \"los-probability\"",
            ),
            (
                "model = 'inh'\ncondition = 'o2i'",
                "",
                "channel.condition",
                "\"los\" or \"nlos\"",
            ),
            (
                "model = 'umi'\ncondition = 'los'\ndistance_m = 5.0",
                "",
                "channel.distance_m",
                "10.0..=5000.0",
            ),
            (
                "model = 'rma'\ncondition = 'los'\nue_height_m = 0.0",
                "",
                "channel.ue_height_m",
                "0.5 ..= 150",
            ),
            (
                "model = 'uma'\ncondition = 'los'\nue_azimuth_deg = 200.0",
                "",
                "channel.ue_azimuth_deg",
                "-180 ..= 180",
            ),
            (
                "model = 'uma'\ncondition = 'los'\nprofile = 'A'",
                "",
                "channel.profile",
                "Table 7.5-6",
            ),
            (
                "model = 'uma'\ncondition = 'los'\ndelay_spread_ns = 30.0",
                "",
                "channel.delay_spread_ns",
                "tdl",
            ),
            (
                "model = 'uma'\ncondition = 'sideways'",
                "",
                "channel.condition",
                "los",
            ),
            (
                "model = 'cdl'\ncondition = 'los'",
                "",
                "channel.condition",
                "\"uma\", \"umi\", \"rma\" or \"inh\"",
            ),
            (
                "model = 'tdl'\ndistance_m = 100.0",
                "",
                "channel.distance_m",
                "scenario models",
            ),
        ];
        for (channel, extra, key, what) in cases {
            let e = resolve(&text(channel, extra), "s.toml").expect_err(channel);
            assert_eq!(e.key, key, "{channel}: {e}");
            assert!(e.message.contains(what), "{channel}: {e}");
        }
        let awgn = "name = 't'\n[code]\ninfo_bits = 500\nrate = 0.5\n[channel]\nmodel = 'awgn'\n\
                    condition = 'los'\n[sweep]\nsnr_db = [1.0]\n";
        assert_eq!(
            resolve(awgn, "s.toml").expect_err("awgn").key,
            "channel.condition"
        );
        let no_ofdm = "name = 't'\n[code]\ninfo_bits = 500\nrate = 0.5\n[channel]\nmodel = 'uma'\n\
                       condition = 'los'\n[sweep]\nsnr_db = [1.0]\n";
        let e = resolve(no_ofdm, "s.toml").expect_err("no ofdm");
        assert!(e.message.contains("[ofdm]"), "{e}");
    }

    /// `pathloss` and a link budget: the reference loss is the Table 7.4.1-1 loss of the
    /// condition, the noise −174 dBm/Hz over the occupied band plus the noise figure, and a
    /// `tx_power_dbm` axis maps to SNR = power − loss − noise (an `snr_db` axis gets the
    /// matching power). Keys that do not apply or bad values name the key and what is
    /// accepted.
    #[test]
    fn pathloss_and_link_budget_resolve() {
        use crate::pathloss::{nlos_db, noise_dbm, Geometry, Site};
        let budget = |channel: &str, receiver: &str, sweep: &str| {
            format!(
                "name = 't'\n[code]\ninfo_bits = 500\nrate = 0.5\n[ofdm]\ncarrier_ghz = 3.5\n\
                 num_subcarriers = 48\n[pilots]\nsymbols = [2, 11]\n[antennas]\ntx = 1\n\
                 rx = 2\n[channel]\n{channel}\n[receiver]\n{receiver}\n[sweep]\n{sweep}\n"
            )
        };
        let umi = "model = 'umi'\ncondition = 'nlos'\ndistance_m = 200\npathloss = true";
        let r = resolve(
            &budget(umi, "noise_figure_db = 5", "tx_power_dbm = [20, 30]"),
            "s.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let o = r.link.ofdm.as_ref().unwrap();
        let pl = o.stochastic.as_ref().unwrap().pathloss.unwrap();
        let g = Geometry {
            distance_2d_m: 200.0,
            bs_height_m: 10.0,
            ue_height_m: 1.5,
        };
        let loss = nlos_db(Site::Umi, 3.5, &g, 1.0);
        assert_eq!(pl.reference_db, loss);
        let noise = noise_dbm(48.0 * o.subcarrier_spacing_hz, 5.0);
        assert_eq!(pl.noise_dbm, Some(noise));
        assert_eq!(r.sweep_variable, crate::link::SweepVariable::TxPowerDbm);
        for (p, tx) in r.points.iter().zip([20.0, 30.0]) {
            assert!((p.snr_db - (tx - loss - noise)).abs() < 1e-9);
            assert_eq!(p.tx_power_dbm, Some(tx));
        }
        let r = resolve(
            &budget(umi, "noise_figure_db = 5", "snr_db = [3.0]"),
            "s.toml",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let tx = r.points[0].tx_power_dbm.expect("a budget");
        assert!((tx - (3.0 + loss + noise)).abs() < 1e-9);
        // O2I high loss: the NLOS loss, the IRR-glass wall and the mean indoor 0.5·25/3 m.
        let o2i = "model = 'umi'\ncondition = 'o2i'\ndistance_m = 200\npathloss = true\n\
                   o2i_loss = 'high'";
        let r =
            resolve(&budget(o2i, "", "snr_db = [3.0]"), "s.toml").unwrap_or_else(|e| panic!("{e}"));
        let pl = r.link.ofdm.unwrap().stochastic.unwrap().pathloss.unwrap();
        let want = loss + crate::scenario::schema::O2iLoss::High.wall_db(3.5) + 12.5 / 3.0;
        assert!((pl.reference_db - want).abs() < 1e-9, "{}", pl.reference_db);
        let cases = [
            (
                "model = 'umi'\ncondition = 'nlos'",
                "noise_figure_db = 5",
                "tx_power_dbm = [20]",
                "receiver.noise_figure_db",
                "pathloss = true",
            ),
            (
                "model = 'umi'\ncondition = 'nlos'",
                "",
                "tx_power_dbm = [20]",
                "sweep.tx_power_dbm",
                "noise_figure_db",
            ),
            (
                umi,
                "",
                "tx_power_dbm = [20]",
                "sweep.tx_power_dbm",
                "link budget",
            ),
            (
                umi,
                "noise_figure_db = 5",
                "tx_power_dbm = [20]\nsnr_db = [1.0]",
                "sweep",
                "exactly one of",
            ),
            (
                umi,
                "noise_figure_db = 50",
                "snr_db = [1.0]",
                "receiver.noise_figure_db",
                "0 ..= 30",
            ),
            (
                "model = 'tdl'\npathloss = true",
                "",
                "snr_db = [1.0]",
                "channel.pathloss",
                "scenario models",
            ),
            (
                "model = 'umi'\ncondition = 'los'\npathloss = true\nnormalize = true",
                "",
                "snr_db = [1.0]",
                "channel.normalize",
                "undo the path loss",
            ),
            (
                "model = 'umi'\ncondition = 'los'\npathloss = true\nue_height_m = 30",
                "",
                "snr_db = [1.0]",
                "channel.ue_height_m",
                "1.5 ..= 22.5",
            ),
            (
                "model = 'umi'\ncondition = 'nlos'\npathloss = true\no2i_loss = 'high'",
                "",
                "snr_db = [1.0]",
                "channel.o2i_loss",
                "condition = \"o2i\" with pathloss",
            ),
            (
                "model = 'rma'\ncondition = 'los'\npathloss = true\nbs_height_m = 5",
                "",
                "snr_db = [1.0]",
                "channel.bs_height_m",
                "10 ..= 150",
            ),
        ];
        for (channel, receiver, sweep, key, what) in cases {
            let e = resolve(&budget(channel, receiver, sweep), "s.toml").expect_err(channel);
            assert_eq!(e.key, key, "{channel} / {receiver} / {sweep}: {e}");
            assert!(e.message.contains(what), "{channel}: {e}");
        }
    }
}
