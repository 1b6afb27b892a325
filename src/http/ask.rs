//! `POST /api/v1/ask`: a question in plain language about one granted connector, answered by the
//! ask pipeline, audited (question, SQL, provider, tokens, cost, confidence, outcome) before the
//! answer leaves. Members get the rows and the answer, never the SQL.

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlgate_connectors::{Column, Truncation};

use super::connectors::{failed, limits, open, usable, warnings};
use super::reply::Json;
use super::{ApiError, Ctx};
use crate::ask::chart::AnswerChart;
use crate::ask::spend::SpendError;
use crate::ask::{AskError, Confidence, Question, Source};
use crate::auth::Role;
use crate::llm::LlmError;
use crate::store::ConnectorLlm;

/// Longest question accepted, in characters.
pub const MAX_QUESTION_CHARS: usize = 2_000;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct AskBody {
    /// The connector's name or id.
    connector: String,
    /// The question, in plain language.
    question: String,
    /// `true` asks for a chart of the rows when the result has one label column (text, a day, a
    /// month) and one number column, at least two rows and no repeated label (see `chart` in
    /// the answer). Off by default: clients that show no charts get no SVG.
    #[serde(default)]
    chart: bool,
}

/// What `POST /api/v1/ask` answers.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AskAnswer {
    /// A new id for this answer.
    id: String,
    /// The SQL as sent (`null` when nothing was run). Omitted for Members.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    sql: Option<Option<String>>,
    /// The result's columns.
    columns: Vec<Column>,
    /// The rows, each an array of cells in the order of `columns`.
    #[schema(value_type = Vec<Vec<Value>>)]
    rows: Vec<Vec<serde_json::Value>>,
    /// How many rows are in `rows`.
    row_count: u64,
    /// What was cut; `null` when the rows are the whole result.
    truncated: Option<Truncation>,
    /// How sure the answer is.
    confidence: Confidence,
    /// Why the confidence is what it is.
    reasons: Vec<String>,
    /// A sentence about the rows; every number and name in it comes from them.
    answer: String,
    /// Production, privilege and truncation warnings.
    warnings: Vec<String>,
    /// Where the SQL came from and what it cost.
    source: Source,
    /// The rows drawn as a chart (SVG), present only when asked for with `"chart": true` and the
    /// result can be drawn.
    #[serde(skip_serializing_if = "Option::is_none")]
    chart: Option<AnswerChart>,
}

pub(super) async fn ask(ctx: Ctx) -> Result<Json<AskAnswer>, ApiError> {
    let body: AskBody = ctx.json()?;
    let question = body.question.trim();
    if question.is_empty() {
        return Err(ApiError::bad_request("`question` is empty: ask something about the connector's data"));
    }
    if question.chars().count() > MAX_QUESTION_CHARS {
        return Err(ApiError::bad_request(format!(
            "`question` is longer than {MAX_QUESTION_CHARS} characters: ask one thing at a time"
        )));
    }
    let who = ctx.who()?;
    let shows_sql = who.role >= Role::Analyst;
    let record = usable(&ctx, &body.connector).await?;
    let (policy, budget) = limits(&ctx.state, &record)?;
    let mut entry = ctx.entry("ask", "ok");
    entry.connector = Some(record.name.clone());
    entry.question = Some(question.to_owned());
    let open = match open(&ctx.state, &record).await {
        Ok(open) => open,
        Err(e) => return Err(failed(&ctx, entry, "error", e).await),
    };
    let q = Question {
        text: question,
        connector_id: &record.id,
        connector: &open.connector,
        policy: &policy,
        budget,
        today: time::OffsetDateTime::now_utc().date(),
        use_llm: record.llm == ConnectorLlm::Default,
        rows_to_llm: record.rows_to_llm,
        user_id: &who.user_id,
        store: ctx.state.store.as_ref(),
    };
    let mut source = Source::default();
    let answered = match ctx.state.asker.ask(&q, &mut source).await {
        Ok(answered) => answered,
        Err(e) => {
            entry.detail = usage(&source);
            let (outcome, error) = match e {
                AskError::Connector(e) => ("error", e.into()),
                AskError::Llm(e) => ("error", llm_error(&e)),
                AskError::Spend(SpendError::Limit { retry_after, .. }) => {
                    ("denied", ApiError::too_many("spend_limit_reached", e.to_string(), retry_after))
                }
                AskError::Spend(SpendError::Store(e)) | AskError::Store(e) => ("error", e.into()),
            };
            return Err(failed(&ctx, entry, outcome, error).await);
        }
    };
    let id = uuid::Uuid::new_v4().to_string();
    let warnings = warnings(&record, &open, answered.result.as_ref());
    if let (Some(code), "rejected") = (answered.code.as_deref(), answered.outcome) {
        ctx.state.metrics.rejection(code);
    }
    entry.outcome = answered.outcome;
    entry.code = answered.code.clone();
    entry.sql = answered.sql.clone();
    entry.tables = answered.tables.clone();
    entry.row_count = answered.result.as_ref().map(|r| r.row_count);
    entry.truncated = answered.result.as_ref().map(|r| r.truncated.is_some());
    entry.duration_ms = Some(ctx.started.elapsed().as_millis() as u64);
    entry.detail = usage(&source);
    if let Some(detail) = entry.detail.as_object_mut() {
        detail.insert("answer_id".into(), json!(id));
        detail.insert("confidence".into(), json!(answered.confidence));
        detail.insert("reasons".into(), json!(answered.reasons));
    }
    ctx.record(entry).await?;
    let (columns, rows, row_count, truncated) = match answered.result {
        Some(r) => (r.columns, r.rows, r.row_count, r.truncated),
        None => (Vec::new(), Vec::new(), 0, None),
    };
    let chart = if body.chart { chart_of(&columns, &rows) } else { None };
    Ok(Json::new(AskAnswer {
        id,
        sql: shows_sql.then_some(answered.sql),
        columns,
        rows,
        row_count,
        truncated,
        confidence: answered.confidence,
        reasons: answered.reasons,
        answer: answered.answer,
        warnings,
        source,
        chart,
    }))
}

/// The rows' chart, when they can be drawn; a chart that fails to draw is left out (the rows
/// are the answer), and logged.
fn chart_of(columns: &[Column], rows: &[Vec<serde_json::Value>]) -> Option<AnswerChart> {
    match crate::ask::chart::draw(columns, rows)? {
        Ok(chart) => Some(chart),
        Err(e) => {
            tracing::warn!(error = %e, "an answer's chart could not be drawn");
            None
        }
    }
}

/// Where the SQL came from and what it cost, for the audit record.
fn usage(source: &Source) -> serde_json::Value {
    json!({
        "provider": source.provider,
        "model": source.model,
        "input_tokens": source.input_tokens,
        "output_tokens": source.output_tokens,
        "cost_cents": source.cost_cents,
        "cached": source.cached,
        "repaired": source.repaired,
        "summary": source.summary,
        "rows_sent": source.rows_sent,
    })
}

/// The LLM's failure at the HTTP edge: its status, code and message (never the key).
fn llm_error(e: &LlmError) -> ApiError {
    let status = actix_web::http::StatusCode::from_u16(e.status()).unwrap_or(actix_web::http::StatusCode::BAD_GATEWAY);
    let mut error = ApiError::new(status, e.code(), e.to_string());
    if let Some(seconds) = e.retry_after() {
        error = error.with_retry_after(seconds);
    }
    error
}
