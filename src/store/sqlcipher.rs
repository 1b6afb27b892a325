//! The embedded store: one SQLite file encrypted with SQLCipher, its key derived from the master
//! key. Schema changes are numbered migrations, applied in order at open and recorded in
//! `PRAGMA user_version`.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Row};
use zeroize::Zeroizing;

use super::{
    next_refresh, refresh_text, ApiKey, AuditFilter, AuditRecord, ConnectorLlm, ConnectorRecord, MemoryEntry, Refresh,
    Report, Rotation, Session, Store, StoreError, Usage, User,
};
use crate::auth::Role;

/// Each entry moves the schema one version up.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, connectors, grants, the audit trail.
    "CREATE TABLE users (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL, failed_logins INTEGER NOT NULL, locked_until INTEGER, created_at INTEGER NOT NULL);
     CREATE TABLE sessions (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), created_at INTEGER NOT NULL,
        last_seen INTEGER NOT NULL, revoked INTEGER NOT NULL);
     CREATE INDEX sessions_user ON sessions(user_id);
     CREATE TABLE api_keys (
        id TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id), name TEXT NOT NULL, hash TEXT NOT NULL,
        created_at INTEGER NOT NULL, expires_at INTEGER, revoked INTEGER NOT NULL);
     CREATE INDEX api_keys_user ON api_keys(user_id);
     CREATE TABLE connectors (
        id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, engine TEXT NOT NULL, display TEXT NOT NULL,
        sealed_url TEXT NOT NULL, production INTEGER NOT NULL, max_rows INTEGER NOT NULL, max_bytes INTEGER NOT NULL,
        created_at INTEGER NOT NULL);
     CREATE TABLE grants (
        user_id TEXT NOT NULL REFERENCES users(id), connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, connector_id));
     CREATE TABLE audit (
        seq INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL, outcome TEXT NOT NULL, username TEXT, role TEXT,
        connector TEXT, question TEXT, sql TEXT, code TEXT, tables TEXT NOT NULL, row_count INTEGER, truncated INTEGER,
        duration_ms INTEGER, detail TEXT NOT NULL, ip TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
     CREATE INDEX audit_at ON audit(at);",
    // 2: TOTP second factor.
    "ALTER TABLE users ADD COLUMN totp_secret TEXT;
     ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE users ADD COLUMN recovery_codes TEXT NOT NULL DEFAULT '[]';",
    // 3: spend caps and usage, AI memory.
    "ALTER TABLE users ADD COLUMN monthly_cap_cents INTEGER;
     CREATE TABLE usage (
        user_id TEXT NOT NULL REFERENCES users(id), month TEXT NOT NULL, cents INTEGER NOT NULL,
        tokens INTEGER NOT NULL, PRIMARY KEY (user_id, month));
     CREATE TABLE memory (
        id TEXT PRIMARY KEY, connector_id TEXT REFERENCES connectors(id) ON DELETE CASCADE, kind TEXT NOT NULL,
        key TEXT NOT NULL, value TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);",
    // 4: TOTP replay protection.
    "ALTER TABLE users ADD COLUMN totp_last_step INTEGER;",
    // 5: a TOTP enrolment waits for its first code apart from the active secret.
    "ALTER TABLE users ADD COLUMN totp_pending TEXT;",
    // 6: who writes a connector's SQL, and whether its rows may go to the LLM for a summary.
    // Existing connectors keep what they had: the deployment's provider, no rows sent.
    "ALTER TABLE connectors ADD COLUMN llm TEXT NOT NULL DEFAULT 'default';
     ALTER TABLE connectors ADD COLUMN rows_to_llm INTEGER NOT NULL DEFAULT 0;",
    // 7: reports, and whom each is shared with. A report goes with its connector.
    "CREATE TABLE reports (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, owner_id TEXT NOT NULL REFERENCES users(id),
        connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, question TEXT, sql TEXT NOT NULL,
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
     CREATE INDEX reports_owner ON reports(owner_id);
     CREATE INDEX reports_connector ON reports(connector_id);
     CREATE TABLE report_shares (
        report_id TEXT NOT NULL REFERENCES reports(id) ON DELETE CASCADE, user_id TEXT NOT NULL REFERENCES users(id),
        PRIMARY KEY (report_id, user_id));
     CREATE INDEX report_shares_user ON report_shares(user_id);",
    // 8: scheduled report refreshes, and what the last one gave (JSON).
    "ALTER TABLE reports ADD COLUMN refresh_minutes INTEGER;
     ALTER TABLE reports ADD COLUMN next_refresh_at INTEGER;
     ALTER TABLE reports ADD COLUMN last_refresh TEXT;
     CREATE INDEX reports_due ON reports(next_refresh_at) WHERE next_refresh_at IS NOT NULL;",
];

