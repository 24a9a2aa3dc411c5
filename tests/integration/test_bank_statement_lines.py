"""Booked credits of stored camt.053 statements become reconciliation's bank lines (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from ereceipt.adapters.bank_statement_lines import load_statement_lines, statement_lines
from ereceipt.core.intake_tables import BankMessage
from ereceipt.core.treasury_tables import ReconciliationBankLine


def camt053(version: str, entries: str, account: str = "<IBAN>VN12BFTV0011000000002</IBAN>") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}"><BkToCstmrStmt>
<GrpHdr><MsgId>S-1</MsgId><CreDtTm>2026-03-03T06:00:00+07:00</CreDtTm></GrpHdr>
<Stmt><Id>ST-1</Id><Acct><Id>{account}</Id></Acct>{entries}</Stmt>
</BkToCstmrStmt></Document>""".encode()


def entry(
    amount: str, status: str, credit: str = "CRDT", details: str = "", ref: str = "", ccy: str = "VND"
) -> str:
    acct_ref = f"<AcctSvcrRef>{ref}</AcctSvcrRef>" if ref else ""
    return (
        f'<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{credit}</CdtDbtInd>{status}'
        f"<BookgDt><Dt>2026-03-02</Dt></BookgDt>{acct_ref}<NtryDtls>{details}</NtryDtls></Ntry>"
    )


def tx(reference_xml: str, amount: str | None = None) -> str:
    amount_xml = f'<Amt Ccy="VND">{amount}</Amt>' if amount else ""
    return f"<TxDtls><Refs>{reference_xml}</Refs>{amount_xml}</TxDtls>"


def test_booked_credits_of_both_shapes_are_read() -> None:
    modern = camt053(
        "08",
        entry("1015000", "<Sts><Cd>BOOK</Cd></Sts>", details=tx("<AcctSvcrRef>FT-1</AcctSvcrRef>"))
        + entry(
            "300000",
            "<Sts><Cd>BOOK</Cd></Sts>",
            details=tx("<TxId>TX-2</TxId>", "100000") + tx("<EndToEndId>E2E-3</EndToEndId>", "200000"),
        )
        + entry("5000", "<Sts><Cd>BOOK</Cd></Sts>", credit="DBIT", details=tx("<TxId>D-1</TxId>"))
        + entry("7000", "<Sts><Cd>PDNG</Cd></Sts>", details=tx("<TxId>P-1</TxId>"))
        + entry("10.5", "<Sts><Cd>BOOK</Cd></Sts>", details=tx("<TxId>F-1</TxId>"))
        + entry("10", "<Sts><Cd>BOOK</Cd></Sts>", details=tx("<TxId>USD-1</TxId>"), ccy="USD"),
    )
    day = date(2026, 3, 2)
    account = "VN12BFTV0011000000002"
    assert statement_lines(modern) == [
        (account, day, "FT-1", 1_015_000),
        (account, day, "TX-2", 100_000),
        (account, day, "E2E-3", 200_000),
    ]
    old = camt053("02", entry("450000", "<Sts>BOOK</Sts>", ref="AS-9"), "<Othr><Id>0011000000002</Id></Othr>")
    assert statement_lines(old) == [("0011000000002", day, "AS-9", 450_000)]


def test_stored_statements_are_loaded_once(database) -> None:
    body = camt053(
        "08", entry("1015000", "<Sts><Cd>BOOK</Cd></Sts>", details=tx("<AcctSvcrRef>FT-1</AcctSvcrRef>"))
    )
    with database.write() as session:
        session.execute(
            insert(BankMessage),
            [
                {"bic": "BFTVVNVX", "message_id": "m-1", "kind": "camt.053", "document_id": "S-1",
                 "transfers": 1, "refused": 0, "received_at": datetime.now(UTC), "body": body},
                {"bic": "BFTVVNVX", "message_id": "m-2", "kind": "camt.054", "document_id": "N-1",
                 "transfers": 1, "refused": 0, "received_at": datetime.now(UTC), "body": None},
            ],
        )  # fmt: skip
    assert load_statement_lines(database) == 1
    assert load_statement_lines(database) == 0
    with database.read() as session:
        rows = session.execute(select(ReconciliationBankLine.reference, ReconciliationBankLine.amount)).all()
    assert rows == [("FT-1", 1_015_000)]
