//! `/api/v1/reports`: saved queries that re-run live. Power Users and Admins save SQL (checked by
//! the guard when saved, and again at every run); Analysts and up save an answer they themselves
//! got from `POST /api/v1/ask`, never SQL text. A report is seen by its owner and by those it is
//! shared with; anyone else gets a 404, as if it did not exist. A run goes through the same path as
//! `/api/v1/query` (guard, read-only session, budgets, audit record before the answer), under the
//! runner's own connector grants. Members never receive a report's SQL. Every change is recorded
//! with its values before and after.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlgate_connectors::{Column, Truncation};
use sqlgate_guardrails::{check, Verdict};

use super::admin::{applied_as, change, Deleted};
use super::connectors::{limits, may_use, run as run_sql, usable};
use super::reply::{Created, Json};
use super::{ApiError, Ctx};
use crate::auth::{now, Principal, Role};
use crate::store::{AuditFilter, ConnectorRecord, Report};

/// The audit kind of a change to a report (a run is recorded as `report`).
const CHANGE: &str = "report_change";

/// Longest report name accepted, in characters.
const MAX_NAME_CHARS: usize = 200;

/// Most users one report may be shared with.
const MAX_SHARES: usize = 500;

/// The shortest time between scheduled refreshes, in minutes.
const MIN_REFRESH_MINUTES: u32 = 15;

/// The longest time between scheduled refreshes, in minutes (a week).
const MAX_REFRESH_MINUTES: u32 = 7 * 24 * 60;

/// `POST /api/v1/reports`: either `{"name","connector","sql"}` (Power User and Admin) or
/// `{"name","answer_id"}` (Analyst and up: an answer the caller got from `POST /api/v1/ask`).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewReport {
    /// A label for the report.
    name: String,
    /// The connector's name or id (with `sql`).
    connector: Option<String>,
    /// The SQL to save (with `connector`; Power User and Admin only).
    sql: Option<String>,
    /// The `id` of an answer from `POST /api/v1/ask` that the caller got (instead of
    /// `connector` and `sql`).
    answer_id: Option<String>,
}

/// `PUT /api/v1/reports/{id}/share`: the whole list of users who may see the report.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Share {
    /// User names; an empty list shares with nobody.
    usernames: Vec<String>,
}

/// `PUT /api/v1/reports/{id}/schedule`: how often the report is refreshed.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Schedule {
    /// Minutes between refreshes, from 15 to 10080 (a week); `null` stops the schedule. The
    /// first refresh runs at the server's next look (`reports.refresh_check_secs`).
    every_minutes: Option<u32>,
}

/// A report's refresh schedule.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ScheduleView {
    /// Minutes between refreshes.
    every_minutes: u32,
    /// Unix seconds when the next refresh is due.
    next_refresh_at: Option<i64>,
}

/// The last scheduled refresh of a report.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct RefreshView {
    /// Unix seconds when it ran.
    at: i64,
    /// `ok`, `rejected`, `error` or `denied`.
    outcome: String,
    /// What went wrong, or why the rows are not shown to this reader.
    message: Option<String>,
    /// Its answer, as a run gives it but without SQL (`columns`, `rows`, `row_count`,
    /// `truncated`, `answer`, `warnings`); `null` when it failed, or when the reader may not use
    /// the report's connector.
    #[schema(value_type = Option<Object>)]
    result: Option<Value>,
}

/// A report as its reader sees it.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ReportView {
    id: String,
    name: String,
    /// The owner's user name.
    owner: String,
    /// The connector's name.
    connector: String,
    /// The question it answered, when saved from an answer.
    question: Option<String>,
    /// The saved SQL. Omitted for Members.
    #[serde(skip_serializing_if = "Option::is_none")]
    sql: Option<String>,
    /// Unix seconds.
    created_at: i64,
    /// Unix seconds.
    updated_at: i64,
    /// Who it is shared with (user names). Present for its owner only.
    #[serde(skip_serializing_if = "Option::is_none")]
    shared_with: Option<Vec<String>>,
    /// How often it is refreshed; `null` when it is not refreshed on a schedule.
    schedule: Option<ScheduleView>,
    /// Its last scheduled refresh; `null` before the first.
    last_refresh: Option<RefreshView>,
}

