//! The report API: filing (JSON or multipart with photos), public reads, the map layer, the
//! duplicate hint, and photos.

use super::input::{Query, check_json_text, refused_text};
use crate::domain::text::refused_char;

use actix_multipart::Multipart;
use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_util::stream::BoxStream;
use serde::Deserialize;
use serde_json::{Value, json};

use super::intake::{self, IntakeRefusal, MultipartBody};
use super::jurisdiction::{parse_category, parse_point};
use super::report_view::{ReportView, report_path};
use super::{ApiError, AppState};
use crate::domain::{Light, Report, ReportId, ReportInput, ReportStatus};
use crate::filing::{Filing, FilingError, MAX_PHOTOS, file_report};
use crate::jurisdiction::polygon_index::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR};
use crate::map::{self, MapLayer};
use crate::metrics::FilingOutcome;
use crate::photos::{PhotoId, Variant};
use crate::store::reports::{BBox, PhotoRow, ReportFilter, ReportSort};

/// Largest JSON body of a filing.
pub const JSON_BODY_LIMIT: usize = 64 * 1024;
/// Radius of the duplicate hint, in metres.
pub const NEARBY_RADIUS_M: f64 = 50.0;
/// Page size bounds of the list.
const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

/// The JSON form of a filing.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportBody {
    category: Option<String>,
    description: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    address: Option<String>,
    email: Option<String>,
    name: Option<String>,
    language: Option<String>,
}

impl From<ReportBody> for ReportInput {
    fn from(b: ReportBody) -> Self {
        ReportInput {
            category: b.category,
            description: b.description,
            lat: b.lat,
            lon: b.lon,
            address: b.address,
            email: b.email,
            name: b.name,
            language: b.language,
            ..ReportInput::default()
        }
    }
}

/// `POST /api/v1/reports`: files a report; 201 with the report and its `Location`.
pub async fn create_report(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    // `file_report` counts what reaches it; a request refused before is counted here.
    let mut reached_filing = false;
    let answer = answer_filing(request, payload, &state, &mut reached_filing).await;
    if let (Err(error), false) = (&answer, reached_filing) {
        state.metrics.filing(refused_request(error));
    }
    answer
}

/// How the metrics count a filing refused before it reached the use case.
fn refused_request(error: &ApiError) -> FilingOutcome {
    FilingOutcome::Refused(match error {
        ApiError::TooManyRequests { .. } => "rate_limited",
        ApiError::PayloadTooLarge { .. } => "payload_too_large",
        ApiError::UnsupportedMediaType { .. } => "unsupported_media_type",
        ApiError::Photo { .. } => "photo",
        ApiError::Internal(_) | ApiError::Unavailable(_) => return FilingOutcome::Failed,
        _ => "invalid",
    })
}

async fn answer_filing(
    request: HttpRequest,
    payload: web::Payload,
    state: &web::Data<AppState>,
    reached_filing: &mut bool,
) -> Result<HttpResponse, ApiError> {
    intake::admit(state, &request)
        .await
        .map_err(intake_refused)?;
    let idempotency_key = idempotency_key(&request)?;
    let mut filing = match intake::media_type(&request).as_str() {
        "application/json" => json_filing(
            &intake::read_body(payload, JSON_BODY_LIMIT)
                .await
                .map_err(intake_refused)?,
        )?,
        "multipart/form-data" => multipart_filing(
            intake::read_multipart(Multipart::new(request.headers(), payload), "photo")
                .await
                .map_err(intake_refused)?,
        )?,
        _ => {
            return Err(ApiError::UnsupportedMediaType {
                accepted: "application/json, multipart/form-data",
            });
        }
    };
    filing.idempotency_key = idempotency_key;
    *reached_filing = true;
    let filed = file_report(&state.filing, filing)
        .await
        .map_err(filing_error)?;
    let (row, photos) = match filed.created {
        Some(created) => created,
        None => (
            state.store.get_report(filed.id).await?.ok_or_else(|| {
                ApiError::Internal(anyhow::anyhow!("report {} vanished", filed.id))
            })?,
            state.store.report_photos(filed.id, false).await?,
        ),
    };
    let view = ReportView::new(
        &row,
        &photos,
        None,
        &state.jurisdiction.current(),
        Utc::now(),
    )
    .with_reporter_key(state.reporter_keys.key(filed.id.uuid()));
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, report_path(filed.id)));
    if filed.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(view))
}

