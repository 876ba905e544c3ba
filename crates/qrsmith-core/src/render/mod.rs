//! Rendering: a [`QrCode`] to PNG, SVG, PDF, EPS, plain text or terminal art.
//!
//! Every format takes the same [`RenderOptions`]; [`render`] dispatches on a [`Format`]. One file
//! per format: `png` (the service's hot path; its zlib stream in `deflate`), `svg`, `pdf`, `eps`
//! (vector, for print) and `text` (segno's `txt` matrix and Unicode half blocks for terminals).
//! `style` and `logo` add module and eye shapes, eye colours and a centred logo to PNG and SVG
//! ([`render_styled`]); `label_sheet` puts many symbols on printable PDF pages in a grid, with
//! captions ([`LabelSheetWriter`]).
//!
//! All limits are checked before any output is allocated: the output side in pixels is capped
//! by [`RenderOptions::max_pixels`], the quiet zone by [`MAX_BORDER`].

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::encode::QrCode;
use crate::error::{Error, ErrorKind, Result};

mod deflate;
mod eps;
mod label_sheet;
mod logo;
mod pdf;
mod png;
mod style;
mod svg;
mod swiss_bill;
mod text;

pub use self::eps::to_eps;
pub use self::label_sheet::{
    to_label_sheet, LabelSheet, LabelSheetWriter, PageSize, MAX_CAPTION_PT, MAX_LABEL_GRID,
    MIN_CAPTION_PT, MIN_LABEL_CODE_MM,
};
pub use self::logo::{
    Logo, LogoKind, DEFAULT_LOGO_MARGIN, DEFAULT_LOGO_SIZE, MAX_LOGO_BYTES, MAX_LOGO_MARGIN,
    MAX_LOGO_PIXELS, MAX_LOGO_SIZE, MIN_LOGO_SIZE,
};
pub use self::pdf::to_pdf;
pub use self::png::to_png;
pub(crate) use self::style::{logo_area, logo_fits};
pub use self::style::{
    render_styled, to_png_styled, to_rgba_styled, to_svg_styled, EyeShape, ModuleShape, Style,
    MAX_STYLED_PIXELS,
};
pub use self::svg::to_svg;
pub use self::swiss_bill::{render_swiss_bill, SWISS_BILL_WIDTH_UM, SWISS_CROSS_SIZE};
pub use self::text::{to_terminal, to_terminal_plain, to_txt};

/// The largest quiet zone accepted, in modules. The standard asks for 4 (2 for Micro QR); far
/// more only inflates the output.
pub const MAX_BORDER: u32 = 100;

/// The largest resolution accepted for [`RenderOptions::dpi`]. Beyond it the PNG `pHYs` value
/// (pixels per metre, a `u32`) would lose meaning long before it overflows.
pub const MAX_DPI: u32 = 100_000;

/// The smallest [`RenderOptions::print_width_um`]: 1 mm.
pub const MIN_PRINT_WIDTH_UM: u32 = 1_000;

/// The largest [`RenderOptions::print_width_um`]: 10 m, a building's banner.
pub const MAX_PRINT_WIDTH_UM: u32 = 10_000_000;

/// The default for [`RenderOptions::max_pixels`]: 10,000 px per side (a 1-bit PNG buffer of
/// 12.5 MB at most).
pub const DEFAULT_MAX_PIXELS: u32 = 10_000;

/// How big to draw the symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Size {
    /// Pixels per module (at least 1).
    Scale(u32),
    /// A target width in pixels, quiet zone included (= the height, except for rMQR symbols,
    /// which are wider than high and are scaled to fit the width). The largest integer scale
    /// whose output fits is used, so the result may be smaller than asked, never larger; a
    /// target too small for scale 1 is an [`ErrorKind::InvalidOption`].
    Pixels(u32),
}

impl Default for Size {
    fn default() -> Self {
        Size::Scale(10)
    }
}

