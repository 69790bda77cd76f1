//! The jurisdiction engine's figures for `docs/BENCHMARKS.md`, as a plain program.
//!
//! Measures, on one thread: lookup throughput over N random points of Berlin, Brandenburg and
//! Mecklenburg-Vorpommern (default 1,000,000; `BENCH_POINTS` overrides), per-lookup latency
//! percentiles, the index build time, the time to load the boundaries from a SQLite store and
//! build the index (what `serve` does at start-up), and the process's resident memory.
//!
//! With `BENCH_POINTS_OUT=<file>` it also writes the points as CSV (`id,lon,lat,area_key`,
//! one per line after a header) with the area our engine found for each, so that
//! `scripts/bench-jurisdiction.sh` can ask PostGIS about the very same points and compare.
//!
//! The last line of output is a JSON object with every figure.
//!
//! Run with `cargo bench --bench jurisdiction_report` (release profile).

// A benchmark may stop with a message when its data is missing.
#![allow(clippy::expect_used)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use buergerbuero::domain::Coordinates;
use buergerbuero::jurisdiction::{Jurisdiction, JurisdictionSettings, Placement};
use geo::BoundingRect;
use serde_json::json;

/// Seed shared with `jurisdiction.rs`.
const SEED: u64 = 0x00B0_E6E6_B0E6_0001;
/// Timed passes over all points for the throughput figure; the best and the median are shown.
const PASSES: usize = 5;
/// Timed SQLite load + build runs; the median is the figure.
const LOAD_RUNS: usize = 3;

fn boundaries_dir() -> PathBuf {
    std::env::var_os("BUERGERBUERO_BOUNDARIES_DIR").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/boundaries"),
        PathBuf::from,
    )
}

/// SplitMix64 (Steele, Lea, Flood 2014), identical to the one in `jurisdiction.rs`.
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

/// `n` points (longitude, latitude) uniform in `[min, max]`, each inside some area, and the
/// number of draws it took.
fn random_points(
    engine: &Jurisdiction,
    min: (f64, f64),
    max: (f64, f64),
    n: usize,
) -> (Vec<(f64, f64)>, usize) {
    let mut rng = SplitMix64(SEED);
    let mut points = Vec::with_capacity(n);
    let max_draws = n.saturating_mul(100).max(1_000);
    let mut draws = 0;
    while points.len() < n && draws < max_draws {
        draws += 1;
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
    (points, draws)
}

/// The value below which `p` (0..1) of the sorted samples lie (nearest rank).
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    percentile(&sorted, 0.5)
}

/// (VmRSS, VmHWM) of this process in kB.
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Latency percentiles in nanoseconds of per-lookup samples.
fn latency_summary(mut samples_ns: Vec<f64>) -> serde_json::Value {
    samples_ns.sort_by(f64::total_cmp);
    json!({
        "samples": samples_ns.len(),
        "p50_ns": percentile(&samples_ns, 0.50),
        "p90_ns": percentile(&samples_ns, 0.90),
        "p99_ns": percentile(&samples_ns, 0.99),
        "p99_9_ns": percentile(&samples_ns, 0.999),
        "max_ns": samples_ns.last().copied().unwrap_or(0.0),
    })
}

fn print_latency(label: &str, summary: &serde_json::Value) {
    let get = |k: &str| summary[k].as_f64().unwrap_or(f64::NAN);
    println!(
        "{label:<44} p50 {:>7.0} ns  p90 {:>7.0} ns  p99 {:>7.0} ns  p99.9 {:>7.0} ns  max {:>9.0} ns",
        get("p50_ns"),
        get("p90_ns"),
        get("p99_ns"),
        get("p99_9_ns"),
        get("max_ns"),
    );
}

/// Time this thread spent on a CPU and waiting in the run queue, in ns (Linux schedstat).
fn thread_sched_ns() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    Some((fields.next()??, fields.next()??))
}

/// Throughput over all points, `PASSES` times.
struct Rates {
    /// Lookups per wall-clock second: best and median pass.
    wall_best: f64,
    wall_median: f64,
    /// Lookups per second of this thread's on-CPU time (median pass): what one core does when
    /// other processes take turns on it. `NaN` without schedstat.
    on_cpu_median: f64,
    /// Share of the wall time this thread waited for a CPU (other processes ran), all passes.
    run_queue_share: f64,
}

