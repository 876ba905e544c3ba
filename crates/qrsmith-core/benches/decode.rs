//! Decoding speed: generated codes (the fast path: what `POST /decode` mostly gets in the
//! service benchmark), then the development set (zxing-cpp's sample photos), one benchmark per
//! folder, reported per image. Run with `cargo bench -p qrsmith-core --bench decode`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::{Path, PathBuf};

use criterion::{black_box, Criterion, Throughput};
use image::{DynamicImage, ImageFormat};
use qrsmith_core::{
    decode, encode_text, to_png, DecodeOptions, EcLevel, EncodeOptions, RenderOptions, Size,
};

fn images(folder: &Path) -> Vec<Vec<u8>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("sample folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            matches!(ext, "png" | "jpg" | "webp" | "gif" | "bmp")
        })
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read(p).expect("image"))
        .collect()
}

/// A version 5-H URL code at 9 px per module with a 4-module quiet zone (405 × 405 px): as
/// this crate writes it (1-bit PNG), and as an 8-bit grey PNG from another encoder (the image
/// crate, adaptive filters).
fn generated() -> [(&'static str, Vec<u8>); 2] {
    let opts = EncodeOptions {
        ec_level: EcLevel::H,
        ..Default::default()
    };
    let code = encode_text("https://example.com/item/417?ref=bench", &opts).expect("fits");
    let render = RenderOptions {
        size: Size::Scale(9),
        ..Default::default()
    };
    let own = to_png(&code, &render).expect("renders");
    let gray = DynamicImage::ImageLuma8(image::load_from_memory(&own).expect("reads").to_luma8());
    let mut other = Vec::new();
    gray.write_to(&mut std::io::Cursor::new(&mut other), ImageFormat::Png)
        .expect("encodes");
    [("generated 1-bit png", own), ("generated 8-bit png", other)]
}

fn bench_generated(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let opts = DecodeOptions::default();
    for (name, bytes) in generated() {
        assert_eq!(decode(&bytes, &opts).expect("reads").symbols.len(), 1);
        group.bench_function(name, |b| b.iter(|| decode(black_box(&bytes), &opts)));
    }
    group.finish();
}

fn bench_decode(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zxing-cpp-samples");
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    let opts = DecodeOptions::default();
    for folder in [
        "qrcode-1",
        "qrcode-2",
        "qrcode-3",
        "qrcode-4",
        "qrcode-5",
        "qrcode-6",
        "microqrcode-1",
        "rmqrcode-1",
    ] {
        let set = images(&root.join(folder));
        group.throughput(Throughput::Elements(set.len() as u64));
        group.bench_function(folder, |b| {
            b.iter(|| {
                for bytes in &set {
                    // Unreadable samples are part of the set: their cost counts too.
                    let _ = black_box(decode(black_box(bytes), &opts));
                }
            })
        });
    }
    group.finish();
}

criterion::criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench_generated, bench_decode
}
criterion::criterion_main!(benches);
