//! Anthropic's Messages API: `POST {base}/v1/messages` with `x-api-key` and `anthropic-version`,
//! one user message and the system prompt beside it; the reply's text blocks and its usage.

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;
use serde_json::json;
use sqlgate_connectors::Secret;

use super::client::{key_header, WireReply};
use super::error::{json_problem, LlmConfigError};
use super::Prompt;

/// The API version sqlgate speaks (the request and reply shapes below).
pub const VERSION: &str = "2023-06-01";

/// Where Anthropic's API lives when `llm.base_url` is empty.
pub const DEFAULT_BASE: &str = "https://api.anthropic.com";

/// The endpoint under `base` (without a trailing `/`).
pub fn url(base: &str) -> String {
    format!("{base}/v1/messages")
}

/// The headers every call carries; the key's value is marked sensitive.
pub fn headers(key: Option<&Secret>) -> Result<HeaderMap, LlmConfigError> {
    let mut headers = HeaderMap::new();
    headers.insert(HeaderName::from_static("anthropic-version"), HeaderValue::from_static(VERSION));
    if let Some(key) = key {
        headers.insert(HeaderName::from_static("x-api-key"), key_header(key.expose())?);
    }
    Ok(headers)
}

/// The request: deterministic (temperature 0), not streamed.
pub fn body(model: &str, max_tokens: u32, prompt: &Prompt) -> serde_json::Value {
    json!({
        "model": model,
        "max_tokens": max_tokens,
        "temperature": 0,
        "stream": false,
        "system": prompt.system,
        "messages": [{"role": "user", "content": prompt.user}],
    })
}

#[derive(Deserialize)]
struct Message {
    #[serde(rename = "type")]
    kind: Option<String>,
    content: Vec<Block>,
    model: Option<String>,
    stop_reason: Option<String>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
}

/// Reads a 2xx reply. Text blocks are joined; other blocks (thinking, tool use) are skipped.
/// Cached input tokens count as input, so usage is never under-charged.
pub fn parse(body: &[u8]) -> Result<WireReply, String> {
    let message: Message =
        serde_json::from_slice(body).map_err(|e| format!("not a Messages API reply: {}", json_problem(&e)))?;
    if message.kind.as_deref().is_some_and(|kind| kind != "message") {
        return Err(format!("a reply of type `{}` instead of `message`", message.kind.unwrap_or_default()));
    }
    let truncated = message.stop_reason.as_deref() == Some("max_tokens");
    let texts: Vec<&str> =
        message.content.iter().filter(|b| b.kind == "text").filter_map(|b| b.text.as_deref()).collect();
    if texts.is_empty() && !truncated {
        return Err(format!(
            "no text in the reply (stop_reason {})",
            message.stop_reason.as_deref().unwrap_or("missing")
        ));
    }
    let usage = message.usage.and_then(|u| {
        let cached = u.cache_creation_input_tokens.unwrap_or(0).saturating_add(u.cache_read_input_tokens.unwrap_or(0));
        Some((u.input_tokens?.saturating_add(cached), u.output_tokens?))
    });
    Ok(WireReply { text: texts.concat(), usage, model: message.model, truncated })
}
