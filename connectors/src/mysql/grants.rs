//! The MySQL/MariaDB privilege report: what the connector's account can do beyond reading the
//! exposed tables, read from `SHOW GRANTS`.
//!
//! Why `SHOW GRANTS` and not `information_schema.*_PRIVILEGES`: on MariaDB those views list only
//! the account's own grants, not what its roles or `PUBLIC` add, while `SHOW GRANTS` prints the
//! account's grants, those of its enabled role (and the roles that role holds) and `PUBLIC`'s.
//! Roles the account holds but has not enabled are read by enabling each in turn (`SET ROLE`, on
//! a connection of its own that is closed afterwards); a role whose grants cannot be read is
//! reported, not ignored. On MySQL 8, `SET ROLE ALL` and `SHOW GRANTS … USING` do the same.
//!
//! The lines are parsed for the privilege list and the object only; the grantee part (which can
//! hold a password hash) is never copied into a report.

use std::collections::BTreeMap;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row};

use super::introspect::text_at;
use super::options::Flavour;
use crate::privileges::{PrivilegeKind, PrivilegeReport, PrivilegeWarning};
use crate::schema::Exposure;

/// The grants as read: `SHOW GRANTS` lines, and roles whose grants could not be read.
#[derive(Debug, Default)]
pub(super) struct Grants {
    /// Every `SHOW GRANTS` line seen, for the account and each of its roles.
    pub lines: Vec<String>,
    /// Roles the account can enable whose grants could not be listed.
    pub unreadable_roles: Vec<String>,
}

/// Reads the account's grants, including those of every role it can enable. Changes the
/// session's role: run it on a connection that is closed afterwards.
pub(super) async fn read(conn: &mut Conn, flavour: Flavour) -> Result<Grants, mysql_async::Error> {
    let mut grants = Grants { lines: show_grants(conn, "SHOW GRANTS").await?, ..Grants::default() };
    match flavour {
        Flavour::MariaDb => {
            let roles = conn
                .query::<Row, _>(
                    "SELECT ROLE_NAME FROM information_schema.APPLICABLE_ROLES WHERE GRANTEE = CURRENT_USER()",
                )
                .await?;
            for role in roles.into_iter().filter_map(|row| text_at(&row.unwrap_raw(), 0)) {
                // SET ROLE takes no placeholder; the name comes from the server's catalog and is
                // quoted as an identifier.
                let enabled = conn.query_drop(format!("SET ROLE {}", quote_identifier(&role))).await;
                match enabled {
                    Ok(()) => grants.lines.extend(show_grants(conn, "SHOW GRANTS").await?),
                    Err(mysql_async::Error::Server(_)) => grants.unreadable_roles.push(role),
                    Err(other) => return Err(other),
                }
            }
        }
        Flavour::MySql => {
            // MySQL before 8.0 has no roles: the errors then mean "none".
            if conn.query_drop("SET ROLE ALL").await.is_ok() {
                let current: Option<Row> = conn.query_first("SELECT CURRENT_ROLE()").await?;
                let roles = current.and_then(|row| text_at(&row.unwrap_raw(), 0)).unwrap_or_default();
                if !roles.is_empty() && roles != "NONE" {
                    // CURRENT_ROLE() answers with the server's own quoted list (`r1`@`%`,`r2`@`%`).
                    match show_grants(conn, &format!("SHOW GRANTS FOR CURRENT_USER() USING {roles}")).await {
                        Ok(lines) => grants.lines.extend(lines),
                        Err(mysql_async::Error::Server(_)) => grants.unreadable_roles.push(roles),
                        Err(other) => return Err(other),
                    }
                }
            }
        }
    }
    Ok(grants)
}

/// The lines of one `SHOW GRANTS` statement (a constant, or one built from server output).
async fn show_grants(conn: &mut Conn, statement: &str) -> Result<Vec<String>, mysql_async::Error> {
    let rows = conn.query::<Row, _>(statement).await?;
    Ok(rows.into_iter().filter_map(|row| text_at(&row.unwrap_raw(), 0)).collect())
}

