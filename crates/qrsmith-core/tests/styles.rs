//! Styled and logo codes: every module shape × eye shape × (no logo, logo) × (PNG, SVG) is
//! verified, then the file itself is read back — by our reader under every degradation its
//! reported scan margin says passes (applied here, to the real output, independently of the
//! verify module's own raster), and by ZBar (`zbarimg`) as it is. SVG output is rasterised by
//! `rsvg-convert` (librsvg2-bin, installed by scripts/bootstrap). A too-large logo is either
//! repaired (with the change reported) or refused with `unscannable`.

mod common;

use std::path::Path;
use std::process::Command;

use image::{GrayImage, ImageEncoder as _, Rgba, RgbaImage};
use qrsmith_core::{
    decode, encode_text, generate_verified, to_png_styled, to_svg_styled, Adjustment,
    DecodeOptions, Degradation, EcLevel, EncodeOptions, ErrorKind, EyeShape, Logo, ModuleShape,
    RenderOptions, Size, Style, VerifyOptions,
};

const PAYLOAD: &str = "https://example.com/styled?id=42";

/// A busy, dark PNG logo: a navy disc with an orange checkerboard, on transparency.
fn png_logo() -> Vec<u8> {
    let img = RgbaImage::from_fn(120, 120, |x, y| {
        let (dx, dy) = (x as f32 - 59.5, y as f32 - 59.5);
        if dx * dx + dy * dy > 60.0 * 60.0 {
            Rgba([0, 0, 0, 0])
        } else if (x / 15 + y / 15) % 2 == 0 {
            Rgba([20, 30, 90, 255])
        } else {
            Rgba([240, 120, 20, 255])
        }
    });
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), 120, 120, image::ExtendedColorType::Rgba8)
        .unwrap();
    out
}

/// An SVG logo: a dark rounded square with a light letter-like bar.
fn svg_logo() -> Vec<u8> {
    br##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48" viewBox="0 0 64 48"><rect width="64" height="48" rx="10" fill="#1d3557"/><rect x="14" y="10" width="36" height="8" fill="#f1faee"/><circle cx="32" cy="32" r="8" fill="#e63946"/></svg>"##.to_vec()
}

/// What ZBar reads in the image at `path`, as text.
fn zbar(path: &Path) -> Result<String, String> {
    let out = common::zbarimg(path, &[])?;
    Ok(String::from_utf8_lossy(&out).trim_end().to_owned())
}

fn rsvg(svg: &Path, png: &Path) {
    let status = match Command::new("rsvg-convert")
        .arg("-o")
        .arg(png)
        .arg(svg)
        .status()
    {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("rsvg-convert not found: install it with `apt-get install librsvg2-bin`")
        }
        Err(e) => panic!("cannot run rsvg-convert: {e}"),
    };
    assert!(status.success(), "rsvg-convert failed on {}", svg.display());
}

/// The file as grey over white.
fn gray_over_white(path: &Path) -> GrayImage {
    let rgba = image::open(path).unwrap().into_rgba8();
    GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y);
        let a = f32::from(p[3]) / 255.0;
        let l = 0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
        image::Luma([(l * a + 255.0 * (1.0 - a)).round() as u8])
    })
}

/// Applies `d` to `gray` (`px` pixels per module, `modules` per side with the quiet zone), the
/// way the margin describes it, and returns the degraded picture as a file: JPEG for the JPEG
/// degradation, PNG otherwise.
fn degraded(gray: &GrayImage, px: u32, modules: u32, d: Degradation) -> Vec<u8> {
    let png = |img: GrayImage| {
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    };
    match d {
        Degradation::AsGenerated => png(gray.clone()),
        Degradation::Downscaled => png(image::imageops::resize(
            gray,
            modules * 2,
            modules * 2,
            image::imageops::FilterType::Triangle,
        )),
        Degradation::Blurred => png(image::imageops::blur(gray, 0.35 * px as f32)),
        Degradation::Jpeg => {
            let mut jpeg = Vec::new();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 30)
                .write_image(
                    gray.as_raw(),
                    gray.width(),
                    gray.height(),
                    image::ExtendedColorType::L8,
                )
                .unwrap();
            jpeg
        }
        Degradation::LowContrast => {
            let mut low = gray.clone();
            for p in low.pixels_mut() {
                p[0] = (128.0 + (f32::from(p[0]) - 128.0) * 0.3).round() as u8;
            }
            png(low)
        }
    }
}

/// Reads `d` applied to `gray` with our reader.
fn our_read(gray: &GrayImage, px: u32, modules: u32, d: Degradation) -> Vec<String> {
    // The main pass only, as the margin is measured (escalation reads more than a phone would).
    let opts = DecodeOptions {
        effort: qrsmith_core::Effort::Fast,
        ..DecodeOptions::default()
    };
    let file = degraded(gray, px, modules, d);
    decode(&file, &opts)
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| s.text)
        .collect()
}

