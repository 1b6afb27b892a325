//! The scaled-out store: MongoDB (a replica set, so that multi-document transactions exist), for
//! several sqlgate replicas behind a load balancer. It keeps exactly the semantics of the
//! SQLCipher store; `conformance.rs` runs one suite against both.
//!
//! Layout: collections `users`, `sessions`, `api_keys`, `connectors` (each record's id as a string
//! `_id`), `grants` (one document per user and connector) and `audit` (one document per record,
//! `detail` kept as its JSON text so that it reads back byte for byte: the chain's HMAC covers it,
//! and BSON would neither keep `arbitrary_precision` numbers nor their exact text). Unique indexes
//! on `users.username`, `connectors.name`, `audit.seq` and `grants (user_id, connector_id)` make a
//! duplicate a [`StoreError::Conflict`], as SQLite's constraints do.
//!
//! MongoDB has no foreign keys. Where SQLite refuses a row whose user or connector does not exist,
//! this store checks first (users are never deleted, so that check cannot go stale). Setting grants
//! and deleting a connector are transactions; `set_grants` also writes a counter (`grant_writes`)
//! on every connector it grants, so that a concurrent `delete_connector` of one of them collides
//! with it (a write conflict, retried) instead of leaving a grant to a connector that is gone.
//!
//! The store runs its work on its own small runtime: the driver's connection pool lives there, so
//! the store behaves the same whether it is called from actix's per-worker runtimes, from a CLI
//! command's runtime or from a test's.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::future::Future;

use async_trait::async_trait;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, TryStreamExt};
use mongodb::bson::{doc, Bson, Document};
use mongodb::error::{ErrorKind, WriteFailure, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT};
use mongodb::options::{ClientOptions, ConnectionString, IndexOptions, ReadConcern};
use mongodb::{Client, ClientSession, Collection, Database, IndexModel};
use serde::{Deserialize, Serialize};
use tokio::runtime::{Handle, Runtime};

use super::{ApiKey, AuditFilter, AuditRecord, ConnectorLlm, ConnectorRecord, Session, Store, StoreError, User};
use crate::auth::Role;

/// The database used when the URL names none.
pub const DEFAULT_DATABASE: &str = "sqlgate";

/// MongoDB's code for a unique index violation.
const DUPLICATE_KEY: i32 = 11000;

/// How often a transaction is tried when the server says a retry may succeed (a write conflict
/// with a concurrent transaction, an election).
const TRANSACTION_ATTEMPTS: u32 = 10;

/// The audit fields `q` searches, as the SQLCipher store's `LIKE` does.
const SEARCHED: &[&str] = &["question", "sql", "username", "connector", "code", "kind", "detail"];

/// The MongoDB store.
pub struct MongoStore {
    db: Database,
    handle: Handle,
    /// Declared last: dropped after `db`, so the driver's tasks outlive the client they serve.
    _runtime: StoreRuntime,
}

/// The store's runtime. Dropping a runtime waits for its tasks, which would panic inside another
/// runtime (a test, a CLI command); this one is let go in the background instead.
struct StoreRuntime(Option<Runtime>);

impl Drop for StoreRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl MongoStore {
    /// Connects to `url` (a `mongodb://` URL; its password never appears in an error), checks that
    /// the server runs as a replica set (or behind mongos), and creates the indexes in `database`.
    /// Blocks until connected (the driver waits up to its server selection timeout, 30 s unless
    /// the URL sets `serverSelectionTimeoutMS`); the work itself runs on the store's own runtime, so
    /// this may be called from inside another runtime.
    pub fn connect(url: &str, database: &str) -> Result<Self, StoreError> {
        let password = Password::of(url);
        let connection = ConnectionString::parse(url).map_err(|e| {
            StoreError::Unavailable(format!(
                "store.url is not a usable MongoDB URL: {}",
                password.redact(&e.kind.to_string())
            ))
        })?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("sqlgate-store")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Unavailable(format!("cannot start the store's runtime: {e}")))?;
        let runtime = StoreRuntime(Some(runtime));
        let handle = runtime.0.as_ref().map(|r| r.handle().clone()).ok_or_else(stopped)?;
        let name = database.to_owned();
        let (sender, receiver) = std::sync::mpsc::channel();
        handle.spawn(async move {
            let _ = sender.send(prepare(connection, &name).await);
        });
        let db = receiver.recv().map_err(|_| stopped())?.map_err(|e| match e {
            StoreError::Unavailable(message) => StoreError::Unavailable(password.redact(&message)),
            other => other,
        })?;
        Ok(MongoStore { db, handle, _runtime: runtime })
    }

    /// Drops the whole database (tests clean up after themselves with it).
    #[cfg(test)]
    pub(crate) async fn drop_database(&self) -> Result<(), StoreError> {
        self.run(|db| async move { db.drop().await.map_err(db_error) }).await
    }

    /// Writes `document` into `collection` as it is, as an older sqlgate (or another writer)
    /// may have left it.
    #[cfg(test)]
    pub(crate) async fn insert_raw(&self, collection: &str, document: Document) -> Result<(), StoreError> {
        let collection = collection.to_owned();
        self.run(|db| async move {
            db.collection::<Document>(&collection).insert_one(document).await.map_err(db_error)?;
            Ok(())
        })
        .await
    }

    /// Runs `work` on the store's runtime.
    async fn run<T, F>(&self, work: impl FnOnce(Database) -> F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: Future<Output = Result<T, StoreError>> + Send + 'static,
    {
        self.handle
            .spawn(work(self.db.clone()))
            .await
            .map_err(|e| StoreError::Unavailable(format!("the store's worker stopped: {e}")))?
    }
}

/// The database named by a `mongodb://` URL's path, if any (as the driver reads it, decoded).
pub fn database_in_url(url: &str) -> Result<Option<String>, StoreError> {
    ConnectionString::parse(url).map(|c| c.default_database).map_err(|e| {
        StoreError::Unavailable(format!(
            "store.url is not a usable MongoDB URL: {}",
            Password::of(url).redact(&e.kind.to_string())
        ))
    })
}

fn stopped() -> StoreError {
    StoreError::Unavailable("the store's runtime stopped".into())
}

