//! PostgreSQL: a pooled connector whose every query runs behind the session wall.
//!
//! One query is five requests sent together, so the wall costs no round trip:
//!
//! 1. (simple protocol, our text) `BEGIN READ ONLY`, `SET TRANSACTION READ ONLY`, and `SET LOCAL`
//!    of the statement and lock timeouts, `search_path` and `standard_conforming_strings`;
//! 2. Parse/Describe of the user's SQL, for its column types;
//! 3. (extended protocol, so a second statement is a parse error) `DECLARE sqlgate_c NO SCROLL
//!    CURSOR FOR <the SQL>`: a cursor only accepts a query;
//! 4. (simple, our text) `FETCH <max_rows + 1> FROM sqlgate_c`: rows in text form, and never more
//!    than the answer can use, so the server stops computing there;
//! 5. (simple, our text) `ROLLBACK` then `SELECT pg_advisory_unlock_all(), setseed(…)`: whatever
//!    the statement did ends here, no session-level advisory lock survives, and `random()` is
//!    reseeded from the OS.
//!
//! If any step fails the transaction is aborted and every later step fails with it: nothing runs
//! outside the read-only transaction. A connection goes back to the pool only when step 5
//! succeeded; otherwise (an error there, a client-side timeout, a lost connection, a caller that
//! gave up) its statement is cancelled on the server and the connection is closed.
//! Output formats are pinned in the startup packet (ISO dates, ISO 8601 intervals, UTC, hex bytea,
//! shortest exact floats), and `default_transaction_read_only` is on for the whole session.

use std::sync::OnceLock;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime};
use futures_util::future::join5;
use futures_util::TryStreamExt;
use serde_json::Value;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage, SimpleQueryRow};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::budget::{Budget, Trimmer};
use crate::config::{Engine, ServerConfig, TlsMode};
use crate::error::ConnectorError;
use crate::pg_text;
use crate::result::{Column, QueryResult};
use crate::tls;

/// Extra time the client waits past the server's statement timeout before it gives up on the
/// server and cancels from its side.
const CLIENT_GRACE: Duration = Duration::from_secs(2);

/// The session's output formats and defaults, sent in the startup packet.
const STARTUP_OPTIONS: &str = "-c default_transaction_read_only=on -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 \
     -c TimeZone=UTC -c extra_float_digits=1 -c bytea_output=hex -c standard_conforming_strings=on \
     -c client_encoding=UTF8";

/// A PostgreSQL server connector: a bounded pool and the session settings every query runs under.
pub struct PostgresConnector {
    pool: Pool,
    config: ServerConfig,
    tls: Option<MakeRustlsConnect>,
    /// Step 1 of every query (see the module docs), built once from the config.
    setup_sql: String,
}

impl std::fmt::Debug for PostgresConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresConnector").field("target", &self.config.display_target()).finish_non_exhaustive()
    }
}

