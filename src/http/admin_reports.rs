//! The clerk API for reports: the inbox, one report with everything, and every workflow
//! action. Each route takes a [`Signed`] account and only ever touches reports of its
//! authorities (admins: all); a report outside them is a 404, like one that does not exist.

use super::input::{Json, Query};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::report_view::{Label, ReportView};
use super::reports::{cursor_of, parse_cursor, parse_limit, parse_statuses_among, photo_body};
use super::{ApiError, AppState};
use crate::domain::{
    Action, Assignee, AuthorityKey, CategoryCode, Event, EventKind, Refusal, Report, ReportId,
    ReportStatus, TargetStatus,
};
use crate::photos::{PhotoId, Variant};
use crate::store::clerk::{AssigneeFilter, InboxFilter, InboxOrder};
use crate::store::reports::ReportSort;
use crate::workflow::{self, WorkflowContext, WorkflowError};

/// Inbox query parameters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    status: Option<String>,
    visibility: Option<String>,
    category: Option<String>,
    area: Option<String>,
    authority: Option<String>,
    overdue: Option<bool>,
    assignee: Option<String>,
    reopen_requested: Option<bool>,
    q: Option<String>,
    order: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
}

/// `GET /api/v1/admin/reports`: the inbox, scoped to the account's authorities.
pub async fn inbox(
    signed: Signed,
    query: Query<InboxQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let now = Utc::now();
    let mut authorities = signed.actor.scope().map(<[String]>::to_vec);
    if let Some(key) = query.authority {
        AuthorityKey::parse(&key).map_err(|e| {
            ApiError::invalid("authority", e.reason, "Ungültiger Behördenschlüssel")
        })?;
        // Narrowing only: a clerk asking for a foreign authority gets nothing.
        authorities = Some(match authorities {
            Some(own) => own.into_iter().filter(|k| *k == key).collect(),
            None => vec![key],
        });
    }
    let visibility = match query.visibility.as_deref() {
        None => None,
        Some(v @ ("pending" | "published" | "hidden")) => Some(match v {
            "pending" => "pending",
            "published" => "published",
            _ => "hidden",
        }),
        Some(other) => {
            return Err(ApiError::invalid(
                "visibility",
                format!("{other:?} is not one of pending, published, hidden"),
                "Sichtbarkeit muss pending, published oder hidden sein",
            ));
        }
    };
    let order = match query.order.as_deref() {
        None | Some("oldest") => InboxOrder::OldestFirst,
        Some("newest") => InboxOrder::NewestFirst,
        Some("supporters") => InboxOrder::MostSupported,
        Some(other) => {
            return Err(ApiError::invalid(
                "order",
                format!("{other:?} is not one of oldest, newest, supporters"),
                "Sortierung muss oldest, newest oder supporters sein",
            ));
        }
    };
    // The public list's cursor format: `COUNT.ID` when sorted by supporters, else the id.
    let sort = match order {
        InboxOrder::MostSupported => ReportSort::Supporters,
        _ => ReportSort::Newest,
    };
    let cursor = query
        .cursor
        .as_deref()
        .map(|c| parse_cursor(sort, c))
        .transpose()?;
    let text = query
        .q
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::invalid(
            "q",
            "search at most 200 characters",
            "Suchtext höchstens 200 Zeichen",
        ));
    }
    let filter = InboxFilter {
        authorities,
        statuses: query
            .status
            .as_deref()
            .map(|s| parse_statuses_among(s, &ReportStatus::NAMES))
            .transpose()?
            .unwrap_or_default(),
        visibility,
        category: query
            .category
            .map(|c| {
                CategoryCode::parse(&c).map(|c| c.to_string()).map_err(|e| {
                    ApiError::invalid("category", e.reason, "Ungültiger Kategorie-Code")
                })
            })
            .transpose()?,
        area: query
            .area
            .map(|a| {
                crate::domain::AreaKey::parse(&a)
                    .map(|a| a.to_string())
                    .map_err(|e| ApiError::invalid("area", e.reason, "Ungültiger Gebietsschlüssel"))
            })
            .transpose()?,
        overdue: query.overdue,
        now,
        assignee: query
            .assignee
            .as_deref()
            .map(|a| assignee_filter(a, &signed))
            .transpose()?,
        reopen_requested: query.reopen_requested.unwrap_or(false),
        text,
        order,
        after: cursor.map(|(id, _)| id),
        after_supporters: cursor.and_then(|(_, count)| count),
        limit: parse_limit(query.limit.as_deref())?,
    };
    let rows = state.store.list_inbox(&filter).await?;
    let counts: serde_json::Map<String, serde_json::Value> = state
        .store
        .inbox_counts(&filter)
        .await?
        .into_iter()
        .map(|(status, count)| (status, json!(count)))
        .collect();
    let next_cursor = (rows.len() as i64 == filter.limit)
        .then(|| rows.last().map(|r| cursor_of(sort, r)))
        .flatten();
    let mut reports = Vec::with_capacity(rows.len());
    let mut names = AssigneeNames::default();
    for row in &rows {
        let photos = state.store.report_photos(row.id, false).await?;
        let assignee = names.of(&state, row.assignee).await?;
        reports.push(ClerkReportView::new(
            row,
            ReportView::new(row, &photos, None, &state.jurisdiction.current(), now)
                .with_photo_visibility(&photos),
            None,
            Vec::new(),
            assignee,
        ));
    }
    Ok(HttpResponse::Ok().json(json!({
        "reports": reports,
        "counts": counts,
        "next_cursor": next_cursor,
    })))
}

