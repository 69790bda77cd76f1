//! Where processed photos live: behind [`PhotoStorage`], on the filesystem ([`FsPhotoStorage`],
//! the default) or in an S3-compatible bucket ([`super::S3PhotoStorage`]).

use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use tokio::io::AsyncWriteExt;

use super::{PhotoId, ProcessedPhoto, Variant};

/// Keeps the variants of processed photos by id.
///
/// Asynchronous (via `async_trait`, so it can be used as `Arc<dyn PhotoStorage>`): the
/// filesystem implementation goes through `tokio::fs`, which runs the blocking calls on tokio's
/// blocking pool, and an S3-compatible implementation will be network I/O. Call it from async
/// handlers directly, not from inside `spawn_blocking`.
///
/// A photo is stored whole or not at all: after `put` returns, `exists` is true and `get`
/// returns both variants; a crash during `put` leaves nothing visible. Storing the same id
/// twice is a no-op (ids are content hashes, so it is the same photo).
#[async_trait]
pub trait PhotoStorage: Send + Sync + std::fmt::Debug {
    /// Stores both variants under `photo.id`.
    async fn put(&self, photo: &ProcessedPhoto) -> io::Result<()>;

    /// One variant's JPEG bytes, or `None` if there is no such photo.
    async fn get(&self, id: &PhotoId, variant: Variant) -> io::Result<Option<Vec<u8>>>;

    /// One variant as a stream of chunks with its length, for answering a request without
    /// holding the whole file; `None` if there is no such photo. The default reads it whole
    /// with `get` (a local file of at most a few hundred kB); network storage streams.
    async fn open(&self, id: &PhotoId, variant: Variant) -> io::Result<Option<PhotoStream>> {
        Ok(self.get(id, variant).await?.map(PhotoStream::whole))
    }

    /// Every photo stored whole, in no particular order (for `photos copy`; a photo whose
    /// `put` never finished is not listed).
    async fn list(&self) -> io::Result<Vec<PhotoId>>;

    /// Whether a photo is stored.
    async fn exists(&self, id: &PhotoId) -> io::Result<bool>;

    /// Removes a photo (a clerk hid it for good, or its report was deleted). `false` if there
    /// was none.
    async fn delete(&self, id: &PhotoId) -> io::Result<bool>;

    /// Checks that photos can be written and read back (for `/readyz`), leaving nothing.
    async fn check(&self) -> io::Result<()>;
}

/// One variant of a stored photo, as [`PhotoStorage::open`] hands it out.
pub struct PhotoStream {
    /// Its length in bytes (the answer's `Content-Length`).
    pub size: u64,
    /// Its bytes, in chunks; an error ends the stream (and so the answer, short of `size`).
    pub body: BoxStream<'static, io::Result<Bytes>>,
}

impl PhotoStream {
    /// A stream of one chunk: bytes already read.
    pub fn whole(bytes: Vec<u8>) -> Self {
        Self {
            size: bytes.len() as u64,
            body: futures_util::stream::once(std::future::ready(Ok(Bytes::from(bytes)))).boxed(),
        }
    }
}

impl std::fmt::Debug for PhotoStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhotoStream")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// Photos as files: `root/photos/ab/cdef…/{web,thumb}.jpg`, sharded into 256 directories by
/// the first two hex characters of the id, the directory named by the remaining 62.
///
/// `put` writes both files (each fsynced) into a temporary directory `root/photos/ab/.tmp-…`
/// beside the target and renames it into place, so the photo's directory appears complete or
/// not at all. A crash can leave a `.tmp-…` directory behind, which no id can name; it is safe
/// to delete any that is older than a minute.
#[derive(Debug, Clone)]
pub struct FsPhotoStorage {
    root: PathBuf,
}

impl FsPhotoStorage {
    /// Storage under `root` (the data directory); `root/photos` is created on first use.
    pub fn new(root: PathBuf) -> Self {
        Self { root }
    }

    /// The directory of one photo.
    pub fn photo_dir(&self, id: &PhotoId) -> PathBuf {
        let (shard, rest) = id.as_str().split_at(2);
        self.root.join("photos").join(shard).join(rest)
    }

