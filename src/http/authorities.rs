//! An authority's own settings and figures: the contact address its new-report mails go to
//! (admins), and its public statistics.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::auth::Signed;
use super::input::Json;
use super::{ApiError, AppState};
use crate::domain::{AuthorityKey, Email};
use crate::jurisdiction::AuthorityView;

/// `PUT /api/v1/admin/authorities/{key}/contact` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    email: String,
}

/// `PUT /api/v1/admin/authorities/{key}/contact`: the address new-report mails go to
/// (empty: none). Kept by later boundary imports.
pub async fn set_contact(
    signed: Signed,
    path: web::Path<String>,
    body: Json<ContactBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let key = AuthorityKey::parse(&path).map_err(|_| ApiError::NotFound)?;
    if state.jurisdiction.current().authority(&key).is_none() {
        return Err(ApiError::NotFound);
    }
    let email = body.into_inner().email.trim().to_owned();
    if !email.is_empty() {
        Email::parse(&email)
            .map_err(|e| ApiError::invalid("email", e.reason, "Ungültige E-Mail-Adresse"))?;
    }
    state
        .store
        .set_authority_contact(key.as_str(), &email)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "key": key.as_str(), "contact_email": email })))
}

/// `GET /api/v1/authorities/{key}/stats` (public): lights, reaction and resolution times,
/// overdue share — withheld below the minimum number of reports.
pub async fn authority_stats(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = AuthorityKey::parse(&path).map_err(|_| ApiError::NotFound)?;
    let engine = state.jurisdiction.current();
    let authority = engine.authority(&key).ok_or(ApiError::NotFound)?;
    let rows = state.store.stats_rows(key.as_str()).await?;
    let stats = crate::stats::compute(&rows, Utc::now());
    Ok(HttpResponse::Ok().json(json!({
        "authority": AuthorityView::from(authority),
        "promise_working_days": state.settings.service_promise_days,
        "stats": stats,
    })))
}
