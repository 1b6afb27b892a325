//! Rules that hold in every dialect: the row cap, statement kinds, writes hidden in queries,
//! functions, casts, relations and the allowlist, the checks before parsing, and the caps on
//! depth and size. Each test states the rule it attacks; dialect quirks live in the other files.

mod helpers;
use helpers::*;

/// A call each dialect refuses, used to hide a forbidden function in every clause.
fn forbidden_call(policy: &Policy) -> &'static str {
    match policy.dialect {
        Dialect::Postgres => "pg_sleep(1)",
        Dialect::Mysql => "sleep(1)",
        Dialect::Sqlite => "load_extension('x')",
    }
}

// ---------------------------------------------------------------------------------------------
// Row cap
// ---------------------------------------------------------------------------------------------

#[test]
fn row_cap_is_injected_when_the_query_has_none() {
    for p in all_dialects() {
        let a = assert_allowed(&p, "SELECT a FROM t", "SELECT a FROM t LIMIT 21");
        assert_eq!(a.limit, 21);
        assert_eq!(a.tables, ["t"]);
    }
}

#[test]
fn a_larger_limit_is_clamped_to_the_cap() {
    for p in all_dialects() {
        for sql in [
            "SELECT a FROM t LIMIT 1000",
            "SELECT a FROM t LIMIT 22",
            // Larger than u64: must not wrap or be kept.
            "SELECT a FROM t LIMIT 99999999999999999999999",
        ] {
            let a = assert_allowed(&p, sql, "SELECT a FROM t LIMIT 21");
            assert_eq!(a.limit, 21, "{sql}");
        }
    }
}

#[test]
fn a_smaller_or_equal_literal_limit_is_kept() {
    for p in all_dialects() {
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 5", "SELECT a FROM t LIMIT 5").limit, 5);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 21", "SELECT a FROM t LIMIT 21").limit, 21);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 0", "SELECT a FROM t LIMIT 0").limit, 0);
        // Leading zeros are still a plain integer literal, kept as written.
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 007", "SELECT a FROM t LIMIT 007").limit, 7);
    }
}

#[test]
fn limit_all_null_and_any_non_literal_limit_become_the_cap() {
    for p in all_dialects() {
        for sql in [
            "SELECT a FROM t LIMIT ALL",
            "SELECT a FROM t LIMIT NULL",
            "SELECT a FROM t LIMIT (SELECT 5)",
            "SELECT a FROM t LIMIT 1+1",
            "SELECT a FROM t LIMIT 1.5",
            "SELECT a FROM t LIMIT 1e1",
            "SELECT a FROM t LIMIT '5'",
            "SELECT a FROM t LIMIT -1",
            "SELECT a FROM t LIMIT (5)",
        ] {
            let a = assert_allowed(&p, sql, "SELECT a FROM t LIMIT 21");
            assert_eq!(a.limit, 21, "{sql}");
        }
    }
}

#[test]
fn offset_is_kept_while_the_limit_is_clamped_or_injected() {
    for p in all_dialects() {
        assert_eq!(
            assert_allowed(&p, "SELECT a FROM t LIMIT 100 OFFSET 5", "SELECT a FROM t LIMIT 21 OFFSET 5").limit,
            21
        );
        assert_eq!(
            assert_allowed(&p, "SELECT a FROM t LIMIT 10 OFFSET 5", "SELECT a FROM t LIMIT 10 OFFSET 5").limit,
            10
        );
        assert_eq!(assert_allowed(&p, "SELECT a FROM t OFFSET 10", "SELECT a FROM t LIMIT 21 OFFSET 10").limit, 21);
    }
}

#[test]
fn the_cap_applies_to_the_outermost_query_of_a_set_operation() {
    for p in all_dialects() {
        let a = assert_allowed(
            &p,
            "SELECT a FROM t UNION SELECT a FROM u",
            "SELECT a FROM t UNION SELECT a FROM u LIMIT 21",
        );
        assert_eq!(a.limit, 21);
        assert_eq!(a.tables, ["t", "u"]);
        // Limits inside the branches bound the branches, not the result: the outer cap is added.
        assert_allowed(
            &p,
            "(SELECT a FROM t LIMIT 1000) UNION ALL (SELECT a FROM u LIMIT 1000)",
            "(SELECT a FROM t LIMIT 1000) UNION ALL (SELECT a FROM u LIMIT 1000) LIMIT 21",
        );
        assert_allowed(
            &p,
            "SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 500",
            "SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 21",
        );
        assert_allowed(
            &p,
            "SELECT a FROM t INTERSECT SELECT a FROM u",
            "SELECT a FROM t INTERSECT SELECT a FROM u LIMIT 21",
        );
        assert_allowed(&p, "SELECT a FROM t EXCEPT SELECT a FROM u", "SELECT a FROM t EXCEPT SELECT a FROM u LIMIT 21");
    }
}

#[test]
fn limits_inside_subqueries_and_ctes_are_left_alone() {
    for p in all_dialects() {
        assert_allowed(
            &p,
            "SELECT * FROM (SELECT * FROM t LIMIT 1000) s",
            "SELECT * FROM (SELECT * FROM t LIMIT 1000) s LIMIT 21",
        );
        assert_allowed(
            &p,
            "WITH x AS (SELECT a FROM t LIMIT 1000) SELECT * FROM x",
            "WITH x AS (SELECT a FROM t LIMIT 1000) SELECT * FROM x LIMIT 21",
        );
        assert_allowed(
            &p,
            "SELECT a FROM t WHERE a IN (SELECT a FROM u LIMIT 5)",
            "SELECT a FROM t WHERE a IN (SELECT a FROM u LIMIT 5) LIMIT 21",
        );
        // A parenthesised whole query gets the cap outside the parentheses.
        assert_allowed(&p, "(SELECT a FROM t)", "(SELECT a FROM t) LIMIT 21");
    }
}

