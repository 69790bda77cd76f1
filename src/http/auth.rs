//! Signing in and proving it: log-in with email and password (a session cookie plus a CSRF
//! token), personal API tokens (`Authorization: Bearer`), log-out, password change, and the
//! [`Signed`] extractor every clerk route takes.

use super::input::Json;
use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{ApiError, AppState};
use crate::auth::secrets::{new_api_token, secret_hash};
use crate::auth::{Actor, Credential};
use crate::sessions::{self, Presented, SignInError, no_randomness};
use crate::store::accounts::TokenRow;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "bb_session";
/// The header that must carry the session's CSRF token on state-changing requests.
pub const CSRF_HEADER: &str = "X-CSRF-Token";
/// Longest token name accepted.
const MAX_FIELD_CHARS: usize = 254;

/// A signed-in request: who, and how they proved it.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The account.
    pub actor: Actor,
    /// Cookie or token.
    pub credential: Credential,
    /// The session's secret hash (cookie requests only), to log out or keep on password change.
    pub session: Option<String>,
    /// The session's CSRF token (cookie requests only).
    pub csrf_token: Option<String>,
}

impl Signed {
    /// Refuses unless the account is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.actor.is_admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "only admins may do this".into(),
                "Das dürfen nur Administratorinnen und Administratoren.".into(),
            ))
        }
    }

    /// Refuses unless the request was signed in with the session cookie (a person who
    /// typed the password), not with an API token.
    pub fn require_session(&self) -> Result<(), ApiError> {
        match self.credential {
            Credential::Session => Ok(()),
            Credential::Token => Err(ApiError::Forbidden(
                "an API token cannot do this: sign in with your password".into(),
                "Mit einem API-Token geht das nicht: Bitte melden Sie sich mit Ihrem Passwort an."
                    .into(),
            )),
        }
    }
}

impl FromRequest for Signed {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(request: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move { authenticate(&request, Utc::now()).await })
    }
}

/// Reads the bearer token or the session cookie (with the CSRF header on state-changing
/// methods) and has [`sessions::authenticate`] check it.
async fn authenticate(request: &HttpRequest, now: DateTime<Utc>) -> Result<Signed, ApiError> {
    let state = request
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no application state")))?;
    let cookie;
    let presented = if let Some(value) = request.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        Presented::Token(token)
    } else {
        cookie = request
            .cookie(SESSION_COOKIE)
            .ok_or(ApiError::Unauthorized)?;
        let reading = matches!(
            *request.method(),
            Method::GET | Method::HEAD | Method::OPTIONS
        );
        Presented::Session {
            secret: cookie.value(),
            csrf: (!reading).then(|| {
                request
                    .headers()
                    .get(CSRF_HEADER)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("")
            }),
        }
    };
    let found = sessions::authenticate(&*state.store, &state.settings.auth, presented, now)
        .await
        .map_err(sign_in_refused)?;
    Ok(Signed {
        actor: found.actor,
        credential: found.credential,
        session: found.session,
        csrf_token: found.csrf_token,
    })
}

/// The answer to a refused sign-in, credential or password change.
fn sign_in_refused(error: SignInError) -> ApiError {
    match error {
        SignInError::Refused => ApiError::Unauthorized,
        SignInError::Blocked { retry_after_secs } => ApiError::LoginBlocked { retry_after_secs },
        SignInError::EmailTooLong => ApiError::invalid(
            "email",
            "an email address has at most 254 characters",
            "Eine E-Mail-Adresse hat höchstens 254 Zeichen.",
        ),
        SignInError::CsrfMismatch => ApiError::Forbidden(
            format!("send the session's CSRF token in the {CSRF_HEADER} header"),
            format!("Bitte senden Sie das CSRF-Token der Sitzung im Header {CSRF_HEADER}."),
        ),
        SignInError::WrongPassword => ApiError::Forbidden(
            "the current password is wrong".into(),
            "Das aktuelle Passwort ist falsch.".into(),
        ),
        SignInError::WeakPassword(reason) => ApiError::invalid(
            "new_password",
            reason,
            "Ein Passwort hat 12 bis 256 Zeichen.",
        ),
        SignInError::Internal(error) => ApiError::Internal(error),
    }
}

/// `POST /api/v1/admin/login` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    email: String,
    password: String,
}

/// Who is signed in, with the CSRF token for cookie sessions.
#[derive(Debug, Serialize)]
pub struct Me {
    id: Uuid,
    email: String,
    display_name: String,
    is_admin: bool,
    authorities: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    csrf_token: Option<String>,
}

impl Me {
    fn new(actor: Actor, csrf_token: Option<String>) -> Self {
        Self {
            id: actor.id,
            email: actor.email,
            display_name: actor.display_name,
            is_admin: actor.is_admin,
            authorities: actor.authorities,
            csrf_token,
        }
    }
}

