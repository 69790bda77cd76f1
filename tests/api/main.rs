//! Integration tests: the real server, real SQLite and PostgreSQL, the real boundary data.

// Test helpers are not `#[test]` functions, so clippy's allow-unwrap-in-tests does not reach
// them; a failing unwrap in a test harness is a test failure with a backtrace, which is right.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod alerts;
mod backoffice;
mod clerk;
mod clerk_matrix;
mod cli;
mod geocoder;
mod helpers;
mod jurisdiction;
mod login;
mod mail;
mod maildev;
mod map_tiles;
mod metrics;
mod move_data;
mod open311;
mod open_data;
mod participation;
mod places;
mod privacy;
mod redaction;
mod reporter_link;
mod reports;
mod s3;
mod s3rver;
mod service;
mod store;
mod supporters;
mod text_input;
mod tokens;
mod webhooks;
