//! Monthly LLM spend caps. Before an LLM call its worst case (the prompt plus `max_tokens` of
//! output, priced) is reserved against the user's cap; after it, the actual cost is recorded in
//! the store and the reservation released. Reservations are checked and taken under one lock, so
//! concurrent questions near the cap cannot together spend past it. The offline engine costs
//! nothing and never reserves.
//!
//! The ledger is per process: each replica counts what it reserved, and reads what was spent from
//! the store when a user's month starts in it.

use std::collections::HashMap;

use thiserror::Error;
use time::OffsetDateTime;

use crate::store::{Store, StoreError};

/// Why an LLM call may not be made.
#[derive(Debug, Error)]
pub enum SpendError {
    /// The call could take the user past their cap this month.
    #[error(
        "your LLM spending limit for {month} is reached: {spent} of {cap} cents spent, and a question may cost up to {worst} cents; it resets at the start of next month (UTC), or an admin can raise the cap"
    )]
    Limit {
        /// `YYYY-MM`.
        month: String,
        /// Cents spent and reserved.
        spent: u64,
        /// The cap in cents.
        cap: u64,
        /// The call's worst case in cents.
        worst: u64,
        /// Seconds until the next month starts (UTC).
        retry_after: u64,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A reserved worst case, to be settled with the actual cost.
#[derive(Debug)]
#[must_use = "a reservation must be settled, or the cents stay reserved"]
pub struct Reservation {
    user_id: String,
    month: String,
    cents: u64,
}

#[derive(Default)]
struct Month {
    month: String,
    /// Spent this month, as recorded (read from the store when the month started here).
    spent: u64,
    /// Reserved by calls in flight.
    reserved: u64,
}

/// The per-process ledger.
#[derive(Default)]
pub struct Ledger {
    users: tokio::sync::Mutex<HashMap<String, Month>>,
}

impl Ledger {
    /// Reserves `worst` cents for `user_id` this month, or refuses if that could exceed their cap
    /// as the store holds it now (no cap: never refused, but the spending is still recorded).
    pub async fn reserve(
        &self,
        store: &dyn Store,
        user_id: &str,
        worst: u64,
        now: OffsetDateTime,
    ) -> Result<Reservation, SpendError> {
        let cap = store.user(user_id).await?.and_then(|u| u.monthly_cap_cents);
        let month = month_of(now);
        let mut users = self.users.lock().await;
        let entry = users.entry(user_id.to_owned()).or_default();
        if entry.month != month {
            let spent = store.usage(&month).await?.into_iter().find(|u| u.user_id == user_id).map_or(0, |u| u.cents);
            *entry = Month { month: month.clone(), spent, reserved: 0 };
        }
        if let Some(cap) = cap {
            let committed = entry.spent + entry.reserved;
            if committed.saturating_add(worst) > cap {
                return Err(SpendError::Limit {
                    month,
                    spent: committed,
                    cap,
                    worst,
                    retry_after: seconds_to_next_month(now),
                });
            }
        }
        entry.reserved += worst;
        Ok(Reservation { user_id: user_id.to_owned(), month, cents: worst })
    }

    /// Records what the call cost and releases its reservation. The cost counts in memory even if
    /// the store cannot take it, so the cap still holds in this process.
    pub async fn settle(
        &self,
        store: &dyn Store,
        reservation: Reservation,
        cents: u64,
        tokens: u64,
    ) -> Result<(), SpendError> {
        {
            let mut users = self.users.lock().await;
            if let Some(entry) = users.get_mut(&reservation.user_id).filter(|e| e.month == reservation.month) {
                entry.reserved = entry.reserved.saturating_sub(reservation.cents);
                entry.spent += cents;
            }
        }
        store.add_usage(&reservation.user_id, &reservation.month, cents, tokens).await?;
        Ok(())
    }
}

/// `YYYY-MM` (UTC).
pub fn month_of(now: OffsetDateTime) -> String {
    format!("{:04}-{:02}", now.year(), u8::from(now.month()))
}

/// Seconds from `now` until the first instant of next month (UTC).
pub fn seconds_to_next_month(now: OffsetDateTime) -> u64 {
    let now = now.to_offset(time::UtcOffset::UTC);
    let (year, month) = match now.month() {
        time::Month::December => (now.year() + 1, time::Month::January),
        m => (now.year(), m.next()),
    };
    let next = time::Date::from_calendar_date(year, month, 1)
        .map(|d| d.midnight().assume_utc())
        .unwrap_or(now + time::Duration::days(31));
    (next - now).whole_seconds().max(1) as u64
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use time::macros::datetime;
    use zeroize::Zeroizing;

    use super::*;
    use crate::auth::Role;
    use crate::store::{SqlcipherStore, User};

    /// A store in its own directory, with users whose ids are their names: `u` (cap 50 cents),
    /// `u1` (cap 100) and `u2` (no cap).
    async fn store(name: &str) -> (Arc<dyn Store>, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("sqlgate-spend-{}-{name}", uuid::Uuid::new_v4().simple()));
        let store = SqlcipherStore::open(&dir.join("store.db"), &Zeroizing::new([3; 32])).expect("open the store");
        for (id, cap) in [("u", Some(50)), ("u1", Some(100)), ("u2", None)] {
            let user = User {
                id: id.to_owned(),
                monthly_cap_cents: cap,
                ..User::new(id.to_owned(), Role::Analyst, String::new())
            };
            store.create_user(&user).await.unwrap();
        }
        (Arc::new(store), dir)
    }

    #[tokio::test]
    async fn exactly_at_the_cap_is_allowed_and_one_cent_more_is_not() {
        let (store, dir) = store("boundary").await;
        let ledger = Ledger::default();
        let now = datetime!(2026-11-23 10:00 UTC);
        let r = ledger.reserve(store.as_ref(), "u1", 60, now).await.unwrap();
        ledger.settle(store.as_ref(), r, 40, 1234).await.unwrap();
        // 40 spent: a worst case of 60 lands exactly on the cap.
        let r = ledger.reserve(store.as_ref(), "u1", 60, now).await.unwrap();
        ledger.settle(store.as_ref(), r, 60, 10).await.unwrap();
        let refused = ledger.reserve(store.as_ref(), "u1", 1, now).await.unwrap_err();
        match refused {
            SpendError::Limit { spent, cap, retry_after, .. } => {
                assert_eq!((spent, cap), (100, 100));
                assert_eq!(retry_after, 8 * 86_400 - 10 * 3600, "until 2026-12-01 00:00 UTC");
            }
            other => panic!("{other:?}"),
        }
        let usage = store.usage("2026-11").await.unwrap();
        let u1 = usage.iter().find(|u| u.user_id == "u1").unwrap();
        assert_eq!((u1.cents, u1.tokens), (100, 1244));
        // Another process starting this month reads what was spent from the store.
        let fresh = Ledger::default();
        assert!(fresh.reserve(store.as_ref(), "u1", 1, now).await.is_err());
        // A new month starts from zero; no cap means no refusal.
        let december = datetime!(2026-12-01 00:00 UTC);
        let r = fresh.reserve(store.as_ref(), "u1", 100, december).await.unwrap();
        fresh.settle(store.as_ref(), r, 0, 0).await.unwrap();
        let r = fresh.reserve(store.as_ref(), "u2", 1_000_000, now).await.unwrap();
        fresh.settle(store.as_ref(), r, 5, 5).await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_questions_near_the_cap_never_overspend() {
        let (store, dir) = store("concurrent").await;
        let ledger = Arc::new(Ledger::default());
        let now = datetime!(2026-11-23 10:00 UTC);
        let mut tasks = Vec::new();
        for _ in 0..32 {
            let (ledger, store) = (Arc::clone(&ledger), Arc::clone(&store));
            tasks.push(tokio::spawn(async move {
                match ledger.reserve(store.as_ref(), "u", 7, now).await {
                    Ok(r) => {
                        tokio::task::yield_now().await;
                        // Each call costs its whole worst case: the tightest case for the cap.
                        ledger.settle(store.as_ref(), r, 7, 1).await.unwrap();
                        true
                    }
                    Err(SpendError::Limit { .. }) => false,
                    Err(e) => panic!("{e}"),
                }
            }));
        }
        let mut allowed = 0;
        for t in tasks {
            allowed += u64::from(t.await.unwrap());
        }
        let spent = store.usage("2026-11").await.unwrap().iter().find(|u| u.user_id == "u").unwrap().cents;
        assert_eq!(allowed, 7, "50 / 7 = 7 calls fit");
        assert_eq!(spent, 49);
        assert!(spent <= 50);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn next_month_is_counted_from_any_instant() {
        assert_eq!(seconds_to_next_month(datetime!(2026-12-31 23:59:59 UTC)), 1);
        assert_eq!(seconds_to_next_month(datetime!(2026-02-01 00:00 UTC)), 28 * 86_400);
        assert_eq!(month_of(datetime!(2026-01-05 00:00 UTC)), "2026-01");
    }
}
