//! The pure-Rust reader's whole chain from pixels — version hypotheses, finder and alignment
//! search, the homography and its corrections, sampling, decoding — on a rendered symbol that
//! the fuzzer damages (pixels overwritten at chosen places) and whose reported corners it moves.
//! Half the inputs are raw pixels with fuzzer-chosen corners, which also reach degenerate and
//! far-outside quadrilaterals. Any panic or hang is a finding; no text is asserted, since
//! enough damage can draw another valid symbol.
#![no_main]

use libfuzzer_sys::fuzz_target;
use qrsmith_core::{encode_text, fuzz_reader_image, EncodeOptions, Version};

/// Pixels per module of the rendered symbol, and its quiet zone in modules.
const SCALE: u32 = 3;
const QUIET: u32 = 2;

fuzz_target!(|data: &[u8]| {
    let [selector, flags, c @ ..] = data else {
        return;
    };
    let Some((corner_bytes, rest)) = c.split_first_chunk::<8>() else {
        return;
    };
    let inverted = flags & 1 != 0;
    if selector % 2 == 0 {
        // Raw pixels: a side from 8 to 135 px, corners anywhere within twice the image.
        let side = u32::from(selector / 2) + 8;
        let mut pixels = rest.to_vec();
        pixels.resize((side * side) as usize, 255);
        let at = |k: usize| {
            f64::from(corner_bytes[k]) / 255.0 * f64::from(side) * 2.0 - 0.5 * f64::from(side)
        };
        let corners = [
            (at(0), at(1)),
            (at(2), at(3)),
            (at(4), at(5)),
            (at(6), at(7)),
        ];
        let _ = fuzz_reader_image(side, side, pixels, corners, inverted);
        return;
    }
    let version = selector / 2 % 10 + 1;
    let opts = EncodeOptions {
        version: Some(Version::Normal(version)),
        ..EncodeOptions::default()
    };
    let Ok(code) = encode_text("qrsmith reader 0123456789", &opts) else {
        return;
    };
    let n = code.width() as u32;
    let side = (n + 2 * QUIET) * SCALE;
    let mut pixels: Vec<u8> = (0..side * side)
        .map(|i| {
            let (x, y) = (i % side / SCALE, i / side / SCALE);
            let inside = (QUIET..QUIET + n).contains(&x) && (QUIET..QUIET + n).contains(&y);
            let dark = inside && code.is_dark((x - QUIET) as usize, (y - QUIET) as usize);
            if dark != inverted {
                20
            } else {
                235
            }
        })
        .collect();
    // Each three bytes: a pixel (16 bits) and its new value.
    for chunk in rest.chunks_exact(3) {
        let i = usize::from(u16::from_le_bytes([chunk[0], chunk[1]])) % pixels.len();
        pixels[i] = chunk[2];
    }
    // The true corners, each moved by up to ±4 modules.
    let (lo, hi) = (f64::from(QUIET * SCALE), f64::from((QUIET + n) * SCALE));
    let jitter = |k: usize| (f64::from(corner_bytes[k]) - 127.5) / 127.5 * 4.0 * f64::from(SCALE);
    let corners = [
        (lo + jitter(0), lo + jitter(1)),
        (hi + jitter(2), lo + jitter(3)),
        (hi + jitter(4), hi + jitter(5)),
        (lo + jitter(6), hi + jitter(7)),
    ];
    let _ = fuzz_reader_image(side, side, pixels, corners, inverted);
});
