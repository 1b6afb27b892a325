//! MySQL and MariaDB: a pooled connector whose sessions are a second wall behind the guard.
//!
//! Whatever the guard said, a query runs like this:
//!
//! - every connection runs, on connect and again after every reset, one `SET` that pins
//!   `sql_mode` (backslash escapes on, `"…"` a string: what the guard's MySQL dialect assumes),
//!   `time_zone = '+00:00'`, utf8mb4 and the server-side statement time limit
//!   (`max_statement_time` on MariaDB, `max_execution_time` on MySQL), and
//!   `SET SESSION TRANSACTION READ ONLY`, so that even the transaction a DDL statement's implicit
//!   commit opens is read-only;
//! - each query opens `START TRANSACTION READ ONLY`, prepares the text (binary protocol: one
//!   statement, never `COM_QUERY` with user text), refuses it unless it has no placeholders and
//!   returns rows (that alone rules out `SET`, DDL, DML without `RETURNING`, `KILL`, `GRANT`,
//!   `SELECT … INTO`, `CALL`, transaction control), executes it, and always rolls back;
//! - rows stream one at a time into the [`Trimmer`]; when it stops reading with rows still
//!   pending, the statement is killed (`KILL QUERY` from a side connection) and its connection
//!   closed without reading the rest;
//! - a connection that errored, timed out, stopped early or was cancelled is closed, never
//!   reused; a clean one goes back to the pool, which resets it (`COM_RESET_CONNECTION`: user
//!   variables, `GET_LOCK` locks, temporary tables, prepared statements and session settings are
//!   gone) and re-applies the settings above before anyone gets it again.
//!
//! mysql_async facts this relies on (0.37, checked in its source): the pool resets a returned
//! connection and re-runs `OptsBuilder::setup` afterwards (src/conn/pool/recycler.rs
//! `conn_decision`, src/conn/mod.rs `reset_for_pool` → `reset` → `run_setup_commands`). Dropping a
//! connection that still has a result pending reads that result to its end, in the pool's
//! background task for a pooled connection (recycler.rs `cleanup_for_pool`) and in a spawned task
//! for a lone one (src/conn/mod.rs `fn disconnect`); even `Conn::disconnect` drains first
//! (`write_command` → `clean_dirty` → `drop_result`). But `Conn::disconnect` marks the connection
//! disconnected before its first await, and a connection so marked is neither drained nor reused
//! when dropped: this module polls `disconnect` once and drops it (`close_now`).
//! mysql_async always announces `CLIENT_MULTI_STATEMENTS` (src/opts/mod.rs `get_capabilities`),
//! which only matters for `COM_QUERY`: user text goes through `COM_STMT_PREPARE` alone, which
//! takes exactly one statement.

mod grants;
mod introspect;
mod options;
mod types;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Pool, Row, Statement};
use tokio::sync::OnceCell;

use crate::budget::{Budget, Trimmer};
use crate::config::ServerConfig;
use crate::error::ConnectorError;
use crate::privileges::PrivilegeReport;
use crate::result::{Column, QueryResult};
use crate::schema::{Exposure, Schema};
use options::Flavour;
use types::{ColumnOrigin, Kind, ResultColumn};

/// How much longer than the server-side limit the client waits before it gives up on a server
/// that does not answer at all.
const CLIENT_MARGIN: Duration = Duration::from_secs(2);
/// How long a cached MariaDB JSON-column lookup is trusted.
const JSON_CACHE_TTL: Duration = Duration::from_secs(60);
/// Tables whose JSON columns are cached at most; past it the cache starts over.
const JSON_CACHE_TABLES: usize = 1024;
/// How long closing the pool may take.
const CLOSE_LIMIT: Duration = Duration::from_secs(5);
/// How long the read after the budget stopped may wait to learn whether the result ended. The end
/// of a result the guard's `LIMIT` cut arrives with its last row; a row still being computed is
/// not worth waiting for, since its connection is then closed anyway.
const PEEK_LIMIT: Duration = Duration::from_millis(100);

/// MariaDB `JSON` columns of one table, found through their `json_valid` check.
const MARIADB_TABLE_JSON_COLUMNS: &str = "SELECT CONSTRAINT_NAME \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ? \
     AND LEVEL = 'Column' AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)')";