/// The report for `grants`, judged against the connector's database and exposed tables.
pub(super) fn report(grants: &Grants, database: &str, exposure: &Exposure) -> PrivilegeReport {
    let scope = Scope { database, exposure };
    // (kind, object) → privileges, so one warning names everything of one kind on one object.
    let mut found: BTreeMap<(Kind, String), Vec<String>> = BTreeMap::new();
    for line in &grants.lines {
        let Some(grant) = parse_grant(line) else { continue };
        if !scope.covers(&grant.object) {
            continue;
        }
        let global = grant.object == Object::Global;
        let privileges =
            grant.privileges.iter().map(String::as_str).chain(grant.grant_option.then_some("GRANT OPTION"));
        for privilege in privileges {
            for kind in classify(privilege, global) {
                let names = found.entry((Kind(kind), grant.object.label())).or_default();
                if !names.iter().any(|n| n == privilege) {
                    names.push(privilege.to_owned());
                }
            }
        }
    }
    let mut warnings: Vec<PrivilegeWarning> = found
        .into_iter()
        .map(|((Kind(kind), object), privileges)| PrivilegeWarning {
            kind,
            message: format!("{} on {object}: {}", privileges.join(", "), explain(kind)),
            object,
        })
        .collect();
    for role in &grants.unreadable_roles {
        warnings.push(PrivilegeWarning {
            kind: PrivilegeKind::Admin,
            object: format!("role {role}"),
            message: format!(
                "the account can enable the role {role}, whose privileges could not be read; check them with SHOW GRANTS FOR {role}"
            ),
        });
    }
    let fix_sql = (!warnings.is_empty()).then(|| read_only_user_sql(database, exposure));
    PrivilegeReport { warnings, fix_sql }
}

/// What a kind of power means, for the admin reading the report.
fn explain(kind: PrivilegeKind) -> &'static str {
    match kind {
        PrivilegeKind::Superuser => "a superuser, who can do anything on the server",
        PrivilegeKind::Write => "can change or delete data that sqlgate exposes",
        PrivilegeKind::Create => "can create or change tables, views, routines or events",
        PrivilegeKind::File => "can read and write files on the database server",
        PrivilegeKind::Admin => "can administer the server, its connections or other accounts",
        PrivilegeKind::UserCode => "has stored functions within reach of queries",
        PrivilegeKind::Signal => "can stop other sessions of the same account",
    }
}

/// SQL that creates a login that can only read what the connector exposes.
pub(super) fn read_only_user_sql(database: &str, exposure: &Exposure) -> String {
    let user = "'sqlgate_reader'@'%'";
    let mut sql = format!("CREATE USER {user} IDENTIFIED BY '<choose a long random password>';\n");
    match exposure {
        Exposure::All => sql.push_str(&format!("GRANT SELECT ON {}.* TO {user};\n", quote_identifier(database))),
        Exposure::Only(tables) => {
            for table in tables {
                let schema = table.schema.as_deref().unwrap_or(database);
                sql.push_str(&format!(
                    "GRANT SELECT ON {}.{} TO {user};\n",
                    quote_identifier(schema),
                    quote_identifier(&table.name)
                ));
            }
        }
    }
    sql
}

