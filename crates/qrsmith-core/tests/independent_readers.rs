//! Codes we write must be read back, byte for byte, by readers we did not write: ZBar (the
//! `zbarimg` tool of Debian's zbar-tools) and zxing-cpp (called directly here, not through our
//! decode module, so a bug shared by our encoder and our reader wrapper cannot hide).
//!
//! Random payloads (fixed seed, so a failure reproduces) in every mode — numeric, alphanumeric,
//! byte as UTF-8 text and as arbitrary binary, kanji — at every EC level, from one character to
//! nearly a version-40 symbol; plus Micro QR M1–M4, which ZBar cannot read, through zxing-cpp only.
//!
//! How the readers report bytes: `zbarimg -Sbinary` prints the raw segment bytes without charset
//! conversion and without a trailing newline; kanji segments come out as Shift_JIS there, so kanji
//! payloads are read without `-Sbinary` (ZBar converts Shift_JIS to UTF-8, then adds a newline).
//! zxing-cpp's `bytes()` is likewise raw (Shift_JIS for kanji), so kanji is compared as `text()`.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use qrsmith_core::{
    encode_bytes, encode_text, to_png, EcLevel, EncodeOptions, Mode, QrCode, RenderOptions, Version,
};

/// SplitMix64: a few lines, fixed seed, no dependency; quality is ample for test payloads.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() - 1)]
    }
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Characters with a two-byte JIS X 0208 Shift_JIS code (so kanji mode can carry them):
/// level-1 kanji, level-2 kanji including lead bytes 0xE0–0xEA, hiragana and katakana.
const KANJI: &str =
    "点茗娼欽全銘鴎劾覗勘据鋲禍陶溝閲括濯袖灰採噛箱堆苛否菊劫卜棒霞筆樊憬僭梦僊椨咐崗扠哺條雙槓\
                     帚楷韋迹磔畍諤詈踞礬腴甃褻醯狠觴狃レふネブセゑヅャヂオろむはみさメピヌゥダ";

/// Text for byte mode: ASCII plus 2-, 3- and 4-byte UTF-8 sequences.
const UTF8_TEXT: &str =
    "abcdefghijklmnopqrstuvwxyz ABCXYZ0189 .,;!?/é ü ß Æ ø Ж ы Ω € ✓ 你好 こんにちは 😀 🚀";

#[derive(Clone, Copy, Debug)]
enum Kind {
    Numeric,
    Alphanumeric,
    Utf8Text,
    Binary,
    Kanji,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Numeric,
        Kind::Alphanumeric,
        Kind::Utf8Text,
        Kind::Binary,
        Kind::Kanji,
    ];

    fn mode(self) -> Mode {
        match self {
            Kind::Numeric => Mode::Numeric,
            Kind::Alphanumeric => Mode::Alphanumeric,
            Kind::Utf8Text | Kind::Binary => Mode::Byte,
            Kind::Kanji => Mode::Kanji,
        }
    }

    /// Version-40 capacity at `ec` in this mode's units (digits, characters, bytes, kanji);
    /// ISO/IEC 18004 table 7.
    fn v40_capacity(self, ec: EcLevel) -> usize {
        let row = match self {
            Kind::Numeric => [7089, 5596, 3993, 3057],
            Kind::Alphanumeric => [4296, 3391, 2420, 1852],
            Kind::Utf8Text | Kind::Binary => [2953, 2331, 1663, 1273],
            Kind::Kanji => [1817, 1435, 1024, 784],
        };
        row[ec_index(ec)]
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

const EC_LEVELS: [EcLevel; 4] = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];

#[derive(Clone, Debug)]
enum Payload {
    Text(String),
    Bytes(Vec<u8>),
}

impl Payload {
    /// The bytes a reader must return (UTF-8 for text).
    fn bytes(&self) -> &[u8] {
        match self {
            Payload::Text(t) => t.as_bytes(),
            Payload::Bytes(b) => b,
        }
    }
}

/// A random payload of `kind` whose length in the mode's units is `len` (for UTF-8 text: at most
/// `len` bytes).
fn payload(rng: &mut Rng, kind: Kind, len: usize) -> Payload {
    match kind {
        Kind::Numeric => Payload::Text((0..len).map(|_| rng.pick(b"0123456789") as char).collect()),
        Kind::Alphanumeric => Payload::Text((0..len).map(|_| rng.pick(ALNUM) as char).collect()),
        Kind::Binary => Payload::Bytes((0..len).map(|_| rng.next_u64() as u8).collect()),
        Kind::Kanji => {
            let chars: Vec<char> = KANJI.chars().collect();
            Payload::Text((0..len).map(|_| rng.pick(&chars)).collect())
        }
        Kind::Utf8Text => {
            let chars: Vec<char> = UTF8_TEXT.chars().collect();
            let mut text = String::new();
            loop {
                let c = rng.pick(&chars);
                if text.len() + c.len_utf8() > len {
                    break;
                }
                text.push(c);
            }
            if text.is_empty() {
                text.push('a');
            }
            Payload::Text(text)
        }
    }
}

