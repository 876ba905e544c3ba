//! An EPC QR code: a SEPA credit transfer as the European Payments Council's guideline
//! EPC069-12 ("Quick Response Code: Guidelines to Enable Data Capture for the Initiation of a
//! SEPA Credit Transfer") lays it out, version 002, UTF-8 (character set 1).
//!
//! The payload is twelve lines separated by LF: `BCD`, `002`, `1`, `SCT`, BIC, beneficiary
//! name, IBAN, `EUR`amount, purpose, structured reference, unstructured remittance, information
//! to the payer. Trailing empty lines are left out, and the whole is at most 331 bytes. Banking
//! apps read it at error-correction level M (the guideline's recommendation; the service's
//! default H works too).

use super::{invalid, max_chars, present, required, single_line};
use crate::error::Result;

/// A SEPA credit transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Epc {
    /// The beneficiary's name, at most 70 characters.
    pub name: String,
    /// The beneficiary's IBAN (spaces allowed; checked: country, length, mod-97).
    pub iban: String,
    /// The beneficiary bank's BIC, 8 or 11 characters (optional inside the EEA).
    #[cfg_attr(feature = "serde", serde(default))]
    pub bic: Option<String>,
    /// Euros as decimal text, `0.01` to `999999999.99`, at most two decimals (`"12.30"`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// An ISO 20022 purpose code: four capital letters (`CHAR`, `GDDS`, …).
    #[cfg_attr(feature = "serde", serde(default))]
    pub purpose: Option<String>,
    /// A structured creditor reference (ISO 11649 `RF…`, checked), at most 35 characters;
    /// not with `remittance_text`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference: Option<String>,
    /// Unstructured remittance information, at most 140 characters; not with `reference`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub remittance_text: Option<String>,
    /// Information shown to the payer, at most 70 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub information: Option<String>,
}

/// IBAN lengths by country, from the SWIFT IBAN registry (French overseas territories and
/// Åland included under their own codes, as banks accept them).
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AX", 18),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BL", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GF", 27),
    ("GI", 23),
    ("GL", 18),
    ("GP", 27),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MF", 27),
    ("MK", 19),
    ("MN", 20),
    ("MQ", 27),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NC", 27),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PF", 27),
    ("PK", 24),
    ("PL", 28),
    ("PM", 27),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RE", 27),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TF", 27),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("WF", 27),
    ("XK", 20),
    ("YE", 30),
    ("YT", 27),
];

/// ISO 7064 MOD 97-10 of an alphanumeric string, letters as 10–35 (IBAN, ISO 11649).
pub(crate) fn mod97(s: &str) -> u32 {
    s.chars().fold(0, |acc, c| {
        let v = c.to_digit(36).unwrap_or(0);
        if v >= 10 {
            (acc * 100 + v) % 97
        } else {
            (acc * 10 + v) % 97
        }
    })
}

/// Validates an IBAN (spaces allowed) and returns it in its electronic form: capitals, no
/// spaces. Checks the characters, the country's length and the mod-97 check digits.
pub fn validate_iban(iban: &str) -> Result<String> {
    let iban: String = iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    if iban.is_empty() {
        return Err(invalid("iban", "must not be empty"));
    }
    if !iban.chars().all(|c| c.is_ascii_alphanumeric())
        || iban.len() < 5
        || !iban[..2].chars().all(|c| c.is_ascii_alphabetic())
        || !iban[2..4].chars().all(|c| c.is_ascii_digit())
    {
        return Err(invalid(
            "iban",
            format!(
                "{iban:?} is not an IBAN: two letters, two check digits, then letters and digits"
            ),
        ));
    }
    let country = &iban[..2];
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country) else {
        return Err(invalid(
            "iban",
            format!("{country} is not a country that uses IBANs"),
        ));
    };
    if iban.len() != len {
        return Err(invalid(
            "iban",
            format!("{} characters; an IBAN of {country} has {len}", iban.len()),
        ));
    }
    let rearranged = format!("{}{}", &iban[4..], &iban[..4]);
    if mod97(&rearranged) != 1 {
        return Err(invalid(
            "iban",
            "the check digits do not match (mod 97): a character is mistyped",
        ));
    }
    Ok(iban)
}

/// Validates a BIC (ISO 9362: 4 letters for the bank, 2 for the country, 2 letters or digits
/// for the location, optionally 3 for the branch) and returns it in capitals.
pub fn validate_bic(bic: &str) -> Result<String> {
    let bic = bic.trim().to_ascii_uppercase();
    let b = bic.as_bytes();
    let valid = matches!(b.len(), 8 | 11)
        && b[..6].iter().all(u8::is_ascii_uppercase)
        && b[6..].iter().all(u8::is_ascii_alphanumeric);
    if !valid {
        return Err(invalid(
            "bic",
            format!("{bic:?} is not a BIC: 8 or 11 characters, e.g. GEBABEBB or DEUTDEFF500"),
        ));
    }
    Ok(bic)
}

