//! Option cells: a CSV cell or JSON value turned into the typed option of `POST /api/v1/qr`
//! (numbers, yes/no), and a row's options normalised into a [`Generation`].

use qrsmith_core::Format;
use serde_json::{json, Map, Value};

use crate::error::Refusal;
use crate::generation::{Generation, GenerationLimits, QrOptions, QR_OPTION_NAMES};

/// Columns whose cells are whole numbers.
pub(super) const NUMBER_COLUMNS: &[&str] = &[
    "mask",
    "eci",
    "scale",
    "border",
    "margin",
    "dpi",
    "parts",
    "logo_margin",
];
/// Columns whose cells are decimal numbers.
const DECIMAL_COLUMNS: &[&str] = &["logo_size"];
/// Columns whose cells are yes/no.
pub(super) const BOOL_COLUMNS: &[&str] = &["micro", "rmqr", "boost_ec", "auto_ec", "verify"];
/// Columns whose cells are JSON objects (a payload to build, `{"type": "wifi", …}`).
const OBJECT_COLUMNS: &[&str] = &["payload"];
/// Options (as JSON) to a normalised generation of one image: a batch writes one file per row,
/// so structured append (`parts`) is refused here.
pub fn normalise(
    options: &Map<String, Value>,
    limits: GenerationLimits,
    allowed: &[Format],
) -> Result<Generation, Refusal> {
    let options = serde_json::from_value::<QrOptions>(Value::Object(options.clone()))
        .map_err(|e| Refusal::parameter(e.to_string()))?;
    if options.parts.is_some_and(|p| p > 1) {
        return Err(Refusal::parameter(
            "parts (structured append) is not available in batches: use POST /api/v1/qr",
        ));
    }
    options.normalise(limits, allowed)
}

/// A row's cells as options over `defaults`, and its `filename` cell. The cell at `caption_at`
/// is an option only if its column is one.
pub(super) fn row_options(
    columns: &[String],
    record: &csv::StringRecord,
    defaults: &Map<String, Value>,
    caption_at: Option<usize>,
) -> Result<(Option<String>, Map<String, Value>), Refusal> {
    let mut options = defaults.clone();
    let mut filename = None;
    for (at, (column, cell)) in columns.iter().zip(record.iter()).enumerate() {
        if cell.trim().is_empty() {
            continue;
        }
        if Some(at) == caption_at
            && column != "filename"
            && !QR_OPTION_NAMES.contains(&column.as_str())
        {
            continue;
        }
        if column == "filename" {
            filename = Some(cell.to_owned());
            continue;
        }
        let value = option_value(column, cell)?;
        options.insert(column.clone(), value);
    }
    Ok((filename, options))
}

/// The option value a CSV cell (or a `NAME=VALUE` default) stands for: a whole number, yes/no,
/// or text, as the column's option takes it. `name` must be one of [`QR_OPTION_NAMES`].
pub fn option_value(name: &str, cell: &str) -> Result<Value, Refusal> {
    if !QR_OPTION_NAMES.contains(&name) {
        return Err(Refusal::parameter(format!(
            "unknown option {name:?}; options are {}",
            QR_OPTION_NAMES.join(", ")
        )));
    }
    Ok(if NUMBER_COLUMNS.contains(&name) {
        let n: u64 = cell
            .trim()
            .parse()
            .map_err(|_| Refusal::parameter(format!("{name}: {cell:?} is not a whole number")))?;
        json!(n)
    } else if DECIMAL_COLUMNS.contains(&name) {
        let x: f64 = cell
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite())
            .ok_or_else(|| Refusal::parameter(format!("{name}: {cell:?} is not a number")))?;
        json!(x)
    } else if OBJECT_COLUMNS.contains(&name) {
        match serde_json::from_str::<Value>(cell) {
            Ok(object @ Value::Object(_)) => object,
            _ => {
                return Err(Refusal::parameter(format!(
                    "{name}: {cell:?} is not a JSON object such as {{\"type\": \"url\", …}}"
                )))
            }
        }
    } else if BOOL_COLUMNS.contains(&name) {
        match cell.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => json!(true),
            "false" | "no" | "0" => json!(false),
            _ => {
                return Err(Refusal::parameter(format!(
                    "{name}: {cell:?} is not yes or no"
                )))
            }
        }
    } else if name == "text" || name == "data" {
        // The payload is kept exactly, spaces included.
        json!(cell)
    } else {
        json!(cell.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell for every option, as a spreadsheet would hold it: each must become a value the
    /// option's type takes, so a new option cannot be added without saying how its cells read.
    #[test]
    fn every_option_reads_from_a_cell() {
        let cells = [
            ("text", "hello"),
            ("data", "hello"),
            ("data_base64", "aGVsbG8="),
            (
                "payload",
                r#"{"type": "url", "url": "https://example.com"}"#,
            ),
            ("format", "svg"),
            ("ec", "M"),
            ("ecc", "M"),
            ("ec_level", "M"),
            ("ecLevel", "M"),
            ("version", "5"),
            ("micro", "no"),
            ("rmqr", "no"),
            ("mask", "3"),
            ("mode", "byte"),
            ("eci", "26"),
            ("boost_ec", "yes"),
            ("scale", "4"),
            ("size", "300"),
            ("border", "2"),
            ("margin", "2"),
            ("fg", "#000000"),
            ("color", "#000000"),
            ("dark", "#000000"),
            ("bg", "#ffffff"),
            ("bgcolor", "#ffffff"),
            ("light", "#ffffff"),
            ("dpi", "300"),
            ("parts", "1"),
            ("module_shape", "dot"),
            ("eye_shape", "rounded"),
            ("eye_inner_shape", "dot"),
            ("eye_color", "#000000"),
            ("eye_inner_color", "#000000"),
            ("logo", "aGVsbG8="),
            ("logo_size", "0.2"),
            ("logo_margin", "1"),
            ("auto_ec", "yes"),
            ("verify", "no"),
        ];
        let named: Vec<&str> = cells.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            named, QR_OPTION_NAMES,
            "one cell per option, in the list's order"
        );
        for (name, cell) in cells {
            let value = option_value(name, cell).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            let options = Map::from_iter([(name.to_owned(), value)]);
            let read = serde_json::from_value::<QrOptions>(Value::Object(options));
            assert!(read.is_ok(), "{name} = {cell:?}: {read:?}");
        }
    }

    #[test]
    fn a_cell_that_is_not_its_options_type_is_refused_by_name() {
        for (name, cell) in [
            ("logo_size", "big"),
            ("logo_size", "NaN"),
            ("verify", "maybe"),
            ("logo_margin", "-1"),
            ("payload", "wifi"),
            ("payload", "[1]"),
        ] {
            let refused = option_value(name, cell).expect_err(name);
            assert!(format!("{refused:?}").contains(name), "{refused:?}");
        }
    }
}
