"""Money is whole đồng, and every way it enters has one parser that reads exactly its format's grammar.

The property at the end feeds the same hostile values to every entry point and compares each answer
with an independent reading of that format: Python's own JSON parser for the payment JSON, libxml2
validating the XSD types for SOAP and camt, the printed form of the number for the admin form, and
a whole-token reading of a printed amount for OCR.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from ereceipt.adapters.payment_json import parse_payment_json
from ereceipt.core.counter.drafts import parse_amount
from ereceipt.core.errors import InvalidAmount
from ereceipt.core.money import (
    MAX_AMOUNT,
    JsonNumber,
    camt_amount,
    form_amount,
    format_vnd,
    json_amount,
    soap_amount,
    vnd,
)
from ereceipt.core.ocr.amounts import amount_of_digits

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "payment.json"
HUGE = "1" + "0" * 5000  # over Python's 4300-digit limit for int() of text


def json_value(literal: str) -> object:
    return json.loads(literal, parse_int=JsonNumber, parse_float=JsonNumber, parse_constant=JsonNumber)


# --- vnd: an amount already typed as int -------------------------------------------------------


@pytest.mark.parametrize("amount", [1, 1_015_000, MAX_AMOUNT])
def test_vnd_returns_an_int_amount_unchanged(amount: int) -> None:
    assert vnd(amount) == amount


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2500000", "field 'amount': \"2500000\" is not an integer of đồng"),
        (Decimal("7"), "field 'amount': 7 is not an integer of đồng"),
        (1.0, "1.0 is not an integer"),
        (True, "true is not an integer"),
        (None, "null is not an integer"),
        (-1, "-1 is negative"),
        (0, "0 is not more than 0 đồng"),
        (MAX_AMOUNT + 1, "over the maximum"),
        pytest.param(-(10**5000), "negative", id="-10**5000"),
    ],
)
def test_vnd_refuses_what_is_not_a_positive_int_within_the_maximum(value: object, reason: str) -> None:
    with pytest.raises(InvalidAmount, match=re.escape(reason)):
        vnd(value)


def test_vnd_names_the_field_it_is_given() -> None:
    with pytest.raises(InvalidAmount, match="field 'amount_vnd'"):
        vnd(0, field="amount_vnd")


def test_decimal_values_never_show_as_python_reprs() -> None:
    with pytest.raises(InvalidAmount) as refused:
        vnd(Decimal("1015000.5"))
    assert "Decimal(" not in refused.value.message and "1015000.5" in refused.value.message


def test_amounts_print_with_dots_between_thousands() -> None:
    assert format_vnd(1_015_000) == "1.015.000"


# --- payment JSON (RFC 8259): a JSON integer only ----------------------------------------------


@pytest.mark.parametrize(
    ("literal", "amount"), [("1015000", 1_015_000), ("1", 1), (str(MAX_AMOUNT), MAX_AMOUNT)]
)
def test_json_integer_is_the_amount(literal: str, amount: int) -> None:
    assert json_amount(json_value(literal)) == amount


@pytest.mark.parametrize(
    ("literal", "message"),
    [
        ('"1.000"', "field 'amount': \"1.000\" is not a JSON integer of đồng"),
        ('"1015000"', "field 'amount': \"1015000\" is not a JSON integer of đồng"),
        ("1000.0", "field 'amount': 1000.0 is not a JSON integer of đồng"),
        ("1015000.5", "field 'amount': 1015000.5 is not a JSON integer of đồng"),
        ("1e3", "field 'amount': 1e3 is not a JSON integer of đồng"),
        ("true", "field 'amount': true is not a JSON integer of đồng"),
        ("null", "field 'amount': null is not a JSON integer of đồng"),
        ("NaN", "field 'amount': NaN is not a JSON integer of đồng"),
        ("[1000]", "field 'amount': an array is not a JSON integer of đồng"),
        ("-0", "field 'amount': -0 is not more than 0 đồng"),
        ("0", "field 'amount': 0 is not more than 0 đồng"),
        ("-5", "field 'amount': -5 is negative"),
        (str(10**18), f"field 'amount': {10**18} is over the maximum of 999.999.999.999.999.999 đồng"),
        pytest.param(HUGE, "(5001 characters) is over the maximum", id="10**5000"),
    ],
)
def test_json_amount_that_is_not_a_positive_json_integer_is_refused_as_written(
    literal: str, message: str
) -> None:
    with pytest.raises(InvalidAmount, match=re.escape(message)):
        json_amount(json_value(literal))


def test_json_amount_refuses_a_python_int_not_read_as_a_json_number() -> None:
    with pytest.raises(InvalidAmount, match="not a JSON integer"):
        json_amount(1000)


# --- SOAP Amount (xs:nonNegativeInteger, totalDigits 18, whitespace collapsed) ------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1015000", 1_015_000), (" 1015000\n", 1_015_000), ("\t+1015000\r", 1_015_000), ("0001", 1)],
)
def test_soap_amount_reads_the_xsd_integer_form(text: str, amount: int) -> None:
    assert soap_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1.000", "field 'Amount': \"1.000\" is not a whole number of đồng in digits"),
        ("1,000", "not a whole number of đồng in digits"),
        ("１０００", "field 'Amount': \"１０００\" is not a whole number"),
        ("1_000", "not a whole number of đồng in digits"),
        ("\u00a01000", "not a whole number of đồng in digits"),  # not XML whitespace
        ("1 000", "not a whole number of đồng in digits"),
        ("1e3", "not a whole number of đồng in digits"),
        ("1000.0", "not a whole number of đồng in digits"),
        ("", "not a whole number of đồng in digits"),
        ("-0", "field 'Amount': \"-0\" is not more than 0 đồng"),
        ("-5", "field 'Amount': \"-5\" is negative"),
        (str(10**18), "over the maximum"),
        pytest.param(HUGE, "over the maximum", id="10**5000"),
        (None, "field 'Amount' is missing"),
    ],
)
def test_soap_amount_refuses_anything_else(text: str | None, message: str) -> None:
    with pytest.raises(InvalidAmount, match=re.escape(message)):
        soap_amount(text)


# --- camt Amt (ISO 20022 xs:decimal, VND without a minor unit) ---------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1500000", 1_500_000),
        ("1500000.00", 1_500_000),
        (" 1500000.\n", 1_500_000),
        ("+250000.00000", 250_000),
    ],
)
def test_camt_amount_reads_a_decimal_with_a_zero_fraction(text: str, amount: int) -> None:
    assert camt_amount(text) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1500000.5", "field 'Amt': \"1500000.5\" is not a positive whole number of đồng"),
        ("1e3", "field 'Amt': \"1e3\" is not a decimal number (xs:decimal)"),
        ("1,000", "not a decimal number"),
        ("1.000.000", "not a decimal number"),
        ("１０００", "not a decimal number"),
        ("1_000", "not a decimal number"),
        ("NaN", "not a decimal number"),
        (".", "not a decimal number"),
        ("0.00", "not more than 0 đồng"),
        ("-100", "negative"),
        (str(10**18) + ".00", "over the maximum"),
        (None, "field 'Amt' is missing"),
    ],
)
def test_camt_amount_refuses_anything_else(text: str | None, message: str) -> None:
    with pytest.raises(InvalidAmount, match=re.escape(message)):
        camt_amount(text)


# --- admin form: plain digits or Vietnamese grouping with dots ---------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [("1015000", 1_015_000), ("1.015.000", 1_015_000), (" 1.015.000 ", 1_015_000), ("1.000", 1000)],
)
def test_form_amount_reads_digits_plain_or_grouped_by_dots(text: str, amount: int) -> None:
    assert form_amount(text) == amount


@pytest.mark.parametrize(
    "text",
    ["1,015,000", "1 015 000", "１０００", "1.0150.00", "1e3", "+1000", "1015000.0", "12.5", "²", "0.001"],
)
def test_form_amount_refuses_every_other_writing_in_vietnamese_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        form_amount(text)
    assert refused.value.message.startswith(
        f"số tiền {json.dumps(text, ensure_ascii=False)} phải là số nguyên đồng"
    )


@pytest.mark.parametrize(
    ("text", "message"), [("0", "phải lớn hơn 0 đồng"), ("9" * 19, "vượt quá mức tối đa")]
)
def test_form_amount_refuses_zero_and_too_much(text: str, message: str) -> None:
    with pytest.raises(InvalidAmount, match=message):
        form_amount(text)


def test_draft_amount_takes_form_text_or_an_int_read_by_ocr() -> None:
    assert parse_amount("1.015.000") == parse_amount(1_015_000) == 1_015_000
    with pytest.raises(InvalidAmount):
        parse_amount(1.5)


# --- every entry point, the same hostile values ------------------------------------------------

HOSTILE = [
    "1.000",
    "1,000",
    "1e3",
    " 1000",
    "１０００",
    "true",
    "1000.0",
    "-0",
    "+1000",
    "1_000",
    str(10**18),
    str(10**18 - 1),
    HUGE,
    "1000",
    "1.015.000",
    "1,015,000",
    "1 015 000",
    "1500000.00",
    "1.000,00",
    "0",
    "NaN",
    "",
]
_XSD = '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="A"><xs:simpleType>{}'
_XSD += "</xs:simpleType></xs:element></xs:schema>"
AMOUNT_TYPE = etree.XMLSchema(  # receipt-service-1.0.xsd AmountType
    etree.fromstring(
        _XSD.format(
            '<xs:restriction base="xs:nonNegativeInteger"><xs:totalDigits value="18"/></xs:restriction>'
        )
    )
)
ISO_AMOUNT = etree.XMLSchema(  # ISO 20022 ActiveOrHistoricCurrencyAndAmount_SimpleType
    etree.fromstring(
        _XSD.format(
            '<xs:restriction base="xs:decimal"><xs:fractionDigits value="5"/><xs:totalDigits value="18"/>'
            '<xs:minInclusive value="0"/></xs:restriction>'
        )
    )
)
_XML_CHARACTERS = re.compile("[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]*")


def within_limits(amount: int) -> int | None:
    return amount if 0 < amount <= MAX_AMOUNT else None


def json_expected(literal: str) -> int | None:
    """Python's own JSON reading: an int (not bool) within the limits, None for anything else."""
    try:
        value = json.loads(literal)
    except ValueError:  # not JSON, or an integer literal over Python's digit limit (far over the maximum)
        return None
    return within_limits(value) if type(value) is int else None


