//! Statements that are not a query: which code refuses each, and how the message names it.

use sqlparser::ast::Statement;

use crate::code::{Code, Rejection};

/// Refuses a statement that is not a query, naming its kind.
pub(crate) fn refuse(statement: &Statement) -> Rejection {
    let kind = kind(statement);
    if writes(statement) {
        Rejection::new(Code::WriteStatement, format!("{kind} changes data; sqlgate only runs read-only SELECT queries"))
    } else {
        Rejection::new(Code::NotAQuery, format!("{kind} is not a query; sqlgate only runs a single read-only SELECT"))
    }
}

fn writes(statement: &Statement) -> bool {
    matches!(
        statement,
        Statement::Insert(_)
            | Statement::Update(_)
            | Statement::Delete(_)
            | Statement::Merge(_)
            | Statement::Truncate(_)
            | Statement::Copy { .. }
            | Statement::CopyIntoSnowflake { .. }
            | Statement::Load { .. }
            | Statement::LoadData { .. }
            | Statement::Directory { .. }
            | Statement::Unload { .. }
            | Statement::ExportData(_)
            | Statement::Put { .. }
            | Statement::Remove(_)
    )
}

/// The statement's leading keywords ("CREATE TABLE", "SET", "EXPLAIN"), for the message. This
/// renders the statement, which is fine on the refusal path.
fn kind(statement: &Statement) -> String {
    let text = statement.to_string();
    let words: Vec<&str> = text
        .split_whitespace()
        .take_while(|w| w.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') && !matches!(*w, "FROM" | "INTO"))
        .take(2)
        .collect();
    if words.is_empty() {
        "this statement".to_owned()
    } else {
        format!("{} statement", words.join(" "))
    }
}
