//! Photos in an S3-compatible bucket ([`S3PhotoStorage`]), through the `object_store` crate.
//!
//! Why `object_store`: it is the S3 client the Rust ecosystem's storage layers are built on
//! (crates.io keeps its crate files with it; Arrow, DataFusion and delta-rs use it), it speaks
//! the plain S3 REST protocol with SigV4 that every S3-compatible server understands, and it
//! is a small dependency next to the AWS SDK (no smithy runtime, one HTTP client). It retries
//! with backoff on its own and reads the usual `AWS_*` environment variables.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientConfigKey, ObjectStore, ObjectStoreExt, PutOptions,
    PutPayload, RetryConfig,
};
use serde::{Deserialize, Serialize};

use super::storage::{PhotoStorage, PhotoStream};
use super::{PhotoId, ProcessedPhoto, Variant};

/// `AWS_*` variables that override the process environment's for the photo storage: tests set
/// them here because changing a running process's environment is unsound. Debug output names
/// the variables only (they include the secret key).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3Overrides(pub Vec<(String, String)>);

impl std::fmt::Debug for S3Overrides {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| name))
            .finish()
    }
}

/// The name of the object that makes a photo whole (see [`S3PhotoStorage`]).
const MANIFEST: &str = "photo.json";

/// How long `/readyz`'s write and read-back may take, and then its clean-up: orchestrators
/// give a probe about a second or two, and a slow bucket should fail the probe, not hang it.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// A bucket and a key prefix, from `s3://bucket/prefix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Location {
    /// The bucket's name.
    pub bucket: String,
    /// The key prefix without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
}

