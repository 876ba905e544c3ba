//! Generation requests: the options every generating route accepts, normalised into one
//! [`Generation`] whose SHA-256 is the cache key (and the `ETag`), and run on the worker pool.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::Bytes;
use qrsmith_core::{
    ec_level_for_style, encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text,
    generate_verified, render, render_styled, Color, EcLevel, EncodeOptions, Format, Mode, QrCode,
    RenderOptions, Size, Style, Verified, VerifyOptions, Version,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::error::{ErrorCode, Refusal, Refused};

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
    fn text(&self) -> Cow<'_, str> {
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

/// The payload of a generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Payload {
    /// Text: may use Kanji mode.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
}

/// A normalised generation request: what to encode and how to draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// What to encode.
    pub payload: Payload,
    /// Encoder options.
    pub encode: EncodeOptions,
    /// Renderer options (the output size limit included).
    pub render: RenderOptions,
    /// Output format.
    pub format: Format,
    /// Structured-append parts, when asked for.
    pub parts: Option<u8>,
    /// Shapes, eye colours and logo (PNG and SVG only).
    pub style: Style,
    /// Verify after generating, with these repair permissions.
    pub verify: Option<VerifyOptions>,
    /// A Swiss QR-bill: drawn with its cross, 46 mm wide in print (`render_swiss_bill`).
    pub swiss_bill: bool,
}

/// How a verified image reads back: the scan margin and what was changed to get it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanReport {
    /// Degradations passed out of those tried, e.g. `"5/5"`.
    pub score: String,
    /// The degradations under which the exact payload was read.
    pub passed: Vec<String>,
    /// The others.
    pub failed: Vec<String>,
    /// The changes made so that the code reads: `{"code": …, "message": …}`.
    pub adjustments: Vec<AdjustmentReport>,
    /// Milliseconds the verification took.
    pub ms: u64,
}

/// One change made by verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdjustmentReport {
    /// Stable snake_case code (`raised_ec`, `shrank_logo`, …).
    pub code: String,
    /// What was changed, in words.
    pub message: String,
}

impl ScanReport {
    fn of(v: &Verified) -> ScanReport {
        let names =
            |list: &[qrsmith_core::Degradation]| list.iter().map(|d| d.name().to_owned()).collect();
        ScanReport {
            score: v.margin.score(),
            passed: names(&v.margin.passed),
            failed: names(&v.margin.failed),
            adjustments: v
                .adjustments
                .iter()
                .map(|a| AdjustmentReport {
                    code: a.code().to_owned(),
                    message: a.to_string(),
                })
                .collect(),
            ms: v.elapsed.as_millis() as u64,
        }
    }

    /// The `X-QR-Scan-Margin` header value: `5/5 passed=as_generated,… failed=…`.
    pub fn margin_header(&self) -> String {
        format!(
            "{} passed={} failed={}",
            self.score,
            self.passed.join(","),
            self.failed.join(",")
        )
    }

    /// The `X-QR-Adjustments` header value: the adjustment codes, comma-separated (`none`).
    pub fn adjustments_header(&self) -> String {
        if self.adjustments.is_empty() {
            return "none".to_owned();
        }
        let codes: Vec<&str> = self.adjustments.iter().map(|a| a.code.as_str()).collect();
        codes.join(",")
    }
}

/// One rendered symbol.
#[derive(Debug, Clone)]
pub struct GeneratedImage {
    /// The encoded image.
    pub bytes: Bytes,
    /// `"5"` or `"M3"`.
    pub version: String,
    /// `"L"`, `"M"`, `"Q"` or `"H"`.
    pub ec_level: &'static str,
    /// The mask pattern used.
    pub mask: u8,
    /// Modules per side, without quiet zone.
    pub modules: usize,
    /// `(index, total, parity)` in a structured-append sequence.
    pub sequence: Option<(u8, u8, u8)>,
    /// The scan margin, when verified.
    pub scan: Option<ScanReport>,
}

/// The result of a generation: one image, or one per structured-append part.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The format of every image.
    pub format: Format,
    /// The images, in sequence order.
    pub images: Vec<GeneratedImage>,
}

impl Generated {
    /// Bytes held, for the cache's weigher.
    pub fn weight(&self) -> usize {
        self.images
            .iter()
            .map(|i| i.bytes.len() + i.version.len() + 64)
            .sum()
    }
}

