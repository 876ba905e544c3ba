//! Contacts: vCard 3.0 (RFC 2426) or 4.0 (RFC 6350), and NTT DOCOMO's shorter MeCard.
//!
//! vCard text values escape `\`, `,` and line breaks (`\n`), and `;` where the grammar needs
//! it (every value in 3.0; the components of `N`, `ADR` and `ORG` in 4.0). Lines end with CRLF
//! and are folded at 75 octets. MeCard escapes `\ ; , :` with a backslash.

use super::{
    email_address, invalid, max_chars, no_controls_but_newlines, phone_number, present,
    push_folded, single_line,
};
use crate::error::Result;

/// The vCard version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
pub enum VCardVersion {
    /// vCard 3.0 (RFC 2426): what every phone reads (the default).
    #[default]
    #[cfg_attr(feature = "serde", serde(rename = "3.0", alias = "3"))]
    V3,
    /// vCard 4.0 (RFC 6350).
    #[cfg_attr(feature = "serde", serde(rename = "4.0", alias = "4"))]
    V4,
}

impl std::str::FromStr for VCardVersion {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim() {
            "3" | "3.0" => Ok(VCardVersion::V3),
            "4" | "4.0" => Ok(VCardVersion::V4),
            _ => Err(invalid("version", format!("{s:?}: use 3.0 or 4.0"))),
        }
    }
}

/// A telephone number of a vCard (`TEL`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct VCardPhone {
    /// The number (digits, a leading `+`, spaces and `- . ( )`).
    pub number: String,
    /// `TYPE` values: `work`, `home`, `cell`, `voice`, `fax`, `text`, … (letters, digits, `-`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub types: Vec<String>,
    /// Preference 1 (most preferred) to 100: `PREF=n` in 4.0, `TYPE=pref` in 3.0.
    #[cfg_attr(feature = "serde", serde(default))]
    pub pref: Option<u8>,
}

/// An e-mail address of a vCard (`EMAIL`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct VCardEmail {
    /// The address.
    pub address: String,
    /// `TYPE` values: `work`, `home`, …
    #[cfg_attr(feature = "serde", serde(default))]
    pub types: Vec<String>,
    /// Preference 1 to 100, as for phones.
    #[cfg_attr(feature = "serde", serde(default))]
    pub pref: Option<u8>,
}

/// A postal address of a vCard (`ADR`): every component optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct VCardAddress {
    /// `TYPE` values: `work`, `home`, …
    pub types: Vec<String>,
    /// Post office box.
    pub po_box: Option<String>,
    /// Extended address (apartment, suite).
    pub extended: Option<String>,
    /// Street and number.
    pub street: Option<String>,
    /// City.
    pub locality: Option<String>,
    /// Region, state or province.
    pub region: Option<String>,
    /// Postal code.
    pub postal_code: Option<String>,
    /// Country.
    pub country: Option<String>,
}

/// A contact as a vCard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct VCard {
    /// 3.0 (default) or 4.0.
    pub version: VCardVersion,
    /// The name as displayed (`FN`) [default: the name's parts joined by spaces].
    pub formatted_name: Option<String>,
    /// Family name (`N`, first component).
    pub family_name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Additional (middle) names.
    pub additional_names: Vec<String>,
    /// Honorific prefixes (`Dr.`).
    pub honorific_prefixes: Vec<String>,
    /// Honorific suffixes (`M.Sc.`).
    pub honorific_suffixes: Vec<String>,
    /// Organisation (`ORG`).
    pub org: Option<String>,
    /// Job title (`TITLE`).
    pub title: Option<String>,
    /// Telephone numbers.
    pub phones: Vec<VCardPhone>,
    /// E-mail addresses.
    pub emails: Vec<VCardEmail>,
    /// Postal addresses.
    pub addresses: Vec<VCardAddress>,
    /// Web address (`URL`).
    pub url: Option<String>,
    /// A note (`NOTE`; line breaks allowed).
    pub note: Option<String>,
}

