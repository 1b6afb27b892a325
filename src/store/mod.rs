//! The metadata store: users, sessions, API keys, connectors (credentials sealed), grants, reports
//! and the audit trail. One trait, two implementations with the same semantics: the embedded one is SQLite
//! encrypted with SQLCipher, the scaled-out one MongoDB. `conformance` is the test suite both pass.

#[cfg(test)]
mod conformance;
mod mongo;
#[cfg(test)]
mod secantusd;
mod sqlcipher;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use mongo::{database_in_url, MongoStore, DEFAULT_DATABASE};
pub use sqlcipher::SqlcipherStore;

use crate::auth::Role;

/// What can go wrong in the store.
#[derive(Clone, Debug, Error)]
pub enum StoreError {
    /// The store could not be opened or reached.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),
    /// A unique name is taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The record does not exist.
    #[error("{0} was not found")]
    NotFound(String),
    /// The store's contents are not what this version of sqlgate can read.
    #[error("the store holds data this version cannot read: {0}")]
    Corrupt(String),
}

/// A person (or CI identity) who can log in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// Stable id (a UUID).
    pub id: String,
    /// Login name, unique.
    pub username: String,
    /// What the user may do.
    pub role: Role,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// A disabled user cannot log in or use API keys.
    pub disabled: bool,
    /// Failed logins since the last success.
    pub failed_logins: u32,
    /// Unix seconds until which logins are refused.
    pub locked_until: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
    /// The TOTP secret, sealed with the master key (the user id as associated data); present
    /// from enrolment on.
    pub totp_secret: Option<String>,
    /// Whether logins need a TOTP code (set once the first code was verified).
    pub totp_enabled: bool,
    /// SHA-256 (hex) of each unused recovery code.
    pub recovery_codes: Vec<String>,
    /// The most this user's questions may spend on LLM calls in a calendar month (UTC), in
    /// cents; `None` is no cap.
    pub monthly_cap_cents: Option<u64>,
    /// The last TOTP time step a login used: a code is accepted once.
    pub totp_last_step: Option<u64>,
    /// A new TOTP secret waiting for its first code (sealed like `totp_secret`): an enrolment
    /// started and not yet verified. The active factor, if any, stays in force until then.
    pub totp_pending: Option<String>,
}

impl User {
    /// A new, enabled user without a second factor.
    pub fn new(username: String, role: Role, password_hash: String) -> Self {
        User {
            id: uuid::Uuid::new_v4().to_string(),
            username,
            role,
            password_hash,
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            created_at: crate::auth::now(),
            totp_secret: None,
            totp_enabled: false,
            recovery_codes: Vec::new(),
            monthly_cap_cents: None,
            totp_last_step: None,
            totp_pending: None,
        }
    }
}

/// What one user spent on LLM calls in one month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Whose.
    pub user_id: String,
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// Cents spent.
    pub cents: u64,
    /// Tokens used (input and output).
    pub tokens: u64,
}

/// One AI memory entry: business knowledge an admin wrote down for the LLM and the offline engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MemoryEntry {
    /// Stable id (a UUID).
    pub id: String,
    /// The connector it applies to; `None` for all.
    pub connector_id: Option<String>,
    /// `definition` (a business term and what it means), `synonym` (a word and the name it
    /// stands for), or `example` (a question and the SQL that answers it).
    pub kind: String,
    /// The term, word or question.
    pub key: String,
    /// The meaning, name or SQL.
    pub value: String,
    /// Who wrote it.
    pub created_by: String,
    /// Unix seconds.
    pub created_at: i64,
}

/// A login session; the cookie's token names it, and revoking it here ends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Random id, carried in the signed token.
    pub id: String,
    /// Whose session.
    pub user_id: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last request (for the idle timeout).
    pub last_seen: i64,
    /// Ended by logout, password change or role change.
    pub revoked: bool,
}

/// An API key: only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    /// Random id (also the key's visible prefix).
    pub id: String,
    /// The user the key acts as.
    pub user_id: String,
    /// A label chosen by its owner.
    pub name: String,
    /// SHA-256 of the key's secret part, hex.
    #[serde(skip)]
    pub hash: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds after which the key stops working.
    pub expires_at: Option<i64>,
    /// Revoked keys stop working at once.
    pub revoked: bool,
}

