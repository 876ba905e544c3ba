//! URI payloads read back: UPI, Bitcoin, GS1 Digital Link, mailto, sms, geo.

use super::{percent_decode, query_pairs, ReadPayload, ReadValue};
use crate::payload::bitcoin::valid_address;
use crate::payload::gs1::gs1_check_digit;
use crate::payload::upi::{upi_amount, valid_vpa};

pub(super) fn read_upi(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("upi");
    let Some(query) = text.split_once('?').map(|(_, q)| q) else {
        p.problem("text", "no parameters");
        return p;
    };
    if !text[6..].to_ascii_lowercase().starts_with("pay") {
        p.problem("text", "not a upi://pay link");
    }
    let mut vpa = None;
    let mut name = false;
    for (k, v) in query_pairs(query) {
        let field = match k.as_str() {
            "pa" => {
                vpa = Some(v.clone());
                "vpa"
            }
            "pn" => {
                name = true;
                "name"
            }
            "am" => {
                if let Err(e) = upi_amount("amount", &v) {
                    p.refusal(e);
                }
                "amount"
            }
            "cu" => {
                if v != "INR" {
                    p.problem("currency", format!("{v:?}: UPI pays in INR"));
                }
                "currency"
            }
            "tn" => "note",
            "tr" => "reference",
            "mc" => "merchant_code",
            other => {
                p.set(other, v);
                continue;
            }
        };
        p.set(field, v);
    }
    match vpa {
        None => p.problem("vpa", "missing (pa)"),
        Some(v) if !valid_vpa(&v) => p.problem("vpa", format!("{v:?} is not a UPI address")),
        Some(_) => {}
    }
    if !name {
        p.problem("name", "missing (pn)");
    }
    p
}

pub(super) fn read_bitcoin(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("bitcoin");
    let rest = &text[8..];
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    p.set("address", address);
    if !valid_address(address) {
        p.problem(
            "address",
            "not a Bitcoin address, or its checksum does not match",
        );
    }
    for (k, v) in query_pairs(query) {
        if k == "amount" {
            let ok = v.split_once('.').map_or(v.len(), |(_, f)| f.len()) <= 8
                && v.parse::<f64>().is_ok_and(|a| a > 0.0 && a <= 21e6)
                && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            if !ok {
                p.problem("amount", format!("{v:?}: BTC, at most eight decimals"));
            }
        } else if k.starts_with("req-") {
            p.problem(
                &k,
                "a required parameter (req-) that this reader does not know",
            );
        }
        p.set(&k, v);
    }
    p
}

/// A GS1 Digital Link URI for a GTIN, or `None` for another web address.
pub(super) fn read_gs1(text: &str) -> Option<ReadPayload> {
    let (base, query) = text.split_once('?').unwrap_or((text, ""));
    let base = base.split('#').next().unwrap_or(base);
    let after_scheme = base.split_once("://")?.1;
    let segments: Vec<&str> = after_scheme.split('/').collect();
    let at = segments.iter().enumerate().skip(1).position(|(i, s)| {
        *s == "01"
            && segments.get(i + 1).is_some_and(|g| {
                matches!(g.len(), 8 | 12 | 13 | 14) && g.bytes().all(|b| b.is_ascii_digit())
            })
    })? + 1;
    let mut p = ReadPayload::new("gs1_digital_link");
    p.set("domain", segments[..at].join("/"));
    let gtin = segments[at + 1];
    p.set("gtin", format!("{gtin:0>14}"));
    let (body, check) = gtin.split_at(gtin.len() - 1);
    if check.parse::<u32>().ok() != Some(gs1_check_digit(body)) {
        p.problem(
            "gtin",
            format!(
                "the check digit is {check}; {body} needs {}",
                gs1_check_digit(body)
            ),
        );
    }
    let order = ["22", "10", "21"];
    let mut last = 0;
    let rest = &segments[at + 2..];
    for pair in rest.chunks(2) {
        let (ai, value) = (pair[0], pair.get(1).copied().unwrap_or(""));
        let Some(pos) = order.iter().position(|o| *o == ai) else {
            p.problem(
                "path",
                format!("/{ai}/ is not a key qualifier of a GTIN (22, 10, 21)"),
            );
            continue;
        };
        if pos < last {
            p.problem("path", "key qualifiers must come in the order 22, 10, 21");
        }
        last = pos + 1;
        let name = ["cpv", "lot", "serial"][pos];
        p.set(name, percent_decode(value));
    }
    let mut attributes = Vec::new();
    for (k, v) in query_pairs(query) {
        let name = match k.as_str() {
            "11" => "production_date",
            "15" => "best_before",
            "17" => "expiry",
            _ => {
                attributes.push((k, ReadValue::Text(v)));
                continue;
            }
        };
        let ok = v.len() == 6
            && v.bytes().all(|b| b.is_ascii_digit())
            && (1..=12).contains(&v[2..4].parse::<u32>().unwrap_or(0))
            && v[4..6].parse::<u32>().unwrap_or(99) <= 31;
        if !ok {
            p.problem(name, format!("{v:?}: a date is YYMMDD"));
        }
        p.set(name, v);
    }
    if !attributes.is_empty() {
        p.set_value("attributes", ReadValue::Fields(attributes));
    }
    Some(p)
}

pub(super) fn read_mailto(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("email");
    let rest = &text[7..];
    let (to, query) = rest.split_once('?').unwrap_or((rest, ""));
    p.set("to", percent_decode(to));
    for (k, v) in query_pairs(query) {
        p.set(&k.to_ascii_lowercase(), v);
    }
    p
}

pub(super) fn read_sms(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("sms");
    if text
        .get(..6)
        .is_some_and(|t| t.eq_ignore_ascii_case("smsto:"))
    {
        // SMSTO:number:body, the older form many generators still write.
        let (number, body) = text[6..].split_once(':').unwrap_or((&text[6..], ""));
        p.set("number", number);
        p.set("body", body);
        return p;
    }
    let rest = &text[4..];
    let (number, query) = rest.split_once('?').unwrap_or((rest, ""));
    p.set("number", percent_decode(number));
    for (k, v) in query_pairs(query) {
        p.set(&k.to_ascii_lowercase(), v);
    }
    p
}

pub(super) fn read_geo(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("geo");
    let coords = text[4..].split([';', '?']).next().unwrap_or("");
    let parts: Vec<&str> = coords.split(',').collect();
    let names = ["latitude", "longitude", "altitude"];
    for (i, v) in parts.iter().enumerate().take(3) {
        p.set(names[i], *v);
    }
    let num = |i: usize| parts.get(i).and_then(|v| v.parse::<f64>().ok());
    match (num(0), num(1)) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat) {
                p.problem("latitude", "outside -90 to 90");
            }
            if !(-180.0..=180.0).contains(&lon) {
                p.problem("longitude", "outside -180 to 180");
            }
        }
        _ => p.problem("latitude", "geo: needs latitude,longitude as numbers"),
    }
    p
}