/// `name` as a backquoted MySQL identifier.
pub(super) fn quote_identifier(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// `PrivilegeKind` ordered, to group warnings deterministically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Kind(PrivilegeKind);

impl Kind {
    /// Most dangerous first.
    fn rank(self) -> u8 {
        match self.0 {
            PrivilegeKind::Superuser => 0,
            PrivilegeKind::File => 1,
            PrivilegeKind::Admin => 2,
            PrivilegeKind::Write => 3,
            PrivilegeKind::Create => 4,
            PrivilegeKind::UserCode => 5,
            PrivilegeKind::Signal => 6,
        }
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Kind {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.rank().cmp(&other.rank())
    }
}

/// The powers one privilege name grants beyond reading. Unknown names count as administration:
/// a privilege this list has not heard of is not assumed harmless.
fn classify(privilege: &str, global: bool) -> Vec<PrivilegeKind> {
    use PrivilegeKind::*;
    match privilege {
        "SELECT" | "SHOW VIEW" | "USAGE" | "SHOW DATABASES" | "REFERENCES" | "SHOW CREATE ROUTINE" => vec![],
        "ALL" | "ALL PRIVILEGES" if global => vec![Superuser, Write, Create, File, Admin],
        "ALL" | "ALL PRIVILEGES" => vec![Write, Create],
        "SUPER" => vec![Superuser],
        "FILE" => vec![File],
        // EXECUTE runs stored routines, which may write with their definer's rights.
        "INSERT" | "UPDATE" | "DELETE" | "DROP" | "ALTER" | "INDEX" | "TRIGGER" | "DELETE HISTORY" | "EXECUTE" => {
            vec![Write]
        }
        "CREATE"
        | "CREATE VIEW"
        | "CREATE ROUTINE"
        | "ALTER ROUTINE"
        | "CREATE TEMPORARY TABLES"
        | "EVENT"
        | "CREATE TABLESPACE" => vec![Create],
        _ => vec![Admin],
    }
}

/// What a grant applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Object {
    /// `*.*`
    Global,
    /// `db.*`; the name may hold `LIKE` wildcards.
    Database(String),
    /// `db.table`
    Table(String, String),
    /// `PROCEDURE db.name`, `FUNCTION db.name`, `PACKAGE …`, in database `db`.
    Routine(String, String),
    /// `PROXY ON user`: acting as other accounts.
    Proxy,
}

impl Object {
    /// How the report names the object (MySQL's own notation).
    fn label(&self) -> String {
        match self {
            Object::Global => "*.*".to_owned(),
            Object::Database(db) => format!("{db}.*"),
            Object::Table(db, name) | Object::Routine(db, name) => format!("{db}.{name}"),
            Object::Proxy => "other accounts (PROXY)".to_owned(),
        }
    }
}

/// One parsed `GRANT … ON … TO …` line.
#[derive(Debug, PartialEq, Eq)]
struct Grant {
    /// Privilege names, upper case, column lists removed.
    privileges: Vec<String>,
    /// What they apply to.
    object: Object,
    /// `WITH GRANT OPTION`.
    grant_option: bool,
}

/// Which grants concern this connector.
struct Scope<'a> {
    /// The connector's database.
    database: &'a str,
    /// Its exposed relations.
    exposure: &'a Exposure,
}

impl Scope<'_> {
    /// Whether a grant on `object` reaches what the connector reads.
    fn covers(&self, object: &Object) -> bool {
        match object {
            Object::Global | Object::Proxy => true,
            Object::Database(pattern) => self.databases().any(|db| like(pattern, db)),
            Object::Routine(db, _) => self.databases().any(|d| d.eq_ignore_ascii_case(db)),
            Object::Table(db, table) => match self.exposure {
                Exposure::All => db.eq_ignore_ascii_case(self.database),
                Exposure::Only(_) => self.exposure.exposes(db, table, &[self.database.to_owned()]),
            },
        }
    }

    /// The databases exposed tables live in.
    fn databases(&self) -> impl Iterator<Item = &str> {
        let named: Vec<&str> = match self.exposure {
            Exposure::All => Vec::new(),
            Exposure::Only(tables) => tables.iter().filter_map(|t| t.schema.as_deref()).collect(),
        };
        std::iter::once(self.database).chain(named)
    }
}

/// Parses `GRANT <privileges> ON <object> TO <grantee> [… WITH GRANT OPTION]`. Other lines (role
/// grants, `SET DEFAULT ROLE`, MySQL's partial `REVOKE`s) give `None`. A privilege line whose
/// object cannot be read counts as global: the report errs towards warning.
fn parse_grant(line: &str) -> Option<Grant> {
    let rest = line.strip_prefix("GRANT ")?;
    let (privileges, rest) = split_top_level(rest, " ON ")?;
    let (object, tail) = split_top_level(rest, " TO ")?;
    let privileges: Vec<String> = split_commas(privileges)
        .into_iter()
        .map(|p| {
            // Column privileges: `UPDATE (`a`, `b`)` is UPDATE on the table.
            let name = p.split('(').next().unwrap_or_default();
            name.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase()
        })
        .filter(|p| !p.is_empty())
        .collect();
    let object = if privileges.iter().any(|p| p == "PROXY") { Object::Proxy } else { parse_object(object.trim()) };
    let grant_option = split_top_level(tail, " WITH ").is_some_and(|(_, options)| options.contains("GRANT OPTION"));
    Some(Grant { privileges, object, grant_option })
}

