//! The optional upstream geocoder (`BUERGERBUERO_GEOCODER_URL`): street addresses in
//! `GET /api/v1/places?addresses=true` and for Open311's `address_string`, against a
//! stand-in that speaks Nominatim's search API over a real socket (the public Nominatim is
//! out of reach here, and a private one needs an OpenStreetMap import): what is sent upstream
//! and when, which answers are kept, and what happens when the upstream fails, is slow or was
//! just asked.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestDatabase};
use crate::open311::{admin_and_key, expect_json_errors, texts};

/// A Nominatim stand-in on a random port that records every query string it was sent.
struct Upstream {
    url: String,
    queries: Arc<Mutex<Vec<String>>>,
    handle: actix_web::dev::ServerHandle,
}

impl Upstream {
    async fn start() -> Self {
        let queries = Arc::new(Mutex::new(Vec::new()));
        let recorded = queries.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(recorded.clone()))
                .route("/search", web::get().to(answer))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            url,
            queries,
            handle,
        }
    }

    /// The `q` of every search so far.
    fn asked(&self) -> Vec<String> {
        self.queries
            .lock()
            .unwrap()
            .iter()
            .map(|query| {
                serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                    .unwrap()
                    .into_iter()
                    .find(|(k, _)| k == "q")
                    .map(|(_, v)| v)
                    .unwrap_or_default()
            })
            .collect()
    }

    async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// Canned answers in Nominatim's `jsonv2` format, by the query's text.
async fn answer(
    request: HttpRequest,
    recorded: web::Data<Arc<Mutex<Vec<String>>>>,
) -> HttpResponse {
    let query = request.query_string().to_owned();
    recorded.lock().unwrap().push(query.clone());
    let q: String = serde_urlencoded::from_str::<Vec<(String, String)>>(&query)
        .unwrap()
        .into_iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let hit = |lat: &str, lon: &str, road: &str, number: &str, postcode: &str, town: &str| {
        json!({
            "place_id": 1, "lat": lat, "lon": lon, "category": "place", "type": "house",
            "display_name": format!("{number}, {road}, {town}, {postcode}, Deutschland"),
            "address": { "road": road, "house_number": number, "postcode": postcode, "city": town },
            "boundingbox": [lat, lat, lon, lon],
        })
    };
    match q.as_str() {
        // One address in Berlin-Mitte, and one in Hamburg that the bounded search should not
        // have given (the service drops it: it is no place of the three states).
        "Unter den Linden 1, Berlin" => HttpResponse::Ok().json(json!([
            hit(
                "52.5170",
                "13.3889",
                "Unter den Linden",
                "1",
                "10117",
                "Berlin"
            ),
            hit(
                "53.5503",
                "9.9930",
                "Unter den Linden",
                "1",
                "20095",
                "Hamburg"
            ),
        ])),
        // The same street and number in two Gemeinden: Briesen (Mark) and Fürstenwalde/Spree.
        "Bahnhofstraße 1" => HttpResponse::Ok().json(json!([
            hit(
                "52.34383",
                "14.27804",
                "Bahnhofstraße",
                "1",
                "15518",
                "Briesen (Mark)"
            ),
            hit(
                "52.3600",
                "14.0600",
                "Bahnhofstraße",
                "1",
                "15517",
                "Fürstenwalde/Spree"
            ),
        ])),
        "kaputt" | "kaputt, Briesen (Mark)" => HttpResponse::InternalServerError().finish(),
        "langsam" => {
            tokio::time::sleep(Duration::from_secs(5)).await;
            HttpResponse::Ok().json(json!([]))
        }
        "kein json" => HttpResponse::Ok().body("<html>not nominatim</html>"),
        _ => HttpResponse::Ok().json(json!([])),
    }
}

async fn app_with(backend: Backend, upstream: &Upstream, min_interval_ms: u64) -> TestApp {
    let url = upstream.url.clone();
    TestApp::spawn_with(TestDatabase::new(backend), move |s| {
        s.moderation = buergerbuero::config::Moderation::Off;
        s.email_confirmation = buergerbuero::config::EmailConfirmation::Off;
        s.rate_limit.reports_per_hour = 0;
        s.geocoder.url = url;
        s.geocoder.timeout_ms = 500;
        s.geocoder.min_interval_ms = min_interval_ms;
    })
    .await
}

