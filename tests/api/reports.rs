//! Filing and the public read API on both backends: both body formats, every validation
//! error, idempotency, the rate limit, photos, pagination, filters, the map layer, the
//! duplicate hint, and that no public route ever shows the reporter's contact.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, MITTE_POINT, TestApp, TestDatabase, file_report, jpeg, open_app, post_report,
    query_count, refusal,
};

fn report(lat: f64, lon: f64, category: &str) -> Value {
    json!({ "category": category, "description": "Laterne flackert seit Tagen", "lat": lat, "lon": lon })
}

fn form(fields: &[(&str, &str)], photos: Vec<Vec<u8>>) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    for (i, bytes) in photos.into_iter().enumerate() {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name(format!("IMG_{i}.jpg")),
        );
    }
    form
}

const BRIESEN: (f64, f64) = (52.33012, 14.26357);

both_backends!(
    filing_json_publishes_at_once_without_moderation,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let response = post_report(
            &app,
            &report(MITTE_POINT.0, MITTE_POINT.1, "street_lighting"),
        )
        .await;
        assert_eq!(response.status().as_u16(), 201);
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let created: Value = response.json().await.unwrap();
        assert_eq!(
            location,
            format!("/api/v1/reports/{}", created["id"].as_str().unwrap())
        );
        assert_eq!(created["status"], "open");
        assert_eq!(created["light"], "red");
        assert_eq!(created["visibility"], "published");
        assert_eq!(created["authority"]["name"], "Bezirksamt Mitte");
        assert_eq!(created["area"]["name"], "Mitte");
        assert_eq!(created["category"]["name_de"], "Straßenbeleuchtung");

        let (status, shown) = app.get_json(&location).await;
        assert_eq!(status, 200);
        assert_eq!(shown["id"], created["id"]);
        assert_eq!(shown["history"][0]["kind"], "created");
        assert!(shown["status_age_seconds"].as_i64().unwrap() >= 0);
        assert!(shown["status_since"].is_string());
        app.stop().await;
    }
);

both_backends!(
    moderation_keeps_reports_private_until_published,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await; // defaults: moderation pre, confirmation required
        let created = file_report(&app, report(MITTE_POINT.0, MITTE_POINT.1, "roads_paths")).await;
        assert_eq!(created["visibility"], "pending");
        assert_eq!(created["status"], "open");
        let path = created["url"].as_str().unwrap().to_owned();
        app.get_problem(&path, 404, "not-found").await;
        let (_, list) = app.get_json("/api/v1/reports").await;
        assert_eq!(list["reports"], json!([]));

        let mut with_email = report(MITTE_POINT.0, MITTE_POINT.1, "roads_paths");
        with_email["email"] = json!("anna@example.org");
        let unconfirmed = file_report(&app, with_email).await;
        assert_eq!(unconfirmed["status"], "unconfirmed");
        assert_eq!(unconfirmed["light"], Value::Null);
        app.stop().await;
    }
);

both_backends!(
    routing_applies_to_filed_reports,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let created = file_report(&app, report(BRIESEN.0, BRIESEN.1, "litter_dumping")).await;
        assert_eq!(created["authority"]["name"], "Landkreis Oder-Spree");
        let created = file_report(&app, report(BRIESEN.0, BRIESEN.1, "street_lighting")).await;
        assert_eq!(created["authority"]["name"], "Amt Odervorland");
        app.stop().await;
    }
);

