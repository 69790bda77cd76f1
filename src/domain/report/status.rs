//! The report's status state machine, its close reasons, the traffic light and visibility.

use std::str::FromStr;

use serde::Serialize;

use super::ReportId;
use crate::domain::InvalidValue;

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
    /// The reasons a clerk may close a report for with a status change; `duplicate` has its
    /// own action, because it links two reports.
    pub const STATUS_CODES: [&'static str; 4] = [
        "not_responsible",
        "private_property",
        "no_funds",
        "not_a_defect",
    ];

    /// The reason a code names, with who is responsible (`not_responsible`) or the original
    /// (`duplicate`) where the reason needs one.
    pub fn from_code(
        code: &str,
        responsible: Option<String>,
        duplicate_of: Option<ReportId>,
    ) -> Result<Self, InvalidValue> {
        let missing = |what: &str| InvalidValue::new("reason", format!("{code} needs {what}"));
        Ok(match code {
            "not_responsible" => CloseReason::NotResponsible {
                responsible: responsible.ok_or_else(|| missing("who is responsible"))?,
            },
            "private_property" => CloseReason::PrivateProperty,
            "no_funds" => CloseReason::NoFunds,
            "not_a_defect" => CloseReason::NotADefect,
            "duplicate" => CloseReason::Duplicate {
                of: duplicate_of.ok_or_else(|| missing("the original report"))?,
            },
            other => {
                return Err(InvalidValue::new(
                    "reason",
                    format!("{other:?} is not a close reason"),
                ));
            }
        })
    }

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

    /// The light of a status by its name (`None` for `unconfirmed`, which is not public, and
    /// for names that are no status): for read models that carry only the name (statistics,
    /// history entries). The one place where statuses meet lights.
    pub fn of_status_name(name: &str) -> Option<Light> {
        match name {
            "open" => Some(Light::Red),
            "in_progress" => Some(Light::Yellow),
            "resolved" => Some(Light::Green),
            "closed" => Some(Light::YellowGreen),
            _ => None,
        }
    }

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

    /// The status a stored name and close reason describe.
    pub fn from_parts(name: &str, reason: Option<CloseReason>) -> Result<Self, InvalidValue> {
        let status = match (name, reason) {
            ("unconfirmed", None) => ReportStatus::Unconfirmed,
            ("open", None) => ReportStatus::Open,
            ("in_progress", None) => ReportStatus::InProgress,
            ("resolved", None) => ReportStatus::Resolved,
            ("closed", Some(reason)) => ReportStatus::Closed(reason),
            (name, reason) => {
                return Err(InvalidValue::new(
                    "status",
                    format!("{name:?} with close reason {reason:?} is not a status"),
                ));
            }
        };
        Ok(status)
    }

    /// The close reason of a yellow-green report.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        match self {
            ReportStatus::Closed(reason) => Some(reason),
            _ => None,
        }
    }

    /// Whether the authority is done with it (green or yellow-green).
    pub fn is_done(&self) -> bool {
        matches!(self, ReportStatus::Resolved | ReportStatus::Closed(_))
    }

    /// The public light; `None` while unconfirmed (not public).
    pub fn light(&self) -> Option<Light> {
        Light::of_status_name(self.as_str())
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
}
