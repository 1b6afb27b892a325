//! The audit trail: append-only and hash-chained with a key. Each record holds the previous
//! record's hash and its own HMAC-SHA256 over its content and that link, keyed with a subkey of
//! the master key, so write access to the store alone cannot forge a valid chain. A record is
//! written before the answer it describes leaves; if it cannot be written, the request fails.

pub mod csv;
pub mod dashboard;

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};
use zeroize::Zeroizing;

use crate::store::{AuditFilter, AuditRecord, Store, StoreError};

/// The `prev_hash` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What a caller records; the chain fields are filled in by [`Audit::record`].
#[derive(Clone, Debug, Default)]
pub struct Entry {
    /// What happened.
    pub kind: &'static str,
    /// `ok`, `rejected`, `error`, `denied`.
    pub outcome: &'static str,
    /// Who.
    pub username: Option<String>,
    /// Their role.
    pub role: Option<String>,
    /// Which connector.
    pub connector: Option<String>,
    /// The question.
    pub question: Option<String>,
    /// The SQL.
    pub sql: Option<String>,
    /// The rejection or error code.
    pub code: Option<String>,
    /// Tables read.
    pub tables: Vec<String>,
    /// Rows returned.
    pub row_count: Option<u64>,
    /// Whether the answer was cut.
    pub truncated: Option<bool>,
    /// Milliseconds.
    pub duration_ms: Option<u64>,
    /// Details (never a secret).
    pub detail: serde_json::Value,
    /// The client's address.
    pub ip: Option<String>,
}

/// Appends to and verifies the chain.
pub struct Audit {
    store: Arc<dyn Store>,
    key: Zeroizing<[u8; 32]>,
    /// One append at a time, so each record links to the one before it.
    append: tokio::sync::Mutex<()>,
    /// The group-commit writer, started on the first record.
    writer: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<Job>>,
}

/// One record waiting for the writer, and who to tell when it is durable.
struct Job {
    entry: Entry,
    done: tokio::sync::oneshot::Sender<Result<AuditRecord, StoreError>>,
}

/// The most records one commit takes.
const MAX_BATCH: usize = 256;

/// The content a record's hash covers: everything but the hash itself.
#[derive(Serialize)]
struct Signed<'a> {
    seq: i64,
    at: &'a str,
    kind: &'a str,
    outcome: &'a str,
    username: &'a Option<String>,
    role: &'a Option<String>,
    connector: &'a Option<String>,
    question: &'a Option<String>,
    sql: &'a Option<String>,
    code: &'a Option<String>,
    tables: &'a [String],
    row_count: Option<u64>,
    truncated: Option<bool>,
    duration_ms: Option<u64>,
    detail: &'a serde_json::Value,
    ip: &'a Option<String>,
    prev_hash: &'a str,
}

/// The keyed hash of a record (hex).
fn seal(key: &[u8; 32], r: &AuditRecord) -> String {
    let signed = Signed {
        seq: r.seq,
        at: &r.at,
        kind: &r.kind,
        outcome: &r.outcome,
        username: &r.username,
        role: &r.role,
        connector: &r.connector,
        question: &r.question,
        sql: &r.sql,
        code: &r.code,
        tables: &r.tables,
        row_count: r.row_count,
        truncated: r.truncated,
        duration_ms: r.duration_ms,
        detail: &r.detail,
        ip: &r.ip,
        prev_hash: &r.prev_hash,
    };
    let bytes = serde_json::to_vec(&signed).unwrap_or_default();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(&bytes);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The result of walking the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// Records checked.
    pub records: u64,
    /// The last record's sequence number and hash, when the chain is whole.
    pub head: Option<(i64, String)>,
    /// The first broken link: its sequence number and what is wrong.
    pub broken: Option<(i64, String)>,
}

impl Audit {
    /// An audit trail over `store`, keyed with `key`.
    pub fn new(store: Arc<dyn Store>, key: Zeroizing<[u8; 32]>) -> Self {
        Audit { store, key, append: tokio::sync::Mutex::new(()), writer: std::sync::OnceLock::new() }
    }

