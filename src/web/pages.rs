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
    fn new(title: &'static str, scripts: &[&str]) -> Self {
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

/// `/chat`: ask a granted connector, read the answer cards.
#[derive(Template)]
#[template(path = "chat.html")]
pub struct ChatPage {
    layout: Layout,
    username: String,
    role: &'static str,
    csrf: String,
}

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
    let who = ctx.who().map_err(WebError::Api)?;
    // Pages are opened with a session (see `super::session`): its CSRF token goes into the page
    // for the script's writes.
    let csrf = match &who.via {
        Via::Session { csrf, .. } => csrf.clone(),
        Via::ApiKey { .. } => return Ok(redirect("/login")),
    };
    let page = ChatPage {
        layout: Layout::new("Chat", &["api.js", "chat.js"]),
        username: who.username.clone(),
        role: role_name(who.role),
        csrf,
    };
    html(page.render()?)
}

fn html(body: String) -> Result<HttpResponse, WebError> {
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

    fn chat_page(username: &str, csrf: &str) -> String {
        let page = ChatPage {
            layout: Layout::new("Chat", &["api.js", "chat.js"]),
            username: username.into(),
            role: "Member",
            csrf: csrf.into(),
        };
        page.render().unwrap()
    }

    #[test]
    fn values_are_escaped_in_the_html() {
        let html = chat_page("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>");
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
        for html in [chat_page("ann", "token"), login.unwrap(), error.unwrap()] {
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
