//! The documentation's examples are a promise: every fenced `sh` block of `README.md` and
//! `docs/*.md` runs, as written, against the built binary — a block is one `sh -e` script in a
//! scratch directory holding the files the examples name, with a started server (on the same
//! store as the CLI) for the `curl` lines. What they write must exist, and the README's tour
//! is read back.
//!
//! A block that is not an example says why in its info string, and is listed, not run:
//! `sh setup` (the first commands on a fresh machine: they build and test everything),
//! `sh benchmark` (minutes of work, or the data sets beside the project), `sh install`
//! (a wheel build, which `crates/qrsmith-py/test.sh` does).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::server::Server;
use common::{path_str, qrsmith, scratch, stderr};

/// Why a block may be left unrun.
const NOT_RUN: &[&str] = &["setup", "benchmark", "install"];

/// A fenced block: its file, first line number, info string and text.
#[derive(Debug)]
struct Block {
    file: String,
    line: usize,
    info: String,
    text: String,
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fenced blocks of `file` (relative to the workspace), in order.
fn blocks(file: &str) -> Vec<Block> {
    let text = std::fs::read_to_string(workspace().join(file)).expect(file);
    let mut out = Vec::new();
    let mut open: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("```") {
            match open.take() {
                Some(block) => out.push(block),
                None => {
                    open = Some(Block {
                        file: file.to_owned(),
                        line: i + 1,
                        info: rest.trim().to_owned(),
                        text: String::new(),
                    })
                }
            }
        } else if let Some(block) = open.as_mut() {
            block.text.push_str(line);
            block.text.push('\n');
        }
    }
    assert!(open.is_none(), "{file}: a fenced block is not closed");
    out
}

/// The `sh` examples among `blocks`; the others must say why they are not run.
fn examples(blocks: Vec<Block>) -> Vec<Block> {
    let mut run = Vec::new();
    for block in blocks {
        let mut words = block.info.split_whitespace();
        if words.next() != Some("sh") {
            continue; // output, code in another language, a drawing
        }
        match words.next() {
            None => run.push(block),
            Some(why) => assert!(
                NOT_RUN.contains(&why),
                "{}:{}: `sh {why}` is not one of {NOT_RUN:?}",
                block.file,
                block.line
            ),
        }
    }
    run
}

/// The files the examples name, made in `dir`: a payload file, photos of codes, CSVs, logos.
fn fixtures(dir: &Path) {
    std::fs::write(dir.join("file"), "a payload from a file\n").unwrap();
    let png = |text: &str, to: &Path| {
        let out = qrsmith(&["encode", text, "-o", path_str(to)]);
        assert!(out.status.success(), "{}", stderr(&out));
    };
    png("from a photo", &dir.join("photo.png"));
    let photo = image::open(dir.join("photo.png")).unwrap().to_rgb8();
    std::fs::remove_file(dir.join("photo.png")).unwrap();
    photo.save(dir.join("photo.jpg")).unwrap();
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    photo.save(dir.join("photos/one.jpg")).unwrap();
    png("scanned", &dir.join("scan.png"));
    png("logo", &dir.join("logo.png"));
    std::fs::write(
        dir.join("logo.svg"),
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><circle cx="5" cy="5" r="5" fill="#e63946"/></svg>"##,
    )
    .unwrap();
    std::fs::write(
        dir.join("rows.csv"),
        "text,filename\nhttps://example.com/1,one\nhttps://example.com/2,two\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("assets.csv"),
        "text,name\nhttps://example.com/asset/1,Asset 1\nhttps://example.com/asset/2,Asset 2\n",
    )
    .unwrap();
}

