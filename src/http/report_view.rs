//! The public JSON of a report. Built only from fields the public may see: the reporter's
//! email and name are never read here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Light, ReportId};
use crate::jurisdiction::{AuthorityView, Jurisdiction};
use crate::store::reports::{EventRow, PhotoRow, ReportRow, light_of};

/// A category as shown with a report.
#[derive(Debug, Serialize)]
pub struct CategoryRef {
    code: String,
    name_de: String,
    name_en: String,
}

/// The area as shown with a report.
#[derive(Debug, Serialize)]
pub struct AreaRef {
    key: String,
    name: String,
}

/// A photo's public URLs.
#[derive(Debug, Serialize)]
pub struct PhotoView {
    id: String,
    width: i32,
    height: i32,
    thumb_url: String,
    web_url: String,
    /// Released to the public (clerk views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    visible: Option<bool>,
}

/// One step of the forwarding chain: with whom the report was, since when.
#[derive(Debug, Serialize)]
pub struct ChainEntry {
    authority: Option<AuthorityView>,
    key: String,
    since: DateTime<Utc>,
}

/// One public history entry.
#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    at: DateTime<Utc>,
    kind: String,
    status: Option<String>,
    text: Option<String>,
}

/// The closing reason of a yellow-green report.
#[derive(Debug, Serialize)]
pub struct CloseView {
    reason: String,
    detail: Option<String>,
    duplicate_of: Option<String>,
}

/// A location.
#[derive(Debug, Serialize)]
pub struct LatLon {
    lat: f64,
    lon: f64,
}

/// A report as the public (and the reporter right after filing) sees it.
#[derive(Debug, Serialize)]
pub struct ReportView {
    id: String,
    url: String,
    category: CategoryRef,
    description: String,
    address: Option<String>,
    location: LatLon,
    area: AreaRef,
    authority: Option<AuthorityView>,
    status: String,
    light: Option<Light>,
    visibility: String,
    status_since: DateTime<Utc>,
    status_age_seconds: i64,
    authority_since: DateTime<Utc>,
    reaction_due_at: Option<DateTime<Utc>>,
    first_reaction_at: Option<DateTime<Utc>>,
    overdue: bool,
    close_reason: Option<CloseView>,
    near_border: bool,
    created_at: DateTime<Utc>,
    photos: Vec<PhotoView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<HistoryEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authority_chain: Option<Vec<ChainEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicates: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
}

/// The public path of a report.
pub fn report_path(id: ReportId) -> String {
    format!("/api/v1/reports/{id}")
}

impl ReportView {
    /// Renders a report. `history` is included for the single-report view only.
    pub fn new(
        row: &ReportRow,
        photos: &[PhotoRow],
        history: Option<&[EventRow]>,
        jurisdiction: &Jurisdiction,
        now: DateTime<Utc>,
    ) -> Self {
        let id = ReportId::from(row.id);
        let category = jurisdiction.category(&row.category_code);
        let area_name = jurisdiction
            .areas()
            .iter()
            .find(|a| a.key.as_str() == row.area_key)
            .map_or_else(|| row.area_key.clone(), |a| a.name.clone());
        let authority = crate::domain::AuthorityKey::parse(&row.authority_key)
            .ok()
            .and_then(|key| jurisdiction.authority(&key))
            .map(AuthorityView::from);
        Self {
            id: id.to_string(),
            url: report_path(id),
            category: CategoryRef {
                code: row.category_code.clone(),
                name_de: category.map_or_else(|| row.category_code.clone(), |c| c.name_de.clone()),
                name_en: category.map_or_else(|| row.category_code.clone(), |c| c.name_en.clone()),
            },
            description: row.description.clone(),
            address: row.address.clone(),
            location: LatLon {
                lat: row.lat,
                lon: row.lon,
            },
            area: AreaRef {
                key: row.area_key.clone(),
                name: area_name,
            },
            authority,
            status: row.status.clone(),
            light: light_of(&row.status),
            visibility: row.visibility.clone(),
            status_since: row.status_changed_at,
            status_age_seconds: (now - row.status_changed_at).num_seconds().max(0),
            authority_since: row.authority_since.unwrap_or(row.created_at),
            reaction_due_at: row.reaction_due_at,
            first_reaction_at: row.first_reaction_at,
            overdue: crate::stats::is_overdue(row.reaction_due_at, row.first_reaction_at, now),
            close_reason: row.close_reason.as_ref().map(|reason| CloseView {
                reason: reason.clone(),
                detail: row.close_detail.clone(),
                duplicate_of: row.duplicate_of.map(|d| d.to_string()),
            }),
            near_border: row.near_border,
            created_at: row.created_at,
            photos: photos
                .iter()
                .map(|p| PhotoView {
                    id: p.photo_id.clone(),
                    width: p.width,
                    height: p.height,
                    thumb_url: format!("/api/v1/photos/{}/thumb", p.photo_id),
                    web_url: format!("/api/v1/photos/{}/web", p.photo_id),
                    visible: None,
                })
                .collect(),
            authority_chain: history.map(|events| {
                events
                    .iter()
                    .filter_map(|e| {
                        let key = e.authority_key.as_ref()?;
                        Some(ChainEntry {
                            authority: crate::domain::AuthorityKey::parse(key)
                                .ok()
                                .and_then(|k| jurisdiction.authority(&k))
                                .map(AuthorityView::from),
                            key: key.clone(),
                            since: e.at,
                        })
                    })
                    .collect()
            }),
            duplicates: None,
            history: history.map(|events| {
                events
                    .iter()
                    .map(|e| HistoryEntry {
                        at: e.at,
                        kind: e.kind.clone(),
                        status: e.status.clone(),
                        text: e.body.clone(),
                    })
                    .collect()
            }),
            distance_m: None,
        }
    }

    /// Marks each photo as released or not (clerk views; `photos` as passed to `new`).
    pub fn with_photo_visibility(mut self, photos: &[PhotoRow]) -> Self {
        for (view, row) in self.photos.iter_mut().zip(photos) {
            view.visible = Some(row.visible);
        }
        self
    }

    /// Adds the reports marked as duplicates of this one.
    pub fn with_duplicates(mut self, ids: &[uuid::Uuid]) -> Self {
        self.duplicates = Some(ids.iter().map(uuid::Uuid::to_string).collect());
        self
    }

    /// Adds the distance to a searched point (the nearby list).
    pub fn with_distance(mut self, metres: f64) -> Self {
        self.distance_m = Some((metres * 10.0).round() / 10.0);
        self
    }
}
