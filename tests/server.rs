//! Black-box tests of `sqlgate serve`: each test starts the real server on its own port with its
//! own encrypted store, and talks to it over HTTP like a browser or a CI job would.

mod common;

use std::process::{Command, Stdio};

use base64::Engine;
use common::*;
use reqwest::blocking::Client;
use reqwest::Method;
use serde_json::{json, Value};

/// The rule for every route: the lowest role that may call it (`None`: public). A route the server
/// has that is not here fails the test.
const RULES: &[(&str, &str, Option<&str>)] = &[
    ("GET", "/healthz", None),
    ("GET", "/readyz", None),
    ("GET", "/metrics", None),
    ("GET", "/api/v1/openapi.json", None),
    ("POST", "/api/v1/login", None),
    ("POST", "/api/v1/logout", Some("member")),
    ("GET", "/api/v1/me", Some("member")),
    ("POST", "/api/v1/me/password", Some("member")),
    ("POST", "/api/v1/me/totp/enrol", Some("member")),
    ("POST", "/api/v1/me/totp/verify", Some("member")),
    ("GET", "/api/v1/apikeys", Some("member")),
    ("POST", "/api/v1/apikeys", Some("member")),
    ("DELETE", "/api/v1/apikeys/{id}", Some("member")),
    ("GET", "/api/v1/connectors", Some("member")),
    ("GET", "/api/v1/connectors/{id}/schema", Some("member")),
    ("POST", "/api/v1/query", Some("power_user")),
    ("POST", "/api/v1/ask", Some("member")),
    ("POST", "/api/v1/reports", Some("analyst")),
    ("GET", "/api/v1/reports", Some("member")),
    ("GET", "/api/v1/reports/{id}", Some("member")),
    ("POST", "/api/v1/reports/{id}/run", Some("member")),
    ("PUT", "/api/v1/reports/{id}/share", Some("power_user")),
    ("PUT", "/api/v1/reports/{id}/schedule", Some("power_user")),
    ("DELETE", "/api/v1/reports/{id}", Some("analyst")),
    ("GET", "/api/v1/admin/users", Some("admin")),
    ("POST", "/api/v1/admin/users", Some("admin")),
    ("PATCH", "/api/v1/admin/users/{id}", Some("admin")),
    ("POST", "/api/v1/admin/users/{id}/password", Some("admin")),
    ("GET", "/api/v1/admin/users/{id}/grants", Some("admin")),
    ("PUT", "/api/v1/admin/users/{id}/grants", Some("admin")),
    ("PUT", "/api/v1/admin/users/{id}/spend", Some("admin")),
    ("GET", "/api/v1/admin/spend", Some("admin")),
    ("GET", "/api/v1/admin/memory", Some("admin")),
    ("POST", "/api/v1/admin/memory", Some("admin")),
    ("PATCH", "/api/v1/admin/memory/{id}", Some("admin")),
    ("DELETE", "/api/v1/admin/memory/{id}", Some("admin")),
    ("GET", "/api/v1/admin/connectors", Some("admin")),
    ("POST", "/api/v1/admin/connectors", Some("admin")),
    ("PATCH", "/api/v1/admin/connectors/{id}", Some("admin")),
    ("DELETE", "/api/v1/admin/connectors/{id}", Some("admin")),
    ("POST", "/api/v1/admin/connectors/{id}/test", Some("admin")),
    ("GET", "/api/v1/admin/audit", Some("admin")),
    ("GET", "/api/v1/admin/audit.csv", Some("admin")),
    ("GET", "/api/v1/admin/audit/verify", Some("admin")),
    ("GET", "/api/v1/admin/dashboard", Some("admin")),
];

const ROLES: [&str; 4] = ["member", "analyst", "power_user", "admin"];

#[test]
fn every_route_has_a_rule_and_every_role_gets_exactly_what_it_may() {
    let server = Server::start("matrix");
    let admin = Admin::new(&server);
    let keys: Vec<(usize, String)> = ROLES
        .iter()
        .enumerate()
        .map(|(rank, role)| (rank, admin.user_with_key(&format!("matrix-{role}"), role).2))
        .collect();
    let doc = admin.ok(Method::GET, "/api/v1/openapi.json", None);
    let mut served: Vec<(String, String)> = Vec::new();
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            served.push((method.to_uppercase(), path.clone()));
        }
    }
    for (method, path) in &served {
        assert!(
            RULES.iter().any(|(m, p, _)| m == method && p == path),
            "{method} {path} is served but has no rule in this test: add one"
        );
    }
    assert_eq!(served.len(), RULES.len(), "a rule names a route the server does not serve");
    // Every write takes a documented JSON body whose schema is in the document, except these.
    let bodiless = ["/api/v1/logout", "/api/v1/admin/connectors/{id}/test", "/api/v1/reports/{id}/run"];
    for (method, path) in &served {
        let operation = &doc["paths"][path.as_str()][method.to_lowercase()];
        let reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str();
        match reference {
            Some(reference) => {
                let name = reference.strip_prefix("#/components/schemas/").unwrap();
                assert!(
                    doc["components"]["schemas"][name].is_object(),
                    "{method} {path}: {reference} is not in the document"
                );
            }
            None => assert!(
                method == "GET" || method == "DELETE" || bodiless.contains(&path.as_str()),
                "{method} {path} has no request body schema"
            ),
        }
    }
    assert_eq!(doc["components"]["schemas"]["QueryBody"]["required"], json!(["connector", "sql"]));
    let unknown_id = "00000000-0000-0000-0000-000000000000";
    for (method, path, min) in RULES {
        if *path == "/api/v1/logout" || *path == "/api/v1/me/password" {
            continue; // They end sessions; the lifecycle test covers them.
        }
        let concrete = path.replace("{id}", unknown_id);
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        // Anonymous.
        let mut req = Client::new().request(method.clone(), server.url(&concrete));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let status = assert_documented(&doc, method.as_str(), path, req.send().unwrap()).0;
        match min {
            None => assert!(status != 401 && status != 403, "anonymous {method} {path}: {status}"),
            Some(_) => assert_eq!(status, 401, "anonymous {method} {path}"),
        }
        for (rank, key) in &keys {
            let res = bearer(&server, key, method.clone(), &concrete, body.clone());
            let status = assert_documented(&doc, method.as_str(), path, res).0;
            let allowed = min.is_none_or(|m| ROLES.iter().position(|r| r == &m).unwrap() <= *rank);
            if allowed {
                assert!(status != 401 && status != 403, "{} {method} {path}: {status}", ROLES[*rank]);
            } else {
                assert_eq!(status, 403, "{} {method} {path}", ROLES[*rank]);
            }
        }
    }
}

/// Checks an answer against the OpenAPI document: its status is one the operation `method path`
/// documents, and a success has the documented content type and, for JSON, a body that the
/// documented schema describes (every key declared, every required one present, at every level).
/// Returns the status and the body (JSON, or `null` for text).
fn assert_documented(doc: &Value, method: &str, path: &str, res: reqwest::blocking::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let text = res.text().unwrap();
    let operation = &doc["paths"][path][method.to_lowercase()];
    let response = &operation["responses"][status.to_string()];
    assert!(response.is_object(), "{method} {path} answered {status}, which its operation does not document: {text}");
    if !(200..300).contains(&status) {
        return (status, serde_json::from_str(&text).unwrap_or(Value::Null));
    }
    let media = response["content"].as_object().unwrap_or_else(|| panic!("{method} {path}: {status} has no content"));
    let schema = &media
        .get(&content_type)
        .unwrap_or_else(|| panic!("{method} {path}: answered as {content_type}, documented as {:?}", media.keys()))
        ["schema"];
    assert!(schema.is_object(), "{method} {path}: {content_type} has no schema");
    if content_type != "application/json" {
        return (status, Value::Null);
    }
    let value: Value = serde_json::from_str(&text).unwrap();
    let problems = conforms(doc, schema, &value, "$");
    assert!(problems.is_empty(), "{method} {path} ({status}): {problems:#?}\n{value}");
    (status, value)
}

