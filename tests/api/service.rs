//! Probes, reference data, and how the server answers what it does not serve.

use crate::both_backends;
use crate::helpers::{Backend, TestApp, refusal};

both_backends!(health_and_readiness, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    let response = app.get("/healthz").await;
    assert!(response.headers().contains_key("x-request-id"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    app.stop().await;
});

both_backends!(
    readiness_names_each_dependency,
    |backend: Backend| async move {
        // An SMTP server that refuses connections: a warning, not a reason to take no traffic.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.get_json("/readyz").await;
        assert_eq!(status, 200);
        assert_eq!(body["status"], "ready");
        assert_eq!(
            body["checks"]["database"],
            serde_json::json!({ "status": "ok", "required": true })
        );
        assert_eq!(
            body["checks"]["photo_storage"],
            serde_json::json!({ "status": "ok", "required": true })
        );
        assert_eq!(body["checks"]["smtp"]["status"], "off");
        assert_eq!(body["checks"]["smtp"]["required"], false);

        // Photo storage that cannot be written: 503, and the detail says which.
        let photos = app.data_dir().join("photos");
        let _ = std::fs::remove_dir_all(&photos);
        std::fs::write(&photos, b"not a directory").unwrap();
        let problem = app.get_problem("/readyz", 503, "unavailable").await;
        assert_eq!(problem["type"], "/problems/unavailable");
        assert_eq!(problem["checks"]["photo_storage"]["status"], "failed");
        assert!(problem["checks"]["photo_storage"]["detail"].is_string());
        assert_eq!(problem["checks"]["database"]["status"], "ok");
        std::fs::remove_file(&photos).unwrap();
        let (status, _) = app.get_json("/readyz").await;
        assert_eq!(status, 200);
        app.stop().await;

        let app = TestApp::spawn_with(crate::helpers::TestDatabase::new(backend), |s| {
            s.smtp_url = Some(format!("smtp://user:secret@127.0.0.1:{closed}"));
        })
        .await;
        let (status, body): (u16, serde_json::Value) = app.get_json("/readyz").await;
        assert_eq!(status, 200);
        let smtp = &body["checks"]["smtp"];
        assert_eq!(smtp["status"], "warning");
        assert_eq!(smtp["required"], false);
        let detail = smtp["detail"].as_str().unwrap();
        assert!(detail.contains(&format!("127.0.0.1:{closed}")), "{detail}");
        assert!(!detail.contains("secret"));
        app.stop().await;
    }
);

both_backends!(
    categories_come_in_german_and_english,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.get_json("/api/v1/categories").await;
        assert_eq!(status, 200);
        let categories = body["categories"].as_array().unwrap();
        let codes: Vec<&str> = categories
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "roads_paths",
                "street_lighting",
                "traffic_signs_signals",
                "litter_dumping",
                "green_trees",
                "playgrounds",
                "public_toilets",
                "graffiti_vandalism",
                "winter_service",
                "other"
            ]
        );
        let lights = &categories[1];
        assert_eq!(lights["name_de"], "Straßenbeleuchtung");
        assert_eq!(lights["name_en"], "Street lighting");
        let signals = &categories[2];
        assert!(signals["notice_de"].as_str().unwrap().contains("110"));
        app.stop().await;
    }
);

both_backends!(
    inactive_categories_are_not_offered,
    |backend: Backend| async move {
        let db = crate::helpers::TestDatabase::new(backend);
        crate::helpers::execute(
            &db,
            &["update categories set active = false where code = 'public_toilets'"],
        )
        .await;
        let app = TestApp::spawn_with(db, |_| {}).await;
        let (_, body) = app.get_json("/api/v1/categories").await;
        assert!(!body.to_string().contains("public_toilets"));
        let problem = app
            .get_problem(
                "/api/v1/jurisdiction?lat=52.52&lon=13.41&category=public_toilets",
                422,
                "unknown-category",
            )
            .await;
        assert_eq!(problem["type"], "/problems/unknown-category");
        app.stop().await;
    }
);

both_backends!(
    attribution_names_every_boundary_source,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.get_json("/api/v1/attribution").await;
        assert_eq!(status, 200);
        let text = body.to_string();
        assert!(text.contains("© GeoBasis-DE / BKG"));
        assert!(text.contains("Destatis"));
        assert!(text.contains("Geoportal Berlin"));
        assert!(text.contains("dl-de/by-2-0"));
        app.stop().await;
    }
);

both_backends!(
    unknown_paths_and_methods_get_problems,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.get_problem("/api/v1/nothing-here", 404, "not-found")
            .await;
        let response = app
            .client
            .post(format!("{}/api/v1/jurisdiction", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET");
        refusal(response, 405, "method-not-allowed").await;
        app.stop().await;
    }
);

both_backends!(
    the_api_description_is_served,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let response = app.get("/openapi.yaml").await;
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("/api/v1/jurisdiction")
        );
        app.stop().await;
    }
);

