//! The URI payloads and plain text: a web address (RFC 3986), `mailto:` (RFC 6068), `sms:`
//! (RFC 5724), `tel:` (RFC 3966) and `geo:` (RFC 5870). Free text in their query parts is
//! percent-encoded as UTF-8; only RFC 3986's unreserved characters stay as they are.

use super::{email_address, invalid, is_unreserved, percent_encode, phone_number, present};
use crate::error::Result;

/// A web address (or any absolute URI).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Url {
    /// The address, with its scheme: `https://example.com/a?b=c`.
    pub url: String,
}

impl Url {
    /// Checks the address has a scheme and no white space or control characters, and returns
    /// it as it is (surrounding white space removed).
    pub fn build(&self) -> Result<String> {
        let url = self.url.trim();
        if url.is_empty() {
            return Err(invalid("url", "must not be empty"));
        }
        if let Some(c) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid(
                "url",
                format!("{c:?} is not allowed in an address: percent-encode it (%20 for a space)"),
            ));
        }
        // RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or("");
        let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid_scheme {
            return Err(invalid(
                "url",
                format!("{url:?} has no scheme: write it in full, e.g. https://{url}"),
            ));
        }
        Ok(url.to_owned())
    }
}

/// Plain text, encoded as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Text {
    /// The text.
    pub text: String,
}

impl Text {
    /// Returns the text unchanged (it must not be empty).
    pub fn build(&self) -> Result<String> {
        if self.text.is_empty() {
            return Err(invalid("text", "must not be empty"));
        }
        Ok(self.text.clone())
    }
}

/// An e-mail to write: `mailto:to?subject=…&body=…` (RFC 6068).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Email {
    /// The recipient's address.
    pub to: String,
    /// The subject.
    #[cfg_attr(feature = "serde", serde(default))]
    pub subject: Option<String>,
    /// The message; line breaks become CRLF (`%0D%0A`) as RFC 6068 section 5 asks.
    #[cfg_attr(feature = "serde", serde(default))]
    pub body: Option<String>,
}

/// Line breaks as CRLF.
fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n")
}

impl Email {
    /// Validates the address and returns the `mailto:` URI.
    pub fn build(&self) -> Result<String> {
        let to = email_address("to", &self.to)?;
        // RFC 6068 section 2: the address keeps unreserved characters, `@` and the
        // "some-delims" that are safe in it; anything else (e.g. `%`, `?`, `#`, non-ASCII) is
        // percent-encoded.
        let mut out = format!(
            "mailto:{}",
            percent_encode(&to, |b| is_unreserved(b) || b"!$'*+@".contains(&b))
        );
        let mut sep = '?';
        if let Some(subject) = present(&self.subject) {
            if subject.contains(['\r', '\n']) {
                return Err(invalid("subject", "must be one line"));
            }
            out.push_str(&format!(
                "{sep}subject={}",
                percent_encode(subject, is_unreserved)
            ));
            sep = '&';
        }
        if let Some(body) = self.body.as_deref().filter(|b| !b.trim().is_empty()) {
            out.push_str(&format!(
                "{sep}body={}",
                percent_encode(&crlf(body), is_unreserved)
            ));
        }
        Ok(out)
    }
}

/// A text message to send: `sms:number?body=…` (RFC 5724).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Sms {
    /// The recipient's number (digits, a leading `+`, spaces and `- . ( )`).
    pub number: String,
    /// The message, prefilled.
    #[cfg_attr(feature = "serde", serde(default))]
    pub body: Option<String>,
}

impl Sms {
    /// Validates the number and returns the `sms:` URI.
    pub fn build(&self) -> Result<String> {
        let mut out = format!("sms:{}", phone_number("number", &self.number)?);
        if let Some(body) = self.body.as_deref().filter(|b| !b.trim().is_empty()) {
            out.push_str(&format!(
                "?body={}",
                percent_encode(&crlf(body), is_unreserved)
            ));
        }
        Ok(out)
    }
}

/// A telephone number to call: `tel:+1-201-555-0123` (RFC 3966).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Tel {
    /// The number (digits, a leading `+`, spaces and `- . ( )`; spaces are dropped).
    pub number: String,
}

impl Tel {
    /// Validates the number and returns the `tel:` URI.
    pub fn build(&self) -> Result<String> {
        Ok(format!("tel:{}", phone_number("number", &self.number)?))
    }
}

/// A place: `geo:latitude,longitude[,altitude]` (RFC 5870, WGS-84).
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct Geo {
    /// Degrees north, −90 to 90.
    pub latitude: f64,
    /// Degrees east, −180 to 180.
    pub longitude: f64,
    /// Metres above the WGS-84 ellipsoid.
    #[cfg_attr(feature = "serde", serde(default))]
    pub altitude: Option<f64>,
}

/// The shortest decimal that reads back as `x` (Rust's `Display` never uses an exponent);
/// `-0` is written `0`.
fn decimal(x: f64) -> String {
    format!("{}", x + 0.0)
}

