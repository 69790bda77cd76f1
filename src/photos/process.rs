//! The pipeline of one upload: checks, decode, scale, orient, encode.

use std::io::Cursor;
use std::panic;

use fast_image_resize as fir;
use image::codecs::jpeg::JpegDecoder;
use image::codecs::png::PngDecoder;
use image::codecs::webp::WebPDecoder;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, GrayImage, ImageDecoder, ImageError, RgbImage, RgbaImage};

use super::sniff::{self, Format};
use super::{
    PhotoError, PhotoId, PhotoLimits, ProcessedPhoto, THUMB_JPEG_QUALITY, THUMB_LONG_SIDE,
    WEB_JPEG_QUALITY, WEB_LONG_SIDE,
};

/// Validates one upload and renders its web size and thumbnail; see the [module](super) for
/// the steps. Synchronous and CPU-bound: async code calls it through
/// [`PhotoWorkers`](super::PhotoWorkers). Peak memory is the upload, a copy of it, and at most
/// [`PhotoLimits::decode_budget`] for the decoded pixels.
pub fn process(bytes: &[u8], limits: &PhotoLimits) -> Result<ProcessedPhoto, PhotoError> {
    if bytes.len() > limits.max_bytes {
        return Err(PhotoError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let format = sniff::sniff(bytes).ok_or(PhotoError::UnsupportedType)?;
    // The decoders are third-party code fed with untrusted bytes: a panic in one of them is a
    // file we cannot read (422), not a failure of the server.
    let rendered = panic::catch_unwind(|| render(bytes, format, limits))
        .map_err(|_| PhotoError::Corrupt("the decoder panicked".into()))??;
    Ok(ProcessedPhoto {
        id: PhotoId::of(bytes),
        width: rendered.width,
        height: rendered.height,
        web: rendered.web,
        thumb: rendered.thumb,
    })
}

struct Rendered {
    width: u32,
    height: u32,
    web: Vec<u8>,
    thumb: Vec<u8>,
}

/// Decoded pixels in the smallest layout that holds them: grey images stay one byte per
/// pixel until they are scaled down.
enum Pixels {
    Gray(GrayImage),
    Rgb(RgbImage),
}

fn render(bytes: &[u8], format: Format, limits: &PhotoLimits) -> Result<Rendered, PhotoError> {
    let (pixels, orientation) = decode(bytes, format, limits)?;

    // Scale first, orient the small result: rotating 12 MP would copy 36 MB for nothing.
    let turned = matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    );
    let (width, height) = match &pixels {
        Pixels::Gray(image) => image.dimensions(),
        Pixels::Rgb(image) => image.dimensions(),
    };
    let (web_width, web_height) = if turned {
        let (h, w) = fit(height, width, WEB_LONG_SIDE);
        (w, h)
    } else {
        fit(width, height, WEB_LONG_SIDE)
    };
    let web = match pixels {
        Pixels::Gray(image) => {
            let small = resize_gray(image, web_width, web_height)?;
            DynamicImage::ImageLuma8(small).into_rgb8()
        }
        Pixels::Rgb(image) => resize_rgb(image, web_width, web_height)?,
    };
    let mut web = DynamicImage::ImageRgb8(web);
    web.apply_orientation(orientation);
    let web = web.into_rgb8();

    let (thumb_width, thumb_height) = fit(web.width(), web.height(), THUMB_LONG_SIDE);
    let thumb = resize_rgb(web.clone(), thumb_width, thumb_height)?;
    Ok(Rendered {
        width: web.width(),
        height: web.height(),
        web: encode_jpeg(&web, WEB_JPEG_QUALITY)?,
        thumb: encode_jpeg(&thumb, THUMB_JPEG_QUALITY)?,
    })
}

/// The size that fits `long_side`, keeping the aspect ratio; never larger than the original.
pub(super) fn fit(width: u32, height: u32, long_side: u32) -> (u32, u32) {
    let long = width.max(height);
    if long <= long_side {
        return (width, height);
    }
    let scale = |side: u32| -> u32 {
        let scaled =
            (u64::from(side) * u64::from(long_side) + u64::from(long) / 2) / u64::from(long);
        u32::try_from(scaled).unwrap_or(long_side).max(1)
    };
    (scale(width), scale(height))
}

/// Header, limits, completeness, then the pixels.
fn decode(
    bytes: &[u8],
    format: Format,
    limits: &PhotoLimits,
) -> Result<(Pixels, Orientation), PhotoError> {
    match format {
        Format::Jpeg => {
            // Parses the headers only (and copies the input).
            let decoder =
                JpegDecoder::new(Cursor::new(bytes)).map_err(|e| from_image_error(e, None))?;
            check_dimensions(&decoder, limits)?;
            let layout = sniff::jpeg_layout(bytes).map_err(PhotoError::Corrupt)?;
            decode_within(decoder, layout.working_bytes, limits)
        }
        Format::Png => {
            // Reads up to the first image data chunk; ancillary chunks (a compressed ICC
            // profile, text) are bounded by the allocation limit.
            let decoder = PngDecoder::with_limits(Cursor::new(bytes), allocation_limit(limits))
                .map_err(|e| from_image_error(e, None))?;
            check_dimensions(&decoder, limits)?;
            decode_within(decoder, 0, limits)
        }
        Format::WebP => {
            let decoder =
                WebPDecoder::new(Cursor::new(bytes)).map_err(|e| from_image_error(e, None))?;
            check_dimensions(&decoder, limits)?;
            decode_within(decoder, 0, limits)
        }
    }
}

fn allocation_limit(limits: &PhotoLimits) -> image::Limits {
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.decode_budget());
    image_limits
}

