//! The store-side commands: `sqlgate users add|list|set-role` and `sqlgate audit verify`. They open
//! the embedded store directly (SQLite in WAL mode lets them run beside a serving process) and
//! record what they change in the audit trail like the API does. `sqlgate keys rotate` re-seals
//! everything under a new master key, the sealed `llm.api_key` of the configuration included (it
//! prints the new value: the file is the admin's to change). `sqlgate keys seal-llm-key` needs
//! only the master key, and never opens the store.

use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::json;

use crate::audit::Entry;
use crate::auth::{password, random_token, Role};
use crate::config::ApiKey;
use crate::exit::Outcome;
use crate::serve::{audit, load_config, master_key, open_store, StartError};
use crate::store::{Store, User};

/// A `users` or `audit` command.
pub enum Manage {
    /// Add a user; the password is read from stdin, or generated and printed once.
    AddUser { config: Option<PathBuf>, username: String, role: Role, password_stdin: bool },
    /// List users.
    ListUsers { config: Option<PathBuf> },
    /// Change a user's role (ends their sessions).
    SetRole { config: Option<PathBuf>, username: String, role: Role },
    /// Re-seal everything under a new master key.
    RotateKeys { config: Option<PathBuf>, new_key_file: PathBuf },
    /// Purge old audit records.
    PurgeAudit { config: Option<PathBuf>, older_than_days: u32 },
    /// Verify the audit chain.
    VerifyAudit { config: Option<PathBuf>, expect_head: Option<(i64, String)> },
    /// Seal the LLM provider's API key (read from stdin) for `llm.api_key`.
    SealLlmKey { config: Option<PathBuf> },
}

/// Runs a store command.
pub fn run(command: Manage) -> Outcome {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sqlgate: could not start the async runtime: {e}");
            return Outcome::Database;
        }
    };
    match runtime.block_on(execute(command)) {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("sqlgate: {e}");
            Outcome::Database
        }
    }
}

