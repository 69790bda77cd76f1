//! The mail routes: following a report, the pages behind the links in mails (confirm, leave,
//! remove one's address), and the admins' view of the outbox with retry for dead letters.
//!
//! The link pages are small server-rendered HTML so they work in any mail client's browser
//! without JavaScript; a refused link (unknown, expired) is a problem document like every
//! other error of the API. `GET` only shows a button and changes nothing (mail scanners and link
//! previews fetch links); the button's `POST` does the work. `POST` on the unsubscribe URL is
//! also the RFC 8058 one-click target that mail clients call themselves.

use super::input::{Json, Query};

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::intake::client_address;
use super::reports::parse_limit;
use super::{ApiError, AppState};
use crate::domain::{Email, Language, ReportId};
use crate::notify::TokenPurpose;
use crate::notify::escape::escape_html;
use crate::notify::subscriptions::{self, FollowError, MailContext, Redeemed, TokenError};
use crate::store::notify::MailRow;

/// The mail use cases' context from the application state.
pub(super) fn mail_context(state: &AppState) -> MailContext {
    MailContext {
        store: state.store.clone(),
        jurisdiction: state.jurisdiction.clone(),
        composer: state.filing.composer.clone(),
        settings: state.settings.clone(),
    }
}

/// `POST /api/v1/reports/{id}/followers` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowBody {
    email: String,
    language: Option<String>,
}

/// `POST /api/v1/reports/{id}/followers`: sends the opt-in mail to follow a public report.
/// 202 whether or not the address follows already. Rate-limited like filing: every request
/// makes the service send a mail.
pub async fn follow(
    request: HttpRequest,
    path: web::Path<String>,
    body: Json<FollowBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = ReportId::parse(&path).map_err(|_| ApiError::NotFound)?;
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
    let client = client_address(&request, state.settings.trust_forwarded_for);
    if let Err(wait) = state.follow_limiter.admit(client).await {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: super::intake::retry_after_secs(wait),
        });
    }
    subscriptions::follow(&mail_context(&state), id, &email, language, Utc::now())
        .await
        .map_err(|e| match e {
            FollowError::NotFound => ApiError::NotFound,
            FollowError::Internal(e) => ApiError::Internal(e),
        })?;
    Ok(HttpResponse::Accepted().json(json!({
        "status": "confirmation_sent",
        "detail": "If the address does not follow the report yet, a mail with a confirmation link is on its way.",
        "detail_de": "Falls die Adresse der Meldung noch nicht folgt, ist eine E-Mail mit Bestätigungslink unterwegs.",
    })))
}

/// `GET /mail/confirm/{token}`: the page with the confirm button.
pub async fn confirm_page(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    button_page(
        &path,
        "E-Mail-Adresse bestätigen / Confirm your email address",
        "Bitte bestätigen Sie mit dem Knopf. / Please confirm with the button.",
        "Bestätigen / Confirm",
    )
}

/// `GET /mail/unsubscribe/{token}`: the page with the leave button.
pub async fn unsubscribe_page(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    button_page(
        &path,
        "Keine E-Mails mehr / No more emails",
        "Sie erhalten dann keine E-Mails mehr zu dieser Meldung. / You will get no more emails about this report.",
        "Abmelden / Unsubscribe",
    )
}

/// `GET /mail/erase/{token}`: the page with the button that removes the address.
pub async fn erase_page(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    well_formed(&path)?;
    let form = format!(
        "<form method=\"post\"><button type=\"submit\">Daten löschen / Remove my data</button></form>{PRIVACY_NOTICE_LINK}"
    );
    Ok(page(
        "Meine Daten aus der Meldung löschen / Remove my data from the report",
        &[
            "Ihre E-Mail-Adresse (und, wenn Sie die Meldung gemacht haben, Ihr Name) werden aus dieser Meldung gelöscht, und Sie erhalten keine E-Mails mehr zu ihr. Die Meldung selbst bleibt mit ihrem Verlauf bestehen. / Your email address (and, if you made the report, your name) are removed from this report, and you get no more emails about it. The report itself stays, with its history.",
        ],
        &form,
    ))
}

/// `POST /mail/erase/{token}`: removes the address behind the link from its report.
pub async fn erase(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    redeem(&path, &[TokenPurpose::Erase], &state).await
}

/// `POST /mail/confirm/{token}`: confirms a report's, a follower's or a supporter's address.
pub async fn confirm(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let accepted = [
        TokenPurpose::ConfirmReport,
        TokenPurpose::ConfirmFollow,
        TokenPurpose::ConfirmSupport,
    ];
    redeem(&path, &accepted, &state).await
}

/// `POST /mail/unsubscribe/{token}`: leaves (also the RFC 8058 one-click target).
pub async fn unsubscribe(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    redeem(&path, &[TokenPurpose::Unsubscribe], &state).await
}

/// Tokens are 64 lower-case hex digits; anything else cannot be one.
fn well_formed(token: &str) -> Result<(), ApiError> {
    let hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    match token.len() == 64 && token.bytes().all(hex) {
        true => Ok(()),
        false => Err(ApiError::NotFound),
    }
}

/// The page a link opens. It looks nothing up: it shows the button whose `POST` does the work.
pub(super) fn button_page(
    token: &str,
    title: &str,
    text: &str,
    button: &str,
) -> Result<HttpResponse, ApiError> {
    well_formed(token)?;
    // The form posts to the page's own URL: no token in a second place.
    let form = format!(
        "<form method=\"post\"><button type=\"submit\">{}</button></form>",
        escape_html(button)
    );
    Ok(page(title, &[text], &form))
}

