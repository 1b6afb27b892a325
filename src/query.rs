//! `sqlgate query --db`: guard → read-only session → trim, in-process, printing what
//! `POST /api/v1/query` answers.

use std::io::{self, Write};
use std::time::Duration;

use serde::Serialize;
use sqlgate_connectors::{sqlite, Column, ConnectorError, CutReason, QueryResult, Truncation};
use sqlgate_guardrails::{check, Verdict};

use crate::cli::{QueryCommand, Target};
use crate::error_shape::ErrorJson;
use crate::exit::Outcome;

/// The server-side time limit for one query.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Serialize)]
struct Answer<'a> {
    id: String,
    sql: &'a str,
    columns: &'a [Column],
    rows: &'a [Vec<serde_json::Value>],
    row_count: u64,
    truncated: Option<Truncation>,
    confidence: &'static str,
    answer: String,
    warnings: Vec<String>,
}

/// Runs `query` and returns how it ended.
pub fn run(command: QueryCommand) -> Outcome {
    let allowed = match check(&command.sql, &command.policy) {
        Verdict::Allowed(a) => a,
        Verdict::Rejected(r) => {
            return print_json(
                &ErrorJson::new("sql_rejected", &r.message).with_guard_code(r.code.as_str()),
                Outcome::Rejected,
            );
        }
    };
    let result = match &command.target {
        Target::Sqlite(path) => sqlite::query(path, &allowed.sql, command.budget, TIMEOUT),
    };
    match result {
        Ok(result) => print_json(
            &Answer {
                id: uuid::Uuid::new_v4().to_string(),
                sql: &allowed.sql,
                columns: &result.columns,
                rows: &result.rows,
                row_count: result.row_count,
                truncated: result.truncated,
                confidence: "high",
                answer: summary(&result, command.budget.max_rows),
                warnings: warnings(&result),
            },
            Outcome::Allowed,
        ),
        Err(e) => {
            let code = match e {
                ConnectorError::Timeout(_) => "timeout",
                ConnectorError::Open(_) | ConnectorError::Tls(_) => "connector_unavailable",
                ConnectorError::Privileged(_) => "connector_refused",
                ConnectorError::Database(_) | ConnectorError::NotReadOnly => "database_error",
            };
            print_json(&ErrorJson::new(code, &e.to_string()), Outcome::Database)
        }
    }
}

/// A factual sentence about what came back; the rows are in `rows`.
fn summary(result: &QueryResult, max_rows: u64) -> String {
    let n = result.row_count;
    let rows = if n == 1 { "1 row".to_owned() } else { format!("{n} rows") };
    match result.truncated {
        None if n == 0 => "The query returned no rows.".to_owned(),
        None => format!("The query returned {rows}."),
        Some(t) if t.reason == CutReason::Rows => {
            format!("Showing the first {rows}; the result has more (the answer is capped at {max_rows} rows).")
        }
        Some(t) if t.reason == CutReason::Bytes => {
            format!("Showing the first {rows}; the result has more (the answer reached its size budget).")
        }
        Some(_) => format!("The query returned {rows}; some long values are shortened."),
    }
}

fn warnings(result: &QueryResult) -> Vec<String> {
    match result.truncated {
        Some(t) if t.cells_truncated > 0 => {
            vec![format!("{} long values were cut to the per-cell limit and end in …[cut]", t.cells_truncated)]
        }
        _ => Vec::new(),
    }
}

/// Prints `value` and returns `outcome`, or a usage failure when stdout cannot take it: an answer
/// nobody received is not a success.
fn print_json<T: Serialize>(value: &T, outcome: Outcome) -> Outcome {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let written = serde_json::to_writer(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => outcome,
        Err(e) => {
            eprintln!("sqlgate: could not write the answer: {e}");
            Outcome::Usage
        }
    }
}
