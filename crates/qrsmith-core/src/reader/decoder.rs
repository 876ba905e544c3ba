//! A sampled grid to its content: format information, version, unmasking, codewords,
//! Reed–Solomon per block (errors first, then erasures from the sampler's least sure modules),
//! the bit stream; and the mirrored reading when the direct one fails.

use std::fmt;

use super::codewords::{deinterleave, read_codewords, Block};
use super::format::{read_format, read_version, FormatInfo};
use super::grid::SampledGrid;
use super::reed_solomon::{correct, Correction};
use super::segments::{parse, BitstreamError};
use crate::decode::StructuredAppend;
use crate::EcLevel;

/// Format readings tried before giving up: more would only add chances of a miscorrection.
const MAX_FORMAT_CANDIDATES: usize = 3;

/// A correction is accepted only if a random word would be "corrected" that way with
/// probability below 10^−8 (see [`plausible`]). The same rule reproduces the misdecode
/// protection codewords ISO/IEC 18004 reserves for versions 1 to 3 (table 9, note).
const FALSE_DECODE_LOG10: f64 = -8.0;

/// What a grid says, and how hard it was to read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct GridContent {
    pub text: String,
    /// The content's bytes as stored (see [`super::segments::Content::bytes`]).
    pub bytes: Vec<u8>,
    pub version: u8,
    pub ec_level: EcLevel,
    pub mask: u8,
    /// Read from the transposed grid: the symbol was mirrored.
    pub mirrored: bool,
    pub has_eci: bool,
    pub symbology_identifier: String,
    pub structured_append: Option<StructuredAppend>,
    /// 1 − the largest share of any block's EC codewords spent, (2e + s) / (n − k): 1 for a
    /// clean read, near 0 for one at the edge.
    pub ec_headroom: f32,
    /// Codewords corrected where no erasure was flagged, over all blocks.
    pub errors: usize,
    /// Erasures spent, over all blocks.
    pub erasures: usize,
}

/// Why a grid did not decode; the later the stage, the further the read got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GridError {
    /// No copy of the format information is within 3 bits of a valid word.
    NoFormatInfo,
    /// The grid is not a QR Model 2 size, or its version information names another version
    /// (`read`: the version the sampler should try).
    BadVersion { width: usize, read: Option<u8> },
    /// A block has more damage than error correction can repair safely.
    ReedSolomon,
    /// The corrected data is not a valid bit stream.
    BadBitstream(BitstreamError),
}

impl fmt::Display for GridError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GridError::NoFormatInfo => f.write_str("no readable format information"),
            GridError::BadVersion { width, read: None } => {
                write!(f, "{width} modules is not a QR Code size")
            }
            GridError::BadVersion {
                width,
                read: Some(v),
            } => write!(
                f,
                "version information says {v}, the grid is {width} modules wide"
            ),
            GridError::ReedSolomon => f.write_str("too much damage to correct"),
            GridError::BadBitstream(e) => write!(f, "bad data: {e}"),
        }
    }
}

/// Decodes a grid, trying its mirror image when the direct reading fails. Any input, however
/// malformed, gives a value or an error.
pub(crate) fn decode_grid(grid: &SampledGrid) -> Result<GridContent, GridError> {
    if !grid.is_well_formed() {
        return Err(GridError::BadVersion {
            width: grid.width,
            read: None,
        });
    }
    let direct = decode_oriented(grid, false);
    let Err(first) = direct else {
        return direct;
    };
    match decode_oriented(&grid.transposed(), true) {
        Ok(content) => Ok(content),
        // The error of the reading that got further.
        Err(second) => Err(first.max(second)),
    }
}

fn decode_oriented(grid: &SampledGrid, mirrored: bool) -> Result<GridContent, GridError> {
    let width_version = grid.version_from_width().ok_or(GridError::BadVersion {
        width: grid.width,
        read: None,
    })?;
    let formats = read_format(grid);
    let mut error = GridError::NoFormatInfo;
    for format in formats.into_iter().take(MAX_FORMAT_CANDIDATES) {
        match decode_with(grid, width_version, format, mirrored) {
            Ok(content) => return Ok(content),
            Err(e) => error = error.max(e),
        }
    }
    // The grid can only be decoded at its own width's version, whatever the version
    // information says (damaged, it may name a neighbour). When that failed and the version
    // information names another version, the sampler should try that size.
    if width_version >= 7 && error <= GridError::ReedSolomon {
        if let Some(read) = read_version(grid).filter(|&v| v != width_version) {
            return Err(GridError::BadVersion {
                width: grid.width,
                read: Some(read),
            });
        }
    }
    Err(error)
}