/// The reports the caller owns or that are shared with them.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ReportList {
    reports: Vec<ReportView>,
}

/// A report's fresh answer: the report, and the rows its SQL gives now.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ReportRun {
    /// A new id for this answer.
    id: String,
    /// The report that was run.
    report: ReportView,
    /// The SQL as sent. Omitted for Members.
    #[serde(skip_serializing_if = "Option::is_none")]
    sql: Option<String>,
    /// The result's columns.
    columns: Vec<Column>,
    /// The rows, each an array of cells in the order of `columns`.
    #[schema(value_type = Vec<Vec<Value>>)]
    rows: Vec<Vec<Value>>,
    /// How many rows are in `rows`.
    row_count: u64,
    /// What was cut; `null` when the rows are the whole result.
    truncated: Option<Truncation>,
    /// `high`: the saved SQL was run as written.
    confidence: &'static str,
    /// A factual sentence about the rows.
    answer: String,
    /// Production, privilege and truncation warnings.
    warnings: Vec<String>,
}

pub(super) async fn create(ctx: Ctx) -> Result<Created<ReportView>, ApiError> {
    let body: NewReport = ctx.json()?;
    let who = ctx.who()?.clone();
    let name = report_name(&body.name)?;
    let (record, question, sql) = match (body.connector, body.sql, body.answer_id) {
        (Some(connector), Some(sql), None) => {
            if who.role < Role::PowerUser {
                return Err(sql_refused(&ctx).await);
            }
            (usable(&ctx, &connector).await?, None, sql)
        }
        (None, None, Some(answer_id)) => saved_answer(&ctx, &who, &answer_id).await?,
        _ => {
            return Err(ApiError::bad_request(
                "send `name` with either `connector` and `sql` (Power User and Admin) or `answer_id` (an answer you got from POST /api/v1/ask)",
            ))
        }
    };
    let at = now();
    let report = Report {
        id: uuid::Uuid::new_v4().to_string(),
        name,
        owner_id: who.user_id.clone(),
        connector_id: record.id.clone(),
        question,
        sql,
        created_at: at,
        updated_at: at,
        shared_with: Vec::new(),
        refresh_minutes: None,
        next_refresh_at: None,
        last_refresh: None,
    };
    guard_at_save(&ctx, &record, &report).await?;
    let after = summary(&report, &record.name, &[]);
    change(&ctx, CHANGE, "report.create", &report.name, Value::Null, after).await?;
    applied_as(&ctx, CHANGE, "report.create", &report.name, ctx.state.store.create_report(&report).await).await?;
    Ok(Created::new(view(&ctx, &who, &report).await?))
}

pub(super) async fn list(ctx: Ctx) -> Result<Json<ReportList>, ApiError> {
    let who = ctx.who()?;
    let mut reports = Vec::new();
    for report in ctx.state.store.reports_visible_to(&who.user_id).await? {
        reports.push(view(&ctx, who, &report).await?);
    }
    Ok(Json::new(ReportList { reports }))
}

pub(super) async fn get(ctx: Ctx) -> Result<Json<ReportView>, ApiError> {
    let who = ctx.who()?;
    let report = visible(&ctx, who).await?;
    Ok(Json::new(view(&ctx, who, &report).await?))
}

