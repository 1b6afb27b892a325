//! The HTTP server: one table of routes, each with the access it needs, so that authentication
//! and the role check happen in one place for every request; errors in one JSON shape; request
//! ids, security headers and a log line per request that never holds a body, a cookie or a key.

mod account;
mod address;
mod admin;
mod ask;
mod connectors;
mod dashboard;
mod errors;
mod openapi;
mod refresh;
mod reply;
mod reports;
mod routes;
mod sqlite_dirs;

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use actix_web::dev::Service;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde::de::DeserializeOwned;
use sqlgate_connectors::{Connector, MasterKey};

pub use admin::username;
pub use dashboard::read as read_dashboard;
pub use errors::ApiError;
pub use routes::{Access, ROUTES};

use crate::audit::{Audit, Entry};
use crate::auth::session::{Signer, COOKIE, CSRF_HEADER};
use crate::auth::{apikey, now, Principal, Via};
use crate::config::Config;
use crate::store::Store;

/// Everything a request may need, shared by all workers.
pub struct AppState {
    /// The configuration in force.
    pub config: Config,
    /// The metadata store.
    pub store: Arc<dyn Store>,
    /// The audit trail.
    pub audit: Arc<Audit>,
    /// Session token signer.
    pub signer: Signer,
    /// Seals and opens connector credentials.
    pub master: MasterKey,
    /// Prometheus metrics.
    pub metrics: crate::metrics::Metrics,
    /// Rate limits and the per-address login lockout.
    pub limits: crate::limits::Limits,
    /// Open connectors by id, made on first use from the sealed URL.
    pub open: Mutex<HashMap<String, Arc<OpenConnector>>>,
    /// The ask pipeline: prepared schemas and the question cache.
    pub asker: crate::ask::Asker,
}

/// A connector opened in this process, with the privilege check it passed.
pub struct OpenConnector {
    /// The connector.
    pub connector: Connector,
    /// The privilege report's summary line, if the credentials can do more than read.
    pub privilege_warning: Option<String>,
}

/// One request, as a handler sees it.
pub struct Ctx {
    /// The request.
    pub req: HttpRequest,
    /// Its body (bounded by `server.body_limit`).
    pub body: web::Bytes,
    /// Shared state.
    pub state: web::Data<AppState>,
    /// Who is calling (`None` on public routes).
    pub principal: Option<Principal>,
    /// When the request arrived.
    pub started: Instant,
}

/// What every handler returns.
pub type Reply = Pin<Box<dyn Future<Output = Result<HttpResponse, ApiError>>>>;

impl Ctx {
    /// The caller; handlers behind an authenticated route always have one.
    pub fn who(&self) -> Result<&Principal, ApiError> {
        self.principal.as_ref().ok_or_else(ApiError::unauthenticated)
    }

    /// The body as JSON of type `T`, or a 400 that says what is wrong with it.
    /// Only `application/json` is read: a cross-site HTML form can send `text/plain` and
    /// `application/x-www-form-urlencoded` without the browser asking, JSON it cannot.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        let content_type =
            self.req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let essence = content_type.split(';').next().unwrap_or_default().trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::new(
                actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as JSON with `Content-Type: application/json`",
            ));
        }
        serde_json::from_slice(&self.body)
            .map_err(|e| ApiError::bad_request(format!("the request body is not valid: {e}")))
    }

    /// A path parameter.
    pub fn param(&self, name: &str) -> String {
        self.req.match_info().get(name).unwrap_or_default().to_owned()
    }

    /// The client's address (see [`address::client_ip`]).
    pub fn client_ip(&self) -> Option<IpAddr> {
        address::client_ip(&self.req, &self.state.config.server.trusted_proxies)
    }

    /// The client's address, as the audit trail records it.
    pub fn ip(&self) -> Option<String> {
        self.client_ip().map(|ip| ip.to_string())
    }

    /// An audit entry with the caller and address filled in.
    pub fn entry(&self, kind: &'static str, outcome: &'static str) -> Entry {
        Entry {
            kind,
            outcome,
            username: self.principal.as_ref().map(|p| p.username.clone()),
            role: self.principal.as_ref().map(|p| p.role.as_str().to_owned()),
            ip: self.ip(),
            duration_ms: Some(self.started.elapsed().as_millis() as u64),
            ..Entry::default()
        }
    }

    /// Records `entry`; if the trail cannot take it, the request fails (503) and nothing else is
    /// returned.
    pub async fn record(&self, entry: Entry) -> Result<(), ApiError> {
        record(&self.state, entry).await
    }

    /// Records that the caller's role is below `min` and returns the 403 to answer with (the
    /// audit's own failure if the record could not be written).
    pub(crate) async fn below_role(&self, min: crate::auth::Role) -> ApiError {
        let mut entry = self.entry("denied", "denied");
        entry.detail = serde_json::json!({"method": self.req.method().as_str(), "path": self.req.path()});
        match self.record(entry).await {
            Ok(()) => ApiError::forbidden(min),
            Err(audit) => audit,
        }
    }
}

