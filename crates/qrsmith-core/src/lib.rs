//! QR code encoding, rendering and decoding.
#![doc(html_no_source)]

pub use crate::encode::{
    encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text, EcLevel, EncodeOptions,
    Mode, QrCode, SequenceInfo, Version,
};
pub use crate::error::{Error, ErrorKind, Result};

mod decode;
mod encode;
mod error;
mod render;
