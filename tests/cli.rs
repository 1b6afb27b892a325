//! Black-box tests of the `sqlgate` binary's `check` command: its JSON contract and exit codes.

use std::process::Output;

use serde_json::{json, Value};

mod common;

fn sqlgate(args: &[&str], stdin: Option<&str>) -> Output {
    common::sqlgate(args, stdin.unwrap_or_default())
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
        .collect()
}

#[test]
fn allowed_query_prints_the_contract_object_and_exits_0() {
    let out = sqlgate(&["check", "--dialect", "postgres", "SELECT * FROM users"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"verdict\":\"allowed\",\"sql\":\"SELECT * FROM users LIMIT 21\",\"limit\":21,\"tables\":[\"users\"]}\n"
    );
}

#[test]
fn rejected_query_prints_code_and_message_and_exits_1() {
    let out = sqlgate(&["check", "--dialect", "mysql", "SELECT SLEEP(5)"], None);
    assert_eq!(out.status.code(), Some(1));
    let v = &json_lines(&out)[0];
    assert_eq!(v["verdict"], "rejected");
    assert_eq!(v["code"], "function_not_allowed");
    assert!(v["message"].as_str().unwrap().contains("SLEEP"), "{v}");
}

#[test]
fn usage_errors_exit_2_with_a_message() {
    let out = sqlgate(&["check", "--dialect", "oracle", "SELECT 1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown dialect `oracle`"));

    let out = sqlgate(&["check", "--dialect", "postgres", "--max-rows", "0", "SELECT 1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("max rows"));

    let out = sqlgate(&["check", "--dialect", "postgres", "--allow-table", "a.b.c", "SELECT 1"], None);
    assert_eq!(out.status.code(), Some(2));

    let out = sqlgate(&["check", "SELECT 1"], None);
    assert_eq!(out.status.code(), Some(2), "missing --dialect is a usage error");
}

#[test]
fn max_rows_and_allow_table_shape_the_policy() {
    let out = sqlgate(
        &["check", "--dialect", "sqlite", "--max-rows", "5", "--allow-table", "orders", "SELECT id FROM orders"],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_lines(&out)[0],
        json!({"verdict":"allowed","sql":"SELECT id FROM orders LIMIT 6","limit":6,"tables":["orders"]})
    );

    let out = sqlgate(&["check", "--dialect", "sqlite", "--allow-table", "orders", "SELECT * FROM customers"], None);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json_lines(&out)[0]["code"], "relation_not_allowed");
}

#[test]
fn sql_is_read_from_stdin_when_not_given() {
    let out = sqlgate(&["check", "--dialect", "postgres"], Some("SELECT a FROM t LIMIT 3\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_lines(&out)[0]["sql"], "SELECT a FROM t LIMIT 3");
}

#[test]
fn jsonl_prints_one_verdict_per_line_in_order() {
    let input = "\"SELECT 1\"\n\"DROP TABLE t\"\n\n\"SELECT * FROM t; DELETE FROM t\"\n";
    let out = sqlgate(&["check", "--dialect", "postgres", "--jsonl"], Some(input));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "blank lines are skipped");
    assert_eq!(lines[0]["verdict"], "allowed");
    assert_eq!(lines[1]["code"], "not_a_query");
    assert_eq!(lines[2]["code"], "multiple_statements");
    assert_eq!(out.status.code(), Some(1), "any rejection makes the batch exit 1");
}

#[test]
fn jsonl_reports_a_line_that_is_not_a_json_string_and_goes_on() {
    let input = "\"SELECT 1\"\nSELECT 2\n\"SELECT 3\"\n";
    let out = sqlgate(&["check", "--dialect", "sqlite", "--jsonl"], Some(input));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["error"]["code"], "bad_input");
    assert!(lines[1]["error"]["message"].as_str().unwrap().contains("line 2"));
    assert_eq!(lines[2]["verdict"], "allowed");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn jsonl_streams_the_whole_spider_workload() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spider/gold.tsv");
    let Ok(gold) = std::fs::read_to_string(path) else {
        eprintln!("skipped: ../shared/spider is not here");
        return;
    };
    let input: String = gold
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .map(|sql| serde_json::to_string(sql).unwrap() + "\n")
        .collect();
    let out = sqlgate(&["check", "--dialect", "sqlite", "--jsonl"], Some(&input));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 9_532);
    assert!(lines.iter().all(|v| v["verdict"] == "allowed"));
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn help_lists_every_rejection_code() {
    let out = sqlgate(&["check", "--help"], None);
    let help = String::from_utf8_lossy(&out.stdout);
    for code in ["write_in_cte", "function_not_allowed", "rewrite_unverified", "system_relation"] {
        assert!(help.contains(code), "{code} missing from --help");
    }
}
