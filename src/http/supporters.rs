//! `POST /api/v1/reports/{id}/supporters`: "me too" for a published open report.

use super::input::Json;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::intake::{client_address, retry_after_secs};
use super::mail::mail_context;
use super::{ApiError, AppState};
use crate::domain::{Email, Language, ReportId};
use crate::notify::support::{self, SupportError, Supported};

/// The body (`{}` at least): every field optional; without `email` the support is anonymous.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportBody {
    email: Option<String>,
    language: Option<String>,
    follow: Option<bool>,
}

/// Supports a report: anonymous → 201 with the new count; with an address → 202 (the
/// confirmation mail; the same answer whether or not the address supports it already). Both
/// are rate-limited per client with the follow budget: each is one click that changes what
/// the public sees or makes the service send a mail. 404 for a report the public cannot see,
/// 409 for one that is handled already (green or yellow-green).
pub async fn support(
    request: HttpRequest,
    path: web::Path<String>,
    body: Json<SupportBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
    let body = body.into_inner();
    let email = body
        .email
        .as_deref()
        .map(|text| {
            Email::parse(text).map_err(|e| {
                ApiError::invalid("email", e.reason.clone(), format!("email: {}", e.reason))
            })
        })
        .transpose()?;
    let language = match body.language.as_deref() {
        None => Language::De,
        Some(text) => Language::parse(text).map_err(|e| {
            ApiError::invalid(
                "language",
                e.reason.clone(),
                format!("language: {}", e.reason),
            )
        })?,
    };
    if email.is_none() && body.follow == Some(true) {
        return Err(ApiError::invalid(
            "follow",
            "following needs an email address",
            "Zum Folgen ist eine E-Mail-Adresse nötig",
        ));
    }
    let client = client_address(&request, state.settings.trust_forwarded_for);
    if let Err(wait) = state.follow_limiter.admit(client).await {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: retry_after_secs(wait),
        });
    }
    let supported = support::support(
        &mail_context(&state),
        id,
        email.as_ref(),
        language,
        body.follow.unwrap_or(false),
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        SupportError::NotFound => ApiError::NotFound,
        SupportError::NotOpen => {
            ApiError::NotAllowed("only an open report (red or yellow) can be supported".into())
        }
        SupportError::Internal(e) => ApiError::Internal(e),
    })?;
    Ok(match supported {
        Supported::Counted(count) => HttpResponse::Created().json(json!({
            "status": "counted",
            "supporters": count,
        })),
        Supported::ConfirmationSent => HttpResponse::Accepted().json(json!({
            "status": "confirmation_sent",
            "detail": "If the address does not support the report yet, a mail with a confirmation link is on its way. The support counts once confirmed.",
            "detail_de": "Falls die Adresse die Meldung noch nicht unterstützt, ist eine E-Mail mit Bestätigungslink unterwegs. Die Unterstützung zählt nach der Bestätigung.",
        })),
    })
}
