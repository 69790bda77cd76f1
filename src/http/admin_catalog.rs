//! The admin API: accounts, answer templates and authorities' contact addresses (admins
//! only), and the public statistics of an authority.

use super::input::Json;
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::auth::Signed;
use super::{ApiError, AppState};
use crate::accounts::{AccountError, AccountInput, check_authorities, create_account};
use crate::domain::{
    AuthorityKey, Category, CategoryCode, DESCRIPTION_MAX_CHARS, Email, Language, RoutingRule,
    RoutingScope, RoutingTarget, TargetStatus,
};
use crate::jurisdiction::AuthorityView;
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

/// `GET /api/v1/admin/answer-templates` (every signed-in account: clerks answer with them).
pub async fn list_templates(
    _signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let templates: Vec<_> = state
        .store
        .answer_templates()
        .await?
        .into_iter()
        .map(|t| json!({ "status": t.status, "language": t.language, "body": t.body, "updated_at": t.updated_at }))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "templates": templates })))
}

/// `PUT /api/v1/admin/answer-templates/{status}/{language}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    body: String,
}

/// `PUT /api/v1/admin/answer-templates/{status}/{language}`: replaces a template.
pub async fn set_template(
    signed: Signed,
    path: web::Path<(String, String)>,
    body: Json<TemplateBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let (status, language) = path.into_inner();
    // Templates exist for the statuses a clerk moves a report to, in the report languages.
    if status.parse::<TargetStatus>().is_err() || Language::parse(&language).is_err() {
        return Err(ApiError::NotFound);
    }
    let text = body.into_inner().body.trim().to_owned();
    if text.is_empty() || text.chars().count() > DESCRIPTION_MAX_CHARS {
        return Err(ApiError::invalid(
            "body",
            "1 to 4000 characters",
            "1 bis 4000 Zeichen",
        ));
    }
    let now = Utc::now();
    state
        .store
        .set_answer_template(&status, &language, &text, now)
        .await?;
    Ok(HttpResponse::Ok()
        .json(json!({ "status": status, "language": language, "body": text, "updated_at": now })))
}

/// `PUT /api/v1/admin/authorities/{key}/contact` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactBody {
    email: String,
}

/// `PUT /api/v1/admin/authorities/{key}/contact`: the address new-report mails go to
/// (empty: none). Kept by later boundary imports.
pub async fn set_contact(
    signed: Signed,
    path: web::Path<String>,
    body: Json<ContactBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let key = AuthorityKey::parse(&path).map_err(|_| ApiError::NotFound)?;
    if state.jurisdiction.current().authority(&key).is_none() {
        return Err(ApiError::NotFound);
    }
    let email = body.into_inner().email.trim().to_owned();
    if !email.is_empty() {
        Email::parse(&email)
            .map_err(|e| ApiError::invalid("email", e.reason, "Ungültige E-Mail-Adresse"))?;
    }
    state
        .store
        .set_authority_contact(key.as_str(), &email)
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "key": key.as_str(), "contact_email": email })))
}

/// `GET /api/v1/authorities/{key}/stats` (public): lights, reaction and resolution times,
/// overdue share — withheld below the minimum number of reports.
pub async fn authority_stats(
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let key = AuthorityKey::parse(&path).map_err(|_| ApiError::NotFound)?;
    let engine = state.jurisdiction.current();
    let authority = engine.authority(&key).ok_or(ApiError::NotFound)?;
    let rows = state.store.stats_rows(key.as_str()).await?;
    let stats = crate::stats::compute(&rows, Utc::now());
    Ok(HttpResponse::Ok().json(json!({
        "authority": AuthorityView::from(authority),
        "promise_working_days": state.settings.service_promise_days,
        "stats": stats,
    })))
}

/// Reloads the categories and routing rules into the engine of this instance (other
/// instances pick the change up within their refresh interval).
async fn refresh_catalog(state: &AppState) -> Result<(), ApiError> {
    crate::catalog::refresh(&*state.store, &state.jurisdiction)
        .await
        .map_err(ApiError::Internal)
}

/// A routing target in a request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    level: String,
    authority: Option<String>,
}

impl TargetBody {
    fn parse(&self, state: &AppState) -> Result<RoutingTarget, ApiError> {
        let target = RoutingTarget::from_parts(&self.level, self.authority.as_deref())
            .map_err(|e| ApiError::invalid("level", e.reason, "Ungültige Zuständigkeitsebene"))?;
        if let Some(key) = target.authority()
            && state.jurisdiction.current().authority(key).is_none()
        {
            return Err(ApiError::UnknownReference {
                field: "authority".into(),
                detail: format!("there is no authority {:?}", key.as_str()),
                detail_de: format!("Die Behörde {:?} gibt es nicht.", key.as_str()),
            });
        }
        Ok(target)
    }
}

