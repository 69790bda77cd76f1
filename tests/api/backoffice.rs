//! An authority that runs its own system: two real instances of this service, A (where
//! citizens file) and B (the authority's back office, a real Open311 server with an api key).
//! A delivers through its outbox, survives the back office being unreachable (retries, dead
//! letters an admin sees and retries), never files twice (the Idempotency-Key after a lost
//! answer), and pulls B's status changes back as the authority's answers, each once.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, Client, MITTE, TestApp, TestDatabase, file_in_mitte, open_app, query_count, sign_in,
};
use crate::open311::admin_and_key;

/// A port nobody listens on (bound, read, closed).
fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/open311/v2")
}

async fn citizen_instance(backend: Backend) -> TestApp {
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        s.backoffice.max_attempts = 3;
    })
    .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    query_count(app.database_url(), app.backend(), sql).await
}

async fn deliveries(admin: &Client, app: &TestApp, state: &str) -> Vec<Value> {
    let (status, list) = admin
        .get(
            app,
            &format!("/api/v1/admin/backoffice-deliveries?state={state}"),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["deliveries"].as_array().unwrap().clone()
}

/// Makes every waiting delivery due now (the back-off has passed).
async fn make_due(app: &TestApp) {
    app.execute_sql(&[
        "update backoffice_deliveries set next_attempt_at = $1 where state = 'pending'",
    ])
    .await;
}

both_backends!(
    reports_reach_the_back_office_once_and_its_answers_come_back,
    |backend: Backend| async move {
        let b = open_app(backend).await;
        let (_b_admin, b_key, _) = admin_and_key(&b).await;
        let b_clerk = sign_in(&b, "sachbearbeitung@mitte.example", false, &[MITTE]).await;
        let b_url = format!("{}/open311/v2", b.address);

        let a = citizen_instance(backend).await;
        let a_admin = sign_in(&a, "admin@a.example", true, &[]).await;
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/contact"),
                json!({ "email": "post@mitte.example" }),
            )
            .await;
        assert_eq!(status, 200);
        // The back office is down at first: A points at a port nobody listens on.
        let (status, config) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/delivery"),
                json!({ "method": "open311", "url": closed_port_url(), "api_key": b_key }),
            )
            .await;
        assert_eq!(status, 200, "{config}");
        assert_eq!(config["method"], "open311");
        assert!(config.get("api_key").is_none());
        assert_eq!(
            config["api_key_hint"],
            format!("…{}", &b_key[b_key.len() - 4..])
        );
        let (status, shown) = a_admin
            .get(&a, &format!("/api/v1/admin/authorities/{MITTE}/delivery"))
            .await;
        assert_eq!(status, 200);
        assert!(
            !shown.to_string().contains(&b_key),
            "the key is never shown again"
        );
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/delivery"),
                json!({ "method": "open311", "url": "ftp://nope" }),
            )
            .await;
        assert_eq!(status, 400);

        let id = file_in_mitte(&a, "Laterne flackert").await;
        assert_eq!(
            count(&a, "select count(*) from outbox where kind = 'new_report'").await,
            0,
            "no mail to an authority whose reports go to its back office"
        );
        assert_eq!(
            count(&a, "select count(*) from backoffice_deliveries").await,
            1
        );

        // Down: every attempt fails, is retried after its back-off, and the last one is a
        // dead letter the admin sees.
        for attempt in 1..=3 {
            let done = a.backoffice.deliver_pending().await.unwrap();
            if attempt < 3 {
                assert_eq!(done.retried, 1, "attempt {attempt}");
                assert_eq!(
                    a.backoffice.deliver_pending().await.unwrap().retried,
                    0,
                    "backs off"
                );
                make_due(&a).await;
            } else {
                assert_eq!(done.dead, 1);
            }
        }
        let dead = deliveries(&a_admin, &a, "dead").await;
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0]["report_id"], id.as_str());
        assert_eq!(dead[0]["attempts"], 3);
        assert!(
            dead[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("no answer")
        );
        assert_eq!(count(&b, "select count(*) from reports").await, 0);

        // Back up: the admin points A at B (the key stays) and retries the dead letter.
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/delivery"),
                json!({ "method": "open311", "url": b_url }),
            )
            .await;
        assert_eq!(status, 200);
        let dead_id = dead[0]["id"].as_str().unwrap();
        let (status, _) = a_admin
            .post(
                &a,
                &format!("/api/v1/admin/backoffice-deliveries/{dead_id}/retry"),
                json!({}),
            )
            .await;
        assert_eq!(status, 202);
        let (status, _) = a_admin
            .post(
                &a,
                &format!("/api/v1/admin/backoffice-deliveries/{dead_id}/retry"),
                json!({}),
            )
            .await;
        assert_eq!(status, 409, "only a dead letter can be retried");
        assert_eq!(a.backoffice.deliver_pending().await.unwrap().delivered, 1);
        let delivered = deliveries(&a_admin, &a, "delivered").await;
        let remote = delivered[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(count(&b, "select count(*) from reports").await, 1);
        assert_eq!(
            count(&b, "select count(*) from reports where reporter_email is not null or reporter_name is not null").await,
            0,
            "no reporter contact goes to the back office"
        );
        let (status, at_b) = b.get_json(&format!("/api/v1/reports/{remote}")).await;
        assert_eq!(status, 200);
        assert_eq!(at_b["authority"]["key"], MITTE);
        assert_eq!(at_b["description"], "Laterne flackert");

        // The answer was lost (A stored nothing): the retry carries the same
        // Idempotency-Key, and B answers with the report it filed the first time.
        a.execute_sql(&[
            "update backoffice_deliveries set state = 'pending', remote_id = null, next_attempt_at = $1",
        ])
        .await;
        assert_eq!(a.backoffice.deliver_pending().await.unwrap().delivered, 1);
        let again = deliveries(&a_admin, &a, "delivered").await;
        assert_eq!(again[0]["service_request_id"], remote.as_str());
        assert_eq!(
            count(&b, "select count(*) from reports").await,
            1,
            "nothing twice"
        );

        // B's clerk works on it; A pulls and shows the same light and answer.
        let events = "select count(*) from report_events where report_id in (select report_id from backoffice_deliveries)".to_owned();
        let before = count(&a, &events).await;
        let (status, answer) = b_clerk
            .post(
                &b,
                &format!("/api/v1/admin/reports/{remote}/status"),
                json!({ "status": "in_progress", "answer": "Der Austausch ist beauftragt." }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let pulled = a.backoffice.pull().await.unwrap();
        assert_eq!(pulled.applied, 1);
        let (_, at_a) = a.get_json(&format!("/api/v1/reports/{id}")).await;
        assert_eq!(at_a["status"], "in_progress");
        assert_eq!(at_a["light"], "yellow");
        let history = at_a["history"].to_string();
        assert!(
            history.contains("Der Austausch ist beauftragt."),
            "{history}"
        );
        assert_eq!(count(&a, &events).await, before + 1);
        assert_eq!(
            a.backoffice.pull().await.unwrap().applied,
            0,
            "applied once"
        );
        assert_eq!(count(&a, &events).await, before + 1);

        // The back office is unreachable for a pull: nothing changes, nothing is lost.
        let (status, answer) = b_clerk
            .post(
                &b,
                &format!("/api/v1/admin/reports/{remote}/status"),
                json!({ "status": "closed", "reason": "no_funds",
                        "answer": "Dafür fehlt in diesem Jahr das Geld." }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let unreachable = format!(
            "update authority_delivery set base_url = '{}'",
            closed_port_url()
        );
        a.execute_sql(&[unreachable.as_str()]).await;
        let down = a.backoffice.pull().await.unwrap();
        assert_eq!((down.applied, down.unreachable), (0, 1));
        assert_eq!(count(&a, &events).await, before + 1);
        let reachable = format!("update authority_delivery set base_url = '{b_url}'");
        a.execute_sql(&[reachable.as_str()]).await;
        assert_eq!(a.backoffice.pull().await.unwrap().applied, 1);
        let (_, at_a) = a.get_json(&format!("/api/v1/reports/{id}")).await;
        assert_eq!(at_a["status"], "closed");
        assert_eq!(at_a["light"], "yellow_green");
        assert_eq!(at_a["close_reason"]["reason"], "no_funds", "{at_a}");
        assert!(
            at_a["history"]
                .to_string()
                .contains("Dafür fehlt in diesem Jahr das Geld.")
        );
        assert_eq!(a.backoffice.pull().await.unwrap().applied, 0);
        assert_eq!(count(&a, &events).await, before + 2, "each change once");
        let actors = count(
            &a,
            &format!("select count(*) from report_events where actor = 'back office {MITTE}'"),
        )
        .await;
        assert_eq!(actors, 2);
        assert_eq!(count(&b, "select count(*) from reports").await, 1);
    }
);

both_backends!(
    a_refusing_back_office_makes_a_dead_letter_at_once,
    |backend: Backend| async move {
        let b = open_app(backend).await;
        let a = citizen_instance(backend).await;
        let a_admin = sign_in(&a, "admin@a.example", true, &[]).await;
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/delivery"),
                json!({ "method": "open311", "url": format!("{}/open311/v2", b.address),
                        "api_key": "bbo_not_issued_here" }),
            )
            .await;
        assert_eq!(status, 200);
        file_in_mitte(&a, "Laterne aus").await;
        let done = a.backoffice.deliver_pending().await.unwrap();
        assert_eq!(done.dead, 1, "a 403 is not retried");
        let dead = deliveries(&a_admin, &a, "dead").await;
        assert!(dead[0]["last_error"].as_str().unwrap().contains("HTTP 403"));
        assert_eq!(count(&b, "select count(*) from reports").await, 0);

        // Back to e-mail: the next report is mailed, not delivered.
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/delivery"),
                json!({ "method": "email" }),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = a_admin
            .put(
                &a,
                &format!("/api/v1/admin/authorities/{MITTE}/contact"),
                json!({ "email": "post@mitte.example" }),
            )
            .await;
        assert_eq!(status, 200);
        file_in_mitte(&a, "Noch eine Laterne aus").await;
        assert_eq!(
            count(&a, "select count(*) from backoffice_deliveries").await,
            1
        );
        assert_eq!(
            count(&a, "select count(*) from outbox where kind = 'new_report'").await,
            1
        );
    }
);
