//! The PostgreSQL store: production, and several app instances on one database.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgPool, Postgres};

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

/// A pooled connection idle this long is pinged before it is used.
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(30);

/// A store on a PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
}

impl PgStore {
    /// Connects a pool to the database the URL names.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(5))
            // sqlx pings every connection it hands out by default: one more round trip per
            // query, a third of a filing's. Only a connection idle for a while may have been
            // cut (a database restart, a firewall's idle timeout), so only those are pinged; a
            // busy one that breaks fails its query and is dropped from the pool.
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_WHEN_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL (check BUERGERBUERO_DATABASE_URL)")?;
        Ok(Self { pool })
    }

    /// The pool, for `move_data`, which writes every table as it is stored.
    pub(super) fn pool(&self) -> &PgPool {
        &self.pool
    }
}

impl PgStore {
    /// `create_report`: one statement (see `report_insert_pg`).
    async fn insert_report(
        &self,
        record: &super::reports::ReportRecord<'_>,
    ) -> super::Result<super::reports::CreateOutcome> {
        super::report_insert_pg::insert_report(&self.pool, record).await
    }
}

store_impl!(PgStore, Postgres, Backend::Postgres, "migrations/postgres");
mail_changes_writer!(Postgres);
cell_changes_writer!(Postgres);
supporters_mover!(Postgres);
support_store_impl!(PgStore, Postgres);
report_store_impl!(PgStore, Postgres);
clerk_store_impl!(PgStore, Postgres);
account_store_impl!(PgStore, Postgres);
rate_limit_store_impl!(PgStore);
alert_store_impl!(PgStore, Postgres);
notify_store_impl!(PgStore, Postgres, "for update skip locked");
backoffice_store_impl!(PgStore, Postgres, "for update skip locked");
open311_store_impl!(PgStore, Postgres);
privacy_store_impl!(PgStore, Postgres);
webhook_store_impl!(PgStore, Postgres, "for update of d skip locked");
