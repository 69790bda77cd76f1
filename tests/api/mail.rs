//! Mail end to end: the outbox, a real SMTP server (maildev) read back over its API, the links
//! in the mails followed against the running server, outages, restarts and several instances.
//!
//! The servers of these tests run no mail worker: a test delivers what is due with
//! `TestApp::deliver_pending` where the story says "the mail goes out", so it waits for no
//! worker and knows what was sent, and ends with `assert_outbox_done`. Only the test of
//! killed and parallel `serve` processes runs the real worker, and waits by polling.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, Client, KREUZBERG, MITTE, MITTE_POINT, Scratch, TestApp, TestDatabase, assert_refused,
    boundaries_dir, file_report, refusal, sign_in,
};
use crate::maildev::{Maildev, free_port, link_after, to_address};

const CONTACT: &str = "meldungen@mitte.example";

/// A server delivering to `smtp_url` (files without it) whose links point at itself; its
/// mail goes out only when the test calls `deliver_pending`.
async fn mail_app(
    backend: Backend,
    smtp_url: Option<String>,
    adjust: impl FnOnce(&mut buergerbuero::config::Settings),
) -> TestApp {
    let port = free_port();
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.listen = format!("127.0.0.1:{port}");
        s.public_url = format!("http://127.0.0.1:{port}");
        s.smtp_url = smtp_url;
        s.rate_limit.reports_per_hour = 0;
        adjust(s);
    })
    .await
}

/// Files a street-lighting report in Mitte by a reporter with address `email`; returns its id.
async fn file(app: &TestApp, email: &str, description: &str) -> String {
    let filed = file_report(
        app,
        json!({
            "category": "street_lighting",
            "description": description,
            "lat": MITTE_POINT.0,
            "lon": MITTE_POINT.1,
            "email": email,
        }),
    )
    .await;
    filed["id"].as_str().unwrap().to_owned()
}

async fn set_contact(app: &TestApp, admin: &Client) {
    let (status, _) = admin
        .put(
            app,
            &format!("/api/v1/admin/authorities/{MITTE}/contact"),
            json!({ "email": CONTACT }),
        )
        .await;
    assert_eq!(status, 200);
}

