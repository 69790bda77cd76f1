//! Criterion benchmarks of the jurisdiction engine: lookups over random points of Berlin,
//! Brandenburg and Mecklenburg-Vorpommern.
//!
//! The engine is built from the shared boundary data (`../shared/data/boundaries`, or the
//! directory in `BUERGERBUERO_BOUNDARIES_DIR`). The points are uniform in the bounding box of
//! all areas and rejection-sampled so that every point lies inside some area; the generator is
//! a fixed-seed SplitMix64, kept identical to the one in `jurisdiction_report.rs`, so every run
//! (and the PostGIS comparison in `scripts/bench-jurisdiction.sh`) sees the same points.
//!
//! Run with `cargo bench --bench jurisdiction`.

// A benchmark may stop with a message when its data is missing.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use buergerbuero::domain::Coordinates;
use buergerbuero::jurisdiction::{Jurisdiction, JurisdictionSettings, Placement};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use geo::BoundingRect;

/// Points per measured batch; throughput is reported per point.
const BATCH: usize = 10_000;
/// Seed shared with `jurisdiction_report.rs`.
const SEED: u64 = 0x00B0_E6E6_B0E6_0001;

fn boundaries_dir() -> PathBuf {
    std::env::var_os("BUERGERBUERO_BOUNDARIES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/boundaries"),
        PathBuf::from,
    )
}

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for sampling points.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

/// `n` points (longitude, latitude), uniform in `[min, max]` and each inside some area.
fn random_points(
    engine: &Jurisdiction,
    min: (f64, f64),
    max: (f64, f64),
    n: usize,
) -> Vec<(f64, f64)> {
    let mut rng = SplitMix64(SEED);
    let mut points = Vec::with_capacity(n);
    // About 45 % of the box lies inside the three states; this bound is never reached.
    let max_draws = n.saturating_mul(100).max(1_000);
    for _ in 0..max_draws {
        if points.len() == n {
            break;
        }
        let x = min.0 + rng.next_f64() * (max.0 - min.0);
        let y = min.1 + rng.next_f64() * (max.1 - min.1);
        if matches!(
            engine.locate_area(x, y).map(|m| m.placement),
            Some(Placement::Inside)
        ) {
            points.push((x, y));
        }
    }
    assert_eq!(points.len(), n, "rejection sampling found too few points");
    points
}

fn build_engine() -> (Jurisdiction, (f64, f64), (f64, f64)) {
    let dir = boundaries_dir();
    let set = buergerbuero::boundaries::read(&dir, &mut |_| {})
        .expect("reading the boundary data (set BUERGERBUERO_BOUNDARIES_DIR)");
    let (mut min, mut max) = (
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    for area in &set.areas {
        let rect = area.shape.bounding_rect().expect("an area without extent");
        min = (min.0.min(rect.min().x), min.1.min(rect.min().y));
        max = (max.0.max(rect.max().x), max.1.max(rect.max().y));
    }
    let engine = Jurisdiction::build(
        set.areas,
        set.authorities,
        vec![],
        &[],
        JurisdictionSettings::default(),
    )
    .expect("building the jurisdiction engine");
    (engine, min, max)
}

fn lookups(c: &mut Criterion) {
    let (engine, min, max) = build_engine();
    let points = random_points(&engine, min, max, BATCH);
    let coordinates: Vec<Coordinates> = points
        .iter()
        .map(|&(x, y)| Coordinates::new(y, x).expect("valid coordinates"))
        .collect();

    let mut group = c.benchmark_group("jurisdiction");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("locate_area/random_points_be_bb_mv", |b| {
        b.iter(|| {
            let mut sum = 0u64;
            for &(x, y) in &points {
                if let Some(found) = engine.locate_area(black_box(x), black_box(y)) {
                    sum += u64::from(found.area);
                }
            }
            sum
        });
    });
    group.bench_function("locate/random_points_be_bb_mv", |b| {
        b.iter(|| {
            let mut sum = 0usize;
            for &point in &coordinates {
                if let Ok(answer) = engine.locate(black_box(point), None) {
                    sum += answer.neighbours.len() + answer.area.name.len();
                }
            }
            sum
        });
    });
    group.finish();

    // One point at a time, for a per-call figure without the batch loop (Berlin Mitte).
    let mut single = c.benchmark_group("jurisdiction_single");
    single.throughput(Throughput::Elements(1));
    single.bench_function("locate_area/berlin_mitte", |b| {
        b.iter(|| engine.locate_area(black_box(13.4132), black_box(52.5219)));
    });
    single.finish();
}

criterion_group!(benches, lookups);
criterion_main!(benches);
