//! The open-data downloads: CSV and GeoJSON of the public reports with the list's filters,
//! nothing unpublished and no contact in them, spreadsheet-safe CSV, and the DCAT-AP.de
//! description that points at both.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, clerk_app, file_report, sign_in};

const SECRET_EMAIL: &str = "anna.geheim@example.org";

async fn file(app: &TestApp, description: &str, lat: f64, lon: f64, category: &str) -> String {
    let answer = file_report(
        app,
        json!({
            "category": category, "description": description, "lat": lat, "lon": lon,
            "email": SECRET_EMAIL, "name": "Anna Geheim",
        }),
    )
    .await;
    answer["id"].as_str().unwrap().to_owned()
}

/// Files `n` reports in Berlin-Mitte ("Meldung 0", "Meldung 1", …).
async fn file_many(app: &TestApp, n: usize) {
    for i in 0..n {
        file(
            app,
            &format!("Meldung {i}"),
            52.5219,
            13.4132,
            "roads_paths",
        )
        .await;
    }
}

/// The body, after checking status, type and that it is offered as a download.
async fn download(app: &TestApp, path: &str, content_type: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], content_type, "{path}");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;"),
        "{path}"
    );
    response.text().await.unwrap()
}

both_backends!(
    downloads_hold_the_public_reports_only_without_contacts,
    |backend: Backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let clerk = sign_in(&app, "clerk@example.org", true, &[]).await;
        // Mitte, Briesen (Mark), and one that stays unpublished.
        let tricky = "=HYPERLINK(\"http://x\"), \"Loch\"\nzweite Zeile";
        let mitte = file(&app, tricky, 52.5219, 13.4132, "roads_paths").await;
        let briesen = file(&app, "Laterne aus", 52.33012, 14.26357, "street_lighting").await;
        let pending = file(
            &app,
            "noch nicht öffentlich",
            52.5219,
            13.4132,
            "roads_paths",
        )
        .await;
        for id in [&mitte, &briesen] {
            let (status, body) = clerk
                .post(
                    &app,
                    &format!("/api/v1/admin/reports/{id}/publish"),
                    json!({}),
                )
                .await;
            assert_eq!(status, 200, "{body}");
        }

        let csv = download(
            &app,
            "/api/v1/open-data/reports.csv",
            "text/csv; charset=utf-8",
        )
        .await;
        assert!(csv.starts_with("id,url,created_at,status,light,"), "{csv}");
        assert!(csv.contains(&briesen) && csv.contains(&mitte), "{csv}");
        assert!(!csv.contains(&pending) && !csv.contains("nicht öffentlich"));
        assert!(
            !csv.contains(SECRET_EMAIL) && !csv.contains("Geheim"),
            "{csv}"
        );
        // The formula is defused, quotes doubled, the line break kept inside the quoted field.
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"http://x\"\"), \"\"Loch\"\"\nzweite Zeile\""),
            "{csv}"
        );
        let briesen_line = csv.lines().find(|l| l.starts_with(&briesen)).unwrap();
        for part in [
            "open,red,",
            "street_lighting,Straßenbeleuchtung,Laterne aus,,52.33012,14.26357,12067072,Briesen (Mark),",
            "Amt Odervorland",
        ] {
            assert!(briesen_line.contains(part), "{part} in {briesen_line}");
        }
        // CRLF line ends (RFC 4180): header, two records (one with an inner \n).
        assert_eq!(csv.matches("\r\n").count(), 3, "{csv}");

        let geojson: Value = serde_json::from_str(
            &download(
                &app,
                "/api/v1/open-data/reports.geojson",
                "application/geo+json",
            )
            .await,
        )
        .unwrap();
        assert_eq!(geojson["type"], "FeatureCollection");
        assert_eq!(
            geojson["license"],
            "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
        );
        let features = geojson["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        // Newest first.
        assert_eq!(features[0]["id"], briesen.as_str());
        assert_eq!(
            features[0]["geometry"]["coordinates"],
            json!([14.26357, 52.33012])
        );
        assert_eq!(features[0]["properties"]["light"], "red");
        assert_eq!(features[1]["properties"]["description"], tricky);
        assert!(!geojson.to_string().contains(SECRET_EMAIL));

        // The list's filters apply.
        let only = download(
            &app,
            "/api/v1/open-data/reports.csv?category=street_lighting",
            "text/csv; charset=utf-8",
        )
        .await;
        assert_eq!(only.lines().count(), 2, "{only}");
        let berlin: Value = serde_json::from_str(
            &download(
                &app,
                "/api/v1/open-data/reports.geojson?bbox=13.0,52.3,13.8,52.7",
                "application/geo+json",
            )
            .await,
        )
        .unwrap();
        assert_eq!(berlin["features"].as_array().unwrap().len(), 1);
        app.get_problem(
            "/api/v1/open-data/reports.csv?status=lila",
            400,
            "invalid-parameter",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    more_reports_than_a_page_stream_whole,
    |backend: Backend| async move {
        let app = crate::helpers::open_app(backend).await;
        // 1,000 a page: 1,003 reports take a full page and a short second one.
        file_many(&app, 1003).await;
        let csv = download(
            &app,
            "/api/v1/open-data/reports.csv",
            "text/csv; charset=utf-8",
        )
        .await;
        assert_eq!(csv.lines().count(), 1004);
        let ids: std::collections::HashSet<&str> = csv.lines().skip(1).map(|l| &l[..36]).collect();
        assert_eq!(ids.len(), 1003, "no report twice");
        let geojson: Value = serde_json::from_str(
            &download(
                &app,
                "/api/v1/open-data/reports.geojson",
                "application/geo+json",
            )
            .await,
        )
        .unwrap();
        assert_eq!(geojson["features"].as_array().unwrap().len(), 1003);
        app.stop().await;
    }
);

both_backends!(
    the_dcat_catalog_describes_both_downloads,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/api/v1/open-data/catalog.jsonld").await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/ld+json");
        let catalog: Value = response.json().await.unwrap();
        assert_eq!(catalog["@type"], "dcat:Catalog");
        let distributions = catalog["dcat:dataset"]["dcat:distribution"]
            .as_array()
            .unwrap();
        let urls: Vec<&str> = distributions
            .iter()
            .map(|d| d["dcat:downloadURL"]["@id"].as_str().unwrap())
            .collect();
        for url in &urls {
            let path = &url[url.find("/api/").unwrap()..];
            assert_eq!(app.get(path).await.status().as_u16(), 200, "{path}");
        }
        app.stop().await;
    }
);

