//! Clerk and admin accounts: creating them, logging in, and a client that sends their
//! requests with the session cookie and CSRF token (or an API token).

use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};

use super::TestApp;

/// Bezirksamt Mitte's authority key.
pub const MITTE: &str = "11000001";
/// Bezirksamt Friedrichshain-Kreuzberg's authority key.
pub const KREUZBERG: &str = "11000002";
/// The password of every account the tests create.
pub const PASSWORD: &str = "correct horse battery";

/// A signed-in client: the session cookie and its CSRF token, or an API token.
#[derive(Clone, Debug)]
pub struct Client {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub const ANONYMOUS: Client = Client {
        cookie: None,
        csrf: None,
        bearer: None,
    };

    pub async fn request(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut request = app.client.request(method, format!("{}{path}", app.address));
        if let Some(cookie) = &self.cookie {
            request = request.header(COOKIE, cookie);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("X-CSRF-Token", csrf);
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    /// Sends a request; returns the status and the JSON body (`Null` when there is none).
    pub async fn send(
        &self,
        app: &TestApp,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let response = self.request(app, method, path, body).await;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn get(&self, app: &TestApp, path: &str) -> (u16, Value) {
        self.send(app, reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        self.send(app, reqwest::Method::POST, path, Some(&body))
            .await
    }

    pub async fn put(&self, app: &TestApp, path: &str, body: Value) -> (u16, Value) {
        self.send(app, reqwest::Method::PUT, path, Some(&body))
            .await
    }
}

/// Logs in; returns the response status and, on success, the client.
pub async fn try_login(
    app: &TestApp,
    email: &str,
    password: &str,
) -> (u16, Option<Client>, reqwest::header::HeaderMap) {
    let response = app
        .client
        .post(format!("{}/api/v1/admin/login", app.address))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    if status != 200 {
        return (status, None, headers);
    }
    let cookie = headers[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    let client = Client {
        cookie: Some(cookie),
        csrf: Some(body["csrf_token"].as_str().unwrap().to_owned()),
        bearer: None,
    };
    (status, Some(client), headers)
}

/// Creates an account and logs it in.
pub async fn sign_in(app: &TestApp, email: &str, admin: bool, authorities: &[&str]) -> Client {
    app.create_account(email, PASSWORD, admin, authorities)
        .await;
    let (status, client, _) = try_login(app, email, PASSWORD).await;
    assert_eq!(status, 200);
    client.unwrap()
}

/// The answer to a log-in, whatever it is.
pub async fn login_answer(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/admin/login", app.address))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
}

/// A log-in that must fail; returns the status and the problem document.
pub async fn refused_login(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    let response = login_answer(app, email, password).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
