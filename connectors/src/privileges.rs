//! The least-privilege report: what a connector's credentials could do beyond reading. sqlgate's
//! walls do not rely on it, but credentials that can write turn any wall bug into a data loss, so
//! they are reported with the SQL that creates a read-only role instead, and can be refused.

use serde::Serialize;

/// One thing the credentials can do that a read-only connector should not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivilegeWarning {
    /// What kind of power it is.
    pub kind: PrivilegeKind,
    /// What it applies to (`sales.orders`, a schema, or the whole server).
    pub object: String,
    /// A sentence for the admin.
    pub message: String,
}

/// The kinds of power the report looks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PrivilegeKind {
    /// Superuser (PostgreSQL) or SUPER / ALL PRIVILEGES on everything (MySQL).
    Superuser,
    /// INSERT, UPDATE, DELETE or TRUNCATE on an exposed table.
    Write,
    /// CREATE on a schema or database.
    Create,
    /// Reading or writing server files (`pg_read_server_files`, MySQL FILE).
    File,
    /// Replication, role creation, database creation, or server administration.
    Admin,
    /// User-defined functions or operators in a schema queries resolve names in: one that
    /// overloads a built-in the guard allows (`lower(integer)`) would run inside a query.
    UserCode,
    /// Cancelling or terminating the other sessions of the same role (PostgreSQL's
    /// `pg_terminate_backend`, which every role may run on its own sessions by default).
    Signal,
}

/// Everything the credentials can do beyond reading, and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrivilegeReport {
    /// Each power found; empty for a proper read-only role.
    pub warnings: Vec<PrivilegeWarning>,
    /// SQL an admin can run (as a privileged user) to create a read-only login for this
    /// connector; present whenever a warning is about the credentials' powers.
    pub fix_sql: Option<String>,
}

impl PrivilegeReport {
    /// Whether the credentials can only read.
    pub fn is_read_only(&self) -> bool {
        self.warnings.is_empty()
    }

    /// The kinds of power found, as a short list (`superuser, write to tables`).
    pub fn powers(&self) -> String {
        let mut kinds: Vec<&str> = self.warnings.iter().map(|w| w.kind.label()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        kinds.join(", ")
    }

    /// One line for a response's `warnings`, or `None` for read-only credentials.
    pub fn summary(&self) -> Option<String> {
        (!self.warnings.is_empty()).then(|| {
            format!(
                "these credentials can do more than read ({}); sqlgate still runs every query read-only, but create a read-only role for this connector (the README's least-privilege section has the SQL)",
                self.powers()
            )
        })
    }
}

impl PrivilegeKind {
    fn label(self) -> &'static str {
        match self {
            PrivilegeKind::Superuser => "superuser",
            PrivilegeKind::Write => "write to tables",
            PrivilegeKind::Create => "create objects",
            PrivilegeKind::File => "server files",
            PrivilegeKind::Admin => "administer the server",
            PrivilegeKind::UserCode => "user-defined functions on the search path",
            PrivilegeKind::Signal => "stop other sessions of the same role",
        }
    }
}
