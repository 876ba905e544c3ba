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
    pub(crate) height: usize,
    /// 64-bit words per row.
    pub(crate) words: usize,
    /// Function patterns drawn (format areas light) as row bit sets.
    pub(crate) rows: Rows,
    /// Data modules in placement order, as bit indices into `rows` (`y * words * 64 + x`).
    pub(crate) data_slots: Vec<u32>,
    /// For each mask pattern, the modules it inverts (data modules only), as row bit sets.
    pub(crate) masks: Vec<Rows>,
    /// Where format bit `i % 15` goes (two copies in QR, one in Micro QR); in rMQR bit `i % 36`
    /// of both masked copies, the finder side's first.
    pub(crate) format_positions: Vec<(u8, u8)>,
}

impl Template {
    /// The cached template of `version`.
    pub(crate) fn get(version: Version) -> &'static Template {
        static NORMAL: [OnceLock<Template>; 40] = [const { OnceLock::new() }; 40];
        static MICRO: [OnceLock<Template>; 4] = [const { OnceLock::new() }; 4];
        static RMQR: [OnceLock<Template>; 32] = [const { OnceLock::new() }; 32];
        match version {
            Version::Normal(v) => NORMAL[v as usize - 1].get_or_init(|| Template::build(version)),
            Version::Micro(v) => MICRO[v as usize - 1].get_or_init(|| Template::build(version)),
            Version::Rmqr { .. } => {
                let i = version.rmqr_index().expect("a valid rMQR size");
                RMQR[i].get_or_init(|| Template::build(version))
            }
        }
    }

    fn build(version: Version) -> Template {
        let (width, height) = (version.width(), version.height());
        let mut canvas = Canvas {
            width,
            height,
            modules: vec![0; width * height],
            function: vec![false; width * height],
        };
        match version {
            Version::Normal(v) => canvas.draw_qr_function_patterns(version, v),
            Version::Micro(_) => canvas.draw_micro_function_patterns(),
            Version::Rmqr { .. } => canvas.draw_rmqr_function_patterns(),
        }
        // QR skips its vertical timing column; rMQR's rightmost column is all function modules.
        let data_positions = match version {
            Version::Normal(_) => canvas.zigzag(width - 1, true),
            Version::Micro(_) => canvas.zigzag(width - 1, false),
            Version::Rmqr { .. } => canvas.zigzag(width - 2, false),
        };
        let words = width.div_ceil(64);
        let mask_count = match version {
            Version::Normal(_) => 8,
            Version::Micro(_) => 4,
            Version::Rmqr { .. } => 1,
        };
        let masks = (0..mask_count)
            .map(|m| {
                let mut rows = vec![0u64; height * words];
                for &(x, y) in &data_positions {
                    let (x, y) = (x as usize, y as usize);
                    if mask_bit(version, m, x, y) {
                        rows[y * words + x / 64] |= 1 << (x % 64);
                    }
                }
                rows
            })
            .collect();
        let rows = to_rows(&canvas.modules, width, height, words);
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
            Version::Rmqr { .. } => rmqr_format_positions(width, height)
                .iter()
                .flatten()
                .copied()
                .collect(),
        };
        Template {
            format_positions,
            width,
            height,
            words,
            rows,
            data_slots,
            masks,
        }
    }
}

/// Converts a byte-per-module matrix to row bit sets.
pub(crate) fn to_rows(modules: &[u8], width: usize, height: usize, words: usize) -> Rows {
    let mut rows = vec![0u64; height * words];
    for y in 0..height {
        for x in 0..width {
            if modules[y * width + x] != 0 {
                rows[y * words + x / 64] |= 1 << (x % 64);
            }
        }
    }
    rows
}

