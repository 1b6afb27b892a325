//! The admin pages (`/admin/…`: users, connectors, spend, AI memory; Admin only) and the API keys
//! page (`/keys`, everyone logged in). Each is a frame rendered here and a script that reads and
//! writes through the same `/api/v1/admin/…` and `/api/v1/apikeys` endpoints as any other client:
//! the API checks the role again on every request, and no credential or key reaches these
//! templates (a new API key is shown once, by the script, from the API's answer).

use actix_web::HttpResponse;
use askama::Template;

use super::pages::{account, html, Account, Layout};
use super::{redirect, WebError};
use crate::http::Ctx;

/// One admin page, as its sub-navigation links it: path, link text, page title.
pub type Section = (&'static str, &'static str, &'static str);

const USERS: Section = ("/admin/users", "Users", "Admin: users");
const CONNECTORS: Section = ("/admin/connectors", "Connectors", "Admin: connectors");
const SPEND: Section = ("/admin/spend", "Spend", "Admin: spend");
const MEMORY: Section = ("/admin/memory", "AI memory", "Admin: AI memory");

/// The admin pages, in the order of their sub-navigation.
pub static SECTIONS: &[Section] = &[USERS, CONNECTORS, SPEND, MEMORY];

/// `/admin/users`: the users, and creating, changing, disabling, resetting and granting them.
#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    layout: Layout,
    account: Account,
    sections: &'static [Section],
}

/// `/admin/connectors`: the connectors (never their credentials), adding, testing, changing and
/// deleting them.
#[derive(Template)]
#[template(path = "admin_connectors.html")]
pub struct ConnectorsPage {
    layout: Layout,
    account: Account,
    sections: &'static [Section],
}

/// `/admin/spend`: each user's monthly cap and month-to-date spending.
#[derive(Template)]
#[template(path = "admin_spend.html")]
pub struct SpendPage {
    layout: Layout,
    account: Account,
    sections: &'static [Section],
}

/// `/admin/memory`: the AI memory's definitions, synonyms and example questions.
#[derive(Template)]
#[template(path = "admin_memory.html")]
pub struct MemoryPage {
    layout: Layout,
    account: Account,
    sections: &'static [Section],
}

/// `/keys`: one's API keys (never the keys), creating one (shown once) and revoking one.
#[derive(Template)]
#[template(path = "keys.html")]
pub struct KeysPage {
    layout: Layout,
    account: Account,
}

/// The scripts of an admin page whose own script is `script`.
fn scripts(script: &'static str) -> [&'static str; 3] {
    ["api.js", "admin.js", script]
}

/// `/admin`: its first page.
pub async fn home(_ctx: Ctx) -> Result<HttpResponse, WebError> {
    Ok(redirect("/admin/users"))
}

/// `/admin/users` (its access rule has refused every role but Admin).
pub async fn users(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new(USERS.2, &scripts("admin_users.js"));
    html(UsersPage { layout, account, sections: SECTIONS }.render()?)
}

/// `/admin/connectors`.
pub async fn connectors(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new(CONNECTORS.2, &scripts("admin_connectors.js"));
    html(ConnectorsPage { layout, account, sections: SECTIONS }.render()?)
}

/// `/admin/spend`.
pub async fn spend(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new(SPEND.2, &scripts("admin_spend.js"));
    html(SpendPage { layout, account, sections: SECTIONS }.render()?)
}

/// `/admin/memory`.
pub async fn memory(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new(MEMORY.2, &scripts("admin_memory.js"));
    html(MemoryPage { layout, account, sections: SECTIONS }.render()?)
}

/// `/keys` (every role: one's own keys).
pub async fn keys(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    html(KeysPage { layout: Layout::new("API keys", &scripts("keys.js")), account }.render()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(username: &str, csrf: &str) -> Account {
        Account {
            username: username.into(),
            role: "Admin",
            csrf: csrf.into(),
            sql_link: true,
            audit_link: true,
            admin_link: true,
            dashboard_link: true,
        }
    }

    /// Every page of this module, rendered for `username` with `csrf`.
    fn pages(username: &str, csrf: &str) -> Vec<(&'static str, String)> {
        let layout = |section: Section, script| Layout::new(section.2, &scripts(script));
        let account = || account(username, csrf);
        vec![
            (
                "users",
                UsersPage { layout: layout(USERS, "admin_users.js"), account: account(), sections: SECTIONS }.render(),
            ),
            (
                "connectors",
                ConnectorsPage {
                    layout: layout(CONNECTORS, "admin_connectors.js"),
                    account: account(),
                    sections: SECTIONS,
                }
                .render(),
            ),
            (
                "spend",
                SpendPage { layout: layout(SPEND, "admin_spend.js"), account: account(), sections: SECTIONS }.render(),
            ),
            (
                "memory",
                MemoryPage { layout: layout(MEMORY, "admin_memory.js"), account: account(), sections: SECTIONS }
                    .render(),
            ),
            ("keys", KeysPage { layout: Layout::new("API keys", &scripts("keys.js")), account: account() }.render()),
        ]
        .into_iter()
        .map(|(name, html)| (name, html.unwrap()))
        .collect()
    }

    #[test]
    fn pages_hold_no_inline_code_and_escape_values() {
        for (name, html) in pages("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>") {
            assert!(!html.contains("<style") && !html.contains(" style="), "{name}: inline style");
            assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{name}: {html}");
            assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{name}");
            assert!(!html.contains(" onclick=") && !html.contains(" onchange=") && !html.contains(" onsubmit="));
            assert!(html.contains("href=\"/admin/users\"") && html.contains("href=\"/keys\""), "{name}: {html}");
        }
    }

    #[test]
    fn every_control_has_a_label() {
        for (name, html) in pages("ada", "token") {
            for (at, _) in html.match_indices(" id=\"") {
                let tag_start = html[..at].rfind('<').unwrap();
                let tag = &html[tag_start..at];
                if !(tag.starts_with("<input") || tag.starts_with("<select") || tag.starts_with("<textarea")) {
                    continue;
                }
                let id = html[at + 5..].split('"').next().unwrap();
                assert!(html.contains(&format!("<label for=\"{id}\"")), "{name}: no label for {id}");
            }
        }
    }

    #[test]
    fn the_current_section_is_marked() {
        let (_, users) = &pages("ada", "token")[0];
        assert!(users.contains("<a href=\"/admin/users\" aria-current=\"page\">Users</a>"), "{users}");
        assert!(users.contains("<a href=\"/admin/connectors\">Connectors</a>"), "{users}");
        let (_, connectors) = &pages("ada", "token")[1];
        assert!(connectors.contains("<a href=\"/admin/connectors\" aria-current=\"page\">Connectors</a>"));
    }
}
