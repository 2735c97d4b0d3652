//! Reading the reference tables shipped as CSV (copied from `../shared/reference/`): lines
//! starting with '#' cite the source table, the next line is the header.

/// The data lines of a reference CSV (source comments, header and blank lines skipped).
pub fn data_lines(csv: &str) -> impl Iterator<Item = &str> {
    csv.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .skip(1)
}

/// The data lines split into trimmed comma-separated fields (for tables without quoting).
pub fn data_fields(csv: &str) -> impl Iterator<Item = Vec<&str>> {
    data_lines(csv).map(|l| l.split(',').map(str::trim).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_source_header_and_blanks() {
        let csv = "# Table 1\na,b\n1, 2\n\n3,4\n";
        assert_eq!(data_lines(csv).collect::<Vec<_>>(), vec!["1, 2", "3,4"]);
        assert_eq!(data_fields(csv).next().unwrap(), vec!["1", "2"]);
    }
}
