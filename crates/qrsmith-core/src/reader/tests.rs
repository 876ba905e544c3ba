//! The decoder against our encoder: every version, level and mask; damage up to and past what
//! error correction can repair; mirrored symbols.

use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom as _;
use rand::{RngExt as _, SeedableRng as _};

use super::codewords::block_layout;
use super::decoder::{decode_grid, GridError};
use super::*;
use crate::encode::matrix::{
    qr_format_positions, qr_version_positions, version_info_bits, Template,
};
use crate::{encode_sequence_text, encode_text, EcLevel, EncodeOptions, QrCode, Version};

const LEVELS: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

/// A text of `kind` (numeric, alphanumeric, UTF-8 bytes, kanji, a mix, or UTF-8 under an ECI)
/// about `chars` characters long.
fn text_of(kind: usize, chars: usize) -> String {
    let pattern = match kind {
        0 => "31415926535897932384626433832795",
        1 => "HTTPS://QRSMITH.EXAMPLE/A-B $12.5% ",
        2 => "grüße, naïve café — ",
        3 => "漢字点検日本語",
        4 => "Order 00012345: 点 https://x.example/Q?id=99 ",
        _ => "Ελληνικά и кириллица ",
    };
    pattern.chars().cycle().take(chars.max(1)).collect()
}

/// Encodes a text of `kind` that nearly fills this exact version, level and mask: from an
/// estimate of the capacity, 5 % shorter until it fits.
fn fill(version: u8, ec_level: EcLevel, mask: u8, kind: usize) -> (String, QrCode) {
    let opts = EncodeOptions {
        version: Some(Version::Normal(version)),
        ec_level,
        mask: Some(mask),
        eci: (kind == 5).then_some(26),
        ..EncodeOptions::default()
    };
    let bits = Version::Normal(version).data_bits(ec_level);
    let per_char = [10.0 / 3.0, 5.5, 9.0, 13.0, 8.0, 14.0][kind];
    let mut chars = (bits as f64 / per_char) as usize;
    loop {
        let text = text_of(kind, chars);
        match encode_text(&text, &opts) {
            Ok(code) => return (text, code),
            Err(_) if chars > 1 => chars = chars * 19 / 20,
            Err(e) => panic!("{version}-{ec_level:?}: {e}"),
        }
    }
}

#[test]
fn every_version_level_and_mask_decodes() {
    let mut symbols = 0;
    for version in 1..=40u8 {
        for (l, &ec_level) in LEVELS.iter().enumerate() {
            for mask in 0..8u8 {
                let kind = (version as usize + l + mask as usize) % 6;
                let (text, code) = fill(version, ec_level, mask, kind);
                let content = decode_grid(&SampledGrid::from_code(&code))
                    .unwrap_or_else(|e| panic!("{version}-{ec_level:?} mask {mask}: {e}"));
                let what = format!("{version}-{ec_level:?} mask {mask} kind {kind}");
                assert_eq!(content.text, text, "{what}");
                assert_eq!(
                    (content.version, content.ec_level, content.mask),
                    (version, ec_level, mask),
                    "{what}"
                );
                assert!(!content.mirrored, "{what}");
                assert_eq!(content.has_eci, kind == 5, "{what}");
                assert_eq!(content.symbology_identifier, "]Q1", "{what}");
                assert_eq!((content.errors, content.erasures), (0, 0), "{what}");
                assert_eq!(content.ec_headroom, 1.0, "{what}");
                symbols += 1;
            }
        }
    }
    assert_eq!(symbols, 40 * 4 * 8);
}

#[test]
fn structured_append_symbols_carry_their_place() {
    let text = text_of(4, 300);
    let codes = encode_sequence_text(&text, &EncodeOptions::default(), Some(4)).unwrap();
    let parity = text.bytes().fold(0, |a, b| a ^ b);
    let mut joined = String::new();
    for (i, code) in codes.iter().enumerate() {
        let content = decode_grid(&SampledGrid::from_code(code)).unwrap();
        let place = content
            .structured_append
            .expect("a structured-append header");
        assert_eq!(
            (place.index, place.count, place.parity),
            (i as u8, 4, parity)
        );
        joined.push_str(&content.text);
    }
    assert_eq!(joined, text);
}

