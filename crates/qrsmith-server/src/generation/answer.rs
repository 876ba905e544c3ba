//! The JSON answer of `POST /api/v1/qr`: each image as a data URI, with what it is.

use base64::Engine as _;
use serde::Serialize;

use super::{Generated, ScanReport, BODY_FORMATS};
use crate::json::SequencePlace;

/// The images made, each as a data URI.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = QrImages)]
pub struct ImagesAnswer {
    /// The format of every image.
    #[schema(schema_with = format_schema)]
    pub format: &'static str,
    /// One image, or one per structured-append part in sequence order.
    pub images: Vec<ImageAnswer>,
    /// With a payload in the request: the text it was built into, exactly as encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub payload_text: Option<String>,
}

/// One image.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = QrImage)]
pub struct ImageAnswer {
    /// `data:{media type};base64,…`.
    pub data_uri: String,
    /// `5`, `M3` or `R11x59`.
    pub version: String,
    /// The error-correction level.
    #[schema(schema_with = ec_level_schema)]
    pub ec_level: &'static str,
    /// The mask pattern used.
    pub mask: u8,
    /// Modules per side (rMQR: across), without quiet zone.
    pub modules: usize,
    /// Its place in a structured-append sequence; null for a single symbol.
    #[schema(required, inline)]
    pub structured_append: Option<SequencePlace>,
    /// How it reads back, when verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub scan_margin: Option<ScanReport>,
}

fn ec_level_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(qrsmith_core::EcLevel::ALL.map(qrsmith_core::EcLevel::name))
}

fn format_schema() -> utoipa::openapi::schema::Object {
    crate::schema::one_of_names(BODY_FORMATS.iter().map(|f| f.name()))
}

impl ImagesAnswer {
    /// The answer for `generated`; `payload_text` when a payload was built.
    pub fn of(generated: &Generated, payload_text: Option<String>) -> ImagesAnswer {
        let b64 = base64::engine::general_purpose::STANDARD;
        let media_type = generated.format.mime_type().replace(' ', "");
        let images = generated
            .images
            .iter()
            .map(|image| ImageAnswer {
                data_uri: format!("data:{media_type};base64,{}", b64.encode(&image.bytes)),
                version: image.version.clone(),
                ec_level: image.ec_level,
                mask: image.mask,
                modules: image.modules,
                structured_append: image.sequence.map(|(index, count, parity)| SequencePlace {
                    index,
                    count,
                    parity,
                }),
                scan_margin: image.scan.clone(),
            })
            .collect();
        ImagesAnswer {
            format: generated.format.name(),
            images,
            payload_text,
        }
    }
}