#[test]
fn a_custom_row_cap_sets_the_limit_to_one_more_row() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let p = capped(d, 5);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t", "SELECT a FROM t LIMIT 6").limit, 6);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 100", "SELECT a FROM t LIMIT 6").limit, 6);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 6", "SELECT a FROM t LIMIT 6").limit, 6);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 3", "SELECT a FROM t LIMIT 3").limit, 3);
        let p = capped(d, 10_000);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t", "SELECT a FROM t LIMIT 10001").limit, 10_001);
        let p = capped(d, 1);
        assert_eq!(assert_allowed(&p, "SELECT a FROM t LIMIT 5", "SELECT a FROM t LIMIT 2").limit, 2);
    }
}

#[test]
fn a_row_cap_of_zero_or_above_the_ceiling_cannot_be_configured() {
    assert!(MaxRows::new(0).is_err());
    assert!(MaxRows::new(10_001).is_err());
    assert!(MaxRows::new(u64::MAX).is_err());
    assert_eq!(MaxRows::new(10_000).unwrap().limit(), 10_001);
    assert_eq!(MaxRows::default().limit(), 21);
}

#[test]
fn the_limit_and_offset_expressions_are_inspected_before_they_are_replaced() {
    // Clamping replaces a LIMIT expression, but the original must still be checked: a refusal
    // must not depend on whether the expression would have been thrown away.
    for p in all_dialects() {
        let f = forbidden_call(&p);
        assert_rejected(&p, &format!("SELECT a FROM t LIMIT {f}"), "function_not_allowed");
        assert_rejected(&p, &format!("SELECT a FROM t LIMIT (SELECT {f})"), "function_not_allowed");
        assert_rejected(&p, &format!("SELECT a FROM t LIMIT 5 OFFSET {f}"), "function_not_allowed");
        assert_rejected(&p, "SELECT a FROM t LIMIT (SELECT count(*) FROM pg_user)", "system_relation");
        assert_rejected(&p, "SELECT a FROM t LIMIT 1 OFFSET (SELECT 1 FROM sqlite_master)", "system_relation");
    }
}

// ---------------------------------------------------------------------------------------------
// Statement kinds: only a query is allowed
// ---------------------------------------------------------------------------------------------

#[test]
fn data_changing_statements_are_write_statements_in_every_dialect() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "INSERT INTO t VALUES (1)",
                "INSERT INTO t SELECT * FROM u",
                "UPDATE t SET a = 1",
                "UPDATE t SET a = 1 WHERE b IN (SELECT b FROM u)",
                "DELETE FROM t",
                "DELETE FROM t WHERE a = 1",
            ],
            "write_statement",
        );
    }
}

#[test]
fn ddl_transaction_control_and_explain_are_not_queries_in_every_dialect() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "CREATE TABLE x (a INT)",
                "CREATE TABLE x AS SELECT * FROM t",
                "CREATE VIEW v AS SELECT 1",
                "CREATE INDEX i ON t (a)",
                "DROP TABLE t",
                "DROP VIEW v",
                "ALTER TABLE t ADD COLUMN b INT",
                "BEGIN",
                "COMMIT",
                "ROLLBACK",
                "SAVEPOINT s",
                "EXPLAIN SELECT 1",
                "ANALYZE t",
            ],
            "not_a_query",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Writes, locks and INTO hidden inside a query
// ---------------------------------------------------------------------------------------------

#[test]
fn data_modifying_ctes_are_refused_wherever_they_are_nested() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d",
                "WITH d AS (INSERT INTO t VALUES (1) RETURNING *) SELECT * FROM d",
                "WITH d AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM d",
                // The write runs even when nothing reads the CTE.
                "WITH d AS (DELETE FROM t RETURNING *) SELECT 1",
                "WITH ok AS (SELECT 1), d AS (DELETE FROM t RETURNING *) SELECT * FROM ok",
                "SELECT * FROM (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) s",
                "SELECT (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d)",
                "SELECT * FROM t WHERE a IN (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d)",
                "SELECT * FROM t WHERE EXISTS (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d)",
                "WITH a AS (WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d) SELECT * FROM a",
                "SELECT a FROM t UNION SELECT * FROM (WITH d AS (DELETE FROM t RETURNING a) SELECT a FROM d) s",
            ],
            "write_in_cte",
        );
    }
}

#[test]
fn a_with_clause_in_front_of_a_write_is_refused() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "WITH x AS (SELECT 1) DELETE FROM t",
                "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
                "WITH x AS (SELECT 1) UPDATE t SET a = 1",
            ],
            "write_in_cte",
        );
    }
}

#[test]
fn select_into_is_refused_also_in_subqueries() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT * INTO x FROM t",
                "SELECT a INTO x FROM t WHERE a > 1",
                "SELECT * FROM (SELECT * INTO x FROM t) s",
                "WITH c AS (SELECT * INTO x FROM t) SELECT * FROM c",
            ],
            "select_into",
        );
    }
}

#[test]
fn row_locks_are_refused_anywhere_in_the_query() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT * FROM t FOR UPDATE",
                "SELECT * FROM t FOR SHARE",
                "SELECT * FROM t FOR UPDATE NOWAIT",
                "SELECT * FROM t FOR UPDATE SKIP LOCKED",
                "SELECT * FROM t FOR UPDATE OF t",
                "SELECT * FROM (SELECT * FROM t FOR UPDATE) s",
                "WITH c AS (SELECT * FROM t FOR UPDATE) SELECT * FROM c",
                "SELECT * FROM t WHERE a IN (SELECT a FROM u FOR SHARE)",
                "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u FOR UPDATE)",
                "SELECT (SELECT a FROM u FOR UPDATE) FROM t",
                "SELECT a FROM t UNION SELECT a FROM u FOR UPDATE",
                "(SELECT a FROM t FOR UPDATE) UNION SELECT a FROM u",
            ],
            "locking_clause",
        );
    }
}

