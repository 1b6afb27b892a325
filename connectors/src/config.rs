//! Where a server connector connects, and the limits its sessions run under, read from a URL.
//!
//! `postgres://user:password@host:port/database?sslmode=require&search_path=sales` and
//! `mysql://user:password@host:port/database?sslmode=verify-full&sslrootcert=/etc/ca.pem`. The
//! password goes straight into a [`Secret`]; no error here repeats the URL or any part of it but a
//! parameter's name.

use std::path::PathBuf;
use std::time::Duration;

use thiserror::Error;
use url::Url;

use crate::secret::Secret;

/// The server kinds a URL can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// PostgreSQL (`postgres://`, `postgresql://`).
    Postgres,
    /// MySQL or MariaDB (`mysql://`, `mariadb://`).
    Mysql,
}

impl Engine {
    fn default_port(self) -> u16 {
        match self {
            Engine::Postgres => 5432,
            Engine::Mysql => 3306,
        }
    }
}

/// Whether and how the connection is encrypted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain TCP. The default only for loopback hosts.
    Disable,
    /// Encrypted, without checking who answers: protects against listening, not against a
    /// server in the middle. The default for every other host.
    Require,
    /// Encrypted, and the server's certificate must chain to the CA file (or, without one, to the
    /// public web roots) and name the host.
    VerifyFull,
}

/// A PostgreSQL or MySQL/MariaDB server connector's settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// Which server kind.
    pub engine: Engine,
    /// Host name or address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// The role or user to log in as.
    pub user: String,
    /// Its password, if any.
    pub password: Option<Secret>,
    /// The database to open.
    pub database: String,
    /// Encryption.
    pub tls: TlsMode,
    /// A PEM file of CA certificates for `verify-full`.
    pub ca_file: Option<PathBuf>,
    /// PostgreSQL: the schemas unqualified names resolve in, pinned for every query.
    pub search_path: Vec<String>,
    /// The server-side limit on one statement.
    pub statement_timeout: Duration,
    /// PostgreSQL: how long a statement may wait for a lock.
    pub lock_timeout: Duration,
    /// How long opening a connection may take.
    pub connect_timeout: Duration,
    /// The most connections the pool keeps open at once.
    pub pool_size: usize,
    /// Refuse credentials that can write or administer (see the privilege report) instead of
    /// only warning about them.
    pub refuse_privileged: bool,
    /// Accept a superuser login. Off by default: a superuser's session can act outside the
    /// read-only transaction (replication slots, `dblink`, server files, signals to any session), so
    /// only the guard would stand between a query and the server.
    pub allow_superuser: bool,
}

/// Default server-side statement limit.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default lock wait limit.
pub const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(1);
/// Default connect limit.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Default pool size.
pub const DEFAULT_POOL_SIZE: usize = 4;

