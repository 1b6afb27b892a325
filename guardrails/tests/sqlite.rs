//! SQLite: `LIMIT offset, count`, its placeholder forms, PRAGMA and ATTACH, `sqlite_*` and
//! `pragma_*` relations however they are quoted, case-insensitive names and its function list.
//! (The Spider workload of real SELECTs is covered by `spider.rs`.) Tests marked `BYPASS` are
//! inputs the guard allows but must refuse; they are ignored so the suite stays green, and listed
//! in the test report.

mod helpers;
use helpers::*;

// ---------------------------------------------------------------------------------------------
// Row cap
// ---------------------------------------------------------------------------------------------

#[test]
fn offset_comma_limit_and_negative_limits_are_clamped() {
    let p = lite();
    assert_eq!(assert_allowed(&p, "SELECT * FROM t LIMIT 5, 100", "SELECT * FROM t LIMIT 5, 21").limit, 21);
    assert_eq!(assert_allowed(&p, "SELECT * FROM t LIMIT 5, 10", "SELECT * FROM t LIMIT 5, 10").limit, 10);
    // A negative limit means "no limit" in SQLite.
    assert_eq!(assert_allowed(&p, "SELECT * FROM t LIMIT -1", "SELECT * FROM t LIMIT 21").limit, 21);
    assert_eq!(assert_allowed(&p, "SELECT * FROM t LIMIT 5, -1", "SELECT * FROM t LIMIT 5, 21").limit, 21);
    assert_eq!(assert_allowed(&p, "SELECT * FROM t LIMIT 100 OFFSET 5", "SELECT * FROM t LIMIT 21 OFFSET 5").limit, 21);
}

#[test]
fn every_sqlite_placeholder_form_is_refused() {
    assert_all_rejected(
        &lite(),
        &[
            "SELECT ?",
            "SELECT ?1",
            "SELECT :name",
            "SELECT @name",
            "SELECT $name",
            "SELECT * FROM t WHERE a = :x",
            "SELECT * FROM t LIMIT ?",
            "SELECT * FROM t LIMIT :n",
        ],
        "placeholder",
    );
}

// ---------------------------------------------------------------------------------------------
// Statement kinds
// ---------------------------------------------------------------------------------------------

#[test]
fn sqlite_writes_are_write_statements() {
    assert_all_rejected(
        &lite(),
        &[
            "INSERT OR REPLACE INTO t VALUES (1)",
            "REPLACE INTO t VALUES (1)",
            "INSERT OR IGNORE INTO t VALUES (1)",
            "DELETE FROM t RETURNING *",
            "UPDATE t SET a = 1 RETURNING *",
            "UPDATE OR ROLLBACK t SET a = 1",
        ],
        "write_statement",
    );
}