/// `;TYPE=…` (and `;PREF=n` in 4.0) for a property.
fn type_params(
    field: &str,
    version: VCardVersion,
    types: &[String],
    pref: Option<u8>,
) -> Result<String> {
    let mut types: Vec<&str> = types
        .iter()
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
        .collect();
    if let Some(t) = types
        .iter()
        .find(|t| !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        return Err(invalid(
            field,
            format!("type {t:?}: use letters, digits and '-' (work, home, cell, …)"),
        ));
    }
    if let Some(p) = pref {
        if !(1..=100).contains(&p) {
            return Err(invalid(
                field,
                format!("pref {p}: use 1 (most preferred) to 100"),
            ));
        }
    }
    let mut out = String::new();
    match version {
        VCardVersion::V3 => {
            if pref.is_some() && !types.iter().any(|t| t.eq_ignore_ascii_case("pref")) {
                types.push("pref");
            }
            if !types.is_empty() {
                out.push_str(&format!(";TYPE={}", types.join(",")));
            }
        }
        VCardVersion::V4 => {
            match types.len() {
                0 => {}
                1 => out.push_str(&format!(";TYPE={}", types[0])),
                // RFC 6350 section 8 quotes a list of types.
                _ => out.push_str(&format!(";TYPE=\"{}\"", types.join(","))),
            }
            if let Some(p) = pref {
                out.push_str(&format!(";PREF={p}"));
            }
        }
    }
    Ok(out)
}

/// A text field: no control characters but line breaks (escaped), at most `max` characters.
fn text_field<'a>(field: &str, value: &'a Option<String>, max: usize) -> Result<Option<&'a str>> {
    let Some(v) = present(value) else {
        return Ok(None);
    };
    no_controls_but_newlines(field, v)?;
    max_chars(field, v, max)?;
    Ok(Some(v))
}

/// The items of a list component, each escaped, joined by `,`.
fn list_component(field: &str, items: &[String]) -> Result<String> {
    let mut out = Vec::new();
    for item in items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()) {
        single_line(field, item)?;
        max_chars(field, item, 200)?;
        out.push(super::escape_text(item, true));
    }
    Ok(out.join(","))
}

impl VCard {
    /// Validates the fields and returns the vCard, CRLF line ends included.
    pub fn build(&self) -> Result<String> {
        let v = self.version;
        let v3 = v == VCardVersion::V3;
        let family = text_field("family_name", &self.family_name, 200)?;
        let given = text_field("given_name", &self.given_name, 200)?;
        let additional = list_component("additional_names", &self.additional_names)?;
        let prefixes = list_component("honorific_prefixes", &self.honorific_prefixes)?;
        let suffixes = list_component("honorific_suffixes", &self.honorific_suffixes)?;
        let formatted = match text_field("formatted_name", &self.formatted_name, 200)? {
            Some(f) => f.to_owned(),
            None => {
                let parts: Vec<String> = [
                    self.honorific_prefixes.join(" "),
                    given.unwrap_or_default().to_owned(),
                    self.additional_names.join(" "),
                    family.unwrap_or_default().to_owned(),
                    self.honorific_suffixes.join(" "),
                ]
                .into_iter()
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
                if parts.is_empty() {
                    return Err(invalid(
                        "formatted_name",
                        "a vCard needs a name: give formatted_name, given_name or family_name",
                    ));
                }
                parts.join(" ")
            }
        };
        let mut lines: Vec<String> = vec![
            "BEGIN:VCARD".into(),
            format!("VERSION:{}", if v3 { "3.0" } else { "4.0" }),
            format!("FN:{}", super::escape_text(&formatted, v3)),
        ];
        let has_n = family.is_some()
            || given.is_some()
            || !additional.is_empty()
            || !prefixes.is_empty()
            || !suffixes.is_empty();
        // N is required in 3.0, optional in 4.0.
        if has_n || v3 {
            lines.push(format!(
                "N:{};{};{};{};{}",
                super::escape_text(family.unwrap_or_default(), true),
                super::escape_text(given.unwrap_or_default(), true),
                additional,
                prefixes,
                suffixes
            ));
        }
        if let Some(org) = text_field("org", &self.org, 200)? {
            lines.push(format!("ORG:{}", super::escape_text(org, true)));
        }
        if let Some(title) = text_field("title", &self.title, 200)? {
            lines.push(format!("TITLE:{}", super::escape_text(title, v3)));
        }
        for adr in &self.addresses {
            let params = type_params("addresses", v, &adr.types, None)?;
            let parts = [
                ("addresses.po_box", &adr.po_box),
                ("addresses.extended", &adr.extended),
                ("addresses.street", &adr.street),
                ("addresses.locality", &adr.locality),
                ("addresses.region", &adr.region),
                ("addresses.postal_code", &adr.postal_code),
                ("addresses.country", &adr.country),
            ];
            let mut values = Vec::new();
            for (field, value) in parts {
                values.push(super::escape_text(
                    text_field(field, value, 200)?.unwrap_or_default(),
                    true,
                ));
            }
            if values.iter().all(String::is_empty) {
                return Err(invalid("addresses", "an address needs at least one part"));
            }
            lines.push(format!("ADR{params}:{}", values.join(";")));
        }
        for phone in &self.phones {
            let number = phone_number("phones.number", &phone.number)?;
            let params = type_params("phones", v, &phone.types, phone.pref)?;
            lines.push(match v {
                VCardVersion::V3 => format!("TEL{params}:{number}"),
                // RFC 6350 section 6.4.1: a tel: URI.
                VCardVersion::V4 => format!("TEL;VALUE=uri{params}:tel:{number}"),
            });
        }
        for email in &self.emails {
            let address = email_address("emails.address", &email.address)?;
            let params = type_params("emails", v, &email.types, email.pref)?;
            lines.push(format!(
                "EMAIL{params}:{}",
                super::escape_text(&address, v3)
            ));
        }
        if let Some(url) = present(&self.url) {
            let url = super::Url { url: url.into() }
                .build()
                .map_err(|e| invalid("url", e.message().trim_start_matches("url: ")))?;
            lines.push(format!("URL:{url}"));
        }
        if let Some(note) = text_field("note", &self.note, 2000)? {
            lines.push(format!("NOTE:{}", super::escape_text(note, v3)));
        }
        lines.push("END:VCARD".into());
        let mut out = String::new();
        for line in &lines {
            push_folded(&mut out, line);
        }
        Ok(out)
    }
}

