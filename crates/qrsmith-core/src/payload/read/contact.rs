//! Wi-Fi, MeCard, vCard and VEVENT read back.

use super::{ReadPayload, ReadValue};

/// Splits at `sep` not preceded by a backslash, removing the backslashes.
fn split_escaped(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let (Some(n), Some(l)) = (chars.next(), out.last_mut()) {
                l.push(n);
            }
        } else if c == sep {
            out.push(String::new());
        } else if let Some(l) = out.last_mut() {
            l.push(c);
        }
    }
    out
}

pub(super) fn read_wifi(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("wifi");
    let mut ssid = false;
    for part in split_escaped(&text[5..], ';') {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        let name = match k {
            "S" => {
                ssid = !v.is_empty();
                "ssid"
            }
            "T" => "auth",
            "P" => "password",
            "H" => "hidden",
            other => other,
        };
        p.set(name, v);
    }
    if !ssid {
        p.problem("ssid", "missing");
    }
    p
}

pub(super) fn read_mecard(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("mecard");
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    for part in split_escaped(&text[7..], ';') {
        let Some((k, v)) = part.split_once(':') else {
            continue;
        };
        match k {
            "N" => p.set("name", v),
            "TEL" => phones.push(v.to_owned()),
            "EMAIL" => emails.push(v.to_owned()),
            "ADR" => p.set("address", v),
            "URL" => p.set("url", v),
            "BDAY" => p.set("birthday", v),
            "NOTE" => p.set("note", v),
            other => p.set(&other.to_ascii_lowercase(), v),
        }
    }
    if !phones.is_empty() {
        p.set_value("phones", ReadValue::List(phones));
    }
    if !emails.is_empty() {
        p.set_value("emails", ReadValue::List(emails));
    }
    if p.text("name").is_none() {
        p.problem("name", "missing (N)");
    }
    p
}

/// Content lines unfolded (RFC 5545 3.1, RFC 6350 3.2): `(NAME, params, value)`.
fn content_lines(text: &str) -> Vec<(String, String, String)> {
    let unfolded = text
        .replace("\r\n ", "")
        .replace("\r\n\t", "")
        .replace("\n ", "");
    unfolded
        .lines()
        .filter_map(|l| {
            let (head, value) = l.split_once(':')?;
            let (name, params) = head.split_once(';').unwrap_or((head, ""));
            Some((
                name.to_ascii_uppercase(),
                params.to_owned(),
                value.to_owned(),
            ))
        })
        .collect()
}

/// A vCard or iCalendar text value unescaped (`\n`, `\,`, `\;`, `\\`).
fn unescape_text(v: &str) -> String {
    let mut out = String::new();
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(o) => out.push(o),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) fn read_vcard(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("vcard");
    let mut phones = Vec::new();
    let mut emails = Vec::new();
    let mut addresses = Vec::new();
    let mut end = false;
    for (name, _, value) in content_lines(text) {
        match name.as_str() {
            "VERSION" => p.set("version", value),
            "FN" => p.set("formatted_name", unescape_text(&value)),
            "N" => p.set("name", value),
            "ORG" => p.set("org", unescape_text(&value)),
            "TITLE" => p.set("title", unescape_text(&value)),
            "TEL" => phones.push(value.strip_prefix("tel:").unwrap_or(&value).to_owned()),
            "EMAIL" => emails.push(value),
            "ADR" => addresses.push(value),
            "URL" => p.set("url", value),
            "NOTE" => p.set("note", unescape_text(&value)),
            "END" => end = true,
            _ => {}
        }
    }
    for (field, list) in [
        ("phones", phones),
        ("emails", emails),
        ("addresses", addresses),
    ] {
        if !list.is_empty() {
            p.set_value(field, ReadValue::List(list));
        }
    }
    if p.text("version").is_none() {
        p.problem("version", "missing (VERSION is required)");
    }
    if !end {
        p.problem("text", "no END:VCARD");
    }
    p
}

pub(super) fn read_event(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("event");
    let mut end = false;
    for (name, _, value) in content_lines(text) {
        match name.as_str() {
            "SUMMARY" => p.set("summary", unescape_text(&value)),
            "DTSTART" => p.set("start", value),
            "DTEND" => p.set("end", value),
            "LOCATION" => p.set("location", unescape_text(&value)),
            "DESCRIPTION" => p.set("description", unescape_text(&value)),
            "END" if value.eq_ignore_ascii_case("VEVENT") => end = true,
            _ => {}
        }
    }
    if p.text("start").is_none() {
        p.problem("start", "missing (DTSTART)");
    }
    if !end {
        p.problem("text", "no END:VEVENT");
    }
    p
}
