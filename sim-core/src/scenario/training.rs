//! Checks of `[training]` (the neural receiver's shape and its training).

use super::location::ScenarioError;
use super::schema::*;

type Fail<'a> = dyn Fn(&[&str], String) -> ScenarioError + 'a;

fn range_ok(r: &Option<[f64; 2]>, min: f64, max: f64) -> bool {
    r.is_none_or(|[a, b]| a.is_finite() && b.is_finite() && min <= a && a <= b && b <= max)
}

/// Checks `[training]` where present.
pub(super) fn check_training(s: &Scenario, fail: &Fail) -> Result<(), ScenarioError> {
    let Some(t) = &s.training else {
        return Ok(());
    };
    let key = |k: &'static str| ["training", k];
    if s.ofdm.is_none() {
        return Err(fail(
            &["training"],
            "neural receivers work on an OFDM resource grid: add an [ofdm] section".into(),
        ));
    }
    let counts: [(&str, usize, usize, usize); 6] = [
        ("depth", t.depth, 1, 32),
        ("width", t.width, 1, 256),
        ("steps", t.steps, 1, 10_000_000),
        ("batch", t.batch, 1, 4096),
        ("validation_every", t.validation_every, 1, usize::MAX),
        ("checkpoint_every", t.checkpoint_every, 1, usize::MAX),
    ];
    for (k, v, lo, hi) in counts {
        if !(lo..=hi).contains(&v) {
            return Err(fail(&key(k), format!("expected {lo} ..= {hi}")));
        }
    }
    if !(1..=4096).contains(&t.validation_blocks) {
        return Err(fail(
            &key("validation_blocks"),
            "expected 1 ..= 4096".into(),
        ));
    }
    if !(t.kernel % 2 == 1 && t.kernel <= 9) {
        return Err(fail(&key("kernel"), "expected an odd size 1 ..= 9".into()));
    }
    if t.dilations.is_empty() || t.dilations.iter().any(|d| !(1..=64).contains(d)) {
        return Err(fail(
            &key("dilations"),
            "expected a non-empty list of dilations 1 ..= 64".into(),
        ));
    }
    if !(t.learning_rate.is_finite() && t.learning_rate > 0.0 && t.learning_rate <= 1.0) {
        return Err(fail(&key("learning_rate"), "expected 0 < rate ≤ 1".into()));
    }
    if !(t.final_learning_rate >= 0.0 && t.final_learning_rate <= t.learning_rate) {
        return Err(fail(
            &key("final_learning_rate"),
            "expected 0 ≤ final rate ≤ learning_rate".into(),
        ));
    }
    if t.warmup_steps >= t.steps {
        return Err(fail(
            &key("warmup_steps"),
            "expected fewer than `steps`".into(),
        ));
    }
    if !range_ok(&t.ebno_db, -50.0, 100.0) {
        return Err(fail(
            &key("ebno_db"),
            "expected [low, high] dB with low ≤ high".into(),
        ));
    }
    if t.validation_ebno_db.is_some_and(|v| !v.is_finite()) {
        return Err(fail(
            &key("validation_ebno_db"),
            "expected a number (dB)".into(),
        ));
    }
    let fading = matches!(s.channel.model, ChannelModel::Tdl | ChannelModel::Cdl);
    for (k, set, lo, hi) in [
        ("speed_kmh", &t.speed_kmh, 0.0, 3000.0),
        ("delay_spread_ns", &t.delay_spread_ns, 1.0, 10_000.0),
    ] {
        if set.is_some() && !fading {
            return Err(fail(&key(k), "applies to TDL and CDL channels only".into()));
        }
        if !range_ok(set, lo, hi) {
            return Err(fail(
                &key(k),
                format!("expected [low, high] with {lo} ≤ low ≤ high ≤ {hi}"),
            ));
        }
    }
    if let Some(p) = &t.profiles {
        if !fading {
            return Err(fail(
                &key("profiles"),
                "applies to TDL and CDL channels only".into(),
            ));
        }
        use super::fading_profile::{NTN_PROFILES, TR38901_PROFILES};
        let tdl = s.channel.model == ChannelModel::Tdl;
        let ok = |x: &String| {
            TR38901_PROFILES.contains(&x.as_str()) || tdl && NTN_PROFILES.contains(&x.as_str())
        };
        if p.is_empty() || !p.iter().all(ok) {
            return Err(fail(
                &key("profiles"),
                format!(
                    "expected a non-empty list of \"A\", \"B\", \"C\", \"D\", \"E\"{}",
                    if tdl {
                        ", \"NTN-TDL-A\", \"NTN-TDL-B\", \"NTN-TDL-C\", \"NTN-TDL-D\""
                    } else {
                        ""
                    }
                ),
            ));
        }
    }
    Ok(())
}
