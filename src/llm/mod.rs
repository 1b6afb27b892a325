//! Where candidate SQL comes from: sqlgate's own offline engine (`local`), or a model behind an
//! HTTP API (`anthropic`, or any OpenAI-compatible server) reached through [`LlmClient`].
//!
//! What this module guarantees: one interface for both protocols ([`LlmClient::complete`]: a
//! [`Prompt`] in, a [`Completion`] with its token usage out); bounded time (connect and call
//! timeouts) and bounded retries; every failure an [`LlmError`] with a stable code and an HTTP
//! status; prices known before any call, so spend caps can be checked ([`LlmClient::worst_case_cents`])
//! and charged ([`LlmClient::cost_cents`]); and the API key only ever in a request header — never
//! in an error, a log line or a `Debug` rendering, even when a provider echoes it back. The prompts
//! themselves (what is sent) are built in [`prompt`].

pub mod local;

mod anthropic;
mod client;
mod error;
mod openai;
pub mod prompt;
mod retry;

#[cfg(test)]
mod tests;

pub use client::{reseal_api_key, seal_api_key, LlmClient};
#[cfg(test)]
pub use client::{ClientOptions, Wire};
#[cfg(test)]
pub use error::LlmConfigError;
pub use error::LlmError;
#[cfg(test)]
pub use retry::RetryPolicy;

/// What is sent to a model: the instructions (`system`) and the request with its data (`user`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    /// Role, rules and answer format. Holds no user-supplied text.
    pub system: String,
    /// The schema, AI memory, question (and rows, for a summary), each marked as untrusted.
    pub user: String,
}

/// A model's reply and what it cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// The reply's text (the text blocks joined, for Anthropic).
    pub text: String,
    /// Input (prompt) tokens billed.
    pub input_tokens: u64,
    /// Output (completion) tokens billed.
    pub output_tokens: u64,
    /// The model that answered, as the provider names it (else the configured one).
    pub model: String,
    /// The provider reported no usage (some local servers), so the token counts are sqlgate's
    /// upper-bound estimates from the text's length.
    pub usage_estimated: bool,
    /// The reply stopped at `llm.max_tokens` (Anthropic `stop_reason: "max_tokens"`, OpenAI
    /// `finish_reason: "length"`): the text may be cut anywhere, so SQL in it must not be run.
    pub truncated: bool,
}