/// A contact as a MeCard: `MECARD:N:Family,Given;TEL:…;EMAIL:…;;`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields, default)
)]
pub struct MeCard {
    /// The name, or the family name when `given_name` is given (`N:family,given`).
    pub name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Telephone numbers.
    pub phones: Vec<String>,
    /// E-mail addresses.
    pub emails: Vec<String>,
    /// Postal address, one line.
    pub address: Option<String>,
    /// Web address.
    pub url: Option<String>,
    /// Birthday: `YYYYMMDD` or `YYYY-MM-DD`.
    pub birthday: Option<String>,
    /// A note, one line.
    pub note: Option<String>,
}

/// Backslash before each of `\ ; , :`.
fn mecard_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if matches!(c, '\\' | ';' | ',' | ':') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A one-line MeCard field.
fn mecard_field<'a>(field: &str, value: &'a Option<String>) -> Result<Option<&'a str>> {
    let Some(v) = present(value) else {
        return Ok(None);
    };
    single_line(field, v)?;
    max_chars(field, v, 500)?;
    Ok(Some(v))
}

impl MeCard {
    /// Validates the fields and returns the `MECARD:` text.
    pub fn build(&self) -> Result<String> {
        let name = super::required("name", &self.name)?;
        single_line("name", name)?;
        max_chars("name", name, 200)?;
        let mut out = format!("MECARD:N:{}", mecard_escape(name));
        if let Some(given) = mecard_field("given_name", &self.given_name)? {
            out.push_str(&format!(",{}", mecard_escape(given)));
        }
        out.push(';');
        for phone in &self.phones {
            out.push_str(&format!("TEL:{};", phone_number("phones", phone)?));
        }
        for email in &self.emails {
            out.push_str(&format!(
                "EMAIL:{};",
                mecard_escape(&email_address("emails", email)?)
            ));
        }
        if let Some(address) = mecard_field("address", &self.address)? {
            out.push_str(&format!("ADR:{};", mecard_escape(address)));
        }
        if let Some(url) = present(&self.url) {
            let url = super::Url { url: url.into() }.build()?;
            out.push_str(&format!("URL:{};", mecard_escape(&url)));
        }
        if let Some(bday) = present(&self.birthday) {
            let digits: String = bday.chars().filter(|c| *c != '-').collect();
            let valid = digits.len() == 8
                && digits.bytes().all(|b| b.is_ascii_digit())
                && super::event::valid_date(
                    digits[..4].parse().unwrap_or(0),
                    digits[4..6].parse().unwrap_or(0),
                    digits[6..].parse().unwrap_or(0),
                );
            if !valid {
                return Err(invalid(
                    "birthday",
                    format!("{bday:?}: use a date as YYYY-MM-DD or YYYYMMDD"),
                ));
            }
            out.push_str(&format!("BDAY:{digits};"));
        }
        if let Some(note) = mecard_field("note", &self.note)? {
            out.push_str(&format!("NOTE:{};", mecard_escape(note)));
        }
        out.push(';');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6350 section 8's example (the author's card), as printed there: folded lines.
    const RFC_6350_EXAMPLE: &str = "BEGIN:VCARD\r\n\
VERSION:4.0\r\n\
FN:Simon Perreault\r\n\
N:Perreault;Simon;;;ing. jr,M.Sc.\r\n\
BDAY:--0203\r\n\
ANNIVERSARY:20090808T1430-0500\r\n\
GENDER:M\r\n\
LANG;PREF=1:fr\r\n\
LANG;PREF=2:en\r\n\
ORG;TYPE=work:Viagenie\r\n\
ADR;TYPE=work:;Suite D2-630;2875 Laurier;\r\n \
Quebec;QC;G1V 2M2;Canada\r\n\
TEL;VALUE=uri;TYPE=\"work,voice\";PREF=1:tel:+1-418-656-9254;ext=102\r\n\
TEL;VALUE=uri;TYPE=\"work,cell,voice,video,text\":tel:+1-418-262-6501\r\n\
EMAIL;TYPE=work:simon.perreault@viagenie.ca\r\n\
GEO;TYPE=work:geo:46.772673,-71.282945\r\n\
KEY;TYPE=work;VALUE=uri:\r\n \
http://www.viagenie.ca/simon.perreault/simon.asc\r\n\
TZ:-0500\r\n\
URL;TYPE=home:http://nomis80.org\r\n\
END:VCARD\r\n";

