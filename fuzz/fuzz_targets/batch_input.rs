//! Arbitrary bytes as a batch's input file, sniffed as the service does: a ZIP (decode batch)
//! when it starts with a ZIP signature, else a generate batch's CSV. Either the whole file is
//! refused with a clear error, or it is read within its bounds: for a ZIP, the file count and
//! uncompressed bytes, whatever the archive claims, with bare file names; for a CSV, an item or
//! a per-row error for every row, with file names safe for any archive and unique in the batch.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use qrsmith_core::Format;
use qrsmith_server::batch::{read_generate_csv, read_zip};
use qrsmith_server::GenerationLimits;
use serde_json::Map;

const MAX_ROWS: usize = 200;
const MAX_FILES: usize = 64;
const MAX_BYTES: u64 = 1 << 20;

fn zip(data: &[u8]) {
    let Ok(files) = read_zip(data, MAX_FILES, MAX_BYTES) else {
        return;
    };
    assert!(files.len() <= MAX_FILES);
    let total: u64 = files.iter().map(|(_, bytes)| bytes.len() as u64).sum();
    assert!(total <= MAX_BYTES);
    for (name, _) in &files {
        assert!(!name.contains(['/', '\\']), "a path kept in {name:?}");
    }
}

fn csv(data: &[u8]) {
    let limits = GenerationLimits {
        max_text_bytes: 2953,
        max_output_side: 2000,
    };
    let Ok(rows) = read_generate_csv(data, &Map::new(), limits, &Format::ALL, MAX_ROWS) else {
        return;
    };
    assert!(rows.len() <= MAX_ROWS);
    let mut names = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.row, i + 1);
        let name = row.file_name();
        assert!(!name.is_empty());
        assert!(!name.contains(['/', '\\', '\0']), "unsafe name {name:?}");
        assert!(name != "." && name != "..", "unsafe name {name:?}");
        assert!(names.insert(name.clone()), "repeated name {name:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.starts_with(b"PK") {
        zip(data);
    } else {
        csv(data);
    }
});
