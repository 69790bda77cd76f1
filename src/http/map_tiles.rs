//! `GET /api/v1/map/tiles/{z}/{x}/{y}.json`: the public map layer as addressable tiles that
//! browsers and CDNs can cache. A tile's `ETag` is its version (`map::versions`: the last
//! fold that changed a region it draws from, the same on every instance), so a revalidation
//! is answered 304 from memory, and a changed tile is rendered once per version
//! (`map::tile_cache`) however many readers ask.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use serde_json::json;

use super::reports::layer_features;
use super::{ApiError, AppState};
use crate::map::tiles::{MAX_ZOOM, Tile, TileError, tile_layer};

/// How long a browser or CDN may use a tile without asking, and how much longer it may show
/// it while it asks (so a crowd on a news link costs the service one request per tile and
/// CDN node every few seconds). With the fold and the versions' refresh (a second each), a
/// change is on every tile within about 2 + 5 s, or 2 + 15 s for a reader served stale
/// while its cache revalidates.
pub const TILE_CACHE_CONTROL: &str = "public, max-age=5, stale-while-revalidate=10";

/// The tiles' `ETag`s change with the body's format too (bump `m1` when it changes), so a
/// cache never revalidates an old format's body.
fn etag(version: i64) -> String {
    format!("W/\"m1-{version}\"")
}

/// Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 asks for it).
pub(super) fn matches(request: &HttpRequest, etag: &str) -> bool {
    let Some(value) = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let opaque = etag.trim_start_matches("W/");
    value
        .split(',')
        .map(str::trim)
        .any(|candidate| candidate == "*" || candidate.trim_start_matches("W/") == opaque)
}

fn parse_tile(z: &str, x: &str, y: &str) -> Result<Tile, ApiError> {
    let whole = |text: &str| -> Option<u32> {
        // Digits only: `+1` and ` 1` are not tile addresses, and no two spellings of one.
        (!text.is_empty() && text.len() <= 10 && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let zoom = whole(z)
        .and_then(|z| u8::try_from(z).ok())
        .filter(|z| *z <= MAX_ZOOM)
        .ok_or_else(|| {
            ApiError::invalid(
                "z",
                format!("z must be a whole number from 0 to {MAX_ZOOM}"),
                format!("z muss eine ganze Zahl von 0 bis {MAX_ZOOM} sein"),
            )
        })?;
    let out_of_range = |name: &str| {
        ApiError::invalid(
            name,
            format!("{name} must be a whole number from 0 to 2^z - 1"),
            format!("{name} muss eine ganze Zahl von 0 bis 2^z - 1 sein"),
        )
    };
    let x = whole(x).ok_or_else(|| out_of_range("x"))?;
    let y = whole(y).ok_or_else(|| out_of_range("y"))?;
    Tile::new(zoom, x, y).map_err(|error| match error {
        TileError::Zoom => out_of_range("z"),
        TileError::X => out_of_range("x"),
        TileError::Y => out_of_range("y"),
    })
}

/// `GET /api/v1/map/tiles/{z}/{x}/{y}.json`: the tile's clusters or reports, as GeoJSON.
pub async fn tile(
    path: web::Path<(String, String, String)>,
    request: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (z, x, y) = path.into_inner();
    let tile = parse_tile(&z, &x, &y)?;
    let version = state.map_versions.of_tile(tile);
    let etag = etag(version);
    if matches(&request, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::CACHE_CONTROL, TILE_CACHE_CONTROL))
            .finish());
    }
    let store = state.store.clone();
    let body = state
        .tile_cache
        .get_or_render(tile, version, || async move {
            let layer = tile_layer(&*store, tile).await?;
            let collection =
                json!({ "type": "FeatureCollection", "features": layer_features(&layer) });
            Ok::<_, ApiError>(Bytes::from(collection.to_string()))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/geo+json")
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, TILE_CACHE_CONTROL))
        .body(body))
}
