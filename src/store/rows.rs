//! Row types shared by both backends and their conversion into validated domain types.

use crate::boundaries::codec;
use crate::domain::{
    Area, AreaKey, Authority, AuthorityKey, Category, CategoryCode, Kreis, RoutingRule,
    RoutingScope, RoutingTarget, State,
};
use crate::jurisdiction::BoundaryArea;

use super::Error;

/// `authorities` row.
#[derive(Debug, sqlx::FromRow)]
pub struct AuthorityRow {
    pub key: String,
    pub name: String,
    pub kind: String,
    pub state: String,
    pub contact_email: String,
}

impl TryFrom<AuthorityRow> for Authority {
    type Error = Error;

    fn try_from(row: AuthorityRow) -> Result<Self, Error> {
        Ok(Authority {
            key: AuthorityKey::parse(&row.key).map_err(corrupt)?,
            kind: row.kind.parse().map_err(corrupt)?,
            state: row.state.parse().map_err(corrupt)?,
            name: row.name,
            contact_email: row.contact_email,
        })
    }
}

/// `areas` row (with the encoded outline).
#[derive(Debug, sqlx::FromRow)]
pub struct AreaRow {
    pub key: String,
    pub name: String,
    pub official_name: String,
    pub state: String,
    pub kreis_key: String,
    pub kreis_name: String,
    pub authority_key: String,
    pub kreis_authority_key: String,
    pub source_id: String,
    pub precision_rank: i32,
    pub geometry: Vec<u8>,
}

impl TryFrom<AreaRow> for BoundaryArea {
    type Error = Error;

    fn try_from(row: AreaRow) -> Result<Self, Error> {
        let shape = codec::decode(&row.geometry).map_err(corrupt)?;
        Ok(BoundaryArea {
            area: Area {
                key: AreaKey::parse(&row.key).map_err(corrupt)?,
                state: row.state.parse::<State>().map_err(corrupt)?,
                authority: AuthorityKey::parse(&row.authority_key).map_err(corrupt)?,
                kreis_authority: AuthorityKey::parse(&row.kreis_authority_key).map_err(corrupt)?,
                name: row.name,
                official_name: row.official_name,
                kreis: Kreis {
                    key: row.kreis_key,
                    name: row.kreis_name,
                },
                source: row.source_id,
                precision: row.precision_rank,
            },
            shape,
        })
    }
}

/// `categories` row.
#[derive(Debug, sqlx::FromRow)]
pub struct CategoryRow {
    pub code: String,
    pub name_de: String,
    pub name_en: String,
    pub group_code: String,
    pub notice_de: Option<String>,
    pub notice_en: Option<String>,
    pub routing_level: String,
    pub routing_authority_key: Option<String>,
    pub active: bool,
    pub sort_order: i32,
}

impl TryFrom<CategoryRow> for Category {
    type Error = Error;

    fn try_from(row: CategoryRow) -> Result<Self, Error> {
        Ok(Category {
            code: CategoryCode::parse(&row.code).map_err(corrupt)?,
            routing: RoutingTarget::from_parts(
                &row.routing_level,
                row.routing_authority_key.as_deref(),
            )
            .map_err(corrupt)?,
            name_de: row.name_de,
            name_en: row.name_en,
            group: row.group_code,
            notice_de: row.notice_de,
            notice_en: row.notice_en,
            active: row.active,
            sort_order: row.sort_order,
        })
    }
}

/// `routing_rules` row.
#[derive(Debug, sqlx::FromRow)]
pub struct RoutingRuleRow {
    pub category_code: String,
    pub scope: String,
    pub scope_key: String,
    pub target_level: String,
    pub target_authority_key: Option<String>,
}

impl TryFrom<RoutingRuleRow> for RoutingRule {
    type Error = Error;

    fn try_from(row: RoutingRuleRow) -> Result<Self, Error> {
        let scope = match row.scope.as_str() {
            "state" => RoutingScope::State(row.scope_key.parse().map_err(corrupt)?),
            "kreis" => RoutingScope::Kreis(row.scope_key),
            other => return Err(Error::Corrupt(format!("routing scope {other:?}"))),
        };
        Ok(RoutingRule {
            scope,
            category: CategoryCode::parse(&row.category_code).map_err(corrupt)?,
            target: RoutingTarget::from_parts(
                &row.target_level,
                row.target_authority_key.as_deref(),
            )
            .map_err(corrupt)?,
        })
    }
}

fn corrupt(error: impl std::fmt::Display) -> Error {
    Error::Corrupt(error.to_string())
}

/// Converts every row, failing on the first invalid one.
pub fn convert_all<R, T: TryFrom<R, Error = Error>>(rows: Vec<R>) -> Result<Vec<T>, Error> {
    rows.into_iter().map(T::try_from).collect()
}
