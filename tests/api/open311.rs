//! Open311 GeoReport v2 on both backends: every route in JSON and XML, every error case with
//! the spec's error list and status, the XML parsed back and its element structure checked,
//! filing by form-encoded POST (and the multipart and data: URI photo extensions), API keys
//! issued and revoked by admins, moderation (tokens), the 90-day window, pagination, the
//! extensions and the updates feed — and never the reporter's contact in any answer.

use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Backend, Client, MITTE_POINT, TestApp, TestDatabase, assert_problem, clerk_app, file_report,
    jpeg, open_app, refusal, sign_in,
};

const BASE: &str = "/open311/v2";
const SECRET_EMAIL: &str = "anna.geheim@example.org";
const SECRET_PHONE: &str = "0301234567";
const SECRET_NAME: &str = "Geheimnachname";

/// An admin and an Open311 key it issued.
pub(crate) async fn admin_and_key(app: &TestApp) -> (Client, String, String) {
    let admin = sign_in(app, "admin@example.org", true, &[]).await;
    let (status, key) = admin
        .post(
            app,
            "/api/v1/admin/open311-keys",
            json!({ "name": "Stadt-App" }),
        )
        .await;
    assert_eq!(status, 201, "{key}");
    let secret = key["api_key"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("bbo_"));
    (admin, secret, key["id"].as_str().unwrap().to_owned())
}

/// A form-encoded POST, exactly as the spec describes it.
async fn post_form(app: &TestApp, format: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!("{}{BASE}/requests.{format}", app.address))
        .form(fields)
        .send()
        .await
        .unwrap()
}

fn mitte_request<'a>(key: &'a str, lat: &'a str, lon: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("api_key", key),
        ("service_code", "street_lighting"),
        ("lat", lat),
        ("long", lon),
        ("description", "Laterne vor Nr. 12 ist dunkel"),
        ("email", SECRET_EMAIL),
        ("first_name", "Anna"),
        ("last_name", SECRET_NAME),
        ("phone", SECRET_PHONE),
        ("address_string", "Karl-Liebknecht-Straße 12, Berlin"),
    ]
}

/// GET in one format: (status, content type, body text).
async fn get(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app.get(path).await;
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let (status, content_type, body) = get(app, path).await;
    assert_eq!(content_type, "application/json; charset=utf-8", "{path}");
    (status, serde_json::from_str(&body).unwrap())
}

/// GET an `.xml` resource; checks the declaration and well-formedness, returns the text.
async fn get_xml(app: &TestApp, path: &str) -> (u16, String) {
    let (status, content_type, body) = get(app, path).await;
    assert_eq!(content_type, "text/xml; charset=utf-8", "{path}");
    check_xml(&body);
    (status, body)
}

fn check_xml(body: &str) {
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"),
        "no declaration: {body}"
    );
    roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("not well-formed ({e}): {body}"));
}

/// The element children of a node.
fn elements<'a, 'i>(node: roxmltree::Node<'a, 'i>) -> Vec<roxmltree::Node<'a, 'i>> {
    node.children().filter(|n| n.is_element()).collect()
}

fn names(node: roxmltree::Node<'_, '_>) -> Vec<String> {
    elements(node)
        .iter()
        .map(|n| n.tag_name().name().to_owned())
        .collect()
}

fn child_text(node: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    elements(node)
        .into_iter()
        .find(|n| n.tag_name().name() == name)
        .map(|n| n.text().unwrap_or_default().to_owned())
}

/// An Open311 error answer in JSON: status, a non-empty list of {code, description}.
pub(crate) async fn expect_json_errors(response: reqwest::Response, status: u16) -> Vec<Value> {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let body: Value = response.json().await.unwrap();
    let list = body
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {body}"))
        .clone();
    assert!(!list.is_empty());
    for error in &list {
        assert!(error["code"].as_u64().is_some(), "{error}");
        assert!(!error["description"].as_str().unwrap().is_empty());
        assert_eq!(error.as_object().unwrap().len(), 2, "{error}");
    }
    list
}

/// An Open311 error answer in XML: `<errors><error><code/><description/></error>…</errors>`.
async fn expect_xml_errors(response: reqwest::Response, status: u16) -> Vec<(String, String)> {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=utf-8"
    );
    let body = response.text().await.unwrap();
    check_xml(&body);
    let doc = roxmltree::Document::parse(&body).unwrap();
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "errors");
    let errors = elements(root);
    assert!(!errors.is_empty());
    errors
        .into_iter()
        .map(|e| {
            assert_eq!(e.tag_name().name(), "error");
            assert_eq!(names(e), ["code", "description"]);
            (
                child_text(e, "code").unwrap(),
                child_text(e, "description").unwrap(),
            )
        })
        .collect()
}

fn assert_no_contact(text: &str) {
    for secret in [SECRET_EMAIL, SECRET_PHONE, SECRET_NAME] {
        assert!(!text.contains(secret), "personal data {secret} in {text}");
    }
}

