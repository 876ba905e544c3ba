//! Image loading with limits: sniff the format, read the header, refuse what is too big, and only
//! then decode. JPEG/TIFF/WebP EXIF orientation is applied so the reader sees the picture upright.

use std::io::Cursor;

use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageDecoder, ImageError, ImageFormat, ImageReader};

use super::Limits;
use crate::error::{Error, ErrorKind, Result};

/// An image decoded from bytes, made upright and grey, with what is needed to map reader
/// coordinates back to the file's own pixel grid.
pub(crate) struct LoadedImage {
    /// Luma, after EXIF orientation.
    pub gray: GrayImage,
    /// The EXIF orientation that was applied to get `gray` from the stored raster.
    pub orientation: Orientation,
    /// Width of the stored raster (before orientation).
    pub stored_width: u32,
    /// Height of the stored raster (before orientation).
    pub stored_height: u32,
}

/// The formats the crate is built with (see the `image` features in the workspace manifest).
fn supported(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Png
            | ImageFormat::Jpeg
            | ImageFormat::Gif
            | ImageFormat::Bmp
            | ImageFormat::WebP
            | ImageFormat::Tiff
    )
}

/// Identifies the format from the file's magic bytes (never from a name or a MIME type, which a
/// client controls).
pub(crate) fn sniff(bytes: &[u8]) -> Result<ImageFormat> {
    if bytes.is_empty() {
        return Err(Error::new(
            ErrorKind::UnsupportedFormat,
            "empty input: not an image",
        ));
    }
    match image::guess_format(bytes) {
        Ok(format) if supported(format) => Ok(format),
        Ok(format) => Err(Error::new(
            ErrorKind::UnsupportedFormat,
            format!(
                "{} images are not supported (supported: PNG, JPEG, GIF, BMP, WebP, TIFF)",
                format_name(format)
            ),
        )),
        Err(_) => {
            let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
            Err(Error::new(
                ErrorKind::UnsupportedFormat,
                format!(
                    "unrecognised image format (first bytes: {}); supported: PNG, JPEG, GIF, BMP, WebP, TIFF",
                    head.join(" ")
                ),
            ))
        }
    }
}

fn format_name(format: ImageFormat) -> String {
    format
        .extensions_str()
        .first()
        .map_or_else(|| format!("{format:?}"), |ext| ext.to_ascii_uppercase())
}

/// The dimensions a file's header claims, read from its fixed-place fields for the formats whose
/// decoders would otherwise stumble on a header bomb before reporting it: PNG's IHDR is the first
/// chunk by rule (a file that is nothing but a header makes the `png` crate report truncation
/// instead), BMP's decoder refuses sides over 65,535 as a format error, and a WebP header's
/// claim can come back from its decoder as 0 × 0. `None` when the header is not one of these or
/// is too short; the decoder's own dimensions are checked after it anyway.
fn header_dimensions(format: ImageFormat, bytes: &[u8]) -> Option<(u32, u32)> {
    let u16_le = |at: usize| -> Option<u32> {
        Some(u32::from(u16::from_le_bytes(
            bytes.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let u24_le = |at: usize| -> Option<u32> {
        let b = bytes.get(at..at + 3)?;
        Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
    };
    let u32_be = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let i32_le = |at: usize| -> Option<u32> {
        Some(i32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?).unsigned_abs())
    };
    match format {
        ImageFormat::Png if bytes.get(12..16)? == b"IHDR" => Some((u32_be(16)?, u32_be(20)?)),
        // BITMAPINFOHEADER and its successors (40 bytes or more); the height is negative for
        // top-down rows.
        ImageFormat::Bmp if u32::from_le_bytes(bytes.get(14..18)?.try_into().ok()?) >= 40 => {
            Some((i32_le(18)?, i32_le(22)?))
        }
        ImageFormat::WebP => match bytes.get(12..16)? {
            // Extended: the canvas, 24-bit width - 1 and height - 1.
            b"VP8X" => Some((u24_le(24)? + 1, u24_le(27)? + 1)),
            // Lossless: after the 0x2f signature, 14-bit width - 1 and height - 1.
            b"VP8L" => {
                let bits = u32::from_le_bytes(bytes.get(21..25)?.try_into().ok()?);
                Some(((bits & 0x3FFF) + 1, (bits >> 14 & 0x3FFF) + 1))
            }
            // Lossy: after the frame tag and start code, 14-bit width and height.
            b"VP8 " => Some((u16_le(26)? & 0x3FFF, u16_le(28)? & 0x3FFF)),
            _ => None,
        },
        _ => None,
    }
}

/// Refuses an image whose pixel count exceeds the limit, before anything is allocated for it.
pub(crate) fn check_pixels(width: u32, height: u32, limits: &Limits) -> Result<()> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "image is {width} × {height} pixels ({:.1} MP), more than the limit of {:.1} MP",
                pixels as f64 / 1e6,
                limits.max_pixels as f64 / 1e6
            ),
        ));
    }
    if pixels == 0 {
        return Err(Error::new(
            ErrorKind::CorruptImage,
            format!("image has no pixels ({width} × {height})"),
        ));
    }
    Ok(())
}

