//! The ask pipeline: a question about one connector becomes SQL (from the offline engine, an
//! example in AI memory, or the cache), passes the guard, runs in the read-only session, and
//! comes back as at most `max_rows` rows with a confidence level, its reasons and a sentence
//! grounded in the rows.
//!
//! The schema is read once per connector and kept for `ask.schema_ttl_secs`; its version (a hash
//! of the exposed schema and the connector's AI memory) keys the question → SQL cache, so a
//! changed schema or memory never serves SQL written for the old one. Rows are never cached.

mod summary;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlgate_connectors::{Budget, Connector, ConnectorError, CutReason, Exposure, QueryResult, Schema};
use sqlgate_guardrails::{check, Policy, Verdict};
use thiserror::Error;
use time::Date;

pub use crate::llm::local::Confidence;
use crate::llm::local::{load_catalog, Catalog, Engine};
use crate::store::MemoryEntry;
use summary::Evidence;

/// What can stop a question from getting any answer (an honest "I don't know" is an answer).
#[derive(Debug, Error)]
pub enum AskError {
    /// The connector failed: unreachable, refused, timed out, or its schema could not be read.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// Where the SQL came from, and what it cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Source {
    /// `local` (the offline engine), `memory` (an example an admin wrote), or an LLM provider.
    pub provider: String,
    /// The LLM model, when one wrote the SQL.
    pub model: Option<String>,
    /// Tokens the LLM read.
    pub input_tokens: u64,
    /// Tokens the LLM wrote.
    pub output_tokens: u64,
    /// What the LLM calls cost, in cents (rounded up).
    pub cost_cents: u64,
    /// The SQL came from the question cache (this connector, this schema version).
    pub cached: bool,
    /// A repair round was needed.
    pub repaired: bool,
}

/// A question's answer, before the HTTP edge shapes it.
#[derive(Debug)]
pub struct Answered {
    /// The SQL as sent to the database (`None` when there was nothing to run).
    pub sql: Option<String>,
    /// The relations it read.
    pub tables: Vec<String>,
    /// The rows, when the SQL ran.
    pub result: Option<QueryResult>,
    /// How sure the answer is.
    pub confidence: Confidence,
    /// Why.
    pub reasons: Vec<String>,
    /// The sentence shown with the rows.
    pub answer: String,
    /// Where the SQL came from.
    pub source: Source,
    /// For the audit trail: `ok`, `uncertain`, or `rejected` (the guard refused the SQL).
    pub outcome: &'static str,
    /// The guard's or the database's code when there is no answer.
    pub code: Option<String>,
}

/// One question, and everything needed to answer it.
pub struct Question<'a> {
    /// The question as asked.
    pub text: &'a str,
    /// The connector's id (the key of its caches).
    pub connector_id: &'a str,
    /// The open connector.
    pub connector: &'a Connector,
    /// The guard's policy for this connector.
    pub policy: &'a Policy,
    /// What an answer may hold.
    pub budget: Budget,
    /// The AI memory that applies to this connector.
    pub memory: &'a [MemoryEntry],
    /// Today (UTC), for "last month" and the like.
    pub today: Date,
}

/// A connector's schema, read and prepared for questions.
struct Prepared {
    engine: Engine,
    /// Hash of the exposed schema and the connector's memory.
    version: String,
    /// Example questions (normalised) and their SQL, from AI memory.
    examples: Vec<(String, String)>,
    loaded: Instant,
}

/// SQL written for a question, remembered per connector and schema version.
#[derive(Clone)]
struct CachedSql {
    sql: String,
    confidence: Confidence,
    reasons: Vec<String>,
    provider: String,
    model: Option<String>,
}

/// (connector id, schema version, normalised question).
type CacheKey = (String, String, String);

/// Questions remembered (over all connectors) before the older half is dropped.
const CACHE_ENTRIES: usize = 2_000;

/// The pipeline's shared state: prepared schemas and the question cache.
pub struct Asker {
    ttl: Duration,
    prepared: Mutex<HashMap<String, Arc<Prepared>>>,
    /// The question cache, each entry with its insertion counter.
    cache: Mutex<HashMap<CacheKey, (u64, CachedSql)>>,
    /// One schema load at a time, so a burst of first questions reads the schema once.
    loading: tokio::sync::Mutex<()>,
    counter: std::sync::atomic::AtomicU64,
}

impl Asker {
    /// A pipeline that keeps a connector's schema for `ttl`.
    pub fn new(ttl: Duration) -> Self {
        Asker {
            ttl,
            prepared: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            counter: Default::default(),
        }
    }

