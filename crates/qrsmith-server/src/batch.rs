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
use crate::generation::{Generation, GenerationLimits, QrOptions, QR_OPTION_NAMES};

/// Columns whose cells are whole numbers.
const NUMBER_COLUMNS: &[&str] = &["mask", "eci", "scale", "border", "margin", "dpi", "parts"];
/// Columns whose cells are yes/no.
const BOOL_COLUMNS: &[&str] = &["micro", "boost_ec"];
/// Longest file name kept from a `filename` cell, in characters (the extension comes on top).
const MAX_NAME_CHARS: usize = 100;

/// The files of a ZIP (a decode batch), at most `max_files` of them and `max_total_bytes`
/// uncompressed in all. The bound is enforced while inflating, whatever sizes the archive's
/// directory claims, so a ZIP bomb is refused after reading at most `max_total_bytes`. Only the
/// last part of each entry's name is kept (a path inside the archive says nothing about where
/// anything goes: no zip-slip); directories are skipped.
pub fn read_zip(
    bytes: &[u8],
    max_files: usize,
    max_total_bytes: u64,
) -> Result<Vec<(String, Vec<u8>)>, ApiError> {
    let invalid = |e: zip::result::ZipError| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_zip",
            format!("unreadable ZIP: {e}"),
        )
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(invalid)?;
    let mut budget = max_total_bytes;
    let mut files = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(invalid)?;
        if entry.is_dir() {
            continue;
        }
        if files.len() >= max_files {
            return Err(ApiError::too_large(format!(
                "the ZIP holds more than {max_files} files, the most one job may hold"
            )));
        }
        let name = entry
            .name()
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .to_owned();
        let mut content = Vec::new();
        entry
            .take(budget.saturating_add(1))
            .read_to_end(&mut content)
            .map_err(|e| ApiError::bad_parameter(format!("unreadable ZIP entry {name:?}: {e}")))?;
        let size = content.len() as u64;
        if size > budget {
            return Err(ApiError::too_large(format!(
                "the ZIP's files come to more than {max_total_bytes} bytes uncompressed"
            )));
        }
        budget -= size;
        files.push((name, content));
    }
    Ok(files)
}

/// One data row of a generate CSV, ready to run (or already failed).
#[derive(Debug)]
pub struct GenerateRow {
    /// 1-based number of the data row (the header is row 0).
    pub row: usize,
    /// The file name in the ZIP, without extension; unique within the batch.
    pub name: String,
    /// The row's options over the defaults, as given (what a job stores to run later).
    pub options: Map<String, Value>,
    /// The normalised request, or why this row cannot be generated.
    pub generation: Result<Generation, ApiError>,
}

impl GenerateRow {
    /// The row's file name with its format's extension.
    pub fn file_name(&self) -> String {
        match &self.generation {
            Ok(g) => format!("{}.{}", self.name, g.format.extension()),
            Err(_) => self.name.clone(),
        }
    }
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
        let (filename, options, generation) = match outcome {
            Ok((filename, options)) => {
                let generation = normalise(&options, limits, allowed);
                (filename, options, generation)
            }
            Err(e) => (None, Map::new(), Err(e)),
        };
        let name = names.claim(filename.as_deref().map(safe_name), row);
        rows.push(GenerateRow {
            row,
            name,
            options,
            generation,
        });
    }
    Ok(rows)
}

/// Generate rows from JSON items (`{"text": …, "filename": …, …options}`), each over
/// `defaults`: the JSON form of a generate batch. More than `max_rows` items is an error; an
/// item that is not an object, or whose options are bad, fails alone.
pub fn read_generate_items(
    items: &[Value],
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    allowed: &[Format],
    max_rows: usize,
) -> Result<Vec<GenerateRow>, ApiError> {
    if items.len() > max_rows {
        return Err(ApiError::too_large(format!(
            "{} items, more than the {max_rows} one batch may hold",
            items.len()
        )));
    }
    let mut names = UniqueNames::default();
    Ok(items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let row = index + 1;
            let (filename, options, generation) = match item {
                Value::Object(fields) => {
                    let mut options = defaults.clone();
                    let mut filename = None;
                    for (k, v) in fields {
                        if k == "filename" {
                            filename = v.as_str().map(safe_name);
                        } else {
                            options.insert(k.clone(), v.clone());
                        }
                    }
                    let generation = normalise(&options, limits, allowed);
                    (filename, options, generation)
                }
                _ => (
                    None,
                    Map::new(),
                    Err(ApiError::bad_parameter(format!(
                        "item {row}: expected an object such as {{\"text\": \"…\"}}"
                    ))),
                ),
            };
            GenerateRow {
                row,
                name: names.claim(filename, row),
                options,
                generation,
            }
        })
        .collect())
}

