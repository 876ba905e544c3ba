//! Decoding speed on the development set (zxing-cpp's sample photos): one benchmark per folder,
//! reported per image. Run with `cargo bench -p qrsmith-core --bench decode`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use std::path::{Path, PathBuf};

use criterion::{black_box, Criterion, Throughput};
use qrsmith_core::{decode, DecodeOptions};

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
    targets = bench_decode
}
criterion::criterion_main!(benches);
