//! The Swiss QR-bill's code drawn as SIX's "Implementation Guidelines for the QR-bill" (2.3,
//! section 5.4) ask it printed: error correction level M, the symbol 46 × 46 mm (its quiet zone
//! outside that), and the Swiss cross, 7 × 7 mm, over its centre.

use image::RgbaImage;

use super::pdf::{to_pdf_marked, Mark};
use super::style::{over, to_rgba_styled, write_rgba_png};
use super::{invalid, Format, RenderOptions, Style};
use crate::encode::{EcLevel, QrCode};
use crate::error::Result;

/// The printed width of a QR-bill's symbol, quiet zone excluded: 46 mm.
pub const SWISS_BILL_WIDTH_UM: u32 = 46_000;

/// The Swiss cross's width as a fraction of the symbol's: 7 mm on a 46 mm symbol.
pub const SWISS_CROSS_SIZE: f32 = 7.0 / 46.0;

/// The cross on its 7 mm square, in tenths of a millimetre, painted in order: a white 7 mm
/// square, a black 6 mm square inside it (a 0.5 mm white border), and the white cross in the
/// Swiss flag's proportions (arms 6/32 of the black square wide, the whole cross 20/32 long).
/// Drawn from those proportions, not copied from SIX's graphic file. It is laid over the modules
/// at its exact size (not snapped to modules as a logo is), in every format.
const CROSS: [(f32, f32, f32, f32, bool); 4] = [
    (0.0, 0.0, 70.0, 70.0, false),
    (5.0, 5.0, 60.0, 60.0, true),
    (16.25, 29.375, 37.5, 11.25, false),
    (29.375, 16.25, 11.25, 37.5, false),
];

/// The side of [`CROSS`]'s square, in its own units.
const CROSS_SIDE: f32 = 70.0;

/// Renders a QR-bill's `code` as the guidelines ask: the Swiss cross over its centre, the
/// symbol 46 mm wide in print (PNG `pHYs`, SVG millimetres, PDF points), as PNG, SVG or PDF.
/// The text formats draw the matrix alone, as a preview (they cannot draw the cross); EPS is
/// refused.
///
/// `opts` gives the pixels (`size`), the quiet zone and the colours; its `dpi` and
/// `print_width_um` are replaced by the 46 mm width. The code must be a QR symbol at level M
/// (encode the bill's text with [`EcLevel::M`]); anything else is an
/// [`ErrorKind::InvalidOption`](crate::ErrorKind::InvalidOption).
pub fn render_swiss_bill(code: &QrCode, format: Format, opts: &RenderOptions) -> Result<Vec<u8>> {
    if code.version().is_micro() || code.width() != code.height() {
        return Err(invalid(
            "a QR-bill's code is a QR symbol: not Micro QR or rMQR (guidelines, section 5.4)",
        ));
    }
    if code.ec_level() != EcLevel::M {
        return Err(invalid(format!(
            "a QR-bill's code has error correction level M, not {:?} (guidelines, section 5.4)",
            code.ec_level()
        )));
    }
    let opts = RenderOptions {
        dpi: None,
        print_width_um: Some(SWISS_BILL_WIDTH_UM),
        ..opts.clone()
    };
    let marks = cross_marks(code, opts.border);
    match format {
        Format::Png => {
            let layout = opts.layout(code)?;
            let mut img = to_rgba_styled(code, &opts, &Style::default())?;
            paint(&mut img, &marks, layout.scale as f32);
            write_rgba_png(&img, &layout)
        }
        Format::Svg => {
            let svg = super::svg::to_svg(code, &opts)?;
            let body = svg.trim_end().strip_suffix("</svg>").unwrap_or(&svg);
            let mut out = String::with_capacity(svg.len() + 400);
            out.push_str(body);
            for m in &marks {
                out.push_str(&format!(
                    r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
                    m.x,
                    m.y,
                    m.w,
                    m.h,
                    if m.dark { "#000" } else { "#fff" }
                ));
            }
            out.push_str("</svg>\n");
            Ok(out.into_bytes())
        }
        Format::Pdf => to_pdf_marked(code, &opts, &marks),
        Format::Txt | Format::Terminal => super::render(code, format, &opts),
        Format::Eps => Err(invalid(
            "a QR-bill's code is printed as PNG, SVG or PDF (with its cross), not EPS",
        )),
    }
}

/// Paints `marks` (module units) opaque over `img` at `scale` pixels per module, each pixel by
/// the share of it a mark covers, so the cross keeps its exact size between pixels.
fn paint(img: &mut RgbaImage, marks: &[Mark], scale: f32) {
    let (w, h) = (img.width(), img.height());
    for m in marks {
        let (left, right) = (m.x * scale, (m.x + m.w) * scale);
        let (top, bottom) = (m.y * scale, (m.y + m.h) * scale);
        let rgb = if m.dark { [0, 0, 0] } else { [255, 255, 255] };
        for py in (top.floor() as u32)..(bottom.ceil() as u32).min(h) {
            let cover_y = (bottom.min(py as f32 + 1.0) - top.max(py as f32)).clamp(0.0, 1.0);
            for px in (left.floor() as u32)..(right.ceil() as u32).min(w) {
                let cover_x = (right.min(px as f32 + 1.0) - left.max(px as f32)).clamp(0.0, 1.0);
                over(img.get_pixel_mut(px, py), rgb, cover_x * cover_y);
            }
        }
    }
}

