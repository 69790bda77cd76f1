//! Place search: a citizen types a name ("Briesen", "Mueritz", "Brisen") and the map zooms
//! there; and the reverse, the nearest populated place to a pin ("bei Briesen").
//!
//! Built once at start-up, in memory, from two sources: the official names of every Gemeinde,
//! Amt and Berlin Bezirk (the areas and authorities of the [`Jurisdiction`] engine), and the
//! GeoNames populated places in the shared data ([`geonames`]; optional — without the file the
//! search knows the official names only and the reverse answer is empty). A Gemeinde's name
//! without its bracketed qualifier or Sorbian part ("Briesen" for "Briesen (Mark)" and for
//! "Briesen/Brjazyna") counts as its name too. A GeoNames place with the name of the Gemeinde
//! it lies in (the village that gives the Gemeinde its name) is not listed twice: it lends
//! the Gemeinde its point and population.
//!
//! Names and queries are compared in a folded form ([`normalize::fold`]); a hit ranks by how
//! it matched ([`MatchKind`]: exact > prefix > word prefix > typing errors), then by population,
//! then by kind (official areas before populated places).

pub mod geocoder;
pub mod geonames;
mod matching;
pub mod normalize;

use std::collections::{BTreeMap, HashSet};

use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;

use crate::domain::{AuthorityKind, Coordinates, Kreis, State};
use crate::jurisdiction::polygon_index::{METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR};
use crate::jurisdiction::{AuthorityView, Jurisdiction};
use geonames::GeoName;
pub use matching::MatchKind;
use matching::{Key, Match, Query, Rows};

/// The longest query, in characters (a place name is rarely over 40).
pub const QUERY_MAX_CHARS: usize = 100;
/// Hits returned when the client asks for no number.
pub const DEFAULT_LIMIT: usize = 10;
/// The most hits a client may ask for.
pub const MAX_LIMIT: usize = 50;

/// What kind of place a hit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// A Gemeinde of Brandenburg or MV (official name, with its outline's bounding box).
    Gemeinde,
    /// One of Berlin's 12 Bezirke.
    Bezirk,
    /// An Amt, the joint administration of several Gemeinden.
    Amt,
    /// A Verbandsgemeinde (Brandenburg: Liebenwerda).
    Verbandsgemeinde,
    /// A populated place (town, village) from GeoNames.
    Place,
    /// A section of a populated place from GeoNames, e.g. Berlin's Ortsteile.
    Ortsteil,
    /// A street address from the upstream geocoder ([`geocoder`]); never in the index.
    Address,
}

impl PlaceKind {
    /// Rank among hits that match equally well and have equal population.
    fn rank(self) -> u8 {
        match self {
            PlaceKind::Gemeinde | PlaceKind::Bezirk => 0,
            PlaceKind::Amt | PlaceKind::Verbandsgemeinde => 1,
            PlaceKind::Place => 2,
            PlaceKind::Ortsteil | PlaceKind::Address => 3,
        }
    }
}

/// An area named in an answer: the Gemeinde (Berlin: the Bezirk) a place lies in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaRef {
    /// The area key (AGS; Berlin Bezirke `110000nn`).
    pub key: String,
    /// The plain name.
    pub name: String,
}

/// One searchable place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Place {
    /// The name to show.
    pub name: String,
    /// What kind of place it is.
    pub kind: PlaceKind,
    /// The state.
    pub state: State,
    /// The Kreis (tells places of the same name apart).
    pub kreis: Kreis,
    /// The Gemeinde or Bezirk it is or lies in; `None` for an Amt, which spans several.
    pub area: Option<AreaRef>,
    /// The municipal authority responsible there (for an Amt: the Amt itself).
    pub authority: AuthorityView,
    /// A point to show it at (populated places, and Gemeinden named after their village).
    pub point: Option<Coordinates>,
    /// Its extent as `[west, south, east, north]` (Gemeinden, Bezirke and Ämter).
    pub bbox: Option<[f64; 4]>,
    /// Inhabitants, where GeoNames knows them.
    pub population: Option<u64>,
}

/// A search hit: the place and how its name matched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlaceHit<'a> {
    /// The place.
    #[serde(flatten)]
    pub place: &'a Place,
    /// How it matched the query.
    #[serde(rename = "match")]
    pub match_kind: MatchKind,
}