/// Server error codes the connector tells apart.
mod code {
    /// `ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION`.
    pub const READ_ONLY: u16 = 1792;
    /// MariaDB `ER_STATEMENT_TIMEOUT` (`max_statement_time` exceeded).
    pub const MARIADB_TIMEOUT: u16 = 1969;
    /// MySQL `ER_QUERY_TIMEOUT` (`max_execution_time` exceeded).
    pub const MYSQL_TIMEOUT: u16 = 3024;
}

/// A MySQL or MariaDB server connector: a bounded pool of read-only sessions.
pub struct MysqlConnector {
    /// Where to connect and under which limits.
    config: ServerConfig,
    /// Address, credentials and TLS, without session setup or pool: what the pool is built on.
    base: OptsBuilder,
    /// The same, as options for side connections.
    side: Opts,
    /// The pool and the server family, set up on first use (telling MariaDB from MySQL needs a
    /// connection, and [`MysqlConnector::new`] does no network IO).
    session: OnceCell<Session>,
    /// MariaDB: which columns of which tables are JSON.
    json_columns: JsonColumnCache,
}

/// `(database, table)`.
type TableKey = (String, String);

/// A table's JSON column names, and when they were read.
type JsonColumns = (Instant, Arc<HashSet<String>>);

/// MariaDB JSON columns by table, each entry trusted for [`JSON_CACHE_TTL`].
#[derive(Default)]
struct JsonColumnCache {
    /// Entries by table.
    tables: Mutex<HashMap<TableKey, JsonColumns>>,
}

impl JsonColumnCache {
    /// A fresh entry, if any.
    fn get(&self, key: &TableKey) -> Option<Arc<HashSet<String>>> {
        let tables = self.tables.lock().ok()?;
        let (at, found) = tables.get(key)?;
        (at.elapsed() < JSON_CACHE_TTL).then(|| Arc::clone(found))
    }

    /// Stores an entry; a full cache starts over.
    fn put(&self, key: TableKey, columns: Arc<HashSet<String>>) {
        if let Ok(mut tables) = self.tables.lock() {
            if tables.len() >= JSON_CACHE_TABLES {
                tables.clear();
            }
            tables.insert(key, (Instant::now(), columns));
        }
    }
}

/// The pool, once the server family is known.
struct Session {
    /// Pooled connections, each reset and set up again before reuse.
    pool: Pool,
    /// MariaDB or MySQL.
    flavour: Flavour,
}

impl fmt::Debug for MysqlConnector {
    // mysql_async's own `Debug` for its options prints the password: never delegate to it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlConnector")
            .field("target", &self.config.display_target())
            .field("tls", &self.config.tls)
            .field("flavour", &self.session.get().map(|s| s.flavour))
            .finish_non_exhaustive()
    }
}

impl MysqlConnector {
    /// A connector for `config`, without network IO: the options, the TLS setup (a CA file is read
    /// and checked now) and the pool's bounds are built, and a config for another engine is
    /// refused.
    pub fn new(config: ServerConfig) -> Result<Self, ConnectorError> {
        let base = options::base_opts(&config)?;
        let side = Opts::from(base.clone());
        Ok(MysqlConnector { config, base, side, session: OnceCell::new(), json_columns: JsonColumnCache::default() })
    }

    /// The connector's settings.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }

    /// Runs `sql` (already approved by the guard) in a read-only session and reads at most what
    /// `budget` allows.
    pub async fn query(&self, sql: &str, budget: Budget) -> Result<QueryResult, ConnectorError> {
        let session = self.session().await?;
        let mut lease = self.begin(session).await?;
        let limit = self.config.statement_timeout + CLIENT_MARGIN;
        let outcome = tokio::time::timeout(limit, self.run(&mut lease, session.flavour, sql, budget)).await;
        match outcome {
            Ok(Ok(Run { result, clean: true })) => {
                lease.release();
                Ok(result)
            }
            Ok(Ok(Run { result, clean: false })) => {
                lease.abandon(true).await;
                Ok(result)
            }
            Ok(Err(failure)) => {
                lease.abandon(failure.may_still_run).await;
                Err(failure.error)
            }
            Err(_elapsed) => {
                lease.abandon(true).await;
                Err(self.timeout())
            }
        }
    }

