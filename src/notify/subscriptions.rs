//! The citizen's side of mail: following a public report (double opt-in), and redeeming the
//! tokens behind the links in mails — confirm a report, confirm following, leave, remove
//! one's address from the report.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::compose::{Composer, Recipient};
use super::events::{self, Reporter, mail_report};
use super::{MailChanges, NewFollower, TokenPurpose};
use crate::auth::secrets::secret_hash;
use crate::config::{Moderation, Settings};
use crate::domain::{Email, Language, Report, ReportId, ReportStatus, reaction_deadline};
use crate::jurisdiction::JurisdictionHandle;
use crate::privacy::erase::erase_contact;
use crate::store::clerk::ReportUpdate;
use crate::store::privacy::Contact;
use crate::store::{self, Store};

/// What the mail use cases need.
#[derive(Clone)]
pub struct MailContext {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Category and authority names.
    pub jurisdiction: Arc<JurisdictionHandle>,
    /// Renders mails.
    pub composer: Composer,
    /// Moderation and the service promise.
    pub settings: Arc<Settings>,
}

/// What a redeemed token did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeemed {
    /// The report's address is confirmed: it is open now (`already`: it was before).
    ReportConfirmed {
        /// The report.
        report: Uuid,
        /// The link was used before.
        already: bool,
    },
    /// The follower's address is confirmed.
    FollowConfirmed {
        /// The report.
        report: Uuid,
        /// The link was used before.
        already: bool,
    },
    /// The supporter's address is confirmed: the support counts ("me too").
    SupportConfirmed {
        /// The report the link was sent for.
        report: Uuid,
        /// The link was used before (the support counted then).
        already: bool,
    },
    /// The address gets no more mails about the report.
    Unsubscribed {
        /// The report.
        report: Uuid,
    },
    /// The address (and the reporter's name) left the report (`crate::privacy::erase`).
    Erased {
        /// The report.
        report: Uuid,
        /// The link was used before.
        already: bool,
    },
}

/// Why a token did nothing.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// No such token (mistyped, or the report was deleted).
    #[error("unknown link")]
    Unknown,
    /// The link's time ran out.
    #[error("the link has expired")]
    Expired,
    /// Storage failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for TokenError {
    fn from(error: store::Error) -> Self {
        TokenError::Internal(error.into())
    }
}

/// Why a follow request was refused.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    /// No public report with this id.
    #[error("not found")]
    NotFound,
    /// Storage failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for FollowError {
    fn from(error: store::Error) -> Self {
        FollowError::Internal(error.into())
    }
}

/// Asks to follow a public report: sends the opt-in mail, unless the address follows it
/// already. The answer is the same either way, so nobody learns who follows what.
pub async fn follow(
    ctx: &MailContext,
    id: ReportId,
    email: &Email,
    language: Language,
    now: DateTime<Utc>,
) -> Result<(), FollowError> {
    let row = ctx
        .store
        .get_report(id)
        .await?
        .filter(Report::is_public)
        .ok_or(FollowError::NotFound)?;
    let existing = ctx
        .store
        .find_follower(row.id.uuid(), email.as_str())
        .await?;
    if existing.as_ref().is_some_and(|f| f.is_active()) {
        return Ok(());
    }
    let mut changes = MailChanges::default();
    let follower_id = match existing {
        Some(follower) => follower.id,
        None => {
            let follower = NewFollower {
                id: Uuid::now_v7(),
                report_id: row.id.uuid(),
                email: email.as_str().to_owned(),
                language: language.as_str(),
                role: "follower",
                confirmed: false,
            };
            let id = follower.id;
            changes.followers.push(follower);
            id
        }
    };
    let engine = ctx.jurisdiction.current();
    let to = Recipient {
        follower_id,
        email: email.as_str(),
        language,
    };
    changes.extend(
        ctx.composer
            .confirm_follow(&to, &mail_report(&engine, &row), now)?,
    );
    ctx.store.apply_mail_changes(&changes, now).await?;
    Ok(())
}

