//! The store conformance suite: one set of tests, written against `&dyn Store`, that every
//! implementation must pass, so that the embedded and the scaled-out store cannot drift apart.
//! Each test runs twice: against a fresh SQLCipher file in its own temporary directory, and
//! against MongoDB in its own database on a MongoDB-wire server at 127.0.0.1:27019 (SecantusDB in
//! development and CI, started here when nothing listens there; see `secantusd.rs`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::json;
use zeroize::Zeroizing;

use super::secantusd;
use super::{
    ApiKey, AuditFilter, AuditRecord, ConnectorLlm, ConnectorRecord, MemoryEntry, MongoStore, Refresh, Report,
    Rotation, Session, SqlcipherStore, Store, StoreError, Usage, User,
};
use crate::auth::Role;

// ---------------------------------------------------------------------------------------------
// Fixtures

fn user(id: &str, username: &str) -> User {
    User {
        id: id.into(),
        username: username.into(),
        role: Role::Analyst,
        password_hash: format!("$argon2id$v=19$m=19456,t=2,p=1${id}"),
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created_at: 1_700_000_000,
        totp_secret: None,
        totp_enabled: false,
        recovery_codes: Vec::new(),
        monthly_cap_cents: None,
        totp_last_step: None,
        totp_pending: None,
    }
}

fn session(id: &str, user_id: &str, last_seen: i64) -> Session {
    Session { id: id.into(), user_id: user_id.into(), created_at: 1_700_000_000, last_seen, revoked: false }
}

fn api_key(id: &str, user_id: &str, created_at: i64) -> ApiKey {
    ApiKey {
        id: id.into(),
        user_id: user_id.into(),
        name: format!("key {id}"),
        hash: format!("{id:0>64}"),
        created_at,
        expires_at: Some(created_at + 86_400),
        revoked: false,
    }
}

fn connector(id: &str, name: &str) -> ConnectorRecord {
    ConnectorRecord {
        id: id.into(),
        name: name.into(),
        engine: "postgres".into(),
        display: format!("db:5432/{name}"),
        sealed_url: format!("AQAAAAE{id}"),
        production: false,
        max_rows: 20,
        max_bytes: 32_768,
        llm: ConnectorLlm::Default,
        rows_to_llm: false,
        created_at: 1_700_000_000,
    }
}

fn record(seq: i64, at: &str) -> AuditRecord {
    AuditRecord {
        seq,
        at: at.into(),
        kind: "query".into(),
        outcome: "ok".into(),
        username: None,
        role: None,
        connector: None,
        question: None,
        sql: None,
        code: None,
        tables: Vec::new(),
        row_count: None,
        truncated: None,
        duration_ms: None,
        detail: json!({}),
        ip: None,
        prev_hash: format!("{:064}", seq - 1),
        hash: format!("{seq:064}"),
    }
}

async fn add_users(store: &dyn Store, ids: &[&str]) {
    for id in ids {
        store.create_user(&user(id, &format!("user-{id}"))).await.expect("create user");
    }
}

async fn add_connectors(store: &dyn Store, ids: &[&str]) {
    for id in ids {
        store.create_connector(&connector(id, &format!("db-{id}"))).await.expect("create connector");
    }
}

fn seqs(records: &[AuditRecord]) -> Vec<i64> {
    records.iter().map(|r| r.seq).collect()
}

// ---------------------------------------------------------------------------------------------
// The suite

async fn users_are_created_found_listed_and_updated(store: &dyn Store) {
    assert!(store.users().await.unwrap().is_empty());
    let mut zed = user("u-1", "zed");
    zed.locked_until = Some(1_800_000_000);
    zed.failed_logins = u32::MAX;
    zed.disabled = true;
    store.create_user(&zed).await.unwrap();
    store.create_user(&user("u-2", "amy")).await.unwrap();
    store.create_user(&user("u-3", "Bob")).await.unwrap();

    assert_eq!(store.user("u-1").await.unwrap(), Some(zed.clone()));
    assert_eq!(store.user_by_name("zed").await.unwrap(), Some(zed.clone()));
    assert_eq!(store.user("u-9").await.unwrap(), None);
    assert_eq!(store.user_by_name("ZED").await.unwrap(), None, "names are matched exactly");
    let names: Vec<String> = store.users().await.unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["Bob", "amy", "zed"], "users are listed by name, in byte order");

    // Only the mutable fields change; the name and creation time stay.
    let mut changed = zed.clone();
    changed.username = "renamed".into();
    changed.created_at = 1;
    changed.role = Role::Admin;
    changed.password_hash = "$argon2id$new".into();
    changed.disabled = false;
    changed.failed_logins = 3;
    changed.locked_until = None;
    changed.totp_secret = Some("sealed-secret".into());
    changed.totp_enabled = true;
    changed.recovery_codes = vec!["a".repeat(64), "b".repeat(64)];
    changed.totp_last_step = Some(59_000_000);
    changed.totp_pending = Some("sealed-pending".into());
    store.update_user(&changed).await.unwrap();
    let read = store.user("u-1").await.unwrap().unwrap();
    assert_eq!(read, User { username: "zed".into(), created_at: zed.created_at, ..changed.clone() });

    let missing = store.update_user(&user("u-9", "nobody")).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
}

async fn a_taken_user_name_or_id_is_a_conflict(store: &dyn Store) {
    store.create_user(&user("u-1", "ann")).await.unwrap();
    let same_name = store.create_user(&user("u-2", "ann")).await;
    assert!(matches!(same_name, Err(StoreError::Conflict(_))), "{same_name:?}");
    let same_id = store.create_user(&user("u-1", "other")).await;
    assert!(matches!(same_id, Err(StoreError::Conflict(_))), "{same_id:?}");
    assert_eq!(store.users().await.unwrap().len(), 1, "a refused user is not stored");
    assert_eq!(store.user_by_name("other").await.unwrap(), None);
}

async fn sessions_are_touched_and_revoked(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    for (id, owner) in [("s-1", "a"), ("s-2", "a"), ("s-3", "a"), ("s-4", "b")] {
        store.create_session(&session(id, owner, 100)).await.unwrap();
    }
    assert_eq!(store.session("s-1").await.unwrap(), Some(session("s-1", "a", 100)));
    assert_eq!(store.session("s-9").await.unwrap(), None);

    store.touch_session("s-1", 150).await.unwrap();
    assert_eq!(store.session("s-1").await.unwrap().unwrap().last_seen, 150);
    store.touch_session("s-1", 120).await.unwrap();
    assert_eq!(store.session("s-1").await.unwrap().unwrap().last_seen, 150, "a late request never moves it back");
    store.touch_session("s-9", 150).await.unwrap();
    assert_eq!(store.session("s-9").await.unwrap(), None, "touching an unknown session creates nothing");

    store.revoke_session("s-2").await.unwrap();
    assert!(store.session("s-2").await.unwrap().unwrap().revoked);
    store.revoke_session("s-9").await.unwrap();

    assert_eq!(store.revoke_sessions_of("a").await.unwrap(), 2, "only live sessions are counted");
    assert_eq!(store.revoke_sessions_of("a").await.unwrap(), 0);
    assert_eq!(store.revoke_sessions_of("nobody").await.unwrap(), 0);
    for id in ["s-1", "s-2", "s-3"] {
        assert!(store.session(id).await.unwrap().unwrap().revoked, "{id}");
    }
    assert!(!store.session("s-4").await.unwrap().unwrap().revoked, "another user's session stays");
}

