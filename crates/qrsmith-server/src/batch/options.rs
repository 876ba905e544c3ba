//! Option cells: a CSV cell or JSON value turned into the typed option of `POST /api/v1/qr`
//! (numbers, yes/no), and a row's options normalised into a [`Generation`].

use qrsmith_core::Format;
use serde_json::{json, Map, Value};

use crate::error::Refusal;
use crate::generation::{Generation, GenerationLimits, QrOptions, QR_OPTION_NAMES};

/// Columns whose cells are whole numbers.
pub(super) const NUMBER_COLUMNS: &[&str] =
    &["mask", "eci", "scale", "border", "margin", "dpi", "parts"];
/// Columns whose cells are yes/no.
pub(super) const BOOL_COLUMNS: &[&str] = &["micro", "rmqr", "boost_ec"];
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
