//! `sqlgate.toml` and its `SQLGATE_<SECTION>_<KEY>` environment overrides. Every setting is in
//! [`SETTINGS`], which drives the environment parsing, the unknown-key errors and the README's
//! table; an unknown key or variable stops the start with its name.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sqlgate_connectors::{SealedSecret, Secret};
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
    Setting {
        section: "audit",
        key: "working_hours",
        default: "\"07:00-19:00\"",
        doc: "working hours in UTC, `HH:MM-HH:MM` (`22:00-06:00` runs past midnight, `00:00-24:00` is always): the GRC dashboard flags activity outside them",
    },
    Setting {
        section: "reports",
        key: "refresh_check_secs",
        default: "30",
        doc: "seconds between looks for scheduled report refreshes that are due (each runs as the report's owner, under the owner's grants); 0 turns scheduled refreshes off in this process",
    },
    Setting {
        section: "llm",
        key: "provider",
        default: "\"local\"",
        doc: "who writes the SQL: `local` (sqlgate's offline engine, no network), `anthropic` (the Messages API) or `openai` (any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM, llama.cpp)",
    },
    Setting {
        section: "llm",
        key: "model",
        default: "\"\"",
        doc: "the model name sent to the provider, e.g. `claude-sonnet-4-5`, `gpt-4o-mini`, `llama3.1:8b`; required for `anthropic` and `openai`",
    },
    Setting {
        section: "llm",
        key: "base_url",
        default: "\"\"",
        doc: "empty: the provider's own (`https://api.anthropic.com`, `https://api.openai.com/v1`); else the server's, e.g. `http://127.0.0.1:11434/v1` (Ollama), `http://HOST:8000/v1` (vLLM), `http://HOST:8080/v1` (llama.cpp)",
    },
    Setting {
        section: "llm",
        key: "api_key",
        default: "\"\"",
        doc: "`sealed:…` as printed by `sqlgate keys seal-llm-key`; a plain key only in the `SQLGATE_LLM_API_KEY` variable, never in the file; empty: no key (e.g. Ollama)",
    },
    Setting {
        section: "llm",
        key: "max_tokens",
        default: "1024",
        doc: "most tokens the model may write in one reply (the spend check counts all of them before each call)",
    },
    Setting {
        section: "llm",
        key: "connect_timeout_secs",
        default: "5",
        doc: "seconds to open a connection to the provider",
    },
    Setting {
        section: "llm",
        key: "timeout_secs",
        default: "60",
        doc: "seconds one call to the provider may take, connection to last byte, its retries and the waits between them included",
    },
    Setting {
        section: "llm",
        key: "retries",
        default: "2",
        doc: "extra attempts after a 429, a 5xx or a dropped connection, with exponential backoff and the provider's `Retry-After` (a wait over 10 s is not made)",
    },
    Setting {
        section: "llm",
        key: "prices",
        default: "{}",
        doc: "cents per million input and output tokens, per model: `{ \"claude-sonnet-4-5\" = { input = 300, output = 1500 } }` (as a variable: `MODEL=INPUT/OUTPUT,…`); the configured model must have one, 0/0 for a free local model",
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
    /// Saved reports.
    pub reports: ReportsSection,
    /// Who writes the SQL.
    pub llm: Llm,
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
    /// Working hours (UTC) for the dashboard's off-hours signal, `HH:MM-HH:MM`.
    pub working_hours: String,
}

impl AuditSection {
    /// The working hours (checked when the configuration was loaded).
    pub fn hours(&self) -> crate::audit::dashboard::WorkingHours {
        use crate::audit::dashboard::WorkingHours;
        WorkingHours::parse(&self.working_hours).unwrap_or(WorkingHours::DEFAULT)
    }
}

/// `[reports]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportsSection {
    /// Seconds between looks for due refreshes (0: none in this process).
    pub refresh_check_secs: u64,
}

/// `[llm]`: the offline engine, or a model behind an HTTP API. The client itself is built from
/// this by `crate::llm::LlmClient::from_config`, which opens the sealed key.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Llm {
    /// Which engine or protocol.
    pub provider: Provider,
    /// The model name sent to the provider.
    pub model: String,
    /// Empty for the provider's own URL.
    pub base_url: String,
    /// The API key: none, sealed, or plain (from the environment only).
    pub api_key: ApiKey,
    /// Most tokens per reply.
    pub max_tokens: u32,
    /// Seconds to connect.
    pub connect_timeout_secs: u64,
    /// Seconds per call, retries included.
    pub timeout_secs: u64,
    /// Extra attempts after a retryable failure.
    pub retries: u32,
    /// Cents per million tokens, per model.
    pub prices: BTreeMap<String, Price>,
}

