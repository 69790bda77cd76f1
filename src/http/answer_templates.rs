//! Answer templates: the texts clerks start a public answer from, per target status and
//! language (everyone signed in reads them, admins replace them).

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::auth::Signed;
use super::input::Json;
use super::{ApiError, AppState};
use crate::domain::{DESCRIPTION_MAX_CHARS, Language, TargetStatus};

/// `GET /api/v1/admin/answer-templates` (every signed-in account: clerks answer with them).
pub async fn list_templates(
    _signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let templates: Vec<_> = state
        .store
        .answer_templates()
        .await?
        .into_iter()
        .map(|t| json!({ "status": t.status, "language": t.language, "body": t.body, "updated_at": t.updated_at }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "templates": templates })))
}

/// `PUT /api/v1/admin/answer-templates/{status}/{language}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    body: String,
}

/// `PUT /api/v1/admin/answer-templates/{status}/{language}`: replaces a template.
pub async fn set_template(
    signed: Signed,
    path: web::Path<(String, String)>,
    body: Json<TemplateBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let (status, language) = path.into_inner();
    // Templates exist for the statuses a clerk moves a report to, in the report languages.
    if status.parse::<TargetStatus>().is_err() || Language::parse(&language).is_err() {
        return Err(ApiError::NotFound);
    }
    let text = body.into_inner().body.trim().to_owned();
    if text.is_empty() || text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(ApiError::invalid(
            "body",
            "1 to 4000 characters",
            "1 bis 4000 Zeichen",
        ));
    }
    let now = Utc::now();
    state
        .store
        .set_answer_template(&status, &language, &text, now)
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "status": status, "language": language, "body": text, "updated_at": now })))
}
