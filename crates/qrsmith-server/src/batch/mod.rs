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
//!
//! The files by responsibility: [`input`] reads CSVs, JSON items and ZIPs; [`options`] turns
//! cells into options; [`labels`] holds the label-sheet layout and label items; [`output`]
//! writes ZIPs and result files.

pub mod input;
pub mod labels;
pub mod options;
pub mod output;

pub use self::input::*;
pub use self::labels::*;
pub use self::options::*;
pub use self::output::*;

/// What the tests of the batch files share: limits, formats and a CSV reader with them.
#[cfg(test)]
mod test_support {
    use qrsmith_core::Format;
    use serde_json::Map;

    use super::*;
    use crate::error::Refusal;
    use crate::generation::GenerationLimits;

    pub const LIMITS: GenerationLimits = GenerationLimits {
        max_text_bytes: 1000,
        max_output_side: 4096,
    };
    pub const FORMATS: &[Format] = &[Format::Png, Format::Svg];

    pub fn read(csv: &str) -> Result<Vec<GenerateRow>, Refusal> {
        read_generate_csv(csv.as_bytes(), &Map::new(), LIMITS, FORMATS, 10)
    }
}
