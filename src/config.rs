//! `sqlgate.toml` and its `SQLGATE_<SECTION>_<KEY>` environment overrides. Every setting is in
//! [`SETTINGS`], which drives the environment parsing, the unknown-key errors and the README's
//! table; an unknown key or variable stops the start with its name.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sqlgate_connectors::Secret;
use thiserror::Error;

/// One setting: section, key, default (as TOML), and what it means.
pub struct Setting {
    /// The `[section]`.
    pub section: &'static str,
    /// The key in it.
    pub key: &'static str,
    /// The default, as written in TOML.
    pub default: &'static str,
    /// What it does.
    pub doc: &'static str,
}

/// Every setting sqlgate reads.
pub const SETTINGS: &[Setting] = &[
    Setting { section: "server", key: "bind", default: "\"127.0.0.1:8080\"", doc: "address and port to listen on" },
    Setting {
        section: "server",
        key: "body_limit",
        default: "65536",
        doc: "largest request body in bytes; larger ones get 413",
    },
    Setting {
        section: "server",
        key: "secure_cookies",
        default: "false",
        doc: "mark cookies `Secure` (set it when clients reach sqlgate over HTTPS, e.g. behind a TLS proxy)",
    },
    Setting {
        section: "server",
        key: "shutdown_timeout",
        default: "30",
        doc: "seconds in-flight requests get to finish after SIGINT/SIGTERM",
    },
    Setting {
        section: "server",
        key: "trusted_proxies",
        default: "[]",
        doc: "IP addresses or CIDR ranges of reverse proxies whose `X-Forwarded-For` is believed (as a variable: comma-separated); from other peers the header is ignored",
    },
    Setting { section: "server", key: "workers", default: "0", doc: "HTTP worker threads; 0 means one per core" },
    Setting {
        section: "store",
        key: "path",
        default: "\"sqlgate-data/store.db\"",
        doc: "the embedded store: a SQLite file encrypted with SQLCipher (key derived from the master key)",
    },
    Setting {
        section: "store",
        key: "url",
        default: "\"\"",
        doc: "empty: the embedded store at `store.path`; a `mongodb://` URL: the MongoDB store (a replica set), in the database the URL's path names, else `sqlgate` (may hold a password: never logged)",
    },
    Setting {
        section: "security",
        key: "master_key_file",
        default: "\"\"",
        doc: "file holding the base64 master key (mode 0600); empty means the `SQLGATE_MASTER_KEY` variable",
    },
    Setting {
        section: "security",
        key: "sqlite_dirs",
        default: "[]",
        doc: "directories whose SQLite files the server's `sqlite:` connectors may open (symlinks resolved; as a variable: comma-separated); empty: none",
    },
    Setting { section: "sessions", key: "idle_minutes", default: "30", doc: "a session unused this long ends" },
    Setting {
        section: "sessions",
        key: "absolute_hours",
        default: "12",
        doc: "a session ends this long after login, used or not",
    },
    Setting {
        section: "auth",
        key: "lockout_attempts",
        default: "5",
        doc: "failed logins (per account) before it is locked",
    },
    Setting {
        section: "auth",
        key: "lockout_minutes",
        default: "15",
        doc: "how long a locked account (or address) stays locked",
    },
    Setting {
        section: "auth",
        key: "ip_lockout_attempts",
        default: "5",
        doc: "failed logins from one client address, per lockout period, before the address is locked",
    },
    Setting {
        section: "limits",
        key: "user_per_minute",
        default: "600",
        doc: "requests per minute per user (0: no limit); more get 429 with Retry-After",
    },
    Setting {
        section: "limits",
        key: "ip_per_minute",
        default: "1200",
        doc: "requests per minute per client address (0: no limit); more get 429 with Retry-After",
    },
    Setting {
        section: "query",
        key: "max_rows",
        default: "20",
        doc: "rows an answer may hold (a connector may lower it)",
    },
    Setting {
        section: "query",
        key: "max_bytes",
        default: "32768",
        doc: "JSON bytes of rows an answer may hold (a connector may lower it)",
    },
    Setting {
        section: "ask",
        key: "schema_ttl_secs",
        default: "300",
        doc: "seconds a connector's schema (and sampled values) is kept before it is read again; questions are cached per schema version",
    },
    Setting {
        section: "audit",
        key: "retention_days",
        default: "90",
        doc: "records older than this are purged (hourly) without breaking verification; 0 keeps everything",
    },
    Setting { section: "log", key: "format", default: "\"text\"", doc: "`text` or `json` (one object per line)" },
    Setting {
        section: "log",
        key: "level",
        default: "\"info\"",
        doc: "`error`, `warn`, `info`, `debug` or a tracing filter",
    },
];