    /// The exposed tables and views of the connector's database.
    pub async fn schema(&self, exposure: &Exposure) -> Result<Schema, ConnectorError> {
        let session = self.session().await?;
        let mut lease = self.begin(session).await?;
        let limit = self.config.statement_timeout + CLIENT_MARGIN;
        let read = async {
            let conn = lease.conn()?;
            let schema = introspect::read(conn, &self.config.database, session.flavour, exposure).await;
            let schema = schema.map_err(|e| self.database_error(e))?;
            conn.query_drop("ROLLBACK").await.map_err(|e| self.database_error(e))?;
            Ok(schema)
        };
        let outcome = tokio::time::timeout(limit, read).await;
        match outcome {
            Ok(Ok(schema)) => {
                lease.release();
                Ok(schema)
            }
            Ok(Err(error)) => {
                lease.abandon(false).await;
                Err(error)
            }
            Err(_elapsed) => {
                lease.abandon(true).await;
                Err(self.timeout())
            }
        }
    }

    /// What the connector's account can do beyond reading the exposed tables, and the SQL for a
    /// read-only account. Reads `SHOW GRANTS` on a connection of its own (it enables each of the
    /// account's roles in turn to list their grants), closed afterwards.
    pub async fn privileges(&self, exposure: &Exposure) -> Result<PrivilegeReport, ConnectorError> {
        let flavour = self.session().await?.flavour;
        let mut conn = self.side_connection().await?;
        let limit = self.config.statement_timeout + CLIENT_MARGIN;
        let read = tokio::time::timeout(limit, grants::read(&mut conn, flavour)).await;
        if read.is_ok() {
            close_cleanly(conn, self.config.connect_timeout).await;
        } else {
            close_now(conn);
        }
        match read {
            Ok(Ok(found)) => Ok(grants::report(&found, &self.config.database, exposure)),
            Ok(Err(e)) => Err(self.database_error(e)),
            Err(_elapsed) => Err(self.timeout()),
        }
    }

    /// Closes every pooled connection.
    pub async fn close(self) {
        if let Some(session) = self.session.into_inner() {
            let _ = tokio::time::timeout(CLOSE_LIMIT, session.pool.disconnect()).await;
        }
    }

    /// The pool, created on first use after asking the server which family it is.
    async fn session(&self) -> Result<&Session, ConnectorError> {
        self.session
            .get_or_try_init(|| async {
                let mut conn = self.side_connection().await?;
                let version =
                    tokio::time::timeout(self.config.connect_timeout, conn.query_first::<Row, _>("SELECT VERSION()"))
                        .await
                        .map_err(|_| self.connect_timeout())?
                        .map_err(|e| self.open_error(e))?;
                close_cleanly(conn, self.config.connect_timeout).await;
                let version = version.and_then(|row| introspect::text_at(&row.unwrap_raw(), 0)).unwrap_or_default();
                let flavour = Flavour::from_version(&version);
                Ok(Session { pool: Pool::new(options::pooled_opts(&self.base, &self.config, flavour)), flavour })
            })
            .await
    }

