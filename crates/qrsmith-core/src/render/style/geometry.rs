//! The geometry of a styled code: the shapes to draw, in module units (rounded rectangles,
//! an eye's ring with a hole), in three layers, and the square a logo keeps clear.

use super::{ModuleShape, Style};
use crate::encode::{QrCode, Version};
use crate::error::Result;
use crate::render::invalid;
use crate::render::logo::Logo;

/// The layers of a drawing; each has one colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layer {
    Modules = 0,
    EyeOuter = 1,
    EyeInner = 2,
}

/// A rectangle in module units with per-corner radii (top-left, top-right, bottom-right,
/// bottom-left), quiet zone included in the coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct RoundRect {
    pub(super) x: f32,
    pub(super) y: f32,
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) r: [f32; 4],
}

impl RoundRect {
    fn new(x: f32, y: f32, w: f32, h: f32, r: f32) -> Self {
        RoundRect {
            x,
            y,
            w,
            h,
            r: [r; 4],
        }
    }

    /// Signed distance (in modules) from `(px, py)` to the outline: negative inside.
    pub(super) fn distance(&self, px: f32, py: f32) -> f32 {
        let (hw, hh) = (self.w / 2.0, self.h / 2.0);
        let (dx, dy) = (px - (self.x + hw), py - (self.y + hh));
        let r = match (dx > 0.0, dy > 0.0) {
            (false, false) => self.r[0],
            (true, false) => self.r[1],
            (true, true) => self.r[2],
            (false, true) => self.r[3],
        };
        let qx = dx.abs() - hw + r;
        let qy = dy.abs() - hh + r;
        let outside = (qx.max(0.0).powi(2) + qy.max(0.0).powi(2)).sqrt();
        qx.max(qy).min(0.0) + outside - r
    }
}

/// One filled shape: a rounded rectangle, optionally minus a hole.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Shape {
    pub(super) layer: Layer,
    pub(super) outer: RoundRect,
    pub(super) hole: Option<RoundRect>,
}

/// The square of modules kept light for a logo, and the logo's box inside it, in symbol
/// modules (no quiet zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogoArea {
    /// First cleared row and column.
    pub start: usize,
    /// Side of the cleared square, in modules.
    pub cleared: usize,
    /// Side of the logo's box (the cleared square less the margin on each side).
    pub side: usize,
}

/// Where the logo goes in a symbol of `width` modules: its box is the requested fraction of the
/// width rounded up to the symbol's parity (so it centres on the module grid), plus the clear
/// margin on each side. The cleared square must stay out of the finder, separator and format
/// areas (the 9 modules at each corner), so on a small symbol the logo is drawn smaller than
/// asked; `None` when not even one module is left for it, or for Micro QR and rMQR (their one
/// finder and small size leave no room). Use [`logo_fits`] to pick a version that holds the asked size.
pub(crate) fn logo_area(code: &QrCode, logo: &Logo) -> Option<LogoArea> {
    if matches!(code.version(), Version::Micro(_) | Version::Rmqr { .. }) {
        return None;
    }
    let width = code.width();
    let margin = logo.margin() as usize;
    let largest_cleared = width.checked_sub(18)?;
    let wanted = (logo.size() * width as f32).ceil() as usize;
    // Same parity as the (odd) width, so that the square is centred on whole modules.
    let mut side = wanted + usize::from(wanted % 2 != width % 2);
    while side > 0 && side + 2 * margin > largest_cleared {
        side = side.saturating_sub(2);
    }
    if side == 0 {
        return None;
    }
    let cleared = side + 2 * margin;
    Some(LogoArea {
        start: (width - cleared) / 2,
        cleared,
        side,
    })
}

/// Whether the logo fits `code` at its full asked size (see [`logo_area`]).
pub(crate) fn logo_fits(code: &QrCode, logo: &Logo) -> bool {
    let width = code.width();
    let wanted = (logo.size() * width as f32).ceil() as usize;
    logo_area(code, logo).is_some_and(|a| a.side >= wanted)
}

/// The top-left corners of the finder eyes, in symbol modules.
fn eyes(code: &QrCode) -> Vec<(usize, usize)> {
    let w = code.width();
    match code.version() {
        // rMQR's finder sub-pattern is 5 × 5: drawn as modules, not as an eye.
        Version::Micro(_) | Version::Rmqr { .. } => vec![(0, 0)],
        Version::Normal(_) => vec![(0, 0), (w - 7, 0), (0, w - 7)],
    }
}