/// Where `value` departs from `schema` (an OpenAPI 3.1 schema with `$ref`s into `doc`).
fn conforms(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = schema["$ref"].as_str() {
        let target = doc.pointer(reference.trim_start_matches('#')).unwrap_or(&Value::Null);
        return conforms(doc, target, value, at);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(choices) = schema[keyword].as_array() {
            return match choices.iter().any(|c| conforms(doc, c, value, at).is_empty()) {
                true => Vec::new(),
                false => vec![format!("{at}: {value} matches none of {keyword} {choices:?}")],
            };
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let fits = types.is_empty() || types.contains(&kind) || (kind == "integer" && types.contains(&"number"));
    if !fits {
        return vec![format!("{at}: a {kind}, documented as {types:?}")];
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return vec![format!("{at}: {value} is not one of {allowed:?}")];
        }
    }
    let mut problems = Vec::new();
    match value {
        Value::Object(fields) => {
            let properties = schema["properties"].as_object();
            for required in schema["required"].as_array().into_iter().flatten() {
                if !fields.contains_key(required.as_str().unwrap()) {
                    problems.push(format!("{at}: required `{required}` is missing"));
                }
            }
            for (key, field) in fields {
                match properties.and_then(|p| p.get(key)) {
                    Some(property) => problems.extend(conforms(doc, property, field, &format!("{at}.{key}"))),
                    None if properties.is_some() || schema["additionalProperties"] == false => {
                        problems.push(format!("{at}: `{key}` is not declared"))
                    }
                    None => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(prefix) = schema["prefixItems"].as_array() {
                for (i, (item, each)) in items.iter().zip(prefix).enumerate() {
                    problems.extend(conforms(doc, each, item, &format!("{at}[{i}]")));
                }
            } else if schema["items"].is_object() {
                for (i, item) in items.iter().enumerate() {
                    problems.extend(conforms(doc, &schema["items"], item, &format!("{at}[{i}]")));
                }
            }
        }
        _ => {}
    }
    problems
}

#[test]
fn every_operation_documents_a_success_body_and_error_responses() {
    let server = Server::start("openapi");
    let doc: Value = Client::new().get(server.url("/api/v1/openapi.json")).send().unwrap().json().unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let error = &doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(error, "#/components/schemas/Error");
    for (path, methods) in doc["paths"].as_object().unwrap() {
        for (method, operation) in methods.as_object().unwrap() {
            let responses = operation["responses"].as_object().unwrap();
            let successes: Vec<&Value> =
                responses.iter().filter(|(status, _)| status.starts_with('2')).map(|(_, r)| r).collect();
            assert!(!successes.is_empty(), "{method} {path} documents no success");
            for success in successes {
                let media = success["content"].as_object();
                assert!(
                    media.is_some_and(|m| !m.is_empty() && m.values().all(|c| c["schema"].is_object())),
                    "{method} {path}: a success without a content schema: {success}"
                );
            }
            for (status, response) in responses.iter().filter(|(status, _)| !status.starts_with('2')) {
                if path == "/readyz" && status == "503" {
                    continue; // The probe's own answer, not an error.
                }
                assert_eq!(response["$ref"], "#/components/responses/Error", "{method} {path} {status}");
            }
            if operation["x-sqlgate-role"].is_string() {
                for status in ["401", "403", "429"] {
                    assert!(responses.contains_key(status), "{method} {path} does not document {status}");
                }
            }
        }
    }
    let csv = &doc["paths"]["/api/v1/admin/audit.csv"]["get"]["responses"]["200"]["content"];
    assert!(csv["text/csv; charset=utf-8"]["schema"].is_object(), "{csv}");
    let metrics = &doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"];
    assert!(metrics.as_object().unwrap().keys().all(|k| k.starts_with("text/plain")), "{metrics}");
    let query = &doc["paths"]["/api/v1/query"]["post"]["responses"]["200"]["content"]["application/json"];
    assert_eq!(query["schema"]["$ref"], "#/components/schemas/Answer");
    let answer = &doc["components"]["schemas"]["Answer"];
    assert_eq!(
        answer["required"],
        json!(["id", "sql", "columns", "rows", "row_count", "confidence", "answer", "warnings"]),
        "{answer}"
    );
}

/// Calls every route once with a request that succeeds, and checks each answer against the
/// document.
struct Walk<'a> {
    server: &'a Server,
    doc: Value,
    seen: Vec<(String, String)>,
}

impl Walk<'_> {
    /// `method pattern` (as `concrete`) with `client`, which must succeed as the document says;
    /// returns the JSON body (`null` for text).
    fn call(
        &mut self,
        client: &Client,
        csrf: Option<&str>,
        method: Method,
        pattern: &str,
        concrete: &str,
        body: Option<Value>,
    ) -> Value {
        let mut req = client.request(method.clone(), self.server.url(concrete));
        if let Some(csrf) = csrf {
            req = req.header("x-csrf-token", csrf);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let (status, value) = assert_documented(&self.doc, method.as_str(), pattern, req.send().unwrap());
        assert!((200..300).contains(&status), "{method} {concrete}: {status} {value}");
        self.seen.push((method.as_str().to_owned(), pattern.to_owned()));
        value
    }
}

#[test]
fn every_route_answers_as_the_openapi_document_says() {
    let server = Server::start("walk");
    let path = server.dir.join("shop.sqlite");
    let mut rows = String::from(
        "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT);
         CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customers(id), total REAL);
         INSERT INTO customers VALUES (1, 'Ada');",
    );
    for i in 1..=30 {
        rows.push_str(&format!("INSERT INTO orders VALUES ({i}, 1, {i}.5);"));
    }
    rusqlite::Connection::open(&path).unwrap().execute_batch(&rows).unwrap();
    let admin = Admin::new(&server);
    let anonymous = Client::new();
    let doc: Value = anonymous.get(server.url("/api/v1/openapi.json")).send().unwrap().json().unwrap();
    let mut walk = Walk { server: &server, doc, seen: Vec::new() };
    for probe in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.json"] {
        walk.call(&anonymous, None, Method::GET, probe, probe, None);
    }

    // Admin: users, connectors, grants, spend, memory (before the user logs in: a role change or
    // a password reset ends their sessions).
    let (a, csrf) = (&admin.client, Some(admin.csrf.as_str()));
    let body = json!({"username": "walker", "password": PASSWORD, "role": "analyst"});
    let user = walk.call(a, csrf, Method::POST, "/api/v1/admin/users", "/api/v1/admin/users", Some(body));
    let user = format!("/api/v1/admin/users/{}", user["id"].as_str().unwrap());
    walk.call(a, csrf, Method::GET, "/api/v1/admin/users", "/api/v1/admin/users", None);
    walk.call(a, csrf, Method::PATCH, "/api/v1/admin/users/{id}", &user, Some(json!({"role": "power_user"})));
    let reset = Some(json!({"password": PASSWORD}));
    walk.call(a, csrf, Method::POST, "/api/v1/admin/users/{id}/password", &format!("{user}/password"), reset);
    let cap = Some(json!({"monthly_cap_cents": 500}));
    walk.call(a, csrf, Method::PUT, "/api/v1/admin/users/{id}/spend", &format!("{user}/spend"), cap);
    walk.call(a, csrf, Method::GET, "/api/v1/admin/spend", "/api/v1/admin/spend", None);
    let body = json!({"name": "shop", "url": format!("sqlite:{}", path.display())});
    let shop = walk.call(a, csrf, Method::POST, "/api/v1/admin/connectors", "/api/v1/admin/connectors", Some(body));
    let shop = shop["id"].as_str().unwrap().to_owned();
    let connector = format!("/api/v1/admin/connectors/{shop}");
    walk.call(a, csrf, Method::GET, "/api/v1/admin/connectors", "/api/v1/admin/connectors", None);
    let change = Some(json!({"production": true, "llm": "local", "rows_to_llm": true}));
    walk.call(a, csrf, Method::PATCH, "/api/v1/admin/connectors/{id}", &connector, change);
    let change = Some(json!({"llm": "default", "rows_to_llm": false}));
    walk.call(a, csrf, Method::PATCH, "/api/v1/admin/connectors/{id}", &connector, change);
    let tested =
        walk.call(a, csrf, Method::POST, "/api/v1/admin/connectors/{id}/test", &format!("{connector}/test"), None);
    assert_eq!(tested["ok"], true, "{tested}");
    // A superuser's report (with warnings) and a connector that cannot connect answer as documented too.
    for (name, url) in [
        ("pg", "postgres://postgres@127.0.0.1:5432/postgres?allow_superuser=true"),
        ("nowhere", "postgres://nobody:pw@127.0.0.1:1/none?connect_timeout=2"),
    ] {
        let body = Some(json!({"name": name, "url": url}));
        let made = walk.call(a, csrf, Method::POST, "/api/v1/admin/connectors", "/api/v1/admin/connectors", body);
        let test = format!("/api/v1/admin/connectors/{}/test", made["id"].as_str().unwrap());
        let tested = walk.call(a, csrf, Method::POST, "/api/v1/admin/connectors/{id}/test", &test, None);
        assert_eq!(tested["ok"], name == "pg", "{tested}");
        assert!(name == "nowhere" || !tested["report"]["warnings"].as_array().unwrap().is_empty(), "{tested}");
    }
    let grants = Some(json!({"connectors": ["shop"]}));
    walk.call(a, csrf, Method::PUT, "/api/v1/admin/users/{id}/grants", &format!("{user}/grants"), grants);
    walk.call(a, csrf, Method::GET, "/api/v1/admin/users/{id}/grants", &format!("{user}/grants"), None);
    let body = json!({"connector": "shop", "kind": "synonym", "key": "buyer", "value": "customers"});
    let entry = walk.call(a, csrf, Method::POST, "/api/v1/admin/memory", "/api/v1/admin/memory", Some(body.clone()));
    let entry = format!("/api/v1/admin/memory/{}", entry["id"].as_str().unwrap());
    walk.call(a, csrf, Method::GET, "/api/v1/admin/memory", "/api/v1/admin/memory", None);
    walk.call(a, csrf, Method::PATCH, "/api/v1/admin/memory/{id}", &entry, Some(body));
    walk.call(a, csrf, Method::DELETE, "/api/v1/admin/memory/{id}", &entry, None);

    // The user: a session, a second factor, keys, connectors, live edit, password, logout.
    let (w, w_csrf) = server.login("walker", PASSWORD);
    let other = Client::builder().cookie_store(true).build().unwrap();
    let login = Some(json!({"username": "walker", "password": PASSWORD}));
    let logged = walk.call(&other, None, Method::POST, "/api/v1/login", "/api/v1/login", login);
    let other_csrf = logged["csrf_token"].as_str().unwrap().to_owned();
    let csrf = Some(w_csrf.as_str());
    walk.call(&w, csrf, Method::GET, "/api/v1/me", "/api/v1/me", None);
    let reauth = Some(json!({"current_password": PASSWORD}));
    let enrol = walk.call(&w, csrf, Method::POST, "/api/v1/me/totp/enrol", "/api/v1/me/totp/enrol", reauth);
    let code = Some(json!({"code": code_for(enrol["secret"].as_str().unwrap(), "walker")}));
    walk.call(&w, csrf, Method::POST, "/api/v1/me/totp/verify", "/api/v1/me/totp/verify", code);
    let key = walk.call(&w, csrf, Method::POST, "/api/v1/apikeys", "/api/v1/apikeys", Some(json!({"name": "ci"})));
    walk.call(&w, csrf, Method::GET, "/api/v1/apikeys", "/api/v1/apikeys", None);
    let revoke = format!("/api/v1/apikeys/{}", key["id"].as_str().unwrap());
    walk.call(&w, csrf, Method::DELETE, "/api/v1/apikeys/{id}", &revoke, None);
    let listed = walk.call(&w, csrf, Method::GET, "/api/v1/connectors", "/api/v1/connectors", None);
    assert_eq!(listed["connectors"].as_array().unwrap().len(), 3, "a power user sees every connector: {listed}");
    let schema_path = format!("/api/v1/connectors/{shop}/schema");
    let schema = walk.call(&w, csrf, Method::GET, "/api/v1/connectors/{id}/schema", &schema_path, None);
    assert!(schema.to_string().contains("\"ref_table\":\"customers\""), "{schema}");
    let body = Some(json!({"connector": "shop", "sql": "SELECT * FROM orders"}));
    let answer = walk.call(&w, csrf, Method::POST, "/api/v1/query", "/api/v1/query", body);
    assert_eq!(answer["truncated"]["reason"], "rows", "{answer}");
    let body = Some(json!({"connector": "shop", "question": "how many orders are there?"}));
    let answer = walk.call(&w, csrf, Method::POST, "/api/v1/ask", "/api/v1/ask", body);
    assert_eq!((answer["rows"].clone(), answer["confidence"].clone()), (json!([[30]]), json!("high")), "{answer}");
    let body =
        Some(json!({"name": "big orders", "connector": "shop", "sql": "SELECT id FROM orders WHERE total > 25"}));
    let report = walk.call(&w, csrf, Method::POST, "/api/v1/reports", "/api/v1/reports", body);
    let report = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    let listed = walk.call(&w, csrf, Method::GET, "/api/v1/reports", "/api/v1/reports", None);
    assert_eq!(listed["reports"].as_array().unwrap().len(), 1, "{listed}");
    walk.call(&w, csrf, Method::GET, "/api/v1/reports/{id}", &report, None);
    let ran = walk.call(&w, csrf, Method::POST, "/api/v1/reports/{id}/run", &format!("{report}/run"), None);
    assert_eq!(ran["row_count"], 6, "{ran}");
    let share = Some(json!({"usernames": ["admin"]}));
    let shared = walk.call(&w, csrf, Method::PUT, "/api/v1/reports/{id}/share", &format!("{report}/share"), share);
    assert_eq!(shared["shared_with"], json!(["admin"]), "{shared}");
    let every = Some(json!({"every_minutes": 60}));
    let path = format!("{report}/schedule");
    let scheduled = walk.call(&w, csrf, Method::PUT, "/api/v1/reports/{id}/schedule", &path, every);
    assert_eq!(scheduled["schedule"]["every_minutes"], 60, "{scheduled}");
    walk.call(&w, csrf, Method::DELETE, "/api/v1/reports/{id}", &report, None);
    walk.call(&other, Some(&other_csrf), Method::POST, "/api/v1/logout", "/api/v1/logout", None);
    let change = Some(json!({"current": PASSWORD, "new": "Another-long-pass-9"}));
    walk.call(&w, csrf, Method::POST, "/api/v1/me/password", "/api/v1/me/password", change);

    // Admin: the trail, and a connector deleted.
    let csrf = Some(admin.csrf.as_str());
    walk.call(a, csrf, Method::GET, "/api/v1/admin/audit", "/api/v1/admin/audit?limit=500", None);
    walk.call(a, csrf, Method::GET, "/api/v1/admin/audit.csv", "/api/v1/admin/audit.csv", None);
    walk.call(a, csrf, Method::GET, "/api/v1/admin/audit/verify", "/api/v1/admin/audit/verify", None);
    let dashboard = walk.call(a, csrf, Method::GET, "/api/v1/admin/dashboard", "/api/v1/admin/dashboard", None);
    let signals = dashboard["signals"].as_array().unwrap();
    assert!(
        signals.iter().any(|s| s["kind"] == "production" && s["link"].as_str().unwrap().contains("connector=shop")),
        "{dashboard}"
    );
    let too_long = "/api/v1/admin/dashboard?from=2020-01-01&to=2026-01-01";
    let refused =
        assert_documented(&walk.doc, "GET", "/api/v1/admin/dashboard", a.get(server.url(too_long)).send().unwrap());
    assert_eq!(refused.0, 400, "{}", refused.1);
    assert!(refused.1["error"]["message"].as_str().unwrap().contains("at most 366 days"), "{}", refused.1);
    walk.call(a, csrf, Method::DELETE, "/api/v1/admin/connectors/{id}", &connector, None);

    for (path, methods) in walk.doc["paths"].as_object().unwrap() {
        for method in methods.as_object().unwrap().keys() {
            let method = method.to_uppercase();
            assert!(
                walk.seen.iter().any(|(m, p)| *m == method && p == path),
                "the walk never called {method} {path}: add it, so its answer is checked against the document"
            );
        }
    }
}

