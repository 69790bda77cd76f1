//! `buergerbuero move-data`: a SQLite installation with a row in every table, made through the
//! real service, moves into a new PostgreSQL database with the real binary; both databases
//! then hold the same rows, a service on PostgreSQL carries on where the SQLite one stopped,
//! and a second move into the now filled database is refused without writing anything.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Arc;

use buergerbuero::auth::Actor;
use buergerbuero::auth::reporter_key::ReporterKeys;
use buergerbuero::domain::{Action, Event, Report, ReportId};
use buergerbuero::jurisdiction::JurisdictionHandle;
use buergerbuero::map::MapLayer;
use buergerbuero::notify::compose::Composer;
use buergerbuero::store::move_data::{MAX_BATCH_ROWS, TABLES};
use buergerbuero::store::reports::BBox;
use buergerbuero::store::*;
use buergerbuero::workflow::{WorkflowContext, act};
use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{
    Backend, Client, KREUZBERG, MITTE, MITTE_POINT, PASSWORD, Scratch, TestApp, TestDatabase,
    file_report, file_with_photo, run_blocking, sign_in, try_login,
};

/// The tables of a migrated database, without sqlx's bookkeeping (and SQLite's own).
async fn tables_of(db: &TestDatabase) -> BTreeSet<String> {
    let sql = match db.backend() {
        Backend::Sqlite => {
            "select name from sqlite_master where type = 'table'
               and name not like 'sqlite\\_%' escape '\\' and name <> '_sqlx_migrations'"
        }
        Backend::Postgres => {
            "select table_name::text from information_schema.tables
             where table_schema = current_schema() and table_type = 'BASE TABLE'
               and table_name <> '_sqlx_migrations'"
        }
    };
    let names: Vec<String> = match db.backend() {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&pool).await.unwrap()
        }
    };
    names.into_iter().collect()
}