/// A generation's cache key: SHA-256 of the normalised request ([`Generation::key`]).
pub type CacheKey = [u8; 32];

/// Limits that apply while normalising.
#[derive(Debug, Clone, Copy)]
pub struct GenerationLimits {
    /// Longest payload in bytes.
    pub max_text_bytes: usize,
    /// Largest output side in pixels.
    pub max_output_side: u32,
}

impl GenerationLimits {
    /// The limits `config` sets.
    pub fn of(config: &crate::config::Config) -> GenerationLimits {
        GenerationLimits {
            max_text_bytes: config.max_text_bytes,
            max_output_side: config.max_output_side,
        }
    }
}

impl QrOptions {
    /// Validates and normalises the options. `allowed` are the formats the route can answer.
    pub fn normalise(self, limits: GenerationLimits, allowed: &[Format]) -> Refused<Generation> {
        // EPC069-12 and the Swiss QR-bill guidelines ask for level M: the default for them.
        let swiss_bill = matches!(
            self.payload,
            Some(qrsmith_core::payload::Payload::SwissQrBill(_))
        );
        let epc =
            swiss_bill || matches!(self.payload, Some(qrsmith_core::payload::Payload::Epc(_)));
        let payload = match (self.text, self.data_base64, self.payload) {
            (Some(text), None, None) => Payload::Text(text),
            (None, Some(b64), None) => Payload::Bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| Refusal::parameter(format!("data_base64: {e}")))?,
            ),
            (None, None, Some(built)) => Payload::Text(crate::payload::build(&built)?),
            (None, None, None) => {
                return Err(Refusal::parameter(
                    "missing payload: give text (or data), data_base64 or payload",
                ))
            }
            _ => {
                return Err(Refusal::parameter(
                    "give one of text (data), data_base64 or payload, not both",
                ))
            }
        };
        let len = match &payload {
            Payload::Text(t) => t.len(),
            Payload::Bytes(b) => b.len(),
        };
        if len > limits.max_text_bytes {
            return Err(Refusal::new(
                ErrorCode::TextTooLong,
                format!(
                    "the payload has {len} bytes; at most {} are accepted",
                    limits.max_text_bytes
                ),
            ));
        }

        let format = match self.format.as_deref() {
            None => Format::Png,
            Some(name) => name
                .parse::<Format>()
                .ok()
                .filter(|f| allowed.contains(f))
                .ok_or_else(|| {
                    let names: Vec<_> = allowed.iter().map(|f| f.name()).collect();
                    Refusal::parameter(format!(
                        "format {name:?} is not supported here: use {}",
                        names.join(", ")
                    ))
                })?,
        };

        let version = self
            .version
            .as_ref()
            .map(|v| {
                v.text()
                    .parse::<Version>()
                    .map_err(|e| Refusal::parameter(e.to_string()))
            })
            .transpose()?;
        let micro = self.micro.unwrap_or(false) || matches!(version, Some(Version::Micro(_)));
        let ec_level = match self.ec.as_deref().map(str::trim) {
            None | Some("") if micro => EcLevel::L,
            None | Some("") if epc => EcLevel::M,
            None | Some("") => EcLevel::H,
            Some(s) => s
                .parse::<EcLevel>()
                .map_err(|e| Refusal::parameter(format!("ec: {}", e.message())))?,
        };
        let mode = self
            .mode
            .as_deref()
            .map(|s| {
                s.parse::<Mode>()
                    .map_err(|e| Refusal::parameter(e.message().to_owned()))
            })
            .transpose()?;
        // For the quiet zone only: an rMQR version already makes an rMQR symbol.
        let rmqr = self.rmqr.unwrap_or(false) || version.is_some_and(|v| v.is_rmqr());
        let encode = EncodeOptions {
            ec_level,
            version,
            micro,
            rmqr: self.rmqr.unwrap_or(false),
            mask: self.mask,
            mode,
            eci: self.eci,
            boost_ec: self.boost_ec.unwrap_or(false),
        };

        let size = match (self.scale, self.size) {
            (Some(_), Some(_)) => {
                return Err(Refusal::parameter("give either scale or size, not both"))
            }
            (Some(scale), None) => Size::Scale(scale),
            (None, Some(size)) => Size::Pixels(parse_size(&size.text())?),
            (None, None) => Size::default(),
        };
        let render = RenderOptions {
            size,
            // rMQR's standard asks for a 2-module quiet zone, QR's and Micro QR's default is 4.
            border: self.border.unwrap_or(if rmqr {
                qrsmith_core::RMQR_BORDER
            } else {
                RenderOptions::default().border
            }),
            foreground: parse_color(self.fg.as_deref(), "fg", Color::BLACK)?,
            background: parse_color(self.bg.as_deref(), "bg", Color::WHITE)?,
            dpi: self.dpi,
            print_width_um: None,
            max_pixels: limits.max_output_side,
        };
        if let Some(parts) = self.parts {
            if !(2..=16).contains(&parts) {
                return Err(Refusal::parameter(format!(
                    "parts {parts}: a structured-append sequence has 2 to 16 symbols"
                )));
            }
        }
        let style = parse_style(
            StyleFields {
                module_shape: self.module_shape.as_deref(),
                eye_shape: self.eye_shape.as_deref(),
                eye_inner_shape: self.eye_inner_shape.as_deref(),
                eye_color: self.eye_color.as_deref(),
                eye_inner_color: self.eye_inner_color.as_deref(),
                logo: self.logo.as_deref(),
                logo_size: self.logo_size,
                logo_margin: self.logo_margin,
            },
            format,
        )?;
        let mut encode = encode;
        let auto_ec = self.auto_ec.unwrap_or(true);
        let verify = match self.verify {
            Some(v) => v,
            None => !style.is_plain(),
        };
        if (verify || !style.is_plain()) && self.parts.is_some() {
            return Err(Refusal::parameter(
                "styles, logos and verify are not available with parts",
            ));
        }
        if style.logo.is_some() && micro {
            return Err(Refusal::parameter(
                "a logo needs a QR symbol: it does not fit Micro QR",
            ));
        }
        if !verify {
            // Verification raises it itself (and reports it).
            encode.ec_level = ec_level_for_style(&style, &encode, auto_ec);
        }
        if swiss_bill {
            swiss_bill_allows(&encode, format, self.parts, &style, self.verify)?;
        }
        Ok(Generation {
            payload,
            encode,
            render,
            format,
            parts: self.parts,
            style,
            verify: verify.then_some(VerifyOptions {
                auto_adjust: true,
                auto_ec,
            }),
            swiss_bill,
        })
    }
}

