//! Payload builders through the API: `POST /api/v1/qr` with `{"payload": {"type": …}}` answers
//! the code and the built text, which the code reads back as exactly; invalid payloads are 400s
//! with stable codes that name the field; JSON batch jobs take payloads too.

mod common;

use axum::http::StatusCode;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};

/// The bytes of a `data:…;base64,` URI.
fn data_uri_bytes(uri: &str) -> Vec<u8> {
    let (_, b64) = uri.split_once(";base64,").expect("a base64 data URI");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn read_back(png: &[u8]) -> Vec<String> {
    qrsmith_core::decode(png, &Default::default())
        .unwrap()
        .symbols
        .into_iter()
        .map(|s| s.text)
        .collect()
}

/// One payload of each type with the text it must be built into.
fn cases() -> Vec<(Value, &'static str)> {
    vec![
        (
            json!({"type": "url", "url": "https://example.com/?q=a%20b"}),
            "https://example.com/?q=a%20b",
        ),
        (json!({"type": "text", "text": "hello\nworld"}), "hello\nworld"),
        (
            json!({"type": "wifi", "ssid": "Home;Net", "password": "pa:ss\"word", "hidden": true}),
            r#"WIFI:T:WPA;S:Home\;Net;P:pa\:ss\"word;H:true;;"#,
        ),
        (
            json!({"type": "vcard", "version": "4.0", "given_name": "Zoë", "family_name": "Ng",
                   "org": "Acme, Inc.", "phones": [{"number": "+1 555 0100", "types": ["cell"]}],
                   "emails": [{"address": "zoe@example.com"}]}),
            "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Zoë Ng\r\nN:Ng;Zoë;;;\r\nORG:Acme\\, Inc.\r\n\
             TEL;VALUE=uri;TYPE=cell:tel:+15550100\r\nEMAIL:zoe@example.com\r\nEND:VCARD\r\n",
        ),
        (
            json!({"type": "mecard", "name": "Owen", "given_name": "Sean",
                   "phones": ["12125551212"], "emails": ["srowen@example.com"]}),
            "MECARD:N:Owen,Sean;TEL:12125551212;EMAIL:srowen@example.com;;",
        ),
        (
            json!({"type": "email", "to": "a@example.com", "subject": "Hi & bye", "body": "x\ny"}),
            "mailto:a@example.com?subject=Hi%20%26%20bye&body=x%0D%0Ay",
        ),
        (
            json!({"type": "sms", "number": "+15105550101", "body": "hello there"}),
            "sms:+15105550101?body=hello%20there",
        ),
        (json!({"type": "tel", "number": "+1-201-555-0123"}), "tel:+1-201-555-0123"),
        (
            json!({"type": "geo", "latitude": 13.4125, "longitude": 103.8667}),
            "geo:13.4125,103.8667",
        ),
        (
            json!({"type": "event", "summary": "Party, finally", "start": "2026-12-18T18:00:00Z",
                   "end": "2026-12-18T23:00:00Z", "location": "Room 1"}),
            "BEGIN:VEVENT\r\nSUMMARY:Party\\, finally\r\nDTSTART:20261218T180000Z\r\n\
             DTEND:20261218T230000Z\r\nLOCATION:Room 1\r\nEND:VEVENT\r\n",
        ),
        (
            json!({"type": "epc", "name": "Red Cross", "iban": "BE72 0000 0000 1616",
                   "bic": "BPOTBEB1", "amount": "1.00", "purpose": "CHAR",
                   "remittance_text": "Urgency fund", "information": "Sample EPC QR code"}),
            "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross\nBE72000000001616\nEUR1\nCHAR\n\nUrgency fund\nSample EPC QR code",
        ),
        (
            json!({"type": "emvco", "initiation": "dynamic",
                   "merchant_accounts": [{"id": 29, "gui": "D15600000000",
                                          "fields": [{"id": "05", "value": "A93FO3230Q"}]}],
                   "merchant_category_code": "4111", "currency": "156", "amount": "23.72",
                   "country": "CN", "merchant_name": "BEST TRANSPORT", "merchant_city": "BEIJING",
                   "additional_data": {"store_label": "1234"},
                   "alternate_language": {"language": "ZH", "name": "最佳运输", "city": "北京"}}),
            "00020101021229300012D156000000000510A93FO3230Q52044111530315654052\
             3.725802CN5914BEST TRANSPORT6007BEIJING620803041234\
             64200002ZH0104最佳运输0202北京6304A73D",
        ),
        (
            json!({"type": "pix", "key": "123e4567-e12b-12d1-a456-426655440000",
                   "name": "Fulano de Tal", "city": "BRASILIA"}),
            "00020126580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-426655440000\
             5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304F01B",
        ),
        (
            json!({"type": "swiss_qr_bill", "iban": "CH44 3199 9123 0008 8901 2",
                   "creditor": {"name": "Robert Schneider AG", "street": "Rue du Lac",
                                "building_number": "1268", "postal_code": "2501", "town": "Biel",
                                "country": "CH"},
                   "debtor": {"name": "Pia-Maria Rutschmann-Schnyder",
                              "street": "Grosse Marktgasse", "building_number": "28",
                              "postal_code": "9400", "town": "Rorschach", "country": "CH"},
                   "amount": "1949.75", "reference": "210000000003139471430009017",
                   "message": "Order of 15 June 2020"}),
            "SPC\r\n0200\r\n1\r\nCH4431999123000889012\r\nS\r\nRobert Schneider AG\r\n\
             Rue du Lac\r\n1268\r\n2501\r\nBiel\r\nCH\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\
             1949.75\r\nCHF\r\nS\r\nPia-Maria Rutschmann-Schnyder\r\nGrosse Marktgasse\r\n\
             28\r\n9400\r\nRorschach\r\nCH\r\nQRR\r\n210000000003139471430009017\r\n\
             Order of 15 June 2020\r\nEPD",
        ),
        (
            json!({"type": "upi", "vpa": "shop@okaxis", "name": "Chai & Co", "amount": "150.50",
                   "note": "Table 3", "reference": "T7"}),
            "upi://pay?pa=shop@okaxis&pn=Chai%20%26%20Co&am=150.50&cu=INR&tn=Table%203&tr=T7",
        ),
        (
            json!({"type": "gs1_digital_link", "gtin": "9521234543213", "lot": "ABC123",
                   "expiry": "261231"}),
            "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
        ),
        (
            json!({"type": "bitcoin", "address": "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
                   "amount": "50", "label": "Luke-Jr", "message": "Donation for project xyz"}),
            "bitcoin:1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa?amount=50&label=Luke-Jr&message=Donation%20for%20project%20xyz",
        ),
    ]
}

#[tokio::test]
async fn every_payload_type_is_built_echoed_and_reads_back_exactly() {
    let (app, _) = service(config());
    let cases = cases();
    assert_eq!(cases.len(), 17);
    let (epc_case, wifi_case, swiss_case) =
        (cases[10].0.clone(), cases[2].0.clone(), cases[13].0.clone());
    for (payload, expected) in cases {
        let body = json!({"payload": payload, "ec": "M", "scale": 4}).to_string();
        let a = send(&app, post_json("/api/v1/qr", &body)).await;
        assert_eq!(a.status, StatusCode::OK, "{payload}: {:?}", a.body);
        let answer = a.json();
        assert_eq!(answer["payload_text"], expected, "{payload}");
        let png = data_uri_bytes(answer["images"][0]["data_uri"].as_str().unwrap());
        assert_eq!(read_back(&png), [expected], "{payload}");
    }
    // EPC payments and Swiss QR-bills default to level M (EPC069-12, the QR-bill guidelines),
    // other payloads to H.
    for (payload, level) in [(&epc_case, "M"), (&swiss_case, "M"), (&wifi_case, "H")] {
        let body = json!({"payload": payload}).to_string();
        let a = send(&app, post_json("/api/v1/qr", &body)).await;
        assert_eq!(a.json()["images"][0]["ec_level"], level, "{payload}");
    }
    // Plain text answers have no payload_text.
    let plain = send(&app, post_json("/api/v1/qr", r#"{"text": "x"}"#)).await;
    assert!(plain.json().get("payload_text").is_none());
}

#[tokio::test]
async fn a_swiss_bill_is_drawn_as_its_guidelines_ask() {
    let (app, _) = service(config());
    let with = |extra: &str| {
        let mut body: Value = serde_json::from_str(&swiss("")).unwrap();
        let extra: Value = serde_json::from_str(&format!("{{{extra}}}")).unwrap();
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body.to_string()
    };
    // PNG: level M, the cross at the centre, a pHYs resolution that prints the symbol 46 mm.
    let a = send(
        &app,
        post_json("/api/v1/qr", &with(r#""format": "png", "scale": 6"#)),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    let answer = a.json();
    let image = &answer["images"][0];
    assert_eq!(image["ec_level"], "M");
    let png = data_uri_bytes(image["data_uri"].as_str().unwrap());
    assert_eq!(read_back(&png), [answer["payload_text"].as_str().unwrap()]);
    let img = image::load_from_memory(&png).unwrap().into_luma8();
    let (w, h) = img.dimensions();
    assert!(
        img.get_pixel(w / 2, h / 2)[0] > 200,
        "the cross's centre is white"
    );
    let at = png.windows(4).position(|w| w == b"pHYs").unwrap() + 4;
    let per_metre = u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    let modules = image["modules"].as_u64().unwrap() as f64;
    let mm = modules * 6.0 / f64::from(per_metre) * 1000.0;
    assert!((mm - 46.0).abs() < 0.01, "the symbol prints {mm} mm wide");
    // SVG in millimetres, PDF with the cross drawn.
    let a = send(&app, post_json("/api/v1/qr", &with(r#""format": "svg""#))).await;
    let svg = data_uri_bytes(a.json()["images"][0]["data_uri"].as_str().unwrap());
    let svg = String::from_utf8(svg).unwrap();
    // The cross: its white square, black square and two white arms, over the modules.
    assert!(svg.contains("mm\" height=") && svg.matches("<rect x=").count() == 4);
    let a = send(&app, post_json("/api/v1/qr", &with(r#""format": "pdf""#))).await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.body);
    assert_eq!(a.json()["images"][0]["ec_level"], "M");
    // What would break the guidelines is refused, not ignored.
    for extra in [
        r#""ec": "H""#,
        r#""format": "eps""#,
        r#""micro": true"#,
        r#""module_shape": "rounded""#,
        r#""boost_ec": true"#,
    ] {
        let a = send(&app, post_json("/api/v1/qr", &with(extra))).await;
        let message = a.assert_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_parameter");
        assert!(message.contains("Swiss cross"), "{extra}: {message}");
    }
}

/// A Swiss QR-bill request with one field added or replaced (`"name": value`).
fn swiss(field: &str) -> String {
    let mut bill = json!({"type": "swiss_qr_bill", "iban": "CH44 3199 9123 0008 8901 2",
        "creditor": {"name": "Robert Schneider AG", "postal_code": "2501", "town": "Biel",
                     "country": "CH"},
        "reference": "210000000003139471430009017"});
    let extra: Value = serde_json::from_str(&format!("{{{field}}}")).unwrap();
    for (k, v) in extra.as_object().unwrap() {
        bill[k] = v.clone();
    }
    json!({ "payload": bill }).to_string()
}

#[tokio::test]
async fn payload_errors_have_stable_codes_and_name_the_field() {
    let (app, _) = service(config());
    let cases: [(&str, StatusCode, &str, &str); 19] = [
        (
            r#"{"text": "x", "payload": {"type": "tel", "number": "123"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "not both",
        ),
        (
            r#"{"data_base64": "eA==", "payload": {"type": "tel", "number": "123"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "not both",
        ),
        (
            r#"{"format": "svg"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_parameter",
            "missing payload",
        ),
        (
            r#"{"payload": {"type": "epc", "name": "A", "iban": "BE72000000001617"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.iban: ",
        ),
        (
            r#"{"payload": {"type": "epc", "name": "A", "iban": "BE72000000001616", "amount": "1,50"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.amount: ",
        ),
        (
            r#"{"payload": {"type": "geo", "latitude": 91, "longitude": 0}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.latitude: ",
        ),
        (
            r#"{"payload": {"type": "wifi", "ssid": "x", "password": "short"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.password: ",
        ),
        (
            r#"{"payload": {"type": "wifi", "ssid": "x", "pasword": "long enough"}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "pasword",
        ),
        (
            r#"{"payload": {"type": "dogecoin", "address": "x"}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "dogecoin",
        ),
        // Issue 18's refusals, each naming its field.
        (
            &swiss(r#""iban": "CH44 3199 9123 0008 8901 3""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.iban: ",
        ),
        (
            &swiss(r#""reference": "210000000003139471430009018""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.reference: ",
        ),
        (
            &swiss(r#""reference": "RF18539007547034""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.reference: ",
        ),
        (
            &swiss(
                r#""debtor": {"address_type": "K", "name": "A", "postal_code": "1", "town": "B", "country": "CH"}"#,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.debtor.address_type: ",
        ),
        (
            &swiss(r#""amount": "1949.755""#),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.amount: ",
        ),
        (
            r#"{"payload": {"type": "gs1_digital_link", "gtin": "09521234543214"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.gtin: ",
        ),
        (
            r#"{"payload": {"type": "pix", "key": "12345678909", "name": "A name longer than twenty-five", "city": "RIO"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.name: ",
        ),
        (
            r#"{"payload": {"type": "emvco", "merchant_accounts": [{"id": 26, "gui": "x"}], "merchant_category_code": "5812", "currency": "986", "country": "BR", "merchant_name": "A", "merchant_city": "A city over fifteen"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.merchant_city: ",
        ),
        (
            r#"{"payload": {"type": "upi", "vpa": "not-a-vpa", "name": "A"}}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_payload",
            "payload.vpa: ",
        ),
        (
            r#"{"payload": {"type": "email"}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_json",
            "to",
        ),
    ];
    for (body, status, code, needle) in cases {
        let a = send(&app, post_json("/api/v1/qr", body)).await;
        let message = a.assert_error(status, code);
        assert!(message.contains(needle), "{body}: {message}");
    }
    // The GET route has no payload objects.
    send(&app, get("/api/v1/qr?payload=wifi"))
        .await
        .assert_error(StatusCode::BAD_REQUEST, "invalid_parameter");
}

#[tokio::test]
async fn json_batch_items_take_payloads() {
    let (app, _) = service(config());
    let submit = post_json(
        "/api/v1/jobs",
        &json!({"type": "generate", "items": [
            {"payload": {"type": "tel", "number": "+1-201-555-0123"}, "filename": "call"},
            {"payload": {"type": "wifi", "ssid": "Guest"}, "filename": "wifi"},
        ]})
        .to_string(),
    );
    let (done, files) = run_to_result(&app, submit).await;
    assert_eq!(done["failed"], 0, "{done}");
    assert_eq!(read_back(&files["call.png"]), ["tel:+1-201-555-0123"]);
    assert_eq!(read_back(&files["wifi.png"]), ["WIFI:T:nopass;S:Guest;;"]);
}

#[test]
fn openapi_documents_every_payload_type() {
    let doc = qrsmith_server::api_doc::document();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["QrOptions"]["properties"]["payload"]["oneOf"][0]["$ref"],
        "#/components/schemas/Payload"
    );
    let variants = schemas["Payload"]["oneOf"].as_array().unwrap();
    let types: Vec<&str> = variants
        .iter()
        .map(|v| v["properties"]["type"]["const"].as_str().unwrap())
        .collect();
    let built: Vec<String> = cases()
        .iter()
        .map(|(p, _)| p["type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(types, built);
    // Each documented variant is what the server accepts: its documented properties (all of
    // them, with sample values) deserialize, and an undocumented one is refused.
    for (variant, (sample, _)) in variants.iter().zip(cases()) {
        assert_eq!(variant["additionalProperties"], false);
        for (name, schema) in variant["properties"].as_object().unwrap() {
            // The documented types: `"string"`, or `["string", "null"]` for a nullable field.
            let types: Vec<&str> = match &schema["type"] {
                Value::String(one) => vec![one.as_str()],
                Value::Array(some) => some.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            // A value of the documented type.
            let value = match (&schema["enum"], types.first()) {
                (Value::Array(values), _) => values[0].clone(),
                (_, Some(&"array")) => json!([]),
                (_, Some(&"boolean")) => json!(true),
                (_, Some(&"number" | &"integer")) => json!(1),
                _ => json!("x"),
            };
            let mut payload = sample.as_object().unwrap().clone();
            payload.entry(name.clone()).or_insert(value);
            let parsed = serde_json::from_value::<qrsmith_core::payload::Payload>(payload.into());
            assert!(parsed.is_ok(), "{name} of {}: {parsed:?}", sample["type"]);
            // Null where the document allows it, and only there.
            let nullable = types.contains(&"null")
                || schema["enum"]
                    .as_array()
                    .is_some_and(|v| v.contains(&Value::Null));
            let mut payload = sample.as_object().unwrap().clone();
            payload.insert(name.clone(), Value::Null);
            let parsed = serde_json::from_value::<qrsmith_core::payload::Payload>(payload.into());
            assert_eq!(
                parsed.is_ok(),
                nullable,
                "{name}: null of {}: {parsed:?}",
                sample["type"]
            );
        }
        let mut extra = sample.as_object().unwrap().clone();
        extra.insert("undocumented".into(), json!("x"));
        assert!(serde_json::from_value::<qrsmith_core::payload::Payload>(extra.into()).is_err());
    }
}

/// The PNG of `text` at level M.
fn png_of(text: &str) -> Vec<u8> {
    let code = qrsmith_core::encode_text(
        text,
        &qrsmith_core::EncodeOptions {
            ec_level: qrsmith_core::EcLevel::M,
            ..Default::default()
        },
    )
    .unwrap();
    qrsmith_core::render(&code, qrsmith_core::Format::Png, &Default::default()).unwrap()
}

#[tokio::test]
async fn decoded_symbols_carry_their_payload_and_say_when_a_crc_was_altered() {
    let (app, _) = service(config());
    let built = send(
        &app,
        post_json(
            "/api/v1/qr",
            r#"{"payload": {"type": "emvco", "merchant_accounts": [{"id": 26, "gui": "com.example.pay", "fields": [{"id": "01", "value": "M123"}]}], "merchant_category_code": "5812", "currency": "978", "amount": "12.50", "country": "FR", "merchant_name": "Cafe Lumiere", "merchant_city": "Paris"}}"#,
        ),
    )
    .await
    .json();
    let text = built["payload_text"].as_str().unwrap().to_owned();
    let decode = |png: Vec<u8>| {
        axum::http::Request::post("/api/v1/decode")
            .header("content-type", "image/png")
            .body(axum::body::Body::from(png))
            .unwrap()
    };
    let good = send(&app, decode(png_of(&text))).await.json();
    let payload = &good["results"][0]["payload"];
    assert_eq!(payload["type"], "emvco", "{good}");
    assert_eq!(payload["valid"], true, "{payload}");
    assert_eq!(payload["merchant_name"], "Cafe Lumiere");
    assert_eq!(payload["amount"], "12.50");
    assert_eq!(payload["problems"], json!([]));

    // The amount changed to 92.50 in the printed code: the CRC no longer matches.
    let altered = text.replace("540512.50", "540592.50");
    assert_ne!(altered, text);
    let bad = send(&app, decode(png_of(&altered))).await.json();
    let payload = &bad["results"][0]["payload"];
    assert_eq!(payload["valid"], false, "{payload}");
    assert_eq!(payload["amount"], "92.50");
    assert_eq!(payload["problems"][0]["field"], "crc", "{payload}");

    // Plain text has no payload.
    let plain = send(&app, decode(png_of("just text"))).await.json();
    assert!(plain["results"][0]["payload"].is_null(), "{plain}");
}
