//! The public JSON of a report. Built only from fields the public may see: the reporter's
//! email and name are never read here.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{CloseReason, Event, EventKind, Light, Report, ReportId};
use crate::jurisdiction::{AuthorityView, Jurisdiction};
use crate::store::reports::PhotoRow;

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

impl PhotoView {
    fn of(p: &PhotoRow) -> Self {
        PhotoView {
            id: p.photo_id.clone(),
            width: p.width,
            height: p.height,
            thumb_url: format!("/api/v1/photos/{}/thumb", p.photo_id),
            web_url: format!("/api/v1/photos/{}/web", p.photo_id),
            visible: None,
        }
    }
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
    kind: EventKind,
    /// What happened, as the public history names it.
    label: Label,
    status: Option<String>,
    /// The light the event set (the filing and status moves), else `None`.
    light: Option<Light>,
    text: Option<String>,
    /// Photos sent with this entry: the authority's with an answer, a citizen's with feedback.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    photos: Vec<PhotoView>,
}

/// A German and an English name (the server owns the vocabulary the pages show).
#[derive(Debug, Serialize)]
pub struct Label {
    de: &'static str,
    en: &'static str,
}

impl Label {
    /// A `(German, English)` pair.
    pub fn of((de, en): (&'static str, &'static str)) -> Self {
        Self { de, en }
    }
}

/// The closing reason of a yellow-green report.
#[derive(Debug, Serialize)]
pub struct CloseView {
    reason: String,
    detail: Option<String>,
    duplicate_of: Option<String>,
}

impl CloseView {
    fn of(reason: &CloseReason) -> Self {
        let (detail, duplicate_of) = match reason {
            CloseReason::NotResponsible { responsible } => (Some(responsible.clone()), None),
            CloseReason::Duplicate { of } => (None, Some(of.to_string())),
            _ => (None, None),
        };
        CloseView {
            reason: reason.code().to_owned(),
            detail,
            duplicate_of,
        }
    }
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
    /// "Me too": anonymous and confirmed supports.
    supporters: i64,
    photos: Vec<PhotoView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<HistoryEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    authority_chain: Option<Vec<ChainEntry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicates: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    distance_m: Option<f64>,
    /// The reporter's key (only in the answer to the filing).
    #[serde(skip_serializing_if = "Option::is_none")]
    reporter_key: Option<String>,
}

/// The public path of a report.
pub fn report_path(id: ReportId) -> String {
    format!("/api/v1/reports/{id}")
}

impl ReportView {
    /// Renders a report. `history` is included for the single-report view only.
    pub fn new(
        report: &Report,
        photos: &[PhotoRow],
        history: Option<&[Event]>,
        jurisdiction: &Jurisdiction,
        now: DateTime<Utc>,
    ) -> Self {
        let id = report.id;
        let code = report.category.as_str();
        let category = jurisdiction.category(code);
        let area_name = jurisdiction
            .areas()
            .iter()
            .find(|a| a.key == report.area)
            .map_or_else(|| report.area.to_string(), |a| a.name.clone());
        let authority = jurisdiction
            .authority(&report.authority)
            .map(AuthorityView::from);
        let t = &report.timeline;
        Self {
            id: id.to_string(),
            url: report_path(id),
            category: CategoryRef {
                code: code.to_owned(),
                name_de: category.map_or_else(|| code.to_owned(), |c| c.name_de.clone()),
                name_en: category.map_or_else(|| code.to_owned(), |c| c.name_en.clone()),
            },
            description: report.description.clone(),
            address: report.address.clone(),
            location: LatLon {
                lat: report.location.lat(),
                lon: report.location.lon(),
            },
            area: AreaRef {
                key: report.area.to_string(),
                name: area_name,
            },
            authority,
            status: report.status.as_str().to_owned(),
            light: report.light(),
            visibility: report.visibility.as_str().to_owned(),
            status_since: t.status_changed_at,
            status_age_seconds: (now - t.status_changed_at).num_seconds().max(0),
            authority_since: t.authority_since.unwrap_or(t.created_at),
            reaction_due_at: t.reaction_due_at,
            first_reaction_at: t.first_reaction_at,
            overdue: crate::stats::is_overdue(t.reaction_due_at, t.first_reaction_at, now),
            close_reason: report.status.close_reason().map(CloseView::of),
            near_border: report.near_border,
            created_at: t.created_at,
            supporters: report.supporters,
            // The reporter's photos; an answer's own show with it in the history.
            photos: photos
                .iter()
                .filter(|p| p.event_id.is_none())
                .map(PhotoView::of)
                .collect(),
            authority_chain: history.map(|events| {
                events
                    .iter()
                    .filter_map(|e| {
                        let key = e.authority.as_ref()?;
                        Some(ChainEntry {
                            authority: jurisdiction.authority(key).map(AuthorityView::from),
                            key: key.to_string(),
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
                        kind: e.kind,
                        label: Label::of(e.kind.public_label()),
                        light: e
                            .kind
                            .shows_light()
                            .then(|| e.status.as_deref().and_then(Light::of_status_name))
                            .flatten(),
                        status: e.status.clone(),
                        text: e.body.clone(),
                        photos: photos
                            .iter()
                            .filter(|p| p.event_id == Some(e.id))
                            .map(PhotoView::of)
                            .collect(),
                    })
                    .collect()
            }),
            distance_m: None,
            reporter_key: None,
        }
    }

    /// Adds the reporter's key (the answer to the filing: only the reporter gets it).
    pub fn with_reporter_key(mut self, key: String) -> Self {
        self.reporter_key = Some(key);
        self
    }

    /// Marks each photo, the history's too, as released or not (clerk views; `photos` as
    /// passed to `new`): a citizen's feedback photos wait there for a clerk's release.
    pub fn with_photo_visibility(mut self, photos: &[PhotoRow]) -> Self {
        let visible: std::collections::HashMap<&str, bool> = photos
            .iter()
            .map(|p| (p.photo_id.as_str(), p.visible))
            .collect();
        let entries = self.history.iter_mut().flatten();
        let views = self
            .photos
            .iter_mut()
            .chain(entries.flat_map(|entry| entry.photos.iter_mut()));
        for view in views {
            view.visible = visible.get(view.id.as_str()).copied();
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