#[test]
fn power_users_query_postgres_and_mariadb_and_admins_find_it_in_the_audit_trail() {
    // Named per process: another checkout's run may be using the server at the same time.
    let db = format!("sqlgate_srv_query_{}", std::process::id());
    psql("postgres", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    psql("postgres", &format!("CREATE DATABASE {db}"));
    psql(&db, "CREATE TABLE orders AS SELECT g AS id, 'order ' || g AS label FROM generate_series(1, 100) g");
    mariadb(&format!(
        "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db};
         CREATE TABLE {db}.items (id INT PRIMARY KEY, name VARCHAR(20));
         INSERT INTO {db}.items VALUES (1, 'bolt'), (2, 'nut');"
    ));
    let server = Server::start("query");
    let admin = Admin::new(&server);
    let secret = "pg-Secret-8d1f2e";
    let pg = admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "sales", "production": true,
                    "url": format!("postgres://postgres:{secret}@127.0.0.1:5432/{db}?allow_superuser=true")})),
    );
    assert!(!pg.to_string().contains(secret));
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "stock", "url": format!("mysql://root@127.0.0.1:3306/{db}?allow_superuser=true")})),
    );
    let (_, _, power) = admin.user_with_key("pat", "power_user");
    let (_, _, analyst) = admin.user_with_key("ann", "analyst");

    let res = bearer(
        &server,
        &power,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "sales", "sql": "SELECT * FROM orders ORDER BY id"})),
    );
    let answer: Value = res.json().unwrap();
    assert_eq!(answer["row_count"], 20, "{answer}");
    assert_eq!(answer["rows"][0], json!([1, "order 1"]));
    assert_eq!(answer["truncated"]["reason"], "rows");
    assert!(answer["sql"].as_str().unwrap().ends_with("LIMIT 21"));
    assert!(
        answer["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("production")),
        "{answer}"
    );

    let res = bearer(
        &server,
        &power,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "stock", "sql": "SELECT name FROM items ORDER BY id"})),
    );
    let answer: Value = res.json().unwrap();
    assert_eq!(answer["rows"], json!([["bolt"], ["nut"]]), "{answer}");
    assert_eq!(answer["truncated"], Value::Null);
    assert!(!answer["warnings"].to_string().contains("production"));

    let rejected = bearer(
        &server,
        &power,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "sales", "sql": "DELETE FROM orders"})),
    );
    assert_eq!(rejected.status(), 422);
    let rejected: Value = rejected.json().unwrap();
    assert_eq!(rejected["error"]["code"], "sql_rejected");
    assert!(rejected["error"]["guard_code"].is_string());

    let refused = bearer(
        &server,
        &analyst,
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "sales", "sql": "SELECT 1"})),
    );
    assert_eq!(refused.status(), 403);
    // The CLI client of the API: the same JSON, exit codes as `query --db`, 4 for HTTP/auth errors.
    let remote = |token: &str, sql: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
            .args(["query", "--server", &server.base, "--token", token, "--connector", "sales", sql])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!text.contains(token), "the token was printed");
        (out.status.code(), serde_json::from_str::<Value>(&text).unwrap_or(Value::Null))
    };
    let (code, answer) = remote(&power, "SELECT id FROM orders ORDER BY id LIMIT 2");
    assert_eq!((code, answer["rows"].clone()), (Some(0), json!([[1], [2]])), "{answer}");
    let (code, answer) = remote(&power, "UPDATE orders SET id = 0");
    assert_eq!((code, answer["error"]["code"].as_str()), (Some(1), Some("sql_rejected")));
    let (code, answer) = remote(&power, "SELECT no_such_column FROM orders");
    assert_eq!((code, answer["error"]["code"].as_str()), (Some(3), Some("database_error")));
    let (code, answer) = remote(&analyst, "SELECT 1");
    assert_eq!((code, answer["error"]["code"].as_str()), (Some(4), Some("forbidden")));
    let (code, answer) = remote("sqg_nope_nope", "SELECT 1");
    assert_eq!((code, answer["error"]["code"].as_str()), (Some(4), Some("unauthenticated")));

    // An analyst without a grant sees no connector; with one, exactly it.
    let listed: Value = bearer(&server, &analyst, Method::GET, "/api/v1/connectors", None).json().unwrap();
    assert_eq!(listed["connectors"], json!([]));
    let ann = admin.ok(Method::GET, "/api/v1/admin/users", None)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "ann")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{ann}/grants"), Some(json!({"connectors": ["stock"]})));
    let listed: Value = bearer(&server, &analyst, Method::GET, "/api/v1/connectors", None).json().unwrap();
    assert_eq!(listed["connectors"].as_array().unwrap().len(), 1);
    assert_eq!(listed["connectors"][0]["name"], "stock");
    let sales_schema = bearer(
        &server,
        &analyst,
        Method::GET,
        &format!("/api/v1/connectors/{}/schema", pg["id"].as_str().unwrap()),
        None,
    );
    assert_eq!(sales_schema.status(), 404, "an ungranted connector is not found");

    // The trail: both queries, the rejection and the refusal, filterable and exported.
    let today = &admin.ok(Method::GET, "/api/v1/admin/audit?limit=1", None)["records"][0]["at"].as_str().unwrap()[..10]
        .to_owned();
    let found = admin.ok(Method::GET, &format!("/api/v1/admin/audit?kind=query&from={today}&to={today}"), None);
    assert_eq!(found["total"], 6, "three queries here, three from the CLI client: {found}");
    let rows: Vec<&Value> = found["records"].as_array().unwrap().iter().collect();
    assert!(rows.iter().any(|r| r["outcome"] == "rejected" && r["code"].is_string()));
    assert!(rows.iter().any(|r| r["connector"] == "sales"
        && r["row_count"] == 20
        && r["truncated"] == true
        && r["tables"] == json!(["orders"])));
    let none = admin.ok(Method::GET, "/api/v1/admin/audit?kind=query&to=2000-01-01", None);
    assert_eq!(none["total"], 0);
    let denied = admin.ok(Method::GET, "/api/v1/admin/audit?outcome=denied&user=ann", None);
    assert!(denied["total"].as_u64().unwrap() >= 1);
    let searched = admin.ok(Method::GET, "/api/v1/admin/audit?q=items", None);
    assert!(searched["records"].as_array().unwrap().iter().any(|r| r["connector"] == "stock"));
    let csv = admin.call(Method::GET, "/api/v1/admin/audit.csv?kind=query&connector=sales", None);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = csv.text().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("seq,at,kind,outcome"), "{csv}");
    assert_eq!(lines.len(), 6, "the header and the five queries on sales: {csv}");
    assert!(csv.contains("SELECT * FROM orders ORDER BY id") && csv.contains("DELETE FROM orders"));
    let verified = admin.ok(Method::GET, "/api/v1/admin/audit/verify", None);
    assert!(verified["broken"].is_null(), "{verified}");
    // Metrics count by route pattern (never by id), rejections by the guard's code.
    let metrics = reqwest::blocking::get(server.url("/metrics")).unwrap().text().unwrap();
    let line = |prefix: &str| metrics.lines().find(|l| l.starts_with(prefix)).map(str::to_owned);
    let queries = line("sqlgate_http_requests_total{method=\"POST\",route=\"/api/v1/query\",status=\"200\"}").unwrap();
    assert!(queries.ends_with(" 3"), "{queries}");
    assert!(line("sqlgate_guard_rejections_total{code=").is_some(), "{metrics}");
    assert!(
        line("sqlgate_connector_errors_total{code=\"database_error\"}").is_some_and(|l| l.ends_with(" 1")),
        "{metrics}"
    );
    assert!(
        line("sqlgate_http_request_duration_seconds_bucket{route=\"/api/v1/connectors/{id}/schema\"").is_some(),
        "{metrics}"
    );
    assert!(!metrics.contains(pg["id"].as_str().unwrap()));

    // The connector's password is in no response, log line or the store file.
    let everything = [
        admin.ok(Method::GET, "/api/v1/admin/connectors", None).to_string(),
        admin.ok(Method::GET, "/api/v1/admin/audit?limit=500", None).to_string(),
        admin.call(Method::GET, "/api/v1/admin/audit.csv", None).text().unwrap(),
        admin
            .ok(Method::POST, &format!("/api/v1/admin/connectors/{}/test", pg["id"].as_str().unwrap()), None)
            .to_string(),
        server.log(),
    ];
    for text in &everything {
        assert!(!text.contains(secret), "the password leaked: {text}");
    }
    assert!(!std::fs::read(server.dir.join("store.db")).unwrap().windows(secret.len()).any(|w| w == secret.as_bytes()));
    drop(server);
    psql("postgres", &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"));
    mariadb(&format!("DROP DATABASE IF EXISTS {db}"));
}

