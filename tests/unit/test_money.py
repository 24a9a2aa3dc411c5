"""Money is whole đồng: ints and whole decimal text in, everything else refused."""

from decimal import Decimal

import pytest

from ereceipt.core.errors import InvalidAmount
from ereceipt.core.money import MAX_AMOUNT, format_vnd, vnd


@pytest.mark.parametrize(
    ("value", "amount"),
    [(1, 1), (1_015_000, 1_015_000), ("2500000", 2_500_000), ("2500000.00", 2_500_000), (Decimal("7.0"), 7)],
)
def test_whole_amounts_are_accepted(value, amount) -> None:
    assert vnd(value) == amount


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (1.0, "not float"),
        (True, "not bool"),
        (-1, "negative"),
        (0, "more than 0"),
        ("12.5", "not a whole number"),
        (Decimal("0.1"), "not a whole number"),
        ("1e400000", "not a whole number|over the maximum"),
        ("NaN", "not a whole number"),
        ("12,5", "not a number"),
        (None, "not a number"),
        (MAX_AMOUNT + 1, "over the maximum"),
    ],
)
def test_other_amounts_are_refused_with_the_reason(value, reason) -> None:
    with pytest.raises(InvalidAmount, match=reason):
        vnd(value)


def test_zero_is_accepted_only_when_asked() -> None:
    assert vnd(0, allow_zero=True) == 0


def test_amounts_print_with_dots_between_thousands() -> None:
    assert format_vnd(1_015_000) == "1.015.000"
