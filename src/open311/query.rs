//! The arguments of `GET requests` and of the updates feed, with the spec's rules: an empty
//! argument counts as absent; `service_request_id` (a comma-separated list) overrides every
//! other filter; `start_date`/`end_date` are W3C date-times with a timezone and span at most
//! 90 days, by default the last 90; `status` and `service_code` are comma-separated lists.
//! Pagination (`page`, `page_size`) is the de-facto extension; a page holds at most 1,000
//! requests, the spec's default volume. The place filters are the extensions Mark-a-Spot
//! (`bbox`) and CitySDK (`lat`, `long`, `radius` in metres) use. A filter this endpoint does not
//! know is refused, never ignored: ignoring it would answer unfiltered requests that the
//! client takes for filtered ones.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::ErrorItem;
use super::requests::native_statuses;
use crate::domain::ReportId;
use crate::store::reports::{BBox, Near};

/// The longest date range, and the default one.
pub const MAX_RANGE_DAYS: i64 = 90;
/// The most requests per answer (and the default page size).
pub const MAX_PAGE_SIZE: i64 = 1_000;
/// The highest page number accepted (keeps offsets far from overflow).
const MAX_PAGE: i64 = 1_000_000;
/// The largest `radius`, in metres (the plane distance is exact enough up to here).
pub const MAX_RADIUS_M: f64 = 50_000.0;
/// The arguments `GET requests` takes. `api_key` is taken and ignored: reading needs no key,
/// but some clients send theirs with every call.
pub const REQUESTS_ARGS: [&str; 14] = [
    "jurisdiction_id",
    "service_request_id",
    "service_code",
    "start_date",
    "end_date",
    "status",
    "extensions",
    "page",
    "page_size",
    "bbox",
    "lat",
    "long",
    "radius",
    "api_key",
];

/// Parsed `GET requests` arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestsQuery {
    /// `service_request_id`: when given, the only filter.
    pub ids: Option<Vec<Uuid>>,
    /// `service_code` (empty = all).
    pub service_codes: Vec<String>,
    /// The stored statuses `status` stands for (empty = all).
    pub statuses: Vec<&'static str>,
    /// Filed at or after.
    pub from: DateTime<Utc>,
    /// Filed before.
    pub until: DateTime<Utc>,
    /// `jurisdiction_id`, checked and used as an authority filter by the caller.
    pub jurisdiction_id: Option<String>,
    /// `extensions=true`.
    pub extensions: bool,
    /// 1-based page.
    pub page: i64,
    /// Requests per page.
    pub page_size: i64,
    /// `bbox`: only inside this box.
    pub bbox: Option<BBox>,
    /// `lat`, `long`, `radius`: only within this circle (each request then tells its distance).
    pub near: Option<Near>,
}

/// The argument `name`, if given non-empty (the last one wins when repeated). Values are taken
/// as sent: `" open"` is not `open`.
fn arg<'a>(args: &'a [(String, String)], name: &str) -> Option<&'a str> {
    args.iter()
        .rev()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