#[test]
fn lockout_csrf_sessions_and_api_keys() {
    let server = Server::start("sessions");
    let admin = Admin::new(&server);
    admin.ok(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "lee", "password": PASSWORD, "role": "analyst"})),
    );
    let weak = admin.call(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "weak", "password": "password1234", "role": "member"})),
    );
    assert_eq!(weak.status(), 400);
    assert!(weak.text().unwrap().contains("common passwords"));

    // Five wrong passwords lock the account, even against the right one.
    let login = |password: &str| {
        Client::new()
            .post(server.url("/api/v1/login"))
            .json(&json!({"username": "lee", "password": password}))
            .send()
            .unwrap()
    };
    for _ in 0..4 {
        assert_eq!(login("wrong-Password-99").status(), 401);
    }
    let locked = login("wrong-Password-99");
    assert_eq!(locked.status(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    assert_eq!(login(PASSWORD).status(), 429, "locked even with the right password");
    let lockouts = admin.ok(Method::GET, "/api/v1/admin/audit?kind=lockout", None);
    assert_eq!(lockouts["total"], 1);
    let lee = admin.ok(Method::GET, "/api/v1/admin/users", None)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "lee")
        .unwrap()
        .clone();
    assert_eq!(lee["locked"], true);
    let lee_id = lee["id"].as_str().unwrap();
    admin.ok(Method::POST, &format!("/api/v1/admin/users/{lee_id}/password"), Some(json!({"password": PASSWORD})));

    // The session cookie is HttpOnly and SameSite=Strict; writes need the CSRF token.
    let res = Client::new()
        .post(server.url("/api/v1/login"))
        .json(&json!({"username": "lee", "password": PASSWORD}))
        .send()
        .unwrap();
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("sqlgate_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let (client, csrf) = server.login("lee", PASSWORD);
    let no_csrf = client.post(server.url("/api/v1/apikeys")).json(&json!({"name": "x"})).send().unwrap();
    assert_eq!(no_csrf.status(), 403);
    assert_eq!(no_csrf.json::<Value>().unwrap()["error"]["code"], "csrf_failed");
    let key = client
        .post(server.url("/api/v1/apikeys"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "ci"}))
        .send()
        .unwrap();
    assert_eq!(key.status(), 201);
    let key: Value = key.json().unwrap();
    let token = key["key"].as_str().unwrap();
    assert_eq!(bearer(&server, token, Method::GET, "/api/v1/me", None).json::<Value>().unwrap()["username"], "lee");
    // The listing never shows the key again.
    let listed = client.get(server.url("/api/v1/apikeys")).send().unwrap().text().unwrap();
    assert!(!listed.contains(token.splitn(3, '_').nth(2).unwrap()), "{listed}");
    // Another user cannot revoke it by its id.
    let (other, other_csrf) = server.login("admin", ADMIN_PASSWORD);
    let theirs = other
        .delete(server.url(&format!("/api/v1/apikeys/{}", key["id"].as_str().unwrap())))
        .header("x-csrf-token", other_csrf)
        .send()
        .unwrap();
    assert_eq!(theirs.status(), 404);
    // Revoked: refused at once.
    let revoked = client
        .delete(server.url(&format!("/api/v1/apikeys/{}", key["id"].as_str().unwrap())))
        .header("x-csrf-token", &csrf)
        .send()
        .unwrap();
    assert_eq!(revoked.status(), 200);
    assert_eq!(bearer(&server, token, Method::GET, "/api/v1/me", None).status(), 401);

    // A role change ends the user's sessions; so does logout.
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    admin.ok(Method::PATCH, &format!("/api/v1/admin/users/{lee_id}"), Some(json!({"role": "member"})));
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 401);
    let (client, csrf) = server.login("lee", PASSWORD);
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().json::<Value>().unwrap()["role"], "member");
    assert_eq!(client.post(server.url("/api/v1/logout")).header("x-csrf-token", &csrf).send().unwrap().status(), 200);
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 401);
    // A tampered token is refused.
    let forged = Client::new()
        .get(server.url("/api/v1/me"))
        .header("cookie", "sqlgate_session=eyJhbGciOiJub25lIn0.e30.")
        .send()
        .unwrap();
    assert_eq!(forged.status(), 401);
}

#[test]
fn an_admin_password_reset_ends_the_users_sessions_and_revokes_their_api_keys() {
    let server = Server::start("reset");
    let admin = Admin::new(&server);
    let (ria, _, key) = admin.user_with_key("ria", "analyst");
    let (client, csrf) = server.login("ria", PASSWORD);
    let second = client
        .post(server.url("/api/v1/apikeys"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"name": "nightly", "expires_in_days": 30}))
        .send()
        .unwrap()
        .json::<Value>()
        .unwrap()["key"]
        .as_str()
        .unwrap()
        .to_owned();
    // Someone else's key is not touched.
    let (_, _, other) = admin.user_with_key("sol", "analyst");
    for k in [&key, &second, &other] {
        assert_eq!(bearer(&server, k, Method::GET, "/api/v1/me", None).status(), 200);
    }
    let reset = admin.ok(
        Method::POST,
        &format!("/api/v1/admin/users/{ria}/password"),
        Some(json!({"password": "Brand-new-Passphrase-42"})),
    );
    // Two sessions: the one user_with_key opened and this one; two keys.
    assert_eq!((reset["sessions_ended"].as_u64(), reset["api_keys_revoked"].as_u64()), (Some(2), Some(2)), "{reset}");
    for k in [&key, &second] {
        assert_eq!(code_of(bearer(&server, k, Method::GET, "/api/v1/me", None)), (401, "unauthenticated".to_owned()));
    }
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().status(), 401);
    assert_eq!(bearer(&server, &other, Method::GET, "/api/v1/me", None).status(), 200);
    let keys = admin.ok(Method::GET, "/api/v1/admin/audit?kind=admin&q=user.reset_password", None);
    let after = &keys["records"][0]["detail"]["after"];
    assert_eq!((after["sessions_end"].as_bool(), after["api_keys_revoked"].as_bool()), (Some(true), Some(true)));
    // The new password works, and new keys can be made.
    let (client, csrf) = server.login("ria", "Brand-new-Passphrase-42");
    let res = client.post(server.url("/api/v1/apikeys")).header("x-csrf-token", csrf).json(&json!({"name": "new"}));
    assert_eq!(res.send().unwrap().status(), 201);
}

