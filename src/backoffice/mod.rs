//! Authorities that run their own system: reports go to their GeoReport v2 back office through
//! an outbox (`backoffice_deliveries`, written in the transaction that opens or forwards a
//! report), and the back office's status changes come back as the authority's public answers.
//!
//! Delivery claims a row with a lease, as the mail worker does; a failed attempt is retried
//! with exponential back-off, a refused one (4xx) or the last one becomes a dead letter that
//! an admin can retry. The POST carries an `Idempotency-Key` derived from report and
//! authority, so a retry after a lost answer files nothing twice at a back office that honours
//! the header (this service does). The pull asks each back office for the requests it has
//! (`requests.json?service_request_id=…`, in batches) and applies a changed state through the
//! clerk workflow (`workflow::act`) as the actor "back office <authority key>": the report's
//! rules decide, its followers get their mails, and a state applied once is remembered.

pub mod client;
pub mod config;
pub mod remote;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use uuid::Uuid;

use crate::auth::Actor;
use crate::config::BackofficeSettings;
use crate::domain::ReportId;
use crate::store::Store;
use crate::store::backoffice::{DeliveryConfigRow, DeliveryOutcome, DeliveryRow};
use crate::workflow::{self, WorkflowContext, WorkflowError};
use client::{ClientError, Filed, Open311Client, PULL_BATCH};
use config::ServiceCodes;

/// What one `deliver_pending` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    /// Accepted by their back office.
    pub delivered: usize,
    /// Failed and will be retried.
    pub retried: usize,
    /// Became dead letters.
    pub dead: usize,
}

/// What one `pull` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullCounts {
    /// Actions applied to reports.
    pub applied: usize,
    /// Back offices that could not be asked (tried again at the next pull).
    pub unreachable: usize,
}

/// The delivery and pull worker of one instance.
pub struct Backoffice {
    workflow: WorkflowContext,
    settings: BackofficeSettings,
    public_url: String,
    client: Open311Client,
    worker_id: String,
}

/// The name a back office acts under in a report's history.
pub fn actor_name(authority_key: &str) -> String {
    format!("back office {authority_key}")
}

/// The `Idempotency-Key` of a report's delivery to an authority: the same on every attempt.
pub fn idempotency_key(report_id: Uuid, authority_key: &str) -> String {
    format!("buergerbuero-{report_id}-{authority_key}")
}

impl Backoffice {
    /// A worker for the service at `public_url` (the photo links it sends point there).
    pub fn new(
        workflow: WorkflowContext,
        settings: BackofficeSettings,
        public_url: &str,
    ) -> anyhow::Result<Self> {
        let client = Open311Client::new(Duration::from_secs(settings.timeout_secs), public_url)?;
        Ok(Self {
            workflow,
            settings,
            public_url: public_url.to_owned(),
            client,
            worker_id: format!("backoffice-{}", Uuid::now_v7()),
        })
    }

    fn store(&self) -> &Arc<dyn Store> {
        &self.workflow.store
    }

    /// Delivers every delivery due now; returns how each ended.
    pub async fn deliver_pending(&self) -> anyhow::Result<DeliveryCounts> {
        let mut counts = DeliveryCounts::default();
        let lease = chrono::Duration::seconds(2 * self.settings.timeout_secs as i64);
        loop {
            let now = Utc::now();
            let Some(row) = self
                .store()
                .claim_delivery(&self.worker_id, now, now + lease)
                .await?
            else {
                return Ok(counts);
            };
            let outcome = self.attempt(&row).await;
            match &outcome {
                DeliveryOutcome::Delivered { .. } => counts.delivered += 1,
                DeliveryOutcome::Retry { error, .. } => {
                    counts.retried += 1;
                    tracing::warn!(delivery = %row.id, authority = %row.authority_key, %error, "back-office delivery failed; retrying later");
                }
                DeliveryOutcome::Dead { error } => {
                    counts.dead += 1;
                    tracing::error!(delivery = %row.id, authority = %row.authority_key, %error, "back-office delivery is a dead letter");
                }
            }
            if !self
                .store()
                .finish_delivery(row.id, &self.worker_id, &outcome, Utc::now())
                .await?
            {
                tracing::warn!(delivery = %row.id, "the delivery's lease ran out before its outcome was stored");
            }
        }
    }

