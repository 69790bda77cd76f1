//! Email notifications through a transactional outbox.
//!
//! A change that causes mail (a filing, a confirmation, a clerk's answer, a follow request)
//! renders its mails here and hands them to the store as [`MailChanges`], which writes them as
//! `outbox` rows in the change's own transaction: a change and its mails are stored together
//! or not at all. The [`worker`] started by `serve` delivers the rows through SMTP (or as
//! `.eml` files when no SMTP server is configured), with back-off, a dead-letter state and
//! leases that keep several instances from sending the same row twice.
//!
//! - [`compose`] — which mail says what, in German and English, plain text and HTML.
//! - [`links`] — the URLs in mails.
//! - [`subscriptions`] — following a report, and redeeming the tokens of mail links.
//! - [`transport`] — SMTP or files.
//! - [`worker`] — delivery and the daily digest.

pub mod compose;
pub mod events;
pub mod links;
pub mod subscriptions;
pub mod transport;
pub mod worker;

// The outbox's rows are written by the store in each change's transaction, so their types
// live on the store's side; re-exported here, where mails are made.
pub use crate::store::outbox::{
    MailChanges, MailTo, NewFollower, NewToken, OutboxMail, TokenPurpose,
};
