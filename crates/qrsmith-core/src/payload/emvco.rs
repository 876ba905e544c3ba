//! EMVCo Merchant-Presented Mode (EMV QR Code Specification for Payment Systems, Merchant-
//! Presented Mode, version 1.1): a sequence of data objects, each a two-digit ID, a two-digit
//! length and the value, some of them templates holding data objects of their own. The last
//! object is the CRC (ID 63): CRC-16/CCITT-FALSE over everything before it, `6304` included,
//! as four upper-case hex digits.
//!
//! Lengths count characters (section 4.7: "the number of characters"); the characters of the
//! alternate-language template 64 may be any Unicode, all others are the spec's "ans" set
//! (printable ASCII). The CRC is computed over the UTF-8 bytes.

use super::{invalid, present};
use crate::error::Result;

/// Whether the code is shown for one payment or for many (ID 01).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum EmvcoInitiation {
    /// `11`: the same code for every payment (a sticker at the till).
    Static,
    /// `12`: a code for one payment (shown on a terminal's screen).
    Dynamic,
}

/// One data object inside a template: a two-digit ID and its value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct EmvcoField {
    /// The ID, `01` to `99`.
    pub id: String,
    /// The value.
    pub value: String,
}

/// A merchant account information template (IDs 26 to 51): a globally unique identifier
/// (sub-ID 00: a reversed domain name or an AID) and the payment system's own fields.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct EmvcoMerchantAccount {
    /// The template's ID, 26 to 51.
    pub id: u8,
    /// Sub-ID 00, up to 32 characters: `BR.GOV.BCB.PIX`, `D156000000000`, …
    pub gui: String,
    /// Sub-IDs 01 to 99.
    #[cfg_attr(feature = "serde", serde(default))]
    pub fields: Vec<EmvcoField>,
}

/// The additional data field template (ID 62): its sub-fields, each at most 25 characters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct EmvcoAdditionalData {
    /// 01, the bill number or invoice number.
    #[cfg_attr(feature = "serde", serde(default))]
    pub bill_number: Option<String>,
    /// 02, the mobile number (top-ups, bill payments).
    #[cfg_attr(feature = "serde", serde(default))]
    pub mobile_number: Option<String>,
    /// 03, the store's label.
    #[cfg_attr(feature = "serde", serde(default))]
    pub store_label: Option<String>,
    /// 04, a loyalty number.
    #[cfg_attr(feature = "serde", serde(default))]
    pub loyalty_number: Option<String>,
    /// 05, the reference label (Pix's txid).
    #[cfg_attr(feature = "serde", serde(default))]
    pub reference_label: Option<String>,
    /// 06, the customer label.
    #[cfg_attr(feature = "serde", serde(default))]
    pub customer_label: Option<String>,
    /// 07, the terminal label.
    #[cfg_attr(feature = "serde", serde(default))]
    pub terminal_label: Option<String>,
    /// 08, the purpose of the transaction.
    #[cfg_attr(feature = "serde", serde(default))]
    pub purpose: Option<String>,
    /// 09, what the app should ask the customer for: up to three of `A` (address), `M`
    /// (mobile number), `E` (e-mail).
    #[cfg_attr(feature = "serde", serde(default))]
    pub consumer_data_request: Option<String>,
}

/// The merchant information in an alternate language (template 64).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct EmvcoAlternateLanguage {
    /// 00, the language, ISO 639 two letters (`ZH`).
    pub language: String,
    /// 01, the merchant's name in that language, up to 25 characters.
    pub name: String,
    /// 02, the city in that language, up to 15 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub city: Option<String>,
}

