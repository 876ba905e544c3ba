//! Every payload type end to end: build → encode → PNG → our reader and zxing-cpp (called
//! directly), which must both give back the built text exactly (line breaks, escapes and
//! non-ASCII characters included).

mod common;

use qrsmith_core::payload::{
    render_swiss_bill, Bitcoin, Email, Emvco, EmvcoAdditionalData, EmvcoField, EmvcoInitiation,
    EmvcoMerchantAccount, Epc, Event, Geo, Gs1DigitalLink, MeCard, Payload, Pix, Sms, SwissAddress,
    SwissQrBill, Tel, Text, Upi, Url, VCard, VCardAddress, VCardEmail, VCardPhone, VCardVersion,
    Wifi, WifiAuth,
};
use qrsmith_core::{decode, encode_text, render, DecodeOptions, EcLevel, EncodeOptions, Format};
use qrsmith_core::{RenderOptions, Size};

fn s(v: &str) -> Option<String> {
    Some(v.into())
}

/// One of each type, with the characters each format escapes.
fn samples() -> Vec<Payload> {
    vec![
        Payload::Url(Url {
            url: "https://example.com/a?b=c&d=%C3%A9#top".into(),
        }),
        Payload::Text(Text {
            text: "Grüße,\nline two; \"quoted\"".into(),
        }),
        Payload::Wifi(Wifi {
            ssid: r#"Café "A:B"; 5G\2"#.into(),
            password: s("pa;ss,wo:rd\\\""),
            auth: Some(WifiAuth::Wpa),
            hidden: true,
        }),
        Payload::Vcard(VCard {
            version: VCardVersion::V4,
            formatted_name: s("Dr. Zoë O'Brien, PhD"),
            family_name: s("O'Brien"),
            given_name: s("Zoë"),
            honorific_prefixes: vec!["Dr.".into()],
            honorific_suffixes: vec!["PhD".into()],
            org: s("Acme; Research, Ltd."),
            title: s("Chief Tester"),
            phones: vec![VCardPhone {
                number: "+353 1 234 5678".into(),
                types: vec!["work".into(), "voice".into()],
                pref: Some(1),
            }],
            emails: vec![VCardEmail {
                address: "zoe@example.ie".into(),
                types: vec!["work".into()],
                pref: None,
            }],
            addresses: vec![VCardAddress {
                types: vec!["work".into()],
                street: s("1 Main Street, Unit 2"),
                locality: s("Dublin"),
                country: s("Ireland"),
                ..VCardAddress::default()
            }],
            url: s("https://example.ie/zoe"),
            note: s("Met at the conference;\nask about the QR project, the one with a very long description line"),
            ..VCard::default()
        }),
        Payload::Vcard(VCard {
            version: VCardVersion::V3,
            given_name: s("Ann"),
            family_name: s("Lee"),
            phones: vec![VCardPhone {
                number: "555-0100".into(),
                ..VCardPhone::default()
            }],
            ..VCard::default()
        }),
        Payload::Mecard(MeCard {
            name: "Owen".into(),
            given_name: s("Sean"),
            phones: vec!["+1 212 555 1212".into()],
            emails: vec!["srowen@example.com".into()],
            address: s("76 9th Avenue, 4th Floor; New York"),
            url: s("https://example.com"),
            birthday: s("1980-01-31"),
            note: s("back\\slash: ok"),
        }),
        Payload::Email(Email {
            to: "someone@example.org".into(),
            subject: s("Hello & welcome?"),
            body: s("Line one\nLine two: café"),
        }),
        Payload::Sms(Sms {
            number: "+15105550101".into(),
            body: s("hello there, 100% sure?"),
        }),
        Payload::Tel(Tel {
            number: "+1 (201) 555-0123".into(),
        }),
        Payload::Geo(Geo {
            latitude: 46.772673,
            longitude: -71.282945,
            altitude: Some(12.5),
        }),
        Payload::Event(Event {
            summary: "Release party; v1.0, finally".into(),
            start: "2026-12-18T18:00:00Z".into(),
            end: s("2026-12-18T23:00:00Z"),
            location: s("Café Zoë, 2nd floor"),
            description: s("Bring: snacks\\drinks\nEveryone welcome — this line is long enough to be folded at seventy-five octets"),
        }),
        Payload::Epc(Epc {
            name: "Red Cross".into(),
            iban: "BE72 0000 0000 1616".into(),
            bic: s("BPOTBEB1"),
            amount: s("1.00"),
            purpose: s("CHAR"),
            reference: None,
            remittance_text: s("Urgency fund"),
            information: s("Sample EPC QR code"),
        }),
        Payload::Emvco(Emvco {
            initiation: Some(EmvcoInitiation::Dynamic),
            merchant_accounts: vec![EmvcoMerchantAccount {
                id: 29,
                gui: "D15600000000".into(),
                fields: vec![EmvcoField {
                    id: "05".into(),
                    value: "A93FO3230Q".into(),
                }],
            }],
            merchant_category_code: "4111".into(),
            currency: "156".into(),
            amount: s("23.72"),
            country: "CN".into(),
            merchant_name: "BEST TRANSPORT".into(),
            merchant_city: "BEIJING".into(),
            additional_data: Some(EmvcoAdditionalData {
                store_label: s("1234"),
                ..EmvcoAdditionalData::default()
            }),
            ..Emvco::default()
        }),
        Payload::Pix(Pix {
            key: "fulano@example.com".into(),
            name: "Fulano de Tal".into(),
            city: "BRASILIA".into(),
            amount: s("123.45"),
            description: s("Pedido 42"),
            txid: s("PEDIDO42"),
            postal_code: None,
        }),
        Payload::Upi(Upi {
            vpa: "merchant.1@okaxis".into(),
            name: "Chai & Co".into(),
            amount: s("150.50"),
            note: s("Order #7, table 3"),
            reference: s("TXN-0007"),
            merchant_code: s("5812"),
        }),
        Payload::SwissQrBill(SwissQrBill {
            iban: "CH44 3199 9123 0008 8901 2".into(),
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
            currency: s("CHF"),
            debtor: Some(SwissAddress {
                name: "Pia-Maria Rutschmann-Schnyder".into(),
                street: s("Grosse Marktgasse"),
                building_number: s("28"),
                postal_code: "9400".into(),
                town: "Rorschach".into(),
                country: "CH".into(),
                ..SwissAddress::default()
            }),
            reference: s("21 00000 00003 13947 14300 09017"),
            message: s("Auftrag vom 15.06.2020 - Zürich"),
            billing_information: None,
            alternative_schemes: vec![],
        }),
        Payload::Gs1DigitalLink(Gs1DigitalLink {
            gtin: "9520123456788".into(),
            cpv: s("2A"),
            lot: s("ABC/1"),
            serial: s("12345"),
            expiry: s("261231"),
            ..Gs1DigitalLink::default()
        }),
        Payload::Bitcoin(Bitcoin {
            address: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4".into(),
            amount: s("0.0015"),
            label: s("Zoë's café"),
            message: s("Thanks & cheers"),
        }),
    ]
}

