//! PostgreSQL schema introspection and the least-privilege report, over the connector's own
//! fixed catalog queries (parameters bound, names schema-qualified), each in a read-only
//! transaction that is rolled back.

use std::collections::HashMap;

use crate::error::ConnectorError;
use crate::postgres::{pg_error, quote_ident, Lease, PostgresConnector};
use crate::privileges::{PrivilegeKind, PrivilegeReport, PrivilegeWarning};
use crate::schema::{Exposure, ForeignKey, Schema, SchemaColumn, Table, TableKind};

const TABLES: &str = "SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, \
       pg_catalog.obj_description(c.oid, 'pg_class'), c.reltuples::float8 \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition AND n.nspname = ANY($1::text[]) \
       AND pg_catalog.has_table_privilege(c.oid, 'SELECT') \
     ORDER BY 2, 3";

const COLUMNS: &str = "SELECT a.attrelid, a.attname::text, pg_catalog.format_type(a.atttypid, a.atttypmod), \
       NOT a.attnotnull, pg_catalog.col_description(a.attrelid, a.attnum) \
     FROM pg_catalog.pg_attribute a \
     WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped \
     ORDER BY a.attrelid, a.attnum";

const KEYS: &str = "SELECT con.conrelid, con.contype::text, \
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord), \
       rn.nspname::text, rc.relname::text, \
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord) \
             JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) \
     FROM pg_catalog.pg_constraint con \
     LEFT JOIN pg_catalog.pg_class rc ON rc.oid = con.confrelid \
     LEFT JOIN pg_catalog.pg_namespace rn ON rn.oid = rc.relnamespace \
     WHERE con.conrelid = ANY($1::oid[]) AND con.contype IN ('p', 'f') \
     ORDER BY con.conrelid, con.conname";

const ROLE: &str =
    "SELECT r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls, current_user::text \
     FROM pg_catalog.pg_roles r WHERE r.rolname = current_user";

/// Built-in roles that reach past the tables: server files and programs, every table's data,
/// other sessions.
const POWERFUL_ROLES: &str = "SELECT r.rolname::text FROM pg_catalog.pg_roles r \
     WHERE r.rolname IN ('pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', \
                         'pg_write_all_data', 'pg_signal_backend', 'pg_checkpoint') \
       AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER') ORDER BY 1";

const TABLE_WRITES: &str = "SELECT n.nspname::text, c.relname::text, \
       pg_catalog.has_any_column_privilege(c.oid, 'INSERT'), pg_catalog.has_any_column_privilege(c.oid, 'UPDATE'), \
       pg_catalog.has_table_privilege(c.oid, 'DELETE'), \
       c.relkind IN ('r', 'p') AND pg_catalog.has_table_privilege(c.oid, 'TRUNCATE') \
     FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
     WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND n.nspname = ANY($1::text[]) ORDER BY 1, 2";

const SCHEMA_CREATE: &str = "SELECT n.nspname::text FROM pg_catalog.pg_namespace n \
     WHERE n.nspname = ANY($1::text[]) AND pg_catalog.has_schema_privilege(n.oid, 'CREATE') ORDER BY 1";

/// User-defined functions and operators in the schemas queries resolve names in (extensions'
/// objects included: they are code too).
const USER_CODE: &str = "SELECT n.nspname::text, \
       (SELECT count(*) FROM pg_catalog.pg_proc p WHERE p.pronamespace = n.oid), \
       (SELECT count(*) FROM pg_catalog.pg_operator o WHERE o.oprnamespace = n.oid) \
     FROM pg_catalog.pg_namespace n WHERE n.nspname = ANY($1::text[]) ORDER BY 1";

/// Casts created in this database (extensions' included), whatever schema their function is in:
/// a cast applies wherever a value of its source type is cast, so the search path does not limit it.
/// The first 16,384 object ids are the server's own.
const USER_CASTS: &str =
    "SELECT pg_catalog.format_type(c.castsource, NULL), pg_catalog.format_type(c.casttarget, NULL) \
     FROM pg_catalog.pg_cast c WHERE c.oid >= 16384 AND c.castmethod = 'f' ORDER BY 1, 2";

