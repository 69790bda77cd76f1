//! Open311 GeoReport v2 over HTTP, under `/open311/v2/`. Each route exists as `.json` and
//! `.xml`; the suffix picks the format. Errors use the spec's error list with its status codes:
//! 403 for a missing or wrong `api_key`, 404 for unknown resources, 400 for everything else —
//! finer causes (413, 415, 422, 429, 500) go into the list's `code`, as the spec allows. Every
//! error under `/open311/v2/` is such a list (see [`error_lists`]), in German or English as
//! `Accept-Language` prefers.
//!
//! The handlers only translate: filing is [`crate::filing::file_report`] (the native rules:
//! validation, routing, moderation, photos), reads are the public report queries (published
//! reports only, never the reporter's contact), and the rate limit is the native one.

use super::input::check_pairs;

use actix_multipart::Multipart;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::Utc;

use super::AppState;
use super::intake::{self, IntakeRefusal};
use crate::auth::secrets::secret_hash;
use crate::config::{EmailConfirmation, Moderation};
use crate::domain::{AuthorityKey, Report, ReportId, Visibility};
use crate::filing::{Filing, FilingError, MAX_PHOTOS, file_report};
use crate::jurisdiction::Jurisdiction;
use crate::metrics::FilingOutcome;
use crate::open311::address::{Placed, PlacedBy, place_address, place_at_street_address};
use crate::open311::form::{parse_request_form, translate_invalid};
use crate::open311::query::{MAX_PAGE_SIZE, date_range, flag, parse_requests_query};
use crate::open311::requests::{PublicReport, RenderContext, request_node, update_node};
use crate::open311::services::{definition_node, service_node};
use crate::open311::{
    BASE_PATH, ErrorItem, Format, Lang, Node, SPECIFICATION, datetime, errors_node,
};
use crate::store::open311::UPDATE_KINDS;
use crate::store::reports::{Near, PhotoRow, ReportFilter};

/// Largest form-encoded body: one 10 MB photo as a base64 `data:` URI, with room for the rest.
const FORM_BODY_LIMIT: usize = 14 * 1024 * 1024;
/// How long an Open311 filing with only an `address_string` waits for the geocoder's turn.
const GEOCODER_WAIT_FOR_FILING: std::time::Duration = std::time::Duration::from_secs(3);
/// How this endpoint reads the spec where it leaves room, told in discovery's `contact` (the
/// only free text discovery has) so a client developer finds it where they start.
const DEVIATIONS: &str = "Notes for clients: media_url takes http/https links, stored and shown as given and never fetched by this server, or data: URIs of images (multipart `media` files too); description is optional when a photo or media_url shows what is wrong; an address_string without lat/long is placed at the street address where the operator configured a geocoder, else through the place search (towns, villages, Ortsteile, Gemeinden, not streets), refused when nothing or several places match; address_id is refused (no address register); expected_datetime stays empty (no authority promises fulfilment), the first-reaction deadline is extended_attributes.reaction_due_at (extensions=true); GET requests filters by bbox=west,south,east,north and lat/long/radius (metres, with each request's distance) and refuses unknown arguments; errors come in German or English after Accept-Language; POST requests honours an Idempotency-Key header (a retry with the same key and body answers the request filed first), which a system that forwards reports here, such as another instance of this service, can rely on.";

/// The discovery `changeset` before any category was changed.
const INITIAL_CHANGESET: &str = "2026-01-01T00:00:00Z";

/// An Open311 error answer: status 400, 403 or 404 with an error list in the request's format.
#[derive(Debug)]
pub struct Open311Error {
    format: Format,
    status: StatusCode,
    errors: Vec<ErrorItem>,
    retry_after_secs: Option<u64>,
}

impl Open311Error {
    /// How the metrics count a filing refused with this error before it reached the use case.
    fn filing_outcome(&self) -> FilingOutcome {
        FilingOutcome::Refused(match self.status.as_u16() {
            429 => "rate_limited",
            403 => "forbidden",
            413 => "payload_too_large",
            415 => "unsupported_media_type",
            404 => "unknown_category",
            status if status >= 500 => return FilingOutcome::Failed,
            _ => "invalid",
        })
    }

