//! The GRC dashboard (`/dashboard`) and the charts, black-box: the real `sqlgate demo` on its own
//! port and data directory, activity made through the API (questions, guard-refused queries,
//! failed logins that lock an account, a user at their spend cap, a production connector), then
//! headless Chromium as an Admin reads the dashboard. What the page shows is compared with what
//! `GET /api/v1/admin/dashboard` answers, and each risk signal's link is followed to the audit
//! page, which must list exactly the records the signal counted. Access is checked over HTTP.
//!
//! Screenshots (desktop 1280×800 and phone 390×844) land in the target directory's
//! `tmp/screenshots/`; the ones in `docs/` were copied from there by hand.

mod common;

use common::browser::Browser;
use common::site::*;
use common::*;
use reqwest::blocking::{Client, Response};
use reqwest::Method;
use serde_json::{json, Value};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
const DESKTOP: (u32, u32) = (1280, 800);
const PHONE: (u32, u32) = (390, 844);
/// A user name someone tried to log in with: it reaches the dashboard through the audit trail.
const HOSTILE_NAME: &str = "<script>window.__xss=1</script>";

fn header(res: &Response, name: &str) -> String {
    res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// `POST path` with `body` as `user`, logged in over HTTP like a page: the status.
fn post_as(server: &Server, user: &str, path: &str, body: Value) -> u16 {
    let (client, csrf) = server.login(user, PASSWORD);
    client.post(server.url(path)).header("x-csrf-token", csrf).json(&body).send().unwrap().status().as_u16()
}

/// Working hours that leave out the current hour (UTC): everything the test does is "outside".
fn hours_not_now() -> String {
    let hour = (unix_now() / 3600) % 24;
    format!("{:02}:00-{:02}:00", (hour + 2) % 24, (hour + 4) % 24)
}

/// The dashboard page's signals as shown.
fn shown_signals(b: &Browser) -> Vec<Value> {
    let shown = b.run(
        "return [...document.querySelectorAll('#signals-body .signal')].map((li) => ({
           kind: li.dataset.kind,
           severity: li.querySelector('[data-role=severity]').textContent,
           text: li.querySelector('[data-role=text]').textContent,
           link: li.querySelector('[data-role=link]').getAttribute('href'),
           link_text: li.querySelector('[data-role=link]').textContent,
         }));",
        vec![],
    );
    shown.as_array().unwrap().clone()
}

/// The rows of the table with `data-role` `role`, as text.
fn table_rows(b: &Browser, role: &str) -> Value {
    b.run(
        "return [...document.querySelectorAll('[data-role=' + arguments[0] + '] tbody tr')]
           .map((tr) => [...tr.children].map((td) => td.textContent));",
        vec![json!(role)],
    )
}

/// Waits until the image `css` has loaded, and returns its natural width.
fn loaded_width(b: &Browser, css: &str) -> u64 {
    let script = format!(
        "(() => {{ const i = document.querySelector('{css}'); return i && !i.hidden && i.complete && i.naturalWidth > 0 ? i.naturalWidth : null; }})()"
    );
    b.wait_for_script(&script).as_u64().unwrap_or_else(|| panic!("the chart {css} did not load"))
}

