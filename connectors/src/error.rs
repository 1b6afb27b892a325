//! What can go wrong on the database side, said so that a person knows what to do.

use thiserror::Error;

/// A connector failure. Messages never carry a credential.
#[derive(Debug, Error)]
pub enum ConnectorError {
    /// The database could not be opened or reached.
    #[error("could not open the database: {0}")]
    Open(String),
    /// The database refused or failed the query.
    #[error("the database reported an error: {0}")]
    Database(String),
    /// The query ran past the time limit and was stopped.
    #[error("the query ran longer than {0} ms and was stopped; narrow it, or ask an admin for a longer timeout")]
    Timeout(u64),
    /// The encrypted connection could not be set up, or the server's certificate was refused.
    #[error("could not set up TLS: {0}")]
    Tls(String),
    /// The credentials can do more than read and the connector is set to refuse them.
    #[error("refused: {0}")]
    Privileged(String),
    /// The session wall refused the statement although the guard allowed it.
    #[error("the database reports that this statement is not read-only; it was not run")]
    NotReadOnly,
}

impl ConnectorError {
    /// The stable code the CLI and the API report this error under.
    pub fn code(&self) -> &'static str {
        match self {
            ConnectorError::Timeout(_) => "timeout",
            ConnectorError::Open(_) | ConnectorError::Tls(_) => "connector_unavailable",
            ConnectorError::Privileged(_) => "connector_refused",
            ConnectorError::Database(_) | ConnectorError::NotReadOnly => "database_error",
        }
    }
}
