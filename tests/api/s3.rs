//! Photos in an S3-compatible bucket (`BUERGERBUERO_PHOTOS_URL=s3://…`) against a real S3
//! server process (s3rver, which checks SigV4): filing and serving through the API, hiding and
//! deleting, a bucket that fails during a filing, a put that died half-way, `/readyz`, and
//! `photos copy` from the filesystem to the bucket and back.

use std::process::Command;

use buergerbuero::photos::{
    FsPhotoStorage, PhotoId, PhotoLocation, PhotoStorage, ProcessedPhoto, Variant,
};
use object_store::ObjectStoreExt;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, Client, MITTE, MITTE_POINT, Scratch, TestApp, clerk_app, sign_in};
use crate::s3rver::{BUCKET, S3rver};

/// The key prefix the tests' service writes under.
const PREFIX: &str = "bb/photos";

fn photos_url() -> String {
    format!("s3://{BUCKET}/{PREFIX}")
}

/// A JPEG made at run time; `seed` makes different photos.
fn jpeg(seed: u8) -> Vec<u8> {
    let image = image::RgbImage::from_fn(48, 32, |x, y| {
        image::Rgb([(x * 5) as u8, (y * 7) as u8, seed])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(image)
        .write_to(&mut out, image::ImageFormat::Jpeg)
        .unwrap();
    out.into_inner()
}

/// Files a report in Mitte with `photo`; returns the response's status and body.
async fn file(app: &TestApp, photo: Vec<u8>, key: Option<&str>) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("category", "street_lighting")
        .text("description", "Mast umgeknickt")
        .text("lat", MITTE_POINT.0.to_string())
        .text("lon", MITTE_POINT.1.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(photo)
                .file_name("a.jpg")
                .mime_str("image/jpeg")
                .unwrap(),
        );
    let mut request = app
        .client
        .post(format!("{}/api/v1/reports", app.address))
        .multipart(form);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The three keys of a whole photo.
fn photo_keys(id: &str) -> Vec<String> {
    let dir = format!("{PREFIX}/{}/{}", &id[..2], &id[2..]);
    ["photo.json", "thumb.jpg", "web.jpg"]
        .iter()
        .map(|f| format!("{dir}/{f}"))
        .collect()
}

async fn app_on(backend: Backend, s3: &S3rver) -> TestApp {
    let overrides = s3.overrides();
    clerk_app(backend, move |s| {
        s.photos_url = Some(photos_url());
        s.photos_s3_env = overrides;
    })
    .await
}

/// The service's own storage, opened as the service opens it.
fn storage(s3: &S3rver) -> std::sync::Arc<dyn PhotoStorage> {
    PhotoLocation::parse(&photos_url())
        .unwrap()
        .open(&s3.overrides())
        .unwrap()
}

async fn publish_with_photo(app: &TestApp, clerk: &Client, id: &str, photo: &str) {
    let (status, _) = clerk
        .send(
            app,
            reqwest::Method::POST,
            &format!("/api/v1/admin/reports/{id}/publish"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = clerk
        .put(
            app,
            &format!("/api/v1/admin/reports/{id}/photos/{photo}"),
            json!({ "visible": true }),
        )
        .await;
    assert_eq!(status, 200);
}

both_backends!(
    s3_photos_are_filed_served_hidden_and_deleted,
    |backend| async move {
        let s3 = S3rver::start_new().await;
        let app = app_on(backend, &s3).await;
        let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;

        let (status, filed) = file(&app, jpeg(1), None).await;
        assert_eq!(status, 201, "{filed}");
        let id = filed["id"].as_str().unwrap().to_owned();
        let photo = filed["photos"][0]["id"].as_str().unwrap().to_owned();
        // Three objects in the bucket, nothing in the data directory.
        assert_eq!(s3.keys(), photo_keys(&photo));
        assert!(!app.data_dir().join("photos").exists());

        // Pending: not served to the public; the clerk sees it, streamed from the bucket.
        let public_thumb = format!("/api/v1/photos/{photo}/thumb");
        assert_eq!(app.get(&public_thumb).await.status().as_u16(), 404);
        let clerk_web = format!("/api/v1/admin/reports/{id}/photos/{photo}/web");
        let response = clerk
            .request(&app, reqwest::Method::GET, &clerk_web, None)
            .await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        let web = response.bytes().await.unwrap();
        assert_eq!(
            web.as_ref(),
            std::fs::read(s3.object_file(&photo_keys(&photo)[2])).unwrap()
        );
        assert_eq!(&web[..2], [0xFF, 0xD8]);

        // Public once published and released, with the caching policy and the length.
        publish_with_photo(&app, &clerk, &id, &photo).await;
        let response = app.get(&public_thumb).await;
        assert_eq!(response.status().as_u16(), 200);
        assert_eq!(response.headers()["content-type"], "image/jpeg");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=3600, must-revalidate"
        );
        assert_eq!(
            response.headers()["etag"].to_str().unwrap(),
            format!("\"{photo}-thumb\"")
        );
        let thumb_file = s3.object_file(&photo_keys(&photo)[1]);
        let stored = std::fs::read(&thumb_file).unwrap();
        assert_eq!(
            response.headers()["content-length"].to_str().unwrap(),
            stored.len().to_string()
        );
        assert_eq!(response.bytes().await.unwrap().as_ref(), stored);
        let revalidated = app
            .client
            .get(format!("{}{public_thumb}", app.address))
            .header("if-none-match", format!("\"{photo}-thumb\""))
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status().as_u16(), 304);

        // The same photo filed again (another report): nothing new is written.
        let written = std::fs::metadata(&thumb_file).unwrap().modified().unwrap();
        let (status, again) = file(&app, jpeg(1), None).await;
        assert_eq!(status, 201);
        assert_eq!(again["photos"][0]["id"], photo.as_str());
        assert_eq!(s3.keys(), photo_keys(&photo));
        assert_eq!(
            std::fs::metadata(&thumb_file).unwrap().modified().unwrap(),
            written
        );

        // Hidden by the clerk: gone for the public (a revalidating cache learns it too),
        // still there for the clerk.
        let (status, _) = clerk
            .put(
                &app,
                &format!("/api/v1/admin/reports/{id}/photos/{photo}"),
                json!({ "visible": false }),
            )
            .await;
        assert_eq!(status, 200);
        assert_eq!(app.get(&public_thumb).await.status().as_u16(), 404);
        let (status, _) = clerk.get(&app, &clerk_web).await;
        assert_eq!(status, 200);

        // Deleted from the storage: every object of it is gone, and it is served nowhere.
        let storage = storage(&s3);
        let photo_id = PhotoId::parse(&photo).unwrap();
        assert!(storage.delete(&photo_id).await.unwrap());
        assert_eq!(s3.keys(), Vec::<String>::new());
        let (status, _) = clerk.get(&app, &clerk_web).await;
        assert_eq!(status, 404);
        assert!(!storage.delete(&photo_id).await.unwrap());

        // /readyz writes, reads back and leaves nothing.
        let (status, ready) = app.get_json("/readyz").await;
        assert_eq!(status, 200, "{ready}");
        assert_eq!(ready["checks"]["photo_storage"]["status"], "ok");
        assert_eq!(s3.keys(), Vec::<String>::new());
        app.stop().await;
    }
);

both_backends!(s3_failures_leave_no_visible_photo, |backend| async move {
    let mut s3 = S3rver::start_new().await;
    let app = app_on(backend, &s3).await;
    let clerk = sign_in(&app, "clerk@mitte.example", false, &[MITTE]).await;

    // The bucket is down: /readyz says so, and a filing fails without a report.
    s3.stop();
    let problem = app.get_problem("/readyz", 503, "unavailable").await;
    assert_eq!(problem["checks"]["photo_storage"]["status"], "failed");
    let detail = problem["checks"]["photo_storage"]["detail"]
        .as_str()
        .unwrap();
    assert!(detail.contains(&photos_url()), "{detail}");
    assert!(
        !detail.contains("S3RVER"),
        "no credentials in the detail: {detail}"
    );
    assert_eq!(problem["checks"]["database"]["status"], "ok");
    let (status, _) = file(&app, jpeg(2), Some("key-of-a-failed-filing")).await;
    assert_eq!(status, 500);

    s3.start().await;
    let (status, _) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(s3.keys(), Vec::<String>::new());
    let (_, inbox) = clerk.get(&app, "/api/v1/admin/reports").await;
    assert_eq!(
        inbox["reports"],
        json!([]),
        "the failed filing left no report"
    );

    // A put that died after the variants, before the manifest: no photo.
    let half = jpeg(3);
    let half_id = PhotoId::of(&half);
    let processed: ProcessedPhoto =
        buergerbuero::photos::process(&half, &buergerbuero::photos::PhotoLimits::default())
            .unwrap();
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(BUCKET)
        .with_endpoint(s3.endpoint())
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("S3RVER")
        .with_secret_access_key("S3RVER")
        .build()
        .unwrap();
    let keys = photo_keys(half_id.as_str());
    for (key, variant) in keys[1..].iter().zip([Variant::Thumb, Variant::Web]) {
        raw.put(
            &object_store::path::Path::from(key.as_str()),
            processed.variant(variant).to_vec().into(),
        )
        .await
        .unwrap();
    }
    let storage = storage(&s3);
    assert!(!storage.exists(&half_id).await.unwrap());
    assert_eq!(storage.get(&half_id, Variant::Thumb).await.unwrap(), None);
    assert!(storage.list().await.unwrap().is_empty());

    // The same key again, the bucket back: a new report (nothing was kept under the key),
    // and filing the half-stored photo makes it whole.
    let (status, filed) = file(&app, half, Some("key-of-a-failed-filing")).await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["photos"][0]["id"], half_id.as_str());
    assert_eq!(s3.keys(), keys);
    assert_eq!(storage.list().await.unwrap(), vec![half_id.clone()]);
    assert_eq!(
        storage.get(&half_id, Variant::Web).await.unwrap(),
        Some(processed.web)
    );
    app.stop().await;
});

/// Runs the real binary with s3rver's `AWS_*` variables.
fn buergerbuero(s3: &S3rver, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_buergerbuero"))
        .args(args)
        .envs(s3.env())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_photos_copy_from_files_to_the_bucket_and_back() {
    let s3 = S3rver::start_new().await;
    let data = Scratch::new("copy-from");
    let files = FsPhotoStorage::new(data.0.clone());
    let mut ids = Vec::new();
    for seed in 10..13 {
        let photo = buergerbuero::photos::process(
            &jpeg(seed),
            &buergerbuero::photos::PhotoLimits::default(),
        )
        .unwrap();
        files.put(&photo).await.unwrap();
        ids.push(photo.id.as_str().to_owned());
    }
    let from = format!("file://{}", data.0.display());
    let to = format!("s3://{BUCKET}/moved");

    let (ok, out, err) = buergerbuero(&s3, &["photos", "copy", "--from", &from, "--to", &to]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "3 photos in the source: 3 copied and verified, 0 already in the target"
    );
    assert_eq!(s3.keys().len(), 9);
    for id in &ids {
        let web = s3.object_file(&format!("moved/{}/{}/web.jpg", &id[..2], &id[2..]));
        assert_eq!(
            std::fs::read(web).unwrap(),
            std::fs::read(
                files
                    .photo_dir(&PhotoId::parse(id).unwrap())
                    .join("web.jpg")
            )
            .unwrap()
        );
    }

    // Again: nothing copied twice.
    let (ok, out, err) = buergerbuero(&s3, &["photos", "copy", "--from", &from, "--to", &to]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "3 photos in the source: 0 copied and verified, 3 already in the target"
    );

    // And back into an empty data directory.
    let back = Scratch::new("copy-back");
    let back_url = format!("file://{}", back.0.display());
    let (ok, out, err) = buergerbuero(&s3, &["photos", "copy", "--from", &to, "--to", &back_url]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "3 photos in the source: 3 copied and verified, 0 already in the target"
    );
    let returned = FsPhotoStorage::new(back.0.clone());
    for id in &ids {
        let id = PhotoId::parse(id).unwrap();
        for variant in Variant::ALL {
            assert_eq!(
                returned.get(&id, variant).await.unwrap(),
                files.get(&id, variant).await.unwrap()
            );
        }
    }

    // Mistakes are refused with one line.
    let (ok, _, err) = buergerbuero(&s3, &["photos", "copy", "--from", &to, "--to", &to]);
    assert!(!ok);
    assert!(err.contains("same storage"), "{err}");
    let (ok, _, err) = buergerbuero(&s3, &["photos", "copy", "--from", "/tmp", "--to", &to]);
    assert!(!ok);
    assert!(err.contains("--from"), "{err}");
}

both_backends!(s3_redaction_replaces_the_original, |backend| async move {
    let s3 = S3rver::start_new().await;
    let app = app_on(backend, &s3).await;
    let (original, redacted) = crate::redaction::redaction_story(&app).await;
    // The bucket holds the redacted photo whole and nothing of the original.
    assert_eq!(s3.keys(), photo_keys(&redacted));
    assert!(!s3.keys().iter().any(|k| k.contains(&original[2..])));
    assert!(!app.data_dir().join("photos").exists());
    app.stop().await;
});