    /// Forgets what is known about a connector (after it was changed or deleted), or about all
    /// of them (`None`: after AI memory changed).
    pub fn forget(&self, connector_id: Option<&str>) {
        if let Ok(mut prepared) = self.prepared.lock() {
            match connector_id {
                Some(id) => {
                    prepared.remove(id);
                }
                None => prepared.clear(),
            }
        }
    }

    /// Answers one question.
    pub async fn ask(&self, q: &Question<'_>) -> Result<Answered, AskError> {
        let prepared = self.prepare(q).await?;
        let normalised = normalise(q.text);
        let key = (q.connector_id.to_owned(), prepared.version.clone(), normalised.clone());
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).map(|(_, v)| v.clone()));
        let (written, cached) = match cached {
            Some(hit) => (hit, true),
            None => {
                let written = match prepared.examples.iter().find(|(question, _)| *question == normalised) {
                    Some((_, sql)) => CachedSql {
                        sql: sql.clone(),
                        confidence: Confidence::High,
                        reasons: vec!["the question matches an example an admin wrote in AI memory".to_owned()],
                        provider: "memory".to_owned(),
                        model: None,
                    },
                    None => {
                        let translation = prepared.engine.translate(q.text, q.today);
                        let Some(sql) = translation.sql else {
                            return Ok(uncertain(translation.reasons, "local"));
                        };
                        CachedSql {
                            sql,
                            confidence: translation.confidence,
                            reasons: translation.reasons,
                            provider: "local".to_owned(),
                            model: None,
                        }
                    }
                };
                self.remember(key, written.clone());
                (written, false)
            }
        };
        let source =
            Source { provider: written.provider.clone(), model: written.model.clone(), cached, ..Source::default() };
        let allowed = match check(&written.sql, q.policy) {
            Verdict::Allowed(allowed) => allowed,
            Verdict::Rejected(r) => {
                // Only an example an admin wrote can get here: the engine's SQL was checked.
                let mut answered = uncertain(
                    vec![format!(
                        "the SQL for this question was refused by the guard ({}): {}",
                        r.code.as_str(),
                        r.message
                    )],
                    &source.provider,
                );
                answered.sql = Some(written.sql);
                answered.outcome = "rejected";
                answered.code = Some(r.code.as_str().to_owned());
                return Ok(answered);
            }
        };
        let result = q.connector.query(&allowed.sql, q.budget).await?;
        let (confidence, reasons) = assess(written.confidence, written.reasons, &result);
        let evidence =
            Evidence { question: q.text, columns: &result.columns, rows: &result.rows, truncated: result.truncated };
        // The offline engine writes no sentences: the answer is the template, checked like any.
        let (answer, _) = summary::grounded(None, &evidence);
        Ok(Answered {
            sql: Some(allowed.sql),
            tables: allowed.tables,
            result: Some(result),
            confidence,
            reasons,
            answer,
            source,
            outcome: "ok",
            code: None,
        })
    }

    /// The connector's prepared schema: cached until the TTL passes.
    async fn prepare(&self, q: &Question<'_>) -> Result<Arc<Prepared>, AskError> {
        let fresh = |p: &Arc<Prepared>| p.loaded.elapsed() < self.ttl;
        if let Some(p) = self.cached_prepared(q.connector_id).filter(fresh) {
            return Ok(p);
        }
        let _loading = self.loading.lock().await;
        if let Some(p) = self.cached_prepared(q.connector_id).filter(fresh) {
            return Ok(p);
        }
        let mut schema = q.connector.schema(&Exposure::All).await?;
        // Row estimates change by themselves; they are not part of what SQL is written against.
        for table in &mut schema.tables {
            table.approximate_rows = None;
        }
        let mut catalog: Catalog = load_catalog(q.connector, &schema, q.policy.dialect).await?;
        catalog.synonyms = q
            .memory
            .iter()
            .filter(|m| m.kind == "synonym")
            .map(|m| crate::llm::local::Synonym { phrase: m.key.clone(), target: m.value.clone() })
            .collect();
        let examples =
            q.memory.iter().filter(|m| m.kind == "example").map(|m| (normalise(&m.key), m.value.clone())).collect();
        let prepared = Arc::new(Prepared {
            engine: Engine::new(catalog, q.policy.clone()),
            version: version(&schema, q.memory, q.policy),
            examples,
            loaded: Instant::now(),
        });
        if let Ok(mut map) = self.prepared.lock() {
            map.insert(q.connector_id.to_owned(), Arc::clone(&prepared));
        }
        Ok(prepared)
    }

    fn cached_prepared(&self, connector_id: &str) -> Option<Arc<Prepared>> {
        self.prepared.lock().ok().and_then(|m| m.get(connector_id).cloned())
    }

    fn remember(&self, key: CacheKey, sql: CachedSql) {
        let n = self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let Ok(mut cache) = self.cache.lock() else { return };
        if cache.len() >= CACHE_ENTRIES {
            // Drop the older half: cheap, and a question asked again is written again.
            let mut ages: Vec<u64> = cache.values().map(|(at, _)| *at).collect();
            ages.sort_unstable();
            let cutoff = ages[ages.len() / 2];
            cache.retain(|_, (at, _)| *at > cutoff);
        }
        cache.insert(key, (n, sql));
    }
}