both_backends!(
    the_export_command_writes_the_whole_dump_as_the_downloads_do,
    |backend: Backend| async move {
        let app = crate::helpers::open_app(backend).await;
        file_many(&app, 3).await;
        let csv_download = download(
            &app,
            "/api/v1/open-data/reports.csv",
            "text/csv; charset=utf-8",
        )
        .await;
        let url = app.database_url().to_owned();
        let (_db, _data) = app.stop_keeping_data().await;
        let dir = tempfile_dir();
        for (format, name) in [("csv", "dump.csv"), ("geojson", "dump.geojson")] {
            let out = dir.join(name);
            let output = export(&url, format, &out);
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert!(stdout.contains("3 public reports written"), "{stdout}");
            assert!(
                !dir.join(format!("{name}.part")).exists(),
                "no part file is left"
            );
            let text = std::fs::read_to_string(&out).unwrap();
            if format == "csv" {
                // The dump is the download, byte for byte.
                assert_eq!(text, csv_download);
            } else {
                let geojson: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(geojson["features"].as_array().unwrap().len(), 3);
            }
        }
        // A directory that does not exist: a clear error, nothing written.
        let output = export(&url, "csv", &dir.join("missing/dump.csv"));
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains("cannot create"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
);

/// Runs `buergerbuero export` on the database at `url`.
fn export(url: &str, format: &str, out: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .args(["export", "--format", format, "--out"])
        .arg(out)
        .env("BUERGERBUERO_DATABASE_URL", url)
        .env(
            "BUERGERBUERO_BOUNDARIES_DIR",
            crate::helpers::boundaries_dir(),
        )
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bb-export-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