/// Options shared by every output format.
///
/// Build it with struct update syntax:
/// `RenderOptions { border: 2, ..RenderOptions::default() }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Module size or target size (default 10 px per module). Ignored by the text formats.
    pub size: Size,
    /// Quiet zone in modules on each side (default 4, at most [`MAX_BORDER`]). rMQR asks for 2:
    /// [`default_border`] gives the standard's value for a symbol.
    pub border: u32,
    /// Colour of dark modules (default black). Ignored by the text formats.
    pub foreground: Color,
    /// Colour of light modules and the quiet zone (default white; may be fully transparent).
    /// Ignored by the text formats.
    pub background: Color,
    /// Print resolution: written as PNG `pHYs`, and sets the physical size of PDF, EPS and
    /// SVG output (one pixel is `72 / dpi` points; without it one pixel is one point, and an
    /// SVG's size is in pixels).
    pub dpi: Option<u32>,
    /// The printed width of the symbol, quiet zone excluded, in micrometres (46 mm is
    /// `46_000`; [`MIN_PRINT_WIDTH_UM`] to [`MAX_PRINT_WIDTH_UM`]). Sets the physical size as
    /// `dpi` does, but exactly, whatever the symbol's modules; the pixels still come from
    /// `size`. Give it or `dpi`, not both.
    pub print_width_um: Option<u32>,
    /// The largest width of the output in pixels, quiet zone included (the width is the longer
    /// side: it equals the height except for rMQR, which is wider than high; default
    /// [`DEFAULT_MAX_PIXELS`]). Larger requests fail with [`ErrorKind::LimitExceeded`] before
    /// anything is allocated.
    pub max_pixels: u32,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            size: Size::default(),
            border: 4,
            foreground: Color::BLACK,
            background: Color::WHITE,
            dpi: None,
            print_width_um: None,
            max_pixels: DEFAULT_MAX_PIXELS,
        }
    }
}

/// The resolved geometry of one rendering; every length in pixels or modules is a whole number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Layout {
    /// Pixels per module.
    pub scale: u32,
    /// Quiet zone in modules.
    pub border: u32,
    /// Modules across, quiet zone included.
    pub modules: u32,
    /// Modules down, quiet zone included: `modules` except for rMQR, whose symbols are wider
    /// than high.
    pub rows: u32,
    /// Pixels across, quiet zone included (`modules * scale`).
    pub pixels: u32,
    /// Pixels down, quiet zone included (`rows * scale`, at most `pixels`).
    pub pixels_high: u32,
    /// The printed size of a pixel in millimetres, from `dpi` or `print_width_um`.
    pub mm_per_pixel: Option<f64>,
}

impl Layout {
    /// Points per module for the vector print formats: one point per pixel without a
    /// physical size.
    pub fn points_per_module(&self) -> f64 {
        let points_per_pixel = self.mm_per_pixel.map_or(1.0, |mm| mm * 72.0 / 25.4);
        f64::from(self.scale) * points_per_pixel
    }

    /// The PNG `pHYs` resolution in pixels per metre, with a physical size.
    pub fn pixels_per_metre(&self) -> Option<u32> {
        // At most 1000 / (1 mm / 10,000 px): far below u32::MAX.
        self.mm_per_pixel.map(|mm| (1000.0 / mm).round() as u32)
    }

    /// An SVG `width`/`height` for `pixels`: millimetres with a physical size, else pixels.
    pub fn svg_length(&self, pixels: u32) -> String {
        match self.mm_per_pixel {
            Some(mm) => {
                let text = format!("{:.3}", f64::from(pixels) * mm);
                format!("{}mm", text.trim_end_matches('0').trim_end_matches('.'))
            }
            None => pixels.to_string(),
        }
    }
}

impl RenderOptions {
    /// Checks the options that every format uses and returns the quiet zone.
    pub(crate) fn checked_border(&self) -> Result<u32> {
        if self.border > MAX_BORDER {
            return Err(invalid(format!(
                "border of {} modules is out of range (0 to {MAX_BORDER})",
                self.border
            )));
        }
        Ok(self.border)
    }

