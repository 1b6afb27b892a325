//! The command line: raw clap arguments, then typed commands built before any work starts.

use clap::{Parser, Subcommand};
use sqlgate_guardrails::{Dialect, MaxRows, Policy, PolicyError, RelationName, RULES};
use thiserror::Error;

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
}

/// A command, ready to run.
pub enum Command {
    /// Check SQL against a policy.
    Check(CheckCommand),
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
