//! The admin API's catalog: categories and the routing rules that send a category's reports
//! to another authority in a state or Kreis (admins only). A change reloads this instance's
//! routing engine at once; other instances pick it up within their refresh interval.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::auth::Signed;
use super::input::Json;
use super::{ApiError, AppState};
use crate::domain::{Category, CategoryCode, RoutingRule, RoutingScope, RoutingTarget};

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
