"""Payload builders: the library's text for each type, and its validation as InvalidPayload."""

from __future__ import annotations

import pytest

import qrsmith
from qrsmith import payload


def roundtrip(text: str) -> str:
    [s] = qrsmith.decode(qrsmith.encode(text, ec="M").png())
    return s.text


def test_wifi() -> None:
    text = payload.wifi("Café; 2nd floor", "correct horse")
    assert text == r"WIFI:T:WPA;S:Café\; 2nd floor;P:correct horse;;"
    assert roundtrip(text) == text
    assert payload.wifi("guest") == "WIFI:T:nopass;S:guest;;"
    assert payload.wifi("lab", "0123456789", auth="WEP", hidden=True) == "WIFI:T:WEP;S:lab;P:0123456789;H:true;;"
    with pytest.raises(qrsmith.InvalidPayload, match="^password: "):
        payload.wifi("guest", "pw", auth="nopass")
    with pytest.raises(qrsmith.InvalidPayload, match="WPA9"):
        payload.wifi("guest", "long enough", auth="WPA9")


def test_vcard_and_mecard() -> None:
    card = payload.vcard(
        given_name="Ada",
        family_name="Lovelace",
        org="Analytical Engines; Ltd",
        phones=["+44 20 7946 0000", {"number": "+44 7700 900000", "types": ["cell"], "pref": 1}],
        emails=["ada@example.com"],
        addresses=[payload.vcard_address(street="12 St James's Sq", locality="London", country="UK")],
        note="line one\nline two",
    )
    assert card.startswith("BEGIN:VCARD\r\nVERSION:3.0\r\n") and card.endswith("END:VCARD\r\n")
    assert "ORG:Analytical Engines\\; Ltd" in card and "line one\\nline two" in card
    assert "TEL;TYPE=cell,pref:+44 7700 900000" in card or "TEL;TYPE=CELL,PREF" in card.upper()
    assert roundtrip(card) == card
    assert payload.vcard(formatted_name="Ada", version="4.0").startswith("BEGIN:VCARD\r\nVERSION:4.0")
    with pytest.raises(qrsmith.InvalidPayload):
        payload.vcard()  # no name at all
    me = payload.mecard("Lovelace,Ada", phones=["+442079460000"], emails=["ada@example.com"])
    assert me.startswith("MECARD:N:Lovelace\\,Ada;") and me.endswith(";;")


def test_uris() -> None:
    assert payload.url("https://example.com/a%20b") == "https://example.com/a%20b"
    with pytest.raises(qrsmith.InvalidPayload, match="^url: "):
        payload.url("https://example.com/a b")
    assert payload.text("hello") == "hello"
    assert payload.email("a@example.com", subject="Hi there") == "mailto:a@example.com?subject=Hi%20there"
    assert payload.sms("+15551234567", body="on my way").startswith("sms:+15551234567")
    assert payload.tel("+1 555 123 4567") .startswith("tel:+1")
    assert payload.geo(48.8583, 2.2945) == "geo:48.8583,2.2945"
    with pytest.raises(qrsmith.InvalidPayload, match="^latitude: "):
        payload.geo(91.0, 0.0)
    with pytest.raises(qrsmith.InvalidPayload, match="^to: "):
        payload.email("")


def test_event() -> None:
    ev = payload.event("Launch", "2026-03-14T09:30:00Z", end="2026-03-14T11:00:00Z", location="Room 1")
    assert "BEGIN:VEVENT" in ev and "DTSTART:20260314T093000Z" in ev and "LOCATION:Room 1" in ev
    assert roundtrip(ev) == ev
    with pytest.raises(qrsmith.InvalidPayload, match="^start: "):
        payload.event("Launch", "next tuesday")


def test_epc() -> None:
    text = payload.epc("Red Cross", "BE72 0000 0000 1616", bic="GEBABEBB", amount="12.50", remittance_text="Donation")
    lines = text.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"] and "BE72000000001616" in lines
    assert "EUR12.5" in text or "EUR12.50" in text
    assert roundtrip(text) == text
    with pytest.raises(qrsmith.InvalidPayload, match="^amount: "):
        payload.epc("Red Cross", "BE72000000001616", amount="0.001")


def test_unknown_or_mistyped_fields_are_refused() -> None:
    with pytest.raises(qrsmith.InvalidPayload, match="unknown field"):
        qrsmith._qrsmith.build_payload('{"type": "tel", "number": "1", "extension": "2"}')
    with pytest.raises(qrsmith.InvalidPayload):
        qrsmith._qrsmith.build_payload('{"type": "carrier-pigeon"}')
    with pytest.raises(TypeError):
        payload.tel("1", extension="2")  # type: ignore[call-arg]
