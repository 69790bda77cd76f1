//! A POSTed GeoReport v2 request form, translated into a native filing.
//!
//! Names: `service_code` → category, `lat`/`long` → location, `address_string` → the address
//! hint; without `lat`/`long` the address is placed through the place search (the caller does
//! that, see [`super::address`]). An `address_id` alone is refused with a clear error: there is
//! no address register to look it up in. `first_name` + `last_name` → the reporter's name,
//! `email` → email, `attribute[language]` → language, `description` → description (optional
//! as in the spec when a photo or a media link shows what is wrong).
//! `phone`, `device_id` and `account_id` are accepted and not stored: the native filing has no
//! place for them, and what is not stored cannot leak. `media_url` may be an `http`/`https`
//! link, stored and shown as given and never fetched (fetching would let clients make the
//! server request arbitrary addresses), or a `data:` URI of a JPEG, PNG or WebP image (as
//! FixMyStreet sends them). Photos can also be uploaded as multipart `media` files (the
//! extension Helsinki and Bloomington use); `data:` and `media` photos go through the native
//! photo pipeline. Other schemes are refused.
//!
//! As the spec says, an empty value is treated as an absent one.

use base64::Engine as _;

use super::ErrorItem;
use super::services::LANGUAGE_ATTRIBUTE;
use crate::domain::{InvalidValue, ReportInput};

/// Most `data:` media per request (the native photo limit applies on top).
const MAX_DATA_MEDIA: usize = 5;

/// A request form, translated.
#[derive(Debug, Default)]
pub struct RequestForm {
    /// The client's key (checked by the caller).
    pub api_key: Option<String>,
    /// The conditional `jurisdiction_id`.
    pub jurisdiction_id: Option<String>,
    /// The native filing's fields.
    pub input: ReportInput,
    /// Decoded `data:` media, in order.
    pub media: Vec<Vec<u8>>,
    /// True when the location must come from `address_string` (no `lat`/`long` given).
    pub place_address: bool,
}

/// Translates the form's fields (in order, repeated keys kept); returns every problem at once.
pub fn parse_request_form(fields: Vec<(String, String)>) -> Result<RequestForm, Vec<ErrorItem>> {
    let mut form = RequestForm::default();
    let mut errors = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let (mut lat, mut long, mut first, mut last) = (None, None, None, None);
    let mut address_id = None;
    for (key, value) in fields {
        let value = value.trim().to_owned();
        if value.is_empty() {
            continue;
        }
        if seen.contains(&key) {
            errors.push(ErrorItem::new(
                400,
                format!("{key} is given more than once"),
                format!("{key} ist mehrfach angegeben"),
            ));
            continue;
        }
        seen.push(key.clone());
        match key.as_str() {
            "api_key" => form.api_key = Some(value),
            "jurisdiction_id" => form.jurisdiction_id = Some(value),
            "service_code" => form.input.category = Some(value),
            "description" => form.input.description = Some(value),
            "email" => form.input.email = Some(value),
            "first_name" => first = Some(value),
            "last_name" => last = Some(value),
            "address_string" => form.input.address = Some(value),
            "address_id" => address_id = Some(value),
            "lat" => lat = number("lat", &value, &mut errors),
            "long" => long = number("long", &value, &mut errors),
            // Accepted, deliberately not stored (see the module documentation).
            "phone" | "device_id" | "account_id" => {}
            "media_url" if is_link(&value) => form.input.media_url = Some(value),
            "media_url" => match decode_data_uri(&value) {
                Ok(bytes) if form.media.len() < MAX_DATA_MEDIA => form.media.push(bytes),
                Ok(_) => errors.push(ErrorItem::new(
                    400,
                    format!("at most {MAX_DATA_MEDIA} media per request"),
                    format!("höchstens {MAX_DATA_MEDIA} Medien je Meldung"),
                )),
                Err(error) => errors.push(error),
            },
            other => {
                if let Some(code) = attribute_code(other) {
                    match code {
                        AttributeKey::Single(LANGUAGE_ATTRIBUTE) => {
                            form.input.language = Some(value);
                        }
                        AttributeKey::Multi(LANGUAGE_ATTRIBUTE) => errors.push(ErrorItem::new(
                            400,
                            "attribute[language] takes one value (singlevaluelist)",
                            "attribute[language] nimmt einen Wert (singlevaluelist)",
                        )),
                        AttributeKey::Single(code) | AttributeKey::Multi(code) => {
                            errors.push(ErrorItem::new(
                                400,
                                format!(
                                    "attribute[{code}] is not an attribute of this service; see its service definition"
                                ),
                                format!(
                                    "attribute[{code}] ist kein Attribut dieses Dienstes; siehe seine Service-Definition"
                                ),
                            ));
                        }
                    }
                }
                // Other keys are not part of GeoReport v2 and are ignored, as clients add
                // their own (the spec names none that must be refused).
            }
        }
    }
    let given = |key: &str| seen.iter().any(|k| k == key);
    match (given("lat"), given("long")) {
        (true, true) => {
            // Unparsable numbers were reported above.
            form.input.lat = lat;
            form.input.lon = long;
        }
        (false, false) if form.input.address.is_some() => form.place_address = true,
        (false, false) if address_id.is_some() => errors.push(ErrorItem::new(
            400,
            "address_id: this service has no address register to look the id up in; send lat and long (WGS84), or an address_string",
            "address_id: dieser Dienst hat kein Adressregister, in dem die Kennung nachzuschlagen wäre; bitte lat und long (WGS84) oder einen address_string senden",
        )),
        (false, false) => errors.push(ErrorItem::new(
            400,
            "a location is required: lat and long (WGS84), or an address_string",
            "ein Ort ist nötig: lat und long (WGS84) oder ein address_string",
        )),
        _ => errors.push(ErrorItem::new(
            400,
            "lat and long must be given together",
            "lat und long gehören zusammen",
        )),
    }
    form.input.name = match (first, last) {
        (Some(f), Some(l)) => Some(format!("{f} {l}")),
        (f, l) => f.or(l),
    };
    if errors.is_empty() {
        Ok(form)
    } else {
        Err(errors)
    }
}