    /// Checks every option against `code` and resolves the geometry of a graphical format.
    pub(crate) fn layout(&self, code: &QrCode) -> Result<Layout> {
        let border = self.checked_border()?;
        if let Some(dpi) = self.dpi {
            if dpi == 0 || dpi > MAX_DPI {
                return Err(invalid(format!(
                    "dpi {dpi} is out of range (1 to {MAX_DPI})"
                )));
            }
        }
        if let Some(um) = self.print_width_um {
            if !(MIN_PRINT_WIDTH_UM..=MAX_PRINT_WIDTH_UM).contains(&um) {
                return Err(invalid(format!(
                    "print width of {um} µm is out of range ({MIN_PRINT_WIDTH_UM} to \
                     {MAX_PRINT_WIDTH_UM})"
                )));
            }
            if self.dpi.is_some() {
                return Err(invalid("give dpi or a print width, not both"));
            }
        }
        if self.foreground == self.background {
            // The symbol would be invisible; almost certainly a mistake in the caller's colours.
            return Err(invalid(format!(
                "foreground and background are the same colour ({})",
                self.foreground
            )));
        }
        // At most 177 + 2 * MAX_BORDER, so no overflow. rMQR symbols are wider than high, so
        // the width is the side that a target size and the pixel limit apply to.
        let modules = code.width() as u32 + 2 * border;
        let rows = code.height() as u32 + 2 * border;
        let scale = match self.size {
            Size::Scale(0) => return Err(invalid("scale must be at least 1 pixel per module")),
            Size::Scale(scale) => scale,
            Size::Pixels(target) => {
                let scale = target / modules;
                if scale == 0 {
                    return Err(invalid(format!(
                        "target size of {target} px is smaller than the symbol with its quiet \
                         zone ({modules} modules at 1 px each)"
                    )));
                }
                scale
            }
        };
        // u64: scale is arbitrary caller input.
        let pixels = u64::from(modules) * u64::from(scale);
        let pixels_high = u64::from(rows) * u64::from(scale);
        if pixels > u64::from(self.max_pixels) {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "output of {pixels} x {pixels_high} px exceeds the limit of {} px per side",
                    self.max_pixels
                ),
            ));
        }
        let symbol_pixels = code.width() as f64 * f64::from(scale);
        let mm_per_pixel = match (self.print_width_um, self.dpi) {
            (Some(um), _) => Some(f64::from(um) / 1000.0 / symbol_pixels),
            (None, Some(dpi)) => Some(25.4 / f64::from(dpi)),
            (None, None) => None,
        };
        Ok(Layout {
            scale,
            border,
            modules,
            rows,
            pixels: pixels as u32,
            pixels_high: pixels_high as u32,
            mm_per_pixel,
        })
    }
}

/// The quiet zone the standard asks for around `code`, in modules: 2 for rMQR (ISO/IEC 23941),
/// 4 otherwise (the [`RenderOptions`] default). Callers whose user did not choose a border use
/// it in place of the default.
pub fn default_border(code: &QrCode) -> u32 {
    if code.width() == code.height() {
        RenderOptions::default().border
    } else {
        RMQR_BORDER
    }
}

/// The quiet zone of an rMQR symbol by the standard, in modules.
pub const RMQR_BORDER: u32 = 2;

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidOption, message)
}

/// An sRGB colour with straight (not premultiplied) alpha, 8 bits per channel.
///
/// Parses from hex — `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, the `#` optional — or the word
/// `transparent`; displays as `#rrggbb`, or `#rrggbbaa` when not opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Color {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Alpha: 0 fully transparent, 255 opaque.
    pub a: u8,
}

impl Color {
    /// Opaque black.
    pub const BLACK: Color = Color::rgb(0, 0, 0);
    /// Opaque white.
    pub const WHITE: Color = Color::rgb(255, 255, 255);
    /// Fully transparent.
    pub const TRANSPARENT: Color = Color::rgba(0, 0, 0, 0);

    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Color {
        Color { r, g, b, a: 255 }
    }

