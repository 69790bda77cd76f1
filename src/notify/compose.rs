//! The mails: who gets which text when, in German and English, as plain text and HTML.
//!
//! Pure apart from drawing random tokens: every function returns the rendered mail with the
//! token rows its links need, and the caller stores both in its change's transaction.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::links::Links;
use super::{MailChanges, MailTo, NewToken, OutboxMail, TokenPurpose};
use crate::auth::secrets::{random_hex, secret_hash};

/// How long a confirmation link works.
pub const CONFIRM_TOKEN_DAYS: i64 = 7;
/// How long an unsubscribe link works (longer than a report usually lives).
pub const UNSUBSCRIBE_TOKEN_DAYS: i64 = 730;

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
    /// The category's name in German or English.
    pub fn category(&self, de: bool) -> &str {
        if de {
            self.category_de
        } else {
            self.category_en
        }
    }
}

/// A change the public sees, as told to the reporter and the followers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicUpdate<'a> {
    /// A new status, with its public answer.
    Status {
        /// `in_progress`, `resolved`, `closed` or `open` (reopened).
        status: &'a str,
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
}

/// Someone to tell about a public change.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    /// The follower row.
    pub follower_id: Uuid,
    /// Their address.
    pub email: &'a str,
    /// `de` or `en`.
    pub language: &'a str,
}

/// Renders mails with links under the public URL.
#[derive(Debug, Clone)]
pub struct Composer {
    links: Links,
}

impl Composer {
    /// A composer for links under `public_url`.
    pub fn new(public_url: &str) -> Self {
        Self {
            links: Links::new(public_url),
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
        language: &str,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let de = is_de(language);
        let (secret, token) = new_token(
            TokenPurpose::ConfirmReport,
            report.id,
            None,
            now + Duration::days(CONFIRM_TOKEN_DAYS),
        )?;
        let body = Body {
            paragraphs: vec![
                pick(de, "Guten Tag,", "Hello,"),
                if de {
                    format!(
                        "Sie haben eine Meldung an {} geschickt: {}.",
                        report.authority,
                        about(report, de)
                    )
                } else {
                    format!(
                        "You sent a report to {}: {}.",
                        report.authority,
                        about(report, de)
                    )
                },
                pick(
                    de,
                    "Bitte bestätigen Sie Ihre E-Mail-Adresse, damit die Meldung bearbeitet wird. Der Link gilt 7 Tage.",
                    "Please confirm your email address so that the report is dealt with. The link works for 7 days.",
                ),
            ],
            link: Some((
                pick(de, "Meldung bestätigen", "Confirm the report"),
                self.links.confirm(&secret),
            )),
            footer: vec![pick(
                de,
                "Wenn Sie nichts gemeldet haben, ignorieren Sie diese E-Mail; ohne Bestätigung wird die Meldung nicht bearbeitet.",
                "If you did not report anything, ignore this email; without confirmation the report is not processed.",
            )],
        };
        let mail = body.into_mail(
            "confirm_report",
            MailTo::Address(to.to_owned()),
            de,
            pick(
                de,
                "Bitte bestätigen Sie Ihre Meldung",
                "Please confirm your report",
            ),
            Some(report.id),
            None,
        );
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token],
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
        let de = is_de(to.language);
        let body = Body {
            paragraphs: vec![
                pick(de, "Guten Tag,", "Hello,"),
                if de {
                    format!(
                        "vielen Dank für Ihre Meldung {}. Sie ist bei {} eingegangen.",
                        about(report, de),
                        report.authority
                    )
                } else {
                    format!(
                        "thank you for your report {}. {} has received it.",
                        about(report, de),
                        report.authority
                    )
                },
                pick(
                    de,
                    "Wir schreiben Ihnen, wenn sich der Stand ändert.",
                    "We will write to you when its status changes.",
                ),
            ],
            link: Some((
                pick(de, "Stand der Meldung", "Track the report"),
                self.links.report(report.id),
            )),
            footer: Vec::new(),
        };
        let subject = pick(
            de,
            "Ihre Meldung ist eingegangen",
            "Your report has been received",
        );
        self.to_follower(body, "receipt", to, subject, report.id, now)
    }

