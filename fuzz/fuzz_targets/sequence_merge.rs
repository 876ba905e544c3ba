//! Structured-append merging over arbitrary parts, as a forged or damaged set of symbols would
//! present them: whatever the headers say, a sequence is complete only with exactly its parts
//! 0..count, and its payload is their bytes in order.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use qrsmith_core::{merge_sequences, Point, StructuredAppend, Symbol, Symbology};

#[derive(Debug, Arbitrary)]
struct Part {
    header: Option<(u8, u8, u8)>,
    bytes: Vec<u8>,
}

fn symbol(part: &Part) -> Symbol {
    Symbol {
        text: String::from_utf8_lossy(&part.bytes).into_owned(),
        bytes: part.bytes.clone(),
        symbology: Symbology::QrCode,
        version: "1".into(),
        ec_level: None,
        mask: None,
        ec_headroom: None,
        corners: [Point { x: 0.0, y: 0.0 }; 4],
        orientation: 0,
        inverted: false,
        mirrored: false,
        has_eci: false,
        symbology_identifier: "]Q1".into(),
        structured_append: part.header.map(|(index, count, parity)| StructuredAppend {
            index,
            count,
            parity,
        }),
    }
}

fuzz_target!(|parts: Vec<Part>| {
    let symbols: Vec<Symbol> = parts.iter().map(symbol).collect();
    for sequence in merge_sequences(&symbols) {
        assert!((1..=16).contains(&sequence.count), "{sequence:?}");
        let mut all = sequence.found.clone();
        all.extend(&sequence.missing);
        all.sort_unstable();
        assert_eq!(all, (0..sequence.count).collect::<Vec<u8>>(), "{sequence:?}");
        assert_eq!(sequence.is_complete(), sequence.bytes.is_some());
        if let Some(bytes) = &sequence.bytes {
            // The payload is, index by index, the bytes of the first part given for it.
            let expected: Vec<u8> = (0..sequence.count)
                .flat_map(|index| {
                    symbols
                        .iter()
                        .find(|s| {
                            s.structured_append.is_some_and(|sa| {
                                sa.index == index
                                    && sa.count == sequence.count
                                    && sa.parity == sequence.parity
                            })
                        })
                        .map(|s| s.bytes.clone())
                        .unwrap_or_default()
                })
                .collect();
            assert_eq!(bytes, &expected);
        }
    }
});