/// A URL that does not describe a server connector. Never carries the URL itself.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    /// Not a URL at all.
    #[error(
        "is not a valid URL; the forms are postgres://USER:PASSWORD@HOST:PORT/DATABASE, mysql://… and sqlite:PATH"
    )]
    Malformed,
    /// A scheme sqlgate does not speak.
    #[error("has the scheme {0:?}; use postgres://, postgresql://, mysql://, mariadb:// or sqlite:PATH")]
    Scheme(String),
    /// A required part is missing.
    #[error("has no {0}; the form is SCHEME://USER:PASSWORD@HOST:PORT/DATABASE")]
    Missing(&'static str),
    /// `sqlite:` with nothing after it.
    #[error("needs a file path: sqlite:PATH")]
    SqlitePath,
    /// A part is not valid UTF-8 after percent-decoding.
    #[error("has a {0} that is not valid UTF-8 after percent-decoding")]
    Encoding(&'static str),
    /// A query parameter sqlgate does not know: a mistyped setting must not be ignored.
    #[error("has the unknown parameter {0:?}; known: {KNOWN}")]
    UnknownParameter(String),
    /// A parameter given twice.
    #[error("gives the parameter {0:?} twice")]
    Repeated(String),
    /// A parameter with a value out of range or of the wrong form.
    #[error("has {name}={value:?}, but {expected}")]
    Value {
        /// The parameter.
        name: String,
        /// The value given (parameters never carry secrets).
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
}

const KNOWN: &str = "sslmode, sslrootcert, search_path (PostgreSQL), statement_timeout, lock_timeout, connect_timeout, pool_size, refuse_privileged, allow_superuser";

impl ServerConfig {
    /// Reads a `postgres://`, `postgresql://`, `mysql://` or `mariadb://` URL.
    pub fn from_url(text: &str) -> Result<Self, ConfigError> {
        let url = Url::parse(text).map_err(|_| ConfigError::Malformed)?;
        let engine = match url.scheme() {
            "postgres" | "postgresql" => Engine::Postgres,
            "mysql" | "mariadb" => Engine::Mysql,
            other => return Err(ConfigError::Scheme(other.to_owned())),
        };
        let host = match url.host() {
            Some(url::Host::Ipv6(addr)) => addr.to_string(),
            Some(host) => host.to_string(),
            None => return Err(ConfigError::Missing("host")),
        };
        if host.is_empty() {
            return Err(ConfigError::Missing("host"));
        }
        let user = decode(url.username(), "user name")?;
        if user.is_empty() {
            return Err(ConfigError::Missing("user name"));
        }
        let password = url.password().map(|p| decode(p, "password").map(Secret::new)).transpose()?;
        let database = decode(url.path().trim_start_matches('/'), "database name")?;
        if database.is_empty() {
            return Err(ConfigError::Missing("database name"));
        }
        if database.contains('/') {
            return Err(ConfigError::Value {
                name: "database".into(),
                value: database,
                expected: "a database name has no '/'",
            });
        }
        let mut config = ServerConfig {
            engine,
            port: url.port().unwrap_or(engine.default_port()),
            tls: if is_loopback(&host) { TlsMode::Disable } else { TlsMode::Require },
            host,
            user,
            password,
            database,
            ca_file: None,
            search_path: vec!["public".to_owned()],
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            pool_size: DEFAULT_POOL_SIZE,
            refuse_privileged: false,
            allow_superuser: false,
        };
        let mut seen: Vec<String> = Vec::new();
        for (name, value) in url.query_pairs() {
            let canonical =
                canonical_parameter(engine, &name).ok_or_else(|| ConfigError::UnknownParameter(name.to_string()))?;
            if seen.iter().any(|s| s == canonical) {
                return Err(ConfigError::Repeated(canonical.to_owned()));
            }
            seen.push(canonical.to_owned());
            config.set(canonical, &value)?;
        }
        if config.ca_file.is_some() && config.tls != TlsMode::VerifyFull {
            return Err(ConfigError::Value {
                name: "sslrootcert".into(),
                value: "…".into(),
                expected: "a CA file is only used with sslmode=verify-full; add it or drop sslrootcert",
            });
        }
        Ok(config)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), ConfigError> {
        let bad =
            |expected: &'static str| ConfigError::Value { name: name.to_owned(), value: value.to_owned(), expected };
        match name {
            "sslmode" => {
                self.tls = match value.to_ascii_lowercase().replace('_', "-").as_str() {
                    "disable" | "disabled" => TlsMode::Disable,
                    "require" | "required" => TlsMode::Require,
                    "verify-full" | "verify-identity" => TlsMode::VerifyFull,
                    _ => return Err(bad("sslmode is one of disable, require, verify-full")),
                }
            }
            "sslrootcert" => {
                if value.is_empty() {
                    return Err(bad("sslrootcert is the path of a PEM file of CA certificates"));
                }
                self.ca_file = Some(PathBuf::from(value));
            }
            "search_path" => {
                let schemas: Vec<String> = value.split(',').map(|s| s.trim().to_owned()).collect();
                if schemas.iter().any(|s| !is_plain_identifier(s)) {
                    return Err(bad("search_path is a comma-separated list of schema names (letters, digits, _)"));
                }
                self.search_path = schemas;
            }
            "statement_timeout" => {
                self.statement_timeout = millis(value, 100, 3_600_000)
                    .ok_or_else(|| bad("statement_timeout is in milliseconds, 100 to 3600000"))?
            }
            "lock_timeout" => {
                self.lock_timeout =
                    millis(value, 1, 3_600_000).ok_or_else(|| bad("lock_timeout is in milliseconds, 1 to 3600000"))?
            }
            "connect_timeout" => {
                let secs: u64 = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=300).contains(s))
                    .ok_or_else(|| bad("connect_timeout is in seconds, 1 to 300"))?;
                self.connect_timeout = Duration::from_secs(secs);
            }
            "pool_size" => {
                self.pool_size =
                    value.parse().ok().filter(|n| (1..=64).contains(n)).ok_or_else(|| bad("pool_size is 1 to 64"))?
            }
            "refuse_privileged" => {
                self.refuse_privileged = flag(value).ok_or_else(|| bad("refuse_privileged is true or false"))?
            }
            "allow_superuser" => {
                self.allow_superuser = flag(value).ok_or_else(|| bad("allow_superuser is true or false"))?
            }
            _ => unreachable!("canonical_parameter only returns known names"),
        }
        Ok(())
    }

    /// `host:port/database` — what may be shown of this connector (no user, no password).
    pub fn display_target(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.database)
    }
}