    /// A public change, to the reporter or a follower.
    pub fn update(
        &self,
        to: &Recipient<'_>,
        report: &MailReport<'_>,
        update: &PublicUpdate<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let de = is_de(to.language);
        let mut paragraphs = vec![
            pick(de, "Guten Tag,", "Hello,"),
            if de {
                format!("es gibt Neuigkeiten zur Meldung {}:", about(report, de))
            } else {
                format!("there is news about the report {}:", about(report, de))
            },
        ];
        let subject = match update {
            PublicUpdate::Status { status, answer } => {
                let name = status_name(status, de);
                paragraphs.push(if de {
                    format!("Neuer Stand: {name}.")
                } else {
                    format!("New status: {name}.")
                });
                paragraphs.extend(answer.map(|a| answer_paragraph(report.authority, a, de)));
                if de {
                    format!("Ihre Meldung: {name}")
                } else {
                    format!("Your report: {name}")
                }
            }
            PublicUpdate::Answer(text) => {
                paragraphs.push(answer_paragraph(report.authority, text, de));
                pick(de, "Antwort auf Ihre Meldung", "An answer to your report")
            }
            PublicUpdate::Forwarded { to } => {
                paragraphs.push(if de {
                    format!("Die Meldung liegt jetzt bei {to}, die dafür zuständig ist.")
                } else {
                    format!("The report is now with {to}, which is responsible for it.")
                });
                pick(
                    de,
                    "Ihre Meldung wurde weitergeleitet",
                    "Your report was forwarded",
                )
            }
        };
        let body = Body {
            paragraphs,
            link: Some((
                pick(de, "Stand der Meldung", "Track the report"),
                self.links.report(report.id),
            )),
            footer: Vec::new(),
        };
        self.to_follower(body, "update", to, subject, report.id, now)
    }

    /// The double opt-in mail for someone who wants to follow a report.
    pub fn confirm_follow(
        &self,
        to: &Recipient<'_>,
        report: &MailReport<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let de = is_de(to.language);
        let (secret, token) = new_token(
            TokenPurpose::ConfirmFollow,
            report.id,
            Some(to.follower_id),
            now + Duration::days(CONFIRM_TOKEN_DAYS),
        )?;
        let body = Body {
            paragraphs: vec![
                pick(de, "Guten Tag,", "Hello,"),
                if de {
                    format!(
                        "Sie möchten über die Meldung {} auf dem Laufenden bleiben. Bitte bestätigen Sie Ihre E-Mail-Adresse; der Link gilt 7 Tage.",
                        about(report, de)
                    )
                } else {
                    format!(
                        "You asked to follow the report {}. Please confirm your email address; the link works for 7 days.",
                        about(report, de)
                    )
                },
            ],
            link: Some((
                pick(de, "Meldung folgen", "Follow the report"),
                self.links.confirm(&secret),
            )),
            footer: vec![pick(
                de,
                "Wenn Sie das nicht waren, ignorieren Sie diese E-Mail; Sie erhalten dann keine weiteren.",
                "If this was not you, ignore this email; you will get no more.",
            )],
        };
        let mail = body.into_mail(
            "confirm_follow",
            MailTo::Address(to.email.to_owned()),
            de,
            pick(
                de,
                "Bitte bestätigen Sie: Meldung folgen",
                "Please confirm: follow a report",
            ),
            Some(report.id),
            None,
        );
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token],
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
    ) -> OutboxMail {
        let mut paragraphs = vec![match forwarded_from {
            Some(from) => format!(
                "{from} hat Ihnen eine Meldung weitergeleitet ({}, {}):",
                report.category(true),
                place(report, true)
            ),
            None => format!(
                "Eine neue Meldung für {} ist eingegangen ({}, {}):",
                report.authority,
                report.category(true),
                place(report, true)
            ),
        }];
        paragraphs.push(format!("„{}“", report.description));
        paragraphs.push(
            "Bitte prüfen und beantworten Sie sie im Arbeitsbereich; das Leistungsversprechen läuft ab jetzt."
                .into(),
        );
        let subject = match forwarded_from {
            Some(_) => format!("Weitergeleitete Meldung: {}", report.category(true)),
            None => format!("Neue Meldung: {}", report.category(true)),
        };
        Body {
            paragraphs,
            link: Some((
                "Meldung bearbeiten".into(),
                self.links.clerk_report(report.id),
            )),
            footer: Vec::new(),
        }
        .into_mail(
            "new_report",
            MailTo::ContactOf(authority_key.to_owned()),
            true,
            subject,
            Some(report.id),
            None,
        )
    }

    /// The daily list of an authority's overdue reports; one per authority and day.
    pub fn digest(
        &self,
        to: &str,
        authority_key: &str,
        authority: &str,
        date: NaiveDate,
        overdue: &[MailReport<'_>],
    ) -> OutboxMail {
        let mut paragraphs = vec![format!(
            "{} hat {} Meldung(en), deren erste Reaktion überfällig ist (Stand {}):",
            authority,
            overdue.len(),
            date.format("%d.%m.%Y")
        )];
        paragraphs.extend(overdue.iter().map(|r| {
            format!(
                "• {} – „{}“ ({}): {}",
                r.category(true),
                excerpt(r.description),
                place(r, true),
                self.links.clerk_report(r.id)
            )
        }));
        Body {
            paragraphs,
            link: None,
            footer: vec![
                "Diese Übersicht kommt einmal täglich, solange Meldungen überfällig sind.".into(),
            ],
        }
        .into_mail(
            "digest",
            MailTo::Address(to.to_owned()),
            true,
            format!("Überfällige Meldungen: {} ({})", overdue.len(), authority),
            None,
            Some(format!("digest:{authority_key}:{date}")),
        )
    }

    /// A mail to a follower, with the one-click unsubscribe link in header and footer.
    fn to_follower(
        &self,
        mut body: Body,
        kind: &'static str,
        to: &Recipient<'_>,
        subject: String,
        report_id: Uuid,
        now: DateTime<Utc>,
    ) -> anyhow::Result<MailChanges> {
        let de = is_de(to.language);
        let (secret, token) = new_token(
            TokenPurpose::Unsubscribe,
            report_id,
            Some(to.follower_id),
            now + Duration::days(UNSUBSCRIBE_TOKEN_DAYS),
        )?;
        let unsubscribe = self.links.unsubscribe(&secret);
        body.footer.push(if de {
            format!("Keine E-Mails mehr zu dieser Meldung: {unsubscribe}")
        } else {
            format!("No more emails about this report: {unsubscribe}")
        });
        let mut mail = body.into_mail(
            kind,
            MailTo::Address(to.email.to_owned()),
            de,
            subject,
            Some(report_id),
            None,
        );
        mail.list_unsubscribe = Some(unsubscribe);
        Ok(MailChanges {
            mails: vec![mail],
            tokens: vec![token],
            ..MailChanges::default()
        })
    }
}

