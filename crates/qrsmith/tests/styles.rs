//! `qrsmith encode` with styles, a logo and verification: the files read back (with our
//! `decode` command and with ZBar), the scan margin is printed, bad flags exit 2.

mod common;

use std::path::Path;
use std::process::Command;

use common::{path_str, qrsmith, scratch};

fn zbar(path: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--raw", "-q", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .expect("zbarimg runs (apt-get install zbar-tools)");
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

#[test]
fn styled_png_with_a_logo_reads_back_and_prints_its_margin() {
    let dir = scratch("cli_styled_logo");
    let logo = dir.join("logo.svg");
    std::fs::write(
        &logo,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="5" fill="#e63946"/></svg>"##,
    )
    .unwrap();
    let png = dir.join("styled.png");
    let text = "https://example.com/cli-style";
    let out = qrsmith(&[
        "encode",
        text,
        "-o",
        path_str(&png),
        "--ec",
        "m",
        "--module-shape",
        "dot",
        "--eye-shape",
        "circle",
        "--eye-color",
        "#1d3557",
        "--logo",
        path_str(&logo),
        "--logo-size",
        "0.3",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("scan margin: 5/5 passed=as_generated"),
        "{err}"
    );
    assert!(
        err.contains("adjusted: raised error correction from M to H"),
        "{err}"
    );
    let read = qrsmith(&["decode", path_str(&png)]);
    assert_eq!(String::from_utf8_lossy(&read.stdout).trim_end(), text);
    assert_eq!(zbar(&png), text);

    // SVG: the same flags, rasterised by rsvg-convert for ZBar.
    let svg = dir.join("styled.svg");
    let out = qrsmith(&[
        "encode",
        text,
        "-o",
        path_str(&svg),
        "--module-shape",
        "rounded",
        "--logo",
        path_str(&logo),
    ]);
    assert!(out.status.success());
    let raster = dir.join("styled-svg.png");
    let status = Command::new("rsvg-convert")
        .arg("-o")
        .arg(&raster)
        .arg(&svg)
        .status()
        .expect("rsvg-convert runs (apt-get install librsvg2-bin)");
    assert!(status.success());
    assert_eq!(zbar(&raster), text);
}

#[test]
fn bad_style_flags_exit_2_with_a_reason() {
    let dir = scratch("cli_styled_errors");
    let cases: [(&[&str], &str); 4] = [
        (&["--module-shape", "star"], "module shape"),
        (&["--eye-shape", "oval"], "eye shape"),
        (&["--module-shape", "dot", "--format", "pdf"], "PNG or SVG"),
        (&["--logo", "/nonexistent/logo.png"], "cannot read the logo"),
    ];
    for (flags, needle) in cases {
        let mut args = vec!["encode", "x", "-o"];
        let out_path = dir.join("x.png");
        args.push(path_str(&out_path));
        args.extend_from_slice(flags);
        let out = qrsmith(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {err}");
        assert!(err.contains(needle), "{flags:?}: {err}");
    }
}
