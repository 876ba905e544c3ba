//! Unit tests of the decode module: hostile inputs, limits, EXIF orientation, coordinates.

use std::io::Cursor;
use std::time::{Duration, Instant};

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageFormat, Luma};

use super::image_input::to_stored;
use super::*;

fn sample(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/zxing-cpp-samples")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A PNG whose valid IHDR claims `w` × `h` 8-bit grey pixels, optionally followed by a tiny
/// IDAT and IEND (so the file is well-formed up to the pixel data).
fn png_header_bomb(w: u32, h: u32, with_data: bool) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit, greyscale, deflate, adaptive, no interlace
    png_chunk(&mut png, b"IHDR", &ihdr);
    if with_data {
        // An empty zlib stream: valid framing, far too little data.
        png_chunk(
            &mut png,
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        );
        png_chunk(&mut png, b"IEND", &[]);
    }
    png
}

#[test]
fn png_header_bomb_is_refused_before_allocating() {
    for with_data in [false, true] {
        let bomb = png_header_bomb(100_000, 100_000, with_data);
        let t = Instant::now();
        let err = decode(&bomb, &DecodeOptions::default()).unwrap_err();
        // 10 GB of pixels were claimed: only a check on the header can answer this fast.
        assert!(
            t.elapsed() < Duration::from_millis(200),
            "{:?}",
            t.elapsed()
        );
        assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
        assert!(err.message().contains("100000 × 100000"), "{err}");
    }
}