    fn new(format: Format, status: StatusCode, errors: Vec<ErrorItem>) -> Self {
        Self {
            format,
            status,
            errors,
            retry_after_secs: None,
        }
    }

    /// 400 with these errors.
    fn bad_request(format: Format, errors: Vec<ErrorItem>) -> Self {
        Self::new(format, StatusCode::BAD_REQUEST, errors)
    }

    /// 404 with one error.
    fn not_found(format: Format, english: impl Into<String>, german: impl Into<String>) -> Self {
        Self::new(
            format,
            StatusCode::NOT_FOUND,
            vec![ErrorItem::new(404, english, german)],
        )
    }

    /// A failure on our side, logged with its cause; the spec's answer is a 400.
    fn internal(format: Format, error: impl Into<anyhow::Error>) -> Self {
        let error = error.into();
        tracing::error!(error = ?error, "open311 request failed");
        Self::bad_request(
            format,
            vec![ErrorItem::new(
                500,
                "something went wrong on our side; it has been logged, please try again later",
                "bei uns ist etwas schiefgegangen; es ist protokolliert, bitte später erneut versuchen",
            )],
        )
    }
}

impl std::fmt::Display for Open311Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "open311 error {}", self.status)
    }
}

impl ResponseError for Open311Error {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    /// In English; [`error_lists`] renders it again in the language the client asked for.
    fn error_response(&self) -> HttpResponse {
        self.response_in(Lang::En)
    }
}

impl Open311Error {
    /// The answer with the descriptions in `lang`.
    fn response_in(&self, lang: Lang) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type(self.format.content_type());
        if let Some(secs) = self.retry_after_secs {
            response.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        response.body(
            self.format
                .render("errors", &errors_node(&self.errors, lang)),
        )
    }
}

type Answer = Result<HttpResponse, Open311Error>;

/// Middleware of every resource under `/open311/v2/`: every error answer is the spec's error
/// list in the path's format, its descriptions in the language `Accept-Language` prefers
/// (German or English). Errors of the handlers are rendered again in that language; errors
/// that come from elsewhere (a method the path does not take, a path segment that does not
/// decode) become a one-entry list with their status as the code, `Allow` and `Retry-After`
/// kept.
pub async fn error_lists(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let format = Format::of_path(request.path());
    let lang = Lang::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let http_request = request.request().clone();
    let old = match next.call(request).await {
        Ok(response) if !is_error(response.status()) => return Ok(response.map_into_boxed_body()),
        Ok(response) => response.into_parts().1.map_into_boxed_body(),
        Err(error) => error.error_response(),
    };
    let new = match old.error().and_then(|e| e.as_error::<Open311Error>()) {
        Some(error) => error.response_in(lang),
        None => {
            let mut fresh = foreign_error(format, old.status(), old.headers().get(header::ALLOW))
                .response_in(lang);
            for name in [header::ALLOW, header::RETRY_AFTER] {
                if let Some(value) = old.headers().get(&name) {
                    fresh.headers_mut().insert(name, value.clone());
                }
            }
            fresh
        }
    };
    Ok(ServiceResponse::new(http_request, new))
}

fn is_error(status: StatusCode) -> bool {
    status.is_client_error() || status.is_server_error()
}

/// An error list for an error answer that did not come from an Open311 handler.
fn foreign_error(
    format: Format,
    status: StatusCode,
    allow: Option<&header::HeaderValue>,
) -> Open311Error {
    let code = status.as_u16();
    let item = match code {
        404 => ErrorItem::new(
            404,
            "there is no such resource: GeoReport v2 resources end in .json or .xml (see discovery.json)",
            "diese Ressource gibt es nicht: GeoReport-v2-Ressourcen enden auf .json oder .xml (siehe discovery.json)",
        ),
        405 => {
            let allowed = allow.and_then(|v| v.to_str().ok()).unwrap_or("GET");
            ErrorItem::new(
                405,
                format!("this resource does not take this method; it takes {allowed}"),
                format!("diese Ressource nimmt diese Methode nicht an, nur {allowed}"),
            )
        }
        _ => ErrorItem::new(
            code,
            format!("the request could not be answered (HTTP {code})"),
            format!("die Anfrage ließ sich nicht beantworten (HTTP {code})"),
        ),
    };
    Open311Error::new(format, status, vec![item])
}

