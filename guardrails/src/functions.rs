//! The functions a query may call, per dialect: data in one place, easy to read and extend.
//!
//! Default deny: a function is callable only when its name is listed here (or added to a policy).
//! Every name is a pure read of its arguments — aggregates, window functions, string, math,
//! date/time, conditional and JSON read functions. Nothing that sleeps, locks, reads or changes
//! settings or session state, touches files, large objects, sequences or the network, or reports
//! server internals is listed, and a schema-qualified name is never looked up at all.
//! Each list is kept sorted (a unit test checks it) so that lookup is a binary search.

use crate::dialect::Dialect;

/// Functions every dialect shares (ANSI aggregates, window functions, basic scalars).
const COMMON: &[&str] = &[
    "abs", "avg", "ceil", "ceiling", "coalesce", "count", "cume_dist", "dense_rank", "exp",
    "first_value", "floor", "lag", "last_value", "lead", "length", "lower", "ltrim", "max", "min",
    "nth_value", "ntile", "nullif", "percent_rank", "rank", "replace", "round", "row_number",
    "rtrim", "sign", "sqrt", "substr", "substring", "sum", "trim", "upper",
];

/// PostgreSQL: see "Functions and Operators" in the PostgreSQL manual.
const POSTGRES: &[&str] = &[
    "acos", "age", "array", "array_agg", "array_append", "array_cat", "array_length", "array_lower",
    "array_position", "array_positions", "array_prepend", "array_remove", "array_replace",
    "array_to_json", "array_to_string", "array_upper", "ascii", "asin", "atan", "atan2", "bit_and",
    "bit_length", "bit_or", "bool_and", "bool_or", "btrim", "cardinality", "cbrt", "char_length",
    "character_length", "chr", "concat", "concat_ws", "corr", "cos", "cot", "covar_pop",
    "covar_samp", "current_date", "current_time", "current_timestamp", "date_bin", "date_part",
    "date_trunc", "decode", "degrees", "div", "encode", "every", "extract", "format", "gcd",
    "generate_series", "greatest", "grouping", "initcap", "isfinite", "json_agg",
    "json_array_elements", "json_array_elements_text", "json_array_length", "json_build_array",
    "json_build_object", "json_each", "json_each_text", "json_extract_path",
    "json_extract_path_text", "json_object_agg", "json_object_keys", "json_strip_nulls",
    "json_typeof", "jsonb_agg", "jsonb_array_elements", "jsonb_array_elements_text",
    "jsonb_array_length", "jsonb_build_array", "jsonb_build_object", "jsonb_each",
    "jsonb_each_text", "jsonb_extract_path", "jsonb_extract_path_text", "jsonb_object_agg",
    "jsonb_object_keys", "jsonb_path_exists", "jsonb_path_match", "jsonb_path_query",
    "jsonb_path_query_array", "jsonb_path_query_first", "jsonb_pretty", "jsonb_strip_nulls",
    "jsonb_typeof", "justify_days", "justify_hours", "justify_interval", "lcm", "least", "left",
    "ln", "localtime", "localtimestamp", "log", "log10", "lpad", "make_date", "make_interval",
    "make_time", "make_timestamp", "make_timestamptz", "md5", "mod", "mode", "now", "num_nonnulls",
    "num_nulls", "octet_length", "percentile_cont", "percentile_disc", "pi", "plainto_tsquery",
    "position", "pow", "power", "radians", "random", "regexp_count", "regexp_instr", "regexp_like",
    "regexp_match", "regexp_matches", "regexp_replace", "regexp_split_to_array",
    "regexp_split_to_table", "regexp_substr", "regr_avgx", "regr_avgy", "regr_count",
    "regr_intercept", "regr_r2", "regr_slope", "repeat", "reverse", "right", "row", "row_to_json",
    "rpad", "sin", "split_part", "starts_with", "stddev", "stddev_pop", "stddev_samp", "string_agg",
    "string_to_array", "strpos", "tan", "to_char", "to_date", "to_hex", "to_json", "to_jsonb",
    "to_number", "to_timestamp", "to_tsquery", "to_tsvector", "translate", "trunc", "ts_headline",
    "ts_rank", "unnest", "var_pop", "var_samp", "variance", "websearch_to_tsquery", "width_bucket",
];

