//! Categories as Open311 services, and their service definitions.
//!
//! Every service has one attribute a client may answer, `language` (the language of the mails
//! the reporter gets, the native filing's `language`). A category with a notice (e.g.
//! "emergencies: call 110/112") also shows it as an informational attribute
//! (`variable: false`), as the spec intends such texts to be shown. `metadata` tells a client
//! it must read the definition before filing; it is `true` only for a service with a
//! required attribute (none today), derived from the definition itself so the two cannot
//! disagree. The definition stays readable for every service.

use super::Node;
use crate::domain::Category;

/// The code of the language attribute (`attribute[language]=de|en`).
pub const LANGUAGE_ATTRIBUTE: &str = "language";
/// The code of the informational notice attribute.
pub const NOTICE_ATTRIBUTE: &str = "notice";

/// Our services are `realtime` (the id comes back at once) when filings are public at once;
/// when they wait for moderation or an email confirmation the POST answers a token (`batch`),
/// since the request's public id means nothing until it is published.
pub fn service_type(realtime: bool) -> &'static str {
    if realtime { "realtime" } else { "batch" }
}

/// One `service` of the service list.
pub fn service_node(category: &Category, realtime: bool) -> Node {
    Node::Object(vec![
        ("service_code", Node::Text(category.code.to_string())),
        ("service_name", Node::Text(category.name_de.clone())),
        ("description", Node::Text(description(category))),
        ("metadata", Node::Bool(has_required_attribute(category))),
        ("type", Node::Text(service_type(realtime).into())),
        (
            "keywords",
            Node::Text(format!("{},{}", category.name_en, category.code)),
        ),
        ("group", Node::Text(category.group.clone())),
    ])
}

/// Whether the service's definition has an attribute a filing must answer.
pub fn has_required_attribute(category: &Category) -> bool {
    let Node::Object(fields) = definition_node(category) else {
        return false;
    };
    fields.iter().any(|(name, value)| {
        *name == "attributes"
            && matches!(value, Node::List { items, .. } if items.iter().any(|attribute| {
                matches!(attribute, Node::Object(a)
                    if a.iter().any(|(n, v)| *n == "required" && *v == Node::Bool(true)))
            }))
    })
}

/// German name, English name, and the notice when there is one.
fn description(category: &Category) -> String {
    let mut text = format!("{} ({})", category.name_de, category.name_en);
    if let Some(notice) = &category.notice_de {
        text.push_str(". ");
        text.push_str(notice);
    }
    text
}

/// The `service_definition` of a category.
pub fn definition_node(category: &Category) -> Node {
    let mut attributes = vec![Node::Object(vec![
        ("variable", Node::Bool(true)),
        ("code", Node::Text(LANGUAGE_ATTRIBUTE.into())),
        ("datatype", Node::Text("singlevaluelist".into())),
        ("required", Node::Bool(false)),
        (
            "datatype_description",
            Node::Text("de (default) or en / de (Standard) oder en".into()),
        ),
        ("order", Node::Integer(1)),
        (
            "description",
            Node::Text("Sprache der Benachrichtigungen / Language of notifications".into()),
        ),
        (
            "values",
            Node::list(
                "value",
                vec![value_node("de", "Deutsch"), value_node("en", "English")],
            ),
        ),
    ])];
    if let Some(notice) = &category.notice_de {
        let english = category.notice_en.as_deref().unwrap_or_default();
        attributes.push(Node::Object(vec![
            ("variable", Node::Bool(false)),
            ("code", Node::Text(NOTICE_ATTRIBUTE.into())),
            ("datatype", Node::Text("text".into())),
            ("required", Node::Bool(false)),
            ("datatype_description", Node::Null),
            ("order", Node::Integer(2)),
            (
                "description",
                Node::Text(if english.is_empty() {
                    notice.clone()
                } else {
                    format!("{notice} / {english}")
                }),
            ),
            ("values", Node::list("value", Vec::new())),
        ]));
    }
    Node::Object(vec![
        ("service_code", Node::Text(category.code.to_string())),
        ("attributes", Node::list("attribute", attributes)),
    ])
}

fn value_node(key: &str, name: &str) -> Node {
    Node::Object(vec![
        ("key", Node::Text(key.into())),
        ("name", Node::Text(name.into())),
    ])
}
