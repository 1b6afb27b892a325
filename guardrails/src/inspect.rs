//! The tree walk that decides whether a parsed query is a pure read.
//!
//! Every node kind the guard accepts is named in an exhaustive `match` or destructuring; every
//! other kind falls to an arm that refuses (`unsupported_syntax` or a more specific code). When
//! sqlparser grows a field, the destructuring stops compiling, so a new construct cannot slip
//! through unexamined. The walk collects the relations the query reads, resolving CTE names by
//! their scope, and bounds its own depth.

use std::borrow::Cow;

use sqlparser::ast::{
    AccessExpr, ArrayElemTypeDef, BinaryOperator, CaseWhen, Cte, DataType, Distinct, Expr, Function, FunctionArg,
    FunctionArgExpr, FunctionArgumentClause, FunctionArguments, GroupByExpr, GroupByWithModifier, Ident, Join,
    JoinConstraint, JoinOperator, LimitClause, NamedWindowDefinition, NamedWindowExpr, ObjectName, ObjectNamePart,
    OrderBy, OrderByExpr, OrderByKind, OrderBySort, Query, Select, SelectFlavor, SelectItem,
    SelectItemQualifiedWildcardKind, SetExpr, SetOperator, SetQuantifier, Subscript, TableAlias, TableAliasColumnDef,
    TableFactor, TableWithJoins, Value, WildcardAdditionalOptions, WindowFrameBound, WindowSpec, WindowType,
};

use crate::code::{Code, Rejection};
use crate::policy::Policy;

/// How deep the walk may nest (queries, set operations, expressions). Real analytic SQL stays
/// under 30; a 1,000-branch UNION or a 2,000-term OR chain is refused here as `too_complex`.
pub const MAX_DEPTH: usize = 256;

/// pg_catalog types, beyond those sqlparser names itself, that casts may use.
const PG_CATALOG_TYPES: &[&str] = &[
    "bpchar",
    "cidr",
    "daterange",
    "inet",
    "int4range",
    "int8range",
    "macaddr",
    "money",
    "numrange",
    "tsrange",
    "tstzrange",
];

/// Names a relation may not have, in any part, whatever its case: system schemas and catalogs.
/// `dbstat` is SQLite's eponymous virtual table that lists every table and index.
const SYSTEM_NAMES: &[&str] = &["dbstat", "information_schema", "mysql", "performance_schema", "sys"];
/// Prefixes a relation name part may not have: PostgreSQL catalogs and statistics views,
/// SQLite's internal tables, and SQLite's table-valued pragma functions.
const SYSTEM_PREFIXES: &[&str] = &["pg_", "sqlite_", "pragma_"];
/// SQLite's eponymous virtual tables, which a host may register and a query may then read by
/// name alone, past the function allowlist: files (`fsdir`, `zipfile`), the bytecode and tables of
/// a statement given as text (`bytecode`, `tables_used`), schema names (`completion`), and an
/// unbounded series (`generate_series`). In SQLite only: elsewhere these are ordinary names.
const SQLITE_VIRTUAL_TABLES: &[&str] =
    &["bytecode", "completion", "fsdir", "generate_series", "tables_used", "zipfile"];

/// Walks `query` (the whole statement) and returns the relations it reads, or why it is refused.
pub(crate) fn query(query: &Query, policy: &Policy) -> Result<Vec<String>, Rejection> {
    // Look through parentheses: `(VALUES (1))` is as bare as `VALUES (1)`.
    let mut body = &*query.body;
    while let SetExpr::Query(inner) = body {
        body = &inner.body;
    }
    if matches!(body, SetExpr::Values(_) | SetExpr::Table(_)) {
        return Err(Rejection::new(
            Code::ValuesOrTable,
            "a bare VALUES list or TABLE statement is not a query sqlgate runs; write SELECT … FROM instead",
        ));
    }
    let mut walk = Walk { policy, scope: Vec::new(), tables: Vec::new(), function_items: Vec::new(), depth: 0 };
    walk.query(query)?;
    Ok(walk.tables)
}

struct Walk<'a> {
    policy: &'a Policy,
    /// CTE names visible at this point of the walk, innermost last.
    scope: Vec<&'a Ident>,
    /// Relations read, normalized, in order of first appearance.
    tables: Vec<String>,
    /// FROM items that are table functions (`unnest(…) AS s(x)`), by alias or function name, with
    /// their declared column names. In PostgreSQL such an item can be a scalar, and `s.f` then
    /// calls `f(s)`; only `s.x` for a declared column is read as a column. Kept for the rest of the
    /// walk, not per scope (stricter), and filled before any reference to it is visited: FROM is
    /// walked before the clauses of its SELECT, and a join's item before its ON condition.
    function_items: Vec<(Cow<'a, str>, &'a [TableAliasColumnDef])>,
    depth: usize,
}

fn unsupported(what: &str) -> Rejection {
    Rejection::new(
        Code::UnsupportedSyntax,
        format!("{what} is not supported by sqlgate's guard; rewrite the query as a plain SELECT"),
    )
}

