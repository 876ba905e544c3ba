//! Encoding speed per version: the matrix alone, and matrix + 1-bit PNG at scale 10 (what
//! `POST /generate` does). Run with `cargo bench -p qrsmith-core --bench encode`.
#![allow(missing_docs)] // criterion_group! generates undocumented items

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use qrsmith_core::{encode_text, to_png, EcLevel, EncodeOptions, RenderOptions, Version};

/// A URL payload of the size typical for the version at level H.
fn payload_for(version: u8) -> String {
    let base = "https://example.com/tickets/";
    let capacity = match version {
        1 => 7,
        5 => 44,
        10 => 119,
        25 => 500,
        _ => 1200,
    };
    let mut s = String::from(base);
    let mut i = 0u32;
    while s.len() < capacity {
        s.push(char::from(b'a' + (i % 26) as u8));
        i += 1;
    }
    s.truncate(capacity);
    s
}

fn bench_encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode");
    for version in [1u8, 5, 10, 25, 40] {
        let text = payload_for(version);
        let opts = EncodeOptions {
            ec_level: EcLevel::H,
            version: Some(Version::Normal(version)),
            ..Default::default()
        };
        group.bench_function(format!("v{version}-H matrix"), |b| {
            b.iter(|| encode_text(black_box(&text), &opts).expect("fits"))
        });
        let render = RenderOptions::default();
        group.bench_function(format!("v{version}-H matrix+png"), |b| {
            b.iter(|| {
                let code = encode_text(black_box(&text), &opts).expect("fits");
                to_png(&code, &render).expect("renders")
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default();
    targets = bench_encode
}
criterion_main!(benches);
