//! Payloads read back: a decoded symbol's text recognised as one of the payload types, with
//! its fields, and checked as its specification asks (checksums included: the EMVCo CRC, the
//! IBAN's mod 97, the QR reference's mod 10, the creditor reference's mod 97, the GTIN's check
//! digit, a Bitcoin address's checksum). A text that is recognised but breaks a rule is still
//! read: `valid` is false and `problems` says which field and why, so that a tampered code can
//! be shown as such.

mod bills;
mod contact;
mod emvco;
#[cfg(test)]
mod tests;
mod uri;

use self::bills::{read_epc, read_swiss};
use self::contact::{read_event, read_mecard, read_vcard, read_wifi};
use self::emvco::read_emvco;
use self::uri::{read_bitcoin, read_geo, read_gs1, read_mailto, read_sms, read_upi};

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