fn filing_error(error: FilingError) -> ApiError {
    match error {
        FilingError::Invalid(errors) => ApiError::InvalidFields(
            errors
                .into_iter()
                .map(|e| (e.field.to_owned(), e.reason))
                .collect(),
        ),
        FilingError::UnknownCategory(code) => ApiError::UnknownCategory(code),
        FilingError::OutsideServiceArea => ApiError::OutsideServiceArea,
        FilingError::OtherAuthority {
            responsible, name, ..
        } => ApiError::invalid(
            "authority",
            format!("{name} ({responsible}) is responsible for this place"),
            format!("Für diesen Ort ist {name} ({responsible}) zuständig."),
        ),
        FilingError::TooManyPhotos => ApiError::invalid(
            "photo",
            format!("at most {MAX_PHOTOS} photos per report"),
            format!("höchstens {MAX_PHOTOS} Fotos pro Meldung"),
        ),
        FilingError::Photo { index, error } => ApiError::Photo { index, error },
        FilingError::KeyReused => ApiError::IdempotencyKeyReused,
        FilingError::Internal(e) => ApiError::Internal(e),
    }
}

/// The `Idempotency-Key` header: 1–255 visible ASCII characters.
pub(super) fn idempotency_key(request: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = request.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "the Idempotency-Key header must be 1–255 visible ASCII characters",
            "Der Idempotency-Key-Header muss aus 1–255 sichtbaren ASCII-Zeichen bestehen",
        ));
    }
    Ok(Some(key.to_owned()))
}

fn json_filing(body: &[u8]) -> Result<Filing, ApiError> {
    // serde also reads a struct from a JSON array (the field values in order); a report is an
    // object, as documented.
    let first = body
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(body_error("expected a JSON object".into()));
    }
    let parsed: Value = serde_json::from_slice(body).map_err(|e| body_error(e.to_string()))?;
    check_json_text(&parsed)?;
    let parsed: ReportBody =
        serde_json::from_value(parsed).map_err(|e| body_error(e.to_string()))?;
    Ok(Filing {
        input: parsed.into(),
        ..Filing::default()
    })
}

fn body_error(reason: String) -> ApiError {
    ApiError::invalid(
        "body",
        format!("the request body is not a valid report: {reason}"),
        format!("Der Inhalt der Anfrage ist keine gültige Meldung: {reason}"),
    )
}

/// The refusal of a filing at the front door, as this API answers it.
pub(super) fn intake_refused(refusal: IntakeRefusal) -> ApiError {
    match refusal {
        IntakeRefusal::RateLimited { retry_after_secs } => {
            ApiError::TooManyRequests { retry_after_secs }
        }
        IntakeRefusal::Unreadable(reason) => body_error(reason),
        IntakeRefusal::BodyTooLarge { max_bytes } => ApiError::PayloadTooLarge { max_bytes },
        IntakeRefusal::FieldTooLarge { field, max_bytes } => ApiError::invalid(
            field.clone(),
            format!("{field} is longer than {max_bytes} bytes"),
            format!("{field} ist länger als {max_bytes} Bytes"),
        ),
        IntakeRefusal::FileTooLarge { index, max_bytes } => ApiError::Photo {
            index,
            error: crate::photos::PhotoError::TooLarge { max_bytes },
        },
        IntakeRefusal::NotUtf8 { field } => ApiError::invalid(
            field.clone(),
            format!("{field} is not UTF-8 text"),
            format!("{field} ist kein UTF-8-Text"),
        ),
        IntakeRefusal::TooManyFiles => filing_error(FilingError::TooManyPhotos),
    }
}

/// A multipart filing: its text fields are the report's, its `photo` files the photos.
fn multipart_filing(body: MultipartBody) -> Result<Filing, ApiError> {
    let mut filing = Filing {
        photos: body.files,
        ..Filing::default()
    };
    for (name, text) in body.fields {
        if let Some(reason) = refused_char(&text) {
            return Err(refused_text(name, reason));
        }
        let input = &mut filing.input;
        match name.as_str() {
            "category" => input.category = Some(text),
            "description" => input.description = Some(text),
            "address" => input.address = Some(text),
            "email" => input.email = Some(text),
            "name" => input.name = Some(text),
            "language" => input.language = Some(text),
            "lat" => input.lat = Some(parse_form_number("lat", &text)?),
            "lon" => input.lon = Some(parse_form_number("lon", &text)?),
            other => {
                return Err(ApiError::invalid(
                    other.to_owned(),
                    format!("unknown field {other:?}"),
                    format!("unbekanntes Feld {other:?}"),
                ));
            }
        }
    }
    Ok(filing)
}