#[test]
fn mirrored_symbols_decode_as_mirrored() {
    for (version, ec_level) in [
        (1, EcLevel::H),
        (6, EcLevel::L),
        (7, EcLevel::M),
        (32, EcLevel::Q),
    ] {
        let (text, code) = fill(version, ec_level, 4, 2);
        let mirrored = SampledGrid::from_code(&code).transposed();
        let content = decode_grid(&mirrored).unwrap();
        assert!(content.mirrored, "version {version}");
        assert_eq!(content.text, text);
    }
}

#[test]
fn a_destroyed_format_copy_is_read_from_the_other() {
    for copy in 0..2 {
        let (text, code) = fill(5, EcLevel::Q, 6, 1);
        let mut grid = SampledGrid::from_code(&code);
        for &(x, y) in &qr_format_positions(grid.width)[copy] {
            let i = y as usize * grid.width + x as usize;
            grid.dark[i] = !grid.dark[i];
        }
        let content = decode_grid(&grid).unwrap_or_else(|e| panic!("copy {copy}: {e}"));
        assert_eq!(content.text, text);
        assert_eq!(content.mask, 6);
    }
}

#[test]
fn version_information_is_checked_against_the_width() {
    // A version 7 grid whose version information says 9: the width decides, so it reads.
    let (text, code) = fill(7, EcLevel::M, 1, 0);
    let mut grid = SampledGrid::from_code(&code);
    let w = grid.width;
    for copy in qr_version_positions(w) {
        for (i, &(x, y)) in copy.iter().enumerate() {
            grid.dark[y as usize * w + x as usize] = version_info_bits(9) >> i & 1 != 0;
        }
    }
    assert_eq!(decode_grid(&grid).unwrap().text, text);
    // When the data does not decode, the error names the size to sample again at.
    for module in &mut grid.dark[w * (w / 2)..] {
        *module = !*module;
    }
    assert_eq!(
        decode_grid(&grid),
        Err(GridError::BadVersion {
            width: w,
            read: Some(9)
        })
    );
}

/// The modules (x, y) of each codeword of each block, in block order.
fn block_modules(version: u8, ec_level: EcLevel) -> Vec<Vec<[(usize, usize); 8]>> {
    let template = Template::get(Version::Normal(version));
    let row_bits = template.words * 64;
    block_layout(version, ec_level)
        .iter()
        .map(|block| {
            block
                .iter()
                .map(|&c| {
                    std::array::from_fn(|b| {
                        let slot = template.data_slots[8 * c + b] as usize;
                        (slot % row_bits, slot / row_bits)
                    })
                })
                .collect()
        })
        .collect()
}

/// Makes codeword `modules` wrong: flips a random non-empty subset of its modules.
fn garble(rng: &mut ChaCha8Rng, grid: &mut SampledGrid, modules: &[(usize, usize); 8]) {
    let flips: u8 = rng.random_range(1..=255);
    for (b, &(x, y)) in modules.iter().enumerate() {
        if flips >> b & 1 != 0 {
            grid.dark[y * grid.width + x] ^= true;
        }
    }
}

/// Marks codeword `modules` as unsure (one to eight modules at confidence 0–99) and, when
/// `wrong`, garbles it too: an erasure whose value may or may not be right.
fn erase(rng: &mut ChaCha8Rng, grid: &mut SampledGrid, modules: &[(usize, usize); 8], wrong: bool) {
    let unsure = rng.random_range(1..=8);
    for &(x, y) in &modules[..unsure] {
        grid.confidence[y * grid.width + x] = rng.random_range(0..100);
    }
    if wrong {
        garble(rng, grid, modules);
    }
}

const SHAPES: [(u8, EcLevel); 9] = [
    (1, EcLevel::L),
    (1, EcLevel::M),
    (1, EcLevel::H),
    (2, EcLevel::L),
    (5, EcLevel::Q),
    (10, EcLevel::H),
    (17, EcLevel::M),
    (25, EcLevel::Q),
    (40, EcLevel::L),
];