impl S3Location {
    /// Reads `s3://bucket` or `s3://bucket/prefix/…`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| format!("{url:?} does not start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let bucket_ok = (3..=63).contains(&bucket.len())
            && bucket
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !bucket_ok {
            return Err(format!(
                "{bucket:?} is not a bucket name (3 to 63 lowercase letters, digits, '.', '-')"
            ));
        }
        let prefix = prefix.trim_matches('/');
        // object_store refuses empty segments, `.` and `..`, and control characters.
        Path::parse(prefix).map_err(|e| format!("the key prefix {prefix:?}: {e}"))?;
        Ok(Self {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl std::fmt::Display for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

/// What `photo.json` holds: each variant's length, so a reader can tell a variant that was
/// replaced or cut from the one the manifest vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    /// Bytes of the thumbnail.
    thumb: u64,
    /// Bytes of the web variant.
    web: u64,
}

impl Manifest {
    fn of(photo: &ProcessedPhoto) -> Self {
        Self {
            thumb: photo.thumb.len() as u64,
            web: photo.web.len() as u64,
        }
    }

    fn size(&self, variant: Variant) -> u64 {
        match variant {
            Variant::Thumb => self.thumb,
            Variant::Web => self.web,
        }
    }
}

/// Photos as objects in an S3-compatible bucket: `prefix/ab/cdef…/{thumb,web}.jpg` and
/// `prefix/ab/cdef…/photo.json`, the same layout as [`super::FsPhotoStorage`]'s directories.
///
/// **Whole or not at all.** S3 writes one object atomically but has no transaction over two,
/// so the manifest `photo.json` is what makes a photo exist: `put` writes both variants first
/// and the manifest last, only after both variants were acknowledged. `exists` and `list` look
/// at manifests only, and `get` fetches the variant and the manifest at the same time (one
/// round trip of latency) and hands out the variant only if the manifest is there and names
/// its length. So a `put` that fails or dies half-way leaves at most variants without a
/// manifest: invisible, and overwritten by the next `put` of the same photo.
///
/// **A retry stores nothing new**: `put` asks for the manifest first and returns at once if
/// the photo is whole (ids are content hashes, so it is the same photo). A failed `put`
/// removes nothing it wrote, because an identical `put` may be running beside it and have
/// written the same keys; its left-overs are harmless as said.
///
/// **Delete** removes the manifest first (from then on the photo is gone for every reader),
/// then both variants. A crash in between leaves invisible variants, as a failed `put` does.
/// A `delete` racing a `put` of the very same photo can leave a manifest whose variants are
/// gone; `get` then answers `None` (the length check), and the next `put` does not repair it
/// because the manifest is there: nothing in the service deletes photos while they are being
/// filed again, so this is accepted rather than paid for with a lock service.
///
/// **`check`** (for `/readyz`) writes `prefix/.probe-<uuid>`, reads it back and deletes it,
/// within [`CHECK_TIMEOUT`]; a key starting with `.` is never a photo's.
#[derive(Debug, Clone)]
pub struct S3PhotoStorage {
    store: Arc<dyn ObjectStore>,
    prefix: Path,
    label: String,
}

impl S3PhotoStorage {
    /// Storage at `location`, configured like the AWS tools: the `AWS_*` environment variables
    /// (endpoint, region, credentials, `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`, `AWS_ALLOW_HTTP`, …),
    /// then `overrides` (the same names; [`crate::config::Settings::photos_s3_env`], for tests).
    ///
    /// Path-style requests (`endpoint/bucket/key`) unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST`
    /// is `true`, because local servers (s3rver, s3s, MinIO) need them. Plain `http://` is
    /// allowed when the endpoint says `http://` (a local server; the operator chose it).
    /// Requests time out after 30 s (5 s to connect) and are retried at most 3 times within 15 s,
    /// so a filing fails in seconds rather than minutes when the bucket is gone; each can be
    /// changed with `AWS_TIMEOUT`, `AWS_CONNECT_TIMEOUT`.
    pub fn from_env(
        location: &S3Location,
        overrides: &S3Overrides,
    ) -> Result<Self, object_store::Error> {
        crate::tls::install_crypto_provider();
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&location.bucket)
            .with_config(
                AmazonS3ConfigKey::Client(ClientConfigKey::ConnectTimeout),
                "5s",
            )
            .with_config(AmazonS3ConfigKey::Client(ClientConfigKey::Timeout), "30s")
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
            });
        let environment = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
        let mut allow_http_set = false;
        for (name, value) in environment.chain(overrides.0.iter().cloned()) {
            let Some(key) = name
                .starts_with("AWS_")
                .then(|| name.to_ascii_lowercase().parse::<AmazonS3ConfigKey>().ok())
                .flatten()
            else {
                continue;
            };
            allow_http_set |= key == AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp);
            builder = builder.with_config(key, value);
        }
        let endpoint = builder
            .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
            .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
        if !allow_http_set && endpoint.is_some_and(|e| e.starts_with("http://")) {
            builder = builder.with_allow_http(true);
        }
        let store = builder.build()?;
        Ok(Self::new(
            Arc::new(store),
            &location.prefix,
            location.to_string(),
        ))
    }

    /// Storage in `store` under `prefix` (any `object_store`; the unit tests use memory).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, label: String) -> Self {
        Self {
            store,
            prefix: Path::from(prefix),
            label,
        }
    }

    /// `prefix/ab/cdef…`, the "directory" of one photo.
    fn photo_path(&self, id: &PhotoId) -> Path {
        let (shard, rest) = id.as_str().split_at(2);
        self.prefix.clone().join(shard).join(rest)
    }

    fn variant_path(&self, id: &PhotoId, variant: Variant) -> Path {
        self.photo_path(id).join(file_name(variant))
    }

    fn manifest_path(&self, id: &PhotoId) -> Path {
        self.photo_path(id).join(MANIFEST)
    }

    /// The manifest of a photo, `None` if there is none (not stored, or not whole).
    async fn manifest(&self, id: &PhotoId) -> io::Result<Option<Manifest>> {
        let path = self.manifest_path(id);
        let bytes = match self.store.get(&path).await {
            Ok(result) => result
                .bytes()
                .await
                .map_err(|e| failed("reading", &path, e))?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(failed("reading", &path, error)),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::other(format!("{path}: not a photo manifest: {e}")))
    }

    async fn write(&self, path: &Path, bytes: Bytes, content_type: &'static str) -> io::Result<()> {
        let mut attributes = Attributes::new();
        attributes.insert(Attribute::ContentType, content_type.into());
        let options = PutOptions {
            attributes,
            ..PutOptions::default()
        };
        self.store
            .put_opts(path, PutPayload::from_bytes(bytes), options)
            .await
            .map(|_| ())
            .map_err(|e| failed("writing", path, e))
    }

    /// Deletes one object; an absent one is no error.
    async fn remove(&self, path: &Path) -> io::Result<()> {
        match self.store.delete(path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(failed("deleting", path, error)),
        }
    }

    async fn probe(&self, path: &Path) -> io::Result<()> {
        const CONTENT: &[u8] = b"readyz";
        self.write(path, Bytes::from_static(CONTENT), "text/plain")
            .await?;
        let read = self
            .store
            .get(path)
            .await
            .map_err(|e| failed("reading", path, e))?
            .bytes()
            .await
            .map_err(|e| failed("reading", path, e))?;
        if read.as_ref() == CONTENT {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "{path}: the probe object read back differently"
            )))
        }
    }
}

fn file_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Thumb => "thumb.jpg",
        Variant::Web => "web.jpg",
    }
}