impl<'a> Walk<'a> {
    fn enter(&mut self) -> Result<(), Rejection> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Rejection::new(
                Code::TooComplex,
                format!("the query nests deeper than {MAX_DEPTH} levels; simplify it"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn query(&mut self, q: &'a Query) -> Result<(), Rejection> {
        self.enter()?;
        let Query {
            with,
            body,
            order_by,
            limit_clause,
            fetch,
            locks,
            for_clause,
            settings,
            format_clause,
            pipe_operators,
        } = q;
        if !locks.is_empty() {
            return Err(Rejection::new(
                Code::LockingClause,
                "the query takes row locks (FOR UPDATE / FOR SHARE); remove the locking clause, sqlgate only reads",
            ));
        }
        if for_clause.is_some() || settings.is_some() || format_clause.is_some() || !pipe_operators.is_empty() {
            return Err(unsupported("a FOR XML/JSON, SETTINGS, FORMAT or pipe clause"));
        }
        let mark = self.scope.len();
        if let Some(with) = with {
            for cte in &with.cte_tables {
                let Cte { alias, query, from, materialized: _, closing_paren_token: _ } = cte;
                if from.is_some() {
                    return Err(unsupported("a CTE with FROM"));
                }
                self.alias(alias)?;
                // A CTE sees the ones before it; only a recursive one also sees itself. A forward
                // reference is checked as a real relation, which is never less strict.
                if with.recursive {
                    self.scope.push(&alias.name);
                    self.query(query)?;
                } else {
                    self.query(query)?;
                    self.scope.push(&alias.name);
                }
            }
        }
        self.set_expr(body)?;
        if let Some(order_by) = order_by {
            self.order_by(order_by)?;
        }
        match limit_clause {
            None => {}
            Some(LimitClause::LimitOffset { limit, offset, limit_by }) => {
                if !limit_by.is_empty() {
                    return Err(unsupported("LIMIT … BY"));
                }
                if let Some(limit) = limit {
                    self.expr(limit)?;
                }
                if let Some(offset) = offset {
                    self.expr(&offset.value)?;
                }
            }
            Some(LimitClause::OffsetCommaLimit { offset, limit }) => {
                self.expr(offset)?;
                self.expr(limit)?;
            }
        }
        if let Some(quantity) = fetch.as_ref().and_then(|f| f.quantity.as_ref()) {
            self.expr(quantity)?;
        }
        self.scope.truncate(mark);
        self.leave();
        Ok(())
    }

    fn set_expr(&mut self, body: &'a SetExpr) -> Result<(), Rejection> {
        self.enter()?;
        match body {
            SetExpr::Select(select) => self.select(select)?,
            SetExpr::Query(query) => self.query(query)?,
            SetExpr::SetOperation { left, op, set_quantifier, right } => {
                match op {
                    SetOperator::Union | SetOperator::Except | SetOperator::Intersect => {}
                    SetOperator::Minus => return Err(unsupported("MINUS")),
                }
                match set_quantifier {
                    SetQuantifier::All | SetQuantifier::Distinct | SetQuantifier::None => {}
                    _ => return Err(unsupported("UNION BY NAME")),
                }
                self.set_expr(left)?;
                self.set_expr(right)?;
            }
            SetExpr::Values(values) => {
                for row in &values.rows {
                    self.exprs(&row.content)?;
                }
            }
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
                return Err(Rejection::new(
                    Code::WriteInCte,
                    "the query writes inside a WITH clause (INSERT, UPDATE, DELETE or MERGE); only reads are allowed",
                ));
            }
            SetExpr::Table(_) => {
                return Err(Rejection::new(
                    Code::ValuesOrTable,
                    "TABLE name is not supported; write SELECT * FROM name",
                ));
            }
        }
        self.leave();
        Ok(())
    }

    fn select(&mut self, s: &'a Select) -> Result<(), Rejection> {
        let Select {
            select_token: _,
            optimizer_hints,
            distinct,
            select_modifiers,
            top,
            top_before_distinct: _,
            projection,
            exclude,
            into,
            from,
            lateral_views,
            prewhere,
            selection,
            connect_by,
            group_by,
            cluster_by,
            distribute_by,
            sort_by,
            having,
            named_window,
            qualify,
            window_before_qualify: _,
            value_table_mode,
            flavor,
        } = s;
        if into.is_some() {
            return Err(Rejection::new(
                Code::SelectInto,
                "SELECT … INTO creates a table or writes variables; remove the INTO clause",
            ));
        }
        if !optimizer_hints.is_empty() {
            return Err(Rejection::new(Code::ExecutableComment, "the query carries optimizer hints; remove them"));
        }
        if select_modifiers.as_ref().is_some_and(|m| m.is_any_set()) {
            return Err(unsupported("a SELECT modifier such as SQL_NO_CACHE or HIGH_PRIORITY"));
        }
        if top.is_some() {
            return Err(unsupported("TOP"));
        }
        if exclude.is_some() || !lateral_views.is_empty() || prewhere.is_some() || qualify.is_some() {
            return Err(unsupported("EXCLUDE, LATERAL VIEW, PREWHERE or QUALIFY"));
        }
        if !connect_by.is_empty() {
            return Err(unsupported("CONNECT BY"));
        }
        if !cluster_by.is_empty() || !distribute_by.is_empty() || !sort_by.is_empty() {
            return Err(unsupported("CLUSTER BY, DISTRIBUTE BY or SORT BY"));
        }
        if value_table_mode.is_some() || *flavor != SelectFlavor::Standard {
            return Err(unsupported("this SELECT form"));
        }
        for table in from {
            self.table_with_joins(table)?;
        }
        match distinct {
            None | Some(Distinct::All) | Some(Distinct::Distinct) => {}
            Some(Distinct::On(exprs)) => self.exprs(exprs)?,
        }
        for item in projection {
            self.select_item(item)?;
        }
        if let Some(selection) = selection {
            self.expr(selection)?;
        }
        match group_by {
            GroupByExpr::Expressions(exprs, modifiers) => {
                self.exprs(exprs)?;
                for modifier in modifiers {
                    match modifier {
                        GroupByWithModifier::Rollup | GroupByWithModifier::Cube => {}
                        GroupByWithModifier::GroupingSets(expr) => self.expr(expr)?,
                        GroupByWithModifier::Totals => return Err(unsupported("WITH TOTALS")),
                    }
                }
            }
            GroupByExpr::All(_) => return Err(unsupported("GROUP BY ALL")),
        }
        if let Some(having) = having {
            self.expr(having)?;
        }
        for NamedWindowDefinition(_, window) in named_window {
            match window {
                NamedWindowExpr::NamedWindow(_) => {}
                NamedWindowExpr::WindowSpec(spec) => self.window_spec(spec)?,
            }
        }
        Ok(())
    }

    fn select_item(&mut self, item: &'a SelectItem) -> Result<(), Rejection> {
        match item {
            SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, alias: _ } => self.expr(expr),
            SelectItem::ExprWithAliases { .. } => Err(unsupported("multiple aliases for one expression")),
            SelectItem::QualifiedWildcard(kind, options) => {
                match kind {
                    SelectItemQualifiedWildcardKind::ObjectName(_) => {}
                    SelectItemQualifiedWildcardKind::Expr(expr) => self.expr(expr)?,
                }
                wildcard_options(options)
            }
            SelectItem::Wildcard(options) => wildcard_options(options),
        }
    }

