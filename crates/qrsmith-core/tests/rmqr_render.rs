//! rMQR (rectangular) symbols drawn by the plain graphical formats and read back:
//!
//! - PNG is decoded as it is by [`qrsmith_core::decode`];
//! - SVG is rasterised in process by resvg (already a dependency, for SVG logos), then decoded;
//! - PDF is rasterised by poppler's `pdftoppm` (as `tests/label_sheet.rs` does), then decoded,
//!   and its page box checked; EPS has its bounding box, transform and background checked;
//! - styled PNG and SVG (module and eye shapes, eye colours) and label sheets (PDF, through
//!   `pdftoppm`) read back too.
//!
//! Each asserts the text, [`Symbology::RmqrCode`] and the size's name (`R11x77`), and that the
//! drawing is width × height modules plus the quiet zone on each side.

mod common;

use qrsmith_core::{
    decode, default_border, encode_text, render_styled, to_eps, to_pdf, to_png, to_svg,
    DecodeOptions, EcLevel, EncodeOptions, ErrorKind, EyeShape, Format, ModuleShape, QrCode,
    RenderOptions, Size, Style, Symbology, Version,
};
use resvg::{tiny_skia, usvg};

/// (height, width) of the sizes tried: the smallest, a middle one and the largest.
const SIZES: [(u8, u8); 3] = [(7, 43), (11, 77), (17, 139)];

fn cases() -> Vec<(String, QrCode, String)> {
    let mut out = Vec::new();
    for (height, width) in SIZES {
        for ec_level in [EcLevel::M, EcLevel::H] {
            // R7x43 holds 3 bytes at level M, 2 at H; the larger sizes a lot number.
            let text = match (width, ec_level) {
                (43, EcLevel::M) => "LOT".to_string(),
                (43, _) => "42".to_string(),
                _ => format!("LOT {height}x{width} {ec_level:?}"),
            };
            let opts = EncodeOptions {
                version: Some(Version::Rmqr { height, width }),
                ec_level,
                ..EncodeOptions::default()
            };
            let code = encode_text(&text, &opts).unwrap();
            assert_eq!((code.height(), code.width()), (height.into(), width.into()));
            out.push((text, code, format!("R{height}x{width}")));
        }
    }
    out
}

/// The standard's quiet zone (2 modules), at 4 px per module.
fn opts(code: &QrCode) -> RenderOptions {
    RenderOptions {
        size: Size::Scale(4),
        border: default_border(code),
        ..RenderOptions::default()
    }
}

/// The one symbol read from `image` (any format `decode` takes): symbology, version, text.
fn read(image: &[u8]) -> Vec<(Symbology, String, String)> {
    decode(image, &DecodeOptions::default())
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| (s.symbology, s.version, s.text))
        .collect()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(png).unwrap();
    (img.width(), img.height())
}

#[test]
fn the_default_border_is_two_modules_for_rmqr_and_four_otherwise() {
    let (_, rmqr, _) = &cases()[0];
    assert_eq!(default_border(rmqr), 2);
    let qr = encode_text("LOT", &EncodeOptions::default()).unwrap();
    assert_eq!(default_border(&qr), 4);
}

#[test]
fn png_reads_back() {
    for (text, code, name) in cases() {
        let png = to_png(&code, &opts(&code)).unwrap();
        let (w, h) = (code.width() as u32 + 4, code.height() as u32 + 4);
        assert_eq!(png_size(&png), (w * 4, h * 4), "{name}");
        assert_eq!(
            read(&png),
            [(Symbology::RmqrCode, name.clone(), text)],
            "{name}"
        );
    }
}

#[test]
fn png_with_colours_a_target_size_and_a_wide_border_reads_back() {
    let (text, code, name) = cases().swap_remove(3);
    let opts = RenderOptions {
        size: Size::Pixels(400),
        border: 6,
        foreground: "#1a237e".parse().unwrap(),
        background: "#fff8e1".parse().unwrap(),
        ..RenderOptions::default()
    };
    let png = to_png(&code, &opts).unwrap();
    // 77 + 12 = 89 modules across: 4 px each fits in 400.
    assert_eq!(png_size(&png), (89 * 4, 23 * 4));
    assert_eq!(read(&png), [(Symbology::RmqrCode, name, text)]);
}

