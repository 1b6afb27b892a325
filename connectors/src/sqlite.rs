//! SQLite: a read-only session for one query.
//!
//! The wall, whatever the guard said: the file is opened read-only (`SQLITE_OPEN_READ_ONLY`),
//! `query_only` is on, the defensive configuration is set and schema-embedded SQL is untrusted;
//! an authorizer allows only reads, selects, function calls and recursive CTEs while a statement is
//! prepared (no ATTACH, PRAGMA, transaction control or writes, no `sqlite_*` tables or functions,
//! and strings and blobs of at most 4 MiB, so one function call cannot run long); the
//! prepared statement must report itself read-only; and a progress handler stops it at the deadline.
//! Rows are stepped one at a time into the [`Trimmer`], and stepping stops as soon as it says so.

use std::path::Path;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use rusqlite::config::DbConfig;
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::limits::Limit;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::Value;

use crate::budget::{Budget, Trimmer};
use crate::error::ConnectorError;
use crate::result::{Column, QueryResult};
use crate::schema::{Exposure, ForeignKey, Schema, SchemaColumn, Table, TableKind};

/// How often (in SQLite VM steps) the deadline is checked.
const PROGRESS_STEPS: i32 = 10_000;
/// The largest string or blob SQLite may build in this session. The progress handler cannot stop
/// one function call, so this bounds what a single `printf('%.1000000000c', …)` or `zeroblob`
/// costs in time and memory; a cell is cut to 1 KiB anyway.
const MAX_VALUE_BYTES: i32 = 4 * 1024 * 1024;

/// Runs `sql` (already approved by the guard) against the SQLite file at `path`.
pub fn query(path: &Path, sql: &str, budget: Budget, timeout: Duration) -> Result<QueryResult, ConnectorError> {
    let conn = open(path)?;
    let deadline = Instant::now() + timeout;
    conn.progress_handler(PROGRESS_STEPS, Some(move || Instant::now() >= deadline));
    let timed_out = |e: rusqlite::Error| {
        if Instant::now() >= deadline {
            ConnectorError::Timeout(timeout.as_millis() as u64)
        } else {
            ConnectorError::Database(e.to_string())
        }
    };
    let mut stmt = conn.prepare(sql).map_err(timed_out)?;
    if !stmt.readonly() {
        return Err(ConnectorError::NotReadOnly);
    }
    let columns: Vec<Column> = stmt
        .columns()
        .iter()
        .map(|c| Column {
            name: c.name().to_owned(),
            type_name: c.decl_type().map_or_else(|| "dynamic".to_owned(), str::to_ascii_lowercase),
        })
        .collect();
    let width = columns.len();
    let mut trimmer = Trimmer::new(budget);
    let mut rows = stmt.query([]).map_err(timed_out)?;
    while let Some(row) = rows.next().map_err(timed_out)? {
        // Work between VM steps (building and measuring cells) is not seen by the progress handler.
        if Instant::now() >= deadline {
            return Err(ConnectorError::Timeout(timeout.as_millis() as u64));
        }
        let cells = (0..width).map(|i| row.get_ref(i).map(cell)).collect::<Result<Vec<_>, _>>().map_err(timed_out)?;
        if !trimmer.offer(cells) {
            break;
        }
    }
    let (rows, truncated) = trimmer.finish();
    Ok(QueryResult { columns, row_count: rows.len() as u64, rows, truncated, warnings: 0 })
}

fn open(path: &Path) -> Result<Connection, ConnectorError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| ConnectorError::Open(e.to_string()))?;
    let wall = |e: rusqlite::Error| ConnectorError::Open(format!("could not make the session read-only: {e}"));
    conn.pragma_update(None, "query_only", true).map_err(wall)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true).map_err(wall)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false).map_err(wall)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES).map_err(wall)?;
    conn.set_limit(Limit::SQLITE_LIMIT_ATTACHED, 0).map_err(wall)?;
    conn.authorizer(Some(authorize));
    Ok(conn)
}

/// Allows what a read needs, and nothing else.
fn authorize(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        AuthAction::Select | AuthAction::Recursive => Authorization::Allow,
        // sqlite_version(), sqlite_compileoption_get() … report the build, not the data.
        AuthAction::Function { function_name } if !has_sqlite_prefix(function_name) => Authorization::Allow,
        AuthAction::Read { table_name, .. } if !has_sqlite_prefix(table_name) => Authorization::Allow,
        _ => Authorization::Deny,
    }
}

