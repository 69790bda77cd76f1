//! The area alerts' routes: subscribing (`POST /api/v1/alerts`), the pages behind the links
//! in their mails (confirm, unsubscribe — a `GET` page with a button whose `POST` does the
//! work, because link scanners fetch links; the unsubscribe `POST` is also the RFC 8058
//! one-click target), and the public Atom feeds of the same selections.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::json;

use super::input::{Json, Query};
use super::intake::{client_address, retry_after_secs};
use super::mail::{button_page, mail_context, page};
use super::{ApiError, AppState};
use crate::alerts::selection::{Selection, SelectionInput};
use crate::alerts::subscribe::{self, SubscribeError};
use crate::alerts::{FEED_DAYS, FEED_MAX_ENTRIES, MAX_SUBSCRIPTIONS_PER_ADDRESS, Refusal};
use crate::domain::{Email, InvalidValue, Language};
use crate::notify::subscriptions::TokenError;
use crate::store::alerts::AlertEventFilter;

/// How long caches may keep a feed before they revalidate it with its `ETag`.
pub const FEED_CACHE_CONTROL: &str = "public, max-age=60";

/// `POST /api/v1/alerts` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertBody {
    email: String,
    language: Option<String>,
    area: Option<String>,
    authority: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    radius_m: Option<f64>,
    category: Option<String>,
}

/// A selection's validation failure as a 400 naming the field.
fn invalid_selection(error: InvalidValue) -> ApiError {
    ApiError::invalid(
        error.field,
        error.reason.clone(),
        format!("{}: {}", error.field, error.reason),
    )
}

/// A selection that names nothing the service covers, as a 422.
fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::UnknownArea(key) => ApiError::UnknownReference {
            field: "area".into(),
            detail: format!("area {key:?}: no Gemeinde or Bezirk has this key"),
            detail_de: format!("area {key:?}: keine Gemeinde und kein Bezirk hat diesen Schlüssel"),
        },
        Refusal::UnknownAuthority(key) => ApiError::UnknownReference {
            field: "authority".into(),
            detail: format!("authority {key:?}: no authority has this key"),
            detail_de: format!("authority {key:?}: keine Behörde hat diesen Schlüssel"),
        },
        Refusal::UnknownCategory(code) => ApiError::UnknownCategory(code),
        Refusal::OutsideServiceArea => ApiError::OutsideServiceArea,
    }
}

/// `POST /api/v1/alerts`: sends the opt-in mail for an area alert. 202 whether or not the
/// address has the alert already; 422 when the address holds the most alerts allowed.
/// Rate-limited with the follow requests' budget: each request sends a mail.
pub async fn subscribe(
    request: HttpRequest,
    body: Json<AlertBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email).map_err(|e| {
        ApiError::invalid("email", e.reason.clone(), format!("email: {}", e.reason))
    })?;
    let language = match body.language.as_deref() {
        None => Language::De,
        Some(text) => Language::parse(text).map_err(|e| {
            ApiError::invalid(
                "language",
                e.reason.clone(),
                format!("language: {}", e.reason),
            )
        })?,
    };
    let selection = Selection::from_input(&SelectionInput {
        area: body.area.as_deref(),
        authority: body.authority.as_deref(),
        lat: body.lat,
        lon: body.lon,
        radius_m: body.radius_m,
        category: body.category.as_deref(),
    })
    .map_err(invalid_selection)?;
    let client = client_address(&request, state.settings.trust_forwarded_for);
    if let Err(wait) = state.follow_limiter.admit(client).await {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: retry_after_secs(wait),
        });
    }
    subscribe::subscribe(
        &mail_context(&state),
        &email,
        language,
        &selection,
        Utc::now(),
    )
    .await
    .map_err(|e| match e {
        SubscribeError::Refused(refusal) => refused(refusal),
        SubscribeError::TooMany => ApiError::LimitReached(
            format!(
                "This address has {MAX_SUBSCRIPTIONS_PER_ADDRESS} alerts already (or waiting for confirmation); end one with the link in its mails first."
            ),
            format!(
                "Diese Adresse hat schon {MAX_SUBSCRIPTIONS_PER_ADDRESS} Benachrichtigungen (oder wartet auf deren Bestätigung); bitte beenden Sie zuerst eine mit dem Link in ihren E-Mails."
            ),
        ),
        SubscribeError::Internal(e) => ApiError::Internal(e),
    })?;
    Ok(HttpResponse::Accepted().json(json!({
        "status": "confirmation_sent",
        "detail": "If the address does not have this alert yet, a mail with a confirmation link is on its way.",
        "detail_de": "Falls die Adresse diese Benachrichtigung noch nicht hat, ist eine E-Mail mit Bestätigungslink unterwegs.",
        "feed": state.filing.composer.links().feed(&selection.query()),
    })))
}

/// Alert tokens are 64 lower-case hex digits; anything else cannot be one.
fn well_formed(token: &str) -> Result<(), ApiError> {
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    match token.len() == 64 && token.bytes().all(hex) {
        true => Ok(()),
        false => Err(ApiError::NotFound),
    }
}

fn token_error(error: TokenError) -> ApiError {
    match error {
        TokenError::Unknown => ApiError::NotFound,
        TokenError::Expired => ApiError::LinkExpired,
        TokenError::Internal(e) => ApiError::Internal(e),
    }
}

