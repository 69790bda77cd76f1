//! What a report's history records: the kinds of events, an event as stored, and a new event
//! to append.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use chrono::{DateTime, Utc};

use super::ReportStatus;
use crate::domain::{AuthorityKey, InvalidValue};

/// What happened to a report, as its history records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Filed (public; names the responsible authority).
    Created,
    /// The reporter confirmed their address.
    Confirmed,
    /// Made public (by a clerk, or at once when moderation is off).
    Published,
    /// Kept from the public by a clerk.
    Hidden,
    /// A clerk replaced the public text (the old text is the body, for clerks).
    DescriptionEdited,
    /// A photo was released to the public.
    PhotoReleased,
    /// A photo was hidden.
    PhotoHidden,
    /// The status moved, with a public answer.
    StatusChanged,
    /// A public answer without a status change.
    Answer,
    /// An internal note.
    Note,
    /// Handed to another authority (public; names it).
    Forwarded,
    /// Why it was forwarded (internal).
    ForwardReason,
    /// Closed as a duplicate of another report.
    MarkedDuplicate,
    /// Another report was closed as a duplicate of this one (the body is its id).
    DuplicateLinked,
    /// The category changed (`old → new`).
    CategoryChanged,
    /// Opened again after resolved or closed.
    Reopened,
    /// A clerk took the report on, handed it to a colleague or gave it back (internal; the
    /// body names the clerk, none when given back).
    Assigned,
    /// A citizen who reported or follows it says a green or yellow-green report is still not
    /// fixed (public, without their identity): a reopen request for the clerks.
    CitizenNotFixed,
    /// A citizen who reported or follows it confirms it is fixed (public, without identity).
    CitizenConfirmedFixed,
    /// A clerk declined a citizen's reopen request (public, with the reason).
    ReopenDeclined,
    /// Contact data left the report (internal; records no data): the reporter's or a
    /// follower's removal link (actor `reporter` or `follower`), or the retention job
    /// (actor `system`).
    ContactErased,
    /// Parts of a photo were made unrecognisable (public, without who or where).
    PhotoRedacted,
    /// Which photo and rectangles a redaction covered (internal; the body names them).
    RedactionAreas,
}

impl EventKind {
    /// Every kind, in the order a report usually meets them.
    pub const ALL: [EventKind; 23] = [
        EventKind::Created,
        EventKind::Confirmed,
        EventKind::Published,
        EventKind::Hidden,
        EventKind::DescriptionEdited,
        EventKind::PhotoReleased,
        EventKind::PhotoHidden,
        EventKind::StatusChanged,
        EventKind::Answer,
        EventKind::Note,
        EventKind::Forwarded,
        EventKind::ForwardReason,
        EventKind::MarkedDuplicate,
        EventKind::DuplicateLinked,
        EventKind::CategoryChanged,
        EventKind::Reopened,
        EventKind::Assigned,
        EventKind::CitizenNotFixed,
        EventKind::CitizenConfirmedFixed,
        EventKind::ReopenDeclined,
        EventKind::ContactErased,
        EventKind::PhotoRedacted,
        EventKind::RedactionAreas,
    ];

    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "created",
            EventKind::Confirmed => "confirmed",
            EventKind::Published => "published",
            EventKind::Hidden => "hidden",
            EventKind::DescriptionEdited => "description_edited",
            EventKind::PhotoReleased => "photo_released",
            EventKind::PhotoHidden => "photo_hidden",
            EventKind::StatusChanged => "status_changed",
            EventKind::Answer => "answer",
            EventKind::Note => "note",
            EventKind::Forwarded => "forwarded",
            EventKind::ForwardReason => "forward_reason",
            EventKind::MarkedDuplicate => "marked_duplicate",
            EventKind::DuplicateLinked => "duplicate_linked",
            EventKind::CategoryChanged => "category_changed",
            EventKind::Reopened => "reopened",
            EventKind::Assigned => "assigned",
            EventKind::CitizenNotFixed => "citizen_not_fixed",
            EventKind::CitizenConfirmedFixed => "citizen_confirmed_fixed",
            EventKind::ReopenDeclined => "reopen_declined",
            EventKind::ContactErased => "contact_erased",
            EventKind::PhotoRedacted => "photo_redacted",
            EventKind::RedactionAreas => "redaction_areas",
        }
    }

    /// Whether the event moved the report's status (its `status` is then the new one).
    pub fn moves_status(self) -> bool {
        matches!(
            self,
            EventKind::StatusChanged | EventKind::MarkedDuplicate | EventKind::Reopened
        )
    }

    /// Whether the event is the authority's public word on the report: a published report
    /// that has one counts as reacted to.
    pub fn is_public_answer(self) -> bool {
        matches!(self, EventKind::Answer | EventKind::StatusChanged)
    }

    /// The German and English label of the clerk's history.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            EventKind::Created => ("Eingegangen", "Filed"),
            EventKind::Confirmed => ("E-Mail bestätigt", "Email confirmed"),
            EventKind::Published => ("Veröffentlicht", "Published"),
            EventKind::Hidden => ("Verborgen", "Hidden"),
            EventKind::DescriptionEdited => (
                "Text bearbeitet (vorheriger Text)",
                "Text edited (previous text)",
            ),
            EventKind::PhotoReleased => ("Foto freigegeben", "Photo released"),
            EventKind::PhotoHidden => ("Foto verborgen", "Photo hidden"),
            EventKind::StatusChanged => ("Status geändert", "Status changed"),
            EventKind::Answer => ("Antwort", "Answer"),
            EventKind::Note => ("Interne Notiz", "Internal note"),
            EventKind::Forwarded => ("Weitergeleitet", "Forwarded"),
            EventKind::ForwardReason => ("Grund der Weiterleitung", "Reason for forwarding"),
            EventKind::MarkedDuplicate => ("Als Duplikat geschlossen", "Closed as duplicate"),
            EventKind::DuplicateLinked => ("Duplikat verknüpft", "Duplicate linked"),
            EventKind::CategoryChanged => ("Kategorie geändert", "Category changed"),
            EventKind::Reopened => ("Wieder geöffnet", "Reopened"),
            EventKind::Assigned => ("Zuständigkeit", "Assignment"),
            EventKind::CitizenNotFixed => (
                "Bürger*in: nicht behoben (Bitte um Wiederaufnahme)",
                "Citizen: not fixed (reopen request)",
            ),
            EventKind::CitizenConfirmedFixed => {
                ("Bürger*in bestätigt: behoben", "Citizen confirms: fixed")
            }
            EventKind::ReopenDeclined => ("Wiederaufnahme abgelehnt", "Reopen request declined"),
            EventKind::ContactErased => ("Kontaktdaten gelöscht", "Contact data erased"),
            EventKind::PhotoRedacted => ("Foto unkenntlich gemacht", "Photo redacted"),
            EventKind::RedactionAreas => ("Unkenntlich gemachte Bereiche", "Redacted areas"),
        }
    }
}

