//! The index on a small made-up map: two Gemeinden called Briesen in two Kreise, one
//! "Waren (Müritz)", and GeoNames places in them.

use super::*;
use crate::domain::{Area, AreaKey, Authority, AuthorityKey};
use crate::jurisdiction::{BoundaryArea, JurisdictionSettings};
use geo::{MultiPolygon, polygon};

fn authority(key: &str, name: &str, kind: AuthorityKind, state: State) -> Authority {
    Authority {
        key: AuthorityKey::parse(key).unwrap(),
        name: name.into(),
        kind,
        state,
        contact_email: String::new(),
    }
}

#[allow(clippy::too_many_arguments)]
fn area(
    key: &str,
    name: &str,
    kreis: (&str, &str),
    authority: &str,
    west: f64,
    south: f64,
    east: f64,
    north: f64,
) -> BoundaryArea {
    let key = AreaKey::parse(key).unwrap();
    BoundaryArea {
        area: Area {
            name: name.into(),
            official_name: name.into(),
            state: key.state(),
            kreis: Kreis {
                key: kreis.0.into(),
                name: kreis.1.into(),
            },
            authority: AuthorityKey::parse(authority).unwrap(),
            kreis_authority: AuthorityKey::parse(kreis.0).unwrap(),
            source: "test".into(),
            precision: 1,
            key,
        },
        shape: MultiPolygon(vec![polygon![
            (x: west, y: south),
            (x: east, y: south),
            (x: east, y: north),
            (x: west, y: north),
            (x: west, y: south),
        ]]),
    }
}

fn geoname(id: u64, name: &str, lat: f64, lon: f64, code: &str, population: u64) -> GeoName {
    GeoName {
        id,
        name: name.into(),
        location: Coordinates::new(lat, lon).unwrap(),
        feature_code: code.into(),
        population,
    }
}

const ODER_SPREE: (&str, &str) = ("12067", "Landkreis Oder-Spree");
const SPREE_NEISSE: (&str, &str) = ("12071", "Landkreis Spree-Neiße");
const SEENPLATTE: (&str, &str) = ("13071", "Landkreis Mecklenburgische Seenplatte");

fn index() -> PlaceIndex {
    use AuthorityKind::*;
    let engine = Jurisdiction::build(
        vec![
            area(
                "12067072",
                "Briesen (Mark)",
                ODER_SPREE,
                "120675706",
                14.20,
                52.30,
                14.35,
                52.40,
            ),
            area(
                "12067124",
                "Jacobsdorf",
                ODER_SPREE,
                "120675706",
                14.35,
                52.30,
                14.45,
                52.40,
            ),
            area(
                "12071028",
                "Briesen/Brjazyna",
                SPREE_NEISSE,
                "120715101",
                14.20,
                51.78,
                14.30,
                51.85,
            ),
            area(
                "13071156",
                "Waren (Müritz)",
                SEENPLATTE,
                "130710156",
                12.60,
                53.48,
                12.80,
                53.58,
            ),
        ],
        vec![
            authority("120675706", "Amt Odervorland", Amt, State::Brandenburg),
            authority("120715101", "Amt Burg (Spreewald)", Amt, State::Brandenburg),
            authority(
                "130710156",
                "Stadt Waren (Müritz)",
                AmtsfreieStadt,
                State::MecklenburgVorpommern,
            ),
            authority(
                "12067",
                "Landkreis Oder-Spree",
                Landkreis,
                State::Brandenburg,
            ),
            authority(
                "12071",
                "Landkreis Spree-Neiße",
                Landkreis,
                State::Brandenburg,
            ),
            authority(
                "13071",
                "Landkreis Mecklenburgische Seenplatte",
                Landkreis,
                State::MecklenburgVorpommern,
            ),
        ],
        vec![],
        &[],
        JurisdictionSettings::default(),
    )
    .unwrap();
    PlaceIndex::build(
        &engine,
        &[
            geoname(1, "Briesen", 52.34383, 14.27804, "PPL", 2374),
            geoname(2, "Briesen", 51.81554, 14.2442, "PPLA4", 842),
            geoname(3, "Alt Madlitz", 52.372, 14.252, "PPL", 0),
            geoname(4, "Waren", 53.52, 12.68, "PPL", 21000),
            geoname(5, "Hamburg", 53.55, 9.99, "PPLA", 1_800_000),
        ],
    )
}

fn search<'a>(index: &'a PlaceIndex, q: &str) -> Vec<PlaceHit<'a>> {
    index.search(&PlaceQuery::new(q, None).unwrap())
}

