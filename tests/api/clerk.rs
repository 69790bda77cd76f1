//! The clerk API on both backends: log-in, sessions with CSRF, expiry, the log-in back-off,
//! API tokens and their revocation, password change, the whole workflow on one report as the
//! public sees it, the service promise (overdue) and an authority's statistics.

use reqwest::header::SET_COOKIE;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Client, KREUZBERG, MITTE, PASSWORD, TestApp, assert_problem, assert_refused, clerk_app,
    file_in_mitte, file_with_photo, login_answer, refusal, refused_login, sign_in, try_login,
};

fn report_path(id: &str, action: &str) -> String {
    if action.is_empty() {
        format!("/api/v1/admin/reports/{id}")
    } else {
        format!("/api/v1/admin/reports/{id}/{action}")
    }
}

both_backends!(
    log_in_with_a_session_cookie_and_csrf,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        app.create_account("clerk@mitte.example", PASSWORD, false, &[MITTE])
            .await;
        assert_refused(
            &refused_login(&app, "clerk@mitte.example", "wrong password!").await,
            401,
            "unauthorized",
        );
        // Emails are matched without regard to case or surrounding space.
        let (status, client, headers) = try_login(&app, "  Clerk@Mitte.Example ", PASSWORD).await;
        assert_eq!(status, 200);
        let cookie = headers[SET_COOKIE].to_str().unwrap().to_owned();
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/"] {
            assert!(cookie.contains(attribute), "{cookie}");
        }
        assert!(
            !cookie.contains("Secure"),
            "plain http test server: {cookie}"
        );
        let client = client.unwrap();
        let (status, me) = client.get(&app, "/api/v1/admin/me").await;
        assert_eq!(status, 200);
        assert_eq!(me["email"], "clerk@mitte.example");
        assert_eq!(me["authorities"], json!([MITTE]));
        assert_eq!(me["is_admin"], false);

        let id = file_in_mitte(&app, "Laterne aus").await;
        // A state-changing request with the cookie but without the CSRF token is refused ...
        let no_csrf = Client {
            csrf: None,
            ..client.clone()
        };
        let (status, problem) = no_csrf
            .post(
                &app,
                &report_path(&id, "notes"),
                json!({ "text": "prüfen" }),
            )
            .await;
        assert_problem(status, &problem, 403, "forbidden");
        assert_eq!(problem["type"], "/problems/forbidden");
        let wrong_csrf = Client {
            csrf: Some("0".repeat(64)),
            ..client.clone()
        };
        let (status, refused) = wrong_csrf
            .post(
                &app,
                &report_path(&id, "notes"),
                json!({ "text": "prüfen" }),
            )
            .await;
        assert_problem(status, &refused, 403, "forbidden");
        // ... and nothing was stored; with the token it works.
        let (_, report) = client.get(&app, &report_path(&id, "")).await;
        let events = report["events"].as_array().unwrap();
        assert!(!events.is_empty(), "{report}");
        assert!(!events.iter().any(|e| e["kind"] == "note"), "{report}");
        let (status, report) = client
            .post(
                &app,
                &report_path(&id, "notes"),
                json!({ "text": "prüfen" }),
            )
            .await;
        assert_eq!(status, 200, "{report}");
        // Reading needs no CSRF token.
        let (status, _) = no_csrf.get(&app, &report_path(&id, "")).await;
        assert_eq!(status, 200);

        let (status, _) = client
            .send(&app, reqwest::Method::POST, "/api/v1/admin/logout", None)
            .await;
        assert_eq!(status, 204);
        let (status, problem) = client.get(&app, "/api/v1/admin/me").await;
        assert_problem(status, &problem, 401, "unauthorized");
        assert_eq!(problem["type"], "/problems/unauthorized");
        app.stop().await;
    }
);

