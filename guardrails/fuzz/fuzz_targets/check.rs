//! Fuzzes `check` in every dialect: it must never panic or overflow, and an approved text checked
//! again must be approved unchanged (the rewrite is a fixed point).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sqlgate_guardrails::{check, Dialect, Policy, Verdict};

fuzz_target!(|data: &[u8]| {
    let Ok(sql) = std::str::from_utf8(data) else { return };
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let policy = Policy::new(dialect);
        if let Verdict::Allowed(first) = check(sql, &policy) {
            match check(&first.sql, &policy) {
                Verdict::Allowed(second) => assert_eq!(first, second, "unstable rewrite in {dialect}"),
                Verdict::Rejected(r) => panic!("approved text refused on re-check in {dialect}: {r}\n{}", first.sql),
            }
        }
    }
});
