//! Helpers shared by the binary's end-to-end tests: run `qrsmith`, read its output, make scratch
//! directories, start a server and talk HTTP to it ([`server`]). Each test file uses its own subset.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the built `qrsmith` binary with `args` and waits for it (the store variables of the
/// environment removed: a test names its store).
pub fn qrsmith(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args(args)
        .env_remove("QRSMITH_DATA_DIR")
        .env_remove("QRSMITH_REDIS")
        .output()
        .expect("qrsmith runs")
}

/// Standard output, which must be UTF-8.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

/// Standard error, lossily.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh scratch directory per test, under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A path as the `&str` an argument list wants.
pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}
