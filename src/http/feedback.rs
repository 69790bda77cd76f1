//! `POST /api/v1/reports/{id}/feedback`: the citizen's word on a green or yellow-green report
//! ("still not fixed" / "confirmed fixed"), from the reporter's tracking link or a follower's
//! status mail. No account: the key in the link is the proof. Photos of what is still wrong
//! may come along (multipart); they wait for a clerk's release.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::admin_photos::store_photos;
use super::input::{body_not_matching, check_json_text, refused_text};
use super::intake;
use super::reports::{JSON_BODY_LIMIT, intake_refused};
use super::{ApiError, AppState};
use crate::domain::text::refused_char;
use crate::domain::{CitizenFeedback, MAX_FEEDBACK_PHOTOS, Refusal, ReportId};
use crate::feedback::{self, FeedbackError, Speaker};
use crate::workflow::WorkflowContext;

/// Body of a feedback.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    /// `not_fixed` or `fixed`.
    kind: String,
    /// What is still wrong (required for `not_fixed`), or a word of thanks.
    text: Option<String>,
    /// The reporter's key, or the follower's key from their mail.
    key: String,
    /// The follower the key belongs to (absent: the key is the reporter's).
    follower: Option<String>,
}

impl FeedbackBody {
    /// The body from a form's text fields (each at most once; the text rule applied).
    fn from_fields(fields: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut body = FeedbackBody {
            kind: String::new(),
            text: None,
            key: String::new(),
            follower: None,
        };
        let (mut kind, mut key) = (None, None);
        for (name, value) in fields {
            if let Some(reason) = refused_char(&value) {
                return Err(refused_text(name, reason));
            }
            let slot = match name.as_str() {
                "kind" => &mut kind,
                "text" => &mut body.text,
                "key" => &mut key,
                "follower" => &mut body.follower,
                _ => {
                    return Err(ApiError::invalid(
                        name.clone(),
                        format!("unexpected field {name:?}"),
                        format!("Unerwartetes Feld {name:?}"),
                    ));
                }
            };
            if slot.replace(value).is_some() {
                return Err(ApiError::invalid(
                    name.clone(),
                    format!("the field {name:?} is given twice"),
                    format!("Das Feld {name:?} kommt zweimal vor"),
                ));
            }
        }
        let missing = |field: &'static str| {
            ApiError::invalid(
                field,
                format!("{field} is required"),
                format!("{field} fehlt"),
            )
        };
        body.kind = kind.ok_or_else(|| missing("kind"))?;
        body.key = key.ok_or_else(|| missing("key"))?;
        Ok(body)
    }
}

/// `POST /api/v1/reports/{id}/feedback`: JSON, or multipart/form-data with the same fields and
/// up to [`MAX_FEEDBACK_PHOTOS`] `photo` files (hidden until a clerk releases them).
pub async fn give(
    path: web::Path<String>,
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A wrong key is answered like an unknown report: it proves nothing about the report.
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
    let (body, files) = match intake::media_type(&request).as_str() {
        "application/json" => {
            let bytes = intake::read_body(payload, JSON_BODY_LIMIT)
                .await
                .map_err(intake_refused)?;
            let value: Value =
                serde_json::from_slice(&bytes).map_err(|e| body_not_matching(&e.to_string()))?;
            if !value.is_object() {
                return Err(body_not_matching("expected a JSON object"));
            }
            check_json_text(&value)?;
            let body =
                serde_json::from_value(value).map_err(|e| body_not_matching(&e.to_string()))?;
            (body, Vec::new())
        }
        "multipart/form-data" => {
            let form = intake::read_multipart(Multipart::new(request.headers(), payload), "photo")
                .await
                .map_err(intake_refused)?;
            (FeedbackBody::from_fields(form.fields)?, form.files)
        }
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                accepted: "application/json, multipart/form-data",
            });
        }
    };
    if files.len() > MAX_FEEDBACK_PHOTOS {
        return Err(ApiError::invalid(
            "photo",
            format!("send at most {MAX_FEEDBACK_PHOTOS} photos"),
            format!("höchstens {MAX_FEEDBACK_PHOTOS} Fotos senden"),
        ));
    }
    let keys = &state.reporter_keys;
    let speaker = match body.follower.as_deref() {
        None if keys.verify(id.uuid(), &body.key) => Speaker::Reporter,
        Some(follower) => match Uuid::parse_str(follower) {
            Ok(follower) if keys.verify_follower(id.uuid(), follower, &body.key) => {
                Speaker::Follower(follower)
            }
            _ => return Err(ApiError::NotFound),
        },
        None => return Err(ApiError::NotFound),
    };
    let feedback = match body.kind.as_str() {
        "not_fixed" => CitizenFeedback::NotFixed {
            text: body.text.unwrap_or_default(),
        },
        "fixed" => CitizenFeedback::Fixed { text: body.text },
        other => {
            return Err(ApiError::invalid(
                "kind",
                format!("{other:?} is not one of not_fixed, fixed"),
                "Art muss not_fixed oder fixed sein",
            ));
        }
    };
    let ctx = WorkflowContext {
        store: state.store.clone(),
        jurisdiction: state.jurisdiction.clone(),
        composer: state.filing.composer.clone(),
    };
    // Only a key holder gets here, so only they can make the server process photos, and only
    // for feedback the report takes.
    if !files.is_empty() {
        feedback::check(&ctx, id, speaker, &feedback, Utc::now())
            .await
            .map_err(feedback_error)?;
    }
    let photos = store_photos(&state, files).await?;
    let report = feedback::give(&ctx, id, speaker, &feedback, &photos, Utc::now())
        .await
        .map_err(feedback_error)?;
    Ok(HttpResponse::Created().json(json!({
        "id": report.id,
        "reopen_requested": report.timeline.reopen_requested_at.is_some(),
        "photos": photos.len(),
    })))
}

fn feedback_error(error: FeedbackError) -> ApiError {
    match error {
        FeedbackError::NotFound | FeedbackError::Refused(Refusal::NotFound) => ApiError::NotFound,
        FeedbackError::Refused(Refusal::Invalid { field, reason }) => {
            let de = format!("{field}: {reason}");
            ApiError::invalid(field, reason, de)
        }
        FeedbackError::Refused(Refusal::NotAllowed(reason)) => ApiError::NotAllowed(reason),
        FeedbackError::AlreadyGiven => ApiError::Duplicate(
            "you already gave feedback on this state of the report".into(),
            "Sie haben zu diesem Stand der Meldung schon eine Rückmeldung gegeben".into(),
        ),
        FeedbackError::Conflict => ApiError::EditConflict,
        FeedbackError::Internal(e) => ApiError::Internal(e),
    }
}