impl PostgresConnector {
    /// A connector for `config`. Opens nothing yet: connections are made on first use, each within
    /// the connect timeout. Must be called inside a tokio runtime.
    pub fn new(config: ServerConfig) -> Result<Self, ConnectorError> {
        if config.engine != Engine::Postgres {
            return Err(ConnectorError::Open("this is not a PostgreSQL URL".into()));
        }
        let tls_config = tls::client_config(config.tls, config.ca_file.as_deref())?;
        let mut pg = tokio_postgres::Config::new();
        pg.host(&config.host)
            .port(config.port)
            .user(&config.user)
            .dbname(&config.database)
            .application_name("sqlgate")
            .options(STARTUP_OPTIONS)
            .connect_timeout(config.connect_timeout)
            .keepalives(true)
            .ssl_mode(match config.tls {
                TlsMode::Disable => tokio_postgres::config::SslMode::Disable,
                TlsMode::Require | TlsMode::VerifyFull => tokio_postgres::config::SslMode::Require,
            });
        if let Some(password) = &config.password {
            pg.password(password.expose());
        }
        let tls = tls_config.map(MakeRustlsConnect::new);
        let manager_config = ManagerConfig { recycling_method: RecyclingMethod::Fast };
        let manager = match &tls {
            Some(tls) => Manager::from_config(pg, tls.clone(), manager_config),
            None => Manager::from_config(pg, tokio_postgres::NoTls, manager_config),
        };
        let pool = Pool::builder(manager)
            .max_size(config.pool_size)
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(config.connect_timeout))
            .create_timeout(Some(config.connect_timeout))
            .recycle_timeout(Some(config.connect_timeout))
            .build()
            .map_err(|e| ConnectorError::Open(e.to_string()))?;
        let setup_sql = setup_sql(&config);
        Ok(PostgresConnector { pool, config, tls, setup_sql })
    }

    /// The connector's settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs `sql` (already approved by the guard) behind the session wall and reads at most
    /// `budget.max_rows + 1` rows into the answer.
    pub async fn query(&self, sql: &str, budget: Budget) -> Result<QueryResult, ConnectorError> {
        // A connection the server closed while it idled in the pool fails before anything ran;
        // it is dropped, and the query runs once more on a fresh one.
        match self.query_once(sql, budget).await {
            Err(Attempt::Closed(_)) => self.query_once(sql, budget).await.map_err(Attempt::into_error),
            other => other.map_err(Attempt::into_error),
        }
    }

    async fn query_once(&self, sql: &str, budget: Budget) -> Result<QueryResult, Attempt> {
        let object = self.pool.get().await.map_err(|e| Attempt::Failed(open_error(e, &self.config)))?;
        let mut lease = Lease::new(object, self.tls.clone());
        let deadline = self.config.statement_timeout + CLIENT_GRACE;
        // FETCH takes an int4 count.
        let fetch_sql = format!("FETCH {} FROM sqlgate_c", budget.max_rows.saturating_add(1).min(i32::MAX as u64));
        let declare_sql = format!("DECLARE sqlgate_c NO SCROLL CURSOR FOR {sql}");
        let end_sql = end_sql();
        let client: &Client = lease.client();
        // Rows are converted and trimmed as they arrive, so memory holds one row at a time; they
        // need the column types, which step 2 answers before step 4's rows come.
        let types = OnceLock::new();
        let prepared = async {
            let statement = client.prepare(sql).await?;
            let _ = types.set(statement.columns().iter().map(|c| c.type_().clone()).collect());
            Ok::<_, tokio_postgres::Error>(statement)
        };
        let pipeline = join5(
            client.batch_execute(&self.setup_sql),
            prepared,
            declare(client, &declare_sql),
            fetch_rows(client, &fetch_sql, &types, Trimmer::new(budget)),
            client.batch_execute(&end_sql),
        );
        let Ok((setup, statement, declared, fetched, ended)) = tokio::time::timeout(deadline, pipeline).await else {
            // The server did not stop the statement in time: the lease cancels it on the server
            // and closes the connection.
            return Err(Attempt::Failed(ConnectorError::Timeout(self.config.statement_timeout.as_millis() as u64)));
        };
        if ended.is_ok() {
            lease.mark_clean();
        }
        if leaves_session_state(sql) {
            lease.retire();
        }
        // The first failure explains the rest: a failed step aborts the transaction.
        // Only a connection found closed before the transaction began is retried: then nothing ran.
        let timeout = self.config.statement_timeout;
        setup.map_err(
            |e| if e.is_closed() { Attempt::Closed(lost(e)) } else { Attempt::Failed(pg_error(e, timeout)) },
        )?;
        let failed = |e| Attempt::Failed(pg_error(e, timeout));
        let statement = statement.map_err(failed)?;
        declared.map_err(failed)?;
        let mut fetched = fetched.map_err(failed)?;
        ended.map_err(failed)?;

        // Rows that came before the types did (a type the client had to look up first).
        let types: Vec<Type> = statement.columns().iter().map(|c| c.type_().clone()).collect();
        for row in std::mem::take(&mut fetched.early) {
            if !fetched.offer(&types, &row) {
                break;
            }
        }
        if fetched.not_utf8 {
            // A query that switched client_encoding gets rows that are not UTF-8: an error, never
            // a panic.
            return Err(Attempt::Failed(ConnectorError::Database(
                "the rows came back in an encoding other than UTF-8 (did the query change client_encoding?)".into(),
            )));
        }
        let columns = statement
            .columns()
            .iter()
            .map(|c| Column { name: c.name().to_owned(), type_name: pg_text::type_name(c.type_()) })
            .collect();
        let (rows, truncated) = fetched.trimmer.finish();
        Ok(QueryResult { columns, row_count: rows.len() as u64, rows, truncated, warnings: 0 })
    }

    /// Closes every pooled connection.
    pub async fn close(self) {
        self.pool.close();
    }

    /// A pooled connection for the connector's own catalog queries (schema, privileges), leased
    /// like a query's: it returns to the pool only once marked clean.
    pub(crate) async fn catalog_lease(&self) -> Result<Lease, ConnectorError> {
        let object = self.pool.get().await.map_err(|e| open_error(e, &self.config))?;
        Ok(Lease::new(object, self.tls.clone()))
    }
}