#[test]
fn svg_reads_back_through_resvg() {
    for (text, code, name) in cases() {
        let svg = to_svg(&code, &opts(&code)).unwrap();
        let (w, h) = (code.width() + 4, code.height() + 4);
        assert!(
            svg.contains(&format!(
                r#"width="{}" height="{}" viewBox="0 0 {w} {h}""#,
                w * 4,
                h * 4
            )),
            "{svg}"
        );
        let tree = usvg::Tree::from_str(&svg, &usvg::Options::default()).unwrap();
        let mut pixmap = tiny_skia::Pixmap::new((w * 4) as u32, (h * 4) as u32).unwrap();
        resvg::render(
            &tree,
            tiny_skia::Transform::identity(),
            &mut pixmap.as_mut(),
        );
        let png = pixmap.encode_png().unwrap();
        assert_eq!(
            read(&png),
            [(Symbology::RmqrCode, name.clone(), text)],
            "{name}"
        );
    }
}

#[test]
fn pdf_is_sized_to_the_rectangle_and_reads_back_through_pdftoppm() {
    for (text, code, name) in cases() {
        let dir = common::scratch_dir(&format!("rmqr_pdf_{name}_{:?}", code.ec_level()));
        let pdf = to_pdf(&code, &opts(&code)).unwrap();
        let body = String::from_utf8_lossy(&pdf);
        // 4 px per module at 72 dpi: 4 pt per module.
        let (w, h) = (4 * (code.width() + 4), 4 * (code.height() + 4));
        assert!(body.contains(&format!("/MediaBox [0 0 {w} {h}]")), "{body}");
        assert!(body.contains(&format!("4 0 0 -4 0 {h} cm")), "{body}");
        // The background covers the whole page, in modules.
        let bg = format!("0 0 {} {} re", code.width() + 4, code.height() + 4);
        assert!(body.contains(&bg), "{body}");
        // 144 dpi: 8 px per module.
        let png = common::rasterise_pdf(&pdf, &dir, 144).swap_remove(0);
        assert_eq!(png_size(&png), (2 * w as u32, 2 * h as u32), "{name}");
        assert_eq!(
            read(&png),
            [(Symbology::RmqrCode, name.clone(), text)],
            "{name}"
        );
    }
}

#[test]
fn eps_bounding_box_transform_and_rows() {
    for (_, code, name) in cases() {
        let eps = to_eps(&code, &opts(&code)).unwrap();
        let (cols, rows) = (code.width() + 4, code.height() + 4);
        let (w, h) = (4 * cols, 4 * rows);
        assert!(
            eps.contains(&format!("\n%%BoundingBox: 0 0 {w} {h}\n")),
            "{name}"
        );
        assert!(eps.contains(&format!("\n%%HiResBoundingBox: 0 0 {w} {h}\n")));
        assert!(eps.contains(&format!("\n0 {h} translate 4 -4 scale\n")));
        assert!(eps.contains(&format!(
            "newpath 0 0 moveto {cols} 0 rlineto 0 {rows} rlineto {cols} neg 0 rlineto"
        )));
        // At most one filled path per symbol row, in order, all inside the quiet zone.
        let ys: Vec<usize> = eps
            .lines()
            .filter_map(|l| l.strip_prefix("newpath "))
            .map(|l| l.split(' ').nth(1).unwrap().parse().unwrap())
            .collect();
        assert!(ys.len() > code.height() / 2, "{name}");
        assert!(ys.windows(2).all(|p| p[0] < p[1]), "{name}");
        assert!(
            ys.iter().all(|y| (2..2 + code.height()).contains(y)),
            "{name}"
        );
    }
}