/// Parses the arguments of `GET requests`; every problem is reported at once.
pub fn parse_requests_query(
    args: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<RequestsQuery, Vec<ErrorItem>> {
    let mut errors = Vec::new();
    for (name, _) in args {
        if !REQUESTS_ARGS.contains(&name.as_str()) && !errors_name(&errors, name) {
            errors.push(ErrorItem::new(
                400,
                format!(
                    "{name}: this endpoint does not know this argument and does not ignore it (an ignored filter would answer unfiltered requests); it takes {}",
                    REQUESTS_ARGS[..13].join(", ")
                ),
                format!(
                    "{name}: dieses Argument kennt der Dienst nicht, und er übergeht es nicht (ein übergangener Filter gäbe ungefilterte Meldungen zurück); er nimmt {}",
                    REQUESTS_ARGS[..13].join(", ")
                ),
            ));
        }
    }
    let ids = arg(args, "service_request_id").map(|list| {
        list.split(',')
            .filter_map(|id| ReportId::parse(id.trim()).ok())
            .map(ReportId::uuid)
            .take(MAX_PAGE_SIZE as usize)
            .collect()
    });
    let service_codes = arg(args, "service_code")
        .map(|list| {
            list.split(',')
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut statuses = Vec::new();
    if let Some(list) = arg(args, "status") {
        for status in list.split(',') {
            match native_statuses(status) {
                Some(native) => statuses.extend_from_slice(native),
                None => errors.push(ErrorItem::new(
                    400,
                    format!("status: {status:?} is not open or closed"),
                    format!("status: {status:?} ist weder open noch closed"),
                )),
            }
        }
    }
    let (from, until) = match date_range(args, now) {
        Ok(range) => range,
        Err(mut e) => {
            errors.append(&mut e);
            (now, now)
        }
    };
    let extensions = flag(args, "extensions", &mut errors);
    let page = whole(args, "page", 1, MAX_PAGE, 1, &mut errors);
    let page_size = whole(
        args,
        "page_size",
        1,
        MAX_PAGE_SIZE,
        MAX_PAGE_SIZE,
        &mut errors,
    );
    let bbox = arg(args, "bbox").and_then(|text| parse_bbox(text, &mut errors));
    let near = near(args, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(RequestsQuery {
        ids,
        service_codes,
        statuses,
        from,
        until,
        jurisdiction_id: arg(args, "jurisdiction_id").map(str::to_owned),
        extensions,
        page,
        page_size,
        bbox,
        near,
    })
}

/// Whether an error about argument `name` is listed already (a repeated unknown argument is
/// named once).
fn errors_name(errors: &[ErrorItem], name: &str) -> bool {
    errors
        .iter()
        .any(|e| e.description.starts_with(&format!("{name}: ")))
}

/// `bbox=west,south,east,north` (WGS84 degrees, as the native API and Mark-a-Spot take it).
fn parse_bbox(text: &str, errors: &mut Vec<ErrorItem>) -> Option<BBox> {
    let numbers: Option<Vec<f64>> = text
        .split(',')
        .map(|p| p.parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect();
    if let Some([west, south, east, north]) = numbers.as_deref()
        && (-180.0..=180.0).contains(west)
        && (-180.0..=180.0).contains(east)
        && (-90.0..=90.0).contains(south)
        && (-90.0..=90.0).contains(north)
        && west <= east
        && south <= north
    {
        return Some(BBox {
            min_lon: *west,
            min_lat: *south,
            max_lon: *east,
            max_lat: *north,
        });
    }
    errors.push(ErrorItem::new(
        400,
        format!("bbox: {text:?} is not west,south,east,north in WGS84 degrees (west ≤ east, south ≤ north), e.g. 13.3,52.4,13.5,52.6"),
        format!("bbox: {text:?} ist nicht West,Süd,Ost,Nord in WGS84-Grad (West ≤ Ost, Süd ≤ Nord), z. B. 13.3,52.4,13.5,52.6"),
    ));
    None
}

/// `lat`, `long` and `radius` (metres), all three or none.
fn near(args: &[(String, String)], errors: &mut Vec<ErrorItem>) -> Option<Near> {
    let (lat, long, radius) = (arg(args, "lat"), arg(args, "long"), arg(args, "radius"));
    if lat.is_none() && long.is_none() && radius.is_none() {
        return None;
    }
    let (Some(lat), Some(long), Some(radius)) = (lat, long, radius) else {
        errors.push(ErrorItem::new(
            400,
            "lat, long and radius filter together: a centre (WGS84 degrees) and a radius in metres",
            "lat, long und radius filtern nur zusammen: ein Mittelpunkt (WGS84-Grad) und ein Radius in Metern",
        ));
        return None;
    };
    let number = |name: &str, text: &str, limit: f64, errors: &mut Vec<ErrorItem>| {
        let value = text
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && n.abs() <= limit);
        if value.is_none() {
            errors.push(ErrorItem::new(
                400,
                format!("{name}: {text:?} is not a number from -{limit} to {limit}"),
                format!("{name}: {text:?} ist keine Zahl von -{limit} bis {limit}"),
            ));
        }
        value
    };
    let lat = number("lat", lat, 90.0, errors);
    let lon = number("long", long, 180.0, errors);
    let radius_m = radius
        .parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r > 0.0 && *r <= MAX_RADIUS_M);
    if radius_m.is_none() {
        errors.push(ErrorItem::new(
            400,
            format!(
                "radius: {radius:?} is not a number of metres above 0 and at most {MAX_RADIUS_M}"
            ),
            format!("radius: {radius:?} ist keine Meterzahl über 0 und höchstens {MAX_RADIUS_M}"),
        ));
    }
    Some(Near {
        lat: lat?,
        lon: lon?,
        radius_m: radius_m?,
    })
}

/// `[from, until)` from `start_date` and `end_date` (inclusive), at most 90 days; defaults:
/// the 90 days before `end_date`, the 90 days from `start_date`, or the last 90 days.
pub fn date_range(
    args: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Vec<ErrorItem>> {
    let mut errors = Vec::new();
    let start = date(args, "start_date", &mut errors);
    let end = date(args, "end_date", &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let span = Duration::days(MAX_RANGE_DAYS);
    let (start, end) = match (start, end) {
        (Some(s), Some(e)) => (s, e),
        (Some(s), None) => (s, s + span),
        (None, Some(e)) => (e - span, e),
        (None, None) => (now - span, now),
    };
    if end < start {
        return Err(vec![ErrorItem::new(
            400,
            "end_date must not be before start_date",
            "end_date darf nicht vor start_date liegen",
        )]);
    }
    if end - start > span {
        return Err(vec![ErrorItem::new(
            400,
            format!("start_date to end_date may span at most {MAX_RANGE_DAYS} days"),
            format!("start_date bis end_date darf höchstens {MAX_RANGE_DAYS} Tage umfassen"),
        )]);
    }
    // `end_date` is inclusive; the store compares with an exclusive bound.
    Ok((start, end + Duration::milliseconds(1)))
}

fn date(
    args: &[(String, String)],
    name: &str,
    errors: &mut Vec<ErrorItem>,
) -> Option<DateTime<Utc>> {
    let text = arg(args, name)?;
    // chrono also takes a space between date and time; RFC 3339's `date-time` (and W3C) only `T`.
    let separator_ok = matches!(text.as_bytes().get(10), Some(b'T' | b't'));
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) if separator_ok => Some(t.with_timezone(&Utc)),
        _ => {
            errors.push(ErrorItem::new(
                400,
                format!(
                    "{name}: {text:?} is not a W3C date-time with a timezone, e.g. 2026-01-01T00:00:00Z"
                ),
                format!(
                    "{name}: {text:?} ist keine W3C-Zeitangabe mit Zeitzone, z. B. 2026-01-01T00:00:00Z"
                ),
            ));
            None
        }
    }
}

/// `true` or `false` (absent: false).
pub fn flag(args: &[(String, String)], name: &str, errors: &mut Vec<ErrorItem>) -> bool {
    match arg(args, name) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            errors.push(ErrorItem::new(
                400,
                format!("{name}: {other:?} is not true or false"),
                format!("{name}: {other:?} ist weder true noch false"),
            ));
            false
        }
    }
}

fn whole(
    args: &[(String, String)],
    name: &str,
    min: i64,
    max: i64,
    default: i64,
    errors: &mut Vec<ErrorItem>,
) -> i64 {
    let Some(text) = arg(args, name) else {
        return default;
    };
    // Digits only: `+5` or ` 5` is not a page number.
    match text.parse::<i64>() {
        Ok(n) if text.bytes().all(|b| b.is_ascii_digit()) && (min..=max).contains(&n) => n,
        _ => {
            errors.push(ErrorItem::new(
                400,
                format!("{name} must be a whole number from {min} to {max}"),
                format!("{name} muss eine ganze Zahl von {min} bis {max} sein"),
            ));
            default
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn defaults_are_the_last_90_days_and_1000_requests() {
        let now = at("2026-06-01T00:00:00Z");
        let q = parse_requests_query(&args(&[("status", ""), ("page", "")]), now).unwrap();
        assert_eq!(q.from, at("2026-03-03T00:00:00Z"));
        assert!(q.until > now);
        assert_eq!((q.page, q.page_size), (1, 1000));
        assert!(q.statuses.is_empty() && q.ids.is_none() && !q.extensions);
    }

    #[test]
    fn ranges_over_90_days_and_bad_values_are_refused() {
        let now = at("2026-06-01T00:00:00Z");
        let e = parse_requests_query(
            &args(&[
                ("start_date", "2026-01-01T00:00:00Z"),
                ("end_date", "2026-05-01T00:00:00+02:00"),
            ]),
            now,
        )
        .unwrap_err();
        assert!(e[0].description.contains("90 days"));
        let e = parse_requests_query(
            &args(&[
                ("status", "open,pending"),
                ("start_date", "2026-01-01"),
                ("page_size", "0"),
            ]),
            now,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        // Values are taken as sent: no sign, no padding, `T` between date and time.
        let e = parse_requests_query(
            &args(&[
                ("page", "+5"),
                ("status", " open"),
                ("start_date", "2026-05-01 00:00:00Z"),
                ("extensions", "True"),
            ]),
            now,
        )
        .unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
    }

    #[test]
    fn place_filters_are_parsed_and_unknown_arguments_refused() {
        let now = at("2026-06-01T00:00:00Z");
        let q = parse_requests_query(
            &args(&[
                ("bbox", "13.3,52.4,13.5,52.6"),
                ("lat", "52.52"),
                ("long", "13.41"),
                ("radius", "500"),
                ("api_key", "ignored"),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(q.bbox.map(|b| (b.min_lon, b.max_lat)), Some((13.3, 52.6)));
        assert_eq!(q.near.map(|n| n.radius_m), Some(500.0));
        for bad in [
            vec![("bbox", "13.5,52.4,13.3,52.6")],
            vec![("bbox", "1,2,3")],
            vec![("lat", "52.5"), ("long", "13.4")],
            vec![("lat", "52.5"), ("long", "13.4"), ("radius", "0")],
            vec![("lat", "52.5"), ("long", "13.4"), ("radius", "50001")],
            vec![("q", "Laterne")],
            vec![("limit", "10"), ("limit", "20")],
        ] {
            let e = parse_requests_query(&args(&bad), now).unwrap_err();
            assert_eq!(e.len(), 1, "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn statuses_and_ids_are_lists() {
        let now = at("2026-06-01T00:00:00Z");
        let id = ReportId::new();
        let q = parse_requests_query(
            &args(&[
                ("status", "closed"),
                ("service_request_id", &format!("{id}, nope")),
            ]),
            now,
        )
        .unwrap();
        assert_eq!(q.statuses, vec!["resolved", "closed"]);
        assert_eq!(q.ids, Some(vec![id.uuid()]));
    }
}