/// An answer without SQL: the reasons say why.
fn uncertain(reasons: Vec<String>, provider: &str) -> Answered {
    let why = reasons.first().cloned().unwrap_or_else(|| "the question could not be matched to the data".to_owned());
    Answered {
        sql: None,
        tables: Vec::new(),
        result: None,
        confidence: Confidence::Uncertain,
        answer: format!("I could not answer this: {why}."),
        reasons,
        source: Source { provider: provider.to_owned(), ..Source::default() },
        outcome: "uncertain",
        code: None,
    }
}

/// The confidence an answer earns: the writer's own, lowered by what the result shows.
fn assess(writer: Confidence, mut reasons: Vec<String>, result: &QueryResult) -> (Confidence, Vec<String>) {
    let mut level = writer;
    let cap = |level: &mut Confidence, max: Confidence, reason: String, reasons: &mut Vec<String>| {
        *level = (*level).min(max);
        reasons.push(reason);
    };
    if result.row_count == 0 {
        cap(
            &mut level,
            Confidence::Medium,
            "no rows matched: a value in the question may be written differently in the data".to_owned(),
            &mut reasons,
        );
    }
    let all_null = |row: &Vec<serde_json::Value>| row.iter().all(serde_json::Value::is_null);
    if result.row_count == 1 && result.rows.first().is_some_and(|r| !r.is_empty() && all_null(r)) {
        cap(
            &mut level,
            Confidence::Low,
            "the one row holds only empty values: nothing may have matched the question".to_owned(),
            &mut reasons,
        );
    }
    if let Some(t) = result.truncated {
        let why = match t.reason {
            CutReason::Rows => format!("the result has more rows than the {} an answer shows", t.rows_returned),
            CutReason::Bytes => "the result is larger than an answer may hold, so some rows are not shown".to_owned(),
            CutReason::Cells => format!("{} long values were shortened", t.cells_truncated),
        };
        cap(&mut level, Confidence::Medium, why, &mut reasons);
    }
    (level, reasons)
}

/// A question as the cache compares it: lower case, words only.
fn normalise(question: &str) -> String {
    question
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '.' && c != '-')
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The version of what SQL is written against: the exposed schema, the connector's memory and
/// the policy.
fn version(schema: &Schema, memory: &[MemoryEntry], policy: &Policy) -> String {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(schema).unwrap_or_default());
    for m in memory {
        for part in [&m.id, &m.kind, &m.key, &m.value] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
    }
    hash.update(format!("{policy:?}").as_bytes());
    hash.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_are_normalised_for_the_cache() {
        assert_eq!(normalise("  How many  Orders, in 2023? "), "how many orders in 2023");
        assert_eq!(normalise("What's the avg. price"), "what's the avg. price");
        assert_ne!(normalise("orders in 2023"), normalise("orders in 2024"));
    }

    #[test]
    fn the_result_lowers_the_writers_confidence() {
        let empty = QueryResult { columns: vec![], rows: vec![], row_count: 0, truncated: None };
        let (level, reasons) = assess(Confidence::High, vec!["matched".into()], &empty);
        assert_eq!(level, Confidence::Medium);
        assert!(reasons[1].starts_with("no rows matched"), "{reasons:?}");
        let cut = QueryResult {
            columns: vec![],
            rows: vec![vec![]; 20],
            row_count: 20,
            truncated: Some(sqlgate_connectors::Truncation {
                reason: CutReason::Rows,
                rows_returned: 20,
                more_rows: true,
                cells_truncated: 0,
            }),
        };
        assert_eq!(assess(Confidence::High, vec![], &cut).0, Confidence::Medium);
        assert_eq!(assess(Confidence::Low, vec![], &cut).0, Confidence::Low, "a signal never raises it");
        let nothing =
            QueryResult { columns: vec![], rows: vec![vec![serde_json::Value::Null]], row_count: 1, truncated: None };
        assert_eq!(assess(Confidence::High, vec![], &nothing).0, Confidence::Low);
        let whole = QueryResult { columns: vec![], rows: vec![vec![]], row_count: 1, truncated: None };
        assert_eq!(assess(Confidence::High, vec![], &whole), (Confidence::High, vec![]));
    }
}
