//! JSON shapes of decode results, shared by the service's responses and the CLI's `--json`
//! output, so that both speak the same format.

use base64::Engine as _;
use qrsmith_core::payload::ReadPayload;
use qrsmith_core::{Decoded, MergedSequence, Symbol, Symbology};
use serde::Serialize;
use serde_json::Value;

/// Everything found in one image.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = DecodedImage)]
pub struct DecodedView {
    /// Width of the image as stored (before EXIF orientation), in pixels.
    pub width: u32,
    /// Height of the image as stored, in pixels.
    pub height: u32,
    /// Every symbol read.
    pub results: Vec<SymbolView>,
    /// The structured-append sequences among them.
    #[schema(inline)]
    pub sequences: Vec<SequenceView>,
}

/// One symbol with all its metadata.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Symbol)]
pub struct SymbolView {
    /// The content as text (bytes interpreted by ECI or, without one, by the reader's guess).
    pub text: String,
    /// The content's raw bytes, as stored in the symbol.
    #[schema(content_encoding = "base64")]
    pub bytes_base64: String,
    /// The symbology.
    #[schema(schema_with = symbology_schema)]
    pub format: &'static str,
    /// `5` for QR, `M3` for Micro QR, `R7x43` for rMQR.
    pub version: String,
    /// `L`, `M`, `Q` or `H`, when the reader reports one.
    #[schema(required)]
    pub ec_level: Option<String>,
    /// The data mask pattern, when known.
    #[schema(required)]
    pub mask: Option<u8>,
    /// Four [x, y] points clockwise from the symbol's top-left, in the image as stored.
    #[schema(min_items = 4, max_items = 4)]
    pub corners: Vec<[f64; 2]>,
    /// Rotation in degrees (0 = upright, 90 = turned clockwise), in (-180, 180].
    pub orientation: i32,
    /// Light modules on a dark background.
    pub inverted: bool,
    /// Mirrored (read from behind glass, or a flipping EXIF orientation).
    pub mirrored: bool,
    /// Whether the payload carries an ECI designator.
    pub has_eci: bool,
    /// The AIM symbology identifier, e.g. `]Q1` (`]Q3` for GS1).
    pub symbology_identifier: String,
    /// Its place in a structured-append sequence; null for a single symbol.
    #[schema(required, inline)]
    pub structured_append: Option<SequencePlace>,
    /// The text read as a payload type, null for plain text.
    #[schema(required, schema_with = read_payload_schema)]
    pub payload: Option<ReadPayload>,
}

/// A symbol's place in a structured-append sequence.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
pub struct SequencePlace {
    /// 0-based position.
    pub index: u8,
    /// Symbols in the sequence.
    pub count: u8,
    /// The parity byte: the XOR of every byte of the whole payload.
    pub parity: u8,
}

/// A structured-append sequence: the merged payload when complete, what is missing otherwise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SequenceView {
    /// The parity byte that identifies it.
    pub parity: u8,
    /// Symbols in the sequence.
    pub count: u8,
    /// Whether every symbol was read.
    pub complete: bool,
    /// Positions not read.
    pub missing: Vec<u8>,
    /// The whole payload as text, once complete.
    #[schema(required)]
    pub text: Option<String>,
    /// The whole payload's bytes, once complete.
    #[schema(required, content_encoding = "base64")]
    pub bytes_base64: Option<String>,
}

fn symbology_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(Symbology::ALL.map(Symbology::name))
}

fn read_payload_schema() -> utoipa::openapi::schema::Schema {
    crate::schema::optional_ref("ReadPayload")
}

impl SymbolView {
    /// The view of `s`, its corners rounded.
    pub fn of(s: &Symbol) -> SymbolView {
        SymbolView {
            text: s.text.clone(),
            bytes_base64: base64::engine::general_purpose::STANDARD.encode(&s.bytes),
            format: s.symbology.name(),
            version: s.version.clone(),
            ec_level: s.ec_level.clone(),
            mask: s.mask,
            corners: s.corners.iter().map(|p| [round(p.x), round(p.y)]).collect(),
            orientation: s.orientation,
            inverted: s.inverted,
            mirrored: s.mirrored,
            has_eci: s.has_eci,
            symbology_identifier: s.symbology_identifier.clone(),
            structured_append: s.structured_append.map(|sa| SequencePlace {
                index: sa.index,
                count: sa.count,
                parity: sa.parity,
            }),
            payload: s.payload(),
        }
    }
}

impl SequenceView {
    /// The view of `m`.
    pub fn of(m: &MergedSequence) -> SequenceView {
        SequenceView {
            parity: m.parity,
            count: m.count,
            complete: m.is_complete(),
            missing: m.missing.clone(),
            text: m.text.clone(),
            bytes_base64: m
                .bytes
                .as_ref()
                .map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
        }
    }
}

impl DecodedView {
    /// The view of `d`.
    pub fn of(d: &Decoded) -> DecodedView {
        DecodedView {
            width: d.width,
            height: d.height,
            results: d.symbols.iter().map(SymbolView::of).collect(),
            sequences: d.sequences.iter().map(SequenceView::of).collect(),
        }
    }
}

/// The answer of `POST /api/v1/decode`: what was found, and the texts as `POST /decode`
/// answers them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Decoded)]
pub struct DecodeAnswer {
    /// As `POST /decode`: complete structured-append sequences merged.
    pub texts: Vec<String>,
    /// What was found.
    #[serde(flatten)]
    pub decoded: DecodedView,
}

impl DecodeAnswer {
    /// The answer for `d`.
    pub fn of(d: &Decoded) -> DecodeAnswer {
        DecodeAnswer {
            texts: texts(d),
            decoded: DecodedView::of(d),
        }
    }
}

/// [`DecodedView`] as a JSON object, for outputs that add their own fields (the CLI's path and
/// time, a batch result's file and status).
pub fn decoded(d: &Decoded) -> Value {
    serde_json::to_value(DecodedView::of(d)).expect("a decode result serialises")
}

/// Corner coordinates to two decimals: sub-pixel noise is not information.
fn round(v: f32) -> f64 {
    (f64::from(v) * 100.0).round() / 100.0
}

/// The texts to report, one per symbol, except that the parts of a complete structured-append
/// sequence are replaced by the merged text (the reference's `{"texts": [...]}` and the CLI's
/// plain output).
pub fn texts(d: &Decoded) -> Vec<String> {
    let merged: Vec<_> = d.sequences.iter().filter(|s| s.is_complete()).collect();
    let mut texts: Vec<String> = d
        .symbols
        .iter()
        .filter(|s| {
            s.structured_append.is_none_or(|sa| {
                !merged
                    .iter()
                    .any(|m| m.parity == sa.parity && m.count == sa.count)
            })
        })
        .map(|s| s.text.clone())
        .collect();
    texts.extend(merged.iter().filter_map(|m| m.text.clone()));
    texts
}
