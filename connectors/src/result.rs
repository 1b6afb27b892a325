//! A query's answer as the connectors return it: typed columns, JSON rows, and what was cut.

use serde::Serialize;
use serde_json::Value;

use crate::budget::Truncation;

/// One result column: its name and the database's name for its type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Column {
    /// The column name as the database reports it.
    pub name: String,
    /// The database's type name (lower case), or `dynamic` where it has none.
    #[serde(rename = "type")]
    pub type_name: String,
}

/// Rows read under a budget.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QueryResult {
    /// The result's columns, in order.
    pub columns: Vec<Column>,
    /// The rows kept, each cell as JSON.
    pub rows: Vec<Vec<Value>>,
    /// How many rows are in `rows`.
    pub row_count: u64,
    /// What was cut, or `None` when the rows are the whole result.
    pub truncated: Option<Truncation>,
    /// Warnings the database reported for the statement read to its end (MySQL and MariaDB:
    /// e.g. a value it had to convert to compare it); 0 from PostgreSQL and SQLite, which do not
    /// report them with a result. A signal for the ask pipeline, not part of any response.
    #[serde(skip)]
    pub warnings: u16,
}
