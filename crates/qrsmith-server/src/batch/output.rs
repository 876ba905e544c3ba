//! Batch output: safe, unique file names, the generate ZIP with its `manifest.csv`, and the
//! decode results as CSV, JSON and ZIP; every CSV cell neutralised against formula injection.

use std::borrow::Cow;
use std::io::{Seek, Write};

use qrsmith_core::Decoded;
use serde_json::{json, Value};

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

    #[test]
    fn formula_triggers_are_neutralised() {
        for danger in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(danger), format!("'{danger}"));
        }
        assert_eq!(csv_cell("https://example.com"), "https://example.com");
        assert_eq!(csv_cell(""), "");
    }
}
