//! `GET /metrics`: off by default, behind a bearer token on the main listener, open on its own
//! listener; the series after real requests, and the exposition checked by Prometheus's own
//! `promtool`.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestDatabase, jpeg, refusal};

const TOKEN: &str = "metrics-token-for-the-tests";

/// The value of the sample `series` (name with labels exactly as exposed), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.parse().unwrap())
}

fn must(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("{series} missing in\n{text}"))
}

/// Checks the exposition with `promtool check metrics` (Debian's `prometheus` package): the
/// format and Prometheus's naming rules.
fn promtool_check(text: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("promtool is required for the tests (Debian: apt-get install prometheus)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() && output.stdout.is_empty() && output.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
}

both_backends!(
    metrics_count_requests_filings_and_photos,
    |backend: Backend| async move {
        let app = TestApp::spawn_with(TestDatabase::new(backend), |s| {
            s.moderation = buergerbuero::config::Moderation::Off;
            s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
            s.metrics.token = Some(TOKEN.into());
            s.metrics.listen = Some("127.0.0.1:0".into());
        })
        .await;
        let reports = format!("{}/api/v1/reports", app.address);
        let body = json!({ "category": "street_lighting", "description": "Laterne flackert",
            "lat": 52.5219, "lon": 13.4132, "email": "a@example.org" });
        // Created, then replayed with the same key.
        for _ in 0..2 {
            let response = app
                .client
                .post(&reports)
                .header("Idempotency-Key", "metrics-1")
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 201);
        }
        // With a photo.
        let form = reqwest::multipart::Form::new()
            .text("category", "roads_paths")
            .text("description", "Schlagloch")
            .text("lat", "52.5219")
            .text("lon", "13.4132")
            .part(
                "photo",
                reqwest::multipart::Part::bytes(jpeg(320, 240)).file_name("a.jpg"),
            );
        let response = app
            .client
            .post(&reports)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        // Refused by the use case, and before it.
        let response = app
            .client
            .post(&reports)
            .json(&json!({ "category": "no_such_category", "description": "x", "lat": 52.5219, "lon": 13.4132 }))
            .send()
            .await
            .unwrap();
        refusal(response, 422, "unknown-category").await;
        let response = app
            .client
            .post(&reports)
            .body("plain text")
            .send()
            .await
            .unwrap();
        refusal(response, 415, "unsupported-media-type").await;
        // A route with a parameter, and no route at all.
        app.get_problem(
            &format!("/api/v1/reports/{}", uuid::Uuid::now_v7()),
            404,
            "not-found",
        )
        .await;
        app.get_problem("/no/such/path", 404, "not-found").await;

        // The main listener wants the token.
        let scrape = format!("{}/metrics", app.address);
        let response = app.client.get(&scrape).send().await.unwrap();
        refusal(response, 401, "unauthorized").await;
        let response = app
            .client
            .get(&scrape)
            .bearer_auth("metrics-token-for-the-test")
            .send()
            .await
            .unwrap();
        refusal(response, 401, "unauthorized").await;
        let response = app
            .client
            .get(&scrape)
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = response.text().await.unwrap();
        promtool_check(&text);

        let filings = "buergerbuero_filings_total";
        assert_eq!(
            must(
                &text,
                &format!(r#"{filings}{{outcome="created",reason=""}}"#)
            ),
            2.0
        );
        assert_eq!(
            must(
                &text,
                &format!(r#"{filings}{{outcome="replayed",reason=""}}"#)
            ),
            1.0
        );
        assert_eq!(
            must(
                &text,
                &format!(r#"{filings}{{outcome="refused",reason="unknown_category"}}"#)
            ),
            1.0
        );
        assert_eq!(
            must(
                &text,
                &format!(r#"{filings}{{outcome="refused",reason="unsupported_media_type"}}"#)
            ),
            1.0
        );
        let requests = "buergerbuero_http_requests_total";
        assert_eq!(
            must(
                &text,
                &format!(r#"{requests}{{method="POST",route="/api/v1/reports",status="201"}}"#)
            ),
            3.0
        );
        assert_eq!(
            must(
                &text,
                &format!(
                    r#"{requests}{{method="GET",route="/api/v1/reports/{{id}}",status="404"}}"#
                )
            ),
            1.0
        );
        assert_eq!(
            must(
                &text,
                &format!(r#"{requests}{{method="GET",route="unmatched",status="404"}}"#)
            ),
            1.0
        );
        // Raw paths never become labels.
        assert!(!text.contains("/no/such/path"));
        // The unauthorised scrapes are counted under their route too.
        assert_eq!(
            must(
                &text,
                &format!(r#"{requests}{{method="GET",route="/metrics",status="401"}}"#)
            ),
            2.0
        );
        let latency = "buergerbuero_http_request_duration_seconds";
        assert_eq!(
            must(
                &text,
                &format!(r#"{latency}_count{{method="POST",route="/api/v1/reports"}}"#)
            ),
            5.0
        );
        assert!(
            must(
                &text,
                &format!(r#"{latency}_sum{{method="POST",route="/api/v1/reports"}}"#)
            ) > 0.0
        );
        assert_eq!(
            must(&text, "buergerbuero_photo_processing_seconds_count"),
            1.0
        );
        assert!(must(&text, "buergerbuero_photo_processing_seconds_sum") > 0.0);
        for state in ["pending", "sending", "dead"] {
            assert!(
                must(
                    &text,
                    &format!(r#"buergerbuero_outbox_mails{{state="{state}"}}"#)
                ) >= 0.0
            );
        }
        let oldest = must(&text, "buergerbuero_outbox_oldest_pending_age_seconds");
        assert!((0.0..3600.0).contains(&oldest), "{oldest}");
        assert!(must(&text, "buergerbuero_map_unfolded_changes") >= 0.0);
        assert_eq!(must(&text, "buergerbuero_db_pool_max_connections"), 4.0);
        let open = must(&text, r#"buergerbuero_db_pool_connections{state="idle"}"#)
            + must(&text, r#"buergerbuero_db_pool_connections{state="in_use"}"#);
        assert!((1.0..=4.0).contains(&open), "{open}");
        assert!(must(&text, "buergerbuero_jurisdiction_reloads_total") >= 0.0);

        // The separate listener answers without a token, and only /metrics.
        let own = app.metrics_address.clone().unwrap();
        let response = app
            .client
            .get(format!("{own}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let text = response.text().await.unwrap();
        assert_eq!(
            must(
                &text,
                r#"buergerbuero_filings_total{outcome="created",reason=""}"#
            ),
            2.0
        );
        let response = app
            .client
            .get(format!("{own}/api/v1/categories"))
            .send()
            .await
            .unwrap();
        refusal(response, 404, "not-found").await;
        app.stop().await;
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_off_by_default() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert!(app.metrics_address.is_none());
    app.get_problem("/metrics", 404, "not-found").await;
    // A token sent anyway changes nothing.
    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    refusal(response, 404, "not-found").await;
    app.stop().await;
}