async fn a_session_needs_a_user_and_a_free_id(store: &dyn Store) {
    add_users(store, &["a"]).await;
    let orphan = store.create_session(&session("s-1", "nobody", 100)).await;
    assert!(matches!(orphan, Err(StoreError::Conflict(_))), "{orphan:?}");
    assert_eq!(store.session("s-1").await.unwrap(), None);
    store.create_session(&session("s-1", "a", 100)).await.unwrap();
    let again = store.create_session(&session("s-1", "a", 200)).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    assert_eq!(store.session("s-1").await.unwrap().unwrap().last_seen, 100);
}

async fn api_keys_are_listed_per_user_and_revoked(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    let mut never = api_key("k-c", "a", 200);
    never.expires_at = None;
    for key in [api_key("k-b", "a", 300), never.clone(), api_key("k-a", "a", 200), api_key("k-d", "b", 100)] {
        store.create_api_key(&key).await.unwrap();
    }
    assert_eq!(store.api_key("k-c").await.unwrap(), Some(never), "every field, the hash included, reads back");
    assert_eq!(store.api_key("k-z").await.unwrap(), None);
    let ids: Vec<String> = store.api_keys_of("a").await.unwrap().into_iter().map(|k| k.id).collect();
    assert_eq!(ids, ["k-a", "k-c", "k-b"], "by creation time, then id");
    assert!(store.api_keys_of("nobody").await.unwrap().is_empty());

    store.revoke_api_key("k-b").await.unwrap();
    store.revoke_api_key("k-z").await.unwrap();
    assert!(store.api_key("k-b").await.unwrap().unwrap().revoked);
    assert!(!store.api_key("k-a").await.unwrap().unwrap().revoked);

    let orphan = store.create_api_key(&api_key("k-e", "nobody", 1)).await;
    assert!(matches!(orphan, Err(StoreError::Conflict(_))), "{orphan:?}");
    let taken = store.create_api_key(&api_key("k-a", "b", 1)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(store.api_key("k-a").await.unwrap().unwrap().user_id, "a");

    // All of a user's keys at once (a password reset): only the live ones are counted.
    assert_eq!(store.revoke_api_keys_of("a").await.unwrap(), 2, "k-a and k-c; k-b was revoked before");
    assert_eq!(store.revoke_api_keys_of("a").await.unwrap(), 0);
    assert_eq!(store.revoke_api_keys_of("nobody").await.unwrap(), 0);
    for id in ["k-a", "k-b", "k-c"] {
        assert!(store.api_key(id).await.unwrap().unwrap().revoked, "{id}");
    }
    assert!(!store.api_key("k-d").await.unwrap().unwrap().revoked, "another user's key stays");
}

async fn connectors_are_named_uniquely_and_updated(store: &dyn Store) {
    let mut big = connector("c-1", "sales");
    big.max_rows = u64::from(u32::MAX) * 4;
    big.max_bytes = 1 << 40;
    big.production = true;
    store.create_connector(&big).await.unwrap();
    store.create_connector(&connector("c-2", "hr")).await.unwrap();
    store.create_connector(&connector("c-3", "Audit")).await.unwrap();

    assert_eq!(store.connector("c-1").await.unwrap(), Some(big.clone()));
    assert_eq!(store.connector_by_name("sales").await.unwrap(), Some(big.clone()));
    assert_eq!(store.connector("c-9").await.unwrap(), None);
    assert_eq!(store.connector_by_name("SALES").await.unwrap(), None);
    let names: Vec<String> = store.connectors().await.unwrap().into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["Audit", "hr", "sales"]);

    let taken = store.create_connector(&connector("c-4", "hr")).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    assert_eq!(store.connector("c-4").await.unwrap(), None);

    let mut renamed = big.clone();
    renamed.name = "sales-eu".into();
    renamed.engine = "mysql".into();
    renamed.display = "eu:3306/sales".into();
    renamed.sealed_url = "AQAAAAEnew".into();
    renamed.production = false;
    renamed.max_rows = 5;
    renamed.max_bytes = 2048;
    renamed.llm = ConnectorLlm::Local;
    renamed.rows_to_llm = true;
    renamed.created_at = 1;
    store.update_connector(&renamed).await.unwrap();
    let read = store.connector("c-1").await.unwrap().unwrap();
    assert_eq!(read, ConnectorRecord { created_at: big.created_at, ..renamed.clone() }, "all but the creation time");
    assert_eq!(store.connector_by_name("sales").await.unwrap(), None);

    let mut clash = renamed.clone();
    clash.name = "hr".into();
    let refused = store.update_connector(&clash).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.connector("c-1").await.unwrap().unwrap().name, "sales-eu");

    let missing = store.update_connector(&connector("c-9", "nowhere")).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
}

async fn a_connectors_llm_settings_are_kept_and_changed(store: &dyn Store) {
    store.create_connector(&connector("c-1", "plain")).await.unwrap();
    let private = ConnectorRecord { llm: ConnectorLlm::Local, rows_to_llm: true, ..connector("c-2", "private") };
    store.create_connector(&private).await.unwrap();
    let settings = |c: &ConnectorRecord| (c.llm, c.rows_to_llm);
    let plain = store.connector("c-1").await.unwrap().unwrap();
    assert_eq!(settings(&plain), (ConnectorLlm::Default, false));
    assert_eq!(store.connector_by_name("private").await.unwrap(), Some(private.clone()));
    let listed: Vec<_> = store.connectors().await.unwrap().iter().map(settings).collect();
    assert_eq!(listed, [(ConnectorLlm::Default, false), (ConnectorLlm::Local, true)], "listed by name");

    // Each setting changes on its own, both ways.
    store.update_connector(&ConnectorRecord { llm: ConnectorLlm::Local, ..plain.clone() }).await.unwrap();
    assert_eq!(settings(&store.connector("c-1").await.unwrap().unwrap()), (ConnectorLlm::Local, false));
    store.update_connector(&ConnectorRecord { rows_to_llm: true, ..plain.clone() }).await.unwrap();
    assert_eq!(settings(&store.connector("c-1").await.unwrap().unwrap()), (ConnectorLlm::Default, true));
    store
        .update_connector(&ConnectorRecord { llm: ConnectorLlm::Default, rows_to_llm: false, ..private })
        .await
        .unwrap();
    assert_eq!(settings(&store.connector("c-2").await.unwrap().unwrap()), (ConnectorLlm::Default, false));
}

