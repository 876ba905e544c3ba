//! `qrsmith decode`: images → texts (plain) or JSON Lines with every symbol's metadata.

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use qrsmith_core::{decode, decode_baseline, DecodeOptions, Limits};
use serde_json::json;

use super::image_files::image_files;
use super::Outcome;
use crate::args::DecodeArgs;
use qrsmith_server::json;

pub fn run(args: DecodeArgs) -> Result<Outcome> {
    let opts = args.limits.decode_options();
    let mut out = std::io::stdout().lock();
    let (mut found, mut failed) = (false, false);
    for path in &image_files(&args.images)? {
        let started = Instant::now();
        let result = read_input(path, args.limits.max_bytes).and_then(|bytes| {
            if args.plain {
                decode_baseline(&bytes, &opts.limits)
            } else {
                decode(&bytes, &opts)
            }
            .map_err(anyhow::Error::from)
        });
        let ms = (started.elapsed().as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
        match result {
            Ok(decoded) => {
                found |= !decoded.symbols.is_empty();
                if args.json {
                    let mut line = json::decoded(&decoded);
                    line["path"] = json!(path);
                    line["ms"] = json!(ms);
                    writeln!(out, "{line}")?;
                } else {
                    for text in json::texts(&decoded) {
                        writeln!(out, "{text}")?;
                    }
                }
            }
            Err(err) => {
                failed = true;
                let code = err
                    .downcast_ref::<qrsmith_core::Error>()
                    .map_or("io_error", |e| e.kind().code());
                if args.json {
                    let line = json!({
                        "path": path,
                        "ms": ms,
                        "error": {"code": code, "message": err.to_string()},
                    });
                    writeln!(out, "{line}")?;
                } else {
                    eprintln!("qrsmith: {}: {err}", path.display());
                }
            }
        }
    }
    out.flush()?;
    Ok(match (failed, found) {
        (true, _) => Outcome::Failed,
        (false, true) => Outcome::Found,
        (false, false) => Outcome::NothingFound,
    })
}

impl crate::args::ReadLimits {
    /// The library's options for these limits.
    pub fn decode_options(&self) -> DecodeOptions {
        DecodeOptions {
            limits: Limits {
                max_bytes: self.max_bytes,
                max_pixels: self.max_pixels,
                max_time: (self.timeout_ms > 0).then(|| Duration::from_millis(self.timeout_ms)),
            },
            effort: self.effort,
        }
    }
}

/// Reads a file (or stdin for `-`), refusing more than `max_bytes` without reading it all.
pub(crate) fn read_input(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    let reader: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path)?)
    };
    // One byte more than allowed, so that the library reports the limit.
    reader
        .take(max_bytes.saturating_add(1))
        .read_to_end(&mut buf)?;
    Ok(buf)
}
