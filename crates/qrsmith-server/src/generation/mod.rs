//! Generation requests: the options every generating route accepts, normalised into one
//! [`Generation`] whose SHA-256 is the cache key (and the `ETag`), and run on the worker pool.
//!
//! By step: [`options`] (the wire form), [`normalise`] (checks and defaults), [`run`]
//! (encoding, rendering and the reports) and [`answer`] (the JSON answer).

use qrsmith_core::{EncodeOptions, Format, RenderOptions, Style, VerifyOptions};
use sha2::{Digest as _, Sha256};

pub mod answer;
pub mod normalise;
pub mod options;
pub mod run;

pub use self::answer::*;
pub use self::options::*;
pub use self::run::*;

/// What a generation encodes: text (which may use Kanji mode) or raw bytes, however the
/// request gave it (`text`, `data_base64` or a `payload` builder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Text: may use Kanji mode.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
}

/// A normalised generation request: what to encode and how to draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// What to encode.
    pub content: Content,
    /// Encoder options.
    pub encode: EncodeOptions,
    /// Renderer options (the output size limit included).
    pub render: RenderOptions,
    /// Output format.
    pub format: Format,
    /// Structured-append parts, when asked for.
    pub parts: Option<u8>,
    /// Shapes, eye colours and logo (PNG and SVG only).
    pub style: Style,
    /// Verify after generating, with these repair permissions.
    pub verify: Option<VerifyOptions>,
    /// A Swiss QR-bill: drawn with its cross, 46 mm wide in print (`render_swiss_bill`).
    pub swiss_bill: bool,
}

/// A generation's cache key: SHA-256 of the normalised request ([`Generation::key`]).
pub type CacheKey = [u8; 32];

/// Limits that apply while normalising.
#[derive(Debug, Clone, Copy)]
pub struct GenerationLimits {
    /// Longest payload in bytes.
    pub max_text_bytes: usize,
    /// Largest output side in pixels.
    pub max_output_side: u32,
}

impl GenerationLimits {
    /// The limits `config` sets.
    pub fn of(config: &crate::config::Config) -> GenerationLimits {
        GenerationLimits {
            max_text_bytes: config.max_text_bytes,
            max_output_side: config.max_output_side,
        }
    }
}

impl Generation {
    /// The text it encodes, for the answer's `payload_text` (built payloads are always text).
    pub fn payload_text(&self) -> Option<String> {
        match &self.content {
            Content::Text(t) => Some(t.clone()),
            Content::Bytes(_) => None,
        }
    }
}

impl Generation {
    /// The cache key: SHA-256 over the crate version (output may change between releases) and
    /// every normalised option. The options' `Debug` form is used so that a field added to the
    /// library's option structs is part of the key without anyone remembering to add it.
    pub fn key(&self) -> CacheKey {
        let mut h = Sha256::new();
        h.update(concat!("qrsmith ", env!("CARGO_PKG_VERSION"), "\0"));
        let options = format!(
            "{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{}\0",
            self.encode,
            self.render,
            self.format,
            self.parts,
            self.style,
            self.verify,
            self.swiss_bill
        );
        h.update(options.as_bytes());
        // The logo's Debug form has its length only: its bytes go in whole.
        if let Some(logo) = &self.style.logo {
            h.update((logo.bytes().len() as u64).to_le_bytes());
            h.update(logo.bytes());
        }
        let (tag, data) = match &self.content {
            Content::Text(t) => (b't', t.as_bytes()),
            Content::Bytes(b) => (b'b', b.as_slice()),
        };
        h.update([tag]);
        h.update((data.len() as u64).to_le_bytes());
        h.update(data);
        h.finalize().into()
    }
}
