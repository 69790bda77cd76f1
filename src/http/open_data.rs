//! The open-data downloads: every public report as CSV or GeoJSON, with the public list's
//! filters, streamed page by page (a million reports cost the memory of one page), and the
//! dataset's DCAT-AP.de description.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use chrono::Utc;
use futures_util::{Stream, StreamExt, TryStreamExt, stream};

use super::input::Query;
use super::reports::{PublicFilterQuery, public_filter};
use super::{ApiError, AppState};
use crate::domain::Report;
use crate::open_data::{CSV_COLUMNS, Exporter, dcat_catalog};
use crate::store::Store;
use crate::store::reports::ReportFilter;

/// Reports read from the database at a time.
const PAGE: i64 = 1_000;
/// How long browsers and caches may keep a download.
const CACHE_CONTROL: &str = "public, max-age=300";

/// `GET /api/v1/open-data/reports.csv`: the public reports, newest first, as CSV.
pub async fn reports_csv(
    state: web::Data<AppState>,
    query: Query<PublicFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = public_filter(&state, &query)?;
    let exporter = exporter(&state);
    let header = Bytes::from(format!("{}\r\n", CSV_COLUMNS.join(",")));
    let rows = pages(state.store.clone(), filter).map_ok(move |page| {
        let mut out = String::with_capacity(page.len() * 400);
        for report in &page {
            exporter.write_csv(report, &mut out);
        }
        Bytes::from(out)
    });
    Ok(download(
        "text/csv; charset=utf-8",
        "meldungen.csv",
        stream::once(async { Ok(header) }).chain(rows),
    ))
}

/// `GET /api/v1/open-data/reports.geojson`: the public reports, newest first, as a GeoJSON
/// feature collection that names its licence.
pub async fn reports_geojson(
    state: web::Data<AppState>,
    query: Query<PublicFilterQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = public_filter(&state, &query)?;
    let exporter = exporter(&state);
    let settings = &state.settings.open_data;
    let quoted = |text: &str| serde_json::Value::from(text).to_string();
    let head = Bytes::from(format!(
        "{{\"type\":\"FeatureCollection\",\"license\":{},\"attribution\":{},\"features\":[",
        quoted(&settings.license_uri),
        quoted(&settings.attribution),
    ));
    let mut first = true;
    let features = pages(state.store.clone(), filter).map_ok(move |page| {
        let mut out = Vec::with_capacity(page.len() * 600);
        for report in &page {
            if !std::mem::take(&mut first) {
                out.push(b',');
            }
            // A `Value` always serializes.
            let _ = serde_json::to_writer(&mut out, &exporter.geojson_feature(report));
        }
        Bytes::from(out)
    });
    let body = stream::once(async { Ok(head) })
        .chain(features)
        .chain(stream::once(async { Ok(Bytes::from_static(b"]}")) }));
    Ok(download("application/geo+json", "meldungen.geojson", body))
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

fn exporter(state: &AppState) -> Arc<Exporter> {
    Arc::new(Exporter::new(
        state.jurisdiction.current(),
        &state.settings.public_url,
    ))
}

fn download<S>(content_type: &str, file_name: &str, body: S) -> HttpResponse
where
    S: Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
{
    HttpResponse::Ok()
        .content_type(content_type.to_owned())
        .insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .streaming(body)
}

/// The reports `filter` selects, a page at a time, newest first (keyset by id). A database
/// error ends the stream with an error: the download breaks off rather than looking whole.
fn pages(
    store: Arc<dyn Store>,
    filter: ReportFilter,
) -> impl Stream<Item = Result<Vec<Report>, actix_web::Error>> {
    stream::try_unfold(Some(filter), move |next| {
        let store = store.clone();
        async move {
            let Some(mut filter) = next else {
                return Ok(None);
            };
            filter.limit = PAGE;
            let page = store.list_public_reports(&filter).await.map_err(|e| {
                tracing::error!(error = %e, "open-data download broke off");
                actix_web::error::ErrorInternalServerError("database error")
            })?;
            if page.is_empty() {
                return Ok(None);
            }
            let more = page.len() as i64 == PAGE;
            filter.before = page.last().map(|r| r.id.uuid());
            Ok(Some((page, more.then_some(filter))))
        }
    })
}