struct Sample {
    name: String,
    kind: Kind,
    payload: Payload,
    opts: EncodeOptions,
}

fn encode(sample: &Sample) -> Result<QrCode, String> {
    match &sample.payload {
        Payload::Text(t) => encode_text(t, &sample.opts),
        Payload::Bytes(b) => encode_bytes(b, &sample.opts),
    }
    .map_err(|e| format!("encode failed: {e}"))
}

/// Renders the symbol as a PNG with the default options (quiet zone 4) and writes it to `dir`.
fn write_png(dir: &Path, sample: &Sample, code: &QrCode) -> Result<PathBuf, String> {
    let png = to_png(code, &RenderOptions::default()).map_err(|e| format!("to_png failed: {e}"))?;
    let path = dir.join(format!("{}.png", sample.name));
    std::fs::write(&path, png).map_err(|e| format!("writing {}: {e}", path.display()))?;
    Ok(path)
}

/// Runs ZBar on one image and returns what it decoded. One process per image: with several
/// images ZBar separates results by newlines, which binary payloads may contain.
fn zbar_read(path: &Path, kind: Kind) -> Result<Vec<u8>, String> {
    let kanji = matches!(kind, Kind::Kanji);
    let mut data = common::zbarimg(path, if kanji { &[] } else { &["-Sbinary"] })?;
    if kanji && data.last() == Some(&b'\n') {
        data.pop(); // text mode ends each symbol with a newline; -Sbinary does not
    }
    Ok(data)
}

/// Reads one image with zxing-cpp, restricted to `format`; the payload as the test compares it.
fn zxing_read(path: &Path, kind: Kind, format: zxingcpp::BarcodeFormat) -> Result<Vec<u8>, String> {
    let img = image::open(path)
        .map_err(|e| format!("image::open: {e}"))?
        .into_luma8();
    let view = zxingcpp::ImageView::from_slice(
        img.as_raw(),
        img.width(),
        img.height(),
        zxingcpp::ImageFormat::Lum,
    )
    .map_err(|e| format!("zxing ImageView: {e}"))?;
    let found = zxingcpp::read()
        .formats([format])
        .from(view)
        .map_err(|e| format!("zxing-cpp: {e}"))?;
    match found.as_slice() {
        [one] if matches!(kind, Kind::Kanji) => Ok(one.text().into_bytes()),
        [one] => Ok(one.bytes()),
        [] => Err("zxing-cpp found nothing".to_owned()),
        many => Err(format!("zxing-cpp found {} symbols", many.len())),
    }
}

fn show(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(48)];
    match std::str::from_utf8(head) {
        Ok(s) => format!("{s:?} ({} bytes)", bytes.len()),
        Err(_) => format!("{head:02x?} ({} bytes)", bytes.len()),
    }
}

/// Compares a reader's answer with the payload; appends a failure line.
fn verdict(
    failures: &mut String,
    reader: &str,
    sample: &Sample,
    path: &Path,
    read: Result<Vec<u8>, String>,
) {
    let expected = sample.payload.bytes();
    let problem = match read {
        Ok(got) if got == expected => return,
        Ok(got) => format!("read {} instead of {}", show(&got), show(expected)),
        Err(e) => format!("{e}; payload {}", show(expected)),
    };
    let _ = writeln!(
        failures,
        "{reader}: {} ({}): {problem}",
        sample.name,
        path.display()
    );
}

/// The QR samples: every kind x every EC level, five lengths each from tiny to nearly version 40,
/// plus auto-mode mixed payloads and ECI.
fn qr_samples() -> Vec<Sample> {
    let mut rng = Rng(0x5152_534D_4954_4831);
    let mut samples = Vec::new();
    for kind in Kind::ALL {
        for ec in EC_LEVELS {
            let cap = kind.v40_capacity(ec);
            // Lengths spread over small, medium and large symbols; the last nearly fills v40.
            let bands = [
                (1, 10),
                (11, 60),
                (61, cap / 8),
                (cap / 8 + 1, cap / 2),
                (cap / 2 + 1, cap * 19 / 20),
            ];
            for (i, (lo, hi)) in bands.into_iter().enumerate() {
                let len = rng.range(lo, hi);
                samples.push(Sample {
                    name: format!("{kind:?}-{ec:?}-{i}"),
                    kind,
                    payload: payload(&mut rng, kind, len),
                    opts: EncodeOptions {
                        ec_level: ec,
                        mode: Some(kind.mode()),
                        ..EncodeOptions::default()
                    },
                });
            }
        }
    }
    // Automatic mode choice on mixed ASCII (digit runs, upper-case runs, lower case): the encoder
    // splits it into segments of several modes, and readers must rejoin them.
    for (i, ec) in EC_LEVELS.into_iter().cycle().take(8).enumerate() {
        let mut text = String::new();
        for _ in 0..rng.range(2, 12) {
            let run = rng.range(1, 30);
            let alphabet: &[u8] = match rng.range(0, 2) {
                0 => b"0123456789",
                1 => ALNUM,
                _ => b"abcdefghijklmnopqrstuvwxyz/?=&",
            };
            text.extend((0..run).map(|_| rng.pick(alphabet) as char));
        }
        samples.push(Sample {
            name: format!("auto-{ec:?}-{i}"),
            kind: Kind::Utf8Text,
            payload: Payload::Text(text),
            opts: EncodeOptions {
                ec_level: ec,
                ..EncodeOptions::default()
            },
        });
    }
    // ECI 26 (UTF-8) before non-ASCII text: readers must skip the designator.
    for (i, ec) in [EcLevel::M, EcLevel::H].into_iter().enumerate() {
        samples.push(Sample {
            name: format!("eci-{ec:?}-{i}"),
            kind: Kind::Utf8Text,
            payload: payload(&mut rng, Kind::Utf8Text, 40 + 100 * i),
            opts: EncodeOptions {
                ec_level: ec,
                eci: Some(26),
                ..EncodeOptions::default()
            },
        });
    }
    samples
}

