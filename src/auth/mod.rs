//! Who is asking, and what they may do: roles, passwords, sessions and API keys.

pub mod apikey;
pub mod password;
pub mod session;
pub mod totp;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The four roles, from most to least powerful. Each includes what the ones below it may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Ask on assigned connectors; sees answers, never SQL.
    Member,
    /// Ask on assigned connectors; sees the generated SQL; saves answers.
    Analyst,
    /// Ask across all connectors; SQL live edit; reports.
    PowerUser,
    /// Everything, plus connectors, users, audit, AI memory and spend limits.
    Admin,
}

impl Role {
    /// The name used in the API, the store and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Analyst => "analyst",
            Role::PowerUser => "power_user",
            Role::Admin => "admin",
        }
    }

    /// Whether this role may use every connector without a grant.
    pub fn sees_all_connectors(self) -> bool {
        self >= Role::PowerUser
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role name that is not one of the four.
#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}`: use member, analyst, power_user or admin")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace(['-', ' '], "_").as_str() {
            "member" => Ok(Role::Member),
            "analyst" => Ok(Role::Analyst),
            "power_user" | "poweruser" => Ok(Role::PowerUser),
            "admin" => Ok(Role::Admin),
            _ => Err(UnknownRole(s.to_owned())),
        }
    }
}

/// The caller of one request, established by the session cookie or an API key.
#[derive(Clone, Debug)]
pub struct Principal {
    /// The user's id.
    pub user_id: String,
    /// The user's name.
    pub username: String,
    /// The user's role now (read from the store on every request).
    pub role: Role,
    /// How the request authenticated.
    pub via: Via,
}

/// How a request authenticated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// The session cookie; writes need the CSRF token.
    Session {
        /// The session's id.
        id: String,
        /// The CSRF token bound to the session.
        csrf: String,
    },
    /// An API key (`Authorization: Bearer`); no CSRF, since browsers never send it on their own.
    ApiKey {
        /// The key's id.
        id: String,
    },
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// `n` random bytes from the OS, as URL-safe base64 without padding.
pub fn random_token(n: usize) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
