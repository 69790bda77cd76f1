//! `GET /api/v1/places`: place search by name, for the search boxes of the map and the form,
//! with street addresses from the upstream geocoder when one is configured and asked for.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::input::Query;
use super::{ApiError, AppState};
use crate::places::{
    MAX_LIMIT, Place, PlaceHit, PlaceQuery, PlaceQueryError, QUERY_MAX_CHARS, geonames,
};

/// Raw query parameters; parsed by hand so every error names its parameter.
#[derive(Debug, Deserialize)]
pub struct PlacesQuery {
    q: Option<String>,
    limit: Option<String>,
    addresses: Option<String>,
}

#[derive(Serialize)]
struct PlacesAnswer<'a> {
    places: Vec<PlaceHit<'a>>,
    /// Street addresses from the upstream geocoder (empty unless asked for and answered).
    addresses: Vec<Place>,
    street_search: StreetSearch,
    attribution: &'static str,
    /// The upstream's attribution, with its addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    address_attribution: Option<&'a str>,
}

/// What became of the street search.
#[derive(Serialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum StreetSearch {
    /// `addresses=true` was not asked for.
    NotRequested,
    /// No upstream geocoder is configured.
    Off,
    /// The upstream answered (possibly with no address).
    Ok,
    /// The upstream failed, timed out or was asked too recently: places only.
    Unavailable,
}

/// Answers with the best hits for `q`, best first, and with `addresses=true` the upstream
/// geocoder's street addresses. An empty or too long `q`, a `limit` outside 1–50 or an
/// `addresses` other than true/false is a 400 naming the parameter.
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
    let want_addresses = match query.addresses.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(ApiError::invalid(
                "addresses",
                "addresses must be true or false",
                "addresses muss true oder false sein",
            ));
        }
    };
    let text = query.q.as_deref().unwrap_or("");
    let query = PlaceQuery::new(text, limit).map_err(bad)?;
    let (addresses, street_search) = match (&state.geocoder, want_addresses) {
        (_, false) => (Vec::new(), StreetSearch::NotRequested),
        (None, true) => (Vec::new(), StreetSearch::Off),
        (Some(geocoder), true) => {
            let engine = state.jurisdiction.current();
            match geocoder
                .search(&engine, text.trim(), query.limit(), Duration::ZERO)
                .await
            {
                Ok(found) => (found, StreetSearch::Ok),
                Err(error) => {
                    tracing::warn!(%error, "street search: answering with places only");
                    (Vec::new(), StreetSearch::Unavailable)
                }
            }
        }
    };
    Ok(HttpResponse::Ok().json(PlacesAnswer {
        places: state.places.search(&query),
        addresses,
        street_search,
        attribution: geonames::SOURCE.attribution,
        address_attribution: state
            .geocoder
            .as_deref()
            .filter(|_| street_search == StreetSearch::Ok)
            .map(|g| g.attribution()),
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
