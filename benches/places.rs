//! Criterion benchmarks of the place search and the nearest-place lookup, on the real data:
//! the engine from `../shared/data/boundaries` (or `BUERGERBUERO_BOUNDARIES_DIR`), the
//! GeoNames places from `../shared/data/places` (or `BUERGERBUERO_PLACES_DIR`).
//!
//! Before criterion's figures it prints the latency distribution (p50, p99, max) of every
//! query of a fixed list and of every prefix of every indexed name, each timed on its own:
//! the target is p99 < 1 ms per query.
//!
//! Run with `cargo bench --bench places`.

// A benchmark may stop with a message when its data is missing.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use buergerbuero::domain::Coordinates;
use buergerbuero::jurisdiction::{Jurisdiction, JurisdictionSettings};
use buergerbuero::places::{PlaceIndex, PlaceQuery, geonames};
use criterion::{Criterion, criterion_group, criterion_main};

fn data_dir(variable: &str, default: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(default),
        PathBuf::from,
    )
}

fn build() -> (PlaceIndex, Vec<String>) {
    let set = buergerbuero::boundaries::read(
        &data_dir("BUERGERBUERO_BOUNDARIES_DIR", "../shared/data/boundaries"),
        &mut |_| {},
    )
    .expect("reading the boundary data (set BUERGERBUERO_BOUNDARIES_DIR)");
    let engine = Jurisdiction::build(
        set.areas,
        set.authorities,
        vec![],
        &[],
        JurisdictionSettings::default(),
    )
    .expect("building the jurisdiction engine");
    let places = geonames::read(&data_dir(
        "BUERGERBUERO_PLACES_DIR",
        "../shared/data/places",
    ))
    .expect("reading the GeoNames places (set BUERGERBUERO_PLACES_DIR)");
    let names = places.iter().map(|p| p.name.clone()).collect();
    (PlaceIndex::build(&engine, &places), names)
}

/// What citizens type: names, starts of names, other spellings, typing errors, nonsense
/// (which makes the search try every name for typing errors: the slowest case).
const QUERIES: [&str; 12] = [
    "Briesen",
    "bri",
    "Mueritz",
    "Brisen",
    "Neubrandenbrug",
    "Frankfurt (Oder)",
    "lichterfelde",
    "Gross Kreutz",
    "Ebreswlade",
    "xyzzyq",
    "Amt Odervorland",
    "Königs Wusterhausen",
];

fn latency_report(index: &PlaceIndex, names: &[String]) {
    let mut queries: Vec<String> = QUERIES.iter().map(|q| (*q).to_owned()).collect();
    for name in names {
        let chars: Vec<char> = name.chars().collect();
        for end in 2..=chars.len() {
            queries.push(chars[..end].iter().collect());
        }
    }
    let mut micros: Vec<f64> = queries
        .iter()
        .filter_map(|q| PlaceQuery::new(q, None).ok())
        .map(|query| {
            let started = Instant::now();
            black_box(index.search(black_box(&query)));
            started.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    let at = |p: f64| micros[((micros.len() - 1) as f64 * p).round() as usize];
    eprintln!(
        "place search, {} queries each timed: p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        micros.len(),
        at(0.50),
        at(0.99),
        at(1.0)
    );
}

fn search(c: &mut Criterion) {
    let (index, names) = build();
    latency_report(&index, &names);
    let mut group = c.benchmark_group("places");
    for q in QUERIES {
        let query = PlaceQuery::new(q, None).expect("a valid query");
        group.bench_function(format!("search/{q}"), |b| {
            b.iter(|| index.search(black_box(&query)).len());
        });
    }
    let pin = Coordinates::new(52.372, 14.252).expect("valid coordinates");
    group.bench_function("nearest/briesen_mark", |b| {
        b.iter(|| index.nearest(black_box(pin)).map(|p| p.distance_m));
    });
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
