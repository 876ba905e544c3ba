//! `qrsmith encode <TYPE> …`: a subcommand per payload type, each building its text with
//! [`qrsmith_core::payload`]. The options of `qrsmith encode` (output, format, size, …) apply
//! before or after the type: `qrsmith encode wifi --ssid Home --password … -o wifi.png`.

use clap::{Args, Subcommand};
use qrsmith_core::payload::{
    Email, Epc, Event, Geo, MeCard, Payload, Sms, Tel, Text, Url, VCard, VCardAddress, VCardEmail,
    VCardPhone, VCardVersion, Wifi, WifiAuth,
};

/// The payload types. A literal text equal to one of these names is encoded with
/// `qrsmith encode -- wifi`. The larger argument sets are boxed to keep `encode`'s arguments
/// small.
#[derive(Debug, Subcommand)]
pub enum PayloadCommand {
    /// A web address (checked: a scheme, no spaces).
    Url(UrlArgs),
    /// Plain text, as it is.
    Text(TextArgs),
    /// A Wi-Fi network to join: WIFI:T:WPA;S:…;P:…;;
    Wifi(Box<WifiArgs>),
    /// A contact as a vCard 3.0 (default) or 4.0.
    Vcard(Box<VcardArgs>),
    /// A contact as a MeCard (shorter than a vCard).
    Mecard(Box<MecardArgs>),
    /// An e-mail to write: mailto: with subject and body.
    Email(Box<EmailArgs>),
    /// A text message to send: sms: with a body.
    Sms(SmsArgs),
    /// A telephone number to call: tel:
    Tel(TelArgs),
    /// A place: geo:latitude,longitude
    Geo(GeoArgs),
    /// A calendar event (iCalendar VEVENT).
    Event(Box<EventArgs>),
    /// A SEPA credit transfer (EPC QR code, EPC069-12); level M unless --ec is given.
    Epc(Box<EpcArgs>),
}

#[derive(Debug, Args)]
pub struct UrlArgs {
    /// The address, with its scheme (https, ftp, …).
    #[arg(value_name = "URL")]
    pub url: String,
}

#[derive(Debug, Args)]
pub struct TextArgs {
    /// The text.
    #[arg(value_name = "TEXT")]
    pub text: String,
}

#[derive(Debug, Args)]
pub struct WifiArgs {
    /// The network name (1-32 bytes).
    #[arg(long)]
    pub ssid: String,
    /// The passphrase (none for an open network).
    #[arg(long)]
    pub password: Option<String>,
    /// Security: WPA, WEP or nopass [default: WPA with a password, nopass without].
    #[arg(long, value_name = "WPA|WEP|nopass", value_parser = parse_auth)]
    pub auth: Option<WifiAuth>,
    /// The network is hidden (does not broadcast its name).
    #[arg(long)]
    pub hidden: bool,
}

