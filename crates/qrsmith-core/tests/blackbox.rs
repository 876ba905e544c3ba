//! Blackbox test over zxing-cpp's QR sample folders (`tests/data/zxing-cpp-samples`, Apache-2.0,
//! see its README.md): every image with an expected `.txt` (exact text) or `.bin` (exact bytes)
//! is read at 0°, 90°, 180° and 270° by the pipeline ([`qrsmith_core::decode`] upright, from the
//! encoded bytes; [`qrsmith_core::decode_image`] turned) and, in the same run, by the plain
//! engine ([`qrsmith_core::decode_image_baseline`]: zxing-cpp's default read).
//!
//! The table below is a ratchet, as zxing-cpp's own blackbox runner: each folder's minimum pass
//! count over the four rotations only ever goes up; when the reader improves, raise the minimums
//! to the counts the test prints. The pipeline must read more than the plain engine in all. A
//! misread (a symbol whose content differs from the expected one) fails the test outright.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use image::DynamicImage;
use qrsmith_core::{
    decode, decode_baseline, decode_image, decode_image_baseline, DecodeOptions, Decoded, Limits,
    Symbology,
};

/// (folder, images with an expected result, minimum pipeline passes over 0/90/180/270°).
/// zxing-cpp 3.1.1's own counts at 0° and 90°, for reference: qrcode-1 8/8, qrcode-2 50/51,
/// qrcode-3 18/18, qrcode-4 15/15, qrcode-5 16/16, qrcode-6 15/15, microqrcode-1 15/14,
/// rmqrcode-1 2/2.
const RATCHET: &[(&str, usize, usize)] = &[
    ("qrcode-1", 8, 32),
    ("qrcode-2", 56, 224),
    ("qrcode-3", 18, 72),
    ("qrcode-4", 24, 96),
    ("qrcode-5", 16, 64),
    ("qrcode-6", 15, 60),
    ("microqrcode-1", 16, 64),
    ("rmqrcode-1", 3, 12),
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

/// Counts a result: `Some(true)` read, `Some(false)` not read; a misread or an error is recorded
/// as a failure.
fn judge(
    result: qrsmith_core::Result<Decoded>,
    expected: &Expected,
    what: &str,
    failures: &mut Vec<String>,
) -> bool {
    match result {
        Ok(d) if expected.matches(&d) => true,
        Ok(d) if !d.symbols.is_empty() => {
            failures.push(format!(
                "misread: {what}: {:?}",
                d.symbols.iter().map(|s| &s.text).collect::<Vec<_>>()
            ));
            false
        }
        Ok(_) => false,
        Err(e) => {
            failures.push(format!("error: {what}: {e}"));
            false
        }
    }
}

#[test]
fn blackbox_ratchet() {
    let opts = DecodeOptions::default();
    let limits = Limits::default();
    let mut report = String::from(
        "\nfolder          images  pipeline  minimum  plain   median ms pipeline  plain\n",
    );
    let mut failures = Vec::new();
    let (mut all_ms, mut all_plain_ms) = (Vec::new(), Vec::new());
    let (mut total, mut total_plain) = (0, 0);
    for &(folder, count, minimum) in RATCHET {
        let samples = samples(&data_dir().join(folder));
        if samples.len() != count {
            failures.push(format!(
                "{folder}: {} images with an expected result, the table says {count}",
                samples.len()
            ));
        }
        let (mut pass, mut plain) = (0, 0);
        let (mut ms, mut plain_ms) = (Vec::new(), Vec::new());
        for (path, expected) in &samples {
            let bytes = std::fs::read(path).expect("read sample");
            let image =
                image::load_from_memory(&bytes).expect("the image crate reads every sample");
            for degrees in [0, 90, 180, 270] {
                let what = format!("{} at {degrees}°", path.display());
                let turned = match degrees {
                    0 => image.clone(),
                    90 => image.rotate90(),
                    180 => image.rotate180(),
                    _ => image.rotate270(),
                };
                let t = Instant::now();
                let result = if degrees == 0 {
                    decode(&bytes, &opts)
                } else {
                    decode_image(&turned, &opts)
                };
                ms.push(t.elapsed().as_secs_f64() * 1e3);
                let read = judge(result, expected, &what, &mut failures);
                pass += usize::from(read);
                let t = Instant::now();
                let baseline = if degrees == 0 {
                    decode_baseline(&bytes, &limits)
                } else {
                    decode_image_baseline(&turned, &limits)
                };
                plain_ms.push(t.elapsed().as_secs_f64() * 1e3);
                let mut plain_failures = Vec::new();
                let plain_read = judge(baseline, expected, &what, &mut plain_failures);
                plain += usize::from(plain_read);
                if !read {
                    eprintln!(
                        "not read: {what}{}",
                        if plain_read {
                            " (the plain engine reads it)"
                        } else {
                            ""
                        }
                    );
                }
                for f in plain_failures {
                    eprintln!("plain engine: {f}");
                }
            }
        }
        total += pass;
        total_plain += plain;
        writeln!(
            report,
            "{folder:<15} {:>6} {pass:>9} {minimum:>8} {plain:>6} {:>19.1} {:>6.1}",
            samples.len() * 4,
            median(&mut ms),
            median(&mut plain_ms),
        )
        .unwrap();
        all_ms.extend(ms);
        all_plain_ms.extend(plain_ms);
        if pass < minimum {
            failures.push(format!("{folder}: {pass} passes, minimum {minimum}"));
        }
    }
    writeln!(
        report,
        "all             {:>6} {total:>9} {:>8} {total_plain:>6} {:>19.1} {:>6.1}  (median ms: this build's profile)",
        RATCHET.iter().map(|r| r.1 * 4).sum::<usize>(),
        RATCHET.iter().map(|r| r.2).sum::<usize>(),
        median(&mut all_ms),
        median(&mut all_plain_ms),
    )
    .unwrap();
    eprintln!("{report}");
    if total <= total_plain {
        failures.push(format!(
            "the pipeline read {total}, the plain engine {total_plain}: it must read more"
        ));
    }
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