/// Every shape to draw, in module units with the quiet zone offset.
pub(super) fn shapes(code: &QrCode, style: &Style, border: u32) -> Result<Vec<Shape>> {
    // rMQR symbols are wider than high.
    let (width, height) = (code.width(), code.height());
    let b = border as f32;
    let eyes = eyes(code);
    let in_eye = |x: usize, y: usize| {
        eyes.iter()
            .any(|&(ex, ey)| (ex..ex + 7).contains(&x) && (ey..ey + 7).contains(&y))
    };
    let area = match &style.logo {
        None => None,
        Some(logo) => Some(logo_area(code, logo).ok_or_else(|| {
            invalid(format!(
                "the logo does not fit a symbol of {width} modules: a logo needs a QR symbol of \
                 at least 21 modules plus room for its margin; use a smaller margin or a larger \
                 version"
            ))
        })?),
    };
    let cleared = |x: usize, y: usize| {
        area.is_some_and(|a| {
            (a.start..a.start + a.cleared).contains(&x)
                && (a.start..a.start + a.cleared).contains(&y)
        })
    };
    let dark = |x: isize, y: isize| {
        x >= 0
            && y >= 0
            && (x as usize) < width
            && (y as usize) < height
            && code.is_dark(x as usize, y as usize)
            && !in_eye(x as usize, y as usize)
            && !cleared(x as usize, y as usize)
    };
    let mut out = Vec::new();
    for &(ex, ey) in &eyes {
        let (x, y) = (ex as f32 + b, ey as f32 + b);
        let outer = style.eye_outer;
        out.push(Shape {
            layer: Layer::EyeOuter,
            outer: RoundRect::new(x, y, 7.0, 7.0, outer.radius(7.0)),
            hole: Some(RoundRect::new(
                x + 1.0,
                y + 1.0,
                5.0,
                5.0,
                outer.radius(5.0),
            )),
        });
        out.push(Shape {
            layer: Layer::EyeInner,
            outer: RoundRect::new(x + 2.0, y + 2.0, 3.0, 3.0, style.eye_inner.radius(3.0)),
            hole: None,
        });
    }
    for y in 0..height {
        let yi = y as isize;
        if style.module_shape == ModuleShape::Square {
            let mut x = 0;
            while x < width {
                if !dark(x as isize, yi) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < width && dark(x as isize, yi) {
                    x += 1;
                }
                out.push(Shape {
                    layer: Layer::Modules,
                    outer: RoundRect::new(
                        start as f32 + b,
                        y as f32 + b,
                        (x - start) as f32,
                        1.0,
                        0.0,
                    ),
                    hole: None,
                });
            }
            continue;
        }
        for x in 0..width {
            let xi = x as isize;
            if !dark(xi, yi) {
                continue;
            }
            let (fx, fy) = (x as f32 + b, y as f32 + b);
            let outer = match style.module_shape {
                ModuleShape::Dot => RoundRect::new(fx + 0.05, fy + 0.05, 0.9, 0.9, 0.45),
                ModuleShape::Gapped => RoundRect::new(fx + 0.1, fy + 0.1, 0.8, 0.8, 0.0),
                _ => {
                    // A corner is rounded when neither neighbour on its two sides is dark.
                    let (up, down) = (dark(xi, yi - 1), dark(xi, yi + 1));
                    let (left, right) = (dark(xi - 1, yi), dark(xi + 1, yi));
                    let r = |a: bool, c: bool| if a || c { 0.0 } else { 0.5 };
                    RoundRect {
                        x: fx,
                        y: fy,
                        w: 1.0,
                        h: 1.0,
                        r: [r(up, left), r(up, right), r(down, right), r(down, left)],
                    }
                }
            };
            out.push(Shape {
                layer: Layer::Modules,
                outer,
                hole: None,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_text, EncodeOptions};
    use crate::error::ErrorKind;
    use crate::render::style::{tests::code, to_png_styled};
    use crate::render::RenderOptions;

    #[test]
    fn logo_area_is_centred_and_keeps_clear_of_the_finders() {
        let logo = Logo::new(br#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>"#)
            .unwrap()
            .with_size(0.4)
            .unwrap();
        let code = code(); // 29 modules
        let area = logo_area(&code, &logo).unwrap();
        assert_eq!(area.start * 2 + area.cleared, 29);
        assert!(area.start >= 9);
        assert!(!logo_fits(&code, &logo));
        let big = encode_text(
            "https://example.com",
            &EncodeOptions {
                version: Some(Version::Normal(6)),
                ..EncodeOptions::default()
            },
        )
        .unwrap(); // 41 modules: 0.4 * 41 = 16.4 -> 17, + 2 margin = 19 <= 41 - 18
        assert!(logo_fits(&big, &logo));
        assert_eq!(logo_area(&big, &logo).unwrap().side, 17);
        let micro = encode_text(
            "1",
            &EncodeOptions {
                micro: true,
                ec_level: crate::encode::EcLevel::L,
                ..EncodeOptions::default()
            },
        )
        .unwrap();
        let style = Style {
            logo: Some(logo),
            ..Style::default()
        };
        let err = to_png_styled(&micro, &RenderOptions::default(), &style).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }
}