/// Records `entry` in the audit trail; if the trail cannot take it, the error says so (503) and
/// whatever the record was for must not happen.
pub(crate) async fn record(state: &AppState, entry: Entry) -> Result<(), ApiError> {
    state.audit.record(entry).await.map(|_| ()).map_err(|e| {
        state.metrics.audit_failure();
        tracing::error!(error = %e, "audit write failed; the request is refused");
        ApiError::audit_unavailable()
    })
}

/// Finds who is calling: an API key in `Authorization: Bearer`, or the session cookie. A
/// cookie-authenticated write must carry the session's CSRF token in `X-CSRF-Token`.
async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<Principal, ApiError> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim);
        let Some((id, secret)) = token.and_then(apikey::parse) else {
            return Err(ApiError::unauthenticated_because("the Authorization header is not `Bearer <API key>`"));
        };
        let key = state.store.api_key(id).await?.filter(|k| !k.revoked && apikey::matches(secret, &k.hash));
        let Some(key) = key else {
            return Err(ApiError::unauthenticated_because("the API key is not valid or was revoked"));
        };
        if key.expires_at.is_some_and(|at| at <= now()) {
            return Err(ApiError::unauthenticated_because("the API key has expired; create a new one"));
        }
        let user = state.store.user(&key.user_id).await?.filter(|u| !u.disabled);
        let Some(user) = user else { return Err(ApiError::unauthenticated_because("the key's user is disabled")) };
        return Ok(Principal {
            user_id: user.id,
            username: user.username,
            role: user.role,
            via: Via::ApiKey { id: key.id },
        });
    }
    let Some(cookie) = req.cookie(COOKIE) else { return Err(ApiError::unauthenticated()) };
    let Some(claims) = state.signer.verify(cookie.value()) else {
        return Err(ApiError::unauthenticated_because("the session has expired or is not valid; log in again"));
    };
    let now = now();
    let session = state.store.session(&claims.sid).await?;
    let Some(session) = session.filter(|s| !s.revoked && s.user_id == claims.sub) else {
        return Err(ApiError::unauthenticated_because("the session has ended; log in again"));
    };
    let idle = state.config.sessions.idle_minutes as i64 * 60;
    let absolute = state.config.sessions.absolute_hours as i64 * 3600;
    if now - session.last_seen >= idle {
        return Err(ApiError::unauthenticated_because("the session ended after a period of inactivity; log in again"));
    }
    if now - session.created_at >= absolute {
        return Err(ApiError::unauthenticated_because("the session reached its maximum length; log in again"));
    }
    let user = state.store.user(&session.user_id).await?.filter(|u| !u.disabled);
    let Some(user) = user else { return Err(ApiError::unauthenticated_because("the account is disabled")) };
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let matches: bool = subtle::ConstantTimeEq::ct_eq(sent.as_bytes(), claims.csrf.as_bytes()).into();
        if sent.is_empty() || !matches {
            return Err(ApiError::forbidden_because(
                "csrf_failed",
                "this write needs the session's CSRF token in the X-CSRF-Token header (the sqlgate_csrf cookie holds it)",
            ));
        }
    }
    state.store.touch_session(&session.id, now).await?;
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        role: user.role,
        via: Via::Session { id: session.id, csrf: claims.csrf },
    })
}

/// Records a refused credential (a revoked or unknown API key, an ended session, a failed CSRF
/// check) so the trail shows a leaked key being tried. A request that presented none is not
/// recorded: anonymous noise would drown the trail. The request is refused either way.
async fn refused(req: &HttpRequest, state: &AppState, error: &ApiError) {
    let presented = req.headers().contains_key(header::AUTHORIZATION) || req.cookie(COOKIE).is_some();
    if !presented {
        return;
    }
    let key_id = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .and_then(|t| apikey::parse(t.trim()))
        .map(|(id, _)| id.to_owned());
    let entry = Entry {
        kind: "auth_failed",
        outcome: "denied",
        ip: address::client_ip(req, &state.config.server.trusted_proxies).map(|ip| ip.to_string()),
        code: Some(error.code().to_owned()),
        detail: serde_json::json!({
            "method": req.method().as_str(), "path": req.path(), "reason": error.message(), "api_key_id": key_id,
        }),
        ..Entry::default()
    };
    if let Err(e) = state.audit.record(entry).await {
        state.metrics.audit_failure();
        tracing::error!(error = %e, "audit write failed for a refused credential");
    }
}

/// The per-address rate limit, for every request but the probes.
pub(crate) fn check_address(req: &HttpRequest, state: &AppState) -> Result<(), ApiError> {
    let probe = routes::PROBES.contains(&req.path());
    let client = address::client_ip(req, &state.config.server.trusted_proxies);
    if let (false, Some(client)) = (probe, client) {
        state.limits.check_ip(client).map_err(|w| rate_limited("this address", w))?;
    }
    Ok(())
}