fn map_image_error(format: ImageFormat, err: ImageError) -> Error {
    let name = format_name(format);
    match err {
        ImageError::Limits(e) => Error::new(
            ErrorKind::LimitExceeded,
            format!("{name} image exceeds a decoding limit: {e}"),
        ),
        ImageError::Unsupported(e) => Error::new(
            ErrorKind::UnsupportedFormat,
            format!("unsupported {name} variant: {e}"),
        ),
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Error::new(
            ErrorKind::CorruptImage,
            format!("{name} image is truncated: {e}"),
        ),
        other => Error::new(
            ErrorKind::CorruptImage,
            format!("{name} image is corrupt: {other}"),
        ),
    }
}

/// Decodes `bytes` into an upright grey image, enforcing `limits` before the pixel data is
/// decoded.
pub(crate) fn load(bytes: &[u8], limits: &Limits) -> Result<LoadedImage> {
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Error::new(
            ErrorKind::LimitExceeded,
            format!(
                "input is {} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    let format = sniff(bytes)?;
    if let Some((w, h)) = header_dimensions(format, bytes) {
        check_pixels(w, h, limits)?;
    }

    if format == ImageFormat::Png {
        if let Some(gray) = packed_gray_png(bytes) {
            let (stored_width, stored_height) = gray.dimensions();
            return Ok(LoadedImage {
                gray,
                orientation: Orientation::NoTransforms,
                stored_width,
                stored_height,
            });
        }
    }

    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    // Defence in depth for decoders that allocate more than the output: room for a 16-bit RGBA
    // output of the largest allowed image, but never unbounded.
    image_limits.max_alloc = Some(limits.max_pixels.saturating_mul(8).max(64 << 20));
    reader.limits(image_limits);
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| map_image_error(format, e))?;
    // The header has been read, the pixel data not yet: this is the point to refuse.
    let (stored_width, stored_height) = decoder.dimensions();
    check_pixels(stored_width, stored_height, limits)?;
    // A malformed EXIF block is not worth failing the read for: treat it as "upright".
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| map_image_error(format, e))?;
    image.apply_orientation(orientation);
    let gray = match image {
        DynamicImage::ImageLuma8(gray) => gray,
        other => to_gray(&other),
    };
    Ok(LoadedImage {
        gray,
        orientation,
        stored_width,
        stored_height,
    })
}

/// Reads a 1-, 2- or 4-bit greyscale PNG (what QR generators write, this crate included) straight
/// into 8-bit grey, or `None` for any other PNG (and any PNG the png crate cannot read), which
/// then takes the general path.
///
/// Written here because the png crate's own expansion of packed pixels goes pixel by pixel
/// through a routine for every layout: for a 405 × 405 1-bit code it took 180 µs of a 307 µs
/// decode; with a byte-to-pixels table the whole decode takes 144 µs (`cargo bench --bench
/// decode`, "generated 1-bit png"). The caller has checked the header's dimensions against the
/// limits.
pub(crate) fn packed_gray_png(bytes: &[u8]) -> Option<GrayImage> {
    const ONE: [[u8; 8]; 256] = expansion_table::<8>(1);
    const TWO: [[u8; 8]; 256] = expansion_table::<8>(2);
    const FOUR: [[u8; 8]; 256] = expansion_table::<8>(4);
    // IHDR's bit depth and colour type (bytes 24 and 25) tell at once whether this path
    // applies, so that other PNGs do not have their header parsed twice.
    if !(bytes.get(12..16) == Some(b"IHDR")
        && matches!(bytes.get(24), Some(1 | 2 | 4))
        && bytes.get(25) == Some(&0))
    {
        return None;
    }
    let mut decoder = png::Decoder::new(Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::IDENTITY);
    let mut reader = decoder.read_info().ok()?;
    let info = reader.info();
    let bit_depth = info.bit_depth;
    if !matches!(
        bit_depth,
        png::BitDepth::One | png::BitDepth::Two | png::BitDepth::Four
    ) {
        return None;
    }
    // Transparency or an EXIF orientation need the general path's handling.
    if info.color_type != png::ColorType::Grayscale
        || info.interlaced
        || info.trns.is_some()
        || info.exif_metadata.is_some()
    {
        return None;
    }
    let (width, height) = (info.width, info.height);
    if width == 0 || height == 0 {
        return None;
    }
    let mut packed = vec![0; reader.output_buffer_size()?];
    let frame = reader.next_frame(&mut packed).ok()?;
    let mut gray = vec![0; width as usize * height as usize];
    let rows = packed.chunks_exact(frame.line_size);
    let out = gray.chunks_exact_mut(width as usize);
    match bit_depth {
        png::BitDepth::One => expand::<8>(rows, out, &ONE),
        png::BitDepth::Two => expand::<4>(rows, out, &TWO),
        _ => expand::<2>(rows, out, &FOUR),
    }
    GrayImage::from_raw(width, height, gray)
}

