//! The filing use case: validate, route, process photos, store — one report, or the first one
//! again when a client retries with the same `Idempotency-Key`.

use std::sync::Arc;

use chrono::{SubsecRound, Utc};
use sha2::{Digest, Sha256};

use crate::config::{EmailConfirmation, Moderation, Settings};
use crate::domain::{
    AuthorityKey, Intake, InvalidValue, NewReport, Placement, Report, ReportId, ReportInput,
    ReportStatus, reaction_deadline,
};
use crate::jurisdiction::{JurisdictionHandle, LocateError};
use crate::metrics::{FilingOutcome, Metrics};
use crate::notify::compose::{Composer, MailReport};
use crate::notify::events::{self, Reporter};
use crate::photos::{PhotoError, PhotoId, PhotoLimits, PhotoStorage, PhotoWorkers};
use crate::store::Store;
use crate::store::reports::{CreateOutcome, PhotoRecord, PhotoRow, ReportRecord};

/// Most photos per report.
pub const MAX_PHOTOS: usize = 5;

/// What a filing needs from the application.
#[derive(Clone)]
pub struct FilingContext {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Routing.
    pub jurisdiction: Arc<JurisdictionHandle>,
    /// Where photos go.
    pub photos: Arc<dyn PhotoStorage>,
    /// Moderation and confirmation settings.
    pub settings: Arc<Settings>,
    /// The threads photos are processed on; their number bounds how many photos decode at
    /// once, and so the memory they take.
    pub photo_workers: Arc<PhotoWorkers>,
    /// Renders the mails a filing sends.
    pub composer: Composer,
    /// Counts filings by outcome and times photo processing.
    pub metrics: Arc<Metrics>,
}

/// One filing as received.
#[derive(Debug, Default)]
pub struct Filing {
    /// The form fields.
    pub input: ReportInput,
    /// Uploaded photo files, in order.
    pub photos: Vec<Vec<u8>>,
    /// The client's `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
    /// The authority the client means to file with (Open311's `jurisdiction_id`): the filing
    /// is refused when another one is responsible for the place.
    pub expected_authority: Option<AuthorityKey>,
}

/// What a filing produced.
#[derive(Debug, Clone)]
pub struct Filed {
    /// The report.
    pub id: ReportId,
    /// True when an earlier request with the same key created it.
    pub replayed: bool,
    /// The stored row and photos of a report this filing created (not of a replay), so the
    /// answer needs no second query.
    pub created: Option<(Report, Vec<PhotoRow>)>,
}

impl Filed {
    fn replay(id: ReportId) -> Self {
        Filed {
            id,
            replayed: true,
            created: None,
        }
    }
}

/// Why a filing was refused.
#[derive(Debug, thiserror::Error)]
pub enum FilingError {
    /// Fields failed validation (all of them listed).
    #[error("invalid fields")]
    Invalid(Vec<InvalidValue>),
    /// The category does not exist or is inactive.
    #[error("unknown category {0}")]
    UnknownCategory(String),
    /// The point lies outside the service area.
    #[error("outside the service area")]
    OutsideServiceArea,
    /// Another authority than the expected one is responsible for the place.
    #[error("{name} ({responsible}) is responsible for this place")]
    OtherAuthority {
        /// The responsible authority's key.
        responsible: AuthorityKey,
        /// Its name.
        name: String,
        /// The authority the client expected.
        expected: AuthorityKey,
    },
    /// More than [`MAX_PHOTOS`] photos.
    #[error("too many photos")]
    TooManyPhotos,
    /// Photo number `index` (0-based) was refused.
    #[error("photo {index}: {error}")]
    Photo {
        /// Which upload.
        index: usize,
        /// Why.
        error: PhotoError,
    },
    /// The key was used before for a different request.
    #[error("idempotency key reused for a different request")]
    KeyReused,
    /// Storage failed.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<crate::store::Error> for FilingError {
    fn from(error: crate::store::Error) -> Self {
        FilingError::Internal(error.into())
    }
}

impl FilingError {
    /// How the metrics count this refusal: a short stable word, or a failure of the service.
    pub fn outcome(&self) -> FilingOutcome {
        FilingOutcome::Refused(match self {
            FilingError::Invalid(_) => "invalid",
            FilingError::UnknownCategory(_) => "unknown_category",
            FilingError::OutsideServiceArea => "outside_service_area",
            FilingError::OtherAuthority { .. } => "other_authority",
            FilingError::TooManyPhotos => "too_many_photos",
            FilingError::Photo { .. } => "photo",
            FilingError::KeyReused => "idempotency_key_reused",
            FilingError::Internal(_) => return FilingOutcome::Failed,
        })
    }
}

/// Files a report (see the module documentation) and counts how that ended.
pub async fn file_report(ctx: &FilingContext, filing: Filing) -> Result<Filed, FilingError> {
    let result = file(ctx, filing).await;
    ctx.metrics.filing(match &result {
        Ok(filed) if filed.replayed => FilingOutcome::Replayed,
        Ok(_) => FilingOutcome::Created,
        Err(error) => error.outcome(),
    });
    result
}