/// The inbox's `assignee` filter: `me`, `none`, or an account id.
fn assignee_filter(value: &str, signed: &Signed) -> Result<AssigneeFilter, ApiError> {
    match value {
        "me" => Ok(AssigneeFilter::Account(signed.actor.id)),
        "none" => Ok(AssigneeFilter::Nobody),
        other => Uuid::parse_str(other)
            .map(AssigneeFilter::Account)
            .map_err(|_| {
                ApiError::invalid(
                    "assignee",
                    format!("{other:?} is not me, none or an account id"),
                    "Zuständig muss me, none oder eine Konto-ID sein",
                )
            }),
    }
}

/// A clerk a report is assigned to, as the clerk views name them.
#[derive(Debug, Clone, Serialize)]
pub struct AssigneeView {
    id: Uuid,
    name: String,
}

/// Display names of assignees, each read once per answer.
#[derive(Default)]
struct AssigneeNames(std::collections::HashMap<Uuid, Option<AssigneeView>>);

impl AssigneeNames {
    async fn of(
        &mut self,
        state: &AppState,
        id: Option<Uuid>,
    ) -> Result<Option<AssigneeView>, ApiError> {
        let Some(id) = id else { return Ok(None) };
        if let Some(known) = self.0.get(&id) {
            return Ok(known.clone());
        }
        let view = state.store.account(id).await?.map(|a| AssigneeView {
            id,
            name: a.display_name,
        });
        self.0.insert(id, view.clone());
        Ok(view)
    }
}

/// One history entry as clerks see it: every event, with its actor.
#[derive(Debug, Serialize)]
pub struct ClerkEvent {
    at: DateTime<Utc>,
    kind: EventKind,
    actor: String,
    public: bool,
    status: Option<String>,
    text: Option<String>,
    authority: Option<String>,
    /// The kind's name in German and English (the server owns the vocabulary).
    label: Label,
    /// Whether the event moved the status (`status` is then the new one).
    moves_status: bool,
}

impl From<&Event> for ClerkEvent {
    fn from(e: &Event) -> Self {
        Self {
            label: Label::of(e.kind.label()),
            moves_status: e.kind.moves_status(),
            at: e.at,
            kind: e.kind,
            actor: e.actor.clone(),
            public: e.public,
            status: e.status.clone(),
            text: e.body.clone(),
            authority: e.authority.as_ref().map(ToString::to_string),
        }
    }
}

/// The reporter's contact: for clerks only.
#[derive(Debug, Serialize)]
pub struct ReporterView {
    email: Option<String>,
    name: Option<String>,
}

