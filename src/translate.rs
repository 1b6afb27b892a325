//! `sqlgate translate`: the offline engine alone. Reads the database's schema and samples its
//! text values once, then answers each question with the SQL the guard approved, or `null` and
//! the reason.

use std::io::{self, BufWriter, Read, Write};

use sqlgate_connectors::{Connector, ConnectorError, Exposure};
use sqlgate_guardrails::Policy;

use crate::cli::{CheckInput, TranslateCommand};
use crate::error_shape::ErrorJson;
use crate::exit::Outcome;
use crate::llm::local::{load_catalog, Engine};

/// Runs `translate` and returns how it ended.
pub fn run(command: TranslateCommand) -> Outcome {
    let engine = match load(&command) {
        Ok(engine) => engine,
        Err(e) => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            let _ = serde_json::to_writer(&mut out, &ErrorJson::new(e.code(), &e.to_string()));
            let _ = writeln!(out);
            return Outcome::Database;
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match command.input {
        CheckInput::Text(q) => answer(&engine, &q, &mut out).map(|()| Outcome::Allowed),
        CheckInput::Stdin => {
            let mut q = String::new();
            match io::stdin().read_to_string(&mut q) {
                Ok(_) => answer(&engine, &q, &mut out).map(|()| Outcome::Allowed),
                Err(e) => {
                    eprintln!("sqlgate: could not read the question from stdin: {e}");
                    Ok(Outcome::Usage)
                }
            }
        }
        CheckInput::JsonLines => lines(&engine, &mut out),
    };
    match result.and_then(|outcome| out.flush().map(|()| outcome)) {
        Ok(outcome) => outcome,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Usage,
        Err(e) => {
            eprintln!("sqlgate: could not write the answer: {e}");
            Outcome::Usage
        }
    }
}

fn load(command: &TranslateCommand) -> Result<Engine, ConnectorError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ConnectorError::Open(format!("could not start the async runtime: {e}")))?;
    let catalog = runtime.block_on(async {
        let connector = Connector::new(command.target.clone())?;
        let catalog = match connector.schema(&Exposure::All).await {
            Ok(schema) => load_catalog(&connector, &schema, command.dialect).await,
            Err(e) => Err(e),
        };
        connector.close().await;
        catalog
    })?;
    Ok(Engine::new(catalog, Policy::new(command.dialect)))
}

fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

fn answer(engine: &Engine, question: &str, out: &mut impl Write) -> io::Result<()> {
    serde_json::to_writer(&mut *out, &engine.translate(question, today()))?;
    out.write_all(b"\n")
}

fn lines(engine: &Engine, out: &mut impl Write) -> io::Result<Outcome> {
    crate::check::json_lines(out, "question", |question, out| answer(engine, question, out).map(|()| Outcome::Allowed))
}
