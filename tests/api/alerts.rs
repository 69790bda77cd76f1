//! Area alerts and feeds (issue 16.3): subscribing by mail with double opt-in, the daily
//! digest (exactly the day's matching public news, once per subscription and day however many
//! schedulers run), one-click unsubscribe, the refusals, and the public Atom feeds.
//!
//! The servers run no mail worker: mails wait in the outbox, where the tests read their links
//! (the bodies are there until a mail is sent), and the digests are scheduled by the test as
//! the worker would at the digest hour, with the window of the day.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, KREUZBERG, MITTE, MITTE_POINT, TestApp, TestDatabase, assert_problem, file_report,
    sign_in,
};
use buergerbuero::store::notify::MailRow;

/// A point in Friedrichshain-Kreuzberg (Görlitzer Park).
const KREUZBERG_POINT: (f64, f64) = (52.4965, 13.4370);
/// A point in Mitte about 960 m from `MITTE_POINT`.
const MITTE_FAR: (f64, f64) = (52.5250, 13.4000);

/// Hides the newest report (a clerk's moderation, without its mails).
const HIDE_NEWEST: &str = "update reports set visibility = 'hidden' where id = (select id from reports order by id desc limit 1)";

/// Publishes at once, no reporter confirmation, no rate limits, mail on demand only; its
/// links point at itself.
async fn alert_app(backend: Backend) -> TestApp {
    let port = crate::maildev::free_port();
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.listen = format!("127.0.0.1:{port}");
        s.public_url = format!("http://127.0.0.1:{port}");
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        s.rate_limit.follows_per_hour = 0;
    })
    .await
}

async fn subscribe(app: &TestApp, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/alerts", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn store(app: &TestApp) -> std::sync::Arc<dyn buergerbuero::store::Store> {
    buergerbuero::store::connect(app.database_url(), 1)
        .await
        .unwrap()
}

/// The outbox's mails of `kind` to `to`, oldest first.
async fn mails(app: &TestApp, kind: &str, to: &str) -> Vec<MailRow> {
    let mut rows: Vec<MailRow> = store(app)
        .await
        .list_mail(None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == kind && m.recipient == to)
        .collect();
    rows.reverse();
    rows
}

/// The link after `prefix` in a text.
fn link_after(text: &str, prefix: &str) -> String {
    let rest = text
        .split(prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    format!("{prefix}{}", rest.split_whitespace().next().unwrap())
}

/// Opens a link's page (it changes nothing) and presses its button; the POST's status.
async fn press(app: &TestApp, link: &str) -> u16 {
    let page = app.client.get(link).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{link}");
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<form method=\"post\">")
    );
    app.client
        .post(link)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Subscribes `email` to `selection` and confirms with the link in the opt-in mail.
async fn subscribe_confirmed(app: &TestApp, email: &str, selection: Value) {
    let mut body = selection;
    body["email"] = json!(email);
    let (status, answer) = subscribe(app, body).await;
    assert_eq!(status, 202, "{answer}");
    let optin = mails(app, "confirm_alert", email).await;
    let text = optin.last().unwrap().body_text.clone().unwrap();
    let link = link_after(&text, &format!("{}/mail/alerts/confirm/", app.address));
    assert_eq!(press(app, &link).await, 200);
}

/// Files a report; returns its id.
async fn file(app: &TestApp, category: &str, point: (f64, f64), email: Option<&str>) -> String {
    let mut body = json!({
        "category": category,
        "description": "Bitte ansehen",
        "lat": point.0,
        "lon": point.1,
    });
    if let Some(email) = email {
        body["email"] = json!(email);
        body["name"] = json!("Erika Geheimname");
    }
    let filed = file_report(app, body).await;
    filed["id"].as_str().unwrap().to_owned()
}

/// Schedules the digests of `date` for the 24 hours up to now, as an instance's worker does.
async fn schedule(app: &TestApp, date: chrono::NaiveDate) -> usize {
    let store = store(app).await;
    let jurisdiction = buergerbuero::jurisdiction::JurisdictionHandle::new(
        buergerbuero::startup::load_jurisdiction(
            &*store,
            &buergerbuero::config::Settings::default(),
        )
        .await
        .unwrap(),
    );
    // The installation's secret, so the digest's links are the server's.
    let secret = store
        .installation_secret("reporter_keys", "unused")
        .await
        .unwrap();
    let composer = buergerbuero::notify::compose::Composer::new(
        &app.address,
        buergerbuero::auth::reporter_key::ReporterKeys::new(secret.as_bytes()).unwrap(),
    );
    let now = Utc::now();
    buergerbuero::alerts::digest::schedule_alert_digests(
        &*store,
        &jurisdiction,
        &composer,
        date,
        (now - Duration::days(1), now + Duration::seconds(1)),
        now,
    )
    .await
    .unwrap()
}

