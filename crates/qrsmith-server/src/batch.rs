//! Batch files, in one format for `qrsmith batch` and the service's batch jobs:
//!
//! - generate: a CSV of rows (a `text` column, an optional `filename` column, and any option of
//!   `POST /api/v1/qr` as further columns) → a ZIP of images plus `manifest.csv` (row, filename,
//!   status, error). A bad row fails that row, not the batch.
//! - decode: many images → `results.csv` (a line per symbol) and `results.json` (every symbol's
//!   metadata per file).
//!
//! Every cell written to a CSV output is neutralised against formula injection: QR payloads,
//! file names and messages come from outside, and a spreadsheet runs a cell that starts with `=`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{Read, Seek, Write};

use axum::http::StatusCode;
use qrsmith_core::{Decoded, Format};
use serde_json::{json, Map, Value};

use crate::error::ApiError;
use crate::generation::{Generated, Generation, GenerationLimits, QrOptions, QR_OPTION_NAMES};

/// Columns whose cells are whole numbers.
const NUMBER_COLUMNS: &[&str] = &["mask", "eci", "scale", "border", "margin", "dpi", "parts"];
/// Columns whose cells are yes/no.
const BOOL_COLUMNS: &[&str] = &["micro", "boost_ec"];
/// Longest file name kept from a `filename` cell, in characters (the extension comes on top).
const MAX_NAME_CHARS: usize = 100;

/// One data row of a generate CSV, ready to run (or already failed).
#[derive(Debug)]
pub struct GenerateRow {
    /// 1-based number of the data row (the header is row 0).
    pub row: usize,
    /// The file name in the ZIP, without extension; unique within the batch.
    pub name: String,
    /// The normalised request, or why this row cannot be generated.
    pub generation: Result<Generation, ApiError>,
}

/// Reads a generate CSV. `defaults` are options applied where a row leaves a column out or
/// empty. Whole-file problems (no `text` column, an unknown column, more than `max_rows` rows)
/// are an error; a bad row is an `Err` in that row.
pub fn read_generate_csv(
    input: impl Read,
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    allowed: &[Format],
    max_rows: usize,
) -> Result<Vec<GenerateRow>, ApiError> {
    let invalid = |message: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_csv", message);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the CSV header: {e}")))?
        .clone();
    let columns: Vec<String> = headers.iter().map(str::to_ascii_lowercase).collect();
    for column in &columns {
        if column != "filename" && !QR_OPTION_NAMES.contains(&column.as_str()) {
            return Err(invalid(format!(
                "unknown column {column:?}; columns are text (or data), filename, and the options \
                 of POST /api/v1/qr: {}",
                QR_OPTION_NAMES.join(", ")
            )));
        }
    }
    if !columns
        .iter()
        .any(|c| matches!(c.as_str(), "text" | "data" | "data_base64"))
    {
        return Err(invalid(
            "the CSV needs a text column (or data, or data_base64)".into(),
        ));
    }
    let mut names = UniqueNames::default();
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let row = index + 1;
        if row > max_rows {
            return Err(ApiError::too_large(format!(
                "the CSV has more than {max_rows} rows, the most one batch may hold"
            )));
        }
        let outcome = record
            .map_err(|e| ApiError::bad_parameter(format!("row {row}: {e}")))
            .and_then(|record| row_options(&columns, &record, defaults));
        let (filename, generation) = match outcome {
            Ok((filename, options)) => {
                let generation = serde_json::from_value::<QrOptions>(Value::Object(options))
                    .map_err(|e| ApiError::bad_parameter(e.to_string()))
                    .and_then(|o| o.normalise(limits, allowed));
                (filename, generation)
            }
            Err(e) => (None, Err(e)),
        };
        let name = names.claim(filename.as_deref().map(safe_name), row);
        rows.push(GenerateRow {
            row,
            name,
            generation,
        });
    }
    Ok(rows)
}

