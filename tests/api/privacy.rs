//! Privacy self-service and retention (DSGVO Art. 17) on both backends: the removal link in
//! real mails (only for its own report and address), the reporter's key, the retention job
//! (after it the reporter's address is nowhere in the database and the report is still
//! public; reports not yet due are untouched; a second run changes nothing) and the
//! anonymisation of a long-deactivated clerk.

use chrono::{Duration, Utc};
use reqwest::Method;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{
    Backend, MITTE, MITTE_POINT, TestApp, TestDatabase, assert_refused, file_report, query_count,
    refused_login, sign_in,
};

/// A server that publishes at once and whose mail waits in the outbox until the test reads
/// or delivers it; `confirm`: reports with an address wait for their confirmation.
async fn privacy_app(backend: Backend, confirm: bool) -> TestApp {
    TestApp::spawn_delivering_on_demand(TestDatabase::new(backend), |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = if confirm {
            buergerbuero::config::EmailConfirmation::Required
        } else {
            buergerbuero::config::EmailConfirmation::Off
        };
        s.rate_limit.reports_per_hour = 0;
        // Each report gets a follower and a supporter from the one test client.
        s.rate_limit.follow_burst = 20;
    })
    .await
}

/// Files a report in Mitte by `email` (and `name`); returns its id and reporter key.
async fn file(app: &TestApp, description: &str, email: &str, name: &str) -> (String, String) {
    let filed = file_report(
        app,
        json!({
            "category": "street_lighting",
            "description": description,
            "lat": MITTE_POINT.0,
            "lon": MITTE_POINT.1,
            "email": email,
            "name": name,
        }),
    )
    .await;
    (
        filed["id"].as_str().unwrap().to_owned(),
        filed["reporter_key"].as_str().unwrap().to_owned(),
    )
}

/// The secret of the link under `path` (e.g. `/mail/erase/`) in the newest mail of `kind`
/// to `to` about report `id` that waits in the outbox: the link as the mail carries it.
async fn link_secret(app: &TestApp, to: &str, kind: &str, id: &str, path: &str) -> String {
    let store = buergerbuero::store::connect(app.database_url(), 1)
        .await
        .unwrap();
    let mails = store.list_mail(Some("pending"), 1000).await.unwrap();
    let mail = mails
        .iter()
        .find(|m| {
            m.recipient == to
                && m.kind == kind
                && m.report_id.map(|r| r.to_string()).as_deref() == Some(id)
        })
        .unwrap_or_else(|| panic!("no pending {kind} mail to {to} about {id}"));
    let text = mail.body_text.as_deref().unwrap();
    // The HTML part carries the same link.
    let html = mail.body_html.as_deref().unwrap();
    let secret = text.split(path).nth(1).unwrap()[..64].to_owned();
    assert!(html.contains(&format!("{path}{secret}")), "{html}");
    secret
}

/// Opens a mail link's page (changes nothing) and presses its button; the button's answer. A
/// removal link's page also links the privacy notice.
async fn press(app: &TestApp, path: &str) -> (u16, String) {
    let url = format!("{}{path}", app.address);
    let page = app.client.get(&url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{path}");
    assert_eq!(page.headers()["cache-control"], "private, no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("<form method=\"post\">"), "{html}");
    if path.starts_with("/mail/erase/") {
        assert!(html.contains("href=\"/datenschutz.html\""), "{html}");
    }
    let done = app.client.post(&url).send().await.unwrap();
    (done.status().as_u16(), done.text().await.unwrap())
}

/// How many rows of `sql`'s count query the app's database has.
pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    query_count(app.database_url(), app.backend(), sql).await
}