both_backends!(
    every_validation_error_is_a_problem_naming_the_field,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let cases: Vec<(Value, u16, &str, Vec<&str>)> = vec![
            (
                json!({}),
                400,
                "invalid-parameter",
                vec!["category", "description", "lat", "lon"],
            ),
            (
                json!({"category": "street_lighting", "description": "", "lat": 52.5, "lon": 13.4}),
                400,
                "invalid-parameter",
                vec!["description"],
            ),
            (
                json!({"category": "street_lighting", "description": "x".repeat(4001), "lat": 52.5, "lon": 13.4}),
                400,
                "invalid-parameter",
                vec!["description"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 91, "lon": 13.4}),
                400,
                "invalid-parameter",
                vec!["lat"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 52.5, "lon": 13.4, "email": "nope"}),
                400,
                "invalid-parameter",
                vec!["email"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 52.5, "lon": 13.4, "name": "n".repeat(101)}),
                400,
                "invalid-parameter",
                vec!["name"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 52.5, "lon": 13.4, "address": "a".repeat(201)}),
                400,
                "invalid-parameter",
                vec!["address"],
            ),
            (
                json!({"category": "Street Lights", "description": "ok", "lat": 52.5, "lon": 13.4}),
                400,
                "invalid-parameter",
                vec!["category"],
            ),
            (
                json!({"category": "no_such_thing", "description": "ok", "lat": 52.5, "lon": 13.4}),
                422,
                "unknown-category",
                vec!["category"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 53.5511, "lon": 9.9937}),
                422,
                "outside-service-area",
                vec![],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": "52.5", "lon": 13.4}),
                400,
                "invalid-parameter",
                vec!["body"],
            ),
            (
                json!({"category": "street_lighting", "description": "ok", "lat": 52.5, "lon": 13.4, "extra": 1}),
                400,
                "invalid-parameter",
                vec!["body"],
            ),
        ];
        for (body, status, kind, fields) in cases {
            let response = post_report(&app, &body).await;
            let problem = refusal(response, status, kind).await;
            let got: Vec<&str> = problem["errors"]
                .as_array()
                .map(|e| e.iter().map(|e| e["field"].as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(got, fields, "{body}: {problem}");
            assert!(problem["detail_de"].is_string());
        }
        // Not JSON, not multipart; and a body over the JSON limit.
        let response = app
            .client
            .post(format!("{}/api/v1/reports", app.address))
            .header("content-type", "text/plain")
            .body("pothole")
            .send()
            .await
            .unwrap();
        refusal(response, 415, "unsupported-media-type").await;
        let big = json!({"category": "street_lighting", "description": "x".repeat(70_000), "lat": 52.5, "lon": 13.4});
        refusal(post_report(&app, &big).await, 413, "payload-too-large").await;
        let (_, list) = app.get_json("/api/v1/reports").await;
        assert_eq!(list["reports"], json!([]), "nothing was stored");
        app.stop().await;
    }
);

both_backends!(multipart_with_photos, |backend: Backend| async move {
    let app = open_app(backend).await;
    let fields = [
        ("category", "roads_paths"),
        ("description", "Schlagloch"),
        ("lat", "52.5219"),
        ("lon", "13.4132"),
    ];
    let response = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form(&fields, vec![jpeg(2400, 1200), jpeg(300, 200)]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let created: Value = response.json().await.unwrap();
    let photos = created["photos"].as_array().unwrap();
    assert_eq!(photos.len(), 2);
    assert_eq!(
        (photos[0]["width"].as_i64(), photos[0]["height"].as_i64()),
        (Some(1600), Some(800))
    );
    assert_eq!(
        (photos[1]["width"].as_i64(), photos[1]["height"].as_i64()),
        (Some(300), Some(200))
    );
    for variant in ["thumb_url", "web_url"] {
        let response = app.get(photos[0][variant].as_str().unwrap()).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=3600, must-revalidate"
        );
        let bytes = response.bytes().await.unwrap();
        let decoded = image::load_from_memory(&bytes).unwrap();
        let long_side = decoded.width().max(decoded.height());
        assert_eq!(long_side, if variant == "thumb_url" { 320 } else { 1600 });
    }
    app.get_problem("/api/v1/photos/nothex/web", 404, "not-found")
        .await;
    app.get_problem(
        &format!("/api/v1/photos/{}/huge", photos[0]["id"].as_str().unwrap()),
        404,
        "not-found",
    )
    .await;

    // Six photos, an oversized one, and a file that is no image.
    let six = (0..6).map(|_| jpeg(20, 20)).collect();
    let too_many = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form(&fields, six))
        .send()
        .await
        .unwrap();
    refusal(too_many, 400, "invalid-parameter").await;
    let huge = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form(&fields, vec![vec![0xFF; 10 * 1024 * 1024 + 1]]))
        .send()
        .await
        .unwrap();
    refusal(huge, 413, "photo-too-large").await;
    let text = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form(&fields, vec![b"%PDF-1.7 not a photo".to_vec()]))
        .send()
        .await
        .unwrap();
    let problem = refusal(text, 415, "photo-unsupported-type").await;
    assert_eq!(problem["errors"][0]["field"], "photo[0]");
    app.stop().await;
});

