"""Demonstration data for one-machine use: two agencies, their receipt series of the year and a few cases.

Fictitious names, tax codes and identity numbers; created only by ``ereceipt init --demo``.
"""

from datetime import datetime

from sqlalchemy import select

from ereceipt.core.receipts.content import VIETNAM
from ereceipt.core.receipts.tables import EnforcementCase, Issuer, ReceiptSeries
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


def load_demo_data(database: Database, *, now: datetime | None = None) -> int:
    """Create what is missing; returns how many rows were added. Safe to run again."""
    year = (now or datetime.now(VIETNAM)).astimezone(VIETNAM).year
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
        symbol = f"TH{year % 100:02d}E"
        for code, *_ in ISSUERS:
            issuer = issuers[code]
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
