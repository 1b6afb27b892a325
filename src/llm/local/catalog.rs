//! What the offline engine knows about a database: its tables, columns, keys, a sample of the
//! values of its text columns, and the synonyms an admin wrote in AI memory.

use sqlgate_connectors::Schema;

use super::words::name_lemmas;

/// The engine's view of one database.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    /// Exposed tables and views.
    pub tables: Vec<TableInfo>,
    /// Admin-written synonyms: a phrase that means a table or a column.
    pub synonyms: Vec<Synonym>,
}

/// One table.
#[derive(Clone, Debug)]
pub struct TableInfo {
    /// The name as the database spells it.
    pub name: String,
    /// Schema (PostgreSQL) or database (MySQL) when it must be written, else `None`.
    pub schema: Option<String>,
    /// Columns in order.
    pub columns: Vec<ColumnInfo>,
    /// Single-column foreign keys from this table.
    pub links: Vec<Link>,
    /// The primary key's columns.
    pub primary_key: Vec<usize>,
}

/// One column.
#[derive(Clone, Debug)]
pub struct ColumnInfo {
    /// The name as the database spells it.
    pub name: String,
    /// What kind of values it holds.
    pub kind: Kind,
    /// Distinct values seen in a sample (text columns only).
    pub values: Vec<String>,
}

/// The kinds of values the engine tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Text.
    Text,
    /// Whole numbers.
    Integer,
    /// Other numbers.
    Real,
    /// Dates and timestamps.
    Date,
    /// True or false.
    Boolean,
    /// Anything else.
    Other,
}

impl Kind {
    /// The kind of a database type name.
    pub fn of(type_name: &str) -> Kind {
        let t = type_name.to_ascii_lowercase();
        if t.contains("bool") || t == "bit" || t == "tinyint(1)" {
            Kind::Boolean
        } else if t.contains("int") {
            Kind::Integer
        } else if ["real", "float", "double", "numeric", "decimal", "number", "money"].iter().any(|k| t.contains(k)) {
            Kind::Real
        } else if t.contains("date") || t.contains("time") || t == "year" {
            Kind::Date
        } else if t.contains("char") || t.contains("text") || t.contains("clob") || t.contains("string") || t.is_empty()
        {
            Kind::Text
        } else {
            Kind::Other
        }
    }

    /// Whether values compare as numbers.
    pub fn numeric(self) -> bool {
        matches!(self, Kind::Integer | Kind::Real)
    }
}

/// A foreign key of one column: `column` references `ref_table.ref_column`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Link {
    /// The referencing column of this table.
    pub column: usize,
    /// The referenced table.
    pub ref_table: usize,
    /// The referenced column.
    pub ref_column: usize,
}

/// A phrase an admin says means a table (`target` = `table`) or a column (`table.column`).
#[derive(Clone, Debug)]
pub struct Synonym {
    /// The words people use.
    pub phrase: String,
    /// The table or `table.column` they mean.
    pub target: String,
}

impl Catalog {
    /// The catalog of an introspected schema, without sampled values (see [`Catalog::set_values`]).
    pub fn from_schema(schema: &Schema) -> Catalog {
        let mut tables: Vec<TableInfo> = schema
            .tables
            .iter()
            .map(|t| TableInfo {
                name: t.name.clone(),
                schema: None,
                columns: t
                    .columns
                    .iter()
                    .map(|c| ColumnInfo { name: c.name.clone(), kind: Kind::of(&c.type_name), values: Vec::new() })
                    .collect(),
                links: Vec::new(),
                primary_key: Vec::new(),
            })
            .collect();
        // A name used in two schemas must be written with its schema.
        for (i, t) in schema.tables.iter().enumerate() {
            if schema.tables.iter().filter(|o| o.name == t.name).count() > 1 {
                tables[i].schema = Some(t.schema.clone());
            }
        }
        for (i, t) in schema.tables.iter().enumerate() {
            tables[i].primary_key =
                t.primary_key.iter().filter_map(|k| t.columns.iter().position(|c| &c.name == k)).collect();
            for fk in &t.foreign_keys {
                if fk.columns.len() != 1 {
                    continue;
                }
                let Some(ref_table) = schema
                    .tables
                    .iter()
                    .position(|o| o.name.eq_ignore_ascii_case(&fk.ref_table) && o.schema == fk.ref_schema)
                else {
                    continue;
                };
                let column = t.columns.iter().position(|c| c.name.eq_ignore_ascii_case(&fk.columns[0]));
                let ref_column = match fk.ref_columns.first() {
                    Some(rc) => schema.tables[ref_table].columns.iter().position(|c| c.name.eq_ignore_ascii_case(rc)),
                    None => tables[ref_table].primary_key.first().copied(),
                };
                if let (Some(column), Some(ref_column)) = (column, ref_column) {
                    let link = Link { column, ref_table, ref_column };
                    if !tables[i].links.contains(&link) {
                        tables[i].links.push(link);
                    }
                }
            }
        }
        Catalog { tables, synonyms: Vec::new() }
    }

    /// Records the sampled distinct values of a text column.
    pub fn set_values(&mut self, table: usize, column: usize, values: Vec<String>) {
        self.tables[table].columns[column].values = values;
    }

    /// The word lemmas of a table's name.
    pub fn table_words(&self, table: usize) -> Vec<String> {
        name_lemmas(&self.tables[table].name)
    }

    /// The keys of `from` that refer to `to`. Of two, the one named as `from` itself is the row's
    /// object, not its owner: in `Friend(student_id, friend_id)` a row belongs to the high
    /// schooler `student_id` names, and `friend_id` is the friend; only `student_id` is kept.
    pub fn links_to(&self, from: usize, to: usize) -> Vec<Link> {
        let mut links: Vec<Link> = self.tables[from].links.iter().filter(|l| l.ref_table == to).copied().collect();
        if let [x, y] = links.as_slice() {
            let own = self.table_words(from);
            let named = |l: &Link| {
                let mut words = name_lemmas(&self.tables[from].columns[l.column].name);
                if words.last().is_some_and(|w| w == "id") {
                    words.pop();
                }
                words == own
            };
            match (named(x), named(y)) {
                (true, false) => links.remove(0),
                (false, true) => links.remove(1),
                _ => return links,
            };
        }
        links
    }

    /// The one table that links `a` and `b` (`singer_in_concert` between `singer` and `concert`):
    /// its single key to `a` and its single key to `b`. `None` when no table, or several, do.
    pub fn bridge_between(&self, a: usize, b: usize) -> Option<(usize, Link, Link)> {
        let mut found = Vec::new();
        for (x, table) in self.tables.iter().enumerate() {
            if x == a || x == b {
                continue;
            }
            let to_a: Vec<&Link> = table.links.iter().filter(|l| l.ref_table == a).collect();
            let to_b: Vec<&Link> = table.links.iter().filter(|l| l.ref_table == b).collect();
            if let ([la], [lb]) = (to_a.as_slice(), to_b.as_slice()) {
                found.push((x, **la, **lb));
            }
        }
        match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The foreign key joining `a` and `b` directly, as (from table, link), if exactly one does.
    pub fn join_between(&self, a: usize, b: usize) -> Option<(usize, Link)> {
        let mut found = Vec::new();
        for (from, to) in [(a, b), (b, a)] {
            if from != to {
                found.extend(self.links_to(from, to).into_iter().map(|link| (from, link)));
            }
        }
        if found.len() == 1 {
            found.pop()
        } else {
            None
        }
    }
}
