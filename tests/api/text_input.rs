//! The text rule, fuzzed from the OpenAPI document: every JSON body property, every query
//! parameter and every form field of every documented operation gets each refused character
//! (NUL, other C0 and C1 controls, the bidirectional overrides and isolates), signed in as an
//! admin so that authorization never hides the answer. Each must be a 400 naming the field,
//! never a 5xx, on both backends (PostgreSQL cannot store NUL at all). Path parameters with
//! them must be refused with a 4xx.

use reqwest::Method;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Client, MITTE, TestApp, clerk_app, file_in_mitte, sign_in};

/// One of each kind of refused character.
const REFUSED: [&str; 7] = [
    "\u{0}", "\u{7}", "\u{8}", "\u{1b}", "\u{85}", "\u{202e}", "\u{2066}",
];

fn spec() -> Value {
    serde_norway::from_str(buergerbuero::http::OPENAPI_YAML).unwrap()
}

/// Follows `$ref`s to the schema or parameter they name.
fn deref<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => deref(spec, spec.pointer(&reference[1..]).unwrap()),
        None => value,
    }
}

/// The property names of an object schema, through `allOf`/`oneOf`/`anyOf`.
fn properties(spec: &Value, schema: &Value, out: &mut Vec<String>) {
    let schema = deref(spec, schema);
    if let Some(props) = schema["properties"].as_object() {
        out.extend(props.keys().cloned());
    }
    for combinator in ["allOf", "oneOf", "anyOf"] {
        for part in schema[combinator].as_array().into_iter().flatten() {
            properties(spec, part, out);
        }
    }
    out.sort();
    out.dedup();
}

/// A value for a path parameter that routes to the handler.
fn path_value(name: &str, report: &str) -> String {
    match name {
        "id" | "service_request_id" | "delivery" => report.to_owned(),
        "key" => MITTE.to_owned(),
        "code" | "category" | "service_code" => "street_lighting".to_owned(),
        "status" => "resolved".to_owned(),
        "language" => "de".to_owned(),
        "scope" => "kreis".to_owned(),
        "photo" => "0".repeat(64),
        "variant" => "thumb".to_owned(),
        "token" => "a".repeat(43),
        "z" => "12".to_owned(),
        "x" => "2200".to_owned(),
        "y" => "1343".to_owned(),
        other => panic!("no test value for path parameter {other:?}"),
    }
}

fn fill_path(template: &str, report: &str, bad: Option<(&str, &str)>) -> String {
    let mut path = template.to_owned();
    while let Some(start) = path.find('{') {
        let end = start + path[start..].find('}').unwrap();
        let name = path[start + 1..end].to_owned();
        let value = match bad {
            Some((param, text)) if param == name => encode(text),
            _ => path_value(&name, report),
        };
        path.replace_range(start..=end, &value);
    }
    path
}

fn encode(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

/// Whether an answer is the refusal naming `field`: a problem document on the native API, the
/// spec's error list on Open311.
fn names_field(path: &str, status: u16, body: &Value, field: &str) -> bool {
    if status != 400 {
        return false;
    }
    if path.starts_with("/open311/") {
        return body[0]["code"] == 400
            && body[0]["description"]
                .as_str()
                .is_some_and(|d| d.starts_with(&format!("{field}: U+")));
    }
    body["type"] == "/problems/invalid-parameter" && body["errors"][0]["field"] == field
}

async fn send_raw(
    app: &TestApp,
    admin: &Client,
    method: Method,
    path: &str,
    body: Option<(&str, String)>,
) -> (u16, Value, String) {
    let mut request = app
        .client
        .request(method, format!("{}{path}", app.address))
        .header("cookie", admin.cookie.clone().unwrap())
        .header("x-csrf-token", admin.csrf.clone().unwrap());
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::Null),
        content_type,
    )
}

