//! QR code encoding, rendering and decoding.
//!
//! - **Encode** text or bytes to a QR (versions 1–40) or Micro QR (M1–M4) symbol with every
//!   option of ISO/IEC 18004: error-correction level, version, mask, mode or minimal-length
//!   segmentation, ECI, structured append ([`encode_text`], [`encode_sequence_text`]).
//! - **Render** it as PNG, SVG, PDF, EPS, a `0`/`1` matrix or terminal art ([`render`]).
//! - **Decode** every QR, Micro QR and rMQR symbol in an image, with its metadata and corners
//!   ([`decode`]); limits on bytes, pixels and time are checked before the expensive work.
//! - **Style** PNG and SVG output — module and finder-eye shapes, eye colours, a centred logo —
//!   and **verify** a code by reading it back under degradations ([`render_styled`],
//!   [`generate_verified`], [`scan_margin`]).
//!
//! ```
//! use qrsmith_core::{decode, encode_text, render, DecodeOptions, EncodeOptions, Format, RenderOptions};
//!
//! let code = encode_text("https://example.com", &EncodeOptions::default())?;
//! assert_eq!(code.width(), 29); // version 3 at level H
//! let png = render(&code, Format::Png, &RenderOptions::default())?;
//! let found = decode(&png, &DecodeOptions::default())?;
//! assert_eq!(found.symbols[0].text, "https://example.com");
//! # Ok::<(), qrsmith_core::Error>(())
//! ```
//!
//! - **Build payloads** for scanners: Wi-Fi, vCard, MeCard, e-mail, SMS, telephone, geo,
//!   calendar events and EPC (SEPA) payments, escaped per their specifications ([`payload`]).
//!
//! Failures are values: every function returns [`Error`], whose [`ErrorKind`] has a stable
//! [code](ErrorKind::code) for machine-readable reports.
#![deny(missing_docs)]

pub use crate::decode::{
    decode, decode_baseline, decode_image, decode_image_baseline, merge_sequences, DecodeOptions,
    Decoded, Effort, Limits, MergedSequence, Point, StructuredAppend, Symbol, Symbology,
};
pub use crate::encode::{
    encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text, EcLevel, EncodeOptions,
    Mode, QrCode, SequenceInfo, Version,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::render::{
    default_border, render, render_styled, to_eps, to_pdf, to_png, to_png_styled, to_rgba_styled,
    to_svg, to_svg_styled, to_terminal, to_terminal_plain, to_txt, Color, EyeShape, Format, Logo,
    LogoKind, ModuleShape, RenderOptions, Size, Style, DEFAULT_LOGO_MARGIN, DEFAULT_LOGO_SIZE,
    DEFAULT_MAX_PIXELS, MAX_BORDER, MAX_DPI, MAX_LOGO_BYTES, MAX_LOGO_MARGIN, MAX_LOGO_PIXELS,
    MAX_LOGO_SIZE, MAX_PRINT_WIDTH_UM, MAX_STYLED_PIXELS, MIN_LOGO_SIZE, MIN_PRINT_WIDTH_UM,
    RMQR_BORDER,
};
pub use crate::render::{
    to_label_sheet, LabelSheet, LabelSheetWriter, PageSize, MAX_CAPTION_PT, MAX_LABEL_GRID,
    MIN_CAPTION_PT, MIN_LABEL_CODE_MM,
};
pub use crate::verify::{
    ec_level_for_style, generate_verified, scan_margin, Adjustment, Degradation, ScanMargin,
    Verified, VerifyOptions, MAX_ATTEMPTS, VERIFY_SCALE,
};

/// Decodes a `width` × `width` module grid (per module, bit 0 dark and the other bits the
/// sampler's confidence) with the pure-Rust reader's decoder. For the fuzz target only: not a
/// stable API.
#[doc(hidden)]
pub fn fuzz_reader_grid(width: usize, modules: &[u8]) -> Option<String> {
    reader::decode_raw_grid(width, modules)
}

/// Runs the pure-Rust reader's locator, geometry, sampler and decoder on a grey image
/// (`width` × `height`, row-major) at a symbol whose four corners (x, y, clockwise from its
/// top-left) an engine reported. For the fuzz target only: not a stable API.
#[doc(hidden)]
pub fn fuzz_reader_image(
    width: u32,
    height: u32,
    pixels: Vec<u8>,
    corners: [(f64, f64); 4],
    inverted: bool,
) -> Option<String> {
    let gray = image::GrayImage::from_raw(width, height, pixels)?;
    reader::read_at(&gray, reader::Hint::Corners(corners), inverted, &|| false)
        .map(|found| found.content.text)
}

mod decode;
mod encode;
mod error;
mod gf256;
pub mod payload;
mod reader;
mod render;
mod verify;