both_backends!(
    photos_of_unpublished_reports_are_not_served,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let fields = [
            ("category", "roads_paths"),
            ("description", "Loch"),
            ("lat", "52.5219"),
            ("lon", "13.4132"),
        ];
        let response = app
            .client
            .post(format!("{}/api/v1/reports", app.address))
            .multipart(form(&fields, vec![jpeg(64, 48)]))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let created: Value = response.json().await.unwrap();
        app.get_problem(
            created["photos"][0]["web_url"].as_str().unwrap(),
            404,
            "not-found",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    an_idempotency_key_returns_the_first_report,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let send = |body: Value, key: &'static str| {
            let request = app
                .client
                .post(format!("{}/api/v1/reports", app.address))
                .header("Idempotency-Key", key)
                .json(&body);
            async move { request.send().await.unwrap() }
        };
        let first = send(
            report(MITTE_POINT.0, MITTE_POINT.1, "street_lighting"),
            "retry-1",
        )
        .await;
        assert_eq!(first.status().as_u16(), 201);
        let first: Value = first.json().await.unwrap();
        let again = send(
            report(MITTE_POINT.0, MITTE_POINT.1, "street_lighting"),
            "retry-1",
        )
        .await;
        assert_eq!(again.status().as_u16(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        let mut again: Value = again.json().await.unwrap();
        // The first answer is built from what was written, the replay from what is read
        // back: the same document (but for the status's age, which grows).
        let mut first_without_age = first.clone();
        first_without_age["status_age_seconds"] = Value::Null;
        again["status_age_seconds"] = Value::Null;
        assert_eq!(again, first_without_age);
        let other = send(report(BRIESEN.0, BRIESEN.1, "street_lighting"), "retry-1").await;
        refusal(other, 422, "idempotency-key-reused").await;
        // Retries that race each other (a phone resending before the first answer came):
        // one report, every answer names it.
        let racing = (0..4).map(|_| send(report(BRIESEN.0, BRIESEN.1, "roads_paths"), "race-1"));
        let answers = futures_util::future::join_all(racing).await;
        let mut ids = std::collections::BTreeSet::new();
        for answer in answers {
            assert_eq!(answer.status().as_u16(), 201);
            let body: Value = answer.json().await.unwrap();
            ids.insert(body["id"].as_str().unwrap().to_owned());
        }
        assert_eq!(ids.len(), 1, "{ids:?}");
        let (_, list) = app.get_json("/api/v1/reports").await;
        assert_eq!(list["reports"].as_array().unwrap().len(), 2);
        app.stop().await;
    }
);

both_backends!(
    filing_is_rate_limited_per_client,
    |backend: Backend| async move {
        let app = TestApp::spawn_with(TestDatabase::new(backend), |s| {
            s.rate_limit.burst = 2;
            s.rate_limit.reports_per_hour = 60;
        })
        .await;
        for _ in 0..2 {
            assert_eq!(
                post_report(&app, &report(MITTE_POINT.0, MITTE_POINT.1, "other"))
                    .await
                    .status()
                    .as_u16(),
                201
            );
        }
        let limited = post_report(&app, &report(MITTE_POINT.0, MITTE_POINT.1, "other")).await;
        let wait: u64 = limited.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait));
        refusal(limited, 429, "rate-limited").await;
        app.stop().await;
    }
);

