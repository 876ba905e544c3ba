//! QR code encoding, rendering and decoding.
#![doc(html_no_source)]

pub use crate::encode::{EcLevel, QrCode, Version};
pub use crate::error::{Error, ErrorKind, Result};

mod decode;
mod encode;
mod error;
mod render;