impl Llm {
    /// The configured model's price, if the table has one.
    pub fn price(&self) -> Option<Price> {
        self.prices.get(&self.model).copied()
    }
}

/// Who writes the SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum Provider {
    /// sqlgate's offline engine: no network, no key, no cost.
    Local,
    /// Anthropic's Messages API.
    Anthropic,
    /// Any server speaking OpenAI's chat-completions protocol.
    OpenAi,
}

impl Provider {
    /// The name used in the configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Local => "local",
            Provider::Anthropic => "anthropic",
            Provider::OpenAi => "openai",
        }
    }
}

impl TryFrom<String> for Provider {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        match text.as_str() {
            "local" => Ok(Provider::Local),
            "anthropic" => Ok(Provider::Anthropic),
            "openai" => Ok(Provider::OpenAi),
            _ => Err(format!(
                "llm.provider must be `local` (sqlgate's offline engine), `anthropic` or `openai` (any OpenAI-compatible server), got `{text}`"
            )),
        }
    }
}

/// A model's price in cents per million tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Cents per million input (prompt) tokens.
    pub input: u64,
    /// Cents per million output (completion) tokens.
    pub output: u64,
}

/// What the text before the base64 of a sealed key is.
pub const SEALED_PREFIX: &str = "sealed:";

/// `llm.api_key` as configured. A plain key reaches here only from `SQLGATE_LLM_API_KEY`: one in
/// the file stops [`Config::load`].
#[derive(Clone, Deserialize)]
#[serde(try_from = "String")]
pub enum ApiKey {
    /// No key (e.g. a local Ollama).
    None,
    /// `sealed:<base64>`, opened with the master key when the client is built.
    Sealed(SealedSecret),
    /// A plain key from the environment.
    Plain(Secret),
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiKey::None => f.write_str("ApiKey::None"),
            ApiKey::Sealed(_) => f.write_str("ApiKey::Sealed([redacted])"),
            ApiKey::Plain(_) => f.write_str("ApiKey::Plain([redacted])"),
        }
    }
}

