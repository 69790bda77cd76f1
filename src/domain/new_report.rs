//! What a citizen sends when filing, validated field by field.

use serde::Serialize;

use super::text::refused_char;
use super::{CategoryCode, Coordinates, InvalidValue, MediaUrl};

/// Longest description, in characters (Unicode scalar values).
pub const DESCRIPTION_MAX_CHARS: usize = 4_000;
/// Longest reporter name.
pub const NAME_MAX_CHARS: usize = 100;
/// Longest address hint.
pub const ADDRESS_MAX_CHARS: usize = 200;
/// Longest email address (RFC 5321 path limit).
pub const EMAIL_MAX_CHARS: usize = 254;

/// A syntactically valid email address, with the domain lower-cased.
#[derive(Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Checks the shape: one `@`, a local part without spaces, a dotted domain of letters,
    /// digits and hyphens. Deliverability is what the confirmation mail checks.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let raw = raw.trim();
        let invalid = || InvalidValue::new("email", format!("{raw:?} is not an email address"));
        if raw.chars().count() > EMAIL_MAX_CHARS {
            return Err(InvalidValue::new(
                "email",
                format!("an email address has at most {EMAIL_MAX_CHARS} characters"),
            ));
        }
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let local_ok = !local.is_empty()
            && local.chars().count() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local
                .chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"@<>()[]\\,;:\"".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|label| {
                !label.is_empty()
                    && label.chars().count() <= 63
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Self(format!("{local}@{}", domain.to_lowercase())))
        } else {
            Err(invalid())
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Never print a reporter's address in logs or debug output.
impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Email(<redacted>)")
    }
}

/// The report's language, for mails and templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// German, the default.
    #[default]
    De,
    /// English.
    En,
}

impl Language {
    /// `de` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::De => "de",
            Language::En => "en",
        }
    }

    /// Parses `de` or `en`.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        match s {
            "de" => Ok(Language::De),
            "en" => Ok(Language::En),
            _ => Err(InvalidValue::new(
                "language",
                format!("{s:?} is not one of de, en"),
            )),
        }
    }
}

/// The raw fields of a filing, as they arrive (JSON or multipart).
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// Category code.
    pub category: Option<String>,
    /// What is wrong.
    pub description: Option<String>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Longitude.
    pub lon: Option<f64>,
    /// Optional address hint.
    pub address: Option<String>,
    /// Optional reporter email (private).
    pub email: Option<String>,
    /// Optional reporter name (private).
    pub name: Option<String>,
    /// `de` (default) or `en`.
    pub language: Option<String>,
    /// A link to media elsewhere (Open311's `media_url`; the native API has no such field).
    pub media_url: Option<String>,
    /// How many photos come with the filing: with one, the description may be empty.
    pub photos: usize,
}

/// A validated filing.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The category (its existence is checked against the catalogue by the caller).
    pub category: CategoryCode,
    /// Up to 4,000 characters, trimmed; empty only when a photo or a media link shows what is
    /// wrong (Open311 lists `description` as optional).
    pub description: String,
    /// Where.
    pub location: Coordinates,
    /// Optional address hint, trimmed, ≤ 200 characters.
    pub address: Option<String>,
    /// Optional reporter email.
    pub email: Option<Email>,
    /// Optional reporter name, ≤ 100 characters.
    pub name: Option<String>,
    /// Language for mails.
    pub language: Language,
    /// A link to media elsewhere, shown as given, never fetched.
    pub media_url: Option<MediaUrl>,
}

impl NewReport {
    /// Validates every field and returns all problems at once, so a form can mark them all.
    pub fn validate(input: ReportInput) -> Result<Self, Vec<InvalidValue>> {
        let mut errors = Vec::new();
        let category = keep(
            &mut errors,
            input
                .category
                .as_deref()
                .ok_or_else(|| InvalidValue::new("category", "category is required"))
                .and_then(CategoryCode::parse),
        );
        let media_url = input
            .media_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .map(MediaUrl::parse)
            .transpose();
        // A photo or a link may say what is wrong instead of words; an invalid link does not.
        let has_media = input.photos > 0 || matches!(media_url, Ok(Some(_)));
        let description = keep(
            &mut errors,
            description(input.description.as_deref(), has_media),
        );
        let lat = keep(&mut errors, coordinate("lat", input.lat, 90.0));
        let lon = keep(&mut errors, coordinate("lon", input.lon, 180.0));
        let location = lat
            .zip(lon)
            .and_then(|(lat, lon)| keep(&mut errors, location(lat, lon)));
        let address = keep(
            &mut errors,
            optional_text("address", input.address, ADDRESS_MAX_CHARS),
        );
        let name = keep(
            &mut errors,
            optional_text("name", input.name, NAME_MAX_CHARS),
        );
        let email = keep(
            &mut errors,
            input
                .email
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(Email::parse)
                .transpose(),
        );
        let language = keep(
            &mut errors,
            input
                .language
                .as_deref()
                .map_or(Ok(Language::De), Language::parse),
        );
        let media_url = keep(&mut errors, media_url);
        match (
            category,
            description,
            location,
            address,
            name,
            email,
            language,
            media_url,
        ) {
            (
                Some(category),
                Some(description),
                Some(location),
                Some(address),
                Some(name),
                Some(email),
                Some(language),
                Some(media_url),
            ) if errors.is_empty() => Ok(Self {
                category,
                description,
                location,
                address,
                email,
                name,
                language,
                media_url,
            }),
            _ => Err(errors),
        }
    }
}

