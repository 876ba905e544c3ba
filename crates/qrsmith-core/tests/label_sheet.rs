//! Label sheets as a printer would see them: the PDF is rasterised by poppler's `pdftoppm` (an
//! independent PDF renderer; `scripts/bootstrap` installs it) and every page is read back with
//! the library's decoder, which must find every code that was put on the sheet, exactly once.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use qrsmith_core::{
    decode, encode_text, DecodeOptions, EncodeOptions, LabelSheet, LabelSheetWriter, PageSize,
};

/// Rasterises `pdf` at `dpi` into PNGs in `dir` and returns them in page order.
fn rasterise(pdf: &[u8], dir: &Path, dpi: u32) -> Vec<Vec<u8>> {
    std::fs::create_dir_all(dir).unwrap();
    let input = dir.join("sheet.pdf");
    std::fs::write(&input, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&input)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is installed: run scripts/bootstrap");
    assert!(status.success(), "pdftoppm failed");
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

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
    let dir = std::env::temp_dir().join(format!("qrsmith-labels-{}", std::process::id()));
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
    let pages = rasterise(&pdf, &dir, 100);
    assert_eq!(pages.len(), 3);
    let read = read_all(&pages);
    let unique: BTreeSet<String> = read.iter().cloned().collect();
    assert_eq!(read.len(), texts.len(), "each code read once");
    assert_eq!(unique, texts.into_iter().collect::<BTreeSet<_>>());
    std::fs::remove_dir_all(&dir).ok();
}