#[test]
fn a_bare_values_list_is_not_a_query_but_values_in_from_is_data() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &["VALUES (1)", "VALUES (1), (2)", "WITH x AS (SELECT 1) VALUES (1)"],
            "values_or_table",
        );
    }
    assert_allowed(
        &pg(),
        "SELECT * FROM (VALUES (1), (2)) AS v (a)",
        "SELECT * FROM (VALUES (1), (2)) AS v (a) LIMIT 21",
    );
    assert_allowed(&lite(), "SELECT * FROM (VALUES (1), (2))", "SELECT * FROM (VALUES (1), (2)) LIMIT 21");
}

// ---------------------------------------------------------------------------------------------
// Functions
// ---------------------------------------------------------------------------------------------

#[test]
fn common_aggregates_scalars_and_window_functions_are_allowed() {
    for p in all_dialects() {
        let a = assert_allowed(
            &p,
            "SELECT count(*), count(DISTINCT a), sum(a), avg(a), min(a), max(a), coalesce(a, 0), nullif(a, 0), \
             upper(b), lower(b), length(b), round(c, 2), abs(c) FROM t",
            "SELECT count(*), count(DISTINCT a), sum(a), avg(a), min(a), max(a), coalesce(a, 0), nullif(a, 0), \
             upper(b), lower(b), length(b), round(c, 2), abs(c) FROM t LIMIT 21",
        );
        assert_eq!(a.tables, ["t"]);
        assert_allowed(
            &p,
            "SELECT row_number() OVER (PARTITION BY a ORDER BY b), rank() OVER (ORDER BY b DESC), \
             lag(a, 1) OVER (ORDER BY b), sum(a) OVER (ORDER BY b ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t",
            "SELECT row_number() OVER (PARTITION BY a ORDER BY b), rank() OVER (ORDER BY b DESC), \
             lag(a, 1) OVER (ORDER BY b), sum(a) OVER (ORDER BY b ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) FROM t LIMIT 21",
        );
        assert_allowed(
            &p,
            "SELECT sum(a) OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY c)",
            "SELECT sum(a) OVER w FROM t WINDOW w AS (PARTITION BY b ORDER BY c) LIMIT 21",
        );
        // Function names are read without case, as the servers read them.
        assert_allowed(&p, "SELECT COUNT(*), Sum(a) FROM t", "SELECT COUNT(*), Sum(a) FROM t LIMIT 21");
    }
}

#[test]
fn side_effect_and_server_state_functions_are_refused_in_every_dialect() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT sleep(1)",
                "SELECT SLEEP(1)",
                "SELECT Sleep(1)",
                "SELECT pg_sleep(1)",
                "SELECT benchmark(1000000, md5('a'))",
                "SELECT get_lock('a', 1)",
                "SELECT release_lock('a')",
                "SELECT pg_advisory_lock(1)",
                "SELECT set_config('a', 'b', false)",
                "SELECT current_setting('is_superuser')",
                "SELECT nextval('s')",
                "SELECT setval('s', 1)",
                "SELECT lo_import('/etc/passwd')",
                "SELECT pg_read_file('/etc/passwd')",
                "SELECT dblink('host=x', 'select 1')",
                "SELECT query_to_xml('select 1', true, true, '')",
                "SELECT load_file('/etc/passwd')",
                "SELECT load_extension('x')",
                "SELECT version()",
                "SELECT database()",
                "SELECT txid_current()",
                "SELECT connection_id()",
                "SELECT last_insert_id()",
                "SELECT sqlite_version()",
                "SELECT randomblob(10)",
                "SELECT no_such_function(1)",
            ],
            "function_not_allowed",
        );
    }
}

#[test]
fn schema_qualified_functions_are_refused_even_when_the_name_is_allowed() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT pg_catalog.count(*) FROM t",
                "SELECT public.f()",
                "SELECT main.lower(a) FROM t",
                "SELECT mysql.sleep(1)",
                "SELECT a.b.count(*) FROM t",
            ],
            "function_not_allowed",
        );
    }
}

