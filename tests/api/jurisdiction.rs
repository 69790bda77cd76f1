//! `GET /api/v1/jurisdiction` on the real boundaries: every authority kind, category routing,
//! the coast and Berlin-border fallbacks, borders between Gemeinden, and bad input.
//!
//! The test points were chosen with an independent ray-casting script over the same files
//! (interior points far from any boundary, points 15 m either side of a Gemeinde border,
//! points in the seams and overlaps along Berlin's border, points off the Baltic coast).

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{Backend, TestApp};

async fn locate(app: &TestApp, lat: f64, lon: f64, category: Option<&str>) -> Value {
    let mut path = format!("/api/v1/jurisdiction?lat={lat}&lon={lon}");
    if let Some(c) = category {
        path.push_str(&format!("&category={c}"));
    }
    let (status, body) = app.get_json(&path).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// (lat, lon, area key, area name, authority key, authority name, authority kind)
const AUTHORITY_KINDS: &[(f64, f64, &str, &str, &str, &str, &str)] = &[
    (
        52.5219,
        13.4132,
        "11000001",
        "Mitte",
        "11000001",
        "Bezirksamt Mitte",
        "bezirksamt",
    ),
    (
        52.33012,
        14.26357,
        "12067072",
        "Briesen (Mark)",
        "120675706",
        "Amt Odervorland",
        "amt",
    ),
    (
        53.60396,
        11.54760,
        "13076112",
        "Pinnow",
        "130765668",
        "Amt Crivitz",
        "amt",
    ),
    (
        52.59500,
        13.61405,
        "12060005",
        "Ahrensfelde",
        "120600005",
        "Gemeinde Ahrensfelde",
        "amtsfreie_gemeinde",
    ),
    (
        52.82133,
        13.76389,
        "12060052",
        "Eberswalde",
        "120600052",
        "Stadt Eberswalde",
        "amtsfreie_stadt",
    ),
    (
        52.42885,
        13.01605,
        "12054000",
        "Potsdam",
        "120540000",
        "Stadt Potsdam",
        "kreisfreie_stadt",
    ),
    (
        54.13213,
        12.09885,
        "13003000",
        "Rostock",
        "130030000",
        "Hanse- und Universitätsstadt Rostock",
        "kreisfreie_stadt",
    ),
    (
        51.47540,
        13.35265,
        "12062024",
        "Bad Liebenwerda",
        "120625031",
        "Verbandsgemeinde Liebenwerda",
        "verbandsgemeinde",
    ),
    (
        53.05662,
        14.09012,
        "12073440",
        "Pinnow",
        "120735051",
        "Stadt Schwedt/Oder",
        "erfuellende_gemeinde",
    ),
    (
        53.08922,
        14.23283,
        "12073532",
        "Schwedt/Oder",
        "120735051",
        "Stadt Schwedt/Oder",
        "erfuellende_gemeinde",
    ),
];

both_backends!(
    every_authority_kind_is_found,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        for &(lat, lon, area, area_name, key, name, kind) in AUTHORITY_KINDS {
            let body = locate(&app, lat, lon, None).await;
            assert_eq!(body["area"]["key"], area, "{lat},{lon}: {body}");
            assert_eq!(body["area"]["name"], area_name);
            assert_eq!(body["authority"]["key"], key);
            assert_eq!(body["authority"]["name"], name);
            assert_eq!(body["authority"]["kind"], kind);
            assert_eq!(body["match"], "inside");
            assert_eq!(body["near_border"], false);
            assert_eq!(body["routing"]["level"], "municipal");
            assert!(body["attribution"].as_str().unwrap().contains('©') || area.starts_with("11"));
            assert!(body["authority"].get("contact_email").is_none());
        }
        app.stop().await;
    }
);

both_backends!(the_issue_examples, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let mitte = locate(&app, 52.5219, 13.4132, None).await;
    assert_eq!(mitte["area"]["name"], "Mitte");
    assert_eq!(mitte["area"]["state"], "BE");
    assert_eq!(mitte["authority"]["name"], "Bezirksamt Mitte");

    let briesen = locate(&app, 52.33012, 14.26357, None).await;
    assert_eq!(briesen["area"]["name"], "Briesen (Mark)");
    assert_eq!(briesen["area"]["kreis"]["name"], "Landkreis Oder-Spree");
    assert_eq!(briesen["authority"]["name"], "Amt Odervorland");

    let hamburg = app
        .get_problem(
            "/api/v1/jurisdiction?lat=53.5511&lon=9.9937",
            422,
            "outside-service-area",
        )
        .await;
    assert_eq!(hamburg["type"], "/problems/outside-service-area");
    assert!(hamburg["detail_de"].as_str().unwrap().contains("außerhalb"));
    app.stop().await;
});

