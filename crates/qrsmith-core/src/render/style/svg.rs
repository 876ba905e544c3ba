//! The SVG back end: one even-odd `<path>` per colour, and the logo as an `<image>` with a
//! data URI.

use std::fmt::Write as _;

use base64::Engine as _;

use super::geometry::{logo_area, shapes, RoundRect};
use super::{layer_colors, styled_layout, EyeShape, ModuleShape, Style};
use crate::encode::QrCode;
use crate::error::Result;
use crate::render::RenderOptions;

/// Renders `code` with `style` as a standalone SVG document: one `<path>` per colour (all
/// shapes of that colour merged, even-odd filled so the eyes' rings keep their holes), and the
/// logo as an `<image>` with a base64 data URI.
pub fn to_svg_styled(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<String> {
    let layout = styled_layout(code, opts, style)?;
    let shapes = shapes(code, style, layout.border)?;
    let (n, rows) = (layout.modules, layout.rows);
    let (px, px_high) = (
        layout.svg_length(layout.pixels),
        layout.svg_length(layout.pixels_high),
    );
    let mut out = String::with_capacity(512 + shapes.len() * 24);
    let crisp = style.module_shape == ModuleShape::Square
        && style.eye_outer == EyeShape::Square
        && style.eye_inner == EyeShape::Square;
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{px}" height="{px_high}" viewBox="0 0 {n} {rows}"{}>"#,
        if crisp {
            r#" shape-rendering="crispEdges""#
        } else {
            ""
        }
    );
    if !opts.background.is_transparent() {
        let _ = write!(
            out,
            r#"<rect width="{n}" height="{rows}"{}/>"#,
            crate::render::svg::fill(opts.background)
        );
    }
    let colors = layer_colors(opts, style);
    // Layers of equal colour share one path.
    let mut done = [false; 3];
    for first in 0..3 {
        if done[first] {
            continue;
        }
        let members: Vec<usize> = (first..3).filter(|&l| colors[l] == colors[first]).collect();
        let mut d = String::new();
        for shape in shapes
            .iter()
            .filter(|s| members.contains(&(s.layer as usize)))
        {
            path_of(&mut d, &shape.outer, false);
            if let Some(hole) = &shape.hole {
                path_of(&mut d, hole, true);
            }
        }
        for &l in &members {
            done[l] = true;
        }
        if d.is_empty() {
            continue;
        }
        let _ = write!(
            out,
            r#"<path{} fill-rule="evenodd" d="{d}"/>"#,
            crate::render::svg::fill(colors[first])
        );
    }
    if let Some(logo) = &style.logo {
        if let Some(area) = logo_area(code, logo) {
            let at = layout.border as usize + area.start + logo.margin() as usize;
            let b64 = base64::engine::general_purpose::STANDARD.encode(logo.bytes());
            let _ = write!(
                out,
                r#"<image x="{at}" y="{at}" width="{s}" height="{s}" preserveAspectRatio="xMidYMid meet" href="data:{};base64,{b64}"/>"#,
                logo.kind().mime_type(),
                s = area.side
            );
        }
    }
    out.push_str("</svg>\n");
    Ok(out)
}

/// A number with at most three decimals, no trailing zeros and no leading zero (`.5`).
fn num(v: f32) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "" | "-0" | "-" => "0".to_owned(),
        t if t.starts_with("0.") => t[1..].to_owned(),
        t if t.starts_with("-0.") => format!("-{}", &t[2..]),
        t => t.to_owned(),
    }
}

/// Appends the outline of `r` to a path: an absolute move, then relative segments (clockwise;
/// holes counter-clockwise, though even-odd filling does not depend on it). A full circle is
/// two arcs.
fn path_of(d: &mut String, r: &RoundRect, hole: bool) {
    let RoundRect { x, y, w, h, r } = *r;
    let [tl, tr, br, bl] = r;
    if w == h && r.iter().all(|&c| c == w / 2.0) {
        let rad = num(w / 2.0);
        let sweep = u8::from(!hole);
        let _ = write!(
            d,
            "M{} {}a{rad} {rad} 0 1 {sweep} {} 0a{rad} {rad} 0 1 {sweep} {} 0z",
            num(x),
            num(y + h / 2.0),
            num(w),
            num(-w)
        );
        return;
    }
    // Straight segments of zero length are left out.
    let line = |d: &mut String, cmd: char, len: f32| {
        if len != 0.0 {
            let _ = write!(d, "{cmd}{}", num(len));
        }
    };
    let arc = |d: &mut String, rad: f32, dx: f32, dy: f32, sweep: u8| {
        if rad > 0.0 {
            let _ = write!(
                d,
                "a{0} {0} 0 0 {sweep} {1} {2}",
                num(rad),
                num(dx),
                num(dy)
            );
        }
    };
    let _ = write!(d, "M{} {}", num(x + tl), num(y));
    if !hole {
        line(d, 'h', w - tl - tr);
        arc(d, tr, tr, tr, 1);
        line(d, 'v', h - tr - br);
        arc(d, br, -br, br, 1);
        line(d, 'h', -(w - br - bl));
        arc(d, bl, -bl, -bl, 1);
        line(d, 'v', -(h - bl - tl));
        arc(d, tl, tl, -tl, 1);
    } else {
        arc(d, tl, -tl, tl, 0);
        line(d, 'v', h - tl - bl);
        arc(d, bl, bl, bl, 0);
        line(d, 'h', w - bl - br);
        arc(d, br, br, -br, 0);
        line(d, 'v', -(h - br - tr));
        arc(d, tr, -tr, -tr, 0);
        line(d, 'h', -(w - tr - tl));
    }
    d.push('z');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::style::tests::code;
    use crate::render::Color;

    #[test]
    fn svg_has_one_path_per_colour() {
        let code = code();
        let opts = RenderOptions::default();
        for module_shape in ModuleShape::ALL {
            let style = Style {
                module_shape,
                eye_outer: EyeShape::Circle,
                eye_inner: EyeShape::Rounded,
                ..Style::default()
            };
            let svg = to_svg_styled(&code, &opts, &style).unwrap();
            assert_eq!(svg.matches("<path").count(), 1, "{module_shape}");
            // Far fewer bytes than one element per module would take.
            assert!(
                svg.len() < code.width() * code.width() * 30,
                "{}",
                svg.len()
            );
        }
        let style = Style {
            eye_outer_color: Some(Color::rgb(200, 0, 0)),
            eye_inner_color: Some(Color::rgb(0, 0, 200)),
            ..Style::default()
        };
        let svg = to_svg_styled(&code, &opts, &style).unwrap();
        assert_eq!(svg.matches("<path").count(), 3);
        assert!(svg.contains(r##"fill="#c80000""##));
        let transparent = RenderOptions {
            background: Color::TRANSPARENT,
            ..RenderOptions::default()
        };
        let svg = to_svg_styled(&code, &transparent, &style).unwrap();
        assert!(!svg.contains("<rect"));
    }
}