#[test]
fn a_forbidden_function_is_found_in_every_clause() {
    let templates = [
        "SELECT {f}",
        "SELECT {f} AS x FROM t",
        "SELECT * FROM t WHERE {f} IS NOT NULL",
        "SELECT * FROM t WHERE a = 1 AND ({f} IS NULL OR b = 2)",
        "SELECT a FROM t GROUP BY a HAVING count({f}) > 0",
        "SELECT a FROM t GROUP BY {f}",
        "SELECT * FROM t ORDER BY {f}",
        "SELECT * FROM t JOIN u ON {f} IS NULL",
        "SELECT * FROM t LEFT JOIN u ON t.a = u.a AND {f} IS NULL",
        "SELECT CASE WHEN a > 0 THEN {f} END FROM t",
        "SELECT CASE WHEN {f} IS NULL THEN 1 END FROM t",
        "SELECT CASE {f} WHEN 1 THEN 1 END FROM t",
        "SELECT CASE WHEN a > 0 THEN 1 ELSE {f} END FROM t",
        "SELECT sum(a) OVER (PARTITION BY {f}) FROM t",
        "SELECT sum(a) OVER (ORDER BY {f}) FROM t",
        "SELECT sum(a) OVER w FROM t WINDOW w AS (ORDER BY {f})",
        "SELECT * FROM t LIMIT {f}",
        "SELECT * FROM t LIMIT 5 OFFSET {f}",
        "WITH c AS (SELECT {f}) SELECT * FROM c",
        "WITH c AS (SELECT 1), d AS (SELECT {f}) SELECT * FROM c",
        "SELECT * FROM (SELECT {f}) s",
        "SELECT * FROM t WHERE a IN (1, 2, {f})",
        "SELECT * FROM t WHERE a IN (SELECT {f})",
        "SELECT * FROM t WHERE a NOT IN (SELECT a FROM u WHERE {f} IS NULL)",
        "SELECT * FROM t WHERE EXISTS (SELECT {f})",
        "SELECT (SELECT {f}) FROM t",
        "SELECT coalesce(a, {f}) FROM t",
        "SELECT lower(upper(coalesce(b, {f}))) FROM t",
        "SELECT count(DISTINCT {f}) FROM t",
        "SELECT * FROM t WHERE a BETWEEN {f} AND 2",
        "SELECT * FROM t WHERE a LIKE {f}",
        "SELECT * FROM t WHERE NOT {f}",
        "SELECT -{f}",
        "SELECT ({f})",
        "SELECT (1, {f})",
        "SELECT CAST({f} AS TEXT)",
        "SELECT a FROM t UNION SELECT {f}",
        "SELECT a FROM t UNION ALL SELECT a FROM (SELECT {f} AS a) s",
        "SELECT * FROM t WHERE a = (SELECT max(b) FROM u WHERE c = {f})",
    ];
    for p in all_dialects() {
        let f = forbidden_call(&p);
        for template in templates {
            assert_rejected(&p, &template.replace("{f}", f), "function_not_allowed");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Casts
// ---------------------------------------------------------------------------------------------

#[test]
fn casts_to_built_in_types_are_allowed() {
    for p in all_dialects() {
        assert_allowed(
            &p,
            "SELECT CAST(a AS INTEGER), CAST(a AS TEXT), CAST(a AS DATE), CAST(a AS NUMERIC(10,2)), CAST(a AS TIMESTAMP) FROM t",
            "SELECT CAST(a AS INTEGER), CAST(a AS TEXT), CAST(a AS DATE), CAST(a AS NUMERIC(10,2)), CAST(a AS TIMESTAMP) FROM t LIMIT 21",
        );
        assert_allowed(&p, "SELECT DATE '2020-01-01'", "SELECT DATE '2020-01-01' LIMIT 21");
        assert_allowed(&p, "SELECT TIMESTAMP '2020-01-01 00:00:00'", "SELECT TIMESTAMP '2020-01-01 00:00:00' LIMIT 21");
    }
}

#[test]
fn casts_to_user_defined_or_unknown_types_are_refused() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT CAST(a AS mytype) FROM t",
                "SELECT CAST(a AS public.mytype) FROM t",
                "SELECT CAST(CAST(a AS TEXT) AS mytype) FROM t",
                "SELECT * FROM t WHERE CAST(a AS mydomain) = 1",
                "SELECT * FROM t ORDER BY CAST(a AS mytype)",
            ],
            "type_not_allowed",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// System relations: refused in every dialect, wherever they hide
// ---------------------------------------------------------------------------------------------

#[test]
fn system_catalogs_of_every_server_are_refused_in_every_dialect() {
    // "Anything named like them": a pg_* table is refused on MySQL too, so a name cannot be
    // smuggled through a connector of another dialect.
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT * FROM pg_class",
                "SELECT * FROM pg_catalog.pg_class",
                "SELECT * FROM pg_user",
                "SELECT * FROM pg_shadow",
                "SELECT * FROM pg_stat_activity",
                "SELECT * FROM PG_CLASS",
                "SELECT * FROM public.pg_class",
                "SELECT * FROM information_schema.tables",
                "SELECT * FROM INFORMATION_SCHEMA.TABLES",
                "SELECT * FROM mysql.user",
                "SELECT * FROM MYSQL.user",
                "SELECT * FROM performance_schema.threads",
                "SELECT * FROM sys.sys_config",
                "SELECT * FROM sqlite_master",
                "SELECT * FROM sqlite_schema",
                "SELECT * FROM sqlite_temp_master",
                "SELECT * FROM temp.sqlite_master",
                "SELECT * FROM SQLITE_MASTER",
                "SELECT * FROM pragma_database_list",
                // A system part anywhere in the name, even in a name with too many parts.
                "SELECT * FROM db.information_schema.tables",
                "SELECT * FROM information_schema",
                "SELECT * FROM mysql",
            ],
            "system_relation",
        );
    }
}

#[test]
fn a_system_relation_is_found_wherever_it_hides() {
    let hidden = [
        "SELECT * FROM t WHERE a IN (SELECT a FROM pg_user)",
        "SELECT * FROM t WHERE a NOT IN (SELECT a FROM sqlite_master)",
        "SELECT * FROM t WHERE EXISTS (SELECT 1 FROM mysql.user)",
        "SELECT * FROM t WHERE a = (SELECT count(*) FROM information_schema.tables)",
        "SELECT (SELECT max(a) FROM pg_shadow) FROM t",
        "SELECT * FROM t JOIN pg_roles r ON true",
        "SELECT * FROM t LEFT JOIN information_schema.columns c ON c.a = t.a",
        "SELECT * FROM t, sqlite_master",
        "SELECT * FROM (SELECT * FROM pg_settings) s",
        "SELECT * FROM (SELECT * FROM (SELECT * FROM mysql.user) a) b",
        "WITH x AS (SELECT * FROM pg_authid) SELECT * FROM x",
        "WITH x AS (SELECT 1), y AS (SELECT * FROM sqlite_master) SELECT * FROM x",
        "SELECT a FROM t UNION SELECT a FROM pg_user",
        "SELECT a FROM t EXCEPT SELECT a FROM performance_schema.threads",
        "SELECT * FROM t ORDER BY (SELECT 1 FROM pg_user)",
        "SELECT a FROM t GROUP BY a HAVING a > (SELECT 1 FROM pg_user)",
        "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_user) THEN 1 END",
        "SELECT coalesce((SELECT 1 FROM sqlite_master), 0)",
        "SELECT count(*) FROM t WHERE a IN (SELECT a FROM u WHERE b IN (SELECT b FROM pg_user))",
    ];
    for p in all_dialects() {
        assert_all_rejected(&p, &hidden, "system_relation");
    }
}