both_backends!(
    category_routing_reaches_kreis_and_falls_back_in_kreisfreie_staedte,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // Illegal dumping goes to the Landkreis in BB and MV…
        let briesen = locate(&app, 52.33012, 14.26357, Some("litter_dumping")).await;
        assert_eq!(briesen["authority"]["key"], "12067");
        assert_eq!(briesen["authority"]["name"], "Landkreis Oder-Spree");
        assert_eq!(briesen["authority"]["kind"], "landkreis");
        assert_eq!(briesen["municipal_authority"]["name"], "Amt Odervorland");
        assert_eq!(briesen["routing"]["level"], "kreis");
        assert_eq!(briesen["routing"]["category"], "litter_dumping");
        let crivitz = locate(&app, 53.60396, 11.54760, Some("litter_dumping")).await;
        assert_eq!(
            crivitz["authority"]["name"],
            "Landkreis Ludwigslust-Parchim"
        );
        // …which in a kreisfreie Stadt is the city itself, and in Berlin the Bezirksamt.
        let potsdam = locate(&app, 52.42885, 13.01605, Some("litter_dumping")).await;
        assert_eq!(potsdam["authority"]["name"], "Stadt Potsdam");
        let mitte = locate(&app, 52.5219, 13.4132, Some("litter_dumping")).await;
        assert_eq!(mitte["authority"]["name"], "Bezirksamt Mitte");
        // Other categories stay municipal.
        let lights = locate(&app, 52.33012, 14.26357, Some("street_lighting")).await;
        assert_eq!(lights["authority"]["name"], "Amt Odervorland");
        assert_eq!(lights["routing"]["level"], "municipal");
        app.stop().await;
    }
);

both_backends!(
    routing_rules_can_name_a_state_agency,
    |backend: Backend| async move {
        let db = crate::helpers::TestDatabase::new(backend);
        crate::helpers::execute(
        &db,
        &[
            "insert into authorities (key, name, kind, state, contact_email, created_at, updated_at)
             values ('BE-VLB', 'Verkehrslenkung Berlin', 'state_agency', 'BE', '', $1, $1)",
            "insert into routing_rules (category_code, scope, scope_key, target_level, target_authority_key)
             values ('traffic_signs_signals', 'state', 'BE', 'authority', 'BE-VLB')",
            "insert into routing_rules (category_code, scope, scope_key, target_level, target_authority_key)
             values ('traffic_signs_signals', 'kreis', '12067', 'kreis', null)",
        ],
    )
    .await;
        let app = TestApp::spawn_with(db, |_| {}).await;
        let mitte = locate(&app, 52.5219, 13.4132, Some("traffic_signs_signals")).await;
        assert_eq!(mitte["authority"]["key"], "BE-VLB");
        assert_eq!(mitte["authority"]["kind"], "state_agency");
        assert_eq!(mitte["routing"]["level"], "authority");
        assert_eq!(mitte["municipal_authority"]["name"], "Bezirksamt Mitte");
        // A Kreis rule applies in its Kreis only.
        let briesen = locate(&app, 52.33012, 14.26357, Some("traffic_signs_signals")).await;
        assert_eq!(briesen["authority"]["name"], "Landkreis Oder-Spree");
        let potsdam = locate(&app, 52.42885, 13.01605, Some("traffic_signs_signals")).await;
        assert_eq!(potsdam["authority"]["name"], "Stadt Potsdam");
        app.stop().await;
    }
);