#[test]
fn pixel_limit_is_configurable() {
    let bytes = sample("qrcode-2/1.png"); // 404 × 404
    let mut opts = DecodeOptions::default();
    opts.limits.max_pixels = 404 * 404 - 1;
    assert_eq!(
        decode(&bytes, &opts).unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
    opts.limits.max_pixels = 404 * 404;
    assert_eq!(decode(&bytes, &opts).unwrap().symbols.len(), 1);
    // decode_image applies the same limit.
    let img = image::load_from_memory(&bytes).unwrap();
    opts.limits.max_pixels = 1000;
    assert_eq!(
        decode_image(&img, &opts).unwrap_err().kind(),
        ErrorKind::LimitExceeded
    );
}

#[test]
fn byte_limit_is_checked_first() {
    let mut opts = DecodeOptions::default();
    opts.limits.max_bytes = 16;
    let err = decode(&[0u8; 17], &opts).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
}

fn encode_png(img: &DynamicImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

#[test]
fn truncated_png_is_corrupt() {
    let img = DynamicImage::ImageLuma8(GrayImage::from_fn(64, 64, |x, y| Luma([(x ^ y) as u8])));
    let png = encode_png(&img);
    for cut in [png.len() / 2, 40, png.len() - 13] {
        let err = decode(&png[..cut], &DecodeOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CorruptImage, "cut at {cut}: {err}");
        assert!(err.message().starts_with("PNG image is"), "{err}");
    }
}

#[test]
fn corrupt_pixel_data_is_corrupt() {
    let mut png = png_header_bomb(8, 8, false);
    png_chunk(&mut png, b"IDAT", b"this is not a zlib stream at all");
    png_chunk(&mut png, b"IEND", &[]);
    let err = decode(&png, &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptImage, "{err}");
}

#[test]
fn random_bytes_and_unknown_formats_are_unsupported() {
    // A fixed xorshift stream: "random", but the same on every run.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    for input in [&noise[..], b"", b"%PDF-1.7\n", b"hello, world"] {
        let err = decode(input, &DecodeOptions::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedFormat, "{err}");
    }
    // A format the image crate knows but this build does not read is named in the message.
    let mut qoi = b"qoif".to_vec();
    qoi.extend_from_slice(&[0; 12]);
    let err = decode(&qoi, &DecodeOptions::default()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFormat);
    assert!(err.message().contains("QOI"), "{err}");
}

/// An artistic code with a photo in its modules (zxing-cpp's qrcode-2/12): the main pass finds
/// nothing; the balanced and thorough efforts' escalation reads it.
#[test]
fn escalation_reads_what_the_main_pass_misses() {
    let bytes = sample("qrcode-2/12.webp");
    let expected = String::from_utf8(sample("qrcode-2/12.txt")).unwrap();
    let with = |effort| {
        decode(
            &bytes,
            &DecodeOptions {
                effort,
                ..DecodeOptions::default()
            },
        )
        .unwrap()
    };
    assert!(with(Effort::Fast).symbols.is_empty());
    for effort in [Effort::Balanced, Effort::Thorough] {
        let d = with(effort);
        assert_eq!(d.symbols.len(), 1, "{effort}");
        assert_eq!(
            d.symbols[0].text,
            expected.trim_end_matches('\n'),
            "{effort}"
        );
        // Corners in the original image's grid, as for the main pass.
        assert!(d.symbols[0]
            .corners
            .iter()
            .all(|p| (0.0..256.0).contains(&p.x) && (0.0..256.0).contains(&p.y)));
    }
}

/// A symbol whose top-right finder is washed out (glare): the engine needs all three finders;
/// the escalation pairs the two it sees, and our own reader places the third.
#[test]
fn a_symbol_missing_one_finder_is_read_from_the_other_two() {
    let text = "one finder lost to glare";
    let code = crate::encode_text(
        text,
        &crate::EncodeOptions {
            version: Some(crate::Version::Normal(3)),
            ..crate::EncodeOptions::default()
        },
    )
    .unwrap();
    let (scale, border) = (6, 4);
    let mut img = rasterise(&code, scale, border);
    let n = code.width() as u32;
    for y in border * scale..(border + 8) * scale {
        for x in (border + n - 8) * scale..(border + n) * scale {
            img.put_pixel(x, y, Luma([235]));
        }
    }
    let png = encode_png(&DynamicImage::ImageLuma8(img));
    let with = |effort| {
        decode(
            &png,
            &DecodeOptions {
                effort,
                ..DecodeOptions::default()
            },
        )
        .unwrap()
    };
    assert!(with(Effort::Fast).symbols.is_empty());
    let read = with(Effort::Balanced);
    assert_eq!(read.symbols.len(), 1);
    assert_eq!(read.symbols[0].text, text);
    // The corners are the symbol's, the washed-out one included.
    let far = ((border + n) * scale) as f32;
    let tr = read.symbols[0].corners[1];
    assert!(
        (tr.x - far).abs() < 4.0 && (tr.y - (border * scale) as f32).abs() < 4.0,
        "{tr:?}"
    );
}

/// A generated symbol whose finders are drawn as corner brackets only (a designer's "eyes":
/// the middle of each side of the outer ring left out), so that no line through a finder's
/// centre shows 1:1:3:1:1. Found where its dark pixels are.
#[test]
fn a_lone_symbol_with_bracket_finders_is_read_where_its_dark_pixels_are() {
    let text = "MAILTO:eyes@example.com";
    let code = crate::encode_text(text, &crate::EncodeOptions::default()).unwrap();
    let (scale, border) = (8, 4);
    let mut img = rasterise(&code, scale, border);
    let n = code.width() as u32;
    for (fx, fy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
        for k in 2..5 {
            for (mx, my) in [
                (fx + k, fy),
                (fx + k, fy + 6),
                (fx, fy + k),
                (fx + 6, fy + k),
            ] {
                for y in (border + my) * scale..(border + my + 1) * scale {
                    for x in (border + mx) * scale..(border + mx + 1) * scale {
                        img.put_pixel(x, y, Luma([255]));
                    }
                }
            }
        }
    }
    let png = encode_png(&DynamicImage::ImageLuma8(img));
    let with = |effort| {
        decode(
            &png,
            &DecodeOptions {
                effort,
                ..DecodeOptions::default()
            },
        )
        .unwrap()
    };
    assert!(with(Effort::Fast).symbols.is_empty());
    let read = with(Effort::Balanced);
    assert_eq!(read.symbols.len(), 1);
    assert_eq!(read.symbols[0].text, text);
}

#[test]
fn effort_names_parse_and_print() {
    for e in Effort::ALL {
        assert_eq!(e.name().parse::<Effort>().unwrap(), e);
        assert_eq!(e.to_string(), e.name());
    }
    assert_eq!("THOROUGH".parse::<Effort>().unwrap(), Effort::Thorough);
    let err = "max".parse::<Effort>().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
}

#[test]
fn nothing_found_is_ok_not_an_error() {
    let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(200, 100, Luma([255])));
    let d = decode(&encode_png(&blank), &DecodeOptions::default()).unwrap();
    assert!(d.symbols.is_empty() && d.sequences.is_empty());
    assert_eq!((d.width, d.height, d.exif_orientation), (200, 100, 1));
}

