//! The delivery worker that `serve` starts: claims due outbox rows one at a time, delivers
//! them, and records the outcome — sent, retry later with exponential back-off, or dead letter.
//! Once a day it also schedules each authority's digest of overdue reports, each clerk's list
//! of their overdue and the unassigned reports, and the area alerts' digests
//! (`alerts::digest`), from the same hour.
//!
//! Safe with several instances on one database: a row is claimed with a lease (see
//! [`NotifyStore::claim_mail`]) longer than the send timeout, so only a worker that died
//! mid-delivery ever gives a row up to another. Stopping waits for the mail in hand: nothing
//! is left half-sent.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use lettre::message::Mailbox;
use tokio::sync::watch;

use super::compose::{ClerkDigestTo, Composer, MailReport};
use super::events::mail_report;
use super::transport::Transport;
use super::{MailChanges, OutboxMail};
use crate::config::MailSettings;
use crate::jurisdiction::{Jurisdiction, JurisdictionHandle};
use crate::store::Store;
use crate::store::clerk::{AssigneeFilter, InboxFilter};
use crate::store::notify::{MailOutcome, MailRow};

/// What the worker needs.
pub struct Worker {
    /// The database.
    pub store: Arc<dyn Store>,
    /// SMTP or files.
    pub transport: Transport,
    /// Authorities (names, contact addresses) and categories, for the digest.
    pub jurisdiction: Arc<JurisdictionHandle>,
    /// Renders the digest.
    pub composer: Composer,
    /// Timing and the sender.
    pub settings: MailSettings,
}

/// What one call of [`Worker::deliver_pending`] did with the mails that were due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Mails the transport accepted (now `sent`).
    pub sent: usize,
    /// Mails whose attempt failed: scheduled for a retry after the back-off, or dead letters.
    pub failed: usize,
}

impl Worker {
    /// Delivers until `stop` turns true; returns after the mail in hand is done.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        let from = match self.sender() {
            Ok(from) => from,
            Err(error) => {
                // `Settings::validate` checked it; this is a bug, not a configuration error.
                tracing::error!(error = format!("{error:#}"), "mail delivery is off");
                return;
            }
        };
        let name = worker_name();
        let idle = Duration::from_millis(self.settings.poll_interval_ms);
        let mut digest_done: Option<NaiveDate> = None;
        let mut alerts_done: Option<NaiveDate> = None;
        while !*stop.borrow() {
            let now = Utc::now();
            if let Some(date) = digest_due(now, self.settings.digest_hour_utc, digest_done) {
                match schedule_digests(&*self.store, &self.jurisdiction, &self.composer, now, date)
                    .await
                {
                    Ok(count) => {
                        tracing::info!(count, %date, "digests of overdue reports scheduled");
                        digest_done = Some(date);
                    }
                    Err(error) => tracing::warn!(error = format!("{error:#}"), "digest failed"),
                }
            }
            if let Some(date) = digest_due(now, self.settings.digest_hour_utc, alerts_done) {
                let window = crate::alerts::digest::window(date, self.settings.digest_hour_utc);
                match crate::alerts::digest::schedule_alert_digests(
                    &*self.store,
                    &self.jurisdiction,
                    &self.composer,
                    date,
                    window,
                    now,
                )
                .await
                {
                    Ok(count) => {
                        tracing::info!(count, %date, "area alert digests scheduled");
                        alerts_done = Some(date);
                    }
                    Err(error) => {
                        tracing::warn!(error = format!("{error:#}"), "area alert digests failed")
                    }
                }
            }
            let worked = match self.deliver_next(&name, &from, Utc::now()).await {
                Ok(worked) => worked.is_some(),
                Err(error) => {
                    tracing::warn!(error = format!("{error:#}"), "outbox unavailable");
                    false
                }
            };
            if !worked {
                tokio::select! {
                    () = tokio::time::sleep(idle) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        tracing::info!("mail worker stopped");
    }

    /// Delivers, one after another, every mail that is due now (including mails whose worker
    /// died mid-delivery and whose lease has run out), and returns how many were sent and how
    /// many failed. A failed mail gets its retry time after the back-off, or becomes a dead
    /// letter, so no mail is tried twice in one call and the call always ends.
    ///
    /// `serve` does not need it: its worker ([`Worker::run`]) delivers as mail becomes due.
    /// It is for an application built with `MailDelivery::OnDemand`
    /// ([`crate::startup::Application::build_with`]), where nothing else delivers: the tests
    /// drive the outbox with it step by step instead of waiting for a worker.
    pub async fn deliver_pending(&self) -> anyhow::Result<Delivered> {
        let from = self.sender()?;
        let name = worker_name();
        // Due by the call's start: a mail that fails now is due again only after its back-off.
        let due_by = Utc::now();
        let mut delivered = Delivered::default();
        while let Some(outcome) = self.deliver_next(&name, &from, due_by).await? {
            match outcome {
                MailOutcome::Sent => delivered.sent += 1,
                MailOutcome::Retry { .. } | MailOutcome::Dead { .. } => delivered.failed += 1,
            }
        }
        Ok(delivered)
    }

    /// The sender of every mail, from the settings.
    fn sender(&self) -> anyhow::Result<Mailbox> {
        self.settings.from.parse().map_err(|e| {
            anyhow::anyhow!("the mail sender {:?} is invalid: {e}", self.settings.from)
        })
    }

    /// Claims and delivers one mail due by `due_by`; its outcome, or `None` when none was due.
    async fn deliver_next(
        &self,
        worker: &str,
        from: &Mailbox,
        due_by: DateTime<Utc>,
    ) -> anyhow::Result<Option<MailOutcome>> {
        let Some(mail) = self
            .store
            .claim_mail(worker, due_by, Utc::now() + self.settings.lease())
            .await?
        else {
            return Ok(None);
        };
        let timeout = Duration::from_secs(self.settings.send_timeout_secs);
        let result = match tokio::time::timeout(timeout, self.transport.deliver(&mail, from)).await
        {
            Ok(result) => result.map_err(|e| (e.permanent, e.message)),
            Err(_) => Err((false, format!("no answer within {} s", timeout.as_secs()))),
        };
        let outcome = outcome(&self.settings, &mail, result, Utc::now());
        match &outcome {
            MailOutcome::Sent => {
                tracing::info!(id = %mail.id, kind = mail.kind.as_str(), "mail sent")
            }
            MailOutcome::Retry { at, error } => {
                tracing::warn!(id = %mail.id, attempts = mail.attempts, %at, error, "mail delivery failed; will retry")
            }
            MailOutcome::Dead { error } => {
                tracing::error!(id = %mail.id, attempts = mail.attempts, error, "mail delivery failed for good")
            }
        }
        if !self
            .store
            .finish_mail(mail.id, worker, &outcome, Utc::now())
            .await?
        {
            tracing::warn!(id = %mail.id, "lease of a mail ran out during delivery");
        }
        Ok(Some(outcome))
    }
}

/// A name for one worker's claims: unique per process and call, so outcomes are recorded only
/// by the lease holder.
fn worker_name() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::now_v7())
}

