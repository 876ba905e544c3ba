//! A GS1 Digital Link URI for a trade item (GS1 Digital Link Standard: URI Syntax): the GTIN
//! as primary key (`/01/{GTIN-14}`), its key qualifiers in the standard's order (`/22/` the
//! consumer product variant, `/10/` the batch or lot, `/21/` the serial number), and data
//! attributes as query parameters (`?17=YYMMDD` the expiration date, `15` best before, `11`
//! production date). Values are GS1 AI encodable character set 82; every character outside
//! RFC 3986's unreserved set is percent-encoded, as the standard asks.

use super::{invalid, is_unreserved, percent_encode, present, required};
use crate::error::Result;

/// GS1's resolver, the default domain.
pub const GS1_RESOLVER: &str = "id.gs1.org";

/// A GS1 Digital Link URI for a trade item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Gs1DigitalLink {
    /// The domain, optionally with a path of its own (`example.com/products`)
    /// [default: id.gs1.org].
    #[cfg_attr(feature = "serde", serde(default))]
    pub domain: Option<String>,
    /// The GTIN: 8, 12, 13 or 14 digits with a valid check digit (padded to 14).
    pub gtin: String,
    /// AI 22, the consumer product variant (up to 20 characters).
    #[cfg_attr(feature = "serde", serde(default))]
    pub cpv: Option<String>,
    /// AI 10, the batch or lot number (up to 20 characters).
    #[cfg_attr(feature = "serde", serde(default))]
    pub lot: Option<String>,
    /// AI 21, the serial number (up to 20 characters).
    #[cfg_attr(feature = "serde", serde(default))]
    pub serial: Option<String>,
    /// AI 17, the expiration date, `YYMMDD` (DD `00`: the end of the month).
    #[cfg_attr(feature = "serde", serde(default))]
    pub expiry: Option<String>,
    /// AI 15, the best-before date, `YYMMDD`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub best_before: Option<String>,
    /// AI 11, the production date, `YYMMDD`.
    #[cfg_attr(feature = "serde", serde(default))]
    pub production_date: Option<String>,
}

/// The GS1 mod-10 check digit of `digits` (weights 3, 1, 3, … from the right).
pub(crate) fn gs1_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10
}

/// Validates a GTIN-8, -12, -13 or -14 and returns it as 14 digits.
pub fn validate_gtin(field: &str, value: &str) -> Result<String> {
    let gtin = required(field, value)?;
    if !matches!(gtin.len(), 8 | 12 | 13 | 14) || !gtin.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(
            field,
            format!("{gtin:?}: a GTIN has 8, 12, 13 or 14 digits"),
        ));
    }
    let (body, check) = gtin.split_at(gtin.len() - 1);
    let want = gs1_check_digit(body);
    if check.parse::<u32>().ok() != Some(want) {
        return Err(invalid(
            field,
            format!("the check digit is {check}; {body} needs {want}"),
        ));
    }
    Ok(format!("{gtin:0>14}"))
}

/// GS1 AI encodable character set 82.
fn cset82(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!\"%&'()*+,-./:;<=>?_".contains(c)
}

fn qualifier(field: &str, value: &Option<String>) -> Result<Option<String>> {
    let Some(v) = present(value) else {
        return Ok(None);
    };
    if let Some(c) = v.chars().find(|&c| !cset82(c)) {
        return Err(invalid(
            field,
            format!(
                "{c:?} is not in GS1's character set 82 (letters, digits, !\"%&'()*+,-./:;<=>?_)"
            ),
        ));
    }
    super::max_chars(field, v, 20)?;
    Ok(Some(percent_encode(v, is_unreserved)))
}

fn date(field: &str, value: &Option<String>) -> Result<Option<String>> {
    let Some(v) = present(value) else {
        return Ok(None);
    };
    let ok = v.len() == 6
        && v.bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&v[2..4].parse::<u32>().unwrap_or(0))
        && v[4..6].parse::<u32>().unwrap_or(99) <= 31;
    if !ok {
        return Err(invalid(
            field,
            format!("{v:?}: a date is YYMMDD (261231 for 31 December 2026)"),
        ));
    }
    Ok(Some(v.to_owned()))
}

