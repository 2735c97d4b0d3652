//! `[sweep]` lists that run the scenario once per entry, around the Eb/N0 (or SNR) sweep:
//! `mcs` (TS 38.214 indices, instead of `[code] mcs`) and the `[channel]` keys `speed_kmh`,
//! `delay_spread_ns`, `k_factor_db`, `doppler_shift_hz`, `distance_m` and `profile` (instead
//! of the key in `[channel]`). `ferrolink run` runs each entry as its own scenario
//! `<name>-<key><value>` (own folder and checkpoints; `--shard`/`--merge` work per entry) and
//! joins the tables with a column named after the key. `mcs` crosses with one `[channel]`
//! list (every MCS at every value: runs `<name>-mcs<I>-<key><value>`, columns `mcs` and the
//! key). Every entry is resolved up front, so a bad one is an error at `sweep.<key>` naming
//! it before anything runs.

use super::location::ScenarioError;
use super::resolve::Fail;
use super::schema::Scenario;
use crate::link::LinkSpec;

/// The `[sweep]` keys that take a list of runs, in the order they are looked for.
pub const OUTER_KEYS: [&str; 7] = [
    "mcs",
    "speed_kmh",
    "delay_spread_ns",
    "k_factor_db",
    "doppler_shift_hz",
    "distance_m",
    "profile",
];

/// One entry of an outer sweep.
#[derive(Debug, Clone, PartialEq)]
pub enum OuterValue {
    /// An MCS index.
    Index(usize),
    /// A number of a `[channel]` key.
    Number(f64),
    /// A profile name.
    Text(String),
}

impl OuterValue {
    /// The value as TOML (for `--set sweep.<key>=[..]`).
    pub fn toml(&self) -> String {
        match self {
            OuterValue::Index(m) => m.to_string(),
            OuterValue::Number(v) => format!("{v:?}"),
            OuterValue::Text(t) => format!("{:?}", t),
        }
    }

    /// The value as it appears in a run name and a legend: `13`, `120`, `0.5`, `C`.
    pub fn label(&self) -> String {
        match self {
            OuterValue::Index(m) => m.to_string(),
            OuterValue::Number(v) => format!("{v}"),
            OuterValue::Text(t) => t.clone(),
        }
    }
}