    /// One attempt: what the back office answered, as the outcome to store.
    async fn attempt(&self, row: &DeliveryRow) -> DeliveryOutcome {
        let failed = |error: String, permanent: bool| {
            if permanent || row.attempts >= self.settings.max_attempts as i32 {
                DeliveryOutcome::Dead { error }
            } else {
                DeliveryOutcome::Retry {
                    at: Utc::now() + self.backoff(row.attempts),
                    error,
                }
            }
        };
        let config = match self.store().delivery_config(&row.authority_key).await {
            Ok(Some(config)) if config.method == "open311" => config,
            Ok(_) => {
                return failed(
                    "the authority no longer takes its reports by Open311".into(),
                    true,
                );
            }
            Err(error) => return failed(format!("reading the delivery method: {error}"), false),
        };
        let fields = match self.fields(row, &config).await {
            Ok(Some(fields)) => fields,
            Ok(None) => return failed("the report no longer exists".into(), true),
            Err(error) => return failed(format!("reading the report: {error:#}"), false),
        };
        let base = config.base_url.as_deref().unwrap_or_default();
        let key = idempotency_key(row.report_id, &row.authority_key);
        match self.client.file(base, &fields, &key).await {
            Ok(Filed::Id(id)) => DeliveryOutcome::Delivered {
                remote_id: Some(id),
                remote_token: None,
            },
            Ok(Filed::Token(token)) => DeliveryOutcome::Delivered {
                remote_id: None,
                remote_token: Some(token),
            },
            Err(ClientError::Transient(error)) => failed(error, false),
            Err(ClientError::Refused(error)) => failed(error, true),
        }
    }

    /// The wait after the `attempts`-th failure: base × 2^(attempts − 1), at most the maximum.
    fn backoff(&self, attempts: i32) -> chrono::Duration {
        let exponent = attempts.clamp(1, 20) as u32 - 1;
        let secs = self
            .settings
            .retry_base_secs
            .saturating_mul(1u64 << exponent)
            .min(self.settings.retry_max_secs);
        chrono::Duration::seconds(secs as i64)
    }

    /// The form of the POST: the spec's fields, no reporter contact unless the authority's
    /// setting says so; `None` if the report is gone.
    async fn fields(
        &self,
        row: &DeliveryRow,
        config: &DeliveryConfigRow,
    ) -> anyhow::Result<Option<Vec<(&'static str, String)>>> {
        let id = ReportId::from(row.report_id);
        let Some(report) = self.store().get_report(id).await? else {
            return Ok(None);
        };
        let codes = ServiceCodes::parse(&config.service_codes)?;
        let mut fields = vec![
            ("api_key", config.api_key.clone().unwrap_or_default()),
            ("service_code", codes.code_for(report.category.as_str())),
            ("lat", report.location.lat().to_string()),
            ("long", report.location.lon().to_string()),
            ("description", report.description.clone()),
        ];
        if let Some(jurisdiction) = &config.jurisdiction_id {
            fields.push(("jurisdiction_id", jurisdiction.clone()));
        }
        // Only links anyone can open: the public photos of a public report, or the link the
        // filing named.
        if report.is_public() {
            let photos = self.store().report_photos(id, true).await?;
            let media = photos
                .first()
                .map(|p| crate::open311::requests::photo_url(&self.public_url, &p.photo_id, "web"))
                .or_else(|| report.media_url.as_ref().map(|u| u.as_str().to_owned()));
            if let Some(media) = media {
                fields.push(("media_url", media));
            }
        }
        if config.send_contact {
            if let Some(email) = &report.reporter_email {
                fields.push(("email", email.as_str().to_owned()));
            }
            if let Some(name) = &report.reporter_name {
                fields.push(("last_name", name.clone()));
            }
        }
        Ok(Some(fields))
    }

