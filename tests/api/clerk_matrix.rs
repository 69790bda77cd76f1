//! Who may do what: every admin route × anonymous, a clerk of the report's authority, a clerk
//! of another authority and an admin, on both backends. Each attempt gets a fresh report in the
//! state the action needs, so only the role decides the answer; a refused attempt must leave
//! the report as it was.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Client, KREUZBERG, MITTE, TestApp, assert_problem, clerk_app, file_in_mitte, file_with_photo,
    refusal, sign_in,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    ClerkOfReport,
    ClerkElsewhere,
    Admin,
}

const ROLES: [Role; 4] = [
    Role::Anonymous,
    Role::ClerkOfReport,
    Role::ClerkElsewhere,
    Role::Admin,
];

/// The routes under test.
#[derive(Debug, Clone, Copy)]
enum Route {
    Inbox,
    GetReport,
    Publish,
    Hide,
    Description,
    Photo,
    PhotoFile,
    Status,
    Answer,
    Note,
    Forward,
    Duplicate,
    Category,
    Reopen,
    Me,
    ListTokens,
    CreateToken,
    ListTemplates,
    SetTemplate,
    ListAccounts,
    CreateAccount,
    UpdateAccount,
    SetContact,
    ListCategories,
    PutCategory,
    ListRules,
    PutRule,
    DeleteRule,
    ListMail,
}

const ROUTES: [Route; 29] = [
    Route::Inbox,
    Route::GetReport,
    Route::Publish,
    Route::Hide,
    Route::Description,
    Route::Photo,
    Route::PhotoFile,
    Route::Status,
    Route::Answer,
    Route::Note,
    Route::Forward,
    Route::Duplicate,
    Route::Category,
    Route::Reopen,
    Route::Me,
    Route::ListTokens,
    Route::CreateToken,
    Route::ListTemplates,
    Route::SetTemplate,
    Route::ListAccounts,
    Route::CreateAccount,
    Route::UpdateAccount,
    Route::SetContact,
    Route::ListCategories,
    Route::PutCategory,
    Route::ListRules,
    Route::PutRule,
    Route::DeleteRule,
    Route::ListMail,
];

/// What a route is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A report of Mitte: its clerk and admins may, the other clerk gets a 404.
    Report,
    /// The own account: every signed-in account may.
    Own,
    /// Admins only: clerks get a 403.
    AdminOnly,
}

fn kind(route: Route) -> Kind {
    match route {
        Route::Me | Route::ListTokens | Route::CreateToken | Route::ListTemplates => Kind::Own,
        Route::SetTemplate
        | Route::ListAccounts
        | Route::CreateAccount
        | Route::UpdateAccount
        | Route::SetContact
        | Route::ListCategories
        | Route::PutCategory
        | Route::ListRules
        | Route::PutRule
        | Route::DeleteRule
        | Route::ListMail => Kind::AdminOnly,
        _ => Kind::Report,
    }
}

