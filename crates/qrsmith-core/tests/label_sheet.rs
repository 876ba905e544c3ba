//! Label sheets as a printer would see them: the PDF is rasterised by poppler's `pdftoppm` (an
//! independent PDF renderer; `scripts/bootstrap` installs it) and every page is read back with
//! the library's decoder, which must find every code that was put on the sheet, exactly once.

mod common;

use std::collections::BTreeSet;

use qrsmith_core::{
    decode, encode_text, DecodeOptions, EncodeOptions, LabelSheet, LabelSheetWriter, PageSize,
};

/// Every text read on every page, with how many times each was read.
fn read_all(pages: &[Vec<u8>]) -> Vec<String> {
    pages
        .iter()
        .flat_map(|png| decode(png, &DecodeOptions::default()).unwrap().symbols)
        .map(|s| s.text)
        .collect()
}

#[test]
fn every_code_on_a_letter_sheet_reads_back() {
    let dir = common::scratch_dir("labels-letter");
    let texts: Vec<String> = (1..=70)
        .map(|n| format!("https://qrsmith.example/asset/{n:05}"))
        .collect();
    let sheet = LabelSheet {
        page: PageSize::Letter,
        rows: 6,
        columns: 4,
        margin_mm: 12.0,
        ..LabelSheet::default()
    };
    let mut writer = LabelSheetWriter::new(sheet).unwrap();
    for (n, text) in texts.iter().enumerate() {
        let code = encode_text(text, &EncodeOptions::default()).unwrap();
        // Long and non-Latin captions must neither break the page nor cover a code.
        let caption = match n % 3 {
            0 => format!("Asset {n} — Café"),
            1 => format!("Asset {n}: a caption far too long to fit under its code at all"),
            _ => format!("資産 {n}"),
        };
        writer.add(&code, Some(&caption)).unwrap();
    }
    assert_eq!(writer.pages(), 3);
    let pdf = writer.finish().unwrap();
    // 36 mm codes of 45 modules (version 5 and the quiet zone): 3 px a module at 100 dpi.
    let pages = common::rasterise_pdf(&pdf, &dir, 100);
    assert_eq!(pages.len(), 3);
    let read = read_all(&pages);
    let unique: BTreeSet<String> = read.iter().cloned().collect();
    assert_eq!(read.len(), texts.len(), "each code read once");
    assert_eq!(unique, texts.into_iter().collect::<BTreeSet<_>>());
}