/// The SQLCipher store. A single connection behind a mutex: SQLite writes one at a time anyway,
/// and every call runs on the blocking pool.
#[derive(Clone)]
pub struct SqlcipherStore {
    connection: Arc<Mutex<Connection>>,
    path: std::path::PathBuf,
}

impl SqlcipherStore {
    /// Opens (or creates) the store at `path` with a 32-byte key, and migrates it. A wrong key is a
    /// clear error, not garbage.
    pub fn open(path: &Path, key: &Zeroizing<[u8; 32]>) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Unavailable(format!("cannot create the store's directory {}: {e}", dir.display()))
            })?;
        }
        let connection = Connection::open(path)
            .map_err(|e| StoreError::Unavailable(format!("cannot open the store {}: {e}", path.display())))?;
        let hex = hex_key(key);
        // A raw key (x'…') skips SQLCipher's own passphrase derivation: ours is already a key.
        connection
            .execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex.as_str()))
            .map_err(|e| StoreError::Unavailable(format!("cannot key the store: {e}")))?;
        let readable: Result<i64, _> = connection.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0));
        if readable.is_err() {
            return Err(StoreError::Unavailable(format!(
                "cannot read the store {}: it was written with another master key, or is not a sqlgate store",
                path.display()
            )));
        }
        connection
            // Other processes (the CLI beside a serving process) write too: wait for their locks.
            .execute_batch(
                "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;",
            )
            .map_err(|e| StoreError::Unavailable(format!("cannot configure the store: {e}")))?;
        migrate(&connection)?;
        Ok(SqlcipherStore { connection: Arc::new(Mutex::new(connection)), path: path.to_owned() })
    }

    /// Runs `work` on the connection, off the async threads.
    async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let connection = Arc::clone(&self.connection);
        tokio::task::spawn_blocking(move || {
            let mut guard =
                connection.lock().map_err(|_| StoreError::Unavailable("the store's lock is poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("the store worker stopped: {e}")))?
    }
}

/// A store file as an older sqlgate left it: keyed, with only the first `version` migrations
/// applied. Opening it with [`SqlcipherStore::open`] then runs the rest, as an upgrade does.
#[cfg(test)]
pub(super) fn create_at_version(path: &Path, key: &Zeroizing<[u8; 32]>, version: usize) -> Connection {
    let connection = Connection::open(path).expect("create the store file");
    connection.execute_batch(&format!("PRAGMA key = \"x'{}'\";", hex_key(key).as_str())).expect("key it");
    for (i, sql) in MIGRATIONS.iter().enumerate().take(version) {
        connection.execute_batch(&format!("{sql}; PRAGMA user_version = {};", i + 1)).expect("migrate");
    }
    connection
}

fn hex_key(key: &Zeroizing<[u8; 32]>) -> Zeroizing<String> {
    Zeroizing::new(key.iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes a copy of the store encrypted with `key` next to it, applies `rotation` to the copy in
/// one transaction, and only then renames it over the store: a failure at any step leaves the
/// store as it was.
fn rotate_file(c: &Connection, path: &Path, rotation: &Rotation, key: &Zeroizing<[u8; 32]>) -> Result<(), StoreError> {
    let fail = |what: &str, e: &dyn std::fmt::Display| StoreError::Unavailable(format!("key rotation: {what}: {e}"));
    let copy = path.with_extension("db.rotating");
    let _ = std::fs::remove_file(&copy);
    let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(db)?;
    // Out of WAL mode, so no -wal file of the old store is left beside the new one.
    c.query_row("PRAGMA journal_mode = DELETE", [], |_| Ok(()))
        .map_err(|e| fail("leaving WAL mode (is sqlgate serving this store? stop it first)", &e))?;
    let quoted = copy.display().to_string().replace('\'', "''");
    c.execute_batch(&format!(
        "ATTACH DATABASE '{quoted}' AS rotated KEY \"x'{}'\"; SELECT sqlcipher_export('rotated'); \
         PRAGMA rotated.user_version = {version}; DETACH DATABASE rotated;",
        hex_key(key).as_str()
    ))
    .map_err(|e| fail("writing the re-encrypted copy", &e))?;
    let mut new = Connection::open(&copy).map_err(|e| fail("opening the copy", &e))?;
    new.execute_batch(&format!("PRAGMA key = \"x'{}'\"; PRAGMA foreign_keys = ON;", hex_key(key).as_str()))
        .map_err(|e| fail("keying the copy", &e))?;
    let tx = new.transaction().map_err(db)?;
    for (id, sealed) in &rotation.connectors {
        tx.execute("UPDATE connectors SET sealed_url = ?2 WHERE id = ?1", params![id, sealed]).map_err(db)?;
    }
    for (id, sealed) in &rotation.totp {
        tx.execute("UPDATE users SET totp_secret = ?2 WHERE id = ?1", params![id, sealed]).map_err(db)?;
    }
    for (id, sealed) in &rotation.totp_pending {
        tx.execute("UPDATE users SET totp_pending = ?2 WHERE id = ?1", params![id, sealed]).map_err(db)?;
    }
    for (seq, prev, hash) in &rotation.audit {
        tx.execute("UPDATE audit SET prev_hash = ?2, hash = ?3 WHERE seq = ?1", params![seq, prev, hash])
            .map_err(db)?;
    }
    tx.commit().map_err(db)?;
    drop(new);
    std::fs::rename(&copy, path).map_err(|e| fail("replacing the store with the copy", &e))?;
    Ok(())
}

fn insert_audit(c: &Connection, a: &AuditRecord) -> Result<(), StoreError> {
    let tables = serde_json::to_string(&a.tables).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let detail = serde_json::to_string(&a.detail).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    c.execute(
        &format!(
            "INSERT INTO audit ({AUDIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ),
        params![
            a.seq,
            a.at,
            a.kind,
            a.outcome,
            a.username,
            a.role,
            a.connector,
            a.question,
            a.sql,
            a.code,
            tables,
            a.row_count.map(|n| n as i64),
            a.truncated,
            a.duration_ms.map(|n| n as i64),
            detail,
            a.ip,
            a.prev_hash,
            a.hash
        ],
    )
    .map_err(db)?;
    Ok(())
}

fn migrate(connection: &Connection) -> Result<(), StoreError> {
    let version: usize = connection
        .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        .map_err(db)?
        .try_into()
        .map_err(|_| StoreError::Corrupt("negative schema version".into()))?;
    if version > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "schema version {version} is newer than this sqlgate knows ({}); upgrade sqlgate",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        connection
            .execute_batch(&format!("BEGIN; {sql}; PRAGMA user_version = {}; COMMIT;", i + 1))
            .map_err(|e| StoreError::Unavailable(format!("migration {} failed: {e}", i + 1)))?;
    }
    Ok(())
}

/// A report's columns, in the order `report_row` reads them.
const REPORT_COLUMNS: &str =
    "id, name, owner_id, connector_id, question, sql, created_at, updated_at, refresh_minutes, next_refresh_at, \
     last_refresh";

fn report_row(r: &Row<'_>) -> rusqlite::Result<Report> {
    let last_refresh: Option<String> = r.get(10)?;
    let last_refresh = last_refresh
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(10, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(Report {
        id: r.get(0)?,
        name: r.get(1)?,
        owner_id: r.get(2)?,
        connector_id: r.get(3)?,
        question: r.get(4)?,
        sql: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
        shared_with: Vec::new(),
        refresh_minutes: r.get(8)?,
        next_refresh_at: r.get(9)?,
        last_refresh,
    })
}

/// `report` with whom it is shared, read.
fn with_shares(c: &Connection, mut report: Report) -> Result<Report, StoreError> {
    let mut st = c.prepare("SELECT user_id FROM report_shares WHERE report_id = ?1 ORDER BY user_id").map_err(db)?;
    let rows = st.query_map([&report.id], |r| r.get(0)).map_err(db)?;
    report.shared_with = rows.collect::<Result<_, _>>().map_err(db)?;
    Ok(report)
}

/// Shares `report` with each of `users` (each must exist; repeats count once).
fn insert_shares(tx: &rusqlite::Transaction<'_>, report: &str, users: &[String]) -> Result<(), StoreError> {
    for user in users {
        require(tx, "SELECT count(*) FROM users WHERE id = ?1", user, "user")?;
        tx.execute("INSERT OR IGNORE INTO report_shares (report_id, user_id) VALUES (?1, ?2)", params![report, user])
            .map_err(db)?;
    }
    Ok(())
}

/// `NotFound` naming `what` unless `count_sql` counts a row for `id`.
fn require(c: &Connection, count_sql: &str, id: &str, what: &str) -> Result<(), StoreError> {
    let n: i64 = c.query_row(count_sql, [id], |r| r.get(0)).map_err(db)?;
    if n == 0 {
        return Err(StoreError::NotFound(format!("{what} {id}")));
    }
    Ok(())
}

fn db(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, ref message) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::Conflict(message.clone().unwrap_or_else(|| "a record with that key".into()))
        }
        other => StoreError::Unavailable(other.to_string()),
    }
}

fn role(text: String) -> rusqlite::Result<Role> {
    text.parse().map_err(|_| rusqlite::Error::InvalidColumnType(0, "role".into(), rusqlite::types::Type::Text))
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let codes: String = r.get(10)?;
    Ok(User {
        id: r.get(0)?,
        username: r.get(1)?,
        role: role(r.get(2)?)?,
        password_hash: r.get(3)?,
        disabled: r.get(4)?,
        failed_logins: r.get(5)?,
        locked_until: r.get(6)?,
        created_at: r.get(7)?,
        totp_secret: r.get(8)?,
        totp_enabled: r.get(9)?,
        recovery_codes: serde_json::from_str(&codes).map_err(|_| {
            rusqlite::Error::InvalidColumnType(10, "recovery_codes".into(), rusqlite::types::Type::Text)
        })?,
        monthly_cap_cents: r.get::<_, Option<i64>>(11)?.map(|c| c.max(0) as u64),
        totp_last_step: r.get::<_, Option<i64>>(12)?.map(|c| c.max(0) as u64),
        totp_pending: r.get(13)?,
    })
}

const USER_COLUMNS: &str = "id, username, role, password_hash, disabled, failed_logins, locked_until, created_at, \
     totp_secret, totp_enabled, recovery_codes, monthly_cap_cents, totp_last_step, totp_pending";

fn codes_json(codes: &[String]) -> String {
    serde_json::to_string(codes).unwrap_or_else(|_| "[]".into())
}

fn session_row(r: &Row<'_>) -> rusqlite::Result<Session> {
    Ok(Session { id: r.get(0)?, user_id: r.get(1)?, created_at: r.get(2)?, last_seen: r.get(3)?, revoked: r.get(4)? })
}

fn key_row(r: &Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        hash: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked: r.get(6)?,
    })
}