#[test]
fn a_cte_named_like_a_system_relation_cannot_shadow_it() {
    // The guard does not try to prove that the CTE shadows the catalog: it refuses the name.
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "WITH pg_shadow AS (SELECT 1) SELECT * FROM pg_shadow",
                "WITH pg_class AS (SELECT 1 AS a) SELECT a FROM pg_class",
                "WITH sqlite_master AS (SELECT 1) SELECT * FROM sqlite_master",
                "WITH pg_user AS (SELECT * FROM t) SELECT * FROM t WHERE a IN (SELECT a FROM pg_user)",
            ],
            "system_relation",
        );
    }
}

#[test]
fn names_with_more_than_two_parts_are_refused() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &["SELECT * FROM a.b.c", "SELECT * FROM mydb.public.t", "SELECT * FROM t WHERE a IN (SELECT a FROM x.y.z)"],
            "relation_not_allowed",
        );
    }
}

#[test]
fn aliases_named_like_catalogs_are_refused() {
    // A misread keyword can turn the real relation into an "alias" (`FROM ONLY pg_shadow`), so an
    // alias named like a system relation is refused; qualifiers of ordinary aliases are fine.
    for p in all_dialects() {
        assert_rejected(&p, "SELECT pg_class.a FROM t AS pg_class", "system_relation");
        assert_rejected(&p, "SELECT s.a FROM (SELECT 1 AS a) AS sqlite_master", "system_relation");
        let a = assert_allowed(&p, "SELECT c.a FROM t AS c", "SELECT c.a FROM t AS c LIMIT 21");
        assert_eq!(a.tables, ["t"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Allowlisted relations and CTE scoping
// ---------------------------------------------------------------------------------------------

#[test]
fn with_an_allowlist_only_listed_relations_are_read() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let p = exposing(d, &["users", "orders"]);
        let a = assert_allowed(
            &p,
            "SELECT u.name, count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name",
            "SELECT u.name, count(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY u.name LIMIT 21",
        );
        assert_eq!(a.tables, ["users", "orders"]);
        assert_all_rejected(
            &p,
            &[
                "SELECT * FROM secret",
                "SELECT * FROM users JOIN secret ON true",
                "SELECT * FROM users WHERE id IN (SELECT id FROM secret)",
                "SELECT * FROM users WHERE EXISTS (SELECT 1 FROM secret)",
                "SELECT (SELECT max(a) FROM secret) FROM users",
                "SELECT * FROM users UNION SELECT * FROM secret",
                "SELECT * FROM (SELECT * FROM secret) s",
                "WITH x AS (SELECT * FROM secret) SELECT * FROM x",
                "SELECT * FROM users ORDER BY (SELECT 1 FROM secret)",
                // A schema-qualified name is a different relation from the listed bare name.
                "SELECT * FROM other.users",
            ],
            "relation_not_allowed",
        );
    }
}

#[test]
fn a_cte_name_is_not_a_relation_and_its_body_is_checked() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let p = exposing(d, &["users"]);
        let a = assert_allowed(
            &p,
            "WITH secret AS (SELECT * FROM users) SELECT * FROM secret",
            "WITH secret AS (SELECT * FROM users) SELECT * FROM secret LIMIT 21",
        );
        assert_eq!(a.tables, ["users"], "the CTE name is resolved away");
        // The body of a non-recursive CTE cannot see its own name: `secret` inside is the table.
        assert_rejected(&p, "WITH secret AS (SELECT * FROM secret) SELECT * FROM secret", "relation_not_allowed");
        // A CTE named like a listed table still has its body checked.
        assert_rejected(&p, "WITH users AS (SELECT * FROM secret) SELECT * FROM users", "relation_not_allowed");
        // Later CTEs and the main query see earlier ones.
        let a = assert_allowed(
            &p,
            "WITH a AS (SELECT * FROM users), b AS (SELECT * FROM a) SELECT * FROM b",
            "WITH a AS (SELECT * FROM users), b AS (SELECT * FROM a) SELECT * FROM b LIMIT 21",
        );
        assert_eq!(a.tables, ["users"]);
        assert_allowed(
            &p,
            "WITH x AS (SELECT 1 AS a) SELECT * FROM users WHERE id IN (SELECT a FROM x)",
            "WITH x AS (SELECT 1 AS a) SELECT * FROM users WHERE id IN (SELECT a FROM x) LIMIT 21",
        );
        assert_allowed(
            &p,
            "WITH x AS (SELECT 1 AS a) SELECT * FROM (SELECT * FROM x) s",
            "WITH x AS (SELECT 1 AS a) SELECT * FROM (SELECT * FROM x) s LIMIT 21",
        );
    }
}

