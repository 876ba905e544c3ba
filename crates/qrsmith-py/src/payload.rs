//! Payload builders: the Python functions in `qrsmith.payload` send their fields here as a
//! JSON object tagged with its `"type"`, deserialized straight into the library's
//! [`Payload`] (as the service's `payload` objects are) and built.

use pyo3::prelude::*;
use qrsmith_core::payload::Payload;

use crate::errors::invalid_payload;

/// Builds the text of a payload given as JSON (`{"type": "wifi", "ssid": …}`).
///
/// Raises `InvalidPayload` whose message starts with the field (`iban: …`), or names the
/// field the JSON could not fill.
#[pyfunction]
pub fn build_payload(py: Python<'_>, json: &str) -> PyResult<String> {
    let payload: Payload =
        serde_json::from_str(json).map_err(|e| invalid_payload(e.to_string()))?;
    py.detach(|| payload.build())
        .map_err(|e| invalid_payload(e.message().to_owned()))
}
