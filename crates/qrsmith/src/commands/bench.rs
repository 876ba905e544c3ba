//! `qrsmith bench hardcases|accuracy`: the generated hard-case set written to disk, and the
//! accuracy benchmark that reads sets of images with expected results through the decode
//! pipeline and through the plain engine in the same run.
//!
//! Expected results sit beside each image, named after it: `<name>.txt` holds the exact text
//! (the format of zxing-cpp's sample folders), `<name>.bin` the exact bytes, `<name>.texts` one
//! text per line when the image holds several codes (each must be read). A *read* is every
//! expected result among the symbols found. A *misread* is a symbol that matches none of them:
//! for `.texts` files and generated cases, which list every code in the image, any such symbol;
//! for `.txt` and `.bin`, which name one code of a picture that may hold others (zxing-cpp's
//! nested codes), such a symbol when the expected one was not read, as zxing-cpp's own
//! blackbox runner counts them.
//! The total row adds the reads and averages the categories' rates, as BoofCV's QR benchmark
//! does, so that a large category does not drown the others.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use image::DynamicImage;
use indicatif::ParallelProgressIterator as _;
use qrsmith_core::{
    decode, decode_baseline, decode_image, decode_image_baseline, DecodeOptions, Decoded, Symbol,
};
use qrsmith_hardcases::Category;
use rayon::prelude::*;
use serde_json::{json, Value};

use super::batch::{pool, progress_bar};
use super::decode::read_input;
use super::image_files::is_image;
use super::Outcome;
use crate::args::{BenchAccuracyArgs, BenchArgs, BenchCommand, BenchHardcasesArgs};

pub fn run(args: BenchArgs) -> Result<Outcome> {
    match args.command {
        BenchCommand::Hardcases(a) => hardcases(a),
        BenchCommand::Accuracy(a) => accuracy(a),
    }
}

fn categories(names: &[String]) -> Result<Vec<Category>> {
    if names.is_empty() {
        return Ok(Category::ALL.to_vec());
    }
    names
        .iter()
        .map(|n| n.parse::<Category>().map_err(anyhow::Error::from))
        .collect()
}

fn hardcases(args: BenchHardcasesArgs) -> Result<Outcome> {
    let started = Instant::now();
    let cats = categories(&args.categories)?;
    for c in &cats {
        let dir = args.out.join(c.name());
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let work: Vec<(Category, u32)> = cats
        .iter()
        .flat_map(|&c| (0..args.per_category).map(move |i| (c, i)))
        .collect();
    let progress = progress_bar(work.len(), "generating");
    let seed = args.seed;
    let out = &args.out;
    pool(args.jobs)?.install(|| {
        work.par_iter()
            .progress_with(progress.clone())
            .try_for_each(|&(category, index)| -> Result<()> {
                let case = qrsmith_hardcases::case(category, seed, index)
                    .with_context(|| format!("generating {category} #{index}"))?;
                let stem = out.join(category.name()).join(format!("{index:02}"));
                let png = stem.with_extension("png");
                case.image
                    .save(&png)
                    .with_context(|| format!("cannot write {}", png.display()))?;
                let (ext, body) = match case.expected.as_slice() {
                    [one] => ("txt", one.clone()),
                    many => ("texts", many.join("\n") + "\n"),
                };
                let path = stem.with_extension(ext);
                std::fs::write(&path, body)
                    .with_context(|| format!("cannot write {}", path.display()))
            })
    })?;
    progress.finish_and_clear();
    eprintln!(
        "qrsmith: {} images in {} categories written to {} in {:.1} s (seed {seed})",
        work.len(),
        cats.len(),
        args.out.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(Outcome::Found)
}

/// One expected result.
#[derive(Debug, Clone)]
enum Want {
    Text(Vec<u8>),
    Bytes(Vec<u8>),
}

impl Want {
    fn matches(&self, symbol: &Symbol) -> bool {
        match self {
            Want::Text(t) => symbol.text.as_bytes() == t.as_slice(),
            Want::Bytes(b) => &symbol.bytes == b,
        }
    }
}

/// Where an image comes from.
enum Source {
    File(PathBuf),
    Generated {
        category: Category,
        seed: u64,
        index: u32,
    },
}

/// An image to read, with its category and (for files) its expected results.
struct Item {
    category: String,
    name: String,
    source: Source,
    wants: Expected,
}

/// What an image must read as.
#[derive(Debug, Clone)]
struct Expected {
    wants: Vec<Want>,
    /// The list names every code in the image: any other symbol is a misread.
    complete: bool,
}

/// The expected results of `image`, or `None` when it has none.
fn expected_for(image: &Path) -> Result<Option<Expected>> {
    let read = |ext: &str| -> Result<Option<Vec<u8>>> {
        let path = image.with_extension(ext);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    };
    if let Some(b) = read("bin")? {
        return Ok(Some(Expected {
            wants: vec![Want::Bytes(b)],
            complete: false,
        }));
    }
    if let Some(t) = read("txt")? {
        return Ok(Some(Expected {
            wants: vec![Want::Text(t)],
            complete: false,
        }));
    }
    if let Some(t) = read("texts")? {
        let wants: Vec<Want> = t
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| Want::Text(l.to_vec()))
            .collect();
        if wants.is_empty() {
            bail!("{}: no text in it", image.with_extension("texts").display());
        }
        return Ok(Some(Expected {
            wants,
            complete: true,
        }));
    }
    Ok(None)
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the directory {}", dir.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<Vec<_>>>()
        .with_context(|| format!("cannot read the directory {}", dir.display()))?;
    entries.sort();
    Ok(entries)
}

/// The images with expected results in `dir` and its subdirectories (one level).
fn items_in(dir: &Path, items: &mut Vec<Item>) -> Result<()> {
    let own = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| dir.display().to_string());
    let mut add = |category: &str, path: PathBuf| -> Result<()> {
        if let Some(wants) = expected_for(&path)? {
            items.push(Item {
                category: category.to_owned(),
                name: path.display().to_string(),
                source: Source::File(path),
                wants,
            });
        }
        Ok(())
    };
    for entry in sorted_entries(dir)? {
        if entry.is_dir() {
            let category = entry
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            for path in sorted_entries(&entry)? {
                if is_image(&path) {
                    add(&category, path)?;
                }
            }
        } else if is_image(&entry) {
            add(&own, entry)?;
        }
    }
    Ok(())
}

