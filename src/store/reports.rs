//! The report side of the store: what filing writes and what the public read API reads.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Result;
use crate::domain::{Event, Report, ReportId};

/// Map grid levels kept in `report_cells` (plus `report_cell_changes` until folded): level L has cells of 360 / 2^(L + 2) degrees, about
/// a quarter tile at Web-Mercator zoom L. Coarser zooms group a finer level's cells in SQL, so
/// four levels serve zooms 0–13 while a filing updates only four rows. Level 11 is there for
/// the city view (zoom 11): grouping level 13 instead read 16 times as many rows, and the
/// primary key narrows only `cx`, so the index walk grew with every latitude of the three
/// states (p95 27–36 ms at 1,000,000 reports; see docs/benchmarks-reports.md).
pub const MAP_LEVELS: [u8; 4] = [7, 10, 11, 13];

/// The map level whose cells are the regions the tiles' versions are kept for
/// (`map_region_versions`, migration 0013): cells of about 0.088°, the size of a zoom-12 tile.
pub const REGION_LEVEL: u8 = 10;

/// A map region's version: the fold that last changed one of its cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RegionVersion {
    /// The region's column at [`REGION_LEVEL`].
    pub cx: i64,
    /// The region's row at [`REGION_LEVEL`].
    pub cy: i64,
    /// The fold's number (`map_version`).
    pub version: i64,
}

/// Cell size in degrees of a map level (or zoom).
pub fn cell_size_deg(level: u8) -> f64 {
    360.0 / f64::from(1u32 << (level.min(29) + 2))
}

/// The cell of a coordinate at a level: (column, row) counted from 180° W / 90° S.
pub fn cell_of(level: u8, lat: f64, lon: f64) -> (i64, i64) {
    let size = cell_size_deg(level);
    (
        ((lon + 180.0) / size).floor() as i64,
        ((lat + 90.0) / size).floor() as i64,
    )
}

/// A photo attached at filing.
#[derive(Debug, Clone)]
pub struct PhotoRecord {
    /// Content hash.
    pub id: String,
    /// Web-size width and height.
    pub width: u32,
    /// Web-size height.
    pub height: u32,
}

/// Everything `create_report` writes.
#[derive(Debug, Clone)]
pub struct ReportRecord<'a> {
    /// The new report, as `Report::file` made it.
    pub report: &'a Report,
    /// Photos, in upload order.
    pub photos: &'a [PhotoRecord],
    /// Whether the photos are public at once (no moderation).
    pub photos_visible: bool,
    /// `Idempotency-Key` and the request's fingerprint.
    pub idempotency: Option<(&'a str, &'a str)>,
    /// The mails the filing sends, with their tokens and followers.
    pub mail: &'a crate::store::outbox::MailChanges,
}

impl ReportRecord<'_> {
    /// The `report_photos` rows `create_report` stores: a photo given twice is kept once, at
    /// its first position.
    pub fn stored_photos(&self) -> Vec<PhotoRow> {
        let mut rows: Vec<PhotoRow> = Vec::with_capacity(self.photos.len());
        for (position, photo) in self.photos.iter().enumerate() {
            if rows.iter().all(|row| row.photo_id != photo.id) {
                rows.push(PhotoRow {
                    photo_id: photo.id.clone(),
                    position: position as i32,
                    width: photo.width as i32,
                    height: photo.height as i32,
                    visible: self.photos_visible,
                    event_id: None,
                });
            }
        }
        rows
    }
}

/// What `create_report` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateOutcome {
    /// A new report was stored.
    Created,
    /// The idempotency key was seen before with the same request: this is that report.
    Replayed(ReportId),
    /// The idempotency key was seen before with a different request.
    KeyReused,
}

/// `report_photos` row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhotoRow {
    pub photo_id: String,
    pub position: i32,
    pub width: i32,
    pub height: i32,
    pub visible: bool,
    /// The public answer the photo belongs to (an authority's "after" photo); `None` for the
    /// reporter's photos.
    pub event_id: Option<i64>,
}

/// `report_photos` row with its report, for loading the photos of a page of reports at once.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportPhotoRow {
    pub report_id: Uuid,
    #[sqlx(flatten)]
    pub photo: PhotoRow,
}

/// A bounding box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    /// West.
    pub min_lon: f64,
    /// South.
    pub min_lat: f64,
    /// East.
    pub max_lon: f64,
    /// North.
    pub max_lat: f64,
}

/// A circle: a centre and a radius in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Near {
    /// The centre's latitude.
    pub lat: f64,
    /// The centre's longitude.
    pub lon: f64,
    /// The radius in metres.
    pub radius_m: f64,
}

impl Near {
    /// Metres per degree of latitude, and per degree of longitude at the centre. Distances are
    /// measured on the plane these scales span (as the jurisdiction engine measures): within
    /// the radii allowed (50 km) that is within 0.5 % of the great-circle distance, and it is
    /// plain arithmetic, which SQLite and PostgreSQL both evaluate the same.
    pub fn scales(&self) -> (f64, f64) {
        use crate::jurisdiction::polygon_index::{
            METRES_PER_DEGREE_LAT, METRES_PER_DEGREE_LON_AT_EQUATOR,
        };
        (
            METRES_PER_DEGREE_LAT,
            METRES_PER_DEGREE_LON_AT_EQUATOR * self.lat.to_radians().cos(),
        )
    }