/// MySQL and MariaDB: see "Functions and Operators" in the MySQL reference manual.
const MYSQL: &[&str] = &[
    "acos", "adddate", "addtime", "any_value", "ascii", "asin", "atan", "atan2", "bin", "bit_and",
    "bit_count", "bit_length", "bit_or", "bit_xor", "char_length", "character_length", "concat",
    "concat_ws", "conv", "convert_tz", "cos", "cot", "crc32", "curdate", "current_date",
    "current_time", "current_timestamp", "curtime", "date", "date_add", "date_format", "date_sub",
    "datediff", "day", "dayname", "dayofmonth", "dayofweek", "dayofyear", "degrees", "elt",
    "extract", "field", "find_in_set", "format", "from_days", "from_unixtime", "greatest",
    "group_concat", "grouping", "hex", "hour", "if", "ifnull", "instr", "isnull", "json_array",
    "json_arrayagg", "json_contains", "json_contains_path", "json_depth", "json_extract",
    "json_keys", "json_length", "json_object", "json_objectagg", "json_overlaps", "json_quote",
    "json_search", "json_type", "json_unquote", "json_valid", "json_value", "last_day", "lcase",
    "least", "left", "ln", "localtime", "localtimestamp", "locate", "log", "log10", "log2", "lpad",
    "makedate", "maketime", "md5", "microsecond", "mid", "minute", "mod", "month", "monthname",
    "now", "oct", "octet_length", "ord", "period_add", "period_diff", "pi", "position", "pow",
    "power", "quarter", "radians", "rand", "regexp_instr", "regexp_like", "regexp_replace",
    "regexp_substr", "repeat", "reverse", "right", "rpad", "sec_to_time", "second", "sha1", "sha2",
    "sin", "soundex", "space", "std", "stddev", "stddev_pop", "stddev_samp", "str_to_date",
    "strcmp", "subdate", "substring_index", "subtime", "tan", "time", "time_format", "time_to_sec",
    "timediff", "timestamp", "timestampadd", "timestampdiff", "to_days", "to_seconds", "truncate",
    "ucase", "unhex", "unix_timestamp", "utc_date", "utc_time", "utc_timestamp", "var_pop",
    "var_samp", "variance", "week", "weekday", "weekofyear", "year", "yearweek",
];

/// SQLite: see "Built-in Scalar SQL Functions", "Date And Time Functions", "Built-in Aggregate
/// Functions", "Built-In Mathematical SQL Functions" and "JSON Functions" in the SQLite docs.
const SQLITE: &[&str] = &[
    "acos", "asin", "atan", "atan2", "char", "cos", "current_date", "current_time",
    "current_timestamp", "date", "datetime", "degrees", "format", "glob", "group_concat", "hex",
    "ifnull", "iif", "instr", "json", "json_array", "json_array_length", "json_each",
    "json_extract", "json_group_array", "json_group_object", "json_object", "json_quote",
    "json_tree", "json_type", "json_valid", "julianday", "likelihood", "likely", "ln", "log",
    "log10", "log2", "mod", "pi", "pow", "power", "printf", "quote", "radians", "random", "sin",
    "soundex", "strftime", "string_agg", "tan", "time", "timediff", "total", "trunc", "typeof",
    "unhex", "unicode", "unixepoch", "unlikely",
];

/// The functions one policy allows: the dialect's lists plus any names a deployment adds.
#[derive(Clone, Debug)]
pub struct FunctionAllowlist {
    dialect_list: &'static [&'static str],
    extra: Vec<String>,
}

impl FunctionAllowlist {
    /// The built-in allowlist of a dialect.
    pub fn for_dialect(dialect: Dialect) -> Self {
        FunctionAllowlist { dialect_list: dialect_list(dialect), extra: Vec::new() }
    }

    /// Adds a function name (lower case, unqualified). Only add pure functions.
    pub fn allow(&mut self, name: &str) {
        self.extra.push(name.to_ascii_lowercase());
    }

    /// Whether `name` (already normalized: lower case unless quoted in PostgreSQL) may be called.
    pub fn contains(&self, name: &str) -> bool {
        COMMON.binary_search(&name).is_ok()
            || self.dialect_list.binary_search(&name).is_ok()
            || self.extra.iter().any(|e| e == name)
    }

    /// Every allowed name, sorted, for documentation.
    pub fn names(&self) -> Vec<&str> {
        let mut all: Vec<&str> = COMMON.iter().chain(self.dialect_list).copied().collect();
        all.extend(self.extra.iter().map(String::as_str));
        all.sort_unstable();
        all.dedup();
        all
    }
}

fn dialect_list(dialect: Dialect) -> &'static [&'static str] {
    match dialect {
        Dialect::Postgres => POSTGRES,
        Dialect::Mysql => MYSQL,
        Dialect::Sqlite => SQLITE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_sorted_lower_case_and_without_duplicates() {
        for list in [COMMON, POSTGRES, MYSQL, SQLITE] {
            for pair in list.windows(2) {
                assert!(pair[0] < pair[1], "{} must sort before {}", pair[0], pair[1]);
            }
            for name in list {
                assert_eq!(*name, name.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn side_effect_functions_are_never_listed() {
        let forbidden = [
            "pg_sleep", "sleep", "benchmark", "get_lock", "release_lock", "pg_advisory_lock",
            "set_config", "current_setting", "nextval", "setval", "currval", "lastval",
            "lo_import", "lo_export", "pg_read_file", "pg_ls_dir", "load_file", "dblink",
            "dblink_exec", "query_to_xml", "txid_current", "load_extension", "readfile",
            "writefile", "version", "user", "database", "sys_exec", "connection_id",
            "last_insert_id", "zeroblob", "randomblob", "sqlite_version", "pg_terminate_backend",
        ];
        for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
            let list = FunctionAllowlist::for_dialect(dialect);
            for name in forbidden {
                assert!(!list.contains(name), "{name} is allowed in {dialect}");
            }
        }
    }
}