/// Every `table.column` of the database whose text contains `needle`: all tables of the
/// schema (`move_data::TABLES`, which a test keeps complete), every column read as text.
pub(crate) async fn occurrences(app: &TestApp, needle: &str) -> Vec<String> {
    let (url, backend) = (app.database_url(), app.backend());
    let mut found = Vec::new();
    for table in buergerbuero::store::move_data::TABLES {
        let columns_sql = match backend {
            Backend::Sqlite => format!("select name from pragma_table_info('{table}')"),
            Backend::Postgres => format!(
                "select column_name::text from information_schema.columns
                 where table_schema = current_schema() and table_name = '{table}'"
            ),
        };
        let columns: Vec<String> = match backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(url).await.unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(columns_sql.clone()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                rows.into_iter().map(|(c,)| c).collect()
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(columns_sql.clone()))
                    .fetch_all(&pool)
                    .await
                    .unwrap();
                pool.close().await;
                rows.into_iter().map(|(c,)| c).collect()
            }
        };
        assert!(!columns.is_empty(), "{table} has no columns");
        for column in columns {
            let sql = format!(
                "select count(*) from {table} where cast({column} as text) like '%{needle}%'"
            );
            if query_count(url, backend, &sql).await > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

both_backends!(
    the_removal_link_in_a_mail_erases_its_own_contact_only,
    |backend| async move {
        let app = privacy_app(backend, true).await;
        // Two reports by one address; the first also has a follower.
        let (first, _) = file(&app, "Laterne eins", "anna@example.org", "Anna Privat").await;
        file(&app, "Laterne zwei", "anna@example.org", "Anna Privat").await;

        // The confirmation mail carries a removal link too; confirm the first report.
        let confirm = link_secret(
            &app,
            "anna@example.org",
            "confirm_report",
            &first,
            "/mail/confirm/",
        )
        .await;
        let (status, _) = press(&app, &format!("/mail/confirm/{confirm}")).await;
        assert_eq!(status, 200);
        let response = app
            .client
            .post(format!("{}/api/v1/reports/{first}/followers", app.address))
            .json(&json!({ "email": "bert@example.org" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
        let follow = link_secret(
            &app,
            "bert@example.org",
            "confirm_follow",
            &first,
            "/mail/confirm/",
        )
        .await;
        assert_eq!(press(&app, &format!("/mail/confirm/{follow}")).await.0, 200);

        // Anna leaves the first report through the link in her receipt.
        let erase = link_secret(&app, "anna@example.org", "receipt", &first, "/mail/erase/").await;
        // Opening the page changes nothing; a link of another purpose is no removal link.
        let unsubscribe = link_secret(
            &app,
            "anna@example.org",
            "receipt",
            &first,
            "/mail/unsubscribe/",
        )
        .await;
        let status = app.get(&format!("/mail/erase/{erase}")).await.status();
        assert_eq!(status.as_u16(), 200);
        assert_eq!(
            count(
                &app,
                "select count(*) from reports where reporter_email is not null"
            )
            .await,
            2
        );
        let wrong = app
            .client
            .post(format!("{}/mail/erase/{unsubscribe}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status().as_u16(), 404);
        let (status, page) = press(&app, &format!("/mail/erase/{erase}")).await;
        assert_eq!(status, 200, "{page}");
        assert!(page.contains("Daten gelöscht"), "{page}");
        assert!(page.contains(&format!("/report.html?id={first}")), "{page}");

        // Her address and name left the first report, its follower row, mails and tokens;
        // the second report still has them, and Bert still follows the first.
        let first_row = "(select id from reports where description = 'Laterne eins')";
        for (sql, expected) in [
            (
                "select count(*) from reports where description = 'Laterne eins'
                   and reporter_email is null and reporter_name is null"
                    .to_owned(),
                1,
            ),
            (
                "select count(*) from reports where description = 'Laterne zwei'
                   and reporter_email = 'anna@example.org' and reporter_name = 'Anna Privat'"
                    .to_owned(),
                1,
            ),
            (
                format!(
                    "select count(*) from report_followers where report_id = {first_row}
                       and email = 'anna@example.org'"
                ),
                0,
            ),
            (
                format!(
                    "select count(*) from report_followers where report_id = {first_row}
                       and email = 'bert@example.org'"
                ),
                1,
            ),
            (
                format!(
                    "select count(*) from outbox where report_id = {first_row}
                       and recipient = 'anna@example.org'"
                ),
                0,
            ),
            (
                "select count(*) from outbox where recipient = 'anna@example.org'".to_owned(),
                1,
            ),
            (
                format!(
                    "select count(*) from report_events where report_id = {first_row}
                       and kind = 'contact_erased' and actor = 'reporter' and not public
                       and body is null"
                ),
                1,
            ),
            // Only the used removal link's token is left of hers (it says "done already").
            (
                format!(
                    "select count(*) from mail_tokens where report_id = {first_row}
                       and (follower_id is null or follower_id not in
                         (select id from report_followers where email = 'bert@example.org'))"
                ),
                1,
            ),
        ] {
            assert_eq!(count(&app, &sql).await, expected, "{sql}");
        }
        // The report stays public with its history; a second press says it is done.
        let (status, view) = app.get_json(&format!("/api/v1/reports/{first}")).await;
        assert_eq!(status, 200);
        assert_eq!(view["history"][0]["kind"], "created");
        let again = app
            .client
            .post(format!("{}/mail/erase/{erase}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 200);
        assert!(again.text().await.unwrap().contains("schon"));

        // Bert leaves too, through the link in his confirmation mail.
        let erase = link_secret(
            &app,
            "bert@example.org",
            "confirm_follow",
            &first,
            "/mail/erase/",
        )
        .await;
        assert_eq!(press(&app, &format!("/mail/erase/{erase}")).await.0, 200);
        assert_eq!(
            count(
                &app,
                "select count(*) from report_followers where email = 'bert@example.org'"
            )
            .await,
            0
        );
        assert!(occurrences(&app, "bert@example.org").await.is_empty());
        assert_eq!(
            count(&app, "select count(*) from report_events where kind = 'contact_erased' and actor = 'follower'").await,
            1
        );

        // Unknown and malformed removal links are refused.
        for path in [
            format!("/mail/erase/{}", "c".repeat(64)),
            "/mail/erase/short".to_owned(),
        ] {
            let answer = app
                .client
                .post(format!("{}{path}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 404, "{path}");
        }
        // The second report's mails still go out.
        app.deliver_pending().await;
        app.assert_outbox_done().await;
    }
);

both_backends!(
    the_reporters_key_erases_the_reporters_contact,
    |backend| async move {
        let app = privacy_app(backend, false).await;
        let (id, key) = file(&app, "Laterne drei", "carla@example.org", "Carla Privat").await;
        let (other, other_key) =
            file(&app, "Laterne vier", "carla@example.org", "Carla Privat").await;
        let path = format!("/api/v1/reports/{id}/contact");
        // Without the report's own key: 404, nothing erased.
        for query in [String::new(), format!("?key={other_key}"), "?key=zz".into()] {
            let answer = app
                .client
                .delete(format!("{}{path}{query}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 404, "{query}");
        }
        assert_eq!(
            count(
                &app,
                "select count(*) from reports where reporter_email = 'carla@example.org'"
            )
            .await,
            2
        );
        for _ in 0..2 {
            let answer = app
                .client
                .delete(format!("{}{path}?key={key}", app.address))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status().as_u16(), 204);
            assert_eq!(answer.headers()["cache-control"], "private, no-store");
        }
        for (sql, expected) in [
            (
                "select count(*) from reports where description = 'Laterne drei'
                   and reporter_email is null and reporter_name is null",
                1,
            ),
            (
                "select count(*) from reports where reporter_email = 'carla@example.org'",
                1,
            ),
            (
                "select count(*) from report_followers where email = 'carla@example.org'",
                1,
            ),
            (
                "select count(*) from outbox where recipient = 'carla@example.org'",
                1,
            ),
            // The second DELETE found nothing left and wrote no second entry.
            (
                "select count(*) from report_events where kind = 'contact_erased'",
                1,
            ),
        ] {
            assert_eq!(count(&app, sql).await, expected, "{sql}");
        }
        assert_eq!(app.get_json(&format!("/api/v1/reports/{id}")).await.0, 200);
        assert_eq!(
            app.get_json(&format!("/api/v1/reports/{other}")).await.0,
            200
        );
        app.deliver_pending().await;
        app.assert_outbox_done().await;
    }
);

/// Runs the retention job once on the app's database, as `buergerbuero retention` does.
pub(crate) async fn retention(app: &TestApp) -> buergerbuero::privacy::retention::RetentionRun {
    let store = buergerbuero::store::connect(app.database_url(), 2)
        .await
        .unwrap();
    buergerbuero::privacy::retention::run(&*store, 90, Utc::now())
        .await
        .unwrap()
}

both_backends!(
    after_retention_the_address_is_nowhere_and_the_report_still_public,
    |backend| async move {
        let app = privacy_app(backend, true).await;
        let clerk = sign_in(&app, "sachbearbeitung@mitte.example", false, &[MITTE]).await;
        // Due: closed 91 days ago, with a confirmed reporter, a follower, an internal note,
        // sent and unsent mails. Not due: closed 10 days ago, and open.
        let mut ids = Vec::new();
        for (text, email) in [
            ("Alte Laterne", "dora.alt@example.org"),
            ("Neue Laterne", "emil.neu@example.org"),
            ("Offene Laterne", "frida.offen@example.org"),
        ] {
            let (id, _) = file(&app, text, email, &format!("Name von {email}")).await;
            let secret = link_secret(&app, email, "confirm_report", &id, "/mail/confirm/").await;
            assert_eq!(press(&app, &format!("/mail/confirm/{secret}")).await.0, 200);
            let response = app
                .client
                .post(format!("{}/api/v1/reports/{id}/followers", app.address))
                .json(&json!({ "email": format!("folger.{email}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 202);
            let follow = link_secret(
                &app,
                &format!("folger.{email}"),
                "confirm_follow",
                &id,
                "/mail/confirm/",
            )
            .await;
            assert_eq!(press(&app, &format!("/mail/confirm/{follow}")).await.0, 200);
            // "Me too" with an address, confirmed.
            let response = app
                .client
                .post(format!("{}/api/v1/reports/{id}/supporters", app.address))
                .json(&json!({ "email": format!("fan.{email}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), 202);
            let support = link_secret(
                &app,
                &format!("fan.{email}"),
                "confirm_support",
                &id,
                "/mail/confirm/",
            )
            .await;
            assert_eq!(
                press(&app, &format!("/mail/confirm/{support}")).await.0,
                200
            );
            let (status, _) = clerk
                .post(
                    &app,
                    &format!("/api/v1/admin/reports/{id}/notes"),
                    json!({ "text": "Bauhof informiert" }),
                )
                .await;
            assert_eq!(status, 200);
            ids.push(id);
        }
        // Some mails are sent, the status mails of the two closed ones wait.
        app.deliver_pending().await;
        for id in &ids[..2] {
            let (status, answer) = clerk
                .post(
                    &app,
                    &format!("/api/v1/admin/reports/{id}/status"),
                    json!({ "status": "resolved", "answer": "Repariert." }),
                )
                .await;
            assert_eq!(status, 200, "{answer}");
        }
        let long_ago = Utc::now() - Duration::days(91);
        app.execute_sql_at(
            &["update reports set resolved_at = $1 where description = 'Alte Laterne'"],
            long_ago,
        )
        .await;
        app.execute_sql_at(
            &["update reports set resolved_at = $1 where description = 'Neue Laterne'"],
            Utc::now() - Duration::days(10),
        )
        .await;
        for needle in [
            "dora.alt@example.org",
            "Name von dora",
            "emil.neu@",
            "frida.offen@",
        ] {
            assert!(!occurrences(&app, needle).await.is_empty(), "{needle}");
        }

        let done = retention(&app).await;
        assert_eq!(done.reports, 1, "{done:?}");
        assert_eq!(done.erased.reporter_contacts, 1);
        assert_eq!(
            done.erased.followers, 3,
            "reporter, follower and the supporter's address"
        );
        assert_eq!(done.erased.note_authors, 1);
        assert!(
            done.erased.mails >= 4 && done.erased.tokens >= 4,
            "{done:?}"
        );

        // The due report's contacts are nowhere in the database, in no table or column.
        for needle in ["dora.alt@example.org", "Name von dora", "fan.dora.alt@"] {
            let found = occurrences(&app, needle).await;
            assert!(found.is_empty(), "{needle} still in {found:?}");
        }
        // The others are untouched.
        for needle in [
            "emil.neu@example.org",
            "Name von emil",
            "folger.emil.neu@",
            "fan.emil.neu@",
            "frida.offen@example.org",
            "folger.frida.offen@",
        ] {
            assert!(!occurrences(&app, needle).await.is_empty(), "{needle}");
        }
        // The note's author is a role now; the other notes keep theirs.
        assert_eq!(
            count(
                &app,
                "select count(*) from report_events where kind = 'note' and actor = 'clerk'"
            )
            .await,
            1
        );
        assert_eq!(
            count(&app, "select count(*) from report_events where kind = 'note' and actor = 'sachbearbeitung@mitte.example'").await,
            2
        );
        assert_eq!(
            count(&app, "select count(*) from report_events where kind = 'contact_erased' and actor = 'system' and not public").await,
            1
        );
        // The report is still public, green, with its public history and answer.
        let (status, view) = app.get_json(&format!("/api/v1/reports/{}", ids[0])).await;
        assert_eq!(status, 200);
        assert_eq!(view["light"], "green");
        assert!(view["history"].to_string().contains("Repariert."), "{view}");
        let (status, full) = clerk
            .get(&app, &format!("/api/v1/admin/reports/{}", ids[0]))
            .await;
        assert_eq!(status, 200);
        assert!(!full.to_string().contains("dora"), "{full}");

        // A second run changes nothing.
        let (revisions, events) = (
            count(
                &app,
                "select cast(coalesce(sum(revision), 0) as bigint) from reports",
            )
            .await,
            count(&app, "select count(*) from report_events").await,
        );
        let again = retention(&app).await;
        assert!(again.is_empty(), "{again:?}");
        assert_eq!(
            count(
                &app,
                "select cast(coalesce(sum(revision), 0) as bigint) from reports"
            )
            .await,
            revisions
        );
        assert_eq!(
            count(&app, "select count(*) from report_events").await,
            events
        );
        app.deliver_pending().await;
        app.assert_outbox_done().await;
    }
);

both_backends!(
    a_clerk_deactivated_for_the_retention_period_is_anonymised,
    |backend| async move {
        let app = privacy_app(backend, false).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk = sign_in(&app, "gehende.clerk@mitte.example", false, &[MITTE]).await;
        let stays = sign_in(&app, "bleibende.clerk@mitte.example", false, &[MITTE]).await;
        let (id, _) = file(&app, "Laterne fünf", "gina@example.org", "Gina").await;
        for (who, text) in [
            (&clerk, "Notiz der gehenden"),
            (&stays, "Notiz der bleibenden"),
        ] {
            let (status, _) = who
                .post(
                    &app,
                    &format!("/api/v1/admin/reports/{id}/notes"),
                    json!({ "text": text }),
                )
                .await;
            assert_eq!(status, 200);
        }
        let (status, _) = clerk
            .post(
                &app,
                &format!("/api/v1/admin/reports/{id}/status"),
                json!({ "status": "in_progress", "answer": "Wir sind dran." }),
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = clerk
            .post(&app, "/api/v1/admin/tokens", json!({ "name": "Tablet" }))
            .await;
        assert_eq!(status, 201);
        let (_, me) = clerk.get(&app, "/api/v1/admin/me").await;
        let account = format!("/api/v1/admin/accounts/{}", me["id"].as_str().unwrap());
        let patch = |active: bool| {
            let (admin, app, account) = (admin.clone(), &app, account.clone());
            async move {
                admin
                    .send(
                        app,
                        Method::PATCH,
                        &account,
                        Some(&json!({ "active": active })),
                    )
                    .await
            }
        };

        // Deactivated now: not due yet, but its clock runs.
        assert_eq!(patch(false).await.0, 200);
        let done = retention(&app).await;
        assert_eq!(done.accounts, 0, "{done:?}");
        assert_eq!(
            count(
                &app,
                "select count(*) from accounts where deactivated_at is not null"
            )
            .await,
            1
        );
        // Reactivation stops the clock; deactivation starts it again.
        assert_eq!(patch(true).await.0, 200);
        assert_eq!(
            count(
                &app,
                "select count(*) from accounts where deactivated_at is not null"
            )
            .await,
            0
        );
        assert_eq!(patch(false).await.0, 200);
        app.execute_sql_at(
            &["update accounts set deactivated_at = $1 where email = 'gehende.clerk@mitte.example'"],
            Utc::now() - Duration::days(91),
        )
        .await;
        let done = retention(&app).await;
        assert_eq!(done.accounts, 1, "{done:?}");
        // Its note and its status change with the answer.
        assert!(done.account_events >= 2, "{done:?}");

        let found = occurrences(&app, "gehende.clerk").await;
        assert!(found.is_empty(), "the clerk's email is still in {found:?}");
        assert_eq!(
            count(
                &app,
                "select count(*) from accounts where email like 'anonymised-%@accounts.invalid'
                           and display_name = 'Anonymisiertes Konto' and anonymised_at is not null"
            )
            .await,
            1
        );
        assert_eq!(
            count(&app, "select count(*) from api_tokens").await
                + count(
                    &app,
                    "select count(*) from sessions where account_id in
                                 (select id from accounts where anonymised_at is not null)"
                )
                .await,
            0
        );
        // The other clerk's note names her still; the history keeps every event.
        assert_eq!(
            count(
                &app,
                "select count(*) from report_events where actor = 'bleibende.clerk@mitte.example'"
            )
            .await,
            1
        );
        // No way back in: no log-in with the old address, no reactivation.
        assert_refused(
            &refused_login(
                &app,
                "gehende.clerk@mitte.example",
                crate::helpers::PASSWORD,
            )
            .await,
            401,
            "unauthorized",
        );
        assert_refused(&patch(true).await, 409, "not-allowed");
        // The report is untouched by it: still public with the answer.
        let (status, view) = app.get_json(&format!("/api/v1/reports/{id}")).await;
        assert_eq!(status, 200);
        assert!(view.to_string().contains("Wir sind dran."));
        assert!(retention(&app).await.is_empty());
        app.deliver_pending().await;
        app.assert_outbox_done().await;
    }
);