/// The populated place nearest to a point.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NearestPlace<'a> {
    /// Its name.
    pub name: &'a str,
    /// `place` or `ortsteil`.
    pub kind: PlaceKind,
    /// Where it is.
    pub location: Coordinates,
    /// Metres from the point asked about, rounded to 10 m.
    pub distance_m: f64,
    /// The Gemeinde (Berlin: the Bezirk) it lies in.
    pub area: &'a AreaRef,
}

/// A validated search: a folded query with something to search for, and a hit limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceQuery {
    folded: String,
    limit: usize,
}

/// Why a search request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PlaceQueryError {
    /// No letter or digit in the query.
    #[error("q must contain a letter or digit")]
    Empty,
    /// The query is longer than [`QUERY_MAX_CHARS`].
    #[error("q is longer than {max} characters", max = QUERY_MAX_CHARS)]
    TooLong,
    /// The limit is outside 1 to [`MAX_LIMIT`].
    #[error("limit must be between 1 and {max}", max = MAX_LIMIT)]
    BadLimit,
}

impl PlaceQuery {
    /// Validates the raw query and limit (default [`DEFAULT_LIMIT`]).
    pub fn new(text: &str, limit: Option<usize>) -> Result<Self, PlaceQueryError> {
        if text.chars().count() > QUERY_MAX_CHARS {
            return Err(PlaceQueryError::TooLong);
        }
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(PlaceQueryError::BadLimit);
        }
        let folded = normalize::fold(text);
        if folded.is_empty() {
            return Err(PlaceQueryError::Empty);
        }
        Ok(Self { folded, limit })
    }

    /// The query in its folded form.
    pub fn folded(&self) -> &str {
        &self.folded
    }

    /// How many hits at most.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

/// A GeoNames place for the reverse lookup.
#[derive(Debug, Clone)]
struct Located {
    name: String,
    kind: PlaceKind,
    location: Coordinates,
    area: usize,
}

/// Counts that describe the built index (for the start-up log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceStats {
    /// Searchable places.
    pub places: usize,
    /// GeoNames places read.
    pub geonames: usize,
    /// GeoNames places merged into the Gemeinde named after them.
    pub merged: usize,
    /// GeoNames places outside the service area (left out).
    pub outside: usize,
}

/// Longitudes are scaled by the cosine of this latitude (mid-Brandenburg) in the R-tree, so
/// that distances there are close to metres' proportions across the service area.
const TREE_LATITUDE: f64 = 53.0;

/// The search index. Immutable once built; share it behind an `Arc`.
pub struct PlaceIndex {
    places: Vec<Place>,
    /// Every searchable name (folded) with its place.
    keys: Vec<(Key, u32)>,
    /// The areas places lie in, by the engine's area index.
    areas: Vec<AreaRef>,
    located: Vec<Located>,
    tree: RTree<GeomWithData<[f64; 2], u32>>,
    stats: PlaceStats,
}