/// Step 3: declares the cursor over the extended protocol, reading its outcome to the end so
/// that an error there is reported as itself.
async fn declare(client: &Client, declare_sql: &str) -> Result<(), tokio_postgres::Error> {
    let no_params: [(&(dyn ToSql + Sync), Type); 0] = [];
    let stream = client.query_typed_raw(declare_sql, no_params).await?;
    futures_util::pin_mut!(stream);
    while stream.try_next().await?.is_some() {}
    Ok(())
}

/// Step 4's rows, trimmed as they came.
struct Fetched {
    trimmer: Trimmer,
    /// Rows that arrived before the column types were known.
    early: Vec<SimpleQueryRow>,
    /// Reading stopped: the trimmer is full, or a row was not UTF-8.
    done: bool,
    not_utf8: bool,
}

impl Fetched {
    /// Converts and offers one row; `false` once reading must stop.
    fn offer(&mut self, types: &[Type], row: &SimpleQueryRow) -> bool {
        if self.done {
            return false;
        }
        let cap = self.trimmer.cell_cap();
        let cells: Result<Vec<Value>, _> =
            types.iter().enumerate().map(|(i, ty)| row.try_get(i).map(|text| pg_text::cell(ty, text, cap))).collect();
        match cells {
            Ok(cells) => self.done = !self.trimmer.offer(cells),
            Err(_) => (self.not_utf8, self.done) = (true, true),
        }
        !self.done
    }
}

/// Step 4: reads the FETCH result (at most `max_rows + 1` rows, by construction of the FETCH),
/// handing each row to the trimmer as it arrives and dropping it; rows past the budget are read
/// and dropped unconverted.
async fn fetch_rows(
    client: &Client,
    fetch_sql: &str,
    types: &OnceLock<Vec<Type>>,
    trimmer: Trimmer,
) -> Result<Fetched, tokio_postgres::Error> {
    let stream = client.simple_query_raw(fetch_sql).await?;
    futures_util::pin_mut!(stream);
    let mut fetched = Fetched { trimmer, early: Vec::new(), done: false, not_utf8: false };
    while let Some(message) = stream.try_next().await? {
        let SimpleQueryMessage::Row(row) = message else { continue };
        match types.get() {
            Some(types) if fetched.early.is_empty() => {
                fetched.offer(types, &row);
            }
            _ if !fetched.done => fetched.early.push(row),
            _ => {}
        }
    }
    Ok(fetched)
}

/// Whether `sql` may call a function whose effect on the session outlives the rollback: a custom
/// setting's placeholder (`set_config('x.y', …)` leaves `x.y` defined as '') or a named `dblink`
/// connection. Such a query's connection is closed, not pooled. Read on the raw text, comments and
/// literals included, and on any `U&` escape (which could spell either name): a false alarm only
/// costs a new connection.
fn leaves_session_state(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    ["set_config", "dblink", "u&"]
        .iter()
        .any(|needle| bytes.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle.as_bytes())))
}

/// Step 1 of every query.
fn setup_sql(config: &ServerConfig) -> String {
    let search_path: Vec<String> = config.search_path.iter().map(|s| quote_ident(s)).collect();
    format!(
        "BEGIN READ ONLY; SET TRANSACTION READ ONLY; \
         SET LOCAL statement_timeout = {}; SET LOCAL lock_timeout = {}; \
         SET LOCAL idle_in_transaction_session_timeout = {}; \
         SET LOCAL search_path = {}; SET LOCAL standard_conforming_strings = on",
        config.statement_timeout.as_millis(),
        config.lock_timeout.as_millis(),
        (config.statement_timeout + CLIENT_GRACE).as_millis(),
        search_path.join(", "),
    )
}

/// A double-quoted identifier.
pub(crate) fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// How one attempt at a query failed: on a connection that was already closed (safe to retry:
/// nothing ran), or for good.
enum Attempt {
    Closed(ConnectorError),
    Failed(ConnectorError),
}

