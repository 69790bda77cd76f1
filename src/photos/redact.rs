//! Making parts of a stored photo unrecognisable (faces, number plates) before it is released.
//!
//! A clerk names rectangles in the web variant's pixels ([`Areas`], validated against the
//! photo's size); [`redact`] pixelates them in the web variant and, scaled, in the thumbnail:
//! every block of [`block_side`] pixels inside a rectangle becomes its mean colour. That is
//! irreversible (a blur keeps the information spread out and can be partly undone; a block's
//! mean keeps one colour of hundreds of pixels), and coarse enough that a face or a plate of
//! any size the rectangle can hold loses its detail. The result is a new photo with a new id
//! ([`redacted_id`]): photos are content-addressed and served with their id in the URL and the
//! `ETag`, so the redacted bytes can never be mistaken for the original by a cache.

use std::io::Cursor;

use image::RgbImage;
use image::codecs::jpeg::JpegDecoder;
use sha2::{Digest, Sha256};

use super::process::encode_jpeg;
use super::{
    PhotoError, PhotoId, ProcessedPhoto, THUMB_JPEG_QUALITY, THUMB_LONG_SIDE, WEB_JPEG_QUALITY,
};

/// Most rectangles one redaction may name (a crowd needs a few, not hundreds).
pub const MAX_AREAS: usize = 20;

/// Shortest side of a rectangle, in web-variant pixels: smaller ones are slips of the mouse,
/// and would not hold one pixelation block.
pub const MIN_AREA_SIDE: u32 = 8;

/// Fewest pixels of one pixelation block, in any variant.
pub const MIN_BLOCK_SIDE: u32 = 8;

/// A rectangle in the web variant's pixels: left, top, width, height.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

/// Rectangles that fit a photo: 1 to [`MAX_AREAS`], each inside it and at least
/// [`MIN_AREA_SIDE`] on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Areas(Vec<Area>);

/// Why rectangles were refused; the text names the rectangle (from 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidAreas(pub String);

impl Areas {
    /// Validates `areas` against a web variant of `width` × `height` pixels.
    pub fn new(areas: Vec<Area>, width: u32, height: u32) -> Result<Self, InvalidAreas> {
        if areas.is_empty() || areas.len() > MAX_AREAS {
            return Err(InvalidAreas(format!(
                "name 1 to {MAX_AREAS} rectangles, not {}",
                areas.len()
            )));
        }
        for (n, a) in areas.iter().enumerate() {
            if a.width < MIN_AREA_SIDE || a.height < MIN_AREA_SIDE {
                return Err(InvalidAreas(format!(
                    "rectangle {n} is smaller than {MIN_AREA_SIDE} × {MIN_AREA_SIDE} pixels"
                )));
            }
            let right = u64::from(a.x) + u64::from(a.width);
            let bottom = u64::from(a.y) + u64::from(a.height);
            if right > u64::from(width) || bottom > u64::from(height) {
                return Err(InvalidAreas(format!(
                    "rectangle {n} reaches outside the photo of {width} × {height} pixels"
                )));
            }
        }
        Ok(Self(areas))
    }

    /// The rectangles.
    pub fn as_slice(&self) -> &[Area] {
        &self.0
    }

