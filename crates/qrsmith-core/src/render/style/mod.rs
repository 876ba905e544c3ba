//! Styled output: module shapes, finder-eye shapes and colours, and a centred logo, for PNG and
//! SVG.
//!
//! A [`Style`] turns the module matrix into a list of shapes in module units — rounded
//! rectangles, optionally with a rounded hole (a finder eye's ring) — in three layers: the
//! modules, the eyes' outer rings and the eyes' inner squares. PNG output rasterises them with
//! anti-aliasing (a signed distance per pixel, so adjacent modules meet without seams); SVG
//! output writes one `<path>` per colour (all layers of the same colour merge), square modules
//! as merged horizontal runs. Modules under the logo and its clear margin are left light; the
//! finder, separator and format areas are never covered (a logo too big for the symbol is drawn
//! smaller: see [`logo_area`]).
//!
//! The default style (square modules and eyes, no eye colours, no logo) renders exactly as the
//! plain [`render`](super::render): [`render_styled`] dispatches to it.
//!
//! The public types and the checks shared by both back ends are here; `geometry` makes the
//! shapes and places the logo, `raster` draws them as PNG and `svg` as SVG.

use std::fmt;
use std::str::FromStr;

use super::logo::Logo;
use super::{invalid, Color, Format, Layout, RenderOptions};
use crate::encode::{QrCode, Version};
use crate::error::{parse_named, Error, Result};

mod geometry;
mod raster;
mod svg;

pub(crate) use self::geometry::{logo_area, logo_fits};
pub(crate) use self::raster::{over, write_rgba_png};
pub use self::raster::{to_png_styled, to_rgba_styled};
pub use self::svg::to_svg_styled;

/// The largest side, in pixels, of a styled PNG: it is drawn as a full RGBA image (64 MB at
/// this size), unlike the plain 1-bit PNG which is written row by row.
pub const MAX_STYLED_PIXELS: u32 = 4096;

/// How each dark module is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ModuleShape {
    /// A full square (the standard look; neighbours merge).
    #[default]
    Square,
    /// A circle of 90 % of the module's width.
    Dot,
    /// A square whose corners are rounded where no neighbour continues the shape, so runs of
    /// modules become smooth blobs.
    Rounded,
    /// A square of 80 % of the module's width, leaving a gap between neighbours.
    Gapped,
}

impl ModuleShape {
    /// Every shape, in a stable order.
    pub const ALL: [ModuleShape; 4] = [
        ModuleShape::Square,
        ModuleShape::Dot,
        ModuleShape::Rounded,
        ModuleShape::Gapped,
    ];

    /// The lower-case name, as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            ModuleShape::Square => "square",
            ModuleShape::Dot => "dot",
            ModuleShape::Rounded => "rounded",
            ModuleShape::Gapped => "gapped",
        }
    }
}

impl fmt::Display for ModuleShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ModuleShape {
    type Err = Error;

    fn from_str(s: &str) -> Result<ModuleShape> {
        parse_named("module shape", s, &ModuleShape::ALL, ModuleShape::name)
    }
}

/// How a finder eye's outer ring (7×7) or inner square (3×3) is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum EyeShape {
    /// Square corners (the standard look).
    #[default]
    Square,
    /// Rounded corners.
    Rounded,
    /// A circle (a ring for the outer part); the 1:1:3:1:1 ratio readers look for holds along
    /// every line through the centre.
    Circle,
}

impl EyeShape {
    /// Every shape, in a stable order.
    pub const ALL: [EyeShape; 3] = [EyeShape::Square, EyeShape::Rounded, EyeShape::Circle];

    /// The lower-case name, as accepted by [`FromStr`].
    pub fn name(self) -> &'static str {
        match self {
            EyeShape::Square => "square",
            EyeShape::Rounded => "rounded",
            EyeShape::Circle => "circle",
        }
    }

    /// The corner radius for a square of side `side` modules.
    fn radius(self, side: f32) -> f32 {
        match self {
            EyeShape::Square => 0.0,
            EyeShape::Rounded => side * 0.3,
            EyeShape::Circle => side / 2.0,
        }
    }
}

impl fmt::Display for EyeShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for EyeShape {
    type Err = Error;

    fn from_str(s: &str) -> Result<EyeShape> {
        parse_named("eye shape", s, &EyeShape::ALL, EyeShape::name)
    }
}

