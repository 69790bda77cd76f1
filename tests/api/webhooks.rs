//! Webhooks on both backends, against a receiver on a real socket that checks every
//! signature itself (Standard Webhooks: HMAC-SHA256 over `id.timestamp.body` under the
//! base64-decoded `whsec_` key) and fails on purpose for a while (503, then connections
//! closed without an answer): after the outage every event has arrived exactly once, with its
//! type and without personal data. Also the secret rotation (both signatures, then only the
//! new one), dead deliveries and their retry, a lease taken over from a dead instance, and
//! the admin API's refusals. Deliveries are driven on demand (`deliver_webhooks`), and the
//! back-off is skipped by moving the retry times into the past.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use chrono::{Duration, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::both_backends;
use crate::helpers::{
    Client, KREUZBERG, MITTE, TestApp, TestDatabase, assert_problem, file_in_mitte, sign_in,
};

/// How the receiver answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// 503 Service Unavailable.
    Unavailable,
    /// Reads the request, then closes the connection without an answer.
    Hangup,
    /// 204 No Content, and the delivery counts as received.
    Accept,
}

/// One request the receiver accepted.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

#[derive(Debug)]
struct ReceiverState {
    mode: Mode,
    /// Every request, whatever the answer.
    attempts: usize,
    accepted: Vec<Received>,
}

/// A small HTTP/1.1 server on a loopback port: one request per connection.
struct Receiver {
    address: String,
    state: Arc<Mutex<ReceiverState>>,
}

impl Receiver {
    async fn start(mode: Mode) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(ReceiverState {
            mode,
            attempts: 0,
            accepted: Vec::new(),
        }));
        let shared = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, shared.clone()));
            }
        });
        Self { address, state }
    }

    fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = mode;
    }

    fn attempts(&self) -> usize {
        self.state.lock().unwrap().attempts
    }

    fn accepted(&self) -> Vec<Received> {
        self.state.lock().unwrap().accepted.clone()
    }
}

/// Reads one request (head and `content-length` body) and answers it as the mode says.
async fn serve(mut stream: tokio::net::TcpStream, state: Arc<Mutex<ReceiverState>>) {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        let n = stream.read(&mut buffer).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        bytes.extend_from_slice(&buffer[..n]);
        if let Some(at) = bytes.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
    };
    let head = String::from_utf8_lossy(&bytes[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|line| {
                let (key, value) = line.split_once(':')?;
                key.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_owned())
            })
            .unwrap_or_default()
    };
    let length: usize = header("content-length").parse().unwrap_or(0);
    while bytes.len() < head_end + length {
        let n = stream.read(&mut buffer).await.unwrap_or(0);
        if n == 0 {
            return;
        }
        bytes.extend_from_slice(&buffer[..n]);
    }
    let body = String::from_utf8(bytes[head_end..head_end + length].to_vec()).unwrap();
    let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
    let mode = {
        let mut state = state.lock().unwrap();
        state.attempts += 1;
        if state.mode == Mode::Accept {
            state.accepted.push(Received {
                path,
                id: header("webhook-id"),
                timestamp: header("webhook-timestamp"),
                signature: header("webhook-signature"),
                body,
            });
        }
        state.mode
    };
    let answer: &[u8] = match mode {
        Mode::Hangup => return,
        Mode::Unavailable => {
            b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
        }
        Mode::Accept => b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n",
    };
    let _ = stream.write_all(answer).await;
    let _ = stream.shutdown().await;
}

/// The receiver's own check: the `webhook-signature` entry (`v1,<base64>`) that `secret`
/// produced, if any. Computed here from the specification, not with the service's code.
fn signed_with(received: &Received, secret: &str) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.signature.split(' ').any(|entry| entry == expected)
}

