//! The audit trail as CSV, safe to open in a spreadsheet: a cell that a spreadsheet would read as
//! a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading `'`.

use crate::store::AuditRecord;

/// The header row.
pub const HEADER: [&str; 18] = [
    "seq",
    "at",
    "kind",
    "outcome",
    "user",
    "role",
    "connector",
    "question",
    "sql",
    "code",
    "tables",
    "row_count",
    "truncated",
    "duration_ms",
    "detail",
    "ip",
    "prev_hash",
    "hash",
];

/// A cell a spreadsheet will show as text.
pub fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{cell}")),
        _ => std::borrow::Cow::Borrowed(cell),
    }
}

/// Writes the header row into `out`.
pub fn header(out: &mut Vec<u8>) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    writer.flush()?;
    Ok(())
}

/// Appends one record as a CSV row to `out`.
pub fn row(out: &mut Vec<u8>, r: &AuditRecord) -> Result<(), csv::Error> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let cells = [
        r.seq.to_string(),
        r.at.clone(),
        r.kind.clone(),
        r.outcome.clone(),
        opt(&r.username),
        opt(&r.role),
        opt(&r.connector),
        opt(&r.question),
        opt(&r.sql),
        opt(&r.code),
        r.tables.join(" "),
        r.row_count.map(|n| n.to_string()).unwrap_or_default(),
        r.truncated.map(|t| t.to_string()).unwrap_or_default(),
        r.duration_ms.map(|n| n.to_string()).unwrap_or_default(),
        if r.detail.is_null() { String::new() } else { r.detail.to_string() },
        opt(&r.ip),
        r.prev_hash.clone(),
        r.hash.clone(),
    ];
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(cells.iter().map(|c| defuse(c).into_owned()))?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_become_text() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1+2"), "'-1+2");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("SELECT 1"), "SELECT 1");
    }
}
