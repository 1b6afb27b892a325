//! Starting the server, and the store-side CLI commands (`users`, `audit verify`): load the
//! configuration, the master key and the store, each failure a message that says what to do.

use std::path::Path;
use std::sync::Arc;

use sqlgate_connectors::{KeyError, MasterKey};
use thiserror::Error;

use crate::audit::Audit;
use crate::auth::session::Signer;
use crate::config::{Config, ConfigError, LogFormat};
use crate::http::AppState;
use crate::store::{database_in_url, MongoStore, SqlcipherStore, Store, StoreError, DEFAULT_DATABASE};

/// Why the server or a store command could not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// The configuration was refused.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No usable master key.
    #[error("master key: {0}")]
    Key(#[from] KeyError),
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Something the command sets up failed.
    #[error("{0}")]
    Setup(String),
    /// The server could not listen or stopped with an error.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// The configuration, from the file (if any) and the environment.
pub fn load_config(path: Option<&Path>) -> Result<Config, StartError> {
    Ok(Config::load(path, std::env::vars())?)
}

/// The master key: from `security.master_key_file`, or else `SQLGATE_MASTER_KEY`.
pub fn master_key(config: &Config) -> Result<MasterKey, StartError> {
    let file = &config.security.master_key_file;
    Ok(if file.as_os_str().is_empty() { MasterKey::from_env()? } else { MasterKey::from_file(file)? })
}

/// The store: the embedded SQLCipher file (its key derived from the master key) when `store.url`
/// is empty, else MongoDB at that URL. Errors never hold the URL's password.
pub fn open_store(config: &Config, master: &MasterKey) -> Result<Arc<dyn Store>, StartError> {
    let url = config.store.url.expose();
    if url.is_empty() {
        return Ok(Arc::new(SqlcipherStore::open(&config.store.path, &master.subkey("store v1"))?));
    }
    let database = database_in_url(url)?.unwrap_or_else(|| DEFAULT_DATABASE.to_owned());
    Ok(Arc::new(MongoStore::connect(url, &database)?))
}

/// The audit trail over `store`.
pub fn audit(store: Arc<dyn Store>, master: &MasterKey) -> Arc<Audit> {
    Arc::new(Audit::new(store, master.subkey("audit v1")))
}

/// Logs to stderr in the configured format. Nothing sqlgate logs holds a body, a cookie, a key
/// or a credential: only methods, paths, statuses, timings and error messages.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match config.log.format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.with_ansi(false).try_init(),
    };
}

/// Worker threads need more stack than Rust's default 2 MiB: below its 2 MiB red zone the guard
/// moves every check onto a fresh 16 MiB stack (+75 µs a call). Threads read `RUST_MIN_STACK`
/// when they are spawned, so it is set before the server starts any (an explicit value wins).
pub fn size_worker_stacks() {
    if std::env::var_os("RUST_MIN_STACK").is_none() {
        // Called first thing by `serve` and `demo`, on the main thread, before any other thread exists.
        std::env::set_var("RUST_MIN_STACK", (8 * 1024 * 1024).to_string());
    }
}

/// `sqlgate serve`: runs until SIGINT or SIGTERM.
pub fn serve(config_path: Option<&Path>) -> Result<(), StartError> {
    size_worker_stacks();
    let config = load_config(config_path)?;
    init_logging(&config);
    let master = master_key(&config)?;
    let store = open_store(&config, &master)?;
    run(config, master, store)
}

/// Serves `store` with `config` until SIGINT or SIGTERM (for `serve` and `demo`).
pub fn run(config: Config, master: MasterKey, store: Arc<dyn Store>) -> Result<(), StartError> {
    let llm = crate::llm::LlmClient::from_config(&config.llm, &master).map_err(|e| StartError::Setup(e.to_string()))?;
    match &llm {
        Some(llm) => tracing::info!(provider = llm.provider(), model = llm.model(), "questions are answered by an LLM"),
        None => tracing::info!("questions are answered by the offline engine (llm.provider = local)"),
    }
    let asker = crate::ask::Asker::new(std::time::Duration::from_secs(config.ask.schema_ttl_secs), llm);
    let state = AppState {
        signer: Signer::new(&master.subkey("session v1")),
        audit: audit(Arc::clone(&store), &master),
        limits: crate::limits::Limits::new(&config),
        metrics: crate::metrics::Metrics::new(),
        store,
        master,
        config,
        open: Default::default(),
        asker,
    };
    actix_web::rt::System::new().block_on(crate::http::serve(state))?;
    Ok(())
}
