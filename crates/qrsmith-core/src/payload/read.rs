//! Payloads read back: a decoded symbol's text recognised as one of the payload types, with
//! its fields, and checked as its specification asks (checksums included: the EMVCo CRC, the
//! IBAN's mod 97, the QR reference's mod 10, the creditor reference's mod 97, the GTIN's check
//! digit, a Bitcoin address's checksum). A text that is recognised but breaks a rule is still
//! read: `valid` is false and `problems` says which field and why, so that a tampered code can
//! be shown as such.

use super::bitcoin::valid_address;
use super::emvco::{crc16_ccitt_false, emv_amount};
use super::epc::{mod97, parse_amount, validate_bic, validate_iban};
use super::gs1::gs1_check_digit;
use super::swiss::{is_country, is_qr_iban, valid_creditor_reference, valid_qr_reference};
use super::upi::{upi_amount, valid_vpa};

/// A value of a field read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadValue {
    /// One value.
    Text(String),
    /// Several values (a vCard's phone numbers).
    List(Vec<String>),
    /// Named sub-fields (an address, an EMVCo template).
    Fields(Vec<(String, ReadValue)>),
}

/// A rule that the text breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Problem {
    /// The field (`crc`, `iban`, `creditor.country`).
    pub field: String,
    /// What is wrong, for people.
    pub message: String,
}

/// A payload read back from a symbol's text.
///
/// With the `serde` feature it serializes as `{"type": "pix", "key": …, …, "valid": true,
/// "problems": []}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPayload {
    /// The type, as [`super::Payload`]'s `"type"` spells it (`"swiss_qr_bill"`), plus
    /// `"url"` for any other web address.
    pub kind: &'static str,
    /// The fields in the order of the text.
    pub fields: Vec<(String, ReadValue)>,
    /// No problems were found.
    pub valid: bool,
    /// The rules the text breaks.
    pub problems: Vec<Problem>,
}

impl ReadPayload {
    fn new(kind: &'static str) -> Self {
        ReadPayload {
            kind,
            fields: Vec::new(),
            valid: true,
            problems: Vec::new(),
        }
    }

    /// The field `name`.
    pub fn field(&self, name: &str) -> Option<&ReadValue> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The field `name` when it is one text.
    pub fn text(&self, name: &str) -> Option<&str> {
        match self.field(name) {
            Some(ReadValue::Text(t)) => Some(t),
            _ => None,
        }
    }

    fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.fields.push((name.to_owned(), ReadValue::Text(value)));
        }
    }

    fn set_value(&mut self, name: &str, value: ReadValue) {
        self.fields.push((name.to_owned(), value));
    }

    fn problem(&mut self, field: &str, message: impl Into<String>) {
        self.valid = false;
        self.problems.push(Problem {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// A builder's refusal (`field: message`) as a problem.
    fn refusal(&mut self, err: crate::Error) {
        let msg = err.message();
        match msg.split_once(": ") {
            Some((field, rest)) => self.problem(field, rest),
            None => self.problem("text", msg),
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ReadValue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            ReadValue::Text(t) => s.serialize_str(t),
            ReadValue::List(l) => l.serialize(s),
            ReadValue::Fields(f) => {
                let mut map = s.serialize_map(Some(f.len()))?;
                for (k, v) in f {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for ReadPayload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.fields.len() + 3))?;
        map.serialize_entry("type", self.kind)?;
        for (k, v) in &self.fields {
            map.serialize_entry(k, v)?;
        }
        map.serialize_entry("valid", &self.valid)?;
        map.serialize_entry("problems", &self.problems)?;
        map.end()
    }
}

/// Recognises `text` as one of the payload types and reads its fields; `None` when it is
/// none of them (plain text).
pub fn read(text: &str) -> Option<ReadPayload> {
    let lower = text.get(..12).unwrap_or(text).to_ascii_lowercase();
    if text.starts_with("000201") {
        Some(read_emvco(text))
    } else if text.starts_with("SPC\n") || text.starts_with("SPC\r\n") {
        Some(read_swiss(text))
    } else if text.starts_with("BCD\n") || text.starts_with("BCD\r\n") {
        Some(read_epc(text))
    } else if lower.starts_with("upi://") {
        Some(read_upi(text))
    } else if lower.starts_with("bitcoin:") {
        Some(read_bitcoin(text))
    } else if lower.starts_with("http://") || lower.starts_with("https://") {
        Some(read_gs1(text).unwrap_or_else(|| {
            let mut p = ReadPayload::new("url");
            p.set("url", text);
            p
        }))
    } else if text.starts_with("WIFI:") {
        Some(read_wifi(text))
    } else if text.starts_with("MECARD:") {
        Some(read_mecard(text))
    } else if lower.starts_with("begin:vcard") {
        Some(read_vcard(text))
    } else if lower.starts_with("begin:vevent") || lower.starts_with("begin:vcalen") {
        Some(read_event(text))
    } else if lower.starts_with("mailto:") {
        Some(read_mailto(text))
    } else if lower.starts_with("sms:") || lower.starts_with("smsto:") {
        Some(read_sms(text))
    } else if lower.starts_with("tel:") {
        let mut p = ReadPayload::new("tel");
        p.set("number", percent_decode(&text[4..]));
        Some(p)
    } else if lower.starts_with("geo:") {
        Some(read_geo(text))
    } else {
        None
    }
}

/// `%XX` sequences decoded (as UTF-8, lossily); `+` is kept.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `key=value` pairs of a query, decoded.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

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

fn read_emvco(text: &str) -> ReadPayload {
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
                if gui.eq_ignore_ascii_case(super::PIX_GUI) {
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

fn read_swiss(text: &str) -> ReadPayload {
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

fn read_epc(text: &str) -> ReadPayload {
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

fn read_upi(text: &str) -> ReadPayload {
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

fn read_bitcoin(text: &str) -> ReadPayload {
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
fn read_gs1(text: &str) -> Option<ReadPayload> {
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

fn read_mailto(text: &str) -> ReadPayload {
    let mut p = ReadPayload::new("email");
    let rest = &text[7..];
    let (to, query) = rest.split_once('?').unwrap_or((rest, ""));
    p.set("to", percent_decode(to));
    for (k, v) in query_pairs(query) {
        p.set(&k.to_ascii_lowercase(), v);
    }
    p
}

fn read_sms(text: &str) -> ReadPayload {
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

fn read_geo(text: &str) -> ReadPayload {
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

fn read_wifi(text: &str) -> ReadPayload {
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

fn read_mecard(text: &str) -> ReadPayload {
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

fn read_vcard(text: &str) -> ReadPayload {
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

fn read_event(text: &str) -> ReadPayload {
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

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    fn problems(p: &ReadPayload) -> Vec<&str> {
        p.problems.iter().map(|x| x.field.as_str()).collect()
    }

    #[test]
    fn the_emvco_specs_example_reads_with_its_fields() {
        // EMVCo MPM 1.1, Appendix A (see emvco.rs): objects out of ID order and an RFU
        // template 91, all valid.
        let text = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
        let p = read(text).unwrap();
        assert_eq!(p.kind, "emvco");
        assert!(p.valid, "{:?}", p.problems);
        assert_eq!(p.text("merchant_name"), Some("BEST TRANSPORT"));
        assert_eq!(p.text("amount"), Some("23.72"));
        assert_eq!(p.text("currency"), Some("156"));
        assert_eq!(p.text("initiation"), Some("dynamic"));
        assert_eq!(p.text("crc"), Some("A13A"));
        let Some(ReadValue::Fields(alt)) = p.field("alternate_language") else {
            panic!("{p:?}")
        };
        assert!(alt.contains(&("name".into(), ReadValue::Text("最佳运输".into()))));
    }

    #[test]
    fn an_altered_emvco_code_is_invalid_and_says_why() {
        let pix = Pix {
            key: "123e4567-e12b-12d1-a456-426655440000".into(),
            name: "Fulano de Tal".into(),
            city: "BRASILIA".into(),
            amount: s("10.00"),
            ..Pix::default()
        }
        .build()
        .unwrap();
        let p = read(&pix).unwrap();
        assert_eq!(p.kind, "pix");
        assert!(p.valid, "{:?}", p.problems);
        assert_eq!(p.text("key"), Some("123e4567-e12b-12d1-a456-426655440000"));
        assert_eq!(p.text("amount"), Some("10.00"));
        assert_eq!(p.text("txid"), Some("***"));
        // 10.00 becomes 90.00: same lengths, the CRC no longer matches.
        let altered = pix.replace("540510.00", "540590.00");
        let p = read(&altered).unwrap();
        assert!(!p.valid);
        assert_eq!(problems(&p), ["crc"]);
        assert!(
            p.problems[0].message.contains("altered"),
            "{:?}",
            p.problems
        );
    }

    #[test]
    fn every_builder_reads_back_valid() {
        let texts = [
            (
                "pix",
                Payload::Pix(Pix {
                    key: "fulano@example.com".into(),
                    name: "Fulano".into(),
                    city: "RIO".into(),
                    ..Pix::default()
                }),
            ),
            (
                "upi",
                Payload::Upi(Upi {
                    vpa: "shop@okaxis".into(),
                    name: "Shop & Co".into(),
                    amount: s("10.50"),
                    note: s("Order 7"),
                    ..Upi::default()
                }),
            ),
            (
                "bitcoin",
                Payload::Bitcoin(Bitcoin {
                    address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".into(),
                    amount: s("0.001"),
                    label: s("Café"),
                    ..Bitcoin::default()
                }),
            ),
            (
                "gs1_digital_link",
                Payload::Gs1DigitalLink(Gs1DigitalLink {
                    gtin: "9520123456788".into(),
                    lot: s("A/1"),
                    expiry: s("261231"),
                    ..Gs1DigitalLink::default()
                }),
            ),
            (
                "wifi",
                Payload::Wifi(Wifi {
                    ssid: "Café;1".into(),
                    password: s("secret123"),
                    auth: Some(WifiAuth::Wpa),
                    hidden: false,
                }),
            ),
            (
                "email",
                Payload::Email(Email {
                    to: "a@example.com".into(),
                    subject: s("Hi there"),
                    body: None,
                }),
            ),
            (
                "tel",
                Payload::Tel(Tel {
                    number: "+41 44 123 45 67".into(),
                }),
            ),
            (
                "sms",
                Payload::Sms(Sms {
                    number: "+4144123".into(),
                    body: s("yes"),
                }),
            ),
            (
                "geo",
                Payload::Geo(Geo {
                    latitude: 47.5,
                    longitude: 8.5,
                    altitude: None,
                }),
            ),
            (
                "epc",
                Payload::Epc(Epc {
                    name: "Red Cross".into(),
                    iban: "BE72000000001616".into(),
                    amount: s("1"),
                    ..Epc::default()
                }),
            ),
        ];
        for (_, payload) in texts {
            let text = payload.build().unwrap();
            let p = read(&text).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(p.kind, payload.type_name(), "{text}");
            assert!(p.valid, "{text}: {:?}", p.problems);
        }
        let gs1 = read("https://id.gs1.org/01/09520123456788/10/A%2F1?17=261231").unwrap();
        assert_eq!(gs1.text("gtin"), Some("09520123456788"));
        assert_eq!(gs1.text("lot"), Some("A/1"));
        assert_eq!(gs1.text("expiry"), Some("261231"));
        let wifi = read(r"WIFI:T:WPA;S:Café\;1;P:secret123;;").unwrap();
        assert_eq!(wifi.text("ssid"), Some("Café;1"));
    }

    #[test]
    fn checksums_and_rules_are_verified() {
        let bill = SwissQrBill {
            iban: "CH4431999123000889012".into(),
            creditor: SwissAddress {
                name: "Robert Schneider AG".into(),
                street: s("Rue du Lac"),
                building_number: s("1268"),
                postal_code: "2501".into(),
                town: "Biel".into(),
                country: "CH".into(),
                ..SwissAddress::default()
            },
            amount: s("1949.75"),
            reference: s("210000000003139471430009017"),
            ..SwissQrBill::default()
        }
        .build()
        .unwrap();
        let p = read(&bill).unwrap();
        assert_eq!(p.kind, "swiss_qr_bill");
        assert!(p.valid, "{:?}", p.problems);
        assert_eq!(p.text("reference_type"), Some("QRR"));
        let wrong_ref = bill.replace("210000000003139471430009017", "210000000003139471430009018");
        assert_eq!(problems(&read(&wrong_ref).unwrap()), ["reference"]);
        let wrong_iban = bill.replace("CH4431999123000889012", "CH4431999123000889013");
        assert_eq!(problems(&read(&wrong_iban).unwrap()), ["iban"]);
        let scor = bill.replace(
            "QRR\r\n210000000003139471430009017",
            "SCOR\r\nRF18539007547034",
        );
        assert_eq!(problems(&read(&scor).unwrap()), ["reference_type"]);
        let k = bill.replacen("\r\nS\r\n", "\r\nK\r\n", 1);
        assert_eq!(problems(&read(&k).unwrap()), ["creditor.address_type"]);

        let gtin = read("https://id.gs1.org/01/09520123456789").unwrap();
        assert_eq!(problems(&gtin), ["gtin"]);
        let epc = read("BCD\n002\n1\nSCT\n\nA\nBE72000000001617").unwrap();
        assert_eq!(problems(&epc), ["iban"]);
        let btc = read("bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3").unwrap();
        assert_eq!(problems(&btc), ["address"]);
        assert_eq!(read("https://example.com/a").unwrap().kind, "url");
        assert!(read("hello").is_none());
    }

    #[test]
    fn contacts_and_events() {
        let card = VCard {
            formatted_name: s("Zoë O'Brien"),
            given_name: s("Zoë"),
            phones: vec![VCardPhone {
                number: "+353 1 234".into(),
                types: vec![],
                pref: None,
            }],
            ..VCard::default()
        };
        let p = read(&card.build().unwrap()).unwrap();
        assert_eq!(p.kind, "vcard");
        assert!(p.valid, "{:?}", p.problems);
        assert_eq!(p.text("formatted_name"), Some("Zoë O'Brien"));
        let me = MeCard {
            name: "Doe, John".into(),
            phones: vec!["+1 555".into()],
            ..MeCard::default()
        };
        let p = read(&me.build().unwrap()).unwrap();
        assert_eq!(p.kind, "mecard");
        assert_eq!(p.text("name"), Some("Doe, John"));
        assert!(p.valid, "{:?}", p.problems);
        let event = Event {
            summary: "Launch; party".into(),
            start: "2026-03-14T09:30:00Z".into(),
            ..Event::default()
        };
        let p = read(&event.build().unwrap()).unwrap();
        assert_eq!(p.kind, "event");
        assert_eq!(p.text("summary"), Some("Launch; party"));
        assert!(p.valid, "{:?}", p.problems);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serializes_as_type_fields_valid_problems() {
        let p = read("https://id.gs1.org/01/09520123456789/10/L1?17=261231").unwrap();
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "type": "gs1_digital_link",
                "domain": "id.gs1.org",
                "gtin": "09520123456789",
                "lot": "L1",
                "expiry": "261231",
                "valid": false,
                "problems": [{"field": "gtin", "message": "the check digit is 9; 0952012345678 needs 8"}],
            })
        );
        // The text keeps the order: type, fields as read, valid, problems.
        let text = serde_json::to_string(&p).unwrap();
        assert!(
            text.starts_with(r#"{"type":"gs1_digital_link","domain":"id.gs1.org","gtin""#),
            "{text}"
        );
    }
}
