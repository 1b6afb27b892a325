//! The GRC dashboard (Admin): the page (`/dashboard`: dates, risk signals, charts), and its two
//! charts, questions per day and guard rejections by code, drawn on the server as SVG (see
//! [`crate::charts`]) from the same numbers `GET /api/v1/admin/dashboard` answers for the same
//! days, so the page shows them with `<img>` next to a table of those numbers. The charts are
//! pages in the access table, so they carry the pages' headers and refuse every role but Admin
//! like the dashboard itself; each reading is recorded in the audit trail.

use std::collections::BTreeMap;

use actix_web::HttpResponse;
use askama::Template;

use super::pages::{account, html, Account, Layout};
use super::{no_store, redirect, WebError};
use crate::charts;
use crate::http::{read_dashboard, Ctx};

/// The content type of a chart.
pub const SVG: &str = "image/svg+xml";

/// `/dashboard` (its access rule has refused every role but Admin): the days in a form, the rest
/// filled by `dashboard.js` from the API.
#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    account: Account,
}

/// `/dashboard`.
pub async fn dashboard(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let Some(account) = account(&ctx)? else { return Ok(redirect("/login")) };
    let layout = Layout::new("GRC dashboard", &["api.js", "dashboard.js"]);
    html(DashboardPage { layout, account }.render()?)
}

/// `/dashboard/questions.svg?from=…&to=…`: questions and queries per day, a day without as 0.
pub async fn questions_chart(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let dashboard = read_dashboard(&ctx, "dashboard.questions_chart").await?;
    let counts: BTreeMap<time::Date, u64> = dashboard
        .questions_per_day
        .iter()
        .filter_map(|d| Some((time::Date::parse(&d.day, DAY).ok()?, d.count)))
        .collect();
    let (Some(from), Some(to)) = (counts.keys().next().copied(), counts.keys().next_back().copied()) else {
        return svg(charts::bars("Questions per day", &[])?);
    };
    let title = format!("Questions per day, {} to {} (UTC)", dashboard.from, dashboard.to);
    svg(charts::daily(&title, from, to, &counts)?)
}

/// `/dashboard/rejections.svg?from=…&to=…`: guard rejections by code, most first.
pub async fn rejections_chart(ctx: Ctx) -> Result<HttpResponse, WebError> {
    let dashboard = read_dashboard(&ctx, "dashboard.rejections_chart").await?;
    let items: Vec<(String, f64)> =
        dashboard.rejections_by_code.iter().map(|c| (c.code.clone(), c.count as f64)).collect();
    let title = format!("Guard rejections by code, {} to {} (UTC)", dashboard.from, dashboard.to);
    svg(charts::bars(&title, &items)?)
}

const DAY: &[time::format_description::FormatItem<'static>] = time::macros::format_description!("[year]-[month]-[day]");

fn svg(body: String) -> Result<HttpResponse, WebError> {
    Ok(HttpResponse::Ok().insert_header(no_store()).content_type(SVG).body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(username: &str, csrf: &str) -> String {
        let account = Account {
            username: username.into(),
            role: "Admin",
            csrf: csrf.into(),
            sql_link: true,
            audit_link: true,
            admin_link: true,
            dashboard_link: true,
        };
        DashboardPage { layout: Layout::new("GRC dashboard", &["api.js", "dashboard.js"]), account }.render().unwrap()
    }

    #[test]
    fn the_dashboard_labels_its_dates_and_links_itself_for_admins() {
        let html = page("ada", "token");
        for control in ["from", "to"] {
            assert!(html.contains(&format!("<label for=\"{control}\">")), "no label for {control}: {html}");
            assert!(html.contains(&format!("type=\"date\" id=\"{control}\" name=\"{control}\"")), "{html}");
        }
        assert!(html.contains("href=\"/dashboard\" aria-current=\"page\">Dashboard"), "{html}");
        assert!(html.contains(&super::super::assets::url("dashboard.js")), "{html}");
        for id in ["questions-chart", "rejections-chart", "signals-body", "questions-table", "rejections-table"] {
            assert!(html.contains(&format!("id=\"{id}\"")), "no {id}: {html}");
        }
    }

    #[test]
    fn the_dashboard_escapes_values_and_holds_no_inline_code() {
        let html = page("<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>");
        assert!(!html.contains("<script>alert") && !html.contains("<img src=x"), "{html}");
        assert!(!html.contains("<style") && !html.contains(" style="), "{html}");
        assert_eq!(html.matches("<script").count(), html.matches("<script src=\"/assets/").count(), "{html}");
        let plain = page("ada", "token");
        assert!(
            !plain.contains(" on")
                || !plain.split(" on").skip(1).any(|rest| rest
                    .split(['=', ' ', '>'])
                    .next()
                    .is_some_and(|name| !name.is_empty()
                        && name.chars().all(|c| c.is_ascii_alphabetic())
                        && rest[name.len()..].starts_with('='))),
            "inline handler: {plain}"
        );
    }
}
