//! Subscribing to an area alert (double opt-in by mail), confirming it, ending it.
//!
//! The answer to a request is the same whether or not the address is subscribed already, so
//! nobody learns who watches what; only the limit per address is told (a refusal), because a
//! subscriber must learn why no mail comes.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::selection::Selection;
use super::{MAX_SUBSCRIPTIONS_PER_ADDRESS, Refusal, check, describe};
use crate::domain::{Email, Language};
use crate::notify::links::AlertLink;
use crate::notify::subscriptions::{MailContext, TokenError};
use crate::notify::tokens::CONFIRM_TOKEN_DAYS;
use crate::store::alerts::AlertRequest;

/// Why a subscription was refused.
#[derive(Debug, thiserror::Error)]
pub enum SubscribeError {
    /// The selection names nothing the service covers.
    #[error("refused selection: {0:?}")]
    Refused(Refusal),
    /// The address holds [`MAX_SUBSCRIPTIONS_PER_ADDRESS`] already.
    #[error("too many alert subscriptions for this address")]
    TooMany,
    /// Storage or rendering failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::Error> for SubscribeError {
    fn from(error: crate::store::Error) -> Self {
        SubscribeError::Internal(error.into())
    }
}

/// When a request must have been made for its confirmation link to work at `now`.
pub fn requests_valid_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(CONFIRM_TOKEN_DAYS)
}

/// Asks for an area alert: sends the opt-in mail, unless the address has this alert already.
pub async fn subscribe(
    ctx: &MailContext,
    email: &Email,
    language: Language,
    selection: &Selection,
    now: DateTime<Utc>,
) -> Result<(), SubscribeError> {
    let engine = ctx.jurisdiction.current();
    check(&engine, selection).map_err(SubscribeError::Refused)?;
    let canonical = selection.canonical();
    // Lower-cased, so the limit counts an address once however it is spelt.
    let address = email.as_str().to_lowercase();
    let existing = ctx
        .store
        .find_alert_subscription(&address, &canonical)
        .await?;
    if existing.as_ref().is_some_and(|row| row.is_active()) {
        return Ok(());
    }
    let since = requests_valid_since(now);
    // A request still waiting holds its place already; anything else needs a free one.
    let holds_a_place = existing
        .as_ref()
        .is_some_and(|row| row.unsubscribed_at.is_none() && row.requested_at > since);
    if !holds_a_place
        && ctx.store.count_alert_subscriptions(&address, since).await?
            >= MAX_SUBSCRIPTIONS_PER_ADDRESS
    {
        return Err(SubscribeError::TooMany);
    }
    let id = existing.map_or_else(Uuid::now_v7, |row| row.id);
    let mail = ctx.composer.confirm_alert(
        &address,
        language,
        id,
        &describe(&engine, selection, language),
        now,
    )?;
    ctx.store
        .save_alert_request(
            &AlertRequest {
                id,
                email: &address,
                language: language.as_str(),
                selection,
                mail: &mail,
            },
            now,
        )
        .await?;
    Ok(())
}

/// Confirms the alert a confirm link names; `Ok(true)` when it was confirmed before.
pub async fn confirm(
    ctx: &MailContext,
    token: &str,
    now: DateTime<Utc>,
) -> Result<bool, TokenError> {
    let id = ctx
        .composer
        .links()
        .alert_id(AlertLink::Confirm, token)
        .ok_or(TokenError::Unknown)?;
    let row = ctx
        .store
        .alert_subscription(id)
        .await?
        .ok_or(TokenError::Unknown)?;
    if row.is_active() {
        return Ok(true);
    }
    if row.unsubscribed_at.is_some() {
        // Ended: only a new request (and its new mail) starts it again.
        return Err(TokenError::Unknown);
    }
    let since = requests_valid_since(now);
    if row.requested_at <= since {
        return Err(TokenError::Expired);
    }
    let confirmed = ctx.store.confirm_alert_subscription(id, since, now).await?;
    // Not confirmed now: a second click confirmed it meanwhile.
    Ok(!confirmed)
}

/// Ends the alert an unsubscribe link names: its row and mails are deleted. Again and again: a
/// second click must not fail, and the link's signature proves the alert existed, so one
/// without a row has ended already.
pub async fn unsubscribe(ctx: &MailContext, token: &str) -> Result<(), TokenError> {
    let id = ctx
        .composer
        .links()
        .alert_id(AlertLink::Unsubscribe, token)
        .ok_or(TokenError::Unknown)?;
    ctx.store.end_alert_subscription(id).await?;
    Ok(())
}
