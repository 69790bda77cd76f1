//! Privacy self-service and retention (DSGVO Art. 17: the right to erasure; Art. 5(1)(e):
//! storage limitation).
//!
//! - [`erase`] — a contact leaves a report: through the removal link in every mail to a
//!   reporter or follower, or the reporter's key. Their address (and the reporter's name),
//!   follower row, mails and link tokens go; the report stays public with its history.
//! - [`retention`] — the job (`serve` hourly, `buergerbuero retention` for cron) that erases
//!   the contact data of reports closed for `BUERGERBUERO_RETENTION_DAYS` and anonymises
//!   clerk accounts deactivated for as long.
//!
//! Each erasure appends a `contact_erased` event to the report's internal history that names
//! no one. What exactly is deleted is one list per erasure in `store/privacy_sql.rs`.

pub mod erase;
pub mod retention;

use crate::domain::EventKind;

/// The events whose author (a clerk's email in `actor`) the retention job replaces with
/// [`ERASED_AUTHOR`]: the internal notes. Public answers and status changes keep their actor
/// until the clerk's account is anonymised.
pub const AUTHOR_ERASED_KINDS: &[EventKind] = &[EventKind::Note];

/// The actor an internal note names once its author was erased: a role, not a person.
pub const ERASED_AUTHOR: &str = "clerk";
