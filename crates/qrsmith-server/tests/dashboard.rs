//! The Grafana dashboard (deploy/grafana/qrsmith.json) is a dashboard Grafana can load, and every
//! metric its queries name is one this service exports: the names are taken from the service's
//! own `GET /metrics` after traffic and a batch job (so labelled families are present), not from
//! a list kept by hand. A metric renamed in metrics.rs fails this test until the dashboard
//! follows.

mod common;

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;

/// Series Prometheus itself adds for every scraped target.
const PROMETHEUS_OWN: &[&str] = &["up"];

/// PromQL words that are neither metrics nor followed by `(`.
const KEYWORDS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "bool",
    "offset",
    "inf",
    "nan",
];
/// Aggregation operators: functions that may be followed by `by (...)` before their `(`.
const AGGREGATIONS: &[&str] = &[
    "sum",
    "avg",
    "min",
    "max",
    "count",
    "group",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "quantile",
    "count_values",
    "limitk",
    "limit_ratio",
];
/// Keywords followed by a parenthesised list of label names.
const LABEL_LISTS: &[&str] = &[
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
];

fn dashboard() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../deploy/grafana/qrsmith.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
}

/// The metric names in a PromQL expression: identifiers outside label matchers, strings and
/// range brackets that are not functions, keywords or grouping labels. Panics on unbalanced
/// brackets or quotes, which Grafana would show as a broken panel.
fn metric_names(expr: &str) -> Vec<String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut names = Vec::new();
    let mut depth = Vec::new();
    let mut i = 0;
    let mut skip_label_list = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '"' | '\'' | '`' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .unwrap_or_else(|| panic!("unclosed quote in {expr}"));
                i += close + 2;
                continue;
            }
            '{' | '[' => {
                // Label matchers and ranges: nothing in them is a metric name.
                let close = if c == '{' { '}' } else { ']' };
                let end = chars[i..]
                    .iter()
                    .position(|&d| d == close)
                    .unwrap_or_else(|| panic!("unclosed {c} in {expr}"));
                i += end + 1;
                continue;
            }
            '(' => {
                if skip_label_list {
                    let end = chars[i..]
                        .iter()
                        .position(|&d| d == ')')
                        .unwrap_or_else(|| panic!("unclosed label list in {expr}"));
                    i += end + 1;
                    skip_label_list = false;
                    continue;
                }
                depth.push(i);
            }
            ')' => {
                depth
                    .pop()
                    .unwrap_or_else(|| panic!("unbalanced ) in {expr}"));
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == ':' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric() || chars[i] == '_' || chars[i] == ':')
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let next = chars[i..].iter().find(|c| !c.is_whitespace());
                if LABEL_LISTS.contains(&word.as_str()) {
                    skip_label_list = true;
                } else if KEYWORDS.contains(&word.to_ascii_lowercase().as_str())
                    || AGGREGATIONS.contains(&word.as_str())
                    || next == Some(&'(')
                {
                    // A keyword or a function.
                } else {
                    names.push(word);
                }
                continue;
            }
            '$' => {
                // A Grafana variable ($__rate_interval, $route): skip its name.
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    assert!(depth.is_empty(), "unbalanced ( in {expr}");
    names
}

#[test]
fn the_parser_finds_metric_names_only() {
    let expr = r#"histogram_quantile(0.99, sum by (le, route) (rate(a_bucket{job="x",route=~"$route"}[$__rate_interval]))) / on (pod) group_left b_total > 0.1 and c"#;
    assert_eq!(metric_names(expr), ["a_bucket", "b_total", "c"]);
    assert_eq!(metric_names("count(up == 1)"), ["up"]);
}

