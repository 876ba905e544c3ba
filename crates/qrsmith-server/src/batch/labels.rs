//! Label sheets: the layout options, label rows and items, and the symbol a label stores.

use std::io::Read;

use base64::Engine as _;
use qrsmith_core::{
    encode_bytes, encode_text, Format, LabelSheet, LabelSheetWriter, PageSize, QrCode,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Refusal;
use crate::generation::{Content, Generation, GenerationLimits, QR_OPTION_NAMES};

use super::*;

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
pub(super) const LABEL_FORMATS: &[Format] = &Format::ALL;

/// How a label sheet is laid out: the `labels` object of a batch job, and the flags of
/// `qrsmith batch generate --pdf`. Every field is optional; the defaults are
/// [`LabelSheet::default`]'s (A4, 8 rows × 3 columns, 10 mm margins, 3 mm gaps, a quiet zone
/// of 4 modules, 8 pt captions). Its schema in the OpenAPI document is `LabelSheet`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(
    as = LabelSheet,
    description = "The layout of a label sheet; every field is optional. Each code, with its \
                   quiet zone, is fitted into its cell above its caption. Captions are set in \
                   Helvetica with the Windows-1252 character set (other characters print as ?), \
                   shrunk to fit their cell down to 60 % of caption_pt, then cut with an ellipsis."
)]
pub struct LabelOptions {
    /// `a4`, `letter`, or `WIDTHxHEIGHT` in millimetres (20 to 2000 each).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(default = "a4", examples("a4", "letter", "100x150"))]
    pub page: Option<String>,
    /// Rows of labels per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 20, default = 8)]
    pub rows: Option<u32>,
    /// Columns of labels per page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 1, maximum = 20, default = 3)]
    pub columns: Option<u32>,
    /// Page margin on every side, in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, default = 10)]
    pub margin_mm: Option<f64>,
    /// Space between labels, in millimetres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, default = 3)]
    pub gap_mm: Option<f64>,
    /// Quiet zone around each code, in modules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 0, maximum = 100, default = 4)]
    pub quiet_zone: Option<u32>,
    /// Caption font size in points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(minimum = 4, maximum = 36, default = 8)]
    pub caption_pt: Option<f64>,
    /// The item field or CSV column holding each label's caption (default `caption`, when
    /// there is one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(default = "caption")]
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
    match &generation.content {
        Content::Text(t) => encode_text(t, &generation.encode),
        Content::Bytes(b) => encode_bytes(b, &generation.encode),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::batch::test_support::*;

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
        // A null field is a left-out one, as the document's nullable fields say.
        let defaults = LabelOptions::from_json(json!({"rows": null, "page": null}))
            .unwrap()
            .sheet()
            .unwrap();
        assert_eq!((defaults.page, defaults.rows), (PageSize::A4, 8));
        for bad in [
            json!({"rows": 0}),
            json!({"page": "b5"}),
            json!({"margin_mm": -1}),
        ] {
            let err = LabelOptions::from_json(bad).unwrap().sheet().unwrap_err();
            assert_eq!(err.code, "invalid_parameter");
        }
    }
}
