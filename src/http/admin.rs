//! `/api/v1/admin/`: users, grants, connectors and the audit trail. Every change is recorded with
//! who, what, when, and the values before and after (never a password, hash or credential).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlgate_connectors::{seal, ConnectorError, Exposure, PrivilegeReport, Secret, Target};

use super::account::hash;
use super::connectors::{connect, forget};
use super::reply::{Created, Csv, Json};
use super::sqlite_dirs;
use super::{ApiError, Ctx};
use crate::audit::{bound, csv as audit_csv, Verification};
use crate::auth::{now, password, Role};
use crate::store::{AuditFilter, AuditRecord, ConnectorLlm, ConnectorRecord, MemoryEntry, StoreError, User};

/// Records an admin action: `action` on `target`, with the values before and after. Called
/// before the change is applied: a change the trail cannot record is not made.
async fn admin_action(ctx: &Ctx, action: &str, target: &str, before: Value, after: Value) -> Result<(), ApiError> {
    change(ctx, "admin", action, target, before, after).await
}

/// Records a change of `kind` (`admin`, `report_change`): `action` on `target`, with the values
/// before and after. Called before the change is applied.
pub(super) async fn change(
    ctx: &Ctx,
    kind: &'static str,
    action: &str,
    target: &str,
    before: Value,
    after: Value,
) -> Result<(), ApiError> {
    let mut entry = ctx.entry(kind, "ok");
    entry.detail = json!({"action": action, "target": target, "before": before, "after": after});
    ctx.record(entry).await
}

/// Applies a change whose record is already in the trail; if applying fails, a second record says
/// so.
async fn applied<T>(ctx: &Ctx, action: &str, target: &str, result: Result<T, StoreError>) -> Result<T, ApiError> {
    applied_as(ctx, "admin", action, target, result).await
}

/// [`applied`], for a change recorded with `kind`.
pub(super) async fn applied_as<T>(
    ctx: &Ctx,
    kind: &'static str,
    action: &str,
    target: &str,
    result: Result<T, StoreError>,
) -> Result<T, ApiError> {
    match result {
        Ok(value) => Ok(value),
        Err(e) => {
            let error = ApiError::from(e);
            let mut entry = ctx.entry(kind, "error");
            entry.code = Some(error.code().to_owned());
            entry.detail = json!({"action": action, "target": target, "error": error.message()});
            // The change failed either way; a trail that refuses this record too says so in the log.
            let _ = ctx.record(entry).await;
            Err(error)
        }
    }
}

/// A user as admins see them (never the password hash or the second factor's secret).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UserView {
    id: String,
    username: String,
    role: Role,
    disabled: bool,
    /// Locked after failed logins (until the lockout ends or an admin resets the password).
    locked: bool,
    /// A second factor is on.
    totp: bool,
    /// Unix seconds.
    created_at: i64,
}

fn view(u: &User) -> UserView {
    UserView {
        id: u.id.clone(),
        username: u.username.clone(),
        role: u.role,
        disabled: u.disabled,
        locked: u.locked_until.is_some_and(|t| t > now()),
        totp: u.totp_enabled,
        created_at: u.created_at,
    }
}

fn summary(u: &User) -> Value {
    json!({"username": u.username, "role": u.role, "disabled": u.disabled, "totp": u.totp_enabled})
}

/// Every user.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct UserList {
    users: Vec<UserView>,
}

