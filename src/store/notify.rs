//! The email side of the store: the outbox the delivery worker works through, the addresses
//! that follow a report, and the tokens behind the links in mails.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::store::outbox::MailChanges;

/// `outbox` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailRow {
    pub id: Uuid,
    pub kind: String,
    pub recipient: String,
    pub language: String,
    pub subject: String,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub list_unsubscribe: Option<String>,
    pub report_id: Option<Uuid>,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// `report_followers` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FollowerRow {
    pub id: Uuid,
    pub report_id: Uuid,
    pub email: String,
    pub language: String,
    pub role: String,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl FollowerRow {
    /// Confirmed and not unsubscribed: gets the report's mails.
    pub fn is_active(&self) -> bool {
        self.confirmed_at.is_some() && self.unsubscribed_at.is_none()
    }
}

/// `mail_tokens` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub purpose: String,
    pub report_id: Uuid,
    pub follower_id: Option<Uuid>,
    pub supporter_id: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailOutcome {
    /// Handed to the mail server (or written to a file).
    Sent,
    /// Failed; try again at the given time.
    Retry {
        /// When.
        at: DateTime<Utc>,
        /// Why it failed.
        error: String,
    },
    /// Failed for good (permanent error or too many attempts): dead letter.
    Dead {
        /// Why.
        error: String,
    },
}

/// Persistence of mail. Each method is one transaction.
#[async_trait]
pub trait NotifyStore: Send + Sync {
    /// Writes mail changes that come without a report change (following, leaving).
    async fn apply_mail_changes(&self, changes: &MailChanges, now: DateTime<Utc>) -> Result<()>;

    /// The token with this hash.
    async fn mail_token(&self, hash: &str) -> Result<Option<TokenRow>>;

    /// A follower by id.
    async fn follower(&self, id: Uuid) -> Result<Option<FollowerRow>>;

    /// The follower row of an address on a report.
    async fn find_follower(&self, report_id: Uuid, email: &str) -> Result<Option<FollowerRow>>;

    /// The confirmed, subscribed followers of a report (the reporter included).
    async fn active_followers(&self, report_id: Uuid) -> Result<Vec<FollowerRow>>;

    /// Takes the next due mail for delivery by `worker` until `lease_until`: a `pending` row
    /// whose time has come, or a `sending` row whose lease ran out (its worker died). Never
    /// hands one row to two workers at once, on any number of instances.
    async fn claim_mail(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Option<MailRow>>;

    /// Records how `worker`'s attempt on a claimed mail ended. False if the lease was lost.
    async fn finish_mail(
        &self,
        id: Uuid,
        worker: &str,
        outcome: &MailOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool>;

    /// One outbox row.
    async fn get_mail(&self, id: Uuid) -> Result<Option<MailRow>>;

    /// Mails newest first, optionally in one state.
    async fn list_mail(&self, state: Option<&str>, limit: i64) -> Result<Vec<MailRow>>;

    /// Puts a dead mail back in the queue, due now, with fresh attempts. False if it is not
    /// dead (or does not exist).
    async fn retry_mail(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
}