#[test]
fn sqlite_connectors_open_only_files_inside_the_allowed_directories() {
    // The allowed directory is a subdirectory: its siblings are outside.
    let dir = std::env::temp_dir().join(format!("sqlgate-sqlite-dirs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["allowed", "outside", "allowed-2"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let make = |file: &str| {
        let c = rusqlite::Connection::open(dir.join(file)).unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (42);").unwrap();
    };
    make("allowed/inside.db");
    make("outside/secret.db");
    make("allowed-2/x.db");
    std::os::unix::fs::symlink(dir.join("outside/secret.db"), dir.join("allowed/link.db")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("allowed/sub")).unwrap();
    let allowed = dir.join("allowed");
    let server = Server::start_with("sqlite-dirs", &[("SQLGATE_SECURITY_SQLITE_DIRS", allowed.to_str().unwrap())]);
    let admin = Admin::new(&server);
    let create = |name: &str, file: &str| {
        let url = format!("sqlite:{}", dir.join(file).display());
        admin.call(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": name, "url": url})))
    };
    for (name, file) in [
        ("outside", "outside/secret.db"),
        ("dotdot", "allowed/../outside/secret.db"),
        ("link", "allowed/link.db"),
        ("linked-dir", "allowed/sub/secret.db"),
        ("sibling", "allowed-2/x.db"),
        ("missing", "allowed/missing.db"),
    ] {
        let res = create(name, file);
        let status = res.status().as_u16();
        let body: Value = res.json().unwrap();
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("bad_request")), "{file}: {body}");
        assert!(body["error"]["message"].as_str().unwrap().contains("security.sqlite_dirs"), "{body}");
    }
    assert_eq!(admin.ok(Method::GET, "/api/v1/admin/connectors", None)["connectors"], json!([]), "none was made");

    // Inside works; moving it outside by an update does not.
    let made = create("inside", "allowed/inside.db");
    assert_eq!(made.status(), 201);
    let id = made.json::<Value>().unwrap()["id"].as_str().unwrap().to_owned();
    let query =
        || admin.call(Method::POST, "/api/v1/query", Some(json!({"connector": "inside", "sql": "SELECT x FROM t"})));
    assert_eq!(query().json::<Value>().unwrap()["rows"], json!([[42]]));
    let url = format!("sqlite:{}", dir.join("allowed/../outside/secret.db").display());
    let moved = admin.call(Method::PATCH, &format!("/api/v1/admin/connectors/{id}"), Some(json!({"url": url})));
    assert_eq!(moved.status(), 400);
    assert_eq!(query().status(), 200, "the refused update changed nothing");

    // The file becomes a symlink to somewhere else after it was checked: refused at the next use.
    std::fs::remove_file(dir.join("allowed/inside.db")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside/secret.db"), dir.join("allowed/inside.db")).unwrap();
    let refused = query();
    let body: Value = refused.json().unwrap();
    assert_eq!(body["error"]["code"], "connector_refused", "{body}");
    assert!(!body.to_string().contains("secret.db"), "the answer names no path: {body}");
    let schema = admin.call(Method::GET, &format!("/api/v1/connectors/{id}/schema"), None);
    assert_eq!(code_of(schema), (502, "connector_refused".to_owned()));
    let tested = admin.call(Method::POST, &format!("/api/v1/admin/connectors/{id}/test"), None);
    assert_eq!(code_of(tested), (502, "connector_refused".to_owned()));
    drop(admin);
    drop(server);

    // Without the setting, the server opens no SQLite file at all.
    let server = Server::start_with("sqlite-dirs-none", &[("SQLGATE_SECURITY_SQLITE_DIRS", "")]);
    let admin = Admin::new(&server);
    let url = format!("sqlite:{}", dir.join("allowed-2/x.db").display());
    let res = admin.call(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "x", "url": url})));
    let body: Value = res.json().unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("security.sqlite_dirs"), "{body}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_tampered_trail_fails_verification_and_an_unwritable_trail_fails_the_request() {
    let server = Server::start("tamper");
    let admin = Admin::new(&server);
    let (_, _, power) = admin.user_with_key("pia", "power_user");
    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
        .unwrap();
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "local", "url": format!("sqlite:{}", path.display())})),
    );
    let q = |sql: &str| {
        bearer(&server, &power, Method::POST, "/api/v1/query", Some(json!({"connector": "local", "sql": sql})))
    };
    assert_eq!(q("SELECT x FROM t").status(), 200);

    let verify = |extra: &[&str]| {
        let mut args = vec!["audit", "verify"];
        args.extend_from_slice(extra);
        let out = server.command(&args).output().unwrap();
        (out.status.code(), serde_json::from_slice::<Value>(&out.stdout).unwrap_or(Value::Null))
    };
    let (code, whole) = verify(&[]);
    assert_eq!(code, Some(0), "{whole}");
    let head = format!("{}:{}", whole["head"]["seq"], whole["head"]["hash"].as_str().unwrap());

    // Edit one record's SQL.
    let store = open_store(&server);
    let seq: i64 = store.query_row("SELECT seq FROM audit WHERE kind = 'query'", [], |r| r.get(0)).unwrap();
    store.execute("UPDATE audit SET sql = 'SELECT 2' WHERE seq = ?1", [seq]).unwrap();
    let (code, broken) = verify(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(broken["first_broken"], seq, "{broken}");
    store.execute("UPDATE audit SET sql = 'SELECT x FROM t' WHERE seq = ?1", [seq]).unwrap();
    assert_eq!(verify(&[]).0, Some(0));
    // Delete one in the middle; then cut the end (only the recorded head shows that).
    let last: i64 = store.query_row("SELECT max(seq) FROM audit", [], |r| r.get(0)).unwrap();
    store.execute("DELETE FROM audit WHERE seq = ?1", [last]).unwrap();
    assert_eq!(verify(&[]).0, Some(0), "a cut end alone looks whole");
    assert_eq!(verify(&["--expect-head", &head]).0, Some(1));
    store.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
    let (code, broken) = verify(&[]);
    assert_eq!(code, Some(1));
    assert_eq!(broken["first_broken"], 3);

    // Retention: a purge removes the (here: tampered) past and leaves a chain that verifies;
    // deleting the oldest survivor is still detected.
    drop(store);
    let out = server.command(&["audit", "purge", "--older-than-days", "0"]).output().unwrap();
    let purged: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(purged["purged"].as_u64().unwrap() >= 3, "{purged}");
    assert_eq!(verify(&["--expect-head", &head]).0, Some(1), "the recorded head was purged too");
    assert_eq!(q("SELECT x FROM t").status(), 200);
    let (code, whole) = verify(&[]);
    assert_eq!(code, Some(0), "a purged trail verifies: {whole}");
    let store = open_store(&server);
    let first: i64 = store.query_row("SELECT min(seq) FROM audit", [], |r| r.get(0)).unwrap();
    let kind: String = store.query_row("SELECT kind FROM audit WHERE seq = ?1", [first], |r| r.get(0)).unwrap();
    assert_eq!(kind, "audit_purged");
    store.execute("DELETE FROM audit WHERE seq = ?1", [first]).unwrap();
    let (code, broken) = verify(&[]);
    assert_eq!(code, Some(1), "{broken}");
    assert_eq!(broken["first_broken"], first + 1);

    // A trail that refuses writes: the query is not answered.
    store
        .execute_batch(
            "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'read-only trail'); END;",
        )
        .unwrap();
    let refused = q("SELECT x FROM t");
    assert_eq!(refused.status(), 503);
    let body: Value = refused.json().unwrap();
    assert_eq!(body["error"]["code"], "audit_unavailable");
    assert!(body.get("rows").is_none());
    let metrics = reqwest::blocking::get(server.url("/metrics")).unwrap().text().unwrap();
    assert!(metrics.lines().any(|l| l == "sqlgate_audit_write_failures_total 1"), "{metrics}");
}

