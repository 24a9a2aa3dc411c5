"""The payment JSON of `ereceipt issue`: the example reads, and every mistake is named."""

import json
from pathlib import Path

import pytest

from ereceipt.adapters.payment_json import parse_payment_json
from ereceipt.core.errors import BadInput, InvalidAmount
from ereceipt.core.receipts.content import PaymentMethod
from ereceipt.core.receipts.payer_contact import InvalidEmail, InvalidMobile, PayerContact

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payment.json"


def example(**changes) -> bytes:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v is not None}).encode()


def test_example_payment_reads() -> None:
    request = parse_payment_json(EXAMPLE.read_bytes())
    assert request.payment.amount == 1_015_000
    assert request.payment.method is PaymentMethod.CASH
    assert request.payment.payer.identity_number == "001085012345"
    assert request.payment.case_code == "THA2501"
    assert request.officer == "can.bo.thu"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reference": None}, "lacks reference"),
        ({"colour": "red"}, "unknown field"),
        ({"method": "CHEQUE"}, "'method'"),
        ({"paid_at": "yesterday"}, "ISO 8601"),
        ({"paid_at": "2026-11-25T09:30:00"}, "time zone"),
        ({"payer": {"name": "A", "identity_number": "12345"}}, "12 digits"),
        ({"payer": {"name": ""}}, "payer.name"),
        ({"payer": {"name": "A", "phone": "1"}}, "'payer'"),
    ],
)
def test_mistakes_are_named(changes: dict, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_payment_json(example(**changes))


def with_amount(literal: str) -> bytes:
    return example().replace(b'"amount": 1015000', f'"amount": {literal}'.encode())


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ('"1.000"', "field 'amount': \"1.000\" is not a JSON integer of đồng"),
        ('"1015000"', "field 'amount': \"1015000\" is not a JSON integer of đồng"),
        ("1015000.5", "field 'amount': 1015000.5 is not a JSON integer of đồng"),
        ("1000.0", "field 'amount': 1000.0 is not a JSON integer of đồng"),
        ("true", "field 'amount': true is not a JSON integer of đồng"),
        ("-0", "field 'amount': -0 is not more than 0 đồng"),
    ],
)
def test_amount_that_is_not_a_json_integer_is_refused_as_written(literal: str, message: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_payment_json(with_amount(literal))
    assert refused.value.message == message


def test_an_integer_literal_of_thousands_of_digits_is_an_invalid_amount() -> None:
    with pytest.raises(InvalidAmount, match="over the maximum"):
        parse_payment_json(with_amount("1" + "0" * 5000))


def test_a_number_where_text_belongs_is_refused() -> None:
    with pytest.raises(BadInput, match="'reference' must be non-empty text"):
        parse_payment_json(example(reference=None).replace(b"{", b'{"reference": 123, ', 1))


def test_not_json_is_bad_input() -> None:
    with pytest.raises(BadInput, match="not JSON"):
        parse_payment_json(b"{amount: 1}")
    with pytest.raises(BadInput, match="object"):
        parse_payment_json(b"[1]")


def test_example_payment_carries_the_payers_contact_normalised() -> None:
    contact = parse_payment_json(EXAMPLE.read_bytes()).payment.contact
    assert contact == PayerContact("nguyen.van.an@example.invalid", "+84912345678")


def test_payment_without_contact_has_none() -> None:
    assert parse_payment_json(example(payer={"name": "Nguyễn Văn An"})).payment.contact is None


@pytest.mark.parametrize(
    ("payer", "error", "message"),
    [
        ({"name": "A", "email": "an.example.vn"}, InvalidEmail, "'payer.email'.*exactly one @"),
        ({"name": "A", "mobile": "0243 826 1234"}, InvalidMobile, "'payer.mobile'.*landline"),
        ({"name": "A", "email": 7}, BadInput, "'payer.email' must be non-empty text"),
    ],
)
def test_a_wrong_contact_is_refused_naming_the_field(payer: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        parse_payment_json(example(payer=payer))
