//! The Swiss QR-bill's QR code, as SIX's "Swiss Payment Standards: Implementation Guidelines
//! for the QR-bill", version 2.3, section 4 specifies it: one element per line (CR LF), header
//! `SPC` / `0200` / `1`, the creditor's CH or LI IBAN, structured (type `S`) addresses only,
//! the amount and currency (CHF or EUR), the reference (`QRR` with a QR-IBAN, otherwise `SCOR`
//! or `NON`), the unstructured message, the trailer `EPD`, then the billing information and at
//! most two alternative schemes; 997 characters at most.

use super::epc::{mod97, parse_amount, validate_iban};
use super::{invalid, present, required};
use crate::error::Result;

/// ISO 3166-1 alpha-2 codes (the guidelines' country codes), with XK (Kosovo) as the
/// guidelines' Swiss Payment Standards accept it. From the `iso3166` package 3.0.0.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

/// Whether `code` is an ISO 3166-1 alpha-2 country code.
pub(crate) fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

/// A structured address (type `S`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct SwissAddress {
    /// `S`, the only type allowed since version 2.3 (`K`, combined address lines, is refused).
    #[cfg_attr(feature = "serde", serde(default))]
    pub address_type: Option<String>,
    /// The name or company, up to 70 characters.
    pub name: String,
    /// The street, up to 70 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub street: Option<String>,
    /// The building number, up to 16 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub building_number: Option<String>,
    /// The postal code, up to 16 characters, without a country prefix.
    pub postal_code: String,
    /// The town, up to 35 characters.
    pub town: String,
    /// The country, ISO 3166-1 alpha-2 (`CH`).
    pub country: String,
}

/// A Swiss QR-bill's payment part.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct SwissQrBill {
    /// The creditor's account: a CH or LI IBAN, or a QR-IBAN (institution id 30000–31999).
    pub iban: String,
    /// The creditor.
    pub creditor: SwissAddress,
    /// `0.01` to `999999999.99`, at most two decimals; none lets the payer type it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// `CHF` or `EUR` [default: CHF].
    #[cfg_attr(feature = "serde", serde(default))]
    pub currency: Option<String>,
    /// The ultimate debtor (the payer), when known.
    #[cfg_attr(feature = "serde", serde(default))]
    pub debtor: Option<SwissAddress>,
    /// A QR reference (27 digits, required with a QR-IBAN) or an ISO 11649 creditor
    /// reference (`RF…`, with other IBANs); spaces are removed.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference: Option<String>,
    /// The unstructured message.
    #[cfg_attr(feature = "serde", serde(default))]
    pub message: Option<String>,
    /// The billing information (`//S1/…`); with the message, 140 characters at most.
    #[cfg_attr(feature = "serde", serde(default))]
    pub billing_information: Option<String>,
    /// At most two alternative schemes' parameters, up to 100 characters each.
    #[cfg_attr(feature = "serde", serde(default))]
    pub alternative_schemes: Vec<String>,
}

/// The guidelines' character set (section 4.1.1): Basic Latin, Latin-1 Supplement and Latin
/// Extended-A printable characters, Ș ș Ț ț and €.
fn allowed_char(c: char) -> bool {
    matches!(c, ' '..='~' | '\u{A0}'..='\u{17F}' | '\u{218}'..='\u{21B}' | '€')
}

/// A one-line field of allowed characters, at most `max`; returns it trimmed.
fn text<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str> {
    let value = value.trim();
    if let Some(c) = value.chars().find(|&c| !allowed_char(c)) {
        return Err(invalid(
            field,
            format!(
                "{c:?} is not in the QR-bill's character set (Latin letters, digits, punctuation)"
            ),
        ));
    }
    super::max_chars(field, value, max)?;
    Ok(value)
}

fn optional<'a>(field: &str, value: &'a Option<String>, max: usize) -> Result<&'a str> {
    match present(value) {
        Some(v) => text(field, v, max),
        None => Ok(""),
    }
}

/// Whether `iban` (electronic form) is a QR-IBAN: its institution id is 30000 to 31999.
pub(crate) fn is_qr_iban(iban: &str) -> bool {
    iban.get(4..9)
        .and_then(|iid| iid.parse::<u32>().ok())
        .is_some_and(|iid| (30000..=31999).contains(&iid))
}