#[test]
fn spent_time_budget_with_nothing_found_is_timeout() {
    let blank = DynamicImage::ImageLuma8(GrayImage::from_pixel(200, 100, Luma([255])));
    let mut opts = DecodeOptions::default();
    opts.limits.max_time = Some(Duration::ZERO);
    assert_eq!(
        decode_image(&blank, &opts).unwrap_err().kind(),
        ErrorKind::Timeout
    );
    opts.limits.max_time = None;
    assert!(decode_image(&blank, &opts).unwrap().symbols.is_empty());
}

#[test]
fn transparent_background_reads_as_white() {
    let code = image::load_from_memory(&sample("qrcode-2/1.png"))
        .unwrap()
        .to_luma8();
    // Dark modules opaque black, everything else fully transparent *black*: a plain luma
    // conversion would see one black square.
    let rgba = image::RgbaImage::from_fn(code.width(), code.height(), |x, y| {
        let dark = code.get_pixel(x, y).0[0] < 128;
        image::Rgba([0, 0, 0, if dark { 255 } else { 0 }])
    });
    let d = decode(
        &encode_png(&DynamicImage::ImageRgba8(rgba)),
        &DecodeOptions::default(),
    )
    .unwrap();
    assert_eq!(d.symbols.len(), 1);
}

#[test]
fn to_stored_inverts_apply_orientation() {
    let (w, h) = (7u32, 4u32);
    for exif in 1..=8 {
        let o = Orientation::from_exif(exif).unwrap();
        for (x, y) in [(0, 0), (6, 0), (2, 3), (5, 1)] {
            let mut img = GrayImage::new(w, h);
            img.put_pixel(x, y, Luma([255]));
            let mut dynimg = DynamicImage::ImageLuma8(img);
            dynimg.apply_orientation(o);
            let upright = dynimg.to_luma8();
            let (ux, uy) = upright
                .enumerate_pixels()
                .find(|p| p.2 .0[0] == 255)
                .map(|p| (p.0, p.1))
                .unwrap();
            let (sx, sy) = to_stored(o, w, h, ux as f32, uy as f32);
            assert_eq!((sx, sy), (x as f32, y as f32), "exif {exif}");
        }
    }
}

