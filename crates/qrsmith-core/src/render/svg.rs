//! SVG output: one path of merged horizontal runs, in module units.

use std::fmt::Write;

use super::{Color, RenderOptions};
use crate::encode::QrCode;
use crate::error::Result;

/// Renders `code` as a standalone SVG document.
///
/// The `viewBox` is in modules (quiet zone included) and `width`/`height` in pixels from the
/// scale (in millimetres with a physical size: [`RenderOptions::dpi`] or
/// [`RenderOptions::print_width_um`]), so the drawing scales without blur; `shape-rendering="crispEdges"` keeps viewers
/// from anti-aliasing module edges. Dark modules are one `<path>` with one rectangle per
/// horizontal run; the background is a `<rect>`, left out when fully transparent.
pub fn to_svg(code: &QrCode, opts: &RenderOptions) -> Result<String> {
    let layout = opts.layout(code)?;
    let (n, px) = (layout.modules, layout.svg_length(layout.pixels));
    let (rows, px_high) = (layout.rows, layout.svg_length(layout.pixels_high));
    let mut out = String::with_capacity(256 + code.width() * code.height() * 3);
    // Writing to a String cannot fail; `let _` keeps that visible instead of unwrapping.
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px_high}" viewBox="0 0 {n} {rows}" shape-rendering="crispEdges">"#
    );
    if !opts.background.is_transparent() {
        let _ = write!(
            out,
            r#"<rect width="{n}" height="{rows}"{}/>"#,
            fill(opts.background)
        );
    }
    let _ = write!(out, r#"<path{} d=""#, fill(opts.foreground));
    // Each run is `m dx dy h w v1 h-w z`; after `z` the pen is back at the run's start, so
    // relative moves from one run start to the next keep the numbers short.
    let border = layout.border as i64;
    let (mut pen_x, mut pen_y) = (0i64, 0i64);
    for y in 0..code.height() {
        for (x, len) in super::dark_runs(code.row(y)) {
            let (rx, ry) = (x as i64 + border, y as i64 + border);
            let _ = write!(out, "m{} {}h{len}v1h-{len}z", rx - pen_x, ry - pen_y);
            (pen_x, pen_y) = (rx, ry);
        }
    }
    out.push_str("\"/></svg>\n");
    Ok(out)
}

/// ` fill="#rrggbb"` plus ` fill-opacity` when the colour is not opaque.
pub(crate) fn fill(color: Color) -> String {
    let mut attr = format!(r#" fill="{}""#, color.hex_rgb());
    if !color.is_opaque() {
        let _ = write!(attr, r#" fill-opacity="{}""#, opacity(color.a));
    }
    attr
}

/// Alpha as a decimal fraction with at most three places and no trailing zeros.
fn opacity(alpha: u8) -> String {
    let text = format!("{:.3}", f64::from(alpha) / 255.0);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::tests::{pseudo_random, tiny, TINY_RUNS};
    use crate::render::Size;

    /// Parses the path's `d` back into absolute rectangles `(x, y, w)` of height 1.
    fn rects(svg: &str) -> Vec<(i64, i64, i64)> {
        let d = svg
            .split(" d=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let (mut x, mut y) = (0, 0);
        d.split('z')
            .filter(|s| !s.is_empty())
            .map(|run| {
                let (mv, rest) = run.strip_prefix('m').unwrap().split_once('h').unwrap();
                let (dx, dy) = mv.split_once(' ').unwrap();
                let (w, rest) = rest.split_once("v1h-").unwrap();
                assert_eq!(w, rest);
                x += dx.parse::<i64>().unwrap();
                y += dy.parse::<i64>().unwrap();
                (x, y, w.parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn one_path_with_merged_runs() {
        let opts = RenderOptions {
            size: Size::Scale(3),
            border: 1,
            ..RenderOptions::default()
        };
        let svg = to_svg(&tiny(), &opts).unwrap();
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert!(svg.contains(r#"width="21" height="21" viewBox="0 0 7 7""#));
        assert!(svg.contains(r#"shape-rendering="crispEdges""#));
        assert!(svg.contains(r##"<rect width="7" height="7" fill="#ffffff"/>"##));
        assert_eq!(svg.matches("<path").count(), 1);
        assert_eq!(svg.matches('z').count(), TINY_RUNS);
        assert_eq!(
            rects(&svg),
            [
                (1, 1, 2),
                (4, 1, 2),
                (1, 3, 1),
                (3, 3, 1),
                (5, 3, 1),
                (2, 4, 3),
                (1, 5, 5)
            ]
        );
    }

    #[test]
    fn path_covers_exactly_the_dark_modules() {
        let code = pseudo_random(21);
        let svg = to_svg(&code, &RenderOptions::default()).unwrap();
        let mut drawn = vec![0u8; 21 * 21];
        for (x, y, w) in rects(&svg) {
            for dx in 0..w {
                let i = (y - 4) as usize * 21 + (x - 4 + dx) as usize;
                assert_eq!(drawn[i], 0, "overlap");
                drawn[i] = 1;
            }
        }
        let want: Vec<u8> = (0..21).flat_map(|y| code.row(y).to_vec()).collect();
        assert_eq!(drawn, want);
    }

    #[test]
    fn transparent_background_and_alpha_foreground() {
        let opts = RenderOptions {
            background: Color::TRANSPARENT,
            foreground: Color::rgba(0x11, 0x22, 0x33, 0x80),
            ..RenderOptions::default()
        };
        let svg = to_svg(&tiny(), &opts).unwrap();
        assert!(!svg.contains("<rect"));
        assert!(svg.contains(r##"<path fill="#112233" fill-opacity="0.502" d="##));
    }

    #[test]
    fn opacity_text() {
        assert_eq!(opacity(0), "0");
        assert_eq!(opacity(51), "0.2");
        assert_eq!(opacity(128), "0.502");
    }
}