#[test]
fn configuration_errors_name_the_setting() {
    let out = Command::new(env!("CARGO_BIN_EXE_sqlgate"))
        .args(["serve"])
        .env("SQLGATE_QUERY_READ_ONLY", "false")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SQLGATE_QUERY_READ_ONLY"));
    let out =
        Command::new(env!("CARGO_BIN_EXE_sqlgate")).args(["serve"]).env_remove("SQLGATE_MASTER_KEY").output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("SQLGATE_MASTER_KEY"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn addresses_lock_out_and_rates_are_limited_with_retry_after() {
    let server = Server::start_with(
        "limits",
        &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_LIMITS_USER_PER_MINUTE", "8")],
    );
    let admin = Admin::new(&server);
    let (_, _, key) = admin.user_with_key("rae", "member");
    // Wrong passwords for names that do not exist still count against the address.
    let login = |user: &str, password: &str| {
        Client::new()
            .post(server.url("/api/v1/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .unwrap()
    };
    assert_eq!(login("nobody-1", "x").status(), 401);
    assert_eq!(login("nobody-2", "x").status(), 401);
    // The third failure locks the address.
    let locked = login("nobody-3", "x");
    assert_eq!(locked.status(), 429);
    assert!(locked.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() > 60);
    assert_eq!(locked.json::<Value>().unwrap()["error"]["code"], "address_locked");
    assert_eq!(login("admin", ADMIN_PASSWORD).status(), 429, "the right password from a locked address");
    // The existing session still works; the lockout is in the trail.
    assert_eq!(admin.ok(Method::GET, "/api/v1/admin/audit?kind=lockout", None)["total"], 1);

    // 8 requests a minute for rae (one every 7.5 s, a burst of 8; the key creation used one).
    // A slow machine may earn a request back meanwhile, so the bound counts the time taken.
    let started = std::time::Instant::now();
    let answers: Vec<(u16, Option<u64>, Value)> = (0..30)
        .map(|_| {
            let res = bearer(&server, &key, Method::GET, "/api/v1/me", None);
            let retry = res.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
            (res.status().as_u16(), retry, res.json().unwrap_or(Value::Null))
        })
        .collect();
    let earned = (started.elapsed().as_secs_f64() / 7.5).ceil() as usize;
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    let answered = statuses.iter().filter(|s| **s == 200).count();
    assert!((7..=7 + earned).contains(&answered), "{answered} answered: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 429), "{statuses:?}");
    let (_, retry, body) = answers.iter().find(|a| a.0 == 429).unwrap();
    assert!(retry.is_some_and(|r| (1..=8).contains(&r)), "Retry-After {retry:?}");
    assert_eq!(body["error"]["code"], "rate_limited");
    // Other users are not affected.
    assert_eq!(admin.call(Method::GET, "/api/v1/me", None).status(), 200);
}

/// One login attempt from 127.0.0.1 with `X-Forwarded-For: forwarded` (when given).
fn login_via(server: &Server, forwarded: Option<&str>, user: &str, password: &str) -> (u16, String) {
    let mut req =
        Client::new().post(server.url("/api/v1/login")).json(&json!({"username": user, "password": password}));
    if let Some(forwarded) = forwarded {
        req = req.header("x-forwarded-for", forwarded);
    }
    code_of(req.send().unwrap())
}

#[test]
fn without_trusted_proxies_a_forwarded_for_header_cannot_escape_the_address_lockout() {
    let server = Server::start_with("xff-ignored", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "3")]);
    let admin = Admin::new(&server);
    assert_eq!(login_via(&server, Some("203.0.113.1"), "nobody-1", "x").0, 401);
    assert_eq!(login_via(&server, Some("203.0.113.2"), "nobody-2", "x").0, 401);
    assert_eq!(login_via(&server, Some("203.0.113.3"), "nobody-3", "x"), (429, "address_locked".to_owned()));
    for forwarded in [Some("203.0.113.4"), Some("198.51.100.1, 203.0.113.5"), None] {
        let answer = login_via(&server, forwarded, "admin", ADMIN_PASSWORD);
        assert_eq!(answer, (429, "address_locked".to_owned()), "{forwarded:?}");
    }
    let trail = admin.ok(Method::GET, "/api/v1/admin/audit?kind=login_failed&limit=500", None);
    let ips: Vec<&Value> = trail["records"].as_array().unwrap().iter().map(|r| &r["ip"]).collect();
    assert!(!ips.is_empty() && ips.iter().all(|ip| *ip == "127.0.0.1"), "{ips:?}");
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_address_is_limited_and_locked_out_on_its_own() {
    let server = Server::start_with(
        "xff-trusted",
        &[
            ("SQLGATE_SERVER_TRUSTED_PROXIES", "127.0.0.1"),
            ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "3"),
            ("SQLGATE_LIMITS_IP_PER_MINUTE", "30"),
        ],
    );
    let admin = Admin::new(&server);
    let (a, b) = ("203.0.113.7", "203.0.113.8");
    assert_eq!(login_via(&server, Some(a), "nobody-1", "x").0, 401);
    assert_eq!(login_via(&server, Some(a), "nobody-2", "x").0, 401);
    assert_eq!(login_via(&server, Some(a), "nobody-3", "x"), (429, "address_locked".to_owned()));
    assert_eq!(login_via(&server, Some(a), "admin", ADMIN_PASSWORD), (429, "address_locked".to_owned()));
    // What the client writes left of the proxy's entry changes nothing.
    let spoofed = format!("198.51.100.1, {a}");
    assert_eq!(login_via(&server, Some(&spoofed), "admin", ADMIN_PASSWORD), (429, "address_locked".to_owned()));
    // Another client behind the same proxy, and the proxy's own address, are not locked.
    assert_eq!(login_via(&server, Some(b), "nobody-4", "x").0, 401);
    assert_eq!(login_via(&server, Some(b), "admin", ADMIN_PASSWORD).0, 200);
    assert_eq!(login_via(&server, None, "admin", ADMIN_PASSWORD).0, 200);
    // The trail shows the forwarded address.
    let lockout = admin.ok(Method::GET, "/api/v1/admin/audit?kind=lockout", None);
    assert_eq!(lockout["total"], 1, "{lockout}");
    assert_eq!(lockout["records"][0]["ip"], a);
    assert_eq!(lockout["records"][0]["detail"]["address"], a);
    let failed = admin.ok(Method::GET, "/api/v1/admin/audit?kind=login_failed&limit=500", None);
    let ips: Vec<&str> = failed["records"].as_array().unwrap().iter().map(|r| r["ip"].as_str().unwrap()).collect();
    assert_eq!(ips, [b, a, a, a], "newest first");
    // The per-address rate limit counts forwarded addresses apart too.
    let get = |forwarded: &str| {
        let req = Client::new().get(server.url("/api/v1/openapi.json")).header("x-forwarded-for", forwarded);
        req.send().unwrap().status().as_u16()
    };
    let statuses: Vec<u16> = (0..40).map(|_| get("192.0.2.1")).collect();
    assert!(statuses.contains(&429), "{statuses:?}");
    assert_eq!(get("192.0.2.2"), 200, "another client is not limited");
}

#[test]
fn behind_a_trusted_proxy_an_unreadable_forwarded_for_counts_as_the_proxy() {
    let server = Server::start_with(
        "xff-garbage",
        &[("SQLGATE_SERVER_TRUSTED_PROXIES", "127.0.0.1"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "3")],
    );
    let admin = Admin::new(&server);
    assert_eq!(login_via(&server, Some("not-an-address"), "nobody-1", "x").0, 401);
    assert_eq!(login_via(&server, Some("203.0.113.7, garbage"), "nobody-2", "x").0, 401);
    assert_eq!(login_via(&server, Some("999.1.1.1"), "nobody-3", "x"), (429, "address_locked".to_owned()));
    // The proxy's own address is what got locked; a readable forwarded address is someone else.
    assert_eq!(login_via(&server, None, "admin", ADMIN_PASSWORD), (429, "address_locked".to_owned()));
    assert_eq!(login_via(&server, Some("%%%"), "admin", ADMIN_PASSWORD), (429, "address_locked".to_owned()));
    assert_eq!(login_via(&server, Some("203.0.113.9"), "admin", ADMIN_PASSWORD).0, 200);
    let lockout = admin.ok(Method::GET, "/api/v1/admin/audit?kind=lockout", None);
    assert_eq!(lockout["records"][0]["ip"], "127.0.0.1", "{lockout}");
}

fn code_for(secret: &str, account: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, Some("sqlgate".into()), account.into())
        .unwrap()
        .generate_current()
        .unwrap()
}

#[test]
fn a_second_factor_is_enrolled_required_and_recoverable() {
    let server = Server::start("totp");
    let admin = Admin::new(&server);
    let tia = admin.ok(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "tia", "password": PASSWORD, "role": "analyst"})),
    );
    let (client, csrf) = server.login("tia", PASSWORD);
    let post = |path: &str, body: Value| {
        client.post(server.url(path)).header("x-csrf-token", &csrf).json(&body).send().unwrap()
    };
    let enrol: Value = post("/api/v1/me/totp/enrol", json!({"current_password": PASSWORD})).json().unwrap();
    let secret = enrol["secret"].as_str().unwrap().to_owned();
    assert!(enrol["otpauth_uri"].as_str().unwrap().starts_with("otpauth://totp/sqlgate:tia?"), "{enrol}");
    assert!(
        enrol["qr_svg"].as_str().unwrap().starts_with("<?xml") || enrol["qr_svg"].as_str().unwrap().contains("<svg")
    );
    assert_eq!(
        post("/api/v1/me/totp/verify", json!({"code": "000000"})).status().as_u16(),
        if code_for(&secret, "tia") == "000000" { 200 } else { 400 }
    );
    let verified: Value = post("/api/v1/me/totp/verify", json!({"code": code_for(&secret, "tia")})).json().unwrap();
    let recovery: Vec<String> =
        verified["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    assert_eq!(recovery.len(), 10, "{verified}");

    let login = |body: Value| Client::new().post(server.url("/api/v1/login")).json(&body).send().unwrap();
    let without = login(json!({"username": "tia", "password": PASSWORD}));
    assert_eq!(without.status(), 401);
    assert_eq!(without.json::<Value>().unwrap()["error"]["code"], "totp_required");
    assert_eq!(login(json!({"username": "tia", "password": PASSWORD, "totp": "12345x"})).status(), 401);
    assert_eq!(
        login(json!({"username": "tia", "password": "wrong-Password-1", "totp": code_for(&secret, "tia")})).status(),
        401
    );
    assert_eq!(login(json!({"username": "tia", "password": PASSWORD, "totp": code_for(&secret, "tia")})).status(), 200);
    assert_eq!(login(json!({"username": "tia", "password": PASSWORD, "recovery_code": recovery[0]})).status(), 200);
    assert_eq!(
        login(json!({"username": "tia", "password": PASSWORD, "recovery_code": recovery[0]})).status(),
        401,
        "a recovery code works once"
    );
    // The secret is sealed in the store, never in plaintext.
    assert!(!std::fs::read(server.dir.join("store.db")).unwrap().windows(secret.len()).any(|w| w == secret.as_bytes()));
    assert!(!server.log().contains(&secret));
    // An admin can remove the factor; the user logs in with the password alone again.
    admin.ok(
        Method::PATCH,
        &format!("/api/v1/admin/users/{}", tia["id"].as_str().unwrap()),
        Some(json!({"reset_totp": true})),
    );
    assert_eq!(login(json!({"username": "tia", "password": PASSWORD})).status(), 200);
    let kinds = admin.ok(Method::GET, "/api/v1/admin/audit?user=tia&kind=totp_enabled", None);
    assert_eq!(kinds["total"], 1);
}

