//! The account side of the store: clerk and admin accounts, their authorities, sessions,
//! personal API tokens and the log-in back-off.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;

/// `accounts` row (the password hash included: never render it).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// Lower-cased email.
    pub email: &'a str,
    /// Display name.
    pub display_name: &'a str,
    /// argon2id PHC string.
    pub password_hash: &'a str,
    /// Admin or clerk.
    pub is_admin: bool,
    /// The authorities the account acts for (checked to exist by the foreign key).
    pub authorities: &'a [String],
    /// Creation time.
    pub now: DateTime<Utc>,
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    /// New display name.
    pub display_name: Option<String>,
    /// Admin or not.
    pub is_admin: Option<bool>,
    /// Active (may log in) or not; deactivating ends its sessions.
    pub active: Option<bool>,
    /// Replaces the authorities.
    pub authorities: Option<Vec<String>>,
}

/// `sessions` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub secret_hash: String,
    pub account_id: Uuid,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// `api_tokens` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Persistence of accounts and credentials. Each method is one transaction.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an account with its authorities; `Conflict` if the email is taken.
    async fn create_account(&self, account: &NewAccount<'_>) -> Result<Uuid>;

    /// The account with this (lower-cased) email.
    async fn account_by_email(&self, email: &str) -> Result<Option<AccountRow>>;

    /// The account with this id.
    async fn account(&self, id: Uuid) -> Result<Option<AccountRow>>;

    /// Every account, by email.
    async fn list_accounts(&self) -> Result<Vec<AccountRow>>;

    /// The authorities an account acts for, sorted.
    async fn account_authorities(&self, id: Uuid) -> Result<Vec<String>>;

    /// Changes an account; `NotFound` if there is none.
    async fn update_account(&self, id: Uuid, change: &AccountChange) -> Result<()>;

    /// Sets a new password hash and ends every session of the account but `keep_session`.
    async fn set_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep_session: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Failed log-ins for an email so far, and until when log-in is blocked.
    async fn login_failures(&self, email: &str) -> Result<Option<(i32, DateTime<Utc>)>>;

    /// Counts a failed log-in (a count older than `forget_before` starts again at 1), blocks
    /// log-in until `blocked_until(failures)`, and returns the new count.
    async fn record_login_failure(
        &self,
        email: &str,
        now: DateTime<Utc>,
        forget_before: DateTime<Utc>,
        blocked_until: &(dyn Fn(i32) -> DateTime<Utc> + Sync),
    ) -> Result<i32>;

    /// Forgets the failed log-ins of an email (after a successful one).
    async fn clear_login_failures(&self, email: &str) -> Result<()>;

    /// Stores a new session.
    async fn create_session(&self, session: &SessionRow) -> Result<()>;

    /// The session with this secret hash.
    async fn session(&self, secret_hash: &str) -> Result<Option<SessionRow>>;

    /// Records a request on a session.
    async fn touch_session(&self, secret_hash: &str, now: DateTime<Utc>) -> Result<()>;

    /// Ends a session (log-out, or found expired).
    async fn delete_session(&self, secret_hash: &str) -> Result<()>;

    /// Stores a new API token.
    async fn create_token(&self, token: &TokenRow) -> Result<()>;

    /// The token with this secret hash (revoked ones too: the caller checks).
    async fn token_by_hash(&self, secret_hash: &str) -> Result<Option<TokenRow>>;

    /// Records a request made with a token.
    async fn touch_token(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;

    /// An account's tokens, newest first.
    async fn list_tokens(&self, account_id: Uuid) -> Result<Vec<TokenRow>>;

    /// Revokes one of an account's tokens; false if it has no such token.
    async fn revoke_token(&self, account_id: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool>;
}