const KEY_COLUMNS: &str = "id, user_id, name, hash, created_at, expires_at, revoked";

fn connector_row(r: &Row<'_>) -> rusqlite::Result<ConnectorRecord> {
    Ok(ConnectorRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        engine: r.get(2)?,
        display: r.get(3)?,
        sealed_url: r.get(4)?,
        production: r.get(5)?,
        max_rows: r.get::<_, i64>(6)?.max(0) as u64,
        max_bytes: r.get::<_, i64>(7)?.max(0) as usize,
        created_at: r.get(8)?,
        llm: r
            .get::<_, String>(9)?
            .parse::<ConnectorLlm>()
            .map_err(|_| rusqlite::Error::InvalidColumnType(9, "llm".into(), rusqlite::types::Type::Text))?,
        rows_to_llm: r.get(10)?,
    })
}

const CONNECTOR_COLUMNS: &str =
    "id, name, engine, display, sealed_url, production, max_rows, max_bytes, created_at, llm, rows_to_llm";

fn audit_row(r: &Row<'_>) -> rusqlite::Result<AuditRecord> {
    let tables: String = r.get(10)?;
    let detail: String = r.get(14)?;
    let bad = |i| rusqlite::Error::InvalidColumnType(i, "json".into(), rusqlite::types::Type::Text);
    Ok(AuditRecord {
        seq: r.get(0)?,
        at: r.get(1)?,
        kind: r.get(2)?,
        outcome: r.get(3)?,
        username: r.get(4)?,
        role: r.get(5)?,
        connector: r.get(6)?,
        question: r.get(7)?,
        sql: r.get(8)?,
        code: r.get(9)?,
        tables: serde_json::from_str(&tables).map_err(|_| bad(10))?,
        row_count: r.get::<_, Option<i64>>(11)?.map(|n| n.max(0) as u64),
        truncated: r.get(12)?,
        duration_ms: r.get::<_, Option<i64>>(13)?.map(|n| n.max(0) as u64),
        detail: serde_json::from_str(&detail).map_err(|_| bad(14))?,
        ip: r.get(15)?,
        prev_hash: r.get(16)?,
        hash: r.get(17)?,
    })
}

