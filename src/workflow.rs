//! The clerk workflow use case: one action of a clerk on a report — checked against the
//! clerk's authorities and the references it names, handed to the report's rules
//! ([`Report::apply`]), and stored with the mails it causes in one transaction that fails if
//! someone else changed the report meanwhile.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::auth::Actor;
use crate::domain::{Action, Assignee, Facts, Refusal, Report, ReportId};
use crate::jurisdiction::JurisdictionHandle;
use crate::notify::MailChanges;
use crate::notify::compose::Composer;
use crate::notify::events;
use crate::store::clerk::ReportUpdate;
use crate::store::{self, Store};

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No such report, or not one of the actor's authorities (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// The report's rules refuse the action (an invalid field, a move the state does not
    /// allow, a photo the report does not have).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// A referenced authority, report or category does not exist.
    #[error("{field}: {reason}")]
    UnknownReference {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// Someone changed the report at the same time; reload and retry.
    #[error("the report was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for WorkflowError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound => WorkflowError::NotFound,
            store::Error::StaleRevision => WorkflowError::Conflict,
            other => WorkflowError::Internal(other.into()),
        }
    }
}

/// Whether `actor` may name `original` as the report a duplicate repeats: one of the actor's
/// own authorities (admins: any), and one the report's rules accept as an original.
fn may_be_original(actor: &Actor, original: &Report) -> bool {
    actor.handles(original.authority.as_str()) && original.may_be_original()
}

/// An assignment names the account by id; the report may only go to an active clerk of its
/// authority, whose display name the internal history then shows.
async fn with_assignee_name(
    ctx: &WorkflowContext,
    report: &Report,
    action: Action,
) -> Result<Action, WorkflowError> {
    let Action::Assign { to: Some(wanted) } = action else {
        return Ok(action);
    };
    let clerks = ctx
        .store
        .authority_clerks(report.authority.as_str())
        .await?;
    let Some((id, name)) = clerks.into_iter().find(|(id, _)| *id == wanted.id) else {
        return Err(WorkflowError::UnknownReference {
            field: "account",
            reason: format!("{} is no active clerk of the report's authority", wanted.id),
        });
    };
    Ok(Action::Assign {
        to: Some(Assignee { id, name }),
    })
}

/// What [`act`] needs.
#[derive(Clone)]
pub struct WorkflowContext {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Authorities and categories.
    pub jurisdiction: Arc<JurisdictionHandle>,
    /// Renders the mails a change sends.
    pub composer: Composer,
}

/// Performs an action of `actor` on report `id`: loads it, checks scope and references,
/// applies the report's rules, and stores the change. Returns the report after the action.
pub async fn act(
    ctx: &WorkflowContext,
    actor: &Actor,
    id: ReportId,
    action: Action,
    now: DateTime<Utc>,
) -> Result<Report, WorkflowError> {
    let report = ctx
        .store
        .get_report(id)
        .await?
        .filter(|report| actor.handles(report.authority.as_str()))
        .ok_or(WorkflowError::NotFound)?;
    let action = with_assignee_name(ctx, &report, action).await?;
    let mut facts = Facts::default();
    let engine = ctx.jurisdiction.current();
    let invalid = |field: &'static str, reason: String| {
        Err(WorkflowError::UnknownReference { field, reason })
    };
    match &action {
        Action::Forward { to, .. } if engine.authority(to).is_none() => {
            return invalid(
                "authority",
                format!("there is no authority {:?}", to.as_str()),
            );
        }
        // The original must be a published report the actor handles: anything else is
        // answered exactly like an id that does not exist, so a clerk can neither link to
        // nor write into another authority's report, nor probe which ids exist there.
        Action::MarkDuplicate { of, .. }
            if !ctx
                .store
                .get_report(*of)
                .await?
                .is_some_and(|original| may_be_original(actor, &original)) =>
        {
            return invalid("of", format!("there is no report {of}"));
        }
        Action::ChangeCategory { to }
            if !engine.category(to.as_str()).is_some_and(|c| c.active) =>
        {
            return invalid(
                "category",
                format!("there is no active category {:?}", to.as_str()),
            );
        }
        Action::SetPhotoVisible { .. }
        | Action::RedactPhoto { .. }
        | Action::AnswerWithPhotos { .. } => {
            facts.photo_ids = ctx
                .store
                .report_photos(id, false)
                .await?
                .into_iter()
                .map(|p| p.photo_id)
                .collect();
        }
        Action::Publish => {
            facts.has_public_answer = ctx
                .store
                .report_events(id, true)
                .await?
                .iter()
                .any(|e| e.kind.is_public_answer());
        }
        _ => {}
    }
    if let Some(status) = action.template_status() {
        facts.template = ctx
            .store
            .answer_template(status, report.language.as_str())
            .await?;
    }
    let change = report.apply(&action, &actor.email, &facts, now)?;
    let mail = if change.events.iter().any(|e| e.public) {
        let followers = ctx.store.active_followers(report.id.uuid()).await?;
        events::after_change(
            &ctx.composer,
            &engine,
            &events::ClerkChange {
                old: &report,
                new: &change.report,
                events: &change.events,
            },
            &followers,
            now,
        )?
    } else {
        MailChanges::default()
    };
    ctx.store
        .update_report(&ReportUpdate {
            old: &report,
            new: &change.report,
            events: &change.events,
            photo: change.photo.as_ref(),
            linked: change.linked.as_ref().map(|(id, event)| (*id, event)),
            mail: &mail,
            feedback: None,
        })
        .await?;
    Ok(change.report)
}
