//! Keyword arguments turned into the library's option structs. Every name is parsed by the
//! library's own `FromStr` (levels, modes, versions, colours, shapes, efforts), so the words
//! Python accepts are the words the CLI and the service accept.

use pyo3::prelude::*;
use qrsmith_core::{Color, EcLevel, EncodeOptions, Mode, RenderOptions, Size, Version};

use crate::errors::to_py;

/// A version as Python gives it: `5` or `"5"` for QR, `"M2"` for Micro QR.
#[derive(FromPyObject)]
pub enum VersionArg {
    /// A QR version number.
    Number(u8),
    /// `"5"` or `"M2"`.
    Name(String),
}

/// The payload of `encode`: text is encoded as text (Kanji mode where it fits), bytes as bytes.
#[derive(FromPyObject)]
pub enum Data {
    /// A `str`.
    Text(String),
    /// `bytes` (or `bytearray`).
    Bytes(Vec<u8>),
}

impl Data {
    /// The payload's bytes (UTF-8 for text): what a reader should give back.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Data::Text(t) => t.as_bytes(),
            Data::Bytes(b) => b,
        }
    }
}

/// `encode`'s keyword arguments. Without `ec` the level is H, or L for Micro QR (which has no
/// H), as the service and the command line choose.
#[allow(clippy::too_many_arguments)]
pub fn encode_options(
    ec: Option<&str>,
    version: Option<VersionArg>,
    micro: bool,
    rmqr: bool,
    mode: Option<&str>,
    eci: Option<u32>,
    boost_ec: bool,
    mask: Option<u8>,
) -> PyResult<EncodeOptions> {
    let version = match version {
        None => None,
        Some(VersionArg::Number(n)) => Some(n.to_string().parse::<Version>().map_err(to_py)?),
        Some(VersionArg::Name(s)) => Some(s.parse::<Version>().map_err(to_py)?),
    };
    let ec_level = match ec {
        Some(ec) => ec.parse::<EcLevel>().map_err(to_py)?,
        None if micro || version.is_some_and(Version::is_micro) => EcLevel::L,
        None => EcLevel::H,
    };
    Ok(EncodeOptions {
        ec_level,
        version,
        micro,
        rmqr,
        mask,
        mode: mode.map(str::parse::<Mode>).transpose().map_err(to_py)?,
        eci,
        boost_ec,
    })
}

/// The rendering keyword arguments shared by every output method.
pub fn render_options(
    scale: u32,
    size: Option<u32>,
    border: u32,
    fg: &str,
    bg: &str,
    dpi: Option<u32>,
) -> PyResult<RenderOptions> {
    Ok(RenderOptions {
        size: match size {
            Some(pixels) => Size::Pixels(pixels),
            None => Size::Scale(scale),
        },
        border,
        foreground: fg.parse::<Color>().map_err(to_py)?,
        background: bg.parse::<Color>().map_err(to_py)?,
        dpi,
        ..RenderOptions::default()
    })
}
