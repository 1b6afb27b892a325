//! The README documents every rejection code and every allowlisted function; this keeps it true.

use sqlgate_guardrails::{Dialect, FunctionAllowlist, RULES};

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md")
}

#[test]
fn readme_lists_every_rejection_code_with_its_rule() {
    let readme = readme();
    for rule in RULES {
        let row = format!("| `{}` | {} |", rule.code, rule.doc);
        assert!(readme.contains(&row), "README is missing or out of date for {}:\n{row}", rule.code);
    }
}

#[test]
fn readme_lists_every_allowed_function() {
    let readme = readme();
    let section = &readme[readme.find("### Function allowlist").expect("function section")..];
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        for name in FunctionAllowlist::for_dialect(dialect).names() {
            assert!(section.contains(&format!("`{name}`")), "README does not list {name} ({dialect})");
        }
    }
}