    /// A colour with alpha.
    pub const fn rgba(r: u8, g: u8, b: u8, a: u8) -> Color {
        Color { r, g, b, a }
    }

    /// Whether alpha is 255.
    pub fn is_opaque(self) -> bool {
        self.a == 255
    }

    /// Whether alpha is 0 (nothing is drawn).
    pub fn is_transparent(self) -> bool {
        self.a == 0
    }

    /// `#rrggbb` regardless of alpha, for formats that carry alpha separately.
    pub(crate) fn hex_rgb(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// The channels as fractions of 1, for the vector print formats.
    pub(crate) fn unit_rgb(self) -> [f32; 3] {
        [self.r, self.g, self.b].map(|c| f32::from(c) / 255.0)
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{:02x}{:02x}{:02x}", self.r, self.g, self.b)?;
        if !self.is_opaque() {
            write!(f, "{:02x}", self.a)?;
        }
        Ok(())
    }
}

impl FromStr for Color {
    type Err = Error;

    fn from_str(s: &str) -> Result<Color> {
        if s.eq_ignore_ascii_case("transparent") {
            return Ok(Color::TRANSPARENT);
        }
        let bad = || {
            invalid(format!(
                "invalid colour {s:?}: expected #rgb, #rgba, #rrggbb, #rrggbbaa (hex digits, \
                 '#' optional) or \"transparent\""
            ))
        };
        let hex = s.strip_prefix('#').unwrap_or(s).as_bytes();
        let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut digits = [0u8; 8];
        if !matches!(hex.len(), 3 | 4 | 6 | 8) {
            return Err(bad());
        }
        for (d, &c) in digits.iter_mut().zip(hex) {
            *d = nibble(c).ok_or_else(bad)?;
        }
        let [r, g, b, a] = match hex.len() {
            // Short forms repeat each digit: #f80 is #ff8800.
            3 | 4 => {
                let alpha = if hex.len() == 4 { digits[3] * 17 } else { 255 };
                [digits[0] * 17, digits[1] * 17, digits[2] * 17, alpha]
            }
            _ => {
                let byte = |i: usize| digits[i] << 4 | digits[i + 1];
                let alpha = if hex.len() == 8 { byte(6) } else { 255 };
                [byte(0), byte(2), byte(4), alpha]
            }
        };
        Ok(Color { r, g, b, a })
    }
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// PNG raster: 1-bit greyscale or 1-bit palette.
    Png,
    /// SVG vector: one path.
    Svg,
    /// PDF vector: one page the size of the symbol.
    Pdf,
    /// Encapsulated PostScript vector.
    Eps,
    /// segno's text matrix: one line per row, `1` dark, `0` light.
    Txt,
    /// Unicode half blocks with ANSI colours, for terminals.
    Terminal,
}

impl Format {
    /// Every format, in a stable order.
    pub const ALL: [Format; 6] = [
        Format::Png,
        Format::Svg,
        Format::Pdf,
        Format::Eps,
        Format::Txt,
        Format::Terminal,
    ];

    /// The canonical lower-case name, as accepted by [`FromStr`] (`"png"`, …, `"terminal"`).
    pub fn name(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
            Format::Eps => "eps",
            Format::Txt => "txt",
            Format::Terminal => "terminal",
        }
    }

    /// The format a file extension (without the dot, any case) stands for. `txt` means
    /// [`Format::Txt`]: terminal output has no file extension of its own.
    pub fn from_extension(ext: &str) -> Option<Format> {
        let format = match ext.to_ascii_lowercase().as_str() {
            "png" => Format::Png,
            "svg" => Format::Svg,
            "pdf" => Format::Pdf,
            "eps" | "ps" => Format::Eps,
            "txt" | "text" => Format::Txt,
            _ => return None,
        };
        Some(format)
    }

