//! Which mail goes to whom when. Each mail is made in two steps: first the tokens its links
//! need are drawn ([`LinkToken::draw`]), then its templates are rendered from plain data
//! ([`templates`], files under `templates/mail/`). The caller stores the mail and the token rows
//! in its change's transaction.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::links::Links;
use super::templates::{self, Mail, Rendered, ReportFacts};
use super::tokens::{CONFIRM_TOKEN_DAYS, LinkToken};
use super::{MailChanges, MailKind, MailTo, OutboxMail, TokenPurpose};
use crate::auth::reporter_key::ReporterKeys;
use crate::domain::{Language, Light};

/// What a mail tells about a report.
#[derive(Debug, Clone, Copy)]
pub struct MailReport<'a> {
    /// The report.
    pub id: Uuid,
    /// The category's German name.
    pub category_de: &'a str,
    /// The category's English name.
    pub category_en: &'a str,
    /// The public description.
    pub description: &'a str,
    /// The address the citizen gave, if any.
    pub address: Option<&'a str>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// The responsible authority's name.
    pub authority: &'a str,
}

impl MailReport<'_> {
    /// The category's name in `language`.
    pub fn category(&self, language: Language) -> &str {
        match language {
            Language::De => self.category_de,
            Language::En => self.category_en,
        }
    }

    /// What the templates say about the report in `language`.
    fn facts(&self, language: Language) -> ReportFacts<'_> {
        ReportFacts {
            excerpt: templates::excerpt(self.description),
            category: self.category(language),
            address: self.address,
            lat: self.lat,
            lon: self.lon,
            authority: self.authority,
        }
    }
}

/// A change the public sees, as told to the reporter and the followers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicUpdate<'a> {
    /// A new light, with its public answer.
    Status {
        /// The light the report shows now (red again when it was reopened).
        light: Light,
        /// The public answer or reason.
        answer: Option<&'a str>,
    },
    /// A public answer without a status change.
    Answer(&'a str),
    /// Another authority took the report over.
    Forwarded {
        /// Its name.
        to: &'a str,
    },
    /// The report became public (after moderation, or after its reporter's confirmation).
    Published,
}

/// Someone to tell about a public change.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The follower row.
    pub follower_id: Uuid,
    /// Their address.
    pub email: &'a str,
    /// The language of their mails.
    pub language: Language,
}

/// Makes mails with links under the public URL.
#[derive(Debug, Clone)]
pub struct Composer {
    links: Links,
}

impl Composer {
    /// A composer for links under `public_url`, the reporter's with keys from `reporter_keys`.
    pub fn new(public_url: &str, reporter_keys: ReporterKeys) -> Self {
        Self {
            links: Links::new(public_url, reporter_keys),
        }
    }

    /// The links it uses.
    pub fn links(&self) -> &Links {
        &self.links
    }