/// A row's cells as options over `defaults`, and its `filename` cell.
fn row_options(
    columns: &[String],
    record: &csv::StringRecord,
    defaults: &Map<String, Value>,
) -> Result<(Option<String>, Map<String, Value>), ApiError> {
    let mut options = defaults.clone();
    let mut filename = None;
    for (column, cell) in columns.iter().zip(record.iter()) {
        if cell.trim().is_empty() {
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
pub fn option_value(name: &str, cell: &str) -> Result<Value, ApiError> {
    if !QR_OPTION_NAMES.contains(&name) {
        return Err(ApiError::bad_parameter(format!(
            "unknown option {name:?}; options are {}",
            QR_OPTION_NAMES.join(", ")
        )));
    }
    Ok(if NUMBER_COLUMNS.contains(&name) {
        let n: u64 = cell.trim().parse().map_err(|_| {
            ApiError::bad_parameter(format!("{name}: {cell:?} is not a whole number"))
        })?;
        json!(n)
    } else if BOOL_COLUMNS.contains(&name) {
        match cell.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => json!(true),
            "false" | "no" | "0" => json!(false),
            _ => {
                return Err(ApiError::bad_parameter(format!(
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

/// A file name made safe for any archive and file system: letters, digits, `.`, `-`, `_` and
/// spaces kept, anything else (path separators included) replaced by `_`, no leading dots.
fn safe_name(raw: &str) -> String {
    let cleaned: String = raw
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .take(MAX_NAME_CHARS)
        .collect();
    cleaned.trim_start_matches('.').trim().to_owned()
}

/// Hands out file names, each once: a name already taken gets `-2`, `-3`, … appended, and a row
/// without one is `row-N`.
#[derive(Debug, Default)]
struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    fn claim(&mut self, wanted: Option<String>, row: usize) -> String {
        let base = wanted
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("row-{row}"));
        let mut name = base.clone();
        let mut n = 1;
        while !self.taken.insert(name.to_lowercase()) {
            n += 1;
            name = format!("{base}-{n}");
        }
        name
    }
}

/// What became of one generate row.
#[derive(Debug)]
pub struct GenerateOutcome {
    /// 1-based data row.
    pub row: usize,
    /// The file name without extension.
    pub name: String,
    /// The images, or the error that stopped the row.
    pub result: Result<Generated, ApiError>,
}

/// Writes the ZIP of a generate batch: each row's image (`name.ext`, or `name-1.ext`, … for a
/// structured-append sequence) and `manifest.csv` with one line per row.
pub fn write_generate_zip<W: Write + Seek>(
    writer: W,
    outcomes: &[GenerateOutcome],
) -> std::io::Result<W> {
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(writer);
    let mut manifest = csv::Writer::from_writer(Vec::new());
    manifest.write_record(["row", "filename", "status", "error_code", "error"])?;
    for outcome in outcomes {
        let row = outcome.row.to_string();
        match &outcome.result {
            Ok(generated) => {
                let ext = generated.format.extension();
                let mut files = Vec::new();
                for (i, image) in generated.images.iter().enumerate() {
                    let file = match generated.images.len() {
                        1 => format!("{}.{ext}", outcome.name),
                        _ => format!("{}-{}.{ext}", outcome.name, i + 1),
                    };
                    zip.start_file(file.as_str(), stored)?;
                    zip.write_all(&image.bytes)?;
                    files.push(file);
                }
                manifest.write_record([row.as_str(), &csv_cell(&files.join(" ")), "ok", "", ""])?;
            }
            Err(e) => {
                manifest.write_record([row.as_str(), "", "error", e.code, &csv_cell(&e.message)])?
            }
        }
    }
    let manifest = manifest.into_inner().map_err(|e| e.into_error())?;
    zip.start_file("manifest.csv", stored)?;
    zip.write_all(&manifest)?;
    Ok(zip.finish()?)
}

/// What became of one image of a decode batch.
#[derive(Debug)]
pub struct DecodeOutcome {
    /// The file's name as given (a path, or the name inside an uploaded ZIP).
    pub name: String,
    /// Everything read, or why the file could not be read: `(code, message)`.
    pub result: Result<Decoded, (&'static str, String)>,
}

/// `results.json`: per file, its status (`found`, `none` or `error`), every symbol with its
/// metadata, and the error if any.
pub fn decode_results_json(outcomes: &[DecodeOutcome]) -> Value {
    Value::Array(
        outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(d) => {
                    let mut v = crate::json::decoded(d);
                    v["file"] = json!(o.name);
                    v["status"] = json!(if d.symbols.is_empty() {
                        "none"
                    } else {
                        "found"
                    });
                    v
                }
                Err((code, message)) => json!({
                    "file": o.name,
                    "status": "error",
                    "error": {"code": code, "message": message},
                }),
            })
            .collect(),
    )
}

/// `results.csv`: one line per symbol (a file with none, or with an error, has one line), with
/// the symbol's text, format, version, EC level and corners.
pub fn decode_results_csv(outcomes: &[DecodeOutcome]) -> csv::Result<Vec<u8>> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "file",
        "status",
        "symbol",
        "text",
        "format",
        "version",
        "ec_level",
        "corners",
        "error_code",
        "error",
    ])?;
    for o in outcomes {
        let file = csv_cell(&o.name);
        match &o.result {
            Ok(d) if d.symbols.is_empty() => {
                out.write_record([&*file, "none", "", "", "", "", "", "", "", ""])?
            }
            Ok(d) => {
                for (i, s) in d.symbols.iter().enumerate() {
                    let corners = s
                        .corners
                        .iter()
                        .map(|p| format!("{:.1} {:.1}", p.x, p.y))
                        .collect::<Vec<_>>()
                        .join("; ");
                    out.write_record([
                        &*file,
                        "found",
                        &(i + 1).to_string(),
                        &csv_cell(&s.text),
                        s.symbology.name(),
                        &csv_cell(&s.version),
                        s.ec_level.as_deref().unwrap_or(""),
                        &corners,
                        "",
                        "",
                    ])?;
                }
            }
            Err((code, message)) => out.write_record([
                &*file,
                "error",
                "",
                "",
                "",
                "",
                "",
                "",
                code,
                &csv_cell(message),
            ])?,
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(std::io::Error::other(e.to_string())))
}

/// A cell that a spreadsheet shows as text: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return (OWASP's list of formula triggers) gets a leading `'`.
pub fn csv_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: GenerationLimits = GenerationLimits {
        max_text_bytes: 1000,
        max_output_side: 4096,
    };
    const FORMATS: &[Format] = &[Format::Png, Format::Svg];

    fn read(csv: &str) -> Result<Vec<GenerateRow>, ApiError> {
        read_generate_csv(csv.as_bytes(), &Map::new(), LIMITS, FORMATS, 10)
    }

    #[test]
    fn rows_become_generations_and_bad_rows_fail_alone() {
        let rows = read(
            "text,filename,ec,border,micro\n\
             hello,first,M,2,\n\
             ,empty,,,\n\
             x,third,Z,,\n\
             12345,,L,,yes\n\
             y,fifth,,two,\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 5);
        let first = rows[0].generation.as_ref().unwrap();
        assert_eq!(rows[0].name, "first");
        assert_eq!(first.render.border, 2);
        assert!(rows[1].generation.is_err(), "no text");
        assert!(rows[2].generation.is_err(), "EC level Z");
        assert_eq!(rows[3].name, "row-4");
        assert!(rows[3].generation.as_ref().unwrap().encode.micro);
        let err = rows[4].generation.as_ref().unwrap_err();
        assert!(err.message.contains("border"), "{}", err.message);
    }

    #[test]
    fn defaults_apply_where_a_row_is_silent() {
        let mut defaults = Map::new();
        defaults.insert("format".into(), json!("svg"));
        defaults.insert("border".into(), json!(1));
        let rows = read_generate_csv(
            "text,border\na,\nb,3\n".as_bytes(),
            &defaults,
            LIMITS,
            FORMATS,
            10,
        )
        .unwrap();
        let g: Vec<_> = rows
            .iter()
            .map(|r| r.generation.as_ref().unwrap())
            .collect();
        assert_eq!((g[0].format, g[0].render.border), (Format::Svg, 1));
        assert_eq!((g[1].format, g[1].render.border), (Format::Svg, 3));
    }

    #[test]
    fn whole_file_problems_are_errors() {
        assert_eq!(read("filename\na\n").unwrap_err().code, "invalid_csv");
        let unknown = read("text,colour\na,red\n").unwrap_err();
        assert!(
            unknown.message.contains("\"colour\""),
            "{}",
            unknown.message
        );
        let many = "text\n".to_owned() + &"x\n".repeat(11);
        assert_eq!(read(&many).unwrap_err().code, "payload_too_large");
    }

    #[test]
    fn file_names_are_safe_and_unique() {
        let rows = read(
            "text,filename\n\
             a,../../etc/passwd\n\
             b,C:\\\\windows\\\\x\n\
             c,same\n\
             d,Same\n\
             e,...\n",
        )
        .unwrap();
        let names: Vec<_> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "_.._etc_passwd",
                "C___windows__x",
                "same",
                "Same-2",
                "row-5"
            ]
        );
    }

    #[test]
    fn formula_triggers_are_neutralised() {
        for danger in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(danger), format!("'{danger}"));
        }
        assert_eq!(csv_cell("https://example.com"), "https://example.com");
        assert_eq!(csv_cell(""), "");
    }
}