const AUDIT_COLUMNS: &str =
    "seq, at, kind, outcome, username, role, connector, question, sql, code, tables, row_count, \
     truncated, duration_ms, detail, ip, prev_hash, hash";

/// `LIKE` pattern for "contains", with the wildcards in the text escaped.
fn contains(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[async_trait]
impl Store for SqlcipherStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|c| c.query_row("SELECT 1", [], |_| Ok(())).map_err(db)).await
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let u = user.clone();
        self.with(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
                ),
                params![
                    u.id,
                    u.username,
                    u.role.as_str(),
                    u.password_hash,
                    u.disabled,
                    u.failed_logins,
                    u.locked_until,
                    u.created_at,
                    u.totp_secret,
                    u.totp_enabled,
                    codes_json(&u.recovery_codes),
                    u.monthly_cap_cents.map(|c| c.min(i64::MAX as u64) as i64),
                    u.totp_last_step.map(|c| c.min(i64::MAX as u64) as i64),
                    u.totp_pending
                ],
            )
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("user `{}`", u.username)),
                other => other,
            })?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"), [id], user_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let name = username.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"), [name], user_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY username")).map_err(db)?;
            let rows = st.query_map([], user_row).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let u = user.clone();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE users SET role = ?2, password_hash = ?3, disabled = ?4, failed_logins = ?5, locked_until = ?6, \
                     totp_secret = ?7, totp_enabled = ?8, recovery_codes = ?9, monthly_cap_cents = ?10, totp_last_step = ?11, \
                     totp_pending = ?12 WHERE id = ?1",
                    params![
                        u.id, u.role.as_str(), u.password_hash, u.disabled, u.failed_logins, u.locked_until, u.totp_secret,
                        u.totp_enabled, codes_json(&u.recovery_codes),
                        u.monthly_cap_cents.map(|c| c.min(i64::MAX as u64) as i64),
                    u.totp_last_step.map(|c| c.min(i64::MAX as u64) as i64),
                    u.totp_pending
                    ],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("user `{}`", u.username)));
            }
            Ok(())
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let s = session.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO sessions (id, user_id, created_at, last_seen, revoked) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![s.id, s.user_id, s.created_at, s.last_seen, s.revoked],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.query_row(
                "SELECT id, user_id, created_at, last_seen, revoked FROM sessions WHERE id = ?1",
                [id],
                session_row,
            )
            .optional()
            .map_err(db)
        })
        .await
    }

    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.execute("UPDATE sessions SET last_seen = max(last_seen, ?2) WHERE id = ?1", params![id, now])
                .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.execute("UPDATE sessions SET revoked = 1 WHERE id = ?1", [id]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn revoke_sessions_of(&self, user_id: &str) -> Result<u64, StoreError> {
        let id = user_id.to_owned();
        self.with(move |c| {
            let n =
                c.execute("UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND revoked = 0", [id]).map_err(db)?;
            Ok(n as u64)
        })
        .await
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let k = key.clone();
        self.with(move |c| {
            c.execute(
                &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                params![k.id, k.user_id, k.name, k.hash, k.created_at, k.expires_at, k.revoked],
            )
            .map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE id = ?1"), [id], key_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn api_keys_of(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError> {
        let id = user_id.to_owned();
        self.with(move |c| {
            let mut st = c
                .prepare(&format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id"))
                .map_err(db)?;
            let rows = st.query_map([id], key_row).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn revoke_api_key(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.execute("UPDATE api_keys SET revoked = 1 WHERE id = ?1", [id]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn revoke_api_keys_of(&self, user_id: &str) -> Result<u64, StoreError> {
        let id = user_id.to_owned();
        self.with(move |c| {
            let n =
                c.execute("UPDATE api_keys SET revoked = 1 WHERE user_id = ?1 AND revoked = 0", [id]).map_err(db)?;
            Ok(n as u64)
        })
        .await
    }

    async fn create_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError> {
        let k = connector.clone();
        self.with(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO connectors ({CONNECTOR_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ),
                params![
                    k.id,
                    k.name,
                    k.engine,
                    k.display,
                    k.sealed_url,
                    k.production,
                    k.max_rows as i64,
                    k.max_bytes as i64,
                    k.created_at,
                    k.llm.as_str(),
                    k.rows_to_llm
                ],
            )
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("connector `{}`", k.name)),
                other => other,
            })?;
            Ok(())
        })
        .await
    }

    async fn connector(&self, id: &str) -> Result<Option<ConnectorRecord>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {CONNECTOR_COLUMNS} FROM connectors WHERE id = ?1"), [id], connector_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn connector_by_name(&self, name: &str) -> Result<Option<ConnectorRecord>, StoreError> {
        let name = name.to_owned();
        self.with(move |c| {
            c.query_row(&format!("SELECT {CONNECTOR_COLUMNS} FROM connectors WHERE name = ?1"), [name], connector_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn connectors(&self) -> Result<Vec<ConnectorRecord>, StoreError> {
        self.with(|c| {
            let mut st = c.prepare(&format!("SELECT {CONNECTOR_COLUMNS} FROM connectors ORDER BY name")).map_err(db)?;
            let rows = st.query_map([], connector_row).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn update_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError> {
        let k = connector.clone();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE connectors SET name = ?2, engine = ?3, display = ?4, sealed_url = ?5, production = ?6, \
                     max_rows = ?7, max_bytes = ?8, llm = ?9, rows_to_llm = ?10 WHERE id = ?1",
                    params![
                        k.id,
                        k.name,
                        k.engine,
                        k.display,
                        k.sealed_url,
                        k.production,
                        k.max_rows as i64,
                        k.max_bytes as i64,
                        k.llm.as_str(),
                        k.rows_to_llm
                    ],
                )
                .map_err(|e| match db(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!("connector `{}`", k.name)),
                    other => other,
                })?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("connector `{}`", k.name)));
            }
            Ok(())
        })
        .await
    }

    async fn delete_connector(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            tx.execute("DELETE FROM grants WHERE connector_id = ?1", [&id]).map_err(db)?;
            tx.execute(
                "DELETE FROM report_shares WHERE report_id IN (SELECT id FROM reports WHERE connector_id = ?1)",
                [&id],
            )
            .map_err(db)?;
            tx.execute("DELETE FROM reports WHERE connector_id = ?1", [&id]).map_err(db)?;
            let n = tx.execute("DELETE FROM connectors WHERE id = ?1", [&id]).map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("connector {id}")));
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn set_grants(&self, user_id: &str, connector_ids: &[String]) -> Result<(), StoreError> {
        let user = user_id.to_owned();
        let ids = connector_ids.to_vec();
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            tx.execute("DELETE FROM grants WHERE user_id = ?1", [&user]).map_err(db)?;
            for id in &ids {
                tx.execute("INSERT OR IGNORE INTO grants (user_id, connector_id) VALUES (?1, ?2)", params![user, id])
                    .map_err(|e| match db(e) {
                    StoreError::Conflict(_) => StoreError::NotFound(format!("connector {id}")),
                    other => other,
                })?;
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn grants_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let user = user_id.to_owned();
        self.with(move |c| {
            let mut st =
                c.prepare("SELECT connector_id FROM grants WHERE user_id = ?1 ORDER BY connector_id").map_err(db)?;
            let rows = st.query_map([user], |r| r.get(0)).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn rotate(&self, rotation: &Rotation, store_key: &Zeroizing<[u8; 32]>) -> Result<(), StoreError> {
        let (rotation, key, path) = (rotation.clone(), store_key.clone(), self.path.clone());
        self.with(move |c| rotate_file(c, &path, &rotation, &key)).await
    }

    async fn add_usage(&self, user_id: &str, month: &str, cents: u64, tokens: u64) -> Result<(), StoreError> {
        let (user, month) = (user_id.to_owned(), month.to_owned());
        let (cents, tokens) = (cents.min(i64::MAX as u64) as i64, tokens.min(i64::MAX as u64) as i64);
        self.with(move |c| {
            c.execute(
                "INSERT INTO usage (user_id, month, cents, tokens) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (user_id, month) DO UPDATE SET cents = cents + excluded.cents, tokens = tokens + excluded.tokens",
                params![user, month, cents, tokens],
            )
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::NotFound(format!("user {user}")),
                other => other,
            })?;
            Ok(())
        })
        .await
    }

    async fn usage(&self, month: &str) -> Result<Vec<Usage>, StoreError> {
        let month = month.to_owned();
        self.with(move |c| {
            let mut st = c
                .prepare("SELECT user_id, month, cents, tokens FROM usage WHERE month = ?1 ORDER BY user_id")
                .map_err(db)?;
            let rows = st
                .query_map([month], |r| {
                    Ok(Usage {
                        user_id: r.get(0)?,
                        month: r.get(1)?,
                        cents: r.get::<_, i64>(2)?.max(0) as u64,
                        tokens: r.get::<_, i64>(3)?.max(0) as u64,
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn create_memory(&self, entry: &MemoryEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.with(move |c| {
            c.execute(
                "INSERT INTO memory (id, connector_id, kind, key, value, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![e.id, e.connector_id, e.kind, e.key, e.value, e.created_by, e.created_at],
            )
            .map_err(|err| match db(err) {
                StoreError::Conflict(_) => StoreError::NotFound(format!("connector {}", e.connector_id.clone().unwrap_or_default())),
                other => other,
            })?;
            Ok(())
        })
        .await
    }

    async fn memory(&self) -> Result<Vec<MemoryEntry>, StoreError> {
        self.with(|c| {
            let mut st = c
                .prepare("SELECT id, connector_id, kind, key, value, created_by, created_at FROM memory ORDER BY created_at, id")
                .map_err(db)?;
            let rows = st
                .query_map([], |r| {
                    Ok(MemoryEntry {
                        id: r.get(0)?,
                        connector_id: r.get(1)?,
                        kind: r.get(2)?,
                        key: r.get(3)?,
                        value: r.get(4)?,
                        created_by: r.get(5)?,
                        created_at: r.get(6)?,
                    })
                })
                .map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }

    async fn update_memory(&self, entry: &MemoryEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE memory SET connector_id = ?2, kind = ?3, key = ?4, value = ?5 WHERE id = ?1",
                    params![e.id, e.connector_id, e.kind, e.key, e.value],
                )
                .map_err(|err| match db(err) {
                    StoreError::Conflict(_) => {
                        StoreError::NotFound(format!("connector {}", e.connector_id.clone().unwrap_or_default()))
                    }
                    other => other,
                })?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("memory entry {}", e.id)));
            }
            Ok(())
        })
        .await
    }

    async fn delete_memory(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let n = c.execute("DELETE FROM memory WHERE id = ?1", [&id]).map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("memory entry {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn create_report(&self, report: &Report) -> Result<(), StoreError> {
        let r = report.clone();
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            require(&tx, "SELECT count(*) FROM users WHERE id = ?1", &r.owner_id, "user")?;
            require(&tx, "SELECT count(*) FROM connectors WHERE id = ?1", &r.connector_id, "connector")?;
            let last_refresh = refresh_text(r.last_refresh.as_ref())?;
            tx.execute(
                &format!(
                    "INSERT INTO reports ({REPORT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
                ),
                params![
                    r.id,
                    r.name,
                    r.owner_id,
                    r.connector_id,
                    r.question,
                    r.sql,
                    r.created_at,
                    r.updated_at,
                    r.refresh_minutes,
                    r.next_refresh_at,
                    last_refresh
                ],
            )
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!("report {}", r.id)),
                other => other,
            })?;
            insert_shares(&tx, &r.id, &r.shared_with)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn report(&self, id: &str) -> Result<Option<Report>, StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?1");
            let report = c.query_row(&sql, [&id], report_row).optional().map_err(db)?;
            report.map(|r| with_shares(c, r)).transpose()
        })
        .await
    }

    async fn reports_visible_to(&self, user_id: &str) -> Result<Vec<Report>, StoreError> {
        let user = user_id.to_owned();
        self.with(move |c| {
            let reports: Vec<Report> = {
                let mut st = c
                    .prepare(&format!(
                        "SELECT {REPORT_COLUMNS} FROM reports
                         WHERE owner_id = ?1 OR id IN (SELECT report_id FROM report_shares WHERE user_id = ?1)
                         ORDER BY created_at, id"
                    ))
                    .map_err(db)?;
                let rows = st.query_map([&user], report_row).map_err(db)?;
                rows.collect::<Result<_, _>>().map_err(db)?
            };
            reports.into_iter().map(|r| with_shares(c, r)).collect()
        })
        .await
    }

    async fn share_report(&self, id: &str, user_ids: &[String], updated_at: i64) -> Result<(), StoreError> {
        let (id, users) = (id.to_owned(), user_ids.to_vec());
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            let n =
                tx.execute("UPDATE reports SET updated_at = ?2 WHERE id = ?1", params![id, updated_at]).map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("report {id}")));
            }
            tx.execute("DELETE FROM report_shares WHERE report_id = ?1", [&id]).map_err(db)?;
            insert_shares(&tx, &id, &users)?;
            tx.commit().map_err(db)
        })
        .await
    }

    async fn delete_report(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            tx.execute("DELETE FROM report_shares WHERE report_id = ?1", [&id]).map_err(db)?;
            let n = tx.execute("DELETE FROM reports WHERE id = ?1", [&id]).map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("report {id}")));
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn schedule_report(&self, id: &str, schedule: Option<(u32, i64)>, updated_at: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        let (minutes, next_at) = schedule.unzip();
        self.with(move |c| {
            let n = c
                .execute(
                    "UPDATE reports SET refresh_minutes = ?2, next_refresh_at = ?3, updated_at = ?4 WHERE id = ?1",
                    params![id, minutes, next_at, updated_at],
                )
                .map_err(db)?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("report {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn claim_due_report(&self, now: i64) -> Result<Option<Report>, StoreError> {
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            let due = format!(
                "SELECT {REPORT_COLUMNS} FROM reports
                 WHERE next_refresh_at IS NOT NULL AND next_refresh_at <= ?1 AND refresh_minutes IS NOT NULL
                 ORDER BY next_refresh_at, id LIMIT 1"
            );
            let Some(mut report) = tx.query_row(&due, [now], report_row).optional().map_err(db)? else {
                return Ok(None);
            };
            let next = next_refresh(now, report.refresh_minutes.unwrap_or(1));
            tx.execute("UPDATE reports SET next_refresh_at = ?2 WHERE id = ?1", params![report.id, next])
                .map_err(db)?;
            report.next_refresh_at = Some(next);
            let report = with_shares(&tx, report)?;
            tx.commit().map_err(db)?;
            Ok(Some(report))
        })
        .await
    }

    async fn record_refresh(&self, id: &str, refresh: &Refresh) -> Result<(), StoreError> {
        let id = id.to_owned();
        let text = refresh_text(Some(refresh))?;
        self.with(move |c| {
            c.execute("UPDATE reports SET last_refresh = ?2 WHERE id = ?1", params![id, text]).map_err(db)?;
            Ok(())
        })
        .await
    }

    async fn last_audit(&self) -> Result<Option<AuditRecord>, StoreError> {
        self.with(|c| {
            c.query_row(&format!("SELECT {AUDIT_COLUMNS} FROM audit ORDER BY seq DESC LIMIT 1"), [], audit_row)
                .optional()
                .map_err(db)
        })
        .await
    }

    async fn append_audits(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let records = records.to_vec();
        self.with(move |c| {
            let tx = c.transaction().map_err(db)?;
            for a in &records {
                insert_audit(&tx, a)?;
            }
            tx.commit().map_err(db)
        })
        .await
    }

    async fn audit(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        let f = filter.clone();
        self.with(move |c| {
            let mut clauses: Vec<&str> = Vec::new();
            let mut values: Vec<String> = Vec::new();
            let mut add = |clause: &'static str, value: Option<String>| {
                if let Some(v) = value {
                    clauses.push(clause);
                    values.push(v);
                }
            };
            add(
                "(question LIKE ?#{n} ESCAPE '\\' OR sql LIKE ?#{n} ESCAPE '\\' OR username LIKE ?#{n} ESCAPE '\\' \
                 OR connector LIKE ?#{n} ESCAPE '\\' OR code LIKE ?#{n} ESCAPE '\\' OR kind LIKE ?#{n} ESCAPE '\\' \
                 OR detail LIKE ?#{n} ESCAPE '\\')",
                f.q.as_deref().filter(|q| !q.is_empty()).map(contains),
            );
            add("at >= ?#{n}", f.from);
            add("at < ?#{n}", f.to);
            add("username = ?#{n}", f.user);
            add("connector = ?#{n}", f.connector);
            add("kind = ?#{n}", f.kind);
            add("outcome = ?#{n}", f.outcome);
            add("seq <= ?#{n}", f.up_to_seq.map(|n| n.to_string()));
            let mut sql_where = String::new();
            for (i, clause) in clauses.iter().enumerate() {
                sql_where.push_str(if i == 0 { " WHERE " } else { " AND " });
                sql_where.push_str(&clause.replace("#{n}", &(i + 1).to_string()));
            }
            let params = rusqlite::params_from_iter(values.iter());
            let total: i64 = c
                .query_row(&format!("SELECT count(*) FROM audit{sql_where}"), params.clone(), |r| r.get(0))
                .map_err(db)?;
            let mut st = c
                .prepare(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit{sql_where} ORDER BY seq DESC LIMIT {} OFFSET {}",
                    limit.min(i64::MAX as u64),
                    offset.min(i64::MAX as u64)
                ))
                .map_err(db)?;
            let rows = st.query_map(params, audit_row).map_err(db)?;
            let rows: Vec<AuditRecord> = rows.collect::<Result<_, _>>().map_err(db)?;
            Ok((rows, total.max(0) as u64))
        })
        .await
    }

    async fn delete_audit_through(&self, seq: i64) -> Result<u64, StoreError> {
        self.with(move |c| c.execute("DELETE FROM audit WHERE seq <= ?1", [seq]).map(|n| n as u64).map_err(db)).await
    }

    async fn audit_after(&self, after_seq: i64, limit: u64) -> Result<Vec<AuditRecord>, StoreError> {
        self.with(move |c| {
            let mut st = c
                .prepare(&format!(
                    "SELECT {AUDIT_COLUMNS} FROM audit WHERE seq > ?1 ORDER BY seq LIMIT {}",
                    limit.min(i64::MAX as u64)
                ))
                .map_err(db)?;
            let rows = st.query_map([after_seq], audit_row).map_err(db)?;
            rows.collect::<Result<_, _>>().map_err(db)
        })
        .await
    }
}
