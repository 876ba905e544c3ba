//! Payload builders: typed contents (a Wi-Fi network, a contact, a payment, …) turned into the
//! exact text that phone scanners understand, escaped as each format's specification asks.
//!
//! Every builder is a plain struct with public fields; [`Payload::build`] (or the type's own
//! `build`) validates the fields and returns the text to encode. A field that is out of range or
//! has characters its format cannot carry is an [`ErrorKind::InvalidOption`] whose message
//! starts with the field's name (`iban: …`), so the message can be shown as it is.
//!
//! | type | format | specification |
//! |---|---|---|
//! | [`Url`] | the URI itself | RFC 3986 |
//! | [`Text`] | the text itself | — |
//! | [`Wifi`] | `WIFI:T:WPA;S:…;P:…;;` | ZXing's "Barcode Contents" (Wi-Fi network config), also in the Wi-Fi Alliance's Easy Connect spec |
//! | [`VCard`] | vCard 3.0 or 4.0 | RFC 2426, RFC 6350 |
//! | [`MeCard`] | `MECARD:N:…;;` | NTT DOCOMO's MeCard |
//! | [`Email`] | `mailto:` | RFC 6068 |
//! | [`Sms`] | `sms:` | RFC 5724 |
//! | [`Tel`] | `tel:` | RFC 3966 |
//! | [`Geo`] | `geo:` | RFC 5870 |
//! | [`Event`] | an iCalendar `VEVENT` | RFC 5545 |
//! | [`Epc`] | an EPC QR code (SEPA credit transfer) | EPC069-12 |
//! | [`Emvco`] | EMVCo Merchant-Presented Mode, CRC-16 in ID 63 | EMV QRCPS MPM 1.1 |
//! | [`Pix`] | a static Pix BR Code (EMVCo, GUI `BR.GOV.BCB.PIX`) | BCB, Manual de Padrões para Iniciação do Pix |
//! | [`Upi`] | `upi://pay?pa=…&pn=…` | NPCI, UPI Linking Specifications |
//! | [`SwissQrBill`] | the Swiss QR-bill's QR code (`SPC`, `0200`, …, `EPD`) | SIX, Implementation Guidelines for the QR-bill 2.3 |
//! | [`Gs1DigitalLink`] | `https://id.gs1.org/01/{GTIN}/10/{lot}?17=…` | GS1 Digital Link Standard: URI Syntax |
//! | [`Bitcoin`] | `bitcoin:{address}?amount=…` | BIP 21 (addresses: BIP 13, 173, 350) |
//!
//! With the `serde` feature every type deserializes from JSON; [`Payload`] is tagged by a
//! `"type"` field (`{"type": "wifi", "ssid": "…"}`) and unknown fields are refused.
//!
//! ```
//! use qrsmith_core::payload::{Wifi, WifiAuth};
//!
//! let wifi = Wifi {
//!     ssid: "Café; 2nd floor".into(),
//!     password: Some("correct horse".into()),
//!     auth: Some(WifiAuth::Wpa),
//!     hidden: false,
//! };
//! assert_eq!(wifi.build()?, r"WIFI:T:WPA;S:Café\; 2nd floor;P:correct horse;;");
//! # Ok::<(), qrsmith_core::Error>(())
//! ```

use std::fmt;

use crate::error::{Error, ErrorKind, Result};

mod bitcoin;
mod contact;
mod emvco;
mod epc;
mod event;
mod gs1;
mod pix;
mod read;
mod swiss;
mod upi;
mod uri;
mod wifi;

pub use self::bitcoin::Bitcoin;
pub use self::contact::{MeCard, VCard, VCardAddress, VCardEmail, VCardPhone, VCardVersion};
pub use self::emvco::{
    crc16_ccitt_false, Emvco, EmvcoAdditionalData, EmvcoAlternateLanguage, EmvcoField,
    EmvcoInitiation, EmvcoMerchantAccount,
};
pub use self::epc::{validate_bic, validate_iban, Epc};
pub use self::event::Event;
pub use self::gs1::{validate_gtin, Gs1DigitalLink, GS1_RESOLVER};
pub use self::pix::{Pix, PIX_GUI};
pub use self::read::{read, Problem, ReadPayload, ReadValue};
pub use self::swiss::{SwissAddress, SwissQrBill};
// The cross is drawn by the renderer; named here too, beside the bill it belongs to.
pub use self::upi::Upi;
pub use self::uri::{Email, Geo, Sms, Tel, Text, Url};
pub use self::wifi::{Wifi, WifiAuth};
pub use crate::render::{render_swiss_bill, SWISS_BILL_WIDTH_UM, SWISS_CROSS_SIZE};

