//! Where in a scenario file something is: byte spans → line/column, key paths → spans, and
//! the error type that reports them (`file:line:col: key = value: what is accepted`).

use std::fmt;
use std::ops::Range;

/// A scenario that cannot be run, with its location in the file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based line and column (0 when the file could not be read).
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `code.rate`.
    pub key: String,
    /// The offending value as written (empty when the key is missing).
    pub value: String,
    /// What was wrong and what is accepted.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: not at a place in the file (it could not be read; a `--set` override).
        match self.line {
            0 => write!(f, "{}: ", self.file)?,
            line => write!(f, "{}:{}:{}: ", self.file, line, self.column)?,
        }
        match (self.key.is_empty(), self.value.is_empty()) {
            (true, _) => {}
            (false, true) => write!(f, "{}: ", self.key)?,
            (false, false) => write!(f, "{} = {}: ", self.key, self.value)?,
        }
        write!(f, "{}", self.message)
    }
}

/// 1-based (line, column) of byte offset `pos` in `text` (column counts characters).
pub fn line_col(text: &str, pos: usize) -> (usize, usize) {
    let pos = pos.min(text.len());
    let before = &text[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..pos].chars().count() + 1)
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// The dotted key path of whatever starts at byte `pos`: the enclosing `[table]` header,
/// enclosing inline tables on the line, and the key itself.
pub fn key_path_at(text: &str, pos: usize) -> String {
    let pos = pos.min(text.len());
    let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
    let line = &text[line_start..line_end];
    let col = pos - line_start;
    let mut path: Vec<String> = Vec::new();
    // Enclosing table header: the last `[name]` line at or before this one.
    for l in text[..line_end].lines().rev() {
        let t = l.trim();
        if t.starts_with('[') && !t.starts_with("[[") {
            if let Some(end) = t.find(']') {
                path.push(t[1..end].trim().to_string());
            }
            break;
        }
    }
    if line.trim_start().starts_with('[') {
        return path.join(".");
    }
    // Inline tables open before `pos` on this line: `key = {`.
    let prefix = &line[..col.min(line.len())];
    let mut depth_keys: Vec<String> = Vec::new();
    let mut last_key = String::new();
    let mut current = String::new();
    for c in prefix.chars() {
        if is_key_char(c) {
            current.push(c);
        } else {
            if !current.is_empty() {
                last_key = std::mem::take(&mut current);
            }
            match c {
                '{' => depth_keys.push(last_key.clone()),
                '}' => {
                    depth_keys.pop();
                }
                _ => {}
            }
        }
    }
    path.extend(depth_keys);
    // The key at pos (unknown key) or the key whose value starts at pos.
    let rest: String = line[col.min(line.len())..]
        .chars()
        .take_while(|&c| is_key_char(c))
        .collect();
    let after = line[col.min(line.len()) + rest.len()..].trim_start();
    if !rest.is_empty() && after.starts_with('=') {
        path.push(rest);
    } else {
        let before = prefix.trim_end().trim_end_matches('=').trim_end();
        let key: String = before
            .chars()
            .rev()
            .take_while(|&c| is_key_char(c) || c == '.')
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if !key.is_empty() {
            path.push(key);
        }
    }
    path.retain(|p| !p.is_empty());
    path.join(".")
}

/// The value text that starts at `pos` (up to a comment, comma or closing brace).
pub fn value_at(text: &str, span: &Range<usize>) -> String {
    let s = &text[span.start.min(text.len())..span.end.min(text.len())];
    let s = s.lines().next().unwrap_or("");
    s.trim().to_string()
}

/// The span of the value at dotted `path` (tables and inline tables), if present.
pub fn span_of(doc: &toml_edit::Document<&str>, path: &[&str]) -> Option<Range<usize>> {
    use toml_edit::{Item, Value};
    enum Node<'a> {
        Item(&'a Item),
        Value(&'a Value),
    }
    let mut node = Node::Item(doc.as_item());
    for key in path {
        node = match node {
            Node::Item(Item::Table(t)) => Node::Item(t.get(key)?),
            Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)) => {
                Node::Value(t.get(key)?)
            }
            _ => return None,
        };
    }
    match node {
        Node::Item(i) => i.span(),
        Node::Value(v) => v.span(),
    }
}

/// An error about the value at dotted `path` of scenario `text` (read from `file`, parsed
/// as `doc`), located at that value (line 1, column 1 when the key is absent).
pub fn located(
    doc: &toml_edit::Document<&str>,
    text: &str,
    file: &str,
    path: &[&str],
    message: String,
) -> ScenarioError {
    let span = span_of(doc, path);
    let (line, column) = span.as_ref().map_or((1, 1), |s| line_col(text, s.start));
    ScenarioError {
        file: file.into(),
        line,
        column,
        key: path.join("."),
        value: span.map(|s| value_at(text, &s)).unwrap_or_default(),
        message,
    }
}

/// [`located`] for checks made outside `sim-core` (e.g. of a weights file), parsing `text`.
pub fn locate(text: &str, file: &str, path: &[&str], message: String) -> ScenarioError {
    match toml_edit::Document::parse(text) {
        Ok(doc) => located(&doc, text, file, path, message),
        Err(_) => ScenarioError {
            file: file.into(),
            line: 1,
            column: 1,
            key: path.join("."),
            value: String::new(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths() {
        let t =
            "name = \"x\"\n[code]\nrate = 2.0\ndecoder = { algorithm = \"foo\", iterations = 3 }\n";
        let p = t.find("2.0").unwrap();
        assert_eq!(key_path_at(t, p), "code.rate");
        let p = t.find("\"foo\"").unwrap();
        assert_eq!(key_path_at(t, p), "code.decoder.algorithm");
        let p = t.find("iterations").unwrap();
        assert_eq!(key_path_at(t, p), "code.decoder.iterations");
        assert_eq!(line_col(t, p), (4, 32));
    }

    #[test]
    fn spans_of_paths() {
        let t = "[code]\nrate = 2.0\ndecoder = { iterations = 3 }\n";
        let doc = toml_edit::Document::parse(t).unwrap();
        let s = span_of(&doc, &["code", "rate"]).unwrap();
        assert_eq!(&t[s], "2.0");
        let s = span_of(&doc, &["code", "decoder", "iterations"]).unwrap();
        assert_eq!(&t[s], "3");
    }
}