/// The value, or `None` with the error collected.
fn keep<T>(errors: &mut Vec<InvalidValue>, result: Result<T, InvalidValue>) -> Option<T> {
    result.map_err(|e| errors.push(e)).ok()
}

fn description(raw: Option<&str>, has_media: bool) -> Result<String, InvalidValue> {
    let text = raw.map(str::trim).unwrap_or_default();
    let chars = text.chars().count();
    if chars == 0 && !has_media {
        return Err(InvalidValue::new(
            "description",
            "a description is required (or a photo that shows what is wrong)",
        ));
    }
    if chars > DESCRIPTION_MAX_CHARS {
        return Err(InvalidValue::new(
            "description",
            format!("at most {DESCRIPTION_MAX_CHARS} characters, got {chars}"),
        ));
    }
    if let Some(reason) = refused_char(text) {
        return Err(InvalidValue::new("description", reason));
    }
    Ok(text.to_owned())
}

fn coordinate(field: &'static str, value: Option<f64>, limit: f64) -> Result<f64, InvalidValue> {
    let value = value.ok_or_else(|| InvalidValue::new(field, format!("{field} is required")))?;
    if !value.is_finite() || !(-limit..=limit).contains(&value) {
        return Err(InvalidValue::new(
            field,
            format!("{field} must be between {} and {limit}", -limit),
        ));
    }
    Ok(value)
}

fn location(lat: f64, lon: f64) -> Result<Coordinates, InvalidValue> {
    Coordinates::new(lat, lon).map_err(|e| InvalidValue::new(e.field(), e.to_string()))
}

fn optional_text(
    field: &'static str,
    raw: Option<String>,
    max: usize,
) -> Result<Option<String>, InvalidValue> {
    let Some(text) = raw.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > max {
        return Err(InvalidValue::new(
            field,
            format!("at most {max} characters"),
        ));
    }
    if let Some(reason) = refused_char(&text) {
        return Err(InvalidValue::new(field, reason));
    }
    // One line: a name or an address hint has no line breaks or tabs either.
    if text.chars().any(|c| c.is_control()) {
        return Err(InvalidValue::new(
            field,
            "line breaks and tabs are not allowed",
        ));
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> ReportInput {
        ReportInput {
            category: Some("street_lighting".into()),
            description: Some("  Laterne flackert  ".into()),
            lat: Some(52.52),
            lon: Some(13.41),
            ..ReportInput::default()
        }
    }

    fn fields(input: ReportInput) -> Vec<&'static str> {
        NewReport::validate(input)
            .unwrap_err()
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_minimal_report_is_valid_and_trimmed() {
        let report = NewReport::validate(valid()).unwrap();
        assert_eq!(report.description, "Laterne flackert");
        assert_eq!(report.language, Language::De);
        assert!(report.email.is_none());
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let input = ReportInput {
            category: Some("Bad Code".into()),
            description: Some("   ".into()),
            lat: Some(95.0),
            lon: None,
            address: Some("x".repeat(ADDRESS_MAX_CHARS + 1)),
            email: Some("not-an-address".into()),
            name: Some("n".repeat(NAME_MAX_CHARS + 1)),
            language: Some("fr".into()),
            media_url: Some("javascript:alert(1)".into()),
            photos: 0,
        };
        assert_eq!(
            fields(input),
            [
                "category",
                "description",
                "lat",
                "lon",
                "address",
                "name",
                "email",
                "language",
                "media_url"
            ]
        );
    }

    #[test]
    fn description_limits_count_characters_not_bytes() {
        let mut input = valid();
        input.description = Some("ä".repeat(DESCRIPTION_MAX_CHARS));
        assert!(NewReport::validate(input).is_ok());
        let mut input = valid();
        input.description = Some("a".repeat(DESCRIPTION_MAX_CHARS + 1));
        assert_eq!(fields(input), ["description"]);
    }

    #[test]
    fn a_photo_or_a_media_link_may_stand_for_the_description() {
        let mut input = valid();
        input.description = None;
        assert_eq!(fields(input.clone()), ["description"]);
        let with_photo = ReportInput {
            photos: 1,
            ..input.clone()
        };
        assert_eq!(NewReport::validate(with_photo).unwrap().description, "");
        let with_link = ReportInput {
            media_url: Some("https://example.org/a.jpg".into()),
            ..input.clone()
        };
        let report = NewReport::validate(with_link).unwrap();
        assert_eq!(
            report.media_url.as_ref().map(MediaUrl::as_str),
            Some("https://example.org/a.jpg")
        );
        // A refused link stands for nothing.
        let bad_link = ReportInput {
            media_url: Some("ftp://example.org/a.jpg".into()),
            ..input
        };
        assert_eq!(fields(bad_link), ["description", "media_url"]);
    }

    #[test]
    fn email_syntax() {
        for good in ["a@b.de", "Anna.Schmidt+maerker@Example.ORG", "x@sub.mü.de"] {
            assert!(Email::parse(good).is_ok(), "{good}");
        }
        assert_eq!(
            Email::parse("A@Example.ORG").unwrap().as_str(),
            "A@example.org"
        );
        for bad in [
            "", "a", "a@b", "@b.de", "a@.de", "a b@c.de", "a@b..de", "a@-b.de", ".a@b.de",
            "a@@b.de",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            format!("{:?}", Email::parse("a@b.de").unwrap()),
            "Email(<redacted>)"
        );
    }

    #[test]
    fn control_characters_are_refused_in_short_fields() {
        let mut input = valid();
        input.name = Some("Anna\u{0}".into());
        assert_eq!(fields(input), ["name"]);
    }
}