/// An EMVCo Merchant-Presented Mode payment code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Emvco {
    /// ID 01, static (`11`) or dynamic (`12`); left out when not given.
    #[cfg_attr(feature = "serde", serde(default))]
    pub initiation: Option<EmvcoInitiation>,
    /// IDs 26 to 51, at least one.
    pub merchant_accounts: Vec<EmvcoMerchantAccount>,
    /// ID 52, the merchant category code (ISO 18245), four digits.
    pub merchant_category_code: String,
    /// ID 53, the currency as ISO 4217's three-digit number (`986` for BRL).
    pub currency: String,
    /// ID 54, the amount (`23.72`), up to 13 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// ID 55: `01` the app asks for a tip, `02` a fixed convenience fee (ID 56), `03` a
    /// percentage fee (ID 57).
    #[cfg_attr(feature = "serde", serde(default))]
    pub tip_indicator: Option<String>,
    /// ID 56, the fixed convenience fee (with indicator `02`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub convenience_fee_fixed: Option<String>,
    /// ID 57, the convenience fee as a percentage between 00.01 and 99.99 (with `03`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub convenience_fee_percentage: Option<String>,
    /// ID 58, ISO 3166-1 alpha-2.
    pub country: String,
    /// ID 59, up to 25 characters.
    pub merchant_name: String,
    /// ID 60, up to 15 characters.
    pub merchant_city: String,
    /// ID 61, up to 10 characters.
    #[cfg_attr(feature = "serde", serde(default))]
    pub postal_code: Option<String>,
    /// ID 62.
    #[cfg_attr(feature = "serde", serde(default))]
    pub additional_data: Option<EmvcoAdditionalData>,
    /// ID 64.
    #[cfg_attr(feature = "serde", serde(default))]
    pub alternate_language: Option<EmvcoAlternateLanguage>,
}

/// CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR
/// (its check value, over `123456789`, is 0x29B1).
pub fn crc16_ccitt_false(data: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The EMVCo "ans" set: printable ASCII.
fn ans(field: &str, value: &str) -> Result<()> {
    match value.chars().find(|c| !(' '..='~').contains(c)) {
        Some(c) => Err(invalid(
            field,
            format!("{c:?} is not allowed: EMVCo fields take printable ASCII"),
        )),
        None => Ok(()),
    }
}

/// Appends one data object; `value` must be 1 to 99 characters (and at most `max`).
pub(crate) fn push_tlv(
    out: &mut String,
    field: &str,
    id: &str,
    value: &str,
    max: usize,
) -> Result<()> {
    let n = value.chars().count();
    if n == 0 {
        return Err(invalid(field, "must not be empty"));
    }
    if n > max.min(99) {
        return Err(invalid(
            field,
            format!("{n} characters; at most {} are allowed", max.min(99)),
        ));
    }
    out.push_str(id);
    out.push_str(&format!("{n:02}"));
    out.push_str(value);
    Ok(())
}

/// An amount as EMVCo writes it: digits and at most one `.`, up to 13 characters, not zero.
pub(crate) fn emv_amount(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !(value.contains('.') && frac.is_empty());
    if !ok {
        return Err(invalid(
            field,
            format!("{value:?} is not an amount: digits and a point, e.g. 23.72"),
        ));
    }
    if value.len() > 13 {
        return Err(invalid(
            field,
            format!("{} characters; at most 13 are allowed", value.len()),
        ));
    }
    if value.bytes().all(|b| b == b'0' || b == b'.') {
        return Err(invalid(field, "must be more than 0"));
    }
    Ok(value.to_owned())
}

fn digits(field: &str, value: &str, n: usize) -> Result<()> {
    if value.len() != n || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(field, format!("{value:?}: must be {n} digits")));
    }
    Ok(())
}

/// Appends the CRC object (`6304` and the CRC over everything before it, `6304` included).
pub(crate) fn finish_with_crc(mut out: String) -> Result<String> {
    out.push_str("6304");
    let crc = crc16_ccitt_false(out.as_bytes());
    out.push_str(&format!("{crc:04X}"));
    if out.chars().count() > 512 {
        return Err(invalid(
            "merchant_accounts",
            format!(
                "the code would have {} characters; EMVCo allows 512",
                out.chars().count()
            ),
        ));
    }
    Ok(out)
}

impl EmvcoMerchantAccount {
    fn push(&self, out: &mut String, index: usize) -> Result<()> {
        let name = format!("merchant_accounts[{index}]");
        if !(26..=51).contains(&self.id) {
            return Err(invalid(
                &format!("{name}.id"),
                format!("{}: merchant account templates have IDs 26 to 51", self.id),
            ));
        }
        let mut inner = String::new();
        let gui = self.gui.trim();
        ans(&format!("{name}.gui"), gui)?;
        push_tlv(&mut inner, &format!("{name}.gui"), "00", gui, 32)?;
        for (i, f) in self.fields.iter().enumerate() {
            let fname = format!("{name}.fields[{i}]");
            let valid_id = f.id.len() == 2 && f.id.bytes().all(|b| b.is_ascii_digit());
            if !valid_id || f.id == "00" {
                return Err(invalid(
                    &format!("{fname}.id"),
                    format!("{:?}: two digits, 01 to 99 (00 is the gui)", f.id),
                ));
            }
            ans(&format!("{fname}.value"), &f.value)?;
            push_tlv(&mut inner, &format!("{fname}.value"), &f.id, &f.value, 99)?;
        }
        push_tlv(out, &name, &format!("{:02}", self.id), &inner, 99)
    }
}

