//! The pages themselves: each a template (in `templates/`) and the handler that fills it. Values
//! reach the HTML only through askama, which escapes them; the pages' data (connectors, answers,
//! rows) is fetched by their scripts from the JSON API and put into the page as text.

use actix_web::HttpResponse;
use askama::Template;

use super::{assets, no_store, redirect, WebError};
use crate::auth::{Role, Via};
use crate::http::Ctx;

/// What every page's frame needs.
pub struct Layout {
    /// The page's title (before " · sqlgate").
    pub title: &'static str,
    /// The stylesheet's URL.
    pub css: String,
    /// The icon's URL.
    pub icon: String,
    /// The page's scripts, in order.
    pub scripts: Vec<String>,
}

impl Layout {
    /// The frame of a page titled `title` that runs `scripts` (asset names), in order.
    pub(super) fn new(title: &'static str, scripts: &[&str]) -> Self {
        Layout {
            title,
            css: assets::url("app.css"),
            icon: assets::url("icon.svg"),
            scripts: scripts.iter().map(|s| assets::url(s)).collect(),
        }
    }
}

/// A message shown above the login form.
pub struct Notice {
    /// What happened.
    pub heading: &'static str,
    /// What to do.
    pub text: String,
}

/// `/login`: user name and password, then the second factor when the account has one.
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    layout: Layout,
    notice: Option<Notice>,
}

/// Who is logged in, as the top bar of a page behind the login shows it, and the links it may
/// follow.
pub struct Account {
    /// The user name.
    pub username: String,
    /// The role, as people read it.
    pub role: &'static str,
    /// The session's CSRF token, for the page's writes.
    pub csrf: String,
    /// Whether the user may open SQL live edit (`/sql`): only then is it linked.
    pub sql_link: bool,
    /// Whether the user may open the audit trail (`/audit`): only then is it linked.
    pub audit_link: bool,
    /// Whether the user may open the admin pages (`/admin/…`): only then is "Admin" linked.
    pub admin_link: bool,
    /// Whether the user may open the GRC dashboard (`/dashboard`): only then is it linked.
    pub dashboard_link: bool,
}

/// `/chat`: ask a granted connector, read the answer cards.
#[derive(Template)]
#[template(path = "chat.html")]
pub struct ChatPage {
    layout: Layout,
    account: Account,
}

/// `/sql`: SQL live edit (Power User and up): write SQL with the connector's schema beside it,
/// run it, read the rows or the guard's refusal.
#[derive(Template)]
#[template(path = "sql.html")]
pub struct SqlPage {
    layout: Layout,
    account: Account,
}

/// `/audit` (Admin): search and filter the audit trail, page through it, open a record, export
/// exactly the filtered records as CSV.
#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    layout: Layout,
    account: Account,
    kinds: &'static [&'static str],
}

/// The kinds of audit record the filter offers (the API takes any text).
pub const AUDIT_KINDS: &[&str] = &[
    "ask",
    "query",
    "report",
    "login",
    "login_failed",
    "logout",
    "lockout",
    "denied",
    "admin",
    "apikey_created",
    "apikey_revoked",
    "password_change",
    "totp_enrol",
    "totp_enabled",
    "audit_read",
    "audit_export",
    "audit_purged",
    "auth_failed",
    "report_change",
];

/// A page that could not be shown.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    layout: Layout,
    heading: &'static str,
    message: String,
}

impl ErrorPage {
    /// The error page for `message` (an API message: written for users).
    pub fn new(heading: &'static str, message: &str) -> Self {
        ErrorPage { layout: Layout::new(heading, &[]), heading, message: sentence(message) }
    }
}

/// `/`: the chat (the access rule has sent a visitor without a session to log in).
pub async fn home(_ctx: Ctx) -> Result<HttpResponse, WebError> {
    Ok(redirect("/chat"))
}

#[derive(serde::Deserialize)]
struct LoginQuery {
    notice: Option<String>,
}