/// An `object_store` error as an `io::Error` that names the operation and the key.
fn failed(doing: &str, path: &Path, error: object_store::Error) -> io::Error {
    io::Error::other(format!("{doing} {path}: {error}"))
}

#[async_trait]
impl PhotoStorage for S3PhotoStorage {
    async fn put(&self, photo: &ProcessedPhoto) -> io::Result<()> {
        if self.exists(&photo.id).await? {
            return Ok(());
        }
        // Both variants at once; the manifest only after both were acknowledged.
        let [thumb, web] = Variant::ALL.map(|variant| {
            let path = self.variant_path(&photo.id, variant);
            let bytes = Bytes::copy_from_slice(photo.variant(variant));
            async move { self.write(&path, bytes, "image/jpeg").await }
        });
        tokio::try_join!(thumb, web)?;
        let manifest = serde_json::to_vec(&Manifest::of(photo))
            .map_err(|e| io::Error::other(format!("encoding the photo manifest: {e}")))?;
        self.write(
            &self.manifest_path(&photo.id),
            Bytes::from(manifest),
            "application/json",
        )
        .await
    }

    async fn get(&self, id: &PhotoId, variant: Variant) -> io::Result<Option<Vec<u8>>> {
        let Some(stream) = self.open(id, variant).await? else {
            return Ok(None);
        };
        let bytes: Vec<Bytes> = stream.body.try_collect().await?;
        Ok(Some(bytes.concat()))
    }

    async fn open(&self, id: &PhotoId, variant: Variant) -> io::Result<Option<PhotoStream>> {
        let path = self.variant_path(id, variant);
        let (manifest, object) = tokio::join!(self.manifest(id), self.store.get(&path));
        let Some(manifest) = manifest? else {
            return Ok(None);
        };
        let object = match object {
            Ok(object) => object,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(error) => return Err(failed("reading", &path, error)),
        };
        if object.meta.size != manifest.size(variant) {
            // Replaced or cut since the manifest was written: not the photo it vouches for.
            tracing::warn!(%path, "photo variant does not match its manifest; treated as missing");
            return Ok(None);
        }
        let size = object.meta.size;
        let body = object
            .into_stream()
            .map_err(move |e| failed("reading", &path, e))
            .boxed();
        Ok(Some(PhotoStream { size, body }))
    }