fn has_sqlite_prefix(name: &str) -> bool {
    name.len() >= 7 && name.as_bytes()[..7].eq_ignore_ascii_case(b"sqlite_")
}

/// SQLite's dynamic values as JSON: integers and reals as numbers (non-finite reals as strings),
/// text as strings, blobs as base64.
fn cell(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) if f.is_finite() => Value::from(f),
        ValueRef::Real(f) => Value::String(f.to_string()),
        ValueRef::Text(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        ValueRef::Blob(bytes) => Value::String(BASE64.encode(bytes)),
    }
}

/// The file's tables and views (not SQLite's own), with columns, keys and, where `ANALYZE` has
/// run, row estimates; filtered by `exposure`. Read over the connector's own fixed queries on a
/// read-only connection. SQLite has no comments, so those are `None`.
pub fn schema(path: &Path, exposure: &Exposure) -> Result<Schema, ConnectorError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| ConnectorError::Open(e.to_string()))?;
    let db = |e: rusqlite::Error| ConnectorError::Database(e.to_string());
    conn.pragma_update(None, "query_only", true).map_err(db)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false).map_err(db)?;
    let main = ["main".to_owned()];
    let mut relations = conn
        .prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
        .map_err(db)?;
    let relations: Vec<(String, String)> =
        relations.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).map_err(db)?.collect::<Result<_, _>>().map_err(db)?;
    let has_stats: bool = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'", [], |r| r.get::<_, i64>(0))
        .map_err(db)?
        > 0;
    let mut tables = Vec::new();
    for (name, kind) in relations {
        if !exposure.exposes("main", &name, &main) {
            continue;
        }
        let kind = if kind == "view" { TableKind::View } else { TableKind::Table };
        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        let mut info =
            conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid").map_err(db)?;
        let mut rows = info.query([&name]).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            let column: String = row.get(0).map_err(db)?;
            let pk: i64 = row.get(3).map_err(db)?;
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            columns.push(SchemaColumn {
                name: column,
                type_name: row.get::<_, String>(1).map_err(db)?.to_ascii_lowercase(),
                nullable: row.get::<_, i64>(2).map_err(db)? == 0 && pk == 0,
                comment: None,
            });
        }
        key.sort();
        let mut foreign_keys: Vec<ForeignKey> = Vec::new();
        let mut fks = conn
            .prepare("SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?1) ORDER BY id, seq")
            .map_err(db)?;
        let mut rows = fks.query([&name]).map_err(db)?;
        let mut last_id = None;
        while let Some(row) = rows.next().map_err(db)? {
            let id: i64 = row.get(0).map_err(db)?;
            let (ref_table, from): (String, String) = (row.get(1).map_err(db)?, row.get(2).map_err(db)?);
            // `to` is NULL when the key references the other table's primary key.
            let to: Option<String> = row.get(3).map_err(db)?;
            if last_id != Some(id) {
                foreign_keys.push(ForeignKey {
                    columns: Vec::new(),
                    ref_schema: "main".into(),
                    ref_table,
                    ref_columns: Vec::new(),
                });
                last_id = Some(id);
            }
            if let Some(fk) = foreign_keys.last_mut() {
                fk.columns.push(from);
                fk.ref_columns.push(to.unwrap_or_default());
            }
        }
        for fk in &mut foreign_keys {
            if fk.ref_columns.iter().any(String::is_empty) {
                let mut pk =
                    conn.prepare("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk").map_err(db)?;
                fk.ref_columns =
                    pk.query_map([&fk.ref_table], |r| r.get(0)).map_err(db)?.collect::<Result<_, _>>().map_err(db)?;
            }
        }
        let approximate_rows = if has_stats && kind == TableKind::Table {
            conn.query_row("SELECT stat FROM sqlite_stat1 WHERE tbl = ?1 LIMIT 1", [&name], |r| r.get::<_, String>(0))
                .ok()
                .and_then(|stat| stat.split(' ').next().and_then(|n| n.parse().ok()))
        } else {
            None
        };
        tables.push(Table {
            schema: "main".into(),
            name,
            kind,
            comment: None,
            approximate_rows,
            columns,
            primary_key: key.into_iter().map(|(_, c)| c).collect(),
            foreign_keys,
        });
    }
    Ok(Schema { tables })
}
