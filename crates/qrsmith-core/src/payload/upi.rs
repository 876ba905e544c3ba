//! A UPI payment (India): `upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…&tr=…`, the deep link of
//! NPCI's "UPI Linking Specifications". The payee's virtual payment address (VPA) is
//! `handle@provider`; values are percent-encoded as UTF-8.

use super::{invalid, is_unreserved, percent_encode, present, required, single_line};
use crate::error::Result;

/// A UPI payment request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Upi {
    /// `pa`, the payee's VPA: 2 to 256 letters, digits, `.`, `-` or `_`, then `@` and the
    /// provider's 2 to 64 letters (`merchant@okaxis`).
    pub vpa: String,
    /// `pn`, the payee's name (up to 99 characters).
    pub name: String,
    /// `am`, the amount in rupees, at most two decimals; none lets the payer type it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// `tn`, a note shown to the payer (up to 80 characters).
    #[cfg_attr(feature = "serde", serde(default))]
    pub note: Option<String>,
    /// `tr`, the merchant's transaction reference (up to 35 characters).
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference: Option<String>,
    /// `mc`, the merchant category code, four digits.
    #[cfg_attr(feature = "serde", serde(default))]
    pub merchant_code: Option<String>,
}

/// Checks a VPA's syntax: `[A-Za-z0-9.\-_]{2,256}@[A-Za-z]{2,64}`.
pub(crate) fn valid_vpa(vpa: &str) -> bool {
    let Some((handle, provider)) = vpa.split_once('@') else {
        return false;
    };
    (2..=256).contains(&handle.len())
        && handle
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && (2..=64).contains(&provider.len())
        && provider.bytes().all(|b| b.is_ascii_alphabetic())
}

/// An amount with at most two decimals, more than 0.
pub(crate) fn upi_amount(field: &str, value: &str) -> Result<String> {
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 10
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 2
        && !(value.contains('.') && frac.is_empty())
        && value.bytes().any(|b| (b'1'..=b'9').contains(&b));
    if !ok {
        return Err(invalid(
            field,
            format!("{value:?}: an amount more than 0 with at most two decimals, e.g. 150.50"),
        ));
    }
    Ok(value.to_owned())
}

fn text<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str> {
    single_line(field, value)?;
    super::max_chars(field, value, max)?;
    Ok(value)
}

impl Upi {
    /// Validates the fields and returns the `upi://pay` link.
    pub fn build(&self) -> Result<String> {
        let vpa = required("vpa", &self.vpa)?;
        if !valid_vpa(vpa) {
            return Err(invalid(
                "vpa",
                format!("{vpa:?} is not a UPI address: handle@provider, e.g. merchant@okaxis"),
            ));
        }
        let name = text("name", required("name", &self.name)?, 99)?;
        let enc = |v: &str| percent_encode(v, is_unreserved);
        // The VPA's `@` stays as it is (RFC 3986 allows it in a query), as every UPI app
        // writes it; its other characters are all unreserved.
        let mut out = format!("upi://pay?pa={vpa}&pn={}", enc(name));
        if let Some(mc) = present(&self.merchant_code) {
            if mc.len() != 4 || !mc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("merchant_code", format!("{mc:?}: four digits")));
            }
            out.push_str(&format!("&mc={mc}"));
        }
        if let Some(a) = present(&self.amount) {
            out.push_str(&format!("&am={}", upi_amount("amount", a)?));
        }
        out.push_str("&cu=INR");
        if let Some(n) = present(&self.note) {
            out.push_str(&format!("&tn={}", enc(text("note", n, 80)?)));
        }
        if let Some(r) = present(&self.reference) {
            out.push_str(&format!("&tr={}", enc(text("reference", r, 35)?)));
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
    fn the_link() {
        let upi = Upi {
            vpa: "zeeshan@npci".into(),
            name: "Zeeshan Khan".into(),
            amount: s("1010.00"),
            note: s("Pay to mystar store"),
            reference: s("4894398cndhcd23"),
            merchant_code: None,
        };
        assert_eq!(
            upi.build().unwrap(),
            "upi://pay?pa=zeeshan@npci&pn=Zeeshan%20Khan&am=1010.00&cu=INR&tn=Pay%20to%20mystar%20store&tr=4894398cndhcd23"
        );
    }

    #[test]
    fn bad_fields_are_named() {
        let base = Upi {
            vpa: "shop.name-1_a@okaxis".into(),
            name: "Shop".into(),
            ..Upi::default()
        };
        assert!(base.build().is_ok());
        for (upi, field) in [
            (
                Upi {
                    vpa: "shop@ok axis".into(),
                    ..base.clone()
                },
                "vpa",
            ),
            (
                Upi {
                    vpa: "shop".into(),
                    ..base.clone()
                },
                "vpa",
            ),
            (
                Upi {
                    vpa: "s@okaxis".into(),
                    ..base.clone()
                },
                "vpa",
            ),
            (
                Upi {
                    vpa: "shop@okaxis1".into(),
                    ..base.clone()
                },
                "vpa",
            ),
            (
                Upi {
                    amount: s("1.234"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Upi {
                    amount: s("0"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Upi {
                    name: String::new(),
                    ..base.clone()
                },
                "name",
            ),
            (
                Upi {
                    merchant_code: s("52"),
                    ..base.clone()
                },
                "merchant_code",
            ),
        ] {
            let err = upi.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
