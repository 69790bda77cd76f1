//! "Me too" on both backends: who may support which report, anonymous supports and their rate
//! limit, the double opt-in of a supporter's address (counted once, once per address), the
//! count in every public view and as a sort order, and a duplicate's supporters and followers
//! moving to its original.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, Client, MITTE, MITTE_POINT, TestApp, TestDatabase, assert_refused, file_report,
    query_count, sign_in,
};

/// A server that publishes at once, without email confirmation or filing limit, whose mail
/// waits in the outbox until the test delivers it; `adjust` changes the rest.
async fn app(
    backend: Backend,
    adjust: impl FnOnce(&mut buergerbuero::config::Settings),
) -> TestApp {
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        s.rate_limit.follows_per_hour = 0;
        adjust(s);
    })
    .await
}

/// Files a street-lighting report in Mitte; returns its id.
async fn file(app: &TestApp, description: &str) -> String {
    let filed = file_report(
        app,
        json!({
            "category": "street_lighting",
            "description": description,
            "lat": MITTE_POINT.0,
            "lon": MITTE_POINT.1,
        }),
    )
    .await;
    filed["id"].as_str().unwrap().to_owned()
}

/// `POST /api/v1/reports/{id}/supporters` with `body`.
async fn support(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/reports/{id}/supporters", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// An anonymous support that must count; returns the new count.
async fn support_anonymously(app: &TestApp, id: &str) -> i64 {
    let (status, answer) = support(app, id, json!({})).await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["status"], "counted");
    answer["supporters"].as_i64().unwrap()
}

/// The public count of a report.
async fn count(app: &TestApp, id: &str) -> i64 {
    let (status, view) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 200, "{view}");
    view["supporters"].as_i64().unwrap()
}

/// The secret of the newest pending mail of `kind` to `recipient` (from its confirm link).
async fn link_secret(app: &TestApp, kind: &str, recipient: &str) -> String {
    let store = buergerbuero::store::connect(app.database_url(), 1)
        .await
        .unwrap();
    let mails = store.list_mail(Some("pending"), 1000).await.unwrap();
    let mail = mails
        .iter()
        .find(|m| m.kind == kind && m.recipient == recipient)
        .unwrap_or_else(|| panic!("no pending {kind} mail to {recipient}"));
    let text = mail.body_text.as_deref().unwrap();
    let rest = text.split("/mail/confirm/").nth(1).unwrap();
    rest[..64].to_owned()
}

/// Follows the confirm link of the pending `kind` mail to `recipient` (the page, then its
/// button); returns the page the button answers.
async fn confirm(app: &TestApp, kind: &str, recipient: &str) -> String {
    let secret = link_secret(app, kind, recipient).await;
    let url = format!("{}/mail/confirm/{secret}", app.address);
    // The page a link scanner fetches changes nothing.
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let answer = app.client.post(&url).send().await.unwrap();
    assert_eq!(answer.status().as_u16(), 200);
    answer.text().await.unwrap()
}

/// A support with an address that must be accepted (202).
async fn support_with(app: &TestApp, id: &str, email: &str, follow: bool) {
    let (status, answer) = support(app, id, json!({ "email": email, "follow": follow })).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["status"], "confirmation_sent");
}

/// Rows matching `condition` in `table`.
async fn rows(app: &TestApp, table: &str, condition: &str) -> i64 {
    query_count(
        app.database_url(),
        app.backend(),
        &format!("select count(*) from {table} where {condition}"),
    )
    .await
}

fn path(id: &str, action: &str) -> String {
    format!("/api/v1/admin/reports/{id}/{action}")
}