#[test]
fn damage_within_the_safe_bound_always_decodes() {
    // Every block of every symbol at the most damage the decoder accepts for it: s erasures
    // (values scrambled or not) and then as many unflagged errors as `plausible` allows.
    let mut rng = ChaCha8Rng::seed_from_u64(1414);
    for (version, ec_level) in SHAPES {
        let trials = if version >= 25 { 3 } else { 12 };
        for trial in 0..trials {
            let (text, code) = fill(version, ec_level, trial as u8 % 8, trial % 6);
            let mut grid = SampledGrid::from_code(&code);
            let (mut expect_errors, mut expect_erasures) = (0, 0);
            for block in block_modules(version, ec_level) {
                let n = block.len();
                let ec = Version::Normal(version).ec_blocks(ec_level).0;
                let s = rng.random_range(0..=ec);
                let fixes = |e, s| reed_solomon::Correction {
                    errors: e,
                    erasures: s,
                };
                if !decoder::plausible(n, ec, fixes(0, s)) {
                    continue; // Past the safe bound even without errors: another test's case.
                }
                let e = (0..=ec)
                    .take_while(|&e| decoder::plausible(n, ec, fixes(e, s)))
                    .last()
                    .unwrap_or(0);
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng);
                for &c in &order[..e] {
                    garble(&mut rng, &mut grid, &block[c]);
                }
                for &c in &order[e..e + s] {
                    let wrong = rng.random();
                    erase(&mut rng, &mut grid, &block[c], wrong);
                }
                expect_errors += e;
                expect_erasures += s;
            }
            let what = format!("{version}-{ec_level:?} trial {trial}");
            let content = decode_grid(&grid).unwrap_or_else(|err| panic!("{what}: {err}"));
            assert_eq!(content.text, text, "{what}");
            // An earlier trial with fewer erasures may have read a flagged codeword as an error.
            assert!(
                content.errors + content.erasures <= expect_errors + expect_erasures,
                "{what}"
            );
        }
    }
}

#[test]
fn erasures_repair_what_errors_alone_cannot() {
    // Version 10-H: eight blocks of 15 data and 28 EC codewords. 20 wrong codewords a block
    // are past the 14 errors RS can find, but within reach once the sampler flags them.
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (text, code) = fill(10, EcLevel::H, 2, 2);
    let mut grid = SampledGrid::from_code(&code);
    for block in block_modules(10, EcLevel::H) {
        let mut order: Vec<usize> = (0..block.len()).collect();
        order.shuffle(&mut rng);
        for &c in &order[..20] {
            erase(&mut rng, &mut grid, &block[c], true);
        }
    }
    let content = decode_grid(&grid).unwrap();
    assert_eq!(content.text, text);
    // Every wrong codeword was corrected, as an erasure or (a trial with fewer erasures
    // sufficed) as an error.
    assert!(content.errors + content.erasures >= 8 * 20, "{content:?}");
    assert!(content.ec_headroom < 0.3, "{content:?}");
    grid.confidence.fill(u8::MAX);
    assert_eq!(decode_grid(&grid), Err(GridError::ReedSolomon));
}

#[test]
fn one_past_the_bound_is_an_error_never_a_wrong_text() {
    // Every block at 2e + s = n − k + 1 with every erased value wrong: no reading may succeed.
    let mut rng = ChaCha8Rng::seed_from_u64(1415);
    for (version, ec_level) in SHAPES {
        for trial in 0..6 {
            let (_, code) = fill(version, ec_level, trial as u8, trial % 6);
            let mut grid = SampledGrid::from_code(&code);
            for block in block_modules(version, ec_level) {
                let ec = Version::Normal(version).ec_blocks(ec_level).0;
                let e = rng.random_range(0..=ec.div_ceil(2));
                let s = ec + 1 - 2 * e;
                let mut order: Vec<usize> = (0..block.len()).collect();
                order.shuffle(&mut rng);
                for &c in &order[..e] {
                    garble(&mut rng, &mut grid, &block[c]);
                }
                for &c in &order[e..e + s] {
                    erase(&mut rng, &mut grid, &block[c], true);
                }
            }
            let result = decode_grid(&grid);
            assert!(
                result.is_err(),
                "{version}-{ec_level:?} trial {trial}: {result:?}"
            );
        }
    }
}

