//! Query strings, read strictly. axum's `Query` decodes percent-escapes that are not UTF-8 into
//! U+FFFD without a word, so `?data=%E9t%E9` (Latin-1) would become a QR code of "�t�": the
//! client's text silently replaced. [`StrictQuery`] refuses such a query with 400 instead.

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use percent_encoding::percent_decode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The query string deserialised into `T`, every name and value checked to be UTF-8 once
/// percent-decoded; a bad query is `400 invalid_parameter` naming the parameter.
#[derive(Debug)]
pub struct StrictQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for StrictQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let raw = parts.uri.query().unwrap_or_default();
        for pair in raw.split('&') {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            for part in [name, value] {
                if std::str::from_utf8(&percent_decode(part.as_bytes()).collect::<Vec<u8>>())
                    .is_err()
                {
                    let shown = percent_decode(name.as_bytes()).decode_utf8_lossy();
                    return Err(ApiError::bad_parameter(format!(
                        "the query parameter {shown:?} is not UTF-8 once percent-decoded: \
                         percent-encode the UTF-8 bytes of the text"
                    )));
                }
            }
        }
        let Query(value) = Query::try_from_uri(&parts.uri)?;
        Ok(StrictQuery(value))
    }
}
