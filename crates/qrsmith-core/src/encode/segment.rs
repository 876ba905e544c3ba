//! Mode choice and the data bit stream.
//!
//! The payload is split into segments (numeric, alphanumeric, byte, kanji) by a shortest-path
//! search over characters whose states carry the partial group of the numeric (mod 3) and
//! alphanumeric (mod 2) modes, so bit costs are exact integers and the result is minimal for the
//! version's character-count field widths (Annex J only sketches a heuristic).

use std::ops::Range;

use super::{Mode, Version};
use crate::error::{Error, ErrorKind, Result};

/// One character of the payload with the modes that can carry it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Unit {
    /// Byte range of the character in the source (its byte-mode encoding).
    start: u32,
    len: u8,
    numeric: bool,
    /// Index in the 45-character alphanumeric set.
    alnum: Option<u8>,
    /// Shift JIS code when kanji mode can carry the character.
    kanji: Option<u16>,
    /// Whether byte mode may carry it (false for kanji-only characters, see `units_for_text`).
    byte: bool,
}

const ALNUM: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

fn alnum_index(b: u8) -> Option<u8> {
    ALNUM.iter().position(|&c| c == b).map(|i| i as u8)
}

fn ascii_unit(i: usize, b: u8) -> Unit {
    Unit {
        start: i as u32,
        len: 1,
        numeric: b.is_ascii_digit(),
        alnum: alnum_index(b),
        kanji: None,
        byte: true,
    }
}

/// Byte offset of a unit in the source.
pub(crate) fn unit_start(u: &Unit) -> usize {
    u.start as usize
}

/// Units for raw bytes: every byte is a character; kanji mode is not used because it would
/// change what a reader reports as text.
pub(crate) fn units_for_bytes(data: &[u8]) -> Vec<Unit> {
    data.iter()
        .enumerate()
        .map(|(i, &b)| ascii_unit(i, b))
        .collect()
}

/// Units for text. Kanji mode (13 bits a character instead of 24 as UTF-8) is used only when
/// every non-ASCII character has a kanji-mode code and no ECI is set: then byte segments hold
/// nothing but ASCII and every reader's charset guess gives back the same text.
pub(crate) fn units_for_text(text: &str, allow_kanji: bool) -> Vec<Unit> {
    let kanji_codes: Option<Vec<u16>> = if allow_kanji && !text.is_ascii() {
        text.chars()
            .filter(|c| !c.is_ascii())
            .map(kanji_code)
            .collect()
    } else {
        None
    };
    let mut kanji_iter = kanji_codes.as_ref().map(|codes| codes.iter());
    text.char_indices()
        .map(|(i, c)| {
            if c.is_ascii() {
                return ascii_unit(i, c as u8);
            }
            let kanji = kanji_iter.as_mut().and_then(|it| it.next().copied());
            Unit {
                start: i as u32,
                len: c.len_utf8() as u8,
                numeric: false,
                alnum: None,
                kanji,
                byte: kanji.is_none(),
            }
        })
        .collect()
}

/// The kanji-mode code of `c`: its double-byte Shift JIS code in 0x8140–0x9FFC or 0xE040–0xEBBF.
fn kanji_code(c: char) -> Option<u16> {
    let mut buf = [0u8; 4];
    let (bytes, _, had_errors) = encoding_rs::SHIFT_JIS.encode(c.encode_utf8(&mut buf));
    if had_errors || bytes.len() != 2 {
        return None;
    }
    let code = u16::from_be_bytes([bytes[0], bytes[1]]);
    ((0x8140..=0x9FFC).contains(&code) || (0xE040..=0xEBBF).contains(&code)).then_some(code)
}

/// A segment: a mode and the range of units it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub(crate) mode: Mode,
    pub(crate) units: Range<usize>,
}

/// DP states: the mode of the current segment, with the partial group for numeric/alphanumeric.
/// States 2, 3, 4 are numeric with count % 3 == 0, 1, 2 after the character; 5 and 6 are
/// alphanumeric with count % 2 == 0, 1.
const BYTE: usize = 0;
const KANJI: usize = 1;
const STATES: usize = 7;
const MODES: [Mode; 4] = [Mode::Byte, Mode::Kanji, Mode::Numeric, Mode::Alphanumeric];

fn state_mode(s: usize) -> Mode {
    match s {
        BYTE => Mode::Byte,
        KANJI => Mode::Kanji,
        2..=4 => Mode::Numeric,
        _ => Mode::Alphanumeric,
    }
}

