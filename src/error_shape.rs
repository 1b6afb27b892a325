//! The one error shape the CLI prints, as the REST API will: `{"error":{"code","message"}}`,
//! with the guard's rejection code added when the guard refused the SQL.

use serde::Serialize;

/// `{"error": {...}}`.
#[derive(Serialize)]
pub struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    guard_code: Option<&'a str>,
}

impl<'a> ErrorJson<'a> {
    /// An error with a stable code and a message that says what to do.
    pub fn new(code: &'a str, message: &'a str) -> Self {
        ErrorJson { error: ErrorBody { code, message, guard_code: None } }
    }

    /// Adds the guard's rejection code (`function_not_allowed`, …).
    pub fn with_guard_code(mut self, guard_code: &'a str) -> Self {
        self.error.guard_code = Some(guard_code);
        self
    }
}