#[test]
fn every_style_and_logo_reads_with_ours_and_zbar_at_the_reported_margin() {
    let dir = common::scratch_dir("styles_matrix");
    let render = RenderOptions {
        size: Size::Scale(8),
        ..RenderOptions::default()
    };
    let mut failures = Vec::new();
    let mut cases = 0;
    for (mi, module) in ModuleShape::ALL.into_iter().enumerate() {
        for eye in EyeShape::ALL {
            for with_logo in [false, true] {
                for svg in [false, true] {
                    cases += 1;
                    let name = format!(
                        "{module}-{eye}-{}-{}",
                        if with_logo { "logo" } else { "plain" },
                        if svg { "svg" } else { "png" }
                    );
                    // Alternate PNG and SVG logos over the module shapes, so both kinds meet
                    // both outputs.
                    let logo = with_logo.then(|| {
                        let bytes = if (mi + usize::from(svg)) % 2 == 0 {
                            png_logo()
                        } else {
                            svg_logo()
                        };
                        Logo::new(&bytes).unwrap().with_size(0.25).unwrap()
                    });
                    let style = Style {
                        module_shape: module,
                        eye_outer: eye,
                        eye_inner: eye,
                        eye_outer_color: Some(qrsmith_core::Color::rgb(0x1d, 0x35, 0x57)),
                        eye_inner_color: None,
                        logo,
                    };
                    let verified = generate_verified(
                        |o| encode_text(PAYLOAD, o),
                        &EncodeOptions {
                            ec_level: EcLevel::M,
                            ..EncodeOptions::default()
                        },
                        &render,
                        &style,
                        PAYLOAD.as_bytes(),
                        &VerifyOptions::default(),
                    )
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                    assert!(verified.margin.reads(), "{name}: {}", verified.margin);
                    if with_logo {
                        assert_eq!(verified.code.ec_level(), EcLevel::H, "{name}: auto EC");
                        assert!(
                            verified
                                .adjustments
                                .iter()
                                .any(|a| matches!(a, Adjustment::RaisedEc { .. })),
                            "{name}: the EC raise is reported"
                        );
                    }
                    let png_path = dir.join(format!("{name}.png"));
                    if svg {
                        let text = to_svg_styled(&verified.code, &render, &verified.style).unwrap();
                        // Compact: one path per colour (modules + inner eyes, outer eyes).
                        assert_eq!(text.matches("<path").count(), 2, "{name}");
                        let svg_path = dir.join(format!("{name}.svg"));
                        std::fs::write(&svg_path, text).unwrap();
                        rsvg(&svg_path, &png_path);
                    } else {
                        let png = to_png_styled(&verified.code, &render, &verified.style).unwrap();
                        std::fs::write(&png_path, png).unwrap();
                    }
                    let gray = gray_over_white(&png_path);
                    let modules = verified.code.width() as u32 + 2 * render.border;
                    let px = gray.width() / modules;
                    for &d in &verified.margin.passed {
                        let texts = our_read(&gray, px, modules, d);
                        if texts != [PAYLOAD] {
                            failures.push(format!(
                                "{name}: margin says {d} passes, our reader got {texts:?}"
                            ));
                        }
                    }
                    // ZBar, an independent reader, under every degradation the margin says
                    // passes (as generated among them).
                    for &d in &verified.margin.passed {
                        let ext = if d == Degradation::Jpeg { "jpg" } else { "png" };
                        let file = dir.join(format!("{name}-{d}.{ext}"));
                        std::fs::write(&file, degraded(&gray, px, modules, d)).unwrap();
                        match zbar(&file) {
                            Ok(text) if text == PAYLOAD => {}
                            other => failures.push(format!("{name}, {d}: zbarimg {other:?}")),
                        }
                    }
                    eprintln!(
                        "{name}: margin {} in {} ms; adjustments {:?}",
                        verified.margin,
                        verified.elapsed.as_millis(),
                        verified
                            .adjustments
                            .iter()
                            .map(|a| a.code())
                            .collect::<Vec<_>>()
                    );
                }
            }
        }
    }
    assert_eq!(cases, 4 * 3 * 2 * 2);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_too_large_logo_is_repaired_or_refused_clearly() {
    let dir = common::scratch_dir("styles_large_logo");
    let render = RenderOptions::default();
    // A logo of 40 % of the width at level L, with the EC raise forbidden: L restores ~7 % of
    // the codewords, the logo and its margin hide far more.
    let logo = Logo::new(&png_logo()).unwrap().with_size(0.4).unwrap();
    let style = Style {
        logo: Some(logo),
        ..Style::default()
    };
    let enc = EncodeOptions {
        ec_level: EcLevel::L,
        ..EncodeOptions::default()
    };
    let no_ec = VerifyOptions {
        auto_ec: false,
        ..VerifyOptions::default()
    };
    let verified = generate_verified(
        |o| encode_text(PAYLOAD, o),
        &enc,
        &render,
        &style,
        PAYLOAD.as_bytes(),
        &no_ec,
    )
    .unwrap();
    assert_eq!(
        verified.code.ec_level(),
        EcLevel::L,
        "auto_ec: false is kept"
    );
    let shrunk = verified
        .adjustments
        .iter()
        .find_map(|a| match a {
            Adjustment::ShrankLogo { from, to } => Some((*from, *to)),
            _ => None,
        })
        .expect("the logo was shrunk");
    assert_eq!(shrunk.0, 0.4);
    assert!(shrunk.1 < 0.4);
    assert_eq!(verified.style.logo.as_ref().unwrap().size(), shrunk.1);
    assert!(verified.margin.reads());
    let path = dir.join("repaired.png");
    std::fs::write(
        &path,
        to_png_styled(&verified.code, &render, &verified.style).unwrap(),
    )
    .unwrap();
    assert_eq!(zbar(&path).as_deref(), Ok(PAYLOAD));

    // Without repairs, the same request is refused with a stable code and a clear message.
    let err = generate_verified(
        |o| encode_text(PAYLOAD, o),
        &enc,
        &render,
        &style,
        PAYLOAD.as_bytes(),
        &VerifyOptions {
            auto_adjust: false,
            auto_ec: false,
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unscannable);
    assert_eq!(err.kind().code(), "unscannable");
    assert!(err.message().contains("smaller logo"), "{}", err.message());

    // A size beyond the limit never gets that far.
    let err = Logo::new(&png_logo()).unwrap().with_size(0.6).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert!(err.message().contains("out of range"), "{}", err.message());
}

#[test]
fn unreadable_colours_fail_with_unscannable() {
    // Pale yellow on white: no repair of shapes or logo can help.
    let render = RenderOptions {
        foreground: qrsmith_core::Color::rgb(0xf4, 0xf4, 0xe0),
        ..RenderOptions::default()
    };
    let style = Style {
        module_shape: ModuleShape::Dot,
        ..Style::default()
    };
    let err = generate_verified(
        |o| encode_text(PAYLOAD, o),
        &EncodeOptions::default(),
        &render,
        &style,
        PAYLOAD.as_bytes(),
        &VerifyOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unscannable);
    assert!(
        err.message().contains("square modules"),
        "{}",
        err.message()
    );
}

#[test]
fn logo_limits_are_checked_before_decoding() {
    let err = Logo::new(&vec![0u8; qrsmith_core::MAX_LOGO_BYTES + 1]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded);
    let err = Logo::new(b"GIF89a....").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnsupportedFormat);
    let err = Logo::new(b"\x89PNG\r\n\x1a\ntruncated").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptImage);
    let err = Logo::new(b"<svg xmlns='http://www.w3.org/2000/svg'><rect").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CorruptImage);
    // A 3000 x 3000 PNG header: 9 MP, refused from the header alone.
    let big = RgbaImage::new(3000, 3000);
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(big.as_raw(), 3000, 3000, image::ExtendedColorType::Rgba8)
        .unwrap();
    let err = Logo::new(&png).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{}", err.message());
}

