//! The clerk workflow: one action of a clerk on a report — checked against the clerk's
//! authorities and the status state machine, turned into the report's new state and the events
//! that record it (with actor and time), and stored in one transaction that fails if someone
//! else changed the report meanwhile.
//!
//! [`plan`] is pure (row in, row and events out) so every rule is unit-tested without a
//! database; [`act`] loads what a plan needs and stores it.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::Actor;
use crate::domain::{
    AuthorityKey, CategoryCode, CloseReason, DESCRIPTION_MAX_CHARS, ReportId, ReportStatus,
    Transition, TransitionError,
};
use crate::jurisdiction::JurisdictionHandle;
use crate::notify::MailChanges;
use crate::notify::compose::Composer;
use crate::notify::events;
use crate::store::clerk::{NewEvent, ReportUpdate};
use crate::store::reports::ReportRow;
use crate::store::{self, Store};

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
    /// Parses the API name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_progress" => Some(Self::InProgress),
            "resolved" => Some(Self::Resolved),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }

    /// The API and database name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Resolved => "resolved",
            Self::Closed => "closed",
        }
    }
}

/// The reasons a report may be closed yellow-green for, besides `duplicate` (which has its
/// own action, because it links two reports).
pub const CLOSE_REASONS: [&str; 4] = [
    "not_responsible",
    "private_property",
    "no_funds",
    "not_a_defect",
];

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
        /// For `closed`: one of [`CLOSE_REASONS`].
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
    /// Open a resolved or closed report again.
    Reopen {
        /// Why (public).
        reason: String,
    },
}

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    /// No such report, or not one of the actor's authorities (indistinguishable on purpose).
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
    /// A referenced authority, report or category does not exist.
    #[error("{field}: {reason}")]
    UnknownReference {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// The report's state does not allow the action.
    #[error("{0}")]
    NotAllowed(String),
    /// Someone changed the report at the same time; reload and retry.
    #[error("the report was changed concurrently")]
    Conflict,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<TransitionError> for WorkflowError {
    fn from(error: TransitionError) -> Self {
        WorkflowError::NotAllowed(error.to_string())
    }
}

impl From<store::Error> for WorkflowError {
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::NotFound => WorkflowError::NotFound,
            store::Error::Conflict { constraint } if constraint == store::clerk::REVISION => {
                WorkflowError::Conflict
            }
            other => WorkflowError::Internal(other.into()),
        }
    }
}

/// What a plan needs to know beyond the report row.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Whether the report already has a public answer (publishing it is then a reaction).
    pub has_public_answer: bool,
    /// The answer template for the target status in the report's language.
    pub template: Option<String>,
    /// The report's photo ids.
    pub photo_ids: Vec<String>,
}

/// A planned change: the new row, the events to append, a photo's new visibility, and an
/// event for a linked report (the original of a duplicate).
#[derive(Debug, Clone)]
pub struct Plan {
    /// The report after the action.
    pub new: ReportRow,
    /// Events to append to the report's history.
    pub events: Vec<NewEvent>,
    /// A photo to release (`true`) or hide.
    pub photo: Option<(String, bool)>,
    /// An event for another report.
    pub linked: Option<(Uuid, NewEvent)>,
}

/// A required free text (answer, note, reason): trimmed, 1 to 4,000 characters.
fn required_text(field: &'static str, text: &str) -> Result<String, WorkflowError> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > DESCRIPTION_MAX_CHARS {
        return Err(WorkflowError::Invalid {
            field,
            reason: format!("must have 1 to {DESCRIPTION_MAX_CHARS} characters"),
        });
    }
    Ok(text.to_owned())
}

/// The public answer: the given one, else the template.
fn answer_or_template(answer: Option<&str>, facts: &Facts) -> Result<String, WorkflowError> {
    match answer {
        Some(text) => required_text("answer", text),
        None => facts
            .template
            .clone()
            .ok_or_else(|| WorkflowError::Invalid {
                field: "answer",
                reason: "no answer given and no template for this status".into(),
            }),
    }
}