async fn deleting_a_connector_deletes_its_grants(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    add_connectors(store, &["c-1", "c-2"]).await;
    store.set_grants("a", &["c-1".into(), "c-2".into()]).await.unwrap();
    store.set_grants("b", &["c-1".into()]).await.unwrap();

    store.delete_connector("c-1").await.unwrap();
    assert_eq!(store.connector("c-1").await.unwrap(), None);
    assert_eq!(store.grants_of("a").await.unwrap(), ["c-2"]);
    assert!(store.grants_of("b").await.unwrap().is_empty());
    assert!(store.connector("c-2").await.unwrap().is_some());

    let again = store.delete_connector("c-1").await;
    assert!(matches!(again, Err(StoreError::NotFound(_))), "{again:?}");
    assert_eq!(store.grants_of("a").await.unwrap(), ["c-2"], "a refused delete changes nothing");
    // The name is free again.
    store.create_connector(&connector("c-3", "db-c-1")).await.unwrap();
}

async fn grants_are_replaced_whole(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    add_connectors(store, &["c-b", "c-a", "c-c"]).await;
    assert!(store.grants_of("a").await.unwrap().is_empty());

    store.set_grants("a", &["c-b".into(), "c-a".into(), "c-b".into()]).await.unwrap();
    assert_eq!(store.grants_of("a").await.unwrap(), ["c-a", "c-b"], "deduplicated, by id");
    store.set_grants("b", &["c-c".into()]).await.unwrap();
    store.set_grants("a", &["c-c".into()]).await.unwrap();
    assert_eq!(store.grants_of("a").await.unwrap(), ["c-c"]);
    assert_eq!(store.grants_of("b").await.unwrap(), ["c-c"], "another user's grants stay");

    let unknown = store.set_grants("a", &["c-a".into(), "c-9".into()]).await;
    assert!(matches!(unknown, Err(StoreError::NotFound(_))), "{unknown:?}");
    assert_eq!(store.grants_of("a").await.unwrap(), ["c-c"], "a refused replacement changes nothing");
    let nobody = store.set_grants("nobody", &["c-a".into()]).await;
    assert!(matches!(nobody, Err(StoreError::NotFound(_))), "{nobody:?}");
    assert!(store.grants_of("nobody").await.unwrap().is_empty());

    store.set_grants("a", &[]).await.unwrap();
    assert!(store.grants_of("a").await.unwrap().is_empty());
    assert_eq!(store.grants_of("b").await.unwrap(), ["c-c"]);
}

async fn grants_never_outlive_their_connector(store: &dyn Store) {
    // Grants set while their connectors are deleted: whichever wins, no grant may name a connector
    // that is gone (SQLite's foreign key; MongoDB's transactions, which collide and are retried).
    let users = ["a", "b", "c"];
    let ids: Vec<String> = (0..6).map(|i| format!("c-{i}")).collect();
    add_users(store, &users).await;
    add_connectors(store, &ids.iter().map(String::as_str).collect::<Vec<_>>()).await;
    let grants = users.iter().map(|u| store.set_grants(u, &ids));
    let deletes = ids.iter().skip(1).step_by(2).map(|id| store.delete_connector(id));
    let (granted, deleted) =
        futures_util::future::join(futures_util::future::join_all(grants), futures_util::future::join_all(deletes))
            .await;
    for outcome in granted {
        assert!(matches!(outcome, Ok(()) | Err(StoreError::NotFound(_))), "{outcome:?}");
    }
    assert!(deleted.iter().all(Result::is_ok), "{deleted:?}");
    for user in users {
        for id in store.grants_of(user).await.unwrap() {
            assert!(store.connector(&id).await.unwrap().is_some(), "{user} keeps a grant of deleted {id}");
        }
    }
    let kept: Vec<String> = store.connectors().await.unwrap().into_iter().map(|c| c.id).collect();
    assert_eq!(kept, ["c-0", "c-2", "c-4"]);
}

async fn the_audit_chain_appends_once_per_seq_and_pages_forward(store: &dyn Store) {
    assert_eq!(store.last_audit().await.unwrap(), None);
    assert!(store.audit_after(0, 10).await.unwrap().is_empty());
    for seq in 1..=5 {
        store
            .append_audits(std::slice::from_ref(&record(seq, &format!("2026-11-0{seq}T00:00:00.000Z"))))
            .await
            .unwrap();
    }
    let mut forged = record(3, "2026-12-01T00:00:00.000Z");
    forged.hash = "f".repeat(64);
    let refused = store.append_audits(std::slice::from_ref(&forged)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(_))), "{refused:?}");
    assert_eq!(store.audit_after(2, 1).await.unwrap(), [record(3, "2026-11-03T00:00:00.000Z")], "never overwritten");
    // A batch with one taken number is refused whole: none of it is written.
    let batch = [record(6, "2026-11-06T00:00:00.000Z"), record(5, "2026-11-07T00:00:00.000Z")];
    assert!(matches!(store.append_audits(&batch).await, Err(StoreError::Conflict(_))));
    assert_eq!(store.last_audit().await.unwrap().map(|r| r.seq), Some(5), "half a batch was written");
    store.append_audits(&[]).await.unwrap();

    assert_eq!(store.last_audit().await.unwrap(), Some(record(5, "2026-11-05T00:00:00.000Z")));
    assert_eq!(seqs(&store.audit_after(0, 2).await.unwrap()), [1, 2]);
    assert_eq!(seqs(&store.audit_after(2, 2).await.unwrap()), [3, 4]);
    assert_eq!(seqs(&store.audit_after(4, 10).await.unwrap()), [5]);
    assert!(store.audit_after(5, 10).await.unwrap().is_empty());
    assert!(store.audit_after(0, 0).await.unwrap().is_empty(), "a limit of 0 is no records, not all");
    assert_eq!(seqs(&store.audit_after(-7, u64::MAX).await.unwrap()), [1, 2, 3, 4, 5]);

    // Retention deletes from the start, through a sequence number, and counts what went.
    assert_eq!(store.delete_audit_through(2).await.unwrap(), 2);
    assert_eq!(seqs(&store.audit_after(0, 10).await.unwrap()), [3, 4, 5]);
    assert_eq!(store.delete_audit_through(2).await.unwrap(), 0);
    assert_eq!(store.last_audit().await.unwrap().map(|r| r.seq), Some(5));
}

async fn an_audit_record_reads_back_exactly(store: &dyn Store) {
    // The chain's HMAC covers every field: details keep their keys, number forms and escapes.
    let detail: serde_json::Value = serde_json::from_str(
        r#"{"z":1.50,"a":[1e400,12345678901234567890123,-0.0,0.1],"s":"é\n\"q\"\u0000\\","o":{"y":null,"b":true}}"#,
    )
    .unwrap();
    let full = AuditRecord {
        username: Some("ann".into()),
        role: Some("analyst".into()),
        connector: Some("sales".into()),
        question: Some("How many?".into()),
        sql: Some("SELECT 1".into()),
        code: Some("ok".into()),
        tables: vec!["public.orders".into(), "b".into()],
        row_count: Some(u64::from(u32::MAX) + 1),
        truncated: Some(true),
        duration_ms: Some(12),
        detail: detail.clone(),
        ip: Some("::1".into()),
        ..record(1, "2026-11-23T10:04:05.123Z")
    };
    store.append_audits(std::slice::from_ref(&full)).await.unwrap();
    store.append_audits(std::slice::from_ref(&record(2, "2026-11-23T10:04:06.000Z"))).await.unwrap();
    let last = store.last_audit().await.unwrap().unwrap();
    assert_eq!(last, record(2, "2026-11-23T10:04:06.000Z"), "absent fields read back as absent");
    let read = store.audit_after(0, 1).await.unwrap().remove(0);
    assert_eq!(read, full);
    assert_eq!(serde_json::to_string(&read.detail).unwrap(), serde_json::to_string(&detail).unwrap());
    let (found, _) = store.audit(&AuditFilter::default(), 1, 1).await.unwrap();
    assert_eq!(found, [full]);
}