    /// A pooled connection inside `START TRANSACTION READ ONLY`. A connection that fails before
    /// any user statement was sent (the server killed it while it idled) is closed and replaced
    /// once.
    async fn begin(&self, session: &Session) -> Result<Lease, ConnectorError> {
        let limit = self.config.statement_timeout + CLIENT_MARGIN;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let conn = match tokio::time::timeout(self.config.connect_timeout, session.pool.get_conn()).await {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => return Err(self.open_error(e)),
                Err(_elapsed) => return Err(self.connect_timeout()),
            };
            let mut lease = self.lease(conn);
            let started = match lease.conn() {
                Ok(conn) => tokio::time::timeout(limit, conn.query_drop("START TRANSACTION READ ONLY")).await,
                Err(e) => return Err(e),
            };
            match started {
                Ok(Ok(())) => return Ok(lease),
                Ok(Err(e)) if e.is_fatal() && attempts < 2 => lease.abandon(false).await,
                Ok(Err(e)) => {
                    lease.abandon(false).await;
                    return Err(self.open_error(e));
                }
                Err(_elapsed) => {
                    lease.abandon(true).await;
                    return Err(self.timeout());
                }
            }
        }
    }

    /// Prepares, checks and executes the statement, streams rows into the trimmer, and rolls
    /// back when the result was read to its end.
    async fn run(&self, lease: &mut Lease, flavour: Flavour, sql: &str, budget: Budget) -> Result<Run, Failure> {
        let conn = lease.conn().map_err(Failure::done)?;
        let statement = conn.prep(sql).await.map_err(|e| Failure::done(self.database_error(e)))?;
        check_statement(&statement).map_err(Failure::done)?;
        let json = match flavour {
            Flavour::MariaDb => {
                self.mariadb_json(conn, &statement).await.map_err(|e| Failure::done(self.database_error(e)))?
            }
            Flavour::MySql => vec![false; statement.columns().len()],
        };
        let mut result = conn.exec_iter(&statement, ()).await.map_err(|e| Failure::done(self.database_error(e)))?;
        let columns: Vec<ResultColumn> = result
            .columns_ref()
            .iter()
            .enumerate()
            .map(|(i, c)| types::describe(c, json.get(i).copied().unwrap_or(false)))
            .collect();
        if columns.is_empty() {
            return Err(Failure::running(ConnectorError::NotReadOnly));
        }
        if let Some(c) = columns.iter().find(|c| c.kind == Kind::Unsupported) {
            return Err(Failure::running(ConnectorError::Database(format!(
                "the column {:?} has a type the connector cannot read; cast it (e.g. CAST(col AS CHAR))",
                c.name
            ))));
        }
        let mut trimmer = Trimmer::new(budget);
        let mut stopped = false;
        while let Some(row) = result.next().await.map_err(|e| Failure::done(self.database_error(e)))? {
            let mut values = row.unwrap_raw().into_iter();
            let cells =
                columns.iter().map(|c| types::cell(values.next().flatten(), c, budget.max_cell_bytes)).collect();
            if !trimmer.offer(cells) {
                stopped = true;
                break;
            }
        }
        // Reading stopped at the budget: one more read tells whether the result had ended (the
        // guard's LIMIT is one past the row cap) or rows are still coming.
        let finished = if stopped {
            match tokio::time::timeout(PEEK_LIMIT, result.next()).await {
                Ok(next) => next.map_err(|e| Failure::done(self.database_error(e)))?.is_none() && result.is_empty(),
                Err(_elapsed) => false,
            }
        } else {
            // A statement with several result sets (a procedure) is never read past the first.
            result.is_empty()
        };
        // The end of the result carries the statement's warning count.
        let warnings = if finished { result.warnings() } else { 0 };
        drop(result);
        if finished {
            conn.query_drop("ROLLBACK").await.map_err(|e| Failure::done(self.database_error(e)))?;
        }
        let (rows, truncated) = trimmer.finish();
        let columns = columns.into_iter().map(|c| Column { name: c.name, type_name: c.type_name }).collect();
        Ok(Run {
            result: QueryResult { columns, row_count: rows.len() as u64, rows, truncated, warnings },
            clean: finished,
        })
    }

    /// MariaDB: which of the statement's columns are JSON (a `LONGTEXT` column of a table with its
    /// `json_valid` check), from a cache refreshed every minute.
    async fn mariadb_json(&self, conn: &mut Conn, statement: &Statement) -> Result<Vec<bool>, mysql_async::Error> {
        let columns = statement.columns();
        let mut flags = Vec::with_capacity(columns.len());
        for column in columns.iter() {
            let is_json = match types::json_candidate(column) {
                Some(origin) => self.table_json_columns(conn, &origin).await?.contains(&origin.column),
                None => false,
            };
            flags.push(is_json);
        }
        Ok(flags)
    }

    /// The JSON columns of the table `origin` names, from the cache or the server.
    async fn table_json_columns(
        &self,
        conn: &mut Conn,
        origin: &ColumnOrigin,
    ) -> Result<Arc<HashSet<String>>, mysql_async::Error> {
        let key = (origin.schema.clone(), origin.table.clone());
        if let Some(found) = self.json_columns.get(&key) {
            return Ok(found);
        }
        let found: HashSet<String> =
            match conn.exec::<Row, _, _>(MARIADB_TABLE_JSON_COLUMNS, (key.0.as_str(), key.1.as_str())).await {
                Ok(rows) => rows.into_iter().filter_map(|row| introspect::text_at(&row.unwrap_raw(), 0)).collect(),
                // A server without the view has no JSON alias either.
                Err(mysql_async::Error::Server(_)) => HashSet::new(),
                Err(other) => return Err(other),
            };
        let found = Arc::new(found);
        self.json_columns.put(key, Arc::clone(&found));
        Ok(found)
    }

    /// A connection outside the pool, without session setup: flavour detection, `KILL QUERY`,
    /// the privilege report.
    async fn side_connection(&self) -> Result<Conn, ConnectorError> {
        side_connection(self.side.clone(), self.config.connect_timeout)
            .await
            .map_err(|e| e.map_or_else(|| self.connect_timeout(), |e| self.open_error(e)))
    }

    /// Holds a pooled connection for one query.
    fn lease(&self, conn: Conn) -> Lease {
        Lease { conn: Some(conn), side: self.side.clone(), connect_timeout: self.config.connect_timeout }
    }

    /// The statement ran past its limit.
    fn timeout(&self) -> ConnectorError {
        ConnectorError::Timeout(self.config.statement_timeout.as_millis() as u64)
    }

    /// No connection could be had in time.
    fn connect_timeout(&self) -> ConnectorError {
        ConnectorError::Open(format!(
            "no connection to {} within {} s: the server did not answer, or all {} pooled connections stayed busy",
            self.config.display_target(),
            self.config.connect_timeout.as_secs(),
            self.config.pool_size
        ))
    }

    /// An error while connecting or opening a session.
    fn open_error(&self, error: mysql_async::Error) -> ConnectorError {
        tls_error(&error).unwrap_or_else(|| match error {
            mysql_async::Error::Server(e) => {
                ConnectorError::Open(format!("{}: {} (error {})", self.config.display_target(), e.message, e.code))
            }
            other => ConnectorError::Open(format!("could not connect to {}: {other}", self.config.display_target())),
        })
    }

    /// An error while a statement ran.
    fn database_error(&self, error: mysql_async::Error) -> ConnectorError {
        if let Some(tls) = tls_error(&error) {
            return tls;
        }
        match error {
            mysql_async::Error::Server(e) if e.code == code::READ_ONLY => ConnectorError::NotReadOnly,
            mysql_async::Error::Server(e) if e.code == code::MARIADB_TIMEOUT || e.code == code::MYSQL_TIMEOUT => {
                self.timeout()
            }
            mysql_async::Error::Server(e) => ConnectorError::Database(format!("{} (error {})", e.message, e.code)),
            mysql_async::Error::Driver(mysql_async::DriverError::StmtParamsMismatch { .. }) => placeholders(),
            mysql_async::Error::Driver(mysql_async::DriverError::MixedParams) => placeholders(),
            other => {
                ConnectorError::Database(format!("the connection to {} failed: {other}", self.config.display_target()))
            }
        }
    }
}

