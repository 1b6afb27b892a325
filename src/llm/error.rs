//! Why a call to a model failed ([`LlmError`], with the HTTP status and stable code the API
//! answers with), why a client could not be built ([`LlmConfigError`]), and the redaction that
//! keeps the API key out of both.

use sqlgate_connectors::{SealError, Secret};
use thiserror::Error;

/// A call to the model failed. Each variant has one code and one status; the messages say what
/// happened and what to do, and never hold the API key.
#[derive(Debug, Error)]
pub enum LlmError {
    /// No connection, or it dropped, on every attempt. 502 `llm_unavailable`.
    #[error("the LLM provider ({provider}) could not be reached ({what}, {attempts} attempt(s)); try again in a minute, and if it persists an admin should check llm.base_url and that the model server is up")]
    Unreachable {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// What went wrong, in a few words (`connection refused`, `connection reset`).
        what: String,
        /// Attempts made.
        attempts: u32,
    },
    /// The provider failed with a 5xx (or Anthropic's 529, overloaded) on every attempt, or asked
    /// to wait longer than sqlgate waits. 502 `llm_unavailable`.
    #[error("the LLM provider ({provider}) failed with HTTP {status} ({attempts} attempt(s){}); try again later", wait_note(*retry_after))]
    ServerError {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// Seconds the provider asked to wait, when it said.
        retry_after: Option<u64>,
    },
    /// The provider is rate limiting (429) on every attempt, or asked to wait longer than sqlgate
    /// waits. 503 `llm_busy`.
    #[error("the LLM provider ({provider}) is rate limiting sqlgate (HTTP 429, {attempts} attempt(s){}); try again {}", wait_note(*retry_after), retry_hint(*retry_after))]
    Busy {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// Attempts made.
        attempts: u32,
        /// Seconds the provider asked to wait, when it said.
        retry_after: Option<u64>,
    },
    /// The call took longer than `llm.timeout_secs`. 504 `llm_timeout`.
    #[error("the LLM provider ({provider}) did not answer within {seconds} s; try again, or ask a simpler question (an admin can raise llm.timeout_secs)")]
    Timeout {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// The limit that was reached, in whole seconds (rounded up).
        seconds: u64,
    },
    /// The reply was not what the protocol promises. 502 `llm_bad_response`.
    #[error("the LLM provider ({provider}) sent a reply sqlgate cannot read ({what}); try again, and if it persists an admin should check llm.provider and llm.base_url")]
    BadResponse {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// What was wrong with it (never the body itself).
        what: String,
    },
    /// 401 or 403: the key was refused. 502 `llm_refused`.
    #[error("the LLM provider ({provider}) refused the API key (HTTP {status}); an admin must check llm.api_key")]
    KeyRefused {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// 401 or 403.
        status: u16,
    },
    /// Another 4xx: the request was refused. 502 `llm_refused`.
    #[error("the LLM provider ({provider}) refused the request (HTTP {status}: {message}); an admin should check llm.model, llm.base_url and llm.max_tokens")]
    Refused {
        /// `anthropic` or `openai`.
        provider: &'static str,
        /// The status.
        status: u16,
        /// The provider's own message, shortened, with the key removed.
        message: String,
    },
}

fn wait_note(retry_after: Option<u64>) -> String {
    retry_after.map(|s| format!("; it asked to wait {s} s")).unwrap_or_default()
}

fn retry_hint(retry_after: Option<u64>) -> String {
    match retry_after {
        Some(s) => format!("in {s} s"),
        None => "in a minute".to_owned(),
    }
}

impl LlmError {
    /// The HTTP status the API answers with: 502, 503 or 504.
    pub fn status(&self) -> u16 {
        match self {
            LlmError::Busy { .. } => 503,
            LlmError::Timeout { .. } => 504,
            LlmError::Unreachable { .. }
            | LlmError::ServerError { .. }
            | LlmError::BadResponse { .. }
            | LlmError::KeyRefused { .. }
            | LlmError::Refused { .. } => 502,
        }
    }

    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Unreachable { .. } | LlmError::ServerError { .. } => "llm_unavailable",
            LlmError::Busy { .. } => "llm_busy",
            LlmError::Timeout { .. } => "llm_timeout",
            LlmError::BadResponse { .. } => "llm_bad_response",
            LlmError::KeyRefused { .. } | LlmError::Refused { .. } => "llm_refused",
        }
    }

    /// Seconds the provider asked to wait, for a `Retry-After` on the API's answer.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            LlmError::Busy { retry_after, .. } | LlmError::ServerError { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The `[llm]` settings could not become a client.
#[derive(Debug, Error)]
pub enum LlmConfigError {
    /// The sealed key did not open.
    #[error("{}", unseal_message(.0))]
    Unseal(SealError),
    /// The key could not be sealed again (a key rotation).
    #[error("llm.api_key could not be sealed with the new master key: {0}")]
    Seal(SealError),
    /// The key holds characters a header cannot carry.
    #[error("llm.api_key holds spaces, line breaks or other characters an HTTP header cannot carry; seal the key again, exactly as the provider shows it")]
    KeyCharacters,
    /// No model name.
    #[error("llm.model is empty: name the model to use")]
    NoModel,
    /// No price for the model.
    #[error(
        "spend caps cannot be enforced without a price for model {0}; add it to llm.prices, 0/0 for a free local model"
    )]
    NoPrice(String),
    /// The base URL is not an http(s) URL.
    #[error("llm.base_url must be an http:// or https:// URL")]
    BaseUrl,
    /// The HTTP client could not be set up (TLS roots, for instance).
    #[error("the HTTP client for the LLM provider could not be set up: {0}")]
    Http(String),
}

