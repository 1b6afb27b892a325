//! The GRC dashboard's numbers: questions per day, guard rejections by code, and the risk signals
//! the audit trail already shows. Everything is read through the trail's own search (the same
//! filters the audit page uses), at most [`MAX_RECORDS`] records per answer, which says so when it
//! stopped there. Each signal links to `/audit?…` with filters that select exactly the records it
//! counted: the link's time range ends at the moment the dashboard was read, so later records do
//! not join it.
//!
//! The thresholds are named constants here (documented in the README); the working hours are a
//! setting (`audit.working_hours`, UTC).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use thiserror::Error;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, Duration, OffsetDateTime, Time};

use super::{timestamp, Audit};
use crate::store::{AuditFilter, AuditRecord, Store, StoreError};

/// Most records one dashboard reads (newest first); past it the answer says it is incomplete.
pub const MAX_RECORDS: u64 = 20_000;
/// Longest range, in days.
pub const MAX_DAYS: i64 = 366;
/// Days shown when no range is given (today included).
pub const DEFAULT_DAYS: i64 = 30;
/// Guard rejections (`outcome=rejected`) of one user in the range that make a signal.
pub const REJECTIONS_PER_USER: u64 = 3;
/// Failed logins (`login_failed`) for one user name in the range that make a signal.
pub const FAILED_LOGINS_PER_USER: u64 = 3;
/// A user whose month-to-date LLM spend is at least this share of their cap makes a signal.
pub const SPEND_WARNING_PERCENT: u64 = 80;
/// Signals listed at most; the rest are counted.
pub const MAX_SIGNALS: usize = 100;
/// Records read per page.
const PAGE: u64 = 500;

/// A dashboard request that cannot be answered as asked.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum RangeError {
    /// A bound is not a date.
    #[error("`{0}` must be a date like 2026-11-23, got `{1}`")]
    NotADate(&'static str, String),
    /// `from` is after `to`.
    #[error("`from` ({0}) is after `to` ({1}): swap them")]
    Backwards(Date, Date),
    /// More days than [`MAX_DAYS`].
    #[error("the range holds {0} days; the dashboard covers at most {MAX_DAYS} days: narrow it")]
    TooLong(i64),
}

/// Whole UTC days, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
}

impl Range {
    /// The range of a request: each bound a date (`YYYY-MM-DD`); without `to`, today; without
    /// `from`, [`DEFAULT_DAYS`] days up to `to`. At most [`MAX_DAYS`] days.
    pub fn parse(from: Option<&str>, to: Option<&str>, today: Date) -> Result<Range, RangeError> {
        let date = |name: &'static str, text: Option<&str>| -> Result<Option<Date>, RangeError> {
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => Date::parse(t, format_description!("[year]-[month]-[day]"))
                    .map(Some)
                    .map_err(|_| RangeError::NotADate(name, t.chars().take(40).collect())),
            }
        };
        let to = date("to", to)?.unwrap_or(today);
        let from = date("from", from)?.unwrap_or_else(|| to.saturating_sub(Duration::days(DEFAULT_DAYS - 1)));
        if from > to {
            return Err(RangeError::Backwards(from, to));
        }
        let days = (to - from).whole_days() + 1;
        if days > MAX_DAYS {
            return Err(RangeError::TooLong(days));
        }
        Ok(Range { from, to })
    }

    /// The first instant of the range.
    fn start(&self) -> OffsetDateTime {
        self.from.with_time(Time::MIDNIGHT).assume_utc()
    }

    /// The instant after the range.
    fn end(&self) -> OffsetDateTime {
        self.to.with_time(Time::MIDNIGHT).assume_utc() + Duration::days(1)
    }
}

/// Working hours, in minutes after midnight UTC: `start` included, `end` not. When `start` is
/// after `end` they run past midnight (`22:00-06:00`); `00:00-24:00` is always.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WorkingHours {
    start: u32,
    end: u32,
}

/// A `working_hours` setting that is not `HH:MM-HH:MM`.
#[derive(Debug, Error)]
#[error("audit.working_hours must be `HH:MM-HH:MM` in UTC (e.g. `07:00-19:00`; `22:00-06:00` runs past midnight; `00:00-24:00` is always), got `{0}`")]
pub struct BadWorkingHours(String);