/// A database sqlgate can query. The URL (which may hold a password) is stored sealed only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectorRecord {
    /// Stable id (a UUID), also the associated data of the sealed URL.
    pub id: String,
    /// Unique name users pick it by.
    pub name: String,
    /// `postgres`, `mysql` or `sqlite`.
    pub engine: String,
    /// `host:port/database` or the SQLite path: what may be shown.
    pub display: String,
    /// The database URL, sealed with the master key (base64).
    pub sealed_url: String,
    /// A production database: every response that touches it says so.
    pub production: bool,
    /// Rows an answer may hold (at most the server's default).
    pub max_rows: u64,
    /// JSON bytes of rows an answer may hold.
    pub max_bytes: usize,
    /// Who writes the SQL for this connector's questions.
    pub llm: ConnectorLlm,
    /// Whether result rows may be sent to the deployment's LLM to write the answer's summary
    /// (only with `llm` = `default` and a deployment that has an LLM).
    pub rows_to_llm: bool,
    /// Unix seconds.
    pub created_at: i64,
}

/// Who answers a connector's questions. New choices may come; each is named in lower case in the
/// API and the store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorLlm {
    /// The deployment's `[llm]` provider (the offline engine when that is `local`).
    #[default]
    Default,
    /// The offline engine only: neither the schema nor questions nor rows leave the machine, even
    /// when the deployment has an LLM.
    Local,
}

impl ConnectorLlm {
    /// The name in the API and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectorLlm::Default => "default",
            ConnectorLlm::Local => "local",
        }
    }
}

/// A connector's `llm` setting that is not one of the known names.
#[derive(Clone, Debug, Error)]
#[error("`llm` must be `default` (the deployment's provider) or `local` (the offline engine only), got `{0}`")]
pub struct UnknownConnectorLlm(pub String);

impl std::str::FromStr for ConnectorLlm {
    type Err = UnknownConnectorLlm;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "default" => Ok(ConnectorLlm::Default),
            "local" => Ok(ConnectorLlm::Local),
            other => Err(UnknownConnectorLlm(other.chars().take(40).collect())),
        }
    }
}

/// A saved query: its SQL re-runs live (through the guard and a read-only session) whenever someone
/// opens it, under the grants of whoever runs it. Its owner may also have it refreshed on a
/// schedule, under the owner's grants; the last refresh's rows are kept with it. Deleting its
/// connector deletes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Stable id (a UUID).
    pub id: String,
    /// A label chosen by its owner.
    pub name: String,
    /// The user who created it.
    pub owner_id: String,
    /// The connector its SQL runs on.
    pub connector_id: String,
    /// The question it answered, when it was saved from an answer.
    pub question: Option<String>,
    /// The SQL, as the guard approved it when it was saved.
    pub sql: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds of the last change (its share list).
    pub updated_at: i64,
    /// The users it is shared with, by id, sorted, without repeats.
    pub shared_with: Vec<String>,
    /// Minutes between scheduled refreshes; `None` when it is not scheduled.
    pub refresh_minutes: Option<u32>,
    /// Unix seconds when the next scheduled refresh is due; `None` when it is not scheduled.
    pub next_refresh_at: Option<i64>,
    /// How its last scheduled refresh went, with the rows it gave.
    pub last_refresh: Option<Refresh>,
}

/// When a report refreshed every `minutes` and claimed at `now` is due next.
pub fn next_refresh(now: i64, minutes: u32) -> i64 {
    now.saturating_add(i64::from(minutes.max(1)) * 60)
}

/// `refresh` as both stores keep it: JSON text.
pub(crate) fn refresh_text(refresh: Option<&Refresh>) -> Result<Option<String>, StoreError> {
    refresh.map(serde_json::to_string).transpose().map_err(|e| StoreError::Corrupt(format!("a report refresh: {e}")))
}

/// One scheduled refresh of a report.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Refresh {
    /// Unix seconds when it ran.
    pub at: i64,
    /// `ok`, `rejected` (the guard refused the SQL), `error` (the database or the store failed),
    /// or `denied` (the owner may no longer run it).
    pub outcome: String,
    /// What went wrong, in words for people; `None` when it went well.
    pub message: Option<String>,
    /// The answer as `POST /api/v1/reports/{id}/run` gives it, less the SQL: columns, rows,
    /// truncation, warnings. `None` unless it went well.
    pub answer: Option<serde_json::Value>,
}