both_backends!(
    discovery_services_and_definitions_in_both_formats,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (status, discovery) = get_json(&app, &format!("{BASE}/discovery.json")).await;
        assert_eq!(status, 200);
        for field in ["changeset", "contact", "key_service"] {
            assert!(
                discovery[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field}"
            );
        }
        let endpoint = &discovery["endpoints"][0];
        assert_eq!(
            endpoint["specification"],
            "http://wiki.open311.org/GeoReport_v2"
        );
        assert_eq!(endpoint["type"], "production");
        assert_eq!(endpoint["formats"], json!(["text/xml", "application/json"]));
        let (status, xml) = get_xml(&app, &format!("{BASE}/discovery.xml")).await;
        assert_eq!(status, 200);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "discovery");
        assert_eq!(
            names(root),
            ["changeset", "contact", "key_service", "endpoints"]
        );
        let endpoint = elements(elements(root)[3])[0];
        assert_eq!(endpoint.tag_name().name(), "endpoint");
        assert_eq!(
            names(endpoint),
            ["specification", "url", "changeset", "type", "formats"]
        );
        assert_eq!(names(elements(endpoint)[4]), ["format", "format"]);

        let (status, services) = get_json(&app, &format!("{BASE}/services.json")).await;
        assert_eq!(status, 200);
        let services = services.as_array().unwrap().clone();
        let categories = app.get_json("/api/v1/categories").await.1;
        let codes: Vec<&str> = services
            .iter()
            .map(|s| s["service_code"].as_str().unwrap())
            .collect();
        let native: Vec<&str> = categories["categories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes, native,
            "services are the active categories, in order"
        );
        let lighting = services
            .iter()
            .find(|s| s["service_code"] == "street_lighting")
            .unwrap();
        assert_eq!(lighting["type"], "realtime");
        // No service has a required attribute, so none needs its definition read first.
        assert_eq!(lighting["metadata"], false);
        assert!(lighting["service_name"].as_str().is_some());
        assert!(lighting["group"].as_str().is_some());
        let (_, xml) = get_xml(&app, &format!("{BASE}/services.xml")).await;
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "services");
        let xml_services = elements(doc.root_element());
        assert_eq!(xml_services.len(), services.len());
        for (node, json) in xml_services.iter().zip(&services) {
            assert_eq!(node.tag_name().name(), "service");
            assert_eq!(
                names(*node),
                [
                    "service_code",
                    "service_name",
                    "description",
                    "metadata",
                    "type",
                    "keywords",
                    "group"
                ]
            );
            assert_eq!(
                child_text(*node, "service_code").unwrap(),
                json["service_code"].as_str().unwrap()
            );
            assert_eq!(child_text(*node, "metadata").unwrap(), "false");
        }

        let (status, definition) =
            get_json(&app, &format!("{BASE}/services/street_lighting.json")).await;
        assert_eq!(status, 200);
        assert_eq!(definition["service_code"], "street_lighting");
        let language = &definition["attributes"][0];
        assert_eq!(language["code"], "language");
        assert_eq!(language["variable"], true);
        assert_eq!(language["datatype"], "singlevaluelist");
        assert_eq!(language["order"], 1);
        assert_eq!(
            language["values"],
            json!([{"key": "de", "name": "Deutsch"}, {"key": "en", "name": "English"}])
        );
        let (status, xml) = get_xml(&app, &format!("{BASE}/services/street_lighting.xml")).await;
        assert_eq!(status, 200);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "service_definition");
        assert_eq!(names(root), ["service_code", "attributes"]);
        let attribute = elements(elements(root)[1])[0];
        assert_eq!(attribute.tag_name().name(), "attribute");
        assert_eq!(
            names(attribute),
            [
                "variable",
                "code",
                "datatype",
                "required",
                "datatype_description",
                "order",
                "description",
                "values"
            ]
        );
        assert_eq!(names(elements(attribute)[7]), ["value", "value"]);
        assert_eq!(names(elements(elements(attribute)[7])[0]), ["key", "name"]);

        // Unknown service codes and jurisdictions: 404 with the error list, in both formats.
        let errors = expect_json_errors(
            app.get(&format!("{BASE}/services/potholes.json")).await,
            404,
        )
        .await;
        assert_eq!(errors[0]["code"], 404);
        let errors =
            expect_xml_errors(app.get(&format!("{BASE}/services/potholes.xml")).await, 404).await;
        assert_eq!(errors[0].0, "404");
        expect_json_errors(
            app.get(&format!("{BASE}/services.json?jurisdiction_id=99999"))
                .await,
            404,
        )
        .await;
        expect_xml_errors(
            app.get(&format!("{BASE}/services.xml?jurisdiction_id=nope"))
                .await,
            404,
        )
        .await;
        let (status, _) = get_json(
            &app,
            &format!("{BASE}/services.json?jurisdiction_id=11000001"),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _) = get_json(&app, &format!("{BASE}/services.json?jurisdiction_id=")).await;
        assert_eq!(status, 200, "an empty argument is an absent one");
        app.stop().await;
    }
);

