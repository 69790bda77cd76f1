//! Email notifications through a transactional outbox.
//!
//! A change that causes mail (a filing, a confirmation, a clerk's answer, a follow request)
//! renders its mails here and hands them to the store as [`MailChanges`], which writes them as
//! `outbox` rows in the change's own transaction: a change and its mails are stored together
//! or not at all. The [`worker`] started by `serve` delivers the rows through SMTP (or as
//! `.eml` files when no SMTP server is configured), with back-off, a dead-letter state and
//! leases that keep several instances from sending the same row twice.
//!
//! - [`alert_mails`] — the area alerts' opt-in and daily digest.
//! - [`compose`] — which mail goes to whom when: draws the link tokens, then renders.
//! - [`templates`] — the texts: askama templates under `templates/mail/`, one per mail,
//!   language and format (plain text and HTML), filled from plain data.
//! - [`tokens`] — the random secrets behind mail links and the token rows with their hashes.
//! - [`escape`] — HTML escaping for the mails and the mail-link pages.
//! - [`german`] — the article before an authority's name ("beim Bezirksamt Mitte").
//! - [`links`] — the URLs in mails.
//! - [`subscriptions`] — following a report, and redeeming the tokens of mail links.
//! - [`support`] — "me too": supporting a report, anonymously or with a confirmed address.
//! - [`transport`] — SMTP or files.
//! - [`worker`] — delivery and the daily digest.

pub mod alert_mails;
pub mod compose;
pub mod escape;
pub mod events;
pub mod german;
pub mod links;
pub mod subscriptions;
pub mod support;
pub mod templates;
pub mod tokens;
pub mod transport;
pub mod worker;

// The outbox's rows are written by the store in each change's transaction, so their types
// live on the store's side; re-exported here, where mails are made.
pub use crate::store::outbox::{
    MailChanges, MailKind, MailTo, NewFollower, NewToken, OutboxMail, TokenPurpose,
};
