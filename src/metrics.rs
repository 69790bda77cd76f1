//! Operational metrics in the Prometheus text exposition format (`GET /metrics`).
//!
//! Why TiKV's `prometheus` crate and not `metrics` + `metrics-exporter-prometheus`: it keeps
//! an explicit [`Registry`] per application instead of a process-wide recorder, so every
//! server counts on its own (the API tests run many servers in one process), and without its
//! default features it needs no protobuf and brings in nothing the service does not already
//! build. Counters and histograms are updated where things happen; the gauges that describe
//! the database (outbox, map fold, pool) are read once per scrape ([`Scrape`]), so an idle
//! service does no work for them.

use std::sync::Mutex;
use std::time::Duration;

use prometheus::{
    Encoder, Gauge, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The `Content-Type` of the exposition.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How a filing ended, for `buergerbuero_filings_total{outcome, reason}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingOutcome {
    /// A new report was stored.
    Created,
    /// A retry with a known `Idempotency-Key` got the first report again.
    Replayed,
    /// The request was refused; the reason is a short stable word (`rate_limited`,
    /// `invalid`, `photo`, …).
    Refused(&'static str),
    /// The service failed (a 5xx answer).
    Failed,
}

impl FilingOutcome {
    fn labels(self) -> [&'static str; 2] {
        match self {
            FilingOutcome::Created => ["created", ""],
            FilingOutcome::Replayed => ["replayed", ""],
            FilingOutcome::Refused(reason) => ["refused", reason],
            FilingOutcome::Failed => ["failed", ""],
        }
    }
}

/// What the store and the engine say at scrape time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Scrape {
    /// Mails waiting for (another) delivery attempt.
    pub outbox_pending: i64,
    /// Mails a worker has claimed and is delivering.
    pub outbox_sending: i64,
    /// Mails given up on (dead letters).
    pub outbox_dead: i64,
    /// Seconds since the oldest pending mail was written; 0 when none is pending.
    pub outbox_oldest_pending_secs: f64,
    /// Map count changes not yet folded into `report_cells`.
    pub map_unfolded_changes: i64,
    /// Open database connections.
    pub pool_size: u32,
    /// Of those, idle.
    pub pool_idle: u32,
    /// The most connections the pool opens.
    pub pool_max: u32,
    /// Jurisdiction engine swaps since start (catalog changes and refreshes).
    pub jurisdiction_reloads: u64,
}

/// The application's metrics. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_seconds: HistogramVec,
    filings: IntCounterVec,
    photo_seconds: Histogram,
    outbox_mails: IntGaugeVec,
    outbox_oldest_pending: Gauge,
    map_unfolded_changes: IntGauge,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    jurisdiction_reloads: IntCounter,
    retention_erased: IntCounterVec,
    /// Serialises scrapes: the reload counter is brought up to the engine's count in two
    /// steps (a counter cannot be set), which must not interleave.
    scrape: Mutex<()>,
}

impl Metrics {
    /// Creates and registers every series.
    pub fn new() -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(Some("buergerbuero".into()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by route template (\"unmatched\" outside the routes), method and status",
            ),
            &["route", "method", "status"],
        )?;
        let http_seconds = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time from a request's arrival at the app to its answer's head",
            ),
            &["route", "method"],
        )?;
        let filings = IntCounterVec::new(
            Opts::new(
                "filings_total",
                "Report filings (API and Open311) by outcome, and for refusals the reason",
            ),
            &["outcome", "reason"],
        )?;
        let photo_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "photo_processing_seconds",
                "Time to check, decode and re-encode one uploaded photo (web size and thumbnail)",
            )
            .buckets(vec![
                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
        )?;
        let outbox_mails = IntGaugeVec::new(
            Opts::new(
                "outbox_mails",
                "Mails in the outbox by state (pending, sending, dead)",
            ),
            &["state"],
        )?;
        let outbox_oldest_pending = Gauge::new(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest pending mail (0 when none is pending)",
        )?;
        let map_unfolded_changes = IntGauge::new(
            "map_unfolded_changes",
            "Map count changes appended but not yet folded into the map cells",
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Database pool connections by state (idle, in_use)",
            ),
            &["state"],
        )?;
        let pool_max = IntGauge::new(
            "db_pool_max_connections",
            "The most connections the database pool opens",
        )?;
        let jurisdiction_reloads = IntCounter::new(
            "jurisdiction_reloads_total",
            "Jurisdiction engine swaps (a catalog change, or the periodic catalog refresh)",
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_seconds.clone()))?;
        registry.register(Box::new(filings.clone()))?;
        registry.register(Box::new(photo_seconds.clone()))?;
        registry.register(Box::new(outbox_mails.clone()))?;
        registry.register(Box::new(outbox_oldest_pending.clone()))?;
        registry.register(Box::new(map_unfolded_changes.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        let retention_erased = IntCounterVec::new(
            Opts::new(
                "retention_erased_total",
                "What this instance's retention job erased (reports, followers, mails, tokens, note_authors, accounts, …)",
            ),
            &["what"],
        )?;
        registry.register(Box::new(jurisdiction_reloads.clone()))?;
        registry.register(Box::new(retention_erased.clone()))?;
        Ok(Self {
            registry,
            http_requests,
            http_seconds,
            filings,
            photo_seconds,
            outbox_mails,
            outbox_oldest_pending,
            map_unfolded_changes,
            pool_connections,
            pool_max,
            jurisdiction_reloads,
            retention_erased,
            scrape: Mutex::new(()),
        })
    }

    /// Counts one answered HTTP request. `route` is the matched route template, never the raw
    /// path (ids in paths would make a series per report).
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        self.http_requests
            .with_label_values(&[route, method, status.as_str()])
            .inc();
        self.http_seconds
            .with_label_values(&[route, method])
            .observe(elapsed.as_secs_f64());
    }

    /// Counts one filing by how it ended.
    pub fn filing(&self, outcome: FilingOutcome) {
        self.filings.with_label_values(&outcome.labels()).inc();
    }

    /// Records how long one photo took to process.
    pub fn photo_processed(&self, elapsed: Duration) {
        self.photo_seconds.observe(elapsed.as_secs_f64());
    }

    /// Counts what a retention run erased, by the names of `RetentionRun::counts`.
    pub fn retention_run(&self, counts: &[(&'static str, u64)]) {
        for (what, n) in counts {
            self.retention_erased.with_label_values(&[*what]).inc_by(*n);
        }
    }

    /// The exposition, after setting the scrape-time gauges from `scrape`.
    pub fn render(&self, scrape: &Scrape) -> Result<String, prometheus::Error> {
        let _turn = self
            .scrape
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (state, count) in [
            ("pending", scrape.outbox_pending),
            ("sending", scrape.outbox_sending),
            ("dead", scrape.outbox_dead),
        ] {
            self.outbox_mails.with_label_values(&[state]).set(count);
        }
        self.outbox_oldest_pending
            .set(scrape.outbox_oldest_pending_secs);
        self.map_unfolded_changes.set(scrape.map_unfolded_changes);
        let in_use = scrape.pool_size.saturating_sub(scrape.pool_idle);
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(scrape.pool_idle));
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(in_use));
        self.pool_max.set(i64::from(scrape.pool_max));
        let counted = self.jurisdiction_reloads.get();
        self.jurisdiction_reloads
            .inc_by(scrape.jurisdiction_reloads.saturating_sub(counted));
        let mut text = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut text)?;
        String::from_utf8(text).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_series_with_its_labels() {
        let metrics = Metrics::new().unwrap();
        metrics.http_request("/api/v1/reports/{id}", "GET", 200, Duration::from_millis(3));
        metrics.filing(FilingOutcome::Created);
        metrics.filing(FilingOutcome::Refused("rate_limited"));
        metrics.photo_processed(Duration::from_millis(120));
        metrics.retention_run(&[("followers", 3), ("accounts", 0)]);
        let scrape = Scrape {
            outbox_pending: 2,
            outbox_oldest_pending_secs: 4.5,
            pool_size: 3,
            pool_idle: 1,
            pool_max: 8,
            jurisdiction_reloads: 2,
            ..Scrape::default()
        };
        let text = metrics.render(&scrape).unwrap();
        for line in [
            r#"buergerbuero_http_requests_total{method="GET",route="/api/v1/reports/{id}",status="200"} 1"#,
            r#"buergerbuero_http_request_duration_seconds_count{method="GET",route="/api/v1/reports/{id}"} 1"#,
            r#"buergerbuero_filings_total{outcome="created",reason=""} 1"#,
            r#"buergerbuero_filings_total{outcome="refused",reason="rate_limited"} 1"#,
            "buergerbuero_photo_processing_seconds_count 1",
            r#"buergerbuero_outbox_mails{state="pending"} 2"#,
            r#"buergerbuero_outbox_mails{state="dead"} 0"#,
            "buergerbuero_outbox_oldest_pending_age_seconds 4.5",
            r#"buergerbuero_db_pool_connections{state="in_use"} 2"#,
            "buergerbuero_db_pool_max_connections 8",
            "buergerbuero_jurisdiction_reloads_total 2",
            r#"buergerbuero_retention_erased_total{what="followers"} 3"#,
            r#"buergerbuero_retention_erased_total{what="accounts"} 0"#,
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing in\n{text}");
        }
        // A second scrape brings the counter up to the engine's count, never beyond.
        let again = metrics
            .render(&Scrape {
                jurisdiction_reloads: 3,
                ..scrape
            })
            .unwrap();
        assert!(again.contains("buergerbuero_jurisdiction_reloads_total 3\n"));
    }
}