def xsd_expected(text: str, schema: etree.XMLSchema) -> int | None:
    """libxml2's validation of the XSD type, then the value it denotes if it is whole đồng."""
    if not _XML_CHARACTERS.fullmatch(text):
        return None  # cannot even be written in XML
    element = etree.fromstring(f"<A>{escape(text)}</A>")
    if not schema.validate(etree.ElementTree(element)):
        return None
    value = Decimal(element.text.strip(" \t\r\n") if element.text else "")
    return within_limits(int(value)) if value == value.to_integral_value() else None


def form_expected(text: str) -> int | None:
    """Digits alone, or exactly how the amount prints grouped with dots."""
    written = text.strip()
    digits = written.replace(".", "")
    if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > 18:
        return None
    amount = int(digits)
    return within_limits(amount) if written == digits or written == format_vnd(amount) else None


OCR_FORMS = [  # grouped forms first: "1.000" is read as grouping, "1000.000" cannot be
    r"(?P<whole>[1-9][0-9]{0,2}(?:\.[0-9]{3})+)(?:,0+)?",
    r"(?P<whole>[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.0+)?",
    r"(?P<whole>[1-9][0-9]{0,2}(?: [0-9]{3})+)(?:[.,]0+)?",
    r"(?P<whole>[0-9]+)(?:[.,]0+)?",
]


