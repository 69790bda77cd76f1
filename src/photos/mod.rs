//! Photos attached to reports: validation by content, decoding within limits, EXIF orientation,
//! metadata stripped by re-encoding, a web size and a thumbnail, stored by content hash.
//!
//! [`process`] is the whole pipeline for one upload. It is synchronous and CPU-bound (about a
//! quarter of a second for a 12-megapixel JPEG), so async callers run it on [`PhotoWorkers`], a
//! fixed set of threads (see there why not `spawn_blocking`). In order it:
//!
//! 1. refuses more than [`PhotoLimits::max_bytes`] ([`PhotoError::TooLarge`], 413);
//! 2. recognises JPEG, PNG or WebP by their magic bytes, never by name or declared type
//!    ([`PhotoError::UnsupportedType`], 415);
//! 3. reads the dimensions from the header alone and refuses more than
//!    [`PhotoLimits::max_pixels`], before a single pixel is decoded, so a decompression bomb costs
//!    nothing ([`PhotoError::TooManyPixels`], 422). The same 422 answers an image within the pixel
//!    limit whose decoding would need more than [`PhotoLimits::decode_budget`] bytes (16-bit
//!    PNGs, large progressive JPEGs);
//! 4. checks that a JPEG is complete (its marker structure walked to the end-of-image marker):
//!    the JPEG decoder would silently fill a truncated file with grey ([`PhotoError::Corrupt`], 422);
//! 5. decodes, with `image`'s allocation limit set to the budget;
//! 6. scales to [`WEB_LONG_SIDE`] and from that to [`THUMB_LONG_SIDE`] (Lanczos3, downscaling only),
//!    applies the EXIF orientation, and encodes both as baseline JPEG with 4:2:0 chroma
//!    (`jpeg-encoder`, mozjpeg's quantisation tables). The encoder writes only a JFIF header: no
//!    EXIF (GPS!), XMP, IPTC, ICC profile or comment survives;
//! 7. names the photo by the SHA-256 of the uploaded bytes ([`PhotoId`]), so the same upload twice
//!    is one photo.
//!
//! [`redact`] pixelates rectangles a clerk marked in a stored photo (faces, number plates)
//! and names the result anew ([`redacted_id`]).
//!
//! [`PhotoStorage`] keeps the variants: [`FsPhotoStorage`] in the data directory (the default)
//! or [`S3PhotoStorage`] in an S3-compatible bucket, chosen by [`PhotoLocation`]
//! (`BUERGERBUERO_PHOTOS_URL`); [`copy_photos`] moves them from one to the other.

mod copy;
mod location;
#[cfg(test)]
mod pipeline_tests;
mod process;
mod redact;
mod s3;
mod sniff;
mod storage;
mod workers;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub use copy::{CopyReport, copy_photos};
pub use location::PhotoLocation;
pub use process::process;
pub use redact::{
    Area, Areas, InvalidAreas, MAX_AREAS, MIN_AREA_SIDE, block_side, redact, redacted_id,
};
pub use s3::{CHECK_TIMEOUT, S3Location, S3Overrides, S3PhotoStorage};
pub use storage::{FsPhotoStorage, PhotoStorage, PhotoStream};
pub use workers::{PhotoWorkers, WorkersStopped};

/// Longest side of the web variant, in pixels. Enough for a clerk to read a sign or judge a
/// pothole on a laptop screen; smaller images keep their size.
pub const WEB_LONG_SIDE: u32 = 1600;

/// Longest side of the thumbnail, in pixels (lists, map pop-ups, the moderation inbox; 2x for
/// high-density screens at 160 CSS pixels).
pub const THUMB_LONG_SIDE: u32 = 320;

/// JPEG quality of the web variant. 82 is where artefacts stop being visible on photos at
/// full-screen size while the file stays around 250 kB at 1600 px (4:2:0); clerks zoom in on
/// details (house numbers, damage), so it is a little higher than the thumbnail's.
pub const WEB_JPEG_QUALITY: u8 = 82;

/// JPEG quality of the thumbnail. 75 (libjpeg's and libvips' default): a list or map shows many
/// at once, bytes matter more than fine detail at 320 px.
pub const THUMB_JPEG_QUALITY: u8 = 75;

/// What an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoLimits {
    /// Largest accepted upload, in bytes (default 10 MiB).
    pub max_bytes: usize,
    /// Largest accepted image, in pixels (width × height; default 40 megapixels).
    pub max_pixels: u64,
}

impl Default for PhotoLimits {
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
        }
    }
}

impl PhotoLimits {
    /// Most bytes decoding one image may take: the pixels of a `max_pixels` RGBA image plus
    /// 16 MiB for the decoders' own buffers (176 MiB by default). The decoded pixels, any
    /// conversion to 8-bit RGB and a progressive JPEG's coefficient buffers count towards it.
    pub fn decode_budget(&self) -> u64 {
        self.max_pixels
            .saturating_mul(4)
            .saturating_add(16 * 1024 * 1024)
    }
}