both_backends!(
    a_digest_lists_exactly_the_days_matching_public_news,
    |backend| async move {
        let app = alert_app(backend).await;
        // Reports of two days ago; one of them moves its status today ("status changed").
        let moved = file(&app, "street_lighting", MITTE_POINT, None).await;
        let old = file(&app, "street_lighting", MITTE_POINT, None).await;
        let two_days_ago = Utc::now() - Duration::days(2);
        app.execute_sql_at(&["update report_events set at = $1"], two_days_ago)
            .await;

        subscribe_confirmed(&app, "area@example.org", json!({ "area": MITTE })).await;
        subscribe_confirmed(
            &app,
            "authority@example.org",
            json!({ "authority": KREUZBERG }),
        )
        .await;
        subscribe_confirmed(
            &app,
            "circle@example.org",
            json!({ "lat": MITTE_POINT.0, "lon": MITTE_POINT.1, "radius_m": 200, "language": "en" }),
        )
        .await;
        subscribe_confirmed(
            &app,
            "category@example.org",
            json!({ "area": MITTE, "category": "roads_paths" }),
        )
        .await;
        // Never confirmed: nothing.
        let (status, _) = subscribe(
            &app,
            json!({ "email": "waiting@example.org", "area": MITTE }),
        )
        .await;
        assert_eq!(status, 202);
        // Confirmed, then ended before the digest: nothing.
        subscribe_confirmed(&app, "ended@example.org", json!({ "area": MITTE })).await;
        app.execute_sql(&["update alert_subscriptions set unsubscribed_at = confirmed_at where email = 'ended@example.org'"]).await;

        let near = file(
            &app,
            "street_lighting",
            MITTE_POINT,
            Some("geheim.reporter@example.org"),
        )
        .await;
        let far = file(&app, "roads_paths", MITTE_FAR, None).await;
        let kreuzberg = file(&app, "street_lighting", KREUZBERG_POINT, None).await;
        let hidden = file(&app, "street_lighting", MITTE_POINT, None).await;
        app.execute_sql(&[HIDE_NEWEST]).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (status, _) = clerk
            .post(
                &app,
                &format!("/api/v1/admin/reports/{moved}/status"),
                json!({ "status": "in_progress", "answer": "Wird repariert." }),
            )
            .await;
        assert_eq!(status, 200);

        // Two instances schedule the day's digests: one row per subscription.
        let today = Utc::now().date_naive();
        assert_eq!(schedule(&app, today).await, 4);
        assert_eq!(schedule(&app, today).await, 4);
        let store = store(&app).await;
        let all = store.list_mail(None, 1000).await.unwrap();
        assert_eq!(all.iter().filter(|m| m.kind == "alert_digest").count(), 4);
        for nobody in ["waiting@example.org", "ended@example.org"] {
            assert!(
                mails(&app, "alert_digest", nobody).await.is_empty(),
                "{nobody}"
            );
        }

        let text_of = |rows: Vec<MailRow>| {
            assert_eq!(rows.len(), 1);
            let row = &rows[0];
            assert!(row.list_unsubscribe.is_some());
            format!(
                "{}\n{}",
                row.body_text.clone().unwrap(),
                row.body_html.clone().unwrap()
            )
        };
        let listed = |text: &str, ids: &[&String]| {
            for id in [&moved, &old, &near, &far, &kreuzberg, &hidden] {
                assert_eq!(
                    text.contains(id.as_str()),
                    ids.contains(&id),
                    "{id} in {text}"
                );
            }
            assert!(!text.contains("geheim.reporter"), "{text}");
            assert!(!text.contains("Geheimname"), "{text}");
            assert!(!text.contains("Bitte ansehen"), "{text}");
            assert!(!text.contains("Wird repariert"), "{text}");
        };
        let area = text_of(mails(&app, "alert_digest", "area@example.org").await);
        listed(&area, &[&moved, &near, &far]);
        assert!(
            area.contains("Status geändert: Straßenbeleuchtung"),
            "{area}"
        );
        assert!(area.contains("Gelb: in Bearbeitung"), "{area}");
        assert!(area.contains("Neu: Straßen"), "{area}");
        listed(
            &text_of(mails(&app, "alert_digest", "authority@example.org").await),
            &[&kreuzberg],
        );
        let circle = text_of(mails(&app, "alert_digest", "circle@example.org").await);
        listed(&circle, &[&moved, &near]);
        assert!(
            circle.contains("News about reports within 200 m"),
            "{circle}"
        );
        listed(
            &text_of(mails(&app, "alert_digest", "category@example.org").await),
            &[&far],
        );

        // Every digest can be delivered; then one click in the mail client ends an alert.
        assert!(app.deliver_pending().await.sent >= 4);
        app.assert_outbox_done().await;
        let mail_row = store
            .list_mail(Some("sent"), 1000)
            .await
            .unwrap()
            .into_iter()
            .find(|m| m.kind == "alert_digest" && m.recipient == "area@example.org")
            .unwrap();
        let one_click = mail_row.list_unsubscribe.unwrap();
        assert!(one_click.starts_with(&format!("{}/mail/alerts/unsubscribe/", app.address)));
        let response = app
            .client
            .post(&one_click)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        // A second click does no harm.
        assert_eq!(
            app.client
                .post(&one_click)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            200
        );

        // The next day: news again (today's is old by then), but not for the ended alert.
        app.execute_sql_at(&["update report_events set at = $1"], two_days_ago)
            .await;
        file(&app, "roads_paths", MITTE_POINT, None).await;
        let tomorrow = today + Duration::days(1);
        assert_eq!(schedule(&app, tomorrow).await, 2, "circle and category");
        // The ended alert took its row and its mails along: the address is gone.
        assert!(
            crate::privacy::occurrences(&app, "area@example.org")
                .await
                .is_empty()
        );
        app.stop().await;
    }
);