pub(super) async fn run(ctx: Ctx) -> Result<Json<ReportRun>, ApiError> {
    let who = ctx.who()?.clone();
    let report = visible(&ctx, &who).await?;
    let mut entry = ctx.entry("report", "ok");
    entry.question = report.question.clone();
    entry.detail = json!({"report_id": report.id, "report": report.name});
    let record = ctx.state.store.connector(&report.connector_id).await?;
    let record = match record {
        Some(record) if may_use(&ctx, &who, &record).await? => record,
        other => {
            entry.connector = other.map(|r| r.name);
            let error = ApiError::forbidden_because(
                "connector_not_granted",
                "this report runs on a connector you may not use; ask an admin for a grant on it, or the report's owner to save it on one you may use",
            );
            return Err(super::connectors::failed(&ctx, entry, "denied", error).await);
        }
    };
    let answer = run_sql(&ctx, &record, &report.sql, entry).await?;
    let shows_sql = who.role >= Role::Analyst;
    Ok(Json::new(ReportRun {
        id: answer.id,
        report: view(&ctx, &who, &report).await?,
        sql: shows_sql.then_some(answer.sql),
        columns: answer.columns,
        rows: answer.rows,
        row_count: answer.row_count,
        truncated: answer.truncated,
        confidence: answer.confidence,
        answer: answer.answer,
        warnings: answer.warnings,
    }))
}

pub(super) async fn share(ctx: Ctx) -> Result<Json<ReportView>, ApiError> {
    let body: Share = ctx.json()?;
    let who = ctx.who()?.clone();
    let report = visible(&ctx, &who).await?;
    if report.owner_id != who.user_id {
        return Err(ApiError::forbidden_because("not_owner", "only the report's owner may share it"));
    }
    if body.usernames.len() > MAX_SHARES {
        return Err(ApiError::bad_request(format!("a report may be shared with at most {MAX_SHARES} users")));
    }
    let mut ids = Vec::new();
    let mut unknown = Vec::new();
    for username in &body.usernames {
        match ctx.state.store.user_by_name(username).await? {
            Some(user) if user.id != report.owner_id => ids.push(user.id),
            Some(_) => {}
            None => unknown.push(format!("`{}`", username.chars().take(64).collect::<String>())),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::bad_request(format!(
            "no user named {}; check the names (an admin can list users)",
            unknown.join(", ")
        )));
    }
    ids.sort_unstable();
    ids.dedup();
    let connector = connector_name(&ctx, &report).await?;
    let before = summary(&report, &connector, &usernames(&ctx, &report.shared_with).await?);
    let after = summary(&report, &connector, &usernames(&ctx, &ids).await?);
    change(&ctx, CHANGE, "report.share", &report.name, before, after).await?;
    let at = now();
    let stored = ctx.state.store.share_report(&report.id, &ids, at).await;
    applied_as(&ctx, CHANGE, "report.share", &report.name, stored).await?;
    let report = Report { shared_with: ids, updated_at: at, ..report };
    Ok(Json::new(view(&ctx, &who, &report).await?))
}

pub(super) async fn schedule(ctx: Ctx) -> Result<Json<ReportView>, ApiError> {
    let body: Schedule = ctx.json()?;
    let who = ctx.who()?.clone();
    let report = visible(&ctx, &who).await?;
    if report.owner_id != who.user_id {
        return Err(ApiError::forbidden_because("not_owner", "only the report's owner may schedule its refreshes"));
    }
    if let Some(minutes) = body.every_minutes {
        if !(MIN_REFRESH_MINUTES..=MAX_REFRESH_MINUTES).contains(&minutes) {
            return Err(ApiError::bad_request(format!(
                "`every_minutes` must be from {MIN_REFRESH_MINUTES} to {MAX_REFRESH_MINUTES} (a week), or null to stop \
                 refreshing"
            )));
        }
    }
    let at = now();
    let connector = connector_name(&ctx, &report).await?;
    let before =
        json!({"id": report.id, "name": report.name, "connector": connector, "every_minutes": report.refresh_minutes});
    let after =
        json!({"id": report.id, "name": report.name, "connector": connector, "every_minutes": body.every_minutes});
    change(&ctx, CHANGE, "report.schedule", &report.name, before, after).await?;
    // The first refresh is due at once: the server's next look runs it.
    let schedule = body.every_minutes.map(|minutes| (minutes, at));
    let stored = ctx.state.store.schedule_report(&report.id, schedule, at).await;
    applied_as(&ctx, CHANGE, "report.schedule", &report.name, stored).await?;
    let (refresh_minutes, next_refresh_at) = schedule.unzip();
    let report = Report { refresh_minutes, next_refresh_at, updated_at: at, ..report };
    Ok(Json::new(view(&ctx, &who, &report).await?))
}