fn check_dimensions(decoder: &impl ImageDecoder, limits: &PhotoLimits) -> Result<(), PhotoError> {
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(PhotoError::Corrupt(format!(
            "the header declares {width}x{height} pixels"
        )));
    }
    if u64::from(width) * u64::from(height) > limits.max_pixels {
        return Err(too_many_pixels((width, height), limits));
    }
    Ok(())
}

fn too_many_pixels((width, height): (u32, u32), limits: &PhotoLimits) -> PhotoError {
    PhotoError::TooManyPixels {
        width,
        height,
        max_pixels: limits.max_pixels,
    }
}

/// Decodes once the memory it takes is known to fit the budget: the output buffer, the
/// conversion to 8 bits per channel, and `working_bytes` the decoder needs besides.
fn decode_within(
    mut decoder: impl ImageDecoder,
    working_bytes: u64,
    limits: &PhotoLimits,
) -> Result<(Pixels, Orientation), PhotoError> {
    let dimensions = decoder.dimensions();
    let pixels = u64::from(dimensions.0) * u64::from(dimensions.1);
    let conversion = match decoder.color_type() {
        ColorType::L8 | ColorType::Rgb8 | ColorType::Rgba8 => 0,
        ColorType::L16 => pixels,
        ColorType::Rgb16 => pixels * 3,
        _ => pixels * 4,
    };
    let needed = decoder
        .total_bytes()
        .saturating_add(conversion)
        .saturating_add(working_bytes);
    if needed > limits.decode_budget() {
        return Err(too_many_pixels(dimensions, limits));
    }
    // Bad metadata is no reason to refuse a photo: it is thrown away anyway.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    decoder
        .set_limits(allocation_limit(limits))
        .map_err(|e| from_image_error(e, Some((dimensions, limits))))?;
    let image = DynamicImage::from_decoder(decoder)
        .map_err(|e| from_image_error(e, Some((dimensions, limits))))?;
    let pixels = match image {
        DynamicImage::ImageLuma8(gray) => Pixels::Gray(gray),
        DynamicImage::ImageRgb8(rgb) => Pixels::Rgb(rgb),
        DynamicImage::ImageRgba8(rgba) => Pixels::Rgb(flatten_onto_white(rgba)?),
        other if other.color().has_alpha() => Pixels::Rgb(flatten_onto_white(other.into_rgba8())?),
        other if other.color().channel_count() == 1 => Pixels::Gray(other.into_luma8()),
        other => Pixels::Rgb(other.into_rgb8()),
    };
    Ok((pixels, orientation))
}

fn from_image_error(
    error: ImageError,
    dimensions: Option<((u32, u32), &PhotoLimits)>,
) -> PhotoError {
    match (error, dimensions) {
        (ImageError::Limits(_), Some((dimensions, limits))) => too_many_pixels(dimensions, limits),
        (ImageError::Unsupported(_), _) => PhotoError::UnsupportedType,
        (other, _) => PhotoError::Corrupt(other.to_string()),
    }
}

