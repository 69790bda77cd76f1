//! The report and its rules, in one place: how a filing becomes a report, what confirming the
//! reporter's address does, which clerk actions are allowed and what each one changes, and
//! what the public sees of it (is it public, which light).
//!
//! Everything here is pure: the use cases (`filing`, `workflow`, `notify::subscriptions`) load
//! what a rule needs, call it, and store the [`Change`] it returns in one transaction.

mod action;
mod event;
mod status;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

pub use action::{
    Action, Assignee, Change, CitizenFeedback, Facts, MAX_ANSWER_PHOTOS, MAX_FEEDBACK_PHOTOS,
    PhotoChange, PhotoRef, Refusal, TargetStatus,
};
pub use event::{Event, EventKind, NewEvent};
pub use status::{CloseReason, Light, ReportStatus, Transition, TransitionError, Visibility};

use super::{
    AreaKey, AuthorityKey, CategoryCode, Coordinates, DESCRIPTION_MAX_CHARS, Email, InvalidValue,
    Language, MediaUrl, NewReport,
};

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

/// When things happened to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timeline {
    /// Filed.
    pub created_at: DateTime<Utc>,
    /// Last changed in any way.
    pub updated_at: DateTime<Utc>,
    /// The status last moved (filing counts).
    pub status_changed_at: DateTime<Utc>,
    /// Became `open`: at filing, or when the reporter confirmed. The promise's clock starts.
    pub opened_at: Option<DateTime<Utc>>,
    /// The service promise's deadline for the first reaction.
    pub reaction_due_at: Option<DateTime<Utc>>,
    /// The authority's first public reaction.
    pub first_reaction_at: Option<DateTime<Utc>>,
    /// Resolved or closed (cleared when reopened).
    pub resolved_at: Option<DateTime<Utc>>,
    /// Since when the current authority has it (filing or the last forwarding).
    pub authority_since: Option<DateTime<Utc>>,
    /// A citizen said "still not fixed" and no clerk has decided yet (reopened or declined).
    pub reopen_requested_at: Option<DateTime<Utc>>,
}

/// A stored report, private fields included: render it to the public only through a view
/// that leaves the reporter out.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Its id.
    pub id: ReportId,
    /// The category.
    pub category: CategoryCode,
    /// The public text (a clerk may have edited it).
    pub description: String,
    /// The citizen's own text, kept for clerks once a clerk edited it.
    pub original_description: Option<String>,
    /// Where.
    pub location: Coordinates,
    /// The address the citizen gave.
    pub address: Option<String>,
    /// A link to media elsewhere that the filing named (Open311's `media_url`; never fetched).
    pub media_url: Option<MediaUrl>,
    /// The municipality (or Berlin district) the pin lies in.
    pub area: AreaKey,
    /// The responsible authority now.
    pub authority: AuthorityKey,
    /// The workflow status (with the close reason when yellow-green).
    pub status: ReportStatus,
    /// Whether the public may see it.
    pub visibility: Visibility,
    /// The language of its mails and answer templates.
    pub language: Language,
    /// Whether the pin lies near another authority's border.
    pub near_border: bool,
    /// The clerk account that has taken the report on ("Zuständigkeit angenommen"), if any.
    pub assignee: Option<Uuid>,
    /// The reporter's address (private).
    pub reporter_email: Option<Email>,
    /// The reporter's name (private).
    pub reporter_name: Option<String>,
    /// Counts stored changes; a change stores only if nobody else changed it meanwhile.
    pub revision: i64,
    /// When things happened.
    pub timeline: Timeline,
    /// Its "me too" count (anonymous and confirmed supports). Kept by the store: only a
    /// support, its confirmation or a duplicate marking changes it, never a clerk's change.
    pub supporters: i64,
}

/// Where a filing lands, as the jurisdiction engine found it.
#[derive(Debug, Clone)]
pub struct Placement {
    /// The area the pin lies in.
    pub area: AreaKey,
    /// The responsible authority (after category routing).
    pub authority: AuthorityKey,
    /// Whether the pin lies near another authority's border.
    pub near_border: bool,
}