/// The bytes of every QR symbol zxing-cpp finds in a PNG.
fn zxing_read(png: &[u8]) -> Vec<Vec<u8>> {
    let img = image::load_from_memory(png).unwrap().into_luma8();
    let view = zxingcpp::ImageView::from_slice(
        img.as_raw(),
        img.width(),
        img.height(),
        zxingcpp::ImageFormat::Lum,
    )
    .unwrap();
    zxingcpp::read()
        .formats([zxingcpp::BarcodeFormat::QRCode])
        .from(view)
        .unwrap()
        .iter()
        .map(|b| b.bytes())
        .collect()
}

#[test]
fn every_payload_type_reads_back_exactly() {
    let payloads = samples();
    let mut types: Vec<&str> = payloads.iter().map(Payload::type_name).collect();
    types.dedup();
    assert_eq!(types.len(), 17, "every type is covered: {types:?}");
    for payload in payloads {
        let text = payload
            .build()
            .unwrap_or_else(|e| panic!("{payload:?}: {e}"));
        // EPC069-12 asks for level M; the others use the library's default (H).
        let opts = EncodeOptions {
            ec_level: match payload {
                Payload::Epc(_) | Payload::SwissQrBill(_) => EcLevel::M,
                _ => EcLevel::H,
            },
            ..EncodeOptions::default()
        };
        let code = encode_text(&text, &opts).expect("encodes");
        let render_opts = RenderOptions {
            size: Size::Scale(4),
            ..RenderOptions::default()
        };
        let png = render(&code, Format::Png, &render_opts).expect("renders");
        let found = decode(&png, &DecodeOptions::default()).expect("decodes");
        assert_eq!(found.symbols.len(), 1, "{}", payload.type_name());
        assert_eq!(found.symbols[0].text, text, "{}", payload.type_name());
        assert_eq!(
            found.symbols[0].bytes,
            text.as_bytes(),
            "{}",
            payload.type_name()
        );
        // zxing-cpp, called directly on the same PNG.
        assert_eq!(
            zxing_read(&png),
            [text.as_bytes()],
            "zxing-cpp, {}",
            payload.type_name()
        );
        // Read back as the type it was built as, with no problems (plain text is no type).
        match found.symbols[0].payload() {
            None => assert_eq!(payload.type_name(), "text"),
            Some(read) => {
                assert_eq!(read.kind, payload.type_name(), "{text}");
                assert!(read.valid, "{}: {:?}", payload.type_name(), read.problems);
            }
        }
    }
}

