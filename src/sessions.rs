//! Signing in, as use cases over the store: the log-in (back-off, password check, a new
//! session), the check of each request's credential (session secret or API token), and the
//! password change. The HTTP layer reads cookies and headers and renders the outcome; the
//! rules without I/O are in [`crate::auth`].

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::password::{check_new_password, dummy_hash, hash_password, verify_password};
use crate::auth::secrets::{
    API_TOKEN_PREFIX, constant_time_eq, new_session_secret, random_hex, secret_hash,
};
use crate::auth::{Actor, AuthSettings, Credential, SessionTimes, seconds};
use crate::store::accounts::{AccountRow, Ended, LoginAttempt, SessionRow};
use crate::store::{self, Store};

/// Longest email accepted at log-in (as everywhere else).
const MAX_EMAIL_CHARS: usize = 254;

/// Why a log-in, a credential or a password change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// Unknown account, wrong password, inactive account, unknown, revoked or expired
    /// credential: deliberately one answer, so that nothing tells which.
    #[error("not signed in")]
    Refused,
    /// The email is backed off after repeated failures.
    #[error("log-in blocked for {retry_after_secs} s")]
    Blocked {
        /// Whole seconds to wait (rounded up, at least 1).
        retry_after_secs: u64,
    },
    /// The email is longer than any address can be.
    #[error("an email address has at most 254 characters")]
    EmailTooLong,
    /// A cookie session's state-changing request without its CSRF token.
    #[error("the session's CSRF token is missing or wrong")]
    CsrfMismatch,
    /// The current password given for a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The new password breaks the rules.
    #[error("{0}")]
    WeakPassword(String),
    /// The store, the operating system's randomness or the hashing thread failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<store::Error> for SignInError {
    fn from(error: store::Error) -> Self {
        Self::Internal(error.into())
    }
}

/// A session started by [`log_in`]: the secret for the cookie (never stored, only its
/// hash), its CSRF token and who signed in.
#[derive(Debug)]
pub struct NewSession {
    /// The cookie's value.
    pub secret: String,
    /// The token state-changing requests must send along.
    pub csrf_token: String,
    /// The account.
    pub actor: Actor,
}

/// A request's proven identity, as [`authenticate`] found it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The account.
    pub actor: Actor,
    /// Cookie or token.
    pub credential: Credential,
    /// The session's secret hash (cookie requests only), to log out or keep on password change.
    pub session: Option<String>,
    /// The session's CSRF token (cookie requests only).
    pub csrf_token: Option<String>,
}

/// The credential a request carries.
#[derive(Debug, Clone, Copy)]
pub enum Presented<'a> {
    /// An `Authorization: Bearer` value.
    Token(&'a str),
    /// The session cookie's value and, for a state-changing request, the CSRF token it sent
    /// (`Some("")` when it sent none); `None` for reading requests.
    Session {
        /// The cookie's value.
        secret: &'a str,
        /// The CSRF header of a state-changing request.
        csrf: Option<&'a str>,
    },
}

/// Normalises an email for lookup: trimmed and lower-cased.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Logs in: counts the attempt (before the check, so racing guesses cannot all slip in before
/// the first is counted), checks the password in constant work whether the account exists,
/// and starts a session.
pub async fn log_in(
    store: &dyn Store,
    settings: &AuthSettings,
    email: &str,
    password: String,
    now: DateTime<Utc>,
) -> Result<NewSession, SignInError> {
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(SignInError::EmailTooLong);
    }
    let email = normalise_email(email);
    if email.is_empty() {
        // No account has an empty email: a failed log-in, not counted against anyone.
        return Err(SignInError::Refused);
    }
    let attempt = store
        .count_login_attempt(&email, now, &settings.login_backoff())
        .await?;
    if let LoginAttempt::Blocked(until) = attempt {
        return Err(SignInError::Blocked {
            // Rounded up: a client that waits as told is not refused again.
            retry_after_secs: u64::try_from((until - now).num_milliseconds())
                .unwrap_or(0)
                .div_ceil(1000)
                .max(1),
        });
    }
    let account = store.account_by_email(&email).await?;
    let stored_hash = account
        .as_ref()
        .map_or_else(|| dummy_hash().to_owned(), |a| a.password_hash.clone());
    // argon2 takes tens of milliseconds of CPU: off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(|e| anyhow::anyhow!("password check failed: {e}"))?;
    let account = match account {
        Some(account) if matches && account.active => account,
        // The attempt is counted already.
        _ => return Err(SignInError::Refused),
    };
    store.clear_login_attempts(&email).await?;
    let secret = new_session_secret().map_err(no_randomness)?;
    let csrf_token = random_hex(32).map_err(no_randomness)?;
    store
        .create_session(&SessionRow {
            secret_hash: secret_hash(&secret),
            account_id: account.id,
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at: now + seconds(settings.session_max_secs),
        })
        .await?;
    let actor = actor_of(store, account).await?;
    Ok(NewSession {
        secret,
        csrf_token,
        actor,
    })
}