fn names(hits: &[PlaceHit<'_>]) -> Vec<(String, PlaceKind, MatchKind)> {
    hits.iter()
        .map(|h| (h.place.name.clone(), h.place.kind, h.match_kind))
        .collect()
}

#[test]
fn a_shared_name_lists_every_place_with_its_kreis() {
    let index = index();
    let hits = search(&index, "Briesen");
    // Both Gemeinden match exactly (without bracket and Sorbian name); the larger first.
    assert_eq!(
        names(&hits),
        [
            (
                "Briesen (Mark)".into(),
                PlaceKind::Gemeinde,
                MatchKind::Exact
            ),
            (
                "Briesen/Brjazyna".into(),
                PlaceKind::Gemeinde,
                MatchKind::Exact
            ),
        ]
    );
    assert_eq!(hits[0].place.kreis.name, "Landkreis Oder-Spree");
    assert_eq!(hits[0].place.authority.name, "Amt Odervorland");
    assert_eq!(hits[1].place.kreis.name, "Landkreis Spree-Neiße");
    assert_eq!(hits[1].place.authority.name, "Amt Burg (Spreewald)");
    // Each Gemeinde took its village's point and population; the villages are not listed again.
    assert_eq!(hits[0].place.population, Some(2374));
    assert_eq!(hits[1].place.population, Some(842));
    assert_eq!(
        hits[0].place.point,
        Some(Coordinates::new(52.34383, 14.27804).unwrap())
    );
    assert_eq!(hits[0].place.bbox, Some([14.2, 52.3, 14.35, 52.4]));
    // The Sorbian name finds the Gemeinde too.
    assert_eq!(search(&index, "Brjazyna")[0].place.name, "Briesen/Brjazyna");
}

#[test]
fn base_names_drop_qualifiers() {
    assert_eq!(base_name("Briesen (Mark)"), "Briesen");
    assert_eq!(base_name("Cottbus/Chóśebuz"), "Cottbus");
    assert_eq!(base_name("Schwedt/Oder"), "Schwedt");
    assert_eq!(base_name("Potsdam"), "Potsdam");
}

#[test]
fn spellings_and_typing_errors_find_the_name() {
    let index = index();
    for q in ["Mueritz", "Muritz", "MÜRITZ", "müritz"] {
        let hits = search(&index, q);
        assert_eq!(hits[0].place.name, "Waren (Müritz)", "{q}");
        assert_eq!(hits[0].match_kind, MatchKind::WordPrefix, "{q}");
    }
    let hits = search(&index, "Brisen");
    assert_eq!(hits.len(), 2, "{:?}", names(&hits));
    assert!(hits.iter().all(|h| h.match_kind == MatchKind::Fuzzy));
    // Equally near: the larger first.
    assert_eq!(hits[0].place.name, "Briesen (Mark)");
    assert!(search(&index, "Xyzzyx").is_empty());
}

#[test]
fn amter_are_found_by_name_with_and_without_amt() {
    let index = index();
    for q in ["Odervorland", "amt oder"] {
        let hits = search(&index, q);
        assert_eq!(hits[0].place.name, "Amt Odervorland", "{q}");
        assert_eq!(hits[0].place.kind, PlaceKind::Amt);
        // Both member Gemeinden.
        assert_eq!(hits[0].place.bbox, Some([14.2, 52.3, 14.45, 52.4]));
        assert!(hits[0].place.area.is_none());
    }
}

#[test]
fn ranking_is_match_then_population_then_kind() {
    let index = index();
    // "war": prefix of "Waren (Müritz)" (Gemeinde, merged with Waren: 21,000) only.
    let hits = search(&index, "war");
    assert_eq!(
        names(&hits),
        [(
            "Waren (Müritz)".into(),
            PlaceKind::Gemeinde,
            MatchKind::Prefix
        )]
    );
    assert_eq!(hits[0].place.population, Some(21000));
    // Both are prefixes of "bries": the larger first.
    let hits = search(&index, "bries");
    assert_eq!(hits[0].place.name, "Briesen (Mark)");
    assert_eq!(hits[1].place.name, "Briesen/Brjazyna");
    // The limit cuts after ranking.
    let one = index.search(&PlaceQuery::new("Briesen", Some(1)).unwrap());
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].place.name, "Briesen (Mark)");
}

#[test]
fn places_outside_the_service_area_are_left_out() {
    let index = index();
    assert!(search(&index, "Hamburg").is_empty());
    let stats = index.stats();
    assert_eq!((stats.geonames, stats.merged, stats.outside), (5, 3, 1));
}

#[test]
fn the_nearest_place_to_a_pin() {
    let index = index();
    let near = index
        .nearest(Coordinates::new(52.375, 14.255).unwrap())
        .unwrap();
    assert_eq!(near.name, "Alt Madlitz");
    assert_eq!(near.area.name, "Briesen (Mark)");
    assert!(
        (300.0..=500.0).contains(&near.distance_m),
        "{}",
        near.distance_m
    );
}

#[test]
fn queries_are_validated() {
    assert_eq!(PlaceQuery::new("  ", None), Err(PlaceQueryError::Empty));
    assert_eq!(PlaceQuery::new("()-", None), Err(PlaceQueryError::Empty));
    assert_eq!(
        PlaceQuery::new(&"a".repeat(101), None),
        Err(PlaceQueryError::TooLong)
    );
    assert_eq!(
        PlaceQuery::new("Briesen", Some(0)),
        Err(PlaceQueryError::BadLimit)
    );
    assert_eq!(
        PlaceQuery::new("Briesen", Some(51)),
        Err(PlaceQueryError::BadLimit)
    );
    let q = PlaceQuery::new(" Groß Kreutz ", Some(50)).unwrap();
    assert_eq!((q.folded(), q.limit()), ("gross kreutz", 50));
}