fn throughput(points: &[(f64, f64)], mut lookup: impl FnMut(f64, f64) -> u64) -> Rates {
    let (mut wall, mut on_cpu) = (Vec::with_capacity(PASSES), Vec::with_capacity(PASSES));
    let (mut waited_ns, mut wall_ns) = (0u64, 0u64);
    for _ in 0..PASSES {
        let before = thread_sched_ns();
        let started = Instant::now();
        let mut sum = 0u64;
        for &(x, y) in points {
            sum = sum.wrapping_add(lookup(black_box(x), black_box(y)));
        }
        black_box(sum);
        let elapsed = started.elapsed();
        wall.push(points.len() as f64 / elapsed.as_secs_f64());
        wall_ns += elapsed.as_nanos() as u64;
        if let (Some((cpu0, wait0)), Some((cpu1, wait1))) = (before, thread_sched_ns()) {
            on_cpu.push(points.len() as f64 / ((cpu1 - cpu0) as f64 / 1e9));
            waited_ns += wait1 - wait0;
        }
    }
    Rates {
        wall_best: wall.iter().copied().fold(0.0, f64::max),
        wall_median: median(&wall),
        on_cpu_median: if on_cpu.is_empty() {
            f64::NAN
        } else {
            median(&on_cpu)
        },
        run_queue_share: waited_ns as f64 / wall_ns as f64,
    }
}

fn print_rates(label: &str, rates: &Rates) {
    println!(
        "{label:<38} median {:>9.0}/s ({:.1} ns per lookup), best {:.0}/s; per on-CPU second {:.0}/s; waited for a CPU {:.1} % of the time",
        rates.wall_median,
        1e9 / rates.wall_median,
        rates.wall_best,
        rates.on_cpu_median,
        100.0 * rates.run_queue_share
    );
}

/// Per-lookup latency, each lookup timed on its own with `Instant` (includes the timer's cost).
fn latency_single(points: &[(f64, f64)], mut lookup: impl FnMut(f64, f64) -> u64) -> Vec<f64> {
    points
        .iter()
        .map(|&(x, y)| {
            let started = Instant::now();
            black_box(lookup(black_box(x), black_box(y)));
            started.elapsed().as_nanos() as f64
        })
        .collect()
}

/// Per-lookup latency as the mean of batches of 16 consecutive lookups (timer cost / 16).
fn latency_batched(points: &[(f64, f64)], mut lookup: impl FnMut(f64, f64) -> u64) -> Vec<f64> {
    points
        .chunks_exact(16)
        .map(|batch| {
            let started = Instant::now();
            for &(x, y) in batch {
                black_box(lookup(black_box(x), black_box(y)));
            }
            started.elapsed().as_nanos() as f64 / 16.0
        })
        .collect()
}

/// The cost of one `Instant::now()` + `elapsed()` pair, median over many, in ns.
fn timer_overhead_ns() -> f64 {
    let samples: Vec<f64> = (0..100_000)
        .map(|_| {
            let started = Instant::now();
            black_box(());
            started.elapsed().as_nanos() as f64
        })
        .collect();
    median(&samples)
}

/// Imports the boundaries into a fresh SQLite store, then times what `serve` does at start-up:
/// load boundaries, authorities, categories and rules from the store and build the index.
fn sqlite_load_and_build(dir: &Path) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("starting a tokio runtime");
    let work = std::env::temp_dir().join(format!("buergerbuero-bench-{}", std::process::id()));
    let url = format!("sqlite://{}/bench.db", work.display());
    let figures = runtime.block_on(async {
        let store = buergerbuero::store::connect(&url, 4)
            .await
            .expect("opening the SQLite store");
        store.migrate().await.expect("migrating the SQLite store");
        let started = Instant::now();
        buergerbuero::import::import_boundaries(&*store, dir, &mut |_| {})
            .await
            .expect("importing the boundaries");
        let import_ms = ms(started.elapsed());
        let mut runs = Vec::new();
        let (mut load_ms, mut build_ms) = (Vec::new(), Vec::new());
        for _ in 0..LOAD_RUNS {
            let started = Instant::now();
            let areas = store.load_boundaries().await.expect("loading boundaries");
            let authorities = store.list_authorities().await.expect("listing authorities");
            let categories = store.list_categories().await.expect("listing categories");
            let rules = store.list_routing_rules().await.expect("listing rules");
            let loaded = started.elapsed();
            let engine = tokio::task::block_in_place(|| {
                Jurisdiction::build(
                    areas,
                    authorities,
                    categories,
                    &rules,
                    JurisdictionSettings::default(),
                )
            })
            .expect("building the engine from the store");
            let total = started.elapsed();
            black_box(&engine);
            load_ms.push(ms(loaded));
            build_ms.push(ms(total - loaded));
            runs.push(ms(total));
        }
        json!({
            "import_ms": import_ms,
            "load_and_build_ms_runs": runs,
            "load_and_build_ms": median(&runs),
            "load_ms": median(&load_ms),
            "build_ms": median(&build_ms),
        })
    });
    drop(runtime);
    let _ = std::fs::remove_dir_all(&work);
    figures
}

