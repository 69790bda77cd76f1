//! The webhook side of the store: the endpoints admins register, the report events the
//! fan-out has not taken yet, and the delivery outbox the webhook worker works through.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;

/// `webhook_endpoints` row (its secrets included: never render them).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EndpointRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Space-separated webhook event types.
    pub event_types: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    pub active: bool,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What an admin may change on an endpoint (`None`: keep).
#[derive(Debug, Clone, Default)]
pub struct EndpointChange {
    /// A new URL (validated by the caller).
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// New event types, space-separated.
    pub event_types: Option<String>,
    /// Enable or disable.
    pub active: Option<bool>,
}

/// A report event the fan-out has not taken yet.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingEventRow {
    pub id: i64,
    pub report_id: Uuid,
    pub kind: String,
    pub public: bool,
    pub status: Option<String>,
    pub body: Option<String>,
    pub at: DateTime<Utc>,
    pub authority_key: Option<String>,
}

/// A delivery to write at fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelivery {
    /// Row id, also the `webhook-id` header.
    pub id: Uuid,
    /// The endpoint.
    pub endpoint_id: Uuid,
    /// The report event it announces.
    pub event_id: i64,
    /// The webhook event type (`report.published`, …).
    pub event_type: &'static str,
    /// The report.
    pub report_id: Uuid,
    /// The JSON body, rendered once.
    pub payload: String,
    /// `pending`, or `dead` when it cannot be sent at all (a payload over the limit).
    pub state: &'static str,
    /// Why it is dead from the start.
    pub error: Option<String>,
}

/// `webhook_deliveries` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub event_id: i64,
    pub event_type: String,
    pub report_id: Uuid,
    pub payload: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The receiver answered 2xx.
    Delivered {
        /// Its status code.
        status: u16,
    },
    /// Failed; try again at `at`.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// The receiver's status code, if it answered.
        status: Option<u16>,
        /// Why it failed.
        error: String,
    },
    /// Failed for good (attempts used up, or the URL is no longer allowed).
    Dead {
        /// The receiver's status code, if it answered.
        status: Option<u16>,
        /// Why.
        error: String,
    },
}

/// Persistence of webhooks. Each method is one transaction.
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Stores a new endpoint.
    async fn create_webhook_endpoint(&self, endpoint: &EndpointRow) -> Result<()>;

    /// How many endpoints exist (for the limit).
    async fn count_webhook_endpoints(&self) -> Result<i64>;

    /// One endpoint.
    async fn webhook_endpoint(&self, id: Uuid) -> Result<Option<EndpointRow>>;

    /// Every endpoint, oldest first.
    async fn list_webhook_endpoints(&self) -> Result<Vec<EndpointRow>>;

    /// Changes an endpoint; false if there is none with this id.
    async fn update_webhook_endpoint(
        &self,
        id: Uuid,
        change: &EndpointChange,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Replaces the secret; the current one becomes the previous one until `previous_until`.
    /// False if there is no such endpoint.
    async fn rotate_webhook_secret(
        &self,
        id: Uuid,
        secret: &str,
        previous_until: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Deletes an endpoint with its deliveries; false if there is none.
    async fn delete_webhook_endpoint(&self, id: Uuid) -> Result<bool>;

    /// Up to `limit` report events the fan-out has not taken, oldest first.
    async fn pending_webhook_events(&self, limit: i64) -> Result<Vec<PendingEventRow>>;

    /// Writes the deliveries of a fan-out and marks its events as taken, in one transaction.
    /// A delivery that exists already (another instance fanned the event out) is kept.
    async fn record_webhook_fan_out(
        &self,
        event_ids: &[i64],
        deliveries: &[NewDelivery],
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Takes the next due delivery of an active endpoint for `worker` until `lease_until`: a
    /// `pending` row whose time has come, or a `sending` row whose lease ran out. Never hands
    /// one row to two workers at once, on any number of instances.
    async fn claim_webhook_delivery(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DeliveryRow>>;

    /// Records how `worker`'s attempt ended. False if the lease was lost.
    async fn finish_webhook_delivery(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// An endpoint's deliveries, newest first, optionally in one state.
    async fn list_webhook_deliveries(
        &self,
        endpoint_id: Uuid,
        state: Option<&str>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>>;

    /// One delivery of this endpoint.
    async fn webhook_delivery(&self, endpoint_id: Uuid, id: Uuid) -> Result<Option<DeliveryRow>>;

    /// Puts a dead delivery of this endpoint back in the queue, due now, with fresh attempts.
    /// False if it is not dead (or not this endpoint's).
    async fn retry_webhook_delivery(
        &self,
        endpoint_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
