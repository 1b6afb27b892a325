//! `sqlgate demo`: one command, nothing to install. First start: a sample company database
//! (SQLite, generated deterministically), a master key file (mode 0600), an encrypted store, a
//! config file for the other commands, an admin with a random password printed once, and a
//! connector to the sample. Every start: serve on 127.0.0.1:8080.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{params, Connection};
use sqlgate_connectors::{seal, MasterKey, Secret};

use crate::auth::{now, password, random_token, Role};
use crate::config::Config;
use crate::serve::{init_logging, open_store, StartError};
use crate::store::{ConnectorLlm, ConnectorRecord, Store, User};

/// What `demo` was asked for.
pub struct DemoCommand {
    /// Where everything lives.
    pub data_dir: PathBuf,
    /// Where to listen.
    pub bind: std::net::SocketAddr,
}

/// Runs the demo until SIGINT/SIGTERM.
pub fn run(command: DemoCommand) -> Result<(), StartError> {
    crate::serve::size_worker_stacks();
    let dir = &command.data_dir;
    std::fs::create_dir_all(dir)?;
    let key_file = dir.join("master.key");
    let config_file = dir.join("sqlgate.toml");
    let sample = dir.join("sample.db");
    if !key_file.exists() {
        write_key(&key_file)?;
    }
    // The sample's directory, where the server may open SQLite files (security.sqlite_dirs).
    let data = std::fs::canonicalize(dir)?;
    if !config_file.exists() {
        let text = format!(
            "# Written by `sqlgate demo`; the other commands take it: sqlgate users list --config {}\n\
             [store]\npath = {:?}\n\n[security]\nmaster_key_file = {:?}\nsqlite_dirs = [{:?}]\n",
            config_file.display(),
            dir.join("store.db").display().to_string(),
            key_file.display().to_string(),
            data.display().to_string(),
        );
        std::fs::write(&config_file, text)?;
    }
    let mut config = Config::load(Some(&config_file), std::env::vars())?;
    config.server.bind = command.bind;
    // A data directory made before the setting existed still serves its own sample.
    if !config.security.sqlite_dirs.iter().any(|d| std::fs::canonicalize(d).is_ok_and(|d| d == data)) {
        config.security.sqlite_dirs.push(data);
    }
    init_logging(&config);
    let master = MasterKey::from_file(&key_file)?;
    let store = open_store(&config, &master)?;
    let fresh_sample = !sample.exists();
    if fresh_sample {
        generate(&sample).map_err(|e| StartError::Setup(format!("could not write the sample database: {e}")))?;
    }
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let admin_password = runtime.block_on(first_start(&store, &master, &sample))?;
    drop(runtime);
    let mut out = std::io::stdout().lock();
    let url = format!("http://{}", command.bind);
    let _ = writeln!(out, "sqlgate demo: data in {} (delete it to start over)", dir.display());
    if fresh_sample {
        let _ = writeln!(out, "sample company database generated: {}", sample.display());
    }
    match admin_password {
        Some(password) => {
            let _ = writeln!(out, "admin login: user admin, password {password} (shown once; keep it)");
        }
        None => {
            let _ = writeln!(out, "admin login: user admin, with the password printed at the first start");
        }
    }
    let _ = writeln!(out, "more users: sqlgate users add NAME --role analyst --config {}", config_file.display());
    let _ = writeln!(
        out,
        "ask with an API key: sqlgate ask --server {url} --token KEY --connector sample \"How many customers are there?\""
    );
    let _ =
        writeln!(out, "web pages: open {url}/ in a browser and log in (the chat asks the sample in plain language)");
    let _ = writeln!(out, "serving the API on {url} (connector `sample`); Ctrl-C stops");
    let _ = out.flush();
    drop(out);
    crate::serve::run(config, master, store)
}