both_backends!(
    filing_by_form_post_with_an_admin_issued_key,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (admin, key, key_id) = admin_and_key(&app).await;
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());

        // Missing, wrong key: 403 before anything else is looked at.
        let mut no_key = mitte_request(&key, &lat, &lon);
        no_key.retain(|(k, _)| *k != "api_key");
        expect_json_errors(post_form(&app, "json", &no_key).await, 403).await;
        let wrong = [("api_key", "bbo_wrong")];
        let errors = expect_xml_errors(post_form(&app, "xml", &wrong).await, 403).await;
        assert_eq!(errors[0].0, "403");

        // Filed: one-element list with the id and the service notice.
        let response = post_form(&app, "json", &mitte_request(&key, &lat, &lon)).await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let item = &body.as_array().unwrap()[0];
        let id = item["service_request_id"].as_str().unwrap().to_owned();
        assert!(item.get("token").is_none(), "never both id and token");
        assert!(item["service_notice"].as_str().unwrap().contains("3"));
        // It is a native report: routed to Bezirksamt Mitte, contact kept private.
        let (status, native) = app.get_json(&format!("/api/v1/reports/{id}")).await;
        assert_eq!(status, 200);
        assert_eq!(native["authority"]["key"], "11000001");
        assert_eq!(native["address"], "Karl-Liebknecht-Straße 12, Berlin");

        let (status, one) = get_json(&app, &format!("{BASE}/requests/{id}.json")).await;
        assert_eq!(status, 200);
        let request = &one[0];
        assert_eq!(request["service_request_id"], id.as_str());
        assert_eq!(request["status"], "open");
        assert_eq!(request["service_code"], "street_lighting");
        assert_eq!(request["agency_responsible"], "Bezirksamt Mitte");
        assert_eq!(request["lat"], MITTE_POINT.0);
        assert_eq!(request["long"], MITTE_POINT.1);
        assert_eq!(request["address"], "Karl-Liebknecht-Straße 12, Berlin");
        assert!(
            request["requested_datetime"]
                .as_str()
                .unwrap()
                .ends_with('Z')
        );
        assert!(request.get("extended_attributes").is_none());
        let (_, _, raw) = get(&app, &format!("{BASE}/requests/{id}.json")).await;
        assert_no_contact(&raw);
        let (_, xml) = get_xml(&app, &format!("{BASE}/requests/{id}.xml")).await;
        assert_no_contact(&xml);

        // XML answer to an XML POST; the key is recorded as used.
        let response = post_form(&app, "xml", &mitte_request(&key, &lat, &lon)).await;
        assert_eq!(response.status().as_u16(), 201);
        let xml = response.text().await.unwrap();
        check_xml(&xml);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_requests");
        let request = elements(doc.root_element())[0];
        assert_eq!(request.tag_name().name(), "request");
        assert_eq!(
            names(request),
            ["service_request_id", "service_notice", "account_id"]
        );
        let (_, keys) = admin.get(&app, "/api/v1/admin/open311-keys").await;
        assert!(keys["keys"][0]["last_used_at"].is_string());
        assert!(
            keys["keys"][0].get("api_key").is_none(),
            "the secret is shown once only"
        );

        // Validation: every problem at once, in Open311's names.
        let errors = expect_json_errors(
            post_form(
                &app,
                "json",
                &[
                    ("api_key", &key),
                    ("service_code", "street_lighting"),
                    ("lat", "52.5"),
                ],
            )
            .await,
            400,
        )
        .await;
        let text = errors
            .iter()
            .map(|e| e["description"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" | ");
        assert!(text.contains("together"), "{text}");
        let too_long = "x".repeat(4001);
        let errors = expect_json_errors(
            post_form(
                &app,
                "json",
                &[
                    ("api_key", &key),
                    ("service_code", "street_lighting"),
                    ("lat", &lat),
                    ("long", &lon),
                    ("description", &too_long),
                    ("email", "anna@"),
                ],
            )
            .await,
            400,
        )
        .await;
        let text = errors
            .iter()
            .map(|e| e["description"].as_str().unwrap())
            .collect::<Vec<_>>()
            .join(" | ");
        assert!(
            text.contains("description") && text.contains("email"),
            "{text}"
        );
        // An address id cannot be looked up: refused clearly.
        let errors = expect_xml_errors(
            post_form(
                &app,
                "xml",
                &[
                    ("api_key", &key),
                    ("service_code", "street_lighting"),
                    ("description", "dunkel"),
                    ("address_id", "4711"),
                ],
            )
            .await,
            400,
        )
        .await;
        assert!(errors[0].1.contains("no address register"), "{errors:?}");
        // Unknown service: 404; outside the service area: 400 with the finer code 422.
        expect_json_errors(
            post_form(
                &app,
                "json",
                &[
                    ("api_key", &key),
                    ("service_code", "potholes"),
                    ("lat", &lat),
                    ("long", &lon),
                    ("description", "x"),
                ],
            )
            .await,
            404,
        )
        .await;
        let errors = expect_json_errors(
            post_form(
                &app,
                "json",
                &[
                    ("api_key", &key),
                    ("service_code", "street_lighting"),
                    ("lat", "48.1"),
                    ("long", "11.5"),
                    ("description", "x"),
                ],
            )
            .await,
            400,
        )
        .await;
        assert_eq!(errors[0]["code"], 422);
        // Attributes: the definition's `language` is taken, others are refused.
        let mut with_attribute = mitte_request(&key, &lat, &lon);
        with_attribute.push(("attribute[language]", "en"));
        assert_eq!(
            post_form(&app, "json", &with_attribute)
                .await
                .status()
                .as_u16(),
            201
        );
        let mut unknown = mitte_request(&key, &lat, &lon);
        unknown.push(("attribute[WHISPAWN]", "123456"));
        let errors = expect_json_errors(post_form(&app, "json", &unknown).await, 400).await;
        assert!(
            errors[0]["description"]
                .as_str()
                .unwrap()
                .contains("WHISPAWN")
        );
        // Not a form: 400 with the finer code 415.
        let response = app
            .client
            .post(format!("{}{BASE}/requests.json", app.address))
            .json(&json!({ "api_key": key }))
            .send()
            .await
            .unwrap();
        assert_eq!(expect_json_errors(response, 400).await[0]["code"], 415);
        // jurisdiction_id must hold the place; an unknown one is a 404.
        let mut elsewhere = mitte_request(&key, &lat, &lon);
        elsewhere.push(("jurisdiction_id", "11000002"));
        let errors = expect_json_errors(post_form(&app, "json", &elsewhere).await, 400).await;
        assert!(
            errors[0]["description"]
                .as_str()
                .unwrap()
                .contains("Bezirksamt Mitte")
        );
        let mut unknown_jurisdiction = mitte_request(&key, &lat, &lon);
        unknown_jurisdiction.push(("jurisdiction_id", "99999"));
        expect_json_errors(post_form(&app, "json", &unknown_jurisdiction).await, 404).await;
        let mut right = mitte_request(&key, &lat, &lon);
        right.push(("jurisdiction_id", "11000001"));
        assert_eq!(post_form(&app, "json", &right).await.status().as_u16(), 201);

        // Revoked: refused from now on; revoking twice is a 404.
        let revoke = admin
            .request(
                &app,
                reqwest::Method::DELETE,
                &format!("/api/v1/admin/open311-keys/{key_id}"),
                None,
            )
            .await;
        assert_eq!(revoke.status().as_u16(), 204);
        expect_json_errors(
            post_form(&app, "json", &mitte_request(&key, &lat, &lon)).await,
            403,
        )
        .await;
        let again = admin
            .request(
                &app,
                reqwest::Method::DELETE,
                &format!("/api/v1/admin/open311-keys/{key_id}"),
                None,
            )
            .await;
        refusal(again, 404, "not-found").await;
        app.stop().await;
    }
);

both_backends!(
    photos_by_multipart_and_data_uri_go_through_the_pipeline,
    |backend: Backend| async move {
        use base64::Engine as _;
        let app = open_app(backend).await;
        let (_, key, _) = admin_and_key(&app).await;
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in mitte_request(&key, &lat, &lon) {
            form = form.text(k.to_owned(), v.to_owned());
        }
        form = form.part(
            "media",
            reqwest::multipart::Part::bytes(jpeg(40, 30)).file_name("a.jpg"),
        );
        let response = app
            .client
            .post(format!("{}{BASE}/requests.json", app.address))
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let id = body[0]["service_request_id"].as_str().unwrap().to_owned();
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json?extensions=true")).await;
        let media = one[0]["media_url"].as_str().unwrap().to_owned();
        assert!(
            media.starts_with("http://127.0.0.1:8080/api/v1/photos/") && media.ends_with("/web"),
            "{media}"
        );
        let path = media.trim_start_matches("http://127.0.0.1:8080");
        assert_eq!(
            app.get(path).await.status().as_u16(),
            200,
            "the photo is served"
        );
        assert_eq!(
            one[0]["extended_attributes"]["photos"]
                .as_array()
                .unwrap()
                .len(),
            1
        );

        let data = format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(jpeg(40, 30))
        );
        let mut fields = mitte_request(&key, &lat, &lon);
        fields.push(("media_url", &data));
        let response = post_form(&app, "json", &fields).await;
        assert_eq!(response.status().as_u16(), 201);
        // Not an image by content: the pipeline refuses it (finer code 415).
        let fake = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b"not a picture at all")
        );
        let mut fields = mitte_request(&key, &lat, &lon);
        fields.push(("media_url", &fake));
        let errors = expect_json_errors(post_form(&app, "json", &fields).await, 400).await;
        assert_eq!(errors[0]["code"], 415);
        // Other schemes than http(s) and data: are refused.
        let mut fields = mitte_request(&key, &lat, &lon);
        fields.push(("media_url", "file:///etc/passwd"));
        let errors = expect_json_errors(post_form(&app, "json", &fields).await, 400).await;
        assert!(
            errors[0]["description"]
                .as_str()
                .unwrap()
                .contains("never fetched")
        );
        app.stop().await;
    }
);

