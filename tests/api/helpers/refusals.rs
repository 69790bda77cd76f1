//! Refusals are asserted by *which* refusal they are: the problem document's `type`
//! (`/problems/<kind>`), not only the status code.

use serde_json::Value;

/// Asserts that `answer` (status and body, as `Client::send` returns them) is the refusal
/// `/problems/{kind}` with `status`; returns the problem document.
#[track_caller]
pub fn assert_refused<'a>(answer: &'a (u16, Value), status: u16, kind: &str) -> &'a Value {
    assert_problem(answer.0, &answer.1, status, kind);
    &answer.1
}

/// Asserts that a `status` and `problem` document are the refusal `/problems/{kind}` with
/// `expected` as status.
#[track_caller]
pub fn assert_problem(status: u16, problem: &Value, expected: u16, kind: &str) {
    assert_eq!(status, expected, "{problem}");
    assert_eq!(problem["type"], format!("/problems/{kind}"), "{problem}");
    assert_eq!(problem["status"], expected, "{problem}");
}

/// Reads a response that must be the refusal `/problems/{kind}` with `status`, as a problem
/// document (`application/problem+json`); returns the document.
pub async fn refusal(response: reqwest::Response, status: u16, kind: &str) -> Value {
    let actual = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "{text}");
    assert_eq!(
        content_type.as_deref(),
        Some("application/problem+json"),
        "{text}"
    );
    let problem: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(problem["type"], format!("/problems/{kind}"), "{problem}");
    problem
}