/// Follows a link in a mail the way a browser does: the page (GET) changes nothing, its
/// button (POST) does the work. Returns the POST's status and page.
async fn follow_link(app: &TestApp, link: &str) -> (u16, String) {
    let page = app.client.get(link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"));
    // The page is styled: its stylesheet exists.
    let stylesheet = html
        .split("<link rel=\"stylesheet\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    let css = app.get(stylesheet).await;
    assert_eq!(css.status().as_u16(), 200, "{stylesheet}");
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let done = app.client.post(link).send().await.unwrap();
    (done.status().as_u16(), done.text().await.unwrap())
}

both_backends!(
    reporter_follower_and_authority_get_their_mails_once,
    |backend| async move {
        let maildev = Maildev::start_new().await;
        let app = mail_app(backend, Some(maildev.smtp_url()), |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        set_contact(&app, &admin).await;

        // Filing with an address: only the opt-in mail, nothing to the authority yet.
        let id = file(&app, "erika@example.org", "Laterne <defekt> & dunkel").await;
        assert_eq!(app.deliver_pending().await.sent, 1);
        let confirm = maildev.wait_for("erika@example.org", 1).await;
        assert_eq!(confirm[0]["subject"], "Bitte bestätigen Sie Ihre Meldung");
        let source = maildev.source(&confirm[0]).await;
        assert!(source.contains("Message-ID: <"), "{source}");
        assert!(source.contains("multipart/alternative"), "{source}");
        assert!(!source.contains("List-Unsubscribe"), "{source}");
        assert!(
            confirm[0]["html"]
                .as_str()
                .unwrap()
                .contains("Laterne &lt;defekt&gt; &amp; dunkel")
        );
        let text = confirm[0]["text"].as_str().unwrap();
        let link = link_after(text, &format!("{}/mail/confirm/", app.address));
        let (_, report) = admin
            .get(&app, &format!("/api/v1/admin/reports/{id}"))
            .await;
        assert_eq!(report["status"], "unconfirmed");

        // The link confirms: open, the promise's clock runs, receipt and authority mail go out.
        let (status, page) = follow_link(&app, &link).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Meldung bestätigt"), "{page}");
        let (_, report) = admin
            .get(&app, &format!("/api/v1/admin/reports/{id}"))
            .await;
        assert_eq!(report["status"], "open");
        assert_eq!(app.deliver_pending().await.sent, 2);
        let receipt = &maildev.wait_for("erika@example.org", 2).await[1];
        assert_eq!(receipt["subject"], "Ihre Meldung ist eingegangen");
        let source = maildev.source(receipt).await;
        assert!(
            source.contains("List-Unsubscribe: <http://127.0.0.1:"),
            "{source}"
        );
        assert!(
            source.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
            "{source}"
        );
        assert!(
            receipt["text"]
                .as_str()
                .unwrap()
                .contains(&format!("/report.html?id={id}"))
        );
        let authority = maildev.wait_for(CONTACT, 1).await;
        assert_eq!(authority[0]["subject"], "Neue Meldung: Straßenbeleuchtung");
        let clerk_link = link_after(
            authority[0]["text"].as_str().unwrap(),
            &format!("{}/clerk/report.html?id=", app.address),
        );
        assert_eq!(
            clerk_link,
            format!("{}/clerk/report.html?id={id}", app.address)
        );
        // A second click changes nothing and says so.
        let (status, page) = follow_link(&app, &link).await;
        assert_eq!(status, 200);
        assert!(page.contains("schon bestätigt"), "{page}");

        // Someone else follows the published report (double opt-in, in English).
        let action = |a: &str| format!("/api/v1/admin/reports/{id}/{a}");
        assert_eq!(
            admin
                .send(&app, Method::POST, &action("publish"), None)
                .await
                .0,
            200
        );
        let follow = |email: &str| {
            app.client
                .post(format!("{}/api/v1/reports/{id}/followers", app.address))
                .json(&json!({ "email": email, "language": "en" }))
                .send()
        };
        assert_eq!(
            follow("fan@example.org").await.unwrap().status().as_u16(),
            202
        );
        assert_eq!(app.deliver_pending().await.sent, 1);
        let opt_in = maildev.wait_for("fan@example.org", 1).await;
        assert_eq!(opt_in[0]["subject"], "Please confirm: follow a report");
        let link = link_after(
            opt_in[0]["text"].as_str().unwrap(),
            &format!("{}/mail/confirm/", app.address),
        );
        assert_eq!(follow_link(&app, &link).await.0, 200);
        // Following again sends nothing: the address follows already.
        assert_eq!(
            follow("fan@example.org").await.unwrap().status().as_u16(),
            202
        );
        assert_eq!(app.deliver_pending().await.sent, 0);

        // A status change with an answer reaches both, each in their language.
        let (status, _) = admin
            .post(
                &app,
                &action("status"),
                json!({ "status": "in_progress", "answer": "Wir sind dran." }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(app.deliver_pending().await.sent, 2);
        let erika = maildev.wait_for("erika@example.org", 3).await;
        assert_eq!(erika[2]["subject"], "Ihre Meldung – Gelb: in Bearbeitung");
        assert!(
            erika[2]["text"]
                .as_str()
                .unwrap()
                .contains("Wir sind dran.")
        );
        let fan = maildev.wait_for("fan@example.org", 2).await;
        assert_eq!(fan[1]["subject"], "Your report – Yellow: in progress");

        // One-click unsubscribe as a mail client does it (RFC 8058), then an answer: only Erika.
        let source = maildev.source(&fan[1]).await;
        let unsubscribe = link_after(&source, &format!("{}/mail/unsubscribe/", app.address))
            .trim_end_matches('>')
            .to_owned();
        // A link works only on its own route: an unsubscribe token confirms nothing.
        let wrong_route = unsubscribe.replace("/mail/unsubscribe/", "/mail/confirm/");
        let response = app.client.post(&wrong_route).send().await.unwrap();
        refusal(response, 404, "not-found").await;
        let response = app
            .client
            .post(&unsubscribe)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let (status, _) = admin
            .post(
                &app,
                &action("answers"),
                json!({ "text": "Morgen fertig." }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(app.deliver_pending().await.sent, 1);
        let erika = maildev.wait_for("erika@example.org", 4).await;
        assert_eq!(erika[3]["subject"], "Antwort auf Ihre Meldung");

        // Exactly these mails, each once (each was waited for above, and nothing is left to
        // send), and the outbox says so (without the bodies).
        app.assert_outbox_done().await;
        let all = maildev.emails().await;
        assert_eq!(all.len(), 4 + 2 + 1, "{all:#?}");
        let (status, outbox) = admin.get(&app, "/api/v1/admin/mail").await;
        assert_eq!(status, 200);
        let mails = outbox["mails"].as_array().unwrap();
        assert_eq!(mails.len(), 7);
        for mail in mails {
            assert_eq!(mail["state"], "sent", "{mail}");
            assert!(mail.get("body_text").is_none(), "{mail}");
        }
    }
);

both_backends!(
    dead_letters_are_listed_and_can_be_retried,
    |backend| async move {
        let mut maildev = Maildev::reserve();
        let app = mail_app(backend, Some(maildev.smtp_url()), |s| {
            s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
            s.mail.max_attempts = 2;
            s.mail.retry_base_secs = 60;
            s.mail.send_timeout_secs = 2;
        })
        .await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk = sign_in(&app, "a@mitte.example", false, &[MITTE]).await;
        file(&app, "erika@example.org", "Laterne aus").await;

        // The server is down: two attempts, the back-off apart, then a dead letter.
        let dead_letters = || async {
            let (status, list) = admin.get(&app, "/api/v1/admin/mail?state=dead").await;
            assert_eq!(status, 200);
            list["mails"].as_array().unwrap().clone()
        };
        assert_eq!(app.deliver_pending().await.failed, 1);
        assert_eq!(dead_letters().await, Vec::<Value>::new());
        // The retry is due after the back-off (a minute); instead of waiting for it, the test
        // moves the mail's retry time to now.
        app.execute_sql(&["update outbox set next_attempt_at = $1 where state = 'pending'"])
            .await;
        assert_eq!(app.deliver_pending().await.failed, 1);
        let dead = dead_letters().await;
        assert_eq!(dead.len(), 1, "{dead:#?}");
        let dead = dead[0].clone();
        assert_eq!(dead["attempts"], 2);
        assert_eq!(dead["recipient"], "erika@example.org");
        assert!(!dead["last_error"].as_str().unwrap().is_empty());
        let retry = format!("/api/v1/admin/mail/{}/retry", dead["id"].as_str().unwrap());
        assert_refused(
            &clerk.send(&app, Method::POST, &retry, None).await,
            403,
            "forbidden",
        );
        assert_refused(
            &clerk.get(&app, "/api/v1/admin/mail").await,
            403,
            "forbidden",
        );
        assert_refused(
            &Client::ANONYMOUS.get(&app, "/api/v1/admin/mail").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &admin.get(&app, "/api/v1/admin/mail?state=lost").await,
            400,
            "invalid-parameter",
        );

        // Back up and retried: delivered once. A second retry is refused: it is not dead any more.
        maildev.start().await;
        assert_eq!(admin.send(&app, Method::POST, &retry, None).await.0, 202);
        assert_eq!(app.deliver_pending().await.sent, 1);
        let mails = maildev.wait_for("erika@example.org", 1).await;
        assert_eq!(mails[0]["subject"], "Ihre Meldung ist eingegangen");
        assert_refused(
            &admin.send(&app, Method::POST, &retry, None).await,
            409,
            "not-allowed",
        );
        let unknown = format!("/api/v1/admin/mail/{}/retry", uuid::Uuid::now_v7());
        assert_refused(
            &admin.send(&app, Method::POST, &unknown, None).await,
            404,
            "not-found",
        );
        app.assert_outbox_done().await;
    }
);

/// The `.eml` files in `dir` (the mails delivered without SMTP), their contents.
fn eml_files(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|x| x == "eml"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_smtp_mails_become_eml_files_and_links_are_checked() {
    let app = mail_app(Backend::Sqlite, None, |_| {}).await;
    let id = file(&app, "erika@example.org", "Laterne aus").await;
    assert_eq!(app.deliver_pending().await.sent, 1);
    let mails = eml_files(&app.data_dir().join("mail"));
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("To: erika@example.org"), "{}", mails[0]);
    assert!(mails[0].contains("Subject: Bitte"), "{}", mails[0]);
    // Quoted-printable may fold the link; the plain-text part of lettre's output keeps it whole
    // as long as the line is short, so take it from the HTML-free text.
    let link = link_after(
        &mails[0].replace("=\r\n", "").replace("=\n", ""),
        &format!("{}/mail/confirm/", app.address),
    );
    let token = link
        .rsplit('/')
        .next()
        .unwrap()
        .trim_end_matches('"')
        .to_owned();

    // Links that are malformed, unknown or expired are refused with a problem document.
    for (path, status) in [
        ("/mail/confirm/not-a-token".to_owned(), 404),
        (format!("/mail/confirm/{}", "a".repeat(64)), 404),
        (format!("/mail/unsubscribe/{}", "b".repeat(64)), 404),
    ] {
        let response = app
            .client
            .post(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        refusal(response, status, "not-found").await;
    }
    let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
    sqlx::query("update mail_tokens set expires_at = '2020-01-01T00:00:00Z'")
        .execute(&pool)
        .await
        .unwrap();
    let expired = app
        .client
        .post(format!("{}/mail/confirm/{token}", app.address))
        .send()
        .await
        .unwrap();
    refusal(expired, 410, "link-expired").await;
    let not_public = app.get(&format!("/api/v1/reports/{id}")).await;
    // Still unconfirmed, so not public.
    refusal(not_public, 404, "not-found").await;

    // Following needs a valid address and a public report.
    let follow = |id: String, email: &'static str| {
        app.client
            .post(format!("{}/api/v1/reports/{id}/followers", app.address))
            .json(&json!({ "email": email }))
            .send()
    };
    let bad = follow(id.clone(), "not an address").await.unwrap();
    refusal(bad, 400, "invalid-parameter").await;
    let unconfirmed = follow(id.clone(), "fan@example.org").await.unwrap();
    refusal(unconfirmed, 404, "not-found").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let unknown = follow(unknown, "fan@example.org").await.unwrap();
    refusal(unknown, 404, "not-found").await;
    // The refused follows sent nothing; the one mail went out.
    app.assert_outbox_done().await;
}

both_backends!(
    new_report_mails_go_to_the_contact_the_authority_has_when_they_are_written,
    |backend| async move {
        let app = mail_app(backend, None, |s| {
            s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
            s.moderation = buergerbuero::config::Moderation::Off;
        })
        .await;
        let store = buergerbuero::store::connect(app.database_url(), 1)
            .await
            .unwrap();
        let authority_mails = || async {
            let mut mails: Vec<(String, String)> = store
                .list_mail(None, 100)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.kind == "new_report")
                .map(|m| (m.recipient, m.subject))
                .collect();
            mails.sort();
            mails
        };
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;

        // No contact address: the reporter's receipt, no mail to the authority.
        file(&app, "erika@example.org", "Laterne 1 aus").await;
        assert_eq!(authority_mails().await, []);
        assert_eq!(store.list_mail(None, 100).await.unwrap().len(), 1);

        // An address set, then replaced: the very next filing's mail goes to the new one.
        set_contact(&app, &admin).await;
        file(&app, "erika@example.org", "Laterne 2 aus").await;
        let (status, _) = admin
            .put(
                &app,
                &format!("/api/v1/admin/authorities/{MITTE}/contact"),
                json!({ "email": "neu@mitte.example" }),
            )
            .await;
        assert_eq!(status, 200);
        let third = file(&app, "erika@example.org", "Laterne 3 aus").await;
        let new = "Neue Meldung: Straßenbeleuchtung".to_owned();
        assert_eq!(
            authority_mails().await,
            [
                (CONTACT.to_owned(), new.clone()),
                ("neu@mitte.example".to_owned(), new.clone())
            ]
        );

        // Forwarded to an authority without an address: no mail; with one: the mail says so.
        let forward_path = format!("/api/v1/admin/reports/{third}/forward");
        let forward = |to: &'static str| {
            admin.post(
                &app,
                &forward_path,
                json!({ "authority": to, "reason": "Zuständigkeit" }),
            )
        };
        assert_eq!(forward(KREUZBERG).await.0, 200);
        assert_eq!(authority_mails().await.len(), 2);
        store
            .set_authority_contact(MITTE, "zurueck@mitte.example")
            .await
            .unwrap();
        assert_eq!(forward(MITTE).await.0, 200);
        let mails = authority_mails().await;
        assert_eq!(mails.len(), 3, "{mails:?}");
        assert!(
            mails.contains(&(
                "zurueck@mitte.example".to_owned(),
                "Weitergeleitete Meldung: Straßenbeleuchtung".to_owned()
            )),
            "{mails:?}"
        );
        // Every mail written can be delivered (to files here).
        let written = store.list_mail(None, 100).await.unwrap().len();
        assert_eq!(app.deliver_pending().await.sent, written);
        app.assert_outbox_done().await;
    }
);

both_backends!(
    the_overdue_digest_goes_out_once_per_authority_and_day,
    |backend| async move {
        let maildev = Maildev::start_new().await;
        let app = mail_app(backend, Some(maildev.smtp_url()), |s| {
            s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        })
        .await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        set_contact(&app, &admin).await;
        let id = file(&app, "erika@example.org", "Laterne aus").await;
        assert_eq!(app.deliver_pending().await.sent, 2);
        maildev.wait_for(CONTACT, 1).await;
        let (_, overdue) = admin.get(&app, "/api/v1/admin/reports?overdue=true").await;
        assert_eq!(overdue["reports"].as_array().unwrap().len(), 0);

        // The promise's days pass without a reaction; then, as two instances would, the digest
        // is scheduled twice.
        let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
        app.execute_sql_at(&["update reports set reaction_due_at = $1"], yesterday)
            .await;
        let store = buergerbuero::store::connect(app.database_url(), 1)
            .await
            .unwrap();
        let jurisdiction = buergerbuero::jurisdiction::JurisdictionHandle::new(
            buergerbuero::startup::load_jurisdiction(
                &*store,
                &buergerbuero::config::Settings::default(),
            )
            .await
            .unwrap(),
        );
        let composer = buergerbuero::notify::compose::Composer::new(
            &app.address,
            buergerbuero::auth::reporter_key::ReporterKeys::new(b"any").unwrap(),
        );
        let now = chrono::Utc::now();
        for _ in 0..2 {
            let scheduled = buergerbuero::notify::worker::schedule_digests(
                &*store,
                &jurisdiction,
                &composer,
                now,
                now.date_naive(),
            )
            .await
            .unwrap();
            assert_eq!(scheduled, 1, "digests scheduled");
        }
        assert_eq!(app.deliver_pending().await.sent, 1);
        let mails = maildev.wait_for(CONTACT, 2).await;
        assert_eq!(
            mails[1]["subject"],
            "Überfällige Meldungen: 1 (Bezirksamt Mitte)"
        );
        assert!(mails[1]["text"].as_str().unwrap().contains(&id));
        // Nothing is left to send, so no second digest can follow the one waited for.
        app.assert_outbox_done().await;
        assert_eq!(to_address(maildev.emails().await, CONTACT).len(), 2);
        let digests = store.list_mail(None, 100).await.unwrap();
        assert_eq!(digests.iter().filter(|m| m.kind == "digest").count(), 1);
    }
);

/// `buergerbuero serve` as a process on `db_url`, delivering to `smtp_url`.
fn serve(db_url: &str, smtp_url: &str, data: &Scratch) -> (Child, u16) {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .arg("serve")
        .env("BUERGERBUERO_DATABASE_URL", db_url)
        .env("BUERGERBUERO_DATA_DIR", &data.0)
        .env("BUERGERBUERO_BOUNDARIES_DIR", boundaries_dir())
        .env("BUERGERBUERO_LISTEN", format!("127.0.0.1:{port}"))
        .env(
            "BUERGERBUERO_PUBLIC_URL",
            format!("http://127.0.0.1:{port}"),
        )
        .env("BUERGERBUERO_HTTP_WORKERS", "1")
        .env("BUERGERBUERO_SMTP_URL", smtp_url)
        .env("BUERGERBUERO_EMAIL_CONFIRMATION", "off")
        .env("BUERGERBUERO_RATE_LIMIT__REPORTS_PER_HOUR", "0")
        .env("BUERGERBUERO_MAIL__POLL_INTERVAL_MS", "50")
        .env("BUERGERBUERO_MAIL__RETRY_BASE_SECS", "1")
        .env("BUERGERBUERO_MAIL__RETRY_MAX_SECS", "1")
        .env("BUERGERBUERO_MAIL__SEND_TIMEOUT_SECS", "2")
        .env("BUERGERBUERO_MAIL__MAX_ATTEMPTS", "1000")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (child, port)
}

async fn wait_ready(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .map(|r| !r.status().is_success())
        .unwrap_or(true)
    {
        assert!(
            Instant::now() < deadline,
            "serve on {port} did not get ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_survive_an_smtp_outage_and_a_killed_server_and_go_out_once_from_two_instances() {
    let db = TestDatabase::new(Backend::Postgres);
    let data = Scratch::new("mail-restart");
    let mut maildev = Maildev::reserve();
    let store = buergerbuero::store::connect(&db.url, 1).await.unwrap();
    store.set_authority_contact(MITTE, CONTACT).await.unwrap();

    // The mail server is down while five reports are filed: ten mails wait, failing.
    let (mut first, port) = serve(&db.url, &maildev.smtp_url(), &data);
    wait_ready(port).await;
    let client = reqwest::Client::new();
    for n in 0..5 {
        let response = client
            .post(format!("http://127.0.0.1:{port}/api/v1/reports"))
            .json(&json!({
                "category": "street_lighting",
                "description": format!("Laterne {n} aus"),
                "lat": MITTE_POINT.0,
                "lon": MITTE_POINT.1,
                "email": format!("r{n}@example.org"),
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mails = store.list_mail(None, 100).await.unwrap();
        assert_eq!(mails.len(), 10);
        // Not empty: ten mails, just asserted.
        if mails
            .iter()
            .all(|m| m.attempts >= 1 && m.last_error.is_some())
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every mail was tried: {mails:#?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The server dies without warning, mid-delivery; the mail server comes back; two
    // instances start on the same database.
    first.kill().unwrap();
    first.wait().unwrap();
    maildev.start().await;
    let (mut second, port_b) = serve(&db.url, &maildev.smtp_url(), &data);
    let (mut third, port_c) = serve(&db.url, &maildev.smtp_url(), &data);
    wait_ready(port_b).await;
    wait_ready(port_c).await;
    for n in 0..5 {
        let mails = maildev.wait_for(&format!("r{n}@example.org"), 1).await;
        assert_eq!(mails[0]["subject"], "Ihre Meldung ist eingegangen");
    }
    maildev.wait_for(CONTACT, 5).await;
    // Every row is recorded as sent (the instances record an outcome after the SMTP server
    // accepted the mail, so this is polled, with a deadline) ...
    let deadline = Instant::now() + Duration::from_secs(30);
    let states = loop {
        let states: Vec<String> = store
            .list_mail(None, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.state)
            .collect();
        if states.iter().all(|s| s == "sent") || Instant::now() >= deadline {
            break states;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(states, vec!["sent"; 10]);

    // ... and both stop gracefully, each after the mail in hand. Then no worker is left that
    // could send anything a second time (this replaces waiting longer than a lease).
    for child in [&mut second, &mut third] {
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        assert!(child.wait().unwrap().success());
    }
    let all = maildev.emails().await;
    assert_eq!(all.len(), 10, "{all:#?}");
    let mut ids: Vec<String> = Vec::new();
    for mail in &all {
        let source = maildev.source(mail).await;
        let id = source
            .lines()
            .find_map(|line| line.strip_prefix("Message-ID: "))
            .unwrap()
            .to_owned();
        assert!(!ids.contains(&id), "{id} twice");
        ids.push(id);
    }
}

both_backends!(following_has_a_budget_of_its_own, |backend| async move {
    let app = mail_app(backend, None, |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 60;
        s.rate_limit.burst = 2;
        s.rate_limit.follows_per_hour = 60;
        s.rate_limit.follow_burst = 3;
    })
    .await;
    let file_one = || {
        app.client
            .post(format!("{}/api/v1/reports", app.address))
            .json(&json!({
                "category": "street_lighting",
                "description": "Laterne aus",
                "lat": MITTE_POINT.0,
                "lon": MITTE_POINT.1,
            }))
            .send()
    };
    let first = file_one().await.unwrap();
    assert_eq!(first.status().as_u16(), 201);
    let id = first.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let follow = |n: usize| {
        app.client
            .post(format!("{}/api/v1/reports/{id}/followers", app.address))
            .json(&json!({ "email": format!("fan{n}@example.org") }))
            .send()
    };
    // Three follow requests spend the follow budget, not the filing budget ...
    for n in 0..3 {
        assert_eq!(follow(n).await.unwrap().status().as_u16(), 202);
    }
    let limited = follow(3).await.unwrap();
    assert!(limited.headers().contains_key("retry-after"));
    refusal(limited, 429, "rate-limited").await;
    // ... so the citizen can still file, and filing spends nothing of following's.
    assert_eq!(file_one().await.unwrap().status().as_u16(), 201);
    refusal(file_one().await.unwrap(), 429, "rate-limited").await;
    app.stop().await;
});