fn unseal_message(e: &SealError) -> String {
    let why = match e {
        SealError::WrongKey { sealed_with, loaded } => {
            format!("it was sealed with master key {sealed_with}, but the key loaded is {loaded}")
        }
        SealError::UnsupportedFormat(_) => e.to_string(),
        _ => "it is cut, altered, or was sealed for something else".to_owned(),
    };
    format!("llm.api_key does not open: {why}; seal the API key again with `sqlgate keys seal-llm-key` (it uses the master key the server starts with)")
}

/// The shortest run of key characters that counts as an echo of the key. Providers echo keys
/// whole or masked (`sk-proj-****abcd`); any 8 characters in a row of the key are removed.
const ECHO_MIN: usize = 8;

/// `text` without the key: every run of [`ECHO_MIN`] or more characters that also occurs in the
/// key is replaced by `[redacted]`. Keys are visible ASCII (checked when the client is built), so
/// every match lies on character boundaries.
pub fn redact(text: &str, key: Option<&Secret>) -> String {
    let Some(key) = key.map(|k| k.expose()).filter(|k| !k.is_empty()) else {
        return text.to_owned();
    };
    if !key.is_ascii() {
        // Never the case for a client (its key is checked); matched runs could split a character.
        return text.replace(key, "[redacted]");
    }
    let key = key.as_bytes();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        let longest = (0..key.len())
            .map(|j| bytes[i..].iter().zip(&key[j..]).take_while(|(a, b)| a == b).count())
            .max()
            .unwrap_or(0);
        if longest >= ECHO_MIN.min(key.len()) {
            out.push_str(&text[copied..i]);
            out.push_str("[redacted]");
            i += longest;
            copied = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// What was wrong with a JSON body, in a few words: syntax errors without the text, shape errors
/// as serde names them (field and type; the caller redacts and shortens).
pub fn json_problem(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match e.classify() {
        Category::Io | Category::Syntax | Category::Eof => "the body is not valid JSON".to_owned(),
        Category::Data => format!("unexpected shape: {}", shorten(&e.to_string(), 160)),
    }
}

/// At most `max` characters of `text` on one line, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_removes_whole_and_partial_echoes_of_the_key() {
        let key = Secret::new("sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789".into());
        let said = "Incorrect API key provided: sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789. Also sk-proj-********6789 and QrStUvWxYz.";
        let clean = redact(said, Some(&key));
        assert!(!clean.contains("AbCdEfGh") && !clean.contains("QrStUvWx") && !clean.contains("sk-proj-"), "{clean}");
        assert!(clean.starts_with("Incorrect API key provided: [redacted]."), "{clean}");
        assert_eq!(redact("nothing to hide here", Some(&key)), "nothing to hide here");
        assert_eq!(redact("ünïcode stays", Some(&key)), "ünïcode stays");
        assert_eq!(redact("abc", None), "abc");
        let short = Secret::new("k3y".into());
        assert_eq!(redact("the k3y is k3y", Some(&short)), "the [redacted] is [redacted]");
    }

    #[test]
    fn shorten_keeps_one_line_and_cuts_on_a_character() {
        assert_eq!(shorten("a\n  b\tc", 10), "a b c");
        assert_eq!(shorten("ééééé", 3), "ééé…");
    }

    #[test]
    fn every_error_has_its_status_and_code() {
        let p = "anthropic";
        let cases: Vec<(LlmError, u16, &str)> = vec![
            (
                LlmError::Unreachable { provider: p, what: "connection refused".into(), attempts: 3 },
                502,
                "llm_unavailable",
            ),
            (
                LlmError::ServerError { provider: p, status: 529, attempts: 3, retry_after: None },
                502,
                "llm_unavailable",
            ),
            (LlmError::Busy { provider: p, attempts: 1, retry_after: Some(30) }, 503, "llm_busy"),
            (LlmError::Timeout { provider: p, seconds: 1 }, 504, "llm_timeout"),
            (LlmError::BadResponse { provider: p, what: "not JSON".into() }, 502, "llm_bad_response"),
            (LlmError::KeyRefused { provider: p, status: 401 }, 502, "llm_refused"),
            (LlmError::Refused { provider: p, status: 400, message: "bad".into() }, 502, "llm_refused"),
        ];
        for (e, status, code) in cases {
            assert_eq!((e.status(), e.code()), (status, code), "{e}");
            assert!(e.to_string().contains(p), "{e}");
        }
        let busy = LlmError::Busy { provider: p, attempts: 1, retry_after: Some(30) };
        assert_eq!(busy.retry_after(), Some(30));
        assert!(busy.to_string().contains("in 30 s"), "{busy}");
    }
}
