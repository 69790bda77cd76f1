//! `GET /api/v1/jurisdiction`: who is responsible for a point (and a category).

use super::input::Query;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::{ApiError, AppState};
use crate::domain::{CategoryCode, Coordinates, CoordinatesError};
use crate::jurisdiction::{Jurisdiction, JurisdictionView, LocateError};
use crate::places::NearestPlace;

/// Raw query parameters; parsed by hand so every error names its parameter.
#[derive(Debug, Deserialize)]
pub struct JurisdictionQuery {
    lat: Option<String>,
    lon: Option<String>,
    category: Option<String>,
}

/// The engine's answer plus the nearest populated place, so the form can say where the pin is
/// in words ("bei Briesen, Gemeinde Briesen (Mark)").
#[derive(Serialize)]
struct Answer<'a> {
    #[serde(flatten)]
    view: JurisdictionView,
    /// `None` when the service runs without the GeoNames places.
    nearest_place: Option<NearestPlace<'a>>,
}

/// Answers with area, responsible authority, border flag and the nearest populated place. Malformed parameters are a 400;
/// well-formed ones the service cannot serve (a point outside the service area, a code that
/// names no category) a 422.
pub async fn get_jurisdiction(
    state: web::Data<AppState>,
    query: Query<JurisdictionQuery>,
) -> Result<HttpResponse, ApiError> {
    let point = parse_point(query.lat.as_deref(), query.lon.as_deref())?;
    let engine = state.jurisdiction.current();
    let category = query
        .category
        .as_deref()
        .map(|code| parse_category(&engine, code))
        .transpose()?;
    let category = category.as_ref().map(CategoryCode::as_str);
    let answer = engine.locate(point, category).map_err(|e| match e {
        LocateError::OutsideServiceArea => ApiError::OutsideServiceArea,
        LocateError::UnknownCategory(code) => ApiError::UnknownCategory(code),
    })?;
    Ok(HttpResponse::Ok().json(Answer {
        view: JurisdictionView::new(point, category, &answer),
        nearest_place: state.places.nearest(point),
    }))
}

/// Parses a `category` value: a malformed code is a 400; a well-formed one that names no
/// category a report can be filed under (none, or an inactive one) is a 422.
pub fn parse_category(jurisdiction: &Jurisdiction, code: &str) -> Result<CategoryCode, ApiError> {
    let code = CategoryCode::parse(code).map_err(|_| {
        ApiError::invalid(
            "category",
            format!(
                "{code:?} is not a category code (a–z, 0–9 and _, 2–40 characters, starting with a letter)"
            ),
            format!(
                "{code:?} ist kein Kategorie-Code (a–z, 0–9 und _, 2–40 Zeichen, beginnend mit einem Buchstaben)"
            ),
        )
    })?;
    match jurisdiction.category(code.as_str()) {
        Some(category) if category.active => Ok(code),
        _ => Err(ApiError::UnknownCategory(code.to_string())),
    }
}

/// Parses `lat` and `lon` query values into valid coordinates.
pub fn parse_point(lat: Option<&str>, lon: Option<&str>) -> Result<Coordinates, ApiError> {
    let lat = parse_number("lat", lat)?;
    let lon = parse_number("lon", lon)?;
    Coordinates::new(lat, lon).map_err(|e| {
        let de = match &e {
            CoordinatesError::NotFinite { field } => {
                format!("{field} muss eine endliche Zahl sein")
            }
            CoordinatesError::OutOfRange {
                field, min, max, ..
            } => format!("{field} muss zwischen {min} und {max} liegen"),
        };
        ApiError::invalid(e.field(), e.to_string(), de)
    })
}

fn parse_number(field: &'static str, value: Option<&str>) -> Result<f64, ApiError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{field} is required (WGS84 degrees, e.g. 52.52)"),
                format!("{field} fehlt (WGS84-Grad, z. B. 52.52)"),
            )
        })?;
    value
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            ApiError::invalid(
                field,
                format!("{field} must be a decimal number, got {value:?}"),
                format!("{field} muss eine Dezimalzahl sein, nicht {value:?}"),
            )
        })
}