    fn table_with_joins(&mut self, t: &'a TableWithJoins) -> Result<(), Rejection> {
        self.table_factor(&t.relation)?;
        for join in &t.joins {
            self.join(join)?;
        }
        Ok(())
    }

    fn join(&mut self, join: &'a Join) -> Result<(), Rejection> {
        let Join { relation, global, join_operator } = join;
        if *global {
            return Err(unsupported("GLOBAL JOIN"));
        }
        self.table_factor(relation)?;
        let constraint = match join_operator {
            JoinOperator::Join(c)
            | JoinOperator::Inner(c)
            | JoinOperator::Left(c)
            | JoinOperator::LeftOuter(c)
            | JoinOperator::Right(c)
            | JoinOperator::RightOuter(c)
            | JoinOperator::FullOuter(c)
            | JoinOperator::CrossJoin(c)
            | JoinOperator::StraightJoin(c) => c,
            _ => return Err(unsupported("this kind of join (APPLY, ASOF, SEMI, ANTI or ARRAY JOIN)")),
        };
        match constraint {
            JoinConstraint::On(expr) => self.expr(expr),
            JoinConstraint::Using(_) | JoinConstraint::Natural | JoinConstraint::None => Ok(()),
        }
    }

    fn table_factor(&mut self, factor: &'a TableFactor) -> Result<(), Rejection> {
        self.enter()?;
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality: _,
                partitions,
                json_path,
                sample,
                index_hints: _,
            } => {
                if !with_hints.is_empty() || version.is_some() || !partitions.is_empty() || json_path.is_some() {
                    return Err(unsupported("table hints, PARTITION, time travel or a JSON path on a table"));
                }
                if sample.is_some() {
                    return Err(unsupported("TABLESAMPLE"));
                }
                match args {
                    // `FROM name(args)` is a table function, not a relation.
                    Some(args) => {
                        self.function_item(name, alias.as_ref());
                        if let Some(alias) = alias {
                            self.alias(alias)?;
                        }
                        if args.settings.is_some() {
                            return Err(unsupported("SETTINGS on a table function"));
                        }
                        self.function_name(name)?;
                        for arg in &args.args {
                            self.function_arg(arg)?;
                        }
                    }
                    None => match (from_only(self.policy.dialect, name), alias) {
                        // PostgreSQL `FROM ONLY t`: the relation is what sqlparser took for the alias.
                        (true, Some(alias)) => {
                            let real = ObjectName(vec![ObjectNamePart::Identifier(alias.name.clone())]);
                            self.relation(&real)?;
                        }
                        _ => {
                            if let Some(alias) = alias {
                                self.alias(alias)?;
                            }
                            self.relation(name)?;
                        }
                    },
                }
            }
            TableFactor::Derived { lateral: _, subquery, alias, sample } => {
                if sample.is_some() {
                    return Err(unsupported("TABLESAMPLE"));
                }
                if let Some(alias) = alias {
                    self.alias(alias)?;
                }
                self.query(subquery)?;
            }
            TableFactor::Function { lateral: _, name, args, with_ordinality: _, alias } => {
                self.function_item(name, alias.as_ref());
                if let Some(alias) = alias {
                    self.alias(alias)?;
                }
                self.function_name(name)?;
                for arg in args {
                    self.function_arg(arg)?;
                }
            }
            TableFactor::UNNEST { alias, array_exprs, with_offset: _, with_offset_alias: _, with_ordinality: _ } => {
                match alias {
                    Some(alias) => {
                        self.function_items.push((Cow::Borrowed(&alias.name.value), &alias.columns));
                        self.alias(alias)?;
                    }
                    // PostgreSQL names an unaliased `unnest(…)` item `unnest`.
                    None => self.function_items.push((Cow::Borrowed("unnest"), &[])),
                }
                self.exprs(array_exprs)?;
            }
            TableFactor::NestedJoin { table_with_joins, alias } => {
                if let Some(alias) = alias {
                    self.alias(alias)?;
                }
                self.table_with_joins(table_with_joins)?;
            }
            TableFactor::TableFunction { .. }
            | TableFactor::JsonTable { .. }
            | TableFactor::OpenJsonTable { .. }
            | TableFactor::Pivot { .. }
            | TableFactor::Unpivot { .. }
            | TableFactor::UnpivotExpr { .. }
            | TableFactor::MatchRecognize { .. }
            | TableFactor::XmlTable { .. }
            | TableFactor::SemanticView { .. } => {
                return Err(unsupported(
                    "this table source (TABLE(), JSON_TABLE, PIVOT, UNPIVOT, MATCH_RECOGNIZE or XMLTABLE)",
                ));
            }
        }
        self.leave();
        Ok(())
    }

    /// An alias may not be named like a system relation (a misread keyword can turn the real
    /// relation into an "alias", as `FROM ONLY pg_shadow` shows), and column definitions in it
    /// (`AS t(a int)`) may carry built-in types only.
    fn alias(&mut self, alias: &TableAlias) -> Result<(), Rejection> {
        if alias.at.is_some() {
            return Err(unsupported("AT in a table alias"));
        }
        if is_system_name(self.policy.dialect, &alias.name.value) {
            return Err(Rejection::new(
                Code::SystemRelation,
                format!("the alias `{}` is named like a system relation; choose another alias", alias.name),
            ));
        }
        for column in &alias.columns {
            if let Some(data_type) = &column.data_type {
                self.data_type(data_type)?;
            }
        }
        Ok(())
    }

    fn data_type(&self, data_type: &DataType) -> Result<(), Rejection> {
        data_type_allowed(data_type, self.policy.dialect.has_user_defined_types())
    }

    /// Remembers a table-function FROM item under the name a column reference would use.
    fn function_item(&mut self, name: &'a ObjectName, alias: Option<&'a TableAlias>) {
        match (alias, name.0.last()) {
            (Some(alias), _) => self.function_items.push((Cow::Borrowed(&alias.name.value), &alias.columns)),
            (None, Some(ObjectNamePart::Identifier(ident))) => {
                self.function_items.push((Cow::Borrowed(&ident.value), &[]))
            }
            (None, _) => {}
        }
    }

    /// A dotted column reference. PostgreSQL reads `x.f` as the call `f(x)` when `x` has no field
    /// `f` (attribute notation), and `x` may be any value: `('SELECT …'::text).ts_stat` runs SQL.
    /// So there, a name may follow only a FROM item (`alias.column`, two parts), where `f` could
    /// only receive the whole row; longer chains are refused, and so is a field named like a
    /// system function, quoted or not.
    fn compound_identifier(&self, idents: &[Ident]) -> Result<(), Rejection> {
        if let Some(ident) = idents.iter().find(|i| i.value.starts_with('@')) {
            return Err(variable(&ident.value));
        }
        if !self.policy.dialect.has_attribute_notation() {
            return Ok(());
        }
        if idents.len() > 2 {
            let name = idents.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(".");
            return Err(attribute_notation(&format!(
                "`{name}`: in PostgreSQL a name after a column can call a function; write `table.column` (alias a schema-qualified table)"
            )));
        }
        if let [item, field] = idents {
            let calls_on_function = self.function_items.iter().any(|(name, columns)| {
                name.eq_ignore_ascii_case(&item.value)
                    && !columns.iter().any(|c| c.name.value.eq_ignore_ascii_case(&field.value))
            });
            if calls_on_function {
                return Err(attribute_notation(&format!(
                    "`{item}.{field}`: `{item}` is a table function, and in PostgreSQL this calls `{field}({item})`; name its columns (`AS {item}(col)`) and select `{item}.col`"
                )));
            }
        }
        match idents.last() {
            Some(last) if has_prefix(&last.value, "pg_") => Err(attribute_notation(&format!(
                "`{}` after a dot can call a system function in PostgreSQL; choose another column name or alias",
                last.value
            ))),
            _ => Ok(()),
        }
    }

    /// A relation read by the query: a CTE in scope, or a table or view the policy must allow.
    fn relation(&mut self, name: &ObjectName) -> Result<(), Rejection> {
        let dialect = self.policy.dialect;
        // Named like a system relation, in any part: refused even where a CTE of that name would
        // shadow it, and before anything else is said about the name.
        for part in &name.0 {
            match part {
                ObjectNamePart::Identifier(ident) if is_system_name(dialect, &ident.value) => {
                    return Err(Rejection::new(
                        Code::SystemRelation,
                        format!("`{name}` is a system catalog or server-state relation; sqlgate only reads the connector's own tables"),
                    ));
                }
                ObjectNamePart::Identifier(_) => {}
                ObjectNamePart::Function(_) => return Err(unsupported("a function call in a relation name")),
            }
        }
        let (schema, table) = match name.0.as_slice() {
            [ObjectNamePart::Identifier(table)] => (None, table),
            [ObjectNamePart::Identifier(schema), ObjectNamePart::Identifier(table)] => (Some(schema), table),
            _ => {
                return Err(Rejection::new(
                    Code::RelationNotAllowed,
                    format!("`{name}` has more than two parts; name tables as `table` or `schema.table`"),
                ))
            }
        };
        // PostgreSQL reads an unquoted `FROM current_user` (and the other SQL value keywords) as
        // a call of that function, not as a table: session state would leak as a row.
        if schema.is_none() && table.quote_style.is_none() {
            self.identifier(table)?;
            if dialect.value_keywords().iter().any(|k| k.eq_ignore_ascii_case(&table.value)) {
                return Err(Rejection::new(
                    Code::UnsupportedSyntax,
                    format!(
                        "`{}` in FROM is a function call to the server, not a table; quote it if it is a table's name",
                        table.value
                    ),
                ));
            }
            // MySQL's `FROM DUAL` names no table (the word is reserved: a table called dual is
            // only reachable quoted), so it reads nothing and needs no place on the allowlist.
            if dialect == crate::dialect::Dialect::Mysql && table.value.eq_ignore_ascii_case("dual") {
                return Ok(());
            }
        }
        let table_name = dialect.normalize_name(&table.value, table.quote_style.is_some());
        // Only a one-part name can refer to a CTE.
        if schema.is_none()
            && self.scope.iter().any(|cte| dialect.normalize_name(&cte.value, cte.quote_style.is_some()) == table_name)
        {
            return Ok(());
        }
        let schema_name = schema.map(|s| dialect.normalize_name(&s.value, s.quote_style.is_some()));
        if let Some(allowed) = &self.policy.allowed_relations {
            let listed = allowed.iter().any(|r| match (r.parts(), &schema_name) {
                ([t], None) => *t == table_name,
                ([s, t], Some(schema_name)) => *s == *schema_name && *t == table_name,
                _ => false,
            });
            if !listed {
                return Err(Rejection::new(
                    Code::RelationNotAllowed,
                    format!("`{name}` is not a table this connector exposes; ask an admin to expose it, or use another table"),
                ));
            }
        }
        let joined = match schema_name {
            Some(schema_name) => format!("{schema_name}.{table_name}"),
            None => table_name.into_owned(),
        };
        if !self.tables.contains(&joined) {
            self.tables.push(joined);
        }
        Ok(())
    }

    fn function(&mut self, f: &'a Function) -> Result<(), Rejection> {
        let Function { name, uses_odbc_syntax, parameters, args, within_group, filter, null_treatment: _, over } = f;
        if *uses_odbc_syntax {
            return Err(unsupported("ODBC {fn …} syntax"));
        }
        self.function_name(name)?;
        if !matches!(parameters, FunctionArguments::None) {
            return Err(unsupported("parametric function syntax"));
        }
        match args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(query) => self.query(query)?,
            FunctionArguments::List(list) => {
                for arg in &list.args {
                    self.function_arg(arg)?;
                }
                for clause in &list.clauses {
                    match clause {
                        FunctionArgumentClause::OrderBy(items) => self.order_by_exprs(items)?,
                        FunctionArgumentClause::IgnoreOrRespectNulls(_) | FunctionArgumentClause::Separator(_) => {}
                        _ => return Err(unsupported("this clause inside a function call")),
                    }
                }
            }
        }
        self.order_by_exprs(within_group)?;
        if let Some(filter) = filter {
            self.expr(filter)?;
        }
        match over {
            None | Some(WindowType::NamedWindow(_)) => Ok(()),
            Some(WindowType::WindowSpec(spec)) => self.window_spec(spec),
        }
    }

    /// A function may be called only by its plain name, and only when the allowlist holds it.
    fn function_name(&self, name: &ObjectName) -> Result<(), Rejection> {
        let refuse = |why: &str| {
            Rejection::new(
                Code::FunctionNotAllowed,
                format!("function `{name}` is not allowed{why}; sqlgate only runs read-only queries with the built-in functions listed in its README"),
            )
        };
        let ident = match name.0.as_slice() {
            [ObjectNamePart::Identifier(ident)] => ident,
            [_] => return Err(refuse("")),
            _ => return Err(refuse(" (schema-qualified functions are never called)")),
        };
        let keep_case =
            ident.quote_style.is_some() && self.policy.dialect.function_name_is_case_sensitive_when_quoted();
        // Function names on the lists are short ASCII: fold into a stack buffer, no allocation.
        let mut buf = [0u8; 64];
        let bytes = ident.value.as_bytes();
        if bytes.len() > buf.len() || !ident.value.is_ascii() {
            return Err(refuse(""));
        }
        let folded = &mut buf[..bytes.len()];
        folded.copy_from_slice(bytes);
        if !keep_case {
            folded.make_ascii_lowercase();
        }
        let folded = std::str::from_utf8(folded).map_err(|_| refuse(""))?;
        if self.policy.functions.contains(folded) {
            Ok(())
        } else {
            Err(refuse(""))
        }
    }

    fn function_arg(&mut self, arg: &'a FunctionArg) -> Result<(), Rejection> {
        let value = match arg {
            FunctionArg::Named { name: _, arg, operator: _ } => arg,
            FunctionArg::ExprNamed { name, arg, operator: _ } => {
                self.expr(name)?;
                arg
            }
            FunctionArg::Unnamed(arg) => arg,
        };
        match value {
            FunctionArgExpr::Expr(expr) => self.expr(expr),
            FunctionArgExpr::QualifiedWildcard(_) | FunctionArgExpr::Wildcard => Ok(()),
            FunctionArgExpr::WildcardWithOptions(options) => wildcard_options(options),
        }
    }

    fn window_spec(&mut self, spec: &'a WindowSpec) -> Result<(), Rejection> {
        let WindowSpec { window_name: _, partition_by, order_by, window_frame } = spec;
        self.exprs(partition_by)?;
        self.order_by_exprs(order_by)?;
        if let Some(frame) = window_frame {
            for bound in std::iter::once(&frame.start_bound).chain(frame.end_bound.as_ref()) {
                match bound {
                    WindowFrameBound::CurrentRow
                    | WindowFrameBound::Preceding(None)
                    | WindowFrameBound::Following(None) => {}
                    WindowFrameBound::Preceding(Some(e)) | WindowFrameBound::Following(Some(e)) => self.expr(e)?,
                }
            }
        }
        Ok(())
    }

    fn order_by(&mut self, order_by: &'a OrderBy) -> Result<(), Rejection> {
        if order_by.interpolate.is_some() {
            return Err(unsupported("INTERPOLATE"));
        }
        match &order_by.kind {
            OrderByKind::Expressions(items) => self.order_by_exprs(items),
            OrderByKind::All(_) => Err(unsupported("ORDER BY ALL")),
        }
    }

    fn order_by_exprs(&mut self, items: &'a [OrderByExpr]) -> Result<(), Rejection> {
        for OrderByExpr { expr, options, with_fill } in items {
            if with_fill.is_some() {
                return Err(unsupported("WITH FILL"));
            }
            if let Some(OrderBySort::Using(_)) = options.sort {
                return Err(Rejection::new(
                    Code::OperatorNotAllowed,
                    "ORDER BY … USING an operator is not allowed; use ASC or DESC",
                ));
            }
            self.expr(expr)?;
        }
        Ok(())
    }

    fn exprs(&mut self, exprs: &'a [Expr]) -> Result<(), Rejection> {
        exprs.iter().try_for_each(|e| self.expr(e))
    }

    fn opt_expr(&mut self, expr: &'a Option<Box<Expr>>) -> Result<(), Rejection> {
        match expr {
            Some(e) => self.expr(e),
            None => Ok(()),
        }
    }

    fn expr(&mut self, expr: &'a Expr) -> Result<(), Rejection> {
        self.enter()?;
        match expr {
            Expr::Identifier(ident) => self.identifier(ident)?,
            Expr::CompoundIdentifier(idents) => self.compound_identifier(idents)?,
            Expr::CompoundFieldAccess { root, access_chain } => {
                let selects_a_field = access_chain.iter().any(|a| matches!(a, AccessExpr::Dot(_)));
                if selects_a_field && self.policy.dialect.has_attribute_notation() {
                    return Err(attribute_notation(
                        "field selection `(…).name` can call a function in PostgreSQL (attribute notation); select columns as `table.column`",
                    ));
                }
                self.expr(root)?;
                for access in access_chain {
                    match access {
                        AccessExpr::Dot(e) => self.expr(e)?,
                        AccessExpr::Subscript(Subscript::Index { index }) => self.expr(index)?,
                        AccessExpr::Subscript(Subscript::Slice { lower_bound, upper_bound, stride }) => {
                            for e in [lower_bound, upper_bound, stride].into_iter().flatten() {
                                self.expr(e)?;
                            }
                        }
                    }
                }
            }
            Expr::IsFalse(e)
            | Expr::IsNotFalse(e)
            | Expr::IsTrue(e)
            | Expr::IsNotTrue(e)
            | Expr::IsNull(e)
            | Expr::IsNotNull(e)
            | Expr::IsUnknown(e)
            | Expr::IsNotUnknown(e)
            | Expr::Nested(e)
            | Expr::IsJson { expr: e, .. }
            | Expr::IsNormalized { expr: e, .. }
            | Expr::Extract { expr: e, .. }
            | Expr::Ceil { expr: e, .. }
            | Expr::Floor { expr: e, .. }
            | Expr::Collate { expr: e, collation: _ }
            | Expr::Prefixed { prefix: _, value: e }
            | Expr::UnaryOp { op: _, expr: e } => self.expr(e)?,
            Expr::IsDistinctFrom(a, b)
            | Expr::IsNotDistinctFrom(a, b)
            | Expr::AtTimeZone { timestamp: a, time_zone: b }
            | Expr::Position { expr: a, r#in: b }
            | Expr::RLike { expr: a, pattern: b, negated: _, regexp: _ } => {
                self.expr(a)?;
                self.expr(b)?;
            }
            Expr::Like { expr, pattern, escape_char, negated: _, any: _ }
            | Expr::ILike { expr, pattern, escape_char, negated: _, any: _ }
            | Expr::SimilarTo { expr, pattern, escape_char, negated: _ } => {
                self.expr(expr)?;
                self.expr(pattern)?;
                self.opt_expr(escape_char)?;
            }
            Expr::InList { expr, list, negated: _ } => {
                self.expr(expr)?;
                self.exprs(list)?;
            }
            Expr::InSubquery { expr, subquery, negated: _ } => {
                self.expr(expr)?;
                self.query(subquery)?;
            }
            Expr::Between { expr, negated: _, low, high } => {
                self.expr(expr)?;
                self.expr(low)?;
                self.expr(high)?;
            }
            Expr::BinaryOp { left, op, right } => {
                binary_operator(op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::AnyOp { left, compare_op, right, is_some: _ } | Expr::AllOp { left, compare_op, right } => {
                binary_operator(compare_op)?;
                self.expr(left)?;
                self.expr(right)?;
            }
            Expr::Convert { is_try: _, expr, data_type, charset: _, target_before_value: _, styles } => {
                if let Some(data_type) = data_type {
                    self.data_type(data_type)?;
                }
                self.expr(expr)?;
                self.exprs(styles)?;
            }
            Expr::Cast { kind: _, expr, data_type, format: _ } => {
                self.data_type(data_type)?;
                self.expr(expr)?;
            }
            Expr::Substring { expr, substring_from, substring_for, special: _, shorthand: _ } => {
                self.expr(expr)?;
                self.opt_expr(substring_from)?;
                self.opt_expr(substring_for)?;
            }
            Expr::Trim { trim_where: _, trim_what, expr, trim_characters } => {
                self.expr(expr)?;
                self.opt_expr(trim_what)?;
                if let Some(chars) = trim_characters {
                    self.exprs(chars)?;
                }
            }
            Expr::Overlay { expr, overlay_what, overlay_from, overlay_for } => {
                self.expr(expr)?;
                self.expr(overlay_what)?;
                self.expr(overlay_from)?;
                self.opt_expr(overlay_for)?;
            }
            Expr::Value(value) => value_allowed(&value.value)?,
            Expr::TypedString(typed) => {
                if typed.uses_odbc_syntax {
                    return Err(unsupported("ODBC literal syntax"));
                }
                self.data_type(&typed.data_type)?;
                value_allowed(&typed.value.value)?;
            }
            Expr::Function(function) => self.function(function)?,
            Expr::Case { case_token: _, end_token: _, operand, conditions, else_result } => {
                self.opt_expr(operand)?;
                for CaseWhen { condition, result } in conditions {
                    self.expr(condition)?;
                    self.expr(result)?;
                }
                self.opt_expr(else_result)?;
            }
            Expr::Exists { subquery, negated: _ } => self.query(subquery)?,
            Expr::Subquery(query) => self.query(query)?,
            Expr::GroupingSets(sets) | Expr::Cube(sets) | Expr::Rollup(sets) => {
                for set in sets {
                    self.exprs(set)?;
                }
            }
            Expr::Tuple(items) => self.exprs(items)?,
            Expr::Array(array) => self.exprs(&array.elem)?,
            Expr::Interval(interval) => self.expr(&interval.value)?,
            Expr::MatchAgainst { columns: _, match_value, opt_search_modifier: _ } => {
                value_allowed(&match_value.value)?
            }
            Expr::Wildcard(_) | Expr::QualifiedWildcard(_, _) => {}
            Expr::JsonAccess { .. }
            | Expr::InUnnest { .. }
            | Expr::Struct { .. }
            | Expr::Named { .. }
            | Expr::Dictionary(_)
            | Expr::Map(_)
            | Expr::OuterJoin(_)
            | Expr::Prior(_)
            | Expr::Lambda(_)
            | Expr::MemberOf(_) => {
                return Err(unsupported(
                    "this expression (JSON path access, STRUCT, MAP, lambda, (+), PRIOR or MEMBER OF)",
                ))
            }
        }
        self.leave();
        Ok(())
    }

    fn identifier(&self, ident: &Ident) -> Result<(), Rejection> {
        if ident.value.starts_with('@') {
            return Err(variable(&ident.value));
        }
        if ident.quote_style.is_none() {
            let keywords = self.policy.dialect.session_keywords();
            if keywords.iter().any(|k| k.eq_ignore_ascii_case(&ident.value)) {
                return Err(Rejection::new(
                    Code::SessionVariable,
                    format!("`{}` reads session state; sqlgate only reads the connector's tables. Quote it if it is a column", ident.value),
                ));
            }
        }
        Ok(())
    }
}

/// `FROM ONLY …` in a dialect that has it: an unquoted one-part name `only`.
fn from_only(dialect: crate::dialect::Dialect, name: &ObjectName) -> bool {
    dialect.has_from_only()
        && matches!(name.0.as_slice(), [ObjectNamePart::Identifier(i)] if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("only"))
}

/// Named like a system schema, catalog or server-state relation of `dialect`, in any case.
fn is_system_name(dialect: crate::dialect::Dialect, name: &str) -> bool {
    SYSTEM_NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
        || SYSTEM_PREFIXES.iter().any(|p| has_prefix(name, p))
        || (dialect == crate::dialect::Dialect::Sqlite
            && SQLITE_VIRTUAL_TABLES.iter().any(|n| name.eq_ignore_ascii_case(n)))
}

/// `name` starts with the ASCII `prefix`, in any case.
fn has_prefix(name: &str, prefix: &str) -> bool {
    name.len() >= prefix.len() && name.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

fn attribute_notation(message: &str) -> Rejection {
    Rejection::new(Code::FunctionNotAllowed, message)
}

fn variable(name: &str) -> Rejection {
    Rejection::new(
        Code::SessionVariable,
        format!("`{name}` is a user or system variable; sqlgate queries cannot read or set variables"),
    )
}

fn wildcard_options(options: &WildcardAdditionalOptions) -> Result<(), Rejection> {
    let WildcardAdditionalOptions {
        wildcard_token: _,
        opt_ilike,
        opt_exclude,
        opt_except,
        opt_replace,
        opt_rename,
        opt_alias,
    } = options;
    if opt_ilike.is_some()
        || opt_exclude.is_some()
        || opt_except.is_some()
        || opt_replace.is_some()
        || opt_rename.is_some()
        || opt_alias.is_some()
    {
        return Err(unsupported("a wildcard with ILIKE, EXCLUDE, EXCEPT, REPLACE, RENAME or an alias"));
    }
    Ok(())
}

fn value_allowed(value: &Value) -> Result<(), Rejection> {
    match value {
        Value::Placeholder(p) => Err(Rejection::new(
            Code::Placeholder,
            format!("`{p}` is a bind parameter; sqlgate binds none, so write the value into the query"),
        )),
        Value::UnicodeStringLiteral(_) => Err(Rejection::new(
            Code::UnicodeEscape,
            "the query uses a U& unicode-escaped string; write the characters themselves",
        )),
        _ => Ok(()),
    }
}

fn binary_operator(op: &BinaryOperator) -> Result<(), Rejection> {
    match op {
        BinaryOperator::Custom(_) | BinaryOperator::PGCustomBinaryOperator(_) => Err(Rejection::new(
            Code::OperatorNotAllowed,
            format!("the operator `{op}` is user-defined or not built in; sqlgate allows built-in operators only"),
        )),
        BinaryOperator::Assignment => Err(Rejection::new(
            Code::OperatorNotAllowed,
            "`:=` assigns a variable; sqlgate queries cannot set variables",
        )),
        _ => Ok(()),
    }
}

/// Casts and typed literals may name built-in types only: a user-defined type or domain has
/// input functions and checks that run code, and catalog types (`regclass`) read the catalogs.
/// Where user-defined types exist (PostgreSQL), only names PostgreSQL itself defines are
/// accepted; elsewhere any type the parser knows is a built-in of some dialect, and the server
/// refuses one it lacks.
fn data_type_allowed(data_type: &DataType, user_types_exist: bool) -> Result<(), Rejection> {
    let built_in = match data_type {
        DataType::Array(ArrayElemTypeDef::None) => true,
        DataType::Array(
            ArrayElemTypeDef::AngleBracket(inner)
            | ArrayElemTypeDef::SquareBracket(inner, _)
            | ArrayElemTypeDef::Parenthesis(inner)
            | ArrayElemTypeDef::Qualified(inner, _),
        ) => return data_type_allowed(inner, user_types_exist),
        // Defined in pg_catalog (or grammar keywords), so no search path can shadow them.
        DataType::Character(_)
        | DataType::Char(_)
        | DataType::CharacterVarying(_)
        | DataType::CharVarying(_)
        | DataType::Varchar(_)
        | DataType::Uuid
        | DataType::Numeric(_)
        | DataType::Decimal(_)
        | DataType::Dec(_)
        | DataType::Float(_)
        | DataType::Int2(_)
        | DataType::SmallInt(_)
        | DataType::Int(_)
        | DataType::Int4(_)
        | DataType::Int8(_)
        | DataType::Integer(_)
        | DataType::BigInt(_)
        | DataType::Float4
        | DataType::Real
        | DataType::Float8
        | DataType::DoublePrecision
        | DataType::Bool
        | DataType::Boolean
        | DataType::Date
        | DataType::Time(_, _)
        | DataType::Timestamp(_, _)
        | DataType::Interval { .. }
        | DataType::JSON
        | DataType::JSONB
        | DataType::Text
        | DataType::Bytea
        | DataType::Bit(_)
        | DataType::BitVarying(_)
        | DataType::VarBit(_)
        | DataType::TsVector
        | DataType::TsQuery => true,
        // Other pg_catalog types sqlparser has no variant for. Type names do not overload, so
        // pg_catalog's type wins over any same-named one later on the search path.
        DataType::Custom(name, _) => matches!(name.0.as_slice(),
            [ObjectNamePart::Identifier(i)] if i.quote_style.is_none()
                && PG_CATALOG_TYPES.iter().any(|t| i.value.eq_ignore_ascii_case(t))),
        // Built into MySQL, MariaDB or SQLite, none of which has user-defined types.
        DataType::Nvarchar(_)
        | DataType::Binary(_)
        | DataType::Varbinary(_)
        | DataType::Blob(_)
        | DataType::TinyBlob
        | DataType::MediumBlob
        | DataType::LongBlob
        | DataType::DecimalUnsigned(_)
        | DataType::DecUnsigned(_)
        | DataType::TinyInt(_)
        | DataType::TinyIntUnsigned(_)
        | DataType::SmallIntUnsigned(_)
        | DataType::MediumInt(_)
        | DataType::MediumIntUnsigned(_)
        | DataType::IntUnsigned(_)
        | DataType::IntegerUnsigned(_)
        | DataType::BigIntUnsigned(_)
        | DataType::Signed
        | DataType::SignedInteger
        | DataType::Unsigned
        | DataType::UnsignedInteger
        | DataType::Double(_)
        | DataType::Datetime(_)
        | DataType::TinyText
        | DataType::MediumText
        | DataType::LongText
        | DataType::String(_) => !user_types_exist,
        _ => false,
    };
    if built_in {
        Ok(())
    } else {
        Err(Rejection::new(
            Code::TypeNotAllowed,
            format!("casting to `{data_type}` is not allowed; use a built-in type such as text, integer, numeric, date or timestamp"),
        ))
    }
}