/// Any payload type, for callers that choose the type at run time (the service's JSON, the
/// command line).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(tag = "type", rename_all = "snake_case")
)]
pub enum Payload {
    /// A web address.
    Url(Url),
    /// Plain text.
    Text(Text),
    /// A Wi-Fi network to join.
    Wifi(Wifi),
    /// A contact as a vCard.
    Vcard(VCard),
    /// A contact as a MeCard (shorter than a vCard).
    Mecard(MeCard),
    /// An e-mail to write.
    Email(Email),
    /// A text message to send.
    Sms(Sms),
    /// A telephone number to call.
    Tel(Tel),
    /// A place on Earth.
    Geo(Geo),
    /// A calendar event.
    Event(Event),
    /// A SEPA credit transfer (EPC QR code).
    Epc(Epc),
    /// An EMVCo Merchant-Presented Mode payment code.
    Emvco(Emvco),
    /// A Pix payment (Brazil).
    Pix(Pix),
    /// A Swiss QR-bill's payment part.
    SwissQrBill(SwissQrBill),
    /// A UPI payment (India).
    Upi(Upi),
    /// A GS1 Digital Link URI for a trade item.
    Gs1DigitalLink(Gs1DigitalLink),
    /// A Bitcoin payment request (BIP 21).
    Bitcoin(Bitcoin),
}

impl Payload {
    /// Validates the fields and returns the text to encode.
    pub fn build(&self) -> Result<String> {
        match self {
            Payload::Url(p) => p.build(),
            Payload::Text(p) => p.build(),
            Payload::Wifi(p) => p.build(),
            Payload::Vcard(p) => p.build(),
            Payload::Mecard(p) => p.build(),
            Payload::Email(p) => p.build(),
            Payload::Sms(p) => p.build(),
            Payload::Tel(p) => p.build(),
            Payload::Geo(p) => p.build(),
            Payload::Event(p) => p.build(),
            Payload::Epc(p) => p.build(),
            Payload::Emvco(p) => p.build(),
            Payload::Pix(p) => p.build(),
            Payload::SwissQrBill(p) => p.build(),
            Payload::Upi(p) => p.build(),
            Payload::Gs1DigitalLink(p) => p.build(),
            Payload::Bitcoin(p) => p.build(),
        }
    }

    /// The type's name as the `"type"` field spells it (`"wifi"`).
    pub fn type_name(&self) -> &'static str {
        match self {
            Payload::Url(_) => "url",
            Payload::Text(_) => "text",
            Payload::Wifi(_) => "wifi",
            Payload::Vcard(_) => "vcard",
            Payload::Mecard(_) => "mecard",
            Payload::Email(_) => "email",
            Payload::Sms(_) => "sms",
            Payload::Tel(_) => "tel",
            Payload::Geo(_) => "geo",
            Payload::Event(_) => "event",
            Payload::Epc(_) => "epc",
            Payload::Emvco(_) => "emvco",
            Payload::Pix(_) => "pix",
            Payload::SwissQrBill(_) => "swiss_qr_bill",
            Payload::Upi(_) => "upi",
            Payload::Gs1DigitalLink(_) => "gs1_digital_link",
            Payload::Bitcoin(_) => "bitcoin",
        }
    }
}

/// An [`ErrorKind::InvalidOption`] about `field`.
pub(crate) fn invalid(field: &str, problem: impl fmt::Display) -> Error {
    Error::new(ErrorKind::InvalidOption, format!("{field}: {problem}"))
}

/// `value` with surrounding white space removed, or `None` when nothing is left.
pub(crate) fn present(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A required field, trimmed and not empty.
pub(crate) fn required<'a>(field: &str, value: &'a str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    Ok(value)
}

