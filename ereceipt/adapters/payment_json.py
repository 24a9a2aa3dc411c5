"""The payment description that ``ereceipt issue`` reads: a JSON object (RFC 8259), strictly checked.

Unknown keys, missing fields and values of the wrong kind are refused with a message naming the field,
so a typo never turns into a receipt with a field left out. Numbers are kept as written
(``money.JsonNumber``) and only ``amount`` takes one: a JSON integer of đồng (``money.json_amount``).
"""

from __future__ import annotations

import json
from datetime import datetime

from ereceipt.core.errors import BadInput
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.money import JsonNumber, json_amount
from ereceipt.core.receipts.content import PayerInfo, PaymentMethod
from ereceipt.core.receipts.payer_contact import InvalidEmail, InvalidMobile, PayerContact

REQUIRED = {"source", "reference", "amount", "method", "paid_at", "payer", "officer"}
OPTIONAL = {"case_code", "purpose", "remittance_text", "issuer", "series", "template"}
PAYER_KEYS = {"name", "identity_number", "address", "email", "mobile"}


def _text(value: object, field: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"field {field!r} must be non-empty text")
    return value.strip()


def _paid_at(value: object) -> datetime:
    try:
        paid_at = datetime.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"field 'paid_at' {value!r} is not an ISO 8601 date-time") from None
    if paid_at.tzinfo is None:
        raise BadInput("field 'paid_at' must carry a time zone, e.g. 2025-11-25T09:30:00+07:00")
    return paid_at


def _contact(payer: dict) -> PayerContact | None:
    """The payer's optional e-mail and mobile number, for the notices (not part of the signed receipt)."""
    email = _text(payer.get("email"), "payer.email", optional=True)
    mobile = _text(payer.get("mobile"), "payer.mobile", optional=True)
    try:
        return PayerContact.of(email, mobile)
    except (InvalidEmail, InvalidMobile) as exc:
        field = "payer.email" if isinstance(exc, InvalidEmail) else "payer.mobile"
        raise type(exc)(f"field {field!r}: {exc.message}") from None


def parse_payment_json(data: bytes | str) -> IssueRequest:
    try:
        # Every number stays as written: never a float, never an integer of thousands of digits.
        document = json.loads(data, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput(f"payment description is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise BadInput("payment description must be a JSON object")
    missing, unknown = REQUIRED - document.keys(), document.keys() - REQUIRED - OPTIONAL
    if missing:
        raise BadInput(f"payment description lacks {', '.join(sorted(missing))}")
    if unknown:
        raise BadInput(f"payment description has unknown field(s) {', '.join(sorted(unknown))}")
    payer = document["payer"]
    if not isinstance(payer, dict) or payer.keys() - PAYER_KEYS:
        raise BadInput(f"field 'payer' must be an object with keys among {', '.join(sorted(PAYER_KEYS))}")
    try:
        method = PaymentMethod(document["method"])
    except ValueError:
        raise BadInput(f"field 'method' must be one of {', '.join(m.value for m in PaymentMethod)}") from None
    identity = _text(payer.get("identity_number"), "payer.identity_number", optional=True)
    if identity is not None and not (identity.isdigit() and len(identity) in (9, 12)):
        raise BadInput("field 'payer.identity_number' must be 12 digits (or an older 9-digit number)")
    payment = PaymentIn(
        source=_text(document["source"], "source"),
        reference=_text(document["reference"], "reference"),
        amount=json_amount(document["amount"], field="amount"),
        payer=PayerInfo(
            name=_text(payer.get("name"), "payer.name"),
            identity_number=identity,
            address=_text(payer.get("address"), "payer.address", optional=True),
        ),
        paid_at=_paid_at(document["paid_at"]),
        method=method,
        case_code=_text(document.get("case_code"), "case_code", optional=True),
        purpose=_text(document.get("purpose"), "purpose", optional=True),
        remittance_text=_text(document.get("remittance_text"), "remittance_text", optional=True),
        contact=_contact(payer),
    )
    return IssueRequest(
        payment=payment,
        officer=_text(document["officer"], "officer"),
        issuer_code=_text(document.get("issuer"), "issuer", optional=True),
        series_symbol=_text(document.get("series"), "series", optional=True),
        template_number=_text(document.get("template"), "template", optional=True),
    )
