//! The clerk API for photos beyond releasing them: redacting parts of a photo (faces, number
//! plates) and answering in public with the authority's own photos ("after" photos). Both
//! process and store the photos first (content-addressed, so a retry stores nothing new), then
//! record the change through the workflow like every clerk action.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::admin_reports::{own_report, run};
use super::auth::Signed;
use super::input::{Json, refused_text};
use super::intake;
use super::reports::intake_refused;
use super::{ApiError, AppState};
use crate::domain::text::refused_char;
use crate::domain::{Action, MAX_ANSWER_PHOTOS, PhotoRef};
use crate::photos::{Area, Areas, PhotoId, PhotoLimits, Variant, redact};

/// Body of a redaction: the rectangles, in the web variant's pixels.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactionBody {
    areas: Vec<Area>,
}

/// `POST …/photos/{photo}/redaction`: pixelates the rectangles in the photo's web size and
/// thumbnail and puts the result in the photo's place under a new id; the original's files
/// are deleted unless another report holds the same upload.
pub async fn redact_photo(
    signed: Signed,
    path: web::Path<(String, String)>,
    body: Json<RedactionBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, photo) = path.into_inner();
    let row = own_report(&signed, &state, &id).await?;
    let photo = PhotoId::parse(&photo).map_err(|_| ApiError::NotFound)?;
    let stored = state
        .store
        .report_photos(row.id, false)
        .await?
        .into_iter()
        .find(|p| p.photo_id == photo.as_str())
        .ok_or(ApiError::NotFound)?;
    let (width, height) = (
        u32::try_from(stored.width).unwrap_or(0),
        u32::try_from(stored.height).unwrap_or(0),
    );
    let areas = Areas::new(body.into_inner().areas, width, height).map_err(|e| {
        ApiError::invalid(
            "areas",
            e.0,
            format!(
                "1 bis {} Rechtecke, jedes mindestens {} × {} Pixel groß und ganz im Foto ({width} × {height} Pixel)",
                crate::photos::MAX_AREAS,
                crate::photos::MIN_AREA_SIDE,
                crate::photos::MIN_AREA_SIDE
            ),
        )
    })?;
    let web_bytes = stored_variant(&state, &photo, Variant::Web).await?;
    let thumb_bytes = stored_variant(&state, &photo, Variant::Thumb).await?;
    let job = {
        let (photo, areas) = (photo.clone(), areas.clone());
        move || redact(&photo, &web_bytes, &thumb_bytes, &areas)
    };
    let redacted = state
        .filing
        .photo_workers
        .run(job)
        .await
        .map_err(|e| anyhow::anyhow!("redacting photo {photo}: {e}"))?
        .map_err(|e| anyhow::anyhow!("redacting photo {photo}: {e}"))?;
    state
        .photos
        .put(&redacted)
        .await
        .map_err(|e| anyhow::anyhow!("storing redacted photo {}: {e}", redacted.id))?;
    let answer = run(
        signed,
        &id,
        Action::RedactPhoto {
            photo_id: photo.to_string(),
            redacted_id: redacted.id.to_string(),
            areas: areas.summary(),
        },
        &state,
    )
    .await?;
    // The unredacted files go unless another report holds the same upload (its own clerks
    // decide about it there). Best effort: no route serves a photo no report row names, so a
    // file left behind by a failed delete is never public.
    if !state.store.photo_is_referenced(photo.as_str()).await?
        && let Err(error) = state.photos.delete(&photo).await
    {
        tracing::warn!(%photo, %error, "could not delete the unredacted photo");
    }
    Ok(answer)
}

/// One stored variant of a photo a report names (missing is a fault of the storage).
async fn stored_variant(
    state: &AppState,
    photo: &PhotoId,
    variant: Variant,
) -> Result<Vec<u8>, ApiError> {
    let bytes = state
        .photos
        .get(photo, variant)
        .await
        .map_err(|e| anyhow::anyhow!("reading photo {photo} ({variant}): {e}"))?
        .ok_or_else(|| anyhow::anyhow!("photo {photo} ({variant}) is not stored"))?;
    Ok(bytes)
}

/// `POST …/photo-answers`: a public answer (`text`) with 1 to 5 photos (`photo` files),
/// through the same pipeline and limits as a citizen's photos; released at once.
pub async fn answer_with_photos(
    signed: Signed,
    request: HttpRequest,
    payload: web::Payload,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let row = own_report(&signed, &state, &path).await?;
    if intake::media_type(&request) != "multipart/form-data" {
        return Err(ApiError::UnsupportedMediaType {
            accepted: "multipart/form-data",
        });
    }
    let body = intake::read_multipart(Multipart::new(request.headers(), payload), "photo")
        .await
        .map_err(intake_refused)?;
    let mut text = None;
    for (name, value) in body.fields {
        if let Some(reason) = refused_char(&value) {
            return Err(refused_text(name, reason));
        }
        match name.as_str() {
            "text" if text.is_none() => text = Some(value),
            _ => {
                return Err(ApiError::invalid(
                    name.clone(),
                    format!("unexpected field {name:?}: send one text and photo files"),
                    format!("Unerwartetes Feld {name:?}: bitte einen Text und Fotodateien senden"),
                ));
            }
        }
    }
    let text = text.ok_or_else(|| {
        ApiError::invalid(
            "text",
            "the answer's text is missing",
            "Der Antworttext fehlt",
        )
    })?;
    if body.files.is_empty() || body.files.len() > MAX_ANSWER_PHOTOS {
        return Err(ApiError::invalid(
            "photo",
            format!("send 1 to {MAX_ANSWER_PHOTOS} photos (or answer without photos)"),
            format!("1 bis {MAX_ANSWER_PHOTOS} Fotos senden (oder ohne Fotos antworten)"),
        ));
    }
    let photos = store_photos(&state, body.files).await?;
    run(
        signed,
        &row.id.to_string(),
        Action::AnswerWithPhotos { text, photos },
        &state,
    )
    .await
}

/// Runs uploaded photo files through the pipeline of a filing's photos (limits, metadata
/// stripped, web size and thumbnail) and stores them; a refused one is a 4xx naming its index.
/// Content-addressed: a retry stores nothing new.
pub(super) async fn store_photos(
    state: &AppState,
    files: Vec<Vec<u8>>,
) -> Result<Vec<PhotoRef>, ApiError> {
    let limits = PhotoLimits::default();
    let mut photos = Vec::with_capacity(files.len());
    for (index, bytes) in files.into_iter().enumerate() {
        let (processed, took) = state
            .filing
            .photo_workers
            .process(bytes, limits)
            .await
            .map_err(|e| anyhow::anyhow!("processing photo {index}: {e}"))?;
        state.metrics.photo_processed(took);
        let processed = processed.map_err(|error| ApiError::Photo { index, error })?;
        state
            .photos
            .put(&processed)
            .await
            .map_err(|e| anyhow::anyhow!("storing photo {}: {e}", processed.id))?;
        photos.push(PhotoRef {
            id: processed.id.to_string(),
            width: processed.width,
            height: processed.height,
        });
    }
    Ok(photos)
}