both_backends!(
    under_moderation_post_answers_a_token_until_published,
    |backend: Backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let (admin, key, _) = admin_and_key(&app).await;
        let (_, services) = get_json(&app, &format!("{BASE}/services.json")).await;
        let services = services.as_array().unwrap();
        assert!(!services.is_empty());
        for service in services {
            assert_eq!(service["type"], "batch", "{service}");
        }
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());
        let response = post_form(&app, "json", &mitte_request(&key, &lat, &lon)).await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        assert!(body[0].get("service_request_id").is_none());
        let token = body[0]["token"].as_str().unwrap().to_owned();

        let (status, answer) = get_json(&app, &format!("{BASE}/tokens/{token}.json")).await;
        assert_eq!(status, 200);
        assert_eq!(
            answer,
            json!([{ "service_request_id": null, "token": token }])
        );
        // Unpublished: not readable, not listed.
        let errors =
            expect_json_errors(app.get(&format!("{BASE}/requests/{token}.json")).await, 404).await;
        assert_eq!(errors[0]["code"], 404, "{errors:?}");
        let (_, list) = get_json(&app, &format!("{BASE}/requests.json")).await;
        assert_eq!(list, json!([]));

        let (status, _) = admin
            .post(
                &app,
                &format!("/api/v1/admin/reports/{token}/publish"),
                json!({}),
            )
            .await;
        assert_eq!(status, 200);
        let (_, xml) = get_xml(&app, &format!("{BASE}/tokens/{token}.xml")).await;
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_requests");
        let request = elements(doc.root_element())[0];
        assert_eq!(names(request), ["service_request_id", "token"]);
        assert_eq!(child_text(request, "service_request_id").unwrap(), token);
        let (status, _) = get_json(&app, &format!("{BASE}/requests/{token}.json")).await;
        assert_eq!(status, 200);

        // Unknown tokens and ids: 404 in both formats.
        let unknown = uuid::Uuid::now_v7();
        expect_json_errors(app.get(&format!("{BASE}/tokens/{unknown}.json")).await, 404).await;
        expect_xml_errors(
            app.get(&format!("{BASE}/tokens/not-a-token.xml")).await,
            404,
        )
        .await;
        expect_json_errors(
            app.get(&format!("{BASE}/requests/{unknown}.json")).await,
            404,
        )
        .await;
        expect_xml_errors(app.get(&format!("{BASE}/requests/nope.xml")).await, 404).await;
        app.stop().await;
    }
);

/// Files a report through the native API; returns its id.
async fn file_native(app: &TestApp, category: &str, description: &str) -> String {
    let filed = file_report(
        app,
        json!({
            "category": category, "description": description,
            "lat": MITTE_POINT.0, "lon": MITTE_POINT.1, "email": SECRET_EMAIL, "name": SECRET_NAME,
        }),
    )
    .await;
    filed["id"].as_str().unwrap().to_owned()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
        .collect()
}