#[test]
fn a_cte_does_not_leak_out_of_the_query_that_defines_it() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let p = exposing(d, &["users"]);
        assert_all_rejected(
            &p,
            &[
                // Defined in one derived table, read in a sibling or in the outer query.
                "SELECT * FROM (WITH secret AS (SELECT * FROM users) SELECT * FROM secret) s, secret",
                "SELECT * FROM (WITH secret AS (SELECT * FROM users) SELECT * FROM secret) s \
                 JOIN (SELECT * FROM secret) s2 ON true",
                "SELECT (WITH secret AS (SELECT 1) SELECT * FROM secret), (SELECT * FROM secret)",
                "SELECT * FROM users WHERE EXISTS (WITH secret AS (SELECT 1) SELECT 1) \
                 AND EXISTS (SELECT * FROM secret)",
                // Defined inside a CTE body, read by the main query.
                "WITH x AS (WITH secret AS (SELECT * FROM users) SELECT * FROM secret) SELECT * FROM secret",
                // Defined in one branch of a set operation, read in the other.
                "(WITH secret AS (SELECT * FROM users) SELECT * FROM secret) UNION (SELECT * FROM secret)",
                // A forward reference is the table, not the later CTE.
                "WITH a AS (SELECT * FROM secret), secret AS (SELECT * FROM users) SELECT * FROM a",
                // A schema-qualified name is never a CTE.
                "WITH secret AS (SELECT * FROM users) SELECT * FROM public.secret",
            ],
            "relation_not_allowed",
        );
        // A WITH on the whole set operation is visible in both branches.
        assert_allowed(
            &p,
            "WITH secret AS (SELECT * FROM users) (SELECT * FROM secret) UNION (SELECT * FROM secret)",
            "WITH secret AS (SELECT * FROM users) (SELECT * FROM secret) UNION (SELECT * FROM secret) LIMIT 21",
        );
    }
}

#[test]
fn a_recursive_cte_sees_itself_and_only_listed_tables() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let p = exposing(d, &["users"]);
        let a = assert_allowed(
            &p,
            "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) \
             SELECT * FROM r JOIN users ON users.id = r.n",
            "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 5) \
             SELECT * FROM r JOIN users ON users.id = r.n LIMIT 21",
        );
        assert_eq!(a.tables, ["users"]);
        assert_rejected(
            &p,
            "WITH RECURSIVE r AS (SELECT * FROM secret UNION ALL SELECT * FROM r) SELECT * FROM r",
            "relation_not_allowed",
        );
        assert_rejected(
            &p,
            "WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r JOIN secret ON true) SELECT * FROM r",
            "relation_not_allowed",
        );
    }
}

#[test]
fn tables_lists_each_real_relation_once_in_order_of_first_appearance() {
    for p in all_dialects() {
        let a = allowed(
            &p,
            "WITH c AS (SELECT * FROM orders) SELECT * FROM users u1 JOIN users u2 ON true \
             JOIN c ON true WHERE u1.id IN (SELECT id FROM items) AND EXISTS (SELECT 1 FROM orders)",
        );
        assert_eq!(a.tables, ["orders", "users", "items"]);
        let a = allowed(&p, "SELECT * FROM s.t JOIN t ON true");
        assert_eq!(a.tables, ["s.t", "t"]);
        assert!(allowed(&p, "SELECT 1").tables.is_empty());
    }
}

// ---------------------------------------------------------------------------------------------
// Checks before parsing
// ---------------------------------------------------------------------------------------------

#[test]
fn a_text_without_a_statement_is_empty() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &["", "   ", " \n\t\r\n ", "-- just a comment", "/* c */", "/* a */ -- b\n", ";", ";;;", " ; -- x\n ;"],
            "empty",
        );
    }
    assert_rejected(&my(), "# only a comment", "empty");
}

#[test]
fn nul_is_refused_anywhere_even_inside_a_string() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT 1\0",
                "\0SELECT 1",
                "SELECT '\0'",
                "SELECT 1 -- \0",
                "SELECT 1 /* \0 */",
                "SELECT \"a\0\" FROM t",
            ],
            "control_character",
        );
    }
}

#[test]
fn invisible_and_bidi_characters_outside_string_literals_are_refused() {
    let invisible = [
        '\u{202e}',  // right-to-left override
        '\u{202a}',  // left-to-right embedding
        '\u{2066}',  // left-to-right isolate
        '\u{200b}',  // zero-width space
        '\u{200d}',  // zero-width joiner
        '\u{200f}',  // right-to-left mark
        '\u{feff}',  // byte order mark / zero-width no-break space
        '\u{00ad}',  // soft hyphen
        '\u{00a0}',  // no-break space
        '\u{3000}',  // ideographic space
        '\u{2028}',  // line separator
        '\u{0007}',  // bell
        '\u{000b}',  // vertical tab
        '\u{000c}',  // form feed
        '\u{0085}',  // next line
        '\u{e0041}', // tag character
        '\u{fe0f}',  // variation selector
    ];
    for p in all_dialects() {
        // MySQL reads "…" as a string, so its quoted identifier is the backtick one.
        let q = if p.dialect == Dialect::Mysql { '`' } else { '"' };
        for c in invisible {
            for sql in [
                format!("SELECT 1 FROM t{c}"),
                format!("{c}SELECT 1"),
                format!("SELECT a{c}b FROM t"),
                format!("SELECT 1 FROM t -- {c}"),
                format!("SELECT 1 FROM t /* {c} */"),
                format!("SELECT {q}a{c}{q} FROM t"),
                format!("SELECT a FROM {q}t{c}{q}"),
                // One inside a string does not excuse another outside.
                format!("SELECT '{c}' FROM t{c}"),
            ] {
                assert_rejected(&p, &sql, "control_character");
            }
        }
    }
}

