"""ISO 20022 camt.054 parsing: booked credits become transfers, everything else is counted or refused."""

from __future__ import annotations

import pytest
from camt_builder import Tx, assert_valid, camt054

from ereceipt.adapters.camt import parse_camt
from ereceipt.core.errors import SchemaViolation, XMLRejected


@pytest.mark.parametrize("version", ["02", "04", "06", "08", "12"])
def test_booked_credit_becomes_a_transfer_in_every_version(version: str) -> None:
    message = camt054(
        "M1", [[Tx("FT2633001", "1015000", "THA2501 nop tien", structured="THA2501")]], version=version
    )
    assert_valid(message, version=version)
    document = parse_camt(message)
    (transfer,) = document.transfers
    assert (document.kind, document.version, document.message_id) == ("camt.054", f"001.{version}", "M1")
    assert (transfer.reference, transfer.amount, transfer.payer_name) == (
        "FT2633001",
        1_015_000,
        "NGUYEN VAN AN",
    )
    assert transfer.remittance == ("THA2501 nop tien", "THA2501")
    assert transfer.paid_at.isoformat() == "2026-11-25T09:15:00+07:00"


def test_version_13_namespace_is_accepted_as_the_same_family() -> None:
    message = camt054("M1", [[Tx("R1", "500000", "THA2501")]]).replace(b"camt.054.001.08", b"camt.054.001.13")
    assert parse_camt(message).version == "001.13"


def test_debit_entry_is_ignored() -> None:
    message = camt054("M1", [[Tx("R1", "500000", "THA2501", credit=False)], [Tx("R2", "700000", "THA2502")]])
    assert_valid(message)
    document = parse_camt(message)
    assert [t.reference for t in document.transfers] == ["R2"]
    assert document.debits_ignored == 1


def test_pending_entry_is_not_a_payment() -> None:
    document = parse_camt(camt054("M1", [[Tx("R1", "500000", "THA2501")]], booked=False))
    assert (document.transfers, document.unbooked_ignored) == ([], 1)


@pytest.mark.parametrize(
    ("tx", "reason"),
    [
        (Tx("R1", "100000.50", "THA2501"), "not a positive whole number"),
        (Tx("R1", "100.00", "THA2501", currency="USD"), "currency USD is not VND"),
        (Tx(None, "100000", "THA2501"), "no AcctSvcrRef, TxId or EndToEndId"),
    ],
)
def test_bad_transaction_is_refused_with_its_reason_and_others_go_on(tx: Tx, reason: str) -> None:
    message = camt054("M1", [[tx, Tx("R2", "200000", "THA2502")]])
    assert_valid(message)
    document = parse_camt(message)
    assert [t.reference for t in document.transfers] == ["R2"]
    (refused,) = document.refused
    assert refused.position == 1 and reason in refused.reason


def test_whole_amount_written_with_decimals_is_whole() -> None:
    (transfer,) = parse_camt(camt054("M1", [[Tx("R1", "250000.00", "x")]])).transfers
    assert transfer.amount == 250_000


def with_first_amount(written: str, currency: str = "VND") -> bytes:
    """A notification of two transfers whose first amount is ``written`` exactly, in ``currency``."""
    message = camt054("M1", [[Tx("R1", "7777", "THA2501"), Tx("R2", "200000", "THA2502")]])
    return message.replace(b'<Amt Ccy="VND">7777</Amt>', f'<Amt Ccy="{currency}">{written}</Amt>'.encode())


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("1000.5", "field 'Amt': \"1000.5\" is not a positive whole number of đồng"),
        ("1,000", "field 'Amt': \"1,000\" is not a decimal number (xs:decimal)"),
        ("1e3", "field 'Amt': \"1e3\" is not a decimal number (xs:decimal)"),
        ("１０００", "field 'Amt': \"１０００\" is not a decimal number (xs:decimal)"),
        ("1 000", "field 'Amt': \"1 000\" is not a decimal number (xs:decimal)"),
        ("-100", "field 'Amt': \"-100\" is negative"),
        ("0.00", "field 'Amt': \"0.00\" is not more than 0 đồng"),
    ],
)
def test_an_amount_that_is_not_a_whole_iso_20022_decimal_refuses_its_transaction(
    written: str, reason: str
) -> None:
    document = parse_camt(with_first_amount(written))
    assert [t.reference for t in document.transfers] == ["R2"]
    (refused,) = document.refused
    assert refused.reason == reason


