//! Citizens and clerks together, on both backends: the citizen's "still not fixed" / "fixed"
//! on a green or yellow-green report (through the link in their status mail or the reporter's
//! tracking link), the clerk's decision on the reopen request, and clerks taking reports on
//! ("Zuständigkeit annehmen") with the inbox's "mine" / "unassigned" filters and the clerk's
//! daily list.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Client, KREUZBERG, MITTE, MITTE_POINT, TestApp, TestDatabase, assert_refused, clerk_app,
    file_in_mitte, file_report, sign_in,
};

const REPORTER: &str = "erika@example.org";
const FAN: &str = "fan@example.org";

/// A server that publishes at once, needs no confirmation of the reporter's address, and
/// sends mail only when the test says so; its links point at itself.
async fn participation_app(backend: crate::helpers::Backend) -> TestApp {
    let port = crate::maildev::free_port();
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.listen = format!("127.0.0.1:{port}");
        s.public_url = format!("http://127.0.0.1:{port}");
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
    })
    .await
}

/// The plain text of the newest pending mail of `kind` to `to`.
async fn pending_mail(app: &TestApp, kind: &str, to: &str) -> String {
    let store = buergerbuero::store::connect(app.database_url(), 1)
        .await
        .unwrap();
    store
        .list_mail(Some("pending"), 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == kind && m.recipient == to)
        .map(|m| m.body_text.unwrap_or_default())
        .next_back()
        .unwrap_or_else(|| panic!("no pending {kind} mail to {to}"))
}

/// The value of query parameter `name` in the first link to the report page in `text`.
fn link_param(text: &str, name: &str) -> String {
    let link = crate::maildev::link_after(text, "http://");
    let link = link.split('#').next().unwrap();
    let query = link.split_once('?').unwrap().1;
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} in {link}"))
        .to_owned()
}

/// The feedback link's (follower, key) from the status mail to `to`.
async fn feedback_link(app: &TestApp, to: &str) -> (String, String) {
    let mail = pending_mail(app, "update", to).await;
    let from = mail
        .find("/report.html?id=")
        .and_then(|_| mail.find("fkey="))
        .map(|at| mail[..at].rfind("http").unwrap())
        .unwrap_or_else(|| panic!("no feedback link in:\n{mail}"));
    let text = &mail[from..];
    (link_param(text, "follower"), link_param(text, "fkey"))
}

async fn feedback(app: &TestApp, id: &str, body: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/v1/reports/{id}/feedback", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Confirms following through the link in the opt-in mail to `to`.
async fn confirm_following(app: &TestApp, to: &str) {
    let mail = pending_mail(app, "confirm_follow", to).await;
    let link = crate::maildev::link_after(&mail, &format!("{}/mail/confirm/", app.address));
    let confirmed = app.client.post(link).send().await.unwrap();
    assert_eq!(confirmed.status().as_u16(), 200);
}

fn admin_path(id: &str, action: &str) -> String {
    format!("/api/v1/admin/reports/{id}/{action}")
}

async fn public_report(app: &TestApp, id: &str) -> Value {
    let (status, report) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 200);
    report
}