/// Eight records, each field chosen so that every filter and search below picks a known set.
/// Only records 2, 6 and 7 hold `_` and only 4 and 7 hold `%` in a searched field.
async fn add_search_fixture(store: &dyn Store) {
    let mut records = Vec::new();
    let mut r = record(1, "2026-11-01T09:00:00.000Z");
    r.username = Some("ann".into());
    r.connector = Some("sales".into());
    r.question = Some("How many orders?".into());
    r.sql = Some("SELECT count(*) FROM orders".into());
    records.push(r);
    let mut r = record(2, "2026-11-01T23:59:59.999Z");
    r.outcome = "rejected".into();
    r.username = Some("bob".into());
    r.connector = Some("sales".into());
    r.sql = Some("DELETE FROM orders".into());
    r.code = Some("write_in_cte".into());
    records.push(r);
    let mut r = record(3, "2026-11-02T00:00:00.000Z");
    r.kind = "login".into();
    r.username = Some("ann".into());
    records.push(r);
    let mut r = record(4, "2026-11-02T12:00:00.000Z");
    r.username = Some("carl".into());
    r.connector = Some("hr".into());
    r.question = Some("Is 100% of staff paid?".into());
    r.sql = Some("SELECT a FROM pay".into());
    records.push(r);
    let mut r = record(5, "2026-11-03T08:00:00.000Z");
    r.kind = "admin".into();
    r.username = Some("ann".into());
    r.detail = json!({"action": "connector.create", "note": "chars .*+?^$|()[]{}\\ end"});
    records.push(r);
    let mut r = record(6, "2026-11-03T09:00:00.000Z");
    r.kind = "login_failed".into();
    r.outcome = "denied".into();
    r.username = Some("Dora".into());
    r.detail = json!({"reason": "wrong password"});
    records.push(r);
    let mut r = record(7, "2026-11-04T10:00:00.000Z");
    r.outcome = "error".into();
    r.username = Some("bob".into());
    r.connector = Some("hr".into());
    r.sql = Some("SELECT x FROM t WHERE name LIKE 'a%'".into());
    r.code = Some("database_error".into());
    r.detail = json!({"error": "relation does not exist"});
    records.push(r);
    let mut r = record(8, "2026-11-05T00:00:00.000Z");
    r.username = Some("ann".into());
    r.connector = Some("Sales-EU".into());
    r.question = Some("Café revenue, ÉTÉ".into());
    r.sql = Some("SELECT sum(x) FROM revenue".into());
    records.push(r);
    for r in &records {
        store.append_audits(std::slice::from_ref(r)).await.unwrap();
    }
}

/// The sequence numbers `filter` finds (newest first), checked against the total.
async fn search(store: &dyn Store, filter: AuditFilter) -> Vec<i64> {
    let (records, total) = store.audit(&filter, 0, 100).await.unwrap();
    assert_eq!(total, records.len() as u64, "total of {filter:?}");
    seqs(&records)
}

fn q(text: &str) -> AuditFilter {
    AuditFilter { q: Some(text.into()), ..AuditFilter::default() }
}

async fn audit_search_filters_each_narrow(store: &dyn Store) {
    add_search_fixture(store).await;
    assert_eq!(search(store, AuditFilter::default()).await, [8, 7, 6, 5, 4, 3, 2, 1], "newest first");
    let by = |f: fn(&mut AuditFilter)| {
        let mut filter = AuditFilter::default();
        f(&mut filter);
        filter
    };
    assert_eq!(search(store, by(|f| f.user = Some("ann".into()))).await, [8, 5, 3, 1]);
    assert_eq!(search(store, by(|f| f.user = Some("ANN".into()))).await, [0; 0], "exact, not folded");
    assert_eq!(search(store, by(|f| f.user = Some("Dora".into()))).await, [6]);
    assert_eq!(search(store, by(|f| f.connector = Some("sales".into()))).await, [2, 1], "exact, not a substring");
    assert_eq!(search(store, by(|f| f.kind = Some("login".into()))).await, [3]);
    assert_eq!(search(store, by(|f| f.outcome = Some("ok".into()))).await, [8, 5, 4, 3, 1]);
    assert_eq!(search(store, by(|f| f.outcome = Some("".into()))).await, [0; 0]);
    assert_eq!(search(store, by(|f| f.up_to_seq = Some(4))).await, [4, 3, 2, 1]);
    assert_eq!(search(store, by(|f| f.up_to_seq = Some(0))).await, [0; 0]);

    // `from` is inclusive, `to` exclusive; both compare the stored text.
    let midnight = "2026-11-02T00:00:00.000Z";
    assert_eq!(search(store, by(|f| f.from = Some("2026-11-02T00:00:00.000Z".into()))).await, [8, 7, 6, 5, 4, 3]);
    assert_eq!(search(store, by(|f| f.to = Some("2026-11-02T00:00:00.000Z".into()))).await, [2, 1]);
    let window = AuditFilter {
        from: Some(midnight.into()),
        to: Some("2026-11-03T08:00:00.000Z".into()),
        ..AuditFilter::default()
    };
    assert_eq!(search(store, window).await, [4, 3]);
    let day = AuditFilter { from: Some("2026-11-01".into()), to: Some("2026-11-02".into()), ..AuditFilter::default() };
    assert_eq!(search(store, day).await, [2, 1], "a bare date sorts before that day's times");
    let empty = AuditFilter { from: Some("2026-11-04".into()), to: Some("2026-11-04".into()), ..Default::default() };
    assert_eq!(search(store, empty).await, [0; 0]);

    // Every filter narrows: they combine with AND.
    let combined = AuditFilter {
        q: Some("sales".into()),
        outcome: Some("ok".into()),
        from: Some("2026-11-01T12:00:00.000Z".into()),
        ..AuditFilter::default()
    };
    assert_eq!(search(store, combined).await, [8]);
    let combined = AuditFilter { user: Some("ann".into()), up_to_seq: Some(4), ..AuditFilter::default() };
    assert_eq!(search(store, combined).await, [3, 1]);
    let combined = AuditFilter {
        user: Some("bob".into()),
        connector: Some("hr".into()),
        kind: Some("query".into()),
        outcome: Some("error".into()),
        ..AuditFilter::default()
    };
    assert_eq!(search(store, combined).await, [7]);
}

