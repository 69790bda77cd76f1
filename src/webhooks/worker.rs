//! The webhook worker that `serve` starts: every poll it fans new report events out into
//! deliveries, then claims due deliveries (a few at a time, so one slow receiver does not hold
//! up the others), sends them signed, and records the outcome — delivered, retry later with
//! exponential back-off, or dead after the maximum of attempts.
//!
//! Safe with several instances on one database, as the mail outbox: a delivery is claimed
//! with a lease (twice the time-out), so only a worker that died mid-delivery ever gives a row
//! up to another; outcomes are recorded only by the lease holder. The same `webhook-id` goes
//! out on every attempt, so a receiver can drop the repeat that follows an instance killed
//! after the receiver's answer and before the outcome was stored.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::fan_out::fan_out;
use super::{check_url, signature};
use crate::config::WebhookSettings;
use crate::jurisdiction::JurisdictionHandle;
use crate::store::Store;
use crate::store::webhooks::{DeliveryOutcome, DeliveryRow};

/// Deliveries one instance sends at the same time.
const CONCURRENCY: usize = 4;

/// What the worker needs.
pub struct Worker {
    store: Arc<dyn Store>,
    jurisdiction: Arc<JurisdictionHandle>,
    settings: WebhookSettings,
    client: http_client::Client,
}

/// What one call of [`Worker::deliver_pending`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Deliveries the receivers accepted (2xx).
    pub delivered: usize,
    /// Attempts that failed: scheduled for a retry after the back-off, or dead.
    pub failed: usize,
}

/// A failed attempt: the receiver's status, if it answered, and what went wrong.
type Failure = (Option<u16>, String);

