//! `qrsmith bench hardcases|accuracy` end to end: the generated set on disk, the accuracy table's
//! shape, misreads counted and turned into the exit code.

mod common;

use common::{path_str, qrsmith, scratch, stderr, stdout};

use serde_json::Value;

const CATEGORIES: &[&str] = &[
    "glare",
    "shadow",
    "blur",
    "noise-jpeg",
    "cylinder",
    "perspective",
    "damage",
    "tiny",
    "fill",
    "moire",
    "dense",
    "inverted",
    "mirrored",
    "multi",
];

#[test]
fn accuracy_over_generated_cases_prints_a_row_per_category_and_no_misread() {
    let out = qrsmith(&[
        "bench",
        "accuracy",
        "--generated",
        "3:1",
        "--rotations",
        "0,90",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with('|')).collect();
    // Header, rule, one row per category, total.
    assert_eq!(rows.len(), 2 + CATEGORIES.len() + 1, "{text}");
    assert!(rows[0].contains("pipeline reads") && rows[0].contains("median ms plain"));
    for (row, name) in rows[2..].iter().zip(CATEGORIES) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        assert_eq!(cells[1], *name, "{row}");
        // One image at two rotations.
        assert_eq!(cells[2], "2", "{row}");
        assert_eq!(cells[5], "0", "pipeline misreads: {row}");
    }
    assert!(
        rows.last().unwrap().starts_with("| **total** | 28 |"),
        "{text}"
    );

    // The same run as JSON: the figures add up.
    let out = qrsmith(&["bench", "accuracy", "--generated", "3:1", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let cats = report["categories"].as_array().expect("categories");
    assert_eq!(cats.len(), CATEGORIES.len());
    let mut reads = 0;
    for c in cats {
        assert_eq!(c["images"], 1);
        assert_eq!(c["pipeline"]["misreads"], 0, "{c}");
        let r = c["pipeline"]["reads"].as_u64().unwrap();
        assert!(r <= 1);
        reads += r;
        assert!(c["pipeline"]["median_ms"].as_f64().unwrap() > 0.0);
        assert!(c["plain"]["median_ms"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(report["total"]["images"], 14);
    assert_eq!(report["total"]["pipeline"]["reads"], reads);
    assert_eq!(report["total"]["pipeline"]["misreads"], 0);
    assert_eq!(report["rotations"], serde_json::json!([0]));
    // The generator's easy cases are real codes: most of them read.
    assert!(reads >= 7, "{report}");
}

#[test]
fn hardcases_written_to_disk_read_back_as_categories() {
    let dir = scratch("bench_hardcases");
    let set = dir.join("set");
    let args = [
        "bench",
        "hardcases",
        "--out",
        path_str(&set),
        "--seed",
        "5",
        "--per-category",
        "2",
        "--categories",
        "glare,multi",
    ];
    let out = qrsmith(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for n in ["00", "01"] {
        assert!(set.join(format!("glare/{n}.png")).is_file());
        let one = std::fs::read_to_string(set.join(format!("glare/{n}.txt"))).unwrap();
        assert!(!one.is_empty() && !one.contains('\n'));
        let many = std::fs::read_to_string(set.join(format!("multi/{n}.texts"))).unwrap();
        assert!((2..=5).contains(&many.lines().count()), "{many}");
    }
    // Deterministic: the same seed writes the same bytes.
    let first = std::fs::read(set.join("multi/01.png")).unwrap();
    let again = dir.join("again");
    let mut args2 = args;
    args2[3] = path_str(&again);
    assert_eq!(qrsmith(&args2).status.code(), Some(0));
    assert_eq!(std::fs::read(again.join("multi/01.png")).unwrap(), first);

    let out = qrsmith(&["bench", "accuracy", path_str(&set), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let names: Vec<&str> = report["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["glare", "multi"]);
    assert_eq!(report["total"]["images"], 4);
}

#[test]
fn a_wrong_expected_text_is_a_misread_and_fails_the_run() {
    let dir = scratch("bench_misread");
    let set = dir.join("labels");
    std::fs::create_dir_all(&set).unwrap();
    for (name, text, expected) in [("a", "right", "right"), ("b", "hello", "goodbye")] {
        let png = set.join(format!("{name}.png"));
        let out = qrsmith(&["encode", text, "-o", path_str(&png)]);
        assert!(out.status.success(), "{}", stderr(&out));
        std::fs::write(set.join(format!("{name}.txt")), expected).unwrap();
    }
    // An image without an expected result is not counted.
    let out = qrsmith(&["encode", "ignored", "-o", path_str(&set.join("c.png"))]);
    assert!(out.status.success());

    let out = qrsmith(&["bench", "accuracy", path_str(&set), "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("misread"), "{}", stderr(&out));
    let report: Value = serde_json::from_str(&stdout(&out)).expect("JSON report");
    let c = &report["categories"][0];
    assert_eq!(c["category"], "labels");
    assert_eq!(c["images"], 2);
    assert_eq!(c["pipeline"]["reads"], 1);
    assert_eq!(c["pipeline"]["misreads"], 1);
    assert_eq!(c["plain"]["misreads"], 1);
}

#[test]
fn bad_arguments_are_refused() {
    let out = qrsmith(&["bench", "accuracy"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nothing to read"), "{}", stderr(&out));
    let out = qrsmith(&[
        "bench",
        "accuracy",
        "--generated",
        "1:1",
        "--rotations",
        "45",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("0, 90, 180 or 270"),
        "{}",
        stderr(&out)
    );
    let out = qrsmith(&["bench", "accuracy", "--generated", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("SEED:K"), "{}", stderr(&out));
    let dir = scratch("bench_bad_category");
    let out = qrsmith(&[
        "bench",
        "hardcases",
        "--out",
        path_str(&dir),
        "--categories",
        "sepia",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unknown category"),
        "{}",
        stderr(&out)
    );
}
