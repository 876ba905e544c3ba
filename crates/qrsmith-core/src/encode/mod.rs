//! Encoding: text or bytes to a QR or Micro QR symbol (ISO/IEC 18004:2015).
//!
//! Written here rather than taken from a crate: no published crate combines Micro QR, structured
//! append, ECI, minimal-length segmentation over all four modes and the speed the service needs
//! (a v5-H URL in a few microseconds; `qrcode` takes ~1,200 µs, `fast_qr` ~135 µs and lacks Micro
//! QR and structured append). One file per stage: `version` (capacity tables), `segment` (mode
//! choice and bit stream), `reed_solomon`, `matrix` (function patterns and placement), `mask`
//! (the standard's penalty rules, bit-parallel), `sequence` (structured append).

mod mask;
pub(crate) mod matrix;
mod reed_solomon;
#[cfg(test)]
pub(crate) use reed_solomon::append_ec as reed_solomon_ec;
mod segment;
mod sequence;
mod version;

pub use sequence::{encode_sequence_bytes, encode_sequence_text, SequenceInfo};

use crate::error::{parse_named, Error, ErrorKind, Result};
use matrix::Template;
use segment::{BitWriter, Segment, Unit};

/// Error-correction level: how much of the symbol may be damaged and still read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum EcLevel {
    /// About 7 % recovery.
    L,
    /// About 15 % recovery.
    M,
    /// About 25 % recovery.
    Q,
    /// About 30 % recovery (the default, as in the reference service).
    #[default]
    H,
}

impl EcLevel {
    /// Every level, from the least recovery.
    pub const ALL: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

    /// The level's letter: `L`, `M`, `Q` or `H`.
    pub fn name(self) -> &'static str {
        match self {
            EcLevel::L => "L",
            EcLevel::M => "M",
            EcLevel::Q => "Q",
            EcLevel::H => "H",
        }
    }
}

impl std::str::FromStr for EcLevel {
    type Err = Error;

    /// The level's letter, in either case.
    fn from_str(s: &str) -> Result<EcLevel> {
        parse_named("error-correction level", s, &EcLevel::ALL, EcLevel::name)
    }
}

/// A symbol version: QR 1–40, Micro QR M1–M4 or one of the 32 rMQR sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// A QR Code version, 1 to 40.
    Normal(u8),
    /// A Micro QR version, 1 (M1) to 4 (M4).
    Micro(u8),
    /// An rMQR (rectangular Micro QR, ISO/IEC 23941) size, named `R{height}x{width}`: R7x43 to
    /// R17x139 (see [`Version::rmqr_sizes`]).
    Rmqr {
        /// Modules down: 7, 9, 11, 13, 15 or 17.
        height: u8,
        /// Modules across: 27, 43, 59, 77, 99 or 139.
        width: u8,
    },
}

/// An encoded symbol: a matrix of dark and light modules, without quiet zone; square except for
/// rMQR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrCode {
    pub(crate) version: Version,
    pub(crate) ec_level: EcLevel,
    pub(crate) mask: u8,
    pub(crate) width: usize,
    pub(crate) height: usize,
    /// Row-major, one byte per module: 1 dark, 0 light.
    pub(crate) modules: Vec<u8>,
    pub(crate) sequence: Option<SequenceInfo>,
}

impl QrCode {
    /// The number of modules across (21 for version 1, 11 for M1, 43 for R7x43).
    pub fn width(&self) -> usize {
        self.width
    }

    /// The number of modules down: the width, except for rMQR (7 for R7x43).
    pub fn height(&self) -> usize {
        self.height
    }