/// A Swiss QR-bill's code is drawn as the guidelines ask (level M, the cross, 46 mm): options
/// that would change that are refused rather than ignored.
fn swiss_bill_allows(
    encode: &EncodeOptions,
    format: Format,
    parts: Option<u8>,
    style: &Style,
    verify: Option<bool>,
) -> Refused<()> {
    let refuse = |what: &str| {
        Err(Refusal::parameter(format!(
            "{what}: a Swiss QR-bill's code is level M with the Swiss cross, 46 mm wide, as its \
             guidelines ask (section 5.4)"
        )))
    };
    if format == Format::Eps {
        return refuse("format eps (use png, svg or pdf)");
    }
    if encode.ec_level != EcLevel::M || encode.boost_ec {
        return refuse("ec other than M, or boost_ec");
    }
    if encode.micro || encode.rmqr || encode.version.is_some_and(|v| v.is_micro() || v.is_rmqr()) {
        return refuse("Micro QR or rMQR");
    }
    if parts.is_some() || !style.is_plain() || verify == Some(true) {
        return refuse("parts, styles, logos or verify");
    }
    Ok(())
}

/// The style fields of a request, borrowed.
struct StyleFields<'a> {
    module_shape: Option<&'a str>,
    eye_shape: Option<&'a str>,
    eye_inner_shape: Option<&'a str>,
    eye_color: Option<&'a str>,
    eye_inner_color: Option<&'a str>,
    logo: Option<&'a str>,
    logo_size: Option<f32>,
    logo_margin: Option<u32>,
}

