//! The SQLite store: the zero-set-up default. One file under the data directory, WAL mode.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

use super::Backend;
use super::account_sql::account_store_impl;
use super::alerts::alert_store_impl;
use super::backoffice_sql::backoffice_store_impl;
use super::clerk_sql::clerk_store_impl;
use super::notify_sql::{mail_changes_writer, notify_store_impl};
use super::open311_sql::open311_store_impl;
use super::privacy_sql::privacy_store_impl;
use super::rate_limits::rate_limit_store_impl;
use super::report_sql::{cell_changes_writer, report_store_impl};
use super::shared::store_impl;
use super::support_sql::{support_store_impl, supporters_mover};
use super::webhooks_sql::webhook_store_impl;

/// A store on a SQLite database file.
pub struct SqliteStore {
    pool: SqlitePool,
    /// Filings queue here, first come first served, before they ask SQLite for its one write
    /// lock: SQLite's own busy handler lets a waiter sleep ever longer (up to 100 ms a try)
    /// while others take the lock, which put the p99 of concurrent filings near 0.5 s.
    filing_gate: tokio::sync::Mutex<()>,
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
            // sqlx hands rows from its SQLite thread over a channel of this many; at the
            // default 50 a list of 1,000 rows stops and wakes that thread 20 times per query,
            // and the thread switches were a fifth of the CPU of such a list.
            .row_buffer_size(1_024)
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
            // A file's connection cannot be cut like a network one: no ping before each use.
            .test_before_acquire(false)
            .connect_with(options)
            .await
            .with_context(|| {
                format!("cannot open the SQLite database {url:?} (BUERGERBUERO_DATABASE_URL)")
            })?;
        Ok(Self {
            pool,
            filing_gate: tokio::sync::Mutex::new(()),
        })
    }

    /// The pool, for `move_data`, which reads every table as it is stored.
    pub(super) fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Writes a consistent copy of the whole database into the new file `target` (SQLite's
    /// `VACUUM INTO`: one read transaction, so writers go on meanwhile).
    pub async fn snapshot_into(&self, target: &std::path::Path) -> anyhow::Result<()> {
        let target = target
            .to_str()
            .with_context(|| format!("{} is not a UTF-8 path", target.display()))?;
        sqlx::query("vacuum into $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl SqliteStore {
    /// `create_report`: one transaction of a statement per table. SQLite runs in the process,
    /// so statements cost no round trips; PostgreSQL's version is one statement
    /// (`report_insert_pg`).
    async fn insert_report(
        &self,
        record: &crate::store::reports::ReportRecord<'_>,
    ) -> crate::store::Result<crate::store::reports::CreateOutcome> {
        use crate::store::reports::CreateOutcome;
        // IMMEDIATE takes the write lock first: a racing retry with the same idempotency key
        // then waits and finds the key stored, instead of reading a snapshot without it and
        // failing on the write ("database is locked" or a duplicate key).
        let _turn = self.filing_gate.lock().await;
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if let Some((key, fingerprint)) = record.idempotency {
            let seen: Option<(String, uuid::Uuid)> = sqlx::query_as(
                "select fingerprint, report_id from idempotency_keys where key = $1",
            )
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((seen_fingerprint, id)) = seen {
                return Ok(if seen_fingerprint == fingerprint {
                    CreateOutcome::Replayed(id.into())
                } else {
                    CreateOutcome::KeyReused
                });
            }
        }
        let id = record.report.id.uuid();
        let now = record.report.timeline.created_at;
        // The row the answer shows is the row written: one mapping from report to columns.
        let row = crate::store::rows::ReportRow::from(record.report);
        sqlx::query(
            "insert into reports (id, category_code, description, lat, lon, address, area_key,
               authority_key, status, visibility, language, near_border, reporter_email,
               reporter_name, created_at, updated_at, status_changed_at, opened_at, reaction_due_at,
               authority_since, media_url)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
        )
        .bind(row.id)
        .bind(row.category_code)
        .bind(row.description)
        .bind(row.lat)
        .bind(row.lon)
        .bind(row.address)
        .bind(row.area_key)
        .bind(row.authority_key)
        .bind(row.status)
        .bind(row.visibility)
        .bind(row.language)
        .bind(row.near_border)
        .bind(row.reporter_email)
        .bind(row.reporter_name)
        .bind(row.created_at)
        .bind(row.updated_at)
        .bind(row.status_changed_at)
        .bind(row.opened_at)
        .bind(row.reaction_due_at)
        .bind(row.authority_since)
        .bind(row.media_url)
        .execute(&mut *tx)
        .await?;
        for event in record.report.filing_events() {
            crate::store::clerk_sql::insert_event!(id, &event, now)
                .execute(&mut *tx)
                .await?;
        }
        for (position, photo) in record.photos.iter().enumerate() {
            sqlx::query(
                "insert into report_photos (report_id, photo_id, position, width, height, visible)
                         values ($1, $2, $3, $4, $5, $6)
                         on conflict (report_id, photo_id) do nothing",
            )
            .bind(id)
            .bind(&photo.id)
            .bind(position as i32)
            .bind(photo.width as i32)
            .bind(photo.height as i32)
            .bind(record.photos_visible)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(light) = record.report.map_light() {
            append_cell_changes(
                &mut tx,
                record.report.location.lat(),
                record.report.location.lon(),
                &[(light, 1)],
            )
            .await?;
        }
        write_mail_changes(&mut tx, record.mail, now).await?;
        if record.report.timeline.opened_at.is_some() {
            sqlx::query(crate::store::backoffice::ENQUEUE_DELIVERY_SQL)
                .bind(uuid::Uuid::now_v7())
                .bind(id)
                .bind(record.report.authority.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        if let Some((key, fingerprint)) = record.idempotency {
            sqlx::query(
                "insert into idempotency_keys (key, fingerprint, report_id, created_at)
                         values ($1, $2, $3, $4)",
            )
            .bind(key)
            .bind(fingerprint)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(CreateOutcome::Created)
    }
}

store_impl!(SqliteStore, Sqlite, Backend::Sqlite, "migrations/sqlite");
mail_changes_writer!(Sqlite);
cell_changes_writer!(Sqlite);
supporters_mover!(Sqlite);
support_store_impl!(SqliteStore, Sqlite);
report_store_impl!(SqliteStore, Sqlite);
clerk_store_impl!(SqliteStore, Sqlite);
account_store_impl!(SqliteStore, Sqlite);
rate_limit_store_impl!(SqliteStore);
alert_store_impl!(SqliteStore, Sqlite);
notify_store_impl!(SqliteStore, Sqlite, "");
backoffice_store_impl!(SqliteStore, Sqlite, "");
open311_store_impl!(SqliteStore, Sqlite);
privacy_store_impl!(SqliteStore, Sqlite);
webhook_store_impl!(SqliteStore, Sqlite, "");
