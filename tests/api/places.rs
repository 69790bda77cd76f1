//! `GET /api/v1/places` and the nearest place of `GET /api/v1/jurisdiction`, on the real
//! boundaries and the real GeoNames file: spellings, shared names, typing errors, Ämter and
//! Bezirke, the reverse answer, bad input, and a start without the places file.

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp, TestDatabase};

async fn search(app: &TestApp, q: &str) -> Vec<Value> {
    let path = format!("/api/v1/places?q={}", urlencode(q));
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200, "{path}: {body}");
    assert_eq!(
        body["attribution"],
        "Ortsnamen: GeoNames (geonames.org), CC BY 4.0"
    );
    body["places"].as_array().unwrap().clone()
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()[2..].to_owned()
}

/// (name, kind, match, area key, kreis name) of each hit.
fn summary(hits: &[Value]) -> Vec<(String, String, String, String, String)> {
    hits.iter()
        .map(|h| {
            (
                h["name"].as_str().unwrap().to_owned(),
                h["kind"].as_str().unwrap().to_owned(),
                h["match"].as_str().unwrap().to_owned(),
                h["area"]["key"].as_str().unwrap_or("").to_owned(),
                h["kreis"]["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

both_backends!(
    names_are_found_however_they_are_spelt,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;

        // Umlauts: "Mueritz", "Muritz", "müritz", "MÜRITZ" all find Waren (Müritz).
        let expected = summary(&search(&app, "Müritz").await);
        assert!(
            expected
                .iter()
                .any(|h| h.0 == "Waren (Müritz)" && h.2 == "word_prefix"),
            "{expected:?}"
        );
        for q in ["Mueritz", "Muritz", "müritz", "MÜRITZ"] {
            assert_eq!(summary(&search(&app, q).await), expected, "{q}");
        }

        // ß as ss, and lower case.
        let hits = search(&app, "grossbeeren").await;
        assert_eq!(hits[0]["name"], "Großbeeren");
        assert_eq!(hits[0]["match"], "exact");
        let hits = search(&app, "Gross Kreutz").await;
        assert!(
            hits[0]["name"].as_str().unwrap().starts_with("Groß Kreutz"),
            "{hits:?}"
        );

        // A lower-case exact name, with what the hit must say.
        let hits = search(&app, "potsdam").await;
        let potsdam = &hits[0];
        assert_eq!(potsdam["name"], "Potsdam");
        assert_eq!(potsdam["kind"], "gemeinde");
        assert_eq!(potsdam["match"], "exact");
        assert_eq!(potsdam["state"], "BB");
        assert_eq!(potsdam["area"]["key"], "12054000");
        assert_eq!(potsdam["authority"]["name"], "Stadt Potsdam");
        assert_eq!(potsdam["authority"]["kind"], "kreisfreie_stadt");
        assert!(potsdam["population"].as_u64().unwrap() > 100_000);
        assert!(potsdam["point"]["lat"].is_number());
        assert_eq!(potsdam["bbox"].as_array().unwrap().len(), 4);

        // A Berlin Bezirk and an Amt.
        let hits = search(&app, "mitte").await;
        assert_eq!(
            (hits[0]["name"].as_str(), hits[0]["kind"].as_str()),
            (Some("Mitte"), Some("bezirk"))
        );
        assert_eq!(hits[0]["authority"]["name"], "Bezirksamt Mitte");
        let hits = search(&app, "Odervorland").await;
        assert_eq!(hits[0]["name"], "Amt Odervorland");
        assert_eq!(hits[0]["kind"], "amt");
        assert_eq!(hits[0]["area"], Value::Null);
        assert_eq!(hits[0]["kreis"]["name"], "Landkreis Oder-Spree");

        // A Berlin Ortsteil from GeoNames, and a name shared by Berlin and Brandenburg.
        let hits = summary(&search(&app, "Lichterfelde").await);
        assert_eq!(hits[0].0, "Lichterfelde");
        assert_eq!(
            (hits[0].1.as_str(), hits[0].3.as_str(), hits[0].4.as_str()),
            ("ortsteil", "11000006", "Berlin")
        );
        let hits = summary(&search(&app, "buckow").await);
        let exact: Vec<_> = hits.iter().filter(|h| h.2 == "exact").collect();
        assert_eq!(exact.len(), 2, "{hits:?}");
        assert_eq!(
            (
                exact[0].0.as_str(),
                exact[0].1.as_str(),
                exact[0].4.as_str()
            ),
            ("Buckow", "ortsteil", "Berlin")
        );
        assert_eq!(exact[1].0, "Buckow (Märkische Schweiz)");
        assert_eq!(exact[1].4, "Landkreis Märkisch-Oderland");
        app.stop().await;
    }
);

both_backends!(
    shared_names_and_typing_errors,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;

        // Two Gemeinden called Briesen, told apart by their Kreis; their villages are not
        // listed twice.
        let hits = summary(&search(&app, "Briesen").await);
        let hit = |name: &str, key: &str, kreis: &str| {
            (
                name.to_owned(),
                "gemeinde".to_owned(),
                "exact".to_owned(),
                key.to_owned(),
                kreis.to_owned(),
            )
        };
        assert_eq!(
            hits[..2],
            [
                hit("Briesen (Mark)", "12067072", "Landkreis Oder-Spree"),
                hit("Briesen/Brjazyna", "12071028", "Landkreis Spree-Neiße"),
            ],
            "{hits:?}"
        );
        // None of the other hits (there may be none) is an exact one or the village.
        assert!(
            !hits[2..].iter().any(|h| h.2 == "exact" || h.0 == "Briesen"),
            "{hits:?}"
        );

        // A typing error finds both.
        let hits = summary(&search(&app, "Brisen").await);
        for key in ["12071028", "12067072"] {
            assert!(
                hits.iter().any(|h| h.3 == key && h.2 == "fuzzy"),
                "{key}: {hits:?}"
            );
        }

        // The limit, and nothing found.
        let (_, body) = app.get_json("/api/v1/places?q=Gro&limit=3").await;
        assert_eq!(body["places"].as_array().unwrap().len(), 3);
        assert!(search(&app, "Xqzvwy").await.is_empty());
        app.stop().await;
    }
);

both_backends!(
    the_jurisdiction_answer_names_the_nearest_place,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // A few hundred metres from the village Briesen, in the Gemeinde Briesen (Mark).
        let (status, body) = app
            .get_json("/api/v1/jurisdiction?lat=52.3452&lon=14.2760")
            .await;
        assert_eq!(status, 200, "{body}");
        // The answer's other fields are unchanged.
        assert_eq!(body["area"]["name"], "Briesen (Mark)");
        assert_eq!(body["authority"]["name"], "Amt Odervorland");
        let near = &body["nearest_place"];
        assert_eq!(near["name"], "Briesen", "{body}");
        assert_eq!(near["kind"], "place");
        assert_eq!(near["area"]["key"], "12067072");
        let distance = near["distance_m"].as_f64().unwrap();
        assert!((50.0..=500.0).contains(&distance), "{distance}");

        // In Berlin the nearest place may be an Ortsteil.
        let (_, body) = app
            .get_json("/api/v1/jurisdiction?lat=52.4333&lon=13.3077")
            .await;
        assert_eq!(body["nearest_place"]["name"], "Lichterfelde", "{body}");
        assert_eq!(body["nearest_place"]["kind"], "ortsteil");

        // The attribution names GeoNames.
        let (_, body) = app.get_json("/api/v1/attribution").await;
        assert_eq!(
            body["places"]["attribution"],
            "Ortsnamen: GeoNames (geonames.org), CC BY 4.0"
        );
        app.stop().await;
    }
);

both_backends!(bad_queries_are_problems, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let long = "a".repeat(101);
    for (path, field) in [
        ("/api/v1/places".to_owned(), "q"),
        ("/api/v1/places?q=".to_owned(), "q"),
        ("/api/v1/places?q=%20%20".to_owned(), "q"),
        ("/api/v1/places?q=-%2F()".to_owned(), "q"),
        (format!("/api/v1/places?q={long}"), "q"),
        ("/api/v1/places?q=Briesen&limit=0".to_owned(), "limit"),
        ("/api/v1/places?q=Briesen&limit=51".to_owned(), "limit"),
        ("/api/v1/places?q=Briesen&limit=ten".to_owned(), "limit"),
        // An integer as the schema says: no spaces, no fraction.
        ("/api/v1/places?q=Briesen&limit=%205".to_owned(), "limit"),
        ("/api/v1/places?q=Briesen&limit=2.0".to_owned(), "limit"),
    ] {
        let problem = app.get_problem(&path, 400, "invalid-parameter").await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
    // 100 characters are still a query.
    let (status, _) = app
        .get_json(&format!("/api/v1/places?q={}", "a".repeat(100)))
        .await;
    assert_eq!(status, 200);
    app.stop().await;
});

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_starts_without_the_places_file() {
    let db = TestDatabase::new(Backend::Sqlite);
    let app = TestApp::spawn_with(db, |settings| {
        settings.places_dir = Some("/nonexistent/places".into());
    })
    .await;
    // The official names are still found; there is no nearest place and no GeoNames credit.
    let hits = search(&app, "Briesen").await;
    assert!(
        hits.iter().any(|h| h["name"] == "Briesen (Mark)"),
        "{hits:?}"
    );
    let (_, body) = app
        .get_json("/api/v1/jurisdiction?lat=52.3452&lon=14.2760")
        .await;
    assert_eq!(body["nearest_place"], Value::Null);
    assert_eq!(body["area"]["name"], "Briesen (Mark)");
    let (_, body) = app.get_json("/api/v1/attribution").await;
    assert_eq!(body["places"], Value::Null);
    app.stop().await;
}
