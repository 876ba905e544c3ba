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
        // EPC069-12's level M by default, H (the service's default) for the others.
        let level = if args[0] == "epc" { "M" } else { "H" };
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
    let cases: [(&[&str], &str); 5] = [
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
    ];
    for (args, needle) in cases {
        let out = qrsmith(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
