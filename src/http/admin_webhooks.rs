//! Admin routes for webhooks (admins only): register an endpoint for event types (its secret
//! is shown once), list, change, enable and disable, delete, rotate the secret (the old one
//! keeps signing beside the new one for the configured overlap), list an endpoint's deliveries
//! with their outcomes, and retry a dead one.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::input::{Json, Query};
use super::reports::parse_limit;
use super::{ApiError, AppState};
use crate::store::webhooks::{DeliveryRow, EndpointChange, EndpointRow};
use crate::webhooks::signature::new_secret;
use crate::webhooks::{EventType, EventTypes, MAX_DESCRIPTION_CHARS, check_url};

/// An endpoint as admins see it (its secret only in the answers that create or rotate it).
#[derive(Debug, Serialize)]
pub struct EndpointView {
    id: Uuid,
    url: String,
    description: String,
    event_types: Vec<&'static str>,
    active: bool,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Until when the previous secret still signs beside the current one (after a rotation).
    previous_secret_expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
}

impl EndpointView {
    fn new(row: EndpointRow, now: DateTime<Utc>) -> Self {
        Self {
            id: row.id,
            url: row.url,
            description: row.description,
            event_types: EventTypes::from_stored(&row.event_types).names(),
            active: row.active,
            created_by: row.created_by,
            created_at: row.created_at,
            updated_at: row.updated_at,
            previous_secret_expires_at: row
                .previous_secret
                .and(row.previous_secret_expires_at)
                .filter(|until| *until > now),
            secret: None,
        }
    }
}

/// `POST /api/v1/admin/webhooks` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEndpointBody {
    url: String,
    event_types: Vec<String>,
    #[serde(default)]
    description: String,
}

/// `PATCH /api/v1/admin/webhooks/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointChangeBody {
    url: Option<String>,
    event_types: Option<Vec<String>>,
    description: Option<String>,
    active: Option<bool>,
}

fn url_of(url: &str, state: &AppState) -> Result<String, ApiError> {
    check_url(url, &state.settings.webhooks).map_err(|e| {
        ApiError::invalid(
            "url",
            e.0,
            "Die Adresse muss eine https-URL sein (höchstens 2000 Zeichen, ohne Zugangsdaten).",
        )
    })
}

fn event_types_of(names: &[String]) -> Result<EventTypes, ApiError> {
    EventTypes::parse(names).map_err(|detail| {
        ApiError::invalid(
            "event_types",
            detail,
            format!(
                "Bitte nennen Sie mindestens einen dieser Ereignistypen: {}.",
                EventType::ALL.map(EventType::as_str).join(", ")
            ),
        )
    })
}

fn description_of(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_CHARS {
        return Err(ApiError::invalid(
            "description",
            format!("at most {MAX_DESCRIPTION_CHARS} characters"),
            format!("höchstens {MAX_DESCRIPTION_CHARS} Zeichen"),
        ));
    }
    Ok(text.to_owned())
}

fn endpoint_id(path: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(path).map_err(|_| ApiError::NotFound)
}

fn no_randomness(e: getrandom::Error) -> ApiError {
    ApiError::Internal(anyhow::anyhow!(
        "no randomness from the operating system: {e}"
    ))
}

/// `POST /api/v1/admin/webhooks`: registers an endpoint; the answer holds its secret, once.
pub async fn create(
    signed: Signed,
    body: Json<NewEndpointBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let url = url_of(&body.url, &state)?;
    let types = event_types_of(&body.event_types)?;
    let description = description_of(&body.description)?;
    let max = state.settings.webhooks.max_endpoints;
    if state.store.count_webhook_endpoints().await? >= i64::from(max) {
        return Err(ApiError::NotAllowed(format!(
            "there are {max} webhook endpoints already, the most this installation allows (BUERGERBUERO_WEBHOOKS__MAX_ENDPOINTS)"
        )));
    }
    let now = Utc::now();
    let secret = new_secret().map_err(no_randomness)?;
    let row = EndpointRow {
        id: Uuid::now_v7(),
        url,
        description,
        event_types: types.stored(),
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_expires_at: None,
        active: true,
        created_by: Some(signed.actor.id),
        created_at: now,
        updated_at: now,
    };
    state.store.create_webhook_endpoint(&row).await?;
    let id = row.id;
    let mut view = EndpointView::new(row, now);
    view.secret = Some(secret);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/admin/webhooks/{id}")))
        .json(view))
}

/// `GET /api/v1/admin/webhooks`: every endpoint, oldest first (no secrets).
pub async fn list(signed: Signed, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let now = Utc::now();
    let endpoints: Vec<EndpointView> = state
        .store
        .list_webhook_endpoints()
        .await?
        .into_iter()
        .map(|row| EndpointView::new(row, now))
        .collect();
    Ok(HttpResponse::Ok().json(json!({
        "endpoints": endpoints,
        "event_types": EventType::ALL.map(EventType::as_str),
    })))
}