/// The whole configuration.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// HTTP.
    pub server: Server,
    /// The metadata store.
    pub store: StoreSection,
    /// Keys.
    pub security: Security,
    /// Login sessions.
    pub sessions: Sessions,
    /// Logins.
    pub auth: Auth,
    /// Rate limits.
    pub limits: LimitsSection,
    /// Answer budgets.
    pub query: Query,
    /// The ask pipeline.
    pub ask: AskSection,
    /// The audit trail.
    pub audit: AuditSection,
    /// Logs.
    pub log: Log,
}

/// `[server]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Server {
    /// Where to listen.
    pub bind: SocketAddr,
    /// Largest body.
    pub body_limit: usize,
    /// `Secure` cookies.
    pub secure_cookies: bool,
    /// Seconds for in-flight requests at shutdown.
    pub shutdown_timeout: u64,
    /// Reverse proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpRange>,
    /// Worker threads (0: one per core).
    pub workers: usize,
}

/// An IP address (`127.0.0.1`, `::1`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`). IPv4 addresses
/// written as IPv6 (`::ffff:10.0.0.1`) are read as IPv4, on both sides of a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// Parses `address` or `address/prefix`; bits past the prefix are ignored.
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not an IP address or a CIDR range (e.g. 10.0.0.0/8 or 127.0.0.1)");
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.trim(), None),
        };
        let network = address.parse::<IpAddr>().map_err(|_| bad())?.to_canonical();
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= width).ok_or_else(bad)?,
            None => width,
        };
        Ok(IpRange { network, prefix })
    }

    /// Whether `ip` is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl TryFrom<String> for IpRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        IpRange::parse(&text).map_err(|e| format!("server.trusted_proxies: {e}"))
    }
}

/// `[store]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSection {
    /// The SQLCipher file.
    pub path: PathBuf,
    /// Empty, or the MongoDB URL (it may hold a password).
    pub url: Secret,
}

/// `[security]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// The master key file, or empty for the environment.
    pub master_key_file: PathBuf,
    /// Directories whose SQLite files `sqlite:` connectors may open.
    pub sqlite_dirs: Vec<PathBuf>,
}

/// `[sessions]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sessions {
    /// Idle timeout.
    pub idle_minutes: u64,
    /// Absolute timeout.
    pub absolute_hours: u64,
}

/// `[auth]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    /// Failures before a lock.
    pub lockout_attempts: u32,
    /// Lock length.
    pub lockout_minutes: u64,
    /// Failures per address before a lock.
    pub ip_lockout_attempts: u32,
}

/// `[limits]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsSection {
    /// Requests per minute per user.
    pub user_per_minute: u32,
    /// Requests per minute per address.
    pub ip_per_minute: u32,
}

/// `[query]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// Rows per answer.
    pub max_rows: u64,
    /// JSON bytes per answer.
    pub max_bytes: usize,
}

/// `[ask]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskSection {
    /// Seconds a prepared schema is kept.
    pub schema_ttl_secs: u64,
}

/// `[audit]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// Days records are kept (0: forever).
    pub retention_days: u32,
}

/// `[log]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Log {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A tracing filter.
    pub level: String,
}

/// How log lines look.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Why the configuration was refused.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file or a variable is not valid (unknown key, wrong type, bad value).
    #[error("{0}")]
    Invalid(String),
    /// A `SQLGATE_*` variable that names no setting.
    #[error("unknown environment variable {0}: it names no setting (see the README's configuration table); unset it or fix its name")]
    UnknownVariable(String),
}

/// The settings as a table for `sqlgate serve --help`.
pub fn settings_help() -> String {
    let mut text = String::from(
        "Settings ([section] key = default; each also as the environment variable SQLGATE_<SECTION>_<KEY>):\n",
    );
    for s in SETTINGS {
        text.push_str(&format!("  [{}] {} = {}\n      {}\n", s.section, s.key, s.default, s.doc));
    }
    text.push_str("The master key: SQLGATE_MASTER_KEY (base64 of 32 bytes) or security.master_key_file (mode 0600).\n");
    text
}

/// Variables that start with `SQLGATE_` but are not settings.
const OTHER_VARIABLES: &[&str] = &["SQLGATE_MASTER_KEY", "SQLGATE_TOKEN"];