async fn execute(command: Manage) -> Result<Outcome, StartError> {
    if let Manage::SealLlmKey { config } = &command {
        return seal_llm_key(config.as_deref());
    }
    let config_path = match &command {
        Manage::AddUser { config, .. }
        | Manage::ListUsers { config }
        | Manage::SetRole { config, .. }
        | Manage::VerifyAudit { config, .. }
        | Manage::PurgeAudit { config, .. }
        | Manage::RotateKeys { config, .. }
        | Manage::SealLlmKey { config } => config.clone(),
    };
    let config = load_config(config_path.as_deref())?;
    let master = master_key(&config)?;
    let store: Arc<dyn Store> = open_store(&config, &master)?;
    let trail = audit(Arc::clone(&store), &master);
    let cli_entry = |detail: serde_json::Value| Entry {
        kind: "admin",
        outcome: "ok",
        username: Some("cli".into()),
        detail,
        ..Entry::default()
    };
    match command {
        Manage::AddUser { username, role, password_stdin, .. } => {
            let username = match crate::http::username(&username) {
                Ok(name) => name,
                Err(e) => {
                    eprintln!("sqlgate: {e}");
                    return Ok(Outcome::Usage);
                }
            };
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text)?;
                (text.trim_end_matches(['\n', '\r']).to_owned(), false)
            } else {
                (random_token(18), true)
            };
            if let Err(e) = password::check_policy(&password, &username) {
                eprintln!("sqlgate: {e}");
                return Ok(Outcome::Usage);
            }
            let hash = password::hash(&password).map_err(|e| StartError::Setup(e.to_string()))?;
            let user = User::new(username.clone(), role, hash);
            store.create_user(&user).await?;
            trail
                .record(cli_entry(json!({"action": "user.create", "target": username, "before": null,
                                         "after": {"username": username, "role": role, "disabled": false}})))
                .await?;
            if generated {
                println!("created {username} ({role}); password (shown once): {password}");
            } else {
                println!("created {username} ({role})");
            }
            Ok(Outcome::Allowed)
        }
        Manage::ListUsers { .. } => {
            for user in store.users().await? {
                let state = if user.disabled { "disabled" } else { "active" };
                println!("{}\t{}\t{}", user.username, user.role, state);
            }
            Ok(Outcome::Allowed)
        }
        Manage::SetRole { username, role, .. } => {
            let username = username.to_ascii_lowercase();
            let Some(mut user) = store.user_by_name(&username).await? else {
                eprintln!("sqlgate: no user `{username}`; `sqlgate users list` shows who exists");
                return Ok(Outcome::Usage);
            };
            let before = user.role;
            user.role = role;
            store.update_user(&user).await?;
            store.revoke_sessions_of(&user.id).await?;
            trail
                .record(cli_entry(json!({"action": "user.update", "target": username,
                                         "before": {"role": before}, "after": {"role": role}})))
                .await?;
            println!("{username} is now {role} (their sessions ended)");
            Ok(Outcome::Allowed)
        }
        Manage::RotateKeys { new_key_file, .. } => {
            let new = sqlgate_connectors::MasterKey::from_file(&new_key_file)?;
            if new.id() == master.id() {
                eprintln!("sqlgate: the new key is the key in use; make a new one (head -c 32 /dev/urandom | base64)");
                return Ok(Outcome::Usage);
            }
            // The sealed LLM key lives in the configuration, which sqlgate does not rewrite: it is
            // sealed again first, so that one that does not open stops the rotation before the
            // store changes, and printed for the admin to put in place of the old value.
            let llm_api_key = match &config.llm.api_key {
                ApiKey::Sealed(blob) => Some(
                    crate::llm::reseal_api_key(&master, &new, blob)
                        .map_err(|e| StartError::Setup(format!("{e}; nothing was rotated")))?,
                ),
                ApiKey::None | ApiKey::Plain(_) => None,
            };
            let chain = match trail.rechained(&new.subkey("audit v1")).await? {
                Ok(chain) => chain,
                Err(why) => {
                    eprintln!("sqlgate: {why}");
                    return Ok(Outcome::Rejected);
                }
            };
            let setup = |e: &dyn std::fmt::Display| StartError::Setup(format!("{e}; nothing was rotated"));
            let mut connectors = Vec::new();
            let records = store.connectors().await?;
            let sealed = records
                .iter()
                .map(|c| Ok((c.id.clone(), sqlgate_connectors::SealedSecret::from_base64(&c.sealed_url)?)))
                .collect::<Result<Vec<_>, sqlgate_connectors::SealError>>()
                .map_err(|e| setup(&e))?;
            for (id, blob) in sqlgate_connectors::rotate(&master, &new, &sealed).map_err(|e| setup(&e))? {
                connectors.push((id, blob.to_base64()));
            }
            let (mut totp, mut totp_pending) = (Vec::new(), Vec::new());
            for user in store.users().await? {
                let label = format!("totp:{}", user.id);
                let reseal = |sealed: &str| -> Result<String, StartError> {
                    let blob = sqlgate_connectors::SealedSecret::from_base64(sealed).map_err(|e| setup(&e))?;
                    let secret = sqlgate_connectors::unseal(&master, &label, &blob).map_err(|e| setup(&e))?;
                    Ok(sqlgate_connectors::seal(&new, &label, &secret).map_err(|e| setup(&e))?.to_base64())
                };
                if let Some(sealed) = &user.totp_secret {
                    totp.push((user.id.clone(), reseal(sealed)?));
                }
                if let Some(sealed) = &user.totp_pending {
                    totp_pending.push((user.id.clone(), reseal(sealed)?));
                }
            }
            let rotation = crate::store::Rotation { connectors, totp, totp_pending, audit: chain };
            store.rotate(&rotation, &new.subkey("store v1")).await?;
            let mut report = json!({"rotated": true, "connectors": rotation.connectors.len(), "totp_secrets": rotation.totp.len() + rotation.totp_pending.len(),
                                    "audit_records": rotation.audit.len(), "new_key": new.id().to_string(),
                                    "llm_api_key": llm_api_key,
                                    "next": "start sqlgate with the new key; keep the old one until you have checked"});
            if let Some(sealed) = &llm_api_key {
                report["next"] = json!(
                    "replace llm.api_key in the config file (or SQLGATE_LLM_API_KEY, wherever it is set) with the value of llm_api_key: sqlgate does not rewrite the config file, and the old value does not open with the new key; then start sqlgate with the new key; keep the old one until you have checked"
                );
                eprintln!("llm.api_key must be replaced: put api_key = \"{sealed}\" in the [llm] section of the config file in place of the old value (it opens only with master key {})", new.id());
            }
            println!("{report}");
            Ok(Outcome::Allowed)
        }
        Manage::PurgeAudit { older_than_days, .. } => {
            let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(older_than_days));
            let cutoff = crate::audit::timestamp(cutoff);
            let removed = trail.purge_before(&cutoff).await?;
            println!("{}", json!({"purged": removed, "before": cutoff}));
            Ok(Outcome::Allowed)
        }
        Manage::SealLlmKey { .. } => seal_llm_key(config_path.as_deref()),
        Manage::VerifyAudit { expect_head, .. } => {
            let v = trail.verify(expect_head.as_ref().map(|(s, h)| (*s, h.as_str()))).await?;
            match (&v.broken, &v.head) {
                (Some((seq, why)), _) => {
                    println!("{}", json!({"ok": false, "records": v.records, "first_broken": seq, "reason": why}));
                    Ok(Outcome::Rejected)
                }
                (None, head) => {
                    let head = head.as_ref().map(|(seq, hash)| json!({"seq": seq, "hash": hash}));
                    println!("{}", json!({"ok": true, "records": v.records, "head": head}));
                    Ok(Outcome::Allowed)
                }
            }
        }
    }
}

/// `sqlgate keys seal-llm-key`: the key from stdin, sealed with the master key, printed as the
/// `sealed:…` line for `llm.api_key`. The configuration is read only to find the master key; a
/// plain key in it (the reason to run this) does not stop it.
fn seal_llm_key(config_path: Option<&std::path::Path>) -> Result<Outcome, StartError> {
    let config = crate::config::Config::load_to_seal_llm_key(config_path, std::env::vars())?;
    let master = master_key(&config)?;
    let mut text = zeroize::Zeroizing::new(String::new());
    std::io::stdin().read_to_string(&mut text)?;
    let key = text.trim();
    if key.is_empty() {
        eprintln!("sqlgate: no key on stdin; pipe the provider's API key in, e.g. `printf %s \"$KEY\" | sqlgate keys seal-llm-key`");
        return Ok(Outcome::Usage);
    }
    if key.starts_with(crate::config::SEALED_PREFIX) {
        eprintln!("sqlgate: this is already sealed; give the provider's API key itself");
        return Ok(Outcome::Usage);
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        eprintln!("sqlgate: the key holds spaces or characters an HTTP header cannot carry; give it exactly as the provider shows it");
        return Ok(Outcome::Usage);
    }
    let sealed = crate::llm::seal_api_key(&master, &sqlgate_connectors::Secret::new(key.to_owned()))
        .map_err(|e| StartError::Setup(e.to_string()))?;
    println!("{sealed}");
    eprintln!(
        "put it in the config file: [llm] api_key = \"{sealed}\" (it opens only with master key {})",
        master.id()
    );
    Ok(Outcome::Allowed)
}
