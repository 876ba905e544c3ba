//! Conformance: for fixed payload, mode, version, EC level and mask, our module matrix must equal
//! the one made by segno, an independent encoder (vectors in `tests/data/segno-vectors.json`,
//! made by `scripts/conformance/make_vectors.py`; see `scripts/conformance/README.md` for how the
//! options map). With every parameter forced the standard leaves no freedom, so any difference is
//! a bug in one of the two encoders.

use base64::Engine as _;
use qrsmith_core::{encode_bytes, encode_text, EcLevel, EncodeOptions, Mode, QrCode, Version};
use serde_json::Value;

const VECTORS: &str = include_str!("data/segno-vectors.json");

/// One vector, decoded from JSON with the fields the test needs.
struct Case {
    id: String,
    designator: String,
    payload: Payload,
    opts: EncodeOptions,
    mask: u8,
    matrix: Vec<String>,
}

enum Payload {
    Text(String),
    Bytes(Vec<u8>),
}

fn field<'a>(case: &'a Value, name: &str) -> &'a Value {
    case.get(name)
        .unwrap_or_else(|| panic!("vector without {name:?}: {case}"))
}

// `..EncodeOptions::default()` is redundant while every field is set here, but keeps the test
// compiling when the options grow a field.
#[allow(clippy::needless_update)]
fn parse_case(case: &Value) -> Case {
    let id = field(case, "id").as_str().expect("id").to_owned();
    let payload_str = field(case, "payload").as_str().expect("payload");
    let payload = if field(case, "binary").as_bool().expect("binary") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(payload_str)
            .unwrap_or_else(|e| panic!("{id}: bad base64: {e}"));
        Payload::Bytes(bytes)
    } else {
        Payload::Text(payload_str.to_owned())
    };
    let version = match field(case, "version") {
        Value::Number(n) => Version::Normal(n.as_u64().expect("version") as u8),
        Value::String(s) => Version::Micro(s.strip_prefix('M').expect("Mn").parse().expect("Mn")),
        other => panic!("{id}: bad version {other}"),
    };
    // M1 carries error detection only (segno: error=None); a QrCode reports it as L.
    let ec_level = match field(case, "ec").as_str() {
        None | Some("L") => EcLevel::L,
        Some("M") => EcLevel::M,
        Some("Q") => EcLevel::Q,
        Some("H") => EcLevel::H,
        Some(other) => panic!("{id}: bad ec {other}"),
    };
    let mode = match field(case, "mode").as_str().expect("mode") {
        "numeric" => Mode::Numeric,
        "alphanumeric" => Mode::Alphanumeric,
        "byte" => Mode::Byte,
        "kanji" => Mode::Kanji,
        other => panic!("{id}: bad mode {other}"),
    };
    let mask = field(case, "mask").as_u64().expect("mask") as u8;
    let opts = EncodeOptions {
        ec_level,
        version: Some(version),
        micro: matches!(version, Version::Micro(_)),
        mask: Some(mask),
        mode: Some(mode),
        // segno's eci=True with encoding="utf-8" writes ECI 000026 (UTF-8).
        eci: field(case, "eci").as_bool().expect("eci").then_some(26),
        boost_ec: false,
        ..EncodeOptions::default()
    };
    let matrix = field(case, "matrix")
        .as_array()
        .expect("matrix")
        .iter()
        .map(|row| row.as_str().expect("row").to_owned())
        .collect();
    Case {
        id,
        designator: field(case, "designator")
            .as_str()
            .expect("designator")
            .to_owned(),
        payload,
        opts,
        mask,
        matrix,
    }
}

fn row_string(code: &QrCode, y: usize) -> String {
    code.row(y)
        .iter()
        .map(|&m| if m != 0 { '1' } else { '0' })
        .collect()
}

/// Compares one case; `None` when it conforms, else a description of the first difference.
fn check(case: &Case) -> Option<String> {
    let encoded = match &case.payload {
        Payload::Text(text) => encode_text(text, &case.opts),
        Payload::Bytes(bytes) => encode_bytes(bytes, &case.opts),
    };
    let code = match encoded {
        Ok(code) => code,
        Err(e) => return Some(format!("encoder error: {e}")),
    };
    if code.mask() != case.mask {
        return Some(format!("mask {} instead of {}", code.mask(), case.mask));
    }
    if code.width() != case.matrix.len() {
        return Some(format!(
            "width {} instead of {}",
            code.width(),
            case.matrix.len()
        ));
    }
    let mut differing_rows = 0;
    let mut first = None;
    for (y, expected) in case.matrix.iter().enumerate() {
        let actual = row_string(&code, y);
        if &actual != expected {
            differing_rows += 1;
            first.get_or_insert((y, expected.clone(), actual));
        }
    }
    let (y, expected, actual) = first?;
    let columns: Vec<usize> = expected
        .bytes()
        .zip(actual.bytes())
        .enumerate()
        .filter(|(_, (e, a))| e != a)
        .map(|(x, _)| x)
        .collect();
    Some(format!(
        "{differing_rows} of {} rows differ; first is row {y}, columns {columns:?}\n  segno: {expected}\n  ours:  {actual}",
        case.matrix.len()
    ))
}

fn describe(payload: &Payload) -> String {
    const MAX: usize = 60;
    match payload {
        Payload::Text(t) if t.chars().count() > MAX => {
            format!(
                "{:?}… ({} chars)",
                t.chars().take(MAX).collect::<String>(),
                t.chars().count()
            )
        }
        Payload::Text(t) => format!("{t:?}"),
        Payload::Bytes(b) => format!("{} bytes {:02x?}…", b.len(), &b[..b.len().min(16)]),
    }
}

#[test]
fn matrices_equal_segno() {
    let doc: Value = serde_json::from_str(VECTORS).expect("vectors are valid JSON");
    let cases: Vec<Case> = doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(parse_case)
        .collect();
    // Guards against a truncated or regenerated-empty file passing vacuously.
    assert!(cases.len() >= 200, "only {} vectors", cases.len());

    let mut failures = Vec::new();
    for case in &cases {
        if let Some(why) = check(case) {
            failures.push(format!(
                "{} ({}, {:?}, mask {}, eci {:?}) payload {}\n  {why}",
                case.id,
                case.designator,
                case.opts.mode,
                case.mask,
                case.opts.eci,
                describe(&case.payload)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} vectors differ from segno:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