impl Config {
    /// Reads `path` (when given), applies the environment's overrides, and checks the values.
    pub fn load(path: Option<&Path>, env: impl IntoIterator<Item = (String, String)>) -> Result<Self, ConfigError> {
        let mut table = defaults();
        if let Some(path) = path {
            let text =
                std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
            let file: toml::Table = text
                .parse()
                .map_err(|e: toml::de::Error| ConfigError::Invalid(format!("{}: {}", path.display(), e.message())))?;
            for (section, values) in file {
                let Some(values) = values.as_table() else {
                    return Err(ConfigError::Invalid(format!("{}: `{section}` must be a [section]", path.display())));
                };
                for (key, value) in values {
                    if !SETTINGS.iter().any(|s| s.section == section && s.key == key) {
                        return Err(ConfigError::Invalid(format!(
                            "{}: unknown setting `{section}.{key}` (see the README's configuration table)",
                            path.display()
                        )));
                    }
                    set(&mut table, &section, key, value.clone());
                }
            }
        }
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("SQLGATE_") else { continue };
            if OTHER_VARIABLES.contains(&name.as_str()) {
                continue;
            }
            let lower = rest.to_ascii_lowercase();
            let Some(setting) = SETTINGS.iter().find(|s| lower == format!("{}_{}", s.section, s.key)) else {
                return Err(ConfigError::UnknownVariable(name));
            };
            let value = env_value(setting, &value).ok_or_else(|| {
                ConfigError::Invalid(format!(
                    "{name}: `{value}` is not a valid value for {}.{}",
                    setting.section, setting.key
                ))
            })?;
            set(&mut table, setting.section, setting.key, value);
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(format!("configuration: {}", e.message())))?;
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let bad = |what: &str| Err(ConfigError::Invalid(what.to_owned()));
        if !(1024..=16 * 1024 * 1024).contains(&self.server.body_limit) {
            return bad("server.body_limit must be between 1024 and 16777216 bytes");
        }
        if !(1..=10_000).contains(&self.query.max_rows) {
            return bad("query.max_rows must be between 1 and 10000");
        }
        if !(1024..=16 * 1024 * 1024).contains(&self.query.max_bytes) {
            return bad("query.max_bytes must be between 1024 and 16777216");
        }
        if self.sessions.idle_minutes == 0 || self.sessions.absolute_hours == 0 {
            return bad("sessions.idle_minutes and sessions.absolute_hours must be at least 1");
        }
        if self.auth.lockout_attempts == 0 || self.auth.ip_lockout_attempts == 0 {
            return bad("auth.lockout_attempts and auth.ip_lockout_attempts must be at least 1");
        }
        // The URL is not echoed: it may hold a password.
        let url = self.store.url.expose();
        if url.starts_with("mongodb+srv://") {
            return bad("store.url: mongodb+srv:// URLs need DNS lookups this build leaves out; list the hosts in a mongodb:// URL");
        }
        if !url.is_empty() && !url.starts_with("mongodb://") {
            return bad("store.url must be empty (the embedded store at store.path) or a mongodb:// URL");
        }
        Ok(())
    }
}

/// The defaults, as a TOML table.
fn defaults() -> toml::Table {
    let mut table = toml::Table::new();
    for s in SETTINGS {
        let value: toml::Value = toml::from_str::<toml::Table>(&format!("v = {}", s.default))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .expect("defaults are valid TOML");
        set(&mut table, s.section, s.key, value);
    }
    table
}

fn set(table: &mut toml::Table, section: &str, key: &str, value: toml::Value) {
    if let Some(t) =
        table.entry(section.to_owned()).or_insert_with(|| toml::Value::Table(toml::Table::new())).as_table_mut()
    {
        t.insert(key.to_owned(), value);
    }
}