both_backends!(
    requests_are_filtered_paged_and_extended,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let lamp = file_native(
            &app,
            "street_lighting",
            // Markup characters survive XML; control characters are refused at input.
            "Laterne <aus> & \"dunkel\" 'heute'",
        )
        .await;
        let road = file_native(&app, "roads_paths", "Schlagloch").await;
        let third = file_native(&app, "roads_paths", "Noch ein Schlagloch").await;
        let (status, _) = admin
            .post(
                &app,
                &format!("/api/v1/admin/reports/{road}/status"),
                json!({ "status": "resolved", "answer": "Das Loch ist geflickt." }),
            )
            .await;
        assert_eq!(status, 200);

        let (status, all) = get_json(&app, &format!("{BASE}/requests.json")).await;
        assert_eq!(status, 200);
        assert_eq!(
            ids(&all),
            [third.as_str(), road.as_str(), lamp.as_str()],
            "newest first"
        );
        let resolved = all
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service_request_id"] == road.as_str())
            .unwrap();
        assert_eq!(resolved["status"], "closed");
        assert_eq!(resolved["status_notes"], "Das Loch ist geflickt.");
        assert_eq!(all[0]["status_notes"], Value::Null);
        assert_no_contact(&all.to_string());

        let (_, closed) = get_json(&app, &format!("{BASE}/requests.json?status=closed")).await;
        assert_eq!(ids(&closed), [road.as_str()]);
        let (_, open) = get_json(&app, &format!("{BASE}/requests.json?status=open")).await;
        assert_eq!(ids(&open), [third.as_str(), lamp.as_str()]);
        let (_, both) = get_json(&app, &format!("{BASE}/requests.json?status=open,closed")).await;
        assert_eq!(ids(&both).len(), 3);
        let (_, lamps) = get_json(
            &app,
            &format!("{BASE}/requests.json?service_code=street_lighting"),
        )
        .await;
        assert_eq!(ids(&lamps), [lamp.as_str()]);
        let (_, codes) = get_json(
            &app,
            &format!("{BASE}/requests.json?service_code=street_lighting,roads_paths&status=closed"),
        )
        .await;
        assert_eq!(ids(&codes), [road.as_str()]);
        // The id list overrides every other argument (here: status=closed).
        let (_, picked) = get_json(
            &app,
            &format!("{BASE}/requests.json?service_request_id={lamp},{third},nope&status=closed"),
        )
        .await;
        assert_eq!(ids(&picked), [third.as_str(), lamp.as_str()]);
        let (_, none) = get_json(
            &app,
            &format!("{BASE}/requests.json?service_request_id=nope"),
        )
        .await;
        assert_eq!(none, json!([]));
        let (_, mitte) = get_json(
            &app,
            &format!("{BASE}/requests.json?jurisdiction_id=11000001"),
        )
        .await;
        assert_eq!(ids(&mitte).len(), 3);
        let (_, elsewhere) = get_json(
            &app,
            &format!("{BASE}/requests.json?jurisdiction_id=11000002"),
        )
        .await;
        assert_eq!(elsewhere, json!([]));

        // Dates: the window holds them; the future is empty; over 90 days is refused.
        let now = chrono::Utc::now();
        let fmt =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (_, window) = get_json(
            &app,
            &format!(
                "{BASE}/requests.json?start_date={}&end_date={}",
                fmt(now - chrono::Duration::days(1)),
                fmt(now + chrono::Duration::days(1))
            ),
        )
        .await;
        assert_eq!(ids(&window).len(), 3);
        let (_, later) = get_json(
            &app,
            &format!(
                "{BASE}/requests.json?start_date={}",
                fmt(now + chrono::Duration::hours(1))
            ),
        )
        .await;
        assert_eq!(later, json!([]));
        let (_, earlier) = get_json(
            &app,
            &format!(
                "{BASE}/requests.json?end_date={}",
                fmt(now - chrono::Duration::hours(1))
            ),
        )
        .await;
        assert_eq!(earlier, json!([]));
        let errors = expect_json_errors(
            app.get(&format!(
                "{BASE}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"
            ))
            .await,
            400,
        )
        .await;
        assert!(
            errors[0]["description"]
                .as_str()
                .unwrap()
                .contains("90 days")
        );
        let errors = expect_xml_errors(
            app.get(&format!(
                "{BASE}/requests.xml?start_date=yesterday&status=pending"
            ))
            .await,
            400,
        )
        .await;
        assert_eq!(errors.len(), 2, "every problem at once: {errors:?}");

        // Pagination: a Link to the next page.
        let response = app.get(&format!("{BASE}/requests.json?page_size=2")).await;
        let link = response.headers()["link"].to_str().unwrap().to_owned();
        assert!(
            link.contains("page=2")
                && link.contains("page_size=2")
                && link.ends_with("rel=\"next\""),
            "{link}"
        );
        assert_eq!(
            ids(&response.json::<Value>().await.unwrap()),
            [third.as_str(), road.as_str()]
        );
        let response = app
            .get(&format!("{BASE}/requests.json?page_size=2&page=2"))
            .await;
        assert!(response.headers().get("link").is_none());
        assert_eq!(
            ids(&response.json::<Value>().await.unwrap()),
            [lamp.as_str()]
        );
        expect_json_errors(app.get(&format!("{BASE}/requests.json?page=0")).await, 400).await;
        expect_json_errors(
            app.get(&format!("{BASE}/requests.json?page_size=1001"))
                .await,
            400,
        )
        .await;

        // Extensions: detailed status, light, authority, history.
        let (_, extended) = get_json(
            &app,
            &format!("{BASE}/requests/{road}.json?extensions=true"),
        )
        .await;
        let ext = &extended[0]["extended_attributes"];
        assert_eq!(ext["detailed_status"], "PROCESSED");
        assert_eq!(ext["buergerbuero_status"], "resolved");
        assert_eq!(ext["light"], "green");
        assert_eq!(ext["authority"]["key"], "11000001");
        assert_eq!(ext["authority"]["name"], "Bezirksamt Mitte");
        let notes = extended[0]["notes"].as_array().unwrap();
        assert_eq!(notes[0]["type"], "created");
        let last = notes.last().unwrap();
        assert_eq!(last["type"], "status_changed");
        assert_eq!(last["status"], "closed");
        assert_eq!(last["description"], "Das Loch ist geflickt.");
        expect_json_errors(
            app.get(&format!("{BASE}/requests/{road}.json?extensions=maybe"))
                .await,
            400,
        )
        .await;

        // XML: the spec's structure, special characters escaped and read back intact.
        let (status, xml) = get_xml(&app, &format!("{BASE}/requests.xml?extensions=true")).await;
        assert_eq!(status, 200);
        assert_no_contact(&xml);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(doc.root_element().tag_name().name(), "service_requests");
        let requests = elements(doc.root_element());
        assert_eq!(requests.len(), 3);
        assert_eq!(
            names(requests[2]),
            [
                "service_request_id",
                "status",
                "status_notes",
                "service_name",
                "service_code",
                "description",
                "agency_responsible",
                "service_notice",
                "requested_datetime",
                "updated_datetime",
                "expected_datetime",
                "address",
                "address_id",
                "zipcode",
                "lat",
                "long",
                "media_url",
                "extended_attributes",
                "notes"
            ]
        );
        assert_eq!(child_text(requests[2], "service_request_id").unwrap(), lamp);
        assert_eq!(
            child_text(requests[2], "description").unwrap(),
            "Laterne <aus> & \"dunkel\" 'heute'"
        );
        assert_eq!(
            child_text(requests[2], "lat").unwrap(),
            MITTE_POINT.0.to_string()
        );
        let notes = elements(requests[1])
            .into_iter()
            .find(|n| n.tag_name().name() == "notes")
            .unwrap();
        let notes = names(notes);
        assert!(!notes.is_empty(), "the road report has its history");
        assert_eq!(notes, vec!["note"; notes.len()]);
        let (_, plain) = get_xml(&app, &format!("{BASE}/requests/{lamp}.xml")).await;
        let doc = roxmltree::Document::parse(&plain).unwrap();
        assert_eq!(
            elements(doc.root_element()).len(),
            1,
            "one request is a one-element list"
        );

        // The updates feed: the status change, in both formats.
        let (status, updates) = get_json(&app, &format!("{BASE}/servicerequestupdates.json")).await;
        assert_eq!(status, 200);
        let updates = updates.as_array().unwrap();
        assert_eq!(updates.len(), 1, "{updates:?}");
        assert_eq!(updates[0]["service_request_id"], road.as_str());
        assert_eq!(updates[0]["status"], "closed");
        assert_eq!(updates[0]["external_status_code"], "resolved");
        assert_eq!(updates[0]["description"], "Das Loch ist geflickt.");
        let (_, xml) = get_xml(&app, &format!("{BASE}/servicerequestupdates.xml")).await;
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(
            doc.root_element().tag_name().name(),
            "service_request_updates"
        );
        assert_eq!(names(doc.root_element()), ["request_update"]);
        let (_, future) = get_json(
            &app,
            &format!(
                "{BASE}/servicerequestupdates.json?start_date={}",
                fmt(now + chrono::Duration::days(1))
            ),
        )
        .await;
        assert_eq!(future, json!([]));
        expect_xml_errors(app.get(&format!("{BASE}/servicerequestupdates.xml?start_date=2020-01-01T00:00:00Z&end_date=2021-01-01T00:00:00Z")).await, 400).await;
        expect_json_errors(
            app.get(&format!("{BASE}/servicerequestupdates.json?end_date=soon"))
                .await,
            400,
        )
        .await;
        expect_json_errors(
            app.get(&format!(
                "{BASE}/servicerequestupdates.json?jurisdiction_id=99999"
            ))
            .await,
            404,
        )
        .await;
        expect_xml_errors(
            app.get(&format!("{BASE}/requests.xml?jurisdiction_id=99999"))
                .await,
            404,
        )
        .await;
        expect_json_errors(
            app.get(&format!("{BASE}/requests.json?jurisdiction_id=BE-NOPE"))
                .await,
            404,
        )
        .await;
        // Other methods on an Open311 path: 405 with Allow, as the spec's error list.
        let response = app
            .client
            .delete(format!("{}{BASE}/requests.json", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET, POST");
        let errors = expect_json_errors(response, 405).await;
        assert_eq!(errors[0]["code"], 405);
        app.stop().await;
    }
);

both_backends!(
    filing_is_rate_limited_like_the_native_api,
    |backend: Backend| async move {
        let app = TestApp::spawn_with(TestDatabase::new(backend), |s| {
            s.moderation = buergerbuero::config::Moderation::Off;
            s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
            s.rate_limit.reports_per_hour = 1;
            s.rate_limit.burst = 1;
        })
        .await;
        let (_, key, _) = admin_and_key(&app).await;
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());
        assert_eq!(
            post_form(&app, "json", &mitte_request(&key, &lat, &lon))
                .await
                .status()
                .as_u16(),
            201
        );
        let response = post_form(&app, "xml", &mitte_request(&key, &lat, &lon)).await;
        assert!(
            response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                >= 1
        );
        let errors = expect_xml_errors(response, 400).await;
        assert_eq!(errors[0].0, "429");
        app.stop().await;
    }
);

