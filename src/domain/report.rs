//! Reports: their identity, validated input, the status state machine and the traffic light.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use uuid::Uuid;

use super::InvalidValue;

/// A report's id: a UUID v7, so ids sort by filing time (keyset pagination relies on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ReportId(Uuid);

impl ReportId {
    /// A new id for a report filed now.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses the textual UUID form.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        Uuid::parse_str(s)
            .map(Self)
            .map_err(|_| InvalidValue::new("id", format!("{s:?} is not a report id")))
    }

    /// The UUID.
    pub fn uuid(self) -> Uuid {
        self.0
    }
}

impl Default for ReportId {
    fn default() -> Self {
        Self::new()
    }
}

impl From<Uuid> for ReportId {
    fn from(uuid: Uuid) -> Self {
        Self(uuid)
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Why a report was closed as yellow-green; always shown to the public.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum CloseReason {
    /// Another body is responsible; `responsible` says who.
    NotResponsible {
        /// Who is responsible instead.
        responsible: String,
    },
    /// The place is private property.
    PrivateProperty,
    /// The authority has no funds for it.
    NoFunds,
    /// What was reported is not a defect.
    NotADefect,
    /// Another report describes the same problem.
    Duplicate {
        /// The report this one duplicates.
        of: ReportId,
    },
}

impl CloseReason {
    /// The stored reason code.
    pub fn code(&self) -> &'static str {
        match self {
            CloseReason::NotResponsible { .. } => "not_responsible",
            CloseReason::PrivateProperty => "private_property",
            CloseReason::NoFunds => "no_funds",
            CloseReason::NotADefect => "not_a_defect",
            CloseReason::Duplicate { .. } => "duplicate",
        }
    }
}

/// A report's workflow status (DESIGN §2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportStatus {
    /// Waits for the reporter's email confirmation; not public.
    Unconfirmed,
    /// Received; nobody has reacted yet (red).
    Open,
    /// The authority answered; work planned or under way (yellow).
    InProgress,
    /// The authority says it is fixed (green).
    Resolved,
    /// Handled but not fixed by this authority, with a public reason (yellow-green).
    Closed(CloseReason),
}

/// The traffic light the public sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    /// Received.
    Red,
    /// In progress.
    Yellow,
    /// Fixed.
    Green,
    /// Handled, not fixable here.
    YellowGreen,
}

impl Light {
    /// Every light, in workflow order.
    pub const ALL: [Light; 4] = [Light::Red, Light::Yellow, Light::Green, Light::YellowGreen];

    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Light::Red => "red",
            Light::Yellow => "yellow",
            Light::Green => "green",
            Light::YellowGreen => "yellow_green",
        }
    }
}

impl FromStr for Light {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Light::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| InvalidValue::new("light", format!("{s:?} is not a light")))
    }
}

/// A move in the workflow. Forwarding and answers without a status change are not moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The reporter clicked the confirmation link.
    Confirm,
    /// The authority reacted and works on it.
    StartWork,
    /// The authority says it is fixed.
    Resolve,
    /// Handled but not fixable here, with the public reason.
    Close(CloseReason),
    /// Back to open after resolved or closed (a reason is recorded in the event).
    Reopen,
}

/// A move the state machine does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a report that is {from} cannot be {action}")]
pub struct TransitionError {
    /// The current status.
    pub from: &'static str,
    /// The refused move.
    pub action: &'static str,
}

impl ReportStatus {
    /// Every status name, in workflow order.
    pub const NAMES: [&'static str; 5] =
        ["unconfirmed", "open", "in_progress", "resolved", "closed"];

    /// The API and database name.
    pub fn as_str(&self) -> &'static str {
        match self {
            ReportStatus::Unconfirmed => "unconfirmed",
            ReportStatus::Open => "open",
            ReportStatus::InProgress => "in_progress",
            ReportStatus::Resolved => "resolved",
            ReportStatus::Closed(_) => "closed",
        }
    }

    /// The public light; `None` while unconfirmed (not public).
    pub fn light(&self) -> Option<Light> {
        match self {
            ReportStatus::Unconfirmed => None,
            ReportStatus::Open => Some(Light::Red),
            ReportStatus::InProgress => Some(Light::Yellow),
            ReportStatus::Resolved => Some(Light::Green),
            ReportStatus::Closed(_) => Some(Light::YellowGreen),
        }
    }