/// Functions that signal other backends and that PostgreSQL lets every role run on sessions of
/// its own role: the connector's other pooled sessions, so other users' queries.
const SIGNALS: &str = "SELECT p.oid::pg_catalog.regprocedure::text FROM pg_catalog.pg_proc p \
     WHERE p.pronamespace = 'pg_catalog'::pg_catalog.regnamespace \
       AND p.proname IN ('pg_cancel_backend', 'pg_terminate_backend') \
       AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE') ORDER BY 1";

const DATABASE_CREATE: &str =
    "SELECT pg_catalog.has_database_privilege(pg_catalog.current_database(), 'CREATE'), pg_catalog.current_database()::text";

/// `REVOKE … FROM PUBLIC` of the signal functions, in this database only (functions belong to a
/// database); superusers and members of `pg_signal_backend` keep them.
fn revoke_signals_sql(functions: &[String]) -> String {
    let list: Vec<String> = functions.iter().map(|f| format!("pg_catalog.{f}")).collect();
    format!("REVOKE EXECUTE ON FUNCTION {} FROM PUBLIC;\n", list.join(", "))
}

impl PostgresConnector {
    /// The exposed tables and views the credentials can read, with columns, keys, comments and
    /// the planner's row estimates.
    pub async fn schema(&self, exposure: &Exposure) -> Result<Schema, ConnectorError> {
        let schemas = self.schemas_of(exposure);
        let mut lease = self.begin_catalog().await?;
        let client = lease.client();
        let read = async {
            let tables = client.query(TABLES, &[&schemas]).await?;
            let oids: Vec<u32> = tables.iter().map(|r| r.get::<_, u32>(0)).collect();
            let columns = client.query(COLUMNS, &[&oids]).await?;
            let keys = client.query(KEYS, &[&oids]).await?;
            Ok((tables, columns, keys))
        }
        .await;
        end_catalog(&mut lease).await;
        let (tables, columns, keys) = read.map_err(|e| pg_error(e, self.config().statement_timeout))?;
        let default_schemas = &self.config().search_path;
        let mut by_oid: HashMap<u32, Table> = HashMap::new();
        let mut order = Vec::new();
        for row in &tables {
            let (oid, schema, name): (u32, String, String) = (row.get(0), row.get(1), row.get(2));
            if !exposure.exposes(&schema, &name, default_schemas) {
                continue;
            }
            let kind =
                if matches!(row.get::<_, &str>(3), "r" | "p" | "f") { TableKind::Table } else { TableKind::View };
            // reltuples is -1 before the first ANALYZE (PostgreSQL 14+) and 0 for views.
            let estimate: f64 = row.get(5);
            let approximate_rows = (kind == TableKind::Table && estimate >= 0.0).then_some(estimate as u64);
            order.push(oid);
            by_oid.insert(
                oid,
                Table {
                    schema,
                    name,
                    kind,
                    comment: row.get(4),
                    approximate_rows,
                    columns: Vec::new(),
                    primary_key: Vec::new(),
                    foreign_keys: Vec::new(),
                },
            );
        }
        for row in &columns {
            if let Some(table) = by_oid.get_mut(&row.get::<_, u32>(0)) {
                table.columns.push(SchemaColumn {
                    name: row.get(1),
                    type_name: row.get(2),
                    nullable: row.get(3),
                    comment: row.get(4),
                });
            }
        }
        for row in &keys {
            let Some(table) = by_oid.get_mut(&row.get::<_, u32>(0)) else { continue };
            let columns: Vec<String> = row.get(2);
            if row.get::<_, &str>(1) == "p" {
                table.primary_key = columns;
            } else {
                table.foreign_keys.push(ForeignKey {
                    columns,
                    ref_schema: row.get::<_, Option<String>>(3).unwrap_or_default(),
                    ref_table: row.get::<_, Option<String>>(4).unwrap_or_default(),
                    ref_columns: row.get(5),
                });
            }
        }
        Ok(Schema { tables: order.into_iter().filter_map(|oid| by_oid.remove(&oid)).collect() })
    }