/// How one decode went.
#[derive(Debug, Clone, Copy, Default)]
struct Verdict {
    read: bool,
    misread: bool,
    ms: f64,
}

impl Expected {
    /// The symbols that count as misreads (see the module docs).
    fn misread<'a>(&self, symbols: &'a [Symbol]) -> Vec<&'a Symbol> {
        if !self.complete && self.read(symbols) {
            return Vec::new();
        }
        symbols
            .iter()
            .filter(|s| !self.wants.iter().any(|w| w.matches(s)))
            .collect()
    }

    fn read(&self, symbols: &[Symbol]) -> bool {
        self.wants
            .iter()
            .all(|w| symbols.iter().any(|s| w.matches(s)))
    }
}

fn symbols_of(result: &qrsmith_core::Result<Decoded>) -> &[Symbol] {
    match result {
        Ok(d) => &d.symbols,
        Err(_) => &[],
    }
}

fn judge(result: &qrsmith_core::Result<Decoded>, expected: &Expected, ms: f64) -> Verdict {
    let symbols = symbols_of(result);
    Verdict {
        read: expected.read(symbols),
        misread: !expected.misread(symbols).is_empty(),
        ms,
    }
}

/// One image at one rotation, through both readers.
struct Trial {
    category: String,
    name: String,
    rotation: u16,
    pipeline: Verdict,
    plain: Verdict,
    /// Symbols the pipeline found that match nothing expected, for the report.
    misread_texts: Vec<String>,
    errors: Vec<String>,
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64() * 1e3)
}

fn rotate(image: &DynamicImage, degrees: u16) -> DynamicImage {
    match degrees {
        90 => image.rotate90(),
        180 => image.rotate180(),
        270 => image.rotate270(),
        _ => image.clone(),
    }
}

