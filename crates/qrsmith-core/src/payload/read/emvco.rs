//! EMVCo Merchant-Presented Mode codes read back, and Pix codes among them.

use super::{ReadPayload, ReadValue};
use crate::payload::emvco::{crc16_ccitt_false, emv_amount};
use crate::payload::swiss::is_country;

/// ID/length/value objects; lengths count characters.
fn tlv(s: &str) -> Option<Vec<(String, String)>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let head: String = chars.get(i..i + 4)?.iter().collect();
        if !head.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let len: usize = head[2..].parse().ok()?;
        let value: String = chars.get(i + 4..i + 4 + len)?.iter().collect();
        out.push((head[..2].to_owned(), value));
        i += 4 + len;
    }
    Some(out)
}

const ADDITIONAL_DATA: [&str; 9] = [
    "bill_number",
    "mobile_number",
    "store_label",
    "loyalty_number",
    "reference_label",
    "customer_label",
    "terminal_label",
    "purpose",
    "consumer_data_request",
];

pub(super) fn read_emvco(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("emvco");
    let Some(objects) = tlv(text) else {
        p.problem(
            "text",
            "not a sequence of EMVCo ID/length/value data objects",
        );
        return p;
    };
    // The CRC: the last object, `6304` and four hex digits over everything before them.
    match objects.last() {
        Some((id, crc)) if id == "63" && crc.len() == 4 && text.ends_with(crc.as_str()) => {
            let body = &text[..text.len() - 4];
            let want = format!("{:04X}", crc16_ccitt_false(body.as_bytes()));
            p.set("crc", crc.clone());
            if !crc.eq_ignore_ascii_case(&want) {
                p.problem(
                    "crc",
                    format!("the CRC is {crc} but the data gives {want}: the code was altered or mistyped"),
                );
            }
        }
        _ => p.problem(
            "crc",
            "the last data object must be the CRC (ID 63, 4 characters)",
        ),
    }
    let mut pix: Option<Vec<(String, String)>> = None;
    let mut accounts = Vec::new();
    let mut seen = Vec::new();
    for (id, value) in &objects {
        if seen.contains(id) {
            p.problem(id, format!("ID {id} appears twice"));
        }
        seen.push(id.clone());
        let n: u32 = id.parse().unwrap_or(0);
        match n {
            0 => {
                if value != "01" {
                    p.problem("payload_format", format!("{value:?}; must be 01"));
                }
            }
            1 => match value.as_str() {
                "11" => p.set("initiation", "static"),
                "12" => p.set("initiation", "dynamic"),
                v => p.problem("initiation", format!("{v:?}: 11 (static) or 12 (dynamic)")),
            },
            2..=25 => accounts.push((id.clone(), ReadValue::Text(value.clone()))),
            26..=51 => {
                let subs = tlv(value).unwrap_or_default();
                if subs.is_empty() {
                    p.problem(
                        &format!("merchant_account_{id}"),
                        "not a template of data objects",
                    );
                }
                let gui = subs
                    .iter()
                    .find(|(i, _)| i == "00")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                if gui.eq_ignore_ascii_case(crate::payload::PIX_GUI) {
                    pix = Some(subs.clone());
                }
                let mut fields = vec![("id".to_owned(), ReadValue::Text(id.clone()))];
                fields.extend(subs.into_iter().map(|(i, v)| {
                    let name = if i == "00" { "gui".to_owned() } else { i };
                    (name, ReadValue::Text(v))
                }));
                accounts.push((id.clone(), ReadValue::Fields(fields)));
            }
            52 => {
                if value.len() != 4 || !value.bytes().all(|b| b.is_ascii_digit()) {
                    p.problem("merchant_category_code", format!("{value:?}: four digits"));
                }
                p.set("merchant_category_code", value.clone());
            }
            53 => {
                if value.len() != 3 || !value.bytes().all(|b| b.is_ascii_digit()) {
                    p.problem("currency", format!("{value:?}: three digits (ISO 4217)"));
                }
                p.set("currency", value.clone());
            }
            54 | 56 | 57 => {
                let name = match n {
                    54 => "amount",
                    56 => "convenience_fee_fixed",
                    _ => "convenience_fee_percentage",
                };
                if let Err(e) = emv_amount(name, value) {
                    p.refusal(e);
                }
                p.set(name, value.clone());
            }
            55 => {
                if !matches!(value.as_str(), "01" | "02" | "03") {
                    p.problem("tip_indicator", format!("{value:?}: 01, 02 or 03"));
                }
                p.set("tip_indicator", value.clone());
            }
            58 => {
                if !is_country(value) {
                    p.problem(
                        "country",
                        format!("{value:?}: an ISO 3166-1 two-letter code"),
                    );
                }
                p.set("country", value.clone());
            }
            59..=61 => {
                let (name, max) = match n {
                    59 => ("merchant_name", 25),
                    60 => ("merchant_city", 15),
                    _ => ("postal_code", 10),
                };
                if value.chars().count() > max {
                    p.problem(name, format!("more than {max} characters"));
                }
                p.set(name, value.clone());
            }
            62 => {
                let subs = tlv(value).unwrap_or_default();
                let mut fields = Vec::new();
                for (i, v) in subs {
                    let k: usize = i.parse().unwrap_or(0);
                    let name = match k {
                        1..=9 => ADDITIONAL_DATA[k - 1].to_owned(),
                        _ => i,
                    };
                    if (1..=8).contains(&k) && v.chars().count() > 25 {
                        p.problem(
                            &format!("additional_data.{name}"),
                            "more than 25 characters",
                        );
                    }
                    fields.push((name, ReadValue::Text(v)));
                }
                p.set_value("additional_data", ReadValue::Fields(fields));
            }
            63 => {}
            64 => {
                let subs = tlv(value).unwrap_or_default();
                let fields = subs
                    .into_iter()
                    .map(|(i, v)| {
                        let name = match i.as_str() {
                            "00" => "language".to_owned(),
                            "01" => "name".to_owned(),
                            "02" => "city".to_owned(),
                            _ => i,
                        };
                        (name, ReadValue::Text(v))
                    })
                    .collect();
                p.set_value("alternate_language", ReadValue::Fields(fields));
            }
            _ => p.set(&format!("data_object_{id}"), value.clone()),
        }
    }
    for (id, name) in [
        ("52", "merchant_category_code"),
        ("53", "currency"),
        ("58", "country"),
        ("59", "merchant_name"),
        ("60", "merchant_city"),
    ] {
        if !seen.iter().any(|s| s == id) {
            p.problem(name, format!("missing (ID {id})"));
        }
    }
    if accounts.is_empty() {
        p.problem(
            "merchant_accounts",
            "no merchant account information (IDs 02 to 51)",
        );
    }
    if objects.first().map(|(i, _)| i.as_str()) != Some("00") {
        p.problem("payload_format", "the first data object must be ID 00");
    }
    if let Some(subs) = pix {
        return pix_from(p, &subs);
    }
    p.fields.insert(
        0,
        ("merchant_accounts".to_owned(), ReadValue::Fields(accounts)),
    );
    p
}