/// A server that moderates, needs no email confirmation, has no rate limit, delivers mail
/// and webhooks only when the test says, and accepts http endpoints on loopback.
async fn webhook_app(
    backend: crate::helpers::Backend,
    adjust: impl FnOnce(&mut buergerbuero::config::Settings),
) -> TestApp {
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        s.webhooks.allow_http_loopback = true;
        adjust(s);
    })
    .await
}

fn report_path(id: &str, action: &str) -> String {
    format!("/api/v1/admin/reports/{id}/{action}")
}

/// Registers an endpoint; returns its id and secret.
async fn register(app: &TestApp, admin: &Client, url: String, types: &[&str]) -> (String, String) {
    let (status, created) = admin
        .post(
            app,
            "/api/v1/admin/webhooks",
            json!({ "url": url, "event_types": types, "description": "Stadt-App" }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    (created["id"].as_str().unwrap().to_owned(), secret)
}

/// Makes every waiting delivery due now (the back-off has passed).
async fn skip_back_off(app: &TestApp) {
    app.execute_sql_at(
        &["update webhook_deliveries set next_attempt_at = $1 where state = 'pending'"],
        Utc::now() - Duration::minutes(1),
    )
    .await;
}

async fn deliveries(app: &TestApp, admin: &Client, endpoint: &str, query: &str) -> Vec<Value> {
    let (status, list) = admin
        .get(
            app,
            &format!("/api/v1/admin/webhooks/{endpoint}/deliveries{query}"),
        )
        .await;
    assert_eq!(status, 200, "{list}");
    list["deliveries"].as_array().unwrap().clone()
}

both_backends!(
    every_event_arrives_once_after_an_outage,
    |backend| async move {
        let app = webhook_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE, KREUZBERG]).await;
        let receiver = Receiver::start(Mode::Unavailable).await;
        let every_type = [
            "report.published",
            "report.status_changed",
            "report.answered",
            "report.forwarded",
            "report.closed",
        ];
        let (all, all_secret) = register(
            &app,
            &admin,
            format!("{}/all", receiver.address),
            &every_type,
        )
        .await;
        let (closed, closed_secret) = register(
            &app,
            &admin,
            format!("{}/closed", receiver.address),
            &["report.closed"],
        )
        .await;

        // One report through the whole workflow, with an internal note and an internal
        // forwarding reason; a second one that is never published.
        let id = file_in_mitte(&app, "Laterne flackert").await;
        let hidden = file_in_mitte(&app, "Unveröffentlicht bleibt unsichtbar").await;
        for (action, body) in [
            ("publish", None),
            (
                "status",
                Some(json!({ "status": "in_progress", "answer": "Wir kümmern uns darum." })),
            ),
            (
                "answers",
                Some(json!({ "text": "Ersatzteil ist bestellt." })),
            ),
            (
                "notes",
                Some(json!({ "text": "Interne Notiz: Hausmeister anrufen" })),
            ),
            (
                "forward",
                Some(json!({ "authority": KREUZBERG, "reason": "Interner Grund: Zuständigkeit" })),
            ),
            (
                "status",
                Some(json!({ "status": "resolved", "answer": "Laterne repariert." })),
            ),
        ] {
            let (status, answer) = clerk
                .send(
                    &app,
                    reqwest::Method::POST,
                    &report_path(&id, action),
                    body.as_ref(),
                )
                .await;
            assert_eq!(status, 200, "{action}: {answer}");
        }
        let (status, _) = clerk
            .post(
                &app,
                &report_path(&hidden, "notes"),
                json!({ "text": "nur intern" }),
            )
            .await;
        assert_eq!(status, 200);

        // The receiver is down: five deliveries to one endpoint, one to the other, all fail.
        let first = app.deliver_webhooks().await;
        assert_eq!((first.delivered, first.failed), (0, 6), "{first:?}");
        assert_eq!(receiver.attempts(), 6);
        // Nothing is due until the back-off has passed.
        assert_eq!(app.deliver_webhooks().await.failed, 0);
        let waiting = deliveries(&app, &admin, &all, "?state=pending").await;
        assert_eq!(waiting.len(), 5);
        for delivery in &waiting {
            assert_eq!(delivery["attempts"], 1, "{delivery}");
            assert_eq!(delivery["last_status"], 503, "{delivery}");
            assert!(delivery["next_attempt_at"].is_string(), "{delivery}");
        }

        // Then it hangs up without answering.
        receiver.set_mode(Mode::Hangup);
        skip_back_off(&app).await;
        let second = app.deliver_webhooks().await;
        assert_eq!((second.delivered, second.failed), (0, 6), "{second:?}");
        for delivery in deliveries(&app, &admin, &all, "").await {
            assert_eq!(delivery["attempts"], 2, "{delivery}");
            assert!(delivery["last_status"].is_null(), "{delivery}");
            assert!(
                !delivery["last_error"].as_str().unwrap().is_empty(),
                "{delivery}"
            );
        }

        // Back up: everything arrives, once.
        receiver.set_mode(Mode::Accept);
        skip_back_off(&app).await;
        let third = app.deliver_webhooks().await;
        assert_eq!((third.delivered, third.failed), (6, 0), "{third:?}");
        skip_back_off(&app).await;
        assert_eq!(app.deliver_webhooks().await, Default::default());
        let received = receiver.accepted();
        assert_eq!(received.len(), 6);
        let ids: HashSet<&str> = received.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids.len(), 6, "a webhook-id twice");

        let mut to_all: Vec<&Received> = received.iter().filter(|r| r.path == "/all").collect();
        let to_closed: Vec<&Received> = received.iter().filter(|r| r.path == "/closed").collect();
        assert_eq!(to_closed.len(), 1);
        let body = |r: &Received| serde_json::from_str::<Value>(&r.body).unwrap();
        to_all.sort_by_key(|r| body(r)["data"]["event"]["id"].as_i64().unwrap());
        let types: Vec<String> = to_all
            .iter()
            .map(|r| body(r)["type"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(types, every_type);
        assert_eq!(body(to_closed[0])["type"], "report.closed");
        for r in &to_all {
            assert!(signed_with(r, &all_secret), "{r:?}");
            assert!(!signed_with(r, &closed_secret), "{r:?}");
        }
        assert!(signed_with(to_closed[0], &closed_secret));
        // Timestamps are the current Unix seconds (receivers refuse old ones).
        let now = Utc::now().timestamp();
        for r in &received {
            let at: i64 = r.timestamp.parse().unwrap();
            assert!((now - at).abs() < 300, "{r:?}");
        }

        // The payloads: the public report, the public answers, nothing else.
        let answered = body(to_all[2]);
        assert_eq!(
            answered["data"]["event"]["text"],
            "Ersatzteil ist bestellt."
        );
        assert_eq!(answered["data"]["report"]["id"], id.as_str());
        let forwarded = body(to_all[3]);
        assert_eq!(forwarded["data"]["event"]["authority"], KREUZBERG);
        let done = body(to_all[4]);
        assert_eq!(done["data"]["report"]["status"], "resolved");
        assert_eq!(done["data"]["event"]["text"], "Laterne repariert.");
        for r in &received {
            for private in [
                "buerger@example.org",
                "Erika",
                "Mustermann",
                "Interne Notiz",
                "Interner Grund",
                "clerk@mitte.example",
                "nur intern",
                hidden.as_str(),
                "reporter_key",
            ] {
                assert!(!r.body.contains(private), "{private} in {}", r.body);
            }
        }

        // The admin's list tells the story of each delivery.
        for delivery in deliveries(&app, &admin, &all, "").await {
            assert_eq!(delivery["state"], "delivered", "{delivery}");
            assert_eq!(delivery["attempts"], 3, "{delivery}");
            assert_eq!(delivery["last_status"], 204, "{delivery}");
            assert!(delivery["delivered_at"].is_string(), "{delivery}");
            assert!(delivery["last_error"].is_null(), "{delivery}");
            assert!(delivery["next_attempt_at"].is_null(), "{delivery}");
        }
        assert_eq!(deliveries(&app, &admin, &closed, "").await.len(), 1);
    }
);

both_backends!(
    rotation_dead_deliveries_and_a_taken_over_lease,
    |backend| async move {
        let app = webhook_app(backend, |s| s.webhooks.max_attempts = 2).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let receiver = Receiver::start(Mode::Accept).await;
        let (endpoint, old_secret) = register(
            &app,
            &admin,
            format!("{}/hook", receiver.address),
            &["report.published", "report.answered"],
        )
        .await;
        let id = file_in_mitte(&app, "Gehweg beschädigt").await;
        clerk
            .send(
                &app,
                reqwest::Method::POST,
                &report_path(&id, "publish"),
                None,
            )
            .await;
        let answer = |text: &'static str| {
            let (app, clerk, id) = (&app, &clerk, id.clone());
            async move {
                let (status, _) = clerk
                    .post(app, &report_path(&id, "answers"), json!({ "text": text }))
                    .await;
                assert_eq!(status, 200);
            }
        };
        assert_eq!(app.deliver_webhooks().await.delivered, 1);
        let published = receiver.accepted().pop().unwrap();
        assert_eq!(published.signature.split(' ').count(), 1);
        assert!(signed_with(&published, &old_secret));

        // Rotation: for the overlap both secrets sign.
        let (status, rotated) = admin
            .post(
                &app,
                &format!("/api/v1/admin/webhooks/{endpoint}/secret"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200, "{rotated}");
        let new_secret = rotated["secret"].as_str().unwrap().to_owned();
        assert_ne!(new_secret, old_secret);
        let until: chrono::DateTime<Utc> = rotated["previous_secret_expires_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(
            (until - Utc::now() - Duration::hours(24))
                .num_seconds()
                .abs()
                < 60
        );
        answer("Erste Antwort").await;
        assert_eq!(app.deliver_webhooks().await.delivered, 1);
        let during = receiver.accepted().pop().unwrap();
        assert_eq!(during.signature.split(' ').count(), 2, "{during:?}");
        assert!(signed_with(&during, &new_secret));
        assert!(signed_with(&during, &old_secret));

        // After the overlap only the new one.
        app.execute_sql_at(
            &["update webhook_endpoints set previous_secret_expires_at = $1"],
            Utc::now() - Duration::seconds(1),
        )
        .await;
        answer("Zweite Antwort").await;
        assert_eq!(app.deliver_webhooks().await.delivered, 1);
        let after = receiver.accepted().pop().unwrap();
        assert_eq!(after.signature.split(' ').count(), 1, "{after:?}");
        assert!(signed_with(&after, &new_secret));
        assert!(!signed_with(&after, &old_secret));
        let (_, view) = admin
            .get(&app, &format!("/api/v1/admin/webhooks/{endpoint}"))
            .await;
        assert!(view["previous_secret_expires_at"].is_null(), "{view}");
        assert!(view.get("secret").is_none(), "{view}");

        // Two failed attempts make a delivery dead; an admin retries it.
        receiver.set_mode(Mode::Unavailable);
        answer("Dritte Antwort").await;
        assert_eq!(app.deliver_webhooks().await.failed, 1);
        skip_back_off(&app).await;
        assert_eq!(app.deliver_webhooks().await.failed, 1);
        skip_back_off(&app).await;
        assert_eq!(app.deliver_webhooks().await, Default::default());
        let dead = deliveries(&app, &admin, &endpoint, "?state=dead").await;
        assert_eq!(dead.len(), 1, "{dead:?}");
        assert_eq!(dead[0]["attempts"], 2);
        assert_eq!(dead[0]["last_status"], 503);
        assert_eq!(dead[0]["event_type"], "report.answered");
        let retry = format!(
            "/api/v1/admin/webhooks/{endpoint}/deliveries/{}/retry",
            dead[0]["id"].as_str().unwrap()
        );
        let (status, retried) = admin.post(&app, &retry, json!({})).await;
        assert_eq!(status, 202, "{retried}");
        let (status, refused) = admin.post(&app, &retry, json!({})).await;
        assert_problem(status, &refused, 409, "not-allowed");
        receiver.set_mode(Mode::Accept);
        assert_eq!(app.deliver_webhooks().await.delivered, 1);
        let revived = receiver.accepted().pop().unwrap();
        assert_eq!(revived.id, dead[0]["id"].as_str().unwrap());
        assert!(revived.body.contains("Dritte Antwort"));

        // A delivery whose worker died mid-way (its lease ran out) is taken over by the next
        // worker, with the same webhook-id. While the endpoint is disabled it waits, and
        // events of that time are not queued for it.
        receiver.set_mode(Mode::Unavailable);
        answer("Vierte Antwort").await;
        assert_eq!(app.deliver_webhooks().await.failed, 1);
        app.execute_sql_at(
            &[
                "update webhook_deliveries set state = 'sending', locked_by = 'gone-instance',
                 next_attempt_at = $1 where state = 'pending'",
            ],
            Utc::now() - Duration::seconds(1),
        )
        .await;
        receiver.set_mode(Mode::Accept);
        let patch = |active: bool| {
            let (app, admin, path) = (&app, &admin, format!("/api/v1/admin/webhooks/{endpoint}"));
            async move {
                let (status, changed) = admin
                    .send(
                        app,
                        reqwest::Method::PATCH,
                        &path,
                        Some(&json!({ "active": active })),
                    )
                    .await;
                assert_eq!(
                    (status, &changed["active"]),
                    (200, &json!(active)),
                    "{changed}"
                );
            }
        };
        patch(false).await;
        answer("Während der Pause").await;
        assert_eq!(app.deliver_webhooks().await, Default::default());
        patch(true).await;
        assert_eq!(app.deliver_webhooks().await.delivered, 1);
        let taken_over = receiver.accepted().pop().unwrap();
        assert!(taken_over.body.contains("Vierte Antwort"));
        let list = deliveries(&app, &admin, &endpoint, "").await;
        let row = list
            .iter()
            .find(|d| d["id"] == taken_over.id.as_str())
            .unwrap();
        assert_eq!(
            (&row["state"], &row["attempts"]),
            (&json!("delivered"), &json!(2))
        );
        assert!(
            !list
                .iter()
                .any(|d| d["payload"].to_string().contains("Pause"))
        );
        assert_eq!(receiver.accepted().len(), 5);
    }
);

both_backends!(admins_only_and_valid_endpoints_only, |backend| async move {
    let app = webhook_app(backend, |s| s.webhooks.max_endpoints = 2).await;
    let admin = sign_in(&app, "admin@example.org", true, &[]).await;
    let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    let good = json!({ "url": "https://apps.example.org/hook", "event_types": ["report.closed"] });

    let (status, refused) = clerk
        .post(&app, "/api/v1/admin/webhooks", good.clone())
        .await;
    assert_problem(status, &refused, 403, "forbidden");
    let (status, refused) = clerk.get(&app, "/api/v1/admin/webhooks").await;
    assert_problem(status, &refused, 403, "forbidden");
    let (status, refused) = Client::ANONYMOUS.get(&app, "/api/v1/admin/webhooks").await;
    assert_problem(status, &refused, 401, "unauthorized");

    for (body, field) in [
        (
            json!({ "url": "http://apps.example.org/hook", "event_types": ["report.closed"] }),
            "url",
        ),
        (
            json!({ "url": "ftp://apps.example.org/hook", "event_types": ["report.closed"] }),
            "url",
        ),
        (
            json!({ "url": "apps.example.org/hook", "event_types": ["report.closed"] }),
            "url",
        ),
        (
            json!({ "url": "https://user:pw@apps.example.org/", "event_types": ["report.closed"] }),
            "url",
        ),
        (
            json!({ "url": format!("https://apps.example.org/{}", "a".repeat(2000)), "event_types": ["report.closed"] }),
            "url",
        ),
        (
            json!({ "url": "https://apps.example.org/hook", "event_types": ["report.deleted"] }),
            "event_types",
        ),
        (
            json!({ "url": "https://apps.example.org/hook", "event_types": [] }),
            "event_types",
        ),
        (
            json!({ "url": "https://apps.example.org/hook", "event_types": ["report.closed"], "description": "x".repeat(255) }),
            "description",
        ),
    ] {
        let (status, refused) = admin
            .post(&app, "/api/v1/admin/webhooks", body.clone())
            .await;
        assert_problem(status, &refused, 400, "invalid-parameter");
        assert_eq!(refused["errors"][0]["field"], field, "{body}: {refused}");
    }

    let (status, created) = admin
        .post(&app, "/api/v1/admin/webhooks", good.clone())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (status, _) = admin
        .post(&app, "/api/v1/admin/webhooks", good.clone())
        .await;
    assert_eq!(status, 201);
    let (status, refused) = admin
        .post(&app, "/api/v1/admin/webhooks", good.clone())
        .await;
    assert_problem(status, &refused, 409, "not-allowed");

    // Secrets are shown once; the list names the event types there are.
    let (status, list) = admin.get(&app, "/api/v1/admin/webhooks").await;
    assert_eq!(status, 200);
    assert_eq!(list["endpoints"].as_array().unwrap().len(), 2);
    assert!(!list.to_string().contains("whsec_"), "{list}");
    assert_eq!(list["event_types"].as_array().unwrap().len(), 5);

    let path = format!("/api/v1/admin/webhooks/{id}");
    let (status, refused) = admin
        .send(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(&json!({ "event_types": ["report.everything"] })),
        )
        .await;
    assert_problem(status, &refused, 400, "invalid-parameter");
    let (status, changed) = admin
        .send(
            &app,
            reqwest::Method::PATCH,
            &path,
            Some(&json!({ "event_types": ["report.published", "report.closed"], "url": "https://other.example.org/x" })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        changed["event_types"],
        json!(["report.published", "report.closed"])
    );
    assert_eq!(changed["url"], "https://other.example.org/x");

    let unknown = "/api/v1/admin/webhooks/0190c1d2-0000-7000-8000-000000000000";
    let (status, refused) = admin.get(&app, unknown).await;
    assert_problem(status, &refused, 404, "not-found");
    let (status, refused) = admin.get(&app, &format!("{unknown}/deliveries")).await;
    assert_problem(status, &refused, 404, "not-found");
    let (status, refused) = admin
        .get(&app, &format!("{path}/deliveries?state=lost"))
        .await;
    assert_problem(status, &refused, 400, "invalid-parameter");

    let (status, _) = admin.send(&app, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, refused) = admin.send(&app, reqwest::Method::DELETE, &path, None).await;
    assert_problem(status, &refused, 404, "not-found");
});

/// Without the loopback setting even a local receiver must be https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_needs_the_loopback_setting() {
    let app = TestApp::spawn_with(TestDatabase::new(crate::helpers::Backend::Sqlite), |_| {}).await;
    let admin = sign_in(&app, "admin@example.org", true, &[]).await;
    let (status, refused) = admin
        .post(
            &app,
            "/api/v1/admin/webhooks",
            json!({ "url": "http://127.0.0.1:9/hook", "event_types": ["report.closed"] }),
        )
        .await;
    assert_problem(status, &refused, 400, "invalid-parameter");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("BUERGERBUERO_WEBHOOKS__ALLOW_HTTP_LOOPBACK"),
        "{refused}"
    );
}
