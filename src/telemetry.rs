//! Logging set-up: `tracing` to stderr, filtered by `RUST_LOG`, as text or JSON lines.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _already_set = if format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
