//! "Me too": supporting a published open report, anonymously (counted at once) or with an
//! address (counted once the address is confirmed by the link in a mail, once per address and
//! report). A supporter with an address may also ask to follow the report: confirming the
//! support then confirms following too, so one mail and one click do both.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::compose::Recipient;
use super::events::mail_report;
use super::subscriptions::MailContext;
use crate::domain::{Email, Language, Report, ReportId};
use crate::store::{self, supporters::NewSupporter};

/// What a support did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supported {
    /// Anonymous: counted; the report's new count.
    Counted(i64),
    /// With an address: a confirmation mail is on its way (or the address supports the report
    /// already — the answer is the same, so nobody learns who supports what).
    ConfirmationSent,
}

/// Why a support was refused.
#[derive(Debug, thiserror::Error)]
pub enum SupportError {
    /// No public report with this id (the public never learns of others).
    #[error("not found")]
    NotFound,
    /// The report is public but handled already (green or yellow-green).
    #[error("the report is not open")]
    NotOpen,
    /// Storage or rendering failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for SupportError {
    fn from(error: store::Error) -> Self {
        SupportError::Internal(error.into())
    }
}

/// A support of the report `id`: anonymous without `email`, else the opt-in mail (in
/// `language`, with following if `follow`).
pub async fn support(
    ctx: &MailContext,
    id: ReportId,
    email: Option<&Email>,
    language: Language,
    follow: bool,
    now: DateTime<Utc>,
) -> Result<Supported, SupportError> {
    let report = ctx
        .store
        .get_report(id)
        .await?
        .filter(Report::is_public)
        .ok_or(SupportError::NotFound)?;
    if !report.may_be_supported() {
        return Err(SupportError::NotOpen);
    }
    let Some(email) = email else {
        // The store checks the rule again where it counts: a clerk may close it meanwhile.
        return match ctx
            .store
            .add_anonymous_support(id.uuid(), Uuid::now_v7(), now)
            .await?
        {
            Some(count) => Ok(Supported::Counted(count)),
            None => Err(SupportError::NotOpen),
        };
    };
    let existing = ctx.store.find_supporter(id.uuid(), email.as_str()).await?;
    if existing.as_ref().is_some_and(|s| s.confirmed_at.is_some()) {
        return Ok(Supported::ConfirmationSent);
    }
    // An address that asked before gets a new link for its row (and keeps its first choice
    // about following: the row is not changed by a stranger's request).
    let (new, supporter_id, follow) = match existing {
        Some(row) => (None, row.id, row.follow),
        None => {
            let row = NewSupporter {
                id: Uuid::now_v7(),
                report_id: id.uuid(),
                email: email.as_str().to_owned(),
                language: language.as_str(),
                follow,
            };
            let id = row.id;
            (Some(row), id, follow)
        }
    };
    let engine = ctx.jurisdiction.current();
    let to = Recipient {
        follower_id: supporter_id,
        email: email.as_str(),
        language,
    };
    let mail = ctx
        .composer
        .confirm_support(&to, follow, &mail_report(&engine, &report), now)?;
    ctx.store.request_support(new.as_ref(), &mail, now).await?;
    Ok(Supported::ConfirmationSent)
}

/// Confirms a support with its link's token (`hash`, not yet used): true if it counted now,
/// false if it was confirmed before (another link, or a double click).
pub async fn confirm(
    ctx: &MailContext,
    hash: String,
    supporter_id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, store::Error> {
    match ctx
        .store
        .confirm_support(&hash, supporter_id, Uuid::now_v7(), now)
        .await
    {
        Err(store::Error::TokenUsed) => Ok(false),
        other => other,
    }
}
