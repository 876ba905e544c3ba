//! Batch files, in one format for `qrsmith batch` and the service's batch jobs:
//!
//! - generate: a CSV of rows (a `text` column, an optional `filename` column, and any option of
//!   `POST /api/v1/qr` as further columns) → a ZIP of images plus `manifest.csv` (row, filename,
//!   status, error). A bad row fails that row, not the batch.
//! - decode: many images → `results.csv` (a line per symbol) and `results.json` (every symbol's
//!   metadata per file).
//! - labels: the rows of a generate CSV (or JSON items) → one label-sheet PDF, the codes in a
//!   grid with a caption each from a column ([`LabelOptions`]); rows that fail are left out and
//!   reported.
//!
//! Every cell written to a CSV output is neutralised against formula injection: QR payloads,
//! file names and messages come from outside, and a spreadsheet runs a cell that starts with `=`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{Read, Seek, Write};

use base64::Engine as _;
use qrsmith_core::{
    encode_bytes, encode_text, Decoded, Format, LabelSheet, LabelSheetWriter, PageSize, QrCode,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::{ErrorCode, Refusal};
use crate::generation::{Generation, GenerationLimits, Payload, QrOptions, QR_OPTION_NAMES};

/// Columns whose cells are whole numbers.
const NUMBER_COLUMNS: &[&str] = &["mask", "eci", "scale", "border", "margin", "dpi", "parts"];
/// Columns whose cells are yes/no.
const BOOL_COLUMNS: &[&str] = &["micro", "rmqr", "boost_ec"];
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
) -> Result<Vec<(String, Vec<u8>)>, Refusal> {
    let invalid = |e: zip::result::ZipError| {
        Refusal::new(ErrorCode::InvalidZip, format!("unreadable ZIP: {e}"))
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
            return Err(Refusal::too_large(format!(
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
            .map_err(|e| Refusal::parameter(format!("unreadable ZIP entry {name:?}: {e}")))?;
        let size = content.len() as u64;
        if size > budget {
            return Err(Refusal::too_large(format!(
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
    pub generation: Result<Generation, Refusal>,
    /// The row's caption on a label sheet (its caption cell), if any.
    pub caption: Option<String>,
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
) -> Result<Vec<GenerateRow>, Refusal> {
    read_csv(input, defaults, limits, allowed, max_rows, None)
}

/// Reads a generate CSV for a label sheet: as [`read_generate_csv`], and each row's caption
/// from the column `caption_column` names, or from a `caption` column when it names none. A
/// caption column that is not an option is only a caption; naming a column the CSV lacks is an
/// error.
pub fn read_label_csv(
    input: impl Read,
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    max_rows: usize,
    caption_column: Option<&str>,
) -> Result<Vec<GenerateRow>, Refusal> {
    let column = caption_column.unwrap_or(DEFAULT_CAPTION);
    read_csv(
        input,
        defaults,
        limits,
        LABEL_FORMATS,
        max_rows,
        Some((column, caption_column.is_some())),
    )
}

/// The caption column (or JSON field) of a label sheet when none is named.
pub const DEFAULT_CAPTION: &str = "caption";
/// Any format passes a label row: the sheet draws the matrix, not an image of the row's format.
const LABEL_FORMATS: &[Format] = &Format::ALL;

/// Reads a generate CSV; `caption` is the caption column (lower case or not) and whether the
/// CSV must have it.
fn read_csv(
    input: impl Read,
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    allowed: &[Format],
    max_rows: usize,
    caption: Option<(&str, bool)>,
) -> Result<Vec<GenerateRow>, Refusal> {
    let invalid = |message: String| Refusal::new(ErrorCode::InvalidCsv, message);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| invalid(format!("cannot read the CSV header: {e}")))?
        .clone();
    let columns: Vec<String> = headers.iter().map(str::to_ascii_lowercase).collect();
    let caption_at = match caption {
        Some((name, required)) => {
            let at = columns
                .iter()
                .position(|c| c.eq_ignore_ascii_case(name.trim()));
            if at.is_none() && required {
                return Err(invalid(format!(
                    "no column {name:?} for the captions; the columns are {}",
                    columns.join(", ")
                )));
            }
            at
        }
        None => None,
    };
    for (at, column) in columns.iter().enumerate() {
        if Some(at) == caption_at {
            continue;
        }
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
            return Err(Refusal::too_large(format!(
                "the CSV has more than {max_rows} rows, the most one batch may hold"
            )));
        }
        let record = record.map_err(|e| Refusal::parameter(format!("row {row}: {e}")));
        let caption = match (&record, caption_at) {
            (Ok(record), Some(at)) => record.get(at).map(str::to_owned),
            _ => None,
        };
        let outcome =
            record.and_then(|record| row_options(&columns, &record, defaults, caption_at));
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
            caption,
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
) -> Result<Vec<GenerateRow>, Refusal> {
    if items.len() > max_rows {
        return Err(Refusal::too_large(format!(
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
                    Err(Refusal::parameter(format!(
                        "item {row}: expected an object such as {{\"text\": \"…\"}}"
                    ))),
                ),
            };
            GenerateRow {
                row,
                name: names.claim(filename, row),
                options,
                generation,
                caption: None,
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
fn row_options(
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

/// How a label sheet is laid out: the `labels` object of a batch job, and the flags of
/// `qrsmith batch generate --pdf`. Every field is optional; the defaults are
/// [`LabelSheet::default`]'s (A4, 8 rows × 3 columns, 10 mm margins, 3 mm gaps, a quiet zone
/// of 4 modules, 8 pt captions).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelOptions {
    /// `a4`, `letter`, or `WIDTHxHEIGHT` in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Rows of labels per page, 1–20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u32>,
    /// Columns of labels per page, 1–20.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<u32>,
    /// Page margin on every side, in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_mm: Option<f64>,
    /// Space between labels, in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap_mm: Option<f64>,
    /// Quiet zone around each code, in modules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_zone: Option<u32>,
    /// Caption font size in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption_pt: Option<f64>,
    /// The CSV column (or JSON item field) holding each label's caption (default `caption`,
    /// when there is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption_column: Option<String>,
}

impl LabelOptions {
    /// The options from a JSON value (the `labels` field of a job).
    pub fn from_json(value: Value) -> Result<LabelOptions, Refusal> {
        serde_json::from_value(value).map_err(|e| Refusal::parameter(format!("labels: {e}")))
    }

    /// The sheet these options describe, checked: a bad page, grid, margin or cells too small
    /// for a code is a 400 `invalid_parameter` saying which.
    pub fn sheet(&self) -> Result<LabelSheet, Refusal> {
        let base = LabelSheet::default();
        let page = match &self.page {
            Some(p) => p
                .parse::<PageSize>()
                .map_err(|e| Refusal::parameter(format!("labels: {}", e.message())))?,
            None => base.page,
        };
        let sheet = LabelSheet {
            page,
            rows: self.rows.unwrap_or(base.rows),
            columns: self.columns.unwrap_or(base.columns),
            margin_mm: self.margin_mm.unwrap_or(base.margin_mm),
            gap_mm: self.gap_mm.unwrap_or(base.gap_mm),
            quiet_zone: self.quiet_zone.unwrap_or(base.quiet_zone),
            caption_pt: self.caption_pt.unwrap_or(base.caption_pt),
        };
        LabelSheetWriter::new(sheet)
            .map_err(|e| Refusal::parameter(format!("labels: {}", e.message())))?;
        Ok(sheet)
    }

    /// The options that shape the sheet, without the caption column (what a job's items keep).
    pub fn layout(&self) -> LabelOptions {
        LabelOptions {
            caption_column: None,
            ..self.clone()
        }
    }
}

/// Label rows from JSON items, as [`read_generate_items`], each item's caption taken from its
/// field `caption_field` (kept as an option too when it is one, such as `text`).
pub fn read_label_items(
    items: &[Value],
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    max_rows: usize,
    caption_field: Option<&str>,
) -> Result<Vec<GenerateRow>, Refusal> {
    let field = caption_field.unwrap_or(DEFAULT_CAPTION);
    let keep = field == "filename" || QR_OPTION_NAMES.contains(&field);
    let mut captions = Vec::with_capacity(items.len().min(max_rows));
    let stripped: Vec<Value> = items
        .iter()
        .take(max_rows.saturating_add(1))
        .map(|item| match item {
            Value::Object(fields) => {
                let mut fields = fields.clone();
                let caption = if keep {
                    fields.get(field).cloned()
                } else {
                    fields.remove(field)
                };
                captions.push(caption.map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                }));
                Value::Object(fields)
            }
            other => {
                captions.push(None);
                other.clone()
            }
        })
        .collect();
    if items.len() > max_rows {
        return Err(Refusal::too_large(format!(
            "{} items, more than the {max_rows} one batch may hold",
            items.len()
        )));
    }
    let mut rows = read_generate_items(&stripped, defaults, limits, LABEL_FORMATS, max_rows)?;
    for (row, caption) in rows.iter_mut().zip(captions) {
        row.caption = caption;
    }
    Ok(rows)
}

/// The symbol of a label row (the payload encoded with the row's encoder options; how the row
/// would render an image does not matter on a sheet).
pub fn encode_label(generation: &Generation) -> qrsmith_core::Result<QrCode> {
    match &generation.payload {
        Payload::Text(t) => encode_text(t, &generation.encode),
        Payload::Bytes(b) => encode_bytes(b, &generation.encode),
    }
}

/// A label job's item as stored: the row's options, its caption and the sheet's layout.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelItem {
    /// The row's options over the defaults, as for a generate item.
    pub options: Map<String, Value>,
    /// The row's caption.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// The sheet's layout.
    pub sheet: LabelOptions,
}

/// One finished label as a job stores it until the sheet is written: the sheet's layout, the
/// caption and the module matrix (`width` × `height` modules, one bit each, row by row, base64).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredLabel {
    /// The sheet's layout (the same in every item of a job).
    pub sheet: LabelOptions,
    /// The caption, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caption: Option<String>,
    /// Modules across.
    pub width: usize,
    /// Modules down, for an rMQR symbol; absent for a square one (and in labels stored before
    /// rMQR could be drawn on a sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<usize>,
    /// The matrix, packed 8 modules a byte (most significant bit first), base64.
    pub modules: String,
}

impl StoredLabel {
    /// The label of `code`.
    pub fn new(sheet: LabelOptions, caption: Option<String>, code: &QrCode) -> StoredLabel {
        let (width, height) = (code.width(), code.height());
        let mut packed = vec![0u8; (width * height).div_ceil(8)];
        for y in 0..height {
            for (x, &m) in code.row(y).iter().enumerate() {
                if m != 0 {
                    let i = y * width + x;
                    packed[i / 8] |= 0x80 >> (i % 8);
                }
            }
        }
        StoredLabel {
            sheet,
            caption,
            width,
            height: (height != width).then_some(height),
            modules: base64::engine::general_purpose::STANDARD.encode(packed),
        }
    }

    /// Modules down.
    pub fn height(&self) -> usize {
        self.height.unwrap_or(self.width)
    }

    /// The matrix, one byte per module (1 dark), as [`LabelSheetWriter::add_matrix`] takes it.
    pub fn matrix(&self) -> Result<Vec<u8>, String> {
        let packed = base64::engine::general_purpose::STANDARD
            .decode(&self.modules)
            .map_err(|e| format!("stored label unreadable: {e}"))?;
        let n = self.width * self.height();
        if packed.len() != n.div_ceil(8) {
            return Err(format!(
                "stored label of {} bytes is not {} x {} modules",
                packed.len(),
                self.width,
                self.height()
            ));
        }
        Ok((0..n).map(|i| (packed[i / 8] >> (7 - i % 8)) & 1).collect())
    }
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

    fn read(csv: &str) -> Result<Vec<GenerateRow>, Refusal> {
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
    fn label_rows_take_captions_from_their_column() {
        let csv = "text,name,ec\nalpha,Alpha,M\nbeta,,Z\n";
        let rows = read_label_csv(csv.as_bytes(), &Map::new(), LIMITS, 10, Some("Name")).unwrap();
        assert_eq!(rows[0].caption.as_deref(), Some("Alpha"));
        assert_eq!(rows[1].caption.as_deref(), Some(""));
        assert!(rows[0].generation.is_ok() && rows[1].generation.is_err());
        // Without a name: a caption column if there is one, else none; a named one must exist.
        let rows = read_label_csv(
            "text,caption\nx,X\n".as_bytes(),
            &Map::new(),
            LIMITS,
            10,
            None,
        )
        .unwrap();
        assert_eq!(rows[0].caption.as_deref(), Some("X"));
        let rows = read_label_csv("text\nx\n".as_bytes(), &Map::new(), LIMITS, 10, None).unwrap();
        assert_eq!(rows[0].caption, None);
        let err = read_label_csv("text\nx\n".as_bytes(), &Map::new(), LIMITS, 10, Some("nom"));
        assert_eq!(err.unwrap_err().code, "invalid_csv");
        // The caption may be an option column too: it stays the payload.
        let rows = read_label_csv(
            "text\nhello\n".as_bytes(),
            &Map::new(),
            LIMITS,
            10,
            Some("text"),
        )
        .unwrap();
        assert_eq!(rows[0].caption.as_deref(), Some("hello"));
        assert!(rows[0].generation.is_ok());
        // Still an unknown column when not the caption one.
        assert!(read("text,caption\nx,X\n").is_err());
    }

    #[test]
    fn label_items_and_stored_labels_round_trip() {
        let items = vec![
            json!({"text": "one", "label": "One"}),
            json!({"text": "two"}),
            json!("not an object"),
        ];
        let rows = read_label_items(&items, &Map::new(), LIMITS, 10, Some("label")).unwrap();
        assert_eq!(rows[0].caption.as_deref(), Some("One"));
        assert!(
            rows[0].generation.is_ok(),
            "the caption field is not an option"
        );
        assert_eq!(rows[1].caption, None);
        assert!(rows[2].generation.is_err());
        let many = vec![json!({"text": "x"}); 11];
        let err = read_label_items(&many, &Map::new(), LIMITS, 10, None).unwrap_err();
        assert_eq!(err.code, "payload_too_large");

        let code = encode_label(rows[0].generation.as_ref().unwrap()).unwrap();
        let stored = StoredLabel::new(LabelOptions::default(), Some("One".into()), &code);
        let back: StoredLabel =
            serde_json::from_slice(&serde_json::to_vec(&stored).unwrap()).unwrap();
        let matrix = back.matrix().unwrap();
        let width = code.width();
        assert_eq!(back.width, width);
        for y in 0..width {
            assert_eq!(&matrix[y * width..(y + 1) * width], code.row(y), "row {y}");
        }
    }

    #[test]
    fn an_rmqr_label_is_stored_as_its_rectangle() {
        let rows = read_label_items(
            &[json!({"text": "12345", "rmqr": true})],
            &Map::new(),
            LIMITS,
            10,
            None,
        )
        .unwrap();
        let code = encode_label(rows[0].generation.as_ref().unwrap()).unwrap();
        assert_eq!((code.width(), code.height()), (27, 11));
        let stored = StoredLabel::new(LabelOptions::default(), None, &code);
        let back: StoredLabel =
            serde_json::from_slice(&serde_json::to_vec(&stored).unwrap()).unwrap();
        assert_eq!((back.width, back.height()), (27, 11));
        let matrix = back.matrix().unwrap();
        for y in 0..11 {
            assert_eq!(&matrix[y * 27..(y + 1) * 27], code.row(y), "row {y}");
        }
        // A square label stored before rMQR labels existed has no height, and still reads.
        let mut old = serde_json::to_value(&back).unwrap();
        assert!(old.get("height").is_some());
        old["width"] = json!(3);
        old.as_object_mut().unwrap().remove("height");
        old["modules"] = json!(base64::engine::general_purpose::STANDARD.encode([0xff, 0x80]));
        let old: StoredLabel = serde_json::from_value(old).unwrap();
        assert_eq!(old.matrix().unwrap(), vec![1; 9]);
    }

    #[test]
    fn label_options_are_checked() {
        let sheet = LabelOptions::from_json(json!({"page": "letter", "rows": 10}))
            .unwrap()
            .sheet()
            .unwrap();
        assert_eq!(
            (sheet.page, sheet.rows, sheet.columns),
            (PageSize::Letter, 10, 3)
        );
        assert!(LabelOptions::from_json(json!({"paper": "a4"})).is_err());
        for bad in [
            json!({"rows": 0}),
            json!({"page": "b5"}),
            json!({"margin_mm": -1}),
        ] {
            let err = LabelOptions::from_json(bad).unwrap().sheet().unwrap_err();
            assert_eq!(err.code, "invalid_parameter");
        }
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
