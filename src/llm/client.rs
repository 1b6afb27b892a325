//! [`LlmClient`]: one HTTP client per configured provider, speaking its protocol ([`Wire`]),
//! with timeouts, bounded retries and prices. Built once at start from `[llm]`
//! ([`LlmClient::from_config`], which opens the sealed key) and shared by every request.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use sqlgate_connectors::{seal, unseal, MasterKey, SealError, SealedSecret, Secret};

use super::error::{redact, shorten, LlmConfigError, LlmError};
use super::retry::{retry_after, retryable_status, RetryPolicy};
use super::{anthropic, openai, Completion, Prompt};
use crate::config::{self, ApiKey, Price, Provider, SEALED_PREFIX};

/// A header value that carries the API key: refused if the key cannot be a header, and marked
/// sensitive so that no HTTP-layer debug output shows it.
pub fn key_header(text: &str) -> Result<HeaderValue, LlmConfigError> {
    let mut value = HeaderValue::from_str(text).map_err(|_| LlmConfigError::KeyCharacters)?;
    value.set_sensitive(true);
    Ok(value)
}

/// The associated data the API key is sealed with: a key sealed for anything else does not open
/// as the API key, and the API key does not open as anything else.
pub const API_KEY_LABEL: &str = "llm.api_key";

/// The largest reply body read; a larger one is a bad response, not a memory problem.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Tokens a prompt costs beyond its text (message framing), added to every input bound.
const FRAMING_TOKENS: u64 = 32;

/// Longest provider message kept in an error.
const MESSAGE_CHARS: usize = 200;

/// Seals an API key for `llm.api_key`: `sealed:<base64>`.
pub fn seal_api_key(master: &MasterKey, key: &Secret) -> Result<String, SealError> {
    Ok(format!("{SEALED_PREFIX}{}", seal(master, API_KEY_LABEL, key)?.to_base64()))
}

/// A sealed `llm.api_key` opened with `old` and sealed again with `new` (for `sqlgate keys
/// rotate`): the `sealed:…` value to put in its place. The plain key stays in a [`Secret`].
pub fn reseal_api_key(old: &MasterKey, new: &MasterKey, blob: &SealedSecret) -> Result<String, LlmConfigError> {
    let key = unseal(old, API_KEY_LABEL, blob).map_err(LlmConfigError::Unseal)?;
    seal_api_key(new, &key).map_err(LlmConfigError::Seal)
}

/// The protocol a client speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    /// Anthropic's Messages API.
    Anthropic,
    /// OpenAI's chat completions (OpenAI, Ollama, vLLM, llama.cpp).
    OpenAi,
}

impl Wire {
    /// The provider's name in the configuration and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Wire::Anthropic => "anthropic",
            Wire::OpenAi => "openai",
        }
    }

    fn default_base(self) -> &'static str {
        match self {
            Wire::Anthropic => anthropic::DEFAULT_BASE,
            Wire::OpenAi => openai::DEFAULT_BASE,
        }
    }

    fn url(self, base: &str) -> String {
        match self {
            Wire::Anthropic => anthropic::url(base),
            Wire::OpenAi => openai::url(base),
        }
    }

    fn headers(self, key: Option<&Secret>) -> Result<HeaderMap, LlmConfigError> {
        match self {
            Wire::Anthropic => anthropic::headers(key),
            Wire::OpenAi => openai::headers(key),
        }
    }

    fn body(self, model: &str, max_tokens: u32, prompt: &Prompt) -> serde_json::Value {
        match self {
            Wire::Anthropic => anthropic::body(model, max_tokens, prompt),
            Wire::OpenAi => openai::body(model, max_tokens, prompt),
        }
    }

    fn parse(self, body: &[u8]) -> Result<WireReply, String> {
        match self {
            Wire::Anthropic => anthropic::parse(body),
            Wire::OpenAi => openai::parse(body),
        }
    }
}

/// A 2xx reply as a protocol module read it.
pub struct WireReply {
    /// The text.
    pub text: String,
    /// (input, output) tokens, when the server reported both.
    pub usage: Option<(u64, u64)>,
    /// The model that answered, when named.
    pub model: Option<String>,
    /// Stopped at the token limit.
    pub truncated: bool,
}

/// Everything a client is built from. [`LlmClient::from_config`] fills it from `[llm]`; tests
/// fill it directly, with short timeouts and backoffs.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// The protocol.
    pub wire: Wire,
    /// The model name sent with every call.
    pub model: String,
    /// Empty for the provider's own URL.
    pub base_url: String,
    /// The key, already unsealed; `None` for servers that take none.
    pub api_key: Option<Secret>,
    /// Most output tokens per reply.
    pub max_tokens: u32,
    /// The model's price.
    pub price: Price,
    /// Longest time to open a connection.
    pub connect_timeout: Duration,
    /// Longest time for one attempt, connection to last byte.
    pub timeout: Duration,
    /// Retries and waits.
    pub retry: RetryPolicy,
}

