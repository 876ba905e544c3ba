//! Wi-Fi network configuration: `WIFI:T:WPA;S:ssid;P:password;H:true;;`, the format ZXing
//! documents ("Barcode Contents", Wi-Fi Network config) and Android and iOS cameras read.
//! The special characters `\ ; , : "` of the SSID and the password are escaped with a
//! backslash.

use super::{invalid, single_line};
use crate::error::Result;

/// The network's security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
pub enum WifiAuth {
    /// WPA, WPA2 or WPA3 personal (a passphrase of 8–63 printable ASCII characters, or 64
    /// hex digits).
    #[cfg_attr(feature = "serde", serde(rename = "WPA", alias = "wpa"))]
    Wpa,
    /// WEP (a key of 5 or 13 ASCII characters, or 10 or 26 hex digits).
    #[cfg_attr(feature = "serde", serde(rename = "WEP", alias = "wep"))]
    Wep,
    /// An open network, no password.
    #[cfg_attr(feature = "serde", serde(rename = "nopass", alias = "none"))]
    NoPass,
}

impl WifiAuth {
    /// The `T:` value.
    pub fn name(self) -> &'static str {
        match self {
            WifiAuth::Wpa => "WPA",
            WifiAuth::Wep => "WEP",
            WifiAuth::NoPass => "nopass",
        }
    }
}

impl std::str::FromStr for WifiAuth {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "wpa" | "wpa2" | "wpa3" => Ok(WifiAuth::Wpa),
            "wep" => Ok(WifiAuth::Wep),
            "nopass" | "none" | "open" => Ok(WifiAuth::NoPass),
            _ => Err(invalid("auth", format!("{s:?}: use WPA, WEP or nopass"))),
        }
    }
}

/// A Wi-Fi network to join.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Wifi {
    /// The network name: 1 to 32 bytes of UTF-8.
    pub ssid: String,
    /// The passphrase or key (none for an open network).
    #[cfg_attr(feature = "serde", serde(default))]
    pub password: Option<String>,
    /// The security [default: WPA with a password, nopass without].
    #[cfg_attr(feature = "serde", serde(default))]
    pub auth: Option<WifiAuth>,
    /// The network does not broadcast its name (`H:true`).
    #[cfg_attr(feature = "serde", serde(default))]
    pub hidden: bool,
}