/// Reads `item` at every rotation with both readers.
fn run_item(item: &Item, rotations: &[u16], opts: &DecodeOptions) -> Result<Vec<Trial>> {
    // Files are read at 0° from their bytes (the whole path: format sniffing, EXIF), and turned
    // as decoded pixels; generated cases are pixels already.
    let (bytes, image, wants) = match &item.source {
        Source::File(path) => {
            let bytes = read_input(path, opts.limits.max_bytes)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let needs_pixels = rotations.iter().any(|&r| r != 0);
            let image = if needs_pixels {
                image::load_from_memory(&bytes).ok()
            } else {
                None
            };
            (Some(bytes), image, item.wants.clone())
        }
        Source::Generated {
            category,
            seed,
            index,
        } => {
            let case = qrsmith_hardcases::case(*category, *seed, *index)
                .with_context(|| format!("generating {}", item.name))?;
            let wants = Expected {
                wants: case
                    .expected
                    .iter()
                    .map(|t| Want::Text(t.as_bytes().to_vec()))
                    .collect(),
                complete: true,
            };
            (None, Some(DynamicImage::ImageRgb8(case.image)), wants)
        }
    };
    let mut trials = Vec::new();
    for &rotation in rotations {
        let (pipeline, plain) = match (&bytes, &image, rotation) {
            (Some(b), _, 0) => {
                let p = timed(|| decode(b, opts));
                let q = timed(|| decode_baseline(b, &opts.limits));
                (p, q)
            }
            (_, Some(img), r) => {
                let turned = rotate(img, r);
                let p = timed(|| decode_image(&turned, opts));
                let q = timed(|| decode_image_baseline(&turned, &opts.limits));
                (p, q)
            }
            (_, None, _) => {
                let e = || -> qrsmith_core::Result<Decoded> {
                    Err(qrsmith_core::Error::new(
                        qrsmith_core::ErrorKind::CorruptImage,
                        "the image library cannot decode this file to turn it",
                    ))
                };
                ((e(), 0.0), (e(), 0.0))
            }
        };
        let mut errors = Vec::new();
        for (who, r) in [("pipeline", &pipeline.0), ("plain", &plain.0)] {
            if let Err(e) = r {
                errors.push(format!("{} at {rotation}° ({who}): {e}", item.name));
            }
        }
        let p = judge(&pipeline.0, &wants, pipeline.1);
        let misread_texts = wants
            .misread(symbols_of(&pipeline.0))
            .iter()
            .map(|s| s.text.clone())
            .collect();
        trials.push(Trial {
            category: item.category.clone(),
            name: item.name.clone(),
            rotation,
            pipeline: p,
            plain: judge(&plain.0, &wants, plain.1),
            misread_texts,
            errors,
        });
    }
    Ok(trials)
}

/// The figures of one reader over one category.
#[derive(Debug, Default, Clone)]
struct Tally {
    reads: usize,
    misreads: usize,
    ms: Vec<f64>,
}

impl Tally {
    fn add(&mut self, v: Verdict) {
        self.reads += usize::from(v.read);
        self.misreads += usize::from(v.misread);
        self.ms.push(v.ms);
    }

    fn median_ms(&self) -> f64 {
        let mut v = self.ms.clone();
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }
}

struct Row {
    category: String,
    images: usize,
    pipeline: Tally,
    plain: Tally,
}

fn rate(reads: usize, images: usize) -> f64 {
    if images == 0 {
        0.0
    } else {
        reads as f64 * 100.0 / images as f64
    }
}

