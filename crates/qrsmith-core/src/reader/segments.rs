//! The data bit stream: mode segments (numeric, alphanumeric, byte, kanji, hanzi), ECI
//! designators, FNC1 (GS1 and AIM application indicators) and the structured-append header,
//! to bytes and text as zxing-cpp reports them for the same symbol.

use std::fmt;

use encoding_rs::Encoding;

use crate::decode::StructuredAppend;
use crate::{Mode, Version};

/// What the data codewords say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Content {
    pub text: String,
    /// Every segment's bytes as stored (kanji as Shift JIS), without ECI conversion.
    pub bytes: Vec<u8>,
    pub has_eci: bool,
    /// AIM symbology identifier as zxing-cpp reports it: `]Q1`; `]Q3` GS1 (FNC1 first
    /// position); `]Q5` AIM application indicator (FNC1 second position).
    pub symbology_identifier: String,
    pub structured_append: Option<StructuredAppend>,
}

/// Why a bit stream was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct BitstreamError(pub &'static str);

impl fmt::Display for BitstreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Code page 437's upper half (ECI 0 and 2), which encoding_rs does not carry.
const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// How a run of bytes becomes text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    /// No ECI in force: UTF-8 when the bytes are valid UTF-8, else ISO-8859-1.
    Guess,
    Latin1,
    Cp437,
    Utf32Be,
    Utf32Le,
    Other(&'static Encoding),
}

/// The character set an ECI designator names (ISO/IEC 18004 and AIM ECI assignments). An
/// unassigned one keeps the guess, as zxing-cpp does rather than refusing the symbol.
fn charset_for_eci(eci: u32) -> Charset {
    use encoding_rs as e;
    match eci {
        0 | 2 => Charset::Cp437,
        1 | 3 | 27 | 170 | 899 => Charset::Latin1,
        4 => Charset::Other(e::ISO_8859_2),
        5 => Charset::Other(e::ISO_8859_3),
        6 => Charset::Other(e::ISO_8859_4),
        7 => Charset::Other(e::ISO_8859_5),
        8 => Charset::Other(e::ISO_8859_6),
        9 => Charset::Other(e::ISO_8859_7),
        10 => Charset::Other(e::ISO_8859_8),
        // encoding_rs serves ISO-8859-9 and -11 as their Windows supersets.
        11 => Charset::Other(e::WINDOWS_1254),
        12 => Charset::Other(e::ISO_8859_10),
        13 => Charset::Other(e::WINDOWS_874),
        15 => Charset::Other(e::ISO_8859_13),
        16 => Charset::Other(e::ISO_8859_14),
        17 => Charset::Other(e::ISO_8859_15),
        18 => Charset::Other(e::ISO_8859_16),
        20 => Charset::Other(e::SHIFT_JIS),
        21 => Charset::Other(e::WINDOWS_1250),
        22 => Charset::Other(e::WINDOWS_1251),
        23 => Charset::Other(e::WINDOWS_1252),
        24 => Charset::Other(e::WINDOWS_1256),
        25 => Charset::Other(e::UTF_16BE),
        26 => Charset::Other(e::UTF_8),
        28 => Charset::Other(e::BIG5),
        29 | 32 => Charset::Other(e::GB18030),
        30 => Charset::Other(e::EUC_KR),
        31 => Charset::Other(e::GBK),
        33 => Charset::Other(e::UTF_16LE),
        34 => Charset::Utf32Be,
        35 => Charset::Utf32Le,
        _ => Charset::Guess,
    }
}