/// One audit record, as stored: the chain fields included.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Position in the chain, from 1, without gaps.
    pub seq: i64,
    /// RFC 3339 UTC time, milliseconds.
    pub at: String,
    /// What happened (`query`, `login`, `login_failed`, `admin`, `audit_read`, …).
    pub kind: String,
    /// `ok`, `rejected`, `error`, `denied`.
    pub outcome: String,
    /// Who (user name), if known.
    pub username: Option<String>,
    /// Their role then.
    pub role: Option<String>,
    /// The connector's name, when one was used.
    pub connector: Option<String>,
    /// The question asked, when there was one.
    pub question: Option<String>,
    /// The SQL as given, or as sent.
    pub sql: Option<String>,
    /// The guard's rejection code, or the error's code.
    pub code: Option<String>,
    /// Tables the SQL read.
    pub tables: Vec<String>,
    /// Rows returned.
    pub row_count: Option<u64>,
    /// Whether the answer was cut.
    pub truncated: Option<bool>,
    /// Milliseconds the request took until the record.
    pub duration_ms: Option<u64>,
    /// Free-form details: an error message, an admin action's before/after (never a secret).
    #[schema(value_type = Value)]
    pub detail: serde_json::Value,
    /// The client's address.
    pub ip: Option<String>,
    /// The previous record's hash (hex), or 64 zeros for the first.
    pub prev_hash: String,
    /// HMAC-SHA256 of this record's content and `prev_hash` (hex).
    pub hash: String,
}

/// Filters for reading the audit trail; every field narrows.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuditFilter {
    /// Text that must appear in the question, SQL, user, connector, code or details.
    pub q: Option<String>,
    /// Records at or after this RFC 3339 time (or date).
    pub from: Option<String>,
    /// Records before this RFC 3339 time (a date means the end of that day).
    pub to: Option<String>,
    /// Only this user.
    pub user: Option<String>,
    /// Only this connector.
    pub connector: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only this outcome.
    pub outcome: Option<String>,
    /// Only records up to this sequence number (an export's snapshot, so later records do not
    /// shift its pages).
    #[serde(skip)]
    pub up_to_seq: Option<i64>,
}

/// A master key rotation, applied all or nothing: every sealed value re-sealed with the new key,
/// and every audit record re-linked and re-hashed with the new key's audit subkey.
#[derive(Clone, Debug, Default)]
pub struct Rotation {
    /// (connector id, sealed URL) pairs.
    pub connectors: Vec<(String, String)>,
    /// (user id, sealed TOTP secret) pairs.
    pub totp: Vec<(String, String)>,
    /// (user id, sealed pending TOTP secret) pairs: enrolments not yet verified.
    pub totp_pending: Vec<(String, String)>,
    /// (seq, prev_hash, hash) of every audit record.
    pub audit: Vec<(i64, String, String)>,
}

/// Everything sqlgate keeps. Implementations must make `append_audits` fail rather than
/// overwrite: `seq` is unique.
#[async_trait]
pub trait Store: Send + Sync {
    /// Whether the store answers (for `/readyz`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Adds a user; the name must be free.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    /// A user by id.
    async fn user(&self, id: &str) -> Result<Option<User>, StoreError>;
    /// A user by login name.
    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError>;
    /// All users, by name.
    async fn users(&self) -> Result<Vec<User>, StoreError>;
    /// Replaces a user's mutable fields (role, hash, disabled, failed logins, lock, TOTP).
    async fn update_user(&self, user: &User) -> Result<(), StoreError>;

    /// Adds a session.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// A session by id.
    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError>;
    /// Records activity on a session.
    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError>;
    /// Revokes one session.
    async fn revoke_session(&self, id: &str) -> Result<(), StoreError>;
    /// Revokes every session of a user; returns how many were live.
    async fn revoke_sessions_of(&self, user_id: &str) -> Result<u64, StoreError>;

