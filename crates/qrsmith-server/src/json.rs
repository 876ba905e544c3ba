//! JSON shapes of decode results, shared by the service's responses and the CLI's `--json`
//! output, so that both speak the same format.

use base64::Engine as _;
use qrsmith_core::{Decoded, MergedSequence, Symbol};
use serde_json::{json, Value};

/// One symbol with all its metadata; corners clockwise from the symbol's top-left.
pub fn symbol(s: &Symbol) -> Value {
    json!({
        "text": s.text,
        "bytes_base64": base64::engine::general_purpose::STANDARD.encode(&s.bytes),
        "format": s.symbology.name(),
        "version": s.version,
        "ec_level": s.ec_level,
        "mask": s.mask,
        "corners": s.corners.iter().map(|p| [round(p.x), round(p.y)]).collect::<Vec<_>>(),
        "orientation": s.orientation,
        "inverted": s.inverted,
        "mirrored": s.mirrored,
        "has_eci": s.has_eci,
        "symbology_identifier": s.symbology_identifier,
        "structured_append": s.structured_append.map(|sa| json!({
            "index": sa.index,
            "count": sa.count,
            "parity": sa.parity,
        })),
        "payload": s.payload(),
    })
}

/// A structured-append sequence: the merged payload when complete, what is missing otherwise.
pub fn sequence(m: &MergedSequence) -> Value {
    json!({
        "parity": m.parity,
        "count": m.count,
        "complete": m.is_complete(),
        "missing": m.missing,
        "text": m.text,
        "bytes_base64": m.bytes.as_ref().map(|b| base64::engine::general_purpose::STANDARD.encode(b)),
    })
}

/// Everything found in one image.
pub fn decoded(d: &Decoded) -> Value {
    json!({
        "width": d.width,
        "height": d.height,
        "results": d.symbols.iter().map(symbol).collect::<Vec<_>>(),
        "sequences": d.sequences.iter().map(sequence).collect::<Vec<_>>(),
    })
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
