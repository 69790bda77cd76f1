//! The privacy side of the store (DSGVO Art. 17): a contact leaving a report through its
//! removal link, the retention job's erasure of closed reports' contact data, and the
//! anonymisation of long-deactivated clerk accounts. See `crate::privacy` for the rules.
//!
//! What each erasure touches is one list of statements in `privacy_sql.rs`, in the order
//! they run; a new table that holds a contact's address joins that list.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::domain::NewEvent;

/// Whose contact data leaves a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contact {
    /// The reporter: the report's email and name, and their follower row if any.
    Reporter,
    /// The follower row with this id (the reporter's own row counts as the reporter).
    Follower(Uuid),
}

/// One contact leaving one report, stored in one transaction.
#[derive(Debug, Clone)]
pub struct ContactErasure<'a> {
    /// The report.
    pub report_id: Uuid,
    /// Who leaves it.
    pub contact: Contact,
    /// The removal link's token (hash), used up in the same transaction; it alone stays, so
    /// a second click can be told "done already". `None` for the reporter's key.
    pub token_hash: Option<&'a str>,
    /// The history entry that records the erasure (it holds no contact data).
    pub event: &'a NewEvent,
    /// When.
    pub now: DateTime<Utc>,
}

/// What an erasure removed, counted per kind of row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    /// Reports whose reporter email or name were cleared.
    pub reporter_contacts: u64,
    /// Follower rows deleted (the reporter's own included).
    pub followers: u64,
    /// Outbox rows deleted (mails to the contact, sent or not).
    pub mails: u64,
    /// Mail link tokens deleted.
    pub tokens: u64,
    /// Internal notes whose author (a clerk's email) was replaced.
    pub note_authors: u64,
}

impl Erased {
    /// Whether nothing was erased.
    pub fn is_empty(&self) -> bool {
        self.counts().iter().all(|(_, n)| *n == 0)
    }

    /// Adds another erasure's counts.
    pub fn add(&mut self, other: &Erased) {
        self.reporter_contacts += other.reporter_contacts;
        self.followers += other.followers;
        self.mails += other.mails;
        self.tokens += other.tokens;
        self.note_authors += other.note_authors;
    }

    /// The counts with the names the log and the metrics use.
    pub fn counts(&self) -> [(&'static str, u64); 5] {
        [
            ("reporter_contacts", self.reporter_contacts),
            ("followers", self.followers),
            ("mails", self.mails),
            ("tokens", self.tokens),
            ("note_authors", self.note_authors),
        ]
    }
}

/// What an anonymised account's pseudonymous fields become.
#[derive(Debug, Clone)]
pub struct Pseudonym {
    /// The new log-in email (unique, in the reserved `.invalid` domain: no mail reaches it).
    /// Events that named the clerk's email name this instead.
    pub email: String,
    /// The new display name.
    pub display_name: String,
}

/// Persistence of the privacy rules. Each method is one transaction.
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// A contact leaves a report: for the reporter the report's email and name are cleared;
    /// the contact's follower row, the outbox rows addressed to it for this report (sent or
    /// not) and its link tokens (but the one used) are deleted, and the event is appended.
    /// `None` if the contact is no longer on the report (nothing changed); `TokenUsed` if the
    /// link's token was used meanwhile.
    async fn erase_contact(&self, erasure: &ContactErasure<'_>) -> Result<Option<Erased>>;

    /// Up to `limit` reports resolved or closed at or before `closed_before` whose contact
    /// data has not been erased since, oldest close first.
    async fn retention_due(&self, closed_before: DateTime<Utc>, limit: i64) -> Result<Vec<Uuid>>;

    /// Erases a due report's contact data: reporter email and name, follower rows, every
    /// outbox row and mail token of the report, and the authors of its internal notes; marks
    /// it erased at `now` and appends `event` if anything was erased. `None` if the report is
    /// not due (any more): another instance did it, or it was reopened.
    async fn erase_closed_report(
        &self,
        id: Uuid,
        closed_before: DateTime<Utc>,
        event: &NewEvent,
        now: DateTime<Utc>,
    ) -> Result<Option<Erased>>;

    /// Starts the clock of deactivated accounts that have none yet (deactivated before the
    /// clock existed); how many.
    async fn start_deactivation_clocks(&self, now: DateTime<Utc>) -> Result<u64>;

    /// Accounts deactivated at or before `deactivated_before` and not anonymised yet.
    async fn accounts_due(&self, deactivated_before: DateTime<Utc>) -> Result<Vec<Uuid>>;

    /// Anonymises a due account: email and display name become the pseudonym's, the password
    /// can no longer match, sessions, API tokens and its log-in attempts are deleted, and
    /// every event that named its email names the pseudonym. The number of such events, or
    /// `None` if the account is not due (any more).
    async fn anonymise_account(
        &self,
        id: Uuid,
        deactivated_before: DateTime<Utc>,
        pseudonym: &Pseudonym,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>>;

    /// Whether the account was anonymised (it cannot be activated again).
    async fn is_anonymised(&self, id: Uuid) -> Result<bool>;

    /// Deletes the addresses no report holds once nothing needs them: area alerts never
    /// confirmed whose opt-in was asked for at or before `unconfirmed_before` (its link has
    /// expired) or ended (rows from before ending deleted them), the alert mails to addresses
    /// that subscribe to nothing now, and the mails about no report (authority digests, alert
    /// mails, clerks' daily lists) sent or given up at or before `mails_before`.
    async fn erase_stale_alerts_and_mails(
        &self,
        unconfirmed_before: DateTime<Utc>,
        mails_before: DateTime<Utc>,
    ) -> Result<StaleErased>;
}

/// What [`PrivacyStore::erase_stale_alerts_and_mails`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaleErased {
    /// Area alert subscriptions.
    pub alerts: u64,
    /// Outbox rows about no report.
    pub mails: u64,
}