/// Inserts an APP1 Exif segment holding only an orientation tag right after the JPEG's SOI.
fn with_exif_orientation(jpeg: &[u8], exif: u8) -> Vec<u8> {
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec(); // big-endian, IFD at offset 8
    tiff.extend_from_slice(&[0x00, 0x01]); // one entry
    tiff.extend_from_slice(&[0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01]); // Orientation, SHORT, 1
    tiff.extend_from_slice(&[0x00, exif, 0x00, 0x00]);
    tiff.extend_from_slice(&[0, 0, 0, 0]); // no next IFD
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The inverse of `apply_orientation`, to build the raster a camera would store.
fn unapply(img: &DynamicImage, o: Orientation) -> DynamicImage {
    match o {
        Orientation::Rotate90 => img.rotate270(),
        Orientation::Rotate270 => img.rotate90(),
        Orientation::Rotate90FlipH => img.fliph().rotate270(),
        Orientation::Rotate270FlipH => img.fliph().rotate90(),
        other => {
            let mut copy = img.clone();
            copy.apply_orientation(other); // the others are their own inverse
            copy
        }
    }
}

#[test]
fn jpeg_exif_orientation_is_honoured_and_corners_map_to_the_stored_raster() {
    let code = image::load_from_memory(&sample("qrcode-2/1.png"))
        .unwrap()
        .to_luma8();
    // The upright scene: the code off-centre on a white, non-square canvas, so that a wrong
    // mapping cannot land on the right coordinates by symmetry.
    let mut scene = GrayImage::from_pixel(620, 480, Luma([255]));
    image::imageops::overlay(&mut scene, &code, 150, 40);
    let scene = DynamicImage::ImageLuma8(scene);

    for exif in [3u8, 5, 6, 8] {
        let o = Orientation::from_exif(exif).unwrap();
        let stored = unapply(&scene, o);
        let mut jpeg = Cursor::new(Vec::new());
        stored.write_to(&mut jpeg, ImageFormat::Jpeg).unwrap();
        let jpeg = with_exif_orientation(jpeg.get_ref(), exif);

        let opts = DecodeOptions::default();
        let via_exif = decode(&jpeg, &opts).unwrap();
        assert_eq!(via_exif.exif_orientation, exif);
        assert_eq!(
            (via_exif.width, via_exif.height),
            stored.to_luma8().dimensions()
        );
        assert_eq!(via_exif.symbols.len(), 1, "exif {exif}");
        let s = &via_exif.symbols[0];

        // Reading the stored raster as it is (no EXIF) must find the same symbol at the same
        // place: that is what "corners in the original image's coordinates" means.
        let direct = decode_image(&stored, &opts).unwrap();
        let d = &direct.symbols[0];
        assert_eq!(s.text, d.text);
        assert_eq!(s.mirrored, d.mirrored, "exif {exif}");
        let close = |a: Point, b: Point| (a.x - b.x).abs() <= 3.0 && (a.y - b.y).abs() <= 3.0;
        if image_input::is_flip(o) {
            // A mirrored symbol: compare the corner sets, the labelling is the engine's choice.
            for c in s.corners {
                assert!(
                    d.corners.iter().any(|&e| close(c, e)),
                    "exif {exif}: {s:?} vs {d:?}"
                );
            }
        } else {
            for (a, b) in s.corners.iter().zip(d.corners) {
                assert!(
                    close(*a, b),
                    "exif {exif}: {:?} vs {:?}",
                    s.corners,
                    d.corners
                );
            }
            assert!((s.orientation - d.orientation).abs() <= 2, "exif {exif}");
        }
        // Clockwise in the stored raster (y down): positive shoelace sum.
        let c = s.corners;
        let area2: f32 = (0..4)
            .map(|i| c[i].x * c[(i + 1) % 4].y - c[(i + 1) % 4].x * c[i].y)
            .sum();
        assert!(area2 > 0.0, "exif {exif}: corners not clockwise: {c:?}");
    }
}

#[test]
fn corners_are_in_image_coordinates_clockwise_from_top_left() {
    let code = image::load_from_memory(&sample("qrcode-2/1.png"))
        .unwrap()
        .to_luma8();
    let mut scene = GrayImage::from_pixel(700, 500, Luma([255]));
    image::imageops::overlay(&mut scene, &code, 200, 50);
    let d = decode_image(
        &DynamicImage::ImageLuma8(scene.clone()),
        &DecodeOptions::default(),
    )
    .unwrap();
    let c = d.symbols[0].corners;
    // Upright: top-left is the smallest x + y, and it is within the pasted square.
    assert!(
        c[0].x >= 200.0 && c[0].y >= 50.0 && c[0].x < 300.0 && c[0].y < 150.0,
        "{c:?}"
    );
    assert!(
        c[1].x > c[0].x && c[2].y > c[1].y && c[3].x < c[2].x,
        "{c:?}"
    );
    assert_eq!(d.symbols[0].orientation, 0);

    // Turned a quarter clockwise, the symbol's top-left is now at the image's top-right.
    let turned = DynamicImage::ImageLuma8(scene).rotate90();
    let d = decode_image(&turned, &DecodeOptions::default()).unwrap();
    let s = &d.symbols[0];
    assert_eq!(s.orientation, 90);
    assert!(
        s.corners[0].x > s.corners[3].x && s.corners[1].y > s.corners[0].y,
        "{:?}",
        s.corners
    );
}

#[test]
fn large_image_second_pass_maps_corners_back() {
    // A code small relative to a large, otherwise empty image: whichever pass finds it, the
    // corners must come back in full-resolution coordinates.
    let code = image::load_from_memory(&sample("qrcode-2/1.png"))
        .unwrap()
        .to_luma8();
    let big = image::imageops::resize(&code, 1212, 1212, image::imageops::FilterType::Nearest);
    let mut scene = GrayImage::from_pixel(2600, 2000, Luma([255]));
    image::imageops::overlay(&mut scene, &big, 1000, 500);
    let d = decode_image(&DynamicImage::ImageLuma8(scene), &DecodeOptions::default()).unwrap();
    let c = d.symbols[0].corners;
    assert!(
        c[0].x >= 1000.0 && c[0].x < 1300.0 && c[0].y >= 500.0 && c[0].y < 800.0,
        "{c:?}"
    );
    assert!(c[2].x > 1900.0 && c[2].y > 1400.0, "{c:?}");
}

#[test]
fn map_to_original_scales_and_orients() {
    let mut s = Symbol::with_corners([
        Point { x: 9.5, y: 9.5 },
        Point { x: 19.5, y: 9.5 },
        Point { x: 19.5, y: 19.5 },
        Point { x: 9.5, y: 19.5 },
    ]);
    // Half-size copy of an upright image: every coordinate doubles (pixel centres kept).
    let frame = Frame {
        orientation: Orientation::NoTransforms,
        stored_width: 100,
        stored_height: 80,
    };
    map_to_original(&mut s, 0.5, frame);
    assert_eq!(s.corners[0], Point { x: 19.5, y: 19.5 });
    assert_eq!(s.corners[2], Point { x: 39.5, y: 39.5 });
    assert_eq!(s.orientation, 0);
}

/// The measurement behind the pass policy in [`read`]; run it in release:
/// `cargo test --release -p qrsmith-core --lib measure_downscale_policy -- --ignored --nocapture`.
///
/// Three sets built from the samples: as they are; upscaled ×4 (a high-resolution photo of the
/// same scene, 2–5 MP); pasted unscaled into a 4000 × 3000 canvas (a small code in a large
/// photo). Policies: the full image with zxing-cpp's own `tryDownscale` (A) or without (B); the
/// reference's shrink to 800 px (C); A plus a second pass on a smaller copy when nothing was found
/// in a large image: longest side 1600 px above 4 MP (D), 1600 px above 2 MP (E), 1000 px above
/// 2 MP (F, the policy `read` uses). Results are in the doc comment of `read`.
#[test]
#[ignore = "measurement, takes minutes; run in release"]
fn measure_downscale_policy() {
    use super::engine::{Engine, EngineOptions, ZxingEngine};
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zxing-cpp-samples");
    let mut samples = Vec::new();
    for folder in std::fs::read_dir(&root).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&folder).unwrap() {
            let p = f.unwrap().path();
            let Ok(text) = std::fs::read(p.with_extension("txt")) else {
                continue;
            };
            if p.extension().is_some_and(|e| e == "txt") {
                continue;
            }
            let Ok(img) = image::open(&p) else { continue };
            samples.push((image_input::to_gray(&img), text));
        }
    }
    type Set = Vec<(GrayImage, Vec<u8>)>;
    let sets: Vec<(&str, Set)> = vec![
        ("as is", samples.clone()),
        (
            "upscaled x4",
            samples
                .iter()
                .map(|(g, t)| {
                    let up = image::imageops::resize(
                        g,
                        g.width() * 4,
                        g.height() * 4,
                        image::imageops::FilterType::Triangle,
                    );
                    (up, t.clone())
                })
                .collect(),
        ),
        (
            "in 4000x3000",
            samples
                .iter()
                .enumerate()
                .map(|(i, (g, t))| {
                    let mut canvas = GrayImage::from_pixel(4000, 3000, Luma([200]));
                    let x = (i as i64 * 997) % (4000 - i64::from(g.width()));
                    let y = (i as i64 * 613) % (3000 - i64::from(g.height()));
                    image::imageops::overlay(&mut canvas, g, x, y);
                    (canvas, t.clone())
                })
                .collect(),
        ),
    ];
    let engine = ZxingEngine;
    let on = EngineOptions::FULL;
    let off = EngineOptions {
        try_downscale: false,
        ..EngineOptions::FULL
    };
    for (name, set) in &sets {
        for policy in [
            "A full+zxing downscale",
            "B full only",
            "C shrink to 800",
            "D A + 1600px pass >4MP",
            "E A + 1600px pass >2MP",
            "F A + 1000px pass >2MP (read)",
        ] {
            let (mut ok, mut ms) = (0, Vec::new());
            for (g, text) in set {
                let t = Instant::now();
                let read = |img: &GrayImage, o: &EngineOptions| engine.read(img, o).unwrap();
                let found = match policy.as_bytes()[0] {
                    b'A' => read(g, &on),
                    b'B' => read(g, &off),
                    b'C' if g.width().max(g.height()) > 800 => read(&downscale(g, 800).0, &on),
                    b'C' => read(g, &on),
                    letter => {
                        let (min_pixels, side) = match letter {
                            b'D' => (4_000_000, 1600),
                            b'E' => (2_000_000, 1600),
                            _ => (SECOND_PASS_MIN_PIXELS, SECOND_PASS_MAX_SIDE),
                        };
                        let first = read(g, &on);
                        if first.is_empty()
                            && u64::from(g.width()) * u64::from(g.height()) > min_pixels
                        {
                            read(&downscale(g, side).0, &on)
                        } else {
                            first
                        }
                    }
                };
                ms.push(t.elapsed().as_secs_f64() * 1e3);
                ok += usize::from(found.iter().any(|s| s.text.as_bytes() == text.as_slice()));
            }
            ms.sort_by(f64::total_cmp);
            let total: f64 = ms.iter().sum();
            eprintln!(
                "{name:<13} {policy:<24} read {ok:>3}/{}  median {:>7.1} ms  total {:>8.0} ms",
                set.len(),
                ms[ms.len() / 2],
                total
            );
        }
    }
}