    /// The format a file path's extension stands for, if any.
    pub fn from_path(path: impl AsRef<Path>) -> Option<Format> {
        Format::from_extension(path.as_ref().extension()?.to_str()?)
    }

    /// The media type of the output.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
            Format::Pdf => "application/pdf",
            Format::Eps => "application/postscript",
            Format::Txt | Format::Terminal => "text/plain; charset=utf-8",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
            Format::Eps => "eps",
            Format::Txt | Format::Terminal => "txt",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = Error;

    /// Accepts the canonical names and `term`/`ansi` for [`Format::Terminal`], `text` for
    /// [`Format::Txt`] and `ps` for [`Format::Eps`], in any case.
    fn from_str(s: &str) -> Result<Format> {
        match s.to_ascii_lowercase().as_str() {
            "terminal" | "term" | "ansi" => Ok(Format::Terminal),
            other => Format::from_extension(other).ok_or_else(|| {
                Error::new(
                    ErrorKind::UnsupportedFormat,
                    format!(
                        "unknown output format {s:?}: expected png, svg, pdf, eps, txt or terminal"
                    ),
                )
            }),
        }
    }
}

/// Renders `code` in `format`. Text formats come back as UTF-8 bytes.
pub fn render(code: &QrCode, format: Format, opts: &RenderOptions) -> Result<Vec<u8>> {
    match format {
        Format::Png => to_png(code, opts),
        Format::Svg => to_svg(code, opts).map(String::into_bytes),
        Format::Pdf => to_pdf(code, opts),
        Format::Eps => to_eps(code, opts).map(String::into_bytes),
        Format::Txt => to_txt(code, opts).map(String::into_bytes),
        Format::Terminal => to_terminal(code, opts).map(String::into_bytes),
    }
}