pub(super) async fn list_users(ctx: Ctx) -> Result<Json<UserList>, ApiError> {
    let users = ctx.state.store.users().await?;
    Ok(Json::new(UserList { users: users.iter().map(view).collect() }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct NewUser {
    username: String,
    password: String,
    role: String,
}

/// A user name of 1 to 64 letters, digits and `._@-`, as it is stored: in lower case, so that
/// `Alice` and `alice` cannot be two accounts.
pub fn username(name: &str) -> Result<String, String> {
    check_username(name).map(|()| name.to_ascii_lowercase())
}

fn check_username(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.chars().count() <= 64
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c));
    if ok {
        Ok(())
    } else {
        Err("a user name is 1 to 64 letters, digits, '.', '_', '@' or '-'".into())
    }
}

pub(super) async fn create_user(ctx: Ctx) -> Result<Created<UserView>, ApiError> {
    let body: NewUser = ctx.json()?;
    let name = username(&body.username).map_err(ApiError::bad_request)?;
    let role: Role = body.role.parse().map_err(|e: crate::auth::UnknownRole| ApiError::bad_request(e.to_string()))?;
    password::check_policy(&body.password, &name).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let user = User::new(name, role, hash(&body.password).await?);
    admin_action(&ctx, "user.create", &user.username, Value::Null, summary(&user)).await?;
    applied(&ctx, "user.create", &user.username, ctx.state.store.create_user(&user).await).await?;
    Ok(Created::new(view(&user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct UserChange {
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    disabled: Option<bool>,
    /// `true` removes the second factor (the user can enrol again).
    #[serde(default)]
    reset_totp: bool,
}

async fn target_user(ctx: &Ctx) -> Result<User, ApiError> {
    let id = ctx.param("id");
    ctx.state.store.user(&id).await?.ok_or_else(|| ApiError::not_found(format!("no user with id {id}")))
}

pub(super) async fn update_user(ctx: Ctx) -> Result<Json<UserView>, ApiError> {
    let body: UserChange = ctx.json()?;
    let mut user = target_user(&ctx).await?;
    let before = summary(&user);
    if let Some(role) = &body.role {
        user.role = role.parse().map_err(|e: crate::auth::UnknownRole| ApiError::bad_request(e.to_string()))?;
    }
    if let Some(disabled) = body.disabled {
        user.disabled = disabled;
    }
    if body.reset_totp {
        user.totp_secret = None;
        user.totp_pending = None;
        user.totp_enabled = false;
        user.recovery_codes.clear();
    }
    let was = ctx.state.store.user(&user.id).await?.ok_or_else(|| ApiError::not_found("the user is gone"))?;
    if was.role == Role::Admin && !was.disabled && (user.role != Role::Admin || user.disabled) {
        let admins = ctx.state.store.users().await?.iter().filter(|u| u.role == Role::Admin && !u.disabled).count();
        if admins <= 1 {
            return Err(ApiError::conflict("this is the last active admin; make another user admin first"));
        }
    }
    admin_action(&ctx, "user.update", &user.username, before, summary(&user)).await?;
    applied(&ctx, "user.update", &user.username, ctx.state.store.update_user(&user).await).await?;
    // A new role or a disabled account takes effect at once: its sessions end.
    if user.role != was.role || user.disabled != was.disabled || body.reset_totp {
        applied(&ctx, "user.update", &user.username, ctx.state.store.revoke_sessions_of(&user.id).await).await?;
    }
    Ok(Json::new(view(&user)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Reset {
    password: String,
}

/// A password reset, and what it ended.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct PasswordReset {
    /// `reset`.
    status: &'static str,
    /// The user's sessions that were open and are now ended.
    sessions_ended: u64,
    /// The user's API keys that were not revoked and now are.
    api_keys_revoked: u64,
}

pub(super) async fn reset_password(ctx: Ctx) -> Result<Json<PasswordReset>, ApiError> {
    let body: Reset = ctx.json()?;
    let mut user = target_user(&ctx).await?;
    password::check_policy(&body.password, &user.username).map_err(|e| ApiError::bad_request(e.to_string()))?;
    user.password_hash = hash(&body.password).await?;
    user.failed_logins = 0;
    user.locked_until = None;
    // A reset means the old credentials cannot be trusted: the sessions and the API keys they may
    // have minted end with them.
    let after = json!({"sessions_end": true, "api_keys_revoked": true, "unlocked": true});
    let (store, action) = (&ctx.state.store, "user.reset_password");
    admin_action(&ctx, action, &user.username, Value::Null, after).await?;
    applied(&ctx, action, &user.username, store.update_user(&user).await).await?;
    let sessions_ended = applied(&ctx, action, &user.username, store.revoke_sessions_of(&user.id).await).await?;
    let api_keys_revoked = applied(&ctx, action, &user.username, store.revoke_api_keys_of(&user.id).await).await?;
    Ok(Json::new(PasswordReset { status: "reset", sessions_ended, api_keys_revoked }))
}

/// The connectors granted to a user.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Granted {
    /// The user's name.
    user: String,
    /// Connector ids.
    connectors: Vec<String>,
}

pub(super) async fn get_grants(ctx: Ctx) -> Result<Json<Granted>, ApiError> {
    let user = target_user(&ctx).await?;
    let ids = ctx.state.store.grants_of(&user.id).await?;
    Ok(Json::new(Granted { user: user.username, connectors: ids }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Grants {
    connectors: Vec<String>,
}

pub(super) async fn set_grants(ctx: Ctx) -> Result<Json<Granted>, ApiError> {
    let body: Grants = ctx.json()?;
    let user = target_user(&ctx).await?;
    let store = &ctx.state.store;
    let mut ids = Vec::new();
    for key in &body.connectors {
        let record = match store.connector(key).await? {
            Some(r) => r,
            None => store
                .connector_by_name(key)
                .await?
                .ok_or_else(|| ApiError::not_found(format!("no connector `{key}`")))?,
        };
        if !ids.contains(&record.id) {
            ids.push(record.id);
        }
    }
    let before = store.grants_of(&user.id).await?;
    admin_action(&ctx, "grants.set", &user.username, json!(before), json!(ids)).await?;
    applied(&ctx, "grants.set", &user.username, store.set_grants(&user.id, &ids).await).await?;
    Ok(Json::new(Granted { user: user.username, connectors: ids }))
}

/// A connector as admins see it (never its credentials).
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ConnectorView {
    id: String,
    name: String,
    /// `postgres`, `mysql` or `sqlite`.
    engine: String,
    /// `host:port/database`, or the SQLite file's path.
    target: String,
    /// Answers from it carry a production warning.
    production: bool,
    max_rows: u64,
    max_bytes: usize,
    /// Who writes the SQL: `default` (the deployment's `[llm]` provider) or `local` (the offline
    /// engine only; nothing is sent to a provider).
    llm: ConnectorLlm,
    /// Result rows may be sent to the deployment's LLM to write the answer's summary (only with
    /// `llm` = `default` on a deployment that has an LLM).
    rows_to_llm: bool,
    /// Unix seconds.
    created_at: i64,
}

fn connector_view(c: &ConnectorRecord) -> ConnectorView {
    ConnectorView {
        id: c.id.clone(),
        name: c.name.clone(),
        engine: c.engine.clone(),
        target: c.display.clone(),
        production: c.production,
        max_rows: c.max_rows,
        max_bytes: c.max_bytes,
        llm: c.llm,
        rows_to_llm: c.rows_to_llm,
        created_at: c.created_at,
    }
}

fn connector_summary(c: &ConnectorRecord) -> Value {
    json!({"name": c.name, "engine": c.engine, "target": c.display, "production": c.production,
           "max_rows": c.max_rows, "max_bytes": c.max_bytes, "llm": c.llm, "rows_to_llm": c.rows_to_llm})
}

/// Every connector.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ConnectorList {
    connectors: Vec<ConnectorView>,
}

pub(super) async fn list_connectors(ctx: Ctx) -> Result<Json<ConnectorList>, ApiError> {
    let all = ctx.state.store.connectors().await?;
    Ok(Json::new(ConnectorList { connectors: all.iter().map(connector_view).collect() }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ConnectorBody {
    #[serde(default)]
    name: Option<String>,
    /// The database URL (postgres://…, mysql://…, sqlite:PATH); sealed at once, never returned.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    url: Option<Secret>,
    #[serde(default)]
    production: Option<bool>,
    #[serde(default)]
    max_rows: Option<u64>,
    #[serde(default)]
    max_bytes: Option<usize>,
    /// `default` (the deployment's `[llm]` provider) or `local` (the offline engine only: neither
    /// the schema nor questions nor rows leave the machine). New connectors: `default`.
    // Read as any JSON value, so that a wrong one gets a message naming the allowed values.
    #[serde(default)]
    #[schema(value_type = Option<ConnectorLlm>)]
    llm: Option<Value>,
    /// `true` lets result rows go to the deployment's LLM to write the answer's summary. New
    /// connectors: `false`.
    #[serde(default)]
    #[schema(value_type = Option<bool>)]
    rows_to_llm: Option<Value>,
}

/// A value of a request as an error message quotes it: short, on one line.
fn quoted(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// The `llm` setting of a request (absent or `null`: unchanged), or a 400 that names the allowed
/// values.
fn connector_llm(value: Option<&Value>) -> Result<Option<ConnectorLlm>, ApiError> {
    let refused = |v: &Value| ApiError::bad_request(crate::store::UnknownConnectorLlm(quoted(v)).to_string());
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => text.parse().map(Some).map_err(|_| refused(&Value::String(text.clone()))),
        Some(other) => Err(refused(other)),
    }
}

/// The `rows_to_llm` setting of a request (absent or `null`: unchanged), or a 400 that names the
/// allowed values.
fn rows_to_llm(value: Option<&Value>) -> Result<Option<bool>, ApiError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(allowed)) => Ok(Some(*allowed)),
        Some(other) => Err(ApiError::bad_request(format!(
            "`rows_to_llm` must be `true` (result rows may be sent to the deployment's LLM to write the answer's summary) or `false` (they never are), got `{}`",
            quoted(other)
        ))),
    }
}

/// Engine and shown target of a URL, or a 400 that names what is wrong (never the URL). A SQLite
/// file must lie inside a directory of `security.sqlite_dirs`.
fn describe(ctx: &Ctx, url: &Secret) -> Result<(&'static str, String), ApiError> {
    let target = Target::parse(url.expose()).map_err(|e| ApiError::bad_request(format!("url: {e}")))?;
    Ok(match target {
        Target::Server(config) => {
            let engine = if config.engine == sqlgate_connectors::Engine::Postgres { "postgres" } else { "mysql" };
            (engine, config.display_target())
        }
        Target::Sqlite(path) => {
            sqlite_dirs::allowed(&path, &ctx.state.config.security.sqlite_dirs)
                .map_err(|e| ApiError::bad_request(format!("url: {e}")))?;
            ("sqlite", path.display().to_string())
        }
    })
}

fn check_limits(ctx: &Ctx, rows: u64, bytes: usize) -> Result<(), ApiError> {
    let q = &ctx.state.config.query;
    if !(1..=q.max_rows).contains(&rows) {
        return Err(ApiError::bad_request(format!("max_rows must be between 1 and the server's {}", q.max_rows)));
    }
    if !(1024..=q.max_bytes).contains(&bytes) {
        return Err(ApiError::bad_request(format!("max_bytes must be between 1024 and the server's {}", q.max_bytes)));
    }
    Ok(())
}

fn seal_url(ctx: &Ctx, id: &str, url: &Secret) -> Result<String, ApiError> {
    seal(&ctx.state.master, id, url).map(|s| s.to_base64()).map_err(|e| {
        ApiError::new(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("could not seal the URL: {e}"),
        )
    })
}

pub(super) async fn create_connector(ctx: Ctx) -> Result<Created<ConnectorView>, ApiError> {
    let body: ConnectorBody = ctx.json()?;
    let name = body.name.as_deref().map(str::trim).unwrap_or_default().to_owned();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::bad_request("name the connector (1 to 64 characters), e.g. \"sales\""));
    }
    let Some(url) = body.url else {
        return Err(ApiError::bad_request("url is required: postgres://…, mysql://… or sqlite:PATH"));
    };
    let (engine, display) = describe(&ctx, &url)?;
    let q = &ctx.state.config.query;
    let (max_rows, max_bytes) = (body.max_rows.unwrap_or(q.max_rows), body.max_bytes.unwrap_or(q.max_bytes));
    check_limits(&ctx, max_rows, max_bytes)?;
    let llm = connector_llm(body.llm.as_ref())?.unwrap_or_default();
    let rows_to_llm = rows_to_llm(body.rows_to_llm.as_ref())?.unwrap_or(false);
    let id = uuid::Uuid::new_v4().to_string();
    let record = ConnectorRecord {
        sealed_url: seal_url(&ctx, &id, &url)?,
        id,
        name,
        engine: engine.to_owned(),
        display,
        production: body.production.unwrap_or(false),
        max_rows,
        max_bytes,
        llm,
        rows_to_llm,
        created_at: now(),
    };
    admin_action(&ctx, "connector.create", &record.name, Value::Null, connector_summary(&record)).await?;
    applied(&ctx, "connector.create", &record.name, ctx.state.store.create_connector(&record).await).await?;
    Ok(Created::new(connector_view(&record)))
}

async fn target_connector(ctx: &Ctx) -> Result<ConnectorRecord, ApiError> {
    let id = ctx.param("id");
    ctx.state.store.connector(&id).await?.ok_or_else(|| ApiError::not_found(format!("no connector with id {id}")))
}

pub(super) async fn update_connector(ctx: Ctx) -> Result<Json<ConnectorView>, ApiError> {
    let body: ConnectorBody = ctx.json()?;
    let mut record = target_connector(&ctx).await?;
    let before = connector_summary(&record);
    if let Some(name) = body.name.as_deref().map(str::trim) {
        if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(ApiError::bad_request("a connector name is 1 to 64 characters"));
        }
        record.name = name.to_owned();
    }
    let mut after = json!({});
    if let Some(url) = &body.url {
        let (engine, display) = describe(&ctx, url)?;
        record.engine = engine.to_owned();
        record.display = display;
        record.sealed_url = seal_url(&ctx, &record.id, url)?;
        after["credentials"] = json!("replaced");
    }
    record.production = body.production.unwrap_or(record.production);
    record.max_rows = body.max_rows.unwrap_or(record.max_rows);
    record.max_bytes = body.max_bytes.unwrap_or(record.max_bytes);
    check_limits(&ctx, record.max_rows, record.max_bytes)?;
    record.llm = connector_llm(body.llm.as_ref())?.unwrap_or(record.llm);
    record.rows_to_llm = rows_to_llm(body.rows_to_llm.as_ref())?.unwrap_or(record.rows_to_llm);
    let mut summary = connector_summary(&record);
    if let (Some(s), Some(a)) = (summary.as_object_mut(), after.as_object()) {
        s.extend(a.clone());
    }
    admin_action(&ctx, "connector.update", &record.name, before, summary).await?;
    applied(&ctx, "connector.update", &record.name, ctx.state.store.update_connector(&record).await).await?;
    forget(&ctx.state, &record.id);
    Ok(Json::new(connector_view(&record)))
}

/// A connector, memory entry or report deleted.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Deleted {
    /// `deleted`.
    pub(super) status: &'static str,
    pub(super) id: String,
}

pub(super) async fn delete_connector(ctx: Ctx) -> Result<Json<Deleted>, ApiError> {
    let record = target_connector(&ctx).await?;
    admin_action(&ctx, "connector.delete", &record.name, connector_summary(&record), Value::Null).await?;
    applied(&ctx, "connector.delete", &record.name, ctx.state.store.delete_connector(&record.id).await).await?;
    forget(&ctx.state, &record.id);
    Ok(Json::new(Deleted { status: "deleted", id: record.id }))
}

/// What a connector test found: whether it connects, and what its credentials can do beyond
/// reading.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct ConnectorTest {
    /// It connected, and sqlgate would use it.
    ok: bool,
    /// The credentials can only read (present when `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    read_only: Option<bool>,
    /// The least-privilege report (present when it could be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    report: Option<PrivilegeReport>,
    /// Why it cannot be used (present when not `ok`).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ApiError>,
}

pub(super) async fn test_connector(ctx: Ctx) -> Result<Json<ConnectorTest>, ApiError> {
    let record = target_connector(&ctx).await?;
    let connector = connect(&ctx.state, &record)?;
    let report = connector.privileges(&Exposure::All).await;
    let vetted = match &report {
        Ok(_) => connector.vet(&Exposure::All).await.map(|_| ()),
        Err(_) => Ok(()),
    };
    connector.close().await;
    let failed = |error: ApiError, report| ConnectorTest { ok: false, read_only: None, report, error: Some(error) };
    let result = match (report, vetted) {
        (Err(e), _) => failed(ApiError::from(e), None),
        (Ok(report), Err(ConnectorError::Privileged(message))) => {
            failed(ApiError::new(actix_web::http::StatusCode::BAD_GATEWAY, "connector_refused", message), Some(report))
        }
        (Ok(report), Err(e)) => failed(ApiError::from(e), Some(report)),
        (Ok(report), Ok(())) => {
            ConnectorTest { ok: true, read_only: Some(report.is_read_only()), report: Some(report), error: None }
        }
    };
    let mut entry = ctx.entry("admin", "ok");
    entry.connector = Some(record.name.clone());
    entry.detail = json!({"action": "connector.test", "target": record.name, "ok": result.ok});
    ctx.record(entry).await?;
    Ok(Json::new(result))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    user: Option<String>,
    connector: Option<String>,
    kind: Option<String>,
    outcome: Option<String>,
    offset: Option<u64>,
    limit: Option<u64>,
}

/// The filter of an audit request, with dates read; a 400 names a bad one.
fn audit_filter(ctx: &Ctx) -> Result<(AuditFilter, u64, u64), ApiError> {
    let query = actix_web::web::Query::<AuditQuery>::from_query(ctx.req.query_string())
        .map_err(|e| ApiError::bad_request(format!("audit filters: {e}")))?
        .into_inner();
    let date = |text: Option<String>, end: bool, name: &str| -> Result<Option<String>, ApiError> {
        text.filter(|t| !t.is_empty())
            .map(|t| {
                bound(&t, end).ok_or_else(|| {
                    ApiError::bad_request(format!("{name} must be a date (2026-11-23) or an RFC 3339 time, got `{t}`"))
                })
            })
            .transpose()
    };
    let filter = AuditFilter {
        q: query.q,
        from: date(query.from, false, "from")?,
        to: date(query.to, true, "to")?,
        user: query.user.filter(|s| !s.is_empty()),
        connector: query.connector.filter(|s| !s.is_empty()),
        kind: query.kind.filter(|s| !s.is_empty()),
        outcome: query.outcome.filter(|s| !s.is_empty()),
        up_to_seq: None,
    };
    let limit = query.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request("limit must be between 1 and 500"));
    }
    Ok((filter, query.offset.unwrap_or(0), limit))
}

fn filter_json(f: &AuditFilter) -> Value {
    json!({"q": f.q, "from": f.from, "to": f.to, "user": f.user, "connector": f.connector, "kind": f.kind, "outcome": f.outcome})
}

/// One page of the audit trail.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct AuditPage {
    /// Records matching the filters, on every page.
    total: u64,
    offset: u64,
    limit: u64,
    /// Newest first.
    records: Vec<AuditRecord>,
}