impl WorkingHours {
    /// 07:00-19:00, the setting's default.
    pub const DEFAULT: WorkingHours = WorkingHours { start: 7 * 60, end: 19 * 60 };

    /// Reads `HH:MM-HH:MM`.
    pub fn parse(text: &str) -> Result<WorkingHours, BadWorkingHours> {
        let bad = || BadWorkingHours(text.chars().take(40).collect());
        let minutes = |part: &str| -> Option<u32> {
            let (h_text, m_text) = part.trim().split_once(':')?;
            let (h, m): (u32, u32) = (h_text.parse().ok()?, m_text.parse().ok()?);
            let written = h_text.len() <= 2 && m_text.len() == 2;
            (written && m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
        };
        let (start, end) = text.split_once('-').ok_or_else(bad)?;
        let (start, end) = (minutes(start).ok_or_else(bad)?, minutes(end).ok_or_else(bad)?);
        if start == end || start == 24 * 60 {
            return Err(bad());
        }
        Ok(WorkingHours { start, end })
    }

    /// As the setting writes it.
    pub fn text(&self) -> String {
        format!("{:02}:{:02}-{:02}:{:02}", self.start / 60, self.start % 60, self.end / 60, self.end % 60)
    }

    /// The stretch of time outside working hours that holds `at`: its first instant and the
    /// instant working hours start again; `None` when `at` is within working hours.
    fn off_hours(&self, at: OffsetDateTime) -> Option<(OffsetDateTime, OffsetDateTime)> {
        let minute = u32::from(at.hour()) * 60 + u32::from(at.minute());
        let midnight = at.date().with_time(Time::MIDNIGHT).assume_utc();
        let at_minute =
            |day_offset: i64, m: u32| midnight + Duration::days(day_offset) + Duration::minutes(i64::from(m));
        let (start, end) = (self.start, self.end);
        if start < end {
            if minute >= end {
                Some((at_minute(0, end), at_minute(1, start)))
            } else if minute < start {
                Some((at_minute(-1, end), at_minute(0, start)))
            } else {
                None
            }
        } else if minute >= end && minute < start {
            // Working hours run past midnight: the day's one stretch off is between them.
            Some((at_minute(0, end), at_minute(0, start)))
        } else {
            None
        }
    }
}

/// How much a signal asks for attention.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Look at it first.
    High,
    /// Look at it.
    Medium,
    /// Worth knowing.
    Low,
}

/// One risk signal: what the trail shows, and where its records are.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Signal {
    /// `rejections`, `failed_logins`, `lockout`, `off_hours`, `spend` or `production`.
    pub kind: &'static str,
    /// How much it asks for attention.
    pub severity: Severity,
    /// One line that says what happened.
    pub text: String,
    /// The audit page filtered to exactly the records counted (`/audit?…`).
    pub link: String,
    /// How many records it counts.
    pub records: u64,
    /// The user it is about, if one.
    pub user: Option<String>,
}

/// Questions on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DayCount {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Records of kind `ask` or `query` that day.
    pub count: u64,
}

/// Guard rejections with one code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CodeCount {
    /// The guard's code.
    pub code: String,
    /// Records with `outcome=rejected` and this code.
    pub count: u64,
}

/// What `GET /api/v1/admin/dashboard` answers.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    /// The first day (`YYYY-MM-DD`, UTC).
    pub from: String,
    /// The last day.
    pub to: String,
    /// When the trail was read (RFC 3339): records after it are not counted.
    pub read_at: String,
    /// Working hours (UTC), from the `audit.working_hours` setting.
    pub working_hours: String,
    /// Records of the range read.
    pub records_read: u64,
    /// Records in the range.
    pub records_in_range: u64,
    /// Whether every record of the range was read (at most [`MAX_RECORDS`] are).
    pub complete: bool,
    /// What was left out, when not complete.
    pub notice: Option<String>,
    /// Questions (`ask`) and queries (`query`) in the range.
    pub questions: u64,
    /// Every day of the range, with its questions and queries (0 on a day without).
    pub questions_per_day: Vec<DayCount>,
    /// Guard rejections in the range.
    pub rejections: u64,
    /// Guard rejections by code, most first.
    pub rejections_by_code: Vec<CodeCount>,
    /// Risk signals, most severe first.
    pub signals: Vec<Signal>,
    /// Signals left out past [`MAX_SIGNALS`].
    pub signals_not_listed: u64,
}

