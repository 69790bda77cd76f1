//! `openapi.yaml` against the server: the operations it documents are exactly the routes
//! `buergerbuero::http::routes()` registers, every operation documents its problem answers,
//! every `$ref` resolves, and the problem types it lists are the ones the server renders.
//! Runs on the compiled-in document, without a server. (The live check of requests and
//! responses against the document is `scripts/schemathesis.sh`.)

use std::collections::{BTreeMap, BTreeSet};

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use buergerbuero::http::{ApiError, OPENAPI_YAML, PROBLEM_JSON, routes};
use buergerbuero::photos::PhotoError;
use buergerbuero::store::outbox::MailKind;
use serde_json::Value;

/// The HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn spec() -> Value {
    match serde_norway::from_str(OPENAPI_YAML) {
        Ok(spec) => spec,
        Err(error) => panic!("openapi.yaml is not valid YAML: {error}"),
    }
}

/// Every operation: (`METHOD`, path) → operation object.
fn operations(spec: &Value) -> BTreeMap<(String, String), &Value> {
    let Some(paths) = spec["paths"].as_object() else {
        panic!("openapi.yaml has no `paths` object");
    };
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                operations.insert((method.to_uppercase(), path.clone()), operation);
            }
        }
    }
    operations
}

/// Follows a local `$ref` (`#/components/...`); `None` when it points nowhere.
fn resolve<'a>(spec: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    spec.pointer(pointer)
}

/// The value itself, or what its `$ref` points to (one level, as OpenAPI response objects use).
fn deref<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            resolve(spec, reference).unwrap_or_else(|| panic!("unresolvable $ref {reference:?}"))
        }
        None => value,
    }
}

