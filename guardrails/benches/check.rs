//! `check` on small (≈100 B), typical (≈300 B: joins + GROUP BY) and large (≈8 KB) queries, on
//! the bench thread's own stack. Target: typical p50 < 20 µs on a 2-core machine.
//!
//! Also measures `check` called from a 2 MiB thread (a tokio worker's default), where the guard
//! moves to a grown stack for every call, to show what a caller with a small stack pays.

/// The allocator the `sqlgate` binary uses, so the numbers are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use sqlgate_guardrails::{check, Dialect, Policy};

const SMALL: &str = "SELECT name, email FROM customers WHERE country = 'NL' ORDER BY name LIMIT 10";

const TYPICAL: &str = "SELECT c.region, p.category, count(*) AS orders, sum(o.amount) AS revenue, \
    avg(o.amount) AS avg_order FROM orders o JOIN customers c ON c.id = o.customer_id \
    JOIN products p ON p.id = o.product_id WHERE o.created_at >= '2024-01-01' \
    AND o.status IN ('paid', 'shipped') GROUP BY c.region, p.category \
    HAVING sum(o.amount) > 1000 ORDER BY revenue DESC";

fn large() -> String {
    let branch = |i: usize| {
        format!(
            "SELECT c.region, '{i}' AS bucket, count(*) AS n, sum(o.amount) AS total FROM orders o \
             JOIN customers c ON c.id = o.customer_id WHERE o.amount BETWEEN {i} AND {} \
             AND c.country IN ('NL', 'BE', 'DE') GROUP BY c.region",
            i * 10 + 9
        )
    };
    let mut sql = (0..25).map(branch).collect::<Vec<_>>().join(" UNION ALL ");
    sql.push_str(" ORDER BY total DESC");
    sql
}

fn bench(c: &mut Criterion) {
    let large = large();
    let inputs = [("small", SMALL.to_owned()), ("typical", TYPICAL.to_owned()), ("large", large)];
    let mut group = c.benchmark_group("check");
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        let policy = Policy::new(dialect);
        for (name, sql) in &inputs {
            assert!(check(sql, &policy).allowed().is_some(), "{name} must be allowed");
            group.bench_with_input(BenchmarkId::new(format!("{dialect}/{name}"), sql.len()), sql, |b, sql| {
                b.iter(|| check(black_box(sql), &policy))
            });
        }
    }
    group.finish();

    // The floor: sqlparser alone tokenizing and parsing the same texts once (the guard parses twice:
    // the input, then the text it will send).
    let mut floor = c.benchmark_group("sqlparser parse only");
    for (name, sql) in &inputs {
        floor.bench_with_input(BenchmarkId::new(format!("postgres/{name}"), sql.len()), sql, |b, sql| {
            b.iter(|| sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, black_box(sql)))
        });
    }
    floor.finish();

    let policy = Policy::new(Dialect::Postgres);
    c.bench_function("check/postgres/typical on a 2 MiB thread", |b| {
        b.iter_custom(|iters| {
            std::thread::Builder::new()
                .stack_size(2 * 1024 * 1024)
                .spawn(move || {
                    let policy = Policy::new(Dialect::Postgres);
                    let start = std::time::Instant::now();
                    for _ in 0..iters {
                        black_box(check(black_box(TYPICAL), &policy));
                    }
                    start.elapsed()
                })
                .expect("spawn")
                .join()
                .expect("join")
        })
    });
    drop(policy);
}

criterion_group!(benches, bench);
criterion_main!(benches);
