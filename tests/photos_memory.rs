//! The photo pipeline's peak memory: decompression bombs and a truncated file are refused, and
//! a legitimate 12-megapixel JPEG is processed, without the process growing past 200 MB. The
//! largest valid upload (40 MP with alpha) is measured too, against its own ceiling.
//!
//! Peak memory is the kernel's high-water mark of the resident set (`VmHWM` in
//! `/proc/self/status`), reset before each case by writing `5` to `/proc/self/clear_refs`
//! (Linux ≥ 4.0), so each case is measured alone and the test images built here do not count.
//! Everything runs in one test, one case after another: the mark is per process, and tests
//! running in parallel threads would add up.

use std::time::Instant;

use buergerbuero::photos::{PhotoError, PhotoLimits, process};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

/// The limit, for hostile files (bombs, truncation) and a 12 MP photo.
const LIMIT_BYTES: u64 = 200 * 1024 * 1024;

/// The ceiling for the largest image a citizen may legitimately send, 40 MP with alpha: its
/// decoded pixels alone take 160 MB (measured peak about 194 MB, test images included).
const LARGEST_VALID_LIMIT_BYTES: u64 = 230 * 1024 * 1024;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status")
        .unwrap_or_else(|e| panic!("/proc/self/status: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

/// Resets VmHWM to the current RSS; false where the kernel does not allow it.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A zlib stream that inflates to `len` zero bytes: fixed-Huffman deflate, one literal zero,
/// then copies of 258 bytes at distance 1 (13 bits each, a ratio of about 160:1).
fn zlib_zeros(len: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        count: u32,
    }
    impl Bits {
        fn put(&mut self, value: u32, count: u32) {
            self.acc |= u64::from(value) << self.count;
            self.count += count;
            while self.count >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.count -= 8;
            }
        }
        /// Huffman codes are packed most significant bit first.
        fn code(&mut self, code: u32, len: u32) {
            let reversed = (0..len).fold(0, |r, i| r | (((code >> i) & 1) << (len - 1 - i)));
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: vec![0x78, 0x01],
        acc: 0,
        count: 0,
    };
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    let mut left = len;
    if left > 0 {
        bits.code(0x30, 8); // literal 0
        left -= 1;
    }
    while left >= 258 {
        bits.code(0xc5, 8); // length 258 (symbol 285)
        bits.code(0, 5); // distance 1
        left -= 258;
    }
    for _ in 0..left {
        bits.code(0x30, 8);
    }
    bits.code(0, 7); // end of block
    if bits.count > 0 {
        bits.out.push(bits.acc as u8);
    }
    let adler = (((len % 65_521) << 16) | 1) as u32; // all zeros: a = 1, b = len
    bits.out.extend(adler.to_be_bytes());
    bits.out
}

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

/// A PNG of the given size whose pixels are all zero, compressed as above.
fn zero_png(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
    let channels: u64 = match color_type {
        0 => 1,
        2 => 3,
        4 => 2,
        6 => 4,
        _ => panic!("colour type {color_type}"),
    };
    let row_bytes = (u64::from(width) * channels * u64::from(bit_depth)).div_ceil(8);
    let raw = u64::from(height) * (1 + row_bytes);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    let mut chunk = |kind: &[u8; 4], data: &[u8]| {
        png.extend((data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend(data);
        png.extend(&body);
        png.extend(crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([bit_depth, color_type, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &zlib_zeros(raw));
    chunk(b"IEND", &[]);
    png
}

/// A 4000x3000 photo-like JPEG: smooth gradients and blobs plus sensor-like noise.
fn twelve_megapixel_jpeg() -> Vec<u8> {
    let (width, height) = (4000u32, 3000u32);
    let mut state = 0x853c_49e6_748f_ea9b_u64;
    let image = RgbImage::from_fn(width, height, |x, y| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = (state % 24) as i32 - 12;
        let blob = (((x / 250 + y / 250) % 2) * 60) as i32;
        let channel = |base: i32| (base + blob + noise).clamp(0, 255) as u8;
        Rgb([
            channel((x * 160 / width) as i32 + 30),
            channel((y * 160 / height) as i32 + 20),
            channel(((x + y) * 120 / (width + height)) as i32 + 40),
        ])
    });
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 90)
        .encode_image(&image)
        .unwrap_or_else(|e| panic!("encoding the test JPEG: {e}"));
    out
}

struct Measured {
    name: &'static str,
    peak: u64,
    millis: u128,
    outcome: String,
}

fn measure(
    name: &'static str,
    bytes: &[u8],
    check: impl FnOnce(Result<(), PhotoError>),
) -> Measured {
    // Where the kernel refuses the reset, the mark is cumulative: a stricter test.
    reset_peak();
    let started = Instant::now();
    let result = process(bytes, &PhotoLimits::default()).map(|photo| {
        assert!(!photo.web.is_empty() && !photo.thumb.is_empty());
    });
    let millis = started.elapsed().as_millis();
    let peak = status_kib("VmHWM:") * 1024;
    let outcome = match &result {
        Ok(()) => "processed".to_string(),
        Err(error) => format!("{} {error}", error.status()),
    };
    check(result);
    Measured {
        name,
        peak,
        millis,
        outcome,
    }
}

#[test]
fn bombs_truncated_and_real_photos_stay_under_200_mb() {
    // Built before measuring; their buffers are freed (or counted in the baseline) below.
    let bomb = zero_png(20_000, 20_000, 1, 0);
    let deep_bomb = zero_png(6_000, 6_000, 16, 6);
    let black = zero_png(6_000, 6_000, 1, 0);
    let transparent = zero_png(7_300, 5_475, 8, 6);
    let photo = twelve_megapixel_jpeg();
    let truncated = photo[..photo.len() * 6 / 10].to_vec();
    assert!(bomb.len() < 400_000, "bomb is {} bytes", bomb.len());
    assert!(
        photo.len() < 10 * 1024 * 1024,
        "photo is {} bytes",
        photo.len()
    );

    let baseline = status_kib("VmRSS:") * 1024;
    let cases = [
        // 400 MP declared in a 316 kB file: 1.2 GB as RGB.
        measure("PNG bomb, 20000x20000 1-bit grey", &bomb, |r| {
            assert!(matches!(r, Err(PhotoError::TooManyPixels { .. })), "{r:?}")
        }),
        // Within 40 MP, but 288 MB of 16-bit RGBA to decode: over the decode budget.
        measure("PNG bomb, 6000x6000 16-bit RGBA", &deep_bomb, |r| {
            assert!(matches!(r, Err(PhotoError::TooManyPixels { .. })), "{r:?}")
        }),
        // Within every limit: a real (black) 36 MP image from a 28 kB file, processed.
        measure("PNG 6000x6000 1-bit black, 28 kB", &black, |r| {
            assert!(r.is_ok(), "{r:?}")
        }),
        // The largest legitimate decode: 40 MP of 8-bit RGBA (160 MB), from a 1 MB file. Not
        // one of the cases; it has its own ceiling, LARGEST_VALID_LIMIT_BYTES.
        measure("PNG 7300x5475 RGBA transparent, 40 MP", &transparent, |r| {
            assert!(r.is_ok(), "{r:?}")
        }),
        measure("12 MP JPEG cut at 60 %", &truncated, |r| {
            assert!(matches!(r, Err(PhotoError::Corrupt(_))), "{r:?}")
        }),
        measure("12 MP JPEG", &photo, |r| assert!(r.is_ok(), "{r:?}")),
    ];

    println!(
        "baseline RSS {:.1} MB (test images included); photo {:.1} MB",
        baseline as f64 / 1e6,
        photo.len() as f64 / 1e6
    );
    for case in &cases {
        println!(
            "{:<40} peak RSS {:>6.1} MB  {:>5} ms  {}",
            case.name,
            case.peak as f64 / 1e6,
            case.millis,
            case.outcome
        );
    }
    for case in &cases {
        let limit = if case.name.contains("40 MP") {
            LARGEST_VALID_LIMIT_BYTES
        } else {
            LIMIT_BYTES
        };
        assert!(
            case.peak < limit,
            "{}: peak RSS {} bytes, limit {limit}",
            case.name,
            case.peak
        );
    }
}
