//! Blackbox test over zxing-cpp's QR sample folders (`tests/data/zxing-cpp-samples`, Apache-2.0,
//! see its README.md): every image with an expected `.txt` (exact text) or `.bin` (exact bytes)
//! is read upright through [`qrsmith_core::decode`] (the full path from encoded bytes) and turned
//! 90° through [`qrsmith_core::decode_image`].
//!
//! The table below is a ratchet, as zxing-cpp's own blackbox runner: each folder's minimum pass
//! count only ever goes up. It started at zxing-cpp 3.1.1's counts from the dataset README; when
//! the reader improves, raise the minimums to the counts the test prints. A misread (a symbol
//! whose content differs from the expected one) fails the test outright.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;
use qrsmith_core::{decode, decode_image, DecodeOptions, Decoded, Symbology};

/// (folder, images with an expected result, minimum passes at 0°, minimum passes at 90°).
/// zxing-cpp 3.1.1's counts, for reference: qrcode-1 8/8, qrcode-2 50/51, qrcode-3 18/18,
/// qrcode-4 15/15, qrcode-5 16/16, qrcode-6 15/15, microqrcode-1 15/14, rmqrcode-1 2/2.
const RATCHET: &[(&str, usize, usize, usize)] = &[
    ("qrcode-1", 8, 8, 8),
    ("qrcode-2", 56, 53, 54),
    ("qrcode-3", 18, 18, 18),
    ("qrcode-4", 24, 15, 15),
    ("qrcode-5", 16, 16, 16),
    ("qrcode-6", 15, 15, 15),
    ("microqrcode-1", 16, 15, 14),
    ("rmqrcode-1", 3, 3, 3),
];

const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "gif", "bmp", "tif", "tiff"];

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zxing-cpp-samples")
}

/// What an image should read as.
enum Expected {
    Text(Vec<u8>),
    Bytes(Vec<u8>),
}

impl Expected {
    fn matches(&self, decoded: &Decoded) -> bool {
        decoded.symbols.iter().any(|s| match self {
            Expected::Text(t) => s.text.as_bytes() == t.as_slice(),
            Expected::Bytes(b) => &s.bytes == b,
        })
    }
}

/// The images of `folder` that have an expected result, sorted by name.
fn samples(folder: &Path) -> Vec<(PathBuf, Expected)> {
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if !is_image {
            continue;
        }
        let expected = if let Ok(b) = std::fs::read(path.with_extension("bin")) {
            Expected::Bytes(b)
        } else if let Ok(t) = std::fs::read(path.with_extension("txt")) {
            Expected::Text(t)
        } else {
            continue;
        };
        out.push((path, expected));
    }
    out
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[test]
fn blackbox_ratchet() {
    let opts = DecodeOptions::default();
    let mut report =
        String::from("\nfolder          images  pass0  min0  pass90  min90  median ms (0°)\n");
    let mut failures = Vec::new();
    let mut all_ms = Vec::new();
    for &(folder, count, min0, min90) in RATCHET {
        let samples = samples(&data_dir().join(folder));
        if samples.len() != count {
            failures.push(format!(
                "{folder}: {} images with an expected result, the table says {count}",
                samples.len()
            ));
        }
        let (mut pass0, mut pass90) = (0, 0);
        let mut ms = Vec::new();
        for (path, expected) in &samples {
            let name = path.display();
            let bytes = std::fs::read(path).expect("read sample");

            let t = Instant::now();
            let upright = decode(&bytes, &opts);
            ms.push(t.elapsed().as_secs_f64() * 1e3);
            match upright {
                Ok(d) if expected.matches(&d) => pass0 += 1,
                Ok(d) if !d.symbols.is_empty() => failures.push(format!(
                    "misread at 0°: {name}: {:?}",
                    d.symbols.iter().map(|s| &s.text).collect::<Vec<_>>()
                )),
                Ok(_) => eprintln!("not read at 0°: {name}"),
                Err(e) => failures.push(format!("error at 0°: {name}: {e}")),
            }

            let rotated = image::load_from_memory(&bytes)
                .expect("the image crate reads every sample")
                .rotate90();
            match decode_image(&rotated, &opts) {
                Ok(d) if expected.matches(&d) => pass90 += 1,
                Ok(d) if !d.symbols.is_empty() => failures.push(format!(
                    "misread at 90°: {name}: {:?}",
                    d.symbols.iter().map(|s| &s.text).collect::<Vec<_>>()
                )),
                Ok(_) => eprintln!("not read at 90°: {name}"),
                Err(e) => failures.push(format!("error at 90°: {name}: {e}")),
            }
        }
        let med = median(&mut ms);
        all_ms.extend(ms);
        writeln!(
            report,
            "{folder:<15} {:>6} {pass0:>6} {min0:>5} {pass90:>7} {min90:>6}  {med:>8.1}",
            samples.len()
        )
        .unwrap();
        if pass0 < min0 {
            failures.push(format!("{folder}: {pass0} passes at 0°, minimum {min0}"));
        }
        if pass90 < min90 {
            failures.push(format!("{folder}: {pass90} passes at 90°, minimum {min90}"));
        }
    }
    writeln!(
        report,
        "all images: median {:.1} ms per decode at 0° (this build's profile)",
        median(&mut all_ms)
    )
    .unwrap();
    eprintln!("{report}");
    assert!(failures.is_empty(), "{report}\n{}", failures.join("\n"));
}