/// `GET /api/v1/admin/webhooks/{id}`.
pub async fn get(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let row = state
        .store
        .webhook_endpoint(endpoint_id(&path)?)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(EndpointView::new(row, Utc::now())))
}

/// `PATCH /api/v1/admin/webhooks/{id}`: URL, event types, description, enabled or disabled.
/// A disabled endpoint gets no deliveries for events while it is disabled; those queued
/// before wait until it is enabled again.
pub async fn update(
    signed: Signed,
    path: web::Path<String>,
    body: Json<EndpointChangeBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = endpoint_id(&path)?;
    let change = EndpointChange {
        url: body.url.as_deref().map(|u| url_of(u, &state)).transpose()?,
        event_types: body
            .event_types
            .as_deref()
            .map(|t| event_types_of(t).map(|t| t.stored()))
            .transpose()?,
        description: body
            .description
            .as_deref()
            .map(description_of)
            .transpose()?,
        active: body.active,
    };
    if !state
        .store
        .update_webhook_endpoint(id, &change, Utc::now())
        .await?
    {
        return Err(ApiError::NotFound);
    }
    let row = state
        .store
        .webhook_endpoint(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(EndpointView::new(row, Utc::now())))
}

/// `DELETE /api/v1/admin/webhooks/{id}`: removes the endpoint and its deliveries.
pub async fn delete(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    if state
        .store
        .delete_webhook_endpoint(endpoint_id(&path)?)
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}

/// `POST /api/v1/admin/webhooks/{id}/secret`: a new secret, shown once; the previous one
/// keeps signing beside it until `previous_secret_expires_at` (the configured overlap), so
/// the receiver can switch without refusing a delivery.
pub async fn rotate_secret(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = endpoint_id(&path)?;
    let secret = new_secret().map_err(no_randomness)?;
    let now = Utc::now();
    let until = now + state.settings.webhooks.rotation_overlap();
    if !state
        .store
        .rotate_webhook_secret(id, &secret, until, now)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    let row = state
        .store
        .webhook_endpoint(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let mut view = EndpointView::new(row, now);
    view.secret = Some(secret);
    Ok(HttpResponse::Ok().json(view))
}

/// `GET /api/v1/admin/webhooks/{id}/deliveries` query.
#[derive(Debug, Deserialize)]
pub struct DeliveriesQuery {
    state: Option<String>,
    limit: Option<String>,
}

/// One delivery as admins see it, with its payload (no personal data by construction).
fn delivery_view(row: &DeliveryRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "event_id": row.event_id,
        "event_type": row.event_type,
        "report_id": row.report_id,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": matches!(row.state.as_str(), "pending" | "sending").then_some(row.next_attempt_at),
        "last_status": row.last_status,
        "last_error": row.last_error,
        "last_attempt_at": row.last_attempt_at,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
        "payload": serde_json::from_str::<serde_json::Value>(&row.payload).ok(),
    })
}

/// `GET /api/v1/admin/webhooks/{id}/deliveries`: newest first, optionally in one state.
pub async fn list_deliveries(
    signed: Signed,
    path: web::Path<String>,
    query: Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = endpoint_id(&path)?;
    let wanted = match query.state.as_deref() {
        None => None,
        Some(s @ ("pending" | "sending" | "delivered" | "dead")) => Some(s),
        Some(other) => {
            return Err(ApiError::invalid(
                "state",
                format!("{other:?} is not one of pending, sending, delivered, dead"),
                format!("state: {other:?} ist keiner von pending, sending, delivered, dead"),
            ));
        }
    };
    let limit = parse_limit(query.limit.as_deref())?;
    if state.store.webhook_endpoint(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    let rows = state
        .store
        .list_webhook_deliveries(id, wanted, limit)
        .await?;
    let deliveries: Vec<_> = rows.iter().map(delivery_view).collect();
    Ok(HttpResponse::Ok().json(json!({ "deliveries": deliveries })))
}

/// `POST /api/v1/admin/webhooks/{id}/deliveries/{delivery}/retry`: puts a dead delivery back
/// in the queue with fresh attempts.
pub async fn retry_delivery(
    signed: Signed,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let (endpoint, delivery) = path.into_inner();
    let endpoint = endpoint_id(&endpoint)?;
    let delivery = Uuid::parse_str(&delivery).map_err(|_| ApiError::NotFound)?;
    if state
        .store
        .webhook_delivery(endpoint, delivery)
        .await?
        .is_none()
    {
        return Err(ApiError::NotFound);
    }
    if !state
        .store
        .retry_webhook_delivery(endpoint, delivery, Utc::now())
        .await?
    {
        return Err(ApiError::NotAllowed(
            "only a dead delivery can be retried".into(),
        ));
    }
    Ok(HttpResponse::Accepted().json(json!({ "id": delivery, "state": "pending" })))
}
