//! The process-wide TLS set-up shared by the outgoing HTTP clients (S3 photos, the upstream
//! geocoder).

/// rustls needs a process-wide crypto provider for reqwest (built without one, see
/// Cargo.toml): ring, which sqlx and lettre use too. Installing twice is harmless (the second
/// attempt reports the first and changes nothing).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