/// The check digit of the recursive mod-10 algorithm (the QR reference's, ESR's).
pub(crate) fn mod10_recursive(digits: &str) -> u32 {
    const TABLE: [u32; 10] = [0, 9, 4, 6, 8, 2, 7, 1, 3, 5];
    let carry = digits.bytes().fold(0, |carry, b| {
        TABLE[((carry + u32::from(b - b'0')) % 10) as usize]
    });
    (10 - carry) % 10
}

/// Whether a 27-digit QR reference's last digit is its check digit.
pub(crate) fn valid_qr_reference(r: &str) -> bool {
    r.len() == 27
        && r.bytes().all(|b| b.is_ascii_digit())
        && mod10_recursive(&r[..26]) == u32::from(r.as_bytes()[26] - b'0')
}

/// Whether `r` is an ISO 11649 creditor reference: `RF`, two check digits, 1 to 21 letters or
/// digits, mod 97 = 1.
pub(crate) fn valid_creditor_reference(r: &str) -> bool {
    (5..=25).contains(&r.len())
        && r.starts_with("RF")
        && r.chars().all(|c| c.is_ascii_alphanumeric())
        && r[2..4].chars().all(|c| c.is_ascii_digit())
        && mod97(&format!("{}{}", &r[4..], &r[..4])) == 1
}

impl SwissAddress {
    fn lines(&self, who: &str) -> Result<[String; 7]> {
        let f = |name: &str| format!("{who}.{name}");
        match present(&self.address_type) {
            None | Some("S") => {}
            Some("K") => {
                return Err(invalid(
                    &f("address_type"),
                    "combined addresses (type K) are no longer allowed (guidelines 2.3): give street, building_number, postal_code and town",
                ))
            }
            Some(t) => return Err(invalid(&f("address_type"), format!("{t:?}: only S"))),
        }
        let name = text(&f("name"), required(&f("name"), &self.name)?, 70)?;
        let street = optional(&f("street"), &self.street, 70)?;
        let building = optional(&f("building_number"), &self.building_number, 16)?;
        let postal_code = text(
            &f("postal_code"),
            required(&f("postal_code"), &self.postal_code)?,
            16,
        )?;
        let town = text(&f("town"), required(&f("town"), &self.town)?, 35)?;
        let country = self.country.trim();
        if !is_country(country) {
            return Err(invalid(
                &f("country"),
                format!("{country:?}: an ISO 3166-1 two-letter code in capitals, e.g. CH"),
            ));
        }
        Ok([
            "S".into(),
            name.into(),
            street.into(),
            building.into(),
            postal_code.into(),
            town.into(),
            country.into(),
        ])
    }
}

