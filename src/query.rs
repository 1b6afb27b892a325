//! `sqlgate query --db`: guard → read-only session → trim, in-process, printing what
//! `POST /api/v1/query` answers.

use std::io::{self, Write};

use serde::Serialize;
use sqlgate_connectors::{Column, Connector, ConnectorError, CutReason, Exposure, QueryResult, Target, Truncation};
use sqlgate_guardrails::{check, Verdict};

use crate::cli::QueryCommand;
use crate::error_shape::ErrorJson;
use crate::exit::Outcome;

/// What `sqlgate query` prints and `POST /api/v1/query` answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Answer {
    /// A new id for this answer.
    pub id: String,
    /// The SQL as sent.
    pub sql: String,
    /// The result's columns.
    pub columns: Vec<Column>,
    /// The rows kept, each an array of cells in the order of `columns`.
    #[schema(value_type = Vec<Vec<Value>>)]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// How many rows are in `rows`.
    pub row_count: u64,
    /// What was cut; `null` when the rows are the whole result.
    pub truncated: Option<Truncation>,
    /// `high` for SQL that was run as written (`high`, `medium`, `low` or `uncertain`).
    pub confidence: &'static str,
    /// A factual sentence about the rows.
    pub answer: String,
    /// Production, privilege and truncation warnings.
    pub warnings: Vec<String>,
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
    match execute(command.target, &allowed.sql, command.budget) {
        Ok((result, notes)) => print_json(
            &Answer::new(&allowed.sql, &result, command.budget.max_rows, warnings(&result, notes)),
            Outcome::Allowed,
        ),
        Err(e) => print_json(&ErrorJson::new(e.code(), &e.to_string()), Outcome::Database),
    }
}

impl Answer {
    /// The answer for SQL that was run as written: a new id, the rows, and a factual summary.
    pub fn new(sql: &str, result: &QueryResult, max_rows: u64, warnings: Vec<String>) -> Self {
        Answer {
            id: uuid::Uuid::new_v4().to_string(),
            sql: sql.to_owned(),
            columns: result.columns.clone(),
            rows: result.rows.clone(),
            row_count: result.row_count,
            truncated: result.truncated,
            confidence: "high",
            answer: summary(result, max_rows),
            warnings,
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

/// Runs the approved SQL on a connector made for this one command: the privilege report first
/// (for servers), then the query. Returns the rows and the report's warning, if any.
fn execute(
    target: Target,
    sql: &str,
    budget: sqlgate_connectors::Budget,
) -> Result<(QueryResult, Option<String>), ConnectorError> {
    let vet = matches!(target, Target::Server(_));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ConnectorError::Open(format!("could not start the async runtime: {e}")))?;
    runtime.block_on(async {
        let connector = Connector::new(target)?;
        let outcome = async {
            let note = if vet { connector.vet(&Exposure::All).await?.summary() } else { None };
            Ok((connector.query(sql, budget).await?, note))
        }
        .await;
        connector.close().await;
        outcome
    })
}

pub fn warnings(result: &QueryResult, privileges: Option<String>) -> Vec<String> {
    let mut warnings: Vec<String> = privileges.into_iter().collect();
    if let Some(t) = result.truncated.filter(|t| t.cells_truncated > 0) {
        warnings.push(format!("{} long values were cut to the per-cell limit and end in …[cut]", t.cells_truncated));
    }
    warnings
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