    /// The double opt-in mail for a new report filed with an address.
    pub fn confirm_report(
        &self,
        to: &str,
        language: Language,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let token = LinkToken::draw(TokenPurpose::ConfirmReport, report.id, None, now)?;
        // No follower row yet: an erase token without one stands for the reporter.
        let erase = LinkToken::draw(TokenPurpose::Erase, report.id, None, now)?;
        let rendered = templates::ConfirmReport {
            report: report.facts(language),
            confirm_url: &self.links.confirm(&token.secret),
            days: CONFIRM_TOKEN_DAYS,
            erase_url: &self.links.erase(&erase.secret),
        }
        .render(language)?;
        let mail = outbox_mail(
            MailKind::ConfirmReport,
            MailTo::Address(to.to_owned()),
            language,
            rendered,
            Some(report.id),
        );
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token.row, erase.row],
            ..MailChanges::default()
        })
    }

    /// The receipt with the tracking link, once the report is open.
    pub fn receipt(
        &self,
        to: &Recipient<'_>,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let token = unsubscribe_token(to, report.id, now)?;
        let erase = erase_token(to, report.id, now)?;
        let unsubscribe_url = self.links.unsubscribe(&token.secret);
        let rendered = templates::Receipt {
            report: report.facts(to.language),
            track_url: &self.links.reporter_report(report.id),
            unsubscribe_url: &unsubscribe_url,
            erase_url: &self.links.erase(&erase.secret),
        }
        .render(to.language)?;
        Ok(to_follower(
            MailKind::Receipt,
            to,
            report.id,
            rendered,
            [token, erase],
            unsubscribe_url,
        ))
    }

    /// A public change, to the reporter or a follower.
    pub fn update(
        &self,
        to: &Recipient<'_>,
        report: &MailReport<'_>,
        update: &PublicUpdate<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let token = unsubscribe_token(to, report.id, now)?;
        let erase = erase_token(to, report.id, now)?;
        let unsubscribe_url = self.links.unsubscribe(&token.secret);
        let done = matches!(
            update,
            PublicUpdate::Status {
                light: Light::Green | Light::YellowGreen,
                ..
            }
        );
        let feedback_url = done.then(|| self.links.feedback(report.id, to.follower_id));
        let rendered = templates::Update {
            report: report.facts(to.language),
            news: *update,
            track_url: &self.links.report(report.id),
            feedback_url: feedback_url.as_deref(),
            unsubscribe_url: &unsubscribe_url,
            erase_url: &self.links.erase(&erase.secret),
        }
        .render(to.language)?;
        Ok(to_follower(
            MailKind::Update,
            to,
            report.id,
            rendered,
            [token, erase],
            unsubscribe_url,
        ))
    }

    /// The double opt-in mail for someone who wants to follow a report.
    pub fn confirm_follow(
        &self,
        to: &Recipient<'_>,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let token = LinkToken::draw(
            TokenPurpose::ConfirmFollow,
            report.id,
            Some(to.follower_id),
            now,
        )?;
        let erase = erase_token(to, report.id, now)?;
        let rendered = templates::ConfirmFollow {
            report: report.facts(to.language),
            confirm_url: &self.links.confirm(&token.secret),
            days: CONFIRM_TOKEN_DAYS,
            erase_url: &self.links.erase(&erase.secret),
        }
        .render(to.language)?;
        let mail = outbox_mail(
            MailKind::ConfirmFollow,
            MailTo::Address(to.email.to_owned()),
            to.language,
            rendered,
            Some(report.id),
        );
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token.row, erase.row],
            ..MailChanges::default()
        })
    }

    /// The double opt-in mail for someone who supports a report ("me too") with an address:
    /// `to.follower_id` is the supporter row the link confirms.
    pub fn confirm_support(
        &self,
        to: &Recipient<'_>,
        follow: bool,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let mut token = LinkToken::draw(TokenPurpose::ConfirmSupport, report.id, None, now)?;
        token.row.supporter_id = Some(to.follower_id);
        let rendered = templates::ConfirmSupport {
            report: report.facts(to.language),
            confirm_url: &self.links.confirm(&token.secret),
            days: CONFIRM_TOKEN_DAYS,
            follow,
        }
        .render(to.language)?;
        let mail = outbox_mail(
            MailKind::ConfirmSupport,
            MailTo::Address(to.email.to_owned()),
            to.language,
            rendered,
            Some(report.id),
        );
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token.row],
            ..MailChanges::default()
        })
    }

    /// A new (or forwarded) report, to the contact address of the responsible authority
    /// (`authority_key`) as it is when the mail is stored. German: the authorities are German
    /// administrations.
    pub fn new_report(
        &self,
        authority_key: &str,
        report: &MailReport<'_>,
        forwarded_from: Option<&str>,
    ) -> anyhow::Result<OutboxMail> {
        let rendered = templates::NewReport {
            report: report.facts(Language::De),
            description: report.description,
            forwarded_from,
            clerk_url: &self.links.clerk_report(report.id),
        }
        .render()?;
        Ok(outbox_mail(
            MailKind::NewReport,
            MailTo::ContactOf(authority_key.to_owned()),
            Language::De,
            rendered,
            Some(report.id),
        ))
    }

    /// The daily list of an authority's overdue reports; one per authority and day (German).
    pub fn digest(
        &self,
        to: &str,
        authority_key: &str,
        authority: &str,
        date: NaiveDate,
        overdue: &[MailReport<'_>],
    ) -> anyhow::Result<OutboxMail> {
        let reports = self.digest_entries(overdue, usize::MAX);
        let rendered = templates::Digest {
            authority,
            date,
            reports,
        }
        .render()?;
        let mut mail = outbox_mail(
            MailKind::Digest,
            MailTo::Address(to.to_owned()),
            Language::De,
            rendered,
            None,
        );
        mail.dedupe_key = Some(format!("digest:{authority_key}:{date}"));
        Ok(mail)
    }

    /// A clerk's daily list of their overdue reports and the unassigned ones of their
    /// authorities; one per account and day (German).
    pub fn clerk_digest(
        &self,
        to: &ClerkDigestTo<'_>,
        date: NaiveDate,
        overdue: &[MailReport<'_>],
        unassigned: &[MailReport<'_>],
    ) -> anyhow::Result<OutboxMail> {
        let rendered = templates::ClerkDigest {
            name: to.name,
            date,
            overdue: self.digest_entries(overdue, usize::MAX),
            unassigned: self.digest_entries(unassigned, templates::CLERK_DIGEST_LIST),
            more_unassigned: unassigned
                .len()
                .saturating_sub(templates::CLERK_DIGEST_LIST),
        }
        .render()?;
        let mut mail = outbox_mail(
            MailKind::ClerkDigest,
            MailTo::Address(to.email.to_owned()),
            Language::De,
            rendered,
            None,
        );
        mail.dedupe_key = Some(format!("clerk-digest:{}:{date}", to.account));
        Ok(mail)
    }
}

impl Composer {
    /// The first `most` reports as digest lines, linked into the clerk workspace.
    fn digest_entries<'a>(
        &self,
        reports: &'a [MailReport<'a>],
        most: usize,
    ) -> Vec<templates::DigestEntry<'a>> {
        reports
            .iter()
            .take(most)
            .map(|report| templates::DigestEntry {
                report: report.facts(Language::De),
                clerk_url: self.links.clerk_report(report.id),
            })
            .collect()
    }
}