/// Backslash before each of `\ ; , : "`.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    for c in value.chars() {
        if matches!(c, '\\' | ';' | ',' | ':' | '"') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Wifi {
    /// Validates the fields and returns `WIFI:T:…;S:…;P:…;H:true;;`.
    pub fn build(&self) -> Result<String> {
        let ssid = &self.ssid;
        if ssid.is_empty() || ssid.len() > 32 {
            return Err(invalid(
                "ssid",
                format!("{} bytes; a network name has 1 to 32", ssid.len()),
            ));
        }
        single_line("ssid", ssid)?;
        let password = self.password.as_deref().filter(|p| !p.is_empty());
        let auth = self.auth.unwrap_or(match password {
            Some(_) => WifiAuth::Wpa,
            None => WifiAuth::NoPass,
        });
        match (auth, password) {
            (WifiAuth::NoPass, Some(_)) => {
                return Err(invalid(
                    "password",
                    "an open network (auth nopass) has no password",
                ))
            }
            (WifiAuth::Wpa | WifiAuth::Wep, None) => {
                return Err(invalid(
                    "password",
                    format!("required for auth {}", auth.name()),
                ))
            }
            (WifiAuth::Wpa, Some(p)) => {
                let ascii = p.bytes().all(|b| (0x20..=0x7e).contains(&b));
                if !((8..=63).contains(&p.len()) && ascii || p.len() == 64 && is_hex(p)) {
                    return Err(invalid(
                        "password",
                        "a WPA passphrase has 8 to 63 printable ASCII characters (or 64 hex digits)",
                    ));
                }
            }
            (WifiAuth::Wep, Some(p)) => {
                let ascii = p.bytes().all(|b| (0x20..=0x7e).contains(&b));
                if !(matches!(p.len(), 5 | 13) && ascii || matches!(p.len(), 10 | 26) && is_hex(p))
                {
                    return Err(invalid(
                        "password",
                        "a WEP key has 5 or 13 ASCII characters, or 10 or 26 hex digits",
                    ));
                }
            }
            (WifiAuth::NoPass, None) => {}
        }
        let mut out = format!("WIFI:T:{};S:{};", auth.name(), escape(ssid));
        if let Some(p) = password {
            out.push_str(&format!("P:{};", escape(p)));
        }
        if self.hidden {
            out.push_str("H:true;");
        }
        out.push(';');
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wifi(ssid: &str, password: Option<&str>, auth: Option<WifiAuth>, hidden: bool) -> Wifi {
        Wifi {
            ssid: ssid.into(),
            password: password.map(Into::into),
            auth,
            hidden,
        }
    }

    #[test]
    fn the_zxing_format() {
        // ZXing's "Barcode Contents" example is `WIFI:T:WPA;S:mynetwork;P:mypass;;` (its
        // password is too short for WPA, so a longer one here).
        assert_eq!(
            wifi("mynetwork", Some("mypass123"), Some(WifiAuth::Wpa), false)
                .build()
                .unwrap(),
            "WIFI:T:WPA;S:mynetwork;P:mypass123;;"
        );
        assert_eq!(
            wifi("mynetwork", Some("mypass123"), None, true)
                .build()
                .unwrap(),
            "WIFI:T:WPA;S:mynetwork;P:mypass123;H:true;;"
        );
        assert_eq!(
            wifi("Guest", None, None, false).build().unwrap(),
            "WIFI:T:nopass;S:Guest;;"
        );
        assert_eq!(
            wifi("old", Some("0123456789"), Some(WifiAuth::Wep), false)
                .build()
                .unwrap(),
            "WIFI:T:WEP;S:old;P:0123456789;;"
        );
    }

    #[test]
    fn every_special_character_is_escaped() {
        assert_eq!(
            wifi(r#"a\b;c,d:e"f"#, Some(r#"p\;,:"assword"#), None, false)
                .build()
                .unwrap(),
            r#"WIFI:T:WPA;S:a\\b\;c\,d\:e\"f;P:p\\\;\,\:\"assword;;"#
        );
        // Other characters, non-ASCII included, stay as they are.
        assert_eq!(
            wifi("Café ☕ 5G", None, None, false).build().unwrap(),
            "WIFI:T:nopass;S:Café ☕ 5G;;"
        );
    }

    #[test]
    fn invalid_fields_are_named() {
        let cases = [
            (wifi("", None, None, false), "ssid"),
            (wifi(&"x".repeat(33), None, None, false), "ssid"),
            (wifi("a\nb", None, None, false), "ssid"),
            (wifi("n", Some("short"), None, false), "password"),
            (wifi("n", Some(&"x".repeat(64)), None, false), "password"),
            (wifi("n", Some("pässword1"), None, false), "password"),
            (wifi("n", None, Some(WifiAuth::Wpa), false), "password"),
            (
                wifi("n", Some("password1"), Some(WifiAuth::NoPass), false),
                "password",
            ),
            (
                wifi("n", Some("1234"), Some(WifiAuth::Wep), false),
                "password",
            ),
        ];
        for (w, field) in cases {
            let err = w.build().unwrap_err();
            assert!(
                err.message().starts_with(&format!("{field}: ")),
                "{w:?}: {err}"
            );
        }
        assert_eq!(
            wifi("n", Some(&format!("{}z", "a".repeat(63))), None, false)
                .build()
                .unwrap_err()
                .message()
                .split(':')
                .next(),
            Some("password"),
            "64 characters must be hex"
        );
        assert!(wifi("n", Some(&"a1".repeat(32)), None, false)
            .build()
            .is_ok());
        assert_eq!("wpa2".parse::<WifiAuth>().unwrap(), WifiAuth::Wpa);
        assert!("psk".parse::<WifiAuth>().is_err());
    }
}
