//! Our own QR reader, in pure Rust, one file per stage as zxing-cpp keeps its QR reader (issue
//! 14). This part reads a sampled module grid: `format` (format and version information),
//! `codewords` (unmasking, zig-zag extraction, de-interleaving), `reed_solomon` (errors and
//! erasures), `segments` (the bit stream to text) and `decoder`, which ties them together and
//! decides how to spend erasures on a damaged block.
//!
//! Nothing calls it from the image pipeline yet: the locator and sampler that produce a
//! [`SampledGrid`](grid::SampledGrid) are being written beside it.
#![allow(dead_code)] // Reached from tests and the fuzz hook until the sampler lands.

mod codewords;
mod decoder;
mod format;
mod grid;
mod reed_solomon;
mod segments;

#[cfg(test)]
mod tests;

// The entry points the sampler will call; until it lands only tests name some of them.
#[allow(unused_imports)]
pub(crate) use decoder::{decode_grid, GridContent, GridError};
pub(crate) use grid::SampledGrid;

/// Decodes a grid built from raw parts, for the fuzz target: `width` modules a side, one byte
/// per module (bit 0: dark; the rest: confidence). Never panics; returns the text when it reads.
pub(crate) fn decode_raw_grid(width: usize, modules: &[u8]) -> Option<String> {
    let n = width.checked_mul(width)?;
    let modules = modules.get(..n)?;
    let grid = SampledGrid {
        width,
        dark: modules.iter().map(|&m| m & 1 != 0).collect(),
        confidence: modules.iter().map(|&m| m & 0xFE).collect(),
    };
    decode_grid(&grid).ok().map(|c| c.text)
}
