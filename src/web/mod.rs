//! The web pages: HTML rendered on the server from askama templates (`templates/`, checked when
//! the binary is compiled, every value HTML-escaped), styled and scripted by our own small CSS and
//! JavaScript (`assets/`, embedded in the binary and served at `/assets/…`). The pages' scripts
//! call the same JSON API as every other client, so a page can do nothing the API would not let
//! its user do, and every role check still happens in the API, per request.
//!
//! Every page has one access rule in [`PAGES`], of the same kind as the API's routes: a page that
//! needs a login sends a visitor without a valid session to `/login` (saying so when a session
//! was presented and has ended), and answers a role below its rule with a 403 page, recorded in
//! the audit trail like the API's refusals. Pages carry their own security headers
//! ([`PAGE_HEADERS`]): a Content-Security-Policy that allows no inline script or style, only
//! same-origin scripts, styles, images and requests, and no framing.

mod account;
mod admin;
mod assets;
mod error;
mod grc;
mod pages;
mod reports;

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::session::COOKIE;
use crate::auth::{Principal, Role, Via};
use crate::http::{caller, check_address, Access, AppState, Ctx};
pub use error::WebError;

/// Marks a response as a page or a page's asset, so the server's header layer gives it
/// [`PAGE_HEADERS`] instead of the API's (and keeps the caching the page chose).
pub struct PageResponse;

/// The security headers of every page and asset.
pub const PAGE_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    ),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
];

/// What a page handler returns.
pub type PageReply = Pin<Box<dyn Future<Output = Result<HttpResponse, WebError>>>>;

/// One page.
pub struct Page {
    /// The path.
    pub path: &'static str,
    /// Who may open it; below a login rule, the visitor is sent to `/login`.
    pub access: Access,
    /// Renders it (GET).
    pub handler: fn(Ctx) -> PageReply,
}

const ANY: Access = Access::Role(Role::Member);
const ADMIN: Access = Access::Role(Role::Admin);

/// Every page, with the access it needs.
pub static PAGES: &[Page] = &[
    Page { path: "/", access: ANY, handler: |ctx| Box::pin(pages::home(ctx)) },
    Page { path: "/login", access: Access::Public, handler: |ctx| Box::pin(pages::login(ctx)) },
    Page { path: "/chat", access: ANY, handler: |ctx| Box::pin(pages::chat(ctx)) },
    Page { path: "/sql", access: Access::Role(Role::PowerUser), handler: |ctx| Box::pin(pages::sql(ctx)) },
    Page { path: "/audit", access: Access::Role(Role::Admin), handler: |ctx| Box::pin(pages::audit(ctx)) },
    Page { path: "/reports", access: ANY, handler: |ctx| Box::pin(reports::reports(ctx)) },
    Page { path: "/account", access: ANY, handler: |ctx| Box::pin(account::account(ctx)) },
    Page { path: "/keys", access: ANY, handler: |ctx| Box::pin(admin::keys(ctx)) },
    Page { path: "/admin", access: ADMIN, handler: |ctx| Box::pin(admin::home(ctx)) },
    Page { path: "/admin/users", access: ADMIN, handler: |ctx| Box::pin(admin::users(ctx)) },
    Page { path: "/admin/connectors", access: ADMIN, handler: |ctx| Box::pin(admin::connectors(ctx)) },
    Page { path: "/admin/spend", access: ADMIN, handler: |ctx| Box::pin(admin::spend(ctx)) },
    Page { path: "/admin/memory", access: ADMIN, handler: |ctx| Box::pin(admin::memory(ctx)) },
    Page { path: "/dashboard", access: ADMIN, handler: |ctx| Box::pin(grc::dashboard(ctx)) },
    Page { path: "/dashboard/questions.svg", access: ADMIN, handler: |ctx| Box::pin(grc::questions_chart(ctx)) },
    Page { path: "/dashboard/rejections.svg", access: ADMIN, handler: |ctx| Box::pin(grc::rejections_chart(ctx)) },
];

/// Whether `role` may open the page at `path` (for links: a page's navigation shows only the
/// pages its user may open). An unknown path is never open.
pub fn may_open(path: &str, role: Role) -> bool {
    PAGES.iter().find(|p| p.path == path).is_some_and(|p| match p.access {
        Access::Public => true,
        Access::Role(min) => role >= min,
    })
}

/// Registers every page of [`PAGES`] and the assets.
pub fn configure(cfg: &mut web::ServiceConfig) {
    for page in PAGES {
        cfg.service(
            web::resource(page.path)
                .route(web::get().to(move |req: HttpRequest, state: web::Data<AppState>| serve(req, state, page))),
        );
    }
    cfg.service(web::resource("/assets/{name}").route(web::get().to(assets::serve)));
}