pub(super) async fn delete(ctx: Ctx) -> Result<Json<Deleted>, ApiError> {
    let who = ctx.who()?.clone();
    let id = ctx.param("id");
    // Admins may delete any report; everyone else only what they can see, and only their own.
    let report = match ctx.state.store.report(&id).await? {
        Some(report) if who.role == Role::Admin => report,
        _ => visible(&ctx, &who).await?,
    };
    if report.owner_id != who.user_id && who.role != Role::Admin {
        return Err(ApiError::forbidden_because("not_owner", "only the report's owner or an admin may delete it"));
    }
    let connector = connector_name(&ctx, &report).await?;
    let before = summary(&report, &connector, &usernames(&ctx, &report.shared_with).await?);
    change(&ctx, CHANGE, "report.delete", &report.name, before, Value::Null).await?;
    applied_as(&ctx, CHANGE, "report.delete", &report.name, ctx.state.store.delete_report(&report.id).await).await?;
    Ok(Json::new(Deleted { status: "deleted", id: report.id }))
}

/// The report named by the path's `{id}`, if the caller owns it or it is shared with them;
/// otherwise a 404, whether or not it exists.
async fn visible(ctx: &Ctx, who: &Principal) -> Result<Report, ApiError> {
    let id = ctx.param("id");
    let report = ctx.state.store.report(&id).await?;
    match report {
        Some(r) if r.owner_id == who.user_id || r.shared_with.contains(&who.user_id) => Ok(r),
        _ => Err(ApiError::not_found(format!(
            "no report `{}` that you may see; GET /api/v1/reports lists yours",
            id.chars().take(64).collect::<String>()
        ))),
    }
}

/// A report name: trimmed, not empty, not too long.
fn report_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("`name` is empty: give the report a name"));
    }
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request(format!(
            "`name` must be at most {MAX_NAME_CHARS} characters without control characters"
        )));
    }
    Ok(name.to_owned())
}

/// An Analyst sent SQL text: recorded as denied, refused with a 403 that says what to send.
async fn sql_refused(ctx: &Ctx) -> ApiError {
    let mut entry = ctx.entry("denied", "denied");
    entry.detail = json!({"method": ctx.req.method().as_str(), "path": ctx.req.path(), "reason": "sql_text"});
    let error = ApiError::forbidden_because(
        "forbidden",
        "only Power Users and Admins save reports from SQL text; save an answer you got from POST /api/v1/ask with `answer_id`",
    );
    match ctx.record(entry).await {
        Ok(()) => error,
        Err(audit) => audit,
    }
}

/// The connector, question and SQL of an answer the caller got from `POST /api/v1/ask`, found in
/// the audit trail (the answer's `id` is recorded with it). Someone else's answer, one that ran no
/// SQL, or one on a connector the caller may no longer use is "not found".
async fn saved_answer(
    ctx: &Ctx,
    who: &Principal,
    answer_id: &str,
) -> Result<(ConnectorRecord, Option<String>, String), ApiError> {
    let not_found = || {
        ApiError::not_found(format!(
            "no answer `{}` of yours with SQL to save; ask again with POST /api/v1/ask and save its `id`",
            answer_id.chars().take(64).collect::<String>()
        ))
    };
    if uuid::Uuid::parse_str(answer_id).is_err() {
        return Err(not_found());
    }
    let filter = AuditFilter {
        q: Some(answer_id.to_owned()),
        user: Some(who.username.clone()),
        kind: Some("ask".into()),
        ..AuditFilter::default()
    };
    let (records, _) = ctx.state.store.audit(&filter, 0, 10).await?;
    let record = records.into_iter().find(|r| {
        r.detail.get("answer_id").and_then(Value::as_str) == Some(answer_id)
            && r.username.as_deref() == Some(who.username.as_str())
    });
    let Some(record) = record else { return Err(not_found()) };
    let (Some(connector), Some(sql), "ok") = (record.connector, record.sql, record.outcome.as_str()) else {
        return Err(not_found());
    };
    let connector = usable(ctx, &connector).await.map_err(|_| not_found())?;
    Ok((connector, record.question, sql))
}

