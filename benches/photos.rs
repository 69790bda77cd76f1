//! The photo pipeline on a 12-megapixel JPEG: validation, decode, web size (1600 px) and
//! thumbnail (320 px), both encoded, plus the content hash.
//!
//! `cargo bench --bench photos` times [`process`] in-process with criterion on a generated
//! 4000x3000 photo-like JPEG (gradients, blobs and noise, quality 90, about 5 MB).
//!
//! Environment:
//! - `PHOTOS_BENCH_IMAGE=path` uses that file instead of the generated one (so
//!   `scripts/bench-photos.sh` can feed the same ImageMagick image to libvips and to us);
//! - `PHOTOS_BENCH_ONCE=dir` processes the image once, writes `dir/web.jpg` and
//!   `dir/thumb.jpg` and exits: one whole-process run, for hyperfine next to `vipsthumbnail`.

// A benchmark fails loudly on bad input; there is nobody to return an error to.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use buergerbuero::photos::{PhotoLimits, process};
use criterion::{Criterion, Throughput};
use image::codecs::jpeg::JpegEncoder;
use image::{Rgb, RgbImage};

fn generated_jpeg() -> Vec<u8> {
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
        .expect("encode the benchmark JPEG");
    out
}

fn input() -> Vec<u8> {
    match std::env::var_os("PHOTOS_BENCH_IMAGE") {
        Some(path) => std::fs::read(&path).unwrap_or_else(|e| {
            panic!("PHOTOS_BENCH_IMAGE {}: {e}", PathBuf::from(path).display())
        }),
        None => generated_jpeg(),
    }
}

fn main() {
    if let Some(dir) = std::env::var_os("PHOTOS_BENCH_ONCE") {
        let bytes = input();
        let photo = process(&bytes, &PhotoLimits::default()).expect("process the image");
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).expect("create the output directory");
        std::fs::write(dir.join("web.jpg"), &photo.web).expect("write web.jpg");
        std::fs::write(dir.join("thumb.jpg"), &photo.thumb).expect("write thumb.jpg");
        return;
    }

    let bytes = input();
    let limits = PhotoLimits::default();
    let photo = process(&bytes, &limits).expect("process the image");
    println!(
        "input {:.2} MB -> web {}x{} {:.0} kB, thumb {:.1} kB",
        bytes.len() as f64 / 1e6,
        photo.width,
        photo.height,
        photo.web.len() as f64 / 1e3,
        photo.thumb.len() as f64 / 1e3
    );

    let mut criterion = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut group = criterion.benchmark_group("photos");
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("process_12mp_jpeg", |b| {
        b.iter(|| process(black_box(&bytes), &limits).expect("process"))
    });
    group.finish();
    criterion.final_summary();
}