    /// Applies a move, or says why it is not allowed.
    ///
    /// Allowed: unconfirmed → open (confirm); open → in progress; open / in progress →
    /// resolved or closed; closed → resolved (the problem went away after all, as in Maerker);
    /// resolved / closed → open (reopen). Everything else is refused.
    pub fn apply(&self, transition: Transition) -> Result<ReportStatus, TransitionError> {
        use ReportStatus::*;
        let next = match (self, &transition) {
            (Unconfirmed, Transition::Confirm) => Some(Open),
            (Open, Transition::StartWork) => Some(InProgress),
            (Open | InProgress | Closed(_), Transition::Resolve) => Some(Resolved),
            (Open | InProgress, Transition::Close(reason)) => Some(Closed(reason.clone())),
            (Resolved | Closed(_), Transition::Reopen) => Some(Open),
            _ => None,
        };
        next.ok_or(TransitionError {
            from: self.as_str(),
            action: match transition {
                Transition::Confirm => "confirmed",
                Transition::StartWork => "put in progress",
                Transition::Resolve => "resolved",
                Transition::Close(_) => "closed",
                Transition::Reopen => "reopened",
            },
        })
    }
}

/// Whether the public may see a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Awaiting moderation.
    Pending,
    /// Public.
    Published,
    /// Kept from the public by a clerk.
    Hidden,
}

impl Visibility {
    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Pending => "pending",
            Visibility::Published => "published",
            Visibility::Hidden => "hidden",
        }
    }
}

impl FromStr for Visibility {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [
            Visibility::Pending,
            Visibility::Published,
            Visibility::Hidden,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| InvalidValue::new("visibility", format!("{s:?} is not a visibility")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_statuses() -> Vec<ReportStatus> {
        vec![
            ReportStatus::Unconfirmed,
            ReportStatus::Open,
            ReportStatus::InProgress,
            ReportStatus::Resolved,
            ReportStatus::Closed(CloseReason::NoFunds),
        ]
    }

    fn all_transitions() -> Vec<Transition> {
        vec![
            Transition::Confirm,
            Transition::StartWork,
            Transition::Resolve,
            Transition::Close(CloseReason::PrivateProperty),
            Transition::Reopen,
        ]
    }

    /// The whole table: every status × every move, allowed ones with their result.
    #[test]
    fn every_allowed_and_forbidden_move() {
        use ReportStatus::*;
        let closed = Closed(CloseReason::PrivateProperty);
        let expected: [[Option<ReportStatus>; 5]; 5] = [
            // Confirm, StartWork, Resolve, Close, Reopen
            [Some(Open), None, None, None, None], // unconfirmed
            [
                None,
                Some(InProgress),
                Some(Resolved),
                Some(closed.clone()),
                None,
            ], // open
            [None, None, Some(Resolved), Some(closed.clone()), None], // in progress
            [None, None, None, None, Some(Open)], // resolved
            [None, None, Some(Resolved), None, Some(Open)], // closed
        ];
        for (status, row) in all_statuses().iter().zip(expected) {
            for (transition, want) in all_transitions().into_iter().zip(row) {
                let got = status.apply(transition.clone()).ok();
                assert_eq!(got, want, "{} + {transition:?}", status.as_str());
            }
        }
    }

    #[test]
    fn refusals_say_what_was_refused() {
        let error = ReportStatus::Resolved
            .apply(Transition::StartWork)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "a report that is resolved cannot be put in progress"
        );
    }

    #[test]
    fn lights_follow_maerker() {
        let lights: Vec<Option<Light>> = all_statuses().iter().map(ReportStatus::light).collect();
        assert_eq!(
            lights,
            [
                None,
                Some(Light::Red),
                Some(Light::Yellow),
                Some(Light::Green),
                Some(Light::YellowGreen)
            ]
        );
        for light in Light::ALL {
            assert_eq!(light.as_str().parse::<Light>(), Ok(light));
        }
    }

    #[test]
    fn ids_sort_by_time_and_parse() {
        let a = ReportId::new();
        let b = ReportId::new();
        assert!(a < b);
        assert_eq!(ReportId::parse(&a.to_string()), Ok(a));
        assert!(ReportId::parse("nope").is_err());
    }
}
