//! The wire form of a generation request: every option a generating route accepts, by its
//! names (aliases of the reference service included), before any checking.

use std::borrow::Cow;

use qrsmith_core::{EyeShape, Format, Mode, ModuleShape};
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
/// `color`/`bgcolor`, `dark`/`light`). Give text (alias data), data_base64 or payload: exactly
/// one.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QrOptions {
    /// The payload as text (UTF-8).
    #[serde(alias = "data")]
    pub text: Option<String>,
    /// The payload as base64 bytes (instead of `text`).
    #[schema(content_encoding = "base64")]
    pub data_base64: Option<String>,
    /// A payload to build (`{"type": "wifi", …}`), instead of `text` or `data_base64`.
    #[schema(schema_with = payload_schema)]
    pub payload: Option<qrsmith_core::payload::Payload>,
    /// Output format: png (default), svg, pdf, eps or txt.
    #[schema(schema_with = format_schema)]
    pub format: Option<String>,
    /// Error-correction level L, M, Q or H, in any case; empty or absent for the default (H; L
    /// for Micro QR).
    #[serde(alias = "ecc", alias = "ec_level", alias = "ecLevel")]
    #[schema(pattern = r"^\s*[LMQHlmqh]?\s*$")]
    pub ec: Option<String>,
    /// Version 1–40, M1–M4 or an rMQR size R7x43 … R17x139 (default: the smallest that fits).
    #[schema(schema_with = number_or_text_schema)]
    pub version: Option<NumberOrText>,
    /// Make a Micro QR symbol.
    pub micro: Option<bool>,
    /// Make an rMQR (rectangular Micro QR) symbol, the one with the fewest modules that fits:
    /// levels M and H; every format and label sheets; styles with square eyes and no logo.
    pub rmqr: Option<bool>,
    /// Mask pattern 0–7 (0–3 for Micro QR).
    #[schema(maximum = 7)]
    pub mask: Option<u8>,
    /// One mode for the whole payload: numeric, alphanumeric, byte or kanji.
    #[schema(schema_with = mode_schema)]
    pub mode: Option<String>,
    /// An ECI designator (26 = UTF-8).
    #[schema(maximum = 999999)]
    pub eci: Option<u32>,
    /// Raise the EC level as far as the version allows.
    pub boost_ec: Option<bool>,
    /// Pixels per module (default 10).
    #[schema(minimum = 1, maximum = 4294967295u32)]
    pub scale: Option<u32>,
    /// Target width in pixels, quiet zone included: `300` or `300x300`.
    #[schema(schema_with = number_or_text_schema)]
    pub size: Option<NumberOrText>,
    /// Quiet zone in modules (default 4).
    #[serde(alias = "margin")]
    #[schema(maximum = 100)]
    pub border: Option<u32>,
    /// Dark colour: hex (`#rrggbb`, `rgb`, …) or `r-g-b` decimal.
    #[serde(alias = "color", alias = "dark")]
    pub fg: Option<String>,
    /// Light colour: as `fg`, or `transparent`.
    #[serde(alias = "bgcolor", alias = "light")]
    pub bg: Option<String>,
    /// Print resolution for PNG pHYs and the PDF/EPS page size.
    #[schema(maximum = 4294967295u32)]
    pub dpi: Option<u32>,
    /// Structured append: split over this many symbols (`POST /api/v1/qr` only).
    #[schema(minimum = 2, maximum = 16)]
    pub parts: Option<u8>,
    /// Style (PNG and SVG only, as every style field): module shape.
    #[schema(schema_with = module_shape_schema)]
    pub module_shape: Option<String>,
    /// Style: finder-eye shape (outer ring and inner square).
    #[schema(schema_with = eye_shape_schema)]
    pub eye_shape: Option<String>,
    /// Style: the eyes' inner square shape, when it differs from `eye_shape`.
    #[schema(schema_with = eye_shape_schema)]
    pub eye_inner_shape: Option<String>,
    /// Style: colour of the eyes (outer ring, and inner square unless `eye_inner_color`).
    pub eye_color: Option<String>,
    /// Style: colour of the eyes' inner squares.
    pub eye_inner_color: Option<String>,
    /// A logo for the centre: PNG, JPEG or SVG, base64 or a `data:` URI; at most 1 MiB (413
    /// logo_too_large) and 4 MP; invalid_logo when it does not decode (422 on /api/v1, 400 on
    /// /generate). Raises EC to H unless `auto_ec` is false.
    #[schema(content_encoding = "base64")]
    pub logo: Option<String>,
    /// The logo's width as a fraction of the symbol's.
    #[schema(minimum = 0.05, maximum = 0.4, default = 0.2)]
    pub logo_size: Option<f32>,
    /// The logo's clear margin in modules.
    #[schema(maximum = 4, default = 1)]
    pub logo_margin: Option<u32>,
    /// Allow raising the EC level (to H with a logo, and when repairing).
    #[schema(default = true)]
    pub auto_ec: Option<bool>,
    /// Read back under degradations and report `scan_margin` (default: on for styled and logo
    /// codes; those are repaired when they do not read, or refused with 422 unscannable). Not
    /// with `parts`.
    pub verify: Option<bool>,
}

impl QrOptions {
    /// The fields that give the content: exactly one of them is present and not null.
    pub const CONTENT_FIELDS: [&'static str; 3] = ["text", "data_base64", "payload"];
}

/// Formats of `GET /api/v1/qr` and `POST /generate`: one image, no text art.
pub const IMAGE_FORMATS: &[Format] = &[Format::Png, Format::Svg, Format::Pdf, Format::Eps];
/// Formats of `POST /api/v1/qr` (text matrices too: they are data, not pictures).
pub const BODY_FORMATS: &[Format] = &[
    Format::Png,
    Format::Svg,
    Format::Pdf,
    Format::Eps,
    Format::Txt,
];

fn payload_schema() -> utoipa::openapi::schema::Schema {
    crate::schema::optional_ref("Payload")
}

fn format_schema() -> utoipa::openapi::schema::Object {
    let mut schema = crate::schema::optional_name(BODY_FORMATS.iter().map(|f| f.name()));
    schema.default = Some(Format::Png.name().into());
    schema
}

fn mode_schema() -> utoipa::openapi::schema::Object {
    crate::schema::optional_name(Mode::ALL.map(Mode::name))
}

fn module_shape_schema() -> utoipa::openapi::schema::Object {
    crate::schema::optional_name(ModuleShape::ALL.map(ModuleShape::name))
}

fn eye_shape_schema() -> utoipa::openapi::schema::Object {
    crate::schema::optional_name(EyeShape::ALL.map(EyeShape::name))
}

/// [`NumberOrText`], or null: a whole number or text.
fn number_or_text_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([
            Type::Integer,
            Type::String,
            Type::Null,
        ]))
        .minimum(Some(0))
        .maximum(Some(u64::MAX as usize))
        .build()
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