/// Refuses a prepared statement that takes parameters (sqlgate sends none; mysql_async would also
/// have rewritten `:name` into `?`) or returns no rows (not a query: `SET`, DDL, DML, `CALL`,
/// `SELECT … INTO`, transaction control). Nothing has run yet.
fn check_statement(statement: &Statement) -> Result<(), ConnectorError> {
    if statement.num_params() > 0 {
        return Err(placeholders());
    }
    if statement.num_columns() == 0 {
        return Err(ConnectorError::NotReadOnly);
    }
    Ok(())
}

/// The refusal of a statement with placeholders.
fn placeholders() -> ConnectorError {
    ConnectorError::Database("the statement has placeholders (`?` or `:name`); write the values into the query".into())
}

/// A TLS failure, said plainly, if `error` is one.
fn tls_error(error: &mysql_async::Error) -> Option<ConnectorError> {
    match error {
        mysql_async::Error::Driver(mysql_async::DriverError::NoClientSslFlagFromServer) => Some(ConnectorError::Tls(
            "the server does not offer TLS, but the connector requires it (sslmode); enable TLS on the server, or use sslmode=disable on a trusted network".into(),
        )),
        mysql_async::Error::Io(mysql_async::IoError::Tls(e)) => Some(ConnectorError::Tls(e.to_string())),
        mysql_async::Error::Io(mysql_async::IoError::Io(e)) => e
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
            .map(|e| ConnectorError::Tls(format!("the server's certificate or handshake was refused: {e}"))),
        _ => None,
    }
}