/// A model behind an HTTP API. Cheap to clone (one shared connection pool).
#[derive(Clone)]
pub struct LlmClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    wire: Wire,
    model: String,
    endpoint: String,
    /// The protocol's headers, the key among them (marked sensitive).
    headers: HeaderMap,
    /// Kept only to remove echoes of it from provider messages.
    key: Option<Secret>,
    max_tokens: u32,
    price: Price,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
}

impl std::fmt::Debug for LlmClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = &self.inner;
        f.debug_struct("LlmClient")
            .field("provider", &inner.wire.name())
            .field("model", &inner.model)
            .field("endpoint", &inner.endpoint)
            .field("api_key", &inner.key.as_ref().map(|_| "[redacted]"))
            .field("max_tokens", &inner.max_tokens)
            .field("price", &inner.price)
            .field("timeout", &inner.timeout)
            .field("retry", &inner.retry)
            .finish()
    }
}

/// One failed attempt, before it is known whether another follows.
enum Failure {
    /// No connection, or it broke before the reply was whole.
    Connection(String),
    /// The attempt ran out of time.
    Timeout,
    /// A status other than 2xx and 3xx, with the provider's message (redacted, shortened).
    Status { status: u16, retry_after: Option<Duration>, message: Option<String> },
    /// A redirect, which is not followed: the key would travel with it.
    Redirect(u16),
    /// A 2xx whose body could not be read as the protocol's reply.
    Body(String),
}

impl LlmClient {
    /// The client `[llm]` describes, or `None` for the local engine. Opens the sealed key with
    /// `master`; refuses a missing model or price again (fail closed, whoever built `llm`).
    pub fn from_config(llm: &config::Llm, master: &MasterKey) -> Result<Option<LlmClient>, LlmConfigError> {
        let wire = match llm.provider {
            Provider::Local => return Ok(None),
            Provider::Anthropic => Wire::Anthropic,
            Provider::OpenAi => Wire::OpenAi,
        };
        if llm.model.trim().is_empty() {
            return Err(LlmConfigError::NoModel);
        }
        let price = llm.price().ok_or_else(|| LlmConfigError::NoPrice(llm.model.clone()))?;
        let api_key = match &llm.api_key {
            ApiKey::None => None,
            ApiKey::Sealed(blob) => Some(unseal(master, API_KEY_LABEL, blob).map_err(LlmConfigError::Unseal)?),
            ApiKey::Plain(key) => Some(key.clone()),
        };
        LlmClient::new(ClientOptions {
            wire,
            model: llm.model.trim().to_owned(),
            base_url: llm.base_url.clone(),
            api_key: api_key.filter(|k| !k.expose().is_empty()),
            max_tokens: llm.max_tokens,
            price,
            connect_timeout: Duration::from_secs(llm.connect_timeout_secs),
            timeout: Duration::from_secs(llm.timeout_secs),
            retry: RetryPolicy::with_retries(llm.retries),
        })
        .map(Some)
    }

