//! `sqlgate check`: the guard alone, one verdict as JSON per SQL text.
//!
//! With `--jsonl` it streams: one JSON string per input line, one verdict object per output line,
//! flushed as it goes. A line that is not a JSON string gets an error object on its own line, so
//! output lines stay aligned with input lines; blank lines are skipped.

use std::io::{self, BufRead, BufWriter, Read, Write};

use serde::Serialize;
use sqlgate_guardrails::{check, Policy, Verdict};

use crate::cli::{CheckCommand, CheckInput};
use crate::error_shape::ErrorJson;
use crate::exit::Outcome;

/// The verdict as the DESIGN.md contract prints it.
#[derive(Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
enum VerdictJson<'a> {
    Allowed { sql: &'a str, limit: u64, tables: &'a [String] },
    Rejected { code: &'a str, message: &'a str },
}

/// Runs `check` and returns how it ended.
pub fn run(command: CheckCommand) -> Outcome {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = match command.input {
        CheckInput::Text(sql) => Ok(one(&sql, &command.policy, &mut out)),
        CheckInput::Stdin => {
            let mut sql = String::new();
            match io::stdin().read_to_string(&mut sql) {
                Ok(_) => Ok(one(&sql, &command.policy, &mut out)),
                Err(e) => {
                    eprintln!("sqlgate: could not read SQL from stdin: {e}");
                    Ok(Outcome::Usage)
                }
            }
        }
        CheckInput::JsonLines => lines(&command.policy, &mut out),
    };
    match result.and_then(|outcome| out.flush().map(|()| outcome)) {
        Ok(outcome) => outcome,
        // The reader went away (`| head`): not every verdict was delivered, so not a success,
        // but nothing worth a message either.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Outcome::Usage,
        // A full disk or another write error: nothing more can be said on stdout.
        Err(e) => {
            eprintln!("sqlgate: could not write the verdict: {e}");
            Outcome::Usage
        }
    }
}

fn one(sql: &str, policy: &Policy, out: &mut impl Write) -> Outcome {
    let verdict = check(sql, policy);
    if let Err(e) = write_verdict(&verdict, out) {
        eprintln!("sqlgate: could not write the verdict: {e}");
        return Outcome::Usage;
    }
    outcome(&verdict)
}

fn lines(policy: &Policy, out: &mut impl Write) -> io::Result<Outcome> {
    json_lines(out, "SQL text", |sql, out| {
        let verdict = check(sql, policy);
        write_verdict(&verdict, out)?;
        Ok(outcome(&verdict))
    })
}

/// Reads one JSON string per stdin line and hands each to `each`, which writes one line of
/// answer. A line that is not a JSON string (`what` names what it should hold) gets an error
/// object on its own line, so output stays aligned with input; blank lines are skipped. Each
/// answer is flushed as it goes. Returns the worst outcome.
pub fn json_lines<W: Write>(
    out: &mut W,
    what: &str,
    mut each: impl FnMut(&str, &mut W) -> io::Result<Outcome>,
) -> io::Result<Outcome> {
    let mut worst = Outcome::Allowed;
    for (index, line) in io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<String>(&line) {
            Ok(text) => worst = worst.max(each(&text, out)?),
            Err(e) => {
                let message = format!(
                    "line {} is not a JSON string ({e}); write each {what} as one JSON string per line",
                    index + 1
                );
                serde_json::to_writer(&mut *out, &ErrorJson::new("bad_input", &message))?;
                out.write_all(b"\n")?;
                worst = Outcome::Usage;
            }
        }
        out.flush()?;
    }
    Ok(worst)
}

fn write_verdict(verdict: &Verdict, out: &mut impl Write) -> io::Result<()> {
    let json = match verdict {
        Verdict::Allowed(a) => VerdictJson::Allowed { sql: &a.sql, limit: a.limit, tables: &a.tables },
        Verdict::Rejected(r) => VerdictJson::Rejected { code: r.code.as_str(), message: &r.message },
    };
    serde_json::to_writer(&mut *out, &json)?;
    out.write_all(b"\n")
}

fn outcome(verdict: &Verdict) -> Outcome {
    match verdict {
        Verdict::Allowed(_) => Outcome::Allowed,
        Verdict::Rejected(_) => Outcome::Rejected,
    }
}
