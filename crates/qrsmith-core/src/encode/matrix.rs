//! Module placement: function patterns, the data zigzag, format and version information.
//!
//! Everything that depends only on the version is computed once per version and cached in a
//! [`Template`]: the function patterns, the order in which data bits are placed, and each mask
//! pattern as row bit sets restricted to data modules. Encoding a symbol then copies the template,
//! scatters its bits and evaluates masks with word-wide operations.

use std::sync::OnceLock;

use super::{EcLevel, Version};

/// Bit sets of one row: bit `x % 64` of word `x / 64` is column `x`.
pub(crate) type Rows = Vec<u64>;

pub(crate) struct Template {
    pub(crate) width: usize,
    /// 64-bit words per row.
    pub(crate) words: usize,
    /// Function patterns drawn (format areas light) as row bit sets.
    pub(crate) rows: Rows,
    /// Data modules in placement order, as bit indices into `rows` (`y * words * 64 + x`).
    pub(crate) data_slots: Vec<u32>,
    /// For each mask pattern, the modules it inverts (data modules only), as row bit sets.
    pub(crate) masks: Vec<Rows>,
    /// Where format bit `i % 15` goes (two copies in QR, one in Micro QR).
    pub(crate) format_positions: Vec<(u8, u8)>,
}

impl Template {
    /// The cached template of `version`.
    pub(crate) fn get(version: Version) -> &'static Template {
        static NORMAL: [OnceLock<Template>; 40] = [const { OnceLock::new() }; 40];
        static MICRO: [OnceLock<Template>; 4] = [const { OnceLock::new() }; 4];
        match version {
            Version::Normal(v) => NORMAL[v as usize - 1].get_or_init(|| Template::build(version)),
            Version::Micro(v) => MICRO[v as usize - 1].get_or_init(|| Template::build(version)),
        }
    }

    fn build(version: Version) -> Template {
        let width = version.width();
        let mut canvas = Canvas {
            width,
            modules: vec![0; width * width],
            function: vec![false; width * width],
        };
        match version {
            Version::Normal(v) => canvas.draw_qr_function_patterns(version, v),
            Version::Micro(_) => canvas.draw_micro_function_patterns(),
        }
        let data_positions = canvas.zigzag(!version.is_micro());
        let words = width.div_ceil(64);
        let mask_count = if version.is_micro() { 4 } else { 8 };
        let masks = (0..mask_count)
            .map(|m| {
                let mut rows = vec![0u64; width * words];
                for &(x, y) in &data_positions {
                    let (x, y) = (x as usize, y as usize);
                    if mask_bit(version, m, x, y) {
                        rows[y * words + x / 64] |= 1 << (x % 64);
                    }
                }
                rows
            })
            .collect();
        let rows = to_rows(&canvas.modules, width, words);
        let data_slots = data_positions
            .iter()
            .map(|&(x, y)| (y as usize * words * 64 + x as usize) as u32)
            .collect();
        let format_positions = match version {
            Version::Normal(_) => qr_format_positions(width)
                .iter()
                .flatten()
                .copied()
                .collect(),
            Version::Micro(_) => micro_format_positions().to_vec(),
        };
        Template {
            format_positions,
            width,
            words,
            rows,
            data_slots,
            masks,
        }
    }
}

/// Converts a byte-per-module matrix to row bit sets.
pub(crate) fn to_rows(modules: &[u8], width: usize, words: usize) -> Rows {
    let mut rows = vec![0u64; width * words];
    for y in 0..width {
        for x in 0..width {
            if modules[y * width + x] != 0 {
                rows[y * words + x / 64] |= 1 << (x % 64);
            }
        }
    }
    rows
}

/// Expands row bit sets to one byte per module (1 dark), eight modules per table look-up.
pub(crate) fn expand_rows(rows: &[u64], width: usize, words: usize) -> Vec<u8> {
    static SPREAD: OnceLock<[u64; 256]> = OnceLock::new();
    let spread = SPREAD.get_or_init(|| {
        std::array::from_fn(|b| (0..8).map(|i| (((b >> i) & 1) as u64) << (8 * i)).sum())
    });
    let mut out = vec![0u8; width * width];
    let mut line = vec![0u8; words * 64];
    for (row, dest) in rows.chunks_exact(words).zip(out.chunks_exact_mut(width)) {
        for (word, chunk) in row.iter().zip(line.chunks_exact_mut(64)) {
            for (byte, eight) in word.to_le_bytes().iter().zip(chunk.chunks_exact_mut(8)) {
                eight.copy_from_slice(&spread[*byte as usize].to_le_bytes());
            }
        }
        dest.copy_from_slice(&line[..width]);
    }
    out
}