impl Gs1DigitalLink {
    /// Validates the fields and returns the URI.
    pub fn build(&self) -> Result<String> {
        let domain = present(&self.domain).unwrap_or(GS1_RESOLVER);
        let domain = domain
            .strip_prefix("https://")
            .unwrap_or(domain)
            .trim_end_matches('/');
        let host = domain.split('/').next().unwrap_or("");
        let valid_host = host.split('.').count() >= 2
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !valid_host
            || domain
                .chars()
                .any(|c| c.is_whitespace() || "?#".contains(c))
        {
            return Err(invalid(
                "domain",
                format!("{domain:?}: a domain name, optionally with a path (example.com/products)"),
            ));
        }
        let gtin = validate_gtin("gtin", &self.gtin)?;
        let mut out = format!("https://{domain}/01/{gtin}");
        for (ai, field, value) in [
            ("22", "cpv", &self.cpv),
            ("10", "lot", &self.lot),
            ("21", "serial", &self.serial),
        ] {
            if let Some(v) = qualifier(field, value)? {
                out.push_str(&format!("/{ai}/{v}"));
            }
        }
        let mut sep = '?';
        for (ai, field, value) in [
            ("11", "production_date", &self.production_date),
            ("15", "best_before", &self.best_before),
            ("17", "expiry", &self.expiry),
        ] {
            if let Some(v) = date(field, value)? {
                out.push_str(&format!("{sep}{ai}={v}"));
                sep = '&';
            }
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
    fn published_examples() {
        // The examples of BWIPP's wiki page "GS1 Digital Link URIs"
        // (https://github.com/bwipp/postscriptbarcode/wiki/GS1-Digital-Link-URIs).
        let item = Gs1DigitalLink {
            gtin: "09521234543213".into(),
            ..Gs1DigitalLink::default()
        };
        assert_eq!(
            item.build().unwrap(),
            "https://id.gs1.org/01/09521234543213"
        );
        let serial = Gs1DigitalLink {
            lot: s("ABC123"),
            serial: s("12345"),
            ..item.clone()
        };
        assert_eq!(
            serial.build().unwrap(),
            "https://id.gs1.org/01/09521234543213/10/ABC123/21/12345"
        );
        let expiry = Gs1DigitalLink {
            lot: s("ABC123"),
            expiry: s("261231"),
            ..item.clone()
        };
        assert_eq!(
            expiry.build().unwrap(),
            "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231"
        );
        let own = Gs1DigitalLink {
            domain: s("example.com/products"),
            ..item
        };
        assert_eq!(
            own.build().unwrap(),
            "https://example.com/products/01/09521234543213"
        );
    }

    #[test]
    fn gtins_are_padded_and_qualifiers_ordered_and_encoded() {
        // 9520123456788: the GTIN-13 of GS1's own examples.
        let link = Gs1DigitalLink {
            gtin: "9520123456788".into(),
            serial: s("A/1"),
            lot: s("L%1"),
            cpv: s("2A"),
            best_before: s("250100"),
            expiry: s("250131"),
            ..Gs1DigitalLink::default()
        };
        assert_eq!(
            link.build().unwrap(),
            "https://id.gs1.org/01/09520123456788/22/2A/10/L%251/21/A%2F1?15=250100&17=250131"
        );
        assert_eq!(validate_gtin("gtin", "96385074").unwrap(), "00000096385074");
        assert_eq!(
            validate_gtin("gtin", "036000291452").unwrap(),
            "00036000291452"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let base = Gs1DigitalLink {
            gtin: "09521234543213".into(),
            ..Gs1DigitalLink::default()
        };
        let cases = [
            (
                Gs1DigitalLink {
                    gtin: "09521234543214".into(),
                    ..base.clone()
                },
                "gtin",
            ),
            (
                Gs1DigitalLink {
                    gtin: "1234567".into(),
                    ..base.clone()
                },
                "gtin",
            ),
            (
                Gs1DigitalLink {
                    lot: s(&"1".repeat(21)),
                    ..base.clone()
                },
                "lot",
            ),
            (
                Gs1DigitalLink {
                    serial: s("é"),
                    ..base.clone()
                },
                "serial",
            ),
            (
                Gs1DigitalLink {
                    expiry: s("261331"),
                    ..base.clone()
                },
                "expiry",
            ),
            (
                Gs1DigitalLink {
                    domain: s("not a domain"),
                    ..base.clone()
                },
                "domain",
            ),
        ];
        for (link, field) in cases {
            let err = link.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
