//! One interface over the three kinds of database: run a query behind the session wall, describe
//! the exposed schema, and report what the credentials could do beyond reading.

use std::path::PathBuf;
use std::time::Duration;

use crate::budget::Budget;
use crate::config::{ConfigError, Engine, ServerConfig, DEFAULT_STATEMENT_TIMEOUT};
use crate::error::ConnectorError;
use crate::mysql::MysqlConnector;
use crate::postgres::PostgresConnector;
use crate::privileges::{PrivilegeKind, PrivilegeReport};
use crate::result::QueryResult;
use crate::schema::{Exposure, Schema};
use crate::sqlite;

/// Where a connector points, parsed from a URL: `postgres://…`, `mysql://…` or `sqlite:PATH`.
#[derive(Clone, Debug)]
pub enum Target {
    /// A PostgreSQL or MySQL/MariaDB server.
    Server(ServerConfig),
    /// A SQLite file, opened read-only.
    Sqlite(PathBuf),
}

impl Target {
    /// Parses a database URL. Errors never repeat the URL.
    pub fn parse(url: &str) -> Result<Self, ConfigError> {
        if let Some(path) = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(ConfigError::SqlitePath);
            }
            return Ok(Target::Sqlite(PathBuf::from(path)));
        }
        ServerConfig::from_url(url).map(Target::Server)
    }
}

/// A database connector of any kind.
// One per configured database, created once and never moved on a hot path: boxing would only
// add an indirection.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Connector {
    /// PostgreSQL.
    Postgres(PostgresConnector),
    /// MySQL or MariaDB.
    Mysql(MysqlConnector),
    /// A SQLite file; each query opens it read-only.
    Sqlite {
        /// The file.
        path: PathBuf,
        /// The time limit per query.
        timeout: Duration,
    },
}

impl Connector {
    /// A connector for `target`. Opens nothing yet; server connectors must be created inside a
    /// tokio runtime.
    pub fn new(target: Target) -> Result<Self, ConnectorError> {
        match target {
            Target::Server(config) => match config.engine {
                Engine::Postgres => PostgresConnector::new(config).map(Connector::Postgres),
                Engine::Mysql => MysqlConnector::new(config).map(Connector::Mysql),
            },
            Target::Sqlite(path) => Ok(Connector::Sqlite { path, timeout: DEFAULT_STATEMENT_TIMEOUT }),
        }
    }

    /// Runs `sql` (approved by the guard) read-only and returns what fits `budget`.
    pub async fn query(&self, sql: &str, budget: Budget) -> Result<QueryResult, ConnectorError> {
        match self {
            Connector::Postgres(c) => c.query(sql, budget).await,
            Connector::Mysql(c) => c.query(sql, budget).await,
            Connector::Sqlite { path, timeout } => {
                let (path, sql, timeout) = (path.clone(), sql.to_owned(), *timeout);
                blocking(move || sqlite::query(&path, &sql, budget, timeout)).await
            }
        }
    }

    /// The exposed tables and views.
    pub async fn schema(&self, exposure: &Exposure) -> Result<Schema, ConnectorError> {
        match self {
            Connector::Postgres(c) => c.schema(exposure).await,
            Connector::Mysql(c) => c.schema(exposure).await,
            Connector::Sqlite { path, .. } => {
                let (path, exposure) = (path.clone(), exposure.clone());
                blocking(move || sqlite::schema(&path, &exposure)).await
            }
        }
    }

    /// What the credentials can do beyond reading. A SQLite file is opened read-only, so it has
    /// nothing to report.
    pub async fn privileges(&self, exposure: &Exposure) -> Result<PrivilegeReport, ConnectorError> {
        match self {
            Connector::Postgres(c) => c.privileges(exposure).await,
            Connector::Mysql(c) => c.privileges(exposure).await,
            Connector::Sqlite { .. } => Ok(PrivilegeReport { warnings: Vec::new(), fix_sql: None }),
        }
    }

    /// The privilege report, as an error when the credentials are a superuser's (unless the URL
    /// says `allow_superuser=true`), or can do more than read and the connector is set to refuse
    /// such credentials (`refuse_privileged=true`).
    pub async fn vet(&self, exposure: &Exposure) -> Result<PrivilegeReport, ConnectorError> {
        let report = self.privileges(exposure).await?;
        let (refuse, allow_superuser) = match self {
            Connector::Postgres(c) => (c.config().refuse_privileged, c.config().allow_superuser),
            Connector::Mysql(c) => (c.config().refuse_privileged, c.config().allow_superuser),
            Connector::Sqlite { .. } => (false, false),
        };
        if !allow_superuser && report.warnings.iter().any(|w| w.kind == PrivilegeKind::Superuser) {
            return Err(ConnectorError::Privileged(
                "these credentials are a superuser's, and a superuser's session can act outside the read-only transaction (replication slots, dblink, server files); connect with a read-only role (the README's least-privilege section has the SQL), or add allow_superuser=true to the URL to accept the risk".into(),
            ));
        }
        if refuse && !report.is_read_only() {
            return Err(ConnectorError::Privileged(format!(
                "the connector is set to refuse credentials that can do more than read, and these can ({}); connect with a read-only role (the README's least-privilege section has the SQL)",
                report.powers()
            )));
        }
        Ok(report)
    }

    /// Closes pooled connections.
    pub async fn close(self) {
        match self {
            Connector::Postgres(c) => c.close().await,
            Connector::Mysql(c) => c.close().await,
            Connector::Sqlite { .. } => {}
        }
    }
}

/// Runs blocking SQLite work off the async threads.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ConnectorError> + Send + 'static,
) -> Result<T, ConnectorError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|e| Err(ConnectorError::Database(format!("the SQLite worker stopped: {e}"))))
}