/// Runs `block` in a fresh scratch directory with a server on the same store as the CLI;
/// returns the directory and what the block printed.
fn run(block: &Block, name: &str) -> (PathBuf, String) {
    let dir = scratch(name);
    fixtures(&dir);
    let share = dir.join("share");
    let server = Server::start_with_env(&[], &[("XDG_DATA_HOME", path_str(&share))]);
    let bin = Path::new(env!("CARGO_BIN_EXE_qrsmith")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let addr = server.addr.to_string();
    let script = block
        .text
        .replace("127.0.0.1:8080", &addr)
        .replace("localhost:8080", &addr);
    let out = Command::new("sh")
        .args(["-ec", &script])
        .current_dir(&dir)
        .env("PATH", &path)
        .env("HOME", &dir)
        .env("XDG_DATA_HOME", &share)
        .env("LONG", "a long text ".repeat(40))
        .env_remove("QRSMITH_DATA_DIR")
        .env_remove("QRSMITH_REDIS")
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{}:{}: exit {:?}\n{}\n{}",
        block.file,
        block.line,
        out.status.code(),
        block.text,
        stderr(&out)
    );
    for written in outputs(&block.text) {
        let (stem, ext) = written.rsplit_once('.').unwrap_or((&written, ""));
        // `--parts N -o part.png` writes part-1.png … part-N.png.
        let found = [written.clone(), format!("{stem}-1.{ext}")]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.exists());
        let len = found.map_or(0, |p| std::fs::metadata(p).unwrap().len());
        assert!(
            len > 0,
            "{}:{}: {written} was not written",
            block.file,
            block.line
        );
    }
    (dir, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The files a block writes: the argument of `-o`, `--pdf` and `>`.
fn outputs(text: &str) -> Vec<String> {
    let mut files = Vec::new();
    for line in text.lines() {
        let line = line.split(" #").next().unwrap_or("");
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            if matches!(pair[0], "-o" | "--pdf" | ">") && !pair[1].starts_with("/dev/") {
                files.push(pair[1].trim_matches(['"', '\'']).to_owned());
            }
        }
    }
    files
}

#[test]
fn every_example_in_the_docs_runs() {
    let mut pages: Vec<String> = std::fs::read_dir(workspace().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    pages.sort();
    let mut ran = 0;
    for page in &pages {
        for (i, block) in examples(blocks(page)).iter().enumerate() {
            let name = format!(
                "docs_{}_{i}",
                page.trim_start_matches("docs/").trim_end_matches(".md")
            );
            run(block, &name);
            ran += 1;
        }
    }
    assert!(ran >= 7, "the docs' examples found: {ran}");
}

#[test]
fn the_readme_tour_runs_as_written() {
    let tour = examples(blocks("README.md"));
    assert!(tour.len() >= 2, "the tour's blocks: {tour:?}");
    let mut printed = String::new();
    let mut dirs = Vec::new();
    for (i, block) in tour.iter().enumerate() {
        let (dir, out) = run(block, &format!("readme_{i}"));
        printed.push_str(&out);
        dirs.push(dir);
    }
    // What the examples wrote reads back; what they printed holds the photo's text.
    let written = |file: &str| {
        dirs.iter()
            .map(|d| d.join(file))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("the tour wrote {file}"))
    };
    for (file, text) in [
        ("code.png", "https://example.com"),
        ("wifi.png", "WIFI:T:WPA;S:Home;P:correct horse;;"),
    ] {
        let out = qrsmith(&["decode", path_str(&written(file))]);
        assert_eq!(common::stdout(&out), format!("{text}\n"), "{file}");
    }
    for file in ["code.svg", "hello.svg"] {
        let svg = std::fs::read_to_string(written(file)).unwrap();
        assert!(svg.starts_with("<svg"), "{file}: {svg:.80}");
    }
    // `decode photo.jpg`, `decode --json photos/` and the API's decode each found it.
    assert!(
        printed.matches("from a photo").count() >= 3,
        "the tour printed: {printed}"
    );
}

#[test]
fn outputs_are_found_in_commands() {
    assert_eq!(
        outputs(
            "qrsmith encode x -o code.png   # -o not.this\ncurl -s u > hello.svg\nx > /dev/null"
        ),
        ["code.png", "hello.svg"]
    );
}