/// A report as clerks see it: the public view plus everything private.
#[derive(Debug, Serialize)]
pub struct ClerkReportView {
    #[serde(flatten)]
    public: ReportView,
    reporter: ReporterView,
    original_description: Option<String>,
    revision: i64,
    /// What the report's state allows now (the server owns the state machine).
    allowed_actions: Vec<&'static str>,
    /// The statuses a status change may move it to now.
    status_moves: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<Vec<ClerkEvent>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    duplicates: Vec<String>,
    /// The clerk who has taken the report on, if any.
    assignee: Option<AssigneeView>,
    /// When a citizen asked to reopen it, while no clerk has decided.
    reopen_requested_at: Option<DateTime<Utc>>,
    /// The clerks it may be assigned to (the single report's view only).
    #[serde(skip_serializing_if = "Option::is_none")]
    assignable: Option<Vec<AssigneeView>>,
}

impl ClerkReportView {
    fn new(
        row: &Report,
        public: ReportView,
        events: Option<&[Event]>,
        duplicates: Vec<Uuid>,
        assignee: Option<AssigneeView>,
    ) -> Self {
        Self {
            public,
            reporter: ReporterView {
                email: row.reporter_email.as_ref().map(|e| e.as_str().to_owned()),
                name: row.reporter_name.clone(),
            },
            original_description: row.original_description.clone(),
            revision: row.revision,
            allowed_actions: row.allowed_actions(),
            status_moves: row
                .status_moves()
                .into_iter()
                .map(TargetStatus::as_str)
                .collect(),
            events: events.map(|events| events.iter().map(ClerkEvent::from).collect()),
            duplicates: duplicates.iter().map(Uuid::to_string).collect(),
            assignee,
            reopen_requested_at: row.timeline.reopen_requested_at,
            assignable: None,
        }
    }
}

/// The report `id` if the account handles it.
pub(super) async fn own_report(
    signed: &Signed,
    state: &AppState,
    id: &str,
) -> Result<Report, ApiError> {
    let id = ReportId::parse(id).map_err(|_| ApiError::NotFound)?;
    state
        .store
        .get_report(id)
        .await?
        .filter(|row| signed.actor.handles(row.authority.as_str()))
        .ok_or(ApiError::NotFound)
}

/// Renders one report with everything.
async fn full_view(state: &AppState, row: &Report) -> Result<ClerkReportView, ApiError> {
    let id = row.id;
    let now = Utc::now();
    let photos = state.store.report_photos(id, false).await?;
    let events = state.store.report_events(id, false).await?;
    let public_events: Vec<Event> = events.iter().filter(|e| e.public).cloned().collect();
    let duplicates = state.store.duplicates_of(row.id.uuid()).await?;
    let public = ReportView::new(
        row,
        &photos,
        Some(&public_events),
        &state.jurisdiction.current(),
        now,
    )
    .with_photo_visibility(&photos)
    .with_duplicates(&duplicates);
    let assignee = AssigneeNames::default().of(state, row.assignee).await?;
    let mut view = ClerkReportView::new(row, public, Some(&events), duplicates, assignee);
    view.assignable = Some(
        state
            .store
            .authority_clerks(row.authority.as_str())
            .await?
            .into_iter()
            .map(|(id, name)| AssigneeView { id, name })
            .collect(),
    );
    Ok(view)
}

/// `GET /api/v1/admin/reports/{id}`: one report with the reporter's contact, every photo, the
/// whole history (internal notes included) and the original text.
pub async fn get_report(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let row = own_report(&signed, &state, &path).await?;
    Ok(HttpResponse::Ok().json(full_view(&state, &row).await?))
}

/// Runs an action and answers with the report after it.
pub(super) async fn run(
    signed: Signed,
    id: &str,
    action: Action,
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    let id = ReportId::parse(id).map_err(|_| ApiError::NotFound)?;
    let ctx = WorkflowContext {
        store: state.store.clone(),
        jurisdiction: state.jurisdiction.clone(),
        composer: state.filing.composer.clone(),
    };
    let row = workflow::act(&ctx, &signed.actor, id, action, Utc::now())
        .await
        .map_err(workflow_error)?;
    // After a forwarding the account may no longer handle the report: answer with what it
    // is allowed to see.
    if signed.actor.handles(row.authority.as_str()) {
        Ok(HttpResponse::Ok().json(full_view(state, &row).await?))
    } else {
        Ok(HttpResponse::Ok().json(json!({ "id": row.id, "authority": row.authority.as_str() })))
    }
}