impl Worker {
    /// A worker with its HTTP client: the time-out of the settings, no redirects (a receiver
    /// that moved must be re-registered, so a delivery never reaches a host no admin named),
    /// rustls.
    pub fn new(
        store: Arc<dyn Store>,
        jurisdiction: Arc<JurisdictionHandle>,
        settings: WebhookSettings,
        public_url: &str,
    ) -> anyhow::Result<Self> {
        crate::tls::install_crypto_provider();
        let timeout = Duration::from_secs(settings.timeout_secs.max(1));
        let client = http_client::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(http_client::redirect::Policy::none())
            .user_agent(format!(
                "buergerbuero-webhooks/{} (+{public_url})",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|e| anyhow::anyhow!("building the webhook HTTP client: {e}"))?;
        Ok(Self {
            store,
            jurisdiction,
            settings,
            client,
        })
    }

    /// Fans out and delivers until `stop` turns true; returns after the deliveries in hand.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        let idle = Duration::from_millis(self.settings.poll_interval_ms);
        let name = worker_name();
        while !*stop.borrow() {
            if let Err(error) =
                fan_out(&*self.store, &self.jurisdiction.current(), Utc::now()).await
            {
                tracing::warn!(error = format!("{error:#}"), "webhook fan-out failed");
            }
            let round = futures_util::future::join_all(
                (0..CONCURRENCY).map(|_| self.deliver_next(&name, Utc::now())),
            )
            .await;
            let mut worked = false;
            for result in round {
                match result {
                    Ok(outcome) => worked |= outcome.is_some(),
                    Err(error) => {
                        tracing::warn!(error = format!("{error:#}"), "webhook outbox unavailable");
                    }
                }
            }
            if !worked {
                tokio::select! {
                    () = tokio::time::sleep(idle) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        tracing::info!("webhook worker stopped");
    }

    /// Fans out every new event, then delivers, one after another, every delivery due now
    /// (including those whose worker died and whose lease has run out); returns how many were
    /// delivered and how many failed. A failed delivery is due again only after its back-off,
    /// so the call always ends.
    ///
    /// `serve` does not need it ([`Worker::run`] delivers as events come); an application
    /// built with `MailDelivery::OnDemand` runs no webhook task either, and tests drive the
    /// webhooks with it step by step.
    pub async fn deliver_pending(&self) -> anyhow::Result<Delivered> {
        fan_out(&*self.store, &self.jurisdiction.current(), Utc::now()).await?;
        let name = worker_name();
        let due_by = Utc::now();
        let mut done = Delivered::default();
        while let Some(outcome) = self.deliver_next(&name, due_by).await? {
            match outcome {
                DeliveryOutcome::Delivered { .. } => done.delivered += 1,
                DeliveryOutcome::Retry { .. } | DeliveryOutcome::Dead { .. } => done.failed += 1,
            }
        }
        Ok(done)
    }

    /// Claims and sends one delivery due by `due_by`; its outcome, or `None` when none was due.
    async fn deliver_next(
        &self,
        worker: &str,
        due_by: DateTime<Utc>,
    ) -> anyhow::Result<Option<DeliveryOutcome>> {
        let Some(row) = self
            .store
            .claim_webhook_delivery(worker, due_by, Utc::now() + self.settings.lease())
            .await?
        else {
            return Ok(None);
        };
        let outcome = match self.send(&row).await {
            Ok(status) => DeliveryOutcome::Delivered { status },
            Err(failure) => outcome(&self.settings, row.attempts, failure, Utc::now()),
        };
        match &outcome {
            DeliveryOutcome::Delivered { status } => {
                tracing::info!(id = %row.id, endpoint = %row.endpoint_id, status, "webhook delivered");
            }
            DeliveryOutcome::Retry { at, error, .. } => {
                tracing::warn!(id = %row.id, endpoint = %row.endpoint_id, attempts = row.attempts, %at, error, "webhook delivery failed; will retry");
            }
            DeliveryOutcome::Dead { error, .. } => {
                tracing::error!(id = %row.id, endpoint = %row.endpoint_id, attempts = row.attempts, error, "webhook delivery failed for good");
            }
        }
        if !self
            .store
            .finish_webhook_delivery(row.id, worker, &outcome, Utc::now())
            .await?
        {
            tracing::warn!(id = %row.id, "lease of a webhook delivery ran out during delivery");
        }
        Ok(Some(outcome))
    }

    /// Sends one delivery to its endpoint, signed with every secret in use; the receiver's
    /// 2xx status, or why it failed.
    async fn send(&self, row: &DeliveryRow) -> Result<u16, Failure> {
        let endpoint = self
            .store
            .webhook_endpoint(row.endpoint_id)
            .await
            .map_err(|e| (None, format!("reading the endpoint: {e}")))?
            .ok_or_else(|| (None, "the endpoint was deleted".to_owned()))?;
        // Checked again: the rule may have been tightened since the endpoint was registered.
        let url = check_url(&endpoint.url, &self.settings).map_err(|e| (None, e.0))?;
        let now = Utc::now();
        let mut secrets = vec![endpoint.secret.as_str()];
        if let (Some(previous), Some(until)) = (
            endpoint.previous_secret.as_deref(),
            endpoint.previous_secret_expires_at,
        ) && until > now
        {
            secrets.push(previous);
        }
        let id = row.id.to_string();
        let timestamp = now.timestamp();
        let signature = signature::header(&secrets, &id, timestamp, row.payload.as_bytes())
            .map_err(|e| (None, format!("{e:#}")))?;
        let response = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(row.payload.clone())
            .send()
            .await
            .map_err(|e| (None, error_chain(&e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(status.as_u16())
        } else {
            Err((
                Some(status.as_u16()),
                format!("the receiver answered {status}"),
            ))
        }
    }
}

/// What a failed attempt means for the row: retry after the back-off, or dead when the
/// attempts are used up.
fn outcome(
    settings: &WebhookSettings,
    attempts: i32,
    (status, error): Failure,
    now: DateTime<Utc>,
) -> DeliveryOutcome {
    let attempts = u32::try_from(attempts).unwrap_or(u32::MAX);
    if attempts >= settings.max_attempts {
        DeliveryOutcome::Dead { status, error }
    } else {
        DeliveryOutcome::Retry {
            at: now + settings.backoff(attempts),
            status,
            error,
        }
    }
}

/// An error with its causes ("error sending request: connection closed before message
/// completed"), so the admin's list says what happened, not only that something did.
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A name for one worker's claims: unique per process and call.
fn worker_name() -> String {
    format!("{}-{}", std::process::id(), uuid::Uuid::now_v7())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_retry_with_back_off_until_the_attempts_are_used_up() {
        let settings = WebhookSettings::default();
        let now = Utc::now();
        let failure = || (Some(503), "down".to_string());
        assert_eq!(
            outcome(&settings, 1, failure(), now),
            DeliveryOutcome::Retry {
                at: now + chrono::Duration::seconds(30),
                status: Some(503),
                error: "down".into()
            }
        );
        assert_eq!(
            outcome(&settings, 3, failure(), now),
            DeliveryOutcome::Retry {
                at: now + chrono::Duration::seconds(120),
                status: Some(503),
                error: "down".into()
            }
        );
        assert!(matches!(
            outcome(&settings, 10, failure(), now),
            DeliveryOutcome::Dead { .. }
        ));
        let secs: Vec<i64> = (1..=12)
            .map(|a| settings.backoff(a).num_seconds())
            .collect();
        assert_eq!(
            secs,
            [
                30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600
            ]
        );
    }
}
