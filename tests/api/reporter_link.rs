//! The reporter's own link: the key in the filing's answer shows the reporter their report in
//! every state, strangers still get 404 for unpublished reports, and the public history starts
//! with "received" (red).

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestDatabase};

async fn app_with(backend: Backend, confirm: bool) -> TestApp {
    TestApp::spawn_with(TestDatabase::new(backend), |s| {
        s.moderation = buergerbuero::config::Moderation::Pre;
        s.email_confirmation = if confirm {
            buergerbuero::config::EmailConfirmation::Required
        } else {
            buergerbuero::config::EmailConfirmation::Off
        };
        s.rate_limit.reports_per_hour = 0;
    })
    .await
}

async fn file(app: &TestApp, body: Value, idempotency_key: &str) -> Value {
    let response = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .header("Idempotency-Key", idempotency_key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

fn mitte(description: &str) -> Value {
    json!({ "category": "street_lighting", "description": description, "lat": 52.5200, "lon": 13.4050 })
}

both_backends!(
    the_key_shows_a_pending_report_to_its_reporter_only,
    |backend| async move {
        let app = app_with(backend, false).await;
        let filed = file(&app, mitte("Laterne dunkel"), "one").await;
        let other = file(&app, mitte("Laterne flackert"), "two").await;
        let id = filed["id"].as_str().unwrap();
        let key = filed["reporter_key"].as_str().unwrap();
        assert_eq!(key.len(), 32);
        assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(key, other["reporter_key"].as_str().unwrap());
        assert_eq!(filed["visibility"], "pending");

        // Strangers: 404 without a key, with a wrong one, with another report's.
        let path = format!("/api/v1/reports/{id}");
        app.get_problem(&path, 404, "not-found").await;
        app.get_problem(&format!("{path}?key={}", "0".repeat(32)), 404, "not-found")
            .await;
        app.get_problem(
            &format!("{path}?key={}", other["reporter_key"].as_str().unwrap()),
            404,
            "not-found",
        )
        .await;

        // The reporter: the report as it is, with a public history that starts red; no cache
        // may keep what the key opened.
        let response = app.get(&format!("{path}?key={key}")).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["cache-control"], "private, no-store");
        let report: Value = response.json().await.unwrap();
        assert_eq!(report["id"], id);
        assert_eq!(report["visibility"], "pending");
        assert_eq!(report["light"], "red");
        assert!(report.get("reporter_key").is_none());
        let history = report["history"].as_array().unwrap();
        assert_eq!(history[0]["kind"], "created");
        assert_eq!(history[0]["light"], "red");
        assert_eq!(history[0]["label"]["de"], "Gemeldet");
        assert!(
            report.get("email").is_none() && !report.to_string().contains("@"),
            "{report}"
        );

        // A retry whose first answer was lost gets the same key.
        let replayed = file(&app, mitte("Laterne dunkel"), "one").await;
        assert_eq!(replayed["id"], id);
        assert_eq!(replayed["reporter_key"], key);
    }
);

both_backends!(
    an_unconfirmed_report_shows_received_not_unconfirmed_in_its_history,
    |backend| async move {
        let app = app_with(backend, true).await;
        let mut body = mitte("Müll am Ufer");
        body["email"] = json!("erika@example.org");
        let filed = file(&app, body, "three").await;
        assert_eq!(filed["status"], "unconfirmed");
        let (id, key) = (
            filed["id"].as_str().unwrap(),
            filed["reporter_key"].as_str().unwrap(),
        );
        app.get_problem(&format!("/api/v1/reports/{id}"), 404, "not-found")
            .await;
        let (status, report) = app
            .get_json(&format!("/api/v1/reports/{id}?key={key}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(report["status"], "unconfirmed");
        assert_eq!(report["light"], Value::Null);
        let history = report["history"].as_array().unwrap();
        assert_eq!(history.len(), 1, "{history:?}");
        assert_eq!(history[0]["status"], "open");
        assert_eq!(history[0]["light"], "red");
        // Not even the reporter's page shows their address.
        assert!(!report.to_string().contains("erika@"), "{report}");
    }
);