    fn temp_dir(&self, id: &PhotoId) -> PathBuf {
        let (shard, _) = id.as_str().split_at(2);
        self.root
            .join("photos")
            .join(shard)
            .join(format!(".tmp-{}", uuid::Uuid::now_v7().simple()))
    }
}

fn file_name(variant: Variant) -> &'static str {
    match variant {
        Variant::Thumb => "thumb.jpg",
        Variant::Web => "web.jpg",
    }
}

async fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

/// Makes a rename durable. Best effort: not every filesystem can fsync a directory.
async fn sync_dir(path: &Path) {
    if let Ok(dir) = tokio::fs::File::open(path).await {
        let _ = dir.sync_all().await;
    }
}

#[async_trait]
impl PhotoStorage for FsPhotoStorage {
    async fn put(&self, photo: &ProcessedPhoto) -> io::Result<()> {
        let target = self.photo_dir(&photo.id);
        if tokio::fs::try_exists(&target).await? {
            return Ok(());
        }
        let temp = self.temp_dir(&photo.id);
        tokio::fs::create_dir_all(&temp).await?;
        let written = async {
            for variant in Variant::ALL {
                write_synced(&temp.join(file_name(variant)), photo.variant(variant)).await?;
            }
            tokio::fs::rename(&temp, &target).await
        }
        .await;
        match written {
            Ok(()) => {
                if let Some(shard) = target.parent() {
                    sync_dir(shard).await;
                }
                Ok(())
            }
            Err(error) => {
                let _ = tokio::fs::remove_dir_all(&temp).await;
                // Someone stored the same photo meanwhile: the rename found a full directory.
                if tokio::fs::try_exists(target.join(file_name(Variant::Web))).await? {
                    Ok(())
                } else {
                    Err(error)
                }
            }
        }
    }

    async fn get(&self, id: &PhotoId, variant: Variant) -> io::Result<Option<Vec<u8>>> {
        match tokio::fs::read(self.photo_dir(id).join(file_name(variant))).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }

    async fn exists(&self, id: &PhotoId) -> io::Result<bool> {
        tokio::fs::try_exists(self.photo_dir(id)).await
    }

