"""Public lookup codes: 80 random bits in Crockford base32, printed as four groups of four.

Unguessable (80 bits from ``secrets``) and easy to type: no I, L, O or U, and reading tolerates
what people type instead (lower case, spaces, hyphens, O for 0, I or L for 1).
"""

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # 16 symbols x 5 bits = 80 bits
_TYPED_INSTEAD = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_lookup_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_lookup_code(typed: str) -> str | None:
    """The stored form of what a person typed, or None when it cannot be a lookup code."""
    compact = "".join(typed.split()).replace("-", "").upper().translate(_TYPED_INSTEAD)
    if len(compact) != LENGTH or any(symbol not in ALPHABET for symbol in compact):
        return None
    return compact


def display_lookup_code(code: str) -> str:
    """``ABCD1234EFGH5678`` → ``ABCD-1234-EFGH-5678``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
