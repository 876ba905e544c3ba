//! Pix, Brazil's instant payments: a static BR Code, which is an EMVCo Merchant-Presented Mode
//! code (see [`super::Emvco`]) whose merchant account template 26 has the GUI
//! `BR.GOV.BCB.PIX`, the key (sub-ID 01) and an optional description (02); the currency is
//! 986 (BRL), the country BR and the additional data's reference label (62-05) carries the
//! transaction id (`***` when there is none), as the Banco Central do Brasil's "Manual de
//! Padrões para Iniciação do Pix" describes.

use super::emvco::{Emvco, EmvcoAdditionalData, EmvcoField, EmvcoMerchantAccount};
use super::{email_address, invalid, present, required};
use crate::error::Result;

/// The GUI of a Pix merchant account template.
pub const PIX_GUI: &str = "BR.GOV.BCB.PIX";

/// A static Pix payment code (the "copia e cola" text).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Pix {
    /// The receiver's Pix key: a CPF (11 digits), a CNPJ (14 digits), a phone number
    /// (`+55` and 10 or 11 digits), an e-mail address or a random key (a UUID).
    pub key: String,
    /// The receiver's name, up to 25 characters of ASCII.
    pub name: String,
    /// The receiver's city, up to 15 characters of ASCII.
    pub city: String,
    /// The amount in reais (`10.50`); none lets the payer type it.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// A message to the payer (merchant account sub-ID 02).
    #[cfg_attr(feature = "serde", serde(default))]
    pub description: Option<String>,
    /// The transaction id, up to 25 letters and digits [default: `***`, none].
    #[cfg_attr(feature = "serde", serde(default))]
    pub txid: Option<String>,
    /// The receiver's postal code (CEP), 8 digits.
    #[cfg_attr(feature = "serde", serde(default))]
    pub postal_code: Option<String>,
}

/// Checks the shape of a Pix key and returns it as it is written in the code.
fn pix_key(value: &str) -> Result<String> {
    let key = required("key", value)?;
    let digits = key.bytes().all(|b| b.is_ascii_digit());
    let uuid = key.len() == 36
        && key.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    let phone = key
        .strip_prefix("+55")
        .is_some_and(|n| matches!(n.len(), 10 | 11) && n.bytes().all(|b| b.is_ascii_digit()));
    if (digits && matches!(key.len(), 11 | 14)) || uuid || phone {
        return Ok(key.to_owned());
    }
    if key.contains('@') {
        let email = email_address("key", key)?;
        if email.len() > 77 {
            return Err(invalid("key", "an e-mail key has at most 77 characters"));
        }
        return Ok(email);
    }
    Err(invalid(
        "key",
        format!("{key:?} is not a Pix key: a CPF (11 digits), a CNPJ (14 digits), +55 and a phone number, an e-mail address or a random key (UUID)"),
    ))
}