fn number(field: &str, value: &str, errors: &mut Vec<ErrorItem>) -> Option<f64> {
    match value.parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(ErrorItem::new(
                400,
                format!("{field} must be a decimal number (WGS84 degrees), got {value:?}"),
                format!("{field} muss eine Dezimalzahl sein (WGS84-Grad), nicht {value:?}"),
            ));
            None
        }
    }
}

/// `attribute[code]` or `attribute[code][]`.
enum AttributeKey<'a> {
    Single(&'a str),
    Multi(&'a str),
}

fn attribute_code(key: &str) -> Option<AttributeKey<'_>> {
    let inner = key.strip_prefix("attribute[")?;
    if let Some(code) = inner.strip_suffix("][]") {
        Some(AttributeKey::Multi(code))
    } else {
        inner.strip_suffix(']').map(AttributeKey::Single)
    }
}

/// Whether a `media_url` is meant as a link (the domain checks it further).
fn is_link(value: &str) -> bool {
    let lower = value.get(..8).unwrap_or(value).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The bytes of a base64 `data:` URI of an image; the photo pipeline judges the content.
fn decode_data_uri(uri: &str) -> Result<Vec<u8>, ErrorItem> {
    let bad = |en: &str, de: &str| {
        ErrorItem::new(400, format!("media_url: {en}"), format!("media_url: {de}"))
    };
    let Some(rest) = uri.strip_prefix("data:") else {
        return Err(bad(
            "only http and https links (stored and shown as given, never fetched) and data: URIs of images (data:image/jpeg;base64,…) are taken; or upload photos as multipart `media` files",
            "nur http- und https-Links (gespeichert und gezeigt wie gesendet, nie abgerufen) und data:-URIs von Bildern (data:image/jpeg;base64,…) werden angenommen; oder Fotos als multipart-Dateien `media` hochladen",
        ));
    };
    let (meta, data) = rest.split_once(',').ok_or_else(|| {
        bad(
            "a data: URI needs a comma before its data",
            "eine data:-URI braucht ein Komma vor den Daten",
        )
    })?;
    let base64 = meta.strip_suffix(";base64").ok_or_else(|| {
        bad(
            "only base64 data: URIs are accepted",
            "nur base64-kodierte data:-URIs werden angenommen",
        )
    })?;
    if !base64.starts_with("image/") {
        return Err(bad(
            "a data: URI must hold an image (image/jpeg, image/png or image/webp)",
            "eine data:-URI muss ein Bild enthalten (image/jpeg, image/png oder image/webp)",
        ));
    }
    // Form encoding may have turned `+` into spaces on the way; base64 has no spaces.
    let data: String = data.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(data.as_bytes())
        .map_err(|e| {
            bad(
                &format!("the data: URI is not valid base64 ({e})"),
                &format!("die data:-URI ist kein gültiges base64 ({e})"),
            )
        })
}

/// Native validation errors in Open311's names.
pub fn translate_invalid(errors: Vec<InvalidValue>) -> Vec<ErrorItem> {
    errors
        .into_iter()
        .map(|e| {
            let field = match e.field {
                "category" => "service_code",
                "lon" => "long",
                "address" => "address_string",
                "media_url" => "media_url",
                "name" => "first_name/last_name",
                "language" => "attribute[language]",
                other => other,
            };
            // Native reasons name the native field at the start; say the Open311 name instead.
            let reason = e
                .reason
                .strip_prefix(e.field)
                .map_or_else(|| e.reason.clone(), |rest| format!("{field}{rest}"));
            ErrorItem::new(
                400,
                format!("{field}: {reason}"),
                format!("{field}: ungültige Angabe ({reason})"),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn translates_the_spec_fields() {
        let form = parse_request_form(fields(&[
            ("api_key", "k"),
            ("service_code", "street_lighting"),
            ("lat", "52.5"),
            ("long", "13.4"),
            ("address_string", "Unter den Linden 1"),
            ("first_name", "Anna"),
            ("last_name", "Muster"),
            ("phone", "0301234"),
            ("attribute[language]", "en"),
            ("jurisdiction_id", ""),
        ]))
        .unwrap();
        assert_eq!(form.api_key.as_deref(), Some("k"));
        assert_eq!(form.jurisdiction_id, None);
        assert_eq!(form.input.category.as_deref(), Some("street_lighting"));
        assert_eq!((form.input.lat, form.input.lon), (Some(52.5), Some(13.4)));
        assert_eq!(form.input.name.as_deref(), Some("Anna Muster"));
        assert_eq!(form.input.language.as_deref(), Some("en"));
        assert_eq!(form.input.address.as_deref(), Some("Unter den Linden 1"));
    }

    #[test]
    fn refuses_what_cannot_be_placed_or_is_unknown() {
        let errors = parse_request_form(fields(&[
            ("address_id", "4711"),
            ("attribute[colour]", "red"),
            ("attribute[language][]", "de"),
            ("media_url", "ftp://example.org/a.jpg"),
        ]))
        .unwrap_err();
        let text: Vec<&str> = errors.iter().map(|e| e.description.as_str()).collect();
        assert!(
            text.iter().any(|t| t.contains("no address register")),
            "{text:?}"
        );
        assert!(text.iter().any(|t| t.contains("attribute[colour]")));
        assert!(text.iter().any(|t| t.contains("singlevaluelist")));
        assert!(text.iter().any(|t| t.contains("never fetched")));
        let errors = parse_request_form(fields(&[("lat", "52.5")])).unwrap_err();
        assert!(errors[0].description.contains("together"));
        let errors = parse_request_form(fields(&[("lat", "x"), ("long", "13")])).unwrap_err();
        assert!(errors[0].description.starts_with("lat must be"));
        assert!(errors[0].description_de.starts_with("lat muss"));
    }

    #[test]
    fn an_address_alone_is_placed_later_and_links_are_kept() {
        let form = parse_request_form(fields(&[
            ("address_string", "Unter den Linden 1, Berlin"),
            ("media_url", "https://example.org/a.jpg"),
        ]))
        .unwrap();
        assert!(form.place_address);
        assert_eq!(
            form.input.media_url.as_deref(),
            Some("https://example.org/a.jpg")
        );
        assert!(form.media.is_empty());
    }

    #[test]
    fn decodes_data_uris() {
        assert_eq!(
            decode_data_uri("data:image/png;base64,AAEC").unwrap(),
            vec![0, 1, 2]
        );
        assert!(decode_data_uri("data:text/plain;base64,AAEC").is_err());
        assert!(decode_data_uri("data:image/png,raw").is_err());
    }
}