fn parse_auth(s: &str) -> Result<WifiAuth, String> {
    s.parse::<WifiAuth>().map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct VcardArgs {
    /// vCard version: 3.0 or 4.0.
    #[arg(long, value_name = "3.0|4.0", default_value = "3.0", value_parser = parse_vcard_version)]
    pub vcard_version: VCardVersion,
    /// The name as displayed [default: given and family names].
    #[arg(long)]
    pub name: Option<String>,
    /// Given name.
    #[arg(long)]
    pub given: Option<String>,
    /// Family name.
    #[arg(long)]
    pub family: Option<String>,
    /// Organisation.
    #[arg(long)]
    pub org: Option<String>,
    /// Job title.
    #[arg(long)]
    pub title: Option<String>,
    /// A phone number (repeatable).
    #[arg(long = "phone", value_name = "NUMBER")]
    pub phones: Vec<String>,
    /// An e-mail address (repeatable).
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,
    /// Street and number.
    #[arg(long)]
    pub street: Option<String>,
    /// City.
    #[arg(long)]
    pub city: Option<String>,
    /// Region or state.
    #[arg(long)]
    pub region: Option<String>,
    /// Postal code.
    #[arg(long)]
    pub postal_code: Option<String>,
    /// Country.
    #[arg(long)]
    pub country: Option<String>,
    /// Web address.
    #[arg(long)]
    pub url: Option<String>,
    /// A note.
    #[arg(long)]
    pub note: Option<String>,
}

fn parse_vcard_version(s: &str) -> Result<VCardVersion, String> {
    s.parse::<VCardVersion>().map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct MecardArgs {
    /// The name, or the family name with --given.
    #[arg(long)]
    pub name: String,
    /// Given name.
    #[arg(long)]
    pub given: Option<String>,
    /// A phone number (repeatable).
    #[arg(long = "phone", value_name = "NUMBER")]
    pub phones: Vec<String>,
    /// An e-mail address (repeatable).
    #[arg(long = "email", value_name = "ADDRESS")]
    pub emails: Vec<String>,
    /// Postal address, one line.
    #[arg(long)]
    pub address: Option<String>,
    /// Web address.
    #[arg(long)]
    pub url: Option<String>,
    /// Birthday, YYYY-MM-DD.
    #[arg(long)]
    pub birthday: Option<String>,
    /// A note, one line.
    #[arg(long)]
    pub note: Option<String>,
}

#[derive(Debug, Args)]
pub struct EmailArgs {
    /// The recipient's address.
    #[arg(long)]
    pub to: String,
    /// The subject.
    #[arg(long)]
    pub subject: Option<String>,
    /// The message.
    #[arg(long)]
    pub body: Option<String>,
}

#[derive(Debug, Args)]
pub struct SmsArgs {
    /// The recipient's number.
    #[arg(long, allow_hyphen_values = true)]
    pub number: String,
    /// The message.
    #[arg(long)]
    pub body: Option<String>,
}

#[derive(Debug, Args)]
pub struct TelArgs {
    /// The number: digits, a leading +, spaces and - . ( )
    #[arg(value_name = "NUMBER", allow_hyphen_values = true)]
    pub number: String,
}

#[derive(Debug, Args)]
pub struct GeoArgs {
    /// Degrees north (-90 to 90).
    #[arg(long, allow_hyphen_values = true)]
    pub lat: f64,
    /// Degrees east (-180 to 180).
    #[arg(long, allow_hyphen_values = true)]
    pub lon: f64,
    /// Metres above the WGS-84 ellipsoid.
    #[arg(long, allow_hyphen_values = true)]
    pub alt: Option<f64>,
}

#[derive(Debug, Args)]
pub struct EventArgs {
    /// The title.
    #[arg(long)]
    pub summary: String,
    /// Start: 2026-03-14 (all day), 2026-03-14T09:30 (local) or 2026-03-14T09:30:00Z (UTC).
    #[arg(long)]
    pub start: String,
    /// End, in the same form as the start.
    #[arg(long)]
    pub end: Option<String>,
    /// Where.
    #[arg(long)]
    pub location: Option<String>,
    /// Details.
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Debug, Args)]
pub struct EpcArgs {
    /// The beneficiary's name (at most 70 characters).
    #[arg(long)]
    pub name: String,
    /// The beneficiary's IBAN (checked).
    #[arg(long)]
    pub iban: String,
    /// The beneficiary bank's BIC (optional inside the EEA).
    #[arg(long)]
    pub bic: Option<String>,
    /// Euros, 0.01 to 999999999.99: 12.30
    #[arg(long)]
    pub amount: Option<String>,
    /// ISO 20022 purpose code: four capital letters (CHAR, GDDS, …).
    #[arg(long)]
    pub purpose: Option<String>,
    /// Structured creditor reference (RF…, checked); not with --remittance.
    #[arg(long)]
    pub reference: Option<String>,
    /// Unstructured remittance text (at most 140 characters).
    #[arg(long)]
    pub remittance: Option<String>,
    /// Information shown to the payer (at most 70 characters).
    #[arg(long)]
    pub information: Option<String>,
}

impl PayloadCommand {
    /// The library's payload for these arguments.
    pub fn payload(&self) -> Payload {
        match self {
            PayloadCommand::Url(a) => Payload::Url(Url { url: a.url.clone() }),
            PayloadCommand::Text(a) => Payload::Text(Text {
                text: a.text.clone(),
            }),
            PayloadCommand::Wifi(a) => Payload::Wifi(Wifi {
                ssid: a.ssid.clone(),
                password: a.password.clone(),
                auth: a.auth,
                hidden: a.hidden,
            }),
            PayloadCommand::Vcard(a) => {
                let address = VCardAddress {
                    street: a.street.clone(),
                    locality: a.city.clone(),
                    region: a.region.clone(),
                    postal_code: a.postal_code.clone(),
                    country: a.country.clone(),
                    ..VCardAddress::default()
                };
                let has_address = address != VCardAddress::default();
                Payload::Vcard(VCard {
                    version: a.vcard_version,
                    formatted_name: a.name.clone(),
                    family_name: a.family.clone(),
                    given_name: a.given.clone(),
                    org: a.org.clone(),
                    title: a.title.clone(),
                    phones: a
                        .phones
                        .iter()
                        .map(|n| VCardPhone {
                            number: n.clone(),
                            ..VCardPhone::default()
                        })
                        .collect(),
                    emails: a
                        .emails
                        .iter()
                        .map(|e| VCardEmail {
                            address: e.clone(),
                            ..VCardEmail::default()
                        })
                        .collect(),
                    addresses: if has_address { vec![address] } else { vec![] },
                    url: a.url.clone(),
                    note: a.note.clone(),
                    ..VCard::default()
                })
            }
            PayloadCommand::Mecard(a) => Payload::Mecard(MeCard {
                name: a.name.clone(),
                given_name: a.given.clone(),
                phones: a.phones.clone(),
                emails: a.emails.clone(),
                address: a.address.clone(),
                url: a.url.clone(),
                birthday: a.birthday.clone(),
                note: a.note.clone(),
            }),
            PayloadCommand::Email(a) => Payload::Email(Email {
                to: a.to.clone(),
                subject: a.subject.clone(),
                body: a.body.clone(),
            }),
            PayloadCommand::Sms(a) => Payload::Sms(Sms {
                number: a.number.clone(),
                body: a.body.clone(),
            }),
            PayloadCommand::Tel(a) => Payload::Tel(Tel {
                number: a.number.clone(),
            }),
            PayloadCommand::Geo(a) => Payload::Geo(Geo {
                latitude: a.lat,
                longitude: a.lon,
                altitude: a.alt,
            }),
            PayloadCommand::Event(a) => Payload::Event(Event {
                summary: a.summary.clone(),
                start: a.start.clone(),
                end: a.end.clone(),
                location: a.location.clone(),
                description: a.description.clone(),
            }),
            PayloadCommand::Epc(a) => Payload::Epc(Epc {
                name: a.name.clone(),
                iban: a.iban.clone(),
                bic: a.bic.clone(),
                amount: a.amount.clone(),
                purpose: a.purpose.clone(),
                reference: a.reference.clone(),
                remittance_text: a.remittance.clone(),
                information: a.information.clone(),
            }),
        }
    }
}