/// Prepares a fresh report (if the route needs one) and returns the request and the report.
async fn prepare(
    app: &TestApp,
    admin: &Client,
    route: Route,
    n: usize,
) -> (Method, String, Option<Value>, Option<String>) {
    let report = if kind(route) == Kind::Report {
        Some(file_in_mitte(app, &format!("Matrix {n}")).await)
    } else {
        None
    };
    let id = report.clone().unwrap_or_default();
    let at = |action: &str| format!("/api/v1/admin/reports/{id}/{action}");
    let (method, path, body) = match route {
        Route::Inbox => (
            Method::GET,
            "/api/v1/admin/reports?limit=200".to_owned(),
            None,
        ),
        Route::GetReport => (Method::GET, format!("/api/v1/admin/reports/{id}"), None),
        Route::Publish => (Method::POST, at("publish"), None),
        Route::Hide => (Method::POST, at("hide"), Some(json!({}))),
        Route::Description => (
            Method::PUT,
            at("description"),
            Some(json!({ "description": "bereinigt" })),
        ),
        Route::Photo => {
            let (photo_report, photo) = file_with_photo(app).await;
            return (
                Method::PUT,
                format!("/api/v1/admin/reports/{photo_report}/photos/{photo}"),
                Some(json!({ "visible": true })),
                Some(photo_report),
            );
        }
        Route::PhotoFile => {
            // Hidden under moderation: the public cannot see it, the report's clerks can.
            let (photo_report, photo) = file_with_photo(app).await;
            let public = app.get(&format!("/api/v1/photos/{photo}/thumb")).await;
            refusal(public, 404, "not-found").await;
            return (
                Method::GET,
                format!("/api/v1/admin/reports/{photo_report}/photos/{photo}/thumb"),
                None,
                Some(photo_report),
            );
        }
        Route::Status => (
            Method::POST,
            at("status"),
            Some(json!({ "status": "in_progress" })),
        ),
        Route::Answer => (
            Method::POST,
            at("answers"),
            Some(json!({ "text": "Danke!" })),
        ),
        Route::Note => (Method::POST, at("notes"), Some(json!({ "text": "intern" }))),
        Route::Forward => (
            Method::POST,
            at("forward"),
            Some(json!({ "authority": KREUZBERG, "reason": "zuständig" })),
        ),
        Route::Duplicate => {
            // The original must be public: a duplicate links to it on the public page.
            let original = file_in_mitte(app, "Original").await;
            let (status, _) = admin
                .send(
                    app,
                    Method::POST,
                    &format!("/api/v1/admin/reports/{original}/publish"),
                    None,
                )
                .await;
            assert_eq!(status, 200);
            (
                Method::POST,
                at("duplicate"),
                Some(json!({ "of": original })),
            )
        }
        Route::Category => (
            Method::PUT,
            at("category"),
            Some(json!({ "category": "roads_paths" })),
        ),
        Route::Reopen => {
            let (status, _) = admin
                .post(app, &at("status"), json!({ "status": "resolved" }))
                .await;
            assert_eq!(status, 200);
            (
                Method::POST,
                at("reopen"),
                Some(json!({ "reason": "wieder kaputt" })),
            )
        }
        Route::Me => (Method::GET, "/api/v1/admin/me".into(), None),
        Route::ListTokens => (Method::GET, "/api/v1/admin/tokens".into(), None),
        Route::CreateToken => (
            Method::POST,
            "/api/v1/admin/tokens".into(),
            Some(json!({ "name": "Skript" })),
        ),
        Route::ListTemplates => (Method::GET, "/api/v1/admin/answer-templates".into(), None),
        Route::SetTemplate => (
            Method::PUT,
            "/api/v1/admin/answer-templates/resolved/de".into(),
            Some(json!({ "body": "Erledigt." })),
        ),
        Route::ListAccounts => (Method::GET, "/api/v1/admin/accounts".into(), None),
        Route::CreateAccount => (
            Method::POST,
            "/api/v1/admin/accounts".into(),
            Some(json!({ "email": format!("new{n}@example.org"), "authorities": [MITTE] })),
        ),
        Route::UpdateAccount => {
            let (_, accounts) = admin.get(app, "/api/v1/admin/accounts").await;
            let target = accounts["accounts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["email"] == "b@kreuzberg.example")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            (
                Method::PATCH,
                format!("/api/v1/admin/accounts/{target}"),
                Some(json!({ "display_name": format!("B {n}") })),
            )
        }
        Route::ListCategories => (Method::GET, "/api/v1/admin/categories".into(), None),
        Route::ListMail => (Method::GET, "/api/v1/admin/mail?state=dead".into(), None),
        Route::PutCategory => (
            Method::PUT,
            "/api/v1/admin/categories/street_lighting".into(),
            Some(
                json!({ "name_de": "Straßenbeleuchtung", "name_en": "Street lighting", "group": "traffic", "routing": { "level": "municipal" }, "active": true, "sort_order": 20 }),
            ),
        ),
        Route::ListRules => (Method::GET, "/api/v1/admin/routing-rules".into(), None),
        Route::PutRule => (
            Method::PUT,
            "/api/v1/admin/routing-rules/graffiti_vandalism/kreis/12067".into(),
            Some(json!({ "level": "kreis" })),
        ),
        Route::DeleteRule => {
            let path = "/api/v1/admin/routing-rules/graffiti_vandalism/kreis/12067";
            let (status, _) = admin.put(app, path, json!({ "level": "kreis" })).await;
            assert_eq!(status, 200);
            (Method::DELETE, path.into(), None)
        }
        Route::SetContact => (
            Method::PUT,
            format!("/api/v1/admin/authorities/{MITTE}/contact"),
            Some(json!({ "email": "meldungen@mitte.example" })),
        ),
    };
    (method, path, body, report)
}

fn expected(route: Route, role: Role) -> u16 {
    let success = match route {
        Route::CreateToken | Route::CreateAccount => 201,
        Route::DeleteRule => 204,
        _ => 200,
    };
    match (role, kind(route)) {
        (Role::Anonymous, _) => 401,
        (Role::Admin, _) => success,
        (_, Kind::Own) => success,
        (_, Kind::AdminOnly) => 403,
        (Role::ClerkOfReport, Kind::Report) => success,
        // The inbox is a list: the other clerk gets it, without the report (checked below).
        (Role::ClerkElsewhere, Kind::Report) if matches!(route, Route::Inbox) => 200,
        (Role::ClerkElsewhere, Kind::Report) => 404,
    }
}

/// The refusal each refusing status of the matrix stands for.
fn refusal_kind(status: u16) -> &'static str {
    match status {
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not-found",
        other => panic!("the matrix expects no refusal {other}"),
    }
}