/// One user's month-to-date LLM spend against their cap.
#[derive(Clone, Debug)]
pub struct Spend {
    /// Whose.
    pub username: String,
    /// Spent this month, in cents.
    pub spent_cents: u64,
    /// Their cap, in cents.
    pub cap_cents: u64,
}

/// Whether `spent` is at least [`SPEND_WARNING_PERCENT`] of `cap` (a cap of 0 always is).
pub fn near_cap(spent: u64, cap: u64) -> bool {
    u128::from(spent) * 100 >= u128::from(cap) * u128::from(SPEND_WARNING_PERCENT)
}

/// What the dashboard needs besides the records.
pub struct Facts<'a> {
    /// The days asked for.
    pub range: Range,
    /// When the trail was read (the end of every link's time range).
    pub read_at: OffsetDateTime,
    /// The setting.
    pub hours: WorkingHours,
    /// Names of the connectors flagged production.
    pub production: &'a [String],
    /// Users with a cap, and their spend this month.
    pub spend: &'a [Spend],
    /// The month of `spend` (`YYYY-MM`).
    pub month: &'a str,
}

/// Reads the range's records (newest first, at most [`MAX_RECORDS`]) and the facts, and sums
/// them up.
pub async fn read(
    audit: &Audit,
    store: &dyn Store,
    range: Range,
    hours: WorkingHours,
    read_at: OffsetDateTime,
) -> Result<Dashboard, StoreError> {
    let filter = AuditFilter {
        from: Some(timestamp(range.start())),
        to: Some(timestamp(range.end().min(read_at))),
        ..AuditFilter::default()
    };
    let mut records = Vec::new();
    let mut in_range = 0;
    loop {
        let (page, total) =
            audit.search(&filter, records.len() as u64, PAGE.min(MAX_RECORDS - records.len() as u64)).await?;
        in_range = in_range.max(total);
        let last = (page.len() as u64) < PAGE;
        records.extend(page);
        if last || records.len() as u64 >= MAX_RECORDS {
            break;
        }
    }
    let production: Vec<String> =
        store.connectors().await?.into_iter().filter(|c| c.production).map(|c| c.name).collect();
    let month = crate::ask::spend::month_of(read_at);
    let usage = store.usage(&month).await?;
    let spend: Vec<Spend> = store
        .users()
        .await?
        .into_iter()
        .filter_map(|u| {
            let cap = u.monthly_cap_cents?;
            let spent = usage.iter().find(|x| x.user_id == u.id).map_or(0, |x| x.cents);
            Some(Spend { username: u.username, spent_cents: spent, cap_cents: cap })
        })
        .collect();
    let facts = Facts { range, read_at, hours, production: &production, spend: &spend, month: &month };
    Ok(summarize(&records, in_range, &facts))
}

/// The dashboard of `records` (the range's, newest first; `in_range` of them exist).
pub fn summarize(records: &[AuditRecord], in_range: u64, facts: &Facts<'_>) -> Dashboard {
    let range = facts.range;
    let read = records.len() as u64;
    let complete = read >= in_range;
    let until = range.end().min(facts.read_at);
    let tally = Tally::of(records, facts);
    let span = Span { from: range.start(), until };
    let mut signals = tally.account_signals(&span);
    signals.extend(tally.activity_signals(&span, facts.hours));
    signals.extend(spend_signals(facts));
    signals.sort_by(|a, b| a.severity.cmp(&b.severity).then(b.records.cmp(&a.records)));
    let signals_not_listed = signals.len().saturating_sub(MAX_SIGNALS) as u64;
    signals.truncate(MAX_SIGNALS);
    let mut rejections_by_code: Vec<CodeCount> =
        tally.by_code.iter().map(|(code, count)| CodeCount { code: (*code).to_owned(), count: *count }).collect();
    rejections_by_code.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
    let mut questions_per_day = Vec::new();
    let mut day = range.from;
    while day <= range.to {
        questions_per_day.push(DayCount { day: day.to_string(), count: tally.per_day.get(&day).copied().unwrap_or(0) });
        match day.next_day() {
            Some(next) => day = next,
            None => break,
        }
    }
    Dashboard {
        from: range.from.to_string(),
        to: range.to.to_string(),
        read_at: timestamp(facts.read_at),
        working_hours: facts.hours.text(),
        records_read: read,
        records_in_range: in_range,
        complete,
        notice: (!complete).then(|| {
            format!(
                "Only the newest {read} of the range's {in_range} records were read (the dashboard reads at most {MAX_RECORDS}): the counts and signals cover {} to {} only; narrow the range to see all of it",
                records.last().map_or(String::new(), |r| r.at.clone()),
                timestamp(until)
            )
        }),
        questions: tally.questions,
        questions_per_day,
        rejections: tally.rejections,
        rejections_by_code,
        signals,
        signals_not_listed,
    }
}

