//! The OpenAPI document (3.1), served at `/api/v1/openapi.json`.
//!
//! It is being moved from hand-written JSON to generation from the Rust types with utoipa, one
//! schema at a time: `openapi.json` holds what is still written by hand (the paths and the
//! schemas not generated yet), and `Generated` lists the types whose schemas come from the
//! code. A generated schema replaces a hand-written one of the same name, so each move deletes
//! its JSON. `QrOptions` gets what utoipa has no attribute for here: its one-of, and the
//! lenient `LegacyQrOptions` made from it.

use std::sync::OnceLock;

use serde_json::{json, Value};
use utoipa::OpenApi as _;

use crate::batch::LabelOptions;
use crate::error::{ErrorBody, ErrorCode};
use crate::generation::{ImagesAnswer, QrOptions, ScanReport};
use crate::jobs::{JobView, TaskStatus};
use crate::json::DecodeAnswer;
use crate::links::{LinkChange, LinkStats, LinkView, NewLink};

/// The part of the document not generated yet.
const HAND_WRITTEN: &str = include_str!("openapi.json");

/// The schemas generated from the Rust types.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(
    DecodeAnswer,
    ErrorBody,
    ErrorCode,
    ImagesAnswer,
    JobView,
    LabelOptions,
    LinkView,
    LinkStats,
    NewLink,
    LinkChange,
    QrOptions,
    ScanReport,
    TaskStatus
)))]
struct Generated;

/// The whole document, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        let mut doc: Value = serde_json::from_str(HAND_WRITTEN)
            .expect("openapi.json is valid JSON (a test reads it)");
        let mut generated =
            serde_json::to_value(Generated::openapi()).expect("a generated document serialises");
        spell_unsigned_formats(&mut generated);
        if let (Some(schemas), Some(generated)) = (
            doc["components"]["schemas"].as_object_mut(),
            generated["components"]["schemas"].as_object(),
        ) {
            for (name, schema) in generated {
                schemas.insert(name.clone(), schema.clone());
            }
            let options = schemas
                .get_mut("QrOptions")
                .expect("QrOptions is generated");
            options["oneOf"] = exactly_one_present(&QrOptions::CONTENT_FIELDS);
            let legacy = legacy_options(options);
            schemas.insert("LegacyQrOptions".into(), legacy);
        }
        doc
    })
}

/// utoipa (with `non_strict_integers`, so that a `u32` is not documented as an `int32`, whose
/// range is another) writes the unsigned formats as `u-int32`, its serde spelling; the OpenAPI
/// format registry spells them `uint32`.
fn spell_unsigned_formats(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for (key, value) in object.iter_mut() {
                match value {
                    Value::String(format) if key == "format" && format.starts_with("u-int") => {
                        *format = format.replacen("u-int", "uint", 1);
                    }
                    _ => spell_unsigned_formats(value),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(spell_unsigned_formats),
        _ => {}
    }
}

/// One branch per field of `fields`: that field present and not null, the others absent or
/// null (null is read as absent). utoipa has no attribute for it.
fn exactly_one_present(fields: &[&str]) -> Value {
    let branches = fields.iter().map(|given| {
        let properties: serde_json::Map<String, Value> = fields
            .iter()
            .map(|field| {
                let schema = if field == given {
                    json!({"not": {"type": "null"}})
                } else {
                    json!({"type": "null"})
                };
                ((*field).to_owned(), schema)
            })
            .collect();
        json!({"required": [given], "properties": properties})
    });
    Value::Array(branches.collect())
}

/// The body of the reference-compatible `POST /generate`: the options of `QrOptions`, but
/// unknown fields are ignored (as the reference did) rather than refused, and `parts` is not
/// taken.
fn legacy_options(options: &Value) -> Value {
    let mut legacy = options.clone();
    if let Some(object) = legacy.as_object_mut() {
        object.remove("additionalProperties");
        object.insert(
            "description".into(),
            "The options of QrOptions but parts; unknown fields are ignored.".into(),
        );
    }
    if let Some(properties) = legacy["properties"].as_object_mut() {
        properties.remove("parts");
    }
    legacy
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
        let mut generated = serde_json::to_value(Generated::openapi()).unwrap();
        spell_unsigned_formats(&mut generated);
        let names = generated["components"]["schemas"].as_object().unwrap();
        assert!(!names.is_empty());
        for name in names.keys() {
            assert!(
                hand_written["components"]["schemas"].get(name).is_none(),
                "{name} is generated: delete it from openapi.json"
            );
            let mut served = document()["components"]["schemas"][name].clone();
            if name == "QrOptions" {
                served.as_object_mut().unwrap().remove("oneOf");
            }
            assert_eq!(served, generated["components"]["schemas"][name]);
        }
        assert_eq!(document()["openapi"], "3.1.0");
        let options = &document()["components"]["schemas"]["QrOptions"]["properties"];
        assert_eq!(options["dpi"]["format"], "uint32");
        assert!(!document_json().contains("u-int"));
    }

    #[test]
    fn qr_options_take_exactly_one_content_field_and_the_legacy_route_any_field() {
        let schemas = &document()["components"]["schemas"];
        let branches = schemas["QrOptions"]["oneOf"].as_array().unwrap();
        assert_eq!(branches.len(), QrOptions::CONTENT_FIELDS.len());
        for (branch, field) in branches.iter().zip(QrOptions::CONTENT_FIELDS) {
            assert_eq!(branch["required"], json!([field]));
            assert_eq!(
                branch["properties"][field],
                json!({"not": {"type": "null"}})
            );
            assert!(schemas["QrOptions"]["properties"].get(field).is_some());
        }
        assert_eq!(schemas["QrOptions"]["additionalProperties"], false);
        let legacy = &schemas["LegacyQrOptions"];
        assert!(legacy.get("additionalProperties").is_none());
        assert!(legacy["properties"].get("parts").is_none());
        assert_eq!(legacy["oneOf"], schemas["QrOptions"]["oneOf"]);
    }

    /// utoipa takes only literals for bounds: each is held to the constant the code uses.
    #[test]
    fn bounds_are_the_limits_the_code_uses() {
        let errors = &document()["components"]["schemas"]["Job"]["properties"]["errors"];
        assert_eq!(errors["maxItems"], crate::jobs::ERRORS_SHOWN);

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