fn kinds(report: &Value) -> Vec<String> {
    report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(
    citizens_say_not_fixed_and_clerks_reopen_or_decline,
    |backend| async move {
        let app = participation_app(backend).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let filed = file_report(
            &app,
            json!({
                "category": "street_lighting",
                "description": "Laterne aus",
                "lat": MITTE_POINT.0,
                "lon": MITTE_POINT.1,
                "email": REPORTER,
                "name": "Erika Mustermann",
            }),
        )
        .await;
        let id = filed["id"].as_str().unwrap().to_owned();
        let reporter_key = filed["reporter_key"].as_str().unwrap().to_owned();
        let follow = app
            .client
            .post(format!("{}/api/v1/reports/{id}/followers", app.address))
            .json(&json!({ "email": FAN }))
            .send()
            .await
            .unwrap();
        assert_eq!(follow.status().as_u16(), 202);
        confirm_following(&app, FAN).await;

        // Before the report is green, nobody can say it is not fixed.
        let early = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "text": "dunkel", "key": reporter_key }),
        )
        .await;
        assert_refused(&early, 409, "not-allowed");

        let (status, _) = clerk
            .post(
                &app,
                &admin_path(&id, "status"),
                json!({ "status": "resolved", "answer": "Die Lampe ist getauscht." }),
            )
            .await;
        assert_eq!(status, 200);
        // Both status mails carry a link to say whether it is really fixed.
        let (fan, fan_key) = feedback_link(&app, FAN).await;
        let (reporter_row, reporter_mail_key) = feedback_link(&app, REPORTER).await;
        assert_ne!(fan, reporter_row);
        app.deliver_pending().await;

        // A key that is not the follower's, or another follower's id, opens nothing.
        for body in [
            json!({ "kind": "not_fixed", "text": "x", "key": fan_key, "follower": reporter_row }),
            json!({ "kind": "not_fixed", "text": "x", "key": "0".repeat(32), "follower": fan }),
            json!({ "kind": "not_fixed", "text": "x", "key": fan_key }),
            json!({ "kind": "not_fixed", "text": "x", "key": fan_key, "follower": "nope" }),
        ] {
            assert_refused(&feedback(&app, &id, body).await, 404, "not-found");
        }
        let unknown_kind = feedback(
            &app,
            &id,
            json!({ "kind": "maybe", "key": fan_key, "follower": fan }),
        )
        .await;
        assert_refused(&unknown_kind, 400, "invalid-parameter");
        let no_text = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "key": fan_key, "follower": fan }),
        )
        .await;
        assert_refused(&no_text, 400, "invalid-parameter");

        // The follower says it is still not fixed: a reopen request, public without identity.
        let (status, answer) = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "text": "Die Laterne ist immer noch dunkel",
                    "key": fan_key, "follower": fan }),
        )
        .await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["reopen_requested"], true);
        let again = feedback(
            &app,
            &id,
            json!({ "kind": "fixed", "key": fan_key, "follower": fan }),
        )
        .await;
        assert_refused(&again, 409, "duplicate");
        // The reporter confirms it fixed through the tracking link; their mail link is the same
        // person, so it cannot speak a second time.
        let (status, _) = feedback(
            &app,
            &id,
            json!({ "kind": "fixed", "text": "Danke!", "key": reporter_key }),
        )
        .await;
        assert_eq!(status, 201);
        let twice = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "text": "doch nicht", "key": reporter_mail_key,
                    "follower": reporter_row }),
        )
        .await;
        assert_refused(&twice, 409, "duplicate");

        let public = public_report(&app, &id).await;
        assert_eq!(public["status"], "resolved", "feedback moves no status");
        let history = kinds(&public);
        assert!(
            history.contains(&"citizen_not_fixed".to_owned()),
            "{history:?}"
        );
        assert!(history.contains(&"citizen_confirmed_fixed".to_owned()));
        let text = public.to_string();
        assert!(text.contains("immer noch dunkel"));
        for private in [FAN, REPORTER, "Erika", &fan, &reporter_row] {
            assert!(!text.contains(private), "{private} in {text}");
        }

        // The clerk finds it among the reopen requests and declines with a public reason.
        let (_, inbox) = clerk
            .get(&app, "/api/v1/admin/reports?reopen_requested=true")
            .await;
        let listed = inbox["reports"].as_array().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0]["id"], id.as_str());
        assert!(listed[0]["reopen_requested_at"].is_string());
        let (status, declined) = clerk
            .post(
                &app,
                &admin_path(&id, "decline-reopen"),
                json!({ "reason": "Geprüft am Abend: die Laterne leuchtet." }),
            )
            .await;
        assert_eq!(status, 200, "{declined}");
        assert!(declined["reopen_requested_at"].is_null());
        assert!(
            !declined["allowed_actions"]
                .as_array()
                .unwrap()
                .contains(&json!("decline-reopen"))
        );
        let (_, inbox) = clerk
            .get(&app, "/api/v1/admin/reports?reopen_requested=true")
            .await;
        assert!(inbox["reports"].as_array().unwrap().is_empty());
        let declined_twice = clerk
            .post(
                &app,
                &admin_path(&id, "decline-reopen"),
                json!({ "reason": "nochmal" }),
            )
            .await;
        assert_refused(&declined_twice, 409, "not-allowed");
        assert!(kinds(&public_report(&app, &id).await).contains(&"reopen_declined".to_owned()));
        // Everyone following hears the answer.
        pending_mail(&app, "update", FAN).await;
        app.deliver_pending().await;

        // Same state: the follower has spoken. After the clerk reopens and resolves again it is
        // a new state, and the follower may speak again; this time the clerk accepts.
        let same_state = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "text": "noch da", "key": fan_key, "follower": fan }),
        )
        .await;
        assert_refused(&same_state, 409, "duplicate");
        for body in [
            json!({ "status": "in_progress", "answer": "Wir sehen nach." }),
            json!({ "status": "resolved", "answer": "Jetzt aber." }),
        ] {
            if body["status"] == "in_progress" {
                let (status, _) = clerk
                    .post(
                        &app,
                        &admin_path(&id, "reopen"),
                        json!({ "reason": "Prüfung" }),
                    )
                    .await;
                assert_eq!(status, 200);
            }
            let (status, changed) = clerk.post(&app, &admin_path(&id, "status"), body).await;
            assert_eq!(status, 200, "{changed}");
        }
        let (status, _) = feedback(
            &app,
            &id,
            json!({ "kind": "not_fixed", "text": "Flackert wieder", "key": fan_key, "follower": fan }),
        )
        .await;
        assert_eq!(status, 201);
        let bad_status = clerk
            .post(
                &app,
                &admin_path(&id, "reopen"),
                json!({ "reason": "x", "status": "resolved" }),
            )
            .await;
        assert_refused(&bad_status, 400, "invalid-parameter");
        let (status, reopened) = clerk
            .post(
                &app,
                &admin_path(&id, "reopen"),
                json!({ "reason": "Wir tauschen das Vorschaltgerät.", "status": "in_progress" }),
            )
            .await;
        assert_eq!(status, 200, "{reopened}");
        assert_eq!(reopened["status"], "in_progress");
        assert!(reopened["reopen_requested_at"].is_null());
        // Yellow again: no feedback until it is green or yellow-green once more.
        let yellow = feedback(&app, &id, json!({ "kind": "fixed", "key": reporter_key })).await;
        assert_refused(&yellow, 409, "not-allowed");
        app.deliver_pending().await;
        app.assert_outbox_done().await;
    }
);