both_backends!(nothing_happened_nothing_is_sent, |backend| async move {
    let app = alert_app(backend).await;
    subscribe_confirmed(&app, "quiet@example.org", json!({ "area": "12067072" })).await;
    // News elsewhere only.
    file(&app, "street_lighting", MITTE_POINT, None).await;
    assert_eq!(schedule(&app, Utc::now().date_naive()).await, 0);
    assert!(
        mails(&app, "alert_digest", "quiet@example.org")
            .await
            .is_empty()
    );
    // Asking again for a confirmed alert sends nothing (and says the same).
    let (status, _) = subscribe(
        &app,
        json!({ "email": "quiet@example.org", "area": "12067072" }),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(
        mails(&app, "confirm_alert", "quiet@example.org")
            .await
            .len(),
        1
    );
    app.stop().await;
});

both_backends!(
    subscriptions_are_refused_with_their_reason,
    |backend| async move {
        let app = alert_app(backend).await;
        let refused = |body: Value, status: u16, kind: &'static str| {
            let app = &app;
            async move {
                let mut body = body;
                body["email"] = json!("r@example.org");
                let (actual, problem) = subscribe(app, body).await;
                assert_problem(actual, &problem, status, kind);
                problem
            }
        };
        for radius in [10, 20_000] {
            let problem = refused(
                json!({ "lat": MITTE_POINT.0, "lon": MITTE_POINT.1, "radius_m": radius }),
                400,
                "invalid-parameter",
            )
            .await;
            assert_eq!(problem["errors"][0]["field"], "radius_m", "{problem}");
        }
        refused(
            json!({ "area": MITTE, "authority": MITTE }),
            400,
            "invalid-parameter",
        )
        .await;
        refused(
            json!({ "lat": MITTE_POINT.0, "lon": MITTE_POINT.1 }),
            400,
            "invalid-parameter",
        )
        .await;
        refused(json!({ "area": "12999999" }), 422, "unknown-reference").await;
        refused(json!({ "authority": "12999" }), 422, "unknown-reference").await;
        refused(
            json!({ "area": MITTE, "category": "no_such_thing" }),
            422,
            "unknown-category",
        )
        .await;
        // Munich.
        refused(
            json!({ "lat": 48.137, "lon": 11.575, "radius_m": 500 }),
            422,
            "outside-service-area",
        )
        .await;

        // Ten alerts per address; the eleventh is refused, spelt in capitals or not.
        for radius in 0..10 {
            let (status, _) = subscribe(
                &app,
                json!({ "email": "many@example.org", "lat": MITTE_POINT.0, "lon": MITTE_POINT.1, "radius_m": 100 + radius }),
            )
            .await;
            assert_eq!(status, 202);
        }
        let (status, problem) =
            subscribe(&app, json!({ "email": "Many@Example.org", "area": MITTE })).await;
        assert_problem(status, &problem, 422, "limit-reached");
        // Asking again for one of the ten is no new alert: still fine.
        let (status, _) = subscribe(
            &app,
            json!({ "email": "many@example.org", "lat": MITTE_POINT.0, "lon": MITTE_POINT.1, "radius_m": 100 }),
        )
        .await;
        assert_eq!(status, 202);
        // Requests whose link ran out no longer count.
        app.execute_sql_at(
            &["update alert_subscriptions set requested_at = $1"],
            Utc::now() - Duration::days(8),
        )
        .await;
        let (status, _) =
            subscribe(&app, json!({ "email": "many@example.org", "area": MITTE })).await;
        assert_eq!(status, 202);
        // And their links say so.
        let first = mails(&app, "confirm_alert", "many@example.org").await;
        let text = first[0].body_text.clone().unwrap();
        let link = link_after(&text, &format!("{}/mail/alerts/confirm/", app.address));
        assert_eq!(press(&app, &link).await, 410);
        // A forged link is unknown.
        let last = if link.ends_with('0') { "1" } else { "0" };
        let forged = format!("{}{last}", &link[..link.len() - 1]);
        assert_eq!(
            app.client
                .post(&forged)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16(),
            404
        );
        app.stop().await;
    }
);