    async fn list(&self) -> io::Result<Vec<PhotoId>> {
        // Only the rename makes a photo's directory, so every directory named like an id is
        // whole; `.tmp-…` and `.probe-…` names are no ids and fall out.
        let mut ids = Vec::new();
        let root = self.root.join("photos");
        let mut shards = match tokio::fs::read_dir(&root).await {
            Ok(shards) => shards,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(ids),
            Err(error) => return Err(error),
        };
        while let Some(shard) = shards.next_entry().await? {
            let shard_name = shard.file_name();
            let Some(shard_name) = shard_name.to_str() else {
                continue;
            };
            if shard_name.len() != 2 || !shard.file_type().await?.is_dir() {
                continue;
            }
            let mut photos = tokio::fs::read_dir(shard.path()).await?;
            while let Some(photo) = photos.next_entry().await? {
                let name = photo.file_name();
                let Some(rest) = name.to_str() else {
                    continue;
                };
                if let Ok(id) = PhotoId::parse(&format!("{shard_name}{rest}"))
                    && photo.file_type().await?.is_dir()
                {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    async fn delete(&self, id: &PhotoId) -> io::Result<bool> {
        // Rename first so no reader ever sees a photo with one variant gone.
        let trash = self.temp_dir(id);
        match tokio::fs::rename(self.photo_dir(id), &trash).await {
            Ok(()) => {
                tokio::fs::remove_dir_all(&trash).await?;
                Ok(true)
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(error) => Err(error),
        }
    }

    async fn check(&self) -> io::Result<()> {
        // A `.probe-…` name, like the `.tmp-…` directories, can never be a photo's.
        let dir = self.root.join("photos");
        tokio::fs::create_dir_all(&dir).await?;
        let probe = dir.join(format!(".probe-{}", uuid::Uuid::now_v7().simple()));
        let written = async {
            tokio::fs::write(&probe, b"readyz").await?;
            match tokio::fs::read(&probe).await? {
                bytes if bytes == b"readyz" => Ok(()),
                _ => Err(io::Error::other("the probe file read back differently")),
            }
        }
        .await;
        let removed = tokio::fs::remove_file(&probe).await;
        written.and(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> PathBuf {
        std::env::temp_dir().join(format!("buergerbuero-photos-{}", uuid::Uuid::now_v7()))
    }

    fn photo(content: &[u8]) -> ProcessedPhoto {
        ProcessedPhoto {
            id: PhotoId::of(content),
            width: 2,
            height: 1,
            web: b"web bytes".to_vec(),
            thumb: b"thumb bytes".to_vec(),
        }
    }

    #[tokio::test]
    async fn the_check_writes_reads_and_leaves_nothing() {
        let root = scratch();
        let storage = FsPhotoStorage::new(root.clone());
        storage.check().await.unwrap();
        let left: Vec<_> = std::fs::read_dir(root.join("photos")).unwrap().collect();
        assert!(left.is_empty());
        // A data directory that is a file cannot hold photos.
        std::fs::remove_dir_all(&root).unwrap();
        std::fs::write(&root, b"not a directory").unwrap();
        assert!(storage.check().await.is_err());
        std::fs::remove_file(&root).unwrap();
    }

    #[tokio::test]
    async fn round_trip_in_a_temp_dir() {
        let root = scratch();
        let storage: Box<dyn PhotoStorage> = Box::new(FsPhotoStorage::new(root.clone()));
        let photo = photo(b"upload");
        let id = photo.id.clone();

        assert!(!storage.exists(&id).await.unwrap());
        assert_eq!(storage.get(&id, Variant::Web).await.unwrap(), None);

        storage.put(&photo).await.unwrap();
        assert!(storage.exists(&id).await.unwrap());
        assert_eq!(
            storage.get(&id, Variant::Web).await.unwrap().as_deref(),
            Some(&b"web bytes"[..])
        );
        assert_eq!(
            storage.get(&id, Variant::Thumb).await.unwrap().as_deref(),
            Some(&b"thumb bytes"[..])
        );

        // The layout: root/photos/ab/<62 chars>/{web,thumb}.jpg, and no temporary left.
        let shard = root.join("photos").join(&id.as_str()[..2]);
        let dir = shard.join(&id.as_str()[2..]);
        assert!(dir.join("web.jpg").is_file());
        assert!(dir.join("thumb.jpg").is_file());
        let entries: Vec<_> = std::fs::read_dir(&shard)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, vec![std::ffi::OsString::from(&id.as_str()[2..])]);

        // Idempotent.
        storage.put(&photo).await.unwrap();
        assert!(storage.exists(&id).await.unwrap());
        assert_eq!(storage.list().await.unwrap(), vec![id.clone()]);
        let stream = storage.open(&id, Variant::Web).await.unwrap().unwrap();
        assert_eq!(stream.size, 9);

        assert!(storage.delete(&id).await.unwrap());
        assert!(!storage.exists(&id).await.unwrap());
        assert_eq!(storage.get(&id, Variant::Thumb).await.unwrap(), None);
        assert!(!storage.delete(&id).await.unwrap());
        assert_eq!(std::fs::read_dir(&shard).unwrap().count(), 0);
        assert!(storage.list().await.unwrap().is_empty());
        assert!(storage.open(&id, Variant::Web).await.unwrap().is_none());

        std::fs::remove_dir_all(&root).unwrap();
    }

    #[tokio::test]
    async fn concurrent_puts_of_one_photo_both_succeed() {
        let root = scratch();
        let storage = FsPhotoStorage::new(root.clone());
        let photo = photo(b"same upload");
        let (a, b) = tokio::join!(storage.put(&photo), storage.put(&photo));
        a.unwrap();
        b.unwrap();
        assert_eq!(
            storage
                .get(&photo.id, Variant::Web)
                .await
                .unwrap()
                .as_deref(),
            Some(&b"web bytes"[..])
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