/// `"12.30"` → 1230 cents; `0.01` to `999999999.99`, at most two decimals.
pub(crate) fn parse_amount(value: &str) -> Result<u64> {
    let bad = |why: &str| invalid("amount", format!("{value:?}: {why}"));
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    if value.contains(',') {
        return Err(bad("write the decimals after a point: 12.30"));
    }
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || (value.contains('.') && frac.is_empty())
    {
        return Err(bad("not an amount: use digits and a point, e.g. 12.30"));
    }
    if frac.len() > 2 {
        return Err(bad("at most two decimals (cents)"));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 9 {
        return Err(bad("at most 999999999.99"));
    }
    let euros: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad("not a number"))?
    };
    let cents: u64 = format!("{frac:0<2}")
        .parse()
        .map_err(|_| bad("not a number"))?;
    let total = euros * 100 + cents;
    if total == 0 {
        return Err(bad("at least 0.01"));
    }
    Ok(total)
}

/// `EUR1`, `EUR12.3`, `EUR0.01`: no trailing zeros, as the guideline's examples write it.
fn format_amount(cents: u64) -> String {
    let (euros, cents) = (cents / 100, cents % 100);
    match cents {
        0 => format!("EUR{euros}"),
        c if c % 10 == 0 => format!("EUR{euros}.{}", c / 10),
        c => format!("EUR{euros}.{c:02}"),
    }
}

/// An optional one-line field of at most `max` characters.
fn field<'a>(name: &str, value: &'a Option<String>, max: usize) -> Result<&'a str> {
    let Some(v) = present(value) else {
        return Ok("");
    };
    single_line(name, v)?;
    max_chars(name, v, max)?;
    Ok(v)
}

