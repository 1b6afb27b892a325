//! Every route, with the access it needs. Registration, the role check and the OpenAPI document
//! all read this one table, so a route cannot exist without a rule.

use actix_web::http::Method;
use actix_web::HttpResponse;

use utoipa::openapi::{RefOr, Schema};

use super::{account, admin, connectors, Ctx, Reply};
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
}

/// Adds a body type's schema to the document's components and names it.
pub type BodySchema = fn(&mut Vec<(String, RefOr<Schema>)>) -> String;

fn schema_of<T: utoipa::ToSchema>(out: &mut Vec<(String, RefOr<Schema>)>) -> String {
    T::schemas(out);
    let name = T::name().into_owned();
    out.push((name.clone(), T::schema()));
    name
}

const ANY: Access = Access::Role(Role::Member);
const POWER: Access = Access::Role(Role::PowerUser);
const ADMIN: Access = Access::Role(Role::Admin);

macro_rules! route {
    ($method:ident, $path:literal, $access:expr, $summary:literal, $handler:path) => {
        Route {
            method: Method::$method,
            path: $path,
            access: $access,
            summary: $summary,
            handler: |ctx| Box::pin($handler(ctx)),
            body: None,
        }
    };
    ($method:ident, $path:literal, $access:expr, $summary:literal, $handler:path, $body:ty) => {
        Route {
            method: Method::$method,
            path: $path,
            access: $access,
            summary: $summary,
            handler: |ctx| Box::pin($handler(ctx)),
            body: Some(schema_of::<$body>),
        }
    };
}

/// The API.
pub static ROUTES: &[Route] = &[
    route!(GET, "/healthz", Access::Public, "The process is up.", health),
    route!(GET, "/readyz", Access::Public, "The store answers.", ready),
    route!(GET, "/metrics", Access::Public, "Prometheus metrics (text format).", metrics),
    route!(GET, "/api/v1/openapi.json", Access::Public, "This API, as OpenAPI 3.", openapi),
    route!(
        POST,
        "/api/v1/login",
        Access::Public,
        "Log in with a user name and password; sets the session cookie.",
        account::login,
        account::Login
    ),
    route!(POST, "/api/v1/logout", ANY, "End this session.", account::logout),
    route!(GET, "/api/v1/me", ANY, "Who is logged in, and their role.", account::me),
    route!(
        POST,
        "/api/v1/me/password",
        ANY,
        "Change one's own password (ends one's other sessions).",
        account::change_password,
        account::NewPassword
    ),
    route!(
        POST,
        "/api/v1/me/totp/enrol",
        ANY,
        "Start TOTP enrolment: a secret, its otpauth URI and QR code.",
        account::totp_enrol
    ),
    route!(
        POST,
        "/api/v1/me/totp/verify",
        ANY,
        "Finish TOTP enrolment with a code; answers with recovery codes once.",
        account::totp_verify,
        account::Code
    ),
    route!(GET, "/api/v1/apikeys", ANY, "One's API keys (never the keys themselves).", account::list_keys),
    route!(
        POST,
        "/api/v1/apikeys",
        ANY,
        "Create an API key; the key is shown once.",
        account::create_key,
        account::NewKey
    ),
    route!(DELETE, "/api/v1/apikeys/{id}", ANY, "Revoke one of one's API keys.", account::revoke_key),
    route!(GET, "/api/v1/connectors", ANY, "The connectors the caller may use.", connectors::list),
    route!(GET, "/api/v1/connectors/{id}/schema", ANY, "A connector's exposed tables and columns.", connectors::schema),
    route!(
        POST,
        "/api/v1/query",
        POWER,
        "SQL live edit: guard, run read-only and trim one query.",
        connectors::query,
        connectors::QueryBody
    ),
    route!(GET, "/api/v1/admin/users", ADMIN, "All users.", admin::list_users),
    route!(POST, "/api/v1/admin/users", ADMIN, "Create a user.", admin::create_user, admin::NewUser),
    route!(
        PATCH,
        "/api/v1/admin/users/{id}",
        ADMIN,
        "Change a user's role, disable them, or reset their second factor.",
        admin::update_user,
        admin::UserChange
    ),
    route!(
        POST,
        "/api/v1/admin/users/{id}/password",
        ADMIN,
        "Reset a user's password (ends their sessions).",
        admin::reset_password,
        admin::Reset
    ),
    route!(GET, "/api/v1/admin/users/{id}/grants", ADMIN, "The connectors granted to a user.", admin::get_grants),
    route!(
        PUT,
        "/api/v1/admin/users/{id}/grants",
        ADMIN,
        "Set the connectors granted to a user.",
        admin::set_grants,
        admin::Grants
    ),
    route!(
        PUT,
        "/api/v1/admin/users/{id}/spend",
        ADMIN,
        "Set (or, with null, remove) a user's monthly LLM spend cap in cents.",
        admin::set_spend_cap,
        admin::Cap
    ),
    route!(GET, "/api/v1/admin/spend", ADMIN, "Every user's cap and month-to-date LLM spending.", admin::spend),
    route!(
        GET,
        "/api/v1/admin/memory",
        ADMIN,
        "AI memory: definitions, synonyms and example questions.",
        admin::list_memory
    ),
    route!(POST, "/api/v1/admin/memory", ADMIN, "Add an AI memory entry.", admin::create_memory, admin::MemoryBody),
    route!(
        PATCH,
        "/api/v1/admin/memory/{id}",
        ADMIN,
        "Change an AI memory entry.",
        admin::update_memory,
        admin::MemoryBody
    ),
    route!(DELETE, "/api/v1/admin/memory/{id}", ADMIN, "Delete an AI memory entry.", admin::delete_memory),
    route!(GET, "/api/v1/admin/connectors", ADMIN, "All connectors (never their credentials).", admin::list_connectors),
    route!(
        POST,
        "/api/v1/admin/connectors",
        ADMIN,
        "Create a connector; its URL is sealed at once and never returned.",
        admin::create_connector,
        admin::ConnectorBody
    ),
    route!(
        PATCH,
        "/api/v1/admin/connectors/{id}",
        ADMIN,
        "Change a connector.",
        admin::update_connector,
        admin::ConnectorBody
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
        admin::test_connector
    ),
    route!(
        GET,
        "/api/v1/admin/audit",
        ADMIN,
        "Search the audit trail (q, from, to, user, connector, kind, outcome, offset, limit).",
        admin::audit
    ),
    route!(GET, "/api/v1/admin/audit.csv", ADMIN, "The filtered audit trail as CSV.", admin::audit_csv),
    route!(GET, "/api/v1/admin/audit/verify", ADMIN, "Verify the audit trail's hash chain.", admin::audit_verify),
];