fn lost(e: tokio_postgres::Error) -> ConnectorError {
    ConnectorError::Open(format!("the connection to the server was lost: {e}"))
}

impl Attempt {
    fn into_error(self) -> ConnectorError {
        match self {
            Attempt::Closed(e) | Attempt::Failed(e) => e,
        }
    }
}

/// A PostgreSQL error as a connector error: timeouts and read-only refusals by their SQLSTATE,
/// the server's message and code otherwise.
pub(crate) fn pg_error(e: tokio_postgres::Error, timeout: Duration) -> ConnectorError {
    let Some(db) = e.as_db_error() else {
        return ConnectorError::Open(e.to_string());
    };
    match db.code() {
        c if *c == SqlState::QUERY_CANCELED => ConnectorError::Timeout(timeout.as_millis() as u64),
        c if *c == SqlState::READ_ONLY_SQL_TRANSACTION => ConnectorError::NotReadOnly,
        c if *c == SqlState::LOCK_NOT_AVAILABLE => ConnectorError::Database(format!(
            "{} (SQLSTATE {}); a table it reads is locked by another session — try again later",
            db.message(),
            c.code()
        )),
        c => ConnectorError::Database(format!("{} (SQLSTATE {})", db.message(), c.code())),
    }
}

/// A pool failure as a connector error that says what to check.
fn open_error(e: PoolError, config: &ServerConfig) -> ConnectorError {
    let target = config.display_target();
    match e {
        PoolError::Timeout(_) => ConnectorError::Open(format!(
            "timed out connecting to {target} after {} s; check the host, port and firewall, or raise connect_timeout",
            config.connect_timeout.as_secs()
        )),
        PoolError::Backend(e) => {
            let text = e.to_string();
            if text.contains("tls") || text.contains("TLS") || text.contains("certificate") || text.contains("ssl") {
                ConnectorError::Tls(format!("{target}: {text}"))
            } else {
                ConnectorError::Open(format!("{target}: {text}"))
            }
        }
        other => ConnectorError::Open(format!("{target}: {other}")),
    }
}

/// Step 5 of every query: end the transaction, release session-level advisory locks, and reseed
/// `random()` from the OS (a `setseed()` in the query would otherwise survive the rollback and
/// make the next query's random numbers predictable).
fn end_sql() -> String {
    use aes_gcm::aead::rand_core::RngCore;
    let seed = (aes_gcm::aead::OsRng.next_u32() as f64 / u32::MAX as f64) * 2.0 - 1.0;
    format!("ROLLBACK; SELECT pg_advisory_unlock_all(), setseed({seed})")
}

/// A pooled connection that goes back to the pool only when marked clean. Otherwise, when dropped
/// (an error, a timeout, or a caller that gave up on the query), its statement is cancelled on the
/// server and the connection is taken out of the pool and closed.
pub(crate) struct Lease {
    object: Option<Object>,
    tls: Option<MakeRustlsConnect>,
    clean: bool,
    /// Idle but not reusable: closed without a cancel request.
    retire: bool,
}

impl Lease {
    pub(crate) fn new(object: Object, tls: Option<MakeRustlsConnect>) -> Self {
        Lease { object: Some(object), tls, clean: false, retire: false }
    }

    pub(crate) fn client(&self) -> &Client {
        self.object.as_ref().expect("the object is only taken on drop")
    }

    pub(crate) fn mark_clean(&mut self) {
        self.clean = true;
    }

    /// The statement ended, but the session may hold state the rollback does not undo: close the
    /// connection instead of pooling it.
    pub(crate) fn retire(&mut self) {
        self.retire = true;
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(object) = self.object.take() {
            if self.retire && self.clean {
                drop(Object::take(object));
            } else if !self.clean {
                // Closing the socket does not stop a running statement: cancel it first (the
                // cancel request goes over its own connection), then detach the connection from
                // the pool; dropping the client ends it.
                let token = object.cancel_token();
                if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                    let tls = self.tls.take();
                    runtime.spawn(async move {
                        let _ = match tls {
                            Some(tls) => token.cancel_query(tls).await,
                            None => token.cancel_query(tokio_postgres::NoTls).await,
                        };
                    });
                }
                drop(Object::take(object));
            }
        }
    }
}
