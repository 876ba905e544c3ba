//! From the module grid to Reed–Solomon blocks: unmask the data modules, read them in the
//! zig-zag placement order the encoder uses (its cached [`Template`]), and undo the
//! interleaving of blocks.

use super::grid::SampledGrid;
use crate::encode::matrix::Template;
use crate::{EcLevel, Version};

/// One error-correction block as read: data codewords, then EC codewords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub codewords: Vec<u8>,
    /// Per codeword, the lowest confidence among its eight modules.
    pub confidence: Vec<u8>,
    pub data_len: usize,
    pub ec_len: usize,
}

/// The symbol's codewords in placement order, unmasked, with their confidences. `grid` must
/// be well formed and `version`'s width (the caller checks).
pub(crate) fn read_codewords(grid: &SampledGrid, version: u8, mask: u8) -> (Vec<u8>, Vec<u8>) {
    let template = Template::get(Version::Normal(version));
    let row_bits = template.words * 64;
    let mask_rows = &template.masks[mask as usize % template.masks.len()];
    let total = Version::Normal(version).total_codewords();
    let mut values = Vec::with_capacity(total);
    let mut confidence = Vec::with_capacity(total);
    // Remainder bits (0–7 past the last whole codeword) carry nothing and are skipped.
    for slots in template.data_slots.chunks_exact(8).take(total) {
        let mut value = 0u8;
        let mut least = u8::MAX;
        for &slot in slots {
            let slot = slot as usize;
            let (x, y) = (slot % row_bits, slot / row_bits);
            let masked = (mask_rows[slot / 64] >> (slot % 64)) & 1 != 0;
            value = (value << 1) | u8::from(grid.is_dark(x, y) != masked);
            least = least.min(grid.confidence_at(x, y));
        }
        values.push(value);
        confidence.push(least);
    }
    (values, confidence)
}

/// For each block, the indices (in placement order) of its codewords, data then EC: data
/// codewords were dealt round-robin (the longer blocks, last, have one more), then EC
/// codewords likewise.
pub(crate) fn block_layout(version: u8, ec_level: EcLevel) -> Vec<Vec<usize>> {
    let version = Version::Normal(version);
    let (ec_len, count) = version.ec_blocks(ec_level);
    let total = version.total_codewords();
    let short_blocks = count - total % count;
    let short_data = total / count - ec_len;
    let data_len = |b: usize| short_data + usize::from(b >= short_blocks);
    let mut layout: Vec<Vec<usize>> = (0..count)
        .map(|b| Vec::with_capacity(data_len(b) + ec_len))
        .collect();
    let mut next = 0..total;
    for i in 0..=short_data {
        for (b, block) in layout.iter_mut().enumerate() {
            if i < data_len(b) {
                block.extend(next.next());
            }
        }
    }
    for _ in 0..ec_len {
        for block in &mut layout {
            block.extend(next.next());
        }
    }
    layout
}

/// Splits the codewords read into their blocks.
pub(crate) fn deinterleave(
    values: &[u8],
    confidence: &[u8],
    version: u8,
    ec_level: EcLevel,
) -> Vec<Block> {
    let (ec_len, _) = Version::Normal(version).ec_blocks(ec_level);
    block_layout(version, ec_level)
        .into_iter()
        .map(|indices| Block {
            codewords: indices
                .iter()
                .map(|&i| values.get(i).copied().unwrap_or(0))
                .collect(),
            confidence: indices
                .iter()
                .map(|&i| confidence.get(i).copied().unwrap_or(0))
                .collect(),
            data_len: indices.len() - ec_len,
            ec_len,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{encode_text, EncodeOptions};

    #[test]
    fn blocks_match_the_encoders_layout() {
        // Version 5-Q has two blocks of 15 data codewords and two of 16: the uneven case.
        let opts = EncodeOptions {
            version: Some(Version::Normal(5)),
            ec_level: EcLevel::Q,
            mask: Some(3),
            ..EncodeOptions::default()
        };
        let code = encode_text("HELLO WORLD", &opts).unwrap();
        let grid = SampledGrid::from_code(&code);
        let (values, confidence) = read_codewords(&grid, 5, 3);
        assert_eq!(values.len(), 134);
        assert!(confidence.iter().all(|&c| c == 255));
        let blocks = deinterleave(&values, &confidence, 5, EcLevel::Q);
        let shape: Vec<(usize, usize)> = blocks.iter().map(|b| (b.data_len, b.ec_len)).collect();
        assert_eq!(shape, [(15, 18), (15, 18), (16, 18), (16, 18)]);
        // Alphanumeric mode (0010) and a 9-bit count of 11 (000001011): the first block
        // starts with the header.
        assert_eq!(blocks[0].codewords[0], 0b0010_0000);
        assert_eq!(blocks[0].codewords[1] >> 3, 0b01011);
        for block in &blocks {
            assert_eq!(block.codewords.len(), block.data_len + block.ec_len);
            let data = &block.codewords[..block.data_len];
            let mut expected = data.to_vec();
            crate::encode::reed_solomon_ec(data, block.ec_len, &mut expected);
            assert_eq!(block.codewords, expected);
        }
    }

    #[test]
    fn a_codeword_is_as_sure_as_its_least_sure_module() {
        let code = encode_text("1", &EncodeOptions::default()).unwrap();
        let mut grid = SampledGrid::from_code(&code);
        // The first data module is the bottom-right corner.
        let w = grid.width;
        grid.confidence[w * w - 1] = 9;
        let (_, confidence) = read_codewords(&grid, 1, code.mask());
        assert_eq!(confidence[0], 9);
        assert!(confidence[1..].iter().all(|&c| c == 255));
    }
}
