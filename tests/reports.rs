//! Reports end to end: the real server, real PostgreSQL and MariaDB. Who may save, see, run, share
//! and delete a report; Members never receive SQL; another user's report does not exist for them;
//! a report re-runs live through the guard under the runner's grants; every change is audited.

mod common;

use common::{ask, bearer, last_record, mariadb, open_store, psql, shop_db, unix_now, Admin, Server};
use reqwest::Method;
use serde_json::{json, Value};

/// A call with an API key: the status and the JSON body.
fn call(server: &Server, key: &str, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let res = bearer(server, key, method, path, body);
    let status = res.status().as_u16();
    (status, res.json().unwrap_or(Value::Null))
}

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn power_users_save_share_run_and_delete_reports_and_members_never_see_sql() {
    let db = shop_db("sqlgate_reports_pg", 10);
    let server = Server::start("reports-pg");
    let admin = Admin::new(&server);
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}?allow_superuser=true");
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "shop", "url": url})));
    let (_, _, pu) = admin.user_with_key("pia", "power_user");
    let (_, _, other_pu) = admin.user_with_key("otto", "power_user");
    let (ann_id, _, ann) = admin.user_with_key("ann", "analyst");
    let (mo_id, _, mo) = admin.user_with_key("mo", "member");
    let (_, _, eve) = admin.user_with_key("eve", "member");
    for id in [&ann_id, &mo_id] {
        admin.ok(Method::PUT, &format!("/api/v1/admin/users/{id}/grants"), Some(json!({"connectors": ["shop"]})));
    }

    // A Power User saves SQL; the guard checks it at save time, as /api/v1/query does.
    let sql = "SELECT name FROM customers WHERE country = 'France' ORDER BY id";
    let body = json!({"name": "French customers", "connector": "shop", "sql": sql});
    let (status, report) = call(&server, &pu, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 201, "{report}");
    assert_eq!((report["owner"].as_str(), report["connector"].as_str()), (Some("pia"), Some("shop")), "{report}");
    assert_eq!(report["sql"], sql);
    assert_eq!(report["shared_with"], json!([]));
    let id = report["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/reports/{id}");
    let body = json!({"name": "wipe", "connector": "shop", "sql": "DELETE FROM orders"});
    let (status, refused) = call(&server, &pu, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!((status, code(&refused)), (422, "sql_rejected"), "{refused}");
    assert!(refused["error"]["guard_code"].is_string(), "{refused}");
    // Analysts may not save SQL text, Members may not save at all.
    let body = json!({"name": "mine", "connector": "shop", "sql": sql});
    let (status, refused) = call(&server, &ann, Method::POST, "/api/v1/reports", Some(body.clone()));
    assert_eq!(status, 403, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("answer_id"), "{refused}");
    let (status, _) = call(&server, &mo, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 403);
    let (status, listed) = call(&server, &ann, Method::GET, "/api/v1/reports", None);
    assert_eq!((status, listed["reports"].clone()), (200, json!([])), "the refused saves left nothing");

    // Before it is shared, it does not exist for anyone else: reading, running, sharing and
    // deleting another's report by its id are all 404.
    for key in [&mo, &ann, &other_pu] {
        assert_eq!(call(&server, key, Method::GET, &path, None).0, 404);
        assert_eq!(call(&server, key, Method::POST, &format!("{path}/run"), None).0, 404);
        let (_, listed) = call(&server, key, Method::GET, "/api/v1/reports", None);
        assert_eq!(listed["reports"], json!([]), "{listed}");
    }
    let share = json!({"usernames": ["otto"]});
    assert_eq!(call(&server, &other_pu, Method::PUT, &format!("{path}/share"), Some(share)).0, 404);
    assert_eq!(call(&server, &other_pu, Method::DELETE, &path, None).0, 404);
    assert_eq!(call(&server, &ann, Method::DELETE, &path, None).0, 404);

    // Sharing: unknown names are named; then Members see it, with rows and without SQL.
    let share = json!({"usernames": ["mo", "nobody", "ghost"]});
    let (status, refused) = call(&server, &pu, Method::PUT, &format!("{path}/share"), Some(share));
    assert_eq!(status, 400, "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("`nobody`") && message.contains("`ghost`") && !message.contains("`mo`"), "{message}");
    let share = json!({"usernames": ["mo", "eve", "mo"]});
    let (status, shared) = call(&server, &pu, Method::PUT, &format!("{path}/share"), Some(share));
    assert_eq!(status, 200, "{shared}");
    let mut names: Vec<&str> = shared["shared_with"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["eve", "mo"]);
    let (status, listed) = call(&server, &mo, Method::GET, "/api/v1/reports", None);
    assert_eq!(status, 200);
    assert_eq!(listed["reports"].as_array().unwrap().len(), 1, "{listed}");
    assert!(listed["reports"][0].get("sql").is_none(), "a member received SQL: {listed}");
    assert!(listed["reports"][0].get("shared_with").is_none(), "only the owner sees the share list: {listed}");
    assert!(!listed.to_string().contains("SELECT"), "{listed}");
    let (status, got) = call(&server, &mo, Method::GET, &path, None);
    assert_eq!((status, got["name"].as_str()), (200, Some("French customers")), "{got}");
    assert!(got.get("sql").is_none() && !got.to_string().contains("SELECT"), "{got}");
    let (status, ran) = call(&server, &mo, Method::POST, &format!("{path}/run"), None);
    assert_eq!(status, 200, "{ran}");
    assert_eq!(ran["rows"], json!([["Ada"], ["Cy"]]), "{ran}");
    assert_eq!(ran["row_count"], 2);
    assert!(ran.get("sql").is_none() && !ran.to_string().contains("SELECT"), "a member received SQL: {ran}");
    // The owner's run shows the SQL as sent, with the row cap the guard injected.
    let (status, ran) = call(&server, &pu, Method::POST, &format!("{path}/run"), None);
    assert_eq!(status, 200, "{ran}");
    assert!(ran["sql"].as_str().unwrap().ends_with("LIMIT 21"), "{ran}");
    // Shared with, but without a grant on its connector: a clear 403, and audited.
    let (status, refused) = call(&server, &eve, Method::POST, &format!("{path}/run"), None);
    assert_eq!((status, code(&refused)), (403, "connector_not_granted"), "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains("grant"), "{refused}");
    let denied = last_record(&admin, "kind=report&user=eve");
    assert_eq!((denied["outcome"].as_str(), denied["row_count"].as_u64()), (Some("denied"), None), "{denied}");
    // Members may not share or delete; those it is shared with may not either.
    let share = json!({"usernames": []});
    assert_eq!(call(&server, &mo, Method::PUT, &format!("{path}/share"), Some(share)).0, 403);
    assert_eq!(call(&server, &mo, Method::DELETE, &path, None).0, 403);

    // A revoked grant: the run fails safely, with no rows.
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{mo_id}/grants"), Some(json!({"connectors": []})));
    let (status, refused) = call(&server, &mo, Method::POST, &format!("{path}/run"), None);
    assert_eq!((status, code(&refused)), (403, "connector_not_granted"), "{refused}");
    assert!(refused.get("rows").is_none());

    // A report whose SQL the guard refuses now (saved by a laxer guard, or changed in the store)
    // is refused at run, like /api/v1/query, and nothing is run.
    let store = open_store(&server);
    let changed = store.execute("UPDATE reports SET sql = 'DELETE FROM orders' WHERE id = ?1", [&id]).unwrap();
    assert_eq!(changed, 1);
    drop(store);
    let (status, refused) = call(&server, &pu, Method::POST, &format!("{path}/run"), None);
    assert_eq!((status, code(&refused)), (422, "sql_rejected"), "{refused}");
    let rejected = last_record(&admin, "kind=report&user=pia&outcome=rejected");
    assert_eq!(rejected["sql"], "DELETE FROM orders", "{rejected}");
    assert_eq!(rejected["detail"]["report_id"], id.as_str(), "{rejected}");

    // The runs and changes are in the audit trail.
    let run = last_record(&admin, "kind=report&user=mo&outcome=ok");
    assert_eq!((run["connector"].as_str(), run["row_count"].as_u64()), (Some("shop"), Some(2)), "{run}");
    assert_eq!(run["tables"], json!(["customers"]), "{run}");
    let created = last_record(&admin, "kind=report_change&user=pia&q=report.create&outcome=ok");
    assert_eq!(created["detail"]["before"], Value::Null, "{created}");
    assert_eq!(created["detail"]["after"]["sql"], sql, "{created}");
    let shared = last_record(&admin, "kind=report_change&user=pia&q=report.share&outcome=ok");
    assert_eq!(shared["detail"]["before"]["shared_with"], json!([]), "{shared}");
    assert_eq!(shared["detail"]["after"]["shared_with"].as_array().unwrap().len(), 2, "{shared}");
    let refused = last_record(&admin, "kind=report_change&outcome=rejected");
    assert_eq!(refused["sql"], "DELETE FROM orders", "the refused save is recorded: {refused}");

    // The owner deletes; an admin may delete anyone's.
    let (status, _) = call(&server, &pu, Method::DELETE, &path, None);
    assert_eq!(status, 200);
    assert_eq!(call(&server, &pu, Method::GET, &path, None).0, 404);
    assert_eq!(call(&server, &pu, Method::DELETE, &path, None).0, 404);
    let deleted = last_record(&admin, "kind=report_change&q=report.delete");
    assert_eq!(
        (deleted["detail"]["before"]["id"].as_str(), deleted["detail"]["after"].clone()),
        (Some(id.as_str()), Value::Null)
    );
    let body = json!({"name": "again", "connector": "shop", "sql": sql});
    let (_, again) = call(&server, &pu, Method::POST, "/api/v1/reports", Some(body));
    let again = format!("/api/v1/reports/{}", again["id"].as_str().unwrap());
    let res = admin.call(Method::DELETE, &again, None);
    assert_eq!(res.status(), 200);
    assert_eq!(call(&server, &pu, Method::GET, &again, None).0, 404);
}

#[test]
fn analysts_save_their_own_answers_and_nothing_else() {
    let db = format!("sqlgate_reports_my_{}", std::process::id());
    mariadb(&format!(
        "DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db};
         CREATE TABLE {db}.customers (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, country VARCHAR(20) NOT NULL);
         INSERT INTO {db}.customers VALUES (1, 'Ada', 'France'), (2, 'Bob', 'Spain'), (3, 'Cy', 'France');"
    ));
    let server = Server::start("reports-my");
    let admin = Admin::new(&server);
    let url = format!("mysql://root@127.0.0.1:3306/{db}?allow_superuser=true");
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "crm", "url": url})));
    let (ann_id, _, ann) = admin.user_with_key("ann", "analyst");
    let (bob_id, _, bob) = admin.user_with_key("bob", "analyst");
    let (mo_id, _, mo) = admin.user_with_key("mo", "member");
    for id in [&ann_id, &bob_id, &mo_id] {
        admin.ok(Method::PUT, &format!("/api/v1/admin/users/{id}/grants"), Some(json!({"connectors": ["crm"]})));
    }
    let question = "How many customers are from France?";
    let (status, answer) = ask(&server, &ann, "crm", question);
    assert_eq!((status, answer["rows"].clone()), (200, json!([[2]])), "{answer}");
    let ann_answer = answer["id"].as_str().unwrap().to_owned();
    let (_, answer) = ask(&server, &bob, "crm", question);
    let bob_answer = answer["id"].as_str().unwrap().to_owned();
    let (_, unanswered) = ask(&server, &ann, "crm", "what is the meaning of life?");
    assert_eq!(unanswered["sql"], Value::Null, "{unanswered}");
    let (_, answer) = ask(&server, &mo, "crm", question);
    let mo_answer = answer["id"].as_str().unwrap().to_owned();

    // Someone else's answer, an answer without SQL, an unknown or malformed id: 404.
    for id in [bob_answer.as_str(), unanswered["id"].as_str().unwrap(), "00000000-0000-4000-8000-000000000000", "%"] {
        let (status, refused) =
            call(&server, &ann, Method::POST, "/api/v1/reports", Some(json!({"name": "n", "answer_id": id})));
        assert_eq!((status, code(&refused)), (404, "not_found"), "{id}: {refused}");
    }
    // SQL text, or SQL beside an answer id, is not taken from an Analyst.
    let body = json!({"name": "n", "connector": "crm", "sql": "SELECT name FROM customers"});
    let (status, _) = call(&server, &ann, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 403);
    let body = json!({"name": "n", "answer_id": ann_answer, "sql": "SELECT name FROM customers"});
    let (status, _) = call(&server, &ann, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 400);
    let denied = last_record(&admin, "kind=denied&user=ann");
    assert_eq!(denied["detail"]["path"], "/api/v1/reports", "{denied}");
    // A Member cannot save even their own answer.
    let (status, _) =
        call(&server, &mo, Method::POST, "/api/v1/reports", Some(json!({"name": "n", "answer_id": mo_answer})));
    assert_eq!(status, 403);
    let (_, listed) = call(&server, &ann, Method::GET, "/api/v1/reports", None);
    assert_eq!(listed["reports"], json!([]), "nothing refused was saved: {listed}");

    // Their own answer is saved with its question, SQL and connector, and re-runs live.
    let body = json!({"name": "French customers", "answer_id": ann_answer});
    let (status, report) = call(&server, &ann, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 201, "{report}");
    assert_eq!((report["question"].as_str(), report["connector"].as_str()), (Some(question), Some("crm")), "{report}");
    assert!(report["sql"].as_str().unwrap().contains("'France'"), "{report}");
    let path = format!("/api/v1/reports/{}", report["id"].as_str().unwrap());
    mariadb(&format!("INSERT INTO {db}.customers VALUES (4, 'Dee', 'France')"));
    let (status, ran) = call(&server, &ann, Method::POST, &format!("{path}/run"), None);
    assert_eq!((status, ran["rows"].clone()), (200, json!([[3]])), "the run is live, not a cached answer: {ran}");
    assert!(ran["sql"].as_str().unwrap().contains("'France'"), "{ran}");
    let created = last_record(&admin, "kind=report_change&user=ann&q=report.create");
    assert_eq!(created["detail"]["after"]["question"], question, "{created}");
    // Analysts do not share; others cannot see it.
    let share = json!({"usernames": ["bob"]});
    assert_eq!(call(&server, &ann, Method::PUT, &format!("{path}/share"), Some(share)).0, 403);
    assert_eq!(call(&server, &bob, Method::GET, &path, None).0, 404);
    assert_eq!(call(&server, &bob, Method::DELETE, &path, None).0, 404);

    // Without the grant any more, one's own answer cannot be saved.
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{ann_id}/grants"), Some(json!({"connectors": []})));
    let body = json!({"name": "again", "answer_id": ann_answer});
    assert_eq!(call(&server, &ann, Method::POST, "/api/v1/reports", Some(body)).0, 404);
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{ann_id}/grants"), Some(json!({"connectors": ["crm"]})));

    // A second report, then the connector is deleted: its reports go with it.
    let body = json!({"name": "kept until the connector goes", "answer_id": ann_answer});
    assert_eq!(call(&server, &ann, Method::POST, "/api/v1/reports", Some(body)).0, 201);
    assert_eq!(call(&server, &ann, Method::DELETE, &path, None).0, 200, "the owner deletes");
    let (_, listed) = call(&server, &ann, Method::GET, "/api/v1/reports", None);
    assert_eq!(listed["reports"].as_array().unwrap().len(), 1, "{listed}");
    let connectors = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let crm = connectors["connectors"][0]["id"].as_str().unwrap().to_owned();
    admin.ok(Method::DELETE, &format!("/api/v1/admin/connectors/{crm}"), None);
    let (_, listed) = call(&server, &ann, Method::GET, "/api/v1/reports", None);
    assert_eq!(listed["reports"], json!([]), "{listed}");
    mariadb(&format!("DROP DATABASE IF EXISTS {db}"));
}

