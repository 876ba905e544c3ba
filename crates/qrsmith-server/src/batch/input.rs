//! Batch input: a generate CSV or JSON items to rows, and the files of a decode ZIP, each
//! within its limits.

use std::collections::HashSet;
use std::io::Read;

use qrsmith_core::Format;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, Refusal};
use crate::generation::{Generation, GenerationLimits, QR_OPTION_NAMES};

use super::*;

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

/// Reads a generate CSV; `caption` is the caption column (lower case or not) and whether the
/// CSV must have it.
pub(super) fn read_csv(
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

/// Longest file name kept from a `filename` cell, in characters (the extension comes on top).
const MAX_NAME_CHARS: usize = 100;

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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::batch::test_support::*;

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
}