fn parse_form_number(field: &'static str, text: &str) -> Result<f64, ApiError> {
    text.trim().parse::<f64>().map_err(|_| {
        ApiError::invalid(
            field,
            format!("{field} must be a decimal number, got {text:?}"),
            format!("{field} muss eine Dezimalzahl sein, nicht {text:?}"),
        )
    })
}

/// Query of one report.
#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    /// The reporter's key from their link.
    key: Option<String>,
}

/// `GET /api/v1/reports/{id}`: one published report with its public history and photos; with
/// its reporter's `key`, the report in every state (waiting for confirmation or moderation,
/// hidden) — strangers get 404 for those, whatever key they guess.
pub async fn get_report(
    path: web::Path<String>,
    query: Query<ReportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
    let reporter = query
        .key
        .as_deref()
        .is_some_and(|key| state.reporter_keys.verify(id.uuid(), key));
    let row = state
        .store
        .get_report(id)
        .await?
        .filter(|report| reporter || report.is_public())
        .ok_or(ApiError::NotFound)?;
    let photos = state.store.report_photos(id, true).await?;
    let events = state.store.report_events(id, true).await?;
    let duplicates = state.store.duplicates_of(row.id.uuid()).await?;
    let mut response = HttpResponse::Ok();
    if reporter {
        // The key is in the URL: no cache may keep what it opened.
        response.insert_header((header::CACHE_CONTROL, "private, no-store"));
    }
    Ok(response.json(
        ReportView::new(
            &row,
            &photos,
            Some(&events),
            &state.jurisdiction.current(),
            Utc::now(),
        )
        .with_duplicates(&duplicates),
    ))
}

/// `DELETE /api/v1/reports/{id}/contact?key=…`: the reporter removes their email and name
/// (and their follower row, mails and link tokens) from their report with the key of their
/// link (DSGVO Art. 17); the report stays. 204, also when nothing was left to remove;
/// without the right key 404, as for reading.
pub async fn erase_contact(
    path: web::Path<String>,
    query: Query<ReportQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
    let reporter = query
        .key
        .as_deref()
        .is_some_and(|key| state.reporter_keys.verify(id.uuid(), key));
    if !reporter || state.store.get_report(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    crate::privacy::erase::erase_contact(
        &*state.store,
        id.uuid(),
        crate::store::privacy::Contact::Reporter,
        None,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::NoContent()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .finish())
}

/// The public list's filters, shared by the list and the open-data downloads.
#[derive(Debug, Default, Deserialize)]
pub struct PublicFilterQuery {
    bbox: Option<String>,
    status: Option<String>,
    category: Option<String>,
    authority: Option<String>,
    since: Option<String>,
}

/// The store filter the public filters describe (400 naming a bad parameter).
pub fn public_filter(
    state: &AppState,
    query: &PublicFilterQuery,
) -> Result<ReportFilter, ApiError> {
    Ok(ReportFilter {
        bbox: query.bbox.as_deref().map(parse_bbox).transpose()?,
        statuses: query
            .status
            .as_deref()
            .map(parse_statuses)
            .transpose()?
            .unwrap_or_default(),
        category: query
            .category
            .as_deref()
            .map(|c| parse_category(&state.jurisdiction.current(), c).map(|c| c.to_string()))
            .transpose()?,
        authority: query
            .authority
            .as_deref()
            .map(parse_authority)
            .transpose()?,
        since: query.since.as_deref().map(parse_since).transpose()?,
        ..ReportFilter::default()
    })
}

/// Query of the list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    bbox: Option<String>,
    status: Option<String>,
    category: Option<String>,
    authority: Option<String>,
    since: Option<String>,
    limit: Option<String>,
    cursor: Option<String>,
    sort: Option<String>,
}