    /// Adds an API key.
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;
    /// A key by id.
    async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError>;
    /// A user's keys.
    async fn api_keys_of(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError>;
    /// Revokes a key.
    async fn revoke_api_key(&self, id: &str) -> Result<(), StoreError>;
    /// Revokes every API key of a user; returns how many were not revoked before.
    async fn revoke_api_keys_of(&self, user_id: &str) -> Result<u64, StoreError>;

    /// Adds a connector; the name must be free.
    async fn create_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError>;
    /// A connector by id.
    async fn connector(&self, id: &str) -> Result<Option<ConnectorRecord>, StoreError>;
    /// A connector by name.
    async fn connector_by_name(&self, name: &str) -> Result<Option<ConnectorRecord>, StoreError>;
    /// All connectors, by name.
    async fn connectors(&self) -> Result<Vec<ConnectorRecord>, StoreError>;
    /// Replaces a connector's mutable fields.
    async fn update_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError>;
    /// Deletes a connector with its grants, AI memory entries and reports.
    async fn delete_connector(&self, id: &str) -> Result<(), StoreError>;

    /// Replaces the connectors a user is granted.
    async fn set_grants(&self, user_id: &str, connector_ids: &[String]) -> Result<(), StoreError>;
    /// The connector ids granted to a user.
    async fn grants_of(&self, user_id: &str) -> Result<Vec<String>, StoreError>;

    /// Applies a key rotation at once, or nothing of it. The SQLCipher store is also re-encrypted
    /// with `store_key`; it must then be opened again with that key.
    async fn rotate(&self, rotation: &Rotation, store_key: &zeroize::Zeroizing<[u8; 32]>) -> Result<(), StoreError>;

    /// Adds spending to a user's month (creating the month's row).
    // Written by the ask pipeline's LLM calls (the next issue); read by `/api/v1/admin/spend`.
    #[allow(dead_code)]
    async fn add_usage(&self, user_id: &str, month: &str, cents: u64, tokens: u64) -> Result<(), StoreError>;
    /// Every user's spending in `month`.
    async fn usage(&self, month: &str) -> Result<Vec<Usage>, StoreError>;

    /// Adds a memory entry.
    async fn create_memory(&self, entry: &MemoryEntry) -> Result<(), StoreError>;
    /// Every memory entry, oldest first.
    async fn memory(&self) -> Result<Vec<MemoryEntry>, StoreError>;
    /// Replaces an entry's connector, kind, key and value.
    async fn update_memory(&self, entry: &MemoryEntry) -> Result<(), StoreError>;
    /// Deletes an entry.
    async fn delete_memory(&self, id: &str) -> Result<(), StoreError>;

    /// Adds a report; its owner, its connector and everyone it is shared with must exist.
    async fn create_report(&self, report: &Report) -> Result<(), StoreError>;
    /// A report by id.
    async fn report(&self, id: &str) -> Result<Option<Report>, StoreError>;
    /// The reports a user owns or that are shared with them, oldest first.
    async fn reports_visible_to(&self, user_id: &str) -> Result<Vec<Report>, StoreError>;
    /// Replaces whom a report is shared with (every user must exist), and sets its `updated_at`.
    async fn share_report(&self, id: &str, user_ids: &[String], updated_at: i64) -> Result<(), StoreError>;
    /// Deletes a report.
    async fn delete_report(&self, id: &str) -> Result<(), StoreError>;
    /// Sets (or, with `None`, stops) a report's refresh schedule: every `minutes`, the first due
    /// at `next_at`; sets its `updated_at`.
    async fn schedule_report(&self, id: &str, schedule: Option<(u32, i64)>, updated_at: i64) -> Result<(), StoreError>;
    /// Claims the scheduled report whose refresh has been due longest (due: `next_refresh_at` ≤
    /// `now`), moving its `next_refresh_at` one period past `now` in the same change, so that no
    /// other claim (by this process or another sharing the store) gets it again before then.
    /// `None` when nothing is due.
    async fn claim_due_report(&self, now: i64) -> Result<Option<Report>, StoreError>;
    /// Keeps how a report's refresh went (a report deleted meanwhile is not an error).
    async fn record_refresh(&self, id: &str, refresh: &Refresh) -> Result<(), StoreError>;

    /// The last record of the chain, if any.
    async fn last_audit(&self) -> Result<Option<AuditRecord>, StoreError>;
    /// Appends records in one transaction, all or none; fails if a `seq` is taken.
    async fn append_audits(&self, records: &[AuditRecord]) -> Result<(), StoreError>;
    /// Records matching `filter`, newest first, `offset`/`limit` paged, and how many match.
    async fn audit(&self, filter: &AuditFilter, offset: u64, limit: u64)
        -> Result<(Vec<AuditRecord>, u64), StoreError>;
    /// Deletes every record up to `seq` (retention); returns how many.
    async fn delete_audit_through(&self, seq: i64) -> Result<u64, StoreError>;
    /// Every record from `after_seq` on, oldest first, at most `limit` (for verification and export).
    async fn audit_after(&self, after_seq: i64, limit: u64) -> Result<Vec<AuditRecord>, StoreError>;
}