/// `/login`, with a notice when the visitor was sent here because a session ended, or logged out.
pub async fn login(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let query = actix_web::web::Query::<LoginQuery>::from_query(ctx.req.query_string()).ok();
    let sessions = &ctx.state.config.sessions;
    // Only known notices, in our words: nothing from the URL reaches the page.
    let notice = match query.and_then(|q| q.into_inner().notice).as_deref() {
        Some("session_ended") => Some(Notice {
            heading: "Your session has ended",
            text: format!(
                "Sessions end after {} minutes without activity, {} hours after logging in, or when your password \
                 or role changes. Log in again to continue.",
                sessions.idle_minutes, sessions.absolute_hours
            ),
        }),
        Some("logged_out") => Some(Notice {
            heading: "You have logged out",
            text: "Your session is closed on the server. Log in again to continue, or close this tab.".to_owned(),
        }),
        _ => None,
    };
    html(LoginPage { layout: Layout::new("Log in", &["api.js", "login.js"]), notice }.render()?)
}

/// `/chat`.
pub async fn chat(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    html(ChatPage { layout: Layout::new("Chat", &["api.js", "results.js", "save.js", "chat.js"]), account }.render()?)
}

/// `/sql` (its access rule has refused lower roles).
pub async fn sql(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    html(
        SqlPage { layout: Layout::new("SQL live edit", &["api.js", "results.js", "save.js", "sql.js"]), account }
            .render()?,
    )
}

/// `/audit` (its access rule has refused every role but Admin).
pub async fn audit(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new("Audit trail", &["api.js", "audit.js"]);
    html(AuditPage { layout, account, kinds: AUDIT_KINDS }.render()?)
}

/// The logged-in caller; `None` for an API key (pages are opened with a session, see
/// `super::session`, whose CSRF token goes into the page for the script's writes).
pub(super) fn account(ctx: &Ctx) -> Result<Option<Account>, WebError> {
    let who = ctx.who().map_err(WebError::Api)?;
    let csrf = match &who.via {
        Via::Session { csrf, .. } => csrf.clone(),
        Via::ApiKey { .. } => return Ok(None),
    };
    Ok(Some(Account {
        username: who.username.clone(),
        role: role_name(who.role),
        csrf,
        sql_link: super::may_open("/sql", who.role),
        audit_link: super::may_open("/audit", who.role),
        admin_link: super::may_open("/admin/users", who.role),
        dashboard_link: super::may_open("/dashboard", who.role),
    }))
}

/// A rendered page, never cached.
pub(super) fn html(body: String) -> Result<HttpResponse, WebError> {
    Ok(HttpResponse::Ok().insert_header(no_store()).content_type("text/html; charset=utf-8").body(body))
}

/// A role as people read it.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Member => "Member",
        Role::Analyst => "Analyst",
        Role::PowerUser => "Power User",
        Role::Admin => "Admin",
    }
}