/// Who is calling, for a route that needs a login (an API route or a page): authenticated (a
/// refused credential is recorded) and within the per-user rate limit.
pub(crate) async fn caller(req: &HttpRequest, state: &AppState) -> Result<Principal, ApiError> {
    let principal = match authenticate(req, state).await {
        Ok(principal) => principal,
        Err(e) => {
            refused(req, state, &e).await;
            return Err(e);
        }
    };
    state.limits.check_user(&principal.user_id).map_err(|w| rate_limited("this user", w))?;
    Ok(principal)
}

/// Runs one route: authenticate and authorise per its access rule, then the handler.
async fn dispatch(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    access: Access,
    handler: fn(Ctx) -> Reply,
) -> Result<HttpResponse, ApiError> {
    let started = Instant::now();
    check_address(&req, &state)?;
    let body = read_body(payload, state.config.server.body_limit).await?;
    let principal = match access {
        Access::Public => None,
        Access::Role(min) => {
            let principal = caller(&req, &state).await?;
            if principal.role < min {
                let ctx = Ctx { req, body, state, principal: Some(principal), started };
                return Err(ctx.below_role(min).await);
            }
            Some(principal)
        }
    };
    handler(Ctx { req, body, state, principal, started }).await
}

fn rate_limited(who: &str, wait: crate::limits::Wait) -> ApiError {
    ApiError::too_many(
        "rate_limited",
        format!("too many requests from {who}; retry after {} seconds", wait.0.max(1)),
        wait.0.max(1),
    )
}

/// The request body, refused with a 413 past `limit` bytes (before reading the rest).
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<web::Bytes, ApiError> {
    use futures_util::StreamExt;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::bad_request(format!("the request body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the request body is larger than the server's limit of {limit} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Registers every route of [`ROUTES`].
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut paths: Vec<&str> = ROUTES.iter().map(|r| r.path).collect();
    paths.sort_unstable();
    paths.dedup();
    for path in paths {
        let mut resource = web::resource(path);
        for route in ROUTES.iter().filter(|r| r.path == path) {
            let (access, handler) = (route.access, route.handler);
            resource = resource.route(web::method(route.method.clone()).to(
                move |req: HttpRequest, payload: web::Payload, state: web::Data<AppState>| {
                    dispatch(req, payload, state, access, handler)
                },
            ));
        }
        cfg.service(resource);
    }
}

/// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
pub async fn serve(state: AppState) -> std::io::Result<()> {
    let bind = state.config.server.bind;
    let workers = state.config.server.workers;
    let shutdown = state.config.server.shutdown_timeout;
    let state = web::Data::new(state);
    let retention = state.config.audit.retention_days;
    if retention > 0 {
        let state = state.clone();
        actix_web::rt::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(retention));
                match state.audit.purge_before(&crate::audit::timestamp(cutoff)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(records = n, days = retention, "audit retention purged old records"),
                    Err(e) => tracing::error!(error = %e, "audit retention could not purge"),
                }
            }
        });
    }
    refresh::start(state.clone());
    let mut server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap_fn(|req, srv| {
                let started = Instant::now();
                let id = uuid::Uuid::new_v4().to_string();
                let method = req.method().clone();
                let path = req.path().to_owned();
                let state = req.app_data::<web::Data<AppState>>().cloned();
                let client: Option<IpAddr> =
                    state.as_ref().and_then(|s| address::client_ip(req.request(), &s.config.server.trusted_proxies));
                // The route's pattern, not its path: ids do not become label values.
                let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
                let call = srv.call(req);
                async move {
                    let mut res = call.await?;
                    let status = res.status().as_u16();
                    if let Some(state) = state {
                        state.metrics.request(&route, method.as_str(), status, started.elapsed().as_secs_f64());
                    }
                    // A page or its asset (marked by `web`) gets the pages' policy and keeps the
                    // caching it chose; everything else the API's.
                    let page = res.response().extensions().contains::<crate::web::PageResponse>();
                    let headers = res.headers_mut();
                    let policy: &[(&str, &str)] = if page { &crate::web::PAGE_HEADERS } else { &SECURITY_HEADERS };
                    for (name, value) in policy {
                        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
                    }
                    if !headers.contains_key(header::CACHE_CONTROL) {
                        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                    }
                    if let Ok(value) = HeaderValue::from_str(&id) {
                        headers.insert(HeaderName::from_static("x-request-id"), value);
                    }
                    tracing::info!(
                        request_id = %id, method = %method, path = %path, status,
                        ms = started.elapsed().as_millis() as u64,
                        client = ?client, "request"
                    );
                    Ok(res)
                }
            })
            .configure(configure)
            .configure(crate::web::configure)
            .default_service(web::to(|| async {
                Err::<HttpResponse, _>(ApiError::not_found("no such route; see /api/v1/openapi.json"))
            }))
    })
    .shutdown_timeout(shutdown)
    .bind(bind)?;
    if workers > 0 {
        server = server.workers(workers);
    }
    tracing::info!(%bind, "sqlgate is listening");
    server.run().await
}

/// Headers on every response: no sniffing, no framing, no caching, no referrer, and a policy that
/// lets a JSON response load nothing.
const SECURITY_HEADERS: [(&str, &str); 5] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-store"),
];