/// Rows per table (`tables`), read from the database at `url`.
async fn counts(db: &TestDatabase, tables: &BTreeSet<String>) -> BTreeMap<String, i64> {
    let mut counts = BTreeMap::new();
    for table in tables {
        let sql = format!("select count(*) from {table}");
        let n = crate::helpers::query_count(&db.url, db.backend(), &sql).await;
        counts.insert(table.clone(), n);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_data_knows_every_table_of_both_schemas() {
    let listed: BTreeSet<String> = TABLES.iter().map(|t| t.to_string()).collect();
    assert_eq!(listed.len(), TABLES.len(), "a table is listed twice");
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let db = TestDatabase::new(backend);
        assert_eq!(
            tables_of(&db).await,
            listed,
            "{backend:?}: every table must be in store::move_data::TABLES"
        );
    }
}

/// `buergerbuero move-data --to URL` on the SQLite database at `source`, photos in `data`.
fn run_move_data(source: &TestDatabase, data: &Scratch, to: &str) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .args(["move-data", "--to", to])
        .env("BUERGERBUERO_DATABASE_URL", &source.url)
        .env("BUERGERBUERO_DATA_DIR", &data.0)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// The SQLite installation the test moves, and what it needs to check the move.
struct Source {
    db: TestDatabase,
    data: Scratch,
    admin: Client,
    clerk_email: String,
    token: String,
    open311_key: String,
    /// A published report with a photo, answered, followed, with a duplicate.
    photographed: String,
    photo: String,
    /// A pending report and the key of its reporter's link.
    pending: String,
    pending_key: String,
    /// Filed through Open311, still pending.
    open311_report: String,
}

/// Fills a SQLite installation through the real service: accounts, sessions, tokens, an
/// Open311 key and a filing with it, reports with a photo, an idempotency key and an address
/// waiting for confirmation, publishing, an answer, forwarding, a duplicate whose original
/// is the newer report, a follower, a routing rule, a contact address, sent and pending mail,
/// a failed log-in. Runs on a runtime of its own, so the server's background tasks (the map
/// fold) end with it and the file holds still afterwards.
async fn fill_sqlite_installation() -> Source {
    let app = TestApp::spawn_delivering_on_demand(TestDatabase::new(Backend::Sqlite), |s| {
        s.rate_limit.reports_per_hour = 0;
    })
    .await;
    let admin = sign_in(&app, "admin@example.org", true, &[]).await;
    let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    let (status, _, _) = try_login(&app, "nobody@example.org", "not the password").await;
    assert_ne!(status, 200);
    let (status, token) = admin
        .post(&app, "/api/v1/admin/tokens", json!({ "name": "Skript" }))
        .await;
    assert_eq!(status, 201, "{token}");
    let (status, key) = admin
        .post(
            &app,
            "/api/v1/admin/open311-keys",
            json!({ "name": "Stadt-App" }),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let open311_key = key["api_key"].as_str().unwrap().to_owned();
    // A webhook endpoint that cannot be reached: its deliveries stay in their table.
    let hook = json!({ "url": "https://apps.example.invalid/hook",
                       "event_types": ["report.published", "report.status_changed"] });
    let (status, endpoint) = admin.post(&app, "/api/v1/admin/webhooks", hook).await;
    assert_eq!(status, 201, "{endpoint}");
    let rule = "/api/v1/admin/routing-rules/street_lighting/kreis/12067";
    assert_eq!(
        admin.put(&app, rule, json!({ "level": "kreis" })).await.0,
        200
    );
    let contact = format!("/api/v1/admin/authorities/{MITTE}/contact");
    let body = json!({ "email": "maengel@mitte.example" });
    assert_eq!(admin.put(&app, &contact, body).await.0, 200);
    // Kreuzberg takes its reports through its own back office: the forward below writes a
    // delivery (to a port nobody listens on; it stays pending or retrying).
    let delivery = format!("/api/v1/admin/authorities/{KREUZBERG}/delivery");
    let body = json!({ "method": "open311", "url": "http://127.0.0.1:9/open311/v2",
                       "api_key": "kreuzberg-schluessel" });
    assert_eq!(admin.put(&app, &delivery, body).await.0, 200);
    let template = "/api/v1/admin/answer-templates/resolved/de";
    let body = json!({ "body": "Erledigt, danke." });
    assert_eq!(admin.put(&app, template, body).await.0, 200);

    // Filed first, so the report it duplicates is the newer one.
    let duplicate = file_report(
        &app,
        json!({ "category": "street_lighting", "description": "Lampe kaputt",
                "lat": MITTE_POINT.0, "lon": MITTE_POINT.1 }),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // More reports in between than one insert writes: the duplicate's row reaches PostgreSQL
    // in an earlier statement than its original's.
    for n in 0..MAX_BATCH_ROWS {
        file_report(
            &app,
            json!({ "category": "other", "description": format!("Meldung {n}"),
                    "lat": 53.6, "lon": 11.4 }),
        )
        .await;
    }
    let (photographed, photo) = file_with_photo(&app).await;
    let forwarded = file_report(
        &app,
        json!({ "category": "roads_paths", "description": "Schlagloch",
                "lat": 52.5100, "lon": 13.3900, "address": "Leipziger Straße 1" }),
    )
    .await;
    let forwarded_key = forwarded["reporter_key"].as_str().unwrap().to_owned();
    let forwarded = forwarded["id"].as_str().unwrap().to_owned();
    let response = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .header("Idempotency-Key", "move-data-1")
        .json(
            &json!({ "category": "green_trees", "description": "Ast abgebrochen",
                       "lat": 52.5300, "lon": 13.4000, "email": "erika@example.org",
                       "name": "Erika Mustermann" }),
        )
        .send()
        .await
        .unwrap();
    // Waits for its reporter's confirmation (and holds an idempotency key).
    assert_eq!(response.status().as_u16(), 201);
    // Waits for a clerk: only its reporter's link opens it.
    let pending = file_report(
        &app,
        json!({ "category": "playgrounds", "description": "Schaukel defekt",
                "lat": 52.5250, "lon": 13.4200 }),
    )
    .await;
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .form(&[
            ("api_key", open311_key.as_str()),
            ("service_code", "litter_dumping"),
            ("lat", "52.5150"),
            ("long", "13.4100"),
            ("description", "Sperrmüll am Straßenrand"),
            ("media_url", "https://example.org/sperrmuell.jpg"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let filed: Value = response.json().await.unwrap();
    // Under moderation the answer is a token (the report id), not yet a request id.
    let open311_report = filed[0]["token"].as_str().unwrap().to_owned();
    // Some mail goes out, the rest stays in the outbox.
    app.deliver_pending().await;

    let action = |id: &str, what: &str| format!("/api/v1/admin/reports/{id}/{what}");
    for id in [&photographed, &duplicate, &forwarded] {
        let (status, body) = clerk
            .send(&app, reqwest::Method::POST, &action(id, "publish"), None)
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let photo_path = format!("/api/v1/admin/reports/{photographed}/photos/{photo}");
    let (status, body) = clerk
        .put(&app, &photo_path, json!({ "visible": true }))
        .await;
    assert_eq!(status, 200, "{body}");
    let answer = json!({ "status": "in_progress", "answer": "Wir reparieren die Lampe." });
    let (status, body) = clerk
        .post(&app, &action(&photographed, "status"), answer)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = clerk
        .post(
            &app,
            &action(&duplicate, "duplicate"),
            json!({ "of": photographed }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let forward = json!({ "authority": KREUZBERG, "reason": "Zuständigkeit" });
    let (status, body) = admin
        .post(&app, &action(&forwarded, "forward"), forward)
        .await;
    assert_eq!(status, 200, "{body}");
    // Fixed, says Kreuzberg; not so, says its reporter (a citizen_feedback row).
    let resolve = json!({ "status": "resolved", "answer": "Ausgebessert." });
    let (status, body) = admin
        .post(&app, &action(&forwarded, "status"), resolve)
        .await;
    assert_eq!(status, 200, "{body}");
    let feedback = app
        .client
        .post(format!(
            "{}/api/v1/reports/{forwarded}/feedback",
            app.address
        ))
        .json(
            &json!({ "kind": "not_fixed", "text": "Das Loch ist noch da.", "key": forwarded_key }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(feedback.status().as_u16(), 201);
    let (status, body) = clerk
        .put(
            &app,
            &action(&photographed, "assignee"),
            json!({ "account": "me" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let follow = app
        .client
        .post(format!(
            "{}/api/v1/reports/{photographed}/followers",
            app.address
        ))
        .json(&json!({ "email": "fan@example.org", "language": "en" }))
        .send()
        .await
        .unwrap();
    assert_eq!(follow.status().as_u16(), 202);
    let alert = app
        .client
        .post(format!("{}/api/v1/alerts", app.address))
        .json(&json!({ "email": "fan@example.org", "area": MITTE, "category": "street_lighting" }))
        .send()
        .await
        .unwrap();
    assert_eq!(alert.status().as_u16(), 202);
    // "Me too", anonymous (a supporter row with the count on the report) and with an address.
    for body in [
        json!({}),
        json!({ "email": "fan@example.org", "follow": true }),
    ] {
        let support = app
            .client
            .post(format!(
                "{}/api/v1/reports/{photographed}/supporters",
                app.address
            ))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(support.status().is_success(), "{body}");
    }

    app.deliver_webhooks().await;
    let (db, data) = app.stop_keeping_data().await;
    Source {
        db,
        data,
        admin,
        clerk_email: "clerk@mitte.example".into(),
        token: token["token"].as_str().unwrap().to_owned(),
        open311_key,
        photographed,
        photo,
        pending: pending["id"].as_str().unwrap().to_owned(),
        pending_key: pending["reporter_key"].as_str().unwrap().to_owned(),
        open311_report,
    }
}

/// Folds the map counts the service appended, then has the admin publish the Open311 report
/// through the workflow (what the publish route runs): afterwards `report_cells` and
/// `report_cell_changes` both hold rows, whenever the service's own fold last ran.
async fn fold_and_publish(source: &Source) {
    let store = buergerbuero::store::connect(&source.db.url, 2)
        .await
        .unwrap();
    store.fold_cell_changes().await.unwrap();
    // A served SQLite installation counts rate limits in memory; its buckets' table moves all
    // the same (PostgreSQL instances share it), so it gets a row the way they write one.
    store
        .take_rate_token(
            "filing",
            "192.0.2.1",
            buergerbuero::store::rate_limits::BucketSize {
                capacity: 10,
                per_hour: 30,
            },
            chrono::Utc::now().timestamp_millis(),
        )
        .await
        .unwrap();
    let settings = buergerbuero::config::Settings {
        database_url: source.db.url.clone(),
        boundaries_dir: crate::helpers::boundaries_dir(),
        ..buergerbuero::config::Settings::default()
    };
    let engine = buergerbuero::startup::load_jurisdiction(&*store, &settings)
        .await
        .unwrap();
    let secret = store
        .installation_secret("reporter_keys", "unused")
        .await
        .unwrap();
    let ctx = WorkflowContext {
        store: store.clone(),
        jurisdiction: Arc::new(JurisdictionHandle::new(engine)),
        composer: Composer::new(
            &settings.public_url,
            ReporterKeys::new(secret.as_bytes()).unwrap(),
        ),
    };
    let admin = store
        .account_by_email("admin@example.org")
        .await
        .unwrap()
        .unwrap();
    let actor = Actor {
        id: admin.id,
        email: admin.email,
        display_name: admin.display_name,
        is_admin: true,
        authorities: Vec::new(),
    };
    let id = ReportId::from(source.open311_report.parse::<Uuid>().unwrap());
    act(&ctx, &actor, id, Action::Publish, Utc::now())
        .await
        .unwrap();
}

/// PostgreSQL keeps microseconds; SQLite keeps what chrono gave (nanoseconds).
fn micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

fn report_in_micros(mut report: Report) -> Report {
    let t = &mut report.timeline;
    t.created_at = micros(t.created_at);
    t.updated_at = micros(t.updated_at);
    t.status_changed_at = micros(t.status_changed_at);
    for at in [
        &mut t.opened_at,
        &mut t.reaction_due_at,
        &mut t.first_reaction_at,
        &mut t.resolved_at,
        &mut t.authority_since,
        &mut t.reopen_requested_at,
    ] {
        *at = at.map(micros);
    }
    report
}

fn events_in_micros(events: Vec<Event>) -> Vec<Event> {
    events
        .into_iter()
        .map(|e| Event {
            at: micros(e.at),
            ..e
        })
        .collect()
}

/// What a store answers about everything the installation holds, comparable across backends.
async fn read_through_store(store: &dyn Store, report_ids: &[Uuid]) -> Vec<String> {
    let mut seen = Vec::new();
    for &id in report_ids {
        let rid = ReportId::from(id);
        let report = store.get_report(rid).await.unwrap().unwrap();
        seen.push(format!("{:?}", report_in_micros(report)));
        let events = store.report_events(rid, false).await.unwrap();
        seen.push(format!("{:?}", events_in_micros(events)));
        seen.push(format!(
            "{:?}",
            store.report_photos(rid, false).await.unwrap()
        ));
        seen.push(format!("{:?}", store.duplicates_of(id).await.unwrap()));
        let followers = store.active_followers(id).await.unwrap();
        let followers: Vec<_> = followers
            .into_iter()
            .map(|f| (f.id, f.email, f.role, f.confirmed_at.map(micros)))
            .collect();
        seen.push(format!("{followers:?}"));
    }
    seen.push(format!("{:?}", store.list_authorities().await.unwrap()));
    seen.push(format!("{:?}", store.list_categories().await.unwrap()));
    seen.push(format!("{:?}", store.list_routing_rules().await.unwrap()));
    seen.push(format!(
        "{:?}",
        store.answer_templates().await.unwrap().len()
    ));
    let boundaries = store.load_boundaries().await.unwrap();
    seen.push(format!("{} areas", boundaries.len()));
    seen.push(format!(
        "{:?}",
        boundaries.first().map(|a| format!("{a:?}"))
    ));
    for account in store.list_accounts().await.unwrap() {
        let authorities = store.account_authorities(account.id).await.unwrap();
        let tokens: Vec<_> = store
            .list_tokens(account.id)
            .await
            .unwrap()
            .into_iter()
            .map(|t| (t.id, t.name, t.secret_hash))
            .collect();
        seen.push(format!(
            "{} {} {} {} {} {authorities:?} {tokens:?}",
            account.id,
            account.email,
            account.password_hash,
            account.is_admin,
            micros(account.password_changed_at)
        ));
    }
    for key in store.list_api_keys().await.unwrap() {
        seen.push(format!("{} {} {}", key.id, key.name, key.secret_hash));
    }
    for mail in store.list_mail(None, 1000).await.unwrap() {
        seen.push(format!(
            "{} {} {} {} {:?} {:?} {} {}",
            mail.id,
            mail.kind,
            mail.recipient,
            mail.state,
            mail.subject,
            mail.body_text,
            mail.attempts,
            micros(mail.next_attempt_at)
        ));
    }
    seen.push(
        store
            .installation_secret("reporter_keys", "not this one")
            .await
            .unwrap(),
    );
    seen
}

/// One zoom of the map: per cluster (or report) its count, counts per light and centroid.
type MapView = (u8, Vec<(i64, [i64; 4], f64, f64)>);

/// The public map at several zooms: clusters (counts exact, centroids to rounding, since the
/// two databases may add up in another order) or the reports themselves.
async fn map_views(store: &dyn Store) -> Vec<MapView> {
    let region = BBox {
        min_lon: 10.5,
        min_lat: 51.3,
        max_lon: 15.0,
        max_lat: 54.7,
    };
    let mut views = Vec::new();
    for zoom in [4, 7, 9, 11, 12, 13, 16] {
        let view = match buergerbuero::map::layer(store, region, zoom).await.unwrap() {
            MapLayer::Clusters(clusters) => clusters
                .into_iter()
                .map(|c| (c.count, c.per_light, c.lat, c.lon))
                .collect(),
            MapLayer::Points(reports) => reports
                .into_iter()
                .map(|r| (1, [0; 4], r.location.lat(), r.location.lon()))
                .collect(),
        };
        views.push((zoom, view));
    }
    views
}

fn assert_same_map(source: &[MapView], target: &[MapView]) {
    assert_eq!(source.len(), target.len());
    for ((zoom, a), (_, b)) in source.iter().zip(target) {
        assert_eq!(a.len(), b.len(), "zoom {zoom}: {a:?} / {b:?}");
        assert!(
            !a.is_empty(),
            "zoom {zoom}: the map shows the published reports"
        );
        for (x, y) in a.iter().zip(b) {
            assert_eq!((x.0, x.1), (y.0, y.1), "zoom {zoom}");
            assert!(
                (x.2 - y.2).abs() < 1e-9 && (x.3 - y.3).abs() < 1e-9,
                "zoom {zoom}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_data_copies_every_row_into_postgres_and_refuses_a_second_time() {
    let source = run_blocking(fill_sqlite_installation());
    fold_and_publish(&source).await;
    let tables = tables_of(&source.db).await;
    let before = counts(&source.db, &tables).await;
    for (table, n) in &before {
        assert!(*n > 0, "the source has no row in {table}: {before:?}");
    }

    // Into a database that is not even migrated: move-data migrates it.
    let target = TestDatabase::empty_postgres();
    let (ok, out, err) = run_move_data(&source.db, &source.data, &target.url);
    assert!(ok, "{err}");
    for table in TABLES {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(table))
            .unwrap_or_else(|| panic!("{table} is not in the report:\n{out}"));
        assert!(line.ends_with(&format!(" {}", before[*table])), "{line}");
    }
    assert!(out.contains("photo files were not moved"), "{out}");
    assert!(out.contains(&source.data.0.display().to_string()), "{out}");

    // The same rows on both sides, read back through the store.
    assert_eq!(counts(&target, &tables).await, before);
    assert_eq!(
        counts(&source.db, &tables).await,
        before,
        "the source is untouched"
    );
    let sqlite = buergerbuero::store::connect(&source.db.url, 2)
        .await
        .unwrap();
    let postgres = buergerbuero::store::connect(&target.url, 2).await.unwrap();
    let pool = sqlx::SqlitePool::connect(&source.db.url).await.unwrap();
    let report_ids: Vec<Uuid> = sqlx::query_scalar("select id from reports")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    assert_eq!(report_ids.len(), 6 + MAX_BATCH_ROWS);
    let on_sqlite = read_through_store(&*sqlite, &report_ids).await;
    let on_postgres = read_through_store(&*postgres, &report_ids).await;
    assert_eq!(on_sqlite.len(), on_postgres.len());
    for (a, b) in on_sqlite.iter().zip(&on_postgres) {
        assert_eq!(a, b);
    }
    assert_same_map(&map_views(&*sqlite).await, &map_views(&*postgres).await);
    drop((sqlite, postgres));

    // Again into the now filled database: refused, and nothing changes.
    let (ok, out, err) = run_move_data(&source.db, &source.data, &target.url);
    assert!(!ok, "{out}");
    assert!(err.contains("not empty"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(
        err.trim()
            .lines()
            .last()
            .map(|l| l.starts_with("buergerbuero:")),
        Some(true),
        "{err}"
    );
    assert_eq!(counts(&target, &tables).await, before);

    // A service on PostgreSQL, with the photos where they were, carries on.
    let app = TestApp::spawn_with(target, |s| {
        s.photos_url = Some(format!("file://{}", source.data.0.display()));
    })
    .await;
    let (status, report) = app
        .get_json(&format!("/api/v1/reports/{}", source.photographed))
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "in_progress");
    assert_eq!(report["photos"][0]["id"], source.photo.as_str());
    let photo = app
        .get(&format!("/api/v1/photos/{}/web", source.photo))
        .await;
    assert_eq!(photo.status().as_u16(), 200);
    assert!(!photo.bytes().await.unwrap().is_empty());
    // The reporter's link: the installation secret moved with the rows.
    let (status, _) = app
        .get_json(&format!(
            "/api/v1/reports/{}?key={}",
            source.pending, source.pending_key
        ))
        .await;
    assert_eq!(status, 200);
    // The clerk logs in with the same password; the admin's session and token still work.
    let (status, clerk, _) = try_login(&app, &source.clerk_email, PASSWORD).await;
    assert_eq!(status, 200);
    let clerk = clerk.unwrap();
    assert_eq!(source.admin.get(&app, "/api/v1/admin/me").await.0, 200);
    let bearer = Client {
        bearer: Some(source.token.clone()),
        ..Client::ANONYMOUS
    };
    assert_eq!(bearer.get(&app, "/api/v1/admin/reports").await.0, 200);
    // New rows take ids after the copied ones (the identity sequences moved on): an event
    // and a routing rule.
    let (status, body) = clerk
        .post(
            &app,
            &format!("/api/v1/admin/reports/{}/status", source.photographed),
            json!({ "status": "resolved", "answer": "Repariert." }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let rule = "/api/v1/admin/routing-rules/street_lighting/kreis/12064";
    let (status, body) = source
        .admin
        .put(&app, rule, json!({ "level": "kreis" }))
        .await;
    assert_eq!(status, 200, "{body}");
    // Open311 clients file with their key as before.
    let response = app
        .client
        .post(format!("{}/open311/v2/requests.json", app.address))
        .form(&[
            ("api_key", source.open311_key.as_str()),
            ("service_code", "street_lighting"),
            ("lat", "52.5219"),
            ("long", "13.4132"),
            ("description", "Laterne aus"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    app.stop().await;
}