/// Draws a symbol `scale` pixels per module with a `border`-module quiet zone.
fn rasterise(code: &crate::QrCode, scale: u32, border: u32) -> GrayImage {
    let side = (code.width() as u32 + 2 * border) * scale;
    GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let inside = border..border + code.width() as u32;
        let dark = inside.contains(&mx)
            && inside.contains(&my)
            && code.is_dark((mx - border) as usize, (my - border) as usize);
        Luma([if dark { 0 } else { 255 }])
    })
}

/// Our encoder's symbols read back with the metadata they were made with: this pins the
/// mapping of zxing-cpp's `extra()` keys (version, EC level, mask) to our fields.
#[test]
fn own_symbols_read_back_with_their_parameters() {
    use crate::{encode_bytes, encode_text, EcLevel, EncodeOptions, Version};
    let cases: &[(&[u8], Version, EcLevel, u8)] = &[
        (
            b"https://example.com/a?b=1",
            Version::Normal(5),
            EcLevel::H,
            3,
        ),
        (b"01234567890123456789", Version::Normal(1), EcLevel::L, 0),
        (
            &[0, 1, 2, 0xFF, 0xFE, 0x80],
            Version::Normal(10),
            EcLevel::Q,
            7,
        ),
        (b"12345", Version::Micro(1), EcLevel::L, 2),
        (b"HELLO M3", Version::Micro(3), EcLevel::M, 1),
    ];
    for &(data, version, ec_level, mask) in cases {
        let opts = EncodeOptions {
            version: Some(version),
            ec_level,
            mask: Some(mask),
            ..EncodeOptions::default()
        };
        let code = encode_bytes(data, &opts).unwrap();
        let img = DynamicImage::ImageLuma8(rasterise(&code, 4, 4));
        let d = decode_image(&img, &DecodeOptions::default()).unwrap();
        assert_eq!(d.symbols.len(), 1, "{version:?}");
        let s = &d.symbols[0];
        assert_eq!(s.bytes, data, "{version:?}");
        let (symbology, name) = match version {
            Version::Normal(n) => (Symbology::QrCode, n.to_string()),
            Version::Micro(n) => (Symbology::MicroQrCode, format!("M{n}")),
            Version::Rmqr { height, width } => (Symbology::RmqrCode, format!("R{height}x{width}")),
        };
        assert_eq!(
            (s.symbology, s.version.as_str()),
            (symbology, name.as_str())
        );
        if version != Version::Micro(1) {
            // M1 has error detection only; zxing-cpp reports no level for it.
            assert_eq!(
                s.ec_level.as_deref(),
                Some(format!("{ec_level:?}").as_str())
            );
        }
        assert_eq!(s.mask, Some(mask), "{version:?}");
        assert!(!s.mirrored && !s.inverted && !s.has_eci);
    }

    // Text with a multi-byte character, and the same symbol mirrored.
    let code = encode_text("Grüße, 世界", &EncodeOptions::default()).unwrap();
    let img = DynamicImage::ImageLuma8(rasterise(&code, 3, 4));
    let s = &decode_image(&img.fliph(), &DecodeOptions::default())
        .unwrap()
        .symbols[0];
    assert_eq!(s.text, "Grüße, 世界");
    assert!(s.mirrored);
}

