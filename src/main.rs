//! The `sqlgate` binary: parse the command line, run one command, exit with its code.

use std::process::ExitCode;

use clap::Parser;

mod ask;
mod audit;
mod auth;
mod charts;
mod check;
mod cli;
mod client;
mod config;
mod demo;
mod error_shape;
mod exit;
mod http;
mod limits;
mod llm;
mod manage;
mod metrics;
mod query;
mod serve;
mod store;
mod translate;
mod web;

/// mimalloc instead of the system allocator: the guard allocates heavily inside sqlparser, and
/// measured 10-20% faster with it (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    let outcome = match cli::Command::try_from(args) {
        Ok(cli::Command::Check(command)) => check::run(command),
        Ok(cli::Command::Query(command)) => query::run(*command),
        Ok(cli::Command::Translate(command)) => translate::run(command),
        Ok(cli::Command::Manage(command)) => manage::run(command),
        Ok(cli::Command::Remote(remote)) => client::run(remote),
        Ok(cli::Command::Demo(command)) => match demo::run(command) {
            Ok(()) => exit::Outcome::Allowed,
            Err(e) => {
                eprintln!("sqlgate: {e}");
                exit::Outcome::Database
            }
        },
        Ok(cli::Command::Serve(config)) => match serve::serve(config.as_deref()) {
            Ok(()) => exit::Outcome::Allowed,
            Err(e) => {
                eprintln!("sqlgate: {e}");
                exit::Outcome::Database
            }
        },
        Err(usage) => {
            eprintln!("sqlgate: {usage}");
            exit::Outcome::Usage
        }
    };
    outcome.into()
}
