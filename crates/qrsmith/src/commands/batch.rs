//! `qrsmith batch generate|decode`: many codes at once, in parallel over the cores (rayon), with
//! a progress bar on standard error and a summary at the end. The file formats are the service's
//! batch jobs' (`qrsmith_server::batch`), the label sheet of `generate --pdf` included.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use indicatif::{ParallelProgressIterator as _, ProgressBar, ProgressStyle};
use qrsmith_core::{decode, Format, LabelSheetWriter, QrCode};
use qrsmith_server::batch::{self, GenerateZip, LabelOptions};
use qrsmith_server::{Config, Generated, GenerationLimits, Refusal};
use rayon::prelude::*;
use serde_json::{Map, Value};

use super::decode::read_input;
use super::image_files::image_files;
use super::Outcome;
use crate::args::{BatchArgs, BatchCommand, BatchDecodeArgs, BatchGenerateArgs, LabelArgs};

/// Formats a batch can write (the terminal drawing is not a file format).
const FORMATS: &[Format] = &[
    Format::Png,
    Format::Svg,
    Format::Pdf,
    Format::Eps,
    Format::Txt,
];
/// Failed rows listed on standard error under a label sheet; the rest are counted.
const ERRORS_SHOWN: usize = 20;

pub fn run(args: BatchArgs) -> Result<Outcome> {
    match args.command {
        BatchCommand::Generate(a) => generate(a),
        BatchCommand::Decode(a) => decode_all(a),
    }
}

fn generate(args: BatchGenerateArgs) -> Result<Outcome> {
    let started = Instant::now();
    let mut defaults = Map::new();
    for set in &args.defaults {
        let (name, value) = set
            .split_once('=')
            .with_context(|| format!("--set {set:?}: expected NAME=VALUE"))?;
        let name = name.trim().to_ascii_lowercase();
        let value = batch::option_value(&name, value)?;
        defaults.insert(name, value);
    }
    let csv = read_all(&args.csv)?;
    // The service's limits, so that a CSV that works here works as a job too.
    let config = Config::default();
    let limits = GenerationLimits {
        max_text_bytes: config.max_text_bytes,
        max_output_side: config.max_output_side,
    };
    if let Some(pdf) = &args.pdf {
        return generate_labels(&args, pdf, &csv, &defaults, limits, started);
    }
    let output = args.output.clone().context("--output or --pdf is needed")?;
    let rows = batch::read_generate_csv(&csv[..], &defaults, limits, FORMATS, args.max_rows)
        .with_context(|| args.csv.display().to_string())?;
    let progress = progress_bar(rows.len(), "generating");
    let outcomes: Vec<(usize, String, Result<Generated, Refusal>)> =
        pool(args.jobs)?.install(|| {
            rows.into_par_iter()
                .progress_with(progress.clone())
                .map(|row| {
                    let file = row.file_name();
                    let result = row
                        .generation
                        .and_then(|g| g.run().map_err(Refusal::from_library));
                    (row.row, file, result)
                })
                .collect()
        });
    progress.finish_and_clear();

    // Written beside the target and renamed, so that a failed run leaves no half a ZIP.
    let partial = sibling(&output, ".partial");
    let file = std::fs::File::create(&partial)
        .with_context(|| format!("cannot create {}", partial.display()))?;
    write_generate_zip(std::io::BufWriter::new(file), &outcomes)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &output)
        .with_context(|| format!("cannot write {}", output.display()))?;

    let failed = outcomes.iter().filter(|o| o.2.is_err()).count();
    eprintln!(
        "qrsmith: {} images of {} rows in {} ({:.1} s){}",
        outcomes.len() - failed,
        outcomes.len(),
        output.display(),
        started.elapsed().as_secs_f64(),
        match failed {
            0 => String::new(),
            n => format!("; {n} rows failed, see manifest.csv"),
        }
    );
    Ok(if failed == 0 {
        Outcome::Found
    } else {
        Outcome::Partial
    })
}

/// `batch generate --pdf`: every good row's code on a label sheet, in row order; the rows that
/// failed are listed on standard error. Nothing is written when no row succeeds.
fn generate_labels(
    args: &BatchGenerateArgs,
    pdf: &Path,
    csv: &[u8],
    defaults: &Map<String, Value>,
    limits: GenerationLimits,
    started: Instant,
) -> Result<Outcome> {
    let labels = label_options(&args.labels);
    let sheet = labels.sheet()?;
    let rows = batch::read_label_csv(
        csv,
        defaults,
        limits,
        args.max_rows,
        labels.caption_column.as_deref(),
    )
    .with_context(|| args.csv.display().to_string())?;
    let progress = progress_bar(rows.len(), "encoding");
    let outcomes: Vec<(usize, Option<String>, Result<QrCode, Refusal>)> =
        pool(args.jobs)?.install(|| {
            rows.into_par_iter()
                .progress_with(progress.clone())
                .map(|row| {
                    let code = row
                        .generation
                        .and_then(|g| batch::encode_label(&g).map_err(Refusal::from_library));
                    (row.row, row.caption, code)
                })
                .collect()
        });
    progress.finish_and_clear();

    let mut writer = LabelSheetWriter::new(sheet).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut failed = Vec::new();
    for (row, caption, code) in &outcomes {
        match code {
            Ok(code) => writer.add(code, caption.as_deref())?,
            Err(e) => failed.push((row, e)),
        }
    }
    let labels_written = outcomes.len() - failed.len();
    for (row, e) in failed.iter().take(ERRORS_SHOWN) {
        eprintln!("qrsmith: row {row}: {} ({})", e.message, e.code);
    }
    if failed.len() > ERRORS_SHOWN {
        eprintln!(
            "qrsmith: … and {} more failed rows",
            failed.len() - ERRORS_SHOWN
        );
    }
    if labels_written == 0 {
        bail!(
            "no label to print: every row of {} failed",
            args.csv.display()
        );
    }
    let pages = writer.pages();
    let bytes = writer.finish()?;
    // Written beside the target and renamed, so that a failed run leaves no half a PDF.
    let partial = sibling(pdf, ".partial");
    std::fs::write(&partial, &bytes)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, pdf).with_context(|| format!("cannot write {}", pdf.display()))?;
    eprintln!(
        "qrsmith: {labels_written} labels of {} rows on {pages} pages in {} ({:.1} s){}",
        outcomes.len(),
        pdf.display(),
        started.elapsed().as_secs_f64(),
        match failed.len() {
            0 => String::new(),
            n => format!("; {n} rows failed"),
        }
    );
    Ok(if failed.is_empty() {
        Outcome::Found
    } else {
        Outcome::Partial
    })
}

