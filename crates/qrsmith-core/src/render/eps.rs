//! Encapsulated PostScript output, written by hand (the format is a few lines of text).

use std::fmt::Write;

use super::{Color, RenderOptions};
use crate::encode::QrCode;
use crate::error::Result;

/// Renders `code` as an EPSF-3.0 file using only Level 1 operators.
///
/// Sized like [`to_pdf`](super::to_pdf): a module is `scale` pixels, a pixel `72 / dpi`
/// points. PostScript has no alpha: a fully transparent background is left out, and other
/// colours with alpha are drawn as if composited over white.
pub fn to_eps(code: &QrCode, opts: &RenderOptions) -> Result<String> {
    let layout = opts.layout(code)?;
    let module = layout.points_per_module();
    let width = f64::from(layout.modules) * module;
    let height = f64::from(layout.rows) * module;
    let (n, rows) = (layout.modules, layout.rows);
    let border = layout.border as usize;

    let mut out = String::with_capacity(512 + code.width() * code.height() * 2);
    // Writing to a String cannot fail.
    let _ = write!(
        out,
        "%!PS-Adobe-3.0 EPSF-3.0\n\
         %%Creator: qrsmith\n\
         %%BoundingBox: 0 0 {box_w} {box_h}\n\
         %%HiResBoundingBox: 0 0 {width} {height}\n\
         %%LanguageLevel: 1\n\
         %%EndComments\n\
         gsave\n\
         % Our one procedure lives in its own dictionary so the host's stay untouched.\n\
         1 dict begin\n\
         % x y w r: append a w x 1 rectangle at module (x, y).\n\
         /r {{ 3 1 roll moveto dup 0 rlineto 0 1 rlineto neg 0 rlineto closepath }} bind def\n\
         % Module units, y down as in the matrix.\n\
         0 {height} translate {module} {neg_module} scale\n",
        box_w = width.ceil() as u64,
        box_h = height.ceil() as u64,
        width = num(width),
        height = num(height),
        module = num(module),
        neg_module = num(-module),
    );
    if !opts.background.is_transparent() {
        let _ = writeln!(
            out,
            "{} setrgbcolor newpath 0 0 moveto {n} 0 rlineto 0 {rows} rlineto {n} neg 0 rlineto \
             closepath fill",
            rgb(opts.background)
        );
    }
    let _ = writeln!(out, "{} setrgbcolor", rgb(opts.foreground));
    // One fill per row rather than one for the whole symbol: Level 1 interpreters (and many
    // printers) cap a path at ~1,500 points, and a row has at most ~90 runs (360 points).
    for y in 0..code.height() {
        let mut runs = super::dark_runs(code.row(y)).peekable();
        if runs.peek().is_none() {
            continue;
        }
        out.push_str("newpath");
        for (x, len) in runs {
            let _ = write!(out, " {} {} {len} r", x + border, y + border);
        }
        out.push_str(" fill\n");
    }
    out.push_str("end\ngrestore\n%%EOF\n");
    Ok(out)
}

/// `r g b` in 0..1 for `setrgbcolor`, composited over white when the colour has alpha.
fn rgb(color: Color) -> String {
    let alpha = f64::from(color.a) / 255.0;
    let [r, g, b] = [color.r, color.g, color.b]
        .map(|c| num((f64::from(c) * alpha + 255.0 * (1.0 - alpha)) / 255.0));
    format!("{r} {g} {b}")
}

/// A number with at most four decimals and no trailing zeros (PostScript reals).
fn num(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{tiny, TINY_RUNS};
    use crate::render::Size;

    #[test]
    fn header_bounding_box_and_runs() {
        let opts = RenderOptions {
            size: Size::Scale(4),
            border: 1,
            ..RenderOptions::default()
        };
        let eps = to_eps(&tiny(), &opts).unwrap();
        assert!(eps.starts_with("%!PS-Adobe-3.0 EPSF-3.0\n"));
        assert!(eps.ends_with("%%EOF\n"));
        assert!(eps.contains("\n%%BoundingBox: 0 0 28 28\n"));
        assert!(eps.contains("0 28 translate 4 -4 scale\n"));
        assert!(eps.contains("1 1 1 setrgbcolor newpath 0 0 moveto 7 0 rlineto"));
        assert!(eps.contains("\n0 0 0 setrgbcolor\n"));
        assert_eq!(eps.matches(" r ").count(), TINY_RUNS);
        // Rows 0 and 2 of the matrix (1 and 3 with the border).
        assert!(eps.contains("\nnewpath 1 1 2 r 4 1 2 r fill\n"));
        assert!(eps.contains("\nnewpath 1 3 1 r 3 3 1 r 5 3 1 r fill\n"));
        // Row 1 is all light: no empty path for it.
        assert!(!eps.contains("newpath fill"));
    }

    #[test]
    fn fractional_size_and_alpha() {
        let opts = RenderOptions {
            size: Size::Scale(1),
            border: 0,
            dpi: Some(300),
            background: Color::TRANSPARENT,
            foreground: Color::rgba(0, 0, 0, 0x80),
            ..RenderOptions::default()
        };
        let eps = to_eps(&tiny(), &opts).unwrap();
        // 5 px at 300 dpi = 1.2 pt.
        assert!(eps.contains("%%BoundingBox: 0 0 2 2\n"));
        assert!(eps.contains("%%HiResBoundingBox: 0 0 1.2 1.2\n"));
        assert!(eps.contains("0 1.2 translate 0.24 -0.24 scale\n"));
        assert!(!eps.contains("moveto 5 0 rlineto"));
        // Half-transparent black over white is mid grey.
        assert!(eps.contains("\n0.498 0.498 0.498 setrgbcolor\n"), "{eps}");
    }

    #[test]
    fn number_text() {
        assert_eq!(num(28.0), "28");
        assert_eq!(num(0.24), "0.24");
        assert_eq!(num(-0.00001), "0");
        assert_eq!(num(1.0 / 3.0), "0.3333");
    }
}
