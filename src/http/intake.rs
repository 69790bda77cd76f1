//! The filing front door both APIs share (`POST /api/v1/reports` and Open311's
//! `POST /requests`): the per-address rate limit, the body's media type, and reading a body
//! within its limits — whole, or as a multipart of text fields and files. What is refused
//! here is an [`IntakeRefusal`]; each API renders it in its own error format, then hands the
//! filing to the one use case, [`crate::filing::file_report`].

use std::net::IpAddr;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use super::AppState;
use crate::filing::MAX_PHOTOS;
use crate::photos::PhotoLimits;

/// Largest text field of a multipart filing.
pub const TEXT_FIELD_LIMIT: usize = 16 * 1024;

/// Why a filing was refused at the door, before its content was looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeRefusal {
    /// Too many filings from this address; try again after this many seconds.
    RateLimited {
        /// Whole seconds, at least 1.
        retry_after_secs: u64,
    },
    /// The body could not be read, or the multipart is malformed.
    Unreadable(String),
    /// The whole body is larger than its limit.
    BodyTooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// A text field of a multipart is larger than [`TEXT_FIELD_LIMIT`].
    FieldTooLarge {
        /// The field's name.
        field: String,
        /// The limit.
        max_bytes: usize,
    },
    /// A file of a multipart is larger than a photo may be.
    FileTooLarge {
        /// Which file (0-based).
        index: usize,
        /// The limit.
        max_bytes: usize,
    },
    /// A text field of a multipart is not UTF-8.
    NotUtf8 {
        /// The field's name.
        field: String,
    },
    /// More than [`MAX_PHOTOS`] files.
    TooManyFiles,
}

/// Admits a filing under the per-address rate limit.
pub async fn admit(state: &AppState, request: &HttpRequest) -> Result<(), IntakeRefusal> {
    let client = client_address(request, state.settings.trust_forwarded_for);
    state
        .rate_limiter
        .admit(client)
        .await
        .map_err(|wait| IntakeRefusal::RateLimited {
            retry_after_secs: retry_after_secs(wait),
        })
}

/// A wait as `Retry-After` seconds: rounded up (a client that obeys must find a token), at
/// least 1.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    u64::try_from(wait.as_millis().div_ceil(1000))
        .unwrap_or(u64::MAX)
        .max(1)
}

/// The client's address for rate limiting: the peer, or behind a trusted proxy the last
/// `X-Forwarded-For` hop.
pub fn client_address(request: &HttpRequest, trust_forwarded_for: bool) -> IpAddr {
    let forwarded = trust_forwarded_for
        .then(|| request.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|hop| hop.trim().parse().ok());
    forwarded
        .or_else(|| request.peer_addr().map(|a| a.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// The body's media type, lower-cased, without its parameters (`; charset=utf-8`,
/// `; boundary=…`), to be compared whole: `application/jsonx` is not JSON.
pub fn media_type(request: &HttpRequest) -> String {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Reads a whole body of at most `max_bytes`.
pub async fn read_body(
    mut payload: web::Payload,
    max_bytes: usize,
) -> Result<web::BytesMut, IntakeRefusal> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| IntakeRefusal::Unreadable(e.to_string()))?;
        if body.len() + chunk.len() > max_bytes {
            return Err(IntakeRefusal::BodyTooLarge { max_bytes });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A multipart body: its text fields in order, and its files.
#[derive(Debug, Default)]
pub struct MultipartBody {
    /// Name and text of each field that is not a file, in the order sent.
    pub fields: Vec<(String, String)>,
    /// The files, in the order sent.
    pub files: Vec<Vec<u8>>,
}

/// Reads a multipart body whose fields named `file_field` are photo files (at most
/// [`MAX_PHOTOS`], each within the photo size limit) and whose other fields are UTF-8 text
/// of at most [`TEXT_FIELD_LIMIT`] bytes. Stops at the first field over its limit, so no
/// client can make the server buffer more than the limits allow.
pub async fn read_multipart(
    mut form: Multipart,
    file_field: &str,
) -> Result<MultipartBody, IntakeRefusal> {
    let max_photo = PhotoLimits::default().max_bytes;
    let mut body = MultipartBody::default();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| IntakeRefusal::Unreadable(e.to_string()))?;
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == file_field;
        if is_file && body.files.len() == MAX_PHOTOS {
            return Err(IntakeRefusal::TooManyFiles);
        }
        let limit = if is_file { max_photo } else { TEXT_FIELD_LIMIT };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| IntakeRefusal::Unreadable(e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                return Err(if is_file {
                    IntakeRefusal::FileTooLarge {
                        index: body.files.len(),
                        max_bytes: limit,
                    }
                } else {
                    IntakeRefusal::FieldTooLarge {
                        field: name,
                        max_bytes: limit,
                    }
                });
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            body.files.push(bytes);
        } else {
            let text = String::from_utf8(bytes).map_err(|_| IntakeRefusal::NotUtf8 {
                field: name.clone(),
            })?;
            body.fields.push((name, text));
        }
    }
    Ok(body)
}