#[test]
fn random_module_damage_gives_the_text_or_an_error() {
    // Modules anywhere (function patterns and format information included) flipped and
    // flagged at random, from light to hopeless: a wrong text is the one outcome not allowed.
    let mut rng = ChaCha8Rng::seed_from_u64(1416);
    let (mut right, mut refused) = (0, 0);
    for (version, ec_level) in SHAPES {
        for trial in 0..40 {
            let (text, code) = fill(version, ec_level, trial as u8 % 8, trial % 6);
            let mut grid = SampledGrid::from_code(&code);
            let modules = grid.width * grid.width;
            let share = [0.01, 0.03, 0.06, 0.1, 0.2][trial % 5];
            for _ in 0..(modules as f64 * share) as usize {
                let i = rng.random_range(0..modules);
                if rng.random_range(0..3) == 0 {
                    grid.confidence[i] = rng.random_range(0..=255);
                }
                grid.dark[i] = rng.random();
            }
            match decode_grid(&grid) {
                Ok(content) => {
                    assert_eq!(content.text, text, "{version}-{ec_level:?} trial {trial}");
                    right += 1;
                }
                Err(_) => refused += 1,
            }
        }
    }
    // Both outcomes occur, or the test proves nothing.
    assert!(right > 0 && refused > 0, "{right} read, {refused} refused");
}

#[test]
fn raw_grids_for_the_fuzzer_never_panic() {
    let mut rng = ChaCha8Rng::seed_from_u64(1417);
    for _ in 0..200 {
        let width = [0, 1, 21, 25, 45, 177, 178][rng.random_range(0..7)];
        let len = rng.random_range(0..=width * width + 2);
        let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        let _ = decode_raw_grid(width, &bytes);
    }
    let code = encode_text("fuzz", &EncodeOptions::default()).unwrap();
    let raw: Vec<u8> = code.modules.iter().map(|&m| m | 0xFE).collect();
    assert_eq!(decode_raw_grid(code.width, &raw).as_deref(), Some("fuzz"));
}

#[test]
fn text_and_metadata_agree_with_zxing_cpp() {
    // The same symbols through zxing-cpp (the reader behind `decode` today) and through ours.
    use crate::{decode, encode_bytes, render, DecodeOptions, Format, RenderOptions};
    let with_eci = |eci| EncodeOptions {
        eci: Some(eci),
        ..EncodeOptions::default()
    };
    let cases: Vec<(&str, QrCode)> = vec![
        (
            "numeric",
            encode_text("0123456789", &EncodeOptions::default()).unwrap(),
        ),
        (
            "UTF-8, no ECI",
            encode_text("grüße café", &EncodeOptions::default()).unwrap(),
        ),
        (
            "Latin-1 bytes, no ECI",
            encode_bytes(b"caf\xE9 cr\xE8me", &EncodeOptions::default()).unwrap(),
        ),
        (
            "kanji",
            encode_text("漢字点検 OK 123", &EncodeOptions::default()).unwrap(),
        ),
        ("ECI 26", encode_text("Ελληνικά", &with_eci(26)).unwrap()),
        (
            "ECI 3",
            encode_bytes(b"\xC0 la carte", &with_eci(3)).unwrap(),
        ),
        (
            "ECI 20",
            encode_bytes(b"\x93\x5F\x8C\x9F", &with_eci(20)).unwrap(),
        ),
        (
            "ECI 22",
            encode_bytes(b"\xCF\xF0\xE8\xE2\xE5\xF2", &with_eci(22)).unwrap(),
        ),
    ];
    for (what, code) in cases {
        let ours = decode_grid(&SampledGrid::from_code(&code)).unwrap();
        let png = render(&code, Format::Png, &RenderOptions::default()).unwrap();
        let theirs = decode(&png, &DecodeOptions::default()).unwrap();
        let theirs = &theirs.symbols[0];
        assert_eq!(ours.text, theirs.text, "{what}");
        assert_eq!(ours.bytes, theirs.bytes, "{what}");
        assert_eq!(ours.has_eci, theirs.has_eci, "{what}");
        assert_eq!(
            ours.symbology_identifier, theirs.symbology_identifier,
            "{what}"
        );
    }
}