/// Reads a styled PNG or SVG (rasterised by resvg) of `code` back.
fn read_styled(code: &QrCode, format: Format, opts: &RenderOptions, style: &Style) -> Vec<u8> {
    let drawn = render_styled(code, format, opts, style).unwrap();
    if format == Format::Png {
        return drawn;
    }
    let tree = usvg::Tree::from_data(&drawn, &usvg::Options::default()).unwrap();
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        tiny_skia::Transform::identity(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().unwrap()
}

#[test]
fn styles_draw_the_rectangle_and_read_back() {
    let styles = [
        Style {
            module_shape: ModuleShape::Dot,
            eye_outer_color: Some("#b71c1c".parse().unwrap()),
            ..Style::default()
        },
        Style {
            module_shape: ModuleShape::Rounded,
            ..Style::default()
        },
        Style {
            module_shape: ModuleShape::Gapped,
            eye_inner_color: Some("#0d47a1".parse().unwrap()),
            ..Style::default()
        },
    ];
    for (text, code, name) in cases() {
        let opts = RenderOptions {
            size: Size::Scale(8),
            ..opts(&code)
        };
        let (w, h) = (code.width() + 4, code.height() + 4);
        for style in &styles {
            let png = render_styled(&code, Format::Png, &opts, style).unwrap();
            assert_eq!(png_size(&png), (8 * w as u32, 8 * h as u32), "{name}");
            let svg = String::from_utf8(render_styled(&code, Format::Svg, &opts, style).unwrap())
                .unwrap();
            assert!(
                svg.contains(&format!(
                    r#"width="{}" height="{}" viewBox="0 0 {w} {h}""#,
                    8 * w,
                    8 * h
                )),
                "{name}: {svg}"
            );
            for format in [Format::Png, Format::Svg] {
                assert_eq!(
                    read(&read_styled(&code, format, &opts, style)),
                    [(Symbology::RmqrCode, name.clone(), text.clone())],
                    "{name} {format} {style:?}"
                );
            }
        }
    }
    // zxing-cpp finds no rMQR symbol with a rounded finder: the eyes stay square.
    let (_, code, _) = &cases()[5];
    for eye in [EyeShape::Rounded, EyeShape::Circle] {
        let style = Style {
            eye_outer: eye,
            ..Style::default()
        };
        let err = render_styled(code, Format::Svg, &opts(code), &style).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
        assert!(err.to_string().contains("R17x139"), "{err}");
    }
    // One finder and at most 17 rows leave no room for a logo.
    let style = Style {
        logo: Some(qrsmith_core::Logo::new(LOGO_SVG.as_bytes()).unwrap()),
        ..Style::default()
    };
    let err = render_styled(code, Format::Png, &opts(code), &style).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidOption);
    assert!(err.to_string().contains("logo"), "{err}");
}

const LOGO_SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="red"/></svg>"#;

#[test]
fn label_sheets_fit_the_rectangle_in_its_cell_and_read_back() {
    let sheet = qrsmith_core::LabelSheet {
        rows: 6,
        columns: 2,
        ..Default::default()
    };
    let mut writer = qrsmith_core::LabelSheetWriter::new(sheet).unwrap();
    let cases = cases();
    for (text, code, _) in &cases {
        writer.add(code, Some(text)).unwrap();
    }
    let pdf = writer.finish().unwrap();
    let dir = common::scratch_dir("rmqr_label_sheet");
    let pages = common::rasterise_pdf(&pdf, &dir, 300);
    assert_eq!(pages.len(), 1);
    let mut found: Vec<(Symbology, String, String)> = read(&pages[0]);
    found.sort_by(|a, b| a.2.cmp(&b.2));
    let mut wanted: Vec<(Symbology, String, String)> = cases
        .iter()
        .map(|(text, _, name)| (Symbology::RmqrCode, name.clone(), text.clone()))
        .collect();
    wanted.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(found, wanted);
}

#[test]
fn an_eci_designator_is_written_and_read_back() {
    // Latin-1 bytes under ECI 3 read as "Grüße" only if the designator is there and right;
    // UTF-8 under ECI 26 holds any text.
    let latin1 = [0x47, 0x72, 0xFC, 0xDF, 0x65];
    for (height, width) in [(7, 99), (13, 77), (17, 139)] {
        for ec_level in [EcLevel::M, EcLevel::H] {
            let with_eci = |eci| EncodeOptions {
                version: Some(Version::Rmqr { height, width }),
                ec_level,
                eci: Some(eci),
                ..EncodeOptions::default()
            };
            let name = format!("R{height}x{width}");
            for (code, text) in [
                (
                    qrsmith_core::encode_bytes(&latin1, &with_eci(3)).unwrap(),
                    "Grüße",
                ),
                (encode_text("Grüße", &with_eci(26)).unwrap(), "Grüße"),
            ] {
                let png = to_png(&code, &opts(&code)).unwrap();
                let symbols = decode(&png, &DecodeOptions::default()).unwrap().symbols;
                assert_eq!(symbols.len(), 1, "{name} {ec_level:?}");
                let s = &symbols[0];
                assert_eq!(
                    (s.symbology, s.version.as_str(), s.text.as_str(), s.has_eci),
                    (Symbology::RmqrCode, name.as_str(), text, true),
                    "{name} {ec_level:?}"
                );
            }
        }
    }
    // The designator costs 3 + 8 bits: the most digits R7x43 holds at level M no longer fit.
    let small = EncodeOptions {
        version: Some(Version::Rmqr {
            height: 7,
            width: 43,
        }),
        ec_level: EcLevel::M,
        ..EncodeOptions::default()
    };
    let most = (1..100)
        .take_while(|&n| encode_text(&"7".repeat(n), &small).is_ok())
        .last()
        .unwrap();
    let err = encode_text(
        &"7".repeat(most),
        &EncodeOptions {
            eci: Some(26),
            ..small
        },
    )
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DataTooLong);
}
