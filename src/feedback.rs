//! The citizen feedback use case ("Abschlussmeldung"): the reporter (through their tracking
//! link) or a confirmed follower (through the link in their status mail) says a green or
//! yellow-green report is still not fixed, or confirms it fixed. The report's rules decide
//! whether the report takes feedback ([`Report::citizen_feedback`]); the store keeps each
//! person to one word per state of the report; no mail goes out (the clerks see the reopen
//! request in their inbox, the public in the history). Photos sent along wait for a clerk's
//! release, as a filing's do.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{CitizenFeedback, PhotoRef, Refusal, Report, ReportId};
use crate::store::{self, clerk::FeedbackRecord, clerk::ReportUpdate};
use crate::workflow::WorkflowContext;

/// Who speaks, as their link proved it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// The reporter (their key opened the report).
    Reporter,
    /// A follower row of the report (its key came in a mail).
    Follower(Uuid),
}

/// Why feedback was not taken.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// No such report, or the speaker is not (or no longer) one of its followers.
    #[error("not found")]
    NotFound,
    /// The report's rules refuse feedback in its state, or the text is invalid.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// This person already spoke on the report's current state.
    #[error("feedback on this state of the report was given already")]
    AlreadyGiven,
    /// The report changed meanwhile; try again.
    #[error("the report was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for FeedbackError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound => FeedbackError::NotFound,
            store::Error::StaleRevision => FeedbackError::Conflict,
            store::Error::Conflict { constraint } if constraint == "citizen_feedback_pk" => {
                FeedbackError::AlreadyGiven
            }
            other => FeedbackError::Internal(other.into()),
        }
    }
}

/// Whether `speaker` may give `feedback` on report `id` now, before any photo is processed:
/// refused feedback should not leave stored photos behind.
pub async fn check(
    ctx: &WorkflowContext,
    id: ReportId,
    speaker: Speaker,
    feedback: &CitizenFeedback,
    now: DateTime<Utc>,
) -> Result<(), FeedbackError> {
    let (report, _) = report_and_person(ctx, id, speaker).await?;
    report.citizen_feedback(feedback, &[], &[], now)?;
    Ok(())
}

/// Records `feedback` of `speaker` on report `id`, with `photos` (stored already; hidden until
/// a clerk releases them); returns the report after it.
pub async fn give(
    ctx: &WorkflowContext,
    id: ReportId,
    speaker: Speaker,
    feedback: &CitizenFeedback,
    photos: &[PhotoRef],
    now: DateTime<Utc>,
) -> Result<Report, FeedbackError> {
    let (report, person) = report_and_person(ctx, id, speaker).await?;
    let photo_ids: Vec<String> = if photos.is_empty() {
        Vec::new()
    } else {
        let rows = ctx.store.report_photos(id, false).await?;
        rows.into_iter().map(|p| p.photo_id).collect()
    };
    let change = report.citizen_feedback(feedback, photos, &photo_ids, now)?;
    let kind = match feedback {
        CitizenFeedback::NotFixed { .. } => "not_fixed",
        CitizenFeedback::Fixed { .. } => "fixed",
    };
    ctx.store
        .update_report(&ReportUpdate {
            old: &report,
            new: &change.report,
            events: &change.events,
            photo: change.photo.as_ref(),
            linked: None,
            mail: &Default::default(),
            feedback: Some(FeedbackRecord {
                person: &person,
                state_since: report.timeline.status_changed_at,
                kind,
            }),
        })
        .await?;
    Ok(change.report)
}

/// The report, and who speaks as the feedback table keys them (`reporter`, or
/// `follower:<id>`; the reporter's own follower row is the reporter).
async fn report_and_person(
    ctx: &WorkflowContext,
    id: ReportId,
    speaker: Speaker,
) -> Result<(Report, String), FeedbackError> {
    let report = ctx
        .store
        .get_report(id)
        .await?
        .ok_or(FeedbackError::NotFound)?;
    let person = match speaker {
        Speaker::Reporter => "reporter".to_owned(),
        Speaker::Follower(follower) => {
            let followers = ctx.store.active_followers(id.uuid()).await?;
            let row = followers
                .iter()
                .find(|f| f.id == follower)
                .ok_or(FeedbackError::NotFound)?;
            // The reporter's own follower row is the reporter: one word, whichever link.
            if row.role == "reporter" {
                "reporter".to_owned()
            } else {
                format!("follower:{follower}")
            }
        }
    };
    Ok((report, person))
}
