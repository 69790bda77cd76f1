//! Reports as Open311 service requests. Built only from what the public may see: the
//! reporter's email, name and phone are never read here (as in `http::report_view`).
//!
//! Status: Open311 knows `open` and `closed`. Open (red) and in progress (yellow) are `open`;
//! resolved (green) and closed with a reason (yellow-green) are `closed`. With
//! `extensions=true` each request also carries `extended_attributes` (the detailed status as
//! ours and as CitySDK's `detailed_status`, the traffic light, the closing reason, the
//! responsible authority, photos) and `notes` (the public history), as FixMyStreet, CitySDK
//! and the Chicago/Boston extensions do.
//!
//! `expected_datetime` is always empty: the spec means when the request is expected to be
//! fulfilled, and no authority promises that. What we do promise, the first reaction within a
//! number of working days, is `extended_attributes.reaction_due_at` (with `overdue`).
//! `media_url` is the link the client filed, else our first visible photo. With a
//! `lat`/`long`/`radius` filter each request also tells its `distance` from the centre in
//! metres.

use chrono::{DateTime, Utc};

use super::{Node, datetime};
use crate::domain::Event;
use crate::domain::{CloseReason, Report, ReportId};
use crate::jurisdiction::Jurisdiction;
use crate::store::open311::UpdateRow;
use crate::store::reports::{Near, PhotoRow};

/// `open` or `closed` for a stored status.
pub fn open311_status(status: &str) -> &'static str {
    match status {
        "resolved" | "closed" => "closed",
        _ => "open",
    }
}

/// The stored statuses an Open311 status stands for.
pub fn native_statuses(open311: &str) -> Option<&'static [&'static str]> {
    match open311 {
        "open" => Some(&["open", "in_progress"]),
        "closed" => Some(&["resolved", "closed"]),
        _ => None,
    }
}

/// CitySDK's `detailed_status` for a stored status.
pub fn detailed_status(status: &str) -> &'static str {
    match status {
        "open" => "RECEIVED",
        "in_progress" => "IN_PROCESS",
        "resolved" => "PROCESSED",
        "closed" => "REJECTED",
        _ => "PENDING",
    }
}

/// What rendering a request needs besides the report.
#[derive(Clone, Copy)]
pub struct RenderContext<'a> {
    /// Category and authority names.
    pub jurisdiction: &'a Jurisdiction,
    /// The service's public base URL, for absolute photo URLs.
    pub public_url: &'a str,
    /// The service promise, e.g. "Erste Rückmeldung innerhalb von 3 Werktagen."
    pub service_notice: &'a str,
    /// Whether to add `extended_attributes` and `notes`.
    pub extensions: bool,
    /// For `overdue`.
    pub now: DateTime<Utc>,
    /// The centre of a radius filter, for each request's `distance`.
    pub near: Option<Near>,
}

/// One public report with what its request shows.
#[derive(Debug, Clone, Copy)]
pub struct PublicReport<'a> {
    /// The report (published; the caller checks).
    pub row: &'a Report,
    /// Its visible photos.
    pub photos: &'a [PhotoRow],
    /// Its latest public answer.
    pub status_notes: Option<&'a str>,
    /// Its public history (for `notes` with extensions).
    pub history: Option<&'a [Event]>,
}

/// The absolute URL of a photo variant.
pub fn photo_url(public_url: &str, photo_id: &str, variant: &str) -> String {
    format!(
        "{}/api/v1/photos/{photo_id}/{variant}",
        public_url.trim_end_matches('/')
    )
}

/// One `request` of `service_requests`.
pub fn request_node(report: PublicReport<'_>, ctx: &RenderContext<'_>) -> Node {
    let row = report.row;
    let code = row.category.as_str();
    let category = ctx.jurisdiction.category(code);
    let authority = ctx.jurisdiction.authority(&row.authority);
    let t = &row.timeline;
    let mut fields = vec![
        ("service_request_id", Node::Text(row.id.to_string())),
        (
            "status",
            Node::Text(open311_status(row.status.as_str()).into()),
        ),
        ("status_notes", Node::opt_text(report.status_notes)),
        (
            "service_name",
            Node::Text(category.map_or_else(|| code.to_owned(), |c| c.name_de.clone())),
        ),
        ("service_code", Node::Text(code.to_owned())),
        ("description", Node::Text(row.description.clone())),
        (
            "agency_responsible",
            Node::opt_text(authority.map(|a| a.name.clone())),
        ),
        ("service_notice", Node::Text(ctx.service_notice.to_owned())),
        ("requested_datetime", Node::Text(datetime(t.created_at))),
        ("updated_datetime", Node::Text(datetime(t.updated_at))),
        ("expected_datetime", Node::Null),
        ("address", Node::opt_text(row.address.clone())),
        ("address_id", Node::Null),
        ("zipcode", Node::Null),
        ("lat", Node::Number(row.location.lat())),
        ("long", Node::Number(row.location.lon())),
        (
            "media_url",
            Node::opt_text(
                row.media_url
                    .as_ref()
                    .map(|u| u.as_str().to_owned())
                    .or_else(|| {
                        report
                            .photos
                            .first()
                            .map(|p| photo_url(ctx.public_url, &p.photo_id, "web"))
                    }),
            ),
        ),
    ];
    if let Some(near) = ctx.near {
        fields.push((
            "distance",
            Node::Integer(
                near.distance_m(row.location.lat(), row.location.lon())
                    .round() as i64,
            ),
        ));
    }
    if ctx.extensions {
        fields.push(("extended_attributes", extended(report, ctx)));
        fields.push((
            "notes",
            Node::list(
                "note",
                report
                    .history
                    .unwrap_or_default()
                    .iter()
                    .map(note_node)
                    .collect(),
            ),
        ));
    }
    Node::Object(fields)
}