/// The object of a grant line; unreadable objects count as global.
fn parse_object(text: &str) -> Object {
    for prefix in ["FUNCTION ", "PROCEDURE ", "PACKAGE BODY ", "PACKAGE "] {
        if let Some(routine) = text.strip_prefix(prefix) {
            return match identifiers(routine) {
                Some((db, Some(name))) => Object::Routine(db, name),
                _ => Object::Global,
            };
        }
    }
    if text == "*.*" {
        return Object::Global;
    }
    match identifiers(text) {
        Some((db, None)) => Object::Database(db),
        Some((db, Some(table))) => Object::Table(db, table),
        None => Object::Global,
    }
}

/// `db.*` → (db, None); `db.table` → (db, Some(table)). Names may be backquoted.
fn identifiers(text: &str) -> Option<(String, Option<String>)> {
    let (db, rest) = identifier(text)?;
    let rest = rest.strip_prefix('.')?;
    if rest == "*" {
        return Some((db, None));
    }
    let (table, rest) = identifier(rest)?;
    rest.is_empty().then_some((db, Some(table)))
}

/// One identifier at the start of `text`, and what follows it.
fn identifier(text: &str) -> Option<(String, &str)> {
    if let Some(quoted) = text.strip_prefix('`') {
        let mut name = String::new();
        let mut chars = quoted.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if c == '`' {
                if matches!(chars.peek(), Some((_, '`'))) {
                    chars.next();
                    name.push('`');
                } else {
                    return Some((name, &quoted[i + 1..]));
                }
            } else {
                name.push(c);
            }
        }
        None
    } else {
        let end = text.find('.').unwrap_or(text.len());
        (end > 0 && text[..end] != *"*").then(|| (text[..end].to_owned(), &text[end..]))
    }
}

/// Splits at the first `separator` outside backquotes, quotes and parentheses.
fn split_top_level<'a>(text: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None => match c {
                '`' | '\'' | '"' => quote = Some(c),
                '(' => depth += 1,
                ')' => depth = depth.saturating_sub(1),
                _ if depth == 0 && text[i..].starts_with(separator) => {
                    return Some((&text[..i], &text[i + separator.len()..]));
                }
                _ => {}
            },
        }
    }
    None
}

/// Splits a privilege list at commas outside parentheses and quotes.
fn split_commas(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((part, tail)) = split_top_level(rest, ",") {
        parts.push(part.trim());
        rest = tail;
    }
    parts.push(rest.trim());
    parts
}

/// SQL `LIKE` with `\` escapes, ASCII case-insensitive: database names in grants may be patterns
/// (`sales\_%`). Case is ignored so that a doubtful match warns rather than hides.
fn like(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let t: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    like_from(&p, &t)
}

