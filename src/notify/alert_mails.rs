//! The area alerts' mails: the opt-in for a subscription and the daily digest. Their links
//! hold no stored secret (see [`Links::alert_token`]); the digest carries the one-click
//! unsubscribe link (RFC 8058) in its header and text, and a `dedupe_key` per subscription
//! and day, so several instances scheduling it write one row.

use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::compose::Composer;
use super::links::Links;
use super::templates::{Mail, Rendered, render};
use super::tokens::CONFIRM_TOKEN_DAYS;
use super::{MailChanges, MailKind, MailTo, OutboxMail};
use crate::domain::{Language, Light};

/// The double opt-in mail for an area alert.
#[derive(Debug, Clone)]
pub struct ConfirmAlert<'a> {
    /// What it watches, in words (`alerts::describe`).
    pub selection: &'a str,
    /// The confirmation link.
    pub confirm_url: &'a str,
    /// How many days the link works.
    pub days: i64,
}

/// One report in a digest: what the public sees of it, nothing more.
#[derive(Debug, Clone)]
pub struct AlertEntry {
    /// Whether it became public in the digest's day (else its status moved).
    pub new: bool,
    /// The category's name in the mail's language.
    pub category: String,
    /// Where it is (`alerts::place`).
    pub place: String,
    /// Its light now.
    pub light: Light,
    /// Its public page.
    pub url: String,
}

/// The daily digest of an area alert.
#[derive(Debug, Clone)]
pub struct AlertDigest<'a> {
    /// What it watches, in words.
    pub selection: &'a str,
    /// The day it is for.
    pub date: NaiveDate,
    /// The reports, newest news first.
    pub reports: &'a [AlertEntry],
    /// Reports beyond the listed ones.
    pub more: usize,
    /// The selection's Atom feed.
    pub feed_url: &'a str,
    /// The one-click unsubscribe link.
    pub unsubscribe_url: &'a str,
}

impl Mail for ConfirmAlert<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(ConfirmAlertText::De { mail: self }, |subject| {
                ConfirmAlertHtml::De {
                    mail: self,
                    subject,
                }
            }),
            Language::En => render(ConfirmAlertText::En { mail: self }, |subject| {
                ConfirmAlertHtml::En {
                    mail: self,
                    subject,
                }
            }),
        }
    }
}

impl Mail for AlertDigest<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(AlertDigestText::De { mail: self }, |subject| {
                AlertDigestHtml::De {
                    mail: self,
                    subject,
                }
            }),
            Language::En => render(AlertDigestText::En { mail: self }, |subject| {
                AlertDigestHtml::En {
                    mail: self,
                    subject,
                }
            }),
        }
    }
}

/// An outbox row for an area alert's mail (about no single report).
fn alert_mail(kind: MailKind, to: &str, language: Language, rendered: Rendered) -> OutboxMail {
    OutboxMail {
        id: Uuid::now_v7(),
        kind,
        recipient: MailTo::Address(to.to_owned()),
        language: language.as_str(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: rendered.html,
        list_unsubscribe: None,
        report_id: None,
        dedupe_key: None,
    }
}

impl Composer {
    /// The opt-in mail for the area alert `id` of address `to`, watching `selection` (in
    /// words). `_now` is when it is sent; the link works for [`CONFIRM_TOKEN_DAYS`] from the
    /// request stored with it.
    pub fn confirm_alert(
        &self,
        to: &str,
        language: Language,
        id: Uuid,
        selection: &str,
        _now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let links: &Links = self.links();
        let rendered = ConfirmAlert {
            selection,
            confirm_url: &links.alert_confirm(id),
            days: CONFIRM_TOKEN_DAYS,
        }
        .render(language)?;
        Ok(MailChanges {
            mails: vec![alert_mail(MailKind::ConfirmAlert, to, language, rendered)],
            ..MailChanges::default()
        })
    }

    /// The digest of the area alert `id` for `date`: one per subscription and day however
    /// often it is scheduled.
    #[allow(clippy::too_many_arguments)]
    pub fn alert_digest(
        &self,
        to: &str,
        language: Language,
        id: Uuid,
        date: NaiveDate,
        selection: &str,
        feed_query: &str,
        reports: &[AlertEntry],
        more: usize,
    ) -> anyhow::Result<OutboxMail> {
        let links = self.links();
        let unsubscribe_url = links.alert_unsubscribe(id);
        let rendered = AlertDigest {
            selection,
            date,
            reports,
            more,
            feed_url: &links.feed(feed_query),
            unsubscribe_url: &unsubscribe_url,
        }
        .render(language)?;
        let mut mail = alert_mail(MailKind::AlertDigest, to, language, rendered);
        mail.list_unsubscribe = Some(unsubscribe_url);
        mail.dedupe_key = Some(format!("alert:{id}:{date}"));
        Ok(mail)
    }
}

#[derive(Template)]
#[template(ext = "txt")]
enum ConfirmAlertText<'a> {
    #[template(path = "mail/de/confirm_alert.txt")]
    De { mail: &'a ConfirmAlert<'a> },
    #[template(path = "mail/en/confirm_alert.txt")]
    En { mail: &'a ConfirmAlert<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum ConfirmAlertHtml<'a> {
    #[template(path = "mail/de/confirm_alert.html")]
    De {
        mail: &'a ConfirmAlert<'a>,
        subject: String,
    },
    #[template(path = "mail/en/confirm_alert.html")]
    En {
        mail: &'a ConfirmAlert<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(ext = "txt")]
enum AlertDigestText<'a> {
    #[template(path = "mail/de/alert_digest.txt")]
    De { mail: &'a AlertDigest<'a> },
    #[template(path = "mail/en/alert_digest.txt")]
    En { mail: &'a AlertDigest<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum AlertDigestHtml<'a> {
    #[template(path = "mail/de/alert_digest.html")]
    De {
        mail: &'a AlertDigest<'a>,
        subject: String,
    },
    #[template(path = "mail/en/alert_digest.html")]
    En {
        mail: &'a AlertDigest<'a>,
        subject: String,
    },
}