#[test]
fn invisible_characters_inside_string_literals_are_data() {
    for p in all_dialects() {
        for c in ['\u{202e}', '\u{200b}', '\u{feff}', '\u{00a0}', '\u{2066}'] {
            let sql = format!("SELECT a FROM t WHERE b = 'x{c}y'");
            assert_allowed(&p, &sql, &format!("{sql} LIMIT 21"));
        }
        // Ordinary non-ASCII text is not invisible.
        assert_allowed(&p, "SELECT 'é', '中文', 'Ä' FROM t", "SELECT 'é', '中文', 'Ä' FROM t LIMIT 21");
    }
}

#[test]
fn executable_comments_and_hints_are_refused_in_every_dialect() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT 1 /*!50000 UNION SELECT 2 */",
                "SELECT 1 /*! UNION SELECT 2 */",
                "SELECT 1 /*!*/",
                "SELECT 1 /*M! x */",
                "SELECT 1 /*m! x */",
                "SELECT 1 /*M!100000 x */",
                "SELECT /*+ MAX_EXECUTION_TIME(1) */ 1",
                "SELECT /*+ SeqScan(t) */ * FROM t",
                "SELECT * FROM t WHERE a = 1 /*!AND sleep(1)*/",
            ],
            "executable_comment",
        );
    }
}

#[test]
fn plain_comments_are_dropped_from_the_text_sent() {
    for p in all_dialects() {
        assert_allowed(&p, "SELECT a /* note */ FROM t -- trailing", "SELECT a FROM t LIMIT 21");
        assert_allowed(&p, "/* leading */ SELECT a FROM t", "SELECT a FROM t LIMIT 21");
        // A comment that only mentions the markers later in its body is not executable.
        assert_allowed(&p, "SELECT a FROM t /* see the docs */ WHERE b = 1", "SELECT a FROM t WHERE b = 1 LIMIT 21");
    }
}

#[test]
fn unicode_escapes_are_refused_in_every_dialect() {
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT U&'\\0041'",
                "SELECT u&'x'",
                "SELECT U&\"a\" FROM t",
                "SELECT * FROM U&\"\\0070g_shadow\"",
                "SELECT U&'d\\0061t\\+000061' UESCAPE '!'",
            ],
            "unicode_escape",
        );
        // `&` after a word that merely ends in u is not an escape.
        assert_allowed(&p, "SELECT 'menu&' FROM t", "SELECT 'menu&' FROM t LIMIT 21");
    }
}

#[test]
fn the_size_cap_is_64_kib() {
    let head = "SELECT a FROM t WHERE b = '";
    for p in all_dialects() {
        let at_cap = format!("{head}{}'", "x".repeat(64 * 1024 - head.len() - 1));
        assert_eq!(at_cap.len(), 64 * 1024);
        // The text sent (with ` LIMIT 21`) must fit under the cap too, so the verdict is stable.
        assert_rejected(&p, &at_cap, "too_large");
        let room = format!("{head}{}'", "x".repeat(64 * 1024 - head.len() - 1 - " LIMIT 21".len()));
        assert_eq!(allowed(&p, &room).sql, format!("{room} LIMIT 21"));
        let over = format!("{head}{}'", "x".repeat(64 * 1024 - head.len()));
        assert_rejected(&p, &over, "too_large");
        // Whitespace and comments count: the cap is on the text, before anything is dropped.
        assert_rejected(&p, &format!("SELECT 1 {}", " ".repeat(64 * 1024)), "too_large");
        assert_rejected(&p, &format!("SELECT 1 -- {}", "x".repeat(64 * 1024)), "too_large");
    }
}

#[test]
fn a_query_at_the_size_cap_is_stable() {
    let head = "SELECT a FROM t WHERE b = '";
    for p in all_dialects() {
        for spare in 0..12 {
            let near_cap = format!("{head}{}'", "x".repeat(64 * 1024 - head.len() - 1 - spare));
            // Either verdict is fine at the edge, but an allowed text must be allowed again.
            match check(&near_cap, &p) {
                Verdict::Allowed(a) => assert_stable(&p, &a),
                Verdict::Rejected(r) => assert_eq!(r.code, Code::TooLarge, "{}", r.message),
            }
        }
    }
}

#[test]
fn exactly_one_statement_is_allowed() {
    for p in all_dialects() {
        for sql in [
            "SELECT 1;",
            "SELECT 1;;",
            "SELECT 1; -- x",
            "SELECT 1; /* x */",
            ";SELECT 1",
            "SELECT 1 -- ; DELETE FROM t",
        ] {
            assert_allowed(&p, sql, "SELECT 1 LIMIT 21");
        }
        assert_all_rejected(
            &p,
            &[
                "SELECT 1; SELECT 2",
                "SELECT 1;SELECT 2",
                "SELECT 1 /* a */ ; /* b */ SELECT 2",
                "SELECT 1; -- x\nDELETE FROM t",
                "SELECT 1;\nDROP TABLE t",
                "SELECT 1; BEGIN",
                "SELECT * FROM t WHERE a = 'x'; DELETE FROM t; -- '",
            ],
            "multiple_statements",
        );
    }
}

#[test]
fn string_literals_side_by_side_are_refused() {
    // MySQL joins adjacent literals; sqlparser joins them too but keeps each one's raw text, so
    // the joined literal was sent in the first one's quotes: `"a" 'b""c'` became `"ab""c"`.
    for p in all_dialects() {
        assert_all_rejected(
            &p,
            &[
                "SELECT 'a' 'b' FROM t",
                "SELECT * FROM t WHERE a = 'x'\n'y'",
                "SELECT * FROM t WHERE a = 'x' /* c */ 'y'",
                "SELECT N'a' 'b'",
                "SELECT X'41' 'b'",
            ],
            "unsupported_syntax",
        );
        // One literal, or a literal as an alias after a name, is fine.
        allowed(&p, "SELECT a AS b FROM t WHERE c = 'x' AND d = 'y'");
    }
}

