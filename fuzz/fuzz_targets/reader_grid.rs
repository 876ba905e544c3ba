//! Arbitrary module grids through the pure-Rust reader's decoder (format and version
//! information, codewords, Reed–Solomon with erasures, the bit stream), as a sampler would hand
//! them over. Half the inputs are raw grids; the other half damage a real symbol (modules set
//! and confidences lowered at fuzzer-chosen places), so that the fuzzer reaches error
//! correction and the bit stream rather than stopping at the format information. Any panic or
//! hang is a finding; an error is the expected answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrsmith_core::{encode_text, fuzz_reader_grid, EcLevel, EncodeOptions, Version};

fuzz_target!(|data: &[u8]| {
    let [selector, style, rest @ ..] = data else {
        return;
    };
    let version = selector % 40 + 1;
    let width = 17 + 4 * version as usize;
    if style % 2 == 0 {
        // Widths off the QR sizes too (style / 2 adds up to 127 modules).
        let width = if style % 4 == 0 {
            width
        } else {
            (*style / 2) as usize
        };
        let _ = fuzz_reader_grid(width, rest);
        return;
    }
    let opts = EncodeOptions {
        version: Some(Version::Normal(version)),
        ec_level: [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H][(style >> 1) as usize % 4],
        mask: Some((style >> 3) % 8),
        ..EncodeOptions::default()
    };
    let Ok(code) = encode_text("qrsmith 0123456789 FUZZ", &opts) else {
        return;
    };
    let mut modules: Vec<u8> = (0..width * width)
        .map(|i| u8::from(code.is_dark(i % width, i / width)) | 0xFE)
        .collect();
    // Each three bytes: a module (16 bits) and its new value and confidence.
    for chunk in rest.chunks_exact(3) {
        let i = u16::from_le_bytes([chunk[0], chunk[1]]) as usize % modules.len();
        modules[i] = chunk[2];
    }
    // No assertion on the text: enough chunks can redraw the grid as another valid symbol.
    let _ = fuzz_reader_grid(width, &modules);
});
