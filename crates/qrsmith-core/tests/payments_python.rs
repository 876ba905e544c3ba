//! Our payment and GS1 builders held to independent implementations from PyPI, run on the same
//! inputs: `qrbill` (Swiss QR-bill: the QR code's text, `QRBill.qr_data()`), `pix-utils`
//! (Pix: the same BR Code text and CRC) and `biip` (parses our GS1 Digital Link URIs back to
//! the same GTIN, qualifiers and attributes).
//!
//! The packages are required, as ZBar is for the reader tests: `scripts/bootstrap` installs
//! them (`qrbill==1.2.0 biip==5.2.0 pix-utils==1.0.1`). The interpreter is `$QRSMITH_PYTHON`,
//! or `python3`.

mod common;

use qrsmith_core::payload::{Gs1DigitalLink, Pix, SwissAddress, SwissQrBill};
use serde_json::{json, Value};

/// What the script below imports, installed by `scripts/bootstrap`.
const PACKAGES: &str = "qrbill==1.2.0 biip==5.2.0 pix-utils==1.0.1";

fn s(v: &str) -> Option<String> {
    Some(v.into())
}

fn address(
    name: &str,
    street: &str,
    number: &str,
    pc: &str,
    town: &str,
    country: &str,
) -> SwissAddress {
    SwissAddress {
        name: name.into(),
        street: s(street),
        building_number: s(number),
        postal_code: pc.into(),
        town: town.into(),
        country: country.into(),
        ..SwissAddress::default()
    }
}

fn qrbill_address(a: &SwissAddress) -> Value {
    json!({
        "name": a.name, "street": a.street, "house_num": a.building_number,
        "pcode": a.postal_code, "city": a.town, "country": a.country,
    })
}

const QRBILL: &str = r#"
import json, sys
from qrbill import QRBill
out = []
for b in json.load(sys.stdin):
    out.append(QRBill(**b).qr_data())
print(json.dumps(out))
"#;

#[test]
fn swiss_bills_match_qrbill() {
    let creditor = address(
        "Robert Schneider AG",
        "Rue du Lac",
        "1268",
        "2501",
        "Biel",
        "CH",
    );
    let debtor = address(
        "Pia-Maria Rutschmann-Schnyder",
        "Grosse Marktgasse",
        "28",
        "9400",
        "Rorschach",
        "CH",
    );
    let bills = [
        // The guidelines' example bill: QR-IBAN, QR reference, debtor, amount.
        SwissQrBill {
            iban: "CH44 3199 9123 0008 8901 2".into(),
            creditor: creditor.clone(),
            amount: s("1949.75"),
            currency: s("CHF"),
            debtor: Some(debtor.clone()),
            reference: s("21 00000 00003 13947 14300 09017"),
            message: s("Order of 15 June 2020"),
            ..SwissQrBill::default()
        },
        // An ordinary IBAN with a creditor reference, euros, no debtor, billing information.
        SwissQrBill {
            iban: "CH93 0076 2011 6238 5295 7".into(),
            creditor: address("Salvation Army Foundation Switzerland", "", "", "3000", "Bern", "CH"),
            amount: s("50"),
            currency: s("EUR"),
            reference: s("RF18 5390 0754 7034"),
            billing_information: s("//S1/10/10201409/11/200701/20/140.000-53/30/102673831/31/200615/32/7.7/33/7.7:16.43/40/0:30"),
            ..SwissQrBill::default()
        },
        // No reference, no amount, a debtor abroad, accents and two alternative schemes.
        SwissQrBill {
            iban: "CH93 0076 2011 6238 5295 7".into(),
            creditor,
            debtor: Some(address("Zoë Müller", "Hauptstraße", "5a", "79539", "Lörrach", "DE")),
            message: s("Spende für die Räumung"),
            alternative_schemes: vec!["Name AV1: UV;UltraPay005;12345".into(), "Name AV2: XY;XYService;54321".into()],
            ..SwissQrBill::default()
        },
    ];
    let inputs: Vec<Value> = bills
        .iter()
        .map(|b| {
            json!({
                "account": b.iban,
                "creditor": qrbill_address(&b.creditor),
                "amount": b.amount,
                "currency": b.currency.clone().unwrap_or_else(|| "CHF".into()),
                "debtor": b.debtor.as_ref().map(qrbill_address),
                "reference_number": b.reference,
                "additional_information": b.message.clone().unwrap_or_default(),
                "billing_information": b.billing_information.clone().unwrap_or_default(),
                "alt_procs": b.alternative_schemes,
            })
        })
        .collect();
    let theirs = common::python(QRBILL, &Value::Array(inputs), PACKAGES);
    for (bill, theirs) in bills.iter().zip(theirs.as_array().unwrap()) {
        let ours = bill.build().unwrap();
        assert_eq!(ours, theirs.as_str().unwrap(), "{bill:?}");
    }
}