    /// RFC 2426 section 7's first example (Frank Dawson), as printed there.
    const RFC_2426_EXAMPLE: &str = "BEGIN:vCard\r\n\
VERSION:3.0\r\n\
FN:Frank Dawson\r\n\
ORG:Lotus Development Corporation\r\n\
ADR;TYPE=WORK,POSTAL,PARCEL:;;6544 Battleford Drive\r\n \
;Raleigh;NC;27613-3502;U.S.A.\r\n\
TEL;TYPE=VOICE,MSG,WORK:+1-919-676-9515\r\n\
TEL;TYPE=FAX,WORK:+1-919-676-9564\r\n\
EMAIL;TYPE=INTERNET,PREF:Frank_Dawson@Lotus.com\r\n\
EMAIL;TYPE=INTERNET:fdawson@earthlink.net\r\n\
URL:http://home.earthlink.net/~fdawson\r\n\
END:vCard\r\n";

    /// The content lines of a vCard, unfolded (RFC 6350 section 3.2).
    fn unfolded_lines(card: &str) -> Vec<String> {
        card.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    }

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn rfc_6350_section_8_author_example() {
        let card = VCard {
            version: VCardVersion::V4,
            formatted_name: s("Simon Perreault"),
            family_name: s("Perreault"),
            given_name: s("Simon"),
            honorific_suffixes: vec!["ing. jr".into(), "M.Sc.".into()],
            phones: vec![VCardPhone {
                number: "+1-418-262-6501".into(),
                types: ["work", "cell", "voice", "video", "text"]
                    .map(String::from)
                    .to_vec(),
                pref: None,
            }],
            emails: vec![VCardEmail {
                address: "simon.perreault@viagenie.ca".into(),
                types: vec!["work".into()],
                pref: None,
            }],
            addresses: vec![VCardAddress {
                types: vec!["work".into()],
                extended: s("Suite D2-630"),
                street: s("2875 Laurier"),
                locality: s("Quebec"),
                region: s("QC"),
                postal_code: s("G1V 2M2"),
                country: s("Canada"),
                ..VCardAddress::default()
            }],
            ..VCard::default()
        };
        let built = card.build().unwrap();
        let lines = unfolded_lines(&built);
        // Every line we write is, byte for byte, a line of the RFC's example; the example's
        // other properties (BDAY, GENDER, KEY, …) are outside this builder.
        let example = unfolded_lines(RFC_6350_EXAMPLE);
        for line in &lines {
            assert!(
                example.contains(line),
                "{line:?} is not in RFC 6350's example"
            );
        }
        assert_eq!(lines.len(), 8, "{lines:?}");
        // In the example's order too (ADR, TEL, EMAIL).
        let positions: Vec<usize> = lines
            .iter()
            .map(|l| example.iter().position(|e| e == l).unwrap_or(usize::MAX))
            .collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
        assert!(built.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Simon Perreault\r\n"));
        assert!(built.ends_with("END:VCARD\r\n"));
    }

    #[test]
    fn rfc_2426_section_7_example() {
        let card = VCard {
            version: VCardVersion::V3,
            formatted_name: s("Frank Dawson"),
            org: s("Lotus Development Corporation"),
            phones: vec![
                VCardPhone {
                    number: "+1-919-676-9515".into(),
                    types: ["VOICE", "MSG", "WORK"].map(String::from).to_vec(),
                    pref: None,
                },
                VCardPhone {
                    number: "+1-919-676-9564".into(),
                    types: ["FAX", "WORK"].map(String::from).to_vec(),
                    pref: None,
                },
            ],
            emails: vec![
                VCardEmail {
                    address: "Frank_Dawson@Lotus.com".into(),
                    types: ["INTERNET", "PREF"].map(String::from).to_vec(),
                    pref: None,
                },
                VCardEmail {
                    address: "fdawson@earthlink.net".into(),
                    types: vec!["INTERNET".into()],
                    pref: None,
                },
            ],
            addresses: vec![VCardAddress {
                types: ["WORK", "POSTAL", "PARCEL"].map(String::from).to_vec(),
                street: s("6544 Battleford Drive"),
                locality: s("Raleigh"),
                region: s("NC"),
                postal_code: s("27613-3502"),
                country: s("U.S.A."),
                ..VCardAddress::default()
            }],
            url: s("http://home.earthlink.net/~fdawson"),
            ..VCard::default()
        };
        let lines = unfolded_lines(&card.build().unwrap());
        let example = unfolded_lines(RFC_2426_EXAMPLE);
        // RFC 2426 requires N (section 3.1.2) though its example leaves it out: we write an
        // empty one; BEGIN/END are written in capitals (the RFC's names are case-insensitive).
        let ours: Vec<&String> = lines
            .iter()
            .filter(|l| !l.starts_with("N:") && !l.starts_with("BEGIN") && !l.starts_with("END"))
            .collect();
        let theirs: Vec<&String> = example
            .iter()
            .filter(|l| !l.starts_with("BEGIN") && !l.starts_with("END"))
            .collect();
        assert_eq!(ours, theirs);
        assert!(lines.contains(&"N:;;;;".to_owned()));
    }

    #[test]
    fn vcard_escaping_per_version() {
        let card = |version| VCard {
            version,
            formatted_name: s("Doe, John; \\ Jr.\nline"),
            org: s("A;B, C"),
            note: s("x;y,z\r\nw"),
            ..VCard::default()
        };
        let v3 = card(VCardVersion::V3).build().unwrap();
        assert!(v3.contains("FN:Doe\\, John\\; \\\\ Jr.\\nline\r\n"), "{v3}");
        assert!(v3.contains("ORG:A\\;B\\, C\r\n"));
        assert!(v3.contains("NOTE:x\\;y\\,z\\nw\r\n"));
        // 4.0's TEXT-CHAR allows a bare ';' outside structured values (RFC 6350 section 3.3).
        let v4 = card(VCardVersion::V4).build().unwrap();
        assert!(v4.contains("FN:Doe\\, John; \\\\ Jr.\\nline\r\n"), "{v4}");
        assert!(v4.contains("ORG:A\\;B\\, C\r\n"));
        assert!(v4.contains("NOTE:x;y\\,z\\nw\r\n"));
        assert!(!v4.contains("\nN:"), "N is optional in 4.0");
    }

    #[test]
    fn vcard_long_lines_are_folded_and_pref_is_written_per_version() {
        let long = "é".repeat(60);
        let card = VCard {
            version: VCardVersion::V4,
            given_name: s("Ann"),
            note: Some(long.clone()),
            phones: vec![VCardPhone {
                number: "+44 20 7946 0000".into(),
                types: vec!["cell".into()],
                pref: Some(1),
            }],
            ..VCard::default()
        };
        let built = card.build().unwrap();
        assert!(built.split("\r\n").all(|l| l.len() <= 75), "{built}");
        assert!(unfolded_lines(&built).contains(&format!("NOTE:{long}")));
        assert!(built.contains("TEL;VALUE=uri;TYPE=cell;PREF=1:tel:+442079460000\r\n"));
        assert!(built.contains("FN:Ann\r\nN:;Ann;;;\r\n"));
        let v3 = VCard {
            version: VCardVersion::V3,
            ..card
        }
        .build()
        .unwrap();
        assert!(v3.contains("TEL;TYPE=cell,pref:+442079460000\r\n"), "{v3}");
    }

    #[test]
    fn vcard_invalid_fields_are_named() {
        let base = VCard {
            given_name: s("Ann"),
            ..VCard::default()
        };
        let cases = [
            (VCard::default(), "formatted_name"),
            (
                VCard {
                    phones: vec![VCardPhone {
                        number: "call me".into(),
                        ..VCardPhone::default()
                    }],
                    ..base.clone()
                },
                "phones.number",
            ),
            (
                VCard {
                    phones: vec![VCardPhone {
                        number: "123".into(),
                        types: vec!["a:b".into()],
                        pref: None,
                    }],
                    ..base.clone()
                },
                "phones",
            ),
            (
                VCard {
                    emails: vec![VCardEmail {
                        address: "nobody".into(),
                        ..VCardEmail::default()
                    }],
                    ..base.clone()
                },
                "emails.address",
            ),
            (
                VCard {
                    addresses: vec![VCardAddress::default()],
                    ..base.clone()
                },
                "addresses",
            ),
            (
                VCard {
                    url: s("example.com"),
                    ..base.clone()
                },
                "url",
            ),
            (
                VCard {
                    title: s("a\u{7}b"),
                    ..base.clone()
                },
                "title",
            ),
        ];
        for (card, field) in cases {
            let err = card.build().unwrap_err();
            assert!(err.message().starts_with(&format!("{field}: ")), "{err}");
        }
    }

    #[test]
    fn mecard_format_and_escaping() {
        // The format of ZXing's "Barcode Contents" page and DOCOMO's MeCard description.
        let card = MeCard {
            name: "Owen".into(),
            given_name: s("Sean"),
            phones: vec!["12125551212".into()],
            emails: vec!["srowen@example.com".into()],
            ..MeCard::default()
        };
        assert_eq!(
            card.build().unwrap(),
            "MECARD:N:Owen,Sean;TEL:12125551212;EMAIL:srowen@example.com;;"
        );
        let card = MeCard {
            name: "Smith; Jr.".into(),
            address: s("76 9th Avenue, 4th Floor, New York, NY 10011"),
            url: s("https://example.com/a:b"),
            birthday: s("1980-02-29"),
            note: s("back\\slash"),
            ..MeCard::default()
        };
        assert_eq!(
            card.build().unwrap(),
            "MECARD:N:Smith\\; Jr.;ADR:76 9th Avenue\\, 4th Floor\\, New York\\, NY 10011;\
             URL:https\\://example.com/a\\:b;BDAY:19800229;NOTE:back\\\\slash;;"
        );
        for (card, field) in [
            (MeCard::default(), "name"),
            (
                MeCard {
                    name: "A".into(),
                    birthday: s("1981-02-29"),
                    ..MeCard::default()
                },
                "birthday",
            ),
            (
                MeCard {
                    name: "A".into(),
                    note: s("two\nlines"),
                    ..MeCard::default()
                },
                "note",
            ),
            (
                MeCard {
                    name: "A".into(),
                    emails: vec!["x".into()],
                    ..MeCard::default()
                },
                "emails",
            ),
        ] {
            let err = card.build().unwrap_err();
            assert!(err.message().starts_with(&format!("{field}: ")), "{err}");
        }
    }
}