/// What one pass over the records counts.
#[derive(Default)]
struct Tally<'a> {
    /// Questions and queries per day.
    per_day: BTreeMap<Date, u64>,
    questions: u64,
    /// Guard rejections by code.
    by_code: HashMap<&'a str, u64>,
    rejections: u64,
    /// Per user: rejections, and the codes.
    rejected: BTreeMap<&'a str, (u64, Vec<&'a str>)>,
    /// Per user name: failed logins, and the addresses.
    failed: BTreeMap<&'a str, (u64, Vec<&'a str>)>,
    /// Lockouts per user, and per address (those without a user).
    locked_users: BTreeMap<&'a str, u64>,
    locked_addresses: BTreeMap<&'a str, u64>,
    /// Per user and stretch off (its start): its end, and the records in it.
    off: BTreeMap<(&'a str, OffsetDateTime), (OffsetDateTime, u64)>,
    /// Records per production connector.
    production: BTreeMap<&'a str, u64>,
}

impl<'a> Tally<'a> {
    fn of(records: &'a [AuditRecord], facts: &Facts<'_>) -> Self {
        let mut tally = Tally::default();
        for r in records {
            // A record whose time cannot be read is not counted anywhere (the store writes them).
            if let Ok(at) = OffsetDateTime::parse(&r.at, &Rfc3339) {
                tally.add(r, at, facts);
            }
        }
        tally
    }

    fn add(&mut self, r: &'a AuditRecord, at: OffsetDateTime, facts: &Facts<'_>) {
        let user = r.username.as_deref();
        if r.kind == "ask" || r.kind == "query" {
            *self.per_day.entry(at.date()).or_default() += 1;
            self.questions += 1;
        }
        if r.outcome == "rejected" {
            self.rejections += 1;
            let code = r.code.as_deref().unwrap_or("unknown");
            *self.by_code.entry(code).or_default() += 1;
            if let Some(user) = user {
                let entry = self.rejected.entry(user).or_default();
                entry.0 += 1;
                if !entry.1.contains(&code) {
                    entry.1.push(code);
                }
            }
        }
        if let (Some(user), "login_failed") = (user, r.kind.as_str()) {
            let entry = self.failed.entry(user).or_default();
            entry.0 += 1;
            if let Some(ip) = r.ip.as_deref().filter(|ip| !entry.1.contains(ip)) {
                entry.1.push(ip);
            }
        }
        if r.kind == "lockout" {
            match (user, r.detail.get("address").and_then(|a| a.as_str())) {
                (Some(user), _) => *self.locked_users.entry(user).or_default() += 1,
                (None, Some(address)) => *self.locked_addresses.entry(address).or_default() += 1,
                (None, None) => {}
            }
        }
        if let (Some(user), Some((start, end))) = (user, facts.hours.off_hours(at)) {
            self.off.entry((user, start)).or_insert((end, 0)).1 += 1;
        }
        if let Some(connector) = r.connector.as_deref().filter(|c| facts.production.iter().any(|p| p == c)) {
            *self.production.entry(connector).or_default() += 1;
        }
    }