@pytest.mark.parametrize(
    ("written", "amount"),
    [(" 1500000.00\n", 1_500_000), ("+1500000", 1_500_000), ("1.000", 1)],  # a point is a decimal point
)
def test_an_amount_in_the_decimal_form_is_the_whole_dong_it_denotes(written: str, amount: int) -> None:
    assert [t.amount for t in parse_camt(with_first_amount(written)).transfers] == [amount, 200_000]


@pytest.mark.parametrize("currency", ["vnd", "USD", " VND"])
def test_only_vnd_is_taken_whatever_the_amount(currency: str) -> None:
    document = parse_camt(with_first_amount("1500000", currency))
    assert [t.reference for t in document.transfers] == ["R2"]
    assert document.refused[0].reason == f"currency {currency} is not VND"


def test_other_document_is_a_schema_violation() -> None:
    with pytest.raises(SchemaViolation, match="not an ISO 20022 camt"):
        parse_camt(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>')


def test_unparseable_bytes_are_rejected() -> None:
    with pytest.raises(XMLRejected):
        parse_camt(b"<Document>")


def test_the_readme_example_is_valid_camt_054_and_reads_as_documented() -> None:
    from pathlib import Path

    example = (Path(__file__).resolve().parents[2] / "examples" / "camt054-bank-transfer.xml").read_bytes()
    assert_valid(example)
    document = parse_camt(example)
    assert [(t.reference, t.amount) for t in document.transfers] == [
        ("FT26329000001", 1_015_000),
        ("FT26329000002", 250_000),
    ]
    assert document.debits_ignored == 1
    # It credits the account of the demo agency whose case it names, as the README's tour needs.
    from ereceipt.app.demo import BANK_ACCOUNTS, CASES

    (issuer,) = {code for code, case, *_ in CASES if case == "THA2501"}
    assert {t.account for t in document.transfers} == {BANK_ACCOUNTS[issuer][1]}


def test_transfer_carries_the_credited_account_and_the_booking_day_for_reconciliation() -> None:
    from camt_builder import camt053

    for message in (camt054("M1", [[Tx("R1", "500000")]]), camt053("S1", [[Tx("R1", "500000")]])):
        (transfer,) = parse_camt(message).transfers
        assert (transfer.account, transfer.booking_date.isoformat()) == ("0123456789", "2026-11-25")


@pytest.mark.parametrize(
    ("original", "forged"),
    [
        (b">1015000<", b">1015<!---->000<"),
        (b">FT2633001<", b">FT26<!---->33001<"),
        (b">THA2501 nop tien<", b">THA2501<?pi?> nop tien<"),
        (b">NGUYEN VAN AN<", b">NGUYEN<!-- x --> VAN AN<"),
    ],
    ids=["amount", "reference", "remittance", "debtor"],
)
def test_a_value_split_by_a_comment_or_pi_is_refused_never_read_in_part(original, forged) -> None:
    message = camt054("M1", [[Tx("FT2633001", "1015000", "THA2501 nop tien")]]).replace(original, forged)
    assert forged in message
    with pytest.raises(XMLRejected, match="plain text"):
        parse_camt(message)


def test_a_cdata_section_in_a_value_reads_as_its_text() -> None:
    message = camt054("M1", [[Tx("FT2633001", "1015000", "THA2501")]])
    message = message.replace(b">1015000<", b">1015<![CDATA[000]]><")
    assert [t.amount for t in parse_camt(message).transfers] == [1_015_000]


def test_an_entry_with_a_proprietary_status_is_not_booked_and_refuses_nothing() -> None:
    message = camt054("M1", [[Tx("R1", "500000", "THA2501")], [Tx("R2", "700000", "THA2502")]])
    message = message.replace(b"<Sts><Cd>BOOK</Cd></Sts>", b"<Sts><Prtry>HOLD</Prtry></Sts>", 1)
    document = parse_camt(message)
    assert [t.reference for t in document.transfers] == ["R2"]
    assert document.unbooked_ignored == 1
