//! Connectors as users see them: the list they may use, a connector's schema, and SQL live edit
//! (`POST /api/v1/query`): guard → read-only session → trim, audited before the answer leaves.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlgate_connectors::{unseal, Budget, Connector, Exposure, QueryResult, SealedSecret, Table, Target};
use sqlgate_guardrails::{check, Dialect, MaxRows, Policy, Verdict};

use super::reply::Json;
use super::sqlite_dirs;
use super::{ApiError, AppState, Ctx, OpenConnector};
use crate::audit::Entry;
use crate::auth::{Principal, Role};
use crate::query::Answer;
use crate::store::ConnectorRecord;

/// The connector `key` (an id or a name), if the caller may use it. One the caller may not use is
/// "not found", as if it did not exist.
pub(super) async fn usable(ctx: &Ctx, key: &str) -> Result<ConnectorRecord, ApiError> {
    let who = ctx.who()?;
    let store = &ctx.state.store;
    let record = match store.connector(key).await? {
        Some(r) => Some(r),
        None => store.connector_by_name(key).await?,
    };
    let not_found =
        || ApiError::not_found(format!("no connector `{key}` that you may use; GET /api/v1/connectors lists yours"));
    let record = record.ok_or_else(not_found)?;
    if may_use(ctx, who, &record).await? {
        Ok(record)
    } else {
        Err(not_found())
    }
}

/// Whether `who` may use `record`: every connector for the roles that see all, else a grant.
pub(super) async fn may_use(ctx: &Ctx, who: &Principal, record: &ConnectorRecord) -> Result<bool, ApiError> {
    user_may_use(&ctx.state, who.role, &who.user_id, record).await
}

/// Whether the user `user_id`, of `role`, may use `record` (see [`may_use`]).
pub(super) async fn user_may_use(
    state: &AppState,
    role: Role,
    user_id: &str,
    record: &ConnectorRecord,
) -> Result<bool, ApiError> {
    Ok(role.sees_all_connectors() || state.store.grants_of(user_id).await?.contains(&record.id))
}

/// The connector of `record`, opened once per process: the URL is unsealed, the privilege report
/// read (a superuser login is refused unless its URL allows it), and the pool kept.
pub(super) async fn open(state: &AppState, record: &ConnectorRecord) -> Result<Arc<OpenConnector>, ApiError> {
    if let Some(open) = state.open.lock().ok().and_then(|m| m.get(&record.id).cloned()) {
        // A SQLite file is checked again on every use: the file, or a directory on its path,
        // may have become a symlink to somewhere else since.
        if let Connector::Sqlite { path, .. } = &open.connector {
            sqlite_file(state, record, path)?;
        }
        return Ok(open);
    }
    let connector = connect(state, record)?;
    let privilege_warning = match &connector {
        Connector::Sqlite { .. } => None,
        _ => connector.vet(&Exposure::All).await?.summary(),
    };
    let open = Arc::new(OpenConnector { connector, privilege_warning });
    if let Ok(mut map) = state.open.lock() {
        map.insert(record.id.clone(), Arc::clone(&open));
    }
    Ok(open)
}

/// A connector for `record`, not yet connected.
pub(super) fn connect(state: &AppState, record: &ConnectorRecord) -> Result<Connector, ApiError> {
    let broken = |what: String| {
        tracing::error!(connector = %record.name, "{what}");
        ApiError::new(
            actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
            "connector_unavailable",
            format!("connector `{}` cannot be opened: {what}; an admin must re-create it", record.name),
        )
    };
    let sealed = SealedSecret::from_base64(&record.sealed_url).map_err(|e| broken(e.to_string()))?;
    let url = unseal(&state.master, &record.id, &sealed).map_err(|e| broken(e.to_string()))?;
    let target = match Target::parse(url.expose()).map_err(|e| broken(e.to_string()))? {
        // Opened by its resolved path, as checked.
        Target::Sqlite(path) => Target::Sqlite(sqlite_file(state, record, &path)?),
        server => server,
    };
    Connector::new(target).map_err(ApiError::from)
}

