"""Bank notifications in ISO 20022 camt.054 (and camt.053 statements), versions .001.02 to .001.13.

Only booked credit entries (``CdtDbtInd`` CRDT, status BOOK) become transfers. A transaction's
reference is its ``AcctSvcrRef``, else ``TxId``, else ``EndToEndId``. An amount that is not whole
VND, another currency or a missing reference refuses that transaction alone, with the reason;
a document that is not camt.054/053 at all is a ``SchemaViolation`` for the whole message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time

from lxml import etree

from ereceipt.core.errors import InvalidAmount, SchemaViolation
from ereceipt.core.intake.transfers import BankTransfer, RefusedTransaction
from ereceipt.core.money import camt_amount
from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.xml.parser import parse_xml
from ereceipt.core.xml.values import stripped_value, text_value

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:camt\.(053|054)\.001\.(0[2-9]|1[0-3])$")
BODIES = {"054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn"), "053": ("BkToCstmrStmt", "Stmt")}
UNKNOWN_PAYER = "Người nộp chuyển khoản"


@dataclass(frozen=True)
class BankDocument:
    kind: str  # "camt.054" or "camt.053"
    version: str  # e.g. "001.08"
    message_id: str  # GrpHdr/MsgId
    transfers: list[BankTransfer] = field(default_factory=list)
    refused: list[RefusedTransaction] = field(default_factory=list)
    debits_ignored: int = 0
    unbooked_ignored: int = 0


def parse_camt(data: bytes) -> BankDocument:
    """Read a camt.054 notification or camt.053 statement; raises ``XMLRejected`` or ``SchemaViolation``."""
    return read_camt(parse_xml(data))


def read_camt(root: etree._Element) -> BankDocument:
    """Read a camt document already parsed by the hardened parser (and, when signed, verified)."""
    match = NAMESPACE.match(etree.QName(root).namespace or "")
    if match is None or etree.QName(root).localname != "Document":
        raise SchemaViolation(f"not an ISO 20022 camt.053/camt.054 document: {root.tag}")
    number, version = match.group(1), match.group(2)
    reader = _Reader(etree.QName(root).namespace)
    body_name, report_name = BODIES[number]
    body = reader.one(root, body_name)
    message_id = reader.text(body, "GrpHdr/MsgId")
    if not message_id:
        raise SchemaViolation(f"camt.{number} without GrpHdr/MsgId")
    document = BankDocument(f"camt.{number}", f"001.{version}", message_id)
    position = 0
    for report, entry in _entries(reader, body, report_name):
        if reader.text(entry, "CdtDbtInd") != "CRDT":
            document = _count(document, debits=1)
            continue
        if _status(reader, entry) != "BOOK":
            document = _count(document, unbooked=1)
            continue
        details = reader.all(entry, "NtryDtls/TxDtls")
        for transaction in details or [None]:
            if transaction is not None and reader.text(transaction, "CdtDbtInd") == "DBIT":
                document = _count(document, debits=1)
                continue
            position += 1
            outcome = _transfer(reader, entry, transaction, single=len(details) <= 1)
            if isinstance(outcome, BankTransfer):
                document.transfers.append(replace(outcome, account=_account(reader, report)))
            else:
                document.refused.append(RefusedTransaction(position, *outcome))
    return document


def _status(reader: _Reader, entry: etree._Element) -> str | None:
    """The entry's status: ``Sts/Cd`` from .001.07 on, the text of ``Sts`` before; a proprietary
    status (``Sts/Prtry``) is no code, so the entry is not booked."""
    status = reader.first(entry, "Sts")
    if status is None or len(status):
        return reader.text(entry, "Sts/Cd")
    return stripped_value(status)


def _entries(reader: _Reader, body: etree._Element, report_name: str):
    """(report, entry) pairs: a message may carry several notifications or statements (accounts)."""
    for report in reader.all(body, report_name):
        for entry in reader.all(report, "Ntry"):
            yield report, entry


def _account(reader: _Reader, report: etree._Element) -> str | None:
    """The credited account: its IBAN, else its other identification (Vietnamese banks use the latter)."""
    return reader.text(report, "Acct/Id/IBAN") or reader.text(report, "Acct/Id/Othr/Id")


def _count(document: BankDocument, *, debits: int = 0, unbooked: int = 0) -> BankDocument:
    return replace(
        document,
        debits_ignored=document.debits_ignored + debits,
        unbooked_ignored=document.unbooked_ignored + unbooked,
    )


def _transfer(
    reader: _Reader, entry: etree._Element, transaction: etree._Element | None, *, single: bool
) -> BankTransfer | tuple[str | None, str]:
    scope = transaction if transaction is not None else entry
    reference = (
        reader.text(scope, "Refs/AcctSvcrRef")
        or reader.text(scope, "Refs/TxId")
        or reader.text(scope, "Refs/EndToEndId")
        or (reader.text(entry, "AcctSvcrRef") if single else None)
    )
    if reference in (None, "NOTPROVIDED"):
        return None, "no AcctSvcrRef, TxId or EndToEndId"
    amount_element = None
    if transaction is not None:
        amount_element = reader.first(transaction, "Amt", "AmtDtls/TxAmt/Amt")
    if amount_element is None and single:
        amount_element = reader.first(entry, "Amt")
    if amount_element is None:
        return reference, "no amount for the transaction"
    currency = amount_element.get("Ccy")
    if currency != "VND":
        return reference, f"currency {currency} is not VND"
    try:
        value = camt_amount(text_value(amount_element))
    except InvalidAmount as exc:
        return reference, exc.message
    debtor = reader.first(scope, "RltdPties/Dbtr/Pty/Nm", "RltdPties/Dbtr/Nm")
    remittance = [line for line in map(stripped_value, reader.all(scope, "RmtInf/Ustrd")) if line]
    for path in ("RmtInf/Strd/CdtrRefInf/Ref", "RmtInf/Strd/AddtlRmtInf"):
        remittance += [text for text in map(stripped_value, reader.all(scope, path)) if text]
    return BankTransfer(
        reference=reference.strip()[:100],
        amount=value,
        paid_at=(paid_at := _booking_time(reader, entry)),
        booking_date=_booking_date(reader, entry) or paid_at.astimezone(VIETNAM).date(),
        payer_name=(stripped_value(debtor) or "")[:400] if debtor is not None else UNKNOWN_PAYER,
        remittance=tuple(remittance),
    )


def _booking_date(reader: _Reader, entry: etree._Element) -> date | None:
    """The booking date as the bank states it (a date, or the Vietnam day of a date and time)."""
    text = reader.text(entry, "BookgDt/Dt")
    if text:
        return date.fromisoformat(text)
    text = reader.text(entry, "BookgDt/DtTm")
    if text:
        moment = datetime.fromisoformat(text)
        return (moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)).astimezone(VIETNAM).date()
    return None


def _booking_time(reader: _Reader, entry: etree._Element) -> datetime:
    for path in ("BookgDt/DtTm", "ValDt/DtTm"):
        text = reader.text(entry, path)
        if text:
            moment = datetime.fromisoformat(text)
            return moment if moment.tzinfo else moment.replace(tzinfo=VIETNAM)
    for path in ("BookgDt/Dt", "ValDt/Dt"):
        text = reader.text(entry, path)
        if text:
            return datetime.combine(date.fromisoformat(text), time(), VIETNAM)
    raise SchemaViolation("a booked entry without a booking or value date")


class _Reader:
    """Paths of local names within one camt namespace."""

    def __init__(self, namespace: str) -> None:
        self.ns = namespace

    def _path(self, path: str) -> str:
        return "/".join(f"{{{self.ns}}}{step}" for step in path.split("/"))

    def all(self, element: etree._Element, path: str) -> list[etree._Element]:
        return element.findall(self._path(path))

    def first(self, element: etree._Element, *paths: str) -> etree._Element | None:
        for path in paths:
            found = element.find(self._path(path))
            if found is not None:
                return found
        return None

    def one(self, element: etree._Element, path: str) -> etree._Element:
        found = element.find(self._path(path))
        if found is None:
            raise SchemaViolation(f"camt document without {path}")
        return found

    def text(self, element: etree._Element, path: str) -> str | None:
        return stripped_value(element.find(self._path(path)))