fn collect_refs<'a>(value: &'a Value, at: String, out: &mut Vec<(String, &'a str)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref"
                    && let Some(reference) = child.as_str()
                {
                    out.push((at.clone(), reference));
                }
                collect_refs(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                collect_refs(child, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

/// The answers (as `"METHOD path status"`, response object) of every operation whose problem
/// schema refers to the schema `name`, directly or through `oneOf`.
fn responses_with_problem<'a>(spec: &'a Value, name: &str) -> Vec<(String, &'a Value)> {
    let target = format!("#/components/schemas/{name}");
    let mut found = Vec::new();
    for ((method, path), operation) in operations(spec) {
        let Some(responses) = operation["responses"].as_object() else {
            continue;
        };
        for (status, response) in responses {
            let response = deref(spec, response);
            let mut refs = Vec::new();
            collect_refs(
                &response["content"][PROBLEM_JSON]["schema"],
                String::new(),
                &mut refs,
            );
            if refs.iter().any(|(_, reference)| *reference == target) {
                found.push((format!("{method} {path} {status}"), response));
            }
        }
    }
    found
}

#[test]
fn documented_operations_are_exactly_the_registered_routes() {
    let spec = spec();
    let documented: BTreeSet<(String, String)> = operations(&spec).into_keys().collect();
    let registered: BTreeSet<(String, String)> = routes()
        .iter()
        .map(|r| (r.method.as_str().to_owned(), r.path.to_owned()))
        .collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "openapi.yaml and http::routes() disagree.\n\
         Registered but not documented (add them to openapi.yaml): {undocumented:?}\n\
         Documented but not registered (remove them, or register them): {unserved:?}"
    );
}

#[test]
fn every_operation_documents_a_problem_answer() {
    let spec = spec();
    for ((method, path), operation) in operations(&spec) {
        let responses = operation["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        assert!(
            responses.keys().any(|s| s.starts_with('2')),
            "{method} {path} documents no 2xx response"
        );
        let mut problems = 0;
        for (status, response) in responses {
            assert!(
                status.len() == 3
                    && status.bytes().all(|b| b.is_ascii_digit())
                    && (100..600).contains(&status.parse::<u16>().unwrap_or(0)),
                "{method} {path}: {status:?} is not an HTTP status (`default` and ranges hide \
                 undocumented answers from the conformance checks)"
            );
            // Open311 answers every error, 405 included, in its own error-list format (checked
            // below).
            if path.starts_with("/open311/") {
                continue;
            }
            if status.starts_with('4') || status.starts_with('5') {
                let response = deref(&spec, response);
                let content = response["content"].as_object();
                assert!(
                    content.is_some_and(|c| c.len() == 1 && c.contains_key(PROBLEM_JSON)),
                    "{method} {path} {status}: an error answer must be {PROBLEM_JSON} (only)"
                );
                assert!(
                    !response["content"][PROBLEM_JSON]["schema"].is_null(),
                    "{method} {path} {status}: the problem answer has no schema"
                );
                problems += 1;
            }
        }
        assert!(
            problems > 0 || path.starts_with("/open311/"),
            "{method} {path} documents no 4xx/5xx problem answer"
        );
    }
}

/// Every Open311 operation answers in the format its path names — success and errors alike —
/// and its errors are the spec's error list (`Open311Errors` in JSON, an `<errors>` document in
/// XML), with only the statuses GeoReport v2 uses (400, 403, 404) and the 405 of an unlisted
/// method.
#[test]
fn open311_operations_answer_in_their_format() {
    let spec = spec();
    let mut seen = 0;
    for ((method, path), operation) in operations(&spec) {
        if !path.starts_with("/open311/") {
            continue;
        }
        seen += 1;
        let (media_type, format) = if path.ends_with(".json") {
            ("application/json", "json")
        } else if path.ends_with(".xml") {
            ("text/xml", "xml")
        } else {
            panic!("{method} {path}: an Open311 path must end in .json or .xml");
        };
        let responses = operation["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has no responses"));
        for (status, response) in responses {
            assert!(
                ["200", "201", "400", "403", "404", "405"].contains(&status.as_str()),
                "{method} {path}: {status} is not a status GeoReport v2 answers with"
            );
            let response = deref(&spec, response);
            let content = response["content"]
                .as_object()
                .unwrap_or_else(|| panic!("{method} {path} {status}: no content"));
            assert!(
                content.len() == 1 && content.contains_key(media_type),
                "{method} {path} {status}: must answer {media_type} only"
            );
            if status.starts_with('4') {
                let schema = &content[media_type]["schema"];
                let ok = match format {
                    "json" => schema["$ref"] == "#/components/schemas/Open311Errors",
                    _ => schema["pattern"]
                        .as_str()
                        .is_some_and(|p| p.contains("<errors")),
                };
                assert!(ok, "{method} {path} {status}: not the Open311 error list");
            }
        }
    }
    assert_eq!(seen, 16, "eight Open311 operations in two formats each");
}

#[test]
fn every_reference_resolves() {
    let spec = spec();
    let mut refs = Vec::new();
    collect_refs(&spec, String::new(), &mut refs);
    assert!(!refs.is_empty(), "no $ref found; is the walk broken?");
    let broken: Vec<_> = refs
        .iter()
        .filter(|(_, reference)| resolve(&spec, reference).is_none())
        .collect();
    assert!(
        broken.is_empty(),
        "unresolvable $ref (location → target): {broken:?}"
    );
}

#[test]
fn operation_ids_are_unique_and_path_parameters_declared() {
    let spec = spec();
    assert!(
        spec["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.")),
        "not an OpenAPI 3 document"
    );
    let mut ids = BTreeSet::new();
    for ((method, path), operation) in operations(&spec) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        assert!(ids.insert(id), "operationId {id:?} is used twice");
        // Template expressions, whole segments or parts of one (`{service_code}.json`).
        let templated: BTreeSet<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        let item_params = spec["paths"][&path]["parameters"].as_array();
        let declared: BTreeSet<&str> = operation["parameters"]
            .as_array()
            .into_iter()
            .chain(item_params)
            .flatten()
            .map(|p| deref(&spec, p))
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(
            templated, declared,
            "{method} {path}: path template and `in: path` parameters differ"
        );
    }
}