const PIX_UTILS: &str = r#"
import json, sys
from pix_utils.Pix import Code
print(json.dumps([Code(p["key"], p["name"], p["city"], p["amount"], p["txid"]) for p in json.load(sys.stdin)]))
"#;

#[test]
fn pix_codes_match_pix_utils() {
    let codes = [
        (
            "123e4567-e12b-12d1-a456-426655440000",
            "Fulano de Tal",
            "BRASILIA",
            None,
            None,
        ),
        (
            "12345678909",
            "Maria Silva",
            "SAO PAULO",
            Some("10.50"),
            Some("PEDIDO42"),
        ),
        (
            "fulano@example.com",
            "Loja do Ze",
            "RIO DE JANEIRO",
            Some("1234.00"),
            None,
        ),
        (
            "+5561912345678",
            "Padaria Central",
            "CURITIBA",
            Some("0.99"),
            Some("CAIXA01"),
        ),
        (
            "12345678000195",
            "ACME LTDA",
            "RECIFE",
            Some("99999.99"),
            Some("NF123456789"),
        ),
    ];
    let pix: Vec<Pix> = codes
        .iter()
        .map(|(key, name, city, amount, txid)| Pix {
            key: (*key).into(),
            name: (*name).into(),
            city: (*city).into(),
            amount: amount.map(Into::into),
            txid: txid.map(Into::into),
            ..Pix::default()
        })
        .collect();
    let inputs: Vec<Value> = codes
        .iter()
        .map(|(key, name, city, amount, txid)| {
            json!({"key": key, "name": name, "city": city, "amount": amount, "txid": txid})
        })
        .collect();
    let theirs = common::python(PIX_UTILS, &Value::Array(inputs), PACKAGES);
    for (p, theirs) in pix.iter().zip(theirs.as_array().unwrap()) {
        let theirs = theirs.as_str().unwrap();
        // pix-utils writes the CRC with `hex()`, which drops leading zeros: pad it back to the
        // four digits that EMVCo (and the BCB manual) require.
        let (body, crc) = theirs.rsplit_once("6304").unwrap();
        let theirs = format!("{body}6304{crc:0>4}");
        let ours = p.build().unwrap();
        // "Loja do Ze" is not ASCII: our builder refuses it (EMVCo's "ans"), pix-utils does not.
        if p.name.is_ascii() {
            assert_eq!(ours, theirs, "{p:?}");
        }
    }
}

const BIIP: &str = r#"
import json, sys
import biip
out = []
for uri in json.load(sys.stdin):
    r = biip.parse(uri)
    dl = r.gs1_digital_link_uri
    out.append(None if dl is None else [[e.ai.ai, e.value] for e in dl.element_strings])
print(json.dumps(out))
"#;

#[test]
fn gs1_digital_links_parse_back_with_biip() {
    let links = [
        Gs1DigitalLink {
            gtin: "09521234543213".into(),
            lot: s("ABC123"),
            serial: s("12345"),
            ..Gs1DigitalLink::default()
        },
        Gs1DigitalLink {
            gtin: "9520123456788".into(),
            cpv: s("2A"),
            lot: s("ABC/1"),
            serial: s("X%Y&Z=1"),
            expiry: s("261231"),
            ..Gs1DigitalLink::default()
        },
        Gs1DigitalLink {
            domain: s("example.com/products"),
            gtin: "96385074".into(),
            serial: s("(a)+b;c"),
            production_date: s("250101"),
            best_before: s("270630"),
            ..Gs1DigitalLink::default()
        },
        Gs1DigitalLink {
            gtin: "036000291452".into(),
            lot: s("L-1.2_3"),
            ..Gs1DigitalLink::default()
        },
    ];
    let uris: Vec<String> = links.iter().map(|l| l.build().unwrap()).collect();
    let theirs = common::python(BIIP, &json!(uris), PACKAGES);
    for ((link, uri), theirs) in links.iter().zip(&uris).zip(theirs.as_array().unwrap()) {
        let mut want = vec![json!(["01", format!("{:0>14}", link.gtin)])];
        for (ai, v) in [
            ("22", &link.cpv),
            ("10", &link.lot),
            ("21", &link.serial),
            ("11", &link.production_date),
            ("15", &link.best_before),
            ("17", &link.expiry),
        ] {
            if let Some(v) = v {
                want.push(json!([ai, v]));
            }
        }
        assert_eq!(theirs, &Value::Array(want), "{uri}");
    }
}