pub(super) async fn audit(ctx: Ctx) -> Result<Json<AuditPage>, ApiError> {
    let (filter, offset, limit) = audit_filter(&ctx)?;
    // Reading the trail is itself recorded, before the records leave.
    let mut entry = ctx.entry("audit_read", "ok");
    entry.detail = json!({"filter": filter_json(&filter), "offset": offset, "limit": limit});
    ctx.record(entry).await?;
    let (records, total) = ctx.state.audit.search(&filter, offset, limit).await?;
    Ok(Json::new(AuditPage { total, offset, limit, records }))
}

pub(super) async fn audit_csv(ctx: Ctx) -> Result<Csv, ApiError> {
    let (mut filter, _, _) = audit_filter(&ctx)?;
    let mut entry = ctx.entry("audit_export", "ok");
    entry.detail = json!({"filter": filter_json(&filter)});
    ctx.record(entry).await?;
    // The export is of the trail as it was when it started, this export's own record included.
    filter.up_to_seq = ctx.state.store.last_audit().await?.map(|r| r.seq);
    let state = ctx.state.clone();
    const PAGE: u64 = 500;
    // Pages of records become chunks of CSV as the client reads them: the export never holds the
    // whole trail in memory.
    let stream = futures_util::stream::unfold(Some(0u64), move |offset| {
        let state = state.clone();
        let filter = filter.clone();
        async move {
            let offset = offset?;
            let mut out = Vec::new();
            if offset == 0 && audit_csv::header(&mut out).is_err() {
                return None;
            }
            match state.audit.search(&filter, offset, PAGE).await {
                Ok((records, _)) => {
                    for r in &records {
                        if audit_csv::row(&mut out, r).is_err() {
                            return None;
                        }
                    }
                    let next = (records.len() as u64 == PAGE).then_some(offset + PAGE);
                    Some((Ok::<_, actix_web::Error>(actix_web::web::Bytes::from(out)), next))
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit export stopped");
                    Some((Err(actix_web::error::ErrorServiceUnavailable("the store stopped answering")), None))
                }
            }
        }
    });
    Ok(Csv::attachment("sqlgate-audit.csv", stream))
}