/// A new random master key in `path`, readable by its owner only.
fn write_key(path: &Path) -> Result<(), StartError> {
    use base64::Engine;
    use rand::RngCore;
    let mut key = zeroize::Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    let text = zeroize::Zeroizing::new(base64::engine::general_purpose::STANDARD.encode(key.as_ref()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    Ok(())
}

/// The admin and the sample connector, when the store has none yet. Returns the new admin's
/// password.
async fn first_start(store: &Arc<dyn Store>, master: &MasterKey, sample: &Path) -> Result<Option<String>, StartError> {
    let mut password = None;
    if store.user_by_name("admin").await?.is_none() {
        let new = format!("{}-{}", random_token(9), random_token(9));
        let hash = password::hash(&new).map_err(|e| StartError::Setup(e.to_string()))?;
        store.create_user(&User::new("admin".into(), Role::Admin, hash)).await?;
        password = Some(new);
    }
    if store.connector_by_name("sample").await?.is_none() {
        let id = uuid::Uuid::new_v4().to_string();
        let path = std::fs::canonicalize(sample)?;
        let url = Secret::new(format!("sqlite:{}", path.display()));
        let sealed = seal(master, &id, &url).map_err(|e| StartError::Setup(e.to_string()))?;
        store
            .create_connector(&ConnectorRecord {
                id,
                name: "sample".into(),
                engine: "sqlite".into(),
                display: path.display().to_string(),
                sealed_url: sealed.to_base64(),
                production: false,
                max_rows: 20,
                max_bytes: 32 * 1024,
                llm: ConnectorLlm::Default,
                rows_to_llm: false,
                created_at: now(),
            })
            .await?;
    }
    Ok(password)
}

/// A small deterministic generator (SplitMix64): the same database on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A uniform float in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    /// Skewed towards small indexes (a few items are popular, most are not).
    fn skewed(&mut self, n: u64) -> u64 {
        ((self.unit() * self.unit()) * n as f64) as u64
    }
}

const REGIONS: [(&str, &str); 6] = [
    ("North America", "USD"),
    ("South America", "BRL"),
    ("Western Europe", "EUR"),
    ("Northern Europe", "SEK"),
    ("Asia Pacific", "JPY"),
    ("Middle East & Africa", "AED"),
];
const FIRST: [&str; 24] = [
    "Ana", "Ben", "Chloe", "David", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Liam", "Maya", "Noah",
    "Olga", "Pedro", "Qin", "Rosa", "Sami", "Tara", "Umar", "Vera", "Wen", "Yara",
];
const LAST: [&str; 24] = [
    "Silva",
    "Smith",
    "Müller",
    "Rossi",
    "Tanaka",
    "Kowalski",
    "Haddad",
    "Nguyen",
    "Garcia",
    "Johansson",
    "Okafor",
    "Dubois",
    "Petrov",
    "Kim",
    "Costa",
    "Novak",
    "Schmidt",
    "Ali",
    "Chen",
    "Fischer",
    "Moreau",
    "Sato",
    "Lopez",
    "Berg",
];
const COMPANY: [&str; 12] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Hooli",
    "Vandelay",
    "Wonka",
];
const SUFFIX: [&str; 5] = ["Ltd", "GmbH", "Inc", "SA", "AB"];
const CATEGORIES: [(&str, &[&str]); 5] = [
    ("Hardware", &["Laptop", "Monitor", "Keyboard", "Mouse", "Docking Station", "Headset"]),
    ("Software", &["Office Suite", "Antivirus", "Design Tool", "Database License", "Backup Service"]),
    ("Furniture", &["Desk", "Chair", "Lamp", "Cabinet", "Whiteboard"]),
    ("Supplies", &["Paper", "Pens", "Toner", "Notebooks", "Labels"]),
    ("Services", &["Installation", "Training", "Support Plan", "Consulting Day"]),
];
const STATUSES: [&str; 4] = ["delivered", "shipped", "processing", "cancelled"];
const TITLES: [&str; 5] = ["Sales Representative", "Account Manager", "Sales Manager", "Support Engineer", "Director"];

