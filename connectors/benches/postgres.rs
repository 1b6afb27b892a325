//! sqlgate's added latency over a direct tokio-postgres query, on a 1,000,000-row table.
//!
//! `cargo bench -p sqlgate-connectors --bench postgres` (needs the local PostgreSQL; creates the
//! database `sqlgate_bench` with `big_table` on first run and keeps it for later runs).
//!
//! Three ways to run the same small indexed query, one after another on one connection each:
//! - direct: a prepared tokio-postgres statement, one round trip (the floor);
//! - wall: [`PostgresConnector::query`] — the session wall, cursor and JSON rows;
//! - guard + wall: `check` first, then the wall, as `query --db` and the API run it.
//!
//! Prints p50/p90/p99 for each and the added p50.

use std::time::{Duration, Instant};

use sqlgate_connectors::postgres::PostgresConnector;
use sqlgate_connectors::{Budget, ServerConfig};
use sqlgate_guardrails::{check, Dialect, Policy, Verdict};
use tokio_postgres::NoTls;

const ROWS: i64 = 1_000_000;
const WARMUP: usize = 500;
const SAMPLES: usize = 5_000;
const SQL: &str = "SELECT id, name, amount, created_at FROM big_table WHERE id = 123457";

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let (server, conn) = tokio_postgres::connect("host=127.0.0.1 user=postgres dbname=postgres", NoTls).await.unwrap();
    tokio::spawn(conn);
    let exists =
        !server.query("SELECT 1 FROM pg_database WHERE datname = 'sqlgate_bench'", &[]).await.unwrap().is_empty();
    if !exists {
        server.batch_execute("CREATE DATABASE sqlgate_bench").await.unwrap();
    }
    let (direct, conn) =
        tokio_postgres::connect("host=127.0.0.1 user=postgres dbname=sqlgate_bench", NoTls).await.unwrap();
    tokio::spawn(conn);
    let count =
        direct.query_opt("SELECT count(*) FROM big_table", &[]).await.ok().flatten().map(|r| r.get::<_, i64>(0));
    if count != Some(ROWS) {
        eprintln!("creating big_table with {ROWS} rows …");
        direct
            .batch_execute(&format!(
                "DROP TABLE IF EXISTS big_table;
                 CREATE TABLE big_table AS SELECT g AS id, 'customer ' || g AS name, (g % 1000) * 1.25 AS amount,
                   timestamptz '2020-01-01' + g * interval '1 minute' AS created_at FROM generate_series(1, {ROWS}) g;
                 ALTER TABLE big_table ADD PRIMARY KEY (id); ANALYZE big_table;"
            ))
            .await
            .unwrap();
    }

    let statement = direct.prepare(SQL).await.unwrap();
    let direct_times = sample(|| async {
        let rows = direct.query(&statement, &[]).await.unwrap();
        assert_eq!(rows.len(), 1);
    })
    .await;

    let config = ServerConfig::from_url("postgres://postgres@127.0.0.1:5432/sqlgate_bench?pool_size=1").unwrap();
    let connector = PostgresConnector::new(config).unwrap();
    let wall_times = sample(|| async {
        let result = connector.query(SQL, Budget::default()).await.unwrap();
        assert_eq!(result.row_count, 1);
    })
    .await;

    let policy = Policy::new(Dialect::Postgres);
    let full_times = sample(|| async {
        let Verdict::Allowed(allowed) = check(SQL, &policy) else { panic!("the guard refused the benchmark query") };
        let result = connector.query(&allowed.sql, Budget::default()).await.unwrap();
        assert_eq!(result.row_count, 1);
    })
    .await;

    println!("{SAMPLES} sequential queries each, after {WARMUP} warm-up; one connection each; {ROWS}-row table");
    println!("{:<14} {:>10} {:>10} {:>10} {:>12}", "path", "p50", "p90", "p99", "added p50");
    let floor = percentile(&direct_times, 50);
    for (name, times) in [("direct", &direct_times), ("wall", &wall_times), ("guard + wall", &full_times)] {
        println!(
            "{name:<14} {:>10.1?} {:>10.1?} {:>10.1?} {:>12.1?}",
            percentile(times, 50),
            percentile(times, 90),
            percentile(times, 99),
            percentile(times, 50).saturating_sub(floor)
        );
    }
}

async fn sample<F, Fut>(mut run: F) -> Vec<Duration>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..WARMUP {
        run().await;
    }
    let mut times = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let start = Instant::now();
        run().await;
        times.push(start.elapsed());
    }
    times.sort();
    times
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}
