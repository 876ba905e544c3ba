//! Running a [`Generation`]: the codes encoded and rendered (styled, verified or a Swiss
//! QR-bill where asked), and what the answer reports about each image.

use bytes::Bytes;
use qrsmith_core::{
    encode_bytes, encode_sequence_bytes, encode_sequence_text, encode_text, generate_verified,
    render, render_styled, EncodeOptions, Format, QrCode, Verified,
};
use serde::{Deserialize, Serialize};

use super::*;

/// How a verified image reads back with qrsmith's reader: the degradations under which the
/// exact payload was read, and the changes made so that it reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ScanMargin)]
pub struct ScanReport {
    /// Degradations passed out of those tried, e.g. `5/5`.
    pub score: String,
    /// The degradations under which the exact payload was read.
    #[schema(schema_with = degradations_schema)]
    pub passed: Vec<String>,
    /// The others.
    #[schema(schema_with = degradations_schema)]
    pub failed: Vec<String>,
    /// The changes made so that the code reads.
    #[schema(inline)]
    pub adjustments: Vec<AdjustmentReport>,
    /// Milliseconds the verification took.
    pub ms: u64,
}

/// `passed` and `failed`: lists of [`qrsmith_core::Degradation`] names.
fn degradations_schema() -> utoipa::openapi::schema::Array {
    let names = qrsmith_core::Degradation::ALL.map(qrsmith_core::Degradation::name);
    utoipa::openapi::schema::Array::new(crate::schema::one_of_names(names))
}

/// One change made by verification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AdjustmentReport {
    /// Stable snake_case code.
    #[schema(schema_with = adjustment_code_schema)]
    pub code: String,
    /// What was changed, in words.
    pub message: String,
}

/// `code`: one of [`qrsmith_core::Adjustment::CODES`].
fn adjustment_code_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(qrsmith_core::Adjustment::CODES)
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

impl Generation {
    /// Encodes and renders (CPU work: call it on a worker).
    pub fn run(&self) -> qrsmith_core::Result<Generated> {
        if self.swiss_bill {
            return self.run_swiss_bill();
        }
        if self.verify.is_some() || !self.style.is_plain() {
            return self.run_styled();
        }
        let codes: Vec<QrCode> = match (&self.content, self.parts) {
            (_, None) => vec![self.encode_payload(&self.encode)?],
            (Content::Text(t), Some(n)) => encode_sequence_text(t, &self.encode, Some(n))?,
            (Content::Bytes(b), Some(n)) => encode_sequence_bytes(b, &self.encode, Some(n))?,
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
                let expected = match &self.content {
                    Content::Text(t) => t.as_bytes(),
                    Content::Bytes(b) => b.as_slice(),
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
        match &self.content {
            Content::Text(t) => encode_text(t, opts),
            Content::Bytes(b) => encode_bytes(b, opts),
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
