//! Open data: the public reports as CSV rows and GeoJSON features, and the dataset's
//! description in DCAT-AP.de (JSON-LD) for portals such as GovData to harvest.
//!
//! A record holds only what the public report page shows — no reporter, no internal note, no
//! hidden report — so the downloads can carry an open licence (`[open_data]`, default
//! "Datenlizenz Deutschland – Namensnennung – Version 2.0").

use std::collections::HashMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::Report;
use crate::jurisdiction::Jurisdiction;
use crate::store::Store;
use crate::store::reports::ReportFilter;

/// The `[open_data]` section of the configuration: licence and publisher of the dataset.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpenDataSettings {
    /// The licence's URI in the DCAT-AP.de licence vocabulary.
    pub license_uri: String,
    /// The licence's name, shown on the "Offene Daten" page.
    pub license_name: String,
    /// The attribution the licence asks users to give (`dcatde:licenseAttributionByText`).
    pub attribution: String,
    /// Who publishes the dataset (the operator).
    pub publisher: String,
}

impl Default for OpenDataSettings {
    fn default() -> Self {
        Self {
            license_uri: "http://dcat-ap.de/def/licenses/dl-by-de/2.0".into(),
            license_name: "Datenlizenz Deutschland – Namensnennung – Version 2.0".into(),
            attribution:
                "buergerbuero – Meldungen aus Berlin, Brandenburg und Mecklenburg-Vorpommern".into(),
            publisher: "Betreiber von buergerbuero".into(),
        }
    }
}

/// The columns of the CSV download, in order (its first line).
pub const CSV_COLUMNS: [&str; 19] = [
    "id",
    "url",
    "created_at",
    "status",
    "light",
    "status_since",
    "category",
    "category_name",
    "description",
    "address",
    "lat",
    "lon",
    "area_key",
    "area_name",
    "authority_key",
    "authority_name",
    "first_reaction_at",
    "resolved_at",
    "supporters",
];

/// Turns public reports into records; built once per download (it indexes the names).
pub struct Exporter {
    engine: Arc<Jurisdiction>,
    area_names: HashMap<String, String>,
    public_url: String,
}

/// One report's names and link, looked up once for both formats.
struct Names<'a> {
    url: String,
    category: &'a str,
    area: &'a str,
    authority: &'a str,
}

impl Exporter {
    /// An exporter with the engine's names and the service's public URL (for the links).
    pub fn new(engine: Arc<Jurisdiction>, public_url: &str) -> Self {
        let area_names = engine
            .areas()
            .iter()
            .map(|a| (a.key.to_string(), a.name.clone()))
            .collect();
        Self {
            engine,
            area_names,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    fn names<'a>(&'a self, r: &Report) -> Names<'a> {
        Names {
            url: format!("{}/report.html?id={}", self.public_url, r.id),
            category: self
                .engine
                .category(r.category.as_str())
                .map_or("", |c| c.name_de.as_str()),
            area: self
                .area_names
                .get(r.area.as_str())
                .map_or("", String::as_str),
            authority: self
                .engine
                .authority(&r.authority)
                .map_or("", |a| a.name.as_str()),
        }
    }

    /// Appends the report as one CSV line (RFC 4180, `\r\n`).
    pub fn write_csv(&self, r: &Report, out: &mut String) {
        let names = self.names(r);
        let light = r.light().map(|l| l.as_str()).unwrap_or("");
        let fields: [&str; CSV_COLUMNS.len()] = [
            &r.id.to_string(),
            &names.url,
            &time(r.timeline.created_at),
            r.status.as_str(),
            light,
            &time(r.timeline.status_changed_at),
            r.category.as_str(),
            names.category,
            &r.description,
            r.address.as_deref().unwrap_or(""),
            &format!("{:.5}", r.location.lat()),
            &format!("{:.5}", r.location.lon()),
            r.area.as_str(),
            names.area,
            r.authority.as_str(),
            names.authority,
            &r.timeline.first_reaction_at.map(time).unwrap_or_default(),
            &r.timeline.resolved_at.map(time).unwrap_or_default(),
            &r.supporters.to_string(),
        ];
        for (i, field) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(out, field);
        }
        out.push_str("\r\n");
    }

    /// The report as a GeoJSON point feature.
    pub fn geojson_feature(&self, r: &Report) -> Value {
        let names = self.names(r);
        json!({
            "type": "Feature",
            "id": r.id.to_string(),
            "geometry": {
                "type": "Point",
                "coordinates": [round5(r.location.lon()), round5(r.location.lat())],
            },
            "properties": {
                "url": names.url,
                "created_at": time(r.timeline.created_at),
                "status": r.status.as_str(),
                "light": r.light().map(|l| l.as_str()),
                "status_since": time(r.timeline.status_changed_at),
                "category": r.category.as_str(),
                "category_name": names.category,
                "description": r.description,
                "address": r.address,
                "area_key": r.area.as_str(),
                "area_name": names.area,
                "authority_key": r.authority.as_str(),
                "authority_name": names.authority,
                "first_reaction_at": r.timeline.first_reaction_at.map(time),
                "resolved_at": r.timeline.resolved_at.map(time),
                "supporters": r.supporters,
            },
        })
    }
}

