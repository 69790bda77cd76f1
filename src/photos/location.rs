//! Where the photos are: `BUERGERBUERO_PHOTOS_URL` and the arguments of `photos copy`.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::s3::{S3Location, S3Overrides, S3PhotoStorage};
use super::storage::{FsPhotoStorage, PhotoStorage};

/// A photo storage named by URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhotoLocation {
    /// `file://DIR`: files under `DIR/photos/` (DIR is a data directory, as
    /// `BUERGERBUERO_DATA_DIR`; relative to the working directory unless it starts with `/`).
    Files(PathBuf),
    /// `s3://bucket/prefix`: objects in an S3-compatible bucket.
    S3(S3Location),
}

impl PhotoLocation {
    /// Reads `file://DIR` or `s3://bucket[/prefix]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        if let Some(dir) = url.strip_prefix("file://") {
            if dir.is_empty() {
                return Err(format!("{url:?} names no directory"));
            }
            Ok(Self::Files(PathBuf::from(dir)))
        } else if url.starts_with("s3://") {
            S3Location::parse(url).map(Self::S3)
        } else {
            Err(format!(
                "{url:?} is neither file://DIR nor s3://bucket/prefix"
            ))
        }
    }

    /// The storage the settings name: `photos_url`, or else files in the data directory.
    pub fn of(photos_url: Option<&str>, data_dir: &std::path::Path) -> Result<Self, String> {
        match photos_url {
            Some(url) => Self::parse(url),
            None => Ok(Self::Files(data_dir.to_owned())),
        }
    }

    /// Opens the storage; S3 is configured from the `AWS_*` environment and `overrides`.
    /// Nothing is read or written yet (`PhotoStorage::check` does that).
    pub fn open(&self, overrides: &S3Overrides) -> anyhow::Result<Arc<dyn PhotoStorage>> {
        Ok(match self {
            Self::Files(dir) => Arc::new(FsPhotoStorage::new(dir.clone())),
            Self::S3(location) => Arc::new(
                S3PhotoStorage::from_env(location, overrides)
                    .with_context(|| format!("configuring the S3 client for {location}"))?,
            ),
        })
    }
}

impl std::fmt::Display for PhotoLocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Files(dir) => write!(f, "file://{}", dir.display()),
            Self::S3(location) => write!(f, "{location}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse() {
        assert_eq!(
            PhotoLocation::parse("file:///srv/bb/data").unwrap(),
            PhotoLocation::Files("/srv/bb/data".into())
        );
        assert_eq!(
            PhotoLocation::parse("file://data").unwrap(),
            PhotoLocation::Files("data".into())
        );
        assert!(matches!(
            PhotoLocation::parse("s3://bucket/photos").unwrap(),
            PhotoLocation::S3(S3Location { bucket, prefix }) if bucket == "bucket" && prefix == "photos"
        ));
        for bad in ["file://", "/srv/data", "gs://bucket/x", "s3://B"] {
            assert!(PhotoLocation::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PhotoLocation::of(None, std::path::Path::new("data")).unwrap(),
            PhotoLocation::Files("data".into())
        );
    }
}
