//! Rendering a plan as SQL text in a dialect. Every value is a quoted literal; every name comes
//! from the catalog and is quoted when it must be.

use std::fmt::Write;

use sqlgate_guardrails::Dialect;

use super::catalog::Catalog;
use super::link::Cmp;
use super::plan::{Col, Lit, Plan, Sel};

/// Words that must be quoted when used as a name.
const RESERVED: &[&str] = &[
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "column",
    "constraint",
    "create",
    "cross",
    "current",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "join",
    "key",
    "left",
    "like",
    "limit",
    "match",
    "natural",
    "not",
    "null",
    "of",
    "offset",
    "on",
    "or",
    "order",
    "outer",
    "primary",
    "range",
    "references",
    "right",
    "rows",
    "select",
    "set",
    "table",
    "then",
    "to",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "when",
    "where",
    "window",
    "with",
    "year",
    "month",
    "day",
    "date",
    "time",
    "timestamp",
    "position",
    "rank",
    "function",
    "returns",
    "mod",
    "div",
    "interval",
    "read",
    "show",
    "level",
    "status",
    "condition",
    "release",
    "language",
    "result",
    "row",
    "name",
];

/// Writes `plan` as one SELECT.
pub fn render(catalog: &Catalog, plan: &Plan, dialect: Dialect) -> String {
    let q = Quoter { catalog, dialect, aliased: plan.join.is_some(), from: plan.from };
    let mut sql = String::from("SELECT ");
    if plan.distinct {
        sql.push_str("DISTINCT ");
    }
    let select: Vec<String> = plan.select.iter().map(|s| q.sel(s)).collect();
    sql.push_str(&select.join(", "));
    sql.push_str(" FROM ");
    sql.push_str(&q.table(plan.from));
    if let Some((other, many, link)) = plan.join {
        if q.aliased {
            sql.push_str(" AS T1");
        }
        let _ = write!(sql, " JOIN {} AS T2 ON ", q.table(other));
        let left = q.col((many, link.column));
        let right = q.col((link.ref_table, link.ref_column));
        let _ = write!(sql, "{left} = {right}");
    }
    let mut conds: Vec<String> = Vec::new();
    if let Some((t, link, some)) = plan.referred {
        let inner = Quoter { catalog, dialect, aliased: false, from: t };
        let fk = inner.col((t, link.column));
        let not = if some { "" } else { "NOT " };
        let mut sub = format!("SELECT {fk} FROM {} WHERE {fk} IS NOT NULL", inner.table(t));
        if !plan.referred_filters.is_empty() {
            let _ = write!(sub, " AND ({})", conditions(&inner, &plan.referred_filters, plan.any));
        }
        conds.push(format!("{} {not}IN ({sub})", q.col((plan.from, link.ref_column))));
    }
    if let Some(through) = &plan.through {
        // The link table's rows whose far row passes the far conditions.
        let inner = Quoter { catalog, dialect, aliased: true, from: through.bridge };
        let fk = inner.col((through.bridge, through.to_subject.column));
        let mut sub = format!("SELECT {fk} FROM {} AS T1", inner.table(through.bridge));
        if through.filters.is_empty() {
            let _ = write!(sub, " WHERE {fk} IS NOT NULL");
        } else {
            let _ = write!(
                sub,
                " JOIN {} AS T2 ON {} = {} WHERE {}",
                inner.table(through.far),
                inner.col((through.bridge, through.to_far.column)),
                inner.col((through.far, through.to_far.ref_column)),
                conditions(&inner, &through.filters, plan.any)
            );
        }
        conds.push(format!("{} IN ({sub})", q.col((plan.from, through.to_subject.ref_column))));
    }
    if let Some(each_of) = &plan.each_of {
        // One condition per value: some row refers to the subject's row with that value.
        let inner = Quoter { catalog, dialect, aliased: false, from: each_of.table };
        let fk = inner.col((each_of.table, each_of.link.column));
        for value in &each_of.values {
            let mut sub = format!(
                "SELECT {fk} FROM {} WHERE {} = {}",
                inner.table(each_of.table),
                inner.col(each_of.column),
                inner.lit(value)
            );
            if !each_of.shared.is_empty() {
                let _ = write!(sub, " AND {}", conditions(&inner, &each_of.shared, false));
            }
            conds.push(format!("{} IN ({sub})", q.col((plan.from, each_of.link.ref_column))));
        }
    }
    if !plan.filters.is_empty() {
        let filters = conditions(&q, &plan.filters, plan.any);
        conds.push(if plan.any && !conds.is_empty() { format!("({filters})") } else { filters });
    }
    if !conds.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conds.join(" AND "));
    }
    if !plan.group.is_empty() {
        let cols: Vec<String> = plan.group.iter().map(|c| q.col(*c)).collect();
        let _ = write!(sql, " GROUP BY {}", cols.join(", "));
    }
    if let Some((sel, cmp, lit)) = &plan.having {
        let _ = write!(sql, " HAVING {} {} {}", q.sel(sel), cmp.sql(), q.lit(lit));
    }
    if !plan.order.is_empty() {
        let keys: Vec<String> = plan
            .order
            .iter()
            .map(|(s, d)| format!("{} {}", q.sel(s), if *d == super::link::Dir::Desc { "DESC" } else { "ASC" }))
            .collect();
        let _ = write!(sql, " ORDER BY {}", keys.join(", "));
    }
    if let Some(n) = plan.limit {
        let _ = write!(sql, " LIMIT {n}");
    }
    sql
}