/// Connects, checks the topology and creates the indexes.
async fn prepare(connection: ConnectionString, database: &str) -> Result<Database, StoreError> {
    let mut options = ClientOptions::parse(connection).await.map_err(db_error)?;
    options.app_name = Some("sqlgate".into());
    let client = Client::with_options(options).map_err(db_error)?;
    let db = client.database(database);
    let hello = db.run_command(doc! { "hello": 1 }).await.map_err(db_error)?;
    let replicated = hello.contains_key("setName") || hello.get_str("msg").is_ok_and(|m| m == "isdbgrid");
    if !replicated {
        return Err(StoreError::Unavailable(
            "the MongoDB server is a standalone server; the store needs transactions, which MongoDB offers only on \
             a replica set or through mongos (a one-node replica set is enough: start mongod with --replSet rs0 \
             and run rs.initiate() once)"
                .into(),
        ));
    }
    let unique = || IndexOptions::builder().unique(true).build();
    let index = |keys: Document, unique_keys: bool| {
        let model = IndexModel::builder().keys(keys);
        if unique_keys {
            model.options(unique()).build()
        } else {
            model.build()
        }
    };
    let indexes: [(&str, Vec<IndexModel>); 9] = [
        (
            "reports",
            vec![
                index(doc! { "owner_id": 1, "created_at": 1 }, false),
                index(doc! { "shared_with": 1 }, false),
                index(doc! { "connector_id": 1 }, false),
                index(doc! { "next_refresh_at": 1 }, false),
            ],
        ),
        ("usage", vec![index(doc! { "user_id": 1, "month": 1 }, true), index(doc! { "month": 1 }, false)]),
        ("memory", vec![index(doc! { "created_at": 1 }, false)]),
        ("users", vec![index(doc! { "username": 1 }, true)]),
        ("sessions", vec![index(doc! { "user_id": 1 }, false)]),
        ("api_keys", vec![index(doc! { "user_id": 1, "created_at": 1 }, false)]),
        ("connectors", vec![index(doc! { "name": 1 }, true)]),
        (
            "grants",
            vec![index(doc! { "user_id": 1, "connector_id": 1 }, true), index(doc! { "connector_id": 1 }, false)],
        ),
        ("audit", vec![index(doc! { "seq": 1 }, true), index(doc! { "at": 1 }, false)]),
    ];
    for (collection, models) in indexes {
        db.collection::<Document>(collection)
            .create_indexes(models)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot create the indexes of `{collection}`: {}", e.kind)))?;
    }
    Ok(db)
}

/// A URL's password (raw and percent-decoded), to be cut out of any message that might echo it.
struct Password(Vec<String>);

impl Password {
    /// Splits the URL as the driver does: the user info ends at the last `@` before the options.
    fn of(url: &str) -> Self {
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let before_options = after_scheme.split_once('?').map_or(after_scheme, |(head, _)| head);
        let password = before_options
            .rsplit_once('@')
            .and_then(|(user_info, _)| user_info.split_once(':'))
            .map(|(_, password)| password)
            .filter(|p| !p.is_empty());
        Password(password.map_or_else(Vec::new, |p| vec![p.to_owned(), percent_decode(p)]))
    }

    fn redact(&self, message: &str) -> String {
        let mut message = message.to_owned();
        for secret in self.0.iter().filter(|s| !s.is_empty()) {
            message = message.replace(secret.as_str(), "[redacted]");
        }
        message
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_duplicate(e: &mongodb::error::Error) -> bool {
    match e.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(w)) => w.code == DUPLICATE_KEY,
        ErrorKind::Command(c) => c.code == DUPLICATE_KEY,
        ErrorKind::InsertMany(m) => {
            m.write_errors.as_ref().is_some_and(|errors| errors.iter().any(|w| w.code == DUPLICATE_KEY))
        }
        _ => false,
    }
}

/// A driver error as a store error: a duplicate key is a conflict, an unreadable document is
/// corrupt, everything else means the store is unavailable.
fn db_error(e: mongodb::error::Error) -> StoreError {
    if is_duplicate(&e) {
        return StoreError::Conflict("a record with that key".into());
    }
    match e.kind.as_ref() {
        ErrorKind::BsonDeserialization(_) => StoreError::Corrupt(e.kind.to_string()),
        _ => StoreError::Unavailable(format!("MongoDB: {}", e.kind)),
    }
}

/// `db_error`, with a conflict named for what was duplicated.
fn conflict_as(what: String) -> impl FnOnce(mongodb::error::Error) -> StoreError {
    move |e| match db_error(e) {
        StoreError::Conflict(_) => StoreError::Conflict(what),
        other => other,
    }
}

/// What one attempt of a transaction gives: a driver error (maybe worth a retry), or the
/// outcome: `Ok` commits, `Err` aborts and is returned.
type Attempt<'s, T> = BoxFuture<'s, Result<Result<T, StoreError>, mongodb::error::Error>>;

/// Runs `work` in a transaction, retrying the whole of it when the server labels an error
/// transient and the commit when its result is unknown, as MongoDB's drivers specify.
async fn transaction<T, W>(client: &Client, mut work: W) -> Result<T, StoreError>
where
    W: for<'s> FnMut(&'s mut ClientSession) -> Attempt<'s, T>,
{
    let mut session = client.start_session().await.map_err(db_error)?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        // A snapshot: every read of the attempt sees the same committed state.
        session.start_transaction().read_concern(ReadConcern::snapshot()).await.map_err(db_error)?;
        let error = match work(&mut session).await {
            Ok(Ok(value)) => match commit(&mut session).await {
                Ok(()) => return Ok(value),
                Err(e) => e,
            },
            Ok(Err(refused)) => {
                // Nothing was meant to change; an abort that fails leaves nothing committed either.
                let _ = session.abort_transaction().await;
                return Err(refused);
            }
            Err(e) => {
                let _ = session.abort_transaction().await;
                e
            }
        };
        if !(error.contains_label(TRANSIENT_TRANSACTION_ERROR) && attempt < TRANSACTION_ATTEMPTS) {
            return Err(db_error(error));
        }
    }
}

async fn commit(session: &mut ClientSession) -> Result<(), mongodb::error::Error> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match session.commit_transaction().await {
            Err(e) if e.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT) && attempt < TRANSACTION_ATTEMPTS => {}
            outcome => return outcome,
        }
    }
}

/// Numbers the record types hold unsigned, stored as BSON's int64 (as SQLite stores them).
fn stored(n: u64) -> i64 {
    n as i64
}

/// The reverse of [`stored`]; a negative number (only ever written by hand) reads as 0, as in the
/// SQLCipher store.
fn unsigned(n: i64) -> u64 {
    n.max(0) as u64
}

/// `$regex` text that matches `q` anywhere, as `LIKE '%q%'` does in SQLite: literally, and
/// case-insensitively for ASCII letters only (SQLite folds no other case, while the regex `i`
/// option would fold Unicode). Every ASCII character that is not a letter or digit is escaped and
/// control characters are written as `\xHH`, so no character of `q` acts as a pattern.
fn contains_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() * 2);
    for c in q.chars() {
        if c.is_ascii_alphabetic() {
            pattern.push('[');
            pattern.push(c.to_ascii_lowercase());
            pattern.push(c.to_ascii_uppercase());
            pattern.push(']');
        } else if c.is_ascii_digit() || !c.is_ascii() {
            pattern.push(c);
        } else if c.is_ascii_graphic() || c == ' ' {
            pattern.push('\\');
            pattern.push(c);
        } else {
            let _ = write!(pattern, "\\x{:02x}", u32::from(c));
        }
    }
    pattern
}