impl SwissQrBill {
    /// Validates the fields and returns the QR code's text (lines separated by CR LF).
    pub fn build(&self) -> Result<String> {
        let iban = validate_iban(&self.iban)?;
        if !matches!(&iban[..2], "CH" | "LI") {
            return Err(invalid(
                "iban",
                format!("{}: a QR-bill's account is in CH or LI", &iban[..2]),
            ));
        }
        let qr_iban = is_qr_iban(&iban);
        let creditor = self.creditor.lines("creditor")?;
        let amount = match present(&self.amount) {
            Some(a) => {
                let cents = parse_amount(a)?;
                format!("{}.{:02}", cents / 100, cents % 100)
            }
            None => String::new(),
        };
        let currency = present(&self.currency).unwrap_or("CHF");
        if !matches!(currency, "CHF" | "EUR") {
            return Err(invalid("currency", format!("{currency:?}: CHF or EUR")));
        }
        let debtor = match &self.debtor {
            Some(d) => d.lines("debtor")?,
            None => Default::default(),
        };
        let reference: String = present(&self.reference)
            .unwrap_or("")
            .split_whitespace()
            .collect::<String>()
            .to_ascii_uppercase();
        let kind = if qr_iban {
            if reference.is_empty() {
                return Err(invalid(
                    "reference",
                    "a QR-IBAN requires a QR reference (27 digits)",
                ));
            }
            if reference.starts_with("RF") {
                return Err(invalid(
                    "reference",
                    "a QR-IBAN requires a QR reference (27 digits), not a creditor reference (SCOR)",
                ));
            }
            if reference.len() != 27 || !reference.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    "reference",
                    format!("{reference:?}: a QR reference has 27 digits"),
                ));
            }
            if !valid_qr_reference(&reference) {
                return Err(invalid(
                    "reference",
                    "the QR reference's check digit (recursive mod 10) does not match",
                ));
            }
            "QRR"
        } else if reference.is_empty() {
            "NON"
        } else if reference.starts_with("RF") {
            if !valid_creditor_reference(&reference) {
                return Err(invalid(
                    "reference",
                    format!("{reference:?} is not a valid ISO 11649 creditor reference (RF, check digits that pass mod 97, up to 21 letters or digits)"),
                ));
            }
            "SCOR"
        } else {
            return Err(invalid(
                "reference",
                "a QR reference needs a QR-IBAN; with this IBAN use a creditor reference (RF…) or none",
            ));
        };
        let message = optional("message", &self.message, 140)?;
        let billing = optional("billing_information", &self.billing_information, 140)?;
        let together = message.chars().count() + billing.chars().count();
        if together > 140 {
            return Err(invalid(
                "message",
                format!("message and billing_information have {together} characters together; at most 140 are allowed"),
            ));
        }
        if self.alternative_schemes.len() > 2 {
            return Err(invalid(
                "alternative_schemes",
                format!("{} given; at most 2", self.alternative_schemes.len()),
            ));
        }
        let mut alternatives = Vec::new();
        for (i, alt) in self.alternative_schemes.iter().enumerate() {
            alternatives.push(text(&format!("alternative_schemes[{i}]"), alt, 100)?);
        }

        let mut lines: Vec<&str> = vec!["SPC", "0200", "1", &iban];
        lines.extend(creditor.iter().map(String::as_str));
        lines.extend([""; 7]); // The ultimate creditor: reserved, empty.
        lines.extend([amount.as_str(), currency]);
        lines.extend(debtor.iter().map(String::as_str));
        lines.extend([kind, reference.as_str(), message, "EPD"]);
        if !billing.is_empty() || !alternatives.is_empty() {
            lines.push(billing);
            lines.extend(alternatives);
        }
        let out = lines.join("\r\n");
        let n = out.chars().count();
        if n > 997 {
            return Err(invalid(
                "message",
                format!("the QR-bill's text would have {n} characters; at most 997 are allowed"),
            ));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    fn address(name: &str, street: &str, number: &str, pc: &str, town: &str) -> SwissAddress {
        SwissAddress {
            name: name.into(),
            street: s(street),
            building_number: s(number),
            postal_code: pc.into(),
            town: town.into(),
            country: "CH".into(),
            ..SwissAddress::default()
        }
    }

    /// The accounts, addresses, amount and QR reference of the guidelines' example bill with a
    /// QR-IBAN (Robert Schneider AG, Biel, billing Pia-Maria Rutschmann-Schnyder CHF 1949.75);
    /// the billing information and the two alternative schemes are our own, in the guidelines'
    /// syntax. The whole text is also held to the `qrbill` package (tests/payments_python.rs).
    fn example_1() -> SwissQrBill {
        SwissQrBill {
            iban: "CH44 3199 9123 0008 8901 2".into(),
            creditor: address("Robert Schneider AG", "Rue du Lac", "1268", "2501", "Biel"),
            amount: s("1949.75"),
            currency: s("CHF"),
            debtor: Some(address(
                "Pia-Maria Rutschmann-Schnyder",
                "Grosse Marktgasse",
                "28",
                "9400",
                "Rorschach",
            )),
            reference: s("21 00000 00003 13947 14300 09017"),
            message: s("Order of 15 June 2020"),
            billing_information: s("//S1/10/10201409/11/200701/20/140.000-53/30/102673831/31/200615/32/7.7/33/7.7:16.43/40/0:30"),
            alternative_schemes: vec!["Name AV1: UV;UltraPay005;12345".into(), "Name AV2: XY;XYService;54321".into()],
        }
    }

    #[test]
    fn the_guidelines_example_bill() {
        let text = example_1().build().unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            lines,
            [
                "SPC",
                "0200",
                "1",
                "CH4431999123000889012",
                "S",
                "Robert Schneider AG",
                "Rue du Lac",
                "1268",
                "2501",
                "Biel",
                "CH",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "1949.75",
                "CHF",
                "S",
                "Pia-Maria Rutschmann-Schnyder",
                "Grosse Marktgasse",
                "28",
                "9400",
                "Rorschach",
                "CH",
                "QRR",
                "210000000003139471430009017",
                "Order of 15 June 2020",
                "EPD",
                "//S1/10/10201409/11/200701/20/140.000-53/30/102673831/31/200615/32/7.7/33/7.7:16.43/40/0:30",
                "Name AV1: UV;UltraPay005;12345",
                "Name AV2: XY;XYService;54321",
            ]
        );
    }

    #[test]
    fn check_digits() {
        // The guidelines' QR reference and ISO 11649's own example.
        assert!(valid_qr_reference("210000000003139471430009017"));
        assert!(!valid_qr_reference("210000000003139471430009018"));
        assert_eq!(mod10_recursive("21000000000313947143000901"), 7);
        assert!(valid_creditor_reference("RF18539007547034"));
        assert!(!valid_creditor_reference("RF18539007547035"));
        assert!(is_qr_iban("CH4431999123000889012"));
        assert!(!is_qr_iban("CH9300762011623852957"));
    }

    #[test]
    fn references_follow_the_iban() {
        let scor = SwissQrBill {
            iban: "CH93 0076 2011 6238 5295 7".into(),
            reference: s("RF18 5390 0754 7034"),
            debtor: None,
            billing_information: None,
            alternative_schemes: vec![],
            amount: None,
            ..example_1()
        };
        let text = scor.build().unwrap();
        assert!(text.contains("\r\n\r\nCHF\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\nSCOR\r\nRF18539007547034\r\nOrder of 15 June 2020\r\nEPD"), "{text:?}");
        assert!(text.ends_with("EPD"));
        let non = SwissQrBill {
            reference: None,
            message: None,
            ..scor.clone()
        };
        assert!(non.build().unwrap().ends_with("NON\r\n\r\n\r\nEPD"));
    }

    #[test]
    fn bad_fields_are_named() {
        let base = example_1();
        let cases = [
            (
                SwissQrBill {
                    iban: "CH44 3199 9123 0008 8901 3".into(),
                    ..base.clone()
                },
                "iban",
            ),
            (
                SwissQrBill {
                    iban: "DE89 3704 0044 0532 0130 00".into(),
                    ..base.clone()
                },
                "iban",
            ),
            (
                SwissQrBill {
                    reference: s("210000000003139471430009018"),
                    ..base.clone()
                },
                "reference",
            ),
            (
                SwissQrBill {
                    reference: s("RF18539007547034"),
                    ..base.clone()
                },
                "reference",
            ),
            (
                SwissQrBill {
                    reference: None,
                    ..base.clone()
                },
                "reference",
            ),
            (
                SwissQrBill {
                    iban: "CH9300762011623852957".into(),
                    ..base.clone()
                },
                "reference",
            ),
            (
                SwissQrBill {
                    amount: s("1949.755"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                SwissQrBill {
                    amount: s("1000000000"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                SwissQrBill {
                    currency: s("USD"),
                    ..base.clone()
                },
                "currency",
            ),
            (
                SwissQrBill {
                    creditor: SwissAddress {
                        address_type: s("K"),
                        ..base.creditor.clone()
                    },
                    ..base.clone()
                },
                "creditor.address_type",
            ),
            (
                SwissQrBill {
                    creditor: SwissAddress {
                        country: "XX".into(),
                        ..base.creditor.clone()
                    },
                    ..base.clone()
                },
                "creditor.country",
            ),
            (
                SwissQrBill {
                    creditor: SwissAddress {
                        name: "x".repeat(71),
                        ..base.creditor.clone()
                    },
                    ..base.clone()
                },
                "creditor.name",
            ),
            (
                SwissQrBill {
                    debtor: Some(SwissAddress {
                        town: "x".repeat(36),
                        ..base.creditor.clone()
                    }),
                    ..base.clone()
                },
                "debtor.town",
            ),
            (
                SwissQrBill {
                    creditor: SwissAddress {
                        building_number: s(&"1".repeat(17)),
                        ..base.creditor.clone()
                    },
                    ..base.clone()
                },
                "creditor.building_number",
            ),
            (
                SwissQrBill {
                    message: s(&"x".repeat(50)),
                    billing_information: s(&"y".repeat(91)),
                    ..base.clone()
                },
                "message",
            ),
            (
                SwissQrBill {
                    message: s("Merci 😀"),
                    ..base.clone()
                },
                "message",
            ),
            (
                SwissQrBill {
                    alternative_schemes: vec!["a".into(), "b".into(), "c".into()],
                    ..base.clone()
                },
                "alternative_schemes",
            ),
            (
                SwissQrBill {
                    alternative_schemes: vec!["a".repeat(101)],
                    ..base.clone()
                },
                "alternative_schemes[0]",
            ),
        ];
        for (bill, field) in cases {
            let err = bill.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
