"""Money as whole đồng (ISO 4217 VND, no minor unit), read by one parser per format it arrives in.

An amount is a Python ``int`` of đồng from 1 to ``MAX_AMOUNT``; no float comes near it. Each way
money enters has one parser that accepts exactly the representation its format defines:

- ``json_amount``: the payment JSON's ``amount`` (RFC 8259): a JSON integer, ``1015000``;
- ``soap_amount``: the portal's ``Amount`` (``AmountType`` of receipt-service-1.0.xsd,
  xs:nonNegativeInteger with totalDigits 18 and whiteSpace collapse): ``1015000``, ``+1015000``;
- ``camt_amount``: a bank's ``Amt`` (ISO 20022 ActiveOrHistoricCurrencyAndAmount: xs:decimal with
  totalDigits 18 and fractionDigits 5): ``1015000``, ``1015000.00``; a fraction that is not zero is refused;
- ``form_amount``: an officer's entry on the admin page: ``1015000`` or ``1.015.000`` (dots group
  thousands, as amounts are written in Vietnam).

Anything else raises ``InvalidAmount`` naming the field and showing the value as it was written.
Digits are ASCII ``0-9`` only, checked before ``int()``, which would also take ``１０００``, ``1_000``
and digits of other scripts. ``vnd`` checks an amount that is already an ``int``.
"""

from __future__ import annotations

import json
import re
from numbers import Number

from ereceipt.core.errors import InvalidAmount

MAX_AMOUNT = 10**18 - 1  # fits NUMERIC(18,0), a signed 64-bit integer and totalDigits 18
MAX_DIGITS = len(str(MAX_AMOUNT))
_JSON_INTEGER = re.compile(r"(-?)(0|[1-9][0-9]*)", re.ASCII)  # RFC 8259: [ minus ] int
_XSD_WHITESPACE = " \t\n\r"  # what XSD whiteSpace="collapse" removes around a value
_XSD_INTEGER = re.compile(r"([+-]?)([0-9]+)", re.ASCII)
_XSD_DECIMAL = re.compile(r"([+-]?)(?:([0-9]+)(?:\.([0-9]*))?|\.([0-9]+))", re.ASCII)
_FORM = re.compile(r"[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+", re.ASCII)
_SHOWN = 40  # characters of a value a message shows
_MAXIMUM = f"{MAX_AMOUNT:,}".replace(",", ".")  # as messages show it: 999.999.999.999.999.999


class JsonNumber:
    """A number of a JSON text exactly as written (``1015000``, ``1000.0``, ``1e3``).

    Pass it as ``parse_int``, ``parse_float`` and ``parse_constant`` to ``json.loads``: numbers then
    stay text, so none becomes a float or an integer of thousands of digits, and ``json_amount`` alone
    turns one into đồng.
    """

    __slots__ = ("literal",)

    def __init__(self, literal: str) -> None:
        self.literal = literal

    def __repr__(self) -> str:  # as written, as an int's or a float's repr is
        return self.literal

    __str__ = __repr__


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text)} characters)"


def _written(value: object) -> str:
    """``value`` as a person writes it: JSON numbers as written, text quoted, no Python reprs."""
    if isinstance(value, JsonNumber):
        return _cut(value.literal)
    if isinstance(value, list | dict):
        return "an array" if isinstance(value, list) else "an object"
    if isinstance(value, bool) or not isinstance(value, Number):
        return _cut(json.dumps(value, ensure_ascii=False, default=lambda other: type(other).__name__))
    if isinstance(value, int) and value.bit_length() > 128:  # str() of a giant int is slow or refused
        return f"an integer of about {int(value.bit_length() * 0.30103)} digits"
    return _cut(str(value))  # 1.5, 1015000.5 (a Decimal), never Decimal('...')


def _whole(digits: str, *, negative: bool, field: str, shown: str) -> int:
    """The amount of ASCII ``digits`` (leading zeros allowed), refused when zero, negative or too large."""
    significant = digits.lstrip("0")
    if not significant:
        raise InvalidAmount(f"field {field!r}: {shown} is not more than 0 đồng")
    if negative:
        raise InvalidAmount(f"field {field!r}: {shown} is negative")
    if len(significant) > MAX_DIGITS:  # before int(): no giant integers
        raise InvalidAmount(f"field {field!r}: {shown} is over the maximum of {_MAXIMUM} đồng")
    return int(significant)


