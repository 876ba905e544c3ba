//! Structured append: symbols that carry one payload between them (ISO/IEC 18004 §8), grouped by
//! their parity byte and total count, and merged once every part has been read.

use std::collections::BTreeMap;

use super::{MergedSequence, Symbol};

/// The most symbols a structured-append sequence has (ISO/IEC 18004 §8: a 4-bit count).
const MAX_PARTS: u8 = 16;

/// Groups structured-append symbols into sequences: the symbols of one image, or those read from
/// several images (one part per photo, say). A sequence with every part present is merged; one
/// with parts missing is still listed, with `missing` filled in and no payload: an incomplete
/// sequence is a result, not an error. Symbols without structured-append information are
/// ignored, and so are parts whose header cannot be right (a count of 0 or over 16, or an index
/// past the count): a damaged or forged header must not complete someone else's sequence.
pub fn merge_sequences(symbols: &[Symbol]) -> Vec<MergedSequence> {
    // (parity, count) → index → symbol. Two different sequences may share a parity by chance;
    // keying on the count as well separates most of them. A BTreeMap keeps the output stable.
    let mut groups: BTreeMap<(u8, u8), BTreeMap<u8, &Symbol>> = BTreeMap::new();
    for symbol in symbols {
        if let Some(sa) = &symbol.structured_append {
            if !(1..=MAX_PARTS).contains(&sa.count) || sa.index >= sa.count {
                continue;
            }
            groups
                .entry((sa.parity, sa.count))
                .or_default()
                // The same part read twice (e.g. printed twice) counts once.
                .entry(sa.index)
                .or_insert(symbol);
        }
    }
    groups
        .into_iter()
        .map(|((parity, count), parts)| {
            let missing: Vec<u8> = (0..count).filter(|i| !parts.contains_key(i)).collect();
            let (text, bytes) = if missing.is_empty() {
                let bytes: Vec<u8> = parts
                    .values()
                    .flat_map(|s| s.bytes.iter().copied())
                    .collect();
                // The whole payload decodes better than the parts: a multi-byte UTF-8 character
                // may be split across two symbols. Fall back to the engine's per-part texts when
                // the payload is not UTF-8 (e.g. Shift JIS or ECI content).
                let text = match String::from_utf8(bytes.clone()) {
                    Ok(text) => text,
                    Err(_) => parts.values().map(|s| s.text.as_str()).collect(),
                };
                (Some(text), Some(bytes))
            } else {
                (None, None)
            };
            MergedSequence {
                parity,
                count,
                found: parts.keys().copied().collect(),
                missing,
                text,
                bytes,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{Point, StructuredAppend};

    fn part(index: u8, count: u8, parity: u8, bytes: &[u8]) -> Symbol {
        Symbol {
            text: String::from_utf8_lossy(bytes).into_owned(),
            bytes: bytes.to_vec(),
            symbology_identifier: "]Q1".into(),
            structured_append: Some(StructuredAppend {
                index,
                count,
                parity,
            }),
            ..Symbol::with_corners([Point { x: 0.0, y: 0.0 }; 4])
        }
    }

    #[test]
    fn merges_out_of_order_parts_and_utf8_split_across_symbols() {
        let euro = "€".as_bytes(); // three bytes, split 1 + 2 over two symbols
        let symbols = vec![
            part(1, 3, 7, &euro[1..]),
            part(2, 3, 7, b"!"),
            part(0, 3, 7, &euro[..1]),
        ];
        let seqs = merge_sequences(&symbols);
        assert_eq!(seqs.len(), 1);
        assert_eq!(seqs[0].text.as_deref(), Some("€!"));
        assert_eq!(seqs[0].bytes.as_deref(), Some("€!".as_bytes()));
        assert_eq!(seqs[0].found, vec![0, 1, 2]);
        assert!(seqs[0].missing.is_empty());
    }

    #[test]
    fn incomplete_sequence_is_listed_without_payload() {
        let symbols = vec![part(0, 4, 95, b"a"), part(2, 4, 95, b"c")];
        let seqs = merge_sequences(&symbols);
        assert_eq!(seqs.len(), 1);
        assert_eq!(seqs[0].missing, vec![1, 3]);
        assert_eq!(seqs[0].text, None);
        assert_eq!(seqs[0].bytes, None);
    }

    #[test]
    fn different_parities_are_different_sequences_and_duplicates_count_once() {
        let symbols = vec![
            part(0, 2, 1, b"a"),
            part(0, 2, 1, b"a"),
            part(1, 2, 1, b"b"),
            part(0, 2, 2, b"x"),
        ];
        let seqs = merge_sequences(&symbols);
        assert_eq!(seqs.len(), 2);
        assert_eq!(seqs[0].text.as_deref(), Some("ab"));
        assert_eq!(seqs[1].missing, vec![1]);
    }

    #[test]
    fn parts_with_impossible_headers_do_not_complete_a_sequence() {
        // An index past the count (or a count of 0 or over 16) cannot come from a valid symbol:
        // such a part is dropped, so it neither completes nor joins the genuine sequence.
        let symbols = vec![
            part(0, 2, 9, b"a"),
            part(1, 2, 9, b"b"),
            part(5, 2, 9, b"forged"),
            part(0, 0, 9, b"zero"),
            part(3, 17, 9, b"many"),
        ];
        let seqs = merge_sequences(&symbols);
        assert_eq!(seqs.len(), 1);
        assert_eq!(seqs[0].found, vec![0, 1]);
        assert_eq!(seqs[0].bytes.as_deref(), Some(&b"ab"[..]));
    }
}