/// Opens one page: the per-address limit, then its access rule, then the handler. Every outcome
/// is a page (or a redirect), never the API's JSON.
async fn serve(req: HttpRequest, state: web::Data<AppState>, page: &'static Page) -> HttpResponse {
    let started = Instant::now();
    let outcome = async {
        check_address(&req, &state)?;
        let ctx =
            |principal| Ctx { req: req.clone(), body: web::Bytes::new(), state: state.clone(), principal, started };
        let principal = match page.access {
            Access::Public => None,
            Access::Role(min) => {
                let Some(principal) = session(&req, &state).await? else {
                    return Ok(to_login(&req));
                };
                if principal.role < min {
                    return Err(WebError::Api(ctx(Some(principal)).below_role(min).await));
                }
                Some(principal)
            }
        };
        (page.handler)(ctx(principal)).await
    }
    .await;
    let mut response = match outcome {
        Ok(response) => response,
        Err(e) => e.page(),
    };
    response.extensions_mut().insert(PageResponse);
    response
}

/// The caller's session: `Ok(None)` when there is none (or it has ended), so the visitor is sent
/// to log in; an error for anything else (the store down, a rate limit). An API key is not a
/// login for pages: their scripts write with the session's CSRF token.
async fn session(req: &HttpRequest, state: &AppState) -> Result<Option<Principal>, WebError> {
    match caller(req, state).await {
        Ok(principal) if matches!(principal.via, Via::Session { .. }) => Ok(Some(principal)),
        Ok(_) => Ok(None),
        Err(e) if e.code() == "unauthenticated" => Ok(None),
        Err(e) => Err(WebError::Api(e)),
    }
}

/// A redirect to the login page, saying that the session ended when one was presented.
fn to_login(req: &HttpRequest) -> HttpResponse {
    let location = if req.cookie(COOKIE).is_some() { "/login?notice=session_ended" } else { "/login" };
    redirect(location)
}

/// `303 See Other` to `location` (a path of ours).
fn redirect(location: &'static str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).insert_header(no_store()).finish()
}

/// Pages show one user's data: never cached.
fn no_store() -> (header::HeaderName, &'static str) {
    (header::CACHE_CONTROL, "no-store")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_but_the_login_needs_a_login() {
        let public: Vec<&str> = PAGES.iter().filter(|p| p.access == Access::Public).map(|p| p.path).collect();
        assert_eq!(public, ["/login"]);
        let mut paths: Vec<&str> = PAGES.iter().map(|p| p.path).collect();
        paths.sort_unstable();
        paths.dedup();
        assert_eq!(paths.len(), PAGES.len(), "a page path is listed twice");
        assert!(PAGES.iter().all(|p| !p.path.starts_with("/api/") && !p.path.starts_with("/assets/")));
    }

    #[test]
    fn sql_live_edit_is_for_power_users_and_admins() {
        for (role, open) in
            [(Role::Member, false), (Role::Analyst, false), (Role::PowerUser, true), (Role::Admin, true)]
        {
            assert_eq!(may_open("/sql", role), open, "{role}");
            assert!(may_open("/chat", role), "{role}");
        }
        assert!(!may_open("/nowhere", Role::Admin));
    }

    #[test]
    fn the_audit_trail_is_for_admins_only() {
        for (role, open) in
            [(Role::Member, false), (Role::Analyst, false), (Role::PowerUser, false), (Role::Admin, true)]
        {
            assert_eq!(may_open("/audit", role), open, "{role}");
        }
    }

    #[test]
    fn the_admin_pages_are_for_admins_only() {
        let admin: Vec<&str> = PAGES.iter().filter(|p| p.path.starts_with("/admin")).map(|p| p.path).collect();
        assert!(admin.len() >= 2, "{admin:?}");
        for path in admin {
            for (role, open) in
                [(Role::Member, false), (Role::Analyst, false), (Role::PowerUser, false), (Role::Admin, true)]
            {
                assert_eq!(may_open(path, role), open, "{path} {role}");
            }
        }
        for (path, _, _) in admin::SECTIONS {
            assert!(PAGES.iter().any(|p| p.path == *path), "{path} is linked but not a page");
        }
    }

    #[test]
    fn the_dashboard_and_its_charts_are_for_admins_only() {
        for path in ["/dashboard", "/dashboard/questions.svg", "/dashboard/rejections.svg"] {
            for (role, open) in
                [(Role::Member, false), (Role::Analyst, false), (Role::PowerUser, false), (Role::Admin, true)]
            {
                assert_eq!(may_open(path, role), open, "{path} {role}");
            }
        }
    }

    #[test]
    fn the_page_policy_allows_no_inline_code_and_no_framing() {
        let csp = PAGE_HEADERS.iter().find(|(name, _)| *name == "content-security-policy").unwrap().1;
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains('*'), "{csp}");
        for directive in ["default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"] {
            assert!(csp.contains(directive), "{csp} lacks {directive}");
        }
    }
}