/// The report at `path` as `key` reads it, once `done` holds for it (the scheduler looks every
/// second in these tests); fails after 30 seconds.
fn when(server: &Server, key: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let (status, report) = call(server, key, Method::GET, path, None);
        assert_eq!(status, 200, "{report}");
        if done(&report) {
            return report;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the scheduled refresh did not come: {}", call(server, key, Method::GET, path, None).1);
}

/// Makes the report's next refresh due now, as time passing would.
fn make_due(server: &Server, id: &str) {
    let store = open_store(server);
    assert_eq!(store.execute("UPDATE reports SET next_refresh_at = 0 WHERE id = ?1", [id]).unwrap(), 1);
}

#[test]
fn scheduled_refreshes_run_as_the_owner_keep_the_rows_and_stop_when_the_owner_may_not() {
    let db = shop_db("sqlgate_reports_refresh", 10);
    let server = Server::start_with("reports-refresh", &[("SQLGATE_REPORTS_REFRESH_CHECK_SECS", "1")]);
    let admin = Admin::new(&server);
    let url = format!("postgres://postgres@127.0.0.1:5432/{db}?allow_superuser=true");
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(json!({"name": "shop", "url": url})));
    let (pia_id, _, pia) = admin.user_with_key("pia", "power_user");
    let (_, _, otto) = admin.user_with_key("otto", "power_user");
    let (_, _, ann) = admin.user_with_key("ann", "analyst");
    let (mo_id, _, mo) = admin.user_with_key("mo", "member");
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{mo_id}/grants"), Some(json!({"connectors": ["shop"]})));
    let body = json!({"name": "Order count", "connector": "shop", "sql": "SELECT count(*) AS n FROM orders"});
    let (status, report) = call(&server, &pia, Method::POST, "/api/v1/reports", Some(body));
    assert_eq!(status, 201, "{report}");
    assert_eq!((report["schedule"].clone(), report["last_refresh"].clone()), (Value::Null, Value::Null), "{report}");
    let id = report["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/reports/{id}");
    let schedule = format!("{path}/schedule");
    let shared = call(&server, &pia, Method::PUT, &format!("{path}/share"), Some(json!({"usernames": ["mo", "ann"]})));
    assert_eq!(shared.0, 200, "{}", shared.1);

    // Only its owner schedules it, within bounds; others are refused as for sharing.
    let hourly = json!({"every_minutes": 60});
    assert_eq!(call(&server, &mo, Method::PUT, &schedule, Some(hourly.clone())).0, 403);
    assert_eq!(call(&server, &ann, Method::PUT, &schedule, Some(hourly.clone())).0, 403);
    assert_eq!(call(&server, &otto, Method::PUT, &schedule, Some(hourly.clone())).0, 404);
    for body in [json!({"every_minutes": 5}), json!({"every_minutes": 20_000}), json!({"every": 60})] {
        let (status, refused) = call(&server, &pia, Method::PUT, &schedule, Some(body.clone()));
        assert_eq!((status, code(&refused)), (400, "bad_request"), "{body}: {refused}");
    }
    let (_, refused) = call(&server, &pia, Method::PUT, &schedule, Some(json!({"every_minutes": 5})));
    assert!(refused["error"]["message"].as_str().unwrap().contains("from 15 to 10080"), "{refused}");
    assert_eq!(call(&server, &pia, Method::GET, &path, None).1["schedule"], Value::Null, "refusals change nothing");
    let before = unix_now() as i64;
    let (status, scheduled) = call(&server, &pia, Method::PUT, &schedule, Some(hourly));
    assert_eq!((status, scheduled["schedule"]["every_minutes"].as_u64()), (200, Some(60)), "{scheduled}");
    let first_due = scheduled["schedule"]["next_refresh_at"].as_i64().unwrap();
    assert!((before..=before + 2).contains(&first_due), "the first refresh is due at once: {scheduled}");
    let change = last_record(&admin, "kind=report_change&user=pia&q=report.schedule");
    assert_eq!(
        (change["detail"]["before"]["every_minutes"].clone(), change["detail"]["after"]["every_minutes"].clone()),
        (Value::Null, json!(60)),
        "{change}"
    );

    // The first refresh runs at the scheduler's next look, as the owner; the rows are kept.
    let got = when(&server, &pia, &path, |r| r["last_refresh"].is_object());
    let refresh = &got["last_refresh"];
    assert_eq!(refresh["outcome"], "ok", "{got}");
    assert_eq!(refresh["result"]["rows"], json!([[10]]), "{got}");
    assert_eq!(refresh["result"]["columns"][0]["name"], "n", "{got}");
    assert!(refresh["result"].get("sql").is_none(), "{got}");
    let (at, next) = (refresh["at"].as_i64().unwrap(), got["schedule"]["next_refresh_at"].as_i64().unwrap());
    assert!((3_590..=3_600).contains(&(next - at)), "the next refresh is an hour after this one: {got}");
    let record = last_record(&admin, "kind=report&user=pia");
    assert_eq!((record["outcome"].as_str(), record["row_count"].as_u64()), (Some("ok"), Some(1)), "{record}");
    assert_eq!(
        (record["detail"]["scheduled"].clone(), record["detail"]["report_id"].clone()),
        (json!(true), json!(id)),
        "{record}"
    );
    assert_eq!(record["sql"], "SELECT count(*) AS n FROM orders", "{record}");
    assert_eq!(record["detail"]["sql_sent"], "SELECT count(*) AS n FROM orders LIMIT 21", "{record}");
    // A Member it is shared with, holding a grant, reads the rows and no SQL; an Analyst without
    // a grant on the connector gets the refresh without its rows, and is told why.
    let (_, seen) = call(&server, &mo, Method::GET, &path, None);
    assert_eq!(seen["last_refresh"]["result"]["rows"], json!([[10]]), "{seen}");
    assert!(!seen.to_string().contains("SELECT"), "a member received SQL: {seen}");
    let (_, seen) = call(&server, &ann, Method::GET, &path, None);
    assert_eq!(
        (seen["last_refresh"]["outcome"].as_str(), seen["last_refresh"]["result"].clone()),
        (Some("ok"), Value::Null),
        "{seen}"
    );
    assert!(seen["last_refresh"]["message"].as_str().unwrap().contains("grant"), "{seen}");
    assert!(!seen.to_string().contains("[[10]]"), "{seen}");

    // The next refresh reads the data as it is then.
    psql(&db, "INSERT INTO orders VALUES (11, 1, 110)");
    make_due(&server, &id);
    let got = when(&server, &mo, &path, |r| r["last_refresh"]["result"]["rows"] == json!([[11]]));
    assert_eq!(got["last_refresh"]["outcome"], "ok", "{got}");

    // The guard checks the SQL at every refresh: SQL turned into a DELETE in the store is refused,
    // recorded, and nothing is deleted.
    let store = open_store(&server);
    store.execute("UPDATE reports SET sql = 'DELETE FROM orders', next_refresh_at = 0 WHERE id = ?1", [&id]).unwrap();
    drop(store);
    let got = when(&server, &pia, &path, |r| r["last_refresh"]["outcome"] == "rejected");
    assert_eq!(got["last_refresh"]["result"], Value::Null, "{got}");
    assert!(got["schedule"].is_object(), "a refused SQL does not stop the schedule: {got}");
    let rejected = last_record(&admin, "kind=report&user=pia&outcome=rejected");
    assert_eq!(
        (rejected["sql"].as_str(), rejected["detail"]["scheduled"].clone()),
        (Some("DELETE FROM orders"), json!(true)),
        "{rejected}"
    );
    let count = admin.ok(
        Method::POST,
        "/api/v1/query",
        Some(json!({"connector": "shop", "sql": "SELECT count(*) FROM orders"})),
    );
    assert_eq!(count["rows"], json!([[11]]), "{count}");
    let store = open_store(&server);
    store.execute("UPDATE reports SET sql = 'SELECT count(*) AS n FROM orders' WHERE id = ?1", [&id]).unwrap();
    drop(store);

    // An owner lowered below Power User gets no refresh: refused, recorded, and the schedule stops.
    admin.ok(Method::PATCH, &format!("/api/v1/admin/users/{pia_id}"), Some(json!({"role": "analyst"})));
    make_due(&server, &id);
    let got = when(&server, &pia, &path, |r| r["last_refresh"]["outcome"] == "denied");
    assert_eq!((got["schedule"].clone(), got["last_refresh"]["result"].clone()), (Value::Null, Value::Null), "{got}");
    assert!(got["last_refresh"]["message"].as_str().unwrap().contains("schedule has stopped"), "{got}");
    let denied = last_record(&admin, "kind=report&user=pia&outcome=denied");
    assert_eq!(
        (denied["detail"]["scheduled"].clone(), denied["connector"].as_str()),
        (json!(true), Some("shop")),
        "{denied}"
    );
    let store = open_store(&server);
    let due: Option<i64> =
        store.query_row("SELECT next_refresh_at FROM reports WHERE id = ?1", [&id], |r| r.get(0)).unwrap();
    assert_eq!(due, None, "a stopped schedule is never due");
    drop(store);

    // Stopping by hand; the metrics count each outcome.
    admin.ok(Method::PATCH, &format!("/api/v1/admin/users/{pia_id}"), Some(json!({"role": "power_user"})));
    let (status, scheduled) = call(&server, &pia, Method::PUT, &schedule, Some(json!({"every_minutes": 15})));
    assert_eq!((status, scheduled["schedule"]["every_minutes"].as_u64()), (200, Some(15)), "{scheduled}");
    let (status, stopped) = call(&server, &pia, Method::PUT, &schedule, Some(json!({"every_minutes": null})));
    assert_eq!((status, stopped["schedule"].clone()), (200, Value::Null), "{stopped}");
    let metrics = reqwest::blocking::get(server.url("/metrics")).unwrap().text().unwrap();
    for (outcome, at_least) in [("ok", 2), ("rejected", 1), ("denied", 1)] {
        let line = metrics
            .lines()
            .find(|l| l.starts_with(&format!("sqlgate_report_refreshes_total{{outcome=\"{outcome}\"}}")))
            .unwrap_or_else(|| panic!("no {outcome} count: {metrics}"));
        let n: u64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(n >= at_least, "{line}");
    }
}