async fn assignee(client: &Client, app: &TestApp, id: &str, account: Value) -> (u16, Value) {
    client
        .put(
            app,
            &admin_path(id, "assignee"),
            json!({ "account": account }),
        )
        .await
}

async fn inbox_ids(client: &Client, app: &TestApp, query: &str) -> Vec<String> {
    let (status, inbox) = client
        .get(app, &format!("/api/v1/admin/reports?{query}"))
        .await;
    assert_eq!(status, 200, "{inbox}");
    inbox["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(
    clerks_take_reports_on_and_the_inbox_filters_mine_and_unassigned,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let anna = sign_in(&app, "anna@mitte.example", false, &[MITTE]).await;
        let ben = sign_in(&app, "ben@mitte.example", false, &[MITTE]).await;
        let kai = sign_in(&app, "kai@kreuzberg.example", false, &[KREUZBERG]).await;
        let first = file_in_mitte(&app, "Laterne aus").await;
        let second = file_in_mitte(&app, "Schlagloch").await;
        let (_, anna_me) = anna.get(&app, "/api/v1/admin/me").await;
        let (_, ben_me) = ben.get(&app, "/api/v1/admin/me").await;
        let (_, kai_me) = kai.get(&app, "/api/v1/admin/me").await;

        // The report's view offers the authority's clerks, and nobody is in charge yet.
        let (_, view) = anna
            .get(&app, &format!("/api/v1/admin/reports/{first}"))
            .await;
        assert!(view["assignee"].is_null());
        let offered: Vec<&str> = view["assignable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect();
        assert!(offered.contains(&anna_me["id"].as_str().unwrap()));
        assert!(offered.contains(&ben_me["id"].as_str().unwrap()));
        assert!(!offered.contains(&kai_me["id"].as_str().unwrap()));

        // Anna takes the first one on.
        let (status, taken) = assignee(&anna, &app, &first, json!("me")).await;
        assert_eq!(status, 200, "{taken}");
        assert_eq!(taken["assignee"]["id"], anna_me["id"]);
        let event = taken["events"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(event["kind"], "assigned");
        assert_eq!(event["public"], false);
        assert_refused(
            &assignee(&anna, &app, &first, json!("me")).await,
            409,
            "not-allowed",
        );
        // Not to a clerk of another authority, nor to an account that does not exist.
        let foreign = assignee(&anna, &app, &second, kai_me["id"].clone()).await;
        assert_refused(&foreign, 422, "unknown-reference");
        let nobody = assignee(
            &anna,
            &app,
            &second,
            json!(uuid::Uuid::now_v7().to_string()),
        )
        .await;
        assert_refused(&nobody, 422, "unknown-reference");
        assert_refused(
            &assignee(&anna, &app, &second, json!("anna")).await,
            400,
            "invalid-parameter",
        );
        // Another authority's clerk cannot touch it at all.
        assert_refused(
            &assignee(&kai, &app, &first, json!("me")).await,
            404,
            "not-found",
        );

        assert_eq!(
            inbox_ids(&anna, &app, "assignee=me").await,
            vec![first.clone()]
        );
        assert!(inbox_ids(&ben, &app, "assignee=me").await.is_empty());
        assert_eq!(
            inbox_ids(&ben, &app, "assignee=none").await,
            vec![second.clone()]
        );
        let by_id = format!("assignee={}", anna_me["id"].as_str().unwrap());
        assert_eq!(inbox_ids(&ben, &app, &by_id).await, vec![first.clone()]);
        let (status, bad) = anna
            .get(&app, "/api/v1/admin/reports?assignee=everyone")
            .await;
        assert_refused(&(status, bad), 400, "invalid-parameter");

        // Anna hands the second to Ben; Ben gives the first back.
        let (status, handed) = assignee(&anna, &app, &second, ben_me["id"].clone()).await;
        assert_eq!(status, 200);
        assert_eq!(handed["assignee"]["name"], ben_me["display_name"]);
        assert_eq!(
            inbox_ids(&ben, &app, "assignee=me").await,
            vec![second.clone()]
        );
        let (status, released) = assignee(&ben, &app, &first, Value::Null).await;
        assert_eq!(status, 200);
        assert!(released["assignee"].is_null());
        assert_refused(
            &assignee(&ben, &app, &first, Value::Null).await,
            409,
            "not-allowed",
        );

        // The public sees nothing of it.
        let (_, published) = anna
            .post(&app, &admin_path(&second, "publish"), json!({}))
            .await;
        assert_eq!(published["visibility"], "published");
        let public = public_report(&app, &second).await.to_string();
        assert!(!public.contains("assign"), "{public}");
        assert!(!public.contains(ben_me["display_name"].as_str().unwrap()));

        // Forwarding leaves the choice to the new authority's clerks.
        let (status, _) = ben
            .post(
                &app,
                &admin_path(&second, "forward"),
                json!({ "authority": KREUZBERG, "reason": "Kreuzberg ist zuständig" }),
            )
            .await;
        assert_eq!(status, 200);
        let (_, at_kreuzberg) = kai
            .get(&app, &format!("/api/v1/admin/reports/{second}"))
            .await;
        assert!(at_kreuzberg["assignee"].is_null());
        assert!(inbox_ids(&ben, &app, "assignee=me").await.is_empty());
    }
);

both_backends!(
    each_clerk_gets_a_daily_list_of_their_overdue_and_the_unassigned_reports,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let anna = sign_in(&app, "anna@mitte.example", false, &[MITTE]).await;
        sign_in(&app, "kai@kreuzberg.example", false, &[KREUZBERG]).await;
        let mine = file_in_mitte(&app, "Laterne aus").await;
        let unassigned = file_in_mitte(&app, "Schlagloch").await;
        let (status, _) = assignee(&anna, &app, &mine, json!("me")).await;
        assert_eq!(status, 200);
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
            buergerbuero::notify::worker::schedule_digests(
                &*store,
                &jurisdiction,
                &composer,
                now,
                now.date_naive(),
            )
            .await
            .unwrap();
        }
        let lists: Vec<_> = store
            .list_mail(None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.kind == "clerk_digest")
            .collect();
        // One for Anna, once however often it was scheduled; Kai has nothing to do.
        assert_eq!(lists.len(), 1, "{lists:?}");
        assert_eq!(lists[0].recipient, "anna@mitte.example");
        assert_eq!(
            lists[0].subject,
            "Ihre Übersicht: 1 überfällig, 1 ohne Zuständigkeit"
        );
        let text = lists[0].body_text.clone().unwrap();
        let (overdue_part, unassigned_part) = text.split_once("Noch niemandem").unwrap();
        assert!(overdue_part.contains(&mine) && !overdue_part.contains(&unassigned));
        assert!(unassigned_part.contains(&unassigned) && !unassigned_part.contains(&mine));
    }
);

