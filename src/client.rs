//! `sqlgate query|ask --server URL --token KEY --connector NAME TEXT`: the CI client of the REST
//! API. Prints the API's JSON (an answer or `{"error":…}`); the exit status follows `query --db`,
//! with 4 for an HTTP or auth error.

use std::time::Duration;

use serde_json::{json, Value};

use crate::exit::Outcome;

/// A query for a server.
pub struct Remote {
    /// `http://host:port`.
    pub server: String,
    /// The API key.
    pub token: String,
    /// The connector's name.
    pub connector: String,
    /// What to send.
    pub call: Call,
}

/// A request to the API.
pub enum Call {
    /// `POST /api/v1/query` with this SQL.
    Query(String),
    /// `POST /api/v1/ask` with this question.
    Ask(String),
}

/// Sends the query and prints what came back.
pub fn run(remote: Remote) -> Outcome {
    let (value, outcome) = send(&remote);
    println!("{value}");
    outcome
}

fn send(remote: &Remote) -> (Value, Outcome) {
    let error = |code: &str, message: String| (json!({"error": {"code": code, "message": message}}), Outcome::Http);
    let client = match reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(120))
        .build()
    {
        Ok(c) => c,
        Err(e) => return error("client_error", format!("could not start the HTTP client: {e}")),
    };
    let (path, body) = match &remote.call {
        Call::Query(sql) => ("query", json!({"connector": remote.connector, "sql": sql})),
        Call::Ask(question) => ("ask", json!({"connector": remote.connector, "question": question})),
    };
    let url = format!("{}/api/v1/{path}", remote.server.trim_end_matches('/'));
    let response = client.post(&url).bearer_auth(&remote.token).json(&body).send();
    let response = match response {
        Ok(r) => r,
        // reqwest's message names the URL, never the token.
        Err(e) => return error("server_unreachable", format!("could not reach {}: {e}", remote.server)),
    };
    let status = response.status().as_u16();
    let body: Value = match response.json() {
        Ok(v) => v,
        Err(_) => {
            return error(
                "bad_response",
                format!("the server answered {status} without JSON; is {} a sqlgate server?", remote.server),
            )
        }
    };
    let code = body["error"]["code"].as_str().unwrap_or_default();
    let outcome = match (status, code) {
        (200, _) => Outcome::Allowed,
        (422, "sql_rejected") => Outcome::Rejected,
        (422 | 502 | 503 | 504, _) => Outcome::Database,
        (400, _) => Outcome::Usage,
        _ => Outcome::Http,
    };
    (body, outcome)
}