/// Schedules one digest per authority with a contact address and overdue reports, for `date`.
/// Returns how many it wrote; a digest another instance (or an earlier call) scheduled for the
/// same authority and day is kept, not repeated.
pub async fn schedule_digests(
    store: &dyn Store,
    jurisdiction: &JurisdictionHandle,
    composer: &Composer,
    now: DateTime<Utc>,
    date: NaiveDate,
) -> anyhow::Result<usize> {
    let overdue = store
        .list_inbox(&InboxFilter {
            overdue: Some(true),
            now,
            limit: 10_000,
            ..InboxFilter::default()
        })
        .await?;
    let engine = jurisdiction.current();
    let mut by_authority: std::collections::BTreeMap<&str, Vec<MailReport<'_>>> =
        Default::default();
    for row in &overdue {
        by_authority
            .entry(row.authority.as_str())
            .or_default()
            .push(mail_report(&engine, row));
    }
    // Contact addresses from the database: admins change them at run time.
    let mut mails: Vec<OutboxMail> = Vec::new();
    for authority in store.list_authorities().await? {
        let key = authority.key.as_str();
        match by_authority.get(key) {
            Some(reports) if !authority.contact_email.is_empty() => {
                mails.push(composer.digest(
                    &authority.contact_email,
                    key,
                    &authority.name,
                    date,
                    reports,
                )?);
            }
            _ => {}
        }
    }
    mails.extend(clerk_digests(store, &engine, composer, now, date).await?);
    let count = mails.len();
    store
        .apply_mail_changes(
            &MailChanges {
                mails,
                ..MailChanges::default()
            },
            now,
        )
        .await?;
    Ok(count)
}

