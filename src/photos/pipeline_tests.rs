//! Tests of the pipeline. Every image is generated here at run time; no binary fixtures.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::codecs::webp::WebPEncoder;
use image::{
    DynamicImage, ExtendedColorType, GrayImage, ImageEncoder, ImageFormat, Rgb, RgbImage, Rgba,
    RgbaImage,
};

use super::*;

/// Something like a photo: gradients plus deterministic noise.
fn photo_like(width: u32, height: u32) -> RgbImage {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 32) as u32;
        Rgb([
            ((x * 255 / width.max(1)) + noise).min(255) as u8,
            ((y * 255 / height.max(1)) + noise).min(255) as u8,
            (((x + y) % 256) / 2 + noise) as u8,
        ])
    })
}

fn jpeg(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .unwrap();
    out
}

fn png(image: &DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

fn webp(image: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    WebPEncoder::new_lossless(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn decoded(jpeg: &[u8]) -> RgbImage {
    image::load_from_memory_with_format(jpeg, ImageFormat::Jpeg)
        .unwrap()
        .into_rgb8()
}

fn process_default(bytes: &[u8]) -> Result<ProcessedPhoto, PhotoError> {
    process(bytes, &PhotoLimits::default())
}

/// The markers of a JPEG up to its first scan, with the identifier of APPn segments.
fn header_markers(jpeg: &[u8]) -> Vec<(u8, Vec<u8>)> {
    assert_eq!(&jpeg[..2], &[0xff, 0xd8], "starts with SOI");
    let mut markers = Vec::new();
    let mut pos = 2;
    loop {
        assert_eq!(jpeg[pos], 0xff, "marker at {pos}");
        let marker = jpeg[pos + 1];
        let length = usize::from(u16::from_be_bytes([jpeg[pos + 2], jpeg[pos + 3]]));
        let body = &jpeg[pos + 4..pos + 2 + length];
        let ident = body.iter().take(12).copied().collect();
        markers.push((marker, ident));
        if marker == 0xda {
            return markers;
        }
        pos += 2 + length;
    }
}

fn assert_no_metadata(jpeg: &[u8]) {
    for (marker, ident) in header_markers(jpeg) {
        match marker {
            0xe0 => assert!(ident.starts_with(b"JFIF\0"), "APP0 is JFIF"),
            0xdb | 0xc0 | 0xc4 | 0xda => {}
            other => panic!(
                "unexpected segment {other:#04x} ({:?}) in the output",
                String::from_utf8_lossy(&ident)
            ),
        }
    }
    assert!(
        jpeg.ends_with(&[0xff, 0xd9]),
        "ends with EOI, nothing after"
    );
    for needle in [
        &b"Exif"[..],
        b"http://ns.adobe.com",
        b"ICC_PROFILE",
        b"Photoshop",
        b"secret",
    ] {
        assert!(
            !jpeg.windows(needle.len()).any(|w| w == needle),
            "{:?} survived",
            String::from_utf8_lossy(needle)
        );
    }
    let exif = exif::Reader::new().read_from_container(&mut Cursor::new(jpeg));
    assert!(exif.is_err(), "kamadak-exif found EXIF in the output");
}

fn long_side(image: &RgbImage) -> u32 {
    image.width().max(image.height())
}

#[test]
fn accepts_jpeg_png_and_webp_and_scales_them() {
    let source = photo_like(2400, 1200);
    for (name, bytes) in [
        ("jpeg", jpeg(&source, 90)),
        ("png", png(&DynamicImage::ImageRgb8(source.clone()))),
        ("webp", webp(&source)),
    ] {
        let photo = process_default(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((photo.width, photo.height), (1600, 800), "{name}");
        let web = decoded(&photo.web);
        let thumb = decoded(&photo.thumb);
        assert_eq!(web.dimensions(), (1600, 800), "{name}");
        assert_eq!(thumb.dimensions(), (320, 160), "{name}");
        assert_eq!(photo.id, PhotoId::of(&bytes), "{name}");
        assert_no_metadata(&photo.web);
        assert_no_metadata(&photo.thumb);
        // Colours survive: the top-left corner is dark, the bottom-right bright red/green.
        let corner = web.get_pixel(1590, 790);
        assert!(corner[0] > 200 && corner[1] > 200, "{name}: {corner:?}");
    }
}

#[test]
fn keeps_portrait_aspect_and_never_upscales() {
    let photo = process_default(&jpeg(&photo_like(900, 2000), 85)).unwrap();
    assert_eq!((photo.width, photo.height), (720, 1600));
    assert_eq!(decoded(&photo.thumb).dimensions(), (144, 320));

    let small = process_default(&png(&DynamicImage::ImageRgb8(photo_like(200, 100)))).unwrap();
    assert_eq!((small.width, small.height), (200, 100));
    assert_eq!(decoded(&small.web).dimensions(), (200, 100));
    assert_eq!(decoded(&small.thumb).dimensions(), (200, 100));

    let mid = process_default(&webp(&photo_like(1000, 500))).unwrap();
    assert_eq!((mid.width, mid.height), (1000, 500));
    assert_eq!(decoded(&mid.thumb).dimensions(), (320, 160));

    let line = process_default(&png(&DynamicImage::ImageRgb8(photo_like(4000, 2)))).unwrap();
    assert_eq!((line.width, line.height), (1600, 1));
    assert_eq!(long_side(&decoded(&line.thumb)), 320);
}

#[test]
fn grey_transparent_and_16_bit_images_come_out_as_rgb() {
    let grey = DynamicImage::ImageLuma8(GrayImage::from_fn(1800, 900, |x, _| {
        image::Luma([(x % 256) as u8])
    }));
    let mut grey_jpeg = Vec::new();
    JpegEncoder::new_with_quality(&mut grey_jpeg, 90)
        .encode_image(&grey)
        .unwrap();
    for bytes in [grey_jpeg, png(&grey)] {
        let photo = process_default(&bytes).unwrap();
        assert_eq!((photo.width, photo.height), (1600, 800));
        let web = image::load_from_memory(&photo.web).unwrap();
        assert_eq!(web.color(), image::ColorType::Rgb8);
    }

    // Transparent pixels become white, opaque ones keep their colour.
    let rgba = RgbaImage::from_fn(64, 32, |x, _| {
        if x < 32 {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([0, 0, 255, 255])
        }
    });
    let photo = process_default(&png(&DynamicImage::ImageRgba8(rgba))).unwrap();
    let web = decoded(&photo.web);
    let left = web.get_pixel(8, 16);
    let right = web.get_pixel(56, 16);
    assert!(
        left.0.iter().all(|&c| c > 240),
        "transparent → white: {left:?}"
    );
    assert!(
        right[2] > 200 && right[0] < 60,
        "blue stays blue: {right:?}"
    );

    let deep = DynamicImage::ImageRgb16(DynamicImage::ImageRgb8(photo_like(300, 200)).into_rgb16());
    let photo = process_default(&png(&deep)).unwrap();
    assert_eq!((photo.width, photo.height), (300, 200));
}

#[test]
fn refuses_what_is_not_jpeg_png_or_webp_with_415() {
    // A 1x1 GIF, as a browser might send it named "photo.jpg".
    let gif: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00\x21\xf9\x04\x01\x00\x00\x00\x00\x2c\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3b";
    let pdf: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    let bmp: &[u8] = b"BM\x3a\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00";
    let tiff: &[u8] = b"II*\x00\x08\x00\x00\x00\x00\x00";
    let svg: &[u8] = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
    let wave: &[u8] = b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00";
    let mut random = vec![0u8; 4096];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for byte in &mut random {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        *byte = (state >> 56) as u8;
    }
    // A JPEG body whose first bytes were overwritten: the name might say .jpg, the content not.
    let mut mangled = jpeg(&photo_like(64, 64), 80);
    mangled[..4].copy_from_slice(b"\0\0\0\0");
    for (name, bytes) in [
        ("gif", gif),
        ("pdf", pdf),
        ("bmp", bmp),
        ("tiff", tiff),
        ("svg", svg),
        ("wave", wave),
        ("random", &random[..]),
        ("mangled", &mangled[..]),
        ("empty", &[][..]),
    ] {
        let error = process_default(bytes).unwrap_err();
        assert_eq!(error, PhotoError::UnsupportedType, "{name}");
        assert_eq!(error.status(), 415, "{name}");
    }
}

#[test]
fn refuses_more_than_10_mb_with_413_before_looking_at_it() {
    let limits = PhotoLimits::default();
    let mut big = vec![0u8; limits.max_bytes + 1];
    big[..3].copy_from_slice(&[0xff, 0xd8, 0xff]);
    let error = process(&big, &limits).unwrap_err();
    assert_eq!(
        error,
        PhotoError::TooLarge {
            max_bytes: 10_485_760
        }
    );
    assert_eq!(error.status(), 413);
    // Exactly at the limit is not too large (only broken).
    big.truncate(limits.max_bytes);
    assert_eq!(process(&big, &limits).unwrap_err().status(), 422);
}

/// CRC-32 (ISO-HDLC) as PNG chunks use it.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffff_u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut crc_input = kind.to_vec();
    crc_input.extend(data);
    out.extend(&crc_input);
    out.extend(crc32(&crc_input).to_be_bytes());
}

#[test]
fn crc32_matches_the_png_reference() {
    // The IEND chunk's CRC is fixed: AE 42 60 82.
    assert_eq!(crc32(b"IEND"), 0xae42_6082);
}

#[test]
fn refuses_a_20000_by_20000_png_from_its_header_without_decoding() {
    let mut bomb = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut ihdr = Vec::new();
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filter, no interlace
    png_chunk(&mut bomb, b"IHDR", &ihdr);
    png_chunk(
        &mut bomb,
        b"IDAT",
        &[0x78, 0x01, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    png_chunk(&mut bomb, b"IEND", &[]);

    let started = Instant::now();
    let error = process_default(&bomb).unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        error,
        PhotoError::TooManyPixels {
            width: 20_000,
            height: 20_000,
            max_pixels: 40_000_000
        }
    );
    assert_eq!(error.status(), 422);
    // Decoding 400 MP (1.2 GB of RGB) would take seconds; the header takes microseconds.
    assert!(took < Duration::from_millis(500), "took {took:?}");

    // The same check for JPEG (SOF) and WebP (VP8X canvas) headers, with a lower limit.
    let tight = PhotoLimits {
        max_pixels: 1_000,
        ..PhotoLimits::default()
    };
    let square = photo_like(40, 40);
    for bytes in [
        jpeg(&square, 80),
        webp(&square),
        png(&DynamicImage::ImageRgb8(square)),
    ] {
        assert_eq!(
            process(&bytes, &tight),
            Err(PhotoError::TooManyPixels {
                width: 40,
                height: 40,
                max_pixels: 1_000
            })
        );
    }
}

#[test]
fn refuses_truncated_files_as_corrupt() {
    let source = photo_like(800, 600);
    let whole = jpeg(&source, 90);
    for fraction in [0.3, 0.6, 0.9, 0.999] {
        let cut = (whole.len() as f64 * fraction) as usize;
        let error = process_default(&whole[..cut]).unwrap_err();
        assert!(
            matches!(error, PhotoError::Corrupt(_)),
            "jpeg at {fraction}: {error:?}"
        );
        assert_eq!(error.status(), 422);
    }
    // Cut inside the header.
    assert!(matches!(
        process_default(&whole[..100]),
        Err(PhotoError::Corrupt(_))
    ));
    // Data appended after the end-of-image marker (motion photos) is fine, and dropped.
    let mut trailer = whole.clone();
    trailer.extend(b"....ftypmp42 trailing video");
    let photo = process_default(&trailer).unwrap();
    assert!(!photo.web.windows(4).any(|w| w == b"ftyp"));

    for (name, whole) in [
        ("png", png(&DynamicImage::ImageRgb8(source.clone()))),
        ("webp", webp(&source)),
    ] {
        for fraction in [0.3, 0.6, 0.9] {
            let cut = (whole.len() as f64 * fraction) as usize;
            let error = process_default(&whole[..cut]).unwrap_err();
            assert!(
                matches!(error, PhotoError::Corrupt(_)),
                "{name} at {fraction}: {error:?}"
            );
        }
    }
}

/// A TIFF structure for an APP1 EXIF segment: Orientation = 6 (rotate 90° clockwise) and a GPS
/// IFD with version, latitude 52°31'N and longitude 13°24'E (Berlin).
fn exif_with_gps_and_orientation_6() -> Vec<u8> {
    fn entry(out: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]) {
        out.extend(tag.to_le_bytes());
        out.extend(kind.to_le_bytes());
        out.extend(count.to_le_bytes());
        out.extend(value);
    }
    const BYTE: u16 = 1;
    const ASCII: u16 = 2;
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    const RATIONAL: u16 = 5;
    let mut tiff = b"II*\0".to_vec();
    tiff.extend(8u32.to_le_bytes());
    // IFD0 at 8: 2 entries, 2 + 24 + 4 = 30 bytes, ends at 38.
    tiff.extend(2u16.to_le_bytes());
    entry(&mut tiff, 0x0112, SHORT, 1, [6, 0, 0, 0]);
    entry(&mut tiff, 0x8825, LONG, 1, 38u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    // GPS IFD at 38: 5 entries, 2 + 60 + 4 = 66 bytes, ends at 104.
    tiff.extend(5u16.to_le_bytes());
    entry(&mut tiff, 0x0000, BYTE, 4, [2, 3, 0, 0]);
    entry(&mut tiff, 0x0001, ASCII, 2, *b"N\0\0\0");
    entry(&mut tiff, 0x0002, RATIONAL, 3, 104u32.to_le_bytes());
    entry(&mut tiff, 0x0003, ASCII, 2, *b"E\0\0\0");
    entry(&mut tiff, 0x0004, RATIONAL, 3, 128u32.to_le_bytes());
    tiff.extend(0u32.to_le_bytes());
    for (numerator, denominator) in [(52u32, 1u32), (31, 1), (0, 1), (13, 1), (24, 1), (0, 1)] {
        tiff.extend(numerator.to_le_bytes());
        tiff.extend(denominator.to_le_bytes());
    }
    assert_eq!(tiff.len(), 152);
    tiff
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![0xff, marker];
    out.extend(((payload.len() + 2) as u16).to_be_bytes());
    out.extend(payload);
    out
}

#[test]
fn strips_gps_and_every_other_metadata_and_applies_the_orientation() {
    // 40x20, left half red, right half blue; stored sideways, to be shown rotated clockwise.
    let source = RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([255, 0, 0])
        } else {
            Rgb([0, 0, 255])
        }
    });
    let plain = jpeg(&source, 95);
    let mut metadata = Vec::new();
    let mut exif_payload = b"Exif\0\0".to_vec();
    exif_payload.extend(exif_with_gps_and_orientation_6());
    metadata.extend(segment(0xe1, &exif_payload));
    metadata.extend(segment(
        0xe1,
        b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><exif:GPSLatitude>52,31N</exif:GPSLatitude></x:xmpmeta>",
    ));
    let mut icc = b"ICC_PROFILE\0\x01\x01".to_vec();
    icc.extend([0u8; 128]);
    metadata.extend(segment(0xe2, &icc));
    metadata.extend(segment(0xed, b"Photoshop 3.0\08BIM\x04\x04\0\0\0\0\0\0"));
    metadata.extend(segment(0xfe, b"secret comment: taken at Alexanderplatz 1"));
    let mut input = plain[..2].to_vec();
    input.extend(metadata);
    input.extend(&plain[2..]);

    // The input really carries GPS and the orientation, as a reader sees them.
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&input))
        .unwrap();
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    assert!(
        exif.get_field(exif::Tag::GPSLongitude, exif::In::PRIMARY)
            .is_some()
    );
    let orientation = exif
        .get_field(exif::Tag::Orientation, exif::In::PRIMARY)
        .and_then(|f| f.value.get_uint(0));
    assert_eq!(orientation, Some(6));

    let photo = process_default(&input).unwrap();
    assert_no_metadata(&photo.web);
    assert_no_metadata(&photo.thumb);

    // Rotated: 20 wide, 40 high, red on top (the old left edge), blue below.
    assert_eq!((photo.width, photo.height), (20, 40));
    let web = decoded(&photo.web);
    assert_eq!(web.dimensions(), (20, 40));
    let top = web.get_pixel(10, 5);
    let bottom = web.get_pixel(10, 35);
    assert!(top[0] > 200 && top[2] < 60, "top is red: {top:?}");
    assert!(
        bottom[2] > 200 && bottom[0] < 60,
        "bottom is blue: {bottom:?}"
    );
    assert_eq!(decoded(&photo.thumb).dimensions(), (20, 40));

    // A large sideways photo is scaled to 1600 on its displayed long side.
    let mut big = plain[..2].to_vec();
    big.extend(segment(0xe1, &exif_payload));
    big.extend(&jpeg(&photo_like(3200, 1800), 85)[2..]);
    let photo = process_default(&big).unwrap();
    assert_eq!((photo.width, photo.height), (900, 1600));
    assert_eq!(decoded(&photo.thumb).dimensions(), (180, 320));
    assert_no_metadata(&photo.web);
}

#[test]
fn the_same_upload_twice_is_one_photo() {
    let bytes = jpeg(&photo_like(300, 200), 85);
    let first = process_default(&bytes).unwrap();
    let second = process_default(&bytes.clone()).unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(first, second);
    let other = process_default(&jpeg(&photo_like(300, 200), 80)).unwrap();
    assert_ne!(first.id, other.id);
}

#[test]
fn fit_rounds_and_keeps_at_least_one_pixel() {
    use super::process::fit;
    assert_eq!(fit(4000, 3000, 1600), (1600, 1200));
    assert_eq!(fit(3000, 4000, 1600), (1200, 1600));
    assert_eq!(fit(1601, 1000, 1600), (1600, 999));
    assert_eq!(fit(1600, 1000, 1600), (1600, 1000));
    assert_eq!(fit(10_000, 1, 320), (320, 1));
    assert_eq!(fit(1, 1, 320), (1, 1));
}