#[test]
fn built_texts_have_their_formats_shape() {
    let texts: Vec<String> = samples().iter().map(|p| p.build().unwrap()).collect();
    assert_eq!(
        texts[2],
        r#"WIFI:T:WPA;S:Café \"A\:B\"\; 5G\\2;P:pa\;ss\,wo\:rd\\\";H:true;;"#
    );
    assert!(texts[3].starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
    assert!(texts[3].contains("\r\nORG:Acme\\; Research\\, Ltd.\r\n"));
    assert!(texts[3].split("\r\n").all(|line| line.len() <= 75));
    assert_eq!(
        texts[6],
        "mailto:someone@example.org?subject=Hello%20%26%20welcome%3F&body=Line%20one%0D%0ALine%20two%3A%20caf%C3%A9"
    );
    assert_eq!(
        texts[7],
        "sms:+15105550101?body=hello%20there%2C%20100%25%20sure%3F"
    );
    assert_eq!(texts[8], "tel:+1(201)555-0123");
    assert_eq!(texts[9], "geo:46.772673,-71.282945,12.5");
    assert!(texts[10].contains("\r\nSUMMARY:Release party\\; v1.0\\, finally\r\n"));
    assert!(texts[10].contains("\r\nLOCATION:Café Zoë\\, 2nd floor\r\n"));
}

#[test]
fn a_swiss_bill_is_printed_46_mm_wide_with_its_cross_and_reads_back_at_level_m() {
    let bill = samples()
        .into_iter()
        .find(|p| matches!(p, Payload::SwissQrBill(_)))
        .unwrap();
    let text = bill.build().unwrap();
    let code = encode_text(
        &text,
        &EncodeOptions {
            ec_level: EcLevel::M,
            ..EncodeOptions::default()
        },
    )
    .unwrap();
    let opts = RenderOptions {
        size: Size::Scale(8),
        ..RenderOptions::default()
    };
    let png = render_swiss_bill(&code, Format::Png, &opts).unwrap();
    // The PDF as a printer sees it: rasterised by poppler at 300 dpi, where the 46 mm symbol
    // is 543 px and its 4-module quiet zone on each side scales with it.
    let pdf = render_swiss_bill(&code, Format::Pdf, &opts).unwrap();
    let pages = common::rasterise_pdf(&pdf, &common::scratch_dir("swiss-bill-pdf"), 300);
    assert_eq!(pages.len(), 1);
    let n = code.width() as f64;
    let printed_px = 46.0 / 25.4 * 300.0 * (n + 8.0) / n;
    let page = image::load_from_memory(&pages[0]).unwrap().into_luma8();
    assert!(
        (f64::from(page.width()) - printed_px).abs() <= 1.0,
        "{} px at 300 dpi, not {printed_px:.1}",
        page.width()
    );
    // The SVG as a browser draws it (resvg), at 8 px per module like the PNG.
    let svg = render_swiss_bill(&code, Format::Svg, &opts).unwrap();
    let tree = resvg::usvg::Tree::from_data(&svg, &resvg::usvg::Options::default()).unwrap();
    let side = (code.width() as u32 + 8) * 8;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(side, side).unwrap();
    let fit = resvg::tiny_skia::Transform::from_scale(
        side as f32 / tree.size().width(),
        side as f32 / tree.size().height(),
    );
    resvg::render(&tree, fit, &mut pixmap.as_mut());
    let mut white = resvg::tiny_skia::Pixmap::new(side, side).unwrap();
    white.fill(resvg::tiny_skia::Color::WHITE);
    white.draw_pixmap(
        0,
        0,
        pixmap.as_ref(),
        &resvg::tiny_skia::PixmapPaint::default(),
        resvg::tiny_skia::Transform::identity(),
        None,
    );
    let svg_png = white.encode_png().unwrap();
    for (name, image) in [("png", &png), ("pdf", &pages[0]), ("svg", &svg_png)] {
        let found = decode(image, &DecodeOptions::default()).unwrap();
        assert_eq!(found.symbols.len(), 1, "{name}");
        assert_eq!(found.symbols[0].text, text, "{name}");
        assert_eq!(found.symbols[0].ec_level.as_deref(), Some("M"), "{name}");
        assert_eq!(zxing_read(image), [text.as_bytes()], "{name}");
        // The centre is the cross: white at the very centre (the cross), black a little off
        // it along the diagonal (the black square between the arms).
        let img = image::load_from_memory(image).unwrap().into_luma8();
        let (w, h) = img.dimensions();
        let cross = f64::from(w) * n / (n + 8.0) * 7.0 / 46.0;
        assert!(
            img.get_pixel(w / 2, h / 2)[0] > 200,
            "{name}: the cross's centre is white"
        );
        let off = (cross * 0.35) as u32;
        assert!(
            img.get_pixel(w / 2 + off, h / 2 + off)[0] < 60,
            "{name}: the square round the cross is black"
        );
    }
}
