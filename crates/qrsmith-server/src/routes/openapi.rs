//! `GET /api/v1/openapi.json` (OpenAPI 3.1, built by [`crate::api_doc`]; a test checks that its
//! operations and the router's routes are the same set) and `GET /api/v1/docs`, the same
//! document as a plain web page rendered by the binary (no CDN, no script).

use std::fmt::Write as _;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use serde_json::Value;

use crate::state::AppState;

/// `/api/v1/openapi.json` and `/api/v1/docs`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/docs", get(docs))
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::api_doc::document_json(),
    )
}

async fn docs() -> impl IntoResponse {
    static PAGE: OnceLock<String> = OnceLock::new();
    let page = PAGE.get_or_init(|| render_docs(crate::api_doc::document()));
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page.as_str(),
    )
}

/// The API page: every operation with its parameters, body types and responses.
fn render_docs(doc: &Value) -> String {
    let text = |v: &Value| escape(v.as_str().unwrap_or(""));
    let mut html = String::from(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>qrsmith API</title></head><body><main>\n",
    );
    let _ = writeln!(html, "<h1>{} API</h1>", text(&doc["info"]["title"]));
    let _ = writeln!(html, "<p>{}</p>", text(&doc["info"]["description"]));
    html.push_str("<p>Machine-readable: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI 3.1).</p>\n");
    let Some(paths) = doc["paths"].as_object() else {
        return html;
    };
    for (path, item) in paths {
        let Some(ops) = item.as_object() else {
            continue;
        };
        for (method, op) in ops {
            let _ = writeln!(
                html,
                "<section><h2><code>{} {}</code></h2><p><strong>{}</strong></p>",
                method.to_uppercase(),
                escape(path),
                text(&op["summary"])
            );
            if op["description"].is_string() {
                let _ = writeln!(html, "<p>{}</p>", text(&op["description"]));
            }
            if let Some(params) = op["parameters"].as_array() {
                html.push_str("<table><thead><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr></thead><tbody>\n");
                for p in params {
                    let schema = &p["schema"];
                    let mut ty = schema["type"].to_string().replace('"', "");
                    if let Some(values) = schema["enum"].as_array() {
                        let names: Vec<String> = values
                            .iter()
                            .map(|v| v.as_str().unwrap_or("").to_owned())
                            .collect();
                        ty = names.join(" | ");
                    }
                    if !schema["default"].is_null() {
                        ty.push_str(&format!(
                            " (default {})",
                            schema["default"].to_string().replace('"', "")
                        ));
                    }
                    let required = if p["required"].as_bool() == Some(true) {
                        " (required)"
                    } else {
                        ""
                    };
                    let _ = writeln!(
                        html,
                        "<tr><td><code>{}</code>{required}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        text(&p["name"]),
                        text(&p["in"]),
                        escape(&ty),
                        text(&p["description"])
                    );
                }
                html.push_str("</tbody></table>\n");
            }
            if let Some(body) = op["requestBody"]["content"].as_object() {
                let types: Vec<String> = body
                    .keys()
                    .map(|k| format!("<code>{}</code>", escape(k)))
                    .collect();
                let _ = writeln!(html, "<p>Body: {}</p>", types.join(", "));
            }
            if let Some(responses) = op["responses"].as_object() {
                html.push_str("<ul>\n");
                for (status, r) in responses {
                    let description = if r["$ref"].is_string() {
                        "JSON error {\"error\": {\"code\", \"message\"}}".to_owned()
                    } else {
                        r["description"].as_str().unwrap_or("").to_owned()
                    };
                    let _ = writeln!(
                        html,
                        "<li><strong>{}</strong> {}</li>",
                        escape(status),
                        escape(&description)
                    );
                }
                html.push_str("</ul>\n");
            }
            html.push_str("</section>\n");
        }
    }
    html.push_str("</main></body></html>\n");
    html
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