/// Does what a mail link's token stands for, if it is one of the `accepted` kinds (a confirm
/// link's route does not unsubscribe, and the other way round).
pub async fn redeem(
    ctx: &MailContext,
    secret: &str,
    accepted: &[TokenPurpose],
    now: DateTime<Utc>,
) -> Result<Redeemed, TokenError> {
    let hash = secret_hash(secret);
    let token = ctx
        .store
        .mail_token(&hash)
        .await?
        .ok_or(TokenError::Unknown)?;
    let purpose = TokenPurpose::parse(&token.purpose)
        .ok_or_else(|| anyhow::anyhow!("stored token has unknown purpose {:?}", token.purpose))?;
    if !accepted.contains(&purpose) {
        return Err(TokenError::Unknown);
    }
    let report = token.report_id;
    let used = token.used_at.is_some();
    if !used && token.expires_at <= now {
        return Err(TokenError::Expired);
    }
    match purpose {
        TokenPurpose::ConfirmReport if used => Ok(Redeemed::ReportConfirmed {
            report,
            already: true,
        }),
        TokenPurpose::ConfirmReport => confirm_report(ctx, report, hash, now).await,
        TokenPurpose::ConfirmFollow => {
            if !used {
                let changes = MailChanges {
                    use_token: Some(hash),
                    confirm_follower: token.follower_id,
                    ..MailChanges::default()
                };
                apply_once(ctx, &changes, now).await?;
            }
            Ok(Redeemed::FollowConfirmed {
                report,
                already: used,
            })
        }
        TokenPurpose::ConfirmSupport => {
            let supporter = token
                .supporter_id
                .ok_or_else(|| anyhow::anyhow!("support token without a supporter"))?;
            let counted = !used && super::support::confirm(ctx, hash, supporter, now).await?;
            Ok(Redeemed::SupportConfirmed {
                report,
                already: !counted,
            })
        }
        TokenPurpose::Unsubscribe => {
            // Works every time until it expires: a second click must not fail.
            let changes = MailChanges {
                unsubscribe_follower: token.follower_id,
                ..MailChanges::default()
            };
            ctx.store.apply_mail_changes(&changes, now).await?;
            Ok(Redeemed::Unsubscribed { report })
        }
        TokenPurpose::Erase => {
            if !used {
                // Without a follower row the token is the reporter's (confirmation mail).
                let contact = token
                    .follower_id
                    .map_or(Contact::Reporter, Contact::Follower);
                match erase_contact(&*ctx.store, report, contact, Some(&hash), now).await {
                    // A double click: the first one erased.
                    Ok(_) | Err(store::Error::TokenUsed) => {}
                    Err(error) => return Err(error.into()),
                }
            }
            Ok(Redeemed::Erased {
                report,
                already: used,
            })
        }
    }
}

/// Applies changes that use up a token; a token used meanwhile (a double click) is fine.
async fn apply_once(
    ctx: &MailContext,
    changes: &MailChanges,
    now: DateTime<Utc>,
) -> Result<(), TokenError> {
    match ctx.store.apply_mail_changes(changes, now).await {
        Err(store::Error::TokenUsed) => Ok(()),
        other => Ok(other?),
    }
}

/// The reporter confirmed their address: the report becomes `open` (and public at once when
/// moderation is off), the promise's clock starts, the receipt and the authority's mail go out.
async fn confirm_report(
    ctx: &MailContext,
    id: Uuid,
    hash: String,
    now: DateTime<Utc>,
) -> Result<Redeemed, TokenError> {
    let old = ctx
        .store
        .get_report(ReportId::from(id))
        .await?
        .ok_or(TokenError::Unknown)?;
    if old.status != ReportStatus::Unconfirmed {
        return Ok(Redeemed::ReportConfirmed {
            report: id,
            already: true,
        });
    }
    let deadline = reaction_deadline(old.area.state(), now, ctx.settings.service_promise_days);
    let change = old
        .confirm(ctx.settings.moderation != Moderation::Off, deadline, now)
        .map_err(|e| anyhow::anyhow!("confirming report {id}: {e}"))?;
    let new = &change.report;
    let engine = ctx.jurisdiction.current();
    let mut mail = events::opened(
        &ctx.composer,
        &mail_report(&engine, new),
        Reporter::of(new),
        new.authority.as_str(),
        now,
    )?;
    mail.use_token = Some(hash);
    let update = ReportUpdate {
        old: &old,
        new,
        events: &change.events,
        photo: None,
        linked: None,
        mail: &mail,
        feedback: None,
    };
    match ctx.store.update_report(&update).await {
        Ok(()) => Ok(Redeemed::ReportConfirmed {
            report: id,
            already: false,
        }),
        // A second click that raced the first one: the report is confirmed either way.
        Err(store::Error::TokenUsed | store::Error::StaleRevision) => {
            Ok(Redeemed::ReportConfirmed {
                report: id,
                already: true,
            })
        }
        Err(error) => Err(error.into()),
    }
}
