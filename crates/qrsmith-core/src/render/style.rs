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

use std::fmt::{self, Write as _};
use std::str::FromStr;

use base64::Engine as _;
use image::RgbaImage;

use super::logo::Logo;
use super::{invalid, Color, Format, Layout, RenderOptions};
use crate::encode::{QrCode, Version};
use crate::error::{Error, ErrorKind, Result};

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
        ModuleShape::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                invalid(format!(
                    "module shape {s:?}: use square, dot, rounded or gapped"
                ))
            })
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
        EyeShape::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| invalid(format!("eye shape {s:?}: use square, rounded or circle")))
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
/// at most [`MAX_STYLED_PIXELS`] per side) and SVG only ([`ErrorKind::InvalidOption`]
/// otherwise). A logo needs a QR (not Micro QR) symbol.
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

/// The layers of a drawing; each has one colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Modules = 0,
    EyeOuter = 1,
    EyeInner = 2,
}

/// A rectangle in module units with per-corner radii (top-left, top-right, bottom-right,
/// bottom-left), quiet zone included in the coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
struct RoundRect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
    r: [f32; 4],
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
    fn distance(&self, px: f32, py: f32) -> f32 {
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
struct Shape {
    layer: Layer,
    outer: RoundRect,
    hole: Option<RoundRect>,
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
fn shapes(code: &QrCode, style: &Style, border: u32) -> Result<Vec<Shape>> {
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

/// Renders `code` with `style` as an anti-aliased RGBA raster (the PNG's pixels; also what
/// verification reads).
pub fn to_rgba_styled(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<RgbaImage> {
    let layout = styled_layout(code, opts, style)?;
    if layout.pixels > MAX_STYLED_PIXELS {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "a styled image of {} x {} px exceeds the limit of {MAX_STYLED_PIXELS} px per \
                 side",
                layout.pixels, layout.pixels_high
            ),
        ));
    }
    let shapes = shapes(code, style, layout.border)?;
    let (wide, high) = (layout.pixels as usize, layout.pixels_high as usize);
    let scale = layout.scale as f32;
    // Coverage per layer, 0–255; the maximum over shapes, so shared edges leave no seam.
    let mut coverage = vec![vec![0u8; wide * high]; 3];
    for shape in &shapes {
        let buf = &mut coverage[shape.layer as usize];
        let o = shape.outer;
        let x0 = ((o.x * scale).floor().max(0.0)) as usize;
        let y0 = ((o.y * scale).floor().max(0.0)) as usize;
        let x1 = (((o.x + o.w) * scale).ceil() as usize).min(wide);
        let y1 = (((o.y + o.h) * scale).ceil() as usize).min(high);
        for py in y0..y1 {
            let my = (py as f32 + 0.5) / scale;
            for px in x0..x1 {
                let mx = (px as f32 + 0.5) / scale;
                let mut cov = (0.5 - o.distance(mx, my) * scale).clamp(0.0, 1.0);
                if let Some(hole) = shape.hole {
                    cov = cov.min((0.5 + hole.distance(mx, my) * scale).clamp(0.0, 1.0));
                }
                let v = (cov * 255.0).round() as u8;
                let cell = &mut buf[py * wide + px];
                *cell = (*cell).max(v);
            }
        }
    }
    let colors = layer_colors(opts, style);
    let bg = opts.background;
    let mut img = RgbaImage::from_pixel(
        layout.pixels,
        layout.pixels_high,
        image::Rgba([bg.r, bg.g, bg.b, bg.a]),
    );
    for (i, px) in img.pixels_mut().enumerate() {
        for (layer, color) in colors.iter().enumerate() {
            let cov = coverage[layer][i];
            if cov != 0 {
                over(
                    px,
                    [color.r, color.g, color.b],
                    f32::from(color.a) / 255.0 * f32::from(cov) / 255.0,
                );
            }
        }
    }
    if let Some(logo) = &style.logo {
        // `shapes` succeeded, so the logo has an area.
        if let Some(area) = logo_area(code, logo) {
            let side_px = area.side as u32 * layout.scale;
            let offset =
                (layout.border + (area.start + logo.margin() as usize) as u32) * layout.scale;
            let raster = logo.raster(side_px)?;
            // Centred in its square box, aspect ratio kept.
            let dx = offset + (side_px - raster.width()) / 2;
            let dy = offset + (side_px - raster.height()) / 2;
            for (x, y, p) in raster.enumerate_pixels() {
                let a = f32::from(p[3]) / 255.0;
                if a > 0.0 {
                    over(img.get_pixel_mut(dx + x, dy + y), [p[0], p[1], p[2]], a);
                }
            }
        }
    }
    Ok(img)
}

/// Composites `rgb` with coverage `alpha` over `dst` (straight alpha).
pub(crate) fn over(dst: &mut image::Rgba<u8>, rgb: [u8; 3], alpha: f32) {
    let da = f32::from(dst[3]) / 255.0;
    let out_a = alpha + da * (1.0 - alpha);
    if out_a <= 0.0 {
        return;
    }
    for c in 0..3 {
        let v = (f32::from(rgb[c]) * alpha + f32::from(dst[c]) * da * (1.0 - alpha)) / out_a;
        dst[c] = v.round().clamp(0.0, 255.0) as u8;
    }
    dst[3] = (out_a * 255.0).round() as u8;
}

/// Renders `code` with `style` as an RGBA PNG (RGB when every pixel is opaque).
pub fn to_png_styled(code: &QrCode, opts: &RenderOptions, style: &Style) -> Result<Vec<u8>> {
    let img = to_rgba_styled(code, opts, style)?;
    let layout = styled_layout(code, opts, style)?;
    write_rgba_png(&img, &layout)
}

/// `img` as a PNG, RGB when every pixel is opaque, with the print resolution `layout` sets.
pub(crate) fn write_rgba_png(img: &RgbaImage, layout: &Layout) -> Result<Vec<u8>> {
    let opaque = img.pixels().all(|p| p[3] == 255);
    let mut out = Vec::new();
    let write = |out: &mut Vec<u8>| -> std::result::Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(&mut *out, img.width(), img.height());
        encoder.set_color(if opaque {
            png::ColorType::Rgb
        } else {
            png::ColorType::Rgba
        });
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        if let Some(per_metre) = layout.pixels_per_metre() {
            encoder.set_pixel_dims(Some(png::PixelDimensions {
                xppu: per_metre,
                yppu: per_metre,
                unit: png::Unit::Meter,
            }));
        }
        let mut writer = encoder.write_header()?;
        if opaque {
            let rgb: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2]]).collect();
            writer.write_image_data(&rgb)?;
        } else {
            writer.write_image_data(img.as_raw())?;
        }
        writer.finish()
    };
    write(&mut out).map_err(|e| Error::new(ErrorKind::Engine, format!("PNG encoding: {e}")))?;
    Ok(out)
}

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
            super::svg::fill(opts.background)
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
            super::svg::fill(colors[first])
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
    use crate::encode::{encode_text, EncodeOptions};
    use crate::render::Size;

    fn code() -> QrCode {
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

    #[test]
    fn eye_colour_equal_to_background_is_refused() {
        let style = Style {
            eye_inner_color: Some(Color::WHITE),
            ..Style::default()
        };
        let err = to_png_styled(&code(), &RenderOptions::default(), &style).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }

    #[test]
    fn raster_colours_and_transparency() {
        let code = code();
        let opts = RenderOptions {
            size: Size::Scale(4),
            background: Color::TRANSPARENT,
            ..RenderOptions::default()
        };
        let style = Style {
            module_shape: ModuleShape::Gapped,
            eye_inner_color: Some(Color::rgb(255, 0, 0)),
            ..Style::default()
        };
        let img = to_rgba_styled(&code, &opts, &style).unwrap();
        assert_eq!(img.width(), (code.width() as u32 + 8) * 4);
        // The quiet zone is transparent; the centre of the top-left eye is red, its ring black.
        assert_eq!(img.get_pixel(0, 0)[3], 0);
        let at = |m: f32| (m * 4.0) as u32;
        assert_eq!(img.get_pixel(at(7.5), at(7.5)).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(at(4.5), at(7.5)).0, [0, 0, 0, 255]);
        let png = to_png_styled(&code, &opts, &style).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }

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