    async fn exists(&self, id: &PhotoId) -> io::Result<bool> {
        let path = self.manifest_path(id);
        match self.store.head(&path).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(error) => Err(failed("looking up", &path, error)),
        }
    }

    async fn list(&self) -> io::Result<Vec<PhotoId>> {
        let prefix = (!self.prefix.is_root()).then_some(&self.prefix);
        let mut objects = self.store.list(prefix);
        let mut ids = Vec::new();
        while let Some(object) = objects.next().await {
            let object = object.map_err(|e| failed("listing", &self.prefix, e))?;
            // prefix/ab/cdef…/photo.json, nothing else (variants, probes, foreign keys).
            let Some(parts) = object.location.prefix_match(&self.prefix) else {
                continue;
            };
            let parts: Vec<_> = parts.collect();
            if let [shard, rest, file] = parts.as_slice()
                && file.as_ref() == MANIFEST
                && let Ok(id) = PhotoId::parse(&format!("{}{}", shard.as_ref(), rest.as_ref()))
            {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    async fn delete(&self, id: &PhotoId) -> io::Result<bool> {
        let existed = self.exists(id).await?;
        // The manifest first: from here on no reader sees the photo.
        self.remove(&self.manifest_path(id)).await?;
        for variant in Variant::ALL {
            self.remove(&self.variant_path(id, variant)).await?;
        }
        Ok(existed)
    }

    async fn check(&self) -> io::Result<()> {
        let path = self
            .prefix
            .clone()
            .join(format!(".probe-{}", uuid::Uuid::now_v7().simple()).as_str());
        let timed_out =
            |what: &str| io::Error::other(format!("{what} {path} took over {CHECK_TIMEOUT:?}"));
        let written = tokio::time::timeout(CHECK_TIMEOUT, self.probe(&path))
            .await
            .unwrap_or_else(|_| Err(timed_out("writing and reading")));
        // Always try to remove the probe, also after a failed read.
        let removed = tokio::time::timeout(CHECK_TIMEOUT, self.remove(&path))
            .await
            .unwrap_or_else(|_| Err(timed_out("deleting")));
        written
            .and(removed)
            .map_err(|e| io::Error::other(format!("{}: {e}", self.label)))
    }
}

#[cfg(test)]
mod tests {
    use object_store::memory::InMemory;

    use super::*;

    fn photo(content: &[u8]) -> ProcessedPhoto {
        ProcessedPhoto {
            id: PhotoId::of(content),
            width: 2,
            height: 1,
            web: b"web bytes".to_vec(),
            thumb: b"thumb bytes".to_vec(),
        }
    }

    fn storage() -> (Arc<InMemory>, S3PhotoStorage) {
        let memory = Arc::new(InMemory::new());
        let storage = S3PhotoStorage::new(memory.clone(), "base/photos", "memory".into());
        (memory, storage)
    }

    async fn keys(memory: &InMemory) -> Vec<String> {
        let mut keys: Vec<String> = memory
            .list(None)
            .map_ok(|m| m.location.to_string())
            .try_collect()
            .await
            .unwrap();
        keys.sort();
        keys
    }

    #[test]
    fn locations_parse() {
        assert_eq!(
            S3Location::parse("s3://photos-bucket/a/b/").unwrap(),
            S3Location {
                bucket: "photos-bucket".into(),
                prefix: "a/b".into()
            }
        );
        assert_eq!(S3Location::parse("s3://bucket").unwrap().prefix, "");
        for bad in [
            "s3://",
            "s3://Bucket/x",
            "s3://b/x",
            "https://bucket/x",
            "s3://bucket/a//b",
            "s3://bucket/../b",
        ] {
            assert!(S3Location::parse(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn round_trip_with_the_manifest_last() {
        let (memory, storage) = storage();
        let photo = photo(b"upload");
        let id = photo.id.clone();
        assert!(!storage.exists(&id).await.unwrap());
        storage.put(&photo).await.unwrap();
        let dir = format!("base/photos/{}/{}", &id.as_str()[..2], &id.as_str()[2..]);
        assert_eq!(
            keys(&memory).await,
            [
                format!("{dir}/photo.json"),
                format!("{dir}/thumb.jpg"),
                format!("{dir}/web.jpg")
            ]
        );
        assert!(storage.exists(&id).await.unwrap());
        assert_eq!(storage.list().await.unwrap(), vec![id.clone()]);
        assert_eq!(
            storage.get(&id, Variant::Thumb).await.unwrap().as_deref(),
            Some(&b"thumb bytes"[..])
        );
        let stream = storage.open(&id, Variant::Web).await.unwrap().unwrap();
        assert_eq!(stream.size, 9);

        // A retry writes nothing: the variants keep their first version.
        let before = memory
            .head(&Path::from(format!("{dir}/web.jpg")))
            .await
            .unwrap();
        storage.put(&photo).await.unwrap();
        let after = memory
            .head(&Path::from(format!("{dir}/web.jpg")))
            .await
            .unwrap();
        assert_eq!(before.e_tag, after.e_tag);

        assert!(storage.delete(&id).await.unwrap());
        assert!(keys(&memory).await.is_empty());
        assert!(!storage.exists(&id).await.unwrap());
        assert!(!storage.delete(&id).await.unwrap());
    }

    #[tokio::test]
    async fn variants_without_a_manifest_are_no_photo_until_a_put_completes_them() {
        // What a put that died after the variants leaves.
        let (memory, storage) = storage();
        let photo = photo(b"half");
        let id = photo.id.clone();
        for variant in Variant::ALL {
            memory
                .put(
                    &storage.variant_path(&id, variant),
                    PutPayload::from(photo.variant(variant).to_vec()),
                )
                .await
                .unwrap();
        }
        assert!(!storage.exists(&id).await.unwrap());
        assert_eq!(storage.get(&id, Variant::Web).await.unwrap(), None);
        assert!(storage.open(&id, Variant::Thumb).await.unwrap().is_none());
        assert!(storage.list().await.unwrap().is_empty());

        storage.put(&photo).await.unwrap();
        assert!(storage.exists(&id).await.unwrap());
        assert_eq!(storage.list().await.unwrap(), vec![id.clone()]);

        // A variant that no longer matches its manifest is not handed out.
        memory
            .put(
                &storage.variant_path(&id, Variant::Web),
                PutPayload::from_static(b"cut"),
            )
            .await
            .unwrap();
        assert_eq!(storage.get(&id, Variant::Web).await.unwrap(), None);
    }

    #[tokio::test]
    async fn the_check_leaves_nothing_and_list_skips_foreign_keys() {
        let (memory, storage) = storage();
        storage.check().await.unwrap();
        assert!(keys(&memory).await.is_empty());
        memory
            .put(
                &Path::from("base/photos/notes/readme.txt"),
                PutPayload::from_static(b"x"),
            )
            .await
            .unwrap();
        memory
            .put(
                &Path::from("base/other/ab/photo.json"),
                PutPayload::from_static(b"{}"),
            )
            .await
            .unwrap();
        assert!(storage.list().await.unwrap().is_empty());
    }
}
