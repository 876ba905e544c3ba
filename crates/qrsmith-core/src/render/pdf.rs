//! PDF output: one vector page the size of the symbol, for print.

use pdf_writer::{Content, Name, Pdf, Rect, Ref};

use super::RenderOptions;
use crate::encode::QrCode;
use crate::error::Result;

const CATALOG: Ref = Ref::new(1);
const PAGES: Ref = Ref::new(2);
const PAGE: Ref = Ref::new(3);
const CONTENT: Ref = Ref::new(4);
const BACKGROUND_ALPHA: Ref = Ref::new(5);
const FOREGROUND_ALPHA: Ref = Ref::new(6);
const INFO: Ref = Ref::new(7);

/// Renders `code` as a one-page vector PDF.
///
/// The page is exactly the symbol with its quiet zone: a module is `scale` pixels, a pixel
/// `72 / dpi` points (one point without [`RenderOptions::dpi`]). Colours are DeviceRGB; alpha
/// uses an `ExtGState`. The dark modules are one path of rectangle runs filled once, so
/// viewers draw no hairline seams between neighbouring modules.
pub fn to_pdf(code: &QrCode, opts: &RenderOptions) -> Result<Vec<u8>> {
    to_pdf_marked(code, opts, &[])
}

/// A rectangle painted over the symbol in pure black or white, in module units (quiet zone
/// included, y pointing down): the Swiss QR-bill's cross is drawn with these.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mark {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
    pub dark: bool,
}

/// [`to_pdf`] with `marks` painted over the modules, in order.
pub(crate) fn to_pdf_marked(
    code: &QrCode,
    opts: &RenderOptions,
    marks: &[Mark],
) -> Result<Vec<u8>> {
    let layout = opts.layout(code)?;
    let module = layout.points_per_module() as f32;
    let (n, rows) = (layout.modules as f32, layout.rows as f32);
    let (width, height) = (n * module, rows * module);
    let (bg, fg) = (opts.background, opts.foreground);
    let bg_alpha = !bg.is_opaque() && !bg.is_transparent();
    let fg_alpha = !fg.is_opaque();

    let mut content = Content::new();
    // Module units with y pointing down, as the matrix is stored.
    content.transform([module, 0.0, 0.0, -module, 0.0, height]);
    if !bg.is_transparent() {
        // Inside q/Q so the background's alpha does not leak into the foreground.
        content.save_state();
        if bg_alpha {
            content.set_parameters(Name(b"GsB"));
        }
        let [r, g, b] = bg.unit_rgb();
        content.set_fill_rgb(r, g, b);
        content.rect(0.0, 0.0, n, rows);
        content.fill_nonzero();
        content.restore_state();
    }
    // Inside q/Q too, so that the marks are painted opaque.
    content.save_state();
    if fg_alpha {
        content.set_parameters(Name(b"GsF"));
    }
    let [r, g, b] = fg.unit_rgb();
    content.set_fill_rgb(r, g, b);
    let border = layout.border as f32;
    for y in 0..code.height() {
        for (x, len) in super::dark_runs(code.row(y)) {
            content.rect(x as f32 + border, y as f32 + border, len as f32, 1.0);
        }
    }
    content.fill_nonzero();
    content.restore_state();
    for mark in marks {
        let grey = if mark.dark { 0.0 } else { 1.0 };
        content.set_fill_rgb(grey, grey, grey);
        content.rect(mark.x, mark.y, mark.w, mark.h);
        content.fill_nonzero();
    }
    let content = content.finish();

    let mut pdf = Pdf::new();
    pdf.catalog(CATALOG).pages(PAGES);
    pdf.pages(PAGES).kids([PAGE]).count(1);
    let mut page = pdf.page(PAGE);
    page.parent(PAGES)
        .media_box(Rect::new(0.0, 0.0, width, height))
        .contents(CONTENT);
    {
        let mut resources = page.resources();
        if bg_alpha || fg_alpha {
            let mut states = resources.ext_g_states();
            if bg_alpha {
                states.pair(Name(b"GsB"), BACKGROUND_ALPHA);
            }
            if fg_alpha {
                states.pair(Name(b"GsF"), FOREGROUND_ALPHA);
            }
        }
    }
    drop(page);
    if bg_alpha {
        pdf.ext_graphics(BACKGROUND_ALPHA)
            .non_stroking_alpha(f32::from(bg.a) / 255.0);
    }
    if fg_alpha {
        pdf.ext_graphics(FOREGROUND_ALPHA)
            .non_stroking_alpha(f32::from(fg.a) / 255.0);
    }
    pdf.stream(CONTENT, &content);
    pdf.document_info(INFO)
        .producer(pdf_writer::TextStr("qrsmith"));
    Ok(pdf.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{tiny, TINY_RUNS};
    use crate::render::{Color, Size};

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn one_page_sized_to_the_symbol() {
        let opts = RenderOptions {
            size: Size::Scale(4),
            border: 1,
            ..RenderOptions::default()
        };
        let pdf = to_pdf(&tiny(), &opts).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.ends_with(b"%%EOF"));
        let pdf = text(&pdf);
        // 7 modules * 4 px at 72 dpi = 28 pt.
        assert!(pdf.contains("/MediaBox [0 0 28 28]"), "{pdf}");
        assert!(pdf.contains("4 0 0 -4 0 28 cm"), "{pdf}");
        // Background rectangle plus one rectangle per run, two fills.
        assert_eq!(pdf.matches(" re").count(), 1 + TINY_RUNS);
        assert_eq!(pdf.matches("\nf").count(), 2);
        assert!(pdf.contains("1 1 1 rg"));
        assert!(pdf.contains("0 0 0 rg"));
        assert!(!pdf.contains("ExtGState"));
    }

    #[test]
    fn dpi_sets_the_physical_size() {
        let opts = RenderOptions {
            size: Size::Scale(10),
            border: 0,
            dpi: Some(144),
            ..RenderOptions::default()
        };
        // 5 modules * 10 px = 50 px at 144 dpi = 25 pt.
        let pdf = text(&to_pdf(&tiny(), &opts).unwrap());
        assert!(pdf.contains("/MediaBox [0 0 25 25]"), "{pdf}");
    }

    #[test]
    fn transparent_background_is_left_out_and_alpha_uses_extgstate() {
        let opts = RenderOptions {
            background: Color::TRANSPARENT,
            foreground: Color::rgba(255, 0, 0, 51),
            ..RenderOptions::default()
        };
        let pdf = text(&to_pdf(&tiny(), &opts).unwrap());
        assert_eq!(pdf.matches(" re").count(), TINY_RUNS);
        assert!(pdf.contains("/GsF gs"));
        assert!(pdf.contains("/ca 0.2"));
        assert!(pdf.contains("1 0 0 rg"));
        assert!(!pdf.contains("GsB"));
    }
}
