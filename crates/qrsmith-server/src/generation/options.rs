//! The wire form of a generation request: every option a generating route accepts, by its
//! names (aliases of the reference service included), before any checking.

use std::borrow::Cow;

use serde::Deserialize;

/// A number given as a JSON number or as text (query strings are all text).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum NumberOrText {
    /// A JSON number.
    Number(u64),
    /// Text, parsed by the field's own rules (`"M3"`, `"200x200"`).
    Text(String),
}

impl NumberOrText {
    pub(super) fn text(&self) -> Cow<'_, str> {
        match self {
            NumberOrText::Number(n) => Cow::Owned(n.to_string()),
            NumberOrText::Text(t) => Cow::Borrowed(t.trim()),
        }
    }
}

/// Every generation option, as JSON fields (`POST /generate`, `POST /api/v1/qr`) or query
/// parameters (`GET /api/v1/qr`). Aliases follow goQR and QuickChart (`data`, `ecc`, `margin`,
/// `color`/`bgcolor`, `dark`/`light`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QrOptions {
    /// The payload as text (UTF-8).
    #[serde(alias = "data")]
    pub text: Option<String>,
    /// The payload as base64 bytes (instead of `text`).
    pub data_base64: Option<String>,
    /// A payload to build (`{"type": "wifi", …}`), instead of `text` or `data_base64`.
    pub payload: Option<qrsmith_core::payload::Payload>,
    /// Output format: png (default), svg, pdf, eps or txt.
    pub format: Option<String>,
    /// Error-correction level L, M, Q or H (default H; L for Micro QR).
    #[serde(alias = "ecc", alias = "ec_level", alias = "ecLevel")]
    pub ec: Option<String>,
    /// Version 1–40, M1–M4 or an rMQR size R7x43 … R17x139 (default: the smallest that fits).
    pub version: Option<NumberOrText>,
    /// Make a Micro QR symbol.
    pub micro: Option<bool>,
    /// Make an rMQR (rectangular Micro QR) symbol: levels M and H; every format and label
    /// sheets; styles with square eyes and no logo.
    pub rmqr: Option<bool>,
    /// Mask pattern 0–7 (0–3 for Micro QR).
    pub mask: Option<u8>,
    /// One mode for the whole payload: numeric, alphanumeric, byte or kanji.
    pub mode: Option<String>,
    /// An ECI designator (26 = UTF-8).
    pub eci: Option<u32>,
    /// Raise the EC level as far as the version allows.
    pub boost_ec: Option<bool>,
    /// Pixels per module (default 10).
    pub scale: Option<u32>,
    /// Target width in pixels, quiet zone included: `300` or `300x300`.
    pub size: Option<NumberOrText>,
    /// Quiet zone in modules (default 4).
    #[serde(alias = "margin")]
    pub border: Option<u32>,
    /// Dark colour: hex (`#rrggbb`, `rgb`, …) or `r-g-b` decimal.
    #[serde(alias = "color", alias = "dark")]
    pub fg: Option<String>,
    /// Light colour: as `fg`, or `transparent`.
    #[serde(alias = "bgcolor", alias = "light")]
    pub bg: Option<String>,
    /// Print resolution for PNG pHYs and the PDF/EPS page size.
    pub dpi: Option<u32>,
    /// Split over this many structured-append symbols (2–16).
    pub parts: Option<u8>,
    /// Style (PNG and SVG): module shape square, dot, rounded or gapped.
    pub module_shape: Option<String>,
    /// Style: finder-eye shape (outer ring and inner square) square, rounded or circle.
    pub eye_shape: Option<String>,
    /// Style: the eyes' inner square shape, when it differs from `eye_shape`.
    pub eye_inner_shape: Option<String>,
    /// Style: colour of the eyes (outer ring, and inner square unless `eye_inner_color`).
    pub eye_color: Option<String>,
    /// Style: colour of the eyes' inner squares.
    pub eye_inner_color: Option<String>,
    /// A logo for the centre: PNG, JPEG or SVG as base64 (a `data:` URI is accepted).
    pub logo: Option<String>,
    /// The logo's width as a fraction of the symbol's (0.05–0.4, default 0.2).
    pub logo_size: Option<f32>,
    /// The logo's clear margin in modules (0–4, default 1).
    pub logo_margin: Option<u32>,
    /// Allow raising the EC level (to H with a logo, and when repairing); default true.
    pub auto_ec: Option<bool>,
    /// Read the result back under degradations and report the scan margin (default: on for
    /// styled and logo codes); styled codes that do not read are adjusted.
    pub verify: Option<bool>,
}

/// The field names and aliases of [`QrOptions`], for the lenient reference-compatible route
/// that ignores unknown fields (a unit test keeps this list in step with the struct).
pub const QR_OPTION_NAMES: &[&str] = &[
    "text",
    "data",
    "data_base64",
    "payload",
    "format",
    "ec",
    "ecc",
    "ec_level",
    "ecLevel",
    "version",
    "micro",
    "rmqr",
    "mask",
    "mode",
    "eci",
    "boost_ec",
    "scale",
    "size",
    "border",
    "margin",
    "fg",
    "color",
    "dark",
    "bg",
    "bgcolor",
    "light",
    "dpi",
    "parts",
    "module_shape",
    "eye_shape",
    "eye_inner_shape",
    "eye_color",
    "eye_inner_color",
    "logo",
    "logo_size",
    "logo_margin",
    "auto_ec",
    "verify",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_names_list_matches_the_struct() {
        // Serde's refusal of an unknown field lists every field and alias the struct takes.
        let refusal = serde_json::from_value::<QrOptions>(serde_json::json!({"colour": "#000"}))
            .expect_err("an unknown field is refused")
            .to_string();
        let (_, expected) = refusal.split_once("expected one of").expect(&refusal);
        let mut taken: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let mut listed = QR_OPTION_NAMES.to_vec();
        taken.sort_unstable();
        listed.sort_unstable();
        assert_eq!(
            taken, listed,
            "QR_OPTION_NAMES is every field and alias of QrOptions"
        );
        for name in QR_OPTION_NAMES {
            let mut obj = serde_json::Map::new();
            obj.insert((*name).into(), serde_json::Value::Null);
            let result = serde_json::from_value::<QrOptions>(obj.into());
            assert!(result.is_ok(), "{name}: {result:?}");
        }
    }
}
