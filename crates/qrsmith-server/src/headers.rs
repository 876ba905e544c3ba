//! Reading the request headers the routes branch on: the media type of the body, and whether a
//! comma-separated list header (`Accept`, `Prefer`) names a token.

use axum::http::header::CONTENT_TYPE;
use axum::http::HeaderMap;

/// The body's media type, lower-cased, without parameters (`multipart/form-data` of
/// `multipart/form-data; boundary=…`); empty when absent.
pub fn media_type(headers: &HeaderMap) -> String {
    let value = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Whether any `name` header lists `token` (RFC 9110 lists: comma-separated elements, each
/// possibly with `;` parameters; compared case-insensitively).
pub fn lists(headers: &HeaderMap, name: &str, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|element| {
            element
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(token))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn media_type_and_list_tokens() {
        let mut h = HeaderMap::new();
        assert_eq!(media_type(&h), "");
        h.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("Multipart/Form-Data; boundary=x"),
        );
        assert_eq!(media_type(&h), "multipart/form-data");
        h.append("prefer", HeaderValue::from_static("wait=5"));
        h.append(
            "prefer",
            HeaderValue::from_static("handling=lenient, Respond-Async"),
        );
        assert!(lists(&h, "prefer", "respond-async"));
        assert!(!lists(&h, "prefer", "return"));
        h.insert(
            "accept",
            HeaderValue::from_static("application/zip;q=0.9, */*"),
        );
        assert!(lists(&h, "accept", "application/zip"));
    }
}
