//! What a change writes to the outbox in its own transaction: mails, the tokens behind their
//! links, followers, and the token it uses up. Rendered by `notify`, stored by the store, so a
//! change and its mails are stored together or not at all.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Who a mail goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTo {
    /// An address known when the mail is composed (a reporter, a follower).
    Address(String),
    /// The contact address the authority with this key has when the mail is written; no mail
    /// if it has none. Resolved by the store in the writing statement, so a filing needs no
    /// read of its own and an admin's change of the address applies to the next mail at once.
    ContactOf(String),
}

impl MailTo {
    /// The address, if it is known already.
    pub fn address(&self) -> Option<&str> {
        match self {
            MailTo::Address(address) => Some(address),
            MailTo::ContactOf(_) => None,
        }
    }

    /// The authority whose contact address the mail goes to, if it does.
    pub fn contact_of(&self) -> Option<&str> {
        match self {
            MailTo::Address(_) => None,
            MailTo::ContactOf(key) => Some(key),
        }
    }
}

/// The SQL condition, inside the statement that resolves [`MailTo::ContactOf`] against the
/// `authorities` row `key`, that leaves the mail unwritten when the authority takes its reports
/// through its own back office (`authority_delivery.method = 'open311'`): its system gets the
/// report, its inbox no copy.
macro_rules! no_back_office {
    () => {
        "not exists (select 1 from authority_delivery d
                     where d.authority_key = authorities.key and d.method = 'open311')"
    };
}
pub(crate) use no_back_office;

/// What a mail is. Its name is stored with the outbox row and shown in the admins' mail list,
/// whose documented enum (`OutboxMail.kind` in `openapi.yaml`) a test holds to [`MailKind::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Asks the reporter to confirm their address.
    ConfirmReport,
    /// Tells the reporter the report arrived, with their tracking link.
    Receipt,
    /// Tells a reporter or follower what changed.
    Update,
    /// Asks a follower to confirm their address.
    ConfirmFollow,
    /// Asks a supporter ("me too") to confirm their address.
    ConfirmSupport,
    /// Tells an authority's inbox of a new report.
    NewReport,
    /// An authority's daily summary.
    Digest,
    /// A clerk's daily list of their reports.
    ClerkDigest,
    /// Asks an area alert's subscriber to confirm their address.
    ConfirmAlert,
    /// An area alert's daily list of new reports.
    AlertDigest,
}

impl MailKind {
    /// Every kind, in the order the API documents them.
    pub const ALL: [MailKind; 10] = [
        MailKind::ConfirmReport,
        MailKind::Receipt,
        MailKind::Update,
        MailKind::ConfirmFollow,
        MailKind::ConfirmSupport,
        MailKind::NewReport,
        MailKind::Digest,
        MailKind::ClerkDigest,
        MailKind::ConfirmAlert,
        MailKind::AlertDigest,
    ];

    /// The stored and documented name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::ConfirmReport => "confirm_report",
            MailKind::Receipt => "receipt",
            MailKind::Update => "update",
            MailKind::ConfirmFollow => "confirm_follow",
            MailKind::ConfirmSupport => "confirm_support",
            MailKind::NewReport => "new_report",
            MailKind::Digest => "digest",
            MailKind::ClerkDigest => "clerk_digest",
            MailKind::ConfirmAlert => "confirm_alert",
            MailKind::AlertDigest => "alert_digest",
        }
    }
}

impl std::fmt::Display for MailKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mail to store in the outbox, already rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// The outbox row's id (also the Message-ID, so a repeated delivery is recognisable).
    pub id: Uuid,
    /// What kind of mail, for admins and tests.
    pub kind: MailKind,
    /// The one recipient.
    pub recipient: MailTo,
    /// `de` or `en`.
    pub language: &'static str,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body_text: String,
    /// HTML body.
    pub body_html: String,
    /// The one-click unsubscribe URL (RFC 8058), for mails a follower can stop.
    pub list_unsubscribe: Option<String>,
    /// The report it concerns.
    pub report_id: Option<Uuid>,
    /// Set for mails that must exist once however often they are scheduled (the digest).
    pub dedupe_key: Option<String>,
}

/// What a mail link's token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirm the reporter's address: the report becomes `open`.
    ConfirmReport,
    /// Confirm a follower's address.
    ConfirmFollow,
    /// Stop mails about a report.
    Unsubscribe,
    /// Remove the recipient's address (and, for the reporter, name) from a report: the
    /// removal link in every mail to a reporter or follower (`privacy::erase`).
    Erase,
    /// Confirm a supporter's address ("me too"): the support counts from then on.
    ConfirmSupport,
}

impl TokenPurpose {
    /// The database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConfirmReport => "confirm_report",
            Self::ConfirmFollow => "confirm_follow",
            Self::Unsubscribe => "unsubscribe",
            Self::Erase => "erase",
            Self::ConfirmSupport => "confirm_support",
        }
    }

    /// Parses the database name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "confirm_report" => Some(Self::ConfirmReport),
            "confirm_follow" => Some(Self::ConfirmFollow),
            "unsubscribe" => Some(Self::Unsubscribe),
            "erase" => Some(Self::Erase),
            "confirm_support" => Some(Self::ConfirmSupport),
            _ => None,
        }
    }
}

/// A token whose link goes out in a mail; only its hash is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// SHA-256 of the secret in the link.
    pub hash: String,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// The report it concerns.
    pub report_id: Uuid,
    /// The follower it concerns (confirm-follow, unsubscribe and erase tokens; an erase token
    /// without one is the reporter's, from the confirmation mail).
    pub follower_id: Option<Uuid>,
    /// The supporter it concerns (confirm-support tokens).
    pub supporter_id: Option<Uuid>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// Someone who hears about a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollower {
    /// The row id.
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// Their address.
    pub email: String,
    /// `de` or `en`.
    pub language: &'static str,
    /// The reporter (confirmed with the report) or a follower (confirms on their own).
    pub role: &'static str,
    /// Whether the address is confirmed already.
    pub confirmed: bool,
}

/// Everything a change adds or changes for email, written in the change's transaction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailChanges {
    /// Mails to deliver.
    pub mails: Vec<OutboxMail>,
    /// Tokens behind the links in those mails.
    pub tokens: Vec<NewToken>,
    /// Followers to add.
    pub followers: Vec<NewFollower>,
    /// A confirmation token this change uses up (hash). The change fails with
    /// [`store::Error::TokenUsed`](crate::store::Error::TokenUsed) if it was used or expired
    /// meanwhile.
    pub use_token: Option<String>,
    /// A follower whose address is now confirmed.
    pub confirm_follower: Option<Uuid>,
    /// A follower who leaves.
    pub unsubscribe_follower: Option<Uuid>,
}

impl MailChanges {
    /// Adds another change's mails, tokens and followers.
    pub fn extend(&mut self, other: MailChanges) {
        self.mails.extend(other.mails);
        self.tokens.extend(other.tokens);
        self.followers.extend(other.followers);
        self.use_token = self.use_token.take().or(other.use_token);
        self.confirm_follower = self.confirm_follower.or(other.confirm_follower);
        self.unsubscribe_follower = self.unsubscribe_follower.or(other.unsubscribe_follower);
    }
}
