//! `--set KEY=VALUE` on the command line: a scenario key given a value before the file is
//! resolved (for sweeping what the `[sweep]` section cannot: one run per MCS, speed, profile,
//! seed of a Slurm array task). The file's formatting and comments are kept (toml_edit), so
//! error locations still point at its lines; the changed text is what the results store.

use super::location::ScenarioError;
use super::resolve::{resolve, Resolved};
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, Value};

/// `text` with every `KEY=VALUE` of `sets` applied in order. KEY is a dotted path
/// (`code.mcs`, `channel.speed_kmh`, `name`); missing tables are created. VALUE is a TOML
/// value (`13`, `0.5`, `true`, `[0, 2]`, `"qam256"`); anything else is taken as a string, so
/// `channel.profile=C` works unquoted.
pub fn apply_overrides(text: &str, file: &str, sets: &[String]) -> Result<String, ScenarioError> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let bad = |key: &str, value: &str, message: String| ScenarioError {
        file: file.to_string(),
        line: 0,
        column: 0,
        key: key.to_string(),
        value: value.to_string(),
        message,
    };
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| bad("", "", e.to_string()))?;
    for set in sets {
        let Some((key, value)) = set.split_once('=') else {
            return Err(bad(
                set,
                "",
                format!("--set {set}: expected KEY=VALUE, e.g. --set code.mcs=13"),
            ));
        };
        let (key, value) = (key.trim(), value.trim());
        let path: Vec<&str> = key.split('.').map(str::trim).collect();
        if path.iter().any(|p| p.is_empty()) {
            return Err(bad(
                key,
                value,
                format!("--set {set}: expected a dotted key such as code.mcs"),
            ));
        }
        let parsed = value
            .parse::<Value>()
            .unwrap_or_else(|_| Value::from(value));
        set_path(doc.as_table_mut(), &path, parsed)
            .map_err(|m| bad(key, value, format!("--set {set}: {m}")))?;
    }
    Ok(doc.to_string())
}

/// Sets `path` (tables, then a key) in `table` to `value`, creating missing tables (a
/// table that holds the key as a table, e.g. `[harq]`, is replaced by the value: the
/// scenario check then names it).
fn set_path(table: &mut Table, path: &[&str], value: Value) -> Result<(), String> {
    let (last, tables) = path.split_last().expect("a non-empty path");
    let mut at: &mut dyn toml_edit::TableLike = table;
    for (i, p) in tables.iter().enumerate() {
        if at.get(p).is_none() {
            at.insert(p, Item::Table(Table::new()));
        }
        at = at
            .get_mut(p)
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| format!("`{}` is a value, not a table", tables[..=i].join(".")))?;
    }
    // An existing value keeps its key's and its own decoration (comments, spacing).
    if let Some(old) = at.get_mut(last).and_then(Item::as_value_mut) {
        let decor = old.decor().clone();
        *old = value;
        *old.decor_mut() = decor;
        return Ok(());
    }
    at.insert(last, Item::Value(value));
    Ok(())
}

/// Reads the scenario at `path`, applies `sets` ([`apply_overrides`]) and resolves it.
pub fn load_with(path: &Path, sets: &[String]) -> Result<Resolved, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: file.clone(),
        line: 0,
        column: 0,
        key: String::new(),
        value: String::new(),
        message: format!("cannot read the scenario file: {e}"),
    })?;
    resolve(&apply_overrides(&source, &file, sets)?, &file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# a comment\nname = \"t\"\n[code]\ninfo_bits = 1024 # A\ncrc = \"24a\"\n\
                        decoder = { algorithm = \"bp\", iterations = 20 }\n[channel]\n\
                        model = \"awgn\"\n[sweep]\nsnr_db = [1.0, 2.0]\n";

    #[test]
    fn overrides_set_values_keep_the_rest_and_create_tables() {
        let sets = [
            "code.info_bits=2000",
            "code.decoder.iterations = 8",
            "name=t-mcs",
            "harq.max_transmissions=2",
            "sweep.snr_db=[3.0]",
            "channel.model=awgn",
        ]
        .map(String::from);
        let out = apply_overrides(TEXT, "s.toml", &sets).unwrap();
        assert!(out.starts_with("# a comment\n"), "{out}");
        assert!(out.contains("info_bits = 2000 # A"), "{out}");
        let r = resolve(&out, "s.toml").unwrap();
        assert_eq!(r.link.info_bits, 2000);
        assert_eq!(r.scenario.code.decoder.iterations, 8);
        assert_eq!(r.scenario.name, "t-mcs");
        assert_eq!(r.link.harq.unwrap().max_transmissions, 2);
        assert_eq!(r.points.len(), 1);
        // Untouched lines keep their place (error locations stay useful).
        let line = |t: &str, key: &str| t.lines().position(|l| l.starts_with(key));
        assert_eq!(line(&out, "crc"), line(TEXT, "crc"));
        assert_eq!(apply_overrides(TEXT, "s.toml", &[]).unwrap(), TEXT);
    }

    #[test]
    fn bad_overrides_name_the_key() {
        let e = |set: &str| apply_overrides(TEXT, "s.toml", &[set.to_string()]).unwrap_err();
        assert!(e("code.mcs").message.contains("KEY=VALUE"));
        assert!(
            e("code.mcs")
                .to_string()
                .starts_with("s.toml: code.mcs: --set code.mcs:"),
            "{}",
            e("code.mcs")
        );
        assert!(e(".mcs=3").message.contains("dotted key"));
        let x = e("code.info_bits.x=3");
        assert_eq!(x.key, "code.info_bits.x");
        assert!(x.message.contains("`code.info_bits` is a value"), "{x}");
        // A value of the wrong type is the scenario check's error, at the key.
        let sets = ["code.info_bits=many".to_string()];
        let text = apply_overrides(TEXT, "s.toml", &sets).unwrap();
        let x = resolve(&text, "s.toml").unwrap_err();
        assert_eq!(x.key, "code.info_bits");
    }
}