/// The clerk a daily list goes to.
#[derive(Debug, Clone, Copy)]
pub struct ClerkDigestTo<'a> {
    /// The account (its id keys the once-a-day rule).
    pub account: Uuid,
    /// Its address.
    pub email: &'a str,
    /// Its display name.
    pub name: &'a str,
}

/// The token behind a follower's one-click unsubscribe link.
fn unsubscribe_token(
    to: &Recipient<'_>,
    report_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<LinkToken> {
    LinkToken::draw(
        TokenPurpose::Unsubscribe,
        report_id,
        Some(to.follower_id),
        now,
    )
}

/// The token behind the link that removes a follower's (or the reporter's) address from a
/// report.
fn erase_token(
    to: &Recipient<'_>,
    report_id: Uuid,
    now: DateTime<Utc>,
) -> anyhow::Result<LinkToken> {
    LinkToken::draw(TokenPurpose::Erase, report_id, Some(to.follower_id), now)
}

/// A mail to a follower, with the one-click unsubscribe link (RFC 8058) in its header too;
/// `links` are the unsubscribe and the erase token.
fn to_follower(
    kind: MailKind,
    to: &Recipient<'_>,
    report_id: Uuid,
    rendered: Rendered,
    links: [LinkToken; 2],
    unsubscribe_url: String,
) -> MailChanges {
    let mut mail = outbox_mail(
        kind,
        MailTo::Address(to.email.to_owned()),
        to.language,
        rendered,
        Some(report_id),
    );
    mail.list_unsubscribe = Some(unsubscribe_url);
    MailChanges {
        mails: vec![mail],
        tokens: links.map(|token| token.row).into(),
        ..MailChanges::default()
    }
}

/// The outbox row of a rendered mail.
fn outbox_mail(
    kind: MailKind,
    to: MailTo,
    language: Language,
    rendered: Rendered,
    report_id: Option<Uuid>,
) -> OutboxMail {
    OutboxMail {
        id: Uuid::now_v7(),
        kind,
        recipient: to,
        language: language.as_str(),
        subject: rendered.subject,
        body_text: rendered.text,
        body_html: rendered.html,
        list_unsubscribe: None,
        report_id,
        dedupe_key: None,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::auth::secrets::secret_hash;

    /// A composer under a fixed installation secret, so recorded mails stay the same.
    fn test_composer(public_url: &str) -> Composer {
        Composer::new(
            public_url,
            ReporterKeys::new(b"test installation secret").unwrap(),
        )
    }

    fn report() -> MailReport<'static> {
        MailReport {
            id: Uuid::now_v7(),
            category_de: "Straßen & Wege",
            category_en: "Roads & paths",
            description: "Schlagloch <groß>",
            address: None,
            lat: 52.5219,
            lon: 13.4132,
            authority: "Bezirksamt Mitte",
        }
    }

    #[test]
    fn confirmation_links_carry_a_secret_whose_hash_is_stored() {
        let composer = test_composer("http://example.org");
        let now = Utc::now();
        let changes = composer
            .confirm_report("a@example.org", Language::De, &report(), now)
            .unwrap();
        let (mail, token) = (&changes.mails[0], &changes.tokens[0]);
        let secret = mail
            .body_text
            .split("/mail/confirm/")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap();
        assert_eq!(token.hash, secret_hash(secret));
        assert_eq!(token.purpose, TokenPurpose::ConfirmReport);
        assert_eq!(token.expires_at, now + Duration::days(7));
        assert!(!mail.body_html.contains(&token.hash));
    }

    #[test]
    fn html_bodies_escape_what_citizens_wrote() {
        let composer = test_composer("http://example.org");
        let mail = composer.new_report("11000001", &report(), None).unwrap();
        assert!(mail.body_html.contains("Schlagloch &lt;groß&gt;"));
        assert!(mail.body_html.contains("Straßen &amp; Wege"));
        assert!(mail.body_text.contains("Schlagloch <groß>"));
    }

    #[test]
    fn follower_mails_have_one_click_unsubscribe_in_their_language() {
        let composer = test_composer("http://example.org");
        let to = Recipient {
            follower_id: Uuid::now_v7(),
            email: "f@example.org",
            language: Language::En,
        };
        let update = PublicUpdate::Status {
            light: Light::Green,
            answer: Some("Fixed today."),
        };
        let changes = composer
            .update(&to, &report(), &update, Utc::now())
            .unwrap();
        let mail = &changes.mails[0];
        assert_eq!(mail.subject, "Your report – Green: fixed");
        assert!(
            mail.body_text
                .contains("Answer from Bezirksamt Mitte: Fixed today.")
        );
        let unsubscribe = mail.list_unsubscribe.as_deref().unwrap();
        assert!(unsubscribe.starts_with("http://example.org/mail/unsubscribe/"));
        assert!(mail.body_text.contains(unsubscribe));
        assert_eq!(changes.tokens[0].purpose, TokenPurpose::Unsubscribe);
        assert_eq!(changes.tokens[0].follower_id, Some(to.follower_id));
    }

    #[test]
    fn every_mail_to_a_reporter_or_follower_has_its_removal_link() {
        let composer = test_composer("http://example.org");
        let now = Utc::now();
        let to = Recipient {
            follower_id: Uuid::now_v7(),
            email: "f@example.org",
            language: Language::De,
        };
        let update = PublicUpdate::Answer("Danke.");
        let mails = [
            (
                composer
                    .confirm_report("r@example.org", Language::En, &report(), now)
                    .unwrap(),
                None,
            ),
            (
                composer.receipt(&to, &report(), now).unwrap(),
                Some(to.follower_id),
            ),
            (
                composer.update(&to, &report(), &update, now).unwrap(),
                Some(to.follower_id),
            ),
            (
                composer.confirm_follow(&to, &report(), now).unwrap(),
                Some(to.follower_id),
            ),
        ];
        for (changes, follower) in mails {
            let mail = &changes.mails[0];
            let secret = mail
                .body_text
                .split("http://example.org/mail/erase/")
                .nth(1)
                .map(|rest| &rest[..64])
                .unwrap_or_else(|| panic!("no removal link in {}", mail.body_text));
            assert!(mail.body_html.contains(secret), "{}", mail.kind);
            let token = changes
                .tokens
                .iter()
                .find(|t| t.hash == secret_hash(secret))
                .unwrap();
            assert_eq!(token.purpose, TokenPurpose::Erase);
            assert_eq!(token.follower_id, follower, "{}", mail.kind);
            assert_eq!(token.expires_at, now + Duration::days(730));
        }
        // Mails to authorities have none: they reach an office, not a citizen.
        let mail = composer.new_report("11000001", &report(), None).unwrap();
        assert!(!mail.body_text.contains("/mail/erase/"));
    }

    #[test]
    fn mails_name_each_light_as_the_web_pages_do() {
        // The public pages' names, e.g. `red: ['Rot: eingegangen', 'Red: received'],`.
        let lights_js = include_str!("../../web/js/lights.js");
        let composer = test_composer("http://example.org");
        for light in Light::ALL {
            let key = format!("{}: [", light.as_str());
            let line = lights_js
                .lines()
                .map(str::trim_start)
                .find(|line| line.starts_with(&key))
                .unwrap();
            let names: Vec<&str> = line.split('\'').skip(1).step_by(2).collect();
            let update = PublicUpdate::Status {
                light,
                answer: None,
            };
            for (language, name, subject) in [
                (Language::De, names[0], "Ihre Meldung – "),
                (Language::En, names[1], "Your report – "),
            ] {
                let to = Recipient {
                    follower_id: Uuid::now_v7(),
                    email: "f@example.org",
                    language,
                };
                let changes = composer
                    .update(&to, &report(), &update, Utc::now())
                    .unwrap();
                let mail = &changes.mails[0];
                assert_eq!(mail.subject, format!("{subject}{name}"));
                assert!(mail.body_text.contains(&format!(" {name}.\n")));
            }
        }
    }

    #[test]
    fn digests_are_keyed_per_authority_and_day() {
        let composer = test_composer("http://example.org");
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let mail = composer
            .digest(
                "a@example.org",
                "11000001",
                "Bezirksamt Mitte",
                date,
                &[report()],
            )
            .unwrap();
        assert_eq!(
            mail.dedupe_key.as_deref(),
            Some("digest:11000001:2026-12-03")
        );
        assert!(mail.subject.starts_with("Überfällige Meldungen: 1"));
    }

    /// Everything a mail shows, with the random link secrets replaced by their purpose.
    fn snapshot(out: &mut String, title: &str, changes: &MailChanges) {
        for mail in &changes.mails {
            let mut shown = format!(
                "=== {title}: {} ({}) to {:?}\nSubject: {}\nList-Unsubscribe: {:?}\n--- text\n{}--- html\n{}",
                mail.kind,
                mail.language,
                mail.recipient,
                mail.subject,
                mail.list_unsubscribe,
                mail.body_text,
                mail.body_html
            );
            for token in &changes.tokens {
                let secret = ["/mail/confirm/", "/mail/unsubscribe/", "/mail/erase/"]
                    .iter()
                    .filter_map(|path| mail.body_text.split(path).nth(1))
                    .map(|rest| &rest[..64])
                    .find(|secret| secret_hash(secret) == token.hash)
                    .unwrap();
                shown = shown.replace(secret, &format!("<{}>", token.purpose.as_str()));
            }
            out.push_str(&shown);
        }
    }

    #[test]
    fn every_mail_reads_as_recorded() {
        let composer = test_composer("https://buergerbuero.example/");
        let now = Utc::now();
        let long = "Sehr lang. ".repeat(30);
        let plain = MailReport {
            id: Uuid::from_u128(1),
            category_de: "Straßen & Wege",
            category_en: "Roads & paths",
            description: "Schlagloch <groß> & \"tief\", it's deep",
            address: None,
            lat: 52.5219,
            lon: 13.4132,
            authority: "Bezirksamt Mitte",
        };
        let addressed = MailReport {
            id: Uuid::from_u128(2),
            description: &long,
            address: Some("Unter den Linden 1 <Eingang>"),
            ..plain
        };
        let mut out = String::new();
        for language in [Language::De, Language::En] {
            let to = Recipient {
                follower_id: Uuid::from_u128(9),
                email: "f@example.org",
                language,
            };
            let changes = composer
                .confirm_report("r@example.org", language, &plain, now)
                .unwrap();
            snapshot(&mut out, "confirm_report", &changes);
            let changes = composer.receipt(&to, &addressed, now).unwrap();
            snapshot(&mut out, "receipt", &changes);
            let updates = [
                PublicUpdate::Status {
                    light: Light::Yellow,
                    answer: Some("Wir sind dran & <bald> fertig."),
                },
                PublicUpdate::Status {
                    light: Light::Green,
                    answer: None,
                },
                PublicUpdate::Status {
                    light: Light::YellowGreen,
                    answer: Some("Privatgelände."),
                },
                PublicUpdate::Status {
                    light: Light::Red,
                    answer: Some("Wieder offen."),
                },
                PublicUpdate::Answer("Danke für den Hinweis."),
                PublicUpdate::Forwarded { to: "Amt <Pankow>" },
                PublicUpdate::Published,
            ];
            for update in &updates {
                let changes = composer.update(&to, &plain, update, now).unwrap();
                snapshot(&mut out, "update", &changes);
            }
            let changes = composer.confirm_follow(&to, &addressed, now).unwrap();
            snapshot(&mut out, "confirm_follow", &changes);
            for follow in [false, true] {
                let changes = composer.confirm_support(&to, follow, &plain, now).unwrap();
                snapshot(&mut out, "confirm_support", &changes);
            }
        }
        let mail = composer.new_report("11000001", &plain, None).unwrap();
        snapshot(
            &mut out,
            "new_report",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );
        let mail = composer
            .new_report("11000002", &addressed, Some("Bezirksamt <Mitte>"))
            .unwrap();
        snapshot(
            &mut out,
            "forwarded",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let mail = composer
            .digest(
                "a@example.org",
                "11000001",
                "Bezirksamt Mitte",
                date,
                &[plain, addressed],
            )
            .unwrap();
        snapshot(
            &mut out,
            "digest",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );

        let mail = composer
            .clerk_digest(
                &ClerkDigestTo {
                    account: Uuid::from_u128(7),
                    email: "anna@example.org",
                    name: "Anna <Muster>",
                },
                date,
                &[plain],
                &[addressed],
            )
            .unwrap();
        snapshot(
            &mut out,
            "clerk_digest",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );
        // The area alerts' mails (`alert_mails`): their links are derived from the fixed
        // installation secret and id, so they are recorded as they are.
        for language in [Language::De, Language::En] {
            let changes = composer
                .confirm_alert(
                    "a@example.org",
                    language,
                    Uuid::from_u128(7),
                    "in der Gemeinde <Briesen> (Mark)",
                    now,
                )
                .unwrap();
            snapshot(&mut out, "confirm_alert", &changes);
            let entries = [
                crate::notify::alert_mails::AlertEntry {
                    new: true,
                    category: "Straßen & Wege".into(),
                    place: "Unter den Linden 1 <Eingang> (Mitte)".into(),
                    light: Light::Red,
                    url: composer.links().report(Uuid::from_u128(1)),
                },
                crate::notify::alert_mails::AlertEntry {
                    new: false,
                    category: "Roads & paths".into(),
                    place: "near 52.52190, 13.41320 (Mitte)".into(),
                    light: Light::YellowGreen,
                    url: composer.links().report(Uuid::from_u128(2)),
                },
            ];
            for more in [0, 3] {
                let mail = composer
                    .alert_digest(
                        "a@example.org",
                        language,
                        Uuid::from_u128(7),
                        date,
                        "im Umkreis von 500 m um 52.52190, 13.41320",
                        "lat=52.52190&lon=13.41320&radius_m=500",
                        &entries,
                        more,
                    )
                    .unwrap();
                snapshot(
                    &mut out,
                    "alert_digest",
                    &MailChanges {
                        mails: vec![mail],
                        ..Default::default()
                    },
                );
            }
        }

        let recorded = include_str!("testdata/mails.txt");
        if out != recorded {
            // The whole rendering, for a diff against the recorded file.
            let actual = std::env::temp_dir().join("buergerbuero-mails.txt");
            std::fs::write(&actual, &out).unwrap();
            panic!(
                "the mails differ from src/notify/testdata/mails.txt; see {}",
                actual.display()
            );
        }
    }
}