/// `GET /api/v1/reports`: published reports, newest first (or with `sort=supporters` most
/// supported first), filtered, keyset-paginated.
pub async fn list_reports(
    query: Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let limit = parse_limit(query.limit.as_deref())?;
    let sort = parse_sort(query.sort.as_deref())?;
    let cursor = query
        .cursor
        .as_deref()
        .map(|c| parse_cursor(sort, c))
        .transpose()?;
    let filter = ReportFilter {
        sort,
        before: cursor.map(|(id, _)| id),
        before_supporters: cursor.and_then(|(_, count)| count),
        limit: limit + 1,
        ..public_filter(
            &state,
            &PublicFilterQuery {
                bbox: query.bbox.clone(),
                status: query.status.clone(),
                category: query.category.clone(),
                authority: query.authority.clone(),
                since: query.since.clone(),
            },
        )?
    };
    let mut rows = state.store.list_public_reports(&filter).await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        rows.last().map(|r| cursor_of(sort, r))
    });
    let reports = render_page(&state, &rows).await?;
    Ok(HttpResponse::Ok().json(json!({
        "reports": reports,
        "next_cursor": next_cursor.flatten(),
    })))
}

/// The list's `sort`: `newest` (the default) or `supporters`.
fn parse_sort(text: Option<&str>) -> Result<ReportSort, ApiError> {
    match text {
        None | Some("newest") => Ok(ReportSort::Newest),
        Some("supporters") => Ok(ReportSort::Supporters),
        Some(other) => Err(ApiError::invalid(
            "sort",
            format!("{other:?} is not one of newest, supporters"),
            format!("sort: {other:?} ist keiner von newest, supporters"),
        )),
    }
}

/// The cursor after `report` in the order `sort`: its id, or (most supported first) its count
/// and id as `COUNT.ID`, since a keyset needs every column of the order.
pub(super) fn cursor_of(sort: ReportSort, report: &Report) -> String {
    match sort {
        ReportSort::Newest => report.id.to_string(),
        ReportSort::Supporters => format!("{}.{}", report.supporters, report.id),
    }
}

/// Parses a cursor [`cursor_of`] made for the same order: the id and, for
/// `sort=supporters`, the count.
pub(super) fn parse_cursor(
    sort: ReportSort,
    text: &str,
) -> Result<(uuid::Uuid, Option<i64>), ApiError> {
    let parsed = match sort {
        ReportSort::Newest => ReportId::parse(text).ok().map(|id| (id.uuid(), None)),
        ReportSort::Supporters => text.split_once('.').and_then(|(count, id)| {
            let count = count.parse::<i64>().ok().filter(|n| *n >= 0)?;
            Some((ReportId::parse(id).ok()?.uuid(), Some(count)))
        }),
    };
    parsed.ok_or_else(|| {
        ApiError::invalid(
            "cursor",
            "cursor must be the next_cursor of a previous page in the same sort order",
            "cursor muss der next_cursor einer vorigen Seite derselben Sortierung sein",
        )
    })
}

/// Query of the map layer.
#[derive(Debug, Deserialize)]
pub struct MapQuery {
    bbox: Option<String>,
    zoom: Option<String>,
}

/// `GET /api/v1/reports.geojson`: traffic-light points, or grid clusters with per-light
/// counts when zoomed out (below zoom 14, or when a view holds more than 2,000 reports).
pub async fn map_layer(
    query: Query<MapQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let bbox = parse_bbox(
        query
            .bbox
            .as_deref()
            .ok_or_else(|| ApiError::invalid("bbox", "bbox is required", "bbox fehlt"))?,
    )?;
    let zoom = query
        .zoom
        .as_deref()
        .and_then(|z| z.parse::<u8>().ok())
        .filter(|z| *z <= 22)
        .ok_or_else(|| {
            ApiError::invalid(
                "zoom",
                "zoom must be a whole number from 0 to 22",
                "zoom muss eine ganze Zahl von 0 bis 22 sein",
            )
        })?;
    let layer = map::layer(&*state.store, bbox, zoom).await?;
    Ok(geojson(layer_features(&layer)))
}