    /// Asks every Open311 back office for the state of the reports it has and applies what
    /// changed.
    pub async fn pull(&self) -> anyhow::Result<PullCounts> {
        let mut counts = PullCounts::default();
        for config in self.store().open311_authorities().await? {
            match self.pull_from(&config).await {
                Ok(applied) => counts.applied += applied,
                Err(error) => {
                    counts.unreachable += 1;
                    tracing::warn!(authority = %config.authority_key, %error, "the back office could not be asked for its statuses");
                }
            }
        }
        Ok(counts)
    }

    async fn pull_from(&self, config: &DeliveryConfigRow) -> anyhow::Result<usize> {
        let base = config.base_url.as_deref().unwrap_or_default();
        let jurisdiction = config.jurisdiction_id.as_deref();
        let mut applied = 0;
        let mut after = None;
        loop {
            let mut rows = self
                .store()
                .delivered_to(&config.authority_key, after, 500)
                .await?;
            let Some(last) = rows.last() else {
                return Ok(applied);
            };
            after = Some(last.id);
            for row in rows.iter_mut().filter(|r| r.remote_id.is_none()) {
                let Some(token) = row.remote_token.clone() else {
                    continue;
                };
                if let Some(id) = self
                    .client
                    .resolve_token(base, &token, jurisdiction)
                    .await?
                {
                    self.store().set_remote_id(row.id, &id).await?;
                    row.remote_id = Some(id);
                }
            }
            let known: Vec<&DeliveryRow> = rows.iter().filter(|r| r.remote_id.is_some()).collect();
            for batch in known.chunks(PULL_BATCH) {
                let ids: Vec<&str> = batch
                    .iter()
                    .filter_map(|r| r.remote_id.as_deref())
                    .collect();
                for remote in self.client.requests(base, &ids, jurisdiction).await? {
                    let Some(row) = batch
                        .iter()
                        .find(|r| r.remote_id.as_deref() == Some(remote.id.as_str()))
                    else {
                        continue;
                    };
                    applied += self.apply(row, &remote, Utc::now()).await?;
                }
            }
        }
    }

    /// Applies one remote state to its report, once; returns the actions applied.
    async fn apply(
        &self,
        row: &DeliveryRow,
        remote: &remote::RemoteRequest,
        now: DateTime<Utc>,
    ) -> anyhow::Result<usize> {
        let key = remote.state_key();
        if row.remote_state.as_deref() == Some(key.as_str()) {
            return Ok(0);
        }
        let id = ReportId::from(row.report_id);
        let Some(report) = self.store().get_report(id).await? else {
            return Ok(0);
        };
        let actor = Actor {
            id: Uuid::nil(),
            email: actor_name(&row.authority_key),
            display_name: actor_name(&row.authority_key),
            is_admin: false,
            authorities: vec![row.authority_key.clone()],
        };
        let mut applied = 0;
        for action in remote.actions_for(&report.status) {
            match workflow::act(&self.workflow, &actor, id, action, now).await {
                Ok(_) => applied += 1,
                // Changed meanwhile: the next pull tries again from the new state.
                Err(WorkflowError::Conflict) => return Ok(applied),
                Err(WorkflowError::Internal(error)) => return Err(error),
                Err(refused) => {
                    tracing::warn!(report = %id, authority = %row.authority_key, error = %refused, "a back-office status cannot be applied");
                    break;
                }
            }
        }
        self.store().set_remote_state(row.id, &key).await?;
        Ok(applied)
    }

    /// Delivers as deliveries become due and pulls every `pull_interval_secs`, until `stop`.
    pub async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.settings.poll_interval_ms);
        let pull_every = Duration::from_secs(self.settings.pull_interval_secs);
        let mut last_pull: Option<std::time::Instant> = None;
        loop {
            if let Err(error) = self.deliver_pending().await {
                tracing::error!(error = %format!("{error:#}"), "back-office delivery round failed");
            }
            if last_pull.is_none_or(|at| at.elapsed() >= pull_every) {
                last_pull = Some(std::time::Instant::now());
                if let Err(error) = self.pull().await {
                    tracing::error!(error = %format!("{error:#}"), "back-office status pull failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    }
}
