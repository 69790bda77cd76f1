//! The boundary sources we read, with the attribution their licences require.

use serde::Serialize;

/// One boundary source as shown in `GET /api/v1/attribution` and the web page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BoundarySource {
    /// Stable id, stored with every area that comes from this source.
    pub id: &'static str,
    /// What the source holds.
    pub title: &'static str,
    /// The file under the boundaries directory.
    pub file: &'static str,
    /// The licence.
    pub licence: &'static str,
    /// Where the licence text is.
    pub licence_url: &'static str,
    /// The attribution the licence asks for, to be shown wherever the data is used.
    pub attribution: &'static str,
    /// How precise the polygons are; the more precise source wins where two overlap.
    pub precision: i32,
}

/// Berlin's 12 Bezirke, from the cadastre (ALKIS-precise).
pub const BERLIN_BEZIRKE: BoundarySource = BoundarySource {
    id: "berlin-bezirke",
    title: "Bezirksgrenzen Berlin (Geoportal Berlin, via Open Data Product Berlin LOR geodata)",
    file: "raw/berlin-lor-geodata/berlin-lor-districts.geojson",
    licence: "CC BY 4.0 (data product); Datenlizenz Deutschland – Namensnennung 2.0 (Geoportal Berlin)",
    licence_url: "https://creativecommons.org/licenses/by/4.0/",
    attribution: "Geoportal Berlin / Bezirksgrenzen; Open Data Product (CC BY 4.0)",
    precision: 2,
};

/// The Gemeinden of Brandenburg and MV with their Amt and Kreis (VG250 geometry, 2025 keys).
pub const VG250_GEMEINDEN: BoundarySource = BoundarySource {
    id: "vg250-gemeinden-bb-mv",
    title: "Gemeinden Brandenburg und Mecklenburg-Vorpommern: VG250 geometry (2016) with the 2025 keys, Ämter and Kreise of GV100AD",
    file: "derived/gemeinden_bb_mv_2025_vg250recon.geojson",
    licence: "Datenlizenz Deutschland – Namensnennung – Version 2.0 (dl-de/by-2-0)",
    licence_url: "https://www.govdata.de/dl-de/by-2-0",
    attribution: "© GeoBasis-DE / BKG (2016, 2025); Statistisches Bundesamt (Destatis), Gemeindeverzeichnis GV100AD 30.11.2025; modified.",
    precision: 1,
};

/// Every source, in the order they are imported.
pub const ALL: [BoundarySource; 2] = [BERLIN_BEZIRKE, VG250_GEMEINDEN];