/// The resolved path of a SQLite connector's file, if it lies inside `security.sqlite_dirs`;
/// otherwise the connector is refused. The answer names no path (users who may query the
/// connector need not learn the server's files); the log says why.
fn sqlite_file(state: &AppState, record: &ConnectorRecord, path: &Path) -> Result<PathBuf, ApiError> {
    sqlite_dirs::allowed(path, &state.config.security.sqlite_dirs).map_err(|e| {
        tracing::warn!(connector = %record.name, reason = %e, "a SQLite connector was refused");
        ApiError::new(
            actix_web::http::StatusCode::BAD_GATEWAY,
            "connector_refused",
            format!(
                "connector `{}` is refused: its SQLite file is not inside a directory the server allows (security.sqlite_dirs); an admin must move the file or change the setting",
                record.name
            ),
        )
    })
}

/// Forgets the open connector of `id` (after an update or delete).
pub(super) fn forget(state: &AppState, id: &str) {
    if let Ok(mut map) = state.open.lock() {
        map.remove(id);
    }
    state.asker.forget(Some(id));
}

/// The guard's dialect for an engine name.
pub(super) fn dialect(engine: &str) -> Dialect {
    match engine {
        "postgres" => Dialect::Postgres,
        "mysql" => Dialect::Mysql,
        _ => Dialect::Sqlite,
    }
}

/// The guard's policy and the answer's budget on `record`: the server's limits, lowered by the
/// connector's.
pub(super) fn limits(state: &AppState, record: &ConnectorRecord) -> Result<(Policy, Budget), ApiError> {
    let config = &state.config.query;
    let max_rows = config.max_rows.min(record.max_rows).max(1);
    let budget = Budget { max_rows, max_bytes: config.max_bytes.min(record.max_bytes), ..Budget::default() };
    let policy = Policy::new(dialect(&record.engine))
        .with_max_rows(MaxRows::new(max_rows).map_err(|e| ApiError::bad_request(e.to_string()))?);
    Ok((policy, budget))
}

/// The warnings every answer from `record` carries: production, privileges, shortened cells.
pub(super) fn warnings(record: &ConnectorRecord, open: &OpenConnector, result: Option<&QueryResult>) -> Vec<String> {
    let mut warnings = Vec::new();
    if record.production {
        warnings.push(format!("`{}` is a production database: every query on it is audited", record.name));
    }
    match result {
        Some(result) => warnings.extend(crate::query::warnings(result, open.privilege_warning.clone())),
        None => warnings.extend(open.privilege_warning.clone()),
    }
    warnings
}

/// A connector the caller may use.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Usable {
    id: String,
    name: String,
    /// `postgres`, `mysql` or `sqlite`.
    engine: String,
    /// Answers from it carry a production warning.
    production: bool,
    /// Rows an answer from it may hold.
    max_rows: u64,
}

/// The connectors the caller may use.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UsableList {
    connectors: Vec<Usable>,
}

pub(super) async fn list(ctx: Ctx) -> Result<Json<UsableList>, ApiError> {
    let who = ctx.who()?;
    let store = &ctx.state.store;
    let all = store.connectors().await?;
    let granted = if who.role.sees_all_connectors() { Vec::new() } else { store.grants_of(&who.user_id).await? };
    let connectors = all
        .into_iter()
        .filter(|c| who.role.sees_all_connectors() || granted.contains(&c.id))
        .map(|c| Usable { id: c.id, name: c.name, engine: c.engine, production: c.production, max_rows: c.max_rows })
        .collect();
    Ok(Json::new(UsableList { connectors }))
}

/// A connector's exposed tables and views.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SchemaView {
    /// The connector's name.
    connector: String,
    tables: Vec<Table>,
}