/// The TOTP code of `secret` at unix time `at`.
fn code_at(secret: &str, account: &str, at: u64) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned()).to_bytes().unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, bytes, Some("sqlgate".into()), account.into())
        .unwrap()
        .generate(at)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn starting_a_second_factor_needs_the_current_password_and_wrong_ones_lock_the_account() {
    let server = Server::start_with(
        "totp-reauth",
        &[("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"), ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")],
    );
    let admin = Admin::new(&server);
    admin.user("una", "analyst");
    let (client, csrf) = server.login("una", PASSWORD);
    let enrol = |body: Option<Value>| {
        let mut req = client.post(server.url("/api/v1/me/totp/enrol")).header("x-csrf-token", &csrf);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().unwrap()
    };
    // A stolen session alone starts nothing.
    assert_eq!(code_of(enrol(None)).0, 415, "no body");
    assert_eq!(code_of(enrol(Some(json!({})))).0, 400, "no password");
    let wrong = |n: usize| Some(json!({"current_password": format!("Wrong-guess-{n}-xyz")}));
    assert_eq!(code_of(enrol(wrong(1))), (403, "wrong_password".to_owned()));
    assert_eq!(code_of(enrol(wrong(2))), (403, "wrong_password".to_owned()));
    // The third wrong password (lockout_attempts = 3) locks the account, as failed logins do.
    assert_eq!(code_of(enrol(wrong(3))), (429, "account_locked".to_owned()));
    assert_eq!(code_of(enrol(Some(json!({"current_password": PASSWORD})))).0, 429, "locked, right password or not");
    assert_eq!(code_of(server.try_login(json!({"username": "una", "password": PASSWORD}))).0, 429);
    assert_eq!(admin.audit_total("user=una&kind=totp_enrol&outcome=denied"), 3);
    assert_eq!(admin.audit_total("user=una&kind=lockout"), 1);
    let user = admin.ok(Method::GET, "/api/v1/admin/users", None)["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "una")
        .unwrap()
        .clone();
    assert_eq!((user["locked"].as_bool(), user["totp"].as_bool()), (Some(true), Some(false)), "{user}");

    // With the right password, enrolment starts (and logins need no code until it is verified).
    admin.user("vera", "analyst");
    let (vera, vera_csrf) = server.login("vera", PASSWORD);
    let started = vera
        .post(server.url("/api/v1/me/totp/enrol"))
        .header("x-csrf-token", &vera_csrf)
        .json(&json!({"current_password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(started.status(), 200);
    assert!(started.json::<Value>().unwrap()["secret"].is_string());
    assert_eq!(server.try_login(json!({"username": "vera", "password": PASSWORD})).status(), 200);
}

#[test]
fn replacing_an_active_second_factor_needs_its_current_code_and_keeps_it_until_the_new_one_is_verified() {
    // Four failures below: fewer than the five that lock an account.
    let server = Server::start_with("totp-replace", &[("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000")]);
    let admin = Admin::new(&server);
    admin.user("wes", "analyst");
    let (client, csrf) = server.login("wes", PASSWORD);
    let post = |path: &str, body: Value| {
        client.post(server.url(path)).header("x-csrf-token", &csrf).json(&body).send().unwrap()
    };
    let first: Value = post("/api/v1/me/totp/enrol", json!({"current_password": PASSWORD})).json().unwrap();
    let old = first["secret"].as_str().unwrap().to_owned();
    let enabled: Value =
        post("/api/v1/me/totp/verify", json!({"code": code_at(&old, "wes", unix_now())})).json().unwrap();
    let old_recovery: Vec<String> =
        enabled["recovery_codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();

    // The password alone no longer starts an enrolment; a wrong code counts as a failed login.
    let again = |body: Value| post("/api/v1/me/totp/enrol", body);
    assert_eq!(code_of(again(json!({"current_password": PASSWORD}))), (403, "totp_required".to_owned()));
    let now = unix_now();
    let valid: Vec<String> = (0..5).map(|i| code_at(&old, "wes", now + i * 30 - 60)).collect();
    let wrong = (0..10).map(|i| format!("00000{i}")).find(|c| !valid.contains(c)).unwrap();
    let res = again(json!({"current_password": PASSWORD, "totp": wrong}));
    assert_eq!(code_of(res), (403, "wrong_code".to_owned()));
    assert_eq!(admin.audit_total("user=wes&kind=totp_enrol&outcome=denied"), 1);
    let res = again(json!({"current_password": "Wrong-guess-1-xyz", "totp": code_at(&old, "wes", now)}));
    assert_eq!(code_of(res), (403, "wrong_password".to_owned()), "the password is checked first");

    // Password and current code: a new secret, while the old factor stays in force.
    let res = again(json!({"current_password": PASSWORD, "totp": code_at(&old, "wes", now)}));
    assert_eq!(res.status(), 200);
    let new = res.json::<Value>().unwrap()["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let login = |extra: Value| {
        let mut body = json!({"username": "wes", "password": PASSWORD});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        server.try_login(body)
    };
    assert_eq!(code_of(login(json!({}))), (401, "totp_required".to_owned()));
    assert_eq!(login(json!({"totp": code_at(&new, "wes", now + 30)})).status(), 401, "not verified yet");
    assert_eq!(login(json!({"recovery_code": old_recovery[0]})).status(), 200, "the old factor still works");

    // Verified: the new secret is the factor, with new recovery codes; the old ones are gone.
    let verified = post("/api/v1/me/totp/verify", json!({"code": code_at(&new, "wes", now)}));
    assert_eq!(verified.status(), 200);
    let new_recovery = verified.json::<Value>().unwrap()["recovery_codes"][0].as_str().unwrap().to_owned();
    assert_eq!(login(json!({"recovery_code": old_recovery[1]})).status(), 401);
    assert_eq!(login(json!({"totp": code_at(&new, "wes", now + 30)})).status(), 200);
    assert_eq!(login(json!({"recovery_code": new_recovery})).status(), 200);
    let trail = admin.ok(Method::GET, "/api/v1/admin/audit?user=wes&kind=totp_enabled", None);
    assert_eq!(trail["records"][0]["detail"]["replaced_factor"], true, "{trail}");
}

#[test]
fn processes_writing_the_trail_at_once_keep_one_chain() {
    let server = Server::start("concurrent");
    let admin = Admin::new(&server);
    // Six CLI processes and the server append at the same time.
    let children: Vec<_> = (0..6)
        .map(|i| {
            let mut add = server
                .command(&["users", "add", &format!("bulk{i}"), "--role", "member"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            add.stdin.take();
            add
        })
        .collect();
    for _ in 0..10 {
        admin.ok(Method::GET, "/api/v1/admin/users", None);
        admin.ok(Method::GET, "/api/v1/admin/audit?limit=1", None);
    }
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let out = server.command(&["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let created = admin.ok(Method::GET, "/api/v1/admin/audit?q=user.create&kind=admin", None);
    assert_eq!(created["total"], 7, "the admin and six users: {created}");
}

#[test]
fn a_connectors_llm_settings_are_checked_kept_documented_and_audited() {
    let server = Server::start("connector-llm");
    let admin = Admin::new(&server);
    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    let url = format!("sqlite:{}", path.display());
    let settings = |v: &Value| (v["llm"].clone(), v["rows_to_llm"].clone());

    // Defaults for a new connector; both settings taken on create.
    let plain = admin.ok(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "plain", "url": url})));
    assert_eq!(settings(&plain), (json!("default"), json!(false)), "{plain}");
    let body = json!({"name": "private", "url": url, "llm": "local", "rows_to_llm": true});
    let private = admin.ok(Method::POST, "/api/v1/admin/connectors", Some(body));
    assert_eq!(settings(&private), (json!("local"), json!(true)), "{private}");
    let created = last_record(&admin, "kind=admin&q=connector.create");
    assert_eq!(settings(&created["detail"]["after"]), (json!("local"), json!(true)), "{created}");

    // Bad values: 400 naming what is allowed, and nothing made or changed.
    let id = private["id"].as_str().unwrap();
    let one = format!("/api/v1/admin/connectors/{id}");
    for (body, says) in [
        (
            json!({"llm": "anthropic"}),
            "`llm` must be `default` (the deployment's provider) or `local` (the offline engine only), got `anthropic`",
        ),
        (json!({"llm": "LOCAL"}), "`llm` must be `default`"),
        (json!({"llm": 1}), "`llm` must be `default`"),
        (json!({"rows_to_llm": "yes"}), "`rows_to_llm` must be `true`"),
        (json!({"rows_to_llm": 1}), "or `false`"),
        (json!({"llm": "default", "rows_to_llm": "no"}), "`rows_to_llm` must be"),
    ] {
        let res = admin.call(Method::PATCH, &one, Some(body.clone()));
        assert_eq!(res.status(), 400, "{body}");
        let error: Value = res.json().unwrap();
        assert_eq!(error["error"]["code"], "bad_request", "{error}");
        assert!(error["error"]["message"].as_str().unwrap().contains(says), "{body}: {error}");
    }
    let refused =
        admin.call(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "x", "url": url, "llm": "cloud"})));
    assert_eq!(code_of(refused), (400, "bad_request".to_owned()));
    let listed = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let connectors = listed["connectors"].as_array().unwrap();
    assert_eq!(connectors.len(), 2, "a refused create made a connector: {listed}");
    let read = connectors.iter().find(|c| c["name"] == "private").unwrap();
    assert_eq!(settings(read), (json!("local"), json!(true)), "a refused change changed it: {read}");

    // Each setting changes on its own; the record has both before and after.
    let changed = admin.ok(Method::PATCH, &one, Some(json!({"rows_to_llm": false})));
    assert_eq!(settings(&changed), (json!("local"), json!(false)), "{changed}");
    let changed = admin.ok(Method::PATCH, &one, Some(json!({"llm": "default", "production": true})));
    assert_eq!(settings(&changed), (json!("default"), json!(false)), "{changed}");
    let updated = last_record(&admin, "kind=admin&q=connector.update");
    assert_eq!(settings(&updated["detail"]["before"]), (json!("local"), json!(false)), "{updated}");
    assert_eq!(settings(&updated["detail"]["after"]), (json!("default"), json!(false)), "{updated}");
    let listed = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let read = listed["connectors"].as_array().unwrap().iter().find(|c| c["name"] == "private").unwrap().clone();
    assert_eq!((settings(&read), read["production"].clone()), ((json!("default"), json!(false)), json!(true)));

    // The document names the two values.
    let doc = admin.ok(Method::GET, "/api/v1/openapi.json", None);
    let schemas = &doc["components"]["schemas"];
    assert_eq!(schemas["ConnectorLlm"]["enum"], json!(["default", "local"]), "{}", schemas["ConnectorLlm"]);
    for schema in ["ConnectorBody", "ConnectorView"] {
        let llm = schemas[schema]["properties"]["llm"].to_string();
        assert!(llm.contains("#/components/schemas/ConnectorLlm"), "{schema}.llm: {llm}");
        assert!(schemas[schema]["properties"]["rows_to_llm"].to_string().contains("boolean"), "{schema}");
    }
}

#[test]
fn rotating_the_master_key_reseals_everything_and_keeps_the_chain() {
    let mut server = Server::start("rotate");
    let admin = Admin::new(&server);
    let (_, _, power) = admin.user_with_key("pol", "power_user");
    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);")
        .unwrap();
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "local", "url": format!("sqlite:{}", path.display())})),
    );
    let q = |server: &Server| {
        bearer(
            server,
            &power,
            Method::POST,
            "/api/v1/query",
            Some(json!({"connector": "local", "sql": "SELECT x FROM t"})),
        )
    };
    assert_eq!(q(&server).status(), 200);
    // A user with a second factor: its sealed secret must survive the rotation.
    admin.ok(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "tom", "password": PASSWORD, "role": "member"})),
    );
    let (tom, csrf) = server.login("tom", PASSWORD);
    let enrol: Value = tom
        .post(server.url("/api/v1/me/totp/enrol"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"current_password": PASSWORD}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let secret = enrol["secret"].as_str().unwrap().to_owned();
    let verified = tom
        .post(server.url("/api/v1/me/totp/verify"))
        .header("x-csrf-token", &csrf)
        .json(&json!({"code": code_for(&secret, "tom")}))
        .send()
        .unwrap();
    assert_eq!(verified.status(), 200);

    let old_key = server.key.clone();
    let new_key = base64::engine::general_purpose::STANDARD.encode(rand_bytes());
    let key_file = server.dir.join("new.key");
    std::fs::write(&key_file, &new_key).unwrap();
    std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let _ = server.child.kill();
    let _ = server.child.wait();
    let out = server.command(&["keys", "rotate", "--new-key-file", key_file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((report["connectors"].as_u64(), report["totp_secrets"].as_u64()), (Some(1), Some(1)), "{report}");

    // The old key opens nothing any more.
    let old = server.command(&["users", "list"]).output().unwrap();
    assert_ne!(old.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&old.stderr).contains("another master key"),
        "{}",
        String::from_utf8_lossy(&old.stderr)
    );

    // With the new key: the connector opens, the second factor works, and the chain verifies.
    server.restart(&new_key);
    assert_eq!(q(&server).json::<Value>().unwrap()["rows"], json!([[7]]));
    let login = Client::new()
        .post(server.url("/api/v1/login"))
        .json(&json!({"username": "tom", "password": PASSWORD, "totp": code_for(&secret, "tom")}))
        .send()
        .unwrap();
    assert_eq!(login.status(), 200);
    let out = server.command(&["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    // Rotating back to the same key is refused: it would seal nothing new.
    let out = server.command(&["keys", "rotate", "--new-key-file", key_file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!old_key.is_empty());
}

/// Runs `command` to its end (at most a minute): its exit code, stdout and stderr.
fn finished(mut command: Command, stdin: &str) -> (Option<i32>, String, String) {
    use std::io::Write as _;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    for _ in 0..1200 {
        if child.try_wait().unwrap().is_some() {
            let out = child.wait_with_output().unwrap();
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            return (out.status.code(), text(&out.stdout), text(&out.stderr));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    panic!("{command:?} did not finish");
}

#[test]
fn rotating_the_master_key_reseals_the_llm_api_key_for_the_admin_to_put_in_place() {
    use common::llm_server::{anthropic_ok, LlmServer};
    const PLAIN: &str = "sk-ant-rotate-me-0123456789abcdefXYZ";
    let mut server = Server::start("rotate-llm");
    let admin = Admin::new(&server);
    let (_, _, power) = admin.user_with_key("pol", "power_user");
    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (7);")
        .unwrap();
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "data", "url": format!("sqlite:{}", path.display())})),
    );
    // The rotation needs the server stopped; the store commands below run on their own.
    let _ = server.child.kill();
    let _ = server.child.wait();
    let llm = LlmServer::start();
    let config = |file: &str, api_key: &str| {
        let path = server.dir.join(file);
        std::fs::write(
            &path,
            format!(
                "[llm]\nprovider = \"anthropic\"\nmodel = \"claude-test\"\nbase_url = \"{}\"\napi_key = \"{api_key}\"\n\
                 prices = {{ \"claude-test\" = {{ input = 0, output = 0 }} }}\n",
                llm.url()
            ),
        )
        .unwrap();
        path.to_str().unwrap().to_owned()
    };
    let seal = |key: &str| {
        let mut command = server.command(&["keys", "seal-llm-key"]);
        command.env("SQLGATE_MASTER_KEY", key);
        let (code, out, err) = finished(command, PLAIN);
        assert_eq!(code, Some(0), "{err}");
        out.trim().to_owned()
    };
    let old_key = server.key.clone();
    let old_sealed = seal(&old_key);
    let current = config("sqlgate.toml", &old_sealed);
    let new_key = base64::engine::general_purpose::STANDARD.encode(rand_bytes());
    let key_file = server.dir.join("new.key");
    std::fs::write(&key_file, &new_key).unwrap();
    std::fs::set_permissions(&key_file, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let rotate = |config: &str| {
        finished(
            server.command(&["keys", "rotate", "--new-key-file", key_file.to_str().unwrap(), "--config", config]),
            "",
        )
    };

    // A sealed key that does not open with the current master key stops the rotation before the
    // store changes: the old key still opens it.
    let stranger = config("stranger.toml", &seal(&base64::engine::general_purpose::STANDARD.encode(rand_bytes())));
    let (code, out, err) = rotate(&stranger);
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains("llm.api_key does not open") && err.contains("nothing was rotated"), "{err}");
    let (code, _, err) = finished(server.command(&["users", "list"]), "");
    assert_eq!(code, Some(0), "the store changed: {err}");

    // The rotation: the new value is printed, with what to do with it, and never the key itself.
    let (code, out, err) = rotate(&current);
    assert_eq!(code, Some(0), "{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let new_sealed = report["llm_api_key"].as_str().unwrap_or_else(|| panic!("no llm_api_key: {report}")).to_owned();
    assert!(new_sealed.starts_with("sealed:") && new_sealed != old_sealed, "{report}");
    let next = report["next"].as_str().unwrap();
    assert!(next.contains("replace llm.api_key in the config file") && next.contains("does not rewrite"), "{next}");
    assert!(err.contains(&new_sealed), "{err}");
    for text in [&out, &err] {
        assert!(!text.contains(PLAIN) && !text.contains(&PLAIN[8..24]), "the plain key was printed: {text}");
    }

    // The old value does not open with the new key: the server says so and does not start.
    let mut command = server.command(&["serve", "--config", &current]);
    command.env("SQLGATE_MASTER_KEY", &new_key).env("SQLGATE_SERVER_BIND", format!("127.0.0.1:{}", free_port()));
    let (code, _, err) = finished(command, "");
    assert_ne!(code, Some(0));
    assert!(err.contains("llm.api_key does not open") && !err.contains(PLAIN), "{err}");

    // The new value opens with the new key to the same key: the provider receives it.
    let rotated = config("rotated.toml", &new_sealed);
    server.restart_with(&new_key, &["--config", &rotated], &[]);
    llm.reply(200, &[], &anthropic_ok("```sql\nSELECT x FROM t\n```\nCONFIDENCE: high", 10, 5));
    let (status, answer) = ask(&server, &power, "data", "What is the x of t?");
    assert_eq!((status, answer["rows"].clone()), (200, json!([[7]])), "{answer}");
    assert_eq!(llm.requests()[0].header("x-api-key"), Some(PLAIN));
    assert!(!server.log().contains(PLAIN), "the key reached the log");
}

#[test]
fn admins_set_spend_caps_and_keep_ai_memory_with_every_change_audited() {
    let server = Server::start("memory");
    let admin = Admin::new(&server);
    let amy = admin.ok(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "amy", "password": PASSWORD, "role": "analyst"})),
    );
    let amy_id = amy["id"].as_str().unwrap();
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{amy_id}/spend"), Some(json!({"monthly_cap_cents": 2500})));
    let spend = admin.ok(Method::GET, "/api/v1/admin/spend", None);
    let row = spend["users"].as_array().unwrap().iter().find(|u| u["username"] == "amy").unwrap().clone();
    assert_eq!(
        (row["monthly_cap_cents"].as_u64(), row["spent_cents"].as_u64(), row["near_cap"].as_bool()),
        (Some(2500), Some(0), Some(false))
    );
    assert_eq!(spend["month"].as_str().unwrap().len(), 7);
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{amy_id}/spend"), Some(json!({"monthly_cap_cents": null})));

    let path = server.dir.join("data.sqlite");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE t (x INTEGER);").unwrap();
    admin.ok(
        Method::POST,
        "/api/v1/admin/connectors",
        Some(json!({"name": "shop", "url": format!("sqlite:{}", path.display())})),
    );
    let bad =
        admin.call(Method::POST, "/api/v1/admin/memory", Some(json!({"kind": "rumour", "key": "x", "value": "y"})));
    assert_eq!(bad.status(), 400);
    let created = admin.ok(
        Method::POST,
        "/api/v1/admin/memory",
        Some(json!({"connector": "shop", "kind": "definition", "key": "active customer", "value": "ordered in the last 90 days"})),
    );
    let id = created["id"].as_str().unwrap();
    admin.ok(
        Method::PATCH,
        &format!("/api/v1/admin/memory/{id}"),
        Some(json!({"kind": "definition", "key": "active customer", "value": "ordered in the last 30 days"})),
    );
    let listed = admin.ok(Method::GET, "/api/v1/admin/memory", None);
    assert_eq!(listed["entries"][0]["value"], "ordered in the last 30 days");
    assert_eq!(listed["entries"][0]["connector_id"], Value::Null, "the update moved it to every connector");
    admin.ok(Method::DELETE, &format!("/api/v1/admin/memory/{id}"), None);
    assert_eq!(admin.call(Method::DELETE, &format!("/api/v1/admin/memory/{id}"), None).status(), 404);
    let trail = admin.ok(Method::GET, "/api/v1/admin/audit?kind=admin&q=memory.", None);
    let actions: Vec<&str> =
        trail["records"].as_array().unwrap().iter().map(|r| r["detail"]["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["memory.delete", "memory.update", "memory.create"]);
    let update = &trail["records"][1]["detail"];
    assert_eq!(
        (update["before"]["value"].as_str(), update["after"]["value"].as_str()),
        (Some("ordered in the last 90 days"), Some("ordered in the last 30 days"))
    );
    let caps = admin.ok(Method::GET, "/api/v1/admin/audit?kind=admin&q=spend.cap", None);
    assert_eq!(caps["total"], 2);
}

#[test]
fn names_are_one_account_whatever_their_case_and_a_stolen_session_cannot_guess_the_password() {
    let server = Server::start_with("names", &[("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3")]);
    let admin = Admin::new(&server);
    let alice = admin.ok(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "Alice", "password": PASSWORD, "role": "member"})),
    );
    assert_eq!(alice["username"], "alice");
    let twin = admin.call(
        Method::POST,
        "/api/v1/admin/users",
        Some(json!({"username": "ALICE", "password": PASSWORD, "role": "admin"})),
    );
    assert_eq!(twin.status(), 409);
    let (client, csrf) = server.login("ALICE", PASSWORD);
    assert_eq!(client.get(server.url("/api/v1/me")).send().unwrap().json::<Value>().unwrap()["username"], "alice");

    // Wrong current passwords on the password change count like failed logins.
    let change = |current: &str| {
        client
            .post(server.url("/api/v1/me/password"))
            .header("x-csrf-token", &csrf)
            .json(&json!({"current": current, "new": "Another-long-pass-9"}))
            .send()
            .unwrap()
    };
    assert_eq!(change("guess-One-1").status(), 403);
    assert_eq!(change("guess-Two-2").status(), 403);
    let locked = change("guess-Three-3");
    assert_eq!(locked.status(), 429);
    assert_eq!(locked.json::<Value>().unwrap()["error"]["code"], "account_locked");
    assert_eq!(change(PASSWORD).status(), 429, "locked even with the right password");
    let login = Client::new()
        .post(server.url("/api/v1/login"))
        .json(&json!({"username": "alice", "password": PASSWORD}))
        .send()
        .unwrap();
    assert_eq!(login.status(), 429);
}
