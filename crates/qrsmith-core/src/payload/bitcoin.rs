//! A Bitcoin payment request as BIP 21 writes it: `bitcoin:<address>?amount=…&label=…&message=…`.
//! The address is checked: Base58Check (BIP 13 and earlier: `1…`, `3…`, testnet `m…`, `n…`,
//! `2…`) with its double-SHA-256 checksum, or a segwit address (BIP 173 bech32 for witness
//! version 0, BIP 350 bech32m for versions 1 to 16: `bc1…`, `tb1…`).

use sha2::{Digest, Sha256};

use super::{invalid, is_unreserved, percent_encode, present, required, single_line};
use crate::error::Result;

/// A Bitcoin payment request (BIP 21).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Bitcoin {
    /// The address to pay.
    pub address: String,
    /// The amount in BTC (`20.3`), at most eight decimals.
    #[cfg_attr(feature = "serde", serde(default))]
    pub amount: Option<String>,
    /// A label for the address (the payee's name).
    #[cfg_attr(feature = "serde", serde(default))]
    pub label: Option<String>,
    /// A message shown to the payer.
    #[cfg_attr(feature = "serde", serde(default))]
    pub message: Option<String>,
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// Decodes Base58 to bytes, or `None` for a character outside the alphabet.
fn base58_decode(s: &str) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new(); // big-endian, without leading zeros
    for c in s.bytes() {
        let mut carry = BASE58.iter().position(|&a| a == c)? as u32;
        for b in bytes.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            bytes.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    let mut out = vec![0; zeros];
    out.extend(bytes);
    Some(out)
}

/// A Base58Check P2PKH or P2SH address (mainnet 0x00 / 0x05, testnet 0x6F / 0xC4).
fn valid_base58(address: &str) -> bool {
    let Some(data) = base58_decode(address) else {
        return false;
    };
    if data.len() != 25 || ![0x00, 0x05, 0x6F, 0xC4].contains(&data[0]) {
        return false;
    }
    let hash = Sha256::digest(Sha256::digest(&data[..21]));
    hash[..4] == data[21..]
}

fn bech32_polymod(values: &[u8]) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk: u32 = 1;
    for &v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ u32::from(v);
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A segwit address: bech32 for witness version 0, bech32m for 1 to 16 (BIP 173, BIP 350).
fn valid_segwit(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    if address != lower && address != address.to_ascii_uppercase() {
        return false;
    }
    let Some((hrp, data)) = lower.rsplit_once('1') else {
        return false;
    };
    if !matches!(hrp, "bc" | "tb" | "bcrt") || data.len() < 6 || lower.len() > 90 {
        return false;
    }
    let Some(values) = data
        .bytes()
        .map(|c| BECH32.iter().position(|&a| a == c).map(|v| v as u8))
        .collect::<Option<Vec<u8>>>()
    else {
        return false;
    };
    let mut expanded: Vec<u8> = hrp.bytes().map(|b| b >> 5).collect();
    expanded.push(0);
    expanded.extend(hrp.bytes().map(|b| b & 31));
    expanded.extend(&values);
    let constant = bech32_polymod(&expanded);
    let version = values[0];
    let want = if version == 0 { 1 } else { 0x2bc8_30a3 };
    if version > 16 || constant != want {
        return false;
    }
    // The witness program: 5-bit groups back to bytes, 2 to 40 of them (20 or 32 for v0).
    let groups = &values[1..values.len() - 6];
    let bits = groups.len() * 5;
    let len = bits / 8;
    let padding_ok = bits % 8 < 5 && {
        let last = groups.last().copied().unwrap_or(0);
        last & ((1 << (bits % 8)) - 1) == 0
    };
    padding_ok && (2..=40).contains(&len) && (version != 0 || len == 20 || len == 32)
}

/// Whether `address` is a Bitcoin address whose checksum matches.
pub(crate) fn valid_address(address: &str) -> bool {
    valid_base58(address) || valid_segwit(address)
}

