//! The GRC dashboard's charts (Admin): questions per day and guard rejections by code, drawn on
//! the server as SVG (see [`crate::charts`]) from the same numbers `GET /api/v1/admin/dashboard`
//! answers for the same range, so the page can show them with `<img>` next to a table of those
//! numbers. They are pages in the access table, so they carry the pages' headers and refuse every
//! role but Admin like the dashboard itself; each reading is recorded in the audit trail.

use std::collections::BTreeMap;

use actix_web::HttpResponse;

use super::{no_store, WebError};
use crate::charts;
use crate::http::{read_dashboard, Ctx};

/// The content type of a chart.
pub const SVG: &str = "image/svg+xml";

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