/// `like` over characters.
fn like_from(p: &[char], t: &[char]) -> bool {
    match p.split_first() {
        None => t.is_empty(),
        Some(('%', rest)) => (0..=t.len()).any(|skip| like_from(rest, &t[skip..])),
        Some(('_', rest)) => !t.is_empty() && like_from(rest, &t[1..]),
        Some(('\\', rest)) if !rest.is_empty() => t.first() == rest.first() && like_from(&rest[1..], &t[1..]),
        Some((c, rest)) => t.first() == Some(c) && like_from(rest, &t[1..]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::TableRef;

    fn grants(lines: &[&str]) -> Grants {
        Grants { lines: lines.iter().map(|l| (*l).to_owned()).collect(), unreadable_roles: Vec::new() }
    }

    fn kinds(report: &PrivilegeReport) -> Vec<(PrivilegeKind, String)> {
        report.warnings.iter().map(|w| (w.kind, w.object.clone())).collect()
    }

    #[test]
    fn root_is_everything() {
        let report = report(
            &grants(&[
                "GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` IDENTIFIED BY PASSWORD '*ABC' WITH GRANT OPTION",
                "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
            ]),
            "shop",
            &Exposure::All,
        );
        let found = kinds(&report);
        for kind in [PrivilegeKind::Superuser, PrivilegeKind::Write, PrivilegeKind::Create, PrivilegeKind::File] {
            assert!(found.contains(&(kind, "*.*".to_owned())), "{found:?}");
        }
        assert!(found.contains(&(PrivilegeKind::Admin, "other accounts (PROXY)".to_owned())), "{found:?}");
        assert!(report.warnings.iter().all(|w| !w.message.contains("*ABC")));
        assert!(report.fix_sql.as_deref().unwrap().contains("GRANT SELECT ON `shop`.* TO 'sqlgate_reader'@'%';"));
    }

    #[test]
    fn select_only_is_clean() {
        let report = report(
            &grants(&[
                "GRANT USAGE ON *.* TO `r`@`%` IDENTIFIED BY PASSWORD '*D8'",
                "GRANT SELECT, SHOW VIEW ON `shop`.* TO `r`@`%`",
                "GRANT `reporting` TO `r`@`%`",
                "SET DEFAULT ROLE `reporting` FOR `r`@`%`",
            ]),
            "shop",
            &Exposure::All,
        );
        assert!(report.is_read_only(), "{:?}", report.warnings);
        assert_eq!(report.fix_sql, None);
    }

    #[test]
    fn writes_count_only_where_the_connector_reads() {
        let lines = grants(&[
            "GRANT INSERT, UPDATE (`price`) ON `shop`.`orders` TO `r`@`%`",
            "GRANT DELETE ON `other`.* TO `r`@`%`",
            "GRANT CREATE ON `sh_p`.* TO `r`@`%` WITH GRANT OPTION",
            "GRANT ALTER ON `sh\\_p`.* TO `r`@`%`",
            "GRANT DROP ON `Shop`.`customers` TO `r`@`%`",
        ]);
        let all = kinds(&report(&lines, "shop", &Exposure::All));
        assert!(all.contains(&(PrivilegeKind::Write, "shop.orders".to_owned())), "{all:?}");
        assert!(all.contains(&(PrivilegeKind::Write, "Shop.customers".to_owned())), "{all:?}");
        assert!(all.contains(&(PrivilegeKind::Create, "sh_p.*".to_owned())), "{all:?}");
        assert!(all.contains(&(PrivilegeKind::Admin, "sh_p.*".to_owned())), "{all:?}");
        assert!(!all.iter().any(|(_, o)| o == "sh\\_p.*"), "an escaped _ matches only itself: {all:?}");
        assert!(!all.iter().any(|(_, o)| o.starts_with("other")), "{all:?}");

        let only = Exposure::Only(vec![TableRef::parse("customers").unwrap()]);
        let narrow = report(&lines, "shop", &only);
        assert!(!kinds(&narrow).contains(&(PrivilegeKind::Write, "shop.orders".to_owned())));
        assert!(narrow.fix_sql.unwrap().contains("GRANT SELECT ON `shop`.`customers` TO 'sqlgate_reader'@'%';"));
    }

    #[test]
    fn unknown_privileges_and_unreadable_roles_are_reported() {
        let mut g = grants(&["GRANT BINLOG MONITOR, SOMETHING NEW ON *.* TO `r`@`%`"]);
        g.unreadable_roles.push("`auditor`".to_owned());
        let report = report(&g, "shop", &Exposure::All);
        assert_eq!(report.warnings.len(), 2);
        assert!(report.warnings.iter().all(|w| w.kind == PrivilegeKind::Admin));
        assert!(report.warnings[0].message.starts_with("BINLOG MONITOR, SOMETHING NEW on *.*"));
    }

    #[test]
    fn grant_lines_parse_with_awkward_names() {
        assert_eq!(
            parse_grant("GRANT SELECT, INSERT ON `a ON b`.`t``x` TO `u TO`@`%`"),
            Some(Grant {
                privileges: vec!["SELECT".into(), "INSERT".into()],
                object: Object::Table("a ON b".into(), "t`x".into()),
                grant_option: false,
            })
        );
        assert_eq!(parse_grant("GRANT `role` TO `u`@`%`"), None);
        assert_eq!(parse_grant("REVOKE INSERT ON `mysql`.* FROM `u`@`%`"), None);
        assert_eq!(
            parse_grant("GRANT EXECUTE ON PROCEDURE `shop`.`p` TO `u`@`%`").map(|g| g.object),
            Some(Object::Routine("shop".into(), "p".into()))
        );
        assert!(like("sales\\_%", "sales_2024"));
        assert!(!like("sales\\_%", "salesX2024"));
        assert!(like("s_op", "SHOP"));
    }
}