/// A structured-append sequence from our encoder, all parts in one picture, merges back.
#[test]
fn own_sequence_merges_in_one_call() {
    use crate::{encode_sequence_text, EncodeOptions};
    let text = "Structured append splits one payload over several symbols: ünïcödé too. ".repeat(6);
    let parts = encode_sequence_text(&text, &EncodeOptions::default(), Some(3)).unwrap();
    assert_eq!(parts.len(), 3);
    let tiles: Vec<GrayImage> = parts.iter().map(|p| rasterise(p, 3, 4)).collect();
    let side = tiles.iter().map(|t| t.width()).max().unwrap();
    let mut sheet = GrayImage::from_pixel(side * 3, side, Luma([255]));
    for (i, t) in tiles.iter().rev().enumerate() {
        image::imageops::overlay(&mut sheet, t, i64::from(side) * i as i64, 0);
    }
    let d = decode_image(&DynamicImage::ImageLuma8(sheet), &DecodeOptions::default()).unwrap();
    assert_eq!(d.symbols.len(), 3);
    assert_eq!(d.sequences.len(), 1);
    assert_eq!(d.sequences[0].text.as_deref(), Some(text.as_str()));
    assert_eq!(d.sequences[0].bytes.as_deref(), Some(text.as_bytes()));
}