fn accuracy(args: BenchAccuracyArgs) -> Result<Outcome> {
    let started = Instant::now();
    if args.dirs.is_empty() && args.generated.is_none() {
        bail!("nothing to read: give directories of images, or --generated SEED:K");
    }
    let mut items = Vec::new();
    for dir in &args.dirs {
        items_in(dir, &mut items)?;
    }
    if let Some((seed, k)) = args.generated {
        for category in Category::ALL {
            for index in 0..k {
                items.push(Item {
                    category: category.name().to_owned(),
                    name: format!("{category}-{seed}-{index:03}"),
                    source: Source::Generated {
                        category,
                        seed,
                        index,
                    },
                    wants: Expected {
                        wants: Vec::new(),
                        complete: true,
                    },
                });
            }
        }
    }
    if items.is_empty() {
        bail!("no image with an expected result (.txt, .bin or .texts beside it) was found");
    }
    let mut rotations = args.rotations.clone();
    rotations.dedup();
    let opts = args.limits.decode_options();

    let progress = progress_bar(items.len(), "reading");
    let results: Vec<Result<Vec<Trial>>> = pool(args.jobs)?.install(|| {
        items
            .par_iter()
            .progress_with(progress.clone())
            .map(|item| run_item(item, &rotations, &opts))
            .collect()
    });
    progress.finish_and_clear();

    // Categories in the order first met.
    let mut rows: Vec<Row> = Vec::new();
    let mut misread_lines = Vec::new();
    let mut error_count = 0;
    for result in results {
        for trial in result? {
            for e in &trial.errors {
                error_count += 1;
                eprintln!("qrsmith: {e}");
            }
            if trial.pipeline.misread {
                misread_lines.push(format!(
                    "{} at {}°: {:?}",
                    trial.name, trial.rotation, trial.misread_texts
                ));
            }
            let row = match rows.iter().position(|r| r.category == trial.category) {
                Some(i) => &mut rows[i],
                None => {
                    rows.push(Row {
                        category: trial.category.clone(),
                        images: 0,
                        pipeline: Tally::default(),
                        plain: Tally::default(),
                    });
                    rows.last_mut().expect("just pushed")
                }
            };
            row.images += 1;
            row.pipeline.add(trial.pipeline);
            row.plain.add(trial.plain);
        }
    }

    let mut all_p = Tally::default();
    let mut all_q = Tally::default();
    let mut images = 0;
    for r in &rows {
        images += r.images;
        all_p.reads += r.pipeline.reads;
        all_p.misreads += r.pipeline.misreads;
        all_p.ms.extend(&r.pipeline.ms);
        all_q.reads += r.plain.reads;
        all_q.misreads += r.plain.misreads;
        all_q.ms.extend(&r.plain.ms);
    }
    let mean_rate = |f: &dyn Fn(&Row) -> usize| -> f64 {
        if rows.is_empty() {
            0.0
        } else {
            rows.iter().map(|r| rate(f(r), r.images)).sum::<f64>() / rows.len() as f64
        }
    };
    let mean_p = mean_rate(&|r| r.pipeline.reads);
    let mean_q = mean_rate(&|r| r.plain.reads);
    let rot_list: Vec<String> = rotations.iter().map(|r| format!("{r}°")).collect();

    if args.json {
        let side = |t: &Tally, images: usize| {
            json!({
                "reads": t.reads,
                "rate": (rate(t.reads, images) * 10.0).round() / 10.0,
                "misreads": t.misreads,
                "median_ms": (t.median_ms() * 10.0).round() / 10.0,
            })
        };
        let categories: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "category": r.category,
                    "images": r.images,
                    "pipeline": side(&r.pipeline, r.images),
                    "plain": side(&r.plain, r.images),
                })
            })
            .collect();
        let report = json!({
            "effort": opts.effort.name(),
            "rotations": rotations,
            "categories": categories,
            "total": {
                "images": images,
                "pipeline": {
                    "reads": all_p.reads,
                    "mean_rate": (mean_p * 10.0).round() / 10.0,
                    "misreads": all_p.misreads,
                    "median_ms": (all_p.median_ms() * 10.0).round() / 10.0,
                },
                "plain": {
                    "reads": all_q.reads,
                    "mean_rate": (mean_q * 10.0).round() / 10.0,
                    "misreads": all_q.misreads,
                    "median_ms": (all_q.median_ms() * 10.0).round() / 10.0,
                },
            },
            "errors": error_count,
        });
        println!("{report}");
    } else {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "| category | images | pipeline reads | plain reads | pipeline misreads | plain misreads | median ms pipeline | median ms plain |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
        for r in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} ({:.1} %) | {} ({:.1} %) | {} | {} | {:.1} | {:.1} |",
                r.category,
                r.images,
                r.pipeline.reads,
                rate(r.pipeline.reads, r.images),
                r.plain.reads,
                rate(r.plain.reads, r.images),
                r.pipeline.misreads,
                r.plain.misreads,
                r.pipeline.median_ms(),
                r.plain.median_ms(),
            );
        }
        let _ = writeln!(
            out,
            "| **total** | {images} | {} ({mean_p:.1} %) | {} ({mean_q:.1} %) | {} | {} | {:.1} | {:.1} |",
            all_p.reads,
            all_q.reads,
            all_p.misreads,
            all_q.misreads,
            all_p.median_ms(),
            all_q.median_ms(),
        );
        let _ = writeln!(
            out,
            "\neffort {}, rotations {}; the total's rates are the mean of the categories' rates",
            opts.effort.name(),
            rot_list.join(", ")
        );
        print!("{out}");
    }
    for line in &misread_lines {
        eprintln!("qrsmith: pipeline misread: {line}");
    }
    eprintln!(
        "qrsmith: {images} decodes per reader in {:.1} s{}",
        started.elapsed().as_secs_f64(),
        if error_count > 0 {
            format!(", {error_count} decode errors (counted as not read)")
        } else {
            String::new()
        }
    );
    Ok(if all_p.misreads > 0 {
        Outcome::Partial
    } else {
        Outcome::Found
    })
}