both_backends!(
    refused_characters_in_any_field_are_a_400_naming_it,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let report = file_in_mitte(&app, "Laterne aus").await;
        let report_path = format!("/api/v1/admin/reports/{report}");
        // The stored report, without what changes with the clock alone.
        let stored = || async {
            let mut view = admin.get(&app, &report_path).await.1;
            view.as_object_mut().unwrap().remove("status_age_seconds");
            view
        };
        let before = stored().await;
        let spec = spec();
        let mut checked = 0;
        for (template, item) in spec["paths"].as_object().unwrap() {
            for (method, operation) in item.as_object().unwrap() {
                let Ok(method) = method.to_uppercase().parse::<Method>() else {
                    continue;
                };
                if template.ends_with(".xml") {
                    continue; // the same handlers as `.json`
                }
                let path = fill_path(template, &report, None);
                let parameters: Vec<&Value> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| deref(&spec, p))
                    .collect();
                for parameter in &parameters {
                    let name = parameter["name"].as_str().unwrap();
                    for text in REFUSED {
                        let bad = format!("a{text}b");
                        match parameter["in"].as_str() {
                            Some("query") => {
                                let target = format!("{path}?{name}={}", encode(&bad));
                                let (status, body, _) =
                                    send_raw(&app, &admin, method.clone(), &target, None).await;
                                assert!(
                                    names_field(&target, status, &body, name),
                                    "{method} {target}: {status} {body}"
                                );
                                checked += 1;
                            }
                            Some("path") => {
                                let target = fill_path(template, &report, Some((name, &bad)));
                                let (status, body, _) =
                                    send_raw(&app, &admin, method.clone(), &target, None).await;
                                assert!(
                                    (400..500).contains(&status),
                                    "{method} {target}: {status} {body}"
                                );
                                checked += 1;
                            }
                            _ => {}
                        }
                    }
                }
                let content = &operation["requestBody"]["content"];
                for (media_type, encode_body) in [
                    ("application/json", json_body as fn(&str, &str) -> String),
                    ("application/x-www-form-urlencoded", form_body),
                ] {
                    let Some(schema) = content.get(media_type).map(|c| &c["schema"]) else {
                        continue;
                    };
                    let mut fields = Vec::new();
                    properties(&spec, schema, &mut fields);
                    assert!(!fields.is_empty(), "{method} {template}: no properties");
                    for field in &fields {
                        for text in REFUSED {
                            let body = encode_body(field, &format!("a{text}b"));
                            let (status, answer, content_type) = send_raw(
                                &app,
                                &admin,
                                method.clone(),
                                &path,
                                Some((media_type, body)),
                            )
                            .await;
                            assert!(
                                names_field(&path, status, &answer, field),
                                "{method} {path} {media_type} {field} {text:?}: {status} {answer}"
                            );
                            if !path.starts_with("/open311/") {
                                assert_eq!(content_type, "application/problem+json");
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 500, "only {checked} checks: is the spec read?");

        // Multipart filing fields, on the native API and Open311.
        for (path, field) in [
            ("/api/v1/reports", "description"),
            ("/api/v1/reports", "name"),
            ("/open311/v2/requests.json", "description"),
        ] {
            let form = reqwest::multipart::Form::new().text(field, "kaputt\u{0}");
            let response = app
                .client
                .post(format!("{}{path}", app.address))
                .multipart(form)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            assert!(names_field(path, status, &body, field), "{path}: {body}");
        }

        // Nothing of it was stored: the one report is as it was.
        let (_, inbox) = admin.get(&app, "/api/v1/admin/reports?limit=200").await;
        assert_eq!(inbox["reports"].as_array().unwrap().len(), 1, "{inbox}");
        assert_eq!(stored().await, before);
        app.stop().await;
    }
);

fn json_body(field: &str, value: &str) -> String {
    json!({ field: value }).to_string()
}

fn form_body(field: &str, value: &str) -> String {
    format!("{field}={}", encode(value))
}

both_backends!(
    text_with_line_breaks_and_any_script_is_stored_as_sent,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let text = "Zeile eins\r\nZeile zwei:\tStraße, Łódź, Αθήνα, مرحبا, 🚧";
        let id = file_in_mitte(&app, text).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let (status, view) = admin
            .get(&app, &format!("/api/v1/admin/reports/{id}"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(view["description"], text);
        app.stop().await;
    }
);
