//! The retention job: erases the contact data of reports closed (green or yellow-green) for
//! `BUERGERBUERO_RETENTION_DAYS`, anonymises clerk accounts deactivated for as long, deletes
//! area alerts whose opt-in expired unconfirmed, and mails about no report as old.
//!
//! `serve` runs it every hour (the first time ten minutes after start); `buergerbuero
//! retention` runs it once, for cron. Safe with several instances and idempotent: every
//! report and account is claimed by a conditional update in its own transaction, and one
//! that was erased leaves the due set (a report returns to it only when it is closed again
//! after being reopened).

use std::sync::Arc;
use std::time::Duration as StdDuration;

use anyhow::Context;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::erase::erasure_event;
use crate::alerts::subscribe::requests_valid_since;
use crate::metrics::Metrics;
use crate::store::Store;
use crate::store::privacy::{Erased, Pseudonym};

/// How often `serve` runs the job.
pub const INTERVAL: StdDuration = StdDuration::from_secs(3600);
/// How long after start `serve` runs it the first time (not at once: a restart loop should
/// not run it each time, and short-lived test servers never do).
pub const FIRST_RUN_AFTER: StdDuration = StdDuration::from_secs(600);
/// Reports read per query; each is erased in its own transaction.
const BATCH: i64 = 500;

/// What one run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionRun {
    /// Reports whose contact data was erased now (those with nothing left to erase are only
    /// marked).
    pub reports: u64,
    /// What was erased from them.
    pub erased: Erased,
    /// Deactivated accounts whose clock started now (deactivated before the clock existed).
    pub clocks_started: u64,
    /// Accounts anonymised.
    pub accounts: u64,
    /// Events that named an anonymised account's email and now name its pseudonym.
    pub account_events: u64,
    /// Area alerts deleted: never confirmed in time, or ended.
    pub alerts: u64,
    /// Mails about no report deleted: older than the retention, or alert mails to an address
    /// that subscribes to nothing now.
    pub mails_without_report: u64,
}

impl RetentionRun {
    /// Whether the run changed anything.
    pub fn is_empty(&self) -> bool {
        *self == RetentionRun::default()
    }

    /// Every count with the name the log, the CLI and the metrics use.
    pub fn counts(&self) -> Vec<(&'static str, u64)> {
        let mut counts = vec![("reports", self.reports)];
        counts.extend(self.erased.counts());
        counts.extend([
            ("clocks_started", self.clocks_started),
            ("accounts", self.accounts),
            ("account_events", self.account_events),
            ("alerts", self.alerts),
            ("mails_without_report", self.mails_without_report),
        ]);
        counts
    }
}

/// The pseudonym an anonymised account gets: unique by its id, in the reserved `.invalid`
/// domain (RFC 2606), so it reaches no one and names no one.
pub fn pseudonym(id: Uuid) -> Pseudonym {
    Pseudonym {
        email: format!("anonymised-{}@accounts.invalid", id.simple()),
        display_name: "Anonymisiertes Konto".into(),
    }
}

/// Runs the job once at `now` with a retention of `days`.
pub async fn run(store: &dyn Store, days: u32, now: DateTime<Utc>) -> anyhow::Result<RetentionRun> {
    let cutoff = now - Duration::days(i64::from(days));
    let event = erasure_event("system");
    let mut done = RetentionRun::default();
    loop {
        let due = store
            .retention_due(cutoff, BATCH)
            .await
            .context("finding the reports due for retention")?;
        let mut progress = false;
        for id in &due {
            let erased = store
                .erase_closed_report(*id, cutoff, &event, now)
                .await
                .with_context(|| format!("erasing the contact data of report {id}"))?;
            // `None`: another instance took it meanwhile; it has left the due set either way.
            if let Some(erased) = erased {
                progress = true;
                if !erased.is_empty() {
                    done.reports += 1;
                    done.erased.add(&erased);
                }
            }
        }
        // A short batch was the last; a batch nobody could claim would come back unchanged.
        if due.len() < BATCH as usize || !progress {
            break;
        }
    }
    done.clocks_started = store
        .start_deactivation_clocks(now)
        .await
        .context("starting the clocks of deactivated accounts")?;
    for id in store
        .accounts_due(cutoff)
        .await
        .context("finding the accounts due for anonymisation")?
    {
        let events = store
            .anonymise_account(id, cutoff, &pseudonym(id), now)
            .await
            .with_context(|| format!("anonymising account {id}"))?;
        if let Some(events) = events {
            done.accounts += 1;
            done.account_events += events;
        }
    }
    let stale = store
        .erase_stale_alerts_and_mails(requests_valid_since(now), cutoff)
        .await
        .context("deleting stale area alerts and old mails about no report")?;
    done.alerts = stale.alerts;
    done.mails_without_report = stale.mails;
    Ok(done)
}

/// Logs a run's counts (one line, nothing when nothing changed but the check itself).
pub fn log(done: &RetentionRun, days: u32) {
    if done.is_empty() {
        tracing::debug!(days, "retention: nothing due");
        return;
    }
    let counts: Vec<String> = done
        .counts()
        .iter()
        .map(|(name, n)| format!("{name}={n}"))
        .collect();
    tracing::info!(
        days,
        counts = counts.join(" "),
        "retention: contact data erased"
    );
}

/// Starts the hourly job of `serve`.
pub fn spawn(store: Arc<dyn Store>, metrics: Arc<Metrics>, days: u32) {
    tokio::spawn(async move {
        let mut interval =
            tokio::time::interval_at(tokio::time::Instant::now() + FIRST_RUN_AFTER, INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match run(&*store, days, Utc::now()).await {
                Ok(done) => {
                    log(&done, days);
                    metrics.retention_run(&done.counts());
                }
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "retention run failed");
                }
            }
        }
    });
}
