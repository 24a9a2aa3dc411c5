"""Demonstration data for one-machine use: agencies, receipt series, cases and a day to reconcile.

Fictitious names, tax codes, identity numbers and bank references; created only by
``ereceipt init --demo``. The demonstration day (``DEMO_DAY``) holds, on the city department's
collection account, signed bank-transfer receipts and the bank's camt.054 lines of that day chosen
so that reconciling it (docs/operating.md, "Treasury jobs") shows one matched payment and every
kind of discrepancy. It uses the other agency than the README's tour, whose first receipt stays
number 1.
"""

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from ereceipt.core.intake.tables import BankStatementLine
from ereceipt.core.issuing.issuer import ReceiptIssuer
from ereceipt.core.issuing.requests import IssueRequest, PaymentIn
from ereceipt.core.receipts.content import VIETNAM, PayerInfo, PaymentMethod
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, ReceiptSeries
from ereceipt.core.signatures.xades import IssuerSigners, ReceiptSigner
from ereceipt.core.storage.database import Database

ISSUERS = [
    (
        "CTHADS-HN",
        "Cục Thi hành án dân sự thành phố Hà Nội",
        "0100000001",
        "Số 1 Phố Thi Hành, Hoàn Kiếm, Hà Nội",
    ),
    (
        "CCTHADS-BD",
        "Chi cục Thi hành án dân sự quận Ba Đình",
        "0100000002",
        "Số 2 Phố Đội Cấn, Ba Đình, Hà Nội",
    ),
]

# Fictitious accounts at a bank whose NAPAS BIN is 970436, for VietQR codes.
BANK_ACCOUNTS = {"CTHADS-HN": ("970436", "0011000000001"), "CCTHADS-BD": ("970436", "0011000000002")}

CASES = [
    ("CCTHADS-BD", "THA2501", "12/2024/DS-PT", "123/QĐ-CCTHADS", "Nguyễn Văn An", "001085012345", 25_000_000),
    (
        "CCTHADS-BD",
        "THA2502",
        "45/2024/KDTM-ST",
        "45/2025/QĐ-THADS",
        "Trần Thị Bình",
        "079190004321",
        7_500_000,
    ),
    ("CTHADS-HN", "THA2503", "7/2023/HS-PT", "88/QĐ-CTHADS", "Công ty TNHH Minh Phát", None, 1_015_000_000),
]


# The demonstration day: the city department's account, one bank's camt.054 lines and the receipts.
DEMO_DAY = date(2026, 11, 24)
DEMO_ISSUER, DEMO_CASE = "CTHADS-HN", "THA2503"
DEMO_BANK, OTHER_BANK = "BFTVVNVX", "ICBVVNVX"
# (reference, receipt amount or None, bank lines as (bank, amount)), each with what reconciling shows
DEMO_PAYMENTS: list[tuple[str, int | None, list[tuple[str, int]]]] = [
    ("FT26328000001", 15_000_000, [(DEMO_BANK, 15_000_000)]),  # matched
    ("FT26328000002", None, [(DEMO_BANK, 250_000)]),  # held: payment without receipt, not in the treasury
    ("FT26328000003", 5_000_000, []),  # receipt without payment; in the treasury, not at the bank
    ("FT26328000004", 2_000_000, [(DEMO_BANK, 2_500_000)]),  # amount mismatch: receipt and treasury
    ("FT26328000005", 1_000_000, [(DEMO_BANK, 1_000_000), (OTHER_BANK, 1_000_000)]),  # duplicate
]