fn to_text(charset: Charset, bytes: &[u8]) -> String {
    let utf32 = |be: bool| {
        bytes
            .chunks(4)
            .map(|c| {
                let mut word = [0u8; 4];
                word[..c.len()].copy_from_slice(c);
                let n = if be {
                    u32::from_be_bytes(word)
                } else {
                    u32::from_le_bytes(word)
                };
                char::from_u32(n).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect()
    };
    match charset {
        Charset::Guess => match std::str::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
        },
        Charset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        Charset::Cp437 => bytes
            .iter()
            .map(|&b| match b {
                0..=127 => char::from(b),
                _ => CP437_HIGH
                    .chars()
                    .nth(b as usize - 128)
                    .unwrap_or('\u{FFFD}'),
            })
            .collect(),
        Charset::Utf32Be => utf32(true),
        Charset::Utf32Le => utf32(false),
        Charset::Other(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// Reads bits most significant first.
struct BitReader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl BitReader<'_> {
    fn available(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    fn read(&mut self, n: usize) -> Result<u32, BitstreamError> {
        if n > self.available() {
            return Err(BitstreamError("the data ends inside a segment"));
        }
        let mut value = 0u32;
        for _ in 0..n {
            let bit = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            value = (value << 1) | u32::from(bit);
            self.pos += 1;
        }
        Ok(value)
    }
}

/// Text assembled from runs of bytes, each in its character set.
#[derive(Default)]
struct Assembly {
    runs: Vec<(Charset, Vec<u8>)>,
    bytes: Vec<u8>,
}

impl Assembly {
    fn push(&mut self, charset: Charset, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
        match self.runs.last_mut() {
            Some((last, run)) if *last == charset => run.extend_from_slice(bytes),
            _ => self.runs.push((charset, bytes.to_vec())),
        }
    }

    fn text(&self) -> String {
        self.runs.iter().map(|(c, b)| to_text(*c, b)).collect()
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fnc1 {
    None,
    First,
    Second,
}

/// Parses the data codewords of a QR symbol of `version` (1–40).
pub(crate) fn parse(data: &[u8], version: u8) -> Result<Content, BitstreamError> {
    let version = Version::Normal(version);
    let count_bits = |mode: Mode| version.char_count_bits(mode).unwrap_or(8) as usize;
    let mut bits = BitReader { data, pos: 0 };
    let mut out = Assembly::default();
    let mut charset = Charset::Guess;
    let mut has_eci = false;
    let mut fnc1 = Fnc1::None;
    let mut structured_append = None;
    // A terminator shorter than four bits may end a full symbol.
    while bits.available() >= 4 {
        match bits.read(4)? {
            0b0000 => break,
            0b0001 => {
                let n = bits_count(&mut bits, count_bits(Mode::Numeric))?;
                out.push(charset, &numeric(&mut bits, n)?);
            }
            0b0010 => {
                let n = bits_count(&mut bits, count_bits(Mode::Alphanumeric))?;
                let chars = alphanumeric(&mut bits, n, fnc1 != Fnc1::None)?;
                out.push(charset, &chars);
            }
            0b0100 => {
                let n = bits_count(&mut bits, count_bits(Mode::Byte))?;
                let bytes = (0..n)
                    .map(|_| bits.read(8).map(|b| b as u8))
                    .collect::<Result<Vec<u8>, _>>()?;
                out.push(charset, &bytes);
            }
            0b1000 => {
                let n = bits_count(&mut bits, count_bits(Mode::Kanji))?;
                let bytes = double_byte(&mut bits, n, 0xC0, |c| {
                    c + if c < 0x1F00 { 0x8140 } else { 0xC140 }
                })?;
                out.push(Charset::Other(encoding_rs::SHIFT_JIS), &bytes);
            }
            0b1101 => {
                // Hanzi (GB/T 18284): a subset indicator, then 13-bit GB 2312 characters.
                if bits.read(4)? != 1 {
                    return Err(BitstreamError("unknown hanzi subset"));
                }
                let n = bits_count(&mut bits, count_bits(Mode::Kanji))?;
                let bytes = double_byte(&mut bits, n, 0x60, |c| {
                    c + if c < 0x0A00 { 0xA1A1 } else { 0xA6A1 }
                })?;
                out.push(Charset::Other(encoding_rs::GB18030), &bytes);
            }
            0b0111 => {
                charset = charset_for_eci(eci_designator(&mut bits)?);
                has_eci = true;
            }
            0b0011 => {
                let index = bits.read(4)? as u8;
                let count = bits.read(4)? as u8 + 1;
                let parity = bits.read(8)? as u8;
                structured_append = Some(StructuredAppend {
                    index,
                    count,
                    parity,
                });
            }
            0b0101 => fnc1 = Fnc1::First,
            0b1001 => {
                fnc1 = Fnc1::Second;
                // The application indicator: two digits 00–99, or a letter as its ASCII + 100.
                let indicator = bits.read(8)?;
                let prefix = match indicator {
                    0..=99 => format!("{indicator:02}"),
                    165..=190 | 197..=222 => char::from((indicator - 100) as u8).to_string(),
                    _ => return Err(BitstreamError("bad AIM application indicator")),
                };
                out.push(charset, prefix.as_bytes());
            }
            _ => return Err(BitstreamError("unknown mode indicator")),
        }
    }
    // AIM adds 1 to the modifier when an ECI is present; zxing-cpp reports the identifier
    // without it (the ECI shows in `has_eci`), and so do we, so that both readers' results agree.
    let modifier = 1 + match fnc1 {
        Fnc1::None => 0,
        Fnc1::First => 2,
        Fnc1::Second => 4,
    };
    Ok(Content {
        text: out.text(),
        bytes: out.bytes,
        has_eci,
        symbology_identifier: format!("]Q{modifier}"),
        structured_append,
    })
}

fn bits_count(bits: &mut BitReader<'_>, width: usize) -> Result<usize, BitstreamError> {
    bits.read(width).map(|n| n as usize)
}

fn numeric(bits: &mut BitReader<'_>, mut n: usize) -> Result<Vec<u8>, BitstreamError> {
    let mut out = Vec::with_capacity(n);
    while n > 0 {
        let (digits, width, limit) = match n {
            1 => (1, 4, 10),
            2 => (2, 7, 100),
            _ => (3, 10, 1000),
        };
        let value = bits.read(width)?;
        if value >= limit {
            return Err(BitstreamError("a numeric group out of range"));
        }
        let text = format!("{value:0digits$}");
        out.extend_from_slice(text.as_bytes());
        n -= digits;
    }
    Ok(out)
}

fn alphanumeric(
    bits: &mut BitReader<'_>,
    mut n: usize,
    fnc1: bool,
) -> Result<Vec<u8>, BitstreamError> {
    let mut chars = Vec::with_capacity(n);
    while n > 0 {
        let (count, width, limit) = if n >= 2 { (2, 11, 45 * 45) } else { (1, 6, 45) };
        let value = bits.read(width)? as usize;
        if value >= limit {
            return Err(BitstreamError("an alphanumeric group out of range"));
        }
        if count == 2 {
            chars.push(ALPHANUMERIC[value / 45]);
        }
        chars.push(ALPHANUMERIC[value % 45]);
        n -= count;
    }
    if !fnc1 {
        return Ok(chars);
    }
    // In FNC1 modes "%" stands for the GS separator and "%%" for a percent sign.
    let mut out = Vec::with_capacity(chars.len());
    let mut iter = chars.into_iter().peekable();
    while let Some(c) = iter.next() {
        if c == b'%' {
            if iter.peek() == Some(&b'%') {
                iter.next();
                out.push(b'%');
            } else {
                out.push(0x1D);
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Kanji and hanzi: 13 bits a character, `value / base` and `value % base` form a compacted
/// code to which `expand` adds the character set's offset.
fn double_byte(
    bits: &mut BitReader<'_>,
    n: usize,
    base: u32,
    expand: impl Fn(u32) -> u32,
) -> Result<Vec<u8>, BitstreamError> {
    let mut out = Vec::with_capacity(2 * n);
    for _ in 0..n {
        let value = bits.read(13)?;
        let code = expand(((value / base) << 8) | (value % base));
        out.push((code >> 8) as u8);
        out.push(code as u8);
    }
    Ok(out)
}

fn eci_designator(bits: &mut BitReader<'_>) -> Result<u32, BitstreamError> {
    let first = bits.read(8)?;
    let value = if first & 0x80 == 0 {
        first
    } else if first & 0xC0 == 0x80 {
        ((first & 0x3F) << 8) | bits.read(8)?
    } else if first & 0xE0 == 0xC0 {
        ((first & 0x1F) << 16) | bits.read(16)?
    } else {
        return Err(BitstreamError("bad ECI designator"));
    };
    if value > 999_999 {
        return Err(BitstreamError("ECI designator out of range"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs `(value, bits)` fields into bytes, zero-padded.
    fn pack(fields: &[(u32, usize)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut pos = 0;
        for &(value, n) in fields {
            for i in (0..n).rev() {
                if pos % 8 == 0 {
                    out.push(0);
                }
                if (value >> i) & 1 != 0 {
                    *out.last_mut().unwrap() |= 0x80 >> (pos % 8);
                }
                pos += 1;
            }
        }
        out
    }

    #[test]
    fn the_standards_numeric_example() {
        // Annex I: "01234567" in version 1: 0001, count 8, then 012 345 67.
        let data = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11];
        let content = parse(&data, 1).unwrap();
        assert_eq!(content.text, "01234567");
        assert_eq!(content.symbology_identifier, "]Q1");
        assert!(!content.has_eci && content.structured_append.is_none());
    }

    #[test]
    fn gs1_percent_signs_and_identifier() {
        // FNC1 first, alphanumeric "01%A%%": "%" is GS, "%%" a percent sign.
        let a = |c: u8| ALPHANUMERIC.iter().position(|&x| x == c).unwrap() as u32;
        let pair = |x: u8, y: u8| (a(x) * 45 + a(y), 11);
        let data = pack(&[
            (0b0101, 4),
            (0b0010, 4),
            (6, 9),
            pair(b'0', b'1'),
            pair(b'%', b'A'),
            pair(b'%', b'%'),
        ]);
        let content = parse(&data, 1).unwrap();
        assert_eq!(content.text, "01\u{1D}A%");
        assert_eq!(content.symbology_identifier, "]Q3");
    }

    #[test]
    fn aim_application_indicator_and_eci() {
        // ECI 3 (ISO-8859-1), FNC1 second with indicator "a" (97 + 100), byte 0xE9.
        let data = pack(&[
            (0b0111, 4),
            (3, 8),
            (0b1001, 4),
            (197, 8),
            (0b0100, 4),
            (1, 8),
            (0xE9, 8),
        ]);
        let content = parse(&data, 1).unwrap();
        assert_eq!(content.text, "aé");
        assert_eq!(content.symbology_identifier, "]Q5");
        assert!(content.has_eci);
        assert_eq!(content.bytes, b"a\xE9");
    }

    #[test]
    fn without_eci_bytes_are_utf8_when_valid_else_latin1() {
        let data = pack(&[(0b0100, 4), (2, 8), (0xC3, 8), (0xA9, 8)]);
        assert_eq!(parse(&data, 1).unwrap().text, "é");
        let data = pack(&[(0b0100, 4), (2, 8), (0xE9, 8), (0x41, 8)]);
        assert_eq!(parse(&data, 1).unwrap().text, "éA");
    }

    #[test]
    fn kanji_hanzi_and_structured_append() {
        // 点 is Shift JIS 0x935F: (0x935F − 0x8140) = 0x121F → 0x12 · 0xC0 + 0x1F.
        let data = pack(&[
            (0b0011, 4),
            (2, 4),
            (3, 4),
            (0x5A, 8),
            (0b1000, 4),
            (1, 8),
            (0x12 * 0xC0 + 0x1F, 13),
        ]);
        let content = parse(&data, 1).unwrap();
        assert_eq!(content.text, "点");
        assert_eq!(content.bytes, [0x93, 0x5F]);
        assert_eq!(
            content.structured_append,
            Some(StructuredAppend {
                index: 2,
                count: 4,
                parity: 0x5A
            })
        );
        // 中 is GB 2312 0xD6D0: (0xD6D0 − 0xA6A1) = 0x302F → 0x30 · 0x60 + 0x2F.
        let data = pack(&[(0b1101, 4), (1, 4), (1, 8), (0x30 * 0x60 + 0x2F, 13)]);
        assert_eq!(parse(&data, 1).unwrap().text, "中");
    }

    #[test]
    fn eci_designators_of_every_length() {
        for (eci, fields) in [
            (26, vec![(26, 8)]),
            (899, vec![(0x8000 | 899, 16)]),
            (20, vec![(0xC0_0000 | 20, 24)]),
        ] {
            let mut all = vec![(0b0111, 4)];
            all.extend(fields);
            all.extend([(0b0100, 4), (1, 8), (0x41, 8)]);
            let content = parse(&pack(&all), 1).unwrap();
            assert_eq!(content.text, "A", "ECI {eci}");
            assert_eq!(content.symbology_identifier, "]Q1");
        }
    }

    #[test]
    fn malformed_streams_are_errors() {
        for fields in [
            vec![(0b0110, 4)],                      // no such mode
            vec![(0b0001, 4), (3, 10), (1000, 10)], // numeric group 1000
            vec![(0b0010, 4), (1, 9), (45, 6)],     // alphanumeric value 45
            vec![(0b0100, 4), (200, 8), (0, 8)],    // bytes past the end
            vec![(0b0111, 4), (0xE0, 8)],           // ECI designator 111xxxxx
            vec![(0b1101, 4), (2, 4)],              // hanzi subset 2
            vec![(0b1001, 4), (150, 8)],            // application indicator 150
        ] {
            assert!(parse(&pack(&fields), 1).is_err(), "{fields:?}");
        }
        // An empty stream and one ending in a short terminator are empty content.
        assert_eq!(parse(&[], 1).unwrap().text, "");
        assert_eq!(
            parse(&pack(&[(0b0100, 4), (1, 8), (0x41, 8), (0, 3)]), 1)
                .unwrap()
                .text,
            "A"
        );
    }
}
