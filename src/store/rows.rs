//! Row types shared by both backends and their conversion into validated domain types.

use chrono::{DateTime, Utc};

use crate::boundaries::BoundaryArea;
use crate::boundaries::codec;
use crate::domain::{
    Area, AreaKey, Authority, AuthorityKey, Category, CategoryCode, CloseReason, Coordinates,
    Email, Event, InvalidValue, Kreis, Language, MediaUrl, Report, ReportId, ReportStatus,
    RoutingRule, RoutingScope, RoutingTarget, State, Timeline,
};

use super::Error;

/// `authorities` row.
#[derive(Debug, sqlx::FromRow)]
pub struct AuthorityRow {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub contact_email: String,
}

impl TryFrom<AuthorityRow> for Authority {
    type Error = Error;

    fn try_from(row: AuthorityRow) -> Result<Self, Error> {
        Ok(Authority {
            key: AuthorityKey::parse(&row.key).map_err(corrupt)?,
            kind: row.kind.parse().map_err(corrupt)?,
            state: row.state.parse().map_err(corrupt)?,
            name: row.name,
            contact_email: row.contact_email,
        })
    }
}

/// `areas` row (with the encoded outline).
#[derive(Debug, sqlx::FromRow)]
pub struct AreaRow {
    pub key: String,
    pub name: String,
    pub official_name: String,
    pub state: String,
    pub kreis_key: String,
    pub kreis_name: String,
    pub authority_key: String,
    pub kreis_authority_key: String,
    pub source_id: String,
    pub precision_rank: i32,
    pub geometry: Vec<u8>,
}

impl TryFrom<AreaRow> for BoundaryArea {
    type Error = Error;

    fn try_from(row: AreaRow) -> Result<Self, Error> {
        let shape = codec::decode(&row.geometry).map_err(corrupt)?;
        Ok(BoundaryArea {
            area: Area {
                key: AreaKey::parse(&row.key).map_err(corrupt)?,
                state: row.state.parse::<State>().map_err(corrupt)?,
                authority: AuthorityKey::parse(&row.authority_key).map_err(corrupt)?,
                kreis_authority: AuthorityKey::parse(&row.kreis_authority_key).map_err(corrupt)?,
                name: row.name,
                official_name: row.official_name,
                kreis: Kreis {
                    key: row.kreis_key,
                    name: row.kreis_name,
                },
                source: row.source_id,
                precision: row.precision_rank,
            },
            shape,
        })
    }
}

/// `categories` row.
#[derive(Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name_de: String,
    pub name_en: String,
    pub group_code: String,
    pub notice_de: Option<String>,
    pub notice_en: Option<String>,
    pub routing_level: String,
    pub routing_authority_key: Option<String>,
    pub active: bool,
    pub sort_order: i32,
}

impl TryFrom<CategoryRow> for Category {
    type Error = Error;

    fn try_from(row: CategoryRow) -> Result<Self, Error> {
        Ok(Category {
            code: CategoryCode::parse(&row.code).map_err(corrupt)?,
            routing: RoutingTarget::from_parts(
                &row.routing_level,
                row.routing_authority_key.as_deref(),
            )
            .map_err(corrupt)?,
            name_de: row.name_de,
            name_en: row.name_en,
            group: row.group_code,
            notice_de: row.notice_de,
            notice_en: row.notice_en,
            active: row.active,
            sort_order: row.sort_order,
        })
    }
}

/// `routing_rules` row.
#[derive(Debug, sqlx::FromRow)]
pub struct RoutingRuleRow {
    pub category_code: String,
    pub scope: String,
    pub scope_key: String,
    pub target_level: String,
    pub target_authority_key: Option<String>,
}

impl TryFrom<RoutingRuleRow> for RoutingRule {
    type Error = Error;

    fn try_from(row: RoutingRuleRow) -> Result<Self, Error> {
        let scope = match row.scope.as_str() {
            "state" => RoutingScope::State(row.scope_key.parse().map_err(corrupt)?),
            "kreis" => RoutingScope::Kreis(row.scope_key),
            other => return Err(Error::Corrupt(format!("routing scope {other:?}"))),
        };
        Ok(RoutingRule {
            scope,
            category: CategoryCode::parse(&row.category_code).map_err(corrupt)?,
            target: RoutingTarget::from_parts(
                &row.target_level,
                row.target_authority_key.as_deref(),
            )
            .map_err(corrupt)?,
        })
    }
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// Converts every row, failing on the first invalid one.
pub fn convert_all<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> Result<Vec<T>, Error> {
    rows.into_iter().map(T::try_from).collect()
}

/// `reports` row, private fields included.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct ReportRow {
    pub id: uuid::Uuid,
    pub category_code: String,
    pub description: String,
    pub lat: f64,
    pub lon: f64,
    pub address: Option<String>,
    pub media_url: Option<String>,
    pub area_key: String,
    pub authority_key: String,
    pub status: String,
    pub close_reason: Option<String>,
    pub close_detail: Option<String>,
    pub duplicate_of: Option<uuid::Uuid>,
    pub visibility: String,
    pub language: String,
    pub near_border: bool,
    pub reporter_email: Option<String>,
    pub reporter_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status_changed_at: DateTime<Utc>,
    pub revision: i64,
    pub original_description: Option<String>,
    pub opened_at: Option<DateTime<Utc>>,
    pub reaction_due_at: Option<DateTime<Utc>>,
    pub first_reaction_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub authority_since: Option<DateTime<Utc>>,
    pub assignee_id: Option<uuid::Uuid>,
    pub reopen_requested_at: Option<DateTime<Utc>>,
    pub supporters: i64,
}

