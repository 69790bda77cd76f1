//! Which mails a change causes: filing, a report becoming open, a clerk's public change. Each
//! function returns the [`MailChanges`] the caller stores with its change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::compose::{Composer, MailReport, PublicUpdate, Recipient};
use super::{MailChanges, NewFollower};
use crate::domain::{AuthorityKey, EventKind, Language, NewEvent, Report};
use crate::jurisdiction::Jurisdiction;
use crate::store::notify::FollowerRow;

/// What mails say about a stored report: category and authority by name.
pub fn mail_report<'a>(engine: &'a Jurisdiction, report: &'a Report) -> MailReport<'a> {
    let code = report.category.as_str();
    let (category_de, category_en) = engine
        .category(code)
        .map_or((code, code), |c| (c.name_de.as_str(), c.name_en.as_str()));
    MailReport {
        id: report.id.uuid(),
        category_de,
        category_en,
        description: &report.description,
        address: report.address.as_deref(),
        lat: report.location.lat(),
        lon: report.location.lon(),
        authority: authority_name(engine, report.authority.as_str()),
    }
}

/// An authority's name, or its key if the engine does not know it.
pub fn authority_name<'a>(engine: &'a Jurisdiction, key: &'a str) -> &'a str {
    AuthorityKey::parse(key)
        .ok()
        .and_then(|k| engine.authority(&k))
        .map_or(key, |a| a.name.as_str())
}

/// The reporter of a report, when they gave an address.
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    /// Their address.
    pub email: &'a str,
    /// The report's language.
    pub language: Language,
}

impl<'a> Reporter<'a> {
    /// The reporter of a stored report, if they gave an address.
    pub fn of(report: &'a Report) -> Option<Self> {
        report.reporter_email.as_ref().map(|email| Reporter {
            email: email.as_str(),
            language: report.language,
        })
    }
}

/// A report was filed with an address that still needs confirming: the opt-in mail.
pub fn awaiting_confirmation(
    composer: &Composer,
    report: &MailReport<'_>,
    reporter: Reporter<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<MailChanges> {
    composer.confirm_report(reporter.email, reporter.language, report, now)
}

/// A report became `open` (at filing, or when its address was confirmed): the reporter follows
/// it and gets the receipt; the authority (`authority_key`) hears of it at its contact address,
/// if it has one.
pub fn opened(
    composer: &Composer,
    report: &MailReport<'_>,
    reporter: Option<Reporter<'_>>,
    authority_key: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<MailChanges> {
    let mut changes = MailChanges::default();
    if let Some(reporter) = reporter {
        let follower = NewFollower {
            id: Uuid::now_v7(),
            report_id: report.id,
            email: reporter.email.to_owned(),
            language: reporter.language.as_str(),
            role: "reporter",
            confirmed: true,
        };
        let to = Recipient {
            follower_id: follower.id,
            email: reporter.email,
            language: reporter.language,
        };
        changes.extend(composer.receipt(&to, report, now)?);
        changes.followers.push(follower);
    }
    changes
        .mails
        .push(composer.new_report(authority_key, report, None)?);
    Ok(changes)
}

/// A clerk's change: the report before and after, and the events recording it.
#[derive(Debug, Clone, Copy)]
pub struct ClerkChange<'a> {
    /// Before.
    pub old: &'a Report,
    /// After.
    pub new: &'a Report,
    /// The events the change appends.
    pub events: &'a [NewEvent],
}

/// A clerk's change, told to everyone following the report if the public sees it (status,
/// answer, forwarding), and to the new authority's contact address if the report was forwarded.
pub fn after_change(
    composer: &Composer,
    engine: &Jurisdiction,
    change: &ClerkChange<'_>,
    followers: &[FollowerRow],
    now: DateTime<Utc>,
) -> anyhow::Result<MailChanges> {
    let ClerkChange { old, new, events } = *change;
    let mut changes = MailChanges::default();
    // Going public is news for the reporter, the only one who can follow it before.
    let went_public = !old.is_public() && new.is_public();
    let Some(update) = went_public
        .then_some(PublicUpdate::Published)
        .or_else(|| public_update(engine, new, events))
    else {
        return Ok(changes);
    };
    // An unconfirmed reporter has no follower row, so they hear nothing until they confirm.
    for follower in followers.iter().filter(|f| f.is_active()) {
        let to = Recipient {
            follower_id: follower.id,
            email: &follower.email,
            language: stored_language(&follower.language),
        };
        let report = mail_report(engine, new);
        changes.extend(composer.update(&to, &report, &update, now)?);
    }
    if let PublicUpdate::Forwarded { .. } = update {
        let from = authority_name(engine, old.authority.as_str());
        changes.mails.push(composer.new_report(
            new.authority.as_str(),
            &mail_report(engine, new),
            Some(from),
        )?);
    }
    Ok(changes)
}

/// The public news in a change's events, if any.
fn public_update<'a>(
    engine: &'a Jurisdiction,
    new: &'a Report,
    events: &'a [NewEvent],
) -> Option<PublicUpdate<'a>> {
    events
        .iter()
        .filter(|e| e.public)
        .find_map(|event| match event.kind {
            kind if kind.moves_status() => Some(PublicUpdate::Status {
                // A public status change leaves the report public, so it has a light.
                light: new.light()?,
                answer: event.body.as_deref(),
            }),
            // Declining a citizen's reopen request answers them publicly.
            EventKind::Answer | EventKind::ReopenDeclined => {
                event.body.as_deref().map(PublicUpdate::Answer)
            }
            EventKind::Forwarded => Some(PublicUpdate::Forwarded {
                to: authority_name(engine, new.authority.as_str()),
            }),
            _ => None,
        })
}

/// The language of a stored report or follower: `en`, or German, the service's default (the
/// columns hold what `Language` wrote).
fn stored_language(stored: &str) -> Language {
    Language::parse(stored).unwrap_or_default()
}