/// `message` as a sentence: a capital first letter and a full stop.
fn sentence(message: &str) -> String {
    let mut chars = message.trim().chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(username: &str, csrf: &str, sql_link: bool) -> Account {
        Account {
            username: username.into(),
            role: "Member",
            csrf: csrf.into(),
            sql_link,
            audit_link: false,
            admin_link: false,
            dashboard_link: false,
        }
    }

    fn audit_page(username: &str, csrf: &str) -> String {
        let mut account = account(username, csrf, true);
        account.audit_link = true;
        let page =
            AuditPage { layout: Layout::new("Audit trail", &["api.js", "audit.js"]), account, kinds: AUDIT_KINDS };
        page.render().unwrap()
    }

    #[test]
    fn the_audit_trail_is_linked_only_for_those_who_may_open_it() {
        let link = "href=\"/audit\"";
        assert!(!chat_page("ann", "token").contains(link));
        assert!(!sql_page("pat", "token").contains(link));
        let html = audit_page("ada", "token");
        assert!(html.contains(link) && html.contains("aria-current=\"page\">Audit trail"), "{html}");
    }

    #[test]
    fn every_control_of_the_audit_page_has_a_label() {
        let html = audit_page("ada", "token");
        for control in ["q", "from", "to", "user", "connector", "kind", "outcome"] {
            assert!(html.contains(&format!("<label for=\"{control}\">")), "no label for {control}: {html}");
            assert!(html.contains(&format!("id=\"{control}\" name=\"{control}\"")), "no control {control}: {html}");
        }
        for kind in ["ask", "query", "login_failed", "audit_export"] {
            assert!(html.contains(&format!("<option value=\"{kind}\">{kind}</option>")), "{kind}: {html}");
        }
        for id in ["apply", "export", "previous", "next", "detail-close"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "no {id}: {html}");
        }
        assert!(html.contains("type=\"date\" id=\"from\"") && html.contains("type=\"date\" id=\"to\""), "{html}");
        assert!(html.contains(&assets::url("audit.js")), "{html}");
    }

    fn chat_page(username: &str, csrf: &str) -> String {
        let page = ChatPage {
            layout: Layout::new("Chat", &["api.js", "results.js", "save.js", "chat.js"]),
            account: account(username, csrf, false),
        };
        page.render().unwrap()
    }

    fn sql_page(username: &str, csrf: &str) -> String {
        let page = SqlPage {
            layout: Layout::new("SQL live edit", &["api.js", "results.js", "save.js", "sql.js"]),
            account: account(username, csrf, true),
        };
        page.render().unwrap()
    }

    #[test]
    fn the_chat_links_sql_live_edit_only_for_those_who_may_open_it() {
        let link = "href=\"/sql\"";
        assert!(!chat_page("ann", "token").contains(link));
        let page = ChatPage { layout: Layout::new("Chat", &[]), account: account("pat", "token", true) };
        assert!(page.render().unwrap().contains(link));
    }

    #[test]
    fn every_control_of_the_sql_page_has_a_label() {
        let html = sql_page("pat", "token");
        for control in ["connector", "sql", "report-name", "report-users"] {
            assert!(html.contains(&format!("for=\"{control}\"")), "no label for {control}: {html}");
        }
        assert!(html.contains("id=\"run\""), "{html}");
        assert!(html.contains(&assets::url("sql.js")), "{html}");
    }

    #[test]
    fn values_are_escaped_in_the_html() {
        for html in [
            chat_page("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"),
            sql_page("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"),
            audit_page("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>"),
        ] {
            escaped(&html);
        }
    }

    fn escaped(html: &str) {
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{html}");
        let name = html.split("<span id=\"username\">").nth(1).unwrap().split("</span>").next().unwrap();
        assert!(name.contains("alert(1)") && !name.contains('<') && !name.contains('>'), "{name}");
        let meta = html.split("<meta name=\"csrf-token\" content=\"").nth(1).unwrap().split('>').next().unwrap();
        assert_eq!(meta.matches('"').count(), 1, "the attribute was broken out of: {meta}");
    }

    #[test]
    fn pages_hold_no_inline_script_style_or_handler() {
        let login = LoginPage { layout: Layout::new("Log in", &["api.js", "login.js"]), notice: None }.render();
        let error = ErrorPage::new("Not found", "no such page").render();
        let pages = [
            chat_page("ann", "token"),
            sql_page("pat", "token"),
            audit_page("ada", "token"),
            login.unwrap(),
            error.unwrap(),
        ];
        for html in pages {
            assert!(!html.contains("<style") && !html.contains(" style="), "inline style: {html}");
            assert!(!inline_handler(&html), "inline event handler: {html}");
            assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{html}");
        }
        assert!(chat_page("ann", "token").contains(&assets::url("chat.js")));
    }

    /// Whether `html` has an attribute like ` onclick=`.
    fn inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        })
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(sentence("the store is unavailable; try again"), "The store is unavailable; try again.");
        assert_eq!(sentence("Done."), "Done.");
    }
}