/// Bits the character adds in state `to` when the previous state was `from` within the segment.
fn char_bits(u: &Unit, to: usize) -> Option<u32> {
    match to {
        BYTE => u.byte.then_some(8 * u.len as u32),
        KANJI => u.kanji.map(|_| 13),
        // Numeric groups: 4 bits for the first digit of a group, 3 for the second and third.
        2 => u.numeric.then_some(3),
        3 => u.numeric.then_some(4),
        4 => u.numeric.then_some(3),
        // Alphanumeric pairs: 6 bits for the first of a pair, 5 for the second.
        5 => u.alnum.map(|_| 5),
        _ => u.alnum.map(|_| 6),
    }
}

/// The state that continues `from` with one more character in the same mode.
fn successor(from: usize) -> usize {
    match from {
        2 => 3,
        3 => 4,
        4 => 2,
        5 => 6,
        6 => 5,
        s => s,
    }
}

/// The state after the first character of a new segment in the mode of `s`.
fn first_state(mode: Mode) -> usize {
    match mode {
        Mode::Byte => BYTE,
        Mode::Kanji => KANJI,
        Mode::Numeric => 3,
        Mode::Alphanumeric => 6,
    }
}

/// Finds the segmentation with the fewest bits for `version`'s field widths, or a single segment
/// in `forced` mode. Returns the segments and their total length in bits (headers included).
pub(crate) fn plan(
    units: &[Unit],
    version: Version,
    forced: Option<Mode>,
) -> Result<(Vec<Segment>, usize)> {
    if units.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // Header bits of a new segment per mode; None where the mode is not allowed.
    let headers = MODES.map(|m| {
        let count_bits = version
            .char_count_bits(m)
            .filter(|_| forced.is_none_or(|f| f == m));
        count_bits.map(|c| version.mode_bits() as u32 + c as u32)
    });
    const INF: u32 = u32::MAX / 2;
    let mut cost = [INF; STATES];
    // back[i][s]: state before unit i when unit i ends in state s (STATES = segment start).
    let mut back = vec![[u8::MAX; STATES]; units.len()];
    for (i, u) in units.iter().enumerate() {
        let best_prev = if i == 0 {
            0
        } else {
            *cost.iter().min().unwrap_or(&INF)
        };
        let best_prev_state = cost.iter().position(|&c| c == best_prev).unwrap_or(0);
        let mut next = [INF; STATES];
        // Continue the current segment.
        for (from, &c) in cost.iter().enumerate() {
            if i == 0 || c >= INF {
                continue;
            }
            let to = successor(from);
            if let Some(bits) = char_bits(u, to) {
                if c + bits < next[to] {
                    next[to] = c + bits;
                    back[i][to] = from as u8;
                }
            }
        }
        // Or start a new segment after the cheapest state so far.
        for (mode, header) in MODES.into_iter().zip(headers) {
            let Some(h) = header else { continue };
            let to = first_state(mode);
            if let Some(bits) = char_bits(u, to) {
                let total = best_prev + h + bits;
                if total < next[to] {
                    next[to] = total;
                    back[i][to] = if i == 0 {
                        STATES as u8
                    } else {
                        0x80 | best_prev_state as u8
                    };
                }
            }
        }
        cost = next;
        if cost.iter().all(|&c| c >= INF) {
            let what = match forced {
                Some(m) => format!("{m:?} mode cannot encode"),
                None => format!("{version:?} cannot encode"),
            };
            return Err(Error::new(
                ErrorKind::InvalidOption,
                format!("{what} the character at byte {} of the payload", u.start),
            ));
        }
    }
    let bits = *cost.iter().min().unwrap_or(&INF);
    let mut state = cost.iter().position(|&c| c == bits).unwrap_or(0);
    // Walk back, closing a segment at every "new segment" mark.
    let mut segments = Vec::new();
    let mut end = units.len();
    for i in (0..units.len()).rev() {
        let b = back[i][state];
        if b == STATES as u8 || b & 0x80 != 0 {
            segments.push(Segment {
                mode: state_mode(state),
                units: i..end,
            });
            end = i;
            state = (b & 0x7F) as usize;
        } else {
            state = b as usize;
        }
    }
    segments.reverse();
    if segments
        .iter()
        .all(|seg| count(units, seg) <= max_count(version, seg.mode))
    {
        return Ok((segments, bits as usize));
    }
    // A count too large for its field (only rMQR's small sizes, whose fields are narrower than
    // their capacity) is split into segments of the largest count the field holds.
    let mut split = Vec::with_capacity(segments.len() + 1);
    for seg in segments {
        let limit = max_count(version, seg.mode);
        let mut start = seg.units.start;
        let mut n = 0;
        for i in seg.units.clone() {
            let len = if seg.mode == Mode::Byte {
                units[i].len as usize
            } else {
                1
            };
            if n > 0 && n + len > limit {
                split.push(Segment {
                    mode: seg.mode,
                    units: start..i,
                });
                (start, n) = (i, 0);
            }
            n += len;
        }
        split.push(Segment {
            mode: seg.mode,
            units: start..seg.units.end,
        });
    }
    if split
        .iter()
        .any(|seg| count(units, seg) > max_count(version, seg.mode))
    {
        return Err(Error::new(
            ErrorKind::DataTooLong,
            format!("a character is longer than {version:?}'s byte count field holds"),
        ));
    }
    let bits = split
        .iter()
        .map(|seg| {
            let n = count(units, seg);
            let header = version.mode_bits() as usize
                + version.char_count_bits(seg.mode).unwrap_or(0) as usize;
            header
                + match seg.mode {
                    Mode::Numeric => 10 * (n / 3) + [0, 4, 7][n % 3],
                    Mode::Alphanumeric => 11 * (n / 2) + 6 * (n % 2),
                    Mode::Byte => 8 * n,
                    Mode::Kanji => 13 * n,
                }
        })
        .sum();
    Ok((split, bits))
}

