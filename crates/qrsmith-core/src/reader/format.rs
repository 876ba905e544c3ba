//! Format information (EC level and mask, 15 bits, two copies) and version information (18
//! bits, two copies, versions 7 and up), each read as the nearest valid codeword.

use super::grid::SampledGrid;
use crate::encode::matrix::version_info_bits;
use crate::encode::matrix::{qr_format_bits, qr_format_positions, qr_version_positions};
use crate::EcLevel;

/// Most bit errors accepted in a format or version word: both BCH codes have minimum distance
/// 7 or more, so 3 is the most that still names one codeword unambiguously.
const MAX_DISTANCE: u32 = 3;

/// One reading of the format information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FormatInfo {
    pub ec_level: EcLevel,
    pub mask: u8,
    /// Bit errors between what was read and this codeword (0–3).
    pub distance: u32,
}

/// The format readings worth trying, best first: every valid word within 3 bits of either copy
/// or of their combination. Usually one; after heavy damage, a few (the decoder tries each).
pub(crate) fn read_format(grid: &SampledGrid) -> Vec<FormatInfo> {
    let [first, second] = qr_format_positions(grid.width);
    let copies = [read_word(grid, &first), read_word(grid, &second)];
    // The pair: each bit from whichever copy the sampler is surer of.
    let merged = merge(&copies[0], &copies[1]);
    let words = [copies[0].0, copies[1].0, merged];
    let mut found: Vec<(u32, u32, FormatInfo)> = Vec::new();
    for ec_level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
        for mask in 0..8 {
            let valid = qr_format_bits(ec_level, mask);
            let distances = words.map(|w| (w ^ valid).count_ones());
            let best = distances.iter().copied().min().unwrap_or(u32::MAX);
            if best <= MAX_DISTANCE {
                // Ties broken by agreement with both copies together.
                let both = distances[0] + distances[1];
                let info = FormatInfo {
                    ec_level,
                    mask,
                    distance: best,
                };
                found.push((best, both, info));
            }
        }
    }
    found.sort_by_key(|&(best, both, _)| (best, both));
    found.into_iter().map(|(_, _, info)| info).collect()
}

/// The version the grid's version information names, for versions 7 and up: `None` when
/// neither copy is within 3 bits of a valid word (the caller falls back to the width).
pub(crate) fn read_version(grid: &SampledGrid) -> Option<u8> {
    let [first, second] = qr_version_positions(grid.width);
    let copies = [read_word(grid, &first), read_word(grid, &second)];
    let merged = merge(&copies[0], &copies[1]);
    let words = [copies[0].0, copies[1].0, merged];
    (7..=40u8)
        .filter_map(|v| {
            let valid = version_info_bits(v);
            let best = words.iter().map(|w| (w ^ valid).count_ones()).min()?;
            (best <= MAX_DISTANCE).then_some((best, v))
        })
        .min()
        .map(|(_, v)| v)
}

/// The bits at `positions` (bit i from position i) and each bit's confidence.
fn read_word(grid: &SampledGrid, positions: &[(u8, u8)]) -> (u32, Vec<u8>) {
    let mut word = 0;
    let mut confidence = Vec::with_capacity(positions.len());
    for (i, &(x, y)) in positions.iter().enumerate() {
        let (x, y) = (x as usize, y as usize);
        if grid.is_dark(x, y) {
            word |= 1 << i;
        }
        confidence.push(grid.confidence_at(x, y));
    }
    (word, confidence)
}

fn merge(a: &(u32, Vec<u8>), b: &(u32, Vec<u8>)) -> u32 {
    let mut word = 0;
    for (i, (ca, cb)) in a.1.iter().zip(&b.1).enumerate() {
        let source = if cb > ca { b.0 } else { a.0 };
        word |= source & (1 << i);
    }
    word
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_text, EncodeOptions, Version};

    fn grid(version: u8, ec_level: EcLevel, mask: u8) -> SampledGrid {
        let opts = EncodeOptions {
            version: Some(Version::Normal(version)),
            ec_level,
            mask: Some(mask),
            ..EncodeOptions::default()
        };
        SampledGrid::from_code(&encode_text("format", &opts).unwrap())
    }

    fn flip(grid: &mut SampledGrid, (x, y): (u8, u8)) {
        let i = y as usize * grid.width + x as usize;
        grid.dark[i] = !grid.dark[i];
    }

    #[test]
    fn every_level_and_mask_reads_back() {
        for ec_level in [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H] {
            for mask in 0..8 {
                let g = grid(2, ec_level, mask);
                let found = read_format(&g);
                assert_eq!(
                    found[0],
                    FormatInfo {
                        ec_level,
                        mask,
                        distance: 0
                    }
                );
            }
        }
    }

    #[test]
    fn a_destroyed_copy_reads_from_the_other() {
        let mut g = grid(3, EcLevel::Q, 5);
        let [first, second] = qr_format_positions(g.width);
        for &p in &first[..8] {
            flip(&mut g, p);
        }
        assert_eq!(read_format(&g)[0].mask, 5);
        let mut g = grid(3, EcLevel::Q, 5);
        for &p in &second[4..12] {
            flip(&mut g, p);
        }
        assert_eq!(read_format(&g)[0].ec_level, EcLevel::Q);
    }

    #[test]
    fn the_pair_reads_when_neither_copy_does() {
        // Five errors in each copy, on different bits, each flagged as uncertain: only the
        // combination of the surer bits is within reach.
        let mut g = grid(4, EcLevel::M, 2);
        let [first, second] = qr_format_positions(g.width);
        for (i, (&a, &b)) in first.iter().zip(&second).enumerate() {
            let damaged = if i < 5 {
                a
            } else if i < 10 {
                b
            } else {
                continue;
            };
            flip(&mut g, damaged);
            g.confidence[damaged.1 as usize * g.width + damaged.0 as usize] = 0;
        }
        let found = read_format(&g);
        assert_eq!(
            found[0],
            FormatInfo {
                ec_level: EcLevel::M,
                mask: 2,
                distance: 0
            }
        );
    }

    #[test]
    fn four_errors_in_both_copies_are_not_read_as_the_original() {
        let mut g = grid(1, EcLevel::L, 0);
        let [first, second] = qr_format_positions(g.width);
        for i in [0, 4, 9, 13] {
            flip(&mut g, first[i]);
            flip(&mut g, second[i]);
        }
        let original = |f: &FormatInfo| f.ec_level == EcLevel::L && f.mask == 0;
        assert!(!read_format(&g).iter().any(original));
    }

    #[test]
    fn version_information_reads_from_either_copy() {
        for v in [7, 21, 40] {
            let mut g = grid(v, EcLevel::L, 0);
            assert_eq!(read_version(&g), Some(v));
            let [first, second] = qr_version_positions(g.width);
            for &p in &first[..9] {
                flip(&mut g, p);
            }
            for &p in &second[..3] {
                flip(&mut g, p);
            }
            assert_eq!(read_version(&g), Some(v), "version {v}");
            // Nine errors in both: the version is gone (a word that far off may land within 3
            // bits of another version's, which the decoder then checks against the width).
            for &p in &second[3..9] {
                flip(&mut g, p);
            }
            assert_ne!(read_version(&g), Some(v), "version {v}");
        }
    }
}
