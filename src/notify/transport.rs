//! Where mails go: an SMTP server (lettre, plain / STARTTLS / TLS as the URL says), or `.eml`
//! files under the data directory when no server is configured.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::store::notify::MailRow;

/// Why a delivery failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct DeliveryError {
    /// The server refused for good (bad address, policy): retrying will not help.
    pub permanent: bool,
    /// What happened.
    pub message: String,
}

impl DeliveryError {
    fn transient(message: impl Into<String>) -> Self {
        Self {
            permanent: false,
            message: message.into(),
        }
    }

    fn permanent(message: impl Into<String>) -> Self {
        Self {
            permanent: true,
            message: message.into(),
        }
    }
}

/// A configured way of delivering mail.
pub enum Transport {
    /// Through an SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// As `<outbox id>.eml` files in a directory (no SMTP server configured).
    Files(PathBuf),
}

impl Transport {
    /// SMTP when `smtp_url` is set (`smtp://host:port` plain, `smtp://…?tls=required` for
    /// STARTTLS, `smtps://…` for TLS, credentials as `user:password@`), else files under
    /// `<data_dir>/mail`.
    pub fn new(
        smtp_url: Option<&str>,
        data_dir: &std::path::Path,
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        match smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("BUERGERBUERO_SMTP_URL is not usable: {e}"))?
                    .timeout(Some(timeout))
                    .build();
                Ok(Self::Smtp(transport))
            }
            None => {
                let dir = data_dir.join("mail");
                std::fs::create_dir_all(&dir).with_context(|| {
                    format!(
                        "cannot create the mail directory {} (BUERGERBUERO_DATA_DIR)",
                        dir.display()
                    )
                })?;
                Ok(Self::Files(dir))
            }
        }
    }

    /// Delivers one outbox row from `from`.
    pub async fn deliver(&self, mail: &MailRow, from: &Mailbox) -> Result<(), DeliveryError> {
        let message = build_message(mail, from)?;
        match self {
            Self::Smtp(transport) => transport.send(message).await.map(|_| ()).map_err(|e| {
                let message = format!("SMTP: {e}");
                if e.is_permanent() {
                    DeliveryError::permanent(message)
                } else {
                    DeliveryError::transient(message)
                }
            }),
            Self::Files(dir) => {
                // Named by the outbox id and renamed into place: a repeated delivery replaces
                // the file instead of adding a second one, and a reader never sees half a mail.
                let path = dir.join(format!("{}.eml", mail.id));
                let partial = dir.join(format!(".{}.eml.partial", mail.id));
                tokio::fs::write(&partial, message.formatted())
                    .await
                    .map_err(|e| {
                        DeliveryError::transient(format!("writing {}: {e}", partial.display()))
                    })?;
                tokio::fs::rename(&partial, &path).await.map_err(|e| {
                    DeliveryError::transient(format!("renaming to {}: {e}", path.display()))
                })
            }
        }
    }
}

/// The RFC 5322 message of an outbox row: plain text and HTML alternatives, a Message-ID
/// derived from the row id (the same on every attempt, so receivers can spot a repeat), and
/// `List-Unsubscribe` with one-click `List-Unsubscribe-Post` (RFC 8058) where it applies.
pub fn build_message(mail: &MailRow, from: &Mailbox) -> Result<Message, DeliveryError> {
    let to: Mailbox = mail.recipient.parse().map_err(|e| {
        DeliveryError::permanent(format!("recipient {:?} is invalid: {e}", mail.recipient))
    })?;
    let (Some(text), Some(html)) = (&mail.body_text, &mail.body_html) else {
        return Err(DeliveryError::permanent(
            "the mail has no body any more (it was sent before)",
        ));
    };
    let domain = from.email.domain().to_owned();
    let mut builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .date(mail.created_at.into())
        .message_id(Some(format!("<{}@{domain}>", mail.id)));
    if let Some(url) = &mail.list_unsubscribe {
        builder = builder
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".into(),
            ));
    }
    builder
        .multipart(MultiPart::alternative_plain_html(
            text.clone(),
            html.clone(),
        ))
        .map_err(|e| DeliveryError::permanent(format!("building the message: {e}")))
}