async fn audit_search_q_is_a_literal_substring(store: &dyn Store) {
    add_search_fixture(store).await;
    let cases: &[(&str, &[i64])] = &[
        ("", &[8, 7, 6, 5, 4, 3, 2, 1]),
        // Case-insensitive, in each searched field.
        ("ORDERS", &[2, 1]),
        ("how MANY", &[1]),
        ("write_in", &[2]),
        ("dora", &[6]),
        ("SALES", &[8, 2, 1]),
        ("LOGIN", &[6, 3]),
        ("WRONG PASS", &[6]),
        ("action", &[5]),
        // LIKE's wildcards are plain characters.
        ("%", &[7, 4]),
        ("_", &[7, 6, 2]),
        ("a%'", &[7]),
        ("100%", &[4]),
        // So are a regular expression's.
        (".*", &[5]),
        ("(", &[8, 5, 1]),
        ("count(*)", &[1]),
        ("[]", &[5]),
        ("$|(", &[5]),
        ("+?^", &[5]),
        ("{}", &[8, 5, 4, 3, 2, 1]),
        ("\\", &[5]),
        (".", &[5]),
        ("^how", &[0; 0]),
        ("s$", &[0; 0]),
        ("a.c", &[0; 0]),
        // Case folds ASCII letters only, as SQLite's LIKE does.
        ("café", &[8]),
        ("CAFé", &[8]),
        ("été", &[0; 0]),
        ("ÉTÉ", &[8]),
        ("no such text", &[0; 0]),
    ];
    for (text, want) in cases {
        assert_eq!(search(store, q(text)).await, *want, "q = {text:?}");
    }
}

async fn audit_search_pages_and_counts(store: &dyn Store) {
    add_search_fixture(store).await;
    let all = AuditFilter::default();
    let page = |offset: u64, limit: u64| {
        let all = all.clone();
        async move {
            let (records, total) = store.audit(&all, offset, limit).await.unwrap();
            (seqs(&records), total)
        }
    };
    assert_eq!(page(0, 3).await, (vec![8, 7, 6], 8));
    assert_eq!(page(3, 3).await, (vec![5, 4, 3], 8));
    assert_eq!(page(6, 3).await, (vec![2, 1], 8));
    assert_eq!(page(8, 3).await, (vec![], 8));
    assert_eq!(page(u64::MAX, 3).await, (vec![], 8));
    assert_eq!(page(0, 0).await, (vec![], 8), "a limit of 0 is no records, with the total");
    assert_eq!(page(1, u64::MAX).await, (vec![7, 6, 5, 4, 3, 2, 1], 8));

    let ann = AuditFilter { user: Some("ann".into()), ..AuditFilter::default() };
    let (records, total) = store.audit(&ann, 1, 2).await.unwrap();
    assert_eq!((seqs(&records), total), (vec![5, 3], 4), "the total counts the filtered records");
    let (records, total) = store.audit(&q("_"), 2, 5).await.unwrap();
    assert_eq!((seqs(&records), total), (vec![2], 3));
    let snapshot = AuditFilter { up_to_seq: Some(6), ..AuditFilter::default() };
    store.append_audits(std::slice::from_ref(&record(9, "2026-11-06T00:00:00.000Z"))).await.unwrap();
    let (records, total) = store.audit(&snapshot, 0, 2).await.unwrap();
    assert_eq!((seqs(&records), total), (vec![6, 5], 6), "a later record does not shift a snapshot's pages");
}

// ---------------------------------------------------------------------------------------------
// The two stores under test

/// A SQLCipher store in its own temporary directory, removed afterwards.
struct Embedded {
    store: SqlcipherStore,
    dir: PathBuf,
}

impl Embedded {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("sqlgate-conformance-{}", uuid::Uuid::new_v4().simple()));
        let store = SqlcipherStore::open(&dir.join("store.db"), &Zeroizing::new([7; 32])).expect("open SQLCipher");
        Embedded { store, dir }
    }
}