    /// What the credentials can do beyond reading the exposed relations, and the SQL for a
    /// read-only role instead.
    pub async fn privileges(&self, exposure: &Exposure) -> Result<PrivilegeReport, ConnectorError> {
        let schemas = self.schemas_of(exposure);
        let mut lease = self.begin_catalog().await?;
        let client = lease.client();
        let read = async {
            let role = client.query_one(ROLE, &[]).await?;
            let powerful = client.query(POWERFUL_ROLES, &[]).await?;
            let writes = client.query(TABLE_WRITES, &[&schemas]).await?;
            let creates = client.query(SCHEMA_CREATE, &[&schemas]).await?;
            let database = client.query_one(DATABASE_CREATE, &[]).await?;
            let code = client.query(USER_CODE, &[&schemas]).await?;
            let casts = client.query(USER_CASTS, &[]).await?;
            let signals = client.query(SIGNALS, &[]).await?;
            Ok((role, powerful, writes, creates, database, code, casts, signals))
        }
        .await;
        end_catalog(&mut lease).await;
        let (role, powerful, writes, creates, database, code, casts, signals) =
            read.map_err(|e| pg_error(e, self.config().statement_timeout))?;
        let user: String = role.get(5);
        let mut warnings = Vec::new();
        let mut warn =
            |kind, object: String, message: String| warnings.push(PrivilegeWarning { kind, object, message });
        if role.get::<_, bool>(0) {
            warn(
                PrivilegeKind::Superuser,
                user.clone(),
                format!("{user} is a superuser: it can read and change anything on the server, including files"),
            );
        } else {
            for (column, what) in [
                (1, "create roles"),
                (2, "create databases"),
                (3, "start replication"),
                (4, "bypass row-level security"),
            ] {
                if role.get::<_, bool>(column) {
                    warn(PrivilegeKind::Admin, user.clone(), format!("{user} can {what}"));
                }
            }
            for row in &powerful {
                let granted: String = row.get(0);
                let kind = if granted.contains("files") || granted.contains("program") {
                    PrivilegeKind::File
                } else if granted == "pg_write_all_data" {
                    PrivilegeKind::Write
                } else {
                    PrivilegeKind::Admin
                };
                warn(kind, granted.clone(), format!("{user} is a member of {granted}"));
            }
            let default_schemas = &self.config().search_path;
            for row in &writes {
                let (schema, name): (String, String) = (row.get(0), row.get(1));
                if !exposure.exposes(&schema, &name, default_schemas) {
                    continue;
                }
                let powers: Vec<&str> = [(2, "INSERT"), (3, "UPDATE"), (4, "DELETE"), (5, "TRUNCATE")]
                    .into_iter()
                    .filter(|(i, _)| row.get::<_, bool>(*i))
                    .map(|(_, p)| p)
                    .collect();
                if !powers.is_empty() {
                    warn(
                        PrivilegeKind::Write,
                        format!("{schema}.{name}"),
                        format!("{user} can {} on {schema}.{name}", powers.join(", ")),
                    );
                }
            }
            for row in &creates {
                let schema: String = row.get(0);
                warn(PrivilegeKind::Create, schema.clone(), format!("{user} can create objects in schema {schema}"));
            }
            if database.get::<_, bool>(0) {
                let name: String = database.get(1);
                warn(PrivilegeKind::Create, name.clone(), format!("{user} can create schemas in database {name}"));
            }
            for row in &signals {
                let function: String = row.get(0);
                warn(
                    PrivilegeKind::Signal,
                    function.clone(),
                    format!(
                        "{user} can run {function} on the other sessions of its role, so on the connector's other queries; \
                         revoke it from PUBLIC in this database"
                    ),
                );
            }
        }
        // Whoever the role, code in the search path runs inside its queries.
        for row in &code {
            let (schema, functions, operators): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
            if functions + operators > 0 {
                warnings.push(PrivilegeWarning {
                    kind: PrivilegeKind::UserCode,
                    object: schema.clone(),
                    message: format!(
                        "schema {schema} on the connector's search path holds {functions} user-defined functions and {operators} operators; \
                         one that overloads a built-in the guard allows, one that takes a table's row (PostgreSQL reads `t.f` as `f(t)`) \
                         and an operator on a row run inside queries — keep code out of the exposed schemas"
                    ),
                });
            }
        }
        if let Some(first) = casts.first() {
            let (from, to): (String, String) = (first.get(0), first.get(1));
            warnings.push(PrivilegeWarning {
                kind: PrivilegeKind::UserCode,
                object: "casts".into(),
                message: format!(
                    "the database holds {} user-defined casts with a function (such as {from} to {to}), which runs \
                     inside a query that casts a value of its type, whatever the search path — drop the casts queries do not need",
                    casts.len()
                ),
            });
        }
        let needs_role = warnings.iter().any(|w| !matches!(w.kind, PrivilegeKind::UserCode | PrivilegeKind::Signal));
        let mut fix_sql = needs_role.then(|| self.read_only_role_sql(exposure, &schemas));
        // The role the fix creates must not keep the signal functions either (a superuser's report
        // lists them too: the query sees what PUBLIC may run).
        let functions: Vec<String> = signals.iter().map(|row| row.get(0)).collect();
        if needs_role || !functions.is_empty() {
            let revoke = revoke_signals_sql(&functions);
            fix_sql.get_or_insert_with(String::new).push_str(&revoke);
        }
        Ok(PrivilegeReport { warnings, fix_sql })
    }

