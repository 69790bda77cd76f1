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
//!   `dir/thumb.jpg` and exits: one whole-process run, for hyperfine next to `vipsthumbnail`;
//! - `PHOTOS_BENCH_COMPARE="dir ..."` prints, for `web.jpg` and `thumb.jpg` in each directory,
//!   the bytes and the DSSIM against the original scaled to the same size, and exits (so the
//!   script can set libvips' files beside ours).
//!
//! Quality is DSSIM (`dssim-core`, multi-scale SSIM in L\*a\*b\*; 0 = identical, lower is
//! better) of the decoded JPEG against the reference: the input decoded in full, turned by its
//! EXIF orientation, and scaled with Lanczos3 (`fast_image_resize`) straight to the JPEG's
//! size. Colour counts, so chroma subsampling shows. Every file is decoded by the same decoder
//! (`image`'s).

// A benchmark fails loudly on bad input; there is nobody to return an error to.
#![allow(clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use buergerbuero::photos::{PhotoLimits, process};
use criterion::{Criterion, Throughput};
use dssim_core::{Dssim, DssimImage};
use fast_image_resize as fir;
use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageReader, Rgb, RgbImage};

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

/// The input as the citizen sees it: decoded in full, EXIF orientation applied.
fn original(bytes: &[u8]) -> RgbImage {
    let mut decoder = ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .expect("read the input")
        .into_decoder()
        .expect("a decoder for the input");
    let orientation = decoder.orientation().expect("the orientation");
    let mut image = DynamicImage::from_decoder(decoder).expect("decode the input");
    image.apply_orientation(orientation);
    image.into_rgb8()
}

fn lanczos3(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    let source = fir::images::ImageRef::new(
        image.width(),
        image.height(),
        image.as_raw(),
        fir::PixelType::U8x3,
    )
    .expect("the source image");
    let mut target = fir::images::Image::new(width, height, fir::PixelType::U8x3);
    let options = fir::ResizeOptions::new()
        .resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Lanczos3));
    fir::Resizer::new()
        .resize(&source, &mut target, &options)
        .expect("resize");
    RgbImage::from_raw(width, height, target.into_vec()).expect("the resized image")
}

fn dssim_image(dssim: &Dssim, image: &RgbImage) -> DssimImage<f32> {
    let pixels: Vec<rgb::RGB8> = image
        .as_raw()
        .chunks_exact(3)
        .map(|p| rgb::RGB8::new(p[0], p[1], p[2]))
        .collect();
    dssim
        .create_image_rgb(&pixels, image.width() as usize, image.height() as usize)
        .expect("a DSSIM image")
}

/// DSSIM of `jpeg` against `original` scaled to the JPEG's size.
fn quality(original: &RgbImage, jpeg: &[u8]) -> (u32, u32, f64) {
    let decoded = image::load_from_memory(jpeg)
        .expect("decode the JPEG")
        .into_rgb8();
    let (width, height) = decoded.dimensions();
    let reference = lanczos3(original, width, height);
    let dssim = Dssim::new();
    let (value, _) = dssim.compare(
        &dssim_image(&dssim, &reference),
        dssim_image(&dssim, &decoded),
    );
    (width, height, value.into())
}

fn compare(dirs: &str, bytes: &[u8]) {
    let original = original(bytes);
    println!(
        "DSSIM against the original scaled to the same size (0 = identical, lower is better):"
    );
    for dir in dirs.split_whitespace() {
        for name in ["web.jpg", "thumb.jpg"] {
            let path = PathBuf::from(dir).join(name);
            let jpeg = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let (width, height, dssim) = quality(&original, &jpeg);
            println!(
                "{:<40} {width:>4}x{height:<4} {:>7.1} kB  DSSIM {dssim:.6}",
                path.display(),
                jpeg.len() as f64 / 1e3
            );
        }
    }
}

fn main() {
    if let Ok(dirs) = std::env::var("PHOTOS_BENCH_COMPARE") {
        compare(&dirs, &input());
        return;
    }
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
    let original = original(&bytes);
    println!(
        "input {:.2} MB -> web {}x{} {:.0} kB (DSSIM {:.6}), thumb {:.1} kB (DSSIM {:.6})",
        bytes.len() as f64 / 1e6,
        photo.width,
        photo.height,
        photo.web.len() as f64 / 1e3,
        quality(&original, &photo.web).2,
        photo.thumb.len() as f64 / 1e3,
        quality(&original, &photo.thumb).2
    );
    drop(original);

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
