//! The mails' texts: one askama template per mail, language and format under `templates/mail/`,
//! filled from plain data. Nothing here draws tokens or reads anything: the composer passes the
//! finished links in.
//!
//! A plain-text template starts with `Subject: …` and an empty line; the rest is the body. The
//! HTML template gets that subject for its `<title>` and escapes every value (HTML escaping is
//! automatic for `.html` templates, see `askama.toml`).

use askama::Template;
use chrono::NaiveDate;

use super::compose::PublicUpdate;
use crate::domain::{Language, Light};

/// What a mail says about a report, in the mail's language.
#[derive(Debug, Clone)]
pub struct ReportFacts<'a> {
    /// The start of the description (see [`excerpt`]).
    pub excerpt: String,
    /// The category's name in the mail's language.
    pub category: &'a str,
    /// The address the citizen gave, if any.
    pub address: Option<&'a str>,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// The responsible authority's name.
    pub authority: &'a str,
}

/// The double opt-in mail for a report filed with an address.
#[derive(Debug, Clone)]
pub struct ConfirmReport<'a> {
    /// The report.
    pub report: ReportFacts<'a>,
    /// The confirmation link.
    pub confirm_url: &'a str,
    /// How many days the link works.
    pub days: i64,
    /// The link that removes the recipient's address from the report (DSGVO Art. 17).
    pub erase_url: &'a str,
}

/// The receipt with the tracking link, once the report is open.
#[derive(Debug, Clone)]
pub struct Receipt<'a> {
    /// The report.
    pub report: ReportFacts<'a>,
    /// The report's public page.
    pub track_url: &'a str,
    /// The one-click unsubscribe link.
    pub unsubscribe_url: &'a str,
    /// The link that removes the recipient's address from the report (DSGVO Art. 17).
    pub erase_url: &'a str,
}

/// A public change, to the reporter or a follower.
#[derive(Debug, Clone)]
pub struct Update<'a> {
    /// The report.
    pub report: ReportFacts<'a>,
    /// What changed.
    pub news: PublicUpdate<'a>,
    /// The report's public page.
    pub track_url: &'a str,
    /// Where to say "still not fixed" or "confirmed fixed" (green and yellow-green news).
    pub feedback_url: Option<&'a str>,
    /// The one-click unsubscribe link.
    pub unsubscribe_url: &'a str,
    /// The link that removes the recipient's address from the report (DSGVO Art. 17).
    pub erase_url: &'a str,
}

/// The double opt-in mail for someone who wants to follow a report.
#[derive(Debug, Clone)]
pub struct ConfirmFollow<'a> {
    /// The report.
    pub report: ReportFacts<'a>,
    /// The confirmation link.
    pub confirm_url: &'a str,
    /// How many days the link works.
    pub days: i64,
    /// The link that removes the recipient's address from the report (DSGVO Art. 17).
    pub erase_url: &'a str,
}

/// The double opt-in mail for someone who supports a report ("me too") with an address.
#[derive(Debug, Clone)]
pub struct ConfirmSupport<'a> {
    /// The report.
    pub report: ReportFacts<'a>,
    /// The confirmation link.
    pub confirm_url: &'a str,
    /// How many days the link works.
    pub days: i64,
    /// Whether confirming also makes the address a follower.
    pub follow: bool,
}

/// A new or forwarded report, to the authority (German only: authorities are German
/// administrations).
#[derive(Debug, Clone)]
pub struct NewReport<'a> {
    /// The report, in German.
    pub report: ReportFacts<'a>,
    /// The whole description (the clerk should not need to click to read it).
    pub description: &'a str,
    /// The authority that forwarded it, if one did.
    pub forwarded_from: Option<&'a str>,
    /// The report in the clerk workspace.
    pub clerk_url: &'a str,
}

/// The daily list of an authority's overdue reports (German only).
#[derive(Debug, Clone)]
pub struct Digest<'a> {
    /// The authority's name.
    pub authority: &'a str,
    /// The day it is for.
    pub date: NaiveDate,
    /// The overdue reports.
    pub reports: Vec<DigestEntry<'a>>,
}

/// A clerk's daily list: the overdue reports they have taken on, and what nobody of their
/// authorities has taken on yet (German only, like the authority's digest).
#[derive(Debug, Clone)]
pub struct ClerkDigest<'a> {
    /// The clerk's display name.
    pub name: &'a str,
    /// The day it is for.
    pub date: NaiveDate,
    /// Reports assigned to the clerk whose first reaction is overdue.
    pub overdue: Vec<DigestEntry<'a>>,
    /// Open reports nobody has taken on (at most [`CLERK_DIGEST_LIST`]).
    pub unassigned: Vec<DigestEntry<'a>>,
    /// How many unassigned reports the list leaves out.
    pub more_unassigned: usize,
}

