//! QR code encoding, rendering and decoding.
#![doc(html_no_source)]

pub use crate::decode::{
    decode, decode_image, DecodeOptions, Decoded, Limits, MergedSequence, Point, StructuredAppend,
    Symbol, Symbology,
};
pub use crate::encode::{
    encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text, EcLevel, EncodeOptions,
    Mode, QrCode, SequenceInfo, Version,
};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::render::{
    render, to_eps, to_pdf, to_png, to_svg, to_terminal, to_terminal_plain, to_txt, Color, Format,
    RenderOptions, Size, DEFAULT_MAX_PIXELS, MAX_BORDER, MAX_DPI,
};

mod decode;
mod encode;
mod error;
mod render;
