"""Payload builders: typed contents turned into the exact text phone scanners understand.

Each function validates its fields and returns the text to pass to ``qrsmith.encode``. A
field that is out of range, or has characters its format cannot carry, raises
``qrsmith.InvalidPayload`` (code ``invalid_payload``) whose message starts with the field's
name (``iban: …``). The building is the Rust library's (``qrsmith_core::payload``), the same
code the service and the command line use.

>>> from qrsmith import payload
>>> payload.wifi("Café; 2nd floor", password="correct horse")
'WIFI:T:WPA;S:Café\\\\; 2nd floor;P:correct horse;;'
"""

from __future__ import annotations

import json
from typing import Any, Dict, Mapping, Optional, Sequence, Union

from ._qrsmith import build_payload

__all__ = [
    "email",
    "epc",
    "event",
    "geo",
    "mecard",
    "sms",
    "tel",
    "text",
    "url",
    "vcard",
    "vcard_address",
    "wifi",
]


def _build(type_: str, fields: Dict[str, Any]) -> str:
    # Fields left out (None) take the library's defaults.
    body = {k: v for k, v in fields.items() if v is not None}
    body["type"] = type_
    return build_payload(json.dumps(body))


def url(url: str) -> str:
    """A web address (RFC 3986): checked, returned as it is."""
    return _build("url", {"url": url})


def text(text: str) -> str:
    """Plain text, returned as it is (control characters other than line breaks refused)."""
    return _build("text", {"text": text})


def wifi(
    ssid: str,
    password: Optional[str] = None,
    *,
    auth: Optional[str] = None,
    hidden: bool = False,
) -> str:
    """A Wi-Fi network to join: ``WIFI:T:WPA;S:…;P:…;;``.

    ``auth`` is ``"WPA"``, ``"WEP"`` or ``"nopass"`` (default: WPA with a password, nopass
    without); ``hidden`` marks a network that does not broadcast its name.
    """
    return _build("wifi", {"ssid": ssid, "password": password, "auth": auth, "hidden": hidden})


Phone = Union[str, Mapping[str, Any]]
"""A vCard telephone: the number, or ``{"number": …, "types": [...], "pref": 1}``."""

Email = Union[str, Mapping[str, Any]]
"""A vCard e-mail: the address, or ``{"address": …, "types": [...], "pref": 1}``."""


def vcard_address(
    *,
    street: Optional[str] = None,
    locality: Optional[str] = None,
    region: Optional[str] = None,
    postal_code: Optional[str] = None,
    country: Optional[str] = None,
    po_box: Optional[str] = None,
    extended: Optional[str] = None,
    types: Sequence[str] = (),
) -> Dict[str, Any]:
    """A postal address for ``vcard(addresses=[...])``."""
    return {
        "street": street,
        "locality": locality,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "po_box": po_box,
        "extended": extended,
        "types": list(types),
    }


def _entries(key: str, items: Sequence[Union[str, Mapping[str, Any]]]) -> list:
    return [{key: item} if isinstance(item, str) else dict(item) for item in items]


def vcard(
    *,
    formatted_name: Optional[str] = None,
    family_name: Optional[str] = None,
    given_name: Optional[str] = None,
    additional_names: Sequence[str] = (),
    honorific_prefixes: Sequence[str] = (),
    honorific_suffixes: Sequence[str] = (),
    org: Optional[str] = None,
    title: Optional[str] = None,
    phones: Sequence[Phone] = (),
    emails: Sequence[Email] = (),
    addresses: Sequence[Mapping[str, Any]] = (),
    url: Optional[str] = None,
    note: Optional[str] = None,
    version: str = "3.0",
) -> str:
    """A contact as a vCard 3.0 (RFC 2426) or 4.0 (RFC 6350): escaped, CRLF, folded lines."""
    return _build(
        "vcard",
        {
            "version": version,
            "formatted_name": formatted_name,
            "family_name": family_name,
            "given_name": given_name,
            "additional_names": list(additional_names),
            "honorific_prefixes": list(honorific_prefixes),
            "honorific_suffixes": list(honorific_suffixes),
            "org": org,
            "title": title,
            "phones": _entries("number", phones),
            "emails": _entries("address", emails),
            "addresses": [
                {k: v for k, v in dict(a).items() if v is not None} for a in addresses
            ],
            "url": url,
            "note": note,
        },
    )


def mecard(
    name: str,
    *,
    given_name: Optional[str] = None,
    phones: Sequence[str] = (),
    emails: Sequence[str] = (),
    address: Optional[str] = None,
    url: Optional[str] = None,
    birthday: Optional[str] = None,
    note: Optional[str] = None,
) -> str:
    """A contact as a MeCard (``MECARD:N:…;;``), shorter than a vCard."""
    return _build(
        "mecard",
        {
            "name": name,
            "given_name": given_name,
            "phones": list(phones),
            "emails": list(emails),
            "address": address,
            "url": url,
            "birthday": birthday,
            "note": note,
        },
    )


def email(to: str, *, subject: Optional[str] = None, body: Optional[str] = None) -> str:
    """An e-mail to write: ``mailto:`` (RFC 6068)."""
    return _build("email", {"to": to, "subject": subject, "body": body})


def sms(number: str, *, body: Optional[str] = None) -> str:
    """A text message to send: ``sms:`` (RFC 5724)."""
    return _build("sms", {"number": number, "body": body})


def tel(number: str) -> str:
    """A telephone number to call: ``tel:`` (RFC 3966)."""
    return _build("tel", {"number": number})


def geo(latitude: float, longitude: float, *, altitude: Optional[float] = None) -> str:
    """A place on Earth: ``geo:`` (RFC 5870)."""
    return _build("geo", {"latitude": latitude, "longitude": longitude, "altitude": altitude})


def event(
    summary: str,
    start: str,
    *,
    end: Optional[str] = None,
    location: Optional[str] = None,
    description: Optional[str] = None,
) -> str:
    """A calendar event: an iCalendar ``VEVENT`` (RFC 5545).

    ``start`` and ``end`` are ``YYYY-MM-DD`` (all day) or ``YYYY-MM-DDTHH:MM[:SS][Z]``.
    """
    return _build(
        "event",
        {
            "summary": summary,
            "start": start,
            "end": end,
            "location": location,
            "description": description,
        },
    )


def epc(
    name: str,
    iban: str,
    *,
    bic: Optional[str] = None,
    amount: Optional[str] = None,
    purpose: Optional[str] = None,
    reference: Optional[str] = None,
    remittance_text: Optional[str] = None,
    information: Optional[str] = None,
) -> str:
    """A SEPA credit transfer as an EPC QR code (EPC069-12); encode it at level ``"M"``.

    ``amount`` is a decimal string in euros (``"12.50"``, 0.01–999999999.99); give at most
    one of ``reference`` (ISO 11649) and ``remittance_text``.
    """
    return _build(
        "epc",
        {
            "name": name,
            "iban": iban,
            "bic": bic,
            "amount": amount,
            "purpose": purpose,
            "reference": reference,
            "remittance_text": remittance_text,
            "information": information,
        },
    )