#[test]
fn zbar_and_zxing_read_our_qr_codes() {
    let dir = common::scratch_dir("independent-readers-qr");
    let samples = qr_samples();
    let mut failures = String::new();
    for sample in &samples {
        let code = match encode(sample) {
            Ok(code) => code,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", sample.name);
                continue;
            }
        };
        let path = match write_png(&dir, sample, &code) {
            Ok(path) => path,
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", sample.name);
                continue;
            }
        };
        verdict(
            &mut failures,
            "zbar",
            sample,
            &path,
            zbar_read(&path, sample.kind),
        );
        let zxing = zxing_read(&path, sample.kind, zxingcpp::BarcodeFormat::QRCode);
        verdict(&mut failures, "zxing-cpp", sample, &path, zxing);
    }
    assert!(
        failures.is_empty(),
        "independent readers disagree on {} samples:\n{failures}",
        samples.len()
    );
}

#[test]
fn zxing_reads_our_micro_qr_codes() {
    // (version, EC level, [capacity per kind: numeric, alphanumeric, byte, kanji]), ISO/IEC 18004
    // table 7; 0 where the version lacks the mode. M1 has error detection only, asked for as L.
    const MICRO: [(u8, EcLevel, [usize; 4]); 8] = [
        (1, EcLevel::L, [5, 0, 0, 0]),
        (2, EcLevel::L, [10, 6, 0, 0]),
        (2, EcLevel::M, [8, 5, 0, 0]),
        (3, EcLevel::L, [23, 14, 9, 6]),
        (3, EcLevel::M, [18, 11, 7, 4]),
        (4, EcLevel::L, [35, 21, 15, 9]),
        (4, EcLevel::M, [30, 18, 13, 8]),
        (4, EcLevel::Q, [21, 13, 9, 5]),
    ];
    let dir = common::scratch_dir("independent-readers-micro");
    let mut rng = Rng(0x4D49_4352_4F51_5221);
    let mut samples = Vec::new();
    for (version, ec, caps) in MICRO {
        for kind in Kind::ALL {
            let cap = match kind {
                Kind::Numeric => caps[0],
                Kind::Alphanumeric => caps[1],
                Kind::Utf8Text | Kind::Binary => caps[2],
                Kind::Kanji => caps[3],
            };
            if cap == 0 {
                continue;
            }
            // Two lengths: random, and exactly full (M1 and M3 end on a 4-bit codeword).
            for (i, len) in [rng.range(1, cap), cap].into_iter().enumerate() {
                samples.push(Sample {
                    name: format!("M{version}-{ec:?}-{kind:?}-{i}"),
                    kind,
                    payload: payload(&mut rng, kind, len),
                    opts: EncodeOptions {
                        ec_level: ec,
                        version: Some(Version::Micro(version)),
                        micro: true,
                        mode: Some(kind.mode()),
                        ..EncodeOptions::default()
                    },
                });
            }
        }
    }
    let mut failures = String::new();
    for sample in &samples {
        let path = encode(sample).and_then(|code| write_png(&dir, sample, &code));
        match path {
            Ok(path) => {
                let read = zxing_read(&path, sample.kind, zxingcpp::BarcodeFormat::MicroQRCode);
                verdict(&mut failures, "zxing-cpp", sample, &path, read);
            }
            Err(e) => {
                let _ = writeln!(failures, "{}: {e}", sample.name);
            }
        }
    }
    assert!(samples.len() >= 40, "only {} micro samples", samples.len());
    assert!(
        failures.is_empty(),
        "zxing-cpp disagrees on Micro QR ({} samples):\n{failures}",
        samples.len()
    );
}