def load_demo_data(database: Database, *, now: datetime | None = None) -> int:
    """Create what is missing; returns how many rows were added. Safe to run again.

    Each issuer gets a series of the current year and one of ``DEMO_DAY``'s year, for its receipts.
    """
    years = sorted({(now or datetime.now(VIETNAM)).astimezone(VIETNAM).year, DEMO_DAY.year})
    added = 0
    with database.write() as session:
        issuers = {issuer.code: issuer for issuer in session.scalars(select(Issuer))}
        for code, name, tax_code, address in ISSUERS:  # the city's department first: it is the parent
            if code not in issuers:
                parent = issuers.get("CTHADS-HN")
                bank_bin, bank_account = BANK_ACCOUNTS[code]
                issuers[code] = Issuer(
                    code=code,
                    name=name,
                    tax_code=tax_code,
                    address=address,
                    parent_id=parent.id if parent else None,
                    bank_bin=bank_bin,
                    bank_account=bank_account,
                )
                session.add(issuers[code])
                session.flush()
                added += 1
        for (code, *_), year in ((row, year) for row in ISSUERS for year in years):
            issuer = issuers[code]
            symbol = f"TH{year % 100:02d}E"
            exists = session.scalar(
                select(ReceiptSeries).where(
                    ReceiptSeries.issuer_id == issuer.id, ReceiptSeries.series_symbol == symbol
                )
            )
            if exists is None:
                session.add(
                    ReceiptSeries(issuer_id=issuer.id, template_number="01BLTHA", series_symbol=symbol)
                )
                added += 1
        for issuer_code, payment_code, judgment, decision, obligor, id_number, amount in CASES:
            if (
                session.scalar(select(EnforcementCase).where(EnforcementCase.payment_code == payment_code))
                is None
            ):
                session.add(
                    EnforcementCase(
                        issuer_id=issuers[issuer_code].id,
                        payment_code=payment_code,
                        judgment_number=judgment,
                        decision_number=decision,
                        obligor_name=obligor,
                        obligor_id_number=id_number,
                        obligor_address="Hà Nội",
                        amount_due=amount,
                        purpose=f"Thi hành án theo {decision}",
                    )
                )
                added += 1
    return added


def load_demo_day(database: Database, signer: ReceiptSigner | IssuerSigners) -> tuple[int, int]:
    """Issue ``DEMO_DAY``'s receipts (signed, dated that day) and record its bank lines.

    Returns how many receipts and bank lines were added; safe to run again (a payment already
    receipted and a line already recorded are left as they are). Needs ``load_demo_data`` first.
    """
    with database.read() as session:
        account = session.scalar(select(Issuer.bank_account).where(Issuer.code == DEMO_ISSUER))
    opened = datetime.combine(DEMO_DAY, time(9, 0), VIETNAM)
    receipts = lines = 0
    for minute, (reference, amount, _) in enumerate(DEMO_PAYMENTS):
        if amount is None:
            continue
        paid_at = opened + timedelta(minutes=10 * minute)
        issued = ReceiptIssuer(database, signer, clock=_at(paid_at + timedelta(minutes=1))).issue(
            IssueRequest(
                PaymentIn(
                    source=DEMO_BANK,
                    reference=reference,
                    amount=amount,
                    payer=PayerInfo("Công ty TNHH Minh Phát"),
                    paid_at=paid_at,
                    method=PaymentMethod.BANK_TRANSFER,
                    case_code=DEMO_CASE,
                    remittance_text=f"CONG TY MINH PHAT NOP TIEN {DEMO_CASE}",
                ),
                officer="demo",
            )
        )
        receipts += issued.created
    with database.write() as session:
        recorded = set(
            session.execute(select(BankStatementLine.bic, BankStatementLine.reference).where(
                BankStatementLine.account == account, BankStatementLine.booking_date == DEMO_DAY
            )).all()
        )  # fmt: skip
        for reference, receipted, bank_lines in DEMO_PAYMENTS:
            text = "chuyen tien" if receipted is None else f"CONG TY MINH PHAT NOP TIEN {DEMO_CASE}"
            for bank, amount in bank_lines:
                if (bank, reference) in recorded:
                    continue
                session.add(
                    BankStatementLine(
                        bic=bank,
                        kind="camt.054",
                        message_id=f"demo-{bank}-{DEMO_DAY:%Y%m%d}",
                        document_id=f"DEMO-{bank}-{DEMO_DAY:%Y%m%d}",
                        account=account,
                        booking_date=DEMO_DAY,
                        amount=amount,
                        reference=reference,
                        remittance_text=text,
                        recorded_at=datetime.now(UTC),
                    )
                )
                lines += 1
    return receipts, lines


def _at(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment.astimezone(UTC)