/// The segment's character count field value: bytes in byte mode, characters otherwise.
fn count(units: &[Unit], seg: &Segment) -> usize {
    let us = &units[seg.units.clone()];
    match seg.mode {
        Mode::Byte => us.iter().map(|u| u.len as usize).sum(),
        _ => us.len(),
    }
}

/// The largest count `mode`'s field holds in `version`.
fn max_count(version: Version, mode: Mode) -> usize {
    (1 << version.char_count_bits(mode).unwrap_or(0)) - 1
}

/// Appends bits to a byte vector, most significant bit first.
pub(crate) struct BitWriter {
    pub(crate) bytes: Vec<u8>,
    acc: u32,
    pending: u32,
}

impl BitWriter {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        BitWriter {
            bytes: Vec::with_capacity(bytes),
            acc: 0,
            pending: 0,
        }
    }

    /// Writes the low `n` bits of `value` (n ≤ 24).
    pub(crate) fn push(&mut self, value: u32, n: u32) {
        debug_assert!(n <= 24 && (n == 0 || value >> n == 0));
        self.acc = (self.acc << n) | value;
        self.pending += n;
        while self.pending >= 8 {
            self.pending -= 8;
            self.bytes.push((self.acc >> self.pending) as u8);
        }
        self.acc &= (1 << self.pending) - 1;
    }

    /// Bits written so far.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len() * 8 + self.pending as usize
    }

    /// Flushes a partial byte, padding with zero bits.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        if self.pending > 0 {
            self.bytes.push((self.acc << (8 - self.pending)) as u8);
        }
        self.bytes
    }
}

/// Mode indicator values; Micro QR numbers the modes 0–3 in fewer bits, rMQR 1–4 in three.
fn mode_indicator(mode: Mode, version: Version) -> u32 {
    match (version, mode) {
        (Version::Micro(_), m) => m as u32,
        // rMQR (ISO/IEC 23941 table 2): 001, 010, 011, 100.
        (Version::Rmqr { .. }, m) => m as u32 + 1,
        (Version::Normal(_), Mode::Numeric) => 0b0001,
        (Version::Normal(_), Mode::Alphanumeric) => 0b0010,
        (Version::Normal(_), Mode::Byte) => 0b0100,
        (Version::Normal(_), Mode::Kanji) => 0b1000,
    }
}