/// An environment value read as the setting's type (taken from its default). A list is written
/// comma-separated (`10.0.0.0/8, 127.0.0.1`).
fn env_value(setting: &Setting, value: &str) -> Option<toml::Value> {
    if setting.default.starts_with('[') {
        let items = value.split(',').map(str::trim).filter(|item| !item.is_empty());
        Some(toml::Value::Array(items.map(|item| toml::Value::String(item.to_owned())).collect()))
    } else if setting.default.starts_with('"') {
        Some(toml::Value::String(value.to_owned()))
    } else if setting.default == "true" || setting.default == "false" {
        match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(toml::Value::Boolean(true)),
            "false" | "0" | "no" => Some(toml::Value::Boolean(false)),
            _ => None,
        }
    } else {
        value.trim().parse::<i64>().ok().map(toml::Value::Integer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_load_and_the_environment_overrides() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.server.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(config.sessions.idle_minutes, 30);
        let config = Config::load(
            None,
            env(&[
                ("SQLGATE_SERVER_BIND", "0.0.0.0:9000"),
                ("SQLGATE_SERVER_SECURE_COOKIES", "true"),
                ("SQLGATE_MASTER_KEY", "x"),
            ]),
        )
        .unwrap();
        assert_eq!(config.server.bind.to_string(), "0.0.0.0:9000");
        assert!(config.server.secure_cookies);
    }

    #[test]
    fn the_readme_documents_every_setting_and_default() {
        let readme = include_str!("../README.md");
        for s in SETTINGS {
            let row = format!("| `{}` | `{}` | `{}` |", s.section, s.key, s.default.trim_matches('"'));
            assert!(readme.contains(&row), "README.md lacks the row starting {row}");
        }
    }

    #[test]
    fn the_store_url_is_empty_or_mongodb_and_never_shown() {
        let config = Config::load(None, env(&[])).unwrap();
        assert_eq!(config.store.url.expose(), "");
        let url = "mongodb://sqlgate:pa55-word@db1:27017,db2:27017/meta?replicaSet=rs0";
        let config = Config::load(None, env(&[("SQLGATE_STORE_URL", url)])).unwrap();
        assert_eq!(config.store.url.expose(), url);
        assert!(!format!("{config:?}").contains("pa55-word"), "the URL's password shows in Debug");
        for (bad, says) in [
            ("postgres://sqlgate:pa55-word@db/meta", "mongodb://"),
            ("mongodb+srv://sqlgate:pa55-word@cluster.example", "mongodb+srv"),
        ] {
            let e = Config::load(None, env(&[("SQLGATE_STORE_URL", bad)])).unwrap_err().to_string();
            assert!(e.contains("store.url") && e.contains(says), "{e}");
            assert!(!e.contains("pa55-word"), "the error shows the password: {e}");
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges_from_the_file_or_a_comma_separated_variable() {
        assert!(Config::load(None, env(&[])).unwrap().server.trusted_proxies.is_empty(), "none by default");
        let config =
            Config::load(None, env(&[("SQLGATE_SERVER_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8,fd00::/8 ")])).unwrap();
        let trusted = &config.server.trusted_proxies;
        assert_eq!(trusted.len(), 3);
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        let any = |text: &str| trusted.iter().any(|r| r.contains(ip(text)));
        assert!(any("127.0.0.1") && any("::ffff:127.0.0.1") && any("10.255.0.9") && any("fd12::1"));
        assert!(!any("127.0.0.2") && !any("11.0.0.1") && !any("::1") && !any("fe80::1"));
        assert!(Config::load(None, env(&[("SQLGATE_SERVER_TRUSTED_PROXIES", "")]))
            .unwrap()
            .server
            .trusted_proxies
            .is_empty());

        let dir = std::env::temp_dir().join(format!("sqlgate-config-proxies-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sqlgate.toml");
        std::fs::write(&file, "[server]\ntrusted_proxies = [\"192.168.0.0/16\", \"::1\"]\n").unwrap();
        let config = Config::load(Some(&file), env(&[])).unwrap();
        assert!(config.server.trusted_proxies.iter().any(|r| r.contains(ip("192.168.3.4"))));
        for bad in ["10.0.0.0/33", "proxy.internal", "10.0.0.0/", "::1/129"] {
            std::fs::write(&file, format!("[server]\ntrusted_proxies = [\"{bad}\"]\n")).unwrap();
            let e = Config::load(Some(&file), env(&[])).unwrap_err().to_string();
            assert!(e.contains("server.trusted_proxies") && e.contains(bad), "{e}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        let all = IpRange::parse("0.0.0.0/0").unwrap();
        assert!(all.contains(ip("203.0.113.9")) && !all.contains(ip("2001:db8::1")));
        assert!(IpRange::parse("10.1.2.3/8").unwrap().contains(ip("10.9.9.9")), "host bits are ignored");
    }

    #[test]
    fn unknown_names_stop_the_start() {
        let e = Config::load(None, env(&[("SQLGATE_QUERY_READ_ONLY", "false")])).unwrap_err();
        assert!(e.to_string().contains("SQLGATE_QUERY_READ_ONLY"), "{e}");
        let dir = std::env::temp_dir().join(format!("sqlgate-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("sqlgate.toml");
        std::fs::write(&file, "[query]\nread_only = false\n").unwrap();
        let e = Config::load(Some(&file), env(&[])).unwrap_err();
        assert!(e.to_string().contains("query.read_only"), "{e}");
        std::fs::write(&file, "[query]\nmax_rows = \"many\"\n").unwrap();
        assert!(Config::load(Some(&file), env(&[])).is_err());
        let e = Config::load(None, env(&[("SQLGATE_QUERY_MAX_ROWS", "lots")])).unwrap_err();
        assert!(e.to_string().contains("SQLGATE_QUERY_MAX_ROWS"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
