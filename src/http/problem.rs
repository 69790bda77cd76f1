//! Errors as RFC 9457 `application/problem+json`, one stable `type` per kind of problem.
//!
//! Handlers return [`ApiError`]; domain and store errors convert into it here, so every error
//! the service sends has the same shape. Messages come in English (`detail`) and German
//! (`detail_de`). Server errors are logged with their cause chain and answered generically.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// One invalid field, in the `errors` list of a 400 problem (and of the 422 for an unknown
/// category, so a form can mark the field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The parameter or body field.
    pub field: String,
    /// What is wrong with it (English).
    pub detail: String,
}

/// An error answer of the API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A parameter or field is missing or malformed (400).
    #[error("{field}: {detail}")]
    InvalidParameter {
        /// The parameter.
        field: String,
        /// English explanation.
        detail: String,
        /// German explanation.
        detail_de: String,
    },
    /// Several fields of a request body are invalid (400); each is listed.
    #[error("invalid fields")]
    InvalidFields(Vec<(String, String)>),
    /// The body is not JSON or multipart form data (415).
    #[error("unsupported media type")]
    UnsupportedMediaType {
        /// The accepted media types.
        accepted: &'static str,
    },
    /// The body is larger than allowed (413).
    #[error("payload too large")]
    PayloadTooLarge {
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// A photo was refused (413, 415 or 422, by the photo pipeline's verdict).
    #[error("photo {index}: {error}")]
    Photo {
        /// Which upload (0-based).
        index: usize,
        /// Why.
        error: crate::photos::PhotoError,
    },
    /// An `Idempotency-Key` was sent again with a different request (422).
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// The client files too fast (429).
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the next filing is accepted.
        retry_after_secs: u64,
    },
    /// The point lies outside Berlin, Brandenburg and MV (422).
    #[error("outside the service area")]
    OutsideServiceArea,
    /// A well-formed category code that names no category a report can be filed under (422):
    /// the request is valid, but there is nothing to route it by.
    #[error("unknown category {0:?}")]
    UnknownCategory(String),
    /// A well-formed key or id in the body that names nothing the service has (422): an
    /// authority, a report. Like `UnknownCategory`: valid, but nothing to act on.
    #[error("{field}: unknown {detail}")]
    UnknownReference {
        /// The field.
        field: String,
        /// English explanation.
        detail: String,
        /// German explanation.
        detail_de: String,
    },
    /// A limit per person was reached (422), e.g. the area alerts an address may hold.
    /// English and German explanations.
    #[error("limit reached: {0}")]
    LimitReached(String, String),
    /// No such resource (404).
    #[error("not found")]
    NotFound,
    /// A link from a mail whose time ran out (410).
    #[error("link expired")]
    LinkExpired,
    /// No valid session or API token (401).
    #[error("unauthorized")]
    Unauthorized,
    /// Signed in, but not allowed (403): a missing CSRF token, or an admin-only route.
    /// English and German explanations.
    #[error("forbidden: {0}")]
    Forbidden(String, String),
    /// Too many failed log-ins for this email: wait (429).
    #[error("log-in blocked")]
    LoginBlocked {
        /// Seconds until the next attempt is accepted.
        retry_after_secs: u64,
    },
    /// The report's state does not allow the action (409).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// Someone changed the report at the same time (409): reload and retry.
    #[error("edit conflict")]
    EditConflict,
    /// The thing to create exists already (409). English and German explanations.
    #[error("duplicate: {0}")]
    Duplicate(String, String),
    /// The resource exists but not with this method (405).
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the resource accepts, for the `Allow` header.
        allow: String,
    },
    /// The request could not be read as HTTP/1.1 (400): a control character in a header, a
    /// request target longer than the URI limit, a broken head. Answered by `http::wire`.
    #[error("malformed request")]
    MalformedRequest,
    /// The request head has more headers or bytes than the server reads (431).
    #[error("request header fields too large")]
    HeaderFieldsTooLarge,
    /// The request head did not arrive in time (408).
    #[error("request timeout")]
    RequestTimeout,
    /// A required dependency (the database, the photo storage) is not reachable (503).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or an unexpected failure (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 400 for `field` with English and German explanations.
    pub fn invalid(
        field: impl Into<String>,
        detail: impl Into<String>,
        detail_de: impl Into<String>,
    ) -> Self {
        ApiError::InvalidParameter {
            field: field.into(),
            detail: detail.into(),
            detail_de: detail_de.into(),
        }
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::InvalidParameter { .. } | ApiError::InvalidFields(_) => {
                ("invalid-parameter", "Invalid parameter")
            }
            ApiError::UnsupportedMediaType { .. } => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::PayloadTooLarge { .. } => ("payload-too-large", "Payload too large"),
            ApiError::Photo { error, .. } => (error.slug(), error.title()),
            ApiError::IdempotencyKeyReused => ("idempotency-key-reused", "Idempotency key reused"),
            ApiError::TooManyRequests { .. } => ("rate-limited", "Too many requests"),
            ApiError::OutsideServiceArea => ("outside-service-area", "Outside the service area"),
            ApiError::UnknownCategory(_) => ("unknown-category", "Unknown category"),
            ApiError::UnknownReference { .. } => ("unknown-reference", "Unknown reference"),
            ApiError::LimitReached(..) => ("limit-reached", "Limit reached"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::LinkExpired => ("link-expired", "Link expired"),
            ApiError::Unauthorized => ("unauthorized", "Not signed in"),
            ApiError::Forbidden(..) => ("forbidden", "Forbidden"),
            ApiError::LoginBlocked { .. } => ("login-blocked", "Too many failed log-ins"),
            ApiError::NotAllowed(_) => ("not-allowed", "Not allowed in this state"),
            ApiError::EditConflict => ("edit-conflict", "Changed concurrently"),
            ApiError::Duplicate(..) => ("duplicate", "Exists already"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::MalformedRequest => ("malformed-request", "Malformed request"),
            ApiError::HeaderFieldsTooLarge => (
                "request-header-fields-too-large",
                "Request header fields too large",
            ),
            ApiError::RequestTimeout => ("request-timeout", "Request timeout"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    fn details(&self) -> (String, String) {
        match self {
            ApiError::InvalidParameter {
                detail, detail_de, ..
            }
            | ApiError::UnknownReference {
                detail, detail_de, ..
            } => (detail.clone(), detail_de.clone()),
            ApiError::InvalidFields(errors) => (
                format!(
                    "{} field(s) are invalid: {}",
                    errors.len(),
                    errors.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ")
                ),
                format!(
                    "Ungültige Angaben: {}",
                    errors.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>().join(", ")
                ),
            ),
            ApiError::UnsupportedMediaType { accepted } => (
                format!("Send the request body as {accepted}."),
                format!("Bitte senden Sie den Inhalt der Anfrage als {accepted}."),
            ),
            ApiError::PayloadTooLarge { max_bytes } => (
                format!("The request body is larger than {max_bytes} bytes."),
                format!("Der Inhalt der Anfrage ist größer als {max_bytes} Bytes."),
            ),
            ApiError::Photo { index, error } => (
                format!("Photo {}: {}", index + 1, error.detail()),
                format!("Foto {}: {}", index + 1, error.detail_de()),
            ),
            ApiError::IdempotencyKeyReused => (
                "This Idempotency-Key was already used for a different report. Use a new key for a new report.".into(),
                "Dieser Idempotency-Key wurde schon für eine andere Meldung verwendet. Bitte nutzen Sie für eine neue Meldung einen neuen Schlüssel.".into(),
            ),
            ApiError::TooManyRequests { retry_after_secs } => (
                format!("Too many reports from your address. Please try again in {retry_after_secs} s."),
                format!("Zu viele Meldungen von Ihrer Adresse. Bitte versuchen Sie es in {retry_after_secs} s erneut."),
            ),
            ApiError::OutsideServiceArea => (
                "This place lies outside Berlin, Brandenburg and Mecklenburg-Vorpommern, so no authority here can take a report for it.".into(),
                "Dieser Ort liegt außerhalb von Berlin, Brandenburg und Mecklenburg-Vorpommern; keine Behörde dieses Dienstes ist dafür zuständig.".into(),
            ),
            ApiError::UnknownCategory(code) => (
                format!("There is no category {code:?}; see GET /api/v1/categories."),
                format!("Die Kategorie {code:?} gibt es nicht; siehe GET /api/v1/categories."),
            ),
            ApiError::NotFound => (
                "There is nothing at this address.".into(),
                "Unter dieser Adresse gibt es nichts.".into(),
            ),
            ApiError::LinkExpired => (
                "This link from an email no longer works. Confirmation links work for 7 days; file the report again or ask to follow it again.".into(),
                "Dieser Link aus einer E-Mail gilt nicht mehr. Bestätigungslinks gelten 7 Tage; bitte melden Sie erneut oder folgen Sie der Meldung erneut.".into(),
            ),
            ApiError::Unauthorized => (
                "Sign in (POST /api/v1/admin/login) or send a valid API token as Authorization: Bearer. Wrong email or password, an expired session and a revoked token all end here.".into(),
                "Bitte melden Sie sich an (POST /api/v1/admin/login) oder senden Sie ein gültiges API-Token. E-Mail oder Passwort falsch, Sitzung abgelaufen oder Token widerrufen.".into(),
            ),
            ApiError::Forbidden(en, de)
            | ApiError::Duplicate(en, de)
            | ApiError::LimitReached(en, de) => (en.clone(), de.clone()),
            ApiError::LoginBlocked { retry_after_secs } => (
                format!("Too many failed log-ins for this account. Try again in {retry_after_secs} s."),
                format!("Zu viele fehlgeschlagene Anmeldungen für dieses Konto. Bitte versuchen Sie es in {retry_after_secs} s erneut."),
            ),
            ApiError::NotAllowed(reason) => (
                format!("Not possible now: {reason}."),
                format!("Das ist im aktuellen Zustand der Meldung nicht möglich ({reason})."),
            ),
            ApiError::EditConflict => (
                "Someone changed this report at the same time. Reload it and try again.".into(),
                "Jemand hat die Meldung gleichzeitig geändert. Bitte laden Sie sie neu und versuchen Sie es noch einmal.".into(),
            ),
            ApiError::MethodNotAllowed { allow } => (
                format!("This resource accepts only {allow}."),
                format!("Diese Ressource erlaubt nur {allow}."),
            ),
            ApiError::MalformedRequest => (
                format!("The request is not valid HTTP/1.1: a header holds a control character, the request target is longer than {} bytes, or the head is broken otherwise.", crate::http::wire::MAX_URI_BYTES),
                "Die Anfrage ist kein gültiges HTTP/1.1: ein Header enthält ein Steuerzeichen, die Adresse ist zu lang, oder der Kopf der Anfrage ist anders fehlerhaft.".into(),
            ),
            ApiError::HeaderFieldsTooLarge => (
                format!("The request has more than {} headers or more than {} bytes of head.", crate::http::wire::MAX_HEADERS, crate::http::wire::MAX_HEAD_BYTES),
                format!("Die Anfrage hat mehr als {} Header oder mehr als {} Bytes Kopf.", crate::http::wire::MAX_HEADERS, crate::http::wire::MAX_HEAD_BYTES),
            ),
            ApiError::RequestTimeout => (
                "The request head did not arrive in time.".into(),
                "Der Kopf der Anfrage kam nicht rechtzeitig an.".into(),
            ),
            ApiError::Unavailable(_) => (
                "The service cannot reach its database or its photo storage right now. Please try again shortly.".into(),
                "Der Dienst erreicht seine Datenbank oder seinen Fotospeicher gerade nicht. Bitte versuchen Sie es gleich noch einmal.".into(),
            ),
            ApiError::Internal(_) => (
                "Something went wrong on our side. It has been logged.".into(),
                "Bei uns ist ein Fehler aufgetreten. Er wurde protokolliert.".into(),
            ),
        }
    }
}

/// The problem document.
#[derive(Debug, Serialize)]
struct Problem {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    detail_de: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    /// `/readyz` only: each dependency's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    checks: Option<serde_json::Value>,
}

/// Media type of problem documents.
pub const PROBLEM_JSON: &str = "application/problem+json";

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::InvalidParameter { .. } | ApiError::InvalidFields(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Photo { error, .. } => {
                StatusCode::from_u16(error.status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY)
            }
            ApiError::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::OutsideServiceArea
            | ApiError::UnknownCategory(_)
            | ApiError::UnknownReference { .. }
            | ApiError::LimitReached(..) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::LinkExpired => StatusCode::GONE,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(..) => StatusCode::FORBIDDEN,
            ApiError::LoginBlocked { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::NotAllowed(_) | ApiError::EditConflict | ApiError::Duplicate(..) => {
                StatusCode::CONFLICT
            }
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::MalformedRequest => StatusCode::BAD_REQUEST,
            ApiError::HeaderFieldsTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        self.problem_response(None)
    }
}

impl ApiError {
    /// The problem document with `/readyz`'s per-dependency detail added as `checks`.
    pub fn response_with_checks(&self, checks: serde_json::Value) -> HttpResponse {
        self.problem_response(Some(checks))
    }

    fn problem_response(&self, checks: Option<serde_json::Value>) -> HttpResponse {
        match self {
            ApiError::Internal(error) => tracing::error!(error = ?error, "request failed"),
            ApiError::Unavailable(reason) => tracing::warn!(%reason, "dependency unavailable"),
            _ => {}
        }
        let (slug, title) = self.kind();
        let (detail, detail_de) = self.details();
        let errors = match self {
            ApiError::InvalidParameter { field, detail, .. }
            | ApiError::UnknownReference { field, detail, .. } => vec![FieldError {
                field: field.clone(),
                detail: detail.clone(),
            }],
            ApiError::UnknownCategory(_) => vec![FieldError {
                field: "category".into(),
                detail: detail.clone(),
            }],
            ApiError::InvalidFields(errors) => errors
                .iter()
                .map(|(field, detail)| FieldError {
                    field: field.clone(),
                    detail: detail.clone(),
                })
                .collect(),
            ApiError::Photo { index, .. } => vec![FieldError {
                field: format!("photo[{index}]"),
                detail: detail.clone(),
            }],
            _ => Vec::new(),
        };
        let mut response = HttpResponse::build(self.status_code());
        response.content_type(PROBLEM_JSON);
        match self {
            ApiError::MethodNotAllowed { allow } => {
                response.insert_header((header::ALLOW, allow.clone()));
            }
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::LoginBlocked { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unauthorized => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"buergerbuero\""));
            }
            ApiError::UnsupportedMediaType { accepted } => {
                response.insert_header(("Accept-Post", *accepted));
            }
            _ => {}
        }
        response.json(Problem {
            kind: format!("/problems/{slug}"),
            title,
            status: self.status_code().as_u16(),
            detail,
            detail_de,
            errors,
            checks,
        })
    }
}

impl From<crate::store::Error> for ApiError {
    fn from(error: crate::store::Error) -> Self {
        match error {
            crate::store::Error::NotFound => ApiError::NotFound,
            other => ApiError::Internal(other.into()),
        }
    }
}