/// What the server renders for each kind of problem matches the schema of that kind: `type`
/// is listed in `Problem`, and the `*Problem` schema with that `type` has the same `title`
/// and `status`, and expects `errors` exactly when the server sends them.
#[test]
fn rendered_problems_match_the_documented_problem_types() {
    let spec = spec();
    let schemas = spec["components"]["schemas"]
        .as_object()
        .expect("no components.schemas");
    let listed: BTreeSet<&str> =
        spec["components"]["schemas"]["Problem"]["properties"]["type"]["enum"]
            .as_array()
            .expect("Problem.type has no enum")
            .iter()
            .filter_map(Value::as_str)
            .collect();
    // Every variant of `ApiError`: the match makes a new variant a compile error here. `Photo`
    // once per kind of `PhotoError`, since each kind is a problem type of its own.
    let samples = [
        ApiError::invalid("lat", "lat is required", "lat fehlt"),
        ApiError::InvalidFields(vec![
            ("description".into(), "a description is required".into()),
            ("email".into(), "\"anna@\" is not an email address".into()),
        ]),
        ApiError::UnsupportedMediaType {
            accepted: "application/json, multipart/form-data",
        },
        ApiError::PayloadTooLarge { max_bytes: 65_536 },
        ApiError::Photo {
            index: 0,
            error: PhotoError::TooLarge { max_bytes: 10 },
        },
        ApiError::Photo {
            index: 1,
            error: PhotoError::UnsupportedType,
        },
        ApiError::Photo {
            index: 2,
            error: PhotoError::TooManyPixels {
                width: 10_000,
                height: 10_000,
                max_pixels: 40_000_000,
            },
        },
        ApiError::Photo {
            index: 3,
            error: PhotoError::Corrupt("truncated".into()),
        },
        ApiError::IdempotencyKeyReused,
        ApiError::TooManyRequests {
            retry_after_secs: 120,
        },
        ApiError::OutsideServiceArea,
        ApiError::UnknownCategory("potholes".into()),
        ApiError::NotFound,
        ApiError::LinkExpired,
        ApiError::MethodNotAllowed {
            allow: "GET".into(),
        },
        ApiError::MalformedRequest,
        ApiError::HeaderFieldsTooLarge,
        ApiError::RequestTimeout,
        ApiError::Unavailable("database down".into()),
        ApiError::Internal(anyhow::anyhow!("boom")),
        ApiError::Unauthorized,
        ApiError::Forbidden("admins only".into(), "nur Admins".into()),
        ApiError::LoginBlocked {
            retry_after_secs: 30,
        },
        ApiError::NotAllowed("the report is already published".into()),
        ApiError::EditConflict,
        ApiError::Duplicate("exists".into(), "gibt es schon".into()),
        ApiError::LimitReached("10 alerts".into(), "10 Benachrichtigungen".into()),
        ApiError::UnknownReference {
            field: "authority".into(),
            detail: "there is no authority \"BE-NOPE\"".into(),
            detail_de: "Die Behörde \"BE-NOPE\" gibt es nicht.".into(),
        },
    ];
    for sample in &samples {
        match sample {
            ApiError::InvalidParameter { .. }
            | ApiError::InvalidFields(_)
            | ApiError::UnsupportedMediaType { .. }
            | ApiError::PayloadTooLarge { .. }
            | ApiError::IdempotencyKeyReused
            | ApiError::TooManyRequests { .. }
            | ApiError::OutsideServiceArea
            | ApiError::UnknownCategory(_)
            | ApiError::NotFound
            | ApiError::LinkExpired
            | ApiError::MethodNotAllowed { .. }
            | ApiError::MalformedRequest
            | ApiError::HeaderFieldsTooLarge
            | ApiError::RequestTimeout
            | ApiError::Unavailable(_)
            | ApiError::Internal(_)
            | ApiError::Unauthorized
            | ApiError::Forbidden(..)
            | ApiError::LoginBlocked { .. }
            | ApiError::NotAllowed(_)
            | ApiError::EditConflict
            | ApiError::Duplicate(..)
            | ApiError::LimitReached(..)
            | ApiError::UnknownReference { .. } => {}
            ApiError::Photo { error, .. } => match error {
                PhotoError::TooLarge { .. }
                | PhotoError::UnsupportedType
                | PhotoError::TooManyPixels { .. }
                | PhotoError::Corrupt(_) => {}
            },
        }
    }
    let mut seen = BTreeSet::new();
    for error in samples {
        let response = error.error_response();
        let content_type = response.headers().get("content-type").cloned();
        // Headers that come with this kind of problem (`Allow`, `Retry-After`, `Accept-Post`).
        let extra_headers: Vec<String> = response
            .headers()
            .keys()
            .map(|name| name.as_str().to_owned())
            .filter(|name| name != "content-type")
            .collect();
        let body = response
            .into_body()
            .try_into_bytes()
            .expect("problem bodies are complete");
        let problem: Value = serde_json::from_slice(&body).expect("problem is JSON");
        assert_eq!(
            content_type.as_ref().and_then(|v| v.to_str().ok()),
            Some(PROBLEM_JSON),
            "{error:?}"
        );
        let kind = problem["type"].as_str().expect("problem has a type");
        seen.insert(kind.to_owned());
        assert!(
            listed.contains(kind),
            "{kind} is missing from Problem.type in openapi.yaml"
        );
        let (schema_name, documented) = schemas
            .iter()
            .filter(|(name, _)| name.ends_with("Problem") && *name != "Problem")
            .find_map(|(name, schema)| {
                let own = &schema["allOf"][1];
                (own["properties"]["type"]["const"] == kind).then_some((name, own))
            })
            .unwrap_or_else(|| panic!("no *Problem schema in openapi.yaml has type {kind}"));
        let answers = responses_with_problem(&spec, schema_name);
        assert!(
            !answers.is_empty(),
            "{kind}: no operation documents an answer with {schema_name}"
        );
        for header in &extra_headers {
            assert!(
                answers.iter().any(|(_, response)| {
                    response["headers"]
                        .as_object()
                        .is_some_and(|h| h.keys().any(|k| k.eq_ignore_ascii_case(header)))
                }),
                "{kind}: the server sends the {header} header, but no answer with \
                 {schema_name} declares it"
            );
        }
        assert_eq!(
            documented["properties"]["status"]["const"], problem["status"],
            "{kind}: status"
        );
        assert_eq!(
            documented["properties"]["title"]["const"], problem["title"],
            "{kind}: title"
        );
        let requires_errors = documented["required"]
            .as_array()
            .is_some_and(|r| r.iter().any(|f| f == "errors"));
        assert_eq!(
            requires_errors,
            problem.get("errors").is_some(),
            "{kind}: the schema and the server disagree on whether `errors` is sent"
        );
    }
    let stale: Vec<_> = listed.iter().filter(|k| !seen.contains(**k)).collect();
    assert!(
        stale.is_empty(),
        "Problem.type lists types the server never sends: {stale:?}"
    );
}

#[test]
fn documented_mail_kinds_are_the_kinds_the_server_writes() {
    let spec = spec();
    let documented: Vec<&str> =
        spec["components"]["schemas"]["OutboxMail"]["properties"]["kind"]["enum"]
            .as_array()
            .expect("OutboxMail.kind has no enum")
            .iter()
            .filter_map(Value::as_str)
            .collect();
    let written: Vec<&str> = MailKind::ALL.iter().map(|kind| kind.as_str()).collect();
    assert_eq!(documented, written, "OutboxMail.kind in openapi.yaml");
}
