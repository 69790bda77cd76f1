//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::json;

use super::{ApiError, AppState};

/// How long `/readyz` waits for the SMTP server's TCP handshake. Short, because orchestrators
/// give the whole probe about a second, and an unreachable mail server is only a warning.
pub const SMTP_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

/// `GET /healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "ok" }))
}

/// One dependency's state in `/readyz`.
#[derive(Debug, Clone, Serialize)]
struct Check {
    /// `ok`, `failed`, `warning` (failed, but the instance can serve without it) or `off`
    /// (not configured).
    status: &'static str,
    /// Whether a failure makes the instance unready (503).
    required: bool,
    /// What went wrong, or what is not configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

impl Check {
    fn of<E: std::fmt::Display>(required: bool, result: Result<(), E>) -> Self {
        match result {
            Ok(()) => Check {
                status: "ok",
                required,
                detail: None,
            },
            Err(error) => Check {
                status: if required { "failed" } else { "warning" },
                required,
                detail: Some(error.to_string()),
            },
        }
    }

    fn failed(&self) -> bool {
        self.status == "failed"
    }
}

/// `GET /readyz`: whether this instance can take traffic, with each dependency's state. The
/// database and the photo storage are required (503 without them: filings would fail); the
/// SMTP server is a warning only, because mails wait in the outbox until it is back.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (database, photos, smtp) = tokio::join!(
        state.store.ping(),
        state.photos.check(),
        smtp_reachable(state.settings.smtp_url.as_deref()),
    );
    let database = Check::of(true, database);
    let photo_storage = Check::of(true, photos);
    let smtp = match smtp {
        None => Check {
            status: "off",
            required: false,
            detail: Some("no SMTP server configured; mails are written as .eml files".into()),
        },
        Some(result) => Check::of(false, result),
    };
    let failed: Vec<&str> = [("database", &database), ("photo storage", &photo_storage)]
        .into_iter()
        .filter(|(_, check)| check.failed())
        .map(|(name, _)| name)
        .collect();
    let checks = json!({
        "database": database,
        "photo_storage": photo_storage,
        "smtp": smtp,
    });
    if failed.is_empty() {
        HttpResponse::Ok().json(json!({ "status": "ready", "checks": checks }))
    } else {
        ApiError::Unavailable(format!("not ready: {}", failed.join(", ")))
            .response_with_checks(checks)
    }
}

/// Whether a TCP connection to the SMTP server of `url` opens within
/// [`SMTP_CONNECT_TIMEOUT`]; `None` without an SMTP server.
async fn smtp_reachable(url: Option<&str>) -> Option<Result<(), String>> {
    let url = url?;
    let Some((host, port)) = smtp_address(url) else {
        return Some(Err("the SMTP URL names no host".into()));
    };
    let connect = tokio::net::TcpStream::connect((host.as_str(), port));
    // The detail names host and port only: the URL may hold credentials.
    Some(
        match tokio::time::timeout(SMTP_CONNECT_TIMEOUT, connect).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(format!("cannot connect to {host}:{port}: {error}")),
            Err(_) => Err(format!(
                "no connection to {host}:{port} within {} ms",
                SMTP_CONNECT_TIMEOUT.as_millis()
            )),
        },
    )
}

/// Host and port of an SMTP URL, with lettre's default ports: 465 for `smtps`, 587 for `smtp`
/// with `tls=required`, 25 otherwise.
fn smtp_address(url: &str) -> Option<(String, u16)> {
    let (scheme, rest) = url.split_once("://")?;
    let (authority, query) = match rest.split_once(['/', '?']) {
        Some((authority, _)) => (authority, rest),
        None => (rest, ""),
    };
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let default_port = match scheme {
        "smtps" => 465,
        _ if query.contains("tls=required") => 587,
        _ => 25,
    };
    let (host, port) = match host_port.rsplit_once(':') {
        // An IPv6 literal without a port ends in `]`.
        Some((host, port)) if !port.ends_with(']') => (host, port.parse().ok()?),
        _ => (host_port, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_addresses_follow_lettres_defaults() {
        let cases = [
            ("smtp://mail.example:2525", Some(("mail.example", 2525))),
            ("smtp://mail.example", Some(("mail.example", 25))),
            (
                "smtp://user:secret@mail.example?tls=required",
                Some(("mail.example", 587)),
            ),
            ("smtps://mail.example", Some(("mail.example", 465))),
            ("smtp://[::1]:1025", Some(("::1", 1025))),
            ("smtp://", None),
            ("mail.example", None),
        ];
        for (url, expected) in cases {
            let got = smtp_address(url);
            let expected = expected.map(|(h, p)| (h.to_owned(), p));
            assert_eq!(got, expected, "{url}");
        }
    }

    #[tokio::test]
    async fn an_smtp_server_that_does_not_answer_is_reported_with_host_and_port() {
        // A port just released is closed: the connection is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("smtp://user:secret@127.0.0.1:{port}");
        let error = smtp_reachable(Some(&url)).await.unwrap().unwrap_err();
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
        assert!(!error.contains("secret"));
        assert!(smtp_reachable(None).await.is_none());
    }
}