/// Two instances on one PostgreSQL database count one budget: the burst spent at one is spent
/// at the other (N instances behind a balancer must not allow N times the rate).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_on_one_postgres_share_the_filing_limit() {
    let limits = |s: &mut buergerbuero::config::Settings| {
        s.rate_limit.burst = 3;
        s.rate_limit.reports_per_hour = 60;
    };
    let app = TestApp::spawn_with(TestDatabase::new(Backend::Postgres), limits).await;
    let second = app.spawn_instance(limits).await;
    let file_at = |address: &str| {
        let url = format!("{address}/api/v1/reports");
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .json(&report(MITTE_POINT.0, MITTE_POINT.1, "other"))
                .send()
                .await
                .unwrap()
        }
    };
    for address in [&app.address, &second.address, &app.address] {
        assert_eq!(file_at(address).await.status().as_u16(), 201, "{address}");
    }
    // The burst of 3 is spent across both: the second instance refuses the fourth.
    refusal(file_at(&second.address).await, 429, "rate-limited").await;
    refusal(file_at(&app.address).await, 429, "rate-limited").await;
    second.stop().await;
    app.stop().await;
}

both_backends!(
    list_filters_and_keyset_pagination,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let category = if i % 2 == 0 {
                "street_lighting"
            } else {
                "roads_paths"
            };
            let created = file_report(
                &app,
                report(
                    MITTE_POINT.0 + f64::from(i) * 0.001,
                    MITTE_POINT.1,
                    category,
                ),
            )
            .await;
            ids.push(created["id"].as_str().unwrap().to_owned());
        }
        file_report(&app, report(BRIESEN.0, BRIESEN.1, "street_lighting")).await;

        // Newest first, two per page, every report exactly once.
        let mut seen = Vec::new();
        let mut path = "/api/v1/reports?limit=2".to_owned();
        loop {
            let (status, page) = app.get_json(&path).await;
            assert_eq!(status, 200);
            for r in page["reports"].as_array().unwrap() {
                seen.push(r["id"].as_str().unwrap().to_owned());
                assert!(r.get("history").is_none());
            }
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/reports?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 6);
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted, "newest first");

        let (_, berlin) = app
            .get_json("/api/v1/reports?bbox=13.0,52.3,13.8,52.7")
            .await;
        assert_eq!(berlin["reports"].as_array().unwrap().len(), 5);
        let (_, lights) = app
            .get_json("/api/v1/reports?category=street_lighting&bbox=13.0,52.3,13.8,52.7")
            .await;
        assert_eq!(lights["reports"].as_array().unwrap().len(), 3);
        let (_, amt) = app.get_json("/api/v1/reports?authority=120675706").await;
        assert_eq!(amt["reports"].as_array().unwrap().len(), 1);
        let (_, open) = app
            .get_json("/api/v1/reports?status=open,in_progress")
            .await;
        assert_eq!(open["reports"].as_array().unwrap().len(), 6);
        let (_, done) = app.get_json("/api/v1/reports?status=resolved").await;
        assert_eq!(done["reports"], json!([]));
        let (_, future) = app
            .get_json("/api/v1/reports?since=2999-01-01T00:00:00Z")
            .await;
        assert_eq!(future["reports"], json!([]));
        let (_, past) = app
            .get_json("/api/v1/reports?since=2020-01-01T00:00:00Z")
            .await;
        assert_eq!(past["reports"].as_array().unwrap().len(), 6);

        for bad in [
            "limit=0",
            "limit=201",
            "limit=x",
            "cursor=abc",
            "status=unconfirmed",
            "status=red",
            "bbox=1,2,3",
            "bbox=14,52,13,53",
            "bbox=a,b,c,d",
            "since=yesterday",
            "authority=12",
        ] {
            app.get_problem(&format!("/api/v1/reports?{bad}"), 400, "invalid-parameter")
                .await;
        }
        app.stop().await;
    }
);