/// [`CROSS`] centred on `code`, in module units with the quiet zone of `border` modules.
fn cross_marks(code: &QrCode, border: u32) -> Vec<Mark> {
    let width = code.width() as f32;
    let unit = width * SWISS_CROSS_SIZE / CROSS_SIDE;
    let origin = border as f32 + (width - CROSS_SIDE * unit) / 2.0;
    CROSS
        .iter()
        .map(|&(x, y, w, h, dark)| Mark {
            x: origin + x * unit,
            y: origin + y * unit,
            w: w * unit,
            h: h * unit,
            dark,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_text, EncodeOptions};
    use crate::render::Size;

    fn bill_code(ec_level: EcLevel) -> QrCode {
        let text = "SPC\r\n0200\r\n1\r\nCH4431999123000889012\r\nS\r\nRobert Schneider AG\r\n\
                    Rue du Lac\r\n1268\r\n2501\r\nBiel\r\nCH";
        encode_text(
            text,
            &EncodeOptions {
                ec_level,
                ..EncodeOptions::default()
            },
        )
        .unwrap()
    }

    #[test]
    fn the_svg_is_46_mm_plus_its_quiet_zone() {
        let code = bill_code(EcLevel::M);
        let n = code.width() as f64;
        let svg = render_swiss_bill(&code, Format::Svg, &RenderOptions::default()).unwrap();
        let svg = String::from_utf8(svg).unwrap();
        let width = format!("{:.3}", 46.0 * (n + 8.0) / n);
        let width = width.trim_end_matches('0').trim_end_matches('.');
        assert!(
            svg.contains(&format!(r#"width="{width}mm""#)),
            "{}",
            &svg[..200]
        );
        // The cross's 7 mm square, centred, in module units.
        let side = n * 7.0 / 46.0;
        let at = 4.0 + (n - side) / 2.0;
        let first = svg.find("<rect x=").expect("the cross is drawn");
        let rect = &svg[first..];
        let number = |attr: &str| -> f64 {
            let v = rect.split(&format!(r#"{attr}=""#)).nth(1).unwrap();
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        assert!((number("x") - at).abs() < 1e-3, "{rect:.120}");
        assert!((number("width") - side).abs() < 1e-3, "{rect:.120}");
    }

    #[test]
    fn the_pdf_page_is_46_mm_plus_its_quiet_zone_with_the_cross_at_the_centre() {
        let code = bill_code(EcLevel::M);
        let n = code.width() as f32;
        let opts = RenderOptions {
            size: Size::Scale(3),
            ..RenderOptions::default()
        };
        let pdf = render_swiss_bill(&code, Format::Pdf, &opts).unwrap();
        let text = String::from_utf8_lossy(&pdf);
        let side_pt = 46.0 / 25.4 * 72.0 * (n + 8.0) / n;
        let media = text
            .split("/MediaBox [")
            .nth(1)
            .and_then(|s| s.split(']').next())
            .unwrap()
            .split_whitespace()
            .map(|v| v.parse::<f32>().unwrap())
            .collect::<Vec<_>>();
        assert!((media[2] - side_pt).abs() < 0.01, "{media:?} vs {side_pt}");
        // The marks: 7 mm square centred in module units.
        let marks = cross_marks(&code, 4);
        let side = marks[0].w;
        assert!((side - n * 7.0 / 46.0).abs() < 1e-4);
        assert!((marks[0].x + side / 2.0 - (4.0 + n / 2.0)).abs() < 1e-4);
        assert!(!marks[0].dark && marks[1].dark && !marks[2].dark && !marks[3].dark);
    }

    #[test]
    fn the_png_records_a_resolution_that_prints_46_mm() {
        let code = bill_code(EcLevel::M);
        let png = render_swiss_bill(&code, Format::Png, &RenderOptions::default()).unwrap();
        let at = png.windows(4).position(|w| w == b"pHYs").unwrap() + 4;
        let per_metre = u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
        let symbol_px = code.width() as f64 * 10.0;
        let mm = symbol_px / f64::from(per_metre) * 1000.0;
        assert!((mm - 46.0).abs() < 0.01, "{mm} mm");
        // Along the middle row the cross's 6 mm black square ends 3 mm right of the centre,
        // whatever the module grid: 7 mm is exact, not rounded to modules.
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let centre = img.width() / 2;
        let px_per_mm = symbol_px / 46.0;
        let black_end = (centre..img.width())
            .skip_while(|&x| img.get_pixel(x, centre)[0] > 128) // the white cross's arm
            .find(|&x| img.get_pixel(x, centre)[0] > 128)
            .unwrap();
        let mm_from_centre = f64::from(black_end - centre) / px_per_mm;
        assert!((mm_from_centre - 3.0).abs() < 0.1, "{mm_from_centre} mm");
    }

    #[test]
    fn other_levels_and_formats_are_refused() {
        let err = render_swiss_bill(
            &bill_code(EcLevel::H),
            Format::Png,
            &RenderOptions::default(),
        )
        .unwrap_err();
        assert!(err.message().contains("level M"), "{err}");
        let err = render_swiss_bill(
            &bill_code(EcLevel::M),
            Format::Eps,
            &RenderOptions::default(),
        )
        .unwrap_err();
        assert!(err.message().contains("PNG, SVG or PDF"), "{err}");
        let txt = render_swiss_bill(
            &bill_code(EcLevel::M),
            Format::Txt,
            &RenderOptions::default(),
        );
        assert!(txt.is_ok(), "the text formats preview the matrix");
    }
}