/// `GET /api/v1/admin/categories`: every category, inactive ones too.
pub async fn list_all_categories(
    signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let categories = state.store.list_categories().await?;
    Ok(HttpResponse::Ok().json(json!({ "categories": categories })))
}

/// `PUT /api/v1/admin/categories/{code}` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    name_de: String,
    name_en: String,
    group: String,
    notice_de: Option<String>,
    notice_en: Option<String>,
    routing: TargetBody,
    active: bool,
    sort_order: i32,
}

/// A required name: trimmed, 1 to `max` characters.
fn name(field: &'static str, text: &str, max: usize) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("1 to {max} characters"),
            format!("1 bis {max} Zeichen"),
        ));
    }
    Ok(text.to_owned())
}

/// An optional notice: trimmed, empty is none, at most 1,000 characters.
fn notice(field: &'static str, text: Option<&str>) -> Result<Option<String>, ApiError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(t) => name(field, t, 1000).map(Some),
    }
}

/// `PUT /api/v1/admin/categories/{code}`: creates or replaces a category (201 when new).
/// Deactivate instead of deleting: old reports keep their category.
pub async fn put_category(
    signed: Signed,
    path: web::Path<String>,
    body: Json<CategoryBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let code = CategoryCode::parse(&path)
        .map_err(|e| ApiError::invalid("code", e.reason, "Ungültiger Kategorie-Code"))?;
    let body = body.into_inner();
    let category = Category {
        code,
        name_de: name("name_de", &body.name_de, 100)?,
        name_en: name("name_en", &body.name_en, 100)?,
        group: name("group", &body.group, 40)?,
        notice_de: notice("notice_de", body.notice_de.as_deref())?,
        notice_en: notice("notice_en", body.notice_en.as_deref())?,
        routing: body.routing.parse(&state)?,
        active: body.active,
        sort_order: body.sort_order,
    };
    let created = state.store.put_category(&category).await?;
    refresh_catalog(&state).await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(category))
}

/// `GET /api/v1/admin/routing-rules`.
pub async fn list_routing_rules(
    signed: Signed,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let rules = state.store.list_routing_rules().await?;
    Ok(HttpResponse::Ok().json(json!({ "rules": rules })))
}

/// The (category, scope, key) of a routing rule's path, checked.
fn rule_scope(
    state: &AppState,
    category: &str,
    scope: &str,
    key: &str,
) -> Result<(CategoryCode, RoutingScope), ApiError> {
    let engine = state.jurisdiction.current();
    let category = CategoryCode::parse(category)
        .ok()
        .filter(|c| engine.category(c.as_str()).is_some())
        .ok_or(ApiError::NotFound)?;
    let scope = match scope {
        "state" => RoutingScope::State(key.parse().map_err(|_| ApiError::NotFound)?),
        "kreis" if engine.areas().iter().any(|a| a.kreis.key == key) => {
            RoutingScope::Kreis(key.to_owned())
        }
        _ => return Err(ApiError::NotFound),
    };
    Ok((category, scope))
}

/// `PUT /api/v1/admin/routing-rules/{category}/{scope}/{key}`: in a state (`state`, `BB`) or
/// Kreis (`kreis`, `12067`), reports of the category go to the target.
pub async fn put_routing_rule(
    signed: Signed,
    path: web::Path<(String, String, String)>,
    body: Json<TargetBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let (category, scope, key) = path.into_inner();
    let (category, scope) = rule_scope(&state, &category, &scope, &key)?;
    let rule = RoutingRule {
        scope,
        category,
        target: body.parse(&state)?,
    };
    state.store.put_routing_rule(&rule).await?;
    refresh_catalog(&state).await?;
    Ok(HttpResponse::Ok().json(rule))
}

/// `DELETE /api/v1/admin/routing-rules/{category}/{scope}/{key}`: the category's default
/// applies there again.
pub async fn delete_routing_rule(
    signed: Signed,
    path: web::Path<(String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    signed.require_admin()?;
    let (category, scope, key) = path.into_inner();
    rule_scope(&state, &category, &scope, &key)?;
    if !state
        .store
        .delete_routing_rule(&category, &scope, &key)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    refresh_catalog(&state).await?;
    Ok(HttpResponse::NoContent().finish())
}