/// One list per active clerk with something to do: the overdue reports assigned to them and
/// the open reports of their authorities that nobody has taken on.
async fn clerk_digests(
    store: &dyn Store,
    engine: &Jurisdiction,
    composer: &Composer,
    now: DateTime<Utc>,
    date: NaiveDate,
) -> anyhow::Result<Vec<OutboxMail>> {
    let mut mails = Vec::new();
    for account in store.list_accounts().await? {
        let authorities = store.account_authorities(account.id).await?;
        if !account.active || authorities.is_empty() {
            continue;
        }
        let overdue = store
            .list_inbox(&InboxFilter {
                overdue: Some(true),
                assignee: Some(AssigneeFilter::Account(account.id)),
                now,
                limit: 10_000,
                ..InboxFilter::default()
            })
            .await?;
        let unassigned = store
            .list_inbox(&InboxFilter {
                authorities: Some(authorities),
                statuses: vec!["open", "in_progress"],
                assignee: Some(AssigneeFilter::Nobody),
                now,
                limit: 10_000,
                ..InboxFilter::default()
            })
            .await?;
        if overdue.is_empty() && unassigned.is_empty() {
            continue;
        }
        let overdue: Vec<_> = overdue.iter().map(|r| mail_report(engine, r)).collect();
        let unassigned: Vec<_> = unassigned.iter().map(|r| mail_report(engine, r)).collect();
        mails.push(composer.clerk_digest(
            &ClerkDigestTo {
                account: account.id,
                email: &account.email,
                name: &account.display_name,
            },
            date,
            &overdue,
            &unassigned,
        )?);
    }
    Ok(mails)
}

/// The date whose digest is due now, unless it was done: from `hour` UTC each day.
fn digest_due(now: DateTime<Utc>, hour: u32, done: Option<NaiveDate>) -> Option<NaiveDate> {
    let today = now.date_naive();
    (now.hour() >= hour && done != Some(today)).then_some(today)
}

/// What a delivery result means for the row: sent, retry after back-off, or dead when the
/// error is permanent or the attempts are used up.
fn outcome(
    settings: &MailSettings,
    mail: &MailRow,
    result: Result<(), (bool, String)>,
    now: DateTime<Utc>,
) -> MailOutcome {
    let attempts = u32::try_from(mail.attempts).unwrap_or(u32::MAX);
    match result {
        Ok(()) => MailOutcome::Sent,
        Err((permanent, error)) if permanent || attempts >= settings.max_attempts => {
            MailOutcome::Dead { error }
        }
        Err((_, error)) => MailOutcome::Retry {
            at: now + settings.backoff(attempts),
            error,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_maximum() {
        let settings = MailSettings::default();
        let secs: Vec<i64> = (1..=9).map(|a| settings.backoff(a).num_seconds()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(settings.backoff(u32::MAX).num_seconds(), 3600);
    }

    fn row(attempts: i32) -> MailRow {
        MailRow {
            id: uuid::Uuid::now_v7(),
            kind: "receipt".into(),
            recipient: "a@example.org".into(),
            language: "de".into(),
            subject: "s".into(),
            body_text: Some("t".into()),
            body_html: Some("h".into()),
            list_unsubscribe: None,
            report_id: None,
            state: "sending".into(),
            attempts,
            next_attempt_at: Utc::now(),
            last_error: None,
            created_at: Utc::now(),
            sent_at: None,
        }
    }

    #[test]
    fn failures_retry_until_the_attempts_are_used_up() {
        let settings = MailSettings::default();
        let now = Utc::now();
        let transient = || Err((false, "down".to_string()));
        assert_eq!(
            outcome(&settings, &row(1), transient(), now),
            MailOutcome::Retry {
                at: now + chrono::Duration::seconds(30),
                error: "down".into()
            }
        );
        assert!(matches!(
            outcome(&settings, &row(8), transient(), now),
            MailOutcome::Dead { .. }
        ));
        assert!(matches!(
            outcome(&settings, &row(1), Err((true, "no such user".into())), now),
            MailOutcome::Dead { .. }
        ));
        assert_eq!(outcome(&settings, &row(3), Ok(()), now), MailOutcome::Sent);
    }

    #[test]
    fn the_digest_is_due_once_a_day_from_its_hour() {
        let at = |h| {
            NaiveDate::from_ymd_opt(2026, 12, 3)
                .unwrap()
                .and_hms_opt(h, 0, 0)
                .unwrap()
                .and_utc()
        };
        let today = at(0).date_naive();
        assert_eq!(digest_due(at(5), 6, None), None);
        assert_eq!(digest_due(at(6), 6, None), Some(today));
        assert_eq!(digest_due(at(9), 6, Some(today)), None);
    }

    #[test]
    fn settings_refuse_an_unusable_sender_and_zero_attempts() {
        let bad_from = MailSettings {
            from: "not a mailbox".into(),
            ..MailSettings::default()
        };
        assert!(bad_from.validate().is_err());
        let no_attempts = MailSettings {
            max_attempts: 0,
            ..MailSettings::default()
        };
        assert!(no_attempts.validate().is_err());
        assert!(MailSettings::default().validate().is_ok());
    }
}