/// Composites RGBA over white in place (a transparent PNG shows as on a white page), reusing
/// the buffer: pixel `i` is written at `3i`, after its four bytes at `4i` were read.
fn flatten_onto_white(image: RgbaImage) -> Result<RgbImage, PhotoError> {
    let (width, height) = image.dimensions();
    let mut buffer = image.into_raw();
    let pixels = buffer.len() / 4;
    for i in 0..pixels {
        let [r, g, b, a] = [
            buffer[4 * i],
            buffer[4 * i + 1],
            buffer[4 * i + 2],
            buffer[4 * i + 3],
        ];
        let alpha = u32::from(a);
        let over = |c: u8| ((u32::from(c) * alpha + 255 * (255 - alpha) + 127) / 255) as u8;
        buffer[3 * i] = over(r);
        buffer[3 * i + 1] = over(g);
        buffer[3 * i + 2] = over(b);
    }
    buffer.truncate(pixels * 3);
    buffer.shrink_to_fit();
    RgbImage::from_raw(width, height, buffer)
        .ok_or_else(|| PhotoError::Corrupt("inconsistent RGBA buffer".into()))
}

fn resize_rgb(image: RgbImage, width: u32, height: u32) -> Result<RgbImage, PhotoError> {
    if image.dimensions() == (width, height) {
        return Ok(image);
    }
    let (src_width, src_height) = image.dimensions();
    let pixels = resize(
        image.as_raw(),
        (src_width, src_height),
        (width, height),
        fir::PixelType::U8x3,
    )?;
    RgbImage::from_raw(width, height, pixels)
        .ok_or_else(|| PhotoError::Corrupt("inconsistent resize output".into()))
}

fn resize_gray(image: GrayImage, width: u32, height: u32) -> Result<GrayImage, PhotoError> {
    if image.dimensions() == (width, height) {
        return Ok(image);
    }
    let (src_width, src_height) = image.dimensions();
    let pixels = resize(
        image.as_raw(),
        (src_width, src_height),
        (width, height),
        fir::PixelType::U8,
    )?;
    GrayImage::from_raw(width, height, pixels)
        .ok_or_else(|| PhotoError::Corrupt("inconsistent resize output".into()))
}

/// Lanczos3 convolution (as libvips' default reduce), SIMD where the CPU has it.
fn resize(
    source: &[u8],
    (src_width, src_height): (u32, u32),
    (width, height): (u32, u32),
    pixel_type: fir::PixelType,
) -> Result<Vec<u8>, PhotoError> {
    let source = fir::images::ImageRef::new(src_width, src_height, source, pixel_type)
        .map_err(|e| PhotoError::Corrupt(format!("resize: {e}")))?;
    let mut target = fir::images::Image::new(width, height, pixel_type);
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new()
        .resize(&source, &mut target, &options)
        .map_err(|e| PhotoError::Corrupt(format!("resize: {e}")))?;
    Ok(target.into_vec())
}

/// Baseline JPEG with a bare JFIF header and nothing else: `jpeg-encoder` writes EXIF, ICC or
/// other APPn segments only when asked to, and we never ask.
///
/// - Chroma 4:2:0, averaged over each 2×2 block (libjpeg's and libvips' default; the encoder's
///   own default takes the top-left pixel, which measured worse). A third fewer bytes than
///   4:4:4 at the same quality, and half the blocks to transform.
/// - N. Robidoux's quantisation tables (mozjpeg's default) scaled by `quality` as libjpeg scales
///   its own: on the benchmark photo 6 % smaller than libjpeg's Annex K tables at the same
///   quality number and closer to the original (DSSIM), for the web size and the thumbnail
///   (docs/benchmarks-photos.md).
/// - One interleaved scan with the standard Huffman tables. Optimised tables would save another
///   6 %, but `jpeg-encoder` writes them as one scan per component, and zune-jpeg 0.5.15 (the
///   decoder of `image`, so of many Rust clients) decodes such 4:2:0 files to garbage.
pub(super) fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>, PhotoError> {
    let (width, height) = image.dimensions();
    // Never reached: the variants are at most WEB_LONG_SIDE pixels wide.
    let side = |n: u32| {
        u16::try_from(n).map_err(|_| PhotoError::Corrupt(format!("encoding: {width}x{height}")))
    };
    let mut out = Vec::with_capacity(image.as_raw().len() / 12);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
    encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
    encoder.set_quantization_tables(
        jpeg_encoder::QuantizationTableType::ImageMagick,
        jpeg_encoder::QuantizationTableType::ImageMagick,
    );
    encoder
        .encode(
            image.as_raw(),
            side(width)?,
            side(height)?,
            jpeg_encoder::ColorType::Rgb,
        )
        .map_err(|e| PhotoError::Corrupt(format!("encoding: {e}")))?;
    Ok(out)
}
