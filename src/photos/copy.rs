//! `buergerbuero photos copy`: copies every photo from one storage to another (filesystem to
//! bucket when moving to S3, and back), verifying each copy.

use std::io::Cursor;

use anyhow::{Context, bail};
use futures_util::{StreamExt, TryStreamExt};

use super::storage::PhotoStorage;
use super::{PhotoId, ProcessedPhoto, Variant};

/// Photos copied at the same time: enough to hide a bucket's round trips, few enough that a
/// laptop's upload is not split into too many slow streams.
const CONCURRENCY: usize = 8;

/// What a copy did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// Photos the source holds whole.
    pub found: usize,
    /// Copied now, and read back equal.
    pub copied: usize,
    /// Already whole in the target, so left alone.
    pub present: usize,
    /// Listed by the source but gone before they could be read (deleted meanwhile).
    pub vanished: usize,
}

impl std::fmt::Display for CopyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} photos in the source: {} copied and verified, {} already in the target",
            self.found, self.copied, self.present
        )?;
        if self.vanished > 0 {
            write!(f, ", {} deleted from the source meanwhile", self.vanished)?;
        }
        Ok(())
    }
}

enum Outcome {
    Copied,
    Present,
    Vanished,
}

/// Copies every whole photo of `from` that `to` does not hold yet, then reads each copy back
/// from `to` and compares it byte for byte. Idempotent: a second run copies nothing and
/// reports every photo as present; an interrupted run is finished by the next one (the
/// target's `put` is whole or nothing). The first photo that cannot be copied or verified
/// stops the copy with its id; `progress` gets a line every 100 photos.
pub async fn copy_photos(
    from: &dyn PhotoStorage,
    to: &dyn PhotoStorage,
    progress: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<CopyReport> {
    let ids = from.list().await.context("listing the source's photos")?;
    let mut report = CopyReport {
        found: ids.len(),
        ..CopyReport::default()
    };
    let mut outcomes = std::pin::pin!(
        futures_util::stream::iter(ids)
            .map(|id| async move {
                copy_one(from, to, &id)
                    .await
                    .with_context(|| format!("photo {id}"))
            })
            .buffer_unordered(CONCURRENCY)
    );
    let mut done = 0;
    while let Some(outcome) = outcomes.try_next().await? {
        match outcome {
            Outcome::Copied => report.copied += 1,
            Outcome::Present => report.present += 1,
            Outcome::Vanished => report.vanished += 1,
        }
        done += 1;
        if done % 100 == 0 {
            progress(&format!("{done} of {} photos", report.found));
        }
    }
    Ok(report)
}

async fn copy_one(
    from: &dyn PhotoStorage,
    to: &dyn PhotoStorage,
    id: &PhotoId,
) -> anyhow::Result<Outcome> {
    if to.exists(id).await.context("looking in the target")? {
        return Ok(Outcome::Present);
    }
    let (thumb, web) = tokio::try_join!(from.get(id, Variant::Thumb), from.get(id, Variant::Web))
        .context("reading from the source")?;
    let (Some(thumb), Some(web)) = (thumb, web) else {
        return Ok(Outcome::Vanished);
    };
    // The storage keeps no dimensions; the JPEG header has them (no pixel is decoded).
    let (width, height) =
        image::ImageReader::with_format(Cursor::new(&web), image::ImageFormat::Jpeg)
            .into_dimensions()
            .context("reading the web variant's JPEG header")?;
    let photo = ProcessedPhoto {
        id: id.clone(),
        width,
        height,
        web,
        thumb,
    };
    to.put(&photo).await.context("writing to the target")?;
    for variant in Variant::ALL {
        let copy = to
            .get(id, variant)
            .await
            .with_context(|| format!("reading the {variant} variant back from the target"))?;
        if copy.as_deref() != Some(photo.variant(variant)) {
            bail!("the {variant} variant read back from the target differs from the source");
        }
    }
    Ok(Outcome::Copied)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use object_store::memory::InMemory;

    use super::*;
    use crate::photos::{FsPhotoStorage, S3PhotoStorage};

    fn jpeg(seed: u8) -> ProcessedPhoto {
        let image = image::RgbImage::from_pixel(3, 2, image::Rgb([seed, 0, 0]));
        let mut web = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut web), image::ImageFormat::Jpeg)
            .unwrap();
        ProcessedPhoto {
            id: PhotoId::of(&[seed]),
            width: 3,
            height: 2,
            thumb: web.clone(),
            web,
        }
    }

    #[tokio::test]
    async fn copies_once_and_back() {
        let dir = std::env::temp_dir().join(format!("bb-copy-{}", uuid::Uuid::now_v7()));
        let files = FsPhotoStorage::new(dir.clone());
        let bucket = S3PhotoStorage::new(Arc::new(InMemory::new()), "p", "memory".into());
        for seed in 0..3 {
            files.put(&jpeg(seed)).await.unwrap();
        }
        let report = copy_photos(&files, &bucket, &mut |_| {}).await.unwrap();
        assert_eq!(
            report,
            CopyReport {
                found: 3,
                copied: 3,
                ..CopyReport::default()
            }
        );
        let again = copy_photos(&files, &bucket, &mut |_| {}).await.unwrap();
        assert_eq!((again.copied, again.present), (0, 3));

        let back = FsPhotoStorage::new(dir.join("back"));
        let report = copy_photos(&bucket, &back, &mut |_| {}).await.unwrap();
        assert_eq!(report.copied, 3);
        let photo = jpeg(1);
        assert_eq!(
            back.get(&photo.id, Variant::Web).await.unwrap(),
            Some(photo.web)
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