both_backends!(
    only_admins_manage_open311_keys,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let clerk = sign_in(&app, "clerk@example.org", false, &["11000001"]).await;
        let (status, refused) = clerk.get(&app, "/api/v1/admin/open311-keys").await;
        assert_problem(status, &refused, 403, "forbidden");
        let (status, refused) = clerk
            .post(&app, "/api/v1/admin/open311-keys", json!({ "name": "x" }))
            .await;
        assert_problem(status, &refused, 403, "forbidden");
        let (status, refused) = Client::ANONYMOUS
            .get(&app, "/api/v1/admin/open311-keys")
            .await;
        assert_problem(status, &refused, 401, "unauthorized");
        let admin = sign_in(&app, "admin@example.org", true, &[]).await;
        let (status, refused) = admin
            .post(&app, "/api/v1/admin/open311-keys", json!({ "name": " " }))
            .await;
        assert_problem(status, &refused, 400, "invalid-parameter");
        let (status, listed) = admin.get(&app, "/api/v1/admin/open311-keys").await;
        assert_eq!((status, listed), (200, json!({ "keys": [] })));
        let missing = uuid::Uuid::now_v7();
        let response = admin
            .request(
                &app,
                reqwest::Method::DELETE,
                &format!("/api/v1/admin/open311-keys/{missing}"),
                None,
            )
            .await;
        refusal(response, 404, "not-found").await;
        app.stop().await;
    }
);

both_backends!(
    a_retry_with_the_same_idempotency_key_files_once,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (admin, key, _) = admin_and_key(&app).await;
        let (status, other) = admin
            .post(
                &app,
                "/api/v1/admin/open311-keys",
                json!({ "name": "Andere App" }),
            )
            .await;
        assert_eq!(status, 201);
        let other_key = other["api_key"].as_str().unwrap().to_owned();
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());
        let post_as = |api_key: &str, idempotency_key: &'static str, description: &'static str| {
            let mut fields = mitte_request(api_key, &lat, &lon);
            fields.retain(|(name, _)| *name != "description");
            fields.push(("description", description));
            app.client
                .post(format!("{}{BASE}/requests.json", app.address))
                .header("Idempotency-Key", idempotency_key)
                .form(&fields)
                .send()
        };
        let post = |idempotency_key, description| post_as(&key, idempotency_key, description);

        // The first answer and the retry's name the same request; only the retry says so.
        let first = post("app-42-1", "Laterne flackert").await.unwrap();
        assert_eq!(first.status().as_u16(), 201);
        assert!(first.headers().get("idempotent-replayed").is_none());
        let first: Value = first.json().await.unwrap();
        let retry = post("app-42-1", "Laterne flackert").await.unwrap();
        assert_eq!(retry.status().as_u16(), 201);
        assert_eq!(retry.headers()["idempotent-replayed"], "true");
        let retry: Value = retry.json().await.unwrap();
        let id = first[0]["service_request_id"].as_str().unwrap();
        assert_eq!(retry[0]["service_request_id"], id);

        // The key with other content, and a malformed key: refused, nothing filed.
        let errors = expect_json_errors(post("app-42-1", "Ampel aus").await.unwrap(), 400).await;
        assert_eq!(errors[0]["code"], 422, "{errors:?}");
        let errors = expect_json_errors(post("app 42", "Ampel aus").await.unwrap(), 400).await;
        assert_eq!(errors[0]["code"], 400, "{errors:?}");
        assert!(
            errors[0]["description"]
                .as_str()
                .unwrap()
                .starts_with("Idempotency-Key")
        );

        // Another app's key of the same spelling is its own: a new request.
        let theirs = post_as(&other_key, "app-42-1", "Ampel aus").await.unwrap();
        assert_eq!(theirs.status().as_u16(), 201);
        assert!(theirs.headers().get("idempotent-replayed").is_none());
        let theirs: Value = theirs.json().await.unwrap();
        let their_id = theirs[0]["service_request_id"].as_str().unwrap();
        assert_ne!(their_id, id);

        let (status, list) = get_json(&app, &format!("{BASE}/requests.json")).await;
        assert_eq!(status, 200);
        let mut ids: Vec<&str> = list
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["service_request_id"].as_str())
            .collect();
        ids.sort();
        let mut expected = [id, their_id];
        expected.sort();
        assert_eq!(ids, expected);
        app.stop().await;
    }
);

// ---- Issue 17: where the endpoint followed the spec too narrowly ----

/// The texts of an error list, joined (for `contains` checks).
pub(crate) fn texts(errors: &[Value]) -> String {
    errors
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

both_backends!(
    the_specs_own_example_post_is_filed_and_its_media_url_kept_as_a_link,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (_, key, _) = admin_and_key(&app).await;
        // The example body of the spec's POST Service Request, field for field. Only what
        // names the spec's example city is ours: the key, the jurisdiction, the service, the
        // service's attribute, and a point in Berlin instead of San Francisco.
        let link = "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg";
        let response = post_form(
            &app,
            "json",
            &[
                ("api_key", &key),
                ("jurisdiction_id", "11000001"),
                ("service_code", "street_lighting"),
                ("lat", "52.5219"),
                ("long", "13.4132"),
                ("address_string", "1234 5th street"),
                ("email", SECRET_EMAIL),
                ("device_id", "tt222111"),
                ("account_id", "123456"),
                ("first_name", "john"),
                ("last_name", SECRET_NAME),
                ("phone", SECRET_PHONE),
                ("description", "A large sinkhole is destroying the street"),
                ("media_url", link),
                ("attribute[language]", "en"),
            ],
        )
        .await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let id = body[0]["service_request_id"].as_str().unwrap().to_owned();

        // The link is the request's media_url, in both formats; nothing was fetched (the
        // host does not even resolve here) and no photo was made of it.
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json?extensions=true")).await;
        assert_eq!(one[0]["media_url"], link);
        assert_eq!(one[0]["extended_attributes"]["photos"], json!([]));
        let (_, xml) = get_xml(&app, &format!("{BASE}/requests/{id}.xml")).await;
        assert!(
            xml.contains(&format!("<media_url>{link}</media_url>")),
            "{xml}"
        );
        let (_, list) = get_json(&app, &format!("{BASE}/requests.json")).await;
        assert_eq!(list[0]["media_url"], link);
        assert_no_contact(&list.to_string());
        // The native API has no media links.
        let (_, native) = app.get_json(&format!("/api/v1/reports/{id}")).await;
        assert!(native.get("media_url").is_none(), "{native}");

        // Other schemes stay refused, and a link with spaces is no link.
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org/a.jpg",
            "https://exa mple.org/a.jpg",
        ] {
            let mut fields = mitte_request(&key, "52.5219", "13.4132");
            fields.push(("media_url", bad));
            let errors = expect_json_errors(post_form(&app, "json", &fields).await, 400).await;
            assert!(texts(&errors).contains("media_url"), "{bad}: {errors:?}");
        }
        app.stop().await;
    }
);