#[test]
fn packed_grey_pngs_read_as_the_image_crate_reads_them() {
    // Widths that leave part of the last byte of each row unused.
    for (depth, bits) in [
        (::png::BitDepth::One, 1u32),
        (::png::BitDepth::Two, 2),
        (::png::BitDepth::Four, 4),
    ] {
        let (width, height) = (13u32, 5u32);
        let row_bytes = (width * bits).div_ceil(8) as usize;
        let data: Vec<u8> = (0..row_bytes * height as usize)
            .map(|i| (i as u8).wrapping_mul(151).wrapping_add(7))
            .collect();
        let mut file = Vec::new();
        let mut encoder = ::png::Encoder::new(&mut file, width, height);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(depth);
        encoder
            .write_header()
            .unwrap()
            .write_image_data(&data)
            .unwrap();

        let ours = super::image_input::packed_gray_png(&file).expect("a packed grey PNG");
        let theirs = image::load_from_memory(&file).unwrap().to_luma8();
        assert_eq!(ours, theirs, "{bits}-bit");
    }
    // Everything else takes the general path.
    let eight_bit = encode_png(&DynamicImage::ImageLuma8(GrayImage::new(4, 4)));
    assert!(super::image_input::packed_gray_png(&eight_bit).is_none());
}

/// What each escalation stage adds: over every sample with an expected text, at 0/90/180/270°,
/// the images the main pass (`Effort::Fast`) does not read, and for each stage alone which of
/// them it reads and what it costs on them. The basis of `Effort::stages`.
#[test]
#[ignore = "measurement, takes minutes; run in release"]
fn measure_stages() {
    use super::engine::ZxingEngine;
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zxing-cpp-samples");
    let mut misses = Vec::new();
    let mut total = 0;
    let fast = DecodeOptions {
        effort: Effort::Fast,
        ..DecodeOptions::default()
    };
    let mut folders: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|f| f.unwrap().path())
        .collect();
    folders.sort();
    for folder in folders.iter().filter(|f| f.is_dir()) {
        let mut files: Vec<_> = std::fs::read_dir(folder)
            .unwrap()
            .map(|f| f.unwrap().path())
            .collect();
        files.sort();
        for p in files {
            if p.extension()
                .is_some_and(|e| e == "txt" || e == "bin" || e == "md")
            {
                continue;
            }
            let Ok(text) = std::fs::read(p.with_extension("txt")) else {
                continue;
            };
            let Ok(img) = image::open(&p) else { continue };
            for (deg, rotated) in [
                (0, img.clone()),
                (90, img.rotate90()),
                (180, img.rotate180()),
                (270, img.rotate270()),
            ] {
                total += 1;
                let d = decode_image(&rotated, &fast).unwrap();
                if !d
                    .symbols
                    .iter()
                    .any(|s| s.text.as_bytes() == text.as_slice())
                {
                    let name = format!("{}@{deg}", p.strip_prefix(&root).unwrap().display());
                    misses.push((name, image_input::to_gray(&rotated), text.clone()));
                }
            }
        }
    }
    eprintln!("{} of {total} not read by the main pass", misses.len());
    for stage in pipeline::ALL_STAGES {
        let (mut read, mut wrong, mut ms) = (Vec::new(), 0, 0.0);
        for (name, gray, text) in &misses {
            let t = Instant::now();
            let found = stage
                .prepare(gray)
                .map(|(g, _)| ZxingEngine.read(&g, &stage.engine_options()).unwrap())
                .unwrap_or_default();
            ms += t.elapsed().as_secs_f64() * 1e3;
            if found.iter().any(|s| s.text.as_bytes() == text.as_slice()) {
                read.push(name.as_str());
            } else if !found.is_empty() {
                wrong += 1;
            }
        }
        eprintln!(
            "{:<15} reads {:>2} (wrong {wrong}), {:>6.1} ms per miss: {}",
            stage.name,
            read.len(),
            ms / misses.len().max(1) as f64,
            read.join(" ")
        );
    }
}

