//! Which files the reading commands (`decode`, `batch decode`, `bench accuracy`) take from a
//! directory: the images, known by their extension.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// Extensions of the images read from a directory (compared without case).
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp", "tif", "tiff"];

/// Whether `path` is a file with an image's extension.
pub(crate) fn is_image(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// The files to read: each path given that is not a directory (standard input's `-` too), and
/// the images directly inside each directory given, in name order so that runs compare.
pub(crate) fn image_files(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for input in inputs {
        if input.is_dir() {
            let mut found = Vec::new();
            for entry in std::fs::read_dir(input)
                .with_context(|| format!("cannot list {}", input.display()))?
            {
                let path = entry
                    .with_context(|| format!("cannot list {}", input.display()))?
                    .path();
                if is_image(&path) {
                    found.push(path);
                }
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    if files.is_empty() {
        bail!("no images found in {}", display_list(inputs));
    }
    Ok(files)
}

fn display_list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