both_backends!(
    an_address_string_alone_is_placed_through_the_place_search,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (_, key, _) = admin_and_key(&app).await;
        let by_address = |address: &'static str, code: &'static str| {
            vec![
                ("api_key", key.clone()),
                ("service_code", code.to_owned()),
                ("description", "Schlagloch".to_owned()),
                ("address_string", address.to_owned()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>| {
            let app = &app;
            async move {
                app.client
                    .post(format!("{}{BASE}/requests.json", app.address))
                    .form(&fields)
                    .send()
                    .await
                    .unwrap()
            }
        };

        // Most specific first: the street is no place, Berlin is (its point lies in Mitte).
        let response = post(by_address(
            "Unter den Linden 1, 10117 Berlin",
            "street_lighting",
        ))
        .await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        assert!(
            body[0]["service_notice"]
                .as_str()
                .unwrap()
                .contains("Berlin"),
            "{body}"
        );
        let id = body[0]["service_request_id"].as_str().unwrap();
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json")).await;
        assert_eq!(one[0]["agency_responsible"], "Bezirksamt Mitte");
        assert_eq!(one[0]["address"], "Unter den Linden 1, 10117 Berlin");
        assert!(one[0]["lat"].as_f64().is_some());

        // A Gemeinde by its full name is routed there.
        let response = post(by_address("Dorfstraße 3, Briesen (Mark)", "roads_paths")).await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let id = body[0]["service_request_id"].as_str().unwrap();
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json")).await;
        assert_eq!(one[0]["agency_responsible"], "Amt Odervorland");

        // Two Gemeinden called Briesen: refused with both names rather than guessed.
        let errors = expect_json_errors(
            post(by_address("Hauptstraße 5, Briesen", "roads_paths")).await,
            400,
        )
        .await;
        let text = texts(&errors);
        assert!(
            text.contains("several places")
                && text.contains("Oder-Spree")
                && text.contains("Spree-Neiße"),
            "{text}"
        );
        // Nothing of that name: refused, saying what the search knows.
        let errors = expect_json_errors(
            post(by_address("Hauptstraße 5, Xqzvwy", "roads_paths")).await,
            400,
        )
        .await;
        assert!(texts(&errors).contains("not streets"), "{errors:?}");
        // An address id alone: there is no register to look it up in.
        let errors = expect_json_errors(
            post(vec![
                ("api_key", key.clone()),
                ("service_code", "roads_paths".into()),
                ("description", "Schlagloch".into()),
                ("address_id", "4711".into()),
            ])
            .await,
            400,
        )
        .await;
        assert!(texts(&errors).contains("no address register"), "{errors:?}");
        app.stop().await;
    }
);

both_backends!(
    a_photo_or_a_media_url_may_stand_for_the_description,
    |backend: Backend| async move {
        use base64::Engine as _;
        let app = open_app(backend).await;
        let (_, key, _) = admin_and_key(&app).await;
        let (lat, lon) = (MITTE_POINT.0.to_string(), MITTE_POINT.1.to_string());
        let without_description = || {
            let mut fields = mitte_request(&key, &lat, &lon);
            fields.retain(|(k, _)| *k != "description");
            fields
        };
        // Nothing says what is wrong: refused.
        let errors =
            expect_json_errors(post_form(&app, "json", &without_description()).await, 400).await;
        assert!(texts(&errors).starts_with("description:"), "{errors:?}");
        // A link does.
        let mut fields = without_description();
        fields.push(("media_url", "https://example.org/laterne.jpg"));
        let response = post_form(&app, "json", &fields).await;
        assert_eq!(response.status().as_u16(), 201);
        let id = response.json::<Value>().await.unwrap()[0]["service_request_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json")).await;
        assert_eq!(one[0]["description"], "");
        // So does a photo (here as a data: URI).
        let data = format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(jpeg(40, 30))
        );
        let mut fields = without_description();
        fields.push(("media_url", &data));
        assert_eq!(
            post_form(&app, "json", &fields).await.status().as_u16(),
            201
        );
        // The 4,000-character limit stands, with media too.
        let long = "x".repeat(4001);
        let mut fields = without_description();
        fields.push(("media_url", "https://example.org/laterne.jpg"));
        fields.push(("description", &long));
        let errors = expect_json_errors(post_form(&app, "json", &fields).await, 400).await;
        assert!(texts(&errors).contains("4000"), "{errors:?}");
        app.stop().await;
    }
);

both_backends!(
    expected_datetime_stays_empty_and_the_reaction_deadline_is_an_extension,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let id = file_native(&app, "street_lighting", "Laterne aus").await;
        let (_, one) = get_json(&app, &format!("{BASE}/requests/{id}.json?extensions=true")).await;
        assert_eq!(one[0]["status"], "open");
        assert_eq!(one[0]["expected_datetime"], Value::Null);
        let due = one[0]["extended_attributes"]["reaction_due_at"]
            .as_str()
            .unwrap();
        assert!(due.ends_with('Z'), "{due}");
        assert_eq!(one[0]["extended_attributes"]["overdue"], false);
        let (_, xml) = get_xml(&app, &format!("{BASE}/requests/{id}.xml")).await;
        assert!(xml.contains("<expected_datetime/>"), "{xml}");
        app.stop().await;
    }
);

both_backends!(
    metadata_is_true_only_for_a_service_with_a_required_attribute,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (_, services) = get_json(&app, &format!("{BASE}/services.json")).await;
        for service in services.as_array().unwrap() {
            let code = service["service_code"].as_str().unwrap();
            let (status, definition) =
                get_json(&app, &format!("{BASE}/services/{code}.json")).await;
            assert_eq!(status, 200, "the definition stays readable");
            let required = definition["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["required"] == true);
            assert_eq!(service["metadata"], required, "{code}");
        }
        app.stop().await;
    }
);

