//! Every route, with the access it needs. Registration, the role check and the OpenAPI document
//! all read this one table, so a route cannot exist without a rule; each route's success
//! responses are documented from the type its handler returns.

use actix_web::http::Method;
use actix_web::HttpResponse;
use serde::Serialize;
use serde_json::Value;

use super::reply::{json_response, schema_of, text_response, Json, Schemas, Success};
use super::{account, admin, ask, connectors, dashboard, reports, ApiError, Ctx, Reply};
use crate::auth::Role;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, without logging in.
    Public,
    /// A logged-in user with this role or a higher one.
    Role(Role),
}

/// One route.
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path, with `{name}` parameters.
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// What it does, for the OpenAPI document.
    pub summary: &'static str,
    /// The handler.
    pub handler: fn(Ctx) -> Reply,
    /// The JSON body it takes, if any: registers its schema (and those it uses), returns its name.
    pub body: Option<BodySchema>,
    /// Its success responses, from the type its handler returns.
    pub responses: fn(&mut Schemas) -> Vec<(u16, Value)>,
    /// Error statuses it answers besides those every route of its kind may (see
    /// [`Route::errors`]).
    pub extra_errors: &'static [u16],
}

/// Adds a body type's schema to the document's components and names it.
pub type BodySchema = fn(&mut Schemas) -> String;

/// The probes: never rate limited, so an orchestrator always gets an answer.
pub const PROBES: [&str; 2] = ["/healthz", "/readyz"];

impl Route {
    /// Every error status the route may answer with: the rate limit (all but the probes), bad,
    /// too large or non-JSON bodies, unknown ids, authentication, role and an unavailable store
    /// or audit trail (routes behind a login), and the route's own.
    pub fn errors(&self) -> Vec<u16> {
        let mut errors = self.extra_errors.to_vec();
        if !PROBES.contains(&self.path) {
            errors.push(429);
        }
        if self.body.is_some() {
            errors.extend([400, 413, 415]);
        }
        if self.path.contains("{id}") {
            errors.push(404);
        }
        if let Access::Role(_) = self.access {
            errors.extend([401, 403, 503]);
        }
        errors.sort_unstable();
        errors.dedup();
        errors
    }
}

/// The success responses of a handler, from its return type.
fn responses_of<F, Fut, S>(_handler: F, schemas: &mut Schemas) -> Vec<(u16, Value)>
where
    F: FnOnce(Ctx) -> Fut,
    Fut: std::future::Future<Output = Result<S, ApiError>>,
    S: Success,
{
    S::document(schemas)
}

const ANY: Access = Access::Role(Role::Member);
const ANALYST: Access = Access::Role(Role::Analyst);
const POWER: Access = Access::Role(Role::PowerUser);
const ADMIN: Access = Access::Role(Role::Admin);

/// `route!(METHOD, "/path", access, "summary", handler [, body = BodyType] [, errors = [status, …]])`
macro_rules! route {
    ($method:ident, $path:literal, $access:expr, $summary:literal, $handler:path
     $(, body = $body:ty)? $(, errors = [$($error:literal),* $(,)?])? $(,)?) => {
        Route {
            method: Method::$method,
            path: $path,
            access: $access,
            summary: $summary,
            handler: |ctx| Box::pin(async move { $handler(ctx).await.map(Success::into_response) }),
            body: route!(@body $($body)?),
            responses: |schemas| responses_of($handler, schemas),
            extra_errors: &[$($($error),*)?],
        }
    };
    (@body) => { None };
    (@body $body:ty) => { Some(schema_of::<$body>) };
}

