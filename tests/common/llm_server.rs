//! A real HTTP server on loopback that plays an LLM provider in tests: it answers with scripted
//! replies, in order, then with a default, and records every request it was sent. Standard
//! library only (HTTP/1.1, `Content-Length` bodies, `Connection: close`), so that the unit tests
//! (`#[path]`-included from `src/llm/`) and the black-box tests (`tests/common/`) share it.
//!
//! ```ignore
//! let server = LlmServer::start();
//! server.reply(429, &[("retry-after", "1")], "{}");
//! server.reply(200, &[], &anthropic_ok("SELECT 1", 10, 3));
//! // point the client at server.url(), call it, then:
//! assert_eq!(server.requests().len(), 2);
//! ```

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// `POST`.
    pub method: String,
    /// The path with its query, e.g. `/v1/messages`.
    pub path: String,
    /// Headers with lowercased names, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Recorded {
    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Scripted {
    /// Wait `delay`, then answer.
    Respond {
        /// The status code.
        status: u16,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
        /// Time before the first byte of the answer.
        delay: Duration,
    },
    /// Close the connection without answering (a dropped connection).
    HangUp,
}

#[derive(Default)]
struct Shared {
    queue: VecDeque<Scripted>,
    default: Option<Scripted>,
    requests: Vec<Recorded>,
}

/// The server; it stops when dropped.
pub struct LlmServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl LlmServer {
    /// Listens on 127.0.0.1, a free port. Until told otherwise, requests with no scripted reply
    /// left get a 500 saying so.
    pub fn start() -> LlmServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the LLM test server");
        let addr = listener.local_addr().expect("its address");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let (shared, stop) = (Arc::clone(&shared), Arc::clone(&stop));
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    // One thread per connection, not joined: a delayed reply must not hold up
                    // the others, nor the server's drop.
                    std::thread::spawn(move || serve(stream, &shared));
                }
            })
        };
        LlmServer { addr, shared, stop, acceptor: Some(acceptor) }
    }

    /// `http://127.0.0.1:PORT`, to use as a base URL (add `/v1` for OpenAI's protocol).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Queues a reply.
    pub fn reply(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
        self.reply_after(Duration::ZERO, status, headers, body)
    }

    /// Queues a reply sent after `delay`.
    pub fn reply_after(&self, delay: Duration, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
        self.push(respond(delay, status, headers, body))
    }

    /// Queues a dropped connection.
    pub fn hang_up(&self) -> &Self {
        self.push(Scripted::HangUp)
    }

    /// The reply for requests once the queue is empty.
    pub fn default_reply(&self, status: u16, headers: &[(&str, &str)], body: &str) -> &Self {
        self.lock().default = Some(respond(Duration::ZERO, status, headers, body));
        self
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    fn push(&self, scripted: Scripted) -> &Self {
        self.lock().queue.push_back(scripted);
        self
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for LlmServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn respond(delay: Duration, status: u16, headers: &[(&str, &str)], body: &str) -> Scripted {
    Scripted::Respond {
        status,
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: body.to_owned(),
        delay,
    }
}

/// Reads one request, records it, and answers with the next scripted reply.
fn serve(stream: TcpStream, shared: &Mutex<Shared>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(request) = read_request(&stream) else { return };
    let scripted = {
        let mut shared = shared.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        shared.requests.push(request);
        let next = shared.queue.pop_front().or_else(|| shared.default.clone());
        next.unwrap_or_else(|| {
            respond(
                Duration::ZERO,
                500,
                &[("content-type", "application/json")],
                r#"{"error":{"message":"the LLM test server has no scripted reply left"}}"#,
            )
        })
    };
    let mut stream = stream;
    match scripted {
        Scripted::HangUp => {
            let _ = stream.shutdown(Shutdown::Both);
        }
        Scripted::Respond { status, headers, body, delay } => {
            std::thread::sleep(delay);
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                head.push_str("content-type: application/json\r\n");
            }
            head.push_str(&format!("content-length: {}\r\nconnection: close\r\n\r\n", body.len()));
            let _ = stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes()));
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
        }
    }
}

fn read_request(stream: &TcpStream) -> Option<Recorded> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, path) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers.iter().find(|(n, _)| n == "content-length").and_then(|(_, v)| v.parse::<usize>().ok());
    let mut body = vec![0; length.unwrap_or(0)];
    reader.read_exact(&mut body).ok()?;
    Some(Recorded { method, path, headers, body: String::from_utf8_lossy(&body).into_owned() })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        529 => "Overloaded",
        _ => "Status",
    }
}

/// A well-formed Anthropic Messages reply with `text` and the given usage.
pub fn anthropic_ok(text: &str, input_tokens: u64, output_tokens: u64) -> String {
    serde_json::json!({
        "id": "msg_test",
        "type": "message",
        "role": "assistant",
        "model": "claude-test",
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    })
    .to_string()
}

/// A well-formed OpenAI chat-completions reply with `text` and the given usage.
pub fn openai_ok(text: &str, prompt_tokens: u64, completion_tokens: u64) -> String {
    serde_json::json!({
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-test",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    })
    .to_string()
}
