//! Logos: a PNG, JPEG or SVG image drawn in the centre of a styled code.
//!
//! Every input is checked when the [`Logo`] is made, before any use: at most [`MAX_LOGO_BYTES`]
//! bytes; rasters at most [`MAX_LOGO_PIXELS`] pixels (read from the header before decoding),
//! decoded once and kept; SVG parsed with `usvg` (text, fonts and external files disabled:
//! only embedded data is used) and rasterised with `resvg` at the size each rendering needs.

use std::fmt;
use std::sync::Arc;

use image::{ImageFormat, RgbaImage};
use resvg::{tiny_skia, usvg};

use super::invalid;
use crate::error::{Error, ErrorKind, Result};

/// The largest logo file accepted, in bytes.
pub const MAX_LOGO_BYTES: usize = 1 << 20;
/// The largest raster logo accepted, in pixels (width × height).
pub const MAX_LOGO_PIXELS: u64 = 4_000_000;
/// The smallest logo, as a fraction of the symbol's width.
pub const MIN_LOGO_SIZE: f32 = 0.05;
/// The largest logo, as a fraction of the symbol's width (16 % of the area: level H restores
/// 30 % of the codewords, and the clear margin takes more).
pub const MAX_LOGO_SIZE: f32 = 0.4;
/// The default logo size, as a fraction of the symbol's width.
pub const DEFAULT_LOGO_SIZE: f32 = 0.2;
/// The widest clear margin around a logo, in modules.
pub const MAX_LOGO_MARGIN: u32 = 4;
/// The default clear margin around a logo, in modules.
pub const DEFAULT_LOGO_MARGIN: u32 = 1;

/// The file format of a logo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogoKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// SVG (rasterised for PNG output, embedded as it is in SVG output).
    Svg,
}

impl LogoKind {
    /// The media type, for data URIs.
    pub fn mime_type(self) -> &'static str {
        match self {
            LogoKind::Png => "image/png",
            LogoKind::Jpeg => "image/jpeg",
            LogoKind::Svg => "image/svg+xml",
        }
    }
}

/// The decoded form of a logo.
enum Source {
    Raster(RgbaImage),
    Svg(Box<usvg::Tree>),
}

/// A validated logo with its size and clear margin. Cheap to clone (the bytes and the decoded
/// image are shared).
#[derive(Clone)]
pub struct Logo {
    bytes: Arc<[u8]>,
    kind: LogoKind,
    source: Arc<Source>,
    size: f32,
    margin: u32,
}

impl fmt::Debug for Logo {
    /// The bytes are summarised (count only): callers that key caches on a `Debug` form must
    /// add the bytes themselves.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logo")
            .field("kind", &self.kind)
            .field("bytes", &self.bytes.len())
            .field("size", &self.size)
            .field("margin", &self.margin)
            .finish()
    }
}

impl PartialEq for Logo {
    fn eq(&self, other: &Logo) -> bool {
        self.kind == other.kind
            && self.size == other.size
            && self.margin == other.margin
            && self.bytes == other.bytes
    }
}