/// A random link secret and the token row that stores its hash.
fn new_token(
    purpose: TokenPurpose,
    report_id: Uuid,
    follower_id: Option<Uuid>,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<(String, NewToken)> {
    let secret = random_hex(32).map_err(|e| anyhow::anyhow!("drawing a mail token: {e}"))?;
    let token = NewToken {
        hash: secret_hash(&secret),
        purpose,
        report_id,
        follower_id,
        expires_at,
    };
    Ok((secret, token))
}

/// The public name of a status, with its traffic-light colour.
pub fn status_name(status: &str, de: bool) -> &'static str {
    match (status, de) {
        ("open", true) => "eingegangen (rot)",
        ("open", false) => "received (red)",
        ("in_progress", true) => "in Bearbeitung (gelb)",
        ("in_progress", false) => "in progress (yellow)",
        ("resolved", true) => "erledigt (grün)",
        ("resolved", false) => "fixed (green)",
        ("closed", true) => "abgeschlossen (gelb-grün)",
        ("closed", false) => "dealt with (yellow-green)",
        (_, true) => "unbestätigt",
        (_, false) => "unconfirmed",
    }
}

fn answer_paragraph(authority: &str, answer: &str, de: bool) -> String {
    if de {
        format!("Antwort von {authority}: {answer}")
    } else {
        format!("Answer from {authority}: {answer}")
    }
}

fn is_de(language: &str) -> bool {
    language != "en"
}

fn pick(de: bool, german: &str, english: &str) -> String {
    if de { german } else { english }.to_owned()
}

/// A report as a mail names it: its text (quoted), category and place.
fn about(report: &MailReport<'_>, de: bool) -> String {
    let (open, close) = if de { ('„', '“') } else { ('“', '”') };
    format!(
        "{open}{}{close} ({}, {})",
        excerpt(report.description),
        report.category(de),
        place(report, de)
    )
}

/// The address, or the coordinates when none was given.
fn place(report: &MailReport<'_>, de: bool) -> String {
    match report.address {
        Some(address) => address.to_owned(),
        None if de => format!("bei {:.5}, {:.5}", report.lat, report.lon),
        None => format!("at {:.5}, {:.5}", report.lat, report.lon),
    }
}

/// The first 200 characters of a description, so a subject line or list stays readable.
fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A mail's content before it becomes text and HTML.
struct Body {
    paragraphs: Vec<String>,
    link: Option<(String, String)>,
    footer: Vec<String>,
}