#[test]
fn a_number_that_runs_into_a_name_is_refused() {
    // `1x` is `1 AS x` to PostgreSQL 15 and SQLite, an error to PostgreSQL 16.
    for p in [pg(), lite()] {
        assert_all_rejected(&p, &["SELECT 1x FROM t", "SELECT a FROM t WHERE b > 1and c = 2"], "unsupported_syntax");
    }
    // MySQL names may start with digits, and sqlparser reads `1x` as the name MySQL reads; but
    // `0x10xe` is a name to MySQL and a hex string and an alias to sqlparser.
    assert_allowed(&my(), "SELECT 1x FROM t", "SELECT 1x FROM t LIMIT 21");
    for p in all_dialects() {
        assert_rejected(&p, "SELECT 0x10xe FROM t", "unsupported_syntax");
        // With a space it is a number and an alias everywhere.
        allowed(&p, "SELECT 1 x FROM t WHERE b > 1 AND c = 2.5e3");
    }
}

// ---------------------------------------------------------------------------------------------
// Depth and size: always a verdict, never a crash, also on a small caller stack
// ---------------------------------------------------------------------------------------------

fn or_chain(terms: usize) -> String {
    let terms: Vec<String> = (0..terms).map(|i| format!("a = {i}")).collect();
    format!("SELECT * FROM t WHERE {}", terms.join(" OR "))
}

fn union_chain(branches: usize) -> String {
    (0..branches).map(|i| format!("SELECT {i}")).collect::<Vec<_>>().join(" UNION ")
}

fn nested_parens(depth: usize) -> String {
    format!("SELECT {}1{}", "(".repeat(depth), ")".repeat(depth))
}

fn nested_subqueries(depth: usize) -> String {
    format!("SELECT * FROM {}t{}", "(SELECT * FROM ".repeat(depth), ") s".repeat(depth))
}

fn in_list(items: usize) -> String {
    let items: Vec<String> = (0..items).map(|i| i.to_string()).collect();
    format!("SELECT * FROM t WHERE a IN ({})", items.join(", "))
}

/// About 62 KB of SQL with about 2,000 tokens: large but under every cap.
fn sixty_kb_query() -> String {
    let items: Vec<String> = (0..1000).map(|i| format!("'{i:0>56}'")).collect();
    format!("SELECT * FROM t WHERE b IN ({})", items.join(", "))
}

#[test]
fn deep_and_wide_inputs_are_refused_as_too_complex() {
    for p in all_dialects() {
        assert_rejected(&p, &or_chain(2_000), "too_complex");
        assert_rejected(&p, &union_chain(1_000), "too_complex");
        assert_rejected(&p, &nested_parens(500), "too_complex");
        assert_rejected(&p, &nested_subqueries(300), "too_complex");
        assert_rejected(&p, &format!("SELECT 1{}", " + 1".repeat(300)), "too_complex");
    }
}

#[test]
fn large_but_reasonable_inputs_are_allowed() {
    for p in all_dialects() {
        assert_eq!(allowed(&p, &or_chain(200)).limit, 21);
        assert_eq!(allowed(&p, &union_chain(200)).limit, 21);
        assert_eq!(allowed(&p, &nested_parens(40)).limit, 21);
        assert_eq!(allowed(&p, &nested_subqueries(20)).tables, ["t"]);
        assert_eq!(allowed(&p, &in_list(4_000)).limit, 21);
        let big = sixty_kb_query();
        assert!(big.len() > 60_000 && big.len() < 64 * 1024, "{}", big.len());
        let a = allowed(&p, &big);
        assert_eq!(a.sql, format!("{big} LIMIT 21"));
    }
}

#[test]
fn a_5000_item_in_list_gets_a_verdict() {
    // Always a verdict; whether it should be allowed is the ignored test below.
    for p in all_dialects() {
        let outcome = outcome(&p, &in_list(5_000));
        assert!(matches!(outcome, "allowed" | "too_complex"), "{outcome}");
    }
}

#[test]
fn a_5000_item_in_list_is_allowed() {
    for p in all_dialects() {
        assert_eq!(allowed(&p, &in_list(5_000)).limit, 21);
    }
}

#[test]
fn deep_inputs_do_not_overflow_a_small_caller_stack() {
    let results = on_small_stack(|| {
        let mut codes = Vec::new();
        for p in all_dialects() {
            for sql in [
                or_chain(2_000),
                union_chain(1_000),
                nested_parens(500),
                nested_subqueries(300),
                in_list(5_000),
                sixty_kb_query(),
                // Inputs just under the caps walk the deepest trees the guard accepts.
                or_chain(250),
                union_chain(250),
                nested_parens(46),
                nested_subqueries(23),
            ] {
                codes.push(outcome(&p, &sql));
            }
        }
        codes
    });
    let expected = [
        "too_complex",
        "too_complex",
        "too_complex",
        "too_complex",
        "allowed",
        "allowed",
        "allowed",
        "allowed",
        "allowed",
        "allowed",
    ];
    for (dialect, codes) in results.chunks(expected.len()).enumerate() {
        assert_eq!(codes, expected, "dialect #{dialect}");
    }
}

#[test]
fn the_largest_allowed_inputs_are_stable_on_a_small_stack() {
    // The stability check renders and re-parses the output, which also walks the whole tree.
    on_small_stack(|| {
        for p in all_dialects() {
            allowed(&p, &or_chain(250));
            allowed(&p, &union_chain(250));
            allowed(&p, &nested_parens(46));
            allowed(&p, &nested_subqueries(23));
            allowed(&p, &in_list(4_000));
            allowed(&p, &sixty_kb_query());
        }
    });
}