async fn places(app: &TestApp, query: &[(&str, &str)]) -> Value {
    let path = format!(
        "/api/v1/places?{}",
        serde_urlencoded::to_string(query).unwrap()
    );
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

both_backends!(
    street_addresses_are_asked_upstream_only_on_request_and_kept_inside_the_states,
    |backend: Backend| async move {
        let upstream = Upstream::start().await;
        let app = app_with(backend, &upstream, 0).await;

        // Typing (no addresses=true) never leaves the service.
        let body = places(&app, &[("q", "Unter den Linden 1, Berlin")]).await;
        assert_eq!(body["street_search"], "not_requested");
        assert_eq!(body["addresses"], json!([]));
        assert!(body.get("address_attribution").is_none(), "{body}");
        assert!(upstream.asked().is_empty());

        // Asked: the Berlin hit with the engine's area and authority; Hamburg's is dropped.
        let body = places(
            &app,
            &[("q", "Unter den Linden 1, Berlin"), ("addresses", "true")],
        )
        .await;
        assert_eq!(body["street_search"], "ok");
        let addresses = body["addresses"].as_array().unwrap();
        assert_eq!(addresses.len(), 1, "{body}");
        assert_eq!(addresses[0]["kind"], "address");
        assert_eq!(addresses[0]["name"], "Unter den Linden 1, 10117 Berlin");
        assert_eq!(addresses[0]["state"], "BE");
        assert_eq!(addresses[0]["area"]["name"], "Mitte");
        assert_eq!(addresses[0]["authority"]["name"], "Bezirksamt Mitte");
        assert_eq!(
            addresses[0]["point"],
            json!({ "lat": 52.517, "lon": 13.3889 })
        );
        assert!(
            body["address_attribution"]
                .as_str()
                .unwrap()
                .contains("OpenStreetMap"),
            "{body}"
        );
        // The upstream was asked within the service area only, once.
        let sent = upstream.queries.lock().unwrap().clone();
        assert_eq!(sent.len(), 1);
        for part in ["format=jsonv2", "countrycodes=de", "bounded=1", "viewbox="] {
            assert!(sent[0].contains(part), "{part} missing in {}", sent[0]);
        }
        // The local places still answer beside the addresses.
        let body = places(&app, &[("q", "Briesen"), ("addresses", "true")]).await;
        assert_eq!(body["places"][0]["name"], "Briesen (Mark)");
        // The attribution route names the upstream's licence.
        let (_, attribution) = app.get_json("/api/v1/attribution").await;
        assert!(
            attribution["addresses"]
                .as_str()
                .unwrap()
                .contains("OpenStreetMap")
        );

        app.stop().await;
        upstream.stop().await;
    }
);

both_backends!(
    a_failing_slow_or_just_asked_upstream_leaves_the_local_answer_with_a_note,
    |backend: Backend| async move {
        let upstream = Upstream::start().await;
        let app = app_with(backend, &upstream, 0).await;
        for q in ["kaputt", "langsam", "kein json"] {
            let body = places(&app, &[("q", q), ("addresses", "true")]).await;
            assert_eq!(body["street_search"], "unavailable", "{q}: {body}");
            assert_eq!(body["addresses"], json!([]), "{q}");
            assert!(body["places"].is_array(), "{q}");
        }
        // Nothing found upstream is an answer, not a failure.
        let body = places(&app, &[("q", "Briesen"), ("addresses", "true")]).await;
        assert_eq!(body["street_search"], "ok");
        assert_eq!(body["addresses"], json!([]));
        assert_eq!(body["places"][0]["name"], "Briesen (Mark)");
        app.stop().await;

        // One upstream search a minute: the second within it is answered locally, not sent.
        let app = app_with(backend, &upstream, 60_000).await;
        let before = upstream.asked().len();
        let first = places(&app, &[("q", "Briesen"), ("addresses", "true")]).await;
        let second = places(&app, &[("q", "Briesen"), ("addresses", "true")]).await;
        assert_eq!(first["street_search"], "ok");
        assert_eq!(second["street_search"], "unavailable");
        assert_eq!(second["places"], first["places"]);
        assert_eq!(upstream.asked().len(), before + 1);

        // A bad switch is refused with the parameter named.
        let problem = app
            .get_problem(
                "/api/v1/places?q=Briesen&addresses=yes",
                400,
                "invalid-parameter",
            )
            .await;
        assert!(problem.to_string().contains("addresses"), "{problem}");
        app.stop().await;
        upstream.stop().await;
    }
);

both_backends!(
    without_a_geocoder_the_street_search_is_off,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let body = places(&app, &[("q", "Briesen"), ("addresses", "true")]).await;
        assert_eq!(body["street_search"], "off");
        assert_eq!(body["addresses"], json!([]));
        let (_, attribution) = app.get_json("/api/v1/attribution").await;
        assert_eq!(attribution["addresses"], Value::Null);
        app.stop().await;
    }
);

both_backends!(
    open311_address_strings_are_placed_at_the_street_address_by_the_upstream,
    |backend: Backend| async move {
        let upstream = Upstream::start().await;
        let app = app_with(backend, &upstream, 0).await;
        let (_, key, _) = admin_and_key(&app).await;
        let post = |address: &'static str| {
            let (app, key) = (&app, key.clone());
            async move {
                app.client
                    .post(format!("{}/open311/v2/requests.json", app.address))
                    .form(&[
                        ("api_key", key.as_str()),
                        ("service_code", "roads_paths"),
                        ("description", "Schlagloch"),
                        ("address_string", address),
                    ])
                    .send()
                    .await
                    .unwrap()
            }
        };

        // At the street address itself, not at Berlin's middle.
        let response = post("Unter den Linden 1, Berlin").await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        let notice = body[0]["service_notice"].as_str().unwrap();
        assert!(
            notice.contains("Adresssuche an Unter den Linden 1, 10117 Berlin"),
            "{notice}"
        );
        let id = body[0]["service_request_id"].as_str().unwrap();
        let (_, one) = app
            .get_json(&format!("/open311/v2/requests/{id}.json"))
            .await;
        assert_eq!(one[0]["agency_responsible"], "Bezirksamt Mitte");
        assert_eq!(one[0]["lat"], 52.517);
        assert_eq!(one[0]["long"], 13.3889);

        // The same street in two Gemeinden: refused with both, not guessed.
        let errors = expect_json_errors(post("Bahnhofstraße 1").await, 400).await;
        let text = texts(&errors);
        assert!(
            text.contains("several places")
                && text.contains("Briesen (Mark)")
                && text.contains("Fürstenwalde/Spree"),
            "{text}"
        );

        // The upstream failing: the place search places it, as without a geocoder.
        let response = post("kaputt, Briesen (Mark)").await;
        assert_eq!(response.status().as_u16(), 201);
        let body: Value = response.json().await.unwrap();
        assert!(
            body[0]["service_notice"]
                .as_str()
                .unwrap()
                .contains("Ortssuche bei Briesen (Mark)"),
            "{body}"
        );
        app.stop().await;
        upstream.stop().await;
    }
);
