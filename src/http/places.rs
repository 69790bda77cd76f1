//! `GET /api/v1/places`: place search by name, for the search boxes of the map and the form.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::input::Query;
use super::{ApiError, AppState};
use crate::places::{MAX_LIMIT, PlaceHit, PlaceQuery, PlaceQueryError, QUERY_MAX_CHARS, geonames};

/// Raw query parameters; parsed by hand so every error names its parameter.
#[derive(Debug, Deserialize)]
pub struct PlacesQuery {
    q: Option<String>,
    limit: Option<String>,
}

#[derive(Serialize)]
struct PlacesAnswer<'a> {
    places: Vec<PlaceHit<'a>>,
    attribution: &'static str,
}

/// Answers with the best hits for `q`, best first. An empty or too long `q`, or a `limit`
/// outside 1–50, is a 400 naming the parameter.
pub async fn search_places(
    state: web::Data<AppState>,
    query: Query<PlacesQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query
        .limit
        .as_deref()
        .map(|l| {
            l.parse::<usize>()
                .map_err(|_| bad(PlaceQueryError::BadLimit))
        })
        .transpose()?;
    let query = PlaceQuery::new(query.q.as_deref().unwrap_or(""), limit).map_err(bad)?;
    Ok(HttpResponse::Ok().json(PlacesAnswer {
        places: state.places.search(&query),
        attribution: geonames::SOURCE.attribution,
    }))
}

fn bad(error: PlaceQueryError) -> ApiError {
    match error {
        PlaceQueryError::Empty => ApiError::invalid(
            "q",
            "q is required and must contain a letter or digit, e.g. q=Briesen",
            "q fehlt oder enthält keinen Buchstaben und keine Ziffer, z. B. q=Briesen",
        ),
        PlaceQueryError::TooLong => ApiError::invalid(
            "q",
            format!("q must be at most {QUERY_MAX_CHARS} characters long"),
            format!("q darf höchstens {QUERY_MAX_CHARS} Zeichen lang sein"),
        ),
        PlaceQueryError::BadLimit => ApiError::invalid(
            "limit",
            format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
            format!("limit muss eine ganze Zahl von 1 bis {MAX_LIMIT} sein"),
        ),
    }
}
