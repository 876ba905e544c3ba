//! Swiss QR-bills and EPC QR codes read back: one element per line.

use super::{ReadPayload, ReadValue};
use crate::payload::epc::{mod97, parse_amount, validate_bic, validate_iban};
use crate::payload::swiss::{is_country, is_qr_iban, valid_creditor_reference, valid_qr_reference};

fn lines(text: &str) -> Vec<&str> {
    text.split('\n').map(|l| l.trim_end_matches('\r')).collect()
}

fn swiss_address(p: &mut ReadPayload, who: &str, l: &[&str]) {
    if l.iter().all(|x| x.is_empty()) {
        return;
    }
    let names = [
        "address_type",
        "name",
        "street",
        "building_number",
        "postal_code",
        "town",
        "country",
    ];
    let fields: Vec<(String, ReadValue)> = names
        .iter()
        .zip(l)
        .filter(|(_, v)| !v.is_empty())
        .map(|(n, v)| ((*n).to_owned(), ReadValue::Text((*v).to_owned())))
        .collect();
    match l[0] {
        "S" => {}
        "K" => p.problem(
            &format!("{who}.address_type"),
            "combined addresses (K) are no longer allowed (guidelines 2.3)",
        ),
        t => p.problem(&format!("{who}.address_type"), format!("{t:?}: must be S")),
    }
    for (i, (name, max)) in [
        ("name", 70),
        ("street", 70),
        ("building_number", 16),
        ("postal_code", 16),
        ("town", 35),
    ]
    .into_iter()
    .enumerate()
    {
        let v = l[i + 1];
        if v.chars().count() > max {
            p.problem(
                &format!("{who}.{name}"),
                format!("more than {max} characters"),
            );
        }
        if v.is_empty() && matches!(name, "name" | "postal_code" | "town") {
            p.problem(&format!("{who}.{name}"), "missing");
        }
    }
    if !is_country(l[6]) {
        p.problem(
            &format!("{who}.country"),
            format!("{:?}: an ISO 3166-1 two-letter code", l[6]),
        );
    }
    p.set_value(who, ReadValue::Fields(fields));
}

pub(super) fn read_swiss(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("swiss_qr_bill");
    let l = lines(text);
    if l.len() < 31 {
        p.problem(
            "text",
            format!("{} lines; a QR-bill has at least 31", l.len()),
        );
        return p;
    }
    if l[1] != "0200" {
        p.problem("version", format!("{:?}: must be 0200", l[1]));
    }
    if l[2] != "1" {
        p.problem("coding", format!("{:?}: must be 1 (UTF-8)", l[2]));
    }
    let iban = l[3];
    p.set("iban", iban);
    match validate_iban(iban) {
        Err(e) => p.refusal(e),
        Ok(i) if !matches!(&i[..2], "CH" | "LI") => p.problem("iban", "must be a CH or LI IBAN"),
        Ok(_) => {}
    }
    swiss_address(&mut p, "creditor", &l[4..11]);
    if l[11..18].iter().any(|x| !x.is_empty()) {
        p.problem("ultimate_creditor", "reserved: must be empty");
    }
    p.set("amount", l[18]);
    if !l[18].is_empty() {
        if let Err(e) = parse_amount(l[18]) {
            p.refusal(e);
        }
    }
    p.set("currency", l[19]);
    if !matches!(l[19], "CHF" | "EUR") {
        p.problem("currency", format!("{:?}: CHF or EUR", l[19]));
    }
    swiss_address(&mut p, "debtor", &l[20..27]);
    let (kind, reference) = (l[27], l[28]);
    p.set("reference_type", kind);
    p.set("reference", reference);
    let qr_iban = is_qr_iban(iban);
    match kind {
        "QRR" => {
            if !qr_iban {
                p.problem("reference_type", "QRR needs a QR-IBAN");
            }
            if !valid_qr_reference(reference) {
                p.problem(
                    "reference",
                    "not a QR reference: 27 digits whose last is the recursive mod-10 check digit",
                );
            }
        }
        "SCOR" | "NON" if qr_iban => {
            p.problem("reference_type", "a QR-IBAN requires a QR reference (QRR)")
        }
        "SCOR" => {
            if !valid_creditor_reference(reference) {
                p.problem(
                    "reference",
                    "not an ISO 11649 creditor reference (RF and check digits that pass mod 97)",
                );
            }
        }
        "NON" => {
            if !reference.is_empty() {
                p.problem("reference", "must be empty with NON");
            }
        }
        k => p.problem("reference_type", format!("{k:?}: QRR, SCOR or NON")),
    }
    p.set("message", l[29]);
    if l[30] != "EPD" {
        p.problem("trailer", format!("{:?}: must be EPD", l[30]));
    }
    let billing = l.get(31).copied().unwrap_or("");
    p.set("billing_information", billing);
    if l[29].chars().count() + billing.chars().count() > 140 {
        p.problem(
            "message",
            "message and billing information have more than 140 characters",
        );
    }
    let alternatives: Vec<String> = l
        .iter()
        .skip(32)
        .filter(|a| !a.is_empty())
        .map(|a| (*a).to_owned())
        .collect();
    if alternatives.len() > 2 {
        p.problem("alternative_schemes", "more than 2");
    }
    if !alternatives.is_empty() {
        p.set_value("alternative_schemes", ReadValue::List(alternatives));
    }
    if text.chars().count() > 997 {
        p.problem("text", "more than 997 characters");
    }
    p
}

pub(super) fn read_epc(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("epc");
    let l = lines(text);
    let get = |i: usize| l.get(i).copied().unwrap_or("");
    if !matches!(get(1), "001" | "002") {
        p.problem("version", format!("{:?}: 001 or 002", get(1)));
    }
    if get(3) != "SCT" {
        p.problem("identification", format!("{:?}: must be SCT", get(3)));
    }
    p.set("bic", get(4));
    if !get(4).is_empty() {
        if let Err(e) = validate_bic(get(4)) {
            p.refusal(e);
        }
    } else if get(1) == "001" {
        p.problem("bic", "required in version 001");
    }
    p.set("name", get(5));
    if get(5).is_empty() {
        p.problem("name", "missing");
    }
    p.set("iban", get(6));
    if let Err(e) = validate_iban(get(6)) {
        p.refusal(e);
    }
    let amount = get(7);
    if !amount.is_empty() {
        match amount.strip_prefix("EUR") {
            Some(a) => {
                p.set("amount", a);
                if let Err(e) = parse_amount(a) {
                    p.refusal(e);
                }
            }
            None => p.problem("amount", "must start with EUR"),
        }
    }
    p.set("purpose", get(8));
    p.set("reference", get(9));
    let r = get(9);
    if r.starts_with("RF") && !(r.len() >= 5 && mod97(&format!("{}{}", &r[4..], &r[..4])) == 1) {
        p.problem(
            "reference",
            "the creditor reference's check digits do not match (mod 97)",
        );
    }
    p.set("remittance_text", get(10));
    p.set("information", get(11));
    p
}