impl TryFrom<ReportRow> for Report {
    type Error = Error;

    fn try_from(row: ReportRow) -> Result<Self, Error> {
        let context = |e: InvalidValue| Error::Corrupt(format!("report {}: {e}", row.id));
        let reason = row
            .close_reason
            .as_deref()
            .map(|code| {
                CloseReason::from_code(
                    code,
                    row.close_detail.clone(),
                    row.duplicate_of.map(ReportId::from),
                )
            })
            .transpose()
            .map_err(context)?;
        Ok(Report {
            id: row.id.into(),
            category: CategoryCode::parse(&row.category_code).map_err(context)?,
            location: Coordinates::new(row.lat, row.lon)
                .map_err(|e| Error::Corrupt(format!("report {}: {e}", row.id)))?,
            area: AreaKey::parse(&row.area_key).map_err(context)?,
            authority: AuthorityKey::parse(&row.authority_key).map_err(context)?,
            status: ReportStatus::from_parts(&row.status, reason).map_err(context)?,
            visibility: row.visibility.parse().map_err(context)?,
            language: Language::parse(&row.language).map_err(context)?,
            media_url: row
                .media_url
                .as_deref()
                .map(MediaUrl::parse)
                .transpose()
                .map_err(context)?,
            reporter_email: row
                .reporter_email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(context)?,
            description: row.description,
            original_description: row.original_description,
            address: row.address,
            near_border: row.near_border,
            assignee: row.assignee_id,
            reporter_name: row.reporter_name,
            revision: row.revision,
            timeline: Timeline {
                created_at: row.created_at,
                updated_at: row.updated_at,
                status_changed_at: row.status_changed_at,
                opened_at: row.opened_at,
                reaction_due_at: row.reaction_due_at,
                first_reaction_at: row.first_reaction_at,
                resolved_at: row.resolved_at,
                authority_since: row.authority_since,
                reopen_requested_at: row.reopen_requested_at,
            },
            supporters: row.supporters,
        })
    }
}

impl From<&Report> for ReportRow {
    fn from(report: &Report) -> Self {
        let reason = report.status.close_reason();
        let (close_detail, duplicate_of) = match reason {
            Some(CloseReason::NotResponsible { responsible }) => (Some(responsible.clone()), None),
            Some(CloseReason::Duplicate { of }) => (None, Some(of.uuid())),
            _ => (None, None),
        };
        let t = &report.timeline;
        ReportRow {
            id: report.id.uuid(),
            category_code: report.category.as_str().to_owned(),
            description: report.description.clone(),
            lat: report.location.lat(),
            lon: report.location.lon(),
            address: report.address.clone(),
            media_url: report.media_url.as_ref().map(|u| u.as_str().to_owned()),
            area_key: report.area.as_str().to_owned(),
            authority_key: report.authority.as_str().to_owned(),
            status: report.status.as_str().to_owned(),
            close_reason: reason.map(|r| r.code().to_owned()),
            close_detail,
            duplicate_of,
            visibility: report.visibility.as_str().to_owned(),
            language: report.language.as_str().to_owned(),
            near_border: report.near_border,
            reporter_email: report
                .reporter_email
                .as_ref()
                .map(|e| e.as_str().to_owned()),
            reporter_name: report.reporter_name.clone(),
            created_at: t.created_at,
            updated_at: t.updated_at,
            status_changed_at: t.status_changed_at,
            revision: report.revision,
            original_description: report.original_description.clone(),
            opened_at: t.opened_at,
            reaction_due_at: t.reaction_due_at,
            first_reaction_at: t.first_reaction_at,
            resolved_at: t.resolved_at,
            authority_since: t.authority_since,
            assignee_id: report.assignee,
            reopen_requested_at: t.reopen_requested_at,
            supporters: report.supporters,
        }
    }
}

/// `report_events` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct EventRow {
    id: i64,
    kind: String,
    actor: String,
    public: bool,
    status: Option<String>,
    body: Option<String>,
    at: DateTime<Utc>,
    authority_key: Option<String>,
}

impl TryFrom<EventRow> for Event {
    type Error = Error;

    fn try_from(row: EventRow) -> Result<Self, Error> {
        let corrupt = |e: InvalidValue| Error::Corrupt(format!("report event at {}: {e}", row.at));
        Ok(Event {
            id: row.id,
            kind: row.kind.parse().map_err(corrupt)?,
            authority: row
                .authority_key
                .as_deref()
                .map(AuthorityKey::parse)
                .transpose()
                .map_err(corrupt)?,
            actor: row.actor,
            public: row.public,
            status: row.status,
            body: row.body,
            at: row.at,
        })
    }
}
