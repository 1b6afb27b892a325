//! Black-box tests of `sqlgate translate`: the offline engine's JSON contract, and its answers
//! executed against real databases and compared with the right result.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::types::ValueRef;
use serde_json::Value;

mod common;
use common::sqlgate;

fn spider(db: &str) -> Option<String> {
    let path = format!("{}/../shared/spider/database/{db}.sqlite", env!("CARGO_MANIFEST_DIR"));
    if Path::new(&path).exists() {
        Some(path)
    } else {
        eprintln!("skipped: ../shared/spider is not here");
        None
    }
}

/// The rows of `sql` on `path`, each cell as comparable text (numbers normalised).
fn rows(path: &str, sql: &str) -> Result<Vec<Vec<String>>, String> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let mut stmt = conn.prepare(sql).map_err(|e| e.to_string())?;
    let n = stmt.column_count();
    let mut out = Vec::new();
    let mut q = stmt.query([]).map_err(|e| e.to_string())?;
    while let Some(row) = q.next().map_err(|e| e.to_string())? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            cells.push(match row.get_ref(i).map_err(|e| e.to_string())? {
                ValueRef::Null => "NULL".to_owned(),
                ValueRef::Integer(v) => format!("{:.4}", v as f64),
                ValueRef::Real(v) => format!("{v:.4}"),
                ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                ValueRef::Blob(b) => format!("{b:?}"),
            });
        }
        out.push(cells);
    }
    Ok(out)
}

/// Whether the engine's rows (its SQL carries LIMIT 21) are the gold answer's.
fn same_answer(path: &str, gold: &str, predicted: &str) -> bool {
    let (Ok(gold_rows), Ok(mut got)) = (rows(path, gold), rows(path, predicted)) else { return false };
    if gold.to_ascii_uppercase().contains("ORDER BY") {
        let n = got.len().min(gold_rows.len());
        return got.len() == gold_rows.len().min(21) && got[..n] == gold_rows[..n];
    }
    let mut want: BTreeMap<Vec<String>, i64> = BTreeMap::new();
    for r in &gold_rows {
        *want.entry(r.clone()).or_default() += 1;
    }
    if got.len() != gold_rows.len().min(21) {
        return false;
    }
    got.sort();
    got.iter().all(|r| {
        let left = want.entry(r.clone()).or_default();
        *left -= 1;
        *left >= 0
    })
}

fn translate(path: &str, questions: &[&str]) -> Vec<Value> {
    let input: String = questions.iter().map(|q| format!("{}\n", serde_json::to_string(q).unwrap())).collect();
    let out = sqlgate(&["translate", "--db", &format!("sqlite:{path}"), "--jsonl"], &input);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

#[test]
fn each_answer_is_the_contract_object() {
    let Some(path) = spider("concert_singer") else { return };
    let answers = translate(&path, &["How many singers do we have?", "Which singers sing the best?"]);
    assert_eq!(answers.len(), 2);
    let known = &answers[0];
    assert_eq!(known["sql"], "SELECT count(*) FROM singer LIMIT 21", "{known}");
    assert_eq!(known["confidence"], "high");
    assert!(known["reasons"].as_array().is_some_and(|r| !r.is_empty()));
    let unknown = &answers[1];
    assert_eq!(unknown["sql"], Value::Null, "never a guess: {unknown}");
    assert_eq!(unknown["confidence"], "uncertain");
    assert!(unknown["reasons"][0].as_str().unwrap().contains("best"), "{unknown}");
    assert_eq!(answers[0].as_object().unwrap().len(), 3, "exactly sql, confidence, reasons");
}

#[test]
fn jsonl_keeps_lines_aligned_and_one_question_works_as_an_argument() {
    let Some(path) = spider("concert_singer") else { return };
    let db = format!("sqlite:{path}");
    let out = sqlgate(&["translate", "--db", &db, "--jsonl"], "\"How many stadiums are there?\"\nnot json\n");
    assert_eq!(out.status.code(), Some(2), "a bad line is a usage error");
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["sql"], "SELECT count(*) FROM stadium LIMIT 21");
    assert_eq!(lines[1]["error"]["code"], "bad_input");
    let out = sqlgate(&["translate", "--db", &db, "How many concerts are there?"], "");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sql"], "SELECT count(*) FROM concert LIMIT 21");
}

#[test]
fn a_database_that_cannot_be_opened_is_exit_3() {
    let out = sqlgate(&["translate", "--db", "sqlite:/nonexistent/x.sqlite", "How many?"], "");
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["error"]["message"].as_str().is_some(), "{v}");
}