/// A BTC amount: digits, at most eight decimals, more than 0 and at most 21 million.
fn btc_amount(value: &str) -> Result<String> {
    let (whole, frac) = value.split_once('.').unwrap_or((value, ""));
    let ok = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && frac.len() <= 8
        && !(value.contains('.') && frac.is_empty())
        && value.bytes().any(|b| (b'1'..=b'9').contains(&b))
        && whole.trim_start_matches('0').len() <= 8
        && whole
            .parse::<u64>()
            .is_ok_and(|w| w < 21_000_000 || (w == 21_000_000 && frac.bytes().all(|b| b == b'0')));
    if !ok {
        return Err(invalid(
            "amount",
            format!("{value:?}: BTC with at most eight decimals, more than 0, at most 21000000"),
        ));
    }
    Ok(value.to_owned())
}

impl Bitcoin {
    /// Validates the fields and returns the `bitcoin:` URI.
    pub fn build(&self) -> Result<String> {
        let address = required("address", &self.address)?;
        if !valid_address(address) {
            return Err(invalid(
                "address",
                format!("{address:?} is not a Bitcoin address, or its checksum does not match"),
            ));
        }
        let amount = present(&self.amount).map(btc_amount).transpose()?;
        for (name, value) in [("label", &self.label), ("message", &self.message)] {
            if let Some(v) = present(value) {
                single_line(name, v)?;
            }
        }
        Ok(uri(
            address,
            amount.as_deref(),
            present(&self.label),
            present(&self.message),
        ))
    }
}

/// The URI of checked fields.
fn uri(address: &str, amount: Option<&str>, label: Option<&str>, message: Option<&str>) -> String {
    let mut out = format!("bitcoin:{address}");
    let mut sep = '?';
    if let Some(a) = amount {
        out.push_str(&format!("{sep}amount={a}"));
        sep = '&';
    }
    for (name, value) in [("label", label), ("message", message)] {
        if let Some(v) = value {
            out.push_str(&format!("{sep}{name}={}", percent_encode(v, is_unreserved)));
            sep = '&';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.into())
    }

    #[test]
    fn bip_21_examples() {
        // BIP 21, section "Examples". Their address fails its own Base58Check checksum (its
        // last four bytes are 8a9c6129; double SHA-256 of the first 21 gives 8a9c6111), so
        // the builder refuses it and the examples are held to the URI writer alone.
        let address = "175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W";
        assert!(!valid_address(address));
        let err = Bitcoin {
            address: address.into(),
            ..Bitcoin::default()
        }
        .build()
        .unwrap_err();
        assert!(err.message().starts_with("address: "), "{err}");
        assert_eq!(
            uri(address, None, Some("Luke-Jr"), None),
            "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?label=Luke-Jr"
        );
        assert_eq!(
            uri(address, Some("20.3"), Some("Luke-Jr"), None),
            "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3&label=Luke-Jr"
        );
        assert_eq!(
            uri(address, Some("50"), Some("Luke-Jr"), Some("Donation for project xyz")),
            "bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz"
        );
        // The same through the builder, with a valid address (the genesis block's).
        let built = Bitcoin {
            address: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".into(),
            amount: s("50"),
            label: s("Luke-Jr"),
            message: s("Donation for project xyz"),
        };
        assert_eq!(
            built.build().unwrap(),
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz"
        );
    }

    #[test]
    fn addresses_are_checked() {
        for good in [
            // BIP 173 and BIP 350 test vectors (valid segwit addresses).
            "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
            // The genesis block's address (P2PKH) and BIP 13's P2SH example.
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        ] {
            assert!(valid_address(good), "{good}");
        }
        for bad in [
            // BIP 350's invalid vectors: bech32 checksum on v1, bech32m on v0, mixed case.
            "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh",
            "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5",
            "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "0A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        ] {
            assert!(!valid_address(bad), "{bad}");
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let base = Bitcoin {
            address: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa".into(),
            ..Bitcoin::default()
        };
        for (btc, field) in [
            (
                Bitcoin {
                    address: "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb".into(),
                    ..base.clone()
                },
                "address",
            ),
            (
                Bitcoin {
                    amount: s("0.000000001"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Bitcoin {
                    amount: s("21000001"),
                    ..base.clone()
                },
                "amount",
            ),
            (
                Bitcoin {
                    label: s("a\nb"),
                    ..base.clone()
                },
                "label",
            ),
        ] {
            let err = btc.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{field}: {err}"
            );
        }
    }
}