/// Validates the style fields: shapes, colours, and the logo (base64, size and pixel limits
/// checked before decoding: 413 `logo_too_large`; anything but a PNG, JPEG or SVG that decodes
/// is 400 `invalid_logo`).
fn parse_style(f: StyleFields<'_>, format: Format) -> Refused<Style> {
    let bad =
        |name: &str, e: qrsmith_core::Error| Refusal::parameter(format!("{name}: {}", e.message()));
    let mut style = Style::default();
    if let Some(s) = f.module_shape {
        style.module_shape = s.parse().map_err(|e| bad("module_shape", e))?;
    }
    if let Some(s) = f.eye_shape {
        style.eye_outer = s.parse().map_err(|e| bad("eye_shape", e))?;
        style.eye_inner = style.eye_outer;
    }
    if let Some(s) = f.eye_inner_shape {
        style.eye_inner = s.parse().map_err(|e| bad("eye_inner_shape", e))?;
    }
    if let Some(s) = f.eye_color {
        let c = parse_color(Some(s), "eye_color", Color::BLACK)?;
        style.eye_outer_color = Some(c);
        style.eye_inner_color = Some(c);
    }
    if let Some(s) = f.eye_inner_color {
        style.eye_inner_color = Some(parse_color(Some(s), "eye_inner_color", Color::BLACK)?);
    }
    let logo_error = |e: qrsmith_core::Error| match e.kind() {
        qrsmith_core::ErrorKind::LimitExceeded => {
            Refusal::new(ErrorCode::LogoTooLarge, e.message().to_owned())
        }
        qrsmith_core::ErrorKind::InvalidOption => bad("logo", e),
        _ => Refusal::new(ErrorCode::InvalidLogo, e.message().to_owned()),
    };
    match f.logo.map(str::trim).filter(|l| !l.is_empty()) {
        None => {
            if f.logo_size.is_some() || f.logo_margin.is_some() {
                return Err(Refusal::parameter("logo_size and logo_margin need a logo"));
            }
        }
        Some(text) => {
            // `data:image/png;base64,…` or bare base64.
            let b64 = match text.split_once(";base64,") {
                Some((head, rest)) if head.starts_with("data:") => rest,
                _ => text,
            };
            if b64.len() / 4 * 3 > qrsmith_core::MAX_LOGO_BYTES + 3 {
                return Err(Refusal::new(
                    ErrorCode::LogoTooLarge,
                    format!("the logo exceeds {} bytes", qrsmith_core::MAX_LOGO_BYTES),
                ));
            }
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| {
                    Refusal::new(ErrorCode::InvalidLogo, format!("logo: not base64: {e}"))
                })?;
            let mut logo = qrsmith_core::Logo::new(&bytes).map_err(logo_error)?;
            if let Some(size) = f.logo_size {
                logo = logo.with_size(size).map_err(logo_error)?;
            }
            if let Some(margin) = f.logo_margin {
                logo = logo.with_margin(margin).map_err(logo_error)?;
            }
            style.logo = Some(logo);
        }
    }
    if !style.is_plain() && !matches!(format, Format::Png | Format::Svg) {
        return Err(Refusal::parameter(format!(
            "styles and logos are available in png and svg only, not {format}"
        )));
    }
    Ok(style)
}

/// `300` or `300x300` (goQR writes both sides; they must be equal for a square symbol).
fn parse_size(s: &str) -> Refused<u32> {
    let bad = || Refusal::parameter(format!("size {s:?}: use pixels, e.g. 300 or 300x300"));
    let (w, h) = match s.split_once(['x', 'X']) {
        Some((w, h)) => (w, h),
        None => (s, s),
    };
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w != h {
        return Err(Refusal::parameter(format!(
            "size {s:?}: QR codes are square, give equal sides"
        )));
    }
    Ok(w)
}

/// A colour as the library parses it (hex or `transparent`), or goQR's decimal `r-g-b`.
fn parse_color(s: Option<&str>, name: &str, default: Color) -> Refused<Color> {
    let Some(s) = s.map(str::trim) else {
        return Ok(default);
    };
    let decimal: Vec<&str> = s.split('-').collect();
    if decimal.len() == 3 {
        let channels: Option<Vec<u8>> = decimal.iter().map(|c| c.trim().parse().ok()).collect();
        if let Some(c) = channels {
            return Ok(Color::rgb(c[0], c[1], c[2]));
        }
    }
    s.parse::<Color>()
        .map_err(|e| Refusal::parameter(format!("{name}: {}", e.message())))
}

impl Generation {
    /// The text it encodes, for the answer's `payload_text` (built payloads are always text).
    pub fn payload_text(&self) -> Option<String> {
        match &self.payload {
            Payload::Text(t) => Some(t.clone()),
            Payload::Bytes(_) => None,
        }
    }
}

