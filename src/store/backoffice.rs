//! Authorities' delivery methods and the outbox of deliveries to their own systems (Open311
//! back offices): the store's side of [`crate::backoffice`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;

/// An authority's delivery method as stored (`authority_delivery`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryConfigRow {
    /// The authority.
    pub authority_key: String,
    /// `email` or `open311`.
    pub method: String,
    /// The back office's GeoReport v2 base URL (open311).
    pub base_url: Option<String>,
    /// The back office's api key (open311); never shown in full.
    pub api_key: Option<String>,
    /// The back office's `jurisdiction_id`, sent when set.
    pub jurisdiction_id: Option<String>,
    /// JSON object: category key → the back office's `service_code`.
    pub service_codes: String,
    /// Whether the reporter's address and name are sent along.
    pub send_contact: bool,
    /// When an admin last set it.
    pub updated_at: DateTime<Utc>,
}

/// One delivery as stored (`backoffice_deliveries`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeliveryRow {
    /// The row's id.
    pub id: Uuid,
    /// The report delivered.
    pub report_id: Uuid,
    /// The authority whose back office gets it.
    pub authority_key: String,
    /// `pending`, `sending`, `delivered` or `dead`.
    pub state: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// When the next attempt is due (a claimed row: when its lease ends).
    pub next_attempt_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// The back office's `service_request_id`.
    pub remote_id: Option<String>,
    /// The back office's `token`, when it answered with one instead of an id.
    pub remote_token: Option<String>,
    /// The last remote status applied to the report.
    pub remote_state: Option<String>,
    /// Written.
    pub created_at: DateTime<Utc>,
    /// Accepted by the back office.
    pub delivered_at: Option<DateTime<Utc>>,
}

/// How a delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The back office took it: its id, or a token to resolve later.
    Delivered {
        /// `service_request_id`.
        remote_id: Option<String>,
        /// `token`.
        remote_token: Option<String>,
    },
    /// Try again at `at`.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Why this attempt failed.
        error: String,
    },
    /// No more attempts (a refusal, or the last attempt failed); an admin may retry it.
    Dead {
        /// Why.
        error: String,
    },
}

/// The SQL of the row a change writes to deliver a report to its authority's back office,
/// written in the change's own transaction: nothing when the authority's method is not
/// `open311`, nothing twice for one report and authority. Binds: `$1` a new row id, `$2` the
/// report id, `$3` the authority key, `$4` now.
pub const ENQUEUE_DELIVERY_SQL: &str =
    "insert into backoffice_deliveries (id, report_id, authority_key, state, attempts,
       next_attempt_at, created_at)
     select $1, $2, d.authority_key, 'pending', 0, $4, $4 from authority_delivery d
     where d.authority_key = $3 and d.method = 'open311'
     on conflict (report_id, authority_key) do nothing";

/// Delivery methods and back-office deliveries. Each method is one transaction.
#[async_trait]
pub trait BackofficeStore: Send + Sync {
    /// The authority's delivery method, if an admin ever set one.
    async fn delivery_config(&self, authority_key: &str) -> Result<Option<DeliveryConfigRow>>;

    /// Stores the authority's delivery method (`NotFound` for an unknown authority).
    async fn set_delivery_config(&self, config: &DeliveryConfigRow) -> Result<()>;

    /// Every authority whose method is `open311`.
    async fn open311_authorities(&self) -> Result<Vec<DeliveryConfigRow>>;

    /// Claims the next due delivery (pending, or sending with its lease run out) for `worker`
    /// until `lease_until`, counting the attempt.
    async fn claim_delivery(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<DeliveryRow>>;

    /// Records an attempt's outcome; `false` if `worker` no longer holds the lease.
    async fn finish_delivery(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &DeliveryOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// Deliveries, newest first, optionally of one state.
    async fn list_deliveries(&self, state: Option<&str>, limit: i64) -> Result<Vec<DeliveryRow>>;

    /// One delivery.
    async fn get_delivery(&self, id: Uuid) -> Result<Option<DeliveryRow>>;

    /// Puts a dead delivery back in the queue; `false` if it is not dead.
    async fn retry_delivery(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// Delivered rows of `authority_key` whose report is still with that authority, after
    /// `after` (by id), at most `limit`: what the status pull asks about.
    async fn delivered_to(
        &self,
        authority_key: &str,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<DeliveryRow>>;

    /// Stores the id a token resolved to.
    async fn set_remote_id(&self, id: Uuid, remote_id: &str) -> Result<()>;

    /// Remembers the remote status last applied.
    async fn set_remote_state(&self, id: Uuid, remote_state: &str) -> Result<()>;
}