both_backends!(every_role_on_every_admin_route, |backend| async move {
    let app = clerk_app(backend, |_| {}).await;
    let admin = sign_in(&app, "admin@example.org", true, &[]).await;
    let clerk_a = sign_in(&app, "a@mitte.example", false, &[MITTE]).await;
    let clerk_b = sign_in(&app, "b@kreuzberg.example", false, &[KREUZBERG]).await;
    let mut n = 0;
    for route in ROUTES {
        for role in ROLES {
            n += 1;
            let (method, path, body, report) = prepare(&app, &admin, route, n).await;
            let before = match &report {
                Some(id) => Some(
                    admin
                        .get(&app, &format!("/api/v1/admin/reports/{id}"))
                        .await
                        .1,
                ),
                None => None,
            };
            let client = match role {
                Role::Anonymous => Client::ANONYMOUS,
                Role::ClerkOfReport => clerk_a.clone(),
                Role::ClerkElsewhere => clerk_b.clone(),
                Role::Admin => admin.clone(),
            };
            let (status, answer) = client
                .send(&app, method.clone(), &path, body.as_ref())
                .await;
            let want = expected(route, role);
            assert_eq!(status, want, "{role:?} {method} {path}: {answer}");
            if status >= 400 {
                assert_eq!(answer["status"], status, "a problem document: {answer}");
                assert_problem(status, &answer, want, refusal_kind(want));
                if let (Some(id), Some(before)) = (&report, &before) {
                    let after = admin
                        .get(&app, &format!("/api/v1/admin/reports/{id}"))
                        .await
                        .1;
                    for field in [
                        "revision",
                        "events",
                        "photos",
                        "status",
                        "visibility",
                        "authority",
                    ] {
                        assert_eq!(
                            after[field], before[field],
                            "{role:?} {method} {path} changed {field}"
                        );
                    }
                }
            }
            if let (Route::Inbox, Some(id)) = (route, &report) {
                let listed = answer["reports"]
                    .as_array()
                    .map(|r| r.iter().any(|r| r["id"] == *id.as_str()));
                match role {
                    Role::ClerkOfReport | Role::Admin => assert_eq!(listed, Some(true), "{role:?}"),
                    Role::ClerkElsewhere => assert_eq!(listed, Some(false), "{role:?}"),
                    Role::Anonymous => {}
                }
            }
        }
    }
    app.stop().await;
});

/// Files a report in Mitte and, if asked, publishes it and hands it to `authority`.
async fn report_of(app: &TestApp, admin: &Client, authority: &str, publish: bool) -> String {
    let id = file_in_mitte(app, &format!("Bericht für {authority}")).await;
    if publish {
        let path = format!("/api/v1/admin/reports/{id}/publish");
        assert_eq!(admin.send(app, Method::POST, &path, None).await.0, 200);
    }
    if authority != MITTE {
        let path = format!("/api/v1/admin/reports/{id}/forward");
        let body = json!({ "authority": authority, "reason": "Test" });
        assert_eq!(admin.post(app, &path, body).await.0, 200);
    }
    id
}

both_backends!(
    a_second_report_id_must_be_one_the_clerk_may_see,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk_a = sign_in(&app, "a@mitte.example", false, &[MITTE]).await;
        let own = report_of(&app, &admin, MITTE, true).await;
        let duplicate = |of: &str| json!({ "of": of });
        let mark = format!("/api/v1/admin/reports/{own}/duplicate");

        // Every original the clerk may not name is answered like an id that does not exist.
        let nowhere = "0190a0b0-0000-7000-8000-000000000000";
        let (status, unknown) = clerk_a.post(&app, &mark, duplicate(nowhere)).await;
        assert_problem(status, &unknown, 422, "unknown-reference");
        let foreign_pending = report_of(&app, &admin, KREUZBERG, false).await;
        let foreign_published = report_of(&app, &admin, KREUZBERG, true).await;
        let own_pending = report_of(&app, &admin, MITTE, false).await;
        for target in [&foreign_pending, &foreign_published, &own_pending] {
            let before = admin
                .get(&app, &format!("/api/v1/admin/reports/{target}"))
                .await
                .1;
            let (status, problem) = clerk_a.post(&app, &mark, duplicate(target)).await;
            assert_problem(status, &problem, 422, "unknown-reference");
            for field in ["type", "title", "status"] {
                assert_eq!(problem[field], unknown[field], "{field}: {problem}");
            }
            assert_eq!(
                problem["detail"]
                    .as_str()
                    .unwrap()
                    .replace(target.as_str(), "ID"),
                unknown["detail"].as_str().unwrap().replace(nowhere, "ID"),
            );
            let after = admin
                .get(&app, &format!("/api/v1/admin/reports/{target}"))
                .await
                .1;
            assert_eq!(after, before, "the other report is untouched");
        }
        let (_, own_view) = admin
            .get(&app, &format!("/api/v1/admin/reports/{own}"))
            .await;
        assert_eq!(
            own_view["status"], "open",
            "the clerk's report is untouched"
        );

        // A published report of the clerk's own authority is a valid original; an admin may
        // link a published report of any authority.
        let own_original = report_of(&app, &admin, MITTE, true).await;
        let (status, answer) = clerk_a.post(&app, &mark, duplicate(&own_original)).await;
        assert_eq!(status, 200, "{answer}");
        let another = report_of(&app, &admin, MITTE, true).await;
        let path = format!("/api/v1/admin/reports/{another}/duplicate");
        let (status, answer) = admin.post(&app, &path, duplicate(&foreign_published)).await;
        assert_eq!(status, 200, "{answer}");
        app.stop().await;
    }
);
