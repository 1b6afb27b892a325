//! The workload the guard must pass: the 9,532 human-written SELECTs of the Spider benchmark
//! (`../shared/spider/gold.tsv`, SQLite dialect). Every one is allowed except the documented list
//! below, and each rewritten query, run on its own database, returns at most 21 rows, all of them
//! rows of the original result — the same first rows where the query orders them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use sqlgate_guardrails::{check, Dialect, Policy, Verdict};

/// Gold queries the guard refuses, with the reason. Matched by the start of the SQL text.
const KNOWN_REFUSALS: &[(&str, &str, &str)] = &[];

fn spider_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spider");
    dir.join("gold.tsv").is_file().then_some(dir)
}

struct Gold {
    db_id: String,
    sql: String,
}

fn gold(dir: &Path) -> Vec<Gold> {
    let text = std::fs::read_to_string(dir.join("gold.tsv")).expect("read gold.tsv");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.splitn(3, '\t');
            let (_split, db_id, sql) = (cols.next()?, cols.next()?, cols.next()?);
            Some(Gold { db_id: db_id.to_owned(), sql: sql.to_owned() })
        })
        .collect()
}

#[test]
fn spider_gold_queries_are_allowed_except_the_documented_few() {
    let Some(dir) = spider_dir() else {
        eprintln!("skipped: ../shared/spider is not here (see guardrails/tests/spider.rs)");
        return;
    };
    let policy = Policy::new(Dialect::Sqlite);
    let queries = gold(&dir);
    assert_eq!(queries.len(), 9_532, "gold.tsv changed");
    let mut refused = Vec::new();
    for q in &queries {
        if let Verdict::Rejected(r) = check(&q.sql, &policy) {
            refused.push(format!("{} [{}] {}", q.sql, r.code, r.message));
        }
    }
    let unexpected: Vec<_> = refused
        .iter()
        .filter(|line| {
            !KNOWN_REFUSALS
                .iter()
                .any(|(prefix, code, _)| line.starts_with(prefix) && line.contains(&format!("[{code}]")))
        })
        .collect();
    let rate = 1.0 - refused.len() as f64 / queries.len() as f64;
    eprintln!("spider: {} of {} allowed ({:.2}%)", queries.len() - refused.len(), queries.len(), rate * 100.0);
    assert!(
        unexpected.is_empty(),
        "{} gold queries refused that are not documented:\n{}",
        unexpected.len(),
        unexpected.iter().take(40).map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
    assert!(rate >= 0.99, "pass rate {rate}");
}

#[test]
fn rewritten_spider_queries_return_rows_of_the_original() {
    let Some(dir) = spider_dir() else {
        eprintln!("skipped: ../shared/spider is not here (see guardrails/tests/spider.rs)");
        return;
    };
    let policy = Policy::new(Dialect::Sqlite);
    let mut by_db: HashMap<String, Vec<Gold>> = HashMap::new();
    for q in gold(&dir) {
        by_db.entry(q.db_id.clone()).or_default().push(q);
    }
    let mut dbs: Vec<_> = by_db.into_iter().collect();
    dbs.sort_by(|a, b| a.0.cmp(&b.0));
    let half = dbs.len() / 2;
    let (a, b) = dbs.split_at(half);
    let failures: Vec<String> = std::thread::scope(|s| {
        let ha = s.spawn(|| run_dbs(&dir, a, &policy));
        let hb = s.spawn(|| run_dbs(&dir, b, &policy));
        let mut f = ha.join().expect("thread");
        f.extend(hb.join().expect("thread"));
        f
    });
    assert!(failures.is_empty(), "{} rewritten queries changed their rows:\n{}", failures.len(), failures.join("\n"));
}

fn run_dbs(dir: &Path, dbs: &[(String, Vec<Gold>)], policy: &Policy) -> Vec<String> {
    let mut failures = Vec::new();
    let mut compared = 0usize;
    for (db_id, queries) in dbs {
        let path = dir.join("database").join(format!("{db_id}.sqlite"));
        let conn =
            Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
        for q in queries {
            let Verdict::Allowed(allowed) = check(&q.sql, policy) else { continue };
            let (Ok(original), Ok(rewritten)) = (rows(&conn, &q.sql), rows(&conn, &allowed.sql)) else {
                if rows(&conn, &q.sql).is_ok() {
                    failures.push(format!("{db_id}: rewritten query fails to run: {}", allowed.sql));
                }
                continue;
            };
            compared += 1;
            if let Some(why) = compare(&q.sql, &original, &rewritten, allowed.limit) {
                failures.push(format!("{db_id}: {why}\n  original:  {}\n  rewritten: {}", q.sql, allowed.sql));
            }
        }
    }
    assert!(compared > 0 || dbs.is_empty());
    failures
}

fn rows(conn: &Connection, sql: &str) -> rusqlite::Result<Vec<Vec<Value>>> {
    let mut stmt = conn.prepare(sql)?;
    let width = stmt.column_count();
    let mut out = Vec::new();
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        out.push((0..width).map(|i| row.get::<_, Value>(i)).collect::<rusqlite::Result<_>>()?);
    }
    Ok(out)
}

/// `None` when the rewritten rows are a valid capped reading of the original rows.
fn compare(sql: &str, original: &[Vec<Value>], rewritten: &[Vec<Value>], limit: u64) -> Option<String> {
    if rewritten.len() as u64 > limit {
        return Some(format!("{} rows returned past the limit {limit}", rewritten.len()));
    }
    let expected = original.len().min(limit as usize);
    if rewritten.len() != expected {
        return Some(format!("{} rows returned, expected {expected}", rewritten.len()));
    }
    let ordered = sql.to_ascii_lowercase().contains("order by");
    if ordered {
        // Ties may come back in another order; the first rows must still be rows of the original
        // and sort keys cannot be compared here, so compare as multisets within the prefix when
        // the exact prefix differs.
        if rewritten == &original[..expected] {
            return None;
        }
    }
    let mut pool: Vec<&Vec<Value>> = original.iter().collect();
    for row in rewritten {
        match pool.iter().position(|r| *r == row) {
            Some(i) => {
                pool.swap_remove(i);
            }
            None => return Some(format!("row {row:?} is not a row of the original result")),
        }
    }
    None
}
