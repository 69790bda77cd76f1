//! Webhooks for third-party apps: admins register https endpoints for event types; every
//! matching report event is delivered to each endpoint once, signed as the Standard Webhooks
//! specification describes (<https://www.standardwebhooks.com/>), through an outbox with
//! retries, back-off and dead letters.
//!
//! The parts: the event types and how report events map to them, the endpoint's URL rule
//! (this module), the secrets and signatures (`signature`), the fan-out that turns report
//! events into deliveries (`fan_out`), and the worker that sends them (`worker`).
//!
//! Payloads carry the public view of the report (what `GET /api/v1/reports/{id}` shows, without
//! the history) and the event's public fields, never the reporter's contact, internal notes or
//! a report the public cannot see.

pub mod fan_out;
pub mod signature;
pub mod worker;

use std::fmt;

use crate::config::WebhookSettings;
use crate::domain::EventKind;

/// The longest endpoint URL accepted.
pub const MAX_URL_CHARS: usize = 2_000;
/// The longest description of an endpoint.
pub const MAX_DESCRIPTION_CHARS: usize = 254;
/// The largest payload sent; a larger one (it cannot happen with the report's own limits)
/// is recorded as a dead delivery instead of being sent.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;

/// What a webhook announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventType {
    /// A report became public.
    Published,
    /// A public report's status moved (also a reopening), other than to a final status.
    StatusChanged,
    /// The authority answered in public without changing the status.
    Answered,
    /// The report was handed to another authority.
    Forwarded,
    /// The report reached a final status: resolved, or closed (also as a duplicate).
    Closed,
}

impl EventType {
    /// Every type, in the order the API lists them.
    pub const ALL: [EventType; 5] = [
        EventType::Published,
        EventType::StatusChanged,
        EventType::Answered,
        EventType::Forwarded,
        EventType::Closed,
    ];

    /// The name in the API and in the payload's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Published => "report.published",
            EventType::StatusChanged => "report.status_changed",
            EventType::Answered => "report.answered",
            EventType::Forwarded => "report.forwarded",
            EventType::Closed => "report.closed",
        }
    }

    /// Parses an API name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// The webhook type of a report event with the status it left the report in; `None` for
    /// events no webhook announces (notes, photo and text moderation, …).
    pub fn of_event(kind: EventKind, status: Option<&str>) -> Option<Self> {
        let is_final = matches!(status, Some("resolved" | "closed"));
        match kind {
            EventKind::Published => Some(EventType::Published),
            EventKind::Answer => Some(EventType::Answered),
            EventKind::Forwarded => Some(EventType::Forwarded),
            EventKind::MarkedDuplicate => Some(EventType::Closed),
            EventKind::StatusChanged | EventKind::Reopened if is_final => Some(EventType::Closed),
            EventKind::StatusChanged | EventKind::Reopened => Some(EventType::StatusChanged),
            _ => None,
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A non-empty set of event types, stored space-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventType>);

impl EventTypes {
    /// Parses API names; the error names the first unknown one, or says the list is empty.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        let mut types = Vec::new();
        for name in names {
            let name = name.as_ref();
            let t = EventType::parse(name).ok_or_else(|| {
                format!(
                    "{name:?} is not an event type (one of {})",
                    EventType::ALL.map(EventType::as_str).join(", ")
                )
            })?;
            types.push(t);
        }
        types.sort();
        types.dedup();
        if types.is_empty() {
            return Err("name at least one event type".into());
        }
        Ok(Self(types))
    }

    /// Reads the stored form; unknown names (none are ever written) are left out.
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split(' ').filter_map(EventType::parse).collect())
    }

    /// The stored form.
    pub fn stored(&self) -> String {
        self.names().join(" ")
    }

    /// The API names.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|t| t.as_str()).collect()
    }

    /// Whether `t` is in the set.
    pub fn contains(&self, t: EventType) -> bool {
        self.0.contains(&t)
    }
}

/// Why an endpoint URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlRefused(pub String);