/// The EMVCo reading of a Pix code, with its fields under Pix's names.
fn pix_from(emv: ReadPayload, subs: &[(String, String)]) -> ReadPayload {
    let mut p = ReadPayload::new("pix");
    let sub = |id: &str| {
        subs.iter()
            .find(|(i, _)| i == id)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    p.set("key", sub("01"));
    p.set("description", sub("02"));
    p.set("url", sub("25"));
    if sub("01").is_empty() && sub("25").is_empty() {
        p.problem(
            "key",
            "missing: a Pix code has a key (01) or a location (25)",
        );
    }
    for (from, to) in [
        ("merchant_name", "name"),
        ("merchant_city", "city"),
        ("amount", "amount"),
        ("postal_code", "postal_code"),
        ("initiation", "initiation"),
    ] {
        if let Some(v) = emv.text(from) {
            p.set(to, v);
        }
    }
    if let Some(ReadValue::Fields(f)) = emv.field("additional_data") {
        if let Some((_, ReadValue::Text(t))) = f.iter().find(|(n, _)| n == "reference_label") {
            p.set("txid", t.clone());
        }
    }
    if let Some(c) = emv.text("currency").filter(|c| *c != "986") {
        p.problem("currency", format!("{c}: Pix is paid in reais (986)"));
    }
    if let Some(c) = emv.text("country").filter(|c| *c != "BR") {
        p.problem("country", format!("{c}: Pix codes are Brazilian (BR)"));
    }
    if let Some(crc) = emv.text("crc") {
        p.set("crc", crc);
    }
    for problem in emv.problems {
        let field = match problem.field.as_str() {
            "merchant_name" => "name".to_owned(),
            "merchant_city" => "city".to_owned(),
            "additional_data.reference_label" => "txid".to_owned(),
            f => f.to_owned(),
        };
        p.problem(&field, problem.message);
    }
    p
}