/// Options (as JSON) to a normalised generation of one image: a batch writes one file per row,
/// so structured append (`parts`) is refused here.
pub fn normalise(
    options: &Map<String, Value>,
    limits: GenerationLimits,
    allowed: &[Format],
) -> Result<Generation, ApiError> {
    let options = serde_json::from_value::<QrOptions>(Value::Object(options.clone()))
        .map_err(|e| ApiError::bad_parameter(e.to_string()))?;
    if options.parts.is_some_and(|p| p > 1) {
        return Err(ApiError::bad_parameter(
            "parts (structured append) is not available in batches: use POST /api/v1/qr",
        ));
    }
    options.normalise(limits, allowed)
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

/// Writes the ZIP of a generate batch one row at a time: each row's image, then
/// `manifest.csv` with one line per row when finished.
pub struct GenerateZip<W: Write + Seek> {
    zip: zip::ZipWriter<W>,
    manifest: csv::Writer<Vec<u8>>,
}

impl<W: Write + Seek> GenerateZip<W> {
    /// Starts the archive.
    pub fn new(writer: W) -> std::io::Result<Self> {
        let mut manifest = csv::Writer::from_writer(Vec::new());
        manifest.write_record(["row", "filename", "status", "error_code", "error"])?;
        Ok(GenerateZip {
            zip: zip::ZipWriter::new(writer),
            manifest,
        })
    }

    fn stored() -> zip::write::SimpleFileOptions {
        // Images are compressed already.
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored)
    }

    /// Adds row `row` (1-based), written as `file`.
    pub fn add_file(&mut self, row: usize, file: &str, bytes: &[u8]) -> std::io::Result<()> {
        self.zip.start_file(file, Self::stored())?;
        self.zip.write_all(bytes)?;
        self.manifest
            .write_record([row.to_string().as_str(), &csv_cell(file), "ok", "", ""])?;
        Ok(())
    }

    /// Records that row `row` failed.
    pub fn add_error(&mut self, row: usize, code: &str, message: &str) -> std::io::Result<()> {
        self.manifest.write_record([
            row.to_string().as_str(),
            "",
            "error",
            &csv_cell(code),
            &csv_cell(message),
        ])?;
        Ok(())
    }

    /// Writes `manifest.csv` and closes the archive.
    pub fn finish(mut self) -> std::io::Result<W> {
        let manifest = self.manifest.into_inner().map_err(|e| e.into_error())?;
        self.zip.start_file("manifest.csv", Self::stored())?;
        self.zip.write_all(&manifest)?;
        Ok(self.zip.finish()?)
    }
}

/// One file's entry of `results.json`: its name, its status (`found`, `none` or `error`),
/// every symbol with its metadata, or the error: `(code, message)`.
pub fn decode_file_json(name: &str, result: Result<&Decoded, (&str, &str)>) -> Value {
    match result {
        Ok(d) => {
            let mut v = crate::json::decoded(d);
            v["file"] = json!(name);
            v["status"] = json!(if d.symbols.is_empty() {
                "none"
            } else {
                "found"
            });
            v
        }
        Err((code, message)) => json!({
            "file": name,
            "status": "error",
            "error": {"code": code, "message": message},
        }),
    }
}

/// `results.csv` from the entries of `results.json`: one line per symbol (a file with none, or
/// with an error, has one line), with the symbol's text, format, version, EC level and corners.
pub fn decode_results_csv(files: &[Value]) -> csv::Result<Vec<u8>> {
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
    let text = |v: &Value| v.as_str().unwrap_or("").to_owned();
    for f in files {
        let file = text(&f["file"]);
        let file = csv_cell(&file);
        let symbols = f["results"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        match f["status"].as_str() {
            Some("found") => {
                for (i, s) in symbols.iter().enumerate() {
                    let corners = s["corners"]
                        .as_array()
                        .map(|c| {
                            c.iter()
                                .map(|p| format!("{} {}", p[0], p[1]))
                                .collect::<Vec<_>>()
                                .join("; ")
                        })
                        .unwrap_or_default();
                    out.write_record([
                        &*file,
                        "found",
                        &(i + 1).to_string(),
                        &csv_cell(&text(&s["text"])),
                        &text(&s["format"]),
                        &csv_cell(&text(&s["version"])),
                        &text(&s["ec_level"]),
                        &corners,
                        "",
                        "",
                    ])?;
                }
            }
            Some("error") => out.write_record([
                &*file,
                "error",
                "",
                "",
                "",
                "",
                "",
                "",
                &csv_cell(&text(&f["error"]["code"])),
                &csv_cell(&text(&f["error"]["message"])),
            ])?,
            _ => out.write_record([&*file, "none", "", "", "", "", "", "", "", ""])?,
        }
    }
    out.into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// Writes the ZIP of a decode batch: `results.csv` and `results.json` from the files' entries.
pub fn write_decode_zip<W: Write + Seek>(writer: W, files: &[Value]) -> std::io::Result<W> {
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(writer);
    zip.start_file("results.csv", stored)?;
    zip.write_all(&decode_results_csv(files)?)?;
    zip.start_file("results.json", stored)?;
    serde_json::to_writer_pretty(&mut zip, files)?;
    Ok(zip.finish()?)
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