both_backends!(
    the_map_layer_sends_points_up_close_and_clusters_far_out,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        for i in 0..3 {
            file_report(
                &app,
                report(
                    MITTE_POINT.0 + f64::from(i) * 0.0005,
                    MITTE_POINT.1,
                    "street_lighting",
                ),
            )
            .await;
        }
        file_report(&app, report(BRIESEN.0, BRIESEN.1, "roads_paths")).await;

        let response = app
            .get("/api/v1/reports.geojson?bbox=13.40,52.51,13.43,52.53&zoom=16")
            .await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "application/geo+json");
        let close: Value = response.json().await.unwrap();
        assert_eq!(close["type"], "FeatureCollection");
        let features = close["features"].as_array().unwrap();
        let kinds_and_lights: Vec<(&Value, &Value)> = features
            .iter()
            .map(|f| (&f["properties"]["kind"], &f["properties"]["light"]))
            .collect();
        assert_eq!(kinds_and_lights, vec![(&json!("report"), &json!("red")); 3]);

        let (_, far) = app
            .get_json("/api/v1/reports.geojson?bbox=10.5,51.3,15.0,54.8&zoom=6")
            .await;
        let clusters = far["features"].as_array().unwrap();
        let total: i64 = clusters
            .iter()
            .map(|f| f["properties"]["count"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 4);
        assert!(!clusters.is_empty());
        for cluster in clusters {
            assert_eq!(cluster["properties"]["kind"], "cluster", "{cluster}");
        }
        let red: i64 = clusters
            .iter()
            .map(|f| f["properties"]["lights"]["red"].as_i64().unwrap())
            .sum();
        assert_eq!(red, 4);
        // At zoom 10 Mitte and Briesen are apart, and Mitte's three reports are one cluster.
        let (_, mid) = app
            .get_json("/api/v1/reports.geojson?bbox=10.5,51.3,15.0,54.8&zoom=10")
            .await;
        let mut counts: Vec<i64> = mid["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["count"].as_i64().unwrap())
            .collect();
        counts.sort();
        assert_eq!(counts, [1, 3]);

        for bad in [
            "zoom=5",
            "bbox=1,2,3,4",
            "bbox=13,52,14,53&zoom=23",
            "bbox=13,52,14,53&zoom=x",
        ] {
            app.get_problem(
                &format!("/api/v1/reports.geojson?{bad}"),
                400,
                "invalid-parameter",
            )
            .await;
        }
        app.stop().await;
    }
);

