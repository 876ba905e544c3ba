//! The README's tour is a promise: every command of its `sh` blocks runs against the built
//! binary, in a scratch directory holding the files the examples name, with a started server
//! for the ones that call the API; what they write and print is checked.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use common::{path_str, qrsmith, scratch, stderr};

/// The command lines of the fenced `sh` blocks under "## A short tour", comments dropped.
fn tour_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md at the workspace root");
    let start = readme
        .find("## A short tour")
        .expect("the README has its tour");
    let mut commands = Vec::new();
    let mut in_sh = false;
    for line in readme[start..].lines() {
        if line.starts_with("```") {
            in_sh = line.trim() == "```sh";
            continue;
        }
        if in_sh {
            let command = line.split("  #").next().unwrap_or("").trim();
            if !command.is_empty() {
                commands.push(command.to_owned());
            }
        }
    }
    commands
}

/// A `qrsmith serve` process, killed when the test ends, passed or not.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `qrsmith serve` on a free port with its data in `dir`, and its address.
fn serve(dir: &Path) -> (Server, String) {
    let mut server = Server(
        Command::new(env!("CARGO_BIN_EXE_qrsmith"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .args(["--data-dir", path_str(dir)])
            .stderr(Stdio::piped())
            .spawn()
            .expect("qrsmith serve starts"),
    );
    let mut lines = BufReader::new(server.0.stderr.take().expect("stderr")).lines();
    for line in lines.by_ref().map_while(Result::ok) {
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["message"] == "listening" {
            let addr = event["addr"].as_str().expect("the address is logged");
            let addr = addr.to_owned();
            // The later log lines are drained, so that the server never writes to a closed pipe.
            std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
            return (server, addr);
        }
    }
    panic!("the server exited before listening");
}

#[test]
fn the_readme_tour_runs_as_written() {
    let commands = tour_commands();
    assert!(commands.len() >= 8, "the tour's commands: {commands:?}");
    let dir = scratch("readme_tour");
    // The files the examples read: a payload file, a photo and a directory of photos.
    std::fs::write(dir.join("file"), "a payload from a file\n").unwrap();
    let out = qrsmith(&[
        "encode",
        "from a photo",
        "-o",
        path_str(&dir.join("code.png")),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let code = image::open(dir.join("code.png")).unwrap().to_rgb8();
    code.save(dir.join("photo.jpg")).unwrap();
    std::fs::create_dir_all(dir.join("photos")).unwrap();
    code.save(dir.join("photos/one.jpg")).unwrap();
    std::fs::remove_file(dir.join("code.png")).unwrap();

    let (_server, addr) = serve(&dir.join("data"));
    let bin = Path::new(env!("CARGO_BIN_EXE_qrsmith")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut printed = String::new();
    for command in &commands {
        let command = command.replace("127.0.0.1:8080", &addr);
        let out = Command::new("sh")
            .args(["-c", &command])
            .current_dir(&dir)
            .env("PATH", &path)
            .output()
            .expect("sh runs");
        assert!(
            out.status.success(),
            "{command}: exit {:?}\n{}",
            out.status.code(),
            stderr(&out)
        );
        printed.push_str(&String::from_utf8_lossy(&out.stdout));
    }

    // What the examples wrote reads back; what they printed holds the photo's text.
    for (file, text) in [
        ("code.png", "https://example.com"),
        ("wifi.png", "WIFI:T:WPA;S:Home;P:correct horse;;"),
    ] {
        let out = qrsmith(&["decode", path_str(&dir.join(file))]);
        assert_eq!(common::stdout(&out), format!("{text}\n"), "{file}");
    }
    for file in ["code.svg", "hello.svg"] {
        let svg = std::fs::read_to_string(dir.join(file)).unwrap();
        assert!(svg.starts_with("<svg"), "{file}: {svg:.80}");
    }
    // `decode photo.jpg`, `decode --json photos/` and the API's decode each found it.
    assert!(
        printed.matches("from a photo").count() >= 3,
        "the tour printed: {printed}"
    );
}
