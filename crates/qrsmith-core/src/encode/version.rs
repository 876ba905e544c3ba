//! Symbol geometry and capacity tables (ISO/IEC 18004:2015 tables 1, 7, 9 and annex E; for rMQR,
//! ISO/IEC 23941:2022 tables 3, 6 and 8).

use super::{EcLevel, Mode, Version};

/// Error-correction codewords per block, indexed by `[ec level][version]` (QR versions 1–40).
const ECC_PER_BLOCK: [[u8; 41]; 4] = [
    [
        0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28,
        30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30,
        30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Number of error-correction blocks, indexed by `[ec level][version]` (QR versions 1–40).
const BLOCKS: [[u8; 41]; 4] = [
    [
        0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
        14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
        0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21,
        23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29,
        34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
    [
        0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32,
        35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
];

/// Micro QR: (total codewords, EC codewords for L, M, Q; 0 = level not available).
/// M1 has error detection only; it is reported as level L.
const MICRO: [(u8, [u8; 3]); 4] = [
    (5, [2, 0, 0]),
    (10, [5, 6, 0]),
    (17, [6, 8, 0]),
    (24, [8, 10, 14]),
];

/// Height, width, count field bits by mode, total codewords, (EC per block, blocks) for M and H.
type RmqrRow = (u8, u8, [u8; 4], u16, [(u8, u8); 2]);

/// rMQR sizes in version-indicator order (R7x43 = 0 … R17x139 = 31): height, width, character
/// count bits for numeric, alphanumeric, byte and kanji, total codewords, and (EC codewords per
/// block, blocks) for levels M and H. Taken from the PyPI package `rmqrcode` 0.3.2
/// (`rmqrcode/format/rmqr_versions.py`) and checked against zxing-cpp's reader
/// (`core/src/qrcode/QRVersion.cpp`, `Version::rMQR`, from ISO/IEC 23941 table 8), which differs
/// in two places where `rmqrcode` is inconsistent with itself and zxing-cpp is followed: R13x27-M
/// has 9 EC codewords (12 data, `rmqrcode` says 7 but caps the data at 96 bits) and R17x43-M 22
/// (`rmqrcode`'s block is 60 codewords of 61). Every size and level is read back by zxing-cpp in
/// `tests/rmqr_python.rs`.
const RMQR: [RmqrRow; 32] = [
    (7, 43, [4, 3, 3, 2], 13, [(7, 1), (10, 1)]),
    (7, 59, [5, 5, 4, 3], 21, [(9, 1), (14, 1)]),
    (7, 77, [6, 5, 5, 4], 32, [(12, 1), (22, 1)]),
    (7, 99, [7, 6, 5, 5], 44, [(16, 1), (30, 1)]),
    (7, 139, [7, 6, 6, 5], 68, [(24, 1), (22, 2)]),
    (9, 43, [5, 5, 4, 3], 21, [(9, 1), (14, 1)]),
    (9, 59, [6, 5, 5, 4], 33, [(12, 1), (22, 1)]),
    (9, 77, [7, 6, 5, 5], 49, [(18, 1), (16, 2)]),
    (9, 99, [7, 6, 6, 5], 66, [(24, 1), (22, 2)]),
    (9, 139, [8, 7, 6, 6], 99, [(18, 2), (22, 3)]),
    (11, 27, [4, 4, 3, 2], 15, [(8, 1), (10, 1)]),
    (11, 43, [6, 5, 5, 4], 31, [(12, 1), (20, 1)]),
    (11, 59, [7, 6, 5, 5], 47, [(16, 1), (16, 2)]),
    (11, 77, [7, 6, 6, 5], 67, [(24, 1), (22, 2)]),
    (11, 99, [8, 7, 6, 6], 89, [(16, 2), (30, 2)]),
    (11, 139, [8, 7, 7, 6], 132, [(24, 2), (30, 3)]),
    (13, 27, [5, 5, 4, 3], 21, [(9, 1), (14, 1)]),
    (13, 43, [6, 6, 5, 5], 41, [(14, 1), (28, 1)]),
    (13, 59, [7, 6, 6, 5], 60, [(22, 1), (20, 2)]),
    (13, 77, [7, 7, 6, 6], 85, [(16, 2), (28, 2)]),
    (13, 99, [8, 7, 7, 6], 113, [(20, 2), (26, 3)]),
    (13, 139, [8, 8, 7, 7], 166, [(20, 3), (28, 4)]),
    (15, 43, [7, 6, 6, 5], 51, [(18, 1), (18, 2)]),
    (15, 59, [7, 7, 6, 5], 74, [(26, 1), (24, 2)]),
    (15, 77, [8, 7, 7, 6], 103, [(18, 2), (24, 3)]),
    (15, 99, [8, 7, 7, 6], 136, [(24, 2), (22, 4)]),
    (15, 139, [9, 8, 7, 7], 199, [(24, 3), (26, 5)]),
    (17, 43, [7, 6, 6, 5], 61, [(22, 1), (20, 2)]),
    (17, 59, [8, 7, 6, 6], 88, [(16, 2), (30, 2)]),
    (17, 77, [8, 7, 7, 6], 122, [(22, 2), (28, 3)]),
    (17, 99, [8, 8, 7, 6], 160, [(20, 3), (26, 4)]),
    (17, 139, [9, 8, 8, 7], 232, [(20, 4), (26, 6)]),
];

/// Centre columns of the rMQR alignment patterns (and their timing columns), by width
/// (ISO/IEC 23941 annex D; `rmqrcode/format/alignment_pattern_coordinates.py`).
pub(crate) fn rmqr_alignment_columns(width: usize) -> &'static [usize] {
    match width {
        43 => &[21],
        59 => &[19, 39],
        77 => &[25, 51],
        99 => &[23, 49, 75],
        139 => &[27, 55, 83, 111],
        _ => &[],
    }
}

fn ec_index(ec: EcLevel) -> usize {
    match ec {
        EcLevel::L => 0,
        EcLevel::M => 1,
        EcLevel::Q => 2,
        EcLevel::H => 3,
    }
}

impl Version {
    /// The 32 rMQR sizes, R7x43 to R17x139, in version-indicator order.
    pub fn rmqr_sizes() -> impl Iterator<Item = Version> {
        RMQR.iter()
            .map(|&(height, width, ..)| Version::Rmqr { height, width })
    }

    /// The version's name, as [`str::parse`] reads it: `"5"`, `"M3"` or `"R11x77"`.
    pub fn name(self) -> String {
        match self {
            Version::Normal(n) => n.to_string(),
            Version::Micro(n) => format!("M{n}"),
            Version::Rmqr { height, width } => format!("R{height}x{width}"),
        }
    }

    /// Checks the number is in range: QR 1–40, Micro QR 1–4, rMQR one of the 32 sizes.
    pub(crate) fn is_valid(self) -> bool {
        match self {
            Version::Normal(v) => (1..=40).contains(&v),
            Version::Micro(v) => (1..=4).contains(&v),
            Version::Rmqr { .. } => self.rmqr_index().is_some(),
        }
    }

    /// The rMQR version indicator (0 for R7x43 … 31 for R17x139); `None` for other symbols.
    pub(crate) fn rmqr_index(self) -> Option<usize> {
        let Version::Rmqr { height, width } = self else {
            return None;
        };
        RMQR.iter()
            .position(|&(h, w, ..)| (h, w) == (height, width))
    }

    fn rmqr_row(self) -> &'static RmqrRow {
        &RMQR[self.rmqr_index().expect("a valid rMQR size")]
    }

    /// Modules across (per side for the square QR and Micro QR symbols).
    pub fn width(self) -> usize {
        match self {
            Version::Normal(v) => 17 + 4 * v as usize,
            Version::Micro(v) => 9 + 2 * v as usize,
            Version::Rmqr { width, .. } => width as usize,
        }
    }

    /// Modules down: the width, except for rMQR.
    pub fn height(self) -> usize {
        match self {
            Version::Rmqr { height, .. } => height as usize,
            _ => self.width(),
        }
    }

    /// Whether the symbol is a Micro QR symbol.
    pub fn is_micro(self) -> bool {
        matches!(self, Version::Micro(_))
    }

    /// Whether the symbol is an rMQR (rectangular Micro QR) symbol.
    pub fn is_rmqr(self) -> bool {
        matches!(self, Version::Rmqr { .. })
    }

    /// Whether `ec` is available in this version (Micro QR lacks H everywhere, and more below M4).
    pub fn supports(self, ec: EcLevel) -> bool {
        match self {
            Version::Normal(_) => true,
            Version::Micro(v) => ec != EcLevel::H && MICRO[v as usize - 1].1[ec_index(ec)] != 0,
            Version::Rmqr { .. } => matches!(ec, EcLevel::M | EcLevel::H),
        }
    }

    /// Bits in the character count indicator for `mode`; `None` when the mode is not allowed.
    pub(crate) fn char_count_bits(self, mode: Mode) -> Option<u8> {
        match self {
            Version::Normal(v) => {
                let group = match v {
                    1..=9 => 0,
                    10..=26 => 1,
                    _ => 2,
                };
                Some(match mode {
                    Mode::Numeric => [10, 12, 14][group],
                    Mode::Alphanumeric => [9, 11, 13][group],
                    Mode::Byte => [8, 16, 16][group],
                    Mode::Kanji => [8, 10, 12][group],
                })
            }
            Version::Micro(v) => {
                let v = v as usize;
                let (base, min_version) = match mode {
                    Mode::Numeric => (3, 1),
                    Mode::Alphanumeric => (3, 2),
                    Mode::Byte => (4, 3),
                    Mode::Kanji => (3, 3),
                };
                (v >= min_version).then(|| (base + v - min_version) as u8)
            }
            Version::Rmqr { .. } => Some(self.rmqr_row().2[mode as usize]),
        }
    }

    /// Bits in the mode indicator (4 for QR; 0–3 for M1–M4; 3 for rMQR).
    pub(crate) fn mode_bits(self) -> u8 {
        match self {
            Version::Normal(_) => 4,
            Version::Micro(v) => v - 1,
            Version::Rmqr { .. } => 3,
        }
    }

    /// Length of the terminator (all zero bits) that ends the data.
    pub(crate) fn terminator_bits(self) -> usize {
        match self {
            Version::Normal(_) => 4,
            Version::Micro(v) => 1 + 2 * v as usize,
            Version::Rmqr { .. } => 3,
        }
    }

    /// Total codewords (data + EC) in the symbol.
    pub(crate) fn total_codewords(self) -> usize {
        match self {
            Version::Normal(v) => raw_data_modules(v) / 8,
            Version::Micro(v) => MICRO[v as usize - 1].0 as usize,
            Version::Rmqr { .. } => self.rmqr_row().3 as usize,
        }
    }

    /// EC codewords per block and the number of blocks.
    pub(crate) fn ec_blocks(self, ec: EcLevel) -> (usize, usize) {
        match self {
            Version::Normal(v) => (
                ECC_PER_BLOCK[ec_index(ec)][v as usize] as usize,
                BLOCKS[ec_index(ec)][v as usize] as usize,
            ),
            Version::Micro(v) => (MICRO[v as usize - 1].1[ec_index(ec)] as usize, 1),
            Version::Rmqr { .. } => {
                let (per_block, blocks) = self.rmqr_row().4[usize::from(ec == EcLevel::H)];
                (per_block as usize, blocks as usize)
            }
        }
    }

    /// Data codewords (M1 and M3 end in a 4-bit codeword, counted here as one).
    pub(crate) fn data_codewords(self, ec: EcLevel) -> usize {
        let (per_block, blocks) = self.ec_blocks(ec);
        self.total_codewords() - per_block * blocks
    }

    /// Data capacity in bits.
    pub(crate) fn data_bits(self, ec: EcLevel) -> usize {
        let bits = self.data_codewords(ec) * 8;
        match self {
            Version::Micro(1) | Version::Micro(3) => bits - 4,
            _ => bits,
        }
    }

    /// Centre coordinates of alignment patterns along one axis (QR only).
    pub(crate) fn alignment_positions(self) -> Vec<usize> {
        let Version::Normal(v) = self else {
            return Vec::new();
        };
        if v == 1 {
            return Vec::new();
        }
        let count = v as usize / 7 + 2;
        let step = (v as usize * 8 + count * 3 + 5) / (count * 4 - 4) * 2;
        let mut positions: Vec<usize> = (0..count - 1)
            .map(|i| self.width() - 7 - i * step)
            .collect();
        positions.push(6);
        positions.reverse();
        positions
    }
}

impl std::str::FromStr for Version {
    type Err = crate::Error;

    /// `"5"` is QR version 5, `"M3"` (or `"m3"`) Micro QR M3, `"R11x77"` (or `"r11x77"`) the rMQR
    /// symbol 11 modules high and 77 wide; out-of-range numbers are refused.
    fn from_str(s: &str) -> crate::Result<Version> {
        if let Some(size) = s.strip_prefix(['R', 'r']) {
            let parsed = size.split_once(['x', 'X']).and_then(|(h, w)| {
                Some(Version::Rmqr {
                    height: h.parse().ok()?,
                    width: w.parse().ok()?,
                })
            });
            return parsed.filter(|v| v.is_valid()).ok_or_else(|| {
                crate::Error::new(
                    crate::ErrorKind::InvalidOption,
                    format!(
                        "rMQR size {s:?} does not exist: the sizes are R7x43 … R17x139, heights \
                         7–17 (odd) by widths 43, 59, 77, 99 or 139, plus R11x27 and R13x27"
                    ),
                )
            });
        }
        let (micro, digits) = match s.strip_prefix(['M', 'm']) {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let version = digits.parse().ok().map(|n| {
            if micro {
                Version::Micro(n)
            } else {
                Version::Normal(n)
            }
        });
        version.filter(|v| v.is_valid()).ok_or_else(|| {
            crate::Error::new(
                crate::ErrorKind::InvalidOption,
                format!(
                    "version {s:?} does not exist: use 1–40 for QR, M1–M4 for Micro QR or \
                     R7x43 … R17x139 for rMQR"
                ),
            )
        })
    }
}

/// Modules available for data and EC codewords (including remainder bits) in QR version `v`.
fn raw_data_modules(v: u8) -> usize {
    let v = v as usize;
    let mut result = (16 * v + 128) * v + 64;
    if v >= 2 {
        let align = v / 7 + 2;
        result -= (25 * align - 10) * align - 55;
        if v >= 7 {
            result -= 36;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacities_match_the_standard() {
        // Table 7: data codewords of a few versions.
        assert_eq!(Version::Normal(1).data_codewords(EcLevel::L), 19);
        assert_eq!(Version::Normal(5).data_codewords(EcLevel::H), 46);
        assert_eq!(Version::Normal(40).data_codewords(EcLevel::L), 2956);
        assert_eq!(Version::Normal(40).total_codewords(), 3706);
        assert_eq!(Version::Micro(1).data_bits(EcLevel::L), 20);
        assert_eq!(Version::Micro(3).data_bits(EcLevel::M), 68);
        assert_eq!(Version::Micro(4).data_bits(EcLevel::Q), 80);
    }

    #[test]
    fn alignment_positions_match_annex_e() {
        assert_eq!(Version::Normal(2).alignment_positions(), vec![6, 18]);
        assert_eq!(Version::Normal(7).alignment_positions(), vec![6, 22, 38]);
        assert_eq!(
            Version::Normal(32).alignment_positions(),
            vec![6, 34, 60, 86, 112, 138]
        );
        assert_eq!(
            Version::Normal(40).alignment_positions(),
            vec![6, 30, 58, 86, 114, 142, 170]
        );
    }

    #[test]
    fn versions_parse_from_their_names() {
        assert_eq!("7".parse::<Version>(), Ok(Version::Normal(7)));
        assert_eq!("M2".parse::<Version>(), Ok(Version::Micro(2)));
        for bad in ["0", "41", "M5", "M", "", "x"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
    }

    #[test]
    fn rmqr_sizes_parse_from_their_names() {
        let sizes: Vec<Version> = Version::rmqr_sizes().collect();
        assert_eq!(sizes.len(), 32);
        assert_eq!(
            sizes[0],
            Version::Rmqr {
                height: 7,
                width: 43
            }
        );
        assert_eq!(
            sizes[31],
            Version::Rmqr {
                height: 17,
                width: 139
            }
        );
        for v in sizes.iter().chain(&[Version::Normal(7), Version::Micro(2)]) {
            assert_eq!(v.name().parse::<Version>(), Ok(*v));
        }
        assert_eq!(
            "r11x77".parse::<Version>(),
            Ok(Version::Rmqr {
                height: 11,
                width: 77
            })
        );
        for bad in ["R7x27", "R11x45", "R19x139", "R11", "Rx77", "R11x77x3"] {
            assert!(bad.parse::<Version>().is_err(), "{bad}");
        }
        // ISO/IEC 23941 table 8: R17x139 has 232 codewords, 152 data codewords at M.
        let largest = Version::Rmqr {
            height: 17,
            width: 139,
        };
        assert_eq!(largest.total_codewords(), 232);
        assert_eq!(largest.data_codewords(EcLevel::M), 152);
        assert_eq!(largest.char_count_bits(Mode::Numeric), Some(9));
        assert!(!largest.supports(EcLevel::L) && !largest.supports(EcLevel::Q));
    }

    #[test]
    fn micro_char_count_bits() {
        assert_eq!(Version::Micro(1).char_count_bits(Mode::Numeric), Some(3));
        assert_eq!(Version::Micro(1).char_count_bits(Mode::Alphanumeric), None);
        assert_eq!(Version::Micro(4).char_count_bits(Mode::Byte), Some(5));
        assert_eq!(Version::Micro(4).char_count_bits(Mode::Kanji), Some(4));
    }
}