#[test]
fn pragma_attach_and_other_sqlite_statements_are_not_queries() {
    assert_all_rejected(
        &lite(),
        &[
            "PRAGMA writable_schema = 1",
            "PRAGMA user_version = 5",
            "PRAGMA query_only = 0",
            "ATTACH DATABASE '/tmp/x.db' AS x",
            "ATTACH '/tmp/x.db' AS x",
            "VACUUM",
            "ANALYZE",
            "BEGIN IMMEDIATE",
            "BEGIN EXCLUSIVE",
            "END",
            "RELEASE a",
            "CREATE VIRTUAL TABLE x USING fts5(a)",
            "CREATE TEMP TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
            "CREATE TEMP VIEW v AS SELECT 1",
            "EXPLAIN QUERY PLAN SELECT 1",
        ],
        "not_a_query",
    );
    // sqlparser 0.63 cannot read these; refused either way.
    assert_all_rejected(
        &lite(),
        &["PRAGMA table_info(t)", "DETACH x", "VACUUM INTO '/tmp/x'", "REINDEX", "SELECT * FROM t INDEXED BY i"],
        "syntax_error",
    );
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

#[test]
fn sqlite_analytic_functions_are_allowed() {
    let p = lite();
    assert_allowed(
        &p,
        "SELECT count(*), sum(a), total(a), group_concat(a, ','), avg(a) FROM t",
        "SELECT count(*), sum(a), total(a), group_concat(a, ','), avg(a) FROM t LIMIT 21",
    );
    assert_allowed(
        &p,
        "SELECT strftime('%Y', d), date(d), datetime(d, 'start of month'), julianday(d) FROM t",
        "SELECT strftime('%Y', d), date(d), datetime(d, 'start of month'), julianday(d) FROM t LIMIT 21",
    );
    assert_allowed(
        &p,
        "SELECT iif(a, 1, 2), ifnull(a, 0), typeof(a), printf('%d', a), instr(b, 'x') FROM t",
        "SELECT iif(a, 1, 2), ifnull(a, 0), typeof(a), printf('%d', a), instr(b, 'x') FROM t LIMIT 21",
    );
    assert_allowed(
        &p,
        "SELECT json_extract(a, '$.b'), a -> '$.b', a ->> '$.b' FROM t",
        "SELECT json_extract(a, '$.b'), a -> '$.b', a ->> '$.b' FROM t LIMIT 21",
    );
    assert_allowed(
        &p,
        "SELECT count(*) FILTER (WHERE a > 1) FROM t",
        "SELECT count(*) FILTER (WHERE a > 1) FROM t LIMIT 21",
    );
    assert_allowed(
        &p,
        "SELECT a FROM t WHERE b GLOB 'x*' AND c LIKE 'y%' ORDER BY a COLLATE NOCASE NULLS LAST",
        "SELECT a FROM t WHERE b GLOB 'x*' AND c LIKE 'y%' ORDER BY a COLLATE NOCASE NULLS LAST LIMIT 21",
    );
}

#[test]
fn json_table_functions_read_no_relation() {
    let a = assert_allowed(&lite(), "SELECT * FROM json_each('[1,2]')", "SELECT * FROM json_each('[1,2]') LIMIT 21");
    assert!(a.tables.is_empty());
    let a = assert_allowed(
        &lite(),
        "SELECT t.a, j.value FROM t, json_each(t.doc) AS j",
        "SELECT t.a, j.value FROM t, json_each(t.doc) AS j LIMIT 21",
    );
    assert_eq!(a.tables, ["t"]);
}

#[test]
fn sqlite_side_effect_and_internal_functions_are_refused() {
    assert_all_rejected(
        &lite(),
        &[
            "SELECT load_extension('x')",
            "SELECT LOAD_EXTENSION('x', 'entry')",
            "SELECT readfile('x')",
            "SELECT writefile('x', 'y')",
            "SELECT edit('x')",
            "SELECT sqlite_version()",
            "SELECT sqlite_source_id()",
            "SELECT sqlite_compileoption_get(0)",
            "SELECT sqlite_offset(a) FROM t",
            "SELECT randomblob(10)",
            "SELECT zeroblob(1000000000)",
            "SELECT fts3_tokenizer('x')",
            "SELECT changes()",
            "SELECT total_changes()",
            "SELECT last_insert_rowid()",
            "SELECT * FROM pragma_table_info('t')",
            "SELECT * FROM t, pragma_table_info(t.name)",
            "SELECT * FROM generate_series(1, 3)",
        ],
        "function_not_allowed",
    );
}

// ---------------------------------------------------------------------------------------------
// Relations
// ---------------------------------------------------------------------------------------------

#[test]
fn the_sqlite_schema_table_is_refused_however_it_is_named() {
    assert_all_rejected(
        &lite(),
        &[
            "SELECT * FROM sqlite_master",
            "SELECT * FROM sqlite_schema",
            "SELECT * FROM sqlite_temp_master",
            "SELECT * FROM sqlite_temp_schema",
            "SELECT * FROM main.sqlite_master",
            "SELECT * FROM temp.sqlite_master",
            "SELECT * FROM \"sqlite_master\"",
            "SELECT * FROM [sqlite_master]",
            "SELECT * FROM `sqlite_master`",
            "SELECT * FROM SQLITE_MASTER",
            "SELECT * FROM Sqlite_Schema",
            // SQLite accepts a string literal where a table name is expected.
            "SELECT * FROM 'sqlite_master'",
            "SELECT * FROM \"main\".\"sqlite_master\"",
            "SELECT * FROM sqlite_dbpage",
            "SELECT * FROM sqlite_stat1",
            "SELECT * FROM sqlite_sequence",
            "SELECT * FROM pragma_database_list",
            "SELECT * FROM pragma_table_info",
            "SELECT * FROM PRAGMA_TABLE_LIST",
            "SELECT * FROM t WHERE a IN (SELECT name FROM sqlite_master)",
            "WITH s AS (SELECT sql FROM sqlite_master) SELECT * FROM s",
            "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
        ],
        "system_relation",
    );
}

#[test]
fn the_dbstat_virtual_table_is_refused() {
    assert_rejected(&lite(), "SELECT name FROM dbstat", "system_relation");
    assert_rejected(&lite(), "SELECT * FROM dbstat('main')", "function_not_allowed");
}

/// A host may register SQLite's eponymous virtual tables, which read by name alone: `fsdir`
/// returns files (`WHERE path = '/etc/hostname'`), `bytecode` and `tables_used` a statement given
/// as text, `completion` the schema's names. Elsewhere these are ordinary table names.
#[test]
fn virtual_tables_that_read_files_or_statements_are_refused_by_name() {
    for sql in [
        "SELECT name, data FROM fsdir WHERE path = '/etc/hostname'",
        "SELECT * FROM FsDir",
        "SELECT * FROM \"zipfile\" WHERE name = 'x'",
        "SELECT * FROM bytecode WHERE stmt = 'SELECT 1'",
        "SELECT * FROM main.tables_used WHERE stmt = 'SELECT 1'",
        "SELECT candidate FROM completion WHERE prefix = ''",
        "SELECT value FROM generate_series WHERE start = 1",
        "SELECT * FROM t WHERE a IN (SELECT data FROM fsdir)",
        "SELECT * FROM t AS fsdir",
    ] {
        assert_rejected(&lite(), sql, "system_relation");
    }
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        assert_allowed(&Policy::new(dialect), "SELECT * FROM completion", "SELECT * FROM completion LIMIT 21");
    }
}