/// Whether mask pattern `mask` inverts the module at column `x`, row `y` (Table 10; Micro QR
/// uses QR patterns 1, 4, 6 and 7 under the numbers 0–3).
fn mask_bit(version: Version, mask: u8, x: usize, y: usize) -> bool {
    let qr_mask = if version.is_micro() {
        [1, 4, 6, 7][mask as usize]
    } else {
        mask
    };
    match qr_mask {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (x / 3 + y / 2) % 2 == 0,
        5 => x * y % 2 + x * y % 3 == 0,
        6 => (x * y % 2 + x * y % 3) % 2 == 0,
        _ => ((x + y) % 2 + x * y % 3) % 2 == 0,
    }
}

struct Canvas {
    width: usize,
    modules: Vec<u8>,
    function: Vec<bool>,
}

impl Canvas {
    fn set(&mut self, x: usize, y: usize, dark: bool) {
        let i = y * self.width + x;
        self.modules[i] = dark as u8;
        self.function[i] = true;
    }

    /// A finder pattern with its separator, centred at (cx, cy); parts outside are clipped.
    fn finder(&mut self, cx: isize, cy: isize) {
        for dy in -4..=4isize {
            for dx in -4..=4isize {
                let (x, y) = (cx + dx, cy + dy);
                if x < 0 || y < 0 || x >= self.width as isize || y >= self.width as isize {
                    continue;
                }
                let d = dx.abs().max(dy.abs());
                self.set(x as usize, y as usize, d != 2 && d != 4);
            }
        }
    }

    fn alignment(&mut self, cx: usize, cy: usize) {
        for dy in -2..=2isize {
            for dx in -2..=2isize {
                let d = dx.abs().max(dy.abs());
                self.set(
                    (cx as isize + dx) as usize,
                    (cy as isize + dy) as usize,
                    d != 1,
                );
            }
        }
    }

    fn draw_qr_function_patterns(&mut self, version: Version, v: u8) {
        let w = self.width;
        for i in 0..w {
            self.set(6, i, i % 2 == 0);
            self.set(i, 6, i % 2 == 0);
        }
        self.finder(3, 3);
        self.finder(w as isize - 4, 3);
        self.finder(3, w as isize - 4);
        let positions = version.alignment_positions();
        let n = positions.len();
        for (i, &cy) in positions.iter().enumerate() {
            for (j, &cx) in positions.iter().enumerate() {
                let on_finder = (i == 0 && (j == 0 || j == n - 1)) || (i == n - 1 && j == 0);
                if !on_finder {
                    self.alignment(cx, cy);
                }
            }
        }
        // Reserve the format areas (drawn light here, written after mask selection) and draw
        // the dark module.
        for &(x, y) in qr_format_positions(w).iter().flatten() {
            self.set(x as usize, y as usize, false);
        }
        self.set(8, w - 8, true);
        if v >= 7 {
            let bits = version_info_bits(v);
            for copy in qr_version_positions(w) {
                for (i, &(x, y)) in copy.iter().enumerate() {
                    self.set(x as usize, y as usize, (bits >> i) & 1 != 0);
                }
            }
        }
    }

    fn draw_micro_function_patterns(&mut self) {
        let w = self.width;
        for i in 0..w {
            self.set(0, i, i % 2 == 0);
            self.set(i, 0, i % 2 == 0);
        }
        self.finder(3, 3);
        for &(x, y) in micro_format_positions().iter() {
            self.set(x as usize, y as usize, false);
        }
    }

    /// Data module coordinates in placement order: two-module-wide columns from the right,
    /// alternately upwards and downwards, skipping function modules (and, in QR, the vertical
    /// timing column).
    fn zigzag(&self, skip_timing_column: bool) -> Vec<(u8, u8)> {
        let w = self.width;
        let mut out = Vec::with_capacity(w * w);
        let mut upward = true;
        let mut right = w - 1;
        while right >= 1 {
            if skip_timing_column && right == 6 {
                right = 5;
            }
            for vert in 0..w {
                let y = if upward { w - 1 - vert } else { vert };
                for x in [right, right - 1] {
                    if !self.function[y * w + x] {
                        out.push((x as u8, y as u8));
                    }
                }
            }
            upward = !upward;
            if right < 2 {
                break;
            }
            right -= 2;
        }
        out
    }
}

