//! JSON request bodies, read as the OpenAPI document describes them. Two differences from
//! axum's `Json`: the body must be an object (serde would fill a struct from an array, so
//! `["hello"]` made a code), and a number with a zero fraction (`285.0`) is an integer, as JSON
//! Schema says, where serde's integer types refuse it.

use axum::extract::{FromRequest, Request};
use axum::Json;
use serde::de::DeserializeOwned;
use serde_json::{Number, Value};

use crate::error::{ApiError, ErrorCode};

/// A JSON object body deserialised into `T`. Unreadable JSON, a body that is not an object, or
/// fields of the wrong type are `400 invalid_json` naming the field; a missing or wrong
/// content type is 415, a body over the limit 413.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let Json(value) = Json::<Value>::from_request(req, state).await?;
        object_of(value).map(JsonBody)
    }
}

/// `value`, which must be a JSON object, deserialised into `T` with its integral numbers
/// read as integers; the error names the field.
pub fn object_of<T: DeserializeOwned>(mut value: Value) -> Result<T, ApiError> {
    if !value.is_object() {
        return Err(ApiError::new(
            ErrorCode::InvalidJson,
            "invalid JSON body: expected an object, {\"name\": value, …}",
        ));
    }
    integral_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let shown = if field == "." {
            e.inner().to_string()
        } else {
            format!("{field}: {}", e.inner())
        };
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("invalid JSON body: {shown}"),
        )
    })
}

/// Rewrites every number with a zero fraction (`3.0`, `1e3`) as the integer it is, anywhere in
/// `value`. JSON Schema's `integer` accepts them; serde's integer types would not, and its
/// float types take integers, so nothing is lost.
pub fn integral_numbers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|f| n.is_f64() && f.fract() == 0.0) {
                // Exact: every integral f64 in these ranges is an integer of the type.
                if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
                    *n = Number::from(f as u64);
                } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
                    *n = Number::from(f as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integral_numbers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integral_numbers_as_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Fields {
        count: Option<u32>,
        ratio: Option<f32>,
        nested: Option<Vec<i8>>,
    }

    #[test]
    fn integral_numbers_are_integers_and_floats_stay_floats() {
        let fields: Fields =
            object_of(json!({"count": 285.0, "ratio": 1, "nested": [-3.0, 1e2]})).unwrap();
        assert_eq!(
            fields,
            Fields {
                count: Some(285),
                ratio: Some(1.0),
                nested: Some(vec![-3, 100]),
            }
        );
        let err = object_of::<Fields>(json!({"count": 2.5})).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidJson);
        assert!(err.message.contains("count"), "{}", err.message);
    }

    /// An integral number written with a fraction is read exactly, so it is still an integer
    /// (serde_json's default float parser may land one ulp off, on 2119472042045523.25).
    #[test]
    fn a_large_integral_float_is_read_as_its_integer() {
        let mut value: Value = serde_json::from_str(r#"{"n": 2119472042045523.0}"#).unwrap();
        integral_numbers_as_integers(&mut value);
        assert_eq!(value["n"].as_u64(), Some(2_119_472_042_045_523));
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        let err = object_of::<Fields>(json!([1, 2.0, 3])).unwrap_err();
        assert_eq!(
            (err.status, err.code),
            (axum::http::StatusCode::BAD_REQUEST, ErrorCode::InvalidJson)
        );
    }
}