impl Generation {
    /// The cache key: SHA-256 over the crate version (output may change between releases) and
    /// every normalised option. The options' `Debug` form is used so that a field added to the
    /// library's option structs is part of the key without anyone remembering to add it.
    pub fn key(&self) -> CacheKey {
        let mut h = Sha256::new();
        h.update(concat!("qrsmith ", env!("CARGO_PKG_VERSION"), "\0"));
        let options = format!(
            "{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{:?}\0{}\0",
            self.encode,
            self.render,
            self.format,
            self.parts,
            self.style,
            self.verify,
            self.swiss_bill
        );
        h.update(options.as_bytes());
        // The logo's Debug form has its length only: its bytes go in whole.
        if let Some(logo) = &self.style.logo {
            h.update((logo.bytes().len() as u64).to_le_bytes());
            h.update(logo.bytes());
        }
        let (tag, data) = match &self.payload {
            Payload::Text(t) => (b't', t.as_bytes()),
            Payload::Bytes(b) => (b'b', b.as_slice()),
        };
        h.update([tag]);
        h.update((data.len() as u64).to_le_bytes());
        h.update(data);
        h.finalize().into()
    }

    /// Encodes and renders (CPU work: call it on a worker).
    pub fn run(&self) -> qrsmith_core::Result<Generated> {
        if self.swiss_bill {
            return self.run_swiss_bill();
        }
        if self.verify.is_some() || !self.style.is_plain() {
            return self.run_styled();
        }
        let codes: Vec<QrCode> = match (&self.payload, self.parts) {
            (_, None) => vec![self.encode_payload(&self.encode)?],
            (Payload::Text(t), Some(n)) => encode_sequence_text(t, &self.encode, Some(n))?,
            (Payload::Bytes(b), Some(n)) => encode_sequence_bytes(b, &self.encode, Some(n))?,
        };
        let images = codes
            .iter()
            .map(|code| Ok(image(code, render(code, self.format, &self.render)?, None)))
            .collect::<qrsmith_core::Result<Vec<_>>>()?;
        Ok(Generated {
            format: self.format,
            images,
        })
    }
}

impl Generation {
    /// A Swiss QR-bill's code (normalising has checked its options).
    fn run_swiss_bill(&self) -> qrsmith_core::Result<Generated> {
        let code = self.encode_payload(&self.encode)?;
        let bytes = qrsmith_core::payload::render_swiss_bill(&code, self.format, &self.render)?;
        Ok(self.one(image(&code, bytes, None)))
    }

    /// One styled and/or verified symbol (normalising refuses parts with these).
    fn run_styled(&self) -> qrsmith_core::Result<Generated> {
        let (code, style, scan) = match &self.verify {
            Some(verify) => {
                let expected = match &self.payload {
                    Payload::Text(t) => t.as_bytes(),
                    Payload::Bytes(b) => b.as_slice(),
                };
                let verified = generate_verified(
                    |opts| self.encode_payload(opts),
                    &self.encode,
                    &self.render,
                    &self.style,
                    expected,
                    verify,
                )?;
                let scan = ScanReport::of(&verified);
                (verified.code, verified.style, Some(scan))
            }
            None => (self.encode_payload(&self.encode)?, self.style.clone(), None),
        };
        let bytes = render_styled(&code, self.format, &self.render, &style)?;
        Ok(self.one(image(&code, bytes, scan)))
    }

    /// The payload encoded as one symbol with `opts`.
    fn encode_payload(&self, opts: &EncodeOptions) -> qrsmith_core::Result<QrCode> {
        match &self.payload {
            Payload::Text(t) => encode_text(t, opts),
            Payload::Bytes(b) => encode_bytes(b, opts),
        }
    }

    /// A result of one image in this generation's format.
    fn one(&self, image: GeneratedImage) -> Generated {
        Generated {
            format: self.format,
            images: vec![image],
        }
    }
}

