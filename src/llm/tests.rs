//! The clients against a real HTTP server on loopback that speaks both protocols: request
//! shapes, usage, retries and their waits, timeouts, refusals, bad replies, and the key kept out
//! of every message.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::json;
use sqlgate_connectors::{MasterKey, Secret};

use super::*;
use crate::config::{Config, Price};

#[allow(dead_code)]
#[path = "../../tests/common/llm_server.rs"]
mod llm_server;

use llm_server::{anthropic_ok, openai_ok, LlmServer};

const KEY: &str = "sk-test-Q2hlY2tUaGVLZXlOZXZlckxlYWtz-0123456789";

fn prompt() -> Prompt {
    Prompt {
        system: "You write SQL.".into(),
        user: "<untrusted_question>\nhow many orders?\n</untrusted_question>".into(),
    }
}

/// Fast options: one-millisecond backoffs, a 2 s wait cap, 2 s per attempt (the machine may be
/// busy building; nothing here waits that long unless it is failing).
fn options(wire: Wire, base: String, key: Option<&str>) -> ClientOptions {
    ClientOptions {
        wire,
        model: "m-test".into(),
        base_url: base,
        api_key: key.map(|k| Secret::new(k.into())),
        max_tokens: 256,
        price: Price { input: 300, output: 1500 },
        connect_timeout: Duration::from_secs(2),
        timeout: Duration::from_secs(2),
        retry: RetryPolicy {
            retries: 2,
            first_backoff: Duration::from_millis(1),
            max_backoff: Duration::from_millis(4),
            max_wait: Duration::from_secs(2),
        },
    }
}

fn anthropic(server: &LlmServer) -> LlmClient {
    LlmClient::new(options(Wire::Anthropic, server.url(), Some(KEY))).unwrap()
}

fn openai(server: &LlmServer, key: Option<&str>) -> LlmClient {
    LlmClient::new(options(Wire::OpenAi, format!("{}/v1", server.url()), key)).unwrap()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test]
async fn anthropic_requests_have_the_messages_shape_and_usage_is_read() {
    let server = LlmServer::start();
    server.reply(200, &[], &anthropic_ok("```sql\nSELECT 1\n```\nCONFIDENCE: high", 123, 45));
    let client = anthropic(&server);
    let reply = client.complete(&prompt()).await.unwrap();
    assert_eq!(reply.text, "```sql\nSELECT 1\n```\nCONFIDENCE: high");
    assert_eq!((reply.input_tokens, reply.output_tokens), (123, 45));
    assert_eq!(reply.model, "claude-test");
    assert!(!reply.usage_estimated && !reply.truncated);

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/messages"));
    assert_eq!(r.header("x-api-key"), Some(KEY));
    assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(
        r.json(),
        json!({
            "model": "m-test",
            "max_tokens": 256,
            "temperature": 0,
            "stream": false,
            "system": prompt().system,
            "messages": [{"role": "user", "content": prompt().user}],
        })
    );
    assert_eq!((client.provider(), client.model(), client.max_tokens()), ("anthropic", "m-test", 256));
}