/// The query an [`AuditFilter`] means, clause for clause as in the SQLCipher store.
fn audit_query(f: &AuditFilter) -> Document {
    let mut query = Document::new();
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        let pattern = contains_pattern(q);
        let any: Vec<Document> = SEARCHED.iter().map(|field| doc! { *field: { "$regex": &pattern } }).collect();
        query.insert("$or", any);
    }
    let mut at = Document::new();
    if let Some(from) = &f.from {
        at.insert("$gte", from);
    }
    if let Some(to) = &f.to {
        at.insert("$lt", to);
    }
    if !at.is_empty() {
        query.insert("at", at);
    }
    for (field, value) in
        [("username", &f.user), ("connector", &f.connector), ("kind", &f.kind), ("outcome", &f.outcome)]
    {
        if let Some(value) = value {
            query.insert(field, value);
        }
    }
    if let Some(seq) = f.up_to_seq {
        query.insert("seq", doc! { "$lte": seq });
    }
    query
}

#[derive(Serialize, Deserialize)]
struct UserDoc {
    #[serde(rename = "_id")]
    id: String,
    username: String,
    role: String,
    password_hash: String,
    disabled: bool,
    failed_logins: i64,
    locked_until: Option<i64>,
    created_at: i64,
    #[serde(default)]
    totp_secret: Option<String>,
    #[serde(default)]
    totp_enabled: bool,
    #[serde(default)]
    recovery_codes: Vec<String>,
    #[serde(default)]
    monthly_cap_cents: Option<i64>,
    #[serde(default)]
    totp_last_step: Option<i64>,
    #[serde(default)]
    totp_pending: Option<String>,
}

impl From<&User> for UserDoc {
    fn from(u: &User) -> Self {
        UserDoc {
            id: u.id.clone(),
            username: u.username.clone(),
            role: u.role.as_str().to_owned(),
            password_hash: u.password_hash.clone(),
            disabled: u.disabled,
            failed_logins: i64::from(u.failed_logins),
            locked_until: u.locked_until,
            created_at: u.created_at,
            totp_secret: u.totp_secret.clone(),
            totp_enabled: u.totp_enabled,
            recovery_codes: u.recovery_codes.clone(),
            monthly_cap_cents: u.monthly_cap_cents.map(|c| c.min(i64::MAX as u64) as i64),
            totp_last_step: u.totp_last_step.map(|c| c.min(i64::MAX as u64) as i64),
            totp_pending: u.totp_pending.clone(),
        }
    }
}

impl TryFrom<UserDoc> for User {
    type Error = StoreError;

    fn try_from(d: UserDoc) -> Result<Self, StoreError> {
        let role: Role =
            d.role.parse().map_err(|_| StoreError::Corrupt(format!("user {} has an unknown role", d.id)))?;
        let failed_logins = u32::try_from(d.failed_logins)
            .map_err(|_| StoreError::Corrupt(format!("user {} has an impossible failed login count", d.id)))?;
        Ok(User {
            id: d.id,
            username: d.username,
            role,
            password_hash: d.password_hash,
            disabled: d.disabled,
            failed_logins,
            locked_until: d.locked_until,
            created_at: d.created_at,
            totp_secret: d.totp_secret,
            totp_enabled: d.totp_enabled,
            recovery_codes: d.recovery_codes,
            monthly_cap_cents: d.monthly_cap_cents.map(|c| c.max(0) as u64),
            totp_last_step: d.totp_last_step.map(|c| c.max(0) as u64),
            totp_pending: d.totp_pending,
        })
    }
}

#[derive(Serialize, Deserialize)]
struct SessionDoc {
    #[serde(rename = "_id")]
    id: String,
    user_id: String,
    created_at: i64,
    last_seen: i64,
    revoked: bool,
}

#[derive(Serialize, Deserialize)]
struct ApiKeyDoc {
    #[serde(rename = "_id")]
    id: String,
    user_id: String,
    name: String,
    hash: String,
    created_at: i64,
    expires_at: Option<i64>,
    revoked: bool,
}

#[derive(Serialize, Deserialize)]
struct ConnectorDoc {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    engine: String,
    display: String,
    sealed_url: String,
    production: bool,
    max_rows: i64,
    max_bytes: i64,
    created_at: i64,
    // Absent from documents written before these settings existed: the deployment's provider,
    // no rows sent.
    #[serde(default)]
    llm: ConnectorLlm,
    #[serde(default)]
    rows_to_llm: bool,
}

impl From<&ConnectorRecord> for ConnectorDoc {
    fn from(c: &ConnectorRecord) -> Self {
        ConnectorDoc {
            id: c.id.clone(),
            name: c.name.clone(),
            engine: c.engine.clone(),
            display: c.display.clone(),
            sealed_url: c.sealed_url.clone(),
            production: c.production,
            max_rows: stored(c.max_rows),
            max_bytes: stored(c.max_bytes as u64),
            created_at: c.created_at,
            llm: c.llm,
            rows_to_llm: c.rows_to_llm,
        }
    }
}