/// The API.
pub static ROUTES: &[Route] = &[
    route!(GET, "/healthz", Access::Public, "The process is up.", health),
    route!(GET, "/readyz", Access::Public, "The store answers (200), or does not (503).", ready),
    route!(GET, "/metrics", Access::Public, "Prometheus metrics (text format).", metrics),
    route!(GET, "/api/v1/openapi.json", Access::Public, "This API, as OpenAPI 3.1.", super::openapi::document),
    route!(
        POST,
        "/api/v1/login",
        Access::Public,
        "Log in with a user name and password; sets the session cookie.",
        account::login,
        body = account::Login,
        errors = [401, 503]
    ),
    route!(POST, "/api/v1/logout", ANY, "End this session.", account::logout),
    route!(GET, "/api/v1/me", ANY, "Who is logged in, and their role.", account::me),
    route!(
        POST,
        "/api/v1/me/password",
        ANY,
        "Change one's own password (ends one's other sessions).",
        account::change_password,
        body = account::NewPassword
    ),
    route!(
        POST,
        "/api/v1/me/totp/enrol",
        ANY,
        "Start TOTP enrolment (current password, and current code if a factor is on): a secret, its otpauth URI and QR code.",
        account::totp_enrol,
        body = account::Reauthentication
    ),
    route!(
        POST,
        "/api/v1/me/totp/verify",
        ANY,
        "Finish TOTP enrolment with a code; answers with recovery codes once.",
        account::totp_verify,
        body = account::Code,
        errors = [409]
    ),
    route!(GET, "/api/v1/apikeys", ANY, "One's API keys (never the keys themselves).", account::list_keys),
    route!(
        POST,
        "/api/v1/apikeys",
        ANY,
        "Create an API key; the key is shown once.",
        account::create_key,
        body = account::NewKey
    ),
    route!(DELETE, "/api/v1/apikeys/{id}", ANY, "Revoke one of one's API keys.", account::revoke_key),
    route!(GET, "/api/v1/connectors", ANY, "The connectors the caller may use.", connectors::list),
    route!(
        GET,
        "/api/v1/connectors/{id}/schema",
        ANY,
        "A connector's exposed tables and columns.",
        connectors::schema,
        errors = [422, 502, 504]
    ),
    route!(
        POST,
        "/api/v1/query",
        POWER,
        "SQL live edit: guard, run read-only and trim one query.",
        connectors::query,
        body = connectors::QueryBody,
        errors = [404, 422, 502, 504]
    ),
    route!(
        POST,
        "/api/v1/ask",
        ANY,
        "Ask a question in plain language about a granted connector: SQL written, guarded, run read-only and trimmed, with a confidence level, its reasons and a grounded answer (Members get no SQL); with `chart: true`, also the rows drawn as an SVG chart when they are one label and one number column.",
        ask::ask,
        body = ask::AskBody,
        errors = [404, 502, 504]
    ),
    route!(
        POST,
        "/api/v1/reports",
        ANALYST,
        "Save a report: `name`, `connector` and `sql` (Power User and Admin; the guard checks the SQL), or `name` and `answer_id` (an answer one got from POST /api/v1/ask).",
        reports::create,
        body = reports::NewReport,
        errors = [404, 422]
    ),
    route!(
        GET,
        "/api/v1/reports",
        ANY,
        "The reports one owns or that are shared with one (Members get no SQL).",
        reports::list
    ),
    route!(GET, "/api/v1/reports/{id}", ANY, "A report one owns or that is shared with one.", reports::get),
    route!(
        POST,
        "/api/v1/reports/{id}/run",
        ANY,
        "Re-run a report's SQL live (guard, read-only session, budgets), under one's own connector grants (Members get no SQL).",
        reports::run,
        errors = [422, 502, 504]
    ),
    route!(
        PUT,
        "/api/v1/reports/{id}/share",
        POWER,
        "Set who a report is shared with (its owner only).",
        reports::share,
        body = reports::Share
    ),
    route!(
        PUT,
        "/api/v1/reports/{id}/schedule",
        POWER,
        "Refresh a report on a schedule, as its owner (its owner only); `every_minutes: null` stops it.",
        reports::schedule,
        body = reports::Schedule
    ),
    route!(DELETE, "/api/v1/reports/{id}", ANALYST, "Delete a report (its owner, or an admin).", reports::delete),
    route!(GET, "/api/v1/admin/users", ADMIN, "All users.", admin::list_users),
    route!(
        POST,
        "/api/v1/admin/users",
        ADMIN,
        "Create a user.",
        admin::create_user,
        body = admin::NewUser,
        errors = [409]
    ),
    route!(
        PATCH,
        "/api/v1/admin/users/{id}",
        ADMIN,
        "Change a user's role, disable them, or reset their second factor.",
        admin::update_user,
        body = admin::UserChange,
        errors = [409]
    ),
    route!(
        POST,
        "/api/v1/admin/users/{id}/password",
        ADMIN,
        "Reset a user's password (ends their sessions and revokes their API keys).",
        admin::reset_password,
        body = admin::Reset
    ),
    route!(GET, "/api/v1/admin/users/{id}/grants", ADMIN, "The connectors granted to a user.", admin::get_grants),
    route!(
        PUT,
        "/api/v1/admin/users/{id}/grants",
        ADMIN,
        "Set the connectors granted to a user.",
        admin::set_grants,
        body = admin::Grants
    ),
    route!(
        PUT,
        "/api/v1/admin/users/{id}/spend",
        ADMIN,
        "Set (or, with null, remove) a user's monthly LLM spend cap in cents.",
        admin::set_spend_cap,
        body = admin::Cap
    ),
    route!(GET, "/api/v1/admin/spend", ADMIN, "Every user's cap and month-to-date LLM spending.", admin::spend),
    route!(
        GET,
        "/api/v1/admin/memory",
        ADMIN,
        "AI memory: definitions, synonyms and example questions.",
        admin::list_memory
    ),
    route!(
        POST,
        "/api/v1/admin/memory",
        ADMIN,
        "Add an AI memory entry.",
        admin::create_memory,
        body = admin::MemoryBody,
        errors = [404]
    ),
    route!(
        PATCH,
        "/api/v1/admin/memory/{id}",
        ADMIN,
        "Change an AI memory entry.",
        admin::update_memory,
        body = admin::MemoryBody
    ),
    route!(DELETE, "/api/v1/admin/memory/{id}", ADMIN, "Delete an AI memory entry.", admin::delete_memory),
    route!(GET, "/api/v1/admin/connectors", ADMIN, "All connectors (never their credentials).", admin::list_connectors),
    route!(
        POST,
        "/api/v1/admin/connectors",
        ADMIN,
        "Create a connector; its URL is sealed at once and never returned.",
        admin::create_connector,
        body = admin::ConnectorBody,
        errors = [409]
    ),
    route!(
        PATCH,
        "/api/v1/admin/connectors/{id}",
        ADMIN,
        "Change a connector.",
        admin::update_connector,
        body = admin::ConnectorBody,
        errors = [409]
    ),
    route!(
        DELETE,
        "/api/v1/admin/connectors/{id}",
        ADMIN,
        "Delete a connector and its grants.",
        admin::delete_connector
    ),
    route!(
        POST,
        "/api/v1/admin/connectors/{id}/test",
        ADMIN,
        "Connect and report what the credentials can do beyond reading.",
        admin::test_connector,
        errors = [502]
    ),
    route!(
        GET,
        "/api/v1/admin/audit",
        ADMIN,
        "Search the audit trail (q, from, to, user, connector, kind, outcome, offset, limit).",
        admin::audit,
        errors = [400]
    ),
    route!(
        GET,
        "/api/v1/admin/audit.csv",
        ADMIN,
        "The filtered audit trail as CSV (the same filters).",
        admin::audit_csv,
        errors = [400]
    ),
    route!(GET, "/api/v1/admin/audit/verify", ADMIN, "Verify the audit trail's hash chain.", admin::audit_verify),
    route!(
        GET,
        "/api/v1/admin/dashboard",
        ADMIN,
        "The GRC dashboard for a range of days (from, to: dates; default the last 30; at most 366): questions per day, guard rejections by code, and risk signals, each linking to its records on /audit.",
        dashboard::dashboard,
        errors = [400]
    ),
];

