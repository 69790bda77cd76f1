//! Probes, reference data, and how the server answers what it does not serve.

use crate::both_backends;
use crate::helpers::{Backend, TestApp};

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
        crate::store::execute(
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
        app.get_problem("/api/v1/nothing-here", 404).await;
        let response = app
            .client
            .post(format!("{}/api/v1/jurisdiction", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 405);
        assert_eq!(response.headers()["allow"], "GET");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
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
    let problem = app.get_problem("/readyz", 503).await;
    assert_eq!(problem["type"], "/problems/unavailable");
    // Liveness does not depend on the database.
    let (status, _) = app.get_json("/healthz").await;
    assert_eq!(status, 200);
    app.stop().await;
}
