//! Prometheus metrics, served as text at `/metrics`: requests by route and status, latency per
//! route, guard rejections by code, connector errors by code, audit write failures, scheduled
//! report refreshes by outcome.

use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

/// The process's metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    rejections: IntCounterVec,
    connector_errors: IntCounterVec,
    audit_failures: IntCounter,
    refreshes: IntCounterVec,
}

impl Metrics {
    /// A fresh set of metrics.
    pub fn new() -> Self {
        let registry = Registry::new_custom(Some("sqlgate".into()), None).expect("a valid prefix");
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route pattern, method and status"),
            &["route", "method", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "Time to answer, by route pattern")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]),
            &["route"],
        )
        .expect("valid metric");
        let rejections = IntCounterVec::new(
            Opts::new("guard_rejections_total", "SQL refused by the guard, by rejection code"),
            &["code"],
        )
        .expect("valid metric");
        let connector_errors = IntCounterVec::new(
            Opts::new("connector_errors_total", "Queries that failed at the database side, by error code"),
            &["code"],
        )
        .expect("valid metric");
        let audit_failures =
            IntCounter::new("audit_write_failures_total", "Audit records the store refused (each failed its request)")
                .expect("valid metric");
        let refreshes = IntCounterVec::new(
            Opts::new("report_refreshes_total", "Scheduled report refreshes, by outcome (ok, rejected, error, denied)"),
            &["outcome"],
        )
        .expect("valid metric");
        for metric in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(rejections.clone()),
            Box::new(connector_errors.clone()),
            Box::new(audit_failures.clone()),
            Box::new(refreshes.clone()),
        ] {
            registry.register(metric).expect("each metric is registered once");
        }
        Metrics { registry, requests, latency, rejections, connector_errors, audit_failures, refreshes }
    }

    /// One answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.requests.with_label_values(&[route, method, &status.to_string()]).inc();
        self.latency.with_label_values(&[route]).observe(seconds);
    }

    /// One guard rejection.
    pub fn rejection(&self, code: &str) {
        self.rejections.with_label_values(&[code]).inc();
    }

    /// One connector error.
    pub fn connector_error(&self, code: &str) {
        self.connector_errors.with_label_values(&[code]).inc();
    }

    /// One audit write the store refused.
    pub fn audit_failure(&self) {
        self.audit_failures.inc();
    }

    /// One scheduled report refresh.
    pub fn report_refresh(&self, outcome: &str) {
        self.refreshes.with_label_values(&[outcome]).inc();
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}