/// The four symbols of `qrcode-7` form one structured-append sequence; read from one picture
/// they must merge into `01.txt`.
#[test]
fn structured_append_sequence_merges() {
    let dir = data_dir().join("qrcode-7");
    let expected = std::fs::read(dir.join("01.txt")).expect("01.txt");
    let parts: Vec<DynamicImage> = (1..=4)
        .map(|i| {
            let bytes = std::fs::read(dir.join(format!("01-0{i}.png"))).expect("part");
            image::load_from_memory(&bytes).expect("part decodes")
        })
        .collect();

    // Each part alone: one symbol, index i of 4, all with the same parity.
    let opts = DecodeOptions::default();
    let mut parities = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let d = decode_image(part, &opts).expect("part reads");
        assert_eq!(d.symbols.len(), 1, "part {i}");
        let sa = d.symbols[0]
            .structured_append
            .expect("structured append info");
        assert_eq!((sa.index, sa.count), (i as u8, 4));
        parities.push(sa.parity);
        assert_eq!(d.sequences.len(), 1);
        assert!(!d.sequences[0].is_complete());
        assert_eq!(d.sequences[0].text, None);
    }
    assert!(parities.windows(2).all(|w| w[0] == w[1]), "{parities:?}");

    // All four in one picture, in a shuffled 2 × 2 grid: one complete, merged sequence.
    let cell_w = parts.iter().map(|p| p.width()).max().unwrap();
    let cell_h = parts.iter().map(|p| p.height()).max().unwrap();
    let mut sheet = image::RgbImage::from_pixel(cell_w * 2, cell_h * 2, image::Rgb([255; 3]));
    for (slot, part) in [2, 0, 3, 1].iter().map(|&i| &parts[i]).enumerate() {
        let (x, y) = ((slot as u32 % 2) * cell_w, (slot as u32 / 2) * cell_h);
        image::imageops::overlay(&mut sheet, &part.to_rgb8(), x.into(), y.into());
    }
    let d = decode_image(&DynamicImage::ImageRgb8(sheet), &opts).expect("sheet reads");
    assert_eq!(d.symbols.len(), 4);
    assert_eq!(d.sequences.len(), 1);
    let seq = &d.sequences[0];
    assert!(seq.is_complete(), "missing {:?}", seq.missing);
    assert_eq!(seq.count, 4);
    assert_eq!(seq.parity, parities[0]);
    assert_eq!(
        seq.text.as_deref().map(str::as_bytes),
        Some(expected.as_slice())
    );
}

/// Micro QR and rMQR come back with their own symbology and version naming.
#[test]
fn symbology_and_version_naming() {
    let opts = DecodeOptions::default();
    let read = |rel: &str| {
        let bytes = std::fs::read(data_dir().join(rel)).expect(rel);
        decode(&bytes, &opts).expect(rel)
    };
    let m = read("microqrcode-1/M3-Kanji.png");
    assert_eq!(m.symbols[0].symbology, Symbology::MicroQrCode);
    assert_eq!(m.symbols[0].version, "M3");

    let r = read("rmqrcode-1/R7x43-H.png");
    assert_eq!(r.symbols[0].symbology, Symbology::RmqrCode);
    assert_eq!(r.symbols[0].version, "R7x43");
    assert_eq!(r.symbols[0].ec_level.as_deref(), Some("H"));

    let q = read("qrcode-2/1.png");
    assert_eq!(q.symbols[0].symbology, Symbology::QrCode);
    assert_eq!(q.symbols[0].ec_level.as_deref(), Some("M"));
    assert_eq!(q.symbols[0].symbology_identifier, "]Q1");
    assert!(q.symbols[0].mask.is_some_and(|m| m < 8));

    let inv = read("qrcode-2/qr-inv-1.webp");
    assert!(inv.symbols[0].inverted);
}