/// Reads a feed: checks the headers, parses it as Atom, returns the entries' report links
/// and the whole text.
async fn read_feed(app: &TestApp, query: &str) -> (Vec<String>, String) {
    let response = app
        .get(&format!("/api/v1/feeds/reports.atom?{query}"))
        .await;
    assert_eq!(response.status().as_u16(), 200, "{query}");
    let headers = response.headers().clone();
    assert_eq!(
        headers["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    assert_eq!(headers["cache-control"], "public, max-age=60");
    assert!(headers.contains_key("last-modified"));
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let text = response.text().await.unwrap();
    // Revalidation: the same feed is a 304.
    let again = app
        .client
        .get(format!("{}/api/v1/feeds/reports.atom?{query}", app.address))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    let doc = roxmltree::Document::parse(&text).unwrap();
    let atom = "http://www.w3.org/2005/Atom";
    let feed = doc.root_element();
    assert!(feed.has_tag_name((atom, "feed")));
    for required in ["id", "title", "updated", "author"] {
        assert!(
            feed.children().any(|c| c.has_tag_name((atom, required))),
            "{required} in {text}"
        );
    }
    let mut links = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for entry in feed.children().filter(|c| c.has_tag_name((atom, "entry"))) {
        let child = |name: &str| {
            entry
                .children()
                .find(|c| c.has_tag_name((atom, name)))
                .unwrap_or_else(|| panic!("{name} in {text}"))
        };
        let id = child("id").text().unwrap().to_owned();
        assert!(id.starts_with("tag:127.0.0.1,2026:event/"), "{id}");
        assert!(ids.insert(id), "entry ids are unique");
        chrono::DateTime::parse_from_rfc3339(child("updated").text().unwrap()).unwrap();
        assert!(!child("title").text().unwrap().is_empty());
        links.push(child("link").attribute("href").unwrap().to_owned());
    }
    (links, text)
}

both_backends!(
    feeds_list_each_selections_public_news,
    |backend| async move {
        let app = alert_app(backend).await;
        let near = file(
            &app,
            "street_lighting",
            MITTE_POINT,
            Some("geheim.reporter@example.org"),
        )
        .await;
        let far = file(&app, "roads_paths", MITTE_FAR, None).await;
        let kreuzberg = file(&app, "street_lighting", KREUZBERG_POINT, None).await;
        let hidden = file(&app, "street_lighting", MITTE_POINT, None).await;
        app.execute_sql(&[HIDE_NEWEST]).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (status, _) = clerk
            .post(
                &app,
                &format!("/api/v1/admin/reports/{near}/status"),
                json!({ "status": "resolved", "answer": "Erledigt, danke Frau Geheimname." }),
            )
            .await;
        assert_eq!(status, 200);
        let link = |id: &str| format!("{}/report.html?id={id}", app.address);

        let (links, text) = read_feed(&app, &format!("area={MITTE}")).await;
        // Newest first: the status move, then the three new ones in Mitte.
        assert_eq!(links, [link(&near), link(&far), link(&near)]);
        assert!(
            text.contains("Grün: erledigt – Straßenbeleuchtung"),
            "{text}"
        );
        assert!(text.contains("Neu – Straßen"), "{text}");
        for secret in ["geheim.reporter", "Geheimname", "Bitte ansehen", &hidden] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        let (links, _) = read_feed(&app, &format!("authority={KREUZBERG}")).await;
        assert_eq!(links, [link(&kreuzberg)]);
        let (links, _) = read_feed(
            &app,
            &format!("lat={}&lon={}&radius_m=300", MITTE_POINT.0, MITTE_POINT.1),
        )
        .await;
        assert_eq!(links, [link(&near), link(&near)]);
        let (links, _) = read_feed(&app, &format!("area={MITTE}&category=roads_paths")).await;
        assert_eq!(links, [link(&far)]);
        let (links, text) = read_feed(&app, "area=12067072").await;
        assert!(links.is_empty(), "{text}");

        // The same refusals as for subscribing.
        app.get_problem("/api/v1/feeds/reports.atom", 400, "invalid-parameter")
            .await;
        app.get_problem(
            "/api/v1/feeds/reports.atom?lat=52.5&lon=13.4&radius_m=5",
            400,
            "invalid-parameter",
        )
        .await;
        app.get_problem(
            "/api/v1/feeds/reports.atom?lat=x&lon=13.4&radius_m=500",
            400,
            "invalid-parameter",
        )
        .await;
        app.get_problem(
            "/api/v1/feeds/reports.atom?area=12999999",
            422,
            "unknown-reference",
        )
        .await;
        app.get_problem(
            "/api/v1/feeds/reports.atom?lat=48.137&lon=11.575&radius_m=500",
            422,
            "outside-service-area",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    ended_or_never_confirmed_alerts_leave_no_address,
    |backend| async move {
        let app = alert_app(backend).await;
        subscribe_confirmed(&app, "bleibt@example.org", json!({ "area": MITTE })).await;
        subscribe_confirmed(&app, "geht@example.org", json!({ "area": MITTE })).await;
        // The same address watches a second selection, which it keeps.
        subscribe_confirmed(&app, "zwei@example.org", json!({ "area": MITTE })).await;
        subscribe_confirmed(&app, "zwei@example.org", json!({ "authority": KREUZBERG })).await;
        let (status, _) = subscribe(
            &app,
            json!({ "email": "wartet@example.org", "area": MITTE }),
        )
        .await;
        assert_eq!(status, 202);
        file(&app, "street_lighting", MITTE_POINT, None).await;
        assert_eq!(schedule(&app, Utc::now().date_naive()).await, 3);
        app.deliver_pending().await;
        app.assert_outbox_done().await;

        // One click in a digest ends the alert: its row and every mail to the address go at once.
        for leaving in ["geht@example.org", "zwei@example.org"] {
            let digest = mails(&app, "alert_digest", leaving).await;
            let one_click = digest[0].list_unsubscribe.clone().unwrap();
            let response = app.client.post(&one_click).send().await.unwrap();
            assert_eq!(response.status().as_u16(), 200, "{leaving}");
            // A second click is no error: the signed link names an alert that has ended.
            let again = app.client.post(&one_click).send().await.unwrap();
            assert_eq!(again.status().as_u16(), 200, "{leaving}");
        }
        let gone = crate::privacy::occurrences(&app, "geht@example.org").await;
        assert!(gone.is_empty(), "{gone:?}");
        // The address with another alert keeps that alert and its opt-in mails, not the digest.
        assert_eq!(
            crate::privacy::count(
                &app,
                "select count(*) from alert_subscriptions where email = 'zwei@example.org'"
            )
            .await,
            1
        );
        assert!(
            mails(&app, "alert_digest", "zwei@example.org")
                .await
                .is_empty()
        );
        assert_eq!(
            mails(&app, "confirm_alert", "zwei@example.org").await.len(),
            2
        );

        // The retention run: an opt-in unanswered for longer than its link works goes, and
        // mails about no report older than the retention go; a live alert stays.
        let eight_days_ago = Utc::now() - Duration::days(8);
        app.execute_sql_at(
            &["update alert_subscriptions set requested_at = $1 where email = 'wartet@example.org'"],
            eight_days_ago,
        )
        .await;
        app.execute_sql_at(
            &["update outbox set created_at = $1 where recipient = 'bleibt@example.org' and kind = 'alert_digest'"],
            Utc::now() - Duration::days(91),
        )
        .await;
        let done = crate::privacy::retention(&app).await;
        assert_eq!(done.alerts, 1, "{done:?}");
        assert_eq!(
            done.mails_without_report, 2,
            "wartet's opt-in, bleibt's old digest: {done:?}"
        );
        let gone = crate::privacy::occurrences(&app, "wartet@example.org").await;
        assert!(gone.is_empty(), "{gone:?}");
        assert!(
            mails(&app, "alert_digest", "bleibt@example.org")
                .await
                .is_empty()
        );
        assert_eq!(
            crate::privacy::count(
                &app,
                "select count(*) from alert_subscriptions where email = 'bleibt@example.org' and confirmed_at is not null"
            )
            .await,
            1
        );
        assert!(crate::privacy::retention(&app).await.is_empty());
        app.stop().await;
    }
);