    /// `x,y w×h; …`, for the history.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|a| format!("{},{} {}×{}", a.x, a.y, a.width, a.height))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The id of `original` with `areas` redacted: the SHA-256 of both, so a repeated request
/// names the same photo (storing it again is a no-op) and no upload can collide with it (an
/// upload's id hashes its bytes, which never start with this prefix and a photo id).
pub fn redacted_id(original: &PhotoId, areas: &Areas) -> PhotoId {
    let mut text = format!("buergerbuero-redacted:{original}");
    for a in areas.as_slice() {
        text.push_str(&format!(":{},{},{},{}", a.x, a.y, a.width, a.height));
    }
    PhotoId(hex(&Sha256::digest(text.as_bytes())))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The side of a pixelation block in a variant whose longest side is `long_side`: a 40th of
/// it (40 px in a 1,600 px web photo, 8 px in a 320 px thumbnail), at least [`MIN_BLOCK_SIDE`].
pub fn block_side(long_side: u32) -> u32 {
    (long_side / 40).max(MIN_BLOCK_SIDE)
}

/// The photo `web` + `thumb` (the stored variants of a photo of `width` × `height`) with
/// `areas` pixelated in both, under its new id. Synchronous and CPU-bound (two decodes and
/// encodes of at most 1,600 px): run it on the photo workers.
pub fn redact(
    original: &PhotoId,
    web: &[u8],
    thumb: &[u8],
    areas: &Areas,
) -> Result<ProcessedPhoto, PhotoError> {
    let mut web_pixels = decode_stored(web)?;
    let mut thumb_pixels = decode_stored(thumb)?;
    let (width, height) = web_pixels.dimensions();
    let (thumb_width, thumb_height) = thumb_pixels.dimensions();
    for area in areas.as_slice() {
        pixelate(&mut web_pixels, *area);
        // The thumbnail is the web variant scaled: the same rectangle scaled, grown to whole
        // pixels outwards, so no edge pixel of it escapes.
        pixelate(
            &mut thumb_pixels,
            scale_out(*area, (width, height), (thumb_width, thumb_height)),
        );
    }
    debug_assert!(thumb_width.max(thumb_height) <= THUMB_LONG_SIDE);
    Ok(ProcessedPhoto {
        id: redacted_id(original, areas),
        width,
        height,
        web: encode_jpeg(&web_pixels, WEB_JPEG_QUALITY)?,
        thumb: encode_jpeg(&thumb_pixels, THUMB_JPEG_QUALITY)?,
    })
}

/// Decodes a variant this service wrote (baseline JPEG, at most 1,600 px).
fn decode_stored(bytes: &[u8]) -> Result<RgbImage, PhotoError> {
    let decoder = JpegDecoder::new(Cursor::new(bytes))
        .map_err(|e| PhotoError::Corrupt(format!("stored variant: {e}")))?;
    let image = image::DynamicImage::from_decoder(decoder)
        .map_err(|e| PhotoError::Corrupt(format!("stored variant: {e}")))?;
    Ok(image.into_rgb8())
}

/// `area` of a `from`-sized image in a `to`-sized one, rounded outwards and kept inside it.
fn scale_out(area: Area, from: (u32, u32), to: (u32, u32)) -> Area {
    let scale = |v: u32, from: u32, to: u32, up: bool| -> u32 {
        let num = u64::from(v) * u64::from(to);
        let den = u64::from(from.max(1));
        let scaled = if up { num.div_ceil(den) } else { num / den };
        u32::try_from(scaled).unwrap_or(to).min(to)
    };
    let left = scale(area.x, from.0, to.0, false);
    let top = scale(area.y, from.1, to.1, false);
    let right = scale(area.x + area.width, from.0, to.0, true);
    let bottom = scale(area.y + area.height, from.1, to.1, true);
    Area {
        x: left,
        y: top,
        width: right.saturating_sub(left),
        height: bottom.saturating_sub(top),
    }
}

/// Replaces every block of `area` (blocks start at its top-left corner; the last ones may be
/// narrower) by the block's mean colour.
fn pixelate(image: &mut RgbImage, area: Area) {
    let (width, height) = image.dimensions();
    let block = block_side(width.max(height));
    let right = (area.x + area.width).min(width);
    let bottom = (area.y + area.height).min(height);
    for top in (area.y..bottom).step_by(block as usize) {
        for left in (area.x..right).step_by(block as usize) {
            let (block_right, block_bottom) =
                ((left + block).min(right), (top + block).min(bottom));
            let mut sum = [0u64; 3];
            let mut count = 0u64;
            for y in top..block_bottom {
                for x in left..block_right {
                    let pixel = image.get_pixel(x, y);
                    for (s, c) in sum.iter_mut().zip(pixel.0) {
                        *s += u64::from(c);
                    }
                    count += 1;
                }
            }
            if count == 0 {
                continue;
            }
            let mean = sum.map(|s| u8::try_from((s + count / 2) / count).unwrap_or(u8::MAX));
            for y in top..block_bottom {
                for x in left..block_right {
                    image.put_pixel(x, y, image::Rgb(mean));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(x: u32, y: u32, width: u32, height: u32) -> Area {
        Area {
            x,
            y,
            width,
            height,
        }
    }

    #[test]
    fn areas_must_fit_the_photo() {
        assert!(Areas::new(vec![area(0, 0, 100, 50)], 100, 50).is_ok());
        assert!(Areas::new(vec![], 100, 50).is_err());
        assert!(Areas::new(vec![area(0, 0, 101, 50)], 100, 50).is_err());
        assert!(Areas::new(vec![area(95, 0, 8, 8)], 100, 50).is_err());
        assert!(Areas::new(vec![area(u32::MAX, 0, 8, 8)], 100, 50).is_err());
        assert!(Areas::new(vec![area(0, 0, 7, 50)], 100, 50).is_err());
        assert!(Areas::new(vec![area(0, 0, 8, 8); MAX_AREAS], 100, 50).is_ok());
        assert!(Areas::new(vec![area(0, 0, 8, 8); MAX_AREAS + 1], 100, 50).is_err());
    }

    #[test]
    fn the_new_id_depends_on_photo_and_areas() {
        let original = PhotoId::of(b"upload");
        let one = Areas::new(vec![area(0, 0, 10, 10)], 100, 100).unwrap_or_else(|e| panic!("{e}"));
        let two = Areas::new(vec![area(0, 0, 10, 11)], 100, 100).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(redacted_id(&original, &one), redacted_id(&original, &one));
        assert_ne!(redacted_id(&original, &one), redacted_id(&original, &two));
        assert_ne!(redacted_id(&original, &one), original);
        assert_ne!(
            redacted_id(&original, &one),
            redacted_id(&PhotoId::of(b"other"), &one)
        );
    }

    #[test]
    fn pixelation_makes_blocks_of_one_colour_and_leaves_the_rest() {
        let mut image =
            RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 7]));
        let before = image.clone();
        pixelate(&mut image, area(8, 8, 20, 12));
        // Inside: the first block (8 px: a 64 px image) is one colour.
        let first = *image.get_pixel(8, 8);
        for y in 8..16 {
            for x in 8..16 {
                assert_eq!(*image.get_pixel(x, y), first);
            }
        }
        assert_ne!(image.get_pixel(8, 8), before.get_pixel(8, 8));
        // Outside: untouched.
        for (x, y, pixel) in before.enumerate_pixels() {
            let inside = (8..28).contains(&x) && (8..20).contains(&y);
            if !inside {
                assert_eq!(image.get_pixel(x, y), pixel, "{x},{y}");
            }
        }
    }

    #[test]
    fn scaling_rounds_outwards() {
        assert_eq!(
            scale_out(area(5, 5, 10, 10), (100, 100), (32, 32)),
            area(1, 1, 4, 4)
        );
        assert_eq!(
            scale_out(area(90, 90, 10, 10), (100, 100), (32, 32)),
            area(28, 28, 4, 4)
        );
    }
}
