//! The ask pipeline: a question about one connector becomes SQL (from the question cache, an
//! example in AI memory, the configured LLM, or the offline engine), passes the guard, runs in the
//! read-only session, and comes back as at most `max_rows` rows with a confidence level, its
//! reasons and a sentence grounded in the rows.
//!
//! The schema is read once per connector and kept for `ask.schema_ttl_secs`; its version (a hash
//! of the exposed schema, the connector's AI memory and its limits) keys the question → SQL cache,
//! so a changed schema or memory never serves SQL written for the old one. The key also says who
//! wrote the SQL (the LLM or the offline engine), so a connector switched to the offline engine
//! never gets SQL its LLM wrote before, on any replica. Rows are never cached.
//!
//! Per connector, [`Question::use_llm`] keeps the LLM out entirely (nothing is sent to the
//! provider), and [`Question::rows_to_llm`] is the only way rows reach it: for the summary, which
//! must then pass the grounding check or is replaced by the template.
//!
//! SQL from an LLM that the guard refuses, that the database fails, or that is missing from the
//! reply gets exactly one repair round with the reason; a second failure is an honest "could not
//! answer" (confidence uncertain), never a loop. Every LLM call is priced and reserved against the
//! user's monthly cap before it is made ([`spend`]).

pub mod chart;
pub mod spend;
mod summary;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use sqlgate_connectors::{Budget, Connector, ConnectorError, CutReason, Exposure, QueryResult, Schema};
use sqlgate_guardrails::{check, Dialect, Policy, Verdict};
use thiserror::Error;
use time::Date;

pub use crate::llm::local::Confidence;
use crate::llm::local::{load_catalog, Catalog, Engine};
use crate::llm::prompt::{self, ModelConfidence};
use crate::llm::{LlmClient, LlmError, Prompt};
use crate::store::{MemoryEntry, Store, StoreError};
use spend::{Ledger, SpendError};
use summary::Evidence;

