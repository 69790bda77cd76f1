//! Category routing: which authority handles a category in a given area.

use std::collections::HashMap;

use crate::domain::{
    Area, AuthorityKey, Category, CategoryCode, RoutingRule, RoutingScope, RoutingTarget,
};

/// The routing table: per category its default target, overridden per state and per Kreis.
#[derive(Debug, Default, Clone)]
pub struct RoutingTable {
    defaults: HashMap<CategoryCode, RoutingTarget>,
    rules: HashMap<(CategoryCode, RoutingScope), RoutingTarget>,
}

impl RoutingTable {
    /// Builds the table from the categories' defaults and the rules.
    pub fn new(categories: &[Category], rules: &[RoutingRule]) -> Self {
        Self {
            defaults: categories
                .iter()
                .map(|c| (c.code.clone(), c.routing.clone()))
                .collect(),
            rules: rules
                .iter()
                .map(|r| ((r.category.clone(), r.scope.clone()), r.target.clone()))
                .collect(),
        }
    }

    /// The target for a category in an area: the Kreis rule, else the state rule, else the
    /// category's default, else the municipal authority.
    pub fn target(&self, area: &Area, category: &CategoryCode) -> RoutingTarget {
        let kreis = (
            category.clone(),
            RoutingScope::Kreis(area.kreis.key.clone()),
        );
        let state = (category.clone(), RoutingScope::State(area.state));
        self.rules
            .get(&kreis)
            .or_else(|| self.rules.get(&state))
            .or_else(|| self.defaults.get(category))
            .cloned()
            .unwrap_or(RoutingTarget::Municipal)
    }

    /// The authority a target names in an area.
    pub fn resolve<'a>(area: &'a Area, target: &'a RoutingTarget) -> &'a AuthorityKey {
        match target {
            RoutingTarget::Municipal => &area.authority,
            RoutingTarget::Kreis => &area.kreis_authority,
            RoutingTarget::Authority(key) => key,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AreaKey, Kreis, State};

    fn area() -> Area {
        Area {
            key: AreaKey::parse("12067072").unwrap(),
            name: "Briesen (Mark)".into(),
            official_name: "Briesen (Mark)".into(),
            state: State::Brandenburg,
            kreis: Kreis {
                key: "12067".into(),
                name: "Landkreis Oder-Spree".into(),
            },
            authority: AuthorityKey::parse("120675706").unwrap(),
            kreis_authority: AuthorityKey::parse("12067").unwrap(),
            source: "test".into(),
            precision: 1,
        }
    }

    fn category(code: &str, routing: RoutingTarget) -> Category {
        Category {
            code: CategoryCode::parse(code).unwrap(),
            name_de: code.into(),
            name_en: code.into(),
            group: "g".into(),
            notice_de: None,
            notice_en: None,
            routing,
            active: true,
            sort_order: 0,
        }
    }

    #[test]
    fn kreis_rule_beats_state_rule_beats_default() {
        let dumping = CategoryCode::parse("litter_dumping").unwrap();
        let lights = CategoryCode::parse("street_lighting").unwrap();
        let agency = AuthorityKey::parse("BB-LS").unwrap();
        let categories = [
            category("litter_dumping", RoutingTarget::Municipal),
            category("street_lighting", RoutingTarget::Municipal),
        ];
        let state_rule = RoutingRule {
            scope: RoutingScope::State(State::Brandenburg),
            category: dumping.clone(),
            target: RoutingTarget::Kreis,
        };
        let table = RoutingTable::new(&categories, std::slice::from_ref(&state_rule));
        let a = area();
        assert_eq!(table.target(&a, &dumping), RoutingTarget::Kreis);
        assert_eq!(table.target(&a, &lights), RoutingTarget::Municipal);
        assert_eq!(
            RoutingTable::resolve(&a, &RoutingTarget::Kreis).as_str(),
            "12067"
        );

        let kreis_rule = RoutingRule {
            scope: RoutingScope::Kreis("12067".into()),
            category: dumping.clone(),
            target: RoutingTarget::Authority(agency.clone()),
        };
        let table = RoutingTable::new(&categories, &[state_rule, kreis_rule]);
        let target = table.target(&a, &dumping);
        assert_eq!(RoutingTable::resolve(&a, &target), &agency);
    }

    #[test]
    fn unknown_category_goes_to_the_municipality() {
        let table = RoutingTable::default();
        let a = area();
        let target = table.target(&a, &CategoryCode::parse("other").unwrap());
        assert_eq!(RoutingTable::resolve(&a, &target).as_str(), "120675706");
    }
}