#[test]
fn the_margin_tells_a_pale_code_from_a_sturdy_one() {
    let dir = common::scratch_dir("styles_pale");
    let pale = RenderOptions {
        size: Size::Scale(8),
        foreground: qrsmith_core::Color::rgb(0xc8, 0xc8, 0xc8),
        ..RenderOptions::default()
    };
    let verified = generate_verified(
        |o| encode_text(PAYLOAD, o),
        &EncodeOptions::default(),
        &pale,
        &Style::default(),
        PAYLOAD.as_bytes(),
        &VerifyOptions::default(),
    )
    .unwrap();
    // A plain code is measured, never adjusted.
    assert!(verified.adjustments.is_empty());
    assert!(verified.margin.reads(), "{}", verified.margin);
    assert_eq!(
        verified.margin.failed,
        [Degradation::LowContrast],
        "{}",
        verified.margin
    );
    assert_eq!(verified.margin.score(), "4/5");
    // The same degradation of the real file fails with our reader too, and the others pass.
    let path = dir.join("pale.png");
    std::fs::write(&path, qrsmith_core::to_png(&verified.code, &pale).unwrap()).unwrap();
    let gray = gray_over_white(&path);
    let modules = verified.code.width() as u32 + 8;
    assert!(our_read(&gray, 8, modules, Degradation::LowContrast).is_empty());
    for &d in &verified.margin.passed {
        assert_eq!(our_read(&gray, 8, modules, d), [PAYLOAD], "{d}");
    }
}

/// The one rule for a logo's level: H with auto EC (never lowered), unchanged without a logo,
/// without auto EC, or for Micro QR (which has no level H).
#[test]
fn a_logo_asks_for_level_h() {
    let logo = Style {
        logo: Some(Logo::new(&svg_logo()).unwrap()),
        ..Style::default()
    };
    let at = |ec_level, micro| EncodeOptions {
        ec_level,
        micro,
        ..EncodeOptions::default()
    };
    use qrsmith_core::ec_level_for_style as level;
    assert_eq!(level(&logo, &at(EcLevel::L, false), true), EcLevel::H);
    assert_eq!(level(&logo, &at(EcLevel::L, false), false), EcLevel::L);
    assert_eq!(level(&logo, &at(EcLevel::L, true), true), EcLevel::L);
    assert_eq!(
        level(&Style::default(), &at(EcLevel::M, false), true),
        EcLevel::M
    );
}
