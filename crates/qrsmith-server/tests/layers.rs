//! The crate's layers, as `docs/architecture.md` draws them, held by reading the sources:
//! only the top (the state, the routes, the middleware and `lib.rs`) names `AppState`, and no
//! two modules import each other, directly or through others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).unwrap();
            // Unit tests may build whatever they need.
            let code = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_owned(),
                None => text,
            };
            (rel, code)
        })
        .collect()
}

/// The top-level module a file belongs to: `routes/qr.rs` → `routes`, `jobs.rs` → `jobs`.
fn module_of(file: &str) -> &str {
    file.split('/').next().unwrap().trim_end_matches(".rs")
}

#[test]
fn only_the_top_layer_names_the_app_state() {
    let top =
        |f: &str| matches!(f, "state.rs" | "lib.rs" | "middleware.rs") || f.starts_with("routes/");
    let offenders: Vec<String> = sources()
        .into_iter()
        .filter(|(file, code)| !top(file) && code.contains("AppState"))
        .map(|(file, _)| file)
        .collect();
    assert!(
        offenders.is_empty(),
        "services and the domain are handed what they use, not AppState: {offenders:?}"
    );
}

#[test]
fn modules_import_downwards_only() {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (file, code) in sources() {
        let from = module_of(&file).to_owned();
        for (i, _) in code.match_indices("crate::") {
            let to: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !to.is_empty() && to != from {
                edges.entry(from.clone()).or_default().insert(to);
            }
        }
    }
    assert!(edges.len() > 10, "the parser found the modules: {edges:?}");
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                let mut path = path.clone();
                path.push(next.clone());
                assert_ne!(next, start, "an import cycle: {}", path.join(" → "));
                if seen.insert(next.clone()) {
                    stack.push((next.clone(), path));
                }
            }
        }
    }
}