both_backends!(
    points_off_the_coast_go_to_the_nearest_gemeinde_within_the_limit,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // About 126 m and 171 m off the beaches of Heringsdorf and Zingst: in no polygon.
        for (lat, lon, area, expected_m) in [
            (53.978113, 14.142848, "13075049", 126.0),
            (54.443594, 12.761191, "13073105", 171.0),
        ] {
            let body = locate(&app, lat, lon, None).await;
            assert_eq!(body["area"]["key"], area, "{body}");
            assert_eq!(body["match"], "nearest");
            let d = body["distance_m"].as_f64().unwrap();
            assert!(
                (d - expected_m).abs() < 5.0,
                "distance {d}, expected about {expected_m}"
            );
        }
        // 3.5 km and 5 km out at sea: beyond the 1 km limit.
        for (lat, lon) in [(54.021975, 14.142848), (54.487456, 12.761191)] {
            app.get_problem(
                &format!("/api/v1/jurisdiction?lat={lat}&lon={lon}"),
                422,
                "outside-service-area",
            )
            .await;
        }
        app.stop().await;
    }
);

both_backends!(
    the_distance_limit_is_configurable,
    |backend: Backend| async move {
        let db = crate::helpers::TestDatabase::new(backend);
        let app = TestApp::spawn_with(db, |s| s.jurisdiction.max_outside_distance_m = 100.0).await;
        app.get_problem(
            "/api/v1/jurisdiction?lat=53.978113&lon=14.142848",
            422,
            "outside-service-area",
        )
        .await;
        app.stop().await;
    }
);

both_backends!(
    berlin_seams_and_overlaps_are_resolved_deterministically,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // In the seam between Berlin's precise outline and the generalised Brandenburg data:
        // Reinickendorf is 12.6 m away, Glienicke/Nordbahn 30.8 m.
        let gap = locate(&app, 52.627576, 13.315862, None).await;
        assert_eq!(gap["area"]["key"], "11000012");
        assert_eq!(gap["match"], "nearest");
        assert_eq!(gap["near_border"], true);
        assert_eq!(gap["neighbouring_authorities"][0]["key"], "120650096");
        // Where both claim the point, the cadastre-precise Berlin Bezirk wins, flagged near border.
        let overlap = locate(&app, 52.628540, 13.304834, None).await;
        assert_eq!(overlap["area"]["key"], "11000012");
        assert_eq!(overlap["authority"]["name"], "Bezirksamt Reinickendorf");
        assert_eq!(overlap["match"], "inside");
        assert_eq!(overlap["near_border"], true);
        assert_eq!(
            overlap["neighbouring_authorities"][0]["name"],
            "Gemeinde Glienicke/Nordbahn"
        );
        app.stop().await;
    }
);

both_backends!(
    a_border_between_two_authorities_is_flagged_from_both_sides,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // 15 m either side of the border between Briesen (Mark) and Frankfurt (Oder).
        let briesen = locate(&app, 52.300975, 14.397010, None).await;
        assert_eq!(briesen["area"]["key"], "12067072");
        assert_eq!(briesen["near_border"], true);
        let names: Vec<&str> = briesen["neighbouring_authorities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Stadt Frankfurt (Oder)"]);
        let frankfurt = locate(&app, 52.300873, 14.397419, None).await;
        assert_eq!(frankfurt["area"]["key"], "12053000");
        assert_eq!(frankfurt["near_border"], true);
        assert_eq!(
            frankfurt["neighbouring_authorities"][0]["name"],
            "Amt Odervorland"
        );
        // Far inside, no flag.
        let inside = locate(&app, 52.33012, 14.26357, None).await;
        assert_eq!(inside["near_border"], false);
        assert_eq!(inside["neighbouring_authorities"], serde_json::json!([]));
        app.stop().await;
    }
);

both_backends!(
    bad_coordinates_are_400_problems_naming_the_parameter,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        for (query, field) in [
            ("lon=13.4", "lat"),
            ("lat=52.5", "lon"),
            ("lat=&lon=13.4", "lat"),
            ("lat=abc&lon=13.4", "lat"),
            ("lat=52.5&lon=13,4", "lon"),
            ("lat=NaN&lon=13.4", "lat"),
            ("lat=inf&lon=13.4", "lat"),
            ("lat=91&lon=13.4", "lat"),
            ("lat=-90.5&lon=13.4", "lat"),
            ("lat=52.5&lon=180.01", "lon"),
            ("lat=52.5&lon=13.4&category=Street%20Lights", "category"),
        ] {
            let problem = app
                .get_problem(
                    &format!("/api/v1/jurisdiction?{query}"),
                    400,
                    "invalid-parameter",
                )
                .await;
            assert_eq!(problem["type"], "/problems/invalid-parameter", "{query}");
            assert_eq!(problem["errors"][0]["field"], field, "{query}: {problem}");
        }
        app.stop().await;
    }
);