both_backends!(
    nearby_finds_open_reports_of_the_category_within_50_m,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let near = file_report(
            &app,
            report(MITTE_POINT.0, MITTE_POINT.1, "street_lighting"),
        )
        .await;
        file_report(&app, report(MITTE_POINT.0, MITTE_POINT.1, "roads_paths")).await;
        file_report(
            &app,
            report(MITTE_POINT.0 + 0.001, MITTE_POINT.1, "street_lighting"),
        )
        .await; // ~110 m north
        let (status, body) = app
            .get_json(&format!(
                "/api/v1/reports/nearby?lat={}&lon={}&category=street_lighting",
                MITTE_POINT.0 + 0.0002,
                MITTE_POINT.1
            ))
            .await;
        assert_eq!(status, 200);
        let found = body["reports"].as_array().unwrap();
        assert_eq!(found.len(), 1, "{body}");
        assert_eq!(found[0]["id"], near["id"]);
        let d = found[0]["distance_m"].as_f64().unwrap();
        assert!((d - 22.1).abs() < 1.0, "{d}");
        app.get_problem(
            "/api/v1/reports/nearby?lat=52.5&lon=13.4",
            400,
            "invalid-parameter",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    no_public_route_shows_the_reporters_contact,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let mut body = report(MITTE_POINT.0, MITTE_POINT.1, "street_lighting");
        body["email"] = json!("geheim.reporter@example.org");
        body["name"] = json!("Erika Geheimname");
        let created = file_report(&app, body).await;
        let id = created["id"].as_str().unwrap();
        // A supporter's address ("me too"), confirmed as its link would, and an anonymous
        // support: the count is public, the address never.
        let mut texts = vec![created.to_string()];
        for body in [
            json!({ "email": "geheim.unterstuetzer@example.org", "follow": true }),
            json!({}),
        ] {
            let response = app
                .client
                .post(format!("{}/api/v1/reports/{id}/supporters", app.address))
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success());
            texts.push(response.text().await.unwrap());
        }
        app.execute_sql(&[
            "update report_supporters set confirmed_at = created_at",
            "update reports set supporters = 2",
        ])
        .await;
        let pages = [
            format!("/api/v1/reports/{id}"),
            "/api/v1/reports".to_owned(),
            "/api/v1/reports?sort=supporters".to_owned(),
            format!("/open311/v2/requests/{id}.json?extensions=true"),
            format!("/open311/v2/requests/{id}.xml?extensions=true"),
            "/open311/v2/requests.json?extensions=true".to_owned(),
            "/api/v1/open-data/reports.csv".to_owned(),
            "/api/v1/open-data/reports.geojson".to_owned(),
            "/api/v1/reports.geojson?bbox=13.40,52.51,13.43,52.53&zoom=16".to_owned(),
            "/api/v1/reports.geojson?bbox=10,51,15,55&zoom=5".to_owned(),
            // The tiles of MITTE_POINT at zoom 16 (a point) and zoom 5 (a cluster).
            "/api/v1/map/tiles/16/35209/21492.json".to_owned(),
            "/api/v1/map/tiles/5/17/10.json".to_owned(),
            format!(
                "/api/v1/reports/nearby?lat={}&lon={}&category=street_lighting",
                MITTE_POINT.0, MITTE_POINT.1
            ),
            // The privacy notice and the page a removal link opens.
            "/datenschutz.html".to_owned(),
            format!("/mail/erase/{}", "e".repeat(64)),
            // The Atom feeds of the area alerts' selections.
            "/api/v1/feeds/reports.atom?area=11000001".to_owned(),
            "/api/v1/feeds/reports.atom?authority=11000001&category=street_lighting".to_owned(),
            format!(
                "/api/v1/feeds/reports.atom?lat={}&lon={}&radius_m=500",
                MITTE_POINT.0, MITTE_POINT.1
            ),
        ];
        for page in pages {
            let response = app.get(&page).await;
            assert_eq!(response.status().as_u16(), 200, "{page}");
            texts.push(response.text().await.unwrap());
        }
        // The feeds do list the report: they are checked, not empty.
        let feeds: Vec<&String> = texts.iter().filter(|t| t.contains("<feed")).collect();
        assert_eq!(feeds.len(), 3);
        assert!(feeds.iter().all(|t| t.contains(id)), "{feeds:?}");
        for text in texts {
            assert!(!text.contains("geheim.reporter"), "{text}");
            assert!(!text.contains("Geheimname"), "{text}");
            assert!(!text.contains("unterstuetzer"), "{text}");
        }
        app.stop().await;
    }
);

/// A `report_cells` row's key (level, cx, cy, light) and its (count, sum_lat, sum_lon).
type Cells = std::collections::BTreeMap<(i32, i64, i64, String), (i64, f64, f64)>;

/// Reads the map counts as the map sees them (`report_cells` plus the changes not folded yet)
/// and, for the expected cells, every report's (lat, lon, status, visibility), straight from
/// the database.
async fn stored_cells(url: &str, backend: Backend) -> (Cells, Vec<(f64, f64, String, String)>) {
    // One body for both pool types: the SQL and the decoded types are the same.
    macro_rules! read {
        ($pool:expr) => {{
            let pool = $pool;
            let cells: Vec<(i32, i64, i64, String, i64, f64, f64)> = sqlx::query_as(
                "select level, cx, cy, light, cast(sum(count) as bigint), sum(sum_lat), sum(sum_lon)
                 from (select level, cx, cy, light, count, sum_lat, sum_lon from report_cells
                       union all
                       select level, cx, cy, light, count, sum_lat, sum_lon from report_cell_changes) as c
                 group by level, cx, cy, light
                 having sum(count) <> 0",
            )
            .fetch_all(&pool)
            .await
            .unwrap();
            let reports = sqlx::query_as("select lat, lon, status, visibility from reports")
                .fetch_all(&pool)
                .await
                .unwrap();
            pool.close().await;
            let cells = cells
                .into_iter()
                .map(|(level, cx, cy, light, count, lat, lon)| {
                    ((level, cx, cy, light), (count, lat, lon))
                })
                .collect();
            (cells, reports)
        }};
    }
    match backend {
        Backend::Sqlite => read!(sqlx::SqlitePool::connect(url).await.unwrap()),
        Backend::Postgres => read!(sqlx::PgPool::connect(url).await.unwrap()),
    }
}