both_backends!(
    only_a_published_open_report_can_be_supported,
    |backend| async move {
        let app = app(backend, |s| {
            s.moderation = buergerbuero::config::Moderation::Pre;
        })
        .await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let id = file(&app, "Laterne dunkel").await;
        // Waiting for moderation: the public does not know it.
        assert_refused(&support(&app, &id, json!({})).await, 404, "not-found");
        assert_refused(
            &support(&app, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", json!({})).await,
            404,
            "not-found",
        );
        assert_refused(&support(&app, "kein-id", json!({})).await, 404, "not-found");
        let (status, _) = clerk
            .send(&app, reqwest::Method::POST, &path(&id, "publish"), None)
            .await;
        assert_eq!(status, 200);
        // Red, then yellow: supported, counted at once.
        assert_eq!(support_anonymously(&app, &id).await, 1);
        let (status, _) = clerk
            .post(
                &app,
                &path(&id, "status"),
                json!({ "status": "in_progress" }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(support_anonymously(&app, &id).await, 2);
        assert_eq!(count(&app, &id).await, 2);
        // Bad input: following without an address, an invalid address, an unknown field.
        assert_refused(
            &support(&app, &id, json!({ "follow": true })).await,
            400,
            "invalid-parameter",
        );
        assert_refused(
            &support(&app, &id, json!({ "email": "kein-at-zeichen" })).await,
            400,
            "invalid-parameter",
        );
        assert_refused(
            &support(&app, &id, json!({ "votes": 100 })).await,
            400,
            "invalid-parameter",
        );
        // Green: handled, no more voices (the count stays public).
        let (status, _) = clerk
            .post(&app, &path(&id, "status"), json!({ "status": "resolved" }))
            .await;
        assert_eq!(status, 200);
        assert_refused(&support(&app, &id, json!({})).await, 409, "not-allowed");
        assert_refused(
            &support(&app, &id, json!({ "email": "spaet@example.org" })).await,
            409,
            "not-allowed",
        );
        assert_eq!(count(&app, &id).await, 2);
        // Yellow-green likewise; hidden is gone for the public.
        let other = file(&app, "Laterne flackert").await;
        clerk
            .send(&app, reqwest::Method::POST, &path(&other, "publish"), None)
            .await;
        let (status, _) = clerk
            .post(
                &app,
                &path(&other, "status"),
                json!({ "status": "closed", "reason": "private_property", "answer": "Privatweg." }),
            )
            .await;
        assert_eq!(status, 200);
        assert_refused(&support(&app, &other, json!({})).await, 409, "not-allowed");
        let third = file(&app, "Laterne schief").await;
        clerk
            .send(&app, reqwest::Method::POST, &path(&third, "publish"), None)
            .await;
        let (status, _) = clerk
            .post(
                &app,
                &path(&third, "hide"),
                json!({ "reason": "Beleidigung" }),
            )
            .await;
        assert_eq!(status, 200);
        assert_refused(&support(&app, &third, json!({})).await, 404, "not-found");
        assert_eq!(rows(&app, "report_supporters", "1 = 1").await, 2);
        app.deliver_pending().await;
        app.assert_outbox_done().await;
        app.stop().await;
    }
);

both_backends!(anonymous_supports_are_rate_limited, |backend| async move {
    let app = app(backend, |s| {
        s.rate_limit.follows_per_hour = 1;
        s.rate_limit.follow_burst = 2;
    })
    .await;
    let id = file(&app, "Laterne dunkel").await;
    assert_eq!(support_anonymously(&app, &id).await, 1);
    assert_eq!(support_anonymously(&app, &id).await, 2);
    let refused = support(&app, &id, json!({})).await;
    assert_refused(&refused, 429, "rate-limited");
    // The refused one did not count, and the same budget covers supports with an address.
    assert_eq!(count(&app, &id).await, 2);
    assert_refused(
        &support(&app, &id, json!({ "email": "a@example.org" })).await,
        429,
        "rate-limited",
    );
    app.stop().await;
});

both_backends!(
    a_supporters_address_counts_once_confirmed_and_once_only,
    |backend| async move {
        let app = app(backend, |_| {}).await;
        let id = file(&app, "Laterne dunkel").await;
        support_with(&app, &id, "anna@example.org", false).await;
        // Not counted before the confirmation; asking again sends a new link, still one row.
        assert_eq!(count(&app, &id).await, 0);
        support_with(&app, &id, "anna@example.org", false).await;
        assert_eq!(
            rows(&app, "report_supporters", "email = 'anna@example.org'").await,
            1
        );
        let page = confirm(&app, "confirm_support", "anna@example.org").await;
        assert!(page.contains("Ihre Stimme zählt jetzt"), "{page}");
        assert_eq!(count(&app, &id).await, 1);
        // The second link of the same address, and the first one again: counted once.
        let store = buergerbuero::store::connect(app.database_url(), 1)
            .await
            .unwrap();
        let pending: Vec<_> = store
            .list_mail(Some("pending"), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "confirm_support")
            .collect();
        assert_eq!(pending.len(), 2);
        for mail in &pending {
            let text = mail.body_text.as_deref().unwrap();
            let secret = &text.split("/mail/confirm/").nth(1).unwrap()[..64];
            let url = format!("{}/mail/confirm/{secret}", app.address);
            let answer = app.client.post(&url).send().await.unwrap();
            assert_eq!(answer.status().as_u16(), 200);
            assert!(answer.text().await.unwrap().contains("schon gezählt"));
        }
        assert_eq!(count(&app, &id).await, 1);
        // A confirmed address asking again: the same answer, no mail, no count.
        support_with(&app, &id, "anna@example.org", false).await;
        assert_eq!(count(&app, &id).await, 1);
        assert_eq!(app.deliver_pending().await.sent, 2);
        // Anna does not follow; Ben asks to and does once confirmed (status mails then).
        assert_eq!(rows(&app, "report_followers", "1 = 1").await, 0);
        support_with(&app, &id, "ben@example.org", true).await;
        assert_eq!(rows(&app, "report_followers", "1 = 1").await, 0);
        confirm(&app, "confirm_support", "ben@example.org").await;
        assert_eq!(count(&app, &id).await, 2);
        assert_eq!(
            rows(
                &app,
                "report_followers",
                "email = 'ben@example.org' and confirmed_at is not null and role = 'follower'"
            )
            .await,
            1
        );
        app.deliver_pending().await;
        app.assert_outbox_done().await;
        app.stop().await;
    }
);

both_backends!(
    the_count_is_public_and_sorts_the_list_and_the_inbox,
    |backend| async move {
        let app = app(backend, |_| {}).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let a = file(&app, "A: keine Stimme").await;
        let b = file(&app, "B: zwei Stimmen").await;
        let c = file(&app, "C: eine Stimme").await;
        let d = file(&app, "D: eine Stimme, neuer").await;
        for id in [&b, &b, &c, &d] {
            support_anonymously(&app, id).await;
        }
        // The list by supporters, one per page: B, then the newer of the two with one, then
        // the older, then A; the cursors carry the count and the id.
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("/api/v1/reports?sort=supporters&limit=1&cursor={c}"),
                None => "/api/v1/reports?sort=supporters&limit=1".to_owned(),
            };
            let (status, page) = app.get_json(&query).await;
            assert_eq!(status, 200, "{page}");
            let report = &page["reports"][0];
            seen.push((
                report["id"].as_str().unwrap().to_owned(),
                report["supporters"].as_i64().unwrap(),
            ));
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let expected = vec![
            (b.clone(), 2),
            (d.clone(), 1),
            (c.clone(), 1),
            (a.clone(), 0),
        ];
        assert_eq!(seen, expected);
        // The default order stays newest first, with the count too; a cursor of the other
        // order is refused.
        let (_, newest) = app.get_json("/api/v1/reports").await;
        assert_eq!(newest["reports"][0]["id"], d.as_str());
        assert_eq!(newest["reports"][2]["supporters"], 2);
        app.get_problem(
            &format!("/api/v1/reports?sort=supporters&cursor={a}"),
            400,
            "invalid-parameter",
        )
        .await;
        app.get_problem("/api/v1/reports?sort=votes", 400, "invalid-parameter")
            .await;
        // The inbox sorts the same way and shows the count.
        let mut inbox = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(c) => format!("/api/v1/admin/reports?order=supporters&limit=1&cursor={c}"),
                None => "/api/v1/admin/reports?order=supporters&limit=1".to_owned(),
            };
            let (status, page) = clerk.get(&app, &query).await;
            assert_eq!(status, 200, "{page}");
            if let Some(report) = page["reports"].get(0) {
                inbox.push((
                    report["id"].as_str().unwrap().to_owned(),
                    report["supporters"].as_i64().unwrap(),
                ));
            }
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(inbox, expected);
        // Open311's extensions, in JSON and XML.
        let (status, request) = app
            .get_json(&format!("/open311/v2/requests/{b}.json?extensions=true"))
            .await;
        assert_eq!(status, 200, "{request}");
        assert_eq!(
            request[0]["extended_attributes"]["supporters"], 2,
            "{request}"
        );
        let xml = app
            .get(&format!("/open311/v2/requests/{b}.xml?extensions=true"))
            .await
            .text()
            .await
            .unwrap();
        assert!(xml.contains("<supporters>2</supporters>"), "{xml}");
        // The open data: a column and a property.
        let csv = app
            .get("/api/v1/open-data/reports.csv")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            csv.lines().next().unwrap().ends_with(",supporters"),
            "{csv}"
        );
        let b_line = csv.lines().find(|l| l.starts_with(b.as_str())).unwrap();
        assert!(b_line.ends_with(",2"), "{b_line}");
        let (_, geojson) = app.get_json("/api/v1/open-data/reports.geojson").await;
        let feature = geojson["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == b.as_str())
            .unwrap();
        assert_eq!(feature["properties"]["supporters"], 2);
        app.stop().await;
    }
);

both_backends!(
    marking_a_duplicate_moves_supporters_and_followers_to_the_original,
    |backend| async move {
        let app = app(backend, |_| {}).await;
        let clerk: Client = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let original = file(&app, "Laterne dunkel").await;
        let duplicate = file(&app, "Lampe aus").await;
        // The original: one anonymous voice, Xaver confirmed, Fritz follows.
        support_anonymously(&app, &original).await;
        support_with(&app, &original, "xaver@example.org", false).await;
        confirm(&app, "confirm_support", "xaver@example.org").await;
        follow(&app, &original, "fritz@example.org").await;
        assert_eq!(count(&app, &original).await, 2);
        // The duplicate: two anonymous voices, Xaver again, Yvonne (following too), Zoe not
        // yet confirmed; Fritz and Gerda follow it.
        support_anonymously(&app, &duplicate).await;
        support_anonymously(&app, &duplicate).await;
        support_with(&app, &duplicate, "xaver@example.org", false).await;
        confirm(&app, "confirm_support", "xaver@example.org").await;
        support_with(&app, &duplicate, "yvonne@example.org", true).await;
        confirm(&app, "confirm_support", "yvonne@example.org").await;
        support_with(&app, &duplicate, "zoe@example.org", false).await;
        follow(&app, &duplicate, "fritz@example.org").await;
        follow(&app, &duplicate, "gerda@example.org").await;
        assert_eq!(count(&app, &duplicate).await, 4);

        let (status, answer) = clerk
            .post(
                &app,
                &path(&duplicate, "duplicate"),
                json!({ "of": original }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        // 2 of the original + 2 anonymous + Yvonne; Xaver once; Zoe not yet.
        assert_eq!(count(&app, &original).await, 5);
        assert_eq!(count(&app, &duplicate).await, 0);
        assert_eq!(
            rows(
                &app,
                "report_supporters",
                &format!("report_id <> {}", uuid_literal(&app, &original))
            )
            .await,
            0
        );
        assert_eq!(
            rows(&app, "report_supporters", "email = 'xaver@example.org'").await,
            1
        );
        // Zoe's link still works: her support counts for the original now.
        confirm(&app, "confirm_support", "zoe@example.org").await;
        assert_eq!(count(&app, &original).await, 6);
        // Followers: Fritz once, Gerda and Yvonne moved, the duplicate has none left.
        for (email, expected) in [
            ("fritz@example.org", 1),
            ("gerda@example.org", 1),
            ("yvonne@example.org", 1),
        ] {
            assert_eq!(
                rows(&app, "report_followers", &format!("email = '{email}'")).await,
                expected,
                "{email}"
            );
        }
        assert_eq!(
            rows(
                &app,
                "report_followers",
                &format!("report_id = {}", uuid_literal(&app, &duplicate))
            )
            .await,
            0
        );
        // The next status change of the original reaches them all.
        let (status, _) = clerk
            .post(
                &app,
                &path(&original, "status"),
                json!({ "status": "in_progress", "answer": "Wird repariert." }),
            )
            .await;
        assert_eq!(status, 200);
        let store = buergerbuero::store::connect(app.database_url(), 1)
            .await
            .unwrap();
        let mut updated: Vec<String> = store
            .list_mail(Some("pending"), 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| {
                m.kind == "update" && m.report_id.map(|r| r.to_string()) == Some(original.clone())
            })
            .map(|m| m.recipient)
            .collect();
        updated.sort();
        assert_eq!(
            updated,
            [
                "fritz@example.org",
                "gerda@example.org",
                "yvonne@example.org"
            ]
        );
        app.deliver_pending().await;
        app.assert_outbox_done().await;
        app.stop().await;
    }
);

/// Follows `id` with `email` and confirms it.
async fn follow(app: &TestApp, id: &str, email: &str) {
    let response = app
        .client
        .post(format!("{}/api/v1/reports/{id}/followers", app.address))
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 202);
    confirm(app, "confirm_follow", email).await;
}

/// A report id as an SQL literal of the app's backend (SQLite stores UUIDs as blobs).
fn uuid_literal(app: &TestApp, id: &str) -> String {
    match app.backend() {
        Backend::Sqlite => format!("x'{}'", id.replace('-', "")),
        Backend::Postgres => format!("'{id}'"),
    }
}
