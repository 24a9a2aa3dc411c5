"""Money as integer VND (đồng): the only representation of an amount anywhere in the system.

The đồng has no minor unit in use (ISO 4217 lists VND with 0 decimals), so an amount is a Python
``int``; floats are refused outright because they cannot carry money exactly.
"""

from decimal import Decimal, InvalidOperation

from ereceipt.core.errors import InvalidAmount

MAX_AMOUNT = 10**18 - 1  # fits NUMERIC(18,0) and a signed 64-bit integer


def vnd(value: object, *, allow_zero: bool = False) -> int:
    """Return ``value`` as whole đồng, or raise ``InvalidAmount`` saying what is wrong with it.

    Accepts ``int`` and digit strings (``"1500000"``, or decimal text whose fraction is zero such as
    ``"1500000.00"`` as banks write it); refuses floats, booleans, fractions and negatives.
    """
    if isinstance(value, bool | float):
        raise InvalidAmount(f"amount {value!r} must be a whole number of đồng, not {type(value).__name__}")
    if isinstance(value, int):
        amount = value
    elif isinstance(value, str | Decimal):
        try:
            number = Decimal(value.strip() if isinstance(value, str) else value)
        except InvalidOperation:
            raise InvalidAmount(f"amount {value!r} is not a number") from None
        if not number.is_finite() or number != number.to_integral_value():
            raise InvalidAmount(f"amount {value!r} is not a whole number of đồng")
        if abs(number) > MAX_AMOUNT:  # before int(): "1e400000" must not become a huge integer
            raise InvalidAmount(f"amount {value!r} is over the maximum of {MAX_AMOUNT}")
        amount = int(number)
    else:
        raise InvalidAmount(f"amount of type {type(value).__name__} is not a number of đồng")
    if amount < 0:
        raise InvalidAmount(f"amount {amount} is negative")
    if amount == 0 and not allow_zero:
        raise InvalidAmount("amount must be more than 0 đồng")
    if amount > MAX_AMOUNT:
        raise InvalidAmount(f"amount {amount} is over the maximum of {MAX_AMOUNT}")
    return amount


def format_vnd(amount: int) -> str:
    """Digits grouped the Vietnamese way with dots: 1015000 → ``1.015.000``."""
    return f"{amount:,}".replace(",", ".")
