//! `GET /api/v1/admin/dashboard` (Admin): the GRC dashboard's numbers for a range of days —
//! questions per day, guard rejections by code, and the risk signals, each with a link to its
//! records on the audit page (see [`crate::audit::dashboard`]). Reading it is a read of the audit
//! trail, and is recorded as one (`audit_read`) before anything is read.

use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;

use super::reply::Json;
use super::{ApiError, Ctx};
use crate::audit::dashboard::{self, Dashboard, Range};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
}

pub(super) async fn dashboard(ctx: Ctx) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json::new(read(&ctx, "dashboard").await?))
}

/// The dashboard for the range in the request's query (`from`, `to`: dates; default the last 30
/// days), its reading recorded as an `audit_read` of `what`; a 400 names a bad range.
pub async fn read(ctx: &Ctx, what: &'static str) -> Result<Dashboard, ApiError> {
    let query = actix_web::web::Query::<DashboardQuery>::from_query(ctx.req.query_string())
        .map_err(|e| ApiError::bad_request(format!("dashboard filters: {e}")))?
        .into_inner();
    let today = OffsetDateTime::now_utc().date();
    let range = Range::parse(query.from.as_deref(), query.to.as_deref(), today)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let mut entry = ctx.entry("audit_read", "ok");
    entry.detail = json!({"action": what, "from": range.from.to_string(), "to": range.to.to_string()});
    ctx.record(entry).await?;
    // Read after the record above: the dashboard counts its own reading, and every link ends here.
    let read_at = OffsetDateTime::now_utc();
    let hours = ctx.state.config.audit.hours();
    Ok(dashboard::read(&ctx.state.audit, ctx.state.store.as_ref(), range, hours, read_at).await?)
}