/// Refuses control characters (line breaks included): they would end a field early.
pub(crate) fn single_line(field: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| c.is_control()) {
        Some(c) => Err(invalid(
            field,
            format!("control character {c:?} not allowed (one line, no tabs)"),
        )),
        None => Ok(()),
    }
}

/// Refuses control characters other than line breaks (which the format escapes).
pub(crate) fn no_controls_but_newlines(field: &str, value: &str) -> Result<()> {
    match value
        .chars()
        .find(|&c| c.is_control() && c != '\n' && c != '\r')
    {
        Some(c) => Err(invalid(
            field,
            format!("control character {c:?} not allowed"),
        )),
        None => Ok(()),
    }
}

/// At most `max` characters.
pub(crate) fn max_chars(field: &str, value: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n > max {
        return Err(invalid(
            field,
            format!("{n} characters; at most {max} are allowed"),
        ));
    }
    Ok(())
}

/// Percent-encodes the UTF-8 bytes of `value` (upper-case hex, RFC 3986 section 2.1), keeping
/// the bytes `keep` accepts.
pub(crate) fn percent_encode(value: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// RFC 3986 `unreserved`: `A-Z a-z 0-9 - . _ ~`.
pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Escapes a text value as vCard (RFC 6350 section 3.4, RFC 2426) and iCalendar (RFC 5545
/// section 3.3.11) both do: `\` `,` and line breaks always, `;` when `semicolon`.
pub(crate) fn escape_text(value: &str, semicolon: bool) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' if semicolon => out.push_str("\\;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A telephone number as RFC 3966's `global-number-digits` (or a local number) spells it:
/// spaces removed, then an optional leading `+`, digits and the visual separators `-` `.` `(`
/// `)`; 3 to 20 digits.
pub(crate) fn phone_number(field: &str, value: &str) -> Result<String> {
    let value = required(field, value)?;
    let number: String = value.chars().filter(|c| *c != ' ').collect();
    let body = number.strip_prefix('+').unwrap_or(&number);
    if let Some(c) = body
        .chars()
        .find(|c| !c.is_ascii_digit() && !matches!(c, '-' | '.' | '(' | ')'))
    {
        return Err(invalid(
            field,
            format!(
                "{c:?} is not allowed in a phone number: use digits, a leading +, spaces and - . ( )"
            ),
        ));
    }
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if !(3..=20).contains(&digits) {
        return Err(invalid(
            field,
            format!("{digits} digits; a phone number has 3 to 20"),
        ));
    }
    Ok(number)
}

/// A plain e-mail address `local@domain`: one `@`, a local part of RFC 5322 `atext` and dots
/// (no quoted forms), a domain of dot-separated labels (letters, digits, hyphens; non-ASCII
/// letters allowed for internationalised domains), at most 254 bytes.
pub(crate) fn email_address(field: &str, value: &str) -> Result<String> {
    let value = required(field, value)?;
    let bad = |why: &str| invalid(field, format!("{value:?} is not an e-mail address: {why}"));
    if value.len() > 254 {
        return Err(bad("longer than 254 bytes"));
    }
    let Some((local, domain)) = value.rsplit_once('@') else {
        return Err(bad("no @"));
    };
    if local.is_empty() || local.len() > 64 {
        return Err(bad("the part before @ must have 1 to 64 characters"));
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c);
    if local
        .split('.')
        .any(|part| part.is_empty() || !part.chars().all(atext))
    {
        return Err(bad(
            "the part before @ has characters an address cannot have",
        ));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return Err(bad("the domain after @ must be a name such as example.com"));
    }
    Ok(value.to_owned())
}

/// Folds a content line (without its line break) at 75 octets, as RFC 5545 section 3.1 and
/// RFC 6350 section 3.2 ask: each continuation starts with one space, which counts towards its
/// 75 octets, and no UTF-8 sequence is split. Appends the line and its CRLF to `out`.
pub(crate) fn push_folded(out: &mut String, line: &str) {
    const LIMIT: usize = 75;
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > LIMIT {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));

        let mut out = String::new();
        push_folded(&mut out, &"a".repeat(160));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].len(), 75);
        assert_eq!(lines[1], format!(" {}", "a".repeat(74)));
        assert_eq!(lines[2], format!(" {}", "a".repeat(11)));

        // 2-byte characters: 37 fit the first line (74 octets), a 38th would make 76.
        let mut out = String::new();
        let line = "é".repeat(100);
        push_folded(&mut out, &line);
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:?}");
        assert_eq!(lines[0].len(), 74);
        // Unfolding (RFC 5545 3.1: remove CRLF followed by one space) gives the line back.
        assert_eq!(out.trim_end_matches("\r\n").replace("\r\n ", ""), line);
    }

    #[test]
    fn phone_numbers_keep_separators_and_refuse_letters() {
        assert_eq!(
            phone_number("number", " +1 201-555-0123 ").unwrap(),
            "+1201-555-0123"
        );
        assert_eq!(
            phone_number("number", "(030) 1234.567").unwrap(),
            "(030)1234.567"
        );
        for bad in ["", "12", "+1-800-FLOWERS", "123;ext=4", "1+2345", "*123#"] {
            let err = phone_number("number", bad).unwrap_err();
            assert!(err.message().starts_with("number: "), "{bad}: {err}");
        }
    }

    #[test]
    fn email_addresses_are_checked_for_sanity() {
        for good in [
            "simon.perreault@viagenie.ca",
            "a+tag@example.co.uk",
            "o'neil@example.com",
            "jörg@bücher.example",
        ] {
            assert_eq!(email_address("to", good).unwrap(), good);
        }
        for bad in [
            "",
            "no-at.example.com",
            "@example.com",
            "a@b",
            "a@-b.com",
            "a..b@example.com",
            "a b@example.com",
            "\"quoted\"@example.com",
            "a@exa_mple.com",
        ] {
            let err = email_address("to", bad).unwrap_err();
            assert!(err.message().starts_with("to: "), "{bad}: {err}");
        }
    }

    #[test]
    fn percent_encoding_is_upper_case_utf8() {
        assert_eq!(
            percent_encode("café &=", is_unreserved),
            "caf%C3%A9%20%26%3D"
        );
    }
}