/// The look of a styled code, on top of [`RenderOptions`] (whose foreground and background
/// colours, transparent included, still apply).
///
/// `Style::default()` is the plain look.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Style {
    /// The shape of every dark module outside the finder eyes.
    pub module_shape: ModuleShape,
    /// The shape of the finder eyes' outer 7×7 rings.
    pub eye_outer: EyeShape,
    /// The shape of the finder eyes' inner 3×3 squares.
    pub eye_inner: EyeShape,
    /// The colour of the outer rings (default: the foreground).
    pub eye_outer_color: Option<Color>,
    /// The colour of the inner squares (default: the foreground).
    pub eye_inner_color: Option<Color>,
    /// A logo drawn in the centre.
    pub logo: Option<Logo>,
}

impl Style {
    /// Whether this is the plain look (nothing to draw beyond [`render`](super::render)).
    pub fn is_plain(&self) -> bool {
        *self == Style::default()
    }
}

/// Renders `code` in `format` with `style`. The default style gives exactly
/// [`render`](super::render)'s output; any other style is available in PNG (RGBA, anti-aliased,
/// at most [`MAX_STYLED_PIXELS`] per side) and SVG only
/// ([`ErrorKind::InvalidOption`](crate::ErrorKind::InvalidOption) otherwise). A logo needs a QR (not Micro QR) symbol.
pub fn render_styled(
    code: &QrCode,
    format: Format,
    opts: &RenderOptions,
    style: &Style,
) -> Result<Vec<u8>> {
    if style.is_plain() {
        return super::render(code, format, opts);
    }
    match format {
        Format::Png => to_png_styled(code, opts, style),
        Format::Svg => to_svg_styled(code, opts, style).map(String::into_bytes),
        other => Err(invalid(format!(
            "styles and logos are available in PNG and SVG only, not {other}"
        ))),
    }
}

/// The colour of each layer.
fn layer_colors(opts: &RenderOptions, style: &Style) -> [Color; 3] {
    [
        opts.foreground,
        style.eye_outer_color.unwrap_or(opts.foreground),
        style.eye_inner_color.unwrap_or(opts.foreground),
    ]
}

/// Checks the options of a styled rendering and resolves its geometry.
fn styled_layout(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<Layout> {
    // Measured: zxing-cpp finds no rMQR symbol whose finder is rounded or round (every size,
    // both levels), while round and rounded modules read; so the eyes stay square there.
    if let Version::Rmqr { height, width } = code.version() {
        if style.eye_outer != EyeShape::Square || style.eye_inner != EyeShape::Square {
            return Err(invalid(format!(
                "R{height}x{width}: an rMQR symbol's finder is drawn square (readers do not find \
                 a rounded one); module shapes and eye colours apply"
            )));
        }
    }
    let layout = opts.layout(code)?;
    for (name, color) in [
        ("eye_outer_color", style.eye_outer_color),
        ("eye_inner_color", style.eye_inner_color),
    ] {
        if color == Some(opts.background) {
            return Err(invalid(format!(
                "{name} is the background colour ({}): the eyes would be invisible",
                opts.background
            )));
        }
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encode::{encode_text, EncodeOptions};
    use crate::error::ErrorKind;

    pub(super) fn code() -> QrCode {
        encode_text("https://example.com", &EncodeOptions::default()).unwrap()
    }

    #[test]
    fn names_parse_and_display() {
        for m in ModuleShape::ALL {
            assert_eq!(m.name().parse::<ModuleShape>(), Ok(m));
            assert_eq!(m.to_string().to_uppercase().parse::<ModuleShape>(), Ok(m));
        }
        for e in EyeShape::ALL {
            assert_eq!(e.name().parse::<EyeShape>(), Ok(e));
        }
        let err = "star".parse::<ModuleShape>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
        assert!(err.message().contains("dot"), "{}", err.message());
        assert!("oval".parse::<EyeShape>().is_err());
    }

    #[test]
    fn the_plain_style_renders_as_render() {
        let code = code();
        let opts = RenderOptions::default();
        for format in [Format::Png, Format::Svg, Format::Pdf] {
            assert_eq!(
                render_styled(&code, format, &opts, &Style::default()).unwrap(),
                super::super::render(&code, format, &opts).unwrap()
            );
        }
        let dots = Style {
            module_shape: ModuleShape::Dot,
            ..Style::default()
        };
        let err = render_styled(&code, Format::Pdf, &opts, &dots).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }

    #[test]
    fn eye_colour_equal_to_background_is_refused() {
        let style = Style {
            eye_inner_color: Some(Color::WHITE),
            ..Style::default()
        };
        let err = to_png_styled(&code(), &RenderOptions::default(), &style).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }
}
