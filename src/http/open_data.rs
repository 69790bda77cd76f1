//! The open-data downloads: every public report as CSV or GeoJSON, with the public list's
//! filters, streamed page by page (a million reports cost the memory of one page), and the
//! dataset's DCAT-AP.de description.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use futures_util::{StreamExt, TryStreamExt, stream};

use super::input::Query;
use super::reports::{PublicFilterQuery, public_filter};
use super::{ApiError, AppState};
use crate::open_data::{Exporter, Format, dcat_catalog, public_report_pages};

/// How long browsers and caches may keep a download.
const CACHE_CONTROL: &str = "public, max-age=300";

/// `GET /api/v1/open-data/reports.csv`: the public reports, newest first, as CSV.
pub async fn reports_csv(
    state: web::Data<AppState>,
    query: Query<PublicFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    download(&state, &query, Format::Csv)
}

/// `GET /api/v1/open-data/reports.geojson`: the public reports, newest first, as a GeoJSON
/// feature collection that names its licence.
pub async fn reports_geojson(
    state: web::Data<AppState>,
    query: Query<PublicFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    download(&state, &query, Format::GeoJson)
}

/// `GET /api/v1/open-data/catalog.jsonld`: the dataset in DCAT-AP.de.
pub async fn catalog(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/ld+json")
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .json(dcat_catalog(
            &state.settings.open_data,
            &state.settings.public_url,
            Utc::now(),
        ))
}

/// The download as a stream: head, one chunk per page, tail. A database error midway ends
/// the stream with an error, so the download breaks off rather than looking whole.
fn download(
    state: &AppState,
    query: &PublicFilterQuery,
    format: Format,
) -> Result<HttpResponse, ApiError> {
    let filter = public_filter(state, query)?;
    let exporter = Arc::new(Exporter::new(
        state.jurisdiction.current(),
        &state.settings.public_url,
    ));
    let head = format.head(&state.settings.open_data);
    let mut first = true;
    let pages = public_report_pages(state.store.clone(), filter)
        .map_ok(move |page| format.page(&exporter, &page, &mut first))
        .map_err(|e| {
            tracing::error!(error = %e, "open-data download broke off");
            actix_web::error::ErrorInternalServerError("database error")
        });
    let body = stream::once(async { Ok(head) })
        .chain(pages)
        .chain(stream::once(async move { Ok(format.tail()) }));
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", format.file_name()),
        ))
        .streaming(body))
}