impl TryFrom<String> for ApiKey {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let text = Secret::new(text);
        let trimmed = text.expose().trim();
        if trimmed.is_empty() {
            return Ok(ApiKey::None);
        }
        // Neither branch echoes the text: it may be a key.
        match trimmed.strip_prefix(SEALED_PREFIX) {
            Some(blob) => SealedSecret::from_base64(blob).map(ApiKey::Sealed).map_err(|_| {
                "llm.api_key: the text after `sealed:` is not base64 as `sqlgate keys seal-llm-key` prints it; seal the key again".to_owned()
            }),
            None => Ok(ApiKey::Plain(Secret::new(trimmed.to_owned()))),
        }
    }
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
        Self::read(path, env, PlainKeyInFile::Refused)
    }

    /// Like [`Config::load`], but a plain `llm.api_key` in the file is left out instead of refused,
    /// and `[llm]` is not checked: for `sqlgate keys seal-llm-key`, which an admin runs precisely
    /// to replace that key.
    pub fn load_to_seal_llm_key(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        Self::read(path, env, PlainKeyInFile::Ignored)
    }

    fn read(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        plain_key: PlainKeyInFile,
    ) -> Result<Self, ConfigError> {
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
                    if section == "llm" && key == "api_key" && is_plain_key(value) {
                        match plain_key {
                            PlainKeyInFile::Ignored => continue,
                            PlainKeyInFile::Refused => {
                                return Err(ConfigError::Invalid(format!(
                                    "{0}: llm.api_key holds a plain API key; a key in a file must be sealed: run `sqlgate keys seal-llm-key --config {0}` with the key on stdin, put the `sealed:…` line it prints in its place (or pass the key in the SQLGATE_LLM_API_KEY variable instead), and treat the key as exposed if the file was shared",
                                    path.display()
                                )));
                            }
                        }
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
                let hint = if setting.default.starts_with('{') {
                    " (write MODEL=INPUT/OUTPUT,…, in cents per million tokens)"
                } else {
                    ""
                };
                ConfigError::Invalid(format!(
                    "{name}: `{value}` is not a valid value for {}.{}{hint}",
                    setting.section, setting.key
                ))
            })?;
            set(&mut table, setting.section, setting.key, value);
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Invalid(format!("configuration: {}", e.message())))?;
        config.check()?;
        match plain_key {
            PlainKeyInFile::Refused => config.check_llm()?,
            // Sealing a key needs only the master key: the `[llm]` section may well still lack
            // the key being sealed.
            PlainKeyInFile::Ignored => {}
        }
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
        if let Err(e) = crate::audit::dashboard::WorkingHours::parse(&self.audit.working_hours) {
            return Err(ConfigError::Invalid(e.to_string()));
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

    fn check_llm(&self) -> Result<(), ConfigError> {
        let llm = &self.llm;
        let bad = |what: String| Err(ConfigError::Invalid(what));
        if !(1..=1_000_000).contains(&llm.max_tokens) {
            return bad("llm.max_tokens must be between 1 and 1000000".into());
        }
        if !(1..=600).contains(&llm.connect_timeout_secs) || !(1..=3600).contains(&llm.timeout_secs) {
            return bad(
                "llm.connect_timeout_secs must be between 1 and 600, llm.timeout_secs between 1 and 3600".into()
            );
        }
        if llm.retries > 10 {
            return bad("llm.retries must be between 0 and 10".into());
        }
        if llm.provider == Provider::Local {
            return Ok(());
        }
        let provider = llm.provider.as_str();
        if llm.model.trim().is_empty() {
            let example = if llm.provider == Provider::Anthropic {
                "claude-sonnet-4-5"
            } else {
                "gpt-4o-mini, or llama3.1:8b for Ollama"
            };
            return bad(format!("llm.model is empty: provider `{provider}` needs a model name (e.g. {example})"));
        }
        if llm.price().is_none() {
            return bad(format!(
                "spend caps cannot be enforced without a price for model {}; add it to llm.prices, 0/0 for a free local model (e.g. prices = {{ \"{}\" = {{ input = 300, output = 1500 }} }}, in cents per million tokens)",
                llm.model, llm.model
            ));
        }
        if !llm.base_url.is_empty() {
            // Not echoed: a URL may carry a user name and password.
            let url = reqwest::Url::parse(&llm.base_url);
            if !url.is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some()) {
                return bad("llm.base_url must be empty (the provider's own) or an http:// or https:// URL, e.g. http://127.0.0.1:11434/v1 for Ollama".into());
            }
        }
        if llm.base_url.is_empty() && matches!(llm.api_key, ApiKey::None) {
            return bad(format!(
                "llm.api_key is empty, but provider `{provider}` at its own URL needs one: seal it with `sqlgate keys seal-llm-key` or pass it in SQLGATE_LLM_API_KEY"
            ));
        }
        Ok(())
    }
}

/// What [`Config::read`] does with a plain `llm.api_key` in the file.
#[derive(Clone, Copy)]
enum PlainKeyInFile {
    /// Stop with a message that says how to seal it.
    Refused,
    /// Leave it out (the seal command's own load).
    Ignored,
}