impl Geo {
    /// Checks the ranges and returns the `geo:` URI.
    pub fn build(&self) -> Result<String> {
        let check = |field: &str, x: f64, limit: f64| {
            if x.is_finite() && x.abs() <= limit {
                Ok(())
            } else {
                Err(invalid(
                    field,
                    format!("{x} is not within −{limit} to {limit} degrees"),
                ))
            }
        };
        check("latitude", self.latitude, 90.0)?;
        check("longitude", self.longitude, 180.0)?;
        let mut out = format!("geo:{},{}", decimal(self.latitude), decimal(self.longitude));
        if let Some(alt) = self.altitude {
            if !alt.is_finite() || alt.abs() > 1e8 {
                return Err(invalid("altitude", format!("{alt} metres is not a place")));
            }
            out.push_str(&format!(",{}", decimal(alt)));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str, subject: Option<&str>, body: Option<&str>) -> Result<String> {
        Email {
            to: to.into(),
            subject: subject.map(Into::into),
            body: body.map(Into::into),
        }
        .build()
    }

    #[test]
    fn rfc_6068_examples() {
        // RFC 6068 section 6.1.
        assert_eq!(
            email("chris@example.com", None, None).unwrap(),
            "mailto:chris@example.com"
        );
        assert_eq!(
            email("infobot@example.com", Some("current-issue"), None).unwrap(),
            "mailto:infobot@example.com?subject=current-issue"
        );
        assert_eq!(
            email("infobot@example.com", None, Some("send current-issue")).unwrap(),
            "mailto:infobot@example.com?body=send%20current-issue"
        );
        assert_eq!(
            email(
                "infobot@example.com",
                None,
                Some("send current-issue\nsend index")
            )
            .unwrap(),
            "mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index"
        );
        // RFC 6068 section 6.2: non-ASCII as percent-encoded UTF-8.
        assert_eq!(
            email("user@example.org", Some("caf\u{e9}"), Some("caf\u{e9}")).unwrap(),
            "mailto:user@example.org?subject=caf%C3%A9&body=caf%C3%A9"
        );
        // Delimiters of the query are encoded inside values.
        assert_eq!(
            email("a@example.com", Some("a&b=c?#d+e"), None).unwrap(),
            "mailto:a@example.com?subject=a%26b%3Dc%3F%23d%2Be"
        );
        // RFC 6068 section 6.1's `gorby%25kgb.su@example.com`: "%" in the address is encoded.
        assert_eq!(
            email("gorby%kgb.su@example.com", None, None).unwrap(),
            "mailto:gorby%25kgb.su@example.com"
        );
        let err = email("not an address", None, None).unwrap_err();
        assert!(err.message().starts_with("to: "), "{err}");
        assert!(email("a@example.com", Some("two\nlines"), None).is_err());
    }

    #[test]
    fn rfc_5724_and_3966_examples() {
        // RFC 5724 section 2.5.
        let sms = Sms {
            number: "+15105550101".into(),
            body: Some("hello there".into()),
        };
        assert_eq!(sms.build().unwrap(), "sms:+15105550101?body=hello%20there");
        let bare = Sms {
            number: "+15105550101".into(),
            body: None,
        };
        assert_eq!(bare.build().unwrap(), "sms:+15105550101");
        // RFC 3966 section 6.
        let tel = Tel {
            number: "+1-201-555-0123".into(),
        };
        assert_eq!(tel.build().unwrap(), "tel:+1-201-555-0123");
        let err = Tel {
            number: "call me".into(),
        }
        .build()
        .unwrap_err();
        assert!(err.message().starts_with("number: "), "{err}");
    }

    #[test]
    fn rfc_5870_examples() {
        // RFC 5870 section 1 and 6.2.
        let geo = |lat, lon, alt| {
            Geo {
                latitude: lat,
                longitude: lon,
                altitude: alt,
            }
            .build()
        };
        assert_eq!(
            geo(13.4125, 103.8667, None).unwrap(),
            "geo:13.4125,103.8667"
        );
        assert_eq!(
            geo(48.2010, 16.3695, Some(183.0)).unwrap(),
            "geo:48.201,16.3695,183"
        );
        assert_eq!(geo(-0.0, -71.282945, None).unwrap(), "geo:0,-71.282945");
        assert_eq!(geo(90.0, 180.0, None).unwrap(), "geo:90,180");
        for (lat, lon, field) in [
            (90.5, 0.0, "latitude"),
            (0.0, -180.1, "longitude"),
            (f64::NAN, 0.0, "latitude"),
            (0.0, f64::INFINITY, "longitude"),
        ] {
            let err = geo(lat, lon, None).unwrap_err();
            assert!(err.message().starts_with(field), "{err}");
        }
        assert!(geo(0.0, 0.0, Some(f64::NAN)).is_err());
    }

    #[test]
    fn urls_need_a_scheme_and_no_spaces() {
        let url = |u: &str| Url { url: u.into() }.build();
        assert_eq!(
            url(" https://example.com/a?b=c#d ").unwrap(),
            "https://example.com/a?b=c#d"
        );
        assert_eq!(
            url("ftp://ftp.example.org").unwrap(),
            "ftp://ftp.example.org"
        );
        for bad in [
            "",
            "example.com",
            "https://exa mple.com",
            "1http://x",
            "://x",
        ] {
            assert!(
                url(bad).unwrap_err().message().starts_with("url: "),
                "{bad}"
            );
        }
        assert!(Text {
            text: String::new()
        }
        .build()
        .is_err());
        assert_eq!(
            Text {
                text: " a\nb ".into()
            }
            .build()
            .unwrap(),
            " a\nb "
        );
    }
}