#[test]
fn an_admin_reads_the_dashboard_and_each_signal_leads_to_exactly_its_records() {
    let hours = hours_not_now();
    let settings = [
        ("SQLGATE_AUTH_LOCKOUT_ATTEMPTS", "3"),
        ("SQLGATE_AUTH_IP_LOCKOUT_ATTEMPTS", "1000"),
        ("SQLGATE_AUDIT_WORKING_HOURS", hours.as_str()),
    ];
    let Some(site) = Site::start("web-grc", &settings, DESKTOP) else { return };
    let server = &site.server;
    let admin = site.admin();
    let sample = server.dir.join("sample.db");
    let production = json!({"name": "sample_prod", "url": format!("sqlite:{}", sample.display()), "production": true});
    admin.ok(Method::POST, "/api/v1/admin/connectors", Some(production));

    // Activity: questions (one on the production connector), three queries the guard refuses
    // from one user, failed logins that lock an account, failed logins under a hostile name, and
    // a user whose cap (0 cents) is reached.
    user_granted(&admin, "ann", "analyst", &["sample", "sample_prod"]);
    for question in ["How many customers are there in each segment?", "How many orders are there?"] {
        assert_eq!(post_as(server, "ann", "/api/v1/ask", json!({"connector": "sample", "question": question})), 200);
    }
    let on_production = json!({"connector": "sample_prod", "question": "How many products are there?"});
    assert_eq!(post_as(server, "ann", "/api/v1/ask", on_production), 200);
    admin.user("eve", "power_user");
    for sql in ["DELETE FROM customers", "DROP TABLE orders", "SELECT * FROM customers; SELECT 1", "SELECT 1"] {
        let status = post_as(server, "eve", "/api/v1/query", json!({"connector": "sample", "sql": sql}));
        assert_eq!(status, if sql == "SELECT 1" { 200 } else { 422 }, "{sql}");
    }
    admin.user("bob", "member");
    for attempt in 1..=3 {
        let res = server.try_login(json!({"username": "bob", "password": format!("Wrong-guess-{attempt}-x")}));
        assert_eq!(res.status(), if attempt < 3 { 401 } else { 429 }, "attempt {attempt}");
    }
    for _ in 0..3 {
        server.try_login(json!({"username": HOSTILE_NAME, "password": "Wrong-guess-0-x"}));
    }
    let mia = admin.user("mia", "member");
    admin.ok(Method::PUT, &format!("/api/v1/admin/users/{mia}/spend"), Some(json!({"monthly_cap_cents": 0})));

    // The admin reaches the dashboard from the top bar.
    let b = &site.browser;
    site.log_in("admin", &site.admin_password);
    assert_eq!(b.find_all(".pagenav a[href='/dashboard']").len(), 1, "the admin sees a link to the dashboard");
    b.click(".pagenav a[href='/dashboard']");
    b.wait_for_path("/dashboard");
    b.wait_until_ready();
    assert_eq!(b.text(".pagenav a[aria-current=page]"), "Dashboard");
    let api = admin.ok(Method::GET, "/api/v1/admin/dashboard", None);

    // The charts load (drawn by the server), each with an alt text; the dates default to the
    // last 30 days, which the form then shows.
    assert_eq!(loaded_width(b, "#questions-chart"), 720);
    assert_eq!(loaded_width(b, "#rejections-chart"), 720);
    let alt = b.run("return document.getElementById('questions-chart').alt;", vec![]);
    assert!(alt.as_str().unwrap().contains("questions per day"), "{alt}");
    let range = b.run("return [document.getElementById('from').value, document.getElementById('to').value];", vec![]);
    assert_eq!(range, json!([api["from"], api["to"]]));
    assert_eq!(api["questions_per_day"].as_array().unwrap().len(), 30, "{api}");

    // The tables hold the numbers the API answers, and those are what happened.
    let per_day: Vec<Value> = api["questions_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| json!([d["day"], d["count"].to_string()]))
        .collect();
    assert_eq!(table_rows(b, "questions-table"), json!(per_day));
    let by_code: Vec<Value> = api["rejections_by_code"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!([c["code"], c["count"].to_string()]))
        .collect();
    assert_eq!(table_rows(b, "rejections-table"), json!(by_code));
    assert_eq!(api["rejections"], 3, "{api}");
    // Three questions by ann, four queries by eve, all today; every other day 0.
    let today = &api["questions_per_day"][29];
    assert_eq!((today["day"].clone(), today["count"].clone()), (api["to"].clone(), json!(7)), "{api}");
    assert!(api["questions_per_day"].as_array().unwrap()[..29].iter().all(|d| d["count"] == 0), "{api}");
    assert_eq!(api["complete"], true);
    assert_eq!(api["working_hours"], json!(hours));

    // Every signal the API answers is listed (the admin's own off-hours count grows with each
    // reading, so theirs is compared by kind only), with its severity and text.
    let shown = shown_signals(b);
    let signals = api["signals"].as_array().unwrap();
    assert_eq!(shown.len(), signals.len(), "{shown:?}\n{signals:?}");
    // The links' ranges end when each was read: compared up to there.
    let until_read = |link: &Value| link.as_str().unwrap().split("&to=").next().unwrap().to_owned();
    for signal in signals.iter().filter(|s| s["user"] != "admin") {
        let on_page = shown.iter().find(|s| s["text"] == signal["text"]);
        let on_page = on_page.unwrap_or_else(|| panic!("not listed: {signal}\n{shown:?}"));
        assert_eq!(until_read(&on_page["link"]), until_read(&signal["link"]));
        assert_eq!(on_page["kind"], signal["kind"]);
        let severity = signal["severity"].as_str().unwrap();
        assert_eq!(on_page["severity"].as_str().unwrap().to_lowercase(), severity);
    }
    let find = |kind: &str, user: &str| -> Value {
        signals
            .iter()
            .find(|s| s["kind"] == kind && (s["user"] == user || (user.is_empty() && s["user"].is_null())))
            .unwrap_or_else(|| panic!("no {kind} signal for {user:?}: {signals:?}"))
            .clone()
    };
    let expected = [
        (find("rejections", "eve"), 3),
        (find("failed_logins", "bob"), 3),
        (find("lockout", "bob"), 1),
        (find("failed_logins", HOSTILE_NAME), 3),
        // ann logged in three times and asked three questions.
        (find("off_hours", "ann"), 3 + 3),
        (find("production", ""), 1),
    ];
    assert!(expected[0].0["text"].as_str().unwrap().contains("eve had 3 queries refused by the guard"), "{signals:?}");
    assert_eq!(expected[2].0["severity"], "high");
    let spend = find("spend", "mia");
    assert!(spend["text"].as_str().unwrap().contains("0¢ of a 0¢ monthly LLM cap"), "{spend}");

    // The hostile user name is text on the page: shown as written, nothing made or run.
    let hostile = shown.iter().find(|s| s["text"].as_str().unwrap().contains(HOSTILE_NAME));
    assert!(hostile.is_some(), "the hostile name is not shown as text: {shown:?}");
    assert_eq!(
        b.run("return window.__xss === undefined && !document.querySelector('#signals script');", vec![]),
        json!(true)
    );

    b.screenshot("dashboard-desktop");
    b.run("document.getElementById('questions').scrollIntoView();", vec![]);
    b.screenshot("dashboard-charts-desktop");
    b.viewport(PHONE.0, PHONE.1);
    assert_eq!(b.run("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]), json!(true));
    b.screenshot("dashboard-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);

    // Each signal's link opens the audit trail filtered to exactly the records it counted: the
    // page's total is the signal's count and the API's for the same filters, and each record is
    // one of them (its user, kind or outcome).
    for (signal, count) in &expected {
        let link = signal["link"].as_str().unwrap();
        assert_eq!(signal["records"], json!(count), "{signal}");
        let query = link.strip_prefix("/audit?").unwrap();
        let api_total = admin.audit_total(query);
        assert_eq!(api_total, *count, "{link}");
        b.open(link);
        assert!(
            b.wait_for_script("document.getElementById('records').dataset.loaded === 'true'").as_bool() == Some(true)
        );
        let total = b.run("return document.getElementById('records').dataset.total;", vec![]);
        assert_eq!(total, json!(count.to_string()), "{link}");
        // The link's exact times are named under the date fields, which show their days.
        let hint = b.text("#dates-help");
        assert!(
            hint.contains("exact times from a link")
                && hint.contains(&format!("to {}", &api["read_at"].as_str().unwrap()[..10])),
            "{hint}"
        );
        let rows = b.run(
            "return [...document.querySelectorAll('#records-body tbody tr')].map((tr) => [...tr.children].map((td) => td.textContent));",
            vec![],
        );
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len() as u64, *count, "{link}: {rows:?}");
        for row in rows {
            match signal["kind"].as_str().unwrap() {
                "rejections" => assert_eq!((&row[1], &row[4]), (&json!("eve"), &json!("rejected")), "{row:?}"),
                "failed_logins" => assert_eq!((&row[1], &row[3]), (&signal["user"], &json!("login_failed")), "{row:?}"),
                "lockout" => assert_eq!((&row[1], &row[3]), (&json!("bob"), &json!("lockout")), "{row:?}"),
                "off_hours" => assert_eq!(row[1], "ann", "{row:?}"),
                "production" => assert_eq!(row[5], "sample_prod", "{row:?}"),
                other => panic!("unexpected {other}"),
            }
        }
    }
    // The spend signal's link: mia's questions this month (she asked none).
    let link = spend["link"].as_str().unwrap();
    assert!(link.starts_with("/audit?user=mia&kind=ask&from="), "{link}");
    assert_eq!(admin.audit_total(link.strip_prefix("/audit?").unwrap()), 0);
    // The hostile name's records, opened from the page: shown as text.
    b.open(find("failed_logins", HOSTILE_NAME)["link"].as_str().unwrap());
    assert!(b.wait_for_script("document.getElementById('records').dataset.loaded === 'true'").as_bool() == Some(true));
    assert_eq!(b.run("return window.__xss === undefined;", vec![]), json!(true));

    // Other dates: in the URL and the form, a range over a year is refused with a message, and
    // days without activity have no signals and a chart that says so.
    b.open("/dashboard?from=2001-01-01&to=2001-01-31");
    assert_eq!(
        b.text("#range-summary"),
        "2001-01-01 to 2001-01-31 (UTC): 0 questions, 0 guard rejections, 0 audit records."
    );
    assert!(b.visible("[data-role=no-signals]") && b.visible("[data-role=no-rejections]"));
    assert_eq!(loaded_width(b, "#questions-chart"), 720);
    b.run("document.getElementById('from').value = '2000-01-01';", vec![]);
    b.click("#apply");
    b.wait_for_path("/dashboard?from=2000-01-01&to=2001-01-31");
    b.wait_until_ready();
    let message = b.text("#message");
    assert!(message.contains("These dates cannot be shown") && message.contains("at most 366 days"), "{message}");
}

#[test]
fn the_dashboard_and_its_charts_are_for_admins_only() {
    let server = Server::start("web-grc-access");
    let admin = Admin::new(&server);
    admin.user("ann", "analyst");
    admin.user("pat", "power_user");
    let paths = ["/dashboard", "/dashboard/questions.svg", "/dashboard/rejections.svg"];

    // Without a session: the login page; the API: 401.
    let anonymous = Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    for path in paths {
        let res = anonymous.get(server.url(path)).send().unwrap();
        assert_eq!((res.status().as_u16(), header(&res, "location")), (303, "/login".to_owned()), "{path}");
    }
    assert_eq!(anonymous.get(server.url("/api/v1/admin/dashboard")).send().unwrap().status(), 401);

    // An Analyst and a Power User: 403 everywhere, recorded, and no link.
    for user in ["ann", "pat"] {
        let (client, _) = server.login(user, PASSWORD);
        for path in paths.iter().chain(&["/api/v1/admin/dashboard"]) {
            let res = client.get(server.url(path)).send().unwrap();
            assert_eq!(res.status(), 403, "{user} {path}");
        }
        let chat = client.get(server.url("/chat")).send().unwrap().text().unwrap();
        assert!(!chat.contains("href=\"/dashboard\""), "{user} sees a link to the dashboard");
    }
    assert!(admin.audit_total("kind=denied") >= 8);

    // An Admin: the page and the charts, with the pages' headers, never cached.
    let res = admin.client.get(server.url("/dashboard")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-security-policy"), CSP);
    assert_eq!(header(&res, "cache-control"), "no-store");
    for path in &paths[1..] {
        let res = admin.client.get(server.url(&format!("{path}?from=2026-01-01&to=2026-01-31"))).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "content-type"), "image/svg+xml", "{path}");
        assert_eq!(header(&res, "content-security-policy"), CSP, "{path}");
        assert_eq!(header(&res, "x-content-type-options"), "nosniff", "{path}");
        let svg = res.text().unwrap();
        assert!(svg.starts_with("<svg role=\"img\" aria-label=\"") && svg.contains("<title>"), "{svg}");
        assert!(svg.contains("2026-01-01 to 2026-01-31"), "{svg}");
    }
    // Reading the charts is a reading of the trail.
    // (The search's own reading is the newest record: it names the search.)
    let reads = admin.ok(Method::GET, "/api/v1/admin/audit?kind=audit_read&q=rejections_chart&limit=5", None);
    let actions: Vec<&Value> = reads["records"].as_array().unwrap().iter().map(|r| &r["detail"]["action"]).collect();
    assert!(actions.contains(&&json!("dashboard.rejections_chart")), "{reads}");
    // A range over a year: the API and the charts refuse it.
    let res = admin.client.get(server.url("/api/v1/admin/dashboard?from=2020-01-01&to=2026-01-01")).send().unwrap();
    assert_eq!(res.status(), 400);
    let body: Value = res.json().unwrap();
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 366 days"), "{body}");
    let res = admin.client.get(server.url("/dashboard/questions.svg?from=2020-01-01")).send().unwrap();
    assert_eq!(res.status(), 400);
}

// ---- Charts in the chat's answer cards ----

/// `POST /api/v1/ask` as `user` with `body`: the answer.
fn ask_as(server: &Server, user: &str, body: Value) -> Value {
    let (client, csrf) = server.login(user, PASSWORD);
    let res = client.post(server.url("/api/v1/ask")).header("x-csrf-token", csrf).json(&body).send().unwrap();
    assert_eq!(res.status(), 200);
    res.json().unwrap()
}

#[test]
fn an_answer_with_a_category_and_a_count_shows_a_chart_to_a_member() {
    let Some(site) = Site::start("web-grc-chat", &[], DESKTOP) else { return };
    let admin = site.admin();
    user_granted(&admin, "mia", "member", &["sample"]);
    let server = &site.server;
    let question = "How many customers are there in each segment?";

    // The API draws the chart only when asked; its columns are the answer's.
    let plain = ask_as(server, "mia", json!({"connector": "sample", "question": question}));
    assert!(plain.get("chart").is_none(), "{plain}");
    let api = ask_as(server, "mia", json!({"connector": "sample", "question": question, "chart": true}));
    let chart = &api["chart"];
    assert_eq!(api["columns"].as_array().unwrap().len(), 2, "{api}");
    assert!(api["row_count"].as_u64().unwrap() >= 2, "{api}");
    assert_eq!(chart["shape"], "bars", "{api}");
    assert_eq!(chart["label_column"], api["columns"][0]["name"], "{api}");
    assert_eq!(chart["value_column"], api["columns"][1]["name"], "{api}");
    let svg = chart["svg"].as_str().unwrap();
    for row in api["rows"].as_array().unwrap() {
        assert!(svg.contains(row[0].as_str().unwrap()), "{row} is not in the chart");
    }
    assert!(api.get("sql").is_none(), "a member gets no SQL: {api}");

    // In the chat, the member's card shows it as an image with an alt text naming the columns,
    // above the table; the image is the SVG the API answers.
    let b = &site.browser;
    site.log_in("mia", PASSWORD);
    let connectors = admin.ok(Method::GET, "/api/v1/admin/connectors", None);
    let sample = connectors["connectors"].as_array().unwrap().iter().find(|c| c["name"] == "sample").unwrap();
    b.select("#connector", sample["id"].as_str().unwrap());
    b.type_into("#question", &format!("{question}\u{E007}"));
    assert_eq!(loaded_width(b, "#history article [data-role=chart]"), 720);
    let shown = b.run(
        "const img = document.querySelector('#history article [data-role=chart]');
         const bytes = Uint8Array.from(atob(img.src.split(',')[1]), (c) => c.charCodeAt(0));
         return { alt: img.alt, svg: new TextDecoder().decode(bytes), src: img.src.split(',')[0],
                  before_table: !!(img.closest('figure').compareDocumentPosition(document.querySelector('#history article table')) & Node.DOCUMENT_POSITION_FOLLOWING) };",
        vec![],
    );
    assert_eq!(shown["src"], "data:image/svg+xml;base64");
    assert_eq!(shown["svg"], chart["svg"]);
    assert_eq!(shown["alt"], chart["alt"]);
    let alt = shown["alt"].as_str().unwrap();
    assert!(
        alt.contains(chart["label_column"].as_str().unwrap()) && alt.contains(chart["value_column"].as_str().unwrap()),
        "{alt}"
    );
    assert_eq!(shown["before_table"], true);
    b.screenshot("chat-chart-desktop");
    b.viewport(PHONE.0, PHONE.1);
    assert_eq!(b.run("return document.documentElement.scrollWidth <= window.innerWidth;", vec![]), json!(true));
    b.screenshot("chat-chart-phone");
    b.viewport(DESKTOP.0, DESKTOP.1);

    // A single number is no chart.
    b.type_into("#question", "How many customers are there?\u{E007}");
    let ready = "document.querySelectorAll('#history .turn > article:not([aria-busy])').length > 1";
    assert!(b.wait_for_script(ready).as_bool() == Some(true));
    let charts = b.run(
        "return document.querySelectorAll('#history .turn')[1].querySelectorAll('[data-role=chart]').length;",
        vec![],
    );
    assert_eq!(charts, json!(0));
}