#[cfg(all(test, feature = "serde"))]
mod serde_tests {
    use super::*;

    fn parse(json: &str) -> std::result::Result<Payload, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn payloads_deserialize_by_type_and_refuse_unknown_fields() {
        let wifi = parse(r#"{"type": "wifi", "ssid": "Home", "password": "secret123", "auth": "WPA", "hidden": true}"#).unwrap();
        assert_eq!(
            wifi.build().unwrap(),
            "WIFI:T:WPA;S:Home;P:secret123;H:true;;"
        );
        let card = parse(r#"{"type": "vcard", "version": "4.0", "given_name": "Ann", "phones": [{"number": "123", "types": ["cell"]}]}"#).unwrap();
        assert!(card
            .build()
            .unwrap()
            .contains("TEL;VALUE=uri;TYPE=cell:tel:123"));
        let epc =
            parse(r#"{"type": "epc", "name": "A", "iban": "BE72000000001616", "amount": "5"}"#)
                .unwrap();
        assert_eq!(epc.type_name(), "epc");
        let geo = parse(r#"{"type": "geo", "latitude": 1.5, "longitude": -2}"#).unwrap();
        assert_eq!(geo.build().unwrap(), "geo:1.5,-2");

        let unknown_field = parse(r#"{"type": "wifi", "ssid": "x", "pasword": "y"}"#).unwrap_err();
        assert!(unknown_field.contains("pasword"), "{unknown_field}");
        let nested =
            parse(r#"{"type": "vcard", "phones": [{"number": "1", "kind": "x"}]}"#).unwrap_err();
        assert!(nested.contains("kind"), "{nested}");
        let unknown_type = parse(r#"{"type": "dogecoin", "address": "x"}"#).unwrap_err();
        assert!(unknown_type.contains("dogecoin"), "{unknown_type}");
        let missing = parse(r#"{"type": "tel"}"#).unwrap_err();
        assert!(missing.contains("number"), "{missing}");
        let bad_auth = parse(r#"{"type": "wifi", "ssid": "x", "auth": "PSK"}"#).unwrap_err();
        assert!(bad_auth.contains("PSK"), "{bad_auth}");
    }
}