/// Expands row bit sets to one byte per module (1 dark), eight modules per table look-up.
pub(crate) fn expand_rows(rows: &[u64], width: usize, height: usize, words: usize) -> Vec<u8> {
    static SPREAD: OnceLock<[u64; 256]> = OnceLock::new();
    let spread = SPREAD.get_or_init(|| {
        std::array::from_fn(|b| (0..8).map(|i| (((b >> i) & 1) as u64) << (8 * i)).sum())
    });
    let mut out = vec![0u8; width * height];
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
/// uses QR patterns 1, 4, 6 and 7 under the numbers 0–3; rMQR only pattern 4, ISO/IEC 23941
/// 7.8.2).
fn mask_bit(version: Version, mask: u8, x: usize, y: usize) -> bool {
    let qr_mask = match version {
        Version::Normal(_) => mask,
        Version::Micro(_) => [1, 4, 6, 7][mask as usize],
        Version::Rmqr { .. } => 4,
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
    height: usize,
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
                if x < 0 || y < 0 || x >= self.width as isize || y >= self.height as isize {
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

    /// rMQR (ISO/IEC 23941 6.3 and 7.9; module by module as `rmqrcode` 0.3.2 draws them): the
    /// finder at the top left with its separator, the finder sub-pattern at the bottom right,
    /// corner patterns at the other two corners, 3 × 3 alignment patterns on the top and bottom
    /// edges joined by timing columns, timing rows along both edges, and the two format areas.
    fn draw_rmqr_function_patterns(&mut self) {
        let (w, h) = (self.width, self.height);
        self.finder(3, 3);
        for dy in -2..=2isize {
            for dx in -2..=2isize {
                let d = dx.abs().max(dy.abs());
                let (x, y) = (
                    (w as isize - 3 + dx) as usize,
                    (h as isize - 3 + dy) as usize,
                );
                self.set(x, y, d != 1);
            }
        }
        // Corner patterns: bottom left (two rows from height 11) and top right.
        for x in 0..3 {
            self.set(x, h - 1, true);
        }
        if h >= 11 {
            self.set(0, h - 2, true);
            self.set(1, h - 2, false);
        }
        self.set(w - 1, 0, true);
        self.set(w - 2, 0, true);
        self.set(w - 1, 1, true);
        self.set(w - 2, 1, false);
        let columns = super::version::rmqr_alignment_columns(w);
        for &cx in columns {
            for (dy, dx) in (0..3).flat_map(|dy| (0..3).map(move |dx| (dy, dx))) {
                let ring = dy != 1 || dx != 1;
                self.set(cx + dx - 1, dy, ring);
                self.set(cx + dx - 1, h - 1 - dy, ring);
            }
        }
        // Timing patterns fill what is left of the edge rows and of the timing columns.
        for x in 0..w {
            for y in [0, h - 1] {
                if !self.function[y * w + x] {
                    self.set(x, y, x % 2 == 0);
                }
            }
        }
        for &x in [0, w - 1].iter().chain(columns) {
            for y in 0..h {
                if !self.function[y * w + x] {
                    self.set(x, y, y % 2 == 0);
                }
            }
        }
        for &(x, y) in rmqr_format_positions(w, h).iter().flatten() {
            self.set(x as usize, y as usize, false);
        }
    }

    /// Data module coordinates in placement order: two-module-wide columns from column `right`
    /// leftwards, alternately upwards and downwards, skipping function modules (and, in QR, the
    /// vertical timing column).
    fn zigzag(&self, mut right: usize, skip_timing_column: bool) -> Vec<(u8, u8)> {
        let (w, h) = (self.width, self.height);
        let mut out = Vec::with_capacity(w * h);
        let mut upward = true;
        while right >= 1 {
            if skip_timing_column && right == 6 {
                right = 5;
            }
            for vert in 0..h {
                let y = if upward { h - 1 - vert } else { vert };
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

/// The two copies of the 18 rMQR format bits: `[copy][bit]` = (x, y), bit 0 least significant;
/// the first right of the finder (columns 8–11), the second left of and above the finder
/// sub-pattern (ISO/IEC 23941 7.9.2, figure 14).
pub(crate) fn rmqr_format_positions(w: usize, h: usize) -> [[(u8, u8); 18]; 2] {
    let mut first = [(0u8, 0u8); 18];
    let mut second = [(0u8, 0u8); 18];
    for i in 0..18 {
        first[i] = (8 + i / 5, 1 + i % 5).map_u8();
        second[i] = if i < 15 {
            (w - 8 + i / 5, h - 6 + i % 5)
        } else {
            (w - 20 + i, h - 6)
        }
        .map_u8();
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

/// Both copies of the rMQR format information, 18 bits each, the finder side's in the low bits:
/// the level (1 for H) and the 5-bit version indicator, BCH(18,6) coded as QR version information
/// is, then each copy masked with its own pattern (ISO/IEC 23941 7.9.1).
pub(crate) fn rmqr_format_bits(version: Version, ec: EcLevel) -> u64 {
    let index = version.rmqr_index().expect("a valid rMQR size") as u8;
    let bits = version_info_bits((u8::from(ec == EcLevel::H) << 5) | index) as u64;
    (bits ^ 0b011111101010110010) | ((bits ^ 0b100000101001111011) << 18)
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