impl EmvcoAdditionalData {
    fn push(&self, out: &mut String) -> Result<()> {
        let mut inner = String::new();
        let subs = [
            ("01", "bill_number", &self.bill_number),
            ("02", "mobile_number", &self.mobile_number),
            ("03", "store_label", &self.store_label),
            ("04", "loyalty_number", &self.loyalty_number),
            ("05", "reference_label", &self.reference_label),
            ("06", "customer_label", &self.customer_label),
            ("07", "terminal_label", &self.terminal_label),
            ("08", "purpose", &self.purpose),
        ];
        for (id, name, value) in subs {
            if let Some(v) = present(value) {
                let field = format!("additional_data.{name}");
                ans(&field, v)?;
                push_tlv(&mut inner, &field, id, v, 25)?;
            }
        }
        if let Some(v) = present(&self.consumer_data_request) {
            let field = "additional_data.consumer_data_request";
            let mut seen = String::new();
            for c in v.chars() {
                if !"AME".contains(c) || seen.contains(c) {
                    return Err(invalid(
                        field,
                        format!("{v:?}: up to three of A (address), M (mobile), E (e-mail)"),
                    ));
                }
                seen.push(c);
            }
            push_tlv(&mut inner, field, "09", v, 3)?;
        }
        if !inner.is_empty() {
            push_tlv(out, "additional_data", "62", &inner, 99)?;
        }
        Ok(())
    }
}

impl EmvcoAlternateLanguage {
    fn push(&self, out: &mut String) -> Result<()> {
        let mut inner = String::new();
        let lang = self.language.trim();
        if lang.len() != 2 || !lang.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(invalid(
                "alternate_language.language",
                format!("{lang:?}: two letters (ISO 639-1), e.g. ZH"),
            ));
        }
        push_tlv(&mut inner, "alternate_language.language", "00", lang, 2)?;
        let no_controls = |field: &str, v: &str| super::single_line(field, v);
        no_controls("alternate_language.name", &self.name)?;
        push_tlv(
            &mut inner,
            "alternate_language.name",
            "01",
            self.name.trim(),
            25,
        )?;
        if let Some(city) = present(&self.city) {
            no_controls("alternate_language.city", city)?;
            push_tlv(&mut inner, "alternate_language.city", "02", city, 15)?;
        }
        push_tlv(out, "alternate_language", "64", &inner, 99)
    }
}

