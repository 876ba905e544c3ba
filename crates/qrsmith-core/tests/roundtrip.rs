//! Round trip through the whole library: encode → render PNG → decode gives the same bytes, for
//! random payloads in every mode and EC level, every version 1–40 and every Micro QR version.

use proptest::prelude::*;
use qrsmith_core::{
    decode, encode_bytes, encode_text, render, DecodeOptions, EcLevel, EncodeOptions, Format, Mode,
    QrCode, RenderOptions, Size, Version,
};

const LEVELS: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

/// Decodes the PNG rendering of `code` and returns the payload of every symbol found: raw
/// bytes, except for kanji, which readers report as Shift JIS bytes and so compare as text.
fn read_back(code: &QrCode, mode: Mode) -> Vec<Vec<u8>> {
    let opts = RenderOptions {
        size: Size::Scale(3),
        ..RenderOptions::default()
    };
    let png = render(code, Format::Png, &opts).expect("renders");
    let decoded = decode(&png, &DecodeOptions::default()).expect("decodes");
    decoded
        .symbols
        .into_iter()
        .map(|s| match mode {
            Mode::Kanji => s.text.into_bytes(),
            _ => s.bytes,
        })
        .collect()
}

/// Largest payload of each mode in version 40 at each level (Table 7), in characters.
fn max_len(mode: Mode, ec: EcLevel) -> usize {
    let i = LEVELS.iter().position(|&l| l == ec).unwrap_or(0);
    match mode {
        Mode::Numeric => [7089, 5596, 3993, 3057][i],
        Mode::Alphanumeric => [4296, 3391, 2420, 1852][i],
        Mode::Byte => [2953, 2331, 1663, 1273][i],
        Mode::Kanji => [1817, 1435, 1024, 784][i],
    }
}

/// A payload of `len` characters that only `mode` (or a denser mode) can carry.
fn payload(mode: Mode, len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    match mode {
        Mode::Numeric => (0..len).map(|_| b'0' + (next() % 10) as u8).collect(),
        Mode::Alphanumeric => {
            let set = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
            (0..len).map(|_| set[(next() % 45) as usize]).collect()
        }
        Mode::Byte => (0..len).map(|_| next() as u8).collect(),
        Mode::Kanji => {
            // Common kanji from the first JIS level, as UTF-8 text.
            let kanji: Vec<char> = "日本語漢字点茗亜唖娃阿哀愛挨姶逢葵茜穐悪握渥旭葦芦鯵梓圧斡扱宛姐虻飴絢綾鮎或粟袷安庵按暗案闇鞍杏"
                .chars()
                .collect();
            (0..len)
                .map(|_| kanji[(next() % kanji.len() as u64) as usize])
                .collect::<String>()
                .into_bytes()
        }
    }
}

fn encode_payload(mode: Mode, data: &[u8], opts: &EncodeOptions) -> QrCode {
    let result = match mode {
        Mode::Kanji => encode_text(
            std::str::from_utf8(data).expect("kanji payload is UTF-8"),
            opts,
        ),
        _ => encode_bytes(data, opts),
    };
    result.expect("payload fits")
}

fn modes() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Numeric),
        Just(Mode::Alphanumeric),
        Just(Mode::Byte),
        Just(Mode::Kanji)
    ]
}

fn levels() -> impl Strategy<Value = EcLevel> {
    prop_oneof![
        Just(EcLevel::L),
        Just(EcLevel::M),
        Just(EcLevel::Q),
        Just(EcLevel::H)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Random payloads up to the full capacity of version 40, smallest version chosen.
    #[test]
    fn random_payloads_read_back(mode in modes(), ec in levels(), fill in 0.0f64..1.0, seed: u64) {
        let len = 1 + (fill * fill * (max_len(mode, ec) - 1) as f64) as usize;
        let data = payload(mode, len, seed);
        let opts = EncodeOptions { ec_level: ec, ..EncodeOptions::default() };
        let code = encode_payload(mode, &data, &opts);
        prop_assert_eq!(read_back(&code, mode), vec![data]);
    }

    /// Payloads mixing modes exercise the segmentation.
    #[test]
    fn mixed_text_reads_back(text in "[0-9]{0,20}[A-Z $%*+./:-]{0,20}[a-z{}ä€]{0,10}[0-9]{0,30}", ec in levels()) {
        prop_assume!(!text.is_empty());
        let code = encode_text(&text, &EncodeOptions { ec_level: ec, ..EncodeOptions::default() }).unwrap();
        prop_assert_eq!(read_back(&code, Mode::Byte), vec![text.into_bytes()]);
    }
}

#[test]
fn every_version_and_level_reads_back() {
    for v in 1..=40u8 {
        for ec in LEVELS {
            let data = payload(Mode::Byte, 4 + v as usize, v as u64 * 7 + 1);
            let opts = EncodeOptions {
                ec_level: ec,
                version: Some(Version::Normal(v)),
                ..EncodeOptions::default()
            };
            let code = encode_payload(Mode::Byte, &data, &opts);
            assert_eq!(code.version(), Version::Normal(v));
            assert_eq!(
                read_back(&code, Mode::Byte),
                vec![data],
                "version {v} level {ec:?}"
            );
        }
    }
}

#[test]
fn every_mask_reads_back() {
    for mask in 0..8 {
        let opts = EncodeOptions {
            mask: Some(mask),
            ..EncodeOptions::default()
        };
        let code = encode_text("mask test 123", &opts).unwrap();
        assert_eq!(code.mask(), mask);
        assert_eq!(
            read_back(&code, Mode::Byte),
            vec![b"mask test 123".to_vec()]
        );
    }
}

#[test]
fn micro_qr_reads_back_in_every_version_level_and_mode() {
    let mut checked = 0;
    for v in 1..=4u8 {
        for ec in [EcLevel::L, EcLevel::M, EcLevel::Q] {
            for mode in [Mode::Numeric, Mode::Alphanumeric, Mode::Byte, Mode::Kanji] {
                for mask in 0..4 {
                    let data = payload(mode, 2, (v * 16 + mask) as u64);
                    let opts = EncodeOptions {
                        ec_level: ec,
                        version: Some(Version::Micro(v)),
                        mask: Some(mask),
                        mode: Some(mode),
                        ..EncodeOptions::default()
                    };
                    let encoded = match mode {
                        Mode::Kanji => encode_text(std::str::from_utf8(&data).unwrap(), &opts),
                        _ => encode_bytes(&data, &opts),
                    };
                    // Combinations the version lacks (M1 has only numeric, M4 alone has Q)
                    // must be refused, not mis-encoded.
                    let Ok(code) = encoded else { continue };
                    assert_eq!(
                        read_back(&code, mode),
                        vec![data],
                        "M{v} {ec:?} {mode:?} mask {mask}"
                    );
                    checked += 1;
                }
            }
        }
    }
    // M1: 1 level × 1 mode; M2: 2 × 2; M3: 2 × 4; M4: 3 × 4 — each with 4 masks.
    assert_eq!(checked, (1 + 4 + 8 + 12) * 4);
}