fn workflow_error(error: WorkflowError) -> ApiError {
    match error {
        WorkflowError::NotFound | WorkflowError::Refused(Refusal::NotFound) => ApiError::NotFound,
        WorkflowError::Refused(Refusal::Invalid { field, reason }) => {
            let de = format!("{field}: {reason}");
            ApiError::invalid(field, reason, de)
        }
        WorkflowError::UnknownReference { field, reason } => {
            let de = format!("{field}: {reason}");
            ApiError::UnknownReference {
                field: field.into(),
                detail: reason,
                detail_de: de,
            }
        }
        WorkflowError::Refused(Refusal::NotAllowed(reason)) => ApiError::NotAllowed(reason),
        WorkflowError::Conflict => ApiError::EditConflict,
        WorkflowError::Internal(e) => ApiError::Internal(e),
    }
}

/// Body of hide.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct HideBody {
    reason: Option<String>,
}

/// Body with one text (answers, notes).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    text: String,
}

/// Body of the description edit.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DescriptionBody {
    description: String,
}

/// Body of a photo's visibility.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhotoBody {
    visible: bool,
}

/// Body of a status change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    status: String,
    answer: Option<String>,
    reason: Option<String>,
    responsible: Option<String>,
}

/// Body of a forwarding.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardBody {
    authority: String,
    reason: String,
}

/// Body of marking a duplicate.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateBody {
    of: String,
    answer: Option<String>,
}

/// Body of a category change.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    category: String,
}

/// Body of reopening.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenBody {
    reason: String,
    /// `open` (red, the default) or `in_progress` (yellow).
    status: Option<String>,
}

/// Body with a public reason (declining a reopen request).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    reason: String,
}

/// Body of an assignment: `me`, an account id, or `null` for nobody.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    account: Option<String>,
}

/// `POST …/publish`.
pub async fn publish(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    run(signed, &path, Action::Publish, &state).await
}

/// `POST …/hide`.
pub async fn hide(
    signed: Signed,
    path: web::Path<String>,
    body: Json<HideBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().reason;
    run(signed, &path, Action::Hide { reason }, &state).await
}

/// `PUT …/description`.
pub async fn edit_description(
    signed: Signed,
    path: web::Path<String>,
    body: Json<DescriptionBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    run(
        signed,
        &path,
        Action::EditDescription {
            text: body.into_inner().description,
        },
        &state,
    )
    .await
}

/// `GET …/photos/{photo}/{variant}`: a photo of a report the account handles, released or not,
/// so a clerk sees what moderation is about to release. Never stored by shared caches.
pub async fn get_photo(
    signed: Signed,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, photo, variant) = path.into_inner();
    let row = own_report(&signed, &state, &id).await?;
    let photo = PhotoId::parse(&photo).map_err(|_| ApiError::NotFound)?;
    let variant: Variant = variant.parse().map_err(|_| ApiError::NotFound)?;
    let photos = state.store.report_photos(row.id, false).await?;
    if !photos.iter().any(|p| p.photo_id == photo.as_str()) {
        return Err(ApiError::NotFound);
    }
    // `Cache-Control: private, no-store` comes with every admin route (`per_request_headers`).
    let body = photo_body(&state, &photo, variant).await?;
    Ok(HttpResponse::Ok().content_type("image/jpeg").body(body))
}

/// `PUT …/photos/{photo}`.
pub async fn set_photo(
    signed: Signed,
    path: web::Path<(String, String)>,
    body: Json<PhotoBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, photo_id) = path.into_inner();
    run(
        signed,
        &id,
        Action::SetPhotoVisible {
            photo_id,
            visible: body.visible,
        },
        &state,
    )
    .await
}