/// Whether a value in the file is a plain (unsealed, non-empty) key.
fn is_plain_key(value: &toml::Value) -> bool {
    value.as_str().is_some_and(|text| !text.trim().is_empty() && !text.trim().starts_with(SEALED_PREFIX))
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
/// comma-separated (`10.0.0.0/8, 127.0.0.1`); the price table as `MODEL=INPUT/OUTPUT,…`.
fn env_value(setting: &Setting, value: &str) -> Option<toml::Value> {
    if setting.default.starts_with('{') {
        price_table(value)
    } else if setting.default.starts_with('[') {
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

/// `MODEL=INPUT/OUTPUT,…` as a TOML table of `{ input, output }`. The last `=` splits, so model
/// names may hold `/` and `:` (`meta-llama/Llama-3.1-8B`, `llama3.1:8b`).
fn price_table(value: &str) -> Option<toml::Value> {
    let mut table = toml::Table::new();
    for item in value.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (model, price) = item.rsplit_once('=')?;
        let (input, output) = price.split_once('/')?;
        let model = model.trim().trim_matches('"');
        let cents = |text: &str| text.trim().parse::<u64>().ok().and_then(|n| i64::try_from(n).ok());
        let (input, output) = (cents(input)?, cents(output)?);
        if model.is_empty() {
            return None;
        }
        let mut price = toml::Table::new();
        price.insert("input".into(), toml::Value::Integer(input));
        price.insert("output".into(), toml::Value::Integer(output));
        table.insert(model.to_owned(), toml::Value::Table(price));
    }
    Some(toml::Value::Table(table))
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
    fn the_example_file_loads_and_names_every_setting() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("sqlgate.example.toml");
        Config::load(Some(&path), env(&[])).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for s in SETTINGS {
            assert!(text.contains(&format!("\n{} = ", s.key)), "sqlgate.example.toml lacks {}.{}", s.section, s.key);
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

    /// A config file in its own directory, removed when dropped.
    struct File(PathBuf);

    impl File {
        fn new(name: &str, text: &str) -> File {
            let dir = std::env::temp_dir().join(format!("sqlgate-config-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("sqlgate.toml"), text).unwrap();
            File(dir)
        }

        fn path(&self) -> PathBuf {
            self.0.join("sqlgate.toml")
        }
    }

    impl Drop for File {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const ANTHROPIC: &[(&str, &str)] = &[
        ("SQLGATE_LLM_PROVIDER", "anthropic"),
        ("SQLGATE_LLM_MODEL", "claude-sonnet-4-5"),
        ("SQLGATE_LLM_API_KEY", "sk-ant-plain-from-the-environment"),
        ("SQLGATE_LLM_PRICES", "claude-sonnet-4-5=300/1500"),
    ];

    fn with(base: &[(&str, &str)], changes: &[(&str, &str)]) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = base
            .iter()
            .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        pairs.extend(changes.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        pairs
    }

    #[test]
    fn the_llm_defaults_to_the_local_engine_and_the_provider_is_one_of_three() {
        let llm = Config::load(None, env(&[])).unwrap().llm;
        assert_eq!(llm.provider, Provider::Local);
        assert_eq!((llm.max_tokens, llm.connect_timeout_secs, llm.timeout_secs, llm.retries), (1024, 5, 60, 2));
        assert!(llm.prices.is_empty() && matches!(llm.api_key, ApiKey::None));
        let llm = Config::load(None, env(ANTHROPIC)).unwrap().llm;
        assert_eq!(llm.provider, Provider::Anthropic);
        assert_eq!(llm.price(), Some(Price { input: 300, output: 1500 }));
        for bad in ["gemini", "OpenAI", ""] {
            let e = Config::load(None, env(&[("SQLGATE_LLM_PROVIDER", bad)])).unwrap_err().to_string();
            assert!(
                e.contains("llm.provider")
                    && e.contains("`local`")
                    && e.contains("`anthropic`")
                    && e.contains("`openai`"),
                "{e}"
            );
        }
    }

    #[test]
    fn a_remote_provider_needs_a_model_and_its_price() {
        let e = Config::load(None, with(ANTHROPIC, &[("SQLGATE_LLM_MODEL", "")])).unwrap_err().to_string();
        assert!(e.contains("llm.model is empty") && e.contains("anthropic"), "{e}");
        let e = Config::load(None, with(ANTHROPIC, &[("SQLGATE_LLM_PRICES", "claude-haiku-4-5=100/500")])).unwrap_err();
        assert_eq!(
            e.to_string().split(" (e.g.").next().unwrap(),
            "spend caps cannot be enforced without a price for model claude-sonnet-4-5; add it to llm.prices, 0/0 for a free local model"
        );
        // A free local model, with names that hold `:` and `/`; several models at once.
        let config = Config::load(
            None,
            env(&[
                ("SQLGATE_LLM_PROVIDER", "openai"),
                ("SQLGATE_LLM_MODEL", "meta-llama/Llama-3.1-8B"),
                ("SQLGATE_LLM_BASE_URL", "http://127.0.0.1:8000/v1"),
                ("SQLGATE_LLM_PRICES", " llama3.1:8b=0/0, meta-llama/Llama-3.1-8B = 0 / 0 ,gpt-4o-mini=15/60"),
            ]),
        )
        .unwrap();
        assert_eq!(config.llm.prices.len(), 3);
        assert_eq!(config.llm.price(), Some(Price { input: 0, output: 0 }));
        assert_eq!(config.llm.prices["gpt-4o-mini"], Price { input: 15, output: 60 });
        for bad in ["m=1", "m=1/x", "=1/2", "m=-1/2", "m"] {
            let e = Config::load(None, with(ANTHROPIC, &[("SQLGATE_LLM_PRICES", bad)])).unwrap_err().to_string();
            assert!(e.contains("SQLGATE_LLM_PRICES") && e.contains("MODEL=INPUT/OUTPUT"), "{bad}: {e}");
        }
        // The local engine needs neither.
        assert!(Config::load(None, env(&[("SQLGATE_LLM_PROVIDER", "local")])).is_ok());
    }

    #[test]
    fn llm_ranges_urls_and_the_key_for_a_providers_own_url_are_checked() {
        for (name, value, says) in [
            ("SQLGATE_LLM_MAX_TOKENS", "0", "llm.max_tokens"),
            ("SQLGATE_LLM_TIMEOUT_SECS", "0", "llm.timeout_secs"),
            ("SQLGATE_LLM_CONNECT_TIMEOUT_SECS", "0", "llm.connect_timeout_secs"),
            ("SQLGATE_LLM_RETRIES", "11", "llm.retries"),
            ("SQLGATE_LLM_BASE_URL", "ftp://models.internal", "llm.base_url"),
            ("SQLGATE_LLM_BASE_URL", "127.0.0.1:11434", "llm.base_url"),
            ("SQLGATE_LLM_API_KEY", "", "llm.api_key is empty"),
        ] {
            let e = Config::load(None, with(ANTHROPIC, &[(name, value)])).unwrap_err().to_string();
            assert!(e.contains(says), "{name}={value}: {e}");
        }
        // Ollama: a base URL of its own and no key.
        let ollama = Config::load(
            None,
            env(&[
                ("SQLGATE_LLM_PROVIDER", "openai"),
                ("SQLGATE_LLM_MODEL", "llama3.1:8b"),
                ("SQLGATE_LLM_BASE_URL", "http://127.0.0.1:11434/v1"),
                ("SQLGATE_LLM_PRICES", "llama3.1:8b=0/0"),
            ]),
        );
        assert!(matches!(ollama.unwrap().llm.api_key, ApiKey::None));
    }

    #[test]
    fn a_plain_key_in_the_file_stops_the_start_but_one_in_the_environment_is_taken() {
        let plain = "sk-ant-api03-plain-in-the-file";
        let file = File::new(
            "plain-key",
            &format!("[llm]\nprovider = \"anthropic\"\nmodel = \"m\"\napi_key = \"{plain}\"\nprices = {{ m = {{ input = 1, output = 2 }} }}\n"),
        );
        let e = Config::load(Some(&file.path()), env(&[])).unwrap_err().to_string();
        assert!(e.contains("llm.api_key") && e.contains("seal-llm-key") && e.contains("SQLGATE_LLM_API_KEY"), "{e}");
        assert!(!e.contains(plain), "the error shows the key: {e}");
        // Even with the variable set, the file's plain key is refused: it is on disk.
        assert!(Config::load(Some(&file.path()), env(&[("SQLGATE_LLM_API_KEY", "sk-other")])).is_err());
        // The seal command's own load leaves it out, and does not ask for it.
        let config = Config::load_to_seal_llm_key(Some(&file.path()), env(&[])).unwrap();
        assert!(matches!(config.llm.api_key, ApiKey::None));
        assert!(
            Config::load_to_seal_llm_key(None, env(&[("SQLGATE_QUERY_MAX_ROWS", "0")])).is_err(),
            "the rest is checked"
        );

        let config = Config::load(None, env(ANTHROPIC)).unwrap();
        assert!(matches!(&config.llm.api_key, ApiKey::Plain(k) if k.expose() == "sk-ant-plain-from-the-environment"));
        assert!(!format!("{config:?}").contains("plain-from-the-environment"), "the key shows in Debug");
    }

    #[test]
    fn a_sealed_key_in_the_file_is_read_and_a_broken_one_refused_without_echo() {
        let master = sqlgate_connectors::MasterKey::from_bytes(&[3u8; 32]).unwrap();
        let blob = sqlgate_connectors::seal(&master, "llm.api_key", &Secret::new("sk-x".into())).unwrap().to_base64();
        let file = File::new(
            "sealed-key",
            &format!("[llm]\nprovider = \"anthropic\"\nmodel = \"m\"\napi_key = \"sealed:{blob}\"\n[llm.prices]\nm = {{ input = 1, output = 2 }}\n"),
        );
        let config = Config::load(Some(&file.path()), env(&[])).unwrap();
        assert!(matches!(&config.llm.api_key, ApiKey::Sealed(s) if s.to_base64() == blob));
        let e = Config::load(None, with(ANTHROPIC, &[("SQLGATE_LLM_API_KEY", "sealed:not base64!")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("llm.api_key") && e.contains("sealed:") && !e.contains("not base64!"), "{e}");
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
