//! Why a page could not be shown, answered as a page: what happened and what to do, never a cause
//! from inside (those go to the log).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;

use super::pages::ErrorPage;
use crate::http::ApiError;

/// A page that could not be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// The API's checks refused it (rate limit, role, the store or the audit trail unavailable):
    /// its status and message, which are written for users.
    #[error("{0}")]
    Api(ApiError),
    /// A template failed to render (a bug: the cause is logged, not shown).
    #[error("a page could not be rendered: {0}")]
    Render(#[from] askama::Error),
    /// A chart could not be drawn (a bug: the cause is logged, not shown).
    #[error("{0}")]
    Chart(#[from] crate::charts::ChartError),
}

impl From<ApiError> for WebError {
    fn from(e: ApiError) -> Self {
        WebError::Api(e)
    }
}

impl WebError {
    /// The error as a page.
    pub fn page(&self) -> HttpResponse {
        let (status, title, message, retry_after) = match self {
            WebError::Api(e) => (e.status_code(), title(e.status_code()), e.message().to_owned(), e.retry_after()),
            WebError::Chart(e) => {
                tracing::error!(error = %e, "a chart could not be drawn");
                let message = "this chart could not be drawn; the table beside it has the same numbers".to_owned();
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", message, None)
            }
            WebError::Render(e) => {
                tracing::error!(error = %e, "a page could not be rendered");
                let message = "this page could not be shown; try again, and tell an admin if it persists".to_owned();
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", message, None)
            }
        };
        let mut response = HttpResponse::build(status);
        response.insert_header(super::no_store());
        if let Some(seconds) = retry_after {
            response.insert_header(("retry-after", seconds.to_string()));
        }
        match (ErrorPage::new(title, &message)).render() {
            Ok(html) => response.content_type("text/html; charset=utf-8").body(html),
            Err(e) => {
                tracing::error!(error = %e, "the error page could not be rendered");
                response.content_type("text/plain; charset=utf-8").body(message)
            }
        }
    }
}

/// A heading for an error status.
fn title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "Not allowed",
        404 => "Not found",
        429 => "Too many requests",
        503 => "sqlgate is unavailable",
        _ => "Something went wrong",
    }
}