both_backends!(sessions_expire_when_idle, |backend| async move {
    let app = clerk_app(backend, |s| s.auth.session_idle_secs = 60).await;
    let client = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    assert_eq!(client.get(&app, "/api/v1/admin/me").await.0, 200);
    // The session's last request was longer ago than the idle time: set in the database
    // instead of waiting for the time to pass.
    let before_idle = chrono::Utc::now() - chrono::Duration::seconds(61);
    app.execute_sql_at(&["update sessions set last_seen_at = $1"], before_idle)
        .await;
    assert_refused(
        &client.get(&app, "/api/v1/admin/me").await,
        401,
        "unauthorized",
    );
    // Expired stays expired: activity after the end does not revive it.
    assert_refused(
        &client.get(&app, "/api/v1/admin/me").await,
        401,
        "unauthorized",
    );
    app.stop().await;
});

both_backends!(
    log_in_backs_off_after_repeated_failures,
    |backend| async move {
        let app = clerk_app(backend, |s| {
            s.auth.login_free_failures = 3;
            s.auth.login_backoff_secs = 60;
        })
        .await;
        app.create_account("clerk@mitte.example", PASSWORD, false, &[MITTE])
            .await;
        for _ in 0..3 {
            assert_refused(
                &refused_login(&app, "clerk@mitte.example", "wrong password!").await,
                401,
                "unauthorized",
            );
        }
        // The 3rd failure started the back-off: from now on even the right password waits.
        let blocked = login_answer(&app, "clerk@mitte.example", PASSWORD).await;
        let wait: u64 = blocked.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        refusal(blocked, 429, "login-blocked").await;
        // An unknown email is treated the same (nobody learns which accounts exist).
        for _ in 0..3 {
            assert_refused(
                &refused_login(&app, "nobody@example.org", "wrong password!").await,
                401,
                "unauthorized",
            );
        }
        assert_refused(
            &refused_login(&app, "nobody@example.org", "wrong password!").await,
            429,
            "login-blocked",
        );
        // Another account is not affected.
        app.create_account("other@mitte.example", PASSWORD, false, &[MITTE])
            .await;
        assert_eq!(
            try_login(&app, "other@mitte.example", PASSWORD).await.0,
            200
        );
        app.stop().await;
    }
);