#[tokio::test]
async fn openai_requests_have_the_chat_shape_and_usage_is_read() {
    let server = LlmServer::start();
    server.reply(200, &[], &openai_ok("SELECT 2", 77, 8));
    let client = openai(&server, Some(KEY));
    let reply = client.complete(&prompt()).await.unwrap();
    assert_eq!((reply.text.as_str(), reply.input_tokens, reply.output_tokens), ("SELECT 2", 77, 8));
    assert_eq!(reply.model, "gpt-test");
    assert!(!reply.usage_estimated && !reply.truncated);

    let r = &server.requests()[0];
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(r.header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(r.header("x-api-key"), None);
    assert_eq!(
        r.json(),
        json!({
            "model": "m-test",
            "max_tokens": 256,
            "temperature": 0,
            "stream": false,
            "messages": [
                {"role": "system", "content": prompt().system},
                {"role": "user", "content": prompt().user},
            ],
        })
    );
    assert_eq!(client.provider(), "openai");
}

#[tokio::test]
async fn a_server_without_a_key_or_usage_gets_no_authorization_and_usage_is_estimated() {
    let server = LlmServer::start();
    server.reply(
        200,
        &[],
        r#"{"choices":[{"message":{"role":"assistant","content":"SELECT 3"},"finish_reason":"stop"}]}"#,
    );
    let reply = openai(&server, None).complete(&prompt()).await.unwrap();
    assert_eq!(server.requests()[0].header("authorization"), None);
    assert!(reply.usage_estimated);
    let prompt_bytes = (prompt().system.len() + prompt().user.len()) as u64;
    assert!(reply.input_tokens >= prompt_bytes, "the estimate is an upper bound: {}", reply.input_tokens);
    assert_eq!(reply.output_tokens, "SELECT 3".len() as u64);
    assert_eq!(reply.model, "m-test", "the configured model when the server names none");
}

#[tokio::test]
async fn a_reply_cut_at_max_tokens_is_flagged() {
    let server = LlmServer::start();
    let cut = json!({"type": "message", "content": [{"type": "text", "text": "```sql\nSELECT a FROM t WHERE"}],
                     "stop_reason": "max_tokens", "usage": {"input_tokens": 5, "output_tokens": 256}});
    server.reply(200, &[], &cut.to_string());
    let reply = anthropic(&server).complete(&prompt()).await.unwrap();
    assert!(reply.truncated);
    assert_eq!(reply.output_tokens, 256);

    let server = LlmServer::start();
    let cut = json!({"choices": [{"message": {"content": "SELECT a FROM"}, "finish_reason": "length"}],
                     "usage": {"prompt_tokens": 5, "completion_tokens": 256}});
    server.reply(200, &[], &cut.to_string());
    assert!(openai(&server, None).complete(&prompt()).await.unwrap().truncated);
}

#[tokio::test]
async fn anthropic_text_blocks_are_joined_and_cached_input_is_charged() {
    let server = LlmServer::start();
    let body = json!({"type": "message", "model": "claude-x",
        "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "SELECT "}, {"type": "text", "text": "4"}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 10, "output_tokens": 2, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 5}});
    server.reply(200, &[], &body.to_string());
    let reply = anthropic(&server).complete(&prompt()).await.unwrap();
    assert_eq!((reply.text.as_str(), reply.input_tokens, reply.output_tokens), ("SELECT 4", 115, 2));
}

#[tokio::test]
async fn a_rate_limit_with_retry_after_is_waited_out_then_retried() {
    let server = LlmServer::start();
    server.reply(
        429,
        &[("retry-after", "1")],
        r#"{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}"#,
    );
    server.reply(200, &[], &anthropic_ok("SELECT 1", 1, 1));
    let started = Instant::now();
    let reply = anthropic(&server).complete(&prompt()).await.unwrap();
    assert_eq!(reply.text, "SELECT 1");
    assert_eq!(server.requests().len(), 2);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "the 1 s Retry-After was not honoured: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_errors_and_overload_are_retried_then_succeed() {
    let server = LlmServer::start();
    server.reply(500, &[], r#"{"type":"error","error":{"type":"api_error","message":"oops"}}"#);
    server.reply(529, &[], r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#);
    server.reply(200, &[], &anthropic_ok("SELECT 5", 1, 1));
    assert_eq!(anthropic(&server).complete(&prompt()).await.unwrap().text, "SELECT 5");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let server = LlmServer::start();
    server.hang_up();
    server.reply(200, &[], &openai_ok("SELECT 6", 1, 1));
    assert_eq!(openai(&server, None).complete(&prompt()).await.unwrap().text, "SELECT 6");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn exhausted_retries_give_llm_unavailable_or_llm_busy() {
    let server = LlmServer::start();
    server.default_reply(503, &[], r#"{"error":{"message":"down"}}"#);
    let e = openai(&server, None).complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (502, "llm_unavailable"), "{e}");
    assert!(matches!(e, LlmError::ServerError { status: 503, attempts: 3, .. }), "{e:?}");
    assert_eq!(server.requests().len(), 3, "one attempt and llm.retries (2) more");

    let server = LlmServer::start();
    server.default_reply(429, &[("retry-after-ms", "5")], r#"{"error":{"message":"rate limited"}}"#);
    let e = anthropic(&server).complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (503, "llm_busy"), "{e}");
    assert_eq!(e.retry_after(), Some(1), "5 ms rounds up to a whole second");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_cap_stops_at_once() {
    let server = LlmServer::start();
    server.reply(429, &[("retry-after", "30")], r#"{"error":{"message":"come back later"}}"#);
    server.reply(200, &[], &anthropic_ok("never read", 1, 1));
    let e = anthropic(&server).complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code(), e.retry_after()), (503, "llm_busy", Some(30)), "{e}");
    assert!(e.to_string().contains("30 s"), "{e}");
    assert_eq!(server.requests().len(), 1, "no second attempt");

    let server = LlmServer::start();
    server.reply(503, &[("retry-after", "3600")], "{}");
    let e = openai(&server, None).complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code(), e.retry_after()), (502, "llm_unavailable", Some(3600)), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_slow_reply_is_a_timeout_and_not_retried() {
    let server = LlmServer::start();
    server.reply_after(Duration::from_millis(1500), 200, &[], &anthropic_ok("late", 1, 1));
    let mut opts = options(Wire::Anthropic, server.url(), Some(KEY));
    opts.timeout = Duration::from_millis(300);
    let e = LlmClient::new(opts).unwrap().complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (504, "llm_timeout"), "{e}");
    assert!(e.to_string().contains("within 1 s"), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn retries_stop_at_the_calls_deadline() {
    // Five retries a second apart would take five seconds; the call has two.
    let server = LlmServer::start();
    server.default_reply(503, &[("retry-after", "1")], r#"{"error":{"message":"down"}}"#);
    let mut opts = options(Wire::OpenAi, format!("{}/v1", server.url()), None);
    opts.retry.retries = 5;
    let e = LlmClient::new(opts).unwrap().complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (502, "llm_unavailable"), "{e}");
    let made = server.requests().len();
    assert!((1..=2).contains(&made), "{made} attempts: a wait that ends past the deadline must not start");
}

#[tokio::test]
async fn a_refused_connection_is_llm_unavailable_after_the_retries() {
    let base = format!("http://127.0.0.1:{}", closed_port());
    let e = LlmClient::new(options(Wire::Anthropic, base, Some(KEY))).unwrap().complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (502, "llm_unavailable"), "{e}");
    assert!(matches!(&e, LlmError::Unreachable { attempts: 3, what, .. } if what == "connection refused"), "{e:?}");
}

#[tokio::test]
async fn unreadable_replies_are_llm_bad_response_and_not_retried() {
    let cases: [(Wire, &str); 6] = [
        (Wire::Anthropic, "this is not json"),
        (Wire::Anthropic, r#"{"content": "a string, not blocks"}"#),
        (Wire::Anthropic, r#"{"type": "message", "content": [], "stop_reason": "end_turn"}"#),
        (Wire::OpenAi, r#"{"choices": []}"#),
        (Wire::OpenAi, r#"{"choices": [{"message": {"content": null, "refusal": "no"}}]}"#),
        (Wire::OpenAi, r#"{"choices": [{"message": {"content": "SELECT 1"}}], "usage": {"prompt_tokens": "many"}}"#),
    ];
    for (wire, body) in cases {
        let server = LlmServer::start();
        server.default_reply(200, &[], body);
        let client = match wire {
            Wire::Anthropic => anthropic(&server),
            Wire::OpenAi => openai(&server, None),
        };
        let e = client.complete(&prompt()).await.unwrap_err();
        assert_eq!((e.status(), e.code()), (502, "llm_bad_response"), "{body}: {e}");
        assert_eq!(server.requests().len(), 1, "{body}");
    }
}

#[tokio::test]
async fn a_refused_key_is_reported_without_the_key_even_when_echoed() {
    let server = LlmServer::start();
    let echo =
        format!(r#"{{"type":"error","error":{{"type":"authentication_error","message":"invalid x-api-key {KEY}"}}}}"#);
    server.reply(401, &[], &echo);
    let client = anthropic(&server);
    let e = client.complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (502, "llm_refused"), "{e}");
    assert!(e.to_string().contains("llm.api_key"), "{e}");
    for shown in [e.to_string(), format!("{e:?}"), format!("{client:?}")] {
        assert!(!shown.contains(&KEY[8..20]), "the key shows: {shown}");
    }
    assert!(format!("{client:?}").contains("[redacted]"));
    assert_eq!(server.requests().len(), 1, "a refused key is not retried");

    // Another 4xx carries the provider's message, shortened, with the echoed key removed.
    let server = LlmServer::start();
    let long = "x".repeat(1000);
    let body = format!(r#"{{"error":{{"message":"model m-test not found for key {KEY} {long}"}}}}"#);
    server.reply(404, &[], &body);
    let e = openai(&server, Some(KEY)).complete(&prompt()).await.unwrap_err();
    assert_eq!((e.status(), e.code()), (502, "llm_refused"), "{e}");
    let text = e.to_string();
    assert!(text.contains("model m-test not found for key [redacted]"), "{text}");
    assert!(!text.contains(&KEY[8..20]) && text.len() < 600, "{text}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let server = LlmServer::start();
    server.reply(301, &[("location", "http://127.0.0.1:9/elsewhere")], "");
    let e = anthropic(&server).complete(&prompt()).await.unwrap_err();
    assert_eq!(e.code(), "llm_bad_response", "{e}");
    assert!(e.to_string().contains("llm.base_url"), "{e}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn costs_round_up_to_whole_cents_and_the_worst_case_bounds_any_reply() {
    let client = LlmClient::new(options(Wire::Anthropic, String::new(), Some(KEY))).unwrap();
    assert_eq!(client.cost_cents(0, 0), 0);
    assert_eq!(client.cost_cents(1, 0), 1, "a fraction of a cent is a cent");
    assert_eq!(client.cost_cents(1_000_000, 0), 300);
    assert_eq!(client.cost_cents(1_000_000, 1_000_000), 1800);
    assert_eq!(client.cost_cents(1_000_001, 0), 301);
    assert_eq!(client.cost_cents(u64::MAX, 0), (u128::from(u64::MAX) * 300).div_ceil(1_000_000) as u64, "no overflow");
    let p = prompt();
    let bytes = (p.system.len() + p.user.len()) as u64;
    let worst = client.worst_case_cents(&p);
    assert!(worst >= client.cost_cents(bytes, 256), "{worst}");
    assert_eq!(worst, client.cost_cents(bytes + 32, 256));
    let mut free = options(Wire::OpenAi, String::new(), None);
    free.price = Price { input: 0, output: 0 };
    assert_eq!(LlmClient::new(free).unwrap().worst_case_cents(&p), 0);
}

#[test]
fn options_are_checked_when_the_client_is_built() {
    let mut o = options(Wire::Anthropic, String::new(), Some("two words"));
    assert!(matches!(LlmClient::new(o.clone()), Err(LlmConfigError::KeyCharacters)));
    o.api_key = Some(Secret::new("sk-XYZZY\nrest".into()));
    let e = LlmClient::new(o.clone()).unwrap_err();
    assert!(!e.to_string().contains("XYZZY"), "{e}");
    o.api_key = None;
    o.model = " ".into();
    assert!(matches!(LlmClient::new(o.clone()), Err(LlmConfigError::NoModel)));
    o.model = "m".into();
    for bad in ["ftp://example.com", "not a url", "http://"] {
        o.base_url = bad.into();
        assert!(matches!(LlmClient::new(o.clone()), Err(LlmConfigError::BaseUrl)), "{bad}");
    }
    o.base_url = String::new();
    assert!(format!("{:?}", LlmClient::new(o.clone()).unwrap()).contains("https://api.anthropic.com/v1/messages"));
    o.wire = Wire::OpenAi;
    assert!(format!("{:?}", LlmClient::new(o.clone()).unwrap()).contains("https://api.openai.com/v1/chat/completions"));
    o.base_url = "http://127.0.0.1:11434/v1/".into();
    assert!(format!("{:?}", LlmClient::new(o).unwrap()).contains("\"http://127.0.0.1:11434/v1/chat/completions\""));
}

fn master() -> MasterKey {
    MasterKey::from_bytes(&[7u8; 32]).unwrap()
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[tokio::test]
async fn a_sealed_key_from_the_file_opens_and_reaches_the_provider() {
    let server = LlmServer::start();
    server.reply(200, &[], &anthropic_ok("ok", 1, 1));
    let sealed = seal_api_key(&master(), &Secret::new(KEY.into())).unwrap();
    assert!(sealed.starts_with("sealed:") && !sealed.contains(KEY));
    let dir = std::env::temp_dir().join(format!("sqlgate-llm-sealed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("sqlgate.toml");
    std::fs::write(
        &file,
        format!(
            "[llm]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\nbase_url = \"{}\"\napi_key = \"{sealed}\"\nprices = {{ \"claude-sonnet-4-5\" = {{ input = 300, output = 1500 }} }}\n",
            server.url()
        ),
    )
    .unwrap();
    let config = Config::load(Some(&file), env(&[])).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(!format!("{config:?}").contains(KEY));
    let client = LlmClient::from_config(&config.llm, &master()).unwrap().expect("a client for anthropic");
    assert_eq!((client.provider(), client.model()), ("anthropic", "claude-sonnet-4-5"));
    assert_eq!(client.cost_cents(1_000_000, 1_000_000), 1800);
    client.complete(&prompt()).await.unwrap();
    assert_eq!(server.requests()[0].header("x-api-key"), Some(KEY));

    // Another master key, or a key sealed for something else, does not open it.
    let other = MasterKey::from_bytes(&[8u8; 32]).unwrap();
    let e = LlmClient::from_config(&config.llm, &other).unwrap_err().to_string();
    assert!(e.contains("llm.api_key") && e.contains("seal-llm-key") && e.contains("master key"), "{e}");
    let elsewhere =
        sqlgate_connectors::seal(&master(), "some-connector", &Secret::new(KEY.into())).unwrap().to_base64();
    let config = Config::load(
        None,
        env(&[
            ("SQLGATE_LLM_PROVIDER", "anthropic"),
            ("SQLGATE_LLM_MODEL", "m"),
            ("SQLGATE_LLM_PRICES", "m=1/2"),
            ("SQLGATE_LLM_API_KEY", &format!("sealed:{elsewhere}")),
        ]),
    )
    .unwrap();
    let e = LlmClient::from_config(&config.llm, &master()).unwrap_err().to_string();
    assert!(e.contains("does not open") && !e.contains(KEY), "{e}");
}

#[tokio::test]
async fn a_plain_key_from_the_environment_is_used_and_local_has_no_client() {
    let server = LlmServer::start();
    server.reply(200, &[], &openai_ok("ok", 1, 1));
    let base = format!("{}/v1", server.url());
    let config = Config::load(
        None,
        env(&[
            ("SQLGATE_LLM_PROVIDER", "openai"),
            ("SQLGATE_LLM_MODEL", "llama3.1:8b"),
            ("SQLGATE_LLM_BASE_URL", &base),
            ("SQLGATE_LLM_API_KEY", KEY),
            ("SQLGATE_LLM_PRICES", "llama3.1:8b=0/0"),
        ]),
    )
    .unwrap();
    assert!(!format!("{config:?}").contains(KEY));
    let client = LlmClient::from_config(&config.llm, &master()).unwrap().expect("a client for openai");
    client.complete(&prompt()).await.unwrap();
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {KEY}").as_str()));
    assert_eq!(client.worst_case_cents(&prompt()), 0);

    let local = Config::load(None, env(&[])).unwrap();
    assert!(LlmClient::from_config(&local.llm, &master()).unwrap().is_none());
}
