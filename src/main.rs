//! The `sqlgate` binary: parse the command line, run one command, exit with its code.

use std::process::ExitCode;

use clap::Parser;

mod check;
mod cli;
mod error_shape;
mod exit;
mod query;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let outcome = match cli::Command::try_from(args) {
        Ok(cli::Command::Check(command)) => check::run(command),
        Ok(cli::Command::Query(command)) => query::run(*command),
        Err(usage) => {
            eprintln!("sqlgate: {usage}");
            exit::Outcome::Usage
        }
    };
    outcome.into()
}