/// How many unassigned reports a clerk's digest lists by name.
pub const CLERK_DIGEST_LIST: usize = 50;

/// One overdue report in a digest.
#[derive(Debug, Clone)]
pub struct DigestEntry<'a> {
    /// The report, in German.
    pub report: ReportFacts<'a>,
    /// The report in the clerk workspace.
    pub clerk_url: String,
}

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text body, ending in one newline.
    pub text: String,
    /// The HTML body, ending in one newline.
    pub html: String,
}

/// A mail's data, rendered with its templates in a language.
pub trait Mail {
    /// Subject, plain text and HTML in `language`.
    fn render(&self, language: Language) -> anyhow::Result<Rendered>;
}

impl Mail for ConfirmReport<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(ConfirmReportText::De { mail: self }, |subject| {
                ConfirmReportHtml::De {
                    mail: self,
                    subject,
                }
            }),
            Language::En => render(ConfirmReportText::En { mail: self }, |subject| {
                ConfirmReportHtml::En {
                    mail: self,
                    subject,
                }
            }),
        }
    }
}

impl Mail for Receipt<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(ReceiptText::De { mail: self }, |subject| ReceiptHtml::De {
                mail: self,
                subject,
            }),
            Language::En => render(ReceiptText::En { mail: self }, |subject| ReceiptHtml::En {
                mail: self,
                subject,
            }),
        }
    }
}

impl Mail for Update<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(UpdateText::De { mail: self }, |subject| UpdateHtml::De {
                mail: self,
                subject,
            }),
            Language::En => render(UpdateText::En { mail: self }, |subject| UpdateHtml::En {
                mail: self,
                subject,
            }),
        }
    }
}

impl Mail for ConfirmFollow<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(ConfirmFollowText::De { mail: self }, |subject| {
                ConfirmFollowHtml::De {
                    mail: self,
                    subject,
                }
            }),
            Language::En => render(ConfirmFollowText::En { mail: self }, |subject| {
                ConfirmFollowHtml::En {
                    mail: self,
                    subject,
                }
            }),
        }
    }
}

impl Mail for ConfirmSupport<'_> {
    fn render(&self, language: Language) -> anyhow::Result<Rendered> {
        match language {
            Language::De => render(ConfirmSupportText::De { mail: self }, |subject| {
                ConfirmSupportHtml::De {
                    mail: self,
                    subject,
                }
            }),
            Language::En => render(ConfirmSupportText::En { mail: self }, |subject| {
                ConfirmSupportHtml::En {
                    mail: self,
                    subject,
                }
            }),
        }
    }
}

impl NewReport<'_> {
    /// Subject, plain text and HTML, in German.
    pub fn render(&self) -> anyhow::Result<Rendered> {
        render(NewReportText { mail: self }, |subject| NewReportHtml {
            mail: self,
            subject,
        })
    }
}

impl Digest<'_> {
    /// Subject, plain text and HTML, in German.
    pub fn render(&self) -> anyhow::Result<Rendered> {
        render(DigestText { mail: self }, |subject| DigestHtml {
            mail: self,
            subject,
        })
    }
}

impl ClerkDigest<'_> {
    /// Subject, plain text and HTML, in German.
    pub fn render(&self) -> anyhow::Result<Rendered> {
        render(ClerkDigestText { mail: self }, |subject| ClerkDigestHtml {
            mail: self,
            subject,
        })
    }
}

/// Renders the plain text, splits off its subject line, and renders the HTML with it.
pub(crate) fn render<T: Template, H: Template>(
    text: T,
    html: impl FnOnce(String) -> H,
) -> anyhow::Result<Rendered> {
    let whole = text
        .render()
        .map_err(|e| anyhow::anyhow!("rendering a mail's text: {e}"))?;
    let (subject, body) = whole
        .strip_prefix("Subject: ")
        .and_then(|rest| rest.split_once("\n\n"))
        .ok_or_else(|| {
            anyhow::anyhow!("a mail's text template does not start with a subject line")
        })?;
    let html = html(subject.to_owned())
        .render()
        .map_err(|e| anyhow::anyhow!("rendering a mail's HTML: {e}"))?;
    Ok(Rendered {
        subject: subject.to_owned(),
        text: one_final_newline(body),
        html: one_final_newline(&html),
    })
}

