//! The command line: raw clap arguments, then typed commands built before any work starts.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use sqlgate_connectors::{Budget, ConfigError, Engine, Target};
use sqlgate_guardrails::{Dialect, MaxRows, Policy, PolicyError, RelationName, RULES};
use thiserror::Error;

use crate::auth::UnknownRole;
use crate::manage::Manage;

/// sqlgate: a read-only natural-language SQL proxy.
#[derive(Debug, Parser)]
#[command(name = "sqlgate", version, about, long_about = None)]
pub struct Args {
    #[command(subcommand)]
    command: RawCommand,
}

#[derive(Debug, Subcommand)]
enum RawCommand {
    /// Run the SQL guard alone and print its verdict as JSON.
    #[command(after_long_help = rejection_codes())]
    Check(RawCheck),
    /// Guard, run read-only and trim one query against a database, printing the API's JSON.
    #[command(after_long_help = QUERY_HELP)]
    Query(RawQuery),
    /// Translate questions into SQL with the offline engine alone (no server, no network).
    #[command(after_long_help = TRANSLATE_HELP)]
    Translate(RawTranslate),
    /// Ask a sqlgate server a question about one of your connectors, printing the API's JSON.
    #[command(after_long_help = ASK_HELP)]
    Ask(RawAsk),
    /// Run the server (HTTP API) with a config file and SQLGATE_<SECTION>_<KEY> overrides.
    #[command(after_long_help = crate::config::settings_help())]
    Serve {
        /// The config file (TOML); without it, defaults and the environment.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Try sqlgate: a sample company database, an encrypted store and an admin, served on
    /// 127.0.0.1:8080. The second start reuses what the first made.
    Demo {
        /// Where the demo keeps its files.
        #[arg(long, default_value = "sqlgate-demo")]
        data_dir: PathBuf,
        /// Where to listen.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: std::net::SocketAddr,
    },
    /// Manage users in the store.
    #[command(subcommand)]
    Users(RawUsers),
    /// The audit trail.
    #[command(subcommand)]
    Audit(RawAudit),
    /// The master key.
    #[command(subcommand)]
    Keys(RawKeys),
}

#[derive(Debug, Subcommand)]
enum RawKeys {
    /// Seal the LLM provider's API key for llm.api_key: reads the key from stdin, prints
    /// `sealed:…` (it opens only with the master key in use). A plain key is accepted only in the
    /// SQLGATE_LLM_API_KEY variable, never in the config file.
    SealLlmKey {
        /// The config file (for security.master_key_file).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Re-seal every credential and TOTP secret, re-chain the audit trail and re-encrypt the
    /// store under a new master key, all or nothing. Stop the server first; the current key comes
    /// from the usual place (SQLGATE_MASTER_KEY or security.master_key_file).
    Rotate {
        /// File with the new key's base64 (mode 0600).
        #[arg(long)]
        new_key_file: PathBuf,
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RawUsers {
    /// Add a user. The password is read from stdin with --password-stdin, or generated and
    /// printed once.
    Add {
        /// The login name.
        username: String,
        /// member, analyst, power_user or admin.
        #[arg(long)]
        role: String,
        /// Read the password from stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List users: name, role, state.
    List {
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Change a user's role; their sessions end.
    SetRole {
        /// The login name.
        username: String,
        /// member, analyst, power_user or admin.
        role: String,
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RawAudit {
    /// Delete records older than N days now (the server does this hourly with
    /// audit.retention_days); a chained record says what was purged, so verify still passes.
    Purge {
        /// Records older than this many days go; 0 means every record before now.
        #[arg(long)]
        older_than_days: u32,
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Walk the hash chain; print the head, or the first broken record (exit 1).
    Verify {
        /// A head recorded earlier, as SEQ:HASH: also detects records cut from the end.
        #[arg(long)]
        expect_head: Option<String>,
        /// The config file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

const QUERY_HELP: &str = "Prints {\"id\",\"sql\",\"columns\":[{\"name\",\"type\"}],\"rows\",\"row_count\",\"truncated\",\"confidence\",\"answer\",\"warnings\"} \
or {\"error\":{\"code\",\"message\"}}.\nExit status: 0 answered, 1 rejected by the guard, 2 usage error, 3 database error, 4 HTTP or auth error (--server).\n\
URL forms: postgres://USER:PASSWORD@HOST:PORT/DATABASE, mysql://… (also MariaDB), sqlite:PATH (opened read-only).
Server URL parameters: sslmode=disable|require|verify-full, sslrootcert=CA.pem, search_path=a,b (PostgreSQL),
statement_timeout=MS (10000), lock_timeout=MS (1000), connect_timeout=S (5), pool_size=N (4), refuse_privileged=true,
allow_superuser=true (a superuser login is refused without it).
The password is never printed; prefer PGPASSWORD-style secrets in a sealed connector for anything but local use.";

/// `sqlgate query --db`, as typed on the command line.
#[derive(Debug, clap::Args)]
struct RawQuery {
    /// The database: postgres://…, mysql://… or sqlite:PATH (see below).
    #[arg(long, required_unless_present = "server", conflicts_with_all = ["server", "token", "connector"])]
    db: Option<String>,
    /// A sqlgate server to send the query to (`http://host:port`), instead of --db.
    #[arg(long, requires_all = ["token", "connector"])]
    server: Option<String>,
    /// The API key for --server (or the SQLGATE_TOKEN variable).
    #[arg(long, env = "SQLGATE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The connector's name on the server.
    #[arg(long)]
    connector: Option<String>,
    /// Rows the answer may hold; the guard asks the database for one more.
    #[arg(long, default_value_t = 20)]
    max_rows: u64,
    /// Bytes of JSON-encoded row data the answer may hold.
    #[arg(long, default_value_t = 32 * 1024)]
    max_bytes: usize,
    /// The SQL to run.
    sql: String,
}

const ASK_HELP: &str = "Prints what POST /api/v1/ask answers: {\"id\",\"sql\",\"columns\",\"rows\",\"row_count\",\
\"truncated\",\"confidence\",\"reasons\",\"answer\",\"warnings\",\"source\"} (no sql for Members), or \
{\"error\":{\"code\",\"message\"}}.\n\
Exit status: 0 answered (also when the confidence is uncertain: read `confidence`), 3 the database or the \
LLM failed, 4 an HTTP or auth error (also spend_limit_reached), 2 bad input.";

/// `sqlgate ask`, as typed on the command line.
#[derive(Debug, clap::Args)]
struct RawAsk {
    /// The sqlgate server (`http://host:port`).
    #[arg(long)]
    server: String,
    /// The API key (or the SQLGATE_TOKEN variable).
    #[arg(long, env = "SQLGATE_TOKEN", hide_env_values = true)]
    token: String,
    /// The connector's name on the server.
    #[arg(long)]
    connector: String,
    /// The question, in plain language.
    question: String,
}

const TRANSLATE_HELP: &str =
    "Prints {\"sql\":\"…\"|null,\"confidence\":\"high\"|\"medium\"|\"low\"|\"uncertain\",\"reasons\":[…]} \
per question: the SQL as the guard approved it, or null with the reason when the engine does not know.\n\
Exit status: 0 translated (also when the answer is uncertain), 2 usage error, 3 database error.\n\
The schema is read once and the distinct values of text columns are sampled (through the guard) to link \
words such as 'France' to the column that holds them.";

/// `sqlgate translate`, as typed on the command line.
#[derive(Debug, clap::Args)]
struct RawTranslate {
    /// The database: postgres://…, mysql://… or sqlite:PATH.
    #[arg(long)]
    db: String,
    /// Read one JSON string (a question) per stdin line; print one answer per line.
    #[arg(long, conflicts_with = "question")]
    jsonl: bool,
    /// The question; read from stdin when absent.
    question: Option<String>,
}

/// `sqlgate check`, as typed on the command line.
#[derive(Debug, clap::Args)]
struct RawCheck {
    /// How to read the SQL: postgres, mysql (also MariaDB) or sqlite.
    #[arg(long)]
    dialect: String,
    /// Rows a query may return; the guard asks the database for one more.
    #[arg(long, default_value_t = 20)]
    max_rows: u64,
    /// Only these relations may be read (`table` or `schema.table`); repeat for more.
    #[arg(long = "allow-table", value_name = "NAME")]
    allow_tables: Vec<String>,
    /// Read one JSON string (a SQL text) per stdin line; print one verdict per line.
    #[arg(long, conflicts_with = "sql")]
    jsonl: bool,
    /// The SQL to check; read from stdin when absent.
    sql: Option<String>,
}

/// A command line that could not be turned into a command.
#[derive(Debug, Error)]
pub enum UsageError {
    /// A policy value was refused.
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// The database URL is not one sqlgate can open. The URL itself is never repeated: it may hold
    /// a password.
    #[error("--db {0}")]
    Database(#[from] ConfigError),
    /// The byte budget is out of range.
    #[error("--max-bytes must be between 1024 and 16777216, got {0}")]
    MaxBytes(usize),
    /// A role name is unknown.
    #[error(transparent)]
    Role(#[from] UnknownRole),
    /// `--expect-head` is not SEQ:HASH.
    #[error("--expect-head is SEQ:HASH, as `sqlgate audit verify` printed it, e.g. 42:3f9a…")]
    Head,
}

/// A command, ready to run.
pub enum Command {
    /// Check SQL against a policy.
    Check(CheckCommand),
    /// Run SQL against a database.
    Query(Box<QueryCommand>),
    /// Send a query to a server.
    Remote(crate::client::Remote),
    /// Serve the API.
    Serve(Option<PathBuf>),
    /// Serve the demo.
    Demo(crate::demo::DemoCommand),
    /// A store command.
    Manage(Manage),
    /// Translate questions with the offline engine.
    Translate(TranslateCommand),
}

/// `sqlgate translate`, typed.
pub struct TranslateCommand {
    /// The database to read the schema of.
    pub target: Target,
    /// The dialect SQL is written in.
    pub dialect: Dialect,
    /// One question, or JSON lines, or all of stdin.
    pub input: CheckInput,
}

/// `sqlgate query --db`, typed.
pub struct QueryCommand {
    /// The database to read.
    pub target: Target,
    /// The guard's policy for the target's dialect.
    pub policy: Policy,
    /// What the answer may hold.
    pub budget: Budget,
    /// The SQL as given.
    pub sql: String,
}

/// The guard's dialect for a database.
fn dialect(target: &Target) -> Dialect {
    match target {
        Target::Server(config) if config.engine == Engine::Postgres => Dialect::Postgres,
        Target::Server(_) => Dialect::Mysql,
        Target::Sqlite(_) => Dialect::Sqlite,
    }
}

/// `sqlgate check`, typed.
pub struct CheckCommand {
    /// The policy every text is checked under.
    pub policy: Policy,
    /// Where the SQL comes from.
    pub input: CheckInput,
}

/// Where `check` reads SQL from.
pub enum CheckInput {
    /// One SQL text from the command line.
    Text(String),
    /// All of stdin is one SQL text.
    Stdin,
    /// One JSON string per stdin line.
    JsonLines,
}

impl TryFrom<Args> for Command {
    type Error = UsageError;

    fn try_from(args: Args) -> Result<Self, Self::Error> {
        match args.command {
            RawCommand::Check(raw) => {
                let dialect: Dialect = raw.dialect.parse()?;
                let mut policy = Policy::new(dialect).with_max_rows(MaxRows::new(raw.max_rows)?);
                if !raw.allow_tables.is_empty() {
                    let names = raw
                        .allow_tables
                        .iter()
                        .map(|name| RelationName::parse(dialect, name))
                        .collect::<Result<Vec<_>, _>>()?;
                    policy = policy.with_allowed_relations(names);
                }
                let input = match (raw.jsonl, raw.sql) {
                    (true, _) => CheckInput::JsonLines,
                    (false, Some(sql)) => CheckInput::Text(sql),
                    (false, None) => CheckInput::Stdin,
                };
                Ok(Command::Check(CheckCommand { policy, input }))
            }
            RawCommand::Query(raw) => {
                if let (Some(server), Some(token), Some(connector)) = (&raw.server, &raw.token, &raw.connector) {
                    return Ok(Command::Remote(crate::client::Remote {
                        server: server.clone(),
                        token: token.clone(),
                        connector: connector.clone(),
                        call: crate::client::Call::Query(raw.sql),
                    }));
                }
                let target = Target::parse(raw.db.as_deref().unwrap_or_default())?;
                let max_rows = MaxRows::new(raw.max_rows)?;
                if !(1024..=16 * 1024 * 1024).contains(&raw.max_bytes) {
                    return Err(UsageError::MaxBytes(raw.max_bytes));
                }
                let policy = Policy::new(dialect(&target)).with_max_rows(max_rows);
                let budget = Budget { max_rows: max_rows.get(), max_bytes: raw.max_bytes, ..Budget::default() };
                Ok(Command::Query(Box::new(QueryCommand { target, policy, budget, sql: raw.sql })))
            }
            RawCommand::Translate(raw) => {
                let target = Target::parse(&raw.db)?;
                let input = match (raw.jsonl, raw.question) {
                    (true, _) => CheckInput::JsonLines,
                    (false, Some(q)) => CheckInput::Text(q),
                    (false, None) => CheckInput::Stdin,
                };
                Ok(Command::Translate(TranslateCommand { dialect: dialect(&target), target, input }))
            }
            RawCommand::Ask(raw) => Ok(Command::Remote(crate::client::Remote {
                server: raw.server,
                token: raw.token,
                connector: raw.connector,
                call: crate::client::Call::Ask(raw.question),
            })),
            RawCommand::Serve { config } => Ok(Command::Serve(config)),
            RawCommand::Demo { data_dir, bind } => Ok(Command::Demo(crate::demo::DemoCommand { data_dir, bind })),
            RawCommand::Users(RawUsers::Add { username, role, password_stdin, config }) => {
                Ok(Command::Manage(Manage::AddUser { config, username, role: role.parse()?, password_stdin }))
            }
            RawCommand::Users(RawUsers::List { config }) => Ok(Command::Manage(Manage::ListUsers { config })),
            RawCommand::Users(RawUsers::SetRole { username, role, config }) => {
                Ok(Command::Manage(Manage::SetRole { config, username, role: role.parse()? }))
            }
            RawCommand::Keys(RawKeys::SealLlmKey { config }) => Ok(Command::Manage(Manage::SealLlmKey { config })),
            RawCommand::Keys(RawKeys::Rotate { new_key_file, config }) => {
                Ok(Command::Manage(Manage::RotateKeys { config, new_key_file }))
            }
            RawCommand::Audit(RawAudit::Purge { older_than_days, config }) => {
                Ok(Command::Manage(Manage::PurgeAudit { config, older_than_days }))
            }
            RawCommand::Audit(RawAudit::Verify { expect_head, config }) => {
                let expect_head = expect_head
                    .map(|text| {
                        let (seq, hash) = text.split_once(':').ok_or(UsageError::Head)?;
                        let seq: i64 = seq.trim().parse().map_err(|_| UsageError::Head)?;
                        Ok::<_, UsageError>((seq, hash.trim().to_owned()))
                    })
                    .transpose()?;
                Ok(Command::Manage(Manage::VerifyAudit { config, expect_head }))
            }
        }
    }
}

/// The code table for `sqlgate check --help`, from the guard's one list of rules.
fn rejection_codes() -> String {
    let mut text = String::from(
        "Prints {\"verdict\":\"allowed\",\"sql\":…,\"limit\":N,\"tables\":[…]} or \
         {\"verdict\":\"rejected\",\"code\":…,\"message\":…}.\n\
         Exit status: 0 allowed, 1 rejected, 2 usage error (with --jsonl: 1 if any line was rejected, \
         2 if any line was not a JSON string).\n\nRejection codes:\n",
    );
    for rule in RULES {
        text.push_str(&format!("  {:<22} {}\n", rule.code.as_str(), rule.doc));
    }
    text
}