pub(super) async fn schema(ctx: Ctx) -> Result<Json<SchemaView>, ApiError> {
    let record = usable(&ctx, &ctx.param("id")).await?;
    let open = open(&ctx.state, &record).await?;
    let schema = open.connector.schema(&Exposure::All).await?;
    Ok(Json::new(SchemaView { connector: record.name, tables: schema.tables }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct QueryBody {
    connector: String,
    sql: String,
}

pub(super) async fn query(ctx: Ctx) -> Result<Json<Answer>, ApiError> {
    let body: QueryBody = ctx.json()?;
    let record = usable(&ctx, &body.connector).await?;
    let entry = ctx.entry("query", "ok");
    Ok(Json::new(run(&ctx, &record, &body.sql, entry).await?))
}

/// The SQL live edit path, shared by `/api/v1/query` and reports: guard → read-only session →
/// trim, with `entry` (its kind and any detail already set) completed and recorded before the
/// answer leaves. A guard refusal is recorded and answered as a 422.
pub(super) async fn run(ctx: &Ctx, record: &ConnectorRecord, sql: &str, entry: Entry) -> Result<Answer, ApiError> {
    run_from(&ctx.state, ctx.started, record, sql, entry).await
}

/// [`run`], for work that no request started (a scheduled refresh): `started` is when it began.
pub(super) async fn run_from(
    state: &AppState,
    started: Instant,
    record: &ConnectorRecord,
    sql: &str,
    mut entry: Entry,
) -> Result<Answer, ApiError> {
    let (policy, budget) = limits(state, record)?;
    let max_rows = budget.max_rows;
    entry.connector = Some(record.name.clone());
    entry.sql = Some(sql.to_owned());
    let allowed = match check(sql, &policy) {
        Verdict::Allowed(allowed) => allowed,
        Verdict::Rejected(r) => {
            state.metrics.rejection(r.code.as_str());
            entry.outcome = "rejected";
            entry.code = Some(r.code.as_str().to_owned());
            detail(&mut entry, json!({"message": r.message}));
            super::record(state, entry).await?;
            return Err(ApiError::rejected(r.code.as_str(), r.message));
        }
    };
    entry.tables = allowed.tables.clone();
    let outcome = match open(state, record).await {
        Ok(open) => open.connector.query(&allowed.sql, budget).await.map(|r| (r, open)).map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let (result, open) = match outcome {
        Ok(done) => done,
        Err(e) => return Err(failed_from(state, started, entry, "error", e).await),
    };
    let warnings = warnings(record, &open, Some(&result));
    let answer = Answer::new(&allowed.sql, &result, max_rows, warnings);
    entry.row_count = Some(result.row_count);
    entry.truncated = Some(result.truncated.is_some());
    entry.duration_ms = Some(started.elapsed().as_millis() as u64);
    detail(&mut entry, json!({"answer_id": answer.id, "sql_sent": allowed.sql}));
    super::record(state, entry).await?;
    Ok(answer)
}

/// Adds the keys of `more` to `entry.detail` (replacing it when it is not an object).
fn detail(entry: &mut Entry, more: serde_json::Value) {
    match (entry.detail.as_object_mut(), more) {
        (Some(detail), serde_json::Value::Object(more)) => detail.extend(more),
        (_, more) => entry.detail = more,
    }
}

/// Records a request that ended in `error` with `outcome` (`error`, or `denied`), adding the
/// error's message to what `entry.detail` already holds, and returns the error to answer with: the
/// audit's own failure if the record could not be written.
pub(super) async fn failed(ctx: &Ctx, entry: Entry, outcome: &'static str, error: ApiError) -> ApiError {
    failed_from(&ctx.state, ctx.started, entry, outcome, error).await
}

/// [`failed`], for work that no request started.
pub(super) async fn failed_from(
    state: &AppState,
    started: Instant,
    mut entry: Entry,
    outcome: &'static str,
    error: ApiError,
) -> ApiError {
    if outcome == "error" {
        state.metrics.connector_error(error.code());
    }
    match entry.detail.as_object_mut() {
        Some(detail) => {
            detail.insert("message".into(), json!(error.message()));
        }
        None => entry.detail = json!({"message": error.message()}),
    }
    entry.outcome = outcome;
    entry.code = Some(error.code().to_owned());
    entry.duration_ms = Some(started.elapsed().as_millis() as u64);
    match super::record(state, entry).await {
        Ok(()) => error,
        Err(audit) => audit,
    }
}