    /// Whether the module at column `x`, row `y` is dark. Panics outside the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.modules[y * self.width + x] != 0
    }

    /// Row `y` of the matrix, one byte per module (1 dark, 0 light).
    pub fn row(&self, y: usize) -> &[u8] {
        &self.modules[y * self.width..(y + 1) * self.width]
    }

    /// The symbol's version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The symbol's error-correction level (for M1, which has detection only, `L`).
    pub fn ec_level(&self) -> EcLevel {
        self.ec_level
    }

    /// The data mask pattern applied (0–7 for QR, 0–3 for Micro QR; rMQR has one pattern, QR's
    /// pattern 4, reported as 4).
    pub fn mask(&self) -> u8 {
        self.mask
    }

    /// Its place in a structured-append sequence, if it is part of one.
    pub fn sequence(&self) -> Option<SequenceInfo> {
        self.sequence
    }

    /// Builds a symbol from a raw module matrix; for renderer tests.
    #[cfg(test)]
    pub(crate) fn from_modules(width: usize, modules: Vec<u8>) -> Self {
        assert_eq!(modules.len(), width * width);
        QrCode {
            version: Version::Normal(1),
            ec_level: EcLevel::L,
            mask: 0,
            width,
            height: width,
            modules,
            sequence: None,
        }
    }
}

/// An encoding mode: the character set a segment of the payload is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Digits 0–9, 10 bits per 3 digits.
    Numeric = 0,
    /// 0–9, A–Z, space and `$%*+-./:`, 11 bits per 2 characters.
    Alphanumeric = 1,
    /// Any byte, 8 bits each.
    Byte = 2,
    /// Shift JIS double-byte kanji, 13 bits each.
    Kanji = 3,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 4] = [Mode::Numeric, Mode::Alphanumeric, Mode::Byte, Mode::Kanji];

    /// The mode's name: `numeric`, `alphanumeric`, `byte` or `kanji`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Numeric => "numeric",
            Mode::Alphanumeric => "alphanumeric",
            Mode::Byte => "byte",
            Mode::Kanji => "kanji",
        }
    }
}

impl std::str::FromStr for Mode {
    type Err = Error;

    /// The mode's name, in either case.
    fn from_str(s: &str) -> Result<Mode> {
        parse_named("mode", s, &Mode::ALL, Mode::name)
    }
}

/// Encoding options. The defaults give the most widely readable symbol: the smallest QR
/// version that fits, level H, the best mask, minimal-length segments, no ECI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncodeOptions {
    /// Error-correction level (default H).
    pub ec_level: EcLevel,
    /// Force this version instead of the smallest that fits.
    pub version: Option<Version>,
    /// With no forced version, pick the smallest Micro QR version (M1–M4) instead of QR.
    pub micro: bool,
    /// With no forced version, pick the rMQR size with the fewest modules (then the lowest) that
    /// fits, instead of QR. rMQR has levels M and H only and one mask pattern.
    pub rmqr: bool,
    /// Force this mask pattern (0–7 for QR, 0–3 for Micro QR) instead of the lowest penalty.
    pub mask: Option<u8>,
    /// Write the whole payload in this mode instead of the shortest mix of modes.
    pub mode: Option<Mode>,
    /// Start with this ECI designator (e.g. 26 for UTF-8). Off by default: some readers mishandle
    /// ECI, and all of them guess UTF-8 well. QR and rMQR (Micro QR has no ECI).
    pub eci: Option<u32>,
    /// Raise the error-correction level as far as the chosen version still holds the data.
    pub boost_ec: bool,
}

/// Encodes text. Kanji mode is used when every non-ASCII character is a Shift JIS kanji (and no
/// ECI is set); other text goes in byte mode as UTF-8.
pub fn encode_text(text: &str, opts: &EncodeOptions) -> Result<QrCode> {
    let units = segment::units_for_text(text, allow_kanji(opts));
    encode_units(text.as_bytes(), &units, opts, None)
}

/// Kanji mode is an option for text unless an ECI or another single mode is asked for.
pub(crate) fn allow_kanji(opts: &EncodeOptions) -> bool {
    opts.eci.is_none() && opts.mode.is_none_or(|m| m == Mode::Kanji)
}

/// Encodes raw bytes (numeric, alphanumeric and byte modes; the bytes read back unchanged).
pub fn encode_bytes(data: &[u8], opts: &EncodeOptions) -> Result<QrCode> {
    let units = segment::units_for_bytes(data);
    encode_units(data, &units, opts, None)
}