/// Opens a connection outside the pool. `Err(None)` is a timeout.
async fn side_connection(opts: Opts, limit: Duration) -> Result<Conn, Option<mysql_async::Error>> {
    match tokio::time::timeout(limit, Conn::new(opts)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(Some(e)),
        Err(_elapsed) => Err(None),
    }
}

/// Closes a connection that has nothing pending (`COM_QUIT`, then the socket), within `limit`.
/// Past the limit the attempt is dropped, which closes the socket anyway (see [`close_now`]).
async fn close_cleanly(conn: Conn, limit: Duration) {
    let _ = tokio::time::timeout(limit, conn.disconnect()).await;
}

/// Closes a connection at once without reading what the server still sends, and keeps it out of
/// the pool. `Conn::disconnect` marks the connection disconnected before its first await; polled
/// once (it may read what has already arrived, never waits) and dropped, the connection is then
/// discarded by the pool, or closed, without the drain its `Drop` would otherwise start.
fn close_now(conn: Conn) {
    let _ = conn.disconnect().now_or_never();
}

/// Stops whatever statement runs on connection `id`, from a connection of its own (best effort:
/// the statement may have ended already, and an account may always kill its own statements).
async fn kill_query(side: Opts, id: u32, limit: Duration) {
    let kill = async {
        if let Ok(mut conn) = side_connection(side, limit).await {
            // `id` is the server's connection number, not user text.
            let _ = conn.query_drop(format!("KILL QUERY {id}")).await;
            let _ = conn.disconnect().await;
        }
    };
    let _ = tokio::time::timeout(limit + limit, kill).await;
}

/// A pooled connection while a query holds it. Released, it returns to the pool (which resets
/// it); abandoned or dropped, it is closed without draining and its statement killed.
struct Lease {
    /// The connection, until released or abandoned.
    conn: Option<Conn>,
    /// Options for the side connection that kills a statement.
    side: Opts,
    /// Bound on the side connection.
    connect_timeout: Duration,
}

impl Lease {
    /// The held connection (gone only after `release` or `abandon`, which consume the lease).
    fn conn(&mut self) -> Result<&mut Conn, ConnectorError> {
        self.conn.as_mut().ok_or_else(|| ConnectorError::Database("the session's connection is gone".into()))
    }

    /// Gives a clean connection (transaction rolled back, result read to its end) back to the pool.
    fn release(mut self) {
        drop(self.conn.take());
    }

    /// Closes the connection for good. With `kill` (the statement may still run, or rows are
    /// pending) see [`Lease::close_and_kill`]; without, nothing is pending and it says goodbye
    /// properly.
    async fn abandon(mut self, kill: bool) {
        if let Some(conn) = self.conn.take() {
            if kill {
                self.close_and_kill(conn);
            } else {
                close_cleanly(conn, self.connect_timeout).await;
            }
        }
    }

    /// Closes `conn` at once without reading on, and kills its statement from a side connection
    /// in the background: the answer does not wait for that connection's handshake.
    fn close_and_kill(&self, conn: Conn) {
        let id = conn.id();
        close_now(conn);
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(kill_query(self.side.clone(), id, self.connect_timeout));
        }
    }
}

impl Drop for Lease {
    /// Cancelled mid-query (the caller dropped the future): close now, kill in the background.
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.close_and_kill(conn);
        }
    }
}

/// A statement's rows, and whether its connection is clean enough to reuse.
struct Run {
    /// The rows kept, with their columns and truncation.
    result: QueryResult,
    /// The result was read to its end and the transaction rolled back.
    clean: bool,
}

/// A failed run, and whether the statement may still be running on the server.
struct Failure {
    /// What to tell the caller.
    error: ConnectorError,
    /// Whether to kill the statement and close without reading on.
    may_still_run: bool,
}

impl Failure {
    /// The statement is over (or never started).
    fn done(error: ConnectorError) -> Self {
        Failure { error, may_still_run: false }
    }

    /// The statement may still be running, or rows are pending.
    fn running(error: ConnectorError) -> Self {
        Failure { error, may_still_run: true }
    }
}