fn label_options(args: &LabelArgs) -> LabelOptions {
    LabelOptions {
        page: args.page.clone(),
        rows: args.rows,
        columns: args.columns,
        margin_mm: args.margin_mm,
        gap_mm: args.gap_mm,
        quiet_zone: args.quiet_zone,
        caption_pt: args.caption_pt,
        caption_column: args.caption_column.clone(),
    }
}

fn write_generate_zip(
    writer: impl Write + std::io::Seek,
    outcomes: &[(usize, String, Result<Generated, Refusal>)],
) -> std::io::Result<()> {
    let mut zip = GenerateZip::new(writer)?;
    for (row, file, result) in outcomes {
        match result {
            Ok(generated) => zip.add_file(*row, file, &generated.images[0].bytes)?,
            Err(e) => zip.add_error(*row, e.code.as_str(), &e.message)?,
        }
    }
    zip.finish()?.flush()
}

fn decode_all(args: BatchDecodeArgs) -> Result<Outcome> {
    let started = Instant::now();
    let files = image_files(&args.inputs)?;
    let opts = args.limits.decode_options();
    let max_bytes = args.limits.max_bytes;
    let progress = progress_bar(files.len(), "reading");
    let outcomes: Vec<Value> = pool(args.jobs)?.install(|| {
        files
            .par_iter()
            .progress_with(progress.clone())
            .map(|path| {
                let name = path.display().to_string();
                let result = read_input(path, max_bytes)
                    .map_err(|e| ("io_error", format!("{e:#}")))
                    .and_then(|bytes| {
                        decode(&bytes, &opts).map_err(|e| (e.kind().code(), e.to_string()))
                    });
                match &result {
                    Ok(d) => batch::decode_file_json(&name, Ok(d)),
                    Err((code, message)) => batch::decode_file_json(&name, Err((code, message))),
                }
            })
            .collect()
    });
    progress.finish_and_clear();

    if let Some(zip_path) = &args.output {
        let partial = sibling(zip_path, ".partial");
        std::fs::File::create(&partial)
            .and_then(|f| batch::write_decode_zip(std::io::BufWriter::new(f), &outcomes))
            .and_then(|mut w| w.flush())
            .with_context(|| format!("cannot write {}", partial.display()))?;
        std::fs::rename(&partial, zip_path)
            .with_context(|| format!("cannot write {}", zip_path.display()))?;
    } else {
        let mut out = std::io::stdout().lock();
        if args.csv {
            out.write_all(&batch::decode_results_csv(&outcomes)?)?;
        } else {
            serde_json::to_writer_pretty(&mut out, &outcomes)?;
            writeln!(out)?;
        }
        out.flush()?;
    }

    let count = |status: &str| outcomes.iter().filter(|o| o["status"] == status).count();
    let (errors, with_codes) = (count("error"), count("found"));
    let symbols: usize = outcomes
        .iter()
        .filter_map(|o| o["results"].as_array())
        .map(Vec::len)
        .sum();
    eprintln!(
        "qrsmith: {} files: {with_codes} with codes ({symbols} symbols), {} without, {errors} \
         unreadable ({:.1} s)",
        outcomes.len(),
        outcomes.len() - with_codes - errors,
        started.elapsed().as_secs_f64()
    );
    Ok(match (errors, with_codes) {
        (0, 0) => Outcome::NothingFound,
        (0, _) => Outcome::Found,
        _ => Outcome::Failed,
    })
}

/// A rayon pool of `jobs` threads (the default pool's size, one per core, when `None`).
pub(crate) fn pool(jobs: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = jobs {
        if n == 0 {
            bail!("--jobs must be at least 1");
        }
        builder = builder.num_threads(n);
    }
    Ok(builder.build()?)
}

/// A progress bar on standard error (drawn only when it is a terminal).
pub(crate) fn progress_bar(len: usize, verb: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    let style =
        ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(verb.to_owned());
    bar
}

/// The whole of a file, or of standard input for `-`.
fn read_all(path: &Path) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_end(&mut buf)?;
    } else {
        buf = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    }
    Ok(buf)
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}
