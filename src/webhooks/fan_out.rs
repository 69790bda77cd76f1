//! The fan-out: turns report events into deliveries, one per (active endpoint that wants the
//! event's type, event), and marks the events as taken — in one transaction.
//!
//! It reads the events the fan-out has not taken (`report_events.webhooks_fanned_out_at is
//! null`, a partial index) instead of being called by the write paths, so filing and the
//! clerk's actions stay as they are. Several instances may fan out the same events at once:
//! the deliveries' unique key (endpoint, event) keeps one of each, so every endpoint gets
//! every event once. Events of reports the public cannot see (waiting for moderation or
//! confirmation, hidden) are taken without a delivery.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{EventType, EventTypes, MAX_PAYLOAD_BYTES};
use crate::domain::{EventKind, Report, ReportId};
use crate::http::report_view::ReportView;
use crate::jurisdiction::Jurisdiction;
use crate::store::Store;
use crate::store::webhooks::{EndpointRow, NewDelivery, PendingEventRow};

/// Events taken per transaction.
const BATCH: i64 = 200;

/// Fans out every event not taken yet; returns how many deliveries it wrote.
pub async fn fan_out(
    store: &dyn Store,
    engine: &Jurisdiction,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let mut written = 0;
    loop {
        let events = store.pending_webhook_events(BATCH).await?;
        if events.is_empty() {
            return Ok(written);
        }
        // Read per batch: an endpoint created or disabled meanwhile counts from the next one.
        let endpoints: Vec<(EndpointRow, EventTypes)> = store
            .list_webhook_endpoints()
            .await?
            .into_iter()
            .filter(|e| e.active)
            .map(|e| {
                let types = EventTypes::from_stored(&e.event_types);
                (e, types)
            })
            .collect();
        let mut reports: HashMap<Uuid, Option<Report>> = HashMap::new();
        let mut deliveries = Vec::new();
        for event in &events {
            let Some(event_type) = event_type(event) else {
                continue;
            };
            let wanted: Vec<&EndpointRow> = endpoints
                .iter()
                .filter(|(_, types)| types.contains(event_type))
                .map(|(e, _)| e)
                .collect();
            if wanted.is_empty() {
                continue;
            }
            // Each report is read once per batch.
            if let std::collections::hash_map::Entry::Vacant(slot) = reports.entry(event.report_id)
            {
                slot.insert(
                    store
                        .get_report(ReportId::from(event.report_id))
                        .await?
                        .filter(Report::is_public),
                );
            }
            let Some(Some(report)) = reports.get(&event.report_id) else {
                continue;
            };
            let photos = store.report_photos(report.id, true).await?;
            let view = ReportView::new(report, &photos, None, engine, now);
            let body = serde_json::to_string(&payload(event_type, event, &view))?;
            let too_large = body.len() > MAX_PAYLOAD_BYTES;
            for endpoint in wanted {
                deliveries.push(NewDelivery {
                    id: Uuid::now_v7(),
                    endpoint_id: endpoint.id,
                    event_id: event.id,
                    event_type: event_type.as_str(),
                    report_id: event.report_id,
                    payload: if too_large {
                        String::new()
                    } else {
                        body.clone()
                    },
                    state: if too_large { "dead" } else { "pending" },
                    error: too_large.then(|| {
                        format!(
                            "the payload has {} bytes, more than the {MAX_PAYLOAD_BYTES} sent",
                            body.len()
                        )
                    }),
                });
            }
        }
        let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
        store.record_webhook_fan_out(&ids, &deliveries, now).await?;
        written += deliveries.len();
        if events.len() < BATCH as usize {
            return Ok(written);
        }
    }
}

/// The webhook type of a stored event, if any webhook announces it.
fn event_type(event: &PendingEventRow) -> Option<EventType> {
    let kind: EventKind = event.kind.parse().ok()?;
    EventType::of_event(kind, event.status.as_deref())
}

/// The body of a delivery (the Standard Webhooks shape: `type`, `timestamp`, `data`). The
/// event's text and authority are included only when the event is public (its text is then
/// the authority's public answer); `Published` events are internal and carry neither.
fn payload(
    event_type: EventType,
    event: &PendingEventRow,
    report: &ReportView,
) -> serde_json::Value {
    let public = |value: &Option<String>| value.clone().filter(|_| event.public);
    json!({
        "type": event_type.as_str(),
        "timestamp": event.at,
        "data": {
            "event": {
                "id": event.id,
                "kind": event.kind,
                "at": event.at,
                "status": event.status,
                "text": public(&event.body),
                "authority": public(&event.authority_key),
            },
            "report": report,
        }
    })
}