/// The two copies of the 15 QR format bits: `[copy][bit]` = (x, y), bit 0 least significant.
pub(crate) fn qr_format_positions(w: usize) -> [[(u8, u8); 15]; 2] {
    let mut first = [(0u8, 0u8); 15];
    let mut second = [(0u8, 0u8); 15];
    for i in 0..15 {
        first[i] = match i {
            0..=5 => (8, i),
            6 => (8, 7),
            7 => (8, 8),
            8 => (7, 8),
            _ => (14 - i, 8),
        }
        .map_u8();
        second[i] = if i < 8 {
            (w - 1 - i, 8)
        } else {
            (8, w - 15 + i)
        }
        .map_u8();
    }
    [first, second]
}

/// The two copies of the 18 version bits (versions 7 and up): `[copy][bit]` = (x, y), bit 0
/// least significant; the first copy above the bottom-left finder, the second left of the
/// top-right one.
pub(crate) fn qr_version_positions(w: usize) -> [[(u8, u8); 18]; 2] {
    let mut first = [(0u8, 0u8); 18];
    let mut second = [(0u8, 0u8); 18];
    for (i, (p, q)) in first.iter_mut().zip(&mut second).enumerate() {
        let (a, b) = (w - 11 + i % 3, i / 3);
        *p = (b, a).map_u8();
        *q = (a, b).map_u8();
    }
    [first, second]
}

/// Positions of the 15 Micro QR format bits, bit 0 least significant.
pub(crate) fn micro_format_positions() -> [(u8, u8); 15] {
    let mut out = [(0u8, 0u8); 15];
    for (i, slot) in out.iter_mut().enumerate() {
        // Bits 14..7 run along row 8 from column 1; bits 6..0 up column 8 from row 7.
        *slot = if i >= 7 {
            (15 - i as u8, 8)
        } else {
            (8, 1 + i as u8)
        };
    }
    out
}

trait MapU8 {
    fn map_u8(self) -> (u8, u8);
}

impl MapU8 for (usize, usize) {
    fn map_u8(self) -> (u8, u8) {
        (self.0 as u8, self.1 as u8)
    }
}

/// The 15 format bits (BCH(15,5) code, masked) for a QR symbol.
pub(crate) fn qr_format_bits(ec: EcLevel, mask: u8) -> u32 {
    let ec_bits = match ec {
        EcLevel::L => 1,
        EcLevel::M => 0,
        EcLevel::Q => 3,
        EcLevel::H => 2,
    };
    bch_format((ec_bits << 3) | mask as u32) ^ 0x5412
}

/// The 15 format bits for a Micro QR symbol.
pub(crate) fn micro_format_bits(version: u8, ec: EcLevel, mask: u8) -> u32 {
    let symbol_number = match (version, ec) {
        (1, _) => 0,
        (2, EcLevel::L) => 1,
        (2, _) => 2,
        (3, EcLevel::L) => 3,
        (3, _) => 4,
        (4, EcLevel::L) => 5,
        (4, EcLevel::M) => 6,
        _ => 7,
    };
    bch_format((symbol_number << 2) | mask as u32) ^ 0x4445
}

fn bch_format(data: u32) -> u32 {
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    (data << 10) | (rem & 0x3FF)
}

/// The 18 version bits (BCH(18,6) code) for QR version `v` (7–40).
pub(crate) fn version_info_bits(v: u8) -> u32 {
    let mut rem = v as u32;
    for _ in 0..12 {
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25);
    }
    ((v as u32) << 12) | (rem & 0xFFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_module_counts_match_capacity() {
        for v in 1..=40 {
            let version = Version::Normal(v);
            let t = Template::get(version);
            assert_eq!(
                t.data_slots.len() / 8,
                version.total_codewords(),
                "version {v}"
            );
        }
        // Micro QR: M1 and M3 have a 4-bit codeword, so 4 modules fewer than whole codewords.
        for (v, modules) in [(1, 36), (2, 80), (3, 132), (4, 192)] {
            assert_eq!(Template::get(Version::Micro(v)).data_slots.len(), modules);
        }
    }

    #[test]
    fn format_and_version_bits_match_the_standard() {
        // Annex C examples: M level, mask 5 → 100000011001110; version 7 → 000111110010010100.
        assert_eq!(qr_format_bits(EcLevel::M, 5), 0b100000011001110);
        assert_eq!(version_info_bits(7), 0b000111110010010100);
    }
}