both_backends!(
    api_tokens_work_without_csrf_and_can_be_revoked,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let session = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (status, created) = session
            .post(
                &app,
                "/api/v1/admin/tokens",
                json!({ "name": "Tablet Außendienst" }),
            )
            .await;
        assert_eq!(status, 201);
        let token = created["token"].as_str().unwrap().to_owned();
        assert!(token.starts_with("bbt_"));
        let bearer = Client {
            bearer: Some(token.clone()),
            ..Client::ANONYMOUS
        };
        assert_eq!(bearer.get(&app, "/api/v1/admin/me").await.0, 200);
        let id = file_in_mitte(&app, "Laterne aus").await;
        // No cookie, so no CSRF risk and no CSRF token needed.
        let (status, _) = bearer
            .post(
                &app,
                &report_path(&id, "notes"),
                json!({ "text": "vor Ort" }),
            )
            .await;
        assert_eq!(status, 200);
        // The list never shows a secret.
        let (_, list) = session.get(&app, "/api/v1/admin/tokens").await;
        let listed = &list["tokens"][0];
        assert_eq!(listed["name"], "Tablet Außendienst");
        assert!(listed.get("token").is_none());
        assert!(!listed["last_used_at"].is_null());
        let path = format!("/api/v1/admin/tokens/{}", created["id"].as_str().unwrap());
        assert_eq!(
            session
                .send(&app, reqwest::Method::DELETE, &path, None)
                .await
                .0,
            204
        );
        assert_refused(
            &bearer.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        let (_, list) = session.get(&app, "/api/v1/admin/tokens").await;
        assert!(!list["tokens"][0]["revoked_at"].is_null());
        // A clerk cannot revoke someone else's token, and garbage is no token.
        let other = sign_in(&app, "other@mitte.example", false, &[MITTE]).await;
        assert_refused(
            &other.send(&app, reqwest::Method::DELETE, &path, None).await,
            404,
            "not-found",
        );
        let garbage = Client {
            bearer: Some("bbt_nonsense".into()),
            ..Client::ANONYMOUS
        };
        assert_refused(
            &garbage.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        app.stop().await;
    }
);

both_backends!(
    changing_the_password_ends_other_sessions,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let first = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (_, second, _) = try_login(&app, "clerk@mitte.example", PASSWORD).await;
        let second = second.unwrap();
        let (status, problem) = first.post(&app, "/api/v1/admin/password", json!({ "current_password": "not it at all", "new_password": "a much better password" })).await;
        assert_eq!(
            (status, problem["type"].as_str()),
            (403, Some("/problems/forbidden"))
        );
        let (status, refused) = first
            .post(
                &app,
                "/api/v1/admin/password",
                json!({ "current_password": PASSWORD, "new_password": "short" }),
            )
            .await;
        assert_problem(status, &refused, 400, "invalid-parameter");
        let (status, _) = first
            .post(
                &app,
                "/api/v1/admin/password",
                json!({ "current_password": PASSWORD, "new_password": "a much better password" }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(first.get(&app, "/api/v1/admin/me").await.0, 200);
        assert_refused(
            &second.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &refused_login(&app, "clerk@mitte.example", PASSWORD).await,
            401,
            "unauthorized",
        );
        assert_eq!(
            try_login(&app, "clerk@mitte.example", "a much better password")
                .await
                .0,
            200
        );
        app.stop().await;
    }
);

both_backends!(
    the_workflow_as_clerks_and_the_public_see_it,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let id = file_in_mitte(&app, "Laterne aus, Tel. 0170 1234567").await;
        let public = format!("/api/v1/reports/{id}");
        // Moderated first: not public yet, but in the inbox with the reporter's contact.
        refusal(app.get(&public).await, 404, "not-found").await;
        let (status, inbox) = clerk
            .get(&app, "/api/v1/admin/reports?visibility=pending")
            .await;
        assert_eq!(status, 200);
        assert_eq!(inbox["reports"][0]["id"], id);
        assert_eq!(inbox["counts"]["open"], 1);
        let (_, full) = clerk.get(&app, &report_path(&id, "")).await;
        assert_eq!(full["reporter"]["email"], "buerger@example.org");
        assert_eq!(full["reporter"]["name"], "Erika Mustermann");

        // Moderation: the phone number is edited out, then the report is published.
        let (status, edited) = clerk
            .put(
                &app,
                &report_path(&id, "description"),
                json!({ "description": "Laterne aus" }),
            )
            .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["description"], "Laterne aus");
        assert_eq!(
            edited["original_description"],
            "Laterne aus, Tel. 0170 1234567"
        );
        let (status, _) = clerk
            .send(
                &app,
                reqwest::Method::POST,
                &report_path(&id, "publish"),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let (status, view) = app.get_json(&public).await;
        assert_eq!(status, 200);
        assert_eq!(view["light"], "red");
        assert_eq!(view["description"], "Laterne aus");
        assert!(
            !view.to_string().contains("0170"),
            "the original text stays private"
        );
        assert!(view["first_reaction_at"].is_null());

        // An internal note stays internal; a status change with its answer is public.
        clerk
            .post(
                &app,
                &report_path(&id, "notes"),
                json!({ "text": "Bauhof informiert" }),
            )
            .await;
        let (status, moved) = clerk.post(&app, &report_path(&id, "status"), json!({ "status": "in_progress", "answer": "Wir reparieren die Laterne diese Woche." })).await;
        assert_eq!(status, 200, "{moved}");
        let (_, view) = app.get_json(&public).await;
        assert_eq!(view["light"], "yellow");
        assert!(!view["first_reaction_at"].is_null());
        let history = view["history"].to_string();
        assert!(history.contains("Wir reparieren die Laterne diese Woche."));
        assert!(!history.contains("Bauhof"), "notes are internal: {history}");
        assert!(
            !view.to_string().contains("clerk@mitte.example"),
            "actors are internal"
        );

        // Forbidden moves are 409 and change nothing; invalid closings are 400.
        let (status, problem) = clerk
            .post(
                &app,
                &report_path(&id, "reopen"),
                json!({ "reason": "nochmal" }),
            )
            .await;
        assert_eq!(
            (status, problem["type"].as_str().unwrap()),
            (409, "/problems/not-allowed")
        );
        let (status, problem) = clerk
            .post(
                &app,
                &report_path(&id, "status"),
                json!({ "status": "closed" }),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str().unwrap()),
            (400, "reason")
        );
        let (status, problem) = clerk
            .post(
                &app,
                &report_path(&id, "status"),
                json!({ "status": "closed", "reason": "not_responsible" }),
            )
            .await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str().unwrap()),
            (400, "responsible")
        );
        let (status, refused) = clerk
            .post(
                &app,
                &report_path(&id, "status"),
                json!({ "status": "closed", "reason": "weather" }),
            )
            .await;
        assert_problem(status, &refused, 400, "invalid-parameter");

        // Resolved with the template answer, reopened with a reason, closed as not responsible.
        let (status, _) = clerk
            .post(
                &app,
                &report_path(&id, "status"),
                json!({ "status": "resolved" }),
            )
            .await;
        assert_eq!(status, 200);
        let (_, view) = app.get_json(&public).await;
        assert_eq!(view["light"], "green");
        assert!(
            view["history"]
                .to_string()
                .contains("Das gemeldete Problem ist behoben.")
        );
        let (status, _) = clerk
            .post(
                &app,
                &report_path(&id, "reopen"),
                json!({ "reason": "Laterne wieder dunkel" }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(app.get_json(&public).await.1["light"], "red");
        let (status, _) = clerk.post(&app, &report_path(&id, "status"), json!({ "status": "closed", "reason": "not_responsible", "responsible": "Stromnetz Berlin GmbH", "answer": "Die Laterne gehört Stromnetz Berlin." })).await;
        assert_eq!(status, 200);
        let (_, view) = app.get_json(&public).await;
        assert_eq!(view["light"], "yellow_green");
        assert_eq!(view["close_reason"]["reason"], "not_responsible");
        assert_eq!(view["close_reason"]["detail"], "Stromnetz Berlin GmbH");

        // Duplicates: a second report closes yellow-green and both link each other.
        let second = file_in_mitte(&app, "Lampe kaputt").await;
        clerk
            .send(
                &app,
                reqwest::Method::POST,
                &report_path(&second, "publish"),
                None,
            )
            .await;
        let (status, problem) = clerk
            .post(
                &app,
                &report_path(&second, "duplicate"),
                json!({ "of": second }),
            )
            .await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        let (status, dup) = clerk
            .post(
                &app,
                &report_path(&second, "duplicate"),
                json!({ "of": id }),
            )
            .await;
        assert_eq!(status, 200, "{dup}");
        let (_, view) = app.get_json(&format!("/api/v1/reports/{second}")).await;
        assert_eq!(view["close_reason"]["reason"], "duplicate");
        assert_eq!(view["close_reason"]["duplicate_of"], id);
        let (_, original) = app.get_json(&public).await;
        assert_eq!(original["duplicates"], json!([second]));

        // Category change is public; hiding takes the report off the public pages and the map.
        let (status, _) = clerk
            .put(
                &app,
                &report_path(&id, "category"),
                json!({ "category": "roads_paths" }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            app.get_json(&public).await.1["category"]["code"],
            "roads_paths"
        );
        let (status, refused) = clerk
            .put(
                &app,
                &report_path(&id, "category"),
                json!({ "category": "no_such_category" }),
            )
            .await;
        assert_problem(status, &refused, 422, "unknown-reference");
        let map = "/api/v1/reports.geojson?bbox=13.40,52.51,13.42,52.53&zoom=16";
        assert_eq!(
            app.get_json(map).await.1["features"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        let (status, _) = clerk
            .post(
                &app,
                &report_path(&id, "hide"),
                json!({ "reason": "Beleidigung im Text" }),
            )
            .await;
        assert_eq!(status, 200);
        refusal(app.get(&public).await, 404, "not-found").await;
        assert_eq!(
            app.get_json(map).await.1["features"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // The clerk still sees it, with the whole history, actors included.
        let (_, full) = clerk.get(&app, &report_path(&id, "")).await;
        let kinds: Vec<&str> = full["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "created",
            "description_edited",
            "published",
            "note",
            "status_changed",
            "reopened",
            "duplicate_linked",
            "category_changed",
            "hidden",
        ] {
            assert!(kinds.contains(&kind), "{kind} missing in {kinds:?}");
        }
        assert!(full["events"].to_string().contains("clerk@mitte.example"));

        // Forwarding: the public sees the chain, the clerk of Mitte no longer the report.
        let third = file_in_mitte(&app, "Ampel defekt").await;
        clerk
            .send(
                &app,
                reqwest::Method::POST,
                &report_path(&third, "publish"),
                None,
            )
            .await;
        let (status, refused) = clerk
            .post(
                &app,
                &report_path(&third, "forward"),
                json!({ "authority": "11000099", "reason": "x" }),
            )
            .await;
        assert_problem(status, &refused, 422, "unknown-reference");
        let (status, _) = clerk
            .post(
                &app,
                &report_path(&third, "forward"),
                json!({ "authority": KREUZBERG, "reason": "Straße gehört zu Kreuzberg" }),
            )
            .await;
        assert_eq!(status, 200);
        let (_, view) = app.get_json(&format!("/api/v1/reports/{third}")).await;
        assert_eq!(view["authority"]["key"], KREUZBERG);
        let chain: Vec<&str> = view["authority_chain"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap())
            .collect();
        assert_eq!(chain, [MITTE, KREUZBERG]);
        assert!(
            !view.to_string().contains("gehört zu Kreuzberg"),
            "the reason is internal"
        );
        assert_refused(
            &clerk.get(&app, &report_path(&third, "")).await,
            404,
            "not-found",
        );
        app.stop().await;
    }
);

both_backends!(photos_are_released_by_the_clerk, |backend| async move {
    let app = clerk_app(backend, |_| {}).await;
    let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    let (id, photo) = file_with_photo(&app).await;
    let (id, photo) = (id.as_str(), photo.as_str());
    clerk
        .send(
            &app,
            reqwest::Method::POST,
            &report_path(id, "publish"),
            None,
        )
        .await;
    let public = format!("/api/v1/reports/{id}");
    assert_eq!(app.get_json(&public).await.1["photos"], json!([]));
    refusal(
        app.get(&format!("/api/v1/photos/{photo}/thumb")).await,
        404,
        "not-found",
    )
    .await;
    let (status, view) = clerk
        .put(
            &app,
            &report_path(id, &format!("photos/{photo}")),
            json!({ "visible": true }),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(view["photos"][0]["visible"], true);
    assert_eq!(app.get_json(&public).await.1["photos"][0]["id"], photo);
    // Public photos are cached for an hour at most, then revalidated: 304 while public.
    let thumb = format!("{}/api/v1/photos/{photo}/thumb", app.address);
    let response = app.client.get(&thumb).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=3600, must-revalidate"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let revalidate = || app.client.get(&thumb).header("if-none-match", &etag).send();
    let unchanged = revalidate().await.unwrap();
    assert_eq!(unchanged.status().as_u16(), 304);
    assert_eq!(unchanged.headers()["etag"], etag.as_str());
    assert!(unchanged.bytes().await.unwrap().is_empty());
    let other_tag = app
        .client
        .get(&thumb)
        .header("if-none-match", "\"something-else\"")
        .send()
        .await
        .unwrap();
    assert_eq!(other_tag.status().as_u16(), 200);
    let (status, refused) = clerk
        .put(
            &app,
            &report_path(id, &format!("photos/{}", "0".repeat(64))),
            json!({ "visible": true }),
        )
        .await;
    assert_problem(status, &refused, 404, "not-found");
    clerk
        .put(
            &app,
            &report_path(id, &format!("photos/{photo}")),
            json!({ "visible": false }),
        )
        .await;
    refusal(
        app.get(&format!("/api/v1/photos/{photo}/thumb")).await,
        404,
        "not-found",
    )
    .await;
    // A cache revalidating its copy of the now hidden photo learns it is gone.
    refusal(revalidate().await.unwrap(), 404, "not-found").await;
    app.stop().await;
});

/// Moves a report's promise deadline into the past, as if it had been filed days ago.
async fn backdate_deadline(app: &TestApp, id: &str) {
    let store = buergerbuero::store::connect(app.database_url(), 1)
        .await
        .unwrap();
    drop(store);
    let past = chrono::Utc::now() - chrono::Duration::days(2);
    let id = uuid::Uuid::parse_str(id).unwrap();
    if app.database_url().starts_with("sqlite:") {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(app.database_url())
            .await
            .unwrap();
        sqlx::query("update reports set reaction_due_at = $1 where id = $2")
            .bind(past)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    } else {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(app.database_url())
            .await
            .unwrap();
        sqlx::query("update reports set reaction_due_at = $1 where id = $2")
            .bind(past)
            .bind(id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

both_backends!(
    the_service_promise_marks_late_reports_overdue,
    |backend| async move {
        let app = clerk_app(backend, |s| {
            s.moderation = buergerbuero::config::Moderation::Off
        })
        .await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let late = file_in_mitte(&app, "wartet zu lange").await;
        let fresh = file_in_mitte(&app, "gerade gemeldet").await;
        let (_, view) = app.get_json(&format!("/api/v1/reports/{fresh}")).await;
        let due = chrono::DateTime::parse_from_rfc3339(view["reaction_due_at"].as_str().unwrap())
            .unwrap();
        let days = (due.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
        // Three working days, ending at local midnight: at least 3 and, with weekends and
        // holidays, at most about 8 calendar days ahead.
        assert!((2.9..9.0).contains(&days), "{days}");
        assert_eq!(view["overdue"], false);
        backdate_deadline(&app, &late).await;
        let (_, view) = app.get_json(&format!("/api/v1/reports/{late}")).await;
        assert_eq!(view["overdue"], true);
        let (_, inbox) = clerk.get(&app, "/api/v1/admin/reports?overdue=true").await;
        let ids: Vec<&str> = inbox["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [late.as_str()]);
        assert_eq!(inbox["reports"][0]["overdue"], true);
        // A public answer on a published report is the first reaction: no longer overdue.
        clerk
            .post(
                &app,
                &report_path(&late, "answers"),
                json!({ "text": "Wir schauen es uns an." }),
            )
            .await;
        assert_eq!(
            app.get_json(&format!("/api/v1/reports/{late}")).await.1["overdue"],
            false
        );
        let (_, inbox) = clerk.get(&app, "/api/v1/admin/reports?overdue=true").await;
        assert_eq!(inbox["reports"], json!([]));
        app.stop().await;
    }
);

both_backends!(
    authority_statistics_are_withheld_below_the_minimum,
    |backend| async move {
        let app = clerk_app(backend, |s| {
            s.moderation = buergerbuero::config::Moderation::Off
        })
        .await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let mut ids = Vec::new();
        for i in 0..9 {
            ids.push(file_in_mitte(&app, &format!("Meldung {i}")).await);
        }
        let stats_path = format!("/api/v1/authorities/{MITTE}/stats");
        let (status, stats) = app.get_json(&stats_path).await;
        assert_eq!(status, 200);
        assert_eq!(stats["authority"]["key"], MITTE);
        assert_eq!(stats["stats"]["withheld"], true);
        assert!(stats["stats"]["figures"].is_null());
        ids.push(file_in_mitte(&app, "Meldung 9").await);
        for id in &ids[..3] {
            clerk
                .post(
                    &app,
                    &report_path(id, "status"),
                    json!({ "status": "in_progress" }),
                )
                .await;
        }
        for id in &ids[3..5] {
            clerk
                .post(
                    &app,
                    &report_path(id, "status"),
                    json!({ "status": "resolved" }),
                )
                .await;
        }
        clerk
            .post(
                &app,
                &report_path(&ids[5], "status"),
                json!({ "status": "closed", "reason": "private_property" }),
            )
            .await;
        backdate_deadline(&app, &ids[9]).await;
        let (_, stats) = app.get_json(&stats_path).await;
        assert_eq!(stats["stats"]["withheld"], false);
        let figures = &stats["stats"]["figures"];
        assert_eq!(
            figures["lights"],
            json!({ "red": 4, "yellow": 3, "green": 2, "yellow_green": 1 })
        );
        assert_eq!(figures["median_days_to_first_reaction"], 0.0);
        assert_eq!(figures["overdue_now"], 1);
        assert_eq!(figures["share_overdue"], 0.1);
        assert_eq!(stats["promise_working_days"], 3);
        refusal(
            app.get("/api/v1/authorities/11000099/stats").await,
            404,
            "not-found",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    admins_change_categories_and_routing_at_once,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let briesen = "/api/v1/jurisdiction?lat=52.33012&lon=14.26357";
        let authority = |view: &Value| view["authority"]["name"].as_str().unwrap().to_owned();
        let (_, view) = app
            .get_json(&format!("{briesen}&category=street_lighting"))
            .await;
        assert_eq!(authority(&view), "Amt Odervorland");
        // A Kreis rule sends street lighting in Oder-Spree to the Landkreis ...
        let rule = "/api/v1/admin/routing-rules/street_lighting/kreis/12067";
        let (status, body) = admin.put(&app, rule, json!({ "level": "kreis" })).await;
        assert_eq!(status, 200, "{body}");
        let (_, view) = app
            .get_json(&format!("{briesen}&category=street_lighting"))
            .await;
        assert_eq!(authority(&view), "Landkreis Oder-Spree");
        let (_, rules) = admin.get(&app, "/api/v1/admin/routing-rules").await;
        assert!(rules["rules"].to_string().contains("12067"));
        // ... until it is removed.
        assert_eq!(
            admin
                .send(&app, reqwest::Method::DELETE, rule, None)
                .await
                .0,
            204
        );
        assert_refused(
            &admin.send(&app, reqwest::Method::DELETE, rule, None).await,
            404,
            "not-found",
        );
        let (_, view) = app
            .get_json(&format!("{briesen}&category=street_lighting"))
            .await;
        assert_eq!(authority(&view), "Amt Odervorland");
        // Unknown Kreis, category or target authority.
        let (status, refused) = admin
            .put(
                &app,
                "/api/v1/admin/routing-rules/street_lighting/kreis/99999",
                json!({ "level": "kreis" }),
            )
            .await;
        assert_problem(status, &refused, 404, "not-found");
        let (status, refused) = admin
            .put(
                &app,
                "/api/v1/admin/routing-rules/no_such/state/BB",
                json!({ "level": "kreis" }),
            )
            .await;
        assert_problem(status, &refused, 404, "not-found");
        let (status, refused) = admin
            .put(
                &app,
                rule,
                json!({ "level": "authority", "authority": "BB-NOPE" }),
            )
            .await;
        assert_problem(status, &refused, 422, "unknown-reference");

        // A new category, routed to the Kreis, can be filed at once; deactivated, it cannot.
        let category = json!({ "name_de": "Radwege", "name_en": "Cycle paths", "group": "traffic", "routing": { "level": "kreis" }, "active": true, "sort_order": 15 });
        let (status, created) = admin
            .put(
                &app,
                "/api/v1/admin/categories/cycle_paths",
                category.clone(),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let (status, _) = admin
            .put(
                &app,
                "/api/v1/admin/categories/cycle_paths",
                category.clone(),
            )
            .await;
        assert_eq!(status, 200);
        let (_, view) = app
            .get_json(&format!("{briesen}&category=cycle_paths"))
            .await;
        assert_eq!(authority(&view), "Landkreis Oder-Spree");
        let (_, public) = app.get_json("/api/v1/categories").await;
        assert!(public.to_string().contains("cycle_paths"));
        let mut inactive = category.clone();
        inactive["active"] = json!(false);
        admin
            .put(&app, "/api/v1/admin/categories/cycle_paths", inactive)
            .await;
        let filed = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .json(&json!({ "category": "cycle_paths", "description": "Radweg kaputt", "lat": 52.33012, "lon": 14.26357 }))
        .send()
        .await
        .unwrap();
        refusal(filed, 422, "unknown-category").await;
        let (_, all) = admin.get(&app, "/api/v1/admin/categories").await;
        assert!(
            all.to_string().contains("cycle_paths"),
            "inactive ones are listed for admins"
        );
        let mut bad = category.clone();
        bad["name_de"] = json!("  ");
        assert_refused(
            &admin
                .put(&app, "/api/v1/admin/categories/cycle_paths", bad)
                .await,
            400,
            "invalid-parameter",
        );
        let (status, refused) = admin
            .put(&app, "/api/v1/admin/categories/Not-A-Code", category)
            .await;
        assert_problem(status, &refused, 400, "invalid-parameter");
        app.stop().await;
    }
);

both_backends!(admin_answers_are_never_cached, |backend| async move {
    let app = clerk_app(backend, |_| {}).await;
    app.create_account("clerk@mitte.example", PASSWORD, false, &[MITTE])
        .await;
    // The log-in answer carries the CSRF token; a refused log-in is private too.
    let (_, _, headers) = try_login(&app, "clerk@mitte.example", "wrong password!").await;
    assert_eq!(headers["cache-control"], "private, no-store");
    let (status, client, headers) = try_login(&app, "clerk@mitte.example", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(headers["cache-control"], "private, no-store");
    let client = client.unwrap();
    let id = file_in_mitte(&app, "Laterne aus").await;
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/admin/me".to_owned()),
        (reqwest::Method::GET, report_path(&id, "")),
        (reqwest::Method::GET, "/api/v1/admin/reports".to_owned()),
        (reqwest::Method::GET, "/api/v1/admin/tokens".to_owned()),
        (reqwest::Method::GET, "/api/v1/admin/accounts".to_owned()),
        (reqwest::Method::POST, report_path(&id, "publish")),
        (
            reqwest::Method::GET,
            "/api/v1/admin/no-such-route".to_owned(),
        ),
    ] {
        let response = client.request(&app, method.clone(), &path, None).await;
        assert_eq!(
            response.headers()["cache-control"],
            "private, no-store",
            "{method} {path}: {}",
            response.status()
        );
    }
    let anonymous = app.get("/api/v1/admin/me").await;
    assert_eq!(anonymous.headers()["cache-control"], "private, no-store");
    refusal(anonymous, 401, "unauthorized").await;
    // Public answers keep their own caching.
    let public = app.get("/api/v1/categories").await;
    assert_ne!(
        public
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("private, no-store")
    );
    app.stop().await;
});

both_backends!(
    a_form_encoded_log_in_is_told_to_send_json,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let response = app
            .client
            .post(format!("{}/api/v1/admin/login", app.address))
            .form(&[("email", "clerk@mitte.example"), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 415);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["type"], "/problems/unsupported-media-type");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("application/json"), "{detail}");
        assert!(
            !detail.contains("report"),
            "a log-in is no report: {detail}"
        );
        app.stop().await;
    }
);