/// The status stored in a row, as the domain type.
fn status_of(row: &ReportRow) -> Result<ReportStatus, WorkflowError> {
    let reason = || -> Result<CloseReason, WorkflowError> {
        Ok(match row.close_reason.as_deref() {
            Some("not_responsible") => CloseReason::NotResponsible {
                responsible: row.close_detail.clone().unwrap_or_default(),
            },
            Some("private_property") => CloseReason::PrivateProperty,
            Some("no_funds") => CloseReason::NoFunds,
            Some("not_a_defect") => CloseReason::NotADefect,
            Some("duplicate") => CloseReason::Duplicate {
                of: row.duplicate_of.map(ReportId::from).unwrap_or_default(),
            },
            other => {
                return Err(WorkflowError::Internal(anyhow::anyhow!(
                    "report {} is closed with reason {other:?}",
                    row.id
                )));
            }
        })
    };
    Ok(match row.status.as_str() {
        "unconfirmed" => ReportStatus::Unconfirmed,
        "open" => ReportStatus::Open,
        "in_progress" => ReportStatus::InProgress,
        "resolved" => ReportStatus::Resolved,
        "closed" => ReportStatus::Closed(reason()?),
        other => {
            return Err(WorkflowError::Internal(anyhow::anyhow!(
                "report {} has status {other:?}",
                row.id
            )));
        }
    })
}

/// Writes a status into the row (with its close reason) and stamps the times it moves.
fn set_status(row: &mut ReportRow, status: &ReportStatus, now: DateTime<Utc>) {
    row.status = status.as_str().to_owned();
    row.status_changed_at = now;
    let (reason, detail, duplicate_of) = match status {
        ReportStatus::Closed(reason) => match reason {
            CloseReason::NotResponsible { responsible } => {
                (Some(reason.code()), Some(responsible.clone()), None)
            }
            CloseReason::Duplicate { of } => (Some(reason.code()), None, Some(of.uuid())),
            other => (Some(other.code()), None, None),
        },
        _ => (None, None, None),
    };
    row.close_reason = reason.map(str::to_owned);
    row.close_detail = detail;
    row.duplicate_of = duplicate_of;
    row.resolved_at =
        matches!(status, ReportStatus::Resolved | ReportStatus::Closed(_)).then_some(now);
}