impl From<ConnectorDoc> for ConnectorRecord {
    fn from(d: ConnectorDoc) -> Self {
        ConnectorRecord {
            id: d.id,
            name: d.name,
            engine: d.engine,
            display: d.display,
            sealed_url: d.sealed_url,
            production: d.production,
            max_rows: unsigned(d.max_rows),
            max_bytes: unsigned(d.max_bytes) as usize,
            created_at: d.created_at,
            llm: d.llm,
            rows_to_llm: d.rows_to_llm,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct GrantDoc {
    user_id: String,
    connector_id: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct AuditDoc {
    seq: i64,
    at: String,
    kind: String,
    outcome: String,
    username: Option<String>,
    role: Option<String>,
    connector: Option<String>,
    question: Option<String>,
    sql: Option<String>,
    code: Option<String>,
    tables: Vec<String>,
    row_count: Option<i64>,
    truncated: Option<bool>,
    duration_ms: Option<i64>,
    /// The JSON text of `detail`.
    detail: String,
    ip: Option<String>,
    prev_hash: String,
    hash: String,
}

impl TryFrom<&AuditRecord> for AuditDoc {
    type Error = StoreError;

    fn try_from(a: &AuditRecord) -> Result<Self, StoreError> {
        Ok(AuditDoc {
            seq: a.seq,
            at: a.at.clone(),
            kind: a.kind.clone(),
            outcome: a.outcome.clone(),
            username: a.username.clone(),
            role: a.role.clone(),
            connector: a.connector.clone(),
            question: a.question.clone(),
            sql: a.sql.clone(),
            code: a.code.clone(),
            tables: a.tables.clone(),
            row_count: a.row_count.map(stored),
            truncated: a.truncated,
            duration_ms: a.duration_ms.map(stored),
            detail: serde_json::to_string(&a.detail).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            ip: a.ip.clone(),
            prev_hash: a.prev_hash.clone(),
            hash: a.hash.clone(),
        })
    }
}

impl TryFrom<AuditDoc> for AuditRecord {
    type Error = StoreError;

    fn try_from(d: AuditDoc) -> Result<Self, StoreError> {
        let detail = serde_json::from_str(&d.detail)
            .map_err(|_| StoreError::Corrupt(format!("audit record {} has unreadable details", d.seq)))?;
        Ok(AuditRecord {
            seq: d.seq,
            at: d.at,
            kind: d.kind,
            outcome: d.outcome,
            username: d.username,
            role: d.role,
            connector: d.connector,
            question: d.question,
            sql: d.sql,
            code: d.code,
            tables: d.tables,
            row_count: d.row_count.map(unsigned),
            truncated: d.truncated,
            duration_ms: d.duration_ms.map(unsigned),
            detail,
            ip: d.ip,
            prev_hash: d.prev_hash,
            hash: d.hash,
        })
    }
}

fn users(db: &Database) -> Collection<UserDoc> {
    db.collection("users")
}

fn sessions(db: &Database) -> Collection<SessionDoc> {
    db.collection("sessions")
}

fn api_keys(db: &Database) -> Collection<ApiKeyDoc> {
    db.collection("api_keys")
}

fn connectors(db: &Database) -> Collection<ConnectorDoc> {
    db.collection("connectors")
}

fn grants(db: &Database) -> Collection<GrantDoc> {
    db.collection("grants")
}

#[derive(Serialize, Deserialize)]
struct UsageDoc {
    user_id: String,
    month: String,
    cents: i64,
    tokens: i64,
}

fn usage(db: &Database) -> Collection<UsageDoc> {
    db.collection("usage")
}

#[derive(Serialize, Deserialize)]
struct MemoryDoc {
    #[serde(rename = "_id")]
    id: String,
    connector_id: Option<String>,
    kind: String,
    key: String,
    value: String,
    created_by: String,
    created_at: i64,
}

fn memory(db: &Database) -> Collection<MemoryDoc> {
    db.collection("memory")
}

#[derive(Serialize, Deserialize)]
struct ReportDoc {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    owner_id: String,
    connector_id: String,
    question: Option<String>,
    sql: String,
    created_at: i64,
    updated_at: i64,
    /// Sorted, without repeats, as the SQLCipher store reads them back.
    shared_with: Vec<String>,
    /// Minutes between scheduled refreshes (absent in reports saved before schedules existed).
    #[serde(default)]
    refresh_minutes: Option<i64>,
    #[serde(default)]
    next_refresh_at: Option<i64>,
    /// The last refresh as JSON text, as the SQLCipher store keeps it.
    #[serde(default)]
    last_refresh: Option<String>,
}

impl TryFrom<ReportDoc> for super::Report {
    type Error = StoreError;

    fn try_from(d: ReportDoc) -> Result<Self, StoreError> {
        let last_refresh = d
            .last_refresh
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("report {}'s last refresh: {e}", d.id)))?;
        Ok(super::Report {
            id: d.id,
            name: d.name,
            owner_id: d.owner_id,
            connector_id: d.connector_id,
            question: d.question,
            sql: d.sql,
            created_at: d.created_at,
            updated_at: d.updated_at,
            shared_with: d.shared_with,
            refresh_minutes: d.refresh_minutes.and_then(|m| u32::try_from(m).ok()),
            next_refresh_at: d.next_refresh_at,
            last_refresh,
        })
    }
}

/// How many times a claim of a due report is tried when other processes win the race to it.
const CLAIM_ATTEMPTS: usize = 5;

fn reports(db: &Database) -> Collection<ReportDoc> {
    db.collection("reports")
}

/// `users` sorted and without repeats, once each is known to exist (what SQLite's foreign keys
/// check on `report_shares`).
async fn share_list(
    db: &Database,
    session: &mut ClientSession,
    users_: &[String],
) -> Result<Result<Vec<String>, StoreError>, mongodb::error::Error> {
    let unique: BTreeSet<String> = users_.iter().cloned().collect();
    for user in &unique {
        if users(db).count_documents(doc! { "_id": user }).session(&mut *session).await? == 0 {
            return Ok(Err(StoreError::NotFound(format!("user {user}"))));
        }
    }
    Ok(Ok(unique.into_iter().collect()))
}

fn audit(db: &Database) -> Collection<AuditDoc> {
    db.collection("audit")
}

/// Whether a user exists: what SQLite's foreign keys check on `sessions` and `api_keys`.
async fn user_exists(db: &Database, id: &str) -> Result<bool, StoreError> {
    Ok(users(db).count_documents(doc! { "_id": id }).limit(1).await.map_err(db_error)? > 0)
}

/// The `LIMIT` of a page: SQLite's `LIMIT 0` is no rows, MongoDB's is no limit, so 0 is handled
/// before asking. `None` means the page is empty.
fn page_limit(limit: u64) -> Option<i64> {
    (limit > 0).then(|| limit.min(i64::MAX as u64) as i64)
}

async fn audit_records(cursor: mongodb::Cursor<AuditDoc>) -> Result<Vec<AuditRecord>, StoreError> {
    let docs: Vec<AuditDoc> = cursor.try_collect().await.map_err(db_error)?;
    docs.into_iter().map(AuditRecord::try_from).collect()
}

#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> Result<(), StoreError> {
        self.run(|db| async move {
            db.run_command(doc! { "ping": 1 }).await.map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn create_user(&self, user: &User) -> Result<(), StoreError> {
        let doc = UserDoc::from(user);
        self.run(|db| async move {
            let name = doc.username.clone();
            users(&db).insert_one(doc).await.map_err(conflict_as(format!("user `{name}`")))?;
            Ok(())
        })
        .await
    }

    async fn user(&self, id: &str) -> Result<Option<User>, StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            users(&db).find_one(doc! { "_id": id }).await.map_err(db_error)?.map(User::try_from).transpose()
        })
        .await
    }