/// The result of [`process`]: the two variants, ready to store and to serve as `image/jpeg`.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedPhoto {
    /// SHA-256 of the uploaded bytes.
    pub id: PhotoId,
    /// Width of the web variant (after orientation), in pixels.
    pub width: u32,
    /// Height of the web variant (after orientation), in pixels.
    pub height: u32,
    /// The web variant: baseline JPEG, longest side at most [`WEB_LONG_SIDE`], no metadata.
    pub web: Vec<u8>,
    /// The thumbnail: baseline JPEG, longest side at most [`THUMB_LONG_SIDE`], no metadata.
    pub thumb: Vec<u8>,
}

impl ProcessedPhoto {
    /// The bytes of one variant.
    pub fn variant(&self, variant: Variant) -> &[u8] {
        match variant {
            Variant::Thumb => &self.thumb,
            Variant::Web => &self.web,
        }
    }
}

impl fmt::Debug for ProcessedPhoto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessedPhoto")
            .field("id", &self.id)
            .field("width", &self.width)
            .field("height", &self.height)
            .field("web_bytes", &self.web.len())
            .field("thumb_bytes", &self.thumb.len())
            .finish()
    }
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// More bytes than [`PhotoLimits::max_bytes`] (413).
    #[error("the upload is larger than {max_bytes} bytes")]
    TooLarge {
        /// The limit, in bytes.
        max_bytes: usize,
    },
    /// Not a JPEG, PNG or WebP by its content, or a variant of one the decoders cannot read (415).
    #[error("not a JPEG, PNG or WebP image")]
    UnsupportedType,
    /// More pixels than [`PhotoLimits::max_pixels`], or more memory to decode than
    /// [`PhotoLimits::decode_budget`] (422).
    #[error("{width}x{height} pixels: over the limit of {max_pixels} pixels or the decode budget")]
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
        /// The limit, in pixels.
        max_pixels: u64,
    },
    /// Recognised, but damaged or incomplete (422). The text is for logs, not for the citizen.
    #[error("corrupt image: {0}")]
    Corrupt(String),
}

impl PhotoError {
    /// The HTTP status to answer with: 413, 415 or 422.
    pub fn status(&self) -> u16 {
        match self {
            PhotoError::TooLarge { .. } => 413,
            PhotoError::UnsupportedType => 415,
            PhotoError::TooManyPixels { .. } | PhotoError::Corrupt(_) => 422,
        }
    }

    /// A stable slug for the problem document's `type` (`/problems/{slug}`).
    pub fn slug(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "photo-too-large",
            PhotoError::UnsupportedType => "photo-unsupported-type",
            PhotoError::TooManyPixels { .. } => "photo-too-many-pixels",
            PhotoError::Corrupt(_) => "photo-corrupt",
        }
    }

    /// A short English title for the problem document.
    pub fn title(&self) -> &'static str {
        match self {
            PhotoError::TooLarge { .. } => "Photo too large",
            PhotoError::UnsupportedType => "Unsupported photo type",
            PhotoError::TooManyPixels { .. } => "Photo has too many pixels",
            PhotoError::Corrupt(_) => "Photo unreadable",
        }
    }

    /// What the citizen should know, in English.
    pub fn detail(&self) -> String {
        match self {
            PhotoError::TooLarge { max_bytes } => format!(
                "The photo is larger than {}. Please send a smaller one.",
                human_size(*max_bytes)
            ),
            PhotoError::UnsupportedType => {
                "Only photos in JPEG, PNG or WebP format are accepted.".into()
            }
            PhotoError::TooManyPixels {
                width,
                height,
                max_pixels,
            } => format!(
                "The photo is too big to process: {width} × {height} pixels. We accept up to {} \
                 megapixels (less for 16-bit and progressive images). Please send a smaller version.",
                megapixels(*max_pixels)
            ),
            PhotoError::Corrupt(_) => {
                "The file could not be read as an image; it may be damaged or incomplete.".into()
            }
        }
    }

    /// What the citizen should know, in German.
    pub fn detail_de(&self) -> String {
        match self {
            PhotoError::TooLarge { max_bytes } => format!(
                "Das Foto ist größer als {}. Bitte senden Sie ein kleineres.",
                human_size(*max_bytes)
            ),
            PhotoError::UnsupportedType => {
                "Es werden nur Fotos im Format JPEG, PNG oder WebP angenommen.".into()
            }
            PhotoError::TooManyPixels {
                width,
                height,
                max_pixels,
            } => format!(
                "Das Foto ist zu groß zur Verarbeitung: {width} × {height} Pixel. Wir nehmen bis zu \
                 {} Megapixel an (weniger bei 16 Bit pro Farbkanal und progressivem JPEG). \
                 Bitte senden Sie eine kleinere Fassung.",
                megapixels(*max_pixels)
            ),
            PhotoError::Corrupt(_) => {
                "Die Datei ließ sich nicht als Bild lesen; sie ist vielleicht beschädigt oder unvollständig.".into()
            }
        }
    }
}

