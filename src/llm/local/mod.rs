//! `local`: sqlgate's own deterministic text-to-SQL engine. No network, no model files.
//!
//! A question is cut into words, linked to keywords, tables, columns and sampled values, and
//! interpreted as one query plan. Every word must be accounted for: a word the engine does not
//! understand, a name that fits two columns, a value found in two places — each makes it answer
//! "uncertain" with the reason instead of guessing. The SQL it writes still goes through the guard.

mod catalog;
mod link;
mod plan;
mod sql;
mod words;

pub use catalog::{Catalog, Synonym};

use serde::Serialize;
use sqlgate_connectors::{Budget, Connector, ConnectorError, Schema};
use sqlgate_guardrails::{check, Dialect, MaxRows, Policy, Verdict};
use time::Date;

use catalog::Kind;
use link::Lexicon;

/// How sure an answer is, from least to most.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// No answer: the reasons say why.
    Uncertain,
    /// An answer with a sign that it may be wrong.
    Low,
    /// An answer that rests on an assumption, or with something cut.
    Medium,
    /// An answer whose every part was matched and checked.
    High,
}

/// What the engine made of a question.
#[derive(Clone, Debug, Serialize)]
pub struct Translation {
    /// The SQL as the guard approved it, or `None` when the engine does not know.
    pub sql: Option<String>,
    pub confidence: Confidence,
    /// Why the confidence is what it is.
    pub reasons: Vec<String>,
    /// The relations the approved SQL reads, as the guard found them.
    #[serde(skip)]
    pub tables: Vec<String>,
}

impl Translation {
    fn uncertain(reason: String) -> Self {
        Translation { sql: None, confidence: Confidence::Uncertain, reasons: vec![reason], tables: Vec::new() }
    }
}

/// The engine for one database: its catalog and the phrases built from it.
pub struct Engine {
    catalog: Catalog,
    lexicon: Lexicon,
    policy: Policy,
}

impl Engine {
    /// An engine over `catalog`, writing SQL the guard checks under `policy`.
    pub fn new(catalog: Catalog, policy: Policy) -> Self {
        let lexicon = Lexicon::new(&catalog);
        Engine { catalog, lexicon, policy }
    }

    /// Translates one question; `today` anchors "last month" and the like.
    pub fn translate(&self, question: &str, today: Date) -> Translation {
        // The engine is plain code over the question's words and must never panic; should a bug
        // make it, the question is refused instead of taking its caller (a server worker) down.
        // The engine keeps no state a panic could leave half-changed.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.translate_checked(question, today))) {
            Ok(translation) => translation,
            Err(_) => {
                tracing::error!("the offline engine failed on a question (a bug); the question was refused");
                Translation::uncertain(
                    "the offline engine failed on this question (a bug, logged for the team): rephrase it".into(),
                )
            }
        }
    }

    fn translate_checked(&self, question: &str, today: Date) -> Translation {
        #[cfg(test)]
        if question == tests::PANIC_PROBE {
            panic!("the test's stand-in for an engine bug");
        }
        let question = question.trim();
        if question.is_empty() {
            return Translation::uncertain("the question is empty".into());
        }
        if question.len() > 2_000 {
            return Translation::uncertain("the question is longer than 2,000 bytes: ask one thing at a time".into());
        }
        let items = self.lexicon.link(question);
        let plan = match plan::plan(&self.catalog, &items, today) {
            Ok(plan) => plan,
            Err(reason) => return Translation::uncertain(reason),
        };
        let text = sql::render(&self.catalog, &plan, self.policy.dialect);
        match check(&text, &self.policy) {
            Verdict::Allowed(allowed) => {
                let confidence = if plan.assumptions.is_empty() { Confidence::High } else { Confidence::Medium };
                let mut reasons =
                    vec!["every word of the question was matched to the schema or a known phrase".to_owned()];
                reasons.extend(plan.assumptions);
                Translation { sql: Some(allowed.sql), confidence, reasons, tables: allowed.tables }
            }
            Verdict::Rejected(r) => {
                Translation::uncertain(format!("the SQL I would write was refused by the guard ({})", r.message))
            }
        }
    }
}

/// Text values per column read for linking (a column with more is still sampled).
const SAMPLE_VALUES: u64 = 200;

/// Rows of a table scanned for a column's distinct values: a bound on the first question's cost
/// for a big table (its low-cardinality columns show their values within the first rows; a
/// column with more values than this cannot be linked by value anyway).
const SAMPLE_SCAN_ROWS: u64 = 10_000;

/// The catalog of `schema` (the connector's exposed relations), with the distinct values of its
/// text columns (among each table's first [`SAMPLE_SCAN_ROWS`] rows) sampled through the guard
/// and the read-only session like any other query.
pub async fn load_catalog(connector: &Connector, schema: &Schema, dialect: Dialect) -> Result<Catalog, ConnectorError> {
    let mut catalog = Catalog::from_schema(schema);
    let mut policy = Policy::new(dialect);
    policy.max_rows = MaxRows::new(SAMPLE_VALUES).expect("within the ceiling");
    let budget = Budget { max_rows: SAMPLE_VALUES, max_bytes: 256 * 1024, max_cell_bytes: 256 };
    let renderer = sql::Quoter::new(&catalog, dialect);
    let mut samples = Vec::new();
    for (t, table) in catalog.tables.iter().enumerate() {
        for (c, column) in table.columns.iter().enumerate() {
            if !matches!(column.kind, Kind::Text | Kind::Other | Kind::Date) {
                continue;
            }
            let col = renderer.ident(&column.name);
            let text = format!(
                "SELECT DISTINCT {col} FROM (SELECT {col} FROM {} WHERE {col} IS NOT NULL LIMIT {SAMPLE_SCAN_ROWS}) AS sampled",
                renderer.table(t)
            );
            let Verdict::Allowed(allowed) = check(&text, &policy) else { continue };
            let result = connector.query(&allowed.sql, budget).await?;
            let values: Vec<String> = result
                .rows
                .iter()
                .filter_map(|row| match row.first() {
                    Some(serde_json::Value::String(s)) if !s.ends_with(sqlgate_connectors::CUT_MARKER) => {
                        Some(s.clone())
                    }
                    _ => None,
                })
                .collect();
            samples.push((t, c, values));
        }
    }
    for (t, c, values) in samples {
        catalog.set_values(t, c, values);
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests;