/// Checks an endpoint URL: absolute `https://` with a host, no credentials, at most
/// [`MAX_URL_CHARS`]; `http://` only for a loopback host when the settings allow it.
/// Returns the URL as given (trimmed).
pub fn check_url(url: &str, settings: &WebhookSettings) -> Result<String, UrlRefused> {
    let url = url.trim();
    if url.chars().count() > MAX_URL_CHARS {
        return Err(UrlRefused(format!(
            "the URL is longer than {MAX_URL_CHARS} characters"
        )));
    }
    let parsed = http_client::Url::parse(url)
        .map_err(|e| UrlRefused(format!("{url:?} is not an absolute URL: {e}")))?;
    let host = parsed
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| UrlRefused(format!("{url:?} names no host")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(UrlRefused(
            "the URL must not carry credentials; the signature authenticates deliveries".into(),
        ));
    }
    // An IPv6 host comes in brackets.
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let loopback = host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match parsed.scheme() {
        "https" => Ok(url.to_owned()),
        "http" if loopback && settings.allow_http_loopback => Ok(url.to_owned()),
        "http" if loopback => Err(UrlRefused(
            "plain http is allowed only for loopback hosts when BUERGERBUERO_WEBHOOKS__ALLOW_HTTP_LOOPBACK is set; use https".into(),
        )),
        _ => Err(UrlRefused(format!(
            "{url:?} is not an https URL; deliveries go over https only"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_events_map_to_webhook_types() {
        use EventType as T;
        assert_eq!(
            T::of_event(EventKind::Published, Some("open")),
            Some(T::Published)
        );
        assert_eq!(
            T::of_event(EventKind::StatusChanged, Some("in_progress")),
            Some(T::StatusChanged)
        );
        assert_eq!(
            T::of_event(EventKind::StatusChanged, Some("resolved")),
            Some(T::Closed)
        );
        assert_eq!(
            T::of_event(EventKind::StatusChanged, Some("closed")),
            Some(T::Closed)
        );
        assert_eq!(
            T::of_event(EventKind::MarkedDuplicate, Some("closed")),
            Some(T::Closed)
        );
        assert_eq!(
            T::of_event(EventKind::Reopened, Some("open")),
            Some(T::StatusChanged)
        );
        assert_eq!(T::of_event(EventKind::Answer, None), Some(T::Answered));
        assert_eq!(T::of_event(EventKind::Forwarded, None), Some(T::Forwarded));
        for kind in [
            EventKind::Created,
            EventKind::Note,
            EventKind::Hidden,
            EventKind::ForwardReason,
            EventKind::DescriptionEdited,
        ] {
            assert_eq!(T::of_event(kind, Some("open")), None, "{kind:?}");
        }
    }

    #[test]
    fn event_types_parse_and_refuse_unknown_names() {
        let types =
            EventTypes::parse(&["report.closed", "report.published", "report.closed"]).unwrap();
        assert_eq!(types.stored(), "report.published report.closed");
        assert_eq!(EventTypes::from_stored(&types.stored()), types);
        assert!(EventTypes::parse(&["report.deleted"]).is_err());
        assert!(EventTypes::parse::<&str>(&[]).is_err());
    }

    #[test]
    fn urls_must_be_https_unless_loopback_is_allowed() {
        let strict = WebhookSettings::default();
        let dev = WebhookSettings {
            allow_http_loopback: true,
            ..WebhookSettings::default()
        };
        assert!(check_url("https://example.org/hook", &strict).is_ok());
        assert!(check_url("http://example.org/hook", &strict).is_err());
        assert!(check_url("http://example.org/hook", &dev).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", &strict).is_err());
        assert!(check_url("http://127.0.0.1:9000/hook", &dev).is_ok());
        assert!(check_url("http://[::1]:9000/hook", &dev).is_ok());
        assert!(check_url("http://localhost/hook", &dev).is_ok());
        assert!(check_url("ftp://example.org/", &dev).is_err());
        assert!(check_url("https://user:pw@example.org/", &strict).is_err());
        assert!(check_url("/relative", &strict).is_err());
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL_CHARS));
        assert!(check_url(&long, &strict).is_err());
    }
}
