//! Helpers shared by the integration tests (each test binary uses some of them).
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

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

/// Runs the Python `script` with `input` as JSON on stdin and returns its stdout, parsed as JSON.
/// The interpreter is `$QRSMITH_PYTHON`, or `python3`. `packages` (`name==version ...`) are
/// named in the panic when the script cannot import them: the tests need them, as they need
/// ZBar, and `scripts/bootstrap` installs them.
pub fn python(script: &str, input: &Value, packages: &str) -> Value {
    let interpreter = std::env::var("QRSMITH_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut child = match Command::new(&interpreter)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => panic!("cannot run {interpreter}: {e}; set QRSMITH_PYTHON to a Python 3"),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("ModuleNotFoundError") {
        panic!(
            "{stderr}\nthis test needs {packages}: `{interpreter} -m pip install {packages}` (scripts/bootstrap does it)"
        );
    }
    assert!(out.status.success(), "{interpreter} failed: {stderr}");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"))
}
