//! Creating accounts, shared by `buergerbuero add-clerk` and the admin API: validates the
//! email, the authorities and the password (or generates one), hashes it and stores the
//! account.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::auth::password::{check_new_password, hash_password};
use crate::auth::secrets::new_password;
use crate::domain::{AuthorityKey, Email};
use crate::store::accounts::NewAccount;
use crate::store::{self, Store};

/// What a new account is made of.
#[derive(Debug, Clone)]
pub struct AccountInput {
    /// Email address (the log-in name).
    pub email: String,
    /// Display name (defaults to the email).
    pub display_name: Option<String>,
    /// The password; `None` generates one (returned once).
    pub password: Option<String>,
    /// Admin (all authorities) or clerk.
    pub is_admin: bool,
    /// The authorities a clerk acts for (at least one for clerks).
    pub authorities: Vec<String>,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// A field is invalid.
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// A well-formed authority key that names no authority.
    #[error("authorities: there is no authority {0:?}")]
    UnknownAuthority(String),
    /// The email is taken.
    #[error("an account with this email exists already")]
    EmailTaken,
    /// Anything else.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Checks a list of authority keys: well-formed and known to the store.
pub async fn check_authorities(
    store: &dyn Store,
    keys: &[String],
) -> Result<Vec<String>, AccountError> {
    let known = store
        .list_authorities()
        .await
        .map_err(|e| AccountError::Internal(e.into()))?;
    let mut checked = Vec::with_capacity(keys.len());
    for key in keys {
        let parsed = AuthorityKey::parse(key).map_err(|e| AccountError::Invalid {
            field: "authorities",
            reason: e.reason,
        })?;
        if !known.iter().any(|a| a.key == parsed) {
            return Err(AccountError::UnknownAuthority(key.clone()));
        }
        if !checked.contains(key) {
            checked.push(key.clone());
        }
    }
    Ok(checked)
}

/// Creates an account; returns its id and the generated password, if one was generated.
pub async fn create_account(
    store: &dyn Store,
    input: AccountInput,
    now: DateTime<Utc>,
) -> Result<(Uuid, Option<String>), AccountError> {
    let email = Email::parse(input.email.trim()).map_err(|e| AccountError::Invalid {
        field: "email",
        reason: e.reason,
    })?;
    let email = email.as_str().to_lowercase();
    if !input.is_admin && input.authorities.is_empty() {
        return Err(AccountError::Invalid {
            field: "authorities",
            reason: "a clerk needs at least one authority".into(),
        });
    }
    let authorities = check_authorities(store, &input.authorities).await?;
    let display_name = input
        .display_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| email.clone());
    if display_name.chars().count() > 100 {
        return Err(AccountError::Invalid {
            field: "display_name",
            reason: "at most 100 characters".into(),
        });
    }
    let (password, generated) = match input.password {
        Some(password) => {
            check_new_password(&password).map_err(|e| AccountError::Invalid {
                field: "password",
                reason: e.to_string(),
            })?;
            (password, None)
        }
        None => {
            let password =
                new_password().map_err(|e| anyhow::anyhow!("no randomness for a password: {e}"))?;
            (password.clone(), Some(password))
        }
    };
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| anyhow::anyhow!("password hashing panicked: {e}"))?
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let id = store
        .create_account(&NewAccount {
            email: &email,
            display_name: &display_name,
            password_hash: &hash,
            is_admin: input.is_admin,
            authorities: &authorities,
            now,
        })
        .await
        .map_err(|e| match e {
            store::Error::Conflict { .. } => AccountError::EmailTaken,
            other => AccountError::Internal(other.into()),
        })?;
    Ok((id, generated))
}
