//! The OpenAPI document (3.1), served at `/api/v1/openapi.json`.
//!
//! It is being moved from hand-written JSON to generation from the Rust types with utoipa, one
//! schema at a time: `openapi.json` holds what is still written by hand (the paths and most
//! schemas), and `Generated` lists the types whose schemas come from the code. A generated
//! schema replaces a hand-written one of the same name, so each move deletes its JSON.

use std::sync::OnceLock;

use serde_json::Value;
use utoipa::OpenApi as _;

use crate::batch::LabelOptions;
use crate::error::ErrorCode;
use crate::generation::ScanReport;
use crate::links::{LinkChange, LinkStats, LinkView, NewLink};

/// The part of the document not generated yet.
const HAND_WRITTEN: &str = include_str!("openapi.json");

/// The schemas generated from the Rust types.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    ErrorCode,
    LabelOptions,
    LinkView,
    LinkStats,
    NewLink,
    LinkChange,
    ScanReport
)))]
struct Generated;

/// The whole document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc: Value = serde_json::from_str(HAND_WRITTEN)
            .expect("openapi.json is valid JSON (a test reads it)");
        let generated =
            serde_json::to_value(Generated::openapi()).expect("a generated document serialises");
        if let (Some(schemas), Some(generated)) = (
            doc["components"]["schemas"].as_object_mut(),
            generated["components"]["schemas"].as_object(),
        ) {
            for (name, schema) in generated {
                schemas.insert(name.clone(), schema.clone());
            }
        }
        doc
    })
}

/// The document as the JSON text the service answers.
pub fn document_json() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| document().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_schemas_are_in_the_document_and_not_also_written_by_hand() {
        let hand_written: Value = serde_json::from_str(HAND_WRITTEN).unwrap();
        let generated = serde_json::to_value(Generated::openapi()).unwrap();
        let names = generated["components"]["schemas"].as_object().unwrap();
        assert!(!names.is_empty());
        for name in names.keys() {
            assert!(
                hand_written["components"]["schemas"].get(name).is_none(),
                "{name} is generated: delete it from openapi.json"
            );
            assert_eq!(
                document()["components"]["schemas"][name],
                generated["components"]["schemas"][name]
            );
        }
        assert_eq!(document()["openapi"], "3.1.0");
    }

    /// utoipa takes only literals for bounds: each is held to the constant the code checks.
    #[test]
    fn link_bounds_are_the_checked_limits() {
        use crate::links::{MAX_DESTINATION_LEN, MAX_NOTE_CHARS};
        let schemas = &document()["components"]["schemas"];
        for schema in ["NewLink", "LinkChange"] {
            for field in ["destination", "android", "ios", "desktop"] {
                let bound = &schemas[schema]["properties"][field]["maxLength"];
                assert_eq!(bound, MAX_DESTINATION_LEN, "{schema}.{field}");
            }
            let bound = &schemas[schema]["properties"]["note"]["maxLength"];
            assert_eq!(bound, MAX_NOTE_CHARS, "{schema}.note");
        }
        for field in ["android", "ios", "desktop"] {
            let bound = &schemas["Link"]["properties"][field]["maxLength"];
            assert_eq!(bound, MAX_DESTINATION_LEN, "Link.{field}");
        }
    }
}