/// The runs of dark modules in one matrix row, as `(first column, length)`; the vector formats
/// draw one rectangle per run rather than per module.
pub(crate) fn dark_runs(row: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut x = 0;
    std::iter::from_fn(move || {
        while x < row.len() && row[x] == 0 {
            x += 1;
        }
        if x == row.len() {
            return None;
        }
        let start = x;
        while x < row.len() && row[x] != 0 {
            x += 1;
        }
        Some((start, x - start))
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 5×5 matrix with a known shape: rows `11011`, `00000`, `10101`, `01110`, `11111`.
    pub(crate) fn tiny() -> QrCode {
        #[rustfmt::skip]
        let modules = vec![
            1, 1, 0, 1, 1,
            0, 0, 0, 0, 0,
            1, 0, 1, 0, 1,
            0, 1, 1, 1, 0,
            1, 1, 1, 1, 1,
        ];
        QrCode::from_modules(5, modules)
    }

    /// Runs in [`tiny`]: 2 + 0 + 3 + 1 + 1.
    pub(crate) const TINY_RUNS: usize = 7;

    /// A version-1-sized (21×21) matrix with a pseudo-random pattern, for format tests that
    /// want something bigger than [`tiny`].
    pub(crate) fn pseudo_random(width: usize) -> QrCode {
        let mut state = 0x2545_f491_u32;
        let modules = (0..width * width)
            .map(|_| {
                // xorshift32: deterministic, no dependency.
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 31) as u8
            })
            .collect();
        QrCode::from_modules(width, modules)
    }

    #[test]
    fn dark_runs_of_rows() {
        let runs = |row: &[u8]| dark_runs(row).collect::<Vec<_>>();
        assert_eq!(runs(&[]), vec![]);
        assert_eq!(runs(&[0, 0]), vec![]);
        assert_eq!(runs(&[1, 1, 0, 1, 1]), vec![(0, 2), (3, 2)]);
        assert_eq!(runs(&[0, 1, 1, 1, 0]), vec![(1, 3)]);
        assert_eq!(runs(&[1, 0, 1, 0, 1]), vec![(0, 1), (2, 1), (4, 1)]);
        let total: usize = (0..5).map(|y| dark_runs(tiny().row(y)).count()).sum();
        assert_eq!(total, TINY_RUNS);
    }

    #[test]
    fn color_parsing() {
        let ok = [
            ("#000", Color::BLACK),
            ("fff", Color::WHITE),
            ("#F80", Color::rgb(0xff, 0x88, 0x00)),
            ("#f808", Color::rgba(0xff, 0x88, 0x00, 0x88)),
            ("#1a2B3c", Color::rgb(0x1a, 0x2b, 0x3c)),
            ("1a2b3c80", Color::rgba(0x1a, 0x2b, 0x3c, 0x80)),
            ("#ffffff00", Color::rgba(255, 255, 255, 0)),
            ("transparent", Color::TRANSPARENT),
            ("Transparent", Color::TRANSPARENT),
        ];
        for (text, want) in ok {
            assert_eq!(text.parse::<Color>(), Ok(want), "{text}");
        }
        let bad = [
            "",
            "#",
            "#12",
            "#12345",
            "#1234567",
            "#123456789",
            "#ggg",
            "#12 456",
            "##123",
            "+12345",
            "red",
            "#éé",
            "transparentt",
        ];
        for text in bad {
            let err = text.parse::<Color>().unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidOption, "{text}");
            assert!(err.message().contains("#rrggbb"), "{}", err.message());
        }
    }

    #[test]
    fn color_display_round_trips() {
        assert_eq!(Color::rgb(1, 0xab, 255).to_string(), "#01abff");
        assert_eq!(Color::rgba(1, 0xab, 255, 0x80).to_string(), "#01abff80");
        assert_eq!(Color::TRANSPARENT.to_string(), "#00000000");
        for c in [Color::BLACK, Color::rgba(9, 8, 7, 6), Color::TRANSPARENT] {
            assert_eq!(c.to_string().parse::<Color>(), Ok(c));
        }
    }

    #[test]
    fn format_names_and_extensions() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>(), Ok(f));
            assert_eq!(f.name().to_uppercase().parse::<Format>(), Ok(f));
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!("term".parse::<Format>(), Ok(Format::Terminal));
        let err = "jpeg".parse::<Format>().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::UnsupportedFormat);
        assert_eq!(Format::from_extension("PNG"), Some(Format::Png));
        assert_eq!(Format::from_extension("jpg"), None);
        assert_eq!(Format::from_path("out/code.Svg"), Some(Format::Svg));
        assert_eq!(Format::from_path("code"), None);
        assert_eq!(Format::Pdf.mime_type(), "application/pdf");
        assert_eq!(Format::Eps.extension(), "eps");
        for f in Format::ALL.into_iter().filter(|&f| f != Format::Terminal) {
            assert_eq!(Format::from_extension(f.extension()), Some(f));
        }
    }

    #[test]
    fn layout_from_scale_and_target_size() {
        let code = pseudo_random(21);
        let layout = RenderOptions::default().layout(&code).unwrap();
        assert_eq!(
            layout,
            Layout {
                scale: 10,
                border: 4,
                modules: 29,
                rows: 29,
                pixels: 290,
                pixels_high: 290,
                mm_per_pixel: None,
            }
        );
        let at = |px| RenderOptions {
            size: Size::Pixels(px),
            ..RenderOptions::default()
        };
        assert_eq!(at(300).layout(&code).unwrap().scale, 10);
        assert_eq!(at(289).layout(&code).unwrap().scale, 9);
        assert_eq!(at(29).layout(&code).unwrap().pixels, 29);
        let err = at(28).layout(&code).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }

    #[test]
    fn rmqr_is_laid_out_as_a_rectangle() {
        use crate::encode::{encode_text, EncodeOptions, Version};
        let opts = EncodeOptions {
            version: Some(Version::Rmqr {
                height: 7,
                width: 43,
            }),
            ec_level: crate::EcLevel::M,
            ..EncodeOptions::default()
        };
        let code = encode_text("LOT 42", &opts).unwrap();
        assert_eq!(default_border(&code), 2);
        let render = RenderOptions {
            border: 2,
            size: Size::Scale(3),
            ..RenderOptions::default()
        };
        let txt = to_txt(&code, &render).unwrap();
        assert_eq!(txt.lines().count(), 7 + 4);
        assert!(txt.lines().all(|l| l.len() == 43 + 4));
        assert_eq!(
            to_terminal_plain(&code, &render).unwrap().lines().count(),
            6
        );
        let layout = render.layout(&code).unwrap();
        assert_eq!((layout.modules, layout.rows), (47, 11));
        assert_eq!((layout.pixels, layout.pixels_high), (141, 33));
        // A target size and the pixel limit apply to the width, the longer side.
        let at = |size, max_pixels| RenderOptions {
            size,
            max_pixels,
            ..render.clone()
        };
        let layout = at(Size::Pixels(100), DEFAULT_MAX_PIXELS)
            .layout(&code)
            .unwrap();
        assert_eq!(
            (layout.scale, layout.pixels, layout.pixels_high),
            (2, 94, 22)
        );
        let err = at(Size::Scale(3), 140).layout(&code).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::LimitExceeded);
        assert!(err.to_string().contains("141 x 33 px"), "{err}");
        for format in [Format::Png, Format::Svg, Format::Pdf, Format::Eps] {
            assert!(super::render(&code, format, &render).is_ok(), "{format:?}");
        }
    }

    #[test]
    fn layout_refuses_bad_options() {
        let code = pseudo_random(21);
        let kind = |opts: RenderOptions| opts.layout(&code).unwrap_err().kind();
        let base = RenderOptions::default;
        assert_eq!(
            kind(RenderOptions {
                size: Size::Scale(0),
                ..base()
            }),
            ErrorKind::InvalidOption
        );
        assert_eq!(
            kind(RenderOptions {
                border: MAX_BORDER + 1,
                ..base()
            }),
            ErrorKind::InvalidOption
        );
        assert_eq!(
            kind(RenderOptions {
                dpi: Some(0),
                ..base()
            }),
            ErrorKind::InvalidOption
        );
        assert_eq!(
            kind(RenderOptions {
                foreground: Color::WHITE,
                ..base()
            }),
            ErrorKind::InvalidOption
        );
    }

    #[test]
    fn size_limit_is_checked_before_rendering() {
        let code = pseudo_random(21);
        // 29 modules * 345 px = 10,005 px > 10,000.
        let big = RenderOptions {
            size: Size::Scale(345),
            ..RenderOptions::default()
        };
        for format in Format::ALL
            .into_iter()
            .filter(|f| !matches!(f, Format::Txt | Format::Terminal))
        {
            let err = render(&code, format, &big).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{format}");
        }
        // A scale that would overflow u32 arithmetic is a limit error too, not a panic.
        let huge = RenderOptions {
            size: Size::Scale(u32::MAX),
            ..RenderOptions::default()
        };
        assert_eq!(
            to_png(&code, &huge).unwrap_err().kind(),
            ErrorKind::LimitExceeded
        );
        let raised = RenderOptions {
            max_pixels: 10_005,
            ..big
        };
        assert!(to_png(&code, &raised).is_ok());
    }

    #[test]
    fn render_dispatches_to_each_format() {
        let code = tiny();
        let opts = RenderOptions::default();
        for format in Format::ALL {
            let bytes = render(&code, format, &opts).unwrap();
            let head: &[u8] = match format {
                Format::Png => b"\x89PNG",
                Format::Svg => b"<svg",
                Format::Pdf => b"%PDF",
                Format::Eps => b"%!PS-Adobe-3.0 EPSF-3.0",
                Format::Txt => b"000000000",
                Format::Terminal => b"\x1b[",
            };
            assert!(bytes.starts_with(head), "{format}");
        }
    }
}