impl Epc {
    /// Validates the fields and returns the EPC QR code's text.
    pub fn build(&self) -> Result<String> {
        let name = required("name", &self.name)?;
        single_line("name", name)?;
        max_chars("name", name, 70)?;
        let iban = validate_iban(&self.iban)?;
        let bic = match present(&self.bic) {
            Some(b) => validate_bic(b)?,
            None => String::new(),
        };
        let amount = match present(&self.amount) {
            Some(a) => format_amount(parse_amount(a)?),
            None => String::new(),
        };
        let purpose = field("purpose", &self.purpose, 4)?;
        let code = purpose.len() == 4 && purpose.bytes().all(|b| b.is_ascii_uppercase());
        if !purpose.is_empty() && !code {
            return Err(invalid(
                "purpose",
                format!("{purpose:?}: an ISO 20022 purpose code is four capital letters (CHAR, GDDS, …)"),
            ));
        }
        let reference = field("reference", &self.reference, 35)?;
        let text = field("remittance_text", &self.remittance_text, 140)?;
        if !reference.is_empty() && !text.is_empty() {
            return Err(invalid(
                "reference",
                "give either a structured reference or remittance_text, not both",
            ));
        }
        if reference.len() >= 2 && reference[..2].eq_ignore_ascii_case("RF") {
            let r: String = reference
                .split_whitespace()
                .collect::<String>()
                .to_ascii_uppercase();
            let valid = (5..=25).contains(&r.len())
                && r.chars().all(|c| c.is_ascii_alphanumeric())
                && r[2..4].chars().all(|c| c.is_ascii_digit())
                && mod97(&format!("{}{}", &r[4..], &r[..4])) == 1;
            if !valid {
                return Err(invalid(
                    "reference",
                    format!("{reference:?} is not a valid ISO 11649 creditor reference (RF, check digits, up to 21 letters or digits)"),
                ));
            }
        }
        let information = field("information", &self.information, 70)?;
        let mut lines = vec![
            "BCD",
            "002",
            "1",
            "SCT",
            &bic,
            name,
            &iban,
            &amount,
            purpose,
            reference,
            text,
            information,
        ];
        while lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        let out = lines.join("\n");
        if out.len() > 331 {
            return Err(invalid(
                "remittance_text",
                format!(
                    "the EPC QR code would have {} bytes; at most 331 are allowed",
                    out.len()
                ),
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

    #[test]
    fn the_guidelines_example() {
        // EPC069-12 (version 2.1 and later, section "Example of an EPC QR code"): the Belgian
        // Red Cross's urgency fund, 1 euro, purpose CHAR, no structured reference. The
        // guideline shows its data elements one per line, which is what is compared here.
        let epc = Epc {
            name: "Red Cross".into(),
            iban: "BE72 0000 0000 1616".into(),
            bic: s("BPOTBEB1"),
            amount: s("1.00"),
            purpose: s("CHAR"),
            reference: None,
            remittance_text: s("Urgency fund"),
            information: s("Sample EPC QR code"),
        };
        assert_eq!(
            epc.build().unwrap(),
            "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross\nBE72000000001616\nEUR1\nCHAR\n\nUrgency fund\nSample EPC QR code"
        );
    }

    #[test]
    fn optional_elements_and_trailing_lines() {
        // A transfer with a structured reference (ISO 11649's own example, RF18 5390 0754
        // 7034) and no text after it: trailing empty elements are left out.
        let epc = Epc {
            name: "Franz Mustermänn".into(),
            iban: "DE71110220330123456789".into(),
            bic: s("BHBLDEHHXXX"),
            amount: s("12.3"),
            purpose: s("GDDS"),
            reference: s("RF18539007547034"),
            ..Epc::default()
        };
        assert_eq!(
            epc.build().unwrap(),
            "BCD\n002\n1\nSCT\nBHBLDEHHXXX\nFranz Mustermänn\nDE71110220330123456789\nEUR12.3\nGDDS\nRF18539007547034"
        );
        let minimal = Epc {
            name: "A".into(),
            iban: "BE72000000001616".into(),
            ..Epc::default()
        };
        assert_eq!(
            minimal.build().unwrap(),
            "BCD\n002\n1\nSCT\n\nA\nBE72000000001616"
        );
    }

    #[test]
    fn ibans_bics_and_amounts_are_validated() {
        assert_eq!(
            validate_iban("gb82 west 1234 5698 7654 32").unwrap(),
            "GB82WEST12345698765432"
        );
        for (bad, why) in [
            ("GB82WEST12345698765433", "check digits"),
            ("GB82WEST1234569876543", "22"),
            ("XX82WEST12345698765432", "not a country"),
            ("GB82-WEST", "not an IBAN"),
            ("", "empty"),
        ] {
            let err = validate_iban(bad).unwrap_err();
            assert!(
                err.message().starts_with("iban: ") && err.message().contains(why),
                "{bad}: {err}"
            );
        }
        assert_eq!(validate_bic("deutdeff500").unwrap(), "DEUTDEFF500");
        for bad in ["DEUTDEF", "DEUTDEFF50", "1EUTDEFF", "DEUT DEFF"] {
            assert!(
                validate_bic(bad)
                    .unwrap_err()
                    .message()
                    .starts_with("bic: "),
                "{bad}"
            );
        }
        for (text, cents) in [
            ("0.01", 1),
            ("1", 100),
            ("12.3", 1230),
            ("999999999.99", 99_999_999_999),
            ("007.5", 750),
        ] {
            assert_eq!(parse_amount(text).unwrap(), cents, "{text}");
        }
        for bad in [
            "0",
            "0.00",
            "1.234",
            "1,50",
            "1000000000",
            "-1",
            "1.",
            ".5",
            "1e3",
            " 1",
        ] {
            assert!(
                parse_amount(bad)
                    .unwrap_err()
                    .message()
                    .starts_with("amount: "),
                "{bad}"
            );
        }
        assert_eq!(format_amount(1), "EUR0.01");
        assert_eq!(format_amount(1230), "EUR12.3");
        assert_eq!(format_amount(99_999_999_999), "EUR999999999.99");
    }

    #[test]
    fn field_rules_are_named() {
        let base = Epc {
            name: "A".into(),
            iban: "BE72000000001616".into(),
            ..Epc::default()
        };
        let cases = [
            (
                Epc {
                    name: "x".repeat(71),
                    ..base.clone()
                },
                "name",
            ),
            (
                Epc {
                    name: "a\nb".into(),
                    ..base.clone()
                },
                "name",
            ),
            (
                Epc {
                    purpose: s("char"),
                    ..base.clone()
                },
                "purpose",
            ),
            (
                Epc {
                    reference: s("RF18539007547035"),
                    ..base.clone()
                },
                "reference",
            ),
            (
                Epc {
                    reference: s("RF1"),
                    remittance_text: s("x"),
                    ..base.clone()
                },
                "reference",
            ),
            (
                Epc {
                    remittance_text: s(&"x".repeat(141)),
                    ..base.clone()
                },
                "remittance_text",
            ),
            (
                Epc {
                    information: s(&"x".repeat(71)),
                    ..base.clone()
                },
                "information",
            ),
            (
                Epc {
                    bic: s("BPOTBEB"),
                    ..base.clone()
                },
                "bic",
            ),
            (
                Epc {
                    amount: s("0"),
                    ..base.clone()
                },
                "amount",
            ),
        ];
        for (epc, field) in cases {
            let err = epc.build().unwrap_err();
            assert!(err.message().starts_with(&format!("{field}: ")), "{err}");
        }
        // 70 two-byte characters are 140 bytes but 70 characters: allowed.
        assert!(Epc {
            name: "é".repeat(70),
            ..base.clone()
        }
        .build()
        .is_ok());
        // The 331-byte limit: 140 three-byte characters of remittance text are too many.
        let err = Epc {
            remittance_text: s(&"€".repeat(140)),
            ..base
        }
        .build()
        .unwrap_err();
        assert!(err.message().contains("331"), "{err}");
    }
}