    async fn user_by_name(&self, username: &str) -> Result<Option<User>, StoreError> {
        let name = username.to_owned();
        self.run(|db| async move {
            users(&db).find_one(doc! { "username": name }).await.map_err(db_error)?.map(User::try_from).transpose()
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.run(|db| async move {
            let cursor = users(&db).find(doc! {}).sort(doc! { "username": 1 }).await.map_err(db_error)?;
            let docs: Vec<UserDoc> = cursor.try_collect().await.map_err(db_error)?;
            docs.into_iter().map(User::try_from).collect()
        })
        .await
    }

    async fn update_user(&self, user: &User) -> Result<(), StoreError> {
        let doc = UserDoc::from(user);
        self.run(|db| async move {
            let set = doc! {
                "role": &doc.role,
                "password_hash": &doc.password_hash,
                "disabled": doc.disabled,
                "failed_logins": doc.failed_logins,
                "locked_until": doc.locked_until,
                "totp_secret": &doc.totp_secret,
                "totp_enabled": doc.totp_enabled,
                "recovery_codes": &doc.recovery_codes,
                "monthly_cap_cents": doc.monthly_cap_cents,
                "totp_last_step": doc.totp_last_step,
                "totp_pending": &doc.totp_pending,
            };
            let result =
                users(&db).update_one(doc! { "_id": &doc.id }, doc! { "$set": set }).await.map_err(db_error)?;
            if result.matched_count == 0 {
                return Err(StoreError::NotFound(format!("user `{}`", doc.username)));
            }
            Ok(())
        })
        .await
    }

    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let doc = SessionDoc {
            id: session.id.clone(),
            user_id: session.user_id.clone(),
            created_at: session.created_at,
            last_seen: session.last_seen,
            revoked: session.revoked,
        };
        self.run(|db| async move {
            if !user_exists(&db, &doc.user_id).await? {
                return Err(StoreError::Conflict(format!("a session of user {} (no such user)", doc.user_id)));
            }
            sessions(&db).insert_one(doc).await.map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            let doc = sessions(&db).find_one(doc! { "_id": id }).await.map_err(db_error)?;
            Ok(doc.map(|d| Session {
                id: d.id,
                user_id: d.user_id,
                created_at: d.created_at,
                last_seen: d.last_seen,
                revoked: d.revoked,
            }))
        })
        .await
    }

    async fn touch_session(&self, id: &str, now: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            // `last_seen = max(last_seen, now)`: a late request never moves it back.
            sessions(&db)
                .update_one(doc! { "_id": id, "last_seen": { "$lt": now } }, doc! { "$set": { "last_seen": now } })
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn revoke_session(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            sessions(&db)
                .update_one(doc! { "_id": id }, doc! { "$set": { "revoked": true } })
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn revoke_sessions_of(&self, user_id: &str) -> Result<u64, StoreError> {
        let id = user_id.to_owned();
        self.run(|db| async move {
            let result = sessions(&db)
                .update_many(doc! { "user_id": id, "revoked": false }, doc! { "$set": { "revoked": true } })
                .await
                .map_err(db_error)?;
            Ok(result.modified_count)
        })
        .await
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let doc = ApiKeyDoc {
            id: key.id.clone(),
            user_id: key.user_id.clone(),
            name: key.name.clone(),
            hash: key.hash.clone(),
            created_at: key.created_at,
            expires_at: key.expires_at,
            revoked: key.revoked,
        };
        self.run(|db| async move {
            if !user_exists(&db, &doc.user_id).await? {
                return Err(StoreError::Conflict(format!("an API key of user {} (no such user)", doc.user_id)));
            }
            api_keys(&db).insert_one(doc).await.map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn api_key(&self, id: &str) -> Result<Option<ApiKey>, StoreError> {
        let id = id.to_owned();
        self.run(
            |db| async move { Ok(api_keys(&db).find_one(doc! { "_id": id }).await.map_err(db_error)?.map(api_key)) },
        )
        .await
    }

    async fn api_keys_of(&self, user_id: &str) -> Result<Vec<ApiKey>, StoreError> {
        let id = user_id.to_owned();
        self.run(|db| async move {
            let cursor = api_keys(&db)
                .find(doc! { "user_id": id })
                .sort(doc! { "created_at": 1, "_id": 1 })
                .await
                .map_err(db_error)?;
            let docs: Vec<ApiKeyDoc> = cursor.try_collect().await.map_err(db_error)?;
            Ok(docs.into_iter().map(api_key).collect())
        })
        .await
    }

    async fn revoke_api_key(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            api_keys(&db)
                .update_one(doc! { "_id": id }, doc! { "$set": { "revoked": true } })
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn revoke_api_keys_of(&self, user_id: &str) -> Result<u64, StoreError> {
        let id = user_id.to_owned();
        self.run(|db| async move {
            let result = api_keys(&db)
                .update_many(doc! { "user_id": id, "revoked": false }, doc! { "$set": { "revoked": true } })
                .await
                .map_err(db_error)?;
            Ok(result.modified_count)
        })
        .await
    }

    async fn create_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError> {
        let doc = ConnectorDoc::from(connector);
        self.run(|db| async move {
            let name = doc.name.clone();
            connectors(&db).insert_one(doc).await.map_err(conflict_as(format!("connector `{name}`")))?;
            Ok(())
        })
        .await
    }

    async fn connector(&self, id: &str) -> Result<Option<ConnectorRecord>, StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            Ok(connectors(&db).find_one(doc! { "_id": id }).await.map_err(db_error)?.map(ConnectorRecord::from))
        })
        .await
    }

    async fn connector_by_name(&self, name: &str) -> Result<Option<ConnectorRecord>, StoreError> {
        let name = name.to_owned();
        self.run(|db| async move {
            Ok(connectors(&db).find_one(doc! { "name": name }).await.map_err(db_error)?.map(ConnectorRecord::from))
        })
        .await
    }

    async fn connectors(&self) -> Result<Vec<ConnectorRecord>, StoreError> {
        self.run(|db| async move {
            let cursor = connectors(&db).find(doc! {}).sort(doc! { "name": 1 }).await.map_err(db_error)?;
            let docs: Vec<ConnectorDoc> = cursor.try_collect().await.map_err(db_error)?;
            Ok(docs.into_iter().map(ConnectorRecord::from).collect())
        })
        .await
    }

    async fn update_connector(&self, connector: &ConnectorRecord) -> Result<(), StoreError> {
        let doc = ConnectorDoc::from(connector);
        self.run(|db| async move {
            let set = doc! {
                "name": &doc.name,
                "engine": &doc.engine,
                "display": &doc.display,
                "sealed_url": &doc.sealed_url,
                "production": doc.production,
                "max_rows": doc.max_rows,
                "max_bytes": doc.max_bytes,
                "llm": doc.llm.as_str(),
                "rows_to_llm": doc.rows_to_llm,
            };
            let result = connectors(&db)
                .update_one(doc! { "_id": &doc.id }, doc! { "$set": set })
                .await
                .map_err(conflict_as(format!("connector `{}`", doc.name)))?;
            if result.matched_count == 0 {
                return Err(StoreError::NotFound(format!("connector `{}`", doc.name)));
            }
            Ok(())
        })
        .await
    }

    async fn delete_connector(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            let client = db.client().clone();
            transaction(&client, |session| {
                let (db, id) = (db.clone(), id.clone());
                async move {
                    let deleted = connectors(&db).delete_one(doc! { "_id": &id }).session(&mut *session).await?;
                    if deleted.deleted_count == 0 {
                        return Ok(Err(StoreError::NotFound(format!("connector {id}"))));
                    }
                    grants(&db).delete_many(doc! { "connector_id": &id }).session(&mut *session).await?;
                    memory(&db).delete_many(doc! { "connector_id": &id }).session(&mut *session).await?;
                    reports(&db).delete_many(doc! { "connector_id": &id }).session(&mut *session).await?;
                    Ok(Ok(()))
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn set_grants(&self, user_id: &str, connector_ids: &[String]) -> Result<(), StoreError> {
        let user = user_id.to_owned();
        let ids = connector_ids.to_vec();
        self.run(|db| async move {
            let client = db.client().clone();
            transaction(&client, |session| {
                let (db, user, ids) = (db.clone(), user.clone(), ids.clone());
                async move {
                    let unique: BTreeSet<&String> = ids.iter().collect();
                    if unique.is_empty() {
                        grants(&db).delete_many(doc! { "user_id": &user }).session(&mut *session).await?;
                        return Ok(Ok(()));
                    }
                    if users(&db).count_documents(doc! { "_id": &user }).session(&mut *session).await? == 0 {
                        return Ok(Err(StoreError::NotFound(format!("user {user}"))));
                    }
                    // Touching each granted connector both proves it exists and makes a concurrent
                    // delete of it conflict with this transaction.
                    let listed: Vec<&String> = unique.iter().copied().collect();
                    let touched = connectors(&db)
                        .update_many(doc! { "_id": { "$in": &listed } }, doc! { "$inc": { "grant_writes": 1 } })
                        .session(&mut *session)
                        .await?;
                    if touched.matched_count != listed.len() as u64 {
                        let present = connectors(&db)
                            .clone_with_type::<Document>()
                            .distinct("_id", doc! { "_id": { "$in": &listed } })
                            .session(&mut *session)
                            .await?;
                        let missing = ids.iter().find(|id| !present.contains(&Bson::String((*id).clone())));
                        return Ok(Err(StoreError::NotFound(format!(
                            "connector {}",
                            missing.map_or("", |id| id.as_str())
                        ))));
                    }
                    grants(&db).delete_many(doc! { "user_id": &user }).session(&mut *session).await?;
                    let rows: Vec<GrantDoc> = unique
                        .iter()
                        .map(|id| GrantDoc { user_id: user.clone(), connector_id: (*id).clone() })
                        .collect();
                    grants(&db).insert_many(rows).session(&mut *session).await?;
                    Ok(Ok(()))
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn grants_of(&self, user_id: &str) -> Result<Vec<String>, StoreError> {
        let user = user_id.to_owned();
        self.run(|db| async move {
            let cursor =
                grants(&db).find(doc! { "user_id": user }).sort(doc! { "connector_id": 1 }).await.map_err(db_error)?;
            let docs: Vec<GrantDoc> = cursor.try_collect().await.map_err(db_error)?;
            Ok(docs.into_iter().map(|g| g.connector_id).collect())
        })
        .await
    }

    async fn last_audit(&self) -> Result<Option<AuditRecord>, StoreError> {
        self.run(|db| async move {
            audit(&db)
                .find_one(doc! {})
                .sort(doc! { "seq": -1 })
                .await
                .map_err(db_error)?
                .map(AuditRecord::try_from)
                .transpose()
        })
        .await
    }

    async fn append_audits(&self, records: &[AuditRecord]) -> Result<(), StoreError> {
        let docs = records.iter().map(AuditDoc::try_from).collect::<Result<Vec<_>, _>>()?;
        if docs.is_empty() {
            return Ok(());
        }
        self.run(|db| async move {
            let client = db.client().clone();
            // One transaction: a taken sequence number refuses the whole batch (a duplicate key is
            // a `Conflict`), so none of it is left half-written.
            transaction(&client, |session| {
                let (db, docs) = (db.clone(), docs.clone());
                async move {
                    audit(&db).insert_many(docs).session(&mut *session).await?;
                    Ok(Ok(()))
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn audit(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        let mut query = audit_query(filter);
        let up_to_seq = filter.up_to_seq;
        self.run(|db| async move {
            // The count and the page must describe the same records, as in one SQLite read. The
            // trail only grows, at its end, so bounding both by the last record seen first is that
            // snapshot, without a transaction that a long scan of a large trail could outlive.
            let Some(last) = audit(&db).find_one(doc! {}).sort(doc! { "seq": -1 }).await.map_err(db_error)? else {
                return Ok((Vec::new(), 0));
            };
            // Replaces the `up_to_seq` clause, if any, with the tighter bound.
            query.insert("seq", doc! { "$lte": up_to_seq.map_or(last.seq, |n| n.min(last.seq)) });
            let total = audit(&db).count_documents(query.clone()).await.map_err(db_error)?;
            let Some(limit) = page_limit(limit) else {
                return Ok((Vec::new(), total));
            };
            let cursor = audit(&db)
                .find(query)
                .sort(doc! { "seq": -1 })
                .skip(offset.min(i64::MAX as u64))
                .limit(limit)
                .await
                .map_err(db_error)?;
            Ok((audit_records(cursor).await?, total))
        })
        .await
    }

    async fn add_usage(&self, user_id: &str, month: &str, cents: u64, tokens: u64) -> Result<(), StoreError> {
        let (user, month) = (user_id.to_owned(), month.to_owned());
        let (cents, tokens) = (cents.min(i64::MAX as u64) as i64, tokens.min(i64::MAX as u64) as i64);
        self.run(|db| async move {
            if !user_exists(&db, &user).await? {
                return Err(StoreError::NotFound(format!("user {user}")));
            }
            usage(&db)
                .update_one(
                    doc! { "user_id": &user, "month": &month },
                    doc! { "$inc": { "cents": cents, "tokens": tokens } },
                )
                .upsert(true)
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn usage(&self, month: &str) -> Result<Vec<super::Usage>, StoreError> {
        let month = month.to_owned();
        self.run(|db| async move {
            let cursor =
                usage(&db).find(doc! { "month": &month }).sort(doc! { "user_id": 1 }).await.map_err(db_error)?;
            let docs: Vec<UsageDoc> = cursor.try_collect().await.map_err(db_error)?;
            Ok(docs
                .into_iter()
                .map(|d| super::Usage {
                    user_id: d.user_id,
                    month: d.month,
                    cents: d.cents.max(0) as u64,
                    tokens: d.tokens.max(0) as u64,
                })
                .collect())
        })
        .await
    }

    async fn create_memory(&self, entry: &super::MemoryEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.run(|db| async move {
            if let Some(id) = &e.connector_id {
                if connectors(&db).count_documents(doc! { "_id": id }).await.map_err(db_error)? == 0 {
                    return Err(StoreError::NotFound(format!("connector {id}")));
                }
            }
            let doc = MemoryDoc {
                id: e.id.clone(),
                connector_id: e.connector_id,
                kind: e.kind,
                key: e.key,
                value: e.value,
                created_by: e.created_by,
                created_at: e.created_at,
            };
            memory(&db).insert_one(doc).await.map_err(conflict_as(format!("memory entry {}", e.id)))?;
            Ok(())
        })
        .await
    }

    async fn memory(&self) -> Result<Vec<super::MemoryEntry>, StoreError> {
        self.run(|db| async move {
            let cursor = memory(&db).find(doc! {}).sort(doc! { "created_at": 1, "_id": 1 }).await.map_err(db_error)?;
            let docs: Vec<MemoryDoc> = cursor.try_collect().await.map_err(db_error)?;
            Ok(docs
                .into_iter()
                .map(|d| super::MemoryEntry {
                    id: d.id,
                    connector_id: d.connector_id,
                    kind: d.kind,
                    key: d.key,
                    value: d.value,
                    created_by: d.created_by,
                    created_at: d.created_at,
                })
                .collect())
        })
        .await
    }

    async fn update_memory(&self, entry: &super::MemoryEntry) -> Result<(), StoreError> {
        let e = entry.clone();
        self.run(|db| async move {
            if let Some(id) = &e.connector_id {
                if connectors(&db).count_documents(doc! { "_id": id }).await.map_err(db_error)? == 0 {
                    return Err(StoreError::NotFound(format!("connector {id}")));
                }
            }
            let set = doc! { "connector_id": &e.connector_id, "kind": &e.kind, "key": &e.key, "value": &e.value };
            let result = memory(&db).update_one(doc! { "_id": &e.id }, doc! { "$set": set }).await.map_err(db_error)?;
            if result.matched_count == 0 {
                return Err(StoreError::NotFound(format!("memory entry {}", e.id)));
            }
            Ok(())
        })
        .await
    }

    async fn delete_memory(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            let result = memory(&db).delete_one(doc! { "_id": &id }).await.map_err(db_error)?;
            if result.deleted_count == 0 {
                return Err(StoreError::NotFound(format!("memory entry {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn create_report(&self, report: &super::Report) -> Result<(), StoreError> {
        let r = report.clone();
        let last_refresh = super::refresh_text(r.last_refresh.as_ref())?;
        self.run(|db| async move {
            let client = db.client().clone();
            transaction(&client, |session| {
                let (db, r, last_refresh) = (db.clone(), r.clone(), last_refresh.clone());
                async move {
                    if users(&db).count_documents(doc! { "_id": &r.owner_id }).session(&mut *session).await? == 0 {
                        return Ok(Err(StoreError::NotFound(format!("user {}", r.owner_id))));
                    }
                    let connector = doc! { "_id": &r.connector_id };
                    if connectors(&db).count_documents(connector).session(&mut *session).await? == 0 {
                        return Ok(Err(StoreError::NotFound(format!("connector {}", r.connector_id))));
                    }
                    let shared_with = match share_list(&db, session, &r.shared_with).await? {
                        Ok(list) => list,
                        Err(e) => return Ok(Err(e)),
                    };
                    let doc = ReportDoc {
                        id: r.id.clone(),
                        name: r.name,
                        owner_id: r.owner_id,
                        connector_id: r.connector_id,
                        question: r.question,
                        sql: r.sql,
                        created_at: r.created_at,
                        updated_at: r.updated_at,
                        shared_with,
                        refresh_minutes: r.refresh_minutes.map(i64::from),
                        next_refresh_at: r.next_refresh_at,
                        last_refresh,
                    };
                    match reports(&db).insert_one(doc).session(&mut *session).await {
                        Ok(_) => Ok(Ok(())),
                        Err(e) if is_duplicate(&e) => Ok(Err(StoreError::Conflict(format!("report {}", r.id)))),
                        Err(e) => Err(e),
                    }
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn report(&self, id: &str) -> Result<Option<super::Report>, StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            let found = reports(&db).find_one(doc! { "_id": &id }).await.map_err(db_error)?;
            found.map(super::Report::try_from).transpose()
        })
        .await
    }

    async fn reports_visible_to(&self, user_id: &str) -> Result<Vec<super::Report>, StoreError> {
        let user = user_id.to_owned();
        self.run(|db| async move {
            let query = doc! { "$or": [ { "owner_id": &user }, { "shared_with": &user } ] };
            let cursor = reports(&db).find(query).sort(doc! { "created_at": 1, "_id": 1 }).await.map_err(db_error)?;
            let docs: Vec<ReportDoc> = cursor.try_collect().await.map_err(db_error)?;
            docs.into_iter().map(super::Report::try_from).collect()
        })
        .await
    }

    async fn share_report(&self, id: &str, user_ids: &[String], updated_at: i64) -> Result<(), StoreError> {
        let (id, user_ids) = (id.to_owned(), user_ids.to_vec());
        self.run(|db| async move {
            let client = db.client().clone();
            transaction(&client, |session| {
                let (db, id, user_ids) = (db.clone(), id.clone(), user_ids.clone());
                async move {
                    let shared_with = match share_list(&db, session, &user_ids).await? {
                        Ok(list) => list,
                        Err(e) => return Ok(Err(e)),
                    };
                    let set = doc! { "shared_with": shared_with, "updated_at": updated_at };
                    let result = reports(&db)
                        .update_one(doc! { "_id": &id }, doc! { "$set": set })
                        .session(&mut *session)
                        .await?;
                    if result.matched_count == 0 {
                        return Ok(Err(StoreError::NotFound(format!("report {id}"))));
                    }
                    Ok(Ok(()))
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn delete_report(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.run(|db| async move {
            let result = reports(&db).delete_one(doc! { "_id": &id }).await.map_err(db_error)?;
            if result.deleted_count == 0 {
                return Err(StoreError::NotFound(format!("report {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn schedule_report(&self, id: &str, schedule: Option<(u32, i64)>, updated_at: i64) -> Result<(), StoreError> {
        let id = id.to_owned();
        let (minutes, next_at) = schedule.unzip();
        self.run(|db| async move {
            let set = doc! {
                "refresh_minutes": minutes.map(i64::from), "next_refresh_at": next_at, "updated_at": updated_at,
            };
            let result = reports(&db).update_one(doc! { "_id": &id }, doc! { "$set": set }).await.map_err(db_error)?;
            if result.matched_count == 0 {
                return Err(StoreError::NotFound(format!("report {id}")));
            }
            Ok(())
        })
        .await
    }

    async fn claim_due_report(&self, now: i64) -> Result<Option<super::Report>, StoreError> {
        self.run(|db| async move {
            // Find the report due longest, then move its next refresh on only if no one else has
            // since (compare and set): of several processes sharing the store, one claims it.
            for _ in 0..CLAIM_ATTEMPTS {
                let due = doc! { "next_refresh_at": { "$lte": now }, "refresh_minutes": { "$gt": 0_i64 } };
                let found =
                    reports(&db).find_one(due).sort(doc! { "next_refresh_at": 1, "_id": 1 }).await.map_err(db_error)?;
                let Some(found) = found else { return Ok(None) };
                let mut report = super::Report::try_from(found)?;
                let next = super::next_refresh(now, report.refresh_minutes.unwrap_or(1));
                let claim = doc! { "_id": &report.id, "next_refresh_at": report.next_refresh_at };
                let result = reports(&db)
                    .update_one(claim, doc! { "$set": { "next_refresh_at": next } })
                    .await
                    .map_err(db_error)?;
                if result.modified_count == 1 {
                    report.next_refresh_at = Some(next);
                    return Ok(Some(report));
                }
            }
            Ok(None)
        })
        .await
    }

    async fn record_refresh(&self, id: &str, refresh: &super::Refresh) -> Result<(), StoreError> {
        let id = id.to_owned();
        let text = super::refresh_text(Some(refresh))?;
        self.run(|db| async move {
            reports(&db)
                .update_one(doc! { "_id": &id }, doc! { "$set": { "last_refresh": text } })
                .await
                .map_err(db_error)?;
            Ok(())
        })
        .await
    }

    async fn rotate(
        &self,
        rotation: &super::Rotation,
        _store_key: &zeroize::Zeroizing<[u8; 32]>,
    ) -> Result<(), StoreError> {
        // MongoDB's data at rest is the server's to encrypt; what sqlgate sealed is re-sealed here.
        let rotation = rotation.clone();
        self.run(|db| async move {
            let client = db.client().clone();
            transaction(&client, |session| {
                let (db, rotation) = (db.clone(), rotation.clone());
                async move {
                    for (id, sealed) in &rotation.connectors {
                        connectors(&db)
                            .update_one(doc! { "_id": id }, doc! { "$set": { "sealed_url": sealed } })
                            .session(&mut *session)
                            .await?;
                    }
                    for (id, sealed) in &rotation.totp {
                        users(&db)
                            .update_one(doc! { "_id": id }, doc! { "$set": { "totp_secret": sealed } })
                            .session(&mut *session)
                            .await?;
                    }
                    for (id, sealed) in &rotation.totp_pending {
                        users(&db)
                            .update_one(doc! { "_id": id }, doc! { "$set": { "totp_pending": sealed } })
                            .session(&mut *session)
                            .await?;
                    }
                    for (seq, prev, hash) in &rotation.audit {
                        audit(&db)
                            .update_one(doc! { "seq": seq }, doc! { "$set": { "prev_hash": prev, "hash": hash } })
                            .session(&mut *session)
                            .await?;
                    }
                    Ok(Ok(()))
                }
                .boxed()
            })
            .await
        })
        .await
    }

    async fn delete_audit_through(&self, seq: i64) -> Result<u64, StoreError> {
        self.run(|db| async move {
            let result = audit(&db).delete_many(doc! { "seq": { "$lte": seq } }).await.map_err(db_error)?;
            Ok(result.deleted_count)
        })
        .await
    }

    async fn audit_after(&self, after_seq: i64, limit: u64) -> Result<Vec<AuditRecord>, StoreError> {
        self.run(|db| async move {
            let Some(limit) = page_limit(limit) else {
                return Ok(Vec::new());
            };
            let cursor = audit(&db)
                .find(doc! { "seq": { "$gt": after_seq } })
                .sort(doc! { "seq": 1 })
                .limit(limit)
                .await
                .map_err(db_error)?;
            audit_records(cursor).await
        })
        .await
    }
}

fn api_key(d: ApiKeyDoc) -> ApiKey {
    ApiKey {
        id: d.id,
        user_id: d.user_id,
        name: d.name,
        hash: d.hash,
        created_at: d.created_at,
        expires_at: d.expires_at,
        revoked: d.revoked,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pattern_is_literal_and_folds_ascii_only() {
        assert_eq!(contains_pattern("aZ"), "[aA][zZ]");
        assert_eq!(contains_pattern("1%_.*"), "1\\%\\_\\.\\*");
        assert_eq!(contains_pattern("é"), "é");
        assert_eq!(contains_pattern("a\u{0}\n"), "[aA]\\x00\\x0a");
        assert_eq!(contains_pattern("(x)|[y]"), "\\([xX]\\)\\|\\[[yY]\\]");
    }

    #[test]
    fn a_password_is_cut_from_messages() {
        let p = Password::of("mongodb://bob:p%40ss:w@rd@db1:27017,db2/sqlgate?authSource=admin");
        assert_eq!(p.redact("auth failed for p%40ss:w@rd and p@ss:w@rd"), "auth failed for [redacted] and [redacted]");
        assert!(Password::of("mongodb://db1:27017/x").0.is_empty());
        assert!(Password::of("mongodb://bob@db1/x").0.is_empty());
    }

    #[test]
    fn an_unreachable_server_is_unavailable_and_its_password_stays_hidden() {
        // Nothing listens on port 1; the driver gives up after the URL's 300 ms.
        let url = "mongodb://sqlgate:hunter2hunter2@127.0.0.1:1/meta?serverSelectionTimeoutMS=300";
        let Err(e) = MongoStore::connect(url, "meta") else { panic!("connected to a closed port") };
        assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn the_database_comes_from_the_url_path() {
        assert_eq!(database_in_url("mongodb://h:1/metadata?w=majority").unwrap().as_deref(), Some("metadata"));
        assert_eq!(database_in_url("mongodb://h:1/").unwrap(), None);
        assert_eq!(database_in_url("mongodb://h:1").unwrap(), None);
        let e = database_in_url("mongodb://bob:hunter2hunter2@h:1/x?bogus=1&w=").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
    }
}