#[test]
fn like_and_glob_may_be_called_as_functions() {
    for sql in
        ["SELECT like('a%', name) FROM t", "SELECT glob('a*', name) FROM t", "SELECT like('a!%', name, '!') FROM t"]
    {
        allowed(&lite(), sql);
    }
}

#[test]
fn names_compare_without_case_however_they_are_quoted() {
    let p = exposing(Dialect::Sqlite, &["users"]);
    for sql in [
        "SELECT * FROM users",
        "SELECT * FROM Users",
        "SELECT * FROM \"USERS\"",
        "SELECT * FROM [users]",
        "SELECT * FROM `Users`",
    ] {
        let a = assert_allowed(&p, sql, &format!("{sql} LIMIT 21"));
        assert_eq!(a.tables, ["users"], "{sql}");
    }
    assert_all_rejected(
        &p,
        &["SELECT * FROM main.users", "SELECT * FROM temp.users", "SELECT * FROM other.users", "SELECT * FROM secret"],
        "relation_not_allowed",
    );
    // A RelationName is folded the same way, so a quoted upper-case entry matches too.
    let p = exposing(Dialect::Sqlite, &["\"USERS\""]);
    assert_eq!(assert_allowed(&p, "SELECT * FROM users", "SELECT * FROM users LIMIT 21").tables, ["users"]);
}

#[test]
fn cte_names_compare_without_case() {
    let p = exposing(Dialect::Sqlite, &["users"]);
    let a = assert_allowed(
        &p,
        "WITH Secret AS (SELECT * FROM users) SELECT * FROM secret",
        "WITH Secret AS (SELECT * FROM users) SELECT * FROM secret LIMIT 21",
    );
    assert_eq!(a.tables, ["users"]);
    assert_rejected(&p, "WITH Secret AS (SELECT * FROM secret) SELECT * FROM SECRET", "relation_not_allowed");
}

#[test]
fn unknown_double_quoted_names_are_left_to_sqlite() {
    // SQLite may read an unknown "name" as a string; either way it reads no relation.
    assert_allowed(&lite(), "SELECT \"nonexistent\" FROM t", "SELECT \"nonexistent\" FROM t LIMIT 21");
}

#[test]
fn a_0x_number_is_refused_but_an_x_blob_is_allowed() {
    // SQLite reads `0x1F` as the integer 31; sent as X'1F' it would be a blob.
    assert_rejected(&lite(), "SELECT a FROM t WHERE b = 0x1F", "unsupported_syntax");
    assert_allowed(&lite(), "SELECT a FROM t WHERE b = X'1F'", "SELECT a FROM t WHERE b = X'1F' LIMIT 21");
}

// ---------------------------------------------------------------------------------------------
// False refusals
// ---------------------------------------------------------------------------------------------

#[test]
fn current_date_and_time_keywords_are_allowed() {
    allowed(&lite(), "SELECT current_date, current_time, current_timestamp");
    allowed(&lite(), "SELECT * FROM t WHERE d > current_date");
}
