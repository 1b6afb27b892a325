//! `/reports`: the saved reports one owns or that are shared with one. The page lists them, opens
//! one by re-running it live (`POST /api/v1/reports/{id}/run`), and offers sharing and deleting
//! to those the API lets do so. What it may offer is decided here from the caller's role, only to
//! choose which controls to show: the API checks every request again, and a report's SQL reaches
//! the page only inside the API's answers, which never hold it for Members.

use actix_web::HttpResponse;
use askama::Template;

use super::pages::{account, html, Account, Layout};
use super::{redirect, WebError};
use crate::auth::Role;
use crate::http::Ctx;

/// `/reports` (every role).
#[derive(Template)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    layout: Layout,
    account: Account,
    /// Whether the caller may share the reports they own (Power User and up).
    may_share: bool,
    /// Whether the caller may delete the reports they own (Analyst and up; Admins any they see).
    may_delete: bool,
    /// Whether the caller may delete reports of others (Admin).
    deletes_any: bool,
}

impl ReportsPage {
    fn new(account: Account, role: Role) -> Self {
        ReportsPage {
            layout: Layout::new("Reports", &["api.js", "results.js", "reports.js"]),
            account,
            may_share: role >= Role::PowerUser,
            may_delete: role >= Role::Analyst,
            deletes_any: role == Role::Admin,
        }
    }
}

/// `/reports`.
pub async fn reports(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let role = ctx.who().map_err(WebError::Api)?.role;
    html(ReportsPage::new(account, role).render()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(role: Role, username: &str) -> String {
        let account = Account {
            username: username.into(),
            role: "Member",
            csrf: "token".into(),
            sql_link: false,
            audit_link: false,
            admin_link: false,
            dashboard_link: false,
        };
        ReportsPage::new(account, role).render().unwrap()
    }

    #[test]
    fn the_page_offers_sharing_and_deleting_by_role() {
        for (role, share, delete, any) in [
            (Role::Member, "false", "false", "false"),
            (Role::Analyst, "false", "true", "false"),
            (Role::PowerUser, "true", "true", "false"),
            (Role::Admin, "true", "true", "true"),
        ] {
            let html = page(role, "ann");
            let expected =
                format!("data-may-share=\"{share}\" data-may-delete=\"{delete}\" data-deletes-any=\"{any}\"");
            assert!(html.contains(&expected), "{role}: {html}");
        }
    }

    #[test]
    fn every_role_may_open_the_reports() {
        for role in [Role::Member, Role::Analyst, Role::PowerUser, Role::Admin] {
            assert!(super::super::may_open("/reports", role), "{role}");
        }
    }

    #[test]
    fn the_reports_page_is_linked_and_has_no_inline_code() {
        let html = page(Role::Member, "<script>alert(1)</script>");
        assert!(html.contains("href=\"/reports\" aria-current=\"page\">Reports"), "{html}");
        let name = html.split("<span id=\"username\">").nth(1).unwrap().split("</span>").next().unwrap();
        assert!(name.contains("alert(1)") && !name.contains('<') && !name.contains('>'), "{name}");
        assert!(!html.contains("<style") && !html.contains(" style="), "{html}");
        assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{html}");
        assert!(html.contains(&super::super::assets::url("reports.js")), "{html}");
        for id in ["message", "status", "reports-body", "report", "report-result"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "no {id}: {html}");
        }
    }
}
