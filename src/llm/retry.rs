//! When to try a call again and how long to wait first: exponential backoff with jitter, the
//! provider's `Retry-After` honoured, and a cap on any single wait, so a request never sleeps
//! longer than [`RetryPolicy::max_wait`] between attempts.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// How failed calls are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Extra attempts after the first (`llm.retries`).
    pub retries: u32,
    /// The first backoff; each later one doubles, up to `max_backoff`.
    pub first_backoff: Duration,
    /// The longest backoff sqlgate picks by itself.
    pub max_backoff: Duration,
    /// The longest single wait: a provider that asks for more is not retried.
    pub max_wait: Duration,
}

impl RetryPolicy {
    /// The server's policy: `retries` extra attempts, backoff from 500 ms to 8 s, waits capped
    /// at 10 s.
    pub fn with_retries(retries: u32) -> Self {
        RetryPolicy {
            retries,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_wait: Duration::from_secs(10),
        }
    }

    /// The backoff before attempt `attempt + 2` (after `attempt + 1` failures): the doubled base,
    /// with "equal jitter" (between half of it and all of it), so that replicas that failed
    /// together do not retry together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let base =
            self.first_backoff.saturating_mul(1u32.checked_shl(attempt).unwrap_or(u32::MAX)).min(self.max_backoff);
        let half = base / 2;
        let jitter = rand::thread_rng().gen_range(0..=half.as_millis().min(u128::from(u64::MAX)) as u64);
        half + Duration::from_millis(jitter)
    }
}

/// Whether a status is worth another attempt: rate limited, or a server-side failure that
/// usually passes (Anthropic's 529 is "overloaded").
pub fn retryable_status(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504 | 529)
}

/// How long the provider asked to wait: `retry-after-ms` (OpenAI's), else `Retry-After` in
/// seconds or as an HTTP date. `None` when absent or unreadable.
pub fn retry_after(headers: &reqwest::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) =
        text("retry-after-ms").and_then(|t| t.parse::<f64>().ok()).filter(|ms| ms.is_finite() && *ms >= 0.0)
    {
        return Some(Duration::from_secs_f64((ms / 1000.0).min(1e9)));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let until = SystemTime::from(date);
    Some(until.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderMap, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn retry_after_reads_seconds_milliseconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after(&headers(&[("retry-after", "7")]), now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(&headers(&[("retry-after", " 0 ")]), now), Some(Duration::ZERO));
        assert_eq!(
            retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:50:07 GMT")]), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after", "Sun, 06 Nov 1994 08:00:00 GMT")]), now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(
            retry_after(&headers(&[("retry-after-ms", "250"), ("retry-after", "9")]), now),
            Some(Duration::from_millis(250))
        );
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
        assert_eq!(retry_after(&headers(&[("retry-after", "-3")]), now), None);
        assert_eq!(retry_after(&headers(&[]), now), None);
    }

    #[test]
    fn backoff_doubles_within_its_jitter_and_stops_at_the_cap() {
        let policy = RetryPolicy {
            retries: 9,
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(800),
            max_wait: Duration::from_secs(1),
        };
        for (attempt, base) in [(0, 100), (1, 200), (2, 400), (3, 800), (4, 800), (40, 800)] {
            for _ in 0..50 {
                let wait = policy.backoff(attempt).as_millis();
                assert!(
                    (base / 2..=base).contains(&wait),
                    "attempt {attempt}: {wait} ms outside {}..={base}",
                    base / 2
                );
            }
        }
    }

    #[test]
    fn only_rate_limits_and_passing_server_failures_are_retried() {
        for status in [429, 500, 502, 503, 504, 529] {
            assert!(retryable_status(status), "{status}");
        }
        for status in [200, 301, 400, 401, 403, 404, 408, 413, 422, 501, 505] {
            assert!(!retryable_status(status), "{status}");
        }
    }
}