/// The pipeline's overhead on photos next to the engine's own pass: total ms over every sample
/// at 0° for the pure fast path, the finder scan and the main pass.
#[test]
#[ignore = "measurement; run in release"]
fn measure_overhead() {
    use super::engine::ZxingEngine;
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/zxing-cpp-samples");
    let (mut pure, mut scan, mut full, mut thr, mut n) = (0.0, 0.0, 0.0, 0.0, 0);
    for folder in std::fs::read_dir(&root).unwrap() {
        let folder = folder.unwrap().path();
        if !folder.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&folder).unwrap() {
            let p = f.unwrap().path();
            let Ok(img) = image::open(&p) else { continue };
            let gray = image_input::to_gray(&img);
            let t = Instant::now();
            let _ = ZxingEngine.read(&gray, &engine::EngineOptions::PURE);
            pure += t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            let _ = finders::candidates(&gray);
            scan += t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            let _ = finders::threshold(&gray);
            thr += t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            let _ = ZxingEngine.read(&gray, &engine::EngineOptions::FULL);
            full += t.elapsed().as_secs_f64() * 1e3;
            n += 1;
        }
    }
    eprintln!("{n} images: pure {pure:.1} ms, finder scan {scan:.1} ms (threshold {thr:.1}), main pass {full:.1} ms");
}

/// An engine that finds nothing and takes `pass` for every read, counting its passes.
struct SlowBlindEngine {
    pass: Duration,
    passes: std::cell::Cell<u32>,
}

impl engine::Engine for SlowBlindEngine {
    fn read(&self, _: &GrayImage, _: &engine::EngineOptions) -> Result<Vec<Symbol>> {
        self.passes.set(self.passes.get() + 1);
        std::thread::sleep(self.pass);
        Ok(Vec::new())
    }
}

/// The budget is checked before every pass: with passes of 30 ms and a budget of 100 ms, the
/// thorough effort (21 stages) stops after the pass that crosses the budget, and
/// finding nothing in time is a timeout error.
#[test]
fn escalation_stops_at_the_time_budget() {
    let engine = SlowBlindEngine {
        pass: Duration::from_millis(30),
        passes: std::cell::Cell::new(0),
    };
    let gray = GrayImage::from_fn(300, 300, |x, y| Luma([((x * 7 + y * 13) % 256) as u8]));
    let opts = DecodeOptions {
        limits: Limits {
            max_time: Some(Duration::from_millis(100)),
            ..Limits::default()
        },
        effort: Effort::Thorough,
    };
    let frame = Frame {
        orientation: Orientation::NoTransforms,
        stored_width: 300,
        stored_height: 300,
    };
    let start = Instant::now();
    let err = read(&engine, &gray, frame, &opts, start).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    // Pure and main pass, then stages while time is left: 4 passes reach 120 ms ≥ 100 ms. The
    // stages' preparation takes time too, so it may be one fewer, never more.
    let passes = engine.passes.get();
    assert!((2..=4).contains(&passes), "{passes} passes");
    // Without a budget, every stage runs.
    engine.passes.set(0);
    let unbounded = DecodeOptions {
        limits: Limits {
            max_time: None,
            ..Limits::default()
        },
        effort: Effort::Thorough,
    };
    let engine = SlowBlindEngine {
        pass: Duration::ZERO,
        passes: std::cell::Cell::new(0),
    };
    let d = read(&engine, &gray, frame, &unbounded, Instant::now()).unwrap();
    assert!(d.symbols.is_empty());
    // Pure, main, and every stage that applies to a 300 × 300 image.
    assert!(engine.passes.get() as usize >= 2 + pipeline::ALL_STAGES.len() - 2);
}
