//! Helpers shared by the integration tests (each test binary uses some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// An output directory under Cargo's per-test scratch space, emptied first; what a test writes
/// there is kept for a look when it fails.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// Runs ZBar's `zbarimg` on one image, QR codes only, with `extra` options (`-Sbinary` for the
/// raw segment bytes), and returns what it printed; `Err` when it found nothing. Panics when
/// zbarimg is not installed.
pub fn zbarimg(path: &Path, extra: &[&str]) -> Result<Vec<u8>, String> {
    let out = match Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .args(extra)
        .arg(path)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "zbarimg not found: this test needs ZBar; install it with `apt-get install zbar-tools`"
        ),
        Err(e) => panic!("cannot run zbarimg: {e}"),
    };
    // zbarimg exits 4 when it found no symbol.
    if !out.status.success() {
        return Err(format!("zbarimg found nothing ({})", out.status));
    }
    Ok(out.stdout)
}

/// Rasterises `pdf` at `dpi` with poppler's `pdftoppm` (an independent PDF renderer;
/// `scripts/bootstrap` installs it) into greyscale PNGs in `dir`, and returns them in page
/// order.
pub fn rasterise_pdf(pdf: &[u8], dir: &Path, dpi: u32) -> Vec<Vec<u8>> {
    std::fs::create_dir_all(dir).unwrap();
    let input = dir.join("input.pdf");
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