/// What can stop a question from getting any answer (an honest "I don't know" is an answer).
#[derive(Debug, Error)]
pub enum AskError {
    /// The connector failed: unreachable, refused, timed out, or its schema could not be read.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The LLM provider failed.
    #[error(transparent)]
    Llm(#[from] LlmError),
    /// The user's spend cap, or the store that keeps spending.
    #[error(transparent)]
    Spend(#[from] SpendError),
    /// The store (AI memory) could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the SQL came from, and what it cost.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Source {
    /// `local` (the offline engine), `memory` (an example an admin wrote), or the LLM provider
    /// (`anthropic`, `openai`).
    pub provider: String,
    /// The LLM model, when one wrote the SQL.
    pub model: Option<String>,
    /// Tokens the LLM read (all calls for this question).
    pub input_tokens: u64,
    /// Tokens the LLM wrote.
    pub output_tokens: u64,
    /// What the LLM calls cost, in cents (each call rounded up).
    pub cost_cents: u64,
    /// The SQL came from the question cache (this connector, this schema version).
    pub cached: bool,
    /// A repair round was needed.
    pub repaired: bool,
    /// Who wrote the answer's sentence.
    pub summary: SummaryWriter,
    /// The rows were sent to the LLM provider to write the summary (the connector allows it).
    pub rows_sent: bool,
}

/// Who wrote the answer's sentence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SummaryWriter {
    /// sqlgate, from the rows, on this machine.
    #[default]
    Template,
    /// The LLM, from the rows it was sent; every number and name in it was checked against them.
    Model,
}

/// A question's answer, before the HTTP edge shapes it.
#[derive(Debug)]
pub struct Answered {
    /// The SQL as sent to the database (the last candidate when it failed; `None` when there was
    /// nothing to run).
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
    /// For the audit trail: `ok`, `uncertain` (nothing to run), `rejected` (the guard refused
    /// the SQL) or `error` (the database failed it).
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
    /// Today (UTC), for "last month" and the like.
    pub today: Date,
    /// Whether the configured LLM may be used for this connector (else the offline engine).
    pub use_llm: bool,
    /// Whether rows may be sent to the LLM to write the summary.
    pub rows_to_llm: bool,
    /// Who asks: spending is theirs, against their monthly cap.
    pub user_id: &'a str,
    /// The store: AI memory, caps and spending.
    pub store: &'a dyn Store,
}

/// A connector's schema, read and prepared for questions.
struct Prepared {
    engine: Engine,
    /// Hash of the exposed schema, the connector's memory and the policy.
    version: String,
    /// Example questions (normalised) from AI memory, their SQL, and the guard's verdict on it.
    examples: Vec<(String, String, Verdict)>,
    /// The schema and the memory as the prompts show them.
    schema_text: String,
    memory_text: String,
    loaded: Instant,
}

/// SQL written for a question, remembered per connector and schema version.
#[derive(Clone)]
struct Written {
    sql: String,
    /// The relations it reads. Only SQL the guard approved under this schema version's policy
    /// (which the cache key includes) is written down, so it is not checked again.
    tables: Vec<String>,
    confidence: Confidence,
    reasons: Vec<String>,
    provider: String,
    model: Option<String>,
}

/// (connector id, schema version, writer, normalised question); the writer is `llm` or `local`.
type CacheKey = (String, String, &'static str, String);

/// Questions remembered (over all connectors) before the older half is dropped.
const CACHE_ENTRIES: usize = 2_000;

/// The pipeline's shared state: the LLM, prepared schemas, the question cache, the spend ledger.
pub struct Asker {
    ttl: Duration,
    llm: Option<LlmClient>,
    ledger: Ledger,
    prepared: Mutex<HashMap<String, Arc<Prepared>>>,
    /// The question cache, each entry with its insertion counter.
    cache: Mutex<HashMap<CacheKey, (u64, Written)>>,
    /// One schema load at a time, so a burst of first questions reads the schema once.
    loading: tokio::sync::Mutex<()>,
    counter: std::sync::atomic::AtomicU64,
}

/// A candidate that failed, for the repair round: the SQL (or reply) and why.
struct Failure {
    sql: String,
    reason: String,
    outcome: &'static str,
    code: Option<String>,
}

impl Asker {
    /// A pipeline that keeps a connector's schema for `ttl` and asks `llm` (`None`: the offline
    /// engine only).
    pub fn new(ttl: Duration, llm: Option<LlmClient>) -> Self {
        Asker {
            ttl,
            llm,
            ledger: Ledger::default(),
            prepared: Mutex::new(HashMap::new()),
            cache: Mutex::new(HashMap::new()),
            loading: tokio::sync::Mutex::new(()),
            counter: Default::default(),
        }
    }

    /// Forgets what is known about a connector — its prepared schema and the SQL written for its
    /// questions — after it was changed or deleted; or the prepared schemas of all of them
    /// (`None`: after AI memory changed, which is part of each schema version).
    pub fn forget(&self, connector_id: Option<&str>) {
        if let Ok(mut prepared) = self.prepared.lock() {
            match connector_id {
                Some(id) => {
                    prepared.remove(id);
                }
                None => prepared.clear(),
            }
        }
        if let (Some(id), Ok(mut cache)) = (connector_id, self.cache.lock()) {
            cache.retain(|key, _| key.0 != id);
        }
    }

    /// The LLM that writes SQL for `q`: the deployment's, unless there is none or the connector
    /// keeps its questions to the offline engine.
    fn llm_for(&self, q: &Question<'_>) -> Option<&LlmClient> {
        self.llm.as_ref().filter(|_| q.use_llm)
    }

    /// Answers one question. `source` says where the SQL came from and what the LLM calls cost,
    /// also when the answer fails.
    pub async fn ask(&self, q: &Question<'_>, source: &mut Source) -> Result<Answered, AskError> {
        let prepared = self.prepare(q).await?;
        let normalised = normalise(q.text);
        let llm = self.llm_for(q);
        let writer = if llm.is_some() { "llm" } else { "local" };
        let key = (q.connector_id.to_owned(), prepared.version.clone(), writer, normalised.clone());
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).map(|(_, v)| v.clone()));
        let written = if let Some(hit) = cached {
            source.cached = true;
            hit
        } else if let Some((_, sql, verdict)) = prepared.examples.iter().find(|(question, ..)| *question == normalised)
        {
            source.provider = "memory".to_owned();
            let allowed = match verdict {
                Verdict::Allowed(allowed) => allowed,
                Verdict::Rejected(r) => {
                    let mut answered = uncertain(vec![format!(
                        "the SQL an admin wrote for this question is refused by the guard ({}): {}",
                        r.code.as_str(),
                        r.message
                    )]);
                    answered.sql = Some(sql.clone());
                    answered.outcome = "rejected";
                    answered.code = Some(r.code.as_str().to_owned());
                    return Ok(answered);
                }
            };
            Written {
                sql: allowed.sql.clone(),
                tables: allowed.tables.clone(),
                confidence: Confidence::High,
                reasons: vec!["the question matches an example an admin wrote in AI memory".to_owned()],
                provider: "memory".to_owned(),
                model: None,
            }
        } else if let Some(llm) = llm {
            return self.ask_llm(q, &prepared, llm, key, source).await;
        } else {
            let translation = prepared.engine.translate(q.text, q.today);
            source.provider = "local".to_owned();
            let Some(sql) = translation.sql else {
                return Ok(uncertain(translation.reasons));
            };
            let written = Written {
                sql,
                tables: translation.tables,
                confidence: translation.confidence,
                reasons: translation.reasons,
                provider: "local".to_owned(),
                model: None,
            };
            self.remember(key, written.clone());
            written
        };
        source.provider = written.provider.clone();
        source.model = written.model.clone();
        let result = q.connector.query(&written.sql, q.budget).await?;
        self.answer(q, written, result, source).await
    }