/// Expands packed rows of `PER_BYTE` pixels a byte into the rows of `out` through `table`. A
/// constant chunk size lets each byte become one fixed-size store.
fn expand<'a, const PER_BYTE: usize>(
    packed: impl Iterator<Item = &'a [u8]>,
    out: impl Iterator<Item = &'a mut [u8]>,
    table: &[[u8; 8]; 256],
) {
    for (out_row, in_row) in out.zip(packed) {
        let width = out_row.len();
        let mut whole = out_row.chunks_exact_mut(PER_BYTE);
        for (pixels, &byte) in (&mut whole).zip(in_row) {
            pixels.copy_from_slice(&table[usize::from(byte)][..PER_BYTE]);
        }
        let tail = whole.into_remainder();
        if let Some(&byte) = in_row.get(width / PER_BYTE) {
            let n = tail.len();
            tail.copy_from_slice(&table[usize::from(byte)][..n]);
        }
    }
}

/// For each byte value, the 8-bit grey levels of the pixels packed in it at `bits` per pixel
/// (most significant first), scaled so that the highest level is 255.
const fn expansion_table<const N: usize>(bits: u32) -> [[u8; N]; 256] {
    let mask = (1u32 << bits) - 1;
    let scale = 255 / mask;
    let mut table = [[0u8; N]; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut i = 0;
        while i < (8 / bits) as usize {
            let shift = 8 - bits * (i as u32 + 1);
            table[byte][i] = (((byte as u32 >> shift) & mask) * scale) as u8;
            i += 1;
        }
        byte += 1;
    }
    table
}

/// Converts to 8-bit luma with the Rec. 601 weights zxing-cpp uses for colour input (the image
/// crate's `to_luma8` uses Rec. 709, which turns some colour codes, e.g. red on white, into less
/// contrast), compositing any transparency over white: a code drawn on a transparent
/// background (dark modules, alpha 0 elsewhere) would otherwise turn all black.
pub(crate) fn to_gray(image: &DynamicImage) -> GrayImage {
    fn lum(r: u8, g: u8, b: u8) -> u32 {
        (306 * u32::from(r) + 601 * u32::from(g) + 117 * u32::from(b) + 0x200) >> 10
    }
    fn over_white(l: u32, a: u8) -> u8 {
        let a = u32::from(a);
        // l·a + 255·(1 − a), rounded.
        ((l * a + 255 * (255 - a) + 127) / 255) as u8
    }
    match image {
        DynamicImage::ImageLuma8(g) => g.clone(),
        DynamicImage::ImageLumaA8(la) => GrayImage::from_fn(la.width(), la.height(), |x, y| {
            let [l, a] = la.get_pixel(x, y).0;
            image::Luma([over_white(u32::from(l), a)])
        }),
        DynamicImage::ImageRgb8(rgb) => GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
            let [r, g, b] = rgb.get_pixel(x, y).0;
            image::Luma([lum(r, g, b) as u8])
        }),
        other if !other.color().has_alpha() => {
            let rgb = other.to_rgb8();
            GrayImage::from_fn(rgb.width(), rgb.height(), |x, y| {
                let [r, g, b] = rgb.get_pixel(x, y).0;
                image::Luma([lum(r, g, b) as u8])
            })
        }
        other => {
            let owned;
            let rgba = match other {
                DynamicImage::ImageRgba8(rgba) => rgba,
                _ => {
                    owned = other.to_rgba8();
                    &owned
                }
            };
            GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
                let [r, g, b, a] = rgba.get_pixel(x, y).0;
                image::Luma([over_white(lum(r, g, b), a)])
            })
        }
    }
}

/// Maps a point of the upright image back to the stored raster of a `w` × `h` image (stored
/// dimensions) that was made upright with `orientation`.
pub(crate) fn to_stored(orientation: Orientation, w: u32, h: u32, x: f32, y: f32) -> (f32, f32) {
    let (wm, hm) = (w as f32 - 1.0, h as f32 - 1.0);
    // Each arm inverts what `DynamicImage::apply_orientation` does to pixel (x, y).
    match orientation {
        Orientation::NoTransforms => (x, y),
        Orientation::Rotate90 => (y, hm - x),
        Orientation::Rotate180 => (wm - x, hm - y),
        Orientation::Rotate270 => (wm - y, x),
        Orientation::FlipHorizontal => (wm - x, y),
        Orientation::FlipVertical => (x, hm - y),
        Orientation::Rotate90FlipH => (y, x),
        Orientation::Rotate270FlipH => (wm - y, hm - x),
    }
}

/// Whether the orientation mirrors the picture (so a symbol read upright is mirrored in the
/// stored raster).
pub(crate) fn is_flip(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::FlipHorizontal
            | Orientation::FlipVertical
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}