fn extended(report: PublicReport<'_>, ctx: &RenderContext<'_>) -> Node {
    let row = report.row;
    let t = &row.timeline;
    let authority = ctx.jurisdiction.authority(&row.authority);
    let reason = row.status.close_reason();
    let (close_detail, duplicate_of) = match reason {
        Some(CloseReason::NotResponsible { responsible }) => (Some(responsible.clone()), None),
        Some(CloseReason::Duplicate { of }) => (None, Some(of.to_string())),
        _ => (None, None),
    };
    Node::Object(vec![
        (
            "detailed_status",
            Node::Text(detailed_status(row.status.as_str()).into()),
        ),
        (
            "buergerbuero_status",
            Node::Text(row.status.as_str().into()),
        ),
        ("light", Node::opt_text(row.light().map(|l| l.as_str()))),
        ("status_since", Node::Text(datetime(t.status_changed_at))),
        (
            "close_reason",
            Node::opt_text(reason.map(|r| r.code().to_owned())),
        ),
        ("close_detail", Node::opt_text(close_detail)),
        ("duplicate_of", Node::opt_text(duplicate_of)),
        ("supporters", Node::Integer(row.supporters)),
        (
            "authority",
            Node::Object(vec![
                ("key", Node::Text(row.authority.to_string())),
                ("name", Node::opt_text(authority.map(|a| a.name.clone()))),
                (
                    "kind",
                    Node::opt_text(authority.map(|a| a.kind.as_str().to_owned())),
                ),
            ]),
        ),
        (
            "authority_since",
            Node::Text(datetime(t.authority_since.unwrap_or(t.created_at))),
        ),
        (
            "reaction_due_at",
            Node::opt_text(t.reaction_due_at.map(datetime)),
        ),
        (
            "overdue",
            Node::Bool(crate::stats::is_overdue(
                t.reaction_due_at,
                t.first_reaction_at,
                ctx.now,
            )),
        ),
        (
            "photos",
            Node::list(
                "photo",
                report
                    .photos
                    .iter()
                    .map(|p| {
                        Node::Object(vec![
                            (
                                "media_url",
                                Node::Text(photo_url(ctx.public_url, &p.photo_id, "web")),
                            ),
                            (
                                "thumbnail_url",
                                Node::Text(photo_url(ctx.public_url, &p.photo_id, "thumb")),
                            ),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// One public history entry.
fn note_node(event: &Event) -> Node {
    Node::Object(vec![
        ("datetime", Node::Text(datetime(event.at))),
        ("type", Node::Text(event.kind.as_str().to_owned())),
        (
            "status",
            Node::opt_text(event.status.as_deref().map(open311_status)),
        ),
        ("detailed_status", Node::opt_text(event.status.clone())),
        ("description", Node::opt_text(event.body.clone())),
    ])
}

/// One `request_update` of the updates feed (FixMyStreet's `servicerequestupdates`).
pub fn update_node(update: &UpdateRow) -> Node {
    Node::Object(vec![
        ("update_id", Node::Text(update.id.to_string())),
        (
            "service_request_id",
            Node::Text(ReportId::from(update.report_id).to_string()),
        ),
        (
            "status",
            Node::opt_text(update.status.as_deref().map(open311_status)),
        ),
        (
            "external_status_code",
            Node::opt_text(update.status.clone()),
        ),
        ("updated_datetime", Node::Text(datetime(update.at))),
        ("description", Node::opt_text(update.body.clone())),
        ("type", Node::Text(update.kind.clone())),
        ("media_url", Node::Null),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_open_and_closed() {
        assert_eq!(open311_status("open"), "open");
        assert_eq!(open311_status("in_progress"), "open");
        assert_eq!(open311_status("resolved"), "closed");
        assert_eq!(open311_status("closed"), "closed");
        assert_eq!(native_statuses("open"), Some(&["open", "in_progress"][..]));
        assert_eq!(native_statuses("closed"), Some(&["resolved", "closed"][..]));
        assert_eq!(native_statuses("pending"), None);
        assert_eq!(detailed_status("in_progress"), "IN_PROCESS");
    }
}