/// A multipart feedback with `photos` JPEGs and the text fields `fields`.
async fn feedback_with_photos(
    app: &TestApp,
    id: &str,
    fields: &[(&str, &str)],
    photos: Vec<Vec<u8>>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (n, photo) in photos.into_iter().enumerate() {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(photo)
                .file_name(format!("noch-kaputt-{n}.jpg"))
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let response = app
        .client
        .post(format!("{}/api/v1/reports/{id}/feedback", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The history entry of `kind` in a report view.
fn entry(report: &Value, kind: &str) -> Value {
    report["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {report}"))
        .clone()
}

both_backends!(
    a_not_fixed_photo_waits_for_the_clerks_release,
    |backend| async move {
        let app = participation_app(backend).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let filed = file_report(
            &app,
            json!({
                "category": "roads_paths",
                "description": "Schlagloch",
                "lat": MITTE_POINT.0,
                "lon": MITTE_POINT.1,
            }),
        )
        .await;
        let id = filed["id"].as_str().unwrap().to_owned();
        let key = filed["reporter_key"].as_str().unwrap().to_owned();
        let photo = crate::helpers::jpeg(64, 48);
        let fields = [
            ("kind", "not_fixed"),
            ("text", "Das Loch ist noch da, siehe Foto"),
            ("key", key.as_str()),
        ];

        // Feedback the report does not take is refused before any photo is processed; too
        // many photos, a field twice, or a file that is no image are refused too.
        let early = feedback_with_photos(&app, &id, &fields, vec![photo.clone()]).await;
        assert_refused(&early, 409, "not-allowed");
        let (status, _) = clerk
            .post(
                &app,
                &admin_path(&id, "status"),
                json!({ "status": "resolved", "answer": "Verfüllt." }),
            )
            .await;
        assert_eq!(status, 200);
        let four = (0..4).map(|n| crate::helpers::jpeg(40 + n, 30)).collect();
        assert_refused(
            &feedback_with_photos(&app, &id, &fields, four).await,
            400,
            "invalid-parameter",
        );
        let twice = [fields[0], fields[1], fields[2], ("kind", "fixed")];
        assert_refused(
            &feedback_with_photos(&app, &id, &twice, vec![]).await,
            400,
            "invalid-parameter",
        );
        assert_refused(
            &feedback_with_photos(&app, &id, &fields, vec![b"kein Bild".to_vec()]).await,
            415,
            "photo-unsupported-type",
        );
        let wrong_key = [fields[0], fields[1], ("key", "0123456789abcdef")];
        assert_refused(
            &feedback_with_photos(&app, &id, &wrong_key, vec![photo.clone()]).await,
            404,
            "not-found",
        );

        let (status, answer) = feedback_with_photos(&app, &id, &fields, vec![photo]).await;
        assert_eq!(status, 201, "{answer}");
        assert_eq!(answer["photos"], 1);
        assert_eq!(answer["reopen_requested"], true);

        // The public sees the words, not the photo; its URL answers 404.
        let public = public_report(&app, &id).await;
        let said = entry(&public, "citizen_not_fixed");
        assert_eq!(said["text"], "Das Loch ist noch da, siehe Foto");
        assert!(said.get("photos").is_none(), "{said}");
        // The clerk sees it, hidden, beside the feedback, and releases it.
        let (_, full) = clerk
            .get(&app, &format!("/api/v1/admin/reports/{id}"))
            .await;
        let waiting = entry(&full, "citizen_not_fixed")["photos"][0].clone();
        assert_eq!(waiting["visible"], false, "{full}");
        assert_eq!(waiting["width"], 64);
        let photo_id = waiting["id"].as_str().unwrap().to_owned();
        let hidden = app.get(&format!("/api/v1/photos/{photo_id}/web")).await;
        assert_eq!(hidden.status().as_u16(), 404);
        let (status, released) = clerk
            .put(
                &app,
                &format!("/api/v1/admin/reports/{id}/photos/{photo_id}"),
                json!({ "visible": true }),
            )
            .await;
        assert_eq!(status, 200, "{released}");
        let public = public_report(&app, &id).await;
        let said = entry(&public, "citizen_not_fixed");
        assert_eq!(said["photos"][0]["id"], photo_id.as_str(), "{said}");
        assert!(
            public["photos"].as_array().unwrap().is_empty(),
            "the reporter's own only"
        );
        let shown = app.get(&format!("/api/v1/photos/{photo_id}/web")).await;
        assert_eq!(shown.status().as_u16(), 200);
        app.stop().await;
    }
);