impl EventKind {
    /// The German and English label of the public history, which tells a citizen what
    /// happened in their words ("Antwort der Behörde"); kinds the public never sees keep the
    /// clerk's label.
    pub fn public_label(self) -> (&'static str, &'static str) {
        match self {
            EventKind::Created => ("Gemeldet", "Reported"),
            EventKind::Answer => ("Antwort der Behörde", "Answer from the authority"),
            EventKind::Forwarded => (
                "An eine andere Behörde weitergeleitet",
                "Forwarded to another authority",
            ),
            EventKind::MarkedDuplicate => {
                ("Als Doppelmeldung geschlossen", "Closed as a duplicate")
            }
            EventKind::DuplicateLinked => (
                "Eine Doppelmeldung wurde hiermit verknüpft",
                "A duplicate was linked to this report",
            ),
            EventKind::CitizenNotFixed => (
                "Rückmeldung: noch nicht behoben",
                "Feedback: still not fixed",
            ),
            EventKind::CitizenConfirmedFixed => (
                "Rückmeldung: behoben bestätigt",
                "Feedback: confirmed fixed",
            ),
            EventKind::ReopenDeclined => (
                "Wiederaufnahme abgelehnt (Antwort der Behörde)",
                "Reopening declined (answer from the authority)",
            ),
            EventKind::PhotoRedacted => (
                "Ein Foto wurde teilweise unkenntlich gemacht",
                "Parts of a photo were made unrecognisable",
            ),
            other => other.label(),
        }
    }

    /// Whether the public history shows the light this event set: the filing (red) and
    /// every status move.
    pub fn shows_light(self) -> bool {
        self == EventKind::Created || self.moves_status()
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventKind {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| InvalidValue::new("kind", format!("{s:?} is not an event kind")))
    }
}

/// An event to append to a report's history; the store stamps it with the change's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// Who did it (an account's email, `reporter` or `system`).
    pub actor: String,
    /// Part of the public history.
    pub public: bool,
    /// The report's status after the event.
    pub status: Option<ReportStatus>,
    /// The answer, note or reason.
    pub body: Option<String>,
    /// The authority a forwarding handed the report to.
    pub authority: Option<AuthorityKey>,
}

/// An event of a report's history, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Its number (increasing in the order events were stored; photos of an answer name it).
    pub id: i64,
    /// What happened.
    pub kind: EventKind,
    /// Who did it (an account's email, `reporter` or `system`).
    pub actor: String,
    /// Part of the public history.
    pub public: bool,
    /// The name of the report's status after the event (`open`, `closed`, …; the close
    /// reason is the report's, not the event's).
    pub status: Option<String>,
    /// The answer, note or reason.
    pub body: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
    /// The authority a forwarding handed the report to.
    pub authority: Option<AuthorityKey>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_parses_back_and_has_two_labels() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).ok(), Some(kind.as_str().into()));
            let (de, en) = kind.label();
            assert!(!de.is_empty() && !en.is_empty(), "{kind}");
            let (de, en) = kind.public_label();
            assert!(!de.is_empty() && !en.is_empty(), "{kind}");
        }
        assert!("renamed".parse::<EventKind>().is_err());
    }
}
