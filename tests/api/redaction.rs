//! Photo redaction and the authority's "after" photos, on both databases: a clerk pixelates
//! rectangles of a released photo; the public bytes differ from the original inside every
//! rectangle and equal it outside (within JPEG tolerance) in the web size and the thumbnail;
//! the old URL serves nothing any more; the history records who redacted what; refusals. The
//! same story runs on the filesystem here and in a bucket in `s3.rs`.

use image::RgbImage;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{
    Client, KREUZBERG, MITTE, MITTE_POINT, TestApp, assert_problem, clerk_app, refusal, sign_in,
};

/// The rectangles the story redacts, in the web variant's pixels (the test photo is 800 × 600,
/// so its web size is the upload's size).
pub const AREAS: [(u32, u32, u32, u32); 2] = [(100, 80, 200, 120), (500, 300, 160, 160)];

/// A photo with detail at every scale that survives the thumbnail's downscaling: waves of a
/// few dozen pixels in each channel, so pixelating any rectangle visibly changes it.
pub fn textured_jpeg() -> Vec<u8> {
    let image = RgbImage::from_fn(800, 600, |x, y| {
        let (fx, fy) = (x as f64, y as f64);
        let wave = |a: f64, b: f64| (128.0 + 120.0 * (fx / a).sin() * (fy / b).cos()) as u8;
        image::Rgb([wave(6.0, 5.0), wave(9.0, 7.0), wave(4.0, 11.0)])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Files a report in Mitte with `photo`; returns the report's and the photo's id.
pub async fn file_photo(app: &TestApp, photo: Vec<u8>) -> (String, String) {
    let form = reqwest::multipart::Form::new()
        .text("category", "street_lighting")
        .text("description", "Mast umgeknickt, Auto daneben")
        .text("lat", MITTE_POINT.0.to_string())
        .text("lon", MITTE_POINT.1.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(photo)
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

/// Publishes the report and releases its photo.
pub async fn publish_and_release(app: &TestApp, clerk: &Client, id: &str, photo: &str) {
    let publish = format!("/api/v1/admin/reports/{id}/publish");
    let (status, body) = clerk.post(app, &publish, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let release = format!("/api/v1/admin/reports/{id}/photos/{photo}");
    let (status, body) = clerk.put(app, &release, json!({ "visible": true })).await;
    assert_eq!(status, 200, "{body}");
}

fn areas_json(areas: &[(u32, u32, u32, u32)]) -> Value {
    json!({
        "areas": areas
            .iter()
            .map(|&(x, y, width, height)| json!({ "x": x, "y": y, "width": width, "height": height }))
            .collect::<Vec<_>>()
    })
}

/// A public photo's bytes and `ETag`.
async fn public_photo(app: &TestApp, id: &str, variant: &str) -> (Vec<u8>, String) {
    let response = app.get(&format!("/api/v1/photos/{id}/{variant}")).await;
    assert_eq!(response.status().as_u16(), 200, "{id}/{variant}");
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    (response.bytes().await.unwrap().to_vec(), etag)
}

fn decode(bytes: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(bytes, image::ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

/// The mean absolute difference of two images over the pixels `inside` selects.
fn mean_difference(a: &RgbImage, b: &RgbImage, inside: impl Fn(u32, u32) -> bool) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let (mut sum, mut count) = (0u64, 0u64);
    for (x, y, pa) in a.enumerate_pixels() {
        if inside(x, y) {
            let pb = b.get_pixel(x, y);
            for c in 0..3 {
                sum += u64::from(pa[c].abs_diff(pb[c]));
            }
            count += 3;
        }
    }
    assert!(count > 0, "an empty region");
    sum as f64 / count as f64
}

/// Checks one variant: every rectangle (scaled to the variant) changed a lot, everything
/// farther than a JPEG block and its colour subsampling (16 px) from them stayed as it was.
fn assert_redacted(original: &[u8], redacted: &[u8], variant: &str) {
    let (before, after) = (decode(original), decode(redacted));
    let scale = before.width() as f64 / 800.0;
    let rect = |&(x, y, w, h): &(u32, u32, u32, u32)| {
        let s = |v: u32| (v as f64 * scale) as i64;
        (s(x), s(y), s(x + w), s(y + h))
    };
    for area in &AREAS {
        let (left, top, right, bottom) = rect(area);
        let inside = |x: u32, y: u32| {
            let (x, y) = (i64::from(x), i64::from(y));
            x >= left && x < right && y >= top && y < bottom
        };
        let difference = mean_difference(&before, &after, inside);
        assert!(
            difference > 20.0,
            "{variant}: rectangle {area:?} barely changed (mean difference {difference:.1})"
        );
    }
    // Outside, only the JPEG re-encoding differs: on this deliberately busy texture a
    // generation at quality 75 (the thumbnail) costs about 5.5 levels on average, at 82 (web)
    // less; a pixelated rectangle differs by far more than 20.
    let margin = 16;
    let outside = |x: u32, y: u32| {
        let (x, y) = (i64::from(x), i64::from(y));
        AREAS.iter().all(|area| {
            let (left, top, right, bottom) = rect(area);
            x < left - margin || x >= right + margin || y < top - margin || y >= bottom + margin
        })
    };
    let difference = mean_difference(&before, &after, outside);
    assert!(
        difference < 8.0,
        "{variant}: the photo changed outside the rectangles (mean difference {difference:.1})"
    );
}

/// The whole story on `app` (its storage whatever it is): redaction by a clerk of Mitte,
/// checked through the public API. Returns the original's and the redacted photo's ids.
pub async fn redaction_story(app: &TestApp) -> (String, String) {
    let clerk = sign_in(app, "clerk@mitte.example", false, &[MITTE]).await;
    let (id, photo) = file_photo(app, textured_jpeg()).await;
    publish_and_release(app, &clerk, &id, &photo).await;
    let (web_before, web_tag) = public_photo(app, &photo, "web").await;
    let (thumb_before, thumb_tag) = public_photo(app, &photo, "thumb").await;

    let path = format!("/api/v1/admin/reports/{id}/photos/{photo}/redaction");
    let (status, view) = clerk.post(app, &path, areas_json(&AREAS)).await;
    assert_eq!(status, 200, "{view}");
    let redacted = view["photos"][0]["id"].as_str().unwrap().to_owned();
    assert_ne!(redacted, photo);
    // Same place, size and visibility.
    assert_eq!(view["photos"][0]["visible"], true);
    assert_eq!(view["photos"][0]["width"], 800);
    assert_eq!(view["photos"].as_array().unwrap().len(), 1);
    // The clerks' history: who, and what (both photos, the rectangles), internal.
    let events = view["events"].as_array().unwrap();
    let areas_event = events
        .iter()
        .find(|e| e["kind"] == "redaction_areas")
        .unwrap();
    assert_eq!(areas_event["actor"], "clerk@mitte.example");
    assert_eq!(areas_event["public"], false);
    let text = areas_event["text"].as_str().unwrap();
    for part in [
        photo.as_str(),
        redacted.as_str(),
        "100,80 200×120",
        "500,300 160×160",
    ] {
        assert!(text.contains(part), "{text}");
    }
    let public_event = events
        .iter()
        .find(|e| e["kind"] == "photo_redacted")
        .unwrap();
    assert_eq!(public_event["public"], true);
    assert_eq!(public_event["actor"], "clerk@mitte.example");

    // The public sees that a photo was changed, not by whom or where.
    let (status, public) = app.get_json(&format!("/api/v1/reports/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(public["photos"][0]["id"], redacted.as_str());
    let entry = public["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "photo_redacted")
        .unwrap();
    assert_eq!(entry["text"], Value::Null);
    assert_eq!(
        entry["label"]["de"],
        "Ein Foto wurde teilweise unkenntlich gemacht"
    );
    let text = public.to_string();
    assert!(!text.contains("clerk@mitte.example"), "{text}");
    assert!(!text.contains(&photo), "{text}");

    // The original is gone from the public: its URL answers 404, and a cache revalidating
    // its copy with the old ETag learns so.
    for (variant, tag) in [("web", &web_tag), ("thumb", &thumb_tag)] {
        let old = format!("/api/v1/photos/{photo}/{variant}");
        refusal(app.get(&old).await, 404, "not-found").await;
        let revalidated = app
            .client
            .get(format!("{}{old}", app.address))
            .header("if-none-match", tag.as_str())
            .send()
            .await
            .unwrap();
        refusal(revalidated, 404, "not-found").await;
    }
    // Nor can a clerk fetch it through the report any more.
    let (status, _) = clerk
        .get(
            app,
            &format!("/api/v1/admin/reports/{id}/photos/{photo}/web"),
        )
        .await;
    assert_eq!(status, 404);

    // The new bytes: a new ETag, different inside every rectangle, equal outside.
    let (web_after, new_web_tag) = public_photo(app, &redacted, "web").await;
    let (thumb_after, new_thumb_tag) = public_photo(app, &redacted, "thumb").await;
    assert_ne!(new_web_tag, web_tag);
    assert_ne!(new_thumb_tag, thumb_tag);
    assert_redacted(&web_before, &web_after, "web");
    assert_redacted(&thumb_before, &thumb_after, "thumb");
    (photo, redacted)
}

both_backends!(
    a_redacted_photo_replaces_the_original,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let (original, redacted) = redaction_story(&app).await;
        // On the filesystem: the original's directory is gone, the redacted one is there.
        let dir = |id: &str| app.data_dir().join("photos").join(&id[..2]).join(&id[2..]);
        assert!(!dir(&original).exists());
        assert!(dir(&redacted).join("web.jpg").is_file());
        assert!(dir(&redacted).join("thumb.jpg").is_file());
        app.stop().await;
    }
);

both_backends!(
    another_report_with_the_same_upload_keeps_it,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let (first, photo) = file_photo(&app, textured_jpeg()).await;
        let (second, same) = file_photo(&app, textured_jpeg()).await;
        assert_eq!(photo, same);
        publish_and_release(&app, &clerk, &first, &photo).await;
        publish_and_release(&app, &clerk, &second, &photo).await;
        let path = format!("/api/v1/admin/reports/{first}/photos/{photo}/redaction");
        let (status, view) = clerk.post(&app, &path, areas_json(&AREAS[..1])).await;
        assert_eq!(status, 200, "{view}");
        assert_ne!(view["photos"][0]["id"], photo.as_str());
        // The second report still holds the upload: it stays stored and public there.
        let (_, other) = app.get_json(&format!("/api/v1/reports/{second}")).await;
        assert_eq!(other["photos"][0]["id"], photo.as_str());
        public_photo(&app, &photo, "web").await;
        app.stop().await;
    }
);

both_backends!(redaction_refusals, |backend| async move {
    let app = clerk_app(backend, |_| {}).await;
    let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
    let stranger = sign_in(&app, "clerk@kreuzberg.example", false, &[KREUZBERG]).await;
    let (id, photo) = file_photo(&app, textured_jpeg()).await;
    let path = format!("/api/v1/admin/reports/{id}/photos/{photo}/redaction");
    let one = areas_json(&AREAS[..1]);

    // Not the clerk's authority, not signed in, not the report's photo.
    let (status, problem) = stranger.post(&app, &path, one.clone()).await;
    assert_problem(status, &problem, 404, "not-found");
    let (status, problem) = Client::ANONYMOUS.post(&app, &path, one.clone()).await;
    assert_problem(status, &problem, 401, "unauthorized");
    let unknown = format!(
        "/api/v1/admin/reports/{id}/photos/{}/redaction",
        "0".repeat(64)
    );
    let (status, problem) = clerk.post(&app, &unknown, one.clone()).await;
    assert_problem(status, &problem, 404, "not-found");

    // Rectangles that do not fit: outside, too small, none, too many.
    for areas in [
        vec![(700, 80, 101, 50)],
        vec![(100, 560, 50, 41)],
        vec![(100, 80, 7, 50)],
        vec![],
        vec![(10, 10, 10, 10); 21],
    ] {
        let (status, problem) = clerk.post(&app, &path, areas_json(&areas)).await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        assert_eq!(problem["errors"][0]["field"], "areas", "{problem}");
    }
    let (status, problem) = clerk
        .post(
            &app,
            &path,
            json!({ "areas": [{ "x": -1, "y": 0, "width": 10, "height": 10 }] }),
        )
        .await;
    assert_problem(status, &problem, 400, "invalid-parameter");

    // Nothing changed by the refusals: the photo is the original, the history has no entry.
    let (_, view) = clerk
        .get(&app, &format!("/api/v1/admin/reports/{id}"))
        .await;
    assert_eq!(view["photos"][0]["id"], photo.as_str());
    assert!(
        !view["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "photo_redacted")
    );
    // The same rectangles twice name the same copy, which the report then already has.
    let (status, first) = clerk.post(&app, &path, one.clone()).await;
    assert_eq!(status, 200, "{first}");
    let redacted = first["photos"][0]["id"].as_str().unwrap();
    let again = format!("/api/v1/admin/reports/{id}/photos/{redacted}/redaction");
    let (status, _) = clerk.post(&app, &again, one.clone()).await;
    assert_eq!(status, 200, "a redacted photo can be redacted further");
    app.stop().await;
});

/// A multipart answer with `photos` JPEGs.
async fn answer_with_photos(
    app: &TestApp,
    clerk: &Client,
    id: &str,
    text: Option<&str>,
    photos: Vec<Vec<u8>>,
) -> (u16, Value) {
    let mut form = reqwest::multipart::Form::new();
    if let Some(text) = text {
        form = form.text("text", text.to_owned());
    }
    for (n, photo) in photos.into_iter().enumerate() {
        form = form.part(
            "photo",
            reqwest::multipart::Part::bytes(photo)
                .file_name(format!("after-{n}.jpg"))
                .mime_str("image/jpeg")
                .unwrap(),
        );
    }
    let mut request = app
        .client
        .post(format!(
            "{}/api/v1/admin/reports/{id}/photo-answers",
            app.address
        ))
        .multipart(form);
    if let Some(cookie) = &clerk.cookie {
        request = request.header("cookie", cookie);
    }
    if let Some(csrf) = &clerk.csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

both_backends!(
    after_photos_appear_beside_their_answer,
    |backend| async move {
        let app = clerk_app(backend, |_| {}).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;
        let stranger = sign_in(&app, "clerk@kreuzberg.example", false, &[KREUZBERG]).await;
        let (id, photo) = file_photo(&app, textured_jpeg()).await;
        publish_and_release(&app, &clerk, &id, &photo).await;

        let after = crate::helpers::jpeg(64, 48);
        let (status, view) = answer_with_photos(
            &app,
            &clerk,
            &id,
            Some("Repariert, siehe Foto."),
            vec![after.clone()],
        )
        .await;
        assert_eq!(status, 200, "{view}");
        // The reporter's photos stay the report's photos; the new one goes with the answer.
        assert_eq!(view["photos"].as_array().unwrap().len(), 1);

        let (_, public) = app.get_json(&format!("/api/v1/reports/{id}")).await;
        assert_eq!(public["photos"].as_array().unwrap().len(), 1);
        assert_eq!(public["photos"][0]["id"], photo.as_str());
        let answer = public["history"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["kind"] == "answer")
            .unwrap()
            .clone();
        assert_eq!(answer["text"], "Repariert, siehe Foto.");
        let photos = answer["photos"].as_array().unwrap();
        assert_eq!(photos.len(), 1);
        assert_eq!(photos[0]["width"], 64);
        // Through the same pipeline: served as a public photo, metadata-free JPEG.
        let thumb = app.get(photos[0]["thumb_url"].as_str().unwrap()).await;
        assert_eq!(thumb.status().as_u16(), 200);
        assert_eq!(&thumb.bytes().await.unwrap()[..2], [0xFF, 0xD8]);
        // Other history entries carry no photos; the list shows the reporter's photo only.
        let first = &public["history"][0];
        assert!(first.get("photos").is_none(), "{first}");
        let (_, list) = app.get_json("/api/v1/reports").await;
        let listed = list["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id.as_str())
            .unwrap();
        assert_eq!(listed["photos"].as_array().unwrap().len(), 1);
        assert_eq!(listed["photos"][0]["id"], photo.as_str());

        // Refusals: another authority, no text, no photo, the reporter's photo again, not
        // an image, too many; and JSON instead of multipart.
        let (status, problem) =
            answer_with_photos(&app, &stranger, &id, Some("x"), vec![after.clone()]).await;
        assert_problem(status, &problem, 404, "not-found");
        let (status, problem) =
            answer_with_photos(&app, &clerk, &id, None, vec![after.clone()]).await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        // The text rule holds in a multipart too.
        let (status, problem) =
            answer_with_photos(&app, &clerk, &id, Some("kaputt\u{0}"), vec![after.clone()]).await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        assert_eq!(problem["errors"][0]["field"], "text", "{problem}");
        let (status, problem) = answer_with_photos(&app, &clerk, &id, Some("x"), vec![]).await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        let (status, problem) =
            answer_with_photos(&app, &clerk, &id, Some("x"), vec![textured_jpeg()]).await;
        assert_problem(status, &problem, 400, "invalid-parameter");
        let (status, problem) =
            answer_with_photos(&app, &clerk, &id, Some("x"), vec![b"not an image".to_vec()]).await;
        assert_problem(status, &problem, 415, "photo-unsupported-type");
        let six = (0..6).map(|n| crate::helpers::jpeg(20 + n, 20)).collect();
        let (status, _) = answer_with_photos(&app, &clerk, &id, Some("x"), six).await;
        assert!(status == 400 || status == 422, "{status}");
        let (status, problem) = clerk
            .post(
                &app,
                &format!("/api/v1/admin/reports/{id}/photo-answers"),
                json!({ "text": "x" }),
            )
            .await;
        assert_problem(status, &problem, 415, "unsupported-media-type");
        // None of the refused answers left anything in the history.
        let (_, public) = app.get_json(&format!("/api/v1/reports/{id}")).await;
        let answers = public["history"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "answer")
            .count();
        assert_eq!(answers, 1);
        app.stop().await;
    }
);
