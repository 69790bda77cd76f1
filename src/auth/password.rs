//! Passwords: argon2id hashes in the PHC string format, and the rules a new password must meet.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Shortest password accepted (NIST SP 800-63B asks for at least 8; clerks get 12).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted: hashing cost grows with length, so bound it.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// A password that does not meet the rules, or a hashing failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// Too short or too long.
    #[error("a password has {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")]
    Length,
    /// The hasher failed (no randomness for the salt).
    #[error("cannot hash the password: {0}")]
    Hashing(String),
}

/// Checks the rules for a new password.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if (MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        Ok(())
    } else {
        Err(PasswordError::Length)
    }
}

/// Hashes a password with argon2id (the crate's defaults: OWASP's 19 MiB, 2 passes) and a
/// fresh random salt; returns the PHC string to store.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    check_new_password(password)?;
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|error| PasswordError::Hashing(error.to_string()))
}

/// Whether `password` matches the stored PHC string. A malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return false;
    }
    PasswordHash::new(stored)
        .map(|hash| {
            Argon2::default()
                .verify_password(password.as_bytes(), &hash)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash to verify against when the account does not exist, so that a log-in for an unknown
/// email takes as long as one for a known email (no account enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }

    #[test]
    fn length_rules() {
        assert_eq!(check_new_password("short"), Err(PasswordError::Length));
        assert!(check_new_password("twelve chars").is_ok());
        assert_eq!(
            check_new_password(&"x".repeat(MAX_PASSWORD_CHARS + 1)),
            Err(PasswordError::Length)
        );
        assert!(!dummy_hash().is_empty());
    }
}
