//! The Open311 side of the store: the API keys of GeoReport v2 clients, and the reads the
//! native API does not need (status notes and media links of a page of reports, the updates
//! feed).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;

/// `open311_api_keys` row (the secret's hash included: never render it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One public event of a published report, as the updates feed shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UpdateRow {
    pub id: i64,
    pub report_id: Uuid,
    pub kind: String,
    pub status: Option<String>,
    pub body: Option<String>,
    pub at: DateTime<Utc>,
}

/// The event kinds that change a report's status or answer the public: what Open311 calls
/// `status_notes` and what the updates feed lists.
pub const UPDATE_KINDS: [&str; 4] = ["status_changed", "answer", "marked_duplicate", "reopened"];

/// Persistence for Open311. Each method is one transaction.
#[async_trait]
pub trait Open311Store: Send + Sync {
    /// Stores a new key.
    async fn create_api_key(&self, key: &ApiKeyRow) -> Result<()>;

    /// The key with this secret hash (revoked ones too: the caller checks).
    async fn api_key_by_hash(&self, secret_hash: &str) -> Result<Option<ApiKeyRow>>;

    /// Records a filing made with a key.
    async fn touch_api_key(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;

    /// Every key, newest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>>;

    /// Revokes a key; false if there is no such key or it was revoked before.
    async fn revoke_api_key(&self, id: Uuid, now: DateTime<Utc>) -> Result<bool>;

    /// When a category was last changed (`None`: never recorded).
    async fn catalog_changed_at(&self) -> Result<Option<DateTime<Utc>>>;

    /// The latest public answer of each of these reports that has one: (report, text).
    async fn latest_public_notes(&self, ids: &[Uuid]) -> Result<Vec<(Uuid, String)>>;

    /// Public status changes and answers of published reports in `[from, until)`, oldest
    /// first, at most `limit`.
    async fn public_updates(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<UpdateRow>>;
}