/// How a new report starts, by the service's configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intake {
    /// The reporter must confirm their address first (when they gave one).
    pub confirm_email: bool,
    /// A clerk publishes reports; otherwise they are public once open.
    pub moderated: bool,
}

impl Report {
    /// The report a validated filing becomes: `unconfirmed` when the reporter's address needs
    /// confirming, else `open` (and public at once without moderation). `reaction_due` gives
    /// the promise's deadline for a report that opens now.
    pub fn file(
        id: ReportId,
        filing: &NewReport,
        placement: Placement,
        intake: Intake,
        reaction_due: impl FnOnce() -> DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Report {
        let status = if intake.confirm_email && filing.email.is_some() {
            ReportStatus::Unconfirmed
        } else {
            ReportStatus::Open
        };
        let open = status == ReportStatus::Open;
        Report {
            id,
            category: filing.category.clone(),
            description: filing.description.clone(),
            original_description: None,
            location: filing.location,
            address: filing.address.clone(),
            media_url: filing.media_url.clone(),
            area: placement.area,
            authority: placement.authority,
            visibility: if open && !intake.moderated {
                Visibility::Published
            } else {
                Visibility::Pending
            },
            status,
            language: filing.language,
            near_border: placement.near_border,
            assignee: None,
            reporter_email: filing.email.clone(),
            reporter_name: filing.name.clone(),
            revision: 0,
            timeline: Timeline {
                created_at: now,
                updated_at: now,
                status_changed_at: now,
                opened_at: open.then_some(now),
                reaction_due_at: open.then(reaction_due),
                first_reaction_at: None,
                resolved_at: None,
                authority_since: Some(now),
                reopen_requested_at: None,
            },
            supporters: 0,
        }
    }

    /// The history a filed report starts with: `created` naming the first authority (the start
    /// of the public chain), and `published` when it is public at once.
    pub fn filing_events(&self) -> Vec<NewEvent> {
        let event = |kind, actor: &str, public| NewEvent {
            kind,
            actor: actor.into(),
            public,
            status: Some(self.status.clone()),
            body: None,
            authority: None,
        };
        let mut events = vec![NewEvent {
            authority: Some(self.authority.clone()),
            // The public history starts with "received" (red), never with the internal
            // `unconfirmed`: a stranger sees the report only once it is confirmed.
            status: Some(match self.status {
                ReportStatus::Unconfirmed => ReportStatus::Open,
                ref status => status.clone(),
            }),
            ..event(EventKind::Created, "reporter", true)
        }];
        if self.visibility == Visibility::Published {
            events.push(event(EventKind::Published, "system", false));
        }
        events
    }

    /// Whether the public may see it: published, and not waiting for the reporter.
    pub fn is_public(&self) -> bool {
        self.visibility == Visibility::Published && self.status != ReportStatus::Unconfirmed
    }

    /// The light its status shows (`None` while unconfirmed).
    pub fn light(&self) -> Option<Light> {
        self.status.light()
    }

    /// The light the public map counts it under: its light while public, else none.
    pub fn map_light(&self) -> Option<Light> {
        self.light().filter(|_| self.is_public())
    }

    /// Whether citizens may support it ("me too"): public and not handled yet (red or
    /// yellow). A fixed or closed report needs no more voices; the public never sees others.
    pub fn may_be_supported(&self) -> bool {
        self.is_public() && matches!(self.status, ReportStatus::Open | ReportStatus::InProgress)
    }

    /// Whether `self` may be named as the report a duplicate repeats: the duplicate links to
    /// it publicly, so it must be public.
    pub fn may_be_original(&self) -> bool {
        self.is_public()
    }

    /// The reporter confirmed their address: the report becomes `open` (public at once
    /// unless `moderated`) and the promise's clock starts with `reaction_due_at`.
    pub fn confirm(
        &self,
        moderated: bool,
        reaction_due_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Change, TransitionError> {
        let mut new = self.clone();
        new.move_to(self.status.apply(Transition::Confirm)?, now);
        new.timeline.opened_at = Some(now);
        new.timeline.reaction_due_at = Some(reaction_due_at);
        let status = new.status.clone();
        let system = |kind, actor: &str| NewEvent {
            kind,
            actor: actor.into(),
            public: false,
            status: Some(status.clone()),
            body: None,
            authority: None,
        };
        let mut events = vec![system(EventKind::Confirmed, "reporter")];
        if !moderated {
            new.visibility = Visibility::Published;
            events.push(system(EventKind::Published, "system"));
        }
        Ok(Change {
            report: new,
            events,
            photo: None,
            linked: None,
        })
    }

    /// Applies a clerk action of `actor` (their address, recorded in the events), or says why
    /// the rules refuse it. The caller has checked that the actor handles the report's
    /// authority and that referenced reports, authorities and categories exist.
    pub fn apply(
        &self,
        action: &Action,
        actor: &str,
        facts: &Facts,
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        let mut new = self.clone();
        new.timeline.updated_at = now;
        let event = |kind: EventKind, public: bool, body: Option<String>| NewEvent {
            kind,
            actor: actor.to_owned(),
            public,
            status: Some(self.status.clone()),
            body,
            authority: None,
        };
        let mut events = Vec::new();
        let mut photo = None;
        let mut linked = None;
        let mut reaction = false;
        match action {
            Action::Publish => {
                if self.status == ReportStatus::Unconfirmed {
                    return Err(Refusal::NotAllowed(
                        "the report waits for the reporter's confirmation and cannot be published yet"
                            .into(),
                    ));
                }
                if self.visibility == Visibility::Published {
                    return Err(Refusal::NotAllowed(
                        "the report is already published".into(),
                    ));
                }
                new.visibility = Visibility::Published;
                events.push(event(EventKind::Published, false, None));
                reaction = facts.has_public_answer;
            }
            Action::Hide { reason } => {
                if self.visibility == Visibility::Hidden {
                    return Err(Refusal::NotAllowed("the report is already hidden".into()));
                }
                let reason = reason
                    .as_deref()
                    .map(|r| required_text("reason", r))
                    .transpose()?;
                new.visibility = Visibility::Hidden;
                events.push(event(EventKind::Hidden, false, reason));
            }
            Action::EditDescription { text } => {
                let text = required_text("description", text)?;
                if text == self.description {
                    return Err(Refusal::NotAllowed("the text is unchanged".into()));
                }
                if new.original_description.is_none() {
                    new.original_description = Some(self.description.clone());
                }
                events.push(event(
                    EventKind::DescriptionEdited,
                    false,
                    Some(self.description.clone()),
                ));
                new.description = text;
            }
            Action::SetPhotoVisible { photo_id, visible } => {
                if !facts.photo_ids.iter().any(|id| id == photo_id) {
                    return Err(Refusal::NotFound);
                }
                let kind = if *visible {
                    EventKind::PhotoReleased
                } else {
                    EventKind::PhotoHidden
                };
                events.push(event(kind, false, Some(photo_id.clone())));
                photo = Some(PhotoChange::Visible {
                    photo_id: photo_id.clone(),
                    visible: *visible,
                });
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
                let next = self.status.apply(transition)?;
                let answer = answer_or_template(answer.as_deref(), facts)?;
                new.move_to(next, now);
                events.push(NewEvent {
                    status: Some(new.status.clone()),
                    ..event(EventKind::StatusChanged, true, Some(answer))
                });
                reaction = true;
            }
            Action::Answer { text } => {
                if self.status == ReportStatus::Unconfirmed {
                    return Err(Refusal::NotAllowed(
                        "the report waits for the reporter's confirmation".into(),
                    ));
                }
                events.push(event(
                    EventKind::Answer,
                    true,
                    Some(required_text("text", text)?),
                ));
                reaction = self.visibility == Visibility::Published;
            }
            Action::AnswerWithPhotos { text, photos } => {
                if self.status == ReportStatus::Unconfirmed {
                    return Err(Refusal::NotAllowed(
                        "the report waits for the reporter's confirmation".into(),
                    ));
                }
                if photos.is_empty() || photos.len() > MAX_ANSWER_PHOTOS {
                    return Err(Refusal::Invalid {
                        field: "photo",
                        reason: format!("an answer carries 1 to {MAX_ANSWER_PHOTOS} photos"),
                    });
                }
                new_photos(photos, &facts.photo_ids)?;
                events.push(event(
                    EventKind::Answer,
                    true,
                    Some(required_text("text", text)?),
                ));
                photo = Some(PhotoChange::Attach {
                    photos: photos.clone(),
                    to: EventKind::Answer,
                    released: true,
                });
                reaction = self.visibility == Visibility::Published;
            }
            Action::RedactPhoto {
                photo_id,
                redacted_id,
                areas,
            } => {
                if !facts.photo_ids.iter().any(|id| id == photo_id) {
                    return Err(Refusal::NotFound);
                }
                if facts.photo_ids.iter().any(|id| id == redacted_id) {
                    return Err(Refusal::NotAllowed(
                        "this photo was already redacted with these rectangles".into(),
                    ));
                }
                // The public learns that a photo was changed, not by whom or where; the
                // clerks' history keeps both.
                events.push(event(EventKind::PhotoRedacted, true, None));
                events.push(event(
                    EventKind::RedactionAreas,
                    false,
                    Some(format!("{photo_id} → {redacted_id}: {areas}")),
                ));
                photo = Some(PhotoChange::Replace {
                    old: photo_id.clone(),
                    new: redacted_id.clone(),
                });
            }
            Action::Note { text } => {
                events.push(event(
                    EventKind::Note,
                    false,
                    Some(required_text("text", text)?),
                ));
            }
            Action::Forward { to, reason } => {
                if *to == self.authority {
                    return Err(Refusal::Invalid {
                        field: "authority",
                        reason: "the report is already with this authority".into(),
                    });
                }
                let reason = required_text("reason", reason)?;
                new.authority = to.clone();
                new.timeline.authority_since = Some(now);
                // The clerks of the new authority decide who takes it on.
                new.assignee = None;
                events.push(NewEvent {
                    authority: Some(to.clone()),
                    ..event(EventKind::Forwarded, true, None)
                });
                events.push(event(EventKind::ForwardReason, false, Some(reason)));
            }
            Action::MarkDuplicate { of, answer } => {
                if *of == self.id {
                    return Err(Refusal::Invalid {
                        field: "of",
                        reason: "a report cannot duplicate itself".into(),
                    });
                }
                let next = self
                    .status
                    .apply(Transition::Close(CloseReason::Duplicate { of: *of }))?;
                let answer = answer_or_template(answer.as_deref(), facts)?;
                new.move_to(next, now);
                events.push(NewEvent {
                    status: Some(new.status.clone()),
                    ..event(EventKind::MarkedDuplicate, true, Some(answer))
                });
                linked = Some((
                    *of,
                    NewEvent {
                        status: None,
                        ..event(EventKind::DuplicateLinked, true, Some(self.id.to_string()))
                    },
                ));
                reaction = true;
            }
            Action::ChangeCategory { to } => {
                if *to == self.category {
                    return Err(Refusal::NotAllowed("the category is unchanged".into()));
                }
                events.push(event(
                    EventKind::CategoryChanged,
                    true,
                    Some(format!("{} → {}", self.category, to)),
                ));
                new.category = to.clone();
            }
            Action::Reopen {
                reason,
                in_progress,
            } => {
                let reason = required_text("reason", reason)?;
                let mut next = self.status.apply(Transition::Reopen)?;
                if *in_progress {
                    next = next.apply(Transition::StartWork)?;
                }
                new.move_to(next, now);
                new.timeline.reopen_requested_at = None;
                events.push(NewEvent {
                    status: Some(new.status.clone()),
                    ..event(EventKind::Reopened, true, Some(reason))
                });
            }
            Action::DeclineReopen { reason } => {
                if self.timeline.reopen_requested_at.is_none() {
                    return Err(Refusal::NotAllowed(
                        "no citizen has asked to reopen the report".into(),
                    ));
                }
                new.timeline.reopen_requested_at = None;
                events.push(event(
                    EventKind::ReopenDeclined,
                    true,
                    Some(required_text("reason", reason)?),
                ));
            }
            Action::Assign { to } => {
                match to {
                    Some(assignee) if self.assignee == Some(assignee.id) => {
                        return Err(Refusal::NotAllowed(
                            "the report is already assigned to this clerk".into(),
                        ));
                    }
                    Some(_) if self.status.is_done() => {
                        return Err(Refusal::NotAllowed(
                            "a resolved or closed report needs nobody to take it on; reopen it first"
                                .into(),
                        ));
                    }
                    None if self.assignee.is_none() => {
                        return Err(Refusal::NotAllowed("nobody has taken the report on".into()));
                    }
                    _ => {}
                }
                new.assignee = to.as_ref().map(|a| a.id);
                events.push(event(
                    EventKind::Assigned,
                    false,
                    to.as_ref().map(|a| a.name.clone()),
                ));
            }
        }
        if reaction
            && new.timeline.first_reaction_at.is_none()
            && new.status != ReportStatus::Unconfirmed
        {
            new.timeline.first_reaction_at = Some(now);
        }
        Ok(Change {
            report: new,
            events,
            photo,
            linked,
        })
    }

    /// A citizen's word on a green or yellow-green report ("Abschlussmeldung"): "still not
    /// fixed" becomes a reopen request for the clerks, "confirmed fixed" a note in the public
    /// history; both are public without the person's identity. Once per person and state is
    /// the store's rule: it keys the feedback by [`Timeline::status_changed_at`].
    pub fn citizen_feedback(
        &self,
        feedback: &CitizenFeedback,
        photos: &[PhotoRef],
        photo_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<Change, Refusal> {
        if !self.is_public() {
            return Err(Refusal::NotAllowed(
                "the report is not public, so it takes no feedback".into(),
            ));
        }
        match &self.status {
            ReportStatus::Resolved => {}
            ReportStatus::Closed(CloseReason::Duplicate { .. }) => {
                return Err(Refusal::NotAllowed(
                    "the report was closed as a duplicate: give feedback on the original".into(),
                ));
            }
            ReportStatus::Closed(_) => {}
            _ => {
                return Err(Refusal::NotAllowed(
                    "feedback is for reports marked fixed (green) or handled (yellow-green)".into(),
                ));
            }
        }
        let mut new = self.clone();
        new.timeline.updated_at = now;
        let (kind, body) = match feedback {
            CitizenFeedback::NotFixed { text } => {
                new.timeline.reopen_requested_at.get_or_insert(now);
                (
                    EventKind::CitizenNotFixed,
                    Some(required_text("text", text)?),
                )
            }
            CitizenFeedback::Fixed { text } => (
                EventKind::CitizenConfirmedFixed,
                text.as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| required_text("text", t))
                    .transpose()?,
            ),
        };
        if photos.len() > MAX_FEEDBACK_PHOTOS {
            return Err(Refusal::Invalid {
                field: "photo",
                reason: format!("feedback carries at most {MAX_FEEDBACK_PHOTOS} photos"),
            });
        }
        new_photos(photos, photo_ids)?;
        Ok(Change {
            events: vec![NewEvent {
                kind,
                actor: "citizen".into(),
                public: true,
                status: Some(self.status.clone()),
                body,
                authority: None,
            }],
            report: new,
            // A citizen's photos wait for a clerk, as a filing's do (faces, number plates).
            photo: (!photos.is_empty()).then(|| PhotoChange::Attach {
                photos: photos.to_vec(),
                to: kind,
                released: false,
            }),
            linked: None,
        })
    }

    /// The statuses a clerk may move it to now, in workflow order (what the status form offers).
    pub fn status_moves(&self) -> Vec<TargetStatus> {
        let probe = CloseReason::NotADefect;
        [
            (TargetStatus::InProgress, Transition::StartWork),
            (TargetStatus::Resolved, Transition::Resolve),
            (TargetStatus::Closed, Transition::Close(probe)),
        ]
        .into_iter()
        .filter(|(_, transition)| self.status.apply(transition.clone()).is_ok())
        .map(|(target, _)| target)
        .collect()
    }

    /// The actions the report's state allows now, named by their routes under
    /// `/api/v1/admin/reports/{id}/` (`description`, `photos`, `notes`, `forward` and
    /// `category` are always allowed and listed too), so a client need not know the state
    /// machine.
    pub fn allowed_actions(&self) -> Vec<&'static str> {
        let unconfirmed = self.status == ReportStatus::Unconfirmed;
        let may = |transition| self.status.apply(transition).is_ok();
        let of = ReportId::from(Uuid::nil());
        [
            (
                "publish",
                !unconfirmed && self.visibility != Visibility::Published,
            ),
            ("hide", self.visibility != Visibility::Hidden),
            ("description", true),
            ("photos", true),
            ("status", !self.status_moves().is_empty()),
            ("answers", !unconfirmed),
            ("notes", true),
            ("forward", true),
            (
                "duplicate",
                may(Transition::Close(CloseReason::Duplicate { of })),
            ),
            ("category", true),
            ("reopen", may(Transition::Reopen)),
            (
                "decline-reopen",
                self.timeline.reopen_requested_at.is_some(),
            ),
            (
                "assignee",
                !self.status.is_done() || self.assignee.is_some(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, allowed)| allowed.then_some(name))
        .collect()
    }

    /// Sets a new status and stamps the times it moves.
    fn move_to(&mut self, status: ReportStatus, now: DateTime<Utc>) {
        self.timeline.updated_at = now;
        self.timeline.status_changed_at = now;
        self.timeline.resolved_at = status.is_done().then_some(now);
        self.status = status;
    }
}

/// A required free text (answer, note, reason): trimmed, 1 to 4,000 characters.
fn required_text(field: &'static str, text: &str) -> Result<String, Refusal> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > DESCRIPTION_MAX_CHARS {
        return Err(Refusal::Invalid {
            field,
            reason: format!("must have 1 to {DESCRIPTION_MAX_CHARS} characters"),
        });
    }
    Ok(text.to_owned())
}

/// The public answer: the given one, else the template.
fn answer_or_template(answer: Option<&str>, facts: &Facts) -> Result<String, Refusal> {
    match answer {
        Some(text) => required_text("answer", text),
        None => facts.template.clone().ok_or_else(|| Refusal::Invalid {
            field: "answer",
            reason: "no answer given and no template for this status".into(),
        }),
    }
}

/// The close reason a status change to `closed` names.
fn close_reason(reason: Option<&str>, responsible: Option<&str>) -> Result<CloseReason, Refusal> {
    let invalid = |field: &'static str, reason: String| Refusal::Invalid { field, reason };
    let codes = CloseReason::STATUS_CODES.join(", ");
    match reason {
        Some("duplicate") => Err(invalid(
            "reason",
            "mark duplicates with POST …/duplicate, which links both reports".into(),
        )),
        Some("not_responsible") => {
            let responsible = responsible
                .ok_or_else(|| invalid("responsible", "say who is responsible instead".into()))?;
            Ok(CloseReason::NotResponsible {
                responsible: required_text("responsible", responsible)?,
            })
        }
        Some(code) if CloseReason::STATUS_CODES.contains(&code) => {
            CloseReason::from_code(code, None, None).map_err(|e| invalid("reason", e.reason))
        }
        Some(other) => Err(invalid(
            "reason",
            format!("{other:?} is not one of {codes}"),
        )),
        None => Err(invalid(
            "reason",
            format!("closing needs a reason: one of {codes}"),
        )),
    }
}

/// Refuses photos that are part of the report already, or twice among `photos`: the report's
/// rows are keyed by photo, so the same picture twice is one.
fn new_photos(photos: &[PhotoRef], photo_ids: &[String]) -> Result<(), Refusal> {
    for (n, p) in photos.iter().enumerate() {
        if photo_ids.contains(&p.id) || photos[..n].iter().any(|q| q.id == p.id) {
            return Err(Refusal::Invalid {
                field: "photo",
                reason: format!("photo {n} is already part of this report"),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