/// `filters` joined by AND; with `any`, those said after "or" are joined to the one before by OR,
/// each such group in parentheses when there are several.
fn conditions(q: &Quoter<'_>, filters: &[super::plan::Filter], any: bool) -> String {
    let parts: Vec<String> = filters
        .iter()
        .map(|f| {
            let mut s = if matches!(f.cmp, Cmp::Like | Cmp::NotLike) {
                format!("lower({}) {} {}", q.col(f.col), f.cmp.sql(), q.lit(&f.lit))
            } else {
                format!("{} {} {}", q.col(f.col), f.cmp.sql(), q.lit(&f.lit))
            };
            if let (Cmp::Between, Some(high)) = (f.cmp, &f.high) {
                let _ = write!(s, " AND {}", q.lit(high));
            }
            s
        })
        .collect();
    if !any {
        return parts.join(" AND ");
    }
    let mut groups: Vec<Vec<String>> = Vec::new();
    for (f, part) in filters.iter().zip(parts) {
        match groups.last_mut() {
            Some(group) if f.after_or => group.push(part),
            _ => groups.push(vec![part]),
        }
    }
    if groups.len() == 1 {
        return groups.swap_remove(0).join(" OR ");
    }
    let groups: Vec<String> = groups
        .into_iter()
        .map(|mut g| if g.len() > 1 { format!("({})", g.join(" OR ")) } else { g.swap_remove(0) })
        .collect();
    groups.join(" AND ")
}

pub(super) struct Quoter<'a> {
    catalog: &'a Catalog,
    dialect: Dialect,
    aliased: bool,
    from: usize,
}

impl<'a> Quoter<'a> {
    /// A quoter for names outside a plan (no aliases).
    pub(super) fn new(catalog: &'a Catalog, dialect: Dialect) -> Self {
        Quoter { catalog, dialect, aliased: false, from: 0 }
    }

    pub(super) fn ident(&self, name: &str) -> String {
        let plain = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !RESERVED.contains(&name.to_ascii_lowercase().as_str())
            && (self.dialect != Dialect::Postgres || !name.chars().any(|c| c.is_ascii_uppercase()));
        if plain {
            return name.to_owned();
        }
        match self.dialect {
            Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    pub(super) fn table(&self, t: usize) -> String {
        let table = &self.catalog.tables[t];
        match &table.schema {
            Some(s) => format!("{}.{}", self.ident(s), self.ident(&table.name)),
            None => self.ident(&table.name),
        }
    }

    fn col(&self, (t, c): Col) -> String {
        let name = self.ident(&self.catalog.tables[t].columns[c].name);
        if self.aliased {
            format!("{}.{name}", if t == self.from { "T1" } else { "T2" })
        } else {
            name
        }
    }

    fn sel(&self, s: &Sel) -> String {
        match s {
            Sel::Col(c) => self.col(*c),
            Sel::Agg(a, c) => format!("{}({})", a.sql(), self.col(*c)),
            Sel::Count => "count(*)".to_owned(),
            Sel::CountDistinct(c) => format!("count(DISTINCT {})", self.col(*c)),
            Sel::Star => "*".to_owned(),
        }
    }

    fn lit(&self, l: &Lit) -> String {
        match l {
            Lit::Num(n) => n.clone(),
            Lit::Text(t) => format!("'{}'", t.replace('\'', "''")),
        }
    }
}