    /// A client from explicit options.
    pub fn new(options: ClientOptions) -> Result<LlmClient, LlmConfigError> {
        if options.model.trim().is_empty() {
            return Err(LlmConfigError::NoModel);
        }
        if let Some(key) = &options.api_key {
            if !key.expose().bytes().all(|b| b.is_ascii_graphic()) {
                return Err(LlmConfigError::KeyCharacters);
            }
        }
        let base = match options.base_url.trim() {
            "" => options.wire.default_base(),
            base => base.trim_end_matches('/'),
        };
        let url = reqwest::Url::parse(base).map_err(|_| LlmConfigError::BaseUrl)?;
        if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
            return Err(LlmConfigError::BaseUrl);
        }
        if url.scheme() == "http" && options.api_key.is_some() && !is_loopback(&url) {
            tracing::warn!(
                provider = options.wire.name(),
                "llm.base_url is plain http:// to another machine: the API key crosses the network unencrypted; use https://"
            );
        }
        let headers = options.wire.headers(options.api_key.as_ref())?;
        let http = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .timeout(options.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sqlgate/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| LlmConfigError::Http(e.to_string()))?;
        Ok(LlmClient {
            inner: Arc::new(Inner {
                http,
                wire: options.wire,
                endpoint: options.wire.url(base),
                model: options.model.trim().to_owned(),
                headers,
                key: options.api_key,
                max_tokens: options.max_tokens,
                price: options.price,
                connect_timeout: options.connect_timeout,
                timeout: options.timeout,
                retry: options.retry,
            }),
        })
    }

    /// `anthropic` or `openai`.
    pub fn provider(&self) -> &'static str {
        self.inner.wire.name()
    }

    /// The configured model.
    pub fn model(&self) -> &str {
        &self.inner.model
    }

    #[cfg(test)]
    /// Most output tokens per reply.
    pub fn max_tokens(&self) -> u32 {
        self.inner.max_tokens
    }

    /// What `input_tokens` and `output_tokens` cost at the model's price, in whole cents rounded
    /// up (a call that cost anything costs at least a cent).
    pub fn cost_cents(&self, input_tokens: u64, output_tokens: u64) -> u64 {
        let price = self.inner.price;
        let micro =
            u128::from(input_tokens) * u128::from(price.input) + u128::from(output_tokens) * u128::from(price.output);
        u64::try_from(micro.div_ceil(1_000_000)).unwrap_or(u64::MAX)
    }

    /// The most a call with `prompt` can cost: its input counted as one token per byte (a
    /// byte-level tokenizer never makes more) plus framing, and the whole `max_tokens` written.
    /// The spend cap is checked against this before the call.
    pub fn worst_case_cents(&self, prompt: &Prompt) -> u64 {
        self.cost_cents(input_bound(prompt), u64::from(self.inner.max_tokens))
    }

    /// Sends `prompt` and returns the reply with its usage, retrying what may pass (429, 5xx,
    /// 529, a dropped connection) up to `llm.retries` times. The whole call, attempts and waits
    /// between them, ends within `llm.timeout_secs`: no wait or attempt starts that could not
    /// finish in time.
    pub async fn complete(&self, prompt: &Prompt) -> Result<Completion, LlmError> {
        let inner = &self.inner;
        let body = inner.wire.body(&inner.model, inner.max_tokens, prompt).to_string().into_bytes();
        let deadline = Instant::now() + inner.timeout;
        let mut attempts = 0;
        loop {
            attempts += 1;
            let left = deadline.saturating_duration_since(Instant::now());
            let failure = match self.attempt(&body, prompt, left).await {
                Ok(completion) => return Ok(completion),
                Err(failure) => failure,
            };
            let in_time = |wait: &Duration| Instant::now() + *wait < deadline;
            let Some(wait) = self.wait_before_retry(&failure, attempts).filter(in_time) else {
                let error = self.error(failure, attempts);
                tracing::warn!(provider = self.provider(), attempts, code = error.code(), "LLM call failed: {error}");
                return Err(error);
            };
            tracing::warn!(
                provider = self.provider(),
                attempt = attempts,
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "LLM call failed ({}); trying again",
                failure.describe()
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// One request and its reply, within `left`.
    async fn attempt(&self, body: &[u8], prompt: &Prompt, left: Duration) -> Result<Completion, Failure> {
        let inner = &self.inner;
        let response = inner
            .http
            .post(&inner.endpoint)
            .timeout(left)
            .headers(inner.headers.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| self.transport(&e))?;
        let status = response.status().as_u16();
        let retry_after = retry_after(response.headers(), SystemTime::now());
        let bytes = self.read_body(response).await?;
        match status {
            200..=299 => {
                let reply = inner.wire.parse(&bytes).map_err(|what| Failure::Body(self.clean(&what)))?;
                Ok(self.completion(reply, prompt))
            }
            300..=399 => Err(Failure::Redirect(status)),
            _ => {
                Err(Failure::Status { status, retry_after, message: provider_message(&bytes).map(|m| self.clean(&m)) })
            }
        }
    }

    /// The body, up to [`MAX_BODY`] bytes.
    async fn read_body(&self, mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if bytes.len() + chunk.len() > MAX_BODY {
                return Err(Failure::Body(format!("the reply is larger than {} MiB", MAX_BODY / (1024 * 1024))));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }

    /// A transport error as a failure, described in a few words (reqwest's own text can hold
    /// the URL, which is not needed).
    fn transport(&self, e: &reqwest::Error) -> Failure {
        if e.is_connect() {
            let what = match io_kind(e) {
                Some(std::io::ErrorKind::ConnectionRefused) => "connection refused".to_owned(),
                Some(std::io::ErrorKind::TimedOut) => self.no_connection(),
                _ if e.is_timeout() => self.no_connection(),
                _ if chain_text(e).contains("dns error") => "the host name did not resolve".to_owned(),
                _ => "the connection could not be opened".to_owned(),
            };
            return Failure::Connection(what);
        }
        if e.is_timeout() {
            return Failure::Timeout;
        }
        Failure::Connection("the connection closed before the reply was complete".to_owned())
    }

    fn no_connection(&self) -> String {
        format!("no connection within {} s", self.inner.connect_timeout.as_secs_f64().ceil())
    }

    /// How long to wait before another attempt, or `None` to stop.
    fn wait_before_retry(&self, failure: &Failure, attempts: u32) -> Option<Duration> {
        let policy = &self.inner.retry;
        if attempts > policy.retries {
            return None;
        }
        let backoff = policy.backoff(attempts - 1).min(policy.max_wait);
        match failure {
            Failure::Connection(_) => Some(backoff),
            Failure::Status { status, retry_after, .. } if retryable_status(*status) => match retry_after {
                Some(asked) if *asked > policy.max_wait => None,
                Some(asked) => Some((*asked).max(backoff).min(policy.max_wait)),
                None => Some(backoff),
            },
            _ => None,
        }
    }

    /// The error a final failure is reported as.
    fn error(&self, failure: Failure, attempts: u32) -> LlmError {
        let provider = self.provider();
        match failure {
            Failure::Connection(what) => LlmError::Unreachable { provider, what, attempts },
            Failure::Timeout => LlmError::Timeout { provider, seconds: self.inner.timeout.as_secs_f64().ceil() as u64 },
            Failure::Redirect(status) => LlmError::BadResponse {
                provider,
                what: format!("HTTP {status}, a redirect; sqlgate does not follow redirects (the key would travel along): set llm.base_url to the address it points to"),
            },
            Failure::Body(what) => LlmError::BadResponse { provider, what },
            Failure::Status { status, retry_after, message } => {
                let retry_after = retry_after.map(|d| d.as_secs_f64().ceil() as u64);
                match status {
                    429 => LlmError::Busy { provider, attempts, retry_after },
                    401 | 403 => LlmError::KeyRefused { provider, status },
                    500..=599 => LlmError::ServerError { provider, status, attempts, retry_after },
                    400..=499 => LlmError::Refused {
                        provider,
                        status,
                        message: message.unwrap_or_else(|| "no message".to_owned()),
                    },
                    _ => LlmError::BadResponse { provider, what: format!("HTTP {status}") },
                }
            }
        }
    }

    /// A reply with its usage; usage the server left out is estimated from above.
    fn completion(&self, reply: WireReply, prompt: &Prompt) -> Completion {
        let (input_tokens, output_tokens, usage_estimated) = match reply.usage {
            Some((input, output)) => (input, output, false),
            None => (input_bound(prompt), text_bound(&reply.text), true),
        };
        Completion {
            text: reply.text,
            input_tokens,
            output_tokens,
            model: reply.model.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| self.inner.model.clone()),
            usage_estimated,
            truncated: reply.truncated,
        }
    }

    /// Provider text fit for a message: the key removed, one short line.
    fn clean(&self, text: &str) -> String {
        let head: String = text.chars().take(4 * MESSAGE_CHARS).collect();
        shorten(&redact(&head, self.inner.key.as_ref()), MESSAGE_CHARS)
    }
}

impl Failure {
    /// A few words for the retry log line.
    fn describe(&self) -> String {
        match self {
            Failure::Connection(what) => what.clone(),
            Failure::Timeout => "timeout".to_owned(),
            Failure::Status { status, .. } => format!("HTTP {status}"),
            Failure::Redirect(status) => format!("HTTP {status}"),
            Failure::Body(what) => what.clone(),
        }
    }
}

/// Input tokens a prompt can cost at most.
fn input_bound(prompt: &Prompt) -> u64 {
    text_bound(&prompt.system).saturating_add(text_bound(&prompt.user)).saturating_add(FRAMING_TOKENS)
}

/// Tokens a text can be at most: one per byte.
fn text_bound(text: &str) -> u64 {
    u64::try_from(text.len()).unwrap_or(u64::MAX)
}

/// The provider's own explanation in an error body: `error.message` (Anthropic, OpenAI, vLLM,
/// llama.cpp), a string `error` (Ollama), `message` or `detail`; else a short plain-text body.
fn provider_message(body: &[u8]) -> Option<String> {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        let text = value
            .pointer("/error/message")
            .or_else(|| value.get("error"))
            .or_else(|| value.get("message"))
            .or_else(|| value.get("detail"))
            .and_then(|v| v.as_str())?;
        return Some(text.to_owned()).filter(|t| !t.trim().is_empty());
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    (!text.is_empty() && !text.starts_with('<')).then(|| text.to_owned())
}

/// The kind of the first I/O error in `e`'s causes.
fn io_kind(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        source = cause.source();
    }
    None
}

/// Every cause's text, for matching a few well-known ones.
fn chain_text(e: &reqwest::Error) -> String {
    let mut text = String::new();
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(&cause.to_string());
        text.push_str(": ");
        source = cause.source();
    }
    text
}

/// Whether the URL names this machine.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}