    /// Guard rejections, failed logins and lockouts.
    fn account_signals(&self, span: &Span) -> Vec<Signal> {
        let mut signals = Vec::new();
        for (user, (count, codes)) in self.rejected.iter().filter(|(_, (n, _))| *n >= REJECTIONS_PER_USER) {
            signals.push(Signal {
                kind: "rejections",
                severity: if *count >= 3 * REJECTIONS_PER_USER { Severity::High } else { Severity::Medium },
                text: format!("{user} had {count} queries refused by the guard ({})", codes.join(", ")),
                link: span.link(&[("user", user), ("outcome", "rejected")]),
                records: *count,
                user: Some((*user).to_owned()),
            });
        }
        for (user, (count, addresses)) in self.failed.iter().filter(|(_, (n, _))| *n >= FAILED_LOGINS_PER_USER) {
            let from = if addresses.is_empty() { String::new() } else { format!(" from {}", addresses.join(", ")) };
            signals.push(Signal {
                kind: "failed_logins",
                severity: Severity::Medium,
                text: format!("{count} failed logins as {user}{from}"),
                link: span.link(&[("user", user), ("kind", "login_failed")]),
                records: *count,
                user: Some((*user).to_owned()),
            });
        }
        for (user, count) in &self.locked_users {
            signals.push(Signal {
                kind: "lockout",
                severity: Severity::High,
                text: format!("{user}'s account was locked {} after failed logins", times(*count)),
                link: span.link(&[("user", user), ("kind", "lockout")]),
                records: *count,
                user: Some((*user).to_owned()),
            });
        }
        for (address, count) in &self.locked_addresses {
            // The address is in the lockout's detail as `"address":"…"`: the search finds exactly it.
            let needle = format!("\"address\":\"{address}\"");
            signals.push(Signal {
                kind: "lockout",
                severity: Severity::High,
                text: format!("The address {address} was locked {} after failed logins", times(*count)),
                link: span.link(&[("q", &needle), ("kind", "lockout")]),
                records: *count,
                user: None,
            });
        }
        signals
    }

    /// Activity outside working hours, and on production connectors.
    fn activity_signals(&self, span: &Span, hours: WorkingHours) -> Vec<Signal> {
        let mut signals = Vec::new();
        for ((user, start), (end, count)) in &self.off {
            let window = Span { from: (*start).max(span.from), until: (*end).min(span.until) };
            signals.push(Signal {
                kind: "off_hours",
                severity: Severity::Low,
                text: format!(
                    "{user} was active outside working hours ({} UTC): {} between {} and {} UTC",
                    hours.text(),
                    records_text(*count),
                    minute(*start),
                    minute(*end)
                ),
                link: window.link(&[("user", user)]),
                records: *count,
                user: Some((*user).to_owned()),
            });
        }
        for (connector, count) in &self.production {
            signals.push(Signal {
                kind: "production",
                severity: Severity::Low,
                text: format!("{} on the production connector {connector}", records_text(*count)),
                link: span.link(&[("connector", connector)]),
                records: *count,
                user: None,
            });
        }
        signals
    }
}

/// Users near their cap, for a range that reaches into this month (spend is month-to-date).
fn spend_signals(facts: &Facts<'_>) -> Vec<Signal> {
    let Some(month_start) = date_start(&format!("{}-01", facts.month)) else { return Vec::new() };
    if facts.range.end() <= month_start {
        return Vec::new();
    }
    let month = Span { from: month_start, until: facts.read_at };
    facts
        .spend
        .iter()
        .filter(|s| near_cap(s.spent_cents, s.cap_cents))
        .map(|s| {
            let percent =
                if s.cap_cents == 0 { 100 } else { u128::from(s.spent_cents) * 100 / u128::from(s.cap_cents) };
            Signal {
                kind: "spend",
                severity: if s.spent_cents >= s.cap_cents { Severity::High } else { Severity::Medium },
                text: format!(
                    "{} has spent {}¢ of a {}¢ monthly LLM cap ({percent}%) in {}",
                    s.username, s.spent_cents, s.cap_cents, facts.month
                ),
                link: month.link(&[("user", &s.username), ("kind", "ask")]),
                records: 0,
                user: Some(s.username.clone()),
            }
        })
        .collect()
}

/// A time range of a link: from `from` (included) to `until` (not).
struct Span {
    from: OffsetDateTime,
    until: OffsetDateTime,
}

impl Span {
    /// `/audit?` with `filters` and this range.
    fn link(&self, filters: &[(&str, &str)]) -> String {
        let mut query: Vec<(&str, String)> = filters.iter().map(|(k, v)| (*k, v.to_string())).collect();
        query.push(("from", timestamp(self.from)));
        query.push(("to", timestamp(self.until)));
        let pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        format!("/audit?{}", pairs.join("&"))
    }
}

/// `text` percent-encoded for a URL's query (everything but unreserved characters).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The first instant of `YYYY-MM-DD`.
fn date_start(text: &str) -> Option<OffsetDateTime> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .ok()
        .map(|d| d.with_time(Time::MIDNIGHT).assume_utc())
}