impl Emvco {
    /// Validates the fields and returns the code's text, its CRC last.
    pub fn build(&self) -> Result<String> {
        let mut out = String::from("000201");
        match self.initiation {
            Some(EmvcoInitiation::Static) => out.push_str("010211"),
            Some(EmvcoInitiation::Dynamic) => out.push_str("010212"),
            None => {}
        }
        if self.merchant_accounts.is_empty() {
            return Err(invalid(
                "merchant_accounts",
                "at least one merchant account template (IDs 26 to 51) is required",
            ));
        }
        let mut accounts: Vec<(usize, &EmvcoMerchantAccount)> =
            self.merchant_accounts.iter().enumerate().collect();
        accounts.sort_by_key(|(_, a)| a.id);
        for pair in accounts.windows(2) {
            if pair[0].1.id == pair[1].1.id {
                return Err(invalid(
                    &format!("merchant_accounts[{}].id", pair[1].0),
                    format!("{} is used twice", pair[1].1.id),
                ));
            }
        }
        for (i, account) in accounts {
            account.push(&mut out, i)?;
        }
        let mcc = self.merchant_category_code.trim();
        digits("merchant_category_code", mcc, 4)?;
        push_tlv(&mut out, "merchant_category_code", "52", mcc, 4)?;
        let currency = self.currency.trim();
        digits("currency", currency, 3)?;
        push_tlv(&mut out, "currency", "53", currency, 3)?;
        if let Some(a) = present(&self.amount) {
            push_tlv(&mut out, "amount", "54", &emv_amount("amount", a)?, 13)?;
        }
        let fixed = present(&self.convenience_fee_fixed);
        let percentage = present(&self.convenience_fee_percentage);
        match present(&self.tip_indicator) {
            None if fixed.is_some() || percentage.is_some() => {
                return Err(invalid(
                    "tip_indicator",
                    "required with a convenience fee (02 fixed, 03 percentage)",
                ))
            }
            None => {}
            Some(ind) => {
                let want = match ind {
                    "01" => (false, false),
                    "02" => (true, false),
                    "03" => (false, true),
                    _ => {
                        return Err(invalid(
                            "tip_indicator",
                            format!(
                            "{ind:?}: 01 (ask for a tip), 02 (fixed fee) or 03 (percentage fee)"
                        ),
                        ))
                    }
                };
                if want.0 != fixed.is_some() {
                    return Err(invalid(
                        "convenience_fee_fixed",
                        "given exactly when tip_indicator is 02",
                    ));
                }
                if want.1 != percentage.is_some() {
                    return Err(invalid(
                        "convenience_fee_percentage",
                        "given exactly when tip_indicator is 03",
                    ));
                }
                push_tlv(&mut out, "tip_indicator", "55", ind, 2)?;
                if let Some(f) = fixed {
                    let f = emv_amount("convenience_fee_fixed", f)?;
                    push_tlv(&mut out, "convenience_fee_fixed", "56", &f, 13)?;
                }
                if let Some(p) = percentage {
                    let p = emv_amount("convenience_fee_percentage", p)?;
                    let ok = p.parse::<f64>().is_ok_and(|v| v < 100.0)
                        && p.split_once('.').map_or(0, |(_, f)| f.len()) <= 2;
                    if !ok {
                        return Err(invalid(
                            "convenience_fee_percentage",
                            format!("{p:?}: a percentage from 0.01 to 99.99"),
                        ));
                    }
                    push_tlv(&mut out, "convenience_fee_percentage", "57", &p, 5)?;
                }
            }
        }
        let country = self.country.trim();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(invalid(
                "country",
                format!("{country:?}: two capital letters (ISO 3166-1), e.g. BR"),
            ));
        }
        push_tlv(&mut out, "country", "58", country, 2)?;
        let name = self.merchant_name.trim();
        ans("merchant_name", name)?;
        push_tlv(&mut out, "merchant_name", "59", name, 25)?;
        let city = self.merchant_city.trim();
        ans("merchant_city", city)?;
        push_tlv(&mut out, "merchant_city", "60", city, 15)?;
        if let Some(pc) = present(&self.postal_code) {
            ans("postal_code", pc)?;
            push_tlv(&mut out, "postal_code", "61", pc, 10)?;
        }
        if let Some(data) = &self.additional_data {
            data.push(&mut out)?;
        }
        if let Some(alt) = &self.alternate_language {
            alt.push(&mut out)?;
        }
        finish_with_crc(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn crc_check_value() {
        // The CRC catalogue's check value for CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740).
        assert_eq!(crc16_ccitt_false(b"123456789"), 0x29B1);
    }

    /// The example of the EMVCo MPM specification 1.1 (Appendix A), as the spec prints it:
    /// its data objects are not in ID order (54 and 53 come after 64), so the builder, which
    /// writes them in order, is compared on the CRC of the spec's own text and on the text it
    /// builds from the same fields.
    const SPEC_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

    #[test]
    fn the_specs_example_crc() {
        let (body, crc) = SPEC_EXAMPLE.split_at(SPEC_EXAMPLE.len() - 4);
        assert_eq!(
            format!("{:04X}", crc16_ccitt_false(body.as_bytes())),
            crc,
            "the CRC covers the UTF-8 bytes, 6304 included"
        );
    }

    fn spec_fields() -> Emvco {
        Emvco {
            initiation: Some(EmvcoInitiation::Dynamic),
            merchant_accounts: vec![
                EmvcoMerchantAccount {
                    id: 29,
                    gui: "D15600000000".into(),
                    fields: vec![EmvcoField {
                        id: "05".into(),
                        value: "A93FO3230Q".into(),
                    }],
                },
                EmvcoMerchantAccount {
                    id: 31,
                    gui: "D15600000001".into(),
                    fields: vec![EmvcoField {
                        id: "03".into(),
                        value: "12345678".into(),
                    }],
                },
            ],
            merchant_category_code: "4111".into(),
            currency: "156".into(),
            amount: s("23.72"),
            tip_indicator: s("01"),
            country: "CN".into(),
            merchant_name: "BEST TRANSPORT".into(),
            merchant_city: "BEIJING".into(),
            additional_data: Some(EmvcoAdditionalData {
                store_label: s("1234"),
                customer_label: s("***"),
                terminal_label: s("A6008667"),
                consumer_data_request: s("ME"),
                ..EmvcoAdditionalData::default()
            }),
            alternate_language: Some(EmvcoAlternateLanguage {
                language: "ZH".into(),
                name: "最佳运输".into(),
                city: s("北京"),
            }),
            ..Emvco::default()
        }
    }

    #[test]
    fn the_specs_example_rebuilt_in_id_order() {
        // The spec's example without its RFU template 91 (not a field of ours), objects in ID
        // order; every object's text is the spec's own.
        let built = spec_fields().build().unwrap();
        let body = concat!(
            "000201010212",
            "29300012D156000000000510A93FO3230Q",
            "31280012D15600000001030812345678",
            "52044111",
            "5303156",
            "540523.72",
            "550201",
            "5802CN",
            "5914BEST TRANSPORT",
            "6007BEIJING",
            "6233030412340603***0708A60086670902ME",
            "64200002ZH0104最佳运输0202北京",
            "6304",
        );
        let crc = crc16_ccitt_false(body.as_bytes());
        assert_eq!(built, format!("{body}{crc:04X}"));
    }

    #[test]
    fn fields_over_their_length_or_format_are_named() {
        let base = spec_fields();
        let cases: Vec<(Emvco, &str)> = vec![
            (
                Emvco {
                    merchant_name: "x".repeat(26),
                    ..base.clone()
                },
                "merchant_name",
            ),
            (
                Emvco {
                    merchant_city: "x".repeat(16),
                    ..base.clone()
                },
                "merchant_city",
            ),
            (
                Emvco {
                    merchant_category_code: "411".into(),
                    ..base.clone()
                },
                "merchant_category_code",
            ),
            (
                Emvco {
                    currency: "CNY".into(),
                    ..base.clone()
                },
                "currency",
            ),
            (
                Emvco {
                    amount: s("1,50"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Emvco {
                    amount: s("12345678901.23"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Emvco {
                    country: "China".into(),
                    ..base.clone()
                },
                "country",
            ),
            (
                Emvco {
                    merchant_name: "Café".into(),
                    ..base.clone()
                },
                "merchant_name",
            ),
            (
                Emvco {
                    tip_indicator: s("02"),
                    ..base.clone()
                },
                "convenience_fee_fixed",
            ),
            (
                Emvco {
                    merchant_accounts: vec![],
                    ..base.clone()
                },
                "merchant_accounts",
            ),
            (
                Emvco {
                    merchant_accounts: vec![EmvcoMerchantAccount {
                        id: 25,
                        gui: "x".into(),
                        fields: vec![],
                    }],
                    ..base.clone()
                },
                "merchant_accounts[0].id",
            ),
            (
                Emvco {
                    merchant_accounts: vec![EmvcoMerchantAccount {
                        id: 26,
                        gui: "x".repeat(33),
                        fields: vec![],
                    }],
                    ..base.clone()
                },
                "merchant_accounts[0].gui",
            ),
            (
                Emvco {
                    merchant_accounts: vec![EmvcoMerchantAccount {
                        id: 26,
                        gui: "x".repeat(32),
                        fields: vec![EmvcoField {
                            id: "01".into(),
                            value: "y".repeat(70),
                        }],
                    }],
                    ..base.clone()
                },
                "merchant_accounts[0]",
            ),
            (
                Emvco {
                    additional_data: Some(EmvcoAdditionalData {
                        bill_number: s(&"1".repeat(26)),
                        ..EmvcoAdditionalData::default()
                    }),
                    ..base.clone()
                },
                "additional_data.bill_number",
            ),
            (
                Emvco {
                    additional_data: Some(EmvcoAdditionalData {
                        consumer_data_request: s("MX"),
                        ..EmvcoAdditionalData::default()
                    }),
                    ..base.clone()
                },
                "additional_data.consumer_data_request",
            ),
        ];
        for (emv, field) in cases {
            let err = emv.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