    /// Appends `entry` and returns the stored record once it is durable. Fails if the store
    /// refuses: the caller must then fail the request.
    ///
    /// Group commit: records that arrive while a commit is under way wait for the next one, which
    /// chains and writes them all in one store transaction (one fsync), so concurrent requests
    /// share the cost while each answer still waits for its own record.
    pub async fn record(self: &Arc<Self>, entry: Entry) -> Result<AuditRecord, StoreError> {
        let stopped = || StoreError::Unavailable("the audit writer stopped".into());
        let writer = self.writer.get_or_init(|| start_writer(Arc::clone(self)));
        let (done, outcome) = tokio::sync::oneshot::channel();
        writer.send(Job { entry, done }).map_err(|_| stopped())?;
        outcome.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Appends `entries` in order, in one transaction; the caller holds the append lock. Another
    /// process (a CLI command, another replica) may take the same sequence numbers first: the
    /// store refuses the batch, and it is chained again onto the new end, a few times at most.
    async fn append_locked(&self, entries: &[Entry]) -> Result<Vec<AuditRecord>, StoreError> {
        let mut attempts = 0;
        loop {
            match self.try_append(entries).await {
                Err(StoreError::Conflict(_)) if attempts < 8 => attempts += 1,
                other => return other,
            }
        }
    }

    async fn try_append(&self, entries: &[Entry]) -> Result<Vec<AuditRecord>, StoreError> {
        let last = self.store.last_audit().await?;
        let (mut seq, mut prev_hash) = last.map_or((1, GENESIS.to_owned()), |r| (r.seq + 1, r.hash));
        let mut records = Vec::with_capacity(entries.len());
        for entry in entries.iter().cloned() {
            let mut record = AuditRecord {
                seq,
                at: timestamp(OffsetDateTime::now_utc()),
                kind: entry.kind.to_owned(),
                outcome: entry.outcome.to_owned(),
                username: entry.username,
                role: entry.role,
                connector: entry.connector,
                question: entry.question,
                sql: entry.sql,
                code: entry.code,
                tables: entry.tables,
                row_count: entry.row_count,
                truncated: entry.truncated,
                duration_ms: entry.duration_ms,
                detail: entry.detail,
                ip: entry.ip,
                prev_hash,
                hash: String::new(),
            };
            record.hash = seal(&self.key, &record);
            seq += 1;
            prev_hash = record.hash.clone();
            records.push(record);
        }
        self.store.append_audits(&records).await?;
        Ok(records)
    }

    /// Retention: deletes every record older than `cutoff` (an RFC 3339 time). First a chained
    /// `audit_purged` record names the last record removed and its hash, so verification can tell
    /// this purge from a deletion: without the key, nobody can write that record. Returns how many
    /// records were removed.
    pub async fn purge_before(&self, cutoff: &str) -> Result<u64, StoreError> {
        let _one_at_a_time = self.append.lock().await;
        let filter = AuditFilter { to: Some(cutoff.to_owned()), ..AuditFilter::default() };
        let (newest_old, _) = self.store.audit(&filter, 0, 1).await?;
        let Some(last) = newest_old.into_iter().next() else { return Ok(0) };
        let entry = Entry {
            kind: "audit_purged",
            outcome: "ok",
            username: Some("sqlgate".into()),
            detail: serde_json::json!({"through_seq": last.seq, "through_hash": last.hash, "cutoff": cutoff}),
            ..Entry::default()
        };
        self.append_locked(&[entry]).await?;
        self.store.delete_audit_through(last.seq).await
    }

    /// Walks the whole chain from the first record: every sequence number follows the last, every
    /// record links to the one before, and every hash is the keyed hash of its record. A chain
    /// that does not start at 1 must hold the `audit_purged` record that removed what came before.
    /// With `expect_head`, also checks that the chain still reaches that earlier head.
    pub async fn verify(&self, expect_head: Option<(i64, &str)>) -> Result<Verification, StoreError> {
        let mut checked = 0u64;
        let mut previous: Option<(i64, String)> = None;
        let mut expected_head_seen = false;
        let mut first_cut: Option<(i64, String)> = None;
        let mut purges: Vec<(i64, String)> = Vec::new();
        loop {
            let after = previous.as_ref().map_or(0, |(seq, _)| *seq);
            let page = self.store.audit_after(after, 1000).await?;
            if page.is_empty() {
                break;
            }
            for record in page {
                let (want_seq, want_prev) = match &previous {
                    None if record.seq == 1 => (1, GENESIS.to_owned()),
                    // Records before this one were purged: checked against the purge record below.
                    None => {
                        first_cut = Some((record.seq, record.prev_hash.clone()));
                        (record.seq, record.prev_hash.clone())
                    }
                    Some((seq, hash)) => (seq + 1, hash.clone()),
                };
                let broken =
                    |why: String| Verification { records: checked, head: None, broken: Some((record.seq, why)) };
                if record.seq != want_seq {
                    return Ok(broken(format!("record {want_seq} is missing (the next one is {})", record.seq)));
                }
                if record.prev_hash != want_prev {
                    return Ok(broken(
                        "its link to the previous record does not match: a record was changed, inserted or removed"
                            .into(),
                    ));
                }
                if seal(&self.key, &record) != record.hash {
                    return Ok(broken("its content does not match its hash: the record was edited".into()));
                }
                if let Some((seq, hash)) = expect_head {
                    if record.seq == seq {
                        if record.hash != hash {
                            return Ok(broken("the expected head's hash differs: the chain was rewritten".into()));
                        }
                        expected_head_seen = true;
                    }
                }
                if record.kind == "audit_purged" {
                    if let (Some(seq), Some(hash)) =
                        (record.detail["through_seq"].as_i64(), record.detail["through_hash"].as_str())
                    {
                        purges.push((seq, hash.to_owned()));
                    }
                }
                checked += 1;
                previous = Some((record.seq, record.hash));
            }
        }
        if let Some((first, prev)) = first_cut {
            if !purges.iter().any(|(through, hash)| *through == first - 1 && *hash == prev) {
                return Ok(Verification {
                    records: checked,
                    head: None,
                    broken: Some((
                        first,
                        format!(
                            "records before {first} are gone, and no purge record accounts for them: they were deleted"
                        ),
                    )),
                });
            }
        }
        if let Some((seq, _)) = expect_head {
            if !expected_head_seen {
                let last = previous.as_ref().map_or(0, |(s, _)| *s);
                return Ok(Verification {
                    records: checked,
                    head: None,
                    broken: Some((
                        last + 1,
                        format!(
                            "the chain ends at {last}, before the expected head {seq}: records were cut from the end"
                        ),
                    )),
                });
            }
        }
        Ok(Verification { records: checked, head: previous, broken: None })
    }

    /// The chain re-linked and re-hashed under `new_key` (for a master key rotation): each
    /// record's (seq, prev_hash, hash). The first record keeps its link (genesis, or the hash a
    /// purge record names). Refuses a chain that does not verify under the current key: rotating
    /// would make a tampered trail look whole.
    pub async fn rechained(
        &self,
        new_key: &Zeroizing<[u8; 32]>,
    ) -> Result<Result<Vec<(i64, String, String)>, String>, StoreError> {
        let _one_at_a_time = self.append.lock().await;
        let verification = self.verify(None).await?;
        if let Some((seq, why)) = verification.broken {
            return Ok(Err(format!("the audit trail does not verify (record {seq}: {why}); nothing was rotated")));
        }
        let mut out = Vec::new();
        let mut prev: Option<String> = None;
        let mut after = 0;
        loop {
            let page = self.store.audit_after(after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for mut record in page {
                if let Some(p) = prev.take() {
                    record.prev_hash = p;
                }
                record.hash = seal(new_key, &record);
                prev = Some(record.hash.clone());
                out.push((record.seq, record.prev_hash, record.hash));
            }
        }
        Ok(Ok(out))
    }

    /// Records matching `filter`, newest first.
    pub async fn search(
        &self,
        filter: &AuditFilter,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<AuditRecord>, u64), StoreError> {
        self.store.audit(filter, offset, limit).await
    }
}

/// Starts the writer: its own thread and runtime (the callers run on several runtimes), taking
/// what has queued up at each turn as one batch.
fn start_writer(audit: Arc<Audit>) -> tokio::sync::mpsc::UnboundedSender<Job> {
    let (queue, mut jobs) = tokio::sync::mpsc::unbounded_channel::<Job>();
    let spawned = std::thread::Builder::new().name("sqlgate-audit".into()).spawn(move || {
        // Without a runtime the queue is dropped and every record fails: closed, not open.
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        runtime.block_on(async move {
            while let Some(first) = jobs.recv().await {
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match jobs.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                let entries: Vec<Entry> = batch.iter().map(|job| job.entry.clone()).collect();
                let outcome = {
                    let _one_at_a_time = audit.append.lock().await;
                    audit.append_locked(&entries).await
                };
                match outcome {
                    Ok(records) => {
                        for (job, record) in batch.into_iter().zip(records) {
                            let _ = job.done.send(Ok(record));
                        }
                    }
                    Err(e) => {
                        for job in batch {
                            let _ = job.done.send(Err(e.clone()));
                        }
                    }
                }
            }
        });
    });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "could not start the audit writer; every audited request will fail");
    }
    queue
}

/// `2026-11-23T10:04:05.123Z`: fixed width, so text order is time order.
pub fn timestamp(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_default()
}

/// A filter bound as the store compares it: an RFC 3339 time, or a date (`to` then means the end
/// of that day). `None` when the text is neither.
pub fn bound(text: &str, end_of_day: bool) -> Option<String> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(timestamp(at));
    }
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    let date = if end_of_day { date.next_day()? } else { date };
    Some(timestamp(date.with_time(Time::MIDNIGHT).assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_read_dates_and_times() {
        assert_eq!(bound("2026-11-23", false).unwrap(), "2026-11-23T00:00:00.000Z");
        assert_eq!(bound("2026-11-23", true).unwrap(), "2026-11-24T00:00:00.000Z");
        assert_eq!(bound("2026-11-23T10:00:00+02:00", false).unwrap(), "2026-11-23T08:00:00.000Z");
        assert_eq!(bound("yesterday", false), None);
    }
}
