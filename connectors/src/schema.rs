//! What a connector tells the ask pipeline about its database: the exposed tables and views, their
//! columns, keys, comments and approximate sizes. Read by the connector over its own fixed queries,
//! never through the user-SQL path.

use serde::Serialize;

/// Which relations a connector exposes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Exposure {
    /// Every table and view the credentials can see outside the system schemas (PostgreSQL: in
    /// the connector's `search_path`; MySQL: in its database).
    #[default]
    All,
    /// Only these relations.
    Only(Vec<TableRef>),
}

/// A relation name: `table` (in the connector's default schema or database) or `schema.table`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TableRef {
    /// The schema (PostgreSQL) or database (MySQL), if given.
    pub schema: Option<String>,
    /// The table or view.
    pub name: String,
}

impl TableRef {
    /// Parses `table` or `schema.table` (no quoting; names are taken as written).
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let (first, second) = (parts.next()?, parts.next());
        if parts.next().is_some() || first.is_empty() || second.is_some_and(str::is_empty) {
            return None;
        }
        Some(match second {
            Some(name) => TableRef { schema: Some(first.to_owned()), name: name.to_owned() },
            None => TableRef { schema: None, name: first.to_owned() },
        })
    }
}

impl Exposure {
    /// Whether `schema.name` is exposed; `default_schemas` are those an unqualified entry means.
    pub fn exposes(&self, schema: &str, name: &str, default_schemas: &[String]) -> bool {
        match self {
            Exposure::All => true,
            Exposure::Only(refs) => refs.iter().any(|r| {
                r.name == name
                    && match &r.schema {
                        Some(s) => s == schema,
                        None => default_schemas.iter().any(|d| d == schema),
                    }
            }),
        }
    }
}

/// A database's exposed relations.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Schema {
    /// Tables and views, sorted by schema and name.
    pub tables: Vec<Table>,
}

/// Whether a relation stores rows or computes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// A base (or partitioned) table.
    Table,
    /// A view or materialized view.
    View,
}

/// One table or view.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Table {
    /// PostgreSQL schema or MySQL database.
    pub schema: String,
    /// The relation's name.
    pub name: String,
    /// Table or view.
    pub kind: TableKind,
    /// The comment an admin wrote on it, if any.
    pub comment: Option<String>,
    /// The server's estimate of its rows (statistics, not a count); `None` when unknown.
    pub approximate_rows: Option<u64>,
    /// Columns in order.
    pub columns: Vec<SchemaColumn>,
    /// The primary key's columns, in key order (empty when none).
    pub primary_key: Vec<String>,
    /// Foreign keys from this relation.
    pub foreign_keys: Vec<ForeignKey>,
}

/// One column of a table or view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaColumn {
    /// The column's name.
    pub name: String,
    /// The database's type name, as it would print it (`character varying(40)`, `int unsigned`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// The column's comment, if any.
    pub comment: Option<String>,
}

/// A foreign key: `columns` of this table reference `ref_columns` of `ref_schema.ref_table`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForeignKey {
    /// Referencing columns, in key order.
    pub columns: Vec<String>,
    /// Referenced schema or database.
    pub ref_schema: String,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns, in the same order.
    pub ref_columns: Vec<String>,
}