/// Checks a request's credential at `now`: a live API token, or a session within its idle
/// and maximum time (an expired one is deleted) whose state-changing requests carry its CSRF
/// token. Records the use.
pub async fn authenticate(
    store: &dyn Store,
    settings: &AuthSettings,
    presented: Presented<'_>,
    now: DateTime<Utc>,
) -> Result<Authenticated, SignInError> {
    match presented {
        Presented::Token(token) => {
            if !token.starts_with(API_TOKEN_PREFIX) {
                return Err(SignInError::Refused);
            }
            let row = store
                .token_by_hash(&secret_hash(token))
                .await?
                .filter(|t| t.revoked_at.is_none())
                .ok_or(SignInError::Refused)?;
            let actor = active_actor(store, row.account_id)
                .await?
                .ok_or(SignInError::Refused)?;
            store.touch_token(row.id, now).await?;
            Ok(Authenticated {
                actor,
                credential: Credential::Token,
                session: None,
                csrf_token: None,
            })
        }
        Presented::Session { secret, csrf } => {
            let hash = secret_hash(secret);
            let session = store.session(&hash).await?.ok_or(SignInError::Refused)?;
            let times = SessionTimes {
                created_at: session.created_at,
                last_seen_at: session.last_seen_at,
            };
            if !times.valid_at(now, settings) {
                store.delete_session(&hash).await?;
                return Err(SignInError::Refused);
            }
            if csrf.is_some_and(|sent| !constant_time_eq(sent, &session.csrf_token)) {
                return Err(SignInError::CsrfMismatch);
            }
            let actor = active_actor(store, session.account_id)
                .await?
                .ok_or(SignInError::Refused)?;
            store.touch_session(&hash, now).await?;
            Ok(Authenticated {
                actor,
                credential: Credential::Session,
                session: Some(hash),
                csrf_token: Some(session.csrf_token),
            })
        }
    }
}

/// Changes an account's password after checking the current one; ends every other session
/// (`keep_session` stays) and revokes every API token of the account.
pub async fn change_password(
    store: &dyn Store,
    account_id: Uuid,
    current: String,
    new: String,
    keep_session: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Ended, SignInError> {
    check_new_password(&new).map_err(|e| SignInError::WeakPassword(e.to_string()))?;
    let account = store
        .account(account_id)
        .await?
        .ok_or(SignInError::Refused)?;
    let stored = account.password_hash;
    let hashed = tokio::task::spawn_blocking(move || {
        verify_password(&current, &stored).then(|| hash_password(&new))
    })
    .await
    .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    let hashed = hashed
        .ok_or(SignInError::WrongPassword)?
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    Ok(store
        .set_password(account_id, &hashed, keep_session, now)
        .await?)
}

/// The actor of an account, if it exists and is active.
async fn active_actor(store: &dyn Store, id: Uuid) -> Result<Option<Actor>, store::Error> {
    match store.account(id).await?.filter(|a| a.active) {
        Some(account) => Ok(Some(actor_of(store, account).await?)),
        None => Ok(None),
    }
}

/// An account as the authorisation checks see it, with its authorities.
async fn actor_of(store: &dyn Store, account: AccountRow) -> Result<Actor, store::Error> {
    Ok(Actor {
        authorities: store.account_authorities(account.id).await?,
        id: account.id,
        email: account.email,
        display_name: account.display_name,
        is_admin: account.is_admin,
    })
}

/// The operating system gave no randomness for a secret.
pub fn no_randomness(error: getrandom::Error) -> anyhow::Error {
    anyhow::anyhow!("no randomness from the operating system: {error}")
}