async fn health(_ctx: Ctx) -> Result<HttpResponse, super::ApiError> {
    Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ok"})))
}

async fn metrics(ctx: Ctx) -> Result<HttpResponse, super::ApiError> {
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(ctx.state.metrics.render()))
}

async fn ready(ctx: Ctx) -> Result<HttpResponse, super::ApiError> {
    match ctx.state.store.ping().await {
        Ok(()) => Ok(HttpResponse::Ok().json(serde_json::json!({"status": "ready", "store": "ok"}))),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: the store does not answer");
            Ok(HttpResponse::ServiceUnavailable()
                .json(serde_json::json!({"status": "unavailable", "store": "unavailable"})))
        }
    }
}

/// The OpenAPI document, built from [`ROUTES`].
async fn openapi(_ctx: Ctx) -> Result<HttpResponse, super::ApiError> {
    let mut paths = serde_json::Map::new();
    let mut schemas: Vec<(String, RefOr<Schema>)> = Vec::new();
    for route in ROUTES {
        let path = paths.entry(route.path).or_insert_with(|| serde_json::json!({}));
        let mut responses = serde_json::json!({
            "200": {"description": "success"},
            "400": {"$ref": "#/components/responses/Error"},
        });
        let body = route.body.map(|register| {
            let name = register(&mut schemas);
            serde_json::json!({"required": true, "content": {"application/json": {
                "schema": {"$ref": format!("#/components/schemas/{name}")}}}})
        });
        if let Access::Role(role) = route.access {
            responses["401"] = serde_json::json!({"$ref": "#/components/responses/Error"});
            responses["403"] = serde_json::json!({"$ref": "#/components/responses/Error"});
            responses["503"] = serde_json::json!({"$ref": "#/components/responses/Error"});
            path[route.method.as_str().to_ascii_lowercase()] = serde_json::json!({
                "summary": route.summary,
                "x-sqlgate-role": role.as_str(),
                "security": [{"session": []}, {"apiKey": []}],
                "responses": responses,
            });
        } else {
            path[route.method.as_str().to_ascii_lowercase()] =
                serde_json::json!({"summary": route.summary, "security": [], "responses": responses});
        }
        if let Some(body) = body {
            path[route.method.as_str().to_ascii_lowercase()]["requestBody"] = body;
        }
    }
    let schemas: serde_json::Map<String, serde_json::Value> =
        schemas.into_iter().map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or_default())).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "openapi": "3.0.3",
        "info": {"title": "sqlgate", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "sqlgate_session"},
                "apiKey": {"type": "http", "scheme": "bearer"},
            },
            "responses": {"Error": {
                "description": "{\"error\":{\"code\",\"message\"}}",
                "content": {"application/json": {"schema": {"type": "object", "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "guard_code": {"type": "string"}}
                }}}}},
            }},
        },
    })))
}
