//! Persistence behind one trait, with an implementation for SQLite and one for PostgreSQL.
//!
//! Dispatch is dynamic (`Arc<dyn Store>`): handlers stay plain functions, and the cost of a
//! boxed future is nothing next to a database round trip. The two implementations share their
//! SQL wherever the dialects agree (numbered `$n` parameters, `on conflict`, `returning` and the
//! bound types `Uuid`, `DateTime<Utc>`, `Vec<u8>` work in both), generated from one body by the
//! `shared_store_impl!` macro in [`shared`]; only connecting and migrating differ per backend.
//! Constraint names are identical in both migration sets so errors map the same way.

mod account_sql;
pub mod accounts;
pub mod alerts;
pub mod backoffice;
mod backoffice_sql;
pub mod clerk;
mod clerk_sql;
pub mod move_data;
pub mod notify;
mod notify_sql;
pub mod open311;
mod open311_sql;
pub mod outbox;
mod postgres;
pub mod privacy;
mod privacy_sql;
pub mod rate_limits;
mod report_insert_pg;
mod report_sql;
pub mod reports;
mod rows;
mod shared;
mod sqlite;
mod support_sql;
pub mod supporters;
pub mod webhooks;
mod webhooks_sql;

use std::sync::Arc;

pub use sqlite::SqliteStore;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::boundaries::BoundaryArea;
use crate::boundaries::BoundarySet;
use crate::boundaries::sources::BoundarySource;
use crate::domain::{Authority, Category, RoutingRule};

/// What a store operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness or foreign-key constraint refused the change.
    #[error("conflicts with constraint {constraint}")]
    Conflict {
        /// The constraint's name (the same on both backends).
        constraint: String,
    },
    /// The report changed since it was read (its revision moved on): reload and retry.
    #[error("the report was changed concurrently")]
    StaleRevision,
    /// A mail link's token was used or expired while the change that uses it ran.
    #[error("the link was used already or has expired")]
    TokenUsed,
    /// Stored data does not pass domain validation (a bug or a manual edit).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else: connection loss, timeouts, SQL errors. Carries context.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for Error {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::RowNotFound => Error::NotFound,
            sqlx::Error::Database(db) => match db.constraint() {
                Some(constraint) => Error::Conflict {
                    constraint: constraint.to_owned(),
                },
                // SQLite names no constraint; its message says which columns.
                None if db.is_unique_violation() || db.is_foreign_key_violation() => {
                    Error::Conflict {
                        constraint: db.message().to_owned(),
                    }
                }
                None => Error::Other(error.into()),
            },
            _ => Error::Other(error.into()),
        }
    }
}

/// Result of a store operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, the zero-set-up default.
    Sqlite,
    /// PostgreSQL, for production and several instances.
    Postgres,
}

/// How many rows an import created, changed, left alone or removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Changes {
    /// New rows.
    pub created: usize,
    /// Rows whose content changed.
    pub updated: usize,
    /// Rows already as the data says.
    pub unchanged: usize,
    /// Rows no longer in the data, removed.
    pub removed: usize,
}

/// What `import_boundaries` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportChanges {
    /// Authorities (never removed: they may have clerks and reports).
    pub authorities: Changes,
    /// Areas with their outlines.
    pub areas: Changes,
}

/// What the metrics read from the database at scrape time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationsSnapshot {
    /// Outbox rows waiting for (another) delivery attempt.
    pub outbox_pending: i64,
    /// Outbox rows claimed by a worker.
    pub outbox_sending: i64,
    /// Dead letters.
    pub outbox_dead: i64,
    /// When the oldest pending mail was written.
    pub oldest_pending_at: Option<DateTime<Utc>>,
    /// `report_cell_changes` rows not yet folded into `report_cells`.
    pub unfolded_cell_changes: i64,
}

/// The database pool's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// Open connections.
    pub size: u32,
    /// Open and idle.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// The whole persistence interface: one object per database, used as `Arc<dyn Store>`.
/// Bring the sub-traits into scope (or `use buergerbuero::store::*`) to call their methods.
pub trait Store:
    BoundaryStore
    + ReportStore
    + ClerkStore
    + AccountStore
    + NotifyStore
    + Open311Store
    + RateLimitStore
    + PrivacyStore
    + WebhookStore
    + BackofficeStore
    + AlertStore
    + SupportStore
{
}

impl<T> Store for T where
    T: BoundaryStore
        + ReportStore
        + ClerkStore
        + AccountStore
        + NotifyStore
        + Open311Store
        + RateLimitStore
        + PrivacyStore
        + WebhookStore
        + BackofficeStore
        + AlertStore
        + SupportStore
{
}

pub use accounts::AccountStore;
pub use alerts::AlertStore;
pub use backoffice::BackofficeStore;
pub use clerk::ClerkStore;
pub use notify::NotifyStore;
pub use open311::Open311Store;
pub use privacy::PrivacyStore;
pub use rate_limits::RateLimitStore;
pub use reports::ReportStore;
pub use supporters::SupportStore;
pub use webhooks::WebhookStore;

/// Schema, health and the boundary data. Each method is one transaction.
#[async_trait]
pub trait BoundaryStore: Send + Sync {
    /// Which backend this is.
    fn backend(&self) -> Backend;

    /// Applies the embedded migrations for this backend.
    async fn migrate(&self) -> Result<()>;

    /// Checks that the database answers (for `/readyz`).
    async fn ping(&self) -> Result<()>;

    /// The installation secret called `name`: the stored one, or `fresh` stored now if there is
    /// none yet. Instances starting at once on one database all get the first one stored.
    async fn installation_secret(&self, name: &str, fresh: &str) -> Result<String>;

    /// The outbox and map-fold figures for the metrics, in one cheap query (index-backed
    /// counts; no rows are read into the process).
    async fn operations_snapshot(&self) -> Result<OperationsSnapshot>;

    /// The connection pool's use now (no query).
    fn pool_status(&self) -> PoolStatus;

    /// Number of stored areas (0 means boundaries must be imported).
    async fn count_areas(&self) -> Result<i64>;

    /// Creates or updates the sources, authorities and areas of `set`, removes areas no longer
    /// in it, and leaves rows that are already right untouched (so a second run changes
    /// nothing). Admin-managed fields (contact addresses) are kept.
    async fn import_boundaries(
        &self,
        set: &BoundarySet,
        sources: &[BoundarySource],
        now: DateTime<Utc>,
    ) -> Result<ImportChanges>;

    /// Every area with its outline.
    async fn load_boundaries(&self) -> Result<Vec<BoundaryArea>>;

    /// Every authority.
    async fn list_authorities(&self) -> Result<Vec<Authority>>;

    /// Every category, active or not, in display order.
    async fn list_categories(&self) -> Result<Vec<Category>>;

    /// Every routing rule.
    async fn list_routing_rules(&self) -> Result<Vec<RoutingRule>>;
}

/// Connects to the database the URL names: `sqlite:…` or `postgres://…`/`postgresql://…`.
pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(
            sqlite::SqliteStore::connect(url, max_connections).await?,
        ))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(
            postgres::PgStore::connect(url, max_connections).await?,
        ))
    } else {
        anyhow::bail!(
            "BUERGERBUERO_DATABASE_URL must start with sqlite: or postgres:// (got {:?})",
            url.split(':').next().unwrap_or_default()
        )
    }
}
