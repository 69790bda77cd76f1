//! Placing a filing that brings an `address_string` instead of `lat`/`long`. Where an operator
//! configured an upstream geocoder ([`crate::places::geocoder`]), it is asked first and places
//! the request at the street address ([`place_at_street_address`]); without one, or when it
//! fails or finds nothing, the service's own place search ([`PlaceIndex`], the one behind
//! `GET /api/v1/places`) decides. That one knows Gemeinden, Ämter, Berlin's Bezirke and the
//! GeoNames places and Ortsteile — not streets — so a request is placed at the place's point:
//! coarse, but where the responsible authority is, and the address itself is kept as the
//! report's address hint for the clerk.
//!
//! The spec orders an address "most specific first", so the comma-separated parts are tried
//! in that order, each without its numbers (house numbers, postcodes); the first part whose
//! name some place carries exactly decides. Several exact hits that lie in one area are the
//! same place for routing (Bezirk Mitte and the Ortsteil Mitte); in different areas they are
//! ambiguous, and the request is refused with their names rather than guessed.

use super::ErrorItem;
use crate::domain::Coordinates;
use crate::jurisdiction::Jurisdiction;
use crate::places::{MAX_LIMIT, MatchKind, Place, PlaceIndex, PlaceKind, PlaceQuery};

/// Where an address string was placed.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The point the request is filed at.
    pub point: Coordinates,
    /// The name of the place that matched (for the answer's notice).
    pub place: String,
    /// Which search placed it.
    pub by: PlacedBy,
}

/// Which search placed an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacedBy {
    /// The service's own place search: at the town's, village's or Ortsteil's point.
    PlaceSearch,
    /// The upstream geocoder: at the street address itself.
    StreetAddress,
}

/// Places `address` (see the module documentation), or says in an error list entry why not.
pub fn place_address(
    index: &PlaceIndex,
    engine: &Jurisdiction,
    address: &str,
) -> Result<Placed, ErrorItem> {
    for part in address.split([',', ';']) {
        let words: Vec<&str> = part
            .split_whitespace()
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .collect();
        let Ok(query) = PlaceQuery::new(&words.join(" "), Some(MAX_LIMIT)) else {
            continue;
        };
        let hits = index.search(&query);
        let exact: Vec<&Place> = hits
            .iter()
            .filter(|h| h.match_kind == MatchKind::Exact)
            .map(|h| h.place)
            .collect();
        let Some(best) = exact.first() else { continue };
        let mut areas: Vec<&Place> = Vec::new();
        for place in &exact {
            if !areas.iter().any(|known| same_area(known, place)) {
                areas.push(place);
            }
        }
        if areas.len() > 1 {
            return Err(ambiguous(part, &areas));
        }
        return point_of(best, engine)
            .map(|point| Placed {
                point,
                place: best.name.clone(),
                by: PlacedBy::PlaceSearch,
            })
            .ok_or_else(|| {
                ErrorItem::new(
                    400,
                    format!(
                        "address_string: {} has no point to file at; send lat and long",
                        best.name
                    ),
                    format!(
                        "address_string: {} hat keinen Punkt, an dem die Meldung liegen kann; bitte lat und long senden",
                        best.name
                    ),
                )
            });
    }
    Err(ErrorItem::new(
        400,
        format!(
            "address_string: no place of this service is called like any part of {address:?} (the place search knows towns, villages, Ortsteile, Gemeinden and Ämter, not streets); send lat and long, or name the place"
        ),
        format!(
            "address_string: kein Ort dieses Dienstes heißt wie ein Teil von {address:?} (die Ortssuche kennt Städte, Dörfer, Ortsteile, Gemeinden und Ämter, keine Straßen); bitte lat und long senden oder den Ort nennen"
        ),
    ))
}

/// Places `address` at the upstream geocoder's addresses for it (best first): at the best one
/// when all lie in one Gemeinde or Bezirk ("Hauptstraße 1" names a street in a hundred
/// villages: that is refused, not guessed); `None` when there are none.
pub fn place_at_street_address(
    address: &str,
    found: &[Place],
) -> Option<Result<Placed, ErrorItem>> {
    let best = found.first()?;
    let mut areas: Vec<&Place> = Vec::new();
    for place in found {
        if !areas.iter().any(|known| same_area(known, place)) {
            areas.push(place);
        }
    }
    if areas.len() > 1 {
        return Some(Err(ambiguous(address, &areas)));
    }
    best.point.map(|point| {
        Ok(Placed {
            point,
            place: best.name.clone(),
            by: PlacedBy::StreetAddress,
        })
    })
}

/// The refusal of a name that several places in different areas carry.
fn ambiguous(part: &str, areas: &[&Place]) -> ErrorItem {
    let names: Vec<String> = areas
        .iter()
        .take(5)
        .map(|p| match &p.area {
            Some(area) if p.kind == PlaceKind::Address => format!("{} ({})", p.name, area.name),
            _ => format!("{} ({})", p.name, p.kreis.name),
        })
        .collect();
    ErrorItem::new(
        400,
        format!(
            "address_string: {:?} names several places equally well: {}; add the place's Kreis or send lat and long",
            part.trim(),
            names.join(", ")
        ),
        format!(
            "address_string: {:?} passt gleich gut auf mehrere Orte: {}; bitte den Kreis ergänzen oder lat und long senden",
            part.trim(),
            names.join(", ")
        ),
    )
}

/// Whether two hits are one place for routing: the same Gemeinde or Bezirk (or, for Ämter,
/// which span several, the same Amt).
fn same_area(a: &Place, b: &Place) -> bool {
    match (&a.area, &b.area) {
        (Some(x), Some(y)) => x.key == y.key,
        _ => a.authority.key == b.authority.key && a.area.is_none() && b.area.is_none(),
    }
}

/// The place's own point; else the middle of its extent, if that lies in the place itself
/// (the middle of an oddly shaped Gemeinde may lie in its neighbour, which would misroute).
fn point_of(place: &Place, engine: &Jurisdiction) -> Option<Coordinates> {
    if let Some(point) = place.point {
        return Some(point);
    }
    let [west, south, east, north] = place.bbox?;
    let middle = Coordinates::new((south + north) / 2.0, (west + east) / 2.0).ok()?;
    let answer = engine.locate(middle, None).ok()?;
    let inside = match &place.area {
        Some(area) => answer.area.key.as_str() == area.key,
        None => answer.municipal_authority.key.as_str() == place.authority.key,
    };
    inside.then_some(middle)
}
