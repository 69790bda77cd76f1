//! `buergerbuero backup <dir>`: a consistent copy of a SQLite installation while it runs — the
//! database through SQLite's `VACUUM INTO` (one read transaction, so a snapshot whatever the
//! server writes meanwhile, without blocking it), then the photo files. PostgreSQL and object
//! storage are backed up with their own tools (`docs/OPERATIONS.md`).
//!
//! Order matters: photos are stored before the report that names them commits, and a stored
//! photo is never changed, so copying the photos *after* the snapshot finds every photo the
//! snapshot names — except one a clerk deleted for good in between, which the backup then
//! rightly lacks.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::config::Settings;
use crate::photos::PhotoLocation;
use crate::store::SqliteStore;

/// The database file's name inside a backup directory.
pub const DATABASE_FILE: &str = "buergerbuero.db";

/// What a backup copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// Where the database copy is.
    pub database: PathBuf,
    /// Its size in bytes.
    pub database_bytes: u64,
    /// Photo files copied (two per photo: web size and thumbnail).
    pub photo_files: u64,
    /// Their bytes.
    pub photo_bytes: u64,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "database: {} ({} bytes)\nphotos: {} files ({} bytes)",
            self.database.display(),
            self.database_bytes,
            self.photo_files,
            self.photo_bytes
        )
    }
}

/// Backs the configured SQLite database and photo directory up into `dir`, which must be
/// empty or not exist yet. Photos in a bucket are left to the bucket's own backup.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<BackupReport> {
    let url = &settings.database_url;
    if !url.starts_with("sqlite:") {
        anyhow::bail!(
            "backup copies a SQLite installation; back PostgreSQL up with pg_dump or its \
             continuous archiving (see docs/OPERATIONS.md)"
        );
    }
    let source = sqlite_file(url)?;
    if !source.is_file() {
        anyhow::bail!("there is no database at {} to back up", source.display());
    }
    prepare_empty_dir(dir)?;
    let database = dir.join(DATABASE_FILE);
    let store = SqliteStore::connect(url, 1).await?;
    store
        .snapshot_into(&database)
        .await
        .with_context(|| format!("copying the database into {}", database.display()))?;
    let database_bytes = fs::metadata(&database)?.len();
    let (photo_files, photo_bytes) = match settings.photo_location()? {
        PhotoLocation::Files(data_dir) => {
            let (from, to) = (data_dir.join("photos"), dir.join("photos"));
            tokio::task::spawn_blocking(move || copy_photos(&from, &to))
                .await
                .context("the photo copy stopped")?
                .context("copying the photos")?
        }
        // A bucket keeps its own history (versioning, replication; docs/OPERATIONS.md).
        PhotoLocation::S3(_) => (0, 0),
    };
    Ok(BackupReport {
        database,
        database_bytes,
        photo_files,
        photo_bytes,
    })
}

/// The file a `sqlite:` URL names (`sqlite://path`, `sqlite:path`, with or without `?…`).
pub(crate) fn sqlite_file(url: &str) -> anyhow::Result<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        anyhow::bail!("BUERGERBUERO_DATABASE_URL {url:?} names no database file");
    }
    Ok(PathBuf::from(path))
}

/// Creates `dir`, or accepts it empty: a backup never mixes with older files.
fn prepare_empty_dir(dir: &Path) -> anyhow::Result<()> {
    match fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                anyhow::bail!(
                    "{} is not empty: back up into a new directory",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

/// Copies the photo tree (`ab/cdef…/{web,thumb}.jpg`), leaving out the temporary directories
/// of puts in flight (`.tmp-…`); returns the files and bytes copied.
fn copy_photos(from: &Path, to: &Path) -> io::Result<(u64, u64)> {
    let (mut files, mut bytes) = (0, 0);
    if !from.is_dir() {
        return Ok((files, bytes));
    }
    let mut pending = vec![(from.to_path_buf(), to.to_path_buf())];
    while let Some((source, target)) = pending.pop() {
        fs::create_dir_all(&target)?;
        for entry in fs::read_dir(&source)? {
            let entry = entry?;
            let name = entry.file_name();
            if name.to_string_lossy().starts_with(".tmp-") {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push((entry.path(), target.join(&name)));
            } else if kind.is_file() {
                bytes += fs::copy(entry.path(), target.join(&name))?;
                files += 1;
            }
        }
    }
    Ok((files, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        for (url, file) in [
            ("sqlite://data/b.db", "data/b.db"),
            ("sqlite:/var/lib/b.db?mode=rwc", "/var/lib/b.db"),
            ("sqlite://./b.db", "./b.db"),
        ] {
            assert_eq!(sqlite_file(url).unwrap(), PathBuf::from(file), "{url}");
        }
        assert!(sqlite_file("sqlite::memory:").is_err());
        assert!(sqlite_file("sqlite://").is_err());
    }
}
