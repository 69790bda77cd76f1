//! Admin routes of authorities that run their own system: the delivery method (e-mail or
//! Open311 to the authority's back office) and the deliveries, dead letters among them.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::input::{Json, Query};
use super::reports::parse_limit;
use super::{ApiError, AppState};
use crate::backoffice::config::{self, ServiceCodes};
use crate::domain::{AuthorityKey, InvalidValue};
use crate::store::backoffice::{DeliveryConfigRow, DeliveryRow};

/// `PUT /api/v1/admin/authorities/{key}/delivery` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryBody {
    method: String,
    url: Option<String>,
    api_key: Option<String>,
    jurisdiction_id: Option<String>,
    service_codes: Option<BTreeMap<String, String>>,
    send_contact: Option<bool>,
}

fn invalid(error: InvalidValue) -> ApiError {
    let de = format!("{}: ungültiger Wert ({})", error.field, error.reason);
    ApiError::invalid(error.field, error.reason, de)
}

/// How admins see a delivery method: the api key only by its last characters.
fn config_view(key: &str, row: Option<&DeliveryConfigRow>) -> serde_json::Value {
    let Some(row) = row else {
        return json!({ "authority": key, "method": "email" });
    };
    let codes = ServiceCodes::parse(&row.service_codes).unwrap_or_default();
    json!({
        "authority": key,
        "method": row.method,
        "url": row.base_url,
        "api_key_hint": row.api_key.as_deref().map(config::key_hint),
        "jurisdiction_id": row.jurisdiction_id,
        "service_codes": codes.map(),
        "send_contact": row.send_contact,
        "updated_at": row.updated_at,
    })
}

async fn known_authority(state: &AppState, path: &str) -> Result<AuthorityKey, ApiError> {
    let key = AuthorityKey::parse(path).map_err(|_| ApiError::NotFound)?;
    if state.jurisdiction.current().authority(&key).is_none() {
        return Err(ApiError::NotFound);
    }
    Ok(key)
}

/// `GET /api/v1/admin/authorities/{key}/delivery`: how the authority gets its reports.
pub async fn get_delivery(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let key = known_authority(&state, &path).await?;
    let row = state.store.delivery_config(key.as_str()).await?;
    Ok(HttpResponse::Ok().json(config_view(key.as_str(), row.as_ref())))
}

/// `PUT /api/v1/admin/authorities/{key}/delivery`: `email`, or `open311` with the back
/// office's base URL and api key (kept when omitted and one is stored already).
pub async fn set_delivery(
    signed: Signed,
    path: web::Path<String>,
    body: Json<DeliveryBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let key = known_authority(&state, &path).await?;
    let body = body.into_inner();
    // A mapping sent along is checked whatever the method, so a bad one is never accepted.
    let service_codes = body
        .service_codes
        .clone()
        .map(ServiceCodes::new)
        .transpose()
        .map_err(invalid)?;
    // So are the other settings sent along (an empty string means none).
    let sent = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let url = sent(&body.url)
        .map(|u| config::base_url(&u))
        .transpose()
        .map_err(invalid)?;
    let api_key = sent(&body.api_key)
        .map(|k| config::field("api_key", &k))
        .transpose()
        .map_err(invalid)?;
    let jurisdiction_id = sent(&body.jurisdiction_id)
        .map(|j| config::field("jurisdiction_id", &j))
        .transpose()
        .map_err(invalid)?;
    let stored = state.store.delivery_config(key.as_str()).await?;
    let row = match body.method.as_str() {
        "email" => DeliveryConfigRow {
            authority_key: key.as_str().to_owned(),
            method: "email".into(),
            // The back office's settings stay, so switching back needs no new key.
            base_url: stored.as_ref().and_then(|s| s.base_url.clone()),
            api_key: stored.as_ref().and_then(|s| s.api_key.clone()),
            jurisdiction_id: stored.as_ref().and_then(|s| s.jurisdiction_id.clone()),
            service_codes: stored
                .as_ref()
                .map_or_else(|| "{}".into(), |s| s.service_codes.clone()),
            send_contact: stored.as_ref().is_some_and(|s| s.send_contact),
            updated_at: Utc::now(),
        },
        "open311" => {
            let url =
                url.ok_or_else(|| invalid(InvalidValue::new("url", "is required for open311")))?;
            let api_key = match api_key {
                Some(new) => new,
                None => stored
                    .as_ref()
                    .and_then(|s| s.api_key.clone())
                    .ok_or_else(|| {
                        invalid(InvalidValue::new("api_key", "is required for open311"))
                    })?,
            };
            DeliveryConfigRow {
                authority_key: key.as_str().to_owned(),
                method: "open311".into(),
                base_url: Some(url),
                api_key: Some(api_key),
                jurisdiction_id,
                service_codes: service_codes.unwrap_or_default().to_json(),
                send_contact: body.send_contact.unwrap_or(false),
                updated_at: Utc::now(),
            }
        }
        other => {
            return Err(ApiError::invalid(
                "method",
                format!("{other:?} is not one of email, open311"),
                format!("method: {other:?} ist weder email noch open311"),
            ));
        }
    };
    state.store.set_delivery_config(&row).await?;
    Ok(HttpResponse::Ok().json(config_view(key.as_str(), Some(&row))))
}

/// `GET /api/v1/admin/backoffice-deliveries` query.
#[derive(Debug, Deserialize)]
pub struct DeliveriesQuery {
    state: Option<String>,
    limit: Option<String>,
}

/// One delivery as admins see it.
fn delivery_view(row: &DeliveryRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "report_id": row.report_id,
        "authority": row.authority_key,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "service_request_id": row.remote_id,
        "token": row.remote_token,
        "created_at": row.created_at,
        "delivered_at": row.delivered_at,
    })
}

/// `GET /api/v1/admin/backoffice-deliveries`: deliveries to back offices, newest first;
/// `state=dead` lists the dead letters.
pub async fn list_deliveries(
    signed: Signed,
    query: Query<DeliveriesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
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
    let rows = state.store.list_deliveries(wanted, limit).await?;
    let deliveries: Vec<_> = rows.iter().map(delivery_view).collect();
    Ok(HttpResponse::Ok().json(json!({ "deliveries": deliveries })))
}

/// `POST /api/v1/admin/backoffice-deliveries/{id}/retry`: puts a dead letter back in the queue.
pub async fn retry_delivery(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    if state.store.get_delivery(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    if !state.store.retry_delivery(id, Utc::now()).await? {
        return Err(ApiError::NotAllowed(
            "only a dead delivery can be retried".into(),
        ));
    }
    Ok(HttpResponse::Accepted().json(json!({ "id": id, "state": "pending" })))
}
