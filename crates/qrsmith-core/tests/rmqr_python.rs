//! rMQR (ISO/IEC 23941) symbols held to an encoder we did not write and read back by a reader we
//! did not write:
//!
//! - module for module equal to the PyPI package `rmqrcode` (an independent rMQR encoder) for
//!   every size and level, in each of the four modes, with the shortest payload and with the
//!   longest one the symbol holds (where padding and the terminator are cut short), with three
//!   bugs of `rmqrcode` corrected first (see [`RMQRCODE`]);
//! - every size at both levels (64 symbols) read back by zxing-cpp through
//!   [`qrsmith_core::decode_image`] as rMQR, with the size's name and the text.
//!
//! The package is required, as ZBar is for the reader tests: `scripts/bootstrap` installs it
//! (`rmqrcode==0.3.2`). The interpreter is `$QRSMITH_PYTHON`, or `python3`.

mod common;

use image::{DynamicImage, GrayImage, Luma};
use qrsmith_core::{
    decode_image, encode_text, DecodeOptions, EcLevel, EncodeOptions, ErrorKind, Mode, QrCode,
    Symbology, Version,
};
use serde_json::{json, Value};

/// What the script below imports, installed by `scripts/bootstrap`.
const PACKAGES: &str = "rmqrcode==0.3.2";

/// Each case's matrix from `rmqrcode`, one string of 0/1 per row, no quiet zone.
///
/// `rmqrcode` 0.3.2 (the latest) is corrected in three places first, each confirmed by
/// zxing-cpp (which cannot read its symbols there, and reads ours) and ISO/IEC 23941 table 8:
/// - where a level has blocks of two sizes (R9x77-H, R11x99-M, …), its interleaving stops at the
///   first short block and drops the long blocks' last data codewords; the standard interleaves
///   as QR does, skipping only the codewords a short block lacks;
/// - R13x27-M has 12 data and 9 EC codewords (`rmqrcode`: 14 and 7, though it caps the data at
///   96 bits);
/// - R17x43-M has one block of 61 codewords, 39 of data (`rmqrcode`: 60, and it fails).
const RMQRCODE: &str = r#"
import json, sys
from rmqrcode import rMQR, ErrorCorrectionLevel
from rmqrcode.encoder import NumericEncoder, AlphanumericEncoder, ByteEncoder, KanjiEncoder
from rmqrcode.format.rmqr_versions import rMQRVersions

def interleaved(self, blocks):
    out = []
    for i in range(max(b.data_length() for b in blocks)):
        out += [b.get_data_at(i) for b in blocks if i < b.data_length()]
    for i in range(max(b.ecc_length() for b in blocks)):
        out += [b.get_ecc_at(i) for b in blocks if i < b.ecc_length()]
    return out
rMQR._make_final_codewords = interleaved
rMQRVersions["R13x27"]["blocks"][ErrorCorrectionLevel.M] = [{"num": 1, "c": 21, "k": 12}]
rMQRVersions["R17x43"]["blocks"][ErrorCorrectionLevel.M] = [{"num": 1, "c": 61, "k": 39}]

modes = {"numeric": NumericEncoder, "alphanumeric": AlphanumericEncoder,
         "byte": ByteEncoder, "kanji": KanjiEncoder}
out = []
for c in json.load(sys.stdin):
    qr = rMQR(c["version"], getattr(ErrorCorrectionLevel, c["level"]))
    qr.add_segment(c["text"], modes[c["mode"]])
    qr.make()
    out.append(["".join(map(str, row)) for row in qr.to_list(with_quiet_zone=False)])
print(json.dumps(out))
"#;

const DIGITS: &str = "31415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679";
const ALNUM: &str = "HTTPS://EXAMPLE.COM/RMQR/LOT 42-7:$5%*+.";
const BYTES: &str = "lot 42/7, exp. 2027-03 — Prüfung ✓ ";
const KANJI: &str = "点茗娼欽全銘鴎劾覗勘据鋲禍陶溝閲括濯袖灰採噛箱";

fn name(v: Version) -> String {
    let Version::Rmqr { height, width } = v else {
        unreachable!()
    };
    format!("R{height}x{width}")
}

fn opts(version: Version, ec_level: EcLevel, mode: Mode) -> EncodeOptions {
    EncodeOptions {
        version: Some(version),
        ec_level,
        mode: Some(mode),
        ..EncodeOptions::default()
    }
}

/// `n` characters of `alphabet`, repeated as needed.
fn text(alphabet: &str, n: usize) -> String {
    alphabet.chars().cycle().take(n).collect()
}

/// The longest text of `alphabet` that `version` holds at `ec` in `mode`, and its symbol.
fn longest(alphabet: &str, version: Version, ec: EcLevel, mode: Mode) -> (String, QrCode) {
    let mut n = 1;
    let mut best = None;
    loop {
        let t = text(alphabet, n);
        match encode_text(&t, &opts(version, ec, mode)) {
            Ok(code) => best = Some((t, code)),
            Err(e) if e.kind() == ErrorKind::DataTooLong => break,
            Err(e) => panic!("{} {ec:?} {mode:?} {n}: {e}", name(version)),
        }
        n += 1;
    }
    best.unwrap_or_else(|| panic!("{} {ec:?} {mode:?}: not even one", name(version)))
}

fn rows(code: &QrCode) -> Vec<String> {
    (0..code.height())
        .map(|y| {
            (0..code.width())
                .map(|x| if code.is_dark(x, y) { '1' } else { '0' })
                .collect()
        })
        .collect()
}

