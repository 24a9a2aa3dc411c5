"""The daily collection report for the state treasury (treasury-collection-report-1.0.xsd, XAdES-signed).

One report per issuer, account and day: every receipt the issuer issued that day (Vietnam time)
for a bank transfer into the account (the money the account collected), its number, amount and
payment reference, and the totals. The report is
signed with the issuer's key (``core.xades``) and stored in ``treasury_report`` before anything is
sent (store and forward); the same issuer, account and day is never reported twice.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from lxml import etree
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ereceipt.core.errors import BadInput, NotFound, SchemaViolation
from ereceipt.core.receipts.content import VIETNAM, PaymentMethod, format_number
from ereceipt.core.receipts.store import ISSUED
from ereceipt.core.receipts.tables import Issuer, Receipt, ReceiptSeries
from ereceipt.core.signatures.xades import ReceiptSigner
from ereceipt.core.storage.database import Database
from ereceipt.core.treasury.tables import PENDING, REJECTED, SENT, TreasuryReport
from ereceipt.core.xml.schemas import package_schema

REPORT_NS = "urn:ereceipt:thads:treasury:report:1.0"
REPORT_TAG = f"{{{REPORT_NS}}}CollectionReport"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where ``day`` begins and ends in Vietnam (receipts are dated in local time)."""
    start = datetime.combine(day, time(0), VIETNAM)
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def report_schema() -> etree.XMLSchema:
    return package_schema("treasury-collection-report-1.0.xsd")


@dataclass(frozen=True)
class StoredReport:
    id: int
    report_id: str
    receipts: int
    amount: int
    created: bool  # False: the report for this issuer, account and day was stored before


def _q(name: str) -> str:
    return f"{{{REPORT_NS}}}{name}"


def _add(parent: etree._Element, name: str, text: object) -> etree._Element:
    child = etree.SubElement(parent, _q(name))
    child.text = str(text)
    return child


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


def report_element(
    session: Session, issuer: Issuer, account: str, day: date, report_id: str
) -> etree._Element:
    """The unsigned report, validated against its XSD."""
    start, end = day_bounds(day)
    rows = session.execute(
        select(
            ReceiptSeries.template_number,
            ReceiptSeries.series_symbol,
            Receipt.number,
            Receipt.amount,
            Receipt.payment_reference,
            Receipt.issued_at,
        )
        .join(ReceiptSeries, Receipt.series_id == ReceiptSeries.id)
        .where(
            Receipt.issuer_id == issuer.id,
            Receipt.status == ISSUED,
            Receipt.payment_method == PaymentMethod.BANK_TRANSFER,
            Receipt.payment_reference.is_not(None),
            Receipt.issued_at >= start,
            Receipt.issued_at < end,
        )
        .order_by(Receipt.issued_at, Receipt.id)
    ).all()
    root = etree.Element(_q("CollectionReport"), nsmap={None: REPORT_NS})
    _add(root, "ReportId", report_id)
    party = etree.SubElement(root, _q("Issuer"))
    _add(party, "Code", issuer.code)
    _add(party, "Name", issuer.name)
    _add(party, "TaxCode", issuer.tax_code)
    _add(root, "Account", account)
    _add(root, "Day", day.isoformat())
    _add(root, "CreatedAt", _timestamp(datetime.now(UTC)))
    total = 0
    for template, series, number, amount, reference, issued_at in rows:
        line = etree.SubElement(root, _q("Receipt"))
        _add(line, "Number", f"{template} {series} {format_number(number)}")
        _add(line, "Amount", amount)
        _add(line, "PaymentReference", reference)
        _add(line, "IssuedAt", _timestamp(issued_at))
        total += amount
    totals = etree.SubElement(root, _q("Totals"))
    _add(totals, "Count", len(rows))
    _add(totals, "Amount", total)
    schema = report_schema()
    if not schema.validate(root):
        raise SchemaViolation(f"collection report: {schema.error_log.last_error.message}")
    return root


def store_daily_report(
    database: Database, signer: ReceiptSigner, issuer_code: str, account: str, day: date
) -> StoredReport:
    """Build, sign and store the report of ``issuer_code`` for ``account`` and ``day`` (once)."""
    with database.write() as session:
        existing = session.execute(
            select(
                TreasuryReport.id, TreasuryReport.report_id, TreasuryReport.receipts, TreasuryReport.amount
            ).where(
                TreasuryReport.issuer_code == issuer_code,
                TreasuryReport.account == account,
                TreasuryReport.day == day,
            )
        ).first()
        if existing:
            return StoredReport(*existing, created=False)
        issuer = session.scalar(select(Issuer).where(Issuer.code == issuer_code))
        if issuer is None:
            raise NotFound(f"no issuer {issuer_code}")
        if issuer.bank_account != account:
            raise BadInput(f"account {account} is not the collection account of {issuer_code}")
        report_id = f"{issuer_code}-{account}-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
        root = report_element(session, issuer, account, day, report_id)
        count = int(root.findtext(f"{_q('Totals')}/{_q('Count')}"))
        amount = int(root.findtext(f"{_q('Totals')}/{_q('Amount')}"))
        now = datetime.now(UTC)
        new_id = session.execute(
            insert(TreasuryReport).returning(TreasuryReport.id),
            {
                "report_id": report_id,
                "issuer_code": issuer_code,
                "account": account,
                "day": day,
                "receipts": count,
                "amount": amount,
                "document": signer.sign_bytes(root),
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            },
        ).scalar_one()
        return StoredReport(new_id, report_id, count, amount, created=True)


def accounts_to_report(database: Database) -> list[tuple[str, str]]:
    """(issuer code, account) of every issuer with a collection account."""
    with database.read() as session:
        rows = session.execute(
            select(Issuer.code, Issuer.bank_account).where(
                Issuer.bank_account.is_not(None), func.length(Issuer.bank_account) > 0
            )
        )
        return [(code, account) for code, account in rows]


def is_failing(failing_after: int):
    """The condition of a failing report: refused, or still unsent after ``failing_after`` tries."""
    return (TreasuryReport.status == REJECTED) | (
        (TreasuryReport.status == PENDING) & (TreasuryReport.attempts >= failing_after)
    )


def counts_by_status(session: Session) -> dict[str, int]:
    """Reports per status, every status named (0 where there is none)."""
    query = select(TreasuryReport.status, func.count()).group_by(TreasuryReport.status)
    counted = dict(session.execute(query).all())
    return {status: counted.get(status, 0) for status in (PENDING, SENT, REJECTED)}


def failing_count(session: Session, failing_after: int) -> int:
    return session.scalar(select(func.count()).where(is_failing(failing_after)))