/// A `[sweep]` list of runs: one list, or `mcs` crossed with one `[channel]` list (the
/// channel list last); two or more runs in all.
#[derive(Debug, Clone, PartialEq)]
pub struct OuterSweep {
    /// (key, entries) of each list, outer first; the last one's entries vary fastest.
    pub axes: Vec<(&'static str, Vec<OuterValue>)>,
}

impl OuterSweep {
    /// The number of runs (the product of the lists' lengths).
    pub fn len(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// Whether there is no run (never, for a resolved list).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Run `i`'s entry of every list, outer first.
    pub fn entry(&self, i: usize) -> Vec<(&'static str, &OuterValue)> {
        let mut rest = i;
        let mut out: Vec<(&'static str, &OuterValue)> = self
            .axes
            .iter()
            .rev()
            .map(|(k, v)| {
                let e = &v[rest % v.len()];
                rest /= v.len();
                (*k, e)
            })
            .collect();
        out.reverse();
        out
    }

    /// The key of the last list (a curve's x axis when it is a number).
    pub fn key(&self) -> &'static str {
        self.axes.last().expect("a list").0
    }

    /// The name of run `i`: `<name>-<key><value>` per list, e.g. `tdl-speed_kmh120`,
    /// `x-mcs13`, `x-mcs13-distance_m200`.
    pub fn run_name(&self, name: &str, i: usize) -> String {
        let mut s = name.to_string();
        for (k, v) in self.entry(i) {
            s += &format!("-{k}{}", v.label());
        }
        s
    }

    /// Run `i`'s entries as `mcs = 13, distance_m = 200`.
    pub fn entry_label(&self, i: usize) -> String {
        let parts: Vec<String> = self
            .entry(i)
            .iter()
            .map(|(k, v)| format!("{k} = {}", v.label()))
            .collect();
        parts.join(", ")
    }

    /// The lists' keys as `mcs × distance_m`.
    pub fn keys_label(&self) -> String {
        let keys: Vec<&str> = self.axes.iter().map(|(k, _)| *k).collect();
        keys.join(" × ")
    }

    /// The run names' pattern, `<name>-mcs<value>-distance_m<value>`.
    pub fn run_pattern(&self, name: &str) -> String {
        let mut s = name.to_string();
        for (k, _) in &self.axes {
            s += &format!("-{k}<value>");
        }
        s
    }

    /// The `--set` overrides that make the scenario run `i`.
    pub fn sets(&self, i: usize) -> Vec<String> {
        self.entry(i)
            .into_iter()
            .map(|(k, v)| format!("sweep.{k}=[{}]", v.toml()))
            .collect()
    }

    /// Whether the last list holds numbers of `[channel]` (a numeric x axis).
    pub fn numeric(&self) -> bool {
        self.axes
            .last()
            .is_some_and(|(_, v)| v.iter().all(|v| matches!(v, OuterValue::Number(_))))
    }
}

/// The list given for `key` in `[sweep]`, if any.
fn list(s: &Scenario, key: &str) -> Option<Vec<OuterValue>> {
    let w = &s.sweep;
    let num = |v: &Option<Vec<f64>>| {
        v.as_ref()
            .map(|v| v.iter().map(|&x| OuterValue::Number(x)).collect())
    };
    match key {
        "mcs" => w
            .mcs
            .as_ref()
            .map(|v| v.iter().map(|&m| OuterValue::Index(m)).collect()),
        "speed_kmh" => num(&w.speed_kmh),
        "delay_spread_ns" => num(&w.delay_spread_ns),
        "k_factor_db" => num(&w.k_factor_db),
        "doppler_shift_hz" => num(&w.doppler_shift_hz),
        "distance_m" => num(&w.distance_m),
        "profile" => w
            .profile
            .as_ref()
            .map(|v| v.iter().map(|p| OuterValue::Text(p.clone())).collect()),
        _ => unreachable!("not an outer key: {key}"),
    }
}

/// Sets `key` of the scenario (where a single run takes it) to `value`.
fn apply(s: &mut Scenario, key: &str, value: &OuterValue) {
    let c = &mut s.channel;
    match (key, value) {
        ("mcs", OuterValue::Index(m)) => s.code.mcs = Some(*m),
        ("speed_kmh", OuterValue::Number(v)) => c.speed_kmh = Some(*v),
        ("delay_spread_ns", OuterValue::Number(v)) => c.delay_spread_ns = Some(*v),
        ("k_factor_db", OuterValue::Number(v)) => c.k_factor_db = Some(*v),
        ("doppler_shift_hz", OuterValue::Number(v)) => c.doppler_shift_hz = Some(*v),
        ("distance_m", OuterValue::Number(v)) => c.distance_m = Some(*v),
        ("profile", OuterValue::Text(p)) => c.profile = Some(p.clone()),
        _ => unreachable!("{key} takes no {value:?}"),
    }
}

/// Where a single run takes `key`: `code.mcs` or `channel.<key>`.
fn single_key(key: &'static str) -> [&'static str; 2] {
    match key {
        "mcs" => ["code", "mcs"],
        k => ["channel", k],
    }
}

/// Resolves the `[sweep]` lists of runs, if any are given: every entry must build a link
/// (`build`; an error names the entry), the scenario takes the first entry of each (so
/// `validate` and the link show that one). `None` without a list; one-entry lists are single
/// runs. Two lists only as `mcs` and one `[channel]` key (crossed).
pub(super) fn outer_sweep(
    s: &mut Scenario,
    fail: &Fail,
    set: &dyn Fn(&[&str]) -> bool,
    build: &dyn Fn(&Scenario) -> Result<LinkSpec, ScenarioError>,
) -> Result<Option<OuterSweep>, ScenarioError> {
    let given: Vec<(&'static str, Vec<OuterValue>)> = OUTER_KEYS
        .into_iter()
        .filter_map(|k| list(s, k).map(|v| (k, v)))
        .collect();
    let channel_lists: Vec<&'static str> =
        given.iter().map(|g| g.0).filter(|&k| k != "mcs").collect();
    if let [key, other, ..] = channel_lists[..] {
        let [table, field] = single_key(other);
        return Err(fail(
            &["sweep", other],
            format!(
                "one list of runs per scenario besides mcs: `{key}` and `{other}` are both \
                 given (run each {other} with --set {table}.{field}=.. on the command line)"
            ),
        ));
    }
    let mut axes = Vec::new();
    for (key, values) in given {
        check_list(s, key, &values, fail, set, build)?;
        apply(s, key, &values[0]);
        if values.len() > 1 {
            axes.push((key, values));
        }
    }
    Ok((!axes.is_empty()).then_some(OuterSweep { axes }))
}

/// The entries of list `key`: not empty, no value twice, not also a single value, each one
/// building a link with the other keys as they are.
fn check_list(
    s: &Scenario,
    key: &'static str,
    values: &[OuterValue],
    fail: &Fail,
    set: &dyn Fn(&[&str]) -> bool,
    build: &dyn Fn(&Scenario) -> Result<LinkSpec, ScenarioError>,
) -> Result<(), ScenarioError> {
    let at = ["sweep", key];
    let [table, field] = single_key(key);
    if values.is_empty() {
        let example = match key {
            "mcs" => "[0, 4, 8]",
            "profile" => "[\"A\", \"C\"]",
            _ => "[0.0, 60.0, 120.0]",
        };
        return Err(fail(
            &at,
            format!("expected a non-empty list, e.g. {example}"),
        ));
    }
    if let Some(v) = values
        .iter()
        .enumerate()
        .find_map(|(i, v)| values[..i].contains(v).then_some(v))
    {
        return Err(fail(&at, format!("{key} {} appears twice", v.label())));
    }
    if set(&[table, field]) {
        return Err(fail(
            &at,
            format!("give {key} in [{table}] {field} (one) or in [sweep] {key} (a list), not both"),
        ));
    }
    for v in values {
        let mut one = s.clone();
        apply(&mut one, key, v);
        if let Err(e) = build(&one) {
            let why = e
                .message
                .trim_end_matches(" (the key is not set; this is its default)");
            let named = match e.key.as_str() {
                k if k == format!("{table}.{field}") => String::new(),
                // A channel entry that trips another key: the error stays at that key.
                _ if key != "mcs" => {
                    let message = format!("{why} (with [sweep] {key} = {})", v.label());
                    return Err(ScenarioError { message, ..e });
                }
                other => format!("{other}: "),
            };
            let label = match key {
                "mcs" => "MCS".to_string(),
                k => k.to_string(),
            };
            return Err(fail(&at, format!("{label} {}: {named}{why}", v.label())));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::scenario::resolve;

    const TDL: &str = r#"
name = "t"
[code]
info_bits = 288
crc = "none"
rate = 0.5
[modulation]
scheme = "qpsk"
[channel]
model = "tdl"
[ofdm]
carrier_ghz = 3.5
subcarrier_spacing_khz = 30
num_subcarriers = 96
[pilots]
symbols = [2]
[sweep]
ebno_db = [0.0, 2.0]
"#;

    fn with(sweep: &str) -> String {
        TDL.replace(
            "ebno_db = [0.0, 2.0]",
            &format!("ebno_db = [0.0, 2.0]\n{sweep}"),
        )
    }

    /// A list of runs: the scenario takes the first entry, the runs' names and overrides
    /// follow the entries; a one-entry list is a single run with that value.
    #[test]
    fn channel_lists_resolve_to_runs() {
        let r = resolve(&with("speed_kmh = [0, 60, 120.5]"), "s.toml").unwrap();
        let o = r.outer.expect("a list of runs");
        assert_eq!((o.key(), o.len()), ("speed_kmh", 3));
        assert_eq!(o.run_name("t", 2), "t-speed_kmh120.5");
        assert_eq!(o.sets(1), ["sweep.speed_kmh=[60.0]"]);
        assert_eq!(r.scenario.channel.speed_kmh, Some(0.0));
        let one = resolve(&with("speed_kmh = [60.0]"), "s.toml").unwrap();
        assert!(one.outer.is_none());
        assert_eq!(one.scenario.channel.speed_kmh, Some(60.0));
        let p = resolve(&with("profile = [\"A\", \"NTN-TDL-C\"]"), "s.toml").unwrap();
        let o = p.outer.unwrap();
        assert_eq!(o.sets(1), ["sweep.profile=[\"NTN-TDL-C\"]"]);
        assert_eq!(o.run_name("t", 1), "t-profileNTN-TDL-C");
        assert!(!o.numeric());
        // The speed reaches the link: the first entry's Doppler.
        let fast = resolve(&with("speed_kmh = [500, 0]"), "s.toml").unwrap();
        let slow = resolve(&with("speed_kmh = [0, 500]"), "s.toml").unwrap();
        assert_ne!(fast.link.ofdm, slow.link.ofdm);
    }

    /// Bad lists name `sweep.<key>`, the entry and what is accepted.
    #[test]
    fn bad_lists_name_the_entry() {
        let err = |text: &str| resolve(text, "s.toml").expect_err("must be rejected");
        for (sweep, what) in [
            (
                "speed_kmh = [0, 2000]",
                "speed_kmh 2000: expected 0 ..= 1000 km/h",
            ),
            ("profile = [\"A\", \"F\"]", "profile F:"),
            ("delay_spread_ns = []", "non-empty list"),
            ("speed_kmh = [30, 30]", "speed_kmh 30 appears twice"),
            ("distance_m = [10, 20]", "distance_m 10: "),
        ] {
            let e = err(&with(sweep));
            let key = sweep.split(' ').next().unwrap();
            assert_eq!(e.key, format!("sweep.{key}"), "{sweep}: {e}");
            assert!(e.message.contains(what), "{sweep}: {e}");
            assert_eq!(e.line, 19, "{sweep}: {e}");
        }
        let e = err(&with("speed_kmh = [0, 30]\nprofile = [\"A\", \"C\"]"));
        assert_eq!(e.key, "sweep.profile", "{e}");
        assert!(
            e.message
                .contains("one list of runs per scenario besides mcs"),
            "{e}"
        );
        let both = with("speed_kmh = [0, 30]")
            .replace("model = \"tdl\"", "model = \"tdl\"\nspeed_kmh = 3");
        let e = err(&both);
        assert_eq!(e.key, "sweep.speed_kmh", "{e}");
        assert!(e.message.contains("not both"), "{e}");
        // An error of another key stays at that key, naming the entry.
        let time = with("speed_kmh = [3.0, 6.0]")
            .replace("[ofdm]", "[ofdm]\ndomain = \"time\"\nfft_size = 64");
        let e = err(&time);
        assert_eq!(e.key, "ofdm.fft_size", "{e}");
        assert!(e.message.contains("(with [sweep] speed_kmh = 3)"), "{e}");
    }

    /// `mcs` crossed with a channel list: every MCS at every value, the channel list
    /// fastest; run names and overrides carry both; a run's scenario (both one-entry lists)
    /// is a single run.
    #[test]
    fn mcs_crosses_a_channel_list() {
        let text = "name = \"t\"\n[ofdm]\ncarrier_ghz = 3.5\nprbs = 4\n[channel]\n\
                    model = \"tdl\"\nprofile = \"A\"\ndelay_spread_ns = 100\n[sweep]\n\
                    snr_db = [10.0]\nmcs = [5, 13]\nspeed_kmh = [0, 60, 120]\n";
        let r = resolve(text, "s.toml").unwrap_or_else(|e| panic!("{e}"));
        let o = r.outer.expect("lists");
        assert_eq!((o.len(), o.key()), (6, "speed_kmh"));
        assert_eq!(o.run_name("t", 4), "t-mcs13-speed_kmh60");
        assert_eq!(o.sets(2), ["sweep.mcs=[5]", "sweep.speed_kmh=[120.0]"]);
        assert_eq!(o.entry_label(5), "mcs = 13, speed_kmh = 120");
        assert_eq!(o.keys_label(), "mcs × speed_kmh");
        assert_eq!(o.run_pattern("t"), "t-mcs<value>-speed_kmh<value>");
        assert_eq!(
            (r.scenario.code.mcs, r.scenario.channel.speed_kmh),
            (Some(5), Some(0.0))
        );
        let one = text
            .replace("mcs = [5, 13]", "mcs = [13]")
            .replace("speed_kmh = [0, 60, 120]", "speed_kmh = [60.0]");
        let single = resolve(&one, "s.toml").unwrap_or_else(|e| panic!("{e}"));
        assert!(single.outer.is_none());
        let mcs_only = text.replace("speed_kmh = [0, 60, 120]", "speed_kmh = [60.0]");
        let o = resolve(&mcs_only, "s.toml").unwrap().outer.unwrap();
        assert_eq!(
            (o.len(), o.key(), o.run_name("t", 1)),
            (2, "mcs", "t-mcs13".into())
        );
    }
}
