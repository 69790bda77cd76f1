//! The clerk side of the report store: applying a workflow change, the inbox, answer
//! templates and the numbers behind an authority's public statistics.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::domain::{NewEvent, Report, ReportId};

/// One workflow change, stored in one transaction.
#[derive(Debug, Clone)]
pub struct ReportUpdate<'a> {
    /// The report as read (its revision must still be the stored one).
    pub old: &'a Report,
    /// The report to store (its mutable fields are written; the revision is incremented).
    pub new: &'a Report,
    /// Events to append to the report's history.
    pub events: &'a [NewEvent],
    /// What happens to the report's photos.
    pub photo: Option<&'a crate::domain::PhotoChange>,
    /// An event for another report (the original of a duplicate).
    pub linked: Option<(ReportId, &'a NewEvent)>,
    /// The mails the change sends, with their tokens and followers.
    pub mail: &'a crate::store::outbox::MailChanges,
    /// A citizen's feedback the change records: stored first, and the whole change refused
    /// (`Error::Conflict` on `citizen_feedback_pk`) if this person spoke on this state before.
    pub feedback: Option<FeedbackRecord<'a>>,
}

/// Who gave feedback on which state of a report (the `citizen_feedback` row).
#[derive(Debug, Clone, Copy)]
pub struct FeedbackRecord<'a> {
    /// `reporter` or `follower:<id>`.
    pub person: &'a str,
    /// The report's `status_changed_at` the feedback answers.
    pub state_since: DateTime<Utc>,
    /// `not_fixed` or `fixed`.
    pub kind: &'static str,
}

/// Sort order of the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InboxOrder {
    /// Oldest first: what waits longest comes first (the default).
    #[default]
    OldestFirst,
    /// Newest first.
    NewestFirst,
    /// Most supporters first ("me too"), then newest first.
    MostSupported,
}

/// Whom the inbox shows reports of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    /// Reports this account has taken on.
    Account(Uuid),
    /// Reports nobody has taken on.
    Nobody,
}

/// Filters of the clerk inbox (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// Only these authorities (`None`: all, for admins).
    pub authorities: Option<Vec<String>>,
    /// Only these statuses.
    pub statuses: Vec<&'static str>,
    /// Only this visibility.
    pub visibility: Option<&'static str>,
    /// Only this category.
    pub category: Option<String>,
    /// Only this area.
    pub area: Option<String>,
    /// Only reports still waiting for a first reaction past their deadline (`true`), or not.
    pub overdue: Option<bool>,
    /// The time `overdue` is judged at.
    pub now: DateTime<Utc>,
    /// Only reports of this assignee, or of none.
    pub assignee: Option<AssigneeFilter>,
    /// Only reports a citizen asked to reopen (`true`) that wait for a clerk's decision.
    pub reopen_requested: bool,
    /// Only reports whose description or address contains this (case-insensitive).
    pub text: Option<String>,
    /// Sort order (by id, i.e. filing time).
    pub order: InboxOrder,
    /// Keyset cursor: the last id of the previous page.
    pub after: Option<Uuid>,
    /// The last report's supporters (with [`InboxOrder::MostSupported`] and `after`).
    pub after_supporters: Option<i64>,
    /// Page size.
    pub limit: i64,
}

/// `answer_templates` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TemplateRow {
    pub status: String,
    pub language: String,
    pub body: String,
    pub updated_at: DateTime<Utc>,
}

/// What an authority's statistics are computed from: one row per public report.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatsRow {
    pub status: String,
    pub opened_at: Option<DateTime<Utc>>,
    pub reaction_due_at: Option<DateTime<Utc>>,
    pub first_reaction_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Persistence of the clerk workflow. Each method is one transaction.
#[async_trait]
pub trait ClerkStore: Send + Sync {
    /// Stores a workflow change: the new report (if the revision is unchanged, else
    /// [`Error::StaleRevision`](super::Error::StaleRevision)), its events, a photo's visibility, the linked
    /// report's event, and the map counts when publication or light changed.
    async fn update_report(&self, update: &ReportUpdate<'_>) -> Result<()>;

    /// A page of the inbox.
    async fn list_inbox(&self, filter: &InboxFilter) -> Result<Vec<Report>>;

    /// Reports per status under the filter (its statuses, cursor and limit ignored).
    async fn inbox_counts(&self, filter: &InboxFilter) -> Result<Vec<(String, i64)>>;

    /// The reports marked as duplicates of `id`.
    async fn duplicates_of(&self, id: Uuid) -> Result<Vec<Uuid>>;

    /// Every answer template.
    async fn answer_templates(&self) -> Result<Vec<TemplateRow>>;

    /// The template for a status and language.
    async fn answer_template(&self, status: &str, language: &str) -> Result<Option<String>>;

    /// Replaces a template.
    async fn set_answer_template(
        &self,
        status: &str,
        language: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Sets an authority's contact address (empty: none); `NotFound` if there is none.
    async fn set_authority_contact(&self, key: &str, email: &str) -> Result<()>;

    /// Creates or replaces a category; true if it was new.
    async fn put_category(&self, category: &crate::domain::Category) -> Result<bool>;

    /// Creates or replaces the routing rule for its (category, scope).
    async fn put_routing_rule(&self, rule: &crate::domain::RoutingRule) -> Result<()>;

    /// Removes a routing rule; false if there was none.
    async fn delete_routing_rule(
        &self,
        category: &str,
        scope: &str,
        scope_key: &str,
    ) -> Result<bool>;

    /// The public reports of an authority, for its statistics.
    async fn stats_rows(&self, authority_key: &str) -> Result<Vec<StatsRow>>;
}