/// `YYYY-MM-DD HH:MM`.
fn minute(at: OffsetDateTime) -> String {
    at.format(format_description!("[year]-[month]-[day] [hour]:[minute]")).unwrap_or_default()
}

fn times(n: u64) -> String {
    if n == 1 {
        "once".to_owned()
    } else {
        format!("{n} times")
    }
}

fn records_text(n: u64) -> String {
    if n == 1 {
        "1 record".to_owned()
    } else {
        format!("{n} records")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn record(at: &str, kind: &str, outcome: &str, user: Option<&str>) -> AuditRecord {
        AuditRecord {
            seq: 1,
            at: at.to_owned(),
            kind: kind.to_owned(),
            outcome: outcome.to_owned(),
            username: user.map(str::to_owned),
            role: None,
            connector: None,
            question: None,
            sql: None,
            code: None,
            tables: Vec::new(),
            row_count: None,
            truncated: None,
            duration_ms: None,
            detail: serde_json::Value::Null,
            ip: Some("127.0.0.1".into()),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn rejected(at: &str, user: &str, code: &str) -> AuditRecord {
        let mut r = record(at, "query", "rejected", Some(user));
        r.code = Some(code.to_owned());
        r
    }

    fn facts<'a>(production: &'a [String], spend: &'a [Spend]) -> Facts<'a> {
        Facts {
            range: Range { from: date!(2026 - 11 - 20), to: date!(2026 - 11 - 23) },
            read_at: datetime!(2026-11-23 12:00 UTC),
            hours: WorkingHours::parse("07:00-19:00").unwrap(),
            production,
            spend,
            month: "2026-11",
        }
    }

    #[test]
    fn ranges_default_to_thirty_days_and_refuse_more_than_a_year() {
        let today = date!(2026 - 11 - 24);
        assert_eq!(Range::parse(None, None, today), Ok(Range { from: date!(2026 - 10 - 26), to: today }));
        assert_eq!(
            Range::parse(Some("2026-11-01"), Some("2026-11-01"), today),
            Ok(Range { from: date!(2026 - 11 - 01), to: date!(2026 - 11 - 01) })
        );
        assert!(Range::parse(Some("2025-11-24"), Some("2026-11-24"), today).is_ok(), "366 days");
        let e = Range::parse(Some("2025-11-23"), Some("2026-11-24"), today).unwrap_err();
        assert_eq!(e, RangeError::TooLong(367));
        assert!(e.to_string().contains("at most 366 days"), "{e}");
        assert!(matches!(Range::parse(Some("2026-11-25"), Some("2026-11-24"), today), Err(RangeError::Backwards(..))));
        assert!(matches!(Range::parse(Some("yesterday"), None, today), Err(RangeError::NotADate("from", _))));
        assert!(matches!(Range::parse(None, Some("2026-13-01"), today), Err(RangeError::NotADate("to", _))));
        assert!(matches!(Range::parse(None, Some("<script>"), today), Err(RangeError::NotADate("to", _))));
    }

    #[test]
    fn working_hours_read_as_written_and_find_the_stretch_off() {
        let hours = WorkingHours::parse("07:00-19:00").unwrap();
        assert_eq!((hours, hours.text().as_str()), (WorkingHours::DEFAULT, "07:00-19:00"));
        assert_eq!(hours.off_hours(datetime!(2026-11-23 12:00 UTC)), None);
        assert_eq!(hours.off_hours(datetime!(2026-11-23 07:00 UTC)), None);
        assert_eq!(
            hours.off_hours(datetime!(2026-11-23 19:00 UTC)),
            Some((datetime!(2026-11-23 19:00 UTC), datetime!(2026-11-24 07:00 UTC)))
        );
        assert_eq!(
            hours.off_hours(datetime!(2026-11-23 03:10 UTC)),
            Some((datetime!(2026-11-22 19:00 UTC), datetime!(2026-11-23 07:00 UTC)))
        );
        let night = WorkingHours::parse("22:00-06:00").unwrap();
        assert_eq!(night.off_hours(datetime!(2026-11-23 23:00 UTC)), None);
        assert_eq!(night.off_hours(datetime!(2026-11-23 05:59 UTC)), None);
        assert_eq!(
            night.off_hours(datetime!(2026-11-23 12:00 UTC)),
            Some((datetime!(2026-11-23 06:00 UTC), datetime!(2026-11-23 22:00 UTC)))
        );
        let always = WorkingHours::parse("00:00-24:00").unwrap();
        assert_eq!(always.off_hours(datetime!(2026-11-23 03:00 UTC)), None);
        for bad in ["", "7-19", "07:00", "07:00-07:00", "25:00-19:00", "07:60-19:00", "24:00-07:00", "007:00-19:00"] {
            assert!(WorkingHours::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn questions_are_counted_per_day_with_empty_days_and_rejections_by_code() {
        let records = vec![
            record("2026-11-23T10:00:00.000Z", "ask", "ok", Some("ann")),
            rejected("2026-11-23T09:00:00.000Z", "ann", "write_statement"),
            record("2026-11-21T10:00:00.000Z", "query", "ok", Some("pat")),
            record("2026-11-21T10:00:01.000Z", "login", "ok", Some("pat")),
            rejected("2026-11-21T09:00:00.000Z", "pat", "function_not_allowed"),
            rejected("2026-11-21T09:00:01.000Z", "pat", "write_statement"),
        ];
        let d = summarize(&records, 6, &facts(&[], &[]));
        let days: Vec<(String, u64)> = d.questions_per_day.iter().map(|c| (c.day.clone(), c.count)).collect();
        let expected = [("2026-11-20", 0), ("2026-11-21", 3), ("2026-11-22", 0), ("2026-11-23", 2)];
        assert_eq!(days, expected.map(|(d, n)| (d.to_owned(), n)));
        assert_eq!(d.questions, 5);
        assert_eq!(d.rejections, 3);
        let codes: Vec<(&str, u64)> = d.rejections_by_code.iter().map(|c| (c.code.as_str(), c.count)).collect();
        assert_eq!(codes, [("write_statement", 2), ("function_not_allowed", 1)]);
        assert!(d.complete && d.notice.is_none());
        // Fewer rejections per user than the threshold: no signal.
        assert!(d.signals.iter().all(|s| s.kind != "rejections"), "{:?}", d.signals);
    }

    #[test]
    fn each_signal_links_to_exactly_its_records() {
        let mut records = vec![
            rejected("2026-11-23T10:00:00.000Z", "eve", "write_statement"),
            rejected("2026-11-23T10:01:00.000Z", "eve", "write_statement"),
            rejected("2026-11-23T10:02:00.000Z", "eve", "function_not_allowed"),
            record("2026-11-22T10:00:00.000Z", "login_failed", "denied", Some("bob")),
            record("2026-11-22T10:00:01.000Z", "login_failed", "denied", Some("bob")),
            record("2026-11-22T10:00:02.000Z", "login_failed", "denied", Some("bob")),
            record("2026-11-22T10:00:02.000Z", "lockout", "denied", Some("bob")),
            record("2026-11-22T02:00:00.000Z", "ask", "ok", Some("nat")),
            record("2026-11-22T03:00:00.000Z", "ask", "ok", Some("nat")),
        ];
        let mut address = record("2026-11-22T10:00:03.000Z", "lockout", "denied", None);
        address.detail = serde_json::json!({"address": "10.0.0.7", "minutes": 15});
        records.push(address);
        let mut prod = record("2026-11-22T11:00:00.000Z", "ask", "ok", Some("ann"));
        prod.connector = Some("sales".into());
        records.push(prod);
        let production = ["sales".to_owned()];
        let spend = [
            Spend { username: "mia".into(), spent_cents: 85, cap_cents: 100 },
            Spend { username: "kim".into(), spent_cents: 10, cap_cents: 100 },
        ];
        let d = summarize(&records, records.len() as u64, &facts(&production, &spend));
        let find = |kind: &str, user: Option<&str>| {
            d.signals
                .iter()
                .find(|s| s.kind == kind && s.user.as_deref() == user)
                .unwrap_or_else(|| panic!("{kind} {user:?}: {:?}", d.signals))
                .clone()
        };
        let range = "from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-23T12%3A00%3A00.000Z";
        let s = find("rejections", Some("eve"));
        assert_eq!((s.severity, s.records), (Severity::Medium, 3));
        assert_eq!(s.link, format!("/audit?user=eve&outcome=rejected&{range}"));
        assert!(s.text.contains("write_statement, function_not_allowed"), "{}", s.text);
        let s = find("failed_logins", Some("bob"));
        assert_eq!(s.link, format!("/audit?user=bob&kind=login_failed&{range}"));
        assert!(s.text.contains("3 failed logins as bob from 127.0.0.1"), "{}", s.text);
        let s = find("lockout", Some("bob"));
        assert_eq!((s.severity, s.link.clone()), (Severity::High, format!("/audit?user=bob&kind=lockout&{range}")));
        let s = find("lockout", None);
        assert_eq!(s.link, format!("/audit?q=%22address%22%3A%2210.0.0.7%22&kind=lockout&{range}"));
        // Off hours: the night before 07:00 on the 22nd, both of nat's records in one stretch.
        let s = find("off_hours", Some("nat"));
        assert_eq!(s.records, 2);
        assert_eq!(s.link, "/audit?user=nat&from=2026-11-21T19%3A00%3A00.000Z&to=2026-11-22T07%3A00%3A00.000Z");
        assert!(s.text.contains("07:00-19:00 UTC") && s.text.contains("2026-11-21 19:00"), "{}", s.text);
        let s = find("spend", Some("mia"));
        assert!(s.text.contains("85¢ of a 100¢") && s.text.contains("85%"), "{}", s.text);
        assert_eq!(
            s.link,
            "/audit?user=mia&kind=ask&from=2026-11-01T00%3A00%3A00.000Z&to=2026-11-23T12%3A00%3A00.000Z"
        );
        assert!(d.signals.iter().all(|s| s.user.as_deref() != Some("kim")), "kim is below 80%");
        // Days before this month hold no spend signal.
        let mut earlier = facts(&production, &spend);
        earlier.range = Range { from: date!(2026 - 10 - 01), to: date!(2026 - 10 - 31) };
        assert!(summarize(&[], 0, &earlier).signals.is_empty());
        let s = find("production", None);
        assert_eq!((s.records, s.link.clone()), (1, format!("/audit?connector=sales&{range}")));
        // Most severe first.
        assert!(d.signals.windows(2).all(|w| w[0].severity <= w[1].severity), "{:?}", d.signals);
    }

    #[test]
    fn an_off_hours_stretch_that_starts_before_the_range_is_cut_to_it() {
        let records = vec![record("2026-11-20T01:00:00.000Z", "ask", "ok", Some("nat"))];
        let d = summarize(&records, 1, &facts(&[], &[]));
        let s = d.signals.iter().find(|s| s.kind == "off_hours").unwrap();
        assert_eq!(s.link, "/audit?user=nat&from=2026-11-20T00%3A00%3A00.000Z&to=2026-11-20T07%3A00%3A00.000Z");
    }

    #[test]
    fn a_capped_read_says_what_it_left_out() {
        let records = vec![record("2026-11-23T10:00:00.000Z", "ask", "ok", Some("ann"))];
        let d = summarize(&records, 25_000, &facts(&[], &[]));
        assert!(!d.complete);
        let notice = d.notice.unwrap();
        assert!(
            notice.contains("Only the newest 1 of the range's 25000 records") && notice.contains("narrow"),
            "{notice}"
        );
    }

    #[test]
    fn signals_past_the_limit_are_counted_not_listed() {
        // 150 users, each with three rejections: 150 rejection signals (and as many off hours).
        let records: Vec<AuditRecord> = (0..150)
            .flat_map(|u| {
                (0..3)
                    .map(move |i| rejected(&format!("2026-11-23T10:00:0{i}.000Z"), &format!("u{u}"), "write_statement"))
            })
            .collect();
        let d = summarize(&records, records.len() as u64, &facts(&[], &[]));
        assert_eq!(d.signals.len(), MAX_SIGNALS);
        assert_eq!(d.signals_not_listed, 150 - MAX_SIGNALS as u64);
        assert!(d.signals.iter().all(|s| s.kind == "rejections"), "the most severe are kept");
    }

    #[test]
    fn spend_is_near_the_cap_from_eighty_percent() {
        assert!(near_cap(80, 100) && near_cap(100, 100) && near_cap(0, 0));
        assert!(!near_cap(79, 100) && !near_cap(0, 1));
        assert!(near_cap(u64::MAX, u64::MAX));
    }
}