both_backends!(
    requests_are_filtered_by_bbox_and_radius_and_unknown_filters_refused,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let (_, key, _) = admin_and_key(&app).await;
        let mut filed = Vec::new();
        // Alexanderplatz, Tiergarten (about 4.3 km west), Briesen (Mark) (about 70 km east).
        for (code, lat, lon) in [
            ("street_lighting", "52.5219", "13.4132"),
            ("green_trees", "52.52", "13.35"),
            ("roads_paths", "52.33012", "14.26357"),
        ] {
            let mut fields = mitte_request(&key, lat, lon);
            fields[1] = ("service_code", code);
            let response = post_form(&app, "json", &fields).await;
            assert_eq!(response.status().as_u16(), 201);
            let body: Value = response.json().await.unwrap();
            filed.push(body[0]["service_request_id"].as_str().unwrap().to_owned());
        }
        let (alex, tiergarten, briesen) = (&filed[0], &filed[1], &filed[2]);

        let (_, berlin) = get_json(
            &app,
            &format!("{BASE}/requests.json?bbox=13.0,52.3,13.8,52.7"),
        )
        .await;
        assert_eq!(ids(&berlin), [tiergarten.as_str(), alex.as_str()]);
        let (_, east) = get_json(&app, &format!("{BASE}/requests.json?bbox=14,52,15,53")).await;
        assert_eq!(ids(&east), [briesen.as_str()]);

        let (_, near) = get_json(
            &app,
            &format!("{BASE}/requests.json?lat=52.5219&long=13.4132&radius=1000"),
        )
        .await;
        assert_eq!(ids(&near), [alex.as_str()]);
        assert_eq!(near[0]["distance"], 0);
        let (_, wider) = get_json(
            &app,
            &format!("{BASE}/requests.json?lat=52.5219&long=13.4132&radius=5000"),
        )
        .await;
        assert_eq!(ids(&wider), [tiergarten.as_str(), alex.as_str()]);
        let metres = wider[0]["distance"].as_i64().unwrap();
        assert!((4_100..4_500).contains(&metres), "{metres}");
        // The filters combine with the others; without a radius there is no distance.
        let (_, lamps) = get_json(
            &app,
            &format!(
                "{BASE}/requests.json?lat=52.5219&long=13.4132&radius=5000&service_code=green_trees"
            ),
        )
        .await;
        assert_eq!(ids(&lamps), [tiergarten.as_str()]);
        let (_, plain) = get_json(&app, &format!("{BASE}/requests.json")).await;
        assert!(plain[0].get("distance").is_none());
        let (_, xml) = get_xml(
            &app,
            &format!("{BASE}/requests.xml?lat=52.5219&long=13.4132&radius=1000"),
        )
        .await;
        assert!(xml.contains("<distance>0</distance>"), "{xml}");

        // Never ignored: a bad or half filter, and filters this endpoint does not know.
        for query in [
            "bbox=13.8,52.3,13.0,52.7",
            "bbox=13,52",
            "lat=52.52&long=13.41",
            "radius=500",
            "lat=52.52&long=13.41&radius=100000",
            "q=Laterne",
            "limit=10",
            "updated_after=2026-01-01T00:00:00Z",
        ] {
            let errors =
                expect_json_errors(app.get(&format!("{BASE}/requests.json?{query}")).await, 400)
                    .await;
            assert_eq!(errors[0]["code"], 400, "{query}");
        }
        let errors =
            expect_xml_errors(app.get(&format!("{BASE}/requests.xml?sort=asc")).await, 400).await;
        assert!(errors[0].1.starts_with("sort:"), "{errors:?}");
        // A client's api_key on a read is taken and ignored (reading needs none).
        let (status, _) = get_json(&app, &format!("{BASE}/requests.json?api_key=x")).await;
        assert_eq!(status, 200);
        app.stop().await;
    }
);

both_backends!(
    every_error_is_the_error_list_in_german_or_english,
    |backend: Backend| async move {
        let app = open_app(backend).await;
        let get_in = |path: String, language: Option<&'static str>| {
            let app = &app;
            async move {
                let mut request = app.client.get(format!("{}{path}", app.address));
                if let Some(language) = language {
                    request = request.header("Accept-Language", language);
                }
                request.send().await.unwrap()
            }
        };
        // Unknown resources under the prefix: the error list, not problem+json.
        for path in [
            format!("{BASE}/requests.csv"),
            format!("{BASE}/nothing"),
            format!("{BASE}/"),
            format!("{BASE}/services/street_lighting"),
        ] {
            let errors = expect_json_errors(get_in(path.clone(), None).await, 404).await;
            assert!(
                texts(&errors).contains(".json or .xml"),
                "{path}: {errors:?}"
            );
        }
        let errors =
            expect_xml_errors(get_in(format!("{BASE}/nothing.xml"), None).await, 404).await;
        assert_eq!(errors[0].0, "404");
        let response = app
            .client
            .post(format!("{}{BASE}/requests.csv", app.address))
            .send()
            .await
            .unwrap();
        expect_json_errors(response, 404).await;
        let response = app
            .client
            .put(format!("{}{BASE}/services.xml", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()["allow"], "GET");
        expect_xml_errors(response, 405).await;

        // German after Accept-Language, English otherwise.
        let path = format!("{BASE}/services/potholes.json");
        let english = expect_json_errors(get_in(path.clone(), None).await, 404).await;
        assert!(
            texts(&english).contains("there is no service"),
            "{english:?}"
        );
        let german = expect_json_errors(
            get_in(path.clone(), Some("de-DE,de;q=0.9,en;q=0.8")).await,
            404,
        )
        .await;
        assert!(
            texts(&german).contains("es gibt keinen Dienst"),
            "{german:?}"
        );
        let preferred = expect_json_errors(get_in(path, Some("en, de;q=0.5")).await, 404).await;
        assert_eq!(preferred, english);
        let german = expect_xml_errors(
            get_in(
                format!("{BASE}/requests.xml?status=pending&page=0"),
                Some("de"),
            )
            .await,
            400,
        )
        .await;
        assert_eq!(german.len(), 2);
        assert!(german[0].1.contains("weder open noch closed"), "{german:?}");
        let german =
            expect_json_errors(get_in(format!("{BASE}/nothing.csv"), Some("de")).await, 404).await;
        assert!(texts(&german).contains("gibt es nicht"), "{german:?}");
        // A refused POST too (no key: 403).
        let response = app
            .client
            .post(format!("{}{BASE}/requests.json", app.address))
            .header("Accept-Language", "de")
            .form(&[("service_code", "street_lighting")])
            .send()
            .await
            .unwrap();
        let errors = expect_json_errors(response, 403).await;
        assert!(texts(&errors).contains("fehlt"), "{errors:?}");
        app.stop().await;
    }
);