/// Any path under `/open311/v2/` that names no resource (e.g. `requests.csv`): 404 with the
/// error list (JSON unless the path ends in `.xml`).
pub async fn unknown_resource(request: HttpRequest) -> Answer {
    let format = Format::of_path(request.path());
    Err(foreign_error(format, StatusCode::NOT_FOUND, None))
}

fn ok(format: Format, root: &str, node: &Node) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.content_type())
        .body(format.render(root, node))
}

/// The query string as ordered pairs (repeated keys kept).
fn query_args(
    request: &HttpRequest,
    format: Format,
) -> Result<Vec<(String, String)>, Open311Error> {
    let args = serde_urlencoded::from_str(request.query_string()).map_err(|e| {
        Open311Error::bad_request(
            format,
            vec![ErrorItem::new(
                400,
                format!("the query string is malformed: {e}"),
                format!("die Abfrage (query string) ist fehlerhaft: {e}"),
            )],
        )
    })?;
    checked_text(format, args)
}

/// The pairs, if every name and value passed the text rule; else a 400 naming the field.
fn checked_text(
    format: Format,
    pairs: Vec<(String, String)>,
) -> Result<Vec<(String, String)>, Open311Error> {
    match check_pairs(&pairs) {
        Ok(()) => Ok(pairs),
        Err((field, reason)) => Err(Open311Error::bad_request(
            format,
            vec![ErrorItem::new(
                400,
                format!("{field}: {reason}"),
                format!("{field}: ungültige Angabe ({reason})"),
            )],
        )),
    }
}

/// The optional `jurisdiction_id`: one endpoint serves every authority, so it is not required;
/// when given it must be an authority's key (404 otherwise), and it narrows what is read or
/// checks where a request is filed.
fn jurisdiction(
    engine: &Jurisdiction,
    id: Option<&str>,
    format: Format,
) -> Result<Option<AuthorityKey>, Open311Error> {
    let Some(id) = id else { return Ok(None) };
    AuthorityKey::parse(id)
        .ok()
        .filter(|key| engine.authority(key).is_some())
        .map(Some)
        .ok_or_else(|| {
            Open311Error::not_found(
                format,
                format!("jurisdiction_id {id:?} names no authority of this endpoint"),
                format!("jurisdiction_id {id:?} nennt keine Behörde dieses Dienstes"),
            )
        })
}

/// Filings are public at once only without moderation and without email confirmation; then
/// the services are `realtime`, otherwise `batch` (a token first, the id once published).
fn realtime(state: &AppState) -> bool {
    state.settings.moderation == Moderation::Off
        && state.settings.email_confirmation == EmailConfirmation::Off
}

fn service_notice(state: &AppState) -> String {
    format!(
        "Erste Rückmeldung innerhalb von {} Werktagen / first reaction within {} working days",
        state.settings.service_promise_days, state.settings.service_promise_days
    )
}

fn public_url(state: &AppState) -> String {
    state.settings.public_url.trim_end_matches('/').to_owned()
}

/// `GET /open311/v2/discovery.{json,xml}`: the endpoint, its formats and the changeset.
pub async fn discovery(request: HttpRequest, state: web::Data<AppState>) -> Answer {
    let format = Format::of_path(request.path());
    let changeset = state
        .store
        .catalog_changed_at()
        .await
        .map_err(|e| Open311Error::internal(format, e))?
        .map_or_else(|| INITIAL_CHANGESET.to_owned(), datetime);
    let endpoint = Node::Object(vec![
        ("specification", Node::Text(SPECIFICATION.into())),
        (
            "url",
            Node::Text(format!("{}{BASE_PATH}", public_url(&state))),
        ),
        ("changeset", Node::Text(changeset.clone())),
        ("type", Node::Text("production".into())),
        (
            "formats",
            Node::list(
                "format",
                vec![
                    Node::Text("text/xml".into()),
                    Node::Text("application/json".into()),
                ],
            ),
        ),
    ]);
    let node = Node::Object(vec![
        ("changeset", Node::Text(changeset)),
        (
            "contact",
            Node::Text(format!(
                "buergerbuero, {} — Meldungen an Berliner Bezirksämter und die Verwaltungen in Brandenburg und Mecklenburg-Vorpommern. {DEVIATIONS}",
                public_url(&state)
            )),
        ),
        (
            "key_service",
            Node::Text("API keys for filing are issued by the operators of this service (admins: POST /api/v1/admin/open311-keys); reading needs no key.".into()),
        ),
        ("endpoints", Node::list("endpoint", vec![endpoint])),
    ]);
    Ok(ok(format, "discovery", &node))
}