def ocr_expected(text: str) -> tuple[int, bool] | None:
    """A printed amount read whole: (đồng, whether a lone separator could also be a decimal point)."""
    token = re.sub(r"[\u00a0\u202f]", " ", text.strip())
    token = re.sub(r"(?<=[0-9]) ?([.,]) ?(?=[0-9])", r"\1", token)  # OCR's spaces around a separator
    for form in OCR_FORMS:
        match = re.fullmatch(form, token)
        if match and token.isascii():
            whole = re.sub(r"[., ]", "", match.group("whole")).lstrip("0")
            if len(whole) > 18:
                return None
            return int(whole or "0"), bool(re.fullmatch(r"[1-9][0-9]{0,2}[.,][0-9]{3}", token))
    return None


def payment_with_amount(literal: str) -> bytes:
    document = EXAMPLE.read_text(encoding="utf-8")
    assert '"amount": 1015000,' in document
    return document.replace('"amount": 1015000,', f'"amount": {literal},').encode()


def assert_refused_naming(call, field: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        call()
    message = refused.value.message
    assert field in message and "\n" not in message and "Decimal(" not in message, message


def check_every_entry_point(text: str) -> None:
    # payment JSON: the text as a JSON string is never an amount; as a JSON value, only an integer is
    assert_refused_naming(lambda: parse_payment_json(payment_with_amount(json.dumps(text))), "'amount'")
    try:
        json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except ValueError:
        pass  # not one JSON value: it cannot stand in a JSON document
    else:
        expected = json_expected(text)
        if expected is None:
            assert_refused_naming(lambda: parse_payment_json(payment_with_amount(text)), "'amount'")
        else:
            assert parse_payment_json(payment_with_amount(text)).payment.amount == expected
    for parse, schema, field in ((soap_amount, AMOUNT_TYPE, "'Amount'"), (camt_amount, ISO_AMOUNT, "'Amt'")):
        expected = xsd_expected(text, schema)
        if expected is None:
            assert_refused_naming(lambda parse=parse: parse(text), field)
        else:
            assert parse(text) == expected
    expected = form_expected(text)
    if expected is None:
        assert_refused_naming(lambda: parse_amount(text), "số tiền")
    else:
        assert parse_amount(text) == expected
    found = amount_of_digits(text)
    read_whole = ocr_expected(text)
    if read_whole is not None:
        assert found is not None and (found.amount, found.doubtful is not None) == read_whole
        assert text[found.start : found.end] == text.strip()
    elif found is not None:  # the first amount in a longer text: read exactly as that amount is printed
        assert ocr_expected(text[found.start : found.end]) == (found.amount, found.doubtful is not None)


@pytest.mark.parametrize(
    "text", HOSTILE, ids=lambda text: text if len(text) < 30 else f"{len(text)} characters"
)
def test_every_entry_point_refuses_or_reads_exactly_the_hostile_value(text: str) -> None:
    check_every_entry_point(text)


def _written(amount: int, style: str) -> str:
    sign = "-" if amount < 0 else ""
    digits = str(abs(amount))
    grouped = f"{abs(amount):,}"
    return (
        sign
        + {
            "plain": digits,
            "dots": grouped.replace(",", "."),
            "commas": grouped,
            "spaces": grouped.replace(",", " "),
            "underscores": f"{abs(amount):_}",
            "cents": digits + ".00",
            "decimal comma": grouped.replace(",", ".") + ",00",
            "exponent": f"{digits}e0",
            "float": digits + ".0",
            "plus": "+" + digits,
            "full width": digits.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "padded": f" {digits}\t",
            "no-break space": f"\u00a0{digits}",
            "leading zeros": "00" + digits,
        }[style]
    )


amounts = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(min_value=10**17, max_value=10**19),
    st.sampled_from([0, 1, 999, 1000, MAX_AMOUNT, MAX_AMOUNT + 1]),
)
written_amounts = st.builds(
    _written,
    amounts,
    st.sampled_from(
        [
            "plain",
            "dots",
            "commas",
            "spaces",
            "underscores",
            "cents",
            "decimal comma",
            "exponent",
            "float",
            "plus",
            "full width",
            "padded",
            "no-break space",
            "leading zeros",
        ]
    ),
)
number_like = st.text(alphabet=st.sampled_from("0123456789.,+-eE _\t\n\u00a0１٣²"), max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.one_of(written_amounts, number_like, st.decimals(allow_nan=False).map(str)))
def test_every_entry_point_refuses_or_reads_exactly_what_the_value_denotes(text: str) -> None:
    check_every_entry_point(text)