/// `/healthz`.
#[derive(Serialize, utoipa::ToSchema)]
struct Health {
    /// Always `ok`.
    status: &'static str,
}

async fn health(_ctx: Ctx) -> Result<Json<Health>, ApiError> {
    Ok(Json::new(Health { status: "ok" }))
}

/// Prometheus' text exposition format.
struct Metrics(String);

impl Metrics {
    const MEDIA_TYPE: &'static str = "text/plain; version=0.0.4; charset=utf-8";
}

impl Success for Metrics {
    fn into_response(self) -> HttpResponse {
        HttpResponse::Ok().content_type(Self::MEDIA_TYPE).body(self.0)
    }

    fn document(_: &mut Schemas) -> Vec<(u16, Value)> {
        vec![(200, text_response("Prometheus metrics", Self::MEDIA_TYPE))]
    }
}

async fn metrics(ctx: Ctx) -> Result<Metrics, ApiError> {
    Ok(Metrics(ctx.state.metrics.render()))
}

/// `/readyz`: whether the store answers.
#[derive(Serialize, utoipa::ToSchema)]
struct Readiness {
    /// `ready` or `unavailable`.
    status: &'static str,
    /// `ok` or `unavailable`.
    store: &'static str,
}

/// Readiness, answered 200 when ready and 503 when not (not an error: the probe's own answer).
struct Ready(bool);

impl Success for Ready {
    fn into_response(self) -> HttpResponse {
        if self.0 {
            HttpResponse::Ok().json(Readiness { status: "ready", store: "ok" })
        } else {
            HttpResponse::ServiceUnavailable().json(Readiness { status: "unavailable", store: "unavailable" })
        }
    }

    fn document(schemas: &mut Schemas) -> Vec<(u16, Value)> {
        let name = schema_of::<Readiness>(schemas);
        vec![(200, json_response("ready", &name)), (503, json_response("the store does not answer", &name))]
    }
}

async fn ready(ctx: Ctx) -> Result<Ready, ApiError> {
    match ctx.state.store.ping().await {
        Ok(()) => Ok(Ready(true)),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the store does not answer");
            Ok(Ready(false))
        }
    }
}
