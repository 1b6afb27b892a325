//! `/account`: one's own second factor and password. The page says whether a second factor is on
//! (read from the store when the page is rendered), starts an enrolment (`POST
//! /api/v1/me/totp/enrol`: the QR code the server renders as SVG, and the secret for typing in),
//! finishes it with a code (`POST /api/v1/me/totp/verify`, which answers with the recovery codes
//! once), and changes the password (`POST /api/v1/me/password`). The secret and the recovery codes
//! live only in the API's answers and the page's DOM; nothing here keeps or logs them.

use actix_web::HttpResponse;
use askama::Template;

use super::pages::{self, html, Account, Layout};
use super::{redirect, WebError};
use crate::http::{ApiError, Ctx};

/// `/account` (every role).
#[derive(Template)]
#[template(path = "account.html")]
pub struct AccountPage {
    layout: Layout,
    account: Account,
    /// Whether logins to this account need a TOTP code now.
    totp_enabled: bool,
}

impl AccountPage {
    fn new(account: Account, totp_enabled: bool) -> Self {
        AccountPage { layout: Layout::new("Account", &["api.js", "account.js"]), account, totp_enabled }
    }
}

/// `/account`.
pub async fn account(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = pages::account(&ctx)? else { return Ok(redirect("/login")) };
    let who = ctx.who().map_err(WebError::Api)?;
    let user = ctx.state.store.user(&who.user_id).await.map_err(ApiError::from)?;
    // The session was checked a moment ago; a user deleted since then has no account to show.
    let Some(user) = user else { return Ok(redirect("/login")) };
    html(AccountPage::new(account, user.totp_enabled).render()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    fn page(username: &str, totp_enabled: bool) -> String {
        let account = Account {
            username: username.into(),
            role: "Member",
            csrf: "token".into(),
            sql_link: false,
            audit_link: false,
            admin_link: false,
            dashboard_link: false,
        };
        AccountPage::new(account, totp_enabled).render().unwrap()
    }

    #[test]
    fn the_page_says_whether_a_second_factor_is_on_and_asks_for_its_code_only_then() {
        let off = page("ann", false);
        assert!(off.contains("data-totp=\"off\"") && !off.contains("id=\"enrol-code\""), "{off}");
        let on = page("ann", true);
        assert!(on.contains("data-totp=\"on\"") && on.contains("<label for=\"enrol-code\">"), "{on}");
    }

    #[test]
    fn every_role_may_open_the_account_page() {
        for role in [Role::Member, Role::Analyst, Role::PowerUser, Role::Admin] {
            assert!(super::super::may_open("/account", role), "{role}");
        }
    }

    #[test]
    fn every_control_has_a_label_and_the_page_has_no_inline_code() {
        let html = page("<script>alert(1)</script>", true);
        for control in
            ["enrol-password", "enrol-code", "verify-code", "current-password", "new-password", "repeat-password"]
        {
            assert!(html.contains(&format!("<label for=\"{control}\">")), "no label for {control}: {html}");
            assert!(html.contains(&format!("id=\"{control}\"")), "no {control}: {html}");
        }
        assert!(html.contains("href=\"/account\" aria-current=\"page\""), "{html}");
        let name = html.split("<span id=\"username\">").nth(1).unwrap().split("</span>").next().unwrap();
        assert!(name.contains("alert(1)") && !name.contains('<') && !name.contains('>'), "{name}");
        assert!(!html.contains("<style") && !html.contains(" style="), "{html}");
        assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{html}");
        assert!(html.contains(&super::super::assets::url("account.js")), "{html}");
    }
}