impl Body {
    fn into_mail(
        self,
        kind: &'static str,
        to: MailTo,
        de: bool,
        subject: String,
        report_id: Option<Uuid>,
        dedupe_key: Option<String>,
    ) -> OutboxMail {
        let mut text = self.paragraphs.join("\n\n");
        let mut html = String::from("<!DOCTYPE html>\n<html lang=\"");
        html.push_str(if de { "de" } else { "en" });
        html.push_str("\"><head><meta charset=\"utf-8\"><title>");
        html.push_str(&escape_html(&subject));
        html.push_str("</title></head><body>\n");
        for paragraph in &self.paragraphs {
            html.push_str(&format!("<p>{}</p>\n", escape_html(paragraph)));
        }
        if let Some((label, url)) = &self.link {
            text.push_str(&format!("\n\n{label}: {url}"));
            html.push_str(&format!(
                "<p><a href=\"{}\">{}</a></p>\n",
                escape_html(url),
                escape_html(label)
            ));
        }
        for line in &self.footer {
            text.push_str(&format!("\n\n-- \n{line}"));
            html.push_str(&format!("<p><small>{}</small></p>\n", escape_html(line)));
        }
        text.push('\n');
        html.push_str("</body></html>\n");
        OutboxMail {
            id: Uuid::now_v7(),
            kind,
            recipient: to,
            language: if de { "de" } else { "en" },
            subject,
            body_text: text,
            body_html: html,
            list_unsubscribe: None,
            report_id,
            dedupe_key,
        }
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let composer = Composer::new("http://example.org");
        let now = Utc::now();
        let changes = composer
            .confirm_report("a@example.org", "de", &report(), now)
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
        let composer = Composer::new("http://example.org");
        let mail = composer.new_report("11000001", &report(), None);
        assert!(mail.body_html.contains("Schlagloch &lt;groß&gt;"));
        assert!(mail.body_html.contains("Straßen &amp; Wege"));
        assert!(mail.body_text.contains("Schlagloch <groß>"));
    }

    #[test]
    fn follower_mails_have_one_click_unsubscribe_in_their_language() {
        let composer = Composer::new("http://example.org");
        let to = Recipient {
            follower_id: Uuid::now_v7(),
            email: "f@example.org",
            language: "en",
        };
        let update = PublicUpdate::Status {
            status: "resolved",
            answer: Some("Fixed today."),
        };
        let changes = composer
            .update(&to, &report(), &update, Utc::now())
            .unwrap();
        let mail = &changes.mails[0];
        assert_eq!(mail.subject, "Your report: fixed (green)");
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
    fn digests_are_keyed_per_authority_and_day() {
        let composer = Composer::new("http://example.org");
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let mail = composer.digest(
            "a@example.org",
            "11000001",
            "Bezirksamt Mitte",
            date,
            &[report()],
        );
        assert_eq!(
            mail.dedupe_key.as_deref(),
            Some("digest:11000001:2026-12-03")
        );
        assert!(mail.subject.starts_with("Überfällige Meldungen: 1"));
    }

    #[test]
    fn long_descriptions_are_cut_on_a_character_boundary() {
        let long = "ä".repeat(300);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
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
                let secret = ["/mail/confirm/", "/mail/unsubscribe/"]
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
        let composer = Composer::new("https://buergerbuero.example/");
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
        for language in ["de", "en"] {
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
                    status: "in_progress",
                    answer: Some("Wir sind dran & <bald> fertig."),
                },
                PublicUpdate::Status {
                    status: "resolved",
                    answer: None,
                },
                PublicUpdate::Status {
                    status: "closed",
                    answer: Some("Privatgelände."),
                },
                PublicUpdate::Status {
                    status: "open",
                    answer: Some("Wieder offen."),
                },
                PublicUpdate::Answer("Danke für den Hinweis."),
                PublicUpdate::Forwarded { to: "Amt <Pankow>" },
            ];
            for update in &updates {
                let changes = composer.update(&to, &plain, update, now).unwrap();
                snapshot(&mut out, "update", &changes);
            }
            let changes = composer.confirm_follow(&to, &addressed, now).unwrap();
            snapshot(&mut out, "confirm_follow", &changes);
        }
        let mail = composer.new_report("11000001", &plain, None);
        snapshot(
            &mut out,
            "new_report",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );
        let mail = composer.new_report("11000002", &addressed, Some("Bezirksamt <Mitte>"));
        snapshot(
            &mut out,
            "forwarded",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );
        let date = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let mail = composer.digest(
            "a@example.org",
            "11000001",
            "Bezirksamt Mitte",
            date,
            &[plain, addressed],
        );
        snapshot(
            &mut out,
            "digest",
            &MailChanges {
                mails: vec![mail],
                ..Default::default()
            },
        );

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
