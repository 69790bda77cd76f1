//! `POST /api/v1/reports/{id}/feedback`: the citizen's word on a green or yellow-green report
//! ("still not fixed" / "confirmed fixed"), from the reporter's tracking link or a follower's
//! status mail. No account: the key in the link is the proof.

use actix_web::{HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::input::Json;
use super::{ApiError, AppState};
use crate::domain::{CitizenFeedback, Refusal, ReportId};
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

/// `POST /api/v1/reports/{id}/feedback`.
pub async fn give(
    path: web::Path<String>,
    body: Json<FeedbackBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // A wrong key is answered like an unknown report: it proves nothing about the report.
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
    let body = body.into_inner();
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
    let report = feedback::give(&ctx, id, speaker, &feedback, Utc::now())
        .await
        .map_err(|error| match error {
            FeedbackError::NotFound | FeedbackError::Refused(Refusal::NotFound) => {
                ApiError::NotFound
            }
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
        })?;
    Ok(HttpResponse::Created().json(json!({
        "id": report.id,
        "reopen_requested": report.timeline.reopen_requested_at.is_some(),
    })))
}
