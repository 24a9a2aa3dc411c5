"""The receipt's content as Decree 123/2020/ND-CP art. 32 lists it, plus what enforcement needs.

Plain frozen dataclasses with no storage or XML: what a receipt says, independent of how it is
kept or serialised. Amounts are integer VND.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

NUMBER_DIGITS = 7
MAX_NUMBER = 10**NUMBER_DIGITS - 1
# Letters, then the two-digit year, then optional letters: "BL25T", "TH26E", "AA26".
SERIES_SYMBOL = re.compile(r"^(?P<prefix>[A-Z]{1,4})(?P<year>\d{2})(?P<suffix>[A-Z]{0,4})$")


class PaymentMethod(StrEnum):
    CASH = "CASH"
    BANK_TRANSFER = "BANK_TRANSFER"
    ONLINE = "ONLINE"


def series_year(series_symbol: str) -> int:
    """The calendar year a series symbol carries: ``BL25T`` → 2025."""
    match = SERIES_SYMBOL.match(series_symbol)
    if match is None:
        raise ValueError(f"series symbol {series_symbol!r} is not letters, a two-digit year, letters")
    return 2000 + int(match["year"])


def format_number(number: int) -> str:
    """The printed 7-digit receipt number: 15 → ``0000015``."""
    if not 1 <= number <= MAX_NUMBER:
        raise ValueError(f"receipt number {number} is outside 1..{MAX_NUMBER}")
    return f"{number:0{NUMBER_DIGITS}d}"


@dataclass(frozen=True)
class IssuerInfo:
    code: str
    name: str
    tax_code: str
    address: str


@dataclass(frozen=True)
class PayerInfo:
    name: str
    identity_number: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class CollectionInfo:
    """What is collected: the case and decision it is owed under and why."""

    purpose: str
    case_code: str | None = None
    judgment_number: str | None = None
    decision_number: str | None = None


@dataclass(frozen=True)
class ReceiptRef:
    """How one receipt names another (a replacement names the receipt it replaces)."""

    template_number: str
    series_symbol: str
    number: int


@dataclass(frozen=True)
class ReceiptContent:
    issuer: IssuerInfo
    template_number: str
    series_symbol: str
    number: int
    issued_at: datetime
    payer: PayerInfo
    collection: CollectionInfo
    amount: int
    amount_in_words: str
    payment_method: PaymentMethod
    payment_reference: str | None
    issuing_officer: str
    lookup_code: str
    replaces: ReceiptRef | None = None

    @property
    def ref(self) -> ReceiptRef:
        return ReceiptRef(self.template_number, self.series_symbol, self.number)

    @property
    def display_number(self) -> str:
        return f"{self.template_number} {self.series_symbol} {format_number(self.number)}"
