//! The map's tiles on both backends: what a tile shows (published reports only, each
//! feature in one tile), its `ETag` and `Cache-Control`, a 304 on revalidation, a new
//! version once a change is folded, and the problem for an address that is no tile.

use std::time::{Duration, Instant};

use buergerbuero::map::tiles::tile_of;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, MITTE_POINT, TestApp, clerk_app, file_report, open_app, sign_in};

fn report(lat: f64, lon: f64) -> Value {
    json!({ "category": "street_lighting", "description": "Laterne flackert", "lat": lat, "lon": lon })
}

/// The path of the tile at `z` that holds the point.
fn tile_path(z: u8, lat: f64, lon: f64) -> String {
    let tile = tile_of(z, lat, lon).unwrap();
    format!("/api/v1/map/tiles/{z}/{}/{}.json", tile.x(), tile.y())
}

/// A tile's answer: status, `ETag`, `Cache-Control` and body (`Null` for none).
async fn fetch(app: &TestApp, path: &str, etag: Option<&str>) -> (u16, String, String, Value) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (etag, cache) = (header("etag"), header("cache-control"));
    if status == 200 {
        assert_eq!(response.headers()["content-type"], "application/geo+json");
    }
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    (status, etag, cache, body)
}

/// Asks for the tile until `done` holds for (ETag, body). The fold and the versions' refresh
/// run in the server once a second each (not driven by the test), so this polls with a
/// deadline well beyond the two seconds documented.
async fn poll_tile(
    app: &TestApp,
    path: &str,
    done: impl Fn(&str, &Value) -> bool,
) -> (String, Value) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, etag, _, body) = fetch(app, path, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        if done(&etag, &body) {
            return (etag, body);
        }
        assert!(
            Instant::now() < deadline,
            "{path} did not change: {etag} {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The ids of the reports a tile shows as points.
fn report_ids(tile: &Value) -> Vec<String> {
    let mut ids: Vec<String> = tile["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["kind"] == "report")
        .map(|f| f["properties"]["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

/// The reports a tile counts: one per point, `count` per cluster.
fn counted(tile: &Value) -> i64 {
    tile["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["count"].as_i64().unwrap_or(1))
        .sum()
}

both_backends!(
    a_tile_shows_the_published_reports_in_it_and_follows_moderation,
    |backend: Backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let mut ids = Vec::new();
        for i in 0..3 {
            let filed = file_report(
                &app,
                report(MITTE_POINT.0 + f64::from(i) * 0.0003, MITTE_POINT.1),
            )
            .await;
            assert_eq!(filed["visibility"], "pending");
            ids.push(filed["id"].as_str().unwrap().to_owned());
        }
        for id in &ids[..2] {
            let path = format!("/api/v1/admin/reports/{id}/publish");
            let (status, answer) = admin.send(&app, reqwest::Method::POST, &path, None).await;
            assert_eq!(status, 200, "{answer}");
        }
        let street = tile_path(16, MITTE_POINT.0, MITTE_POINT.1);
        let (status, _, cache, tile) = fetch(&app, &street, None).await;
        assert_eq!(status, 200);
        assert_eq!(cache, "public, max-age=5, stale-while-revalidate=10");
        let mut published = ids[..2].to_vec();
        published.sort();
        assert_eq!(
            report_ids(&tile),
            published,
            "the pending report is not shown"
        );
        for feature in tile["features"].as_array().unwrap() {
            assert_eq!(feature["properties"]["light"], "red");
        }
        let city = tile_path(10, MITTE_POINT.0, MITTE_POINT.1);
        let (_, _, _, clusters) = fetch(&app, &city, None).await;
        assert_eq!(counted(&clusters), 2, "{clusters}");

        // A new category keeps the light and the counts, and still changes the point: the
        // tile gets a new version once the change is folded.
        let (_, etag, _, _) = fetch(&app, &street, None).await;
        let path = format!("/api/v1/admin/reports/{}/category", ids[1]);
        let (status, answer) = admin
            .put(&app, &path, json!({ "category": "roads_paths" }))
            .await;
        assert_eq!(status, 200, "{answer}");
        let (recategorised, tile) = poll_tile(&app, &street, |tag, _| tag != etag).await;
        let categories: Vec<&Value> = tile["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["id"] == ids[1].as_str())
            .map(|f| &f["properties"]["category"])
            .collect();
        assert_eq!(
            categories,
            [&json!("roads_paths")],
            "{recategorised}: {tile}"
        );

        // Hidden by moderation: gone from the tiles once the change is folded.
        let path = format!("/api/v1/admin/reports/{}/hide", ids[0]);
        let (status, answer) = admin
            .post(&app, &path, json!({ "reason": "Beleidigung im Text" }))
            .await;
        assert_eq!(status, 200, "{answer}");
        let (_, tile) = poll_tile(&app, &street, |_, body| report_ids(body).len() == 1).await;
        assert_eq!(report_ids(&tile), vec![ids[1].clone()]);
        let (_, clusters) = poll_tile(&app, &city, |_, body| counted(body) == 1).await;
        assert_eq!(counted(&clusters), 1);
        app.stop().await;
    }
);

both_backends!(
    an_etag_round_trip_is_a_304_until_a_published_report_changes_the_tile,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        file_report(&app, report(MITTE_POINT.0, MITTE_POINT.1)).await;
        let path = tile_path(12, MITTE_POINT.0, MITTE_POINT.1);
        // Once the first filing is folded the tile's version stays.
        let (etag, before) = poll_tile(&app, &path, |etag, _| etag != "W/\"m1-0\"").await;
        assert!(etag.starts_with("W/\"m1-"), "{etag}");
        assert_eq!(counted(&before), 1);

        let (status, again, cache, body) = fetch(&app, &path, Some(&etag)).await;
        assert_eq!((status, &again, &body), (304, &etag, &Value::Null));
        assert_eq!(cache, "public, max-age=5, stale-while-revalidate=10");
        // A list of validators, and the strong form of the same one, match too.
        let list = format!("\"other\", {}", etag.trim_start_matches("W/"));
        assert_eq!(fetch(&app, &path, Some(&list)).await.0, 304);
        assert_eq!(fetch(&app, &path, Some("W/\"m1-999999\"")).await.0, 200);

        // A report published in the same tile: a new ETag and the new count, and the old
        // ETag no longer gets a 304.
        file_report(&app, report(MITTE_POINT.0 + 0.001, MITTE_POINT.1 + 0.001)).await;
        let (changed, after) = poll_tile(&app, &path, |tag, _| tag != etag).await;
        assert_ne!(changed, etag);
        assert_eq!(counted(&after), 2, "{after}");
        let (status, _, _, body) = fetch(&app, &path, Some(&etag)).await;
        assert_eq!(status, 200);
        assert_eq!(counted(&body), 2);

        // A report far away (Briesen, ~60 km) leaves this tile's version alone.
        file_report(&app, report(52.33012, 14.26357)).await;
        let briesen = tile_path(12, 52.33012, 14.26357);
        poll_tile(&app, &briesen, |tag, body| {
            tag != "W/\"m1-0\"" && counted(body) == 1
        })
        .await;
        assert_eq!(fetch(&app, &path, Some(&changed)).await.0, 304);
        app.stop().await;
    }
);

both_backends!(
    the_tiles_of_a_view_count_every_report_once,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        // A 7 × 7 grid about 11 km wide around Mitte: across tile edges at every zoom below.
        let mut filed = 0;
        for i in -3..=3 {
            for j in -3..=3 {
                let (lat, lon) = (
                    MITTE_POINT.0 + f64::from(i) * 0.017,
                    MITTE_POINT.1 + f64::from(j) * 0.027,
                );
                file_report(&app, report(lat, lon)).await;
                filed += 1;
            }
        }
        let (south, north) = (MITTE_POINT.0 - 0.06, MITTE_POINT.0 + 0.06);
        let (west, east) = (MITTE_POINT.1 - 0.09, MITTE_POINT.1 + 0.09);
        for z in [3, 7, 9, 10, 11, 12, 13, 14] {
            let nw = tile_of(z, north, west).unwrap();
            let se = tile_of(z, south, east).unwrap();
            let mut total = 0;
            let mut tiles = 0;
            for x in nw.x()..=se.x() {
                for y in nw.y()..=se.y() {
                    let path = format!("/api/v1/map/tiles/{z}/{x}/{y}.json");
                    let (status, _, _, tile) = fetch(&app, &path, None).await;
                    assert_eq!(status, 200, "{path}");
                    total += counted(&tile);
                    tiles += 1;
                }
            }
            assert_eq!(total, filed, "zoom {z}: {tiles} tiles");
        }
        app.stop().await;
    }
);

both_backends!(
    an_address_that_is_no_tile_is_a_problem_naming_the_part,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        for (path, field) in [
            ("/api/v1/map/tiles/23/0/0.json", "z"),
            ("/api/v1/map/tiles/x/0/0.json", "z"),
            ("/api/v1/map/tiles/-1/0/0.json", "z"),
            ("/api/v1/map/tiles/0/1/0.json", "x"),
            ("/api/v1/map/tiles/12/4096/0.json", "x"),
            ("/api/v1/map/tiles/12/+1/0.json", "x"),
            ("/api/v1/map/tiles/12/0/4096.json", "y"),
            ("/api/v1/map/tiles/12/0/1.5.json", "y"),
            ("/api/v1/map/tiles/12/0/99999999999.json", "y"),
        ] {
            let problem = app.get_problem(path, 400, "invalid-parameter").await;
            assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        }
        app.stop().await;
    }
);
