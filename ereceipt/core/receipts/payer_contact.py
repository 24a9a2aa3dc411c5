"""The payer's contact for delivery: e-mail address (RFC 5321/5322 dot-atom), Vietnamese mobile (E.164).

Neither is part of the signed receipt: they travel with the payment into the payer notices and
are stored there. E-mail addresses are the common dot-atom form (no quoted local parts, no
comments), the domain converted to its ASCII (IDNA) form and lower-cased. Mobile numbers are
the 10-digit numbering Vietnam uses since 2018 (prefixes 03, 05, 07, 08, 09), written ``09…``,
``+84 9…``, ``84 9…`` or ``0084 9…`` with any spaces, dots or dashes, and normalised to
``+849…`` (ITU-T E.164).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ereceipt.core.errors import BadInput

MAX_EMAIL = 254  # RFC 5321 4.5.3.1.3 (a path of 256 octets, less the angle brackets)
MAX_LOCAL_PART = 64
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_PART = re.compile(rf"^{_ATOM}(\.{_ATOM})*$")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_TOP_LABEL = re.compile(r"^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$")
_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")
MOBILE_PREFIXES = "35789"  # the digit after the leading 0 of a mobile number since 2018


class InvalidEmail(BadInput):
    """An e-mail address that mail cannot be sent to as written."""

    code = "INVALID_EMAIL"


class InvalidMobile(BadInput):
    """A telephone number that is not a Vietnamese mobile number."""

    code = "INVALID_MOBILE"


def normalise_email(typed: str) -> str:
    """``" An.Nguyen@Ví-Dụ.VN "`` → ``"An.Nguyen@xn--v-d-rma6749a.vn"``; else ``InvalidEmail`` and why."""
    address = typed.strip()
    if address.count("@") != 1:
        raise InvalidEmail(f"e-mail address {typed!r} must have exactly one @")
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL_PART or not _LOCAL_PART.match(local):
        raise InvalidEmail(f"e-mail address {typed!r}: the part before @ is not a valid mailbox name")
    try:
        ascii_domain = domain.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidEmail(f"e-mail address {typed!r}: {domain!r} is not a valid domain name") from None
    labels = ascii_domain.split(".")
    if (
        len(labels) < 2
        or not all(_LABEL.match(label) for label in labels)
        or not _TOP_LABEL.match(labels[-1])
    ):
        raise InvalidEmail(f"e-mail address {typed!r}: {domain!r} is not a valid domain name")
    normalised = f"{local}@{ascii_domain}"
    if len(normalised) > MAX_EMAIL:
        raise InvalidEmail(f"e-mail address {typed!r} is longer than {MAX_EMAIL} characters")
    return normalised


def normalise_mobile(typed: str) -> str:
    """``"0912 345 678"``, ``"+84 912.345.678"`` → ``"+84912345678"``; ``InvalidMobile`` otherwise."""
    digits = _PHONE_PUNCTUATION.sub("", typed.strip())
    for prefix in ("+84", "0084", "84", "0"):
        if digits.startswith(prefix):
            national = digits[len(prefix) :]
            break
    else:
        raise InvalidMobile(f"mobile number {typed!r} must start with 0 or +84")
    if not national.isdigit():
        raise InvalidMobile(f"mobile number {typed!r} may hold only digits, spaces, dots and dashes")
    if national.startswith("2"):
        raise InvalidMobile(f"{typed!r} is a landline, not a mobile number (02…); SMS needs a mobile")
    if len(national) == 10 and national.startswith("1"):
        raise InvalidMobile(f"mobile number {typed!r} is an old 11-digit number; give the new 10-digit one")
    if len(national) != 9:
        raise InvalidMobile(f"mobile number {typed!r} must have 10 digits (0 and nine more)")
    if national[0] not in MOBILE_PREFIXES:
        raise InvalidMobile(f"{typed!r} is not a mobile number (mobile numbers start 03, 05, 07, 08 or 09)")
    return f"+84{national}"


def national_form(mobile: str) -> str:
    """``"+84912345678"`` → ``"0912 345 678"``, as people write it."""
    national = "0" + mobile.removeprefix("+84")
    return f"{national[:4]} {national[4:7]} {national[7:]}"


@dataclass(frozen=True)
class PayerContact:
    """Where the payer wants the receipt; checked and normalised when made (an error names what is wrong)."""

    email: str | None = None
    mobile: str | None = None  # E.164, +84…

    def __post_init__(self) -> None:
        if self.email is not None:
            object.__setattr__(self, "email", normalise_email(self.email))
        if self.mobile is not None:
            object.__setattr__(self, "mobile", normalise_mobile(self.mobile))

    @classmethod
    def of(cls, email: str | None, mobile: str | None) -> PayerContact | None:
        """Check and normalise what the payer gave; None when they gave neither."""
        email = email if email and email.strip() else None
        mobile = mobile if mobile and mobile.strip() else None
        return cls(email, mobile) if email or mobile else None