/// Asserts that `report_cells` holds, at every map level, exactly the published reports with
/// a light: the same rows, the same counts, and coordinate sums equal up to rounding (a
/// backfilled sum of sums, or a +x then −x, may differ from a fresh sum in the last bits).
async fn assert_cells_exact(url: &str, backend: Backend) {
    use buergerbuero::domain::Light;
    use buergerbuero::store::reports::{MAP_LEVELS, cell_of};
    let (stored, reports) = stored_cells(url, backend).await;
    let mut expected = Cells::new();
    for (lat, lon, status, visibility) in reports {
        let Some(light) = Light::of_status_name(&status).filter(|_| visibility == "published")
        else {
            continue;
        };
        for level in MAP_LEVELS {
            let (cx, cy) = cell_of(level, lat, lon);
            let cell = expected
                .entry((i32::from(level), cx, cy, light.as_str().to_owned()))
                .or_default();
            *cell = (cell.0 + 1, cell.1 + lat, cell.2 + lon);
        }
    }
    assert!(expected.keys().any(|k| k.0 == 11), "level 11 is kept");
    let keys = |cells: &Cells| cells.keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&stored), keys(&expected), "{backend:?}");
    for (key, (count, lat, lon)) in &expected {
        let (stored_count, stored_lat, stored_lon) = stored[key];
        assert_eq!(stored_count, *count, "{key:?}");
        assert!(
            (stored_lat - lat).abs() < 1e-9,
            "{key:?}: {stored_lat} vs {lat}"
        );
        assert!(
            (stored_lon - lon).abs() < 1e-9,
            "{key:?}: {stored_lon} vs {lon}"
        );
    }
}