/// Every series name the service exports, from its own /metrics once it has served traffic.
async fn exported_names() -> HashSet<String> {
    let (app, _state) = service(config());
    let png = send(&app, post_json("/generate", r#"{"text": "dashboard"}"#)).await;
    assert_eq!(png.status, StatusCode::OK);
    let read = send(&app, post_multipart("/decode", "image", &png.body)).await;
    assert_eq!(read.status, StatusCode::OK);
    let job = send(
        &app,
        post_json(
            "/api/v1/jobs",
            r#"{"type": "generate", "items": [{"text": "one"}, {"filename": "no text"}]}"#,
        ),
    )
    .await;
    assert_eq!(job.status, StatusCode::ACCEPTED, "{:?}", job.body);
    let id = job.json()["id"].as_str().unwrap().to_owned();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let status = send(&app, get(&format!("/api/v1/jobs/{id}"))).await.json();
        if status["status"] == "succeeded" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "job not done: {status}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let metrics = send(&app, get("/metrics")).await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = String::from_utf8(metrics.body.to_vec()).unwrap();
    let mut names = HashSet::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("# TYPE ") else {
            continue;
        };
        let mut parts = rest.split_whitespace();
        let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
        names.insert(name.to_owned());
        if kind == "histogram" || kind == "summary" {
            for suffix in ["_bucket", "_sum", "_count"] {
                names.insert(format!("{name}{suffix}"));
            }
        }
    }
    assert!(names.len() > 10, "too few metrics in\n{text}");
    names
}

#[tokio::test]
async fn dashboard_is_grafana_json_and_queries_only_exported_metrics() {
    let d = dashboard();
    assert_eq!(d["uid"], "qrsmith");
    assert!(d["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(
        d["schemaVersion"].as_u64().is_some_and(|v| v >= 36),
        "schemaVersion"
    );
    let variables: HashSet<&str> = d["templating"]["list"]
        .as_array()
        .expect("templating.list")
        .iter()
        .map(|v| v["name"].as_str().expect("variable name"))
        .collect();
    assert!(variables.contains("datasource"));

    let panels = d["panels"].as_array().expect("panels");
    let mut ids = HashSet::new();
    let mut exprs = Vec::new();
    for p in panels {
        let title = p["title"].as_str().expect("every panel has a title");
        assert!(
            ids.insert(p["id"].as_u64().expect("numeric id")),
            "duplicate id: {title}"
        );
        let g = &p["gridPos"];
        let (x, w, h) = (g["x"].as_u64(), g["w"].as_u64(), g["h"].as_u64());
        assert!(
            matches!((x, w, h), (Some(x), Some(w), Some(h)) if x + w <= 24 && w > 0 && h > 0)
                && g["y"].is_u64(),
            "{title}: gridPos {g}"
        );
        if p["type"] == "row" {
            continue;
        }
        assert!(
            ["timeseries", "stat", "gauge", "table", "bargauge"]
                .contains(&p["type"].as_str().unwrap_or("")),
            "{title}: panel type {}",
            p["type"]
        );
        assert_eq!(p["datasource"]["uid"], "${datasource}", "{title}");
        let targets = p["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{title} has no query");
        for t in targets {
            let expr = t["expr"].as_str().expect("expr");
            assert!(
                expr.contains(r#"job="qrsmith""#),
                "{title}: {expr} does not select job=\"qrsmith\""
            );
            exprs.push((title.to_owned(), expr.to_owned()));
        }
    }
    for v in d["templating"]["list"].as_array().unwrap() {
        if let Some(q) = v["query"]["query"].as_str() {
            let inner = q
                .strip_prefix("label_values(")
                .and_then(|q| q.rsplit_once(','))
                .map(|(series, _)| series)
                .unwrap_or(q);
            exprs.push((format!("variable {}", v["name"]), inner.to_owned()));
        }
    }
    // Variables used in queries are defined (Grafana's own $__ ones aside).
    for (title, expr) in &exprs {
        for var in expr.split('$').skip(1) {
            let name: String = var
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            assert!(
                name.starts_with("__") || variables.contains(name.as_str()),
                "{title}: ${name} undefined"
            );
        }
    }

    let exported = exported_names().await;
    let mut used = BTreeSet::new();
    let mut unknown = Vec::new();
    for (title, expr) in &exprs {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "{title}: no metric in {expr}");
        for name in names {
            if !exported.contains(&name) && !PROMETHEUS_OWN.contains(&name.as_str()) {
                unknown.push(format!("{title}: {name}"));
            }
            used.insert(name);
        }
    }
    assert!(
        unknown.is_empty(),
        "metrics the service does not export: {unknown:#?}"
    );
    // The issue's panels: requests and errors per route, latency, queue, workers, cache, jobs,
    // memory and CPU per pod.
    for needed in [
        "qrsmith_http_requests_total",
        "qrsmith_http_request_duration_seconds_bucket",
        "qrsmith_worker_queue_length",
        "qrsmith_workers_active",
        "qrsmith_cache_hits_total",
        "qrsmith_jobs_submitted_total",
        "qrsmith_jobs_oldest_queued_age_seconds",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
    ] {
        assert!(used.contains(needed), "no panel shows {needed}");
    }
}
