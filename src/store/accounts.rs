//! The account side of the store: clerk and admin accounts, their authorities, sessions,
//! personal API tokens and the log-in back-off.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::auth::LoginBackoff;

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
    /// Active (may log in) or not; deactivating ends its sessions and revokes its API tokens.
    pub active: Option<bool>,
    /// Replaces the authorities.
    pub authorities: Option<Vec<String>>,
}

/// What counting a log-in attempt decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// The password may be checked; this is the n-th attempt in a row without a success.
    Admitted(i32),
    /// Backed off: no password is checked for this email until then.
    Blocked(DateTime<Utc>),
}

/// The ways in that a password change ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ended {
    /// Sessions deleted.
    pub sessions: u64,
    /// API tokens revoked.
    pub tokens: u64,
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

    /// The active accounts that act for an authority (a report of it may be assigned to
    /// them), as (id, display name), by name.
    async fn authority_clerks(&self, authority_key: &str) -> Result<Vec<(Uuid, String)>>;

    /// Changes an account at `now`; `NotFound` if there is none.
    async fn update_account(
        &self,
        id: Uuid,
        change: &AccountChange,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Sets a new password hash, ends every session of the account but `keep_session` and
    /// revokes all its API tokens; says how many of each ended.
    async fn set_password(
        &self,
        id: Uuid,
        password_hash: &str,
        keep_session: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Ended>;

    /// Counts a log-in attempt for an email before its password is checked and decides, in
    /// the same statement, whether it may proceed under `rule`: while the email is backed
    /// off nothing is counted and the answer is `Blocked`; otherwise the count rises (or
    /// starts again after `rule.forget_after_ms`) and the back-off it reaches is set at once,
    /// so concurrent attempts, here or at other instances, see it.
    async fn count_login_attempt(
        &self,
        email: &str,
        now: DateTime<Utc>,
        rule: &LoginBackoff,
    ) -> Result<LoginAttempt>;

    /// Forgets the log-in attempts of an email (after a successful one).
    async fn clear_login_attempts(&self, email: &str) -> Result<()>;

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
