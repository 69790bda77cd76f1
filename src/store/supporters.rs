//! "Me too": the supports of a report (migration 0019). A support is anonymous and counted at
//! once, or comes with an address and counts once the address is confirmed. The count lives on
//! the report (`reports.supporters`) and is changed in the transaction that changes a support,
//! so lists sort by an index. The addresses live in `report_supporters` only (personal data:
//! see the migration for how to erase them).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::store::outbox::MailChanges;

/// A support with an address, before its confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSupporter {
    /// The row id (the confirmation token names it).
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// The supporter's address.
    pub email: String,
    /// `de` or `en` (of the mails, and of the follower row a `follow` makes).
    pub language: &'static str,
    /// Whether confirming also makes the address a follower of the report.
    pub follow: bool,
}

/// `report_supporters` row (the fields the use cases need).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SupporterRow {
    pub id: Uuid,
    pub report_id: Uuid,
    pub follow: bool,
    pub confirmed_at: Option<DateTime<Utc>>,
}

/// Persistence of supports. Each method is one transaction.
#[async_trait]
pub trait SupportStore: Send + Sync {
    /// Counts an anonymous support (row `id`) if the report may be supported now (published,
    /// red or yellow — checked in the same statement that counts, so a clerk's change in
    /// between cannot slip through). The new count, or `None` if it may not be supported.
    async fn add_anonymous_support(
        &self,
        report_id: Uuid,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>>;

    /// The support of an address on a report, confirmed or not.
    async fn find_supporter(&self, report_id: Uuid, email: &str) -> Result<Option<SupporterRow>>;

    /// Stores a new unconfirmed support (if `supporter` is given; an address that asked before
    /// keeps its row) with the mail that asks to confirm it.
    async fn request_support(
        &self,
        supporter: Option<&NewSupporter>,
        mail: &MailChanges,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Confirms a support with the token `token_hash` (used up here; `TokenUsed` if it was
    /// used or expired meanwhile): counts it on the report the row belongs to now (a duplicate's
    /// supporters move to the original), and makes the address a confirmed follower (row
    /// `follower_id` if it has none) when the supporter asked for that. True if it was counted
    /// now, false if it was confirmed before.
    async fn confirm_support(
        &self,
        token_hash: &str,
        supporter_id: Uuid,
        follower_id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<bool>;
}