#[test]
fn every_size_level_and_mode_equals_rmqrcode() {
    let mut cases = Vec::new();
    let mut ours = Vec::new();
    for version in Version::rmqr_sizes() {
        for ec in [EcLevel::M, EcLevel::H] {
            for (mode, alphabet) in [
                (Mode::Numeric, DIGITS),
                (Mode::Alphanumeric, ALNUM),
                (Mode::Byte, BYTES),
                (Mode::Kanji, KANJI),
            ] {
                let short = text(alphabet, 1);
                let code = encode_text(&short, &opts(version, ec, mode)).unwrap();
                let long = longest(alphabet, version, ec, mode);
                for (t, code) in [(short, code), long] {
                    assert_eq!(code.version(), version);
                    assert_eq!(
                        (code.width(), code.height()),
                        (version.width(), version.height())
                    );
                    cases.push(json!({
                        "version": name(version), "level": ec.name(), "mode": mode.name(),
                        "text": t,
                    }));
                    ours.push(rows(&code));
                }
            }
        }
    }
    let theirs = common::python(RMQRCODE, &Value::Array(cases.clone()), PACKAGES);
    let theirs: Vec<Vec<String>> = serde_json::from_value(theirs).unwrap();
    assert_eq!(theirs.len(), ours.len());
    let differing: Vec<String> = cases
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (a, b))| a != b)
        .map(|(c, (a, b))| {
            let modules = a
                .iter()
                .zip(b)
                .map(|(ra, rb)| ra.chars().zip(rb.chars()).filter(|(p, q)| p != q).count())
                .sum::<usize>();
            format!("{c} ({modules} modules differ)")
        })
        .collect();
    assert!(
        differing.is_empty(),
        "{} of {} symbols differ from rmqrcode:\n{}",
        differing.len(),
        cases.len(),
        differing.join("\n")
    );
}

/// A plain raster: `scale` pixels a module, a two-module quiet zone (the rMQR minimum).
fn raster(code: &QrCode, scale: u32) -> DynamicImage {
    let border = 2;
    let (w, h) = (code.width() as u32, code.height() as u32);
    let img = GrayImage::from_fn(
        (w + 2 * border) * scale,
        (h + 2 * border) * scale,
        |px, py| {
            let (x, y) = (px / scale, py / scale);
            let inside = (border..border + w).contains(&x) && (border..border + h).contains(&y);
            let dark = inside && code.is_dark((x - border) as usize, (y - border) as usize);
            Luma([if dark { 0 } else { 255 }])
        },
    );
    DynamicImage::ImageLuma8(img)
}

#[test]
fn every_size_and_level_reads_back_with_zxing_cpp() {
    let mut failures = Vec::new();
    for version in Version::rmqr_sizes() {
        for ec in [EcLevel::M, EcLevel::H] {
            // As much as the symbol holds, so the reader sees every data codeword in use.
            let (t, code) = longest(ALNUM, version, ec, Mode::Alphanumeric);
            let decoded = decode_image(&raster(&code, 4), &DecodeOptions::default()).unwrap();
            let found: Vec<_> = decoded
                .symbols
                .iter()
                .map(|s| (s.symbology, s.version.clone(), s.text.clone()))
                .collect();
            if found != [(Symbology::RmqrCode, name(version), t.clone())] {
                failures.push(format!("{} {ec:?}: {found:?}", name(version)));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_smallest_size_that_fits_is_chosen() {
    let rmqr = |text: &str, ec_level| {
        encode_text(
            text,
            &EncodeOptions {
                rmqr: true,
                ec_level,
                ..EncodeOptions::default()
            },
        )
    };
    // The fewest modules first: R11x27 (297 modules) before R7x43 (301).
    assert_eq!(
        rmqr("12345", EcLevel::M).unwrap().version(),
        "R11x27".parse().unwrap()
    );
    assert_eq!(
        rmqr("12345", EcLevel::H).unwrap().version(),
        "R11x27".parse().unwrap()
    );
    // 3 + 4 + 47 bits: more than R11x27-H's 40 and R7x43-H's 24; R13x27 (351 modules) holds 56.
    let digits = text(DIGITS, 14);
    assert_eq!(
        rmqr(&digits, EcLevel::H).unwrap().version(),
        "R13x27".parse().unwrap()
    );
    let code = rmqr(&text(BYTES, 40), EcLevel::H).unwrap();
    assert!(code.version().is_rmqr());
    let decoded = decode_image(&raster(&code, 4), &DecodeOptions::default()).unwrap();
    assert_eq!(decoded.symbols[0].text, text(BYTES, 40));
    // Nothing smaller holds it: every size with fewer modules refuses it.
    for v in Version::rmqr_sizes() {
        if v.width() * v.height() < code.width() * code.height() {
            let forced = EncodeOptions {
                version: Some(v),
                ec_level: EcLevel::H,
                ..EncodeOptions::default()
            };
            assert!(
                encode_text(&text(BYTES, 40), &forced).is_err(),
                "{}",
                name(v)
            );
        }
    }
    let too_long = rmqr(&text(DIGITS, 400), EcLevel::H).unwrap_err();
    assert_eq!(too_long.kind(), ErrorKind::DataTooLong);
    assert!(too_long.message().contains("R17x139"), "{too_long}");
    assert!(
        !too_long.message().contains("structured append"),
        "{too_long}"
    );
    for bad in [EcLevel::L, EcLevel::Q] {
        assert_eq!(rmqr("1", bad).unwrap_err().kind(), ErrorKind::InvalidOption);
    }
}
