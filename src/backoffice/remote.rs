//! What a back office says about a request, and which of our actions bring a report to the
//! same state. Pure: the worker fetches, this decides, `workflow::act` applies.

use serde_json::Value;

use crate::domain::{Action, CloseReason, ReportStatus, TargetStatus};

/// One `request` of a back office's `requests.json`, as far as we use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteRequest {
    /// `service_request_id`.
    pub id: String,
    /// `open` or `closed` (the spec's two statuses).
    pub status: String,
    /// `status_notes`: the back office's public answer.
    pub status_notes: Option<String>,
    /// `updated_datetime`.
    pub updated: Option<String>,
    /// `extended_attributes.buergerbuero_status` of a back office that is this service.
    pub detailed: Option<String>,
    /// `extended_attributes.close_reason`.
    pub close_reason: Option<String>,
    /// `extended_attributes.close_detail` (who is responsible instead).
    pub close_detail: Option<String>,
}

fn text(value: &Value, field: &str) -> Option<String> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl RemoteRequest {
    /// Reads one item of the list; `None` without an id or a status.
    pub fn from_json(item: &Value) -> Option<Self> {
        let extended = item.get("extended_attributes").unwrap_or(&Value::Null);
        Some(Self {
            id: text(item, "service_request_id")?,
            status: text(item, "status")?.to_ascii_lowercase(),
            status_notes: text(item, "status_notes"),
            updated: text(item, "updated_datetime"),
            detailed: text(extended, "buergerbuero_status"),
            close_reason: text(extended, "close_reason"),
            close_detail: text(extended, "close_detail"),
        })
    }

    /// What is remembered of the remote state once applied: the same key again is nothing new.
    pub fn state_key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.target(),
            self.close_reason.as_deref().unwrap_or_default(),
            self.updated.as_deref().unwrap_or_default()
        )
    }

    /// Our status the remote state means: the detailed one where the back office sends it,
    /// else `closed` → resolved (green) and `open` → open.
    fn target(&self) -> &str {
        match self.detailed.as_deref() {
            Some(s @ ("open" | "in_progress" | "resolved" | "closed")) => s,
            _ if self.status == "closed" => "resolved",
            _ => "open",
        }
    }

    /// The actions (in order) that bring a report of status `current` to the remote state;
    /// empty when it is there already or when there is no such move (a remote duplicate, a
    /// report waiting for its reporter).
    pub fn actions_for(&self, current: &ReportStatus) -> Vec<Action> {
        let now = current.as_str();
        let target = self.target();
        let finished = matches!(current, ReportStatus::Resolved | ReportStatus::Closed(_));
        if *current == ReportStatus::Unconfirmed {
            return Vec::new();
        }
        let answer = self.status_notes.clone();
        let status = |to: TargetStatus, reason: Option<String>, responsible: Option<String>| {
            Action::ChangeStatus {
                to,
                answer: answer.clone(),
                reason,
                responsible,
            }
        };
        let reopen = || Action::Reopen {
            in_progress: false,
            reason: answer.clone().unwrap_or_else(|| {
                "Die zuständige Stelle hat die Meldung in ihrem System wieder geöffnet.".into()
            }),
        };
        match target {
            "open" if finished => vec![reopen()],
            "in_progress" if finished => {
                vec![reopen(), status(TargetStatus::InProgress, None, None)]
            }
            "in_progress" if now == "open" => vec![status(TargetStatus::InProgress, None, None)],
            "resolved" if now != "resolved" => vec![status(TargetStatus::Resolved, None, None)],
            "closed" => {
                let reason = self.close_reason.as_deref().unwrap_or("not_a_defect");
                if !CloseReason::STATUS_CODES.contains(&reason) {
                    // `duplicate` names a report of the back office, not one of ours.
                    return Vec::new();
                }
                if current.close_reason().map(CloseReason::code) == Some(reason) {
                    return Vec::new();
                }
                let responsible = (reason == "not_responsible").then(|| {
                    self.close_detail
                        .clone()
                        .unwrap_or_else(|| "eine andere Stelle".into())
                });
                let mut actions = if finished { vec![reopen()] } else { Vec::new() };
                actions.push(status(
                    TargetStatus::Closed,
                    Some(reason.to_owned()),
                    responsible,
                ));
                actions
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn remote(item: Value) -> RemoteRequest {
        RemoteRequest::from_json(&item).unwrap()
    }

    #[test]
    fn a_plain_closed_request_resolves_the_report_with_its_notes() {
        let r = remote(json!({"service_request_id": "7", "status": "closed",
            "status_notes": "Lampe getauscht", "updated_datetime": "2026-01-01T10:00:00Z"}));
        assert_eq!(
            r.actions_for(&ReportStatus::Open),
            vec![Action::ChangeStatus {
                to: TargetStatus::Resolved,
                answer: Some("Lampe getauscht".into()),
                reason: None,
                responsible: None
            }]
        );
        assert!(r.actions_for(&ReportStatus::Resolved).is_empty());
        assert!(r.actions_for(&ReportStatus::Unconfirmed).is_empty());
    }

    #[test]
    fn extensions_give_the_detailed_status_and_the_close_reason() {
        let working = remote(json!({"service_request_id": "7", "status": "open",
            "extended_attributes": {"buergerbuero_status": "in_progress"}}));
        assert!(matches!(
            working.actions_for(&ReportStatus::Open)[..],
            [Action::ChangeStatus {
                to: TargetStatus::InProgress,
                ..
            }]
        ));
        assert!(working.actions_for(&ReportStatus::InProgress).is_empty());
        let closed = remote(json!({"service_request_id": "7", "status": "closed",
            "status_notes": "Kein Geld",
            "extended_attributes": {"buergerbuero_status": "closed", "close_reason": "no_funds"}}));
        assert_eq!(
            closed.actions_for(&ReportStatus::InProgress),
            vec![Action::ChangeStatus {
                to: TargetStatus::Closed,
                answer: Some("Kein Geld".into()),
                reason: Some("no_funds".into()),
                responsible: None
            }]
        );
        assert!(
            closed
                .actions_for(&ReportStatus::Closed(CloseReason::NoFunds))
                .is_empty()
        );
        let duplicate = remote(json!({"service_request_id": "7", "status": "closed",
            "extended_attributes": {"buergerbuero_status": "closed", "close_reason": "duplicate"}}));
        assert!(duplicate.actions_for(&ReportStatus::Open).is_empty());
    }

    #[test]
    fn a_request_opened_again_reopens_a_finished_report() {
        let r = remote(json!({"service_request_id": "7", "status": "open"}));
        assert!(matches!(
            r.actions_for(&ReportStatus::Resolved)[..],
            [Action::Reopen { .. }]
        ));
        assert!(r.actions_for(&ReportStatus::InProgress).is_empty());
        assert_ne!(
            r.state_key(),
            remote(json!({"service_request_id": "7", "status": "closed"})).state_key()
        );
    }

    #[test]
    fn items_without_id_or_status_are_skipped() {
        assert_eq!(RemoteRequest::from_json(&json!({"status": "open"})), None);
        assert_eq!(
            RemoteRequest::from_json(&json!({"service_request_id": "1"})),
            None
        );
    }
}
