//! Extractors that apply the text rule (`domain::text`) to every string a request carries
//! before a handler sees it: each JSON value and key, each query parameter, each form field.
//! One place, so no route can forget it, and the refusal names the field.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::ApiError;
use crate::domain::text::refused_char;

/// The 400 for a field holding a refused character.
pub fn refused_text(field: impl Into<String>, reason: String) -> ApiError {
    let field = field.into();
    ApiError::invalid(
        field.clone(),
        format!("{field}: {reason}"),
        format!(
            "{field}: Steuerzeichen (außer Tabulator und Zeilenumbruch) und bidirektionale Steuerzeichen sind nicht erlaubt"
        ),
    )
}

/// Checks every string of a JSON document (keys too), naming a bad one by its path
/// (`description`, `authorities[1]`, `routing.level`).
pub fn check_json_text(value: &Value) -> Result<(), ApiError> {
    check_json_at(value, &mut String::new())
}

fn check_json_at(value: &Value, path: &mut String) -> Result<(), ApiError> {
    match value {
        Value::String(text) => match refused_char(text) {
            Some(reason) => Err(refused_text(field_name(path), reason)),
            None => Ok(()),
        },
        Value::Array(items) => items.iter().enumerate().try_for_each(|(i, item)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let result = check_json_at(item, path);
            path.truncate(len);
            result
        }),
        Value::Object(members) => members.iter().try_for_each(|(key, item)| {
            let len = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(key);
            if let Some(reason) = refused_char(key) {
                return Err(refused_text("body", format!("a key: {reason}")));
            }
            let result = check_json_at(item, path);
            path.truncate(len);
            result
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

fn field_name(path: &str) -> &str {
    if path.is_empty() { "body" } else { path }
}

/// Checks decoded name–value pairs (a query string or a form-encoded body); the name of a bad
/// pair is the field.
pub fn check_pairs(pairs: &[(String, String)]) -> Result<(), (String, String)> {
    for (name, value) in pairs {
        if let Some(reason) = refused_char(name) {
            return Err(("query".to_owned(), format!("a parameter name: {reason}")));
        }
        if let Some(reason) = refused_char(value) {
            return Err((name.clone(), reason));
        }
    }
    Ok(())
}

/// A JSON body whose every string passed the text rule, deserialized into `T`. Use it
/// instead of `web::Json` (whose size limit and error handler it shares).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> DerefMut for Json<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<Value>::from_request(request, payload);
        Box::pin(async move {
            let value = value.await?.into_inner();
            check_json_text(&value)?;
            serde_json::from_value(value)
                .map(Json)
                .map_err(|e| body_not_matching(&e.to_string()).into())
        })
    }
}

/// The 400 for a well-formed JSON body of the wrong shape.
pub fn body_not_matching(reason: &str) -> ApiError {
    ApiError::invalid(
        "body",
        format!("the body is not valid JSON for this request: {reason}"),
        format!("Der Inhalt ist kein passendes JSON: {reason}"),
    )
}

/// A query string whose every parameter passed the text rule, deserialized into `T`. Use it
/// instead of `web::Query`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    /// The parameters.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(request.query_string()).map_err(Into::into))
    }
}

fn parse_query<T: DeserializeOwned>(query: &str) -> Result<Query<T>, ApiError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query).map_err(|e| query_error(&e.to_string()))?;
    check_pairs(&pairs).map_err(|(field, reason)| refused_text(field, reason))?;
    serde_urlencoded::from_str(query)
        .map(Query)
        .map_err(|e| query_error(&e.to_string()))
}

/// The 400 for a query string that does not fit the route.
pub fn query_error(reason: &str) -> ApiError {
    ApiError::invalid(
        "query",
        format!("Query deserialize error: {reason}"),
        format!("Ungültige Abfrage: {reason}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field_of(value: Value) -> Option<String> {
        match check_json_text(&value) {
            Err(ApiError::InvalidParameter { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn names_the_json_field_that_holds_a_refused_character() {
        assert_eq!(field_of(json!({ "description": "ok\nfine", "n": 3 })), None);
        assert_eq!(
            field_of(json!({ "description": "a\u{0}b" })).as_deref(),
            Some("description")
        );
        assert_eq!(
            field_of(json!({ "authorities": ["1", "x\u{202e}"] })).as_deref(),
            Some("authorities[1]")
        );
        assert_eq!(
            field_of(json!({ "routing": { "level": "\u{1b}" } })).as_deref(),
            Some("routing.level")
        );
        assert_eq!(field_of(json!({ "a\u{0}": 1 })).as_deref(), Some("body"));
        assert_eq!(field_of(json!("\u{7}")).as_deref(), Some("body"));
    }

    #[test]
    fn names_the_query_parameter_that_holds_a_refused_character() {
        let parsed: Result<Query<Vec<(String, String)>>, _> = parse_query("q=a%00b&x=1");
        match parsed {
            Err(ApiError::InvalidParameter { field, .. }) => assert_eq!(field, "q"),
            other => panic!("{other:?}"),
        }
        assert!(parse_query::<Vec<(String, String)>>("q=Stra%C3%9Fe%0A").is_ok());
    }
}