/// Turns an action on `row` into a plan, or refuses it. The caller has checked that the actor
/// handles the report's authority and that referenced reports, authorities and categories
/// exist.
pub fn plan(
    row: &ReportRow,
    action: &Action,
    actor: &Actor,
    facts: &Facts,
    now: DateTime<Utc>,
) -> Result<Plan, WorkflowError> {
    let mut new = row.clone();
    new.updated_at = now;
    let status = status_of(row)?;
    let event = |kind: &'static str, public: bool, body: Option<String>| NewEvent {
        kind,
        actor: actor.email.clone(),
        public,
        status: Some(row.status.clone()),
        body,
        authority_key: None,
    };
    let mut events = Vec::new();
    let mut photo = None;
    let mut linked = None;
    let mut reaction = false;
    match action {
        Action::Publish => {
            if status == ReportStatus::Unconfirmed {
                return Err(WorkflowError::NotAllowed(
                    "the report waits for the reporter's confirmation and cannot be published yet"
                        .into(),
                ));
            }
            if row.visibility == "published" {
                return Err(WorkflowError::NotAllowed(
                    "the report is already published".into(),
                ));
            }
            new.visibility = "published".into();
            events.push(event("published", false, None));
            reaction = facts.has_public_answer;
        }
        Action::Hide { reason } => {
            if row.visibility == "hidden" {
                return Err(WorkflowError::NotAllowed(
                    "the report is already hidden".into(),
                ));
            }
            let reason = reason
                .as_deref()
                .map(|r| required_text("reason", r))
                .transpose()?;
            new.visibility = "hidden".into();
            events.push(event("hidden", false, reason));
        }
        Action::EditDescription { text } => {
            let text = required_text("description", text)?;
            if text == row.description {
                return Err(WorkflowError::NotAllowed("the text is unchanged".into()));
            }
            if new.original_description.is_none() {
                new.original_description = Some(row.description.clone());
            }
            events.push(event(
                "description_edited",
                false,
                Some(row.description.clone()),
            ));
            new.description = text;
        }
        Action::SetPhotoVisible { photo_id, visible } => {
            if !facts.photo_ids.iter().any(|id| id == photo_id) {
                return Err(WorkflowError::NotFound);
            }
            let kind = if *visible {
                "photo_released"
            } else {
                "photo_hidden"
            };
            events.push(event(kind, false, Some(photo_id.clone())));
            photo = Some((photo_id.clone(), *visible));
        }
        Action::ChangeStatus {
            to,
            answer,
            reason,
            responsible,
        } => {
            let transition = match to {
                TargetStatus::InProgress => Transition::StartWork,
                TargetStatus::Resolved => Transition::Resolve,
                TargetStatus::Closed => {
                    Transition::Close(close_reason(reason.as_deref(), responsible.as_deref())?)
                }
            };
            let next = status.apply(transition)?;
            let answer = answer_or_template(answer.as_deref(), facts)?;
            set_status(&mut new, &next, now);
            events.push(NewEvent {
                status: Some(next.as_str().to_owned()),
                ..event("status_changed", true, Some(answer))
            });
            reaction = true;
        }
        Action::Answer { text } => {
            if status == ReportStatus::Unconfirmed {
                return Err(WorkflowError::NotAllowed(
                    "the report waits for the reporter's confirmation".into(),
                ));
            }
            events.push(event("answer", true, Some(required_text("text", text)?)));
            reaction = row.visibility == "published";
        }
        Action::Note { text } => {
            events.push(event("note", false, Some(required_text("text", text)?)));
        }
        Action::Forward { to, reason } => {
            if to.as_str() == row.authority_key {
                return Err(WorkflowError::Invalid {
                    field: "authority",
                    reason: "the report is already with this authority".into(),
                });
            }
            let reason = required_text("reason", reason)?;
            new.authority_key = to.as_str().to_owned();
            new.authority_since = Some(now);
            events.push(NewEvent {
                authority_key: Some(to.as_str().to_owned()),
                ..event("forwarded", true, None)
            });
            events.push(event("forward_reason", false, Some(reason)));
        }
        Action::MarkDuplicate { of, answer } => {
            if of.uuid() == row.id {
                return Err(WorkflowError::Invalid {
                    field: "of",
                    reason: "a report cannot duplicate itself".into(),
                });
            }
            let next = status.apply(Transition::Close(CloseReason::Duplicate { of: *of }))?;
            let answer = answer_or_template(answer.as_deref(), facts)?;
            set_status(&mut new, &next, now);
            events.push(NewEvent {
                status: Some(next.as_str().to_owned()),
                ..event("marked_duplicate", true, Some(answer))
            });
            linked = Some((
                of.uuid(),
                NewEvent {
                    kind: "duplicate_linked",
                    actor: actor.email.clone(),
                    public: true,
                    status: None,
                    body: Some(row.id.to_string()),
                    authority_key: None,
                },
            ));
            reaction = true;
        }
        Action::ChangeCategory { to } => {
            if to.as_str() == row.category_code {
                return Err(WorkflowError::NotAllowed(
                    "the category is unchanged".into(),
                ));
            }
            events.push(event(
                "category_changed",
                true,
                Some(format!("{} → {}", row.category_code, to.as_str())),
            ));
            new.category_code = to.as_str().to_owned();
        }
        Action::Reopen { reason } => {
            let reason = required_text("reason", reason)?;
            let next = status.apply(Transition::Reopen)?;
            set_status(&mut new, &next, now);
            events.push(NewEvent {
                status: Some(next.as_str().to_owned()),
                ..event("reopened", true, Some(reason))
            });
        }
    }
    if reaction && new.first_reaction_at.is_none() && new.status != "unconfirmed" {
        new.first_reaction_at = Some(now);
    }
    Ok(Plan {
        new,
        events,
        photo,
        linked,
    })
}