fn write_points(path: &Path, engine: &Jurisdiction, points: &[(f64, f64)]) {
    let file = std::fs::File::create(path).expect("creating BENCH_POINTS_OUT");
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "id,lon,lat,area_key").expect("writing BENCH_POINTS_OUT");
    for (i, &(x, y)) in points.iter().enumerate() {
        let key = engine
            .locate_area(x, y)
            .map_or("", |m| engine.area(m.area).key.as_str());
        // `{}` prints the shortest text that parses back to the same f64, so PostgreSQL's
        // float8 input sees exactly the point our engine saw.
        writeln!(out, "{},{x},{y},{key}", i + 1).expect("writing BENCH_POINTS_OUT");
    }
    out.flush().expect("writing BENCH_POINTS_OUT");
}

fn main() {
    let n: usize = std::env::var("BENCH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = boundaries_dir();
    println!("jurisdiction engine report");
    println!("boundaries: {}", dir.display());
    println!(
        "cpus online: {}, lookups measured on 1 thread",
        std::thread::available_parallelism().map_or(0, |p| p.get())
    );

    // Read the GeoJSON (validation included), then build the index from memory.
    let started = Instant::now();
    let set = buergerbuero::boundaries::read(&dir, &mut |_| {})
        .expect("reading the boundary data (set BUERGERBUERO_BOUNDARIES_DIR)");
    let read_ms = ms(started.elapsed());
    let (mut min, mut max) = (
        (f64::INFINITY, f64::INFINITY),
        (f64::NEG_INFINITY, f64::NEG_INFINITY),
    );
    for area in &set.areas {
        let rect = area.shape.bounding_rect().expect("an area without extent");
        min = (min.0.min(rect.min().x), min.1.min(rect.min().y));
        max = (max.0.max(rect.max().x), max.1.max(rect.max().y));
    }
    let mut build_runs = Vec::new();
    for _ in 0..2 {
        let (areas, authorities) = (set.areas.clone(), set.authorities.clone());
        let started = Instant::now();
        let engine = Jurisdiction::build(
            areas,
            authorities,
            vec![],
            &[],
            JurisdictionSettings::default(),
        )
        .expect("building the jurisdiction engine");
        build_runs.push(ms(started.elapsed()));
        black_box(engine);
    }
    let sched_before = thread_sched_ns();
    let started = Instant::now();
    let engine = Jurisdiction::build(
        set.areas,
        set.authorities,
        vec![],
        &[],
        JurisdictionSettings::default(),
    )
    .expect("building the jurisdiction engine");
    build_runs.push(ms(started.elapsed()));
    let build_on_cpu_ms = match (sched_before, thread_sched_ns()) {
        (Some((before, _)), Some((after, _))) => (after - before) as f64 / 1e6,
        _ => f64::NAN,
    };
    let build_ms = median(&build_runs);
    let stats = engine.stats();
    let (rss_kb, hwm_kb) = memory_kb();
    println!(
        "areas {}, edges {}, index heap ~{:.1} MB",
        stats.areas,
        stats.edges,
        stats.heap_bytes as f64 / 1e6
    );
    println!("read + validate GeoJSON: {read_ms:.0} ms");
    println!(
        "build index (from memory, median of {build_runs:.1?}): {build_ms:.1} ms; last run {build_on_cpu_ms:.1} ms on a CPU"
    );
    println!(
        "memory after build: VmRSS {:.1} MB, VmHWM {:.1} MB (this process also parsed the GeoJSON)",
        rss_kb as f64 / 1024.0,
        hwm_kb as f64 / 1024.0
    );

    let started = Instant::now();
    let (points, draws) = random_points(&engine, min, max, n);
    println!(
        "{n} points in [{:.4}, {:.4}] x [{:.4}, {:.4}] after {draws} draws ({:.1} % inside), {:.0} ms",
        min.0,
        max.0,
        min.1,
        max.1,
        100.0 * n as f64 / draws as f64,
        ms(started.elapsed())
    );
    let mut per_state: BTreeMap<String, usize> = BTreeMap::new();
    for &(x, y) in &points {
        if let Some(found) = engine.locate_area(x, y) {
            *per_state
                .entry(engine.area(found.area).state.to_string())
                .or_default() += 1;
        }
    }
    println!("points per state: {per_state:?}");

    let fast = |x: f64, y: f64| {
        engine
            .locate_area(x, y)
            .map_or(u64::MAX, |m| u64::from(m.area))
    };
    let full = |x: f64, y: f64| {
        let point = Coordinates::new(y, x).expect("valid coordinates");
        engine
            .locate(point, None)
            .map_or(u64::MAX, |a| a.neighbours.len() as u64)
    };

    println!("throughput on 1 thread, {PASSES} passes over all points:");
    let fast_rates = throughput(&points, fast);
    print_rates("  locate_area", &fast_rates);
    let full_rates = throughput(&points, full);
    print_rates("  locate (full, no category)", &full_rates);
    // The same points in spatial order (row by row of 0.01° x 0.0067° cells), as a batch join
    // that visits the points polygon by polygon would see them: caches stay warm.
    let mut sorted = points.clone();
    let cell = |&(x, y): &(f64, f64)| (((y - min.1) / 0.0067) as u32, ((x - min.0) / 0.01) as u32);
    sorted.sort_by_key(cell);
    let sorted_rates = throughput(&sorted, fast);
    print_rates("  locate_area, points sorted by cell", &sorted_rates);

    let overhead = timer_overhead_ns();
    println!("Instant::now() + elapsed() overhead: {overhead:.0} ns (median)");
    let fast_single = latency_summary(latency_single(&points, fast));
    let fast_batched = latency_summary(latency_batched(&points, fast));
    let full_single = latency_summary(latency_single(&points, full));
    let full_batched = latency_summary(latency_batched(&points, full));
    print_latency("locate_area, each lookup timed (incl. timer)", &fast_single);
    print_latency("locate_area, batches of 16 / 16", &fast_batched);
    print_latency("locate, each lookup timed (incl. timer)", &full_single);
    print_latency("locate, batches of 16 / 16", &full_batched);

    let sqlite = sqlite_load_and_build(&dir);
    println!(
        "SQLite store: import {:.0} ms once; load + build median {:.0} ms (load {:.0} ms, build {:.0} ms), runs {}",
        sqlite["import_ms"].as_f64().unwrap_or(f64::NAN),
        sqlite["load_and_build_ms"].as_f64().unwrap_or(f64::NAN),
        sqlite["load_ms"].as_f64().unwrap_or(f64::NAN),
        sqlite["build_ms"].as_f64().unwrap_or(f64::NAN),
        sqlite["load_and_build_ms_runs"]
    );

    if let Some(path) = std::env::var_os("BENCH_POINTS_OUT") {
        let path = PathBuf::from(path);
        write_points(&path, &engine, &points);
        println!("points written to {}", path.display());
    }

    let summary = json!({
        "points": n,
        "areas": stats.areas,
        "edges": stats.edges,
        "index_heap_bytes": stats.heap_bytes,
        "read_geojson_ms": read_ms,
        "build_ms": build_ms,
        "build_on_cpu_ms": build_on_cpu_ms,
        "rss_after_build_kb": rss_kb,
        "hwm_after_build_kb": hwm_kb,
        "locate_area_per_s": fast_rates.wall_median,
        "locate_area_per_s_best": fast_rates.wall_best,
        "locate_area_per_on_cpu_s": fast_rates.on_cpu_median,
        "locate_area_run_queue_share": fast_rates.run_queue_share,
        "locate_area_sorted_per_s": sorted_rates.wall_median,
        "locate_area_sorted_per_on_cpu_s": sorted_rates.on_cpu_median,
        "locate_per_s": full_rates.wall_median,
        "locate_per_s_best": full_rates.wall_best,
        "locate_per_on_cpu_s": full_rates.on_cpu_median,
        "locate_run_queue_share": full_rates.run_queue_share,
        "timer_overhead_ns": overhead,
        "locate_area_latency_single": fast_single,
        "locate_area_latency_batch16": fast_batched,
        "locate_latency_single": full_single,
        "locate_latency_batch16": full_batched,
        "sqlite": sqlite,
        "points_per_state": per_state,
    });
    println!("{summary}");
}