/// The one name of a parameter, accepting libpq's and MySQL's spellings.
fn canonical_parameter(engine: Engine, name: &str) -> Option<&'static str> {
    Some(match name {
        "sslmode" | "ssl-mode" | "ssl_mode" => "sslmode",
        "sslrootcert" | "ssl-ca" | "ssl_ca" => "sslrootcert",
        "search_path" if engine == Engine::Postgres => "search_path",
        "statement_timeout" => "statement_timeout",
        "lock_timeout" => "lock_timeout",
        "connect_timeout" => "connect_timeout",
        "pool_size" => "pool_size",
        "refuse_privileged" => "refuse_privileged",
        "allow_superuser" => "allow_superuser",
        _ => return None,
    })
}

fn flag(value: &str) -> Option<bool> {
    match value {
        "true" | "1" | "yes" => Some(true),
        "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

fn millis(value: &str, min: u64, max: u64) -> Option<Duration> {
    value.parse::<u64>().ok().filter(|v| (min..=max).contains(v)).map(Duration::from_millis)
}

/// A schema name safe to place in `SET LOCAL search_path` unquoted-equivalent form.
fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 63
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn decode(part: &str, what: &'static str) -> Result<String, ConfigError> {
    percent_decode(part).ok_or(ConfigError::Encoding(what))
}

/// Percent-decodes a URL part (user names and passwords may hold `@`, `:` or `/` encoded).
fn percent_decode(part: &str) -> Option<String> {
    let bytes = part.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_postgres_url() {
        let c = ServerConfig::from_url(
            "postgres://reader:p%40ss%3Aword@db.example.com:6543/sales?sslmode=verify-full&sslrootcert=/etc/ca.pem&search_path=sales,public&statement_timeout=2500&pool_size=8",
        )
        .unwrap();
        assert_eq!(c.engine, Engine::Postgres);
        assert_eq!((c.host.as_str(), c.port, c.database.as_str()), ("db.example.com", 6543, "sales"));
        assert_eq!(c.user, "reader");
        assert_eq!(c.password.as_ref().unwrap().expose(), "p@ss:word");
        assert_eq!(c.tls, TlsMode::VerifyFull);
        assert_eq!(c.search_path, ["sales", "public"]);
        assert_eq!(c.statement_timeout, Duration::from_millis(2500));
        assert_eq!(c.pool_size, 8);
        assert_eq!(c.display_target(), "db.example.com:6543/sales");
    }

    #[test]
    fn defaults_encrypt_everything_but_loopback() {
        let local = ServerConfig::from_url("mysql://root@127.0.0.1/shop").unwrap();
        assert_eq!((local.engine, local.port, local.tls), (Engine::Mysql, 3306, TlsMode::Disable));
        assert!(local.password.is_none());
        let remote = ServerConfig::from_url("postgresql://u:p@10.0.0.5/db").unwrap();
        assert_eq!(remote.tls, TlsMode::Require);
        assert_eq!(remote.statement_timeout, DEFAULT_STATEMENT_TIMEOUT);
        assert_eq!(remote.lock_timeout, DEFAULT_LOCK_TIMEOUT);
    }

    #[test]
    fn errors_name_the_problem_never_the_password() {
        let cases = [
            ("postgres://u:hunter2@h/db?sslmod=require", "sslmod"),
            ("postgres://u:hunter2@h/db?sslmode=maybe", "sslmode"),
            ("postgres://u:hunter2@h/?x", "database"),
            ("postgres://:hunter2@h/db", "user name"),
            ("redis://u:hunter2@h/db", "redis"),
            ("postgres://u:hunter2@h/db?search_path=a;drop", "search_path"),
            ("mysql://u:hunter2@h/db?search_path=a", "search_path"),
            ("postgres://u:hunter2@h/db?pool_size=0", "pool_size"),
            ("postgres://u:hunter2@h/db?sslrootcert=/ca.pem", "sslrootcert"),
            ("postgres://u:hunter2@h/db?sslmode=require&ssl-mode=disable", "sslmode"),
            ("postgres://u:%ff%fe@h/db", "password"),
        ];
        for (url, names) in cases {
            let e = ServerConfig::from_url(url).unwrap_err().to_string();
            assert!(e.contains(names), "{url}: {e}");
            assert!(!e.contains("hunter2"), "{url}: {e}");
        }
    }

    #[test]
    fn a_truncated_percent_escape_is_an_error_not_a_panic() {
        assert_eq!(percent_decode("ab%4"), None);
        assert_eq!(percent_decode("%"), None);
        assert_eq!(percent_decode("a%41").as_deref(), Some("aA"));
    }
}