/// The close reason from the API's fields.
fn close_reason(
    reason: Option<&str>,
    responsible: Option<&str>,
) -> Result<CloseReason, WorkflowError> {
    let invalid = |field: &'static str, reason: String| WorkflowError::Invalid { field, reason };
    match reason {
        Some("not_responsible") => {
            let responsible = responsible
                .ok_or_else(|| invalid("responsible", "say who is responsible instead".into()))?;
            Ok(CloseReason::NotResponsible {
                responsible: required_text("responsible", responsible)?,
            })
        }
        Some("private_property") => Ok(CloseReason::PrivateProperty),
        Some("no_funds") => Ok(CloseReason::NoFunds),
        Some("not_a_defect") => Ok(CloseReason::NotADefect),
        Some("duplicate") => Err(invalid(
            "reason",
            "mark duplicates with POST …/duplicate, which links both reports".into(),
        )),
        Some(other) => Err(invalid(
            "reason",
            format!("{other:?} is not one of {}", CLOSE_REASONS.join(", ")),
        )),
        None => Err(invalid(
            "reason",
            format!(
                "closing needs a reason: one of {}",
                CLOSE_REASONS.join(", ")
            ),
        )),
    }
}

/// Whether `actor` may name `original` as the report a duplicate repeats: one of the actor's
/// own authorities (admins: any) and public, since the duplicate links to it publicly.
fn may_be_original(actor: &Actor, original: &ReportRow) -> bool {
    actor.handles(&original.authority_key)
        && original.visibility == "published"
        && original.status != "unconfirmed"
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
/// plans, and stores the plan. Returns the report after the action.
pub async fn act(
    ctx: &WorkflowContext,
    actor: &Actor,
    id: ReportId,
    action: Action,
    now: DateTime<Utc>,
) -> Result<ReportRow, WorkflowError> {
    let row = ctx
        .store
        .get_report(id)
        .await?
        .filter(|row| actor.handles(&row.authority_key))
        .ok_or(WorkflowError::NotFound)?;
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
        Action::SetPhotoVisible { .. } => {
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
                .any(|e| matches!(e.kind.as_str(), "answer" | "status_changed"));
        }
        _ => {}
    }
    let template_status = match &action {
        Action::ChangeStatus {
            to, answer: None, ..
        } => Some(to.as_str()),
        Action::MarkDuplicate { answer: None, .. } => Some("closed"),
        _ => None,
    };
    if let Some(status) = template_status {
        facts.template = ctx.store.answer_template(status, &row.language).await?;
    }
    let plan = plan(&row, &action, actor, &facts, now)?;
    let mail = if plan.events.iter().any(|e| e.public) {
        let followers = ctx.store.active_followers(row.id).await?;
        events::after_change(
            &ctx.composer,
            &engine,
            &events::ClerkChange {
                old: &row,
                new: &plan.new,
                events: &plan.events,
            },
            &followers,
            now,
        )?
    } else {
        MailChanges::default()
    };
    ctx.store
        .update_report(&ReportUpdate {
            old: &row,
            new: &plan.new,
            events: &plan.events,
            photo: plan
                .photo
                .as_ref()
                .map(|(id, visible)| (id.as_str(), *visible)),
            linked: plan.linked.as_ref().map(|(id, event)| (*id, event)),
            mail: &mail,
        })
        .await?;
    Ok(plan.new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(status: &str, visibility: &str) -> ReportRow {
        let t = DateTime::<Utc>::from_timestamp(1_750_000_000, 0).unwrap();
        ReportRow {
            id: Uuid::now_v7(),
            category_code: "street_lighting".into(),
            description: "Laterne aus".into(),
            lat: 52.52,
            lon: 13.41,
            address: None,
            area_key: "11000001".into(),
            authority_key: "11000001".into(),
            status: status.into(),
            close_reason: (status == "closed").then(|| "no_funds".into()),
            close_detail: None,
            duplicate_of: None,
            visibility: visibility.into(),
            language: "de".into(),
            near_border: false,
            reporter_email: None,
            reporter_name: None,
            created_at: t,
            updated_at: t,
            status_changed_at: t,
            revision: 3,
            original_description: None,
            opened_at: Some(t),
            reaction_due_at: Some(t),
            first_reaction_at: None,
            resolved_at: None,
            authority_since: Some(t),
        }
    }

    fn clerk() -> Actor {
        Actor {
            id: Uuid::nil(),
            email: "clerk@mitte.example".into(),
            display_name: String::new(),
            is_admin: false,
            authorities: vec!["11000001".into()],
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_750_100_000, 0).unwrap()
    }

    fn template() -> Facts {
        Facts {
            template: Some("Vorlage".into()),
            ..Facts::default()
        }
    }

    #[test]
    fn a_status_change_is_a_public_event_and_the_first_reaction() {
        let action = Action::ChangeStatus {
            to: TargetStatus::InProgress,
            answer: None,
            reason: None,
            responsible: None,
        };
        let plan = plan(
            &row("open", "published"),
            &action,
            &clerk(),
            &template(),
            now(),
        )
        .unwrap();
        assert_eq!(plan.new.status, "in_progress");
        assert_eq!(plan.new.status_changed_at, now());
        assert_eq!(plan.new.first_reaction_at, Some(now()));
        let event = &plan.events[0];
        assert_eq!(
            (event.kind, event.public, event.body.as_deref()),
            ("status_changed", true, Some("Vorlage"))
        );
        assert_eq!(event.actor, "clerk@mitte.example");
        assert_eq!(event.status.as_deref(), Some("in_progress"));
    }

    #[test]
    fn closing_needs_a_reason_and_who_is_responsible() {
        let close = |reason: Option<&str>, responsible: Option<&str>| Action::ChangeStatus {
            to: TargetStatus::Closed,
            answer: Some("Antwort".into()),
            reason: reason.map(Into::into),
            responsible: responsible.map(Into::into),
        };
        let open = row("open", "published");
        for (reason, responsible, field) in [
            (None, None, "reason"),
            (Some("weather"), None, "reason"),
            (Some("duplicate"), None, "reason"),
            (Some("not_responsible"), None, "responsible"),
            (Some("not_responsible"), Some("  "), "responsible"),
        ] {
            match plan(
                &open,
                &close(reason, responsible),
                &clerk(),
                &template(),
                now(),
            ) {
                Err(WorkflowError::Invalid { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{reason:?}: {other:?}"),
            }
        }
        let plan = plan(
            &open,
            &close(Some("not_responsible"), Some("Stromnetz Berlin")),
            &clerk(),
            &template(),
            now(),
        )
        .unwrap();
        assert_eq!(plan.new.close_reason.as_deref(), Some("not_responsible"));
        assert_eq!(plan.new.close_detail.as_deref(), Some("Stromnetz Berlin"));
        assert_eq!(plan.new.resolved_at, Some(now()));
    }

    #[test]
    fn forbidden_moves_are_refused() {
        let reopen = Action::Reopen {
            reason: "wieder kaputt".into(),
        };
        assert!(matches!(
            plan(
                &row("open", "published"),
                &reopen,
                &clerk(),
                &template(),
                now()
            ),
            Err(WorkflowError::NotAllowed(_))
        ));
        let reopened = plan(
            &row("closed", "published"),
            &reopen,
            &clerk(),
            &template(),
            now(),
        )
        .unwrap();
        assert_eq!(reopened.new.status, "open");
        assert_eq!(reopened.new.close_reason, None);
        assert_eq!(reopened.new.resolved_at, None);
        assert!(matches!(
            plan(
                &row("unconfirmed", "pending"),
                &Action::Publish,
                &clerk(),
                &template(),
                now()
            ),
            Err(WorkflowError::NotAllowed(_))
        ));
        assert!(matches!(
            plan(
                &row("open", "published"),
                &Action::Publish,
                &clerk(),
                &template(),
                now()
            ),
            Err(WorkflowError::NotAllowed(_))
        ));
    }

    #[test]
    fn publishing_counts_as_reaction_only_with_an_answer() {
        let pending = row("open", "pending");
        let plain = plan(&pending, &Action::Publish, &clerk(), &template(), now()).unwrap();
        assert_eq!(plain.new.visibility, "published");
        assert_eq!(plain.new.first_reaction_at, None);
        let answered = Facts {
            has_public_answer: true,
            ..template()
        };
        let with_answer = plan(&pending, &Action::Publish, &clerk(), &answered, now()).unwrap();
        assert_eq!(with_answer.new.first_reaction_at, Some(now()));
        // An answer on a pending report is not yet a reaction.
        let answer = Action::Answer {
            text: "Danke".into(),
        };
        assert_eq!(
            plan(&pending, &answer, &clerk(), &template(), now())
                .unwrap()
                .new
                .first_reaction_at,
            None
        );
    }

    #[test]
    fn editing_keeps_the_original_once() {
        let edit = |text: &str| Action::EditDescription { text: text.into() };
        let first = plan(
            &row("open", "pending"),
            &edit("Laterne"),
            &clerk(),
            &template(),
            now(),
        )
        .unwrap();
        assert_eq!(first.new.description, "Laterne");
        assert_eq!(
            first.new.original_description.as_deref(),
            Some("Laterne aus")
        );
        let second = plan(&first.new, &edit("Lampe"), &clerk(), &template(), now()).unwrap();
        assert_eq!(
            second.new.original_description.as_deref(),
            Some("Laterne aus")
        );
        assert!(plan(&first.new, &edit(" Laterne "), &clerk(), &template(), now()).is_err());
        assert!(plan(&first.new, &edit(""), &clerk(), &template(), now()).is_err());
    }

    #[test]
    fn forwarding_and_duplicates() {
        let open = row("open", "published");
        let to = AuthorityKey::parse("11000002").unwrap();
        let forward = Action::Forward {
            to: to.clone(),
            reason: "Kreuzberg".into(),
        };
        let plan_f = plan(&open, &forward, &clerk(), &template(), now()).unwrap();
        assert_eq!(plan_f.new.authority_key, "11000002");
        assert_eq!(plan_f.new.authority_since, Some(now()));
        assert_eq!(plan_f.new.status, "open", "forwarding keeps the status");
        assert!(
            plan_f
                .events
                .iter()
                .any(|e| e.kind == "forwarded" && e.public && e.body.is_none())
        );
        assert!(
            plan_f
                .events
                .iter()
                .any(|e| e.kind == "forward_reason" && !e.public)
        );
        let same = Action::Forward {
            to: AuthorityKey::parse("11000001").unwrap(),
            reason: "x".into(),
        };
        assert!(plan(&open, &same, &clerk(), &template(), now()).is_err());

        let original = ReportId::new();
        let duplicate = Action::MarkDuplicate {
            of: original,
            answer: None,
        };
        let plan_d = plan(&open, &duplicate, &clerk(), &template(), now()).unwrap();
        assert_eq!(plan_d.new.close_reason.as_deref(), Some("duplicate"));
        assert_eq!(plan_d.new.duplicate_of, Some(original.uuid()));
        let (linked_id, linked) = plan_d.linked.unwrap();
        assert_eq!(linked_id, original.uuid());
        assert_eq!(linked.kind, "duplicate_linked");
        let itself = Action::MarkDuplicate {
            of: ReportId::from(open.id),
            answer: None,
        };
        assert!(plan(&open, &itself, &clerk(), &template(), now()).is_err());
    }
}