impl PlaceIndex {
    /// Builds the index from the engine's areas and authorities and the GeoNames places (empty
    /// when the file is missing).
    pub fn build(engine: &Jurisdiction, geonames: &[GeoName]) -> Self {
        let areas: Vec<AreaRef> = engine
            .areas()
            .iter()
            .map(|a| AreaRef {
                key: a.key.to_string(),
                name: a.name.clone(),
            })
            .collect();
        // "Briesen (Mark)", "Waren (Müritz)" and "Briesen/Brjazyna" are named after the
        // villages Briesen and Waren.
        let area_names: Vec<(String, String)> = engine
            .areas()
            .iter()
            .map(|a| {
                (
                    normalize::fold(&a.name),
                    normalize::fold(base_name(&a.name)),
                )
            })
            .collect();

        // Where each GeoNames place lies; the engine decides, not GeoNames' own codes, which
        // predate some mergers of Gemeinden.
        let mut located = Vec::with_capacity(geonames.len());
        let mut outside = 0;
        for g in geonames {
            match engine.locate_area(g.location.lon(), g.location.lat()) {
                Some(found) => located.push((g, found.area as usize)),
                None => outside += 1,
            }
        }
        // The village a Gemeinde is named after lends it its point and population.
        let mut namesake: BTreeMap<usize, &GeoName> = BTreeMap::new();
        for &(g, area) in &located {
            let name = normalize::fold(&g.name);
            let (full, base) = &area_names[area];
            if (name == *full || name == *base)
                && namesake
                    .get(&area)
                    .is_none_or(|known| g.population > known.population)
            {
                namesake.insert(area, g);
            }
        }

        let mut places = Vec::new();
        let mut keys = Vec::new();
        let mut add = |place: Place, names: &[&str]| {
            let id = places.len() as u32;
            let mut folded: Vec<String> = names.iter().map(|n| normalize::fold(n)).collect();
            folded.sort();
            folded.dedup();
            keys.extend(
                folded
                    .into_iter()
                    .filter(|f| !f.is_empty())
                    .map(|f| (Key::new(f), id)),
            );
            places.push(place);
        };

        let mut verbaende: BTreeMap<&crate::domain::AuthorityKey, Vec<usize>> = BTreeMap::new();
        for (i, area) in engine.areas().iter().enumerate() {
            let Some(authority) = engine.authority(&area.authority) else {
                continue;
            };
            if matches!(
                authority.kind,
                AuthorityKind::Amt | AuthorityKind::Verbandsgemeinde
            ) {
                verbaende.entry(&authority.key).or_default().push(i);
            }
            let named_after = namesake.get(&i);
            add(
                Place {
                    name: area.name.clone(),
                    kind: if area.state == State::Berlin {
                        PlaceKind::Bezirk
                    } else {
                        PlaceKind::Gemeinde
                    },
                    state: area.state,
                    kreis: area.kreis.clone(),
                    area: Some(areas[i].clone()),
                    authority: authority.into(),
                    point: named_after.map(|g| g.location),
                    bbox: Some(bbox_of(engine, &[i])),
                    population: named_after.map(|g| g.population).filter(|&p| p > 0),
                },
                // The base name too, so "Briesen" is an exact match for "Briesen (Mark)" and
                // for "Briesen/Brjazyna": the bracket and the Sorbian name tell apart, they
                // are not what people type.
                &[&area.name, &area.official_name, base_name(&area.name)],
            );
        }
        for (key, members) in verbaende {
            let (Some(authority), Some(&first)) = (engine.authority(key), members.first()) else {
                continue;
            };
            let area = &engine.areas()[first];
            let (kind, prefix) = match authority.kind {
                AuthorityKind::Amt => (PlaceKind::Amt, "Amt "),
                _ => (PlaceKind::Verbandsgemeinde, "Verbandsgemeinde "),
            };
            let short = authority
                .name
                .strip_prefix(prefix)
                .unwrap_or(&authority.name);
            add(
                Place {
                    name: authority.name.clone(),
                    kind,
                    state: area.state,
                    kreis: area.kreis.clone(),
                    area: None,
                    authority: authority.into(),
                    point: None,
                    bbox: Some(bbox_of(engine, &members)),
                    population: None,
                },
                &[&authority.name, short],
            );
        }
        let merged = namesake.len();
        let merged_ids: HashSet<u64> = namesake.values().map(|g| g.id).collect();
        for &(g, i) in &located {
            if merged_ids.contains(&g.id) {
                continue;
            }
            let area = &engine.areas()[i];
            let Some(authority) = engine.authority(&area.authority) else {
                continue;
            };
            add(
                Place {
                    name: g.name.clone(),
                    kind: place_kind(g),
                    state: area.state,
                    kreis: area.kreis.clone(),
                    area: Some(areas[i].clone()),
                    authority: authority.into(),
                    point: Some(g.location),
                    bbox: None,
                    population: Some(g.population).filter(|&p| p > 0),
                },
                &[&g.name],
            );
        }

        let located: Vec<Located> = located
            .iter()
            .map(|&(g, area)| Located {
                name: g.name.clone(),
                kind: place_kind(g),
                location: g.location,
                area,
            })
            .collect();
        let tree = RTree::bulk_load(
            located
                .iter()
                .enumerate()
                .map(|(i, l)| GeomWithData::new(tree_point(l.location), i as u32))
                .collect(),
        );
        let stats = PlaceStats {
            places: places.len(),
            geonames: geonames.len(),
            merged,
            outside,
        };
        Self {
            places,
            keys,
            areas,
            located,
            tree,
            stats,
        }
    }

    /// Size figures of the index.
    pub fn stats(&self) -> PlaceStats {
        self.stats
    }

