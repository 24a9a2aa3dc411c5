"""Booked credit lines of stored ISO 20022 camt.053 statements (any version) as reconciliation's bank side.

Bank intake keeps every camt.053 statement whole in ``bank_message``; this reads those not read
before, through the hardened parser, and stores one ``reconciliation_bank_line`` per booked credit
transaction: the statement's account (IBAN or other id), the booking date, the bank's reference
(AcctSvcrRef, else TxId, else EndToEndId, as bank intake) and the amount in whole đồng. Debits,
unbooked entries and other currencies are left out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree
from sqlalchemy import insert, select

from ereceipt.core.database import Database
from ereceipt.core.intake_tables import BankMessage
from ereceipt.core.treasury_tables import ReconciliationBankLine
from ereceipt.core.xmlparse import parse_xml


def _path(*names: str) -> str:
    return "/".join(f"*[local-name()='{name}']" for name in names)


def _text(element: etree._Element, *names: str) -> str | None:
    found = element.xpath(_path(*names))
    return found[0].text.strip() if found and found[0].text and found[0].text.strip() else None


def _amount(element: etree._Element | None, *names: str) -> int | None:
    found = [] if element is None else element.xpath(_path(*names))
    if not found or found[0].get("Ccy") != "VND":
        return None
    try:
        value = Decimal((found[0].text or "").strip())
    except InvalidOperation:
        return None
    return int(value) if value == value.to_integral_value() and value > 0 else None


def statement_lines(data: bytes) -> list[tuple[str, date, str, int]]:
    """(account, booking date, reference, amount) of every booked VND credit in a camt.053 document."""
    root = parse_xml(data)
    lines = []
    for statement in root.xpath("//" + _path("Stmt")):
        account = _text(statement, "Acct", "Id", "IBAN") or _text(statement, "Acct", "Id", "Othr", "Id")
        if not account:
            continue
        for entry in statement.xpath(_path("Ntry")):
            status = _text(entry, "Sts", "Cd") or _text(entry, "Sts")
            booked = _text(entry, "BookgDt", "Dt") or (_text(entry, "BookgDt", "DtTm") or "")[:10]
            if _text(entry, "CdtDbtInd") != "CRDT" or status != "BOOK" or not booked:
                continue
            details = entry.xpath(_path("NtryDtls", "TxDtls"))
            for detail in details or [None]:
                scope = detail if detail is not None else entry
                reference = (
                    _text(scope, "Refs", "AcctSvcrRef")
                    or (_text(entry, "AcctSvcrRef") if len(details) <= 1 else None)
                    or _text(scope, "Refs", "TxId")
                    or _text(scope, "Refs", "EndToEndId")
                )
                amount = _amount(detail, "Amt") or _amount(detail, "AmtDtls", "TxAmt", "Amt")
                if amount is None and len(details) <= 1:
                    amount = _amount(entry, "Amt")
                if reference and amount:
                    lines.append((account, date.fromisoformat(booked), reference, amount))
    return lines


def load_statement_lines(database: Database) -> int:
    """Store the lines of each camt.053 in ``bank_message`` not loaded before; how many were added."""
    with database.read() as session:
        loaded = select(ReconciliationBankLine.message_id).where(
            ReconciliationBankLine.bic == BankMessage.bic
        )
        pending = session.execute(
            select(BankMessage.bic, BankMessage.message_id, BankMessage.body).where(
                BankMessage.kind == "camt.053",
                BankMessage.body.is_not(None),
                BankMessage.message_id.not_in(loaded),
            )
        ).all()
    added = 0
    for bic, message_id, body in pending:
        rows = [
            {"bic": bic, "message_id": message_id, "position": position, "account": account,
             "booking_date": booked, "reference": reference, "amount": amount}
            for position, (account, booked, reference, amount) in enumerate(statement_lines(body))
        ]  # fmt: skip
        if rows:
            with database.write() as session:
                session.execute(insert(ReconciliationBankLine), rows)
            added += len(rows)
    return added