/// `POST /api/v1/admin/login`: checks the password (with back-off after repeated failures)
/// and starts a session.
pub async fn login(
    body: Json<LoginBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let LoginBody { email, password } = body.into_inner();
    let settings = state.settings.auth;
    let session = sessions::log_in(&*state.store, &settings, &email, password, Utc::now())
        .await
        .map_err(sign_in_refused)?;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(
            &state,
            session.secret,
            settings.session_max_secs,
        ))
        .json(Me::new(session.actor, Some(session.csrf_token))))
}

/// The session cookie: HttpOnly, SameSite=Strict, `Secure` when the service is served over
/// https, scoped to the API.
fn session_cookie(state: &AppState, value: String, max_age_secs: u64) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, value)
        .path("/api/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.settings.public_url.starts_with("https://"))
        .max_age(CookieDuration::seconds(
            i64::try_from(max_age_secs).unwrap_or(i64::MAX),
        ))
        .finish()
}

/// `POST /api/v1/admin/logout`: ends the session (cookie) — tokens are revoked instead.
pub async fn logout(signed: Signed, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if let Some(session) = &signed.session {
        state.store.delete_session(session).await?;
    }
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(&state, String::new(), 0))
        .finish())
}

/// `GET /api/v1/admin/me`: who is signed in (and the session's CSRF token).
pub async fn me(signed: Signed) -> HttpResponse {
    HttpResponse::Ok().json(Me::new(signed.actor, signed.csrf_token))
}

/// `POST /api/v1/admin/password` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    current_password: String,
    new_password: String,
}

/// `POST /api/v1/admin/password` answer: what the change ended.
#[derive(Debug, Serialize)]
pub struct PasswordChanged {
    /// The account's sessions ended (all but the one that made the change).
    sessions_ended: u64,
    /// The account's API tokens revoked (all of them).
    tokens_revoked: u64,
}

/// `POST /api/v1/admin/password`: changes the own password, ends every other session and
/// revokes every API token of the account (the calling one too, if it is a token).
pub async fn change_password(
    signed: Signed,
    body: Json<PasswordBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let PasswordBody {
        current_password,
        new_password,
    } = body.into_inner();
    let ended = sessions::change_password(
        &*state.store,
        signed.actor.id,
        current_password,
        new_password,
        signed.session.as_deref(),
        Utc::now(),
    )
    .await
    .map_err(sign_in_refused)?;
    Ok(HttpResponse::Ok().json(PasswordChanged {
        sessions_ended: ended.sessions,
        tokens_revoked: ended.tokens,
    }))
}

/// `POST /api/v1/admin/tokens` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    name: String,
}

/// A token as listed (never its secret).
#[derive(Debug, Serialize)]
pub struct TokenView {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    /// The secret, only in the answer that created it.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

impl From<TokenRow> for TokenView {
    fn from(row: TokenRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            created_at: row.created_at,
            last_used_at: row.last_used_at,
            revoked_at: row.revoked_at,
            token: None,
        }
    }
}

/// `POST /api/v1/admin/tokens`: a new personal API token; its secret is shown once. Only a
/// cookie session mints tokens: a token that could mint tokens would let whoever holds it
/// keep access after it is revoked.
pub async fn create_token(
    signed: Signed,
    body: Json<NewTokenBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_session()?;
    let name = body.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_FIELD_CHARS {
        return Err(ApiError::invalid(
            "name",
            "name the token (1 to 254 characters), e.g. after the device or script",
            "Bitte benennen Sie das Token (1 bis 254 Zeichen).",
        ));
    }
    let secret = new_api_token().map_err(|e| ApiError::Internal(no_randomness(e)))?;
    let row = TokenRow {
        id: Uuid::now_v7(),
        account_id: signed.actor.id,
        name,
        secret_hash: secret_hash(&secret),
        created_at: Utc::now(),
        last_used_at: None,
        revoked_at: None,
    };
    state.store.create_token(&row).await?;
    let mut view = TokenView::from(row);
    view.token = Some(secret);
    Ok(HttpResponse::Created().json(view))
}

/// `GET /api/v1/admin/tokens`: the own tokens.
pub async fn list_tokens(
    signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let tokens: Vec<TokenView> = state
        .store
        .list_tokens(signed.actor.id)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({ "tokens": tokens })))
}

/// `DELETE /api/v1/admin/tokens/{id}`: revokes one of the own tokens.
pub async fn revoke_token(
    signed: Signed,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    if state
        .store
        .revoke_token(signed.actor.id, id, Utc::now())
        .await?
    {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound)
    }
}
