//! Reference data: categories, boundary attribution, and the API description itself.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use super::{ApiError, AppState};
use crate::boundaries::sources::{self, BoundarySource};
use crate::domain::Category;
use crate::places::geonames::{self, PlaceSource};

#[derive(Serialize)]
struct CategoryList<'a> {
    categories: Vec<CategoryView<'a>>,
}

#[derive(Serialize)]
struct CategoryView<'a> {
    code: &'a str,
    name_de: &'a str,
    name_en: &'a str,
    group: &'a str,
    notice_de: Option<&'a str>,
    notice_en: Option<&'a str>,
}

impl<'a> From<&'a Category> for CategoryView<'a> {
    fn from(c: &'a Category) -> Self {
        Self {
            code: c.code.as_str(),
            name_de: &c.name_de,
            name_en: &c.name_en,
            group: &c.group,
            notice_de: c.notice_de.as_deref(),
            notice_en: c.notice_en.as_deref(),
        }
    }
}

/// `GET /api/v1/categories`: the categories a report can be filed under, in display order.
pub async fn list_categories(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let categories = state.store.list_categories().await?;
    Ok(HttpResponse::Ok().json(CategoryList {
        categories: categories
            .iter()
            .filter(|c| c.active)
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Serialize)]
struct Attribution<'a> {
    boundaries: &'static [BoundarySource],
    /// The place names of the search and the nearest-place answer (absent without them).
    places: Option<&'static PlaceSource>,
    basemap: Option<Basemap<'a>>,
    /// The upstream geocoder's street addresses (null without one).
    addresses: Option<&'a str>,
}

/// The web map's tiles, so the page needs no configuration of its own.
#[derive(Serialize)]
struct Basemap<'a> {
    tile_url: &'a str,
    attribution: &'a str,
    max_zoom: u8,
}

/// `GET /api/v1/attribution`: the sources of the boundary data, the place names and the base
/// map, with the attribution their licences require.
pub async fn attribution(state: web::Data<AppState>) -> HttpResponse {
    let map = &state.settings.map;
    HttpResponse::Ok().json(Attribution {
        boundaries: &sources::ALL,
        places: (state.places.stats().geonames > 0).then_some(&geonames::SOURCE),
        basemap: (!map.tile_url.is_empty()).then_some(Basemap {
            tile_url: &map.tile_url,
            attribution: &map.tile_attribution,
            max_zoom: map.max_zoom,
        }),
        addresses: state.geocoder.as_deref().map(|g| g.attribution()),
    })
}

/// The OpenAPI description, compiled in so it always matches this build.
pub const OPENAPI_YAML: &str = include_str!("../../openapi.yaml");

/// `GET /openapi.yaml`: the API description.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/yaml")
        .body(OPENAPI_YAML)
}