/// Questions over Spider's concert_singer, written for this test, with the right SQL. Every SQL
/// the engine gives must return the same rows; the ones it refuses only lower coverage.
#[test]
fn answers_on_concert_singer_return_the_right_rows() {
    let Some(path) = spider("concert_singer") else { return };
    let cases: &[(&str, &str)] = &[
        ("How many singers do we have?", "SELECT count(*) FROM singer"),
        (
            "Show name, country, age for all singers ordered by age from the oldest to the youngest.",
            "SELECT name, country, age FROM singer ORDER BY age DESC",
        ),
        (
            "What is the average, minimum, and maximum age of all singers from France?",
            "SELECT avg(age), min(age), max(age) FROM singer WHERE country = 'France'",
        ),
        (
            "What are all distinct countries where singers above age 20 are from?",
            "SELECT DISTINCT country FROM singer WHERE age > 20",
        ),
        ("Show all countries and the number of singers in each country.", "SELECT country, count(*) FROM singer GROUP BY country"),
        ("How many concerts are there in year 2014 or 2015?", "SELECT count(*) FROM concert WHERE YEAR = 2014 OR YEAR = 2015"),
        (
            "Show the stadium name and the number of concerts in each stadium.",
            "SELECT T2.name, count(*) FROM concert AS T1 JOIN stadium AS T2 ON T1.stadium_id = T2.stadium_id GROUP BY T1.stadium_id",
        ),
        ("Which year has most number of concerts?", "SELECT YEAR FROM concert GROUP BY YEAR ORDER BY count(*) DESC LIMIT 1"),
        (
            "What are the names of the stadiums without any concerts?",
            "SELECT name FROM stadium WHERE stadium_id NOT IN (SELECT stadium_id FROM concert)",
        ),
        ("What is the name of the song by the youngest singer?", "SELECT song_name FROM singer ORDER BY age LIMIT 1"),
        ("What is the maximum capacity of all stadiums?", "SELECT max(capacity) FROM stadium"),
        ("List the names of stadiums with capacity greater than 5000", "SELECT name FROM stadium WHERE capacity > 5000"),
        ("Which singers sing the best?", ""),
    ];
    let questions: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let answers = translate(&path, &questions);
    let mut answered = 0;
    for ((question, gold), answer) in cases.iter().zip(&answers) {
        let Some(sql) = answer["sql"].as_str() else { continue };
        answered += 1;
        assert!(!gold.is_empty(), "{question:?} has no right answer, yet the engine gave {sql}");
        assert!(same_answer(&path, gold, sql), "{question:?}: {sql} does not return the rows of {gold}");
    }
    assert!(answered >= 10, "the engine answered only {answered} of {} questions", cases.len());
}

/// Precision first, then coverage, on a question set: `{"db","question","sql"}` per line.
/// Returns (asked, answered, correct).
fn score_set(set: &str) -> Option<(usize, usize, usize)> {
    score_set_with(set, None)
}

fn score_set_with(set: &str, demo_db: Option<&str>) -> Option<(usize, usize, usize)> {
    let path = format!("{}/tests/translate/{set}.jsonl", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut by_db: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("a JSON line");
        let db = v["db"].as_str().expect("db").to_owned();
        by_db.entry(db).or_default().push((v["question"].as_str().unwrap().into(), v["sql"].as_str().unwrap().into()));
    }
    let (mut asked, mut answered, mut correct) = (0, 0, 0);
    let mut wrong = Vec::new();
    for (db, cases) in &by_db {
        let path = match (db.as_str(), demo_db) {
            ("demo", Some(path)) => path.to_owned(),
            _ => spider(db)?,
        };
        let questions: Vec<&str> = cases.iter().map(|c| c.0.as_str()).collect();
        let answers = translate(&path, &questions);
        assert_eq!(answers.len(), cases.len(), "one answer per question");
        for ((question, gold), answer) in cases.iter().zip(&answers) {
            asked += 1;
            let Some(sql) = answer["sql"].as_str() else {
                assert_eq!(answer["confidence"], "uncertain", "{answer}");
                continue;
            };
            answered += 1;
            if same_answer(&path, gold, sql) {
                correct += 1;
            } else {
                wrong.push(format!("{db}: {question:?}\n  gave {sql}\n  want {gold}"));
            }
        }
    }
    eprintln!("{set}: asked {asked}, answered {answered}, correct {correct}\n{}", wrong.join("\n"));
    Some((asked, answered, correct))
}

/// The team's development set over 19 Spider databases (questions written for their gold SQL).
/// Measured last: 159 of 159 answered right (100%), 159 of 329 answered (48.3%). The floors sit a little under that, so a change that makes the engine guess fails.
#[test]
fn the_dev_set_keeps_precision_and_coverage() {
    let Some((asked, answered, correct)) = score_set("dev") else { return };
    let precision = correct as f64 / answered.max(1) as f64;
    let coverage = answered as f64 / asked as f64;
    assert!(precision >= 0.95, "precision {precision:.3} ({correct}/{answered}) is under 95%");
    assert!(coverage >= 0.46, "coverage {coverage:.3} ({answered}/{asked}) fell under 46%");
}

/// 310 questions over 20 other Spider databases, written by a teammate who never saw the engine;
/// the engine's author sees only these totals, so they measure how it generalises. Measured last:
/// 127 of 128 answered right (99.2%), 128 of 310 answered (41.3%). The floors catch a slide, not a target.
#[test]
fn the_holdout_set_keeps_its_measured_precision_and_coverage() {
    let Some((asked, answered, correct)) = score_set("holdout") else { return };
    let precision = correct as f64 / answered.max(1) as f64;
    let coverage = answered as f64 / asked as f64;
    assert!(precision >= 0.95, "precision {precision:.3} ({correct}/{answered}) fell under 95%");
    assert!(coverage >= 0.38, "coverage {coverage:.3} ({answered}/{asked}) fell under 38%");
}

/// Analyst questions over the demo's sample database, generated by `sqlgate demo` itself.
/// Measured last: 15 of 15 answered right, 15 of 65 answered (23.1%).
#[test]
fn the_demo_set_is_answered_right_when_answered() {
    let dir = std::env::temp_dir().join(format!("sqlgate-translate-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (mut child, _, _) = common::spawn_demo(&dir);
    let _ = child.kill();
    let _ = child.wait();
    let db = dir.join("sample.db");
    let scored = score_set_with("demo", Some(db.to_str().unwrap()));
    let _ = std::fs::remove_dir_all(&dir);
    let (asked, answered, correct) = scored.expect("the demo set needs no Spider file");
    assert_eq!(correct, answered, "every answered demo question must be right");
    assert!(answered * 100 >= asked * 21, "coverage fell under 21%: {answered}/{asked}");
}