/// Writes the sample company database: regions, employees, customers, products, orders and order
/// items from 2021 to 2025, with seasonal order volumes, popular and unpopular products, repeat
/// customers and a few cancellations.
pub fn generate(path: &Path) -> rusqlite::Result<()> {
    let partial = path.with_extension("db.partial");
    let _ = std::fs::remove_file(&partial);
    let mut c = Connection::open(&partial)?;
    c.execute_batch(
        "PRAGMA journal_mode = OFF;
         CREATE TABLE regions (region_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, currency TEXT NOT NULL);
         CREATE TABLE employees (employee_id INTEGER PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
             title TEXT NOT NULL, region_id INTEGER NOT NULL REFERENCES regions(region_id),
             manager_id INTEGER REFERENCES employees(employee_id), hire_date TEXT NOT NULL, salary INTEGER NOT NULL);
         CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, company_name TEXT NOT NULL, contact_name TEXT NOT NULL,
             email TEXT NOT NULL, region_id INTEGER NOT NULL REFERENCES regions(region_id), segment TEXT NOT NULL,
             created_at TEXT NOT NULL);
         CREATE TABLE products (product_id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
             unit_price REAL NOT NULL, discontinued INTEGER NOT NULL);
         CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customers(customer_id),
             employee_id INTEGER NOT NULL REFERENCES employees(employee_id), order_date TEXT NOT NULL,
             ship_date TEXT, status TEXT NOT NULL, total_amount REAL NOT NULL);
         CREATE TABLE order_items (order_item_id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders(order_id),
             product_id INTEGER NOT NULL REFERENCES products(product_id), quantity INTEGER NOT NULL,
             unit_price REAL NOT NULL, discount REAL NOT NULL);",
    )?;
    let mut rng = Rng(20_211_123);
    let tx = c.transaction()?;
    for (i, (name, currency)) in REGIONS.iter().enumerate() {
        tx.execute("INSERT INTO regions VALUES (?1, ?2, ?3)", params![i as i64 + 1, name, currency])?;
    }
    let employees = 40u64;
    for id in 1..=employees {
        let title = if id <= 2 {
            "Director"
        } else if id <= 8 {
            "Sales Manager"
        } else {
            rng.pick(&TITLES[..4])
        };
        let manager = if id <= 2 {
            None
        } else if id <= 8 {
            Some(1 + rng.below(2) as i64)
        } else {
            Some(3 + rng.below(6) as i64)
        };
        let hire = day(days_from_civil(2015, 1, 1) + rng.below(9 * 365) as i64);
        let salary = match title {
            "Director" => 150_000 + rng.below(40_000),
            "Sales Manager" => 95_000 + rng.below(30_000),
            "Account Manager" => 70_000 + rng.below(25_000),
            _ => 48_000 + rng.below(25_000),
        };
        tx.execute(
            "INSERT INTO employees VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id as i64,
                rng.pick(&FIRST),
                rng.pick(&LAST),
                title,
                1 + rng.below(6) as i64,
                manager,
                hire,
                salary as i64
            ],
        )?;
    }
    let customers = 500u64;
    for id in 1..=customers {
        let company = format!("{} {} {}", rng.pick(&COMPANY), rng.pick(&LAST), rng.pick(&SUFFIX));
        let (first, last) = (rng.pick(&FIRST), rng.pick(&LAST));
        let email = format!("{}.{}{}@example.com", first.to_lowercase(), ascii(last).to_lowercase(), id);
        // Most customers are in North America and Western Europe.
        let region = [1, 1, 1, 3, 3, 3, 4, 2, 5, 5, 6][rng.below(11) as usize];
        let segment = ["Enterprise", "Mid-Market", "Mid-Market", "Small Business", "Small Business", "Small Business"]
            [rng.below(6) as usize];
        let created = day(days_from_civil(2020, 1, 1) + rng.below(5 * 365) as i64);
        tx.execute(
            "INSERT INTO customers VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![id as i64, company, format!("{first} {last}"), email, region, segment, created],
        )?;
    }
    let mut prices = Vec::new();
    let mut product_id = 0i64;
    for (category, names) in CATEGORIES {
        for name in names {
            for tier in ["Standard", "Pro"] {
                product_id += 1;
                let base = match category {
                    "Hardware" => 80.0 + rng.unit() * 1400.0,
                    "Software" => 40.0 + rng.unit() * 600.0,
                    "Furniture" => 60.0 + rng.unit() * 700.0,
                    "Supplies" => 3.0 + rng.unit() * 40.0,
                    _ => 150.0 + rng.unit() * 1200.0,
                };
                let price = ((if tier == "Pro" { base * 1.6 } else { base }) * 100.0).round() / 100.0;
                prices.push(price);
                tx.execute(
                    "INSERT INTO products VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![product_id, format!("{name} {tier}"), category, price, i64::from(rng.below(12) == 0)],
                )?;
            }
        }
    }
    let products = prices.len() as u64;
    let mut item_id = 0i64;
    let start = days_from_civil(2021, 1, 1);
    let end = days_from_civil(2025, 12, 31);
    let mut order_id = 0i64;
    for date in start..=end {
        // Busier in Q4, quieter in summer, and growing year over year.
        let (_, month, _) = civil_from_days(date);
        let season = [0.8, 0.85, 1.0, 1.0, 0.95, 0.8, 0.7, 0.75, 1.0, 1.1, 1.3, 1.5][month as usize - 1];
        let growth = 1.0 + (date - start) as f64 / 1826.0;
        let expected = 2.2 * season * growth;
        let count = (expected + rng.unit() - 0.5).round().max(0.0) as u64;
        for _ in 0..count {
            order_id += 1;
            let customer = 1 + rng.skewed(customers) as i64;
            let employee = 3 + rng.below(employees - 2) as i64;
            let status = if date > end - 10 {
                STATUSES[1 + rng.below(2) as usize]
            } else if rng.below(25) == 0 {
                "cancelled"
            } else {
                "delivered"
            };
            let ship = (status != "cancelled" && status != "processing").then(|| day(date + 1 + rng.below(6) as i64));
            let mut items = Vec::new();
            let mut total = 0.0;
            for _ in 0..1 + rng.below(4) {
                let product = rng.skewed(products) as usize;
                let quantity = 1 + rng.skewed(20) as i64;
                let discount = [0.0, 0.0, 0.0, 0.05, 0.1, 0.15][rng.below(6) as usize];
                let price = prices[product];
                total += price * quantity as f64 * (1.0 - discount);
                items.push((product as i64 + 1, quantity, price, discount));
            }
            tx.execute(
                "INSERT INTO orders VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![order_id, customer, employee, day(date), ship, status, (total * 100.0).round() / 100.0],
            )?;
            for (product, quantity, price, discount) in items {
                item_id += 1;
                tx.execute(
                    "INSERT INTO order_items VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![item_id, order_id, product, quantity, price, discount],
                )?;
            }
        }
    }
    tx.commit()?;
    c.execute_batch(
        "CREATE INDEX orders_customer ON orders(customer_id); CREATE INDEX orders_date ON orders(order_date);
                     CREATE INDEX items_order ON order_items(order_id); VACUUM;",
    )?;
    drop(c);
    std::fs::rename(&partial, path).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn ascii(name: &str) -> String {
    name.replace('ü', "u")
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
fn day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(day(days_from_civil(2025, 12, 31)), "2025-12-31");
    }
}
