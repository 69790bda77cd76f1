//! Admin routes for the API keys of Open311 clients: issue (the key is shown once), list,
//! revoke. Only admins may; a revoked key is refused (403) on the next filing.

use super::input::Json;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::auth::Signed;
use super::{ApiError, AppState};
use crate::auth::secrets::{random_hex, secret_hash};
use crate::store::open311::ApiKeyRow;

/// Prefix of Open311 API keys, so a leaked one is recognisable.
pub const OPEN311_KEY_PREFIX: &str = "bbo_";
/// Longest key name.
const MAX_NAME_CHARS: usize = 254;

/// `POST /api/v1/admin/open311-keys` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKeyBody {
    name: String,
}

/// A key as listed (never its secret).
#[derive(Debug, Serialize)]
pub struct KeyView {
    id: Uuid,
    name: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    /// The key itself, only in the answer that issued it.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<String>,
}

impl From<ApiKeyRow> for KeyView {
    fn from(row: ApiKeyRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_by: row.created_by,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            api_key: None,
        }
    }
}

/// `POST /api/v1/admin/open311-keys`: issues a key for an Open311 client; shown once.
pub async fn create_key(
    signed: Signed,
    body: Json<NewKeyBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::invalid(
            "name",
            "name the key (1 to 254 characters), e.g. after the app or organisation using it",
            "Bitte benennen Sie den Schlüssel (1 bis 254 Zeichen), z. B. nach der App.",
        ));
    }
    let secret = random_hex(32)
        .map(|hex| format!("{OPEN311_KEY_PREFIX}{hex}"))
        .map_err(|e| {
            ApiError::Internal(anyhow::anyhow!(
                "no randomness from the operating system: {e}"
            ))
        })?;
    let row = ApiKeyRow {
        id: Uuid::now_v7(),
        name,
        secret_hash: secret_hash(&secret),
        created_by: Some(signed.actor.id),
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    state.store.create_api_key(&row).await?;
    let mut view = KeyView::from(row);
    view.api_key = Some(secret);
    Ok(HttpResponse::Created().json(view))
}

/// `GET /api/v1/admin/open311-keys`: every key, newest first.
pub async fn list_keys(
    signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let keys: Vec<KeyView> = state
        .store
        .list_api_keys()
        .await?
        .into_iter()
        .map(KeyView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "keys": keys })))
}

/// `DELETE /api/v1/admin/open311-keys/{id}`: revokes a key; 404 if there is no such key or it
/// is revoked already.
pub async fn revoke_key(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    if state.store.revoke_api_key(id, Utc::now()).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