/// `POST …/status`.
pub async fn change_status(
    signed: Signed,
    path: web::Path<String>,
    body: Json<StatusBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let to = body.status.parse::<TargetStatus>().map_err(|e| {
        ApiError::invalid(
            e.field,
            e.reason,
            "Status muss in_progress, resolved oder closed sein",
        )
    })?;
    // Only a closing has a reason, and only `not_responsible` says who is.
    if to != TargetStatus::Closed && (body.reason.is_some() || body.responsible.is_some()) {
        return Err(ApiError::invalid(
            "reason",
            "only a closing (status closed) has a reason",
            "Nur ein Abschluss (Status closed) hat einen Grund.",
        ));
    }
    if body.responsible.is_some() && body.reason.as_deref() != Some("not_responsible") {
        return Err(ApiError::invalid(
            "responsible",
            "only the reason not_responsible names who is responsible",
            "Nur der Grund not_responsible nennt, wer zuständig ist.",
        ));
    }
    run(
        signed,
        &path,
        Action::ChangeStatus {
            to,
            answer: body.answer,
            reason: body.reason,
            responsible: body.responsible,
        },
        &state,
    )
    .await
}

/// `POST …/answers`.
pub async fn answer(
    signed: Signed,
    path: web::Path<String>,
    body: Json<TextBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    run(
        signed,
        &path,
        Action::Answer {
            text: body.into_inner().text,
        },
        &state,
    )
    .await
}

/// `POST …/notes`.
pub async fn note(
    signed: Signed,
    path: web::Path<String>,
    body: Json<TextBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    run(
        signed,
        &path,
        Action::Note {
            text: body.into_inner().text,
        },
        &state,
    )
    .await
}

/// `POST …/forward`.
pub async fn forward(
    signed: Signed,
    path: web::Path<String>,
    body: Json<ForwardBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let to = AuthorityKey::parse(&body.authority)
        .map_err(|e| ApiError::invalid("authority", e.reason, "Ungültiger Behördenschlüssel"))?;
    run(
        signed,
        &path,
        Action::Forward {
            to,
            reason: body.reason,
        },
        &state,
    )
    .await
}

/// `POST …/duplicate`.
pub async fn mark_duplicate(
    signed: Signed,
    path: web::Path<String>,
    body: Json<DuplicateBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let of = ReportId::parse(&body.of)
        .map_err(|e| ApiError::invalid("of", e.reason, "Ungültige Meldungsnummer"))?;
    run(
        signed,
        &path,
        Action::MarkDuplicate {
            of,
            answer: body.answer,
        },
        &state,
    )
    .await
}

/// `PUT …/category`.
pub async fn change_category(
    signed: Signed,
    path: web::Path<String>,
    body: Json<CategoryBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let to = CategoryCode::parse(&body.category)
        .map_err(|e| ApiError::invalid("category", e.reason, "Ungültige Kategorie"))?;
    run(signed, &path, Action::ChangeCategory { to }, &state).await
}

/// `POST …/reopen`.
pub async fn reopen(
    signed: Signed,
    path: web::Path<String>,
    body: Json<ReopenBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let in_progress = match body.status.as_deref() {
        None | Some("open") => false,
        Some("in_progress") => true,
        Some(other) => {
            return Err(ApiError::invalid(
                "status",
                format!("{other:?} is not one of open, in_progress"),
                "Status muss open oder in_progress sein",
            ));
        }
    };
    run(
        signed,
        &path,
        Action::Reopen {
            reason: body.reason,
            in_progress,
        },
        &state,
    )
    .await
}

/// `POST …/decline-reopen`: a citizen's reopen request is declined, with a public reason.
pub async fn decline_reopen(
    signed: Signed,
    path: web::Path<String>,
    body: Json<ReasonBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let reason = body.into_inner().reason;
    run(signed, &path, Action::DeclineReopen { reason }, &state).await
}

/// `PUT …/assignee`: take the report on (`me`), hand it to a colleague (their account id),
/// or give it back (`null`).
pub async fn assign(
    signed: Signed,
    path: web::Path<String>,
    body: Json<AssigneeBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let to = match body.into_inner().account.as_deref() {
        None => None,
        Some("me") => Some(signed.actor.id),
        Some(id) => Some(Uuid::parse_str(id).map_err(|_| {
            ApiError::invalid(
                "account",
                format!("{id:?} is not me or an account id"),
                "Konto muss me oder eine Konto-ID sein",
            )
        })?),
    };
    // The name is the store's: the workflow looks the clerk up among the authority's.
    let to = to.map(|id| Assignee {
        id,
        name: String::new(),
    });
    run(signed, &path, Action::Assign { to }, &state).await
}