    /// The answer for SQL that ran: the level lowered by what the result shows, and its sentence.
    async fn answer(
        &self,
        q: &Question<'_>,
        written: Written,
        result: QueryResult,
        source: &mut Source,
    ) -> Result<Answered, AskError> {
        let (confidence, reasons) = assess(written.confidence, written.reasons, &result);
        let answer = self.summarise(q, &result, source).await?;
        Ok(Answered {
            sql: Some(written.sql),
            tables: written.tables,
            result: Some(result),
            confidence,
            reasons,
            answer,
            outcome: "ok",
            code: None,
        })
    }

    /// The LLM writes the SQL: one generation, and at most one repair round.
    async fn ask_llm(
        &self,
        q: &Question<'_>,
        prepared: &Prepared,
        llm: &LlmClient,
        key: CacheKey,
        source: &mut Source,
    ) -> Result<Answered, AskError> {
        source.provider = llm.provider().to_owned();
        source.model = Some(llm.model().to_owned());
        let dialect = dialect_name(q.policy.dialect);
        let mut failure: Option<Failure> = None;
        for round in 0..2 {
            let prompt = match &failure {
                None => prompt::generation(dialect, &prepared.schema_text, &prepared.memory_text, q.text),
                Some(f) => {
                    source.repaired = true;
                    prompt::repair(dialect, &prepared.schema_text, &prepared.memory_text, q.text, &f.sql, &f.reason)
                }
            };
            let completion = self.call(q, llm, &prompt, source).await?;
            let reply = prompt::parse_completion(&completion);
            if let Some(reason) = reply.cannot_answer {
                let mut answered = uncertain(vec![format!("the model says it cannot answer: {reason}")]);
                if let Some(f) = failure {
                    answered.reasons.push(format!("an earlier attempt failed: {}", f.reason));
                }
                return Ok(answered);
            }
            let Some(sql) = reply.sql else {
                let why = if completion.truncated {
                    "the reply was cut at the token limit before its SQL ended"
                } else {
                    "the reply held no SQL query"
                };
                failure = Some(Failure {
                    sql: completion.text.chars().take(2_000).collect(),
                    reason: format!("{why}; answer with exactly one SELECT in a ```sql block"),
                    outcome: "uncertain",
                    code: None,
                });
                continue;
            };
            let allowed = match check(&sql, q.policy) {
                Verdict::Allowed(allowed) => allowed,
                Verdict::Rejected(r) => {
                    failure = Some(Failure {
                        reason: format!("the guard refused it ({}): {}", r.code.as_str(), r.message),
                        sql,
                        outcome: "rejected",
                        code: Some(r.code.as_str().to_owned()),
                    });
                    continue;
                }
            };
            let result = match q.connector.query(&allowed.sql, q.budget).await {
                Ok(result) => result,
                Err(ConnectorError::Database(message)) => {
                    failure = Some(Failure {
                        sql: allowed.sql,
                        reason: format!("the database refused it: {message}"),
                        outcome: "error",
                        code: Some("database_error".to_owned()),
                    });
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let (mut level, mut reasons) = match reply.model_confidence {
                Some(ModelConfidence::High) => (Confidence::High, vec!["the model rates its SQL high".to_owned()]),
                Some(ModelConfidence::Medium) => {
                    (Confidence::Medium, vec!["the model rates its SQL medium".to_owned()])
                }
                Some(ModelConfidence::Low) => (Confidence::Low, vec!["the model rates its SQL low".to_owned()]),
                None => (Confidence::Medium, vec!["the model did not rate its SQL".to_owned()]),
            };
            if let Some(f) = &failure {
                level = level.min(Confidence::Low);
                reasons.push(format!("a repair round was needed: the first attempt failed ({})", f.reason));
            }
            let (cross_level, cross_reason) = self.cross_check(q, prepared, &allowed.sql, &result).await;
            level = level.min(cross_level);
            reasons.push(cross_reason);
            let written = Written {
                sql: allowed.sql,
                tables: allowed.tables,
                confidence: level,
                reasons,
                provider: source.provider.clone(),
                model: source.model.clone(),
            };
            // Repaired SQL is not remembered: the next asking gets a fresh first attempt.
            if round == 0 {
                self.remember(key, written.clone());
            }
            return self.answer(q, written, result, source).await;
        }
        let failure = failure.unwrap_or(Failure {
            sql: String::new(),
            reason: "no usable SQL".to_owned(),
            outcome: "uncertain",
            code: None,
        });
        let mut answered = uncertain(vec![
            format!("the model's SQL failed twice; the second time {}", failure.reason),
            "one repair round was tried; sqlgate does not guess further".to_owned(),
        ]);
        if failure.outcome != "uncertain" {
            answered.sql = Some(failure.sql);
        }
        answered.outcome = failure.outcome;
        answered.code = failure.code;
        Ok(answered)
    }

    /// The offline engine's reading of the same question, as a check on the model's: the same
    /// SQL, or the same rows, keep the model's level; other rows lower it to low; no reading of
    /// its own caps it at medium.
    async fn cross_check(
        &self,
        q: &Question<'_>,
        prepared: &Prepared,
        sql: &str,
        result: &QueryResult,
    ) -> (Confidence, String) {
        let local = prepared.engine.translate(q.text, q.today);
        let Some(local_sql) = local.sql.filter(|_| local.confidence == Confidence::High) else {
            return (Confidence::Medium, "the offline engine could not check the model's reading".to_owned());
        };
        if normalise_sql(&local_sql) == normalise_sql(sql) {
            return (Confidence::High, "the offline engine wrote the same SQL".to_owned());
        }
        match q.connector.query(&local_sql, q.budget).await {
            Ok(other) if same_rows(&other, result) => {
                (Confidence::High, "the offline engine's reading gives the same rows".to_owned())
            }
            Ok(_) => {
                (Confidence::Low, "the offline engine read the question differently and got other rows".to_owned())
            }
            Err(_) => (Confidence::Medium, "the offline engine could not check the model's reading".to_owned()),
        }
    }

    /// One LLM call: its worst case reserved against the user's cap first, its actual cost
    /// recorded after (a failed call is recorded as free: the provider's bill is not known).
    async fn call(
        &self,
        q: &Question<'_>,
        llm: &LlmClient,
        prompt: &Prompt,
        source: &mut Source,
    ) -> Result<crate::llm::Completion, AskError> {
        let worst = llm.worst_case_cents(prompt);
        let now = time::OffsetDateTime::now_utc();
        let reservation = self.ledger.reserve(q.store, q.user_id, worst, now).await?;
        let outcome = llm.complete(prompt).await;
        let (cents, tokens) = match &outcome {
            Ok(c) => {
                source.input_tokens += c.input_tokens;
                source.output_tokens += c.output_tokens;
                (llm.cost_cents(c.input_tokens, c.output_tokens), c.input_tokens + c.output_tokens)
            }
            Err(_) => (0, 0),
        };
        source.cost_cents += cents;
        self.ledger.settle(q.store, reservation, cents, tokens).await?;
        Ok(outcome?)
    }

    /// The answer's sentence: the template, or — where the connector lets rows go to the LLM —
    /// the model's summary if it passes the grounding check.
    async fn summarise(&self, q: &Question<'_>, result: &QueryResult, source: &mut Source) -> Result<String, AskError> {
        let evidence =
            Evidence { question: q.text, columns: &result.columns, rows: &result.rows, truncated: result.truncated };
        let llm = self.llm_for(q).filter(|_| q.rows_to_llm && !result.rows.is_empty());
        let Some(llm) = llm else {
            return Ok(summary::grounded(None, &evidence).0);
        };
        let columns =
            serde_json::to_string(&result.columns.iter().map(|c| &c.name).collect::<Vec<_>>()).unwrap_or_default();
        let rows = serde_json::to_string(&result.rows).unwrap_or_default();
        let prompt = prompt::summary(q.text, &columns, &rows, result.truncated.is_some());
        let outcome = self.call(q, llm, &prompt, source).await;
        // A call the spend cap refused was never made; any other went out with the rows.
        source.rows_sent = !matches!(outcome, Err(AskError::Spend(SpendError::Limit { .. })));
        let text = match outcome {
            Ok(completion) if !completion.truncated => {
                Some(completion.text.trim().to_owned()).filter(|text| !text.is_empty())
            }
            Ok(_) => None,
            Err(AskError::Spend(e)) => return Err(AskError::Spend(e)),
            // The rows are answered already: a failed summary falls back to the template.
            Err(e) => {
                tracing::warn!(error = %e, "the LLM summary failed; the template answer is used");
                None
            }
        };
        let (sentence, by_model) = summary::grounded(text, &evidence);
        if by_model {
            source.summary = SummaryWriter::Model;
        }
        Ok(sentence)
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
        let memory: Vec<MemoryEntry> = q
            .store
            .memory()
            .await?
            .into_iter()
            .filter(|m| m.connector_id.as_deref().is_none_or(|c| c == q.connector_id))
            .collect();
        let mut catalog: Catalog = load_catalog(q.connector, &schema, q.policy.dialect).await?;
        catalog.synonyms = memory
            .iter()
            .filter(|m| m.kind == "synonym")
            .map(|m| crate::llm::local::Synonym { phrase: m.key.clone(), target: m.value.clone() })
            .collect();
        let examples = memory
            .iter()
            .filter(|m| m.kind == "example")
            .map(|m| (normalise(&m.key), m.value.clone(), check(&m.value, q.policy)))
            .collect();
        let prepared = Arc::new(Prepared {
            engine: Engine::new(catalog, q.policy.clone()),
            version: version(&schema, &memory, q.policy),
            examples,
            schema_text: prompt::schema_text(&schema),
            memory_text: prompt::memory_text(&memory),
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

    fn remember(&self, key: CacheKey, sql: Written) {
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

/// How the prompts name a dialect.
fn dialect_name(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL / MariaDB",
        Dialect::Sqlite => "SQLite",
    }
}

/// SQL as compared for sameness: lower case, single spaces.
fn normalise_sql(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether two results hold the same rows, in any order (columns by position).
fn same_rows(a: &QueryResult, b: &QueryResult) -> bool {
    if a.rows.len() != b.rows.len()
        || a.columns.len() != b.columns.len()
        || a.truncated.is_some() != b.truncated.is_some()
    {
        return false;
    }
    let sorted = |r: &QueryResult| {
        let mut rows: Vec<String> = r.rows.iter().map(|row| serde_json::to_string(row).unwrap_or_default()).collect();
        rows.sort_unstable();
        rows
    };
    sorted(a) == sorted(b)
}

/// An answer without SQL: the reasons say why.
fn uncertain(reasons: Vec<String>) -> Answered {
    let why = reasons.first().cloned().unwrap_or_else(|| "the question could not be matched to the data".to_owned());
    Answered {
        sql: None,
        tables: Vec::new(),
        result: None,
        confidence: Confidence::Uncertain,
        answer: format!("I could not answer this: {why}."),
        reasons,
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
    if result.warnings > 0 {
        cap(
            &mut level,
            Confidence::Low,
            format!(
                "the database reported {} warning(s) running the SQL (such as a value it had to convert to compare it): the rows may not mean what they seem",
                result.warnings
            ),
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
        let empty = QueryResult { columns: vec![], rows: vec![], row_count: 0, truncated: None, warnings: 0 };
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
            warnings: 0,
        };
        assert_eq!(assess(Confidence::High, vec![], &cut).0, Confidence::Medium);
        assert_eq!(assess(Confidence::Low, vec![], &cut).0, Confidence::Low, "a signal never raises it");
        let nothing = QueryResult {
            columns: vec![],
            rows: vec![vec![serde_json::Value::Null]],
            row_count: 1,
            truncated: None,
            warnings: 0,
        };
        assert_eq!(assess(Confidence::High, vec![], &nothing).0, Confidence::Low);
        let whole = QueryResult { columns: vec![], rows: vec![vec![]], row_count: 1, truncated: None, warnings: 0 };
        assert_eq!(assess(Confidence::High, vec![], &whole), (Confidence::High, vec![]));
        let warned = QueryResult { warnings: 2, ..whole };
        let (level, reasons) = assess(Confidence::High, vec![], &warned);
        assert_eq!(level, Confidence::Low);
        assert!(reasons[0].contains("2 warning(s)"), "{reasons:?}");
    }
}
