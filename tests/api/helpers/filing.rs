//! Filing reports the way citizens do, and the photos they attach.

use serde_json::{Value, json};

use super::TestApp;

/// A point in Berlin-Mitte.
pub const MITTE_POINT: (f64, f64) = (52.5219, 13.4132);

/// POSTs a JSON filing; returns the answer, whatever it is.
pub async fn post_report(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/reports", app.address))
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Files a report that must be accepted (201); returns the filed report.
pub async fn file_report(app: &TestApp, body: Value) -> Value {
    let response = post_report(app, &body).await;
    let status = response.status().as_u16();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{answer}");
    answer
}

/// Files a street-lighting report in Berlin-Mitte with the reporter's address and name
/// (pending under moderation); returns its id.
pub async fn file_in_mitte(app: &TestApp, description: &str) -> String {
    let filed = file_report(
        app,
        json!({
            "category": "street_lighting",
            "description": description,
            "lat": MITTE_POINT.0,
            "lon": MITTE_POINT.1,
            "email": "buerger@example.org",
            "name": "Erika Mustermann",
        }),
    )
    .await;
    filed["id"].as_str().unwrap().to_owned()
}

/// Files a report in Mitte with one photo; returns its id and the photo's.
pub async fn file_with_photo(app: &TestApp) -> (String, String) {
    let form = reqwest::multipart::Form::new()
        .text("category", "street_lighting")
        .text("description", "Mast umgeknickt")
        .text("lat", MITTE_POINT.0.to_string())
        .text("lon", MITTE_POINT.1.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(jpeg(40, 30))
                .file_name("a.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let response = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let filed: Value = response.json().await.unwrap();
    (
        filed["id"].as_str().unwrap().to_owned(),
        filed["photos"][0]["id"].as_str().unwrap().to_owned(),
    )
}

/// A photo-like JPEG of `width` × `height` pixels, made at run time.
pub fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([
            (x * 7 % 256) as u8,
            (y * 5 % 256) as u8,
            ((x + y) % 256) as u8,
        ])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}
