//! Exit codes, in one place, as the README and DESIGN.md promise them.

use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// 0: allowed (check) or answered (query).
    Allowed,
    /// 1: rejected by the guard.
    Rejected,
    /// 2: bad command line or input.
    Usage,
    /// 3: the database failed or refused the query.
    Database,
    /// 4: the server could not be reached, or refused the caller (HTTP or auth error).
    Http,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> Self {
        ExitCode::from(match outcome {
            Outcome::Allowed => 0,
            Outcome::Rejected => 1,
            Outcome::Usage => 2,
            Outcome::Database => 3,
            Outcome::Http => 4,
        })
    }
}