async fn file(ctx: &FilingContext, filing: Filing) -> Result<Filed, FilingError> {
    let input = ReportInput {
        photos: filing.photos.len(),
        ..filing.input
    };
    let report = NewReport::validate(input).map_err(FilingError::Invalid)?;
    if filing.photos.len() > MAX_PHOTOS {
        return Err(FilingError::TooManyPhotos);
    }
    // One engine version for the whole filing, even if admins change the catalog meanwhile.
    let engine = ctx.jurisdiction.current();
    let category = engine
        .category(report.category.as_str())
        .filter(|c| c.active)
        .ok_or_else(|| FilingError::UnknownCategory(report.category.to_string()))?;
    let answer = engine
        .locate(report.location, Some(category.code.as_str()))
        .map_err(|e| match e {
            LocateError::OutsideServiceArea => FilingError::OutsideServiceArea,
            LocateError::UnknownCategory(code) => FilingError::UnknownCategory(code),
        })?;
    if let Some(expected) = filing.expected_authority
        && expected != answer.authority.key
    {
        return Err(FilingError::OtherAuthority {
            responsible: answer.authority.key.clone(),
            name: answer.authority.name.clone(),
            expected,
        });
    }

    // Only a filing with a key can be a retry to recognise, so only then is it hashed.
    let idempotency = filing.idempotency_key.as_deref().map(|key| {
        let photo_ids: Vec<PhotoId> = filing.photos.iter().map(|p| PhotoId::of(p)).collect();
        (key, fingerprint(&report, &photo_ids))
    });
    if let Some((key, fingerprint)) = &idempotency {
        match ctx.store.idempotency_key(key).await? {
            Some((seen, id)) if seen == *fingerprint => return Ok(Filed::replay(id)),
            Some(_) => return Err(FilingError::KeyReused),
            None => {}
        }
    }

    let limits = PhotoLimits::default();
    let mut photos = Vec::with_capacity(filing.photos.len());
    for (index, bytes) in filing.photos.into_iter().enumerate() {
        // One decode per photo thread: a 40-megapixel photo takes up to ~180 MB while it decodes.
        let (processed, took) = ctx
            .photo_workers
            .process(bytes, limits)
            .await
            .map_err(|e| anyhow::anyhow!("processing photo {index}: {e}"))?;
        // Refused photos count too: a bomb that is refused late costs as much as a photo.
        ctx.metrics.photo_processed(took);
        let processed = processed.map_err(|error| FilingError::Photo { index, error })?;
        ctx.photos
            .put(&processed)
            .await
            .map_err(|e| anyhow::anyhow!("storing photo {}: {e}", processed.id))?;
        photos.push(PhotoRecord {
            id: processed.id.to_string(),
            width: processed.width,
            height: processed.height,
        });
    }

    let id = ReportId::new();
    // Microseconds, what PostgreSQL stores: the answer built from the record equals a read.
    let now = Utc::now().trunc_subsecs(6);
    let state = answer.area.state;
    let new = Report::file(
        id,
        &report,
        Placement {
            area: answer.area.key.clone(),
            authority: answer.authority.key.clone(),
            near_border: !answer.neighbours.is_empty(),
        },
        Intake {
            confirm_email: ctx.settings.email_confirmation == EmailConfirmation::Required,
            moderated: ctx.settings.moderation != Moderation::Off,
        },
        // The promise's clock starts when the report is open: at filing, or at confirmation.
        || reaction_deadline(state, now, ctx.settings.service_promise_days),
        now,
    );
    let mail_report = MailReport {
        id: id.uuid(),
        category_de: &category.name_de,
        category_en: &category.name_en,
        description: &report.description,
        address: report.address.as_deref(),
        lat: report.location.lat(),
        lon: report.location.lon(),
        authority: &answer.authority.name,
    };
    let reporter = Reporter::of(&new);
    let mail = match (&new.status, reporter) {
        (ReportStatus::Unconfirmed, Some(reporter)) => {
            events::awaiting_confirmation(&ctx.composer, &mail_report, reporter, now)?
        }
        _ => events::opened(
            &ctx.composer,
            &mail_report,
            reporter,
            new.authority.as_str(),
            now,
        )?,
    };
    let record = ReportRecord {
        report: &new,
        photos: &photos,
        // Without moderation the photos are public with the report.
        photos_visible: ctx.settings.moderation == Moderation::Off,
        idempotency: idempotency.as_ref().map(|(key, f)| (*key, f.as_str())),
        mail: &mail,
    };
    match ctx.store.create_report(&record).await? {
        CreateOutcome::Created => Ok(Filed {
            id,
            replayed: false,
            created: Some((new.clone(), record.stored_photos())),
        }),
        CreateOutcome::Replayed(id) => Ok(Filed::replay(id)),
        CreateOutcome::KeyReused => Err(FilingError::KeyReused),
    }
}

/// SHA-256 over the validated content, so a retry matches even when a browser picks a new
/// multipart boundary or reorders JSON keys.
fn fingerprint(report: &NewReport, photos: &[PhotoId]) -> String {
    let mut hash = Sha256::new();
    let fields = [
        report.category.as_str(),
        &report.description,
        &report.location.lat().to_string(),
        &report.location.lon().to_string(),
        report.address.as_deref().unwrap_or(""),
        report.email.as_ref().map_or("", |e| e.as_str()),
        report.name.as_deref().unwrap_or(""),
        report.language.as_str(),
        report.media_url.as_ref().map_or("", |u| u.as_str()),
    ];
    for field in fields
        .iter()
        .copied()
        .chain(photos.iter().map(PhotoId::as_str))
    {
        hash.update((field.len() as u64).to_le_bytes());
        hash.update(field.as_bytes());
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