fn human_size(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

fn megapixels(pixels: u64) -> String {
    if pixels.is_multiple_of(1_000_000) {
        (pixels / 1_000_000).to_string()
    } else {
        format!("{:.1}", pixels as f64 / 1_000_000.0)
    }
}

/// A photo's name: the lowercase hex SHA-256 of the uploaded bytes (64 characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhotoId(String);

/// A string that is not 64 lowercase hex characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a photo id is 64 lowercase hexadecimal characters")]
pub struct InvalidPhotoId;

impl PhotoId {
    /// The id of an upload: the SHA-256 of its bytes. Cheap (a few ms for 10 MB), so a caller
    /// can look for an existing photo before processing the upload again.
    pub fn of(bytes: &[u8]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut hex = String::with_capacity(64);
        for byte in digest.iter() {
            hex.push(hex_digit(byte >> 4));
            hex.push(hex_digit(byte & 0x0f));
        }
        PhotoId(hex)
    }

    /// Validates 64 lowercase hex characters.
    pub fn parse(s: &str) -> Result<Self, InvalidPhotoId> {
        if s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(PhotoId(s.to_owned()))
        } else {
            Err(InvalidPhotoId)
        }
    }

    /// The 64 hex characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(nibble & 0x0f)])
}

impl fmt::Display for PhotoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhotoId {
    type Err = InvalidPhotoId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PhotoId::parse(s)
    }
}

impl TryFrom<String> for PhotoId {
    type Error = InvalidPhotoId;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        PhotoId::parse(&s)
    }
}

impl From<PhotoId> for String {
    fn from(id: PhotoId) -> Self {
        id.0
    }
}

/// Which rendering of a photo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Longest side at most [`THUMB_LONG_SIDE`].
    Thumb,
    /// Longest side at most [`WEB_LONG_SIDE`].
    Web,
}

/// A variant name other than `thumb` or `web`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a photo variant is \"thumb\" or \"web\"")]
pub struct UnknownVariant;

impl Variant {
    /// Both variants.
    pub const ALL: [Variant; 2] = [Variant::Thumb, Variant::Web];

    /// `thumb` or `web`, as in the URL.
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Thumb => "thumb",
            Variant::Web => "web",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "thumb" => Ok(Variant::Thumb),
            "web" => Ok(Variant::Web),
            _ => Err(UnknownVariant),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_id_is_sha256_hex_and_round_trips() {
        let id = PhotoId::of(b"abc");
        assert_eq!(
            id.as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(id.to_string().parse::<PhotoId>(), Ok(id.clone()));
        let json = serde_json::to_string(&id).unwrap_or_default();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<PhotoId>(&json).ok(), Some(id));
    }

    #[test]
    fn photo_id_rejects_anything_else() {
        let upper = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
        for bad in [
            "",
            "abc",
            upper,
            "../../../../etc/passwd",
            &"g".repeat(64),
            &"a".repeat(63),
            &"a".repeat(65),
        ] {
            assert_eq!(PhotoId::parse(bad), Err(InvalidPhotoId), "{bad}");
        }
        assert!(serde_json::from_str::<PhotoId>("\"xyz\"").is_err());
    }

    #[test]
    fn variants_parse() {
        assert_eq!("thumb".parse(), Ok(Variant::Thumb));
        assert_eq!("web".parse(), Ok(Variant::Web));
        assert_eq!("Web".parse::<Variant>(), Err(UnknownVariant));
        assert_eq!("original".parse::<Variant>(), Err(UnknownVariant));
        for v in Variant::ALL {
            assert_eq!(v.to_string().parse(), Ok(v));
        }
    }

    #[test]
    fn errors_map_to_statuses_and_messages() {
        let limits = PhotoLimits::default();
        let too_large = PhotoError::TooLarge {
            max_bytes: limits.max_bytes,
        };
        assert_eq!(too_large.status(), 413);
        assert!(too_large.detail().contains("10 MB"));
        assert!(too_large.detail_de().contains("10 MB"));
        assert_eq!(PhotoError::UnsupportedType.status(), 415);
        let pixels = PhotoError::TooManyPixels {
            width: 20000,
            height: 20000,
            max_pixels: limits.max_pixels,
        };
        assert_eq!(pixels.status(), 422);
        assert!(pixels.detail().contains("40 megapixels"));
        assert!(pixels.detail_de().contains("40 Megapixel"));
        let corrupt = PhotoError::Corrupt("truncated".into());
        assert_eq!(corrupt.status(), 422);
        assert!(!corrupt.detail().contains("truncated"));
        assert_eq!(limits.decode_budget(), 176_777_216);
    }
}
