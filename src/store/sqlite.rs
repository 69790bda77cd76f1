//! The SQLite store: the zero-set-up default. One file under the data directory, WAL mode.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use super::Backend;
use super::account_sql::account_store_impl;
use super::clerk_sql::clerk_store_impl;
use super::notify_sql::notify_store_impl;
use super::open311_sql::open311_store_impl;
use super::report_sql::report_store_impl;
use super::shared::store_impl;

/// A store on a SQLite database file.
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    /// Opens (and creates, with its directory) the database file the URL names.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| {
                format!("BUERGERBUERO_DATABASE_URL {url:?} is not a valid SQLite URL")
            })?
            .create_if_missing(true)
            // WAL lets readers proceed while one writer writes; NORMAL sync is safe with WAL.
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = options
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).with_context(|| {
                format!(
                    "cannot create the database directory {} (BUERGERBUERO_DATABASE_URL)",
                    dir.display()
                )
            })?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await
            .with_context(|| {
                format!("cannot open the SQLite database {url:?} (BUERGERBUERO_DATABASE_URL)")
            })?;
        Ok(Self { pool })
    }
}

store_impl!(SqliteStore, Sqlite, Backend::Sqlite, "migrations/sqlite");
report_store_impl!(SqliteStore, Sqlite);
clerk_store_impl!(SqliteStore, Sqlite);
account_store_impl!(SqliteStore, Sqlite);
notify_store_impl!(SqliteStore, Sqlite, "");
open311_store_impl!(SqliteStore, Sqlite);
