//! `qrsmith encode <TYPE> …`: payload subcommands write codes that read back as the exact
//! built text, with the options of `encode` before or after the type; `encode TEXT` is
//! unchanged.

mod common;

use std::path::Path;

use common::{qrsmith, scratch, stderr};

/// The symbols of an image as `decode --json` reports them: (text, EC level).
fn read(path: &Path) -> Vec<(String, String)> {
    let out = qrsmith(&["decode", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["text"].as_str().unwrap().to_owned(),
                r["ec_level"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn each_payload_subcommand_reads_back_as_its_exact_text() {
    let dir = scratch("payload_subcommands");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["url", "https://example.com/a?b=c"], "https://example.com/a?b=c"),
        (vec!["text", "wifi"], "wifi"),
        (
            vec!["wifi", "--ssid", "Home;Net", "--password", "pa:ss\"word", "--hidden"],
            r#"WIFI:T:WPA;S:Home\;Net;P:pa\:ss\"word;H:true;;"#,
        ),
        (
            vec!["vcard", "--given", "Ann", "--family", "Lee", "--org", "A, B", "--phone", "+1 555 0100", "--email", "ann@example.com", "--city", "Oslo"],
            "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\nN:Lee;Ann;;;\r\nORG:A\\, B\r\nADR:;;;Oslo;;;\r\nTEL:+15550100\r\nEMAIL:ann@example.com\r\nEND:VCARD\r\n",
        ),
        (
            vec!["mecard", "--name", "Owen", "--given", "Sean", "--phone", "12125551212"],
            "MECARD:N:Owen,Sean;TEL:12125551212;;",
        ),
        (
            vec!["email", "--to", "a@example.com", "--subject", "Hi there", "--body", "x&y"],
            "mailto:a@example.com?subject=Hi%20there&body=x%26y",
        ),
        (
            vec!["sms", "--number", "+15105550101", "--body", "hello there"],
            "sms:+15105550101?body=hello%20there",
        ),
        (vec!["tel", "+1-201-555-0123"], "tel:+1-201-555-0123"),
        (vec!["geo", "--lat", "-33.8568", "--lon", "151.2153"], "geo:-33.8568,151.2153"),
        (
            vec!["event", "--summary", "Launch; v1", "--start", "2026-12-18", "--end", "2026-12-19"],
            "BEGIN:VEVENT\r\nSUMMARY:Launch\\; v1\r\nDTSTART;VALUE=DATE:20261218\r\nDTEND;VALUE=DATE:20261219\r\nEND:VEVENT\r\n",
        ),
        (
            vec!["epc", "--name", "Red Cross", "--iban", "BE72 0000 0000 1616", "--bic", "BPOTBEB1", "--amount", "1", "--purpose", "CHAR", "--remittance", "Urgency fund"],
            "BCD\n002\n1\nSCT\nBPOTBEB1\nRed Cross\nBE72000000001616\nEUR1\nCHAR\n\nUrgency fund",
        ),
        (
            vec!["emvco", "--account", "26,com.example.pay,01=M123", "--initiation", "static", "--mcc", "5812", "--currency", "978", "--amount", "12.50", "--country", "FR", "--name", "Cafe Lumiere", "--city", "Paris", "--store-label", "S1"],
            "00020101021126270015com.example.pay0104M1235204581253039785405\
             12.505802FR5912Cafe Lumiere6005Paris62060302S16304C2FF",
        ),
        (
            vec!["pix", "--key", "123e4567-e12b-12d1-a456-426655440000", "--name", "Fulano de Tal", "--city", "BRASILIA"],
            "00020126580014BR.GOV.BCB.PIX0136123e4567-e12b-12d1-a456-426655440000\
             5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***6304F01B",
        ),
        (
            vec!["swiss_qr_bill", "--iban", "CH93 0076 2011 6238 5295 7", "--creditor-name", "Robert Schneider AG", "--creditor-postal-code", "2501", "--creditor-town", "Biel", "--amount", "50", "--reference", "RF18 5390 0754 7034"],
            "SPC\r\n0200\r\n1\r\nCH9300762011623852957\r\nS\r\nRobert Schneider AG\r\n\r\n\r\n\
             2501\r\nBiel\r\nCH\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n50.00\r\nCHF\r\n\r\n\r\n\r\n\
             \r\n\r\n\r\n\r\nSCOR\r\nRF18539007547034\r\n\r\nEPD",
        ),
        (
            vec!["upi", "--vpa", "shop@okaxis", "--name", "Chai Co", "--amount", "150.50"],
            "upi://pay?pa=shop@okaxis&pn=Chai%20Co&am=150.50&cu=INR",
        ),
        (
            vec!["gs1-digital-link", "--gtin", "9521234543213", "--lot", "ABC123", "--expiry", "261231"],
            "https://id.gs1.org/01/09521234543213/10/ABC123?17=261231",
        ),
        (
            vec!["bitcoin", "--address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "--amount", "0.0015"],
            "bitcoin:bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4?amount=0.0015",
        ),
    ];
    for (i, (args, expected)) in cases.iter().enumerate() {
        let png = dir.join(format!("{i}.png"));
        // The encode options after the type.
        let mut argv = vec!["encode"];
        argv.extend(args);
        argv.extend(["-o", png.to_str().unwrap(), "--scale", "4"]);
        let out = qrsmith(&argv);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let found = read(&png);
        assert_eq!(found.len(), 1, "{args:?}");
        assert_eq!(found[0].0, *expected, "{args:?}");
        // EPC069-12's and the QR-bill guidelines' level M by default, H (the service's
        // default) for the others.
        let level = if matches!(args[0], "epc" | "swiss_qr_bill") {
            "M"
        } else {
            "H"
        };
        assert_eq!(found[0].1, level, "{args:?}");
    }
}

#[test]
fn options_before_the_type_and_literal_type_names_still_work() {
    let dir = scratch("payload_options_before");
    let png = dir.join("w.png");
    let out = qrsmith(&[
        "encode",
        "--ec",
        "q",
        "-o",
        png.to_str().unwrap(),
        "wifi",
        "--ssid",
        "Guest",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(&png),
        [("WIFI:T:nopass;S:Guest;;".to_owned(), "Q".to_owned())]
    );

    // `encode TEXT` as before, and a type's name as literal text after `--`.
    let plain = dir.join("plain.png");
    let out = qrsmith(&["encode", "hello", "-o", plain.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&plain)[0].0, "hello");
    let literal = dir.join("literal.png");
    let out = qrsmith(&["encode", "-o", literal.to_str().unwrap(), "--", "wifi"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&literal)[0].0, "wifi");
}

#[test]
fn invalid_payloads_exit_2_naming_the_field() {
    let cases: [(&[&str], &str); 8] = [
        (
            &["encode", "epc", "--name", "A", "--iban", "BE72000000001617"],
            "iban: ",
        ),
        (
            &[
                "encode",
                "epc",
                "--name",
                "A",
                "--iban",
                "BE72000000001616",
                "--amount",
                "0.001",
            ],
            "amount: ",
        ),
        (
            &["encode", "wifi", "--ssid", "x", "--password", "short"],
            "password: ",
        ),
        (
            &["encode", "geo", "--lat", "95", "--lon", "0"],
            "latitude: ",
        ),
        (&["encode", "hello", "tel", "123"], "not both"),
        (
            &["encode", "gs1-digital-link", "--gtin", "09521234543214"],
            "gtin: ",
        ),
        (
            &[
                "encode",
                "swiss_qr_bill",
                "--iban",
                "CH4431999123000889012",
                "--creditor-name",
                "A",
                "--creditor-postal-code",
                "1",
                "--creditor-town",
                "B",
                "--reference",
                "RF18539007547034",
            ],
            "reference: ",
        ),
        (
            &["encode", "upi", "--vpa", "nobody", "--name", "A"],
            "vpa: ",
        ),
    ];
    for (args, needle) in cases {
        let out = qrsmith(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn decode_json_reports_an_emvco_payload_and_an_altered_crc() {
    let dir = scratch("payload_decode_json");
    let good = dir.join("good.png");
    let args = [
        "encode",
        "emvco",
        "--account",
        "26,com.example.pay,01=M123",
        "--mcc",
        "5812",
        "--currency",
        "978",
        "--amount",
        "12.50",
        "--country",
        "FR",
        "--name",
        "Cafe Lumiere",
        "--city",
        "Paris",
        "--ec",
        "m",
        "-o",
        good.to_str().unwrap(),
    ];
    let out = qrsmith(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let decode = |path: &Path| -> serde_json::Value {
        let out = qrsmith(&["decode", "--json", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let v = decode(&good);
    let payload = &v["results"][0]["payload"];
    assert_eq!(payload["type"], "emvco", "{v}");
    assert_eq!(payload["valid"], true, "{payload}");
    assert_eq!(payload["merchant_name"], "Cafe Lumiere");
    assert_eq!(payload["amount"], "12.50");

    // The same text with the amount changed and the old CRC kept.
    let text = v["results"][0]["text"]
        .as_str()
        .unwrap()
        .replace("540512.50", "540592.50");
    let bad = dir.join("bad.png");
    let out = qrsmith(&[
        "encode",
        "--ec",
        "m",
        "-o",
        bad.to_str().unwrap(),
        "--",
        &text,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v = decode(&bad);
    let payload = &v["results"][0]["payload"];
    assert_eq!(payload["valid"], false, "{payload}");
    assert_eq!(payload["problems"][0]["field"], "crc", "{payload}");
    assert!(
        payload["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("altered"),
        "{payload}"
    );
}