/// Checks options on their own, before looking at the payload.
fn validate(opts: &EncodeOptions) -> Result<()> {
    let invalid = |msg: String| Err(Error::new(ErrorKind::InvalidOption, msg));
    if let Some(v) = opts.version {
        if !v.is_valid() {
            return invalid(match v {
                Version::Normal(n) => format!("version {n} does not exist: QR versions are 1–40"),
                Version::Micro(n) => {
                    format!("version M{n} does not exist: Micro QR versions are M1–M4")
                }
                Version::Rmqr { height, width } => {
                    format!("R{height}x{width} does not exist: rMQR sizes are R7x43 … R17x139")
                }
            });
        }
        if opts.micro && !v.is_micro() {
            return invalid("a Micro QR symbol was asked for with another version".into());
        }
        if opts.rmqr && !v.is_rmqr() {
            return invalid("an rMQR symbol was asked for with another version".into());
        }
        if !v.supports(opts.ec_level) {
            return invalid(format!(
                "error-correction level {:?} is not available in {}",
                opts.ec_level,
                version_name(v)
            ));
        }
    }
    let micro = opts.micro || opts.version.is_some_and(Version::is_micro);
    let rmqr = opts.rmqr || opts.version.is_some_and(Version::is_rmqr);
    if micro && rmqr {
        return invalid("a symbol cannot be both Micro QR and rMQR".into());
    }
    if rmqr {
        if !matches!(opts.ec_level, EcLevel::M | EcLevel::H) {
            return invalid("rMQR has levels M and H only".into());
        }
        if opts.mask.is_some() {
            return invalid("rMQR has a single mask pattern: no mask can be chosen".into());
        }
    }
    if micro && opts.ec_level == EcLevel::H {
        return invalid("Micro QR has no level H: use L, M or (M4 only) Q".into());
    }
    if let Some(mask) = opts.mask {
        let limit = if micro { 4 } else { 8 };
        if mask >= limit {
            return invalid(format!("mask {mask} does not exist: use 0–{}", limit - 1));
        }
    }
    if let Some(eci) = opts.eci {
        if micro {
            return invalid("Micro QR cannot carry an ECI designator".into());
        }
        if eci >= 1_000_000 {
            return invalid(format!("ECI designator {eci} is out of range (0–999999)"));
        }
    }
    Ok(())
}

/// A human name for a version: "version 5" or "M3".
pub(crate) fn version_name(v: Version) -> String {
    match v {
        Version::Normal(n) => format!("version {n}"),
        _ => v.name(),
    }
}

const APPEND_HEADER_BITS: usize = 20;

/// Picks the version, writes the codewords and places them: the core of every encode call.
pub(crate) fn encode_units(
    source: &[u8],
    units: &[Unit],
    opts: &EncodeOptions,
    append: Option<SequenceInfo>,
) -> Result<QrCode> {
    validate(opts)?;
    let small = opts.micro || opts.version.is_some_and(Version::is_micro);
    let rmqr = opts.rmqr || opts.version.is_some_and(Version::is_rmqr);
    if append.is_some() && (small || rmqr) {
        return Err(Error::new(
            ErrorKind::InvalidOption,
            "Micro QR and rMQR symbols cannot form a structured-append sequence",
        ));
    }
    let candidates: Vec<Version> = match opts.version {
        Some(v) => vec![v],
        None if opts.micro => (1..=4).map(Version::Micro).collect(),
        None if opts.rmqr => {
            let mut sizes: Vec<Version> = Version::rmqr_sizes().collect();
            // Plans are reused between neighbours with equal count widths, so a stable sort.
            sizes.sort_by_key(|v| (v.width() * v.height(), v.height()));
            sizes
        }
        None => (1..=40).map(Version::Normal).collect(),
    };
    let extra_bits = opts.eci.map_or(0, |eci| segment::eci_bits(eci, rmqr))
        + append.map_or(0, |_| APPEND_HEADER_BITS);
    // Segmentation depends on the version only through the count field widths, so plans are
    // reused across versions that share them.
    let mut planned: Option<(Version, Vec<Segment>, usize)> = None;
    let mut last_error = None;
    let mut chosen = None;
    for &version in &candidates {
        if !version.supports(opts.ec_level) {
            continue;
        }
        let reusable = planned
            .as_ref()
            .is_some_and(|(v, _, _)| same_count_widths(*v, version));
        if !reusable {
            match segment::plan(units, version, opts.mode) {
                Ok((segs, bits)) => planned = Some((version, segs, bits)),
                Err(e) => {
                    last_error = Some(e);
                    planned = None;
                    continue;
                }
            }
        }
        let Some((_, segments, bits)) = planned.as_ref() else {
            continue;
        };
        let needed = bits + extra_bits;
        if needed <= version.data_bits(opts.ec_level) {
            chosen = Some((version, segments.clone(), needed));
            break;
        }
        last_error = Some(too_long(
            needed,
            version,
            opts.ec_level,
            opts.version.is_some(),
        ));
    }
    let Some((version, segments, needed)) = chosen else {
        return Err(last_error.unwrap_or_else(|| {
            Error::new(
                ErrorKind::InvalidOption,
                "no symbol version supports these options",
            )
        }));
    };
    let mut ec_level = opts.ec_level;
    if opts.boost_ec {
        for better in [EcLevel::M, EcLevel::Q, EcLevel::H] {
            if better > ec_level && version.supports(better) && needed <= version.data_bits(better)
            {
                ec_level = better;
            }
        }
    }

    let data = data_codewords(
        source, units, &segments, version, ec_level, opts.eci, append,
    );
    let stream = with_error_correction(&data, version, ec_level);
    let mut code = place(&stream, version, ec_level, opts.mask);
    code.sequence = append;
    Ok(code)
}

