//! The admin API's accounts: listing, creating (a generated password is shown once) and
//! changing clerks and admins (admins only).

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::input::Json;
use super::{ApiError, AppState};
use crate::accounts::{AccountError, AccountInput, check_authorities, create_account};
use crate::store::accounts::{AccountChange, AccountRow};

/// An account as admins see it (never its password hash).
#[derive(Debug, Serialize)]
pub struct AccountView {
    id: Uuid,
    email: String,
    display_name: String,
    is_admin: bool,
    active: bool,
    authorities: Vec<String>,
    created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
}

impl AccountView {
    fn new(row: AccountRow, authorities: Vec<String>) -> Self {
        Self {
            id: row.id,
            email: row.email,
            display_name: row.display_name,
            is_admin: row.is_admin,
            active: row.active,
            authorities,
            created_at: row.created_at,
            password: None,
        }
    }
}

fn account_error(error: AccountError) -> ApiError {
    match error {
        AccountError::Invalid { field, reason } => {
            let de = format!("{field}: {reason}");
            ApiError::invalid(field, reason, de)
        }
        AccountError::UnknownAuthority(key) => ApiError::UnknownReference {
            field: "authorities".into(),
            detail: format!("there is no authority {key:?}"),
            detail_de: format!("Die Behörde {key:?} gibt es nicht."),
        },
        AccountError::EmailTaken => ApiError::Duplicate(
            "an account with this email exists already".into(),
            "Ein Konto mit dieser E-Mail-Adresse gibt es schon.".into(),
        ),
        AccountError::Internal(e) => ApiError::Internal(e),
    }
}

/// `GET /api/v1/admin/accounts`.
pub async fn list_accounts(
    signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let mut accounts = Vec::new();
    for row in state.store.list_accounts().await? {
        let authorities = state.store.account_authorities(row.id).await?;
        accounts.push(AccountView::new(row, authorities));
    }
    Ok(HttpResponse::Ok().json(json!({ "accounts": accounts })))
}

/// `POST /api/v1/admin/accounts` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    email: String,
    display_name: Option<String>,
    password: Option<String>,
    #[serde(default)]
    is_admin: bool,
    #[serde(default)]
    authorities: Vec<String>,
}

/// `POST /api/v1/admin/accounts`: a new clerk or admin; a generated password is shown once.
pub async fn create(
    signed: Signed,
    body: Json<NewAccountBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let body = body.into_inner();
    let (id, password) = create_account(
        &*state.store,
        AccountInput {
            email: body.email,
            display_name: body.display_name,
            password: body.password,
            is_admin: body.is_admin,
            authorities: body.authorities,
        },
        Utc::now(),
    )
    .await
    .map_err(account_error)?;
    let row = state.store.account(id).await?.ok_or(ApiError::NotFound)?;
    let mut view = AccountView::new(row, state.store.account_authorities(id).await?);
    view.password = password;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/admin/accounts/{id}")))
        .json(view))
}

/// `PATCH /api/v1/admin/accounts/{id}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountChangeBody {
    display_name: Option<String>,
    is_admin: Option<bool>,
    active: Option<bool>,
    authorities: Option<Vec<String>>,
}

/// `PATCH /api/v1/admin/accounts/{id}`: name, role, authorities, (de)activation.
pub async fn update(
    signed: Signed,
    path: web::Path<String>,
    body: Json<AccountChangeBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let id = Uuid::parse_str(&path).map_err(|_| ApiError::NotFound)?;
    state.store.account(id).await?.ok_or(ApiError::NotFound)?;
    let body = body.into_inner();
    if id == signed.actor.id && (body.active == Some(false) || body.is_admin == Some(false)) {
        return Err(ApiError::NotAllowed(
            "admins cannot deactivate or demote themselves (ask another admin)".into(),
        ));
    }
    if body.active == Some(true) && state.store.is_anonymised(id).await? {
        return Err(ApiError::NotAllowed(
            "an anonymised account cannot be activated again (create a new one)".into(),
        ));
    }
    let authorities = match &body.authorities {
        Some(keys) => Some(
            check_authorities(&*state.store, keys)
                .await
                .map_err(account_error)?,
        ),
        None => None,
    };
    let display_name = body.display_name.map(|n| n.trim().to_owned());
    if display_name
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 100)
    {
        return Err(ApiError::invalid(
            "display_name",
            "1 to 100 characters",
            "1 bis 100 Zeichen",
        ));
    }
    state
        .store
        .update_account(
            id,
            &AccountChange {
                display_name,
                is_admin: body.is_admin,
                active: body.active,
                authorities,
            },
            Utc::now(),
        )
        .await?;
    let row = state.store.account(id).await?.ok_or(ApiError::NotFound)?;
    Ok(HttpResponse::Ok().json(AccountView::new(
        row,
        state.store.account_authorities(id).await?,
    )))
}
