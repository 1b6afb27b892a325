//! Schema introspection for one MySQL/MariaDB database, over the connector's own fixed queries on
//! `information_schema` (never the user-SQL path): tables and views, columns with their full
//! `COLUMN_TYPE`, nullability and comments, primary and foreign keys, table comments and the
//! server's row estimates. The database name is always a bound parameter.

use std::collections::{BTreeMap, HashSet};

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value};

use super::options::Flavour;
use crate::schema::{Exposure, ForeignKey, Schema, SchemaColumn, Table, TableKind};

const TABLES: &str = "SELECT TABLE_NAME, TABLE_TYPE, TABLE_COMMENT, TABLE_ROWS \
     FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?";

const COLUMNS: &str = "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_COMMENT \
     FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME, ORDINAL_POSITION";

const KEYS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, \
     REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME \
     FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? \
     ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// MariaDB's `JSON` is `LONGTEXT` with a column-level `CHECK (json_valid(col))` named after the
/// column; this finds those columns. (MySQL has a real JSON type and needs no lookup.)
pub(super) const MARIADB_JSON_COLUMNS: &str = "SELECT TABLE_NAME, CONSTRAINT_NAME \
     FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND LEVEL = 'Column' \
     AND CHECK_CLAUSE = CONCAT('json_valid(`', CONSTRAINT_NAME, '`)')";

/// Reads the exposed tables and views of `database`, sorted by name.
pub(super) async fn read(
    conn: &mut Conn,
    database: &str,
    flavour: Flavour,
    exposure: &Exposure,
) -> Result<Schema, mysql_async::Error> {
    let defaults = [database.to_owned()];
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in conn.exec::<Row, _, _>(TABLES, (database,)).await? {
        let cells = row.unwrap_raw();
        let Some(name) = text_at(&cells, 0) else { continue };
        let kind = match text_at(&cells, 1).as_deref() {
            Some("BASE TABLE" | "SYSTEM VERSIONED") => TableKind::Table,
            Some("VIEW") => TableKind::View,
            // Sequences, temporary and system tables are not data to ask about.
            _ => continue,
        };
        if !exposure.exposes(database, &name, &defaults) {
            continue;
        }
        // Views carry the comment "VIEW" and no row estimate.
        let comment = text_at(&cells, 2).filter(|c| !c.is_empty() && kind == TableKind::Table);
        let approximate_rows = if kind == TableKind::Table { number_at(&cells, 3) } else { None };
        let table = Table {
            schema: database.to_owned(),
            name: name.clone(),
            kind,
            comment,
            approximate_rows,
            columns: Vec::new(),
            primary_key: Vec::new(),
            foreign_keys: Vec::new(),
        };
        tables.insert(name, table);
    }

    let json_columns = match flavour {
        Flavour::MariaDb => mariadb_json_columns(conn, database).await?,
        Flavour::MySql => HashSet::new(),
    };
    for row in conn.exec::<Row, _, _>(COLUMNS, (database,)).await? {
        let cells = row.unwrap_raw();
        let (Some(table), Some(name)) = (text_at(&cells, 0), text_at(&cells, 1)) else { continue };
        let Some(entry) = tables.get_mut(&table) else { continue };
        let declared = text_at(&cells, 2).unwrap_or_default();
        let type_name = if json_columns.contains(&(table, name.clone())) { "json".to_owned() } else { declared };
        entry.columns.push(SchemaColumn {
            name,
            type_name,
            nullable: text_at(&cells, 3).as_deref() == Some("YES"),
            comment: text_at(&cells, 4).filter(|c| !c.is_empty()),
        });
    }

    let mut last_fk: Option<(String, String)> = None;
    for row in conn.exec::<Row, _, _>(KEYS, (database,)).await? {
        let cells = row.unwrap_raw();
        let (Some(table), Some(constraint), Some(column)) =
            (text_at(&cells, 0), text_at(&cells, 1), text_at(&cells, 2))
        else {
            continue;
        };
        let Some(entry) = tables.get_mut(&table) else { continue };
        match (text_at(&cells, 3), text_at(&cells, 4), text_at(&cells, 5)) {
            (Some(ref_schema), Some(ref_table), Some(ref_column)) => {
                // Rows come ordered by constraint and position: a new constraint starts a new key.
                let key = (table.clone(), constraint);
                match entry.foreign_keys.last_mut() {
                    Some(fk) if last_fk.as_ref() == Some(&key) => {
                        fk.columns.push(column);
                        fk.ref_columns.push(ref_column);
                    }
                    _ => entry.foreign_keys.push(ForeignKey {
                        columns: vec![column],
                        ref_schema,
                        ref_table,
                        ref_columns: vec![ref_column],
                    }),
                }
                last_fk = Some(key);
            }
            // MySQL and MariaDB always name the primary key PRIMARY; other unique keys are skipped.
            _ if constraint == "PRIMARY" => entry.primary_key.push(column),
            _ => {}
        }
    }
    Ok(Schema { tables: tables.into_values().collect() })
}

/// `(table, column)` of every MariaDB `JSON` column of `database`. A server too old to have the
/// view (before 10.2) has no JSON alias either: its error means "none".
async fn mariadb_json_columns(
    conn: &mut Conn,
    database: &str,
) -> Result<HashSet<(String, String)>, mysql_async::Error> {
    match conn.exec::<Row, _, _>(MARIADB_JSON_COLUMNS, (database,)).await {
        Ok(rows) => Ok(rows
            .into_iter()
            .filter_map(|row| {
                let cells = row.unwrap_raw();
                Some((text_at(&cells, 0)?, text_at(&cells, 1)?))
            })
            .collect()),
        Err(mysql_async::Error::Server(_)) => Ok(HashSet::new()),
        Err(other) => Err(other),
    }
}

/// A cell of an `information_schema` row as text.
pub(super) fn text_at(cells: &[Option<Value>], index: usize) -> Option<String> {
    match cells.get(index)? {
        Some(Value::Bytes(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        Some(Value::Int(i)) => Some(i.to_string()),
        Some(Value::UInt(u)) => Some(u.to_string()),
        _ => None,
    }
}

/// A cell of an `information_schema` row as a count.
fn number_at(cells: &[Option<Value>], index: usize) -> Option<u64> {
    match cells.get(index)? {
        Some(Value::UInt(u)) => Some(*u),
        Some(Value::Int(i)) => u64::try_from(*i).ok(),
        Some(Value::Bytes(bytes)) => std::str::from_utf8(bytes).ok()?.parse().ok(),
        _ => None,
    }
}