/// Writes the segments of `units` (taken from `source`) to `out`.
pub(crate) fn write_segments(
    out: &mut BitWriter,
    source: &[u8],
    units: &[Unit],
    segments: &[Segment],
    version: Version,
) {
    for seg in segments {
        let us = &units[seg.units.clone()];
        out.push(
            mode_indicator(seg.mode, version),
            version.mode_bits() as u32,
        );
        let count = match seg.mode {
            Mode::Byte => us.iter().map(|u| u.len as u32).sum(),
            _ => us.len() as u32,
        };
        let count_bits = version.char_count_bits(seg.mode).unwrap_or(0) as u32;
        out.push(count, count_bits);
        match seg.mode {
            Mode::Numeric => {
                for group in us.chunks(3) {
                    let value = group.iter().fold(0, |acc, u| {
                        acc * 10 + (source[u.start as usize] - b'0') as u32
                    });
                    out.push(value, [0, 4, 7, 10][group.len()]);
                }
            }
            Mode::Alphanumeric => {
                for pair in us.chunks(2) {
                    let value = pair
                        .iter()
                        .fold(0, |acc, u| acc * 45 + u.alnum.unwrap_or(0) as u32);
                    out.push(value, if pair.len() == 2 { 11 } else { 6 });
                }
            }
            Mode::Byte => {
                for u in us {
                    for &b in &source[u.start as usize..u.start as usize + u.len as usize] {
                        out.push(b as u32, 8);
                    }
                }
            }
            Mode::Kanji => {
                for u in us {
                    let code = u.kanji.unwrap_or(0) as u32;
                    let base = if code <= 0x9FFC {
                        code - 0x8140
                    } else {
                        code - 0xC140
                    };
                    out.push((base >> 8) * 0xC0 + (base & 0xFF), 13);
                }
            }
        }
    }
}

/// Bits taken by an ECI designator header (QR or rMQR).
pub(crate) fn eci_bits(eci: u32, rmqr: bool) -> usize {
    eci_indicator(rmqr).1
        + match eci {
            0..=127 => 8,
            128..=16383 => 16,
            _ => 24,
        }
}

/// The ECI mode indicator and its length: 0111 in QR, 111 in rMQR (ISO/IEC 23941 table 2).
fn eci_indicator(rmqr: bool) -> (u32, usize) {
    if rmqr {
        (0b111, 3)
    } else {
        (0b0111, 4)
    }
}

/// Writes an ECI header; `eci` must be below 1,000,000 (checked by the caller).
pub(crate) fn write_eci(out: &mut BitWriter, eci: u32, rmqr: bool) {
    let (indicator, len) = eci_indicator(rmqr);
    out.push(indicator, len as u32);
    match eci {
        0..=127 => out.push(eci, 8),
        128..=16383 => out.push(0x8000 | eci, 16),
        _ => out.push(0xC0_0000 | eci, 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modes(text: &str, v: Version) -> (Vec<Mode>, usize) {
        let units = units_for_text(text, true);
        let (segs, bits) = plan(&units, v, None).unwrap();
        (segs.iter().map(|s| s.mode).collect(), bits)
    }

    #[test]
    fn single_mode_payloads() {
        assert_eq!(
            modes("01234567", Version::Normal(1)),
            (vec![Mode::Numeric], 4 + 10 + 27)
        );
        assert_eq!(
            modes("AC-42", Version::Normal(1)),
            (vec![Mode::Alphanumeric], 4 + 9 + 28)
        );
        assert_eq!(
            modes("hello", Version::Normal(1)),
            (vec![Mode::Byte], 4 + 8 + 40)
        );
        assert_eq!(
            modes("点茗", Version::Normal(1)),
            (vec![Mode::Kanji], 4 + 8 + 26)
        );
    }

    #[test]
    fn long_digit_runs_get_their_own_segment() {
        let (m, _) = modes("abc12345678901234567890xyz", Version::Normal(5));
        assert_eq!(m, vec![Mode::Byte, Mode::Numeric, Mode::Byte]);
        // A short run of digits is cheaper left in the byte segment.
        let (m, _) = modes("abc12xyz", Version::Normal(5));
        assert_eq!(m, vec![Mode::Byte]);
    }

    #[test]
    fn urls_use_alphanumeric_where_it_pays() {
        let (m, bits) = modes("HTTPS://EXAMPLE.COM/ABC/1234567890123", Version::Normal(3));
        assert_eq!(m, vec![Mode::Alphanumeric, Mode::Numeric]);
        assert!(bits < 4 + 9 + 37 * 11 / 2 + 6);
    }

    #[test]
    fn non_kanji_unicode_goes_to_bytes() {
        let (m, bits) = modes("naïve €", Version::Normal(1));
        assert_eq!(m, vec![Mode::Byte]);
        assert_eq!(bits, 4 + 8 + "naïve €".len() * 8);
    }

    #[test]
    fn bit_writer_packs_msb_first() {
        let mut w = BitWriter::with_capacity(2);
        w.push(0b101, 3);
        w.push(0b1, 1);
        w.push(0xAB, 8);
        assert_eq!(w.len(), 12);
        assert_eq!(w.finish(), vec![0b1011_1010, 0b1011_0000]);
    }
}