impl Pix {
    /// The EMVCo fields of this code.
    pub fn to_emvco(&self) -> Result<Emvco> {
        let key = pix_key(&self.key)?;
        let mut fields = vec![EmvcoField {
            id: "01".into(),
            value: key,
        }];
        if let Some(d) = present(&self.description) {
            fields.push(EmvcoField {
                id: "02".into(),
                value: d.to_owned(),
            });
        }
        let txid = present(&self.txid).unwrap_or("***");
        if txid != "***" && !(txid.len() <= 25 && txid.bytes().all(|b| b.is_ascii_alphanumeric())) {
            return Err(invalid(
                "txid",
                format!("{txid:?}: up to 25 letters and digits (or *** for none)"),
            ));
        }
        if let Some(pc) = present(&self.postal_code) {
            if pc.len() != 8 || !pc.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid("postal_code", format!("{pc:?}: a CEP is 8 digits")));
            }
        }
        Ok(Emvco {
            merchant_accounts: vec![EmvcoMerchantAccount {
                id: 26,
                gui: PIX_GUI.into(),
                fields,
            }],
            merchant_category_code: "0000".into(),
            currency: "986".into(),
            amount: self.amount.clone(),
            country: "BR".into(),
            merchant_name: self.name.clone(),
            merchant_city: self.city.clone(),
            postal_code: self.postal_code.clone(),
            additional_data: Some(EmvcoAdditionalData {
                reference_label: Some(txid.to_owned()),
                ..EmvcoAdditionalData::default()
            }),
            ..Emvco::default()
        })
    }

    /// Validates the fields and returns the code's text.
    pub fn build(&self) -> Result<String> {
        required("name", &self.name)?;
        required("city", &self.city)?;
        self.to_emvco()?.build().map_err(|e| {
            // The EMVCo field names, as the fields of this type call them.
            const NAMES: [(&str, &str); 6] = [
                ("merchant_accounts[0].fields[0].value: ", "key: "),
                ("merchant_accounts[0].fields[1].value: ", "description: "),
                (
                    "merchant_accounts[0]: ",
                    "description: key and description together: ",
                ),
                ("additional_data.reference_label: ", "txid: "),
                ("merchant_name: ", "name: "),
                ("merchant_city: ", "city: "),
            ];
            let msg = e.message();
            NAMES
                .iter()
                .find_map(|(from, to)| msg.strip_prefix(from).map(|rest| format!("{to}{rest}")))
                .map_or(e.clone(), |m| {
                    crate::error::Error::new(crate::error::ErrorKind::InvalidOption, m)
                })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn the_bcb_manuals_example() {
        // The example of the BR Code manual (Banco Central do Brasil, "Manual de Padrões para
        // Iniciação do Pix", static QR code with a random key, no amount): its GUI is written
        // in lower case there; ours is the upper case the manual's tables give, so the
        // manual's text is compared with the GUI's case changed and the CRC recomputed, and
        // the manual's own CRC is checked over its own text.
        let manual = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
        let (body, crc) = manual.split_at(manual.len() - 4);
        assert_eq!(
            format!(
                "{:04X}",
                super::super::emvco::crc16_ccitt_false(body.as_bytes())
            ),
            crc
        );
        let pix = Pix {
            key: "123e4567-e12b-12d1-a456-426655440000".into(),
            name: "Fulano de Tal".into(),
            city: "BRASILIA".into(),
            ..Pix::default()
        };
        let built = pix.build().unwrap();
        let upper = body.replace("br.gov.bcb.pix", PIX_GUI);
        let crc = super::super::emvco::crc16_ccitt_false(upper.as_bytes());
        assert_eq!(built, format!("{upper}{crc:04X}"));
    }

    #[test]
    fn keys_txids_and_lengths_are_checked() {
        let base = Pix {
            key: "+5561912345678".into(),
            name: "Fulano de Tal".into(),
            city: "BRASILIA".into(),
            amount: s("10.50"),
            description: s("Pedido 42"),
            txid: s("PEDIDO42"),
            ..Pix::default()
        };
        assert!(base
            .build()
            .unwrap()
            .contains("0014BR.GOV.BCB.PIX0114+55619123456780209Pedido 42"));
        for key in [
            "12345678909",
            "12345678000195",
            "fulano@example.com",
            "123e4567-e12b-12d1-a456-426655440000",
        ] {
            assert!(
                Pix {
                    key: key.into(),
                    ..base.clone()
                }
                .build()
                .is_ok(),
                "{key}"
            );
        }
        let cases = [
            (
                Pix {
                    key: "1234".into(),
                    ..base.clone()
                },
                "key",
            ),
            (
                Pix {
                    txid: s("PEDIDO-42"),
                    ..base.clone()
                },
                "txid",
            ),
            (
                Pix {
                    name: "x".repeat(26),
                    ..base.clone()
                },
                "name",
            ),
            (
                Pix {
                    description: s(&"x".repeat(60)),
                    ..base.clone()
                },
                "description",
            ),
            (
                Pix {
                    amount: s("10,50"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Pix {
                    postal_code: s("7000-000"),
                    ..base.clone()
                },
                "postal_code",
            ),
        ];
        for (pix, field) in cases {
            let err = pix.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