/// A body ends in exactly one newline, whatever an editor left at the end of its template (askama
/// drops one final newline of a template file).
fn one_final_newline(body: &str) -> String {
    let mut body = body.trim_end().to_owned();
    body.push('\n');
    body
}

/// The first 200 characters of a description, so a subject line or list stays readable.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 200;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

// The template types: one per mail and format, with a variant per language where a mail has
// both. Their fields are what the template files see.

#[derive(Template)]
#[template(ext = "txt")]
enum ConfirmReportText<'a> {
    #[template(path = "mail/de/confirm_report.txt")]
    De { mail: &'a ConfirmReport<'a> },
    #[template(path = "mail/en/confirm_report.txt")]
    En { mail: &'a ConfirmReport<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum ConfirmReportHtml<'a> {
    #[template(path = "mail/de/confirm_report.html")]
    De {
        mail: &'a ConfirmReport<'a>,
        subject: String,
    },
    #[template(path = "mail/en/confirm_report.html")]
    En {
        mail: &'a ConfirmReport<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(ext = "txt")]
enum ReceiptText<'a> {
    #[template(path = "mail/de/receipt.txt")]
    De { mail: &'a Receipt<'a> },
    #[template(path = "mail/en/receipt.txt")]
    En { mail: &'a Receipt<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum ReceiptHtml<'a> {
    #[template(path = "mail/de/receipt.html")]
    De {
        mail: &'a Receipt<'a>,
        subject: String,
    },
    #[template(path = "mail/en/receipt.html")]
    En {
        mail: &'a Receipt<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(ext = "txt")]
enum UpdateText<'a> {
    #[template(path = "mail/de/update.txt")]
    De { mail: &'a Update<'a> },
    #[template(path = "mail/en/update.txt")]
    En { mail: &'a Update<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum UpdateHtml<'a> {
    #[template(path = "mail/de/update.html")]
    De {
        mail: &'a Update<'a>,
        subject: String,
    },
    #[template(path = "mail/en/update.html")]
    En {
        mail: &'a Update<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(ext = "txt")]
enum ConfirmFollowText<'a> {
    #[template(path = "mail/de/confirm_follow.txt")]
    De { mail: &'a ConfirmFollow<'a> },
    #[template(path = "mail/en/confirm_follow.txt")]
    En { mail: &'a ConfirmFollow<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum ConfirmFollowHtml<'a> {
    #[template(path = "mail/de/confirm_follow.html")]
    De {
        mail: &'a ConfirmFollow<'a>,
        subject: String,
    },
    #[template(path = "mail/en/confirm_follow.html")]
    En {
        mail: &'a ConfirmFollow<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(ext = "txt")]
enum ConfirmSupportText<'a> {
    #[template(path = "mail/de/confirm_support.txt")]
    De { mail: &'a ConfirmSupport<'a> },
    #[template(path = "mail/en/confirm_support.txt")]
    En { mail: &'a ConfirmSupport<'a> },
}

#[derive(Template)]
#[template(ext = "html")]
enum ConfirmSupportHtml<'a> {
    #[template(path = "mail/de/confirm_support.html")]
    De {
        mail: &'a ConfirmSupport<'a>,
        subject: String,
    },
    #[template(path = "mail/en/confirm_support.html")]
    En {
        mail: &'a ConfirmSupport<'a>,
        subject: String,
    },
}

#[derive(Template)]
#[template(path = "mail/de/new_report.txt")]
struct NewReportText<'a> {
    mail: &'a NewReport<'a>,
}

#[derive(Template)]
#[template(path = "mail/de/new_report.html")]
struct NewReportHtml<'a> {
    mail: &'a NewReport<'a>,
    subject: String,
}

#[derive(Template)]
#[template(path = "mail/de/digest.txt")]
struct DigestText<'a> {
    mail: &'a Digest<'a>,
}

#[derive(Template)]
#[template(path = "mail/de/digest.html")]
struct DigestHtml<'a> {
    mail: &'a Digest<'a>,
    subject: String,
}

#[derive(Template)]
#[template(path = "mail/de/clerk_digest.txt")]
struct ClerkDigestText<'a> {
    mail: &'a ClerkDigest<'a>,
}

#[derive(Template)]
#[template(path = "mail/de/clerk_digest.html")]
struct ClerkDigestHtml<'a> {
    mail: &'a ClerkDigest<'a>,
    subject: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_descriptions_are_cut_on_a_character_boundary() {
        let long = "ä".repeat(300);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with('…'));
    }
}
