//! `qrsmith encode <TYPE> …`: a subcommand per payload type, each building its text with
//! [`qrsmith_core::payload`]. The options of `qrsmith encode` (output, format, size, …) apply
//! before or after the type: `qrsmith encode wifi --ssid Home --password … -o wifi.png`.

use clap::{Args, Subcommand};
use qrsmith_core::payload::{
    Bitcoin, Email, Emvco, EmvcoAdditionalData, EmvcoAlternateLanguage, EmvcoField,
    EmvcoInitiation, EmvcoMerchantAccount, Epc, Event, Geo, Gs1DigitalLink, MeCard, Payload, Pix,
    Sms, SwissAddress, SwissQrBill, Tel, Text, Upi, Url, VCard, VCardAddress, VCardEmail,
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
    /// An EMVCo Merchant-Presented Mode payment code (CRC-16 in ID 63).
    Emvco(Box<EmvcoArgs>),
    /// A static Pix payment code (Brazil's BR Code).
    Pix(Box<PixArgs>),
    /// A Swiss QR-bill's QR code (SIX guidelines 2.3); level M unless --ec is given.
    #[command(alias = "swiss_qr_bill")]
    SwissQrBill(Box<SwissQrBillArgs>),
    /// A UPI payment link (India): upi://pay?pa=…
    Upi(Box<UpiArgs>),
    /// A GS1 Digital Link URI for a GTIN: `https://id.gs1.org/01/…`
    #[command(alias = "gs1_digital_link")]
    Gs1DigitalLink(Box<Gs1DigitalLinkArgs>),
    /// A Bitcoin payment request (BIP 21).
    Bitcoin(BitcoinArgs),
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

/// `ID,GUI[,SUB=VALUE…]`: a merchant account template (values without commas).
fn parse_account(value: &str) -> Result<EmvcoMerchantAccount, String> {
    let mut parts = value.split(',');
    let id = parts
        .next()
        .and_then(|id| id.trim().parse().ok())
        .ok_or("ID,GUI[,SUB=VALUE…]: the ID is a number from 26 to 51")?;
    let gui = parts
        .next()
        .ok_or("ID,GUI[,SUB=VALUE…]: the GUI is missing")?;
    let fields = parts
        .map(|f| {
            f.split_once('=')
                .map(|(id, value)| EmvcoField {
                    id: id.into(),
                    value: value.into(),
                })
                .ok_or_else(|| format!("{f:?}: a sub-field is SUB=VALUE, e.g. 01=key"))
        })
        .collect::<Result<_, _>>()?;
    Ok(EmvcoMerchantAccount {
        id,
        gui: gui.into(),
        fields,
    })
}

#[derive(Debug, Args)]
pub struct EmvcoArgs {
    /// A merchant account template: ID,GUI[,SUB=VALUE…], e.g. 26,BR.GOV.BCB.PIX,01=key
    /// (repeat for several).
    #[arg(long = "account", required = true, value_parser = parse_account)]
    pub accounts: Vec<EmvcoMerchantAccount>,
    /// static (01 = 11) or dynamic (01 = 12); left out when not given.
    #[arg(long, value_parser = ["static", "dynamic"], ignore_case = true)]
    pub initiation: Option<String>,
    /// The merchant category code (ISO 18245), four digits.
    #[arg(long)]
    pub mcc: String,
    /// The currency, ISO 4217 numeric (986 for BRL, 978 for EUR).
    #[arg(long)]
    pub currency: String,
    /// The amount: 23.72
    #[arg(long)]
    pub amount: Option<String>,
    /// 01 (ask for a tip), 02 (fixed fee, --fee-fixed) or 03 (percentage, --fee-percentage).
    #[arg(long)]
    pub tip_indicator: Option<String>,
    /// The fixed convenience fee (with --tip-indicator 02).
    #[arg(long)]
    pub fee_fixed: Option<String>,
    /// The percentage convenience fee (with --tip-indicator 03).
    #[arg(long)]
    pub fee_percentage: Option<String>,
    /// The country, ISO 3166-1 alpha-2.
    #[arg(long)]
    pub country: String,
    /// The merchant's name (at most 25 characters).
    #[arg(long)]
    pub name: String,
    /// The merchant's city (at most 15 characters).
    #[arg(long)]
    pub city: String,
    /// The postal code (at most 10 characters).
    #[arg(long)]
    pub postal_code: Option<String>,
    /// 62-01, the bill number.
    #[arg(long)]
    pub bill_number: Option<String>,
    /// 62-03, the store label.
    #[arg(long)]
    pub store_label: Option<String>,
    /// 62-05, the reference label.
    #[arg(long)]
    pub reference_label: Option<String>,
    /// 62-07, the terminal label.
    #[arg(long)]
    pub terminal_label: Option<String>,
    /// 62-08, the purpose of the transaction.
    #[arg(long)]
    pub purpose: Option<String>,
    /// 64-00, the alternate language (two letters), with --alt-name.
    #[arg(long, requires = "alt_name")]
    pub alt_language: Option<String>,
    /// 64-01, the merchant's name in that language.
    #[arg(long, requires = "alt_language")]
    pub alt_name: Option<String>,
    /// 64-02, the city in that language.
    #[arg(long, requires = "alt_language")]
    pub alt_city: Option<String>,
}

#[derive(Debug, Args)]
pub struct PixArgs {
    /// The Pix key: CPF, CNPJ, +55 phone number, e-mail or random key (UUID).
    #[arg(long)]
    pub key: String,
    /// The receiver's name (at most 25 characters).
    #[arg(long)]
    pub name: String,
    /// The receiver's city (at most 15 characters).
    #[arg(long)]
    pub city: String,
    /// Reais: 10.50
    #[arg(long)]
    pub amount: Option<String>,
    /// A message to the payer.
    #[arg(long)]
    pub description: Option<String>,
    /// The transaction id (up to 25 letters and digits; default ***).
    #[arg(long)]
    pub txid: Option<String>,
    /// The postal code (CEP), 8 digits.
    #[arg(long)]
    pub postal_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct SwissQrBillArgs {
    /// The creditor's CH or LI IBAN or QR-IBAN (checked).
    #[arg(long)]
    pub iban: String,
    /// The creditor's name.
    #[arg(long)]
    pub creditor_name: String,
    /// The creditor's street.
    #[arg(long)]
    pub creditor_street: Option<String>,
    /// The creditor's building number.
    #[arg(long)]
    pub creditor_building: Option<String>,
    /// The creditor's postal code.
    #[arg(long)]
    pub creditor_postal_code: String,
    /// The creditor's town.
    #[arg(long)]
    pub creditor_town: String,
    /// The creditor's country (ISO 3166-1 alpha-2).
    #[arg(long, default_value = "CH")]
    pub creditor_country: String,
    /// CHF or EUR, 0.01 to 999999999.99: 1949.75
    #[arg(long)]
    pub amount: Option<String>,
    /// CHF or EUR [default: CHF].
    #[arg(long)]
    pub currency: Option<String>,
    /// The debtor's name (then also --debtor-postal-code, --debtor-town).
    #[arg(long, requires_all = ["debtor_postal_code", "debtor_town"])]
    pub debtor_name: Option<String>,
    /// The debtor's street.
    #[arg(long, requires = "debtor_name")]
    pub debtor_street: Option<String>,
    /// The debtor's building number.
    #[arg(long, requires = "debtor_name")]
    pub debtor_building: Option<String>,
    /// The debtor's postal code.
    #[arg(long, requires = "debtor_name")]
    pub debtor_postal_code: Option<String>,
    /// The debtor's town.
    #[arg(long, requires = "debtor_name")]
    pub debtor_town: Option<String>,
    /// The debtor's country.
    #[arg(long, default_value = "CH")]
    pub debtor_country: String,
    /// A QR reference (27 digits, with a QR-IBAN) or a creditor reference (RF…).
    #[arg(long)]
    pub reference: Option<String>,
    /// The unstructured message.
    #[arg(long)]
    pub message: Option<String>,
    /// The billing information (//S1/…).
    #[arg(long)]
    pub billing_information: Option<String>,
    /// An alternative scheme's parameters (at most two).
    #[arg(long = "alt-scheme")]
    pub alternative_schemes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct UpiArgs {
    /// The payee's UPI address: handle@provider.
    #[arg(long)]
    pub vpa: String,
    /// The payee's name.
    #[arg(long)]
    pub name: String,
    /// Rupees: 150.50
    #[arg(long)]
    pub amount: Option<String>,
    /// A note shown to the payer.
    #[arg(long)]
    pub note: Option<String>,
    /// The transaction reference.
    #[arg(long)]
    pub reference: Option<String>,
    /// The merchant category code, four digits.
    #[arg(long)]
    pub merchant_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct Gs1DigitalLinkArgs {
    /// The GTIN: 8, 12, 13 or 14 digits (check digit verified).
    #[arg(long)]
    pub gtin: String,
    /// The domain, optionally with a path [default: id.gs1.org].
    #[arg(long)]
    pub domain: Option<String>,
    /// AI 22, the consumer product variant.
    #[arg(long)]
    pub cpv: Option<String>,
    /// AI 10, the batch or lot.
    #[arg(long)]
    pub lot: Option<String>,
    /// AI 21, the serial number.
    #[arg(long)]
    pub serial: Option<String>,
    /// AI 17, the expiration date, YYMMDD.
    #[arg(long)]
    pub expiry: Option<String>,
    /// AI 15, the best-before date, YYMMDD.
    #[arg(long)]
    pub best_before: Option<String>,
    /// AI 11, the production date, YYMMDD.
    #[arg(long)]
    pub production_date: Option<String>,
}

#[derive(Debug, Args)]
pub struct BitcoinArgs {
    /// The address (checksum verified).
    #[arg(long)]
    pub address: String,
    /// BTC: 0.0015
    #[arg(long)]
    pub amount: Option<String>,
    /// A label for the address.
    #[arg(long)]
    pub label: Option<String>,
    /// A message shown to the payer.
    #[arg(long)]
    pub message: Option<String>,
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
            PayloadCommand::Emvco(a) => Payload::Emvco(Emvco {
                initiation: a.initiation.as_deref().map(|i| match i {
                    "dynamic" => EmvcoInitiation::Dynamic,
                    _ => EmvcoInitiation::Static,
                }),
                merchant_accounts: a.accounts.clone(),
                merchant_category_code: a.mcc.clone(),
                currency: a.currency.clone(),
                amount: a.amount.clone(),
                tip_indicator: a.tip_indicator.clone(),
                convenience_fee_fixed: a.fee_fixed.clone(),
                convenience_fee_percentage: a.fee_percentage.clone(),
                country: a.country.clone(),
                merchant_name: a.name.clone(),
                merchant_city: a.city.clone(),
                postal_code: a.postal_code.clone(),
                additional_data: {
                    let data = EmvcoAdditionalData {
                        bill_number: a.bill_number.clone(),
                        store_label: a.store_label.clone(),
                        reference_label: a.reference_label.clone(),
                        terminal_label: a.terminal_label.clone(),
                        purpose: a.purpose.clone(),
                        ..EmvcoAdditionalData::default()
                    };
                    (data != EmvcoAdditionalData::default()).then_some(data)
                },
                alternate_language: a.alt_language.as_ref().map(|l| EmvcoAlternateLanguage {
                    language: l.clone(),
                    name: a.alt_name.clone().unwrap_or_default(),
                    city: a.alt_city.clone(),
                }),
            }),
            PayloadCommand::Pix(a) => Payload::Pix(Pix {
                key: a.key.clone(),
                name: a.name.clone(),
                city: a.city.clone(),
                amount: a.amount.clone(),
                description: a.description.clone(),
                txid: a.txid.clone(),
                postal_code: a.postal_code.clone(),
            }),
            PayloadCommand::SwissQrBill(a) => Payload::SwissQrBill(SwissQrBill {
                iban: a.iban.clone(),
                creditor: SwissAddress {
                    address_type: None,
                    name: a.creditor_name.clone(),
                    street: a.creditor_street.clone(),
                    building_number: a.creditor_building.clone(),
                    postal_code: a.creditor_postal_code.clone(),
                    town: a.creditor_town.clone(),
                    country: a.creditor_country.clone(),
                },
                amount: a.amount.clone(),
                currency: a.currency.clone(),
                debtor: a.debtor_name.as_ref().map(|name| SwissAddress {
                    address_type: None,
                    name: name.clone(),
                    street: a.debtor_street.clone(),
                    building_number: a.debtor_building.clone(),
                    postal_code: a.debtor_postal_code.clone().unwrap_or_default(),
                    town: a.debtor_town.clone().unwrap_or_default(),
                    country: a.debtor_country.clone(),
                }),
                reference: a.reference.clone(),
                message: a.message.clone(),
                billing_information: a.billing_information.clone(),
                alternative_schemes: a.alternative_schemes.clone(),
            }),
            PayloadCommand::Upi(a) => Payload::Upi(Upi {
                vpa: a.vpa.clone(),
                name: a.name.clone(),
                amount: a.amount.clone(),
                note: a.note.clone(),
                reference: a.reference.clone(),
                merchant_code: a.merchant_code.clone(),
            }),
            PayloadCommand::Gs1DigitalLink(a) => Payload::Gs1DigitalLink(Gs1DigitalLink {
                domain: a.domain.clone(),
                gtin: a.gtin.clone(),
                cpv: a.cpv.clone(),
                lot: a.lot.clone(),
                serial: a.serial.clone(),
                expiry: a.expiry.clone(),
                best_before: a.best_before.clone(),
                production_date: a.production_date.clone(),
            }),
            PayloadCommand::Bitcoin(a) => Payload::Bitcoin(Bitcoin {
                address: a.address.clone(),
                amount: a.amount.clone(),
                label: a.label.clone(),
                message: a.message.clone(),
            }),
        }
    }
}
