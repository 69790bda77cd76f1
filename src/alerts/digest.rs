//! The daily digests of the area alerts: the public history of the 24 hours up to the digest
//! hour is read once, sorted to every confirmed subscription by its selection, and each
//! subscription with news gets one mail in the outbox, keyed `alert:<id>:<date>`, so however
//! many instances schedule the day's digests, one row per subscription exists. Nothing is
//! written for a subscription without news.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{DIGEST_MAX_EVENTS, DIGEST_MAX_REPORTS, describe, place};
use crate::domain::{EventKind, Language, Light};
use crate::jurisdiction::{Jurisdiction, JurisdictionHandle};
use crate::notify::MailChanges;
use crate::notify::alert_mails::AlertEntry;
use crate::notify::compose::Composer;
use crate::store::Store;
use crate::store::alerts::{AlertEventFilter, AlertEventRow, AlertSubscriptionRow};

/// The window of the digest of `date`: the 24 hours up to `date` at `hour` UTC.
pub fn window(date: NaiveDate, hour: u32) -> (DateTime<Utc>, DateTime<Utc>) {
    let until = date
        .and_hms_opt(hour.min(23), 0, 0)
        .unwrap_or_default()
        .and_utc();
    (until - Duration::days(1), until)
}

/// Writes the digests of `date` for the history in [`from`, `until`) to the outbox; returns
/// how many subscriptions had news (a digest scheduled before for the same day is kept, not
/// repeated).
pub async fn schedule_alert_digests(
    store: &dyn Store,
    jurisdiction: &JurisdictionHandle,
    composer: &Composer,
    date: NaiveDate,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let subscriptions = store.active_alert_subscriptions().await?;
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let events = store
        .alert_events(&AlertEventFilter {
            selection: None,
            from,
            until,
            limit: DIGEST_MAX_EVENTS,
        })
        .await?;
    let engine = jurisdiction.current();
    let mut changes = MailChanges::default();
    for subscription in &subscriptions {
        match digest_of(&engine, composer, subscription, &events, date, from) {
            Ok(Some(mail)) => changes.mails.push(mail),
            Ok(None) => {}
            // One broken row must not keep everyone else's digest back.
            Err(error) => tracing::warn!(
                id = %subscription.id,
                error = format!("{error:#}"),
                "alert digest skipped"
            ),
        }
    }
    let count = changes.mails.len();
    store.apply_mail_changes(&changes, now).await?;
    Ok(count)
}

/// The digest of one subscription, or `None` when nothing it watches happened since `from`
/// (or since its confirmation, if that came later).
fn digest_of(
    engine: &Jurisdiction,
    composer: &Composer,
    subscription: &AlertSubscriptionRow,
    events: &[AlertEventRow],
    date: NaiveDate,
    from: DateTime<Utc>,
) -> anyhow::Result<Option<crate::notify::OutboxMail>> {
    let selection = subscription.selection()?;
    let language = Language::parse(&subscription.language).unwrap_or_default();
    let since = subscription.confirmed_at.map_or(from, |at| at.max(from));
    // Newest news first, one line per report: new if it became public in the window.
    let mut order: Vec<Uuid> = Vec::new();
    let mut reports: HashMap<Uuid, (bool, &AlertEventRow)> = HashMap::new();
    for event in events.iter().filter(|e| e.at >= since) {
        if !selection.matches(
            &event.area_key,
            &event.authority_key,
            event.lat,
            event.lon,
            &event.category_code,
        ) {
            continue;
        }
        let new = event.kind == EventKind::Published.as_str();
        reports
            .entry(event.report_id)
            .and_modify(|(was_new, _)| *was_new |= new)
            .or_insert_with(|| {
                order.push(event.report_id);
                (new, event)
            });
    }
    if order.is_empty() {
        return Ok(None);
    }
    let links = composer.links();
    let entries: Vec<AlertEntry> = order
        .iter()
        .take(DIGEST_MAX_REPORTS)
        .filter_map(|id| reports.get(id))
        .map(|(new, row)| AlertEntry {
            new: *new,
            category: category_name(engine, &row.category_code, language),
            place: place(
                engine,
                row.address.as_deref(),
                row.lat,
                row.lon,
                &row.area_key,
                language,
            ),
            light: Light::of_status_name(&row.status).unwrap_or(Light::Red),
            url: links.report(row.report_id),
        })
        .collect();
    let more = order.len().saturating_sub(entries.len());
    let mail = composer.alert_digest(
        &subscription.email,
        language,
        subscription.id,
        date,
        &describe(engine, &selection, language),
        &selection.query(),
        &entries,
        more,
    )?;
    Ok(Some(mail))
}

/// A category's name in `language`, or its code if the engine does not know it.
pub fn category_name(engine: &Jurisdiction, code: &str, language: Language) -> String {
    engine
        .category(code)
        .map_or(code, |c| match language {
            Language::De => c.name_de.as_str(),
            Language::En => c.name_en.as_str(),
        })
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_the_day_up_to_the_hour() {
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let (from, until) = window(date, 6);
        assert_eq!(until.to_rfc3339(), "2026-12-03T06:00:00+00:00");
        assert_eq!(from.to_rfc3339(), "2026-12-02T06:00:00+00:00");
    }
}