    /// The best hits for the query, best first: by how the name matched, then population,
    /// then kind, then name. Names with typing errors are looked at only when the names that
    /// match as typed do not fill the limit (they would rank below every one of them).
    pub fn search(&self, query: &PlaceQuery) -> Vec<PlaceHit<'_>> {
        let q = Query::new(query.folded.clone());
        let mut best: Vec<Option<Match>> = vec![None; self.places.len()];
        let mut found = 0;
        for (key, id) in &self.keys {
            if let Some(m) = q.exact_match(key) {
                let slot = &mut best[*id as usize];
                found += usize::from(slot.is_none());
                if slot.is_none_or(|known| m < known) {
                    *slot = Some(m);
                }
            }
        }
        if found < query.limit {
            let mut rows = Rows::new();
            for (key, id) in &self.keys {
                let slot = &mut best[*id as usize];
                if slot.is_some_and(|known| known.kind != MatchKind::Fuzzy) {
                    continue;
                }
                if let Some(m) = q.fuzzy_match(key, &mut rows)
                    && slot.is_none_or(|known| m < known)
                {
                    *slot = Some(m);
                }
            }
        }
        let mut hits: Vec<(Match, u32)> = best
            .iter()
            .enumerate()
            .filter_map(|(id, m)| m.map(|m| (m, id as u32)))
            .collect();
        hits.sort_by(|(ma, a), (mb, b)| {
            let (pa, pb) = (&self.places[*a as usize], &self.places[*b as usize]);
            ma.cmp(mb)
                .then_with(|| pb.population.unwrap_or(0).cmp(&pa.population.unwrap_or(0)))
                .then_with(|| pa.kind.rank().cmp(&pb.kind.rank()))
                .then_with(|| pa.name.cmp(&pb.name))
                .then_with(|| pa.kreis.name.cmp(&pb.kreis.name))
                .then_with(|| a.cmp(b))
        });
        hits.truncate(query.limit);
        hits.into_iter()
            .map(|(m, id)| PlaceHit {
                place: &self.places[id as usize],
                match_kind: m.kind,
            })
            .collect()
    }

    /// The GeoNames place nearest to `point`, or `None` when no places are loaded.
    pub fn nearest(&self, point: Coordinates) -> Option<NearestPlace<'_>> {
        // The tree's distances are close to metres' proportions; the true nearest is among
        // the first few the tree yields.
        self.tree
            .nearest_neighbor_iter(&tree_point(point))
            .take(4)
            .map(|entry| {
                let place = &self.located[entry.data as usize];
                (distance_m(point, place.location), place)
            })
            .min_by(|(a, _), (b, _)| a.total_cmp(b))
            .map(|(distance, place)| NearestPlace {
                name: &place.name,
                kind: place.kind,
                location: place.location,
                distance_m: (distance / 10.0).round() * 10.0,
                area: &self.areas[place.area],
            })
    }
}

/// A name without its qualifier in brackets or its second-language part after a slash:
/// "Briesen (Mark)" → "Briesen", "Cottbus/Chóśebuz" → "Cottbus", "Schwedt/Oder" → "Schwedt".
fn base_name(name: &str) -> &str {
    let end = [name.find(" ("), name.find('/')]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(name.len());
    name[..end].trim_end()
}

fn place_kind(g: &GeoName) -> PlaceKind {
    if g.is_section() {
        PlaceKind::Ortsteil
    } else {
        PlaceKind::Place
    }
}

/// The bounding box of some areas as `[west, south, east, north]`, rounded to 5 decimals.
fn bbox_of(engine: &Jurisdiction, areas: &[usize]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &i in areas {
        let r = engine.area_bounds(i as u32);
        b = [
            b[0].min(r.min().x),
            b[1].min(r.min().y),
            b[2].max(r.max().x),
            b[3].max(r.max().y),
        ];
    }
    b.map(|v| (v * 1e5).round() / 1e5)
}

fn tree_point(c: Coordinates) -> [f64; 2] {
    [c.lon() * TREE_LATITUDE.to_radians().cos(), c.lat()]
}

/// Distance in metres (equirectangular; exact enough over the few kilometres to a village).
fn distance_m(a: Coordinates, b: Coordinates) -> f64 {
    let mean_lat = ((a.lat() + b.lat()) / 2.0).to_radians();
    let dx = (a.lon() - b.lon()) * METRES_PER_DEGREE_LON_AT_EQUATOR * mean_lat.cos();
    let dy = (a.lat() - b.lat()) * METRES_PER_DEGREE_LAT;
    dx.hypot(dy)
}

#[cfg(test)]
mod tests;
