//! Structured append: one payload over up to 16 QR symbols that readers join again.

use super::{allow_kanji, encode_units, segment, EncodeOptions, QrCode, Version};
use crate::error::{Error, ErrorKind, Result};

/// A symbol's place in a structured-append sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SequenceInfo {
    /// Position in the sequence, from 0.
    pub index: u8,
    /// Number of symbols in the sequence (2–16, or 1).
    pub total: u8,
    /// XOR of all payload bytes; the same in every symbol, so readers can tell sequences apart.
    pub parity: u8,
}

/// Most symbols a sequence may have (4-bit count field).
pub const MAX_SEQUENCE_SYMBOLS: usize = 16;

/// Version used for each symbol when neither `parts` nor a version is given: dense enough to
/// need few symbols, sparse enough for a phone camera at arm's length.
const DEFAULT_SEQUENCE_VERSION: u8 = 10;

/// Splits text over a structured-append sequence.
///
/// With `parts`, exactly that many symbols of about equal length (each the smallest version that
/// fits, or `opts.version`). Without, the fewest symbols whose chunks fit `opts.version`, or
/// version 10 when none is forced. Text is split between characters, never inside one.
pub fn encode_sequence_text(
    text: &str,
    opts: &EncodeOptions,
    parts: Option<u8>,
) -> Result<Vec<QrCode>> {
    let units = segment::units_for_text(text, allow_kanji(opts));
    encode_sequence(text.as_bytes(), &units, opts, parts)
}

/// Splits raw bytes over a structured-append sequence; see [`encode_sequence_text`].
pub fn encode_sequence_bytes(
    data: &[u8],
    opts: &EncodeOptions,
    parts: Option<u8>,
) -> Result<Vec<QrCode>> {
    let units = segment::units_for_bytes(data);
    encode_sequence(data, &units, opts, parts)
}

fn encode_sequence(
    source: &[u8],
    units: &[segment::Unit],
    opts: &EncodeOptions,
    parts: Option<u8>,
) -> Result<Vec<QrCode>> {
    if opts.micro || opts.version.is_some_and(Version::is_micro) {
        return Err(Error::new(
            ErrorKind::InvalidOption,
            "Micro QR symbols cannot form a structured-append sequence",
        ));
    }
    let parity = source.iter().fold(0u8, |acc, &b| acc ^ b);
    match parts {
        Some(n) => {
            let n = n as usize;
            if !(1..=MAX_SEQUENCE_SYMBOLS).contains(&n) {
                return Err(Error::new(
                    ErrorKind::InvalidOption,
                    format!("a sequence has 1–{MAX_SEQUENCE_SYMBOLS} symbols, not {n}"),
                ));
            }
            encode_split(source, units, opts, n, parity)
        }
        None => {
            let mut per_symbol = *opts;
            per_symbol.version = Some(
                opts.version
                    .unwrap_or(Version::Normal(DEFAULT_SEQUENCE_VERSION)),
            );
            let mut last = None;
            for n in 1..=MAX_SEQUENCE_SYMBOLS.min(units.len().max(1)) {
                match encode_split(source, units, &per_symbol, n, parity) {
                    Ok(codes) => return Ok(codes),
                    Err(e) if e.kind() == ErrorKind::DataTooLong => last = Some(e),
                    Err(e) => return Err(e),
                }
            }
            let detail = last.map(|e| e.to_string()).unwrap_or_default();
            Err(Error::new(
                ErrorKind::DataTooLong,
                format!("the payload does not fit {MAX_SEQUENCE_SYMBOLS} symbols: {detail}"),
            ))
        }
    }
}

/// Encodes `units` as `n` symbols of about equal byte length.
fn encode_split(
    source: &[u8],
    units: &[segment::Unit],
    opts: &EncodeOptions,
    n: usize,
    parity: u8,
) -> Result<Vec<QrCode>> {
    if n > units.len().max(1) {
        return Err(Error::new(
            ErrorKind::InvalidOption,
            format!("cannot split {} characters into {n} symbols", units.len()),
        ));
    }
    let total_bytes = source.len();
    let mut codes = Vec::with_capacity(n);
    let mut start = 0;
    for i in 0..n {
        // End at the first unit boundary at or past the i-th equal share of bytes.
        let target = total_bytes * (i + 1) / n;
        let mut end = start;
        while end < units.len()
            && (i + 1 == n || segment::unit_start(&units[end]) < target || end == start)
        {
            end += 1;
        }
        let header = SequenceInfo {
            index: i as u8,
            total: n as u8,
            parity,
        };
        codes.push(encode_units(
            source,
            &units[start..end],
            opts,
            Some(header),
        )?);
        start = end;
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_into_the_requested_parts() {
        let text = "The quick brown fox jumps over the lazy dog. ".repeat(10);
        let codes = encode_sequence_text(&text, &EncodeOptions::default(), Some(4)).unwrap();
        assert_eq!(codes.len(), 4);
        let parity = text.bytes().fold(0, |a, b| a ^ b);
        for (i, c) in codes.iter().enumerate() {
            assert_eq!(
                c.sequence(),
                Some(SequenceInfo {
                    index: i as u8,
                    total: 4,
                    parity
                })
            );
        }
    }

    #[test]
    fn picks_the_fewest_symbols_of_the_forced_version() {
        let data = vec![b'x'; 500];
        let opts = EncodeOptions {
            version: Some(Version::Normal(5)),
            ec_level: crate::EcLevel::L,
            ..Default::default()
        };
        // Version 5-L holds 106 bytes; with the 20-bit header about 103 per symbol.
        let codes = encode_sequence_bytes(&data, &opts, None).unwrap();
        assert_eq!(codes.len(), 5);
        assert!(codes.iter().all(|c| c.version() == Version::Normal(5)));
    }

    #[test]
    fn too_much_for_sixteen_symbols_is_an_error() {
        let data = vec![b'x'; 20_000];
        let err = encode_sequence_bytes(&data, &EncodeOptions::default(), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::DataTooLong);
        let err = encode_sequence_bytes(b"abc", &EncodeOptions::default(), Some(17)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidOption);
    }
}