    /// SQL that creates a login which can only read the exposed relations (the signal functions are
    /// revoked after it).
    fn read_only_role_sql(&self, exposure: &Exposure, schemas: &[String]) -> String {
        let database = quote_ident(&self.config().database);
        let mut sql = format!(
            "CREATE ROLE sqlgate_reader LOGIN PASSWORD 'choose-a-long-random-password';\n\
             ALTER ROLE sqlgate_reader SET default_transaction_read_only = on;\n\
             GRANT CONNECT ON DATABASE {database} TO sqlgate_reader;\n"
        );
        for schema in schemas {
            sql.push_str(&format!("GRANT USAGE ON SCHEMA {} TO sqlgate_reader;\n", quote_ident(schema)));
        }
        match exposure {
            Exposure::All => {
                for schema in schemas {
                    let schema = quote_ident(schema);
                    sql.push_str(&format!(
                        "GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO sqlgate_reader;\n\
                         ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO sqlgate_reader;\n"
                    ));
                }
            }
            Exposure::Only(tables) => {
                for table in tables {
                    let schema =
                        table.schema.as_deref().unwrap_or_else(|| schemas.first().map_or("public", String::as_str));
                    sql.push_str(&format!(
                        "GRANT SELECT ON {}.{} TO sqlgate_reader;\n",
                        quote_ident(schema),
                        quote_ident(&table.name)
                    ));
                }
            }
        }
        sql
    }

    /// The schemas an exposure reaches: the search path, and any schema an entry names.
    fn schemas_of(&self, exposure: &Exposure) -> Vec<String> {
        let mut schemas = self.config().search_path.clone();
        if let Exposure::Only(tables) = exposure {
            for schema in tables.iter().filter_map(|t| t.schema.as_ref()) {
                if !schemas.contains(schema) {
                    schemas.push(schema.clone());
                }
            }
        }
        schemas
    }

    /// A leased connection inside `BEGIN READ ONLY`, with the statement timeout and only
    /// `pg_catalog` on the search path. Dropped before [`end_catalog`] (an error, or a caller that
    /// gave up), it is cancelled and closed rather than pooled in an open transaction.
    async fn begin_catalog(&self) -> Result<Lease, ConnectorError> {
        let timeout = self.config().statement_timeout;
        let lease = self.catalog_lease().await?;
        let begin = format!(
            "BEGIN READ ONLY; SET LOCAL statement_timeout = {0}; SET LOCAL search_path = pg_catalog; \
             SET LOCAL idle_in_transaction_session_timeout = {0}",
            timeout.as_millis()
        );
        lease.client().batch_execute(&begin).await.map_err(|e| pg_error(e, timeout))?;
        Ok(lease)
    }
}

/// Rolls back a catalog transaction; the connection returns to the pool only if that worked.
async fn end_catalog(lease: &mut Lease) {
    if lease.client().batch_execute("ROLLBACK").await.is_ok() {
        lease.mark_clean();
    }
}