both_backends!(
    map_level_11_stays_exact_after_filing_status_changes_and_backfill,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let url = app.database_url().to_owned();
        // Spread over several level-13 cells (0.011°) and level-11 cells (0.044°) of Berlin,
        // two in one level-13 cell.
        let points = [
            (0.0, 0.0),
            (0.001, 0.0005),
            (0.012, -0.015),
            (0.02, -0.05),
            (-0.01, -0.03),
            (0.03, -0.09),
            (-0.05, 0.06),
        ];
        let mut ids = Vec::new();
        for (dlat, dlon) in points {
            let filed = file_report(
                &app,
                report(
                    MITTE_POINT.0 + dlat,
                    MITTE_POINT.1 + dlon,
                    "street_lighting",
                ),
            )
            .await;
            ids.push(filed["id"].as_str().unwrap().to_owned());
        }
        assert_cells_exact(&url, backend).await;

        // Lights change (red → yellow, red → green), one report leaves the map.
        let clerk = crate::helpers::sign_in(&app, "admin@example.org", true, &[]).await;
        for (id, action, body) in [
            (&ids[0], "status", json!({ "status": "in_progress" })),
            (&ids[2], "status", json!({ "status": "resolved" })),
            (&ids[3], "status", json!({ "status": "in_progress" })),
            (&ids[3], "status", json!({ "status": "resolved" })),
            (&ids[5], "hide", json!({ "reason": "Beleidigung im Text" })),
        ] {
            let path = format!("/api/v1/admin/reports/{id}/{action}");
            let (status, answer) = clerk.post(&app, &path, body).await;
            assert_eq!(status, 200, "{path}: {answer}");
        }
        assert_cells_exact(&url, backend).await;

        // The city view reads level 11 now; it must count what zoom 12 (level 13) counts.
        let total = |map: &Value| -> i64 {
            map["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["properties"]["count"].as_i64().unwrap())
                .sum()
        };
        let berlin = "/api/v1/reports.geojson?bbox=13.08,52.33,13.77,52.68";
        let (_, z11) = app.get_json(&format!("{berlin}&zoom=11")).await;
        let (_, z12) = app.get_json(&format!("{berlin}&zoom=12")).await;
        assert_eq!(total(&z11), 6);
        assert_eq!(total(&z12), 6);

        // Folding the appended changes (every instance does it each second) keeps them exact
        // and empties the changes table, so the backfill below runs on folded cells only.
        let store = buergerbuero::store::connect(&url, 2).await.unwrap();
        store.fold_cell_changes().await.unwrap();
        assert_eq!(store.fold_cell_changes().await.unwrap(), 0);
        assert_cells_exact(&url, backend).await;
        let changes = "select count(*) from report_cell_changes";
        assert_eq!(query_count(&url, backend, changes).await, 0);
        // The hidden report was alone in its cells: their rows are gone, not left at zero.
        let emptied = "select count(*) from report_cells where count <= 0";
        assert_eq!(query_count(&url, backend, emptied).await, 0);

        // The backfill (migration 0006) rebuilds level 11 from level 13 exactly, even over
        // wrong level-11 rows: spoil them, forget that 0006 ran, and migrate again.
        app.execute_sql(&[
            "update report_cells set count = count + 5 where level = 11",
            "insert into report_cells (level, cx, cy, light, count, sum_lat, sum_lon)
                 values (11, 1, 1, 'red', 3, 1.0, 1.0)",
            "delete from _sqlx_migrations where version = 6",
        ])
        .await;
        store.migrate().await.unwrap();
        assert_cells_exact(&url, backend).await;
        // Same clusters and counts (centroids may differ in the last bits: sums of sums).
        let clusters = |map: &Value| -> Vec<String> {
            let mut all: Vec<String> = map["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["properties"].to_string())
                .collect();
            all.sort();
            all
        };
        let (_, again) = app.get_json(&format!("{berlin}&zoom=11")).await;
        assert_eq!(clusters(&again), clusters(&z11));
        app.stop().await;
    }
);

/// Folds map count changes every few milliseconds until `done`; returns how many it folded.
async fn fold_until(
    store: &std::sync::Arc<dyn buergerbuero::store::Store>,
    done: &std::sync::atomic::AtomicBool,
) -> u64 {
    let mut folded = 0;
    while !done.load(std::sync::atomic::Ordering::SeqCst) {
        folded += store.fold_cell_changes().await.unwrap();
        // Pacing, not waiting for anything: the folders leave the filings room to run (on
        // SQLite every fold takes the one write lock).
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    folded
}

both_backends!(
    instances_folding_at_once_while_reports_are_filed_keep_the_map_exact,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let url = app.database_url().to_owned();
        // Two more instances' stores on the same database, folding as fast as they can while
        // filings append changes (the app's own folder runs too).
        let instances = [
            buergerbuero::store::connect(&url, 2).await.unwrap(),
            buergerbuero::store::connect(&url, 2).await.unwrap(),
        ];
        let filing_done = std::sync::atomic::AtomicBool::new(false);
        let filings = async {
            let files = (0..40).map(|i| {
                let (dlat, dlon) = (f64::from(i % 8) * 0.004, f64::from(i / 8) * -0.006);
                file_report(
                    &app,
                    report(
                        MITTE_POINT.0 + dlat,
                        MITTE_POINT.1 + dlon,
                        "street_lighting",
                    ),
                )
            });
            futures_util::future::join_all(files).await;
            filing_done.store(true, std::sync::atomic::Ordering::SeqCst);
        };
        let ((), first, second) = tokio::join!(
            filings,
            fold_until(&instances[0], &filing_done),
            fold_until(&instances[1], &filing_done)
        );
        assert!(first + second > 0, "the instances folded something");
        assert_cells_exact(&url, backend).await;
        for store in &instances {
            store.fold_cell_changes().await.unwrap();
        }
        assert_cells_exact(&url, backend).await;
        let changes = "select count(*) from report_cell_changes";
        assert_eq!(query_count(&url, backend, changes).await, 0);
        let (_, map) = app
            .get_json("/api/v1/reports.geojson?bbox=13.08,52.33,13.77,52.68&zoom=7")
            .await;
        let total: i64 = map["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["count"].as_i64().unwrap())
            .sum();
        assert_eq!(total, 40);
        app.stop().await;
    }
);