impl Drop for Embedded {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A MongoDB store in its own database on the test server.
struct Scaled {
    store: MongoStore,
}

impl Scaled {
    /// `None` (the test skips, saying why) only when no server listens and SecantusDB is not
    /// installed; a server that is installed but does not come up fails the test.
    fn new() -> Option<Self> {
        if let Err(why) = secantusd::ensure() {
            eprintln!("SKIPPED: the MongoDB store tests need a MongoDB-wire server at {}: {why}", secantusd::ADDRESS);
            return None;
        }
        let database = format!("sqlgate_conformance_{}", uuid::Uuid::new_v4().simple());
        let url = format!("mongodb://{}/?serverSelectionTimeoutMS=60000", secantusd::ADDRESS);
        let store = MongoStore::connect(&url, &database).unwrap_or_else(|e| {
            panic!("cannot reach the MongoDB-wire server at {} ({e}); its log: {}", url, secantusd::log().display())
        });
        Some(Scaled { store })
    }
}

/// Each suite function becomes a test per store, named after it in `sqlcipher::` and `mongo::`.
async fn usage_adds_up_per_user_and_month(store: &dyn Store) {
    add_users(store, &["u-1", "u-2"]).await;
    store.add_usage("u-1", "2026-11", 120, 3000).await.unwrap();
    store.add_usage("u-1", "2026-11", 30, 500).await.unwrap();
    store.add_usage("u-2", "2026-11", 7, 100).await.unwrap();
    store.add_usage("u-1", "2026-10", 999, 1).await.unwrap();
    let november = store.usage("2026-11").await.unwrap();
    assert_eq!(
        november,
        [
            Usage { user_id: "u-1".into(), month: "2026-11".into(), cents: 150, tokens: 3500 },
            Usage { user_id: "u-2".into(), month: "2026-11".into(), cents: 7, tokens: 100 },
        ]
    );
    assert!(store.usage("2026-12").await.unwrap().is_empty());
    let missing = store.add_usage("u-9", "2026-11", 1, 1).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    // The cap lives on the user.
    let mut u = store.user("u-1").await.unwrap().unwrap();
    u.monthly_cap_cents = Some(5_000);
    store.update_user(&u).await.unwrap();
    assert_eq!(store.user("u-1").await.unwrap().unwrap().monthly_cap_cents, Some(5_000));
}

fn entry(id: &str, connector: Option<&str>, at: i64) -> MemoryEntry {
    MemoryEntry {
        id: id.into(),
        connector_id: connector.map(Into::into),
        kind: "synonym".into(),
        key: format!("key {id}"),
        value: "orders.total_amount".into(),
        created_by: "admin".into(),
        created_at: at,
    }
}

async fn memory_entries_are_kept_changed_and_go_with_their_connector(store: &dyn Store) {
    add_connectors(store, &["c-1"]).await;
    store.create_memory(&entry("m-2", Some("c-1"), 20)).await.unwrap();
    store.create_memory(&entry("m-1", None, 10)).await.unwrap();
    let missing = store.create_memory(&entry("m-3", Some("c-9"), 30)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert_eq!(store.memory().await.unwrap(), [entry("m-1", None, 10), entry("m-2", Some("c-1"), 20)]);
    let changed = MemoryEntry { kind: "example".into(), value: "SELECT 1".into(), ..entry("m-1", Some("c-1"), 10) };
    store.update_memory(&changed).await.unwrap();
    assert_eq!(store.memory().await.unwrap()[0], changed);
    assert!(matches!(store.update_memory(&entry("m-9", None, 1)).await, Err(StoreError::NotFound(_))));
    store.delete_memory("m-1").await.unwrap();
    assert!(matches!(store.delete_memory("m-1").await, Err(StoreError::NotFound(_))));
    // Deleting the connector deletes its entries.
    store.delete_connector("c-1").await.unwrap();
    assert!(store.memory().await.unwrap().is_empty());
}

fn report(id: &str, owner: &str, connector: &str, at: i64) -> Report {
    Report {
        id: id.into(),
        name: format!("report {id}"),
        owner_id: owner.into(),
        connector_id: connector.into(),
        question: (id != "r-sql").then(|| format!("question of {id}")),
        sql: format!("SELECT '{id}' AS id"),
        created_at: at,
        updated_at: at,
        shared_with: Vec::new(),
        refresh_minutes: None,
        next_refresh_at: None,
        last_refresh: None,
    }
}

fn ids(reports: &[Report]) -> Vec<&str> {
    reports.iter().map(|r| r.id.as_str()).collect()
}

async fn reports_are_kept_listed_to_owner_and_sharees_and_deleted(store: &dyn Store) {
    add_users(store, &["a", "b", "c"]).await;
    add_connectors(store, &["c-1"]).await;
    let mut shared = report("r-2", "a", "c-1", 20);
    shared.shared_with = vec!["c".into(), "b".into(), "c".into()];
    store.create_report(&shared).await.unwrap();
    store.create_report(&report("r-1", "a", "c-1", 10)).await.unwrap();
    store.create_report(&report("r-sql", "b", "c-1", 30)).await.unwrap();
    // Read back exactly, the share list sorted and without repeats.
    let read = store.report("r-2").await.unwrap().expect("r-2 reads");
    assert_eq!(read, Report { shared_with: vec!["b".into(), "c".into()], ..shared.clone() });
    assert_eq!(store.report("r-sql").await.unwrap().unwrap().question, None);
    assert_eq!(store.report("r-9").await.unwrap(), None);
    // Each user sees what they own and what is shared with them, oldest first.
    assert_eq!(ids(&store.reports_visible_to("a").await.unwrap()), ["r-1", "r-2"]);
    assert_eq!(ids(&store.reports_visible_to("b").await.unwrap()), ["r-2", "r-sql"]);
    assert_eq!(ids(&store.reports_visible_to("c").await.unwrap()), ["r-2"]);
    assert!(store.reports_visible_to("nobody").await.unwrap().is_empty());
    // The share list is replaced whole.
    store.share_report("r-2", &["c".into()], 99).await.unwrap();
    let read = store.report("r-2").await.unwrap().unwrap();
    assert_eq!((read.shared_with.clone(), read.updated_at, read.created_at), (vec!["c".to_owned()], 99, 20));
    assert_eq!(ids(&store.reports_visible_to("b").await.unwrap()), ["r-sql"]);
    // Unknown reports, users and connectors are refused and change nothing.
    let missing = store.share_report("r-9", &[], 1).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let missing = store.share_report("r-2", &["b".into(), "u-9".into()], 100).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert_eq!(store.report("r-2").await.unwrap().unwrap(), read, "a refused share changes nothing");
    let missing = store.create_report(&report("r-3", "u-9", "c-1", 1)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let missing = store.create_report(&report("r-3", "a", "c-9", 1)).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    let mut to_nobody = report("r-3", "a", "c-1", 1);
    to_nobody.shared_with = vec!["u-9".into()];
    let missing = store.create_report(&to_nobody).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert_eq!(store.report("r-3").await.unwrap(), None, "a refused create leaves nothing");
    let taken = store.create_report(&report("r-1", "a", "c-1", 1)).await;
    assert!(matches!(taken, Err(StoreError::Conflict(_))), "{taken:?}");
    // Deleting.
    store.delete_report("r-2").await.unwrap();
    assert_eq!(store.report("r-2").await.unwrap(), None);
    assert!(store.reports_visible_to("c").await.unwrap().is_empty());
    assert!(matches!(store.delete_report("r-2").await, Err(StoreError::NotFound(_))));
    assert_eq!(ids(&store.reports_visible_to("a").await.unwrap()), ["r-1"]);
}

async fn reports_go_with_their_connector(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    add_connectors(store, &["c-1", "c-2"]).await;
    let mut gone = report("r-1", "a", "c-1", 10);
    gone.shared_with = vec!["b".into()];
    store.create_report(&gone).await.unwrap();
    store.create_report(&report("r-2", "a", "c-2", 20)).await.unwrap();
    store.delete_connector("c-1").await.unwrap();
    assert_eq!(store.report("r-1").await.unwrap(), None);
    assert_eq!(ids(&store.reports_visible_to("a").await.unwrap()), ["r-2"]);
    assert!(store.reports_visible_to("b").await.unwrap().is_empty());
}

async fn report_refreshes_are_scheduled_claimed_once_and_kept(store: &dyn Store) {
    add_users(store, &["a", "b"]).await;
    add_connectors(store, &["c-1"]).await;
    for id in ["r-1", "r-2", "r-3"] {
        store.create_report(&report(id, "a", "c-1", 10)).await.unwrap();
    }
    assert_eq!(store.claim_due_report(1_000).await.unwrap(), None, "nothing is scheduled");
    // r-2 every 15 minutes, due at 500; r-1 every hour, due at 400; r-3 due only later.
    store.schedule_report("r-2", Some((15, 500)), 50).await.unwrap();
    store.schedule_report("r-1", Some((60, 400)), 51).await.unwrap();
    store.schedule_report("r-3", Some((30, 5_000)), 52).await.unwrap();
    let read = store.report("r-2").await.unwrap().unwrap();
    assert_eq!((read.refresh_minutes, read.next_refresh_at, read.updated_at), (Some(15), Some(500), 50));
    assert_eq!(store.claim_due_report(399).await.unwrap(), None, "nothing is due yet");
    // The one due longest first, moved one period past the claim; each claimed once.
    let first = store.claim_due_report(1_000).await.unwrap().expect("r-1 is due");
    assert_eq!((first.id.as_str(), first.next_refresh_at), ("r-1", Some(1_000 + 3_600)));
    let second = store.claim_due_report(1_000).await.unwrap().expect("r-2 is due");
    assert_eq!((second.id.as_str(), second.next_refresh_at), ("r-2", Some(1_000 + 900)));
    assert_eq!(store.claim_due_report(1_000).await.unwrap(), None, "each due report is claimed once");
    assert_eq!(store.report("r-1").await.unwrap().unwrap().next_refresh_at, Some(4_600), "the claim is kept");
    // The last refresh is kept, and replaced by the next.
    let refresh = Refresh {
        at: 1_000,
        outcome: "ok".into(),
        message: None,
        answer: Some(serde_json::json!({"columns": [{"name": "n"}], "rows": [[1, "<b>", null]], "row_count": 1})),
    };
    store.record_refresh("r-1", &refresh).await.unwrap();
    assert_eq!(store.report("r-1").await.unwrap().unwrap().last_refresh, Some(refresh.clone()));
    let failed = Refresh { at: 4_600, outcome: "error".into(), message: Some("down".into()), answer: None };
    store.record_refresh("r-1", &failed).await.unwrap();
    let read = store.report("r-1").await.unwrap().unwrap();
    assert_eq!(read.last_refresh, Some(failed));
    assert_eq!(store.reports_visible_to("a").await.unwrap()[0], read, "the list reads the same report");
    // Stopping the schedule: never claimed again; the last refresh stays.
    store.schedule_report("r-1", None, 60).await.unwrap();
    let read = store.report("r-1").await.unwrap().unwrap();
    assert_eq!((read.refresh_minutes, read.next_refresh_at), (None, None));
    assert!(read.last_refresh.is_some());
    assert_eq!(store.claim_due_report(1_000_000).await.unwrap().map(|r| r.id), Some("r-2".into()));
    assert_eq!(store.claim_due_report(1_000_000).await.unwrap().map(|r| r.id), Some("r-3".into()));
    assert_eq!(store.claim_due_report(1_000_000).await.unwrap(), None);
    assert!(matches!(store.schedule_report("r-9", Some((15, 1)), 1).await, Err(StoreError::NotFound(_))));
    // Claims racing for one due report: exactly one wins.
    store.schedule_report("r-3", None, 70).await.unwrap();
    store.schedule_report("r-2", Some((15, 2_000_000)), 70).await.unwrap();
    let claims = futures_util::future::join_all((0..8).map(|_| store.claim_due_report(2_000_000))).await;
    let won: Vec<String> = claims.into_iter().filter_map(|c| c.unwrap().map(|r| r.id)).collect();
    assert_eq!(won, ["r-2"], "concurrent claims of one due report");
    // A refresh that lands after its report was deleted is dropped without an error.
    store.delete_report("r-3").await.unwrap();
    store.record_refresh("r-3", &refresh).await.unwrap();
    assert_eq!(store.report("r-3").await.unwrap(), None);
}

macro_rules! conformance {
    ($($test:ident),* $(,)?) => {
        mod sqlcipher {
            $(
                #[tokio::test]
                async fn $test() {
                    let store = super::Embedded::new();
                    super::$test(&store.store).await;
                }
            )*
        }

        mod mongo {
            $(
                #[tokio::test]
                async fn $test() {
                    let Some(store) = super::Scaled::new() else { return };
                    super::$test(&store.store).await;
                    store.store.drop_database().await.expect("drop the test database");
                }
            )*
        }
    };
}

conformance!(
    users_are_created_found_listed_and_updated,
    a_taken_user_name_or_id_is_a_conflict,
    sessions_are_touched_and_revoked,
    a_session_needs_a_user_and_a_free_id,
    api_keys_are_listed_per_user_and_revoked,
    connectors_are_named_uniquely_and_updated,
    a_connectors_llm_settings_are_kept_and_changed,
    deleting_a_connector_deletes_its_grants,
    grants_are_replaced_whole,
    grants_never_outlive_their_connector,
    the_audit_chain_appends_once_per_seq_and_pages_forward,
    an_audit_record_reads_back_exactly,
    audit_search_filters_each_narrow,
    audit_search_q_is_a_literal_substring,
    audit_search_pages_and_counts,
    usage_adds_up_per_user_and_month,
    memory_entries_are_kept_changed_and_go_with_their_connector,
    reports_are_kept_listed_to_owner_and_sharees_and_deleted,
    reports_go_with_their_connector,
    report_refreshes_are_scheduled_claimed_once_and_kept,
);

#[test]
fn the_fixture_is_what_the_search_cases_assume() {
    // `_` and `%` must appear only where the cases say, or the wildcard cases prove nothing.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = Embedded::new();
    rt.block_on(add_search_fixture(&store.store));
    let (records, _) = rt.block_on(store.store.audit(&AuditFilter::default(), 0, 100)).unwrap();
    let holding = |c: char| -> BTreeSet<i64> {
        records
            .iter()
            .filter(|r| {
                let detail = r.detail.to_string();
                let searched = [r.question.as_deref(), r.sql.as_deref(), r.username.as_deref(), r.connector.as_deref()]
                    .into_iter()
                    .chain([r.code.as_deref(), Some(r.kind.as_str()), Some(detail.as_str())])
                    .flatten()
                    .any(|field| field.contains(c));
                searched
            })
            .map(|r| r.seq)
            .collect()
    };
    assert_eq!(holding('_'), BTreeSet::from([2, 6, 7]));
    assert_eq!(holding('%'), BTreeSet::from([4, 7]));
}

/// A store holding a connector, a user with a second factor and two audit records.
async fn before_rotation(store: &dyn Store) -> Rotation {
    add_connectors(store, &["c-1"]).await;
    let mut u = user("u-1", "uma");
    u.totp_secret = Some("old-sealed-totp".into());
    u.totp_pending = Some("old-sealed-pending".into());
    store.create_user(&u).await.unwrap();
    store.append_audits(std::slice::from_ref(&record(1, "2026-11-01T00:00:00.000Z"))).await.unwrap();
    store.append_audits(std::slice::from_ref(&record(2, "2026-11-02T00:00:00.000Z"))).await.unwrap();
    Rotation {
        connectors: vec![("c-1".into(), "new-sealed-url".into())],
        totp: vec![("u-1".into(), "new-sealed-totp".into())],
        totp_pending: vec![("u-1".into(), "new-sealed-pending".into())],
        audit: vec![(1, "0".repeat(64), "a".repeat(64)), (2, "a".repeat(64), "b".repeat(64))],
    }
}

async fn after_rotation(store: &dyn Store) {
    assert_eq!(store.connector("c-1").await.unwrap().unwrap().sealed_url, "new-sealed-url");
    let uma = store.user("u-1").await.unwrap().unwrap();
    assert_eq!(uma.totp_secret.as_deref(), Some("new-sealed-totp"));
    assert_eq!(uma.totp_pending.as_deref(), Some("new-sealed-pending"));
    let chain: Vec<(i64, String, String)> =
        store.audit_after(0, 10).await.unwrap().into_iter().map(|r| (r.seq, r.prev_hash, r.hash)).collect();
    assert_eq!(chain, [(1, "0".repeat(64), "a".repeat(64)), (2, "a".repeat(64), "b".repeat(64))]);
}

#[tokio::test]
async fn sqlcipher_rotation_replaces_everything_and_re_encrypts() {
    let embedded = Embedded::new();
    let rotation = before_rotation(&embedded.store).await;
    let new_key = Zeroizing::new([9; 32]);
    embedded.store.rotate(&rotation, &new_key).await.unwrap();
    let path = embedded.dir.join("store.db");
    assert!(SqlcipherStore::open(&path, &Zeroizing::new([7; 32])).is_err(), "the old key still opens the store");
    let reopened = SqlcipherStore::open(&path, &new_key).unwrap();
    after_rotation(&reopened).await;
    assert!(!embedded.dir.join("store.db.rotating").exists());
}

#[tokio::test]
async fn mongo_rotation_replaces_everything() {
    let Some(scaled) = Scaled::new() else { return };
    let rotation = before_rotation(&scaled.store).await;
    scaled.store.rotate(&rotation, &Zeroizing::new([9; 32])).await.unwrap();
    after_rotation(&scaled.store).await;
    scaled.store.drop_database().await.expect("drop the test database");
}

/// A connector written before the `llm` and `rows_to_llm` settings existed reads as the
/// deployment's provider with no rows sent, and takes the settings from then on.
async fn an_older_connector_reads_as_default(store: &dyn Store) {
    let old = store.connector("c-old").await.unwrap().expect("the older connector reads");
    assert_eq!((old.name.as_str(), old.llm, old.rows_to_llm), ("legacy", ConnectorLlm::Default, false));
    assert_eq!(old.max_rows, 7, "its other fields are intact");
    store.update_connector(&ConnectorRecord { llm: ConnectorLlm::Local, rows_to_llm: true, ..old }).await.unwrap();
    let changed = store.connector("c-old").await.unwrap().unwrap();
    assert_eq!((changed.llm, changed.rows_to_llm), (ConnectorLlm::Local, true));
}

#[tokio::test]
async fn sqlcipher_upgrade_reads_connectors_from_before_the_llm_settings_as_default() {
    let dir = std::env::temp_dir().join(format!("sqlgate-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    let key = Zeroizing::new([7; 32]);
    // The store as the release before the settings left it: five migrations, a connector.
    let old = super::sqlcipher::create_at_version(&path, &key, 5);
    old.execute_batch(
        "INSERT INTO connectors (id, name, engine, display, sealed_url, production, max_rows, max_bytes, created_at)
         VALUES ('c-old', 'legacy', 'postgres', 'db:5432/legacy', 'AQAAAAEold', 0, 7, 4096, 1700000000);",
    )
    .unwrap();
    let columns: Vec<String> = old
        .prepare("SELECT name FROM pragma_table_info('connectors')")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !columns.iter().any(|c| c == "llm" || c == "rows_to_llm"),
        "the fixture is not the old schema: {columns:?}"
    );
    drop(old);
    let store = SqlcipherStore::open(&path, &key).expect("the upgrade opens the old store");
    an_older_connector_reads_as_default(&store).await;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn mongo_reads_connectors_from_before_the_llm_settings_as_default() {
    let Some(scaled) = Scaled::new() else { return };
    let document = mongodb::bson::doc! {
        "_id": "c-old", "name": "legacy", "engine": "postgres", "display": "db:5432/legacy",
        "sealed_url": "AQAAAAEold", "production": false, "max_rows": 7_i64, "max_bytes": 4096_i64,
        "created_at": 1_700_000_000_i64,
    };
    scaled.store.insert_raw("connectors", document).await.unwrap();
    an_older_connector_reads_as_default(&scaled.store).await;
    scaled.store.drop_database().await.expect("drop the test database");
}

#[tokio::test]
async fn sqlcipher_upgrade_adds_reports_to_a_store_from_before_them() {
    let dir = std::env::temp_dir().join(format!("sqlgate-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    let key = Zeroizing::new([7; 32]);
    // The store as the release before reports left it: six migrations, a user, a connector, a grant.
    let old = super::sqlcipher::create_at_version(&path, &key, 6);
    old.execute_batch(
        "INSERT INTO users (id, username, role, password_hash, disabled, failed_logins, created_at)
         VALUES ('u-1', 'uma', 'analyst', 'hash', 0, 0, 1700000000);
         INSERT INTO connectors (id, name, engine, display, sealed_url, production, max_rows, max_bytes, created_at)
         VALUES ('c-1', 'shop', 'postgres', 'db:5432/shop', 'AQAAAAEold', 0, 20, 4096, 1700000000);
         INSERT INTO grants (user_id, connector_id) VALUES ('u-1', 'c-1');",
    )
    .unwrap();
    let tables: i64 = old
        .query_row("SELECT count(*) FROM sqlite_master WHERE name IN ('reports', 'report_shares')", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tables, 0, "the fixture is not the old schema");
    drop(old);
    let store = SqlcipherStore::open(&path, &key).expect("the upgrade opens the old store");
    assert_eq!(store.grants_of("u-1").await.unwrap(), ["c-1"], "what was there is intact");
    assert_eq!(store.user("u-1").await.unwrap().unwrap().username, "uma");
    assert!(store.reports_visible_to("u-1").await.unwrap().is_empty());
    store.create_report(&report("r-1", "u-1", "c-1", 10)).await.unwrap();
    assert_eq!(ids(&store.reports_visible_to("u-1").await.unwrap()), ["r-1"]);
    drop(store);
    // Opening again does not migrate twice.
    let store = SqlcipherStore::open(&path, &key).expect("the upgraded store opens again");
    assert_eq!(store.report("r-1").await.unwrap().unwrap(), report("r-1", "u-1", "c-1", 10));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn mongo_reads_reports_from_before_schedules_as_unscheduled() {
    let Some(scaled) = Scaled::new() else { return };
    add_users(&scaled.store, &["u-1"]).await;
    add_connectors(&scaled.store, &["c-1"]).await;
    let document = mongodb::bson::doc! {
        "_id": "r-1", "name": "report r-1", "owner_id": "u-1", "connector_id": "c-1",
        "question": "question of r-1", "sql": "SELECT 'r-1' AS id", "created_at": 10_i64, "updated_at": 10_i64,
        "shared_with": [],
    };
    scaled.store.insert_raw("reports", document).await.unwrap();
    assert_eq!(scaled.store.report("r-1").await.unwrap().unwrap(), report("r-1", "u-1", "c-1", 10));
    assert_eq!(scaled.store.claim_due_report(i64::MAX).await.unwrap(), None, "an old report is not scheduled");
    scaled.store.drop_database().await.expect("drop the test database");
}

#[tokio::test]
async fn sqlcipher_upgrade_reads_reports_from_before_schedules_as_unscheduled() {
    let dir = std::env::temp_dir().join(format!("sqlgate-upgrade-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.db");
    let key = Zeroizing::new([7; 32]);
    // The store as the release before schedules left it: seven migrations and a report.
    let old = super::sqlcipher::create_at_version(&path, &key, 7);
    old.execute_batch(
        "INSERT INTO users (id, username, role, password_hash, disabled, failed_logins, created_at)
         VALUES ('u-1', 'uma', 'poweruser', 'hash', 0, 0, 1700000000);
         INSERT INTO connectors (id, name, engine, display, sealed_url, production, max_rows, max_bytes, created_at)
         VALUES ('c-1', 'shop', 'postgres', 'db:5432/shop', 'AQAAAAEold', 0, 20, 4096, 1700000000);
         INSERT INTO reports (id, name, owner_id, connector_id, question, sql, created_at, updated_at)
         VALUES ('r-1', 'report r-1', 'u-1', 'c-1', 'question of r-1', 'SELECT ''r-1'' AS id', 10, 10);",
    )
    .unwrap();
    drop(old);
    let store = SqlcipherStore::open(&path, &key).expect("the upgrade opens the old store");
    assert_eq!(store.report("r-1").await.unwrap().unwrap(), report("r-1", "u-1", "c-1", 10));
    assert_eq!(store.claim_due_report(i64::MAX).await.unwrap(), None, "an old report is not scheduled");
    store.schedule_report("r-1", Some((15, 20)), 20).await.unwrap();
    assert_eq!(store.claim_due_report(20).await.unwrap().map(|r| r.next_refresh_at), Some(Some(20 + 900)));
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
