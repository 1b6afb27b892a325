//! sqlgate's database side.
//!
//! Read-only sessions against PostgreSQL, MySQL/MariaDB and SQLite, result budgets and type
//! mapping, schema introspection, the least-privilege report, and sealed credentials:
//!
//! - [`Connector`]: one interface over every kind of database, built from a [`Target`] (a URL);
//!   [`postgres::PostgresConnector`] pools connections and runs each query behind the session
//!   wall described in its module;
//! - [`ServerConfig`]: a server URL's settings (TLS mode, timeouts, pool size, search path);
//! - [`Schema`] and [`PrivilegeReport`]: what the ask pipeline and the admin are told;
//! - [`Budget`] and [`Trimmer`]: rows, bytes and cell caps enforced while rows stream in, and the
//!   [`Truncation`] that says what was cut;
//! - [`sqlite::query`] and [`sqlite::schema`]: one read-only SQLite session behind its own wall;
//! - [`mysql::MysqlConnector`]: a pool of read-only MySQL/MariaDB sessions behind their own wall,
//!   with type mapping to JSON, schema introspection and the privilege report;
//! - [`Secret`]: a credential in memory — zeroized on drop, redacted from `Debug`, `Display` and
//!   `Serialize`, readable only through [`Secret::expose`];
//! - [`MasterKey`] and [`seal`]/[`unseal`]: AES-256-GCM sealing of credentials before they touch a
//!   store, bound to the connector they belong to, and [`rotate`] to re-seal everything under a new
//!   master key, all or nothing.

#![forbid(missing_docs)]
#![forbid(unsafe_code)]

mod budget;
mod config;
mod connector;
mod error;
pub mod mysql;
mod pg_catalog;
mod pg_text;
pub mod postgres;
mod privileges;
mod result;
mod schema;
mod seal;
mod secret;
pub mod sqlite;
mod tls;

pub use budget::{Budget, CutReason, Trimmer, Truncation, CUT_MARKER, MIN_CELL_BYTES};
pub use config::{
    ConfigError, Engine, ServerConfig, TlsMode, DEFAULT_CONNECT_TIMEOUT, DEFAULT_LOCK_TIMEOUT, DEFAULT_POOL_SIZE,
    DEFAULT_STATEMENT_TIMEOUT,
};
pub use connector::{Connector, Target};
pub use error::ConnectorError;
pub use privileges::{PrivilegeKind, PrivilegeReport, PrivilegeWarning};
pub use result::{Column, QueryResult};
pub use schema::{Exposure, ForeignKey, Schema, SchemaColumn, Table, TableKind, TableRef};
pub use seal::{rotate, seal, unseal, KeyError, KeyId, MasterKey, SealError, SealedSecret, MASTER_KEY_ENV};
pub use secret::Secret;
