//! The lifecycle of sessions and API tokens, on both backends: a password change ends the
//! account's other sessions and every token, deactivation ends all of them for good, and
//! only a signed-in person (a cookie session) can mint a token — never a token itself.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Client, MITTE, PASSWORD, TestApp, assert_refused, clerk_app, refused_login, sign_in, try_login,
};

/// Mints a token with `session`; returns its id and a client that sends it.
async fn mint(app: &TestApp, session: &Client, name: &str) -> (String, Client) {
    let (status, created) = session
        .post(app, "/api/v1/admin/tokens", json!({ "name": name }))
        .await;
    assert_eq!(status, 201, "{created}");
    let bearer = Client {
        bearer: Some(created["token"].as_str().unwrap().to_owned()),
        ..Client::ANONYMOUS
    };
    (created["id"].as_str().unwrap().to_owned(), bearer)
}

both_backends!(
    a_password_change_ends_other_sessions_and_every_token,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let first = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let second = try_login(&app, "clerk@mitte.example", PASSWORD)
            .await
            .1
            .unwrap();
        let (_, tablet) = mint(&app, &first, "Tablet").await;
        let (_, script) = mint(&app, &second, "Skript").await;
        assert_eq!(tablet.get(&app, "/api/v1/admin/me").await.0, 200);
        let (status, answer) = first
            .post(
                &app,
                "/api/v1/admin/password",
                json!({ "current_password": PASSWORD, "new_password": "a much better password" }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({ "sessions_ended": 1, "tokens_revoked": 2 }));
        // The session that changed it goes on; every other way in has ended.
        assert_eq!(first.get(&app, "/api/v1/admin/me").await.0, 200);
        assert_refused(
            &second.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &tablet.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &script.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        let (_, list) = first.get(&app, "/api/v1/admin/tokens").await;
        let tokens = list["tokens"].as_array().unwrap();
        assert_eq!(tokens.len(), 2);
        for token in tokens {
            assert!(!token["revoked_at"].is_null(), "{list}");
        }
        // A token minted after the change works.
        let (_, fresh) = mint(&app, &first, "Neu").await;
        assert_eq!(fresh.get(&app, "/api/v1/admin/me").await.0, 200);
        app.stop().await;
    }
);

both_backends!(
    a_password_change_with_a_token_ends_that_token_too,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let session = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (_, bearer) = mint(&app, &session, "Skript").await;
        let (status, answer) = bearer
            .post(
                &app,
                "/api/v1/admin/password",
                json!({ "current_password": PASSWORD, "new_password": "a much better password" }),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer, json!({ "sessions_ended": 1, "tokens_revoked": 1 }));
        assert_refused(
            &bearer.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &session.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        app.stop().await;
    }
);

both_backends!(
    deactivation_ends_sessions_and_tokens_for_good,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (_, bearer) = mint(&app, &clerk, "Tablet").await;
        let (_, me) = clerk.get(&app, "/api/v1/admin/me").await;
        let account = format!("/api/v1/admin/accounts/{}", me["id"].as_str().unwrap());
        let patch = |active: bool| {
            let admin = admin.clone();
            let (app, account) = (&app, account.clone());
            async move {
                admin
                    .send(
                        app,
                        reqwest::Method::PATCH,
                        &account,
                        Some(&json!({ "active": active })),
                    )
                    .await
            }
        };
        let (status, answer) = patch(false).await;
        assert_eq!((status, &answer["active"]), (200, &Value::Bool(false)));
        assert_refused(
            &bearer.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &clerk.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &refused_login(&app, "clerk@mitte.example", PASSWORD).await,
            401,
            "unauthorized",
        );
        // Reactivated, the account signs in afresh; what it had before stays ended.
        let (status, _) = patch(true).await;
        assert_eq!(status, 200);
        assert_refused(
            &bearer.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        assert_refused(
            &clerk.get(&app, "/api/v1/admin/me").await,
            401,
            "unauthorized",
        );
        let again = try_login(&app, "clerk@mitte.example", PASSWORD)
            .await
            .1
            .unwrap();
        let (_, list) = again.get(&app, "/api/v1/admin/tokens").await;
        assert!(!list["tokens"][0]["revoked_at"].is_null(), "{list}");
        app.stop().await;
    }
);

both_backends!(a_token_cannot_mint_tokens, |backend| async move {
    let app = clerk_app(backend, |_| {}).await;
    let session = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    let (_, bearer) = mint(&app, &session, "Tablet").await;
    let response = bearer
        .request(
            &app,
            reqwest::Method::POST,
            "/api/v1/admin/tokens",
            Some(&json!({ "name": "Kind" })),
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/forbidden");
    assert!(!problem["detail_de"].as_str().unwrap().is_empty());
    // Nothing was minted; the token itself still works.
    let (_, list) = session.get(&app, "/api/v1/admin/tokens").await;
    assert_eq!(list["tokens"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(bearer.get(&app, "/api/v1/admin/me").await.0, 200);
    app.stop().await;
});
