//! Normalisation: [`QrOptions`] checked and turned into one [`Generation`], with defaults,
//! limits and the style, logo and Swiss QR-bill rules applied.

use base64::Engine as _;
use qrsmith_core::{
    ec_level_for_style, Color, EcLevel, EncodeOptions, Format, Mode, RenderOptions, Size, Style,
    VerifyOptions, Version,
};

use crate::error::{ErrorCode, Refusal, Refused};

use super::*;

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
        let content = match (self.text, self.data_base64, self.payload) {
            (Some(text), None, None) => Content::Text(text),
            (None, Some(b64), None) => Content::Bytes(
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| Refusal::parameter(format!("data_base64: {e}")))?,
            ),
            (None, None, Some(built)) => Content::Text(crate::payload::build(&built)?),
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
        let len = match &content {
            Content::Text(t) => t.len(),
            Content::Bytes(b) => b.len(),
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
            content,
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
    fn normalises_aliases_and_defaults() {
        let g = opts(
            serde_json::json!({"data": "hi", "ecc": "m", "size": "210x210", "color": "255-0-0"}),
        )
        .normalise(LIMITS, &[Format::Png])
        .unwrap();
        assert_eq!(g.content, Content::Text("hi".into()));
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
}
