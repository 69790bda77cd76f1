//! The Atom feed (RFC 4287) of a selection: its newest public history entries — reports that
//! became public, status moves — each with the report's category, place, light and a link to
//! its page. Nothing personal: no contact, no description, no answer text, no note.
//!
//! Ids are tag URIs (RFC 4151) under the public URL's host: `tag:HOST,2026:event/ID` for an
//! entry (the history entry's id, kept by `move-data`), `tag:HOST,2026:feed/SELECTION` for
//! the feed, so they stay the same however often the feed is read.

use chrono::{DateTime, SecondsFormat, Utc};

use super::digest::category_name;
use super::selection::Selection;
use super::{describe, light_name, place};
use crate::domain::{EventKind, Language, Light};
use crate::jurisdiction::Jurisdiction;
use crate::notify::links::Links;
use crate::open311::xml::escape_into;
use crate::store::alerts::AlertEventRow;

/// The media type of the feeds.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// A rendered feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The document.
    pub body: String,
    /// Its `updated`: the newest entry's time (`Last-Modified`).
    pub updated: DateTime<Utc>,
}

/// The host of the public URL, the tagging entity of the ids.
fn host(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let without_user = authority.rsplit('@').next().unwrap_or(authority);
    // A port is no part of a DNS name; an IPv6 literal keeps its brackets' content.
    match without_user.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => without_user.split(':').next().unwrap_or(without_user),
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `<name>text</name>` with the text escaped.
fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, text);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// `<link rel=… type=… href=…/>`.
fn link(out: &mut String, rel: &str, media_type: &str, href: &str) {
    out.push_str("<link rel=\"");
    out.push_str(rel);
    out.push_str("\" type=\"");
    out.push_str(media_type);
    out.push_str("\" href=\"");
    escape_into(out, href);
    out.push_str("\"/>");
}

/// The feed of `selection` with `events` (newest first); `empty_updated` is its `updated`
/// when it has no entry.
pub fn render(
    engine: &Jurisdiction,
    links: &Links,
    selection: &Selection,
    events: &[AlertEventRow],
    empty_updated: DateTime<Utc>,
) -> Feed {
    let language = Language::De;
    let tag = format!("tag:{},2026:", host(links.base()));
    let updated = events.iter().map(|e| e.at).max().unwrap_or(empty_updated);
    let query = selection.query();
    let mut out = String::with_capacity(1024 + events.len() * 800);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">");
    element(
        &mut out,
        "id",
        &format!("{tag}feed/{}", selection.canonical()),
    );
    element(
        &mut out,
        "title",
        &format!("Meldungen {}", describe(engine, selection, language)),
    );
    element(
        &mut out,
        "subtitle",
        "Neu veröffentlichte Meldungen und Statusänderungen (Ampel), neueste zuerst",
    );
    element(&mut out, "updated", &time(updated));
    link(
        &mut out,
        "self",
        "application/atom+xml",
        &links.feed(&query),
    );
    link(
        &mut out,
        "alternate",
        "text/html",
        &format!("{}/alerts.html?{query}", links.base()),
    );
    out.push_str("<author>");
    element(&mut out, "name", "buergerbuero");
    out.push_str("</author>");
    for event in events {
        entry(&mut out, engine, links, &tag, event, language);
    }
    out.push_str("</feed>\n");
    Feed { body: out, updated }
}

/// One `<entry>`.
fn entry(
    out: &mut String,
    engine: &Jurisdiction,
    links: &Links,
    tag: &str,
    event: &AlertEventRow,
    language: Language,
) {
    let new = event.kind == EventKind::Published.as_str();
    // A status move shows the light it set; a new report the light it has now.
    let status = if new {
        Some(event.status.as_str())
    } else {
        event.event_status.as_deref()
    };
    let light = light_name(
        status.and_then(Light::of_status_name).unwrap_or(Light::Red),
        language,
    );
    let category = category_name(engine, &event.category_code, language);
    let where_ = place(
        engine,
        event.address.as_deref(),
        event.lat,
        event.lon,
        &event.area_key,
        language,
    );
    let (title, summary) = if new {
        (
            format!("Neu – {category}, {where_}"),
            format!("Neue Meldung: {category}, {where_}. Ampel: {light}."),
        )
    } else {
        (
            format!("{light} – {category}, {where_}"),
            format!("Status geändert: {category}, {where_}. Ampel: {light}."),
        )
    };
    out.push_str("<entry>");
    element(out, "id", &format!("{tag}event/{}", event.event_id));
    element(out, "title", &title);
    element(out, "updated", &time(event.at));
    link(
        out,
        "alternate",
        "text/html",
        &links.report(event.report_id),
    );
    out.push_str("<category term=\"");
    escape_into(out, &event.category_code);
    out.push_str("\" label=\"");
    escape_into(out, &category);
    out.push_str("\"/>");
    element(out, "summary", &summary);
    out.push_str("</entry>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tagging_entity_is_the_host() {
        assert_eq!(
            host("https://meldungen.example.org/bb"),
            "meldungen.example.org"
        );
        assert_eq!(host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(host("http://[::1]:8080"), "::1");
        assert_eq!(host("https://user@example.org"), "example.org");
    }
}