/// `GET /mail/alerts/confirm/{token}`: the page with the confirm button.
pub async fn confirm_page(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    button_page(
        &path,
        "Benachrichtigung bestätigen / Confirm the alerts",
        "Bitte bestätigen Sie mit dem Knopf. / Please confirm with the button.",
        "Bestätigen / Confirm",
    )
}

/// `POST /mail/alerts/confirm/{token}`: confirms the alert.
pub async fn confirm(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    well_formed(&path)?;
    let already = subscribe::confirm(&mail_context(&state), &path, Utc::now())
        .await
        .map_err(token_error)?;
    Ok(page(
        "Benachrichtigung bestätigt / Alerts confirmed",
        &[if already {
            "Diese Benachrichtigung war schon bestätigt. / These alerts were confirmed before."
        } else {
            "Danke! Sie erhalten höchstens einmal täglich eine E-Mail, wenn es Neues gibt. / Thank you! You will get at most one email a day when there is news."
        }],
        "<p><a href=\"/\">Zur Karte / To the map</a></p>",
    ))
}

/// `GET /mail/alerts/unsubscribe/{token}`: the page with the unsubscribe button.
pub async fn unsubscribe_page(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    button_page(
        &path,
        "Benachrichtigung beenden / End the alerts",
        "Sie erhalten dann keine E-Mails mehr zu dieser Auswahl. / You will get no more emails about this selection.",
        "Abmelden / Unsubscribe",
    )
}

/// `POST /mail/alerts/unsubscribe/{token}`: ends the alert (also the RFC 8058 one-click
/// target).
pub async fn unsubscribe(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    well_formed(&path)?;
    subscribe::unsubscribe(&mail_context(&state), &path)
        .await
        .map_err(token_error)?;
    Ok(page(
        "Abgemeldet / Unsubscribed",
        &[
            "Sie erhalten keine E-Mails mehr zu dieser Auswahl; Ihre Adresse ist dafür gelöscht. / You will get no more emails about this selection; your address is deleted for it.",
        ],
        "<p><a href=\"/\">Zur Karte / To the map</a></p>",
    ))
}

/// `GET /api/v1/feeds/reports.atom` query: the selection's fields, as text so a bad number is
/// a 400 naming its parameter.
#[derive(Debug, Deserialize)]
pub struct FeedQuery {
    area: Option<String>,
    authority: Option<String>,
    lat: Option<String>,
    lon: Option<String>,
    radius_m: Option<String>,
    category: Option<String>,
}

fn number(field: &'static str, text: Option<&str>) -> Result<Option<f64>, ApiError> {
    text.map(|t| {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                ApiError::invalid(
                    field,
                    format!("{field} must be a number"),
                    format!("{field} muss eine Zahl sein"),
                )
            })
    })
    .transpose()
}

/// `GET /api/v1/feeds/reports.atom`: the Atom feed of a selection (exactly one of `area`,
/// `authority`, or `lat` + `lon` + `radius_m`; optionally `category`): its newest public
/// history entries. Cached for a minute, then revalidated with its `ETag`.
pub async fn feed(
    request: HttpRequest,
    query: Query<FeedQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let selection = Selection::from_input(&SelectionInput {
        area: query.area.as_deref(),
        authority: query.authority.as_deref(),
        lat: number("lat", query.lat.as_deref())?,
        lon: number("lon", query.lon.as_deref())?,
        radius_m: number("radius_m", query.radius_m.as_deref())?,
        category: query.category.as_deref(),
    })
    .map_err(invalid_selection)?;
    let engine = state.jurisdiction.current();
    crate::alerts::check(&engine, &selection).map_err(refused)?;
    let now = Utc::now();
    let from = now - Duration::days(FEED_DAYS);
    let events = state
        .store
        .alert_events(&AlertEventFilter {
            selection: Some(&selection),
            from,
            // A minute ahead: an entry stored by another instance whose clock runs ahead.
            until: now + Duration::minutes(1),
            limit: FEED_MAX_ENTRIES,
        })
        .await?;
    // Without entries, the day the window starts: the same answer all day.
    let empty_updated = from
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(from, |t| t.and_utc());
    let feed = crate::alerts::feed::render(
        &engine,
        state.filing.composer.links(),
        &selection,
        &events,
        empty_updated,
    );
    let etag = format!(
        "W/\"{}\"",
        &crate::auth::secrets::secret_hash(&feed.body)[..32]
    );
    let last_modified = http_date(feed.updated);
    if super::map_tiles::matches(&request, &etag) {
        return Ok(HttpResponse::NotModified()
            .insert_header((header::ETAG, etag))
            .insert_header((header::LAST_MODIFIED, last_modified))
            .insert_header((header::CACHE_CONTROL, FEED_CACHE_CONTROL))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type(crate::alerts::feed::ATOM)
        .insert_header((header::ETAG, etag))
        .insert_header((header::LAST_MODIFIED, last_modified))
        .insert_header((header::CACHE_CONTROL, FEED_CACHE_CONTROL))
        .body(feed.body))
}

/// An HTTP date (RFC 9110 IMF-fixdate).
fn http_date(at: DateTime<Utc>) -> String {
    at.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}
