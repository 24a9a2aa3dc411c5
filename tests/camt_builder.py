"""camt.054 notifications as banks send them, in the shapes of .001.02 and of .001.08 and later.

Tests build their messages here and validate them against the official ISO 20022 schemas in
``../shared/iso20022`` (see ``schema_or_skip``), so the parser is tested on what banks really send.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "iso20022"


@dataclass(frozen=True)
class Tx:
    reference: str | None
    amount: str
    text: str = ""
    debtor: str = "NGUYEN VAN AN"
    credit: bool = True
    currency: str = "VND"
    structured: str | None = None


def camt054(msg_id: str, entries: list[list[Tx]], *, version: str = "08", booked: bool = True) -> bytes:
    """One notification; each entry is a list of transactions (its TxDtls)."""
    modern = int(version) >= 7
    status = "<Sts><Cd>BOOK</Cd></Sts>" if modern else "<Sts>BOOK</Sts>"
    if not booked:
        status = status.replace("BOOK", "PDNG")
    body = []
    for number, txs in enumerate(entries):
        credit = "CRDT" if all(t.credit for t in txs) else "DBIT"
        total = sum(float(t.amount) for t in txs)
        details = "".join(_tx(t, modern, version) for t in txs)
        body.append(
            f'<Ntry><NtryRef>{number}</NtryRef><Amt Ccy="{txs[0].currency}">{total:.2f}</Amt>'
            f"<CdtDbtInd>{credit}</CdtDbtInd>{status}"
            "<BookgDt><DtTm>2026-11-25T09:15:00+07:00</DtTm></BookgDt>"
            "<ValDt><Dt>2026-11-25</Dt></ValDt>"
            "<BkTxCd><Prtry><Cd>NTRF</Cd></Prtry></BkTxCd>"
            f"<NtryDtls>{details}</NtryDtls></Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version}">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{msg_id}</MsgId>"
        "<CreDtTm>2026-11-25T09:16:00+07:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>{msg_id}-1</Id><CreDtTm>2026-11-25T09:16:00+07:00</CreDtTm>"
        "<Acct><Id><Othr><Id>0123456789</Id></Othr></Id></Acct>"
        f"{''.join(body)}</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def camt053(
    msg_id: str, entries: list[list[Tx]], *, version: str = "08", account: str = "0123456789"
) -> bytes:
    """A day statement with the same entries a notification would carry, and its closing balance."""
    notification = camt054(msg_id, entries, version=version).decode()
    total = sum(float(t.amount) for txs in entries for t in txs if t.credit)
    balance = (
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="VND">'
        f"{total:.2f}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-25</Dt></Dt></Bal>"
    )
    statement = (
        notification.replace("camt.054", "camt.053")
        .replace("BkToCstmrDbtCdtNtfctn>", "BkToCstmrStmt>")
        .replace("Ntfctn>", "Stmt>")
        .replace("<Id>0123456789</Id></Othr></Id></Acct>", f"<Id>{account}</Id></Othr></Id></Acct>{balance}")
    )
    return statement.encode()


def _tx(tx: Tx, modern: bool, version: str) -> str:
    refs = f"<Refs><AcctSvcrRef>{tx.reference}</AcctSvcrRef></Refs>" if tx.reference else ""
    amount = f'<Amt Ccy="{tx.currency}">{tx.amount}</Amt>'
    sign = "CRDT" if tx.credit else "DBIT"
    money = (
        f"{amount}<CdtDbtInd>{sign}</CdtDbtInd>"
        if version != "02"
        else f"<AmtDtls><TxAmt>{amount}</TxAmt></AmtDtls>"
    )
    debtor = f"<Pty><Nm>{escape(tx.debtor)}</Nm></Pty>" if modern else f"<Nm>{escape(tx.debtor)}</Nm>"
    remittance = f"<Ustrd>{escape(tx.text)}</Ustrd>" if tx.text else ""
    if tx.structured:
        remittance += f"<Strd><CdtrRefInf><Ref>{escape(tx.structured)}</Ref></CdtrRefInf></Strd>"
    return (
        f"<TxDtls>{refs}{money}<RltdPties><Dbtr>{debtor}</Dbtr></RltdPties>"
        f"<RmtInf>{remittance}</RmtInf></TxDtls>"
    )


def schema_or_skip(kind: str, version: str) -> etree.XMLSchema:
    path = SCHEMAS / f"{kind}.001.{version}.xsd"
    if not path.is_file():
        pytest.skip(f"official ISO 20022 schema {path} is absent (see /work/shared/iso20022/README.md)")
    return etree.XMLSchema(etree.parse(str(path)))


def assert_valid(document: bytes, kind: str = "camt.054", version: str = "08") -> None:
    schema = schema_or_skip(kind, version)
    root = etree.fromstring(document)
    assert schema.validate(root), schema.error_log.last_error
