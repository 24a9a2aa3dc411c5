"""The payer's contact: e-mail addresses checked and normalised, Vietnamese mobile numbers to E.164."""

import pytest

from ereceipt.core.errors import BadInput
from ereceipt.core.receipts.payer_contact import (
    InvalidEmail,
    InvalidMobile,
    PayerContact,
    national_form,
    normalise_email,
    normalise_mobile,
)


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("an.nguyen@example.invalid", "an.nguyen@example.invalid"),
        ("  An.Nguyen+bien-lai@Example.VN ", "An.Nguyen+bien-lai@example.vn"),
        ("o'brien@mail.example.com", "o'brien@mail.example.com"),
        ("an@thads.gov.vn.", "an@thads.gov.vn"),
        ("an@ví-dụ.vn", "an@xn--v-d-rma6749a.vn"),
    ],
)
def test_valid_email_addresses_are_normalised(typed: str, normalised: str) -> None:
    assert normalise_email(typed) == normalised


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("an.nguyen.example.vn", "exactly one @"),
        ("an@nguyen@example.vn", "exactly one @"),
        ("@example.vn", "before @"),
        ("an..nguyen@example.vn", "before @"),
        (".an@example.vn", "before @"),
        ("an nguyen@example.vn", "before @"),
        ('"an"@example.vn', "before @"),
        ("nguyễn@example.vn", "before @"),
        ("an@localhost", "domain"),
        ("an@example", "domain"),
        ("an@-example.vn", "domain"),
        ("an@example..vn", "domain"),
        ("an@example.v1", "domain"),
        ("a" * 65 + "@example.vn", "before @"),
        ("an@" + "a" * 250 + ".vn", "domain"),
    ],
)
def test_invalid_email_addresses_are_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidEmail, match=reason) as refused:
        normalise_email(typed)
    assert isinstance(refused.value, BadInput)
    assert refused.value.code == "INVALID_EMAIL"


@pytest.mark.parametrize(
    "typed",
    [
        "0912345678",
        "0912 345 678",
        "0912.345.678",
        "0912-345-678",
        "+84912345678",
        "+84 912 345 678",
        "84912345678",
        "0084912345678",
        "(+84) 912 345 678",
    ],
)
def test_every_written_form_of_a_mobile_number_becomes_e164(typed: str) -> None:
    assert normalise_mobile(typed) == "+84912345678"


@pytest.mark.parametrize("prefix", ["03", "05", "07", "08", "09"])
def test_every_mobile_prefix_is_accepted(prefix: str) -> None:
    assert normalise_mobile(prefix + "12345678") == "+84" + prefix[1:] + "12345678"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("912345678", "start with 0 or \\+84"),
        ("+1 202 555 0100", "start with 0 or \\+84"),
        ("0912 345 67", "10 digits"),
        ("09123456789", "10 digits"),
        ("0912a45678", "only digits"),
        ("0243 826 1234", "landline, not a mobile number"),
        ("0612 345 678", "not a mobile number"),
        ("01234567890", "old 11-digit number"),
    ],
)
def test_numbers_that_are_not_vietnamese_mobiles_are_refused(typed: str, reason: str) -> None:
    with pytest.raises(InvalidMobile, match=reason) as refused:
        normalise_mobile(typed)
    assert refused.value.code == "INVALID_MOBILE"


def test_national_form_is_how_people_write_it() -> None:
    assert national_form("+84912345678") == "0912 345 678"


def test_contact_is_none_when_the_payer_gave_neither() -> None:
    assert PayerContact.of(None, "  ") is None


def test_contact_keeps_what_was_given_normalised() -> None:
    assert PayerContact.of(" An@Example.VN", "0912 345 678") == PayerContact("An@example.vn", "+84912345678")
    assert PayerContact.of(None, "0912345678") == PayerContact(None, "+84912345678")


def test_a_contact_cannot_be_made_unchecked() -> None:
    assert PayerContact(mobile="0912 345 678").mobile == "+84912345678"
    with pytest.raises(InvalidEmail):
        PayerContact(email="not an address")
