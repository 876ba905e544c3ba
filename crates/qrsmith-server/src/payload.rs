//! Payload builders in requests: `"payload": {"type": "wifi", "ssid": …}` instead of `text`
//! or `data_base64` (`POST /api/v1/qr`, and the items of JSON batch jobs). The library builds
//! and validates the text ([`qrsmith_core::payload`]); this module turns its refusals into
//! `400 invalid_payload` answers that name the field (`payload.iban: …`).

use qrsmith_core::payload::Payload;

use crate::error::{ErrorCode, Refusal, Refused};

/// Builds the text of `payload`, or a `400 invalid_payload` naming the field.
pub fn build(payload: &Payload) -> Refused<String> {
    payload.build().map_err(|e| {
        Refusal::new(
            ErrorCode::InvalidPayload,
            format!("payload.{} ({} payload)", e.message(), payload.type_name()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_field_and_the_type() {
        let payload: Payload = serde_json::from_value(serde_json::json!({
            "type": "epc", "name": "A", "iban": "BE72000000001617"
        }))
        .unwrap();
        let err = build(&payload).unwrap_err();
        assert_eq!(err.code.status(), axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(err.code, ErrorCode::InvalidPayload);
        assert!(
            err.message.starts_with("payload.iban: ") && err.message.ends_with("(epc payload)"),
            "{}",
            err.message
        );
    }
}