/// The GeoJSON features of a map layer (the bbox layer's and the tiles'): a report as a
/// point with its light, a cluster with its count and its count per light.
pub fn layer_features(layer: &MapLayer) -> Vec<Value> {
    match layer {
        MapLayer::Points(reports) => reports
            .iter()
            .map(|report| {
                json!({
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": [report.location.lon(), report.location.lat()]
                    },
                    "properties": {
                        "kind": "report",
                        "id": report.id.to_string(),
                        "url": report_path(report.id),
                        "category": report.category.as_str(),
                        "status": report.status.as_str(),
                        "light": report.light(),
                    }
                })
            })
            .collect(),
        MapLayer::Clusters(clusters) => clusters
            .iter()
            .map(|cluster| {
                let lights: serde_json::Map<String, Value> = Light::ALL
                    .iter()
                    .zip(cluster.per_light)
                    .map(|(light, count)| (light.as_str().to_owned(), count.into()))
                    .collect();
                json!({
                    "type": "Feature",
                    "geometry": { "type": "Point", "coordinates": [cluster.lon, cluster.lat] },
                    "properties": { "kind": "cluster", "count": cluster.count, "lights": lights }
                })
            })
            .collect(),
    }
}

/// Renders a page of reports with their visible photos, loaded in one query.
async fn render_page(state: &AppState, rows: &[Report]) -> Result<Vec<ReportView>, ApiError> {
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id.uuid()).collect();
    let mut photos: std::collections::HashMap<uuid::Uuid, Vec<PhotoRow>> =
        std::collections::HashMap::new();
    for row in state.store.visible_photos_of(&ids).await? {
        photos.entry(row.report_id).or_default().push(row.photo);
    }
    let now = Utc::now();
    Ok(rows
        .iter()
        .map(|row| {
            let photos = photos.get(&row.id.uuid()).map_or(&[][..], Vec::as_slice);
            ReportView::new(row, photos, None, &state.jurisdiction.current(), now)
        })
        .collect())
}

fn geojson(features: Vec<Value>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/geo+json")
        .json(json!({ "type": "FeatureCollection", "features": features }))
}

/// Query of the duplicate hint.
#[derive(Debug, Deserialize)]
pub struct NearbyQuery {
    lat: Option<String>,
    lon: Option<String>,
    category: Option<String>,
}

/// `GET /api/v1/reports/nearby`: open or in-progress published reports of the category within
/// 50 m, nearest first, for the form's "is this already reported?" hint.
pub async fn nearby(
    query: Query<NearbyQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let point = parse_point(query.lat.as_deref(), query.lon.as_deref())?;
    let category = parse_category(
        &state.jurisdiction.current(),
        query.category.as_deref().ok_or_else(|| {
            ApiError::invalid("category", "category is required", "category fehlt")
        })?,
    )?;
    let dlat = NEARBY_RADIUS_M / METRES_PER_DEGREE_LAT;
    let scale_x = METRES_PER_DEGREE_LON_AT_EQUATOR * point.lat().to_radians().cos();
    let dlon = NEARBY_RADIUS_M / scale_x.max(1.0);
    let rows = state
        .store
        .list_public_reports(&ReportFilter {
            bbox: Some(BBox {
                min_lon: point.lon() - dlon,
                min_lat: point.lat() - dlat,
                max_lon: point.lon() + dlon,
                max_lat: point.lat() + dlat,
            }),
            statuses: vec!["open", "in_progress"],
            category: Some(category.to_string()),
            limit: 50,
            ..ReportFilter::default()
        })
        .await?;
    let distance_of = |report: &Report| {
        let dx = (report.location.lon() - point.lon()) * scale_x;
        let dy = (report.location.lat() - point.lat()) * METRES_PER_DEGREE_LAT;
        (dx * dx + dy * dy).sqrt()
    };
    let mut rows: Vec<Report> = rows
        .into_iter()
        .filter(|row| distance_of(row) <= NEARBY_RADIUS_M)
        .collect();
    rows.sort_by(|a, b| distance_of(a).total_cmp(&distance_of(b)));
    let reports: Vec<ReportView> = render_page(&state, &rows)
        .await?
        .into_iter()
        .zip(&rows)
        .map(|(view, row)| view.with_distance(distance_of(row)))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "radius_m": NEARBY_RADIUS_M, "reports": reports })))
}

/// How long a cache may serve a public photo without asking again. The URL names the content,
/// so the bytes never change, but a photo can be hidden later (a face, a number plate): after
/// at most this long every cache revalidates, and a hidden photo's revalidation is a 404.
pub const PHOTO_CACHE_CONTROL: &str = "public, max-age=3600, must-revalidate";

