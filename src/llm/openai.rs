//! OpenAI's chat-completions protocol, as OpenAI, Ollama, vLLM and llama.cpp serve it:
//! `POST {base}/chat/completions` with a bearer key when there is one, a system and a user
//! message; the first choice's text, and usage when the server reports it.

use reqwest::header::{HeaderMap, AUTHORIZATION};
use serde::Deserialize;
use serde_json::json;
use sqlgate_connectors::Secret;

use super::client::{key_header, WireReply};
use super::error::{json_problem, LlmConfigError};
use super::Prompt;

/// Where OpenAI's API lives when `llm.base_url` is empty.
pub const DEFAULT_BASE: &str = "https://api.openai.com/v1";

/// The endpoint under `base` (without a trailing `/`).
pub fn url(base: &str) -> String {
    format!("{base}/chat/completions")
}

/// `Authorization: Bearer …` when a key is set (local servers often take none); marked sensitive.
pub fn headers(key: Option<&Secret>) -> Result<HeaderMap, LlmConfigError> {
    let mut headers = HeaderMap::new();
    if let Some(key) = key {
        headers.insert(AUTHORIZATION, key_header(&format!("Bearer {}", key.expose()))?);
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
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": prompt.user},
        ],
    })
}

#[derive(Deserialize)]
struct Chat {
    choices: Vec<Choice>,
    model: Option<String>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<ChatMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChatMessage {
    content: Option<String>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// Reads a 2xx reply: the first choice's message content. Usage is optional (some local servers
/// leave it out); the caller then estimates it.
pub fn parse(body: &[u8]) -> Result<WireReply, String> {
    let chat: Chat =
        serde_json::from_slice(body).map_err(|e| format!("not a chat-completions reply: {}", json_problem(&e)))?;
    let choice = chat.choices.into_iter().next().ok_or("no choices in the reply")?;
    let truncated = choice.finish_reason.as_deref() == Some("length");
    let message = choice.message.ok_or("the first choice has no message")?;
    let text = match (message.content, message.refusal) {
        (Some(text), _) => text,
        (None, Some(_)) => return Err("the model refused to answer (a refusal instead of content)".to_owned()),
        (None, None) if truncated => String::new(),
        (None, None) => return Err("the first choice's message has no content".to_owned()),
    };
    let usage = chat.usage.and_then(|u| Some((u.prompt_tokens?, u.completion_tokens?)));
    Ok(WireReply { text, usage, model: chat.model, truncated })
}
