//! The PostgreSQL store: production, and several app instances on one database.

use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Postgres};

use super::Backend;
use super::account_sql::account_store_impl;
use super::clerk_sql::clerk_store_impl;
use super::notify_sql::notify_store_impl;
use super::open311_sql::open311_store_impl;
use super::report_sql::report_store_impl;
use super::shared::store_impl;

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
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL (check BUERGERBUERO_DATABASE_URL)")?;
        Ok(Self { pool })
    }
}

store_impl!(PgStore, Postgres, Backend::Postgres, "migrations/postgres");
report_store_impl!(PgStore, Postgres);
clerk_store_impl!(PgStore, Postgres);
account_store_impl!(PgStore, Postgres);
notify_store_impl!(PgStore, Postgres, "for update skip locked");
open311_store_impl!(PgStore, Postgres);