def vnd(value: int, *, field: str = "amount") -> int:
    """``value``, an amount already typed as ``int``, checked: not a bool, from 1 to ``MAX_AMOUNT``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidAmount(f"field {field!r}: {_written(value)} is not an integer of đồng")
    if value < 0:
        raise InvalidAmount(f"field {field!r}: {_written(value)} is negative")
    if value > MAX_AMOUNT:
        raise InvalidAmount(f"field {field!r}: {_written(value)} is over the maximum of {_MAXIMUM} đồng")
    return _whole(str(value), negative=False, field=field, shown=str(value))


def json_amount(value: object, *, field: str = "amount") -> int:
    """A JSON integer of đồng (RFC 8259 ``[ minus ] int``) from a document read with ``JsonNumber``.

    Text (``"1.000"``), fractions and exponents (``1000.0``, ``1e3``), ``true`` and ``null`` are refused.
    """
    match = _JSON_INTEGER.fullmatch(value.literal) if isinstance(value, JsonNumber) else None
    if match is None:
        raise InvalidAmount(f"field {field!r}: {_written(value)} is not a JSON integer of đồng")
    return _whole(match.group(2), negative=match.group(1) == "-", field=field, shown=_written(value))


def soap_amount(text: str | None, *, field: str = "Amount") -> int:
    """An xs:nonNegativeInteger of đồng (the service's ``AmountType``): optional sign, ASCII digits.

    Surrounding XML whitespace (space, tab, CR, LF) is collapsed away as the schema says; ``-`` is
    lexically allowed only on zero, which is refused anyway.
    """
    if text is None:
        raise InvalidAmount(f"field {field!r} is missing")
    match = _XSD_INTEGER.fullmatch(text.strip(_XSD_WHITESPACE))
    if match is None:
        raise InvalidAmount(f"field {field!r}: {_written(text)} is not a whole number of đồng in digits")
    return _whole(match.group(2), negative=match.group(1) == "-", field=field, shown=_written(text))


def camt_amount(text: str | None, *, field: str = "Amt") -> int:
    """An ISO 20022 amount (xs:decimal: optional sign, ASCII digits, optional point) in whole đồng.

    ``1500000.00`` is 1500000; ``1500000.5`` is refused (VND has no minor unit), as are exponents,
    grouping and negative amounts.
    """
    if text is None:
        raise InvalidAmount(f"field {field!r} is missing")
    match = _XSD_DECIMAL.fullmatch(text.strip(_XSD_WHITESPACE))
    if match is None:
        raise InvalidAmount(f"field {field!r}: {_written(text)} is not a decimal number (xs:decimal)")
    sign, whole, fraction = match.group(1), match.group(2) or "", match.group(3) or match.group(4) or ""
    if fraction.strip("0"):
        raise InvalidAmount(f"field {field!r}: {_written(text)} is not a positive whole number of đồng")
    return _whole(whole, negative=sign == "-", field=field, shown=_written(text))


def form_amount(text: str, *, field: str = "số tiền") -> int:
    """The amount an officer types: ASCII digits, plain or grouped by dots (``1.015.000``), nothing else."""
    if not isinstance(text, str):
        raise InvalidAmount(f"{field} {_written(text)} phải là số nguyên đồng")
    written = text.strip()
    if not _FORM.fullmatch(written):
        raise InvalidAmount(
            f"{field} {_written(written)} phải là số nguyên đồng, viết 1015000 hoặc 1.015.000"
        )
    digits = written.replace(".", "").lstrip("0")
    if not digits:
        raise InvalidAmount(f"{field} {_written(written)} phải lớn hơn 0 đồng")
    if len(digits) > MAX_DIGITS:
        raise InvalidAmount(f"{field} {_written(written)} vượt quá mức tối đa {_MAXIMUM} đồng")
    return int(digits)


def format_vnd(amount: int) -> str:
    """Digits grouped the Vietnamese way with dots: 1015000 → ``1.015.000``."""
    return f"{amount:,}".replace(",", ".")
