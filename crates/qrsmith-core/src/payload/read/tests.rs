//! Reading payloads back: the specs' examples, every builder's text, altered codes.

use super::*;
use crate::payload::*;

fn s(v: &str) -> Option<String> {
    Some(v.into())
}

fn problems(p: &ReadPayload) -> Vec<&str> {
    p.problems.iter().map(|x| x.field.as_str()).collect()
}

#[test]
fn the_emvco_specs_example_reads_with_its_fields() {
    // EMVCo MPM 1.1, Appendix A (see emvco.rs): objects out of ID order and an RFU
    // template 91, all valid.
    let text = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
    let p = read(text).unwrap();
    assert_eq!(p.kind, "emvco");
    assert!(p.valid, "{:?}", p.problems);
    assert_eq!(p.text("merchant_name"), Some("BEST TRANSPORT"));
    assert_eq!(p.text("amount"), Some("23.72"));
    assert_eq!(p.text("currency"), Some("156"));
    assert_eq!(p.text("initiation"), Some("dynamic"));
    assert_eq!(p.text("crc"), Some("A13A"));
    let Some(ReadValue::Fields(alt)) = p.field("alternate_language") else {
        panic!("{p:?}")
    };
    assert!(alt.contains(&("name".into(), ReadValue::Text("最佳运输".into()))));
}

#[test]
fn an_altered_emvco_code_is_invalid_and_says_why() {
    let pix = Pix {
        key: "123e4567-e12b-12d1-a456-426655440000".into(),
        name: "Fulano de Tal".into(),
        city: "BRASILIA".into(),
        amount: s("10.00"),
        ..Pix::default()
    }
    .build()
    .unwrap();
    let p = read(&pix).unwrap();
    assert_eq!(p.kind, "pix");
    assert!(p.valid, "{:?}", p.problems);
    assert_eq!(p.text("key"), Some("123e4567-e12b-12d1-a456-426655440000"));
    assert_eq!(p.text("amount"), Some("10.00"));
    assert_eq!(p.text("txid"), Some("***"));
    // 10.00 becomes 90.00: same lengths, the CRC no longer matches.
    let altered = pix.replace("540510.00", "540590.00");
    let p = read(&altered).unwrap();
    assert!(!p.valid);
    assert_eq!(problems(&p), ["crc"]);
    assert!(
        p.problems[0].message.contains("altered"),
        "{:?}",
        p.problems
    );
}

#[test]
fn every_builder_reads_back_valid() {
    let texts = [
        (
            "pix",
            Payload::Pix(Pix {
                key: "fulano@example.com".into(),
                name: "Fulano".into(),
                city: "RIO".into(),
                ..Pix::default()
            }),
        ),
        (
            "upi",
            Payload::Upi(Upi {
                vpa: "shop@okaxis".into(),
                name: "Shop & Co".into(),
                amount: s("10.50"),
                note: s("Order 7"),
                ..Upi::default()
            }),
        ),
        (
            "bitcoin",
            Payload::Bitcoin(Bitcoin {
                address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".into(),
                amount: s("0.001"),
                label: s("Café"),
                ..Bitcoin::default()
            }),
        ),
        (
            "gs1_digital_link",
            Payload::Gs1DigitalLink(Gs1DigitalLink {
                gtin: "9520123456788".into(),
                lot: s("A/1"),
                expiry: s("261231"),
                ..Gs1DigitalLink::default()
            }),
        ),
        (
            "wifi",
            Payload::Wifi(Wifi {
                ssid: "Café;1".into(),
                password: s("secret123"),
                auth: Some(WifiAuth::Wpa),
                hidden: false,
            }),
        ),
        (
            "email",
            Payload::Email(Email {
                to: "a@example.com".into(),
                subject: s("Hi there"),
                body: None,
            }),
        ),
        (
            "tel",
            Payload::Tel(Tel {
                number: "+41 44 123 45 67".into(),
            }),
        ),
        (
            "sms",
            Payload::Sms(Sms {
                number: "+4144123".into(),
                body: s("yes"),
            }),
        ),
        (
            "geo",
            Payload::Geo(Geo {
                latitude: 47.5,
                longitude: 8.5,
                altitude: None,
            }),
        ),
        (
            "epc",
            Payload::Epc(Epc {
                name: "Red Cross".into(),
                iban: "BE72000000001616".into(),
                amount: s("1"),
                ..Epc::default()
            }),
        ),
    ];
    for (_, payload) in texts {
        let text = payload.build().unwrap();
        let p = read(&text).unwrap_or_else(|| panic!("{text}"));
        assert_eq!(p.kind, payload.type_name(), "{text}");
        assert!(p.valid, "{text}: {:?}", p.problems);
    }
    let gs1 = read("https://id.gs1.org/01/09520123456788/10/A%2F1?17=261231").unwrap();
    assert_eq!(gs1.text("gtin"), Some("09520123456788"));
    assert_eq!(gs1.text("lot"), Some("A/1"));
    assert_eq!(gs1.text("expiry"), Some("261231"));
    let wifi = read(r"WIFI:T:WPA;S:Café\;1;P:secret123;;").unwrap();
    assert_eq!(wifi.text("ssid"), Some("Café;1"));
}