    /// The distance of a point from the centre, in metres (the measure the filter uses).
    pub fn distance_m(&self, lat: f64, lon: f64) -> f64 {
        let (ky, kx) = self.scales();
        ((lat - self.lat) * ky).hypot((lon - self.lon) * kx)
    }

    /// The box around the circle (lets an index narrow the rows before the distance test).
    pub fn bbox(&self) -> BBox {
        let (ky, kx) = self.scales();
        let (dlat, dlon) = (self.radius_m / ky, self.radius_m / kx.max(1.0));
        BBox {
            min_lon: self.lon - dlon,
            min_lat: self.lat - dlat,
            max_lon: self.lon + dlon,
            max_lat: self.lat + dlat,
        }
    }
}

/// The public list's order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportSort {
    /// Newest first (by id).
    #[default]
    Newest,
    /// Most supporters first ("me too"), then newest first.
    Supporters,
}

/// Filters of the public list (all optional, combined with AND).
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Only inside this box.
    pub bbox: Option<BBox>,
    /// Only within this circle.
    pub near: Option<Near>,
    /// Only these statuses (empty = all public ones).
    pub statuses: Vec<&'static str>,
    /// Only this category.
    pub category: Option<String>,
    /// Only these categories (empty = all).
    pub categories: Vec<String>,
    /// Only these reports (empty = all).
    pub ids: Vec<Uuid>,
    /// Only this authority.
    pub authority: Option<String>,
    /// Only reports filed at or after this time (compared through the UUID v7 id).
    pub since: Option<DateTime<Utc>>,
    /// Only reports filed before this time (compared through the UUID v7 id).
    pub until: Option<DateTime<Utc>>,
    /// The order (newest first unless asked otherwise).
    pub sort: ReportSort,
    /// Keyset cursor: only reports after this one in the order — older than this id, or
    /// (with [`ReportSort::Supporters`]) fewer supporters, or as many and older.
    pub before: Option<Uuid>,
    /// The cursor report's supporters (with [`ReportSort::Supporters`] and `before`).
    pub before_supporters: Option<i64>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip (page-numbered lists such as Open311's; the native list uses `before`).
    pub offset: i64,
}

/// One map cell's count for one light.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CellRow {
    pub gx: i64,
    pub gy: i64,
    pub light: String,
    pub count: i64,
    pub sum_lat: f64,
    pub sum_lon: f64,
}

/// The smallest UUID v7 of a given time: ids ≥ it were made at or after that time.
pub fn first_uuid_at(time: DateTime<Utc>) -> Uuid {
    let millis = time.timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&millis.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

/// Persistence of reports. Each method is one transaction.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Stores a new report with its first events, photos, idempotency key and map counts.
    async fn create_report(&self, record: &ReportRecord<'_>) -> Result<CreateOutcome>;

    /// The report an `Idempotency-Key` created, with the request fingerprint stored for it.
    async fn idempotency_key(&self, key: &str) -> Result<Option<(String, ReportId)>>;

    /// A report with its private fields, whatever its visibility.
    async fn get_report(&self, id: ReportId) -> Result<Option<Report>>;

    /// The report's events, oldest first; only public ones if `public_only`.
    async fn report_events(&self, id: ReportId, public_only: bool) -> Result<Vec<Event>>;

    /// The report's photos in upload order; only visible ones if `visible_only`.
    async fn report_photos(&self, id: ReportId, visible_only: bool) -> Result<Vec<PhotoRow>>;

    /// Whether any report (public or not) still names the photo.
    async fn photo_is_referenced(&self, photo_id: &str) -> Result<bool>;

    /// The visible photos of several reports (one query for a whole page), in upload order;
    /// the reporters' only (answers' photos show with the answer).
    async fn visible_photos_of(&self, ids: &[Uuid]) -> Result<Vec<ReportPhotoRow>>;

    /// Public reports (published, not unconfirmed), newest first.
    async fn list_public_reports(&self, filter: &ReportFilter) -> Result<Vec<Report>>;

    /// Map counts at zoom `zoom` inside the box, grouped from the stored `level`.
    async fn map_cells(&self, level: u8, zoom: u8, bbox: BBox) -> Result<Vec<CellRow>>;

    /// Folds the appended map count changes into `report_cells` (one transaction), gives the
    /// regions they touched the next map version, and says how many change rows it folded.
    /// Every `serve` calls it about once a second; several instances may call it at once.
    async fn fold_cell_changes(&self) -> Result<u64>;

    /// The regions whose map version is above `since` (all with 0), for the tiles' versions.
    async fn map_versions_since(&self, since: i64) -> Result<Vec<RegionVersion>>;

    /// Whether a photo is visible on at least one public report.
    async fn photo_is_public(&self, photo_id: &str) -> Result<bool>;
}