/// The link to the privacy notice under every erase page.
const PRIVACY_NOTICE_LINK: &str =
    "<p><a href=\"/datenschutz.html\">Datenschutzhinweise / Privacy notice</a></p>";

async fn redeem(
    token: &str,
    accepted: &[TokenPurpose],
    state: &AppState,
) -> Result<HttpResponse, ApiError> {
    well_formed(token)?;
    let links = state.filing.composer.links();
    let link = |url: String| {
        format!(
            "<p><a href=\"{}\">Zur Meldung / To the report</a></p>",
            escape_html(&url)
        )
    };
    let redeemed = subscriptions::redeem(&mail_context(state), token, accepted, Utc::now())
        .await
        .map_err(|e| match e {
            TokenError::Unknown => ApiError::NotFound,
            TokenError::Expired => ApiError::LinkExpired,
            TokenError::Internal(e) => ApiError::Internal(e),
        })?;
    Ok(match redeemed {
        Redeemed::ReportConfirmed { report, already } => page(
            "Meldung bestätigt / Report confirmed",
            &[if already {
                "Diese Meldung war schon bestätigt. / This report was confirmed before."
            } else {
                "Danke! Ihre Meldung ist bestätigt und geht an die zuständige Stelle. Sie erhalten eine Eingangsbestätigung. / Thank you! Your report is confirmed and goes to the responsible authority. A receipt is on its way."
            }],
            // The reporter's own link: the report may wait for moderation still.
            &link(links.reporter_report(report)),
        ),
        Redeemed::FollowConfirmed { report, .. } => page(
            "Sie folgen der Meldung / You follow the report",
            &[
                "Sie erhalten E-Mails, wenn sich etwas ändert. / You will get emails when something changes.",
            ],
            &link(links.report(report)),
        ),
        Redeemed::SupportConfirmed { report, already } => page(
            "Danke für Ihr „Ich auch“ / Thank you for your “me too”",
            &[if already {
                "Ihre Stimme war schon gezählt. / Your voice was counted before."
            } else {
                "Ihre Stimme zählt jetzt für diese Meldung. / Your voice now counts for this report."
            }],
            &link(links.report(report)),
        ),
        Redeemed::Unsubscribed { report } => page(
            "Abgemeldet / Unsubscribed",
            &[
                "Sie erhalten keine E-Mails mehr zu dieser Meldung. / You will get no more emails about this report.",
            ],
            &link(links.report(report)),
        ),
        Redeemed::Erased { report, already } => page(
            "Daten gelöscht / Data removed",
            &[if already {
                "Ihre Daten waren schon aus dieser Meldung gelöscht. / Your data had been removed from this report before."
            } else {
                "Ihre E-Mail-Adresse ist aus dieser Meldung gelöscht; Sie erhalten keine E-Mails mehr zu ihr. Die Meldung bleibt bestehen. / Your email address is removed from this report; you get no more emails about it. The report stays."
            }],
            &format!("{}{PRIVACY_NOTICE_LINK}", link(links.report(report))),
        ),
    })
}

/// A minimal, accessible HTML page (no scripts, no inline styles: the CSP forbids both).
pub(super) fn page(title: &str, paragraphs: &[&str], extra: &str) -> HttpResponse {
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"de\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{0}</title><link rel=\"stylesheet\" href=\"/css/site.css\"></head>\
         <body><main><h1>{0}</h1>",
        escape_html(title)
    );
    for paragraph in paragraphs {
        html.push_str(&format!("<p>{}</p>", escape_html(paragraph)));
    }
    html.push_str(extra);
    html.push_str("</main></body></html>\n");
    // `Cache-Control: private, no-store` comes with every `/mail/` route (`per_request_headers`).
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html)
}

/// `GET /api/v1/admin/mail` query.
#[derive(Debug, Deserialize)]
pub struct MailQuery {
    state: Option<String>,
    limit: Option<String>,
}

/// One outbox row as admins see it (no bodies: they may hold one-time links).
fn mail_view(row: &MailRow) -> serde_json::Value {
    json!({
        "id": row.id,
        "kind": row.kind,
        "recipient": row.recipient,
        "language": row.language,
        "subject": row.subject,
        "report_id": row.report_id,
        "state": row.state,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at,
        "last_error": row.last_error,
        "created_at": row.created_at,
        "sent_at": row.sent_at,
    })
}

/// `GET /api/v1/admin/mail`: the outbox, newest first (admins only); `state=dead` lists the
/// dead letters.
pub async fn list_mail(
    signed: Signed,
    query: Query<MailQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let mail_state = match query.state.as_deref() {
        None => None,
        Some(s @ ("pending" | "sending" | "sent" | "dead")) => Some(s),
        Some(other) => {
            return Err(ApiError::invalid(
                "state",
                format!("{other:?} is not one of pending, sending, sent, dead"),
                format!("state: {other:?} ist keiner von pending, sending, sent, dead"),
            ));
        }
    };
    let limit = parse_limit(query.limit.as_deref())?;
    let rows = state.store.list_mail(mail_state, limit).await?;
    let mails: Vec<_> = rows.iter().map(mail_view).collect();
    Ok(HttpResponse::Ok().json(json!({ "mails": mails })))
}

/// `POST /api/v1/admin/mail/{id}/retry`: puts a dead letter back in the queue (admins only).
pub async fn retry_mail(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    if state.store.get_mail(id).await?.is_none() {
        return Err(ApiError::NotFound);
    }
    if !state.store.retry_mail(id, Utc::now()).await? {
        return Err(ApiError::NotAllowed(
            "only a dead mail can be retried".into(),
        ));
    }
    Ok(HttpResponse::Accepted().json(json!({ "id": id, "state": "pending" })))
}