#[test]
fn checksums_and_rules_are_verified() {
    let bill = SwissQrBill {
        iban: "CH4431999123000889012".into(),
        creditor: SwissAddress {
            name: "Robert Schneider AG".into(),
            street: s("Rue du Lac"),
            building_number: s("1268"),
            postal_code: "2501".into(),
            town: "Biel".into(),
            country: "CH".into(),
            ..SwissAddress::default()
        },
        amount: s("1949.75"),
        reference: s("210000000003139471430009017"),
        ..SwissQrBill::default()
    }
    .build()
    .unwrap();
    let p = read(&bill).unwrap();
    assert_eq!(p.kind, "swiss_qr_bill");
    assert!(p.valid, "{:?}", p.problems);
    assert_eq!(p.text("reference_type"), Some("QRR"));
    let wrong_ref = bill.replace("210000000003139471430009017", "210000000003139471430009018");
    assert_eq!(problems(&read(&wrong_ref).unwrap()), ["reference"]);
    let wrong_iban = bill.replace("CH4431999123000889012", "CH4431999123000889013");
    assert_eq!(problems(&read(&wrong_iban).unwrap()), ["iban"]);
    let scor = bill.replace(
        "QRR\r\n210000000003139471430009017",
        "SCOR\r\nRF18539007547034",
    );
    assert_eq!(problems(&read(&scor).unwrap()), ["reference_type"]);
    let k = bill.replacen("\r\nS\r\n", "\r\nK\r\n", 1);
    assert_eq!(problems(&read(&k).unwrap()), ["creditor.address_type"]);

    let gtin = read("https://id.gs1.org/01/09520123456789").unwrap();
    assert_eq!(problems(&gtin), ["gtin"]);
    let epc = read("BCD\n002\n1\nSCT\n\nA\nBE72000000001617").unwrap();
    assert_eq!(problems(&epc), ["iban"]);
    let btc = read("bitcoin:175tWpb8K1S7NmH4Zx6rewF9WQrcZv245W?amount=20.3").unwrap();
    assert_eq!(problems(&btc), ["address"]);
    assert_eq!(read("https://example.com/a").unwrap().kind, "url");
    assert!(read("hello").is_none());
}

#[test]
fn contacts_and_events() {
    let card = VCard {
        formatted_name: s("Zoë O'Brien"),
        given_name: s("Zoë"),
        phones: vec![VCardPhone {
            number: "+353 1 234".into(),
            types: vec![],
            pref: None,
        }],
        ..VCard::default()
    };
    let p = read(&card.build().unwrap()).unwrap();
    assert_eq!(p.kind, "vcard");
    assert!(p.valid, "{:?}", p.problems);
    assert_eq!(p.text("formatted_name"), Some("Zoë O'Brien"));
    let me = MeCard {
        name: "Doe, John".into(),
        phones: vec!["+1 555".into()],
        ..MeCard::default()
    };
    let p = read(&me.build().unwrap()).unwrap();
    assert_eq!(p.kind, "mecard");
    assert_eq!(p.text("name"), Some("Doe, John"));
    assert!(p.valid, "{:?}", p.problems);
    let event = Event {
        summary: "Launch; party".into(),
        start: "2026-03-14T09:30:00Z".into(),
        ..Event::default()
    };
    let p = read(&event.build().unwrap()).unwrap();
    assert_eq!(p.kind, "event");
    assert_eq!(p.text("summary"), Some("Launch; party"));
    assert!(p.valid, "{:?}", p.problems);
}

#[cfg(feature = "serde")]
#[test]
fn serializes_as_type_fields_valid_problems() {
    let p = read("https://id.gs1.org/01/09520123456789/10/L1?17=261231").unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "type": "gs1_digital_link",
            "domain": "id.gs1.org",
            "gtin": "09520123456789",
            "lot": "L1",
            "expiry": "261231",
            "valid": false,
            "problems": [{"field": "gtin", "message": "the check digit is 9; 0952012345678 needs 8"}],
        })
    );
    // The text keeps the order: type, fields as read, valid, problems.
    let text = serde_json::to_string(&p).unwrap();
    assert!(
        text.starts_with(r#"{"type":"gs1_digital_link","domain":"id.gs1.org","gtin""#),
        "{text}"
    );
}