fn same_count_widths(a: Version, b: Version) -> bool {
    [Mode::Numeric, Mode::Alphanumeric, Mode::Byte, Mode::Kanji]
        .iter()
        .all(|&m| a.char_count_bits(m) == b.char_count_bits(m))
}

fn too_long(needed: usize, largest: Version, ec: EcLevel, forced: bool) -> Error {
    let capacity = largest.data_bits(ec);
    Error::new(
        ErrorKind::DataTooLong,
        format!(
            "the payload needs {needed} bits but {}{} at level {ec:?} holds {capacity} bits \
             (about {} bytes); shorten it, lower the error-correction level{}",
            if forced { "" } else { "the largest symbol, " },
            version_name(largest),
            capacity.saturating_sub(20) / 8,
            if forced {
                " or choose a larger version"
            } else if largest.is_rmqr() {
                " or use a QR symbol"
            } else {
                " or split it with structured append"
            },
        ),
    )
}

/// The data codewords: headers, segments, terminator and padding.
fn data_codewords(
    source: &[u8],
    units: &[Unit],
    segments: &[Segment],
    version: Version,
    ec: EcLevel,
    eci: Option<u32>,
    append: Option<SequenceInfo>,
) -> Vec<u8> {
    let capacity = version.data_bits(ec);
    let mut w = BitWriter::with_capacity(version.data_codewords(ec));
    if let Some(a) = append {
        w.push(0b0011, 4);
        w.push(a.index as u32, 4);
        w.push(a.total as u32 - 1, 4);
        w.push(a.parity as u32, 8);
    }
    if let Some(eci) = eci {
        segment::write_eci(&mut w, eci, version.is_rmqr());
    }
    segment::write_segments(&mut w, source, units, segments, version);
    let terminator = version.terminator_bits().min(capacity - w.len());
    w.push(0, terminator as u32);
    // M1 and M3 end in a 4-bit codeword: pad bytes fill the whole codewords before it.
    let whole = capacity / 8 * 8;
    if w.len() < whole {
        w.push(0, ((8 - w.len() % 8) % 8) as u32);
        for pad in [0xEC, 0x11].into_iter().cycle() {
            if w.len() >= whole {
                break;
            }
            w.push(pad, 8);
        }
    }
    while w.len() < capacity {
        w.push(0, 1);
    }
    w.finish()
}