impl Logo {
    /// Checks and decodes a PNG, JPEG or SVG logo (the format is sniffed from the bytes), with
    /// [`DEFAULT_LOGO_SIZE`] and [`DEFAULT_LOGO_MARGIN`].
    ///
    /// Errors: [`ErrorKind::LimitExceeded`] beyond [`MAX_LOGO_BYTES`] or [`MAX_LOGO_PIXELS`];
    /// [`ErrorKind::UnsupportedFormat`] for anything but PNG, JPEG and SVG;
    /// [`ErrorKind::CorruptImage`] when it does not decode.
    pub fn new(bytes: &[u8]) -> Result<Logo> {
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(Error::new(
                ErrorKind::LimitExceeded,
                format!(
                    "the logo has {} bytes; at most {MAX_LOGO_BYTES} are accepted",
                    bytes.len()
                ),
            ));
        }
        let (kind, source) = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            (
                LogoKind::Png,
                Source::Raster(decode_raster(bytes, ImageFormat::Png)?),
            )
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            (
                LogoKind::Jpeg,
                Source::Raster(decode_raster(bytes, ImageFormat::Jpeg)?),
            )
        } else if looks_like_svg(bytes) {
            (LogoKind::Svg, Source::Svg(Box::new(parse_svg(bytes)?)))
        } else {
            return Err(Error::new(
                ErrorKind::UnsupportedFormat,
                "the logo is not a PNG, JPEG or SVG image",
            ));
        };
        Ok(Logo {
            bytes: bytes.into(),
            kind,
            source: Arc::new(source),
            size: DEFAULT_LOGO_SIZE,
            margin: DEFAULT_LOGO_MARGIN,
        })
    }

    /// The same logo at `size`, a fraction of the symbol's width from [`MIN_LOGO_SIZE`] to
    /// [`MAX_LOGO_SIZE`] ([`ErrorKind::InvalidOption`] otherwise).
    pub fn with_size(mut self, size: f32) -> Result<Logo> {
        if !(MIN_LOGO_SIZE..=MAX_LOGO_SIZE).contains(&size) {
            return Err(invalid(format!(
                "logo size {size} is out of range ({MIN_LOGO_SIZE} to {MAX_LOGO_SIZE} of the \
                 symbol's width)"
            )));
        }
        self.size = size;
        Ok(self)
    }

    /// The same logo with a clear margin of `modules` (0 to [`MAX_LOGO_MARGIN`];
    /// [`ErrorKind::InvalidOption`] otherwise).
    pub fn with_margin(mut self, modules: u32) -> Result<Logo> {
        if modules > MAX_LOGO_MARGIN {
            return Err(invalid(format!(
                "logo margin {modules} is out of range (0 to {MAX_LOGO_MARGIN} modules)"
            )));
        }
        self.margin = modules;
        Ok(self)
    }

    /// The file's bytes, as given.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The file format.
    pub fn kind(&self) -> LogoKind {
        self.kind
    }

    /// The size, as a fraction of the symbol's width.
    pub fn size(&self) -> f32 {
        self.size
    }

    /// The clear margin around the logo, in modules.
    pub fn margin(&self) -> u32 {
        self.margin
    }

    /// The logo fitted (aspect ratio kept) in a square of `side` pixels.
    pub(crate) fn raster(&self, side: u32) -> Result<RgbaImage> {
        let side = side.max(1);
        match &*self.source {
            Source::Raster(img) => {
                let (w, h) = fit(img.width(), img.height(), side);
                Ok(image::imageops::resize(
                    img,
                    w,
                    h,
                    image::imageops::FilterType::Triangle,
                ))
            }
            Source::Svg(tree) => {
                let size = tree.size();
                let (w, h) = fit(
                    size.width().ceil() as u32,
                    size.height().ceil() as u32,
                    side,
                );
                let mut pixmap = tiny_skia::Pixmap::new(w, h)
                    .ok_or_else(|| invalid("the SVG logo has an empty size"))?;
                let transform = tiny_skia::Transform::from_scale(
                    w as f32 / size.width(),
                    h as f32 / size.height(),
                );
                resvg::render(tree, transform, &mut pixmap.as_mut());
                let rgba: Vec<u8> = pixmap
                    .pixels()
                    .iter()
                    .flat_map(|p| {
                        let c = p.demultiply();
                        [c.red(), c.green(), c.blue(), c.alpha()]
                    })
                    .collect();
                RgbaImage::from_raw(w, h, rgba)
                    .ok_or_else(|| Error::new(ErrorKind::Engine, "SVG raster size mismatch"))
            }
        }
    }
}

/// `(w, h)` scaled to fit a square of `side`, each at least 1.
fn fit(w: u32, h: u32, side: u32) -> (u32, u32) {
    let (w, h) = (w.max(1) as f32, h.max(1) as f32);
    let k = side as f32 / w.max(h);
    (
        ((w * k).round() as u32).clamp(1, side),
        ((h * k).round() as u32).clamp(1, side),
    )
}

fn decode_raster(bytes: &[u8], format: ImageFormat) -> Result<RgbaImage> {
    let corrupt = |e: image::ImageError| {
        Error::new(
            ErrorKind::CorruptImage,
            format!("the logo does not decode: {e}"),
        )
    };
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (w, h) = reader.into_dimensions().map_err(corrupt)?;
    if u64::from(w) * u64::from(h) > MAX_LOGO_PIXELS {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!("the logo is {w} x {h} px; at most {MAX_LOGO_PIXELS} pixels are accepted"),
        ));
    }
    let img = image::load_from_memory_with_format(bytes, format).map_err(corrupt)?;
    Ok(img.into_rgba8())
}

/// An XML declaration, comment or `<svg` first (after a BOM and white space).
fn looks_like_svg(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    let head = &bytes[start..bytes.len().min(start + 1024)];
    head.starts_with(b"<?xml")
        || head.starts_with(b"<svg")
        || head.starts_with(b"<!--")
        || head.starts_with(b"<!DOCTYPE svg")
}

fn parse_svg(bytes: &[u8]) -> Result<usvg::Tree> {
    let options = usvg::Options {
        // Only data embedded in the file: no file system access through `<image href="…">`.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(bytes, &options).map_err(|e| {
        Error::new(
            ErrorKind::CorruptImage,
            format!("the SVG logo does not parse: {e}"),
        )
    })?;
    let size = tree.size();
    if !(size.width() >= 1.0 && size.height() >= 1.0) {
        return Err(invalid("the SVG logo has an empty size"));
    }
    Ok(tree)
}
