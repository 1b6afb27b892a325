//! The one error shape of the API: `{"error":{"code","message"}}` (plus the guard's code for a
//! rejected query), with the status the code implies.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use sqlgate_connectors::ConnectorError;

use crate::auth::Role;
use crate::store::StoreError;

/// An error as the API returns it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = ErrorDetail)]
pub struct ApiError {
    #[serde(skip)]
    status: StatusCode,
    /// A stable machine code (`bad_request`, `sql_rejected`, …).
    code: &'static str,
    /// What was wrong and what to do.
    message: String,
    /// The guard's rejection code, for `sql_rejected`.
    #[serde(skip_serializing_if = "Option::is_none")]
    guard_code: Option<String>,
    #[serde(skip)]
    retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ApiError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), guard_code: None, retry_after: None }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401 without a credential.
    pub fn unauthenticated() -> Self {
        Self::unauthenticated_because("log in (POST /api/v1/login) or send an API key as `Authorization: Bearer <key>`")
    }

    /// 401 with a reason.
    pub fn unauthenticated_because(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 403 for a role below `min`.
    pub fn forbidden(min: Role) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", format!("this needs the {min} role or higher; ask an admin"))
    }

    /// 403 with its own code.
    pub fn forbidden_because(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// 404.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422 `sql_rejected` with the guard's code.
    pub fn rejected(guard_code: &str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "sql_rejected", message);
        e.guard_code = Some(guard_code.to_owned());
        e
    }

    /// 429 with `Retry-After`.
    /// The same error, telling the client when to try again (`Retry-After`).
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn too_many(code: &'static str, message: impl Into<String>, retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::TOO_MANY_REQUESTS, code, message);
        e.retry_after = Some(retry_after);
        e
    }

    /// 503: the audit trail refused the record, so nothing is answered.
    pub fn audit_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "audit_unavailable",
            "the audit trail could not record this request, so it was not answered; try again, and tell an admin if it persists",
        )
    }

    /// The same error with another code.
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    /// The code, for the audit trail.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message, for the audit trail.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Seconds to wait before trying again, for a 429 (and some 503s).
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }
}

/// The body of every error response: `{"error":{"code","message"}}`.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Error)]
pub(super) struct ErrorBody<'a> {
    error: &'a ApiError,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after {
            res.insert_header(("retry-after", seconds.to_string()));
        }
        res.json(ErrorBody { error: self })
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(what) => Self::conflict(format!("{what} already exists; choose another name")),
            StoreError::NotFound(what) => Self::not_found(format!("{what} was not found")),
            other => {
                tracing::error!(error = %other, "store error");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store_unavailable",
                    "the store is unavailable; try again shortly",
                )
            }
        }
    }
}

impl From<ConnectorError> for ApiError {
    fn from(e: ConnectorError) -> Self {
        let status = match e {
            ConnectorError::Timeout(_) => StatusCode::GATEWAY_TIMEOUT,
            ConnectorError::Open(_) | ConnectorError::Tls(_) | ConnectorError::Privileged(_) => StatusCode::BAD_GATEWAY,
            // The database refused this SQL (a missing column, a type error): the request's fault.
            ConnectorError::Database(_) | ConnectorError::NotReadOnly => StatusCode::UNPROCESSABLE_ENTITY,
        };
        Self::new(status, e.code(), e.to_string())
    }
}
