//! The HTTP side of a back office: `POST requests.json` (form-encoded, as GeoReport v2 says)
//! with an `Idempotency-Key`, `GET requests.json?service_request_id=…` for the status pull,
//! and `GET tokens/{token}.json` for ids the back office gave later.

use std::time::Duration;

use serde_json::Value;

use super::remote::RemoteRequest;

/// At most this many ids go into one status query (the spec gives no limit; this service
/// answers up to 1,000 per page, and the URL stays short).
pub const PULL_BATCH: usize = 50;

/// Why a request to a back office failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No connection, a time-out, or a 5xx/408/429 answer: worth trying again.
    #[error("{0}")]
    Transient(String),
    /// The back office refused the request (another 4xx): the same request fails again.
    #[error("{0}")]
    Refused(String),
}

/// What `POST requests.json` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filed {
    /// The back office's id.
    Id(String),
    /// A token to resolve later (the request is not yet a service request there).
    Token(String),
}

/// A client for GeoReport v2 back offices (one for all of them).
#[derive(Debug, Clone)]
pub struct Open311Client {
    http: http_client::Client,
}

/// `base` with `path` appended (one slash between them).
fn url(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// The start of an answer body, for the dead-letter list (never the request: it holds the key).
fn snippet(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(300).collect()
}

impl Open311Client {
    /// A client whose requests take at most `timeout` and follow no redirects (a redirect
    /// would carry the api key to a host the admin did not name).
    pub fn new(timeout: Duration, public_url: &str) -> anyhow::Result<Self> {
        crate::tls::install_crypto_provider();
        let http = http_client::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(http_client::redirect::Policy::none())
            .user_agent(format!(
                "buergerbuero/{} (+{public_url})",
                env!("CARGO_PKG_VERSION")
            ))
            .build()?;
        Ok(Self { http })
    }

    async fn send(&self, request: http_client::RequestBuilder) -> Result<Value, ClientError> {
        let response = request
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(|e| ClientError::Transient(format!("no answer: {e}")))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transient(format!("answer cut off: {e}")))?;
        if !status.is_success() {
            let message = format!("HTTP {}: {}", status.as_u16(), snippet(&body));
            return Err(
                if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
                    ClientError::Transient(message)
                } else {
                    ClientError::Refused(message)
                },
            );
        }
        serde_json::from_slice(&body).map_err(|e| {
            ClientError::Transient(format!("the answer is not JSON ({e}): {}", snippet(&body)))
        })
    }

    /// `POST {base}/requests.json` with `fields` and the `Idempotency-Key` header.
    pub async fn file(
        &self,
        base: &str,
        fields: &[(&str, String)],
        idempotency_key: &str,
    ) -> Result<Filed, ClientError> {
        let body = serde_urlencoded::to_string(fields)
            .map_err(|e| ClientError::Refused(format!("cannot encode the form: {e}")))?;
        let answer = self
            .send(
                self.http
                    .post(url(base, "requests.json"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Idempotency-Key", idempotency_key)
                    .body(body),
            )
            .await?;
        let first = answer.get(0).unwrap_or(&Value::Null);
        let field = |name: &str| {
            first
                .get(name)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_owned)
        };
        match (field("service_request_id"), field("token")) {
            (Some(id), _) => Ok(Filed::Id(id)),
            (None, Some(token)) => Ok(Filed::Token(token)),
            (None, None) => Err(ClientError::Transient(format!(
                "the answer names neither a service_request_id nor a token: {answer}"
            ))),
        }
    }

    /// `GET {base}/requests.json?service_request_id=a,b,…` (with extensions, which a back
    /// office that is this service answers with its detailed status).
    pub async fn requests(
        &self,
        base: &str,
        ids: &[&str],
        jurisdiction_id: Option<&str>,
    ) -> Result<Vec<RemoteRequest>, ClientError> {
        let mut query = vec![
            ("service_request_id", ids.join(",")),
            ("extensions", "true".to_owned()),
        ];
        if let Some(jurisdiction) = jurisdiction_id {
            query.push(("jurisdiction_id", jurisdiction.to_owned()));
        }
        let query = serde_urlencoded::to_string(&query)
            .map_err(|e| ClientError::Refused(format!("cannot encode the query: {e}")))?;
        let answer = self
            .send(
                self.http
                    .get(format!("{}?{query}", url(base, "requests.json"))),
            )
            .await?;
        Ok(answer
            .as_array()
            .map(|items| items.iter().filter_map(RemoteRequest::from_json).collect())
            .unwrap_or_default())
    }

    /// `GET {base}/tokens/{token}.json`: the id, once the back office gave one.
    pub async fn resolve_token(
        &self,
        base: &str,
        token: &str,
        jurisdiction_id: Option<&str>,
    ) -> Result<Option<String>, ClientError> {
        let mut target = url(base, &format!("tokens/{}.json", urlencode(token)));
        if let Some(jurisdiction) = jurisdiction_id {
            target.push_str(&format!("?jurisdiction_id={}", urlencode(jurisdiction)));
        }
        let answer = self.send(self.http.get(target)).await?;
        Ok(answer
            .get(0)
            .and_then(|item| item.get("service_request_id"))
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_owned))
    }
}

/// Percent-encodes a path segment or query value.
fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|pair| pair.trim_start_matches('=').to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_with_one_slash_and_values_are_encoded() {
        assert_eq!(
            url("http://b/open311/v2/", "requests.json"),
            "http://b/open311/v2/requests.json"
        );
        assert_eq!(urlencode("a b/c"), "a+b%2Fc");
    }
}
