//! The `qrsmith` binary end to end: files in, files and exit codes out.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{path_str, qrsmith, scratch, stderr, stdout};

#[test]
fn png_round_trip_prints_the_text() {
    let dir = scratch("png_round_trip");
    let png = dir.join("x.png");
    let out = qrsmith(&["encode", "hello", "-o", path_str(&png)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = qrsmith(&["decode", path_str(&png)]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "hello\n");
}

#[test]
fn decode_reads_the_images_of_a_directory_in_name_order() {
    let dir = scratch("decode_directory");
    let photos = dir.join("photos");
    std::fs::create_dir_all(photos.join("nested")).unwrap();
    // Written out of name order, in two formats and upper-case extensions, beside a non-image
    // and an image in a subdirectory: only the directory's own images are read.
    for (name, text) in [
        ("c.PNG", "third"),
        ("a.png", "first"),
        ("b.svg", "not an image"),
    ] {
        let out = qrsmith(&[
            "encode",
            text,
            "-o",
            path_str(&photos.join(name)),
            "-f",
            "png",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    let out = qrsmith(&[
        "encode",
        "second",
        "-o",
        path_str(&photos.join("b.gif.png")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(photos.join("notes.txt"), "not an image").unwrap();
    let out = qrsmith(&[
        "encode",
        "nested",
        "-o",
        path_str(&photos.join("nested/d.png")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = qrsmith(&["decode", path_str(&photos)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "first\nsecond\nthird\n");

    let out = qrsmith(&["decode", "--json", path_str(&photos)]);
    let paths: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let names: Vec<&str> = paths
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    assert_eq!(names, ["a.png", "b.gif.png", "c.PNG"]);

    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let out = qrsmith(&["decode", path_str(&empty)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no images found"), "{}", stderr(&out));
}

#[test]
fn enum_flags_take_upper_and_lower_case() {
    let dir = scratch("enum_case");
    let svg = dir.join("code.svg");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qrsmith"))
        .args([
            "encode",
            "-",
            "--ec",
            "M",
            "--mode",
            "BYTE",
            "-o",
            path_str(&svg),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(b"case")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
    // Either case names the same level: the same matrix, unlike another level's.
    let matrix = |ec: &str, format: &str| {
        let out = qrsmith(&["encode", "case", "--ec", ec, "-f", format]);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    assert_eq!(matrix("M", "TXT"), matrix("m", "txt"));
    assert_ne!(matrix("M", "txt"), matrix("H", "txt"));
    let out = qrsmith(&["encode", "case", "--ec", "X", "-f", "txt"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn svg_rasterised_by_rsvg_convert_reads_back() {
    let dir = scratch("svg_round_trip");
    let svg = dir.join("x.svg");
    let png = dir.join("x.png");
    let out = qrsmith(&["encode", "svg round trip", "-o", path_str(&svg)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let status = Command::new("rsvg-convert")
        .args([
            "--background-color=white",
            "-o",
            path_str(&png),
            path_str(&svg),
        ])
        .status()
        .expect("rsvg-convert is installed (scripts/bootstrap installs librsvg2-bin)");
    assert!(status.success());
    let out = qrsmith(&["decode", path_str(&png)]);
    assert_eq!(stdout(&out), "svg round trip\n");
}

#[test]
fn txt_format_prints_the_module_matrix() {
    let out = qrsmith(&["encode", "hello", "--format", "txt"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    // "hello" at level H needs version 1: 21 modules plus a quiet zone of 4 on each side.
    assert_eq!(lines.len(), 29);
    assert!(lines
        .iter()
        .all(|l| l.len() == 29 && l.chars().all(|c| c == '0' || c == '1')));
    assert!(
        lines[..4].iter().all(|l| !l.contains('1')),
        "quiet zone on top"
    );
    // The top-left finder pattern's first row: seven dark modules after the quiet zone.
    assert_eq!(&lines[4][..12], "000011111110");
    let out = qrsmith(&["encode", "hello", "--format", "txt", "--border", "0"]);
    assert_eq!(stdout(&out).lines().count(), 21);
}

#[test]
fn rmqr_prints_a_rectangular_matrix_and_refuses_bad_options() {
    // "LOT 42" at level H: R11x27 (297 modules) is the smallest rMQR that holds it.
    let out = qrsmith(&[
        "encode", "LOT 42", "--rmqr", "--format", "txt", "--border", "2",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11 + 4);
    assert!(lines.iter().all(|l| l.len() == 27 + 4));
    let out = qrsmith(&[
        "encode",
        "LOT 42",
        "--version",
        "R7x59",
        "--ec",
        "m",
        "--format",
        "txt",
        "--border",
        "0",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 7);
    assert!(stdout(&out).lines().all(|l| l.len() == 59));
    for bad in [
        vec!["encode", "x", "--rmqr", "--ec", "l", "--format", "txt"],
        vec!["encode", "x", "--version", "R7x27", "--format", "txt"],
        vec![
            "encode",
            "x",
            "--rmqr",
            "--format",
            "png",
            "--eye-shape",
            "circle",
        ],
    ] {
        let out = qrsmith(&bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stderr(&out));
    }
}

#[test]
fn rmqr_png_svg_pdf_eps_files_are_rectangles_with_a_two_module_quiet_zone() {
    let dir = scratch("rmqr_files");
    // "LOT 42" at level H: R11x27, drawn at the default 10 px per module.
    let png = dir.join("x.png");
    let out = qrsmith(&["encode", "LOT 42", "--rmqr", "-o", path_str(&png)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), ((27 + 4) * 10, (11 + 4) * 10));
    let out = qrsmith(&["decode", "--json", path_str(&png)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json = stdout(&out);
    assert!(json.contains("\"LOT 42\""), "{json}");
    assert!(json.contains("R11x27"), "{json}");
    // An explicit --border wins.
    let out = qrsmith(&[
        "encode",
        "LOT 42",
        "--rmqr",
        "--border",
        "5",
        "-o",
        path_str(&png),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let img = image::open(&png).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        ((27 + 10) * 10, (11 + 10) * 10)
    );
    for (ext, want) in [
        ("svg", r#"width="310" height="150" viewBox="0 0 31 15""#),
        ("pdf", "/MediaBox [0 0 310 150]"),
        ("eps", "%%BoundingBox: 0 0 310 150"),
    ] {
        let file = dir.join(format!("x.{ext}"));
        let out = qrsmith(&["encode", "LOT 42", "--rmqr", "-o", path_str(&file)]);
        assert!(out.status.success(), "{ext}: {}", stderr(&out));
        let body = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(body.contains(want), "{ext}: {body}");
    }
}

#[test]
fn structured_append_writes_numbered_files_that_read_back() {
    let dir = scratch("sequence");
    let target = dir.join("s.png");
    let out = qrsmith(&[
        "encode",
        "one two three four five six",
        "--parts",
        "3",
        "-o",
        path_str(&target),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut texts = String::new();
    for i in 1..=3 {
        let file = dir.join(format!("s-{i}.png"));
        let out = qrsmith(&["decode", "--json", path_str(&file)]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = &v["results"][0];
        assert_eq!(r["structured_append"]["index"], i - 1);
        assert_eq!(r["structured_append"]["count"], 3);
        texts.push_str(r["text"].as_str().unwrap());
    }
    assert_eq!(texts, "one two three four five six");
}

#[test]
fn exit_codes_follow_ripgrep() {
    let dir = scratch("exit_codes");
    // Nothing found: an image without a code (a code drawn white on a transparent background,
    // which reads as white).
    let blank = dir.join("blank.png");
    let out = qrsmith(&[
        "encode",
        "x",
        "-o",
        path_str(&blank),
        "--fg",
        "#ffffff",
        "--bg",
        "transparent",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        qrsmith(&["decode", path_str(&blank)]).status.code(),
        Some(1)
    );
    // A code one grey level off white: the main pass alone finds nothing (exit 1); the default
    // effort's escalation reads it (exit 0).
    let faint = dir.join("faint.png");
    let out = qrsmith(&[
        "encode",
        "faint",
        "-o",
        path_str(&faint),
        "--fg",
        "#fefefe",
        "--bg",
        "#ffffff",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let fast = qrsmith(&["decode", "--effort", "fast", path_str(&faint)]);
    assert_eq!(fast.status.code(), Some(1));
    let balanced = qrsmith(&["decode", path_str(&faint)]);
    assert_eq!(balanced.status.code(), Some(0), "{}", stderr(&balanced));
    assert_eq!(String::from_utf8_lossy(&balanced.stdout).trim(), "faint");
    // An error: a file that is not an image, reported per file in JSON.
    let junk = dir.join("junk.png");
    std::fs::write(&junk, b"not an image at all").unwrap();
    let out = qrsmith(&["decode", "--json", path_str(&junk)]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "unsupported_format");
    // Bad options are errors too, with a message that says what is allowed.
    let out = qrsmith(&["encode", "x", "--version", "41", "--format", "txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("1–40"), "{}", stderr(&out));
    let too_long = "x".repeat(3000);
    let out = qrsmith(&["encode", &too_long, "--format", "txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bits"), "{}", stderr(&out));
}

/// `decode --json` over the development set reads at least zxing-cpp 3.1.1's own counts (from
/// the dataset's README) in every folder.
#[test]
fn json_decode_of_the_dev_set_meets_zxing_cpp_counts() {
    let root =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../qrsmith-core/tests/data/zxing-cpp-samples");
    let minimum = [
        ("qrcode-1", 8),
        ("qrcode-2", 50),
        ("qrcode-3", 18),
        ("qrcode-4", 15),
        ("qrcode-5", 16),
        ("qrcode-6", 15),
        ("microqrcode-1", 15),
        ("rmqrcode-1", 2),
    ];
    for (folder, min) in minimum {
        let dir = root.join(folder);
        let mut images: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                matches!(ext, "png" | "jpg" | "webp" | "gif" | "bmp")
            })
            .filter(|p| p.with_extension("txt").exists())
            .collect();
        images.sort();
        let mut args = vec!["decode", "--json"];
        args.extend(images.iter().map(|p| path_str(p)));
        let out = qrsmith(&args);
        let mut passed = 0;
        for line in stdout(&out).lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let path = PathBuf::from(v["path"].as_str().unwrap());
            let expected = std::fs::read(path.with_extension("txt")).unwrap();
            let expected = String::from_utf8_lossy(&expected);
            let found = v["results"]
                .as_array()
                .is_some_and(|r| r.iter().any(|s| s["text"] == expected.as_ref()));
            passed += usize::from(found);
        }
        assert!(
            passed >= min,
            "{folder}: {passed} read, zxing-cpp reads {min}"
        );
    }
}

/// The entries of a ZIP file, by name.
fn zip_entries(path: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read as _;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().to_owned(), bytes)
        })
        .collect()
}

#[test]
fn batch_generate_writes_every_good_row_and_a_manifest() {
    let dir = scratch("batch_generate");
    let csv = dir.join("rows.csv");
    std::fs::write(
        &csv,
        "text,filename,ec,format,border\n\
         https://example.com/1,first,M,,\n\
         \"=HYPERLINK(\"\"http://x\"\")\",../../escape,,,\n\
         ,no text,,,\n\
         vector,drawing,,svg,1\n\
         bad border,,,,two\n\
         https://example.com/1,first,,,\n",
    )
    .unwrap();
    let zip = dir.join("codes.zip");
    let out = qrsmith(&["batch", "generate", path_str(&csv), "-o", path_str(&zip)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "some rows failed: {}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("4 images of 6 rows"),
        "{}",
        stderr(&out)
    );
    let entries = zip_entries(&zip);
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    // No path leaves the archive's root; a repeated name gets a suffix.
    assert_eq!(
        names,
        [
            "_.._escape.png",
            "drawing.svg",
            "first-2.png",
            "first.png",
            "manifest.csv"
        ]
    );
    let manifest = String::from_utf8(entries["manifest.csv"].clone()).unwrap();
    let lines: Vec<&str> = manifest.lines().collect();
    assert_eq!(lines[0], "row,filename,status,error_code,error");
    assert_eq!(lines[1], "1,first.png,ok,,");
    assert!(
        lines[3].starts_with("3,,error,invalid_parameter,"),
        "{manifest}"
    );
    assert!(
        lines[5].starts_with("5,,error,invalid_parameter,"),
        "{manifest}"
    );
    assert!(lines[5].contains("border"), "{manifest}");
    assert_eq!(lines.len(), 7);

    // The images read back with their rows' texts.
    let first = dir.join("first.png");
    std::fs::write(&first, &entries["first.png"]).unwrap();
    let out = qrsmith(&["decode", path_str(&first)]);
    assert_eq!(stdout(&out), "https://example.com/1\n");

    // A whole-file problem writes nothing.
    std::fs::write(&csv, "payload\nx\n").unwrap();
    let none = dir.join("none.zip");
    let out = qrsmith(&["batch", "generate", path_str(&csv), "-o", path_str(&none)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid_csv"), "{}", stderr(&out));
    assert!(!none.exists());
}

#[test]
fn batch_generate_writes_a_thousand_codes_that_batch_decode_reads_back() {
    let dir = scratch("batch_thousand");
    let csv = dir.join("rows.csv");
    let mut rows = String::from("text,filename\n");
    for i in 0..1000 {
        rows.push_str(&format!("https://example.com/item/{i},code-{i:04}\n"));
    }
    std::fs::write(&csv, rows).unwrap();
    let zip = dir.join("codes.zip");
    let out = qrsmith(&["batch", "generate", path_str(&csv), "-o", path_str(&zip)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1000 images of 1000 rows"),
        "{}",
        stderr(&out)
    );

    let images = dir.join("images");
    std::fs::create_dir_all(&images).unwrap();
    let entries = zip_entries(&zip);
    assert_eq!(entries.len(), 1001, "1000 images and the manifest");
    for (name, bytes) in entries.iter().filter(|(n, _)| n.ends_with(".png")) {
        std::fs::write(images.join(name), bytes).unwrap();
    }
    let out = qrsmith(&["batch", "decode", path_str(&images), "--csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let mut read: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            let file = Path::new(fields[0]).file_name().unwrap();
            (file.to_string_lossy().into_owned(), fields[3].to_owned())
        })
        .collect();
    read.sort();
    assert_eq!(read.len(), 1000, "{csv:.400}");
    for (i, (file, text)) in read.iter().enumerate() {
        assert_eq!(file, &format!("code-{i:04}.png"));
        assert_eq!(text, &format!("https://example.com/item/{i}"));
    }
}

#[test]
fn batch_decode_reports_every_file_and_neutralises_formulas() {
    let dir = scratch("batch_decode");
    let images = dir.join("images");
    std::fs::create_dir_all(&images).unwrap();
    for (name, text) in [("a.png", "alpha"), ("b.png", "=1+2"), ("c.png", "gamma")] {
        let out = qrsmith(&["encode", text, "-o", path_str(&images.join(name))]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    std::fs::write(images.join("broken.png"), b"\x89PNG\r\n\x1a\nnot really").unwrap();
    std::fs::write(images.join("notes.txt"), b"not an image, not read").unwrap();

    let out = qrsmith(&["batch", "decode", path_str(&images), "--csv", "-j", "2"]);
    assert_eq!(out.status.code(), Some(2), "one file is unreadable");
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[1].contains("a.png,found,1,alpha,QRCode"), "{csv}");
    assert!(lines[2].contains("b.png,found,1,'=1+2,QRCode"), "{csv}");
    assert!(lines[3].contains("broken.png,error,"), "{csv}");
    assert!(lines[3].contains(",,corrupt_image,"), "{csv}");

    let out = qrsmith(&[
        "batch",
        "decode",
        path_str(&images.join("a.png")),
        path_str(&images.join("c.png")),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let texts: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["results"][0]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["alpha", "gamma"]);
    assert_eq!(json[0]["status"], "found");

    let zip = dir.join("results.zip");
    let out = qrsmith(&["batch", "decode", path_str(&images), "-o", path_str(&zip)]);
    assert_eq!(out.status.code(), Some(2));
    let entries = zip_entries(&zip);
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        ["results.csv", "results.json"]
    );
    let json: serde_json::Value = serde_json::from_slice(&entries["results.json"]).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 4);
    assert_eq!(json[2]["status"], "error");
}

/// Rasterises `pdf` with poppler's `pdftoppm` (scripts/bootstrap installs poppler-utils) at
/// `dpi` and returns the pages as PNGs, in order.
fn pdf_pages(pdf: &Path, dpi: u32) -> Vec<Vec<u8>> {
    let dir = pdf.with_extension("pages");
    std::fs::create_dir_all(&dir).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(pdf)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm is installed (scripts/bootstrap installs poppler-utils)");
    assert!(status.success(), "pdftoppm failed on {}", pdf.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn batch_generate_pdf_puts_500_rows_on_label_pages_that_all_read_back() {
    let dir = scratch("batch_labels_500");
    let csv = dir.join("rows.csv");
    let mut rows = String::from("text,name\n");
    let mut texts = std::collections::BTreeSet::new();
    for i in 1..=500 {
        let text = format!("https://qrsmith.example/label/{i:04}");
        rows.push_str(&format!("{text},Label #{i} — Ünïcode 名\n"));
        texts.insert(text);
    }
    std::fs::write(&csv, rows).unwrap();
    let pdf = dir.join("labels.pdf");
    let out = qrsmith(&[
        "batch",
        "generate",
        path_str(&csv),
        "--pdf",
        path_str(&pdf),
        "--page",
        "a4",
        "--rows",
        "10",
        "--columns",
        "5",
        "--margin-mm",
        "8",
        "--caption-column",
        "name",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("500 labels of 500 rows on 10 pages"),
        "{}",
        stderr(&out)
    );

    // 21.6 mm codes of 41 modules (version 4 and the quiet zone): 4 px a module at 200 dpi.
    let pages = pdf_pages(&pdf, 200);
    assert_eq!(pages.len(), 10);
    let mut read = Vec::new();
    for (n, page) in pages.iter().enumerate() {
        let found = qrsmith_core::decode(page, &qrsmith_core::DecodeOptions::default()).unwrap();
        assert_eq!(found.symbols.len(), 50, "page {}", n + 1);
        read.extend(found.symbols.into_iter().map(|s| s.text));
    }
    assert_eq!(read.len(), 500);
    let read: std::collections::BTreeSet<String> = read.into_iter().collect();
    assert_eq!(read, texts);
}

#[test]
fn batch_generate_pdf_leaves_out_bad_rows_and_checks_the_layout() {
    let dir = scratch("batch_labels_bad");
    let csv = dir.join("rows.csv");
    std::fs::write(
        &csv,
        "text,ec,caption\nfirst,M,One\nsecond,Z,Two\nthird,,Three\n",
    )
    .unwrap();
    let pdf = dir.join("labels.pdf");
    let out = qrsmith(&["batch", "generate", path_str(&csv), "--pdf", path_str(&pdf)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("row 2:") && err.contains("2 labels of 3 rows on 1 pages"),
        "{err}"
    );
    // The captions as poppler reads them: the good rows', in order.
    let text = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext is installed (poppler-utils)");
    let words: Vec<String> = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    assert_eq!(words, ["One", "Three"]);

    // A layout that leaves no room for a code, and a caption column the CSV lacks: exit 2,
    // nothing written.
    let none = dir.join("none.pdf");
    let out = qrsmith(&[
        "batch",
        "generate",
        path_str(&csv),
        "--pdf",
        path_str(&none),
        "--rows",
        "20",
        "--columns",
        "20",
        "--gap-mm",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("at least 5 mm"), "{}", stderr(&out));
    let out = qrsmith(&[
        "batch",
        "generate",
        path_str(&csv),
        "--pdf",
        path_str(&none),
        "--caption-column",
        "nom",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("\"nom\""), "{}", stderr(&out));
    assert!(!none.exists());
    // Label flags need --pdf.
    let out = qrsmith(&[
        "batch",
        "generate",
        path_str(&csv),
        "-o",
        "x.zip",
        "--rows",
        "2",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// `decode --plain` is zxing-cpp alone, for comparisons: an artistic code that only the
/// pipeline's escalation reads (zxing-cpp's qrcode-2/12) is found by `decode`, not by `--plain`.
#[test]
fn decode_plain_is_the_engine_alone() {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../qrsmith-core/tests/data/zxing-cpp-samples/qrcode-2/12.webp");
    let out = qrsmith(&["decode", "--json", path_str(&sample)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let plain = qrsmith(&["decode", "--json", "--plain", path_str(&sample)]);
    assert_eq!(plain.status.code(), Some(1), "{}", stderr(&plain));
    let line: serde_json::Value = serde_json::from_str(stdout(&plain).trim()).unwrap();
    assert_eq!(line["results"].as_array().map(Vec::len), Some(0), "{line}");
    assert!(line["ms"].as_f64().is_some(), "{line}");
}
