//! Random secrets for session cookies, CSRF tokens, API tokens and generated passwords. Only
//! the SHA-256 of a session or token secret is stored: they are 256 random bits, so a fast
//! hash is enough (nobody can guess them), and a copy of the database lets nobody in.

use sha2::{Digest, Sha256};

/// Prefix of personal API tokens, so a leaked one is recognisable (e.g. by secret scanners).
pub const API_TOKEN_PREFIX: &str = "bbt_";

/// `bytes` random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buffer = vec![0u8; bytes];
    getrandom::fill(&mut buffer)?;
    Ok(hex(&buffer))
}

/// A new session secret (256 bits).
pub fn new_session_secret() -> Result<String, getrandom::Error> {
    random_hex(32)
}

/// A new API token (256 bits with the `bbt_` prefix).
pub fn new_api_token() -> Result<String, getrandom::Error> {
    Ok(format!("{API_TOKEN_PREFIX}{}", random_hex(32)?))
}

/// A generated password: 20 characters from an alphabet without look-alikes (about 112 bits).
pub fn new_password() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buffer = [0u8; 20];
    getrandom::fill(&mut buffer)?;
    // 256 is not a multiple of 56: the bias of `% 56` is below 1 bit over the whole password.
    Ok(buffer
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

/// The stored form of a session or token secret.
pub fn secret_hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Compares two strings in time independent of where they differ (for CSRF tokens).
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_and_hashed() {
        let a = new_session_secret().unwrap();
        let b = new_session_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(secret_hash(&a).len(), 64);
        assert_ne!(secret_hash(&a), a);
        assert!(new_api_token().unwrap().starts_with(API_TOKEN_PREFIX));
        assert_eq!(new_password().unwrap().chars().count(), 20);
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