/// `code` rendered as `bytes`, with what is reported about it.
fn image(code: &QrCode, bytes: Vec<u8>, scan: Option<ScanReport>) -> GeneratedImage {
    GeneratedImage {
        bytes: Bytes::from(bytes),
        version: code.version().name(),
        ec_level: code.ec_level().name(),
        mask: code.mask(),
        modules: code.width(),
        sequence: code.sequence().map(|s| (s.index, s.total, s.parity)),
        scan,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: GenerationLimits = GenerationLimits {
        max_text_bytes: 100,
        max_output_side: 4096,
    };

    fn opts(json: serde_json::Value) -> QrOptions {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn option_names_list_matches_the_struct() {
        for name in QR_OPTION_NAMES {
            let mut obj = serde_json::Map::new();
            obj.insert((*name).into(), serde_json::Value::Null);
            let result = serde_json::from_value::<QrOptions>(obj.into());
            assert!(result.is_ok(), "{name}: {result:?}");
        }
        let unknown = serde_json::from_value::<QrOptions>(serde_json::json!({"colour": "#000"}));
        assert!(unknown.is_err());
    }

    #[test]
    fn normalises_aliases_and_defaults() {
        let g = opts(
            serde_json::json!({"data": "hi", "ecc": "m", "size": "210x210", "color": "255-0-0"}),
        )
        .normalise(LIMITS, &[Format::Png])
        .unwrap();
        assert_eq!(g.payload, Payload::Text("hi".into()));
        assert_eq!(g.encode.ec_level, EcLevel::M);
        assert_eq!(g.render.size, Size::Pixels(210));
        assert_eq!(g.render.foreground, Color::rgb(255, 0, 0));
        assert_eq!(g.render.background, Color::WHITE);
        assert_eq!(g.format, Format::Png);

        let micro = opts(serde_json::json!({"text": "1", "version": "M2"}))
            .normalise(LIMITS, &[Format::Png])
            .unwrap();
        assert_eq!(micro.encode.ec_level, EcLevel::L, "Micro QR defaults to L");
        assert!(micro.encode.micro);
    }

    #[test]
    fn rejects_bad_parameters_with_their_name() {
        let cases = [
            (serde_json::json!({}), "missing payload"),
            (
                serde_json::json!({"text": "a", "data_base64": "YQ=="}),
                "not both",
            ),
            (
                serde_json::json!({"text": "a", "ec": "X"}),
                "ec: error-correction level \"X\"",
            ),
            (
                serde_json::json!({"text": "a", "format": "gif"}),
                "format \"gif\"",
            ),
            (
                serde_json::json!({"text": "a", "format": "terminal"}),
                "format",
            ),
            (serde_json::json!({"text": "a", "size": "10x20"}), "square"),
            (serde_json::json!({"text": "a", "fg": "blue"}), "fg"),
            (serde_json::json!({"text": "a", "parts": 1}), "parts"),
            (serde_json::json!({"text": "a", "version": "Q"}), "version"),
            (serde_json::json!({"data_base64": "!!"}), "data_base64"),
        ];
        for (json, needle) in cases {
            let err = opts(json.clone())
                .normalise(LIMITS, &[Format::Png, Format::Svg])
                .unwrap_err();
            assert_eq!(err.code, "invalid_parameter", "{json}");
            assert!(err.message.contains(needle), "{json}: {}", err.message);
        }
        let long = opts(serde_json::json!({"text": "x".repeat(101)}))
            .normalise(LIMITS, &[Format::Png])
            .unwrap_err();
        assert_eq!(long.code, "text_too_long");
    }

    #[test]
    fn key_covers_payload_kind_and_every_option() {
        let base = opts(serde_json::json!({"text": "abc"}))
            .normalise(LIMITS, &[Format::Png])
            .unwrap();
        let bytes = opts(serde_json::json!({"data_base64": "YWJj"}))
            .normalise(LIMITS, &[Format::Png])
            .unwrap();
        let border = opts(serde_json::json!({"text": "abc", "border": 2}))
            .normalise(LIMITS, &[Format::Png])
            .unwrap();
        assert_eq!(base.key(), base.clone().key());
        assert_ne!(base.key(), bytes.key());
        assert_ne!(base.key(), border.key());
    }

    #[test]
    fn rmqr_defaults_to_a_two_module_quiet_zone() {
        let border = |json| {
            opts(json)
                .normalise(LIMITS, &[Format::Png])
                .unwrap()
                .render
                .border
        };
        assert_eq!(border(serde_json::json!({"text": "1"})), 4);
        assert_eq!(border(serde_json::json!({"text": "1", "version": "M2"})), 4);
        assert_eq!(border(serde_json::json!({"text": "1", "rmqr": true})), 2);
        assert_eq!(
            border(serde_json::json!({"text": "1", "version": "R7x43"})),
            2
        );
        let chosen = serde_json::json!({"text": "1", "rmqr": true, "border": 3});
        assert_eq!(border(chosen), 3);
    }
}
