//! The domain types of buergerbuero and their rules. No I/O and no framework types live here:
//! every type validates on construction, so code holding one can rely on it.

mod area;
mod authority;
mod category;
mod coordinates;
mod holidays;
mod media_url;
mod new_report;
mod report;
mod state;
pub mod text;
mod working_days;

pub use area::{Area, AreaKey, Kreis};
pub use authority::{Authority, AuthorityKey, AuthorityKind};
pub use category::{Category, CategoryCode, RoutingRule, RoutingScope, RoutingTarget};
pub use coordinates::{Coordinates, CoordinatesError};
pub use holidays::{PublicHoliday, easter_sunday, is_public_holiday, public_holidays};
pub use media_url::{MEDIA_URL_MAX_CHARS, MediaUrl};
pub use new_report::{
    ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS, EMAIL_MAX_CHARS, Email, Language, NAME_MAX_CHARS,
    NewReport, ReportInput,
};
pub use report::{
    Action, Assignee, Change, CitizenFeedback, CloseReason, Event, EventKind, Facts, Intake, Light,
    MAX_ANSWER_PHOTOS, MAX_FEEDBACK_PHOTOS, NewEvent, PhotoChange, PhotoRef, Placement, Refusal,
    Report, ReportId, ReportStatus, TargetStatus, Timeline, Transition, TransitionError,
    Visibility,
};
pub use state::State;
pub use working_days::{
    add_working_days, berlin_local, berlin_to_utc, is_working_day, reaction_deadline,
    working_days_between,
};

/// A value that failed validation: which field, and why (in English; the HTTP layer adds German).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct InvalidValue {
    /// The field (or parameter) that holds the bad value.
    pub field: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl InvalidValue {
    /// A validation failure for `field`.
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}