/// `GET /api/v1/photos/{id}/{variant}`: a photo of a public report, as JPEG without any
/// metadata; cacheable for an hour, then revalidated (`If-None-Match` → 304 while public).
pub async fn get_photo(
    request: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, variant) = path.into_inner();
    let id = PhotoId::parse(&id).map_err(|_| ApiError::NotFound)?;
    let variant: Variant = variant.parse().map_err(|_| ApiError::NotFound)?;
    if !state.store.photo_is_public(id.as_str()).await? {
        return Err(ApiError::NotFound);
    }
    let etag = format!("\"{id}-{variant}\"");
    let cached = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if cached {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::CACHE_CONTROL, PHOTO_CACHE_CONTROL))
        .insert_header((header::ETAG, etag));
    if cached {
        return Ok(response.finish());
    }
    let photo = photo_body(&state, &id, variant).await?;
    Ok(response.content_type("image/jpeg").body(photo))
}

/// The stored JPEG of one size (`thumb` or `web`) of a photo as a response body, streamed from
/// the storage with its length; 404 for an unknown size or file.
pub(super) async fn photo_body(
    state: &AppState,
    id: &PhotoId,
    variant: Variant,
) -> Result<SizedStream<BoxStream<'static, std::io::Result<Bytes>>>, ApiError> {
    let photo = state
        .photos
        .open(id, variant)
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("reading photo {id}: {e}")))?
        .ok_or(ApiError::NotFound)?;
    Ok(SizedStream::new(photo.size, photo.body))
}

/// Parses `minLon,minLat,maxLon,maxLat`.
fn parse_bbox(text: &str) -> Result<BBox, ApiError> {
    let invalid = || {
        ApiError::invalid(
            "bbox",
            "bbox must be minLon,minLat,maxLon,maxLat in WGS84 degrees, west < east, south < north",
            "bbox muss minLon,minLat,maxLon,maxLat in WGS84-Grad sein, West < Ost, Süd < Nord",
        )
    };
    let numbers: Vec<f64> = text
        .split(',')
        .map(|p| p.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    let [min_lon, min_lat, max_lon, max_lat] = numbers[..] else {
        return Err(invalid());
    };
    let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
    let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
    if !(lon_ok(min_lon) && lon_ok(max_lon) && lat_ok(min_lat) && lat_ok(max_lat))
        || min_lon > max_lon
        || min_lat > max_lat
    {
        return Err(invalid());
    }
    Ok(BBox {
        min_lon,
        min_lat,
        max_lon,
        max_lat,
    })
}

/// The page size of a list: 1 to 200, default 50.
pub fn parse_limit(text: Option<&str>) -> Result<i64, ApiError> {
    let Some(text) = text else {
        return Ok(DEFAULT_LIMIT);
    };
    text.parse::<i64>()
        .ok()
        .filter(|n| (1..=MAX_LIMIT).contains(n))
        .ok_or_else(|| {
            ApiError::invalid(
                "limit",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
                format!("limit muss eine ganze Zahl von 1 bis {MAX_LIMIT} sein"),
            )
        })
}

/// A comma-separated status filter of the public list (public statuses only).
fn parse_statuses(text: &str) -> Result<Vec<&'static str>, ApiError> {
    parse_statuses_among(text, &ReportStatus::NAMES[1..])
}

/// A comma-separated status filter, each one of `allowed`.
pub fn parse_statuses_among(
    text: &str,
    allowed: &[&'static str],
) -> Result<Vec<&'static str>, ApiError> {
    text.split(',')
        .map(|s| {
            allowed
                .iter()
                .copied()
                .find(|p| *p == s.trim())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "status",
                        format!("{s:?} is not one of {}", allowed.join(", ")),
                        format!("{s:?} ist keiner von {}", allowed.join(", ")),
                    )
                })
        })
        .collect()
}

fn parse_authority(text: &str) -> Result<String, ApiError> {
    crate::domain::AuthorityKey::parse(text)
        .map(|k| k.to_string())
        .map_err(|e| ApiError::invalid("authority", e.reason, "kein gültiger Behördenschlüssel"))
}

fn parse_since(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::invalid(
                "since",
                "since must be an RFC 3339 time, e.g. 2026-11-01T00:00:00Z",
                "since muss eine RFC-3339-Zeit sein, z. B. 2026-11-01T00:00:00Z",
            )
        })
}