/// `GET /open311/v2/services.{json,xml}`: the active categories as services.
pub async fn services(request: HttpRequest, state: web::Data<AppState>) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    let engine = state.jurisdiction.current();
    jurisdiction(&engine, arg(&args, "jurisdiction_id"), format)?;
    let realtime = realtime(&state);
    let services = engine
        .categories()
        .into_iter()
        .filter(|c| c.active)
        .map(|c| service_node(c, realtime))
        .collect();
    Ok(ok(format, "services", &Node::list("service", services)))
}

/// `GET /open311/v2/services/{service_code}.{json,xml}`: a service definition.
pub async fn service_definition(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    let engine = state.jurisdiction.current();
    jurisdiction(&engine, arg(&args, "jurisdiction_id"), format)?;
    let code = path.into_inner();
    let category = engine.category(&code).filter(|c| c.active).ok_or_else(|| {
        Open311Error::not_found(
            format,
            format!("there is no service {code:?}"),
            format!("es gibt keinen Dienst {code:?}"),
        )
    })?;
    Ok(ok(format, "service_definition", &definition_node(category)))
}

/// `POST /open311/v2/requests.{json,xml}`: files a request (form-encoded as the spec says, or
/// multipart with `media` photo files) with a valid `api_key`.
pub async fn create_request(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Answer {
    // `file_report` counts what reaches it; a request refused before is counted here.
    let mut reached_filing = false;
    let answer = request_filing(request, payload, &state, &mut reached_filing).await;
    if let (Err(error), false) = (&answer, reached_filing) {
        state.metrics.filing(error.filing_outcome());
    }
    answer
}

async fn request_filing(
    request: HttpRequest,
    payload: web::Payload,
    state: &web::Data<AppState>,
    reached_filing: &mut bool,
) -> Answer {
    let format = Format::of_path(request.path());
    let refused = |refusal| intake_refused(format, refusal);
    intake::admit(state, &request).await.map_err(refused)?;
    let (fields, files) = match intake::media_type(&request).as_str() {
        "application/x-www-form-urlencoded" => {
            let body = intake::read_body(payload, FORM_BODY_LIMIT)
                .await
                .map_err(refused)?;
            (parse_form(&body, format)?, Vec::new())
        }
        "multipart/form-data" => {
            let body = intake::read_multipart(Multipart::new(request.headers(), payload), "media")
                .await
                .map_err(refused)?;
            (body.fields, body.files)
        }
        _ => {
            return Err(Open311Error::bad_request(
                format,
                vec![ErrorItem::new(
                    415,
                    "send the request as application/x-www-form-urlencoded (or multipart/form-data with media files)",
                    "bitte die Anfrage als application/x-www-form-urlencoded senden (oder multipart/form-data mit Mediendateien)",
                )],
            ));
        }
    };
    let fields = checked_text(format, fields)?;
    // The key first: without a valid one, nothing else about the request is answered.
    let api_key = fields
        .iter()
        .rev()
        .find(|(k, v)| k == "api_key" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned());
    let api_key_id = check_api_key(state, api_key.as_deref(), format).await?;
    // Open311 clients have an identity: their keys are their own, so two apps that both
    // count their requests from 1 never meet each other's reports.
    let idempotency_key = super::reports::idempotency_key(&request)
        .map_err(|_| {
            Open311Error::bad_request(
                format,
                vec![ErrorItem::new(
                    400,
                    "Idempotency-Key: the header must be 1–255 visible ASCII characters",
                    "Idempotency-Key: der Header muss aus 1–255 sichtbaren ASCII-Zeichen bestehen",
                )],
            )
        })?
        .map(|key| format!("open311:{api_key_id}:{key}"));
    let mut form = parse_request_form(fields).map_err(|e| Open311Error::bad_request(format, e))?;
    let engine = state.jurisdiction.current();
    let mut placed_at = None;
    if form.place_address
        && let Some(address) = form.input.address.clone()
    {
        let upstream = match &state.geocoder {
            // A filing waits for the geocoder's turn (a few seconds at most), so where it is
            // placed does not depend on who searched just before: a retry with the same
            // Idempotency-Key must land on the same point.
            Some(geocoder) => match geocoder
                .search(&engine, &address, 5, GEOCODER_WAIT_FOR_FILING)
                .await
            {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(%error, "address_string: placing by the place search");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let placed = place_at_street_address(&address, &upstream)
            .unwrap_or_else(|| place_address(&state.places, &engine, &address))
            .map_err(|e| Open311Error::bad_request(format, vec![e]))?;
        form.input.lat = Some(placed.point.lat());
        form.input.lon = Some(placed.point.lon());
        placed_at = Some(placed);
    }
    let expected_authority = jurisdiction(&engine, form.jurisdiction_id.as_deref(), format)?;
    let mut photos = form.media;
    photos.extend(files);
    *reached_filing = true;
    let filed = file_report(
        &state.filing,
        Filing {
            input: form.input,
            photos,
            idempotency_key,
            expected_authority,
        },
    )
    .await
    .map_err(|e| filing_error(format, e))?;
    let id = filed.id.to_string();
    let mut notice = service_notice(state);
    match placed_at {
        Some(Placed {
            place,
            by: PlacedBy::PlaceSearch,
            ..
        }) => notice.push_str(&format!(
            ". Verortet über die Ortssuche bei {place}; die Adresse ist als Hinweis gespeichert / placed by the place search at {place}; the address is kept as a hint"
        )),
        Some(Placed {
            place,
            by: PlacedBy::StreetAddress,
            ..
        }) => notice.push_str(&format!(
            ". Verortet über die Adresssuche an {place} / placed by the street search at {place}"
        )),
        None => {}
    }
    let notice = Node::Text(notice);
    let item = if realtime(state) {
        Node::Object(vec![
            ("service_request_id", Node::Text(id)),
            ("service_notice", notice),
            ("account_id", Node::Null),
        ])
    } else {
        Node::Object(vec![
            ("token", Node::Text(id)),
            ("service_notice", notice),
            ("account_id", Node::Null),
        ])
    };
    let mut response = HttpResponse::Created();
    if filed.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response
        .content_type(format.content_type())
        .body(format.render("service_requests", &Node::list("request", vec![item]))))
}

/// Refuses (403) unless `key` is an issued, unrevoked key; records its use and returns the
/// key's id.
async fn check_api_key(
    state: &AppState,
    key: Option<&str>,
    format: Format,
) -> Result<uuid::Uuid, Open311Error> {
    let forbidden = || {
        Open311Error::new(
            format,
            StatusCode::FORBIDDEN,
            vec![ErrorItem::new(
                403,
                "api_key is missing, unknown or revoked",
                "api_key fehlt, ist unbekannt oder widerrufen",
            )],
        )
    };
    let key = key.ok_or_else(forbidden)?;
    let row = state
        .store
        .api_key_by_hash(&secret_hash(key))
        .await
        .map_err(|e| Open311Error::internal(format, e))?
        .filter(|k| k.revoked_at.is_none())
        .ok_or_else(forbidden)?;
    state
        .store
        .touch_api_key(row.id, Utc::now())
        .await
        .map_err(|e| Open311Error::internal(format, e))?;
    Ok(row.id)
}

fn filing_error(format: Format, error: FilingError) -> Open311Error {
    let one = |code: u16, en: String, de: String| {
        Open311Error::bad_request(format, vec![ErrorItem::new(code, en, de)])
    };
    match error {
        FilingError::Invalid(errors) => Open311Error::bad_request(format, translate_invalid(errors)),
        FilingError::UnknownCategory(code) => Open311Error::not_found(
            format,
            format!("service_code: there is no service {code:?}"),
            format!("service_code: es gibt keinen Dienst {code:?}"),
        ),
        FilingError::OtherAuthority {
            responsible,
            name,
            expected,
        } => one(
            400,
            format!("jurisdiction_id: this place is handled by {name} ({responsible}), not by {expected}"),
            format!("jurisdiction_id: für diesen Ort ist {name} ({responsible}) zuständig, nicht {expected}"),
        ),
        FilingError::OutsideServiceArea => one(
            422,
            "this place lies outside Berlin, Brandenburg and Mecklenburg-Vorpommern, so no authority of this service can take it".into(),
            "dieser Ort liegt außerhalb von Berlin, Brandenburg und Mecklenburg-Vorpommern, keine Behörde dieses Dienstes ist zuständig".into(),
        ),
        FilingError::TooManyPhotos => one(
            400,
            format!("at most {MAX_PHOTOS} photos per request"),
            format!("höchstens {MAX_PHOTOS} Fotos je Meldung"),
        ),
        FilingError::Photo { index, error } => one(
            error.status(),
            format!("media {}: {}", index + 1, error.detail()),
            format!("Medium {}: {}", index + 1, error.detail_de()),
        ),
        FilingError::KeyReused => one(
            422,
            "this request repeats an earlier one with different content".into(),
            "diese Anfrage wiederholt eine frühere mit anderem Inhalt".into(),
        ),
        FilingError::Internal(e) => Open311Error::internal(format, e),
    }
}

/// A form-encoded body's fields, in order.
fn parse_form(body: &[u8], format: Format) -> Result<Vec<(String, String)>, Open311Error> {
    serde_urlencoded::from_bytes(body).map_err(|e| {
        Open311Error::bad_request(
            format,
            vec![ErrorItem::new(
                400,
                format!("the body is not a valid form: {e}"),
                format!("der Inhalt ist kein gültiges Formular: {e}"),
            )],
        )
    })
}

/// The refusal of a filing at the front door, as Open311 answers it: an error list with the
/// HTTP status 400 and the finer code in the item (the spec knows only 400 for a filing).
fn intake_refused(format: Format, refusal: IntakeRefusal) -> Open311Error {
    let (code, en, de) = match refusal {
        IntakeRefusal::RateLimited {
            retry_after_secs: secs,
        } => {
            let mut error = Open311Error::bad_request(
                format,
                vec![ErrorItem::new(
                    429,
                    format!("too many requests from your address; try again in {secs} s"),
                    format!(
                        "zu viele Anfragen von Ihrer Adresse; bitte in {secs} s erneut versuchen"
                    ),
                )],
            );
            error.retry_after_secs = Some(secs);
            return error;
        }
        IntakeRefusal::Unreadable(e) => (
            400,
            format!("the body could not be read: {e}"),
            format!("der Inhalt der Anfrage ließ sich nicht lesen: {e}"),
        ),
        IntakeRefusal::BodyTooLarge { max_bytes } => (
            413,
            format!("the body is larger than {max_bytes} bytes"),
            format!("der Inhalt ist größer als {max_bytes} Bytes"),
        ),
        IntakeRefusal::FieldTooLarge { field, max_bytes } => (
            413,
            format!("{field} is larger than {max_bytes} bytes"),
            format!("{field} ist größer als {max_bytes} Bytes"),
        ),
        IntakeRefusal::FileTooLarge { index, max_bytes } => (
            413,
            format!("media {}: larger than {max_bytes} bytes", index + 1),
            format!("Medium {}: größer als {max_bytes} Bytes", index + 1),
        ),
        IntakeRefusal::NotUtf8 { field } => (
            400,
            format!("{field} is not UTF-8 text"),
            format!("{field} ist kein UTF-8-Text"),
        ),
        IntakeRefusal::TooManyFiles => return filing_error(format, FilingError::TooManyPhotos),
    };
    Open311Error::bad_request(format, vec![ErrorItem::new(code, en, de)])
}

/// `GET /open311/v2/tokens/{token}.{json,xml}`: the request id of a token, once the request
/// is published (until then `service_request_id` is empty); 404 for tokens never issued or
/// for requests that moderation rejected.
pub async fn token(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    jurisdiction(
        &state.jurisdiction.current(),
        arg(&args, "jurisdiction_id"),
        format,
    )?;
    let token = path.into_inner();
    let unknown = || {
        Open311Error::not_found(
            format,
            format!("there is no token {token:?}"),
            format!("es gibt kein Token {token:?}"),
        )
    };
    let id = ReportId::parse(&token).map_err(|_| unknown())?;
    let row = state
        .store
        .get_report(id)
        .await
        .map_err(|e| Open311Error::internal(format, e))?
        .filter(|r| r.visibility != Visibility::Hidden)
        .ok_or_else(unknown)?;
    let published = row.is_public();
    let item = Node::Object(vec![
        (
            "service_request_id",
            Node::opt_text(published.then(|| id.to_string())),
        ),
        ("token", Node::Text(token.clone())),
    ]);
    Ok(ok(
        format,
        "service_requests",
        &Node::list("request", vec![item]),
    ))
}

/// `GET /open311/v2/requests.{json,xml}`: published requests, newest first.
pub async fn list_requests(request: HttpRequest, state: web::Data<AppState>) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    let query = parse_requests_query(&args, Utc::now())
        .map_err(|e| Open311Error::bad_request(format, e))?;
    let engine = state.jurisdiction.current();
    let authority = jurisdiction(&engine, query.jurisdiction_id.as_deref(), format)?;
    let filter = match &query.ids {
        // An id list overrides every other argument.
        Some(ids) if ids.is_empty() => None,
        Some(ids) => Some(ReportFilter {
            ids: ids.clone(),
            limit: MAX_PAGE_SIZE,
            ..ReportFilter::default()
        }),
        None => Some(ReportFilter {
            categories: query.service_codes.clone(),
            statuses: query.statuses.clone(),
            authority: authority.map(|a| a.to_string()),
            since: Some(query.from),
            until: Some(query.until),
            bbox: query.bbox,
            near: query.near,
            limit: query.page_size + 1,
            offset: (query.page - 1) * query.page_size,
            ..ReportFilter::default()
        }),
    };
    let mut rows = match filter {
        Some(filter) => state
            .store
            .list_public_reports(&filter)
            .await
            .map_err(|e| Open311Error::internal(format, e))?,
        None => Vec::new(),
    };
    let more = query.ids.is_none() && rows.len() as i64 > query.page_size;
    rows.truncate(query.page_size as usize);
    let node = render_requests(
        &state,
        &engine,
        &rows,
        Rendering {
            extensions: query.extensions,
            near: query.ids.is_none().then_some(query.near).flatten(),
        },
        format,
    )
    .await?;
    let mut response = HttpResponse::Ok();
    response.content_type(format.content_type());
    if more {
        response.insert_header((
            header::LINK,
            next_page_link(&request, &args, query.page + 1),
        ));
    }
    Ok(response.body(format.render("service_requests", &node)))
}

/// The `Link` header of the next page: the same arguments with `page` advanced.
fn next_page_link(request: &HttpRequest, args: &[(String, String)], page: i64) -> String {
    let mut next: Vec<(String, String)> =
        args.iter().filter(|(k, _)| k != "page").cloned().collect();
    next.push(("page".into(), page.to_string()));
    let query = serde_urlencoded::to_string(&next).unwrap_or_default();
    format!("<{}?{query}>; rel=\"next\"", request.path())
}

/// How a list of requests is rendered.
#[derive(Debug, Clone, Copy, Default)]
struct Rendering {
    /// `extensions=true`.
    extensions: bool,
    /// The centre of a radius filter (each request tells its distance).
    near: Option<Near>,
}

/// Renders reports with their visible photos, media links and latest public answers, loaded
/// per page.
async fn render_requests(
    state: &AppState,
    engine: &Jurisdiction,
    rows: &[Report],
    rendering: Rendering,
    format: Format,
) -> Result<Node, Open311Error> {
    let extensions = rendering.extensions;
    let ids: Vec<uuid::Uuid> = rows.iter().map(|r| r.id.uuid()).collect();
    let internal = |e| Open311Error::internal(format, e);
    let mut photos: std::collections::HashMap<uuid::Uuid, Vec<PhotoRow>> = Default::default();
    for row in state
        .store
        .visible_photos_of(&ids)
        .await
        .map_err(internal)?
    {
        photos.entry(row.report_id).or_default().push(row.photo);
    }
    let notes: std::collections::HashMap<uuid::Uuid, String> = state
        .store
        .latest_public_notes(&ids)
        .await
        .map_err(internal)?
        .into_iter()
        .collect();
    let mut histories = std::collections::HashMap::new();
    if extensions {
        for row in rows {
            let events = state
                .store
                .report_events(row.id, true)
                .await
                .map_err(internal)?;
            histories.insert(row.id.uuid(), events);
        }
    }
    let (url, notice) = (public_url(state), service_notice(state));
    let ctx = RenderContext {
        jurisdiction: engine,
        public_url: &url,
        service_notice: &notice,
        extensions,
        now: Utc::now(),
        near: rendering.near,
    };
    let items = rows
        .iter()
        .map(|row| {
            let id = row.id.uuid();
            request_node(
                PublicReport {
                    row,
                    photos: photos.get(&id).map_or(&[][..], Vec::as_slice),
                    status_notes: notes.get(&id).map(String::as_str),
                    history: histories.get(&id).map(Vec::as_slice),
                },
                &ctx,
            )
        })
        .collect();
    Ok(Node::list("request", items))
}

/// `GET /open311/v2/requests/{service_request_id}.{json,xml}`: one published request, as a
/// one-element list; 404 for unknown and unpublished ones alike.
pub async fn get_request(
    request: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    let mut errors = Vec::new();
    let extensions = flag(&args, "extensions", &mut errors);
    if !errors.is_empty() {
        return Err(Open311Error::bad_request(format, errors));
    }
    let engine = state.jurisdiction.current();
    jurisdiction(&engine, arg(&args, "jurisdiction_id"), format)?;
    let raw = path.into_inner();
    let unknown = || {
        Open311Error::not_found(
            format,
            format!("there is no request {raw:?}"),
            format!("es gibt keine Meldung {raw:?}"),
        )
    };
    let id = ReportId::parse(&raw).map_err(|_| unknown())?;
    let row = state
        .store
        .get_report(id)
        .await
        .map_err(|e| Open311Error::internal(format, e))?
        .filter(Report::is_public)
        .ok_or_else(unknown)?;
    let node = render_requests(
        &state,
        &engine,
        std::slice::from_ref(&row),
        Rendering {
            extensions,
            near: None,
        },
        format,
    )
    .await?;
    Ok(ok(format, "service_requests", &node))
}

/// `GET /open311/v2/servicerequestupdates.{json,xml}`: status changes and public answers of
/// published requests between `start_date` and `end_date` (default: the last 90 days), oldest
/// first, at most 1,000 (FixMyStreet's updates feed, read-only).
pub async fn updates(request: HttpRequest, state: web::Data<AppState>) -> Answer {
    let format = Format::of_path(request.path());
    let args = query_args(&request, format)?;
    jurisdiction(
        &state.jurisdiction.current(),
        arg(&args, "jurisdiction_id"),
        format,
    )?;
    let (from, until) =
        date_range(&args, Utc::now()).map_err(|e| Open311Error::bad_request(format, e))?;
    let rows = state
        .store
        .public_updates(from, until, MAX_PAGE_SIZE)
        .await
        .map_err(|e| Open311Error::internal(format, e))?;
    debug_assert!(rows.iter().all(|r| UPDATE_KINDS.contains(&r.kind.as_str())));
    let node = Node::list("request_update", rows.iter().map(update_node).collect());
    Ok(ok(format, "service_request_updates", &node))
}

/// The argument `name`, if given non-empty (as sent, untrimmed).
fn arg<'a>(args: &'a [(String, String)], name: &str) -> Option<&'a str> {
    args.iter()
        .rev()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}
