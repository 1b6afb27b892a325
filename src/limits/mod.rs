//! Rate limits (per user and per client address) and the per-address login lockout, with
//! governor's keyed GCRA limiters. In-process: each replica limits what it sees.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::config::Config;

/// The limiters of one process.
pub struct Limits {
    per_user: Option<DefaultKeyedRateLimiter<String>>,
    per_ip: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Failed logins per address before the one that locks it (`None`: the first locks).
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses locked out, until (unix seconds).
    locked: Mutex<HashMap<IpAddr, i64>>,
    lock_seconds: i64,
    checks: AtomicU64,
    /// Login attempts for one account name run one at a time (striped by the name's hash, so the
    /// memory is fixed): the failure count is read, checked and written without a lost update.
    accounts: Vec<tokio::sync::Mutex<()>>,
    /// Failures and locks of names that are no account, kept like an account's so that the
    /// answers do not tell the two apart.
    ghosts: Mutex<HashMap<String, (u32, i64)>>,
}

/// How many stripes serialise login attempts.
const ACCOUNT_STRIPES: usize = 64;
/// Names without an account whose failures are remembered, at most.
const MAX_GHOSTS: usize = 100_000;

/// How long to wait, when a limit says no.
pub struct Wait(pub u64);

impl Limits {
    /// Limits as configured. A per-minute rate of 0 turns that limit off.
    pub fn new(config: &Config) -> Self {
        let attempts = NonZeroU32::new(config.auth.ip_lockout_attempts).unwrap_or(NonZeroU32::MIN);
        let period = Duration::from_secs(config.auth.lockout_minutes.max(1) * 60);
        // The limiter allows `attempts - 1` failures at once (one more per period/attempts); the
        // failure it refuses is the `attempts`-th, which locks the address. One attempt allowed
        // means every failure locks.
        let burst = NonZeroU32::new(attempts.get() - 1);
        let quota = burst.map(|burst| {
            Quota::with_period(period / attempts.get()).unwrap_or(Quota::per_minute(attempts)).allow_burst(burst)
        });
        Limits {
            per_user: per_minute(config.limits.user_per_minute),
            per_ip: per_minute(config.limits.ip_per_minute),
            failures: quota.map(RateLimiter::keyed),
            locked: Mutex::new(HashMap::new()),
            lock_seconds: period.as_secs() as i64,
            checks: AtomicU64::new(0),
            accounts: (0..ACCOUNT_STRIPES).map(|_| tokio::sync::Mutex::new(())).collect(),
            ghosts: Mutex::new(HashMap::new()),
        }
    }

    /// One request from `ip`.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), Wait> {
        self.tidy();
        check(self.per_ip.as_ref(), &ip)
    }

    /// One request by `user_id`.
    pub fn check_user(&self, user_id: &str) -> Result<(), Wait> {
        check(self.per_user.as_ref(), &user_id.to_owned())
    }

    /// Whether logins from `ip` are locked out, and for how long.
    pub fn login_locked(&self, ip: IpAddr, now: i64) -> Option<Wait> {
        let locked = self.locked.lock().ok()?;
        locked.get(&ip).filter(|until| **until > now).map(|until| Wait((until - now) as u64))
    }

    /// Counts a failed login from `ip`; returns the lockout when this one reached the limit.
    pub fn login_failed(&self, ip: IpAddr, now: i64) -> Option<Wait> {
        if self.failures.as_ref().is_some_and(|f| f.check_key(&ip).is_ok()) {
            return None;
        }
        let mut locked = self.locked.lock().ok()?;
        locked.insert(ip, now + self.lock_seconds);
        Some(Wait(self.lock_seconds as u64))
    }

    /// The lock that login attempts for `username` take, one at a time.
    pub fn account(&self, username: &str) -> &tokio::sync::Mutex<()> {
        use std::hash::{Hash, Hasher};
        // A fixed-key hasher: the same name always maps to the same stripe.
        let mut fixed = std::hash::DefaultHasher::new();
        username.hash(&mut fixed);
        &self.accounts[(fixed.finish() as usize) % ACCOUNT_STRIPES]
    }

    /// Until when the name without an account is "locked", if it is.
    pub fn ghost_locked(&self, username: &str, now: i64) -> Option<i64> {
        let ghosts = self.ghosts.lock().ok()?;
        ghosts.get(username).map(|(_, until)| *until).filter(|until| *until > now)
    }

    /// Counts a failure for a name without an account; `true` when it now "locks", as an account
    /// would after `attempts` failures (for `minutes`).
    pub fn ghost_failed(&self, username: &str, now: i64, attempts: u32, minutes: u64) -> bool {
        let Ok(mut ghosts) = self.ghosts.lock() else { return false };
        if ghosts.len() >= MAX_GHOSTS {
            ghosts.retain(|_, (_, until)| *until > now);
            if ghosts.len() >= MAX_GHOSTS {
                ghosts.clear();
            }
        }
        let (failures, until) = ghosts.entry(username.to_owned()).or_insert((0, 0));
        *failures += 1;
        if *failures >= attempts {
            *failures = 0;
            *until = now + minutes as i64 * 60;
            return true;
        }
        false
    }

    /// Drops state of keys not seen lately, now and then.
    fn tidy(&self) {
        if self.checks.fetch_add(1, Ordering::Relaxed) % 4096 == 4095 {
            if let Some(l) = &self.per_ip {
                l.retain_recent();
            }
            if let Some(l) = &self.per_user {
                l.retain_recent();
            }
            if let Some(l) = &self.failures {
                l.retain_recent();
            }
            if let Ok(mut locked) = self.locked.lock() {
                let now = crate::auth::now();
                locked.retain(|_, until| *until > now);
            }
        }
    }
}

fn per_minute<K: std::hash::Hash + Eq + Clone>(n: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(n).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

fn check<K: std::hash::Hash + Eq + Clone>(limiter: Option<&DefaultKeyedRateLimiter<K>>, key: &K) -> Result<(), Wait> {
    let Some(limiter) = limiter else { return Ok(()) };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        Wait(wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
    })
}
