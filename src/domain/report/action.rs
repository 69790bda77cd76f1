//! A clerk's action on a report, what it needs to know, and what it changes or why it is refused.

use std::str::FromStr;

use super::{EventKind, NewEvent, Report, ReportId, TransitionError};
use crate::domain::{AuthorityKey, CategoryCode, InvalidValue};

/// The statuses a clerk can move a report to (besides reopening).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetStatus {
    /// Yellow.
    InProgress,
    /// Green.
    Resolved,
    /// Yellow-green; needs a reason.
    Closed,
}

impl TargetStatus {
    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
}

impl FromStr for TargetStatus {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Self::InProgress, Self::Resolved, Self::Closed]
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                InvalidValue::new(
                    "status",
                    format!(
                        "{s:?} is not one of in_progress, resolved, closed (reopen has its own route)"
                    ),
                )
            })
    }
}

/// One clerk action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Make the report public.
    Publish,
    /// Keep it from the public.
    Hide {
        /// Why (internal).
        reason: Option<String>,
    },
    /// Replace the public text (the citizen's original stays, for clerks only).
    EditDescription {
        /// The new public text.
        text: String,
    },
    /// Release or hide one photo.
    SetPhotoVisible {
        /// The photo's id.
        photo_id: String,
        /// Released or not.
        visible: bool,
    },
    /// Move the status, with a public answer (the status's template when none is given).
    ChangeStatus {
        /// The new status.
        to: TargetStatus,
        /// The public answer.
        answer: Option<String>,
        /// For `closed`: one of [`super::CloseReason::STATUS_CODES`].
        reason: Option<String>,
        /// For `not_responsible`: who is.
        responsible: Option<String>,
    },
    /// A public answer without a status change.
    Answer {
        /// The answer.
        text: String,
    },
    /// An internal note.
    Note {
        /// The note.
        text: String,
    },
    /// Hand the report to another authority.
    Forward {
        /// The authority that takes over.
        to: AuthorityKey,
        /// Why (kept for clerks; the public sees the chain).
        reason: String,
    },
    /// Close this report as a duplicate of another one, linking both.
    MarkDuplicate {
        /// The report this one repeats.
        of: ReportId,
        /// The public answer (the `closed` template when none is given).
        answer: Option<String>,
    },
    /// Change the category.
    ChangeCategory {
        /// The new category.
        to: CategoryCode,
    },
    /// Open a resolved or closed report again (red, or yellow at once).
    Reopen {
        /// Why (public).
        reason: String,
        /// Straight to in progress (yellow) instead of received (red).
        in_progress: bool,
    },
    /// Decline a citizen's request to reopen it, with a public reason.
    DeclineReopen {
        /// Why (public).
        reason: String,
    },
    /// Give the report to a clerk of its authority, or back to nobody.
    Assign {
        /// The clerk (`None`: nobody).
        to: Option<Assignee>,
    },
    /// Replace a photo by a copy with parts made unrecognisable (the copy is stored already).
    RedactPhoto {
        /// The photo's id now.
        photo_id: String,
        /// The redacted copy's id.
        redacted_id: String,
        /// Which rectangles (for the clerks' history).
        areas: String,
    },
    /// A public answer with the authority's own photos ("after" photos; stored already).
    AnswerWithPhotos {
        /// The answer.
        text: String,
        /// The photos, in order.
        photos: Vec<PhotoRef>,
    },
}

/// A clerk a report is assigned to: the account, and the name the internal history shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignee {
    /// The account's id.
    pub id: uuid::Uuid,
    /// Its display name.
    pub name: String,
}

/// What a citizen who reported or follows a report says once it is green or yellow-green.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CitizenFeedback {
    /// "Still not fixed", with what is still wrong.
    NotFixed {
        /// What is still wrong (required).
        text: String,
    },
    /// "Confirmed fixed", with an optional word.
    Fixed {
        /// An optional comment.
        text: Option<String>,
    },
}

/// Most photos one answer may carry (as many as a filing).
pub const MAX_ANSWER_PHOTOS: usize = 5;

/// Most photos a citizen's feedback may carry: what is still wrong, from a spot or two.
pub const MAX_FEEDBACK_PHOTOS: usize = 3;

/// A processed, stored photo an action names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRef {
    /// Its id.
    pub id: String,
    /// Width of its web variant.
    pub width: u32,
    /// Height of its web variant.
    pub height: u32,
}

/// What a change does to the report's photos.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoChange {
    /// Release (`true`) or hide one photo.
    Visible {
        /// The photo.
        photo_id: String,
        /// Released or not.
        visible: bool,
    },
    /// Put the redacted copy in the photo's place (same position, size and visibility).
    Replace {
        /// The photo as it was.
        old: String,
        /// Its redacted copy.
        new: String,
    },
    /// Add photos shown with the history entry of kind `to` that the change appends: the
    /// authority's with its answer (released at once: a clerk chose them for the public), a
    /// citizen's with their feedback (hidden until a clerk releases them, as a filing's).
    Attach {
        /// The photos, in order.
        photos: Vec<PhotoRef>,
        /// The kind of the appended entry they belong to.
        to: EventKind,
        /// Whether the public sees them at once.
        released: bool,
    },
}

impl Action {
    /// The status whose answer template the action uses when the clerk gives no answer.
    pub fn template_status(&self) -> Option<&'static str> {
        match self {
            Action::ChangeStatus {
                to, answer: None, ..
            } => Some(to.as_str()),
            Action::MarkDuplicate { answer: None, .. } => Some(TargetStatus::Closed.as_str()),
            _ => None,
        }
    }
}

/// What an action needs to know beyond the report itself (loaded by the use case).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Whether the report already has a public answer (publishing it is then a reaction).
    pub has_public_answer: bool,
    /// The answer template for the target status in the report's language.
    pub template: Option<String>,
    /// The report's photo ids.
    pub photo_ids: Vec<String>,
}

/// What an allowed action changes: the report after it, the events recording it, a photo's
/// new visibility, and an event for a linked report (the original of a duplicate).
#[derive(Debug, Clone)]
pub struct Change {
    /// The report after the action.
    pub report: Report,
    /// Events to append to the report's history.
    pub events: Vec<NewEvent>,
    /// What happens to the report's photos.
    pub photo: Option<PhotoChange>,
    /// An event for another report.
    pub linked: Option<(ReportId, NewEvent)>,
}

/// Why the report's rules refuse an action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The action names something the report does not have (a photo).
    #[error("not found")]
    NotFound,
    /// A field of the action is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The report's state does not allow the action.
    #[error("{0}")]
    NotAllowed(String),
}

impl From<TransitionError> for Refusal {
    fn from(error: TransitionError) -> Self {
        Refusal::NotAllowed(error.to_string())
    }
}