/// Splits data into blocks, adds Reed–Solomon codewords and interleaves: the final bit stream.
fn with_error_correction(data: &[u8], version: Version, ec: EcLevel) -> Vec<u8> {
    let (ec_len, blocks) = version.ec_blocks(ec);
    let total = version.total_codewords();
    let mut out = Vec::with_capacity(total);
    if blocks == 1 {
        out.extend_from_slice(data);
        reed_solomon::append_ec(data, ec_len, &mut out);
        return out;
    }
    let short_blocks = blocks - total % blocks;
    let short_data = total / blocks - ec_len;
    let mut ecc = Vec::with_capacity(ec_len * blocks);
    let mut starts = Vec::with_capacity(blocks + 1);
    let mut pos = 0;
    for b in 0..blocks {
        starts.push(pos);
        let len = short_data + usize::from(b >= short_blocks);
        reed_solomon::append_ec(&data[pos..pos + len], ec_len, &mut ecc);
        pos += len;
    }
    starts.push(pos);
    for i in 0..=short_data {
        for b in 0..blocks {
            if starts[b] + i < starts[b + 1] {
                out.push(data[starts[b] + i]);
            }
        }
    }
    for i in 0..ec_len {
        for b in 0..blocks {
            out.push(ecc[b * ec_len + i]);
        }
    }
    out
}

/// Places the codewords, chooses the mask and writes the format information.
fn place(stream: &[u8], version: Version, ec: EcLevel, forced_mask: Option<u8>) -> QrCode {
    let t = Template::get(version);
    let (width, height, words) = (t.width, t.height, t.words);
    let mut rows = t.rows.clone();
    // M1 and M3: the last data codeword has 4 bits, so the bit stream skips the low nibble.
    let half = matches!(version, Version::Micro(1 | 3)).then(|| version.data_codewords(ec) - 1);
    let mut slots = t.data_slots.iter();
    for (i, &byte) in stream.iter().enumerate() {
        let bits = if Some(i) == half { 4 } else { 8 };
        // Branch-free: data bits are random, so a branch per bit would mispredict half the time.
        for (b, &slot) in (0..bits).zip(slots.by_ref()) {
            let bit = ((byte >> (7 - b)) & 1) as u64;
            rows[slot as usize >> 6] |= bit << (slot & 63);
        }
    }

    let format_bits = |mask: u8| match version {
        Version::Normal(_) => matrix::qr_format_bits(ec, mask) as u64,
        Version::Micro(v) => matrix::micro_format_bits(v, ec, mask) as u64,
        Version::Rmqr { .. } => matrix::rmqr_format_bits(version, ec),
    };
    // QR repeats its 15 format bits; rMQR has two 18-bit copies under different masks.
    let format_len = if version.is_rmqr() { 36 } else { 15 };
    let apply = |rows: &mut [u64], mask: u8| {
        for (r, m) in rows.iter_mut().zip(&t.masks[mask as usize]) {
            *r ^= m;
        }
        let bits = format_bits(mask);
        for (i, &(x, y)) in t.format_positions.iter().enumerate() {
            if (bits >> (i % format_len)) & 1 != 0 {
                rows[y as usize * words + x as usize / 64] |= 1 << (x % 64);
            }
        }
    };

    let mask = forced_mask.unwrap_or_else(|| {
        let mut scratch = rows.clone();
        let scores = (0..t.masks.len() as u8).map(|m| {
            scratch.copy_from_slice(&rows);
            apply(&mut scratch, m);
            let score = match (version.is_micro(), words) {
                // rMQR has a single mask pattern.
                _ if t.masks.len() == 1 => 0,
                // Micro QR prefers the mask with the most dark modules on the free edges.
                (true, _) => u32::MAX - mask::micro_score(&scratch, width, words),
                (false, 1) => mask::penalty::<1>(&scratch, width),
                (false, 2) => mask::penalty::<2>(&scratch, width),
                (false, _) => mask::penalty::<3>(&scratch, width),
            };
            (score, m)
        });
        scores.min().map_or(0, |(_, m)| m)
    });

    apply(&mut rows, mask);
    let modules = matrix::expand_rows(&rows, width, height, words);
    QrCode {
        version,
        ec_level: ec,
        mask: if version.is_rmqr() { 4 } else { mask },
        width,
        height,
        modules,
        sequence: None,
    }
}