/// Reports read from the database at a time, by the downloads and the dump.
pub const PAGE: i64 = 1_000;

/// The public reports `filter` selects, a page at a time, newest first (keyset by id): a
/// million reports cost the memory of one page. An error ends the stream.
pub fn public_report_pages(
    store: Arc<dyn Store>,
    filter: ReportFilter,
) -> impl Stream<Item = crate::store::Result<Vec<Report>>> {
    futures_util::stream::try_unfold(Some(filter), move |next| {
        let store = store.clone();
        async move {
            let Some(mut filter) = next else {
                return Ok(None);
            };
            filter.limit = PAGE;
            let page = store.list_public_reports(&filter).await?;
            if page.is_empty() {
                return Ok(None);
            }
            let more = page.len() as i64 == PAGE;
            filter.before = page.last().map(|r| r.id.uuid());
            Ok(Some((page, more.then_some(filter))))
        }
    })
}

/// A download's format, and how its records are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 4180 CSV with a header line.
    Csv,
    /// A GeoJSON feature collection that names its licence.
    GeoJson,
}

impl Format {
    /// The media type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
        }
    }

    /// The file name offered for a download.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Csv => "meldungen.csv",
            Format::GeoJson => "meldungen.geojson",
        }
    }

    /// What comes before the records.
    pub fn head(self, settings: &OpenDataSettings) -> Bytes {
        match self {
            Format::Csv => Bytes::from(format!("{}\r\n", CSV_COLUMNS.join(","))),
            Format::GeoJson => {
                let quoted = |text: &str| Value::from(text).to_string();
                Bytes::from(format!(
                    "{{\"type\":\"FeatureCollection\",\"license\":{},\"attribution\":{},\"features\":[",
                    quoted(&settings.license_uri),
                    quoted(&settings.attribution),
                ))
            }
        }
    }

    /// One page of records; `first` says whether any record was written before (GeoJSON
    /// separates features by commas) and is cleared.
    pub fn page(self, exporter: &Exporter, reports: &[Report], first: &mut bool) -> Bytes {
        match self {
            Format::Csv => {
                let mut out = String::with_capacity(reports.len() * 400);
                for report in reports {
                    exporter.write_csv(report, &mut out);
                }
                Bytes::from(out)
            }
            Format::GeoJson => {
                let mut out = Vec::with_capacity(reports.len() * 600);
                for report in reports {
                    if !std::mem::take(first) {
                        out.push(b',');
                    }
                    // A `Value` always serializes.
                    let _ = serde_json::to_writer(&mut out, &exporter.geojson_feature(report));
                }
                Bytes::from(out)
            }
        }
    }

    /// What comes after the records.
    pub fn tail(self) -> Bytes {
        match self {
            Format::Csv => Bytes::new(),
            Format::GeoJson => Bytes::from_static(b"]}"),
        }
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn round5(x: f64) -> f64 {
    (x * 100_000.0).round() / 100_000.0
}

/// Appends `text` as a CSV field: quoted when it holds a separator, quote or line break, and
/// with a leading `'` when it starts like a spreadsheet formula (`=`, `+`, `-`, `@`), so that
/// opening the download cannot run a citizen's text as a formula (OWASP "CSV injection").
fn csv_field(out: &mut String, text: &str) {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quote = formula || text.contains([',', '"', '\n', '\r']);
    if quote {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quote {
        out.push('"');
    }
}

/// The dataset's description in DCAT-AP.de as JSON-LD: one catalog with one dataset and its
/// two distributions (CSV, GeoJSON), licensed as configured.
pub fn dcat_catalog(
    settings: &OpenDataSettings,
    public_url: &str,
    modified: DateTime<Utc>,
) -> Value {
    let base = public_url.trim_end_matches('/');
    let distribution = |format: &str, media_type: &str, path: &str, title: &str| {
        json!({
            "@type": "dcat:Distribution",
            "@id": format!("{base}{path}"),
            "dct:title": title,
            "dcat:accessURL": { "@id": format!("{base}{path}") },
            "dcat:downloadURL": { "@id": format!("{base}{path}") },
            "dcat:mediaType": media_type,
            "dct:format": { "@id": format!("http://publications.europa.eu/resource/authority/file-type/{format}") },
            "dct:license": { "@id": settings.license_uri },
            "dcatde:licenseAttributionByText": settings.attribution,
            "dct:modified": { "@value": time(modified), "@type": "xsd:dateTime" },
        })
    };
    json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "dcatde": "http://dcat-ap.de/def/dcatde/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
        },
        "@id": format!("{base}/api/v1/open-data/catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": "buergerbuero – Offene Daten",
        "dct:description": "Öffentliche Bürgermeldungen (Schäden, Müll, Beleuchtung …) an die Verwaltungen in Berlin, Brandenburg und Mecklenburg-Vorpommern.",
        "dct:publisher": { "@type": "foaf:Organization", "foaf:name": settings.publisher },
        "foaf:homepage": { "@id": format!("{base}/offene-daten.html") },
        "dcat:dataset": {
            "@type": "dcat:Dataset",
            "@id": format!("{base}/api/v1/open-data/catalog.jsonld#meldungen"),
            "dct:identifier": format!("{base}/api/v1/open-data/catalog.jsonld#meldungen"),
            "dct:title": { "@language": "de", "@value": "Bürgermeldungen mit Ampelstatus" },
            "dct:description": { "@language": "de", "@value": "Jede veröffentlichte Meldung mit Ort, Kategorie, öffentlichem Text, zuständiger Behörde und Bearbeitungsstand (rot: eingegangen, gelb: in Bearbeitung, grün: erledigt, gelb-grün: hier nicht lösbar). Ohne personenbezogene Daten." },
            "dcat:keyword": ["Bürgermeldungen", "Mängelmelder", "Maerker", "Infrastruktur", "Open311"],
            "dcat:theme": { "@id": "http://publications.europa.eu/resource/authority/data-theme/GOVE" },
            "dct:publisher": { "@type": "foaf:Organization", "foaf:name": settings.publisher },
            "dct:spatial": [
                { "@id": "http://dcat-ap.de/def/politicalGeocoding/stateKey/11" },
                { "@id": "http://dcat-ap.de/def/politicalGeocoding/stateKey/12" },
                { "@id": "http://dcat-ap.de/def/politicalGeocoding/stateKey/13" },
            ],
            "dcatde:politicalGeocodingLevelURI": { "@id": "http://dcat-ap.de/def/politicalGeocoding/Level/state" },
            "dct:accrualPeriodicity": { "@id": "http://publications.europa.eu/resource/authority/frequency/CONT" },
            "dct:modified": { "@value": time(modified), "@type": "xsd:dateTime" },
            "dcat:distribution": [
                distribution("CSV", "text/csv", "/api/v1/open-data/reports.csv", "Meldungen (CSV)"),
                distribution("GEOJSON", "application/geo+json", "/api/v1/open-data/reports.geojson", "Meldungen (GeoJSON)"),
            ],
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> String {
        let mut out = String::new();
        csv_field(&mut out, text);
        out
    }

    #[test]
    fn csv_fields_are_quoted_when_needed_and_never_formulas() {
        assert_eq!(field("Schlagloch"), "Schlagloch");
        assert_eq!(field("Loch, groß"), "\"Loch, groß\"");
        assert_eq!(field("Das \"Loch\""), "\"Das \"\"Loch\"\"\"");
        assert_eq!(field("Zeile 1\nZeile 2"), "\"Zeile 1\nZeile 2\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-5 Grad"), "\"'-5 Grad\"");
        assert_eq!(field(""), "");
    }

    #[test]
    fn the_catalog_names_licence_distributions_and_states() {
        let catalog = dcat_catalog(
            &OpenDataSettings::default(),
            "https://melden.example/",
            DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap(),
        );
        let dataset = &catalog["dcat:dataset"];
        let distributions = dataset["dcat:distribution"].as_array().unwrap();
        assert_eq!(distributions.len(), 2);
        assert_eq!(
            distributions[0]["dcat:downloadURL"]["@id"],
            "https://melden.example/api/v1/open-data/reports.csv"
        );
        assert_eq!(
            distributions[1]["dct:license"]["@id"],
            "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
        );
        assert_eq!(dataset["dct:spatial"].as_array().unwrap().len(), 3);
    }
}