/// The guard's verdict on a report's SQL when it is saved: a refusal is recorded and answered as
/// `/api/v1/query` answers it (422 `sql_rejected`).
async fn guard_at_save(ctx: &Ctx, record: &ConnectorRecord, report: &Report) -> Result<(), ApiError> {
    let (policy, _) = limits(&ctx.state, record)?;
    match check(&report.sql, &policy) {
        Verdict::Allowed(_) => Ok(()),
        Verdict::Rejected(r) => {
            ctx.state.metrics.rejection(r.code.as_str());
            let mut entry = ctx.entry(CHANGE, "rejected");
            entry.connector = Some(record.name.clone());
            entry.sql = Some(report.sql.clone());
            entry.code = Some(r.code.as_str().to_owned());
            entry.detail = json!({"action": "report.create", "target": report.name, "message": r.message});
            ctx.record(entry).await?;
            Err(ApiError::rejected(r.code.as_str(), r.message))
        }
    }
}

/// A report as the audit trail records it (names, not ids, where a reader needs them).
fn summary(report: &Report, connector: &str, shared_with: &[String]) -> Value {
    json!({
        "id": report.id, "name": report.name, "connector": connector, "question": report.question,
        "sql": report.sql, "shared_with": shared_with,
    })
}

/// The user names of `ids`, in order (an id whose user is gone is skipped).
async fn usernames(ctx: &Ctx, ids: &[String]) -> Result<Vec<String>, ApiError> {
    let mut names = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(user) = ctx.state.store.user(id).await? {
            names.push(user.username);
        }
    }
    Ok(names)
}

/// The name of a report's connector.
async fn connector_name(ctx: &Ctx, report: &Report) -> Result<String, ApiError> {
    let record = ctx.state.store.connector(&report.connector_id).await?;
    Ok(record.map_or_else(|| report.connector_id.clone(), |r| r.name))
}

/// `report` as `who` may see it: no SQL for Members, the share list for its owner only.
async fn view(ctx: &Ctx, who: &Principal, report: &Report) -> Result<ReportView, ApiError> {
    let owner = ctx.state.store.user(&report.owner_id).await?.map(|u| u.username).unwrap_or_default();
    let is_owner = report.owner_id == who.user_id;
    // Read once: its name, and whether the reader may see the last refresh's rows.
    let record = ctx.state.store.connector(&report.connector_id).await?;
    let last_refresh = last_refresh(ctx, who, report, record.as_ref()).await?;
    Ok(ReportView {
        id: report.id.clone(),
        name: report.name.clone(),
        owner,
        connector: record.map_or_else(|| report.connector_id.clone(), |r| r.name),
        question: report.question.clone(),
        sql: (who.role >= Role::Analyst).then(|| report.sql.clone()),
        created_at: report.created_at,
        updated_at: report.updated_at,
        shared_with: if is_owner { Some(usernames(ctx, &report.shared_with).await?) } else { None },
        schedule: report
            .refresh_minutes
            .map(|every_minutes| ScheduleView { every_minutes, next_refresh_at: report.next_refresh_at }),
        last_refresh,
    })
}

/// The report's last refresh as `who` may see it: its rows only while `who` may use its connector
/// (they were read under the owner's grants).
async fn last_refresh(
    ctx: &Ctx,
    who: &Principal,
    report: &Report,
    record: Option<&ConnectorRecord>,
) -> Result<Option<RefreshView>, ApiError> {
    let Some(refresh) = &report.last_refresh else { return Ok(None) };
    let mut view = RefreshView {
        at: refresh.at,
        outcome: refresh.outcome.clone(),
        message: refresh.message.clone(),
        result: None,
    };
    if let Some(answer) = &refresh.answer {
        match record {
            Some(record) if may_use(ctx, who, record).await? => view.result = Some(answer.clone()),
            _ => {
                view.message = Some(
                    "the last refresh's rows are not shown: you may not use this report's connector; ask an admin for \
                     a grant on it"
                        .to_owned(),
                )
            }
        }
    }
    Ok(Some(view))
}