pub(super) async fn audit_verify(ctx: Ctx) -> Result<Json<Verification>, ApiError> {
    let verification = ctx.state.audit.verify(None).await?;
    let mut entry = ctx.entry("audit_read", if verification.broken.is_some() { "error" } else { "ok" });
    entry.detail = json!({"action": "verify", "records": verification.records});
    ctx.record(entry).await?;
    Ok(Json::new(verification))
}

/// Every user's LLM spending this month.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SpendReport {
    /// `YYYY-MM` (UTC).
    month: String,
    users: Vec<Spending>,
}

/// One user's cap and spending.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Spending {
    id: String,
    username: String,
    role: Role,
    /// `null`: no cap.
    monthly_cap_cents: Option<u64>,
    spent_cents: u64,
    /// Tokens used (input and output).
    tokens: u64,
    /// Spent 80% of the cap or more.
    near_cap: bool,
}

pub(super) async fn spend(ctx: Ctx) -> Result<Json<SpendReport>, ApiError> {
    let month = crate::ask::spend::month_of(time::OffsetDateTime::now_utc());
    let users = ctx.state.store.users().await?;
    let usage = ctx.state.store.usage(&month).await?;
    let users = users
        .into_iter()
        .map(|u| {
            let used = usage.iter().find(|x| x.user_id == u.id);
            let spent = used.map_or(0, |x| x.cents);
            Spending {
                near_cap: u.monthly_cap_cents.is_some_and(|cap| crate::audit::dashboard::near_cap(spent, cap)),
                tokens: used.map_or(0, |x| x.tokens),
                spent_cents: spent,
                monthly_cap_cents: u.monthly_cap_cents,
                role: u.role,
                username: u.username,
                id: u.id,
            }
        })
        .collect();
    Ok(Json::new(SpendReport { month, users }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct Cap {
    /// `null` removes the cap.
    monthly_cap_cents: Option<u64>,
}

/// A user's cap, as set.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct SpendCap {
    /// The user's name.
    user: String,
    /// `null`: no cap.
    monthly_cap_cents: Option<u64>,
}

pub(super) async fn set_spend_cap(ctx: Ctx) -> Result<Json<SpendCap>, ApiError> {
    let body: Cap = ctx.json()?;
    let mut user = target_user(&ctx).await?;
    let before = json!({"monthly_cap_cents": user.monthly_cap_cents});
    user.monthly_cap_cents = body.monthly_cap_cents;
    admin_action(&ctx, "spend.cap", &user.username, before, json!({"monthly_cap_cents": user.monthly_cap_cents}))
        .await?;
    applied(&ctx, "spend.cap", &user.username, ctx.state.store.update_user(&user).await).await?;
    Ok(Json::new(SpendCap { user: user.username, monthly_cap_cents: user.monthly_cap_cents }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct MemoryBody {
    /// A connector id or name; absent for every connector.
    #[serde(default)]
    connector: Option<String>,
    kind: String,
    key: String,
    value: String,
}

const MEMORY_KINDS: [&str; 3] = ["definition", "synonym", "example"];

/// A memory entry's fields checked; the connector resolved to its id.
async fn memory_fields(ctx: &Ctx, body: MemoryBody) -> Result<(Option<String>, String, String, String), ApiError> {
    if !MEMORY_KINDS.contains(&body.kind.as_str()) {
        return Err(ApiError::bad_request(format!(
            "kind must be definition (a term and its meaning), synonym (a word and the name it stands for) or example (a question and its SQL), got `{}`",
            body.kind
        )));
    }
    let (key, value) = (body.key.trim().to_owned(), body.value.trim().to_owned());
    if key.is_empty() || value.is_empty() || key.chars().count() > 500 || value.chars().count() > 10_000 {
        return Err(ApiError::bad_request("key (1 to 500 characters) and value (1 to 10,000) are required"));
    }
    let connector = match body.connector.filter(|c| !c.is_empty()) {
        None => None,
        Some(key) => {
            let store = &ctx.state.store;
            let record = match store.connector(&key).await? {
                Some(r) => r,
                None => store
                    .connector_by_name(&key)
                    .await?
                    .ok_or_else(|| ApiError::not_found(format!("no connector `{key}`")))?,
            };
            Some(record.id)
        }
    };
    Ok((connector, body.kind, key, value))
}

/// Every AI memory entry.
#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct MemoryList {
    entries: Vec<MemoryEntry>,
}

pub(super) async fn list_memory(ctx: Ctx) -> Result<Json<MemoryList>, ApiError> {
    Ok(Json::new(MemoryList { entries: ctx.state.store.memory().await? }))
}

pub(super) async fn create_memory(ctx: Ctx) -> Result<Created<MemoryEntry>, ApiError> {
    let body: MemoryBody = ctx.json()?;
    let (connector_id, kind, key, value) = memory_fields(&ctx, body).await?;
    let entry = MemoryEntry {
        id: uuid::Uuid::new_v4().to_string(),
        connector_id,
        kind,
        key,
        value,
        created_by: ctx.who()?.username.clone(),
        created_at: now(),
    };
    admin_action(&ctx, "memory.create", &entry.key, Value::Null, json!(entry)).await?;
    applied(&ctx, "memory.create", &entry.key, ctx.state.store.create_memory(&entry).await).await?;
    ctx.state.asker.forget(None);
    Ok(Created::new(entry))
}

pub(super) async fn update_memory(ctx: Ctx) -> Result<Json<MemoryEntry>, ApiError> {
    let body: MemoryBody = ctx.json()?;
    let id = ctx.param("id");
    let before = ctx.state.store.memory().await?.into_iter().find(|e| e.id == id);
    let Some(before) = before else { return Err(ApiError::not_found(format!("no memory entry {id}"))) };
    let (connector_id, kind, key, value) = memory_fields(&ctx, body).await?;
    let entry = MemoryEntry { connector_id, kind, key, value, ..before.clone() };
    admin_action(&ctx, "memory.update", &entry.key, json!(before), json!(entry)).await?;
    applied(&ctx, "memory.update", &entry.key, ctx.state.store.update_memory(&entry).await).await?;
    ctx.state.asker.forget(None);
    Ok(Json::new(entry))
}

pub(super) async fn delete_memory(ctx: Ctx) -> Result<Json<Deleted>, ApiError> {
    let id = ctx.param("id");
    let before = ctx.state.store.memory().await?.into_iter().find(|e| e.id == id);
    let Some(before) = before else { return Err(ApiError::not_found(format!("no memory entry {id}"))) };
    admin_action(&ctx, "memory.delete", &before.key, json!(before), Value::Null).await?;
    applied(&ctx, "memory.delete", &before.key, ctx.state.store.delete_memory(&id).await).await?;
    ctx.state.asker.forget(None);
    Ok(Json::new(Deleted { status: "deleted", id }))
}