fn decode_with(
    grid: &SampledGrid,
    version: u8,
    format: FormatInfo,
    mirrored: bool,
) -> Result<GridContent, GridError> {
    let (values, confidence) = read_codewords(grid, version, format.mask);
    let blocks = deinterleave(&values, &confidence, version, format.ec_level);
    let mut data = Vec::with_capacity(values.len());
    let (mut errors, mut erasures, mut worst) = (0, 0, 0.0f32);
    for block in &blocks {
        let (words, fixed) = correct_block(block).ok_or(GridError::ReedSolomon)?;
        data.extend_from_slice(&words[..block.data_len]);
        errors += fixed.errors;
        erasures += fixed.erasures;
        worst = worst.max(fixed.cost() as f32 / block.ec_len as f32);
    }
    let content = parse(&data, version).map_err(GridError::BadBitstream)?;
    Ok(GridContent {
        text: content.text,
        bytes: content.bytes,
        version,
        ec_level: format.ec_level,
        mask: format.mask,
        mirrored,
        has_eci: content.has_eci,
        symbology_identifier: content.symbology_identifier,
        structured_append: content.structured_append,
        ec_headroom: 1.0 - worst,
        errors,
        erasures,
    })
}

/// Corrects one block: errors only first; if that fails, erasures on the codewords the sampler
/// is least sure of (confidence below 255), two more at a time, while the remaining redundancy
/// can still tell a correction from a coincidence.
fn correct_block(block: &Block) -> Option<(Vec<u8>, Correction)> {
    let n = block.codewords.len();
    let ec_len = block.ec_len;
    let attempt = |erased: &[usize]| {
        let mut words = block.codewords.clone();
        let fixed = correct(&mut words, ec_len, erased).ok()?;
        plausible(n, ec_len, fixed).then_some((words, fixed))
    };
    if let Some(done) = attempt(&[]) {
        return Some(done);
    }
    let mut unsure: Vec<usize> = (0..n).filter(|&i| block.confidence[i] < u8::MAX).collect();
    unsure.sort_by_key(|&i| (block.confidence[i], i));
    let mut s = 0;
    while s < unsure.len() {
        s = (s + 2).min(unsure.len());
        let best_case = Correction {
            errors: 0,
            erasures: s,
        };
        if !plausible(n, ec_len, best_case) {
            break;
        }
        if let Some(done) = attempt(&unsure[..s]) {
            return Some(done);
        }
    }
    None
}

/// Whether a correction of `fixed.errors` errors with `fixed.erasures` erasures in a block of
/// `n` codewords, `ec_len` of them EC, is trustworthy: the share of all possible received words
/// that such a correction would accept, C(n − s, e) · 255^e / 256^(n − k − s), is below
/// 10^−8. Near the bound 2e + s = n − k it is not (at s = n − k every word "decodes"), so the
/// last few EC codewords of a block stay for detection.
pub(super) fn plausible(n: usize, ec_len: usize, fixed: Correction) -> bool {
    let (e, s) = (fixed.errors, fixed.erasures);
    if 2 * e + s > ec_len || s > n {
        return false;
    }
    let choose_log10: f64 = (0..e)
        .map(|i| ((n - s - i) as f64).log10() - ((i + 1) as f64).log10())
        .sum();
    let log10 = choose_log10 + e as f64 * 255f64.log10() - (ec_len - s) as f64 * 256f64.log10();
    log10 < FALSE_DECODE_LOG10
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixes(errors: usize, erasures: usize) -> Correction {
        Correction { errors, erasures }
    }

    #[test]
    fn plausibility_matches_the_standards_misdecode_protection() {
        // (n, ec, errors the standard allows): 1-L, 1-M, 1-Q, 1-H, 2-L and 3-L reserve 3, 2,
        // 1, 1, 2 and 1 EC codewords for detection.
        for (n, ec, allowed) in [
            (26, 7, 2),
            (26, 10, 4),
            (26, 13, 6),
            (26, 17, 8),
            (44, 10, 4),
            (70, 15, 7),
        ] {
            assert!(plausible(n, ec, fixes(allowed, 0)), "{n}/{ec}");
            assert!(!plausible(n, ec, fixes(allowed + 1, 0)), "{n}/{ec}");
        }
        // Elsewhere the whole capacity: version 40-H's blocks (n = 45 or 46, 30 EC).
        assert!(plausible(46, 30, fixes(15, 0)));
        // Erasures alone keep four codewords for detection.
        assert!(plausible(46, 30, fixes(0, 26)));
        assert!(!plausible(46, 30, fixes(0, 27)));
    }

    #[test]
    fn malformed_grids_are_errors() {
        for (width, len) in [(0, 0), (21, 0), (21, 440), (22, 484), (181, 181 * 181)] {
            let grid = SampledGrid {
                width,
                dark: vec![true; len],
                confidence: vec![0; len],
            };
            assert!(decode_grid(&grid).is_err(), "{width}");
        }
        let blank = SampledGrid {
            width: 25,
            dark: vec![false; 625],
            confidence: vec![255; 625],
        };
        assert_eq!(decode_grid(&blank), Err(GridError::NoFormatInfo));
    }
}
