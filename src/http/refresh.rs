//! Scheduled report refreshes. A report's owner (Power User or Admin) may have it re-run every so
//! many minutes; every `reports.refresh_check_secs` the server claims the reports that are due,
//! one at a time, and runs each through the same path as `POST /api/v1/reports/{id}/run`: the
//! guard, a read-only session, the budgets, and an audit record (kind `report`, the owner as its
//! user, `"scheduled": true` in its detail) written before the rows are kept.
//!
//! A refresh runs with the owner's rights as they are at that moment, never as they were when the
//! schedule was set: an owner who was disabled, lowered below Power User, or lost the connector
//! gets no refresh (outcome `denied`), and the schedule stops. The claim moves the report's next
//! refresh on in the store in the same change, so processes that share a store (MongoDB) never run
//! one refresh twice.

use std::time::{Duration, Instant};

use actix_web::web;
use serde_json::{json, Value};

use super::connectors::{failed_from, run_from, user_may_use};
use super::{ApiError, AppState};
use crate::audit::Entry;
use crate::auth::{now, Role};
use crate::store::{Refresh, Report};

/// Most refreshes run in one look; the rest wait for the next (a backlog cannot hold the loop).
const MAX_PER_LOOK: usize = 50;

/// Starts the loop that looks for due refreshes, unless `reports.refresh_check_secs` is 0.
pub(super) fn start(state: web::Data<AppState>) {
    let every = state.config.reports.refresh_check_secs;
    if every == 0 {
        tracing::info!("scheduled report refreshes are off in this process (reports.refresh_check_secs = 0)");
        return;
    }
    actix_web::rt::spawn(async move {
        let mut looks = tokio::time::interval(Duration::from_secs(every));
        looks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            looks.tick().await;
            refresh_due(&state).await;
        }
    });
}

/// Refreshes the reports due now, oldest due first; returns how many ran.
pub(super) async fn refresh_due(state: &AppState) -> usize {
    for done in 0..MAX_PER_LOOK {
        match state.store.claim_due_report(now()).await {
            Ok(Some(report)) => refresh(state, &report).await,
            Ok(None) => return done,
            Err(e) => {
                tracing::error!(error = %e, "scheduled refreshes: the store could not be read; trying again later");
                return done;
            }
        }
    }
    MAX_PER_LOOK
}

/// Runs one claimed report and keeps how it went.
async fn refresh(state: &AppState, report: &Report) {
    let at = now();
    let refresh = match run(state, report).await {
        Ok(answer) => Refresh { at, outcome: "ok".into(), message: None, answer: Some(answer) },
        Err((outcome, error)) => {
            Refresh { at, outcome: outcome.into(), message: Some(error.message().to_owned()), answer: None }
        }
    };
    state.metrics.report_refresh(&refresh.outcome);
    tracing::info!(report = %report.id, outcome = %refresh.outcome, "scheduled report refresh");
    if refresh.outcome == "denied" {
        // The owner may no longer run it: refreshing again would only be refused again.
        if let Err(e) = state.store.schedule_report(&report.id, None, at).await {
            tracing::error!(report = %report.id, error = %e, "a refused report's schedule could not be stopped");
        }
    }
    if let Err(e) = state.store.record_refresh(&report.id, &refresh).await {
        tracing::error!(report = %report.id, error = %e, "a report refresh could not be kept");
    }
}

/// The report's answer as its owner would get it now (without the SQL), or the outcome and the
/// error (already recorded in the audit trail).
async fn run(state: &AppState, report: &Report) -> Result<Value, (&'static str, ApiError)> {
    let started = Instant::now();
    let failed = |error: ApiError| ("error", error);
    let owner = state.store.user(&report.owner_id).await.map_err(|e| failed(e.into()))?;
    let record = state.store.connector(&report.connector_id).await.map_err(|e| failed(e.into()))?;
    let mut entry = Entry {
        kind: "report",
        outcome: "ok",
        username: owner.as_ref().map(|o| o.username.clone()),
        role: owner.as_ref().map(|o| o.role.as_str().to_owned()),
        question: report.question.clone(),
        detail: json!({"report_id": report.id, "report": report.name, "scheduled": true}),
        ..Entry::default()
    };
    let allowed = match (&owner, &record) {
        (Some(owner), Some(record)) if !owner.disabled && owner.role >= Role::PowerUser => {
            user_may_use(state, owner.role, &owner.id, record).await.map_err(failed)?
        }
        _ => false,
    };
    let connector_name = record.as_ref().map(|r| r.name.clone());
    let Some(record) = record.filter(|_| allowed) else {
        entry.connector = connector_name;
        let error = ApiError::forbidden_because(
            "refresh_not_allowed",
            "the report's owner may no longer refresh it on a schedule (disabled, below Power User, or without the \
             connector); its schedule has stopped: the owner can set it again once they may",
        );
        return Err(("denied", failed_from(state, started, entry, "denied", error).await));
    };
    let answer = run_from(state, started, &record, &report.sql, entry).await.map_err(|e| {
        let outcome = if e.code() == "sql_rejected" { "rejected" } else { "error" };
        (outcome, e)
    })?;
    Ok(json!({
        "columns": answer.columns,
        "rows": answer.rows,
        "row_count": answer.row_count,
        "truncated": answer.truncated,
        "answer": answer.answer,
        "warnings": answer.warnings,
    }))
}