both_backends!(
    web_files_are_compressed_and_api_answers_are_not,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let fetch = |path: &'static str| {
            app.client
                .get(format!("{}{path}", app.address))
                .header("accept-encoding", "gzip")
                .send()
        };
        for (path, content_type) in [
            ("/vendor/leaflet/leaflet.js", "javascript"),
            ("/new.html", "text/html"),
            ("/sw.js", "javascript"),
            ("/manifest.webmanifest", "application/manifest+json"),
        ] {
            let response = fetch(path).await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{path}");
            assert_eq!(response.headers()["content-encoding"], "gzip", "{path}");
            // Revalidated on every use: a deploy never meets an old page beside new modules.
            assert_eq!(response.headers()["cache-control"], "no-cache", "{path}");
            assert!(
                response.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .contains(content_type),
                "{path}"
            );
            let body = response.bytes().await.unwrap();
            assert_eq!(body[..2], [0x1f, 0x8b], "{path}: a gzip stream");
        }
        // Images are compressed already; API answers are never compressed (BREACH).
        for path in ["/icons/icon-192.png", "/api/v1/categories"] {
            let response = fetch(path).await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{path}");
            assert!(
                !response.headers().contains_key("content-encoding"),
                "{path}"
            );
        }
        // A missing file is still the 404 problem.
        app.get_problem("/js/no-such-module.js", 404, "not-found")
            .await;
        app.stop().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let name = app.database_name().to_owned();
    let admin = crate::helpers::postgres_admin_url();
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin)
        .await
        .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "drop database {name} with (force)"
    )))
    .execute(&mut conn)
    .await
    .unwrap();
    let problem = app.get_problem("/readyz", 503, "unavailable").await;
    assert_eq!(problem["type"], "/problems/unavailable");
    assert_eq!(problem["checks"]["database"]["status"], "failed");
    assert_eq!(problem["checks"]["photo_storage"]["status"], "ok");
    // Liveness does not depend on the database.
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    app.stop().await;
}

/// Sends raw bytes on a new connection; returns everything the server answers until it closes.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // The server may answer and close before it has read everything; that is fine.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The problem document at the end of a raw answer, after checking its head.
fn problem_of(answer: &str, status: u16) -> serde_json::Value {
    let last = &answer[answer.rfind("HTTP/1.1 ").unwrap()..];
    let (head, body) = last.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with(&format!("HTTP/1.1 {status} ")), "{head}");
    for line in [
        "content-type: application/problem+json",
        "x-content-type-options: nosniff",
        &format!("content-length: {}", body.len()),
    ] {
        assert!(head.contains(line), "{line} in {head}");
    }
    let problem: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(problem["status"], status);
    problem
}

both_backends!(
    requests_that_are_not_valid_http_get_problem_documents_too,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let control_byte = raw_exchange(
            &app,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x01b\r\n\r\n",
        )
        .await;
        assert_eq!(
            problem_of(&control_byte, 400)["type"],
            "/problems/malformed-request"
        );
        let long_query = [
            &b"GET /api/v1/reports?q="[..],
            &vec![b'a'; 100_000],
            b" HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
        .concat();
        let answer = raw_exchange(&app, &long_query).await;
        assert_eq!(
            problem_of(&answer, 400)["type"],
            "/problems/malformed-request"
        );
        let many_headers: Vec<u8> = (0..200)
            .flat_map(|i| format!("X-H{i}: v\r\n").into_bytes())
            .collect();
        let answer = raw_exchange(
            &app,
            &[
                &b"GET /healthz HTTP/1.1\r\nHost: x\r\n"[..],
                &many_headers,
                b"\r\n",
            ]
            .concat(),
        )
        .await;
        assert_eq!(
            problem_of(&answer, 431)["type"],
            "/problems/request-header-fields-too-large"
        );
        let big_header = [
            &b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: "[..],
            &vec![b'a'; 1_000_000],
            b"\r\n\r\n",
        ]
        .concat();
        let answer = raw_exchange(&app, &big_header).await;
        assert_eq!(problem_of(&answer, 431)["status"], 431);
        // After a good request on a kept-alive connection, the bad one behind it.
        let pipelined = raw_exchange(
            &app,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: \x7f\x01\r\n\r\n",
        )
        .await;
        assert!(pipelined.starts_with("HTTP/1.1 200 OK\r\n"), "{pipelined}");
        assert_eq!(
            problem_of(&pipelined, 400)["type"],
            "/problems/malformed-request"
        );
        // The server still answers.
        assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
        app.stop().await;
    }
);
